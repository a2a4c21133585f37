//! The worked example of docs/ledger-format.md, byte for byte.

use credence_ledger::*;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn example() -> (Vec<u8>, LeafOpening, Vec<u8>, String, String) {
    let (leaf, opening) = Leaf::new(
        LeafKind::Review { rating: 4 },
        "m-1",
        "ev-42",
        1_700_000_000_000_000,
    )
    .with_customer(b"customer-secret", "c-1", Some("Fast delivery."));
    let bytes = leaf.encode().expect("encode");
    let tomb = Tombstone::for_leaf(&bytes).expect("t").encode().expect("e");
    let key = SigningKey::from_seed("shop.example/ledger", &[1; 32]).expect("key");
    let mut t = MemoryStore::new();
    t.append(&[&bytes]).expect("append");
    let cp = Checkpoint::new(key.name(), 1, t.root().expect("root")).expect("cp");
    let note = sign_checkpoint(&cp, &key)
        .expect("sign")
        .as_text()
        .to_owned();
    (bytes, opening, tomb, note, key.verifier_key().to_string())
}

#[test]
fn worked_example_of_the_format_doc() {
    let (bytes, opening, tomb, note, vkey) = example();
    assert_eq!(
        hex(&bytes),
        "010300036d2d31000565762d343200060a24181e40000104\
         2080c7fdf1e2e5b66adda939d9d527204c0f2f2e2ed92493072280e2cbfd1e05d4\
         203b527764f116f573f00fd63d86a0b1d80881ac06debc9251608c2cf10318b749"
    );
    assert_eq!(
        leaf_hash(&bytes).to_hex(),
        "de841f72636980ca391855e15689103b836fbc324d5309d65d89c5dc0d06a94e"
    );
    assert_eq!(
        opening.salt.to_hex(),
        "dbecae3bc2a1b3c6ac86413a361fe4e9c56b9c8709f6c3a1bdb70a443880ddfe"
    );
    assert_eq!(
        serde_json::to_string(&opening).expect("json"),
        r#"{"customer":"c-1","salt":"2+yuO8Khs8ashkE6Nh/k6cVrnIcJ9sOhvbcKRDiA3f4=","text_hash":"QRKktHlAJI0oaXjKBeeKjWt2rP73g85YFjlkwhrqr+k="}"#
    );
    assert_eq!(
        hex(&tomb),
        "011000036d2d31000565762d343220de841f72636980ca391855e15689103b836fbc324d5309d65d89c5dc0d06a94e"
    );
    assert_eq!(
        vkey,
        "shop.example/ledger+c3ef82ae+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c"
    );
    assert_eq!(
        note,
        "shop.example/ledger\n1\n3oQfcmNpgMo5GFXhVokQO4NvvDJNUwnWXYnF3A0GqU4=\n\n\
         \u{2014} shop.example/ledger w++Croa8IbhXUWcrE2htR9HgSBbzGoRSIutlu5003KMnYTyp9YFvh8NsDAOFpeRFWuFXQdYKEojQsZYu55/lKFVPpAs=\n"
    );
}
