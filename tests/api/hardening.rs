//! Regression tests for the outside probe's findings: sessions that stay dead,
//! saves one student cannot spoil, anonymous pages that write nothing, and
//! redirects that stay on the site.

use std::time::Duration;

use crate::common::bank::seeded;
use crate::common::exam::exam_in_progress;
use crate::common::{PASSWORD, SESSION_COOKIE, TestApp, client, cookie_value, spawn_app};

/// Signs in through the form and returns the session cookie (`name=value`).
async fn signed_in_cookie(app: &TestApp, email: &str) -> String {
    let login = app.login(email, PASSWORD).await;
    assert_eq!(login.status, 303, "{}", login.body);
    cookie_value(&login.set_cookie(SESSION_COOKIE).expect("session cookie at login"))
}

/// Changes the signed-in user's password through the form.
async fn change_password(app: &TestApp) {
    let changed = app.change_password(PASSWORD, "another-long-passphrase").await;
    assert_eq!(changed.status, 303, "{}", changed.body);
}

async fn sessions_of(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from tower_sessions.session s join users u on u.id = s.user_id where u.email = $1",
    )
    .bind(email)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// A thief loops requests with a stolen cookie while the owner changes the
/// password. Requests in flight at that moment must not write the deleted
/// session back, so once the change is done the cookie is dead for good.
#[tokio::test]
async fn a_stolen_cookie_looping_requests_dies_with_a_password_change() {
    for trial in 0..5 {
        let app = spawn_app().await;
        let email = format!("owner{trial}@example.com");
        app.register(&email, "Owner", PASSWORD).await;
        let stolen = signed_in_cookie(&app.sibling(), &email).await;
        let thief = client();
        let url = app.url("/dashboard");
        let looping = {
            let (thief, url, stolen) = (thief.clone(), url.clone(), stolen.clone());
            tokio::spawn(async move {
                let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
                while tokio::time::Instant::now() < deadline {
                    let _ = thief.get(&url).header("cookie", &stolen).send().await;
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        change_password(&app).await;
        looping.await.unwrap();
        let after = thief.get(&url).header("cookie", &stolen).send().await.unwrap();
        assert_eq!(after.status(), 303, "trial {trial}: the stolen cookie still works");
        // The owner's own browser signed in again under a fresh session.
        assert_eq!(app.get("/dashboard").await.status, 200);
        assert_eq!(sessions_of(&app, &email).await, 1, "trial {trial}");
    }
}

/// The same race against logout, with a slow state-changing request in flight.
#[tokio::test]
async fn a_language_switch_in_flight_does_not_revive_a_logged_out_session() {
    let app = spawn_app().await;
    let other = app.sibling();
    other.register("lang@example.com", "Lang", PASSWORD).await;
    other.logout().await;
    let cookie = signed_in_cookie(&app, "lang@example.com").await;
    let token = app.csrf_token("/dashboard").await;
    // Hold a /lang request open by sending its body slowly, log out meanwhile.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = format!("lang=en&next=%2Fdashboard&csrf_token={token}");
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let head = format!(
        "POST /lang HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(&body.as_bytes()[..5]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.logout().await;
    conn.write_all(&body.as_bytes()[5..]).await.unwrap();
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer).await;
    let after = client()
        .get(app.url("/dashboard"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        303,
        "the logged-out session came back: {:?}",
        after.headers()
    );
    assert_eq!(sessions_of(&app, "lang@example.com").await, 0);
}

#[tokio::test]
async fn an_anonymous_page_view_writes_no_session() {
    let app = spawn_app().await;
    for path in ["/", "/login", "/register", "/no-such-page"] {
        let page = app.get(path).await;
        assert!(page.set_cookie(SESSION_COOKIE).is_none(), "{path} set a session cookie");
    }
    assert_eq!(app.count("select count(*) from tower_sessions.session").await, 0);
    // The login form still works: its token comes from the nonce cookie.
    app.register("anon@example.com", "Anon", PASSWORD).await;
    assert_eq!(app.get("/dashboard").await.status, 200);
}

#[tokio::test]
async fn the_csrf_token_changes_at_sign_in() {
    let app = spawn_app().await;
    app.register("rot@example.com", "Rot", PASSWORD).await;
    app.logout().await;
    let before = app.csrf_token("/login").await;
    signed_in_cookie(&app, "rot@example.com").await;
    let after = app.csrf_token("/dashboard").await;
    assert_ne!(before, after, "a token seen before sign-in must not work after it");
    // The old token is refused on a signed-in form.
    let stale = app
        .post_raw(
            "/lang",
            &[("lang", "en"), ("next", "/dashboard"), ("csrf_token", &before)],
        )
        .await;
    assert_eq!(stale.status, 403);
}

#[tokio::test]
async fn redirect_targets_stay_on_the_site() {
    let app = spawn_app().await;
    app.register("next@example.com", "Next", PASSWORD).await;
    for evil in [
        "/%09/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "%2f%2fevil.example",
        "https:evil.example",
        "/%0a/evil",
    ] {
        let page = client()
            .get(app.url(&format!("/login?next={evil}")))
            .send()
            .await
            .unwrap();
        let _ = page;
        let token = app.csrf_token("/dashboard").await;
        let resp = app
            .post_raw(
                "/lang",
                &[
                    ("lang", "ko"),
                    ("next", &urlencoding_decode(evil)),
                    ("csrf_token", &token),
                ],
            )
            .await;
        let to = resp.location().unwrap_or_default().to_owned();
        assert!(
            to.starts_with('/') && !to.starts_with("//") && !to.contains('\\') && !to.contains('\t'),
            "{evil} → {to}"
        );
    }
}

fn urlencoding_decode(s: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("x={s}"))
        .ok()
        .and_then(|v| v.into_iter().next())
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// One student's hostile saves share the writers with another student's
/// honest ones; every honest save must still be acknowledged and stored.
#[tokio::test]
async fn one_students_nul_saves_cannot_fail_another_students_saves() {
    let app = seeded(25).await;
    let honest = app.sibling();
    honest.register("honest@example.com", "Honest", PASSWORD).await;
    let hostile = app.sibling();
    hostile.register("hostile@example.com", "Hostile", PASSWORD).await;
    let (hb, hh) = (honest.start_exam().await, hostile.start_exam().await);
    let (hostile_token, _) = hostile.question_form(&hh, 1).await;
    let mut honest_qs = Vec::new();
    for pos in 1..=10 {
        honest_qs.push((pos, honest.question_form(&hb, pos).await));
    }
    let attack = {
        let (app, hh, token) = (hostile.sibling(), hh.clone(), hostile_token.clone());
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in 0..150 {
                let pos = (1 + i % 10).to_string();
                statuses.push(
                    app.autosave_cookieless(&hh, &token, &[("position", &pos), ("choice", "\0")])
                        .await,
                );
            }
            statuses
        })
    };
    let mut last: std::collections::HashMap<i32, String> = Default::default();
    let mut futures = Vec::new();
    for round in 0..30 {
        for (pos, (token, values)) in &honest_qs {
            let v = values[round % values.len()].clone();
            last.insert(*pos, v.clone());
            let (app, hb, token, pos) = (honest.sibling(), hb.clone(), token.clone(), pos.to_string());
            futures.push(tokio::spawn(async move {
                app.autosave_cookieless(&hb, &token, &[("position", &pos), ("choice", &v)])
                    .await
            }));
        }
        // Saves for one question go out in order, as the page script sends them.
        for f in futures.drain(..) {
            assert_eq!(f.await.unwrap(), 204, "an honest save was refused");
        }
    }
    let hostile_statuses = attack.await.unwrap();
    assert!(hostile_statuses.iter().all(|s| *s == 400), "{hostile_statuses:?}");
    let stored: Vec<(i32, Option<String>)> = sqlx::query_as(
        "select i.position, i.selected from attempt_items i join attempts a on a.id = i.attempt_id
         join users u on u.id = a.user_id where u.email = 'honest@example.com' and i.position <= 10",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    for (pos, sel) in stored {
        assert_eq!(sel.as_deref(), last.get(&pos).map(String::as_str), "question {pos}");
    }
}

#[tokio::test]
async fn a_single_answer_question_takes_one_choice() {
    let (app, base) = exam_in_progress("single@example.com", "Single").await;
    let mut pos = 1;
    while !app
        .get(&format!("{base}/q/{pos}"))
        .await
        .body
        .contains(r#"type="radio""#)
    {
        pos += 1;
    }
    let p = pos.to_string();
    let (token, values) = app.question_form(&base, pos).await;
    let status = app
        .autosave_cookieless(
            &base,
            &token,
            &[("position", &p), ("choice", &values[0]), ("choice", &values[1])],
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        app.autosave_cookieless(&base, &token, &[("position", &p), ("choice", &values[0])])
            .await,
        204
    );
}

#[tokio::test]
async fn a_password_change_revokes_autosave_tokens() {
    let (app, base) = exam_in_progress("revoke@example.com", "Revoke").await;
    let (token, values) = app.question_form(&base, 2).await;
    assert_eq!(
        app.autosave_cookieless(&base, &token, &[("position", "2"), ("choice", &values[0])])
            .await,
        204
    );
    change_password(&app).await;
    assert_eq!(
        app.autosave_cookieless(&base, &token, &[("position", "2"), ("choice", &values[1])])
            .await,
        403,
        "a token from before the change still saves"
    );
    // The page, loaded again, hands out a token that works.
    let (fresh, _) = app.question_form(&base, 2).await;
    assert_eq!(
        app.autosave_cookieless(&base, &fresh, &[("position", "2"), ("choice", &values[1])])
            .await,
        204
    );
}

async fn login_from(app: &TestApp, addr: &str, email: &str, password: &str) -> u16 {
    let c = client();
    let page = TestApp::page(
        c.get(app.url("/login"))
            .header("x-forwarded-for", addr)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let nonce = cookie_value(&page.set_cookie("examdrill_csrf").unwrap());
    let token = page.attr(r#"input[name="csrf_token"]"#, "value").unwrap();
    c.post(app.url("/login"))
        .header("x-forwarded-for", addr)
        .header("cookie", nonce)
        .form(&[("email", email), ("password", password), ("csrf_token", &token)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn behind_a_proxy() -> TestApp {
    crate::common::spawn_app_with(|mut s| {
        s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        s
    })
    .await
}

/// Every guess is recorded before the password is checked, in one locked
/// step, so a burst cannot slip past the limit by racing the count.
#[tokio::test]
async fn forty_concurrent_wrong_guesses_get_five_tries() {
    let app = behind_a_proxy().await;
    app.sibling().register("burst@example.com", "Burst", PASSWORD).await;
    let guesses = (0..40).map(|_| {
        let app = app.sibling();
        tokio::spawn(async move { login_from(&app, "198.51.100.66", "burst@example.com", "wrong-wrong-wrong").await })
    });
    let mut statuses = Vec::new();
    for g in guesses {
        statuses.push(g.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 35), "{statuses:?}");
}

/// An attacker's failures from one address must not lock the owner out on
/// another: the limit is per (account, address), and the per-account
/// slow-down spares addresses the owner has used before.
#[tokio::test]
async fn the_owner_signs_in_while_an_attacker_is_throttled_elsewhere() {
    let app = behind_a_proxy().await;
    app.sibling().register("owner@example.com", "Owner", PASSWORD).await;
    assert_eq!(login_from(&app, "192.0.2.10", "owner@example.com", PASSWORD).await, 303);
    for _ in 0..5 {
        assert_eq!(
            login_from(&app, "203.0.113.5", "owner@example.com", "guess-guess-guess").await,
            401
        );
    }
    assert_eq!(
        login_from(&app, "203.0.113.5", "owner@example.com", "guess-guess-guess").await,
        429
    );
    // A spoofed header from an untrusted peer would not help the attacker
    // either, but through the proxy each address counts on its own.
    assert_eq!(login_from(&app, "192.0.2.10", "owner@example.com", PASSWORD).await, 303);
    // Many attacking addresses: the account slows down for new addresses only.
    for i in 0..60 {
        let _ = login_from(
            &app,
            &format!("203.0.113.{}", 100 + i / 5),
            "owner@example.com",
            "guess-guess-guess",
        )
        .await;
    }
    assert_eq!(login_from(&app, "198.18.0.1", "owner@example.com", PASSWORD).await, 429);
    assert_eq!(login_from(&app, "192.0.2.10", "owner@example.com", PASSWORD).await, 303);
}

#[tokio::test]
async fn pages_with_personal_data_are_not_cached() {
    let (app, base) = exam_in_progress("cache@example.com", "Cache").await;
    let submitted = app.submit(&base).await;
    assert_eq!(submitted.status, 303);
    for path in [
        "/dashboard".to_owned(),
        "/history".to_owned(),
        format!("{base}/result"),
        format!("{base}/answers"),
    ] {
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.headers["cache-control"], "no-store", "{path}");
    }
    // Static assets stay cacheable.
    let css = app.get("/static/style.css").await;
    assert!(css.headers["cache-control"].to_str().unwrap().contains("max-age"));
}

/// Numbers and enums on the start form are checked at the edge: nothing out
/// of range starts a broken attempt, and nothing unknown falls back silently.
#[tokio::test]
async fn bad_start_parameters_get_a_400_and_start_nothing() {
    let app = seeded(25).await;
    app.register("strict@example.com", "Strict", PASSWORD).await;
    let practice = |extra: Vec<(&'static str, &'static str)>| {
        let mut form = vec![("exam", "saa-c03"), ("mode", "practice")];
        form.extend(extra);
        form
    };
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("exam", "saa-c03"), ("mode", "bogus")],
        practice(vec![("timed", "on"), ("minutes", "4294967295")]),
        practice(vec![("timed", "on"), ("minutes", "2147483648")]),
        practice(vec![("timed", "on"), ("minutes", "0")]),
        practice(vec![("timed", "on"), ("minutes", "-1")]),
        practice(vec![("timed", "on"), ("minutes", "")]),
        practice(vec![("count", "0")]),
        practice(vec![("count", "9223372036854775808")]),
        // Longer than the real exam (65 questions).
        practice(vec![("count", "66")]),
        practice(vec![("feedback", "sometimes")]),
        vec![("exam", "saa-c03\0"), ("mode", "exam")],
    ];
    for form in cases {
        let resp = app.post("/exams", "/attempts", &form).await;
        assert_eq!(resp.status, 400, "{form:?}: {}", resp.status);
    }
    assert_eq!(
        app.count("select count(*) from attempts").await,
        0,
        "a refused start must not leave an attempt behind"
    );
    let ok = app
        .post(
            "/exams",
            "/attempts",
            &practice(vec![("timed", "on"), ("minutes", "600"), ("count", "5")]),
        )
        .await;
    assert_eq!(ok.status, 303);
}

/// A client that sends headers and then stalls its body is answered 408 and
/// cut off once the body deadline passes, instead of holding the connection.
#[tokio::test]
async fn a_stalled_request_body_is_cut_off_with_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = crate::common::spawn_app_with(|mut s| {
        s.body_timeout = Duration::from_secs(1);
        s
    })
    .await;
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connect");
    conn.write_all(
        b"POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 1000\r\n\r\nemail=slow",
    )
    .await
    .expect("send head");
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the connection was still open after 10 s");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

/// With the database refusing writes, pages still render for visitors and
/// signed-in students, and /healthz says read-only rather than OK.
#[tokio::test]
async fn pages_render_while_the_database_refuses_writes() {
    let app = seeded(2).await;
    assert_eq!(app.register("reader@example.com", "Reader", PASSWORD).await.status, 303);
    assert_eq!(app.get("/healthz").await.status, 200);

    sqlx::query(&format!(
        r#"alter database "{}" set default_transaction_read_only = on"#,
        app.db_name
    ))
    .execute(&app.pool)
    .await
    .expect("make read-only");
    // Existing connections keep their settings; new ones come up read-only.
    sqlx::query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
    )
    .bind(&app.db_name)
    .execute(&app.pool)
    .await
    .expect("drop connections");

    let visitor = app.sibling();
    for (who, path) in [
        (&visitor, "/"),
        (&visitor, "/login"),
        (&visitor, "/register"),
        (&app, "/dashboard"),
        (&app, "/exams"),
        (&app, "/history"),
        (&app, "/review"),
        (&app, "/account/password"),
    ] {
        let mut page = who.get(path).await;
        // The first request on a freshly killed pool may meet a dead connection.
        if page.status == 503 {
            page = who.get(path).await;
        }
        assert_eq!(page.status, 200, "{path} while read-only: {}", page.body);
    }
    let health = app.get("/healthz").await;
    assert_eq!(health.status, 503);
    assert!(health.body.contains("read-only"), "{}", health.body);
}

/// A closed set in a query or form (a filter, an export format, a draft
/// action) is parsed strictly: an unknown value is a 400, not a silent default.
#[tokio::test]
async fn unknown_values_of_closed_sets_get_a_400() {
    let app = seeded(25).await;
    app.user_with_role("strict-teacher@example.com", "instructor").await;
    for path in [
        "/instructor/bank?state=bogus",
        "/instructor/bank?kind=essay",
        "/instructor/bank/export?format=pdf",
        "/instructor/bank?page=0",
        "/instructor/bank?page=400000000000000000",
    ] {
        assert_eq!(app.get(path).await.status, 400, "{path}");
    }
    for path in [
        "/instructor/bank?state=retired",
        "/instructor/bank?kind=",
        "/instructor/bank?page=2",
    ] {
        assert_eq!(app.get(path).await.status, 200, "{path}");
    }
    let student = app.sibling();
    student.register("strict-student@example.com", "S", PASSWORD).await;
    let base = student
        .start_attempt(&[("exam", "saa-c03"), ("mode", "practice"), ("count", "2")])
        .await;
    let submitted = student.submit(&base).await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    assert_eq!(student.get(&format!("{base}/answers?filter=wrong")).await.status, 200);
    assert_eq!(
        student.get(&format!("{base}/answers?filter=everything")).await.status,
        400
    );
    assert_eq!(student.get(&format!("{base}/q/1?original=fr")).await.status, 400);
}

#[tokio::test]
async fn signing_out_revokes_autosave_tokens() {
    let (app, base) = exam_in_progress("leaving@example.com", "Leaving").await;
    let (token, values) = app.question_form(&base, 1).await;
    assert_eq!(
        app.autosave_cookieless(&base, &token, &[("position", "1"), ("choice", &values[0])])
            .await,
        204
    );
    app.logout().await;
    assert_eq!(
        app.autosave_cookieless(&base, &token, &[("position", "1"), ("choice", &values[1])])
            .await,
        403,
        "the signed-out page still saves"
    );
}
