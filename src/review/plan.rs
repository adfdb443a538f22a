//! What a student should study next: topic and domain mastery for one exam,
//! and the dashboard's study plan built from it. Pages render these types;
//! none of this knows about HTTP.

use std::collections::HashMap;

use sqlx::PgPool;

use super::mastery::{self, Answer, Estimate};
use super::store;
use crate::accounts::UserId;
use crate::bank::catalog::ExamCatalog;
use crate::db::DbError;
use crate::i18n::Lang;

/// Topic and domain estimates for one exam.
pub struct Mastery {
    pub topics: Vec<Estimate>,
    pub domains: Vec<Estimate>,
}

pub async fn mastery_for(pool: &PgPool, user: UserId, exam: &str) -> Result<Mastery, DbError> {
    let rows = store::graded_answers(pool, user, exam).await?;
    let by = |pick: fn(&store::GradedAnswer) -> &String| {
        rows.iter()
            .map(|r| Answer {
                key: pick(r).clone(),
                correct: r.correct,
                age_days: r.age_days,
            })
            .collect::<Vec<_>>()
    };
    Ok(Mastery {
        topics: mastery::estimate(&by(|r| &r.topic)),
        domains: mastery::estimate(&by(|r| &r.domain)),
    })
}

/// Topic names in the reader's language, by slug.
pub async fn topic_names(pool: &PgPool, lang: Lang) -> Result<HashMap<String, String>, DbError> {
    Ok(crate::bank::store::topic_names_in(pool, lang)
        .await?
        .into_iter()
        .collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpotKind {
    Topic,
    Domain,
}

/// One weak spot on the study plan.
#[derive(Debug, Clone)]
pub struct WeakSpot {
    pub kind: SpotKind,
    /// Topic slug or domain code.
    pub key: String,
    pub name: String,
    pub accuracy_pct: u32,
}

impl WeakSpot {
    pub fn is_topic(&self) -> bool {
        self.kind == SpotKind::Topic
    }
}

/// The dashboard's study plan: the three weakest topics (or domains, when
/// there are too few ranked topics) and the reviews due today.
pub struct StudyPlan {
    pub exam: String,
    pub weakest: Vec<WeakSpot>,
    pub due_now: i64,
    pub due_today: i64,
}

/// "Today" for due counts is the student's day, in this time zone.
pub fn time_zone(lang: Lang) -> &'static str {
    match lang {
        Lang::Ko => "Asia/Seoul",
        Lang::En => "UTC",
    }
}

pub async fn study_plan(pool: &PgPool, catalog: &ExamCatalog, user: UserId, lang: Lang) -> Result<StudyPlan, DbError> {
    let store::DueCounts {
        now: due_now,
        today: due_today,
    } = store::due_counts(pool, user, time_zone(lang)).await?;
    let exam = store::exams_answered(pool, user)
        .await?
        .into_iter()
        .next()
        .unwrap_or_default();
    let mut weakest = vec![];
    if let Some(info) = catalog.exam(&exam) {
        let m = mastery_for(pool, user, &exam).await?;
        let names = topic_names(pool, lang).await?;
        let (topics, _) = mastery::rank(m.topics);
        for e in topics.into_iter().take(3) {
            weakest.push(WeakSpot {
                kind: SpotKind::Topic,
                name: names.get(&e.key).cloned().unwrap_or_else(|| e.key.clone()),
                accuracy_pct: e.accuracy_pct(),
                key: e.key,
            });
        }
        let (domains, _) = mastery::rank(m.domains);
        for e in domains.into_iter().take(3 - weakest.len()) {
            weakest.push(WeakSpot {
                kind: SpotKind::Domain,
                name: info.domain_name(&e.key, lang).to_owned(),
                accuracy_pct: e.accuracy_pct(),
                key: e.key,
            });
        }
    }
    Ok(StudyPlan {
        exam,
        weakest,
        due_now,
        due_today,
    })
}
