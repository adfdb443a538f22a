//! Safe uploads: "add or update" never retires, "replace this topic" lists
//! what it will retire and is refused for foreign files, one upload's
//! retirements are undone in one request, and the browser restores many
//! retired questions at once.

use crate::common::bank::{fixture, import_blueprints};
use crate::common::{PASSWORD, Page, TestApp, spawn_app};

async fn instructor_app() -> TestApp {
    let app = spawn_app().await;
    import_blueprints(&app).await;
    app.user_with_role("teacher@example.com", "instructor").await;
    app
}

/// A native topic file of the fixture topic holding questions `ids`, each a
/// copy of fixture-vpc-001 with its own id and stem.
fn topic_file(ids: &[&str]) -> String {
    let base = fixture("valid/vpc-basics.toml");
    let start = base.find("[[questions]]").unwrap();
    let end = base.find("[[questions]]\nid = \"fixture-vpc-002\"").unwrap();
    let (head, one) = (&base[..start], &base[start..end]);
    let mut text = head.to_owned();
    for id in ids {
        text.push_str(
            &one.replace("fixture-vpc-001", id)
                .replace("방화벽은 무엇입니까?", &format!("방화벽은 무엇입니까? ({id})")),
        );
    }
    text
}

/// Uploads `files` with the given form fields and returns the preview URL.
async fn upload_with(app: &TestApp, fields: &[(&str, &str)], files: &[(&str, &str)]) -> Page {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    app.upload_form("/instructor/bank/upload", fields, &files).await
}

async fn retired_ids(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("select id from questions where retired_at is not null order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

async fn live_ids(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("select id from questions where retired_at is null order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn add_mode_on_a_topic_with_other_questions_retires_nothing() {
    let app = instructor_app().await;
    app.import_upload(&[("t.toml", &topic_file(&["q-a", "q-b", "q-c"]))])
        .await;
    // The same topic file with only one question, uploaded with the default mode.
    let resp = upload_with(&app, &[], &[("t.toml", &topic_file(&["q-a", "q-new"]))]).await;
    let url = resp.location().unwrap().to_owned();
    let preview = app.get(&url).await;
    assert_eq!(preview.select_text("#retired-count"), vec!["0"]);
    assert_eq!(preview.select_text("#added-count"), vec!["1"]);
    assert!(preview.select_text("#retirements").is_empty());
    assert_eq!(
        preview.select_text("#no-retirements"),
        vec!["추가 또는 갱신: 퇴역되는 문항이 없습니다."]
    );
    let done = app.post(&url, &format!("{url}/confirm"), &[]).await;
    assert_eq!(done.location(), Some("/instructor/bank"));
    assert!(retired_ids(&app).await.is_empty());
    assert_eq!(live_ids(&app).await, vec!["q-a", "q-b", "q-c", "q-new"]);
}

#[tokio::test]
async fn replace_mode_lists_the_retirements_with_their_stems_then_retires_them() {
    let app = instructor_app().await;
    app.import_upload(&[("t.toml", &topic_file(&["q-a", "q-b", "q-c"]))])
        .await;
    let resp = upload_with(&app, &[("mode", "replace")], &[("t.toml", &topic_file(&["q-a"]))]).await;
    assert_eq!(resp.status, 303, "{}", resp.body);
    let url = resp.location().unwrap().to_owned();
    let preview = app.get(&url).await;
    assert_eq!(preview.select_text("#retired-count"), vec!["2"]);
    assert_eq!(preview.attr("#retirements", "role").as_deref(), Some("alert"));
    assert_eq!(preview.select_text("#retirements .retire-id"), vec!["q-b", "q-c"]);
    let stems = preview.select_text("#retirements .retire-stem");
    assert!(stems[0].contains("방화벽은 무엇입니까? (q-b)"), "{stems:?}");
    assert!(retired_ids(&app).await.is_empty(), "nothing before confirming");

    let done = app.post(&url, &format!("{url}/confirm"), &[]).await;
    assert_eq!(done.status, 303);
    let result = done.location().unwrap().to_owned();
    assert!(result.starts_with("/instructor/bank/imports/"), "{result}");
    assert_eq!(retired_ids(&app).await, vec!["q-b", "q-c"]);
    let page = app.get(&result).await;
    assert_eq!(page.select_text("#still-retired-count"), vec!["2"]);
    assert_eq!(page.select_text("#undo-button").len(), 1);
}

#[tokio::test]
async fn replacing_a_topic_with_a_gift_file_is_refused() {
    let app = instructor_app().await;
    app.import_upload(&[("t.toml", &topic_file(&["q-a", "q-b"]))]).await;
    let gift = fixture("formats/valid.gift");
    let resp = upload_with(
        &app,
        &[
            ("mode", "replace"),
            ("topic", "fixture-vpc-basics"),
            ("exam", "saa-c03"),
            ("domain", "secure"),
        ],
        &[("quiz.gift", &gift)],
    )
    .await;
    assert_eq!(resp.status, 422);
    let error = resp.select_text("#upload-error");
    assert!(error[0].contains("examdrill TOML 토픽 파일에만"), "{error:?}");
    assert_eq!(app.count("select count(*) from bank_uploads").await, 0);

    let bad = upload_with(&app, &[("mode", "sometimes")], &[("t.toml", &topic_file(&["q-a"]))]).await;
    assert_eq!(bad.status, 400);
    assert!(retired_ids(&app).await.is_empty());
}

#[tokio::test]
async fn a_foreign_reupload_that_skips_a_question_keeps_its_earlier_version() {
    let app = instructor_app().await;
    app.import_upload(&[("t.toml", &topic_file(&["q-a"]))]).await;
    let defaults = [
        ("topic", "fixture-vpc-basics"),
        ("exam", "saa-c03"),
        ("domain", "secure"),
    ];
    let gift = fixture("formats/valid.gift");
    let first = upload_with(&app, &defaults, &[("quiz.gift", &gift)]).await;
    let url = first.location().unwrap().to_owned();
    app.post(&url, &format!("{url}/confirm"), &[]).await;
    let before = live_ids(&app).await;
    assert_eq!(before.len(), 4, "{before:?}");

    // The same file again, with its first question broken (no right answer): it is skipped.
    let broken = gift.replacen("=보안 그룹", "~보안 그룹", 1);
    let again = upload_with(&app, &defaults, &[("quiz.gift", &broken)]).await;
    let url = again.location().unwrap().to_owned();
    let preview = app.get(&url).await;
    assert_eq!(preview.select_text("#outcomes tr.skipped").len(), 1, "{}", preview.body);
    assert_eq!(preview.select_text("#retired-count"), vec!["0"]);
    app.post(&url, &format!("{url}/confirm"), &[]).await;
    assert_eq!(
        live_ids(&app).await,
        before,
        "the skipped question's earlier version stays live"
    );
}

#[tokio::test]
async fn undo_restores_exactly_the_questions_still_retired_by_that_upload() {
    let app = instructor_app().await;
    app.import_upload(&[("t.toml", &topic_file(&["q-a", "q-b", "q-c", "q-d"]))])
        .await;
    let resp = upload_with(&app, &[("mode", "replace")], &[("t.toml", &topic_file(&["q-a"]))]).await;
    let url = resp.location().unwrap().to_owned();
    let result = app
        .post(&url, &format!("{url}/confirm"), &[])
        .await
        .location()
        .unwrap()
        .to_owned();
    assert_eq!(retired_ids(&app).await, vec!["q-b", "q-c", "q-d"]);

    // Since then: q-b restored by hand, q-c restored and retired again by
    // hand (its retirement is no longer the upload's), and q-a retired by hand.
    let q = "/instructor/bank/questions";
    app.post(&format!("{q}/q-b"), &format!("{q}/q-b/restore"), &[]).await;
    app.post(&format!("{q}/q-c"), &format!("{q}/q-c/restore"), &[]).await;
    app.post(&format!("{q}/q-c"), &format!("{q}/q-c/retire"), &[]).await;
    app.post(&format!("{q}/q-a"), &format!("{q}/q-a/retire"), &[]).await;
    let history = app.get("/instructor/bank/imports").await;
    assert_eq!(history.select_text("#imports tbody tr").len(), 2);
    assert_eq!(history.select_text("#imports .undo-button").len(), 1);

    let undone = app.post(&result, &format!("{result}/undo"), &[]).await;
    assert_eq!(undone.status, 303, "{}", undone.body);
    assert_eq!(undone.location(), Some(result.as_str()));
    assert_eq!(
        retired_ids(&app).await,
        vec!["q-a", "q-c"],
        "only q-d, still retired by the upload, came back"
    );
    let page = app.get(&result).await;
    assert_eq!(page.select_text(".flash"), vec!["업로드의 퇴역을 되돌렸습니다."]);
    assert_eq!(page.select_text("#still-retired-count"), vec!["0"]);
    assert!(page.select_text("#undo-button").is_empty());
}

#[tokio::test]
async fn bulk_restore_restores_the_selected_questions_in_one_request() {
    let app = instructor_app().await;
    app.import_upload(&[("t.toml", &topic_file(&["q-a", "q-b", "q-c", "q-d"]))])
        .await;
    let q = "/instructor/bank/questions";
    for id in ["q-b", "q-c", "q-d"] {
        app.post(&format!("{q}/{id}"), &format!("{q}/{id}/retire"), &[]).await;
    }
    let browser = app.get("/instructor/bank?state=retired").await;
    let boxes = browser
        .html()
        .select(&scraper::Selector::parse("#questions input.select-retired").unwrap())
        .count();
    assert_eq!(boxes, 3);
    assert_eq!(
        browser.select_text("#questions .restore-one").len(),
        3,
        "per-row restore kept"
    );

    let resp = app
        .post(
            "/instructor/bank?state=retired",
            "/instructor/bank/restore",
            &[("id", "q-b"), ("id", "q-d")],
        )
        .await;
    assert_eq!(resp.status, 303, "{}", resp.body);
    assert_eq!(retired_ids(&app).await, vec!["q-c"]);
    // Without the CSRF token it is refused.
    let forged = app.post_raw("/instructor/bank/restore", &[("id", "q-c")]).await;
    assert_eq!(forged.status, 403);
    assert_eq!(retired_ids(&app).await, vec!["q-c"]);
}

#[tokio::test]
async fn students_get_403_on_the_upload_history_undo_bulk_restore_and_promote() {
    let app = spawn_app().await;
    app.register("pupil@example.com", "Pupil", PASSWORD).await;
    let some = uuid::Uuid::new_v4();
    for path in [
        "/instructor/bank/imports".to_owned(),
        format!("/instructor/bank/imports/{some}"),
        "/instructor/bank?pool=pilot".to_owned(),
        "/instructor/stats?pool=pilot".to_owned(),
    ] {
        assert_eq!(app.get(&path).await.status, 403, "{path}");
    }
    for path in [
        format!("/instructor/bank/imports/{some}/undo"),
        "/instructor/bank/restore".to_owned(),
        "/instructor/bank/questions/x/promote".to_owned(),
    ] {
        let resp = app.post("/dashboard", &path, &[("id", "x")]).await;
        assert_eq!(resp.status, 403, "{path}");
    }
}
