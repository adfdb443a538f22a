//! Instructor pages.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::AppState;
use super::context::{InstructorOnly, PageCtx};
use super::error::AppError;
use super::forms::render_with_status;
use crate::accounts::{self, Role, User};

#[derive(Template, WebTemplate)]
#[template(path = "instructor/students.html")]
pub struct StudentsPage {
    pub ctx: PageCtx,
    pub students: Vec<User>,
}

pub async fn students(auth: InstructorOnly, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let students = accounts::list(&state.pool, Some(Role::Student)).await?;
    render_with_status(
        &StudentsPage {
            ctx: auth.ctx,
            students,
        },
        StatusCode::OK,
    )
}
