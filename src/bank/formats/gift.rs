//! Moodle GIFT: multiple choice (one right answer, or several with % weights),
//! missing word (multiple choice with the blank shown) and true/false. Other
//! GIFT items are skipped, named, with their position.

use std::borrow::Cow;

use super::category::{Category, CategoryPath};
use super::{Defaults, Lines, RawQuestion, Sink, TextFormat};
use crate::bank::diagnostics::LineIndex;

pub fn parse(file: &str, text: &str, d: &Defaults, sink: &mut Sink) {
    let mut l = Lines {
        idx: LineIndex::new(file, text),
        sink,
    };
    // Counted first (a quick pass) so the bank's list is sized once, then
    // read one block at a time: no list of the file's blocks is kept.
    let mut n = 0;
    blocks(text, &mut |piece| {
        n += usize::from(matches!(piece, Piece::Block(..)));
        true
    });
    l.sink.reserve(n);
    // A `$CATEGORY:` line files the questions that start after it.
    let mut current: Option<Category> = None;
    pieces(text, &mut |piece| {
        if l.sink.stop() {
            return false;
        }
        match piece {
            Piece::Category(path) => current = Some(CategoryPath::parse(path)),
            Piece::Block(start, block) => {
                if let Some(mut q) = question(&mut l, file, start, block) {
                    q.category = current.clone();
                    let placed = l.sink.place(&q, d);
                    if let Some(q) = q.finish(&placed, l.sink) {
                        l.sink.accept(q);
                    }
                }
            }
        }
        true
    });
}

/// What the reader meets, in file order: a question's block (with its start)
/// or a `$CATEGORY:` line's path.
enum Piece<'a> {
    Block(usize, Cow<'a, str>),
    Category(&'a str),
}

/// Questions are separated by blank lines; comment and category lines are
/// dropped from them. A block is a slice of the file unless a comment sits
/// inside it, when that line is blanked to spaces so offsets stay file
/// offsets. A `$CATEGORY:` line also ends the question before it: generated
/// files put one straight above the next question, with no blank line
/// between. Each piece goes to `each` as soon as it ends; `each` returning
/// false stops the reading.
type Open = Option<(usize, Option<String>)>;
type Each<'e, 'a> = dyn FnMut(Piece<'a>) -> bool + 'e;

fn blocks<'a>(text: &'a str, each: &mut Each<'_, 'a>) {
    // Start of the current block, and its lines blanked so far (if any).
    let mut cur: Open = None;
    let mut offset = 0;
    let mut end = 0;
    fn close<'a>(text: &'a str, cur: &mut Open, end: usize, each: &mut Each<'_, 'a>) -> bool {
        match cur.take() {
            Some((start, owned)) => each(Piece::Block(
                start,
                owned.map_or(Cow::Borrowed(&text[start..end]), Cow::Owned),
            )),
            None => true,
        }
    }
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        let category = t.strip_prefix("$CATEGORY:");
        let comment = t.starts_with("//");
        if t.is_empty() || category.is_some() {
            if !close(text, &mut cur, end, each) {
                return;
            }
            if let Some(path) = category
                && !each(Piece::Category(path))
            {
                return;
            }
        } else if comment {
            if let Some((start, owned)) = &mut cur {
                let s = owned.get_or_insert_with(|| text[*start..end].to_owned());
                s.push_str(&" ".repeat(line.trim_end_matches('\n').len()));
                s.push('\n');
                end = offset + line.len();
            }
        } else {
            match &mut cur {
                None => cur = Some((offset, None)),
                Some((_, Some(owned))) => owned.push_str(line),
                Some((_, None)) => {}
            }
            end = offset + line.len();
        }
        offset += line.len();
    }
    close(text, &mut cur, end, each);
}

/// [`blocks`], where a blank line inside an answer block (before its `}`)
/// no longer splits the question: Moodle refuses both halves, but the
/// author's question is whole. A block whose first brace is a `}` joins the
/// block before it when that one's `{` is still open; the lines between are
/// kept blank. One block is held back to see whether the next one joins it.
fn pieces<'a>(text: &'a str, each: &mut Each<'_, 'a>) {
    let mut held: Option<(usize, Cow<'a, str>)> = None;
    let mut going = true;
    blocks(text, &mut |piece| {
        going = match piece {
            Piece::Block(start, block) => match &mut held {
                Some((prev_start, prev)) if last_brace(prev) == Some('{') && first_brace(&block) == Some('}') => {
                    let mut joined = std::mem::take(prev).into_owned();
                    for line in text[*prev_start + joined.len()..start].split_inclusive('\n') {
                        let kept = line.trim_end_matches(['\n', '\r']);
                        joined.push_str(&" ".repeat(kept.len()));
                        joined.push_str(&line[kept.len()..]);
                    }
                    joined.push_str(&block);
                    *prev = Cow::Owned(joined);
                    true
                }
                _ => match held.replace((start, block)) {
                    Some((s, b)) => each(Piece::Block(s, b)),
                    None => true,
                },
            },
            Piece::Category(path) => {
                let flushed = match held.take() {
                    Some((s, b)) => each(Piece::Block(s, b)),
                    None => true,
                };
                flushed && each(Piece::Category(path))
            }
        };
        going
    });
    if going && let Some((s, b)) = held {
        each(Piece::Block(s, b));
    }
}

/// The first (or last) unescaped `{` or `}` of `s`.
fn first_brace(s: &str) -> Option<char> {
    braces(s).next()
}

fn last_brace(s: &str) -> Option<char> {
    braces(s).last()
}

fn braces(s: &str) -> impl Iterator<Item = char> + '_ {
    let mut escaped = false;
    s.chars().filter(move |&c| {
        let brace = !escaped && (c == '{' || c == '}');
        escaped = !escaped && c == '\\';
        brace
    })
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

/// Undoes GIFT's escapes; a backslash before anything else (`$$\alpha$$`,
/// `C:\Windows`) is the author's and stays.
pub(crate) fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('n') => {
                chars.next();
                out.push('\n');
            }
            Some(&e @ (':' | '\\' | '{' | '}' | '=' | '~' | '#')) => {
                chars.next();
                out.push(e);
            }
            _ => out.push('\\'),
        }
    }
    out.trim().to_owned()
}

/// The text's format marker, if any, and the text after it.
fn format_of(s: &str) -> (TextFormat, &str) {
    let t = s.trim_start();
    for (marker, f) in [
        ("[markdown]", TextFormat::Markdown),
        ("[html]", TextFormat::Html),
        ("[plain]", TextFormat::Plain),
        ("[moodle]", TextFormat::Auto),
    ] {
        if let Some(rest) = t.strip_prefix(marker) {
            return (f, rest);
        }
    }
    (TextFormat::Auto, t)
}

/// Splits the answer block at unescaped `=` and `~`, keeping the marker and
/// the item's text with its escapes (undone later, field by field).
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

/// The title (`::title::`) and the rest of the block. The title ends at the
/// first unescaped `::`, so `\:` and a single `:` stay in it.
fn title(block: &str) -> (Option<String>, &str) {
    let Some(rest) = block.trim_start().strip_prefix("::") else {
        return (None, block);
    };
    let mut from = 0;
    while let Some(i) = find_unescaped(rest, ':', from) {
        if rest[i..].starts_with("::") {
            return (Some(unescape(&rest[..i])), &rest[i + 2..]);
        }
        from = i + 1;
    }
    (None, block)
}

fn question(l: &mut Lines<'_>, file: &str, start: usize, block: Cow<'_, str>) -> Option<RawQuestion> {
    let (name, body) = title(&block);
    let body_offset = start + (block.len() - body.len());
    let Some(open) = find_unescaped(body, '{', 0) else {
        l.err(
            start,
            "skipped a GIFT \"description\" (text with no answer block): it is not a question",
        );
        return None;
    };
    let Some(close) = find_unescaped(body, '}', open) else {
        l.err(body_offset + open, "the answer block `{` is never closed with `}`");
        return None;
    };
    let at = body_offset + open;
    let (format, before) = format_of(&body[..open]);
    let after = body[close + 1..].trim();
    let mut stem = before.trim_end().to_owned();
    if !after.is_empty() {
        // Missing word: the answers fill a blank in the sentence.
        stem = format!("{stem} _____ {after}");
    }
    let answers = body[open + 1..close].trim();
    let kind = classify(answers);
    if let Some(unsupported) = kind {
        l.err(at, format!("unsupported GIFT question type \"{unsupported}\""));
        return None;
    }
    let (answers, general) = match answers.find("####") {
        Some(i) => (&answers[..i], Some(answers[i + 4..].to_owned())),
        None => (answers, None),
    };
    let mut raw = RawQuestion::new(name, file, l.at(start), format);
    if let Some(second) = find_unescaped(body, '{', close) {
        // Moodle reads the first block only and leaves the rest as text;
        // teachers write several blanks per sentence (Cloze-style) in GIFT.
        let at = l.at(body_offset + second);
        raw.warnings.push(format!(
            "only the first answer block is read; the one at line {}, column {} stays in the text as written",
            at.line, at.column
        ));
    }
    raw.set_stem(&unescape(&stem));
    if let Some(g) = general {
        raw.set_explanation(&unescape(&g));
    }
    if let Some(truth) = true_false(answers) {
        // `{TRUE#shown if wrong#shown if right}`: the first feedback is for a
        // student who picks the wrong option, the second for the right one.
        let mut fb = answers.splitn(3, '#').skip(1).map(unescape);
        let (wrong_fb, right_fb) = (fb.next(), fb.next());
        for (text, correct) in [("True", truth), ("False", !truth)] {
            let feedback = if correct { right_fb.clone() } else { wrong_fb.clone() };
            raw.push_option(text, 100.0 * f64::from(u8::from(correct)), feedback.as_deref());
        }
        let head = answers.split('#').next().unwrap_or("");
        if head.chars().any(|c| c.is_ascii_lowercase()) {
            raw.warnings.push(format!(
                "`{{{}}}` is read as true/false; Moodle reads only T, TRUE, F and FALSE in capitals and would make it a short answer",
                head.trim()
            ));
        }
        raw.truefalse = true;
        return Some(raw);
    }
    choices(l, at, answers, raw)
}

/// The name of an answer block we do not import, or None for multiple choice
/// and true/false.
fn classify(answers: &str) -> Option<&'static str> {
    if answers.is_empty() {
        return Some("essay");
    }
    if answers.starts_with('#') {
        return Some("numerical");
    }
    if is_cloze(answers) {
        return Some("embedded answers (Cloze `{1:MC:…}`)");
    }
    if true_false(answers).is_some() {
        return None;
    }
    let items = split_items(answers);
    let rights: Vec<&(char, String)> = items.iter().filter(|(c, _)| *c == '=').collect();
    // Matching pairs every answer with `->`; one `->` inside a multiple-choice
    // option (`Client -> Server`) is just text.
    if !rights.is_empty() && items.iter().all(|(c, _)| *c == '=') && rights.iter().all(|(_, t)| t.contains("->")) {
        return Some("matching");
    }
    if !items.iter().any(|(c, _)| *c == '~') {
        return Some("short answer (only `=` answers)");
    }
    None
}

/// `1:MC:…`, `2:SHORTANSWER:…`: Moodle's embedded-answers (Cloze) syntax,
/// which teachers paste into GIFT files. GIFT has no such type; Moodle's GIFT
/// reader would take `1:MC:` for an option.
fn is_cloze(answers: &str) -> bool {
    let rest = answers.trim_start_matches(|c: char| c.is_ascii_digit());
    let Some(rest) = rest.strip_prefix(':').filter(|_| rest.len() < answers.len()) else {
        return false;
    };
    let kind = rest.split(':').next().unwrap_or("");
    rest.len() > kind.len() && !kind.is_empty() && kind.chars().all(|c| c.is_ascii_uppercase() || c == '_')
}

fn true_false(answers: &str) -> Option<bool> {
    let head = answers.split('#').next().unwrap_or("").trim().to_ascii_uppercase();
    match head.as_str() {
        "T" | "TRUE" => Some(true),
        "F" | "FALSE" => Some(false),
        _ => None,
    }
}

fn choices(l: &mut Lines<'_>, at: usize, answers: &str, mut raw: RawQuestion) -> Option<RawQuestion> {
    let items = split_items(answers);
    if items.iter().any(|(c, _)| *c == '?') {
        l.err(at, "answers must start with `=` (right) or `~` (wrong)");
        return None;
    }
    // Moodle's rule: with an `=` answer the question has one right answer;
    // with only `~` answers the positive weights are the keys.
    // An `=` with no text (`=~%50%x`) is left out below and does not count.
    raw.single = items.iter().any(|(c, t)| {
        let text = find_unescaped(t, '#', 0).map_or(t.as_str(), |i| &t[..i]);
        *c == '=' && !text.trim().is_empty()
    });
    for (marker, item) in items {
        let mut item = item.trim();
        let mut weight = if marker == '=' { 100.0 } else { 0.0 };
        if let Some(rest) = item.strip_prefix('%')
            && let Some(end) = rest.find('%')
        {
            match rest[..end].trim().parse::<f64>() {
                Ok(w) => weight = w,
                Err(_) => {
                    l.err(at, format!("answer weight `%{}%` is not a number", &rest[..end]));
                    return None;
                }
            }
            item = &rest[end + 1..];
        }
        let (text, feedback) = match find_unescaped(item, '#', 0) {
            Some(i) => (unescape(&item[..i]), Some(unescape(&item[i + 1..]))),
            None => (unescape(item), None),
        };
        if text.is_empty() {
            // `~=right` and `=~%50%x` are common slips; Moodle leaves out
            // every answer without text, and so does this.
            raw.warnings
                .push(format!("an empty option (`{marker}` with no text) was left out"));
            continue;
        }
        raw.push_option(&text, weight, feedback.as_deref());
    }
    Some(raw)
}
