//! `POST /v1/events`: ingest over HTTP, with the validation, idempotency and per-line
//! results of `credence ingest`.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Principal, Scope};
use super::error::ApiError;
use super::state::AppState;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_events))
}

/// Store a batch of events (JSON array or JSON Lines).
#[utoipa::path(post, path = "/v1/events", tag = "events",
    responses((status = 200, description = "every line accepted or duplicate")))]
async fn post_events(
    State(_state): State<AppState>,
    principal: Principal,
) -> Result<Json<serde_json::Value>, ApiError> {
    principal.require(Scope::Ingest)?;
    Err(ApiError::Unavailable("not implemented yet".into()))
}
