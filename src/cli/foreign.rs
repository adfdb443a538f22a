//! `bank check` and `bank import` options for foreign formats, and the
//! per-question report both print.

use crate::bank::formats::category::CategoryMode;

/// What GIFT/Aiken/CSV/Moodle XML files have no field for, shared by `check`
/// and `import` so a foreign file can be checked exactly as it would import.
#[derive(clap::Args)]
pub struct ForeignArgs {
    /// For GIFT/Aiken/CSV/Moodle XML files: the topic their questions join.
    #[arg(long)]
    pub topic: Option<String>,
    /// For GIFT/Aiken/CSV/Moodle XML files: the exam, one of the blueprints' codes.
    #[arg(long, requires = "topic")]
    pub exam: Option<String>,
    /// For GIFT/Aiken/CSV/Moodle XML files: the domain within the exam.
    #[arg(long, requires = "topic")]
    pub domain: Option<String>,
    /// For GIFT/Aiken/CSV/Moodle XML files: ko or en.
    #[arg(long, default_value = "ko", value_parser = ["ko", "en"])]
    pub language: String,
    /// Where questions of a Moodle category that is not examdrill's own
    /// `top/<exam>/<domain>/<topic>` go: all to --topic, or one topic per category.
    #[arg(long, requires = "topic", default_value = "one-topic", value_parser = ["one-topic", "per-category"])]
    pub categories: String,
    /// Whole-file behaviour: any question that cannot be imported is an error
    /// and nothing imports (by default it is skipped and reported).
    #[arg(long)]
    pub strict: bool,
}

impl ForeignArgs {
    /// The defaults, with the exam and domain checked against `blueprints`.
    pub fn defaults(&self, blueprints: &std::path::Path) -> anyhow::Result<Option<crate::bank::formats::Defaults>> {
        let Some(topic) = self.topic.clone() else {
            return Ok(None);
        };
        let known = crate::bank::load_paths(&[blueprints.to_owned()], None).bank.blueprints;
        let mut d = crate::bank::formats::Defaults::checked(
            topic,
            self.exam.as_deref().unwrap_or_default(),
            self.domain.as_deref().unwrap_or_default(),
            &self.language,
            &known,
        )
        .map_err(anyhow::Error::msg)?;
        d.categories = CategoryMode::parse(&self.categories).unwrap_or_default();
        Ok(Some(d))
    }
}

/// Each Moodle category the files name, with its questions and their topic.
pub fn print_categories(categories: &[crate::bank::load::CategoryUse]) {
    for c in categories {
        let path = c
            .path
            .as_ref()
            .map_or("(before any category)".to_owned(), ToString::to_string);
        let new = if c.new_topic { " (new topic)" } else { "" };
        out!(
            "category {path}: {} question(s) into topic {}{new}",
            c.questions,
            c.topic
        );
    }
}

/// One line per question of a foreign file, then the totals.
pub fn print_outcomes(outcomes: &[crate::bank::load::Outcome]) {
    use crate::bank::load::Verdict;
    for o in outcomes {
        let id = o.id.as_deref().map(|i| format!(" {i}")).unwrap_or_default();
        out!("{}: {}{id}", o.pos, o.verdict.as_str());
        for r in &o.reasons {
            out!("    {r}");
        }
    }
    if !outcomes.is_empty() {
        let n = |v: Verdict| outcomes.iter().filter(|o| o.verdict == v).count();
        out!(
            "{} imported, {} imported with warnings, {} skipped",
            n(Verdict::Imported),
            n(Verdict::Warned),
            n(Verdict::Skipped)
        );
    }
}
