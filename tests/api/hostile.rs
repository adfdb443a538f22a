//! The hostile-input walk: every route the code registers, every parameter
//! name the code reads, each sent hostile values as the role the route is
//! for. Nothing may answer 5xx, and nothing may be half-written.
//!
//! Routes and parameter names are read from the source, so a new route or
//! form field is walked without anyone remembering to add it here.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::StreamExt;

use crate::common::bank::{repo_path, seeded};
use crate::common::exam::{attempt_id, user_id};
use crate::common::{PASSWORD, TestApp};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Route {
    method: &'static str,
    path: String,
}

fn source(rel: &str) -> String {
    std::fs::read_to_string(repo_path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

/// Every (method, path) the route table registers: a path literal is followed
/// by the `web::get()`/`web::post()` calls that serve it.
fn routes() -> Vec<Route> {
    let token = regex::Regex::new(r#""(/[^"\s]*)"|web::(get|post)\(\)"#).expect("regex");
    let mut out = BTreeSet::new();
    for file in ["src/web/mod.rs", "src/startup.rs"] {
        let text = source(file);
        let mut current: Option<String> = None;
        for c in token.captures_iter(&text) {
            if let Some(path) = c.get(1) {
                current = Some(path.as_str().to_owned());
            } else if let (Some(m), Some(path)) = (c.get(2), &current) {
                let method = if m.as_str() == "get" { "GET" } else { "POST" };
                out.insert(Route {
                    method,
                    path: path.clone(),
                });
            }
        }
    }
    out.into_iter().collect()
}

/// The text of every file under `rel`, subfolders included.
fn files_under(rel: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![repo_path(rel)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                out.push(text);
            }
        }
    }
    out
}

/// Every parameter name the web layer reads: form fields in the templates,
/// fields of the structs handlers deserialize, and keys looked up by hand.
fn parameter_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let field = regex::Regex::new(r#"name="([a-z_]+)""#).expect("regex");
    for text in files_under("templates") {
        names.extend(field.captures_iter(&text).map(|c| c[1].to_owned()));
    }
    let struct_fields = regex::Regex::new(r"(?s)#\[derive\([^)]*Deserialize[^)]*\)\][^{]*\{(.*?)\n\}").expect("regex");
    let field_name = regex::Regex::new(r"(?m)^\s*(?:pub\s+)?([a-z_]+)\s*:").expect("regex");
    let by_hand = regex::Regex::new(r#"(?:k|key) == "([a-z_]+)"|get\("([a-z_]+)"\)"#).expect("regex");
    for text in files_under("src/web") {
        for s in struct_fields.captures_iter(&text) {
            names.extend(field_name.captures_iter(&s[1]).map(|c| c[1].to_owned()));
        }
        for c in by_hand.captures_iter(&text) {
            names.extend(c.get(1).or(c.get(2)).map(|m| m.as_str().to_owned()));
        }
    }
    names.remove("csrf_token");
    names.remove("viewport");
    names
}

/// A value that would be accepted, so a request reaches the hostile one.
fn plausible(name: &str) -> &'static str {
    match name {
        "exam" => "saa-c03",
        "mode" => "practice",
        "feedback" => "end",
        "minutes" | "extra_minutes" => "30",
        "count" => "5",
        "multiplier" => "1.5",
        "retention" => "0.9",
        "min_quality" | "page" | "position" | "n" => "1",
        "lang" | "language" => "en",
        "role" => "student",
        "state" | "action" => "approve",
        "go" => "next",
        "email" => "student@example.com",
        "password" | "current" => PASSWORD,
        "timed" | "flag" | "include_correct" => "on",
        "new_per_day" => "30",
        "sort" => "name",
        "walk" => "flagged",
        "filter" => "wrong",
        "kind" => "single",
        "difficulty" => "easy",
        "next" | "back" => "/dashboard",
        "choice" => "a",
        _ => "x",
    }
}

fn numeric(name: &str) -> bool {
    plausible(name).parse::<f64>().is_ok()
}

/// A value as it goes on the wire, already percent-encoded.
fn enc(v: &str) -> String {
    serde_urlencoded::to_string([("", v)])
        .map(|q| q.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

const INVALID_UTF8: &str = "%FF%FE%C3%28";

/// The hostile values, percent-encoded.
fn hostile_text() -> Vec<String> {
    vec![
        enc("\0"),
        enc("a\0b"),
        enc("\u{1}\u{7f}\u{1b}[31m"),
        enc("line\r\nLocation: //evil.example"),
        INVALID_UTF8.to_owned(),
        enc(&"가".repeat(20_000)),
        enc("bogus"),
        String::new(),
    ]
}

fn hostile_numbers() -> Vec<String> {
    [
        "-1",
        "0",
        "9223372036854775808",
        "-9223372036854775809",
        "400000000000000000",
        "1e309",
        "NaN",
    ]
    .iter()
    .map(|v| enc(v))
    .collect()
}

struct Who {
    app: TestApp,
    csrf: String,
}

async fn signed_in(app: &TestApp, email: &str, role: Option<&str>) -> Who {
    let who = app.sibling();
    match role {
        Some(role) => who.user_with_role(email, role).await,
        None => assert_eq!(who.register(email, "Walker", PASSWORD).await.status, 303),
    }
    let csrf = who.csrf_token("/account/password").await;
    Who { app: who, csrf }
}

impl Who {
    /// Signs in again if an earlier request ended the session (logout, role change).
    async fn ensure(&mut self, email: &str) {
        if self.app.get("/account/password").await.status != 200 {
            self.app.login(email, PASSWORD).await;
            self.csrf = self.app.csrf_token("/account/password").await;
        }
    }
}

#[derive(Debug)]
struct Sent {
    what: String,
    status: u16,
}

async fn send(who: &Who, method: &str, path: &str, pairs: &[(String, String)], content_type: Option<&str>) -> Sent {
    let mut body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let unusual: Vec<String> = pairs
        .iter()
        .filter(|(k, v)| *v != enc(plausible(k)))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let what = format!("{method} {path} {}", summarize(&unusual));
    let oversized_head;
    let resp = if method == "GET" {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = format!("{}{path}{sep}{}", who.app.address, body.join("&"));
        oversized_head = url.len() > 16 * 1024;
        who.app.client.get(url).send().await
    } else {
        oversized_head = path.len() > 16 * 1024;
        body.push(format!("csrf_token={}", enc(&who.csrf)));
        who.app
            .client
            .post(who.app.url(path))
            .header(
                "content-type",
                content_type.unwrap_or("application/x-www-form-urlencoded"),
            )
            .body(body.join("&"))
            .send()
            .await
    };
    let status = match resp {
        Ok(r) => r.status().as_u16(),
        // A request head larger than the server reads is refused by closing
        // the connection: a refusal, not a failure. Any other broken
        // connection (a panicking worker) is a failure.
        Err(_) if oversized_head => 431,
        Err(_) => 599,
    };
    Sent { what, status }
}

fn summarize(pairs: &[String]) -> String {
    pairs
        .iter()
        .map(|p| {
            if p.len() > 60 {
                format!("{}…({} bytes)", &p[..40], p.len())
            } else {
                p.clone()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A path, its form or query pairs, and for a raw body its content type and bytes.
type Request = (String, Vec<(String, String)>, Option<&'static str>, Option<Vec<u8>>);

/// Real ids for path parameters, so a request gets past the lookup.
struct Ids {
    attempt: String,
    student: String,
    victim: String,
    question: String,
}

fn fill(path: &str, ids: &Ids, hostile: Option<&str>) -> String {
    let id = if path.starts_with("/attempts") {
        ids.attempt.as_str()
    } else if path.starts_with("/instructor/students") {
        ids.student.as_str()
    } else if path.starts_with("/admin/users") {
        ids.victim.as_str()
    } else if path.starts_with("/instructor/bank/questions") {
        ids.question.as_str()
    } else {
        "00000000-0000-0000-0000-000000000000"
    };
    let params = regex::Regex::new(r"\{([a-z]+)\}").expect("regex");
    params
        .replace_all(path, |c: &regex::Captures| {
            hostile.map(str::to_owned).unwrap_or_else(|| match &c[1] {
                "id" => id.to_owned(),
                "slug" => "t".to_owned(),
                _ => "1".to_owned(),
            })
        })
        .into_owned()
}

fn malformed_multipart() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("multipart/form-data", b"--x\r\nbroken".to_vec()),
        ("multipart/form-data; boundary=zz", b"no boundary here at all".to_vec()),
        (
            "multipart/form-data; boundary=zz",
            b"--zz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.toml\"\r\n\r\nhalf a file".to_vec(),
        ),
        (
            "multipart/form-data; boundary=zz",
            b"--zz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\xff\0.toml\"\r\n\r\n\0\xff\xfe\r\n--zz--\r\n"
                .to_vec(),
        ),
        ("multipart/form-data; boundary=zz", b"--zz--\r\n".to_vec()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_route_survives_hostile_input() {
    let app = seeded(10).await;

    let routes = routes();
    let names = parameter_names();
    // If parsing the source broke, the walk would be vacuous.
    assert!(routes.len() >= 45, "found only {} routes: {routes:?}", routes.len());
    for n in ["exam", "mode", "minutes", "choice", "email", "next", "role"] {
        assert!(names.contains(n), "parameter {n} not found in {names:?}");
    }

    let mut student = signed_in(&app, "walker@example.com", None).await;
    let mut instructor = signed_in(&app, "teacher@example.com", Some("instructor")).await;
    let mut admin = signed_in(&app, "boss@example.com", Some("admin")).await;
    let anonymous = Who {
        csrf: app.csrf_token("/login").await,
        app: app.sibling(),
    };
    assert_eq!(
        app.sibling()
            .register("victim@example.com", "Victim", PASSWORD)
            .await
            .status,
        303
    );

    let started = student
        .app
        .post_raw(
            "/attempts",
            &[
                ("exam", "saa-c03"),
                ("mode", "practice"),
                ("count", "5"),
                ("csrf_token", &student.csrf),
            ],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    let attempt = attempt_id(started.location().expect("attempt location")).to_string();
    let ids = Ids {
        attempt,
        student: user_id(&app, "walker@example.com").await.to_string(),
        victim: user_id(&app, "victim@example.com").await.to_string(),
        question: sqlx::query_scalar::<_, String>("select id from questions limit 1")
            .fetch_one(&app.pool)
            .await
            .expect("a question"),
    };

    // Per route: how many requests failed, and one of them.
    let mut failures: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut sent = 0usize;
    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    for route in &routes {
        let (who, email) = if route.path.starts_with("/instructor") {
            (&mut instructor, "teacher@example.com")
        } else if route.path.starts_with("/admin") {
            (&mut admin, "boss@example.com")
        } else if ["/login", "/register"].contains(&route.path.as_str()) {
            (&mut student, "")
        } else {
            (&mut student, "walker@example.com")
        };
        let who: &Who = if email.is_empty() {
            &anonymous
        } else {
            who.ensure(email).await;
            who
        };

        let mut requests: Vec<Request> = Vec::new();
        let valid: Vec<(String, String)> = names.iter().map(|n| (n.clone(), enc(plausible(n)))).collect();
        let mut path_values = hostile_text();
        path_values.extend(hostile_numbers());
        if route.path.contains('{') {
            for v in &path_values {
                requests.push((fill(&route.path, &ids, Some(v)), valid.clone(), None, None));
            }
        }
        let path = fill(&route.path, &ids, None);
        for name in &names {
            let mut values = hostile_text();
            if numeric(name) {
                values.extend(hostile_numbers());
            }
            for v in values {
                let pairs = valid
                    .iter()
                    .map(|(k, ok)| (k.clone(), if k == name { v.clone() } else { ok.clone() }))
                    .collect();
                requests.push((path.clone(), pairs, None, None));
            }
        }
        // One oversized value per route, and the same parameter twice with different values.
        requests.push((path.clone(), vec![("exam".into(), "x".repeat(1 << 20))], None, None));
        requests.push((
            path.clone(),
            vec![("exam".into(), "saa-c03".into()), ("exam".into(), enc("\0"))],
            None,
            None,
        ));
        if route.method == "POST" {
            for (ct, body) in malformed_multipart() {
                requests.push((path.clone(), Vec::new(), Some(ct), Some(body)));
            }
        }

        let results: Vec<Sent> = futures_util::stream::iter(requests)
            .map(|(path, pairs, ct, raw)| async move {
                match raw {
                    Some(body) => {
                        let resp = who
                            .app
                            .client
                            .post(who.app.url(&path))
                            .header("content-type", ct.unwrap_or_default())
                            .header("x-csrf-token", who.csrf.clone())
                            .body(body)
                            .send()
                            .await;
                        Sent {
                            what: format!("POST {path} malformed multipart ({})", ct.unwrap_or_default()),
                            status: resp.map(|r| r.status().as_u16()).unwrap_or(if path.len() > 16 * 1024 {
                                431
                            } else {
                                599
                            }),
                        }
                    }
                    None => send(who, route.method, &path, &pairs, ct).await,
                }
            })
            .buffer_unordered(8)
            .collect()
            .await;
        for r in results {
            sent += 1;
            *by_status.entry(r.status).or_default() += 1;
            if r.status >= 500 {
                let entry = failures
                    .entry(format!("{} {} → {}", route.method, route.path, r.status))
                    .or_insert((0, r.what.clone()));
                entry.0 += 1;
            }
        }
    }
    println!(
        "hostile walk: {} routes, {} parameter names, {sent} requests, statuses {by_status:?}",
        routes.len(),
        names.len()
    );
    let report: Vec<String> = failures
        .iter()
        .map(|(route, (n, example))| format!("{route}: {n} requests, e.g. {example}"))
        .collect();
    assert!(failures.is_empty(), "5xx answers:\n{}", report.join("\n"));

    // Nothing half-written: every attempt has its questions, no stored text holds control characters.
    let empty_attempts = app
        .count("select count(*) from attempts a where not exists (select 1 from attempt_items i where i.attempt_id = a.id)")
        .await;
    assert_eq!(empty_attempts, 0, "an attempt was created without questions");
    let dirty_users = app
        .count("select count(*) from users where email ~ '[[:cntrl:]]' or display_name ~ '[[:cntrl:]]'")
        .await;
    assert_eq!(dirty_users, 0, "a user was stored with control characters");

    // And the walker's own work is intact: the attempt still opens.
    student.ensure("walker@example.com").await;
    let page = student.app.get(&format!("/attempts/{}/q/1", ids.attempt)).await;
    assert!(
        page.status == 200 || page.status == 303,
        "attempt page after the walk: {}",
        page.status
    );
}
