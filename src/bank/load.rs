//! Reads bank files and folders from disk.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use compact_str::CompactString;

use super::diagnostics::{Diagnostic, decode};
use super::formats::category::{CategoryPath, Known, Placer};
use super::formats::{Cancel, Defaults, Format, Sink, aiken, csv, gift, moodle_xml};
use super::model::Difficulty;
use super::model::{Bank, Pos};
use super::native::{parse_bank_file, parse_blueprint};
use super::validate::validate;

/// A loaded bank and every problem found while reading and validating it.
#[derive(Debug, Default)]
pub struct Loaded {
    pub bank: Bank,
    pub diagnostics: Vec<Diagnostic>,
    pub files: usize,
    /// What became of each question of a foreign file (GIFT, Aiken, CSV,
    /// Moodle XML), in file order.
    pub outcomes: Vec<Outcome>,
    /// Whole-file behaviour: a question that cannot be imported is an error
    /// that stops the import, instead of being skipped.
    pub strict: bool,
    /// The Moodle categories the files named, with how many questions of
    /// each import and into which topic, in the order met; empty when no
    /// file names one.
    pub categories: Vec<CategoryUse>,
    /// Where each category's questions go, across the files.
    pub placement: Placement,
}

/// Where an upload's categories go, kept from one file to the next.
#[derive(Debug, Default)]
pub struct Placement {
    placer: Placer,
    /// Indexes into [`Loaded::categories`] by category (one per topic).
    index: HashMap<Option<CategoryPath>, Vec<usize>>,
}

/// One category of an upload (or the questions filed before any category),
/// with the topic its questions go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryUse {
    /// None for questions that come before any category.
    pub path: Option<CategoryPath>,
    pub topic: String,
    pub questions: usize,
    /// The topic is created by this upload, named after the category.
    pub new_topic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Imported,
    Warned,
    Skipped,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Imported => "imported",
            Verdict::Warned => "imported with warnings",
            Verdict::Skipped => "skipped",
        }
    }
}

/// One question of a foreign file: imported, imported with warnings, or skipped.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub pos: Pos,
    /// The id it imports under; None when skipped.
    pub id: Option<CompactString>,
    pub verdict: Verdict,
    /// Shared: a file's questions often have the same warning.
    pub reasons: Vec<Arc<str>>,
    /// The Moodle category it was filed under, when its file names one.
    pub category: Option<CategoryPath>,
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            let bank_file = p.extension().is_some_and(|x| {
                ["toml", "gift", "aiken", "csv", "xml"]
                    .iter()
                    .any(|e| x.eq_ignore_ascii_case(e))
            });
            // `catalog/` holds the AWS service catalog (docs/service-catalog.md), not questions.
            let catalog = p.is_dir() && p.file_name().is_some_and(|n| n == "catalog");
            if (p.is_dir() && !catalog) || bank_file {
                collect(&p, out)?;
            }
        }
    } else {
        out.push(path.to_owned());
    }
    Ok(())
}

fn is_blueprint(path: &Path) -> bool {
    path.parent()
        .and_then(Path::file_name)
        .is_some_and(|n| n == "blueprints")
}

/// Loads files and folders (recursively, `*.toml`; a folder named `catalog` is
/// passed over). Files inside a folder named `blueprints` are blueprints; `extra_blueprints` are used when the paths
/// themselves hold none (checking a single topic file, say).
pub fn load_paths(paths: &[PathBuf], extra_blueprints: Option<&Path>) -> Loaded {
    load_paths_with(paths, extra_blueprints, None)
}

/// Like [`load_paths`], with defaults for formats that lack some fields.
pub fn load_paths_with(paths: &[PathBuf], extra_blueprints: Option<&Path>, defaults: Option<&Defaults>) -> Loaded {
    let mut loaded = read_paths(paths, extra_blueprints, defaults);
    loaded.diagnostics.extend(validate(&loaded.bank));
    loaded
}

/// The whole-bank checks for `bank check`. The topic named in `defaults` may
/// exist only in the database, so a foreign file is checked as if it were
/// defined (for the default exam and domain) when no file defines it.
pub fn validate_checked(loaded: &mut Loaded, defaults: Option<&Defaults>) {
    let stand_in = defaults
        .filter(|d| !loaded.bank.topics.iter().any(|t| t.slug == d.topic))
        .map(|d| super::model::Topic {
            slug: d.topic.clone(),
            name_ko: d.topic.clone(),
            name_en: d.topic.clone(),
            domains: vec![(d.exam.clone(), d.domain.clone())],
            summary_ko: d.topic.clone(),
            summary_en: d.topic.clone(),
            pos: Pos::default(),
        });
    let added = stand_in.is_some();
    loaded.bank.topics.extend(stand_in);
    let problems = validate(&loaded.bank);
    if added {
        loaded.bank.topics.pop();
    }
    loaded.diagnostics.extend(problems);
}

/// Reads and parses files without the cross-file checks, for callers that
/// validate against more than the files (the database's blueprints and topics).
pub fn read_paths(paths: &[PathBuf], extra_blueprints: Option<&Path>, defaults: Option<&Defaults>) -> Loaded {
    read_paths_as(paths, extra_blueprints, defaults, false)
}

/// [`read_paths`], with `strict` whole-file behaviour for foreign formats.
pub fn read_paths_as(
    paths: &[PathBuf],
    extra_blueprints: Option<&Path>,
    defaults: Option<&Defaults>,
    strict: bool,
) -> Loaded {
    read_paths_in(paths, extra_blueprints, defaults, strict, Known::default())
}

/// [`read_paths_as`] for a bank that holds `known` exams and topics, where
/// Moodle categories may place questions (see [`parse_upload_in`]).
pub fn read_paths_in(
    paths: &[PathBuf],
    extra_blueprints: Option<&Path>,
    defaults: Option<&Defaults>,
    strict: bool,
    known: Known,
) -> Loaded {
    let mut loaded = Loaded {
        strict,
        ..Loaded::default()
    };
    loaded.placement.placer = Placer::new(known);
    let mut files = Vec::new();
    for p in paths {
        if let Err(e) = collect(p, &mut files) {
            loaded.diagnostics.push(Diagnostic::in_file(
                p.display().to_string(),
                format!("cannot read: {e}"),
            ));
        }
    }
    if !files.iter().any(|f| is_blueprint(f))
        && let Some(dir) = extra_blueprints
        && dir.is_dir()
    {
        let _ = collect(dir, &mut files);
    }
    for f in &files {
        let name = f.display().to_string();
        let text = match std::fs::read(f) {
            Ok(bytes) => match decode(&name, bytes) {
                Ok(t) => t,
                Err(d) => {
                    loaded.diagnostics.push(d);
                    continue;
                }
            },
            Err(e) => {
                loaded
                    .diagnostics
                    .push(Diagnostic::in_file(name, format!("cannot read: {e}")));
                continue;
            }
        };
        loaded.files += 1;
        if is_blueprint(f) {
            add_text(&mut loaded, &name, &text, true);
        } else {
            add_any(&mut loaded, &name, &text, defaults);
        }
    }
    add_category_topics(&mut loaded);
    loaded
}

/// Parses uploaded files (name, text) into a bank, telling blueprints from topic
/// files by their content. Cross-file validation is left to the caller, who
/// knows what the database already holds.
pub fn parse_upload<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>, defaults: Option<&Defaults>) -> Loaded {
    parse_upload_with(files, defaults, Known::default(), None)
}

/// [`parse_upload`] for a bank that already holds `known` exams and topics:
/// a Moodle category in examdrill's own layout, naming a known exam and
/// domain, puts its questions back there, and a topic a category names that
/// the bank lacks is added to the upload.
pub fn parse_upload_in<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
    defaults: Option<&Defaults>,
    known: Known,
) -> Loaded {
    parse_upload_with(files, defaults, known, None)
}

/// [`parse_upload`] that stops soon after `cancel` is set, with a problem
/// saying so and nothing of the file it was reading. A foreign file's
/// reader checks between questions; a native TOML file is read whole.
pub fn parse_upload_until<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
    defaults: Option<&Defaults>,
    cancel: Option<&Cancel>,
) -> Loaded {
    parse_upload_with(files, defaults, Known::default(), cancel)
}

/// [`parse_upload_in`] and [`parse_upload_until`] together.
pub fn parse_upload_with<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
    defaults: Option<&Defaults>,
    known: Known,
    cancel: Option<&Cancel>,
) -> Loaded {
    let mut loaded = Loaded::default();
    loaded.placement.placer = Placer::new(known);
    for (name, text) in files {
        loaded.files += 1;
        add_foreign(&mut loaded, name, text, defaults, cancel);
    }
    add_category_topics(&mut loaded);
    loaded
}

/// The topics categories named that the bank lacks, for the questions that
/// import into them; and which of the categories' topics are new.
fn add_category_topics(loaded: &mut Loaded) {
    if loaded.categories.iter().all(|c| c.path.is_none()) {
        loaded.categories.clear();
        return;
    }
    let mut wanted: Vec<(&str, &str, &str)> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for q in &loaded.bank.questions {
        if seen.insert(q.topic.as_str())
            && let Some((exam, domain)) = q.domains.iter().next()
        {
            wanted.push((q.topic.as_str(), exam, domain));
        }
    }
    let defined: HashSet<&str> = loaded.bank.topics.iter().map(|t| t.slug.as_str()).collect();
    let new: Vec<_> = wanted
        .into_iter()
        .filter(|(slug, ..)| !defined.contains(slug))
        .filter_map(|(slug, exam, domain)| loaded.placement.placer.new_topic(slug, exam, domain))
        .collect();
    let created: HashSet<String> = new.iter().map(|t| t.slug.clone()).collect();
    for c in &mut loaded.categories {
        c.new_topic = created.contains(&c.topic);
    }
    loaded.bank.topics.extend(new);
}

/// Counts a question filed under `path` that imports into `topic`: its own
/// topic, since examdrill's tags may have placed it apart from its category.
/// Called for every question of a foreign file, so it allocates only for a
/// category and topic not met before.
fn count_category(loaded: &mut Loaded, path: Option<&CategoryPath>, topic: &str, n: usize) {
    let rows = loaded.placement.index.entry(path.cloned()).or_default();
    if let Some(&i) = rows.iter().find(|&&i| loaded.categories[i].topic == topic) {
        loaded.categories[i].questions += n;
        return;
    }
    rows.push(loaded.categories.len());
    loaded.categories.push(CategoryUse {
        path: path.cloned(),
        topic: topic.to_owned(),
        questions: n,
        new_topic: false,
    });
}

/// What a native (examdrill TOML) file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NativeKind {
    Blueprint,
    Topic,
}

/// The kind of a native file, told by its content; `None` for any other format.
pub fn native_kind(name: &str, text: &str) -> Option<NativeKind> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if Format::detect(name, text) != Format::Native {
        return None;
    }
    let blueprint = toml_edit::ImDocument::parse(text)
        .map(|d| d.contains_key("code") && d.contains_key("passing_score"))
        .unwrap_or(false);
    Some(if blueprint {
        NativeKind::Blueprint
    } else {
        NativeKind::Topic
    })
}

/// Adds one file in any supported format, chosen by [`Format::detect`].
pub fn add_any(loaded: &mut Loaded, name: &str, text: &str, defaults: Option<&Defaults>) {
    add_foreign(loaded, name, text, defaults, None);
}

/// [`add_any`], stopping when `cancel` is set.
fn add_foreign(loaded: &mut Loaded, name: &str, text: &str, defaults: Option<&Defaults>, cancel: Option<&Cancel>) {
    // Uploads are stored as sent, so the mark is dropped here as well as in `decode`.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        loaded.diagnostics.push(Diagnostic::in_file(name, "the file is empty"));
        return;
    }
    let format = Format::detect(name, text);
    if let Some(kind) = native_kind(name, text) {
        add_text(loaded, name, text, kind == NativeKind::Blueprint);
        return;
    }
    // Without defaults, questions must name their topic and exams themselves
    // (Moodle XML exported by examdrill does); the rest is reported below.
    let fallback = Defaults {
        topic: String::new(),
        exam: String::new(),
        domain: String::new(),
        difficulty: Difficulty::Medium,
        language: "ko".to_owned(),
        categories: Default::default(),
    };
    let d = defaults.unwrap_or(&fallback);
    // Each question is checked as soon as it is read and goes straight to
    // the bank or the skipped list: the file's questions are held once.
    let mut sink = Sink::new(loaded.strict, cancel.cloned());
    sink.placer = std::mem::take(&mut loaded.placement.placer);
    match format {
        Format::Gift => gift::parse(name, text, d, &mut sink),
        Format::Aiken => aiken::parse(name, text, d, &mut sink),
        Format::Csv => csv::parse(name, text, d, &mut sink),
        Format::MoodleXml | Format::Native => moodle_xml::parse(name, text, d, &mut sink),
    }
    loaded.placement.placer = std::mem::take(&mut sink.placer);
    let mut read = sink.into_read();
    if read.stopped {
        loaded.diagnostics.push(Diagnostic::in_file(name, Cancel::MESSAGE));
        return;
    }
    loaded.diagnostics.append(&mut read.errors);
    if let Some(pos) = read.unplaced {
        loaded.diagnostics.push(Diagnostic {
            pos,
            message: format!(
                "a {} file has no field for the topic, exam and domain: \
                 choose them on the upload form (or pass --topic, --exam and --domain)",
                format.name()
            ),
        });
    }
    loaded.diagnostics.append(&mut read.strict_errors);
    for (category, topic, n) in std::mem::take(&mut read.placed) {
        count_category(loaded, category.as_ref(), &topic, n);
    }
    if loaded.bank.questions.is_empty() {
        loaded.bank.questions = read.questions;
    } else {
        loaded.bank.questions.append(&mut read.questions);
    }
    if loaded.outcomes.is_empty() {
        loaded.outcomes = read.outcomes;
    } else {
        loaded.outcomes.append(&mut read.outcomes);
    }
}

/// Parses one file's text into `loaded` (no cross-file validation).
pub fn add_text(loaded: &mut Loaded, name: &str, text: &str, blueprint: bool) {
    if blueprint {
        if let Some(b) = parse_blueprint(name, text, &mut loaded.diagnostics) {
            loaded.bank.blueprints.push(b);
        }
    } else {
        let file = parse_bank_file(name, text, &mut loaded.diagnostics);
        loaded.bank.topics.extend(file.topic);
        loaded.bank.questions.extend(file.questions);
    }
}
