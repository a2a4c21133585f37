//! End-to-end tests of the `credence` binary, run for real in a temporary directory.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod alerts;
mod ingest;
mod ledger;
mod live;
mod postgres;
mod report;
mod serve;
mod serve_insights;
mod serve_kill;
mod text;
mod trust;
mod util;
