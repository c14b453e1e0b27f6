//! Duplicate people: the review queue, decisions, merges and unmerges.

pub mod api;
pub mod pages;
