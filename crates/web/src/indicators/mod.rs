//! Indicators (issue 21): definitions, values computed from the records on
//! every read, targets and progress, tables exported to CSV and XLSX.
//! `api` and `pages` are the ways in; `service` is what both share.

pub mod api;
pub mod pages;
pub mod service;
