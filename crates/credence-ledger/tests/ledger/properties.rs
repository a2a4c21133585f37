//! Laws of the tree, proofs and receipts, exhaustive over small sizes and by proptest.

use credence_ledger::*;
use proptest::prelude::*;

use crate::helpers::{ORIGIN, key, leaf_bytes, receipt, tree_of};

#[test]
fn every_inclusion_proof_verifies_up_to_200() {
    let t = tree_of(200);
    for n in 1..=200 {
        let root = tree_root(&t, n).expect("root");
        for i in 0..n {
            let p = prove_inclusion(&t, i, n).expect("prove");
            p.verify(&leaf_hash(&leaf_bytes(i)), &root)
                .unwrap_or_else(|e| panic!("leaf {i} of {n}: {e}"));
            // The same proof does not prove a neighbouring leaf.
            if n > 1 {
                let other = (i + 1) % n;
                assert!(p.verify(&leaf_hash(&leaf_bytes(other)), &root).is_err());
            }
        }
    }
}

#[test]
fn every_consistency_proof_verifies_up_to_300() {
    let t = tree_of(300);
    let roots: Vec<Hash> = (0..=300).map(|n| tree_root(&t, n).expect("root")).collect();
    for n in 0..=300u64 {
        for m in 0..=n {
            let p = prove_consistency(&t, m, n).expect("prove");
            p.verify(&roots[m as usize], &roots[n as usize])
                .unwrap_or_else(|e| panic!("{m} -> {n}: {e}"));
            if m > 0 && m < n {
                // Wrong old root fails.
                assert!(
                    p.verify(&roots[m as usize - 1], &roots[n as usize])
                        .is_err()
                );
            }
        }
    }
}

#[test]
fn every_bit_of_the_checkpoint_matters() {
    let (r, vkey) = receipt(13, 5);
    verify_receipt(&r, &vkey).expect("valid receipt");
    let bytes = r.checkpoint.as_bytes().to_vec();
    for bit in 0..bytes.len() * 8 {
        let mut b = bytes.clone();
        b[bit / 8] ^= 1 << (bit % 8);
        let Ok(text) = String::from_utf8(b) else {
            continue; // not even text; a JSON receipt cannot carry it
        };
        let mut bad = r.clone();
        bad.checkpoint = text;
        assert!(verify_receipt(&bad, &vkey).is_err(), "bit {bit} flipped");
    }
}

#[test]
fn receipt_json_and_tlog_proof_round_trip() {
    let (r, vkey) = receipt(100, 37);
    let back = Receipt::from_json(&r.to_json()).expect("parse");
    assert_eq!(back, r);
    verify_receipt(&back, &vkey).expect("verifies");
    let tp = r.to_tlog_proof();
    let parsed = TlogProof::parse(&tp).expect("tlog-proof");
    let leaf = parsed.verify(None, &vkey).expect("tlog-proof verifies");
    assert_eq!(leaf.event_id, r.event);
    // Wrong key, wrong origin.
    let other = SigningKey::from_seed(ORIGIN, &[1; 32])
        .expect("key")
        .verifier_key();
    assert!(verify_receipt(&r, &other).is_err());
    assert!(parsed.verify(None, &other).is_err());
    // Wrong opening.
    let mut bad = r.clone();
    if let Some(o) = bad.opening.as_mut() {
        o.customer.push('x');
    }
    assert!(matches!(
        verify_receipt(&bad, &vkey),
        Err(LedgerError::OpeningMismatch)
    ));
    // Event id that is not the leaf's.
    let mut bad = r.clone();
    bad.event.push('x');
    assert!(verify_receipt(&bad, &vkey).is_err());
}

#[test]
fn receipts_and_proofs_from_the_store_check_the_checkpoints() {
    let t = tree_of(40);
    let k = key();
    let cp = |n: u64| Checkpoint::new(ORIGIN, n, tree_root(&t, n).expect("root")).expect("cp");
    let signed = sign_checkpoint(&cp(40), &k).expect("sign");
    let r = Receipt::build(&t, leaf_bytes(9), 9, &signed, None).expect("build");
    verify_receipt(&r, &k.verifier_key()).expect("verifies");
    // The wrong leaf for the index is refused at build time.
    assert!(Receipt::build(&t, leaf_bytes(8), 9, &signed, None).is_err());
    let p = prove_consistency_between(&t, &cp(10), &cp(40)).expect("proof");
    p.verify(cp(10).root(), cp(40).root()).expect("verifies");
    // A checkpoint the store never had is reported.
    let forged = Checkpoint::new(ORIGIN, 10, Hash::sha256(b"forged")).expect("cp");
    assert!(prove_consistency_between(&t, &forged, &cp(40)).is_err());
}

#[test]
fn consistency_between_signed_checkpoints() {
    let t = tree_of(50);
    let k = key();
    let sign = |n: u64| {
        sign_checkpoint(
            &Checkpoint::new(ORIGIN, n, tree_root(&t, n).expect("root")).expect("cp"),
            &k,
        )
        .expect("sign")
    };
    let (old, new) = (sign(17), sign(50));
    let proof = prove_consistency(&t, 17, 50).expect("proof");
    let proof = ConsistencyProof::from_json(&proof.to_json()).expect("json");
    let vk = k.verifier_key();
    verify_consistency_between(old.as_text(), new.as_text(), &proof, &vk).expect("consistent");
    // Swapped checkpoints, a proof for other sizes, a forked log: all fail.
    assert!(verify_consistency_between(new.as_text(), old.as_text(), &proof, &vk).is_err());
    let other = prove_consistency(&t, 16, 50).expect("proof");
    assert!(verify_consistency_between(old.as_text(), new.as_text(), &other, &vk).is_err());
    let mut forked = MemoryStore::new();
    let mut leaves: Vec<Vec<u8>> = (0..50).map(leaf_bytes).collect();
    leaves[3] = leaf_bytes(1000); // a review rewritten in place
    forked.append(&leaves).expect("append");
    let forged = sign_checkpoint(
        &Checkpoint::new(ORIGIN, 50, forked.root().expect("root")).expect("cp"),
        &k,
    )
    .expect("sign");
    let fproof = prove_consistency(&forked, 17, 50).expect("proof");
    assert!(verify_consistency_between(old.as_text(), forged.as_text(), &fproof, &vk).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn flipped_bit_in_inclusion_proof_fails(n in 2u64..200, i in 0u64..200, bit in 0usize..(64 * 256)) {
        let i = i % n;
        let t = tree_of(n);
        let root = t.root().expect("root");
        let mut p = prove_inclusion(&t, i, n).expect("prove");
        let bit = bit % (p.hashes.len() * 256);
        p.hashes[bit / 256].0[(bit % 256) / 8] ^= 1 << (bit % 8);
        prop_assert!(p.verify(&leaf_hash(&leaf_bytes(i)), &root).is_err());
    }

    #[test]
    fn flipped_bit_in_consistency_proof_fails(n in 3u64..300, m in 1u64..300, bit in 0usize..(64 * 256)) {
        let m = 1 + m % (n - 1);
        let t = tree_of(n);
        let p = prove_consistency(&t, m, n).expect("prove");
        prop_assume!(!p.hashes.is_empty());
        let mut bad = p.clone();
        let bit = bit % (bad.hashes.len() * 256);
        bad.hashes[bit / 256].0[(bit % 256) / 8] ^= 1 << (bit % 8);
        let (r1, r2) = (tree_root(&t, m).expect("r1"), tree_root(&t, n).expect("r2"));
        prop_assert!(p.verify(&r1, &r2).is_ok());
        prop_assert!(bad.verify(&r1, &r2).is_err());
    }

    #[test]
    fn flipped_bit_in_receipt_leaf_or_proof_fails(n in 1u64..120, i in 0u64..120, bit in any::<usize>()) {
        let (r, vkey) = receipt(n, i % n);
        let mut bad = r.clone();
        let leaf_bits = bad.leaf.len() * 8;
        let bits = leaf_bits + bad.hashes.len() * 256;
        let bit = bit % bits;
        if bit < leaf_bits {
            bad.leaf[bit / 8] ^= 1 << (bit % 8);
        } else {
            let b = bit - leaf_bits;
            bad.hashes[b / 256].0[(b % 256) / 8] ^= 1 << (b % 8);
        }
        prop_assert!(verify_receipt(&bad, &vkey).is_err());
    }

    #[test]
    fn flipped_bit_in_tlog_proof_fails(n in 1u64..60, i in 0u64..60, bit in any::<usize>()) {
        let (r, vkey) = receipt(n, i % n);
        let text = r.to_tlog_proof();
        prop_assert!(TlogProof::parse(&text).and_then(|p| p.verify(None, &vkey)).is_ok());
        let mut b = text.into_bytes();
        let bit = bit % (b.len() * 8);
        b[bit / 8] ^= 1 << (bit % 8);
        if let Ok(bad) = String::from_utf8(b) {
            prop_assert!(TlogProof::parse(&bad).and_then(|p| p.verify(None, &vkey)).is_err());
        }
    }

    #[test]
    fn batching_does_not_change_the_tree(splits in proptest::collection::vec(1usize..20, 1..12)) {
        let total: usize = splits.iter().sum();
        let leaves: Vec<Vec<u8>> = (0..total as u64).map(leaf_bytes).collect();
        let mut batched = MemoryStore::new();
        let mut at = 0;
        for s in &splits {
            let b = batched.append(&leaves[at..at + s]).expect("append");
            prop_assert_eq!(b.start_index, stored_hash_count(at as u64));
            at += s;
        }
        let mut whole = MemoryStore::new();
        whole.append(&leaves).expect("append");
        prop_assert_eq!(batched.stored_hashes(), whole.stored_hashes());
        prop_assert_eq!(batched.stored_hashes().len() as u64, stored_hash_count(total as u64));
    }

    #[test]
    fn leaf_encoding_round_trips(kind in 0u8..3, rating in 1u8..=5, kept: bool, t: i64,
                                 merchant in "[a-z0-9-]{1,40}", event in "[ -~]{1,80}",
                                 customer in proptest::option::of("[a-z0-9]{1,20}"), text in proptest::option::of(".{0,50}")) {
        let kind = match kind {
            0 => LeafKind::Commitment { terms_hash: Hash::sha256(b"terms") },
            1 => LeafKind::CommitmentResult { kept },
            _ => LeafKind::Review { rating },
        };
        let mut leaf = Leaf::new(kind, &merchant, &event, t);
        let mut opening = None;
        if let Some(c) = &customer {
            let (l, o) = leaf.with_customer(b"k", c, text.as_deref());
            leaf = l;
            opening = Some(o);
        }
        let bytes = leaf.encode().expect("encode");
        let back = Leaf::decode(&bytes).expect("decode");
        prop_assert_eq!(&back, &leaf);
        prop_assert_eq!(back.encode().expect("encode"), bytes);
        if let Some(o) = opening {
            prop_assert!(o.matches(&back));
        }
    }

    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Leaf::decode(&bytes);
        let _ = Tombstone::decode(&bytes);
        if let Ok(s) = std::str::from_utf8(&bytes) {
            let _ = TlogProof::parse(s);
            let _ = Receipt::from_json(s);
            let _ = VerifierKey::parse(s);
            let _ = Checkpoint::parse(s);
        }
    }
}

#[test]
fn audit_from_leaves_detects_edits_and_deletions() {
    let n = 57u64;
    let t = tree_of(n);
    let root = t.root().expect("root");
    let rebuild = |leaves: &[Vec<u8>]| {
        let mut b = RootBuilder::new();
        for l in leaves {
            b.push(leaf_hash(l));
        }
        b.root()
    };
    let leaves: Vec<Vec<u8>> = (0..n).map(leaf_bytes).collect();
    assert_eq!(rebuild(&leaves), root);
    // An edited review (rating changed), a deleted review, a reordering: all change the root.
    let mut edited = leaves.clone();
    let mut l = Leaf::decode(&edited[20]).expect("leaf");
    l.kind = LeafKind::Review { rating: 5 };
    if edited[20] == l.encode().expect("enc") {
        l.kind = LeafKind::Review { rating: 1 };
    }
    edited[20] = l.encode().expect("enc");
    assert_ne!(rebuild(&edited), root);
    let mut deleted = leaves.clone();
    deleted.remove(33);
    assert_ne!(rebuild(&deleted), root);
    let mut swapped = leaves.clone();
    swapped.swap(1, 2);
    assert_ne!(rebuild(&swapped), root);
    // An erased leaf audited through its tombstone keeps the root.
    let tomb = Tombstone::for_leaf(&leaves[7]).expect("tombstone");
    let mut b = RootBuilder::new();
    for (i, l) in leaves.iter().enumerate() {
        b.push(if i == 7 { tomb.leaf_hash } else { leaf_hash(l) });
    }
    assert_eq!(b.root(), root);
}
