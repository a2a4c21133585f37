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
    divan::main();
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
