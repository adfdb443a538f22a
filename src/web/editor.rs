//! The question editor: one form (templates/instructor/editor/form.html) and
//! one parser ([`parse`]) for the bank's questions and the notes drafts, a live
//! preview rendered with the students' own question macros, saving as a new
//! version, and the diff between two versions.

use std::collections::BTreeSet;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::AppState;
use super::context::{InstructorOnly, PageCtx, set_flash};
use super::error::{AppError, urlencode};
use super::forms::{render_with_status, see_other};
use super::question_view::QuestionView;
use crate::bank::diff::{FieldDiff, diff as version_diff};
use crate::bank::edit::{Draft, FieldProblem, OptionRow, lint_warnings};
use crate::bank::model::{Difficulty, Kind, Question};
use crate::bank::store::{self, EditError};
use crate::i18n::Lang;

/// Most option rows a form may post; beyond the bank's limit, so the
/// instructor is told about too many options rather than refused.
const MAX_ROWS: usize = 20;

super::forms::form_enum! {
    pub enum Action { Save => "save", Preview => "preview", AddOption => "add_option" }
}

/// The editor form as posted.
pub struct Posted {
    pub draft: Draft,
    pub action: Action,
    /// The version the form was opened on (bank questions only).
    pub base_version: Option<i32>,
    /// The instructor has seen the lint warnings and saves anyway.
    pub accept_lint: bool,
}

fn bad() -> AppError {
    AppError::BadRequest("error.400.body")
}

fn index(v: &str) -> Result<usize, AppError> {
    v.trim().parse::<usize>().ok().filter(|i| *i < MAX_ROWS).ok_or_else(bad)
}

/// Reads the editor form. Option rows are posted as repeated fields in row
/// order; `correct` and `remove` name rows by index. A value outside a closed
/// set is a 400; anything an instructor can type comes back in the form.
pub fn parse(pairs: Vec<(String, String)>) -> Result<Posted, AppError> {
    let mut d = Draft::blank("");
    d.options.clear();
    let mut cols: [Vec<String>; 4] = Default::default();
    let (mut correct, mut remove) = (BTreeSet::new(), BTreeSet::new());
    let (mut action, mut base_version, mut accept_lint) = (Action::Preview, None, false);
    for (k, v) in pairs {
        match k.as_str() {
            "id" => d.id = v,
            "stem" => d.stem = v,
            "explanation" => d.explanation = v,
            "stem_en" => d.stem_en = v,
            "explanation_en" => d.explanation_en = v,
            "kind" => d.kind = Kind::parse(v.trim()).ok_or_else(bad)?,
            "difficulty" => d.difficulty = Difficulty::parse(v.trim()).ok_or_else(bad)?,
            "topic" => d.topic = v.trim().to_owned(),
            "references" => {
                d.references = v
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            }
            "option_text" => cols[0].push(v),
            "option_rationale" => cols[1].push(v),
            "option_text_en" => cols[2].push(v),
            "option_rationale_en" => cols[3].push(v),
            "correct" => {
                correct.insert(index(&v)?);
            }
            "remove" => {
                remove.insert(index(&v)?);
            }
            "action" => action = v.trim().parse().map_err(|_| bad())?,
            "base_version" => base_version = Some(v.trim().parse::<i32>().map_err(|_| bad())?),
            "accept_lint" => accept_lint = true,
            _ => {
                if let Some(exam) = k.strip_prefix("domain_") {
                    let domain = v.trim();
                    if !domain.is_empty() {
                        d.domains.insert(exam.to_owned(), domain.to_owned());
                    }
                }
            }
        }
    }
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0);
    if rows > MAX_ROWS {
        return Err(bad());
    }
    let mut cols = cols.map(|c| c.into_iter());
    for i in 0..rows {
        let mut next = |c: usize| cols[c].next().unwrap_or_default();
        let row = OptionRow {
            text: next(0),
            rationale: next(1),
            text_en: next(2),
            rationale_en: next(3),
            correct: correct.contains(&i),
        };
        if !remove.contains(&i) {
            d.options.push(row);
        }
    }
    Ok(Posted {
        draft: d,
        action,
        base_version,
        accept_lint,
    })
}

pub struct ExamChoice {
    pub code: String,
    pub label: String,
    pub domains: Vec<(String, String)>,
}

/// What the shared form partial shows.
pub struct EditorForm {
    pub action_url: String,
    pub draft: Draft,
    /// A new question: its id is typed in.
    pub new: bool,
    pub base_version: Option<i32>,
    pub errors: Vec<FieldProblem>,
    /// Validation problems that belong to no single field, and refusals.
    pub problems: Vec<String>,
    pub lint: Vec<String>,
    pub topics: Vec<(String, String)>,
    pub exams: Vec<ExamChoice>,
    pub preview: QuestionView,
}

impl EditorForm {
    pub fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.iter().find(|p| p.field == field).map(|p| p.key)
    }

    pub fn row_error(&self, row: impl std::fmt::Display, part: &str) -> Option<&'static str> {
        self.error(&format!("option-{row}-{part}"))
    }

    /// The field's label, for the error summary: several fields share a
    /// message ("this field is empty"), so the summary names which.
    pub fn label(&self, lang: &Lang, field: &str) -> String {
        let row = field
            .strip_prefix("option-")
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(i, part)| Some((i.parse::<usize>().ok()?, part)));
        if let Some((i, part)) = row {
            let what = if part == "rationale" {
                "editor.rationale"
            } else {
                "editor.option_text"
            };
            return format!("{} {} · {}", lang.t("editor.option"), i + 1, lang.t(what));
        }
        let key = match field {
            "id" => "editor.id",
            "stem" => "editor.stem",
            "explanation" => "editor.explanation",
            "topic" => "editor.topic",
            "domains" => "editor.domains",
            "references" => "editor.references",
            _ => "editor.options",
        };
        lang.t(key).to_owned()
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || !self.problems.is_empty()
    }

    pub fn domain_of(&self, exam: &str) -> &str {
        self.draft.domains.get(exam).unwrap_or("")
    }

    pub fn references_text(&self) -> String {
        self.draft.references.join("\n")
    }

    pub fn topic_slugs(&self) -> Vec<String> {
        self.topics.iter().map(|(s, _)| s.clone()).collect()
    }
}

/// The form around `draft`, with the menus it needs and its preview.
/// `extra_topic` is a notes batch's own topic, not stored yet.
pub async fn form_view(
    state: &AppState,
    lang: Lang,
    action_url: String,
    draft: Draft,
    base: Option<&Question>,
    extra_topic: Option<(String, String)>,
) -> Result<EditorForm, AppError> {
    let mut topics = store::topic_names_in(&state.pool, lang).await?;
    if let Some(t) = extra_topic.filter(|t| !topics.iter().any(|(s, _)| *s == t.0)) {
        topics.push(t);
    }
    let catalog = state.catalog().await?;
    let exams = catalog
        .exams
        .iter()
        .map(|e| ExamChoice {
            code: e.code.clone(),
            label: e.code.to_uppercase(),
            domains: e.domain_names(lang),
        })
        .collect();
    Ok(EditorForm {
        action_url,
        preview: QuestionView::new(&draft.to_question(base), &[], &[]),
        draft,
        new: false,
        base_version: None,
        errors: vec![],
        problems: vec![],
        lint: vec![],
        topics,
        exams,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/editor/edit.html")]
pub struct EditPage {
    pub ctx: PageCtx,
    /// The question's id, or empty for a new one.
    pub id: String,
    pub form: EditorForm,
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/editor/preview.html")]
pub struct PreviewFragment {
    pub ctx: PageCtx,
    pub q: QuestionView,
}

/// The preview the script asks for as the instructor types.
pub async fn preview(
    auth: InstructorOnly,
    body: web::Form<Vec<(String, String)>>,
) -> Result<PreviewFragment, AppError> {
    let posted = parse(body.into_inner())?;
    Ok(PreviewFragment {
        ctx: auth.ctx,
        q: QuestionView::new(&posted.draft.to_question(None), &[], &[]),
    })
}

pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(include_str!("../../static/editor.js"))
}

fn question_url(id: &str) -> String {
    format!("/instructor/bank/questions/{}", urlencode(id))
}

async fn current(state: &AppState, id: &str) -> Result<store::Version, AppError> {
    let (_, versions) = store::question(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    versions.into_iter().next().ok_or(AppError::NotFound)
}

pub async fn edit_form(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<EditPage, AppError> {
    let id = path.into_inner();
    let v = current(&state, &id).await?;
    let url = format!("{}/edit", question_url(&id));
    let mut form = form_view(
        &state,
        auth.ctx.lang,
        url,
        Draft::from_question(&v.question),
        Some(&v.question),
        None,
    )
    .await?;
    form.base_version = Some(v.version);
    Ok(EditPage {
        ctx: auth.ctx,
        id,
        form,
    })
}

#[derive(Deserialize)]
pub struct NewQuery {
    topic: Option<String>,
}

pub async fn new_form(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    query: web::Query<NewQuery>,
) -> Result<EditPage, AppError> {
    let topic = query.topic.as_deref().map(str::trim).unwrap_or_default();
    let mut form = form_view(
        &state,
        auth.ctx.lang,
        "/instructor/bank/new".to_owned(),
        Draft::blank(topic),
        None,
        None,
    )
    .await?;
    form.new = true;
    Ok(EditPage {
        ctx: auth.ctx,
        id: String::new(),
        form,
    })
}

/// Re-renders the form after a post that did not save.
fn again(ctx: PageCtx, id: String, form: EditorForm, status: StatusCode) -> Result<HttpResponse, AppError> {
    render_with_status(&EditPage { ctx, id, form }, status)
}

/// Handles a post that is not a save (add a row, preview) and the field
/// checks and (with `lint`) the lint gate of a save. Returns the question to
/// save, or the status to show the form again with.
pub fn before_save(
    ctx: &PageCtx,
    posted: &Posted,
    form: &mut EditorForm,
    base: Option<&Question>,
    lint: bool,
) -> Result<Question, StatusCode> {
    match posted.action {
        Action::AddOption => {
            form.draft.options.push(OptionRow::default());
            return Err(StatusCode::OK);
        }
        Action::Preview => return Err(StatusCode::OK),
        Action::Save => {}
    }
    form.errors = form.draft.problems(&form.topic_slugs(), form.new);
    if !form.errors.is_empty() {
        return Err(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let q = form.draft.to_question(base);
    form.lint = if lint { lint_warnings(&q) } else { vec![] };
    if !form.lint.is_empty() && !posted.accept_lint {
        form.problems.push(ctx.t("editor.lint_confirm").to_owned());
        return Err(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(q)
}

/// Turns a refused save into messages on the form and its status.
fn refused(ctx: &PageCtx, form: &mut EditorForm, e: EditError) -> Result<StatusCode, AppError> {
    match e {
        EditError::Stale { current } => {
            form.problems.push(format!("{} (v{current})", ctx.t("editor.stale")));
            Ok(StatusCode::CONFLICT)
        }
        EditError::Taken => {
            form.errors.push(FieldProblem {
                field: "id".to_owned(),
                key: "editor.err_id_taken",
            });
            Ok(StatusCode::CONFLICT)
        }
        EditError::Invalid(d) => {
            form.problems.extend(d.into_iter().map(|d| d.message));
            Ok(StatusCode::UNPROCESSABLE_ENTITY)
        }
        EditError::NotFound => Err(AppError::NotFound),
        EditError::Db(e) => Err(e.into()),
    }
}

pub async fn edit(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let mut posted = parse(body.into_inner())?;
    let base_version = posted.base_version.ok_or_else(bad)?;
    let v = current(&state, &id).await?;
    posted.draft.id = id.clone();
    let url = format!("{}/edit", question_url(&id));
    let draft = posted.draft.clone();
    let mut form = form_view(&state, auth.ctx.lang, url, draft, Some(&v.question), None).await?;
    form.base_version = Some(base_version);
    let q = match before_save(&auth.ctx, &posted, &mut form, Some(&v.question), true) {
        Ok(q) => q,
        Err(status) => return again(auth.ctx, id, form, status),
    };
    match store::save_edit(&state.pool, &q, base_version, auth.user.id).await {
        Ok(_) => {
            set_flash(&session, "editor.saved");
            Ok(see_other(&question_url(&id)))
        }
        Err(e) => {
            let status = refused(&auth.ctx, &mut form, e)?;
            again(auth.ctx, id, form, status)
        }
    }
}

pub async fn create(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let posted = parse(body.into_inner())?;
    let draft = posted.draft.clone();
    let url = "/instructor/bank/new".to_owned();
    let mut form = form_view(&state, auth.ctx.lang, url, draft, None, None).await?;
    form.new = true;
    let q = match before_save(&auth.ctx, &posted, &mut form, None, true) {
        Ok(q) => q,
        Err(status) => return again(auth.ctx, String::new(), form, status),
    };
    match store::create_question(&state.pool, &q, auth.user.id).await {
        Ok(()) => {
            set_flash(&session, "editor.created");
            Ok(see_other(&question_url(&q.id)))
        }
        Err(e) => {
            let status = refused(&auth.ctx, &mut form, e)?;
            again(auth.ctx, String::new(), form, status)
        }
    }
}

#[derive(Deserialize)]
pub struct DiffQuery {
    from: Option<i32>,
    to: Option<i32>,
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/editor/diff.html")]
pub struct DiffPage {
    pub ctx: PageCtx,
    pub id: String,
    pub from: i32,
    pub to: i32,
    pub versions: Vec<i32>,
    pub changes: Vec<FieldDiff>,
}

/// Field-by-field differences between two versions; by default the current
/// version against the one before it.
pub async fn diff(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<DiffQuery>,
) -> Result<DiffPage, AppError> {
    let id = path.into_inner();
    let (_, versions) = store::question(&state.pool, &id).await?.ok_or(AppError::NotFound)?;
    let latest = versions.first().map(|v| v.version).ok_or(AppError::NotFound)?;
    let to = query.to.unwrap_or(latest);
    let from = query.from.unwrap_or(to.saturating_sub(1).max(1));
    let find = |n: i32| versions.iter().find(|v| v.version == n).ok_or(AppError::NotFound);
    let changes = version_diff(&find(from)?.question, &find(to)?.question);
    Ok(DiffPage {
        ctx: auth.ctx,
        id,
        from,
        to,
        versions: versions.iter().map(|v| v.version).collect(),
        changes,
    })
}
