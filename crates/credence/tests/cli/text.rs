//! `credence text`: one analysis per input line, in order, in the documented shape.

use std::io::Write;
use std::process::Stdio;

use serde_json::Value;

use crate::util::Workspace;

#[test]
fn one_json_line_per_text_with_aspects_and_their_own_polarity() {
    let ws = Workspace::new();
    let mut child = ws
        .cmd()
        .args(["text", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            "茶叶不错，但是晚到了一天\nArrived damaged and support never answered\n\n".as_bytes(),
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3, "one line out per line in, blank included");
    let tea = &rows[0];
    assert_eq!(tea["text"], "茶叶不错，但是晚到了一天");
    assert_eq!(tea["lang"], "zh");
    let score = tea["sentiment"]["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score));
    let aspects: Vec<(&str, &str, u64, u64)> = tea["aspects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["aspect"].as_str().unwrap(),
                a["polarity"].as_str().unwrap(),
                a["span"][0].as_u64().unwrap(),
                a["span"][1].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        aspects,
        [
            ("product_quality", "positive", 0, 2),
            ("delivery", "negative", 7, 9)
        ]
    );
    assert_eq!(rows[1]["lang"], "en");
    assert_eq!(rows[1]["sentiment"]["label"], "negative");
}

#[test]
fn reads_a_file_and_names_it_when_missing() {
    let ws = Workspace::new();
    ws.file("texts.txt", "物流很快，包装也好\n");
    let out = ws.run(&["text", "texts.txt"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("positive"));
    let out = ws.run(&["text", "nope.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.txt"));
}
