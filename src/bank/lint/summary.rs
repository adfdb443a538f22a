//! The lint report as an upload preview shows it: messages grouped by how
//! much they matter.

use super::{Report, Thresholds};

crate::text_enum! {
    /// How much a lint finding matters. `Error`: what `bank lint --enforce`
    /// fails on (a broken exam-grade threshold, or a flag those thresholds
    /// forbid). `Warning`: any other flag, worth a look.
    pub enum Severity { Error => "error", Warning => "warning" }
}

/// The findings of one severity.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub severity: Severity,
    pub messages: Vec<String>,
}

/// Lint findings by severity, most severe first; empty groups are left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub groups: Vec<Group>,
}

impl Summary {
    /// Sorts `report` against `limits`.
    pub fn new(report: &Report, limits: &Thresholds) -> Self {
        let mut errors = limits.breaches(report);
        let mut warnings = Vec::new();
        for f in &report.flags {
            let line = format!("{}: {} {}", f.question, f.kind.name(), f.detail);
            if limits.forbidden.contains(&f.kind) {
                errors.push(line);
            } else {
                warnings.push(line);
            }
        }
        let groups = [(Severity::Error, errors), (Severity::Warning, warnings)]
            .into_iter()
            .filter(|(_, m)| !m.is_empty())
            .map(|(severity, messages)| Group { severity, messages })
            .collect();
        Summary { groups }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.groups
            .iter()
            .filter(|g| g.severity == severity)
            .map(|g| g.messages.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::lint::{Flag, FlagKind};

    #[test]
    fn forbidden_flags_are_errors_and_the_rest_warnings() {
        let report = Report {
            flags: vec![
                Flag {
                    question: "q1".into(),
                    kind: FlagKind::ShortRationale,
                    detail: "b".into(),
                },
                Flag {
                    question: "q2".into(),
                    kind: FlagKind::KeyUniquelyLongest,
                    detail: String::new(),
                },
            ],
            ..Report::default()
        };
        let s = Summary::new(&report, &Thresholds::exam_grade());
        // The forbidden flag breaks a threshold ("1 flag(s): …") and is listed itself.
        assert_eq!(s.count(Severity::Error), 2);
        assert_eq!(s.count(Severity::Warning), 1);
        assert_eq!(s.groups[0].severity, Severity::Error);
        assert!(
            s.groups[0]
                .messages
                .iter()
                .any(|m| m.starts_with("q1: rationale under 60"))
        );
        assert!(s.groups[1].messages[0].starts_with("q2: key uniquely longest"));
    }
}
