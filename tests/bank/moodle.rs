//! What teachers' real files hold: option counts Moodle accepts, partial
//! credit, common slips, escapes, HTML, ids that must not collide, and a
//! per-question outcome for every question.

use examdrill::bank::Question;
use examdrill::bank::formats::category::Known;
use examdrill::bank::load::{Loaded, Verdict, parse_upload, parse_upload_in};
use examdrill::bank::model::{CompactString, Domains, Kind};

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
    // Letter case is meaning too: a teacher's quiz (pygiftparser's
    // test4.txt) asks which of GB, Gb, MB and TB is the largest.
    let qs = questions(
        "dup.gift",
        "Which? {=-2.0 ~2.0 ~1/2 ~12}\n\nLang? {=C ~C++ ~C\\#}\n\nLargest? {~GB ~Gb ~MB =TB}",
    );
    assert_eq!(qs.len(), 3);
    assert_eq!(texts(&qs[2]), ["GB", "Gb", "MB", "TB"]);
    // ... but the instructor is asked to look at it before publishing.
    let report = examdrill::bank::lint::lint(&qs, false);
    let flagged: Vec<_> = report
        .flags
        .iter()
        .filter(|f| f.kind == examdrill::bank::lint::FlagKind::OptionsDifferOnlyInCase)
        .map(|f| f.question.as_str())
        .collect();
    assert_eq!(flagged, [qs[2].id.as_str()]);
    let loaded = load("dup2.gift", "Which? {=Same text ~  Same   text ~other}");
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
    through_moodle_the_categories_keep_the_topics(first);
}

/// `xml` without every `open`…`close` element, as Moodle writes back what it
/// imported: it keeps the categories but not examdrill's own elements, and a
/// question a teacher adds in Moodle has no examdrill tags at all.
fn without(xml: &str, open: &str, close: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(close).unwrap() + i + close.len();
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Questions of two topics exported to Moodle and back: with only the
/// categories to go by, each returns to its own exam, domain and topic.
fn through_moodle_the_categories_keep_the_topics(mut questions: Vec<Question>) {
    questions[2].topic = "fixture-other".into();
    questions[2].domains = Domains::from([("soa-c03".to_owned(), "networking".to_owned())]);
    let xml = examdrill::bank::formats::moodle_xml::export(&examdrill::bank::Bank {
        questions: questions.clone(),
        ..Default::default()
    });
    for cat in [
        "<category><text>$course$/top/saa-c03/secure/fixture-formats</text></category>",
        "<category><text>$course$/top/soa-c03/networking/fixture-other</text></category>",
    ] {
        assert!(xml.contains(cat), "{xml}");
    }
    let moodle = without(&without(&xml, "<tags>", "</tags>"), "<examdrill-md>", "</examdrill-md>");
    assert!(!moodle.contains("examdrill-"), "{moodle}");
    let bp = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("question_bank/blueprints");
    let known = Known::new(
        &examdrill::bank::load_paths(&[bp], None).bank.blueprints,
        ["fixture-formats".to_owned()],
    );
    let back = parse_upload_in([("moodle.xml", moodle.as_str())], None, known);
    assert!(back.diagnostics.is_empty(), "{:#?}", back.diagnostics);
    assert_eq!(back.bank.questions.len(), 3);
    for (b, q) in back.bank.questions.iter().zip(&questions) {
        assert_eq!((&b.topic, &b.domains), (&q.topic, &q.domains), "{}", q.id);
        assert_eq!((&b.stem, b.kind, &b.answer), (&q.stem, q.kind, &q.answer));
        assert_eq!(texts(b), texts(q));
    }
    let topics: Vec<(&str, &[(String, String)])> = back
        .bank
        .topics
        .iter()
        .map(|t| (t.slug.as_str(), t.domains.as_slice()))
        .collect();
    assert_eq!(
        topics,
        [("fixture-other", &[("soa-c03".to_owned(), "networking".to_owned())][..])],
        "the topic the bank lacks comes with the upload"
    );
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

/// Moodle's Aiken reader ignores blank lines: one between the question and
/// its options, or before `ANSWER:`, does not split the question.
#[test]
fn aiken_questions_with_blank_lines_inside_import_whole() {
    let aiken = "What is 2+2?\n\nA. 3\nB. 4\nC. 5\n\nANSWER: B\n\nNext?\nA) x\nB) y\nANSWER: A\n";
    let qs = questions("blank.txt", aiken);
    assert_eq!(qs.len(), 2);
    assert_eq!(qs[0].stem, "What is 2+2?");
    assert_eq!(texts(&qs[0]), ["3", "4", "5"]);
    assert_eq!(qs[0].answer, vec!['b']);
    assert_eq!(qs[0].pos.line, 1);
    assert_eq!((qs[1].pos.line, qs[1].answer.clone()), (9, vec!['a']));
    // Options with no question before them still stand alone and are named.
    let loaded = load("orphan.txt", "Q?\nA) a\nB) b\nANSWER: A\n\nA) stray\n\nANSWER: A\n");
    let v: Vec<Verdict> = loaded.outcomes.iter().map(|o| o.verdict).collect();
    assert_eq!(v.len(), 2, "{:#?}", loaded.outcomes);
    assert_eq!(v[1], Verdict::Skipped);
}

#[test]
fn cloze_pasted_into_gift_and_typeless_xml_questions_are_named() {
    // Moodle's embedded-answers syntax in a teacher's GIFT file (GL02 quizzes).
    let loaded = load("cloze.gift", "He is {1:MC:~=an~a} honest man.\n\nOk? {=yes ~no}");
    assert_eq!(loaded.bank.questions.len(), 1);
    assert!(
        loaded.outcomes[0].reasons[0].contains("embedded answers (Cloze"),
        "{:#?}",
        loaded.outcomes
    );
    let xml = "<quiz><question><name><text>Prueba</text></name></question></quiz>";
    let loaded = load("typeless.xml", xml);
    assert!(
        loaded.outcomes[0].reasons[0].contains("no type=\"…\" attribute"),
        "{:#?}",
        loaded.outcomes
    );
}

#[test]
fn lowercase_true_false_imports_with_a_warning_that_moodle_reads_it_otherwise() {
    let loaded = load("tf.gift", "Sun rises in the east.{t#bien}");
    let q = &loaded.bank.questions[0];
    assert_eq!((q.kind, q.answer.clone()), (Kind::TrueFalse, vec!['a']));
    assert!(loaded.outcomes[0].reasons[0].contains("Moodle reads only T, TRUE, F and FALSE in capitals"));
}

/// A question that is only pictures cannot be kept; the reason says so.
#[test]
fn an_image_only_question_is_skipped_naming_its_images() {
    let xml = r#"<quiz><question type="multichoice"><questiontext format="html"><text><![CDATA[<img src="@@PLUGINFILE@@/q.png"/>]]></text>
<file name="q.png" path="/" encoding="base64">iVBORw0KGgo=</file></questiontext>
<answer fraction="100"><text>yes</text></answer><answer fraction="0"><text>no</text></answer></question></quiz>"#;
    let loaded = load("pics.xml", xml);
    assert_eq!(loaded.outcomes[0].verdict, Verdict::Skipped);
    let reasons = loaded.outcomes[0].reasons.join("; ");
    assert!(
        reasons.contains("stem is empty") && reasons.contains("image `@@PLUGINFILE@@/q.png`"),
        "{reasons}"
    );
}

/// Two slips from a generated Russian quiz (kept outside the repository):
/// a blank line before the closing `}`, and `$CATEGORY:` lines straight
/// above each question with no blank line between. Moodle refuses the first
/// and runs the second into one question; both are imported as written.
#[test]
fn a_blank_line_before_the_closing_brace_and_categories_without_blank_lines() {
    let gift = "::Вопрос 6:: Что включает система? {\r\n    ~Только проекты\r\n    =Портфели и операции\r\n\r\n}\r\n\r\n\
                $CATEGORY: A\r\n::Вопрос 7:: Первый? {\r\n    ~нет\r\n    =да\r\n}\r\n$CATEGORY: B\r\n::Вопрос 8:: Второй? {=да ~нет}\r\n";
    let qs = questions("ru.gift", gift);
    assert_eq!(qs.len(), 3);
    assert_eq!(qs[0].stem, "Что включает система?");
    assert_eq!(texts(&qs[0]), ["Только проекты", "Портфели и операции"]);
    assert_eq!(qs[0].answer, vec!['b']);
    assert_eq!((qs[1].pos.line, qs[1].stem.as_str()), (8, "Первый?"));
    assert_eq!((qs[2].pos.line, qs[2].stem.as_str()), (13, "Второй?"));
    assert_eq!(qs[2].answer, vec!['a']);
}

/// Several blanks in one GIFT question (GL02's English exam bank): Moodle
/// reads the first block; the rest stays in the text, and the warning says so.
#[test]
fn a_second_answer_block_stays_in_the_text_with_a_warning() {
    let loaded = load(
        "two.gift",
        "::1.4::I drink {~=hardly any~a few} coffee, if I drink too {~many~=much}, I can't sleep",
    );
    let q = &loaded.bank.questions[0];
    assert_eq!(
        q.stem,
        "I drink _____ coffee, if I drink too {~many~=much}, I can't sleep"
    );
    assert_eq!((texts(q), q.answer.clone()), (vec!["hardly any", "a few"], vec!['a']));
    let why = loaded.outcomes[0].reasons.join("; ");
    assert!(
        why.contains("only the first answer block is read; the one at line 1, column 60"),
        "{why}"
    );
}
