//! The transparency log's tree in `ledger_leaves`, laid out as in the SQLite store: one
//! row per log entry `(idx, leaf, nodes)`, where `nodes` holds the interior hashes that
//! appending entry `idx` completed (32 bytes × the number of trailing 1-bits of `idx`).
//! Level-0 hashes are not stored: they are `SHA-256(0x00 ‖ leaf)`. A stored hash at
//! level `L ≥ 1`, index `k` is in row `(k+1)·2^L − 1` at offset `32·(L−1)` of `nodes`.
//!
//! Also the [`TreeStore`] impl, for `credence_ledger::append` and its conformance suite.

use std::collections::HashMap;

use credence_ledger::{
    Hash, LedgerError, StoredHashes, TreeStore, compute_append, leaf_hash, split_stored_hash_index,
    stored_hash_count,
};
use postgres::GenericClient;

use crate::{LOCK_WRITE, PostgresStore, lock, pg};
use credence_store::StoreError;

/// Reads stored hashes (any order, repeats allowed) with one query.
pub(crate) fn read_hashes(
    c: &mut impl GenericClient,
    indexes: &[u64],
) -> Result<Vec<Hash>, LedgerError> {
    let missing = |i: u64| LedgerError::Store(format!("no stored hash at index {i}").into());
    // (row, level) of each wanted hash
    let mut wanted = Vec::with_capacity(indexes.len());
    for &i in indexes {
        let (level, k) = split_stored_hash_index(i);
        let row = if level == 0 {
            i64::try_from(k).ok()
        } else {
            k.checked_add(1)
                .filter(|k1| k1.leading_zeros() > u32::from(level))
                .and_then(|k1| i64::try_from((k1 << level) - 1).ok())
        };
        wanted.push((row.ok_or_else(|| missing(i))?, level));
    }
    let mut rows: Vec<i64> = wanted.iter().map(|(r, _)| *r).collect();
    rows.sort_unstable();
    rows.dedup();
    let found = c
        .query(
            "SELECT idx, leaf, nodes FROM ledger_leaves WHERE idx = ANY($1)",
            &[&rows],
        )
        .map_err(LedgerError::store)?;
    let mut by_row: HashMap<i64, (Vec<u8>, Vec<u8>)> = HashMap::with_capacity(found.len());
    for r in found {
        let idx: i64 = r.try_get(0).map_err(LedgerError::store)?;
        let leaf: Vec<u8> = r.try_get(1).map_err(LedgerError::store)?;
        let nodes: Vec<u8> = r.try_get(2).map_err(LedgerError::store)?;
        by_row.insert(idx, (leaf, nodes));
    }
    indexes
        .iter()
        .zip(wanted)
        .map(|(&i, (row, level))| {
            let (leaf, nodes) = by_row.get(&row).ok_or_else(|| missing(i))?;
            if level == 0 {
                return Ok(leaf_hash(leaf));
            }
            let off = 32 * (usize::from(level) - 1);
            let h = nodes.get(off..off + 32).ok_or_else(|| missing(i))?;
            Hash::try_from(h)
        })
        .collect()
}

/// Appends `leaves` after `old_size` inside the caller's transaction (which holds the
/// write lock): computes the new interior hashes and writes the rows.
pub(crate) fn append_leaves(
    tx: &mut postgres::Transaction<'_>,
    old_size: u64,
    leaves: &[Vec<u8>],
) -> Result<(), StoreError> {
    if leaves.is_empty() {
        return Ok(());
    }
    let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l)).collect();
    let batch = {
        let reader = TxReader(std::cell::RefCell::new(&mut *tx));
        compute_append(&reader, old_size, &hashes)?
    };
    let refs: Vec<&[u8]> = leaves.iter().map(|l| &l[..]).collect();
    write_rows(tx, &batch, &refs)
}

/// A [`credence_ledger::HashReader`] over a transaction in progress.
struct TxReader<'a, 'b>(std::cell::RefCell<&'a mut postgres::Transaction<'b>>);

impl credence_ledger::HashReader for TxReader<'_, '_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LedgerError> {
        let mut tx = self
            .0
            .try_borrow_mut()
            .map_err(|_| LedgerError::Store("the transaction is busy".into()))?;
        read_hashes(&mut **tx, indexes)
    }
}

/// Writes the rows of one append batch (one statement): leaf `old_size + i` with the
/// interior hashes it completed.
pub(crate) fn write_rows(
    c: &mut impl GenericClient,
    batch: &StoredHashes,
    leaves: &[&[u8]],
) -> Result<(), StoreError> {
    let bad = |m: &str| StoreError::Tree(LedgerError::Store(m.to_string().into()));
    if batch.new_size - batch.old_size != leaves.len() as u64
        || stored_hash_count(batch.new_size) - batch.start_index != batch.hashes.len() as u64
    {
        return Err(bad("the append batch does not fit its leaves"));
    }
    let mut idx = Vec::with_capacity(leaves.len());
    let mut all_nodes: Vec<Vec<u8>> = Vec::with_capacity(leaves.len());
    let mut at = 0usize;
    for i in 0..leaves.len() {
        let n = batch.old_size + i as u64;
        let count = 1 + n.trailing_ones() as usize;
        let Some(hs) = batch.hashes.get(at..at + count) else {
            return Err(bad("the append batch is short"));
        };
        at += count;
        let mut nodes = Vec::with_capacity(32 * (count - 1));
        for h in &hs[1..] {
            nodes.extend_from_slice(h.as_bytes());
        }
        idx.push(n as i64);
        all_nodes.push(nodes);
    }
    c.execute(
        "INSERT INTO ledger_leaves (idx, leaf, nodes)
         SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[])",
        &[&idx, &leaves, &all_nodes],
    )
    .map_err(pg("appending to the log"))?;
    Ok(())
}

/// The tree as a [`TreeStore`], for `credence_ledger::append` and the ledger's
/// conformance suite. Leaves appended this way have no event; ingest appends through
/// [`credence_store::EventStore::insert_batch`].
impl TreeStore for PostgresStore {
    fn tree_size(&self) -> u64 {
        self.with("tree_size", |c| crate::ledger_size(&mut c.client))
            .unwrap_or(0)
    }

    fn write_hashes(&mut self, _: &StoredHashes) -> Result<(), LedgerError> {
        Err(LedgerError::Store(
            "the PostgreSQL store keeps leaf bytes instead of leaf hashes: append leaves with write_leaves"
                .into(),
        ))
    }

    fn write_leaves(&mut self, batch: &StoredHashes, leaves: &[&[u8]]) -> Result<(), LedgerError> {
        let to_ledger = |e: StoreError| match e {
            StoreError::Tree(e) => e,
            e => LedgerError::store(e),
        };
        let conn = self
            .conn
            .get_mut()
            .as_mut()
            .ok_or_else(|| to_ledger(crate::closed("write_leaves")))?;
        let mut tx = conn
            .client
            .transaction()
            .map_err(pg("write_leaves: begin"))
            .map_err(to_ledger)?;
        lock(&mut tx, LOCK_WRITE)
            .map_err(pg("write_leaves: taking the write lock"))
            .map_err(to_ledger)?;
        let size = crate::ledger_size(&mut tx)
            .map_err(pg("write_leaves: reading the log size"))
            .map_err(to_ledger)?;
        if batch.old_size != size || batch.start_index != stored_hash_count(size) {
            return Err(LedgerError::Store(
                format!(
                    "batch for size {} does not follow the store (size {size})",
                    batch.old_size
                )
                .into(),
            ));
        }
        write_rows(&mut tx, batch, leaves).map_err(to_ledger)?;
        tx.commit()
            .map_err(pg("write_leaves: commit"))
            .map_err(to_ledger)
    }
}
