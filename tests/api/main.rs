//! Integration tests over HTTP: the real server on port 0, a fresh PostgreSQL
//! database each. Tests that call the domain's store functions directly are in
//! `tests/store`.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod bank_moodle;
mod bank_pages;
mod bank_uploads;
mod cluster;
mod editor;
mod exam_pages;
mod exam_shell;
mod first_run;
mod hardening;
mod hostile;
mod notes;
mod pages;
mod pilots;
mod reports;
mod review;
mod security;
mod sessions;
mod shutdown;
mod stats_pages;
