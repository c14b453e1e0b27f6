//! Köprü's domain: the words of the programmes as types, and the rules over them.
//!
//! This crate does no I/O. Every other crate depends on it; it depends on none of them.
//! Values that reach the database or a page are built through `parse` functions that
//! refuse invalid input, so code further in can trust them.

pub mod activity;
pub mod attachment;
pub mod audit;
pub mod case;
pub mod casework;
pub mod codes;
pub mod dhis2;
pub mod employment;
pub mod error;
pub mod export;
pub mod form;
#[cfg(test)]
mod fuzz;
pub mod import;
pub mod indicator;
pub mod local_plan;
pub mod locale;
pub mod merge;
pub mod outcome;
pub mod person;
pub mod policy;
pub mod reference;
pub mod role;
pub mod school_list;
pub mod scope;
pub mod search;
pub mod strategy;

pub use error::{FieldError, ValidationErrors};
pub use locale::Locale;
pub use policy::{Action, Principal};
pub use role::Role;
pub use scope::Scope;
