//! The in-browser question editor: editing makes a new version that the bank
//! browser and the next attempt show while past attempts keep theirs, bad
//! input comes back as the form with messages, saving over a newer version
//! is refused, the diff shows the changed words, and students are kept out.

use crate::common::bank::seed_saa_bank_with_topics;
use crate::common::exam::{attempt_id, item_questions, practice_request, start_seeded, user_id};
use crate::common::{Page, TestApp, spawn_app};

/// A bank of 25 questions in each SAA domain, each domain its own topic; a
/// student (`app`) and an instructor (the second handle).
async fn bank_with_instructor() -> (TestApp, TestApp) {
    let app = spawn_app().await;
    seed_saa_bank_with_topics(&app, 25, true).await;
    let teacher = app.sibling();
    teacher.user_with_role("teacher@example.com", "instructor").await;
    (app, teacher)
}

/// Every field the form `css` would post, as a browser sends them: hidden and
/// text inputs, ticked boxes, text areas and selected options, in order.
pub fn form_fields(page: &Page, css: &str) -> Vec<(String, String)> {
    let html = page.html();
    let form_sel = scraper::Selector::parse(css).expect("selector");
    let field_sel = scraper::Selector::parse("input, textarea, select").expect("selector");
    let selected = scraper::Selector::parse("option[selected]").expect("selector");
    let form = html.select(&form_sel).next().expect("the form");
    let mut out = Vec::new();
    for f in form.select(&field_sel) {
        let v = f.value();
        let Some(name) = v.attr("name") else { continue };
        let value = match v.name() {
            "textarea" => f.text().collect::<String>(),
            "select" => f
                .select(&selected)
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or("")
                .to_owned(),
            _ => {
                let kind = v.attr("type").unwrap_or("text");
                if kind == "checkbox" && v.attr("checked").is_none() {
                    continue;
                }
                v.attr("value").unwrap_or("").to_owned()
            }
        };
        out.push((name.to_owned(), value));
    }
    out
}

/// Replaces the value of every field called `name`, in order, by `values`.
pub fn set(fields: &mut [(String, String)], name: &str, values: &[&str]) {
    let mut values = values.iter();
    for f in fields.iter_mut().filter(|f| f.0 == name) {
        if let Some(v) = values.next() {
            f.1 = (*v).to_owned();
        }
    }
}

pub async fn post_fields(app: &TestApp, path: &str, fields: &[(String, String)], extra: &[(&str, &str)]) -> Page {
    let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    form.extend_from_slice(extra);
    app.post_raw(path, &form).await
}

async fn version_count(app: &TestApp, id: &str) -> i64 {
    sqlx::query_scalar("select count(*) from question_versions where question_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

const NEW_STEM: &str = "고친 문항: 상태 비저장 방화벽은 무엇인가?";

#[tokio::test]
async fn an_edit_is_a_new_version_for_the_bank_and_the_next_attempt_while_past_attempts_keep_theirs() {
    let (app, teacher) = bank_with_instructor().await;
    app.register("student@example.com", "Student", crate::common::PASSWORD)
        .await;
    let base = app.start_exam().await;
    let past = attempt_id(&base);
    let (_, id) = item_questions(&app, past).await[0].clone();
    let old_stem: String = sqlx::query_scalar("select content->>'stem' from question_versions where question_id = $1")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    app.submit(&base).await;

    let edit_url = format!("/instructor/bank/questions/{id}/edit");
    let form = teacher.get(&edit_url).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(form.select_text("#stem"), vec![old_stem.clone()]);
    assert!(
        form.select_text("#preview .stem")[0].contains(&old_stem),
        "the preview shows the question as it is"
    );
    let mut fields = form_fields(&form, "#editor-form");
    set(&mut fields, "stem", &[NEW_STEM]);

    // The seeded rationales are short: lint warns, and saving needs a yes.
    let warned = post_fields(&teacher, &edit_url, &fields, &[("action", "save")]).await;
    assert_eq!(warned.status, 422, "{}", warned.body);
    assert!(!warned.select_text("#lint li").is_empty());
    assert_eq!(warned.select_text("#stem"), vec![NEW_STEM], "nothing typed is lost");
    assert_eq!(version_count(&teacher, &id).await, 1);

    let generation = || async {
        sqlx::query_scalar::<_, i64>("select generation from bank_state")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let before = generation().await;
    let saved = post_fields(
        &teacher,
        &edit_url,
        &fields,
        &[("action", "save"), ("accept_lint", "on")],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(generation().await > before, "running instances see the bank changed");
    let page = teacher.get(saved.location().unwrap()).await;
    assert_eq!(page.select_text(".flash"), vec!["새 버전으로 저장했습니다."]);
    assert_eq!(page.select_text("h1 small"), vec!["v2"]);
    assert!(page.select_text(".question-preview .stem")[0].contains(NEW_STEM));
    assert_eq!(page.select_text("#history tbody tr").len(), 2);
    let who: String = sqlx::query_scalar(
        "select u.email from question_versions v join users u on u.id = v.created_by where v.question_id = $1 and v.version = 2",
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(who, "teacher@example.com");

    // The bank browser finds it by its new words.
    let found = teacher.get("/instructor/bank?q=%EB%B9%84%EC%A0%80%EC%9E%A5").await;
    assert_eq!(found.select_text("#questions tbody tr").len(), 1, "{}", found.body);

    // The diff names the changed words.
    let diff = teacher.get(&format!("/instructor/bank/questions/{id}/diff")).await;
    assert_eq!(diff.status, 200);
    assert!(
        diff.select_text("#diff ins").iter().any(|t| t.contains("비저장")),
        "{}",
        diff.body
    );
    assert!(!diff.select_text("#diff del").is_empty());

    // The past attempt's walkthrough still shows what the student answered.
    let walk = app.get(&format!("{base}/answers")).await;
    let first = walk.select_text("#item-1 .stem")[0].clone();
    assert!(first.contains(&old_stem) && !first.contains(NEW_STEM), "{first}");

    // The next attempt gets the new version.
    let student = user_id(&app, "student@example.com").await;
    let topic: String = sqlx::query_scalar("select topic from questions where id = $1")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let next = start_seeded(&app, &practice_request(student, 25, vec![topic]), 7).await;
    let pos = item_questions(&app, next)
        .await
        .into_iter()
        .find(|(_, q)| *q == id)
        .expect("the whole topic is in the practice set")
        .0;
    let q = app.get(&format!("/attempts/{next}/q/{pos}")).await;
    assert!(q.body.contains(NEW_STEM), "{}", q.body);
}

#[tokio::test]
async fn bad_edits_come_back_with_messages_by_field_and_save_nothing() {
    let (_app, teacher) = bank_with_instructor().await;
    let id = "secure-001";
    let edit_url = format!("/instructor/bank/questions/{id}/edit");
    let fields = form_fields(&teacher.get(&edit_url).await, "#editor-form");

    // No key ticked.
    let mut no_key: Vec<(String, String)> = fields.iter().filter(|f| f.0 != "correct").cloned().collect();
    set(&mut no_key, "stem", &["키가 없는 문항"]);
    let page = post_fields(
        &teacher,
        &edit_url,
        &no_key,
        &[("action", "save"), ("accept_lint", "on")],
    )
    .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert_eq!(page.select_text("#options-error"), vec!["정답 보기에 표시하세요."]);
    assert_eq!(page.select_text("#stem"), vec!["키가 없는 문항"]);

    // Two options saying the same thing.
    let mut twice = fields.clone();
    set(&mut twice, "option_text", &["같은 보기", "같은  보기"]);
    let page = post_fields(
        &teacher,
        &edit_url,
        &twice,
        &[("action", "save"), ("accept_lint", "on")],
    )
    .await;
    assert_eq!(page.status, 422);
    assert_eq!(
        page.select_text("#option-1-text-error"),
        vec!["앞의 보기와 같은 내용입니다."]
    );
    assert_eq!(
        page.select_text("#problems li"),
        vec!["보기 2 · 보기 내용: 앞의 보기와 같은 내용입니다."],
        "the summary names the field"
    );

    // A value outside a closed set is refused outright.
    let mut odd = fields.clone();
    set(&mut odd, "kind", &["sometimes"]);
    let page = post_fields(&teacher, &edit_url, &odd, &[("action", "save")]).await;
    assert_eq!(page.status, 400);

    assert_eq!(version_count(&teacher, id).await, 1);
}

#[tokio::test]
async fn saving_over_a_newer_version_is_refused() {
    let (_app, teacher) = bank_with_instructor().await;
    let id = "cost-002";
    let edit_url = format!("/instructor/bank/questions/{id}/edit");
    let opened = form_fields(&teacher.get(&edit_url).await, "#editor-form");

    let mut first = opened.clone();
    set(&mut first, "stem", &["먼저 저장한 문항"]);
    let ok = post_fields(
        &teacher,
        &edit_url,
        &first,
        &[("action", "save"), ("accept_lint", "on")],
    )
    .await;
    assert_eq!(ok.status, 303, "{}", ok.body);

    let mut second = opened;
    set(&mut second, "stem", &["나중에 저장한 문항"]);
    let stale = post_fields(
        &teacher,
        &edit_url,
        &second,
        &[("action", "save"), ("accept_lint", "on")],
    )
    .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(stale.select_text("#problems li")[0].contains("(v2)"), "{}", stale.body);
    assert_eq!(stale.select_text("#stem"), vec!["나중에 저장한 문항"]);
    assert_eq!(version_count(&teacher, id).await, 2);
}

#[tokio::test]
async fn editing_a_retired_question_keeps_it_retired() {
    let (_app, teacher) = bank_with_instructor().await;
    let id = "resilient-003";
    let page = format!("/instructor/bank/questions/{id}");
    teacher.post(&page, &format!("{page}/retire"), &[]).await;
    let edit_url = format!("{page}/edit");
    let mut fields = form_fields(&teacher.get(&edit_url).await, "#editor-form");
    set(&mut fields, "stem", &["은퇴한 문항의 오타 수정"]);
    let ok = post_fields(
        &teacher,
        &edit_url,
        &fields,
        &[("action", "save"), ("accept_lint", "on")],
    )
    .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let after = teacher.get(&page).await;
    assert_eq!(after.select_text("h1 small"), vec!["v2"]);
    assert_eq!(after.select_text("#retired-badge").len(), 1, "still retired");
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'question.edited' and target = $1")
            .bind(id)
            .fetch_one(&teacher.pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_new_question_uses_the_same_form_and_starts_at_version_one() {
    let (_app, teacher) = bank_with_instructor().await;
    let form = teacher.get("/instructor/bank/new?topic=secure-topic").await;
    assert_eq!(form.status, 200);
    let mut fields = form_fields(&form, "#editor-form");
    set(&mut fields, "id", &["secure-new-1"]);
    set(&mut fields, "stem", &["새 문항의 **질문**"]);
    set(&mut fields, "explanation", &["해설"]);
    set(&mut fields, "domain_saa-c03", &["secure"]);
    set(&mut fields, "option_text", &["가", "나", "다", "라"]);
    set(
        &mut fields,
        "option_rationale",
        &["이유 가", "이유 나", "이유 다", "이유 라"],
    );
    fields.push(("correct".into(), "2".into()));
    let created = post_fields(
        &teacher,
        "/instructor/bank/new",
        &fields,
        &[("action", "save"), ("accept_lint", "on")],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(created.location(), Some("/instructor/bank/questions/secure-new-1"));
    let page = teacher.get("/instructor/bank/questions/secure-new-1").await;
    assert_eq!(page.select_text("h1 small"), vec!["v1"]);
    assert_eq!(page.select_text("#answer"), vec!["C"]);

    let again = post_fields(
        &teacher,
        "/instructor/bank/new",
        &fields,
        &[("action", "save"), ("accept_lint", "on")],
    )
    .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.select_text("#id-error"), vec!["같은 ID의 문항이 이미 있습니다."]);
}

#[tokio::test]
async fn the_preview_renders_what_students_see_and_add_option_keeps_the_input() {
    let (_app, teacher) = bank_with_instructor().await;
    let edit_url = "/instructor/bank/questions/secure-001/edit";
    let mut fields = form_fields(&teacher.get(edit_url).await, "#editor-form");
    set(&mut fields, "stem", &["**굵은** 질문"]);
    let fragment = post_fields(&teacher, "/instructor/bank/preview", &fields, &[]).await;
    assert_eq!(fragment.status, 200);
    assert!(fragment.body.contains("<strong>굵은</strong>"), "{}", fragment.body);
    assert!(!fragment.body.contains("<html"), "a fragment, not a page");
    assert_eq!(fragment.select_text(".option.correct").len(), 1);

    // Without JavaScript: "add an option" and "preview" post the form back.
    let added = post_fields(&teacher, edit_url, &fields, &[("action", "add_option")]).await;
    assert_eq!(added.status, 200);
    assert_eq!(added.select_text(".option-row").len(), 5);
    assert!(added.body.contains("<strong>굵은</strong>"));
    assert_eq!(version_count(&teacher, "secure-001").await, 1);
}

#[tokio::test]
async fn students_are_kept_out_of_the_editor() {
    let (app, _teacher) = bank_with_instructor().await;
    app.register("s@example.com", "S", crate::common::PASSWORD).await;
    for path in [
        "/instructor/bank/questions/secure-001/edit",
        "/instructor/bank/questions/secure-001/diff",
        "/instructor/bank/new",
    ] {
        assert_eq!(app.get(path).await.status, 403, "{path}");
    }
    let token = app.csrf_token("/dashboard").await;
    for path in [
        "/instructor/bank/questions/secure-001/edit",
        "/instructor/bank/new",
        "/instructor/bank/preview",
    ] {
        let r = app
            .post_raw(path, &[("csrf_token", &token), ("stem", "x"), ("action", "save")])
            .await;
        assert_eq!(r.status, 403, "{path}");
    }
    assert_eq!(version_count(&app, "secure-001").await, 1);
}
