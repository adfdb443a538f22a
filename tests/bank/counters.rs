//! This test suite's own reading of real GIFT, Moodle XML and Aiken files,
//! written from the formats' documentation and Moodle's importers, never from
//! examdrill's: which items a file holds, where each starts, and for
//! multiple-choice and true/false ones the keys a reader expects. The corpus
//! tests hold the importer's outcomes against it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use examdrill::bank::Question;
use examdrill::bank::diagnostics::decode;
use examdrill::bank::load::{Loaded, Verdict, parse_upload};

use super::formats::defaults;

/// What an item is.
#[derive(Debug, PartialEq)]
pub enum Item {
    /// Multiple choice or true/false, with the keys a reader expects.
    Choice(Vec<char>),
    Other,
}

/// Byte offset of the first `c` not preceded by a backslash.
fn unescaped(s: &str, c: char) -> Option<usize> {
    let mut prev = ' ';
    for (i, ch) in s.char_indices() {
        if ch == c && prev != '\\' {
            return Some(i);
        }
        prev = if prev == '\\' && ch == '\\' { ' ' } else { ch };
    }
    None
}

/// GIFT: the file's items, each with the line it starts on. Blank lines
/// separate them; `//` comments and `$CATEGORY:` lines are none (Moodle
/// wants the colon: `$CATEGORY=x` is text, a description). Two readings
/// beyond Moodle's, where the author's intent is plain and Moodle would
/// garble or refuse the questions: a `$CATEGORY:` line ends the item above
/// it (generated files put one straight above each question), and a blank
/// line inside an open `{…}` does not end the item.
pub fn gift_items(text: &str) -> Vec<(usize, Item)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut raw: Vec<(usize, String)> = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut lines: Vec<&str> = text.lines().collect();
    lines.push("");
    for (n, line) in lines.into_iter().enumerate() {
        let t = line.trim();
        if t.starts_with("//") {
            continue;
        }
        if !t.is_empty() && !t.starts_with("$CATEGORY:") {
            if cur.is_empty() {
                start = n + 1;
            }
            cur.push_str(line);
            cur.push('\n');
            continue;
        }
        if cur.trim().is_empty() {
            continue;
        }
        raw.push((start, std::mem::take(&mut cur)));
    }
    let mut joined: Vec<(usize, String)> = Vec::new();
    for (line, item) in raw {
        let brace = |s: &str, last: bool| {
            let mut b = s.chars().filter(|c| *c == '{' || *c == '}');
            if last { b.next_back() } else { b.next() }
        };
        match joined.last_mut() {
            Some((_, prev)) if brace(prev, true) == Some('{') && brace(&item, false) == Some('}') => {
                prev.push_str(&item)
            }
            _ => joined.push((line, item)),
        }
    }
    joined
        .into_iter()
        .map(|(line, item)| (line, classify_gift(&item)))
        .collect()
}

fn classify_gift(item: &str) -> Item {
    let Some(open) = unescaped(item, '{') else {
        return Item::Other;
    };
    let Some(len) = unescaped(&item[open..], '}') else {
        return Item::Other;
    };
    let block = item[open + 1..open + len].trim();
    // Moodle and GIFT-grammar-PEG.js read T/TRUE/F/FALSE in capitals only;
    // `{t}` (a teacher's true/false, which Moodle would make a short answer
    // whose answer is "t") is read as the true/false it evidently is, and
    // the importer warns that Moodle would not.
    let head = block.split('#').next().unwrap_or("").trim().to_ascii_uppercase();
    match head.as_str() {
        "T" | "TRUE" => return Item::Choice(vec!['a']),
        "F" | "FALSE" => return Item::Choice(vec!['b']),
        _ => {}
    }
    // `{1:MC:~=a~b}` is Cloze (embedded answers), not GIFT: no GIFT question.
    let cloze = block.split(':').collect::<Vec<_>>();
    if cloze.len() > 2
        && !cloze[0].is_empty()
        && cloze[0].chars().all(|c| c.is_ascii_digit())
        && !cloze[1].is_empty()
        && cloze[1].chars().all(|c| c.is_ascii_uppercase())
    {
        return Item::Other;
    }
    if block.is_empty() || block.starts_with('#') || unescaped(block, '~').is_none() {
        return Item::Other;
    }
    // Answers start at each unescaped `=` or `~`; feedback after `#` is not an answer.
    let mut answers: Vec<(char, String)> = Vec::new();
    let mut prev = ' ';
    for ch in block.chars() {
        if (ch == '=' || ch == '~') && prev != '\\' {
            answers.push((ch, String::new()));
        } else if let Some(last) = answers.last_mut() {
            last.1.push(ch);
        }
        prev = ch;
    }
    // An answer with no text (`~=right`, `=~%50%x`, or `~#00ff00` whose `#`
    // starts feedback) is no option; Moodle leaves such answers out too.
    answers.retain(|(_, t)| !t.split('#').next().unwrap_or("").trim().is_empty());
    if answers.len() < 2 {
        return Item::Other;
    }
    let weight = |t: &str| {
        t.trim()
            .strip_prefix('%')
            .and_then(|r| r.split('%').next())
            .and_then(|w| w.parse::<f64>().ok())
    };
    let weighted: Vec<(bool, Option<f64>)> = answers.iter().map(|(m, t)| (*m == '=', weight(t))).collect();
    Item::Choice(keys_by_weight(&weighted, answers.iter().any(|(m, _)| *m == '=')))
}

/// Moodle's rule for keys: in a one-answer question the options worth 100 %
/// (an `=` option without a weight is); otherwise every option worth more than 0.
fn keys_by_weight(options: &[(bool, Option<f64>)], single: bool) -> Vec<char> {
    let full: Vec<char> = options
        .iter()
        .zip('a'..)
        .filter(|((right, w), _)| match w {
            Some(w) => *w >= 100.0,
            None => *right,
        })
        .map(|(_, k)| k)
        .collect();
    if single && !full.is_empty() {
        return full;
    }
    options
        .iter()
        .zip('a'..)
        .filter(|((right, w), _)| w.map_or(*right, |w| w > 0.0))
        .map(|(_, k)| k)
        .collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// The value of `name="…"` inside the tag that starts `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let end = tag.find('>')?;
    let head = &tag[..end];
    let at = head.find(&format!("{name}=\""))? + name.len() + 2;
    head[at..].split('"').next()
}

/// Moodle XML: every `<question type="…">` but categories, with the line of
/// its tag. Keys come from the `<answer fraction="…">`s in file order, an
/// answer whose `<text>` is empty left out (Moodle saves none); `<single>`
/// false (or 0) makes every positive fraction a key.
pub fn xml_items(text: &str) -> Vec<(usize, Item)> {
    let mut out = Vec::new();
    // Only questions directly under <quiz> are questions (as in Moodle's
    // reader): a <question> nested in another is some other tool's markup.
    let mut starts: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let tags = text.match_indices("<question").chain(text.match_indices("</question>"));
    let mut tags: Vec<(usize, &str)> = tags.collect();
    tags.sort();
    for (i, tag) in tags {
        if tag == "</question>" {
            depth = depth.saturating_sub(1);
        } else if text[i + 9..].starts_with([' ', '>']) {
            if depth == 0 {
                starts.push(i);
            }
            depth += 1;
        }
    }
    for (n, &i) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(text.len());
        let chunk = &text[i..end];
        let kind = attr(chunk, "type").unwrap_or("");
        if kind == "category" {
            continue;
        }
        // A question with no text asks nothing (a converter's edge-case file).
        let asks = chunk
            .find("<questiontext")
            .is_some_and(|q| !element_text(&chunk[q..], "</questiontext>").is_empty());
        let item = if asks && (kind == "multichoice" || kind == "truefalse") {
            let single = !chunk.contains("<single>false</single>") && !chunk.contains("<single>0</single>");
            let options: Vec<(bool, Option<f64>)> = chunk
                .match_indices("<answer")
                .map(|(a, _)| &chunk[a..])
                .filter(|a| a[7..].starts_with([' ', '>']))
                .filter(|a| !element_text(a, "</answer>").is_empty())
                .map(|a| (false, attr(a, "fraction").and_then(|f| f.trim().parse().ok())))
                .collect();
            Item::Choice(keys_by_weight(&options, single || kind == "truefalse"))
        } else {
            Item::Other
        };
        out.push((line_of(text, i), item));
    }
    out
}

/// The trimmed `<text>` of the element `el` starts (`<answer …>`,
/// `<questiontext …>`) that ends at `close`, CDATA markers dropped.
fn element_text<'a>(el: &'a str, close: &str) -> &'a str {
    let el = &el[..el.find(close).unwrap_or(el.len())];
    let Some(open) = el.find("<text>") else {
        return if el.contains("<text/>") { "" } else { "?" };
    };
    let body = &el[open + 6..];
    let body = &body[..body.find("</text>").unwrap_or(body.len())];
    body.trim()
        .trim_start_matches("<![CDATA[")
        .trim_end_matches("]]>")
        .trim()
}

/// Aiken, read line by line as Moodle's importer does: blank lines are
/// ignored; a line `X) text` or `X. text` is an option, `ANSWER: X` ends the
/// question, and any other line is question text. Text after options starts
/// a new question (the one before never got its `ANSWER:`). Each question
/// with the line it starts on and, when it has an `ANSWER:` naming one of
/// its options by position (A is the first), that key.
pub fn aiken_items(text: &str) -> Vec<(usize, Item)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    // The open question: its first line, and how many options it has.
    let mut open: Option<(usize, usize)> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let b = line.as_bytes();
        let option =
            b.len() > 2 && b[0].is_ascii_uppercase() && matches!(b[1], b')' | b'.') && matches!(b[2], b' ' | b'\t');
        if let Some(rest) = line.strip_prefix("ANSWER:") {
            let (start, count) = open.take().unwrap_or((n + 1, 0));
            // Moodle reads the first character only.
            let letter = rest.trim().chars().next().unwrap_or('?');
            let index = (letter as usize).wrapping_sub('A' as usize);
            let item = if index < count && count >= 2 {
                Item::Choice(vec![char::from(b'a' + index as u8)])
            } else {
                Item::Other
            };
            out.push((start, item));
        } else if option {
            let o = open.get_or_insert((n + 1, 0));
            o.1 += 1;
        } else {
            if let Some((start, count)) = open
                && count > 0
            {
                out.push((start, Item::Other));
                open = None;
            }
            open.get_or_insert((n + 1, 0));
        }
    }
    if let Some((start, _)) = open {
        out.push((start, Item::Other));
    }
    out
}

/// The independent reading of a file, by its format as its name and
/// content tell (the way a person would, not through the importer).
pub fn items(name: &str, text: &str) -> Vec<(usize, Item)> {
    let lower = name.to_lowercase();
    if lower.ends_with(".xml") {
        xml_items(text)
    } else if lower.ends_with(".aiken")
        || (!lower.ends_with(".gift") && text.lines().any(|l| l.trim_start().starts_with("ANSWER:")))
    {
        aiken_items(text)
    } else {
        gift_items(text)
    }
}

/// One file's figures: questions counted independently against the
/// importer's outcomes.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Figures {
    /// Multiple choice and true/false, by the independent count.
    pub supported: usize,
    /// Every other item (other types, descriptions, malformed text).
    pub other: usize,
    pub imported: usize,
    pub warned: usize,
    pub skipped: usize,
    /// Imported questions whose keys are the ones the independent reading
    /// expects, matched by the line each starts on.
    pub right_keys: usize,
    /// Whole-file problems (not valid UTF-8, not Moodle XML at all).
    pub file_problems: usize,
}

impl Figures {
    pub fn add(&mut self, o: &Figures) {
        self.supported += o.supported;
        self.other += o.other;
        self.imported += o.imported;
        self.warned += o.warned;
        self.skipped += o.skipped;
        self.right_keys += o.right_keys;
        self.file_problems += o.file_problems;
    }
    pub fn outcomes(&self) -> usize {
        self.imported + self.warned + self.skipped
    }
}

/// Runs `bytes` through the upload path (UTF-8 check, format detection,
/// import) and holds the result against the independent reading. Returns the
/// figures, the load, and a report line per skipped question and per wrong key.
pub fn run(name: &str, bytes: Vec<u8>) -> (Figures, Loaded, Vec<String>) {
    let text = match decode(name, bytes) {
        Ok(t) => t,
        Err(d) => {
            let f = Figures {
                file_problems: 1,
                ..Default::default()
            };
            let notes = vec![format!("  file: {}: {}", d.pos, d.message)];
            return (f, Loaded::default(), notes);
        }
    };
    let loaded = parse_upload([(name, text.as_str())], Some(&defaults()));
    let items = items(name, &text);
    let want: std::collections::HashMap<usize, &Vec<char>> = items
        .iter()
        .filter_map(|(line, i)| match i {
            Item::Choice(k) => Some((*line, k)),
            Item::Other => None,
        })
        .collect();
    let n = |v: Verdict| loaded.outcomes.iter().filter(|o| o.verdict == v).count();
    let mut notes = Vec::new();
    let right = |q: &Question| want.get(&(q.pos.line as usize)).is_some_and(|k| q.answer == **k);
    for q in loaded.bank.questions.iter().filter(|q| !right(q)) {
        notes.push(format!(
            "  keys {}: imported {:?}, expected {:?}",
            q.pos,
            q.answer,
            want.get(&(q.pos.line as usize))
        ));
    }
    for o in loaded.outcomes.iter().filter(|o| o.verdict == Verdict::Skipped) {
        notes.push(format!("  skipped {}: {}", o.pos, o.reasons.join("; ")));
    }
    for d in &loaded.diagnostics {
        notes.push(format!("  file: {}: {}", d.pos, d.message));
    }
    let f = Figures {
        supported: want.len(),
        other: items.len() - want.len(),
        imported: n(Verdict::Imported),
        warned: n(Verdict::Warned),
        skipped: n(Verdict::Skipped),
        right_keys: loaded.bank.questions.iter().filter(|q| right(q)).count(),
        file_problems: loaded.diagnostics.len(),
    };
    (f, loaded, notes)
}

/// Quiz files under `dir`, recursively, sorted: `.gift`, `.txt`, `.xml`, `.aiken`.
pub fn quiz_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p
                .extension()
                .is_some_and(|x| ["gift", "txt", "xml", "aiken"].iter().any(|e| x == *e))
            {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// The format a person would say a file is in, for the per-format totals.
pub fn format_of(name: &str, text: &str) -> &'static str {
    let lower = name.to_lowercase();
    if lower.ends_with(".xml") {
        "Moodle XML"
    } else if lower.ends_with(".aiken")
        || (!lower.ends_with(".gift") && text.lines().any(|l| l.trim_start().starts_with("ANSWER:")))
    {
        "Aiken"
    } else {
        "GIFT"
    }
}

/// Every file's figures, per file and per format, with a printable report.
#[derive(Default)]
pub struct Corpus {
    pub files: Vec<(String, Figures)>,
    pub per_format: BTreeMap<&'static str, Figures>,
    pub total: Figures,
    pub report: Vec<String>,
}

pub fn run_all(root: &Path, files: &[PathBuf]) -> Corpus {
    let mut c = Corpus::default();
    for f in files {
        let bytes = std::fs::read(f).unwrap();
        let format = format_of(&f.to_string_lossy(), &String::from_utf8_lossy(&bytes));
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let (fig, _, notes) = run(&name, bytes);
        let shown = f.strip_prefix(root).unwrap_or(f).display().to_string();
        c.report.push(format!(
            "{shown} [{format}]: MC/TF {}, other {}, imported {}, warned {}, skipped {}, right keys {}, file problems {}",
            fig.supported, fig.other, fig.imported, fig.warned, fig.skipped, fig.right_keys, fig.file_problems
        ));
        c.report.extend(notes);
        c.per_format.entry(format).or_default().add(&fig);
        c.total.add(&fig);
        c.files.push((shown, fig));
    }
    for (format, f) in &c.per_format {
        c.report.push(format!(
            "{format}: MC/TF {}, imported with the right keys {} ({:.1} %), other {}, outcomes {} (imported {}, warned {}, skipped {}), file problems {}",
            f.supported,
            f.right_keys,
            percent(f.right_keys, f.supported),
            f.other,
            f.outcomes(),
            f.imported,
            f.warned,
            f.skipped,
            f.file_problems
        ));
    }
    c
}

pub fn percent(n: usize, of: usize) -> f64 {
    if of == 0 { 100.0 } else { n as f64 * 100.0 / of as f64 }
}
