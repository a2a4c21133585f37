//! How handlers answer: JSON bodies that are already serialised (cached answers are kept
//! as bytes), and the pages of lists — `{"items":[…],"next":CURSOR|null}` with a `limit`
//! and an opaque cursor (base64url of a small JSON value each list defines).

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Default page size of lists.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page size; larger `limit`s are capped.
pub const MAX_LIMIT: usize = 1000;

/// A `200 application/json` answer from an already serialised body.
pub fn json(body: impl Into<Body>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.into(),
    )
        .into_response()
}

/// `{"items":[…],"next":…}` from serialised items.
pub fn page(items: &[Bytes], next: Option<String>) -> Result<Response, ApiError> {
    let mut out = Vec::with_capacity(items.iter().map(|i| i.len() + 1).sum::<usize>() + 64);
    out.extend_from_slice(b"{\"items\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item);
    }
    out.extend_from_slice(b"],\"next\":");
    serde_json::to_writer(&mut out, &next).map_err(ApiError::internal)?;
    out.push(b'}');
    Ok(json(out))
}

/// The page size asked for: [`DEFAULT_LIMIT`] when absent, capped at [`MAX_LIMIT`].
pub fn limit(l: Option<usize>) -> Result<usize, ApiError> {
    match l {
        None => Ok(DEFAULT_LIMIT),
        Some(0) => Err(ApiError::bad_request("limit must be at least 1")),
        Some(n) => Ok(n.min(MAX_LIMIT)),
    }
}

/// Encodes a cursor: base64url of its JSON (opaque to clients).
pub fn encode_cursor<T: Serialize>(c: &T) -> Result<String, ApiError> {
    let json = serde_json::to_vec(c).map_err(ApiError::internal)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

/// Decodes a cursor made by [`encode_cursor`]; anything else is a 400.
pub fn decode_cursor<T: DeserializeOwned>(s: &str) -> Result<T, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| ApiError::bad_request("invalid cursor: pass back the `next` of a page"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors() {
        assert!(limit(Some(0)).is_err());
        assert_eq!(limit(None).ok(), Some(DEFAULT_LIMIT));
        assert_eq!(limit(Some(5000)).ok(), Some(MAX_LIMIT));
        let c = encode_cursor(&("m-tea", 3)).expect("encode");
        assert_eq!(
            decode_cursor::<(String, u32)>(&c).ok(),
            Some(("m-tea".into(), 3))
        );
        assert!(matches!(
            decode_cursor::<(String, u32)>("not-a-cursor"),
            Err(ApiError::BadRequest(_))
        ));
    }
}
