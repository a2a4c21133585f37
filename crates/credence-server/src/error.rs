//! [`ApiError`]: every error a handler returns, with its HTTP status and the JSON body
//! `{"error":{"code":"not_found","status":404,"message":"…"}}`.
//!
//! Internal errors log their whole cause chain (with `tracing`) and answer an opaque 500:
//! what went wrong inside the server is for the operator, not the client.

use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be read (bad JSON, bad parameter).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no key, or a key that is unknown or revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: a valid key without the scope, the merchant or the CSRF header it needs.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such merchant, customer or route.
    #[error("{0}")]
    NotFound(String),
    /// 413: the body is over the server's limit (`--max-body`).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: a content type the endpoint does not read.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 500: a bug or a failing store; logged in full, answered opaquely.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The JSON error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `bad_request`, `unauthorized`, `forbidden`,
    /// `not_found`, `payload_too_large`, `unsupported_media_type`, `internal`.
    pub code: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// A sentence for people.
    pub message: String,
}

impl ApiError {
    /// 400 with this message.
    pub fn bad_request(msg: impl Into<String>) -> Self {
        ApiError::BadRequest(msg.into())
    }
    /// 401 with this message.
    pub fn unauthorized(msg: impl Into<String>) -> Self {
        ApiError::Unauthorized(msg.into())
    }
    /// 403 with this message.
    pub fn forbidden(msg: impl Into<String>) -> Self {
        ApiError::Forbidden(msg.into())
    }
    /// 404 with this message.
    pub fn not_found(msg: impl Into<String>) -> Self {
        ApiError::NotFound(msg.into())
    }
    /// 413 with this message.
    pub fn payload_too_large(msg: impl Into<String>) -> Self {
        ApiError::PayloadTooLarge(msg.into())
    }
    /// 500 from any error (logged in full when answered).
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(err.into())
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            ApiError::Internal(err) => {
                tracing::error!(error = format!("{err:#}"), "internal error");
                "internal error: the server's log has the details".to_string()
            }
            other => other.to_string(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                status: status.as_u16(),
                message,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// The parameters of a query string, or a 400 in the API's error shape naming what is
/// wrong (axum's own rejection would answer plain text).
pub fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn errors_have_a_code_and_an_opaque_500() {
        let resp = ApiError::not_found("no merchant `m-x`").into_response();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "not_found");
        assert_eq!(v["error"]["message"], "no merchant `m-x`");

        let resp =
            ApiError::from(anyhow::anyhow!("disk on fire").context("writing")).into_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("disk on fire"), "{text}");
    }
}
