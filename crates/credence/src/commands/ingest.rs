//! `credence ingest`: load events v1 files into the store.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use credence_app::ingest::{IngestOptions, Source, Summary, ingest};

use crate::{Global, open_store};

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// JSON Lines or CSV files; `-` reads JSON Lines from stdin.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// Where rejected lines go [default: <db>.quarantine.jsonl].
    #[arg(long, value_name = "PATH")]
    quarantine: Option<PathBuf>,
    /// Exit 1 when any line was rejected.
    #[arg(long)]
    strict: bool,
    /// Events per committed batch.
    #[arg(long, default_value_t = 10_000, hide = true)]
    batch_size: usize,
}

pub fn run(g: &Global, args: &IngestArgs) -> Result<ExitCode> {
    let mut boxed = open_store(g)?;
    let store = &mut *boxed;
    let sources: Vec<Source> = args.files.iter().map(|f| Source::from_arg(f)).collect();
    for s in &sources {
        if let Source::File(p) = s {
            anyhow::ensure!(p.is_file(), "cannot read {}: no such file", p.display());
        }
    }
    let options = IngestOptions {
        quarantine: args
            .quarantine
            .clone()
            .unwrap_or_else(|| g.db().sidecar(QUARANTINE_SUFFIX)),
        batch_size: args.batch_size.max(1),
        progress: !g.quiet && std::io::stderr().is_terminal(),
        show_rejections: if g.quiet { 0 } else { 10 },
        live: Some(credence_app::live::Live::standard()?),
    };
    let summary = ingest(&mut *store, &sources, &options)?;
    print_summary(g, &summary)?;
    Ok(if args.strict && summary.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn print_summary(g: &Global, s: &Summary) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if g.json {
        serde_json::to_writer(&mut out, s)?;
        writeln!(out)?;
        return Ok(());
    }
    let rate = if s.seconds > 0.0 {
        s.read as f64 / s.seconds
    } else {
        0.0
    };
    writeln!(
        out,
        "read {} lines in {:.2} s ({:.0} lines/s)",
        s.read, s.seconds, rate
    )?;
    writeln!(out, "  accepted    {:>10}", s.accepted)?;
    writeln!(out, "  duplicates  {:>10}", s.duplicates)?;
    match &s.quarantine {
        Some(q) => writeln!(out, "  rejected    {:>10}  -> {}", s.rejected, q.display())?,
        None => writeln!(out, "  rejected    {:>10}", s.rejected)?,
    }
    Ok(())
}

/// The quarantine file's name beside the store, unless `--quarantine` says otherwise.
pub const QUARANTINE_SUFFIX: &str = ".quarantine.jsonl";
