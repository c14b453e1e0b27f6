//! The registry: people, households, consents, special-category data, person transfers and the person export.

pub mod api;
pub mod export;
pub mod pages;
pub mod service;
