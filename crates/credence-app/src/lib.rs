//! `credence-app`: the application layer — the services the command line (`credence`)
//! and the HTTP server (`credence-server`) share, over the pure core (events, engine) and
//! the storage traits.
//!
//! It owns opening a store by location, the ingest pipeline, text evidence, the evidence
//! rules, the one sequence that loads a merchant's events into an engine, alerts,
//! reports, the ledger operations and API key minting. It never depends on `clap`,
//! `axum` or anything that parses arguments or answers requests, and never prints to
//! stdout: callers print what it returns. Errors are typed (`thiserror`); the binary
//! adds context at its edge.
//!
//! # Layout
//!
//! - [`store`] — [`DbLocation`] (a SQLite path or a PostgreSQL URL) and [`open_store`].
//! - [`ingest`] — streams events v1 from files into a store, with [`csv_input`] for the
//!   CSV form and [`quarantine`] for rejected lines (with a progress bar on stderr when
//!   asked).
//! - [`rules`] — the evidence rules: defaults or a TOML file ([`load_rules`]).
//! - [`evaluate`] — [`Evaluator`], the one sequence that loads stored events into the
//!   trust engine (scan, hold back the events with text, analyse or read their text,
//!   feed the engine), used by every command that evaluates and by the server's live
//!   engines; [`parse_eval_time`].
//! - [`text_evidence`] — what the customer's words say, analysed lazily and cached in
//!   the store, as the engine's text signals.
//! - [`alerts`] — crisis streams and customer risk from a merchant's events, the alert
//!   list with its statuses.
//! - [`report`] — the indicator system and service recovery per merchant and period.
//! - [`ledger`] — the signing key, checkpoints, receipts and consistency proofs.
//! - [`keys`] — API key scopes, minting and hashing.

pub mod alerts;
pub mod csv_input;
pub mod evaluate;
pub mod ingest;
pub mod keys;
pub mod ledger;
pub mod live;
pub mod quarantine;
pub mod report;
pub mod rules;
pub mod store;
pub mod text_evidence;

pub use evaluate::{EvalError, Evaluator, LoadedMerchant, Scan, Sink, parse_eval_time};
pub use rules::{RulesFileError, load_rules};
pub use store::{DbLocation, OpenError, open_store};
