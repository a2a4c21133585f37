//! The quarantine file: one JSON object per rejected line, in the format of events v1
//! (`source`, `line`, `reason`, `field`, `raw` or `raw_base64`).
//!
//! It is appended to, never rewritten, and it never holds one entry twice: before the
//! first write of a run, the entries already in the file are read (a torn last line from
//! a killed run is cut off), and an entry with the same source, line and raw bytes is not
//! written again. So running the same ingest again, after a kill or not, leaves the file
//! exactly as one run would.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// One rejected line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineEntry {
    /// The file it came from (`-` for stdin).
    pub source: String,
    /// Its 1-based line number (the CSV record's first line for CSV).
    pub line: u64,
    /// Why it was rejected, as a sentence that starts with the line number.
    pub reason: String,
    /// The field to blame, if one is.
    pub field: Option<String>,
    /// The line, when it is valid UTF-8.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub raw: Option<String>,
    /// The line's bytes in base64, when it is not valid UTF-8.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub raw_base64: Option<String>,
}

impl QuarantineEntry {
    /// An entry for `raw`, choosing `raw` or `raw_base64` by whether it is UTF-8.
    pub fn new(source: &str, line: u64, reason: String, field: Option<String>, raw: &[u8]) -> Self {
        let (raw, raw_base64) = match std::str::from_utf8(raw) {
            Ok(s) => (Some(s.to_string()), None),
            Err(_) => (
                None,
                Some(base64::engine::general_purpose::STANDARD.encode(raw)),
            ),
        };
        QuarantineEntry {
            source: source.to_string(),
            line,
            reason,
            field,
            raw,
            raw_base64,
        }
    }

    fn key(&self) -> u64 {
        let mut h = DefaultHasher::new();
        (&self.source, self.line, &self.raw, &self.raw_base64).hash(&mut h);
        h.finish()
    }
}

/// The quarantine file of one run, opened on the first rejection.
pub struct Quarantine {
    path: PathBuf,
    open: Option<(BufWriter<File>, HashSet<u64>)>,
}

impl Quarantine {
    /// A quarantine at `path`; nothing is created until something is written.
    pub fn new(path: &Path) -> Self {
        Quarantine {
            path: path.to_path_buf(),
            open: None,
        }
    }

    /// Appends the entries not already in the file, and flushes them to disk.
    pub fn write(&mut self, entries: &[QuarantineEntry]) -> io::Result<()> {
        if self.open.is_none() {
            self.open = Some(open_deduplicated(&self.path)?);
        }
        let Some((out, seen)) = self.open.as_mut() else {
            return Ok(());
        };
        for entry in entries {
            if seen.insert(entry.key()) {
                serde_json::to_writer(&mut *out, entry)?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()?;
        out.get_ref().sync_data()
    }
}

/// Opens the file for appending, after reading the keys of the entries it holds and
/// cutting off a torn last line.
fn open_deduplicated(path: &Path) -> io::Result<(BufWriter<File>, HashSet<u64>)> {
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)?;
    let mut seen = HashSet::new();
    let mut complete = 0u64;
    {
        let mut reader = BufReader::new(&mut file);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let n = reader.read_until(b'\n', &mut buf)?;
            if n == 0 || buf.last() != Some(&b'\n') {
                break;
            }
            complete += n as u64;
            if let Ok(entry) = serde_json::from_slice::<QuarantineEntry>(&buf) {
                seen.insert(entry.key());
            }
        }
    }
    if file.metadata()?.len() > complete {
        file.set_len(complete)?;
    }
    file.seek(SeekFrom::End(0))?;
    Ok((BufWriter::new(file), seen))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(line: u64, raw: &[u8]) -> QuarantineEntry {
        QuarantineEntry::new("f.jsonl", line, format!("line {line}: bad"), None, raw)
    }

    #[test]
    fn writing_twice_keeps_one_copy_and_torn_lines_are_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.jsonl");
        Quarantine::new(&path)
            .write(&[entry(1, b"{x"), entry(2, b"\xff\xfe")])
            .unwrap();
        // A killed run left half a line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"source":"f.jsonl","li"#).unwrap();
        drop(f);
        Quarantine::new(&path)
            .write(&[entry(2, b"\xff\xfe"), entry(3, b"{y")])
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<QuarantineEntry> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(lines[1].raw, None);
        assert_eq!(lines[1].raw_base64.as_deref(), Some("//4="));
    }
}
