//! `credence ledger …` and `credence erase`: receipts verify offline with nothing but the
//! file and the key, checkpoints are provably append-only, tampering with the SQLite file
//! is caught by the audit, erasure keeps the log valid and unlinkable, the key stays secret.

use std::path::Path;
use std::process::Output;

use credence_ledger::{Leaf, LeafKind, Receipt, VerifierKey, customer_commitment, leaf_salt};
use serde_json::Value;

use crate::util::Workspace;

const EVENTS: &str = r#"{"id":"r1","type":"review","at":"2026-03-01T10:00:00+08:00","merchant":"m-tea","customer":"c-001","rating":4,"text":"Fast delivery."}
{"id":"o1","type":"order","at":"2026-03-01T09:00:00+08:00","merchant":"m-tea","customer":"c-001","order":"o1"}
{"id":"k1","type":"commitment","at":"2026-03-01T10:00:00+08:00","merchant":"m-tea","commitment":"k1","terms":"ship in 2 days"}
{"id":"r2","type":"review","at":"2026-03-02T10:00:00+08:00","merchant":"m-tea","customer":"c-002","rating":2,"text":"late"}
{"id":"k1r","type":"commitment_result","at":"2026-03-04T10:00:00+08:00","merchant":"m-tea","commitment":"k1","kept":false}
{"id":"r3","type":"review","at":"2026-03-05T10:00:00+08:00","merchant":"m-tea","customer":"c-001","rating":5}
"#;

const MORE: &str = r#"{"id":"r4","type":"review","at":"2026-03-06T10:00:00+08:00","merchant":"m-tea","customer":"c-003","rating":3}
{"id":"r5","type":"review","at":"2026-03-07T10:00:00+08:00","merchant":"m-tea","customer":"c-002","rating":1,"text":"again late"}
{"id":"o2","type":"order","at":"2026-03-07T11:00:00+08:00","merchant":"m-tea","customer":"c-002","order":"o2"}
"#;

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

/// A workspace with EVENTS ingested.
fn logged() -> Workspace {
    let w = Workspace::new();
    let f = w.file("events.jsonl", EVENTS);
    ok(&w.run(&["ingest", f.to_str().unwrap()]));
    w
}

fn sql(db: &Path, statement: &str) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch(statement).unwrap();
}

fn audit(w: &Workspace) -> (Option<i32>, String) {
    let out = w.run(&["ledger", "audit"]);
    (code(&out), String::from_utf8_lossy(&out.stdout).to_string())
}

#[test]
fn a_receipt_verifies_offline_with_only_the_file_and_the_key() {
    let w = logged();
    let vkey = ok(&w.run(&["ledger", "verifier-key"])).trim().to_string();
    assert!(vkey.starts_with("credence.local/credence+"), "{vkey}");
    VerifierKey::parse(&vkey).unwrap();
    let receipt = ok(&w.run(&["ledger", "receipt", "--event", "r1", "--opening"]));
    let tlog = ok(&w.run(&[
        "ledger",
        "receipt",
        "--event",
        "r2",
        "--format",
        "tlog-proof",
    ]));
    assert!(tlog.starts_with("c2sp.org/tlog-proof@v1\nextra "), "{tlog}");
    let doc: Value = serde_json::from_str(&receipt).unwrap();
    assert_eq!(doc["event"], "r1");
    assert_eq!(
        doc["tree_size"], 5,
        "3 reviews, a commitment and its result"
    );
    assert!(receipt.len() < 2048, "receipt is {} bytes", receipt.len());

    // elsewhere: no store, no key file, only the receipt and the verifier key
    let other = Workspace::new();
    let r = other.file("r1.receipt.json", &receipt);
    let t = other.file("r2.tlog-proof", &tlog);
    let k = other.file("log.vkey", &vkey);
    for key in [vkey.as_str(), k.to_str().unwrap()] {
        let out = other.run(&["ledger", "verify", r.to_str().unwrap(), "--key", key]);
        let text = ok(&out);
        assert!(
            text.contains("review `r1`") && text.contains("opening matches"),
            "{text}"
        );
    }
    let text = ok(&other.run(&["ledger", "verify", t.to_str().unwrap(), "--key", &vkey]));
    assert!(text.contains("review `r2`"), "{text}");
    assert!(!other.db().exists(), "verify must not create a store");

    // another log's key does not verify it
    let stranger = Workspace::new();
    let f = stranger.file("e.jsonl", EVENTS);
    ok(&stranger.run(&["ingest", f.to_str().unwrap()]));
    let their_key = ok(&stranger.run(&["ledger", "verifier-key"]));
    let out = other.run(&[
        "ledger",
        "verify",
        r.to_str().unwrap(),
        "--key",
        their_key.trim(),
    ]);
    assert_eq!(code(&out), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAILED"));
}

#[test]
fn any_flipped_byte_in_a_receipt_fails() {
    let w = logged();
    let vkey_text = ok(&w.run(&["ledger", "verifier-key"])).trim().to_string();
    let vkey = VerifierKey::parse(&vkey_text).unwrap();
    let receipt = ok(&w.run(&["ledger", "receipt", "--event", "r2", "--opening"]));
    let receipt = receipt.trim_end();
    credence_ledger::verify_receipt(&Receipt::from_json(receipt).unwrap(), &vkey).unwrap();
    // every byte, in process
    let bytes = receipt.as_bytes();
    for i in 0..bytes.len() {
        let mut b = bytes.to_vec();
        b[i] ^= 0x01;
        let Ok(s) = String::from_utf8(b) else {
            continue; // not even text
        };
        let verdict =
            Receipt::from_json(&s).and_then(|r| credence_ledger::verify_receipt(&r, &vkey));
        assert!(
            verdict.is_err(),
            "flipping byte {i} ({:?}) still verifies",
            bytes[i] as char
        );
    }
    // a sample through the binary
    for i in (0..bytes.len()).step_by(41) {
        let mut b = bytes.to_vec();
        b[i] ^= 0x01;
        let f = w.file("flipped.json", &b);
        let out = w.run(&["ledger", "verify", f.to_str().unwrap(), "--key", &vkey_text]);
        assert_eq!(
            code(&out),
            Some(1),
            "byte {i}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn checkpoints_are_provably_append_only() {
    let w = logged();
    let vkey = ok(&w.run(&["ledger", "verifier-key"])).trim().to_string();
    let old = ok(&w.run(&["ledger", "checkpoint"]));
    assert!(old.starts_with("credence.local/credence\n5\n"), "{old}");
    let f = w.file("more.jsonl", MORE);
    ok(&w.run(&["ingest", f.to_str().unwrap()]));
    let new = ok(&w.run(&["ledger", "checkpoint"]));
    assert!(new.starts_with("credence.local/credence\n7\n"), "{new}");
    let (o, n) = (w.file("old.cp", &old), w.file("new.cp", &new));
    let proof = ok(&w.run(&[
        "ledger",
        "consistency",
        o.to_str().unwrap(),
        n.to_str().unwrap(),
        "--json",
    ]));
    let doc: Value = serde_json::from_str(&proof).unwrap();
    assert_eq!(
        (doc["old_size"].as_u64(), doc["new_size"].as_u64()),
        (Some(5), Some(7))
    );
    let p = w.file("proof.json", &proof);
    let args = |p: &Path| {
        vec![
            "ledger".to_string(),
            "verify-consistency".into(),
            o.to_str().unwrap().into(),
            n.to_str().unwrap().into(),
            p.to_str().unwrap().into(),
            "--key".into(),
            vkey.clone(),
        ]
    };
    let text = ok(&w.cmd().args(args(&p)).output().unwrap());
    assert!(text.contains("only grew from size 5 to size 7"), "{text}");
    // a proof with one hash changed fails
    let first = doc["hashes"][0].as_str().unwrap();
    let mut bad = first.as_bytes().to_vec();
    bad[0] = if bad[0] == b'A' { b'B' } else { b'A' };
    let bad = proof.replace(first, std::str::from_utf8(&bad).unwrap());
    let p2 = w.file("bad.json", bad);
    assert_eq!(code(&w.cmd().args(args(&p2)).output().unwrap()), Some(1));
    // swapped checkpoints are refused
    let out = w.run(&[
        "ledger",
        "verify-consistency",
        n.to_str().unwrap(),
        o.to_str().unwrap(),
        p.to_str().unwrap(),
        "--key",
        &vkey,
    ]);
    assert_eq!(code(&out), Some(1));
}

#[test]
fn a_deleted_review_is_caught_by_the_audit() {
    let w = logged();
    ok(&w.run(&["ledger", "checkpoint"]));
    assert_eq!(audit(&w).0, Some(0));
    sql(&w.db(), "DELETE FROM events WHERE id = 'r2'");
    let (c, text) = audit(&w);
    assert_eq!(c, Some(1), "{text}");
    assert!(
        text.contains("review `r2`") && text.contains("deleted"),
        "{text}"
    );
}

#[test]
fn an_edited_rating_is_caught_by_the_audit() {
    let w = logged();
    ok(&w.run(&["ledger", "checkpoint"]));
    sql(
        &w.db(),
        r#"UPDATE events SET raw = replace(raw, '"rating":4', '"rating":1') WHERE id = 'r1'"#,
    );
    let (c, text) = audit(&w);
    assert_eq!(c, Some(1), "{text}");
    assert!(
        text.contains("review `r1`") && text.contains("rating 4 is now 1"),
        "{text}"
    );
}

#[test]
fn an_edited_leaf_is_caught_by_the_audit() {
    let w = logged();
    ok(&w.run(&["ledger", "checkpoint"]));
    // rewrite leaf 0 (r1) as a valid leaf with 5 stars
    let c = rusqlite::Connection::open(w.db()).unwrap();
    let bytes: Vec<u8> = c
        .query_row("SELECT leaf FROM ledger_leaves WHERE idx = 0", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut leaf = Leaf::decode(&bytes).unwrap();
    leaf.kind = LeafKind::Review { rating: 5 };
    c.execute(
        "UPDATE ledger_leaves SET leaf = ?1 WHERE idx = 0",
        [leaf.encode().unwrap()],
    )
    .unwrap();
    drop(c);
    let (code, text) = audit(&w);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("review `r1`"), "{text}");
    assert!(
        text.contains("checkpoint"),
        "the signed root no longer matches: {text}"
    );
}

#[test]
fn a_logged_event_added_behind_ingests_back_is_caught() {
    let w = logged();
    sql(
        &w.db(),
        r#"INSERT INTO events (id, type, at, merchant, customer, raw) VALUES ('r9', 'review', 0, 'm-tea', 'c-9',
           '{"id":"r9","type":"review","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"c-9","rating":5}')"#,
    );
    let (c, text) = audit(&w);
    assert_eq!(c, Some(1), "{text}");
    assert!(
        text.contains("`r9` is in the store but not in the log"),
        "{text}"
    );
}

#[test]
fn erasure_keeps_the_log_valid_and_unlinks_the_customer() {
    let w = logged();
    let vkey_text = ok(&w.run(&["ledger", "verifier-key"])).trim().to_string();
    let vkey = VerifierKey::parse(&vkey_text).unwrap();
    let before = ok(&w.run(&["ledger", "receipt", "--event", "r1", "--opening"]));
    let receipt = Receipt::from_json(before.trim()).unwrap();
    let opening = receipt.opening.clone().unwrap();
    let cp = ok(&w.run(&["ledger", "checkpoint"]));

    let text = ok(&w.run(&["erase", "--customer", "c-001", "--merchant", "m-tea"]));
    assert!(text.contains("tombstones recorded         2"), "{text}");
    let (c, text) = audit(&w);
    assert_eq!(c, Some(0), "{text}");
    assert!(text.contains("2 erased"), "{text}");
    // the log did not change: the old receipt still verifies, and so does a new one
    credence_ledger::verify_receipt(&receipt, &vkey).unwrap();
    assert_eq!(ok(&w.run(&["ledger", "checkpoint"])), cp);
    let again = ok(&w.run(&["ledger", "receipt", "--event", "r1"]));
    assert_eq!(Receipt::from_json(again.trim()).unwrap().leaf, receipt.leaf);
    // …but no opening can be made any more, and none of the stored data links to c-001
    let out = w.run(&["ledger", "receipt", "--event", "r1", "--opening"]);
    assert_eq!(code(&out), Some(2));
    let leaf = Leaf::decode(&receipt.leaf).unwrap();
    let conn = rusqlite::Connection::open(w.db()).unwrap();
    let raws: Vec<(String, Option<String>)> = conn
        .prepare("SELECT raw, customer FROM events")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (raw, customer) in &raws {
        assert!(
            !raw.contains("c-001") && !raw.contains("Fast delivery"),
            "{raw}"
        );
        if let Some(c) = customer {
            assert_ne!(c, &opening.customer);
        }
    }
    let secrets: Vec<(String, Vec<u8>)> = conn
        .prepare("SELECT customer, secret FROM ledger_secrets")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!secrets.is_empty());
    for (_, customer) in &raws {
        for (_, secret) in &secrets {
            let salt = leaf_salt(secret, "r1");
            if let Some(c) = customer {
                assert_ne!(Some(customer_commitment(&salt, c)), leaf.customer);
            }
        }
    }
    // the erased review still counts, under its pseudonym, with its rating
    let raw: String = conn
        .query_row("SELECT raw FROM events WHERE id = 'r1'", [], |r| r.get(0))
        .unwrap();
    assert!(
        raw.contains(r#""rating":4"#) && raw.contains("erased-"),
        "{raw}"
    );
    // editing an erased review is still caught
    drop(conn);
    sql(
        &w.db(),
        r#"UPDATE events SET raw = replace(raw, '"rating":4', '"rating":2') WHERE id = 'r1'"#,
    );
    let (c, text) = audit(&w);
    assert_eq!(c, Some(1), "{text}");
    assert!(
        text.contains("erased review `r1`") && text.contains("rating 4 is now 2"),
        "{text}"
    );
}

#[test]
fn the_key_file_is_private_and_never_printed() {
    let w = logged();
    let mut outputs = Vec::new();
    for args in [
        vec!["ledger", "checkpoint"],
        vec!["ledger", "verifier-key"],
        vec!["ledger", "receipt", "--event", "r1", "--opening"],
        vec!["ledger", "audit"],
        vec!["ledger", "checkpoint", "--json"],
        vec!["--json", "ledger", "audit"],
        vec!["status"],
    ] {
        let out = w.run(&args);
        ok(&out);
        outputs.push(String::from_utf8_lossy(&out.stdout).to_string());
        outputs.push(String::from_utf8_lossy(&out.stderr).to_string());
    }
    let key_path = w.path("credence.db.ledger.key");
    let secret = std::fs::read_to_string(&key_path).unwrap();
    assert!(secret.starts_with("PRIVATE+KEY+credence.local/credence+"));
    let seed_b64 = secret.trim().rsplit('+').next().unwrap().to_string();
    for o in &outputs {
        assert!(!o.contains(&seed_b64), "the key leaked: {o}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // a corrupt key file is reported without its content
    std::fs::write(&key_path, "PRIVATE+KEY+oops+secretstuff\n").unwrap();
    let out = w.run(&["ledger", "verifier-key"]);
    assert_eq!(code(&out), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("secretstuff"));
    // a missing key file is not silently replaced once checkpoints were signed
    std::fs::remove_file(&key_path).unwrap();
    let out = w.run(&["ledger", "checkpoint"]);
    assert_eq!(code(&out), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("key file"));
    assert!(!key_path.exists());
}

#[test]
fn origin_is_fixed_at_first_use_and_key_file_can_be_elsewhere() {
    let w = logged();
    let key = w.path("keys.secret");
    let vk = ok(&w.run(&[
        "ledger",
        "verifier-key",
        "--origin",
        "shop.example/ledger",
        "--key-file",
        key.to_str().unwrap(),
    ]));
    assert!(vk.starts_with("shop.example/ledger+"), "{vk}");
    assert!(key.exists() && !w.path("credence.db.ledger.key").exists());
    let cp = ok(&w.run(&["ledger", "checkpoint", "--key-file", key.to_str().unwrap()]));
    assert!(cp.starts_with("shop.example/ledger\n"), "{cp}");
    let out = w.run(&[
        "ledger",
        "checkpoint",
        "--origin",
        "other.example/x",
        "--key-file",
        key.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fixed at first use"));
    let out = w.run(&["ledger", "checkpoint", "--origin", "bad name"]);
    assert_eq!(code(&out), Some(2));
}

#[test]
fn reingesting_the_same_file_appends_nothing() {
    let w = Workspace::new();
    let f = w.file("events.jsonl", EVENTS);
    let summary = w.json(&["ingest", f.to_str().unwrap()]);
    assert_eq!(
        (summary["accepted"].as_u64(), summary["logged"].as_u64()),
        (Some(6), Some(5))
    );
    let first = ok(&w.run(&["ledger", "checkpoint"]));
    let f = w.file("events.jsonl", EVENTS);
    let summary = w.json(&["ingest", f.to_str().unwrap()]);
    assert_eq!(summary["duplicates"], 6);
    assert_eq!(summary["logged"], 0);
    assert_eq!(ok(&w.run(&["ledger", "checkpoint"])), first);
    let c = rusqlite::Connection::open(w.db()).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM ledger_leaves", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 5);
    let (code, text) = audit(&w);
    assert_eq!(code, Some(0), "{text}");
}

/// kill -9 in the middle of an ingest: every committed review has its leaf and no leaf
/// lacks its review; running the ingest again completes the log, each event once.
#[test]
fn a_killed_ingest_leaves_events_and_log_in_step() {
    let total = 100_000;
    let mut text = String::with_capacity(total * 190);
    for i in 0..total {
        text.push_str(&crate::util::event(
            &format!("e{i}"),
            "review",
            &format!(r#","rating":{}"#, 1 + i % 5),
        ));
        text.push('\n');
    }
    let w = Workspace::new();
    w.file("big.jsonl", &text);
    let mut child = w
        .cmd()
        .args(["ingest", "--quiet", "--batch-size", "500", "big.jsonl"])
        .spawn()
        .unwrap();
    let count = |table: &str| -> i64 {
        rusqlite::Connection::open(w.db())
            .and_then(|c| c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)))
            .unwrap_or(0)
    };
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(20));
        if w.db().exists() && count("events") > 0 {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let events = count("events");
    assert!(
        events > 0 && events < total as i64,
        "kill mid-ingest ({events} events)"
    );
    assert_eq!(count("ledger_leaves"), events);
    let (c, text) = audit(&w);
    assert_eq!(c, Some(0), "{text}");
    ok(&w.run(&["ingest", "--quiet", "big.jsonl"]));
    assert_eq!(count("ledger_leaves"), total as i64);
    let (c, text) = audit(&w);
    assert_eq!(c, Some(0), "{text}");
}
