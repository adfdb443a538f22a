//! Where a foreign format's reader puts each question as soon as it has read
//! it: checked on its own there and then, with an outcome, so the reader's
//! intermediates for one question are dropped before the next is read and
//! warnings never wait in a second list to be matched up afterwards.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use compact_str::CompactString;

use super::category::{CategoryPath, Placer};
use super::{Defaults, RawQuestion};
use crate::bank::diagnostics::Diagnostic;
use crate::bank::lint::not_exam_shape;
use crate::bank::load::{Outcome, Verdict};
use crate::bank::model::{Domains, Pos, Question};
use crate::bank::validate::check_question;

/// Asks a reader to stop: whoever waits on a parse sets it when it gives up
/// waiting, and the reader, which checks it between questions, stops soon
/// after with [`Cancel::MESSAGE`] instead of working on for nobody.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub const MESSAGE: &str = "reading this file was stopped: it took too long";

    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What a foreign format reports besides its questions. A question that
/// cannot be imported (an unsupported type, a malformed item) is `skip`ped,
/// so the rest of the file still imports; `errors` concern the whole file
/// (not XML at all, a CSV header without `stem`).
#[derive(Debug, Default)]
pub struct Sink {
    pub errors: Vec<Diagnostic>,
    questions: Vec<Question>,
    outcomes: Vec<Outcome>,
    /// Warnings of the question being read; it takes them when accepted.
    pending: Vec<Arc<str>>,
    /// Each distinct message once: many questions of a file share one.
    messages: HashSet<Arc<str>>,
    /// The defaults' exam and domain, shared by the questions placed there.
    placing: Option<Domains>,
    /// Derived ids given so far in this file, with how often.
    ids: HashMap<CompactString, usize>,
    /// Whole-file behaviour: skipped questions are errors as well.
    strict: bool,
    strict_errors: Vec<Diagnostic>,
    /// The first question that lacks a topic or an exam and domain.
    unplaced: Option<Pos>,
    cancel: Option<Cancel>,
    stopped: bool,
    /// Where each category's questions go (shared by an upload's files).
    pub placer: Placer,
    /// The category of the question being read, once placed.
    category: Option<CategoryPath>,
    /// Questions imported per category and topic, in the order first seen.
    placed: Vec<(Option<CategoryPath>, CompactString, usize)>,
    placed_index: HashMap<(Option<CategoryPath>, CompactString), usize>,
}

/// Everything a reader left in its [`Sink`], once the file is read.
pub struct Read {
    /// Problems of the whole file.
    pub errors: Vec<Diagnostic>,
    /// Under strict, each skipped question's problem.
    pub strict_errors: Vec<Diagnostic>,
    pub questions: Vec<Question>,
    /// In file order.
    pub outcomes: Vec<Outcome>,
    pub unplaced: Option<Pos>,
    /// The reader was cancelled before the end of the file.
    pub stopped: bool,
    /// Questions imported per category and topic, in the order first seen.
    pub placed: Vec<(Option<CategoryPath>, CompactString, usize)>,
}

impl Sink {
    pub fn new(strict: bool, cancel: Option<Cancel>) -> Self {
        Sink {
            strict,
            cancel,
            ..Sink::default()
        }
    }

    /// Room for `n` questions, when the reader knows how many are coming:
    /// growing a list of large items by doubling copies it and leaves up to
    /// half of it unused.
    pub fn reserve(&mut self, n: usize) {
        self.questions.reserve_exact(n);
        self.outcomes.reserve_exact(n);
    }

    /// True once the reader should stop.
    /// Readers ask between questions.
    pub fn stop(&mut self) -> bool {
        self.stopped |= self.cancel.as_ref().is_some_and(Cancel::is_cancelled);
        self.stopped
    }

    /// The defaults' exam and domain, one allocation for the whole file.
    pub fn placing(&mut self, d: &Defaults) -> Domains {
        let placing = self
            .placing
            .take()
            .filter(|p| p.len() == 1 && p.get(&d.exam) == Some(d.domain.as_str()))
            .unwrap_or_else(|| Domains::from([(d.exam.as_str(), d.domain.as_str())]));
        self.placing = Some(placing.clone());
        placing
    }

    /// `id`, or `id-2`, `id-3`… when an earlier question of the file has it:
    /// two questions titled alike are still two questions.
    pub fn unique_id(&mut self, id: CompactString) -> CompactString {
        let n = self.ids.entry(id.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            id
        } else {
            compact_str::format_compact!("{id}-{n}")
        }
    }

    /// `d` as it applies to `q`, placed by its category; a category that
    /// cannot be used is a warning on the question, never a failure.
    pub fn place<'d>(&mut self, q: &RawQuestion, d: &'d Defaults) -> std::borrow::Cow<'d, Defaults> {
        let (placed, warning) = self.placer.place(q.category.as_ref(), d);
        if let Some(w) = warning {
            self.warn(w);
        }
        self.category = match &q.category {
            Some(Ok(path)) => Some(path.clone()),
            _ => None,
        };
        placed
    }

    fn count_placed(&mut self, category: Option<&CategoryPath>, topic: &CompactString) {
        let key = (category.cloned(), topic.clone());
        if let Some(&i) = self.placed_index.get(&key) {
            if let Some(row) = self.placed.get_mut(i) {
                row.2 += 1;
            }
            return;
        }
        self.placed_index.insert(key.clone(), self.placed.len());
        self.placed.push((key.0, key.1, 1));
    }

    fn message(&mut self, text: String) -> Arc<str> {
        if let Some(m) = self.messages.get(text.as_str()) {
            return Arc::clone(m);
        }
        let m: Arc<str> = text.into();
        self.messages.insert(Arc::clone(&m));
        m
    }

    /// This question is skipped, for the reason given.
    pub fn skip(&mut self, pos: Pos, message: impl Into<String>) {
        self.pending.clear();
        let message = message.into();
        if self.strict {
            self.strict_errors.push(Diagnostic {
                pos: pos.clone(),
                message: message.clone(),
            });
        }
        let reasons = vec![self.message(message)];
        let category = self.category.take();
        self.outcomes.push(Outcome {
            pos,
            id: None,
            verdict: Verdict::Skipped,
            reasons,
            category,
        });
    }

    /// A warning for the question being read, shown with it once accepted.
    pub fn warn(&mut self, message: String) {
        let m = self.message(message);
        self.pending.push(m);
    }

    /// A question read whole: checked on its own and kept, or skipped with
    /// the checks' messages (under strict kept, and the whole-bank checks
    /// report them).
    pub fn accept(&mut self, q: Question) {
        if self.unplaced.is_none() && (q.topic.is_empty() || q.domains.keys().any(|e| e.is_empty())) {
            self.unplaced = Some(q.pos.clone());
        }
        let mut problems = Vec::new();
        check_question(&mut problems, &q);
        let mut reasons = std::mem::take(&mut self.pending);
        let category = self.category.take();
        if problems.is_empty() {
            self.count_placed(category.as_ref(), &q.topic);
            if let Some(s) = not_exam_shape(&q) {
                let m = self.message(format!("not the exam's shape: {s}"));
                reasons.push(m);
            }
            reasons.shrink_to_fit();
            self.outcomes.push(Outcome {
                pos: q.pos.clone(),
                id: Some(q.id.clone()),
                verdict: if reasons.is_empty() {
                    Verdict::Imported
                } else {
                    Verdict::Warned
                },
                reasons,
                category,
            });
            self.questions.push(q);
        } else if self.strict {
            self.questions.push(q);
        } else {
            // What the reader noticed stays with the reasons: an image left
            // out explains an empty stem.
            let problems: Vec<Arc<str>> = problems.into_iter().map(|d| self.message(d.message)).collect();
            self.outcomes.push(Outcome {
                pos: q.pos.clone(),
                id: None,
                verdict: Verdict::Skipped,
                reasons: problems.into_iter().chain(reasons).collect(),
                category,
            });
        }
    }

    /// Nothing of a broken file imports, so nothing of it is reported
    /// question by question either.
    pub fn discard_questions(&mut self) {
        self.questions = Vec::new();
        self.outcomes = Vec::new();
        self.strict_errors.clear();
        self.pending.clear();
        self.messages.clear();
        self.unplaced = None;
        self.category = None;
        self.placed = Vec::new();
        self.placed_index = HashMap::new();
    }

    pub fn into_read(mut self) -> Read {
        // Readers report in file order but for the odd question whose skip
        // is found after a later one's; sorting (stable) only then spares
        // the sort's copy of a long list.
        let at = |o: &Outcome| (o.pos.line, o.pos.column);
        if !self.outcomes.is_sorted_by_key(at) {
            self.outcomes.sort_by_key(at);
        }
        Read {
            errors: self.errors,
            strict_errors: self.strict_errors,
            questions: self.questions,
            outcomes: self.outcomes,
            unplaced: self.unplaced,
            stopped: self.stopped,
            placed: self.placed,
        }
    }
}
