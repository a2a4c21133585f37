//! The CLI on PostgreSQL (`--db postgres://…`): ingest with a bad line, trust, signed
//! checkpoints, a receipt that verifies offline, audit, erasure, and the reading
//! commands, in a fresh schema of the database in `CREDENCE_TEST_POSTGRES_URL`
//! (skipped, with one line saying so, when it is unset; CI sets it).

use std::process::Output;

use serde_json::Value;

use crate::util::Workspace;

const ENV: &str = "CREDENCE_TEST_POSTGRES_URL";

const EVENTS: &str = r#"{"id":"o1","type":"order","at":"2026-03-01T09:00:00+08:00","merchant":"m-tea","customer":"c-001","order":"o1","amount":128.0,"currency":"CNY","promised_by":"2026-03-03T18:00:00+08:00"}
{"id":"d1","type":"delivery","at":"2026-03-02T09:30:00+08:00","merchant":"m-tea","customer":"c-001","order":"o1","condition":"ok"}
{"id":"r1","type":"review","at":"2026-03-02T20:00:00+08:00","merchant":"m-tea","customer":"c-001","rating":5,"text":"Fast delivery.","order":"o1"}
this line is not JSON
{"id":"k1","type":"commitment","at":"2026-03-01T10:00:00+08:00","merchant":"m-tea","commitment":"k1","terms":"ship in 2 days"}
{"id":"r2","type":"review","at":"2026-03-03T10:00:00+08:00","merchant":"m-tea","customer":"c-002","rating":2,"text":"late"}
{"id":"k1r","type":"commitment_result","at":"2026-03-04T10:00:00+08:00","merchant":"m-tea","commitment":"k1","kept":true}
"#;

/// A fresh schema in the test database; dropped with the value.
struct Schema {
    admin: ::postgres::Client,
    /// The database's name, as in the URL.
    database: String,
    name: String,
    url: String,
}

impl Schema {
    fn new(test: &str) -> Option<Schema> {
        let Ok(base) = std::env::var(ENV) else {
            println!("skipped {test}: {ENV} is not set (CI sets it; see docs/postgres.md)");
            return None;
        };
        let mut admin = ::postgres::Client::connect(&base, ::postgres::NoTls)
            .unwrap_or_else(|e| panic!("{ENV}={base}: cannot connect: {e}"));
        let name = format!(
            "credence_cli_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        admin
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{name}");
        let path = base.split_once("://").map_or("", |(_, r)| r);
        let database = path
            .split_once('/')
            .map_or("", |(_, p)| p)
            .split(['?', '#'])
            .next()
            .filter(|d| !d.is_empty())
            .unwrap_or("postgres")
            .to_string();
        Some(Schema {
            admin,
            database,
            name,
            url,
        })
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let _ = self
            .admin
            .batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name));
    }
}

/// Runs `credence ARGS…` on the schema's store.
fn run(w: &Workspace, s: &Schema, args: &[&str]) -> Output {
    w.cmd()
        .env("CREDENCE_DB", &s.url)
        .args(args)
        .output()
        .unwrap()
}

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

fn json(w: &Workspace, s: &Schema, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let text = ok(&run(w, s, &all));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
}

#[test]
fn the_cli_works_on_postgresql() {
    let Some(s) = Schema::new("the_cli_works_on_postgresql") else {
        return;
    };
    let w = Workspace::new();
    w.file("events.jsonl", EVENTS);

    let summary = json(&w, &s, &["ingest", "events.jsonl"]);
    assert_eq!(summary["read"], 7, "{summary}");
    assert_eq!(summary["accepted"], 6, "{summary}");
    assert_eq!(summary["rejected"], 1, "{summary}");
    let again = json(&w, &s, &["ingest", "events.jsonl"]);
    assert_eq!(
        (again["accepted"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(6)),
        "{again}"
    );
    assert!(
        !w.db().exists(),
        "nothing was written to the SQLite default"
    );

    let trust = json(&w, &s, &["trust", "-m", "m-tea", "-c", "c-001"]);
    assert_eq!(trust["customer"], "c-001", "{trust}");
    assert!(trust["score"].as_f64().is_some(), "{trust}");

    // The signing key is a file named after the database, never in the database.
    ok(&run(&w, &s, &["ledger", "checkpoint"]));
    let key = format!("credence-{}.ledger.key", s.database);
    assert!(w.path(&key).exists(), "{key}");
    let vkey = ok(&run(&w, &s, &["ledger", "verifier-key"]))
        .trim()
        .to_string();
    let receipt = ok(&run(
        &w,
        &s,
        &["ledger", "receipt", "--event", "r1", "--opening"],
    ));
    let doc: Value = serde_json::from_str(&receipt).unwrap();
    assert_eq!(
        doc["tree_size"], 4,
        "2 reviews, a commitment and its result"
    );
    let other = Workspace::new();
    let r = other.file("r1.receipt.json", &receipt);
    let text = ok(&other.run(&["ledger", "verify", r.to_str().unwrap(), "--key", &vkey]));
    assert!(text.contains("review `r1`"), "{text}");

    let audit = json(&w, &s, &["ledger", "audit"]);
    assert!(audit.to_string().contains("\"problems\":[]"), "{audit}");

    let erased = ok(&run(&w, &s, &["erase", "--customer", "c-002"]));
    assert!(erased.contains("c-002"), "{erased}");
    ok(&run(&w, &s, &["ledger", "audit"]));
    ok(&run(&w, &s, &["ledger", "checkpoint"]));

    for args in [
        &["status"][..],
        &["report", "-m", "m-tea"],
        &["alerts"],
        &["merchant", "m-tea"],
    ] {
        ok(&run(&w, &s, args));
    }
    let status = json(&w, &s, &["status"]);
    assert!(status.to_string().contains("\"events\":6"), "{status}");
}
