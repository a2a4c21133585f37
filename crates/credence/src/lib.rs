//! The `credence` command-line tool's library: what is still shared between the binary's
//! modules and worth testing on its own ([`alerting`]). The ingest pipeline lives in
//! `credence-app`.

pub mod alerting;
