//! Instructor pages.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::AppState;
use super::context::{InstructorOnly, PageCtx, set_flash};
use super::error::AppError;
use super::forms::see_other;
use crate::accounts::{self, User, UserId};
use crate::exam::roster::{self, SortBy, StudentLine};
use crate::exam::view::Summary;

/// A student's line as the list shows it, with the weakest domain named.
pub struct StudentRow {
    pub line: StudentLine,
    pub weakest: Option<(String, i32)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/students.html")]
pub struct StudentsPage {
    pub ctx: PageCtx,
    pub students: Vec<StudentRow>,
    pub sort: SortBy,
}

impl StudentsPage {
    /// The header's sort links, with the current one marked.
    pub fn sorts(&self) -> [(SortBy, &'static str); 4] {
        [
            (SortBy::Name, "admin.users.name"),
            (SortBy::LastExam, "instructor.last_exam"),
            (SortBy::Attempts, "instructor.attempts"),
            (SortBy::Weakest, "instructor.weakest"),
        ]
    }
}

#[derive(serde::Deserialize)]
pub struct StudentsQuery {
    #[serde(default, deserialize_with = "super::forms::blank_or")]
    sort: Option<SortBy>,
}

pub async fn students(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    query: web::Query<StudentsQuery>,
) -> Result<StudentsPage, AppError> {
    let sort = query.sort.unwrap_or(SortBy::Name);
    let catalog = state.catalog().await?;
    let lang = auth.ctx.lang;
    let students = roster::students(&state.pool, sort)
        .await?
        .into_iter()
        .map(|line| {
            let weakest = line.weakest.as_ref().map(|(exam, domain, pct)| {
                let name = catalog
                    .exam(exam)
                    .and_then(|e| e.domain_names(lang).into_iter().find(|n| n.0 == *domain))
                    .map_or_else(|| domain.clone(), |n| n.1);
                (format!("{} · {name}", exam.to_uppercase()), *pct)
            });
            StudentRow { line, weakest }
        })
        .collect();
    Ok(StudentsPage {
        ctx: auth.ctx,
        students,
        sort,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/student.html")]
pub struct StudentPage {
    pub ctx: PageCtx,
    pub student: User,
    pub attempts: Vec<Summary>,
    pub extra_minutes: u32,
    pub multiplier: String,
}

pub async fn student(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<StudentPage, AppError> {
    let id: UserId = path.parse().map_err(|_| AppError::NotFound)?;
    let student = accounts::find(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let attempts = crate::exam::view::history(&state.pool, id).await?;
    let accommodation = crate::exam::store::accommodation(&state.pool, id).await?;
    Ok(StudentPage {
        ctx: auth.ctx,
        student,
        attempts,
        extra_minutes: accommodation.extra_minutes,
        multiplier: format!("{:.2}", accommodation.multiplier),
    })
}

#[derive(serde::Deserialize)]
pub struct AccommodationForm {
    extra_minutes: Option<String>,
    multiplier: Option<String>,
    preset: Option<String>,
}

/// Extra time for a student: minutes, a multiplier, or AWS's +30 minutes for
/// candidates taking the exam in a language that is not their own.
pub async fn set_accommodation(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<AccommodationForm>,
) -> Result<HttpResponse, AppError> {
    let id: UserId = path.parse().map_err(|_| AppError::NotFound)?;
    accounts::find(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let (minutes, multiplier) = match form.preset.as_deref() {
        Some("esl30") => (30, 1.0),
        Some("none") => (0, 1.0),
        _ => {
            let m = form.extra_minutes.as_deref().unwrap_or("0").trim().parse::<u32>();
            let x = form.multiplier.as_deref().unwrap_or("1").trim().parse::<f64>();
            match (m, x) {
                (Ok(m), Ok(x)) if m <= 600 && (1.0..=3.0).contains(&x) => (m, x),
                _ => {
                    set_flash(&session, "students.accommodation_invalid");
                    return Ok(see_other(&format!("/instructor/students/{id}")));
                }
            }
        }
    };
    crate::exam::store::set_accommodation(&state.pool, id, minutes, multiplier, auth.user.id).await?;
    set_flash(&session, "students.accommodation_saved");
    Ok(see_other(&format!("/instructor/students/{id}")))
}
