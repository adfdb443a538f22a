//! Banks in PostgreSQL. An import is one transaction: it validates against what
//! the database already knows, writes a new immutable version for every changed
//! question, retires questions that left their topic, and records who did it.
//! A dry run is the same import rolled back, so a preview never disagrees with
//! what confirming will do.

use std::collections::{HashMap, HashSet};

use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use super::diagnostics::Diagnostic;
use super::formats::Defaults;
use super::model::{Bank, Blueprint, BlueprintDomain, Pos, Question, Topic};
use super::validate::validate;
use crate::accounts::{UserId, audit};
use crate::db::DbError;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub retired: Vec<String>,
    pub restored: Vec<String>,
    pub unchanged: usize,
    pub topics: usize,
    pub blueprints: usize,
}

impl ImportReport {
    pub fn is_noop(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.retired.is_empty() && self.restored.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the bank has {} problem(s)", .0.len())]
    Invalid(Vec<Diagnostic>),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Db(e.into())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    DryRun,
    Apply,
    /// Apply, but only add and update: nothing missing from the upload is
    /// retired. Publishing a few reviewed drafts into a topic uses this.
    Add,
}

struct BlueprintRow {
    code: String,
    name_ko: String,
    name_en: String,
    questions: i32,
    minutes: i32,
    passing_score: i32,
    score_min: i32,
    score_max: i32,
}

struct DomainRow {
    exam: String,
    code: String,
    weight: i32,
    name_ko: String,
    name_en: String,
}

struct TopicRow {
    slug: String,
    name_ko: String,
    name_en: String,
    summary_ko: String,
    summary_en: String,
}

struct TopicDomainRow {
    topic: String,
    exam: String,
    domain: String,
}

/// Blueprints and topics already stored, so an upload may refer to them.
pub async fn known(pool: &PgPool) -> Result<(Vec<Blueprint>, Vec<Topic>), DbError> {
    let rows = sqlx::query_as!(
        BlueprintRow,
        "select code, name_ko, name_en, questions, minutes, passing_score, score_min, score_max from blueprints order by code",
    )
    .fetch_all(pool)
    .await?;
    let doms = sqlx::query_as!(
        DomainRow,
        "select exam, code, weight, name_ko, name_en from blueprint_domains order by exam, position"
    )
    .fetch_all(pool)
    .await?;
    let uint = |n: i32| u32::try_from(n).unwrap_or(0);
    let blueprints = rows
        .into_iter()
        .map(|r| Blueprint {
            domains: doms
                .iter()
                .filter(|d| d.exam == r.code)
                .map(|d| BlueprintDomain {
                    code: d.code.clone(),
                    weight: uint(d.weight),
                    name_ko: d.name_ko.clone(),
                    name_en: d.name_en.clone(),
                })
                .collect(),
            questions: uint(r.questions),
            minutes: uint(r.minutes),
            passing_score: uint(r.passing_score),
            score_min: uint(r.score_min),
            score_max: uint(r.score_max),
            code: r.code,
            name_ko: r.name_ko,
            name_en: r.name_en,
        })
        .collect();
    let trows = sqlx::query_as!(
        TopicRow,
        "select slug, name_ko, name_en, summary_ko, summary_en from topics order by slug"
    )
    .fetch_all(pool)
    .await?;
    let tdoms = sqlx::query_as!(TopicDomainRow, "select topic, exam, domain from topic_domains")
        .fetch_all(pool)
        .await?;
    let topics = trows
        .into_iter()
        .map(|t| Topic {
            domains: tdoms
                .iter()
                .filter(|d| d.topic == t.slug)
                .map(|d| (d.exam.clone(), d.domain.clone()))
                .collect(),
            slug: t.slug,
            name_ko: t.name_ko,
            name_en: t.name_en,
            summary_ko: t.summary_ko,
            summary_en: t.summary_en,
            pos: Pos {
                file: "(database)".into(),
                line: 1,
                column: 1,
            },
        })
        .collect();
    Ok((blueprints, topics))
}

/// Validates `upload` together with the stored blueprints and topics it may
/// refer to. Upload definitions take precedence over stored ones.
pub async fn validate_upload(pool: &PgPool, upload: &Bank) -> Result<Vec<Diagnostic>, DbError> {
    let (blueprints, topics) = known(pool).await?;
    let mut combined = Bank {
        blueprints: upload.blueprints.clone(),
        topics: upload.topics.clone(),
        questions: vec![],
    };
    combined
        .blueprints
        .extend(blueprints.into_iter().filter(|b| upload.blueprint(&b.code).is_none()));
    let uploaded: HashSet<&str> = upload.topics.iter().map(|t| t.slug.as_str()).collect();
    combined
        .topics
        .extend(topics.into_iter().filter(|t| !uploaded.contains(t.slug.as_str())));
    combined.questions = upload.questions.clone();
    Ok(validate(&combined))
}

fn search_text(q: &Question) -> String {
    let mut s = q.stem.to_lowercase();
    for o in &q.options {
        s.push('\n');
        s.push_str(&o.text.to_lowercase());
    }
    s
}

struct Existing {
    topic: String,
    version: i32,
    retired: bool,
    content: serde_json::Value,
}

/// Imports a whole bank in one transaction; with [`Mode::DryRun`] nothing is kept.
#[tracing::instrument(skip_all, fields(questions = upload.questions.len(), ?mode))]
pub async fn import(
    pool: &PgPool,
    upload: &Bank,
    actor: Option<UserId>,
    mode: Mode,
) -> Result<ImportReport, ImportError> {
    let problems = validate_upload(pool, upload).await?;
    if !problems.is_empty() {
        return Err(ImportError::Invalid(problems));
    }
    let mut tx = pool.begin().await?;
    // One import at a time, so two uploads can't interleave their versions.
    sqlx::query!("select pg_advisory_xact_lock(7401000001)")
        .execute(&mut *tx)
        .await?;

    let mut report = ImportReport {
        blueprints: upload.blueprints.len(),
        topics: upload.topics.len(),
        ..Default::default()
    };
    for b in &upload.blueprints {
        upsert_blueprint(&mut tx, b).await?;
    }
    for t in &upload.topics {
        upsert_topic(&mut tx, t).await?;
    }

    let ids: Vec<&str> = upload.questions.iter().map(|q| q.id.as_str()).collect();
    // The topics this upload speaks for: a question missing from them is retired.
    let topics: Vec<&str> = {
        let mut t: Vec<&str> = upload.questions.iter().map(|q| q.topic.as_str()).collect();
        t.extend(upload.topics.iter().map(|t| t.slug.as_str()));
        t.sort_unstable();
        t.dedup();
        t
    };
    let rows = sqlx::query!(
        "select q.id, q.topic, q.current_version, q.retired_at, v.content
         from questions q join question_versions v on v.question_id = q.id and v.version = q.current_version
         where q.id = any($1) or q.topic = any($2)",
        &ids as &[&str],
        &topics as &[&str],
    )
    .fetch_all(&mut *tx)
    .await?;
    let existing: HashMap<String, Existing> = rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                Existing {
                    topic: r.topic,
                    version: r.current_version,
                    retired: r.retired_at.is_some(),
                    content: r.content,
                },
            )
        })
        .collect();

    let mut new_versions: Vec<(&Question, i32, serde_json::Value)> = Vec::new();
    for q in &upload.questions {
        let content = serde_json::to_value(q).map_err(|e| DbError::Corrupt(format!("serialising {}: {e}", q.id)))?;
        match existing.get(&q.id) {
            None => {
                report.added.push(q.id.clone());
                new_versions.push((q, 1, content));
            }
            Some(old) if old.content != content => {
                report.changed.push(q.id.clone());
                new_versions.push((q, old.version + 1, content));
            }
            Some(old) if old.retired => report.restored.push(q.id.clone()),
            Some(_) => report.unchanged += 1,
        }
    }
    let uploaded: HashSet<&str> = ids.iter().copied().collect();
    let mut retired: Vec<String> = existing
        .iter()
        .filter(|_| mode != Mode::Add)
        .filter(|(id, e)| !e.retired && !uploaded.contains(id.as_str()) && topics.contains(&e.topic.as_str()))
        .map(|(id, _)| id.clone())
        .collect();
    retired.sort();
    report.retired = retired;

    write_versions(&mut tx, &new_versions, actor).await?;
    if !report.restored.is_empty() {
        sqlx::query!(
            "update questions set retired_at = null, updated_at = now() where id = any($1)",
            &report.restored
        )
        .execute(&mut *tx)
        .await?;
    }
    if !report.retired.is_empty() {
        sqlx::query!(
            "update questions set retired_at = now(), updated_at = now() where id = any($1)",
            &report.retired
        )
        .execute(&mut *tx)
        .await?;
    }
    if !report.is_noop() || report.topics > 0 || report.blueprints > 0 {
        audit(
            &mut *tx,
            actor,
            "bank.import",
            &topics.join(","),
            serde_json::json!({
                "added": report.added.len(), "changed": report.changed.len(),
                "retired": report.retired.len(), "restored": report.restored.len(),
                "unchanged": report.unchanged, "topics": report.topics, "blueprints": report.blueprints,
            }),
        )
        .await?;
    }
    match mode {
        Mode::Apply | Mode::Add => tx.commit().await?,
        Mode::DryRun => tx.rollback().await?,
    }
    Ok(report)
}

async fn upsert_blueprint(tx: &mut Transaction<'_, Postgres>, b: &Blueprint) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into blueprints (code, name_ko, name_en, questions, minutes, passing_score, score_min, score_max)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (code) do update set name_ko = $2, name_en = $3, questions = $4, minutes = $5,
            passing_score = $6, score_min = $7, score_max = $8, updated_at = now()",
        b.code,
        b.name_ko,
        b.name_en,
        b.questions as i32,
        b.minutes as i32,
        b.passing_score as i32,
        b.score_min as i32,
        b.score_max as i32,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!("delete from blueprint_domains where exam = $1", b.code)
        .execute(&mut **tx)
        .await?;
    for (i, d) in b.domains.iter().enumerate() {
        sqlx::query!(
            "insert into blueprint_domains (exam, code, weight, name_ko, name_en, position) values ($1, $2, $3, $4, $5, $6)",
            b.code,
            d.code,
            d.weight as i32,
            d.name_ko,
            d.name_en,
            i as i32,
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn upsert_topic(tx: &mut Transaction<'_, Postgres>, t: &Topic) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into topics (slug, name_ko, name_en, summary_ko, summary_en) values ($1, $2, $3, $4, $5)
         on conflict (slug) do update set name_ko = $2, name_en = $3, summary_ko = $4, summary_en = $5, updated_at = now()
         where (topics.name_ko, topics.name_en, topics.summary_ko, topics.summary_en) is distinct from ($2, $3, $4, $5)",
        t.slug,
        t.name_ko,
        t.name_en,
        t.summary_ko,
        t.summary_en,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!("delete from topic_domains where topic = $1", t.slug)
        .execute(&mut **tx)
        .await?;
    let exams: Vec<&str> = t.domains.iter().map(|d| d.0.as_str()).collect();
    let domains: Vec<&str> = t.domains.iter().map(|d| d.1.as_str()).collect();
    sqlx::query!(
        "insert into topic_domains (topic, exam, domain) select $1::text, * from unnest($2::text[], $3::text[])",
        t.slug,
        &exams as &[&str],
        &domains as &[&str],
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes new versions in a few set-based statements, so large imports stay fast.
async fn write_versions(
    tx: &mut Transaction<'_, Postgres>,
    versions: &[(&Question, i32, serde_json::Value)],
    actor: Option<UserId>,
) -> Result<(), sqlx::Error> {
    if versions.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = versions.iter().map(|v| v.0.id.as_str()).collect();
    let topics: Vec<&str> = versions.iter().map(|v| v.0.topic.as_str()).collect();
    let nums: Vec<i32> = versions.iter().map(|v| v.1).collect();
    let kinds: Vec<&str> = versions.iter().map(|v| v.0.kind.as_str()).collect();
    let diffs: Vec<&str> = versions.iter().map(|v| v.0.difficulty.as_str()).collect();
    let langs: Vec<&str> = versions.iter().map(|v| v.0.language.as_str()).collect();
    let statuses: Vec<&str> = versions.iter().map(|v| v.0.status.as_str()).collect();
    let search: Vec<String> = versions.iter().map(|v| search_text(v.0)).collect();
    let option_keys: Vec<String> = versions
        .iter()
        .map(|v| v.0.options.iter().map(|o| o.key).collect())
        .collect();
    let contents: Vec<&serde_json::Value> = versions.iter().map(|v| &v.2).collect();

    sqlx::query!(
        "insert into questions (id, topic, current_version, kind, difficulty, language, status, search_text, option_keys)
         select * from unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
         on conflict (id) do update set topic = excluded.topic, current_version = excluded.current_version,
            kind = excluded.kind, difficulty = excluded.difficulty, language = excluded.language,
            status = excluded.status, search_text = excluded.search_text, option_keys = excluded.option_keys,
            retired_at = null, updated_at = now()",
        &ids as &[&str],
        &topics as &[&str],
        &nums,
        &kinds as &[&str],
        &diffs as &[&str],
        &langs as &[&str],
        &statuses as &[&str],
        &search,
        &option_keys,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "insert into question_versions (question_id, version, content, created_by)
         select q, v, c, $4::uuid from unnest($1::text[], $2::int[], $3::jsonb[]) as u(q, v, c)",
        &ids as &[&str],
        &nums,
        &contents as &[&serde_json::Value],
        actor as Option<UserId>,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "delete from question_exams where question_id = any($1)",
        &ids as &[&str]
    )
    .execute(&mut **tx)
    .await?;
    let mut qe: (Vec<&str>, Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new(), Vec::new());
    for (q, _, _) in versions {
        for (exam, domain) in &q.domains {
            qe.0.push(q.id.as_str());
            qe.1.push(exam.as_str());
            qe.2.push(domain.as_str());
        }
    }
    sqlx::query!(
        "insert into question_exams (question_id, exam, domain) select * from unnest($1::text[], $2::text[], $3::text[])",
        &qe.0 as &[&str],
        &qe.1 as &[&str],
        &qe.2 as &[&str],
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Retires or restores one question by hand.
pub async fn set_retired(pool: &PgPool, id: &str, retired: bool, actor: Option<UserId>) -> Result<bool, DbError> {
    let mut tx = pool.begin().await?;
    let n = sqlx::query!(
        "update questions set retired_at = case when $2 then coalesce(retired_at, now()) else null end, updated_at = now()
         where id = $1",
        id,
        retired,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    let action = if retired {
        "question.retired"
    } else {
        "question.restored"
    };
    audit(&mut *tx, actor, action, id, serde_json::json!({})).await?;
    tx.commit().await?;
    Ok(true)
}

/// One stored version of a question.
#[derive(Debug, Clone)]
pub struct Version {
    pub version: i32,
    pub question: Question,
    pub created_at: OffsetDateTime,
    pub created_by: Option<String>,
}

pub async fn versions(pool: &PgPool, id: &str) -> Result<Vec<Version>, DbError> {
    let rows = sqlx::query!(
        r#"select v.version, v.content, v.created_at, u.display_name as "created_by?"
           from question_versions v left join users u on u.id = v.created_by
           where v.question_id = $1 order by v.version desc"#,
        id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            let version = r.version;
            let question: Question = serde_json::from_value(r.content)
                .map_err(|e| DbError::Corrupt(format!("question {id} v{version}: {e}")))?;
            Ok(Version {
                version,
                question,
                created_at: r.created_at,
                created_by: r.created_by,
            })
        })
        .collect()
}

/// Everything currently live (not retired) in the given topics, or in all topics, for export.
pub async fn export(pool: &PgPool, topics: &[String]) -> Result<Bank, DbError> {
    let (blueprints, all_topics) = known(pool).await?;
    let contents = sqlx::query_scalar!(
        "select v.content from questions q
         join question_versions v on v.question_id = q.id and v.version = q.current_version
         where q.retired_at is null and (cardinality($1::text[]) = 0 or q.topic = any($1))
         order by q.topic, q.id",
        topics,
    )
    .fetch_all(pool)
    .await?;
    let questions = contents
        .into_iter()
        .map(|c| serde_json::from_value(c).map_err(|e| DbError::Corrupt(format!("stored question: {e}"))))
        .collect::<Result<Vec<Question>, _>>()?;
    let topics = all_topics
        .into_iter()
        .filter(|t| topics.is_empty() || topics.contains(&t.slug))
        .collect();
    Ok(Bank {
        blueprints,
        topics,
        questions,
    })
}

/// Which questions the bank browser shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lifecycle {
    #[default]
    Live,
    Retired,
    All,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub exam: Option<String>,
    pub domain: Option<String>,
    pub topic: Option<String>,
    pub kind: Option<String>,
    pub text: Option<String>,
    pub lifecycle: Lifecycle,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub topic: String,
    pub current_version: i32,
    pub kind: String,
    pub difficulty: String,
    pub retired: bool,
    pub exams: Option<String>,
    pub stem: Option<String>,
}

fn like_pattern(s: &str) -> String {
    let escaped = s
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// One page of questions matching `f`, and how many match in all.
pub async fn search(pool: &PgPool, f: &Filter, limit: i64, offset: i64) -> Result<(Vec<Row>, i64), DbError> {
    let lifecycle = match f.lifecycle {
        Lifecycle::Live => "live",
        Lifecycle::Retired => "retired",
        Lifecycle::All => "all",
    };
    let text = f.text.as_deref().map(like_pattern);
    // The two statements must filter alike: keep their where clauses identical.
    let rows = sqlx::query_as!(
        Row,
        r#"select q.id, q.topic, q.current_version, q.kind, q.difficulty, q.retired_at is not null as "retired!",
                  (select string_agg(e.exam || '/' || e.domain, ', ' order by e.exam)
                     from question_exams e where e.question_id = q.id) as exams,
                  left(v.content->>'stem', 160) as stem
           from questions q
           join question_versions v on v.question_id = q.id and v.version = q.current_version
           where ($1::text is null or exists (select 1 from question_exams e
                    where e.question_id = q.id and e.exam = $1 and ($2::text is null or e.domain = $2)))
             and ($3::text is null or q.topic = $3)
             and ($4::text is null or q.kind = $4)
             and ($5::text is null or q.search_text like $5 or q.id like $5)
             and ($6 = 'all' or ($6 = 'live') = (q.retired_at is null))
           order by q.topic, q.id
           limit $7 offset $8"#,
        f.exam.as_deref(),
        f.domain.as_deref(),
        f.topic.as_deref(),
        f.kind.as_deref(),
        text.as_deref(),
        lifecycle,
        limit,
        offset,
    )
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar!(
        r#"select count(*) as "total!"
           from questions q
           join question_versions v on v.question_id = q.id and v.version = q.current_version
           where ($1::text is null or exists (select 1 from question_exams e
                    where e.question_id = q.id and e.exam = $1 and ($2::text is null or e.domain = $2)))
             and ($3::text is null or q.topic = $3)
             and ($4::text is null or q.kind = $4)
             and ($5::text is null or q.search_text like $5 or q.id like $5)
             and ($6 = 'all' or ($6 = 'live') = (q.retired_at is null))"#,
        f.exam.as_deref(),
        f.domain.as_deref(),
        f.topic.as_deref(),
        f.kind.as_deref(),
        text.as_deref(),
        lifecycle,
    )
    .fetch_one(pool)
    .await?;
    Ok((rows, total))
}

/// A question's state: whether it is retired, with all its versions, newest first.
pub async fn question(pool: &PgPool, id: &str) -> Result<Option<(bool, Vec<Version>)>, DbError> {
    let retired = sqlx::query_scalar!(
        r#"select retired_at is not null as "retired!" from questions where id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    match retired {
        Some(r) => Ok(Some((r, versions(pool, id).await?))),
        None => Ok(None),
    }
}

/// An uploaded file kept until the instructor confirms its import.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct UploadedFile {
    pub name: String,
    pub text: String,
}

/// An upload waiting for confirmation.
#[derive(Debug, Clone)]
pub struct PendingUpload {
    pub files: Vec<UploadedFile>,
    pub defaults: Option<Defaults>,
}

pub async fn save_upload(pool: &PgPool, user: UserId, upload: &PendingUpload) -> Result<uuid::Uuid, DbError> {
    let id = uuid::Uuid::new_v4();
    let files = serde_json::to_value(&upload.files).map_err(|e| DbError::Corrupt(e.to_string()))?;
    let defaults = serde_json::to_value(&upload.defaults).map_err(|e| DbError::Corrupt(e.to_string()))?;
    sqlx::query!(
        "insert into bank_uploads (id, user_id, files, defaults) values ($1, $2, $3, $4)",
        id,
        user as UserId,
        files,
        defaults,
    )
    .execute(pool)
    .await?;
    Ok(id)
}

/// An upload, only for the user who made it.
pub async fn load_upload(pool: &PgPool, id: uuid::Uuid, user: UserId) -> Result<Option<PendingUpload>, DbError> {
    let row = sqlx::query!(
        "select files, defaults from bank_uploads where id = $1 and user_id = $2",
        id,
        user as UserId,
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let corrupt = |e: serde_json::Error| DbError::Corrupt(format!("upload {id}: {e}"));
    Ok(Some(PendingUpload {
        files: serde_json::from_value(row.files).map_err(corrupt)?,
        defaults: row
            .defaults
            .map(serde_json::from_value)
            .transpose()
            .map_err(corrupt)?
            .flatten(),
    }))
}

pub async fn delete_upload(pool: &PgPool, id: uuid::Uuid) -> Result<(), DbError> {
    sqlx::query!("delete from bank_uploads where id = $1", id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Drops uploads nobody confirmed within a day.
pub async fn purge_uploads(pool: &PgPool) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query!("delete from bank_uploads where created_at < now() - interval '1 day'")
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// A topic's name, for filter menus.
#[derive(Debug, Clone)]
pub struct TopicName {
    pub slug: String,
    pub name: crate::bank::catalog::Localized,
}

pub async fn topic_names(pool: &PgPool) -> Result<Vec<TopicName>, DbError> {
    let rows = sqlx::query!("select slug, name_ko, name_en from topics order by slug")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| TopicName {
            slug: r.slug,
            name: crate::bank::catalog::Localized {
                ko: r.name_ko,
                en: r.name_en,
            },
        })
        .collect())
}

/// What a student's topic page shows of the topic itself.
pub struct TopicOverview {
    pub name: crate::bank::catalog::Localized,
    pub summary: crate::bank::catalog::Localized,
    /// Exams with live questions in this topic, sorted.
    pub exams: Vec<String>,
    /// Live, published questions.
    pub size: i64,
}

struct TopicOverviewRow {
    name_ko: String,
    name_en: String,
    summary_ko: String,
    summary_en: String,
    exams: Vec<String>,
    size: i64,
}

pub async fn topic_overview(pool: &PgPool, slug: &str) -> Result<Option<TopicOverview>, DbError> {
    let row = sqlx::query_as!(
        TopicOverviewRow,
        r#"select t.name_ko, t.name_en, t.summary_ko, t.summary_en,
                  array(select distinct e.exam from questions q join question_exams e on e.question_id = q.id
                        where q.topic = t.slug and q.retired_at is null and q.status = 'published' order by 1) as "exams!",
                  (select count(*) from questions q
                   where q.topic = t.slug and q.retired_at is null and q.status = 'published') as "size!"
           from topics t where t.slug = $1"#,
        slug
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| TopicOverview {
        name: crate::bank::catalog::Localized {
            ko: r.name_ko,
            en: r.name_en,
        },
        summary: crate::bank::catalog::Localized {
            ko: r.summary_ko,
            en: r.summary_en,
        },
        exams: r.exams,
        size: r.size,
    }))
}
