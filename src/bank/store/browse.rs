//! Reading the bank back: versions, exports, the instructor's browser and
//! topic pages.

use sqlx::{PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;

use super::known;
use crate::bank::model::{Bank, Question};
use crate::db::DbError;

/// One stored version of a question.
#[derive(Debug, Clone)]
pub struct Version {
    pub version: i32,
    pub question: Question,
    pub created_at: OffsetDateTime,
    pub created_by: Option<String>,
}

pub async fn versions(pool: &PgPool, id: &str) -> Result<Vec<Version>, DbError> {
    let rows = sqlx::query!(
        r#"select v.version, v.content, v.created_at, u.display_name as "created_by?"
           from question_versions v left join users u on u.id = v.created_by
           where v.question_id = $1 order by v.version desc"#,
        id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            let version = r.version;
            let question: Question = serde_json::from_value(r.content)
                .map_err(|e| DbError::Corrupt(format!("question {id} v{version}: {e}")))?;
            Ok(Version {
                version,
                question,
                created_at: r.created_at,
                created_by: r.created_by,
            })
        })
        .collect()
}

/// Everything currently live (not retired) in the given topics, or in all topics, for export.
pub async fn export(pool: &PgPool, topics: &[String]) -> Result<Bank, DbError> {
    let (blueprints, all_topics) = known(pool).await?;
    let contents = sqlx::query_scalar!(
        "select v.content from questions q
         join question_versions v on v.question_id = q.id and v.version = q.current_version
         where q.retired_at is null and (cardinality($1::text[]) = 0 or q.topic = any($1))
         order by q.topic, q.id",
        topics,
    )
    .fetch_all(pool)
    .await?;
    let questions = contents
        .into_iter()
        .map(|c| serde_json::from_value(c).map_err(|e| DbError::Corrupt(format!("stored question: {e}"))))
        .collect::<Result<Vec<Question>, _>>()?;
    let topics = all_topics
        .into_iter()
        .filter(|t| topics.is_empty() || topics.contains(&t.slug))
        .collect();
    Ok(Bank {
        blueprints,
        topics,
        questions,
    })
}

/// Which questions the bank browser shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lifecycle {
    #[default]
    Live,
    Retired,
    All,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub exam: Option<String>,
    pub domain: Option<String>,
    pub topic: Option<String>,
    pub kind: Option<String>,
    pub text: Option<String>,
    pub lifecycle: Lifecycle,
    /// Only pilots, or only the full-exam pool.
    pub pool: Option<crate::bank::model::Pool>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub id: String,
    pub topic: String,
    pub current_version: i32,
    pub kind: String,
    pub difficulty: String,
    pub retired: bool,
    pub pilot: bool,
    pub exams: Option<String>,
    pub stem: Option<String>,
}

fn like_pattern(s: &str) -> String {
    let escaped = s
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// One page of questions matching `f`, and how many match in all.
pub async fn search(pool: &PgPool, f: &Filter, limit: i64, offset: i64) -> Result<(Vec<Row>, i64), DbError> {
    // Both statements take their conditions from `push_filter`, so the count
    // always counts what the page lists; only the conditions set are written.
    let mut page = QueryBuilder::new(
        "select q.id, q.topic, q.current_version, q.kind, q.difficulty, q.retired_at is not null as retired,
                q.pool = 'pilot' as pilot,
                (select string_agg(e.exam || '/' || e.domain, ', ' order by e.exam)
                   from question_exams e where e.question_id = q.id) as exams,
                left(v.content->>'stem', 160) as stem
         from questions q
         join question_versions v on v.question_id = q.id and v.version = q.current_version",
    );
    push_filter(&mut page, f);
    page.push(" order by q.topic, q.id limit ")
        .push_bind(limit)
        .push(" offset ")
        .push_bind(offset);
    let rows = page.build_query_as::<Row>().fetch_all(pool).await?;
    let mut count = QueryBuilder::new("select count(*) from questions q");
    push_filter(&mut count, f);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
    Ok((rows, total))
}

fn push_filter(qb: &mut QueryBuilder<'_, Postgres>, f: &Filter) {
    qb.push(" where true");
    if let Some(exam) = &f.exam {
        qb.push(" and exists (select 1 from question_exams e where e.question_id = q.id and e.exam = ")
            .push_bind(exam.clone());
        if let Some(domain) = &f.domain {
            qb.push(" and e.domain = ").push_bind(domain.clone());
        }
        qb.push(")");
    }
    if let Some(topic) = &f.topic {
        qb.push(" and q.topic = ").push_bind(topic.clone());
    }
    if let Some(kind) = &f.kind {
        qb.push(" and q.kind = ").push_bind(kind.clone());
    }
    if let Some(text) = &f.text {
        let pattern = like_pattern(text);
        qb.push(" and (q.search_text like ")
            .push_bind(pattern.clone())
            .push(" or q.id like ")
            .push_bind(pattern)
            .push(")");
    }
    if let Some(pool) = f.pool {
        qb.push(" and q.pool = ").push_bind(pool.as_str());
    }
    match f.lifecycle {
        Lifecycle::Live => qb.push(" and q.retired_at is null"),
        Lifecycle::Retired => qb.push(" and q.retired_at is not null"),
        Lifecycle::All => qb,
    };
}

/// A question's state: whether it is retired, with all its versions, newest first.
pub async fn question(pool: &PgPool, id: &str) -> Result<Option<(bool, Vec<Version>)>, DbError> {
    let retired = sqlx::query_scalar!(
        r#"select retired_at is not null as "retired!" from questions where id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    match retired {
        Some(r) => Ok(Some((r, versions(pool, id).await?))),
        None => Ok(None),
    }
}

/// A topic's name, for filter menus.
#[derive(Debug, Clone)]
pub struct TopicName {
    pub slug: String,
    pub name: crate::bank::catalog::Localized,
}

/// Every topic as (slug, name in `lang`), in slug order.
pub async fn topic_names_in(pool: &PgPool, lang: crate::i18n::Lang) -> Result<Vec<(String, String)>, DbError> {
    Ok(topic_names(pool)
        .await?
        .into_iter()
        .map(|t| {
            let name = t.name.get(lang).to_owned();
            (t.slug, name)
        })
        .collect())
}

pub async fn topic_names(pool: &PgPool) -> Result<Vec<TopicName>, DbError> {
    let rows = sqlx::query!("select slug, name_ko, name_en from topics order by slug")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| TopicName {
            slug: r.slug,
            name: crate::bank::catalog::Localized {
                ko: r.name_ko,
                en: r.name_en,
            },
        })
        .collect())
}

/// What a student's topic page shows of the topic itself.
pub struct TopicOverview {
    pub name: crate::bank::catalog::Localized,
    pub summary: crate::bank::catalog::Localized,
    /// Exams with live questions in this topic, sorted.
    pub exams: Vec<String>,
    /// Live, published questions.
    pub size: i64,
}

struct TopicOverviewRow {
    name_ko: String,
    name_en: String,
    summary_ko: String,
    summary_en: String,
    exams: Vec<String>,
    size: i64,
}

pub async fn topic_overview(pool: &PgPool, slug: &str) -> Result<Option<TopicOverview>, DbError> {
    let row = sqlx::query_as!(
        TopicOverviewRow,
        r#"select t.name_ko, t.name_en, t.summary_ko, t.summary_en,
                  array(select distinct e.exam from questions q join question_exams e on e.question_id = q.id
                        where q.topic = t.slug and q.retired_at is null and q.status = 'published' order by 1) as "exams!",
                  (select count(*) from questions q
                   where q.topic = t.slug and q.retired_at is null and q.status = 'published') as "size!"
           from topics t where t.slug = $1"#,
        slug
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| TopicOverview {
        name: crate::bank::catalog::Localized {
            ko: r.name_ko,
            en: r.name_en,
        },
        summary: crate::bank::catalog::Localized {
            ko: r.summary_ko,
            en: r.summary_en,
        },
        exams: r.exams,
        size: r.size,
    }))
}
