//! `credence trust`, `credence merchant` and `credence rebuild` on a small hand-built store.

use serde_json::Value;

use crate::util::Workspace;

/// Two customers of one merchant: c-good had a kept delivery and a 5-star review,
/// c-bad a late delivery, a complaint and a 1-star review; plus one later event that
/// `--at` must ignore.
fn store() -> Workspace {
    let ws = Workspace::new();
    let lines = [
        r#"{"id":"s1","type":"site_signals","at":"2026-01-01T00:00:00Z","merchant":"m-tea","signals":{"https":true,"privacy_policy":true}}"#,
        r#"{"id":"g1","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"c-good","order":"o-g","promised_by":"2026-03-03T10:00:00Z"}"#,
        r#"{"id":"g2","type":"delivery","at":"2026-03-02T10:00:00Z","merchant":"m-tea","customer":"c-good","order":"o-g"}"#,
        r#"{"id":"g3","type":"review","at":"2026-03-02T12:00:00Z","merchant":"m-tea","customer":"c-good","rating":5,"text":"好茶"}"#,
        r#"{"id":"b1","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"c-bad","order":"o-b","promised_by":"2026-03-03T10:00:00Z"}"#,
        r#"{"id":"b2","type":"delivery","at":"2026-03-06T10:00:00Z","merchant":"m-tea","customer":"c-bad","order":"o-b","condition":"damaged"}"#,
        r#"{"id":"b3","type":"complaint","at":"2026-03-06T11:00:00Z","merchant":"m-tea","customer":"c-bad","category":"delivery","severity":3}"#,
        r#"{"id":"b4","type":"review","at":"2026-03-06T12:00:00Z","merchant":"m-tea","customer":"c-bad","rating":1,"text":"晚到了五天"}"#,
        r#"{"id":"late","type":"review","at":"2026-05-01T12:00:00Z","merchant":"m-tea","customer":"c-good","rating":1}"#,
    ];
    ws.file("events.jsonl", lines.join("\n"));
    ws.json(&["ingest", "events.jsonl"]);
    ws
}

#[test]
fn one_relationship_has_the_documented_shape_and_reasons() {
    let ws = store();
    let r = ws.json(&[
        "trust",
        "--merchant",
        "m-tea",
        "--customer",
        "c-bad",
        "--at",
        "2026-03-31",
    ]);
    for key in [
        "merchant",
        "customer",
        "at",
        "score",
        "uncertainty",
        "cognitive",
        "affective",
        "stage",
        "dimensions",
        "reasons",
        "stage_history",
    ] {
        assert!(r.get(key).is_some(), "missing `{key}` in {r}");
    }
    for d in ["ability", "integrity", "benevolence", "affect"] {
        for f in ["score", "belief", "disbelief", "uncertainty", "base_rate"] {
            assert!(
                r["dimensions"][d][f].is_number(),
                "dimensions.{d}.{f} in {r}"
            );
        }
    }
    assert_eq!(r["at"], "2026-03-31T23:59:59.999999999Z");
    let reasons = r["reasons"].as_array().unwrap();
    assert!(!reasons.is_empty());
    for x in reasons {
        assert!(
            x["impact"].as_f64().unwrap() < 0.0,
            "c-bad's evidence is all negative: {x}"
        );
        assert!(!x["text_en"].as_str().unwrap().is_empty());
        assert!(!x["text_zh"].as_str().unwrap().is_empty());
    }
    let events: Vec<&str> = reasons
        .iter()
        .map(|x| x["event"].as_str().unwrap())
        .collect();
    assert!(
        events.contains(&"b2") && events.contains(&"b3"),
        "{events:?}"
    );
}

#[test]
fn kept_promises_score_above_broken_ones_and_at_ignores_later_events() {
    let ws = store();
    let good = ws.json(&["trust", "-m", "m-tea", "-c", "c-good", "--at", "2026-03-31"]);
    let bad = ws.json(&["trust", "-m", "m-tea", "-c", "c-bad", "--at", "2026-03-31"]);
    assert!(good["score"].as_f64().unwrap() > bad["score"].as_f64().unwrap() + 10.0);
    // Without --at, the evaluation time is the merchant's latest event: the 1-star
    // review of May counts and lowers c-good's trust.
    let now = ws.json(&["trust", "-m", "m-tea", "-c", "c-good"]);
    assert_eq!(now["at"], "2026-05-01T12:00:00Z");
    assert!(now["score"].as_f64().unwrap() < good["score"].as_f64().unwrap());
}

#[test]
fn lists_are_json_lines_sorted_and_filtered() {
    let ws = store();
    let out = ws.run(&["trust", "-m", "m-tea", "--at", "2026-03-31", "--json"]);
    assert!(out.status.success());
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let customers: Vec<&str> = rows
        .iter()
        .map(|r| r["customer"].as_str().unwrap())
        .collect();
    assert_eq!(customers, ["c-bad", "c-good"], "lowest trust first");
    let out = ws.run(&["trust", "-m", "m-tea", "--stage", "ended", "--json"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn merchant_reputation_counts_stages_and_unknown_merchants_are_named() {
    let ws = store();
    let m = ws.json(&["merchant", "m-tea"]);
    assert_eq!(m["customer"], Value::Null);
    let stages = &m["stages"];
    let total: u64 = ["initial", "developing", "committed", "at_risk", "ended"]
        .iter()
        .map(|s| stages[s].as_u64().unwrap())
        .sum();
    assert_eq!(total, 2);
    let out = ws.run(&["merchant", "m-coffee"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("m-coffee") && err.contains("m-tea"), "{err}");
}

#[test]
fn rebuild_replays_everything_and_agrees_with_trust() {
    let ws = store();
    let r = ws.json(&["rebuild"]);
    assert_eq!(r["events"], 9);
    assert_eq!(r["relationships"], 2);
    let m = &r["merchants"][0];
    assert_eq!(m["merchant"], "m-tea");
    let direct = ws.json(&["merchant", "m-tea"]);
    assert_eq!(m["score"], direct["score"]);
}

/// A 3-star review that praises the tea and regrets the delay: the text moves `ability`
/// up and `integrity` down (affect is the rating's), a reason quotes the snippet, and
/// the analysis is cached: a second run analyses nothing; `--no-text` leaves it out.
#[test]
fn review_text_becomes_evidence_and_its_analysis_is_cached() {
    let ws = Workspace::new();
    let lines = [
        r#"{"id":"e1","type":"order","at":"2026-03-01T10:00:00+08:00","merchant":"m-tea","customer":"c-001","order":"o-1"}"#,
        r#"{"id":"e2","type":"delivery","at":"2026-03-03T10:00:00+08:00","merchant":"m-tea","customer":"c-001","order":"o-1"}"#,
        r#"{"id":"e3","type":"review","at":"2026-03-05T20:00:00+08:00","merchant":"m-tea","customer":"c-001","rating":3,"text":"茶叶不错，但是晚到了一天"}"#,
        r#"{"id":"e9","type":"review","at":"2026-03-02T20:00:00+08:00","merchant":"m-tea","customer":"c-002","rating":5}"#,
    ];
    ws.file("events.jsonl", lines.join("\n"));
    ws.json(&["ingest", "events.jsonl"]);
    let args = ["trust", "--merchant", "m-tea", "--customer", "c-001"];
    let plain = ws.json(&[&args[..], &["--no-text"]].concat());
    let text = ws.json(&args);
    let dim = |r: &Value, d: &str| r["dimensions"][d]["score"].as_f64().unwrap();
    assert!(
        dim(&text, "ability") > dim(&plain, "ability"),
        "{text}\n{plain}"
    );
    assert!(dim(&text, "integrity") < dim(&plain, "integrity"));
    assert!((dim(&text, "affect") - dim(&plain, "affect")).abs() < 1e-9);
    let reasons = text["reasons"].as_array().unwrap();
    let praise = reasons
        .iter()
        .find(|r| r["reason"] == "text_ability")
        .unwrap_or_else(|| panic!("no text_ability reason in {text}"));
    assert_eq!(praise["event"], "e3");
    assert_eq!(
        praise["text_en"],
        "Review e3 praises product quality: “茶叶不错”"
    );
    assert_eq!(praise["text_zh"], "评价 e3 称赞产品质量：“茶叶不错”");
    let late = reasons
        .iter()
        .find(|r| r["reason"] == "text_integrity")
        .unwrap();
    assert!(late["impact"].as_f64().unwrap() < 0.0);
    assert!(
        late["text_zh"].as_str().unwrap().contains("晚到了一天"),
        "{late}"
    );
    // The trust run above filled the cache: a rebuild finds it there.
    let r = ws.json(&["rebuild"]);
    assert_eq!(r["text"]["texts"], 1);
    assert_eq!(r["text"]["cached"], 1);
    assert_eq!(r["text"]["analysed"], 0);
    let r = ws.json(&["rebuild", "--no-text"]);
    assert_eq!(r["text"]["texts"], 0);
}
