//! Small helpers: a temporary workspace and a way to run the real binary in it.

use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};

/// A temporary directory with a store in it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("credence.db")
    }

    /// Writes `bytes` to a file in the workspace and returns its path.
    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write fixture");
        p
    }

    /// A `credence` command running in the workspace, with the workspace's store.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_credence"));
        c.current_dir(self.dir.path())
            .env("CREDENCE_DB", self.db())
            .env_remove("RUST_LOG");
        c
    }

    /// Runs `credence ARGS…` and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run credence")
    }

    /// Runs `credence ARGS… --json` and parses stdout as one JSON document.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self
            .cmd()
            .args(args)
            .arg("--json")
            .output()
            .expect("run credence");
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "credence {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout of {args:?} is not one JSON document ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Every stored event as (seq, id, raw), in acceptance order.
    pub fn stored(&self) -> Vec<(i64, String, String)> {
        stored(&self.db())
    }
}

pub fn stored(db: &Path) -> Vec<(i64, String, String)> {
    let conn = rusqlite::Connection::open(db).expect("open store");
    let mut stmt = conn
        .prepare("SELECT seq, id, raw FROM events ORDER BY seq")
        .expect("query");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// A valid event line.
pub fn event(id: &str, ty: &str, extra: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"{ty}","at":"2026-03-01T10:00:00+08:00","merchant":"m-tea","customer":"c-001"{extra}}}"#
    )
}

/// Starts `cmd` (a `credence` command that serves) with stdout piped and reads stdout up
/// to the line `listening on http://…`. Returns the process, the base URL and the rest of
/// stdout, which the caller must keep draining ([`drain`]) so the server never blocks.
pub fn spawn_listening(cmd: &mut Command) -> (Child, String, Lines<BufReader<ChildStdout>>) {
    let mut child = cmd
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start credence");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the server exited before listening")
            .expect("read stdout");
        if let Some(rest) = line.strip_prefix("listening on ") {
            break rest.trim().to_string();
        }
    };
    (child, url, lines)
}

/// Reads the rest of a server's stdout in the background.
pub fn drain(lines: Lines<BufReader<ChildStdout>>) {
    std::thread::spawn(move || for _ in lines {});
}
