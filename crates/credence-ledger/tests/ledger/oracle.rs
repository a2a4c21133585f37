//! ct-merkle (an independent RFC 6962 implementation) as an oracle for roots and proofs.

use credence_ledger::*;
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use sha2_011::Sha256;

use crate::helpers::{leaf_bytes, tree_of};

fn concat(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flat_map(|h| h.0).collect()
}

#[test]
fn roots_and_proofs_match_ct_merkle() {
    const N: u64 = 160;
    let ours = tree_of(N);
    let mut oracle: MemoryBackedTree<Sha256, Vec<u8>> = MemoryBackedTree::new();
    for n in 1..=N {
        oracle.push(leaf_bytes(n - 1));
        let root = tree_root(&ours, n).expect("root");
        assert_eq!(
            root.0.as_slice(),
            oracle.root().as_bytes().as_slice(),
            "root at size {n}"
        );
        for i in 0..n {
            let p = prove_inclusion(&ours, i, n).expect("inclusion");
            let o = oracle.prove_inclusion(i as usize);
            assert_eq!(concat(&p.hashes), o.as_bytes(), "inclusion {i} of {n}");
        }
        for m in 1..=n {
            let p = prove_consistency(&ours, m, n).expect("consistency");
            let o = oracle.prove_consistency((n - m) as usize);
            assert_eq!(concat(&p.hashes), o.as_bytes(), "consistency {m} -> {n}");
        }
    }
}
