//! API keys for the server: the [`Scope`]s a key holds, minting one ([`new_key`]) and
//! the hash the store keeps instead of it ([`hash_key`]).
//!
//! A key is `crd_` + base64url(32 random bytes); the store keeps only the hex SHA-256 of
//! it (a random 256-bit secret needs no slow hash), so a key is shown once, at creation.

use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every key starts with this.
pub const KEY_PREFIX: &str = "crd_";

/// What a key may do. `Admin` implies the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// `POST /v1/events`.
    Ingest,
    /// Every `GET /v1/…`, the dashboard, and acknowledging or resolving alerts (the
    /// people who read alerts triage them; a status changes no event and no trust).
    Read,
    /// Both of the others: a key for operators. (No HTTP route needs more than `read` or
    /// `ingest` yet; keys are managed with `credence keys` on the store itself.)
    Admin,
}

impl Scope {
    /// The name stored and shown: `ingest`, `read`, `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::Read => "read",
            Scope::Admin => "admin",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "ingest" => Some(Scope::Ingest),
            "read" => Some(Scope::Read),
            "admin" => Some(Scope::Admin),
            _ => None,
        }
    }
}

/// Hex SHA-256 of a key: what the store keeps.
pub fn hash_key(key: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(key.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

/// A new key and its id: (`key_` + 12 hex, `crd_` + base64url of 32 random bytes).
pub fn new_key() -> (String, String) {
    let mut rng = rand::rng();
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    let key = format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
    );
    let mut idb = [0u8; 6];
    rng.fill_bytes(&mut idb);
    let id = format!(
        "key_{}",
        idb.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    (id, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_their_shape_and_hash_to_hex() {
        let (id, key) = new_key();
        assert!(id.starts_with("key_") && id.len() == 16, "{id}");
        assert!(key.starts_with("crd_") && key.len() == 4 + 43, "{key}");
        let (_, other) = new_key();
        assert_ne!(key, other);
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
