//! credence-indicators (work in progress).
