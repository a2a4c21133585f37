//! `credence`: the customer trust engine's command-line tool.
//!
//! Parses arguments, opens the store, calls the libraries, prints. Exit codes: 0 success;
//! 1 the command ran but found a problem the user asked it to fail on (`--strict`);
//! 2 bad usage or unreadable input.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

mod commands;
use credence_app::DbLocation;
use credence_store::Store;

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

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The store: a SQLite file (created if missing) or a PostgreSQL URL
    /// (postgres://user@host:port/database; migrated on open) [default: ./credence.db].
    #[arg(long, global = true, env = "CREDENCE_DB", value_name = "PATH|URL")]
    db: Option<DbLocation>,
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
    Ingest(commands::ingest::IngestArgs),
    /// What the store holds: events, merchants, relationships, dangling references.
    Status,
    /// Generate a realistic, seeded data set, ingest it, and show what credence sees.
    ///
    /// Merchants: a tea shop whose deliveries start slipping on 2026-02-15 (a trust
    /// crisis), an electronics store, a bank with a strong reputation, and a small shop
    /// with few trust signals. Scenarios and the customer ids to look at are in
    /// docs/demo.md. Writes DIR/events.jsonl and, unless --db is given, a fresh store
    /// DIR/credence.db.
    Demo(commands::demo::DemoArgs),
    /// How much customers trust a merchant: one relationship in full, or all of them.
    ///
    /// With --customer: the score (0–100), uncertainty (0–1), cognitive and affective
    /// trust, the four dimensions (ability, integrity, benevolence, affect) with belief,
    /// disbelief, uncertainty and base rate, the lifecycle stage and its history, and the
    /// evidence that moved the score most, in English and Chinese. Without: one line per
    /// customer (JSON Lines with --json), lowest trust first.
    ///
    /// Examples:
    ///   credence trust -m m-tea -c c-tea-crisis-001
    ///   credence trust -m m-tea --stage at-risk --limit 10
    ///   credence trust -m m-bank --at 2026-01-01 --json
    #[command(verbatim_doc_comment)]
    Trust(commands::trust::TrustArgs),
    /// A merchant's reputation: all its evidence, the trust a new customer starts with,
    /// and how many customers are in each stage.
    Merchant(commands::trust::MerchantArgs),
    /// The trust indicator system per merchant and period, and service recovery.
    ///
    /// NPS, CSAT, CES, on-time delivery, promises kept, first-response SLA, complaint
    /// and refund rates, repurchase and retention, ratings (with a Bayesian rating),
    /// replies to bad reviews, trust mean and 10th percentile, customers per stage; and
    /// how failures were recovered (definitions: docs/indicators.md). With --merchant and
    /// --json (no --by): one JSON object; otherwise JSON Lines, one object per merchant
    /// and period. --csv writes the same rows; --html FILE a self-contained page with
    /// charts.
    Report(commands::report::ReportArgs),
    /// Rebuild the live state from the event log, or check it (--verify).
    ///
    /// Ingest keeps the live state (docs/live-state.md) up to date, so `trust` and
    /// `merchant` read it instead of replaying history. Rebuild it after changing the
    /// rules (--config FILE: the state then follows those rules, and questions asked with
    /// other rules replay the events). Also replays every event through the engine and
    /// evaluates every relationship, reporting per merchant and how long it took.
    /// --verify changes nothing: it recomputes every relationship and merchant from the
    /// events and lists each difference from the live state (exit 1 if any).
    Rebuild(commands::rebuild::RebuildArgs),
    /// The transparency log: signed checkpoints, receipts, consistency proofs, audits.
    ///
    /// Every accepted commitment, commitment_result and review is appended at ingest.
    /// Receipts and proofs verify offline with the verifier key alone (docs/ledger.md).
    Ledger(commands::ledger::LedgerArgs),
    /// Erase a customer: destroy their ledger secret and personal data, keep the log valid.
    Erase(commands::erase::EraseArgs),
    /// Sentiment and aspects of texts, one per line (Chinese, English or mixed).
    ///
    /// Prints one line per input line, in order. With --json:
    /// {"text","lang":"zh"|"en"|"mixed","sentiment":{"label":"positive"|"negative",
    /// "score":P(positive)},"aspects":[{"aspect","polarity","span":[start,end]}]}, spans in
    /// Unicode characters. Aspects: reliability, responsiveness, assurance, empathy,
    /// tangibles, product_quality, price_value, delivery, privacy (docs/text.md).
    ///
    /// Example: echo "茶叶不错，但是晚到了一天" | credence text --json
    #[command(verbatim_doc_comment)]
    Text(commands::text::TextArgs),
    /// Evaluate the statistics: BG/NBD on a customer summary, crisis detection on
    /// simulated streams (docs/watch.md).
    Eval(commands::eval::EvalArgs),
    /// Trust crises and customers at risk, with reasons and a playbook (English and
    /// Chinese); `alerts ack ID` / `alerts resolve ID` record what you did about one.
    ///
    /// Crises: daily streams of negative signals per merchant (overdue and late
    /// deliveries, 1–2 star reviews, ticket SLA breaches, overdue refunds, complaints)
    /// watched by a calibrated CUSUM detector (docs/watch.md). Customer risk: trust
    /// decline, recent negative evidence, open tickets, falling engagement and BG/NBD
    /// P(alive), evaluated weekly. Alerts are computed from the data, so an import of
    /// history shows the alerts it would have raised then; only statuses are stored.
    ///
    /// Examples:
    ///   credence alerts --merchant m-tea
    ///   credence alerts --status open --json
    ///   credence alerts ack 3f9c0e12ab45cd67
    #[command(verbatim_doc_comment)]
    Alerts(commands::alerts::AlertsArgs),
    /// Serve the HTTP API (JSON, the same shapes as --json) until SIGINT or SIGTERM.
    ///
    /// Prints `listening on http://ADDR` once bound. Requests need an API key
    /// (`credence keys create`) as `Authorization: Bearer crd_…`, except /healthz,
    /// /metrics, /openapi.json and the public ledger (/v1/ledger/…). The dashboard is
    /// at / (sign in with a read key). Endpoints, scopes and shapes: docs/server.md.
    ///
    /// Examples:
    ///   credence keys create --scope read          # a key for people (dashboard, GETs)
    ///   credence keys create --scope ingest        # a key for your shop system
    ///   credence serve --listen 127.0.0.1:8080
    ///   credence --db postgres://credence@db.internal/credence serve --listen 0.0.0.0:8080
    #[command(verbatim_doc_comment)]
    Serve(commands::serve::ServeArgs),
    /// API keys for `credence serve`: create (printed once), list, revoke.
    ///
    /// Examples:
    ///   credence keys create --scope read --scope ingest --merchant m-tea
    ///   credence keys list
    ///   credence keys revoke key_3f9c0e12ab45
    #[command(verbatim_doc_comment)]
    Keys(commands::keys::KeysArgs),
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
    use std::io::ErrorKind::BrokenPipe;
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == BrokenPipe)
            || e.downcast_ref::<serde_json::Error>()
                .and_then(|e| e.io_error_kind())
                == Some(BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    match &cli.command {
        Command::Ingest(args) => commands::ingest::run(g, args),
        Command::Status => commands::status::run(g),
        Command::Demo(args) => commands::demo::run(g, args),
        Command::Trust(args) => commands::trust::run_trust(g, args),
        Command::Merchant(args) => commands::trust::run_merchant(g, args),
        Command::Report(args) => commands::report::run(g, args),
        Command::Rebuild(args) => commands::rebuild::run(g, args),
        Command::Ledger(args) => commands::ledger::run(g, args),
        Command::Erase(args) => commands::erase::run(g, args),
        Command::Text(args) => commands::text::run(g, args),
        Command::Eval(args) => commands::eval::run(g, args),
        Command::Alerts(args) => commands::alerts::run(g, args),
        Command::Serve(args) => commands::serve::run(g, args),
        Command::Keys(args) => commands::keys::run(g, args),
    }
}

impl Global {
    fn db(&self) -> DbLocation {
        self.db
            .clone()
            .unwrap_or_else(|| DbLocation::Sqlite(PathBuf::from("credence.db")))
    }
}

pub(crate) fn open_store(g: &Global) -> Result<Box<dyn Store>> {
    open_store_at(&g.db())
}

pub(crate) fn open_store_at(db: &DbLocation) -> Result<Box<dyn Store>> {
    Ok(credence_app::open_store(db)?)
}
