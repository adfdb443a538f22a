//! What every page needs: the language, the signed-in user (if any), the CSRF
//! token for its forms and a one-shot flash message. Plus the role guards.

use std::marker::PhantomData;

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;

use super::AppState;
use super::csrf;
use super::error::AppError;
use crate::accounts::{self, Role, User, UserId};
use crate::i18n::Lang;

pub const SESSION_USER: &str = crate::session_store::OWNER_KEY;
pub const SESSION_LANG: &str = "lang";
/// Remembers the switcher's choice for visitors who are not signed in, and across logout.
pub const LANG_COOKIE: &str = "lang";
const SESSION_FLASH: &str = "flash";

pub struct PageCtx {
    pub lang: Lang,
    pub user: Option<User>,
    pub csrf_token: String,
    /// Path and query of this page, for the language switcher to return to.
    pub path: String,
    flash: Option<String>,
}

impl PageCtx {
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    pub fn other_lang(&self) -> Lang {
        self.lang.other()
    }

    pub fn flash_text(&self) -> Option<&'static str> {
        self.flash.as_deref().map(|k| self.lang.t(k))
    }

    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.at_least(role))
    }

    pub fn is_instructor(&self) -> bool {
        self.has_role(Role::Instructor)
    }

    pub fn is_admin(&self) -> bool {
        self.has_role(Role::Admin)
    }

    pub fn user_name(&self) -> &str {
        self.user.as_ref().map(|u| u.display_name.as_str()).unwrap_or("")
    }

    pub fn role_label(&self, role: &Role) -> &'static str {
        self.lang.t(&format!("role.{}", role.as_str()))
    }

    /// Formats a timestamp as a calendar date in UTC.
    pub fn date(&self, t: &time::OffsetDateTime) -> String {
        let d = t.date();
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    }
}

/// Stores a message key to show once on the next page.
pub fn set_flash(session: &Session, key: &str) {
    if let Err(e) = session.insert(SESSION_FLASH, key) {
        tracing::warn!(error = %e, "could not store flash message");
    }
}

pub fn session_user_id(session: &Session) -> Option<UserId> {
    session.get::<UserId>(SESSION_USER).ok().flatten()
}

impl FromRequest for PageCtx {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let csrf_token = csrf::token(&session, req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let lang = req.extensions().get::<Lang>().copied().unwrap_or_else(Lang::current);
        let path = match req.uri().path_and_query() {
            Some(pq) => pq.as_str().to_owned(),
            None => req.path().to_owned(),
        };
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal(anyhow::anyhow!("AppState missing")))?;
            let csrf_token = csrf_token?;
            // `remove` marks a session changed even when the key is absent, and
            // a changed session is written back: look before taking.
            let flash = match session.get::<String>(SESSION_FLASH) {
                Ok(Some(f)) => {
                    session.remove(SESSION_FLASH);
                    Some(f)
                }
                _ => None,
            };
            let user = match session_user_id(&session) {
                Some(id) => accounts::find(&state.pool, id).await?,
                None => None,
            };
            Ok(PageCtx {
                lang,
                user,
                csrf_token,
                path,
                flash,
            })
        })
    }
}

/// A marker for the least role a route needs.
pub trait RoleRequirement {
    const ROLE: Role;
}
pub struct AnyRole;
pub struct InstructorRole;
pub struct AdminRole;
impl RoleRequirement for AnyRole {
    const ROLE: Role = Role::Student;
}
impl RoleRequirement for InstructorRole {
    const ROLE: Role = Role::Instructor;
}
impl RoleRequirement for AdminRole {
    const ROLE: Role = Role::Admin;
}

/// Extracts the page context of a signed-in user holding at least `R::ROLE`.
/// Anonymous visitors are sent to the login page; users without the role get 403.
pub struct Authorized<R: RoleRequirement> {
    pub ctx: PageCtx,
    pub user: User,
    _role: PhantomData<R>,
}

pub type SignedIn = Authorized<AnyRole>;
pub type InstructorOnly = Authorized<InstructorRole>;
pub type AdminOnly = Authorized<AdminRole>;

impl<R: RoleRequirement + 'static> FromRequest for Authorized<R> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ctx = PageCtx::from_request(req, payload);
        Box::pin(async move {
            let ctx = ctx.await?;
            let Some(user) = ctx.user.clone() else {
                return Err(AppError::SignInRequired { next: ctx.path.clone() });
            };
            if !user.role.at_least(R::ROLE) {
                return Err(AppError::Forbidden);
            }
            Ok(Authorized {
                ctx,
                user,
                _role: PhantomData,
            })
        })
    }
}
