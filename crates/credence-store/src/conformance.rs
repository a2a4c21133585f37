//! The conformance suite every [`EventStore`] implementation must pass.
//!
//! Written against the trait only. A backend runs it from its own tests:
//!
//! ```ignore
//! credence_store::conformance::run_all(&mut || MyStore::connect_fresh());
//! ```
//!
//! `fresh` must return an empty store each time it is called.

use crate::ledger::event_leaf;
use crate::{
    DanglingReference, EventStore, Filter, LedgerStore, NewEvent, Outcome, StoredEvent, audit,
};
use credence_ledger::Leaf;

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
    scan_since_follows_acceptance_order(&mut fresh());
}

fn scan_since_follows_acceptance_order<S: EventStore>(s: &mut S) {
    let since = |s: &S, after: i64| {
        let mut out = Vec::new();
        s.scan_since(after, &mut |e| {
            out.push((e.seq, e.event.id));
            Ok(())
        })
        .expect("scan_since");
        out
    };
    assert!(since(s, 0).is_empty());
    s.insert_batch(&[
        ev(
            "late",
            "review",
            "2026-03-01T00:00:00Z",
            "m",
            "c",
            r#","rating":4"#,
        ),
        ev(
            "early",
            "review",
            "2026-01-01T00:00:00Z",
            "m",
            "c",
            r#","rating":5"#,
        ),
    ])
    .expect("insert");
    let first = since(s, 0);
    let got: Vec<&str> = first.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(got, ["late", "early"], "acceptance order, not time order");
    assert!(first[0].0 < first[1].0);
    let last = first[1].0;
    s.insert_batch(&[
        ev(
            "early",
            "review",
            "2026-01-01T00:00:00Z",
            "m",
            "c",
            r#","rating":5"#,
        ),
        ev(
            "next",
            "review",
            "2026-02-01T00:00:00Z",
            "m",
            "c",
            r#","rating":3"#,
        ),
    ])
    .expect("insert");
    let after: Vec<String> = since(s, last).into_iter().map(|(_, id)| id).collect();
    assert_eq!(after, ["next"], "a duplicate is not accepted again");
    assert!(since(s, i64::MAX).is_empty());
}

/// Checks a [`crate::KeyStore`] and a [`crate::AlertStatusStore`]: keys are found by
/// hash, listed oldest first, revoked once; alert statuses are set and replaced.
pub fn run_keys_and_alert_statuses<S: crate::KeyStore + crate::AlertStatusStore>(
    fresh: &mut dyn FnMut() -> S,
) {
    use crate::ApiKeyRecord;
    let t = |s: &str| s.parse::<jiff::Timestamp>().expect("time");
    let mut s = fresh();
    assert!(s.api_keys().expect("api_keys").is_empty());
    let a = ApiKeyRecord {
        id: "key_a".into(),
        hash: "aa".repeat(32),
        scopes: vec!["ingest".into(), "read".into()],
        merchant: Some("m-tea".into()),
        created_at: t("2026-01-01T00:00:00Z"),
        revoked_at: None,
    };
    let b = ApiKeyRecord {
        id: "key_b".into(),
        hash: "bb".repeat(32),
        scopes: vec!["admin".into()],
        merchant: None,
        created_at: t("2026-01-02T00:00:00Z"),
        revoked_at: None,
    };
    s.add_api_key(&b).expect("add_api_key");
    s.add_api_key(&a).expect("add_api_key");
    assert_eq!(s.api_keys().expect("api_keys"), vec![a.clone(), b.clone()]);
    assert_eq!(
        s.api_key_by_hash(&a.hash).expect("by hash"),
        Some(a.clone())
    );
    assert_eq!(s.api_key_by_hash(&"cc".repeat(32)).expect("by hash"), None);
    let dup = ApiKeyRecord {
        id: "key_c".into(),
        ..a.clone()
    };
    assert!(s.add_api_key(&dup).is_err(), "a hash is stored once");

    assert!(
        s.revoke_api_key("key_a", t("2026-02-01T00:00:00Z"))
            .expect("revoke")
    );
    assert!(
        s.revoke_api_key("key_a", t("2026-03-01T00:00:00Z"))
            .expect("revoke")
    );
    assert!(
        !s.revoke_api_key("key_x", t("2026-03-01T00:00:00Z"))
            .expect("revoke")
    );
    let revoked = s.api_key_by_hash(&a.hash).expect("by hash").expect("kept");
    assert_eq!(
        revoked.revoked_at,
        Some(t("2026-02-01T00:00:00Z")),
        "the first revocation stands"
    );

    assert!(s.alert_statuses().expect("statuses").is_empty());
    s.set_alert_status("al1", "acked", t("2026-01-01T00:00:00Z"))
        .expect("set");
    s.set_alert_status("al1", "resolved", t("2026-01-02T00:00:00Z"))
        .expect("set");
    s.set_alert_status("al2", "acked", t("2026-01-02T00:00:00Z"))
        .expect("set");
    let st = s.alert_statuses().expect("statuses");
    assert_eq!(st.len(), 2);
    assert_eq!(st["al1"], "resolved");
    assert_eq!(st["al2"], "acked");
}

/// Checks a [`crate::TextCache`]: misses, hits, model mismatch, replacement.
pub fn run_text_cache<S: crate::TextCache>(fresh: &mut dyn FnMut() -> S) {
    let s = fresh();
    let get = |s: &S, model: &str, ids: &[&str]| {
        let mut out = Vec::new();
        s.get_text_analyses(model, ids, &mut |id, json| {
            out.push((id.to_string(), json.to_string()))
        })
        .expect("get_text_analyses");
        out
    };
    assert!(
        get(&s, "m1", &["e1", "e2"]).is_empty(),
        "an empty cache misses"
    );
    s.put_text_analyses(
        "m1",
        &[("e1", "{\"a\":1}".into()), ("e2", "{\"b\":2}".into())],
    )
    .expect("put_text_analyses");
    assert_eq!(
        get(&s, "m1", &["e2", "e3", "e1"]),
        vec![
            ("e2".to_string(), "{\"b\":2}".to_string()),
            ("e1".to_string(), "{\"a\":1}".to_string())
        ],
        "hits come back in the order asked, misses are absent"
    );
    assert!(
        get(&s, "m2", &["e1"]).is_empty(),
        "another model's entry is a miss"
    );
    s.put_text_analyses("m2", &[("e1", "{\"c\":3}".into())])
        .expect("put_text_analyses");
    assert_eq!(
        get(&s, "m2", &["e1"]),
        vec![("e1".to_string(), "{\"c\":3}".to_string())],
        "a new analysis replaces the old"
    );
    assert!(get(&s, "m1", &["e1"]).is_empty());
    assert_eq!(get(&s, "m1", &["e2"]).len(), 1);
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

/// Runs the transparency-log checks of a [`LedgerStore`], each on a fresh store. A backend
/// also runs `credence_ledger::testing::check_tree_store` for its tree.
pub fn run_ledger<S: LedgerStore>(fresh: &mut dyn FnMut() -> S) {
    logs_exactly_the_accepted_logged_events(&mut fresh());
    leaves_are_the_documented_encoding(&mut fresh());
    audit_passes_and_names_a_changed_event(&mut fresh());
    erasure_keeps_the_log_verifiable(&mut fresh());
    origin_and_checkpoints(&mut fresh());
}

fn ledger_fixture() -> Vec<NewEvent> {
    vec![
        ev(
            "o1",
            "order",
            "2026-03-01T10:00:00Z",
            "m",
            "c1",
            r#","order":"o1""#,
        ),
        ev(
            "r1",
            "review",
            "2026-03-02T10:00:00Z",
            "m",
            "c1",
            r#","rating":4,"text":"Fast delivery.""#,
        ),
        ev(
            "k1",
            "commitment",
            "2026-03-02T11:00:00Z",
            "m",
            "c2",
            r#","commitment":"k1","terms":"refund in 3 days""#,
        ),
        ev(
            "k1r",
            "commitment_result",
            "2026-03-05T11:00:00Z",
            "m",
            "c2",
            r#","commitment":"k1","kept":true"#,
        ),
        ev(
            "r2",
            "review",
            "2026-03-06T10:00:00Z",
            "m",
            "c1",
            r#","rating":2"#,
        ),
    ]
}

fn logs_exactly_the_accepted_logged_events<S: LedgerStore>(s: &mut S) {
    assert_eq!(s.ledger_size().expect("size"), 0);
    let batch = ledger_fixture();
    s.insert_batch(&batch).expect("insert");
    assert_eq!(s.ledger_size().expect("size"), 4, "order is not logged");
    for (id, i) in [("r1", 0), ("k1", 1), ("k1r", 2), ("r2", 3)] {
        assert_eq!(s.ledger_index(id).expect("index"), Some(i), "{id}");
    }
    assert_eq!(s.ledger_index("o1").expect("index"), None);
    // a duplicate (and a repeat inside one batch) appends nothing
    let mut again = batch.clone();
    again.push(batch[1].clone());
    s.insert_batch(&again).expect("insert");
    let late = ev(
        "r3",
        "review",
        "2026-01-01T00:00:00Z",
        "m",
        "c3",
        r#","rating":5"#,
    );
    s.insert_batch(&[late.clone(), late]).expect("insert");
    assert_eq!(s.ledger_size().expect("size"), 5);
    assert_eq!(
        s.ledger_index("r3").expect("index"),
        Some(4),
        "acceptance order, not time"
    );
    let root = credence_ledger::tree_root(&*s, 5).expect("root");
    let mut b = credence_ledger::RootBuilder::new();
    for i in 0..5 {
        b.push(credence_ledger::leaf_hash(
            &s.ledger_leaf(i).expect("leaf").expect("stored"),
        ));
    }
    assert_eq!(root, b.root());
}

fn leaves_are_the_documented_encoding<S: LedgerStore>(s: &mut S) {
    let batch = ledger_fixture();
    s.insert_batch(&batch).expect("insert");
    let secret = s
        .customer_secret("m", "c1")
        .expect("secret")
        .expect("created with the first logged event");
    assert!(s.customer_secret("m", "nobody").expect("secret").is_none());
    let (leaf, opening) = event_leaf(&batch[1].event, Some(&secret))
        .expect("leaf")
        .expect("logged");
    let stored = s.ledger_leaf(0).expect("leaf").expect("stored");
    assert_eq!(leaf.encode().expect("encode"), stored);
    let decoded = Leaf::decode(&stored).expect("decode");
    assert_eq!(decoded.event_id, "r1");
    assert!(opening.expect("customer").matches(&decoded));
    let text = String::from_utf8_lossy(&stored).to_string();
    assert!(
        !text.contains("Fast") && stored.len() == 82 + "m".len() + "r1".len(),
        "no personal data: only the documented fields, customer and text as hashes"
    );
    // a public commitment without customer has no customer hash
    let k = ev(
        "k9",
        "commitment",
        "2026-03-02T11:00:00Z",
        "m",
        "c9",
        r#","commitment":"k9","terms":"x""#,
    );
    let mut public = k.clone();
    public.event.customer = None;
    let (leaf, opening) = event_leaf(&public.event, None)
        .expect("leaf")
        .expect("logged");
    assert!(leaf.customer.is_none() && opening.is_none());
}

fn audit_passes_and_names_a_changed_event<S: LedgerStore>(s: &mut S) {
    s.insert_batch(&ledger_fixture()).expect("insert");
    let size = s.ledger_size().expect("size");
    let root = credence_ledger::tree_root(&*s, size).expect("root");
    let report = audit(&*s, &[(size, root)]).expect("audit");
    assert!(report.passed(), "{:?}", report.problems);
    assert_eq!((report.size, report.live, report.erased), (4, 4, 0));
    assert_eq!(report.root, root);
    assert_eq!(report.checkpoints, vec![size]);
    // a checkpoint the leaves do not give is reported
    let report = audit(&*s, &[(2, root)]).expect("audit");
    assert!(report.problems.iter().any(|p| p.kind == "checkpoint"));
    let report = audit(&*s, &[(9, root)]).expect("audit");
    assert!(report.problems.iter().any(|p| p.kind == "deleted"));
}

fn erasure_keeps_the_log_verifiable<S: LedgerStore>(s: &mut S) {
    s.insert_batch(&ledger_fixture()).expect("insert");
    let size = s.ledger_size().expect("size");
    let root = credence_ledger::tree_root(&*s, size).expect("root");
    let secret = s.customer_secret("m", "c1").expect("secret").expect("some");
    let r1 = s.get("r1").expect("get").expect("r1");
    let (_, opening) = event_leaf(&r1.event, Some(&secret))
        .expect("leaf")
        .expect("logged");
    let opening = opening.expect("opening");

    assert_eq!(s.erasures().expect("erasures"), 0);
    let e = s.erase_customer("c1", Some("m")).expect("erase");
    assert_eq!((e.events, e.tombstones, e.secrets), (3, 2, 1), "{e:?}");
    assert_eq!(
        s.erasures().expect("erasures"),
        1,
        "an erasure is counted, so followers reload"
    );
    assert!(s.customer_secret("m", "c1").expect("secret").is_none());
    let mut left = 0;
    s.scan(&Filter::default(), &mut |ev| {
        assert!(
            !ev.raw.contains("\"c1\"") && !ev.raw.contains("Fast"),
            "{}",
            ev.raw
        );
        if ev.event.customer.as_deref() == Some("c1") {
            left += 1;
        }
        Ok(())
    })
    .expect("scan");
    assert_eq!(left, 0);
    // the leaf is unchanged, and still the opening's, but no stored customer matches it
    let leaf = Leaf::decode(&s.ledger_leaf(0).expect("leaf").expect("kept")).expect("decode");
    assert!(opening.matches(&leaf));
    let pseudo = s
        .get("r1")
        .expect("get")
        .expect("r1")
        .event
        .customer
        .expect("pseudonym");
    assert!(s.customer_secret("m", &pseudo).expect("secret").is_none());
    assert_eq!(credence_ledger::tree_root(&*s, size).expect("root"), root);
    let report = audit(&*s, &[(size, root)]).expect("audit");
    assert!(report.passed(), "{:?}", report.problems);
    assert_eq!((report.live, report.erased), (2, 2));
    // the customer's next review gets a fresh secret
    s.insert_batch(&[ev(
        "r5",
        "review",
        "2026-04-01T00:00:00Z",
        "m",
        "c1",
        r#","rating":5"#,
    )])
    .expect("insert");
    assert!(
        s.customer_secret("m", "c1")
            .expect("secret")
            .is_some_and(|n| n != secret)
    );
    assert!(audit(&*s, &[]).expect("audit").passed());
}

fn origin_and_checkpoints<S: LedgerStore>(s: &mut S) {
    assert_eq!(s.ledger_origin().expect("origin"), None);
    assert_eq!(
        s.init_ledger_origin("a.example/log").expect("init"),
        "a.example/log"
    );
    assert_eq!(
        s.init_ledger_origin("b.example/log").expect("init"),
        "a.example/log"
    );
    assert_eq!(
        s.ledger_origin().expect("origin").as_deref(),
        Some("a.example/log")
    );
    s.add_checkpoint(3, "note three\n").expect("add");
    s.add_checkpoint(1, "note one\n").expect("add");
    s.add_checkpoint(3, "another note three\n").expect("add");
    assert_eq!(
        s.checkpoints().expect("list"),
        vec![
            (1, "note one\n".to_string()),
            (3, "note three\n".to_string())
        ]
    );
}

/// Checks a [`crate::LiveStore`]: rows written in the ingest transaction land with the
/// events, a failing hook leaves neither, look-ups by key and position, clearing.
pub fn run_live<S: crate::LiveStore + EventStore>(fresh: &mut dyn FnMut() -> S) {
    use crate::LiveTable;
    let mut s = fresh();
    let batch = [
        ev(
            "l1",
            "review",
            "2026-03-01T10:00:00Z",
            "m",
            "c1",
            r#","rating":5"#,
        ),
        ev(
            "l2",
            "review",
            "2026-03-01T11:00:00Z",
            "m",
            "c2",
            r#","rating":1"#,
        ),
    ];
    let out = s
        .insert_batch_live(&batch, &mut |accepted, tx| {
            assert_eq!(accepted.len(), 2, "the hook sees the accepted events");
            assert!(
                tx.max_seq()? >= 2,
                "and they are visible in the transaction"
            );
            tx.live_put(LiveTable::Relationship, "m", "c1", Some(100), b"one")?;
            tx.live_put(LiveTable::Relationship, "m", "c2", Some(300), b"two")?;
            tx.live_put(LiveTable::Relationship, "m", "c3", None, b"three")?;
            tx.live_put(LiveTable::Merchant, "m", "", None, b"head")?;
            tx.live_put(LiveTable::Merchant, "other", "", None, b"x")?;
            tx.live_delete(LiveTable::Relationship, "m", "c3")?;
            assert_eq!(
                tx.live_get(LiveTable::Relationship, "m", "c1")?.as_deref(),
                Some(&b"one"[..]),
                "the transaction reads its own writes"
            );
            Ok(())
        })
        .expect("insert_batch_live");
    assert_eq!(out, vec![Outcome::Accepted, Outcome::Accepted]);
    let get = |s: &S, t, m, k| s.live_get(t, m, k).expect("live_get");
    assert_eq!(
        get(&s, LiveTable::Relationship, "m", "c2").as_deref(),
        Some(&b"two"[..])
    );
    assert_eq!(get(&s, LiveTable::Relationship, "m", "c3"), None, "deleted");
    assert_eq!(
        get(&s, LiveTable::Relationship, "other", "c1"),
        None,
        "per merchant"
    );
    let mut seen = Vec::new();
    s.live_scan(LiveTable::Relationship, "m", &mut |k, v| {
        seen.push((k.to_string(), v.to_vec()));
        Ok(())
    })
    .expect("live_scan");
    assert_eq!(
        seen,
        vec![
            ("c1".to_string(), b"one".to_vec()),
            ("c2".to_string(), b"two".to_vec())
        ],
        "a scan lists a merchant's rows of one table in key order"
    );
    assert_eq!(
        s.live_before(LiveTable::Relationship, "m", 300)
            .expect("before"),
        vec!["c1".to_string()],
        "rows with a position before the bound"
    );
    // Replacing a row moves its position.
    s.live_transaction(&mut |tx| tx.live_put(LiveTable::Relationship, "m", "c1", Some(500), b"1b"))
        .expect("live_transaction");
    assert!(
        s.live_before(LiveTable::Relationship, "m", 300)
            .expect("before")
            .is_empty()
    );
    assert_eq!(
        get(&s, LiveTable::Relationship, "m", "c1").as_deref(),
        Some(&b"1b"[..])
    );

    // A failing hook rolls back the events too.
    let err = s.insert_batch_live(
        &[ev(
            "l3",
            "review",
            "2026-03-02T10:00:00Z",
            "m",
            "c1",
            r#","rating":4"#,
        )],
        &mut |_, tx| {
            tx.live_put(LiveTable::Relationship, "m", "c9", None, b"lost")?;
            Err(crate::StoreError::Backend("the live state refused".into()))
        },
    );
    assert!(err.is_err());
    assert!(
        s.get("l3").expect("get").is_none(),
        "the event did not land"
    );
    assert_eq!(
        get(&s, LiveTable::Relationship, "m", "c9"),
        None,
        "nor its live row"
    );

    // Clearing one merchant, then everything.
    s.live_transaction(&mut |tx| tx.live_clear(Some("m")))
        .expect("clear");
    assert_eq!(get(&s, LiveTable::Merchant, "m", ""), None);
    assert_eq!(
        get(&s, LiveTable::Merchant, "other", "").as_deref(),
        Some(&b"x"[..])
    );
    s.live_transaction(&mut |tx| tx.live_clear(None))
        .expect("clear all");
    assert_eq!(get(&s, LiveTable::Merchant, "other", ""), None);
}
