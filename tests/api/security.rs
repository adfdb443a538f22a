use crate::common::exam::user_id;
use crate::common::{PASSWORD, registration, spawn_app};

#[tokio::test]
async fn a_post_without_a_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.get("/register").await;
    let resp = app
        .post_raw("/register", &registration("a@example.com", "A", PASSWORD))
        .await;
    assert_eq!(resp.status, 403);
    assert!(resp.select_text("h1")[0].contains("접근 권한 없음"));
    assert_eq!(app.count("select count(*) from users").await, 0);
}

#[tokio::test]
async fn a_post_with_a_wrong_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.register("b@example.com", "B", PASSWORD).await;
    let resp = app.post_raw("/logout", &[("csrf_token", "forged-token")]).await;
    assert_eq!(resp.status, 403);
    // Still signed in: the forged logout did nothing.
    assert_eq!(app.get("/dashboard").await.status, 200);
}

#[tokio::test]
async fn another_sessions_token_does_not_work() {
    let app = spawn_app().await;
    let victim_token = app.csrf_token("/register").await;
    let attacker = crate::common::client();
    attacker.get(app.url("/register")).send().await.unwrap();
    let mut form = registration("c@example.com", "C", PASSWORD).to_vec();
    form.push(("csrf_token", &victim_token));
    let resp = attacker.post(app.url("/register")).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn the_csrf_header_is_accepted_for_scripts() {
    let app = spawn_app().await;
    app.register("d@example.com", "D", PASSWORD).await;
    let token = app.csrf_token("/dashboard").await;
    let resp = app
        .client
        .post(app.url("/logout"))
        .header("x-csrf-token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(app.get("/dashboard").await.status, 303);
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_login() {
    let app = spawn_app().await;
    let resp = app.get("/instructor/students").await;
    assert_eq!(resp.status, 303);
    assert_eq!(resp.location(), Some("/login?next=%2Finstructor%2Fstudents"));
}

#[tokio::test]
async fn a_student_is_refused_on_instructor_and_admin_routes() {
    let app = spawn_app().await;
    app.register("student@example.com", "Student", PASSWORD).await;
    let resp = app.get("/instructor/students").await;
    assert_eq!(resp.status, 403);
    assert!(
        !resp.body.contains("student@example.com"),
        "no data leaks into the 403 page"
    );
    assert_eq!(app.get("/admin/users").await.status, 403);
}

#[tokio::test]
async fn an_instructor_sees_students_but_not_admin_pages() {
    let app = spawn_app().await;
    app.register("s1@example.com", "First Student", PASSWORD).await;
    app.logout().await;
    app.user_with_role("teach@example.com", "instructor").await;
    let page = app.get("/instructor/students").await;
    assert_eq!(page.status, 200);
    let rows = page.select_text("table.data tbody tr");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains("First Student"));
    assert_eq!(app.get("/admin/users").await.status, 403);
}

#[tokio::test]
async fn an_admin_changes_roles_and_the_change_is_audited() {
    let app = spawn_app().await;
    app.register("target@example.com", "Target", PASSWORD).await;
    app.logout().await;
    app.user_with_role("boss@example.com", "admin").await;
    let target = user_id(&app, "target@example.com").await;
    let resp = app
        .post(
            "/admin/users",
            &format!("/admin/users/{target}/role"),
            &[("role", "instructor")],
        )
        .await;
    assert_eq!(resp.status, 303);
    let page = app.get("/admin/users").await;
    assert_eq!(page.select_text(".flash"), vec!["역할을 변경했습니다."]);
    let role: String = sqlx::query_scalar("select role from users where id = $1")
        .bind(target)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(role, "instructor");
    let (action, who): (String, String) = sqlx::query_as(
        "select a.action, u.email from audit_log a join users u on u.id = a.actor_id where a.target = $1",
    )
    .bind(target.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (action.as_str(), who.as_str()),
        ("user.role_changed", "boss@example.com")
    );
}

#[tokio::test]
async fn throttling_answers_429_after_repeated_failures() {
    let app = spawn_app().await;
    app.register("victim@example.com", "Victim", PASSWORD).await;
    app.logout().await;
    for _ in 0..5 {
        assert_eq!(app.login("victim@example.com", "guess-guess-guess").await.status, 401);
    }
    let blocked = app.login("victim@example.com", "guess-guess-guess").await;
    assert_eq!(blocked.status, 429);
    assert!(blocked.headers.contains_key("retry-after"));
    assert_eq!(
        blocked.select_text("#login-error p")[0],
        "로그인 실패가 너무 많습니다. 잠시 후 다시 시도하세요."
    );
    // Even the right password waits until the window passes.
    assert_eq!(app.login("victim@example.com", PASSWORD).await.status, 429);
}

#[tokio::test]
async fn throttling_also_applies_per_ip_across_accounts() {
    let app = spawn_app().await;
    for i in 0..20 {
        let status = app
            .login(&format!("user{i}@example.com"), "guess-guess-guess")
            .await
            .status;
        assert_eq!(status, 401);
    }
    assert_eq!(app.login("fresh@example.com", "guess-guess-guess").await.status, 429);
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/login", "/no-such-page"] {
        let p = app.get(path).await;
        let csp = p.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(p.headers["x-content-type-options"], "nosniff");
        assert_eq!(p.headers["referrer-policy"], "same-origin");
    }
}

#[tokio::test]
async fn pages_have_no_inline_script() {
    let app = spawn_app().await;
    app.register("e@example.com", "E", PASSWORD).await;
    for path in ["/dashboard", "/account/password"] {
        let p = app.get(path).await;
        assert!(
            p.select_text("script:not([src])").is_empty(),
            "{path} has inline script"
        );
        assert!(!p.body.contains(" onclick="), "{path} has an inline handler");
    }
}

#[tokio::test]
async fn no_response_ever_contains_a_password_hash() {
    let app = spawn_app().await;
    app.register("plain@example.com", "Plain", PASSWORD).await;
    app.logout().await;
    app.user_with_role("root@example.com", "admin").await;
    let mut bodies = Vec::new();
    for path in [
        "/",
        "/dashboard",
        "/admin/users",
        "/account/password",
        "/instructor/students",
        "/healthz",
        "/nope",
    ] {
        bodies.push(app.get(path).await.body);
    }
    app.logout().await;
    bodies.push(app.register("plain@example.com", "Dup", PASSWORD).await.body);
    bodies.push(app.login("plain@example.com", "wrong-password-x").await.body);
    for body in bodies {
        assert!(!body.contains("$argon2"), "a response leaked a hash");
    }
}

#[tokio::test]
async fn user_input_is_escaped_in_pages() {
    let app = spawn_app().await;
    app.register("x@example.com", "<script>alert(1)</script>", PASSWORD)
        .await;
    let dash = app.get("/dashboard").await;
    assert!(!dash.body.contains("<script>alert(1)</script>"));
    assert!(dash.select_text("h1#welcome")[0].contains("<script>alert(1)</script>"));
}
