//! The 32-byte SHA-256 hash type and RFC 9162 §2.1 leaf and node hashing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};
use std::fmt;

use crate::LedgerError;

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
///
/// Serialized (JSON) and displayed as standard base64 with padding (44 characters).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
    pub const EMPTY_ROOT: Hash = Hash([
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9,
        0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52,
        0xb8, 0x55,
    ]);

    /// Plain SHA-256 of `data` (no prefix). Used for text hashes and terms hashes.
    pub fn sha256(data: &[u8]) -> Hash {
        Hash(Sha256::digest(data).into())
    }

    /// Parses standard base64 (with padding) of exactly 32 bytes.
    pub fn from_base64(s: &str) -> Result<Hash, LedgerError> {
        let bytes = B64
            .decode(s)
            .map_err(|e| LedgerError::InvalidInput(format!("bad base64 hash {s:?}: {e}")))?;
        Hash::try_from(bytes.as_slice())
    }

    /// Standard base64 with padding.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl TryFrom<&[u8]> for Hash {
    type Error = LedgerError;
    fn try_from(b: &[u8]) -> Result<Hash, LedgerError> {
        let arr: [u8; 32] = b.try_into().map_err(|_| {
            LedgerError::InvalidInput(format!("hash must be 32 bytes, got {}", b.len()))
        })?;
        Ok(Hash(arr))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl serde::Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base64())
    }
}

impl<'de> serde::Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Hash, D::Error> {
        let s = String::deserialize(d)?;
        Hash::from_base64(&s).map_err(serde::de::Error::custom)
    }
}

/// RFC 9162 §2.1 leaf hash: `SHA-256(0x00 ‖ leaf bytes)`.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    Hash(tlog_tiles::record_hash(leaf).0)
}

/// RFC 9162 §2.1 interior node hash: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Hash(tlog_tiles::node_hash(tlog_tiles::Hash(left.0), tlog_tiles::Hash(right.0)).0)
}

pub(crate) fn b64_encode(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

pub(crate) fn b64_decode(s: &str, what: &str) -> Result<Vec<u8>, LedgerError> {
    B64.decode(s)
        .map_err(|e| LedgerError::InvalidInput(format!("bad base64 in {what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(Hash::sha256(b""), Hash::EMPTY_ROOT);
    }

    #[test]
    fn base64_round_trip() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_base64(&h.to_base64()).ok(), Some(h));
        assert!(Hash::from_base64("AAAA").is_err());
    }
}
