//! Integration tests of credence-ledger: public vectors, properties, the ct-merkle oracle.

mod golden;
mod helpers;
mod oracle;
mod properties;
mod vectors;
