//! Store-level tests: the domain's functions called directly against a fresh
//! PostgreSQL database each (the running app is only there to set things up).
//! What a student or instructor does over HTTP is tested in `tests/api`.

#[path = "../common/mod.rs"]
mod common;

mod attempts;
mod bank_import;
mod first_run;
mod sessions;
mod stats;
