//! The question editor in a real browser: typing refreshes the live preview,
//! rendered as students see it; without JavaScript the Preview button does.

use std::time::Duration;

use fantoccini::{Client, Locator};

use super::{browser_with, click, element, login, wait_for_path};
use crate::common;

/// The text of the first element matching `css`, once it exists and says `want`
/// (the preview refreshes a moment after typing stops).
async fn wait_for_text(c: &Client, css: &str, want: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            last = e.text().await.unwrap_or_default();
            if last == want {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never said {want:?}; last {last:?}");
}

async fn open_editor(c: &Client, app: &common::TestApp) {
    login(c, app, "teacher@example.com").await;
    c.goto(&app.url("/instructor/bank/questions/secure-001"))
        .await
        .expect("goto");
    click(c, "#edit-link").await;
    wait_for_path(c, "/instructor/bank/questions/secure-001/edit").await;
}

async fn retype(c: &Client, css: &str, text: &str) {
    let e = element(c, css).await;
    e.clear().await.expect("clear");
    e.send_keys(text).await.expect("type");
}

#[tokio::test]
async fn typing_in_the_stem_updates_the_live_preview() {
    let app = common::spawn_app().await;
    common::bank::seed_saa_bank_with_topics(&app, 5, true).await;
    app.user_with_role("teacher@example.com", "instructor").await;
    let (_driver, c) = browser_with(true).await;
    open_editor(&c, &app).await;

    wait_for_text(&c, "#preview .stem", "secure 문항 1").await;
    super::exam_shell::assert_accessible(&c, "the question editor").await;
    retype(&c, "#stem", "바뀐 **미리 보기** 문항").await;
    wait_for_text(&c, "#preview .stem strong", "미리 보기").await;
    // An option's text and its key follow as well.
    retype(&c, "#option-0-text", "새 보기").await;
    click(&c, "#correct-0").await;
    wait_for_text(&c, "#preview .option.correct label .orig-main", "새 보기").await;
    let saved: i64 = sqlx::query_scalar("select count(*) from question_versions where question_id = 'secure-001'")
        .fetch_one(&app.pool)
        .await
        .expect("versions");
    assert_eq!(saved, 1, "previewing saves nothing");
    c.close().await.ok();
}

#[tokio::test]
async fn without_javascript_the_preview_button_renders_the_preview() {
    let app = common::spawn_app().await;
    common::bank::seed_saa_bank_with_topics(&app, 5, true).await;
    app.user_with_role("teacher@example.com", "instructor").await;
    let (_driver, c) = browser_with(false).await;
    open_editor(&c, &app).await;

    retype(&c, "#stem", "버튼으로 **본** 미리 보기").await;
    click(&c, "#preview-button").await;
    wait_for_text(&c, "#preview .stem strong", "본").await;
    assert_eq!(
        element(&c, "#stem")
            .await
            .prop("value")
            .await
            .expect("value")
            .as_deref(),
        Some("버튼으로 **본** 미리 보기"),
        "the form keeps what was typed"
    );
    c.close().await.ok();
}
