//! The PostgreSQL store against the conformance suites of `credence-store` and
//! `credence-ledger`, plus what only a server database has: concurrent writers,
//! migrations run twice, a newer schema refused, and agreement with the SQLite store.
//!
//! Needs `CREDENCE_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`);
//! without it each test prints that it was skipped, and passes. Every store lives in a
//! new schema `credence_test_…`, dropped at the end of the test.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::collections::HashMap;
use std::sync::Mutex;

use credence_store::{
    EventStore, Filter, LedgerStore, LiveRead, LiveStore, LiveTable, NewEvent, Outcome,
    SqliteStore, StoreError, audit,
};
use credence_store_postgres::{PostgresStore, SCHEMA_VERSION};

const ENV: &str = "CREDENCE_TEST_POSTGRES_URL";

/// A test database: makes fresh schemas and drops them when dropped.
struct TestDb {
    url: String,
    admin: Mutex<postgres::Client>,
    schemas: Mutex<Vec<String>>,
}

impl TestDb {
    /// The database of `CREDENCE_TEST_POSTGRES_URL`, or `None` (and one line saying the
    /// test is skipped) when it is unset.
    fn get(test: &str) -> Option<TestDb> {
        let Ok(url) = std::env::var(ENV) else {
            println!("skipped {test}: {ENV} is not set (CI sets it; see docs/postgres.md)");
            return None;
        };
        let admin = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{ENV}={url}: cannot connect: {e}"));
        Some(TestDb {
            url,
            admin: Mutex::new(admin),
            schemas: Mutex::new(Vec::new()),
        })
    }

    /// The URL of a new, empty schema.
    fn fresh_url(&self) -> String {
        let name = format!(
            "credence_test_{}_{:016x}",
            std::process::id(),
            rand::random::<u64>()
        );
        self.admin
            .lock()
            .unwrap()
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .unwrap();
        self.schemas.lock().unwrap().push(name.clone());
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}options=-csearch_path%3D{name}", self.url)
    }

    /// A store in a new, empty schema.
    fn fresh(&self) -> PostgresStore {
        PostgresStore::connect(&self.fresh_url()).expect("connect to a fresh schema")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Ok(mut admin) = self.admin.lock() else {
            return;
        };
        for s in self.schemas.lock().map(|s| s.clone()).unwrap_or_default() {
            let _ = admin.batch_execute(&format!("DROP SCHEMA {s} CASCADE"));
        }
    }
}

fn review(id: &str, customer: &str, rating: u8) -> NewEvent {
    NewEvent::parse(format!(
        r#"{{"id":"{id}","type":"review","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"{customer}","rating":{rating},"text":"ok"}}"#
    ))
    .unwrap()
}

#[test]
fn passes_the_event_store_conformance_suite() {
    let Some(db) = TestDb::get("passes_the_event_store_conformance_suite") else {
        return;
    };
    credence_store::conformance::run_all(&mut || db.fresh());
}

#[test]
fn passes_the_ledger_conformance_suite() {
    let Some(db) = TestDb::get("passes_the_ledger_conformance_suite") else {
        return;
    };
    credence_store::conformance::run_ledger(&mut || db.fresh());
}

#[test]
fn passes_the_text_cache_conformance_suite() {
    let Some(db) = TestDb::get("passes_the_text_cache_conformance_suite") else {
        return;
    };
    credence_store::conformance::run_text_cache(&mut || db.fresh());
}

#[test]
fn passes_the_keys_and_alert_status_conformance_suite() {
    let Some(db) = TestDb::get("passes_the_keys_and_alert_status_conformance_suite") else {
        return;
    };
    credence_store::conformance::run_keys_and_alert_statuses(&mut || db.fresh());
}

/// The store is a whole `credence_store::Store` (what the application layer holds).
#[test]
fn is_a_whole_store() {
    fn store(s: PostgresStore) -> Box<dyn credence_store::Store> {
        Box::new(s)
    }
    let _: fn(PostgresStore) -> Box<dyn credence_store::Store> = store;
}

#[test]
fn passes_the_live_state_conformance_suite() {
    let Some(db) = TestDb::get("passes_the_live_state_conformance_suite") else {
        return;
    };
    credence_store::conformance::run_live(&mut || db.fresh());
}

#[test]
fn the_log_conforms_as_a_tree_store() {
    let Some(db) = TestDb::get("the_log_conforms_as_a_tree_store") else {
        return;
    };
    credence_ledger::testing::check_tree_store(|| db.fresh())
        .expect("the PostgreSQL tree store conforms");
}

/// Two connections ingest overlapping batches at the same time: every event is accepted
/// exactly once, none is lost, the log holds each logged event once and audits clean,
/// and `scan_since` sees every event once, in increasing `seq`.
#[test]
fn concurrent_writers_neither_lose_nor_double_events() {
    let Some(db) = TestDb::get("concurrent_writers_neither_lose_nor_double_events") else {
        return;
    };
    let url = db.fresh_url();
    let n = 3_000usize;
    // Reviews (logged) and orders (not logged), 50 customers.
    let events: Vec<NewEvent> = (0..n)
        .map(|i| {
            if i % 3 == 0 {
                NewEvent::parse(format!(
                    r#"{{"id":"o{i:05}","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"c{}","order":"o{i}"}}"#,
                    i % 50
                ))
                .unwrap()
            } else {
                review(&format!("r{i:05}"), &format!("c{}", i % 50), 1 + (i % 5) as u8)
            }
        })
        .collect();
    let logged = events
        .iter()
        .filter(|e| credence_store::ledger::is_logged(&e.event))
        .count() as u64;
    // Writer A: 0..2000 forwards; writer B: 1000..3000 backwards. Both: batches of 50.
    let a: Vec<NewEvent> = events[..2 * n / 3].to_vec();
    let mut b: Vec<NewEvent> = events[n / 3..].to_vec();
    b.reverse();
    let writer = |part: Vec<NewEvent>, url: String| {
        std::thread::spawn(move || {
            let mut s = PostgresStore::connect(&url).expect("connect");
            let mut accepted = Vec::new();
            for chunk in part.chunks(50) {
                let out = s.insert_batch(chunk).expect("insert");
                for (e, o) in chunk.iter().zip(out) {
                    assert!(!matches!(o, Outcome::Conflict { .. }), "{}", e.event.id);
                    if o == Outcome::Accepted {
                        accepted.push(e.event.id.clone());
                    }
                }
            }
            accepted
        })
    };
    let ta = writer(a, url.clone());
    let tb = writer(b, url.clone());
    let mut accepted = ta.join().expect("writer A");
    accepted.extend(tb.join().expect("writer B"));
    accepted.sort();
    let before = accepted.len();
    accepted.dedup();
    assert_eq!(before, accepted.len(), "an event was accepted twice");
    assert_eq!(accepted.len(), n, "every event accepted exactly once");

    let s = PostgresStore::connect(&url).expect("connect");
    assert_eq!(s.stats().unwrap().events, n as u64);
    let mut seqs = Vec::new();
    s.scan_since(0, &mut |e| {
        seqs.push(e.seq);
        Ok(())
    })
    .unwrap();
    assert_eq!(seqs.len(), n);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(s.ledger_size().unwrap(), logged);
    let report = audit(&s, &[]).unwrap();
    assert!(report.passed(), "{:?}", report.problems);
    assert_eq!(report.live, logged);
}

#[test]
fn connecting_twice_migrates_once_and_keeps_the_data() {
    let Some(db) = TestDb::get("connecting_twice_migrates_once_and_keeps_the_data") else {
        return;
    };
    let url = db.fresh_url();
    let mut first = PostgresStore::connect(&url).unwrap();
    first.insert_batch(&[review("r1", "c1", 4)]).unwrap();
    let mut second = PostgresStore::connect(&url).unwrap();
    assert_eq!(second.stats().unwrap().events, 1);
    assert_eq!(
        second.insert_batch(&[review("r1", "c1", 4)]).unwrap(),
        vec![Outcome::Duplicate]
    );
    assert_eq!(second.ledger_size().unwrap(), 1);
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let v: i64 = admin
        .query_one("SELECT version FROM credence_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(v, SCHEMA_VERSION);
    let rows: i64 = admin
        .query_one("SELECT count(*) FROM credence_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
}

#[test]
fn refuses_a_schema_from_a_newer_version() {
    let Some(db) = TestDb::get("refuses_a_schema_from_a_newer_version") else {
        return;
    };
    let url = db.fresh_url();
    drop(PostgresStore::connect(&url).unwrap());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin
        .batch_execute("UPDATE credence_schema SET version = 99")
        .unwrap();
    let err = PostgresStore::connect(&url).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 99,
                supported: SCHEMA_VERSION
            }
        ),
        "{err}"
    );
}

/// A failing statement names the operation.
#[test]
fn errors_say_what_the_store_was_doing() {
    let Some(db) = TestDb::get("errors_say_what_the_store_was_doing") else {
        return;
    };
    let url = db.fresh_url();
    let s = PostgresStore::connect(&url).unwrap();
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin.batch_execute("DROP TABLE events CASCADE").unwrap();
    let err = s.stats().unwrap_err().to_string();
    assert!(
        err.contains("PostgreSQL, stats") && err.contains("events"),
        "{err}"
    );
    let err = PostgresStore::connect("postgres://nobody@127.0.0.1:1/none").unwrap_err();
    assert!(err.to_string().contains("PostgreSQL, connect"), "{err}");
}

/// The demo data set, ingested in batches into PostgreSQL and SQLite: the same outcomes,
/// the same scan order and contents, the same log indexes, the same public leaves, and
/// a clean audit.
#[test]
fn agrees_with_the_sqlite_store_on_the_demo_data() {
    let Some(db) = TestDb::get("agrees_with_the_sqlite_store_on_the_demo_data") else {
        return;
    };
    let config = credence_demo::DemoConfig::new(7, credence_demo::Size::Small);
    let mut events: Vec<NewEvent> = credence_demo::generate(&config)
        .filter_map(|l| NewEvent::parse(l).ok())
        .collect();
    // Repeats and a conflict, across and inside batches.
    events.extend(events[..500].to_vec());
    let mut changed = events[10].clone();
    changed.raw = changed.raw.replacen('}', r#","x-note":"changed"}"#, 1);
    changed.event = credence_events::parse_event(&changed.raw).unwrap();
    events.insert(1_234, changed);
    let mut pg = db.fresh();
    let mut lite = SqliteStore::in_memory().unwrap();
    for chunk in events.chunks(1_000) {
        assert_eq!(
            pg.insert_batch(chunk).unwrap(),
            lite.insert_batch(chunk).unwrap()
        );
    }
    let raws = |s: &dyn EventStore, f: &Filter| {
        let mut out = Vec::new();
        s.scan(f, &mut |e| {
            out.push(e.raw);
            Ok(())
        })
        .unwrap();
        out
    };
    let all = raws(&pg, &Filter::default());
    assert!(all.len() > 5_000, "{}", all.len());
    assert_eq!(all, raws(&lite, &Filter::default()));
    let merchant = pg.merchants().unwrap()[1].clone();
    let one = Filter {
        merchant: Some(merchant),
        up_to: Some("2026-06-01T00:00:00Z".parse().unwrap()),
        ..Filter::default()
    };
    assert_eq!(raws(&pg, &one), raws(&lite, &one));
    assert_eq!(pg.merchants().unwrap(), lite.merchants().unwrap());
    assert_eq!(pg.stats().unwrap(), lite.stats().unwrap());
    assert_eq!(
        pg.dangling_references().unwrap(),
        lite.dangling_references().unwrap()
    );
    let size = pg.ledger_size().unwrap();
    assert_eq!(size, lite.ledger_size().unwrap());
    let mut public: HashMap<u64, Vec<u8>> = HashMap::new();
    for e in &events {
        let i = pg.ledger_index(&e.event.id).unwrap();
        assert_eq!(i, lite.ledger_index(&e.event.id).unwrap(), "{}", e.event.id);
        // Leaves without a customer have no secret in them: byte-identical.
        if let (Some(i), None) = (i, &e.event.customer) {
            public.insert(i, pg.ledger_leaf(i).unwrap().unwrap());
        }
    }
    assert!(!public.is_empty());
    for (i, leaf) in public {
        assert_eq!(Some(leaf), lite.ledger_leaf(i).unwrap());
    }
    let report = audit(&pg, &[]).unwrap();
    assert!(report.passed(), "{:?}", report.problems);
    assert_eq!(report.live, size);
    // Erasure keeps the audit clean.
    let customer = events
        .iter()
        .find(|e| e.event.event_type() == "review")
        .and_then(|e| e.event.customer.clone())
        .unwrap();
    let erased = pg.erase_customer(&customer, None).unwrap();
    assert!(erased.tombstones > 0);
    let report = audit(&pg, &[]).unwrap();
    assert!(report.passed(), "{:?}", report.problems);
    assert_eq!(report.erased, erased.tombstones);
}

/// PostgreSQL text cannot hold U+0000. Parsing already refuses it in ids, per line (so
/// ingest never gets here); an event built by hand with one is refused by the store with
/// an error that says so, and the store stays usable.
#[test]
fn a_nul_in_a_column_is_refused_clearly() {
    let Some(db) = TestDb::get("a_nul_in_a_column_is_refused_clearly") else {
        return;
    };
    let mut s = db.fresh();
    let line = r#"{"id":"n1","type":"review","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"c\u0000x","rating":4}"#;
    assert!(
        NewEvent::parse(line).is_err(),
        "parsing refuses U+0000 in an id"
    );
    let mut bad = review("n1", "c", 4);
    bad.event.customer = Some("c\0x".into());
    let err = s.insert_batch(&[review("r1", "c1", 4), bad]).unwrap_err();
    assert!(err.to_string().contains("U+0000"), "{err}");
    assert_eq!(
        s.stats().unwrap().events,
        0,
        "nothing of the batch is stored"
    );
    let text = NewEvent::parse(
        r#"{"id":"n2","type":"review","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"c","rating":4,"text":"a\u0000b"}"#,
    )
    .unwrap();
    assert_eq!(
        s.insert_batch(std::slice::from_ref(&text)).unwrap(),
        vec![Outcome::Accepted]
    );
    assert_eq!(s.get("n2").unwrap().unwrap().raw, text.raw);
}

/// Once migrated, the schema is usable by a role that may read and write rows but not
/// create tables (connecting migrates nothing and creates nothing).
#[test]
fn a_role_without_create_rights_uses_a_migrated_schema() {
    let Some(db) = TestDb::get("a_role_without_create_rights_uses_a_migrated_schema") else {
        return;
    };
    let url = db.fresh_url();
    drop(PostgresStore::connect(&url).unwrap());
    let config: postgres::Config = url.parse().unwrap();
    let schema = url.rsplit("%3D").next().unwrap().to_string();
    let role = format!("credence_test_role_{:016x}", rand::random::<u64>());
    let grant = format!(
        "CREATE ROLE {role} LOGIN;
         GRANT USAGE ON SCHEMA {schema} TO {role};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role};"
    );
    db.admin.lock().unwrap().batch_execute(&grant).unwrap();
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let dbname = config.get_dbname().unwrap_or("postgres");
    let as_role = format!(
        "host={host} port={port} user={role} dbname={dbname} options='-csearch_path={schema}'"
    );
    let result = std::panic::catch_unwind(|| {
        let mut s = PostgresStore::connect(&as_role).expect("connect as the limited role");
        assert_eq!(
            s.insert_batch(&[review("r1", "c1", 4)]).unwrap(),
            vec![Outcome::Accepted]
        );
        assert_eq!(s.ledger_size().unwrap(), 1);
        assert!(audit(&s, &[]).unwrap().passed());
    });
    db.admin
        .lock()
        .unwrap()
        .batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"))
        .unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// A server that stops drops its stores on an async thread; closing the driver's
/// connections there must not panic.
#[test]
fn dropping_the_store_on_an_async_thread_does_not_panic() {
    let Some(db) = TestDb::get("dropping_the_store_on_an_async_thread_does_not_panic") else {
        return;
    };
    let mut s = db.fresh();
    s.insert_batch(&[review("r1", "c1", 4)]).unwrap();
    s.scan(&Filter::default(), &mut |_| Ok(())).unwrap(); // opens a scan connection
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async move { drop(s) });
}

/// A database at schema version 1 (before the live state), holding events, is brought
/// forward on connect: its events and log are kept, and the live table works, with the
/// "C" collation on its text columns.
#[test]
fn a_version_1_schema_migrates_forward() {
    let Some(db) = TestDb::get("a_version_1_schema_migrates_forward") else {
        return;
    };
    let url = db.fresh_url();
    let mut s = PostgresStore::connect(&url).unwrap();
    s.insert_batch(&[review("r1", "c1", 4), review("r2", "c2", 2)])
        .unwrap();
    drop(s);
    // What a version 1 database looks like: migration 2 only adds `live`.
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin
        .batch_execute("DROP TABLE live; UPDATE credence_schema SET version = 1")
        .unwrap();

    let mut s = PostgresStore::connect(&url).unwrap();
    let v: i64 = admin
        .query_one("SELECT version FROM credence_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!((v, SCHEMA_VERSION), (2, 2));
    assert_eq!(s.stats().unwrap().events, 2);
    assert_eq!(s.ledger_size().unwrap(), 2);
    assert!(audit(&s, &[]).unwrap().passed());
    let out = s
        .insert_batch_live(&[review("r3", "c1", 5)], &mut |accepted, tx| {
            assert_eq!(accepted.len(), 1);
            assert_eq!(tx.max_seq()?, 3);
            tx.live_put(LiveTable::Relationship, "m", "c1", Some(7), b"v")
        })
        .unwrap();
    assert_eq!(out, vec![Outcome::Accepted]);
    assert_eq!(
        s.live_get(LiveTable::Relationship, "m", "c1").unwrap(),
        Some(b"v".to_vec())
    );
    let collations: Vec<(String, Option<String>)> = admin
        .query(
            "SELECT column_name::text, collation_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = 'live'
               AND data_type = 'text' ORDER BY column_name",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        collations,
        vec![
            ("key".to_string(), Some("C".to_string())),
            ("merchant".to_string(), Some("C".to_string()))
        ]
    );
}

/// Live-state keys come back in byte order, as from the SQLite store, whatever the
/// database's locale would say (upper case, punctuation, lower case, non-ASCII).
#[test]
fn live_keys_are_in_the_same_order_as_in_sqlite() {
    let Some(db) = TestDb::get("live_keys_are_in_the_same_order_as_in_sqlite") else {
        return;
    };
    let keys = [
        "b", "B", "a", "_x", "Z", "é", "e", "10", "9", "a b", "ab", "",
    ];
    let mut pg = db.fresh();
    let mut lite = SqliteStore::in_memory().unwrap();
    for s in [&mut pg as &mut dyn LiveStore, &mut lite] {
        s.live_transaction(&mut |tx| {
            for (i, k) in keys.iter().enumerate() {
                let pos = (i % 2 == 0).then_some(i as i64);
                tx.live_put(LiveTable::Owner, "m", k, pos, k.as_bytes())?;
            }
            Ok(())
        })
        .unwrap();
    }
    let scan = |s: &dyn LiveStore| {
        let mut out = Vec::new();
        s.live_scan(LiveTable::Owner, "m", &mut |k, v| {
            assert_eq!(k.as_bytes(), v);
            out.push(k.to_string());
            Ok(())
        })
        .unwrap();
        out
    };
    let mut sorted: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    sorted.sort();
    assert_eq!(scan(&pg), sorted, "byte order");
    assert_eq!(scan(&pg), scan(&lite));
    for bound in [0, 3, 7, 100] {
        assert_eq!(
            pg.live_before(LiveTable::Owner, "m", bound).unwrap(),
            lite.live_before(LiveTable::Owner, "m", bound).unwrap(),
            "before {bound}"
        );
    }
}

/// The hook runs even when nothing of the batch is accepted (duplicates only, or an
/// empty batch), with no events, and what it writes lands.
#[test]
fn the_live_hook_runs_when_nothing_is_accepted() {
    let Some(db) = TestDb::get("the_live_hook_runs_when_nothing_is_accepted") else {
        return;
    };
    let mut s = db.fresh();
    s.insert_batch(&[review("r1", "c1", 4)]).unwrap();
    for (n, batch) in [vec![review("r1", "c1", 4)], vec![]]
        .into_iter()
        .enumerate()
    {
        let mut calls = 0;
        let out = s
            .insert_batch_live(&batch, &mut |accepted, tx| {
                calls += 1;
                assert!(accepted.is_empty());
                assert_eq!(tx.max_seq()?, 1);
                tx.live_put(LiveTable::Meta, "", &format!("k{n}"), None, b"seen")
            })
            .unwrap();
        assert_eq!(calls, 1, "batch {n}");
        assert_eq!(out.len(), batch.len());
        assert!(out.iter().all(|o| *o == Outcome::Duplicate));
        assert_eq!(
            s.live_get(LiveTable::Meta, "", &format!("k{n}")).unwrap(),
            Some(b"seen".to_vec())
        );
    }
    assert_eq!(s.stats().unwrap().events, 1);
}

/// A visitor of a scan inside the transaction may read through it, across chunks.
#[test]
fn a_live_scan_in_a_transaction_lets_its_visitor_read() {
    let Some(db) = TestDb::get("a_live_scan_in_a_transaction_lets_its_visitor_read") else {
        return;
    };
    let mut s = db.fresh();
    let n = 12_000; // more than one chunk
    s.live_transaction(&mut |tx| {
        for i in 0..n {
            tx.live_put(LiveTable::Day, "m", &format!("{i:06}"), Some(i), b"d")?;
        }
        let mut seen = 0;
        tx.live_scan(LiveTable::Day, "m", &mut |k, _| {
            seen += 1;
            assert!(tx.live_get(LiveTable::Day, "m", k)?.is_some());
            Ok(())
        })?;
        assert_eq!(seen, n);
        Ok(())
    })
    .unwrap();
    let mut seen = 0;
    s.live_scan(LiveTable::Day, "m", &mut |_, _| {
        seen += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, n);
    assert_eq!(s.live_before(LiveTable::Day, "m", 10).unwrap().len(), 10);
}

/// U+0000 in a live row's merchant or key is refused with an error that says so, before
/// anything reaches the server: the transaction stays usable, and the store too.
#[test]
fn a_nul_in_a_live_key_is_refused_clearly() {
    let Some(db) = TestDb::get("a_nul_in_a_live_key_is_refused_clearly") else {
        return;
    };
    let mut s = db.fresh();
    s.live_transaction(&mut |tx| {
        let t = LiveTable::Relationship;
        let errors = [
            tx.live_put(t, "m", "c\0", None, b"x").unwrap_err(),
            tx.live_put(t, "m\0", "c", None, b"x").unwrap_err(),
            tx.live_get(t, "m", "\0").unwrap_err(),
            tx.live_delete(t, "m", "\0").unwrap_err(),
            tx.live_before(t, "\0", 1).unwrap_err(),
            tx.live_scan(t, "\0", &mut |_, _| Ok(())).unwrap_err(),
            tx.live_clear(Some("\0")).unwrap_err(),
        ];
        for e in errors {
            assert!(matches!(e, StoreError::Backend(_)), "{e}");
            assert!(e.to_string().contains("U+0000"), "{e}");
        }
        tx.live_put(t, "m", "c", None, b"kept")
    })
    .unwrap();
    let err = s.live_get(LiveTable::Relationship, "m", "c\0").unwrap_err();
    assert!(err.to_string().contains("U+0000"), "{err}");
    assert!(
        s.live_scan(LiveTable::Relationship, "\0", &mut |_, _| Ok(()))
            .is_err()
    );
    assert_eq!(
        s.live_get(LiveTable::Relationship, "m", "c").unwrap(),
        Some(b"kept".to_vec())
    );
}

/// A live transaction takes the ingest's write lock: started while another connection's
/// ingest hook is running, it waits for that commit and then reads what the hook wrote.
#[test]
fn live_transactions_take_turns_with_ingest() {
    let Some(db) = TestDb::get("live_transactions_take_turns_with_ingest") else {
        return;
    };
    let url = db.fresh_url();
    let mut ingest = PostgresStore::connect(&url).unwrap();
    let mut rebuild = PostgresStore::connect(&url).unwrap();
    let (in_hook, hook_entered) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        ingest
            .insert_batch_live(&[review("r1", "c1", 4)], &mut |_, tx| {
                in_hook.send(()).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(500));
                tx.live_put(LiveTable::Meta, "", "n", None, b"1")
            })
            .unwrap()
    });
    hook_entered.recv().unwrap();
    rebuild
        .live_transaction(&mut |tx| {
            assert_eq!(tx.max_seq()?, 1, "the ingest committed first");
            assert_eq!(tx.live_get(LiveTable::Meta, "", "n")?, Some(b"1".to_vec()));
            tx.live_put(LiveTable::Meta, "", "n", None, b"2")
        })
        .unwrap();
    assert_eq!(writer.join().unwrap(), vec![Outcome::Accepted]);
    assert_eq!(
        rebuild.live_get(LiveTable::Meta, "", "n").unwrap(),
        Some(b"2".to_vec())
    );
}
