//! `credence eval`: evaluations of credence's statistics on reference data.
//!
//! - `eval bgnbd --summary FILE.csv` fits the BG/NBD model to a customer summary.
//! - `eval crisis` measures the crisis detector's false-alarm rate and detection delay
//!   on simulated streams.
//!
//! The statistics live in `credence-watch`; this module reads files and prints.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use credence_watch::detect::{Calibration, DetectorConfig};
use credence_watch::{bgnbd, sim};

use crate::Global;

/// Arguments of `credence eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(subcommand)]
    what: EvalWhat,
}

#[derive(Debug, Subcommand)]
enum EvalWhat {
    /// Fit BG/NBD (Fader, Hardie & Lee 2005) by maximum likelihood to a customer summary.
    ///
    /// The CSV has a header naming frequency (repeat purchases), recency (time of the
    /// last purchase) and T (age), e.g. `ID,frequency,recency,T` as in the lifetimes
    /// package's CDNOW file. Prints r, alpha, a, b, the log-likelihood and the fit time;
    /// with --json: {"r","alpha","a","b","log_likelihood","seconds"}.
    ///
    /// Example: credence eval bgnbd --summary cdnow_customers_summary.csv --json
    Bgnbd(BgnbdArgs),
    /// Detection delay and false alarms of the crisis detector on simulated streams.
    ///
    /// Stationary Poisson and negative binomial (size 10) streams with weekday
    /// seasonality at 1, 5 and 20 signals a day; step changes ×1.5, ×2, ×3, ×5. Two
    /// calibrations: `product` (the default: at most one false alarm per merchant-year
    /// over 8 streams) and `reference` (one per stream-year, comparable with published
    /// CUSUM figures). With --json: JSON Lines, one object per row. Deterministic for
    /// a seed.
    Crisis(CrisisArgs),
}

#[derive(Debug, Args)]
struct BgnbdArgs {
    /// The customer summary CSV.
    #[arg(long, value_name = "FILE.csv")]
    summary: PathBuf,
}

#[derive(Debug, Args)]
struct CrisisArgs {
    /// Seed of the simulation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Replicates per setting (stationary two-year streams, and change-point runs
    /// per shift).
    #[arg(long, default_value_t = 300, value_name = "N")]
    replicates: usize,
}

/// Run `credence eval`.
pub fn run(g: &Global, args: &EvalArgs) -> Result<ExitCode> {
    match &args.what {
        EvalWhat::Bgnbd(a) => run_bgnbd(g, a),
        EvalWhat::Crisis(a) => run_crisis(g, a),
    }
}

fn run_bgnbd(g: &Global, args: &BgnbdArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.summary)
        .with_context(|| format!("cannot read {}", args.summary.display()))?;
    let data = bgnbd::parse_summary_csv(&text)
        .with_context(|| format!("cannot read the summary {}", args.summary.display()))?;
    let t = Instant::now();
    let fit = bgnbd::fit(&data).context("cannot fit BG/NBD")?;
    let seconds = t.elapsed().as_secs_f64();
    let p = fit.params;
    let mut out = std::io::stdout().lock();
    if g.json {
        let doc = serde_json::json!({
            "r": p.r,
            "alpha": p.alpha,
            "a": p.a,
            "b": p.b,
            "log_likelihood": fit.log_likelihood,
            "seconds": seconds,
        });
        writeln!(out, "{doc}")?;
    } else {
        writeln!(out, "BG/NBD fit of {} customers", data.len())?;
        writeln!(out, "  r               {:.4}", p.r)?;
        writeln!(out, "  alpha           {:.4}", p.alpha)?;
        writeln!(out, "  a               {:.4}", p.a)?;
        writeln!(out, "  b               {:.4}", p.b)?;
        writeln!(out, "  log-likelihood  {:.2}", fit.log_likelihood)?;
        writeln!(
            out,
            "  fit time        {:.1} ms ({} likelihood evaluations{})",
            seconds * 1e3,
            fit.evaluations,
            if fit.converged { "" } else { ", NOT converged" }
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run_crisis(g: &Global, args: &CrisisArgs) -> Result<ExitCode> {
    let t = Instant::now();
    let product = Calibration::new(DetectorConfig::default())?;
    let reference = Calibration::compute(DetectorConfig {
        streams_per_merchant: 1,
        arl_margin: 1.0,
        ..DetectorConfig::default()
    })?;
    let cfg = sim::EvalConfig {
        seed: args.seed,
        fa_replicates: args.replicates.max(1),
        fa_days: 730,
        delay_replicates: args.replicates.max(1),
    };
    let mut rows = sim::evaluate(&product, "product", &cfg);
    rows.extend(sim::evaluate(&reference, "reference", &cfg));
    let mut out = std::io::stdout().lock();
    if g.json {
        for r in &rows {
            writeln!(out, "{}", serde_json::to_string(r)?)?;
        }
    } else {
        writeln!(
            out,
            "calibration  dist     λ0/day  false alarms/stream-year (target)   mean delay in days (missed within 100 days)"
        )?;
        writeln!(
            out,
            "                                                                ×1.5          ×2            ×3            ×5"
        )?;
        for r in &rows {
            let delays: Vec<String> = r
                .delays
                .iter()
                .map(|d| format!("{:>5.1} ({:>3.0}%)", d.mean_delay_days, d.missed * 100.0))
                .collect();
            writeln!(
                out,
                "{:<12} {:<8} {:>6}  {:>6.3} ({:.3})                     {}",
                r.calibration,
                r.dist.as_str(),
                r.lambda0,
                r.fa_per_stream_year,
                r.target_fa_per_stream_year,
                delays.join(" ")
            )?;
        }
        writeln!(
            out,
            "\n{} stream-years per false-alarm figure, {} change points per delay; seed {}; {:.1} s",
            rows.first().map_or(0.0, |r| r.stream_years).round(),
            cfg.delay_replicates,
            args.seed,
            t.elapsed().as_secs_f64()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
