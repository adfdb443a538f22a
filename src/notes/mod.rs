//! Study notes: their heading structure, used to check question sources and to
//! report which sections the bank covers. Knows nothing of HTTP.

pub mod draft;
pub mod store;

use std::path::Path;

use crate::bank::model::{Blueprint, TaggedNotes};
use crate::bank::validate::normalize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    /// The heading text without `#`s and `**` markers.
    pub text: String,
    pub line: usize,
    /// Exam tags from a `[SAA/DVA]`-style prefix, upper-cased.
    pub tags: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Note {
    pub file: String,
    pub headings: Vec<Heading>,
}

/// Finds Markdown ATX headings, also the ones these notes nest in list items
/// (`- ### Title`).
pub fn headings(text: &str) -> Vec<Heading> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let rest = trimmed.trim_start_matches(['-', '*', ' ', '\t']);
        let level = rest.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&level) {
            continue;
        }
        let after = &rest[level..];
        if !after.starts_with([' ', '\t']) {
            continue;
        }
        let text = after.replace("**", "").trim().to_owned();
        if text.is_empty() {
            continue;
        }
        let tags = tags_of(&text);
        out.push(Heading {
            level: level as u8,
            text,
            line: i + 1,
            tags,
        });
    }
    out
}

pub(crate) fn tags_of(text: &str) -> Vec<String> {
    let Some(start) = text.find('[') else { return Vec::new() };
    let Some(len) = text[start..].find(']') else {
        return Vec::new();
    };
    text[start + 1..start + len]
        .split('/')
        .map(|t| t.trim().to_uppercase())
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect()
}

impl Note {
    /// The heading whose text matches `heading`, ignoring everything but letters and digits.
    pub fn find(&self, heading: &str) -> Option<&Heading> {
        let want = normalize(heading);
        self.headings.iter().find(|h| normalize(&h.text) == want)
    }

    /// The level-2 section a heading belongs to (itself when it is one).
    pub fn h2_of<'a>(&'a self, h: &'a Heading) -> Option<&'a Heading> {
        if h.level == 2 {
            return Some(h);
        }
        if h.level < 2 {
            return None;
        }
        self.headings.iter().rev().find(|x| x.line <= h.line && x.level == 2)
    }

    pub fn h2s(&self) -> impl Iterator<Item = &Heading> {
        self.headings.iter().filter(|h| h.level == 2)
    }

    /// Whether any heading carries an exam tag; untagged notes are single-exam notes.
    pub fn is_tagged(&self) -> bool {
        self.headings.iter().any(|h| !h.tags.is_empty())
    }
}

#[derive(Debug, Default)]
pub struct NoteIndex {
    pub notes: Vec<Note>,
}

impl NoteIndex {
    /// Reads every regular file in `dir` (notes may be `.md`, `.txt` or have no extension).
    pub fn load(dir: &Path) -> std::io::Result<NoteIndex> {
        let mut notes = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries.into_iter().filter(|p| p.is_file()) {
            let bytes = std::fs::read(&p)?;
            let text = String::from_utf8_lossy(&bytes);
            let file = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            notes.push(Note {
                file,
                headings: headings(&text),
            });
        }
        Ok(NoteIndex { notes })
    }

    pub fn note(&self, file: &str) -> Option<&Note> {
        self.notes.iter().find(|n| n.file == file)
    }
}

/// Which of a note's level-2 sections carry material for `exam`, by its
/// blueprint's note rules: notes without tags belong as a whole to the exam
/// that claims untagged notes; in tagged notes, a section belongs when its
/// tags name the exam, or always for an exam that claims all their sections.
pub fn exam_sections<'n>(note: &'n Note, exam: &Blueprint) -> Vec<&'n Heading> {
    let rules = &exam.notes;
    let tagged = note.is_tagged();
    note.h2s()
        .filter(|h| {
            if tagged {
                rules.tagged_notes == TaggedNotes::AllSections || rules.claims_tag(&h.tags)
            } else {
                rules.untagged_notes
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_headings_tags_and_nesting() {
        let text =
            "# Top\n## **[SAA/DVA] S3 Overview**\n- ### 안정성\n```\n## not a heading\n```\n##no-space\n## Plain\n";
        let hs = headings(text);
        let texts: Vec<_> = hs.iter().map(|h| (h.level, h.text.as_str())).collect();
        assert_eq!(
            texts,
            vec![(1, "Top"), (2, "[SAA/DVA] S3 Overview"), (3, "안정성"), (2, "Plain")]
        );
        assert_eq!(hs[1].tags, vec!["SAA", "DVA"]);
        let note = Note {
            file: "n".into(),
            headings: hs,
        };
        let nested = note.find("안정성").unwrap();
        assert_eq!(note.h2_of(nested).unwrap().text, "[SAA/DVA] S3 Overview");
        assert!(
            note.find("saa dva s3 overview").is_some(),
            "matching ignores punctuation and case"
        );
    }

    /// The shipped blueprints, whose note rules the tests exercise.
    fn shipped(code: &str) -> Blueprint {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("question_bank/blueprints");
        let loaded = crate::bank::load_paths(&[dir], None);
        loaded.bank.blueprints.into_iter().find(|b| b.code == code).unwrap()
    }

    #[test]
    fn sections_per_exam_follow_the_tags() {
        let (saa, soa) = (shipped("saa-c03"), shipped("soa-c03"));
        let tagged = Note {
            file: "t".into(),
            headings: headings("## [SAA] A\n## B for SysOps\n## [DVA] C\n"),
        };
        let saa_sections: Vec<_> = exam_sections(&tagged, &saa).iter().map(|h| h.text.clone()).collect();
        assert_eq!(saa_sections, vec!["[SAA] A"]);
        assert_eq!(exam_sections(&tagged, &soa).len(), 3);
        let plain = Note {
            file: "p".into(),
            headings: headings("## A\n## B\n"),
        };
        assert_eq!(exam_sections(&plain, &saa).len(), 2);
        assert!(exam_sections(&plain, &soa).is_empty());
    }
}
