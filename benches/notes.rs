//! Draft generation speed on the learner's notes (`../shared/notes`, or the
//! folder in NOTES_DIR): reads the files once, then generates drafts from all
//! of them together several times and prints the timings and the quality
//! figures. Run: `cargo bench --bench notes`. Goal: the three files in under 2 s.

use std::path::PathBuf;
use std::time::Instant;

use examdrill::notes::draft::{NoteInput, Options, generate};

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("notes benchmark: skipped (run it with `cargo bench --bench notes`)");
        return;
    }
    let dir = std::env::var("NOTES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/notes"));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("notes benchmark: skipped ({} is not present)", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let inputs: Vec<NoteInput> = files
        .iter()
        .filter_map(|p| {
            Some(NoteInput {
                name: p.file_name()?.to_string_lossy().into_owned(),
                bytes: std::fs::read(p).ok()?,
            })
        })
        .collect();
    let bytes: usize = inputs.iter().map(|i| i.bytes.len()).sum();
    let blueprints = examdrill::bank::load_paths(
        &[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("question_bank/blueprints")],
        None,
    )
    .bank
    .blueprints;
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let t = Instant::now();
        let g = generate(&inputs, &Options::default(), &blueprints);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(g);
    }
    times.sort_by(f64::total_cmp);
    let Some(g) = last else { return };
    scale(&inputs, &blueprints);
    let r = &g.report;
    println!(
        "notes benchmark: {} file(s), {:.1} KB → {} drafts, {}/{} sections ({:.1} %)",
        inputs.len(),
        bytes as f64 / 1024.0,
        r.drafts,
        r.sections_with_draft,
        r.sections,
        r.coverage() * 100.0
    );
    println!(
        "generation time over 5 runs: min {:.0} ms, median {:.0} ms, max {:.0} ms (goal: < 2000 ms)",
        times[0], times[2], times[4]
    );
}

/// The linear-time goal: the notes repeated up to `NOTES_MB` megabytes
/// (default 8), in files of at most 4 MB, generated once; prints the time
/// and the process's peak memory.
fn scale(inputs: &[NoteInput], blueprints: &[examdrill::bank::model::Blueprint]) {
    let target: usize = std::env::var("NOTES_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(8) * 1024 * 1024;
    if inputs.is_empty() {
        return;
    }
    let mut files: Vec<NoteInput> = Vec::new();
    let mut total = 0;
    let mut cur: Vec<u8> = Vec::new();
    'fill: loop {
        for i in inputs {
            if total >= target {
                break 'fill;
            }
            if cur.len() + i.bytes.len() > 4 * 1024 * 1024 {
                files.push(NoteInput {
                    name: format!("big-{}.txt", files.len()),
                    bytes: std::mem::take(&mut cur),
                });
            }
            cur.extend_from_slice(&i.bytes);
            cur.push(b'\n');
            total += i.bytes.len() + 1;
        }
    }
    files.push(NoteInput {
        name: format!("big-{}.txt", files.len()),
        bytes: cur,
    });
    let t = Instant::now();
    let g = generate(&files, &Options::default(), blueprints);
    let secs = t.elapsed().as_secs_f64();
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM")).map(|l| l.trim().to_owned()))
        .unwrap_or_default();
    println!(
        "scale: {:.1} MB in {} file(s) → {} drafts in {secs:.2} s (goal: 8 MB < 5 s); peak memory {peak}",
        total as f64 / 1024.0 / 1024.0,
        files.len(),
        g.report.drafts
    );
}
