use crate::common::{PASSWORD, SESSION_COOKIE, TestApp, client, cookie_value, spawn_app};

/// The cookies a browser gets from signing up: the session, and the nonce
/// behind anonymous forms' CSRF tokens.
async fn sign_up_cookies(app: &TestApp) -> (String, String) {
    let nonce = app
        .get("/register")
        .await
        .set_cookie("examdrill_csrf")
        .expect("a CSRF nonce cookie");
    let page = app.register("cookie@example.com", "Cookie", PASSWORD).await;
    let session = page.set_cookie(SESSION_COOKIE).expect("a session cookie at sign-up");
    (session, nonce)
}

#[tokio::test]
async fn session_cookie_is_http_only_and_same_site_lax() {
    let app = spawn_app().await;
    for cookie in <[String; 2]>::from(sign_up_cookies(&app).await) {
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "COOKIE_SECURE defaults to off: {cookie}");
    }
}

#[tokio::test]
async fn secure_cookie_flag_follows_the_setting() {
    let app = crate::common::spawn_app_with(|mut s| {
        s.cookie_secure = true;
        s
    })
    .await;
    let nonce = app
        .get("/register")
        .await
        .set_cookie("examdrill_csrf")
        .expect("nonce cookie");
    assert!(nonce.contains("Secure"), "{nonce}");
    // A Secure session cookie is not sent back over plain HTTP, so read it from the sign-up response.
    let page = app.register("secure@example.com", "Secure", PASSWORD).await;
    let cookie = page.set_cookie(SESSION_COOKIE).expect("a session cookie");
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn session_id_is_renewed_at_login() {
    let app = spawn_app().await;
    app.register("kang@example.com", "Kang", PASSWORD).await;
    app.logout().await;

    // A session planted before sign-in (here: the one from signing in once)
    // must not be the one that signing in again hands out.
    let first = app.login("kang@example.com", PASSWORD).await;
    let before = first.set_cookie(SESSION_COOKIE).expect("session at first sign-in");
    // Signing in again from a signed-in page, with that page's token.
    let login = app
        .post(
            "/dashboard",
            "/login",
            &[("email", "kang@example.com"), ("password", PASSWORD)],
        )
        .await;
    let after = login.set_cookie(SESSION_COOKIE).expect("new session cookie at login");
    assert_ne!(cookie_value(&before), cookie_value(&after));
}

#[tokio::test]
async fn an_old_cookie_is_dead_after_logout() {
    let app = spawn_app().await;
    app.register("yoon@example.com", "Yoon", PASSWORD).await;
    app.logout().await;
    let login = app.login("yoon@example.com", PASSWORD).await;
    let stolen = cookie_value(&login.set_cookie(SESSION_COOKIE).expect("session cookie"));

    // The copied cookie works while the session lives...
    let thief = client();
    let before = thief
        .get(app.url("/dashboard"))
        .header("cookie", &stolen)
        .send()
        .await
        .unwrap();
    assert_eq!(before.status(), 200);

    app.logout().await;

    // ...and is worthless once the owner logs out.
    let after = thief
        .get(app.url("/dashboard"))
        .header("cookie", &stolen)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 303);
    assert!(after.headers()["location"].to_str().unwrap().starts_with("/login"));
    let rows = app
        .count("select count(*) from tower_sessions.session where data is not null and expiry_date > now()")
        .await;
    assert!(rows <= 1, "only the fresh anonymous session may remain, found {rows}");
}

#[tokio::test]
async fn a_session_survives_an_app_restart() {
    let app = spawn_app().await;
    app.register("jung@example.com", "Jung", PASSWORD).await;
    assert_eq!(app.get("/dashboard").await.status, 200);

    let old_port = app.port;
    let app: TestApp = app.restart().await;
    assert_ne!(app.port, old_port);
    let dash = app.get("/dashboard").await;
    assert_eq!(dash.status, 200);
    assert!(dash.select_text("h1#welcome")[0].contains("Jung"));
}

#[tokio::test]
async fn expired_sessions_are_not_honoured() {
    let app = spawn_app().await;
    app.register("oh@example.com", "Oh", PASSWORD).await;
    sqlx::query("update tower_sessions.session set expiry_date = now() - interval '1 minute'")
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = app.get("/dashboard").await;
    assert_eq!(resp.status, 303);
}
