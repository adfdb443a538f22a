//! Moodle's Aiken format: a question line, lettered options (`A.` or `A)`),
//! then `ANSWER: X`; questions are separated by blank lines.

use super::{Defaults, Lines, RawQuestion, Sink, TextFormat};
use crate::bank::diagnostics::LineIndex;

pub fn parse(file: &str, text: &str, d: &Defaults, sink: &mut Sink) {
    let mut l = Lines {
        idx: LineIndex::new(file, text),
        sink,
    };
    // Blank lines separate questions, but Moodle ignores them inside one: a
    // run of lines that starts with an option or the `ANSWER:` line continues
    // the question before it when that one has no `ANSWER:` yet (a blank line
    // between the question and its options, or before `ANSWER:`). So one
    // question is held back until the next shows it does not continue it.
    let mut held: Vec<(usize, &str)> = Vec::new();
    let mut block: Vec<(usize, &str)> = Vec::new();
    let mut offset = 0;
    let emit = |l: &mut Lines<'_>, q: &[(usize, &str)]| {
        if !q.is_empty()
            && let Some(q) = question(l, file, q).and_then(|q| q.finish(d, l.sink))
        {
            l.sink.accept(q);
        }
    };
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() {
            if let Some(&(_, first)) = block.first() {
                if l.sink.stop() {
                    return;
                }
                let continues = is_answer(first) || option_line(first.trim_start()).is_some();
                if continues && !held.is_empty() && !held.iter().any(|(_, l)| is_answer(l)) {
                    held.append(&mut block);
                } else {
                    emit(&mut l, &held);
                    held = std::mem::take(&mut block);
                }
            }
        } else {
            block.push((offset, content));
        }
        offset += line.len();
    }
    if let Some(&(_, first)) = block.first() {
        let continues = is_answer(first) || option_line(first.trim_start()).is_some();
        if continues && !held.is_empty() && !held.iter().any(|(_, l)| is_answer(l)) {
            held.append(&mut block);
        } else {
            emit(&mut l, &held);
            held = block;
        }
    }
    emit(&mut l, &held);
}

fn is_answer(line: &str) -> bool {
    line.trim_start().starts_with("ANSWER:")
}

fn option_line(s: &str) -> Option<(char, &str)> {
    let mut cs = s.char_indices();
    let (_, letter) = cs.next()?;
    let (i, sep) = cs.next()?;
    if letter.is_ascii_uppercase() && (sep == '.' || sep == ')') {
        let rest = &s[i + 1..];
        rest.starts_with(' ').then(|| (letter, rest.trim()))
    } else {
        None
    }
}

fn question(l: &mut Lines<'_>, file: &str, block: &[(usize, &str)]) -> Option<RawQuestion> {
    let start = block[0].0;
    let mut stem = Vec::new();
    let mut options: Vec<(char, String)> = Vec::new();
    let mut answer = None;
    for &(off, line) in block {
        if let Some(rest) = line.trim_start().strip_prefix("ANSWER:") {
            answer = Some((off, rest.trim().to_owned()));
        } else if let Some((letter, text)) = option_line(line.trim_start()) {
            options.push((letter, text.to_owned()));
        } else if options.is_empty() {
            stem.push(line.trim());
        } else {
            l.err(
                off,
                "unexpected line after the options; an Aiken question ends with `ANSWER: X`",
            );
            return None;
        }
    }
    let Some((aoff, letter)) = answer else {
        l.err(start, "this Aiken question has no `ANSWER:` line");
        return None;
    };
    let mut cs = letter.chars();
    let Some(answer) = cs.next().filter(|c| c.is_ascii_uppercase() && cs.next().is_none()) else {
        l.err(
            aoff,
            format!("`ANSWER: {letter}` must name one option letter such as B"),
        );
        return None;
    };
    if !options.iter().any(|(k, _)| *k == answer) {
        l.err(aoff, format!("`ANSWER: {answer}` names no option of this question"));
        return None;
    }
    let mut raw = RawQuestion::new(None, file, l.at(start), TextFormat::Plain);
    raw.set_stem(&stem.join("\n"));
    for (k, text) in options {
        raw.push_option(&text, if k == answer { 100.0 } else { 0.0 }, None);
    }
    Some(raw)
}
