//! credence-ledger (work in progress).
