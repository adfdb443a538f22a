//! "Generate from notes": instructors upload study notes, review the draft
//! questions beside the note lines they came from, approve, edit or reject
//! them, and publish the approved ones through the normal bank import.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use futures_util::StreamExt;
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use super::context::{InstructorOnly, PageCtx, set_flash};
use super::editor::{self, EditorForm};
use super::error::AppError;
use super::forms::{multipart_error, render_with_status, see_other};
use crate::bank::Diagnostic;
use crate::bank::edit::Draft;
use crate::markdown::render;
use crate::notes::draft::{NoteInput, Options, generate};
use crate::notes::store::{self, Batch, BatchSummary, DraftRow, PublishError, State};

/// One note file may be this large (the generator's own limit).
pub const MAX_NOTE_BYTES: usize = crate::notes::draft::outline::MAX_BYTES;
/// All files of one upload together.
pub const MAX_NOTES_UPLOAD: usize = 20 * 1024 * 1024;

#[derive(Template, WebTemplate)]
#[template(path = "instructor/notes/index.html")]
pub struct IndexPage {
    pub ctx: PageCtx,
    pub batches: Vec<BatchSummary>,
    pub error: Option<String>,
    pub max_mb: usize,
    pub exams: Vec<(String, String)>,
}

async fn index_page(
    ctx: PageCtx,
    state: &AppState,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let batches = store::batches(&state.pool).await?;
    render_with_status(
        &IndexPage {
            ctx,
            batches,
            error,
            max_mb: MAX_NOTE_BYTES / 1024 / 1024,
            exams: state.exam_choices().await?,
        },
        status,
    )
}

pub async fn index(auth: InstructorOnly, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    index_page(auth.ctx, &state, None, StatusCode::OK).await
}

/// Reads the uploaded note files and the exam field (blank when the form sent
/// none). Errors are catalog keys.
async fn read_upload(mut payload: Multipart) -> Result<Result<(Vec<NoteInput>, String), &'static str>, AppError> {
    let mut files = Vec::new();
    let mut exam = String::new();
    let mut total = 0usize;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(multipart_error)?;
        let cd = field.content_disposition().cloned();
        let filename = cd.as_ref().and_then(|cd| cd.get_filename()).map(str::to_owned);
        let key = cd.as_ref().and_then(|cd| cd.get_name()).unwrap_or("").to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            total += chunk.len();
            if total > MAX_NOTES_UPLOAD || bytes.len() + chunk.len() > MAX_NOTE_BYTES {
                return Ok(Err("notes.too_large"));
            }
            bytes.extend_from_slice(&chunk);
        }
        match filename {
            Some(name) if !(name.is_empty() && bytes.is_empty()) => {
                let lower = name.to_lowercase();
                if !(lower.ends_with(".md") || lower.ends_with(".txt") || lower.ends_with(".markdown")) {
                    return Ok(Err("notes.wrong_type"));
                }
                files.push(NoteInput { name, bytes });
            }
            Some(_) => {}
            None if key == "exam" => {
                exam = String::from_utf8_lossy(&bytes).trim().to_owned();
            }
            None => {}
        }
    }
    if files.is_empty() {
        return Ok(Err("notes.empty"));
    }
    Ok(Ok((files, exam)))
}

pub async fn upload(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let (inputs, exam) = match read_upload(payload).await? {
        Ok(x) => x,
        Err(key) => {
            let status = if key == "notes.too_large" {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let msg = auth.ctx.t(key).to_owned();
            return index_page(auth.ctx, &state, Some(msg), status).await;
        }
    };
    // The exam is checked against the catalog; a form without one gets the first exam on offer.
    let catalog = state.catalog().await?;
    let exam = if exam.is_empty() {
        catalog
            .exams
            .first()
            .map(|e| e.code.clone())
            .ok_or(AppError::Conflict("notes.bad_exam"))?
    } else {
        catalog
            .exam(&exam)
            .map(|e| e.code.clone())
            .ok_or(AppError::BadRequest("notes.bad_exam"))?
    };
    let (blueprints, _) = crate::bank::store::known(&state.pool).await?;
    let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let opts = Options {
        seed: 1,
        default_exam: Some(exam),
        topic: None,
    };
    let g = web::block(move || generate(&inputs, &opts, &blueprints))
        .await
        .map_err(AppError::internal)?;
    if g.drafts.is_empty() {
        let mut msg = auth.ctx.t("notes.no_drafts").to_owned();
        for e in &g.errors {
            msg.push(' ');
            msg.push_str(e);
        }
        return index_page(auth.ctx, &state, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let id = store::save(&state.pool, auth.user.id, &names, &g).await?;
    Ok(see_other(&format!("/instructor/notes/{id}")))
}

pub struct DraftView {
    pub n: i32,
    pub id: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub quality: i32,
    pub stem: String,
    /// (label, html, correct, rationale)
    pub options: Vec<(char, String, bool, String)>,
    pub explanation: String,
    pub exam_domain: String,
    pub lines: String,
    pub excerpt: String,
}

pub struct SectionGroup {
    pub file: String,
    pub section: String,
    pub drafts: Vec<DraftView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/notes/batch.html")]
pub struct BatchPage {
    pub ctx: PageCtx,
    pub id: Uuid,
    pub files: Vec<String>,
    pub topic_slug: String,
    pub topic_name: String,
    pub topics: Vec<(String, String)>,
    pub report: Vec<(String, String)>,
    pub warnings: Vec<String>,
    pub filter: String,
    pub counts: Vec<(&'static str, usize)>,
    pub groups: Vec<SectionGroup>,
    pub problems: Vec<Diagnostic>,
    /// The bulk-approval score measured on graded drafts (score-weights.toml).
    pub approve_at: u8,
}

fn view(d: DraftRow) -> DraftView {
    let q = d.question;
    DraftView {
        n: d.n,
        kind: d.kind.as_str(),
        state: d.state.as_str(),
        quality: d.quality,
        stem: render(&q.stem),
        options: q
            .options
            .iter()
            .map(|o| {
                (
                    o.key,
                    render(&o.text),
                    q.answer.contains(&o.key),
                    o.rationale.to_string(),
                )
            })
            .collect(),
        explanation: render(&q.explanation),
        exam_domain: q
            .domains
            .iter()
            .map(|(e, c)| format!("{e}/{c}"))
            .collect::<Vec<_>>()
            .join(", "),
        lines: format!("{}–{}", d.first_line, d.last_line),
        excerpt: d.excerpt,
        id: q.id.into_string(),
    }
}

#[derive(Deserialize)]
pub struct BatchQuery {
    state: Option<String>,
}

async fn batch_page(
    ctx: PageCtx,
    state: &AppState,
    id: Uuid,
    filter: Option<State>,
    problems: Vec<Diagnostic>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let batch = store::batch(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let all = store::drafts(&state.pool, id, None).await?;
    let counts = [State::Pending, State::Approved, State::Rejected, State::Published]
        .into_iter()
        .map(|s| (s.as_str(), all.iter().filter(|d| d.state == s).count()))
        .collect();
    let mut groups: Vec<SectionGroup> = Vec::new();
    for d in all.into_iter().filter(|d| filter.is_none_or(|f| d.state == f)) {
        let (file, section) = (d.file.clone(), d.section.clone());
        match groups.last_mut() {
            Some(g) if g.file == file && g.section == section => g.drafts.push(view(d)),
            _ => groups.push(SectionGroup {
                file,
                section,
                drafts: vec![view(d)],
            }),
        }
    }
    let r = &batch.report;
    let num = |k: &str| r.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
    let mut report = vec![
        (ctx.t("notes.report_drafts").to_owned(), num("drafts").to_string()),
        (
            ctx.t("notes.report_sections").to_owned(),
            format!("{} / {}", num("sections_with_draft"), num("sections")),
        ),
    ];
    if let Some(rej) = r.get("rejected").and_then(serde_json::Value::as_object) {
        for (rule, n) in rej {
            report.push((format!("{}: {rule}", ctx.t("notes.report_rejected")), n.to_string()));
        }
    }
    let mut topics: Vec<(String, String)> = crate::review::plan::topic_names(&state.pool, ctx.lang)
        .await?
        .into_iter()
        .collect();
    topics.sort();
    render_with_status(
        &BatchPage {
            id,
            files: batch.files,
            topic_slug: batch.topic.slug.clone(),
            topic_name: crate::bank::catalog::Localized {
                ko: batch.topic.name_ko,
                en: batch.topic.name_en,
            }
            .get(ctx.lang)
            .to_owned(),
            topics,
            report,
            warnings: batch.warnings,
            filter: filter.map_or("", State::as_str).to_owned(),
            counts,
            groups,
            problems,
            approve_at: crate::notes::draft::score::approval_threshold(),
            ctx,
        },
        status,
    )
}

pub async fn batch(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<BatchQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = query.state.as_deref().and_then(State::parse);
    batch_page(auth.ctx, &state, path.into_inner(), filter, vec![], StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct StateForm {
    #[serde(deserialize_with = "parse_action")]
    action: Action,
    back: Option<String>,
}

super::forms::form_enum! {
    pub enum Action { Approve => "approve", Reject => "reject", Reopen => "reopen" }
}

fn parse_action<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Action, D::Error> {
    super::forms::blank_or(d)?.ok_or_else(|| serde::de::Error::custom("no action"))
}

fn back_to(id: Uuid, back: Option<&str>, n: i32) -> String {
    let filter = back
        .and_then(State::parse)
        .map_or(String::new(), |s| format!("?state={}", s.as_str()));
    format!("/instructor/notes/{id}{filter}#draft-{n}")
}

pub async fn set_state(
    _auth: InstructorOnly,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, i32)>,
    form: web::Form<StateForm>,
) -> Result<HttpResponse, AppError> {
    let (id, n) = path.into_inner();
    let new = match form.action {
        Action::Approve => State::Approved,
        Action::Reject => State::Rejected,
        Action::Reopen => State::Pending,
    };
    if !store::set_state(&state.pool, id, n, new).await? && store::draft(&state.pool, id, n).await?.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&back_to(id, form.back.as_deref(), n)))
}

#[derive(Deserialize)]
pub struct BulkForm {
    min_quality: String,
}

pub async fn approve_bulk(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    form: web::Form<BulkForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let Some(min) = form
        .min_quality
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|m| (0..=100).contains(m))
    else {
        let d = Diagnostic {
            pos: Default::default(),
            message: auth.ctx.t("notes.bad_quality").to_owned(),
        };
        return batch_page(auth.ctx, &state, id, None, vec![d], StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    store::batch(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    store::approve_at_least(&state.pool, id, min).await?;
    set_flash(&session, "notes.bulk_done");
    Ok(see_other(&format!("/instructor/notes/{id}?state=approved")))
}

#[derive(Deserialize)]
pub struct PublishForm {
    /// Empty: the batch's own new topic.
    topic: Option<String>,
    /// Absent: pilots, so untested drafts reach practice before full exams.
    #[serde(default, deserialize_with = "super::forms::blank_or")]
    pool: Option<super::bank::PoolChoice>,
}

pub async fn publish(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    form: web::Form<PublishForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let batch = store::batch(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let into = form.topic.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let pool = form
        .pool
        .map_or(crate::bank::model::Pool::Pilot, super::bank::PoolChoice::pool);
    match store::publish(&state.pool, &batch, into, pool, auth.user.id).await {
        Ok(_) => {
            set_flash(&session, "notes.published");
            Ok(see_other(&format!("/instructor/notes/{id}?state=published")))
        }
        Err(PublishError::NothingApproved) => {
            let d = Diagnostic {
                pos: Default::default(),
                message: auth.ctx.t("notes.nothing_approved").to_owned(),
            };
            batch_page(auth.ctx, &state, id, None, vec![d], StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(PublishError::Invalid(d)) => {
            batch_page(auth.ctx, &state, id, None, d, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(PublishError::Db(e)) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/notes/edit.html")]
pub struct EditPage {
    pub ctx: PageCtx,
    pub id: Uuid,
    pub n: i32,
    pub excerpt: String,
    pub lines: String,
    pub file: String,
    pub form: EditorForm,
}

/// The draft in the question editor's form, beside the note lines it came from.
async fn edit_page(
    ctx: PageCtx,
    state: &AppState,
    (id, n): (Uuid, i32),
    d: DraftRow,
    batch: &Batch,
    draft: Draft,
) -> Result<EditPage, AppError> {
    let topic = &batch.topic;
    let name = crate::bank::catalog::Localized {
        ko: topic.name_ko.clone(),
        en: topic.name_en.clone(),
    }
    .get(ctx.lang)
    .to_owned();
    let url = format!("/instructor/notes/{id}/drafts/{n}/edit");
    let form = editor::form_view(
        state,
        ctx.lang,
        url,
        draft,
        Some(&d.question),
        Some((topic.slug.clone(), name)),
    )
    .await?;
    Ok(EditPage {
        lines: format!("{}–{}", d.first_line, d.last_line),
        excerpt: d.excerpt,
        file: d.file,
        id,
        n,
        form,
        ctx,
    })
}

pub async fn edit_form(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, i32)>,
) -> Result<EditPage, AppError> {
    let (id, n) = path.into_inner();
    let d = store::draft(&state.pool, id, n).await?.ok_or(AppError::NotFound)?;
    let batch = store::batch(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let draft = Draft::from_question(&d.question);
    edit_page(auth.ctx, &state, (id, n), d, &batch, draft).await
}

/// Saves an edited draft after the same field checks and bank validation as
/// the bank editor; problems are shown by field and nothing is lost.
pub async fn edit(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, i32)>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, n) = path.into_inner();
    let posted = editor::parse(body.into_inner())?;
    let d = store::draft(&state.pool, id, n).await?.ok_or(AppError::NotFound)?;
    let batch = store::batch(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let base = d.question.clone();
    let mut draft = posted.draft.clone();
    draft.id = base.id.to_string();
    let mut page = edit_page(auth.ctx, &state, (id, n), d, &batch, draft).await?;
    let mut q = match editor::before_save(&page.ctx, &posted, &mut page.form, Some(&base), false) {
        Ok(q) => q,
        Err(status) => return render_with_status(&page, status),
    };
    q.status = crate::bank::model::Status::Draft;
    let problems = crate::bank::store::check_question(&state.pool, &q, std::slice::from_ref(&batch.topic)).await?;
    if !problems.is_empty() {
        page.form.problems = problems.into_iter().map(|d| d.message).collect();
        return render_with_status(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    if !store::update(&state.pool, id, n, &q).await? {
        return Err(AppError::Conflict("notes.already_published"));
    }
    set_flash(&session, "notes.saved");
    Ok(see_other(&format!("/instructor/notes/{id}#draft-{n}")))
}
