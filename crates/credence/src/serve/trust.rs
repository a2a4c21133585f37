//! Trust over HTTP: merchants, their customers, one relationship — the JSON of
//! `credence merchant --json` and `credence trust --json`.

use axum::Json;
use axum::extract::{Path, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Principal, Scope};
use super::error::ApiError;
use super::state::AppState;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_merchant))
}

/// A merchant's reputation.
#[utoipa::path(get, path = "/v1/merchants/{merchant}", tag = "trust",
    params(("merchant" = String, Path, description = "the merchant")),
    responses((status = 200, description = "= `credence merchant M --json`")))]
async fn get_merchant(
    State(_state): State<AppState>,
    principal: Principal,
    Path(merchant): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    principal.require(Scope::Read)?;
    principal.may_see(&merchant)?;
    Err(ApiError::Unavailable("not implemented yet".into()))
}
