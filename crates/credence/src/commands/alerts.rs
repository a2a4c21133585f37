//! `credence alerts`: merchant crises and customers at risk, with reasons and playbooks;
//! `credence alerts ack|resolve ID` records what a person decided.

use std::io::Write;
use std::process::ExitCode;
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use credence::alerting::{RiskWindow, TextAspects, calibration, crisis_alerts, risk_alerts};
use credence_events::{Event, EventBody};
use credence_watch::detect::CalibrationError;
use credence_watch::{Alert, Calibration, Status};

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

/// The open alerts of one merchant (or all), as `credence alerts --status open` lists
/// them over the last four weeks: for the HTML report.
pub fn open_alerts(
    store: &dyn credence_store::Store,
    merchant: Option<&str>,
) -> Result<Vec<Alert>> {
    let mut all = compute(store, merchant, 4, &EvalArgs::default())?;
    all.retain(|a| a.status == Status::Open);
    Ok(all)
}

/// Computes every alert of the chosen merchants with the stored statuses applied,
/// newest first: the list `credence alerts --json` prints (one alert a line).
pub fn compute(
    store: &dyn credence_store::Store,
    merchant: Option<&str>,
    weeks: u32,
    eval: &EvalArgs,
) -> Result<Vec<Alert>> {
    let mut all = compute_unstated(store, merchant, weeks, eval)?;
    apply_statuses(&mut all, &store.alert_statuses()?);
    Ok(all)
}

/// Computes every alert of the chosen merchants, all `open`, newest first. A function of
/// the events alone (and `weeks`, `eval`): a caller may keep the result until the
/// merchant's events change and apply the statuses, which people change, each time.
pub fn compute_unstated(
    store: &dyn credence_store::Store,
    merchant: Option<&str>,
    weeks: u32,
    eval: &EvalArgs,
) -> Result<Vec<Alert>> {
    let merchants = match merchant {
        Some(m) => vec![m.to_string()],
        None => store.merchants()?,
    };
    let cal = calibrated()?;
    let evaluator = eval.evaluator()?;
    let mut all = Vec::new();
    for merchant in merchants {
        // One load: the engine, every event up to the evaluation time, and the texts.
        let loaded = evaluator.load_with_events(store, &merchant, eval.at)?;
        let at = loaded.at;
        let refs: Vec<&Event> = loaded.events.iter().collect();
        // What the texts of reviews and complaints said, per aspect.
        let aspects: Vec<TextAspects<'_>> = loaded
            .texts
            .iter()
            .filter(|(e, _)| {
                matches!(
                    e.body,
                    EventBody::Review { .. } | EventBody::Complaint { .. }
                )
            })
            .filter_map(|(e, signal)| {
                let list = signal
                    .as_ref()?
                    .aspects
                    .iter()
                    .map(|a| (a.aspect.clone(), a.positive))
                    .collect();
                Some((e, list))
            })
            .collect();
        let engine = &loaded.engine;
        all.extend(crisis_alerts(&merchant, &refs, &aspects, at, cal));
        let window = RiskWindow {
            points: weeks.max(1),
            step_days: 7,
        };
        all.extend(risk_alerts(&merchant, &refs, engine, at, window));
    }
    all.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then_with(|| a.id.cmp(&b.id)));
    Ok(all)
}

/// The crisis detector's calibration, computed once per process (seconds: the server
/// computes alerts merchant by merchant).
fn calibrated() -> Result<&'static Calibration> {
    static CALIBRATION: OnceLock<Result<Calibration, CalibrationError>> = OnceLock::new();
    CALIBRATION
        .get_or_init(calibration)
        .as_ref()
        .map_err(|e| anyhow!("cannot calibrate the crisis detector: {e}"))
}

/// Sets each alert's status from the stored ones (id → `acked` | `resolved`; any other
/// alert is `open`).
pub fn apply_statuses(alerts: &mut [Alert], statuses: &std::collections::HashMap<String, String>) {
    for a in alerts {
        a.status = parse_status(statuses.get(&a.id).map(String::as_str));
    }
}

fn parse_status(stored: Option<&str>) -> Status {
    match stored {
        Some("acked") => Status::Acked,
        Some("resolved") => Status::Resolved,
        _ => Status::Open,
    }
}

/// The wire name of a status (`open`, `acked`, `resolved`), as stored and printed.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Open => "open",
        Status::Acked => "acked",
        Status::Resolved => "resolved",
    }
}

/// Records what a person decided about alert `id` at `at` (`credence alerts ack|resolve`).
/// The caller checks that the alert exists (and who may change it); this only stores.
pub fn set_status(
    store: &mut dyn credence_store::Store,
    id: &str,
    status: Status,
    at: jiff::Timestamp,
) -> Result<()> {
    store
        .set_alert_status(id, status_name(status), at)
        .with_context(|| format!("cannot record the status of alert `{id}`"))
}

/// Runs `credence alerts`.
pub fn run(g: &Global, args: &AlertsArgs) -> Result<ExitCode> {
    let mut boxed = open_store(g)?;
    let store = &mut *boxed;
    if let Some(action) = &args.action {
        let (id, status) = match action {
            Action::Ack { id } => (id, Status::Acked),
            Action::Resolve { id } => (id, Status::Resolved),
        };
        let known = compute_unstated(&*store, args.merchant.as_deref(), args.weeks, &args.eval)?;
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

    let mut alerts = compute(&*store, args.merchant.as_deref(), args.weeks, &args.eval)?;
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
