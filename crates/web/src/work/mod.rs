//! "My work" and the caseload dashboard.

pub mod api;
pub mod pages;
