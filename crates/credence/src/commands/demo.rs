//! `credence demo`: generate, ingest and summarise the demo data set.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use credence_app::ingest::{IngestOptions, Source, ingest};

use crate::commands::ingest::{QUARANTINE_SUFFIX, print_summary};
use crate::commands::serve::{Evaluation, serve_until_signal};
use crate::commands::trust::EvalArgs;
use crate::{DbLocation, Global, open_store_at};
use credence_app::keys::{Scope, hash_key, new_key};
use credence_server::ServeConfig;
use credence_store::{ApiKeyRecord, Store};

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
    /// Then serve the demo store (`credence serve`) with a new read key, printed once
    /// with the dashboard's address; Ctrl-C stops it.
    #[arg(long)]
    serve: bool,
    /// The address to serve on with --serve (port 0 picks a free port).
    #[arg(
        long,
        default_value = "127.0.0.1:8080",
        value_name = "ADDR",
        requires = "serve"
    )]
    listen: String,
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
            let db = DbLocation::Sqlite(args.dir.join("credence.db"));
            for suffix in ["", "-wal", "-shm", QUARANTINE_SUFFIX] {
                let _ = std::fs::remove_file(db.sidecar(suffix));
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
        quarantine: db.sidecar(QUARANTINE_SUFFIX),
        batch_size: 10_000,
        progress,
        show_rejections: if g.quiet { 0 } else { 10 },
        live: Some(credence_app::live::Live::standard()?),
    };
    let summary = ingest(&mut *store, &[Source::File(events_path.clone())], &options)?;
    print_summary(g, &summary)?;
    if !g.json {
        let stats = store.stats()?;
        println!();
        println!(
            "store {}: {} events, {} merchants, {} relationships",
            db, stats.events, stats.merchants, stats.relationships
        );
        show_engine_view(&*store, &config)?;
        println!();
        println!("Look closer:");
        println!("  credence --db {} merchant m-tea", db);
        println!(
            "  credence --db {} trust -m m-tea -c {}",
            db,
            credence_demo::ids::TEA_CRISIS_1
        );
        println!("  credence --db {} trust -m m-tea --stage at-risk", db);
        if !args.serve {
            println!("  credence demo --serve      the same in a browser: the dashboard");
        }
        println!("Scenarios and the customer ids to look at: docs/demo.md");
    }
    if args.serve {
        serve_demo(g, store, db, &args.listen)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `--serve`: creates a read key for every merchant and serves the store until Ctrl-C,
/// printing the dashboard's address and the key.
fn serve_demo(g: &Global, mut store: Box<dyn Store>, db: DbLocation, listen: &str) -> Result<()> {
    let (id, key) = new_key();
    store
        .add_api_key(&ApiKeyRecord {
            id: id.clone(),
            hash: hash_key(&key),
            scopes: vec![Scope::Read.as_str().to_string()],
            merchant: None,
            created_at: jiff::Timestamp::now(),
            revoked_at: None,
        })
        .context("cannot create the demo's read key")?;
    drop(store);
    let config = ServeConfig {
        db,
        key_file: None,
        max_body: 16 << 20,
    };
    let json = g.json;
    serve_until_signal(
        config,
        &Evaluation::default(),
        listen,
        g.quiet,
        move |addr| {
            println!("listening on http://{addr}");
            if json {
                println!(
                    "{}",
                    serde_json::json!({"dashboard": format!("http://{addr}/"), "key": key, "key_id": id})
                );
            } else {
                println!("dashboard: http://{addr}/  sign in with read key {key}");
                println!("(key {id}, shown once; Ctrl-C stops the server)");
            }
        },
    )
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

/// What the engine says about the demo: each merchant's reputation and stages, the
/// crisis merchant's trust month by month, and the scripted scenario customers.
fn show_engine_view(store: &dyn Store, config: &credence_demo::DemoConfig) -> Result<()> {
    let evaluator = EvalArgs::default().evaluator()?;
    println!();
    println!("What credence sees, at each merchant's latest event:");
    println!(
        "  {:<10} {:<26} {:>6} {:>8} {:>8} {:>10} {:>9} {:>8} {:>6}",
        "merchant",
        "",
        "trust",
        "new cust",
        "initial",
        "developing",
        "committed",
        "at_risk",
        "ended"
    );
    let mut engines = Vec::new();
    for m in credence_demo::merchants() {
        let engine = evaluator.load(store, m.id, None)?.engine;
        let at = engine
            .latest_event_time(m.id)
            .context("merchant without events")?;
        let r = engine.merchant(m.id, at).context("merchant")?;
        let s = r.stages;
        println!(
            "  {:<10} {:<26} {:>6.1} {:>8.1} {:>8} {:>10} {:>9} {:>8} {:>6}",
            m.id,
            m.name_en,
            r.report.score,
            engine.initial_trust(m.id, at),
            s.initial,
            s.developing,
            s.committed,
            s.at_risk,
            s.ended
        );
        engines.push((m.id, engine));
    }

    let crisis = jiff::Timestamp::from_second(config.crisis_start()).context("crisis start")?;
    if let Some((merchant, engine)) = engines.iter().find(|(id, _)| *id == "m-tea") {
        println!();
        println!(
            "{merchant}: trust and at-risk customers month by month (deliveries start slipping {crisis}):"
        );
        let start = jiff::Timestamp::from_second(config.start).context("start")?;
        let end = jiff::Timestamp::from_second(config.end()).context("end")?;
        let mut month = jiff::tz::TimeZone::UTC
            .to_datetime(start)
            .date()
            .first_of_month();
        loop {
            month = month
                .checked_add(jiff::Span::new().months(1))
                .context("date")?;
            let at = jiff::tz::TimeZone::UTC
                .to_timestamp(month.to_datetime(jiff::civil::Time::midnight()))?;
            if at > end {
                break;
            }
            let Some(r) = engine.merchant(merchant, at) else {
                continue;
            };
            let marker = if at > crisis { "  <- crisis" } else { "" };
            println!(
                "  {}  trust {:>5.1} {}  at risk {:>5}{}",
                month.strftime("%Y-%m"),
                r.report.score,
                bar(r.report.score, 40.0, 80.0),
                r.stages.at_risk,
                marker
            );
        }
    }

    use credence_demo::ids;
    println!();
    println!("Scenario customers (docs/demo.md):");
    for (merchant, customer, what) in [
        ("m-tea", ids::TEA_CRISIS_1, "hit by the delivery crisis"),
        (
            "m-tea",
            ids::TEA_RECOVERED,
            "failure, then good service recovery",
        ),
        (
            "m-electro",
            ids::ELECTRO_RECOVERED,
            "failure, then good service recovery",
        ),
        (
            "m-electro",
            ids::ELECTRO_CHURNED,
            "same failure, no recovery, churned",
        ),
        (
            "m-bank",
            ids::BANK_PROMOTER,
            "loyal promoter who refers others",
        ),
        ("m-tea", ids::TEA_SILENT, "silent for over a year"),
        (
            "m-bank",
            ids::BANK_NEW,
            "brand-new customer of a reputable bank",
        ),
        (
            "m-ahua",
            ids::AHUA_NEW,
            "same first steps, a shop with few trust signals",
        ),
    ] {
        let Some((_, engine)) = engines.iter().find(|(id, _)| *id == merchant) else {
            continue;
        };
        let Some(at) = engine.latest_event_time(merchant) else {
            continue;
        };
        let Some(r) = engine.relationship(merchant, customer, at) else {
            continue;
        };
        println!(
            "  {:<24} {:<10} {:>5.1}  {:<10}  {}",
            customer,
            merchant,
            r.score,
            r.stage.map(credence_engine::Stage::as_str).unwrap_or(""),
            what
        );
    }
    Ok(())
}

/// A bar of `score` between `lo` and `hi`.
fn bar(score: f64, lo: f64, hi: f64) -> String {
    let width = 30.0;
    let filled = (((score - lo) / (hi - lo)) * width)
        .round()
        .clamp(0.0, width) as usize;
    format!(
        "{}{}",
        "█".repeat(filled),
        "·".repeat(width as usize - filled)
    )
}
