//! credence-watch (work in progress).
