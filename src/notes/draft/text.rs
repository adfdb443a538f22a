//! Text helpers for notes: inline-Markdown stripping, Korean particles,
//! normalisation and sentence splitting. Everything works on `char`s, never
//! on byte offsets into Korean text.

/// Particles that follow a term in Korean (`EBS는`, `S3를`, `VPC에서`), longest first.
const PARTICLES: &[&str] = &[
    "에서는",
    "으로는",
    "에게는",
    "이라는",
    "이라고",
    "에서",
    "으로",
    "에게",
    "까지",
    "부터",
    "처럼",
    "보다",
    "이나",
    "이라",
    "라는",
    "라고",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "의",
    "에",
    "로",
    "와",
    "과",
    "도",
    "만",
    "나",
];

/// Strips one trailing particle from a word that ends in one after a Latin
/// letter, a digit or a closing bracket (`EBS는` → `EBS`, `S3를` → `S3`,
/// `(gp2)는` → `(gp2)`). Korean words are left alone: `버킷은` could be a noun.
pub fn strip_particle(word: &str) -> &str {
    for p in PARTICLES {
        if let Some(stem) = word.strip_suffix(p).filter(|stem| {
            stem.chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, ')' | ']' | '"' | '\''))
        }) {
            return stem;
        }
    }
    word
}

/// Letters and digits only, lower-cased, with particles dropped after Latin
/// terms, so "EBS는", "ebs" and "**EBS**" compare equal.
pub fn norm(s: &str) -> String {
    s.split_whitespace()
        .map(|w| w.chars().filter(|c| c.is_alphanumeric()).collect::<String>())
        .map(|w| strip_particle(&w).to_owned())
        .flat_map(|w| w.chars().flat_map(char::to_lowercase).collect::<Vec<_>>())
        .collect()
}

pub fn has_hangul(s: &str) -> bool {
    s.chars()
        .any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3131}'..='\u{318E}').contains(&c))
}

pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Removes inline Markdown: emphasis markers, code ticks, links (keeping
/// their text), images, HTML tags and leading decoration (emoji, arrows).
/// Also returns the first bold span, which often names the term a line defines.
pub fn clean_inline(s: &str) -> (String, Option<String>) {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut bold: Option<String> = None;
    let mut bold_start: Option<usize> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if (c == '*' || c == '_') && next == Some(c) {
            // `**` or `__`: toggles bold.
            match bold_start {
                None => bold_start = Some(out.chars().count()),
                Some(start) => {
                    if bold.is_none() {
                        let span: String = out.chars().skip(start).collect();
                        let span = span.trim().to_owned();
                        if !span.is_empty() {
                            bold = Some(span);
                        }
                    }
                    bold_start = None;
                }
            }
            i += 2;
            continue;
        }
        if c == '`' {
            i += 1;
            continue;
        }
        if c == '!' && next == Some('[') {
            i += 1;
            continue;
        }
        // [text](url) → text
        if c == '['
            && let Some(close) = chars[i + 1..].iter().position(|&x| x == ']').map(|p| i + 1 + p)
            && chars.get(close + 1) == Some(&'(')
            && let Some(end) = chars[close + 2..].iter().position(|&x| x == ')')
        {
            out.extend(&chars[i + 1..close]);
            i = close + 2 + end + 1;
            continue;
        }
        if c == '<'
            && let Some(end) = chars[i + 1..].iter().take(200).position(|&x| x == '>')
            && chars.get(i + 1).is_some_and(|x| x.is_ascii_alphabetic() || *x == '/')
        {
            i += end + 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    let trimmed = out
        .trim_start_matches(|c: char| !(c.is_alphanumeric() || matches!(c, '(' | '[' | '"' | '\'' | '.')))
        .trim()
        .to_owned();
    // Collapse runs of whitespace.
    let collapsed = trimmed.split_whitespace().collect::<Vec<_>>().join(" ");
    (collapsed, bold)
}

/// Splits prose into sentences at `.`, `?`, `!` or `다.`-style endings
/// followed by whitespace; keeps the terminator.
pub fn sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        cur.push(c);
        let end = matches!(c, '.' | '?' | '!' | '。')
            && chars.get(i + 1).is_none_or(|n| n.is_whitespace())
            // "1.5", "e.g." and "I3." style abbreviations keep going.
            && !chars.get(i.wrapping_sub(1)).is_some_and(|p| p.is_ascii_digit() && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit()));
        if end {
            let s = cur.trim().to_owned();
            if !s.is_empty() {
                out.push(s);
            }
            cur.clear();
        }
    }
    let s = cur.trim().to_owned();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn particles_after_latin_terms_are_dropped() {
        assert_eq!(strip_particle("EBS는"), "EBS");
        assert_eq!(strip_particle("S3를"), "S3");
        assert_eq!(strip_particle("VPC에서"), "VPC");
        assert_eq!(strip_particle("(gp2)는"), "(gp2)");
        assert_eq!(strip_particle("버킷은"), "버킷은", "a Korean word keeps its ending");
        assert_eq!(norm("**EBS는** 블록"), norm("ebs 블록"));
    }

    #[test]
    fn inline_markdown_is_removed_and_bold_found() {
        let (t, b) = clean_inline("- **EBS** : 영구 [블록](https://x) `스토리지`");
        assert_eq!(t, "EBS : 영구 블록 스토리지");
        assert_eq!(b.as_deref(), Some("EBS"));
        let (t, _) = clean_inline("🔎 Amazon <b>Cloud</b> Front");
        assert_eq!(t, "Amazon Cloud Front");
    }

    #[test]
    fn sentences_split_on_endings_not_decimals() {
        let s = sentences("가격은 1.5배이다. 두 번째 문장! 세 번째");
        assert_eq!(s, vec!["가격은 1.5배이다.", "두 번째 문장!", "세 번째"]);
    }
}
