//! Checks on a draft against the catalog: numbers in the notes that
//! contradict what AWS documents, and answers a stem gives away in another
//! form (another name of the same service, the same quantity in other units).

use super::entities::{Catalog, CatalogNumber};
use super::facts::numbers_in;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Dim {
    Time,
    Size,
    Percent,
}

/// A value with its unit in base units (seconds, bytes, percent). Sizes
/// count both ways, since notes write "1 GB" for 1,024 MB and for 1,000 MB.
fn quantity(value: &str, unit: &str) -> Option<(Dim, Vec<f64>)> {
    let v: f64 = value.replace(',', "").parse().ok()?;
    let time = |s: f64| Some((Dim::Time, vec![v * s]));
    let size = |p: i32| Some((Dim::Size, vec![v * 1000f64.powi(p), v * 1024f64.powi(p)]));
    match unit {
        "ms" => time(0.001),
        "초" | "s" | "sec" | "seconds" => time(1.0),
        "분" | "min" | "minutes" => time(60.0),
        "시간" | "h" | "hours" => time(3600.0),
        "일" | "days" => time(86400.0),
        "주" => time(7.0 * 86400.0),
        "KB" | "KiB" => size(1),
        "MB" | "MiB" => size(2),
        "GB" | "GiB" => size(3),
        "TB" | "TiB" => size(4),
        "PB" => size(5),
        "%" => Some((Dim::Percent, vec![v])),
        _ => None,
    }
}

/// Equal up to rounding: tight enough that 13 nines differ from 11.
fn same(a: &[f64], b: &[f64]) -> bool {
    a.iter().any(|x| {
        b.iter()
            .any(|y| (x - y).abs() <= 1e-13 * x.abs().max(y.abs()).max(1e-12))
    })
}

/// The key's quantity shows in the stem in other units ("5분" beside "300초").
pub fn unit_leak(stem: &str, key: &str) -> bool {
    let stem_q: Vec<(Dim, Vec<f64>)> = numbers_in(stem)
        .into_iter()
        .filter_map(|(_, v, u)| quantity(&v, &u))
        .collect();
    numbers_in(key)
        .into_iter()
        .any(|(_, v, u)| quantity(&v, &u).is_some_and(|(d, q)| stem_q.iter().any(|(sd, sq)| *sd == d && same(&q, sq))))
}

/// The key counts the nines of a value the stem shows ("99.999999999%
/// (9가 ____)" → 11개).
pub fn nines_leak(stem: &str, key: &str) -> bool {
    let counts: Vec<usize> = numbers_in(stem)
        .into_iter()
        .filter_map(|(_, v, u)| {
            let tail = v.strip_prefix("99.")?;
            (u == "%" && !tail.is_empty() && tail.chars().all(|c| c == '9')).then_some(tail.len() + 2)
        })
        .collect();
    !counts.is_empty()
        && numbers_in(key)
            .into_iter()
            .any(|(_, v, _)| v.parse::<usize>().is_ok_and(|n| counts.contains(&n)))
}

/// The key names a service the stem already names, under any of its names.
pub fn entity_leak(cat: &Catalog, stem: &str, key: &str) -> bool {
    let Some(k) = cat.link_term(key) else { return false };
    cat.mentions(stem).iter().any(|m| m.entity == k)
}

/// Words of a catalog number's `what`, and how notes write them. A note
/// number is compared only when its sentence has every one of them.
const CUES: &[(&str, &[&str])] = &[
    ("durability", &["내구", "durab"]),
    ("availability", &["가용성", "availab"]),
    ("retention", &["보존", "보관", "retention", "retain"]),
    (
        "timeout",
        &["타임아웃", "제한 시간", "제한시간", "timeout", "시간 초과"],
    ),
    ("visibility", &["가시성", "visibility"]),
    ("memory", &["메모리", "memory"]),
    ("item", &["항목", "아이템", "item"]),
    ("part", &["파트", "part"]),
    ("wait", &["대기", "wait"]),
    ("polling", &["폴링", "poll"]),
    ("delay", &["지연", "delay"]),
    ("rotation", &["교체", "순환", "rotation", "rotate"]),
    ("concurrent", &["동시", "concurren"]),
    ("default", &["기본", "default", "디폴트"]),
    ("maximum", &["최대", "max", "up to", "까지"]),
    ("minimum", &["최소", "min"]),
];
const QUALIFIERS: &[&str] = &["default", "maximum", "minimum"];

/// The number's subject words show anywhere in the context; its qualifier
/// (default, maximum, minimum) right before the value, since one sentence
/// often gives a default and a range ("기본 365일, 90일~2560일").
fn applies(n: &CatalogNumber, context: &str, before: &str) -> bool {
    let what = n.what.to_lowercase();
    let words: Vec<&(&str, &[&str])> = CUES.iter().filter(|(w, _)| what.contains(w)).collect();
    let subject = words.iter().any(|(w, _)| !QUALIFIERS.contains(w));
    subject
        && words.iter().all(|(w, cues)| {
            let place = if QUALIFIERS.contains(w) { before } else { context };
            cues.iter().any(|c| place.contains(c))
        })
}

/// What AWS documents where the notes give another number.
#[derive(Debug, Clone, PartialEq)]
pub struct Contradiction {
    pub entity: String,
    pub what: String,
    pub aws_value: String,
    pub aws_note: Option<String>,
}

/// `context` is the sentence, then more lines (the heading path). When the
/// entities it names have a documented number of the same
/// kind (by its words) and dimension as `value unit`, and none equals it,
/// the documented one; nothing when the catalog has no such number or the
/// documented ones disagree among themselves.
pub fn contradiction(cat: &Catalog, context: &str, before: &str, value: &str, unit: &str) -> Option<Contradiction> {
    let (dim, q) = quantity(value, unit)?;
    let low = context.to_lowercase();
    let before = before.to_lowercase();
    let mut found: Vec<(usize, &CatalogNumber, Vec<f64>)> = Vec::new();
    // The entity the sentence (the context's first line) names, else the
    // one its heading names; two unrelated ones leave it unclear whose
    // number it is.
    let sentence = context.lines().next().unwrap_or_default();
    let mut named: Vec<usize> = cat.mentions(sentence).iter().map(|m| m.entity).collect();
    if named.is_empty() {
        named = cat.mentions(context).iter().map(|m| m.entity).collect();
    }
    named.dedup();
    if named.iter().any(|&a| named.iter().any(|&b| !cat.related(a, b))) {
        return None;
    }
    for &m in &named {
        for &e in std::iter::once(&m).chain(cat.children(m)) {
            for n in &cat.entities[e].numbers {
                if n.value.contains('-') || !applies(n, &low, &before) {
                    continue;
                }
                if let Some((d, nq)) = quantity(&n.value, &n.unit)
                    && d == dim
                {
                    found.push((e, n, nq));
                }
            }
        }
    }
    if found.is_empty() || found.iter().any(|(_, _, nq)| same(&q, nq)) {
        return None;
    }
    let (e, n, nq) = &found[0];
    if found.iter().any(|(_, _, other)| !same(nq, other)) {
        return None;
    }
    Some(Contradiction {
        entity: cat.entities[*e].name.clone(),
        what: n.what.clone(),
        aws_value: in_unit(nq, unit, &n.value, &n.unit),
        aws_note: n.note.clone(),
    })
}

/// The documented value written in the note's unit when it converts
/// exactly, else in the catalog's own unit.
fn in_unit(base: &[f64], unit: &str, value: &str, cat_unit: &str) -> String {
    if let Some((_, per)) = quantity("1", unit) {
        let v = base[0] / per[0];
        if (v - v.round()).abs() < 1e-9 && v.abs() < 1e15 {
            return format!("{}{unit}", v.round() as i64);
        }
        if unit == "%" {
            return format!("{value}%");
        }
    }
    let cat_unit = match cat_unit {
        "s" => "초",
        "h" => "시간",
        "days" => "일",
        u => u,
    };
    format!("{value}{cat_unit}")
}

#[cfg(test)]
mod tests {
    use super::super::entities::catalog;
    use super::*;

    #[test]
    fn the_same_quantity_in_other_units_is_a_leak() {
        assert!(unit_leak("기본 300초/____이다", "5분"));
        assert!(unit_leak("최대 1024 MB 까지", "1GB"));
        assert!(unit_leak("48시간 안에", "2일"));
        assert!(!unit_leak("기본 300초", "10분"));
        assert!(nines_leak("내구성은 99.999999999% (9가 ____)", "11개"));
        assert!(!nines_leak("내구성은 99.999999999%", "3개"));
    }

    #[test]
    fn thirteen_nines_are_flagged_against_the_catalog() {
        let cat = catalog().expect("catalog");
        let c = contradiction(
            cat,
            "S3는 99.99999999999%의 내구송을 제공",
            "S3는 ",
            "99.99999999999",
            "%",
        )
        .expect("flagged");
        assert_eq!(c.aws_value, "99.999999999%");
        assert!(contradiction(cat, "S3는 99.999999999%의 내구성을 제공", "", "99.999999999", "%").is_none());
        assert!(
            contradiction(cat, "S3 Standard의 가용성은 99.99%", "", "99.99", "%").is_none(),
            "availability is not durability"
        );
        let sqs = contradiction(cat, "SQS 메시지 보존 기간은 기본 7일", "기간은 기본 ", "7", "일").expect("flagged");
        assert_eq!(sqs.aws_value, "4일");
        let sqs = contradiction(cat, "SQS 메시지 보존 최소 1분 ~ 최대 21일", " ~ 최대 ", "21", "일").expect("flagged");
        assert_eq!(sqs.aws_value, "14일");
        assert!(
            contradiction(
                cat,
                "API Gateway 통합 제한 시간 기본 29초\nLambda 정리",
                "시간 기본 ",
                "29",
                "초"
            )
            .is_none(),
            "the sentence's own service decides, not the heading's"
        );
        let kms = "KMS 자동 교체는 기본 365일마다, 90일~2560일 사이로 설정";
        assert!(
            contradiction(cat, kms, "365일마다, ", "90", "일").is_none(),
            "90 days is the range, not the default"
        );
    }
}
