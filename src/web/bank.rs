//! Instructor pages for question banks: browse, inspect, retire/restore
//! (one or many), and promote pilots. Uploads are in `uploads`.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::AppState;
use super::context::{InstructorOnly, PageCtx, set_flash};
use super::error::{AppError, urlencode};
use super::forms::see_other;
use crate::bank::model::{Pool, Question};
use crate::bank::store::{self, Filter, Lifecycle, Row};
use crate::markdown::render;

pub const PAGE_SIZE: i64 = 25;
/// The most questions one bulk restore takes (a few pages of the browser).
pub const MAX_BULK: usize = 500;

#[derive(Deserialize, Default)]
pub struct BrowseQuery {
    exam: Option<String>,
    domain: Option<String>,
    topic: Option<String>,
    #[serde(default, deserialize_with = "super::forms::blank_or")]
    kind: Option<KindFilter>,
    q: Option<String>,
    #[serde(default, deserialize_with = "super::forms::blank_or")]
    state: Option<LifecycleFilter>,
    #[serde(default, deserialize_with = "super::forms::blank_or")]
    pool: Option<PoolChoice>,
    page: Option<i64>,
}

super::forms::form_enum! {
    pub enum KindFilter { Single => "single", Multiple => "multiple", TrueFalse => "truefalse" }
}

super::forms::form_enum! {
    pub enum LifecycleFilter { Live => "live", Retired => "retired", All => "all" }
}

super::forms::form_enum! {
    /// A question pool chosen in a filter or a form.
    pub enum PoolChoice { Pilot => "pilot", Full => "full" }
}

impl PoolChoice {
    pub fn pool(self) -> Pool {
        match self {
            PoolChoice::Pilot => Pool::Pilot,
            PoolChoice::Full => Pool::Full,
        }
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/bank/browse.html")]
pub struct BrowsePage {
    pub ctx: PageCtx,
    pub rows: Vec<Row>,
    /// Some row can be ticked for the bulk restore.
    pub any_retired: bool,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub exam: String,
    pub domain: String,
    pub topic: String,
    pub kind: String,
    pub q: String,
    pub state: String,
    pub pool: String,
    pub topics: Vec<(String, String)>,
    pub exams: Vec<(String, String)>,
    /// The current filters as a query string, for the pager links.
    pub query: String,
}

pub async fn browse(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    query: web::Query<BrowseQuery>,
) -> Result<BrowsePage, AppError> {
    let q = query.into_inner();
    let lifecycle = match q.state {
        Some(LifecycleFilter::Retired) => Lifecycle::Retired,
        Some(LifecycleFilter::All) => Lifecycle::All,
        Some(LifecycleFilter::Live) | None => Lifecycle::Live,
    };
    let filter = Filter {
        exam: non_empty(&q.exam),
        domain: non_empty(&q.domain),
        topic: non_empty(&q.topic),
        kind: q.kind.map(|k| k.as_str().to_owned()),
        text: non_empty(&q.q),
        lifecycle,
        pool: q.pool.map(PoolChoice::pool),
    };
    let page = super::forms::page_number(q.page)?;
    let (rows, total) = store::search(&state.pool, &filter, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let lang = auth.ctx.lang;
    let topics = topic_menu(&state, lang).await?;
    let exams = state.exam_choices().await?;
    let state_code = q.state.unwrap_or(LifecycleFilter::Live).as_str();
    let pool_code = q.pool.map_or("", PoolChoice::as_str);
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    let query = format!(
        "exam={}&domain={}&topic={}&kind={}&q={}&state={state_code}&pool={pool_code}",
        urlencode(&s(&filter.exam)),
        urlencode(&s(&filter.domain)),
        urlencode(&s(&filter.topic)),
        urlencode(&s(&filter.kind)),
        urlencode(&s(&filter.text)),
    );
    Ok(BrowsePage {
        ctx: auth.ctx,
        any_retired: rows.iter().any(|r| r.retired),
        rows,
        total,
        page,
        pages,
        exam: s(&filter.exam),
        domain: s(&filter.domain),
        topic: s(&filter.topic),
        kind: s(&filter.kind),
        q: s(&filter.text),
        state: state_code.to_owned(),
        pool: pool_code.to_owned(),
        topics,
        exams,
        query,
    })
}

pub struct OptionView {
    pub key: char,
    pub text: String,
    pub rationale: String,
    pub correct: bool,
}

pub struct QuestionView {
    pub id: String,
    pub version: i32,
    pub stem: String,
    pub explanation: String,
    pub options: Vec<OptionView>,
    pub answer: String,
    pub exams: String,
    pub topic: String,
    pub kind: &'static str,
    pub difficulty: &'static str,
    pub status: &'static str,
    pub source_file: String,
    pub source_heading: String,
}

impl QuestionView {
    pub fn new(q: &Question, version: i32) -> Self {
        QuestionView {
            id: q.id.to_string(),
            version,
            stem: render(&q.stem),
            explanation: render(&q.explanation),
            options: q
                .options
                .iter()
                .map(|o| OptionView {
                    key: o.key,
                    text: render(&o.text),
                    rationale: render(&o.rationale),
                    correct: q.answer.contains(&o.key),
                })
                .collect(),
            answer: q
                .answer
                .iter()
                .map(|c| c.to_ascii_uppercase().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            exams: q
                .domains
                .iter()
                .map(|(e, d)| format!("{e}/{d}"))
                .collect::<Vec<_>>()
                .join(", "),
            topic: q.topic.to_string(),
            kind: q.kind.as_str(),
            difficulty: q.difficulty.as_str(),
            status: q.status.as_str(),
            source_file: q.source.file.to_string(),
            source_heading: q.source.heading.to_string(),
        }
    }
}

pub struct VersionView {
    pub version: i32,
    pub date: String,
    pub author: String,
    /// Fields that differ from the version before (empty for the first).
    pub changed: Vec<&'static str>,
}

/// Which fields differ between two versions of a question.
pub fn changed_fields(old: &Question, new: &Question) -> Vec<&'static str> {
    let mut out = Vec::new();
    let checks: [(&'static str, bool); 10] = [
        ("stem", old.stem != new.stem),
        (
            "options",
            old.options
                .iter()
                .map(|o| (o.key, &o.text))
                .ne(new.options.iter().map(|o| (o.key, &o.text))),
        ),
        ("answer", old.answer != new.answer),
        (
            "rationale",
            old.options
                .iter()
                .map(|o| &o.rationale)
                .ne(new.options.iter().map(|o| &o.rationale)),
        ),
        ("explanation", old.explanation != new.explanation),
        ("domain", old.domains != new.domains),
        ("topic", old.topic != new.topic),
        ("difficulty", old.difficulty != new.difficulty || old.kind != new.kind),
        ("source", old.source != new.source),
        ("status", old.status != new.status || old.language != new.language),
    ];
    for (name, differs) in checks {
        if differs {
            out.push(name);
        }
    }
    out
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/bank/question.html")]
pub struct QuestionPage {
    pub ctx: PageCtx,
    pub q: QuestionView,
    pub retired: bool,
    pub pilot: bool,
    pub history: Vec<VersionView>,
    pub stats: Vec<super::stats::VersionStatsView>,
}

pub async fn question(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> super::forms::PageOr<QuestionPage> {
    let Some((retired, versions)) = store::question(&state.pool, &path).await? else {
        return Err(AppError::NotFound);
    };
    let Some(current) = versions.first() else {
        return Err(AppError::NotFound);
    };
    let history = versions
        .iter()
        .enumerate()
        .map(|(i, v)| VersionView {
            version: v.version,
            date: auth.ctx.date(&v.created_at),
            author: v.created_by.clone().unwrap_or_else(|| "CLI".to_owned()),
            changed: versions
                .get(i + 1)
                .map(|older| changed_fields(&older.question, &v.question))
                .unwrap_or_default(),
        })
        .collect();
    let q = QuestionView::new(&current.question, current.version);
    let stats = super::stats::for_question(&state, &q.id).await?;
    let pilot = store::pool_of(&state.pool, &q.id).await? == Some(Pool::Pilot);
    Ok(actix_web::Either::Left(QuestionPage {
        ctx: auth.ctx,
        q,
        retired,
        pilot,
        history,
        stats,
    }))
}

pub async fn retire(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_lifecycle(auth, session, state, path.into_inner(), true).await
}

pub async fn restore(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_lifecycle(auth, session, state, path.into_inner(), false).await
}

/// Moves a pilot into the full-exam pool.
pub async fn promote(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    match store::pool_of(&state.pool, &id).await? {
        None => return Err(AppError::NotFound),
        Some(Pool::Full) => return Err(AppError::Conflict("pilot.not_a_pilot")),
        Some(Pool::Pilot) => {}
    }
    if !store::promote(&state.pool, &id, auth.user.id).await? {
        return Err(AppError::Conflict("pilot.not_a_pilot"));
    }
    set_flash(&session, "pilot.promoted");
    Ok(see_other(&format!("/instructor/bank/questions/{}", urlencode(&id))))
}

/// Restores the retired questions ticked in the bank browser, in one request.
/// The form sends `id` once per ticked row.
pub async fn restore_bulk(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let ids: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if ids.len() > MAX_BULK || ids.iter().any(|id| id.chars().count() > 200) {
        return Err(AppError::BadRequest("bank.bulk_too_many"));
    }
    if ids.is_empty() {
        set_flash(&session, "bank.bulk_none");
        return Ok(see_other("/instructor/bank?state=retired"));
    }
    let restored = store::restore_many(&state.pool, &ids, auth.user.id).await?;
    tracing::info!(
        asked = ids.len(),
        restored = restored.len(),
        "questions restored in bulk"
    );
    set_flash(&session, "bank.bulk_restored");
    Ok(see_other("/instructor/bank?state=retired"))
}

async fn set_lifecycle(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    id: String,
    retired: bool,
) -> Result<HttpResponse, AppError> {
    if !store::set_retired(&state.pool, &id, retired, Some(auth.user.id)).await? {
        return Err(AppError::NotFound);
    }
    set_flash(
        &session,
        if retired {
            "bank.retired_done"
        } else {
            "bank.restored_done"
        },
    );
    Ok(see_other(&format!("/instructor/bank/questions/{}", urlencode(&id))))
}

#[derive(Deserialize)]
pub struct ExportQuery {
    topic: Option<String>,
    #[serde(default, deserialize_with = "super::forms::blank_or")]
    format: Option<ExportFormat>,
}

super::forms::form_enum! {
    pub enum ExportFormat { Xml => "xml", Toml => "toml" }
}

/// Downloads live questions: one topic as native TOML, or one or all topics as Moodle XML.
pub async fn export(
    _auth: InstructorOnly,
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let topics: Vec<String> = non_empty(&query.topic).into_iter().collect();
    let bank = store::export(&state.pool, &topics).await?;
    // The file name echoes the topic only when it is a plain slug.
    let stem = topics
        .first()
        .filter(|t| t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .cloned()
        .unwrap_or_else(|| "examdrill-bank".to_owned());
    let (body, content_type, ext) = if query.format == Some(ExportFormat::Toml) {
        let Some(topic) = topics.first() else {
            return Err(AppError::NotFound);
        };
        let files = crate::bank::export::to_native_files(&bank).map_err(AppError::internal)?;
        let body = files.get(&format!("{topic}.toml")).cloned().ok_or(AppError::NotFound)?;
        (body, "application/toml; charset=utf-8", "toml")
    } else {
        (
            crate::bank::formats::moodle_xml::export(&bank),
            "application/xml; charset=utf-8",
            "xml",
        )
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("content-disposition", format!("attachment; filename=\"{stem}.{ext}\"")))
        .body(body))
}

/// Every topic as (slug, name in `lang`), for filter and default menus.
async fn topic_menu(state: &AppState, lang: crate::i18n::Lang) -> Result<Vec<(String, String)>, AppError> {
    Ok(store::topic_names_in(&state.pool, lang).await?)
}
