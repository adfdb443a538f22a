//! A question as an instructor edits it in a form: plain fields and option
//! rows, turned into a [`Question`] for validation, preview and saving. The
//! bank editor and the notes-draft editor both fill this one type, so the
//! two cannot drift apart. Knows nothing of HTTP.

use std::collections::BTreeMap;

use super::lint;
use super::model::{Choice, ChoiceEn, Difficulty, Domains, Kind, Question, QuestionEn, Source, Status};
use super::native::is_slug;
use super::validate::{
    MAX_EXPLANATION_CHARS, MAX_OPTION_CHARS, MAX_OPTIONS, MAX_RATIONALE_CHARS, MAX_STEM_CHARS, is_aws_doc_url,
    option_key,
};

/// One answer option as a form row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionRow {
    pub text: String,
    pub rationale: String,
    pub text_en: String,
    pub rationale_en: String,
    pub correct: bool,
}

impl OptionRow {
    /// A row the instructor added but never filled in; it is left out.
    pub fn is_blank(&self) -> bool {
        [&self.text, &self.rationale, &self.text_en, &self.rationale_en]
            .iter()
            .all(|s| s.trim().is_empty())
    }
}

/// Everything the editor form holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: String,
    pub stem: String,
    pub explanation: String,
    pub stem_en: String,
    pub explanation_en: String,
    pub kind: Kind,
    pub difficulty: Difficulty,
    pub topic: String,
    /// Exam code → domain code; exams left blank are absent.
    pub domains: Domains,
    pub options: Vec<OptionRow>,
    /// Documentation URLs, one per line in the form.
    pub references: Vec<String>,
}

/// A problem tied to one form field (its element id), with a message key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub key: &'static str,
}

impl Draft {
    /// An empty single-answer question in `topic`, with four blank options.
    pub fn blank(topic: &str) -> Self {
        Draft {
            id: String::new(),
            stem: String::new(),
            explanation: String::new(),
            stem_en: String::new(),
            explanation_en: String::new(),
            kind: Kind::Single,
            difficulty: Difficulty::Medium,
            topic: topic.to_owned(),
            domains: Domains::new(),
            options: vec![OptionRow::default(); 4],
            references: Vec::new(),
        }
    }

    pub fn from_question(q: &Question) -> Self {
        Draft {
            id: q.id.to_string(),
            stem: q.stem.clone(),
            explanation: q.explanation.clone(),
            stem_en: q.en.as_ref().map(|e| e.stem.clone()).unwrap_or_default(),
            explanation_en: q.en.as_ref().map(|e| e.explanation.clone()).unwrap_or_default(),
            kind: q.kind,
            difficulty: q.difficulty,
            topic: q.topic.to_string(),
            domains: q.domains.clone(),
            options: q
                .options
                .iter()
                .map(|o| OptionRow {
                    text: o.text.to_string(),
                    rationale: o.rationale.to_string(),
                    text_en: o.en.as_ref().map(|e| e.text.clone()).unwrap_or_default(),
                    rationale_en: o.en.as_ref().map(|e| e.rationale.clone()).unwrap_or_default(),
                    correct: q.answer.contains(&o.key),
                })
                .collect(),
            references: q.references.clone(),
        }
    }

    /// The rows that count, with the key each gets: `a`, `b`, … in form order.
    fn filled(&self) -> impl Iterator<Item = (usize, char, &OptionRow)> {
        self.options
            .iter()
            .enumerate()
            .filter(|(_, o)| !o.is_blank())
            .zip('a'..='z')
            .map(|((i, o), key)| (i, key, o))
    }

    /// The question this draft describes. What the form does not edit
    /// (language, status, source, the generator's notes) comes from `base`,
    /// the version it was opened on; a new question is Korean, published and
    /// sourced from the editor.
    pub fn to_question(&self, base: Option<&Question>) -> Question {
        let options: Vec<Choice> = self
            .filled()
            .map(|(_, key, o)| Choice {
                key,
                text: o.text.trim().into(),
                rationale: o.rationale.trim().into(),
                en: (!o.text_en.trim().is_empty() || !o.rationale_en.trim().is_empty()).then(|| {
                    Box::new(ChoiceEn {
                        text: o.text_en.trim().to_owned(),
                        rationale: o.rationale_en.trim().to_owned(),
                    })
                }),
                pos: Default::default(),
            })
            .collect();
        let answer = self.filled().filter(|(_, _, o)| o.correct).map(|(_, k, _)| k).collect();
        let en = (!self.stem_en.trim().is_empty() || !self.explanation_en.trim().is_empty()).then(|| QuestionEn {
            stem: self.stem_en.trim().to_owned(),
            explanation: self.explanation_en.trim().to_owned(),
        });
        Question {
            id: self.id.trim().into(),
            domains: self.domains.clone(),
            topic: self.topic.as_str().into(),
            difficulty: self.difficulty,
            kind: self.kind,
            language: base.map_or_else(|| "ko".into(), |b| b.language.clone()),
            status: base.map_or(Status::Published, |b| b.status),
            stem: self.stem.trim().to_owned(),
            explanation: self.explanation.trim().to_owned(),
            answer,
            options,
            source: base.map_or_else(
                || Source {
                    file: "editor".into(),
                    heading: self.topic.as_str().into(),
                },
                |b| b.source.clone(),
            ),
            references: self.references.clone(),
            en: en.map(Box::new),
            generated: base.and_then(|b| b.generated.clone()),
            pos: Default::default(),
        }
    }

    /// What is wrong, field by field, in words an instructor can act on.
    /// `topics` are the topics the question may be filed under. The full
    /// bank validation still runs on save; this names the field.
    pub fn problems(&self, topics: &[String], new: bool) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let mut add = |field: &str, key: &'static str| {
            out.push(FieldProblem {
                field: field.to_owned(),
                key,
            })
        };
        if new && (!is_slug(self.id.trim()) || self.id.trim().chars().count() > 100) {
            add("id", "editor.err_id");
        }
        text_problem(&mut add, "stem", &self.stem, MAX_STEM_CHARS);
        text_problem(&mut add, "explanation", &self.explanation, MAX_EXPLANATION_CHARS);
        if !topics.contains(&self.topic) {
            add("topic", "editor.err_topic");
        }
        if self.domains.is_empty() {
            add("domains", "editor.err_no_domain");
        }
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let (mut rows, mut keys) = (0usize, 0usize);
        for (i, _, o) in self.filled() {
            rows += 1;
            keys += usize::from(o.correct);
            text_problem(&mut add, &format!("option-{i}-text"), &o.text, MAX_OPTION_CHARS);
            text_problem(
                &mut add,
                &format!("option-{i}-rationale"),
                &o.rationale,
                MAX_RATIONALE_CHARS,
            );
            let norm = option_key(&o.text);
            if !norm.is_empty() && seen.insert(norm, i).is_some() {
                add(&format!("option-{i}-text"), "editor.err_duplicate_option");
            }
        }
        let shape = match self.kind {
            _ if rows < 2 => Some("editor.err_few_options"),
            _ if rows > MAX_OPTIONS => Some("editor.err_many_options"),
            _ if keys == 0 => Some("editor.err_no_key"),
            Kind::Single if keys != 1 => Some("editor.err_single_key"),
            Kind::TrueFalse if rows != 2 || keys != 1 => Some("editor.err_truefalse"),
            Kind::Multiple if keys < 2 => Some("editor.err_multiple_keys"),
            Kind::Multiple if keys == rows => Some("editor.err_no_distractor"),
            _ => None,
        };
        if let Some(key) = shape {
            add("options", key);
        }
        if self.references.iter().any(|u| !is_aws_doc_url(u)) {
            add("references", "editor.err_reference");
        }
        out
    }
}

fn text_problem(add: &mut impl FnMut(&str, &'static str), field: &str, text: &str, max: usize) {
    if text.trim().is_empty() {
        add(field, "editor.err_empty");
    } else if text.trim().chars().count() > max {
        add(field, "editor.err_too_long");
    }
}

/// The lint flags an upload would show for this question, as sentences.
/// They are warnings: the instructor may save anyway.
pub fn lint_warnings(q: &Question) -> Vec<String> {
    lint::lint([q], false)
        .flags
        .into_iter()
        .map(|f| {
            if f.detail.is_empty() {
                f.kind.name().to_owned()
            } else {
                format!("{}: {}", f.kind.name(), f.detail)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        let mut d = Draft::blank("vpc");
        d.id = "vpc-1".into();
        d.stem = "질문".into();
        d.explanation = "설명".into();
        d.domains.insert("saa-c03", "secure");
        for (i, o) in d.options.iter_mut().enumerate() {
            o.text = format!("보기 {i}");
            o.rationale = format!("이유 {i}");
        }
        d.options[1].correct = true;
        d
    }

    fn fields(d: &Draft) -> Vec<(String, &'static str)> {
        d.problems(&["vpc".to_owned()], true)
            .into_iter()
            .map(|p| (p.field, p.key))
            .collect()
    }

    #[test]
    fn a_complete_draft_has_no_problems_and_round_trips() {
        let d = draft();
        assert!(fields(&d).is_empty(), "{:?}", fields(&d));
        let q = d.to_question(None);
        assert_eq!(q.answer, vec!['b']);
        assert_eq!(Draft::from_question(&q), d);
    }

    #[test]
    fn english_originals_survive_a_round_trip() {
        let mut d = draft();
        d.stem_en = "Question".into();
        d.explanation_en = "Explanation".into();
        for (i, o) in d.options.iter_mut().enumerate() {
            o.text_en = format!("Option {i}");
            o.rationale_en = format!("Reason {i}");
        }
        let q = d.to_question(None);
        assert!(q.has_english());
        assert_eq!(Draft::from_question(&q), d);
    }

    #[test]
    fn blank_rows_are_left_out_and_keys_follow_form_order() {
        let mut d = draft();
        d.options.insert(1, OptionRow::default());
        let q = d.to_question(None);
        assert_eq!(q.options.len(), 4);
        assert_eq!(q.answer, vec!['b']);
        assert!(fields(&d).is_empty());
    }

    #[test]
    fn problems_name_their_field() {
        let mut d = draft();
        d.options[1].correct = false;
        d.options[3].text = " 보기  0 ".into();
        d.stem = "  ".into();
        d.references = vec!["http://example.com".into()];
        let f = fields(&d);
        assert!(f.contains(&("options".into(), "editor.err_no_key")), "{f:?}");
        assert!(
            f.contains(&("option-3-text".into(), "editor.err_duplicate_option")),
            "{f:?}"
        );
        assert!(f.contains(&("stem".into(), "editor.err_empty")), "{f:?}");
        assert!(f.contains(&("references".into(), "editor.err_reference")), "{f:?}");
    }

    #[test]
    fn the_kind_decides_how_many_keys() {
        let mut d = draft();
        d.options[2].correct = true;
        assert!(fields(&d).contains(&("options".into(), "editor.err_single_key")));
        d.kind = Kind::Multiple;
        assert!(fields(&d).is_empty());
        d.kind = Kind::TrueFalse;
        assert!(fields(&d).contains(&("options".into(), "editor.err_truefalse")));
    }
}
