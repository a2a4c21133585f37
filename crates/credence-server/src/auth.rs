//! API keys and who is asking: [`Principal`], extracted from `Authorization: Bearer KEY`
//! or the `credence_key` cookie (set by `POST /login`), and the [`Scope`]s a key holds.
//!
//! Keys are minted and hashed by `credence_app::keys` (the store keeps only the hash).
//! Successful lookups are cached for
//! [`super::state::KEY_CACHE_TTL`] (5 s), so a revocation takes effect within 5 seconds
//! and a request costs no store round trip.
//!
//! Cookie authentication is what a browser does by itself, so a request that changes
//! something (not GET/HEAD) authenticated by the cookie must also carry the header
//! `X-Credence-Request: 1`, which a cross-site form cannot set (CSRF guard; the cookie is
//! also `SameSite=Strict`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
pub use credence_app::keys::Scope;
use credence_app::keys::{KEY_PREFIX, hash_key};

use super::error::ApiError;
use super::state::AppState;

/// The cookie that carries a key for the dashboard.
pub const COOKIE: &str = "credence_key";
/// The header a cookie-authenticated request that changes something must carry, with
/// the value `1`.
pub const CSRF_HEADER: &str = "x-credence-request";
/// An authenticated key: who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The key's public id (`key_…`).
    pub key_id: String,
    /// Its scopes.
    pub scopes: Vec<Scope>,
    /// The one merchant it may see; `None` = every merchant.
    pub merchant: Option<String>,
}

impl Principal {
    /// Whether the key holds `scope` (admin holds every scope).
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin)
    }

    /// `Ok` when the key holds `scope`, else 403.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.has(scope) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this key lacks the `{}` scope",
                scope.as_str()
            )))
        }
    }

    /// `Ok` when the key may see `merchant`'s data, else 403.
    pub fn may_see(&self, merchant: &str) -> Result<(), ApiError> {
        match &self.merchant {
            Some(m) if m != merchant => Err(ApiError::forbidden(format!(
                "this key is restricted to merchant `{m}`"
            ))),
            _ => Ok(()),
        }
    }

    /// Whether the key may see `merchant` (for filtering lists).
    pub fn sees(&self, merchant: &str) -> bool {
        self.merchant.as_deref().is_none_or(|m| m == merchant)
    }
}

/// How a request presented its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    /// `Authorization: Bearer KEY`.
    Bearer(String),
    /// The `credence_key` cookie.
    Cookie(String),
}

/// The key a request presents: the bearer token first, else the cookie.
pub(crate) fn credential(headers: &HeaderMap) -> Option<Credential> {
    if let Some(v) = headers.get(header::AUTHORIZATION)
        && let Ok(v) = v.to_str()
    {
        let v = v.trim();
        if let Some((scheme, token)) = v.split_once(' ')
            && scheme.eq_ignore_ascii_case("bearer")
        {
            return Some(Credential::Bearer(token.trim().to_string()));
        }
    }
    for v in headers.get_all(header::COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        for pair in v.split(';') {
            if let Some((name, value)) = pair.trim().split_once('=')
                && name == COOKIE
                && !value.is_empty()
            {
                return Some(Credential::Cookie(value.to_string()));
            }
        }
    }
    None
}

/// Looks a key up (cache first, then the store): its principal, or 401.
pub async fn authenticate(state: &AppState, key: &str) -> Result<Principal, ApiError> {
    if !key.starts_with(KEY_PREFIX) || key.len() > 200 {
        return Err(ApiError::unauthorized("invalid API key"));
    }
    let hash = hash_key(key);
    if let Some(p) = state.cached_key(&hash) {
        return Ok(p);
    }
    let h = hash.clone();
    let record = state
        .read_quick(move |store| Ok(store.api_key_by_hash(&h)?))
        .await?;
    let Some(record) = record else {
        return Err(ApiError::unauthorized("invalid API key"));
    };
    if record.revoked_at.is_some() {
        return Err(ApiError::unauthorized("this API key was revoked"));
    }
    let principal = Principal {
        key_id: record.id,
        scopes: record
            .scopes
            .iter()
            .filter_map(|s| Scope::parse(s))
            .collect(),
        merchant: record.merchant,
    };
    state.cache_key(hash, principal.clone());
    Ok(principal)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(cred) = credential(&parts.headers) else {
            return Err(ApiError::unauthorized(
                "an API key is required: `Authorization: Bearer crd_…` (see `credence keys create`)",
            ));
        };
        let key = match &cred {
            Credential::Bearer(k) | Credential::Cookie(k) => k,
        };
        let principal = authenticate(state, key).await?;
        if matches!(cred, Credential::Cookie(_))
            && parts.method != Method::GET
            && parts.method != Method::HEAD
            && parts
                .headers
                .get(CSRF_HEADER)
                .is_none_or(|v| v.as_bytes() != b"1")
        {
            return Err(ApiError::forbidden(
                "a request authenticated by the cookie must carry `X-Credence-Request: 1`",
            ));
        }
        Ok(principal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn bearer_first_then_the_cookie() {
        assert_eq!(
            credential(&headers(&[("authorization", "Bearer crd_abc")])),
            Some(Credential::Bearer("crd_abc".into()))
        );
        assert_eq!(
            credential(&headers(&[("authorization", "bearer  crd_abc ")])),
            Some(Credential::Bearer("crd_abc".into()))
        );
        assert_eq!(
            credential(&headers(&[(
                "cookie",
                "theme=dark; credence_key=crd_x; a=b"
            )])),
            Some(Credential::Cookie("crd_x".into()))
        );
        assert_eq!(
            credential(&headers(&[
                ("cookie", "credence_key=crd_c"),
                ("authorization", "Bearer crd_b")
            ])),
            Some(Credential::Bearer("crd_b".into()))
        );
        assert_eq!(
            credential(&headers(&[("authorization", "Basic eDp5")])),
            None
        );
        assert_eq!(credential(&headers(&[("cookie", "credence_key=")])), None);
        assert_eq!(credential(&HeaderMap::new()), None);
    }

    #[test]
    fn admin_implies_every_scope_and_merchants_are_enforced() {
        let admin = Principal {
            key_id: "key_1".into(),
            scopes: vec![Scope::Admin],
            merchant: None,
        };
        assert!(admin.require(Scope::Ingest).is_ok() && admin.require(Scope::Read).is_ok());
        let reader = Principal {
            key_id: "key_2".into(),
            scopes: vec![Scope::Read],
            merchant: Some("m-tea".into()),
        };
        assert!(reader.require(Scope::Ingest).is_err());
        assert!(reader.may_see("m-tea").is_ok());
        assert!(matches!(
            reader.may_see("m-bank"),
            Err(ApiError::Forbidden(_))
        ));
    }
}
