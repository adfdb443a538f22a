//! Foreign question files through the instructor's upload: hostile files are
//! refused with a reason and the server keeps answering; per-question outcomes.

use examdrill::bank::store::{Mode as ImportMode, import};

use crate::common::bank::{blueprints, import_blueprints, question, topic};
use crate::common::{PASSWORD, TestApp, spawn_app, spawn_app_with};

async fn instructor_app() -> TestApp {
    let app = spawn_app().await;
    import_blueprints(&app).await;
    app.user_with_role("teacher@example.com", "instructor").await;
    app
}

#[tokio::test]
async fn hostile_xml_uploads_are_refused_at_preview_and_the_server_stays_up() {
    let app = instructor_app().await;
    // 400,000 levels: far past where a recursive reader overflows its stack.
    let depth = 400_000;
    let deep = format!("<quiz>{}{}</quiz>", "<a>".repeat(depth), "</a>".repeat(depth));
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<quiz><question type="truefalse"><questiontext><text>&lol1;</text></questiontext></question></quiz>"#;
    for (name, text, says) in [
        ("deep.xml", deep.as_str(), "nested more than 64 deep"),
        ("laughs.xml", laughs, "<!DOCTYPE>"),
    ] {
        let resp = app.upload(&[(name, text)]).await;
        assert_eq!(resp.status, 303, "{}", resp.body);
        let url = resp.location().unwrap().to_owned();
        // Opening the stored upload twice: the second time is what used to
        // kill the restarted server again.
        for _ in 0..2 {
            let preview = app.get(&url).await;
            assert_eq!(preview.status, 200);
            let problems = preview.select_text("#problems li");
            assert!(problems.iter().any(|p| p.contains(says)), "{problems:#?}");
            assert!(preview.select_text("#confirm-button").is_empty());
        }
    }
    assert_eq!(app.get("/instructor/bank").await.status, 200, "still serving");
}

#[tokio::test]
async fn an_upload_that_is_not_utf8_names_the_line_and_column() {
    let app = instructor_app().await;
    let mut bytes = "::q::첫째 {T}\n\n둘째 ".as_bytes().to_vec();
    bytes.push(0xe9);
    let resp = app
        .upload_form("/instructor/bank/upload", &[], &[("latin1.gift", &bytes)])
        .await;
    assert_eq!(resp.status, 422);
    assert_eq!(resp.select_text("#upload-error code"), vec!["latin1.gift:3:4"]);
}

#[tokio::test]
async fn the_preview_lists_every_question_and_confirming_imports_the_accepted_ones() {
    let app = instructor_app().await;
    app.import_upload(&[("vpc.toml", &crate::common::bank::fixture("valid/vpc-basics.toml"))])
        .await;
    let gift = "::good::Good? {=a ~b ~c ~d}\n\n::three::Three? {=a ~b ~c}\n\n::essay::Explain. {}\n\n::dup::Dup? {=x y ~x  y ~z ~w}";
    let resp = app
        .upload_form(
            "/instructor/bank/upload",
            &[
                ("topic", "fixture-vpc-basics"),
                ("exam", "saa-c03"),
                ("domain", "secure"),
            ],
            &[("quiz.gift", gift.as_bytes())],
        )
        .await;
    let url = resp.location().unwrap().to_owned();
    let preview = app.get(&url).await;
    assert!(preview.select_text("#problems").is_empty(), "{}", preview.body);
    let rows = preview.select_text("#outcomes tbody tr");
    assert_eq!(rows.len(), 4, "{rows:#?}");
    assert_eq!(preview.select_text("#outcomes tr.imported").len(), 1);
    assert_eq!(preview.select_text("#outcomes tr.warned").len(), 1);
    let skipped = preview.select_text("#outcomes tr.skipped");
    assert_eq!(skipped.len(), 2, "{skipped:#?}");
    assert!(
        skipped[0].contains("quiz.gift:5:") && skipped[0].contains("essay"),
        "{skipped:#?}"
    );
    assert!(
        skipped[1].contains("quiz.gift:7:1") && skipped[1].contains("say the same thing"),
        "{skipped:#?}"
    );
    assert_eq!(preview.select_text("#added-count"), vec!["2"]);

    app.post(&url, &format!("{url}/confirm"), &[]).await;
    let ids: Vec<String> =
        sqlx::query_scalar("select id from questions where id like 'fixture-vpc-basics-%' order by id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(ids, ["fixture-vpc-basics-good", "fixture-vpc-basics-three"]);
}

/// A question imported without feedback keeps it empty; the drill feedback
/// and the instructor's page say "no explanation given" in the reader's language.
#[tokio::test]
async fn a_question_without_feedback_says_no_explanation_was_given() {
    let app = spawn_app().await;
    let mut bank = blueprints();
    bank.topics.push(topic("t"));
    for i in 0..5 {
        let mut q = question(&format!("bare-{i:03}"), "saa-c03", "cost", "t");
        q.explanation.clear();
        for o in &mut q.options {
            o.rationale.clear();
        }
        bank.questions.push(q);
    }
    import(&app.pool, &bank, None, ImportMode::Apply).await.expect("seed");
    app.register("p@example.com", "P", PASSWORD).await;
    let base = app
        .start_attempt(&[
            ("exam", "saa-c03"),
            ("mode", "practice"),
            ("count", "5"),
            ("feedback", "each"),
            ("domain", "cost"),
        ])
        .await;
    let q1 = app.get(&format!("{base}/q/1")).await;
    let key = q1.option_values()[0].clone();
    app.answer(&base, 1, &[("choice", &key), ("go", "check")]).await;
    let checked = app.get(&format!("{base}/q/1")).await;
    assert_eq!(
        checked.select_text(".feedback .explanation .no-explanation"),
        vec!["해설이 없습니다."],
        "{}",
        checked.body
    );
    assert_eq!(checked.select_text(".option .rationale .no-explanation").len(), 4);
    let url = format!("{base}/q/1");
    app.post("/dashboard", "/lang", &[("lang", "en"), ("next", "/dashboard")])
        .await;
    let en = app.get(&url).await;
    assert_eq!(
        en.select_text(".feedback .explanation .no-explanation"),
        vec!["No explanation given."]
    );

    app.logout().await;
    app.user_with_role("teacher@example.com", "instructor").await;
    let page = app.get("/instructor/bank/questions/bare-000").await;
    assert_eq!(
        page.select_text(".rationales .no-explanation").len(),
        4,
        "{}",
        page.body
    );
    assert_eq!(page.select_text(".explanation .no-explanation").len(), 1);
}

/// HTML nested far past what any quiz needs (which html5ever reads in time
/// quadratic in the depth) and a 4 MB single line: each preview names the
/// problem, and another request is answered while they are read.
#[tokio::test]
async fn hostile_uploads_get_a_clear_problem_while_other_requests_are_answered() {
    let app = instructor_app().await;
    app.import_upload(&[("vpc.toml", &crate::common::bank::fixture("valid/vpc-basics.toml"))])
        .await;
    let deep = format!("{}x{}", "<div>".repeat(20_000), "</div>".repeat(20_000));
    let nested: String = (0..10).map(|i| format!("::n{i}::[html]{deep} {{=a ~b}}\n\n")).collect();
    let line = format!("::long::Long? {{=a ~{}}}", "x".repeat(4_000_000));
    for (name, text, says) in [
        ("nested.gift", nested, "stem is 220001 characters long"),
        ("line.gift", line, "option `b` text is 4000000 characters long"),
    ] {
        let resp = app
            .upload_form(
                "/instructor/bank/upload",
                &[
                    ("topic", "fixture-vpc-basics"),
                    ("exam", "saa-c03"),
                    ("domain", "secure"),
                ],
                &[(name, text.as_bytes())],
            )
            .await;
        assert_eq!(resp.status, 303, "{}", resp.body);
        let url = resp.location().unwrap().to_owned();
        let (preview, health) = tokio::join!(app.get(&url), app.get("/healthz"));
        assert_eq!(health.status, 200);
        assert_eq!(preview.status, 200);
        let skipped = preview.select_text("#outcomes tr.skipped");
        assert!(skipped.iter().any(|s| s.contains(says)), "{name}: {skipped:#?}");
        assert!(preview.select_text("#outcomes tr.imported").is_empty());
    }
}

fn moodle_question(name: &str, stem: &str) -> String {
    format!(
        r#"  <question type="multichoice"><name><text>{name}</text></name>
    <questiontext format="plain_text"><text>{stem}</text></questiontext><single>true</single>
    <answer fraction="100"><text>right</text></answer><answer fraction="0"><text>wrong one</text></answer>
    <answer fraction="0"><text>wrong two</text></answer><answer fraction="0"><text>wrong three</text></answer>
  </question>
"#
    )
}

/// A teacher's Moodle file with two categories, uploaded with "one topic per
/// category": the preview lists both with their counts and topics, and
/// confirming puts the questions in those two new topics.
#[tokio::test]
async fn one_topic_per_category_lists_the_categories_and_imports_into_them() {
    let app = instructor_app().await;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n");
    xml.push_str(
        "  <question type=\"category\"><category><text>$course$/top/Default for AWS/Load balancing</text></category></question>\n",
    );
    xml.push_str(&moodle_question("elb 1", "Which balancer works at layer 7?"));
    xml.push_str(&moodle_question("elb 2", "Which balancer keeps a static IP?"));
    xml.push_str("  <question type=\"category\"><category><text>$course$/top/Default for AWS/스토리지</text></category></question>\n");
    xml.push_str(&moodle_question("s3", "Which service stores objects?"));
    xml.push_str("</quiz>\n");
    let resp = app
        .upload_form(
            "/instructor/bank/upload",
            &[
                ("categories", "per-category"),
                ("exam", "saa-c03"),
                ("domain", "performance"),
            ],
            &[("teacher.xml", xml.as_bytes())],
        )
        .await;
    assert_eq!(resp.status, 303, "{}", resp.body);
    let url = resp.location().unwrap().to_owned();
    let preview = app.get(&url).await;
    assert!(preview.select_text("#problems").is_empty(), "{}", preview.body);
    let paths = preview.select_text("#categories td.category-path");
    let counts = preview.select_text("#categories td.category-count");
    let topics = preview.select_text("#categories td.category-topic code");
    assert_eq!(
        paths,
        ["top/Default for AWS/Load balancing", "top/Default for AWS/스토리지"]
    );
    assert_eq!(counts, ["2", "1"]);
    assert_eq!(topics[0], "load-balancing");
    let storage = topics[1].clone();
    assert!(
        storage.starts_with("category-"),
        "a Korean name still gets a valid slug: {topics:?}"
    );
    assert_eq!(
        preview.select_text("#categories td.category-topic .badge").len(),
        2,
        "both topics are new"
    );
    assert_eq!(preview.select_text("#added-count"), vec!["3"]);

    app.post(&url, &format!("{url}/confirm"), &[]).await;
    let placed: Vec<(String, i64)> =
        sqlx::query_as("select topic, count(*) from questions group by topic order by topic")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(placed, [(storage.clone(), 1), ("load-balancing".to_owned(), 2)]);
    let names: Vec<(String, String, String)> = sqlx::query_as(
        "select t.slug, t.name_ko, d.domain from topics t join topic_domains d on d.topic = t.slug order by t.slug",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        names,
        [
            (storage, "스토리지".to_owned(), "performance".to_owned()),
            (
                "load-balancing".to_owned(),
                "Load balancing".to_owned(),
                "performance".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn a_forged_category_choice_is_a_bad_request() {
    let app = instructor_app().await;
    let form = app.get("/instructor/bank/upload").await;
    let sel = scraper::Selector::parse("#categories-choice input[name=categories]").unwrap();
    let offered: Vec<(String, bool)> = form
        .html()
        .select(&sel)
        .map(|e| {
            (
                e.value().attr("value").unwrap_or("").to_owned(),
                e.value().attr("checked").is_some(),
            )
        })
        .collect();
    assert_eq!(
        offered,
        [("one-topic".to_owned(), true), ("per-category".to_owned(), false)],
        "the default keeps every question in the chosen topic"
    );
    let xml = format!("<quiz>{}</quiz>", moodle_question("q", "Which?"));
    let resp = app
        .upload_form(
            "/instructor/bank/upload",
            &[
                ("categories", "every-which-way"),
                ("topic", "t"),
                ("exam", "saa-c03"),
                ("domain", "secure"),
            ],
            &[("forged.xml", xml.as_bytes())],
        )
        .await;
    assert_eq!(resp.status, 400, "{}", resp.body);
    let stored: i64 = sqlx::query_scalar("select count(*) from bank_uploads")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

/// examdrill's own categories, back from Moodle without their examdrill tags
/// (as for a question a teacher added there): no form field is needed, each
/// question returns to the exam, domain and topic its category names.
#[tokio::test]
async fn examdrill_categories_place_questions_without_any_form_field() {
    let app = instructor_app().await;
    let mut xml = String::from("<quiz>\n");
    for (category, name) in [
        ("$course$/top/saa-c03/cost/fixture-savings", "cheap"),
        ("$course$/top/soa-c03/networking/fixture-routes", "route"),
    ] {
        xml.push_str(&format!(
            "<question type=\"category\"><category><text>{category}</text></category></question>\n"
        ));
        xml.push_str(&moodle_question(name, &format!("Which {name}?")));
    }
    xml.push_str("</quiz>\n");
    let resp = app.upload(&[("moodle.xml", &xml)]).await;
    let url = resp.location().unwrap().to_owned();
    let preview = app.get(&url).await;
    assert!(preview.select_text("#problems").is_empty(), "{}", preview.body);
    assert_eq!(
        preview.select_text("#categories td.category-topic code"),
        ["fixture-savings", "fixture-routes"]
    );
    app.post(&url, &format!("{url}/confirm"), &[]).await;
    let placed: Vec<(String, String, String)> = sqlx::query_as(
        "select q.topic, d.exam, d.domain from questions q join topic_domains d on d.topic = q.topic order by q.topic",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        placed,
        [
            (
                "fixture-routes".to_owned(),
                "soa-c03".to_owned(),
                "networking".to_owned()
            ),
            ("fixture-savings".to_owned(), "saa-c03".to_owned(), "cost".to_owned()),
        ]
    );
}

/// An upload that takes longer to read than the configured limit gets a
/// clear problem, and its reading is stopped: the next upload is read as
/// usual, within the same short limit.
#[tokio::test]
async fn an_upload_past_the_read_limit_is_a_problem_and_the_next_one_reads() {
    let app = spawn_app_with(|mut s| {
        s.upload_parse_limit = std::time::Duration::from_millis(300);
        s
    })
    .await;
    import_blueprints(&app).await;
    app.user_with_role("teacher@example.com", "instructor").await;
    app.import_upload(&[("vpc.toml", &crate::common::bank::fixture("valid/vpc-basics.toml"))])
        .await;
    let slow: String = (0..12_000)
        .map(|i| format!("::q{i}::[html]<p>VPC {i}: <b>which</b> one?</p>{{=a#yes ~b#no ~%50%c ~d}}\n\n"))
        .collect();
    let small = "::one:: One? {=a ~b ~c ~d}\n";
    for (name, text, slow) in [("slow.gift", slow.as_str(), true), ("small.gift", small, false)] {
        let resp = app
            .upload_form(
                "/instructor/bank/upload",
                &[
                    ("topic", "fixture-vpc-basics"),
                    ("exam", "saa-c03"),
                    ("domain", "secure"),
                ],
                &[(name, text.as_bytes())],
            )
            .await;
        assert_eq!(resp.status, 303, "{}", resp.body);
        let preview = app.get(resp.location().unwrap()).await;
        assert_eq!(preview.status, 200);
        let problems = preview.select_text("#problems li");
        if slow {
            assert!(
                problems.iter().any(|p| p.contains("took longer than 0.3 s")),
                "{problems:#?}"
            );
            assert!(preview.select_text("#confirm-button").is_empty());
        } else {
            assert!(problems.is_empty(), "{problems:#?}");
            assert_eq!(preview.select_text("#outcomes tr.imported").len(), 1);
        }
    }
}
