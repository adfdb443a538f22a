//! Entity linking against the AWS service catalog
//! (`question_bank/catalog/aws-services.toml`, see docs/service-catalog.md).
//!
//! Every alias is matched at once by one Aho-Corasick automaton over a
//! normalised copy of the text (lower case, no spaces, hyphens or
//! underscores), so finding the services a note names takes time linear in
//! the note. A match counts only on word boundaries of the original text,
//! where a Korean particle may follow the name (`S3를`, `보안 그룹은`). Typos
//! the catalog lists as aliases ("Amazoe Glacier") are corrected to the
//! canonical name; whole terms also get a small edit-distance match against
//! long names, never a part of a word.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Deserialize;

use super::text::is_particle;

/// The catalog shipped with the source; the generator links against it.
const SHIPPED: &str = include_str!("../../../question_bank/catalog/aws-services.toml");

#[derive(Deserialize)]
struct RawCatalog {
    service: Vec<RawEntry>,
}

#[derive(Deserialize)]
struct RawEntry {
    id: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    category: String,
    subcategory: String,
    parent: Option<String>,
    ko: String,
    en: String,
    #[serde(default)]
    numbers: Vec<CatalogNumber>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CatalogNumber {
    pub what: String,
    pub value: String,
    pub unit: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Entity {
    pub id: String,
    pub name: String,
    pub category: String,
    pub subcategory: String,
    pub parent: Option<usize>,
    pub ko: String,
    pub en: String,
    pub numbers: Vec<CatalogNumber>,
}

/// One alias as a pattern of the automaton.
struct Pattern {
    entity: usize,
    /// Letters only, as written: short all-Latin aliases ("RI", "SG") must
    /// match with this case, since "ri" or "sg" inside prose is no name.
    exact: Option<Vec<char>>,
    /// For a misspelling the catalog lists ("Amazoe Glacier"), the right
    /// spelling it is near ("Amazon Glacier"): corrected in drafts.
    typo: Option<String>,
}

pub struct Catalog {
    pub entities: Vec<Entity>,
    matcher: AhoCorasick,
    patterns: Vec<Pattern>,
    /// Normalised alias → entity, for whole terms.
    by_key: HashMap<String, usize>,
    /// Long Latin aliases by normalised length, for typo matching of terms.
    long_keys: HashMap<usize, Vec<(Vec<char>, usize)>>,
    children: Vec<Vec<usize>>,
}

/// A name found in a text: the entity and its char span in the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    pub entity: usize,
    pub start: usize,
    pub end: usize,
    pub typo: bool,
    pattern: usize,
}

/// The form aliases and text are compared in: lower case, with spaces,
/// hyphens and underscores dropped ("Standard-IA" = "standard ia").
fn skip(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '_' | '‐' | '–' | '—')
}

pub fn key(s: &str) -> String {
    s.chars().filter(|&c| !skip(c)).flat_map(char::to_lowercase).collect()
}

fn latin(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_alphabetic()) && !super::text::has_hangul(s)
}

/// Levenshtein distance, one row at a time, giving up above `max`.
fn within(a: &[char], b: &[char], max: usize) -> bool {
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        if cur.iter().min().is_some_and(|&m| m > max) {
            return false;
        }
        prev = cur;
    }
    prev[b.len()] <= max
}

fn digits(v: &[char]) -> Vec<char> {
    v.iter().filter(|c| c.is_ascii_digit()).copied().collect()
}

impl Catalog {
    /// Reads a catalog file; a missing or malformed file is a clear error.
    pub fn load(path: &std::path::Path) -> Result<Catalog, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("the service catalog {} cannot be read: {e}", path.display()))?;
        Catalog::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Catalog, String> {
        let raw: RawCatalog = toml::from_str(text).map_err(|e| format!("not a service catalog: {e}"))?;
        let index: HashMap<&str, usize> = raw
            .service
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        let mut entities = Vec::new();
        let mut children = vec![Vec::new(); raw.service.len()];
        let mut alias_texts: Vec<(String, usize)> = Vec::new();
        for (i, e) in raw.service.iter().enumerate() {
            let parent = e.parent.as_deref().and_then(|p| index.get(p).copied());
            if let Some(p) = parent {
                children[p].push(i);
            }
            alias_texts.push((e.name.clone(), i));
            alias_texts.extend(e.aliases.iter().map(|a| (a.clone(), i)));
            entities.push(Entity {
                id: e.id.clone(),
                name: e.name.clone(),
                category: e.category.clone(),
                subcategory: e.subcategory.clone(),
                parent,
                ko: e.ko.clone(),
                en: e.en.clone(),
                numbers: e.numbers.clone(),
            });
        }
        let mut by_key: HashMap<String, usize> = HashMap::new();
        let mut keys = Vec::new();
        let mut patterns = Vec::new();
        let mut long_keys: HashMap<usize, Vec<(Vec<char>, usize)>> = HashMap::new();
        for (alias, i) in &alias_texts {
            let k = key(alias);
            if k.is_empty() || by_key.contains_key(&k) {
                continue;
            }
            by_key.insert(k.clone(), *i);
            let letters: Vec<char> = alias.chars().filter(|&c| !skip(c)).collect();
            let exact = (letters.len() <= 2 && letters.iter().all(char::is_ascii_alphabetic)).then_some(letters);
            let chars: Vec<char> = k.chars().collect();
            // A Latin alias one or two edits from another name of the same
            // entity, and not that name with a word added ("Glacier Instant
            // Retrieval" beside "S3 Glacier Instant Retrieval"), is a
            // misspelling the catalog lists so that it can be fixed.
            let typo = if latin(alias) && chars.len() >= 8 && *alias != raw.service[*i].name {
                std::iter::once(&raw.service[*i].name)
                    .chain(&raw.service[*i].aliases)
                    .filter(|o| *o != alias)
                    .find(|o| {
                        let ok = key(o);
                        let oc: Vec<char> = ok.chars().collect();
                        oc != chars && !ok.contains(k.as_str()) && !k.contains(ok.as_str()) && within(&chars, &oc, 2)
                    })
                    .cloned()
            } else {
                None
            };
            if latin(alias) && chars.len() >= 8 && typo.is_none() {
                long_keys.entry(chars.len()).or_default().push((chars, *i));
            }
            keys.push(k);
            patterns.push(Pattern {
                entity: *i,
                exact,
                typo,
            });
        }
        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&keys)
            .map_err(|e| format!("cannot index the aliases: {e}"))?;
        Ok(Catalog {
            entities,
            matcher,
            patterns,
            by_key,
            long_keys,
            children,
        })
    }

    /// Every entity named in `text`, left to right, longest name first where
    /// names overlap ("S3 Glacier Deep Archive", not "S3").
    pub fn mentions(&self, text: &str) -> Vec<Mention> {
        let orig: Vec<char> = text.chars().collect();
        let mut norm = String::with_capacity(text.len());
        // For each byte of `norm`, the char index in `orig` it came from.
        let mut from: Vec<usize> = Vec::with_capacity(text.len());
        for (ci, c) in orig.iter().enumerate() {
            if skip(*c) {
                continue;
            }
            for l in c.to_lowercase() {
                let before = norm.len();
                norm.push(l);
                from.extend(std::iter::repeat_n(ci, norm.len() - before));
            }
        }
        let mut found: Vec<Mention> = Vec::new();
        for m in self.matcher.find_overlapping_iter(&norm) {
            let (start, end) = (from[m.start()], from[m.end() - 1] + 1);
            let pi = m.pattern().as_usize();
            let p = &self.patterns[pi];
            if !self.bounded(&orig, start, end) {
                continue;
            }
            if let Some(exact) = &p.exact {
                let got: Vec<char> = orig[start..end].iter().copied().filter(|&c| !skip(c)).collect();
                if got != *exact {
                    continue;
                }
            }
            found.push(Mention {
                entity: p.entity,
                start,
                end,
                typo: p.typo.is_some(),
                pattern: pi,
            });
        }
        found.sort_by_key(|m| (m.start, usize::MAX - m.end));
        let mut out: Vec<Mention> = Vec::new();
        for m in found {
            if out.last().is_none_or(|l| m.start >= l.end) {
                out.push(m);
            }
        }
        out
    }

    /// A name starts at a word start and ends at a word end, or before a
    /// Korean particle or a plural "s".
    fn bounded(&self, orig: &[char], start: usize, end: usize) -> bool {
        if start > 0 && orig[start - 1].is_alphanumeric() {
            return false;
        }
        if end >= orig.len() || !orig[end].is_alphanumeric() {
            return true;
        }
        let rest: String = orig[end..].iter().take(6).take_while(|c| c.is_alphanumeric()).collect();
        if rest.chars().count() >= 6 {
            return false;
        }
        is_particle(&rest) || (rest == "s" && orig[end - 1].is_ascii_alphabetic())
    }

    /// The entity a whole term names: an alias (a particle may follow), or a
    /// long Latin name one or two edits away.
    pub fn link_term(&self, term: &str) -> Option<usize> {
        let k = key(term);
        if let Some(&i) = self.by_key.get(&k) {
            return Some(i);
        }
        let ms = self.mentions(term);
        if let [m] = ms.as_slice() {
            let rest: String = term.chars().skip(m.end).collect();
            let lead: String = term.chars().take(m.start).collect();
            if lead.trim().is_empty() && (rest.trim().is_empty() || is_particle(rest.trim())) {
                return Some(m.entity);
            }
        }
        self.typo_of(term)
    }

    fn typo_of(&self, term: &str) -> Option<usize> {
        if !latin(term) {
            return None;
        }
        let chars: Vec<char> = key(term).chars().collect();
        if chars.len() < 8 || chars.len() > 60 {
            return None;
        }
        let max = if chars.len() >= 12 { 2 } else { 1 };
        let mut hits: Vec<usize> = Vec::new();
        for len in chars.len().saturating_sub(max)..=chars.len() + max {
            for (k, e) in self.long_keys.get(&len).into_iter().flatten() {
                if digits(k) == digits(&chars) && within(&chars, k, max) && !hits.contains(e) {
                    hits.push(*e);
                }
            }
        }
        // Two entities equally near is no correction.
        match hits.as_slice() {
            [e] => Some(*e),
            _ => None,
        }
    }

    /// The entity and all its ancestors.
    fn lineage(&self, mut e: usize) -> Vec<usize> {
        let mut out = vec![e];
        while let Some(p) = self.entities[e].parent {
            if out.contains(&p) {
                break;
            }
            out.push(p);
            e = p;
        }
        out
    }

    /// One entity is the other, or an ancestor of it: "Snow Family" is as
    /// true of a question about Snowcone as Snowcone itself.
    pub fn related(&self, a: usize, b: usize) -> bool {
        self.lineage(a).contains(&b) || self.lineage(b).contains(&a)
    }

    /// Alternatives an exam would set beside `e`: the same subcategory first,
    /// then the same category, never an entity related to it; in catalog order.
    pub fn alternatives(&self, e: usize) -> Vec<usize> {
        let me = &self.entities[e];
        let same = |x: &Entity| x.category == me.category;
        let mut out: Vec<usize> = (0..self.entities.len())
            .filter(|&i| same(&self.entities[i]) && self.entities[i].subcategory == me.subcategory)
            .chain(
                (0..self.entities.len())
                    .filter(|&i| same(&self.entities[i]) && self.entities[i].subcategory != me.subcategory),
            )
            .filter(|&i| !self.related(i, e))
            .collect();
        out.dedup();
        out
    }

    pub fn children(&self, e: usize) -> &[usize] {
        &self.children[e]
    }

    /// The text with the catalog's listed misspellings replaced by the
    /// canonical name, and the corrections made.
    pub fn fix_typos(&self, text: &str) -> (String, Vec<(String, String)>) {
        let ms: Vec<Mention> = self.mentions(text).into_iter().filter(|m| m.typo).collect();
        if ms.is_empty() {
            return (text.to_owned(), vec![]);
        }
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::new();
        let mut fixes = Vec::new();
        let mut at = 0;
        for m in ms {
            out.extend(&chars[at..m.start]);
            let wrong: String = chars[m.start..m.end].iter().collect();
            let right = self.patterns[m.pattern].typo.clone().unwrap_or_default();
            out.push_str(&right);
            fixes.push((wrong, right));
            at = m.end;
        }
        out.extend(&chars[at..]);
        (out, fixes)
    }
}

/// The catalog as one note sees it: which entities the note names, so
/// alternatives it names come before ones drawn from the catalog alone.
pub struct Linking<'a> {
    pub cat: Option<&'a Catalog>,
    named: std::collections::HashSet<usize>,
    /// Terms already linked: each sibling is looked at from many drafts.
    memo: std::cell::RefCell<HashMap<String, Option<usize>>>,
}

impl<'a> Linking<'a> {
    pub fn new(cat: Option<&'a Catalog>, texts: impl Iterator<Item = &'a str>) -> Self {
        let named = match cat {
            Some(c) => texts.flat_map(|t| c.mentions(t)).map(|m| m.entity).collect(),
            None => Default::default(),
        };
        Linking {
            cat,
            named,
            memo: Default::default(),
        }
    }

    pub fn link(&self, term: &str) -> Option<usize> {
        let c = self.cat?;
        if let Some(&hit) = self.memo.borrow().get(term) {
            return hit;
        }
        let hit = c.link_term(term);
        self.memo.borrow_mut().insert(term.to_owned(), hit);
        hit
    }

    pub fn entity(&self, e: usize) -> Option<&'a Entity> {
        self.cat.and_then(|c| c.entities.get(e))
    }

    /// The canonical name of the entity a term names, else the term.
    pub fn display(&self, term: &str) -> String {
        self.link(term)
            .and_then(|e| self.entity(e))
            .map_or_else(|| term.to_owned(), |e| e.name.clone())
    }

    /// `b` may stand beside key `a` as a distractor: the same category, not
    /// the same family.
    pub fn fits_beside(&self, a: usize, b: usize) -> bool {
        match (self.cat, self.entity(a), self.entity(b)) {
            (Some(c), Some(x), Some(y)) => x.category == y.category && !c.related(a, b),
            _ => false,
        }
    }

    /// Alternatives to `e` (see [`Catalog::alternatives`]), those the note
    /// names first, at most `n`.
    pub fn alternatives(&self, e: usize, n: usize) -> Vec<usize> {
        let Some(c) = self.cat else { return vec![] };
        let all = c.alternatives(e);
        let sub = |i: usize| c.entities[i].subcategory == c.entities[e].subcategory;
        let mut v: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| sub(i) && self.named.contains(&i))
            .collect();
        v.extend(all.iter().copied().filter(|&i| sub(i) && !self.named.contains(&i)));
        v.extend(all.iter().copied().filter(|&i| !sub(i) && self.named.contains(&i)));
        v.extend(all.iter().copied().filter(|&i| !sub(i) && !self.named.contains(&i)));
        v.truncate(n);
        v
    }

    /// The catalog's one-line description, in the note's language.
    pub fn blurb(&self, e: usize, ko: bool) -> String {
        self.entity(e)
            .map(|x| if ko { x.ko.clone() } else { x.en.clone() })
            .unwrap_or_default()
    }
}

/// The shipped catalog, parsed once. `Err` says why it could not be read;
/// the generator then drafts without entity linking and warns.
pub fn catalog() -> Result<&'static Catalog, &'static str> {
    static CATALOG: OnceLock<Result<Catalog, String>> = OnceLock::new();
    CATALOG
        .get_or_init(|| Catalog::parse(SHIPPED))
        .as_ref()
        .map_err(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> &'static Catalog {
        catalog().expect("the shipped catalog parses")
    }

    fn names(text: &str) -> Vec<String> {
        cat()
            .mentions(text)
            .iter()
            .map(|m| cat().entities[m.entity].id.clone())
            .collect()
    }

    #[test]
    fn names_are_found_with_particles_case_and_spacing_variants() {
        assert_eq!(names("S3를 쓰고 EBS는 블록"), vec!["s3", "ebs"]);
        assert_eq!(
            names("보안그룹은 상태 저장, 네트워크 ACL은 아니다"),
            vec!["security-group", "network-acl"]
        );
        assert_eq!(names("s3 standard-ia 로 옮긴다"), vec!["s3-standard-ia"]);
        assert_eq!(names("S3 Glacier Deep Archive에 보관"), vec!["s3-glacier-deep-archive"]);
        assert!(
            names("EBSX 와 xS3 와 Lambdas").len() <= 1,
            "{:?}",
            names("EBSX 와 xS3 와 Lambdas")
        );
        assert!(names("the river is wide").is_empty(), "short aliases keep their case");
    }

    #[test]
    fn typos_are_corrected_to_the_canonical_name() {
        let c = cat();
        let glacier = c.link_term("Amazoe Glacier").expect("linked");
        assert_eq!(c.entities[glacier].name, "Amazon S3 Glacier Flexible Retrieval");
        let (fixed, fixes) = c.fix_typos("Amazoe Glacier는 아카이브용이다");
        assert!(fixed.starts_with("Amazon Glacier는"), "{fixed}");
        assert_eq!(fixes.len(), 1);
        let (fixed, fixes) = c.fix_typos("Glacier Instant Retrieval은 S3 Glacier로");
        assert!(fixes.is_empty(), "a shorter name is no typo: {fixed}");
        // An edit-distance match for a long name the catalog does not list as a typo.
        let e = c.link_term("Amazon Cloudfrnt").expect("linked");
        assert_eq!(c.entities[e].id, "cloudfront");
        assert_eq!(c.link_term("보안그룹 선택"), None, "a console step is no entity");
    }

    #[test]
    fn alternatives_share_the_category_and_exclude_the_family() {
        let c = cat();
        let id = |s: &str| c.entities.iter().position(|e| e.id == s).expect(s);
        let alts = c.alternatives(id("snowcone"));
        assert!(!alts.contains(&id("snow-family")));
        assert!(alts.iter().all(|&a| c.entities[a].category == "migration"));
        assert!(alts.contains(&id("snowball-edge")));
        assert!(
            Catalog::load(std::path::Path::new("/nonexistent/catalog.toml"))
                .err()
                .is_some_and(|e| e.contains("cannot be read"))
        );
    }
}
