//! The events v1 input contract (`docs/events-v1.md`), as Rust types.
//!
//! This crate owns what an event *is*: the typed [`Event`] with its [`EventBody`] per
//! type, strict validation of one JSON object into an event ([`parse_event`]) with a
//! [`Rejection`] a person can act on ("field `rating` must be an integer 1–5, got 7"),
//! and the canonical form used to decide whether two events with the same `id` are the
//! same event ([`canonical_json`]). It is pure: no I/O, no clock. Everything that reads
//! files, stores events or scores them depends on this crate; it depends on none of them.
//!
//! ```
//! let line = r#"{"id":"e3","type":"review","at":"2026-03-04T20:00:00+08:00",
//!   "merchant":"m-tea","customer":"c-001","rating":3,"text":"茶叶不错，但是晚到了一天"}"#;
//! let event = credence_events::parse_event(line).unwrap();
//! assert_eq!(event.event_type(), "review");
//! assert!(matches!(event.body, credence_events::EventBody::Review { rating: 3, .. }));
//!
//! let bad = r#"{"id":"e4","type":"review","at":"2026-03-04T20:00:00Z","merchant":"m","customer":"c","rating":7}"#;
//! let rejection = credence_events::parse_event(bad).unwrap_err();
//! assert_eq!(rejection.to_string(), "field `rating` must be an integer 1–5, got 7");
//! ```

mod canonical;
mod model;
mod parse;

pub use canonical::canonical_json;
pub use model::*;
pub use parse::{MAX_ID_CHARS, Rejection, parse_event, parse_value};
