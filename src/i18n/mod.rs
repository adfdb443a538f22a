//! UI languages. Korean is the fallback. Messages live in `ko.toml`/`en.toml`,
//! one flat key space; a unit test keeps the two catalogs in step.

use std::collections::HashMap;
use std::future::Future;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ko,
    En,
}

fn parse_catalog(name: &str, text: &str) -> HashMap<String, String> {
    match toml::from_str(text) {
        Ok(map) => map,
        Err(e) => {
            // Guarded by the catalog tests; an empty catalog shows keys instead of panicking.
            tracing::error!(catalog = name, error = %e, "i18n catalog does not parse");
            HashMap::new()
        }
    }
}

static KO: LazyLock<HashMap<String, String>> = LazyLock::new(|| parse_catalog("ko", include_str!("ko.toml")));
static EN: LazyLock<HashMap<String, String>> = LazyLock::new(|| parse_catalog("en", include_str!("en.toml")));

tokio::task_local! {
    static CURRENT: Lang;
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "ko" => Some(Lang::Ko),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language to offer in the switcher.
    pub fn other(self) -> Lang {
        match self {
            Lang::Ko => Lang::En,
            Lang::En => Lang::Ko,
        }
    }

    /// The language's own name, for the switcher button.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Ko => "한국어",
            Lang::En => "English",
        }
    }

    /// Picks the best supported language from an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut prefs: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok()))
                    .unwrap_or(1.0);
                let primary = tag.split('-').next()?.to_ascii_lowercase();
                Lang::from_code(&primary).filter(|_| q > 0.0).map(|l| (q, l))
            })
            .collect();
        // Stable sort keeps header order among equal weights.
        prefs.sort_by(|a, b| b.0.total_cmp(&a.0));
        prefs.first().map(|&(_, l)| l)
    }

    fn catalog(self) -> &'static HashMap<String, String> {
        match self {
            Lang::Ko => &KO,
            Lang::En => &EN,
        }
    }

    /// The message for `key`; a missing key shows the key itself and is logged.
    pub fn t(self, key: &str) -> &'static str {
        if let Some(s) = self.catalog().get(key) {
            return s;
        }
        tracing::warn!(key, lang = self.code(), "missing translation");
        match KO.get_key_value(key) {
            Some((k, _)) => k,
            None => "?",
        }
    }

    /// The language of the request being handled (set by the language middleware).
    pub fn current() -> Lang {
        CURRENT.try_with(|l| *l).unwrap_or_default()
    }

    /// Runs `f` with `self` as the current language.
    pub async fn scope<F: Future>(self, f: F) -> F::Output {
        CURRENT.scope(self, f).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_parse_and_have_the_same_keys() {
        let ko: std::collections::BTreeSet<_> = KO.keys().collect();
        let en: std::collections::BTreeSet<_> = EN.keys().collect();
        assert!(ko.len() > 50, "ko catalog looks empty");
        let only_ko: Vec<_> = ko.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ko).collect();
        assert!(
            only_ko.is_empty() && only_en.is_empty(),
            "only ko: {only_ko:?}; only en: {only_en:?}"
        );
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut missing = Vec::new();
        let mut files = Vec::new();
        for dir in ["templates", "src"] {
            collect(&std::path::Path::new(root).join(dir), &mut files);
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for (i, _) in text.match_indices("t(\"") {
                // `ctx.t("…")`, not `parse_text("…")`.
                if text[..i]
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
                {
                    continue;
                }
                let rest = &text[i + 3..];
                if let Some(end) = rest.find('"') {
                    let key = &rest[..end];
                    if key.contains('.') && !KO.contains_key(key) {
                        missing.push(format!("{}: {key}", f.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys without a translation: {missing:#?}");
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                collect(&p, out);
            } else if p.extension().is_some_and(|x| x == "html" || x == "rs") {
                out.push(p);
            }
        }
    }

    #[test]
    fn accept_language_prefers_highest_weight_supported_tag() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,ko;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr-FR, ko;q=0.5, en;q=0.4"), Some(Lang::Ko));
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(Lang::from_accept_language("en;q=0, ko;q=0.1"), Some(Lang::Ko));
    }

    #[test]
    fn unknown_key_falls_back_without_panicking() {
        let key = "no.such.key";
        assert_eq!(Lang::En.t(key), "?");
    }
}
