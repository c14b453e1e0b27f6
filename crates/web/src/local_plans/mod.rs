//! ROMACTED's local work (issue 20 §5): community action groups and
//! institutional working groups, their needs assessment and minutes, and
//! joint local action plans with measures and progress. `api` and `pages`
//! are the ways in; both call the store directly.

pub mod api;
pub mod pages;
