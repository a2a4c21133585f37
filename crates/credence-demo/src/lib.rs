//! credence-demo (work in progress).
