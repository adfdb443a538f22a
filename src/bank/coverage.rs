//! Which note sections a bank draws on, per exam.

use std::collections::HashMap;

use super::model::Bank;
use crate::notes::{NoteIndex, exam_sections};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionCoverage {
    pub file: String,
    pub heading: String,
    pub line: usize,
    pub questions: usize,
}

#[derive(Debug, Default)]
pub struct Coverage {
    pub sections: Vec<SectionCoverage>,
    /// Questions of the exam whose source names a file or heading the notes don't have.
    pub unresolved: Vec<String>,
    pub questions: usize,
}

pub fn coverage(bank: &Bank, notes: &NoteIndex, exam: &str) -> Coverage {
    let mut counts: HashMap<(String, usize), usize> = HashMap::new();
    let mut cov = Coverage::default();
    for q in bank.questions.iter().filter(|q| q.domains.contains_key(exam)) {
        cov.questions += 1;
        let h2 = notes
            .note(&q.source.file)
            .and_then(|n| n.find(&q.source.heading).map(|h| (n, h)))
            .map(|(n, h)| n.h2_of(h).map(|s| s.line));
        match h2 {
            Some(Some(line)) => *counts.entry((q.source.file.to_string(), line)).or_default() += 1,
            Some(None) => {} // a level-1 heading: resolves, but belongs to no section
            None => cov.unresolved.push(q.id.to_string()),
        }
    }
    let Some(blueprint) = bank.blueprints.iter().find(|b| b.code == exam) else {
        return cov;
    };
    for note in &notes.notes {
        for h in exam_sections(note, blueprint) {
            cov.sections.push(SectionCoverage {
                file: note.file.clone(),
                heading: h.text.clone(),
                line: h.line,
                questions: counts.get(&(note.file.clone(), h.line)).copied().unwrap_or(0),
            });
        }
    }
    cov
}
