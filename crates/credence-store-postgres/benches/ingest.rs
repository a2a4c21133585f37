//! Ingest throughput into PostgreSQL: the demo data set (seed 42, `small` or the size in
//! `CREDENCE_BENCH_SIZE`), parsed up front, stored in batches of 10,000 with
//! `insert_batch` (events, duplicate check, secrets, leaves and tree in one transaction
//! per batch) into a fresh schema per run. divan prints events/s as "items/s".
//!
//! `CREDENCE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p credence-store-postgres`
//!
//! Without `CREDENCE_TEST_POSTGRES_URL` it prints that it was skipped.

#![allow(clippy::expect_used, clippy::unwrap_used)] // bench code: a panic is the report

use credence_demo::{DemoConfig, Size};
use credence_store::{EventStore, NewEvent};
use credence_store_postgres::PostgresStore;
use divan::counter::ItemsCount;

const ENV: &str = "CREDENCE_TEST_POSTGRES_URL";

fn main() {
    if std::env::var(ENV).is_err() {
        println!("skipped the PostgreSQL ingest bench: {ENV} is not set");
        return;
    }
    divan::main();
}

fn events() -> Vec<NewEvent> {
    let size = match std::env::var("CREDENCE_BENCH_SIZE").as_deref() {
        Ok("medium") => Size::Medium,
        Ok("large") => Size::Large,
        _ => Size::Small,
    };
    credence_demo::generate(&DemoConfig::new(42, size))
        .filter_map(|l| NewEvent::parse(l).ok())
        .collect()
}

/// A new schema and the URL that selects it; the schema is dropped by [`drop_schema`].
fn fresh_schema(admin: &mut postgres::Client, url: &str) -> (String, String) {
    let name = format!("credence_bench_{:016x}", rand::random::<u64>());
    admin
        .batch_execute(&format!("CREATE SCHEMA {name}"))
        .expect("create schema");
    let sep = if url.contains('?') { '&' } else { '?' };
    let with_path = format!("{url}{sep}options=-csearch_path%3D{name}");
    (name, with_path)
}

#[divan::bench(sample_count = 5)]
fn store_batches(b: divan::Bencher) {
    let url = std::env::var(ENV).expect("checked in main");
    let events = events();
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    let mut schemas = Vec::new();
    b.counter(ItemsCount::new(events.len()))
        .with_inputs(|| {
            let (name, with_path) = fresh_schema(&mut admin, &url);
            schemas.push(name);
            PostgresStore::connect(&with_path).expect("store")
        })
        .bench_local_values(|mut store| {
            for chunk in events.chunks(10_000) {
                store.insert_batch(chunk).expect("insert");
            }
            store
        });
    for s in schemas {
        let _ = admin.batch_execute(&format!("DROP SCHEMA {s} CASCADE"));
    }
}
