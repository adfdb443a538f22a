//! What exam assembly needs from the bank (blueprint shape and every live
//! question's id, domain, version and option keys), cached per database and
//! exam. Each start reads the bank's generation counter (bumped by triggers on
//! every bank change) and reloads only when it moved, so a crowd pressing
//! Start does not rescan the bank once per student.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use sqlx::PgPool;
use uuid::Uuid;

use crate::db::DbError;

#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub domain: String,
    pub topic: String,
    pub kind: crate::bank::model::Kind,
    pub version: i32,
    pub option_keys: String,
    /// Pilots are served in practice sets and drills, never in full exams.
    pub pool: crate::bank::model::Pool,
}

#[derive(Debug)]
pub struct ExamData {
    pub epoch: Uuid,
    pub generation: i64,
    pub questions: i32,
    pub minutes: i32,
    pub domains: Vec<String>,
    pub weights: Vec<i32>,
    pub entries: Vec<Entry>,
}

/// A blueprint's shape, domains in blueprint order.
struct ShapeRow {
    questions: i32,
    minutes: i32,
    domains: Vec<String>,
    weights: Vec<i32>,
}

type Cache = RwLock<HashMap<(String, String), Arc<ExamData>>>;

static CACHE: LazyLock<Cache> = LazyLock::new(Cache::default);

/// Tells databases apart within one process (tests run many side by side).
fn database_key(pool: &PgPool) -> String {
    let o = pool.connect_options();
    format!("{}:{}/{}", o.get_host(), o.get_port(), o.get_database().unwrap_or(""))
}

/// The exam's data at `(epoch, generation)`, from the cache when it is current.
/// `None` when the exam does not exist.
pub async fn exam(pool: &PgPool, exam: &str, epoch: Uuid, generation: i64) -> Result<Option<Arc<ExamData>>, DbError> {
    let key = (database_key(pool), exam.to_owned());
    let cached = CACHE.read().ok().and_then(|cache| {
        cache
            .get(&key)
            .filter(|d| d.epoch == epoch && d.generation == generation)
            .cloned()
    });
    if let Some(d) = cached {
        return Ok(Some(d));
    }
    let shape = sqlx::query_as!(
        ShapeRow,
        r#"select b.questions, b.minutes,
                  array(select code from blueprint_domains where exam = b.code order by position) as "domains!",
                  array(select weight from blueprint_domains where exam = b.code order by position) as "weights!"
           from blueprints b where b.code = $1"#,
        exam
    )
    .fetch_optional(pool)
    .await?;
    let Some(shape) = shape else {
        return Ok(None);
    };
    let entries = sqlx::query_as!(
        Entry,
        r#"select q.id, e.domain, q.topic, q.kind as "kind: crate::bank::model::Kind",
                  q.current_version as version, q.option_keys, q.pool as "pool: crate::bank::model::Pool"
           from questions q join question_exams e on e.question_id = q.id and e.exam = $1
           where q.retired_at is null and q.status = 'published'
           order by q.id"#,
        exam
    )
    .fetch_all(pool)
    .await?;
    let data = Arc::new(ExamData {
        epoch,
        generation,
        questions: shape.questions,
        minutes: shape.minutes,
        domains: shape.domains,
        weights: shape.weights,
        entries,
    });
    if let Ok(mut cache) = CACHE.write() {
        cache.insert(key, data.clone());
    }
    Ok(Some(data))
}
