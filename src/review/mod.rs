//! Weak-topic review: how well a student knows each topic and domain
//! (`mastery`), when each missed question should come back (`schedule`, FSRS),
//! the daily cap on new cards (`intake`), and the queue and answers in
//! PostgreSQL (`store`).

pub mod intake;
pub mod mastery;
pub mod plan;
pub mod schedule;
pub mod store;
