//! `credence keys`: create, list and revoke the API keys of `credence serve`.
//!
//! The store keeps only the SHA-256 of a key, so a key is printed once, at creation.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use credence_store::ApiKeyRecord;
use serde::Serialize;

use crate::{Global, open_store};
use credence_app::keys::{Scope, hash_key, new_key};

/// `credence keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key and print it (once: only its hash is stored).
    Create {
        /// What the key may do (repeatable): read, ingest, admin (= everything).
        #[arg(long = "scope", value_enum, required = true)]
        scopes: Vec<ScopeArg>,
        /// Restrict the key to one merchant's data.
        #[arg(long, short)]
        merchant: Option<String>,
    },
    /// List the keys (never the keys themselves): id, scopes, merchant, created, revoked.
    List,
    /// Revoke a key by id; a running server refuses it within 5 seconds.
    Revoke {
        /// The key's id (`key_…`).
        id: String,
    },
}

/// A scope on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ScopeArg {
    /// GET the API, the dashboard, and acknowledging or resolving alerts.
    Read,
    /// POST events.
    Ingest,
    /// Everything.
    Admin,
}

impl From<ScopeArg> for Scope {
    fn from(s: ScopeArg) -> Scope {
        match s {
            ScopeArg::Read => Scope::Read,
            ScopeArg::Ingest => Scope::Ingest,
            ScopeArg::Admin => Scope::Admin,
        }
    }
}

/// What `keys create --json` prints.
#[derive(Debug, Serialize)]
struct Created<'a> {
    id: &'a str,
    key: &'a str,
    scopes: &'a [String],
    merchant: Option<&'a str>,
}

/// Runs `credence keys`.
pub fn run(g: &Global, args: &KeysArgs) -> Result<ExitCode> {
    let mut store = open_store(g)?;
    let mut out = std::io::stdout().lock();
    match &args.command {
        KeysCommand::Create { scopes, merchant } => {
            let mut names: Vec<String> = scopes
                .iter()
                .map(|s| Scope::from(*s).as_str().to_string())
                .collect();
            names.sort_unstable();
            names.dedup();
            let (id, key) = new_key();
            store.add_api_key(&ApiKeyRecord {
                id: id.clone(),
                hash: hash_key(&key),
                scopes: names.clone(),
                merchant: merchant.clone(),
                created_at: jiff::Timestamp::now(),
                revoked_at: None,
            })?;
            if g.json {
                serde_json::to_writer(
                    &mut out,
                    &Created {
                        id: &id,
                        key: &key,
                        scopes: &names,
                        merchant: merchant.as_deref(),
                    },
                )?;
                writeln!(out)?;
            } else {
                writeln!(out, "{key}")?;
                writeln!(
                    out,
                    "id {id}, scopes {}, merchant {}",
                    names.join(", "),
                    merchant.as_deref().unwrap_or("(all)")
                )?;
                if !g.quiet {
                    eprintln!(
                        "This key is shown only once: store it now. Only its hash is kept; if it is lost, revoke it and create another."
                    );
                }
            }
        }
        KeysCommand::List => {
            let keys = store.api_keys()?;
            if g.json {
                for k in &keys {
                    serde_json::to_writer(&mut out, k)?;
                    writeln!(out)?;
                }
            } else {
                writeln!(
                    out,
                    "{:<16} {:<20} {:<16} {:<20} revoked",
                    "id", "scopes", "merchant", "created"
                )?;
                for k in &keys {
                    writeln!(
                        out,
                        "{:<16} {:<20} {:<16} {:<20} {}",
                        k.id,
                        k.scopes.join(","),
                        k.merchant.as_deref().unwrap_or("(all)"),
                        k.created_at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                        k.revoked_at
                            .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
                            .unwrap_or_default()
                    )?;
                }
            }
        }
        KeysCommand::Revoke { id } => {
            if !store.revoke_api_key(id, jiff::Timestamp::now())? {
                bail!("no key with id `{id}` (see `credence keys list`)");
            }
            if g.json {
                writeln!(out, "{}", serde_json::json!({ "id": id, "revoked": true }))?;
            } else {
                writeln!(out, "revoked {id}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
