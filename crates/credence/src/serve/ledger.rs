//! The transparency ledger over HTTP (placeholder: filled by the ledger work).

use utoipa_axum::router::OpenApiRouter;

use super::state::AppState;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
