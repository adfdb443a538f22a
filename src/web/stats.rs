//! The instructor's item statistics: the list of items worst first, its CSV,
//! and the figures shown on a question's page.

use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::AppState;
use super::context::{InstructorOnly, PageCtx};
use super::error::{AppError, urlencode};
use crate::i18n::Lang;
use crate::stats::store::{self, ItemReport, ListFilter, VersionReport};
use crate::stats::{Flag, Method, OptionShare, Reliability};

/// Rows per page of the list; the CSV has them all.
pub const PAGE_SIZE: usize = 100;

super::forms::form_enum! {
    pub enum FlagFilter {
        Negative => "negative", Weak => "weak", Easy => "easy", Hard => "hard", Distractor => "distractor",
        Reports => "reports",
    }
}

impl FlagFilter {
    fn flag(self) -> Flag {
        match self {
            FlagFilter::Negative => Flag::NegativeDiscrimination,
            FlagFilter::Weak => Flag::WeakDiscrimination,
            FlagFilter::Easy => Flag::TooEasy,
            FlagFilter::Hard => Flag::TooHard,
            FlagFilter::Distractor => Flag::NonFunctionalDistractor,
            FlagFilter::Reports => Flag::OpenReports,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct StatsQuery {
    exam: Option<String>,
    domain: Option<String>,
    topic: Option<String>,
    #[serde(default, deserialize_with = "super::forms::blank_or")]
    flag: Option<FlagFilter>,
    #[serde(default, deserialize_with = "super::forms::blank_or")]
    pool: Option<super::bank::PoolChoice>,
    page: Option<i64>,
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The filters, each checked against the catalog and the topics: a value
/// that names nothing is a 400, not an empty list.
async fn filter(state: &AppState, q: &StatsQuery) -> Result<ListFilter, AppError> {
    let catalog = state.catalog().await?;
    let exam = non_empty(&q.exam);
    let domain = non_empty(&q.domain);
    let topic = non_empty(&q.topic);
    if let Some(e) = &exam
        && catalog.exam(e).is_none()
    {
        return Err(AppError::BadRequest("stats.unknown_filter"));
    }
    if let Some(d) = &domain {
        let known = match &exam {
            Some(e) => catalog.exam(e).is_some_and(|x| x.domain(d).is_some()),
            None => catalog.exams.iter().any(|x| x.domain(d).is_some()),
        };
        if !known {
            return Err(AppError::BadRequest("stats.unknown_filter"));
        }
    }
    if let Some(t) = &topic
        && !crate::bank::store::topic_names(&state.pool)
            .await?
            .iter()
            .any(|n| &n.slug == t)
    {
        return Err(AppError::BadRequest("stats.unknown_filter"));
    }
    Ok(ListFilter {
        exam,
        domain,
        topic,
        flag: q.flag.map(FlagFilter::flag),
        pool: q.pool.map(super::bank::PoolChoice::pool),
    })
}

/// Figures as the pages print them.
pub struct ItemView {
    pub id: String,
    pub version: i32,
    pub exam: String,
    pub domain: String,
    pub topic: String,
    pub stem: String,
    pub shown: i64,
    pub facility: String,
    pub discrimination: String,
    /// The message key naming how discrimination was computed.
    pub method: &'static str,
    pub discrimination_n: String,
    pub median: String,
    pub non_functional: String,
    /// Message keys of the flags.
    pub flags: Vec<&'static str>,
    pub uncertain: bool,
    pub pilot: bool,
    /// A pilot with enough answers to judge it.
    pub ready: bool,
}

fn two(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "–".to_owned())
}

fn flag_key(f: Flag) -> &'static str {
    match f {
        Flag::NegativeDiscrimination => "stats.flag_negative",
        Flag::WeakDiscrimination => "stats.flag_weak",
        Flag::TooEasy => "stats.flag_easy",
        Flag::TooHard => "stats.flag_hard",
        Flag::NonFunctionalDistractor => "stats.flag_distractor",
        Flag::OpenReports => "stats.flag_reports",
    }
}

impl ItemView {
    pub fn new(r: &ItemReport) -> Self {
        ItemView {
            id: r.question_id.clone(),
            version: r.version,
            exam: r.exam.clone(),
            domain: r.domain.clone(),
            topic: r.topic.clone(),
            stem: r.stem.clone(),
            shown: r.shown,
            facility: two(r.facility),
            discrimination: two(r.discrimination.map(|d| d.value)),
            method: match r.discrimination.map(|d| d.method) {
                Some(Method::PointBiserial) => "stats.method_pb",
                Some(Method::UpperLower) => "stats.method_ul",
                None => "stats.method_none",
            },
            discrimination_n: r.discrimination.map(|d| d.n.to_string()).unwrap_or_default(),
            median: r
                .median_seconds
                .map(|s| format!("{s:.0}"))
                .unwrap_or_else(|| "–".to_owned()),
            non_functional: r.non_functional.iter().map(|c| c.to_ascii_uppercase()).collect(),
            flags: r.flags.iter().map(|f| flag_key(*f)).collect(),
            uncertain: r.uncertain(),
            pilot: r.pilot,
            ready: r.ready_to_judge(),
        }
    }
}

pub struct ReliabilityView {
    pub exam: String,
    pub attempts: i64,
    pub items: i32,
    pub mean: String,
    pub sd: String,
    pub alpha: String,
    pub sem: String,
    pub uncertain: bool,
}

impl ReliabilityView {
    fn new(r: &Reliability) -> Self {
        ReliabilityView {
            exam: r.exam.clone(),
            attempts: r.attempts,
            items: r.items,
            mean: format!("{:.1}", r.mean),
            sd: format!("{:.1}", r.sd),
            alpha: two(r.alpha),
            sem: r.sem.map(|s| format!("{s:.1}")).unwrap_or_else(|| "–".to_owned()),
            uncertain: r.attempts < crate::stats::SMALL_SAMPLE,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/stats/index.html")]
pub struct StatsPage {
    pub ctx: PageCtx,
    pub reliability: Vec<ReliabilityView>,
    pub rows: Vec<ItemView>,
    pub total: usize,
    pub page: i64,
    pub pages: i64,
    pub exam: String,
    pub domain: String,
    pub topic: String,
    pub flag: String,
    pub pool: String,
    pub exams: Vec<String>,
    pub domains: Vec<(String, String)>,
    pub topics: Vec<(String, String)>,
    /// The current filters as a query string, for the pager and the CSV link.
    pub query: String,
}

fn query_string(f: &ListFilter, flag: &str) -> String {
    let s = |o: &Option<String>| urlencode(o.as_deref().unwrap_or(""));
    format!(
        "exam={}&domain={}&topic={}&flag={flag}&pool={}",
        s(&f.exam),
        s(&f.domain),
        s(&f.topic),
        f.pool.map_or("", crate::bank::model::Pool::as_str),
    )
}

pub async fn index(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    query: web::Query<StatsQuery>,
) -> Result<StatsPage, AppError> {
    let q = query.into_inner();
    let f = filter(&state, &q).await?;
    let page = super::forms::page_number(q.page)?;
    let items = store::list(&state.pool, &f).await?;
    let total = items.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1) as i64;
    let skip = usize::try_from(page - 1).unwrap_or(0).saturating_mul(PAGE_SIZE);
    let rows = items.iter().skip(skip).take(PAGE_SIZE).map(ItemView::new).collect();
    let reliability = store::reliability(&state.pool)
        .await?
        .iter()
        .map(ReliabilityView::new)
        .collect();
    let lang = auth.ctx.lang;
    let catalog = state.catalog().await?;
    let exams = catalog.exams.iter().map(|e| e.code.clone()).collect();
    let domains = domain_menu(&catalog, lang);
    let topics = crate::bank::store::topic_names_in(&state.pool, lang).await?;
    let flag = q.flag.map(FlagFilter::as_str).unwrap_or("").to_owned();
    let query = query_string(&f, &flag);
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    Ok(StatsPage {
        ctx: auth.ctx,
        reliability,
        rows,
        total,
        page,
        pages,
        exam: s(&f.exam),
        domain: s(&f.domain),
        topic: s(&f.topic),
        flag,
        pool: f.pool.map_or("", crate::bank::model::Pool::as_str).to_owned(),
        exams,
        domains,
        topics,
        query,
    })
}

/// Every exam's domains as (code, "EXAM · name"), without repeats.
fn domain_menu(catalog: &crate::bank::catalog::ExamCatalog, lang: Lang) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for e in &catalog.exams {
        for (code, name) in e.domain_names(lang) {
            if !out.iter().any(|(c, _)| *c == code) {
                out.push((code, format!("{} · {name}", e.code.to_uppercase())));
            }
        }
    }
    out
}

/// The same list as CSV, every row, for a spreadsheet.
pub async fn csv(
    _auth: InstructorOnly,
    state: web::Data<AppState>,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, AppError> {
    let f = filter(&state, &query).await?;
    let items = store::list(&state.pool, &f).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "question_id",
        "version",
        "exam",
        "domain",
        "topic",
        "pool",
        "answers",
        "facility",
        "discrimination",
        "method",
        "discrimination_n",
        "median_seconds",
        "non_functional",
        "flags",
        "stem",
    ];
    w.write_record(header).map_err(AppError::internal)?;
    let num = |x: Option<f64>| x.map(|v| format!("{v:.4}")).unwrap_or_default();
    for r in &items {
        let flags: Vec<&str> = r.flags.iter().map(|f| f.as_str()).collect();
        w.write_record([
            r.question_id.clone(),
            r.version.to_string(),
            r.exam.clone(),
            r.domain.clone(),
            r.topic.clone(),
            if r.pilot { "pilot" } else { "full" }.to_owned(),
            r.shown.to_string(),
            num(r.facility),
            num(r.discrimination.map(|d| d.value)),
            r.discrimination.map(|d| d.method.as_str()).unwrap_or("").to_owned(),
            r.discrimination.map(|d| d.n.to_string()).unwrap_or_default(),
            r.median_seconds.map(|s| format!("{s:.0}")).unwrap_or_default(),
            r.non_functional.iter().collect(),
            flags.join(" "),
            r.stem.clone(),
        ])
        .map_err(AppError::internal)?;
    }
    let body = w.into_inner().map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", "attachment; filename=\"item-statistics.csv\""))
        .body(body))
}

/// One option row of the distractor table.
pub struct OptionView {
    pub key: String,
    pub correct: bool,
    pub share: String,
    pub upper: String,
    pub lower: String,
    pub non_functional: bool,
}

fn percent(x: Option<f64>) -> String {
    x.map(|v| format!("{:.0} %", v * 100.0))
        .unwrap_or_else(|| "–".to_owned())
}

impl OptionView {
    fn new(o: &OptionShare) -> Self {
        OptionView {
            key: o.key.map(|k| k.to_ascii_uppercase().to_string()).unwrap_or_default(),
            correct: o.correct,
            share: percent(Some(o.share)),
            upper: percent(o.upper),
            lower: percent(o.lower),
            non_functional: o.non_functional,
        }
    }
}

/// A question version's statistics within one exam, for its page.
pub struct VersionStatsView {
    pub item: ItemView,
    pub options: Vec<OptionView>,
}

/// The statistics section of a question's page.
pub async fn for_question(state: &AppState, id: &str) -> Result<Vec<VersionStatsView>, AppError> {
    Ok(store::question(&state.pool, id)
        .await?
        .iter()
        .map(|v: &VersionReport| VersionStatsView {
            item: ItemView::new(&v.item),
            options: v.options.iter().map(OptionView::new).collect(),
        })
        .collect())
}
