//! Attempts: starting, answering and submitting one over HTTP, starting one
//! straight through the store, and moving its clock.

use examdrill::accounts::UserId;
use examdrill::exam::store::{Feedback, Mode, StartRequest, start};
use rand::SeedableRng;
use rand::rngs::StdRng;
use uuid::Uuid;

use super::bank::seeded;
use super::{PASSWORD, Page, TestApp, client};

/// The id of the user registered as `email`.
pub async fn user_id(app: &TestApp, email: &str) -> UserId {
    let id: Uuid = sqlx::query_scalar("select id from users where email = $1")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .expect("user id");
    UserId(id)
}

/// Registers (and signs in) a student and returns their id.
pub async fn register_student(app: &TestApp, email: &str) -> UserId {
    let p = app.register(email, "Student", PASSWORD).await;
    assert_eq!(p.status, 303, "registration failed: {}", p.body);
    user_id(app, email).await
}

/// Moves an attempt's deadline `seconds` into the past.
pub async fn set_deadline_ago(app: &TestApp, attempt: Uuid, seconds: i32) {
    sqlx::query("update attempts set deadline = now() - $2 * interval '1 second' where id = $1")
        .bind(attempt)
        .bind(seconds)
        .execute(&app.pool)
        .await
        .expect("move the deadline");
}

/// Lets an attempt's time run out: its deadline a minute ago, past the grace period.
pub async fn expire_attempt(app: &TestApp, attempt: Uuid) {
    set_deadline_ago(app, attempt, 60).await;
}

/// The attempt id in a path under `/attempts/<id>`.
pub fn attempt_id(path: &str) -> Uuid {
    path.split('/')
        .nth(2)
        .expect("an attempt path")
        .parse()
        .expect("an attempt id")
}

/// A full SAA-C03 exam with feedback at the end.
pub fn exam_request(user: UserId) -> StartRequest {
    StartRequest {
        user,
        exam: "saa-c03".into(),
        mode: Mode::Exam,
        feedback: Feedback::AtEnd,
        count: None,
        minutes: None,
        domains: vec![],
        topics: vec![],
    }
}

/// An untimed SAA-C03 practice set of `count` questions from `topics` (empty: all).
pub fn practice_request(user: UserId, count: usize, topics: Vec<String>) -> StartRequest {
    StartRequest {
        mode: Mode::Practice,
        count: Some(count),
        topics,
        ..exam_request(user)
    }
}

/// Starts an attempt through the store, assembled with a seeded random order.
pub async fn start_seeded(app: &TestApp, req: &StartRequest, seed: u64) -> Uuid {
    start(&app.pool, req, &mut StdRng::seed_from_u64(seed))
        .await
        .expect("start an attempt")
}

/// (position, question id) of every item of an attempt, in order.
pub async fn item_questions(app: &TestApp, attempt: Uuid) -> Vec<(i32, String)> {
    sqlx::query_as("select position, question_id from attempt_items where attempt_id = $1 order by position")
        .bind(attempt)
        .fetch_all(&app.pool)
        .await
        .expect("attempt items")
}

/// A fresh app with [`seeded`]`(25)`'s bank, where the student `email` has
/// just started a full exam; returns the app and the attempt's path.
pub async fn exam_in_progress(email: &str, name: &str) -> (TestApp, String) {
    let app = seeded(25).await;
    app.register(email, name, PASSWORD).await;
    let base = app.start_exam().await;
    (app, base)
}

impl Page {
    /// The option values shown on a question page, in order.
    pub fn option_values(&self) -> Vec<String> {
        let sel = scraper::Selector::parse("input[name=choice]").expect("selector");
        self.html()
            .select(&sel)
            .filter_map(|e| e.value().attr("value").map(str::to_owned))
            .collect()
    }

    /// The signed token the question page's script sends with autosaves.
    pub fn save_token(&self) -> String {
        self.attr("#answer-form", "data-save-token").expect("save token")
    }
}

impl TestApp {
    /// Starts an attempt with the form on /exams and returns its path
    /// (`/attempts/<id>`); the start must redirect to the first question.
    pub async fn start_attempt(&self, form: &[(&str, &str)]) -> String {
        let resp = self.post("/exams", "/attempts", form).await;
        assert_eq!(resp.status, 303, "{}", resp.body);
        let loc = resp.location().expect("attempt location").to_owned();
        assert!(loc.ends_with("/q/1"), "{loc}");
        loc.trim_end_matches("/q/1").to_owned()
    }

    /// Starts a full SAA-C03 exam; see [`TestApp::start_attempt`].
    pub async fn start_exam(&self) -> String {
        self.start_attempt(&[("exam", "saa-c03"), ("mode", "exam")]).await
    }

    /// Posts the question form at `pos` (choices, flag, where to go next), as without JavaScript.
    pub async fn answer(&self, base: &str, pos: i32, form: &[(&str, &str)]) -> Page {
        let url = format!("{base}/q/{pos}");
        self.post(&url, &url, form).await
    }

    /// Submits the attempt from its review page.
    pub async fn submit(&self, base: &str) -> Page {
        self.post(&format!("{base}/review"), &format!("{base}/submit"), &[])
            .await
    }

    /// The save token and the on-screen option values of question `pos`.
    pub async fn question_form(&self, base: &str, pos: i32) -> (String, Vec<String>) {
        let page = self.get(&format!("{base}/q/{pos}")).await;
        (page.save_token(), page.option_values())
    }

    /// An autosave as the page script sends it, from this browser (with its cookies).
    pub async fn autosave(&self, base: &str, token: &str, form: &[(&str, &str)]) -> reqwest::Response {
        send_autosave(&self.client, &self.url(&format!("{base}/save")), token, form).await
    }

    /// An autosave carrying the token alone, from a client without cookies.
    pub async fn autosave_cookieless(&self, base: &str, token: &str, form: &[(&str, &str)]) -> reqwest::StatusCode {
        send_autosave(&client(), &self.url(&format!("{base}/save")), token, form)
            .await
            .status()
    }
}

async fn send_autosave(client: &reqwest::Client, url: &str, token: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client
        .post(url)
        .header("x-save-token", token)
        .form(form)
        .send()
        .await
        .expect("autosave")
}
