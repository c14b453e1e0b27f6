//! The audit trail: the API list and the page.

pub mod api;
pub mod pages;
