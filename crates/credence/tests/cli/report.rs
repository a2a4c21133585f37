//! `credence report`: the indicator JSON keys, JSON Lines per period, CSV, and a
//! self-contained HTML page holding the charts' data.

use serde_json::Value;

use crate::util::Workspace;

/// Two merchants over two months (UTC), small enough to check by hand.
const EVENTS: &str = r#"{"id":"a1","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"c1","order":"o1","promised_by":"2026-03-03T10:00:00Z"}
{"id":"a2","type":"delivery","at":"2026-03-02T10:00:00Z","merchant":"m-tea","customer":"c1","order":"o1"}
{"id":"a3","type":"order","at":"2026-03-05T10:00:00Z","merchant":"m-tea","customer":"c2","order":"o2","promised_by":"2026-03-06T10:00:00Z"}
{"id":"a4","type":"delivery","at":"2026-03-08T10:00:00Z","merchant":"m-tea","customer":"c2","order":"o2"}
{"id":"a5","type":"complaint","at":"2026-03-08T12:00:00Z","merchant":"m-tea","customer":"c2","category":"delivery","severity":2}
{"id":"a6","type":"compensation","at":"2026-03-09T12:00:00Z","merchant":"m-tea","customer":"c2","kind":"voucher","order":"o2"}
{"id":"a7","type":"survey","at":"2026-03-10T10:00:00Z","merchant":"m-tea","customer":"c1","metric":"nps","score":10}
{"id":"a8","type":"survey","at":"2026-03-10T11:00:00Z","merchant":"m-tea","customer":"c2","metric":"nps","score":5}
{"id":"a9","type":"review","at":"2026-04-02T10:00:00Z","merchant":"m-tea","customer":"c1","rating":5}
{"id":"a10","type":"order","at":"2026-04-03T10:00:00Z","merchant":"m-tea","customer":"c1","order":"o3"}
{"id":"b1","type":"order","at":"2026-03-03T10:00:00Z","merchant":"m-bank","customer":"k1","order":"p1"}
{"id":"b2","type":"review","at":"2026-03-04T10:00:00Z","merchant":"m-bank","customer":"k1","rating":3}
"#;

const INDICATORS: [&str; 26] = [
    "nps",
    "csat",
    "ces",
    "responses",
    "nps_responses",
    "csat_responses",
    "ces_responses",
    "on_time_rate",
    "promise_kept_rate",
    "first_response_sla_rate",
    "complaint_rate",
    "refund_rate",
    "repurchase_rate",
    "retention_rate",
    "avg_rating",
    "review_count",
    "reviews",
    "orders",
    "bayes_rating",
    "negative_review_reply_rate",
    "trust_mean",
    "trust_p10",
    "stage_counts",
    "recovery",
    "period_start",
    "period_end",
];

fn loaded() -> Workspace {
    let ws = Workspace::new();
    let f = ws.file("events.jsonl", EVENTS);
    let out = ws.run(&["ingest", f.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ws
}

#[test]
fn one_merchant_json_is_one_object_with_every_indicator() {
    let ws = loaded();
    let v = ws.json(&["report", "--merchant", "m-tea"]);
    for k in INDICATORS {
        assert!(v.get(k).is_some(), "missing key {k} in {v}");
    }
    assert_eq!(v["merchant"], "m-tea");
    // The whole data: 2026-03-01 00:00 to the day after the last event (04-03).
    assert_eq!(v["period_start"], "2026-03-01T00:00:00Z");
    assert_eq!(v["period_end"], "2026-04-04T00:00:00Z");
    // o1 on time, o2 late: 1 / 2. NPS: 10 and 5 → 100 × (1 − 1) / 2 = 0.
    assert_eq!(v["on_time_rate"], 0.5);
    assert_eq!(v["nps"], 0.0);
    assert_eq!(v["orders"], 3);
    // One complaint per 3 orders: 33.33… per 100.
    assert!((v["complaint_rate"].as_f64().unwrap() - 100.0 / 3.0).abs() < 1e-9);
    // c1 ordered twice, c2 once.
    assert_eq!(v["repurchase_rate"], 0.5);
    // No CSAT, no ticket: null.
    assert!(v["csat"].is_null());
    assert!(v["first_response_sla_rate"].is_null());
    let t = v["trust_mean"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&t));
    // The late delivery and the complaint, recovered by the voucher.
    let r = &v["recovery"];
    assert_eq!(r["episodes"], 1);
    assert_eq!(r["failures"], 2);
    assert_eq!(r["recovered"], 1);
    // From the deadline (03-06 10:00) to the voucher (03-09 12:00): 74 h.
    assert_eq!(r["median_hours_to_recovery"], 74.0);
}

#[test]
fn by_month_gives_json_lines_per_merchant_and_period() {
    let ws = loaded();
    let out = ws.run(&["report", "--by", "month", "--tz", "Asia/Shanghai", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Two merchants × March and April.
    assert_eq!(rows.len(), 4);
    for r in &rows {
        assert!(r["merchant"].is_string() && r["period_start"].is_string());
    }
    let bank_march = rows
        .iter()
        .find(|r| r["merchant"] == "m-bank" && r["period_start"] == "2026-03-01T00:00:00+08:00")
        .expect("m-bank, March in Shanghai");
    assert_eq!(bank_march["period_end"], "2026-04-01T00:00:00+08:00");
    assert_eq!(bank_march["orders"], 1);
    // Bayesian rating: all-merchant March mean = 3 (m-tea's review is in April), so
    // (10 × 3 + 3) / 11 = 3.
    assert_eq!(bank_march["bayes_rating"], 3.0);
    assert!(bank_march["complaint_rate"] == 0.0);
}

#[test]
fn weeks_in_a_time_zone_between_from_and_to() {
    let ws = loaded();
    let out = ws.run(&[
        "report",
        "-m",
        "m-tea",
        "--by",
        "week",
        "--tz",
        "Asia/Shanghai",
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-15",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Mondays 03-02 and 03-09, local time; --to is inclusive.
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["period_start"], "2026-03-02T00:00:00+08:00");
    assert_eq!(rows[1]["period_start"], "2026-03-09T00:00:00+08:00");
    assert_eq!(rows[1]["period_end"], "2026-03-16T00:00:00+08:00");
    // First week [03-02, 03-09) local: o1 (03-01 18:00 local) is before it, o2 (03-05)
    // in it: 1 order. Deliveries in it: o1's (03-02 18:00, on time) and o2's (03-08
    // 18:00, a Sunday, late): 1 / 2.
    assert_eq!(rows[0]["orders"], 1);
    assert_eq!(rows[0]["on_time_rate"], 0.5);
    // The voucher (03-09 20:00 local) and the NPS answers fall in the second week.
    assert_eq!(rows[1]["nps_responses"], 2);
    assert!(rows[1]["on_time_rate"].is_null());
}

#[test]
fn days_split_the_range_and_an_empty_range_is_refused() {
    let ws = loaded();
    let args = [
        "report",
        "-m",
        "m-tea",
        "--by",
        "day",
        "--from",
        "2026-03-01",
    ];
    let out = ws.run(&[&args[..], &["--to", "2026-03-03", "--json"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let starts: Vec<&str> = rows
        .iter()
        .map(|r| r["period_start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2026-03-01T00:00:00Z",
            "2026-03-02T00:00:00Z",
            "2026-03-03T00:00:00Z"
        ]
    );
    // o1 on 03-01, delivered on time on 03-02; nothing on 03-03.
    assert_eq!(rows[0]["orders"], 1);
    assert_eq!(rows[1]["on_time_rate"], 1.0);
    assert_eq!(rows[2]["orders"], 0);
    // --to before --from: bad usage naming --to.
    let out = ws.run(&[&args[..], &["--to", "2026-02-01"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--to"));
}

#[test]
fn csv_has_the_same_rows() {
    let ws = loaded();
    let out = ws.run(&["report", "--by", "month", "--csv"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header[..4],
        ["merchant", "period_start", "period_end", "nps"]
    );
    for k in [
        "merchant",
        "period_start",
        "nps",
        "on_time_rate",
        "stage_counts_initial",
        "recovery_episodes",
    ] {
        assert!(header.contains(&k), "{k} not in {header:?}");
    }
    assert_eq!(lines.count(), 4);
}

#[test]
fn bad_usage_is_exit_2_with_a_hint() {
    let ws = loaded();
    let out = ws.run(&["report", "--tz", "Mars/Olympus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("IANA"));
    let out = ws.run(&["report", "--merchant", "m-none"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("m-tea"));
}

#[test]
fn html_report_is_self_contained_with_the_charts_data() {
    let ws = loaded();
    let path = ws.path("report.html");
    let out = ws.run(&["report", "--html", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // The chart library is inlined, and nothing is loaded from elsewhere.
    assert!(html.contains("uPlot"));
    for external in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "<link",
        "@import",
        "url(http",
    ] {
        assert!(!html.contains(external), "external resource: {external}");
    }
    for section in [
        "Trust over time",
        "Trust distribution",
        "Stage funnel",
        "Indicator trends",
        "Service recovery",
        "Open alerts",
        "信任趋势",
    ] {
        assert!(html.contains(section), "section {section}");
    }
    // The charts' data: the embedded JSON has both merchants' monthly trust series.
    let start = html
        .find("<script id=\"report-data\" type=\"application/json\">")
        .unwrap();
    let rest = &html[start..];
    let json = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    let data: Value = serde_json::from_str(json).unwrap();
    assert_eq!(data["merchants"], serde_json::json!(["m-bank", "m-tea"]));
    assert_eq!(data["series"]["x"].as_array().unwrap().len(), 2); // March, April
    let trust = data["trends"]["m-tea"]["trust_mean"].as_array().unwrap();
    assert_eq!(trust.len(), 2);
    assert!(trust.iter().all(|t| t.as_f64().is_some()));
    assert_eq!(data["trends"]["m-tea"]["on_time_rate"][0], 0.5);
    let bins = data["distribution"]["by_merchant"]["m-tea"]
        .as_array()
        .unwrap();
    assert_eq!(bins.iter().map(|b| b.as_u64().unwrap()).sum::<u64>(), 2);
    assert_eq!(data["recovery"]["m-tea"]["recovered"], 1);
    assert!(data["alerts"].as_array().unwrap().is_empty());
}

/// Per-aspect sentiment and volume per period, from the texts (analysed once, cached).
#[test]
fn aspects_per_period_from_review_and_complaint_text() {
    let ws = Workspace::new();
    let lines = [
        r#"{"id":"t1","type":"review","at":"2026-03-02T10:00:00Z","merchant":"m-tea","customer":"c1","rating":3,"text":"茶叶不错，但是晚到了一天"}"#,
        r#"{"id":"t2","type":"complaint","at":"2026-03-03T10:00:00Z","merchant":"m-tea","customer":"c2","category":"delivery","severity":2,"text":"快递太慢了，等了一个星期"}"#,
        r#"{"id":"t3","type":"review","at":"2026-04-03T10:00:00Z","merchant":"m-tea","customer":"c1","rating":5,"text":"The tea was great"}"#,
    ];
    ws.file("events.jsonl", lines.join("\n"));
    ws.json(&["ingest", "events.jsonl"]);
    let out = ws.run(&["report", "--json", "--by", "month"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    let march = &rows[0]["aspects"];
    assert_eq!(march["delivery"]["mentions"], 2, "{march}");
    assert_eq!(march["delivery"]["negative"], 2);
    assert_eq!(march["delivery"]["negative_share"], 1.0);
    assert_eq!(march["product_quality"]["mentions"], 1);
    assert_eq!(march["product_quality"]["negative"], 0);
    let april = &rows[1]["aspects"];
    assert_eq!(april["delivery"]["mentions"], 0);
    assert_eq!(april["delivery"]["negative_share"], Value::Null);
    assert_eq!(april["product_quality"]["mentions"], 1);
    let table = ws.run(&["report", "--by", "month"]);
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("文本方面") && table.contains("2 (100% neg)"),
        "{table}"
    );
    let none = ws.json(&["report", "--no-text"]);
    assert_eq!(none["aspects"], serde_json::json!({}));
}
