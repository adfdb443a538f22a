//! Facts found in an outline: term–definition pairs, terms with facts listed
//! under them, enumerations, numeric facts and plain statements per section.

use super::outline::{Block, BlockKind, Outline, Section};
use super::text::{
    char_len, clean_inline, has_hangul, is_bare_word, is_noun_stem, needs_context, norm, sentences, strip_particle,
};

#[derive(Debug, Clone)]
pub struct Place {
    /// Section index in the outline.
    pub sec: usize,
    /// The list item the fact sits under, if any (block index in the section).
    pub parent: Option<usize>,
    pub line: usize,
    pub last_line: usize,
}

#[derive(Debug, Clone)]
pub struct TermDef {
    pub term: String,
    pub def: String,
    pub at: Place,
    /// Found by the weaker "X는 …이다" sentence pattern.
    pub from_sentence: bool,
}

#[derive(Debug, Clone)]
pub struct TermFacts {
    pub term: String,
    pub facts: Vec<(String, usize)>,
    pub at: Place,
}

#[derive(Debug, Clone)]
pub struct Enumeration {
    pub name: String,
    pub members: Vec<String>,
    pub at: Place,
}

#[derive(Debug, Clone)]
pub struct Numeric {
    pub sentence: String,
    pub value: String,
    pub unit: String,
    /// Char index of the value in `sentence`.
    pub start: usize,
    pub at: Place,
}

#[derive(Debug, Clone)]
pub struct Statement {
    pub text: String,
    pub at: Place,
}

#[derive(Debug, Default)]
pub struct Facts {
    pub defs: Vec<TermDef>,
    pub term_facts: Vec<TermFacts>,
    pub enums: Vec<Enumeration>,
    pub numbers: Vec<Numeric>,
    pub statements: Vec<Statement>,
    /// "A vs B" pairs seen in headings or lines.
    pub comparisons: Vec<(String, String, usize)>,
}

/// Labels note-takers put before a line, and names too broad to be an answer.
const NOT_TERMS: &[&str] = &[
    "참고",
    "중요",
    "주의",
    "팁",
    "예시",
    "예",
    "요약",
    "정리",
    "결론",
    "목차",
    "tip",
    "note",
    "notes",
    "important",
    "example",
    "summary",
    "aws",
    "amazon",
    "todo",
];

/// A short name, not a sentence: 1–6 words, at most 40 characters, with a letter.
pub fn is_term(s: &str) -> bool {
    let n = char_len(s);
    let words = s.split_whitespace().count();
    // A phrase with an object, dative or place in it ("고객에게 VPC를 …") is a
    // clause, not a name.
    let clause = s
        .split_whitespace()
        .any(|w| has_hangul(w) && ["를", "을", "에게", "에서", "으로"].iter().any(|p| w.ends_with(p)));
    !clause
        && !NOT_TERMS.contains(&s.trim().to_lowercase().as_str())
        && !s.contains(['[', ']', '*'])
        && (1..=40).contains(&n)
        && (1..=6).contains(&words)
        && s.chars().any(char::is_alphabetic)
        && !s.contains("://")
        && !s.ends_with(['.', '?', '!', '다', ','])
        && !s.starts_with(['(', '-', '>'])
}

fn is_def(s: &str, term: &str) -> bool {
    let n = char_len(s);
    // "48시간이다." alone says nothing about which term it belongs to.
    let words = s.split_whitespace().count();
    (6..=300).contains(&n)
        && words >= 2
        && norm(s) != norm(term)
        && s.chars().any(char::is_alphabetic)
        && !s.contains("://")
        && !needs_context(s)
}

fn clean_term(s: &str) -> String {
    let t = s.trim().trim_end_matches([':', '：', '-', '=', ' ']).trim();
    // A particle after the last word of a Latin term: "EBS는" → "EBS".
    let mut words: Vec<&str> = t.split_whitespace().collect();
    if let Some(last) = words.last_mut() {
        *last = strip_particle(last);
    }
    words.join(" ")
}

/// Splits "term : definition", "term - definition" or a bold lead term.
pub fn split_definition(text: &str, bold: Option<&str>) -> Option<(String, String)> {
    if let Some(rest) = bold.and_then(|b| text.strip_prefix(b)) {
        let rest = rest
            .trim_start_matches([':', '：', '-', '–', '—', '=', '>', ' ', '|'])
            .trim();
        let term = clean_term(bold.unwrap_or_default());
        if is_term(&term) && is_def(rest, &term) {
            return Some((term, rest.to_owned()));
        }
    }
    for sep in [" : ", ": ", "：", " - ", " – ", " — "] {
        if let Some((l, r)) = text.split_once(sep) {
            let term = clean_term(l);
            let def = r.trim();
            if is_term(&term) && is_def(def, &term) && !l.contains("http") {
                return Some((term, def.to_owned()));
            }
        }
    }
    None
}

/// "EBS는 …이다." style: a Latin-led subject marked by 은/는 in the first few words.
fn sentence_definition(s: &str) -> Option<(String, String)> {
    if !has_hangul(s) || !(12..=160).contains(&char_len(s)) {
        return None;
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    // The subject ends at the first word marked by 은/는, within the first four.
    let i = words
        .iter()
        .take(4)
        .position(|w| w.ends_with('는') || w.ends_with('은'))?;
    let w = words[i];
    let stem = w.strip_suffix('는').or_else(|| w.strip_suffix('은'))?;
    // "많은", "Lambda와 관련된 …", "Designer에서는": an adjective, a clause or
    // a place, not a subject being defined.
    if !is_noun_stem(stem) || !words[..i].iter().all(|w| is_bare_word(w)) {
        return None;
    }
    let mut term_words: Vec<&str> = words[..i].to_vec();
    term_words.push(stem);
    let term = term_words.join(" ");
    if !term.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) || !is_term(&term) {
        return None;
    }
    let def = words[i + 1..].join(" ");
    is_def(&def, &term).then_some((term, def))
}

/// Units a numeric fact may carry, longest first so "ms" wins over "m".
const UNITS: &[&str] = &[
    "MB/s", "GB/s", "Gbps", "Mbps", "GiB", "TiB", "MiB", "IOPS", "seconds", "minutes", "hours", "days", "개월", "시간",
    "ms", "GB", "TB", "MB", "KB", "PB", "%", "초", "분", "일", "년", "개", "배", "회", "명", "주",
];

/// Numbers with a unit, not inside names such as `gp2`, `EC2` or `S3`.
pub(super) fn numbers_in(s: &str) -> Vec<(usize, String, String)> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev_ok = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.' || chars[i - 1] == '-');
        if c.is_ascii_digit() && prev_ok {
            let start = i;
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_digit()
                    || ((chars[j] == ',' || chars[j] == '.') && chars.get(j + 1).is_some_and(char::is_ascii_digit)))
            {
                j += 1;
            }
            let value: String = chars[start..j].iter().collect();
            let mut k = j;
            if chars.get(k) == Some(&' ') {
                k += 1;
            }
            let rest: String = chars[k..chars.len().min(k + 8)].iter().collect();
            if let Some(unit) = UNITS.iter().find(|u| rest.starts_with(**u)) {
                let after = chars.get(k + unit.chars().count());
                let ascii_unit = unit.chars().all(|c| c.is_ascii_alphabetic());
                let glued = ascii_unit && after.is_some_and(char::is_ascii_alphabetic);
                let year = *unit == "년" && value.parse::<f64>().is_ok_and(|v| v >= 1900.0);
                if !glued && !year {
                    out.push((start, value, (*unit).to_owned()));
                }
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

fn split_vs(s: &str) -> Option<(String, String)> {
    for sep in [" vs. ", " vs ", " VS. ", " VS ", " Vs "] {
        if let Some((a, b)) = s.split_once(sep) {
            let a = clean_term(a.rsplit(['(', ':', ']']).next().unwrap_or(a));
            let b = clean_term(b.split(['(', ':', '-']).next().unwrap_or(b));
            if is_term(&a) && is_term(&b) {
                return Some((a, b));
            }
        }
    }
    None
}

/// A table of contents repeats the headings as links; its lines are no facts.
fn is_table_of_contents(title: &str) -> bool {
    let t: String = title
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    matches!(t.as_str(), "목차" | "차례" | "tableofcontents" | "contents" | "toc")
}

/// Every fact in a note, section by section; tables of contents are skipped.
pub fn extract(o: &Outline) -> Facts {
    let mut f = Facts::default();
    for (si, sec) in o.sections.iter().enumerate() {
        if is_table_of_contents(&sec.title) {
            continue;
        }
        if let Some((a, b)) = split_vs(&sec.title) {
            f.comparisons.push((a, b, sec.line));
        }
        extract_section(&mut f, si, sec);
    }
    f
}

/// The facts of one section's blocks, then the enumeration its top-level
/// items make when most of them are terms.
fn extract_section(f: &mut Facts, si: usize, sec: &Section) {
    let blocks = &sec.blocks;
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); blocks.len()];
    for (bi, b) in blocks.iter().enumerate() {
        if let Some(p) = b.parent.filter(|&p| p < blocks.len()) {
            children[p].push(bi);
        }
    }
    // Heads of top-level items, for a section-wide enumeration.
    let mut top_heads: Vec<String> = Vec::new();
    let mut top_items = 0usize;
    for (bi, b) in blocks.iter().enumerate() {
        let place = |last: usize| Place {
            sec: si,
            parent: b.parent,
            line: b.line,
            last_line: last,
        };
        if b.kind == BlockKind::Row {
            row_definition(f, b, place(b.line));
            continue;
        }
        if let Some((a, c)) = split_vs(&b.text) {
            f.comparisons.push((a, c, b.line));
        }
        let def = split_definition(&b.text, b.bold.as_deref());
        if b.kind == BlockKind::Item && b.parent.is_none() {
            top_items += 1;
            let head = match &def {
                Some((t, _)) => Some(t.clone()),
                None => {
                    let t = clean_term(&b.text);
                    is_term(&t).then_some(t)
                }
            };
            if let Some(h) = head {
                top_heads.push(h);
            }
        }
        let kids = &children[bi];
        definitions(f, b, def, kids.is_empty(), place(b.line));
        if !kids.is_empty() {
            let last = kids.iter().map(|&k| blocks[k].line).max().unwrap_or(b.line);
            nested_facts(f, blocks, b, kids, place(last));
        }
        numeric_facts(f, b, place(b.line));
        statements(f, b, place(b.line));
    }
    if let Some(e) = section_enumeration(si, sec, top_heads, top_items) {
        f.enums.push(e);
    }
}

/// A two-column table row (not the header) as term and definition.
fn row_definition(f: &mut Facts, b: &Block, at: Place) {
    if !b.header && b.cells.len() == 2 {
        let term = clean_term(&b.cells[0]);
        let def = b.cells[1].trim().to_owned();
        if is_term(&term) && is_def(&def, &term) {
            f.defs.push(TermDef {
                term,
                def,
                at,
                from_sentence: false,
            });
        }
    }
}

/// The block's own definition (`split_definition`), or else, for a paragraph
/// or an item without children, "X는 …이다" sentences in it.
fn definitions(f: &mut Facts, b: &Block, def: Option<(String, String)>, leaf: bool, at: Place) {
    if let Some((term, d)) = def {
        f.defs.push(TermDef {
            term,
            def: d,
            at,
            from_sentence: false,
        });
    } else if b.kind == BlockKind::Para || (b.kind == BlockKind::Item && leaf) {
        for s in sentences(&b.text) {
            if let Some((term, d)) = sentence_definition(&s) {
                f.defs.push(TermDef {
                    term,
                    def: d,
                    at: at.clone(),
                    from_sentence: true,
                });
            }
        }
    }
}

/// What the children of an item say: facts under a term, and an enumeration
/// when most children are terms themselves.
fn nested_facts(f: &mut Facts, blocks: &[Block], b: &Block, kids: &[usize], at: Place) {
    let term = clean_term(&b.text);
    if is_term(&term) {
        let facts: Vec<(String, usize)> = kids
            .iter()
            .map(|&k| (blocks[k].text.clone(), blocks[k].line))
            .filter(|(t, _)| (6..=200).contains(&char_len(t)) && !t.contains("://") && !needs_context(t))
            .collect();
        if !facts.is_empty() {
            f.term_facts.push(TermFacts {
                term: term.clone(),
                facts,
                at: at.clone(),
            });
        }
    }
    let heads: Vec<String> = kids
        .iter()
        .filter_map(|&k| {
            let kb = &blocks[k];
            split_definition(&kb.text, kb.bold.as_deref())
                .map(|(t, _)| t)
                .or_else(|| Some(clean_term(&kb.text)).filter(|t| is_term(t)))
        })
        .collect();
    let name = clean_term(&b.text);
    if heads.len() >= 3 && heads.len() * 10 >= kids.len() * 7 && char_len(&name) <= 60 {
        f.enums.push(Enumeration {
            name,
            members: heads,
            at,
        });
    }
}

/// Every number with a unit in a block of reasonable length that stands on its own.
/// A long paragraph (prose notes) is taken sentence by sentence.
fn numeric_facts(f: &mut Facts, b: &Block, at: Place) {
    let parts = if char_len(&b.text) > 220 && b.kind == BlockKind::Para {
        sentences(&b.text)
    } else {
        vec![b.text.clone()]
    };
    for s in parts {
        let n = char_len(&s);
        if !(15..=220).contains(&n) || needs_context(&s) {
            continue;
        }
        for (start, value, unit) in numbers_in(&s) {
            f.numbers.push(Numeric {
                sentence: s.clone(),
                value,
                unit,
                start,
                at: at.clone(),
            });
        }
    }
}

/// The plain statements among a paragraph's or an item's sentences.
fn statements(f: &mut Facts, b: &Block, at: Place) {
    if b.kind == BlockKind::Para || b.kind == BlockKind::Item {
        for s in sentences(&b.text) {
            if is_statement(&s) {
                f.statements.push(Statement {
                    text: s,
                    at: at.clone(),
                });
            }
        }
    }
}

/// A sentence of 20–160 characters that is no question, holds no link, needs
/// no context, is no copied page title ("A | B | Amazon Web Services") and
/// no definition.
fn is_statement(s: &str) -> bool {
    let n = char_len(s);
    (20..=160).contains(&n)
        && !s.ends_with('?')
        && !s.contains("://")
        && !needs_context(s)
        && !s.contains(" | ")
        && split_definition(s, None).is_none()
}

/// The section's top-level item heads as an enumeration named after the
/// section (exam tags dropped), when at least three and 80 % of them are terms.
fn section_enumeration(si: usize, sec: &Section, top_heads: Vec<String>, top_items: usize) -> Option<Enumeration> {
    if !(top_heads.len() >= 3 && top_heads.len() * 10 >= top_items * 8 && sec.level > 0) {
        return None;
    }
    let (name, _) = clean_inline(&sec.title);
    let name = name
        .trim_start_matches(|c: char| c == '[' || c.is_ascii_uppercase() || c == '/' || c == ']')
        .trim()
        .to_owned();
    let name = if name.is_empty() { sec.title.clone() } else { name };
    let last = sec.blocks.last().map_or(sec.line, |b| b.line);
    Some(Enumeration {
        name,
        members: top_heads,
        at: Place {
            sec: si,
            parent: None,
            line: sec.line,
            last_line: last,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::outline::parse_text;
    use super::*;

    #[test]
    fn definitions_come_from_colons_dashes_bold_tables_and_sentences() {
        let o = parse_text(
            "n.txt",
            "\
## A
- gp3 : 범용 SSD 볼륨
- **st1** 처리량 최적화 HDD
- sc1 - 가장 저렴한 콜드 HDD
| 이름 | 설명 |
|--|--|
| io2 | 프로비저닝된 IOPS SSD |
EBS는 블록 스토리지 서비스이다.
",
        );
        let f = extract(&o);
        let defs: Vec<_> = f.defs.iter().map(|d| (d.term.as_str(), d.def.as_str())).collect();
        assert!(defs.contains(&("gp3", "범용 SSD 볼륨")), "{defs:?}");
        assert!(defs.contains(&("st1", "처리량 최적화 HDD")));
        assert!(defs.contains(&("sc1", "가장 저렴한 콜드 HDD")));
        assert!(defs.contains(&("io2", "프로비저닝된 IOPS SSD")));
        assert!(
            defs.contains(&("EBS", "블록 스토리지 서비스이다.")),
            "particle 는 is dropped: {defs:?}"
        );
    }

    #[test]
    fn numbers_skip_names_and_years() {
        let n: Vec<_> = numbers_in("gp2는 최대 16,000 IOPS, EC2 2023년 99.9% 30일 io2")
            .into_iter()
            .map(|x| (x.1, x.2))
            .collect();
        assert_eq!(
            n,
            vec![
                ("16,000".to_string(), "IOPS".to_string()),
                ("99.9".into(), "%".into()),
                ("30".into(), "일".into())
            ]
        );
    }

    #[test]
    fn enumerations_and_term_facts_come_from_nested_lists() {
        let o = parse_text(
            "n.txt",
            "## S\n- EBS 유형\n  - gp3\n  - io2\n  - st1\n- 범용 SSD (gp2)\n  - 최대 16,000 IOPS 제공\n",
        );
        let f = extract(&o);
        assert_eq!(f.enums[0].name, "EBS 유형");
        assert_eq!(f.enums[0].members, vec!["gp3", "io2", "st1"]);
        assert!(
            f.term_facts
                .iter()
                .any(|t| t.term == "범용 SSD (gp2)" && t.facts[0].0 == "최대 16,000 IOPS 제공")
        );
        assert_eq!(f.numbers.len(), 1);
    }
}
