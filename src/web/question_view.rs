//! How a question is shown on every student page (exam, walkthrough, drill
//! feedback, review session, topic page): one option type and one set of
//! template macros (`templates/macros.html`), so the pages cannot drift apart.

use crate::bank::model::Question;
use crate::markdown::render;

/// A rendered text in the question's language, with its English original
/// when the bank has one. Both are sanitised HTML.
pub struct Bilingual {
    pub lang: &'static str,
    pub text: String,
    pub en: Option<String>,
}

impl Bilingual {
    fn new(lang: &'static str, text: &str, en: Option<&str>) -> Self {
        Self {
            lang,
            text: render(text),
            en: en.map(render),
        }
    }

    /// A question imported without feedback has an empty explanation or
    /// rationale; the page says "no explanation given" instead.
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }
}

pub struct OptionView {
    pub key: char,
    /// The letter shown on screen; options are shuffled per attempt.
    pub label: char,
    pub html: Bilingual,
    pub rationale: Bilingual,
    pub chosen: bool,
    pub correct: bool,
}

pub struct QuestionView {
    pub id: String,
    pub stem: Bilingual,
    pub explanation: Bilingual,
    pub options: Vec<OptionView>,
    pub multiple: bool,
    pub choose_n: usize,
    /// The note section the facts come from, as a student can look it up.
    pub source: String,
    pub references: Vec<String>,
    pub has_english: bool,
}

impl QuestionView {
    /// `order` is the on-screen order of option keys (the stored order when empty).
    pub fn new(q: &Question, order: &[char], selected: &[char]) -> Self {
        let lang = question_lang(q);
        let has_english = q.has_english() && lang != "en";
        let keys: Vec<char> = if order.is_empty() {
            q.options.iter().map(|o| o.key).collect()
        } else {
            order.to_vec()
        };
        let options = keys
            .iter()
            .zip('A'..='Z')
            .filter_map(|(key, label)| {
                let o = q.options.iter().find(|o| o.key == *key)?;
                let en = o.en.as_ref().filter(|_| has_english);
                Some(OptionView {
                    key: *key,
                    label,
                    html: Bilingual::new(lang, &o.text, en.map(|e| e.text.as_str())),
                    rationale: Bilingual::new(lang, &o.rationale, en.map(|e| e.rationale.as_str())),
                    chosen: selected.contains(key),
                    correct: q.answer.contains(key),
                })
            })
            .collect();
        let en = q.en.as_ref().filter(|_| has_english);
        Self {
            id: q.id.to_string(),
            stem: Bilingual::new(lang, &q.stem, en.map(|e| e.stem.as_str())),
            explanation: Bilingual::new(lang, &q.explanation, en.map(|e| e.explanation.as_str())),
            options,
            multiple: q.kind == crate::bank::Kind::Multiple,
            choose_n: q.answer.len(),
            source: source_title(&q.source.heading),
            references: q.references.clone(),
            has_english,
        }
    }

    /// The keys of the correct options, rendered, for a compact "answer" line.
    pub fn answer_options(&self) -> impl Iterator<Item = &OptionView> {
        self.options.iter().filter(|o| o.correct)
    }
}

fn question_lang(q: &Question) -> &'static str {
    if q.language == "en" { "en" } else { "ko" }
}

/// A note heading as a reader would name the section: without the exam tags
/// (`[SAA/DVA]`) and the emoji the note-taker put in front.
pub fn source_title(heading: &str) -> String {
    let mut rest = heading.trim();
    loop {
        let trimmed = rest.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '[' && c != '(');
        if let Some(after) = trimmed.strip_prefix('[')
            && let Some((_, tail)) = after.split_once(']')
        {
            rest = tail.trim_start();
            continue;
        }
        rest = trimmed;
        break;
    }
    if rest.is_empty() {
        heading.trim().to_owned()
    } else {
        rest.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::source_title;

    #[test]
    fn source_titles_drop_tags_and_emoji() {
        assert_eq!(
            source_title("[CCP/SAA/DVA] S3 Storage Classes Overview"),
            "S3 Storage Classes Overview"
        );
        assert_eq!(
            source_title("🔎 Amazon Cloud Front 주요 기능"),
            "Amazon Cloud Front 주요 기능"
        );
        assert_eq!(source_title("ASG for SysOps"), "ASG for SysOps");
        assert_eq!(source_title("[SAA]"), "[SAA]");
    }
}
