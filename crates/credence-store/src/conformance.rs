//! The conformance suite every [`EventStore`] implementation must pass.
//!
//! Written against the trait only. A backend runs it from its own tests:
//!
//! ```ignore
//! credence_store::conformance::run_all(&mut || MyStore::connect_fresh());
//! ```
//!
//! `fresh` must return an empty store each time it is called.

use crate::{DanglingReference, EventStore, Filter, NewEvent, Outcome, StoredEvent};

/// Runs every check, each on a fresh store.
pub fn run_all<S: EventStore>(fresh: &mut dyn FnMut() -> S) {
    accepts_then_recognises_duplicates(&mut fresh());
    duplicate_means_same_canonical_content(&mut fresh());
    conflict_keeps_the_stored_event(&mut fresh());
    repeats_within_one_batch(&mut fresh());
    keeps_the_line_verbatim(&mut fresh());
    scan_orders_by_time_then_id_and_filters(&mut fresh());
    arrival_order_does_not_change_what_is_stored(fresh);
    references_dangle_until_their_target_arrives(&mut fresh());
    counts_merchants_and_relationships(&mut fresh());
}

fn ev(id: &str, ty: &str, at: &str, merchant: &str, customer: &str, extra: &str) -> NewEvent {
    let line = format!(
        r#"{{"id":"{id}","type":"{ty}","at":"{at}","merchant":"{merchant}","customer":"{customer}"{extra}}}"#
    );
    match NewEvent::parse(line) {
        Ok(e) => e,
        Err(r) => panic!("fixture event {id} is invalid: {r}"),
    }
}

fn all<S: EventStore>(store: &S, filter: &Filter) -> Vec<StoredEvent> {
    let mut out = Vec::new();
    store
        .scan(filter, &mut |e| {
            out.push(e);
            Ok(())
        })
        .expect("scan");
    out
}

fn ids(events: &[StoredEvent]) -> Vec<&str> {
    events.iter().map(|e| e.event.id.as_str()).collect()
}

fn accepts_then_recognises_duplicates<S: EventStore>(s: &mut S) {
    let batch = vec![
        ev(
            "e1",
            "order",
            "2026-03-01T10:00:00+08:00",
            "m",
            "c1",
            r#","order":"o1""#,
        ),
        ev(
            "e2",
            "delivery",
            "2026-03-02T10:00:00+08:00",
            "m",
            "c1",
            r#","order":"o1""#,
        ),
    ];
    assert_eq!(
        s.insert_batch(&batch).expect("insert"),
        vec![Outcome::Accepted; 2]
    );
    assert_eq!(
        s.insert_batch(&batch).expect("insert"),
        vec![Outcome::Duplicate; 2]
    );
    assert_eq!(s.stats().expect("stats").events, 2);
    let got = s.get("e2").expect("get").expect("e2 stored");
    assert_eq!(got.event, batch[1].event);
    assert!(s.get("nope").expect("get").is_none());
}

fn duplicate_means_same_canonical_content<S: EventStore>(s: &mut S) {
    let a = NewEvent::parse(
        r#"{"id":"e1","type":"order","at":"2026-03-01T10:00:00+08:00","merchant":"m","customer":"c","order":"o","amount":128}"#,
    )
    .expect("valid");
    let b = NewEvent::parse(
        r#"{"amount":128.0,"customer":"c","merchant":"m","order":"o","at":"2026-03-01T02:00:00Z","type":"order","id":"e1"}"#,
    )
    .expect("valid");
    s.insert_batch(&[a]).expect("insert");
    assert_eq!(
        s.insert_batch(&[b]).expect("insert"),
        vec![Outcome::Duplicate]
    );
}

fn conflict_keeps_the_stored_event<S: EventStore>(s: &mut S) {
    let a = ev(
        "e1",
        "review",
        "2026-03-01T10:00:00Z",
        "m",
        "c",
        r#","rating":5"#,
    );
    let b = ev(
        "e1",
        "review",
        "2026-03-01T10:00:00Z",
        "m",
        "c",
        r#","rating":1"#,
    );
    s.insert_batch(std::slice::from_ref(&a)).expect("insert");
    let out = s.insert_batch(&[b]).expect("insert");
    assert_eq!(
        out,
        vec![Outcome::Conflict {
            existing: a.raw.clone()
        }]
    );
    assert_eq!(s.get("e1").expect("get").expect("stored").raw, a.raw);
    assert_eq!(s.stats().expect("stats").events, 1);
}

fn repeats_within_one_batch<S: EventStore>(s: &mut S) {
    let a = ev(
        "e1",
        "review",
        "2026-03-01T10:00:00Z",
        "m",
        "c",
        r#","rating":5"#,
    );
    let b = ev(
        "e1",
        "review",
        "2026-03-01T10:00:00Z",
        "m",
        "c",
        r#","rating":2"#,
    );
    let out = s.insert_batch(&[a.clone(), a.clone(), b]).expect("insert");
    assert_eq!(out[0], Outcome::Accepted);
    assert_eq!(out[1], Outcome::Duplicate);
    assert!(matches!(out[2], Outcome::Conflict { .. }));
}

fn keeps_the_line_verbatim<S: EventStore>(s: &mut S) {
    let line = r#"{"id":"e1","type":"x-visit","at":"2026-03-01T10:00:00+08:00","merchant":"m","customer":"c","page":"/tea","nested":{"z":1,"a":[true]}}"#;
    s.insert_batch(&[NewEvent::parse(line).expect("valid")])
        .expect("insert");
    assert_eq!(s.get("e1").expect("get").expect("stored").raw, line);
}

fn scan_orders_by_time_then_id_and_filters<S: EventStore>(s: &mut S) {
    let batch = vec![
        ev("b", "engagement", "2026-03-02T00:00:00Z", "m1", "c1", ""),
        ev("a", "engagement", "2026-03-02T00:00:00Z", "m1", "c2", ""),
        // Earlier instant written with a later-looking local time.
        ev(
            "z",
            "engagement",
            "2026-03-02T07:00:00+08:00",
            "m1",
            "c1",
            "",
        ),
        ev("c", "engagement", "2026-03-03T00:00:00Z", "m2", "c1", ""),
    ];
    s.insert_batch(&batch).expect("insert");
    assert_eq!(ids(&all(s, &Filter::default())), ["z", "a", "b", "c"]);
    let m1 = Filter {
        merchant: Some("m1".into()),
        ..Filter::default()
    };
    assert_eq!(ids(&all(s, &m1)), ["z", "a", "b"]);
    let m1c1 = Filter {
        customer: Some("c1".into()),
        ..m1.clone()
    };
    assert_eq!(ids(&all(s, &m1c1)), ["z", "b"]);
    let up_to = Filter {
        up_to: Some("2026-03-01T23:59:59Z".parse().expect("ts")),
        ..Filter::default()
    };
    assert_eq!(ids(&all(s, &up_to)), ["z"]);
    let inclusive = Filter {
        up_to: Some("2026-03-02T00:00:00Z".parse().expect("ts")),
        ..Filter::default()
    };
    assert_eq!(ids(&all(s, &inclusive)), ["z", "a", "b"]);
    assert_eq!(s.merchants().expect("merchants"), ["m1", "m2"]);
}

fn arrival_order_does_not_change_what_is_stored<S: EventStore>(fresh: &mut dyn FnMut() -> S) {
    let events: Vec<NewEvent> = (0..40)
        .map(|i| {
            ev(
                &format!("e{i}"),
                "review",
                &format!("2026-03-{:02}T10:00:00Z", 1 + i % 28),
                &format!("m{}", i % 3),
                &format!("c{}", i % 7),
                &format!(r#","rating":{}"#, 1 + i % 5),
            )
        })
        .collect();
    let mut one = fresh();
    one.insert_batch(&events).expect("insert");
    let mut other = fresh();
    let mut reversed = events.clone();
    reversed.reverse();
    for chunk in reversed.chunks(7) {
        other.insert_batch(chunk).expect("insert");
    }
    other.insert_batch(&events).expect("insert again");
    let strip = |v: Vec<StoredEvent>| v.into_iter().map(|e| e.raw).collect::<Vec<_>>();
    assert_eq!(
        strip(all(&one, &Filter::default())),
        strip(all(&other, &Filter::default()))
    );
}

fn references_dangle_until_their_target_arrives<S: EventStore>(s: &mut S) {
    s.insert_batch(&[
        ev(
            "d1",
            "delivery",
            "2026-03-02T10:00:00Z",
            "m",
            "c",
            r#","order":"o1""#,
        ),
        ev(
            "r1",
            "review_reply",
            "2026-03-02T10:00:00Z",
            "m",
            "c",
            r#","review":"rv1""#,
        ),
    ])
    .expect("insert");
    let dangling = s.dangling_references().expect("dangling");
    assert_eq!(
        dangling,
        vec![
            DanglingReference {
                event: "d1".into(),
                merchant: "m".into(),
                kind: "order".into(),
                target: "o1".into()
            },
            DanglingReference {
                event: "r1".into(),
                merchant: "m".into(),
                kind: "review".into(),
                target: "rv1".into()
            },
        ]
    );
    s.insert_batch(&[
        ev(
            "o",
            "order",
            "2026-03-01T10:00:00Z",
            "m",
            "c",
            r#","order":"o1""#,
        ),
        // Same review id under another merchant does not resolve it.
        ev(
            "rv1",
            "review",
            "2026-03-01T10:00:00Z",
            "other",
            "c",
            r#","rating":1"#,
        ),
    ])
    .expect("insert");
    let dangling = s.dangling_references().expect("dangling");
    assert_eq!(ids_of(&dangling), ["r1"]);
}

fn ids_of(d: &[DanglingReference]) -> Vec<&str> {
    d.iter().map(|d| d.event.as_str()).collect()
}

fn counts_merchants_and_relationships<S: EventStore>(s: &mut S) {
    let public = NewEvent::parse(
        r#"{"id":"k","type":"commitment","at":"2026-03-01T00:00:00Z","merchant":"m2","commitment":"k1","terms":"48h"}"#,
    )
    .expect("valid");
    s.insert_batch(&[
        ev("1", "engagement", "2026-03-01T00:00:00Z", "m1", "c1", ""),
        ev("2", "engagement", "2026-03-01T00:00:00Z", "m1", "c1", ""),
        ev("3", "engagement", "2026-03-01T00:00:00Z", "m1", "c2", ""),
        ev("4", "engagement", "2026-03-01T00:00:00Z", "m2", "c1", ""),
        public,
    ])
    .expect("insert");
    let stats = s.stats().expect("stats");
    assert_eq!(
        (stats.events, stats.merchants, stats.relationships),
        (5, 2, 3)
    );
}
