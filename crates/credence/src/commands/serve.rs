//! `credence serve`: run the HTTP API over the store until SIGINT or SIGTERM.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use credence_app::{Evaluator, load_rules};
use credence_server::{AppState, READERS, ServeConfig, Stores};

use crate::{Global, open_store_at};

/// `credence serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the chosen address is printed:
    /// `listening on http://ADDR`).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: String,
    /// Largest request body accepted, in bytes; a larger POST is answered 413.
    #[arg(long, default_value_t = 16 << 20, value_name = "BYTES")]
    max_body: usize,
    /// The ledger's signing key [default: <db>.ledger.key beside a SQLite
    /// store; credence-<database>.ledger.key in the working directory for PostgreSQL].
    #[arg(long, value_name = "PATH")]
    key_file: Option<PathBuf>,
    /// Evidence rules from a TOML file, as `credence trust --config`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Leave text evidence out, as `credence trust --no-text`.
    #[arg(long)]
    no_text: bool,
}

/// Runs `credence serve`.
pub fn run(g: &Global, args: &ServeArgs) -> Result<ExitCode> {
    let config = ServeConfig {
        db: g.db(),
        key_file: args.key_file.clone(),
        max_body: args.max_body,
    };
    let evaluation = Evaluation {
        rules: args.config.clone(),
        no_text: args.no_text,
    };
    serve_until_signal(config, &evaluation, &args.listen, g.quiet, |addr| {
        println!("listening on http://{addr}");
    })?;
    Ok(ExitCode::SUCCESS)
}

/// How the server evaluates trust: `--config` and `--no-text`, as `credence trust`.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Evidence rules from a TOML file (`None`: the defaults).
    pub rules: Option<PathBuf>,
    /// Leave text evidence out.
    pub no_text: bool,
}

/// Opens the store of `config` (one writer, [`READERS`] readers, one quick connection),
/// loads the live engines, listens on `listen`, calls `announce` with the bound address,
/// and serves until SIGINT or SIGTERM (also for `credence demo --serve`).
pub fn serve_until_signal(
    config: ServeConfig,
    evaluation: &Evaluation,
    listen: &str,
    quiet: bool,
    announce: impl FnOnce(std::net::SocketAddr),
) -> Result<()> {
    init_tracing();
    // Install the metrics recorder before anything records.
    credence_server::metrics_handle();
    if !quiet {
        eprintln!("loading {} …", config.db);
    }
    let rules = load_rules(evaluation.rules.as_deref())?;
    let evaluator = Evaluator::new(rules, !evaluation.no_text)
        .context("invalid rules")?
        .with_progress(std::io::stderr().is_terminal());
    let stores = Stores {
        writer: open_store_at(&config.db)?,
        readers: (0..READERS)
            .map(|_| open_store_at(&config.db))
            .collect::<Result<Vec<_>>>()?,
        quick: open_store_at(&config.db)?,
    };
    let state = AppState::new(config, stores, evaluator)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        announce(addr);
        tracing::info!(%addr, "listening");
        credence_server::serve(listener, state, shutdown_signal()).await
    })
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received"),
        _ = term => tracing::info!("SIGTERM received"),
    }
}
