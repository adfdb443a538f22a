use super::*;
use crate::bank::model::{Choice, Difficulty, Source, Status};

fn q(answer: &[char], texts: &[&str]) -> Question {
    Question {
        id: "q".into(),
        domains: Default::default(),
        topic: "t".into(),
        difficulty: Difficulty::Easy,
        kind: if answer.len() > 1 { Kind::Multiple } else { Kind::Single },
        language: "ko".into(),
        status: Status::Published,
        stem: "어떤 스토리지 클래스가 가장 비용 효율적입니까?".into(),
        explanation: "설명".into(),
        answer: answer.to_vec(),
        options: texts
            .iter()
            .zip('a'..)
            .map(|(t, key)| Choice {
                key,
                text: (*t).into(),
                rationale: "이 선택지는 요구 사항 가운데 하나를 충족하지 못하므로 정답이 될 수 없습니다. \
                            시험에서 요구하는 조건을 하나하나 따져 보면 이 선택지가 왜 부족한지 알 수 있습니다."
                    .into(),
                en: None,
                pos: Default::default(),
            })
            .collect(),
        source: Source {
            file: "f".into(),
            heading: "h".into(),
        },
        references: vec!["https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html".into()],
        en: None,
        generated: None,
        pos: Default::default(),
    }
}

#[test]
fn longest_option_strategy_finds_a_bank_with_long_keys() {
    let bank: Vec<Question> = (0..20)
        .map(|_| {
            q(
                &['c'],
                &[
                    "S3 Standard",
                    "S3 One Zone-IA",
                    "S3 Glacier Deep Archive with lifecycle",
                    "S3 RRS",
                ],
            )
        })
        .collect();
    let r = lint(&bank, true);
    assert_eq!(r.overall.single.accuracy(Strategy::Longest), 1.0);
    assert_eq!(r.overall.single.accuracy(Strategy::Shortest), 0.0);
    assert_eq!(r.overall.single.key_longest, 20);
    let breaches = Thresholds::exam_grade().breaches(&r);
    assert!(breaches.iter().any(|b| b.contains("longest option")), "{breaches:?}");
    assert!(r.flags.iter().any(|f| f.kind == FlagKind::KeyUniquelyLongest));
}

#[test]
fn ties_are_split_evenly_so_equal_lengths_score_chance() {
    let bank = [q(&['b'], &["aaaa", "bbbb", "cccc", "dddd"])];
    let r = lint(&bank, true);
    assert!((r.overall.single.accuracy(Strategy::Longest) - 0.25).abs() < 1e-9);
    let multi = [q(&['a', 'b'], &["aaaa", "bbbb", "cccc", "dddd", "eeee"])];
    let r = lint(&multi, true);
    assert!((r.overall.multiple.accuracy(Strategy::Longest) - 0.1).abs() < 1e-9);
    assert!((r.overall.multiple.chance_rate() - 0.1).abs() < 1e-9);
}

#[test]
fn absolute_words_only_in_distractors_are_flagged() {
    let bank = [q(
        &['a'],
        &[
            "버킷 정책을 쓴다",
            "항상 ACL을 쓴다",
            "모든 객체를 암호화한다",
            "IAM 역할을 쓴다",
        ],
    )];
    let r = lint(&bank, true);
    assert_eq!(r.count(FlagKind::AbsoluteOnlyInDistractors), 1);
    assert!((r.overall.single.accuracy(Strategy::AvoidAbsolute) - 0.5).abs() < 1e-9);
}

#[test]
fn missing_references_short_rationales_and_literal_markup_are_flagged() {
    let mut x = q(&['a'], &["가", "나", "다", "라"]);
    x.references.clear();
    x.options[0].rationale = "짧다.".into();
    x.stem = "별표가 ** 하나만 있습니다".into();
    let r = lint([&x], true);
    assert_eq!(r.count(FlagKind::MissingReference), 1);
    assert_eq!(r.count(FlagKind::ShortRationale), 1);
    assert_eq!(r.count(FlagKind::UnrenderedMarkup), 1);
    // Foreign banks are not held to references.
    assert_eq!(lint([&x], false).count(FlagKind::MissingReference), 0);
}

#[test]
fn a_distractor_from_another_field_is_flagged_but_a_neighbour_is_not() {
    let mut x = q(
        &['a'],
        &[
            "S3 Intelligent-Tiering으로 옮긴다",
            "EFS Infrequent Access로 옮긴다",
            "Amazon Rekognition으로 객체를 분류한다",
            "Amazon WorkSpaces에 보관한다",
        ],
    );
    let r = lint([&x], true);
    let flagged: Vec<&str> = r
        .flags
        .iter()
        .filter(|f| f.kind == FlagKind::DistractorOfAnotherKind)
        .map(|f| f.detail.as_str())
        .collect();
    assert_eq!(flagged.len(), 2, "{flagged:?}");
    assert!(flagged[0].starts_with("option c") && flagged[1].starts_with("option d"));
    // A stem that brings up the other field makes the option fair.
    x.stem = "Amazon Rekognition으로 분석한 이미지를 어디에 보관해야 합니까?".into();
    assert_eq!(lint([&x], true).count(FlagKind::DistractorOfAnotherKind), 1);
    // Over the limit share of questions, the bank breaks the thresholds.
    let bank: Vec<Question> = (0..10)
        .map(|_| q(&['a'], &["S3 Standard", "EBS gp3", "Amazon Polly", "EFS"]))
        .collect();
    let breaches = Thresholds::exam_grade().breaches(&lint(&bank, true));
    assert!(breaches.iter().any(|b| b.contains("another field")), "{breaches:?}");
}

#[test]
fn wilson_interval_brackets_the_rate() {
    let (lo, hi) = wilson95(0.5, 100);
    assert!(lo > 0.39 && lo < 0.41 && hi > 0.59 && hi < 0.61, "{lo} {hi}");
}

#[test]
fn foreign_shapes_are_flagged_but_the_exam_shape_is_not() {
    let three = q(&['a'], &["S3", "EBS", "EFS"]);
    let four = q(&['a'], &["S3", "EBS", "EFS", "FSx"]);
    let tight = q(&['a', 'b'], &["S3", "EBS", "EFS", "FSx"]);
    let exam = q(&['a', 'b'], &["S3", "EBS", "EFS", "FSx", "Glacier"]);
    let shapes: Vec<_> = [&three, &four, &tight, &exam].map(not_exam_shape).into();
    assert_eq!(
        shapes,
        [
            Some("3 options; the exam uses 4 for a single answer".to_owned()),
            None,
            Some("4 options for 2 answers; the exam offers at least 5".to_owned()),
            None
        ]
    );
    assert_eq!(lint([&three], true).count(FlagKind::NotExamShape), 1);
    assert_eq!(lint([&three], false).count(FlagKind::NotExamShape), 0);
}
