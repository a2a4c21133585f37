//! One module per subcommand: its arguments and what it does.

pub mod alerts;
pub mod demo;
pub mod erase;
pub mod eval;
pub mod ingest;
pub mod keys;
pub mod ledger;
pub mod rebuild;
pub mod report;
pub mod serve;
pub mod status;
pub mod text;
pub mod trust;
