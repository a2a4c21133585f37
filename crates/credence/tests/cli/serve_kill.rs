//! Killing the server with SIGKILL in the middle of ingestion loses no event it had
//! acknowledged: a `POST /v1/events` answered 200 is on disk. (A fault check, not a
//! timing: it asserts what was stored, whatever the machine's speed.)

use std::collections::HashSet;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::util::{Workspace, drain, spawn_listening, stored};

/// Starts `credence serve` on a free port; returns the process and its base URL.
fn start_server(ws: &Workspace) -> (Child, String) {
    let (child, url, lines) = spawn_listening(ws.cmd().args(["serve", "--listen", "127.0.0.1:0"]));
    drain(lines);
    (child, url)
}

/// A batch of `n` reviews (logged in the transparency ledger) and orders.
fn batch(b: usize, n: usize) -> (Vec<String>, String) {
    let mut ids = Vec::with_capacity(n);
    let mut body = String::new();
    for j in 0..n {
        let id = format!("k{b}-{j}");
        let customer = format!("c-{:03}", j % 97);
        let line = if j % 2 == 0 {
            format!(
                r#"{{"id":"{id}","type":"review","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"{customer}","rating":{}}}"#,
                1 + j % 5
            )
        } else {
            format!(
                r#"{{"id":"{id}","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"{customer}","order":"o-{id}","amount":12.5,"promised_by":"2026-03-04T10:00:00Z"}}"#
            )
        };
        body.push_str(&line);
        body.push('\n');
        ids.push(id);
    }
    (ids, body)
}

#[test]
fn kill_9_during_ingestion_loses_no_acknowledged_event() {
    let ws = Workspace::new();
    let key = ws.json(&["keys", "create", "--scope", "ingest"])["key"]
        .as_str()
        .expect("key")
        .to_string();
    let (mut server, url) = start_server(&ws);

    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let client = {
        let acked = Arc::clone(&acked);
        let url = format!("{url}/v1/events");
        std::thread::spawn(move || {
            for b in 0.. {
                let (ids, body) = batch(b, 2_000);
                let sent = ureq::post(&url)
                    .header("Authorization", &format!("Bearer {key}"))
                    .header("Content-Type", "application/x-ndjson")
                    .send(&body);
                match sent {
                    Ok(resp) if resp.status() == 200 => acked.lock().unwrap().extend(ids),
                    Ok(resp) => panic!("batch {b}: HTTP {}", resp.status()),
                    Err(_) => return b, // the server is gone
                }
            }
            unreachable!()
        })
    };

    // Let a few batches land, then kill the server while the client keeps posting.
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.lock().unwrap().len() < 10_000 {
        assert!(
            Instant::now() < deadline,
            "the server acknowledged too little"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill().expect("SIGKILL the server"); // Child::kill is SIGKILL on Unix
    server.wait().expect("reap the server");
    let batches = client.join().expect("client thread");
    let acked = acked.lock().unwrap().clone();
    assert!(batches >= 5, "posted {batches} batches");

    let stored: HashSet<String> = stored(&ws.db()).into_iter().map(|(_, id, _)| id).collect();
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged events lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );

    // What was stored is whole: the transparency log matches the events, and a restarted
    // server serves the store.
    let audit = ws.run(&["ledger", "audit"]);
    assert!(
        audit.status.success(),
        "audit after kill -9: {}{}",
        String::from_utf8_lossy(&audit.stdout),
        String::from_utf8_lossy(&audit.stderr)
    );
    let (mut again, url) = start_server(&ws);
    let health = ureq::get(&format!("{url}/healthz")).call();
    again.kill().expect("stop the server");
    again.wait().expect("reap");
    assert_eq!(health.expect("healthz").status(), 200);
}
