//! HTTP: handlers grouped by resource, kept thin over the domain modules.

pub mod accounts;
pub mod admin;
pub mod bank;
pub mod client;
pub mod context;
pub mod csrf;
pub mod editor;
pub mod error;
pub mod exam_review;
pub mod exams;
pub mod forms;
pub mod history;
pub mod instructor;
pub mod middleware;
pub mod notes;
pub mod pages;
pub mod question_view;
pub mod reports;
pub mod review;
pub mod stats;
pub mod upload_parse;
pub mod uploads;

use crate::db::Pool;
use actix_web::web;

/// Shared by all handlers.
pub struct AppState {
    pub pool: Pool,
    pub cookie_secure: bool,
    /// Signs autosave tokens (derived from the cookie key).
    pub save_key: Vec<u8>,
    /// Writes answer saves with group commit.
    pub saver: crate::exam::saver::Saver,
    /// Writes new attempts with group commit.
    pub starter: crate::exam::starter::Starter,
    /// The exams on offer, reloaded when the bank changes.
    pub catalog: crate::bank::catalog::CatalogCache,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long a request body may take to arrive.
    pub body_timeout: std::time::Duration,
    /// How long an upload's files may take to read.
    pub upload_parse_limit: std::time::Duration,
    /// Set on SIGTERM: `/healthz` tells the load balancer to send new requests elsewhere.
    pub draining: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl AppState {
    pub fn client_addr(&self, req: &actix_web::HttpRequest) -> String {
        client::client_addr(req, &self.trusted_proxies)
    }

    /// The exams on offer as (code, label) for a menu, from the catalog.
    pub async fn exam_choices(&self) -> Result<Vec<(String, String)>, crate::db::DbError> {
        let catalog = self.catalog().await?;
        Ok(catalog
            .exams
            .iter()
            .map(|e| (e.code.clone(), e.code.to_uppercase()))
            .collect())
    }

    pub async fn catalog(&self) -> Result<std::sync::Arc<crate::bank::catalog::ExamCatalog>, crate::db::DbError> {
        self.catalog.get(&self.pool).await
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::home))
        .route("/healthz", web::get().to(pages::healthz))
        .route("/static/style.css", web::get().to(pages::stylesheet))
        .route("/lang", web::post().to(pages::switch_language))
        .service(
            web::resource("/register")
                .route(web::get().to(accounts::register_form))
                .route(web::post().to(accounts::register)),
        )
        .service(
            web::resource("/login")
                .route(web::get().to(accounts::login_form))
                .route(web::post().to(accounts::login)),
        )
        .route("/logout", web::post().to(accounts::logout))
        .service(
            web::resource("/account/password")
                .route(web::get().to(accounts::password_form))
                .route(web::post().to(accounts::change_password)),
        )
        .route("/dashboard", web::get().to(pages::dashboard))
        .route("/static/exam.js", web::get().to(exams::script))
        .route("/exams", web::get().to(exams::choose))
        .route("/history", web::get().to(history::history))
        .route("/attempts", web::post().to(exams::start))
        .service(
            web::resource("/attempts/{id}/q/{n}")
                .route(web::get().to(exams::question))
                .route(web::post().to(exams::answer)),
        )
        .route("/attempts/{id}/review", web::get().to(exam_review::review))
        .service(
            web::resource("/attempts/{id}/submit")
                .route(web::get().to(exam_review::confirm))
                .route(web::post().to(exam_review::submit)),
        )
        .route("/attempts/{id}/result", web::get().to(exam_review::result))
        .route("/attempts/{id}/answers", web::get().to(exams::answers))
        .route("/review", web::get().to(review::index))
        .route("/review/topics/{slug}", web::get().to(review::topic))
        .route("/review/topics/{slug}/drill", web::post().to(review::drill))
        .service(
            web::resource("/review/session")
                .route(web::get().to(review::session))
                .route(web::post().to(review::session_answer)),
        )
        .route("/review/cards/{id}/drop", web::post().to(review::drop_card))
        .service(
            web::resource("/review/settings")
                .route(web::get().to(review::settings))
                .route(web::post().to(review::save_settings)),
        )
        .route("/instructor/students", web::get().to(instructor::students))
        .route("/instructor/students/{id}", web::get().to(instructor::student))
        .route(
            "/instructor/students/{id}/accommodation",
            web::post().to(instructor::set_accommodation),
        )
        .route("/instructor/bank", web::get().to(bank::browse))
        .route("/instructor/stats", web::get().to(stats::index))
        .route("/reports", web::get().to(reports::mine))
        .route("/reports", web::post().to(reports::file))
        .route("/instructor/reports", web::get().to(reports::queue))
        .service(
            web::resource("/instructor/reports/{id}")
                .route(web::get().to(reports::report))
                .route(web::post().to(reports::decide)),
        )
        .route("/instructor/stats.csv", web::get().to(stats::csv))
        .service(
            web::resource("/instructor/bank/upload")
                .route(web::get().to(uploads::upload_form))
                .route(web::post().to(uploads::upload)),
        )
        .route("/instructor/bank/template.csv", web::get().to(uploads::csv_template))
        .route("/instructor/bank/export", web::get().to(bank::export))
        .route("/instructor/bank/uploads/{id}", web::get().to(uploads::preview))
        .route(
            "/instructor/bank/uploads/{id}/confirm",
            web::post().to(uploads::confirm),
        )
        .route("/instructor/bank/imports", web::get().to(uploads::history))
        .route("/instructor/bank/imports/{id}", web::get().to(uploads::import_result))
        .route("/instructor/bank/imports/{id}/undo", web::post().to(uploads::undo))
        .route("/instructor/bank/restore", web::post().to(bank::restore_bulk))
        .route("/instructor/bank/questions/{id}", web::get().to(bank::question))
        .service(
            web::resource("/instructor/bank/questions/{id}/edit")
                .route(web::get().to(editor::edit_form))
                .route(web::post().to(editor::edit)),
        )
        .route("/instructor/bank/questions/{id}/diff", web::get().to(editor::diff))
        .service(
            web::resource("/instructor/bank/new")
                .route(web::get().to(editor::new_form))
                .route(web::post().to(editor::create)),
        )
        .route("/instructor/bank/preview", web::post().to(editor::preview))
        .route("/static/editor.js", web::get().to(editor::script))
        .route("/instructor/bank/questions/{id}/retire", web::post().to(bank::retire))
        .route("/instructor/bank/questions/{id}/restore", web::post().to(bank::restore))
        .route("/instructor/bank/questions/{id}/promote", web::post().to(bank::promote))
        .service(
            web::resource("/instructor/notes")
                .route(web::get().to(notes::index))
                .route(web::post().to(notes::upload)),
        )
        .route("/instructor/notes/{id}", web::get().to(notes::batch))
        .route("/instructor/notes/{id}/approve", web::post().to(notes::approve_bulk))
        .route("/instructor/notes/{id}/publish", web::post().to(notes::publish))
        .route("/instructor/notes/{id}/drafts/{n}", web::post().to(notes::set_state))
        .service(
            web::resource("/instructor/notes/{id}/drafts/{n}/edit")
                .route(web::get().to(notes::edit_form))
                .route(web::post().to(notes::edit)),
        )
        .route("/admin/users", web::get().to(admin::users))
        .route("/admin/users/{id}/role", web::post().to(admin::set_role));
}
