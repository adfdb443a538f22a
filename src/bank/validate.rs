//! Checks that need more than one field: answers against options, counts per
//! kind, duplicates within and across files, and references to exams, domains
//! and topics.

use std::collections::{HashMap, HashSet};

use super::diagnostics::Diagnostic;
use super::model::{Bank, Kind, Pos, Question};

pub const MAX_STEM_CHARS: usize = 4000;
pub const MAX_EXPLANATION_CHARS: usize = 4000;
pub const MAX_OPTION_CHARS: usize = 500;
pub const MAX_RATIONALE_CHARS: usize = 1500;
pub const MAX_SUMMARY_CHARS: usize = 8000;

/// Trimmed, whitespace runs made one space: two options equal under this
/// read the same to a student. Punctuation and letter case are kept, since
/// they change the meaning (`-2.0` and `2.0`, `1/2` and `12`, `C` and `C++`,
/// `GB` and `Gb`: a teacher's quiz asks which of gigabyte and gigabit is larger).
pub fn option_key(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lowercased letters and digits only: the fingerprint a question without a
/// name gets its id from (kept as it was, so re-imports keep their ids).
pub fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn push(diags: &mut Vec<Diagnostic>, pos: &Pos, message: String) {
    diags.push(Diagnostic {
        pos: pos.clone(),
        message,
    });
}

/// Reports a name given twice, pointing at its first use.
fn once<'a>(
    diags: &mut Vec<Diagnostic>,
    seen: &mut HashMap<&'a str, &'a Pos>,
    (name, pos): (&'a str, &'a Pos),
    what: &str,
    verb: &str,
) {
    if let Some(first) = seen.insert(name, pos) {
        push(diags, pos, format!("{what} `{name}` is already {verb} at {first}"));
    }
}

fn check_text(diags: &mut Vec<Diagnostic>, pos: &Pos, what: &str, text: &str, max: usize) {
    if text.trim().is_empty() {
        push(diags, pos, format!("{what} is empty"));
    } else {
        check_len(diags, pos, what, text, max);
    }
}

/// For explanations and rationales, which a foreign question may lack: an
/// empty one is shown as "no explanation given". The shipped banks' rule that
/// every question explains itself is the lint's (`lint::lint` with `exam_shape`).
fn check_len(diags: &mut Vec<Diagnostic>, pos: &Pos, what: &str, text: &str, max: usize) {
    let n = text.chars().count();
    if n > max {
        push(diags, pos, format!("{what} is {n} characters long; the limit is {max}"));
    }
}

/// Validates a whole bank. Blueprints and topics known from elsewhere (the
/// database, say) can be supplied through `bank` as well.
pub fn validate(bank: &Bank) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let exams: HashMap<&str, HashSet<&str>> = bank
        .blueprints
        .iter()
        .map(|b| (b.code.as_str(), b.domains.iter().map(|d| d.code.as_str()).collect()))
        .collect();

    let mut slugs: HashMap<&str, &Pos> = HashMap::new();
    for t in &bank.topics {
        once(&mut diags, &mut slugs, (&t.slug, &t.pos), "topic", "defined");
        for (e, c) in &t.domains {
            check_exam_domain(&mut diags, &t.pos, &exams, e, c, &format!("topic `{}`", t.slug));
        }
        for (what, text) in [("name_ko", &t.name_ko), ("name_en", &t.name_en)] {
            check_text(&mut diags, &t.pos, &format!("topic `{}` {what}", t.slug), text, 200);
        }
        for (what, text) in [("summary_ko", &t.summary_ko), ("summary_en", &t.summary_en)] {
            check_text(
                &mut diags,
                &t.pos,
                &format!("topic `{}` {what}", t.slug),
                text,
                MAX_SUMMARY_CHARS,
            );
        }
    }

    let mut ids: HashMap<&str, &Pos> = HashMap::new();
    for q in &bank.questions {
        once(&mut diags, &mut ids, (&q.id, &q.pos), "question id", "used");
        if !slugs.contains_key(q.topic.as_str()) {
            push(
                &mut diags,
                &q.pos,
                format!("question `{}` refers to unknown topic `{}`", q.id, q.topic),
            );
        }
        for (e, c) in &q.domains {
            check_exam_domain(&mut diags, &q.pos, &exams, e, c, &format!("question `{}`", q.id));
        }
        check_question(&mut diags, q);
    }
    diags
}

fn check_exam_domain(
    diags: &mut Vec<Diagnostic>,
    pos: &Pos,
    exams: &HashMap<&str, HashSet<&str>>,
    exam: &str,
    domain: &str,
    what: &str,
) {
    match exams.get(exam) {
        None => {
            let mut known: Vec<_> = exams.keys().copied().collect();
            known.sort_unstable();
            push(
                diags,
                pos,
                format!("{what} names unknown exam `{exam}`; known exams: {}", known.join(", ")),
            );
        }
        Some(domains) if !domains.contains(domain) => {
            let mut known: Vec<_> = domains.iter().copied().collect();
            known.sort_unstable();
            push(
                diags,
                pos,
                format!(
                    "{what} names unknown domain `{domain}` of {exam}; its domains are: {}",
                    known.join(", ")
                ),
            );
        }
        Some(_) => {}
    }
}

/// Official AWS documentation lives on these two hosts; anything else (a blog
/// mirror, a typo-squatted host, `http:`) is not a reference a student should trust.
pub fn is_aws_doc_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let path_ok = !rest
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
    path_ok && matches!(host, "docs.aws.amazon.com" | "aws.amazon.com")
}

/// An English original is all or nothing: a student who switches to English
/// must never meet a Korean option in the middle of it.
fn check_english(diags: &mut Vec<Diagnostic>, q: &Question, who: &str) {
    let with = q.options.iter().filter(|o| o.en.is_some()).count();
    match &q.en {
        Some(en) => {
            check_text(diags, &q.pos, &format!("{who} stem_en"), &en.stem, MAX_STEM_CHARS);
            check_text(
                diags,
                &q.pos,
                &format!("{who} explanation_en"),
                &en.explanation,
                MAX_EXPLANATION_CHARS,
            );
            for o in &q.options {
                match &o.en {
                    Some(oe) => {
                        check_text(
                            diags,
                            &o.pos,
                            &format!("{who} option `{}` text_en", o.key),
                            &oe.text,
                            MAX_OPTION_CHARS,
                        );
                        check_text(
                            diags,
                            &o.pos,
                            &format!("{who} option `{}` rationale_en", o.key),
                            &oe.rationale,
                            MAX_RATIONALE_CHARS,
                        );
                    }
                    None => push(
                        diags,
                        &o.pos,
                        format!(
                            "{who} has an English original but option `{}` has no `text_en`/`rationale_en`",
                            o.key
                        ),
                    ),
                }
            }
        }
        None if with > 0 => push(
            diags,
            &q.pos,
            format!("{who} has English option texts but no `stem_en`/`explanation_en`"),
        ),
        None => {}
    }
}

/// The checks that need nothing but the question itself.
pub fn check_question(diags: &mut Vec<Diagnostic>, q: &Question) {
    let who = format!("question `{}`", q.id);
    check_text(diags, &q.pos, &format!("{who} stem"), &q.stem, MAX_STEM_CHARS);
    check_len(
        diags,
        &q.pos,
        &format!("{who} explanation"),
        &q.explanation,
        MAX_EXPLANATION_CHARS,
    );
    check_text(diags, &q.pos, &format!("{who} source.file"), &q.source.file, 200);
    check_text(diags, &q.pos, &format!("{who} source.heading"), &q.source.heading, 500);

    for url in &q.references {
        if !is_aws_doc_url(url) {
            push(
                diags,
                &q.pos,
                format!("{who} reference `{url}` is not an https URL on docs.aws.amazon.com or aws.amazon.com"),
            );
        }
    }
    check_english(diags, q, &who);

    let mut keys = HashSet::new();
    let mut texts: HashMap<String, char> = HashMap::new();
    for o in &q.options {
        if !keys.insert(o.key) {
            push(diags, &o.pos, format!("{who} has option key `{}` twice", o.key));
        }
        check_text(
            diags,
            &o.pos,
            &format!("{who} option `{}` text", o.key),
            &o.text,
            MAX_OPTION_CHARS,
        );
        check_len(
            diags,
            &o.pos,
            &format!("{who} option `{}` rationale", o.key),
            &o.rationale,
            MAX_RATIONALE_CHARS,
        );
        let norm = option_key(&o.text);
        if !norm.is_empty()
            && let Some(other) = texts.insert(norm, o.key)
        {
            push(
                diags,
                &o.pos,
                format!("{who} options `{other}` and `{}` say the same thing", o.key),
            );
        }
    }
    let mut seen = HashSet::new();
    for a in &q.answer {
        if !seen.insert(*a) {
            push(diags, &q.pos, format!("{who} lists answer `{a}` twice"));
        }
        if !keys.contains(a) {
            push(
                diags,
                &q.pos,
                format!("{who} answer `{a}` is not one of its option keys"),
            );
        }
    }
    check_shape(diags, q, &who, seen.len());
}

/// Most options a question may have; Moodle's own forms offer up to 10 by default.
pub const MAX_OPTIONS: usize = 10;

/// What Moodle accepts for the supported kinds. The shipped banks' stricter
/// exam shape (4 options for a single answer) is a lint check, so a teacher's
/// 3- or 5-option question imports.
fn check_shape(diags: &mut Vec<Diagnostic>, q: &Question, who: &str, n: usize) {
    let opts = q.options.len();
    if opts > MAX_OPTIONS {
        push(
            diags,
            &q.pos,
            format!("{who} has {opts} options; the limit is {MAX_OPTIONS}"),
        );
    }
    match q.kind {
        Kind::Single => {
            if n != 1 {
                push(
                    diags,
                    &q.pos,
                    format!("{who} is `single` but has {n} correct answers; it needs exactly 1"),
                );
            }
            if opts < 2 {
                push(
                    diags,
                    &q.pos,
                    format!("{who} is `single` but has {opts} option(s); it needs at least 2"),
                );
            }
        }
        Kind::TrueFalse => {
            if n != 1 || opts != 2 {
                push(
                    diags,
                    &q.pos,
                    format!("{who} is `truefalse`, so it needs 2 options and 1 answer, not {opts} and {n}"),
                );
            }
        }
        Kind::Multiple => {
            if n < 2 {
                push(
                    diags,
                    &q.pos,
                    format!("{who} is `multiple` but has {n} correct answer(s); it needs at least 2"),
                );
            } else if opts <= n {
                push(
                    diags,
                    &q.pos,
                    format!("{who} is `multiple` with {n} correct answers, so it needs at least one wrong option"),
                );
            }
        }
    }
}
