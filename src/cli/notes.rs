//! `examdrill notes …`: draft questions from study notes, and the report
//! that judges a generation run.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;

#[derive(Subcommand)]
pub(super) enum NotesCommand {
    /// Write draft questions (native bank format, status = draft) made from note files.
    Generate {
        /// Note files (.md is read as Markdown, anything else as plain text) or folders of them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The draft file to write.
        #[arg(long)]
        out: PathBuf,
        /// Same notes and seed, same drafts.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Exam (a blueprint code) for sections that no blueprint's note rules
        /// claim; default: the blueprint that claims untagged notes.
        #[arg(long)]
        exam: Option<String>,
        /// Topic slug for the drafts (default: from the first file name).
        #[arg(long)]
        topic: Option<String>,
        /// Blueprint folder the drafts are validated against.
        #[arg(long, default_value = "question_bank/blueprints")]
        blueprints: PathBuf,
    },
    /// Report generation quality: drafts, rejections per rule, section coverage, time, and sample drafts.
    Report {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// As for `generate`.
        #[arg(long)]
        exam: Option<String>,
        /// How many drafts, drawn at random, to print verbatim.
        #[arg(long, default_value_t = 20)]
        samples: usize,
        #[arg(long, default_value = "question_bank/blueprints")]
        blueprints: PathBuf,
    },
    /// Print every draft for grading: fingerprint, kind, stem, options with the key marked, features.
    Drafts {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: DraftsFormat,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Only this many drafts, drawn at random with the seed (all when absent).
        #[arg(long)]
        sample: Option<usize>,
        #[arg(long, default_value = "question_bank/blueprints")]
        blueprints: PathBuf,
    },
    /// Measure the quality score against graded drafts: ROC AUC of JUNK vs
    /// the rest and the lowest score with ≥ 90 % USABLE-or-EDIT precision.
    ScoreEval {
        /// Label files: `notes file<TAB>fingerprint<TAB>USABLE|EDIT|JUNK` per line,
        /// the notes path relative to the label file; `#` starts a comment.
        #[arg(required = true)]
        labels: Vec<PathBuf>,
        #[arg(long, default_value = "question_bank/blueprints")]
        blueprints: PathBuf,
    },
}

/// How `notes drafts` prints.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(super) enum DraftsFormat {
    /// For reading and grading: fingerprint, kind, stem, options with the key marked, flags, features.
    Text,
    /// One JSON object per line.
    Json,
}

/// Reads note files, expanding folders (sorted, so output is stable).
fn read_notes(paths: &[PathBuf]) -> anyhow::Result<Vec<crate::notes::draft::NoteInput>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading {}", p.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|e| e.is_file())
                .collect();
            entries.sort();
            files.extend(entries);
        } else {
            files.push(p.clone());
        }
    }
    files
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(&f).with_context(|| format!("reading {}", f.display()))?;
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(crate::notes::draft::NoteInput { name, bytes })
        })
        .collect()
}

fn blueprints_from(dir: &std::path::Path) -> Vec<crate::bank::model::Blueprint> {
    crate::bank::load_paths(&[dir.to_path_buf()], None).bank.blueprints
}

/// Exam codes come from the blueprints, so a code is checked against them.
pub(super) fn known_exam(blueprints: &[crate::bank::model::Blueprint], code: Option<&str>) -> anyhow::Result<()> {
    match code {
        Some(c) if !blueprints.iter().any(|b| b.code == c) => {
            let known: Vec<&str> = blueprints.iter().map(|b| b.code.as_str()).collect();
            bail!("unknown exam `{c}`; the blueprints define: {}", known.join(", "))
        }
        _ => Ok(()),
    }
}

fn print_report(g: &crate::notes::draft::Generation, elapsed: std::time::Duration) {
    let r = &g.report;
    out!("drafts produced: {}", r.drafts);
    for (kind, n) in &r.by_kind {
        out!("  {kind}: {n}");
    }
    out!("drafts rejected by rule:");
    for rule in crate::notes::store::RULES {
        out!("  {}: {}", rule.as_str(), r.rejected.get(&rule).copied().unwrap_or(0));
    }
    out!(
        "sections with at least one draft: {} of {} ({:.1} %)",
        r.sections_with_draft,
        r.sections,
        r.coverage() * 100.0
    );
    out!(
        "facts found: {}",
        r.facts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for w in &g.warnings {
        out!("warning: {w}");
    }
    for e in &g.errors {
        out!("error: {e}");
    }
    out!("generation time: {:.0} ms", elapsed.as_secs_f64() * 1000.0);
}

/// Reads the notes and the blueprints, checks the exam, and times one generation.
fn run_generator(
    paths: &[PathBuf],
    blueprints: &std::path::Path,
    opts: &crate::notes::draft::Options,
) -> anyhow::Result<(crate::notes::draft::Generation, std::time::Duration)> {
    let inputs = read_notes(paths)?;
    let blueprints = blueprints_from(blueprints);
    known_exam(&blueprints, opts.default_exam.as_deref())?;
    let t = std::time::Instant::now();
    let g = crate::notes::draft::generate(&inputs, opts, &blueprints);
    Ok((g, t.elapsed()))
}

pub(super) fn notes_command(cmd: NotesCommand) -> anyhow::Result<()> {
    use crate::notes::draft::Options;
    match cmd {
        NotesCommand::Drafts {
            paths,
            format,
            seed,
            sample,
            blueprints,
        } => print_drafts(&paths, format, seed, sample, &blueprints),
        NotesCommand::ScoreEval { labels, blueprints } => score_eval(&labels, &blueprints),
        NotesCommand::Generate {
            paths,
            out,
            seed,
            exam,
            topic,
            blueprints,
        } => {
            let opts = Options {
                seed,
                default_exam: exam,
                topic,
            };
            let (g, elapsed) = run_generator(&paths, &blueprints, &opts)?;
            if g.drafts.is_empty() {
                print_report(&g, elapsed);
                bail!("no drafts could be made from these notes; nothing was written");
            }
            let files = crate::bank::export::to_native_files(&g.bank())?;
            let text: String = files.into_values().collect();
            std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
            print_report(&g, elapsed);
            out!("wrote {} draft(s) to {}", g.drafts.len(), out.display());
            Ok(())
        }
        NotesCommand::Report {
            paths,
            seed,
            exam,
            samples,
            blueprints,
        } => {
            use rand::SeedableRng;
            use rand::seq::SliceRandom;
            let opts = Options {
                seed,
                default_exam: exam,
                topic: None,
            };
            let (g, elapsed) = run_generator(&paths, &blueprints, &opts)?;
            print_report(&g, elapsed);
            let mut picks: Vec<&crate::notes::draft::Draft> = g.drafts.iter().collect();
            picks.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
            let sample = crate::bank::model::Bank {
                blueprints: vec![],
                topics: vec![g.topic.clone()],
                questions: picks.into_iter().take(samples).map(|d| d.question.clone()).collect(),
            };
            out!(
                "\n# {} draft(s) drawn at random (seed {seed}), verbatim:\n",
                sample.questions.len()
            );
            for text in crate::bank::export::to_native_files(&sample)?.into_values() {
                out!("{text}");
            }
            Ok(())
        }
    }
}

fn print_drafts(
    paths: &[PathBuf],
    format: DraftsFormat,
    seed: u64,
    sample: Option<usize>,
    blueprints: &std::path::Path,
) -> anyhow::Result<()> {
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    let opts = crate::notes::draft::Options {
        seed,
        ..Default::default()
    };
    let (g, _) = run_generator(paths, blueprints, &opts)?;
    let mut picks: Vec<&crate::notes::draft::Draft> = g.drafts.iter().collect();
    if let Some(n) = sample {
        picks.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        picks.truncate(n);
    }
    for d in picks {
        let q = &d.question;
        let lines = q.generated.as_ref().map_or([0, 0], |x| x.lines);
        match format {
            DraftsFormat::Text => {
                out!(
                    "== {} {} kind={} score={} {}:{}-{}",
                    d.fingerprint,
                    q.id,
                    d.kind.as_str(),
                    q.generated.as_ref().map_or(0, |x| x.quality),
                    d.file,
                    lines[0],
                    lines[1]
                );
                out!("{}", q.stem);
                for o in &q.options {
                    let mark = if q.answer.contains(&o.key) { "*" } else { " " };
                    out!("  {mark} {}) {}", o.key, o.text);
                }
                for f in &d.flags {
                    out!("flag: {f}");
                }
                out!("features: {}\n", d.features.describe());
            }
            DraftsFormat::Json => {
                let v = serde_json::json!({
                    "fingerprint": d.fingerprint,
                    "id": q.id,
                    "kind": d.kind.as_str(),
                    "score": q.generated.as_ref().map_or(0, |x| x.quality),
                    "file": d.file,
                    "lines": lines,
                    "stem": q.stem,
                    "options": q.options.iter().map(|o| serde_json::json!({
                        "key": o.key.to_string(), "text": o.text, "correct": q.answer.contains(&o.key)
                    })).collect::<Vec<_>>(),
                    "flags": d.flags,
                    "features": d.features.describe(),
                });
                out!("{v}");
            }
        }
    }
    Ok(())
}

/// Scores every labelled draft (each notes file generated on its own, seed
/// 1) and prints the separation and the approval threshold it supports.
fn score_eval(labels: &[PathBuf], blueprints: &std::path::Path) -> anyhow::Result<()> {
    use crate::notes::draft::score::{Label, approval_threshold, evaluate};
    use std::collections::HashMap;
    let mut wanted: Vec<(PathBuf, String, Label)> = Vec::new();
    for file in labels {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let base = file.parent().unwrap_or(std::path::Path::new("."));
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let (Some(notes), Some(fp), Some(label)) =
                (cols.first(), cols.get(1), cols.get(2).and_then(|l| Label::parse(l)))
            else {
                bail!(
                    "{}:{}: expected `notes file<TAB>fingerprint<TAB>USABLE|EDIT|JUNK`",
                    file.display(),
                    i + 1
                );
            };
            wanted.push((base.join(notes), fp.trim().to_owned(), label));
        }
    }
    let mut scores: HashMap<(PathBuf, String), u8> = HashMap::new();
    let mut files: Vec<PathBuf> = wanted.iter().map(|w| w.0.clone()).collect();
    files.sort();
    files.dedup();
    for f in &files {
        let (g, _) = run_generator(std::slice::from_ref(f), blueprints, &Default::default())?;
        for d in &g.drafts {
            let q = d.question.generated.as_ref().map_or(0, |x| x.quality);
            scores.insert((f.clone(), d.fingerprint.clone()), q);
        }
    }
    let mut scored = Vec::new();
    let mut missing = 0;
    for (f, fp, label) in &wanted {
        match scores.get(&(f.clone(), fp.clone())) {
            Some(&s) => scored.push((s, *label)),
            None => missing += 1,
        }
    }
    let count = |l: Label| scored.iter().filter(|x| x.1 == l).count();
    out!(
        "labelled drafts: {} found ({} USABLE, {} EDIT, {} JUNK), {missing} no longer generated",
        scored.len(),
        count(Label::Usable),
        count(Label::Edit),
        count(Label::Junk)
    );
    let (auc, threshold) = evaluate(&scored);
    match auc {
        Some(a) => out!("ROC AUC, JUNK vs the rest: {a:.3}"),
        None => out!("ROC AUC: needs both JUNK and other labels"),
    }
    match threshold {
        Some(t) => {
            let above = scored.iter().filter(|x| x.0 >= t).count();
            out!("lowest threshold with >= 90 % USABLE-or-EDIT precision: {t} ({above} drafts at or above it)");
        }
        None => out!("no threshold reaches 90 % USABLE-or-EDIT precision"),
    }
    out!(
        "bulk approval threshold in use (score-weights.toml): {}",
        approval_threshold()
    );
    Ok(())
}
