//! Ledger benchmarks (divan): appends, inclusion proofs on a 10-million-leaf tree, receipt
//! verification, and the byte figures (printed before the timings).
//!
//! Run: `cargo bench -p credence-ledger` (set `LEDGER_BENCH_LEAVES` to change the 10M).

use std::hint::black_box;
use std::sync::OnceLock;

use credence_ledger::*;
use divan::Bencher;
use divan::counter::ItemsCount;

const ORIGIN: &str = "shop.example/ledger";

fn big_size() -> u64 {
    std::env::var("LEDGER_BENCH_LEAVES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000)
}

/// A realistic review leaf (merchant "m-000123", event id "ev-" + 16 digits, customer, text).
fn leaf(i: u64) -> Vec<u8> {
    Leaf::new(
        LeafKind::Review {
            rating: (i % 5) as u8 + 1,
        },
        "m-000123",
        &format!("ev-{i:016}"),
        1_700_000_000_000_000 + i as i64 * 1_000,
    )
    .with_customer(
        b"0123456789abcdef0123456789abcdef",
        &format!("c-{}", i % 1000),
        Some("Fast delivery, well packed."),
    )
    .0
    .encode()
    .expect("leaf")
}

/// Index of the one real review leaf in the big tree, the one the measured receipt is for.
const PROBE: u64 = 1_234_567;

/// The 10M-leaf tree: stored hashes of leaf hashes of `i.to_be_bytes()`, except leaf
/// [`PROBE`], a real review leaf (encoding 10M review leaves would only slow the setup; the
/// tree's shape and costs are the same).
fn big_tree() -> &'static MemoryStore {
    static TREE: OnceLock<MemoryStore> = OnceLock::new();
    TREE.get_or_init(|| {
        let n = big_size();
        let start = std::time::Instant::now();
        let mut t = MemoryStore::with_capacity(n as usize);
        let chunk = 1 << 20;
        let mut i = 0;
        while i < n {
            let m = chunk.min(n - i);
            let hashes: Vec<Hash> = (i..i + m)
                .map(|j| {
                    if j == PROBE % n {
                        leaf_hash(&leaf(j))
                    } else {
                        leaf_hash(&j.to_be_bytes())
                    }
                })
                .collect();
            t.append_leaf_hashes(&hashes).expect("append");
            i += m;
        }
        eprintln!(
            "built a {n}-leaf tree in memory: {} stored hashes ({:.1} MB) in {:.1} s",
            t.stored_hashes().len(),
            t.stored_hashes().len() as f64 * 32.0 / 1e6,
            start.elapsed().as_secs_f64()
        );
        t
    })
}

fn main() {
    figures();
    divan::main();
}

/// Prints stored bytes per entry and receipt sizes.
fn figures() {
    let n: u64 = 100_000;
    let leaves: Vec<Vec<u8>> = (0..n).map(leaf).collect();
    let mut t = MemoryStore::new();
    t.append(&leaves).expect("append");
    let leaf_bytes: usize = leaves.iter().map(Vec::len).sum();
    let hash_bytes = t.stored_hashes().len() * 32;
    println!("== stored ledger bytes per entry ({n} review leaves) ==");
    println!(
        "leaf bytes {:.1}/entry + stored hashes {:.2} x 32 = {:.1}/entry -> total {:.1} bytes/entry",
        leaf_bytes as f64 / n as f64,
        t.stored_hashes().len() as f64 / n as f64,
        hash_bytes as f64 / n as f64,
        (leaf_bytes + hash_bytes) as f64 / n as f64
    );
    println!(
        "  (a store that derives level-0 hashes from the stored leaf bytes keeps {:.1} bytes/entry)",
        (leaf_bytes + hash_bytes) as f64 / n as f64 - 32.0
    );

    let big = big_tree();
    let size = big.size();
    let key = SigningKey::from_seed(ORIGIN, &[7; 32]).expect("key");
    let cp = Checkpoint::new(ORIGIN, size, big.root().expect("root")).expect("cp");
    let signed = sign_checkpoint(&cp, &key).expect("sign");
    let index = PROBE % size;
    let proof = prove_inclusion(big, index, size).expect("proof");
    let proof_len = proof.hashes.len();
    let (_, opening) = Leaf::decode(&leaf(index)).expect("leaf").with_customer(
        b"0123456789abcdef0123456789abcdef",
        &format!("c-{}", index % 1000),
        Some("Fast delivery, well packed."),
    );
    let receipt = Receipt::new(leaf(index), &proof, &signed, None).expect("receipt");
    verify_receipt(&receipt, &key.verifier_key()).expect("the measured receipt verifies");
    let json = receipt.to_json();
    let mut with_opening = receipt.clone();
    with_opening.opening = Some(opening);
    println!("== receipt size on a {size}-leaf tree ({proof_len} proof hashes) ==");
    println!("JSON receipt: {} bytes", json.len());
    println!(
        "JSON receipt with opening: {} bytes",
        with_opening.to_json().len()
    );
    println!("C2SP tlog-proof: {} bytes", receipt.to_tlog_proof().len());
    println!("checkpoint note: {} bytes", signed.as_text().len());

    // Proof throughput per wall second and per on-CPU second (this machine is shared: the
    // scheduler's count of this thread's CPU time discounts the time other builds ran).
    let cpu_ns = || -> Option<u64> {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    let proofs = 200_000u64;
    let mut x: u64 = 0x0123_4567_89AB_CDEF;
    let (wall, cpu0) = (std::time::Instant::now(), cpu_ns());
    for _ in 0..proofs {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        black_box(prove_inclusion(big, x % size, size).expect("proof"));
    }
    let wall = wall.elapsed().as_secs_f64();
    println!("== {proofs} inclusion proofs on the {size}-leaf tree ==");
    print!("{:.0} proofs per wall second", proofs as f64 / wall);
    if let (Some(a), Some(b)) = (cpu0, cpu_ns()) {
        print!(
            ", {:.0} proofs per on-CPU second",
            proofs as f64 / ((b - a) as f64 / 1e9)
        );
    }
    println!();
}

#[divan::bench(args = [1, 100, 10_000])]
fn append_leaves(bencher: Bencher, batch: usize) {
    let leaves: Vec<Vec<u8>> = (0..batch as u64).map(leaf).collect();
    // Append onto a store of 1M leaves so the reads of old hashes are realistic.
    let mut base = MemoryStore::with_capacity(1 << 21);
    let hashes: Vec<Hash> = (0..1u64 << 20)
        .map(|j| leaf_hash(&j.to_be_bytes()))
        .collect();
    base.append_leaf_hashes(&hashes).expect("append");
    bencher.counter(ItemsCount::new(batch)).bench_local(|| {
        compute_append(
            &base,
            base.size(),
            &leaves.iter().map(|l| leaf_hash(l)).collect::<Vec<_>>(),
        )
        .expect("append")
    });
}

/// Full append into an in-memory store (hash the leaves, compute and write the stored
/// hashes), starting from an empty tree each iteration.
#[divan::bench(args = [10_000, 100_000])]
fn append_to_memory_store(bencher: Bencher, batch: usize) {
    let leaves: Vec<Vec<u8>> = (0..batch as u64).map(leaf).collect();
    bencher
        .counter(ItemsCount::new(batch))
        .with_inputs(|| MemoryStore::with_capacity(batch))
        .bench_local_values(|mut s| {
            s.append(&leaves).expect("append");
            s
        });
}

#[divan::bench]
fn inclusion_proof_10m(bencher: Bencher) {
    let t = big_tree();
    let size = t.size();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    bencher
        .counter(ItemsCount::new(1usize))
        .with_inputs(|| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % size
        })
        .bench_local_values(|i| prove_inclusion(t, black_box(i), size).expect("proof"));
}

/// 10,000 inclusion proofs for pseudo-random leaves per iteration: sustained proofs/s.
#[divan::bench(sample_count = 20)]
fn inclusion_proofs_10m_batch_of_10k(bencher: Bencher) {
    let t = big_tree();
    let size = t.size();
    let mut x: u64 = 0x0123_4567_89AB_CDEF;
    bencher
        .counter(ItemsCount::new(10_000usize))
        .bench_local(|| {
            for _ in 0..10_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                black_box(prove_inclusion(t, x % size, size).expect("proof"));
            }
        });
}

#[divan::bench]
fn consistency_proof_10m(bencher: Bencher) {
    let t = big_tree();
    let size = t.size();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    bencher
        .counter(ItemsCount::new(1usize))
        .with_inputs(|| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            1 + x % (size - 1)
        })
        .bench_local_values(|m| prove_consistency(t, black_box(m), size).expect("proof"));
}

#[divan::bench]
fn verify_receipt_offline(bencher: Bencher) {
    let n = 100_000u64;
    let mut t = MemoryStore::new();
    let leaves: Vec<Vec<u8>> = (0..n).map(leaf).collect();
    t.append(&leaves).expect("append");
    let key = SigningKey::from_seed(ORIGIN, &[7; 32]).expect("key");
    let cp = Checkpoint::new(ORIGIN, n, t.root().expect("root")).expect("cp");
    let signed = sign_checkpoint(&cp, &key).expect("sign");
    let r = Receipt::new(
        leaves[4242].clone(),
        &prove_inclusion(&t, 4242, n).expect("p"),
        &signed,
        None,
    )
    .expect("receipt");
    let json = r.to_json();
    let vkey = key.verifier_key();
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        let r = Receipt::from_json(black_box(&json)).expect("parse");
        verify_receipt(&r, &vkey).expect("verify")
    });
}
