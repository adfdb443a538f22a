//! Exams and practice sets: assembly from blueprints and grading. Knows
//! nothing of HTTP.

pub mod assembly;
pub mod catalog;
pub mod grading;
pub mod roster;
pub mod saver;
pub mod starter;
pub mod store;
pub mod view;
pub mod walk;
