//! Moodle HTML (and GIFT `[html]`) into the Markdown the bank stores, so
//! lists, tables, links and emphasis render as the author meant.
//!
//! ammonia (already our renderer's sanitiser) first reduces the input to a
//! small allow-list of tags with well-formed, quoted, entity-escaped output;
//! parsing is html5ever's, which decodes every named and numeric entity and
//! copes with the broken markup real quizzes hold. What is left is regular
//! enough for a linear tag scan to turn into Markdown, with no recursion.

use std::collections::HashSet;
use std::sync::LazyLock;

/// Longest HTML field converted; a bigger one is refused rather than parsed,
/// which bounds the work any one question can cause.
pub const MAX_HTML_BYTES: usize = 256 * 1024;

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "p",
        "div",
        "br",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "code",
        "pre",
        "sub",
        "sup",
        "ul",
        "ol",
        "li",
        "a",
        "img",
        "table",
        "thead",
        "tbody",
        "tr",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
    ]
    .into_iter()
    .collect();
    let mut b = ammonia::Builder::empty();
    b.tags(tags)
        .add_tag_attributes("a", ["href"])
        .add_tag_attributes("img", ["src", "alt"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(None)
        .clean_content_tags(["script", "style"].into_iter().collect());
    b
});

/// Markdown for `html`, and the images it referred to (which the bank cannot
/// hold: the caller warns about each).
pub fn to_markdown(html: &str) -> (String, Vec<String>) {
    let clean = CLEANER.clean(html).to_string();
    let mut w = Writer::default();
    let mut rest = clean.as_str();
    while let Some(lt) = rest.find('<') {
        w.text(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        w.tag(&rest[lt + 1..lt + gt]);
        rest = &rest[lt + gt + 1..];
    }
    w.text(rest);
    let images = std::mem::take(&mut w.images);
    (w.finish(), images)
}

/// Deepest element nesting converted. html5ever's tree builder is quadratic
/// in the nesting depth (a 250 KB field of nested `<div>`s takes a minute);
/// real question text nests a handful deep.
pub const MAX_HTML_DEPTH: usize = 200;

/// True when `html`'s elements nest no deeper than [`MAX_HTML_DEPTH`], by a
/// linear scan of its tags (void elements and `/>` do not open a level).
pub fn nesting_within_limit(html: &str) -> bool {
    const VOID: [&str; 8] = ["br", "img", "hr", "input", "meta", "link", "wbr", "col"];
    let mut depth = 0usize;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if let Some(closing) = tag.strip_prefix('/') {
            if closing.starts_with(|c: char| c.is_ascii_alphabetic()) {
                depth = depth.saturating_sub(1);
            }
        } else if tag.starts_with(|c: char| c.is_ascii_alphabetic()) && !tag.ends_with('/') {
            let name: String = tag
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            if !VOID.contains(&name.as_str()) {
                depth += 1;
                if depth > MAX_HTML_DEPTH {
                    return false;
                }
            }
        }
    }
    true
}

/// True when text in a format that allows HTML (GIFT without a marker, Moodle's
/// "moodle auto-format") holds tags, and so must be converted.
pub fn looks_like_html(s: &str) -> bool {
    const TAGS: [&str; 23] = [
        "p", "br", "b", "i", "strong", "em", "u", "ul", "ol", "li", "table", "img", "a", "code", "pre", "sub", "sup",
        "span", "div", "h1", "h2", "h3", "hr",
    ];
    if s.contains("&nbsp;") {
        return true;
    }
    // A known tag name ending where a tag's name ends: `<link>` or `<a>` in
    // a question about HTML is text, `<li>` and `<a href=…>` are markup.
    s.match_indices('<').any(|(i, _)| {
        let rest = s[i + 1..].strip_prefix('/').unwrap_or(&s[i + 1..]);
        let name_len = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
        let after = rest[name_len..].chars().next();
        let name = rest[..name_len].to_ascii_lowercase();
        let is_tag = matches!(after, Some(' ' | '/' | '\n')) || (after == Some('>') && name != "a");
        is_tag && TAGS.contains(&name.as_str())
    })
}

#[derive(Default)]
struct Writer {
    out: String,
    /// Open lists: None for bullets, Some(n) for the next number.
    lists: Vec<Option<u32>>,
    /// Targets of the links being written.
    links: Vec<Option<String>>,
    pre: bool,
    /// Cells in the first row of the current table, for its separator row.
    row_cells: usize,
    rows: usize,
    images: Vec<String>,
}

fn entity_decoded(s: &str) -> String {
    s.replace("&nbsp;", "\u{a0}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')?;
    Some(entity_decoded(&tag[start..start + end]))
}

impl Writer {
    fn text(&mut self, raw: &str) {
        let text = entity_decoded(raw);
        if self.pre {
            self.out.push_str(&text);
            return;
        }
        for c in text.chars() {
            if c.is_whitespace() {
                if !self.out.is_empty() && !self.out.ends_with([' ', '\n']) {
                    self.out.push(' ');
                }
                continue;
            }
            // Markdown would read these as markup; a backslash before a
            // letter (`$$\alpha$$`) is not an escape and stays as it is.
            if matches!(c, '*' | '_' | '`' | '[' | ']' | '<' | '|') {
                self.out.push('\\');
            }
            self.out.push(c);
        }
    }

    fn block(&mut self) {
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push_str(if self.out.ends_with('\n') { "\n" } else { "\n\n" });
        }
    }

    fn line(&mut self) {
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn tag(&mut self, tag: &str) {
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        match (name.as_str(), closing) {
            ("p" | "div" | "blockquote", _) => self.block(),
            ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", false) => {
                self.block();
                self.out.push_str("**");
            }
            ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", true) => {
                self.out.push_str("**");
                self.block();
            }
            ("br", _) => self.out.push_str("  \n"),
            ("b" | "strong", _) => self.out.push_str("**"),
            ("i" | "em", _) => self.out.push('*'),
            ("code", _) if !self.pre => self.out.push('`'),
            ("pre", false) => {
                self.block();
                self.out.push_str("```\n");
                self.pre = true;
            }
            ("pre", true) => {
                self.pre = false;
                self.line();
                self.out.push_str("```");
                self.block();
            }
            ("ul", false) => {
                self.line();
                self.lists.push(None);
            }
            ("ol", false) => {
                self.line();
                self.lists.push(Some(1));
            }
            ("ul" | "ol", true) => {
                self.lists.pop();
                self.block();
            }
            ("li", false) => {
                self.line();
                let depth = self.lists.len().saturating_sub(1);
                self.out.push_str(&"   ".repeat(depth));
                match self.lists.last_mut() {
                    Some(Some(n)) => {
                        self.out.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => self.out.push_str("- "),
                }
            }
            ("a", false) => {
                let href = attr(tag, "href").filter(|h| !h.is_empty());
                if href.is_some() {
                    self.out.push('[');
                }
                self.links.push(href);
            }
            ("a", true) => {
                if let Some(Some(href)) = self.links.pop() {
                    self.out
                        .push_str(&format!("]({})", href.replace(' ', "%20").replace(')', "%29")));
                }
            }
            ("img", _) => {
                let src = attr(tag, "src").unwrap_or_default();
                let alt = attr(tag, "alt").unwrap_or_default();
                if !alt.trim().is_empty() {
                    self.text(&format!("[{}]", alt.trim()));
                }
                // The sanitiser drops a `data:` source (an image embedded in
                // the text itself); the warning still has to name the image.
                self.images.push(match (src.is_empty(), alt.trim()) {
                    (false, _) => src,
                    (true, "") => "embedded in the text".to_owned(),
                    (true, alt) => format!("embedded in the text, “{alt}”"),
                });
            }
            ("table", false) => {
                self.block();
                self.rows = 0;
            }
            ("table", true) => self.block(),
            ("tr", false) => {
                self.line();
                self.out.push('|');
                if self.rows == 0 {
                    self.row_cells = 0;
                }
            }
            ("tr", true) => {
                if self.rows == 0 {
                    self.out.push('\n');
                    self.out.push_str(&"|---".repeat(self.row_cells.max(1)));
                    self.out.push('|');
                }
                self.rows += 1;
                self.line();
            }
            ("td" | "th", false) => self.out.push(' '),
            ("td" | "th", true) => {
                self.out.push_str(" |");
                if self.rows == 0 {
                    self.row_cells += 1;
                }
            }
            _ => {}
        }
    }

    fn finish(self) -> String {
        self.out
            .split('\n')
            .map(|l| l.trim_end_matches([' ', '\u{a0}']))
            .collect::<Vec<_>>()
            .join("\n")
            .replace("  \n", "\n")
            .trim()
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_tables_links_emphasis_and_entities_survive() {
        let (md, images) = to_markdown(
            "<p>Caf&eacute; &#8217;s <b>bold</b> <a href=\"https://example.com/x\">link</a></p>\
             <ul><li>one</li><li>two</li></ul><table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>\
             <img src=\"@@PLUGINFILE@@/cat.png\" alt=\"cat\"><script>alert(1)</script>",
        );
        assert_eq!(
            md,
            "Café ’s **bold** [link](https://example.com/x)\n\n- one\n- two\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n\\[cat\\]"
        );
        assert_eq!(images, vec!["@@PLUGINFILE@@/cat.png"]);
    }

    #[test]
    fn latex_backslashes_stay_and_markup_characters_are_escaped() {
        assert_eq!(to_markdown("<p>$$\\alpha$$ 2*3</p>").0, "$$\\alpha$$ 2\\*3");
        assert!(looks_like_html("a<br>b") && !looks_like_html("a < b"));
    }

    #[test]
    fn deep_nesting_is_measured_without_parsing() {
        let deep = |n: usize| format!("{}x{}", "<div>".repeat(n), "</div>".repeat(n));
        assert!(nesting_within_limit(&deep(MAX_HTML_DEPTH)));
        assert!(!nesting_within_limit(&deep(MAX_HTML_DEPTH + 1)));
        let flat = "<p>a<br>b<img src=x></p>".repeat(10_000);
        assert!(nesting_within_limit(&flat));
    }
}
