//! `credence ingest`: bad lines are quarantined with reasons, good lines land, nothing is
//! lost, a second run adds nothing, and a kill -9 loses nothing.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Workspace, event, stored};

/// A rejection the test expects: line, blamed field, start of the reason.
type Expected = (u64, Option<&'static str>, &'static str);

/// A file with one example of every kind of bad line, between good ones.
fn mixed_file() -> (Vec<u8>, Vec<Expected>) {
    let mut lines: Vec<Vec<u8>> = vec![
        event("g1", "order", r#","order":"o-1","promised_by":"2026-03-03T18:00:00+08:00""#).into_bytes(),
        b"this is not json".to_vec(),
        event("g2", "delivery", r#","order":"o-1""#).into_bytes(),
        // missing required field
        br#"{"id":"b1","type":"review","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"c"}"#.to_vec(),
        // wrong type
        event("b2", "review", r#","rating":"five""#).into_bytes(),
        // out of range
        event("b3", "review", r#","rating":7"#).into_bytes(),
        // bad timestamp
        br#"{"id":"b4","type":"churn","at":"2026-03-01 10:00","merchant":"m-tea","customer":"c"}"#.to_vec(),
        // unknown type
        event("b5", "purchase", "").into_bytes(),
        // conflicting duplicate of g1
        event("g1", "order", r#","order":"o-999""#).into_bytes(),
        // an identical duplicate of g2 with keys in another order: not rejected
        br#"{"order":"o-1","customer":"c-001","merchant":"m-tea","at":"2026-03-01T02:00:00Z","type":"delivery","id":"g2"}"#.to_vec(),
        Vec::new(), // blank: not counted
    ];
    // 10 MB line
    let mut huge = event("b6", "review", r#","rating":5,"text":"PAD""#).into_bytes();
    let pad = "好".repeat(10 * 1024 * 1024 / 3);
    huge = String::from_utf8(huge)
        .unwrap()
        .replace("PAD", &pad)
        .into_bytes();
    lines.push(huge);
    // invalid UTF-8
    let mut bad_utf8 = event("b7", "review", r#","rating":5,"text":"X""#).into_bytes();
    let x = bad_utf8.iter().position(|&b| b == b'X').unwrap();
    bad_utf8.splice(x..x + 1, [0xff, 0xfe]);
    lines.push(bad_utf8);
    lines.push(event("g3", "x-visit", r#","page":"/tea""#).into_bytes());
    let mut bytes = Vec::new();
    for l in &lines {
        bytes.extend_from_slice(l);
        bytes.push(b'\n');
    }
    let expected = vec![
        (2, None, "line 2: not valid JSON"),
        (
            4,
            Some("rating"),
            "line 4: field `rating` is required for a `review` event",
        ),
        (
            5,
            Some("rating"),
            "line 5: field `rating` must be an integer 1–5, got \"five\"",
        ),
        (
            6,
            Some("rating"),
            "line 6: field `rating` must be an integer 1–5, got 7",
        ),
        (
            7,
            Some("at"),
            "line 7: field `at` must be an RFC 3339 timestamp",
        ),
        (
            8,
            Some("type"),
            "line 8: field `type`: unknown event type `purchase`",
        ),
        (
            9,
            Some("id"),
            "line 9: event `g1` conflicts with a stored event",
        ),
        (12, None, "line 12: the line is 10485"),
        (13, None, "line 13: the line is not valid UTF-8"),
    ];
    (bytes, expected)
}

fn quarantine(ws: &Workspace) -> Vec<Value> {
    let text = std::fs::read_to_string(ws.path("credence.db.quarantine.jsonl")).unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).expect("quarantine line is JSON"))
        .collect()
}

#[test]
fn bad_lines_are_quarantined_with_reasons_and_good_lines_land() {
    let ws = Workspace::new();
    let (bytes, expected) = mixed_file();
    ws.file("events.jsonl", &bytes);
    let summary = ws.json(&["ingest", "events.jsonl"]);
    assert_eq!(summary["read"], 13);
    assert_eq!(summary["accepted"], 3);
    assert_eq!(summary["duplicates"], 1);
    assert_eq!(summary["rejected"], 9);
    assert!(
        summary["quarantine"]
            .as_str()
            .unwrap()
            .ends_with("credence.db.quarantine.jsonl")
    );
    assert!(summary["seconds"].as_f64().unwrap() >= 0.0);

    let ids: Vec<String> = ws.stored().into_iter().map(|(_, id, _)| id).collect();
    assert_eq!(ids, ["g1", "g2", "g3"]);
    // The stored line is the original, unknown fields included.
    assert!(ws.stored()[2].2.contains(r#""page":"/tea""#));

    let q = quarantine(&ws);
    assert_eq!(q.len(), expected.len(), "quarantine: {q:#?}");
    let original: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    for (entry, (line, field, reason)) in q.iter().zip(&expected) {
        assert_eq!(entry["source"], "events.jsonl");
        assert_eq!(entry["line"], *line);
        assert_eq!(entry["field"].as_str(), *field, "{entry}");
        let got = entry["reason"].as_str().unwrap();
        assert!(
            got.starts_with(reason),
            "line {line}: reason {got:?} should start with {reason:?}"
        );
        // Nothing is lost: the raw line is there byte for byte.
        let raw: Vec<u8> = match (entry.get("raw"), entry.get("raw_base64")) {
            (Some(Value::String(s)), None) => s.as_bytes().to_vec(),
            (None, Some(Value::String(b))) => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.decode(b).unwrap()
            }
            other => panic!("entry must have raw or raw_base64: {other:?}"),
        };
        assert_eq!(raw, original[*line as usize - 1], "line {line}");
    }

    // A second run adds nothing and does not repeat quarantine entries.
    let again = ws.json(&["ingest", "events.jsonl"]);
    assert_eq!(
        (again["read"].as_u64(), again["accepted"].as_u64()),
        (Some(13), Some(0))
    );
    assert_eq!(again["duplicates"], 4);
    assert_eq!(again["rejected"], 9);
    assert_eq!(quarantine(&ws).len(), expected.len());
    assert_eq!(ws.stored().len(), 3);
}

#[test]
fn strict_fails_on_rejections_and_a_missing_file_is_a_usage_error() {
    let ws = Workspace::new();
    ws.file("bad.jsonl", "{\n");
    let out = ws.run(&["ingest", "--strict", "bad.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    let out = ws.run(&["ingest", "bad.jsonl"]);
    assert_eq!(out.status.code(), Some(0));
    let out = ws.run(&["ingest", "nope.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.jsonl"));
}

#[test]
fn quarantine_path_can_be_chosen_and_none_is_made_without_rejections() {
    let ws = Workspace::new();
    ws.file("good.jsonl", event("e1", "churn", "") + "\n");
    let s = ws.json(&["ingest", "good.jsonl"]);
    assert_eq!(s["quarantine"], Value::Null);
    assert!(!ws.path("credence.db.quarantine.jsonl").exists());
    ws.file("bad.jsonl", "nope\n");
    let s = ws.json(&["ingest", "--quarantine", "rejects.jsonl", "bad.jsonl"]);
    assert_eq!(s["quarantine"], "rejects.jsonl");
    assert_eq!(
        std::fs::read_to_string(ws.path("rejects.jsonl"))
            .unwrap()
            .lines()
            .count(),
        1
    );
}

#[test]
fn stdin_gzip_and_csv_are_read() {
    let ws = Workspace::new();
    let mut child = ws
        .cmd()
        .args(["ingest", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all((event("s1", "churn", "") + "\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["accepted"], 1);

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all((event("z1", "churn", "") + "\n" + &event("z2", "churn", "") + "\n").as_bytes())
        .unwrap();
    ws.file("events.jsonl.gz", gz.finish().unwrap());
    assert_eq!(ws.json(&["ingest", "events.jsonl.gz"])["accepted"], 2);

    ws.file(
        "events.csv",
        "id,type,at,merchant,customer,rating,text\n\
         c1,review,2026-03-04T20:00:00+08:00,m-tea,c-001,4,\"好茶, fast\"\n\
         c2,review,2026-03-04T20:00:00+08:00,m-tea,c-001,9,\n",
    );
    let s = ws.json(&["ingest", "events.csv"]);
    assert_eq!(
        (s["accepted"].as_u64(), s["rejected"].as_u64()),
        (Some(1), Some(1))
    );
    let q = quarantine(&ws);
    assert_eq!(q[0]["line"], 3);
    assert_eq!(q[0]["field"], "rating");

    let ids: Vec<String> = ws.stored().into_iter().map(|(_, id, _)| id).collect();
    assert_eq!(ids, ["s1", "z1", "z2", "c1"]);
}

#[test]
fn events_in_any_order_and_across_files_end_in_the_same_store() {
    let lines: Vec<String> = (0..200)
        .map(|i| {
            event(
                &format!("e{i}"),
                "review",
                &format!(r#","rating":{}"#, 1 + i % 5),
            )
        })
        .collect();
    let one = Workspace::new();
    one.file("all.jsonl", lines.join("\n"));
    one.json(&["ingest", "all.jsonl"]);
    let split = Workspace::new();
    let mut reversed = lines.clone();
    reversed.reverse();
    split.file("a.jsonl", reversed[..120].join("\n"));
    split.file("b.jsonl", reversed[80..].join("\n"));
    let s = split.json(&["ingest", "a.jsonl", "b.jsonl"]);
    assert_eq!(
        (s["accepted"].as_u64(), s["duplicates"].as_u64()),
        (Some(200), Some(40))
    );
    let set = |ws: &Workspace| {
        let mut v: Vec<(String, String)> = ws
            .stored()
            .into_iter()
            .map(|(_, id, raw)| (id, raw))
            .collect();
        v.sort();
        v
    };
    assert_eq!(set(&one), set(&split));
}

/// kill -9 in the middle of an ingest, then the same command again: the store and the
/// quarantine end exactly as after one clean run.
#[test]
fn a_killed_ingest_run_again_ends_as_one_clean_run() {
    let total = 150_000;
    let mut text = String::with_capacity(total * 190);
    for i in 0..total {
        if i % 10_007 == 5 {
            text.push_str(&format!("{{\"broken line {i}\n"));
        } else {
            text.push_str(&event(
                &format!("e{i}"),
                "review",
                &format!(r#","rating":{}"#, 1 + i % 5),
            ));
            text.push('\n');
        }
    }
    let clean = Workspace::new();
    clean.file("big.jsonl", &text);
    let out = clean.run(&["ingest", "--quiet", "big.jsonl"]);
    assert!(out.status.success());

    let killed = Workspace::new();
    killed.file("big.jsonl", &text);
    let mut child = killed
        .cmd()
        .args(["ingest", "--quiet", "--batch-size", "500", "big.jsonl"])
        .spawn()
        .unwrap();
    // Wait until some batches are committed, then kill -9 (SIGKILL).
    let started = Instant::now();
    let mut seen = 0;
    while started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
        if killed.db().exists() {
            seen = count_events(&killed.db());
            if seen > 0 {
                break;
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let at_kill = count_events(&killed.db());
    assert!(
        seen > 0 && at_kill < total as i64,
        "the kill must land mid-ingest (had {at_kill} events)"
    );

    let out = killed.run(&["ingest", "--quiet", "big.jsonl"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stored(&killed.db()), clean.stored());
    let q = |ws: &Workspace| {
        std::fs::read_to_string(ws.path("credence.db.quarantine.jsonl")).unwrap_or_default()
    };
    assert_eq!(q(&killed), q(&clean));
    assert_eq!(q(&clean).lines().count(), total / 10_007 + 1);
}

fn count_events(db: &std::path::Path) -> i64 {
    let Ok(conn) = rusqlite::Connection::open(db) else {
        return 0;
    };
    conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap_or(0)
}
