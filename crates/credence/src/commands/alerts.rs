//! `credence alerts`: merchant crises and customers at risk, with reasons and playbooks;
//! `credence alerts ack|resolve ID` records what a person decided.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use credence_app::alerts::{compute, compute_unstated, set_status, status_name};
use credence_watch::Status;

use crate::commands::trust::EvalArgs;
use crate::{Global, open_store};

/// `credence alerts`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AlertsArgs {
    #[command(subcommand)]
    action: Option<Action>,
    /// Only this merchant's alerts [default: every merchant].
    #[arg(long, short)]
    merchant: Option<String>,
    /// Only alerts with this status.
    #[arg(long, value_enum)]
    status: Option<StatusArg>,
    /// Weeks back over which customer risk is evaluated (weekly points).
    #[arg(long, default_value_t = 13)]
    weeks: u32,
    #[command(flatten)]
    eval: EvalArgs,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Mark an alert as being dealt with.
    Ack {
        /// The alert id (from `credence alerts`).
        id: String,
    },
    /// Mark an alert as dealt with.
    Resolve {
        /// The alert id.
        id: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
enum StatusArg {
    Open,
    Acked,
    Resolved,
}

/// Runs `credence alerts`.
pub fn run(g: &Global, args: &AlertsArgs) -> Result<ExitCode> {
    let mut boxed = open_store(g)?;
    let store = &mut *boxed;
    let evaluator = args.eval.evaluator()?;
    let (merchant, at) = (args.merchant.as_deref(), args.eval.at);
    if let Some(action) = &args.action {
        let (id, status) = match action {
            Action::Ack { id } => (id, Status::Acked),
            Action::Resolve { id } => (id, Status::Resolved),
        };
        let known = compute_unstated(&*store, &evaluator, merchant, args.weeks, at)?;
        if !known.iter().any(|a| &a.id == id) {
            bail!("no alert `{id}` (run `credence alerts` to list them)");
        }
        set_status(store, id, status, jiff::Timestamp::now())?;
        let status = status_name(status);
        if g.json {
            println!("{}", serde_json::json!({"id": id, "status": status}));
        } else {
            println!("alert {id}: {status}");
        }
        return Ok(ExitCode::SUCCESS);
    }

    let mut alerts = compute(&*store, &evaluator, merchant, args.weeks, at)?;
    if let Some(s) = args.status {
        let want = match s {
            StatusArg::Open => Status::Open,
            StatusArg::Acked => Status::Acked,
            StatusArg::Resolved => Status::Resolved,
        };
        alerts.retain(|a| a.status == want);
    }
    let mut out = std::io::stdout().lock();
    if g.json {
        for a in &alerts {
            serde_json::to_writer(&mut out, a)?;
            writeln!(out)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let crises = alerts.iter().filter(|a| a.stream.is_some()).count();
    writeln!(
        out,
        "{} alerts: {} merchant crises, {} customers at risk",
        alerts.len(),
        crises,
        alerts.len() - crises
    )?;
    for a in &alerts {
        let who = a.customer.as_deref().or(a.stream.as_deref()).unwrap_or("");
        writeln!(out)?;
        writeln!(
            out,
            "{}  {:<8} {:<6} {:<10} {:<28} opened {}  magnitude {:.2}  [{}]",
            a.id,
            format!("{:?}", a.severity).to_lowercase(),
            if a.stream.is_some() { "crisis" } else { "risk" },
            a.merchant,
            who,
            a.opened_at,
            a.magnitude,
            format!("{:?}", a.status).to_lowercase()
        )?;
        for r in a.reasons.iter().take(3) {
            writeln!(out, "    - {}", r.text_en)?;
            writeln!(out, "      {}", r.text_zh)?;
        }
        if let Some(step) = a.playbook.first() {
            writeln!(
                out,
                "    next: {} (within {} days) / {}",
                step.step_en, step.due_days, step.step_zh
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
