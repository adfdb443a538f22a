//! Moodle question categories. Moodle XML (`<question type="category">`) and
//! GIFT (`$CATEGORY:`) name the category of the questions after them; an
//! examdrill export files each question under `top/<exam>/<domain>/<topic>`.
//! [`Placer`] decides where an imported question goes: back to exactly that
//! exam, domain and topic when the path is examdrill's own layout, else to the
//! topic chosen on the upload form, or to one topic per category.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use super::Defaults;
use crate::bank::model::{Blueprint, Pos, Topic};
use crate::bank::native::is_slug;

/// Moodle stores a category name in 255 characters.
pub const MAX_SEGMENT_CHARS: usize = 255;
/// Far deeper than any teacher's tree; it bounds what a path may cost.
pub const MAX_SEGMENTS: usize = 20;
/// Longest path read at all, before it is split.
pub const MAX_PATH_CHARS: usize = 2048;
/// Longest topic slug derived from a category name.
const MAX_TOPIC_SLUG: usize = 40;
/// Longest topic slug taken from examdrill's own layout, as long as an id
/// may be.
const MAX_OWN_TOPIC: usize = 100;
/// Most topics one upload may create from categories: each is a row, a page
/// and an entry in every topic menu, and a file of thousands of categories
/// is far more likely a mistake than a plan. Counting them also bounds the
/// work of keeping derived slugs apart.
pub const MAX_NEW_TOPICS: usize = 100;
/// A topic's name is at most this long (as validation checks).
const MAX_TOPIC_NAME: usize = 200;

/// A category path under Moodle's `top`, without the context prefix
/// (`$course$`, `$module$`, …): the category names, outermost first, with
/// Moodle's `//` escapes undone. Cheap to clone: every question after a
/// category shares it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CategoryPath(Arc<[String]>);

/// Why a category path is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryError {
    TooLong,
    TooDeep,
    EmptyName,
    ControlChars,
}

impl fmt::Display for CategoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong => write!(
                f,
                "it is longer than {MAX_PATH_CHARS} characters, or a name in it longer than {MAX_SEGMENT_CHARS}"
            ),
            Self::TooDeep => write!(f, "it is nested more than {MAX_SEGMENTS} deep"),
            Self::EmptyName => f.write_str("a name in it is empty (a stray `/`)"),
            Self::ControlChars => f.write_str("it holds control characters"),
        }
    }
}

/// A question's category as its file gave it: a path, or why it is unusable.
pub type Category = Result<CategoryPath, CategoryError>;

/// Moodle's context prefixes; a path may also come without one.
const CONTEXTS: [&str; 5] = ["$course$", "$module$", "$system$", "$cat$", "$coursecategory$"];

impl CategoryPath {
    /// Reads a path as Moodle writes it: `$course$/top/A/B`, `top/A/B` or
    /// `A/B`, where `//` is a literal slash in a name.
    pub fn parse(raw: &str) -> Category {
        let raw = raw.trim();
        if raw.chars().nth(MAX_PATH_CHARS).is_some() {
            return Err(CategoryError::TooLong);
        }
        if raw.chars().any(char::is_control) {
            return Err(CategoryError::ControlChars);
        }
        let mut rest = raw;
        for c in CONTEXTS {
            if let Some(r) = rest.strip_prefix(c)
                && (r.is_empty() || r.starts_with('/'))
            {
                rest = r.strip_prefix('/').unwrap_or(r);
                break;
            }
        }
        let mut segments = split(rest);
        if segments.first().is_some_and(|s| s == "top") {
            segments.remove(0);
        }
        if segments.len() == 1 && segments[0].is_empty() {
            // `$course$` or `$course$/top` alone: the top category.
            segments.clear();
        }
        if segments.len() > MAX_SEGMENTS {
            return Err(CategoryError::TooDeep);
        }
        if segments.iter().any(|s| s.is_empty()) {
            return Err(CategoryError::EmptyName);
        }
        if segments.iter().any(|s| s.chars().nth(MAX_SEGMENT_CHARS).is_some()) {
            return Err(CategoryError::TooLong);
        }
        Ok(CategoryPath(segments.into()))
    }

    pub fn segments(&self) -> &[String] {
        &self.0
    }

    /// The innermost category's name; None for the top category.
    pub fn last(&self) -> Option<&str> {
        self.0.last().map(String::as_str)
    }
}

/// Splits at a lone `/`; a run of two or more is literal, with each `//`
/// made one `/`, as Moodle's `split_category_path` does.
fn split(path: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '/' {
            if let Some(cur) = out.last_mut() {
                cur.push(c);
            }
            continue;
        }
        let mut run = 1;
        while chars.next_if_eq(&'/').is_some() {
            run += 1;
        }
        if run == 1 {
            out.push(String::new());
        } else if let Some(cur) = out.last_mut() {
            cur.extend(std::iter::repeat_n('/', run / 2 + run % 2));
        }
    }
    out.into_iter().map(|s| s.trim().to_owned()).collect()
}

/// As Moodle writes it after `$course$/`: `top/A/B`, a slash in a name doubled.
impl fmt::Display for CategoryPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("top")?;
        for s in self.0.iter() {
            write!(f, "/{}", s.replace('/', "//"))?;
        }
        Ok(())
    }
}

/// What to do with a category that is not examdrill's own layout. The
/// default keeps every question in the topic chosen on the form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CategoryMode {
    #[default]
    #[serde(rename = "one-topic")]
    OneTopic,
    #[serde(rename = "per-category")]
    PerCategory,
}

impl CategoryMode {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "one-topic" => Some(Self::OneTopic),
            "per-category" => Some(Self::PerCategory),
            _ => None,
        }
    }
}

/// The exams, their domains and the topics already in the bank.
#[derive(Debug, Clone, Default)]
pub struct Known {
    exams: HashMap<String, HashSet<String>>,
    topics: HashSet<String>,
}

impl Known {
    pub fn new(blueprints: &[Blueprint], topics: impl IntoIterator<Item = String>) -> Self {
        Known {
            exams: blueprints
                .iter()
                .map(|b| (b.code.clone(), b.domains.iter().map(|d| d.code.clone()).collect()))
                .collect(),
            topics: topics.into_iter().collect(),
        }
    }

    fn has_domain(&self, exam: &str, domain: &str) -> bool {
        self.exams.get(exam).is_some_and(|d| d.contains(domain))
    }
}

/// Where one category's questions go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// examdrill's own `top/<exam>/<domain>/<topic>`.
    Own {
        exam: String,
        domain: String,
        topic: String,
    },
    /// A topic of its own, named after the category.
    Derived { topic: String },
    /// The topic chosen on the upload form.
    Chosen,
    /// The chosen topic, since the upload already made [`MAX_NEW_TOPICS`].
    TooMany,
}

/// Decides where each category's questions go, once per category, across
/// every file of an upload so that derived topic slugs never collide.
#[derive(Debug, Default)]
pub struct Placer {
    known: Known,
    targets: HashMap<CategoryPath, Target>,
    /// Each topic a category named, with the first such category and the
    /// name a new topic gets.
    topics: HashMap<String, (CategoryPath, String)>,
    /// Derived slugs given so far.
    slugs: HashSet<String>,
    /// Topics the bank lacks that categories named so far.
    new_topics: usize,
}

impl Placer {
    pub fn new(known: Known) -> Self {
        Placer {
            known,
            ..Placer::default()
        }
    }

    /// `d` as it applies to a question in `category`, with the warning to
    /// give the question when its category cannot be used.
    pub fn place<'d>(&mut self, category: Option<&Category>, d: &'d Defaults) -> (Cow<'d, Defaults>, Option<String>) {
        let path = match category {
            None => return (Cow::Borrowed(d), None),
            Some(Err(e)) => {
                let warning = format!("the category is not used ({e}); the question goes to the chosen topic");
                return (Cow::Borrowed(d), Some(warning));
            }
            Some(Ok(p)) => p,
        };
        let target = match self.targets.get(path) {
            Some(t) => t.clone(),
            None => {
                let t = self.target(path, d.categories);
                self.targets.insert(path.clone(), t.clone());
                t
            }
        };
        let placed = match target {
            Target::Chosen => return (Cow::Borrowed(d), None),
            Target::TooMany => {
                let warning = format!(
                    "the upload's categories already made {MAX_NEW_TOPICS} topics; the question goes to the chosen topic"
                );
                return (Cow::Borrowed(d), Some(warning));
            }
            Target::Own { exam, domain, topic } => Defaults {
                topic,
                exam,
                domain,
                ..d.clone()
            },
            Target::Derived { topic, .. } => Defaults { topic, ..d.clone() },
        };
        (Cow::Owned(placed), None)
    }

    fn target(&mut self, path: &CategoryPath, mode: CategoryMode) -> Target {
        let (target, topic, name) = if let [exam, domain, topic] = path.segments()
            && self.known.has_domain(exam, domain)
            && is_slug(topic)
            && topic.len() <= MAX_OWN_TOPIC
        {
            let own = Target::Own {
                exam: exam.clone(),
                domain: domain.clone(),
                topic: topic.clone(),
            };
            (own, topic.clone(), topic.clone())
        } else if let Some(name) = path.last().filter(|_| mode == CategoryMode::PerCategory) {
            // Checked first, so finding a free slug stays bounded.
            if self.new_topics >= MAX_NEW_TOPICS {
                return Target::TooMany;
            }
            let base = topic_slug(name);
            let mut topic = base.clone();
            let mut n = 1;
            while !self.slugs.insert(topic.clone()) {
                n += 1;
                topic = format!("{base}-{n}");
            }
            let derived = Target::Derived { topic: topic.clone() };
            (derived, topic, name.chars().take(MAX_TOPIC_NAME).collect())
        } else {
            return Target::Chosen;
        };
        if !self.known.topics.contains(&topic) && !self.topics.contains_key(&topic) {
            if self.new_topics >= MAX_NEW_TOPICS {
                return Target::TooMany;
            }
            self.new_topics += 1;
        }
        self.topics.entry(topic).or_insert_with(|| (path.clone(), name));
        target
    }

    /// A topic the bank lacks for `slug`, when a category named it; `exam`
    /// and `domain` are those of its questions.
    pub fn new_topic(&self, slug: &str, exam: &str, domain: &str) -> Option<Topic> {
        if self.known.topics.contains(slug) {
            return None;
        }
        let (path, name) = self.topics.get(slug)?;
        Some(Topic {
            slug: slug.to_owned(),
            name_ko: name.clone(),
            name_en: name.clone(),
            domains: vec![(exam.to_owned(), domain.to_owned())],
            summary_ko: format!("Moodle 카테고리 `{path}`에서 가져온 문항입니다."),
            summary_en: format!("Questions imported from the Moodle category `{path}`."),
            pos: Pos::start_of("(upload)"),
        })
    }
}

/// A topic slug for a category name: its ASCII letters and digits, with a
/// hash of the whole name when other characters were dropped (`C++`, `네트워크
/// 기초`), so names that differ only there stay apart. Counted in characters.
pub fn topic_slug(name: &str) -> String {
    let (slug, lossy) = super::ascii_slug(name, MAX_TOPIC_SLUG);
    let hash = super::fnv(name);
    // Held to the native rule like any topic id, whatever the name held.
    if !is_slug(&slug) {
        format!("category-{:08x}", hash & 0xffff_ffff)
    } else if lossy {
        format!("{slug}-{:06x}", hash & 0xff_ffff)
    } else {
        slug
    }
}
