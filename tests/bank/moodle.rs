//! What teachers' real files hold: option counts Moodle accepts, partial
//! credit, common slips, escapes, HTML, ids that must not collide, and a
//! per-question outcome for every question.

use examdrill::bank::Question;
use examdrill::bank::load::{Loaded, Verdict, parse_upload};
use examdrill::bank::model::{CompactString, Kind};

use super::formats::{defaults, skipped};

fn load(name: &str, text: &str) -> Loaded {
    parse_upload([(name, text)], Some(&defaults()))
}

fn questions(name: &str, text: &str) -> Vec<Question> {
    let loaded = load(name, text);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert!(skipped(&loaded.outcomes).is_empty(), "{:#?}", loaded.outcomes);
    loaded.bank.questions
}

fn texts(q: &Question) -> Vec<&str> {
    q.options.iter().map(|o| o.text.as_str()).collect()
}

#[test]
fn three_five_and_two_option_questions_import_with_a_shape_warning() {
    let gift = "Three? {=a ~b ~c}\n\nFive? {=a ~b ~c ~d ~e}\n\nTwo right of three? {~%50%a ~%50%b ~%-100%c}\n\nFour? {=a ~b ~c ~d}";
    let loaded = load("shapes.gift", gift);
    let v: Vec<Verdict> = loaded.outcomes.iter().map(|o| o.verdict).collect();
    assert_eq!(
        v,
        [Verdict::Warned, Verdict::Warned, Verdict::Warned, Verdict::Imported]
    );
    assert!(loaded.outcomes[0].reasons[0].contains("3 options; the exam uses 4"));
    let qs = loaded.bank.questions;
    assert_eq!(qs.len(), 4);
    assert_eq!((qs[2].kind, qs[2].answer.clone()), (Kind::Multiple, vec!['a', 'b']));
}

#[test]
fn partial_credit_in_a_single_answer_question_becomes_a_distractor_with_a_warning() {
    let loaded = load("partial.gift", "Best? {=full ~%50%half ~none}");
    let q = &loaded.bank.questions[0];
    assert_eq!((q.kind, q.answer.clone()), (Kind::Single, vec!['a']));
    assert_eq!(loaded.outcomes[0].verdict, Verdict::Warned);
    assert!(
        loaded.outcomes[0].reasons[0].contains("partial credit on `b` (50%)"),
        "{:?}",
        loaded.outcomes
    );

    let xml = r#"<quiz><question type="multichoice"><name><text>p</text></name>
<questiontext format="html"><text>Which?</text></questiontext><single>true</single>
<answer fraction="100"><text>full</text></answer><answer fraction="33.33333"><text>third</text></answer>
<answer fraction="0"><text>none</text></answer></question></quiz>"#;
    let loaded = load("partial.xml", xml);
    assert_eq!(loaded.bank.questions[0].answer, vec!['a']);
    assert_eq!(loaded.outcomes[0].verdict, Verdict::Warned);
}

#[test]
fn an_empty_wrong_option_is_tolerated_and_arrows_in_options_are_not_matching() {
    let qs = questions(
        "slips.gift",
        "Which? {~=right ~wrong ~other}\n\nFlow? {=Client -> Server ~Server -> Client ~none}",
    );
    assert_eq!(texts(&qs[0]), ["right", "wrong", "other"]);
    assert_eq!(qs[0].answer, vec!['a']);
    assert_eq!(texts(&qs[1])[0], "Client -> Server");
}

#[test]
fn error_messages_name_what_the_item_is() {
    let loaded = load("kinds.gift", "Just a description.\n\nFill {=a =b} in.");
    let reasons: Vec<String> = loaded.outcomes.iter().map(|o| o.reasons.join(" ")).collect();
    assert!(reasons[0].contains("\"description\""), "{reasons:?}");
    assert!(reasons[1].contains("short answer"), "{reasons:?}");
    assert!(!reasons.iter().any(|r| r.contains("missing word")));
}

#[test]
fn gift_escapes_markers_titles_and_true_false_feedback() {
    let gift = "::Q\\: one::[plain]Path C\\:\\\\Windows and $$\\alpha$$ \\{x\\} \\= \\~ \\#? {\n=yes#fb\\#1\n~no\n~maybe}\n\n\
                ::tf::[html]<p>Is it <b>true</b>?</p>{TRUE#shown when wrong#shown when right}";
    let qs = questions("esc.gift", gift);
    assert_eq!(qs[0].stem, "Path C:\\Windows and $$\\alpha$$ {x} = ~ #?");
    assert_eq!(qs[0].options[0].rationale, "fb#1");
    assert_eq!(
        qs[0].id, "fixture-formats-q-one-9d7e3e",
        "the title keeps its colon: {}",
        qs[0].id
    );
    assert_eq!(qs[1].stem, "Is it **true**?");
    assert_eq!(qs[1].options[0].text, "True");
    assert_eq!(qs[1].options[0].rationale, "shown when right");
    assert_eq!(qs[1].options[1].rationale, "shown when wrong");
}

#[test]
fn derived_ids_never_collide() {
    let gift = "::질문 1::A? {=a ~b}\n\n::문제 1::B? {=a ~b}\n\n::C++::C? {=a ~b}\n\n::C#::D? {=a ~b}\n\n::same::E? {=a ~b}\n\n::same::F? {=a ~b}";
    let qs = questions("ids.gift", gift);
    let ids: std::collections::HashSet<&str> = qs.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids.len(), 6, "{ids:?}");
    assert_eq!(qs[5].id, "fixture-formats-same-2");
    // Deterministic: the same file gives the same ids.
    let again: Vec<CompactString> = questions("ids.gift", gift).into_iter().map(|q| q.id).collect();
    assert_eq!(again, qs.iter().map(|q| q.id.clone()).collect::<Vec<_>>());
}

#[test]
fn ids_from_files_are_checked_like_native_ids() {
    let xml = r#"<quiz><question type="truefalse"><questiontext format="plain_text"><text>T?</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>
<tags><tag><text>examdrill-id:Bad ID/../x</text></tag></tags></question></quiz>"#;
    let loaded = load("id.xml", xml);
    assert!(loaded.bank.questions.is_empty());
    assert!(loaded.outcomes[0].reasons[0].contains("id `Bad ID/../x` must be lowercase letters"));
}

#[test]
fn duplicate_options_compare_normalised_text_only() {
    let qs = questions("dup.gift", "Which? {=-2.0 ~2.0 ~1/2 ~12}\n\nLang? {=C ~C++ ~C\\#}");
    assert_eq!(qs.len(), 2);
    let loaded = load("dup2.gift", "Which? {=Same text ~  same   TEXT ~other}");
    assert!(loaded.bank.questions.is_empty());
    assert!(loaded.outcomes[0].reasons[0].contains("say the same thing"));
}

#[test]
fn moodle_html_keeps_lists_tables_links_and_entities_and_warns_about_images() {
    let xml = r#"<quiz><question type="multichoice"><name><text>h</text></name>
<questiontext format="html"><text><![CDATA[<p>Caf&eacute; &#8217;<a href="https://example.com">link</a></p><ul><li>one</li><li>two</li></ul><img src="@@PLUGINFILE@@/a.png" alt="diagram">]]></text></questiontext>
<single>true</single><answer fraction="100" format="html"><text>&lt;b&gt;yes&lt;/b&gt;</text></answer><answer fraction="0"><text>no</text></answer></question></quiz>"#;
    let loaded = load("html.xml", xml);
    let q = &loaded.bank.questions[0];
    assert_eq!(
        q.stem,
        "Café ’[link](https://example.com)\n\n- one\n- two\n\n\\[diagram\\]"
    );
    assert_eq!(q.options[0].text, "**yes**");
    assert!(
        loaded.outcomes[0]
            .reasons
            .iter()
            .any(|r| r.contains("image `@@PLUGINFILE@@/a.png`"))
    );
}

#[test]
fn strict_mode_keeps_whole_file_behaviour() {
    let dir = std::env::temp_dir().join(format!("examdrill-strict-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mixed.gift");
    std::fs::write(&file, "Good? {=a ~b ~c ~d}\n\nEssay {}").unwrap();
    let lax = examdrill::bank::load::read_paths_as(std::slice::from_ref(&file), None, Some(&defaults()), false);
    assert!(lax.diagnostics.is_empty());
    assert_eq!(lax.bank.questions.len(), 1);
    let strict = examdrill::bank::load::read_paths_as(&[file], None, Some(&defaults()), true);
    assert_eq!(strict.diagnostics.len(), 1, "{:#?}", strict.diagnostics);
    assert!(strict.diagnostics[0].message.contains("essay"));
    std::fs::remove_dir_all(dir).unwrap();
}

fn roundtrip_fixture() -> String {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank/formats/moodle-roundtrip.xml");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn empty_feedback_stays_empty_on_import_and_export() {
    let qs = questions("roundtrip.xml", &roundtrip_fixture());
    assert_eq!(qs[0].options[1].rationale, "");
    assert_eq!(qs[1].explanation, "");
    let gift = questions("bare.gift", "Bare? {=yes ~no ~maybe}");
    assert_eq!(gift[0].explanation, "");
    assert!(gift[0].options.iter().all(|o| o.rationale.is_empty()));
    let xml = examdrill::bank::formats::moodle_xml::export(&examdrill::bank::Bank {
        questions: gift,
        ..Default::default()
    });
    assert!(
        xml.contains("<generalfeedback format=\"html\"><text></text></generalfeedback>"),
        "{xml}"
    );
    assert!(!xml.contains("Correct.") && !xml.contains("정답입니다"));
}

/// A Moodle file, imported, exported and imported again, is the same
/// questions: keys, texts, feedback, names (ids), categories, hidden.
#[test]
fn a_moodle_file_survives_import_export_and_import_again() {
    let first = questions("roundtrip.xml", &roundtrip_fixture());
    assert_eq!(first.len(), 3);
    assert_eq!(first[0].id, "fixture-formats-1-dd6c37");
    assert_eq!(
        first[0].stem,
        "Which firewall is **stateful**? See [the guide](https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html).\n\n- one VPC\n- two subnets"
    );
    assert_eq!(
        (first[1].kind, first[1].answer.clone()),
        (Kind::Multiple, vec!['a', 'c'])
    );
    assert_eq!(
        first[1].status,
        examdrill::bank::model::Status::Draft,
        "hidden in Moodle"
    );
    assert_eq!(first[2].options[0].rationale, "Yes — both directions.");
    let xml = examdrill::bank::formats::moodle_xml::export(&examdrill::bank::Bank {
        questions: first.clone(),
        ..Default::default()
    });
    // HTML Moodle reads back as the same Markdown: no examdrill-only copy needed.
    assert!(!xml.contains("<examdrill-md>"), "{xml}");
    let loaded = parse_upload([("again.xml", xml.as_str())], None);
    assert!(loaded.diagnostics.is_empty(), "{:#?}\n{xml}", loaded.diagnostics);
    let json = |qs: &[Question]| serde_json::to_value(qs).unwrap();
    assert_eq!(json(&loaded.bank.questions), json(&first));
}

/// The export speaks Moodle's own field names, so Moodle imports it as the
/// author meant: HTML in CDATA, categories, grades, penalty, hidden, flags.
#[test]
fn the_moodle_export_uses_moodles_own_fields() {
    let first = questions("roundtrip.xml", &roundtrip_fixture());
    let xml = examdrill::bank::formats::moodle_xml::export(&examdrill::bank::Bank {
        questions: first,
        ..Default::default()
    });
    for field in [
        "<question type=\"category\">\n    <category><text>$course$/top/saa-c03/secure/fixture-formats</text></category>",
        "<question type=\"multichoice\">",
        "<question type=\"truefalse\">",
        "<name><text>fixture-formats-1-dd6c37</text></name>",
        "<questiontext format=\"html\"><text><![CDATA[<p>Which firewall is <strong>stateful</strong>? See <a href=\"https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html\"",
        "<li>one VPC</li>",
        "<generalfeedback format=\"html\"><text><![CDATA[<p>Security groups are <em>stateful</em> &amp; allow return traffic.</p>",
        "<defaultgrade>1.0000000</defaultgrade>",
        "<penalty>0.3333333</penalty>",
        "<penalty>1.0000000</penalty>",
        "<hidden>1</hidden>",
        "<hidden>0</hidden>",
        "<single>true</single>",
        "<single>false</single>",
        "<shuffleanswers>true</shuffleanswers>",
        "<answer fraction=\"50\" format=\"html\">",
        "<answer fraction=\"-100\" format=\"html\">",
        "<answer fraction=\"100\" format=\"html\"><text>true</text>",
        "<feedback format=\"html\"><text></text></feedback>",
        "<table>",
    ] {
        assert!(xml.contains(field), "missing {field:?} in\n{xml}");
    }
    assert_eq!(xml.matches("<question type=\"category\">").count(), 1);
}
