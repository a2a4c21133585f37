//! `credence alerts` on the demo data: the crisis merchant is flagged within days of its
//! slip, the reputable bank is not, and a person's ack is kept.

use serde_json::Value;

use crate::util::Workspace;

fn alerts(ws: &Workspace, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--db", "demo/credence.db", "alerts", "--json"];
    all.extend_from_slice(args);
    let out = ws.run(&all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_crisis_is_flagged_early_quiet_merchants_are_not_and_acks_are_kept() {
    let ws = Workspace::new();
    let out = ws.run(&[
        "demo",
        "--size",
        "small",
        "--dir",
        "demo",
        "--db",
        "demo/credence.db",
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let tea = alerts(&ws, &["--merchant", "m-tea", "--weeks", "4"]);
    let crises: Vec<&Value> = tea
        .iter()
        .filter(|a| a["kind"] == "merchant_crisis")
        .collect();
    assert!(
        !crises.is_empty(),
        "the tea shop's delivery crisis must be flagged"
    );
    // Deliveries start slipping on 2026-02-15 (+08:00): at the `small` size (a tenth of the
    // default volume) the first crisis alert opens within ten days (four at `medium`), and
    // it names its stream, magnitude and the events behind it.
    let first = crises
        .iter()
        .map(|a| a["opened_at"].as_str().unwrap())
        .min()
        .unwrap();
    assert!(
        ("2026-02-15".."2026-02-26").contains(&first),
        "first crisis alert at {first}"
    );
    for a in &crises {
        assert!(a["stream"].is_string());
        assert!(a["magnitude"].as_f64().unwrap() > 1.0);
        assert!(!a["playbook"].as_array().unwrap().is_empty());
        assert!(
            a["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["events"].as_array().is_some_and(|e| !e.is_empty()))
        );
    }
    let bank = alerts(&ws, &["--merchant", "m-bank", "--weeks", "4"]);
    assert!(
        bank.iter().all(|a| a["kind"] != "merchant_crisis"),
        "the bank is quiet: {bank:?}"
    );

    // A person acks one alert: it is stored, and the alerts recomputed show it.
    let id = crises[0]["id"].as_str().unwrap();
    let out = ws.run(&["--db", "demo/credence.db", "alerts", "ack", id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let acked = alerts(
        &ws,
        &["--merchant", "m-tea", "--weeks", "4", "--status", "acked"],
    );
    assert_eq!(acked.len(), 1);
    assert_eq!(acked[0]["id"], id);
    assert_eq!(acked[0]["status"], "acked");
    let out = ws.run(&[
        "--db",
        "demo/credence.db",
        "alerts",
        "ack",
        "0000000000000000",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
