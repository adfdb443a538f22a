//! "Generate from notes": upload, review beside the source lines, approve,
//! edit, reject, bulk approve, and publish through the normal import.

use crate::common::bank::seeded;
use crate::common::{Page, TestApp, spawn_app};
use crate::editor::{form_fields, post_fields, set};

const NOTE: &str = "\
## [SAA] EBS 볼륨 유형
- gp3 : 범용 SSD로 기본 3,000 IOPS를 제공하는 볼륨
- io2 : 고성능 데이터베이스용 프로비저닝된 IOPS SSD 볼륨
- st1 : 순차 처리량이 큰 작업에 맞춘 HDD 볼륨
- sc1 : 자주 읽지 않는 데이터를 위한 가장 저렴한 HDD 볼륨
";

async fn upload_notes(app: &TestApp, files: &[(&str, &[u8])]) -> Page {
    app.upload_form("/instructor/notes", &[("exam", "saa-c03")], files)
        .await
}

async fn instructor_app() -> TestApp {
    let app = seeded(1).await;
    app.user_with_role("teacher@example.com", "instructor").await;
    app
}

#[tokio::test]
async fn students_cannot_generate_drafts() {
    let app = spawn_app().await;
    app.register("s@example.com", "Student", crate::common::PASSWORD).await;
    assert_eq!(app.get("/instructor/notes").await.status, 403);
}

#[tokio::test]
async fn uploaded_notes_become_drafts_shown_beside_their_lines() {
    let app = instructor_app().await;
    let done = upload_notes(&app, &[("ebs.md", NOTE.as_bytes())]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let batch = done.location().unwrap().to_owned();
    let page = app.get(&batch).await;
    assert_eq!(page.status, 200);
    let drafts = page.select_text("article.draft");
    assert!(drafts.len() >= 8, "{} drafts", drafts.len());
    assert!(
        page.body.contains("gp3 : 범용 SSD로 기본 3,000 IOPS를 제공하는 볼륨"),
        "the note line is shown"
    );
    assert!(page.body.contains("ebs.md — [SAA] EBS 볼륨 유형"), "grouped by section");
    let stored = app
        .count("select count(*) from note_drafts where state = 'pending'")
        .await;
    assert_eq!(stored as usize, drafts.len());
}

#[tokio::test]
async fn bad_uploads_get_clear_errors() {
    let app = instructor_app().await;
    let wrong = upload_notes(&app, &[("notes.pdf", b"%PDF-1.7")]).await;
    assert_eq!(wrong.status, 422);
    assert!(!wrong.select_text("#notes-error").is_empty());
    let binary = upload_notes(&app, &[("img.md", &[0u8, 1, 2, 3, 0, 0])]).await;
    assert_eq!(binary.status, 422);
    assert!(
        binary.select_text("#notes-error")[0].contains("binary"),
        "{}",
        binary.body
    );
    assert_eq!(app.count("select count(*) from note_batches").await, 0);
}

#[tokio::test]
async fn review_edit_and_publish_only_what_was_approved() {
    let app = instructor_app().await;
    let batch = upload_notes(&app, &[("ebs.md", NOTE.as_bytes())])
        .await
        .location()
        .unwrap()
        .to_owned();
    let id: uuid::Uuid = batch.rsplit('/').next().unwrap().parse().unwrap();
    let ns: Vec<(i32, i32)> = sqlx::query_as("select n, quality from note_drafts where batch_id = $1 order by n")
        .bind(id)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let (first, second) = (ns[0].0, ns[1].0);

    // Approve one, reject another.
    let r = app
        .post(&batch, &format!("{batch}/drafts/{first}"), &[("action", "approve")])
        .await;
    assert_eq!(r.status, 303);
    app.post(&batch, &format!("{batch}/drafts/{second}"), &[("action", "reject")])
        .await;

    // The draft opens in the bank's question editor; a broken edit comes back
    // with a message at its field, and nothing typed is lost.
    let edit_url = format!("{batch}/drafts/{first}/edit");
    let form = app.get(&edit_url).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let fields = form_fields(&form, "#editor-form");
    let mut broken = fields.clone();
    set(&mut broken, "stem", &["  "]);
    set(&mut broken, "explanation", &["고친 해설"]);
    let bad = post_fields(&app, &edit_url, &broken, &[("action", "save")]).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.select_text("#stem-error"), vec!["이 칸이 비어 있습니다."]);
    assert_eq!(bad.select_text("#explanation"), vec!["고친 해설"]);
    // A good edit is saved, still a draft.
    let mut fixed = fields;
    set(&mut fixed, "stem", &["노트를 고친 문항: 다음 설명에 해당하는 용어는?"]);
    let ok = post_fields(&app, &edit_url, &fixed, &[("action", "save")]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let status: String =
        sqlx::query_scalar("select question->>'status' from note_drafts where batch_id = $1 and n = $2")
            .bind(id)
            .bind(first)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "draft");

    // Bulk approval by quality takes the pending ones at or above the score.
    let min = ns.iter().map(|(_, q)| *q).max().unwrap();
    app.post(
        &batch,
        &format!("{batch}/approve"),
        &[("min_quality", &min.to_string())],
    )
    .await;
    let approved: Vec<i32> =
        sqlx::query_scalar("select n from note_drafts where batch_id = $1 and state = 'approved' order by n")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let expected: Vec<i32> = ns
        .iter()
        .filter(|(n, q)| *n == first || (*n != second && *q >= min))
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(approved, expected);

    let published = app.post(&batch, &format!("{batch}/publish"), &[("topic", "")]).await;
    assert_eq!(published.status, 303, "{}", published.body);
    let in_bank: Vec<(String, String, String)> =
        sqlx::query_as("select id, status, pool from questions where topic like 'notes-%' order by id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(in_bank.len(), approved.len());
    assert!(in_bank.iter().all(|(_, s, _)| s == "published"));
    // Untested drafts reach practice first: published as pilots unless the instructor chose otherwise.
    assert!(in_bank.iter().all(|(_, _, pool)| pool == "pilot"), "{in_bank:?}");
    let edited: bool = sqlx::query_scalar(
        "select v.content->>'stem' like '노트를 고친 문항%' from question_versions v join note_drafts d on d.question->>'id' = v.question_id where d.batch_id = $1 and d.n = $2",
    )
    .bind(id)
    .bind(first)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(edited, "the edited text is what was published");
    let rejected_state: String = sqlx::query_scalar("select state from note_drafts where batch_id = $1 and n = $2")
        .bind(id)
        .bind(second)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rejected_state, "rejected");

    // Publishing again with nothing approved says so.
    let again = app.post(&batch, &format!("{batch}/publish"), &[("topic", "")]).await;
    assert_eq!(again.status, 422);
}

/// The form takes a note up to the documented per-file limit (8 MB) and
/// names the limit when a file is over it.
#[tokio::test]
async fn the_notes_form_takes_files_up_to_the_documented_limit() {
    let app = instructor_app().await;
    let limit = examdrill::web::notes::MAX_NOTE_BYTES;
    // Mostly blank lines around one real note: near the limit in bytes,
    // little for the generator to chew on.
    let mut big = NOTE.as_bytes().to_vec();
    big.resize(limit - 1024, b'\n');
    let near = upload_notes(&app, &[("big.md", &big)]).await;
    assert!(
        near.status == 303 || near.status == 200,
        "a {} byte note was refused with {}",
        big.len(),
        near.status
    );

    big.resize(limit + 1, b'\n');
    let over = upload_notes(&app, &[("big.md", &big)]).await;
    assert_eq!(over.status, 413);
    assert!(!over.select_text("#notes-error").is_empty(), "{}", over.body);
}
