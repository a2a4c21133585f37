//! Feature extraction shared by training and inference (one code path, so the shipped
//! weights always see the features they were trained on).
//!
//! * Chinese: character 1–3-grams of the normalised text with begin/end markers
//!   (ASCII lowercased, full-width ASCII folded to half-width, digits folded to `0`,
//!   whitespace dropped), hashed into `2^bits` buckets, binary (presence).
//! * English: lowercase word uni- and bigrams with begin/end markers; words inside a
//!   negation scope (after a VADER negation word up to the next punctuation or contrast
//!   word) are hashed in a separate namespace, so "not good" and "good" get different
//!   weights; plus the dense VADER features of [`en_dense`].
//!
//! Hashing: an n-gram of up to three characters packs exactly into 63 bits (21 bits per
//! code point), so Chinese n-grams collide only through the bucket reduction; words are
//! hashed with FNV-1a. Keys are mixed with the SplitMix64 finaliser and reduced by their
//! top bits.

use crate::vader::{Vader, is_negation};

/// Number of dense (non-hashed) English features.
pub const EN_DENSE: usize = 4;

const SALT_ZH: u64 = 0x5A48_0000_0000_0001;
const SALT_EN_UNI: u64 = 0x454E_5F55_4E49_0001;
const SALT_EN_NEG: u64 = 0x454E_5F4E_4547_0002;
const SALT_EN_BI: u64 = 0x454E_5F42_4947_0003;
const BOS: u32 = 1;
const EOS: u32 = 2;

#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[inline]
fn bucket(key: u64, salt: u64, bits: u32) -> u32 {
    (mix(key ^ salt) >> (64 - bits)) as u32
}

#[inline]
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Remove duplicate bucket indices in place, keeping first occurrences (order is the
/// order of first appearance, not sorted). An open-addressing set sized to the input is
/// cheaper than sorting for the few hundred features of a review.
pub fn dedup(v: &mut Vec<u32>) {
    let cap = (v.len() * 2).next_power_of_two().max(16);
    let mask = cap - 1;
    let mut table = vec![u32::MAX; cap];
    let mut w = 0;
    for r in 0..v.len() {
        let x = v[r];
        let mut h = (x.wrapping_mul(0x9E37_79B1) >> 7) as usize & mask;
        loop {
            let t = table[h];
            if t == u32::MAX {
                table[h] = x;
                v[w] = x;
                w += 1;
                break;
            }
            if t == x {
                break;
            }
            h = (h + 1) & mask;
        }
    }
    v.truncate(w);
}

/// Normalise one character for the Chinese model; `None` drops it.
#[inline]
fn norm_zh(c: char) -> Option<u32> {
    if c.is_whitespace() {
        return None;
    }
    let mut u = c as u32;
    if (0xFF01..=0xFF5E).contains(&u) {
        u -= 0xFEE0;
    }
    if (u32::from(b'A')..=u32::from(b'Z')).contains(&u) {
        u += 32;
    }
    if (u32::from(b'0')..=u32::from(b'9')).contains(&u) {
        u = u32::from(b'0');
    }
    Some(u)
}

/// Hashed Chinese features of `text` (deduplicated bucket indices) into `out`.
pub fn zh_features(text: &str, bits: u32, out: &mut Vec<u32>) {
    out.clear();
    let (mut p2, mut p1) = (0u64, u64::from(BOS));
    out.push(bucket(p1, SALT_ZH, bits));
    let chars = text
        .chars()
        .filter_map(norm_zh)
        .map(u64::from)
        .chain(std::iter::once(u64::from(EOS)));
    for c in chars {
        out.push(bucket(c, SALT_ZH, bits));
        out.push(bucket(p1 | (c << 21), SALT_ZH, bits));
        if p2 != 0 {
            out.push(bucket(p2 | (p1 << 21) | (c << 42), SALT_ZH, bits));
        }
        p2 = p1;
        p1 = c;
    }
    dedup(out);
}

/// Lowercase English word tokens of `text`: runs of ASCII letters, digits and inner
/// apostrophes; `!` and `?` are kept as tokens; other punctuation ends a negation scope
/// and is returned as `","`.
pub fn en_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, tokens: &mut Vec<String>| {
        if !cur.is_empty() {
            let t = cur.trim_matches('\'').to_string();
            if !t.is_empty() {
                tokens.push(t);
            }
            cur.clear();
        }
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '\'' || c == '’' {
            let c = if c == '’' {
                '\''
            } else {
                c.to_ascii_lowercase()
            };
            cur.push(c);
        } else {
            flush(&mut cur, &mut tokens);
            match c {
                '!' | '?' => tokens.push(c.to_string()),
                '.' | ',' | ';' | ':' | '(' | ')' | '"' | '-' | '，' | '。' | '！' | '？'
                | '；' => tokens.push(",".to_string()),
                _ => {}
            }
        }
    }
    flush(&mut cur, &mut tokens);
    tokens
}

fn ends_scope(t: &str) -> bool {
    matches!(
        t,
        "," | "!" | "?" | "but" | "however" | "although" | "though" | "yet"
    )
}

/// Hashed English features of `text` (deduplicated bucket indices) into `out`.
pub fn en_features(text: &str, bits: u32, out: &mut Vec<u32>) {
    out.clear();
    let tokens = en_tokens(text);
    let mut negated = false;
    let mut prev = fnv1a(b"<s>");
    for t in &tokens {
        let h = fnv1a(t.as_bytes());
        if t != "," {
            let salt = if negated { SALT_EN_NEG } else { SALT_EN_UNI };
            out.push(bucket(h, salt, bits));
        }
        out.push(bucket(prev.rotate_left(17) ^ h, SALT_EN_BI, bits));
        prev = h;
        if ends_scope(t) {
            negated = false;
        } else if is_negation(t) {
            negated = true;
        }
    }
    out.push(bucket(
        prev.rotate_left(17) ^ fnv1a(b"</s>"),
        SALT_EN_BI,
        bits,
    ));
    dedup(out);
}

/// Dense English features from VADER: compound, `tanh(pos/3)`, `tanh(neg/3)` and an
/// indicator "no lexicon word".
pub fn en_dense(text: &str, vader: &Vader) -> [f32; EN_DENSE] {
    let s = vader.scores(text);
    [
        s.compound,
        (s.pos / 3.0).tanh(),
        (s.neg / 3.0).tanh(),
        if s.hits == 0 { 1.0 } else { 0.0 },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zh_features_are_unique_and_in_range() {
        let mut out = Vec::new();
        zh_features("茶叶不错，但是晚到了一天", 16, &mut out);
        let mut sorted = out.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), out.len());
        assert!(out.iter().all(|i| *i < (1 << 16)));
        // 12 chars + BOS/EOS: 13 unigrams, 13 bigrams, 12 trigrams, minus collisions
        assert!(out.len() > 30);
    }

    #[test]
    fn zh_normalisation_folds_width_and_digits() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        zh_features("ＡＢＣ１２３ 好", 18, &mut a);
        zh_features("abc987好", 18, &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn dedup_keeps_first_occurrences() {
        let mut v = vec![5, 3, 5, 9, 3, 3, 0];
        dedup(&mut v);
        assert_eq!(v, vec![5, 3, 9, 0]);
    }

    #[test]
    fn en_negation_scope_changes_features() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        en_features("good", 18, &mut a);
        en_features("not good", 18, &mut b);
        assert!(!b.contains(&a[0]) || !b.contains(&a[a.len() - 1]));
        assert_eq!(
            en_tokens("It's NOT good, really!"),
            vec!["it's", "not", "good", ",", "really", "!"]
        );
    }
}
