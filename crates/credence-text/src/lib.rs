//! credence-text (work in progress).
