//! Instructor pages for question banks: browse, inspect, retire/restore, and
//! upload with a preview that must be confirmed.

use std::sync::Arc;

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use futures_util::StreamExt;
use serde::Deserialize;

use super::AppState;
use super::context::{InstructorOnly, PageCtx, set_flash};
use super::error::{AppError, urlencode};
use super::forms::{multipart_error, render_with_status, see_other};
use super::upload_parse::parse_pending;
use crate::bank::formats::Defaults;
use crate::bank::load::{Outcome, Verdict};
use crate::bank::model::Difficulty;
use crate::bank::model::Question;
use crate::bank::store::{self, Filter, ImportError, ImportReport, Lifecycle, Mode, PendingUpload, Row, UploadedFile};
use crate::bank::{Diagnostic, lint};
use crate::markdown::render;

pub const PAGE_SIZE: i64 = 25;
/// Upper bound on one upload (all files together).
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

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
    page: Option<i64>,
}

super::forms::form_enum! {
    pub enum KindFilter { Single => "single", Multiple => "multiple", TrueFalse => "truefalse" }
}

super::forms::form_enum! {
    pub enum LifecycleFilter { Live => "live", Retired => "retired", All => "all" }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/bank/browse.html")]
pub struct BrowsePage {
    pub ctx: PageCtx,
    pub rows: Vec<Row>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub exam: String,
    pub domain: String,
    pub topic: String,
    pub kind: String,
    pub q: String,
    pub state: String,
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
    };
    let page = super::forms::page_number(q.page)?;
    let (rows, total) = store::search(&state.pool, &filter, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let lang = auth.ctx.lang;
    let topics = topic_menu(&state, lang).await?;
    let exams = state.exam_choices().await?;
    let state_code = q.state.unwrap_or(LifecycleFilter::Live).as_str();
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    let query = format!(
        "exam={}&domain={}&topic={}&kind={}&q={}&state={state_code}",
        urlencode(&s(&filter.exam)),
        urlencode(&s(&filter.domain)),
        urlencode(&s(&filter.topic)),
        urlencode(&s(&filter.kind)),
        urlencode(&s(&filter.text)),
    );
    Ok(BrowsePage {
        ctx: auth.ctx,
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
            id: q.id.clone(),
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
            topic: q.topic.clone(),
            kind: q.kind.as_str(),
            difficulty: q.difficulty.as_str(),
            status: q.status.as_str(),
            source_file: q.source.file.clone(),
            source_heading: q.source.heading.clone(),
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
    Ok(actix_web::Either::Left(QuestionPage {
        ctx: auth.ctx,
        q,
        retired,
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

#[derive(Template, WebTemplate)]
#[template(path = "instructor/bank/upload.html")]
pub struct UploadPage {
    pub ctx: PageCtx,
    pub error: Option<&'static str>,
    /// Where in which file the error is, when it is at one place.
    pub error_at: Option<String>,
    pub max_mb: usize,
    pub topics: Vec<(String, String)>,
    pub exams: Vec<(String, String)>,
}

async fn upload_page(
    auth: InstructorOnly,
    state: &AppState,
    error: Option<(&'static str, Option<String>)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let lang = auth.ctx.lang;
    let topics = topic_menu(state, lang).await?;
    render_with_status(
        &UploadPage {
            ctx: auth.ctx,
            error: error.as_ref().map(|e| e.0),
            error_at: error.and_then(|e| e.1),
            max_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
            topics,
            exams: state.exam_choices().await?,
        },
        status,
    )
}

pub async fn upload_form(auth: InstructorOnly, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    upload_page(auth, &state, None, StatusCode::OK).await
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

/// The CSV template offered on the upload page.
pub async fn csv_template(_auth: InstructorOnly) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", "attachment; filename=\"examdrill-template.csv\""))
        .body(crate::bank::formats::csv::template())
}

/// Reads the files and the default fields of a multipart upload, refusing
/// more than [`MAX_UPLOAD_BYTES`].
type UploadError = (&'static str, Option<String>);

async fn read_files(mut payload: Multipart) -> Result<Result<PendingUpload, UploadError>, AppError> {
    let mut files = Vec::new();
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut total = 0usize;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(multipart_error)?;
        let cd = field.content_disposition().cloned();
        let Some(name) = cd.as_ref().and_then(|cd| cd.get_filename()).map(str::to_owned) else {
            // A plain field (the CSRF token was already checked by the middleware).
            let key = cd.as_ref().and_then(|cd| cd.get_name()).unwrap_or("").to_owned();
            let mut value = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(multipart_error)?;
                if value.len() + chunk.len() <= 1024 {
                    value.extend_from_slice(&chunk);
                }
            }
            let Ok(value) = String::from_utf8(value) else {
                return Ok(Err(("error.control_chars", None)));
            };
            if value.chars().any(char::is_control) {
                return Ok(Err(("error.control_chars", None)));
            }
            fields.push((key, value.trim().to_owned()));
            continue;
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            total += chunk.len();
            if total > MAX_UPLOAD_BYTES {
                return Ok(Err(("bank.upload_too_large", None)));
            }
            bytes.extend_from_slice(&chunk);
        }
        if name.is_empty() && bytes.is_empty() {
            continue;
        }
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let at = crate::bank::diagnostics::decode(&name, e.into_bytes())
                    .err()
                    .map(|d| d.pos.to_string());
                return Ok(Err(("bank.upload_not_utf8", at)));
            }
        };
        files.push(UploadedFile { name, text });
    }
    if files.is_empty() {
        return Ok(Err(("bank.upload_empty", None)));
    }
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    // Only needed, and only stored, when the instructor filled them in.
    let defaults = get("topic").map(|topic| Defaults {
        topic,
        exam: get("exam").unwrap_or_default(),
        domain: get("domain").unwrap_or_default(),
        difficulty: get("difficulty")
            .as_deref()
            .and_then(Difficulty::parse)
            .unwrap_or(Difficulty::Medium),
        language: get("language").filter(|l| l == "en").unwrap_or_else(|| "ko".to_owned()),
    });
    Ok(Ok(PendingUpload { files, defaults }))
}

pub async fn upload(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    match read_files(payload).await? {
        Ok(upload) => {
            let id = store::save_upload(&state.pool, auth.user.id, &upload).await?;
            Ok(see_other(&format!("/instructor/bank/uploads/{id}")))
        }
        Err((key, at)) => {
            let status = if key == "bank.upload_too_large" {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            upload_page(auth, &state, Some((key, at)), status).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/bank/preview.html")]
pub struct PreviewPage {
    pub ctx: PageCtx,
    pub upload_id: uuid::Uuid,
    pub files: Vec<String>,
    pub problems: Vec<Diagnostic>,
    pub report: Option<ImportReport>,
    /// What a test-wise student could exploit in the upload: warnings only,
    /// since a foreign bank is not ours to reject.
    pub lint: Vec<String>,
    /// Each question of a foreign file: imported, warned or skipped, and why.
    pub outcomes: Vec<OutcomeRow>,
}

pub struct OutcomeRow {
    pub pos: String,
    /// i18n key of the verdict, and the CSS class marking it.
    pub verdict: &'static str,
    pub class: &'static str,
    pub id: String,
    pub reasons: Vec<String>,
}

impl From<Outcome> for OutcomeRow {
    fn from(o: Outcome) -> Self {
        let (verdict, class) = match o.verdict {
            Verdict::Imported => ("bank.outcome_imported", "imported"),
            Verdict::Warned => ("bank.outcome_warned", "warned"),
            Verdict::Skipped => ("bank.outcome_skipped", "skipped"),
        };
        OutcomeRow {
            pos: o.pos.to_string(),
            verdict,
            class,
            id: o.id.unwrap_or_default(),
            reasons: o.reasons,
        }
    }
}

type DryRun = (Vec<Diagnostic>, Option<ImportReport>, Vec<String>, Vec<OutcomeRow>);

async fn dry_run(state: &AppState, upload: &Arc<PendingUpload>) -> Result<DryRun, AppError> {
    let mut loaded = parse_pending(upload).await;
    let outcomes = std::mem::take(&mut loaded.outcomes)
        .into_iter()
        .map(OutcomeRow::from)
        .collect();
    let report = lint::lint(&loaded.bank.questions, false);
    let mut warnings = lint::Thresholds::exam_grade().breaches(&report);
    warnings.extend(
        report
            .flags
            .iter()
            .take(50)
            .map(|f| format!("{}: {} {}", f.question, f.kind.name(), f.detail)),
    );
    if !loaded.diagnostics.is_empty() {
        // Also check what did parse, so one preview lists every problem.
        loaded
            .diagnostics
            .extend(store::validate_upload(&state.pool, &loaded.bank).await?);
        return Ok((loaded.diagnostics, None, warnings, outcomes));
    }
    match store::import(&state.pool, &loaded.bank, None, Mode::DryRun).await {
        Ok(report) => Ok((Vec::new(), Some(report), warnings, outcomes)),
        Err(ImportError::Invalid(d)) => Ok((d, None, warnings, outcomes)),
        Err(ImportError::Db(e)) => Err(e.into()),
    }
}

/// The instructor's own pending upload; anyone else's is not found.
async fn own_upload(state: &AppState, id: uuid::Uuid, auth: &InstructorOnly) -> Result<store::PendingUpload, AppError> {
    store::load_upload(&state.pool, id, auth.user.id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn preview(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    path: web::Path<uuid::Uuid>,
) -> Result<PreviewPage, AppError> {
    let id = path.into_inner();
    let upload = Arc::new(own_upload(&state, id, &auth).await?);
    let (problems, report, lint, outcomes) = dry_run(&state, &upload).await?;
    let names = upload.files.iter().map(|f| f.name.clone()).collect();
    Ok(PreviewPage {
        ctx: auth.ctx,
        upload_id: id,
        files: names,
        problems,
        report,
        lint,
        outcomes,
    })
}

pub async fn confirm(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let upload = Arc::new(own_upload(&state, id, &auth).await?);
    let loaded = parse_pending(&upload).await;
    if !loaded.diagnostics.is_empty() {
        return Ok(see_other(&format!("/instructor/bank/uploads/{id}")));
    }
    match store::import(&state.pool, &loaded.bank, Some(auth.user.id), Mode::Apply).await {
        Ok(report) => {
            store::delete_upload(&state.pool, id).await?;
            tracing::info!(
                added = report.added.len(),
                changed = report.changed.len(),
                retired = report.retired.len(),
                "bank imported"
            );
            set_flash(&session, "bank.import_done");
            Ok(see_other("/instructor/bank"))
        }
        // Something changed since the preview; show the fresh preview with its problems.
        Err(ImportError::Invalid(_)) => Ok(see_other(&format!("/instructor/bank/uploads/{id}"))),
        Err(ImportError::Db(e)) => Err(e.into()),
    }
}
