//! Operations on the transparency log that the CLI (`credence ledger`) and the server's
//! public ledger share: finding (or creating) the signing key, signing checkpoints,
//! receipts and consistency proofs. The log itself is kept by the store and filled by
//! ingest; the formats are in docs/ledger-format.md.

use std::io::Write;
use std::path::{Path, PathBuf};

use credence_ledger::{
    Checkpoint, ConsistencyProof, Hash, LedgerError, Receipt, SignedCheckpoint, SigningKey,
    VerifierKey, prove_consistency_between, sign_checkpoint, tree_root,
};
use credence_store::ledger::event_leaf;
use credence_store::{Store, StoreError};

use crate::store::DbLocation;

/// Why a ledger operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The log's data failed (a checkpoint, a leaf, a signature).
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The event is not in the log.
    #[error(transparent)]
    NotLogged(#[from] NotLogged),
    /// The tree at a checkpoint's size cannot be read.
    #[error("cannot read the tree at size {size}")]
    Tree {
        /// The checkpoint's size.
        size: u64,
        /// Why.
        #[source]
        source: LedgerError,
    },
    /// The root of the whole log cannot be computed.
    #[error("cannot compute the root")]
    Root(#[source] LedgerError),
    /// The log no longer extends its latest checkpoint: never sign it.
    #[error(
        "the log no longer matches its checkpoint at size {0}: refusing to sign; run `credence ledger audit`"
    )]
    Rewritten(u64),
    /// A stored checkpoint does not verify with the key.
    #[error("the stored checkpoint at size {size} does not verify")]
    BadCheckpoint {
        /// Its size.
        size: u64,
        /// Why.
        #[source]
        source: LedgerError,
    },
    /// A log entry the index points to is missing.
    #[error("log entry {0} is missing: run `credence ledger audit`")]
    MissingEntry(u64),
    /// The event was in the log but is no longer in the store.
    #[error("event `{0}` is no longer in the store")]
    Gone(String),
    /// The event has no customer, so no opening.
    #[error("event `{0}` has no customer, so no opening")]
    NoCustomer(String),
    /// The event's customer was erased: the secret is gone.
    #[error("the customer of `{0}` was erased: no opening exists any more")]
    Erased(String),
    /// The event is not of a logged type.
    #[error("event `{0}` is not of a logged type")]
    NotLoggedType(String),
    /// The event does not match its log entry.
    #[error("event `{0}` differs from its log entry: run `credence ledger audit`")]
    Differs(String),
    /// The receipt's proof cannot be built.
    #[error("cannot build the receipt: run `credence ledger audit`")]
    Receipt(#[source] LedgerError),
    /// The checkpoints are in the wrong order.
    #[error("the old checkpoint (size {old}) is larger than the new one (size {new}): swap them")]
    Swapped {
        /// The older checkpoint's size.
        old: u64,
        /// The newer checkpoint's size.
        new: u64,
    },
    /// The store's roots do not prove the checkpoints consistent.
    #[error("the store cannot prove these checkpoints consistent")]
    Consistency(#[source] LedgerError),
    /// The origin asked for is not the one fixed at first use.
    #[error(
        "this log's origin is `{stored}`, fixed at first use; it cannot become `{asked}` (drop --origin)"
    )]
    OriginFixed {
        /// The stored origin.
        stored: String,
        /// The one asked for.
        asked: String,
    },
    /// The origin is not a valid log name.
    #[error("`{origin}` cannot be a log origin")]
    BadOrigin {
        /// The origin.
        origin: String,
        /// Why.
        #[source]
        source: LedgerError,
    },
    /// The key file cannot be read.
    #[error("cannot read the key file {}", path.display())]
    ReadKey {
        /// The key file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The key file holds no signing key (its content is never shown).
    #[error("the key file {} is not a note signing key", path.display())]
    NotAKey {
        /// The key file.
        path: PathBuf,
    },
    /// The key file is another log's.
    #[error("the key file {} is for the log `{key}`, not `{origin}`", path.display())]
    WrongKey {
        /// The key file.
        path: PathBuf,
        /// The log the key is for.
        key: String,
        /// This log.
        origin: String,
    },
    /// Checkpoints were signed but the key file is gone: a new key would be a new log.
    #[error(
        "the log has signed checkpoints but its key file {} is missing: restore it (or give --key-file); a new key would make a new log identity",
        path.display()
    )]
    KeyMissing {
        /// The key file.
        path: PathBuf,
    },
    /// A new key file cannot be written.
    #[error("cannot create the key file {}", path.display())]
    CreateKey {
        /// The key file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Signs a checkpoint of the whole log after checking that the log still extends the
/// latest stored checkpoint (never sign a rewritten history), and stores it.
pub fn sign_new(store: &mut dyn Store, key: &SigningKey) -> Result<SignedCheckpoint, LogError> {
    let vkey = key.verifier_key();
    if let Some(latest) = latest_checkpoint(store, &vkey)? {
        let cp = latest.checkpoint();
        let root = tree_root(&*store, cp.size()).map_err(|source| LogError::Tree {
            size: cp.size(),
            source,
        })?;
        if root != *cp.root() {
            return Err(LogError::Rewritten(cp.size()));
        }
    }
    let size = store.ledger_size()?;
    let root = tree_root(&*store, size).map_err(LogError::Root)?;
    let signed = sign_checkpoint(&Checkpoint::new(key.name(), size, root)?, key)?;
    store.add_checkpoint(size, signed.as_text())?;
    Ok(signed)
}

/// The newest stored checkpoint, verified with `vkey` (`None` before the first).
pub fn latest_checkpoint(
    store: &dyn Store,
    vkey: &VerifierKey,
) -> Result<Option<SignedCheckpoint>, LogError> {
    let Some((size, note)) = store.checkpoints()?.pop() else {
        return Ok(None);
    };
    SignedCheckpoint::parse_verify(&note, vkey)
        .map(Some)
        .map_err(|source| LogError::BadCheckpoint { size, source })
}

/// A checkpoint as `credence ledger checkpoint --json` prints it:
/// `{"origin","size","root","checkpoint"}` (root in base64, checkpoint the signed note).
pub fn checkpoint_json(signed: &SignedCheckpoint) -> serde_json::Value {
    let cp = signed.checkpoint();
    serde_json::json!({
        "origin": cp.origin(),
        "size": cp.size(),
        "root": cp.root().to_base64(),
        "checkpoint": signed.as_text(),
    })
}

/// An event that is not in the log: unknown, or of a type that is not logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "event `{0}` is not in the log (only commitment, commitment_result and review events are logged)"
)]
pub struct NotLogged(pub String);

/// The receipt of `event` against the latest checkpoint, signing a new checkpoint first
/// when the latest does not cover the event yet (so it writes to the store). With
/// `with_opening`, the customer's copy (customer id, salt, text hash). An event that is
/// not in the log is a [`LogError::NotLogged`].
pub fn receipt_of(
    store: &mut dyn Store,
    key: &SigningKey,
    event: &str,
    with_opening: bool,
) -> Result<Receipt, LogError> {
    let Some(index) = store.ledger_index(event)? else {
        return Err(NotLogged(event.to_string()).into());
    };
    let vkey = key.verifier_key();
    let signed = match latest_checkpoint(&*store, &vkey)? {
        Some(cp) if cp.checkpoint().size() > index => cp,
        _ => sign_new(&mut *store, key)?,
    };
    let leaf = store
        .ledger_leaf(index)?
        .ok_or(LogError::MissingEntry(index))?;
    let opening = if with_opening {
        let stored = store
            .get(event)?
            .ok_or_else(|| LogError::Gone(event.to_string()))?;
        let customer = stored
            .event
            .customer
            .clone()
            .ok_or_else(|| LogError::NoCustomer(event.to_string()))?;
        let secret = store
            .customer_secret(&stored.event.merchant, &customer)?
            .ok_or_else(|| LogError::Erased(event.to_string()))?;
        let (expected, opening) = event_leaf(&stored.event, Some(&secret))?
            .ok_or_else(|| LogError::NotLoggedType(event.to_string()))?;
        if expected.encode()? != leaf {
            return Err(LogError::Differs(event.to_string()));
        }
        opening
    } else {
        None
    };
    Receipt::build(&*store, leaf, index, &signed, opening).map_err(LogError::Receipt)
}

/// The proof that the log at `new` extends the log at `old` (as `credence ledger
/// consistency` prints it), after checking that the store's roots at both sizes are the
/// checkpoints' roots.
pub fn consistency_proof(
    store: &dyn Store,
    old: &Checkpoint,
    new: &Checkpoint,
) -> Result<ConsistencyProof, LogError> {
    if old.size() > new.size() {
        return Err(LogError::Swapped {
            old: old.size(),
            new: new.size(),
        });
    }
    prove_consistency_between(store, old, new).map_err(LogError::Consistency)
}

/// The log's signing key: loaded from the key file (`key_file`, or `<store>.ledger.key`
/// beside the store — [`DbLocation::sidecar`]), or generated (0600) on first use, with
/// `origin` (default `credence.local/<store stem>`). Fixes the origin in the store. The
/// key never goes into the database, whatever the backend. The second value is the key
/// file when it was created now (tell the user to keep it secret and back it up).
pub fn signer_for(
    db: &DbLocation,
    origin: Option<&str>,
    key_file: Option<&Path>,
    store: &mut dyn Store,
) -> Result<(SigningKey, Option<PathBuf>), LogError> {
    let origin = match (store.ledger_origin()?, origin) {
        (Some(s), Some(o)) if s != o => {
            return Err(LogError::OriginFixed {
                stored: s,
                asked: o.to_string(),
            });
        }
        (Some(s), _) => s,
        (None, Some(o)) => o.to_string(),
        (None, None) => default_origin(&db.stem()),
    };
    Checkpoint::new(&origin, 0, Hash::EMPTY_ROOT).map_err(|source| LogError::BadOrigin {
        origin: origin.clone(),
        source,
    })?;
    let path = key_file.map_or_else(|| db.sidecar(".ledger.key"), Path::to_path_buf);
    let (key, created) = if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(|source| LogError::ReadKey {
            path: path.clone(),
            source,
        })?;
        // The error of a bad key file never includes its content.
        let key = SigningKey::from_secret_string(text.trim_end())
            .map_err(|_| LogError::NotAKey { path: path.clone() })?;
        if key.name() != origin {
            return Err(LogError::WrongKey {
                path,
                key: key.name().to_string(),
                origin,
            });
        }
        (key, None)
    } else {
        if !store.checkpoints()?.is_empty() {
            return Err(LogError::KeyMissing { path });
        }
        let key = SigningKey::generate(&origin, &mut rand::rng())?;
        write_secret_file(&path, &key.to_secret_string()).map_err(|source| {
            LogError::CreateKey {
                path: path.clone(),
                source,
            }
        })?;
        (key, Some(path))
    };
    store.init_ledger_origin(&origin)?;
    Ok((key, created))
}

#[cfg(unix)]
fn write_secret_file(path: &Path, content: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_secret_file(path: &Path, content: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(content.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

/// `credence.local/<db file stem>`, with characters a key name cannot hold replaced by `-`.
fn default_origin(stem: &str) -> String {
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-._~".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!(
        "credence.local/{}",
        if stem.is_empty() { "credence" } else { &stem }
    )
}
