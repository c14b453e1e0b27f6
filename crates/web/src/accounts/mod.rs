//! Accounts: who am I, users, roles, API tokens, signing in.

pub mod api;
pub mod pages;
pub mod service;
pub mod user_pages;
