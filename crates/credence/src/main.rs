//! `credence`: the customer trust engine's command-line tool.
//!
//! Parses arguments, opens the store, calls the libraries, prints. Exit codes: 0 success;
//! 1 the command ran but found a problem the user asked it to fail on (`--strict`);
//! 2 bad usage or unreadable input.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use credence::ingest::{IngestOptions, Source, Summary, ingest};
use credence_store::{EventStore, SqliteStore};

/// credence — how much your customers trust you, on which dimension, and why.
///
/// Feed it what happens between you and your customers (orders and promised delivery,
/// tickets, complaints, refunds, reviews, surveys, referrals, public commitments) as
/// events v1 JSON Lines; it keeps them in one SQLite file.
#[derive(Debug, Parser)]
#[command(
    name = "credence",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(after_help = "Quick start:
  credence demo                  generate a realistic data set, ingest it, and look at it
  credence ingest events.jsonl   load your own events (format: docs/events.md)
  credence status                what the store holds

Exit codes: 0 success; 1 a problem you asked to fail on (--strict); 2 bad usage or unreadable input.")]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Global {
    /// The store: a SQLite file, created if missing [default: ./credence.db].
    #[arg(long, global = true, env = "CREDENCE_DB", value_name = "PATH")]
    db: Option<PathBuf>,
    /// Print one JSON document (or JSON Lines for lists) with stable field names.
    #[arg(long, global = true)]
    json: bool,
    /// No progress bars or warnings on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load events v1 from JSON Lines or CSV files (or `-` for stdin) into the store.
    ///
    /// Every good line lands; every bad line goes to the quarantine file with a reason
    /// that names the line and field. Ingesting the same file twice adds nothing; an
    /// event whose id is already stored with different content is rejected as a
    /// conflict. Files ending in `.gz` are decompressed; files ending in `.csv` (or
    /// `.csv.gz`) are read as CSV with a header row (see docs/events.md).
    ///
    /// Summary: read = accepted + duplicates + rejected. Exit 0 even with rejected
    /// lines, unless --strict.
    Ingest(IngestArgs),
    /// What the store holds: events, merchants, relationships, dangling references.
    Status,
    /// Generate a realistic, seeded data set, ingest it, and show what credence sees.
    ///
    /// Merchants: a tea shop whose deliveries start slipping on 2026-02-15 (a trust
    /// crisis), an electronics store, a bank with a strong reputation, and a small shop
    /// with few trust signals. Scenarios and the customer ids to look at are in
    /// docs/demo.md. Writes DIR/events.jsonl and, unless --db is given, a fresh store
    /// DIR/credence.db.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Where to write the events and the store.
    #[arg(long, value_name = "DIR", default_value = "credence-demo")]
    dir: PathBuf,
    /// Random seed: the same seed gives the same data.
    #[arg(long, default_value_t = credence_demo::DemoConfig::DEFAULT_SEED)]
    seed: u64,
    /// small ≈ 10k events, medium ≈ 200k, large ≈ 2M.
    #[arg(long, default_value = "medium", value_parser = ["small", "medium", "large"])]
    size: String,
}

#[derive(Debug, Args)]
struct IngestArgs {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

fn run(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    match &cli.command {
        Command::Ingest(args) => cmd_ingest(g, args),
        Command::Status => cmd_status(g),
        Command::Demo(args) => cmd_demo(g, args),
    }
}

impl Global {
    fn db(&self) -> PathBuf {
        self.db
            .clone()
            .unwrap_or_else(|| PathBuf::from("credence.db"))
    }
}

fn open_store(g: &Global) -> Result<SqliteStore> {
    open_store_at(&g.db())
}

fn open_store_at(db: &Path) -> Result<SqliteStore> {
    SqliteStore::open(db).with_context(|| format!("cannot open the store {}", db.display()))
}

fn default_quarantine(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".quarantine.jsonl");
    PathBuf::from(name)
}

fn cmd_ingest(g: &Global, args: &IngestArgs) -> Result<ExitCode> {
    let mut store = open_store(g)?;
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
            .unwrap_or_else(|| default_quarantine(&g.db())),
        batch_size: args.batch_size.max(1),
        progress: !g.quiet && std::io::stderr().is_terminal(),
        show_rejections: if g.quiet { 0 } else { 10 },
    };
    let summary = ingest(&mut store, &sources, &options)?;
    print_summary(g, &summary)?;
    Ok(if args.strict && summary.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_summary(g: &Global, s: &Summary) -> Result<()> {
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

fn cmd_status(g: &Global) -> Result<ExitCode> {
    let store = open_store(g)?;
    let stats = store.stats()?;
    let dangling = store.dangling_references()?;
    let mut out = std::io::stdout().lock();
    if g.json {
        let doc = serde_json::json!({
            "db": g.db(),
            "events": stats.events,
            "merchants": stats.merchants,
            "relationships": stats.relationships,
            "dangling_references": dangling,
        });
        writeln!(out, "{doc}")?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "store          {}", g.db().display())?;
    writeln!(out, "events         {}", stats.events)?;
    writeln!(out, "merchants      {}", stats.merchants)?;
    writeln!(out, "relationships  {}", stats.relationships)?;
    writeln!(out, "dangling refs  {}", dangling.len())?;
    for d in dangling.iter().take(20) {
        writeln!(
            out,
            "  {} ({}) refers to {} `{}`, not seen yet",
            d.event, d.merchant, d.kind, d.target
        )?;
    }
    if dangling.len() > 20 {
        writeln!(out, "  … {} more (--json lists all)", dangling.len() - 20)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_demo(g: &Global, args: &DemoArgs) -> Result<ExitCode> {
    let size: credence_demo::Size = args.size.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let config = credence_demo::DemoConfig::new(args.seed, size);
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let events_path = args.dir.join("events.jsonl");
    let db = match &g.db {
        Some(db) => db.clone(),
        None => {
            // A fresh store each time, so the demo always shows the same thing.
            let db = args.dir.join("credence.db");
            for suffix in ["", "-wal", "-shm", ".quarantine.jsonl"] {
                let mut p = db.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
            db
        }
    };
    let progress = !g.quiet && std::io::stderr().is_terminal();

    let generated = write_demo_events(&config, &events_path, progress)?;
    if !g.json {
        println!(
            "wrote {generated} events ({size}, seed {}) to {}",
            args.seed,
            events_path.display()
        );
    }
    let mut store = open_store_at(&db)?;
    let options = IngestOptions {
        quarantine: default_quarantine(&db),
        batch_size: 10_000,
        progress,
        show_rejections: if g.quiet { 0 } else { 10 },
    };
    let summary = ingest(&mut store, &[Source::File(events_path.clone())], &options)?;
    print_summary(g, &summary)?;
    if !g.json {
        let stats = store.stats()?;
        println!();
        println!(
            "store {}: {} events, {} merchants, {} relationships",
            db.display(),
            stats.events,
            stats.merchants,
            stats.relationships
        );
        println!();
        println!("Merchants:");
        for m in credence_demo::merchants() {
            println!("  {:<10} {} / {}", m.id, m.name_en, m.name_zh);
        }
        println!();
        println!("Next: credence --db {} status", db.display());
        println!("Scenarios and the customer ids to look at: docs/demo.md");
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the demo events as JSON Lines; returns how many.
fn write_demo_events(
    config: &credence_demo::DemoConfig,
    path: &Path,
    progress: bool,
) -> Result<u64> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut events = credence_demo::generate(config);
    let bar = if progress {
        let bar = indicatif::ProgressBar::new(events.approx_total());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} generating [{bar:30}] {human_pos}/~{human_len} events",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut n = 0u64;
    for line in events.by_ref() {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        n += 1;
        if n.is_multiple_of(4096) {
            bar.set_position(n);
        }
    }
    out.flush()?;
    bar.finish_and_clear();
    Ok(n)
}
