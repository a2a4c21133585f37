use std::path::{Path, PathBuf};

use credence_ledger::*;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub const ORIGIN: &str = "shop.example/ledger";

pub fn key() -> SigningKey {
    SigningKey::from_seed(ORIGIN, &[42; 32]).expect("valid key name")
}

/// Leaf bytes number `i`: a review, with customer and text.
pub fn leaf_bytes(i: u64) -> Vec<u8> {
    Leaf::new(
        LeafKind::Review {
            rating: (i % 5) as u8 + 1,
        },
        "m-0001",
        &format!("ev-{i:08}"),
        1_700_000_000_000_000 + i as i64,
    )
    .with_customer(b"secret", &format!("c-{}", i % 7), Some("ok"))
    .0
    .encode()
    .expect("valid leaf")
}

pub fn tree_of(n: u64) -> MemoryStore {
    let mut t = MemoryStore::new();
    let leaves: Vec<Vec<u8>> = (0..n).map(leaf_bytes).collect();
    t.append(&leaves).expect("append");
    t
}

/// A receipt for leaf `i` of a tree of `n` leaves, with its opening.
pub fn receipt(n: u64, i: u64) -> (Receipt, VerifierKey) {
    let t = tree_of(n);
    let k = key();
    let cp = Checkpoint::new(ORIGIN, n, t.root().expect("root")).expect("cp");
    let signed = sign_checkpoint(&cp, &k).expect("sign");
    let proof = prove_inclusion(&t, i, n).expect("proof");
    let (_, opening) = Leaf::decode(&leaf_bytes(i)).expect("leaf").with_customer(
        b"secret",
        &format!("c-{}", i % 7),
        Some("ok"),
    );
    let r = Receipt::new(leaf_bytes(i), &proof, &signed, Some(opening)).expect("receipt");
    (r, k.verifier_key())
}
