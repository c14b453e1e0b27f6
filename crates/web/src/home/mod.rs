//! The home page.

pub mod pages;
