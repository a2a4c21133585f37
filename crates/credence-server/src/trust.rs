//! Trust over HTTP: merchants, their customers, one relationship — the JSON of
//! `credence merchant M --json` and `credence trust -m M [-c C] --json`, evaluated at
//! the merchant's latest event unless `at` says otherwise, from the live engines (see
//! [`super::live`]: answers at the latest event are cached per generation).

use std::borrow::Cow;
use std::cmp::Ordering;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use credence_engine::Stage;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::openapi::{ObjectBuilder, RefOr, Schema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Principal, Scope};
use super::error::{ApiError, ErrorBody, query};
use super::live::{LiveMerchant, Row};
use super::reply::{decode_cursor, encode_cursor, json, limit, page};
use super::state::AppState;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_merchants))
        .routes(routes!(get_merchant))
        .routes(routes!(list_customers))
        .routes(routes!(get_trust))
}

fn eval_time(at: &Option<String>) -> Result<Option<Timestamp>, ApiError> {
    at.as_deref()
        .map(|s| credence_app::parse_eval_time(s).map_err(ApiError::bad_request))
        .transpose()
}

fn merchant(
    state: &AppState,
    principal: &Principal,
    name: &str,
) -> Result<std::sync::Arc<LiveMerchant>, ApiError> {
    principal.require(Scope::Read)?;
    principal.may_see(name)?;
    state
        .live()
        .merchant(name)
        .ok_or_else(|| ApiError::not_found(format!("no events for merchant `{name}`")))
}

/// A trust report (schema described in docs/server.md and docs/trust-model.md): the
/// engine's `TrustReport` as `credence trust --json` prints it.
pub struct TrustReportDoc;
/// A merchant report: `credence merchant --json` (docs/server.md).
pub struct MerchantReportDoc;

macro_rules! described_object {
    ($t:ty, $name:literal, $desc:literal) => {
        impl utoipa::PartialSchema for $t {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new().description(Some($desc)).into()
            }
        }
        impl utoipa::ToSchema for $t {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}
described_object!(
    TrustReportDoc,
    "TrustReport",
    "Trust of one relationship, as `credence trust -m M -c C --json`: merchant, customer, at, score (0-100), uncertainty (0-1), cognitive, affective, stage, dimensions {ability, integrity, benevolence, affect: {score, belief, disbelief, uncertainty, base_rate}}, reasons [{event, reason, dimension, impact, text_en, text_zh, …}], stage_history [{stage, since}]. See docs/trust-model.md."
);
described_object!(
    MerchantReportDoc,
    "MerchantReport",
    "A merchant's reputation, as `credence merchant M --json`: the TrustReport fields (customer and stage null) plus stages {initial, developing, committed, at_risk, ended}. See docs/trust-model.md."
);

/// A page of merchant reports (documentation only: the body is written directly).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct MerchantPage {
    items: Vec<MerchantReportDoc>,
    /// Pass as `cursor` for the next page; `null` on the last.
    next: Option<String>,
}

/// A page of trust reports (documentation only: the body is written directly).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct CustomerPage {
    items: Vec<TrustReportDoc>,
    /// Pass as `cursor` for the next page; `null` on the last.
    next: Option<String>,
}

/// Paging parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    /// Items per page: 1–1000 [default 100].
    limit: Option<usize>,
    /// The `next` of the previous page.
    cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct MerchantCursor {
    m: String,
}

/// The merchants the key may see, with their reputation (as `credence merchant --json`),
/// by name.
#[utoipa::path(get, path = "/v1/merchants", tag = "trust", params(PageQuery),
    responses((status = 200, body = MerchantPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_merchants(
    State(state): State<AppState>,
    principal: Principal,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    principal.require(Scope::Read)?;
    let q = query(q)?;
    let limit = limit(q.limit)?;
    let after = q
        .cursor
        .as_deref()
        .map(decode_cursor::<MerchantCursor>)
        .transpose()?;
    let mut names: Vec<String> = state
        .live()
        .merchants()
        .into_iter()
        .filter(|m| principal.sees(m))
        .filter(|m| after.as_ref().is_none_or(|a| m.as_str() > a.m.as_str()))
        .take(limit + 1)
        .collect();
    let more = names.len() > limit;
    names.truncate(limit);
    let next = match names.last() {
        Some(last) if more => Some(encode_cursor(&MerchantCursor { m: last.clone() })?),
        _ => None,
    };
    let live = state.live().clone();
    let items = tokio::task::spawn_blocking(move || {
        names
            .iter()
            .filter_map(|n| live.merchant(n))
            .filter_map(|m| m.report_json(None).transpose())
            .collect::<anyhow::Result<Vec<Bytes>>>()
    })
    .await
    .map_err(ApiError::internal)??;
    page(&items, next)
}

/// An evaluation time.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AtQuery {
    /// Evaluation time: RFC 3339 or a date (the end of that day, UTC) [default: the
    /// merchant's latest event].
    at: Option<String>,
}

/// A merchant's reputation, the trust a new customer starts with and its customers per
/// stage: `credence merchant M --json`.
#[utoipa::path(get, path = "/v1/merchants/{merchant}", tag = "trust",
    params(("merchant" = String, Path, description = "the merchant"), AtQuery),
    responses((status = 200, body = MerchantReportDoc), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_merchant(
    State(state): State<AppState>,
    principal: Principal,
    Path(name): Path<String>,
    q: Result<Query<AtQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let m = merchant(&state, &principal, &name)?;
    let at = eval_time(&query(q)?.at)?;
    let report = tokio::task::spawn_blocking(move || m.report_json(at))
        .await
        .map_err(ApiError::internal)??;
    report
        .map(json)
        .ok_or_else(|| ApiError::not_found(format!("merchant `{name}` has no events up to `at`")))
}

/// How to order customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum Sort {
    /// Lowest trust first.
    #[default]
    Score,
    /// Highest trust first.
    ScoreDesc,
    /// Most uncertain first.
    Uncertainty,
    /// By customer id.
    Customer,
}

impl Sort {
    /// The directed sort key (ascending order of it, then customer id, is the order).
    fn key(self, r: &Row) -> f64 {
        match self {
            Sort::Score => r.score,
            Sort::ScoreDesc => -r.score,
            Sort::Uncertainty => -r.uncertainty,
            Sort::Customer => 0.0,
        }
    }
}

/// Where a page of customers ended: its sort, last key and customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CustomerCursor {
    s: Sort,
    /// The sort key's bits: exact, where a decimal float may not parse back to the
    /// same value.
    k: u64,
    c: String,
}

/// Ascending sort key, then customer id: the one order of pages and cursors.
fn order(a_key: f64, a_c: &str, b_key: f64, b_c: &str) -> Ordering {
    a_key.total_cmp(&b_key).then_with(|| a_c.cmp(b_c))
}

/// The query of a customer list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CustomersQuery {
    /// Only customers in this stage: initial, developing, committed, at_risk, ended.
    stage: Option<String>,
    /// Order: score (lowest trust first, the default), score_desc, uncertainty (most
    /// uncertain first), customer.
    #[param(inline)]
    sort: Option<Sort>,
    /// Items per page: 1–1000 [default 100].
    limit: Option<usize>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// Evaluation time [default: the merchant's latest event].
    at: Option<String>,
}

fn parse_stage(s: &str) -> Result<Stage, ApiError> {
    let norm = s.replace('-', "_");
    Stage::ALL
        .into_iter()
        .find(|st| st.as_str() == norm)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown stage `{s}`: one of initial, developing, committed, at_risk, ended"
            ))
        })
}

/// Selects one page of a snapshot: rows of `stage` in `sort` order after `cursor`.
/// Returns the page's rows and the cursor of the next page.
fn select<'a>(
    rows: &'a [Row],
    stage: Option<Stage>,
    sort: Sort,
    cursor: Option<&CustomerCursor>,
    limit: usize,
) -> (Vec<&'a Row>, Option<CustomerCursor>) {
    let mut sel: Vec<&Row> = rows
        .iter()
        .filter(|r| stage.is_none_or(|s| r.stage == Some(s)))
        .collect();
    sel.sort_by(|a, b| order(sort.key(a), &a.customer, sort.key(b), &b.customer));
    let start = match cursor {
        Some(c) => sel.partition_point(|r| {
            order(sort.key(r), &r.customer, f64::from_bits(c.k), &c.c) != Ordering::Greater
        }),
        None => 0,
    };
    let end = (start + limit).min(sel.len());
    let page: Vec<&Row> = sel[start..end].to_vec();
    let next = if end < sel.len() {
        page.last().map(|r| CustomerCursor {
            s: sort,
            k: sort.key(r).to_bits(),
            c: r.customer.clone(),
        })
    } else {
        None
    };
    (page, next)
}

/// Trust of a merchant's customers, one page: the lines of `credence trust -m M --json`.
#[utoipa::path(get, path = "/v1/merchants/{merchant}/customers", tag = "trust",
    params(("merchant" = String, Path, description = "the merchant"), CustomersQuery),
    responses((status = 200, body = CustomerPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_customers(
    State(state): State<AppState>,
    principal: Principal,
    Path(name): Path<String>,
    q: Result<Query<CustomersQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let m = merchant(&state, &principal, &name)?;
    let q = query(q)?;
    let at = eval_time(&q.at)?;
    let limit = limit(q.limit)?;
    let stage = q.stage.as_deref().map(parse_stage).transpose()?;
    let sort = q.sort.unwrap_or_default();
    let cursor = q
        .cursor
        .as_deref()
        .map(decode_cursor::<CustomerCursor>)
        .transpose()?;
    if let Some(c) = &cursor
        && c.s != sort
    {
        return Err(ApiError::bad_request(
            "the cursor belongs to another sort order: keep the query of the first page",
        ));
    }
    let (items, next) = tokio::task::spawn_blocking(move || {
        let snap = m.snapshot(at)?;
        let (rows, next) = select(&snap.rows, stage, sort, cursor.as_ref(), limit);
        let items: Vec<Bytes> = rows.into_iter().map(|r| r.json.clone()).collect();
        anyhow::Ok((items, next))
    })
    .await
    .map_err(ApiError::internal)??;
    let next = next.map(|c| encode_cursor(&c)).transpose()?;
    page(&items, next)
}

/// Trust of one relationship, with reasons and stage history: `credence trust -m M -c C
/// --json`.
#[utoipa::path(get, path = "/v1/merchants/{merchant}/customers/{customer}/trust", tag = "trust",
    params(("merchant" = String, Path, description = "the merchant"),
        ("customer" = String, Path, description = "the customer"), AtQuery),
    responses((status = 200, body = TrustReportDoc), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_trust(
    State(state): State<AppState>,
    principal: Principal,
    Path((name, customer)): Path<(String, String)>,
    q: Result<Query<AtQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let m = merchant(&state, &principal, &name)?;
    let at = eval_time(&query(q)?.at)?;
    // A cached answer is a map read: no need for the blocking pool.
    let found = m.trust_json(&customer, at).map_err(ApiError::internal)?;
    found.map(json).ok_or_else(|| {
        ApiError::not_found(format!(
            "customer `{customer}` has no events with merchant `{name}`{}",
            if at.is_some() { " up to `at`" } else { "" }
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(c: &str, score: f64, unc: f64, stage: Stage) -> Row {
        Row {
            customer: c.into(),
            score,
            uncertainty: unc,
            stage: Some(stage),
            json: Bytes::from(c.to_string()),
        }
    }

    fn names(rows: &[&Row]) -> Vec<String> {
        rows.iter().map(|r| r.customer.clone()).collect()
    }

    #[test]
    fn cursor_pages_cover_every_row_once_in_order() {
        let rows = vec![
            row("a", 50.0, 0.2, Stage::Developing),
            row("b", 20.0, 0.5, Stage::AtRisk),
            row("c", 50.0, 0.1, Stage::Developing),
            row("d", 90.0, 0.05, Stage::Committed),
            row("e", 20.0, 0.5, Stage::AtRisk),
            // keys whose shortest decimal form may not parse back exactly
            row("f", 0.1 + 0.2, 0.734_912_345_678_901_2, Stage::Initial),
            row("g", 0.1 + 0.2, 0.734_912_345_678_901_2, Stage::Initial),
        ];
        for (sort, expect) in [
            (Sort::Score, vec!["f", "g", "b", "e", "a", "c", "d"]),
            (Sort::ScoreDesc, vec!["d", "a", "c", "b", "e", "f", "g"]),
            (Sort::Uncertainty, vec!["f", "g", "b", "e", "a", "c", "d"]),
            (Sort::Customer, vec!["a", "b", "c", "d", "e", "f", "g"]),
        ] {
            let mut seen = Vec::new();
            let mut cursor: Option<CustomerCursor> = None;
            loop {
                // through the opaque encoding, as a client would
                let c = cursor
                    .as_ref()
                    .map(|c| decode_cursor::<CustomerCursor>(&encode_cursor(c).unwrap()).unwrap());
                let (page, next) = select(&rows, None, sort, c.as_ref(), 2);
                assert!(page.len() <= 2);
                seen.extend(names(&page));
                match next {
                    Some(n) => cursor = Some(n),
                    None => break,
                }
            }
            assert_eq!(seen, expect, "{sort:?}");
        }
        let (page, next) = select(&rows, Some(Stage::AtRisk), Sort::Score, None, 10);
        assert_eq!(names(&page), vec!["b", "e"]);
        assert!(next.is_none());
    }

    #[test]
    fn bad_cursors_and_stages_are_bad_requests() {
        assert!(matches!(
            decode_cursor::<CustomerCursor>("not-a-cursor"),
            Err(ApiError::BadRequest(_))
        ));
        assert_eq!(parse_stage("at-risk").unwrap(), Stage::AtRisk);
        assert_eq!(parse_stage("at_risk").unwrap(), Stage::AtRisk);
        assert!(parse_stage("gold").is_err());
    }
}
