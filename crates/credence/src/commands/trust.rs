//! `credence trust` and `credence merchant`: the engine's view of relationships and of a
//! merchant's reputation, as tables or JSON.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use credence_app::live::Live;
use credence_app::{Evaluator, LoadedMerchant, load_rules, parse_eval_time};
use credence_engine::{MerchantReport, Stage, TrustReport};
use jiff::Timestamp;

use crate::{Global, open_store};

/// Options shared by the commands that evaluate trust.
#[derive(Debug, Default, Args)]
pub struct EvalArgs {
    /// Evaluation time: RFC 3339 (2026-03-01T10:00:00+08:00) or a date (2026-03-01, the
    /// end of that day in UTC). Events after it are ignored. [default: the time of the
    /// merchant's latest event]
    #[arg(long, value_name = "TIME", value_parser = parse_eval_time)]
    pub at: Option<Timestamp>,
    /// Evidence rules, decay, priors, weights and stage thresholds from a TOML file
    /// (any part; the rest keeps its default — see docs/trust-model.md).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Leave text out: no evidence from what reviews, complaints, ticket messages and
    /// survey comments say (by default their sentiment and aspects count, analysed once
    /// and cached in the store — see docs/trust-model.md "Text evidence").
    #[arg(long)]
    pub no_text: bool,
}

/// `credence trust`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// The merchant.
    #[arg(long, short)]
    merchant: String,
    /// One customer: the full report with reasons and stage history. Without it, every
    /// customer of the merchant (JSON Lines with --json).
    #[arg(long, short)]
    customer: Option<String>,
    /// Only customers in this stage.
    #[arg(long, value_enum)]
    stage: Option<StageArg>,
    /// Order of the list.
    #[arg(long, value_enum, default_value = "score")]
    sort: SortArg,
    /// At most this many customers (0 = all). The table shows 20 unless told.
    #[arg(long)]
    limit: Option<usize>,
    #[command(flatten)]
    eval: EvalArgs,
}

/// `credence merchant`.
#[derive(Debug, Args)]
pub struct MerchantArgs {
    /// The merchant.
    merchant: String,
    #[command(flatten)]
    eval: EvalArgs,
}

/// A lifecycle stage on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StageArg {
    /// Fewer than 3 evidence-bearing events.
    Initial,
    /// Growing.
    Developing,
    /// Relied upon.
    Committed,
    /// Slipping.
    AtRisk,
    /// Over.
    Ended,
}

impl From<StageArg> for Stage {
    fn from(s: StageArg) -> Stage {
        match s {
            StageArg::Initial => Stage::Initial,
            StageArg::Developing => Stage::Developing,
            StageArg::Committed => Stage::Committed,
            StageArg::AtRisk => Stage::AtRisk,
            StageArg::Ended => Stage::Ended,
        }
    }
}

/// How to order a list of customers.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortArg {
    /// Lowest trust first (who needs attention).
    Score,
    /// Highest trust first.
    ScoreDesc,
    /// Most uncertain first.
    Uncertainty,
    /// By customer id.
    Customer,
}

impl EvalArgs {
    /// The evaluator of these options: the rules of `--config` (or the defaults), text
    /// unless `--no-text`, a progress bar on a terminal while many texts are new.
    pub fn evaluator(&self) -> Result<Evaluator> {
        let rules = load_rules(self.config.as_deref())?;
        Ok(Evaluator::new(rules, !self.no_text)?.with_progress(std::io::stderr().is_terminal()))
    }
}

/// The answers of `trust` and `merchant`: from the live state when it can answer (the
/// default rules with text, at or after its watermark), else by replaying the events.
enum Source<'s> {
    Live(credence_app::live::MerchantLive<'s>),
    Replay(LoadedMerchant),
}

impl Source<'_> {
    fn at(&self) -> jiff::Timestamp {
        match self {
            Source::Live(l) => l.at,
            Source::Replay(r) => r.at,
        }
    }
}

fn source<'s>(
    store: &'s mut dyn credence_store::Store,
    merchant: &'s str,
    eval: &EvalArgs,
) -> Result<Source<'s>> {
    // Bring the live state up to date (built once, with the default rules, for a store
    // that has none yet).
    Live::standard()?.prepare(store)?;
    let evaluator = eval.evaluator()?;
    let live = Live::new(evaluator.clone());
    let store: &'s dyn credence_store::Store = store;
    if let Some(reader) = live.reader(store, merchant, eval.at)? {
        return Ok(Source::Live(reader));
    }
    Ok(Source::Replay(evaluator.load(store, merchant, eval.at)?))
}

/// Runs `credence trust`.
pub fn run_trust(g: &Global, args: &TrustArgs) -> Result<ExitCode> {
    let mut boxed = open_store(g)?;
    let src = source(&mut *boxed, &args.merchant, &args.eval)?;
    let at = src.at();
    let mut out = std::io::stdout().lock();

    if let Some(customer) = &args.customer {
        let report = match &src {
            Source::Live(l) => l.relationship(customer, at)?,
            Source::Replay(r) => r.engine.relationship(&args.merchant, customer, at),
        };
        let Some(report) = report else {
            bail!(
                "customer `{customer}` has no events with merchant `{}` up to {at}",
                args.merchant
            );
        };
        let report = report.rounded();
        if g.json {
            serde_json::to_writer(&mut out, &report)?;
            writeln!(out)?;
        } else {
            print_relationship(&mut out, &report)?;
        }
        return Ok(ExitCode::SUCCESS);
    }

    let mut reports = Vec::new();
    match &src {
        Source::Live(l) => l.customers(at, &mut |r| reports.push(r))?,
        Source::Replay(r) => reports = r.engine.customers(&args.merchant, at),
    }
    if let Some(stage) = args.stage {
        let stage = Stage::from(stage);
        reports.retain(|r| r.stage == Some(stage));
    }
    match args.sort {
        SortArg::Score => reports.sort_by(|a, b| a.score.total_cmp(&b.score)),
        SortArg::ScoreDesc => reports.sort_by(|a, b| b.score.total_cmp(&a.score)),
        SortArg::Uncertainty => reports.sort_by(|a, b| b.uncertainty.total_cmp(&a.uncertainty)),
        SortArg::Customer => {}
    }
    let total = reports.len();
    let limit = match args.limit {
        Some(0) => total,
        Some(n) => n,
        None if g.json => total,
        None => 20,
    };
    reports.truncate(limit);
    if g.json {
        for r in &reports {
            serde_json::to_writer(&mut out, &r.rounded())?;
            writeln!(out)?;
        }
    } else {
        writeln!(
            out,
            "{} customers of {} at {at} ({} shown)",
            total,
            args.merchant,
            reports.len()
        )?;
        writeln!(
            out,
            "{:<28} {:>6} {:>6} {:<10}  strongest reason",
            "customer", "score", "unc.", "stage"
        )?;
        for r in &reports {
            let reason = r
                .reasons
                .first()
                .map(|x| format!("{:+.1} {}", x.impact, x.text_en))
                .unwrap_or_default();
            writeln!(
                out,
                "{:<28} {:>6.1} {:>6.2} {:<10}  {}",
                r.customer.as_deref().unwrap_or(""),
                r.score,
                r.uncertainty,
                r.stage.map(Stage::as_str).unwrap_or(""),
                reason
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `credence merchant`.
pub fn run_merchant(g: &Global, args: &MerchantArgs) -> Result<ExitCode> {
    let mut boxed = open_store(g)?;
    let src = source(&mut *boxed, &args.merchant, &args.eval)?;
    let at = src.at();
    let (report, initial) = match &src {
        Source::Live(l) => (l.merchant(at)?, l.initial_trust(at)?),
        Source::Replay(r) => (
            r.engine
                .merchant(&args.merchant, at)
                .context("unknown merchant")?,
            r.engine.initial_trust(&args.merchant, at),
        ),
    };
    let report = report.rounded();
    let mut out = std::io::stdout().lock();
    if g.json {
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    } else {
        print_merchant(&mut out, &report, initial)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn bar(score: f64) -> String {
    let filled = (score / 5.0).round().clamp(0.0, 20.0) as usize;
    format!("{}{}", "█".repeat(filled), "·".repeat(20 - filled))
}

fn print_scores(out: &mut impl Write, r: &TrustReport) -> Result<()> {
    writeln!(
        out,
        "  trust      {:>6.1}  {}   uncertainty {:.2}",
        r.score,
        bar(r.score),
        r.uncertainty
    )?;
    writeln!(
        out,
        "  cognitive  {:>6.1}  {}   (integrity + ability)",
        r.cognitive,
        bar(r.cognitive)
    )?;
    writeln!(
        out,
        "  affective  {:>6.1}  {}   (benevolence + affect)",
        r.affective,
        bar(r.affective)
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "  {:<12} {:>6} {:>7} {:>9} {:>11} {:>9}",
        "dimension", "score", "belief", "disbelief", "uncertainty", "base rate"
    )?;
    for (name, d) in [
        ("ability", &r.dimensions.ability),
        ("integrity", &r.dimensions.integrity),
        ("benevolence", &r.dimensions.benevolence),
        ("affect", &r.dimensions.affect),
    ] {
        writeln!(
            out,
            "  {:<12} {:>6.1} {:>7.2} {:>9.2} {:>11.2} {:>9.2}",
            name, d.score, d.belief, d.disbelief, d.uncertainty, d.base_rate
        )?;
    }
    if !r.reasons.is_empty() {
        writeln!(out)?;
        writeln!(out, "  why (impact on trust, points):")?;
        for x in &r.reasons {
            writeln!(
                out,
                "  {:>+6.2}  {}  [{} · {}]",
                x.impact,
                x.text_en,
                x.event,
                x.reason.as_str()
            )?;
            writeln!(out, "          {}", x.text_zh)?;
        }
    }
    Ok(())
}

fn print_relationship(out: &mut impl Write, r: &TrustReport) -> Result<()> {
    writeln!(
        out,
        "{} · {} at {}: {}",
        r.merchant,
        r.customer.as_deref().unwrap_or(""),
        r.at,
        r.stage.map(Stage::as_str).unwrap_or("")
    )?;
    print_scores(out, r)?;
    if !r.stage_history.is_empty() {
        writeln!(out)?;
        writeln!(out, "  stage history:")?;
        for s in &r.stage_history {
            writeln!(out, "    {}  {}", s.since, s.stage.as_str())?;
        }
    }
    Ok(())
}

fn print_merchant(out: &mut impl Write, m: &MerchantReport, initial: f64) -> Result<()> {
    let r = &m.report;
    writeln!(out, "{} reputation at {}", r.merchant, r.at)?;
    print_scores(out, r)?;
    writeln!(out)?;
    writeln!(out, "  a new customer starts at {initial:.1}")?;
    let s = &m.stages;
    let total = (s.initial + s.developing + s.committed + s.at_risk + s.ended).max(1);
    writeln!(out, "  customers by stage:")?;
    for (name, n) in [
        ("initial", s.initial),
        ("developing", s.developing),
        ("committed", s.committed),
        ("at_risk", s.at_risk),
        ("ended", s.ended),
    ] {
        let width = (n * 30).div_ceil(total);
        writeln!(out, "    {name:<11} {n:>7}  {}", "█".repeat(width))?;
    }
    Ok(())
}
