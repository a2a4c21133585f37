//! An independent verifier written from the specifications (RFC 9162 §2.1.3.2 and §2.1.4.2,
//! C2SP signed-note, tlog-checkpoint and tlog-proof, and docs/ledger-format.md). It shares
//! no code with credence-ledger: it uses only sha2, ed25519-dalek, base64 and serde_json.
//! credence-ledger is used solely to *produce* receipts and proofs for it to check.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

type H = [u8; 32];

fn sha(parts: &[&[u8]]) -> H {
    let mut s = Sha256::new();
    for p in parts {
        s.update(p);
    }
    s.finalize().into()
}

fn node(l: &H, r: &H) -> H {
    sha(&[&[1], l, r])
}

fn b64_hash(s: &str) -> Result<H, String> {
    let b = B64.decode(s).map_err(|e| e.to_string())?;
    b.try_into().map_err(|_| "hash not 32 bytes".to_string())
}

/// RFC 9162 §2.1.3.2.
fn verify_inclusion(index: u64, size: u64, leaf: &H, path: &[H], root: &H) -> Result<(), String> {
    if index >= size {
        return Err("index >= size".into());
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if s == 0 {
            return Err("path too long".into());
        }
        if f & 1 == 1 || f == s {
            r = node(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s == 0 && r == *root {
        Ok(())
    } else {
        Err("inclusion proof does not verify".into())
    }
}

/// RFC 9162 §2.1.4.2 (from size 0: only an empty proof from SHA-256("")).
fn verify_consistency(m: u64, n: u64, r1: &H, r2: &H, proof: &[H]) -> Result<(), String> {
    if m > n {
        return Err("m > n".into());
    }
    if m == 0 {
        return if proof.is_empty() && *r1 == sha(&[]) {
            Ok(())
        } else {
            Err("bad proof from the empty tree".into())
        };
    }
    if m == n {
        return if proof.is_empty() && r1 == r2 {
            Ok(())
        } else {
            Err("equal sizes need equal roots and an empty proof".into())
        };
    }
    let mut path: Vec<H> = proof.to_vec();
    if m.is_power_of_two() {
        path.insert(0, *r1);
    }
    let (mut f, mut s) = (m - 1, n - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let Some((first, rest)) = path.split_first() else {
        return Err("empty proof".into());
    };
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s == 0 {
            return Err("proof too long".into());
        }
        if f & 1 == 1 || f == s {
            fr = node(c, &fr);
            sr = node(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if fr == *r1 && sr == *r2 && s == 0 {
        Ok(())
    } else {
        Err("consistency proof does not verify".into())
    }
}

struct Vkey {
    name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

/// `<name>+<hex key id>+<base64(0x01 ‖ key)>`, key id = SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[:4].
fn parse_vkey(s: &str) -> Result<Vkey, String> {
    let mut it = s.split('+');
    let (Some(name), Some(id), Some(k), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err("vkey shape".into());
    };
    let raw = B64.decode(k).map_err(|e| e.to_string())?;
    if raw.len() != 33 || raw[0] != 1 {
        return Err("not an Ed25519 key".into());
    }
    let want = sha(&[name.as_bytes(), b"\n", &raw]);
    if format!(
        "{:02x}{:02x}{:02x}{:02x}",
        want[0], want[1], want[2], want[3]
    ) != id
    {
        return Err("key id mismatch".into());
    }
    let pk: [u8; 32] = raw[1..].try_into().map_err(|_| "len")?;
    Ok(Vkey {
        name: name.to_owned(),
        id: [want[0], want[1], want[2], want[3]],
        key: VerifyingKey::from_bytes(&pk).map_err(|e| e.to_string())?,
    })
}

/// Verifies the signed note and returns (origin, size, root) of the checkpoint body.
fn verify_checkpoint(note: &str, vk: &Vkey) -> Result<(String, u64, H), String> {
    let (text, sigs) = note.rsplit_once("\n\n").ok_or("no blank line")?;
    let text = format!("{text}\n");
    let mut ok = false;
    for line in sigs
        .strip_suffix('\n')
        .ok_or("no final newline")?
        .split('\n')
    {
        let rest = line.strip_prefix("\u{2014} ").ok_or("signature line")?;
        let (name, b) = rest.split_once(' ').ok_or("signature line")?;
        let raw = B64.decode(b).map_err(|e| e.to_string())?;
        if name == vk.name && raw.len() == 68 && raw[..4] == vk.id {
            let sig = Signature::from_slice(&raw[4..]).map_err(|e| e.to_string())?;
            vk.key
                .verify_strict(text.as_bytes(), &sig)
                .map_err(|_| "bad signature")?;
            ok = true;
        }
    }
    if !ok {
        return Err("no signature by the key".into());
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let [origin, size, root, ""] = lines.as_slice() else {
        return Err("checkpoint body must be exactly three lines".into());
    };
    if *origin != vk.name {
        return Err("origin differs from key name".into());
    }
    let n: u64 = size.parse().map_err(|_| "size")?;
    if n.to_string() != *size {
        return Err("size not canonical".into());
    }
    Ok((origin.to_string(), n, b64_hash(root)?))
}

/// Parses a leaf per docs/ledger-format.md: returns (event id, customer field, text field).
fn parse_leaf(b: &[u8]) -> Result<(String, Vec<u8>, Vec<u8>), String> {
    let mut pos = 0usize;
    let mut take = |n: usize| -> Result<&[u8], String> {
        let s = b.get(pos..pos + n).ok_or("truncated")?;
        pos += n;
        Ok(s)
    };
    if take(1)? != [1] {
        return Err("version".into());
    }
    let kind = take(1)?[0];
    let ml = u16::from_be_bytes([take(1)?[0], take(1)?[0]]) as usize;
    take(ml)?;
    let el = u16::from_be_bytes([take(1)?[0], take(1)?[0]]) as usize;
    let event = String::from_utf8(take(el)?.to_vec()).map_err(|_| "utf8")?;
    take(8)?;
    let pl = take(1)?[0] as usize;
    let payload = take(pl)?;
    match (kind, payload.len()) {
        (1, 32) | (2, 1) | (3, 1) => {}
        _ => return Err("kind/payload".into()),
    }
    let cl = take(1)?[0] as usize;
    let customer = take(cl)?.to_vec();
    let tl = take(1)?[0] as usize;
    let text = take(tl)?.to_vec();
    if pos != b.len() {
        return Err("trailing bytes".into());
    }
    Ok((event, customer, text))
}

fn verify_receipt_json(json: &str, vkey: &str) -> Result<(), String> {
    let v: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let vk = parse_vkey(vkey)?;
    let (_, size, root) = verify_checkpoint(v["checkpoint"].as_str().ok_or("checkpoint")?, &vk)?;
    if v["tree_size"].as_u64() != Some(size) {
        return Err("tree_size".into());
    }
    let leaf = B64
        .decode(v["leaf"].as_str().ok_or("leaf")?)
        .map_err(|e| e.to_string())?;
    let (event, customer, text) = parse_leaf(&leaf)?;
    if v["event"].as_str() != Some(event.as_str()) {
        return Err("event".into());
    }
    let path: Vec<H> = v["hashes"]
        .as_array()
        .ok_or("hashes")?
        .iter()
        .map(|h| b64_hash(h.as_str().unwrap_or_default()))
        .collect::<Result<_, _>>()?;
    let index = v["leaf_index"].as_u64().ok_or("leaf_index")?;
    verify_inclusion(index, size, &sha(&[&[0], &leaf]), &path, &root)?;
    if let Some(o) = v.get("opening") {
        let salt = b64_hash(o["salt"].as_str().ok_or("salt")?)?;
        let c = o["customer"].as_str().ok_or("customer")?;
        if sha(&[b"credence-ledger/v1/customer", &salt, c.as_bytes()]).as_slice() != customer {
            return Err("opening: customer".into());
        }
        let want_text = match o.get("text_hash") {
            Some(t) => sha(&[
                b"credence-ledger/v1/text",
                &salt,
                &b64_hash(t.as_str().ok_or("text_hash")?)?,
            ])
            .to_vec(),
            None => vec![],
        };
        if want_text != text {
            return Err("opening: text".into());
        }
    }
    Ok(())
}

fn verify_tlog_proof(text: &str, vkey: &str) -> Result<(), String> {
    let vk = parse_vkey(vkey)?;
    let (head, note) = text.split_once("\n\n").ok_or("no blank line")?;
    let mut lines = head.split('\n');
    if lines.next() != Some("c2sp.org/tlog-proof@v1") {
        return Err("header".into());
    }
    let leaf = B64
        .decode(
            lines
                .next()
                .and_then(|l| l.strip_prefix("extra "))
                .ok_or("extra")?,
        )
        .map_err(|e| e.to_string())?;
    let index: u64 = lines
        .next()
        .and_then(|l| l.strip_prefix("index "))
        .ok_or("index")?
        .parse()
        .map_err(|_| "index")?;
    let path: Vec<H> = lines.map(b64_hash).collect::<Result<_, _>>()?;
    let (_, size, root) = verify_checkpoint(note, &vk)?;
    parse_leaf(&leaf)?;
    verify_inclusion(index, size, &sha(&[&[0], &leaf]), &path, &root)
}

fn verify_consistency_json(old: &str, new: &str, proof: &str, vkey: &str) -> Result<(), String> {
    let vk = parse_vkey(vkey)?;
    let (_, m, r1) = verify_checkpoint(old, &vk)?;
    let (_, n, r2) = verify_checkpoint(new, &vk)?;
    let v: Value = serde_json::from_str(proof).map_err(|e| e.to_string())?;
    if v["old_size"].as_u64() != Some(m) || v["new_size"].as_u64() != Some(n) {
        return Err("sizes".into());
    }
    let path: Vec<H> = v["hashes"]
        .as_array()
        .ok_or("hashes")?
        .iter()
        .map(|h| b64_hash(h.as_str().unwrap_or_default()))
        .collect::<Result<_, _>>()?;
    verify_consistency(m, n, &r1, &r2, &path)
}

// ---- producing material with credence-ledger -------------------------------------------

mod produce {
    use credence_ledger::*;

    pub const ORIGIN: &str = "shop.example/ledger";

    pub fn leaf(i: u64) -> (Vec<u8>, LeafOpening) {
        let kind = match i % 3 {
            0 => LeafKind::Review {
                rating: (i % 5) as u8 + 1,
            },
            1 => LeafKind::Commitment {
                terms_hash: Hash::sha256(format!("deliver within {i} days").as_bytes()),
            },
            _ => LeafKind::CommitmentResult {
                kept: i.is_multiple_of(2),
            },
        };
        let text = i.is_multiple_of(2).then_some("très bien, 很好");
        let (leaf, opening) = Leaf::new(kind, "m-7", &format!("evt-{i}"), i as i64 * 1000)
            .with_customer(b"customer-secret", &format!("cust-{}", i % 4), text);
        (leaf.encode().expect("encode"), opening)
    }

    pub struct Log {
        pub tree: MemoryStore,
        pub key: SigningKey,
        pub leaves: Vec<(Vec<u8>, LeafOpening)>,
    }

    pub fn log(n: u64) -> Log {
        let leaves: Vec<_> = (0..n).map(leaf).collect();
        let mut tree = MemoryStore::new();
        let bytes: Vec<&Vec<u8>> = leaves.iter().map(|(b, _)| b).collect();
        tree.append(&bytes).expect("append");
        Log {
            tree,
            key: SigningKey::from_seed(ORIGIN, &[9; 32]).expect("key"),
            leaves,
        }
    }

    impl Log {
        pub fn checkpoint(&self, size: u64) -> String {
            let cp = Checkpoint::new(ORIGIN, size, tree_root(&self.tree, size).expect("root"))
                .expect("cp");
            sign_checkpoint(&cp, &self.key)
                .expect("sign")
                .as_text()
                .to_owned()
        }

        pub fn receipt(&self, i: u64, size: u64) -> Receipt {
            let signed =
                SignedCheckpoint::parse_verify(&self.checkpoint(size), &self.key.verifier_key())
                    .expect("verify");
            let proof = prove_inclusion(&self.tree, i, size).expect("proof");
            let (bytes, opening) = self.leaves[i as usize].clone();
            Receipt::new(bytes, &proof, &signed, Some(opening)).expect("receipt")
        }

        pub fn vkey(&self) -> String {
            self.key.verifier_key().to_string()
        }
    }
}

#[test]
fn independent_verifier_accepts_every_receipt() {
    let log = produce::log(70);
    let vkey = log.vkey();
    for size in [1u64, 2, 3, 7, 8, 9, 31, 70] {
        for i in (0..size).filter(|i| size < 10 || i % 3 == 0 || *i == size - 1) {
            let r = log.receipt(i, size);
            verify_receipt_json(&r.to_json(), &vkey)
                .unwrap_or_else(|e| panic!("receipt {i} of {size}: {e}"));
            verify_tlog_proof(&r.to_tlog_proof(), &vkey)
                .unwrap_or_else(|e| panic!("tlog-proof {i} of {size}: {e}"));
        }
    }
}

#[test]
fn independent_verifier_rejects_tampering() {
    let log = produce::log(20);
    let vkey = log.vkey();
    let r = log.receipt(11, 20);
    let good = r.to_json();
    assert!(verify_receipt_json(&good, &vkey).is_ok());
    let mut v: Value = serde_json::from_str(&good).expect("json");
    v["leaf_index"] = Value::from(12);
    assert!(verify_receipt_json(&v.to_string(), &vkey).is_err());
    let mut v: Value = serde_json::from_str(&good).expect("json");
    v["opening"]["customer"] = Value::from("someone-else");
    assert!(verify_receipt_json(&v.to_string(), &vkey).is_err());
    let foreign = credence_ledger::SigningKey::from_seed(produce::ORIGIN, &[3; 32])
        .expect("key")
        .verifier_key()
        .to_string();
    assert!(verify_receipt_json(&good, &foreign).is_err());
}

#[test]
fn independent_verifier_accepts_every_consistency_proof() {
    // Ed25519 in a debug build is slow: check every signed checkpoint once, then every
    // pair of sizes against the verified roots, then the full path on a sample of pairs.
    let log = produce::log(120);
    let vkey = log.vkey();
    let vk = parse_vkey(&vkey).expect("vkey");
    let checkpoints: Vec<String> = (0..=120).map(|n| log.checkpoint(n)).collect();
    let roots: Vec<H> = checkpoints
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let (_, size, root) = verify_checkpoint(c, &vk).expect("checkpoint");
            assert_eq!(size, n as u64);
            root
        })
        .collect();
    for n in 0..=120u64 {
        for m in 0..=n {
            let p = credence_ledger::prove_consistency(&log.tree, m, n).expect("proof");
            let v: Value = serde_json::from_str(&p.to_json()).expect("json");
            let path: Vec<H> = v["hashes"]
                .as_array()
                .expect("hashes")
                .iter()
                .map(|h| b64_hash(h.as_str().unwrap_or_default()).expect("hash"))
                .collect();
            let (r1, r2) = (&roots[m as usize], &roots[n as usize]);
            verify_consistency(m, n, r1, r2, &path).unwrap_or_else(|e| panic!("{m} -> {n}: {e}"));
            if m > 0 && m < n {
                assert!(verify_consistency(m, n, &roots[m as usize - 1], r2, &path).is_err());
            }
        }
    }
    for (m, n) in [
        (0u64, 0u64),
        (0, 5),
        (1, 1),
        (1, 2),
        (3, 7),
        (4, 8),
        (17, 120),
        (64, 65),
    ] {
        let p = credence_ledger::prove_consistency(&log.tree, m, n).expect("proof");
        verify_consistency_json(
            &checkpoints[m as usize],
            &checkpoints[n as usize],
            &p.to_json(),
            &vkey,
        )
        .unwrap_or_else(|e| panic!("{m} -> {n}: {e}"));
    }
    let p = credence_ledger::prove_consistency(&log.tree, 17, 120).expect("proof");
    assert!(
        verify_consistency_json(&checkpoints[16], &checkpoints[120], &p.to_json(), &vkey).is_err()
    );
}
