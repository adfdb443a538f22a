//! Two instances of the app on one database, behind a real HAProxy (Debian's,
//! which scripts/test installs) configured as `scripts/cluster` configures it.
//! A student's requests alternate between the instances, and everything that
//! matters for correctness must hold whichever instance answers.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use examdrill::bank::store::{Mode, import};

use crate::common::bank::{blueprints, question, seed_saa_bank, topic};
use crate::common::exam::attempt_id;
use crate::common::{PASSWORD, SESSION_COOKIE, TestApp, client, cookie_value, spawn_app_with, url_with_port};

struct Proxy {
    child: std::process::Child,
    url: String,
    socket: std::path::PathBuf,
    _dir: tempdir::Dir,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

mod tempdir {
    /// A directory removed when dropped.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// HAProxy in front of `ports`, with the configuration `scripts/cluster` writes.
async fn haproxy(ports: &[u16]) -> Proxy {
    let bin =
        std::env::var("HAPROXY_BIN").expect("HAPROXY_BIN: run the suite through scripts/test, which installs HAProxy");
    let dir = std::env::temp_dir().join(format!("examdrill-haproxy-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let front = free_port();
    let socket = dir.join("haproxy.sock");
    let script = format!(
        "source '{}/scripts/lib/haproxy.sh' && haproxy_config {front} '{}' {}",
        env!("CARGO_MANIFEST_DIR"),
        socket.display(),
        ports.iter().map(u16::to_string).collect::<Vec<_>>().join(" ")
    );
    let config = Command::new("bash").args(["-c", &script]).output().expect("bash");
    assert!(config.status.success(), "{}", String::from_utf8_lossy(&config.stderr));
    let cfg = dir.join("haproxy.cfg");
    std::fs::write(&cfg, &config.stdout).unwrap();
    let child = Command::new(bin)
        .arg("-f")
        .arg(&cfg)
        .arg("-db")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start haproxy");
    let url = format!("http://127.0.0.1:{front}");
    let proxy = Proxy {
        child,
        url,
        socket,
        _dir: tempdir::Dir(dir),
    };
    // Up once both servers have passed their health checks.
    for _ in 0..100 {
        if up_servers(&proxy) == ports.len() {
            return proxy;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("HAProxy did not see every instance up: {}", stat(&proxy));
}

fn stat(proxy: &Proxy) -> String {
    let Ok(mut s) = std::os::unix::net::UnixStream::connect(&proxy.socket) else {
        return String::new();
    };
    let _ = s.write_all(b"show stat\n");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// Per server of the backend: (status, total requests it was sent).
fn servers(proxy: &Proxy) -> Vec<(String, u64)> {
    stat(proxy)
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f.len() > 17 && f[0] == "app" && f[1].starts_with('i'))
        .map(|f| (f[17].to_owned(), f[7].parse().unwrap_or(0)))
        .collect()
}

fn up_servers(proxy: &Proxy) -> usize {
    servers(proxy).iter().filter(|(s, _)| s.starts_with("UP")).count()
}

async fn two_instances() -> (TestApp, TestApp) {
    let one = spawn_app_with(|mut s| {
        s.trusted_proxies = vec![std::net::Ipv4Addr::LOCALHOST.into()];
        s
    })
    .await;
    seed_saa_bank(&one, 25).await;
    let two = one.another_instance().await;
    (one, two)
}

#[tokio::test]
async fn a_student_moves_between_instances_behind_haproxy_without_noticing() {
    let (one, two) = two_instances().await;
    let proxy = haproxy(&[one.port, two.port]).await;
    let student = one.through(&proxy.url);

    // Registration and every form after it: the CSRF token comes from one
    // instance's page and is checked by whichever instance gets the POST.
    let reg = student.register("roam@example.com", "Roaming", PASSWORD).await;
    assert_eq!(reg.status, 303, "{}", reg.body);
    let base = student.start_exam().await;
    for pos in 1..=6 {
        let (token, values) = student.question_form(&base, pos).await;
        let saved = student
            .autosave(&base, &token, &[("position", &pos.to_string()), ("choice", &values[0])])
            .await;
        assert_eq!(saved.status(), 204, "save {pos} through the proxy");
        let page = student
            .answer(&base, pos, &[("choice", &values[1]), ("go", "next")])
            .await;
        assert_eq!(page.status, 303, "answer {pos}: {}", page.body);
    }
    let served = servers(&proxy);
    assert!(
        served.iter().all(|(_, n)| *n >= 5),
        "both instances served the student: {served:?}"
    );
    // What one instance stored, the other shows.
    for app in [&one, &two] {
        let mut direct = app.sibling();
        direct.client = student.client.clone();
        let page = direct.get(&format!("{base}/review")).await;
        assert_eq!(page.status, 200, "{}", page.body);
    }
    let submitted = student.submit(&base).await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    let result = student.get(&format!("{base}/result")).await;
    assert_eq!(result.status, 200);
}

#[tokio::test]
async fn logout_and_throttling_hold_on_every_instance() {
    let (one, two) = two_instances().await;
    let proxy = haproxy(&[one.port, two.port]).await;
    let student = one.through(&proxy.url);
    student.register("leave@example.com", "Leaving", PASSWORD).await;
    let login = one.through(&proxy.url).login("leave@example.com", PASSWORD).await;
    assert_eq!(login.status, 303, "{}", login.body);
    let cookie = cookie_value(&login.set_cookie(SESSION_COOKIE).expect("a session cookie"));
    let dashboard = |app: &TestApp| {
        let (url, cookie) = (app.url("/dashboard"), cookie.clone());
        async move {
            client()
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(dashboard(&one).await, 200, "the session works on instance one");
    assert_eq!(dashboard(&two).await, 200, "and on instance two");

    // Signing out through the proxy (one instance) ends it on both.
    let mut same = one.through(&proxy.url);
    same.client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(
            [(reqwest::header::COOKIE, cookie.parse().unwrap())]
                .into_iter()
                .collect(),
        )
        .build()
        .unwrap();
    let token = same.csrf_token("/dashboard").await;
    let out = same.post_raw("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(out.status, 303, "{}", out.body);
    assert_eq!(dashboard(&one).await, 303, "signed out on instance one");
    assert_eq!(dashboard(&two).await, 303, "signed out on instance two");

    // Wrong passwords spread over the instances count together.
    let guesser = |app: &TestApp| app.sibling();
    for i in 0..examdrill::accounts::throttle::MAX_PER_PAIR {
        let target = if i % 2 == 0 { &one } else { &two };
        let page = guesser(target).login("leave@example.com", "wrong-password-123").await;
        assert_eq!(page.status, 401, "guess {i}: {}", page.status);
    }
    for app in [&one, &two] {
        let page = guesser(app).login("leave@example.com", PASSWORD).await;
        assert_eq!(page.status, 429, "the pair is locked on every instance");
    }
}

#[tokio::test]
async fn a_bank_change_through_one_instance_is_served_by_the_other_at_once() {
    let (one, two) = two_instances().await;
    let student = two.sibling();
    student.register("new@example.com", "New", PASSWORD).await;
    assert!(!student.get("/exams").await.body.contains("Cluster Exam"));
    // An instructor's import of a new exam lands through instance one (its
    // pool, its process); instance two has its catalog cached already.
    let mut bank = blueprints();
    let mut exam = bank.blueprints[0].clone();
    exam.code = "clu-c01".into();
    exam.name_ko = "Cluster Exam".into();
    exam.name_en = "Cluster Exam".into();
    exam.questions = 1;
    let domain = exam.domains[0].code.clone();
    bank.blueprints = vec![exam];
    bank.topics.push(topic("cluster-fresh"));
    bank.questions
        .push(question("cluster-fresh-1", "clu-c01", &domain, "cluster-fresh"));
    import(&one.pool, &bank, None, Mode::Apply).await.unwrap();
    // The very next request to instance two offers it.
    let exams = student.get("/exams").await;
    assert!(
        exams.body.contains("Cluster Exam"),
        "instance two lists the new exam at once"
    );
}

/// Debian's PgBouncer in session pooling mode before the test server, started
/// by `scripts/lib/pgbouncer.sh` as `scripts/cluster --pgbouncer` starts it.
struct Bouncer {
    port: u16,
    dir: std::path::PathBuf,
}

impl Bouncer {
    async fn start(server_url: &str) -> Bouncer {
        assert!(
            std::env::var("PGBOUNCER_BIN").is_ok(),
            "PGBOUNCER_BIN: run the suite through scripts/test, which installs PgBouncer"
        );
        let dir = std::env::temp_dir().join(format!("examdrill-pgbouncer-{}", uuid::Uuid::new_v4().simple()));
        let port = free_port();
        let script = format!(
            "source '{}/scripts/lib/pgbouncer.sh' && pgbouncer_start '{}' {port} '{server_url}'",
            env!("CARGO_MANIFEST_DIR"),
            dir.display()
        );
        let out = Command::new("bash").args(["-c", &script]).output().expect("bash");
        assert!(
            out.status.success(),
            "pgbouncer_start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bouncer = Bouncer { port, dir };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return bouncer;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("PgBouncer did not listen on {port}: {}", bouncer.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
    }
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let script = format!(
            "source '{}/scripts/lib/pgbouncer.sh' && pgbouncer_stop '{}'",
            env!("CARGO_MANIFEST_DIR"),
            self.dir.display()
        );
        let _ = Command::new("bash").args(["-c", &script]).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn through_pgbouncer_a_student_signs_in_on_one_instance_and_is_graded_on_the_other() {
    let bouncer = Bouncer::start(&crate::common::SERVER_URL).await;
    let one = spawn_app_with(|mut s| {
        s.database_url = url_with_port(&s.database_url, bouncer.port);
        s.trusted_proxies = vec![std::net::Ipv4Addr::LOCALHOST.into()];
        s
    })
    .await;
    assert!(one.settings.database_url.contains(&format!(":{}/", bouncer.port)));
    seed_saa_bank(&one, 25).await;
    // The same settings: the second instance reaches PostgreSQL through PgBouncer too.
    let two = one.another_instance().await;

    // Signed in (registered) on instance one, the student continues on two.
    let on_one = one.sibling();
    let reg = on_one.register("bounce@example.com", "Bouncing", PASSWORD).await;
    assert_eq!(reg.status, 303, "{}", reg.body);
    let mut on_two = two.sibling();
    on_two.client = on_one.client.clone();
    assert_eq!(on_two.get("/dashboard").await.status, 200, "signed in on instance two");
    let base = on_two.start_exam().await;
    let mut saved = Vec::new();
    for pos in 1..=4 {
        let (token, values) = on_two.question_form(&base, pos).await;
        let r = on_two
            .autosave(&base, &token, &[("position", &pos.to_string()), ("choice", &values[0])])
            .await;
        assert_eq!(r.status(), 204, "save {pos} through PgBouncer");
        saved.push((pos, values[0].clone()));
    }
    // Graded on instance one, through HAProxy in front of both.
    let proxy = haproxy(&[one.port, two.port]).await;
    let mut student = one.through(&proxy.url);
    student.client = on_one.client.clone();
    let submitted = student.submit(&base).await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    assert_eq!(student.get(&format!("{base}/result")).await.status, 200);

    let attempt = attempt_id(&base);
    let stored: Vec<(i32, Option<String>, Option<bool>)> = sqlx::query_as(
        "select position, selected, correct from attempt_items where attempt_id = $1 and position <= 4 order by position",
    )
    .bind(attempt)
    .fetch_all(&one.pool)
    .await
    .unwrap();
    for ((pos, key), (p, selected, correct)) in saved.iter().zip(&stored) {
        assert_eq!((pos, Some(key.as_str())), (p, selected.as_deref()), "the saved answer");
        assert!(correct.is_some(), "position {p} is graded");
    }
    let (raw, right): (Option<i32>, i64) = sqlx::query_as(
        "select a.raw_score, (select count(*) from attempt_items i where i.attempt_id = a.id and i.correct)
         from attempts a where a.id = $1 and a.submitted_at is not null",
    )
    .bind(attempt)
    .fetch_one(&one.pool)
    .await
    .unwrap();
    assert_eq!(raw.map(i64::from), Some(right), "the grade counts the saved answers");
    // Both instances' pools went through PgBouncer.
    let log = bouncer.log();
    assert!(log.contains(&one.db_name), "PgBouncer served the test database: {log}");
}
