//! Markdown from banks, rendered for pages. Raw HTML in the source is shown as
//! text, and the output goes through ammonia as well, so neither a `<script>`,
//! an event-handler attribute nor a `javascript:` link survives.

use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, html};

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
    html::push_html(&mut out, parser);
    CLEANER.clean(&out).to_string()
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
