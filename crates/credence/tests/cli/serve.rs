//! `credence serve`: the real binary on a free port, driven over HTTP with `ureq`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Workspace, drain, spawn_listening};

/// A running `credence serve` over the workspace's store; killed when dropped.
struct Server {
    child: Child,
    url: String,
    agent: ureq::Agent,
}

impl Server {
    fn start(ws: &Workspace) -> Server {
        Server::start_with(ws, &[])
    }

    fn start_with(ws: &Workspace, args: &[&str]) -> Server {
        let (child, url, lines) = spawn_listening(
            ws.cmd()
                .args(["serve", "--listen", "127.0.0.1:0"])
                .args(args),
        );
        drain(lines);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .build()
            .into();
        Server { child, url, agent }
    }

    /// GET with a bearer key (or none): status and body.
    fn get(&self, path: &str, key: Option<&str>) -> (u16, String) {
        let mut req = self.agent.get(format!("{}{path}", self.url));
        if let Some(k) = key {
            req = req.header("Authorization", format!("Bearer {k}"));
        }
        let mut resp = req.call().expect("GET");
        let status = resp.status().as_u16();
        (status, resp.body_mut().read_to_string().expect("body"))
    }

    /// GET a JSON document with a key; asserts 200.
    fn json(&self, path: &str, key: &str) -> Value {
        let (status, body) = self.get(path, Some(key));
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }

    /// POST a body with a key and a content type: status and parsed body.
    fn post(&self, path: &str, key: Option<&str>, content_type: &str, body: &str) -> (u16, Value) {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.url))
            .header("Content-Type", content_type);
        if let Some(k) = key {
            req = req.header("Authorization", format!("Bearer {k}"));
        }
        let mut resp = req.send(body).expect("POST");
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(ok.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `credence keys create --scope S… [--merchant M] --json` → the key.
fn key(ws: &Workspace, scopes: &[&str], merchant: Option<&str>) -> (String, String) {
    let mut args = vec!["keys", "create"];
    for s in scopes {
        args.extend(["--scope", s]);
    }
    if let Some(m) = merchant {
        args.extend(["--merchant", m]);
    }
    let v = ws.json(&args);
    assert_eq!(v["merchant"].as_str(), merchant);
    (
        v["id"].as_str().unwrap().to_string(),
        v["key"].as_str().unwrap().to_string(),
    )
}

/// Events of 24 customers of m-tea with 1 to 6 orders each, some delivered late, and one
/// customer of m-bank: enough for several stages and ties.
fn fixture() -> Vec<String> {
    let mut lines = Vec::new();
    for c in 0..24 {
        for o in 0..(c % 6 + 1) {
            let day = 1 + o * 3;
            lines.push(format!(
                r#"{{"id":"o{c}-{o}","type":"order","at":"2026-03-{day:02}T10:00:00Z","merchant":"m-tea","customer":"c{c:02}","order":"o{c}-{o}","promised_by":"2026-03-{:02}T10:00:00Z"}}"#,
                day + 1
            ));
            let late = if (c + o) % 4 == 0 { 2 } else { 0 };
            lines.push(format!(
                r#"{{"id":"d{c}-{o}","type":"delivery","at":"2026-03-{:02}T09:00:00Z","merchant":"m-tea","customer":"c{c:02}","order":"o{c}-{o}"}}"#,
                day + 1 + late
            ));
        }
    }
    lines.push(
        r#"{"id":"bank1","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m-bank","customer":"c-b","order":"ob1"}"#
            .to_string(),
    );
    lines
}

#[test]
fn ingest_over_http_answers_per_line_and_stores_like_the_cli() {
    let ws = Workspace::new();
    let (_, ingest) = key(&ws, &["ingest"], None);
    let server = Server::start(&ws);
    let good = r#"{"id":"e1","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"c-1","order":"o-1"}"#;
    let conflict = good.replace("c-1", "c-2");
    let body = format!("{good}\n\n{{\"id\":\"e2\",\"type\":\"order\"}}\n{good}\n{conflict}\n");
    let (status, v) = server.post("/v1/events", Some(&ingest), "application/x-ndjson", &body);
    assert_eq!(status, 207, "{v}");
    assert_eq!(
        (&v["read"], &v["accepted"], &v["duplicates"], &v["rejected"]),
        (
            &Value::from(4),
            &Value::from(1),
            &Value::from(1),
            &Value::from(2)
        )
    );
    let r = &v["results"];
    let lines: Vec<(u64, &str)> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["line"].as_u64().unwrap(), x["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (1, "accepted"),
            (3, "rejected"),
            (4, "duplicate"),
            (5, "rejected")
        ]
    );
    assert_eq!(r[1]["id"], "e2");
    assert!(
        r[1]["error"]["message"].as_str().unwrap().contains("at"),
        "{}",
        r[1]
    );
    assert_eq!(r[3]["error"]["field"], "id");
    assert!(
        r[3]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("conflicts")
    );
    assert_eq!(r[0]["error"], Value::Null);

    // An array, all good: 200, positions as line numbers.
    let array = format!(
        "[{}, {}]",
        good.replace("\"e1\"", "\"e3\""),
        good.replace("\"e1\"", "\"e4\"")
    );
    let (status, v) = server.post("/v1/events", Some(&ingest), "application/json", &array);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["accepted"], 2);
    assert_eq!(v["results"][1]["line"], 2);

    // Unreadable bodies are refused whole; unknown content types too.
    let (status, v) = server.post("/v1/events", Some(&ingest), "application/json", "[{\"id\":");
    assert_eq!(
        (status, &v["error"]["code"]),
        (400, &Value::from("bad_request"))
    );
    let (status, _) = server.post("/v1/events", Some(&ingest), "text/csv", good);
    assert_eq!(status, 415);

    let stats = ws.json(&["status"]);
    assert_eq!(stats["events"], 3, "{stats}");
    let ids: Vec<String> = ws.stored().into_iter().map(|(_, id, _)| id).collect();
    assert_eq!(ids, ["e1", "e3", "e4"]);
}

#[test]
fn a_body_over_the_limit_is_refused_whole() {
    let ws = Workspace::new();
    let (_, ingest) = key(&ws, &["ingest"], None);
    let server = Server::start_with(&ws, &["--max-body", "1000"]);
    let line = r#"{"id":"big","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"c-1","order":"o-1"}"#;
    let body = format!("{line}\n").repeat(20);
    let (status, v) = server.post("/v1/events", Some(&ingest), "application/x-ndjson", &body);
    assert_eq!(status, 413, "{v}");
    assert_eq!(v["error"]["code"], "payload_too_large");
    assert!(ws.stored().is_empty());
    let (status, _) = server.post("/v1/events", Some(&ingest), "application/x-ndjson", line);
    assert_eq!(status, 200);
}

#[test]
fn trust_endpoints_answer_what_the_cli_prints() {
    let ws = Workspace::new();
    ws.file("events.jsonl", fixture().join("\n"));
    ws.json(&["ingest", "events.jsonl"]);
    let (_, read) = key(&ws, &["read"], None);
    let (_, ingest) = key(&ws, &["ingest"], None);
    let server = Server::start(&ws);

    let cli = ws.json(&["trust", "-m", "m-tea", "-c", "c05"]);
    let http = server.json("/v1/merchants/m-tea/customers/c05/trust", &read);
    assert_eq!(http, cli);
    let cli = ws.json(&["trust", "-m", "m-tea", "-c", "c05", "--at", "2026-03-05"]);
    let http = server.json(
        "/v1/merchants/m-tea/customers/c05/trust?at=2026-03-05",
        &read,
    );
    assert_eq!(http, cli);
    let cli = ws.json(&["merchant", "m-tea"]);
    assert_eq!(server.json("/v1/merchants/m-tea", &read), cli);

    // Lists: every page in the CLI's order, for each sort and with a stage filter.
    let cli_lines = |extra: &[&str]| -> Vec<Value> {
        let mut args = vec!["trust", "-m", "m-tea", "--json"];
        args.extend(extra);
        let out = ws.cmd().args(&args).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let paged = |query: &str| -> Vec<Value> {
        let mut items = Vec::new();
        let mut path = format!("/v1/merchants/m-tea/customers?limit=5{query}");
        loop {
            let page = server.json(&path, &read);
            let got = page["items"].as_array().unwrap();
            assert!(got.len() <= 5);
            items.extend(got.iter().cloned());
            match page["next"].as_str() {
                Some(c) => {
                    path = format!("/v1/merchants/m-tea/customers?limit=5{query}&cursor={c}")
                }
                None => break,
            }
        }
        items
    };
    let ids = |v: Vec<Value>| -> Vec<String> {
        v.iter()
            .map(|r| r["customer"].as_str().unwrap().to_string())
            .collect()
    };
    let all = cli_lines(&[]);
    assert_eq!(all.len(), 24);
    let http = paged("");
    assert_eq!(ids(http.clone()), ids(all.clone()));
    assert!(http == all, "same customers, different reports");
    for sort in ["score-desc", "uncertainty", "customer"] {
        let q = format!("&sort={}", sort.replace('-', "_"));
        let (http, cli) = (paged(&q), cli_lines(&["--sort", sort]));
        assert_eq!(ids(http.clone()), ids(cli.clone()), "sort {sort}");
        assert!(
            http == cli,
            "sort {sort}: same customers, different reports"
        );
    }
    let stages: std::collections::BTreeSet<String> = all
        .iter()
        .map(|r| r["stage"].as_str().unwrap().to_string())
        .collect();
    assert!(
        stages.len() >= 2,
        "the fixture should span stages: {stages:?}"
    );
    for stage in &stages {
        let q = format!("&stage={stage}");
        let cli = cli_lines(&["--stage", &stage.replace('_', "-")]);
        assert!(!cli.is_empty());
        let http = paged(&q);
        assert_eq!(ids(http.clone()), ids(cli.clone()), "stage {stage}");
        assert!(
            http == cli,
            "stage {stage}: same customers, different reports"
        );
    }
    let (status, body) = server.get("/v1/merchants/m-tea/customers?stage=gold", Some(&read));
    assert_eq!(status, 400, "{body}");
    let (status, _) = server.get("/v1/merchants/m-tea/customers?cursor=xyz", Some(&read));
    assert_eq!(status, 400);
    let (status, body) = server.get("/v1/merchants/m-none", Some(&read));
    assert_eq!(status, 404, "{body}");
    let (status, _) = server.get("/v1/merchants/m-tea/customers/c-none/trust", Some(&read));
    assert_eq!(status, 404);

    let merchants = server.json("/v1/merchants?limit=1", &read);
    assert_eq!(merchants["items"][0]["merchant"], "m-bank");
    let next = merchants["next"].as_str().unwrap();
    let more = server.json(&format!("/v1/merchants?limit=1&cursor={next}"), &read);
    assert_eq!(more["items"][0]["merchant"], "m-tea");
    assert_eq!(more["next"], Value::Null);

    // A POST with ?wait=true is visible to the next read, and equals the CLI on the new
    // store.
    let new = r#"{"id":"n1","type":"order","at":"2026-04-01T10:00:00Z","merchant":"m-tea","customer":"c05","order":"n1","promised_by":"2026-04-02T10:00:00Z"}"#;
    let (status, _) = server.post(
        "/v1/events?wait=true",
        Some(&ingest),
        "application/x-ndjson",
        new,
    );
    assert_eq!(status, 200);
    let http = server.json("/v1/merchants/m-tea/customers/c05/trust", &read);
    assert_eq!(http, ws.json(&["trust", "-m", "m-tea", "-c", "c05"]));
    assert_eq!(http["at"], "2026-04-01T10:00:00Z");
}

#[test]
fn events_ingested_by_another_process_show_up() {
    let ws = Workspace::new();
    ws.file("a.jsonl", fixture()[..2].join("\n"));
    ws.json(&["ingest", "a.jsonl"]);
    let (_, read) = key(&ws, &["read"], None);
    let server = Server::start(&ws);
    assert_eq!(
        server.json("/v1/merchants", &read)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    ws.file("b.jsonl", fixture().last().unwrap());
    ws.json(&["ingest", "b.jsonl"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _) = server.get("/v1/merchants/m-bank", Some(&read));
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the follower never applied the new events"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_customer_erased_by_another_process_disappears_from_the_running_server() {
    let ws = Workspace::new();
    ws.file("events.jsonl", fixture().join("\n"));
    ws.json(&["ingest", "events.jsonl"]);
    let (_, read) = key(&ws, &["read"], None);
    let server = Server::start(&ws);
    let before = server.json("/v1/merchants/m-tea/customers?limit=1000", &read);
    assert_eq!(before["items"].as_array().unwrap().len(), 24);
    let (status, _) = server.get("/v1/merchants/m-tea/customers/c03/trust", Some(&read));
    assert_eq!(status, 200);

    let erased = ws.run(&["erase", "--customer", "c03"]);
    assert!(erased.status.success(), "{erased:?}");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, _) = server.get("/v1/merchants/m-tea/customers/c03/trust", Some(&read));
        if status == 404 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the erased customer is still served (HTTP {status})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The relationship is still counted, under its pseudonym, and the list equals the CLI.
    let after = server.json("/v1/merchants/m-tea/customers?limit=1000", &read);
    let items = after["items"].as_array().unwrap();
    assert_eq!(items.len(), 24);
    assert!(items.iter().all(|r| r["customer"] != "c03"));
    let cli: Vec<Value> = String::from_utf8(
        ws.run(&["trust", "-m", "m-tea", "--json", "--limit", "0"])
            .stdout,
    )
    .unwrap()
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    assert_eq!(items.len(), cli.len());
}

#[test]
fn keys_scopes_merchants_and_revocation_are_enforced() {
    let ws = Workspace::new();
    ws.file("events.jsonl", fixture().join("\n"));
    ws.json(&["ingest", "events.jsonl"]);
    let (_, read) = key(&ws, &["read"], None);
    let (_, ingest) = key(&ws, &["ingest"], None);
    let (_, tea) = key(&ws, &["read", "ingest"], Some("m-tea"));
    let (revoked_id, revoked) = key(&ws, &["admin"], None);
    let (used_id, used) = key(&ws, &["read"], None);

    let listed = ws.cmd().args(["keys", "list", "--json"]).output().unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert_eq!(listed.lines().count(), 5);
    assert!(
        !listed.contains(&read) && !listed.contains("hash"),
        "{listed}"
    );

    let server = Server::start(&ws);
    let path = "/v1/merchants/m-tea/customers/c01/trust";
    let event = r#"{"id":"x1","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"c-x","order":"x1"}"#;
    let (status, body) = server.get(path, None);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("unauthorized"));
    assert_eq!(server.get(path, Some("crd_not-a-key")).0, 401);
    assert_eq!(server.get(path, Some(&read)).0, 200);
    assert_eq!(
        server
            .post("/v1/events", Some(&read), "application/json", event)
            .0,
        403
    );
    assert_eq!(server.get(path, Some(&ingest)).0, 403);
    assert_eq!(
        server
            .post("/v1/events", Some(&ingest), "application/json", event)
            .0,
        200
    );

    // A merchant's key sees that merchant only, and sends only its events.
    assert_eq!(server.get(path, Some(&tea)).0, 200);
    assert_eq!(server.get("/v1/merchants/m-bank", Some(&tea)).0, 403);
    let listed = server.json("/v1/merchants", &tea);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let bank = r#"{"id":"x2","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m-bank","customer":"c-x","order":"x2"}"#;
    let tea_event = event.replace("\"x1\"", "\"x3\"");
    let (status, v) = server.post(
        "/v1/events",
        Some(&tea),
        "application/x-ndjson",
        &format!("{tea_event}\n{bank}\n"),
    );
    assert_eq!(status, 207, "{v}");
    assert_eq!(v["results"][0]["status"], "accepted");
    assert_eq!(v["results"][1]["status"], "rejected");
    assert_eq!(v["results"][1]["error"]["field"], "merchant");
    assert!(ws.stored().iter().all(|(_, id, _)| id != "x2"));

    // Revoked before use: refused at once. Revoked after use: within the cache's 5 s.
    ws.json(&["keys", "revoke", &revoked_id]);
    assert_eq!(server.get(path, Some(&revoked)).0, 401);
    assert_eq!(server.get(path, Some(&used)).0, 200);
    ws.json(&["keys", "revoke", &used_id]);
    let deadline = Instant::now() + Duration::from_secs(8);
    while server.get(path, Some(&used)).0 != 401 {
        assert!(
            Instant::now() < deadline,
            "a revoked key still works after 8 s"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let out = ws.run(&["keys", "revoke", "key_000000000000"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cookie_login_needs_the_csrf_header_to_change_anything() {
    let ws = Workspace::new();
    ws.file("events.jsonl", fixture().join("\n"));
    ws.json(&["ingest", "events.jsonl"]);
    let (_, admin) = key(&ws, &["admin"], None);
    let (_, ingest_only) = key(&ws, &["ingest"], None);
    let server = Server::start(&ws);
    let login = |k: &str| {
        server
            .agent
            .post(format!("{}/login", server.url))
            .send_form([("key", k)])
            .expect("POST /login")
    };
    let resp = login(&admin);
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(resp.headers()["location"], "/");
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with(&format!("credence_key={admin}")),
        "{cookie}"
    );
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    for bad in [ingest_only.as_str(), "crd_wrong"] {
        let resp = login(bad);
        assert_eq!(resp.status().as_u16(), 303);
        assert_eq!(resp.headers()["location"], "/login?error=1");
        assert!(resp.headers().get("set-cookie").is_none());
    }

    let with_cookie = format!("credence_key={admin}");
    let resp = server
        .agent
        .get(format!("{}/v1/merchants/m-tea", server.url))
        .header("Cookie", &with_cookie)
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let event = r#"{"id":"ck1","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"c-x","order":"ck1"}"#;
    let post = |csrf: bool| {
        let mut req = server
            .agent
            .post(format!("{}/v1/events", server.url))
            .header("Cookie", &with_cookie)
            .header("Content-Type", "application/x-ndjson");
        if csrf {
            req = req.header("X-Credence-Request", "1");
        }
        req.send(event).unwrap().status().as_u16()
    };
    assert_eq!(post(false), 403);
    assert!(ws.stored().iter().all(|(_, id, _)| id != "ck1"));
    assert_eq!(post(true), 200);

    let resp = server
        .agent
        .post(format!("{}/logout", server.url))
        .send_empty()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(resp.headers()["location"], "/login");
    let cleared = resp.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cleared.starts_with("credence_key=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
}

#[test]
fn health_metrics_and_the_openapi_document() {
    let ws = Workspace::new();
    ws.file("events.jsonl", fixture().join("\n"));
    ws.json(&["ingest", "events.jsonl"]);
    let (_, admin) = key(&ws, &["admin"], None);
    let server = Server::start(&ws);
    let (status, body) = server.get("/healthz", None);
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    server.json("/v1/merchants/m-tea/customers/c01/trust", &admin);
    let bad = "not json";
    let (status, _) = server.post("/v1/events", Some(&admin), "text/plain", bad);
    assert_eq!(status, 207);

    let (status, metrics) = server.get("/metrics", None);
    assert_eq!(status, 200);
    for needle in [
        r#"credence_http_requests_total{method="GET",route="/v1/merchants/{merchant}/customers/{customer}/trust",status="200"} 1"#,
        r#"credence_events_ingested_total{outcome="rejected"} 1"#,
        "credence_http_request_duration_seconds_bucket",
        "credence_relationships 25",
    ] {
        assert!(metrics.contains(needle), "no `{needle}` in\n{metrics}");
    }

    let (status, body) = server.get("/v1/nope", Some(&admin));
    assert_eq!(status, 404);
    assert!(body.contains(r#""code":"not_found""#), "{body}");

    let (status, doc) = server.get("/openapi.json", None);
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&doc).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/v1/events", "post"),
        ("/v1/merchants", "get"),
        ("/v1/merchants/{merchant}", "get"),
        ("/v1/merchants/{merchant}/customers", "get"),
        ("/v1/merchants/{merchant}/customers/{customer}/trust", "get"),
        ("/healthz", "get"),
        ("/login", "post"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
    assert!(doc["components"]["schemas"]["IngestResponse"].is_object());
}

#[test]
fn sigterm_during_a_post_still_answers_it_and_stores_everything() {
    let ws = Workspace::new();
    let (_, ingest) = key(&ws, &["ingest"], None);
    let mut server = Server::start(&ws);
    let n = 20_000;
    let body: String = (0..n)
        .map(|i| {
            format!(
                "{{\"id\":\"t{i}\",\"type\":\"order\",\"at\":\"2026-03-01T10:00:00Z\",\"merchant\":\"m-tea\",\"customer\":\"c{}\",\"order\":\"t{i}\"}}\n",
                i % 500
            )
        })
        .collect();
    let addr = server.url.trim_start_matches("http://").to_string();
    let mut conn = TcpStream::connect(&addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    // A first request on the same connection proves the server has accepted it.
    write!(conn, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.ends_with(br#"{"status":"ok"}"#) {
        let n = conn.read(&mut buf).unwrap();
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    write!(
        conn,
        "POST /v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {ingest}\r\nContent-Type: application/x-ndjson\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    conn.write_all(first).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // The request is in flight (half its body sent): stop the server now.
    server.sigterm();
    std::thread::sleep(Duration::from_millis(300));
    conn.write_all(rest).unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "{}",
        &response[..response.len().min(300)]
    );
    let json = &response[response.find("\r\n\r\n").unwrap() + 4..];
    let v: Value = serde_json::from_str(json).unwrap();
    assert_eq!(v["accepted"], n);
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a graceful shutdown exits 0");
    assert_eq!(ws.stored().len(), n);
}
