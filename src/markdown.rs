//! Markdown from banks, rendered for pages. Raw HTML in the source is shown as
//! text, and the output goes through ammonia as well, so neither a `<script>`,
//! an event-handler attribute nor a `javascript:` link survives.
//!
//! CommonMark's flanking rules were written for languages that put spaces
//! around words: `**S3 Analytics)**는` or `**"정답"**을` leave literal
//! asterisks, because the closing run sits between punctuation and a Hangul
//! syllable. Korean writes particles straight after the bold word, so after
//! parsing we pair the `**` runs CommonMark left as text ourselves.

use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"));
    b
});

/// Renders Markdown to sanitised HTML, safe to embed with `|safe`.
pub fn render(md: &str) -> String {
    let parser = Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|e| match e {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, pair_leftover_strong(parser).into_iter());
    CLEANER.clean(&out).to_string()
}

/// Turns every pair of `**` runs that CommonMark left as text into strong
/// emphasis. A pair may enclose code spans (`**`CancelKeyDeletion`**으로`),
/// but never crosses a block boundary; an unpaired run stays literal.
fn pair_leftover_strong<'a>(events: impl Iterator<Item = Event<'a>>) -> Vec<Event<'a>> {
    let mut out: Vec<Event<'a>> = Vec::new();
    let mut open: Option<usize> = None;
    let mut text = String::new();
    let push_text = |text: &mut String, out: &mut Vec<Event<'a>>, open: &mut Option<usize>| {
        let mut rest = text.as_str();
        // `find` returns the index of an ASCII run, always a char boundary.
        while let Some(at) = rest.find("**") {
            if at > 0 {
                out.push(Event::Text(CowStr::from(rest[..at].to_owned())));
            }
            match open.take() {
                // Something between the two runs: emphasis.
                Some(i) if i + 1 < out.len() => {
                    out[i] = Event::Start(Tag::Strong);
                    out.push(Event::End(TagEnd::Strong));
                }
                // Nothing between them (`****`): the first stays literal.
                Some(_) | None => {
                    *open = Some(out.len());
                    out.push(Event::Text(CowStr::Borrowed("**")));
                }
            }
            rest = &rest[at + 2..];
        }
        if !rest.is_empty() {
            out.push(Event::Text(CowStr::from(rest.to_owned())));
        }
        text.clear();
    };
    for e in events {
        match e {
            Event::Text(t) => text.push_str(&t),
            other => {
                push_text(&mut text, &mut out, &mut open);
                let block_edge = match &other {
                    Event::Start(tag) => !is_inline(tag),
                    Event::End(end) => !is_inline_end(end),
                    Event::SoftBreak | Event::Code(_) | Event::InlineMath(_) => false,
                    _ => true,
                };
                if block_edge {
                    open = None;
                }
                out.push(other);
            }
        }
    }
    push_text(&mut text, &mut out, &mut open);
    out
}

fn is_inline(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Image { .. }
    )
}

fn is_inline_end(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link | TagEnd::Image
    )
}

/// The text a reader sees, with tags dropped: used to prove that no literal
/// Markdown markup is left on a page.
pub fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut in_code = 0usize;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                if tag.starts_with("code") || tag.starts_with("pre") {
                    in_code += 1;
                } else if tag.starts_with("/code") || tag.starts_with("/pre") {
                    in_code = in_code.saturating_sub(1);
                }
            }
            (true, c) => tag.push(c),
            (false, c) if in_code == 0 => out.push(c),
            (false, _) => {}
        }
    }
    out
}

/// Markdown markup that rendering left as literal characters (outside code).
pub fn leftover_markup(md: &str) -> Option<&'static str> {
    let text = visible_text(&render(md));
    ["**", "__"].into_iter().find(|m| text.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(h: &str) -> Vec<&str> {
        h.split('<').skip(1).filter_map(|rest| rest.split('>').next()).collect()
    }

    #[test]
    fn markdown_renders() {
        let h = render("**S3** `gp3`\n\n- 하나\n- 둘");
        assert!(
            h.contains("<strong>S3</strong>") && h.contains("<code>gp3</code>") && h.contains("<li>하나</li>"),
            "{h}"
        );
    }

    #[test]
    fn bold_next_to_korean_and_punctuation_renders() {
        for md in [
            "**S3 Analytics)**는 보고서를 만듭니다",
            "**\"정답\"**을 고르세요",
            "(**Storage Class Analysis**)를 켭니다",
            "**12시간 이내**에 꺼내야 합니다",
            "앞 **하나.**뒤 **둘**",
        ] {
            let h = render(md);
            assert!(h.contains("<strong>"), "{md} → {h}");
            assert_eq!(leftover_markup(md), None, "{md} → {h}");
        }
        let h = render("**`CancelKeyDeletion`**으로 취소하고 **`EnableKey`**로 켭니다");
        assert!(h.contains("<strong><code>CancelKeyDeletion</code></strong>으로"), "{h}");
        assert_eq!(leftover_markup("**`CancelKeyDeletion`**으로"), None);
        // Asterisks inside code stay literal and are not a rendering fault.
        assert!(render("`a**b**c`").contains("<code>a**b**c</code>"));
        assert_eq!(leftover_markup("`**`"), None);
        // A lone run has no partner and is reported.
        assert_eq!(leftover_markup("별표 ** 하나"), Some("**"));
    }

    #[test]
    fn hostile_input_is_inert() {
        for evil in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<iframe src=//evil></iframe>",
            "<div onclick=\"alert(1)\">raw</div>",
        ] {
            let h = render(evil);
            // Text may mention anything; what matters is what ends up inside real tags.
            for tag in tags(&h) {
                let t = tag.to_lowercase();
                assert!(
                    !t.starts_with("script") && !t.starts_with("iframe") && !t.starts_with("img"),
                    "{evil} → {h}"
                );
                assert!(!t.contains(" on") && !t.contains("javascript:"), "{evil} → {h}");
            }
        }
        // Raw HTML is shown as text, escaped.
        assert!(render("<b>x</b>").contains("&lt;b&gt;x&lt;/b&gt;"));
    }
}
