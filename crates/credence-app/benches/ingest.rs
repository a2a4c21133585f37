//! Ingest throughput: parse + validate, store, and the whole pipeline, on demo data.
//!
//! `cargo bench -p credence-app --bench ingest` — counts are events; divan prints
//! events/s as "items/s". The data are the demo data set (seed 42) of the size in
//! `CREDENCE_BENCH_SIZE` (`small`, `medium`, `large`; default `large`, ≈ 2M events),
//! generated in memory, so the bench needs no files.

use credence_app::ingest::{IngestOptions, Source, ingest};
use credence_store::{EventStore, NewEvent, SqliteStore};
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

fn lines() -> Vec<String> {
    let size = match std::env::var("CREDENCE_BENCH_SIZE").as_deref() {
        Ok("small") => credence_demo::Size::Small,
        Ok("medium") => credence_demo::Size::Medium,
        _ => credence_demo::Size::Large,
    };
    credence_demo::generate(&credence_demo::DemoConfig::new(42, size)).collect()
}

#[divan::bench(sample_count = 3)]
fn parse_and_validate(b: divan::Bencher) {
    let lines = lines();
    b.counter(ItemsCount::new(lines.len())).bench(|| {
        lines
            .iter()
            .filter(|l| NewEvent::parse(l.as_str()).is_ok())
            .count()
    });
}

#[divan::bench(sample_count = 3)]
fn store_batches(b: divan::Bencher) {
    let events: Vec<NewEvent> = lines()
        .into_iter()
        .filter_map(|l| NewEvent::parse(l).ok())
        .collect();
    b.counter(ItemsCount::new(events.len()))
        .with_inputs(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let store = SqliteStore::open(dir.path().join("b.db")).expect("store");
            (dir, store)
        })
        .bench_local_values(|(_dir, mut store)| {
            for chunk in events.chunks(10_000) {
                store.insert_batch(chunk).expect("insert");
            }
        });
}

#[divan::bench(sample_count = 3)]
fn whole_pipeline(b: divan::Bencher) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("events.jsonl");
    let lines = lines();
    std::fs::write(&file, lines.join("\n")).expect("write");
    b.counter(ItemsCount::new(lines.len()))
        .with_inputs(|| {
            let run = tempfile::tempdir().expect("tempdir");
            let store = SqliteStore::open(run.path().join("b.db")).expect("store");
            (run, store)
        })
        .bench_local_values(|(run, mut store)| {
            let options = IngestOptions {
                quarantine: run.path().join("q.jsonl"),
                batch_size: 10_000,
                progress: false,
                show_rejections: 0,
                live: Some(credence_app::live::Live::standard().expect("rules")),
            };
            ingest(&mut store, &[Source::File(file.clone())], &options).expect("ingest")
        });
}
