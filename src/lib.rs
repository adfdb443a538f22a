//! examdrill: timed, exam-shaped practice for AWS SAA-C03 and SOA-C03.
//!
//! Domain modules (`accounts`, …) know nothing of HTTP; `web` is the thin
//! HTTP layer over them and `startup` wires everything into a server.

pub mod accounts;
pub mod bank;
pub mod cli;
pub mod configuration;
pub mod db;
pub mod exam;
pub mod i18n;
pub mod markdown;
pub mod notes;
pub mod reports;
pub mod review;
pub mod session_store;
pub mod startup;
pub mod stats;
pub mod telemetry;
pub mod web;
