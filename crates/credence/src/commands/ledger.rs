//! `credence ledger …`: the transparency log's checkpoints, receipts, consistency proofs
//! and audit. The log itself is kept by the store and filled by ingest; the formats are
//! specified in docs/ledger-format.md and the commands described in docs/ledger.md.
//!
//! Exit codes: 0 verified / passed; 1 a verification or the audit failed; 2 bad usage or
//! unreadable input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, ensure};
use clap::{Args, Subcommand, ValueEnum};
use credence_app::ledger::{
    NotLogged, checkpoint_json, consistency_proof, receipt_of, sign_new, signer_for,
};
use credence_ledger::{
    ConsistencyProof, Hash, Leaf, LedgerError, Receipt, SignedCheckpoint, SigningKey, TlogProof,
    VerifierKey, verify_consistency_between, verify_receipt,
};
use credence_store::{Store, audit};

use crate::{Global, open_store};

#[derive(Debug, Args)]
pub struct LedgerArgs {
    /// The log's name: the origin line of its checkpoints and the name of its key. Fixed
    /// at first use [default: credence.local/<db file stem>].
    #[arg(long, global = true, value_name = "NAME")]
    origin: Option<String>,
    /// The Ed25519 signing key, created (mode 0600) on first use and never printed
    /// [default: <db>.ledger.key beside a SQLite
    /// store; credence-<database>.ledger.key in the working directory for PostgreSQL].
    #[arg(long, global = true, value_name = "PATH")]
    key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: LedgerCommand,
}

#[derive(Debug, Subcommand)]
enum LedgerCommand {
    /// Sign, store and print a checkpoint of the log (a C2SP signed note).
    Checkpoint,
    /// Print the verifier key: <name>+<hex key id>+<base64(0x01 ‖ public key)>.
    VerifierKey,
    /// Print the receipt of one event against the latest checkpoint (signing a new
    /// checkpoint first if the event is not covered yet).
    Receipt {
        /// The event id.
        #[arg(long, value_name = "ID")]
        event: String,
        /// Include the opening (customer id, salt, text hash): the customer's copy only.
        #[arg(long)]
        opening: bool,
        /// `json` (docs/ledger-format.md §7) or `tlog-proof` (C2SP, §8; no opening).
        #[arg(long, value_enum, default_value_t = ReceiptFormat::Json)]
        format: ReceiptFormat,
    },
    /// Verify a receipt offline (JSON or tlog-proof), with nothing but the file and the key.
    Verify {
        /// The receipt file.
        receipt: PathBuf,
        /// The verifier key, or a file holding it.
        #[arg(long, value_name = "VKEY")]
        key: String,
    },
    /// Print the proof that the log only grew between two checkpoint files (JSON:
    /// {"old_size","new_size","hashes"}).
    Consistency {
        /// The older signed checkpoint file.
        old: PathBuf,
        /// The newer signed checkpoint file.
        new: PathBuf,
    },
    /// Verify a consistency proof between two checkpoint files offline.
    VerifyConsistency {
        /// The older signed checkpoint file.
        old: PathBuf,
        /// The newer signed checkpoint file.
        new: PathBuf,
        /// The proof file (output of `credence ledger consistency`).
        proof: PathBuf,
        /// The verifier key, or a file holding it.
        #[arg(long, value_name = "VKEY")]
        key: String,
    },
    /// Check every logged event against its leaf (or its tombstone if erased), recompute
    /// the root and compare it with every stored checkpoint. Exit 1 on any problem.
    Audit {
        /// Verify the stored checkpoints with this verifier key (or file) instead of the
        /// key file's.
        #[arg(long, value_name = "VKEY")]
        key: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReceiptFormat {
    Json,
    TlogProof,
}

pub fn run(g: &Global, args: &LedgerArgs) -> Result<ExitCode> {
    match &args.command {
        LedgerCommand::Checkpoint => {
            let mut boxed = open_store(g)?;
            let store = &mut *boxed;
            let key = signer(g, args, &mut *store)?;
            let signed = sign_new(&mut *store, &key)?;
            let mut out = std::io::stdout().lock();
            if g.json {
                writeln!(out, "{}", checkpoint_json(&signed))?;
            } else {
                write!(out, "{}", signed.as_text())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::VerifierKey => {
            let mut boxed = open_store(g)?;
            let store = &mut *boxed;
            let key = signer(g, args, &mut *store)?;
            writeln!(std::io::stdout().lock(), "{}", key.verifier_key())?;
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::Receipt {
            event,
            opening,
            format,
        } => receipt(g, args, event, *opening, *format),
        LedgerCommand::Verify { receipt, key } => verify(g, receipt, key),
        LedgerCommand::Consistency { old, new } => {
            let mut boxed = open_store(g)?;
            let store = &mut *boxed;
            let vkey = signer(g, args, &mut *store)?.verifier_key();
            let old = read_checkpoint(old, &vkey)?;
            let new = read_checkpoint(new, &vkey)?;
            let proof = consistency_proof(&*store, old.checkpoint(), new.checkpoint())?;
            writeln!(std::io::stdout().lock(), "{}", proof.to_json())?;
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::VerifyConsistency {
            old,
            new,
            proof,
            key,
        } => {
            let vkey = verifier_key_arg(key)?;
            let old = read_text(old)?;
            let new = read_text(new)?;
            let proof_text = read_text(proof)?;
            let result = ConsistencyProof::from_json(proof_text.trim_end())
                .and_then(|p| verify_consistency_between(&old, &new, &p, &vkey).map(|()| p));
            report(
                g,
                result.map(|p| {
                    (
                        format!(
                            "verified: the log of {} only grew from size {} to size {}",
                            vkey.name(),
                            p.old_size,
                            p.new_size
                        ),
                        serde_json::json!({"ok": true, "origin": vkey.name(),
                            "old_size": p.old_size, "new_size": p.new_size}),
                    )
                }),
            )
        }
        LedgerCommand::Audit { key } => run_audit(g, args, key.as_deref()),
    }
}

/// Prints the outcome of an offline verification; exit 1 when it failed.
fn report(
    g: &Global,
    result: Result<(String, serde_json::Value), LedgerError>,
) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match result {
        Ok((text, json)) => {
            if g.json {
                writeln!(out, "{json}")?;
            } else {
                writeln!(out, "{text}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if g.json {
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({"ok": false, "error": e.to_string()})
                )?;
            } else {
                writeln!(out, "verification FAILED: {e}")?;
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn receipt(
    g: &Global,
    args: &LedgerArgs,
    event: &str,
    with_opening: bool,
    format: ReceiptFormat,
) -> Result<ExitCode> {
    ensure!(
        !(with_opening && format == ReceiptFormat::TlogProof),
        "the tlog-proof format carries no opening: use --format json with --opening"
    );
    let mut boxed = open_store(g)?;
    let store = &mut *boxed;
    if store.ledger_index(event)?.is_none() {
        return Err(NotLogged(event.to_string()).into());
    }
    let key = signer(g, args, &mut *store)?;
    let receipt = receipt_of(store, &key, event, with_opening)?;
    let mut out = std::io::stdout().lock();
    match format {
        ReceiptFormat::Json => writeln!(out, "{}", receipt.to_json())?,
        ReceiptFormat::TlogProof => write!(out, "{}", receipt.to_tlog_proof())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(g: &Global, path: &Path, key: &str) -> Result<ExitCode> {
    let vkey = verifier_key_arg(key)?;
    let text = read_text(path)?;
    let result = if text.trim_start().starts_with('{') {
        Receipt::from_json(text.trim_end()).and_then(|r| {
            verify_receipt(&r, &vkey)?;
            Ok((
                r.decoded_leaf()?,
                r.leaf_index,
                r.tree_size,
                r.opening.is_some(),
            ))
        })
    } else {
        TlogProof::parse(&text).and_then(|p| {
            let leaf = p.verify(None, &vkey)?;
            let size = SignedCheckpoint::parse_verify(&p.checkpoint, &vkey)?
                .checkpoint()
                .size();
            Ok((leaf, p.index, size, false))
        })
    };
    report(
        g,
        result.map(|(leaf, index, size, opening): (Leaf, u64, u64, bool)| {
            let mut text = format!(
                "verified: {} `{}` of {} is entry {index} of {} (tree size {size})",
                leaf.kind.name(),
                leaf.event_id,
                leaf.merchant,
                vkey.name()
            );
            if opening {
                text.push_str("; the opening matches: the entry is the holder's");
            }
            (
                text,
                serde_json::json!({"ok": true, "event": leaf.event_id, "kind": leaf.kind.name(),
                    "merchant": leaf.merchant, "leaf_index": index, "tree_size": size,
                    "origin": vkey.name(), "opening_matches": opening}),
            )
        }),
    )
}

fn run_audit(g: &Global, args: &LedgerArgs, key: Option<&str>) -> Result<ExitCode> {
    let mut boxed = open_store(g)?;
    let store = &mut *boxed;
    let stored = store.checkpoints()?;
    let mut problems = Vec::new();
    let mut roots: Vec<(u64, Hash)> = Vec::new();
    if !stored.is_empty() {
        let vkey = match key {
            Some(k) => verifier_key_arg(k)?,
            None => {
                let path = args
                    .key_file
                    .clone()
                    .unwrap_or_else(|| g.db().sidecar(".ledger.key"));
                ensure!(
                    path.exists(),
                    "the store holds checkpoints but there is no key file {}: give the verifier key with --key",
                    path.display()
                );
                signer(g, args, &mut *store)?.verifier_key()
            }
        };
        for (size, note) in &stored {
            match SignedCheckpoint::parse_verify(note, &vkey) {
                Ok(cp) if cp.checkpoint().size() == *size => {
                    roots.push((*size, *cp.checkpoint().root()));
                }
                Ok(_) => problems.push(format!("the stored checkpoint {size} is for another size")),
                Err(e) => {
                    problems.push(format!("the stored checkpoint {size} does not verify: {e}"))
                }
            }
        }
    }
    let mut report = audit(&*store, &roots)?;
    for p in problems {
        report.problems.push(credence_store::Problem {
            kind: "checkpoint",
            event: None,
            index: None,
            message: p,
        });
    }
    let mut out = std::io::stdout().lock();
    if g.json {
        let mut doc = serde_json::to_value(&report)?;
        doc["passed"] = report.passed().into();
        writeln!(out, "{doc}")?;
    } else {
        let verdict = if report.passed() { "passed" } else { "FAILED" };
        writeln!(
            out,
            "audit {verdict}: {} entries ({} live events, {} erased), root {}",
            report.size,
            report.live,
            report.erased,
            report.root.to_base64()
        )?;
        let sizes: Vec<String> = report.checkpoints.iter().map(u64::to_string).collect();
        writeln!(
            out,
            "checkpoints checked: {}",
            if sizes.is_empty() {
                "none".to_string()
            } else {
                sizes.join(", ")
            }
        )?;
        for p in &report.problems {
            writeln!(out, "  {:<10} {}", p.kind, p.message)?;
        }
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The log's signing key for `credence ledger`: see [`signer_for`].
fn signer(g: &Global, args: &LedgerArgs, store: &mut dyn Store) -> Result<SigningKey> {
    let (key, created) = signer_for(
        &g.db(),
        args.origin.as_deref(),
        args.key_file.as_deref(),
        store,
    )?;
    if let Some(path) = created
        && !g.quiet
    {
        eprintln!(
            "created the signing key {} for the log `{}` (keep it secret; back it up)",
            path.display(),
            key.name()
        );
    }
    Ok(key)
}

/// A verifier key given as the key itself or as a file holding it.
fn verifier_key_arg(arg: &str) -> Result<VerifierKey> {
    if let Ok(k) = VerifierKey::parse(arg.trim()) {
        return Ok(k);
    }
    let path = Path::new(arg);
    ensure!(
        path.is_file(),
        "--key `{arg}` is neither a verifier key (<name>+<hex id>+<base64 key>) nor a file"
    );
    let text = read_text(path)?;
    VerifierKey::parse(text.trim())
        .with_context(|| format!("{} holds no verifier key", path.display()))
}

fn read_checkpoint(path: &Path, vkey: &VerifierKey) -> Result<SignedCheckpoint> {
    let text = read_text(path)?;
    SignedCheckpoint::parse_verify(&text, vkey)
        .with_context(|| format!("{} is not a checkpoint of this log", path.display()))
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}
