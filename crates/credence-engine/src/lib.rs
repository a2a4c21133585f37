//! credence-engine (work in progress).
