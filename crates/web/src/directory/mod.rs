//! The directory: areas, programmes, units and institutions.

pub mod api;
pub mod pages;
