//! The Merkle tree of RFC 9162 §2.1 over a pluggable hash store.
//!
//! The tree is persisted in the *stored hashes* layout of Go's `sumdb/tlog` (Crosby and
//! Wallach's post-order numbering): appending leaf `n` stores its leaf hash plus one interior
//! hash for every subtree it completes, so a tree of `N` leaves holds
//! [`stored_hash_count`]`(N)` < `2·N` hashes, **64 bytes per leaf on average**. Every hash has a
//! fixed position ([`stored_hash_index`]), so a store is a flat array `index → 32 bytes`: an
//! SQLite table `(idx INTEGER PRIMARY KEY, hash BLOB)`, a file of 32-byte records, a `Vec`.
//! Stored hashes are never rewritten; an append only adds new positions.
//!
//! Inclusion and consistency proofs, and tree roots, need at most `2·log₂ N` stored hashes
//! each, read in one [`HashReader::read_hashes`] call.
//!
//! The algorithms are those of the `tlog_tiles` crate (a port of Go's `sumdb/tlog`), wrapped
//! so that nothing of that crate appears in this API.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use crate::{Hash, LedgerError, hash::leaf_hash};

/// Largest tree size the library accepts (2⁶²), far beyond any real log; it keeps the
/// index arithmetic of the wrapped crate clear of overflow.
pub const MAX_TREE_SIZE: u64 = 1 << 62;

/// Longest proof that can be valid for a tree of at most [`MAX_TREE_SIZE`] leaves.
const MAX_PROOF_HASHES: usize = 64;

/// Read access to stored hashes — the one thing the tree needs from storage.
///
/// Implement this for the real store (SQLite, PostgreSQL, …). Indexes are positions in the
/// stored-hash layout (see [`stored_hash_index`]); the library asks for them in increasing
/// order and at most a few dozen at a time, but an implementation must answer any order,
/// repeats included (the conformance suite checks it).
pub trait HashReader {
    /// Returns the hashes at the given stored-hash indexes, in the same order.
    ///
    /// Must return exactly `indexes.len()` hashes or an error (wrap foreign errors with
    /// [`LedgerError::store`]). A missing index is an error, not a zero hash.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LedgerError>;
}

impl<T: HashReader + ?Sized> HashReader for &T {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LedgerError> {
        (**self).read_hashes(indexes)
    }
}

/// A store that also knows its size and accepts appends: what [`append`] needs.
pub trait TreeStore: HashReader {
    /// Number of leaves in the stored tree.
    fn tree_size(&self) -> u64;
    /// Persists one batch produced by [`compute_append`]: `batch.hashes[i]` goes to index
    /// `batch.start_index + i`, and the tree size becomes `batch.new_size`. A durable store
    /// writes the batch (and the leaves) in one transaction.
    fn write_hashes(&mut self, batch: &StoredHashes) -> Result<(), LedgerError>;
    /// Persists one batch together with the leaf bytes it was computed from (leaf
    /// `batch.old_size + i` is `leaves[i]`); [`append`] calls this. The default ignores the
    /// leaves and calls [`TreeStore::write_hashes`]; a store that keeps the leaf bytes
    /// overrides it, may then skip the level-0 hashes ([`StoredHashes::interior`]) and
    /// may refuse [`TreeStore::write_hashes`] alone.
    fn write_leaves(&mut self, batch: &StoredHashes, leaves: &[&[u8]]) -> Result<(), LedgerError> {
        let _ = leaves;
        self.write_hashes(batch)
    }
}

/// The new stored hashes produced by appending a run of leaves: one batched write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHashes {
    /// Tree size before the append.
    pub old_size: u64,
    /// Tree size after the append.
    pub new_size: u64,
    /// Stored-hash index of `hashes[0]`; equals [`stored_hash_count`]`(old_size)`.
    pub start_index: u64,
    /// The hashes to store at `start_index..start_index + hashes.len()`.
    pub hashes: Vec<Hash>,
}

impl StoredHashes {
    /// `(stored index, hash)` for every hash of the batch.
    pub fn indexed(&self) -> impl Iterator<Item = (u64, &Hash)> {
        (self.start_index..).zip(self.hashes.iter())
    }

    /// `(stored index, hash)` for the interior hashes only (level ≥ 1). A store that keeps
    /// the leaf bytes can skip the level-0 hashes — each is [`leaf_hash`] of leaf `n`'s bytes —
    /// and answer them in [`HashReader::read_hashes`] by hashing the leaf
    /// (see [`stored_leaf_index`](crate::stored_leaf_index)): 32 bytes less per entry.
    pub fn interior(&self) -> impl Iterator<Item = (u64, &Hash)> {
        self.indexed()
            .filter(|(i, _)| stored_leaf_index(*i).is_none())
    }
}

/// `Some(n)` if stored-hash position `index` holds the leaf hash of leaf `n` (level 0).
pub fn stored_leaf_index(index: u64) -> Option<u64> {
    match split_stored_hash_index(index) {
        (0, n) => Some(n),
        _ => None,
    }
}

/// Position of the hash of the subtree at `level` (0 = leaves) and index `n` within that
/// level, in the stored-hash layout.
///
/// # Panics
/// Never for `n` below [`MAX_TREE_SIZE`] `>> level`; larger inputs overflow.
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    tlog_tiles::stored_hash_index(level, n)
}

/// Inverse of [`stored_hash_index`]: `(level, n)` of a stored-hash position.
pub fn split_stored_hash_index(index: u64) -> (u8, u64) {
    tlog_tiles::split_stored_hash_index(index)
}

/// Number of stored hashes of a tree of `tree_size` leaves (< 2 · `tree_size`).
pub fn stored_hash_count(tree_size: u64) -> u64 {
    tlog_tiles::stored_hash_count(tree_size)
}

fn check_size(size: u64) -> Result<(), LedgerError> {
    if size > MAX_TREE_SIZE {
        return Err(LedgerError::InvalidInput(format!(
            "tree size {size} exceeds the supported maximum 2^62"
        )));
    }
    Ok(())
}

/// Adapts a [`HashReader`] to the wrapped crate's reader, keeping the first real error and
/// turning a wrong-length answer into an error instead of a panic in the wrapped code.
struct Adapter<'a, R: ?Sized> {
    inner: &'a R,
    error: RefCell<Option<LedgerError>>,
}

impl<'a, R: HashReader + ?Sized> Adapter<'a, R> {
    fn new(inner: &'a R) -> Self {
        Adapter {
            inner,
            error: RefCell::new(None),
        }
    }

    fn convert(&self, e: tlog_tiles::Error) -> LedgerError {
        if let Some(stored) = self.error.borrow_mut().take() {
            return stored;
        }
        from_tlog(e)
    }
}

impl<R: HashReader + ?Sized> tlog_tiles::HashReader for Adapter<'_, R> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        let stash = |e: LedgerError| {
            *self.error.borrow_mut() = Some(e);
            tlog_tiles::Error::InvalidInput("hash store failed".into())
        };
        match self.inner.read_hashes(indexes) {
            Ok(v) if v.len() == indexes.len() => {
                Ok(v.into_iter().map(|h| tlog_tiles::Hash(h.0)).collect())
            }
            Ok(v) => Err(stash(LedgerError::Store(
                format!(
                    "store returned {} hashes for {} indexes",
                    v.len(),
                    indexes.len()
                )
                .into(),
            ))),
            Err(e) => Err(stash(e)),
        }
    }
}

fn from_tlog(e: tlog_tiles::Error) -> LedgerError {
    match e {
        tlog_tiles::Error::InvalidProof => LedgerError::InvalidProof("proof does not verify"),
        tlog_tiles::Error::InvalidInput(s) => LedgerError::InvalidInput(s),
        other => LedgerError::InvalidInput(other.to_string()),
    }
}

/// Reads from a base store, and from a batch not yet written for indexes at or past the
/// batch start (an append of many leaves needs hashes it computed itself moments ago).
struct Overlay<'a, R: ?Sized> {
    base: &'a R,
    start: u64,
    pending: &'a [tlog_tiles::Hash],
    error: RefCell<Option<LedgerError>>,
}

impl<R: HashReader + ?Sized> tlog_tiles::HashReader for Overlay<'_, R> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        let fail = |e: LedgerError| {
            *self.error.borrow_mut() = Some(e);
            tlog_tiles::Error::InvalidInput("hash store failed".into())
        };
        let from_base: Vec<u64> = indexes
            .iter()
            .copied()
            .filter(|&i| i < self.start)
            .collect();
        let base = if from_base.is_empty() {
            Vec::new()
        } else {
            let got = self.base.read_hashes(&from_base).map_err(fail)?;
            if got.len() != from_base.len() {
                return Err(fail(LedgerError::Store(
                    format!(
                        "store returned {} hashes for {} indexes",
                        got.len(),
                        from_base.len()
                    )
                    .into(),
                )));
            }
            got
        };
        let mut base = base.into_iter();
        let mut out = Vec::with_capacity(indexes.len());
        for &i in indexes {
            let h = if i < self.start {
                base.next().map(|h| tlog_tiles::Hash(h.0))
            } else {
                usize::try_from(i - self.start)
                    .ok()
                    .and_then(|off| self.pending.get(off))
                    .copied()
            };
            out.push(h.ok_or_else(|| {
                fail(LedgerError::InvalidInput(format!(
                    "append needs stored hash {i}, not in store or batch"
                )))
            })?);
        }
        Ok(out)
    }
}

/// Computes the stored hashes for appending `leaf_hashes` to a tree of `old_size` leaves
/// whose hashes `reader` holds. Reads at most `log₂ N` old hashes per leaf; writes nothing.
///
/// The result is persisted with one batched write (see [`TreeStore::write_hashes`]).
pub fn compute_append<R: HashReader + ?Sized>(
    reader: &R,
    old_size: u64,
    leaf_hashes: &[Hash],
) -> Result<StoredHashes, LedgerError> {
    let n = leaf_hashes.len() as u64;
    let new_size = old_size
        .checked_add(n)
        .ok_or_else(|| LedgerError::InvalidInput("tree size overflow".into()))?;
    check_size(new_size)?;
    let start_index = stored_hash_count(old_size);
    let mut pending: Vec<tlog_tiles::Hash> =
        Vec::with_capacity(leaf_hashes.len() * 2 + MAX_PROOF_HASHES);
    for (i, h) in leaf_hashes.iter().enumerate() {
        let index = old_size + i as u64;
        let new = {
            let overlay = Overlay {
                base: reader,
                start: start_index,
                pending: &pending,
                error: RefCell::new(None),
            };
            tlog_tiles::stored_hashes_for_record_hash(index, tlog_tiles::Hash(h.0), &overlay)
                .map_err(|e| {
                    overlay
                        .error
                        .borrow_mut()
                        .take()
                        .unwrap_or_else(|| from_tlog(e))
                })?
        };
        pending.extend(new);
    }
    Ok(StoredHashes {
        old_size,
        new_size,
        start_index,
        hashes: pending.into_iter().map(|h| Hash(h.0)).collect(),
    })
}

/// Appends leaves (their bytes; each is hashed with [`leaf_hash`]) to a [`TreeStore`]:
/// computes the new stored hashes, writes them in one batch, and returns that batch.
pub fn append<S: TreeStore + ?Sized, L: AsRef<[u8]>>(
    store: &mut S,
    leaves: &[L],
) -> Result<StoredHashes, LedgerError> {
    let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l.as_ref())).collect();
    let batch = compute_append(&*store, store.tree_size(), &hashes)?;
    let bytes: Vec<&[u8]> = leaves.iter().map(AsRef::as_ref).collect();
    store.write_leaves(&batch, &bytes)?;
    Ok(batch)
}

/// Root hash of the first `tree_size` leaves (one read of at most `log₂ N` hashes).
/// The empty tree's root is [`Hash::EMPTY_ROOT`].
pub fn tree_root<R: HashReader + ?Sized>(reader: &R, tree_size: u64) -> Result<Hash, LedgerError> {
    check_size(tree_size)?;
    let a = Adapter::new(reader);
    tlog_tiles::tree_hash(tree_size, &a)
        .map(|h| Hash(h.0))
        .map_err(|e| a.convert(e))
}

/// An RFC 9162 §2.1.3 inclusion proof (audit path): the sibling hashes from the leaf up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// Zero-based index of the leaf.
    pub leaf_index: u64,
    /// Size of the tree the proof is for.
    pub tree_size: u64,
    /// Audit path, from the leaf's sibling to the root's child.
    pub hashes: Vec<Hash>,
}

impl InclusionProof {
    /// Checks that the leaf with hash `leaf_hash` is at `leaf_index` in the tree of
    /// `tree_size` leaves whose root is `root`.
    pub fn verify(&self, leaf_hash: &Hash, root: &Hash) -> Result<(), LedgerError> {
        if self.leaf_index >= self.tree_size {
            return Err(LedgerError::InvalidProof("leaf index not below tree size"));
        }
        if self.hashes.len() > MAX_PROOF_HASHES {
            return Err(LedgerError::InvalidProof("proof too long"));
        }
        let p: Vec<tlog_tiles::Hash> = self.hashes.iter().map(|h| tlog_tiles::Hash(h.0)).collect();
        tlog_tiles::check_record(
            &p,
            self.tree_size,
            tlog_tiles::Hash(root.0),
            self.leaf_index,
            tlog_tiles::Hash(leaf_hash.0),
        )
        .map_err(|_| LedgerError::InvalidProof("inclusion proof does not lead to the root"))
    }
}

/// An RFC 9162 §2.1.4 consistency proof that the tree of `old_size` leaves is a prefix of
/// the tree of `new_size` leaves. JSON: `{"old_size":N,"new_size":N,"hashes":["<base64>",…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyProof {
    /// Size of the older tree.
    pub old_size: u64,
    /// Size of the newer tree.
    pub new_size: u64,
    /// Proof hashes.
    pub hashes: Vec<Hash>,
}

impl ConsistencyProof {
    /// Checks that `old_root` (of `old_size` leaves) is a prefix of `new_root` (of
    /// `new_size` leaves). From the empty tree only an empty proof and
    /// [`Hash::EMPTY_ROOT`] are accepted.
    pub fn verify(&self, old_root: &Hash, new_root: &Hash) -> Result<(), LedgerError> {
        if self.old_size > self.new_size {
            return Err(LedgerError::InvalidProof("old size larger than new size"));
        }
        if self.hashes.len() > 2 * MAX_PROOF_HASHES {
            return Err(LedgerError::InvalidProof("proof too long"));
        }
        if self.old_size == 0 {
            return if self.hashes.is_empty()
                && *old_root == Hash::EMPTY_ROOT
                && (self.new_size != 0 || *new_root == Hash::EMPTY_ROOT)
            {
                Ok(())
            } else {
                Err(LedgerError::InvalidProof(
                    "a proof from the empty tree must be empty",
                ))
            };
        }
        let p: Vec<tlog_tiles::Hash> = self.hashes.iter().map(|h| tlog_tiles::Hash(h.0)).collect();
        tlog_tiles::check_tree(
            &p,
            self.new_size,
            tlog_tiles::Hash(new_root.0),
            self.old_size,
            tlog_tiles::Hash(old_root.0),
        )
        .map_err(|_| LedgerError::InvalidProof("consistency proof does not verify"))
    }

    /// Parses the JSON form.
    pub fn from_json(s: &str) -> Result<ConsistencyProof, LedgerError> {
        Ok(serde_json::from_str(s)?)
    }

    /// Renders the JSON form (one line).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Inclusion proof for leaf `leaf_index` in the tree of `tree_size` leaves.
pub fn prove_inclusion<R: HashReader + ?Sized>(
    reader: &R,
    leaf_index: u64,
    tree_size: u64,
) -> Result<InclusionProof, LedgerError> {
    check_size(tree_size)?;
    if leaf_index >= tree_size {
        return Err(LedgerError::InvalidInput(format!(
            "leaf index {leaf_index} not below tree size {tree_size}"
        )));
    }
    let a = Adapter::new(reader);
    let p = tlog_tiles::prove_record(tree_size, leaf_index, &a).map_err(|e| a.convert(e))?;
    Ok(InclusionProof {
        leaf_index,
        tree_size,
        hashes: p.into_iter().map(|h| Hash(h.0)).collect(),
    })
}

/// Consistency proof from the tree of `old_size` leaves to the tree of `new_size` leaves.
/// For `old_size == 0` the proof is empty.
pub fn prove_consistency<R: HashReader + ?Sized>(
    reader: &R,
    old_size: u64,
    new_size: u64,
) -> Result<ConsistencyProof, LedgerError> {
    check_size(new_size)?;
    if old_size > new_size {
        return Err(LedgerError::InvalidInput(format!(
            "old size {old_size} larger than new size {new_size}"
        )));
    }
    let hashes = if old_size == 0 {
        Vec::new()
    } else {
        let a = Adapter::new(reader);
        tlog_tiles::prove_tree(new_size, old_size, &a)
            .map_err(|e| a.convert(e))?
            .into_iter()
            .map(|h| Hash(h.0))
            .collect()
    };
    Ok(ConsistencyProof {
        old_size,
        new_size,
        hashes,
    })
}

/// An in-memory [`TreeStore`]: a `Vec` of stored hashes. For tests, tools and benchmarks;
/// also the reference a persistent store should behave like.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    hashes: Vec<Hash>,
    size: u64,
}

impl MemoryStore {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty tree with room for the stored hashes of `leaves` leaves.
    pub fn with_capacity(leaves: usize) -> Self {
        MemoryStore {
            hashes: Vec::with_capacity(leaves.saturating_mul(2)),
            size: 0,
        }
    }

    /// Appends leaves (bytes) and returns the stored-hash batch.
    pub fn append<L: AsRef<[u8]>>(&mut self, leaves: &[L]) -> Result<StoredHashes, LedgerError> {
        append(self, leaves)
    }

    /// Appends already-hashed leaves.
    pub fn append_leaf_hashes(
        &mut self,
        leaf_hashes: &[Hash],
    ) -> Result<StoredHashes, LedgerError> {
        let batch = compute_append(&*self, self.size, leaf_hashes)?;
        self.write_hashes(&batch)?;
        Ok(batch)
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// All stored hashes, in stored-hash order.
    pub fn stored_hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Root of the current tree.
    pub fn root(&self) -> Result<Hash, LedgerError> {
        tree_root(self, self.size)
    }
}

impl HashReader for MemoryStore {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LedgerError> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.hashes.get(i))
                    .copied()
                    .ok_or_else(|| {
                        LedgerError::Store(format!("no stored hash at index {i}").into())
                    })
            })
            .collect()
    }
}

impl TreeStore for MemoryStore {
    fn tree_size(&self) -> u64 {
        self.size
    }

    fn write_hashes(&mut self, batch: &StoredHashes) -> Result<(), LedgerError> {
        let expected = stored_hash_count(batch.new_size).checked_sub(batch.start_index);
        if batch.old_size != self.size
            || batch.start_index != self.hashes.len() as u64
            || expected != Some(batch.hashes.len() as u64)
        {
            return Err(LedgerError::Store(
                format!(
                    "batch for size {} does not follow the store (size {})",
                    batch.old_size, self.size
                )
                .into(),
            ));
        }
        self.hashes.extend_from_slice(&batch.hashes);
        self.size = batch.new_size;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => Hash::EMPTY_ROOT,
            1 => leaves[0],
            n => {
                // largest power of two smaller than n
                let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
                crate::node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn batched_append_equals_one_by_one() -> Result<(), LedgerError> {
        let leaves: Vec<Vec<u8>> = (0..100u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let mut a = MemoryStore::new();
        let batch = a.append(&leaves)?;
        assert_eq!(batch.start_index, 0);
        assert_eq!(batch.hashes.len() as u64, stored_hash_count(100));
        let mut b = MemoryStore::new();
        for l in &leaves {
            let batch = b.append(std::slice::from_ref(l))?;
            assert_eq!(batch.start_index, stored_hash_index(0, batch.old_size));
        }
        assert_eq!(a.stored_hashes(), b.stored_hashes());
        let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l)).collect();
        for n in 0..=100 {
            assert_eq!(tree_root(&a, n)?, naive_root(&hashes[..n as usize]));
        }
        Ok(())
    }

    #[test]
    fn short_store_is_an_error_not_a_panic() {
        struct Bad;
        impl HashReader for Bad {
            fn read_hashes(&self, _: &[u64]) -> Result<Vec<Hash>, LedgerError> {
                Ok(vec![])
            }
        }
        assert!(matches!(tree_root(&Bad, 5), Err(LedgerError::Store(_))));
        assert!(matches!(
            prove_inclusion(&Bad, 1, 5),
            Err(LedgerError::Store(_))
        ));
        assert!(matches!(
            prove_consistency(&Bad, 3, 5),
            Err(LedgerError::Store(_))
        ));
        assert!(compute_append(&Bad, 3, &[Hash::default()]).is_err());
    }

    #[test]
    fn interior_skips_exactly_the_leaf_hashes() -> Result<(), LedgerError> {
        let mut s = MemoryStore::new();
        let leaves: Vec<[u8; 1]> = (0..37u8).map(|i| [i]).collect();
        let b = s.append(&leaves)?;
        let interior: Vec<u64> = b.interior().map(|(i, _)| i).collect();
        assert_eq!(interior.len() + 37, b.hashes.len());
        for (n, l) in leaves.iter().enumerate() {
            let idx = stored_hash_index(0, n as u64);
            assert_eq!(stored_leaf_index(idx), Some(n as u64));
            assert_eq!(s.stored_hashes()[idx as usize], leaf_hash(l));
            assert!(!interior.contains(&idx));
        }
        Ok(())
    }

    #[test]
    fn empty_tree_consistency() -> Result<(), LedgerError> {
        let mut s = MemoryStore::new();
        s.append(&[b"a", b"b"])?;
        let p = prove_consistency(&s, 0, 2)?;
        p.verify(&Hash::EMPTY_ROOT, &s.root()?)?;
        assert!(p.verify(&s.root()?, &s.root()?).is_err());
        Ok(())
    }
}

/// Computes a tree root from leaf hashes streamed in order, keeping only `log₂ N` hashes
/// (the right frontier). For audits: recomputing the root from the stored *leaves*, not from
/// the stored interior hashes, detects an edited or deleted leaf even if the stored hashes
/// were rewritten to match.
#[derive(Debug, Clone, Default)]
pub struct RootBuilder {
    /// Roots of the perfect subtrees of the frontier, largest first, with their heights.
    frontier: Vec<(u32, Hash)>,
    size: u64,
}

impl RootBuilder {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one leaf hash.
    pub fn push(&mut self, leaf_hash: Hash) {
        let mut h = leaf_hash;
        let mut height = 0;
        while let Some(&(top_height, top)) = self.frontier.last() {
            if top_height != height {
                break;
            }
            self.frontier.pop();
            h = crate::node_hash(&top, &h);
            height += 1;
        }
        self.frontier.push((height, h));
        self.size += 1;
    }

    /// Number of leaves pushed.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Root of the leaves pushed so far (RFC 9162: the perfect subtrees, merged right to left).
    pub fn root(&self) -> Hash {
        let mut it = self.frontier.iter().rev();
        let Some(&(_, mut h)) = it.next() else {
            return Hash::EMPTY_ROOT;
        };
        for (_, left) in it {
            h = crate::node_hash(left, &h);
        }
        h
    }
}

#[cfg(test)]
mod root_builder_tests {
    use super::*;

    #[test]
    fn matches_the_stored_tree() -> Result<(), LedgerError> {
        let mut s = MemoryStore::new();
        let mut b = RootBuilder::new();
        assert_eq!(b.root(), Hash::EMPTY_ROOT);
        for i in 0..300u32 {
            let l = i.to_le_bytes();
            s.append(&[l])?;
            b.push(leaf_hash(&l));
            assert_eq!(b.root(), s.root()?, "size {}", i + 1);
        }
        Ok(())
    }
}
