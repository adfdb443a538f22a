use crate::common::proxy::Proxy;
use crate::common::{PASSWORD, SERVER_URL, spawn_app, spawn_app_with, url_with_port};

#[tokio::test]
async fn unknown_pages_get_the_templated_404() {
    let app = spawn_app().await;
    let p = app.get("/definitely/not/here").await;
    assert_eq!(p.status, 404);
    assert_eq!(p.select_text("h1"), vec!["페이지를 찾을 수 없음"]);
    assert!(p.headers["content-type"].to_str().unwrap().starts_with("text/html"));
}

#[tokio::test]
async fn a_malformed_form_gets_a_templated_400_without_internals() {
    let app = spawn_app().await;
    // Missing fields: the form extractor fails after the CSRF check passes.
    let p = app.post("/register", "/register", &[("email", "x@example.com")]).await;
    assert_eq!(p.status, 400);
    assert_eq!(p.select_text("h1"), vec!["잘못된 요청"]);
    assert!(!p.body.contains("missing field"), "parser internals leaked: {}", p.body);
}

#[tokio::test]
async fn language_follows_accept_language_then_the_switch() {
    let app = spawn_app().await;
    let en = app.get_with("/login", "accept-language", "en-US,en;q=0.9").await;
    assert_eq!(en.attr("html", "lang").as_deref(), Some("en"));
    assert_eq!(en.select_text("h1"), vec!["Log in"]);

    let plain = app.get("/login").await;
    assert_eq!(
        plain.attr("html", "lang").as_deref(),
        Some("ko"),
        "Korean is the fallback"
    );

    let switched = app.post("/login", "/lang", &[("lang", "en"), ("next", "/login")]).await;
    assert_eq!(switched.status, 303);
    assert_eq!(switched.location(), Some("/login"));
    assert_eq!(app.get("/login").await.select_text("h1"), vec!["Log in"]);
}

#[tokio::test]
async fn a_signed_in_users_language_choice_is_saved() {
    let app = spawn_app().await;
    app.register("lang@example.com", "Lang", PASSWORD).await;
    app.post("/dashboard", "/lang", &[("lang", "en"), ("next", "/dashboard")])
        .await;
    assert!(app.get("/dashboard").await.select_text("h1#welcome")[0].starts_with("Welcome"));

    // A different device with a Korean browser gets English after logging in.
    let other = app.sibling();
    let login = other.login("lang@example.com", PASSWORD).await;
    assert_eq!(login.status, 303);
    let dash = other.get_with("/dashboard", "accept-language", "ko-KR").await;
    assert!(
        dash.select_text("h1#welcome")[0].starts_with("Welcome"),
        "{}",
        dash.body
    );
}

#[tokio::test]
async fn healthz_reports_the_database() {
    let app = spawn_app().await;
    let p = app.get("/healthz").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("\"ok\""));
}

#[tokio::test]
async fn the_app_answers_503_while_the_database_is_away_and_recovers() {
    let pg_port: u16 = SERVER_URL
        .rsplit_once(':')
        .and_then(|(_, rest)| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .expect("DATABASE_URL has a port");
    let proxy = Proxy::start(pg_port).await;
    let app = spawn_app_with(|mut s| {
        s.database_url = url_with_port(&s.database_url, proxy.port);
        s
    })
    .await;
    app.register("up@example.com", "Up", PASSWORD).await;
    assert_eq!(app.get("/dashboard").await.status, 200);

    proxy.cut();
    let health = app.get("/healthz").await;
    assert_eq!(health.status, 503);
    let page = app.get("/dashboard").await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert_eq!(page.select_text("h1"), vec!["일시적으로 사용할 수 없음"]);
    assert!(!page.body.contains("sqlx") && !page.body.contains("Connection refused"));

    proxy.restore().await;
    let mut recovered = false;
    for _ in 0..50 {
        if app.get("/healthz").await.status == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recovered, "the app did not recover after the database came back");
    let dash = app.get("/dashboard").await;
    assert_eq!(dash.status, 200, "the session is still valid after recovery");
}
