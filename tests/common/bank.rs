//! Bank fixtures: paths in the repository, the shipped blueprints, and
//! builders for the questions and topics tests make up.

use std::path::{Path, PathBuf};

use examdrill::bank::model::{Choice, Difficulty, Domains, Kind, Pos, Question, Source, Status, Topic};
use examdrill::bank::store::{Mode as ImportMode, import};
use examdrill::bank::{Bank, load_paths};

use super::{TestApp, spawn_app};

/// `rel`, a path inside the repository.
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The text of a file under `tests/fixtures/bank`.
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo_path("tests/fixtures/bank").join(name)).unwrap()
}

/// The shipped question bank, as the first run seeds it.
pub fn shipped_bank() -> PathBuf {
    repo_path("question_bank")
}

/// A bank holding only the shipped blueprints.
pub fn blueprints() -> Bank {
    load_paths(&[repo_path("question_bank/blueprints")], None).bank
}

/// Imports the shipped blueprints, so that uploads have exams to refer to.
pub async fn import_blueprints(app: &TestApp) {
    import(&app.pool, &blueprints(), None, ImportMode::Apply)
        .await
        .expect("import the blueprints");
}

/// A topic whose summary has Markdown in it (`**핵심**`).
pub fn topic(slug: &str) -> Topic {
    Topic {
        name_ko: format!("주제 {slug}"),
        name_en: format!("Topic {slug}"),
        summary_ko: format!("{slug} 요약: **핵심** 내용"),
        summary_en: format!("Summary of {slug}"),
        slug: slug.to_owned(),
        domains: vec![],
        pos: Pos::default(),
    }
}

/// Options with these keys, each with text `보기 <key>` and a rationale.
pub fn options(keys: &[char]) -> Vec<Choice> {
    keys.iter()
        .map(|k| Choice {
            key: *k,
            text: format!("보기 {k}").into(),
            rationale: "근거".into(),
            en: None,
            pos: Pos::default(),
        })
        .collect()
}

/// A published single-answer Korean question `id` in one domain of `exam`:
/// options a to d, answer b, from note `n.txt` section `h`. Tests set the
/// fields they care about with struct update syntax.
pub fn question(id: &str, exam: &str, domain: &str, topic: &str) -> Question {
    Question {
        id: id.into(),
        domains: Domains::from([(exam, domain)]),
        topic: topic.into(),
        difficulty: Difficulty::Medium,
        kind: Kind::Single,
        language: "ko".into(),
        status: Status::Published,
        stem: format!("{id} 문항"),
        explanation: "해설".into(),
        answer: vec!['b'],
        options: options(&['a', 'b', 'c', 'd']),
        source: Source {
            file: "n.txt".into(),
            heading: "h".into(),
        },
        references: Vec::new(),
        en: None,
        generated: None,
        pos: Pos::default(),
    }
}

/// A "choose two" question of five options whose answer is a and c.
pub fn choose_two(id: &str, exam: &str, domain: &str, topic: &str) -> Question {
    Question {
        kind: Kind::Multiple,
        answer: vec!['a', 'c'],
        options: options(&['a', 'b', 'c', 'd', 'e']),
        ..question(id, exam, domain, topic)
    }
}

/// The SAA-C03 domains, in blueprint order.
pub const SAA_DOMAINS: [&str; 4] = ["secure", "resilient", "performance", "cost"];

/// A fresh app whose bank is [`seed_saa_bank`] with `per_domain` questions.
pub async fn seeded(per_domain: usize) -> TestApp {
    let app = spawn_app().await;
    seed_saa_bank(&app, per_domain).await;
    app
}

/// Imports the blueprints and `per_domain` generated SAA questions per domain
/// (every 5th a "choose two" whose answer is a and c; the others' answer is b).
pub async fn seed_saa_bank(app: &TestApp, per_domain: usize) {
    seed_saa_bank_with_topics(app, per_domain, false).await;
}

/// Like [`seed_saa_bank`]; with `topic_per_domain` each domain's questions
/// form their own topic, `<domain>-topic`.
pub async fn seed_saa_bank_with_topics(app: &TestApp, per_domain: usize, topic_per_domain: bool) {
    let mut bank = blueprints();
    let topic_of = |domain: &str| {
        if topic_per_domain {
            format!("{domain}-topic")
        } else {
            "t".to_owned()
        }
    };
    let mut slugs: Vec<String> = SAA_DOMAINS.iter().map(|d| topic_of(d)).collect();
    slugs.dedup();
    bank.topics.extend(slugs.iter().map(|slug| topic(slug)));
    for domain in SAA_DOMAINS {
        for i in 0..per_domain {
            let id = format!("{domain}-{i:03}");
            let make = if i % 5 == 0 { choose_two } else { question };
            bank.questions.push(Question {
                stem: format!("{domain} 문항 {i}"),
                ..make(&id, "saa-c03", domain, &topic_of(domain))
            });
        }
    }
    import(&app.pool, &bank, None, ImportMode::Apply)
        .await
        .expect("seed bank");
}
