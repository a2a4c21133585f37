//! The trust indicator system of credence, per merchant and period, and the
//! service-recovery analysis.
//!
//! This crate owns the definitions of the indicators (`nps`, `csat`, `ces`,
//! `on_time_rate`, `promise_kept_rate`, `complaint_rate`, `repurchase_rate`,
//! `retention_rate`, `bayes_rating`, `trust_mean`…, documented one by one in
//! `docs/indicators.md`), the reporting periods (months and weeks in any IANA time zone,
//! half-open), and the recovery analysis (failures linked to the reply, resolution or
//! compensation that followed, with trust before and after from the engine).
//!
//! It is pure: it never does I/O — no files, no network, no clock, no environment. The
//! caller gives it events (any order) and a [`credence_engine::Engine`] holding the same
//! events; it returns values. It depends only on `credence-events`, `credence-engine`,
//! `serde`, `jiff` and `thiserror`.
//!
//! # Layout
//!
//! - `data` — [`DatasetBuilder`] / [`Dataset`]: the facts indicators are computed from
//!   (orders with their first delivery and refunds, tickets with their first response,
//!   reviews with their first reply, commitments with their result, surveys,
//!   complaints, customer activity), linked by id whatever the arrival order.
//! - `period` — [`PeriodSpec`], [`Period`], [`Granularity`], [`parse_bound`].
//! - `indicators` — [`Indicators`] and [`indicators()`]: one row per period; the trust
//!   fields come from one engine evaluation per period ([`trust_fields`]).
//! - `recovery` — [`Episode`], [`RecoverySummary`], [`recovery()`].
//!
//! # Example
//!
//! ```
//! use credence_indicators::{Dataset, Options, PeriodSpec, indicators};
//! let lines = [
//!     r#"{"id":"e1","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"c","order":"o1","promised_by":"2026-03-03T10:00:00Z"}"#,
//!     r#"{"id":"e2","type":"delivery","at":"2026-03-02T10:00:00Z","merchant":"m","customer":"c","order":"o1"}"#,
//!     r#"{"id":"e3","type":"survey","at":"2026-03-04T10:00:00Z","merchant":"m","customer":"c","metric":"nps","score":10}"#,
//! ];
//! let events: Vec<_> = lines.iter().map(|l| credence_events::parse_event(l).unwrap()).collect();
//! let data = Dataset::from_events(&events);
//! let mut engine = credence_engine::Engine::default();
//! engine.extend(&events);
//! let (first, last) = data.span(Some("m")).unwrap();
//! let periods = PeriodSpec::default().periods(first, last).unwrap();
//! let rows = indicators(&data, &engine, "m", &periods, &Options::default());
//! assert_eq!(rows[0].on_time_rate, Some(1.0));
//! assert_eq!(rows[0].nps, Some(100.0));
//! assert_eq!(rows[0].complaint_rate, Some(0.0));
//! ```

mod data;
mod indicators;
mod period;
mod recovery;

pub use data::{Dataset, DatasetBuilder, RecoveryAction};
pub use indicators::{
    AspectSentiment, Indicators, Options, indicators, percentile_nearest_rank, trust_fields,
    trust_time,
};
pub use period::{Granularity, Period, PeriodError, PeriodSpec, parse_bound};
pub use recovery::{
    Episode, FailureKind, RecoveryOptions, RecoverySummary, evaluate_trust, recovery,
    recovery_episodes, summarize,
};
