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

/// Whether `s` is one of the particles (or a particle and 는/도: "에서는").
pub fn is_particle(s: &str) -> bool {
    PARTICLES.contains(&s)
        || [
            "이다",
            "입니다",
            "이며",
            "이고",
            "와는",
            "과는",
            "로는",
            "에는",
            "만의",
            "들",
        ]
        .contains(&s)
}

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

/// The first `n` characters of `s`, with `…` when some were cut.
pub fn cut(s: &str, n: usize) -> String {
    if char_len(s) <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
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
            && let Some(close) = chars[i + 1..]
                .iter()
                .take(500)
                .position(|&x| x == ']')
                .map(|p| i + 1 + p)
            && chars.get(close + 1) == Some(&'(')
            && let Some(end) = chars[close + 2..].iter().take(2000).position(|&x| x == ')')
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
        // "1.5", "e.g." and "I3." style abbreviations keep going.
        let abbreviation = chars
            .get(i.wrapping_sub(1))
            .is_some_and(|p| p.is_ascii_digit() && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit()));
        let end =
            matches!(c, '.' | '?' | '!' | '。') && chars.get(i + 1).is_none_or(|n| n.is_whitespace()) && !abbreviation;
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

/// Words that open a sentence which leans on the one before it ("이는 …",
/// "These …"): shown alone in a question, such a sentence means nothing.
const CONTEXT_OPENERS: &[&str] = &[
    "이는",
    "이것은",
    "이것이",
    "이것을",
    "이러한",
    "이런",
    "이를",
    "이에",
    "이와",
    "이렇게",
    "그",
    "그것은",
    "그것이",
    "그러나",
    "그리고",
    "그래서",
    "그러면",
    "그런",
    "그런데",
    "하지만",
    "또한",
    "또",
    "따라서",
    "즉",
    "반면",
    "반면에",
    "아래",
    "아래와",
    "아래의",
    "다음",
    "다음과",
    "다음의",
    "위",
    "위와",
    "위의",
    "앞서",
    "앞의",
    "여기서",
    "여기에",
    "첫째",
    "둘째",
    "셋째",
    "첫번째",
    "첫번째로",
    "두번째",
    "두번째로",
    "세번째",
    "세번째로",
    "마지막으로",
    "예를들어",
    "하며",
    "하고",
    "하여",
    "해서",
    "되며",
    "되고",
    "하는",
    "한다",
    "되는",
    "된다",
    "this",
    "these",
    "that",
    "those",
    "it",
    "its",
    "they",
    "them",
    "also",
    "however",
    "so",
    "then",
    "below",
    "above",
    "here",
    "there",
    "such",
];
const CONTEXT_PHRASES: &[&str] = &[
    "첫 번째",
    "두 번째",
    "세 번째",
    "예를 들어",
    "예를 들면",
    "the following",
    "as follows",
    "for example",
];

/// Whether a sentence needs the text around it to make sense: it opens with
/// a pointer back or forward, or it only introduces what follows.
pub fn needs_context(s: &str) -> bool {
    let t = s.trim();
    let low = t.to_lowercase();
    let first: String = low
        .split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let first_word = t.split_whitespace().next().unwrap_or("");
    // "두번째는", "첫번째로는": the opener with a particle on it.
    let opener = ["로는", "는", "은", "로"]
        .iter()
        .find_map(|p| first.strip_suffix(p).filter(|w| CONTEXT_OPENERS.contains(w)))
        .is_some();
    // A line that starts with a bare particle lost its subject ("는 …").
    let lost_subject = PARTICLES.contains(&first_word);
    opener
        || CONTEXT_OPENERS.contains(&first.as_str())
        || CONTEXT_PHRASES.iter().any(|p| low.starts_with(p))
        || lost_subject
        || t.ends_with([':', '：'])
        || low.contains("다음과 같")
        || low.contains("아래와 같")
        || is_narration(t)
}

/// The note-taker talking rather than a fact: "…을 알아보자", "기억하자",
/// "알아야 할 것이 있다", "몇 가지 문제가 있다", or an aside in brackets.
fn is_narration(t: &str) -> bool {
    let body = t.trim_end_matches(['.', '!', ' ']);
    let words = body.split_whitespace().count();
    let says_little = words <= 4 && body.ends_with("있다") && !body.chars().any(|c| c.is_ascii_alphanumeric());
    says_little
        || (body.starts_with('(') && body.ends_with(')'))
        || body.ends_with("보자")
        || body.ends_with("하자")
        || body.ends_with("기억하자")
        || [
            "알아야 할 것",
            "알아야 할 내용",
            "살펴볼 것",
            "짚고 넘어가",
            "강의이다",
            "강의에서",
            "이번 강의",
            "this lecture",
        ]
        .iter()
        .any(|p| t.contains(p))
}

/// Endings that leave a fragment, not a noun, when 은/는 is cut off a Korean
/// word: adjective and verb stems (`많은` → `많`, `같은` → `같`, `하는` → `하`)
/// and particles that stack before 은/는 (`에서는`, `에는`, `와는`).
const NOT_NOUN_END: &[char] = &[
    '하', '되', '있', '없', '같', '많', '높', '낮', '작', '좋', '넓', '짧', '않', '서', '에', '와', '과', '게', '로',
    '또',
];

/// Whether a word is a plain noun phrase part: not a Latin term carrying a
/// particle (`Lambda와`) and not a Korean word in an adnominal or particle form
/// (`관련된`, `사용하는`, `VPC의`).
pub fn is_bare_word(w: &str) -> bool {
    if strip_particle(w) != w {
        return false;
    }
    match w.chars().last() {
        Some(c) if has_hangul(&c.to_string()) => {
            !NOT_NOUN_END.contains(&c)
                && !matches!(
                    c,
                    '된' | '한' | '할' | '될' | '는' | '던' | '의' | '를' | '을' | '면' | '며' | '인'
                )
        }
        _ => true,
    }
}

/// Whether the word left after cutting 은/는 can end a noun phrase.
pub fn is_noun_stem(stem: &str) -> bool {
    match stem.chars().last() {
        Some(c) if has_hangul(&c.to_string()) => !NOT_NOUN_END.contains(&c),
        Some(_) => true,
        None => false,
    }
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

    #[test]
    fn sentences_that_lean_on_their_neighbours_are_recognised() {
        assert!(needs_context("이는 더 높은 대역폭을 제공한다."));
        assert!(needs_context("두 번째로는 Legacy 인터페이스가 있다."));
        assert!(needs_context("첫번째는 프리픽스마다 초당 3,500회의 PUT을 얻는다."));
        assert!(needs_context("아래와 같은 메트릭을 수집한다."));
        assert!(needs_context("These limits apply per Region."));
        assert!(needs_context("주요 기능은 다음과 같다:"));
        assert!(!needs_context("그룹 정책은 계정 단위로 적용된다."), "그룹 is not 그");
        assert!(!needs_context("EBS 볼륨은 하나의 AZ에 묶인다."));
        assert!(needs_context("Parameter Store와 Secrets Manager의 차이를 알아보자"));
        assert!(needs_context("무조건 알아야 할 것이 있다."));
        assert!(needs_context("몇 가지 문제가 있다."));
        assert!(needs_context("(시험에 자주 등장하는 문제)"));
        assert!(!needs_context("S3 버킷에는 버전 관리 기능이 있다."));
        assert!(needs_context("는 속성을 가져오는 데 사용된다."));
    }

    #[test]
    fn fragments_are_not_nouns() {
        assert!(!is_noun_stem("많"));
        assert!(!is_noun_stem("Designer에서"));
        assert!(!is_noun_stem("ALB 또"), "또는 is a conjunction");
        assert!(is_noun_stem("이미지"));
        assert!(is_noun_stem("EBS"));
        assert!(!is_bare_word("Lambda와"));
        assert!(!is_bare_word("관련된"));
        assert!(is_bare_word("컨테이너"));
        assert!(is_bare_word("Amazon"));
    }
}
