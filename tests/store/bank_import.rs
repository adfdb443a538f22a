//! The bank store: importing (versions, retiring, dry runs, validation),
//! exporting, and retiring by hand.

use examdrill::bank::store::{ImportError, Mode, export, import, set_retired, versions};
use examdrill::bank::{Bank, load_paths};

use crate::common::bank::repo_path;
use crate::common::spawn_app;

fn fixture_bank() -> Bank {
    let paths = [
        repo_path("question_bank/blueprints"),
        repo_path("tests/fixtures/bank/valid"),
    ];
    let loaded = load_paths(&paths, None);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    loaded.bank
}

/// How many questions are retired.
const RETIRED: &str = "select count(*) from questions where retired_at is not null";

#[tokio::test]
async fn importing_the_same_bank_twice_changes_nothing_the_second_time() {
    let app = spawn_app().await;
    let bank = fixture_bank();
    let first = import(&app.pool, &bank, None, Mode::Apply).await.unwrap();
    assert_eq!(first.added, vec!["fixture-vpc-001", "fixture-vpc-002"]);
    let second = import(&app.pool, &bank, None, Mode::Apply).await.unwrap();
    assert!(second.is_noop(), "{second:?}");
    assert_eq!(second.unchanged, 2);
    assert_eq!(app.count("select count(*) from question_versions").await, 2);
}

#[tokio::test]
async fn a_changed_question_gets_a_new_version_and_keeps_the_old_one() {
    let app = spawn_app().await;
    let mut bank = fixture_bank();
    import(&app.pool, &bank, None, Mode::Apply).await.unwrap();
    let original_stem = bank.questions[0].stem.clone();
    bank.questions[0].stem = "응답 트래픽 규칙이 필요 없는 것은?".into();
    let report = import(&app.pool, &bank, None, Mode::Apply).await.unwrap();
    assert_eq!(report.changed, vec!["fixture-vpc-001"]);
    let history = versions(&app.pool, "fixture-vpc-001").await.unwrap();
    assert_eq!(history.iter().map(|v| v.version).collect::<Vec<_>>(), vec![2, 1]);
    assert_eq!(history[1].question.stem, original_stem, "version 1 is untouched");
    assert_eq!(history[0].question.stem, "응답 트래픽 규칙이 필요 없는 것은?");
}

#[tokio::test]
async fn a_question_missing_from_a_reupload_is_retired_not_deleted_and_can_return() {
    let app = spawn_app().await;
    let mut bank = fixture_bank();
    import(&app.pool, &bank, None, Mode::Apply).await.unwrap();
    let removed = bank.questions.pop().unwrap();
    let report = import(&app.pool, &bank, None, Mode::Apply).await.unwrap();
    assert_eq!(report.retired, vec!["fixture-vpc-002"]);
    assert_eq!(app.count(RETIRED).await, 1);
    assert_eq!(
        app.count("select count(*) from question_versions where question_id = 'fixture-vpc-002'")
            .await,
        1
    );

    bank.questions.push(removed);
    let back = import(&app.pool, &bank, None, Mode::Apply).await.unwrap();
    assert_eq!(back.restored, vec!["fixture-vpc-002"]);
    assert_eq!(app.count(RETIRED).await, 0);
}

#[tokio::test]
async fn an_invalid_upload_imports_nothing() {
    let app = spawn_app().await;
    let mut bank = fixture_bank();
    bank.questions[1].answer = vec!['a', 'z'];
    match import(&app.pool, &bank, None, Mode::Apply).await {
        Err(ImportError::Invalid(d)) => assert!(d.iter().any(|d| d.message.contains("answer `z`")), "{d:#?}"),
        other => panic!("expected a validation failure, got {other:?}"),
    }
    for table in ["questions", "question_versions", "topics", "blueprints"] {
        assert_eq!(
            app.count(&format!("select count(*) from {table}")).await,
            0,
            "{table} was written"
        );
    }
}

#[tokio::test]
async fn a_dry_run_reports_the_changes_and_writes_nothing() {
    let app = spawn_app().await;
    let bank = fixture_bank();
    let preview = import(&app.pool, &bank, None, Mode::DryRun).await.unwrap();
    assert_eq!(app.count("select count(*) from questions").await, 0);
    let applied = import(&app.pool, &bank, None, Mode::Apply).await.unwrap();
    assert_eq!(preview, applied);
}

#[tokio::test]
async fn an_upload_may_refer_to_stored_blueprints_and_topics() {
    let app = spawn_app().await;
    import(&app.pool, &fixture_bank(), None, Mode::Apply).await.unwrap();
    // A later upload of just one question, naming the stored topic.
    let mut lone = fixture_bank();
    lone.blueprints.clear();
    lone.topics.clear();
    lone.questions.truncate(1);
    lone.questions[0].id = "fixture-vpc-003".into();
    lone.questions[0].stem = "새로운 문항".into();
    let r = import(&app.pool, &lone, None, Mode::Apply).await.unwrap();
    assert_eq!(r.added, vec!["fixture-vpc-003"]);
    // ...and the other questions of that topic were retired: the upload speaks for the whole topic.
    assert_eq!(r.retired, vec!["fixture-vpc-001", "fixture-vpc-002"]);
}

#[tokio::test]
async fn export_then_import_changes_nothing() {
    let app = spawn_app().await;
    let bank = fixture_bank();
    import(&app.pool, &bank, None, Mode::Apply).await.unwrap();
    let exported = export(&app.pool, &[]).await.unwrap();
    let files = examdrill::bank::export::to_native_files(&exported).unwrap();
    let dir = std::env::temp_dir().join(format!("examdrill-export-{}", uuid::Uuid::new_v4()));
    for (name, text) in &files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let reloaded = load_paths(std::slice::from_ref(&dir), None);
    assert!(reloaded.diagnostics.is_empty(), "{:#?}", reloaded.diagnostics);
    // Compare content; positions in the files are not part of a question.
    let json = |qs: &[examdrill::bank::Question]| serde_json::to_value(qs).unwrap();
    assert_eq!(json(&reloaded.bank.questions), json(&exported.questions));
    let again = import(&app.pool, &reloaded.bank, None, Mode::Apply).await.unwrap();
    assert!(again.is_noop(), "{again:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn retiring_by_hand_is_audited_and_reversible() {
    let app = spawn_app().await;
    import(&app.pool, &fixture_bank(), None, Mode::Apply).await.unwrap();
    assert!(set_retired(&app.pool, "fixture-vpc-001", true, None).await.unwrap());
    assert_eq!(app.count(RETIRED).await, 1);
    assert!(set_retired(&app.pool, "fixture-vpc-001", false, None).await.unwrap());
    assert_eq!(app.count(RETIRED).await, 0);
    assert_eq!(
        app.count("select count(*) from audit_log where action like 'question.%'")
            .await,
        2
    );
    assert!(!set_retired(&app.pool, "no-such-question", true, None).await.unwrap());
}

#[tokio::test]
async fn a_new_question_from_the_editor_is_a_pilot_and_an_existing_id_is_refused() {
    use examdrill::bank::model::Pool;
    use examdrill::bank::store::{EditError, create_question, pool_of};

    let app = spawn_app().await;
    let mut bank = fixture_bank();
    let mut new = bank.questions.pop().unwrap();
    import(&app.pool, &bank, None, Mode::Apply).await.unwrap();
    app.user_with_role("teacher@example.com", "instructor").await;
    let teacher = crate::common::exam::user_id(&app, "teacher@example.com").await;

    new.id = "fixture-vpc-new".into();
    create_question(&app.pool, &new, teacher).await.unwrap();
    assert_eq!(pool_of(&app.pool, "fixture-vpc-new").await.unwrap(), Some(Pool::Pilot));

    // An existing id is refused, and keeps its pool and version.
    let existing = bank.questions[0].clone();
    assert!(matches!(
        create_question(&app.pool, &existing, teacher).await,
        Err(EditError::Taken)
    ));
    assert_eq!(pool_of(&app.pool, &existing.id).await.unwrap(), Some(Pool::Full));
}
