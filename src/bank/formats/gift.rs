//! Moodle GIFT: multiple choice (one right answer, or several with % weights)
//! and true/false. Other GIFT question types are reported by name and position.

use super::{Defaults, Lines, RawOption, RawQuestion};
use crate::bank::diagnostics::{Diagnostic, LineIndex};
use crate::bank::model::Question;

pub fn parse(file: &str, text: &str, d: &Defaults, diags: &mut Vec<Diagnostic>) -> Vec<Question> {
    let mut l = Lines {
        idx: LineIndex::new(file, text),
        diags,
    };
    let mut out = Vec::new();
    for (start, block) in blocks(text) {
        if let Some(q) = question(&mut l, file, start, &block) {
            out.push(q.into_question(d));
        }
    }
    out
}

/// Questions are separated by blank lines; comment and category lines are dropped.
/// Each block keeps the byte offset where it starts.
fn blocks(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.is_empty() {
            if !cur.trim().is_empty() {
                out.push((start, std::mem::take(&mut cur)));
            }
            cur.clear();
        } else if !t.starts_with("//") && !t.starts_with("$CATEGORY:") {
            if cur.is_empty() {
                start = offset;
            }
            cur.push_str(line);
        }
        offset += line.len();
    }
    if !cur.trim().is_empty() {
        out.push((start, cur));
    }
    out
}

/// Position of the first unescaped `c` at or after `from`.
fn find_unescaped(s: &str, c: char, from: usize) -> Option<usize> {
    let mut escaped = false;
    for (i, ch) in s[from..].char_indices() {
        if escaped {
            escaped = false;
        } else if ch == '\\' {
            escaped = true;
        } else if ch == c {
            return Some(from + i);
        }
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(n) => out.push(n),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out.trim().to_owned()
}

fn strip_format(s: &str) -> &str {
    let t = s.trim_start();
    for marker in ["[markdown]", "[html]", "[plain]", "[moodle]"] {
        if let Some(rest) = t.strip_prefix(marker) {
            return rest;
        }
    }
    t
}

/// Splits `text` at unescaped occurrences of any of `seps`, keeping the separator.
fn split_items(s: &str) -> Vec<(char, String)> {
    let mut items: Vec<(char, String)> = Vec::new();
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            if let Some(last) = items.last_mut() {
                last.1.push('\\');
                last.1.push(c);
            }
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '=' || c == '~' {
            items.push((c, String::new()));
        } else if let Some(last) = items.last_mut() {
            last.1.push(c);
        } else if !c.is_whitespace() {
            items.push(('?', c.to_string()));
        }
    }
    items
}

fn question(l: &mut Lines<'_>, file: &str, start: usize, block: &str) -> Option<RawQuestion> {
    let mut body = block;
    let mut name = None;
    if let Some(rest) = body.trim_start().strip_prefix("::")
        && let Some(end) = find_unescaped(rest, ':', 0).filter(|&e| rest[e..].starts_with("::"))
    {
        name = Some(unescape(&rest[..end]));
        body = &rest[end + 2..];
    }
    let body_offset = start + (block.len() - body.len());
    let Some(open) = find_unescaped(body, '{', 0) else {
        l.err(start, "no answer block `{…}` found; this is not a GIFT question");
        return None;
    };
    let Some(close) = find_unescaped(body, '}', open) else {
        l.err(body_offset + open, "the answer block `{` is never closed with `}`");
        return None;
    };
    let at = body_offset + open;
    let stem = unescape(strip_format(&body[..open]));
    let answers = body[open + 1..close].trim();
    let after = body[close + 1..].trim();
    if !after.is_empty() {
        l.err(
            at,
            "unsupported GIFT question type \"missing word\" (text after the answer block)",
        );
        return None;
    }
    if answers.is_empty() {
        l.err(at, "unsupported GIFT question type \"essay\"");
        return None;
    }
    if answers.starts_with('#') {
        l.err(at, "unsupported GIFT question type \"numerical\"");
        return None;
    }
    if find_unescaped(answers, '-', 0).is_some_and(|i| answers[i..].starts_with("->")) {
        l.err(at, "unsupported GIFT question type \"matching\"");
        return None;
    }
    let (answers, general) = match answers.find("####") {
        Some(i) => (&answers[..i], Some(unescape(&answers[i + 4..]))),
        None => (answers, None),
    };
    let mut head = answers.trim().splitn(2, '#');
    let tf = head.next().unwrap_or("").trim().to_ascii_uppercase();
    if matches!(tf.as_str(), "T" | "TRUE" | "F" | "FALSE") {
        let truth = tf.starts_with('T');
        let feedback = head.next().map(|f| unescape(f.split('#').next().unwrap_or("")));
        let options = [("True", truth), ("False", !truth)]
            .into_iter()
            .map(|(text, correct)| RawOption {
                text: text.to_owned(),
                correct,
                feedback: correct.then(|| feedback.clone()).flatten(),
            })
            .collect();
        return Some(RawQuestion {
            name,
            stem,
            options,
            explanation: general,
            truefalse: true,
            pos: l.at(start),
            file: file.to_owned(),
        });
    }
    let items = split_items(answers);
    if items.iter().any(|(c, _)| *c == '?') {
        l.err(at, "answers must start with `=` (right) or `~` (wrong)");
        return None;
    }
    if !items.iter().any(|(c, _)| *c == '~') {
        l.err(at, "unsupported GIFT question type \"short answer\" (only `=` answers)");
        return None;
    }
    let mut options = Vec::new();
    for (marker, raw) in items {
        let mut raw = raw.trim().to_owned();
        let mut weight: Option<f64> = None;
        if let Some(rest) = raw.strip_prefix('%')
            && let Some(end) = rest.find('%')
        {
            match rest[..end].parse::<f64>() {
                Ok(w) => weight = Some(w),
                Err(_) => {
                    l.err(at, format!("answer weight `%{}%` is not a number", &rest[..end]));
                    return None;
                }
            }
            raw = rest[end + 1..].to_owned();
        }
        let (text, feedback) = match find_unescaped(&raw, '#', 0) {
            Some(i) => (unescape(&raw[..i]), Some(unescape(&raw[i + 1..]))),
            None => (unescape(&raw), None),
        };
        let correct = match weight {
            Some(w) => w > 0.0,
            None => marker == '=',
        };
        options.push(RawOption {
            text,
            correct,
            feedback,
        });
    }
    Some(RawQuestion {
        name,
        stem,
        options,
        explanation: general,
        truefalse: false,
        pos: l.at(start),
        file: file.to_owned(),
    })
}
