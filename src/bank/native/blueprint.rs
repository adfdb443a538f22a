//! Blueprint files: an exam's shape, its domains, and how its material is
//! found in study notes.

use std::ops::Range;

use toml_edit::{Item, TableLike};

use super::{Reader, parse_document, span_of};
use crate::bank::diagnostics::{Diagnostic, LineIndex};
use crate::bank::model::{Blueprint, BlueprintDomain, NoteRules, TaggedNotes};

const DOMAIN: &str = "a blueprint domain";
const NOTES: &str = "the blueprint's [notes] table";

/// Parses a blueprint file.
pub fn parse_blueprint(file: &str, text: &str, diags: &mut Vec<Diagnostic>) -> Option<Blueprint> {
    let mut r = Reader {
        idx: LineIndex::new(file, text),
        diags,
    };
    let doc = parse_document(&mut r, text)?;
    let root = doc.as_table();
    let what = "the blueprint";
    r.unknown_keys(
        root,
        what,
        &[
            "code",
            "name_ko",
            "name_en",
            "questions",
            "minutes",
            "passing_score",
            "score_min",
            "score_max",
            "domains",
            "notes",
        ],
    );
    let at = span_of(root, None);
    let code = r.string(root, at.clone(), what, "code");
    let name_ko = r.string(root, at.clone(), what, "name_ko");
    let name_en = r.string(root, at.clone(), what, "name_en");
    let questions = r.uint(root, at.clone(), what, "questions");
    let minutes = r.uint(root, at.clone(), what, "minutes");
    let passing_score = r.uint(root, at.clone(), what, "passing_score");
    let score_min = r.uint(root, at.clone(), what, "score_min");
    let score_max = r.uint(root, at.clone(), what, "score_max");
    let domains = match r.item(root, at.clone(), what, "domains") {
        Some(item) => domains(&mut r, item),
        None => Vec::new(),
    };
    let notes = root
        .get("notes")
        .and_then(|item| r.table(item, "notes"))
        .map(|t| note_rules(&mut r, t))
        .unwrap_or_default();
    check_shape(&mut r, root, &domains, (score_min, score_max, passing_score));
    if let Some(d) = &notes.default_domain
        && !domains.iter().any(|x| &x.code == d)
    {
        r.err(
            root.get("notes").and_then(Item::span),
            format!("notes.default_domain `{d}` is not one of the blueprint's domains"),
        );
    }
    Some(Blueprint {
        code: code?,
        name_ko: name_ko?,
        name_en: name_en?,
        questions: questions?,
        minutes: minutes?,
        passing_score: passing_score?,
        score_min: score_min?,
        score_max: score_max?,
        domains,
        notes,
    })
}

fn domains(r: &mut Reader<'_>, item: &Item) -> Vec<BlueprintDomain> {
    let Some(aot) = item.as_array_of_tables() else {
        r.err(item.span(), "`domains` must be written as [[domains]] tables");
        return Vec::new();
    };
    let mut out = Vec::new();
    for t in aot.iter() {
        let dat = span_of(t, t.span());
        r.unknown_keys(t, DOMAIN, &["code", "weight", "name_ko", "name_en", "keywords"]);
        let d = (
            r.string(t, dat.clone(), DOMAIN, "code"),
            r.uint(t, dat.clone(), DOMAIN, "weight"),
            r.string(t, dat.clone(), DOMAIN, "name_ko"),
            r.string(t, dat.clone(), DOMAIN, "name_en"),
        );
        let keywords = lower_words(r, t, dat, "keywords");
        if let (Some(code), Some(weight), Some(name_ko), Some(name_en)) = d {
            out.push(BlueprintDomain {
                code,
                weight,
                name_ko,
                name_en,
                keywords,
            });
        }
    }
    out
}

fn note_rules(r: &mut Reader<'_>, t: &dyn TableLike) -> NoteRules {
    let at = span_of(t, None);
    r.unknown_keys(
        t,
        NOTES,
        &["tags", "untagged_notes", "tagged_notes", "path_words", "default_domain"],
    );
    let tags = match t.get("tags") {
        Some(_) => r.strings(t, at.clone(), NOTES, "tags").unwrap_or_default(),
        None => Vec::new(),
    };
    let untagged_notes = match t.get("untagged_notes") {
        None => false,
        Some(item) => item.as_bool().unwrap_or_else(|| {
            r.err(item.span(), "field `untagged_notes` must be true or false");
            false
        }),
    };
    let tagged_notes = match r.opt_string(t, "tagged_notes") {
        None => TaggedNotes::default(),
        Some(s) => TaggedNotes::parse(&s).unwrap_or_else(|| {
            r.err(
                t.get("tagged_notes").and_then(Item::span),
                format!("tagged_notes must be \"tagged-sections\" or \"all-sections\", not `{s}`"),
            );
            TaggedNotes::default()
        }),
    };
    NoteRules {
        tags,
        untagged_notes,
        tagged_notes,
        path_words: lower_words(r, t, at, "path_words"),
        default_domain: r.opt_string(t, "default_domain"),
    }
}

/// An optional list of words, lower-cased because they are matched against
/// lower-cased text.
fn lower_words(r: &mut Reader<'_>, t: &dyn TableLike, at: Option<Range<usize>>, key: &str) -> Vec<String> {
    if t.get(key).is_none() {
        return Vec::new();
    }
    r.strings(t, at, "a blueprint", key)
        .unwrap_or_default()
        .into_iter()
        .map(|w| w.to_lowercase())
        .collect()
}

fn check_shape(
    r: &mut Reader<'_>,
    root: &dyn TableLike,
    domains: &[BlueprintDomain],
    scores: (Option<u32>, Option<u32>, Option<u32>),
) {
    let total: u32 = domains.iter().map(|d| d.weight).sum();
    if !domains.is_empty() && total != 100 {
        r.err(
            root.get("domains").and_then(Item::span),
            format!("domain weights add up to {total}, not 100"),
        );
    }
    if let (Some(min), Some(max), Some(pass)) = scores
        && !(min < max && (min..=max).contains(&pass))
    {
        r.err(
            root.get("passing_score").and_then(Item::span),
            "passing_score must lie between score_min and score_max",
        );
    }
}
