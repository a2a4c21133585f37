//! Conformance suite for [`TreeStore`] implementations (feature `testing`).
//!
//! Every backend (the in-memory store here; SQLite and PostgreSQL stores elsewhere) runs
//! [`check_tree_store`] in its tests:
//!
//! ```
//! // In a backend's tests, with its own store type instead of MemoryStore:
//! credence_ledger::testing::check_tree_store(credence_ledger::MemoryStore::new)
//!     .expect("the store conforms");
//! ```

use crate::{
    Hash, HashReader, MemoryStore, StoredHashes, TreeStore, append, leaf_hash, prove_consistency,
    prove_inclusion, stored_hash_count, tree_root,
};

fn leaf(i: u64) -> Vec<u8> {
    format!("conformance leaf {i}").into_bytes()
}

/// Runs the conformance checks on fresh, empty stores produced by `make`; returns a
/// description of the first failure.
pub fn check_tree_store<S: TreeStore, F: FnMut() -> S>(mut make: F) -> Result<(), String> {
    let e = |what: &str, err: crate::LedgerError| format!("{what}: {err}");

    // An empty store.
    let mut store = make();
    if store.tree_size() != 0 {
        return Err("a fresh store must be empty".into());
    }
    if tree_root(&store, 0).map_err(|x| e("root of empty", x))? != Hash::EMPTY_ROOT {
        return Err("empty root".into());
    }

    // Appends in batches of varied sizes agree with the reference, hash for hash.
    let mut reference = MemoryStore::new();
    let mut next = 0u64;
    for batch in [1u64, 2, 5, 1, 64, 3, 200, 17] {
        let leaves: Vec<Vec<u8>> = (next..next + batch).map(leaf).collect();
        next += batch;
        let got = append(&mut store, &leaves).map_err(|x| e("append", x))?;
        let want = reference
            .append(&leaves)
            .map_err(|x| e("reference append", x))?;
        if got != want {
            return Err(format!(
                "append of {batch} at size {} differs",
                want.old_size
            ));
        }
        if store.tree_size() != next {
            return Err(format!(
                "tree_size {} after appending to {next}",
                store.tree_size()
            ));
        }
        let count = stored_hash_count(next);
        let all: Vec<u64> = (0..count).collect();
        let read = store.read_hashes(&all).map_err(|x| e("read all", x))?;
        if read != reference.stored_hashes() {
            return Err(format!("stored hashes differ at size {next}"));
        }
    }

    // Reads in any order, with repeats.
    let want = reference
        .read_hashes(&[7, 3, 3, 0])
        .map_err(|x| e("ref read", x))?;
    let got = store
        .read_hashes(&[7, 3, 3, 0])
        .map_err(|x| e("unordered read", x))?;
    if got != want {
        return Err("unordered read returns wrong hashes".into());
    }

    // Missing hashes are errors, never zeros.
    let beyond = stored_hash_count(next);
    if store.read_hashes(&[beyond]).is_ok() {
        return Err("reading past the end must fail".into());
    }

    // A batch that does not follow the store is refused.
    let stale = StoredHashes {
        old_size: 1,
        new_size: 2,
        start_index: 1,
        hashes: vec![leaf_hash(b"x"), leaf_hash(b"y")],
    };
    if store.write_hashes(&stale).is_ok() {
        return Err("a batch for another size must be refused".into());
    }
    if store.write_leaves(&stale, &[b"x", b"y"]).is_ok() {
        return Err("a batch (with leaves) for another size must be refused".into());
    }
    if store.tree_size() != next {
        return Err("a refused batch changed the store".into());
    }

    // Roots and proofs from the store verify.
    for n in [1, 2, 3, 8, 9, 100, next] {
        let root = tree_root(&store, n).map_err(|x| e("root", x))?;
        if root != tree_root(&reference, n).map_err(|x| e("ref root", x))? {
            return Err(format!("root at size {n}"));
        }
        for i in [0, n / 2, n - 1] {
            prove_inclusion(&store, i, n)
                .and_then(|p| p.verify(&leaf_hash(&leaf(i)), &root))
                .map_err(|x| e(&format!("inclusion {i} of {n}"), x))?;
        }
        let m = n / 3;
        let old = tree_root(&store, m).map_err(|x| e("root", x))?;
        prove_consistency(&store, m, n)
            .and_then(|p| p.verify(&old, &root))
            .map_err(|x| e(&format!("consistency {m} -> {n}"), x))?;
    }

    // A second fresh store is independent of the first.
    if make().tree_size() != 0 {
        return Err("stores made by the factory must start empty".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn memory_store_conforms() {
        assert_eq!(super::check_tree_store(crate::MemoryStore::new), Ok(()));
    }
}
