//! Receipts (JSON and C2SP tlog-proof) and offline verification of receipts and of
//! consistency between two signed checkpoints.

use serde::{Deserialize, Serialize};

use crate::hash::{b64_decode, b64_encode, leaf_hash};
use crate::{
    Checkpoint, ConsistencyProof, Hash, HashReader, InclusionProof, Leaf, LeafOpening, LedgerError,
    SignedCheckpoint, VerifierKey, prove_consistency, prove_inclusion, tree_root,
};

/// Proof that one event's leaf is in the log, verifiable offline with the log's verifier key.
///
/// JSON: `{"event":ID,"leaf":"<base64 leaf bytes>","leaf_index":N,"tree_size":N,
/// "hashes":["<base64>",…],"checkpoint":"<signed note text>"}` plus, for the customer
/// only, `"opening":{"customer":…,"salt":…,"text_hash":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The event id (also inside the leaf).
    pub event: String,
    /// The leaf bytes (base64 in JSON).
    #[serde(with = "b64_bytes")]
    pub leaf: Vec<u8>,
    /// Zero-based leaf index.
    pub leaf_index: u64,
    /// Size of the checkpointed tree.
    pub tree_size: u64,
    /// Inclusion proof hashes (RFC 9162 §2.1.3 audit path).
    pub hashes: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
    /// The opening that proves the leaf is the holder's (customer copy only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening: Option<LeafOpening>,
}

mod b64_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::b64_encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        super::b64_decode(&s, "leaf").map_err(serde::de::Error::custom)
    }
}

impl Receipt {
    /// Assembles a receipt from a leaf, its inclusion proof and the signed checkpoint
    /// the proof is for. Checks that the pieces fit (sizes, event id, proof).
    pub fn new(
        leaf: Vec<u8>,
        proof: &InclusionProof,
        checkpoint: &SignedCheckpoint,
        opening: Option<LeafOpening>,
    ) -> Result<Receipt, LedgerError> {
        let decoded = Leaf::decode(&leaf)?;
        let r = Receipt {
            event: decoded.event_id,
            leaf,
            leaf_index: proof.leaf_index,
            tree_size: proof.tree_size,
            hashes: proof.hashes.clone(),
            checkpoint: checkpoint.as_text().to_owned(),
            opening,
        };
        r.check_against(checkpoint)?;
        Ok(r)
    }

    /// Builds the receipt for leaf `leaf_index` (whose bytes are `leaf`) against a signed
    /// checkpoint, proving inclusion from the store. Fails if the store's tree at the
    /// checkpoint's size does not contain this leaf at this index under this root.
    pub fn build<R: HashReader + ?Sized>(
        reader: &R,
        leaf: Vec<u8>,
        leaf_index: u64,
        checkpoint: &SignedCheckpoint,
        opening: Option<LeafOpening>,
    ) -> Result<Receipt, LedgerError> {
        let proof = prove_inclusion(reader, leaf_index, checkpoint.checkpoint().size())?;
        Receipt::new(leaf, &proof, checkpoint, opening)
    }

    /// Parses the JSON form.
    pub fn from_json(s: &str) -> Result<Receipt, LedgerError> {
        Ok(serde_json::from_str(s)?)
    }

    /// Renders the JSON form (one line).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The decoded leaf.
    pub fn decoded_leaf(&self) -> Result<Leaf, LedgerError> {
        Leaf::decode(&self.leaf)
    }

    /// The inclusion proof carried by the receipt.
    pub fn inclusion_proof(&self) -> InclusionProof {
        InclusionProof {
            leaf_index: self.leaf_index,
            tree_size: self.tree_size,
            hashes: self.hashes.clone(),
        }
    }

    fn check_against(&self, signed: &SignedCheckpoint) -> Result<Leaf, LedgerError> {
        let cp = signed.checkpoint();
        if cp.size() != self.tree_size {
            return Err(LedgerError::MalformedReceipt(format!(
                "tree_size {} differs from checkpoint size {}",
                self.tree_size,
                cp.size()
            )));
        }
        let leaf = Leaf::decode(&self.leaf)?;
        if leaf.event_id != self.event {
            return Err(LedgerError::MalformedReceipt(format!(
                "event {:?} differs from the leaf's event {:?}",
                self.event, leaf.event_id
            )));
        }
        self.inclusion_proof()
            .verify(&leaf_hash(&self.leaf), cp.root())?;
        if let Some(opening) = &self.opening
            && !opening.matches(&leaf)
        {
            return Err(LedgerError::OpeningMismatch);
        }
        Ok(leaf)
    }

    /// Renders the receipt in the C2SP tlog-proof format (`c2sp.org/tlog-proof@v1`), the
    /// leaf bytes carried as the `extra` data. The opening is not included.
    pub fn to_tlog_proof(&self) -> String {
        let mut s = String::with_capacity(1024);
        s.push_str(TLOG_PROOF_HEADER);
        s.push('\n');
        s.push_str("extra ");
        s.push_str(&b64_encode(&self.leaf));
        s.push('\n');
        s.push_str(&format!("index {}\n", self.leaf_index));
        for h in &self.hashes {
            s.push_str(&h.to_base64());
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }
}

/// Verifies a receipt offline: the checkpoint is signed by `key` and names its log, the
/// leaf is canonical and carries the receipt's event id, the inclusion proof leads from
/// the leaf hash to the checkpoint root, and an opening (if any) matches the leaf.
pub fn verify_receipt(receipt: &Receipt, key: &VerifierKey) -> Result<(), LedgerError> {
    let signed = SignedCheckpoint::parse_verify(&receipt.checkpoint, key)?;
    receipt.check_against(&signed).map(|_| ())
}

/// First line of a C2SP tlog-proof.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// A parsed C2SP tlog-proof (not yet verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// The `extra` data (credence puts the leaf bytes here).
    pub extra: Option<Vec<u8>>,
    /// Zero-based index of the entry.
    pub index: u64,
    /// Inclusion proof hashes.
    pub hashes: Vec<Hash>,
    /// The checkpoint note, verbatim.
    pub checkpoint: String,
}

impl TlogProof {
    /// Parses the text format strictly (header, optional `extra`, `index`, hashes, empty
    /// line, checkpoint note).
    pub fn parse(text: &str) -> Result<TlogProof, LedgerError> {
        let bad = |m: &str| LedgerError::MalformedReceipt(format!("tlog-proof: {m}"));
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no empty line before the checkpoint"))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(TLOG_PROOF_HEADER) {
            return Err(bad("first line must be c2sp.org/tlog-proof@v1"));
        }
        let mut line = lines.next().ok_or_else(|| bad("missing index line"))?;
        let mut extra = None;
        if let Some(e) = line.strip_prefix("extra ") {
            extra = Some(b64_decode(e, "tlog-proof extra")?);
            line = lines.next().ok_or_else(|| bad("missing index line"))?;
        }
        let idx = line
            .strip_prefix("index ")
            .ok_or_else(|| bad("missing index line"))?;
        let index: u64 = idx.parse().map_err(|_| bad("bad index"))?;
        if index.to_string() != idx {
            return Err(bad("index not in canonical decimal"));
        }
        let hashes = lines
            .map(Hash::from_base64)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TlogProof {
            extra,
            index,
            hashes,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// Verifies the proof offline against `key`. The leaf bytes are `leaf` if given,
    /// else the `extra` data; returns the decoded leaf.
    pub fn verify(&self, leaf: Option<&[u8]>, key: &VerifierKey) -> Result<Leaf, LedgerError> {
        let leaf_bytes = leaf
            .or(self.extra.as_deref())
            .ok_or_else(|| LedgerError::MalformedReceipt("tlog-proof: no leaf bytes".into()))?;
        let signed = SignedCheckpoint::parse_verify(&self.checkpoint, key)?;
        let decoded = Leaf::decode(leaf_bytes)?;
        let receipt = Receipt {
            event: decoded.event_id,
            leaf: leaf_bytes.to_vec(),
            leaf_index: self.index,
            tree_size: signed.checkpoint().size(),
            hashes: self.hashes.clone(),
            checkpoint: self.checkpoint.clone(),
            opening: None,
        };
        receipt.check_against(&signed)
    }
}

/// Proves from the store that the tree of `old` is a prefix of the tree of `new`, after
/// checking that the store's roots at both sizes are the checkpoints' roots (so a store
/// that diverged from what it once signed is reported, not papered over).
pub fn prove_consistency_between<R: HashReader + ?Sized>(
    reader: &R,
    old: &Checkpoint,
    new: &Checkpoint,
) -> Result<ConsistencyProof, LedgerError> {
    for cp in [old, new] {
        let root = tree_root(reader, cp.size())?;
        if root != *cp.root() {
            return Err(LedgerError::InvalidProof(
                "the store's root differs from a checkpoint's root",
            ));
        }
    }
    prove_consistency(reader, old.size(), new.size())
}

/// Verifies offline that the log only grew between two signed checkpoints: both are
/// signed by `key`, the proof's sizes are theirs, and the proof links their roots.
pub fn verify_consistency_between(
    old_checkpoint: &str,
    new_checkpoint: &str,
    proof: &ConsistencyProof,
    key: &VerifierKey,
) -> Result<(), LedgerError> {
    let old = SignedCheckpoint::parse_verify(old_checkpoint, key)?;
    let new = SignedCheckpoint::parse_verify(new_checkpoint, key)?;
    if old.checkpoint().size() != proof.old_size || new.checkpoint().size() != proof.new_size {
        return Err(LedgerError::InvalidProof(
            "proof sizes differ from the checkpoints' sizes",
        ));
    }
    proof.verify(old.checkpoint().root(), new.checkpoint().root())
}
