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

/// Whether a draft of `kind` asks about `text`.
fn asks(g: &Generation, kind: DraftKind, text: &str) -> bool {
    g.drafts
        .iter()
        .any(|d| d.kind == kind && d.question.stem.contains(text))
}

fn rejected(g: &Generation, rule: Rule) -> usize {
    g.report.rejected.get(&rule).copied().unwrap_or(0)
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
        vec![
            "EBS Cold HDD (sc1)",
            "EBS General Purpose SSD (gp3)",
            "EBS Provisioned IOPS SSD (io2 Block Express)",
            "EBS Throughput Optimized HDD (st1)"
        ],
        "distractors are sibling terms, named as the catalog names them"
    );
    let right = q.options.iter().find(|o| q.answer.contains(&o.key)).unwrap();
    assert_eq!(right.text, "EBS General Purpose SSD (gp3)");
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
    let two = g.drafts.iter().find(|d| d.kind == DraftKind::ChooseTwo).unwrap();
    assert_eq!(two.question.answer.len(), 2);
    assert!(two.question.options.len() >= 5);
    let num = g.drafts.iter().find(|d| d.kind == DraftKind::Numeric).unwrap();
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
    assert!(rejected(&g, Rule::AnswerInStem) + rejected(&g, Rule::LeakedAnswer) >= 1);
    assert!(!asks(&g, DraftKind::DefinitionToTerm, "EBS는 블록"));
}

#[test]
fn too_few_siblings_means_no_draft() {
    // Concepts the catalog does not know: only the notes can supply distractors.
    let g = run(
        "t.md",
        "## T\n- 알파 방식 : 요청마다 새로 계산하는 방식\n- 베타 방식 : 결과를 모아 두었다가 돌려주는 방식\n",
        1,
    );
    assert!(
        g.drafts
            .iter()
            .all(|d| d.kind != DraftKind::DefinitionToTerm && d.kind != DraftKind::TermToDefinition)
    );
    assert!(rejected(&g, Rule::TooFewDistractors) >= 2);
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
    for d in g.drafts.iter().filter(|d| d.kind == DraftKind::TrueOfTerm) {
        let texts: Vec<String> = d.question.options.iter().map(|o| norm(&o.text)).collect();
        let unique: HashSet<&String> = texts.iter().collect();
        assert_eq!(unique.len(), texts.len(), "{:?}", d.question);
    }
    assert!(asks(&g, DraftKind::TrueOfTerm, "io1"));
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
    assert!(rejected(&g, Rule::DistractorTrue) >= 1, "{:?}", g.report.rejected);
    assert!(!asks(&g, DraftKind::TermToDefinition, "A1"));
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
    assert!(!asks(&g, DraftKind::DefinitionToTerm, "S3를"));
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

/// Exams and their note rules are data: a blueprint the source has never
/// heard of claims its tagged sections, and its keywords pick the domain.
#[test]
fn exams_and_domains_come_from_the_blueprints_note_rules() {
    let text = r#"
code = "xyz-c01"
name_ko = "가상 시험"
name_en = "Made-up exam"
questions = 10
minutes = 20
passing_score = 700
score_min = 100
score_max = 1000

[notes]
tags = ["XYZ"]
default_domain = "general"

[[domains]]
code = "general"
weight = 60
name_ko = "일반"
name_en = "General"

[[domains]]
code = "disks"
weight = 40
name_ko = "디스크"
name_en = "Disks"
keywords = ["ebs", "볼륨"]
"#;
    let mut diags = Vec::new();
    let made_up = crate::bank::native::parse_blueprint("xyz-c01.toml", text, &mut diags).unwrap();
    assert!(diags.is_empty(), "{diags:?}");
    let mut all = blueprints();
    all.push(made_up);
    let note = NOTE.replace("[SAA] EBS", "[XYZ] EBS");
    let input = NoteInput {
        name: "ebs.md".into(),
        bytes: note.into_bytes(),
    };
    let g = generate(&[input], &Options::default(), &all);
    let ebs: Vec<_> = g.drafts.iter().filter(|d| d.question.stem.contains("IOPS")).collect();
    assert!(!ebs.is_empty());
    for d in ebs {
        assert_eq!(
            d.question.domains.get("xyz-c01"),
            Some("disks"),
            "{:?}",
            d.question.domains
        );
    }
    let s3 = g
        .drafts
        .iter()
        .find(|d| d.question.stem.contains("AZ"))
        .expect("an S3 draft");
    assert!(s3.question.domains.contains_key("saa-c03"), "[SAA] sections stay SAA");
}

#[test]
fn bad_note_rules_are_reported_where_they_are() {
    let text = "code = \"x\"\nname_ko = \"x\"\nname_en = \"x\"\nquestions = 1\nminutes = 1\npassing_score = 5\n\
                score_min = 1\nscore_max = 9\n[notes]\ntagged_notes = \"some\"\ndefault_domain = \"nope\"\n\
                [[domains]]\ncode = \"a\"\nweight = 100\nname_ko = \"a\"\nname_en = \"a\"\n";
    let mut diags = Vec::new();
    crate::bank::native::parse_blueprint("x.toml", text, &mut diags);
    let msgs: Vec<String> = diags.iter().map(ToString::to_string).collect();
    assert!(msgs.iter().any(|m| m.contains("tagged_notes must be")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("`nope` is not one of")), "{msgs:?}");
}

/// The entity each option names, by catalog category.
fn option_categories(q: &Question) -> Vec<(bool, Option<String>)> {
    let cat = entities::catalog().expect("catalog");
    q.options
        .iter()
        .map(|o| {
            (
                q.answer.contains(&o.key),
                cat.link_term(&o.text).map(|e| cat.entities[e].category.clone()),
            )
        })
        .collect()
}

#[test]
fn entities_missing_from_the_notes_are_drawn_from_the_catalog_in_the_same_category() {
    let g = run(
        "t.md",
        "## T\n- EBS : 인스턴스에 붙이는 블록 스토리지 볼륨 서비스\n- EFS : 여러 인스턴스가 함께 마운트하는 공유 파일 시스템\n",
        1,
    );
    let d = g
        .drafts
        .iter()
        .find(|d| d.kind == DraftKind::DefinitionToTerm && d.question.stem.contains("블록 스토리지"))
        .expect("drafted with catalog distractors");
    assert!(d.features.from_catalog >= 2, "{:?}", d.features);
    let cats = option_categories(&d.question);
    assert!(cats.iter().all(|(_, c)| c.as_deref() == Some("storage")), "{cats:?}");
}

#[test]
fn a_family_is_never_a_distractor_for_its_member() {
    let g = run(
        "t.md",
        "## 이전\n- Snowcone : 작은 휴대용 장치로 엣지에서 데이터를 모아 옮길 때 사용\n- Snowball Edge : 테라바이트급 데이터를 옮기는 장치\n- Snow Family : 물리 장치로 데이터를 옮기는 제품군\n",
        1,
    );
    for d in &g.drafts {
        let right: Vec<&str> = d
            .question
            .options
            .iter()
            .filter(|o| d.question.answer.contains(&o.key))
            .map(|o| o.text.as_str())
            .collect();
        if right == ["AWS Snowcone"] {
            assert!(
                d.question.options.iter().all(|o| o.text != "AWS Snow Family"),
                "{:?}",
                d.question.options
            );
        }
    }
}

#[test]
fn typos_in_names_are_corrected_and_flagged() {
    let g = run(
        "t.md",
        "## 스토리지 클래스\n- Amazoe Glacier : 몇 시간 걸려도 되는 아카이브 데이터를 싸게 보관할 때 사용\n- S3 Standard-IA : 가끔 읽지만 즉시 필요한 데이터\n",
        1,
    );
    let d = g
        .drafts
        .iter()
        .find(|d| {
            d.question
                .options
                .iter()
                .any(|o| o.text == "Amazon S3 Glacier Flexible Retrieval")
        })
        .expect("a draft keyed on Glacier");
    assert!(g.drafts.iter().all(|d| !d.question.stem.contains("Amazoe")));
    assert!(d.question.options.iter().all(|o| !o.text.contains("Amazoe")));
}

#[test]
fn a_number_that_contradicts_the_catalog_is_flagged_and_replaced() {
    let g = run(
        "t.md",
        "## S3\n- S3는 99.99999999999%의 내구송을 제공한다\n- S3 Standard 가용성은 99.99%이다\n- Glacier 최소 보관 기간은 90일이다\n",
        1,
    );
    let d = g
        .drafts
        .iter()
        .find(|d| d.kind == DraftKind::Numeric && d.question.stem.contains("내구송"))
        .expect("a numeric draft on durability");
    assert!(
        g.drafts.iter().all(|d| !d.question.stem.contains("99.99999999999%")),
        "no draft repeats the notes' 13 nines"
    );
    assert!(
        d.flags
            .iter()
            .any(|f| f.contains("99.99999999999%") && f.contains("99.999999999%")),
        "{:?}",
        d.flags
    );
    let key = d
        .question
        .options
        .iter()
        .find(|o| d.question.answer.contains(&o.key))
        .unwrap();
    assert_eq!(key.text, "99.999999999%", "the draft uses AWS's number");
    assert!(d.question.explanation.contains("AWS"));
}

#[test]
fn a_console_step_is_no_term() {
    let g = run(
        "t.md",
        "## 콘솔\n- 보안그룹 선택 : 인스턴스 시작 화면에서 고른다\n- 키 페어 선택 : 접속할 키를 고른다\n- 서브넷 선택 : 배치할 서브넷을 고른다\n- 태그 추가 : 이름 태그를 붙인다\n",
        1,
    );
    assert!(
        g.drafts
            .iter()
            .all(|d| !d.question.options.iter().any(|o| o.text.ends_with("선택")))
    );
    assert!(rejected(&g, Rule::NotATerm) >= 1);
}

#[test]
fn scenarios_and_contrasts_come_from_uses_and_tables() {
    let note = "\
## 보안
- Security Group : 인스턴스 단위로 트래픽을 허용할 때 사용
- NACL : 서브넷 단위로 허용과 거부 규칙을 둘 때 사용

| 항목 | 보안 그룹 | NACL |
|---|---|---|
| 적용 범위 | 인스턴스 | 서브넷 |
| 상태 | 상태 저장 | 상태 비저장 |
| 규칙 | 허용만 | 허용과 거부 |
| 평가 | 모든 규칙 평가 | 번호 순서대로 평가 |
";
    let g = run("sec.md", note, 1);
    let kinds: Vec<&str> = g.drafts.iter().map(|d| d.kind.as_str()).collect();
    assert!(kinds.contains(&"which-service"), "{kinds:?}");
    assert!(kinds.contains(&"contrast"), "{kinds:?}");
    let c = g.drafts.iter().find(|d| d.kind == DraftKind::Contrast).unwrap();
    assert!(
        c.question.stem.contains("Security group") && c.question.stem.contains("Network ACL"),
        "{}",
        c.question.stem
    );
    let s = g.drafts.iter().find(|d| d.kind == DraftKind::WhichService).unwrap();
    assert!(s.question.stem.starts_with("한 회사가"));
    for d in &g.drafts {
        let cats = option_categories(&d.question);
        let key = cats.iter().find(|c| c.0).and_then(|c| c.1.clone());
        if let Some(k) = key {
            assert!(cats.iter().all(|(_, c)| c.as_ref().is_none_or(|c| *c == k)), "{cats:?}");
        }
    }
}
