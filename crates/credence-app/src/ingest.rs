//! Ingestion: read events v1 from files or stdin, validate each line, store the good
//! ones in batches, and put every bad one in the quarantine file with its reason.
//!
//! Streaming: one line and one batch are held at a time, so memory does not grow with
//! the input. Crash-safe: a batch is committed atomically, and its rejections are written
//! to the quarantine after the commit; running the same command again after a kill adds
//! what was missing and writes no quarantine entry twice (see [`crate::quarantine`]).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use credence_events::Rejection;
use credence_store::{NewEvent, Outcome, Store, StoreError};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::csv_input::CsvLines;
use crate::quarantine::{Quarantine, QuarantineEntry};

/// Why an ingest stopped. Bad lines never stop it: they go to the quarantine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// A file cannot be opened.
    #[error("cannot open {}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The CSV header row cannot be read.
    #[error("{source_name}: cannot read the CSV header")]
    CsvHeader {
        /// The source, as [`Source::name`] gives it.
        source_name: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Reading a source failed midway.
    #[error("{source_name}: {what}")]
    Read {
        /// The source, as [`Source::name`] gives it.
        source_name: String,
        /// What failed (`read failed`, `cannot read`).
        what: &'static str,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The store refused a batch.
    #[error("cannot write to the store")]
    Store(#[source] StoreError),
    /// The quarantine file cannot be written.
    #[error("cannot write the quarantine file")]
    Quarantine(#[source] io::Error),
    /// The live state could not be kept up to date.
    #[error("cannot update the live state")]
    Live(#[from] crate::live::LiveError),
}

type Result<T, E = IngestError> = std::result::Result<T, E>;

/// Where events come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file: JSON Lines, or CSV when the name ends in `.csv`; gzip when it ends in `.gz`.
    File(PathBuf),
    /// Standard input, JSON Lines.
    Stdin,
}

impl Source {
    /// `-` is stdin; anything else a path.
    pub fn from_arg(arg: &str) -> Self {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::File(PathBuf::from(arg))
        }
    }

    /// The name used in messages and in the quarantine's `source` field.
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "-".to_string(),
        }
    }

    fn is_csv(&self) -> bool {
        match self {
            Source::File(p) => {
                let name = p.to_string_lossy().to_ascii_lowercase();
                name.ends_with(".csv") || name.ends_with(".csv.gz")
            }
            Source::Stdin => false,
        }
    }
}

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Where rejected lines go.
    pub quarantine: PathBuf,
    /// Events per committed batch.
    pub batch_size: usize,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// How many rejections to describe on stderr (the rest are only in the quarantine).
    pub show_rejections: usize,
    /// Keep the live state up to date (`None`: store the events only; the next reader
    /// catches the live state up).
    pub live: Option<crate::live::Live>,
}

/// What an ingest did. `read = accepted + duplicates + rejected`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Non-blank lines (or CSV records) read.
    pub read: u64,
    /// Events stored now.
    pub accepted: u64,
    /// Accepted events appended to the transparency log (commitments, their results and
    /// reviews), in the same transaction as the events.
    pub logged: u64,
    /// Events already stored with the same content.
    pub duplicates: u64,
    /// Lines rejected (invalid, or conflicting with a stored event).
    pub rejected: u64,
    /// The quarantine file, when this run rejected anything.
    pub quarantine: Option<PathBuf>,
    /// Wall time.
    pub seconds: f64,
}

/// Ingests every source into `store`, in order.
pub fn ingest(
    store: &mut dyn Store,
    sources: &[Source],
    options: &IngestOptions,
) -> Result<Summary> {
    let started = Instant::now();
    if let Some(live) = &options.live {
        // A new store starts its live state here; an older one is built or caught up
        // first, so that every batch below applies incrementally.
        live.prepare(&mut *store)?;
    }
    let progress = progress_bar(sources, options.progress);
    let mut run = Run {
        store,
        options,
        quarantine: Quarantine::new(&options.quarantine),
        summary: Summary::default(),
        batch: Vec::with_capacity(options.batch_size),
        batch_lines: Vec::with_capacity(options.batch_size),
        pending: Vec::new(),
        shown: 0,
        progress: progress.clone(),
        round: Vec::new(),
    };
    for source in sources {
        run.source(source)?;
    }
    progress.finish_and_clear();
    if let Some(live) = &options.live {
        // The events of this run not applied yet, merchants that received events older
        // than their watermark, and events other writers stored meanwhile: all brought
        // up to date before ingest returns.
        let round = std::mem::take(&mut run.round);
        live.apply_stored(&mut *run.store, round)?;
    }
    let mut summary = run.summary;
    if summary.rejected > 0 {
        summary.quarantine = Some(options.quarantine.clone());
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

struct Run<'a> {
    store: &'a mut dyn Store,
    options: &'a IngestOptions,
    quarantine: Quarantine,
    summary: Summary,
    /// Valid events waiting for the next commit (never spanning two sources)…
    batch: Vec<NewEvent>,
    /// …and their line numbers.
    batch_lines: Vec<u64>,
    /// Rejections of lines in `batch`'s span, written after the commit.
    pending: Vec<QuarantineEntry>,
    shown: usize,
    progress: ProgressBar,
    /// Events stored since the live state was last brought up to date (applied from
    /// memory, not read back).
    round: Vec<credence_events::Event>,
}

/// How many stored events the live state may lag behind during an ingest: it is brought
/// up to date (its own transactions, which record how far they got) every so many and
/// before ingest returns. Applying many events at once rewrites each relationship's row
/// once per round instead of once per batch; a kill in between loses nothing, as the
/// next writer or reader catches up from the last applied event.
const LIVE_EVERY: u64 = 200_000;

/// Lines longer than this are rejected without parsing (they are still quarantined whole).
pub const MAX_LINE_BYTES: usize = 1 << 20;

impl Run<'_> {
    fn source(&mut self, source: &Source) -> Result<()> {
        let name = source.name();
        let reader = open(source, &self.progress)?;
        if source.is_csv() {
            let lines = CsvLines::new(reader).map_err(|source| IngestError::CsvHeader {
                source_name: name.clone(),
                source,
            })?;
            for item in lines {
                let (line, result) = item.map_err(|source| IngestError::Read {
                    source_name: name.clone(),
                    what: "cannot read",
                    source,
                })?;
                self.summary.read += 1;
                match result {
                    Ok(json) => self.line(&name, line, json.as_bytes())?,
                    Err(rejection) => self.reject(&name, line, &[], rejection)?,
                }
            }
            return self.flush(&name);
        }
        let mut reader = reader;
        let mut buf = Vec::with_capacity(1024);
        let mut line_no = 0u64;
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(|source| IngestError::Read {
                    source_name: name.clone(),
                    what: "read failed",
                    source,
                })?;
            if n == 0 {
                break;
            }
            line_no += 1;
            let line = trim_line_end(&buf);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.summary.read += 1;
            self.line(&name, line_no, line)?;
        }
        self.flush(&name)
    }

    fn line(&mut self, source: &str, line_no: u64, bytes: &[u8]) -> Result<()> {
        if bytes.len() > MAX_LINE_BYTES {
            let rejection = Rejection::whole(format!(
                "the line is {} bytes long; the limit is {} bytes (1 MiB): split the event or shorten its text",
                bytes.len(),
                MAX_LINE_BYTES
            ));
            return self.reject(source, line_no, bytes, rejection);
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let rejection = Rejection::whole(format!(
                    "the line is not valid UTF-8 (bad byte at offset {}): save the file as UTF-8",
                    e.valid_up_to()
                ));
                return self.reject(source, line_no, bytes, rejection);
            }
        };
        match NewEvent::parse(text) {
            Ok(event) => {
                self.batch.push(event);
                self.batch_lines.push(line_no);
                if self.batch.len() >= self.options.batch_size {
                    self.flush(source)?;
                }
                Ok(())
            }
            Err(rejection) => self.reject(source, line_no, bytes, rejection),
        }
    }

    fn reject(
        &mut self,
        source: &str,
        line_no: u64,
        raw: &[u8],
        rejection: Rejection,
    ) -> Result<()> {
        self.summary.rejected += 1;
        let reason = format!("line {line_no}: {}", rejection.message);
        if self.shown < self.options.show_rejections {
            self.shown += 1;
            self.progress
                .suspend(|| eprintln!("rejected: {source} {reason}"));
        }
        self.pending.push(QuarantineEntry::new(
            source,
            line_no,
            reason,
            rejection.field,
            raw,
        ));
        Ok(())
    }

    /// Commits the batch, then records its rejections (conflicts included).
    fn flush(&mut self, source: &str) -> Result<()> {
        if !self.batch.is_empty() {
            let outcomes = self
                .store
                .insert_batch(&self.batch)
                .map_err(IngestError::Store)?;
            let batch = std::mem::take(&mut self.batch);
            let lines = std::mem::take(&mut self.batch_lines);
            for ((line_no, event), outcome) in lines.into_iter().zip(batch).zip(outcomes) {
                match outcome {
                    Outcome::Accepted => {
                        self.summary.accepted += 1;
                        if self.options.live.is_some() {
                            self.round.push(event.event.clone());
                        }
                        if credence_store::ledger::is_logged(&event.event) {
                            self.summary.logged += 1;
                        }
                    }
                    Outcome::Duplicate => self.summary.duplicates += 1,
                    Outcome::Conflict { .. } => {
                        let id = event.event.id.clone();
                        self.reject(
                            source,
                            line_no,
                            event.raw.as_bytes(),
                            Rejection {
                                field: Some("id".into()),
                                message: format!(
                                    "event `{id}` conflicts with a stored event of the same id and different content: \
                                     give this event a new id, or send exactly the stored content"
                                ),
                            },
                        )?;
                    }
                }
            }
        }
        if let Some(live) = &self.options.live
            && self.round.len() as u64 >= LIVE_EVERY
        {
            let round = std::mem::take(&mut self.round);
            live.apply_stored(&mut *self.store, round)?;
        }
        if !self.pending.is_empty() {
            self.pending.sort_by_key(|e| e.line);
            self.quarantine
                .write(&self.pending)
                .map_err(IngestError::Quarantine)?;
            self.pending.clear();
        }
        Ok(())
    }
}

fn trim_line_end(buf: &[u8]) -> &[u8] {
    let mut end = buf.len();
    if end > 0 && buf[end - 1] == b'\n' {
        end -= 1;
    }
    if end > 0 && buf[end - 1] == b'\r' {
        end -= 1;
    }
    &buf[..end]
}

fn open(source: &Source, progress: &ProgressBar) -> Result<Box<dyn BufRead>> {
    let raw: Box<dyn Read> = match source {
        Source::Stdin => Box::new(io::stdin().lock()),
        Source::File(path) => {
            let file = File::open(path).map_err(|source| IngestError::Open {
                path: path.clone(),
                source,
            })?;
            Box::new(progress.wrap_read(file))
        }
    };
    let gz = matches!(source, Source::File(p) if has_extension(p, "gz"));
    Ok(if gz {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(raw),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, raw))
    })
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn progress_bar(sources: &[Source], enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let total: u64 = sources
        .iter()
        .filter_map(|s| match s {
            Source::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Source::Stdin => None,
        })
        .sum();
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(
        "{spinner} ingesting [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}
