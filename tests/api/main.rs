//! Integration tests: the real server on port 0, a fresh PostgreSQL database each.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod attempts;
mod bank_import;
mod bank_pages;
mod exam_pages;
mod first_run;
mod hardening;
mod hostile;
mod notes;
mod pages;
mod review;
mod security;
mod sessions;
