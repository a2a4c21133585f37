//! credence-store (work in progress).
