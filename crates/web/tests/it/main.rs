//! Köprü's integration tests: one binary, in-process, against a real database
//! per test (SQLite, or PostgreSQL when KOPRU_TEST_POSTGRES_URL is set).

// A test may unwrap: a panic here is a failed test (workspace lints, Cargo.toml).
#![allow(clippy::unwrap_used)]

mod helpers;

mod access;
mod activities;
mod audit;
mod auth;
mod cases;
mod directory;
mod duplicates;
mod exports;
mod forms;
mod i18n;
mod imports;
mod indicators;
mod local_plans;
mod outcomes;
mod registry;
mod robustness;
mod strategy;
