//! `credence serve`: the report, alert and public ledger endpoints answer what the CLI
//! prints, keys restricted to a merchant stay there, receipts and proofs from the server
//! verify offline with the CLI; and `credence demo --serve` prints a working address and
//! key.

use std::io::{BufReader, Lines};
use std::process::{Child, ChildStdout, Output};

use serde_json::Value;

use crate::util::{Workspace, drain, spawn_listening};

/// A running server (killed when dropped) and an HTTP client that reports any status.
struct Server {
    child: Child,
    url: String,
    agent: ureq::Agent,
}

impl Server {
    /// `credence ARGS…` in the workspace, up to the line `listening on http://…`; the
    /// rest of stdout is returned, for the caller to read and drain.
    fn spawn(ws: &Workspace, args: &[&str]) -> (Server, Lines<BufReader<ChildStdout>>) {
        let (child, url, lines) = spawn_listening(ws.cmd().args(args));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(600)))
            .build()
            .into();
        (Server { child, url, agent }, lines)
    }

    /// `credence serve` on a free port over the workspace's store.
    fn start(ws: &Workspace) -> Server {
        let (server, lines) = Server::spawn(ws, &["serve", "--listen", "127.0.0.1:0"]);
        drain(lines);
        server
    }

    /// A request with an optional bearer key: status, content type and body.
    fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        accept: Option<&str>,
    ) -> (u16, String, String) {
        let url = format!("{}{path}", self.url);
        let mut resp = match method {
            "GET" => {
                let mut req = self.agent.get(&url);
                if let Some(k) = key {
                    req = req.header("Authorization", format!("Bearer {k}"));
                }
                if let Some(a) = accept {
                    req = req.header("Accept", a);
                }
                req.call()
            }
            _ => {
                let mut req = self.agent.post(&url);
                if let Some(k) = key {
                    req = req.header("Authorization", format!("Bearer {k}"));
                }
                req.send_empty()
            }
        }
        .expect("HTTP request");
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (
            status,
            ctype,
            resp.body_mut().read_to_string().expect("body"),
        )
    }

    /// GET a JSON document; asserts 200.
    fn json(&self, path: &str, key: Option<&str>) -> Value {
        let (status, _, body) = self.call("GET", path, key, None);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }

    /// The status and the error message of a request that must fail.
    fn error(&self, method: &str, path: &str, key: Option<&str>) -> (u16, String) {
        let (status, _, body) = self.call(method, path, key, None);
        let v: Value = serde_json::from_str(&body).expect("JSON error body");
        (
            status,
            v["error"]["message"].as_str().unwrap_or("").to_string(),
        )
    }

    /// Every item of a list, following `next` with pages of `limit`.
    fn all(&self, path: &str, key: &str, limit: usize) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = match &cursor {
                Some(c) => self.json(&format!("{path}{sep}limit={limit}&cursor={c}"), Some(key)),
                None => self.json(&format!("{path}{sep}limit={limit}"), Some(key)),
            };
            let got = page["items"].as_array().expect("items").clone();
            assert!(got.len() <= limit);
            items.extend(got);
            match page["next"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return items,
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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

/// Parses JSON Lines.
fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `credence keys create --scope read [--merchant M] --json` → the key.
fn read_key(ws: &Workspace, merchant: Option<&str>) -> String {
    let mut args = vec!["keys", "create", "--scope", "read", "--json"];
    if let Some(m) = merchant {
        args.extend(["--merchant", m]);
    }
    let v: Value = serde_json::from_str(&ok(&ws.run(&args))).unwrap();
    v["key"].as_str().unwrap().to_string()
}

/// The demo (`small`) in the workspace's store.
fn demo(ws: &Workspace) {
    let db = ws.db();
    ok(&ws.run(&[
        "demo",
        "--size",
        "small",
        "--dir",
        "demo",
        "--db",
        db.to_str().unwrap(),
        "--quiet",
    ]));
}

#[test]
fn reports_and_alerts_are_the_clis_and_keys_stay_with_their_merchant() {
    let ws = Workspace::new();
    demo(&ws);
    let key = read_key(&ws, None);
    let bank_key = read_key(&ws, Some("m-bank"));
    let server = Server::start(&ws);

    // The report: the one object of `report -m M --json`, and with `by` the rows of the
    // same parameters, in a page.
    let whole = server.json("/v1/merchants/m-tea/report", Some(&key));
    let cli: Value =
        serde_json::from_str(&ok(&ws.run(&["report", "-m", "m-tea", "--json"]))).unwrap();
    assert_eq!(whole, cli);
    assert!(whole["orders"].as_u64().unwrap() > 0);
    let page = server.json(
        "/v1/merchants/m-tea/report?by=week&tz=Asia/Shanghai&from=2026-01-01&to=2026-03-31",
        Some(&key),
    );
    let cli = lines(&ok(&ws.run(&[
        "report",
        "-m",
        "m-tea",
        "--by",
        "week",
        "--tz",
        "Asia/Shanghai",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-31",
        "--json",
    ])));
    assert_eq!(page["items"].as_array().unwrap(), &cli);
    assert_eq!(cli.len(), 14);
    assert!(page["next"].is_null());
    // A second request is the cached answer.
    let again = server.json(
        "/v1/merchants/m-tea/report?by=week&tz=Asia/Shanghai&from=2026-01-01&to=2026-03-31",
        Some(&key),
    );
    assert_eq!(again, page);

    // Bad parameters are 400 naming the parameter; others' merchants 403; unknown 404.
    for (query, param) in [
        ("by=year", "by"),
        ("tz=Mars/Olympus", "tz"),
        ("from=yesterday", "from"),
        ("from=2026-03-01&to=2026-02-01", "to"),
        ("from=2031-01-01", "from"),
    ] {
        let (status, message) = server.error(
            "GET",
            &format!("/v1/merchants/m-tea/report?{query}"),
            Some(&key),
        );
        assert_eq!(status, 400, "{query}: {message}");
        assert!(
            message.starts_with(&format!("{param}:")),
            "{query}: {message}"
        );
    }
    assert_eq!(
        server
            .error("GET", "/v1/merchants/m-tea/report", Some(&bank_key))
            .0,
        403
    );
    assert_eq!(
        server
            .error("GET", "/v1/merchants/m-nobody/report", Some(&key))
            .0,
        404
    );
    assert_eq!(
        server.error("GET", "/v1/merchants/m-tea/report", None).0,
        401
    );

    // Alerts: every page of the list is `credence alerts --json`, in order.
    let cli_all = lines(&ok(&ws.run(&["alerts", "--json"])));
    let http_all = server.all("/v1/alerts", &key, 7);
    assert_eq!(http_all, cli_all);
    assert!(
        cli_all
            .iter()
            .any(|a| a["kind"] == "merchant_crisis" && a["merchant"] == "m-tea")
    );
    let crises = server.all("/v1/alerts?merchant=m-tea&kind=merchant_crisis", &key, 100);
    let expected: Vec<Value> = cli_all
        .iter()
        .filter(|a| a["merchant"] == "m-tea" && a["kind"] == "merchant_crisis")
        .cloned()
        .collect();
    assert_eq!(crises, expected);
    assert_eq!(
        server
            .error("GET", "/v1/alerts?status=closed", Some(&key))
            .0,
        400
    );
    assert_eq!(
        server.error("GET", "/v1/alerts?kind=fire", Some(&key)).0,
        400
    );

    // A key restricted to m-bank sees only m-bank's alerts and cannot touch m-tea's.
    let bank = server.all("/v1/alerts", &bank_key, 100);
    let expected: Vec<Value> = cli_all
        .iter()
        .filter(|a| a["merchant"] == "m-bank")
        .cloned()
        .collect();
    assert_eq!(bank, expected);
    assert_eq!(
        server
            .error("GET", "/v1/alerts?merchant=m-tea", Some(&bank_key))
            .0,
        403
    );
    let crisis = crises[0]["id"].as_str().unwrap();
    let (status, _) = server.error("POST", &format!("/v1/alerts/{crisis}/ack"), Some(&bank_key));
    assert_eq!(status, 403);
    assert_eq!(
        server
            .error("POST", "/v1/alerts/0123456789abcdef/ack", Some(&key))
            .0,
        404
    );

    // Ack then resolve: the answer, the list and the CLI agree.
    let (status, _, body) = server.call(
        "POST",
        &format!("/v1/alerts/{crisis}/ack"),
        Some(&key),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let acked: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(acked["id"], crisis);
    assert_eq!(acked["status"], "acked");
    let listed = server.all("/v1/alerts?status=acked", &key, 100);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], crisis);
    let open = server.all("/v1/alerts?merchant=m-tea&status=open", &key, 100);
    assert!(open.iter().all(|a| a["id"] != crisis));
    let cli =
        lines(&ok(&ws.run(&[
            "alerts", "-m", "m-tea", "--status", "acked", "--json",
        ])));
    assert_eq!(cli.len(), 1);
    assert_eq!(cli[0]["id"], crisis);
    let (status, _, body) = server.call(
        "POST",
        &format!("/v1/alerts/{crisis}/resolve"),
        Some(&key),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let cli =
        lines(&ok(&ws.run(&[
            "alerts", "-m", "m-tea", "--status", "resolved", "--json",
        ])));
    assert_eq!(cli.len(), 1);
    assert_eq!(cli[0]["id"], crisis);

    // Every route is in the OpenAPI document.
    let api = server.json("/openapi.json", None);
    for path in [
        "/v1/merchants/{merchant}/report",
        "/v1/alerts",
        "/v1/alerts/{id}/ack",
        "/v1/alerts/{id}/resolve",
        "/v1/ledger/checkpoint",
        "/v1/ledger/verifier-key",
        "/v1/ledger/receipt/{event}",
        "/v1/ledger/consistency",
    ] {
        assert!(api["paths"].get(path).is_some(), "{path} is not documented");
    }
}

const EVENTS: &str = r#"{"id":"r1","type":"review","at":"2026-03-01T10:00:00+08:00","merchant":"m-tea","customer":"c-001","rating":4,"text":"Fast delivery."}
{"id":"o1","type":"order","at":"2026-03-01T09:00:00+08:00","merchant":"m-tea","customer":"c-001","order":"o1"}
{"id":"k1","type":"commitment","at":"2026-03-01T10:00:00+08:00","merchant":"m-tea","commitment":"k1","terms":"ship in 2 days"}
{"id":"r2","type":"review","at":"2026-03-02T10:00:00+08:00","merchant":"m-tea","customer":"c-002","rating":2,"text":"late"}
"#;

const MORE: &str = r#"{"id":"r4","type":"review","at":"2026-03-06T10:00:00+08:00","merchant":"m-tea","customer":"c-003","rating":3}
{"id":"r5","type":"review","at":"2026-03-07T10:00:00+08:00","merchant":"m-tea","customer":"c-002","rating":1,"text":"again late"}
"#;

#[test]
fn the_public_ledger_needs_no_key_and_verifies_offline() {
    let ws = Workspace::new();
    let f = ws.file("events.jsonl", EVENTS);
    ok(&ws.run(&["ingest", f.to_str().unwrap()]));
    let server = Server::start(&ws);

    // The verifier key is the CLI's (one key file, loaded by the server at start).
    let (status, ctype, vkey) = server.call("GET", "/v1/ledger/verifier-key", None, None);
    assert_eq!(status, 200);
    assert!(ctype.starts_with("text/plain"), "{ctype}");
    assert_eq!(vkey, ok(&ws.run(&["ledger", "verifier-key"])));
    let vkey_file = ws.file("shop.vkey", &vkey);

    // The checkpoint covers the whole log (3 entries), as JSON or the note itself.
    let cp = server.json("/v1/ledger/checkpoint", None);
    assert_eq!(cp["size"], 3);
    let (status, ctype, note) =
        server.call("GET", "/v1/ledger/checkpoint", None, Some("text/plain"));
    assert_eq!(status, 200);
    assert!(ctype.starts_with("text/plain"), "{ctype}");
    assert_eq!(note, cp["checkpoint"].as_str().unwrap());
    let old = ws.file("cp-old.txt", &note);

    // A receipt, without the opening, verifies with nothing but the file and the key.
    let (status, _, receipt) = server.call("GET", "/v1/ledger/receipt/r2", None, None);
    assert_eq!(status, 200, "{receipt}");
    let r: Value = serde_json::from_str(&receipt).unwrap();
    assert!(r.get("opening").is_none_or(Value::is_null), "{receipt}");
    let rfile = ws.file("r2.receipt.json", &receipt);
    let v: Value = serde_json::from_str(&ok(&ws.run(&[
        "ledger",
        "verify",
        rfile.to_str().unwrap(),
        "--key",
        vkey_file.to_str().unwrap(),
        "--json",
    ])))
    .unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["event"], "r2");
    assert_eq!(server.error("GET", "/v1/ledger/receipt/o1", None).0, 404);
    assert_eq!(server.error("GET", "/v1/ledger/receipt/nope", None).0, 404);

    // The log grows behind the server's back: a receipt of a new event comes with a new
    // checkpoint, and the proof between the two checkpoints verifies offline.
    let f = ws.file("more.jsonl", MORE);
    ok(&ws.run(&["ingest", f.to_str().unwrap()]));
    let (status, _, receipt) = server.call("GET", "/v1/ledger/receipt/r5", None, None);
    assert_eq!(status, 200, "{receipt}");
    let rfile = ws.file("r5.receipt.json", &receipt);
    ok(&ws.run(&[
        "ledger",
        "verify",
        rfile.to_str().unwrap(),
        "--key",
        vkey_file.to_str().unwrap(),
    ]));
    let cp = server.json("/v1/ledger/checkpoint", None);
    assert_eq!(cp["size"], 5);
    let new = ws.file("cp-new.txt", cp["checkpoint"].as_str().unwrap());
    let (status, _, proof) = server.call("GET", "/v1/ledger/consistency?old=3&new=5", None, None);
    assert_eq!(status, 200, "{proof}");
    let proof_file = ws.file("proof.json", &proof);
    let text = ok(&ws.run(&[
        "ledger",
        "verify-consistency",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        proof_file.to_str().unwrap(),
        "--key",
        vkey_file.to_str().unwrap(),
    ]));
    assert!(text.contains("only grew from size 3 to size 5"), "{text}");
    // The CLI proves the same from the checkpoint files.
    let cli = ok(&ws.run(&[
        "ledger",
        "consistency",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
    ]));
    assert_eq!(
        serde_json::from_str::<Value>(&cli).unwrap(),
        serde_json::from_str::<Value>(&proof).unwrap()
    );

    for (query, param) in [("old=5&new=3", "old"), ("old=3&new=9", "new")] {
        let (status, message) =
            server.error("GET", &format!("/v1/ledger/consistency?{query}"), None);
        assert_eq!(status, 400, "{query}: {message}");
        assert!(
            message.starts_with(&format!("{param}:")),
            "{query}: {message}"
        );
    }
    assert_eq!(
        server.error("GET", "/v1/ledger/consistency?old=3", None).0,
        400
    );
}

#[test]
fn demo_serve_prints_a_working_address_and_key() {
    let ws = Workspace::new();
    let (server, mut rest) = Server::spawn(
        &ws,
        &[
            "demo",
            "--size",
            "small",
            "--dir",
            "demo",
            "--serve",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    let line = rest
        .next()
        .expect("a line after listening")
        .expect("read stdout");
    let (url, key) = line
        .strip_prefix("dashboard: ")
        .and_then(|l| l.split_once("  sign in with read key "))
        .unwrap_or_else(|| panic!("not the dashboard line: {line}"));
    assert_eq!(url, format!("{}/", server.url));
    drain(rest);
    let merchants = server.json("/v1/merchants", Some(key.trim()));
    let names: Vec<&str> = merchants["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["merchant"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["m-ahua", "m-bank", "m-electro", "m-tea"]);
    assert_eq!(server.error("GET", "/v1/merchants", None).0, 401);
}
