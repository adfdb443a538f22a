//! The instructor's upload flow: upload (choosing "add or update" or "replace
//! this topic", and whether new questions are pilots), a preview that must be
//! confirmed, and the upload history, where one upload's retirements are
//! undone in one action.

use std::sync::Arc;

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use compact_str::CompactString;
use futures_util::StreamExt;

use super::AppState;
use super::context::{InstructorOnly, PageCtx, set_flash};
use super::error::AppError;
use super::forms::{multipart_error, render_with_status, see_other};
use super::upload_parse::parse_pending;
use crate::bank::formats::Defaults;
use crate::bank::formats::category::CategoryMode;
use crate::bank::load::{CategoryUse, Loaded, Outcome, Verdict};
use crate::bank::model::Difficulty;
use crate::bank::store::{self, ImportError, ImportRecord, ImportReport, PendingUpload, UploadMode, UploadedFile};
use crate::bank::{Diagnostic, lint};

/// Upper bound on one upload (all files together).
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// How many uploads the history lists.
pub const HISTORY_SIZE: i64 = 50;

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
    let topics = store::topic_names_in(&state.pool, lang).await?;
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

/// The CSV template offered on the upload page.
pub async fn csv_template(_auth: InstructorOnly) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", "attachment; filename=\"examdrill-template.csv\""))
        .body(crate::bank::formats::csv::template())
}

/// A problem with the upload, shown on the upload form: a message key, and
/// where in which file it is when it is at one place.
type UploadError = (&'static str, Option<String>);

/// Reads one plain (non-file) multipart field, at most 1 KiB of it.
async fn read_field(field: &mut actix_multipart::Field) -> Result<Result<String, UploadError>, AppError> {
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
    Ok(Ok(value.trim().to_owned()))
}

/// Reads the files and the fields of a multipart upload, refusing more than
/// [`MAX_UPLOAD_BYTES`]. An unknown mode is a 400; replacing a topic with a
/// foreign file is refused with a message on the form.
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
            match read_field(&mut field).await? {
                Ok(value) => fields.push((key, value)),
                Err(e) => return Ok(Err(e)),
            }
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
    let mode = match get("mode") {
        None => UploadMode::Add,
        Some(m) => UploadMode::parse(&m).ok_or(AppError::BadRequest("bank.bad_mode"))?,
    };
    if mode == UploadMode::Replace && !store::replace_allowed(&files) {
        return Ok(Err(("bank.replace_native_only", None)));
    }
    let as_pilots = match get("as_pilots").as_deref() {
        None => false,
        Some("true") => true,
        Some(_) => return Err(AppError::BadRequest("bank.bad_mode")),
    };
    let categories = match get("categories") {
        None => CategoryMode::OneTopic,
        Some(m) => CategoryMode::parse(&m).ok_or(AppError::BadRequest("bank.bad_category_mode"))?,
    };
    // Only needed, and only stored, when the instructor filled them in; one
    // topic per category needs no topic chosen.
    let wanted = get("topic").is_some() || categories == CategoryMode::PerCategory;
    let defaults = wanted.then(|| Defaults {
        topic: get("topic").unwrap_or_default(),
        exam: get("exam").unwrap_or_default(),
        domain: get("domain").unwrap_or_default(),
        difficulty: get("difficulty")
            .as_deref()
            .and_then(Difficulty::parse)
            .unwrap_or(Difficulty::Medium),
        language: get("language").filter(|l| l == "en").unwrap_or_else(|| "ko".to_owned()),
        categories,
    });
    Ok(Ok(PendingUpload {
        files,
        defaults,
        mode,
        as_pilots,
    }))
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
    pub replace: bool,
    pub as_pilots: bool,
    pub problems: Vec<Diagnostic>,
    pub report: Option<ImportReport>,
    /// The questions confirming would retire, with their stems (replace mode only).
    pub retirements: Vec<(String, String)>,
    /// The same lint `bank lint` prints, by severity: warnings only here,
    /// since a foreign bank is not ours to reject.
    pub lint: lint::Summary,
    /// Each question of a foreign file: imported, warned or skipped, and why.
    pub outcomes: Vec<OutcomeRow>,
    /// The Moodle categories the files name, and where their questions go.
    pub categories: Vec<CategoryRow>,
}

pub struct CategoryRow {
    /// None for the questions before any category.
    pub path: Option<String>,
    pub questions: usize,
    pub topic: String,
    pub new_topic: bool,
}

impl From<CategoryUse> for CategoryRow {
    fn from(c: CategoryUse) -> Self {
        CategoryRow {
            path: c.path.map(|p| p.to_string()),
            questions: c.questions,
            topic: c.topic,
            new_topic: c.new_topic,
        }
    }
}

pub struct OutcomeRow {
    pub pos: String,
    /// i18n key of the verdict, and the CSS class marking it.
    pub verdict: &'static str,
    pub class: &'static str,
    pub id: String,
    pub reasons: Vec<Arc<str>>,
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
            id: o.id.map(CompactString::into_string).unwrap_or_default(),
            reasons: o.reasons,
        }
    }
}

struct DryRun {
    problems: Vec<Diagnostic>,
    report: Option<ImportReport>,
    lint: lint::Summary,
    outcomes: Vec<OutcomeRow>,
    categories: Vec<CategoryRow>,
}

/// The upload's files read against what the bank holds now (where Moodle
/// categories may point), within the configured time limit.
async fn read_upload(state: &AppState, upload: &Arc<PendingUpload>) -> Result<Loaded, AppError> {
    let known = store::placement_known(&state.pool).await?;
    Ok(parse_pending(upload, known, state.upload_parse_limit).await)
}

async fn dry_run(state: &AppState, upload: &Arc<PendingUpload>) -> Result<DryRun, AppError> {
    let mut loaded = read_upload(state, upload).await?;
    let outcomes = std::mem::take(&mut loaded.outcomes)
        .into_iter()
        .map(OutcomeRow::from)
        .collect();
    let categories = std::mem::take(&mut loaded.categories)
        .into_iter()
        .map(CategoryRow::from)
        .collect();
    let lint = lint::Summary::new(
        &lint::lint(&loaded.bank.questions, false),
        &lint::Thresholds::exam_grade(),
    );
    let mut run = DryRun {
        problems: Vec::new(),
        report: None,
        lint,
        outcomes,
        categories,
    };
    if !loaded.diagnostics.is_empty() {
        // Also check what did parse, so one preview lists every problem.
        loaded
            .diagnostics
            .extend(store::validate_upload(&state.pool, &loaded.bank).await?);
        run.problems = loaded.diagnostics;
        return Ok(run);
    }
    match store::import_with(&state.pool, &loaded.bank, None, &upload.options(false)).await {
        Ok((report, _)) => run.report = Some(report),
        Err(ImportError::Invalid(d)) => run.problems = d,
        Err(ImportError::Db(e)) => return Err(e.into()),
    }
    Ok(run)
}

/// The instructor's own pending upload; anyone else's is not found.
async fn own_upload(state: &AppState, id: uuid::Uuid, auth: &InstructorOnly) -> Result<PendingUpload, AppError> {
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
    let run = dry_run(&state, &upload).await?;
    let retirements = match &run.report {
        Some(r) if !r.retired.is_empty() => store::stems(&state.pool, &r.retired).await?,
        _ => Vec::new(),
    };
    Ok(PreviewPage {
        ctx: auth.ctx,
        upload_id: id,
        replace: upload.mode == UploadMode::Replace,
        as_pilots: upload.as_pilots,
        files: upload.files.iter().map(|f| f.name.clone()).collect(),
        problems: run.problems,
        report: run.report,
        retirements,
        lint: run.lint,
        outcomes: run.outcomes,
        categories: run.categories,
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
    let loaded = read_upload(&state, &upload).await?;
    if !loaded.diagnostics.is_empty() {
        return Ok(see_other(&format!("/instructor/bank/uploads/{id}")));
    }
    match store::import_with(&state.pool, &loaded.bank, Some(auth.user.id), &upload.options(true)).await {
        Ok((report, record)) => {
            store::delete_upload(&state.pool, id).await?;
            tracing::info!(
                added = report.added.len(),
                changed = report.changed.len(),
                retired = report.retired.len(),
                mode = %upload.mode,
                "bank imported"
            );
            set_flash(&session, "bank.import_done");
            // With retirements, the result page offers to undo them.
            match record {
                Some(r) if !report.retired.is_empty() => Ok(see_other(&format!("/instructor/bank/imports/{r}"))),
                _ => Ok(see_other("/instructor/bank")),
            }
        }
        // Something changed since the preview; show the fresh preview with its problems.
        Err(ImportError::Invalid(_)) => Ok(see_other(&format!("/instructor/bank/uploads/{id}"))),
        Err(ImportError::Db(e)) => Err(e.into()),
    }
}

/// One upload in the history, as the pages print it.
pub struct ImportView {
    pub id: uuid::Uuid,
    pub date: String,
    pub by: String,
    pub files: String,
    /// Message key of the mode.
    pub mode: &'static str,
    pub added: i32,
    pub changed: i32,
    pub retired: i32,
    pub still_retired: i64,
    pub undone: bool,
}

impl ImportView {
    fn new(ctx: &PageCtx, r: ImportRecord) -> Self {
        ImportView {
            id: r.id,
            date: ctx.date(&r.created_at),
            by: r.by.unwrap_or_else(|| "—".to_owned()),
            files: r.files,
            mode: match r.mode {
                UploadMode::Add => "bank.mode_add",
                UploadMode::Replace => "bank.mode_replace",
            },
            added: r.added,
            changed: r.changed,
            retired: r.retired,
            still_retired: r.still_retired,
            undone: r.undone_at.is_some(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/bank/imports.html")]
pub struct HistoryPage {
    pub ctx: PageCtx,
    pub imports: Vec<ImportView>,
}

pub async fn history(auth: InstructorOnly, state: web::Data<AppState>) -> Result<HistoryPage, AppError> {
    let records = store::imports(&state.pool, HISTORY_SIZE).await?;
    let imports = records.into_iter().map(|r| ImportView::new(&auth.ctx, r)).collect();
    Ok(HistoryPage { ctx: auth.ctx, imports })
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/bank/import.html")]
pub struct ImportPage {
    pub ctx: PageCtx,
    pub rec: ImportView,
    pub retirements: Vec<store::Retirement>,
}

pub async fn import_result(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    path: web::Path<uuid::Uuid>,
) -> Result<ImportPage, AppError> {
    let (record, retirements) = store::import_record(&state.pool, path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ImportPage {
        rec: ImportView::new(&auth.ctx, record),
        retirements,
        ctx: auth.ctx,
    })
}

/// Restores, in one action, every question this upload retired that is still retired by it.
pub async fn undo(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let restored = store::undo_retirements(&state.pool, id, auth.user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tracing::info!(import = %id, restored = restored.len(), "upload retirements undone");
    set_flash(&session, "bank.undo_done");
    Ok(see_other(&format!("/instructor/bank/imports/{id}")))
}
