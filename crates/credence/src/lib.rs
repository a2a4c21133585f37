//! The `credence` command-line tool's library: everything the binary does that is worth
//! testing or benchmarking on its own.
//!
//! Layout: [`ingest`] streams events v1 from files into a store, with [`csv_input`] for
//! the CSV form and [`quarantine`] for rejected lines. The binary (`main.rs`) only parses
//! arguments, opens the store and prints.

pub mod alerting;
pub mod csv_input;
pub mod ingest;
pub mod quarantine;
