//! Leaves without personal data, leaf openings and tombstones.
//!
//! The byte layout is specified in `docs/ledger-format.md`; this module is its reference
//! implementation. Summary (version 1; merchant and event id are prefixed by their length
//! as two bytes big-endian, every other field by its length as one byte):
//!
//! ```text
//! leaf      = 0x01 kind  len16 merchant  len16 event_id  time_us:i64be  payload  len customer  len text
//! kind      = 0x01 commitment | 0x02 commitment_result | 0x03 review
//! payload   = commitment: 0x20 terms_hash[32] | commitment_result: 0x01 kept(0|1) | review: 0x01 rating(1..=5)
//! customer  = 0x00 (absent) | 0x20 SHA-256("credence-ledger/v1/customer" ‖ salt ‖ customer id)
//! text      = 0x00 (absent) | 0x20 SHA-256("credence-ledger/v1/text" ‖ salt ‖ SHA-256(text))
//! salt      = HMAC-SHA256(key = customer secret, message = event id)
//! tombstone = 0x01 0x10 len16 merchant  len16 event_id  0x20 erased_leaf_hash[32]
//! ```

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Hash, LedgerError, hash::leaf_hash};

/// Format version byte that starts every leaf and tombstone.
pub const LEAF_FORMAT_VERSION: u8 = 1;

const KIND_COMMITMENT: u8 = 0x01;
const KIND_COMMITMENT_RESULT: u8 = 0x02;
const KIND_REVIEW: u8 = 0x03;
const KIND_TOMBSTONE: u8 = 0x10;

const CUSTOMER_TAG: &[u8] = b"credence-ledger/v1/customer";
const TEXT_TAG: &[u8] = b"credence-ledger/v1/text";

/// What a leaf records, with the one kind-specific value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafKind {
    /// A public commitment by the merchant; `terms_hash` = SHA-256 of the commitment terms
    /// as the merchant published them (UTF-8).
    Commitment {
        /// SHA-256 of the published terms.
        terms_hash: Hash,
    },
    /// The outcome of a commitment: kept or broken.
    CommitmentResult {
        /// `true` if the commitment was kept.
        kept: bool,
    },
    /// A review with its star rating.
    Review {
        /// Rating, 1 to 5.
        rating: u8,
    },
}

impl LeafKind {
    /// The kind's name as in events v1: `commitment`, `commitment_result` or `review`.
    pub fn name(&self) -> &'static str {
        match self {
            LeafKind::Commitment { .. } => "commitment",
            LeafKind::CommitmentResult { .. } => "commitment_result",
            LeafKind::Review { .. } => "review",
        }
    }
}

/// One logged event, as it appears in the transparency log: no personal data.
///
/// Build it with the event's public fields and, when the event has a customer, the
/// customer's secret ([`Leaf::with_customer`]); encode with [`Leaf::encode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// What was recorded.
    pub kind: LeafKind,
    /// Merchant id (1–65535 bytes of UTF-8; events v1 allows 128 characters). Merchants
    /// are businesses, not persons.
    pub merchant: String,
    /// Event id (1–65535 bytes of UTF-8); must be opaque (no customer data in it).
    pub event_id: String,
    /// Event time, microseconds since the Unix epoch (UTC).
    pub time_us: i64,
    /// Salted hash of the customer id, if the event has a customer.
    pub customer: Option<Hash>,
    /// Salted hash of the text hash, if the event has a text.
    pub text: Option<Hash>,
}

/// Per-leaf salt: `HMAC-SHA256(key = customer_secret, message = UTF-8 event id)`.
///
/// A different salt per event means two leaves of the same customer carry unrelated
/// hashes; destroying the secret (erasure) makes every leaf of the customer unlinkable.
pub fn leaf_salt(customer_secret: &[u8], event_id: &str) -> Hash {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(customer_secret) {
        Ok(m) => m,
        Err(_) => return Hash::default(),
    };
    mac.update(event_id.as_bytes());
    Hash(mac.finalize().into_bytes().into())
}

/// `SHA-256("credence-ledger/v1/customer" ‖ salt ‖ UTF-8 customer id)`.
pub fn customer_commitment(salt: &Hash, customer: &str) -> Hash {
    let mut h = Sha256::new();
    h.update(CUSTOMER_TAG);
    h.update(salt.0);
    h.update(customer.as_bytes());
    Hash(h.finalize().into())
}

/// `SHA-256("credence-ledger/v1/text" ‖ salt ‖ text_hash)`, with `text_hash` =
/// SHA-256 of the UTF-8 text ([`Hash::sha256`]).
pub fn text_commitment(salt: &Hash, text_hash: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update(TEXT_TAG);
    h.update(salt.0);
    h.update(text_hash.0);
    Hash(h.finalize().into())
}

/// What a customer is given so they can prove a leaf is theirs: their id, the leaf's salt
/// and the SHA-256 of their text. JSON: `{"customer":"…","salt":"<b64>","text_hash":"<b64>"}`
/// (`text_hash` omitted when the event has no text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeafOpening {
    /// The customer id.
    pub customer: String,
    /// `HMAC-SHA256(customer secret, event id)`.
    pub salt: Hash,
    /// SHA-256 of the event's text, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_hash: Option<Hash>,
}

impl LeafOpening {
    /// True if this opening belongs to `leaf`: the leaf's customer and text hashes are
    /// exactly those this opening produces.
    pub fn matches(&self, leaf: &Leaf) -> bool {
        leaf.customer == Some(customer_commitment(&self.salt, &self.customer))
            && leaf.text == self.text_hash.map(|t| text_commitment(&self.salt, &t))
    }
}

impl Leaf {
    /// A leaf with no customer and no text (e.g. a public commitment).
    pub fn new(kind: LeafKind, merchant: &str, event_id: &str, time_us: i64) -> Leaf {
        Leaf {
            kind,
            merchant: merchant.to_owned(),
            event_id: event_id.to_owned(),
            time_us,
            customer: None,
            text: None,
        }
    }

    /// Adds the salted customer hash and (if `text` is given) the salted text hash, and
    /// returns the opening to hand to that customer.
    pub fn with_customer(
        mut self,
        customer_secret: &[u8],
        customer: &str,
        text: Option<&str>,
    ) -> (Leaf, LeafOpening) {
        let salt = leaf_salt(customer_secret, &self.event_id);
        let text_hash = text.map(|t| Hash::sha256(t.as_bytes()));
        self.customer = Some(customer_commitment(&salt, customer));
        self.text = text_hash.map(|t| text_commitment(&salt, &t));
        let opening = LeafOpening {
            customer: customer.to_owned(),
            salt,
            text_hash,
        };
        (self, opening)
    }

    /// Canonical bytes (format version 1). Fails if the merchant or event id is empty or
    /// longer than 65535 bytes, or the rating is not 1–5.
    pub fn encode(&self) -> Result<Vec<u8>, LedgerError> {
        let mut out = Vec::with_capacity(120);
        out.push(LEAF_FORMAT_VERSION);
        let (kind, payload): (u8, Vec<u8>) = match self.kind {
            LeafKind::Commitment { terms_hash } => (KIND_COMMITMENT, terms_hash.0.to_vec()),
            LeafKind::CommitmentResult { kept } => (KIND_COMMITMENT_RESULT, vec![u8::from(kept)]),
            LeafKind::Review { rating } => {
                if !(1..=5).contains(&rating) {
                    return Err(LedgerError::MalformedLeaf(format!(
                        "rating {rating} not in 1..=5"
                    )));
                }
                (KIND_REVIEW, vec![rating])
            }
        };
        out.push(kind);
        put_str(&mut out, &self.merchant, "merchant")?;
        put_str(&mut out, &self.event_id, "event id")?;
        out.extend_from_slice(&self.time_us.to_be_bytes());
        put_field(&mut out, &payload);
        put_opt_hash(&mut out, self.customer.as_ref());
        put_opt_hash(&mut out, self.text.as_ref());
        Ok(out)
    }

    /// The RFC 9162 leaf hash of the encoding.
    pub fn leaf_hash(&self) -> Result<Hash, LedgerError> {
        Ok(leaf_hash(&self.encode()?))
    }

    /// Parses canonical bytes; anything else (unknown version or kind, wrong lengths,
    /// trailing bytes, non-UTF-8 strings, out-of-range values) is an error.
    pub fn decode(bytes: &[u8]) -> Result<Leaf, LedgerError> {
        let mut r = Reader { b: bytes, pos: 0 };
        let version = r.byte("version")?;
        if version != LEAF_FORMAT_VERSION {
            return Err(LedgerError::MalformedLeaf(format!(
                "unknown format version {version}"
            )));
        }
        let kind = r.byte("kind")?;
        let merchant = r.string("merchant")?;
        let event_id = r.string("event id")?;
        let time_us = i64::from_be_bytes(r.array::<8>("time")?);
        let payload = r.field("payload")?;
        let kind = match (kind, payload) {
            (KIND_COMMITMENT, p) if p.len() == 32 => LeafKind::Commitment {
                terms_hash: Hash::try_from(p)?,
            },
            (KIND_COMMITMENT_RESULT, [k @ (0 | 1)]) => LeafKind::CommitmentResult { kept: *k == 1 },
            (KIND_REVIEW, [r @ 1..=5]) => LeafKind::Review { rating: *r },
            (KIND_COMMITMENT | KIND_COMMITMENT_RESULT | KIND_REVIEW, _) => {
                return Err(LedgerError::MalformedLeaf(format!(
                    "bad payload for kind {kind}"
                )));
            }
            (other, _) => {
                return Err(LedgerError::MalformedLeaf(format!("unknown kind {other}")));
            }
        };
        let customer = r.opt_hash("customer")?;
        let text = r.opt_hash("text")?;
        r.end()?;
        Ok(Leaf {
            kind,
            merchant,
            event_id,
            time_us,
            customer,
            text,
        })
    }
}

/// The record left when a customer is erased: which leaf was erased, and its hash, so an
/// audit can still check the log (the leaf hash is in the tree) without the personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tombstone {
    /// Merchant of the erased event.
    pub merchant: String,
    /// Event id of the erased event.
    pub event_id: String,
    /// RFC 9162 leaf hash of the erased leaf.
    pub leaf_hash: Hash,
}

impl Tombstone {
    /// The tombstone of an encoded leaf (checks that the bytes are a leaf).
    pub fn for_leaf(leaf_bytes: &[u8]) -> Result<Tombstone, LedgerError> {
        let leaf = Leaf::decode(leaf_bytes)?;
        Ok(Tombstone {
            merchant: leaf.merchant,
            event_id: leaf.event_id,
            leaf_hash: leaf_hash(leaf_bytes),
        })
    }

    /// True if the tombstone stands for the leaf whose hash the tree holds.
    pub fn matches_leaf_hash(&self, stored_leaf_hash: &Hash) -> bool {
        self.leaf_hash == *stored_leaf_hash
    }

    /// Canonical bytes: `0x01 0x10 len16 merchant len16 event_id 0x20 leaf_hash`.
    pub fn encode(&self) -> Result<Vec<u8>, LedgerError> {
        let mut out = Vec::with_capacity(80);
        out.push(LEAF_FORMAT_VERSION);
        out.push(KIND_TOMBSTONE);
        put_str(&mut out, &self.merchant, "merchant")?;
        put_str(&mut out, &self.event_id, "event id")?;
        put_field(&mut out, &self.leaf_hash.0);
        Ok(out)
    }

    /// Parses canonical tombstone bytes.
    pub fn decode(bytes: &[u8]) -> Result<Tombstone, LedgerError> {
        let mut r = Reader { b: bytes, pos: 0 };
        if r.byte("version")? != LEAF_FORMAT_VERSION {
            return Err(LedgerError::MalformedLeaf(
                "unknown tombstone version".into(),
            ));
        }
        if r.byte("kind")? != KIND_TOMBSTONE {
            return Err(LedgerError::MalformedLeaf("not a tombstone".into()));
        }
        let merchant = r.string("merchant")?;
        let event_id = r.string("event id")?;
        let h = r.field("leaf hash")?;
        if h.len() != 32 {
            return Err(LedgerError::MalformedLeaf(
                "leaf hash must be 32 bytes".into(),
            ));
        }
        let leaf_hash = Hash::try_from(h)?;
        r.end()?;
        Ok(Tombstone {
            merchant,
            event_id,
            leaf_hash,
        })
    }
}

fn put_field(out: &mut Vec<u8>, bytes: &[u8]) {
    // Callers pass at most 32 bytes.
    out.push(u8::try_from(bytes.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(bytes);
}

fn put_str(out: &mut Vec<u8>, s: &str, what: &str) -> Result<(), LedgerError> {
    let len = u16::try_from(s.len())
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            LedgerError::MalformedLeaf(format!("{what} must be 1 to 65535 bytes, is {}", s.len()))
        })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn put_opt_hash(out: &mut Vec<u8>, h: Option<&Hash>) {
    match h {
        Some(h) => put_field(out, &h.0),
        None => out.push(0),
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], LedgerError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| LedgerError::MalformedLeaf(format!("truncated at {what}")))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn byte(&mut self, what: &str) -> Result<u8, LedgerError> {
        Ok(self.take(1, what)?[0])
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], LedgerError> {
        let s = self.take(N, what)?;
        s.try_into()
            .map_err(|_| LedgerError::MalformedLeaf(format!("truncated at {what}")))
    }

    fn field(&mut self, what: &str) -> Result<&'a [u8], LedgerError> {
        let n = self.byte(what)?;
        self.take(usize::from(n), what)
    }

    fn string(&mut self, what: &str) -> Result<String, LedgerError> {
        let n = u16::from_be_bytes(self.array::<2>(what)?);
        let b = self.take(usize::from(n), what)?;
        if b.is_empty() {
            return Err(LedgerError::MalformedLeaf(format!("empty {what}")));
        }
        String::from_utf8(b.to_vec())
            .map_err(|_| LedgerError::MalformedLeaf(format!("{what} is not UTF-8")))
    }

    fn opt_hash(&mut self, what: &str) -> Result<Option<Hash>, LedgerError> {
        let b = self.field(what)?;
        match b.len() {
            0 => Ok(None),
            32 => Ok(Some(Hash::try_from(b)?)),
            n => Err(LedgerError::MalformedLeaf(format!(
                "{what} must be 0 or 32 bytes, is {n}"
            ))),
        }
    }

    fn end(&self) -> Result<(), LedgerError> {
        if self.pos != self.b.len() {
            return Err(LedgerError::MalformedLeaf(format!(
                "{} trailing bytes",
                self.b.len() - self.pos
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review() -> (Leaf, LeafOpening) {
        Leaf::new(
            LeafKind::Review { rating: 4 },
            "m-1",
            "ev-42",
            1_700_000_000_000_000,
        )
        .with_customer(b"secret-of-c1", "c-1", Some("great service"))
    }

    #[test]
    fn round_trip_and_opening() -> Result<(), LedgerError> {
        let (leaf, opening) = review();
        let bytes = leaf.encode()?;
        assert_eq!(Leaf::decode(&bytes)?, leaf);
        assert!(opening.matches(&leaf));
        let mut other = opening.clone();
        other.customer = "c-2".into();
        assert!(!other.matches(&leaf));
        let mut other = opening.clone();
        other.text_hash = Some(Hash::sha256(b"bad service"));
        assert!(!other.matches(&leaf));
        Ok(())
    }

    #[test]
    fn same_customer_unlinkable_across_events() {
        let a = Leaf::new(LeafKind::Review { rating: 5 }, "m", "e1", 0)
            .with_customer(b"k", "c", None)
            .0;
        let b = Leaf::new(LeafKind::Review { rating: 5 }, "m", "e2", 0)
            .with_customer(b"k", "c", None)
            .0;
        assert_ne!(a.customer, b.customer);
    }

    #[test]
    fn rejects_non_canonical() -> Result<(), LedgerError> {
        let (leaf, _) = review();
        let bytes = leaf.encode()?;
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Leaf::decode(&longer).is_err());
        for cut in 0..bytes.len() {
            assert!(Leaf::decode(&bytes[..cut]).is_err());
        }
        let mut bad_rating = Leaf::new(LeafKind::Review { rating: 4 }, "m", "e", 0).encode()?;
        let pos = bad_rating.len() - 3;
        bad_rating[pos] = 6;
        assert!(Leaf::decode(&bad_rating).is_err());
        Ok(())
    }

    #[test]
    fn long_unicode_ids_of_events_v1_fit() -> Result<(), LedgerError> {
        // events v1 allows 128 characters: 128 CJK characters are 384 bytes.
        let id: String = "评".repeat(128);
        let leaf = Leaf::new(LeafKind::CommitmentResult { kept: true }, &id, &id, -1);
        assert_eq!(Leaf::decode(&leaf.encode()?)?, leaf);
        assert!(
            Leaf::new(LeafKind::CommitmentResult { kept: true }, "", "e", 0)
                .encode()
                .is_err()
        );
        let huge = "x".repeat(65536);
        assert!(
            Leaf::new(LeafKind::CommitmentResult { kept: true }, "m", &huge, 0)
                .encode()
                .is_err()
        );
        Ok(())
    }

    #[test]
    fn tombstone_round_trip() -> Result<(), LedgerError> {
        let (leaf, _) = review();
        let bytes = leaf.encode()?;
        let t = Tombstone::for_leaf(&bytes)?;
        assert!(t.matches_leaf_hash(&leaf_hash(&bytes)));
        let tb = t.encode()?;
        assert_eq!(Tombstone::decode(&tb)?, t);
        assert!(Leaf::decode(&tb).is_err());
        assert!(Tombstone::decode(&bytes).is_err());
        Ok(())
    }
}
