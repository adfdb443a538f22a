//! Draft batches in PostgreSQL: saving what the generator made, the review
//! states, edits, and publishing approved drafts through the bank import.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::draft::{DraftKind, Generation, Rule};
use crate::accounts::UserId;
use crate::bank::model::{Bank, Pool, Pos, Question, Status, Topic};
use crate::bank::store::{ImportError, ImportReport, Mode, import_with};
use crate::db::DbError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Approved,
    Rejected,
    Published,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Approved => "approved",
            State::Rejected => "rejected",
            State::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        match s {
            "pending" => Some(State::Pending),
            "approved" => Some(State::Approved),
            "rejected" => Some(State::Rejected),
            "published" => Some(State::Published),
            _ => None,
        }
    }
}

crate::text_column!(State);

fn corrupt(e: impl std::fmt::Display) -> DbError {
    DbError::Corrupt(e.to_string())
}

/// Saves a generation as a new batch, all drafts pending, in one transaction.
pub async fn save(pool: &PgPool, user: UserId, files: &[String], g: &Generation) -> Result<Uuid, DbError> {
    let id = Uuid::new_v4();
    let r = &g.report;
    let report = serde_json::json!({
        "drafts": r.drafts,
        "sections": r.sections,
        "sections_with_draft": r.sections_with_draft,
        "rejected": r.rejected.iter().map(|(k, v)| (k.as_str(), *v)).collect::<std::collections::BTreeMap<_, _>>(),
        "by_kind": r.by_kind,
        "errors": g.errors,
    });
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "insert into note_batches (id, user_id, files, topic_slug, topic_name_ko, topic_name_en, summary_ko, summary_en, report, warnings)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        id,
        user as UserId,
        files,
        g.topic.slug,
        g.topic.name_ko,
        g.topic.name_en,
        g.topic.summary_ko,
        g.topic.summary_en,
        report,
        &g.warnings,
    )
    .execute(&mut *tx)
    .await?;
    let mut ns = Vec::new();
    let mut questions = Vec::new();
    let mut kinds = Vec::new();
    let mut dfiles = Vec::new();
    let mut sections = Vec::new();
    let mut firsts = Vec::new();
    let mut lasts = Vec::new();
    let mut excerpts = Vec::new();
    let mut qualities = Vec::new();
    for (i, d) in g.drafts.iter().enumerate() {
        let gen_meta = d.question.generated.as_ref();
        ns.push(i as i32 + 1);
        questions.push(serde_json::to_value(&d.question).map_err(corrupt)?);
        kinds.push(d.kind.as_str());
        dfiles.push(d.file.as_str());
        sections.push(gen_meta.map_or("", |m| m.path.as_str()));
        firsts.push(gen_meta.map_or(0, |m| m.lines[0] as i32));
        lasts.push(gen_meta.map_or(0, |m| m.lines[1] as i32));
        excerpts.push(d.excerpt.as_str());
        qualities.push(gen_meta.map_or(0, |m| i32::from(m.quality)));
    }
    sqlx::query!(
        "insert into note_drafts (batch_id, n, question, kind, file, section, first_line, last_line, excerpt, quality)
         select $1::uuid, * from unnest($2::int[], $3::jsonb[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::text[], $10::int[])",
        id,
        &ns,
        &questions,
        &kinds as &[&str],
        &dfiles as &[&str],
        &sections as &[&str],
        &firsts,
        &lasts,
        &excerpts as &[&str],
        &qualities,
    )
    .execute(&mut *tx)
    .await?;
    crate::accounts::audit(
        &mut *tx,
        Some(user),
        "notes.generate",
        &id.to_string(),
        serde_json::json!({ "files": files, "drafts": g.drafts.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone)]
pub struct BatchSummary {
    pub id: Uuid,
    pub files: Vec<String>,
    pub created_at: OffsetDateTime,
    pub pending: i64,
    pub approved: i64,
    pub published: i64,
    pub total: i64,
}

pub async fn batches(pool: &PgPool) -> Result<Vec<BatchSummary>, DbError> {
    Ok(sqlx::query_as!(
        BatchSummary,
        r#"select b.id, b.files, b.created_at,
                  count(*) filter (where d.state = 'pending') as "pending!",
                  count(*) filter (where d.state = 'approved') as "approved!",
                  count(*) filter (where d.state = 'published') as "published!",
                  count(d.n) as "total!"
           from note_batches b left join note_drafts d on d.batch_id = b.id
           group by b.id order by b.created_at desc limit 50"#
    )
    .fetch_all(pool)
    .await?)
}

#[derive(Debug, Clone)]
pub struct Batch {
    pub id: Uuid,
    pub files: Vec<String>,
    pub topic: Topic,
    pub report: serde_json::Value,
    pub warnings: Vec<String>,
}

pub async fn batch(pool: &PgPool, id: Uuid) -> Result<Option<Batch>, DbError> {
    let row = sqlx::query!(
        "select id, files, topic_slug, topic_name_ko, topic_name_en, summary_ko, summary_en, report, warnings
         from note_batches where id = $1",
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Batch {
        id: r.id,
        files: r.files,
        topic: Topic {
            slug: r.topic_slug,
            name_ko: r.topic_name_ko,
            name_en: r.topic_name_en,
            domains: vec![],
            summary_ko: r.summary_ko,
            summary_en: r.summary_en,
            pos: Pos::default(),
        },
        report: r.report,
        warnings: r.warnings,
    }))
}

#[derive(Debug, Clone)]
pub struct DraftRow {
    pub n: i32,
    pub question: Question,
    pub kind: DraftKind,
    pub file: String,
    pub section: String,
    pub first_line: i32,
    pub last_line: i32,
    pub excerpt: String,
    pub quality: i32,
    pub state: State,
}

/// A draft as stored; its question is still JSON.
struct DraftRecord {
    n: i32,
    question: serde_json::Value,
    kind: DraftKind,
    file: String,
    section: String,
    first_line: i32,
    last_line: i32,
    excerpt: String,
    quality: i32,
    state: State,
}

fn to_row(r: DraftRecord) -> Result<DraftRow, DbError> {
    Ok(DraftRow {
        n: r.n,
        question: serde_json::from_value(r.question).map_err(corrupt)?,
        kind: r.kind,
        file: r.file,
        section: r.section,
        first_line: r.first_line,
        last_line: r.last_line,
        excerpt: r.excerpt,
        quality: r.quality,
        state: r.state,
    })
}

/// Drafts of a batch in note order (file, then line), optionally one state only.
pub async fn drafts(pool: &PgPool, batch: Uuid, state: Option<State>) -> Result<Vec<DraftRow>, DbError> {
    // The same columns as `draft` reads.
    let rows = sqlx::query_as!(
        DraftRecord,
        r#"select n, question, kind as "kind: DraftKind", file, section, first_line, last_line, excerpt, quality, state as "state: State"
           from note_drafts
           where batch_id = $1 and ($2::text is null or state = $2) order by file, first_line, n"#,
        batch,
        state.map(State::as_str),
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(to_row).collect()
}

pub async fn draft(pool: &PgPool, batch: Uuid, n: i32) -> Result<Option<DraftRow>, DbError> {
    // The same columns as `drafts` reads.
    let row = sqlx::query_as!(
        DraftRecord,
        r#"select n, question, kind as "kind: DraftKind", file, section, first_line, last_line, excerpt, quality, state as "state: State"
           from note_drafts where batch_id = $1 and n = $2"#,
        batch,
        n,
    )
    .fetch_optional(pool)
    .await?;
    row.map(to_row).transpose()
}

/// Approves, rejects or reopens one draft; published drafts stay published.
pub async fn set_state(pool: &PgPool, batch: Uuid, n: i32, state: State) -> Result<bool, DbError> {
    let done = sqlx::query!(
        "update note_drafts set state = $3, updated_at = now() where batch_id = $1 and n = $2 and state <> 'published'",
        batch,
        n,
        state.as_str(),
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Approves every pending draft whose quality score is at least `min`.
pub async fn approve_at_least(pool: &PgPool, batch: Uuid, min: i32) -> Result<u64, DbError> {
    Ok(sqlx::query!(
        "update note_drafts set state = 'approved', updated_at = now()
         where batch_id = $1 and state = 'pending' and quality >= $2",
        batch,
        min,
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// Replaces a draft's question with an edited one (already validated by the caller).
pub async fn update(pool: &PgPool, batch: Uuid, n: i32, q: &Question) -> Result<bool, DbError> {
    let question = serde_json::to_value(q).map_err(corrupt)?;
    let done = sqlx::query!(
        "update note_drafts set question = $3, updated_at = now() where batch_id = $1 and n = $2 and state <> 'published'",
        batch,
        n,
        question,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(done == 1)
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("no approved drafts to publish")]
    NothingApproved,
    #[error("the approved drafts do not pass validation")]
    Invalid(Vec<crate::bank::diagnostics::Diagnostic>),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Publishes the approved drafts into `topic` (the batch's own new topic, or
/// an existing one) through the bank import, which validates and versions
/// them; nothing already in the topic is retired. New questions join `into`
/// (the instructor's page offers the pilot pool first). All or nothing.
pub async fn publish(
    pool: &PgPool,
    batch: &Batch,
    into_topic: Option<&str>,
    into: Pool,
    actor: UserId,
) -> Result<ImportReport, PublishError> {
    let approved = drafts(pool, batch.id, Some(State::Approved)).await?;
    if approved.is_empty() {
        return Err(PublishError::NothingApproved);
    }
    let slug = into_topic.unwrap_or(&batch.topic.slug).to_owned();
    let mut topic = batch.topic.clone();
    let mut domains: Vec<(String, String)> = approved
        .iter()
        .flat_map(|d| d.question.domains.iter().map(|(e, c)| (e.to_owned(), c.to_owned())))
        .collect();
    domains.sort();
    domains.dedup();
    topic.domains = domains;
    let questions: Vec<Question> = approved
        .iter()
        .map(|d| {
            let mut q = d.question.clone();
            q.status = Status::Published;
            q.topic = slug.as_str().into();
            q
        })
        .collect();
    let bank = Bank {
        blueprints: vec![],
        topics: if into_topic.is_some() { vec![] } else { vec![topic] },
        questions,
    };
    let opts = crate::bank::store::Options {
        pool: into,
        ..Mode::Add.into()
    };
    let report = match import_with(pool, &bank, Some(actor), &opts).await {
        Ok((r, _)) => r,
        Err(ImportError::Invalid(d)) => return Err(PublishError::Invalid(d)),
        Err(ImportError::Db(e)) => return Err(e.into()),
    };
    let ns: Vec<i32> = approved.iter().map(|d| d.n).collect();
    sqlx::query!(
        "update note_drafts set state = 'published', updated_at = now() where batch_id = $1 and n = any($2)",
        batch.id,
        &ns,
    )
    .execute(pool)
    .await
    .map_err(DbError::from)?;
    // Marked after the import commits; publishing again is harmless, since
    // re-importing identical questions changes nothing.
    Ok(report)
}

/// The rules in the order reports list them.
pub const RULES: [Rule; 10] = [
    Rule::AnswerInStem,
    Rule::LeakedAnswer,
    Rule::DuplicateOptions,
    Rule::DistractorTrue,
    Rule::WrongCategory,
    Rule::OptionInStem,
    Rule::NotATerm,
    Rule::TooFewDistractors,
    Rule::DuplicateStem,
    Rule::Invalid,
];
