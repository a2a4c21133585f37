//! The transparency ledger of credence: a pure library that owns the RFC 9162 Merkle tree
//! (SHA-256, leaf prefix `0x00`, node prefix `0x01`) over a pluggable hash store, inclusion
//! and consistency proofs, C2SP checkpoints signed as Ed25519 signed notes, the canonical
//! byte encoding of leaves that carry no personal data (salted customer and text hashes,
//! openings, tombstones), and receipts (JSON and C2SP tlog-proof) that anyone can verify
//! offline. It does no file or network I/O and reads no clock: times, keys, randomness and
//! storage are passed in. It must never depend on the engine, the store crates or the CLI;
//! those wire it to SQLite/PostgreSQL and to `credence ledger …` commands.
//!
//! # Layout
//!
//! - `hash`: the [`Hash`](struct@Hash) type, [`leaf_hash`] and [`node_hash`].
//! - `tree`: the [`HashReader`] / [`TreeStore`] traits, the [`MemoryStore`],
//!   [`compute_append`] (one batch of [`StoredHashes`] per append), [`tree_root`],
//!   [`prove_inclusion`], [`prove_consistency`], the proof types, and [`RootBuilder`]
//!   (root from streamed leaf hashes, for audits).
//! - `checkpoint`: [`Checkpoint`], [`SigningKey`], [`VerifierKey`], [`SignedCheckpoint`],
//!   [`sign_checkpoint`], [`sign_note`], [`verify_note`].
//! - `leaf`: [`Leaf`], [`LeafKind`], [`LeafOpening`], [`Tombstone`] and the salt functions.
//! - `receipt`: [`Receipt`] ([`Receipt::build`]), [`verify_receipt`], [`TlogProof`],
//!   [`prove_consistency_between`] and [`verify_consistency_between`].
//! - `testing` (feature `testing`): the conformance suite every [`TreeStore`] runs.
//!
//! The Merkle and note algorithms come from `tlog_tiles` and `signed_note` (ports of Go's
//! `sumdb/tlog` and `sumdb/note`); their types never appear in this API, so a swap stays
//! inside this crate. The byte formats are specified in `docs/ledger-format.md`.
//!
//! # Storage and its cost
//!
//! The tree is kept as *stored hashes* in the layout of Go's `sumdb/tlog`: every hash has a
//! fixed position ([`stored_hash_index`]), so a store is a flat map `position → 32 bytes`
//! (e.g. an SQLite table `(idx INTEGER PRIMARY KEY, hash BLOB)`) that is only ever appended
//! to. Appending leaf `n` stores its leaf hash plus one hash per subtree it completes:
//! [`stored_hash_count`]`(N) < 2N`, i.e. **64 bytes per entry** on average, and an append of
//! many leaves is one contiguous [`StoredHashes`] batch, written in one transaction through
//! [`TreeStore::write_hashes`]. With the leaf bytes (82 + merchant + event id bytes for a
//! review, see `docs/ledger-format.md`) that is about 173 bytes per entry; a store that
//! keeps the leaf bytes may drop the level-0 hashes (they are [`leaf_hash`] of the leaf) and
//! persist only [`StoredHashes::interior`], answering level-0 reads
//! ([`stored_leaf_index`]) by hashing the leaf: about 141 bytes per entry. A root or a
//! proof reads at most `2·log₂ N` hashes in one [`HashReader::read_hashes`] call.
//!
//! # Example
//!
//! ```
//! use credence_ledger::*;
//!
//! # fn main() -> Result<(), LedgerError> {
//! let key = SigningKey::from_seed("shop.example/ledger", &[1; 32])?;
//! let (leaf, opening) = Leaf::new(LeafKind::Review { rating: 5 }, "m-1", "ev-1", 1_700_000_000_000_000)
//!     .with_customer(b"customer secret", "c-1", Some("fast delivery"));
//! let bytes = leaf.encode()?;
//!
//! let mut tree = MemoryStore::new();
//! let batch = tree.append(&[&bytes])?; // persist batch.hashes in one write
//! assert_eq!(batch.hashes.len(), 1);
//!
//! let checkpoint = Checkpoint::new(key.name(), tree.size(), tree.root()?)?;
//! let signed = sign_checkpoint(&checkpoint, &key)?;
//! let proof = prove_inclusion(&tree, 0, tree.size())?;
//! let receipt = Receipt::new(bytes, &proof, &signed, Some(opening))?;
//!
//! let json = receipt.to_json();
//! let vkey = VerifierKey::parse(&key.verifier_key().to_string())?;
//! verify_receipt(&Receipt::from_json(&json)?, &vkey)?;
//! # Ok(())
//! # }
//! ```

mod checkpoint;
mod error;
mod hash;
mod leaf;
mod receipt;
mod tree;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use checkpoint::{
    Checkpoint, SignedCheckpoint, SigningKey, VerifierKey, sign_checkpoint, sign_note, verify_note,
};
pub use error::LedgerError;
pub use hash::{Hash, leaf_hash, node_hash};
pub use leaf::{
    LEAF_FORMAT_VERSION, Leaf, LeafKind, LeafOpening, Tombstone, customer_commitment, leaf_salt,
    text_commitment,
};
pub use receipt::{
    Receipt, TLOG_PROOF_HEADER, TlogProof, prove_consistency_between, verify_consistency_between,
    verify_receipt,
};
pub use tree::{
    ConsistencyProof, HashReader, InclusionProof, MAX_TREE_SIZE, MemoryStore, RootBuilder,
    StoredHashes, TreeStore, append, compute_append, prove_consistency, prove_inclusion,
    split_stored_hash_index, stored_hash_count, stored_hash_index, stored_leaf_index, tree_root,
};
