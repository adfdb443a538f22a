//! Building a question set: how many questions each domain gets, and which
//! questions fill each domain.

use std::collections::HashMap;

use rand::Rng;
use rand::seq::SliceRandom;

/// Splits `n` questions across domains in proportion to their weights, using
/// largest-remainder rounding so the counts always add up to `n`. Ties in the
/// remainder go to the heavier domain, then to the earlier one.
pub fn allocate(weights: &[(String, u32)], n: usize) -> Vec<(String, usize)> {
    let total: u64 = weights.iter().map(|(_, w)| u64::from(*w)).sum();
    if total == 0 || n == 0 {
        return weights.iter().map(|(d, _)| (d.clone(), 0)).collect();
    }
    let mut out: Vec<(String, usize, u64)> = weights
        .iter()
        .map(|(d, w)| {
            let exact = n as u64 * u64::from(*w);
            (d.clone(), (exact / total) as usize, exact % total)
        })
        .collect();
    let assigned: usize = out.iter().map(|o| o.1).sum();
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| {
        out[b]
            .2
            .cmp(&out[a].2)
            .then(weights[b].1.cmp(&weights[a].1))
            .then(a.cmp(&b))
    });
    for &i in order.iter().take(n - assigned) {
        out[i].1 += 1;
    }
    out.into_iter().map(|(d, c, _)| (d, c)).collect()
}

/// A question that could be served, with how often this student has seen it.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub id: &'a str,
    pub domain: &'a str,
    pub seen: u32,
}

/// What a request is short of: (domain, wanted, available).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    pub domain: String,
    pub wanted: usize,
    pub available: usize,
}

/// Picks, per domain, the `count` least-seen candidates (random among equals),
/// then shuffles the whole set. Returns what is missing instead if any domain
/// has too few candidates.
pub fn pick<'a, R: Rng>(
    allocation: &[(String, usize)],
    candidates: &[Candidate<'a>],
    rng: &mut R,
) -> Result<Vec<Candidate<'a>>, Vec<Shortfall>> {
    let mut by_domain: HashMap<&str, Vec<&Candidate<'a>>> = HashMap::new();
    for c in candidates {
        by_domain.entry(c.domain).or_default().push(c);
    }
    let shortfalls: Vec<Shortfall> = allocation
        .iter()
        .filter_map(|(d, wanted)| {
            let available = by_domain.get(d.as_str()).map_or(0, Vec::len);
            (available < *wanted).then(|| Shortfall {
                domain: d.clone(),
                wanted: *wanted,
                available,
            })
        })
        .collect();
    if !shortfalls.is_empty() {
        return Err(shortfalls);
    }
    let mut chosen = Vec::new();
    for (d, wanted) in allocation {
        let mut pool: Vec<&Candidate> = by_domain.remove(d.as_str()).unwrap_or_default();
        pool.shuffle(rng);
        // Stable sort after the shuffle: least seen first, random among equals.
        pool.sort_by_key(|c| c.seen);
        chosen.extend(pool.into_iter().take(*wanted).cloned());
    }
    chosen.shuffle(rng);
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn w(pairs: &[(&str, u32)]) -> Vec<(String, u32)> {
        pairs.iter().map(|(d, w)| (d.to_string(), *w)).collect()
    }

    #[test]
    fn saa_weights_split_65_questions_by_largest_remainder() {
        let a = allocate(
            &w(&[("secure", 30), ("resilient", 26), ("performance", 24), ("cost", 20)]),
            65,
        );
        // Exact shares: 19.5, 16.9, 15.6, 13.0 → floors 19, 16, 15, 13 = 63; remainders .9 and .6 get the two left.
        assert_eq!(
            a,
            vec![
                ("secure".into(), 19),
                ("resilient".into(), 17),
                ("performance".into(), 16),
                ("cost".into(), 13)
            ]
        );
    }

    #[test]
    fn soa_weights_split_65_questions() {
        let a = allocate(
            &w(&[
                ("monitoring", 22),
                ("reliability", 22),
                ("deployment", 22),
                ("security", 16),
                ("networking", 18),
            ]),
            65,
        );
        let counts: Vec<usize> = a.iter().map(|x| x.1).collect();
        // Exact: 14.3, 14.3, 14.3, 10.4, 11.7 → floors 14,14,14,10,11 = 63; the .7 and the .4 take the rest.
        assert_eq!(counts, vec![14, 14, 14, 11, 12]);
        assert_eq!(counts.iter().sum::<usize>(), 65);
    }

    #[test]
    fn allocation_always_adds_up() {
        for n in 0..200 {
            let a = allocate(&w(&[("a", 33), ("b", 33), ("c", 34)]), n);
            assert_eq!(a.iter().map(|x| x.1).sum::<usize>(), n);
        }
    }

    const IDS: [&str; 5] = ["0", "1", "2", "3", "4"];

    /// Candidates of `domain` with ids `<domain>-<i>` (`ids` holds them).
    fn cands<'a>(domain: &'a str, seen: &[u32], ids: &'a [String]) -> Vec<Candidate<'a>> {
        seen.iter()
            .zip(ids)
            .map(|(s, id)| Candidate { id, domain, seen: *s })
            .collect()
    }

    fn ids(domain: &str) -> Vec<String> {
        IDS.iter().map(|i| format!("{domain}-{i}")).collect()
    }

    #[test]
    fn least_seen_questions_come_first() {
        let (a, b) = (ids("a"), ids("b"));
        let mut all = cands("a", &[3, 0, 2, 0, 1], &a);
        all.extend(cands("b", &[1, 1, 0], &b));
        let mut rng = StdRng::seed_from_u64(7);
        let picked = pick(&[("a".into(), 3), ("b".into(), 1)], &all, &mut rng).unwrap();
        let mut picked: Vec<_> = picked.iter().map(|c| c.id).collect();
        picked.sort_unstable();
        assert_eq!(picked, vec!["a-1", "a-3", "a-4", "b-2"]);
    }

    #[test]
    fn a_short_domain_is_reported_before_anything_starts() {
        let a = ids("a");
        let all = cands("a", &[0, 0], &a);
        let mut rng = StdRng::seed_from_u64(1);
        let err = pick(&[("a".into(), 3), ("b".into(), 1)], &all, &mut rng).unwrap_err();
        assert_eq!(
            err,
            vec![
                Shortfall {
                    domain: "a".into(),
                    wanted: 3,
                    available: 2
                },
                Shortfall {
                    domain: "b".into(),
                    wanted: 1,
                    available: 0
                }
            ]
        );
    }
}
