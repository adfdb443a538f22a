//! What changed between two versions of a question, field by field, with a
//! word diff for prose and a line diff for lists. Options are matched by key,
//! so a reworded option shows as a changed option, not a removed and an added one.

use similar::{ChangeTag, TextDiff};

use super::model::Question;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Same,
    Added,
    Removed,
}

impl Change {
    /// The CSS class (and element) a page marks the part with.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Same => "same",
            Change::Added => "added",
            Change::Removed => "removed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub change: Change,
    pub text: String,
}

/// One changed field: `field` is a message key, `option` the option's
/// letter when the field belongs to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDiff {
    pub field: &'static str,
    pub option: Option<char>,
    pub parts: Vec<Part>,
}

fn parts<'a>(diff: TextDiff<'a, 'a, 'a, str>) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    for c in diff.iter_all_changes() {
        let change = match c.tag() {
            ChangeTag::Equal => Change::Same,
            ChangeTag::Insert => Change::Added,
            ChangeTag::Delete => Change::Removed,
        };
        // Runs of one kind become one part, so a page marks whole phrases.
        match out.last_mut() {
            Some(last) if last.change == change => last.text.push_str(c.value()),
            _ => out.push(Part {
                change,
                text: c.value().to_owned(),
            }),
        }
    }
    out
}

fn words(old: &str, new: &str) -> Vec<Part> {
    parts(TextDiff::from_words(old, new))
}

fn lines(old: &[String], new: &[String]) -> Vec<Part> {
    let (old, new) = (old.join("\n") + "\n", new.join("\n") + "\n");
    parts(TextDiff::from_lines(&old, &new))
}

/// The fields that differ from `old` to `new`, in form order.
pub fn diff(old: &Question, new: &Question) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    let mut field = |field: &'static str, option: Option<char>, parts: Vec<Part>| {
        if parts.iter().any(|p| p.change != Change::Same) {
            out.push(FieldDiff { field, option, parts });
        }
    };
    field("editor.stem", None, words(&old.stem, &new.stem));
    let mut keys: Vec<char> = old.options.iter().chain(&new.options).map(|o| o.key).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        let find = |q: &Question| q.options.iter().find(|o| o.key == key).cloned();
        let (o, n) = (find(old), find(new));
        let text = |c: &Option<crate::bank::Choice>| c.as_ref().map(|c| c.text.clone()).unwrap_or_default();
        let why = |c: &Option<crate::bank::Choice>| c.as_ref().map(|c| c.rationale.clone()).unwrap_or_default();
        field("editor.option", Some(key), words(&text(&o), &text(&n)));
        field("editor.rationale", Some(key), words(&why(&o), &why(&n)));
    }
    let letters = |q: &Question| vec![q.answer.iter().map(|c| c.to_ascii_uppercase()).collect::<String>()];
    field("editor.answer", None, lines(&letters(old), &letters(new)));
    field("editor.explanation", None, words(&old.explanation, &new.explanation));
    let en = |q: &Question, f: fn(&super::model::QuestionEn) -> &String| q.en.as_deref().map(f).cloned();
    field(
        "editor.stem_en",
        None,
        words(
            &en(old, |e| &e.stem).unwrap_or_default(),
            &en(new, |e| &e.stem).unwrap_or_default(),
        ),
    );
    field(
        "editor.explanation_en",
        None,
        words(
            &en(old, |e| &e.explanation).unwrap_or_default(),
            &en(new, |e| &e.explanation).unwrap_or_default(),
        ),
    );
    field("editor.references", None, lines(&old.references, &new.references));
    let one = |s: &str| vec![s.to_owned()];
    field(
        "editor.kind",
        None,
        lines(&one(old.kind.as_str()), &one(new.kind.as_str())),
    );
    field(
        "editor.difficulty",
        None,
        lines(&one(old.difficulty.as_str()), &one(new.difficulty.as_str())),
    );
    field("editor.topic", None, lines(&one(&old.topic), &one(&new.topic)));
    let domains = |q: &Question| q.domains.iter().map(|(e, d)| format!("{e}/{d}")).collect::<Vec<_>>();
    field("editor.domains", None, lines(&domains(old), &domains(new)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::edit::Draft;

    fn q(stem: &str) -> Question {
        let mut d = Draft::blank("vpc");
        d.stem = stem.into();
        d.options[0].text = "하나".into();
        d.options[0].correct = true;
        d.to_question(None)
    }

    #[test]
    fn a_reworded_stem_marks_only_the_changed_words() {
        let d = diff(
            &q("보안 그룹은 상태 저장 방화벽이다"),
            &q("보안 그룹은 상태 비저장 방화벽이다"),
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field, "editor.stem");
        let changed: Vec<(Change, &str)> = d[0]
            .parts
            .iter()
            .filter(|p| p.change != Change::Same)
            .map(|p| (p.change, p.text.as_str()))
            .collect();
        assert_eq!(changed, vec![(Change::Removed, "저장"), (Change::Added, "비저장")]);
    }

    #[test]
    fn identical_versions_have_no_diff() {
        assert!(diff(&q("같다"), &q("같다")).is_empty());
    }
}
