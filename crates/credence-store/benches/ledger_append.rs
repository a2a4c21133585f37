//! Durable appends to the transparency log through the SQLite store: reviews inserted
//! with `insert_batch` (events and leaves committed together, one transaction per batch),
//! on a file-backed store (WAL, `synchronous = NORMAL`).
//!
//! ```text
//! cargo bench -p credence-store --bench ledger_append
//! ```
//!
//! Throughput is reported in items = leaves (one logged event each).

#![allow(missing_docs, clippy::unwrap_used)]

use credence_store::{EventStore, NewEvent, SqliteStore};
use divan::{Bencher, counter::ItemsCount};

fn main() {
    sizes();
    divan::main();
}

/// Prints the stored ledger bytes per entry and a receipt's size for a 100,000-entry log.
fn sizes() {
    use credence_ledger::{Checkpoint, Receipt, SigningKey, sign_checkpoint, tree_root};
    use credence_store::LedgerStore;
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("sizes.db")).unwrap();
    let n = 100_000;
    for k in 0..n / 10_000 {
        store.insert_batch(&reviews(k * 10_000, 10_000)).unwrap();
    }
    let conn = rusqlite::Connection::open(dir.path().join("sizes.db")).unwrap();
    let bytes = |table: &str| -> i64 {
        conn.query_row(
            "SELECT sum(pgsize) FROM dbstat WHERE name = ?1",
            [table],
            |r| r.get(0),
        )
        .unwrap()
    };
    let leaves = bytes("ledger_leaves");
    let secrets = bytes("ledger_secrets");
    let key = SigningKey::from_seed("bench.example/log", &[7; 32]).unwrap();
    let size = store.ledger_size().unwrap();
    let root = tree_root(&store, size).unwrap();
    let cp = sign_checkpoint(&Checkpoint::new(key.name(), size, root).unwrap(), &key).unwrap();
    let leaf = store.ledger_leaf(54_321).unwrap().unwrap();
    let receipt = Receipt::build(&store, leaf, 54_321, &cp, None).unwrap();
    println!(
        "{n} entries: ledger_leaves {:.1} B/entry; ledger_secrets {:.1} B/entry (50,000 customers); \
         receipt {} B JSON, {} B tlog-proof ({} proof hashes)",
        leaves as f64 / n as f64,
        secrets as f64 / n as f64,
        receipt.to_json().len(),
        receipt.to_tlog_proof().len(),
        receipt.hashes.len()
    );
}

fn reviews(from: usize, n: usize) -> Vec<NewEvent> {
    (from..from + n)
        .map(|i| {
            NewEvent::parse(format!(
                r#"{{"id":"ev-{i:012}","type":"review","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"c-{:06}","rating":{},"text":"fast delivery, good tea"}}"#,
                i % 50_000,
                1 + i % 5
            ))
            .unwrap()
        })
        .collect()
}

/// One commit of `n` reviews (events + leaves) onto a store that already holds 100,000.
#[divan::bench(args = [1_000, 10_000], sample_count = 10, sample_size = 1)]
fn insert_batch_reviews(bencher: Bencher, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("bench.db")).unwrap();
    for k in 0..10 {
        store.insert_batch(&reviews(k * 10_000, 10_000)).unwrap();
    }
    let mut next = 100_000;
    bencher
        .counter(ItemsCount::new(n))
        .with_inputs(|| {
            let b = reviews(next, n);
            next += n;
            b
        })
        .bench_local_values(|batch| store.insert_batch(&batch).unwrap());
}

/// The same commit without the ledger work, for comparison: non-logged events (orders).
#[divan::bench(args = [10_000], sample_count = 10, sample_size = 1)]
fn insert_batch_orders_not_logged(bencher: Bencher, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("bench.db")).unwrap();
    let mut next = 0;
    bencher
        .counter(ItemsCount::new(n))
        .with_inputs(|| {
            let b: Vec<NewEvent> = (next..next + n)
                .map(|i| {
                    NewEvent::parse(format!(
                        r#"{{"id":"ev-{i:012}","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"c-{:06}","order":"o-{i}"}}"#,
                        i % 50_000
                    ))
                    .unwrap()
                })
                .collect();
            next += n;
            b
        })
        .bench_local_values(|batch| store.insert_batch(&batch).unwrap());
}
