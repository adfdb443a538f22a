//! Browser journeys in Debian's headless chromium, driven through chromedriver.

#[path = "../common/mod.rs"]
mod common;
mod editor;
mod exam_shell;

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// chromedriver for one test, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
    profile: std::path::PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver's chromium processes share its process group (see
        // `browser_with`); killing only chromedriver would leave them running.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn browser() -> (Driver, Client) {
    browser_with(true).await
}

/// A headless chromium session; `js = false` turns JavaScript off for the whole profile.
async fn browser_with(js: bool) -> (Driver, Client) {
    let driver_bin = std::env::var("CHROMEDRIVER").expect(
        "CHROMEDRIVER is not set; run the suite through scripts/test, which installs chromium and chromedriver",
    );
    let chrome_bin = std::env::var("CHROME_BIN").expect("CHROME_BIN is not set; run the suite through scripts/test");
    let port = free_port();
    let child = Command::new(&driver_bin)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = std::env::temp_dir().join(format!("examdrill-chrome-{}", uuid::Uuid::new_v4()));
    let driver = Driver {
        child,
        port,
        profile: profile.clone(),
    };

    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chrome_bin,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--lang=ko-KR",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": {
                "intl.accept_languages": "ko-KR,ko",
                "profile.managed_default_content_settings.javascript": if js { 1 } else { 2 }
            }
        }),
    );
    let url = format!("http://127.0.0.1:{}", driver.port);
    let mut last_err = None;
    for _ in 0..100 {
        match Client::with_capabilities_and_connector(&url, &caps, HttpConnector::new()).await {
            Ok(c) => return (driver, c),
            Err(e) => {
                last_err = Some(e);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    panic!("could not start a browser session: {last_err:?}");
}

/// Waits for an element (pages load after clicks), failing with the page's URL and source.
async fn element(c: &Client, css: &str) -> fantoccini::elements::Element {
    match c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
    {
        Ok(e) => e,
        Err(e) => {
            let url = c.current_url().await.map(|u| u.to_string()).unwrap_or_default();
            let source = c.source().await.unwrap_or_default();
            panic!("{css} not found on {url}: {e}\n{source}");
        }
    }
}

fn is_stale(e: &fantoccini::error::CmdError) -> bool {
    matches!(e, fantoccini::error::CmdError::Standard(w) if w.error == fantoccini::error::ErrorStatus::StaleElementReference)
}

/// Runs `act` on the element, finding it again if the page changed under it.
async fn with_element<T, F, Fut>(c: &Client, css: &str, act: F) -> T
where
    F: Fn(fantoccini::elements::Element) -> Fut,
    Fut: std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
{
    for _ in 0..20 {
        match act(element(c, css).await).await {
            Ok(v) => return v,
            Err(e) if is_stale(&e) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(e) => panic!("{css}: {e:?}"),
        }
    }
    panic!("{css} kept going stale");
}

async fn text(c: &Client, css: &str) -> String {
    with_element(c, css, |e| async move { e.text().await }).await
}

async fn fill(c: &Client, css: &str, value: &str) {
    with_element(c, css, |e| async move { e.send_keys(value).await }).await
}

async fn click(c: &Client, css: &str) {
    with_element(c, css, |e| async move { e.click().await }).await
}

/// Waits until the browser shows `path` after a navigation.
async fn wait_for_path(c: &Client, path: &str) {
    for _ in 0..100 {
        if c.current_url().await.is_ok_and(|u| u.path() == path) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "expected to arrive at {path}, still at {:?}",
        c.current_url().await.map(|u| u.to_string())
    );
}

#[tokio::test]
async fn register_login_dashboard_language_logout_journey() {
    let app = common::spawn_app().await;
    let (_driver, c) = browser().await;
    let result = async {
        // Register.
        c.goto(&app.url("/")).await?;
        click(&c, r#".hero a[href="/register"]"#).await;
        assert_eq!(text(&c, "h1").await, "회원가입");
        fill(&c, "#email", "browser@example.com").await;
        fill(&c, "#display_name", "브라우저 사용자").await;
        fill(&c, "#password", common::PASSWORD).await;
        fill(&c, "#password_confirm", common::PASSWORD).await;
        click(&c, "form.stacked button[type=submit]").await;
        wait_for_path(&c, "/dashboard").await;
        assert!(text(&c, "h1#welcome").await.contains("브라우저 사용자"));

        // Log out, then log in again through the form.
        click(&c, "#logout-button").await;
        wait_for_path(&c, "/").await;
        c.goto(&app.url("/login")).await?;
        fill(&c, "#email", "browser@example.com").await;
        fill(&c, "#password", common::PASSWORD).await;
        click(&c, "form.stacked button[type=submit]").await;

        // The dashboard, in Korean.
        wait_for_path(&c, "/dashboard").await;
        assert!(text(&c, "h1#welcome").await.starts_with("환영합니다"));
        assert_eq!(
            c.find(Locator::Css("html")).await?.attr("lang").await?.as_deref(),
            Some("ko")
        );

        // Switch the language: same page, now in English.
        click(&c, "#lang-switch").await;
        element(&c, "html[lang=en]").await;
        assert_eq!(c.current_url().await?.path(), "/dashboard");
        assert!(text(&c, "h1#welcome").await.starts_with("Welcome"));
        assert_eq!(
            c.find(Locator::Css("html")).await?.attr("lang").await?.as_deref(),
            Some("en")
        );

        // Log out: back to the start page, and the dashboard needs a login again.
        click(&c, "#logout-button").await;
        wait_for_path(&c, "/").await;
        c.goto(&app.url("/dashboard")).await?;
        assert_eq!(c.current_url().await?.path(), "/login");
        assert_eq!(
            text(&c, "h1").await,
            "Log in",
            "the switched language outlives the logout"
        );
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    c.close().await.ok();
    result.expect("browser journey");
}

#[tokio::test]
async fn instructor_uploads_previews_confirms_and_finds_the_question() {
    let app = common::spawn_app().await;
    common::bank::import_blueprints(&app).await;
    app.user_with_role("teacher@example.com", "instructor").await;
    let fixture = common::bank::repo_path("tests/fixtures/bank/valid/vpc-basics.toml");

    let (_driver, c) = browser().await;
    let result = async {
        c.goto(&app.url("/login")).await?;
        fill(&c, "#email", "teacher@example.com").await;
        fill(&c, "#password", common::PASSWORD).await;
        click(&c, "form.stacked button[type=submit]").await;
        wait_for_path(&c, "/dashboard").await;

        click(&c, r#"nav a[href="/instructor/bank"]"#).await;
        wait_for_path(&c, "/instructor/bank").await;
        click(&c, r#"a[href="/instructor/bank/upload"]"#).await;
        wait_for_path(&c, "/instructor/bank/upload").await;
        // A file input takes the file's path as typed keys.
        fill(&c, "#files", &fixture.display().to_string()).await;
        click(&c, "#upload-button").await;

        assert_eq!(text(&c, "#added-count").await, "2");
        assert_eq!(text(&c, "#retired-count").await, "0");
        click(&c, "#confirm-button").await;
        wait_for_path(&c, "/instructor/bank").await;
        assert_eq!(text(&c, ".flash").await, "가져오기를 마쳤습니다.");

        fill(&c, "#q", "방화벽").await;
        click(&c, "form.filters button[type=submit]").await;
        for _ in 0..100 {
            if c.current_url().await?.query().is_some_and(|q| q.contains("q=")) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(text(&c, "#result-count").await, "문항 수: 1");
        click(&c, r#"#questions a[href="/instructor/bank/questions/fixture-vpc-001"]"#).await;
        wait_for_path(&c, "/instructor/bank/questions/fixture-vpc-001").await;
        assert_eq!(text(&c, "#answer").await, "B");
        assert!(text(&c, ".stem").await.contains("방화벽"));
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    c.close().await.ok();
    result.expect("browser journey");
}

async fn login(c: &Client, app: &common::TestApp, email: &str) {
    c.goto(&app.url("/login")).await.expect("goto");
    fill(c, "#email", email).await;
    fill(c, "#password", common::PASSWORD).await;
    click(c, "form.stacked button[type=submit]").await;
    wait_for_path(c, "/dashboard").await;
}

/// Registers a student and signs them in on a fresh browser (`js = false`: without JavaScript).
async fn student_browser(app: &common::TestApp, email: &str, name: &str, js: bool) -> (Driver, Client) {
    app.register(email, name, common::PASSWORD).await;
    let (driver, c) = browser_with(js).await;
    login(&c, app, email).await;
    (driver, c)
}

/// The path of the attempt whose first question the browser shows (`/attempts/<id>`).
async fn attempt_base(c: &Client) -> String {
    element(c, "#answer-form").await;
    c.current_url()
        .await
        .expect("url")
        .path()
        .trim_end_matches("/q/1")
        .to_owned()
}

/// Starts a full SAA-C03 exam from /exams and returns its path.
async fn start_exam(c: &Client, app: &common::TestApp) -> String {
    c.goto(&app.url("/exams")).await.expect("goto");
    click(c, "#start-saa-c03").await;
    attempt_base(c).await
}

/// Starts an SAA-C03 practice set of `count` questions from /exams, after
/// clicking each of `choices` in its options, and returns its path.
async fn start_practice(c: &Client, app: &common::TestApp, count: usize, choices: &[&str]) -> String {
    c.goto(&app.url("/exams")).await.expect("goto");
    click(c, "#exam-saa-c03 ~ details summary").await;
    for choice in choices {
        click(c, &format!("#exam-saa-c03 ~ details {choice}")).await;
    }
    let field = element(c, "#count-saa-c03").await;
    field.clear().await.expect("clear");
    field.send_keys(&count.to_string()).await.expect("type");
    click(c, "#practice-saa-c03").await;
    attempt_base(c).await
}

async fn selected(app: &common::TestApp, position: i32) -> Option<String> {
    sqlx::query_scalar("select selected from attempt_items where position = $1")
        .bind(position)
        .fetch_one(&app.pool)
        .await
        .expect("item")
}

/// Answers all 65 questions (option A each time) and submits, checking the result page.
async fn take_full_exam(c: &Client, app: &common::TestApp, js: bool) {
    let base = start_exam(c, app).await;
    for pos in 1..=65 {
        wait_for_path(c, &format!("{base}/q/{pos}")).await;
        click(c, "#opt-A").await;
        if pos == 1 {
            if js {
                // The script saves on change, before any navigation.
                for _ in 0..100 {
                    if text(c, "#save-status").await == "저장됨" {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                assert_eq!(text(c, "#save-status").await, "저장됨");
                assert!(selected(app, 1).await.is_some(), "autosaved before leaving the page");
            } else {
                assert!(
                    selected(app, 1).await.is_none(),
                    "without JS nothing is sent until the form is posted"
                );
            }
        }
        if pos < 65 {
            click(c, "#next").await;
        } else {
            click(c, "#to-review").await;
        }
    }
    wait_for_path(c, &format!("{base}/review")).await;
    assert_eq!(text(c, "#count-unanswered").await, "0", "every question was answered");
    click(c, "#submit").await;
    wait_for_path(c, &format!("{base}/submit")).await;
    assert_eq!(text(c, "#confirm-unanswered").await, "0");
    click(c, "#confirm-submit").await;
    wait_for_path(c, &format!("{base}/result")).await;
    assert!(text(c, "#raw").await.ends_with("/ 65"));
    let answered: i64 = sqlx::query_scalar("select count(*) from attempt_items where selected is not null")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(answered, 65);
}

#[tokio::test]
async fn a_full_timed_exam_with_javascript() {
    let app = common::bank::seeded(25).await;
    let (_driver, c) = student_browser(&app, "js-on@example.com", "JS", true).await;
    take_full_exam(&c, &app, true).await;
    c.close().await.ok();
}

#[tokio::test]
async fn a_full_timed_exam_without_javascript() {
    let app = common::bank::seeded(25).await;
    let (_driver, c) = student_browser(&app, "js-off@example.com", "NoJS", false).await;
    take_full_exam(&c, &app, false).await;
    c.close().await.ok();
}

#[tokio::test]
async fn a_practice_set_with_feedback_after_each_question() {
    let app = common::bank::seeded(25).await;
    let (_driver, c) = student_browser(&app, "practice@example.com", "Practice", true).await;
    let base = start_practice(&c, &app, 3, &["input[name=feedback][value=each]"]).await;
    for pos in 1..=3 {
        // Wait for the page itself, so no click lands on the previous one.
        wait_for_path(&c, &format!("{base}/q/{pos}")).await;
        click(&c, "#opt-A").await;
        click(&c, "#check").await;
        let verdict = text(&c, "#feedback-heading").await;
        assert!(verdict == "정답" || verdict == "오답", "{verdict}");
        assert!(!text(&c, ".feedback .explanation").await.is_empty());
        assert!(
            c.find(Locator::Css("#check")).await.is_err(),
            "a checked answer is locked"
        );
        if pos < 3 {
            click(&c, "#next").await;
        }
    }
    click(&c, "#to-review").await;
    click(&c, "#submit").await;
    click(&c, "#confirm-submit").await;
    assert!(text(&c, "#raw").await.ends_with("/ 3"));
    c.close().await.ok();
}

/// Misses in a practice set show up as the weakest topic on /review; its page
/// starts a drill; the day's reviews are answered one by one with feedback.
#[tokio::test]
async fn weak_topic_review_drill_and_daily_reviews() {
    let app = common::spawn_app().await;
    common::bank::seed_saa_bank_with_topics(&app, 20, true).await;
    let (_driver, c) = student_browser(&app, "review@example.com", "Review", true).await;

    // A six-question practice set on the cost domain, every answer wrong: option
    // key d is never right in the seeded bank (b, or a+c). Letters on screen are shuffled.
    let base = start_practice(&c, &app, 6, &["input[name=domain][value=cost]"]).await;
    for pos in 1..=6 {
        wait_for_path(&c, &format!("{base}/q/{pos}")).await;
        click(&c, "input[name=choice][value=d]").await;
        click(&c, if pos < 6 { "#next" } else { "#to-review" }).await;
    }
    click(&c, "#submit").await;
    click(&c, "#confirm-submit").await;
    assert_eq!(text(&c, "#raw").await, "0 / 6");

    // The review page ranks the missed topic first.
    c.goto(&app.url("/review")).await.expect("goto");
    assert_eq!(
        text(&c, "#weak-topics tbody tr:first-child a.topic-link").await,
        "주제 cost-topic"
    );
    click(&c, "#weak-topics tbody tr:first-child a.topic-link").await;
    wait_for_path(&c, "/review/topics/cost-topic").await;
    assert!(text(&c, "#topic-summary").await.contains("cost-topic"));
    assert_eq!(
        c.find_all(Locator::Css("article.missed")).await.expect("missed").len(),
        6
    );
    click(&c, "#start-drill").await;
    element(&c, "#answer-form").await;
    assert!(
        element(&c, "#check").await.is_displayed().await.unwrap_or(false),
        "drills give feedback after each question"
    );

    // A wrong answer returns within minutes; let those minutes pass.
    sqlx::query("update review_cards set due = due - interval '10 minutes'")
        .execute(&app.pool)
        .await
        .expect("time passes");
    c.goto(&app.url("/dashboard")).await.expect("goto");
    assert_eq!(text(&c, "#plan-due").await, "6");
    click(&c, "#plan-start-reviews").await;
    for n in 0..6 {
        wait_for_path(&c, "/review/session").await;
        assert_eq!(text(&c, "#due-now").await, (6 - n).to_string());
        click(&c, "#opt-B").await;
        click(&c, "#check-review").await;
        assert!(
            !text(&c, "#next-review strong").await.is_empty(),
            "tells when it comes back"
        );
        assert!(!text(&c, ".feedback .explanation").await.is_empty());
        click(&c, if n < 5 { "#next-card" } else { "#done" }).await;
    }
    wait_for_path(&c, "/review").await;
    assert_eq!(text(&c, "#due-now").await, "0");
    c.close().await.ok();
}

/// Makes the page's next `fails` save requests fail as if the network were
/// down, and scales the retry waits by `scale`.
async fn break_saves(c: &Client, fails: u32, scale: f64) {
    c.execute(
        "window.examdrillRetryScale = arguments[1];
         window.failSaves = arguments[0];
         if (!window.realFetch) { window.realFetch = window.fetch; }
         window.fetch = function () {
           if (window.failSaves > 0) { window.failSaves -= 1; return Promise.reject(new TypeError('offline')); }
           return window.realFetch.apply(this, arguments);
         };",
        vec![serde_json::json!(fails), serde_json::json!(scale)],
    )
    .await
    .expect("install the failing fetch");
}

/// Polls the save status until it satisfies `want`, returning what it showed.
async fn wait_for_status(c: &Client, want: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..200 {
        last = text(c, "#save-status").await;
        if want(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the save status never matched; it last said {last:?}");
}

/// A save that fails on the network says so, retries with backoff and then
/// saves; one that keeps failing says plainly it could not save, and the
/// answer still reaches the server when the student moves on.
#[tokio::test]
async fn a_failing_save_is_shown_and_retried() {
    let app = common::bank::seeded(25).await;
    let (_driver, c) = student_browser(&app, "flaky@example.com", "Flaky", true).await;
    let base = start_exam(&c, &app).await;

    // Two network failures, then the connection is back.
    break_saves(&c, 2, 1.0).await;
    click(&c, "#opt-A").await;
    wait_for_status(&c, |s| s.contains("저장 안 됨")).await;
    let class = with_element(&c, "#save-status", |e| async move { e.attr("class").await }).await;
    assert_eq!(class.as_deref(), Some("save-error"));
    wait_for_status(&c, |s| s == "저장됨").await;
    let first = selected(&app, 1).await.expect("saved after the retries");

    // The network stays down: the page gives up and says so.
    break_saves(&c, 1000, 0.02).await;
    click(&c, "#opt-B").await;
    let said = wait_for_status(&c, |s| s.contains("저장하지 못했습니다")).await;
    assert!(said.contains("이동할 때 저장"), "{said}");
    assert_eq!(
        selected(&app, 1).await.as_ref(),
        Some(&first),
        "nothing new reached the server"
    );

    // Moving on posts the form, which carries the choice.
    break_saves(&c, 0, 1.0).await;
    click(&c, "#next").await;
    wait_for_path(&c, &format!("{base}/q/2")).await;
    let now = selected(&app, 1).await.expect("still answered");
    assert_ne!(now, first, "the form post saved the latest choice");
    c.close().await.ok();
}
