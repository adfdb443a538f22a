//! The count tables behind the item statistics: adding graded attempts to
//! them, and reading them back as figures.

use std::collections::HashMap;

use sqlx::PgPool;
use uuid::Uuid;

use super::{
    Cutoffs, Discrimination, Flag, Moments, OptionCell, OptionShare, Reliability, ScoreCell, ScoreCount,
    TIME_BUCKET_SECONDS,
};
use crate::db::DbError;

/// Attempts the background sweep adds per statement.
const SWEEP_BATCH: i64 = 500;
/// The last time bucket: 10 minutes and more.
const LAST_BUCKET: i32 = 600 / TIME_BUCKET_SECONDS;

/// Adds graded attempts to the count tables, each exactly once (an attempt
/// already counted, or not yet graded, is skipped). One statement, so an
/// attempt is either counted in every table or in none.
pub async fn count_attempts(pool: &PgPool, ids: &[Uuid]) -> Result<u64, DbError> {
    // Rows are upserted in key order, so two statements that share keys take
    // their row locks in the same order and cannot deadlock.
    let counted = sqlx::query_scalar!(
        r#"with todo as (
             update attempts set stats_counted = true
             where id = any($1) and submitted_at is not null and not stats_counted
             returning id, exam, mode = 'exam' as full_exam, question_count as items,
                       coalesce(raw_score, 0) as total, started_at
           ), answers as (
             select i.question_id, i.version, t.exam, t.full_exam, t.items, t.total,
                    coalesce(i.correct, false) as correct, coalesce(i.selected, '') as selected,
                    extract(epoch from i.answered_at - coalesce(
                        lag(i.answered_at) over (partition by i.attempt_id order by i.answered_at),
                        t.started_at))::float8 as secs
             from todo t join attempt_items i on i.attempt_id = t.id
           ), scores as (
             insert into item_score_counts as c (question_id, version, exam, full_exam, items, total, shown, correct)
             select question_id, version, exam, full_exam, items, total, count(*), count(*) filter (where correct)
             from answers group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6
             on conflict (question_id, version, exam, full_exam, items, total)
             do update set shown = c.shown + excluded.shown, correct = c.correct + excluded.correct
           ), options as (
             insert into item_option_counts as c (question_id, version, exam, full_exam, items, total, option, chosen)
             select question_id, version, exam, full_exam, items, total, o, count(*)
             from answers, unnest(case when selected = '' then array[''] else string_to_array(selected, null) end) o
             group by 1, 2, 3, 4, 5, 6, 7 order by 1, 2, 3, 4, 5, 6, 7
             on conflict (question_id, version, exam, full_exam, items, total, option)
             do update set chosen = c.chosen + excluded.chosen
           ), times as (
             insert into item_time_counts as c (question_id, version, bucket, n)
             select question_id, version, least(greatest(floor(secs / $2), 0), $3)::smallint, count(*)
             from answers where secs is not null
             group by 1, 2, 3 order by 1, 2, 3
             on conflict (question_id, version, bucket) do update set n = c.n + excluded.n
           ), exams as (
             insert into exam_score_counts as c (exam, full_exam, items, total, n)
             select exam, full_exam, items, total, count(*) from todo
             group by 1, 2, 3, 4 order by 1, 2, 3, 4
             on conflict (exam, full_exam, items, total) do update set n = c.n + excluded.n
           )
           select count(*) as "n!" from todo"#,
        ids,
        f64::from(TIME_BUCKET_SECONDS),
        f64::from(LAST_BUCKET),
    )
    .fetch_one(pool)
    .await?;
    Ok(counted as u64)
}

/// Counts every graded attempt not counted yet (attempts graded before the
/// statistics existed, or whose count after grading failed).
pub async fn catch_up(pool: &PgPool) -> Result<u64, DbError> {
    let mut done = 0;
    loop {
        let ids = sqlx::query_scalar!(
            "select id from attempts where submitted_at is not null and not stats_counted
             order by submitted_at limit $1",
            SWEEP_BATCH
        )
        .fetch_all(pool)
        .await?;
        if ids.is_empty() {
            return Ok(done);
        }
        let n = ids.len();
        done += count_attempts(pool, &ids).await?;
        if (n as i64) < SWEEP_BATCH {
            return Ok(done);
        }
    }
}

/// Graded attempts per exam and score; `full` keeps full exams only.
async fn exam_scores(pool: &PgPool, full: bool) -> Result<HashMap<String, Vec<ScoreCount>>, DbError> {
    let rows = sqlx::query!(
        "select exam, items, total, sum(n)::int8 as \"n!\" from exam_score_counts
         where full_exam or not $1 group by exam, items, total",
        full
    )
    .fetch_all(pool)
    .await?;
    let mut out: HashMap<String, Vec<ScoreCount>> = HashMap::new();
    for r in rows {
        out.entry(r.exam).or_default().push(ScoreCount {
            items: r.items,
            total: r.total,
            n: r.n,
        });
    }
    Ok(out)
}

/// Each exam's 27 % cut-offs over all its graded attempts.
async fn exam_cutoffs(pool: &PgPool) -> Result<HashMap<String, Cutoffs>, DbError> {
    Ok(exam_scores(pool, false)
        .await?
        .into_iter()
        .filter_map(|(exam, scores)| super::cutoffs(&scores).map(|c| (exam, c)))
        .collect())
}

/// Which items the list shows. Exam, domain and topic were checked against
/// the catalog at the edge.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub exam: Option<String>,
    pub domain: Option<String>,
    pub topic: Option<String>,
    pub flag: Option<Flag>,
    /// Only pilots, or only the full-exam pool.
    pub pool: Option<crate::bank::model::Pool>,
}

/// One question version's figures within one exam.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemReport {
    pub question_id: String,
    pub version: i32,
    pub exam: String,
    pub domain: String,
    pub topic: String,
    pub stem: String,
    /// Graded attempts that showed the item (full exams and practice).
    pub shown: i64,
    pub facility: Option<f64>,
    pub discrimination: Option<Discrimination>,
    pub non_functional: Vec<char>,
    pub median_seconds: Option<f64>,
    /// Problem reports on this version still waiting for an instructor.
    pub open_reports: i64,
    pub flags: Vec<Flag>,
    /// A pilot: served in practice and drills only, until promoted.
    pub pilot: bool,
}

impl ItemReport {
    /// Under 30 answers: the figures are shown with an uncertainty note.
    pub fn uncertain(&self) -> bool {
        self.shown < super::SMALL_SAMPLE
    }

    /// A pilot with enough answers (30) for its figures to be judged.
    pub fn ready_to_judge(&self) -> bool {
        self.pilot && !self.uncertain()
    }

    /// Larger is worse.
    pub fn severity(&self) -> u32 {
        self.flags.iter().map(|f| f.weight()).sum()
    }
}

/// Items with graded answers, worst first: by the weight of their flags, then
/// by discrimination (lowest first). Live questions' current versions only.
pub async fn list(pool: &PgPool, f: &ListFilter) -> Result<Vec<ItemReport>, DbError> {
    // Grading leaves the counting to the sweep; read nothing older than the last grade.
    catch_up(pool).await?;
    let (cut_exams, cut_lower, cut_upper) = cutoff_arrays(&exam_cutoffs(pool).await?);
    // From its sixth run on a connection PostgreSQL may switch a prepared
    // statement to a generic plan, and for this one (optional filters, the
    // cut-offs as arrays) that plan took seconds instead of milliseconds.
    let mut tx = pool.begin().await?;
    sqlx::query!("set local plan_cache_mode = force_custom_plan")
        .execute(&mut *tx)
        .await?;
    let rows = sqlx::query!(
        r#"with items as (
             select c.question_id, c.version, c.exam, q.topic, e.domain, q.option_keys, q.pool,
                    sum(c.shown)::float8 as shown, sum(c.correct)::float8 as correct,
                    sum(c.shown) filter (where c.full_exam)::float8 as full_n,
                    sum(c.correct) filter (where c.full_exam)::float8 as full_sx,
                    sum(c.shown * c.total) filter (where c.full_exam)::float8 as full_st,
                    sum(c.shown * c.total * c.total) filter (where c.full_exam)::float8 as full_st2,
                    sum(c.correct * c.total) filter (where c.full_exam)::float8 as full_sxt,
                    sum(c.shown) filter (where c.total::float8 / c.items >= k.upper)::float8 as upper_n,
                    sum(c.correct) filter (where c.total::float8 / c.items >= k.upper)::float8 as upper_c,
                    sum(c.shown) filter (where c.total::float8 / c.items <= k.lower)::float8 as lower_n,
                    sum(c.correct) filter (where c.total::float8 / c.items <= k.lower)::float8 as lower_c
             from item_score_counts c
             join questions q on q.id = c.question_id and q.current_version = c.version and q.retired_at is null
             join question_exams e on e.question_id = c.question_id and e.exam = c.exam
             left join unnest($1::text[], $2::float8[], $3::float8[]) as k(exam, lower, upper) on k.exam = c.exam
             where ($4::text is null or c.exam = $4) and ($5::text is null or e.domain = $5)
               and ($6::text is null or q.topic = $6) and ($7::text is null or q.pool = $7)
             group by c.question_id, c.version, c.exam, q.topic, e.domain, q.option_keys, q.pool
           ), chosen as (
             select o.question_id, o.version, o.exam, string_agg(o.option || ':' || o.n, ',') as counts
             from (select question_id, version, exam, option, sum(chosen) as n from item_option_counts
                   where ($4::text is null or exam = $4) group by 1, 2, 3, 4) o
             group by 1, 2, 3
           ), times as (
             select question_id, version, min(bucket) as median_bucket
             from (select question_id, version, bucket, sum(n) over w as seen, sum(n) over (partition by question_id, version) as n
                   from item_time_counts window w as (partition by question_id, version order by bucket)) t
             where seen >= (n + 1) / 2 group by 1, 2
           )
           select i.question_id as "question_id!", i.version as "version!", i.exam as "exam!",
                  i.topic as "topic!", i.domain as "domain!", i.option_keys as "option_keys!",
                  i.pool = 'pilot' as "pilot!",
                  left(v.content->>'stem', 160) as "stem!",
                  (select string_agg(a, '') from jsonb_array_elements_text(v.content->'answer') a) as "answer!",
                  i.shown as "shown!", i.correct as "correct!",
                  coalesce(i.full_n, 0) as "full_n!", coalesce(i.full_sx, 0) as "full_sx!",
                  coalesce(i.full_st, 0) as "full_st!", coalesce(i.full_st2, 0) as "full_st2!",
                  coalesce(i.full_sxt, 0) as "full_sxt!",
                  coalesce(i.upper_n, 0) as "upper_n!", coalesce(i.upper_c, 0) as "upper_c!",
                  coalesce(i.lower_n, 0) as "lower_n!", coalesce(i.lower_c, 0) as "lower_c!",
                  coalesce(ch.counts, '') as "counts!", t.median_bucket,
                  (select count(*) from problem_reports p where p.question_id = i.question_id and p.version = i.version
                     and p.status = 'open') as "open_reports!"
           from items i
           join question_versions v on v.question_id = i.question_id and v.version = i.version
           left join chosen ch on ch.question_id = i.question_id and ch.version = i.version and ch.exam = i.exam
           left join times t on t.question_id = i.question_id and t.version = i.version"#,
        &cut_exams,
        &cut_lower,
        &cut_upper,
        f.exam.as_deref(),
        f.domain.as_deref(),
        f.topic.as_deref(),
        f.pool.map(crate::bank::model::Pool::as_str),
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut out: Vec<ItemReport> = rows
        .into_iter()
        .map(|r| {
            let full = Moments {
                n: r.full_n,
                sx: r.full_sx,
                st: r.full_st,
                st2: r.full_st2,
                sxt: r.full_sxt,
            };
            let groups = super::Groups {
                upper_n: r.upper_n,
                upper_correct: r.upper_c,
                lower_n: r.lower_n,
                lower_correct: r.lower_c,
            };
            let keys: Vec<char> = r.option_keys.chars().collect();
            let answer: Vec<char> = r.answer.chars().collect();
            let chosen = parse_counts(&r.counts);
            let non_functional = super::non_functional(&keys, &answer, r.shown, &chosen);
            let facility = (r.shown > 0.0).then(|| r.correct / r.shown);
            let discrimination = super::discrimination_from(&full, &groups);
            report(
                Row {
                    question_id: r.question_id,
                    version: r.version,
                    exam: r.exam,
                    domain: r.domain,
                    topic: r.topic,
                    stem: r.stem,
                    shown: r.shown as i64,
                    pilot: r.pilot,
                },
                facility,
                discrimination,
                non_functional,
                r.median_bucket.map(bucket_seconds),
                r.open_reports,
            )
        })
        .filter(|r| f.flag.is_none_or(|flag| r.flags.contains(&flag)))
        .collect();
    sort_worst_first(&mut out);
    Ok(out)
}

/// By the weight of their flags, then by discrimination (lowest first).
fn sort_worst_first(items: &mut [ItemReport]) {
    items.sort_by(|a, b| {
        b.severity()
            .cmp(&a.severity())
            .then_with(|| {
                let d = |r: &ItemReport| r.discrimination.map_or(f64::INFINITY, |d| d.value);
                d(a).total_cmp(&d(b))
            })
            .then_with(|| b.shown.cmp(&a.shown))
            .then_with(|| a.question_id.cmp(&b.question_id))
    });
}

/// Each exam's cut-offs as three parallel arrays, for `unnest` in SQL.
fn cutoff_arrays(cut: &HashMap<String, Cutoffs>) -> (Vec<String>, Vec<f64>, Vec<f64>) {
    let mut v: (Vec<String>, Vec<f64>, Vec<f64>) = Default::default();
    for (exam, c) in cut {
        v.0.push(exam.clone());
        v.1.push(c.lower);
        v.2.push(c.upper);
    }
    v
}

struct Row {
    question_id: String,
    version: i32,
    exam: String,
    domain: String,
    topic: String,
    stem: String,
    shown: i64,
    pilot: bool,
}

fn report(
    row: Row,
    facility: Option<f64>,
    discrimination: Option<Discrimination>,
    non_functional: Vec<char>,
    median_seconds: Option<f64>,
    open_reports: i64,
) -> ItemReport {
    let flags = super::flags(
        facility,
        discrimination.map(|d| d.value),
        non_functional.len(),
        open_reports,
    );
    ItemReport {
        question_id: row.question_id,
        version: row.version,
        exam: row.exam,
        domain: row.domain,
        topic: row.topic,
        stem: row.stem,
        shown: row.shown,
        facility,
        discrimination,
        non_functional,
        median_seconds,
        open_reports,
        flags,
        pilot: row.pilot,
    }
}

fn bucket_seconds(bucket: i16) -> f64 {
    (f64::from(bucket) + 0.5) * f64::from(TIME_BUCKET_SECONDS)
}

/// Reads "a:12,b:3,:1" (option:count, '' for no answer).
fn parse_counts(s: &str) -> Vec<(Option<char>, f64)> {
    s.split(',')
        .filter_map(|part| {
            let (key, n) = part.rsplit_once(':')?;
            Some((key.chars().next(), n.parse::<f64>().ok()?))
        })
        .collect()
}

/// One version's figures within one exam, with the distractor analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionReport {
    pub item: ItemReport,
    pub options: Vec<OptionShare>,
}

/// Every version of a question that has graded answers, newest first, per exam.
pub async fn question(pool: &PgPool, id: &str) -> Result<Vec<VersionReport>, DbError> {
    // Grading leaves the counting to the sweep; read nothing older than the last grade.
    catch_up(pool).await?;
    let cut = exam_cutoffs(pool).await?;
    let heads = sqlx::query!(
        r#"select distinct c.version, c.exam, coalesce(e.domain, '') as "domain!", q.topic, q.pool = 'pilot' as "pilot!",
                  left(v.content->>'stem', 160) as "stem!",
                  (select string_agg(o->>'key', '' order by n) from jsonb_array_elements(v.content->'options')
                     with ordinality as x(o, n)) as "keys!",
                  (select string_agg(a, '') from jsonb_array_elements_text(v.content->'answer') a) as "answer!"
           from item_score_counts c
           join questions q on q.id = c.question_id
           join question_versions v on v.question_id = c.question_id and v.version = c.version
           left join question_exams e on e.question_id = c.question_id and e.exam = c.exam
           where c.question_id = $1
           order by c.version desc, c.exam"#,
        id
    )
    .fetch_all(pool)
    .await?;
    let cells = sqlx::query!(
        "select version, exam, full_exam, items, total, shown, correct from item_score_counts where question_id = $1",
        id
    )
    .fetch_all(pool)
    .await?;
    let options = sqlx::query!(
        "select version, exam, items, total, option, sum(chosen)::int8 as \"chosen!\" from item_option_counts
         where question_id = $1 group by version, exam, items, total, option",
        id
    )
    .fetch_all(pool)
    .await?;
    let times = sqlx::query!(
        "select version, bucket, n from item_time_counts where question_id = $1",
        id
    )
    .fetch_all(pool)
    .await?;
    let open = sqlx::query!(
        r#"select version, count(*) as "n!" from problem_reports where question_id = $1 and status = 'open' group by version"#,
        id
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for h in heads {
        let pick = |full_only: bool| -> Vec<ScoreCell> {
            cells
                .iter()
                .filter(|c| c.version == h.version && c.exam == h.exam && (c.full_exam || !full_only))
                .map(|c| ScoreCell {
                    items: c.items,
                    total: c.total,
                    shown: c.shown,
                    correct: c.correct,
                })
                .collect()
        };
        let (full, all) = (pick(true), pick(false));
        let chosen: Vec<OptionCell> = options
            .iter()
            .filter(|o| o.version == h.version && o.exam == h.exam)
            .map(|o| OptionCell {
                items: o.items,
                total: o.total,
                option: o.option.clone(),
                chosen: o.chosen,
            })
            .collect();
        let hist: Vec<(i16, i64)> = times
            .iter()
            .filter(|t| t.version == h.version)
            .map(|t| (t.bucket, t.n))
            .collect();
        let cut = cut.get(&h.exam);
        let keys: Vec<char> = h.keys.chars().collect();
        let answer: Vec<char> = h.answer.chars().collect();
        let shares = super::distractors(&keys, &answer, &all, &chosen, cut);
        let m = Moments::from_cells(&all);
        let non_functional = shares
            .iter()
            .filter(|s| s.non_functional)
            .filter_map(|s| s.key)
            .collect();
        let item = report(
            Row {
                question_id: id.to_owned(),
                version: h.version,
                exam: h.exam,
                domain: h.domain,
                topic: h.topic,
                stem: h.stem,
                shown: m.n as i64,
                pilot: h.pilot,
            },
            super::facility(&m),
            super::discrimination(&full, &all, cut),
            non_functional,
            super::median_seconds(&hist),
            open.iter().find(|o| o.version == h.version).map_or(0, |o| o.n),
        );
        out.push(VersionReport { item, options: shares });
    }
    Ok(out)
}

/// KR-20 and SEM per exam over its full-exam attempts (of the exam's most
/// common length, should the blueprint have changed).
pub async fn reliability(pool: &PgPool) -> Result<Vec<Reliability>, DbError> {
    let scores = exam_scores(pool, true).await?;
    let facilities = sqlx::query!(
        r#"select exam as "exam!", items as "items!", sum(correct)::float8 / sum(shown) as "p!", sum(shown)::int8 as "n!"
           from item_score_counts where full_exam group by exam, items, question_id, version"#
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for (exam, scores) in scores {
        let mut by_len: HashMap<i32, i64> = HashMap::new();
        for s in &scores {
            *by_len.entry(s.items).or_default() += s.n;
        }
        let Some((&items, _)) = by_len.iter().max_by_key(|(len, n)| (**n, **len)) else {
            continue;
        };
        let same: Vec<ScoreCount> = scores.into_iter().filter(|s| s.items == items).collect();
        let f: Vec<(f64, i64)> = facilities
            .iter()
            .filter(|r| r.exam == exam && r.items == items)
            .map(|r| (r.p, r.n))
            .collect();
        out.extend(super::reliability(&exam, items, &same, &f));
    }
    out.sort_by(|a, b| a.exam.cmp(&b.exam));
    Ok(out)
}
