//! `credence erase`: the right to erasure, without breaking the transparency log.
//!
//! The customer's ledger secret is destroyed (so no leaf can be linked to them again),
//! their events keep their ratings, times and outcomes but get a random pseudonym instead
//! of the customer id and lose every free-text field, and each of their logged events gets
//! a tombstone so that `credence ledger audit` still accounts for its leaf. See
//! docs/ledger.md.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;

use crate::{Global, open_store};

#[derive(Debug, Args)]
pub struct EraseArgs {
    /// The customer id to erase.
    #[arg(long, short, value_name = "ID")]
    customer: String,
    /// Only this merchant's relationship with the customer [default: every merchant].
    #[arg(long, short, value_name = "ID")]
    merchant: Option<String>,
}

pub fn run(g: &Global, args: &EraseArgs) -> Result<ExitCode> {
    let mut boxed = open_store(g)?;
    let store = &mut *boxed;
    let erasure = store.erase_customer(&args.customer, args.merchant.as_deref())?;
    let merchants: Vec<String> = erasure.merchants.iter().map(|(m, _)| m.clone()).collect();
    credence_app::live::Live::standard()?.after_erasure(store, &merchants)?;
    if erasure.merchants.is_empty() {
        bail!(
            "no customer `{}`{} in the store",
            args.customer,
            args.merchant
                .as_deref()
                .map(|m| format!(" of merchant `{m}`"))
                .unwrap_or_default()
        );
    }
    let mut out = std::io::stdout().lock();
    if g.json {
        serde_json::to_writer(&mut out, &erasure)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "erased customer `{}`", erasure.customer)?;
    for (m, pseudonym) in &erasure.merchants {
        writeln!(out, "  merchant {m}: events now carry `{pseudonym}`")?;
    }
    writeln!(out, "  events rewritten     {:>8}", erasure.events)?;
    writeln!(out, "  tombstones recorded  {:>8}", erasure.tombstones)?;
    writeln!(out, "  secrets destroyed    {:>8}", erasure.secrets)?;
    Ok(ExitCode::SUCCESS)
}
