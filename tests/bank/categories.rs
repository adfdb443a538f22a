//! Moodle question categories, as Moodle XML and GIFT name them: read with
//! their context prefixes and escapes, carried by each question, and placing
//! it: back in examdrill's own exam/domain/topic, in the chosen topic, or in
//! one topic per category.

use std::path::Path;

use examdrill::bank::formats::Defaults;
use examdrill::bank::formats::category::{CategoryError, CategoryMode, CategoryPath, Known, MAX_NEW_TOPICS};
use examdrill::bank::load::{CategoryUse, Loaded, Verdict, parse_upload, parse_upload_in};
use examdrill::bank::load_paths;

use super::formats::defaults;

fn known(topics: &[&str]) -> Known {
    let bp = Path::new(env!("CARGO_MANIFEST_DIR")).join("question_bank/blueprints");
    let blueprints = load_paths(&[bp], None).bank.blueprints;
    Known::new(&blueprints, topics.iter().map(|t| (*t).to_owned()))
}

fn per_category() -> Defaults {
    Defaults {
        categories: CategoryMode::PerCategory,
        ..defaults()
    }
}

fn load(name: &str, text: &str, d: &Defaults) -> Loaded {
    let loaded = parse_upload_in([(name, text)], Some(d), known(&["fixture-formats"]));
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    loaded
}

fn segments(raw: &str) -> Vec<String> {
    CategoryPath::parse(raw).unwrap().segments().to_vec()
}

/// (path as shown, questions, topic, new topic) of each category row.
fn rows(loaded: &Loaded) -> Vec<(Option<String>, usize, String, bool)> {
    loaded
        .categories
        .iter()
        .map(|c: &CategoryUse| {
            (
                c.path.as_ref().map(ToString::to_string),
                c.questions,
                c.topic.clone(),
                c.new_topic,
            )
        })
        .collect()
}

#[test]
fn paths_lose_their_context_prefix_and_top_and_keep_escaped_slashes() {
    for raw in [
        "$course$/top/A/B",
        "$module$/top/A/B",
        "$system$/top/A/B",
        "$cat$/A/B",
        "top/A/B",
        "A/B",
        "  $course$/top/ A / B  ",
    ] {
        assert_eq!(segments(raw), ["A", "B"], "{raw}");
    }
    assert_eq!(segments("$course$/top/TCP//IP/Ports"), ["TCP/IP", "Ports"]);
    assert_eq!(
        segments("$course$/top/a///b"),
        ["a//b"],
        "a run of three is literal, as in Moodle"
    );
    assert_eq!(segments("$course$/top/네트워크/보안 그룹"), ["네트워크", "보안 그룹"]);
    assert!(segments("$course$/top").is_empty(), "the top category itself");
    assert_eq!(
        CategoryPath::parse("$course$/top/TCP//IP/Ports").unwrap().to_string(),
        "top/TCP//IP/Ports",
        "shown as Moodle writes it"
    );
}

#[test]
fn malformed_too_long_and_too_deep_paths_are_refused_with_a_reason() {
    assert_eq!(
        segments("$course$/top/A//"),
        ["A/"],
        "an escaped slash, not an empty name"
    );
    assert_eq!(CategoryPath::parse("$course$/top/A/"), Err(CategoryError::EmptyName));
    assert_eq!(CategoryPath::parse("$course$/top/A/ /B"), Err(CategoryError::EmptyName));
    assert_eq!(CategoryPath::parse("A/\u{7}B"), Err(CategoryError::ControlChars));
    // Counted in characters: 255 Korean syllables are a valid name (765 bytes).
    assert!(CategoryPath::parse(&"가".repeat(255)).is_ok());
    assert_eq!(CategoryPath::parse(&"가".repeat(256)), Err(CategoryError::TooLong));
    assert_eq!(CategoryPath::parse(&"a/".repeat(5000)), Err(CategoryError::TooLong));
    assert_eq!(
        CategoryPath::parse(&vec!["a"; 21].join("/")),
        Err(CategoryError::TooDeep)
    );
    assert!(CategoryPath::parse(&vec!["a"; 20].join("/")).is_ok());
}

const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice"><name><text>first</text></name>
    <questiontext format="plain_text"><text>Before any category?</text></questiontext>
    <answer fraction="100"><text>yes</text></answer><answer fraction="0"><text>no</text></answer></question>
  <question type="category"><category><text>$course$/top/Networking/VPC basics</text></category></question>
  <question type="multichoice"><name><text>vpc one</text></name>
    <questiontext format="plain_text"><text>VPC one?</text></questiontext>
    <answer fraction="100"><text>yes</text></answer><answer fraction="0"><text>no</text></answer></question>
  <question type="truefalse"><name><text>vpc two</text></name>
    <questiontext format="plain_text"><text>VPC two?</text></questiontext>
    <answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>
  <question type="category"><category><text>$module$/top/Week 2/네트워크 기초</text></category></question>
  <question type="multichoice"><name><text>ko</text></name>
    <questiontext format="plain_text"><text>기초?</text></questiontext>
    <answer fraction="100"><text>예</text></answer><answer fraction="0"><text>아니오</text></answer></question>
  <question type="category"><category><text>$course$/top/saa-c03/resilient/fixture-formats</text></category></question>
  <question type="multichoice"><name><text>own</text></name>
    <questiontext format="plain_text"><text>Own layout?</text></questiontext>
    <answer fraction="100"><text>yes</text></answer><answer fraction="0"><text>no</text></answer></question>
</quiz>"#;

#[test]
fn moodle_xml_categories_are_carried_by_each_question() {
    let loaded = load("cats.xml", XML, &defaults());
    let cats: Vec<Option<String>> = loaded
        .outcomes
        .iter()
        .map(|o| o.category.as_ref().map(ToString::to_string))
        .collect();
    assert_eq!(
        cats,
        [
            None,
            Some("top/Networking/VPC basics".to_owned()),
            Some("top/Networking/VPC basics".to_owned()),
            Some("top/Week 2/네트워크 기초".to_owned()),
            Some("top/saa-c03/resilient/fixture-formats".to_owned()),
        ]
    );
}

#[test]
fn by_default_foreign_categories_keep_the_chosen_topic_and_the_own_layout_goes_back() {
    let loaded = load("cats.xml", XML, &defaults());
    let placed: Vec<(&str, Vec<(&str, &str)>)> = loaded
        .bank
        .questions
        .iter()
        .map(|q| (q.topic.as_str(), q.domains.iter().collect()))
        .collect();
    let chosen = vec![("saa-c03", "secure")];
    assert_eq!(placed[0], ("fixture-formats", chosen.clone()));
    assert_eq!(placed[1], ("fixture-formats", chosen.clone()));
    assert_eq!(placed[3], ("fixture-formats", chosen));
    assert_eq!(
        placed[4],
        ("fixture-formats", vec![("saa-c03", "resilient")]),
        "top/<exam>/<domain>/<topic> names its own domain"
    );
    assert!(loaded.bank.topics.is_empty(), "every topic is known");
}

#[test]
fn one_topic_per_category_derives_korean_safe_slugs_and_lists_the_counts() {
    let loaded = load("cats.xml", XML, &per_category());
    let topics: Vec<&str> = loaded.bank.questions.iter().map(|q| q.topic.as_str()).collect();
    let korean = &topics[3];
    assert!(
        korean.starts_with("category-") && korean.len() == "category-".len() + 8,
        "{korean}"
    );
    assert_eq!(
        topics,
        ["fixture-formats", "vpc-basics", "vpc-basics", korean, "fixture-formats"]
    );
    // Ids follow the topic they are placed in.
    assert_eq!(loaded.bank.questions[1].id, "vpc-basics-vpc-one");
    assert_eq!(
        rows(&loaded),
        [
            (None, 1, "fixture-formats".to_owned(), false),
            (
                Some("top/Networking/VPC basics".to_owned()),
                2,
                "vpc-basics".to_owned(),
                true
            ),
            (Some("top/Week 2/네트워크 기초".to_owned()), 1, korean.to_string(), true),
            (
                Some("top/saa-c03/resilient/fixture-formats".to_owned()),
                1,
                "fixture-formats".to_owned(),
                false
            ),
        ]
    );
    // The new topics are named after their category, for the chosen exam and domain.
    let t = loaded.bank.topics.iter().find(|t| t.slug == *korean).unwrap();
    assert_eq!(
        (t.name_ko.as_str(), t.name_en.as_str()),
        ("네트워크 기초", "네트워크 기초")
    );
    assert_eq!(t.domains, [("saa-c03".to_owned(), "secure".to_owned())]);
    assert_eq!(loaded.bank.topics.len(), 2);
}

#[test]
fn gift_categories_with_prefixes_escapes_nesting_and_collisions() {
    let gift = "::before::Before? {=a ~b}\n\n\
                $CATEGORY: $course$/top/Week 1/Intro\n\n\
                ::w1::Week one? {=a ~b}\n\n\
                // a comment between\n\
                $CATEGORY: Week 2/Intro\n\
                ::w2::Week two? {=a ~b}\n\n\
                $CATEGORY: $system$/top/TCP//IP\n\n\
                ::tcp::TCP? {=a ~b}\n\n\
                $CATEGORY: $course$/top/C++\n\n\
                ::cpp::C++? {=a ~b}\n\n\
                $CATEGORY: top/soa-c03/networking/fixture-net\n\n\
                ::own::Own? {=a ~b}";
    let loaded = load("cats.gift", gift, &per_category());
    let placed: Vec<(&str, &str)> = loaded
        .bank
        .questions
        .iter()
        .map(|q| (q.id.as_str(), q.topic.as_str()))
        .collect();
    let (tcp, cpp) = (placed[3].1, placed[4].1);
    assert!(
        tcp.starts_with("tcp-ip-") && tcp.len() == 13,
        "the slash is hashed in: {tcp}"
    );
    assert!(cpp.starts_with("c-") && cpp.len() == 8, "C++ keeps apart from C: {cpp}");
    assert_eq!(
        placed,
        [
            ("fixture-formats-before", "fixture-formats"),
            ("intro-w1", "intro"),
            ("intro-2-w2", "intro-2"),
            (&*format!("{tcp}-tcp"), tcp),
            (&*format!("{cpp}-cpp"), cpp),
            ("fixture-net-own", "fixture-net"),
        ]
    );
    let own = &loaded.bank.questions[5];
    assert_eq!(own.domains.iter().collect::<Vec<_>>(), [("soa-c03", "networking")]);
    let t = loaded.bank.topics.iter().find(|t| t.slug == "fixture-net").unwrap();
    assert_eq!(t.domains, [("soa-c03".to_owned(), "networking".to_owned())]);
    let names: Vec<&str> = loaded.bank.topics.iter().map(|t| t.name_en.as_str()).collect();
    assert_eq!(names, ["Intro", "Intro", "TCP/IP", "C++", "fixture-net"]);
}

#[test]
fn an_unknown_exam_or_a_bad_slug_is_not_the_own_layout() {
    let gift = "$CATEGORY: $course$/top/saa-c99/secure/vpc\n\n::a::A? {=a ~b}\n\n\
                $CATEGORY: $course$/top/saa-c03/nodomain/vpc\n\n::b::B? {=a ~b}\n\n\
                $CATEGORY: $course$/top/saa-c03/secure/Not A Slug\n\n::c::C? {=a ~b}";
    let loaded = load("notown.gift", gift, &defaults());
    for q in &loaded.bank.questions {
        assert_eq!(q.topic, "fixture-formats", "{}", q.id);
        assert_eq!(q.domains.iter().collect::<Vec<_>>(), [("saa-c03", "secure")]);
    }
    assert_eq!(loaded.bank.questions.len(), 3);
}

#[test]
fn a_malformed_or_too_long_category_is_a_warning_on_each_of_its_questions() {
    let long = "가".repeat(300);
    let gift = format!(
        "$CATEGORY: $course$/top/A/\n\n::a::A? {{=a ~b ~c ~d}}\n\n::b::B? {{=a ~b ~c ~d}}\n\n\
         $CATEGORY: $course$/top/{long}\n\n::c::C? {{=a ~b ~c ~d}}\n\n\
         $CATEGORY: $course$/top/Fine\n\n::d::D? {{=a ~b ~c ~d}}"
    );
    let loaded = load("bad.gift", &gift, &per_category());
    let v: Vec<Verdict> = loaded.outcomes.iter().map(|o| o.verdict).collect();
    assert_eq!(
        v,
        [Verdict::Warned, Verdict::Warned, Verdict::Warned, Verdict::Imported]
    );
    assert!(
        loaded.outcomes[0].reasons[0].contains("a name in it is empty"),
        "{:?}",
        loaded.outcomes
    );
    assert!(
        loaded.outcomes[2].reasons[0].contains("longer than"),
        "{:?}",
        loaded.outcomes
    );
    let topics: Vec<&str> = loaded.bank.questions.iter().map(|q| q.topic.as_str()).collect();
    assert_eq!(
        topics,
        ["fixture-formats", "fixture-formats", "fixture-formats", "fine"]
    );

    let xml = r#"<quiz><question type="category"><category><text>$course$/top/A/</text></category></question>
<question type="truefalse"><questiontext format="plain_text"><text>T?</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question></quiz>"#;
    let loaded = load("bad.xml", xml, &per_category());
    assert_eq!(loaded.bank.questions.len(), 1);
    assert_eq!(loaded.outcomes[0].verdict, Verdict::Warned);
}

#[test]
fn without_known_exams_the_own_layout_is_not_trusted() {
    let gift = "$CATEGORY: $course$/top/saa-c03/resilient/fixture-formats\n\n::a::A? {=a ~b}";
    let loaded = parse_upload([("plain.gift", gift)], Some(&defaults()));
    let q = &loaded.bank.questions[0];
    assert_eq!(q.domains.iter().collect::<Vec<_>>(), [("saa-c03", "secure")]);
}

#[test]
fn one_upload_makes_at_most_a_hundred_new_topics_from_categories() {
    let gift: String = (0..=MAX_NEW_TOPICS)
        .map(|i| format!("$CATEGORY: $course$/top/Unit {i}\n\n::q{i}::Q{i}? {{=a ~b ~c ~d}}\n\n"))
        .collect();
    let loaded = load("many.gift", &gift, &per_category());
    let last = loaded.bank.questions.last().unwrap();
    assert_eq!(loaded.bank.questions[MAX_NEW_TOPICS - 1].topic, "unit-99");
    assert_eq!(last.topic, "fixture-formats");
    let outcome = loaded.outcomes.last().unwrap();
    assert_eq!(outcome.verdict, Verdict::Warned);
    assert!(outcome.reasons[0].contains("already made 100 topics"), "{outcome:?}");
    assert_eq!(loaded.bank.topics.len(), MAX_NEW_TOPICS);

    // examdrill's own layout counts as well: a file cannot make topics without end.
    let gift: String = (0..=MAX_NEW_TOPICS)
        .map(|i| format!("$CATEGORY: top/saa-c03/cost/own-{i}\n\n::q{i}::Q{i}? {{=a ~b ~c ~d}}\n\n"))
        .collect();
    let loaded = load("own.gift", &gift, &defaults());
    assert_eq!(loaded.bank.topics.len(), MAX_NEW_TOPICS);
    assert_eq!(loaded.bank.questions.last().unwrap().topic, "fixture-formats");
    assert_eq!(loaded.outcomes.last().unwrap().verdict, Verdict::Warned);
}

/// `bank check` reads the categories as the upload does: examdrill's own
/// layout against the blueprints, the rest as `--categories` says.
#[test]
fn bank_check_places_by_category_and_lists_the_categories() {
    let dir = std::env::temp_dir().join(format!("examdrill-cats-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cats.gift");
    std::fs::write(
        &file,
        "$CATEGORY: $course$/top/saa-c03/cost/fixture-savings\n\n::cheap::Cheapest? {=a ~b ~c ~d}\n\n\
         $CATEGORY: $course$/top/Week 1/Intro\n\n::intro::Intro? {=a ~b ~c ~d}\n",
    )
    .unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_examdrill"))
            .args(["bank", "check", "--blueprints"])
            .arg(root.join("question_bank/blueprints"))
            .args(extra)
            .arg(&file)
            .output()
            .unwrap()
    };
    let out = run(&[
        "--topic",
        "fixture-formats",
        "--exam",
        "saa-c03",
        "--domain",
        "secure",
        "--categories",
        "per-category",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    for line in [
        "imported fixture-savings-cheap",
        "imported intro-intro",
        "category top/saa-c03/cost/fixture-savings: 1 question(s) into topic fixture-savings (new topic)",
        "category top/Week 1/Intro: 1 question(s) into topic intro (new topic)",
        "0 problem(s)",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in\n{stdout}");
    }
    let forged = run(&["--topic", "fixture-formats", "--categories", "every-which-way"]);
    assert!(!forged.status.success());
    assert!(String::from_utf8_lossy(&forged.stderr).contains("invalid value 'every-which-way'"));
    std::fs::remove_dir_all(dir).unwrap();
}
