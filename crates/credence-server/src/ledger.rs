//! The public transparency log over HTTP, **no key needed**: the latest signed
//! checkpoint, the verifier key, receipts and consistency proofs — what `credence ledger
//! checkpoint|verifier-key|receipt|consistency` print (docs/ledger.md; byte formats in
//! docs/ledger-format.md). A receipt never carries the customer's opening.
//!
//! The signing key is loaded once, when the server opens the store ([`Ledger::open`],
//! as `credence ledger` finds it: `--key-file`, else `<db>.ledger.key` beside a SQLite
//! file or `credence-<database>.ledger.key` in the working directory for PostgreSQL;
//! never in the database). Checkpoints are signed on the store's one writer connection,
//! so signing is serialised, and `sign_new` refuses to sign a log that no longer
//! extends its latest checkpoint.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use credence_ledger::{Receipt, SignedCheckpoint, SigningKey, prove_consistency};
use credence_store::Store;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::reply::json;
use super::state::{AppState, ServeConfig};
use credence_app::ledger::{
    checkpoint_json, consistency_proof, latest_checkpoint, receipt_of, sign_new, signer_for,
};

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_checkpoint))
        .routes(routes!(get_verifier_key))
        .routes(routes!(get_receipt))
        .routes(routes!(get_consistency))
}

/// The log's signing key, loaded at start. A server whose key cannot be loaded (e.g.
/// the store holds checkpoints but the key file is missing) still serves everything
/// else; its ledger endpoints answer 500 and the log says why.
pub struct Ledger {
    key: Result<SigningKey, String>,
}

impl Ledger {
    /// Loads (or, before the log's first checkpoint, creates) the signing key, as
    /// `credence ledger` does; fixes the log's origin in the store on first use.
    pub fn open(config: &ServeConfig, store: &mut dyn Store) -> Ledger {
        let key = signer_for(&config.db, None, config.key_file.as_deref(), store)
            .map(|(key, created)| {
                if let Some(path) = created {
                    // As `credence ledger` says it: the operator must back the key up.
                    eprintln!(
                        "created the signing key {} for the log `{}` (keep it secret; back it up)",
                        path.display(),
                        key.name()
                    );
                }
                key
            })
            .map_err(|e| format!("{:#}", anyhow::Error::from(e)));
        if let Err(e) = &key {
            tracing::warn!(error = %e, "the ledger endpoints are off: no signing key");
        }
        Ledger { key }
    }

    fn key(&self) -> Result<SigningKey, ApiError> {
        self.key.clone().map_err(|e| {
            ApiError::internal(anyhow::anyhow!(
                "the ledger's signing key is unavailable: {e}"
            ))
        })
    }
}

fn text(body: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// Whether the client prefers the plain-text form (`Accept: text/plain` before any JSON).
fn wants_text(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let pos = |t: &str| accept.find(t);
    match (pos("text/plain"), pos("application/json")) {
        (Some(t), Some(j)) => t < j,
        (Some(_), None) => true,
        _ => false,
    }
}

/// The latest checkpoint when it covers the whole log; otherwise a new one, signed on
/// the writer (checking again there: another request may have signed meanwhile).
async fn current_checkpoint(state: &AppState) -> Result<SignedCheckpoint, ApiError> {
    let key = state.ledger().key()?;
    let vkey = key.verifier_key();
    let v = vkey.clone();
    let latest = state
        .read(move |store| {
            let size = store.ledger_size()?;
            Ok(latest_checkpoint(store, &v)?.filter(|cp| cp.checkpoint().size() == size))
        })
        .await?;
    if let Some(cp) = latest {
        return Ok(cp);
    }
    state
        .write(move |store| {
            let size = store.ledger_size()?;
            match latest_checkpoint(&*store, &vkey)? {
                Some(cp) if cp.checkpoint().size() == size => Ok(cp),
                _ => {
                    let cp = sign_new(store, &key)?;
                    tracing::info!(size = cp.checkpoint().size(), "signed a ledger checkpoint");
                    Ok(cp)
                }
            }
        })
        .await
}

/// `credence ledger checkpoint --json` (documentation only).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct CheckpointDoc {
    /// The log's name (its checkpoints' first line).
    origin: String,
    /// Entries in the log.
    size: u64,
    /// The Merkle root, base64.
    root: String,
    /// The C2SP signed note (docs/ledger-format.md §5–6).
    checkpoint: String,
}

/// The latest signed checkpoint of the whole log (signing one when the log grew since
/// the last): `credence ledger checkpoint --json`, or the signed note itself with
/// `Accept: text/plain`. No key needed.
#[utoipa::path(get, path = "/v1/ledger/checkpoint", tag = "ledger",
    responses((status = 200, body = CheckpointDoc,
        description = "JSON; with `Accept: text/plain` the C2SP signed note"),
        (status = 500, body = ErrorBody)))]
async fn get_checkpoint(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let cp = current_checkpoint(&state).await?;
    Ok(if wants_text(&headers) {
        text(cp.as_text().to_string())
    } else {
        json(checkpoint_json(&cp).to_string())
    })
}

/// The verifier key that checks the log's checkpoints and receipts offline:
/// `<name>+<hex key id>+<base64 key>`, as `credence ledger verifier-key`. No key needed.
#[utoipa::path(get, path = "/v1/ledger/verifier-key", tag = "ledger",
    responses((status = 200, description = "one line", content_type = "text/plain", body = String),
        (status = 500, body = ErrorBody)))]
async fn get_verifier_key(State(state): State<AppState>) -> Result<Response, ApiError> {
    let key = state.ledger().key()?;
    Ok(text(format!("{}\n", key.verifier_key())))
}

/// A receipt (documentation only; docs/ledger-format.md §7).
pub struct ReceiptDoc;

impl utoipa::PartialSchema for ReceiptDoc {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .description(Some(
                "A receipt, as `credence ledger receipt --event ID --json` without the opening: the leaf, its index, the tree size, the inclusion proof and the signed checkpoint (docs/ledger-format.md §7). Verify offline with `credence ledger verify FILE --key VKEY`.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for ReceiptDoc {
    fn name() -> std::borrow::Cow<'static, str> {
        "Receipt".into()
    }
}

/// The receipt of a logged event (a review, commitment or commitment result) against
/// the latest checkpoint, signing a new one first when the event is not covered yet:
/// `credence ledger receipt --event ID`, never with the customer's opening. No key
/// needed.
#[utoipa::path(get, path = "/v1/ledger/receipt/{event}", tag = "ledger",
    params(("event" = String, Path, description = "the event id")),
    responses((status = 200, body = ReceiptDoc),
        (status = 404, description = "unknown event, or not of a logged type", body = ErrorBody),
        (status = 500, body = ErrorBody)))]
async fn get_receipt(
    State(state): State<AppState>,
    Path(event): Path<String>,
) -> Result<Response, ApiError> {
    let key = state.ledger().key()?;
    let vkey = key.verifier_key();
    // Usually the latest checkpoint covers the event: a read is enough.
    let e = event.clone();
    let found: Option<Option<Receipt>> = state
        .read(move |store| {
            let Some(index) = store.ledger_index(&e)? else {
                return Ok(None);
            };
            let covering =
                latest_checkpoint(store, &vkey)?.filter(|cp| cp.checkpoint().size() > index);
            let Some(cp) = covering else {
                return Ok(Some(None));
            };
            let leaf = store.ledger_leaf(index)?.ok_or_else(|| {
                anyhow::anyhow!("log entry {index} is missing: run `credence ledger audit`")
            })?;
            Ok(Some(Some(Receipt::build(store, leaf, index, &cp, None)?)))
        })
        .await?;
    let receipt = match found {
        None => {
            return Err(ApiError::not_found(format!(
                "event `{event}` is not in the log (only commitment, commitment_result and review events are logged)"
            )));
        }
        Some(Some(r)) => r,
        Some(None) => {
            state
                .write(move |store| Ok(receipt_of(store, &key, &event, false)?))
                .await?
        }
    };
    Ok(json(receipt.to_json()))
}

/// The sizes of a consistency proof.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ConsistencyParams {
    /// The older tree size (a checkpoint's `size`).
    old: u64,
    /// The newer tree size, at most the log's size.
    new: u64,
}

/// `credence ledger consistency` (documentation only; docs/ledger-format.md §9).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct ConsistencyDoc {
    /// The older size.
    old_size: u64,
    /// The newer size.
    new_size: u64,
    /// The proof hashes, base64.
    hashes: Vec<String>,
}

/// The proof that the log of size `new` extends the log of size `old`, as `credence
/// ledger consistency OLD NEW` prints it: check it offline against two checkpoints with
/// `credence ledger verify-consistency`. When checkpoints of these sizes were signed,
/// the store's roots are checked against them first. No key needed.
#[utoipa::path(get, path = "/v1/ledger/consistency", tag = "ledger", params(ConsistencyParams),
    responses((status = 200, body = ConsistencyDoc),
        (status = 400, description = "a size missing, old > new, or new beyond the log", body = ErrorBody),
        (status = 500, body = ErrorBody)))]
async fn get_consistency(
    State(state): State<AppState>,
    q: Result<Query<ConsistencyParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let ConsistencyParams { old, new } = super::error::query(q)?;
    if old > new {
        return Err(ApiError::bad_request(format!(
            "old: {old} is larger than new ({new})"
        )));
    }
    let key = state.ledger().key()?;
    let vkey = key.verifier_key();
    let result = state
        .read(move |store| {
            let size = store.ledger_size()?;
            if new > size {
                return Ok(Err(size));
            }
            let signed = store.checkpoints()?;
            let at = |n: u64| -> anyhow::Result<Option<SignedCheckpoint>> {
                match signed.iter().find(|(s, _)| *s == n) {
                    Some((_, note)) => Ok(Some(SignedCheckpoint::parse_verify(note, &vkey)?)),
                    None => Ok(None),
                }
            };
            let proof = match (at(old)?, at(new)?) {
                (Some(o), Some(n)) => consistency_proof(store, o.checkpoint(), n.checkpoint())?,
                _ => prove_consistency(store, old, new)?,
            };
            Ok(Ok(proof))
        })
        .await?;
    match result {
        Ok(proof) => Ok(json(proof.to_json())),
        Err(size) => Err(ApiError::bad_request(format!(
            "new: {new} is beyond the log's size ({size})"
        ))),
    }
}
