//! `POST /v1/events`: ingest over HTTP, with the validation, idempotency and rejection
//! messages of `credence ingest`, and a result per line instead of a quarantine file.
//!
//! The body is a JSON array of events or JSON Lines: the first non-blank byte decides
//! (`[` = array). A line's number is its line in the body (JSON Lines) or its 1-based
//! position (array). The answer is sent only after the batch is committed: a 200 or 207
//! means every accepted line is durable.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use credence_events::Rejection;
use credence_store::{NewEvent, Outcome};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Principal, Scope};
use super::error::ApiError;
use super::state::AppState;
use credence_app::ingest::MAX_LINE_BYTES;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_events))
}

/// Content types the endpoint reads (parameters such as `charset` are ignored).
const CONTENT_TYPES: [&str; 4] = [
    "application/json",
    "application/x-ndjson",
    "application/jsonl",
    "text/plain",
];

/// What happened to the lines of a POST. `read = accepted + duplicates + rejected`.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct IngestResponse {
    /// Non-blank lines (or array elements) read.
    pub read: u64,
    /// Events stored now.
    pub accepted: u64,
    /// Events already stored with the same content.
    pub duplicates: u64,
    /// Lines rejected (invalid, for another merchant than the key's, or conflicting
    /// with a stored event).
    pub rejected: u64,
    /// One entry per line read, in order.
    pub results: Vec<LineResult>,
}

/// The fate of one line.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LineResult {
    /// The line number in the body (JSON Lines) or the element's position (array), from 1.
    pub line: u64,
    /// The event id, when the line has one.
    pub id: Option<String>,
    /// `accepted`, `duplicate` or `rejected`.
    pub status: LineStatus,
    /// Why it was rejected; `null` otherwise.
    pub error: Option<LineError>,
}

/// See [`LineResult::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Stored now.
    Accepted,
    /// Already stored with the same content.
    Duplicate,
    /// Not stored.
    Rejected,
}

/// Why a line was rejected: the same message as `credence ingest`'s quarantine.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LineError {
    /// The field to blame, if one is.
    pub field: Option<String>,
    /// What to do about it.
    pub message: String,
}

impl From<Rejection> for LineError {
    fn from(r: Rejection) -> Self {
        LineError {
            field: r.field,
            message: r.message,
        }
    }
}

/// A body split into lines: results (rejections filled in) and the events to store,
/// with the index of their result.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) results: Vec<LineResult>,
    pub(crate) batch: Vec<NewEvent>,
    pub(crate) slots: Vec<usize>,
}

impl Parsed {
    fn push(&mut self, line: u64, raw: &str, merchant: Option<&str>) {
        let parsed = if raw.len() > MAX_LINE_BYTES {
            Err(Rejection {
                field: None,
                message: format!(
                    "the line is {} bytes long; the limit is {} bytes (1 MiB): split the event or shorten its text",
                    raw.len(),
                    MAX_LINE_BYTES
                ),
            })
        } else {
            NewEvent::parse(raw)
        };
        let parsed = parsed.and_then(|ev| match merchant {
            Some(m) if ev.event.merchant != m => Err(Rejection {
                field: Some("merchant".into()),
                message: format!(
                    "merchant `{}`: this API key may only send events of merchant `{m}`",
                    ev.event.merchant
                ),
            }),
            _ => Ok(ev),
        });
        match parsed {
            Ok(ev) => {
                self.slots.push(self.results.len());
                self.results.push(LineResult {
                    line,
                    id: Some(ev.event.id.clone()),
                    status: LineStatus::Accepted,
                    error: None,
                });
                self.batch.push(ev);
            }
            Err(rejection) => self.results.push(LineResult {
                line,
                id: id_of(raw),
                status: LineStatus::Rejected,
                error: Some(rejection.into()),
            }),
        }
    }
}

/// The `id` of a line that did not parse as an event, if it has a string one.
fn id_of(raw: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Id {
        id: Option<serde_json::Value>,
    }
    if raw.len() > MAX_LINE_BYTES {
        return None;
    }
    serde_json::from_str::<Id>(raw)
        .ok()?
        .id?
        .as_str()
        .map(str::to_string)
}

/// Splits a body into events and rejections. `Err` only when the body as a whole
/// cannot be read (not UTF-8; starts with `[` but is not a JSON array).
pub(crate) fn parse_body(body: &[u8], merchant: Option<&str>) -> Result<Parsed, ApiError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body is not valid UTF-8 (bad byte at offset {}): send UTF-8",
            e.valid_up_to()
        ))
    })?;
    let mut parsed = Parsed::default();
    if text.trim_start().starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| {
            ApiError::bad_request(format!(
                "the body starts with `[` but is not a JSON array: {e}; send a JSON array of events, or JSON Lines"
            ))
        })?;
        for (i, item) in items.iter().enumerate() {
            let raw = item.get();
            // Whitespace between tokens can be dropped from JSON without changing it, and
            // a string cannot hold a raw line break: the stored line stays one line.
            if raw.contains(['\n', '\r']) {
                let one_line = raw.replace(['\n', '\r'], " ");
                parsed.push(i as u64 + 1, &one_line, merchant);
            } else {
                parsed.push(i as u64 + 1, raw, merchant);
            }
        }
    } else {
        for (i, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() {
                continue;
            }
            parsed.push(i as u64 + 1, line, merchant);
        }
    }
    Ok(parsed)
}

fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let ct = ct.to_str().unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if CONTENT_TYPES.contains(&essence.as_str()) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(format!(
            "content type `{ct}` is not read here: send {}",
            CONTENT_TYPES.join(", ")
        )))
    }
}

/// Query parameters of `POST /v1/events`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IngestParams {
    /// Answer only once the events are visible to reads (default: answer right after
    /// the commit; the follower applies them within a second).
    #[serde(default)]
    pub wait: bool,
}

/// Store a batch of events.
///
/// The body is a JSON array of events or JSON Lines (events v1, docs/events-v1.md), at
/// most `--max-body` bytes (default 16 MiB). Each line is validated like `credence
/// ingest`; an event whose id is stored with the same content is a duplicate, with other
/// content a rejected conflict. A key restricted to a merchant has the lines of other
/// merchants rejected (field `merchant`). The answer comes after the commit (an answered
/// event is durable): 200 when no line was rejected, 207 when some were (the others are
/// stored). Reads see new events once the follower has applied them, within a second;
/// `?wait=true` answers only after that, for a client that reads its own writes at once.
#[utoipa::path(post, path = "/v1/events", tag = "events",
    params(IngestParams),
    request_body(description = "a JSON array of events, or JSON Lines (events v1)",
        content((String = "application/x-ndjson"), (String = "application/json"),
            (String = "application/jsonl"), (String = "text/plain"))),
    responses(
        (status = 200, body = IngestResponse, description = "every line accepted or a duplicate"),
        (status = 207, body = IngestResponse, description = "some lines rejected; the others stored"),
        (status = 400, body = super::error::ErrorBody, description = "the body is not UTF-8, or not a JSON array though it starts with `[`"),
        (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody),
        (status = 413, body = super::error::ErrorBody, description = "the body is over --max-body"),
        (status = 415, body = super::error::ErrorBody)),
    security(("bearer" = [])))]
async fn post_events(
    State(state): State<AppState>,
    principal: Principal,
    params: Result<Query<IngestParams>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    principal.require(Scope::Ingest)?;
    let params = super::error::query(params)?;
    check_content_type(&headers)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large(format!(
                "the body is over {} bytes (--max-body): send smaller batches",
                state.config().max_body
            ))
        } else {
            ApiError::bad_request(format!("cannot read the body: {e}"))
        }
    })?;
    let merchant = principal.merchant.clone();
    let parsed = tokio::task::spawn_blocking(move || parse_body(&body, merchant.as_deref()))
        .await
        .map_err(ApiError::internal)??;
    let Parsed {
        mut results,
        batch,
        slots,
    } = parsed;
    if !batch.is_empty() {
        let (batch, outcomes) = state
            .write(move |store| {
                let outcomes = store.insert_batch(&batch)?;
                Ok((batch, outcomes))
            })
            .await?;
        for ((slot, event), outcome) in slots.into_iter().zip(batch).zip(outcomes) {
            let r = &mut results[slot];
            match outcome {
                Outcome::Accepted => {}
                Outcome::Duplicate => r.status = LineStatus::Duplicate,
                Outcome::Conflict { .. } => {
                    let id = event.event.id;
                    r.status = LineStatus::Rejected;
                    r.error = Some(LineError {
                        field: Some("id".into()),
                        message: format!(
                            "event `{id}` conflicts with a stored event of the same id and different content: \
                             give this event a new id, or send exactly the stored content"
                        ),
                    });
                }
            }
        }
        // The events are committed (acknowledged). Applying them to the live engines
        // (text analysis, evidence, warming the caches) is the follower's work, off this
        // request's path, unless the client asked to read its own writes at once.
        if params.wait {
            if let Err(e) = state.catch_up().await {
                tracing::warn!(error = %e, "cannot apply new events yet; the follower retries");
            }
        } else {
            state.nudge_follower();
        }
    }
    let mut response = IngestResponse {
        read: results.len() as u64,
        ..IngestResponse::default()
    };
    for r in &results {
        match r.status {
            LineStatus::Accepted => response.accepted += 1,
            LineStatus::Duplicate => response.duplicates += 1,
            LineStatus::Rejected => response.rejected += 1,
        }
    }
    response.results = results;
    for (outcome, n) in [
        ("accepted", response.accepted),
        ("duplicate", response.duplicates),
        ("rejected", response.rejected),
    ] {
        metrics::counter!("credence_events_ingested_total", "outcome" => outcome).increment(n);
    }
    let status = if response.rejected > 0 {
        StatusCode::MULTI_STATUS
    } else {
        StatusCode::OK
    };
    Ok((status, Json(response)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id":"e1","type":"order","at":"2026-03-01T10:00:00+08:00","merchant":"m-tea","customer":"c-001","order":"o-1"}"#;

    #[test]
    fn json_lines_keep_their_line_numbers_and_reasons() {
        let body = format!("\n{GOOD}\r\n\n{{\"id\":\"e2\",\"type\":\"order\"}}\nnot json\n");
        let p = parse_body(body.as_bytes(), None).unwrap();
        let lines: Vec<(u64, LineStatus)> = p.results.iter().map(|r| (r.line, r.status)).collect();
        assert_eq!(
            lines,
            vec![
                (2, LineStatus::Accepted),
                (4, LineStatus::Rejected),
                (5, LineStatus::Rejected)
            ]
        );
        assert_eq!(p.batch.len(), 1);
        assert_eq!(p.batch[0].raw, GOOD, "the stored line is the line as sent");
        assert_eq!(p.results[1].id.as_deref(), Some("e2"));
        assert!(p.results[1].error.as_ref().unwrap().message.len() > 10);
    }

    #[test]
    fn an_array_is_sniffed_and_numbered_by_position() {
        let body = format!("  [\n {GOOD},\n 42\n]");
        let p = parse_body(body.as_bytes(), None).unwrap();
        assert_eq!(p.results.len(), 2);
        assert_eq!(
            (p.results[0].line, p.results[0].status),
            (1, LineStatus::Accepted)
        );
        assert_eq!(
            (p.results[1].line, p.results[1].status),
            (2, LineStatus::Rejected)
        );
        let pretty = "[{\n \"id\": \"e9\",\n \"type\": \"order\", \"at\": \"2026-03-01T10:00:00Z\",\n \"merchant\": \"m\", \"customer\": \"c\", \"order\": \"o9\"\n}]";
        let p = parse_body(pretty.as_bytes(), None).unwrap();
        assert_eq!(p.batch.len(), 1);
        assert!(!p.batch[0].raw.contains('\n'), "stored as one line");
    }

    #[test]
    fn unreadable_bodies_are_refused_whole() {
        assert!(matches!(
            parse_body(b"[{\"id\":", None),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse_body(b"{\"id\":\"\xff\"}", None),
            Err(ApiError::BadRequest(_))
        ));
        let p = parse_body(b"  \n ", None).unwrap();
        assert!(p.results.is_empty());
    }

    #[test]
    fn a_merchant_key_rejects_other_merchants_per_line() {
        let other = GOOD.replace("m-tea", "m-bank");
        let body = format!("{GOOD}\n{other}\n");
        let p = parse_body(body.as_bytes(), Some("m-tea")).unwrap();
        assert_eq!(p.batch.len(), 1);
        let err = p.results[1].error.as_ref().unwrap();
        assert_eq!(err.field.as_deref(), Some("merchant"));
    }

    #[test]
    fn content_types() {
        let mut h = HeaderMap::new();
        assert!(check_content_type(&h).is_ok());
        h.insert(
            header::CONTENT_TYPE,
            "application/x-ndjson; charset=utf-8".parse().unwrap(),
        );
        assert!(check_content_type(&h).is_ok());
        h.insert(header::CONTENT_TYPE, "text/csv".parse().unwrap());
        assert!(matches!(
            check_content_type(&h),
            Err(ApiError::UnsupportedMediaType(_))
        ));
    }
}
