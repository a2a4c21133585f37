//! `credence-server`: the HTTP server of `credence serve` — the API (and, beside it, the
//! dashboard) over one store: routes, authentication by API key, the live engines kept
//! current by a follower, the caches of reports and alerts, the public ledger.
//!
//! It owns HTTP (axum) and nothing else: every computation is a `credence-app` service
//! (the same [`credence_app::Evaluator`], alerts, reports and ledger operations as the
//! CLI), so the server answers what the CLI prints. It never depends on the binary
//! (`credence`): the binary opens the stores, builds an [`AppState`] from them and calls
//! [`serve`] with a bound listener and a shutdown future.
//!
//! # Layout
//!
//! - [`state`] — [`AppState`], shared by every handler: the configuration, the store
//!   connections (one writer, a pool of two readers, used through [`AppState::read`] and
//!   [`AppState::write`] on the blocking pool, and one for the follower and key
//!   lookups, so they never queue behind a report), the live engines and the key cache.
//! - [`live`] — one engine per merchant, loaded at start and kept current by the
//!   *follower* (a task applying what `EventStore::scan_since` returns, every second
//!   and after each POST); a *generation* per merchant keys every cached answer.
//! - [`auth`] — API keys, [`auth::Scope`]s and [`auth::Principal`] (the extractor that
//!   authenticates a request by bearer token or cookie, with the CSRF rule).
//! - [`reply`] — serialised JSON answers and the pages of lists (limit, cursor).
//! - [`error`] — [`ApiError`], the one error type of the handlers, answered as
//!   `{"error":{"code","status","message"}}`.
//! - [`events`] — `POST /v1/events` (ingest). [`trust`] — `GET /v1/merchants…` (trust).
//!   `insights` — reports, indicators, alerts. `ledger` — the transparency log.
//! - This file — the router (`app`): every module's `routes()` merged into one
//!   `OpenApiRouter` whose document is served at `GET /openapi.json`, plus `/healthz`,
//!   `/metrics`, `POST /login`, `POST /logout`, and the request log/metrics layer; and
//!   [`serve`], which runs it on a bound listener until a shutdown future resolves.
//!
//! Handlers answer the same JSON as the CLI's `--json`; lists are
//! `{"items":[…],"next":CURSOR|null}`. See `docs/server.md`.

pub mod auth;
pub mod dashboard;
pub mod error;
pub mod events;
pub mod insights;
pub mod ledger;
pub mod live;
pub mod reply;
pub mod state;
pub mod trust;

use std::future::Future;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::ApiError;
pub use state::{AppState, READERS, ServeConfig, Stores};

/// The OpenAPI document's header; the paths come from the modules' `routes()`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "credence",
        description = "The customer trust engine's HTTP API (docs/server.md). Authenticate with `Authorization: Bearer crd_…` (`credence keys create`)."
    ),
    components(schemas(error::ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the `/v1` routes name.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "an API key from `credence keys create` (or the `credence_key` cookie set by POST /login)",
                    ))
                    .build(),
            ),
        );
    }
}

/// The whole application: the API, the OpenAPI document, health, metrics, login.
pub fn app(state: AppState) -> axum::Router {
    let (router, api) = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .merge(events::routes())
        .merge(trust::routes())
        .merge(insights::routes())
        .merge(ledger::routes())
        .routes(routes!(healthz))
        .routes(routes!(metrics_text))
        .routes(routes!(login))
        .routes(routes!(logout))
        .split_for_parts();
    let api = std::sync::Arc::new(api);
    let router = router.route(
        "/openapi.json",
        axum::routing::get(move || {
            let api = api.clone();
            async move { Json(api.as_ref().clone()) }
        }),
    );
    // ── Dashboard: merge `dashboard::router()` (an `axum::Router<AppState>`) here. ──
    let router = router.merge(dashboard::router());
    // ── end of the dashboard's spot ──
    let max_body = state.config().max_body;
    router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(observe))
        .with_state(state)
}

/// Serves `app(state)` on `listener` until `shutdown` resolves, then stops accepting,
/// lets in-flight requests finish (a POST completes its commit and its response) and
/// returns. The follower runs beside it, until shutdown.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let follower = tokio::spawn(follow(state.clone(), stop_rx));
    // The dashboard's first views (reports, alerts), computed in the background.
    let warming = tokio::spawn(insights::warm(state.clone()));
    let app = app(state);
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing requests in flight");
        })
        .await;
    let _ = stop_tx.send(true);
    warming.abort();
    let _ = follower.await;
    result.map_err(anyhow::Error::from)
}

/// The follower: catches up every second, and at once when a POST nudges it, until told
/// to stop.
async fn follow(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = state.follower_nudged() => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = state.catch_up().await {
            tracing::warn!(error = %e, "follower: cannot read new events");
        }
        // Recompute what changed, so that lookups stay map reads.
        let live = state.live().clone();
        match tokio::task::spawn_blocking(move || live.warm()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = format!("{e:#}"), "follower: cannot warm the cache")
            }
            Err(e) => tracing::warn!(error = %e, "follower: the warming task failed"),
        }
    }
}

/// The process-wide Prometheus recorder (installed on first use).
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("credence_http_request_duration_seconds".into()),
                &[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0,
                ],
            )
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Fails only when another recorder is installed (tests): then this one only renders.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// The request log and metrics: one log line and one observation per request, by route
/// template (not raw path: bounded label values).
async fn observe(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(req).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    metrics::counter!("credence_http_requests_total",
        "method" => method.to_string(), "route" => route.clone(), "status" => status.to_string())
    .increment(1);
    metrics::histogram!("credence_http_request_duration_seconds", "route" => route.clone())
        .record(elapsed.as_secs_f64());
    tracing::info!(
        method = %method,
        route = %route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1e3,
        "request"
    );
    response
}

/// Any other path: a 404 in the API's error shape.
async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "no route `{}` (the routes are in /openapi.json)",
        uri.path()
    ))
}

/// The health answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Health {
    /// `ok`, or `unavailable` when the store cannot be read.
    status: &'static str,
}

/// Whether the server can read its store (no key needed).
#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn healthz(State(state): State<AppState>) -> Response {
    match state.read_quick(|store| Ok(store.stats()?)).await {
        Ok(_) => Json(Health { status: "ok" }).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                }),
            )
                .into_response()
        }
    }
}

/// Prometheus metrics, text format (no key needed).
#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain")))]
async fn metrics_text() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        metrics_handle().render(),
    )
        .into_response()
}

/// The login form.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct LoginForm {
    /// An API key with the `read` scope.
    key: String,
}

fn cookie(value: &str, max_age: Option<u64>) -> HeaderValue {
    let mut c = format!(
        "{}={value}; HttpOnly; SameSite=Strict; Path=/",
        auth::COOKIE
    );
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("credence_key=; Path=/"))
}

/// Log in to the dashboard: a valid key with the `read` scope becomes the
/// `credence_key` cookie (303 to `/`); anything else is a 303 to `/login?error=1`.
#[utoipa::path(post, path = "/login", tag = "dashboard",
    request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "to `/` with the cookie set, or to `/login?error=1`")))]
async fn login(
    State(state): State<AppState>,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    // A form that is not a form, or has no key, is a failed sign-in like a wrong key.
    let Ok(Form(form)) = form else {
        return Redirect::to("/login?error=1").into_response();
    };
    let key = form.key.trim();
    match auth::authenticate(&state, key).await {
        Ok(p) if p.has(auth::Scope::Read) => {
            let mut resp = Redirect::to("/").into_response();
            resp.headers_mut()
                .insert(header::SET_COOKIE, cookie(key, None));
            resp
        }
        _ => Redirect::to("/login?error=1").into_response(),
    }
}

/// Log out: clears the cookie, 303 to `/login`.
#[utoipa::path(post, path = "/logout", tag = "dashboard",
    responses((status = 303, description = "to `/login`, the cookie cleared")))]
async fn logout() -> Response {
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, cookie("", Some(0)));
    resp
}
