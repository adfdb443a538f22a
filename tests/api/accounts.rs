use crate::common::{PASSWORD, spawn_app};

#[tokio::test]
async fn registering_signs_in_and_shows_the_dashboard() {
    let app = spawn_app().await;
    let resp = app.register("minji@example.com", "김민지", PASSWORD).await;
    assert_eq!(resp.status, 303);
    assert_eq!(resp.location(), Some("/dashboard"));

    let dash = app.get("/dashboard").await;
    assert_eq!(dash.status, 200);
    assert!(dash.select_text("h1#welcome")[0].contains("김민지"));
    assert_eq!(dash.select_text("#role"), vec!["학생"]);
}

#[tokio::test]
async fn duplicate_email_is_refused_whatever_its_case() {
    let app = spawn_app().await;
    assert_eq!(app.register("Minji@Example.com", "Minji", PASSWORD).await.status, 303);
    app.logout().await;

    let again = app.register("minji@EXAMPLE.com", "Other", PASSWORD).await;
    assert_eq!(again.status, 422);
    assert_eq!(
        again.select_text("#email-error"),
        vec!["이 이메일로 가입된 계정이 이미 있습니다."]
    );
    // What the user typed is kept.
    assert_eq!(again.attr("#display_name", "value").as_deref(), Some("Other"));
    assert_eq!(app.count("select count(*) from users").await, 1);
}

#[tokio::test]
async fn invalid_registration_marks_each_field_and_keeps_input() {
    let app = spawn_app().await;
    let resp = app
        .post(
            "/register",
            "/register",
            &[
                ("email", "not-an-email"),
                ("display_name", "  Jisoo "),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(resp.status, 422);
    assert_eq!(resp.attr("#email", "aria-invalid").as_deref(), Some("true"));
    assert_eq!(resp.attr("#email", "aria-describedby").as_deref(), Some("email-error"));
    assert_eq!(resp.attr("#email", "value").as_deref(), Some("not-an-email"));
    assert_eq!(resp.attr("#display_name", "value").as_deref(), Some("  Jisoo "));
    assert!(!resp.select_text("#password-error").is_empty());
    // The password itself is never echoed back.
    assert_eq!(resp.attr("#password", "value").as_deref(), Some(""));
    assert!(!resp.body.contains("short\""));
    assert_eq!(resp.select_text(".error-summary li").len(), 2);
}

#[tokio::test]
async fn mismatched_confirmation_is_reported_beside_the_confirmation_field() {
    let app = spawn_app().await;
    let resp = app
        .post(
            "/register",
            "/register",
            &[
                ("email", "a@example.com"),
                ("display_name", "A"),
                ("password", PASSWORD),
                ("password_confirm", "something-else-x"),
            ],
        )
        .await;
    assert_eq!(resp.status, 422);
    assert_eq!(
        resp.select_text("#password_confirm-error"),
        vec!["두 비밀번호가 일치하지 않습니다."]
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.register("seo@example.com", "Seo", PASSWORD).await;
    app.logout().await;

    let wrong = app.login("seo@example.com", "not-the-password").await;
    let unknown = app.login("nobody@example.com", "not-the-password").await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert_eq!(wrong.select_text("#login-error"), unknown.select_text("#login-error"));
    assert_eq!(
        wrong.select_text("#login-error"),
        vec!["이메일 또는 비밀번호가 올바르지 않습니다."]
    );
    // The email stays in the form so the user can correct the password.
    assert_eq!(wrong.attr("#email", "value").as_deref(), Some("seo@example.com"));
}

#[tokio::test]
async fn login_is_case_insensitive_on_email_and_returns_to_next() {
    let app = spawn_app().await;
    app.register("Park@Example.com", "Park", PASSWORD).await;
    app.logout().await;

    let resp = app
        .post(
            "/login?next=/account/password",
            "/login",
            &[
                ("email", "park@example.COM"),
                ("password", PASSWORD),
                ("next", "/account/password"),
            ],
        )
        .await;
    assert_eq!(resp.status, 303);
    assert_eq!(resp.location(), Some("/account/password"));
}

#[tokio::test]
async fn login_never_redirects_off_site() {
    let app = spawn_app().await;
    app.register("lee@example.com", "Lee", PASSWORD).await;
    app.logout().await;
    let resp = app
        .post(
            "/login",
            "/login",
            &[
                ("email", "lee@example.com"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(resp.location(), Some("/dashboard"));
}

#[tokio::test]
async fn changing_password_requires_the_current_one_and_takes_effect() {
    let app = spawn_app().await;
    app.register("choi@example.com", "Choi", PASSWORD).await;

    let wrong = app.change_password("not-my-password", "a-brand-new-secret").await;
    assert_eq!(wrong.status, 422);
    assert_eq!(
        wrong.select_text("#current-error"),
        vec!["현재 비밀번호가 올바르지 않습니다."]
    );

    let ok = app.change_password(PASSWORD, "a-brand-new-secret").await;
    assert_eq!(ok.status, 303);
    assert_eq!(
        app.get("/dashboard").await.select_text(".flash"),
        vec!["비밀번호를 변경했습니다. 다른 기기의 로그인은 모두 종료되었습니다."]
    );

    app.logout().await;
    assert_eq!(app.login("choi@example.com", PASSWORD).await.status, 401);
    assert_eq!(app.login("choi@example.com", "a-brand-new-secret").await.status, 303);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_hashes() {
    let app = spawn_app().await;
    app.register("han@example.com", "Han", PASSWORD).await;
    let hash: String = sqlx::query_scalar("select password_hash from users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn changing_the_password_signs_out_every_other_device() {
    let app = spawn_app().await;
    app.register("kwon@example.com", "Kwon", PASSWORD).await;

    // The same account signed in on a second device.
    let phone = app.sibling();
    let signed_in = phone.login("kwon@example.com", PASSWORD).await;
    assert_eq!(signed_in.status, 303);
    assert_eq!(phone.get("/dashboard").await.status, 200);

    let changed = app.change_password(PASSWORD, "a-brand-new-secret").await;
    assert_eq!(changed.status, 303);

    let after = phone.get("/dashboard").await;
    assert_eq!(after.status, 303, "the other device is signed out");
    assert!(after.location().unwrap().starts_with("/login"));
    assert_eq!(app.get("/dashboard").await.status, 200, "this browser stays signed in");
    let left = app
        .count("select count(*) from tower_sessions.session s join users u on u.id = s.user_id where u.email = 'kwon@example.com'")
        .await;
    assert_eq!(left, 1, "only this browser's fresh session belongs to the account");
}
