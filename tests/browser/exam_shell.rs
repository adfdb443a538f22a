//! The exam shell in the browser, as a student meets it on a desktop and on a
//! phone: review walks, the submit confirmation, keyboard shortcuts, time
//! warnings, skipped versus wrong, drills without pass/fail, the language
//! switch keeping the answer; axe-core finds no serious or critical
//! problems; screenshots go to target/screenshots/ for a person to look at.

use std::sync::OnceLock;

use super::*;

const DESKTOP: (u32, u32) = (1366, 900);
const PHONE: (u32, u32) = (390, 844);

/// axe-core's script, which scripts/lib/browser.sh fetches once into target/.
fn axe_source() -> &'static str {
    static AXE: OnceLock<String> = OnceLock::new();
    AXE.get_or_init(|| {
        let path = std::env::var("AXE_JS")
            .expect("AXE_JS is not set; run the suite through scripts/test, which fetches axe-core");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
    })
}

/// axe-core's serious and critical violations on the page (rule, help and
/// up to three elements each), and how many violations of any impact.
async fn axe_serious(c: &Client) -> (Vec<String>, serde_json::Value) {
    let injected = c
        .execute(&format!("{};\nreturn typeof axe;", axe_source()), vec![])
        .await
        .expect("inject axe-core");
    assert_eq!(injected, serde_json::json!("object"));
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(r => done({
               total: r.violations.length,
               bad: r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' @ ' +
                      v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))
             }), e => done({ total: -1, bad: ['axe failed: ' + e] }));",
            vec![],
        )
        .await
        .expect("run axe-core");
    let bad: Vec<String> = serde_json::from_value(found["bad"].clone()).unwrap_or_default();
    (bad, found["total"].clone())
}

/// Runs axe-core on the page and fails on any serious or critical violation,
/// naming the rule and the elements.
pub(super) async fn assert_accessible(c: &Client, page: &str) {
    let (bad, total) = axe_serious(c).await;
    let width = c.execute("return window.innerWidth", vec![]).await.expect("width");
    eprintln!(
        "axe {page} @ {width}px: {} serious/critical, {total} violations in all",
        bad.len()
    );
    assert!(bad.is_empty(), "{page} at {width}px: {bad:#?}");
}

/// The check can fail: a planted image without a text alternative is caught.
async fn axe_catches_a_planted_problem(c: &Client) {
    c.execute(
        "const i = document.createElement('img'); i.id = 'planted'; i.src = '/static/none.png';
         document.querySelector('main').appendChild(i);",
        vec![],
    )
    .await
    .expect("plant");
    let (bad, _) = axe_serious(c).await;
    assert!(
        bad.iter().any(|b| b.contains("image-alt")),
        "axe-core missed it: {bad:?}"
    );
    c.execute("document.getElementById('planted').remove()", vec![])
        .await
        .expect("unplant");
}

/// Sizes the window so the page is `width` CSS pixels wide.
async fn set_width(c: &Client, (width, height): (u32, u32)) {
    c.set_window_size(width, height).await.expect("resize");
    let inner = c.execute("return window.innerWidth", vec![]).await.expect("width");
    assert_eq!(inner, serde_json::json!(width), "the viewport is {width}px wide");
}

/// Saves what the browser shows to target/screenshots/<name>-<width>.png.
async fn screenshot(c: &Client, name: &str) {
    let width = c.execute("return window.innerWidth", vec![]).await.expect("width");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}-{width}.png")), png).expect("write screenshot");
}

/// Both widths: axe-core on the page, and a screenshot when `shot` names one.
async fn check_both_widths(c: &Client, page: &str, shot: Option<&str>) {
    for size in [DESKTOP, PHONE] {
        set_width(c, size).await;
        c.execute("window.scrollTo(0, 0)", vec![]).await.expect("scroll");
        assert_accessible(c, page).await;
        if let Some(name) = shot {
            screenshot(c, name).await;
        }
    }
    set_width(c, DESKTOP).await;
}

/// Presses Alt and `key` together on the focused element.
async fn alt(c: &Client, key: char) {
    let alt = '\u{E00A}';
    let release = '\u{E000}';
    c.active_element()
        .await
        .expect("focus")
        .send_keys(&format!("{alt}{key}{release}"))
        .await
        .expect("keys");
}

async fn path_and_query(c: &Client) -> String {
    let url = c.current_url().await.expect("url");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

async fn wait_for_url(c: &Client, want: &str) {
    for _ in 0..100 {
        if path_and_query(c).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected {want}, still at {}", path_and_query(c).await);
}

/// A desktop-and-phone exam: answer, flag (with the keyboard too), walk the
/// review screen, confirm the submit; every page passes axe-core at both widths.
#[tokio::test]
async fn the_exam_shell_on_a_desktop_and_a_phone() {
    let app = common::bank::seeded(25).await;
    let (_driver, c) = student_browser(&app, "shell@example.com", "Shell", true).await;
    set_width(&c, DESKTOP).await;
    let base = start_exam(&c, &app).await;
    assert_eq!(text(&c, "#q-heading").await, "문항 1 / 65");
    assert!(
        text(&c, "#choose-hint").await.starts_with("정답"),
        "the options' fieldset has a legend"
    );
    axe_catches_a_planted_problem(&c).await;
    check_both_widths(&c, "exam question", Some("exam")).await;

    // On a phone the clock stays in view after scrolling to the bottom.
    set_width(&c, PHONE).await;
    let header = c
        .execute(
            "return document.querySelector('.site-header').getBoundingClientRect().height",
            vec![],
        )
        .await
        .expect("header");
    assert!(
        header.as_f64().unwrap_or(999.0) <= 120.0,
        "compact header on a phone: {header}"
    );
    let seen = c
        .execute(
            "window.scrollTo(0, document.body.scrollHeight);
             const r = document.getElementById('timer').getBoundingClientRect();
             return [window.scrollY, r.top, r.bottom, window.innerHeight];",
            vec![],
        )
        .await
        .expect("scroll");
    let v: Vec<f64> = serde_json::from_value(seen.clone()).expect("numbers");
    assert!(v[0] > 200.0, "the page scrolled: {seen}");
    assert!(
        v[1] >= 0.0 && v[2] <= v[3],
        "the timer is on screen after scrolling: {seen}"
    );
    screenshot(&c, "exam-scrolled").await;
    set_width(&c, DESKTOP).await;
    c.execute("window.scrollTo(0, 0)", vec![]).await.expect("scroll");

    // 1: answered and flagged; 2: skipped; 3: answered, flagged with Alt+F, left with Alt+N.
    click(&c, "#opt-A").await;
    click(&c, "#flag").await;
    click(&c, "#next").await;
    wait_for_path(&c, &format!("{base}/q/2")).await;
    click(&c, "#next").await;
    wait_for_path(&c, &format!("{base}/q/3")).await;
    click(&c, "#opt-B").await;
    alt(&c, 'f').await;
    assert!(
        element(&c, "#flag").await.is_selected().await.expect("flag"),
        "Alt+F flags"
    );
    alt(&c, 'n').await;
    wait_for_path(&c, &format!("{base}/q/4")).await;
    alt(&c, 'p').await;
    wait_for_path(&c, &format!("{base}/q/3")).await;
    assert!(
        element(&c, "#flag").await.is_selected().await.expect("flag"),
        "the flag was saved"
    );
    click(&c, "#to-review").await;

    // The review screen: every question with its state in words, and the walks.
    wait_for_path(&c, &format!("{base}/review")).await;
    assert_eq!(text(&c, "#count-answered").await, "2");
    assert_eq!(text(&c, "#count-flagged").await, "2");
    assert!(text(&c, "#line-1").await.contains("표시함"));
    assert!(text(&c, "#line-2").await.contains("답하지 않음"));
    assert!(
        !text(&c, "#timer").await.is_empty(),
        "the clock is on the review screen"
    );
    check_both_widths(&c, "review screen", Some("review")).await;
    click(&c, "#walk-flagged").await;
    wait_for_url(&c, &format!("{base}/q/1?walk=flagged")).await;
    assert!(text(&c, "#walk-name").await.contains("표시한 문항"));
    click(&c, "#next").await;
    wait_for_url(&c, &format!("{base}/q/3?walk=flagged")).await;
    assert!(
        c.find(Locator::Css("#walk-end")).await.is_ok(),
        "the last of the walk says so"
    );
    click(&c, "#next").await;
    wait_for_path(&c, &format!("{base}/review")).await;
    click(&c, "#walk-incomplete").await;
    wait_for_url(&c, &format!("{base}/q/2?walk=incomplete")).await;
    click(&c, "#next").await;
    wait_for_url(&c, &format!("{base}/q/4?walk=incomplete")).await;
    click(&c, "#to-review").await;

    // Submitting asks first, with the counts.
    click(&c, "#submit").await;
    wait_for_path(&c, &format!("{base}/submit")).await;
    assert_eq!(text(&c, "#confirm-unanswered").await, "63");
    assert_eq!(text(&c, "#confirm-flagged").await, "2");
    assert_accessible(&c, "submit confirmation").await;
    click(&c, "#confirm-submit").await;
    wait_for_path(&c, &format!("{base}/result")).await;
    assert_eq!(text(&c, "#skipped").await, "63");
    assert!(
        text(&c, "#outcome").await.contains("불합격"),
        "a full exam passes or fails"
    );
    check_both_widths(&c, "result", Some("result")).await;
    c.goto(&app.url(&format!("{base}/answers"))).await.expect("goto");
    check_both_widths(&c, "walkthrough", Some("walkthrough")).await;
    c.goto(&app.url("/review")).await.expect("goto");
    check_both_widths(&c, "/review", Some("review-page")).await;
    c.goto(&app.url("/dashboard")).await.expect("goto");
    check_both_widths(&c, "dashboard", Some("dashboard")).await;
    c.goto(&app.url("/history")).await.expect("goto");
    check_both_widths(&c, "history", Some("history")).await;
    c.close().await.ok();
}

/// The warning at five minutes left appears (and is announced, role=alert)
/// while the page is open, after the fifteen-minute one shown on load.
#[tokio::test]
async fn time_warnings_appear_as_time_runs_low() {
    let app = common::bank::seeded(25).await;
    let (_driver, c) = student_browser(&app, "late@example.com", "Late", true).await;
    let base = start_exam(&c, &app).await;
    sqlx::query("update attempts set deadline = now() + interval '5 minutes 3 seconds'")
        .execute(&app.pool)
        .await
        .expect("shorten");
    c.goto(&app.url(&format!("{base}/q/1"))).await.expect("reload");
    assert!(text(&c, "#time-warning").await.contains("15분"));
    let role = with_element(&c, "#time-warning", |e| async move { e.attr("role").await }).await;
    assert_eq!(role.as_deref(), Some("alert"));
    let mut last = String::new();
    for _ in 0..100 {
        last = text(&c, "#time-warning").await;
        if last.contains("5분") && !last.contains("15분") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(last.contains("5분") && !last.contains("15분"), "{last}");
    c.close().await.ok();
}

/// Two wrong answers and three skipped in a practice set: the queue and the
/// topic page hold the two, and practice shows no pass/fail; nor does a drill.
#[tokio::test]
async fn skipped_is_not_wrong_and_drills_have_no_pass_mark() {
    let app = common::spawn_app().await;
    common::bank::seed_saa_bank_with_topics(&app, 20, true).await;
    let (_driver, c) = student_browser(&app, "skip@example.com", "Skip", true).await;
    let base = start_practice(&c, &app, 5, &["input[name=domain][value=cost]"]).await;
    for pos in 1..=5 {
        wait_for_path(&c, &format!("{base}/q/{pos}")).await;
        if pos <= 2 {
            click(&c, "input[name=choice][value=d]").await;
        }
        click(&c, if pos < 5 { "#next" } else { "#to-review" }).await;
    }
    click(&c, "#submit").await;
    assert_eq!(text(&c, "#confirm-unanswered").await, "3");
    click(&c, "#confirm-submit").await;
    wait_for_path(&c, &format!("{base}/result")).await;
    assert_eq!(text(&c, "#skipped").await, "3");
    assert_eq!(text(&c, "#percent").await, "0%");
    assert!(
        c.find(Locator::Css("#outcome")).await.is_err(),
        "practice has no pass/fail"
    );
    let queued: i64 = sqlx::query_scalar("select count(*) from review_cards")
        .fetch_one(&app.pool)
        .await
        .expect("cards");
    assert_eq!(queued, 2, "only the wrong answers are queued");

    c.goto(&app.url("/review/topics/cost-topic")).await.expect("goto");
    assert_eq!(
        c.find_all(Locator::Css("article.missed")).await.expect("missed").len(),
        2
    );
    assert_eq!(text(&c, "#missed-heading").await, "틀린 문항 (2)");
    click(&c, "#start-drill").await;
    let drill = super::attempt_base(&c).await;
    click(&c, "#opt-A").await;
    click(&c, "#to-review").await;
    click(&c, "#submit").await;
    click(&c, "#confirm-submit").await;
    wait_for_path(&c, &format!("{drill}/result")).await;
    assert!(text(&c, "#percent").await.ends_with('%'));
    assert!(
        c.find(Locator::Css("#outcome")).await.is_err(),
        "a drill has no pass/fail"
    );
    assert!(c.find(Locator::Css("#scaled")).await.is_err(), "nor a scaled score");
    c.close().await.ok();
}

/// Switching the UI language mid-question keeps the chosen answer, with
/// JavaScript and without.
#[tokio::test]
async fn switching_language_mid_question_keeps_the_answer() {
    let app = common::bank::seeded(25).await;
    for js in [true, false] {
        let email = format!("lang-{js}@example.com");
        let (_driver, c) = student_browser(&app, &email, "Lang", js).await;
        let base = start_exam(&c, &app).await;
        click(&c, "#opt-C").await;
        click(&c, "#lang-switch").await;
        element(&c, "html[lang=en]").await;
        assert_eq!(c.current_url().await.expect("url").path(), format!("{base}/q/1"));
        assert!(
            element(&c, "#opt-C").await.is_selected().await.expect("selected"),
            "the answer survived the switch (js: {js})"
        );
        assert_eq!(text(&c, "#q-heading").await, "Question 1 / 65");
        let stem_lang = with_element(&c, "#stem .orig-main", |e| async move { e.attr("lang").await }).await;
        assert_eq!(
            stem_lang.as_deref(),
            Some("ko"),
            "a Korean question says so in the English UI"
        );
        c.close().await.ok();
        app.logout().await;
    }
}

/// A first run on an empty database loads the shipped bank, so a new student
/// starts an exam at once; its Korean questions show their English original
/// on request, and the choice survives moving on and coming back.
#[tokio::test]
async fn a_first_run_exam_with_the_english_original() {
    let app = common::spawn_app_with(|mut s| {
        s.seed_bank = Some(common::bank::shipped_bank());
        s
    })
    .await;
    let (_driver, c) = student_browser(&app, "first@example.com", "First", true).await;
    let base = start_exam(&c, &app).await;
    let shown = |css: &'static str| {
        let c = &c;
        async move { element(c, css).await.is_displayed().await.expect("displayed") }
    };
    assert!(shown("#stem .orig-main").await && !shown("#stem .orig-en").await);
    click(&c, "label[for=show-original]").await;
    assert!(
        !shown("#stem .orig-main").await && shown("#stem .orig-en").await,
        "English original on request"
    );
    let en_lang = with_element(&c, "#stem .orig-en", |e| async move { e.attr("lang").await }).await;
    assert_eq!(en_lang.as_deref(), Some("en"));
    click(&c, "#opt-B").await;
    click(&c, "#next").await;
    wait_for_path(&c, &format!("{base}/q/2")).await;
    assert!(
        shown("#stem .orig-en").await,
        "the toggle carries over to the next question"
    );
    click(&c, "#prev").await;
    wait_for_path(&c, &format!("{base}/q/1")).await;
    assert!(element(&c, "#opt-B").await.is_selected().await.expect("selected"));
    assert_accessible(&c, "exam with the English original").await;
    c.close().await.ok();
}
