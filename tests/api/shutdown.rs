//! A rolling deploy stops an instance with SIGTERM. The instance must tell the
//! load balancer it is draining while it still serves, then stop taking
//! connections, finish what it acknowledged, and exit cleanly. The instance
//! here is the real binary, a second instance on the test's database that
//! shares its cookie key, as the instances of a cluster do.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;

use crate::common::exam::exam_in_progress;

/// The `examdrill serve` child; killed if the test ends before it exits.
struct Instance {
    child: std::process::Child,
    url: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_instance(database_url: &str, cookie_key: &str) -> Instance {
    let mut child = Command::new(env!("CARGO_BIN_EXE_examdrill"))
        .args(["serve", "--bind", "127.0.0.1:0", "--no-seed"])
        .args(["--drain-secs", "2", "--shutdown-timeout-secs", "10"])
        .env("DATABASE_URL", database_url)
        .env("EXAMDRILL_COOKIE_KEY", cookie_key)
        .env("EXAMDRILL_DATA_DIR", std::env::temp_dir())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start examdrill serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.split("listening on ").nth(1) {
                let _ = tx.send(url.trim().trim_end_matches('/').to_owned());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the instance says where it listens");
    Instance { child, url }
}

/// Per question: the last value the server acknowledged, and one sent after it
/// that got no answer (it may or may not have been written).
type Outcomes = Arc<Mutex<HashMap<i32, (Option<String>, Option<String>)>>>;

#[tokio::test]
async fn sigterm_drains_then_exits_with_every_acknowledged_save_committed() {
    let (app, base) = exam_in_progress("drain@example.com", "Drain").await;
    let key = base64::engine::general_purpose::STANDARD.encode(app.settings.cookie_key.master());
    let mut instance = start_instance(&app.settings.database_url, &key);
    let url = instance.url.clone();

    // The student signed in on the test's instance carries on here: the
    // session and the save tokens verify on any instance with the same key.
    let mut forms = Vec::new();
    for pos in 1..=8 {
        let page = app.client.get(format!("{url}{base}/q/{pos}")).send().await.unwrap();
        assert_eq!(page.status(), 200, "question {pos} on the second instance");
        let html = scraper::Html::parse_document(&page.text().await.unwrap());
        let form = scraper::Selector::parse("#answer-form").unwrap();
        let choice = scraper::Selector::parse("input[name=choice]").unwrap();
        let token = html
            .select(&form)
            .next()
            .and_then(|f| f.value().attr("data-save-token"))
            .expect("save token")
            .to_owned();
        let values: Vec<String> = html
            .select(&choice)
            .filter_map(|e| e.value().attr("value").map(str::to_owned))
            .collect();
        forms.push((pos, token, values));
    }

    // Students keep saving, each question's saves in order as the page script sends them.
    let outcomes: Outcomes = Arc::default();
    let acked_after_term = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let term_sent = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut savers = Vec::new();
    for (pos, token, values) in forms {
        let (client, save_url) = (crate::common::client(), format!("{url}{base}/save"));
        let (outcomes, acked_after_term, term_sent) = (outcomes.clone(), acked_after_term.clone(), term_sent.clone());
        savers.push(tokio::spawn(async move {
            for round in 0.. {
                let v = values[round % values.len()].clone();
                let sent = client
                    .post(&save_url)
                    .header("x-save-token", &token)
                    .form(&[("position", pos.to_string()), ("choice", v.clone())])
                    .timeout(Duration::from_secs(20))
                    .send()
                    .await;
                let go_on = {
                    let mut o = outcomes.lock().unwrap();
                    let entry = o.entry(pos).or_default();
                    match sent.map(|r| r.status().as_u16()) {
                        Ok(204) => {
                            *entry = (Some(v), None);
                            if term_sent.load(std::sync::atomic::Ordering::SeqCst) {
                                acked_after_term.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            }
                            true
                        }
                        Ok(status) => panic!("question {pos}: a save got {status} from a running instance"),
                        Err(e) if e.is_connect() => false,
                        Err(_) => {
                            // Sent, but the answer never came: it may have been written.
                            entry.1 = Some(v);
                            false
                        }
                    }
                };
                if !go_on {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let stop = Instant::now();
    let pid = instance.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    term_sent.store(true, std::sync::atomic::Ordering::SeqCst);

    // While draining, the health check turns away the load balancer, and pages are still served.
    let client = crate::common::client();
    let mut draining = false;
    while stop.elapsed() < Duration::from_millis(1500) {
        let h = client.get(format!("{url}/healthz")).send().await.unwrap();
        if h.status() == 503 && h.text().await.unwrap().contains("draining") {
            draining = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(draining, "/healthz reports draining within 1.5 s of SIGTERM");
    let page = app.client.get(format!("{url}{base}/q/1")).send().await.unwrap();
    assert_eq!(page.status(), 200, "pages are served while draining");

    let exit = loop {
        if let Some(status) = instance.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stop.elapsed() < Duration::from_secs(20),
            "the instance exits within drain + timeout"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(exit.success(), "a clean exit: {exit:?}");
    assert!(
        stop.elapsed() >= Duration::from_secs(2),
        "it drained for the configured 2 s first"
    );
    for s in savers {
        s.await.unwrap();
    }
    assert!(
        acked_after_term.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "saves were still acknowledged during the drain"
    );

    let stored: HashMap<i32, Option<String>> = sqlx::query_as(
        "select i.position, i.selected from attempt_items i join attempts a on a.id = i.attempt_id
         join users u on u.id = a.user_id where u.email = 'drain@example.com' and i.position <= 8",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    for (pos, (acked, unanswered)) in outcomes.lock().unwrap().iter() {
        let got = stored.get(pos).cloned().flatten();
        assert!(
            got == *acked || (unanswered.is_some() && got == *unanswered),
            "question {pos}: stored {got:?}, last acknowledged {acked:?}, unanswered {unanswered:?}"
        );
        assert!(acked.is_some(), "question {pos} had saves acknowledged");
    }
}
