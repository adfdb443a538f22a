//! Graded full exams for the item statistics: students of known strength
//! answering the seeded SAA bank, made straight through the store.

use examdrill::accounts::UserId;
use examdrill::exam::store::{Finish, finalize, save_answer};
use uuid::Uuid;

use super::TestApp;
use super::exam::{exam_request, item_questions, start_seeded};

/// Whether student `s` of `of` (stronger as `s` grows) knows question `q`.
pub fn knows(s: usize, of: usize, q: &str) -> bool {
    let h = q
        .bytes()
        .fold(s as u64 * 7919, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    (h % of as u64) < s as u64
}

/// A student account made straight in the database (no password hashing).
pub async fn student(app: &TestApp, n: usize) -> UserId {
    let id = Uuid::new_v4();
    sqlx::query("insert into users (id, email, display_name, password_hash) values ($1, $2, 'S', 'x')")
        .bind(id)
        .bind(format!("graded{n}@example.com"))
        .execute(&app.pool)
        .await
        .expect("a student");
    UserId(id)
}

/// `students` students each sit a full SAA exam from [`super::bank::seeded`]'s
/// bank and submit it; every wrong answer is 'a'. On the `miskeyed` questions
/// the strong students are the ones who answer wrongly, as when the key is
/// wrong. Returns the graded attempts.
pub async fn graded_exams(app: &TestApp, students: usize, miskeyed: &[&str]) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for s in 0..students {
        let user = student(app, s).await;
        let id = start_seeded(app, &exam_request(user), s as u64).await;
        for (pos, qid) in item_questions(app, id).await {
            let choose_two = qid.ends_with('0') || qid.ends_with('5');
            let right = if miskeyed.contains(&qid.as_str()) {
                s < students / 3
            } else {
                knows(s, students, &qid)
            };
            let pick: &[char] = match (right, choose_two) {
                (true, true) => &['a', 'c'],
                (true, false) => &['b'],
                (false, _) => &['a'],
            };
            save_answer(&app.pool, id, user, pos, pick).await.expect("save");
        }
        finalize(&app.pool, id, Finish::Submitted).await.expect("grade");
        ids.push(id);
    }
    ids
}
