//! `credence status`: what the store holds.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::{Global, open_store};

pub fn run(g: &Global) -> Result<ExitCode> {
    let boxed = open_store(g)?;
    let store = &*boxed;
    let stats = store.stats()?;
    let dangling = store.dangling_references()?;
    let live = credence_app::live::Live::status(store)?;
    let mut out = std::io::stdout().lock();
    if g.json {
        let doc = serde_json::json!({
            "db": g.db(),
            "events": stats.events,
            "merchants": stats.merchants,
            "relationships": stats.relationships,
            "dangling_references": dangling,
            "live": live,
            "text_pending": live.text_pending,
        });
        writeln!(out, "{doc}")?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "store          {}", g.db())?;
    writeln!(out, "events         {}", stats.events)?;
    writeln!(out, "merchants      {}", stats.merchants)?;
    writeln!(out, "relationships  {}", stats.relationships)?;
    writeln!(
        out,
        "live state     {}",
        if !live.built {
            "not built yet (built by the next ingest or question about a merchant)".to_string()
        } else if live.text_pending == 0 && live.stale.is_empty() {
            "up to date".to_string()
        } else {
            format!(
                "{} events waiting to be applied, {} merchants waiting for a rebuild",
                live.text_pending,
                live.stale.len()
            )
        }
    )?;
    writeln!(out, "dangling refs  {}", dangling.len())?;
    for d in dangling.iter().take(20) {
        writeln!(
            out,
            "  {} ({}) refers to {} `{}`, not seen yet",
            d.event, d.merchant, d.kind, d.target
        )?;
    }
    if dangling.len() > 20 {
        writeln!(out, "  … {} more (--json lists all)", dangling.len() - 20)?;
    }
    Ok(ExitCode::SUCCESS)
}
