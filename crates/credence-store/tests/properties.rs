//! Laws of ingestion, for any events: storing is idempotent, and neither arrival order
//! nor batching changes what is stored.

#![allow(clippy::unwrap_used)] // test code

use std::collections::BTreeMap;

use credence_store::{EventStore, Filter, NewEvent, Outcome, SqliteStore};
use proptest::prelude::*;

/// A valid event line; `variant` changes the content, not the id.
fn line(id: u16, variant: u8) -> String {
    format!(
        r#"{{"id":"e{id}","type":"review","at":"2026-03-{:02}T10:00:00+08:00","merchant":"m{}","customer":"c{}","rating":{}}}"#,
        1 + id % 28,
        id % 3,
        id % 11,
        1 + variant % 5
    )
}

fn stored(store: &SqliteStore) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    store
        .scan(&Filter::default(), &mut |e| {
            out.insert(e.event.id, e.raw);
            Ok(())
        })
        .unwrap();
    out
}

fn ingest(store: &mut SqliteStore, lines: &[String], chunk: usize) -> Vec<Outcome> {
    let events: Vec<NewEvent> = lines
        .iter()
        .map(|l| NewEvent::parse(l.as_str()).unwrap())
        .collect();
    events
        .chunks(chunk.max(1))
        .flat_map(|c| store.insert_batch(c).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Distinct events, some sent twice, in any order and any batching: the same store.
    #[test]
    fn order_and_batching_do_not_matter(
        ids in proptest::collection::btree_set(0u16..500, 1..60),
        repeat_every in 1usize..5,
        seed in any::<u64>(),
        chunk in 1usize..20,
    ) {
        let base: Vec<String> = ids.iter().map(|&id| line(id, (id % 7) as u8)).collect();
        let mut sent = base.clone();
        sent.extend(base.iter().step_by(repeat_every).cloned());
        // A deterministic shuffle from the seed.
        let mut shuffled = sent.clone();
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let mut one = SqliteStore::in_memory().unwrap();
        let first = ingest(&mut one, &sent, sent.len());
        let mut other = SqliteStore::in_memory().unwrap();
        let second = ingest(&mut other, &shuffled, chunk);
        prop_assert_eq!(stored(&one), stored(&other));
        let accepted = |o: &[Outcome]| o.iter().filter(|x| **x == Outcome::Accepted).count();
        prop_assert_eq!(accepted(&first), ids.len());
        prop_assert_eq!(accepted(&second), ids.len());
        let conflicts = second.iter().filter(|o| matches!(o, Outcome::Conflict { .. })).count();
        prop_assert_eq!(conflicts, 0);
    }

    /// Ingesting again adds nothing; a changed event under a stored id is a conflict
    /// and does not replace the stored one.
    #[test]
    fn idempotent_and_conflicts_never_overwrite(
        ids in proptest::collection::btree_set(0u16..500, 1..40),
        change in any::<u8>(),
    ) {
        let lines: Vec<String> = ids.iter().map(|&id| line(id, 0)).collect();
        let mut store = SqliteStore::in_memory().unwrap();
        ingest(&mut store, &lines, 7);
        let before = stored(&store);
        let again = ingest(&mut store, &lines, 3);
        prop_assert!(again.iter().all(|o| *o == Outcome::Duplicate));
        let changed: Vec<String> = ids.iter().map(|&id| line(id, 1 + change % 4)).collect();
        let out = ingest(&mut store, &changed, 5);
        let conflicts = out.iter().filter(|o| matches!(o, Outcome::Conflict { .. })).count();
        prop_assert_eq!(conflicts, ids.len());
        prop_assert_eq!(stored(&store), before);
    }
}
