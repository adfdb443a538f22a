//! Question banks: the native TOML format, validation with positions, and
//! loading from disk. Knows nothing of HTTP.

pub mod catalog;
pub mod coverage;
pub mod diagnostics;
pub mod diff;
pub mod edit;
pub mod export;
pub mod formats;
pub mod lint;
pub mod load;
pub mod model;
pub mod native;
pub mod seed;
pub mod services;
pub mod store;
pub mod validate;

pub use diagnostics::Diagnostic;
pub use load::{Loaded, load_paths};
pub use model::{Bank, Blueprint, Choice, Difficulty, Kind, Question, Topic};
