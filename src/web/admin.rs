//! Administrator pages: users and their roles.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::AppState;
use super::context::{AdminOnly, PageCtx, set_flash};
use super::error::AppError;
use super::forms::see_other;
use crate::accounts::{self, Role, User, UserId};

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub ctx: PageCtx,
    pub me: UserId,
    pub users: Vec<User>,
    pub roles: [Role; 3],
}

pub async fn users(auth: AdminOnly, state: web::Data<AppState>) -> Result<UsersPage, AppError> {
    let users = accounts::list(&state.pool, None).await?;
    Ok(UsersPage {
        ctx: auth.ctx,
        me: auth.user.id,
        users,
        roles: Role::ALL,
    })
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

#[tracing::instrument(skip_all, fields(actor = %auth.user.id))]
pub async fn set_role(
    auth: AdminOnly,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let target: UserId = path.parse().map_err(|_| AppError::NotFound)?;
    let role = Role::try_from(form.role.as_str()).map_err(|_| AppError::NotFound)?;
    if target == auth.user.id {
        // Prevents the last administrator from locking everyone out by accident.
        set_flash(&session, "admin.users.cannot_change_self");
    } else {
        accounts::set_role(&state.pool, Some(auth.user.id), target, role).await?;
        set_flash(&session, "admin.users.role_changed");
    }
    Ok(see_other("/admin/users"))
}
