//! The exams the bank offers, as typed data: blueprints with localized names,
//! domains and score ranges. Pages ask this catalog instead of running their
//! own blueprint queries, and exam codes are checked against it, never
//! against literals. [`CatalogCache`] keeps one copy per process and reloads
//! it when the bank's generation counter moves (one tiny read per use).

use std::sync::{Arc, RwLock};

use sqlx::PgPool;
use uuid::Uuid;

use crate::db::DbError;
use crate::exam::grading::pass_share;
use crate::i18n::Lang;

/// A name in both UI languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Localized {
    pub ko: String,
    pub en: String,
}

impl Localized {
    /// Takes `&Lang` as well, which is what templates hold.
    pub fn get(&self, lang: impl std::borrow::Borrow<Lang>) -> &str {
        match lang.borrow() {
            Lang::En => &self.en,
            _ => &self.ko,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamDomain {
    pub code: String,
    pub name: Localized,
    pub weight: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExamInfo {
    pub code: String,
    pub name: Localized,
    pub questions: i32,
    pub minutes: i32,
    pub passing_score: i32,
    pub score_min: i32,
    pub score_max: i32,
    /// In blueprint order.
    pub domains: Vec<ExamDomain>,
}

impl ExamInfo {
    /// The share of questions that reaches the passing score on our linear scale.
    pub fn pass_share(&self) -> f64 {
        pass_share(self.passing_score, self.score_min, self.score_max)
    }

    pub fn domain(&self, code: &str) -> Option<&ExamDomain> {
        self.domains.iter().find(|d| d.code == code)
    }

    /// The domain's name in `lang`, or its code when the blueprint lacks it.
    pub fn domain_name<'a>(&'a self, code: &'a str, lang: Lang) -> &'a str {
        self.domain(code).map_or(code, |d| d.name.get(lang))
    }

    /// (code, name) pairs in blueprint order, for filters and charts.
    pub fn domain_names(&self, lang: Lang) -> Vec<(String, String)> {
        self.domains
            .iter()
            .map(|d| (d.code.clone(), d.name.get(lang).to_owned()))
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExamCatalog {
    /// Sorted by code.
    pub exams: Vec<ExamInfo>,
}

impl ExamCatalog {
    pub fn exam(&self, code: &str) -> Option<&ExamInfo> {
        self.exams.iter().find(|e| e.code == code)
    }

    pub fn is_empty(&self) -> bool {
        self.exams.is_empty()
    }
}

/// Reads every blueprint and its domains.
pub async fn load(pool: &PgPool) -> Result<ExamCatalog, DbError> {
    let int = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    let exams = super::store::blueprints(pool)
        .await?
        .into_iter()
        .map(|b| ExamInfo {
            domains: b
                .domains
                .into_iter()
                .map(|d| ExamDomain {
                    code: d.code,
                    name: Localized {
                        ko: d.name_ko,
                        en: d.name_en,
                    },
                    weight: int(d.weight),
                })
                .collect(),
            code: b.code,
            name: Localized {
                ko: b.name_ko,
                en: b.name_en,
            },
            questions: int(b.questions),
            minutes: int(b.minutes),
            passing_score: int(b.passing_score),
            score_min: int(b.score_min),
            score_max: int(b.score_max),
        })
        .collect();
    Ok(ExamCatalog { exams })
}

/// Which bank the catalog was read from: the database's epoch and the bank's generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    epoch: Uuid,
    generation: i64,
}

/// One process's copy of the catalog, fresh as of the bank's generation.
#[derive(Debug, Default)]
pub struct CatalogCache {
    current: RwLock<Option<(Stamp, Arc<ExamCatalog>)>>,
}

impl CatalogCache {
    pub async fn get(&self, pool: &PgPool) -> Result<Arc<ExamCatalog>, DbError> {
        let stamp = sqlx::query_as!(Stamp, "select epoch, generation from bank_state")
            .fetch_one(pool)
            .await?;
        let cached = self
            .current
            .read()
            .ok()
            .and_then(|c| c.as_ref().filter(|(s, _)| *s == stamp).map(|(_, cat)| Arc::clone(cat)));
        if let Some(cat) = cached {
            return Ok(cat);
        }
        let cat = Arc::new(load(pool).await?);
        if let Ok(mut slot) = self.current.write() {
            *slot = Some((stamp, Arc::clone(&cat)));
        }
        Ok(cat)
    }
}
