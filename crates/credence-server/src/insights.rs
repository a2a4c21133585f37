//! Reports and alerts over HTTP: the JSON of `credence report -m M --json` and
//! `credence alerts --json`, and `alerts ack|resolve`.
//!
//! Both are expensive (a report by week of the 200k-event demo takes seconds), so both
//! are cached in [`Insights`], keyed by what they are computed from:
//!
//! - a report by (merchant, parameters, the sum of every merchant's generation) — the
//!   Bayesian rating prior of a report reads every merchant's reviews, so an event of
//!   any merchant changes it;
//! - a merchant's alerts by (merchant, its generation), without their statuses: people
//!   change those, so they are read from the store and applied on every request.
//!
//! One computation per key runs at a time (later requests for it wait for its result).
//! The store is read through [`AppState::read`]; the CPU-bound part of a report runs on
//! the blocking pool without holding a store connection. [`warm`] computes the views
//! the dashboard opens with (each merchant's report, whole and by week, and every
//! merchant's alerts) after start-up.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use credence_indicators::Granularity;
use credence_watch::{Alert, AlertKind, Status};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Principal, Scope};
use super::error::{ApiError, ErrorBody, query};
use super::reply::{decode_cursor, encode_cursor, json, limit};
use super::state::AppState;
use credence_app::alerts;
use credence_app::report::{self, ReportError, ReportQuery};

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_report))
        .routes(routes!(list_alerts))
        .routes(routes!(ack_alert))
        .routes(routes!(resolve_alert))
}

/// Weeks of weekly customer-risk points, as `credence alerts` by default.
const ALERT_WEEKS: u32 = 13;
/// Reports kept (least recently used dropped beyond).
const MAX_REPORTS: usize = 64;

/// One cached value: what it was computed from, when last used, and the value (being
/// computed while the cell is empty).
struct Slot<T> {
    generation: u64,
    used: Instant,
    cell: Arc<OnceCell<T>>,
}

/// A cache of values that are computed once per key and generation.
struct Cache<K, T> {
    slots: Mutex<HashMap<K, Slot<T>>>,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, T: Clone> Cache<K, T> {
    fn new(capacity: usize) -> Self {
        Cache {
            slots: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// The value of `key` at `generation`: cached, being computed by another request
    /// (waited for), or computed now by `make`. An error is not cached.
    async fn get<F, Fut>(&self, key: K, generation: u64, make: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let cell = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            let fresh = slots.get(&key).is_some_and(|s| s.generation == generation);
            if !fresh {
                if slots.len() >= self.capacity
                    && let Some(oldest) = slots
                        .iter()
                        .min_by_key(|(_, s)| s.used)
                        .map(|(k, _)| k.clone())
                {
                    slots.remove(&oldest);
                }
                slots.insert(
                    key.clone(),
                    Slot {
                        generation,
                        used: Instant::now(),
                        cell: Arc::new(OnceCell::new()),
                    },
                );
            }
            let slot = slots
                .get_mut(&key)
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("cache slot vanished")))?;
            slot.used = Instant::now();
            slot.cell.clone()
        };
        cell.get_or_try_init(make).await.cloned()
    }
}

/// The report and alert caches of a server (one per [`AppState`]).
pub struct Insights {
    /// Serialised report bodies.
    reports: Cache<ReportKey, Bytes>,
    /// Each merchant's alerts, all `open`, newest first.
    alerts: Cache<String, Arc<Vec<Alert>>>,
}

impl Default for Insights {
    fn default() -> Self {
        Insights {
            reports: Cache::new(MAX_REPORTS),
            alerts: Cache::new(usize::MAX),
        }
    }
}

/// What a report is computed from, besides the data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ReportKey {
    merchant: String,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    by: Option<Granularity>,
    tz: String,
}

/// The sum of every merchant's generation: it grows whenever any merchant's events do.
fn total_generation(state: &AppState) -> u64 {
    state
        .live()
        .merchants()
        .iter()
        .map(|m| state.generation(m))
        .fold(0u64, u64::wrapping_add)
}

// ---------------------------------------------------------------------------------
// Reports

/// The parameters of a report.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ReportParams {
    /// Start of the range: a date (00:00 that day in `tz`) or an RFC 3339 time
    /// [default: the day of the merchant's first event].
    from: Option<String>,
    /// End of the range: a date (inclusive) or an RFC 3339 time (exclusive) [default:
    /// the day of the merchant's last event, inclusive].
    to: Option<String>,
    /// Split the range into calendar periods in `tz`: `day`, `week` (Monday to Sunday)
    /// or `month`. Without it, one object for the whole range.
    by: Option<String>,
    /// The time zone of dates and period boundaries (IANA name) [default: UTC].
    tz: Option<String>,
}

/// A row of the report: `credence report -m M --json` (documentation only).
pub struct ReportRowDoc;

impl utoipa::PartialSchema for ReportRowDoc {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .description(Some(
                "One merchant and period, as a line of `credence report -m M --json`: merchant, period_start, period_end (RFC 3339 in `tz`), the indicators (nps, csat, ces, responses, on_time_rate, promise_kept_rate, first_response_sla_rate, complaint_rate, refund_rate, repurchase_rate, retention_rate, avg_rating, review_count, bayes_rating, negative_review_reply_rate, trust_mean, trust_p10, stage_counts, aspects, …) and recovery {failures, episodes, recovered, recovery_rate, …}. Definitions: docs/indicators.md.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for ReportRowDoc {
    fn name() -> std::borrow::Cow<'static, str> {
        "ReportRow".into()
    }
}

/// A report by period (documentation only: the body is written directly).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct ReportPage {
    /// One row per period, in order.
    items: Vec<ReportRowDoc>,
    /// Always `null`: every period is in the one page.
    next: Option<String>,
}

fn parse_by(by: Option<&str>) -> Result<Option<Granularity>, ApiError> {
    match by {
        None => Ok(None),
        Some("day") => Ok(Some(Granularity::Day)),
        Some("week") => Ok(Some(Granularity::Week)),
        Some("month") => Ok(Some(Granularity::Month)),
        Some(other) => Err(ApiError::bad_request(format!(
            "by: `{other}` is not one of day, week, month"
        ))),
    }
}

/// The parsed query of a report endpoint, with the server's rules and text setting.
fn report_query(
    state: &AppState,
    merchant: &str,
    p: &ReportParams,
) -> Result<ReportQuery, ApiError> {
    let by = parse_by(p.by.as_deref())?;
    let mut q = ReportQuery::parse(
        Some(merchant.to_string()),
        p.from.as_deref(),
        p.to.as_deref(),
        by,
        p.tz.as_deref().unwrap_or("UTC"),
    )
    .map_err(|e| ApiError::bad_request(format!("{}: {e}", e.param)))?;
    // The rules the live engines were loaded with (read once, at start).
    let evaluator = state.live().evaluator();
    q.rules = evaluator.rules().clone();
    q.text = evaluator.text();
    Ok(q)
}

/// The report of `q` (one merchant) as the response body: cached, or computed now.
async fn report_body(state: &AppState, q: ReportQuery) -> Result<Bytes, ApiError> {
    let merchant = q.merchant.clone().unwrap_or_default();
    let key = ReportKey {
        merchant: merchant.clone(),
        from: q.from,
        to: q.to,
        by: q.by,
        tz: q.tz.iana_name().unwrap_or("UTC").to_string(),
    };
    let generation = total_generation(state);
    let insights = state.insights();
    insights
        .reports
        .get(key, generation, || async move {
            let started = Instant::now();
            let by = q.by;
            let q2 = q.clone();
            let loaded = state
                .read(move |store| Ok(report::load(store, &q2, false)?))
                .await?;
            let report = tokio::task::spawn_blocking(move || loaded.compute())
                .await
                .map_err(ApiError::internal)?
                .map_err(|e| report_error(e, &q))?;
            let rows = report.rows();
            let body = match (by, rows.as_slice()) {
                (None, [row]) => serde_json::to_vec(row),
                _ => serde_json::to_vec(&serde_json::json!({"items": rows, "next": null})),
            }
            .map_err(ApiError::internal)?;
            tracing::info!(
                merchant = %merchant,
                periods = rows.len(),
                seconds = started.elapsed().as_secs_f64(),
                "report computed"
            );
            Ok(Bytes::from(body))
        })
        .await
}

/// A report error as the client's (404, 400) or the server's (500).
fn report_error(e: ReportError, q: &ReportQuery) -> ApiError {
    match e {
        ReportError::UnknownMerchant { merchant, .. } => {
            ApiError::not_found(format!("no events for merchant `{merchant}`"))
        }
        ReportError::EmptyStore => ApiError::not_found(e.to_string()),
        why @ ReportError::EmptyRange { .. } => {
            // Only a bound given alone can miss the data (both are checked together).
            let param = if q.from.is_some() { "from" } else { "to" };
            ApiError::bad_request(format!("{param}: {why}"))
        }
        other => ApiError::internal(other),
    }
}

/// A merchant's trust indicators and service recovery: `credence report -m M --json`.
/// Without `by`, the one object for the range; with `by`, one row per period. Cached
/// until any merchant's events change (the first request after a change computes:
/// seconds on a large store).
#[utoipa::path(get, path = "/v1/merchants/{merchant}/report", tag = "insights",
    params(("merchant" = String, Path, description = "the merchant"), ReportParams),
    responses(
        (status = 200, description = "without `by`: one ReportRow; with `by`: a ReportPage", body = ReportPage),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_report(
    State(state): State<AppState>,
    principal: Principal,
    Path(merchant): Path<String>,
    q: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    principal.require(Scope::Read)?;
    principal.may_see(&merchant)?;
    let params = query(q)?;
    let q = report_query(&state, &merchant, &params)?;
    if state.live().merchant(&merchant).is_none() {
        return Err(ApiError::not_found(format!(
            "no events for merchant `{merchant}`"
        )));
    }
    Ok(json(report_body(&state, q).await?))
}

// ---------------------------------------------------------------------------------
// Alerts

/// A merchant's alerts (all `open`): cached for its generation, or computed now.
async fn merchant_alerts(state: &AppState, merchant: &str) -> Result<Arc<Vec<Alert>>, ApiError> {
    let generation = state.generation(merchant);
    let name = merchant.to_string();
    state
        .insights()
        .alerts
        .get(merchant.to_string(), generation, || async move {
            let started = Instant::now();
            let evaluator = state.live().evaluator().clone();
            let list = state
                .read(move |store| {
                    Ok(alerts::compute_unstated(
                        store,
                        &evaluator,
                        Some(&name),
                        ALERT_WEEKS,
                        None,
                    )?)
                })
                .await?;
            tracing::info!(
                merchant = %merchant,
                alerts = list.len(),
                seconds = started.elapsed().as_secs_f64(),
                "alerts computed"
            );
            Ok(Arc::new(list))
        })
        .await
}

/// The stored statuses (read fresh: people change them).
async fn statuses(state: &AppState) -> Result<HashMap<String, String>, ApiError> {
    state.read(|store| Ok(store.alert_statuses()?)).await
}

/// The filters and paging of the alert list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AlertsParams {
    /// Only this merchant's alerts [default: every merchant the key may see].
    merchant: Option<String>,
    /// Only alerts with this status: `open`, `acked` or `resolved`.
    status: Option<String>,
    /// Only alerts of this kind: `customer_risk` or `merchant_crisis`.
    kind: Option<String>,
    /// Items per page: 1–1000 [default 100].
    limit: Option<usize>,
    /// The `next` of the previous page.
    cursor: Option<String>,
}

/// An alert, as a line of `credence alerts --json` (documentation only).
pub struct AlertDoc;

impl utoipa::PartialSchema for AlertDoc {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .description(Some(
                "An alert, as a line of `credence alerts --json`: id (16 hex), kind (customer_risk | merchant_crisis), merchant, customer or stream, opened_at, severity (low | medium | high), magnitude, reasons [{code, text_en, text_zh, events?}], playbook [{step_en, step_zh, due_days}], status (open | acked | resolved). See docs/watch.md.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for AlertDoc {
    fn name() -> std::borrow::Cow<'static, str> {
        "Alert".into()
    }
}

/// A page of alerts (documentation only: the body is written directly).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct AlertPage {
    /// Newest first (then by id), as `credence alerts`.
    items: Vec<AlertDoc>,
    /// Pass as `cursor` for the next page; `null` on the last.
    next: Option<String>,
}

/// Where a page of alerts ended: the last alert's opening time and id.
#[derive(Debug, Serialize, Deserialize)]
struct AlertCursor {
    o: Timestamp,
    i: String,
}

fn parse_status(s: &str) -> Result<Status, ApiError> {
    match s {
        "open" => Ok(Status::Open),
        "acked" => Ok(Status::Acked),
        "resolved" => Ok(Status::Resolved),
        other => Err(ApiError::bad_request(format!(
            "status: `{other}` is not one of open, acked, resolved"
        ))),
    }
}

fn parse_kind(s: &str) -> Result<AlertKind, ApiError> {
    [AlertKind::CustomerRisk, AlertKind::MerchantCrisis]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "kind: `{s}` is not one of customer_risk, merchant_crisis"
            ))
        })
}

/// The merchants whose alerts a request lists: the one asked for (which the key must
/// see and which must have events) or every merchant the key sees.
fn alert_merchants(
    state: &AppState,
    principal: &Principal,
    merchant: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    match merchant {
        Some(m) => {
            principal.may_see(m)?;
            if state.live().merchant(m).is_none() {
                return Err(ApiError::not_found(format!("no events for merchant `{m}`")));
            }
            Ok(vec![m.to_string()])
        }
        None => Ok(state
            .live()
            .merchants()
            .into_iter()
            .filter(|m| principal.sees(m))
            .collect()),
    }
}

/// Trust crises and customers at risk, with reasons and playbooks: `credence alerts
/// --json`, newest first. A merchant-restricted key sees only its merchant's. Computed
/// per merchant once per change of its events (the first request after a change waits
/// for it); statuses are always current.
#[utoipa::path(get, path = "/v1/alerts", tag = "insights", params(AlertsParams),
    responses((status = 200, body = AlertPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_alerts(
    State(state): State<AppState>,
    principal: Principal,
    q: Result<Query<AlertsParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    principal.require(Scope::Read)?;
    let q = query(q)?;
    let status = q.status.as_deref().map(parse_status).transpose()?;
    let kind = q.kind.as_deref().map(parse_kind).transpose()?;
    let limit = limit(q.limit)?;
    let after: Option<AlertCursor> = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let merchants = alert_merchants(&state, &principal, q.merchant.as_deref())?;
    let mut all: Vec<Alert> = Vec::new();
    for m in &merchants {
        all.extend(
            merchant_alerts(&state, m)
                .await?
                .iter()
                .filter(|a| kind.is_none_or(|k| a.kind == k))
                .cloned(),
        );
    }
    alerts::apply_statuses(&mut all, &statuses(&state).await?);
    if let Some(s) = status {
        all.retain(|a| a.status == s);
    }
    // The order of `credence alerts`: newest first, then by id.
    all.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then_with(|| a.id.cmp(&b.id)));
    if let Some(c) = &after {
        all.retain(|a| a.opened_at < c.o || (a.opened_at == c.o && a.id > c.i));
    }
    let more = all.len() > limit;
    all.truncate(limit);
    let next = match all.last() {
        Some(last) if more => Some(encode_cursor(&AlertCursor {
            o: last.opened_at,
            i: last.id.clone(),
        })?),
        _ => None,
    };
    let body = serde_json::to_vec(&serde_json::json!({"items": all, "next": next}))
        .map_err(ApiError::internal)?;
    Ok(json(Bytes::from(body)))
}

/// Finds alert `id` for `principal`: 404 when no merchant has it, 403 when it is
/// another merchant's. The key's own merchants are searched first.
async fn find_alert(state: &AppState, principal: &Principal, id: &str) -> Result<Alert, ApiError> {
    let (mine, others): (Vec<String>, Vec<String>) = state
        .live()
        .merchants()
        .into_iter()
        .partition(|m| principal.sees(m));
    for m in mine.iter().chain(&others) {
        if let Some(a) = merchant_alerts(state, m).await?.iter().find(|a| a.id == id) {
            principal.may_see(&a.merchant)?;
            return Ok(a.clone());
        }
    }
    Err(ApiError::not_found(format!(
        "no alert `{id}` (GET /v1/alerts lists them)"
    )))
}

/// Records a person's decision about an alert and answers the alert with it.
async fn set_status(
    state: AppState,
    principal: Principal,
    id: String,
    status: Status,
) -> Result<Json<Alert>, ApiError> {
    principal.require(Scope::Read)?;
    let mut alert = find_alert(&state, &principal, &id).await?;
    state
        .write(move |store| Ok(alerts::set_status(store, &id, status, Timestamp::now())?))
        .await?;
    tracing::info!(alert = %alert.id, key = %principal.key_id, status = alerts::status_name(status), "alert status set");
    alert.status = status;
    Ok(Json(alert))
}

/// Acknowledge an alert (someone is on it), as `credence alerts ack ID`. Needs only the
/// `read` scope: the people who read alerts are the ones who triage them, and a status
/// changes no event and no trust (docs/server.md).
#[utoipa::path(post, path = "/v1/alerts/{id}/ack", tag = "insights",
    params(("id" = String, Path, description = "the alert id")),
    responses((status = 200, description = "the alert with its new status", body = AlertDoc),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn ack_alert(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Alert>, ApiError> {
    set_status(state, principal, id, Status::Acked).await
}

/// Resolve an alert (dealt with), as `credence alerts resolve ID`. Scope `read`, as ack.
#[utoipa::path(post, path = "/v1/alerts/{id}/resolve", tag = "insights",
    params(("id" = String, Path, description = "the alert id")),
    responses((status = 200, description = "the alert with its new status", body = AlertDoc),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn resolve_alert(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Alert>, ApiError> {
    set_status(state, principal, id, Status::Resolved).await
}

// ---------------------------------------------------------------------------------
// Warming

/// Computes, one after the other, what the dashboard opens with: every merchant's
/// alerts, and each merchant's report for the whole range and by week. Failures are
/// logged, not fatal. Spawn it once the server listens.
pub async fn warm(state: AppState) {
    let started = Instant::now();
    let merchants = state.live().merchants();
    for m in &merchants {
        if let Err(e) = merchant_alerts(&state, m).await {
            tracing::warn!(merchant = %m, error = %e, "warming: alerts failed");
        }
    }
    for by in [None, Some("week")] {
        for m in &merchants {
            let params = ReportParams {
                from: None,
                to: None,
                by: by.map(String::from),
                tz: None,
            };
            let result = match report_query(&state, m, &params) {
                Ok(q) => report_body(&state, q).await.map(drop),
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                tracing::warn!(merchant = %m, error = %e, "warming: report failed");
            }
        }
    }
    tracing::info!(
        merchants = merchants.len(),
        seconds = started.elapsed().as_secs_f64(),
        "warmed the reports and alerts"
    );
}
