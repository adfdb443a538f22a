use std::path::Path;

use super::*;

fn blueprints() -> Vec<Blueprint> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("question_bank/blueprints");
    crate::bank::load_paths(&[dir], None).bank.blueprints
}

fn run(name: &str, text: &str, seed: u64) -> Generation {
    let input = NoteInput {
        name: name.into(),
        bytes: text.as_bytes().to_vec(),
    };
    generate(
        &[input],
        &Options {
            seed,
            ..Options::default()
        },
        &blueprints(),
    )
}

const NOTE: &str = "\
## [SAA] EBS 볼륨 유형
- gp3 : 범용 SSD로 기본 3,000 IOPS를 제공하는 볼륨
- io2 : 고성능 데이터베이스용 프로비저닝된 IOPS SSD 볼륨
- st1 : 순차 처리량이 큰 작업에 맞춘 HDD 볼륨
- sc1 : 자주 읽지 않는 데이터를 위한 가장 저렴한 HDD 볼륨
## [SAA] S3 스토리지 클래스
- **Standard-IA** 자주 읽지 않지만 빠르게 꺼내야 하는 데이터
- **One Zone-IA** 한 AZ에만 저장해 더 저렴한 클래스
- **Glacier Deep Archive** 가장 저렴한 장기 보관 클래스
- **Intelligent-Tiering** 접근 패턴에 따라 자동으로 계층을 옮기는 클래스
Standard-IA의 최소 저장 기간은 30일이다.
";

#[test]
fn definitions_become_questions_with_sibling_distractors_and_sources() {
    let g = run("ebs.md", NOTE, 1);
    let q = g
        .drafts
        .iter()
        .map(|d| &d.question)
        .find(|q| q.stem.contains("기본 3,000 IOPS"))
        .expect("a definition → term draft for gp3");
    let texts: Vec<&str> = q.options.iter().map(|o| o.text.as_str()).collect();
    let mut sorted = texts.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        vec!["gp3", "io2", "sc1", "st1"],
        "distractors are sibling terms"
    );
    let right = q.options.iter().find(|o| q.answer.contains(&o.key)).unwrap();
    assert_eq!(right.text, "gp3");
    let generated = q.generated.as_ref().unwrap();
    assert_eq!(generated.path, "[SAA] EBS 볼륨 유형");
    assert_eq!(generated.lines, [2, 2]);
    assert_eq!(q.source.heading, "[SAA] EBS 볼륨 유형");
    assert_eq!(q.status, Status::Draft);
    assert!(
        q.explanation.contains("범용 SSD"),
        "the explanation states the supporting fact"
    );
    assert!(
        g.drafts
            .iter()
            .all(|d| d.question.options.iter().all(|o| !o.rationale.is_empty()))
    );
}

#[test]
fn every_kind_appears_and_every_draft_validates() {
    let g = run("n.md", NOTE, 1);
    for kind in [
        DraftKind::DefinitionToTerm,
        DraftKind::TermToDefinition,
        DraftKind::Numeric,
        DraftKind::ChooseTwo,
    ]
    .map(DraftKind::as_str)
    {
        assert!(g.report.by_kind.contains_key(kind), "{kind}: {:?}", g.report.by_kind);
    }
    let mut bank = g.bank();
    bank.blueprints = blueprints();
    assert!(crate::bank::validate::validate(&bank).is_empty());
    let two = g
        .drafts
        .iter()
        .find(|d| d.kind == DraftKind::ChooseTwo.as_str())
        .unwrap();
    assert_eq!(two.question.answer.len(), 2);
    assert!(two.question.options.len() >= 5);
    let num = g.drafts.iter().find(|d| d.kind == DraftKind::Numeric.as_str()).unwrap();
    assert!(num.question.stem.contains("____") && !num.question.stem.contains("30일"));
}

#[test]
fn same_input_and_seed_give_the_same_drafts() {
    let a = run("n.md", NOTE, 7);
    let b = run("n.md", NOTE, 7);
    let c = run("n.md", NOTE, 8);
    let keys = |g: &Generation| {
        g.drafts
            .iter()
            .map(|d| (d.question.id.clone(), d.question.answer.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&a), keys(&b));
    assert_ne!(keys(&a), keys(&c), "the seed shuffles option order");
}

#[test]
fn a_term_named_in_its_own_definition_is_not_asked() {
    let note = "\
## T
- EBS : EBS는 블록 스토리지이다
- EFS : 공유 파일 시스템 서비스
- S3 : 객체 스토리지 서비스이다
- FSx : 관리형 파일 시스템 서비스
";
    let g = run("t.md", note, 1);
    assert!(g.report.rejected.get(&Rule::AnswerInStem).copied().unwrap_or(0) >= 1);
    assert!(
        !g.drafts
            .iter()
            .any(|d| d.kind == DraftKind::DefinitionToTerm.as_str() && d.question.stem.contains("EBS는 블록"))
    );
}

#[test]
fn too_few_siblings_means_no_draft() {
    let g = run(
        "t.md",
        "## T\n- EBS : 블록 스토리지 서비스\n- EFS : 공유 파일 시스템 서비스\n",
        1,
    );
    assert!(
        g.drafts
            .iter()
            .all(|d| d.kind != DraftKind::DefinitionToTerm.as_str() && d.kind != DraftKind::TermToDefinition.as_str())
    );
    assert!(g.report.rejected.get(&Rule::TooFewDistractors).copied().unwrap_or(0) >= 2);
}

#[test]
fn a_distractor_true_by_the_notes_is_never_offered() {
    // io1 and io2 share the same fact; asking "which is true of io1" may not offer io2's copy of it.
    let note = "\
## T
- io1
  - 최대 64,000 IOPS를 제공한다
- io2
  - 최대 64,000 IOPS를 제공한다
- gp2
  - 최대 16,000 IOPS를 제공한다
- st1
  - 최대 500 IOPS를 제공한다
- sc1
  - 최대 250 IOPS를 제공한다
";
    let g = run("t.md", note, 1);
    for d in g.drafts.iter().filter(|d| d.kind == DraftKind::TrueOfTerm.as_str()) {
        let texts: Vec<String> = d.question.options.iter().map(|o| norm(&o.text)).collect();
        let unique: HashSet<&String> = texts.iter().collect();
        assert_eq!(unique.len(), texts.len(), "{:?}", d.question);
    }
    assert!(
        g.drafts
            .iter()
            .any(|d| d.kind == DraftKind::TrueOfTerm.as_str() && d.question.stem.contains("io1"))
    );
}

#[test]
fn a_sibling_definition_that_names_the_term_is_not_a_distractor() {
    // B2's definition mentions A1, so it may be true of A1 as well: with it
    // gone only two distractors are left, and no term → definition draft for A1.
    let note = "\
## T
- A1 : 처음 항목의 정의 문장
- B2 : A1과 함께 쓰는 다른 정의
- C3 : 별도 항목의 정의 문장
- D4 : 마지막 항목의 정의 문장
";
    let g = run("t.md", note, 1);
    assert!(
        g.report.rejected.get(&Rule::DistractorTrue).copied().unwrap_or(0) >= 1,
        "{:?}",
        g.report.rejected
    );
    assert!(
        !g.drafts
            .iter()
            .any(|d| d.kind == DraftKind::TermToDefinition.as_str() && d.question.stem.contains("A1"))
    );
}

#[test]
fn particles_after_terms_do_not_hide_the_answer() {
    // "S3를" in the definition still names S3, so "definition → S3" is dropped.
    let note = "\
## T
- S3 : S3를 쓰는 객체 저장소
- EBS : 블록 단위 저장 장치
- EFS : 네트워크 파일 시스템
- FSx : 관리형 윈도 파일 서버
";
    let g = run("t.md", note, 1);
    assert!(
        !g.drafts
            .iter()
            .any(|d| d.kind == DraftKind::DefinitionToTerm.as_str() && d.question.stem.contains("S3를"))
    );
}

#[test]
fn unreadable_files_are_reported_not_fatal() {
    let g = generate(
        &[
            NoteInput {
                name: "x.bin".into(),
                bytes: vec![0, 1, 2, 3, 0, 0],
            },
            NoteInput {
                name: "ok.md".into(),
                bytes: NOTE.as_bytes().to_vec(),
            },
        ],
        &Options::default(),
        &blueprints(),
    );
    assert_eq!(g.errors.len(), 1);
    assert!(g.errors[0].contains("binary"));
    assert!(!g.drafts.is_empty());
}
