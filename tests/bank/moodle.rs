//! What teachers' real files hold: option counts Moodle accepts, partial
//! credit, common slips, escapes, HTML, ids that must not collide, and a
//! per-question outcome for every question.

use examdrill::bank::Question;
use examdrill::bank::load::{Loaded, Verdict, parse_upload};
use examdrill::bank::model::Kind;

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
    let again: Vec<String> = questions("ids.gift", gift).into_iter().map(|q| q.id).collect();
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
