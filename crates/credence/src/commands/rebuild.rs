//! `credence rebuild`: rebuild the live state from the event log (after a rules change,
//! or to start afresh), replaying every stored event through the engine and evaluating
//! every relationship, with timings; `--verify` instead recomputes everything from the
//! events and reports every difference from the live state.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use credence_app::live::Live;
use credence_app::text_evidence::TextStats;
use credence_app::{Evaluator, Scan, Sink, load_rules};
use credence_engine::StageCounts;
use credence_store::Filter;
use serde::Serialize;

use crate::commands::trust::EvalArgs;
use crate::{Global, open_store};

/// `credence rebuild`.
#[derive(Debug, Args)]
pub struct RebuildArgs {
    #[command(flatten)]
    eval: EvalArgs,
    /// Change nothing: recompute every relationship and merchant from the events and
    /// compare with the live state (scores to 1e-9 relative and 0.01 as reported;
    /// stages, histories and stage counts exactly). Exit 1 on any difference.
    #[arg(long, conflicts_with_all = ["at", "config", "no_text"])]
    verify: bool,
}

/// One merchant after a rebuild.
#[derive(Debug, Serialize)]
struct MerchantLine {
    merchant: String,
    at: jiff::Timestamp,
    score: f64,
    relationships: usize,
    stages: StageCounts,
}

/// What a rebuild did (`--json`).
#[derive(Debug, Serialize)]
struct RebuildSummary {
    events: u64,
    relationships: u64,
    /// Reading and replaying the store (the text step not included).
    seconds_replay: f64,
    /// The text step: events with customer text, found in the cache, analysed now,
    /// seconds (all zero with --no-text).
    text: TextStats,
    /// Evaluating every relationship at its merchant's evaluation time.
    seconds_evaluate: f64,
    /// Engine state per relationship, bytes (ids and stage history not counted).
    state_bytes_per_relationship: f64,
    merchants: Vec<MerchantLine>,
    /// Rebuilding the live state (the rows every question about now reads).
    seconds_live: f64,
}

/// Runs `credence rebuild`.
pub fn run(g: &Global, args: &RebuildArgs) -> Result<ExitCode> {
    let mut boxed = open_store(g)?;
    if args.verify {
        return verify(g, &mut *boxed);
    }
    let started = Instant::now();
    let rules = load_rules(args.eval.config.as_deref())?;
    if args.eval.at.is_none() {
        // The live state always carries text evidence; --at only replays.
        Live::new(Evaluator::new(rules.clone(), true)?).rebuild(&mut *boxed, None)?;
    }
    let seconds_live = started.elapsed().as_secs_f64();
    let store = &*boxed;
    let total = store.stats()?.events;
    let bar = if !g.quiet && std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} replaying [{bar:30}] {human_pos}/{human_len} events {per_sec}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };

    let started = Instant::now();
    let evaluator = Evaluator::new(rules, !args.eval.no_text)?
        .with_progress(!g.quiet && std::io::stderr().is_terminal());
    let mut engine = evaluator.engine()?;
    let filter = Filter {
        up_to: args.eval.at,
        ..Filter::default()
    };
    /// Every event into one engine, counting them on the replay bar.
    struct Replay<'a> {
        engine: &'a mut credence_engine::Engine,
        n: u64,
        bar: &'a indicatif::ProgressBar,
    }
    impl Sink for Replay<'_> {
        fn select(&mut self, _: &credence_events::Event) -> bool {
            self.n += 1;
            if self.n.is_multiple_of(16_384) {
                self.bar.set_position(self.n);
            }
            true
        }
        fn scanned(&mut self) {
            // The text step has its own bar.
            self.bar.finish_and_clear();
        }
        fn add(&mut self, ev: credence_events::Event, signal: Option<credence_engine::TextSignal>) {
            self.engine.add_with_text(&ev, signal.as_ref());
        }
    }
    let mut replay = Replay {
        engine: &mut engine,
        n: 0,
        bar: &bar,
    };
    let text = evaluator
        .replay(store, Scan::Filter(&filter), &mut replay)?
        .text;
    let n = replay.n;
    let seconds_replay = started.elapsed().as_secs_f64() - text.seconds;

    let started = Instant::now();
    let mut merchants = Vec::new();
    for merchant in engine.merchants() {
        let at = match args.eval.at {
            Some(t) => t,
            None => engine
                .latest_event_time(merchant)
                .context("merchant without events")?,
        };
        let customers = engine.customers(merchant, at);
        let report = engine.merchant(merchant, at).context("merchant")?;
        merchants.push(MerchantLine {
            merchant: merchant.to_string(),
            at,
            score: (report.report.score * 100.0).round() / 100.0,
            relationships: customers.len(),
            stages: report.stages,
        });
    }
    let seconds_evaluate = started.elapsed().as_secs_f64();
    let memory = engine.memory();
    let summary = RebuildSummary {
        events: n,
        relationships: memory.relationships,
        seconds_replay,
        text,
        seconds_evaluate,
        state_bytes_per_relationship: (memory.state_bytes_per_relationship() * 10.0).round() / 10.0,
        merchants,
        seconds_live,
    };

    let mut out = std::io::stdout().lock();
    if g.json {
        serde_json::to_writer(&mut out, &summary)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "replayed {} events in {:.2} s ({:.0} events/s); evaluated {} relationships in {:.2} s",
        summary.events,
        summary.seconds_replay,
        summary.events as f64 / summary.seconds_replay.max(1e-9),
        summary.relationships,
        summary.seconds_evaluate
    )?;
    if summary.text.texts > 0 {
        writeln!(
            out,
            "text evidence: {} texts, {} from the cache, {} analysed, in {:.2} s",
            summary.text.texts, summary.text.cached, summary.text.analysed, summary.text.seconds
        )?;
    }
    writeln!(
        out,
        "engine state: {:.0} bytes per relationship (ids and stage history not counted)",
        summary.state_bytes_per_relationship
    )?;
    if args.eval.at.is_none() {
        writeln!(out, "live state rebuilt in {:.2} s", summary.seconds_live)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<16} {:>6} {:>8} {:>8} {:>10} {:>9} {:>8} {:>6}",
        "merchant", "trust", "rels", "initial", "developing", "committed", "at_risk", "ended"
    )?;
    for m in &summary.merchants {
        let s = &m.stages;
        writeln!(
            out,
            "{:<16} {:>6.1} {:>8} {:>8} {:>10} {:>9} {:>8} {:>6}",
            m.merchant,
            m.score,
            m.relationships,
            s.initial,
            s.developing,
            s.committed,
            s.at_risk,
            s.ended
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `rebuild --verify`: the live state against a replay of the events.
fn verify(g: &Global, store: &mut dyn credence_store::Store) -> Result<ExitCode> {
    let v = Live::standard()?.verify(store)?;
    let mut out = std::io::stdout().lock();
    if g.json {
        serde_json::to_writer(&mut out, &v)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "checked {} relationships of {} merchants against a replay of the events: {} differences (largest score difference {:.2e})",
            v.relationships_checked,
            v.merchants_checked,
            v.differences.len(),
            v.max_score_diff
        )?;
        for d in v.differences.iter().take(50) {
            writeln!(
                out,
                "  {} {} {}: live {} replay {}",
                d.merchant,
                d.customer.as_deref().unwrap_or("(merchant)"),
                d.field,
                d.live,
                d.replay
            )?;
        }
        if v.differences.len() > 50 {
            writeln!(
                out,
                "  … {} more (--json lists all)",
                v.differences.len() - 50
            )?;
        }
    }
    Ok(if v.differences.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
