//! Banks in PostgreSQL. An import is one transaction: it validates against what
//! the database already knows, writes a new immutable version for every changed
//! question, retires questions that left their topic when asked to, and records who did it.
//! A dry run is the same import rolled back, so a preview never disagrees with
//! what confirming will do.

use std::collections::{HashMap, HashSet};

use sqlx::{PgPool, Postgres, Transaction};

use super::diagnostics::Diagnostic;
use super::model::{Bank, Blueprint, BlueprintDomain, NoteRules, Pool, Pos, Question, TaggedNotes, Topic};
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
    note_tags: Vec<String>,
    note_untagged: bool,
    note_all_of_tagged: bool,
    note_path_words: Vec<String>,
    note_default_domain: Option<String>,
}

struct DomainRow {
    exam: String,
    code: String,
    weight: i32,
    name_ko: String,
    name_en: String,
    keywords: Vec<String>,
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

/// Every stored blueprint with its domains, in code order.
pub async fn blueprints(pool: &PgPool) -> Result<Vec<Blueprint>, DbError> {
    let rows = sqlx::query_as!(
        BlueprintRow,
        "select code, name_ko, name_en, questions, minutes, passing_score, score_min, score_max,
                note_tags, note_untagged, note_all_of_tagged, note_path_words, note_default_domain
         from blueprints order by code",
    )
    .fetch_all(pool)
    .await?;
    let doms = sqlx::query_as!(
        DomainRow,
        "select exam, code, weight, name_ko, name_en, keywords from blueprint_domains order by exam, position"
    )
    .fetch_all(pool)
    .await?;
    let uint = |n: i32| u32::try_from(n).unwrap_or(0);
    Ok(rows
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
                    keywords: d.keywords.clone(),
                })
                .collect(),
            notes: NoteRules {
                tags: r.note_tags,
                untagged_notes: r.note_untagged,
                tagged_notes: if r.note_all_of_tagged {
                    TaggedNotes::AllSections
                } else {
                    TaggedNotes::TaggedSections
                },
                path_words: r.note_path_words,
                default_domain: r.note_default_domain,
            },
            questions: uint(r.questions),
            minutes: uint(r.minutes),
            passing_score: uint(r.passing_score),
            score_min: uint(r.score_min),
            score_max: uint(r.score_max),
            code: r.code,
            name_ko: r.name_ko,
            name_en: r.name_en,
        })
        .collect())
}

/// Blueprints and topics already stored, so an upload may refer to them.
pub async fn known(pool: &PgPool) -> Result<(Vec<Blueprint>, Vec<Topic>), DbError> {
    let blueprints = blueprints(pool).await?;
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
            pos: Pos::start_of("(database)"),
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

/// What an import does beyond adding and updating, and what it records.
#[derive(Debug, Clone)]
pub struct Options {
    /// Retire the questions of the upload's topics that it lacks.
    pub retire_missing: bool,
    /// Keep the result; false is a dry run, rolled back.
    pub commit: bool,
    /// The pool the questions new to the bank join; existing ones keep theirs.
    pub pool: Pool,
    /// Record the import in the upload history (with the file names and the
    /// mode chosen), so that its retirements can be undone in one action.
    pub record: Option<(String, UploadMode)>,
}

impl From<Mode> for Options {
    fn from(mode: Mode) -> Self {
        Options {
            retire_missing: mode != Mode::Add,
            commit: mode != Mode::DryRun,
            pool: Pool::Full,
            record: None,
        }
    }
}

/// Imports a whole bank in one transaction; with [`Mode::DryRun`] nothing is kept.
pub async fn import(
    pool: &PgPool,
    upload: &Bank,
    actor: Option<UserId>,
    mode: Mode,
) -> Result<ImportReport, ImportError> {
    Ok(import_with(pool, upload, actor, &mode.into()).await?.0)
}

/// [`import`] with explicit [`Options`]; also returns the id of the upload
/// history record when one was asked for and kept.
#[tracing::instrument(skip_all, fields(questions = upload.questions.len(), retire = opts.retire_missing, commit = opts.commit))]
pub async fn import_with(
    pool: &PgPool,
    upload: &Bank,
    actor: Option<UserId>,
    opts: &Options,
) -> Result<(ImportReport, Option<uuid::Uuid>), ImportError> {
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
    // The topics this upload speaks for: in replace mode a question missing from them is retired.
    let topics: Vec<&str> = {
        let mut t: Vec<&str> = upload.questions.iter().map(|q| q.topic.as_str()).collect();
        t.extend(upload.topics.iter().map(|t| t.slug.as_str()));
        t.sort_unstable();
        t.dedup();
        t
    };
    let new_versions = plan(&mut tx, upload, &topics, opts.retire_missing, &mut report).await?;
    write_versions(&mut tx, &new_versions, actor, opts.pool).await?;
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
    let record = match &opts.record {
        Some((files, mode)) if opts.commit => Some(history::record(&mut tx, actor, files, *mode, &report).await?),
        _ => None,
    };
    if opts.commit {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok((report, record))
}

/// Sorts the upload's questions into added, changed, restored and unchanged,
/// and (with `retire_missing`) lists the questions of its topics it lacks.
/// Returns the versions to write.
async fn plan<'a>(
    tx: &mut Transaction<'_, Postgres>,
    upload: &'a Bank,
    topics: &[&str],
    retire_missing: bool,
    report: &mut ImportReport,
) -> Result<Vec<(&'a Question, i32, serde_json::Value)>, ImportError> {
    let ids: Vec<&str> = upload.questions.iter().map(|q| q.id.as_str()).collect();
    let existing = existing_questions(tx, &ids, topics).await?;
    let mut new_versions = Vec::new();
    for q in &upload.questions {
        let content = serde_json::to_value(q).map_err(|e| DbError::Corrupt(format!("serialising {}: {e}", q.id)))?;
        match existing.get(q.id.as_str()) {
            None => {
                report.added.push(q.id.to_string());
                new_versions.push((q, 1, content));
            }
            Some(old) if old.content != content => {
                report.changed.push(q.id.to_string());
                new_versions.push((q, old.version + 1, content));
            }
            Some(old) if old.retired => report.restored.push(q.id.to_string()),
            Some(_) => report.unchanged += 1,
        }
    }
    let uploaded: HashSet<&str> = ids.iter().copied().collect();
    let mut retired: Vec<String> = existing
        .iter()
        .filter(|_| retire_missing)
        .filter(|(id, e)| !e.retired && !uploaded.contains(id.as_str()) && topics.contains(&e.topic.as_str()))
        .map(|(id, _)| id.clone())
        .collect();
    retired.sort();
    report.retired = retired;
    Ok(new_versions)
}

/// The current version of every question the upload names or that lives in
/// one of its topics (those may be retired by it).
async fn existing_questions(
    tx: &mut Transaction<'_, Postgres>,
    ids: &[&str],
    topics: &[&str],
) -> Result<HashMap<String, Existing>, sqlx::Error> {
    let rows = sqlx::query!(
        "select q.id, q.topic, q.current_version, q.retired_at, v.content
         from questions q join question_versions v on v.question_id = q.id and v.version = q.current_version
         where q.id = any($1) or q.topic = any($2)",
        ids as &[&str],
        topics as &[&str],
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
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
        .collect())
}

/// Gives a stored blueprint that has no note rules (stored before blueprints
/// carried them) the rules and domain keywords of `b`. Returns whether it did;
/// rules an instructor has imported are never overwritten.
pub async fn fill_note_rules(pool: &PgPool, b: &Blueprint) -> Result<bool, DbError> {
    let mut tx = pool.begin().await?;
    let filled = sqlx::query!(
        "update blueprints set note_tags = $2, note_untagged = $3, note_all_of_tagged = $4,
                note_path_words = $5, note_default_domain = $6
         where code = $1 and note_tags = '{}' and not note_untagged and not note_all_of_tagged",
        b.code,
        &b.notes.tags,
        b.notes.untagged_notes,
        b.notes.tagged_notes == TaggedNotes::AllSections,
        &b.notes.path_words,
        b.notes.default_domain,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if filled {
        for d in &b.domains {
            sqlx::query!(
                "update blueprint_domains set keywords = $3 where exam = $1 and code = $2 and keywords = '{}'",
                b.code,
                d.code,
                &d.keywords,
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(filled)
}

async fn upsert_blueprint(tx: &mut Transaction<'_, Postgres>, b: &Blueprint) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into blueprints (code, name_ko, name_en, questions, minutes, passing_score, score_min, score_max,
                note_tags, note_untagged, note_all_of_tagged, note_path_words, note_default_domain)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         on conflict (code) do update set name_ko = $2, name_en = $3, questions = $4, minutes = $5,
            passing_score = $6, score_min = $7, score_max = $8, note_tags = $9, note_untagged = $10,
            note_all_of_tagged = $11, note_path_words = $12, note_default_domain = $13, updated_at = now()",
        b.code,
        b.name_ko,
        b.name_en,
        b.questions as i32,
        b.minutes as i32,
        b.passing_score as i32,
        b.score_min as i32,
        b.score_max as i32,
        &b.notes.tags,
        b.notes.untagged_notes,
        b.notes.tagged_notes == TaggedNotes::AllSections,
        &b.notes.path_words,
        b.notes.default_domain,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!("delete from blueprint_domains where exam = $1", b.code)
        .execute(&mut **tx)
        .await?;
    for (i, d) in b.domains.iter().enumerate() {
        sqlx::query!(
            "insert into blueprint_domains (exam, code, weight, name_ko, name_en, position, keywords)
             values ($1, $2, $3, $4, $5, $6, $7)",
            b.code,
            d.code,
            d.weight as i32,
            d.name_ko,
            d.name_en,
            i as i32,
            &d.keywords,
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
    pool: Pool,
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
        "insert into questions (id, topic, current_version, kind, difficulty, language, status, search_text, option_keys, pool)
         select u.*, $10::text from unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) as u
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
        pool as Pool,
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
            qe.1.push(exam);
            qe.2.push(domain);
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

mod browse;
mod edit;
mod history;
mod pilots;
mod uploads;

pub use browse::*;
pub use edit::*;
pub use history::*;
pub use pilots::*;
pub use uploads::*;
