//! The instructor's bank pages: upload, preview and confirm, browsing and
//! filtering, retiring, history, downloads, and who may see what.

use crate::common::bank::{fixture, import_blueprints, repo_path};
use crate::common::{PASSWORD, TestApp, spawn_app};

async fn instructor_app() -> TestApp {
    let app = spawn_app().await;
    import_blueprints(&app).await;
    app.user_with_role("teacher@example.com", "instructor").await;
    app
}

/// The shipped fixture topic of two VPC questions.
fn vpc_basics() -> String {
    fixture("valid/vpc-basics.toml")
}

#[tokio::test]
async fn upload_previews_then_imports_only_after_confirmation() {
    let app = instructor_app().await;
    let resp = app.upload(&[("vpc.toml", &vpc_basics())]).await;
    assert_eq!(resp.status, 303, "{}", resp.body);
    let preview_url = resp.location().unwrap().to_owned();
    let preview = app.get(&preview_url).await;
    assert_eq!(preview.select_text("#added-count"), vec!["2"]);
    assert_eq!(
        app.count("select count(*) from questions").await,
        0,
        "nothing before confirming"
    );

    let confirm = app.post(&preview_url, &format!("{preview_url}/confirm"), &[]).await;
    assert_eq!(confirm.status, 303);
    assert_eq!(confirm.location(), Some("/instructor/bank"));
    let browse = app.get("/instructor/bank").await;
    assert_eq!(browse.select_text(".flash"), vec!["가져오기를 마쳤습니다."]);
    assert_eq!(browse.select_text("#questions tbody tr").len(), 2);
    let who: String = sqlx::query_scalar(
        "select u.email from audit_log a join users u on u.id = a.actor_id where a.action = 'bank.import'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(who, "teacher@example.com");

    // Uploading the same file again previews as "no changes".
    let again = app.upload(&[("vpc.toml", &vpc_basics())]).await;
    let preview = app.get(again.location().unwrap()).await;
    assert_eq!(preview.select_text("#added-count"), vec!["0"]);
    assert_eq!(preview.select_text("#changed-count"), vec!["0"]);
}

#[tokio::test]
async fn an_invalid_upload_lists_every_problem_with_its_position_and_imports_nothing() {
    let app = instructor_app().await;
    let resp = app
        .upload(&[("broken.toml", &fixture("invalid/many-problems.toml"))])
        .await;
    let preview = app.get(resp.location().unwrap()).await;
    let problems = preview.select_text("#problems li");
    assert_eq!(problems.len(), 11, "{problems:#?}");
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("broken.toml:8:1 unknown field `colour`")),
        "{problems:#?}"
    );
    assert!(
        preview.select_text("#confirm-button").is_empty(),
        "no way to confirm a broken upload"
    );
    assert_eq!(app.count("select count(*) from questions").await, 0);
}

#[tokio::test]
async fn an_oversized_upload_is_refused_with_a_clear_message() {
    let app = instructor_app().await;
    let big = "# padding\n".repeat(600_000); // ~6 MB
    let resp = app.upload(&[("big.toml", &big)]).await;
    assert_eq!(resp.status, 413);
    assert!(resp.body.contains("5 MB"), "{}", resp.body);
    assert_eq!(app.count("select count(*) from bank_uploads").await, 0);
}

#[tokio::test]
async fn hostile_markdown_renders_inert_on_the_question_page() {
    let app = instructor_app().await;
    let evil = vpc_basics()
        .replace(
            "응답 트래픽을 따로 허용하지 않아도 되는 방화벽은 무엇입니까?",
            "<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>",
        )
        .replace("네트워크 ACL\"", "<b onmouseover=alert(4)>ACL</b>\"");
    app.import_upload(&[("evil.toml", &evil)]).await;
    let page = app.get("/instructor/bank/questions/fixture-vpc-001").await;
    assert_eq!(page.status, 200);
    assert!(page.select_text("script").is_empty());
    assert!(page.select_text("img").is_empty());
    let html = page.html();
    for el in html.root_element().descendants().filter_map(scraper::ElementRef::wrap) {
        for (name, value) in el.value().attrs() {
            assert!(!name.starts_with("on"), "event handler attribute survived: {name}");
            assert!(
                !value.trim_start().to_lowercase().starts_with("javascript:"),
                "javascript: URL survived"
            );
        }
    }
    assert!(
        page.select_text(".stem")[0].contains("<script>alert(1)</script>"),
        "shown as text"
    );
}

#[tokio::test]
async fn retiring_hides_a_question_from_the_live_list_and_restoring_brings_it_back() {
    let app = instructor_app().await;
    app.import_upload(&[("vpc.toml", &vpc_basics())]).await;

    let q = "/instructor/bank/questions/fixture-vpc-002";
    app.post(q, &format!("{q}/retire"), &[]).await;
    assert_eq!(app.get(q).await.select_text("#retired-badge").len(), 1);
    assert_eq!(
        app.get("/instructor/bank")
            .await
            .select_text("#questions tbody tr")
            .len(),
        1
    );
    assert_eq!(
        app.get("/instructor/bank?state=retired")
            .await
            .select_text("#questions tbody tr")
            .len(),
        1
    );
    app.post(q, &format!("{q}/restore"), &[]).await;
    assert_eq!(
        app.get("/instructor/bank")
            .await
            .select_text("#questions tbody tr")
            .len(),
        2
    );
}

#[tokio::test]
async fn the_browser_filters_by_kind_exam_and_text_and_shows_history() {
    let app = instructor_app().await;
    app.import_upload(&[("vpc.toml", &vpc_basics())]).await;
    let rows = |p: crate::common::Page| p.select_text("#questions tbody tr td:first-child a");
    assert_eq!(
        rows(app.get("/instructor/bank?kind=multiple").await),
        vec!["fixture-vpc-002"]
    );
    assert_eq!(
        rows(app.get("/instructor/bank?exam=soa-c03").await),
        vec!["fixture-vpc-001"]
    );
    assert_eq!(
        rows(app.get("/instructor/bank?exam=saa-c03&domain=secure").await).len(),
        2
    );
    assert_eq!(
        rows(app.get("/instructor/bank?q=%EB%B0%A9%ED%99%94%EB%B2%BD").await),
        vec!["fixture-vpc-001"]
    ); // 방화벽
    assert!(
        app.get("/instructor/bank?q=100%25")
            .await
            .select_text("#questions")
            .is_empty(),
        "wildcards are literal"
    );

    // A second upload with an edited stem shows up as version 2 with what changed.
    let edited = vpc_basics().replace("방화벽은 무엇입니까?", "방화벽은 어느 것입니까?");
    let resp = app.upload(&[("vpc.toml", &edited)]).await;
    let url = resp.location().unwrap().to_owned();
    assert_eq!(app.get(&url).await.select_text("#changed-count"), vec!["1"]);
    app.post(&url, &format!("{url}/confirm"), &[]).await;
    let page = app.get("/instructor/bank/questions/fixture-vpc-001").await;
    let history = page.select_text("#history tbody tr");
    assert_eq!(history.len(), 2);
    assert!(
        history[0].contains("stem") && history[0].contains("Test User"),
        "{history:#?}"
    );
}

#[tokio::test]
async fn students_get_403_on_every_bank_page() {
    let app = spawn_app().await;
    app.register("pupil@example.com", "Pupil", PASSWORD).await;
    for path in [
        "/instructor/bank",
        "/instructor/bank/upload",
        "/instructor/bank/questions/x",
    ] {
        assert_eq!(app.get(path).await.status, 403, "{path}");
    }
    let token = app.csrf_token("/dashboard").await;
    let resp = app
        .client
        .post(app.url("/instructor/bank/questions/x/retire"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let up = app
        .client
        .post(app.url(&format!("/instructor/bank/uploads/{}/confirm", uuid::Uuid::new_v4())))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 403);
}

#[tokio::test]
async fn an_upload_belongs_to_the_instructor_who_made_it() {
    let app = instructor_app().await;
    let resp = app.upload(&[("vpc.toml", &vpc_basics())]).await;
    let url = resp.location().unwrap().to_owned();
    app.logout().await;
    app.user_with_role("other@example.com", "instructor").await;
    assert_eq!(app.get(&url).await.status, 404);
}

#[tokio::test]
async fn a_gift_upload_takes_topic_and_exam_from_the_form() {
    let app = instructor_app().await;
    app.import_upload(&[("vpc.toml", &vpc_basics())]).await;

    let gift = fixture("formats/valid.gift");
    let resp = app
        .upload_form(
            "/instructor/bank/upload",
            &[
                ("topic", "fixture-vpc-basics"),
                ("exam", "soa-c03"),
                ("domain", "networking"),
                ("language", "ko"),
            ],
            &[("quiz.gift", gift.as_bytes())],
        )
        .await;
    let url = resp.location().unwrap().to_owned();
    let preview = app.get(&url).await;
    assert!(preview.select_text("#problems").is_empty(), "{}", preview.body);
    assert_eq!(preview.select_text("#added-count"), vec!["3"]);
    // "Add or update" is the default: the topic's own questions stay.
    assert_eq!(preview.select_text("#retired-count"), vec!["0"]);
    assert_eq!(preview.select_text("#no-retirements").len(), 1);
    app.post(&url, &format!("{url}/confirm"), &[]).await;
    let rows = app
        .get("/instructor/bank?exam=soa-c03&domain=networking")
        .await
        .select_text("#questions tbody tr");
    assert_eq!(rows.len(), 4, "3 from the GIFT file and fixture-vpc-001, still live");
}

#[tokio::test]
async fn the_csv_template_is_offered_for_download() {
    let app = instructor_app().await;
    let resp = app
        .client
        .get(app.url("/instructor/bank/template.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    assert!(resp.text().await.unwrap().starts_with("id,topic,exams,"));
}

#[tokio::test]
async fn the_browser_pages_through_results() {
    let app = instructor_app().await;
    let base = vpc_basics();
    let head = &base[..base.find("[[questions]]").unwrap()];
    let one = &base[base.find("[[questions]]").unwrap()..base.find("[[questions]]\nid = \"fixture-vpc-002\"").unwrap()];
    let mut text = head.to_owned();
    for i in 0..30 {
        text.push_str(
            &one.replace("fixture-vpc-001", &format!("fixture-page-{i:03}"))
                .replace("방화벽은 무엇입니까?", &format!("방화벽은 무엇입니까? ({i})")),
        );
    }
    app.import_upload(&[("many.toml", &text)]).await;
    let first = app.get("/instructor/bank").await;
    assert_eq!(first.select_text("#result-count"), vec!["문항 수: 30"]);
    assert_eq!(first.select_text("#questions tbody tr").len(), 25);
    let next = first.attr("a[rel=next]", "href").unwrap();
    let second = app.get(&next).await;
    assert_eq!(second.select_text("#questions tbody tr").len(), 5);
    assert_eq!(
        second
            .select_text("#questions tbody tr td:first-child a")
            .last()
            .unwrap(),
        "fixture-page-029"
    );
}

#[tokio::test]
async fn instructors_download_a_topic_as_toml_or_moodle_xml() {
    let app = instructor_app().await;
    app.import_upload(&[("vpc.toml", &vpc_basics())]).await;
    let toml = app
        .get("/instructor/bank/export?topic=fixture-vpc-basics&format=toml")
        .await;
    assert_eq!(toml.status, 200);
    assert!(toml.body.contains("id = \"fixture-vpc-002\""));
    let xml = app.get("/instructor/bank/export?format=xml").await;
    assert!(
        xml.body
            .contains("<tag><text>examdrill-id:fixture-vpc-001</text></tag>"),
        "{}",
        xml.body
    );
    // Uploading the download again is a no-op.
    let again = app.upload(&[("back.xml", &xml.body)]).await;
    let preview = app.get(again.location().unwrap()).await;
    assert!(preview.select_text("#problems").is_empty(), "{}", preview.body);
    assert_eq!(preview.select_text("#added-count"), vec!["0"]);
    assert_eq!(preview.select_text("#changed-count"), vec!["0"]);
}

#[tokio::test]
async fn instructors_edit_a_blueprint_through_the_same_upload() {
    let app = instructor_app().await;
    let original = std::fs::read_to_string(repo_path("question_bank/blueprints/saa-c03.toml")).unwrap();
    let edited = original.replace("minutes = 130", "minutes = 140");
    let resp = app.upload(&[("saa-c03.toml", &edited)]).await;
    let url = resp.location().unwrap().to_owned();
    assert!(app.get(&url).await.select_text("#problems").is_empty());
    app.post(&url, &format!("{url}/confirm"), &[]).await;
    let minutes: i32 = sqlx::query_scalar("select minutes from blueprints where code = 'saa-c03'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(minutes, 140);

    // A broken blueprint is refused with its position, like any other file.
    let broken = original.replace("weight = 20", "weight = 25");
    let resp = app.upload(&[("saa-c03.toml", &broken)]).await;
    let problems = app.get(resp.location().unwrap()).await.select_text("#problems li");
    assert!(
        problems.iter().any(|p| p.contains("weights add up to 105")),
        "{problems:?}"
    );
}
