//! Reports, indicators and alerts over HTTP (placeholder: filled by the insights work).

use utoipa_axum::router::OpenApiRouter;

use super::state::AppState;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
