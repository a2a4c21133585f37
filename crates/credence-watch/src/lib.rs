//! credence-watch owns credence's **early-warning statistics**: merchant crisis
//! detection on daily streams of negative signals, the customer risk score, the BG/NBD
//! repurchase model, and the alert model they feed. It is pure computation: it never
//! does I/O, never reads the clock, and never depends on the store or the CLI. The
//! integrator builds its inputs from events and the trust engine, and prints or stores
//! its outputs; every output is a deterministic function of the inputs (arrival order
//! of events cannot change an alert).
//!
//! # Layout
//!
//! - [`detect`] — [`DailySeries`] in, [`Alarm`]s out: a Poisson CUSUM on
//!   exposure-normalised counts with a trailing baseline, its threshold calibrated by a
//!   Markov-chain ARL computation to a false-alarm budget ([`Calibration`]). Stream
//!   definitions in [`detect::streams`].
//! - [`risk`] — [`RiskInputs`] in, [`RiskScore`] (0–1, bilingual reasons) out.
//! - [`bgnbd`] — BG/NBD likelihood, maximum-likelihood fit, P(alive), expected
//!   purchases.
//! - [`alert`] — the [`Alert`] JSON model, stable ids, severities, playbooks, the
//!   one-per-30-days dedup.
//! - [`sim`] — seeded stream simulation and the `credence eval crisis` harness.
//! - [`optim`], [`special`] — Nelder–Mead, `ln Γ`, ₂F₁ (small enough to own).
//!
//! Formulas, calibration and the evaluation tables: `docs/watch.md`.

pub mod alert;
pub mod bgnbd;
mod calibration_table;
pub mod detect;
pub mod optim;
pub mod risk;
pub mod sim;
pub mod special;

pub use alert::{Alert, AlertKind, AlertReason, PlaybookStep, Severity, Status};
pub use detect::{Alarm, Calibration, DailySeries, Day, DetectorConfig};
pub use risk::{RiskInputs, RiskScore};
