//! The live state through the real binary: maintained by ingest (in order, late, split
//! over runs), proven equal to a replay by `rebuild --verify`, cleaned by erasure.

use serde_json::Value;

use crate::util::Workspace;

fn line(id: &str, ty: &str, at: &str, customer: &str, extra: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"{ty}","at":"{at}","merchant":"m-live","customer":"{customer}"{extra}}}"#
    )
}

fn verify(ws: &Workspace) -> Value {
    let out = ws.run(&["rebuild", "--verify", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        out.status.success(),
        "rebuild --verify found differences: {v}"
    );
    v
}

#[test]
fn ingest_keeps_the_live_state_equal_to_a_replay_in_order_late_and_after_erasure() {
    let ws = Workspace::new();
    let first = [
        line(
            "o1",
            "order",
            "2026-03-01T10:00:00Z",
            "c1",
            r#","order":"a","promised_by":"2026-03-03T10:00:00Z""#,
        ),
        line(
            "d1",
            "delivery",
            "2026-03-04T10:00:00Z",
            "c1",
            r#","order":"a""#,
        ),
        line(
            "r1",
            "review",
            "2026-03-04T12:00:00Z",
            "c1",
            r#","rating":2,"text":"晚到了一天，包装也破了""#,
        ),
        line(
            "o2",
            "order",
            "2026-03-02T10:00:00Z",
            "c2",
            r#","order":"b","promised_by":"2026-03-05T10:00:00Z""#,
        ),
        line(
            "t2",
            "ticket",
            "2026-03-06T09:00:00Z",
            "c2",
            r#","ticket":"t","status":"opened","sla_minutes":60"#,
        ),
    ];
    ws.file("a.jsonl", first.join("\n"));
    ws.json(&["ingest", "a.jsonl"]);
    let v = verify(&ws);
    assert_eq!(v["relationships_checked"], 2);
    assert_eq!(v["merchants_checked"], 1);
    assert_eq!(v["differences"].as_array().unwrap().len(), 0);

    // A later run: the overdue delivery resolves, and one event arrives late (older
    // than the watermark): that merchant is rebuilt before ingest exits.
    let second = [
        line(
            "d2",
            "delivery",
            "2026-03-08T10:00:00Z",
            "c2",
            r#","order":"b""#,
        ),
        line(
            "x1",
            "survey",
            "2026-03-01T09:00:00Z",
            "c3",
            r#","metric":"nps","score":10"#,
        ),
    ];
    ws.file("b.jsonl", second.join("\n"));
    ws.json(&["ingest", "b.jsonl"]);
    let v = verify(&ws);
    assert_eq!(v["relationships_checked"], 3);
    let status = ws.json(&["status"]);
    assert_eq!(status["live"]["built"], true);
    assert_eq!(
        status["text_pending"], 0,
        "ingest applied everything before it returned"
    );
    assert_eq!(
        status["live"]["stale"].as_array().unwrap().len(),
        0,
        "the late merchant was rebuilt"
    );

    // The live state answers `trust` (the same as a replay with identical rules).
    let live = ws.json(&["trust", "-m", "m-live", "-c", "c2"]);
    let rules = ws.file("rules.toml", "");
    let replay = ws.json(&[
        "trust",
        "-m",
        "m-live",
        "-c",
        "c2",
        "--config",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(live["score"], replay["score"]);
    assert_eq!(live["stage_history"], replay["stage_history"]);

    // Erasure takes the customer's words and id out of the live state too.
    ws.json(&["erase", "--customer", "c1"]);
    verify(&ws);
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    let mut q = conn.prepare("SELECT key, value FROM live").unwrap();
    let rows: Vec<(String, Vec<u8>)> = q
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!rows.is_empty());
    for (key, value) in rows {
        assert_ne!(key, "c1", "the erased customer keeps no row");
        let text = String::from_utf8_lossy(&value);
        assert!(!text.contains("c1") || !text.contains("\"c1\""), "{text}");
        assert!(
            !text.contains("包装"),
            "the erased review's words stay in the live state: {text}"
        );
    }
}
