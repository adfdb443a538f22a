//! Writes banks back out in the native TOML format, one file per topic.

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{Bank, Blueprint, Question, Topic};

#[derive(Serialize)]
struct FileOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    topic: Option<TopicOut<'a>>,
    questions: Vec<QuestionOut<'a>>,
}

#[derive(Serialize)]
struct TopicOut<'a> {
    slug: &'a str,
    name_ko: &'a str,
    name_en: &'a str,
    domains: Vec<String>,
    summary_ko: &'a str,
    summary_en: &'a str,
}

#[derive(Serialize)]
struct QuestionOut<'a> {
    id: &'a str,
    exams: Vec<&'a str>,
    domain: &'a crate::bank::model::Domains,
    topic: &'a str,
    difficulty: &'a str,
    kind: &'a str,
    language: &'a str,
    status: &'a str,
    answer: Vec<String>,
    source: SourceOut<'a>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    references: &'a [String],
    stem: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    stem_en: Option<&'a str>,
    explanation: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation_en: Option<&'a str>,
    options: Vec<OptionOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    generated: Option<GeneratedOut<'a>>,
}

#[derive(Serialize)]
struct GeneratedOut<'a> {
    path: &'a str,
    lines: [u32; 2],
    quality: u8,
}

#[derive(Serialize)]
struct SourceOut<'a> {
    file: &'a str,
    heading: &'a str,
}

#[derive(Serialize)]
struct OptionOut<'a> {
    key: String,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text_en: Option<&'a str>,
    rationale: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rationale_en: Option<&'a str>,
}

fn topic_out(t: &Topic) -> TopicOut<'_> {
    TopicOut {
        slug: &t.slug,
        name_ko: &t.name_ko,
        name_en: &t.name_en,
        domains: t.domains.iter().map(|(e, d)| format!("{e}/{d}")).collect(),
        summary_ko: &t.summary_ko,
        summary_en: &t.summary_en,
    }
}

fn question_out(q: &Question) -> QuestionOut<'_> {
    QuestionOut {
        id: &q.id,
        exams: q.exams().collect(),
        domain: &q.domains,
        topic: &q.topic,
        difficulty: q.difficulty.as_str(),
        kind: q.kind.as_str(),
        language: &q.language,
        status: q.status.as_str(),
        answer: q.answer.iter().map(char::to_string).collect(),
        source: SourceOut {
            file: &q.source.file,
            heading: &q.source.heading,
        },
        references: &q.references,
        stem: &q.stem,
        stem_en: q.en.as_ref().map(|e| e.stem.as_str()),
        explanation: &q.explanation,
        explanation_en: q.en.as_ref().map(|e| e.explanation.as_str()),
        options: q
            .options
            .iter()
            .map(|o| OptionOut {
                key: o.key.to_string(),
                text: &o.text,
                text_en: o.en.as_ref().map(|e| e.text.as_str()),
                rationale: &o.rationale,
                rationale_en: o.en.as_ref().map(|e| e.rationale.as_str()),
            })
            .collect(),
        generated: q.generated.as_ref().map(|g| GeneratedOut {
            path: &g.path,
            lines: g.lines,
            quality: g.quality,
        }),
    }
}

/// One native file per topic (file name → contents), plus one per blueprint
/// under `blueprints/`.
pub fn to_native_files(bank: &Bank) -> Result<BTreeMap<String, String>, toml::ser::Error> {
    let mut files = BTreeMap::new();
    for b in &bank.blueprints {
        files.insert(format!("blueprints/{}.toml", b.code), blueprint_toml(b)?);
    }
    let mut by_topic: BTreeMap<&str, Vec<&Question>> = BTreeMap::new();
    for q in &bank.questions {
        by_topic.entry(&q.topic).or_default().push(q);
    }
    for t in &bank.topics {
        let qs = by_topic.remove(t.slug.as_str()).unwrap_or_default();
        let out = FileOut {
            topic: Some(topic_out(t)),
            questions: qs.into_iter().map(question_out).collect(),
        };
        files.insert(format!("{}.toml", t.slug), toml::to_string_pretty(&out)?);
    }
    // Questions whose topic is not part of this bank still carry `topic = …`.
    for (slug, qs) in by_topic {
        let out = FileOut {
            topic: None,
            questions: qs.into_iter().map(question_out).collect(),
        };
        files.insert(format!("{slug}.questions.toml"), toml::to_string_pretty(&out)?);
    }
    Ok(files)
}

fn blueprint_toml(b: &Blueprint) -> Result<String, toml::ser::Error> {
    #[derive(Serialize)]
    struct D<'a> {
        code: &'a str,
        weight: u32,
        name_ko: &'a str,
        name_en: &'a str,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        keywords: &'a [String],
    }
    #[derive(Serialize)]
    struct N<'a> {
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        tags: &'a [String],
        untagged_notes: bool,
        tagged_notes: &'static str,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        path_words: &'a [String],
        #[serde(skip_serializing_if = "Option::is_none")]
        default_domain: Option<&'a str>,
    }
    #[derive(Serialize)]
    struct B<'a> {
        code: &'a str,
        name_ko: &'a str,
        name_en: &'a str,
        questions: u32,
        minutes: u32,
        passing_score: u32,
        score_min: u32,
        score_max: u32,
        notes: N<'a>,
        domains: Vec<D<'a>>,
    }
    toml::to_string_pretty(&B {
        code: &b.code,
        name_ko: &b.name_ko,
        name_en: &b.name_en,
        questions: b.questions,
        minutes: b.minutes,
        passing_score: b.passing_score,
        score_min: b.score_min,
        score_max: b.score_max,
        notes: N {
            tags: &b.notes.tags,
            untagged_notes: b.notes.untagged_notes,
            tagged_notes: b.notes.tagged_notes.as_str(),
            path_words: &b.notes.path_words,
            default_domain: b.notes.default_domain.as_deref(),
        },
        domains: b
            .domains
            .iter()
            .map(|d| D {
                code: &d.code,
                weight: d.weight,
                name_ko: &d.name_ko,
                name_en: &d.name_en,
                keywords: &d.keywords,
            })
            .collect(),
    })
}
