//! `credence demo`: generate, ingest and summarise the demo data set.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use credence::ingest::{IngestOptions, Source, ingest};

use credence_store::EventStore;

use crate::commands::ingest::{default_quarantine, print_summary};
use crate::open_store_at;

use crate::Global;

#[derive(Debug, Args)]
pub struct DemoArgs {
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

pub fn run(g: &Global, args: &DemoArgs) -> Result<ExitCode> {
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
