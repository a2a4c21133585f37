//! credence-events (work in progress).
