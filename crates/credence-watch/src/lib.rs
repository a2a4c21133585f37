//! credence-watch: early-warning statistics.
pub mod bgnbd;
pub mod optim;
pub mod special;
