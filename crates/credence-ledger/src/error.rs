//! The one error type of the crate.

/// Everything that can go wrong in the ledger library.
///
/// Verification failures are errors: a function that checks a proof, a receipt or a
/// signature returns `Ok(())` only when the check passed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// A Merkle proof does not lead to the expected root (or has the wrong shape).
    #[error("invalid Merkle proof: {0}")]
    InvalidProof(&'static str),
    /// Arguments that cannot describe a tree, e.g. a leaf index not below the tree size.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Leaf or tombstone bytes that are not a canonical encoding.
    #[error("malformed leaf: {0}")]
    MalformedLeaf(String),
    /// A checkpoint body that does not follow C2SP tlog-checkpoint.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(String),
    /// A signed note that is not well formed (C2SP signed-note).
    #[error("malformed signed note: {0}")]
    MalformedNote(String),
    /// The note carries no valid signature by the given verifier key.
    #[error("checkpoint signature does not verify against key {0}")]
    BadSignature(String),
    /// A verifier key or signing key string that cannot be parsed.
    #[error("malformed key: {0}")]
    MalformedKey(String),
    /// The checkpoint origin line differs from the key name.
    #[error("checkpoint origin {origin:?} does not match key name {key:?}")]
    OriginMismatch {
        /// Origin line found in the checkpoint.
        origin: String,
        /// Name of the verifier or signing key.
        key: String,
    },
    /// A receipt or tlog-proof that is structurally wrong or inconsistent with itself.
    #[error("malformed receipt: {0}")]
    MalformedReceipt(String),
    /// A leaf opening that does not belong to the leaf.
    #[error("the opening does not match the leaf")]
    OpeningMismatch,
    /// JSON (receipt, proof) could not be parsed.
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The tree store failed to read or write hashes.
    #[error("tree store: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl LedgerError {
    /// Wraps any store-side error (SQLite, PostgreSQL, …) for a [`crate::HashReader`].
    pub fn store<E: std::error::Error + Send + Sync + 'static>(e: E) -> Self {
        LedgerError::Store(Box::new(e))
    }
}
