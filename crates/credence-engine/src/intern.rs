//! A string → `u32` map for ids (customers, orders, tickets, reviews) that keeps the keys
//! in one arena: no allocation per key, one probe per lookup (open addressing, linear
//! probing, ≤ 3/4 full), and 16 bytes per key plus the key's bytes.

use std::hash::Hasher;

use crate::store::FxHasher;

#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    /// (low 32 bits of the key's hash, key index + 1; 0 = empty). The hash sits in the
    /// slot so a probe rejects other keys without touching them, and a rehash needs no
    /// key. Length: 0 or a power of two.
    slots: Vec<(u32, u32)>,
    /// Value of each key; empty for an identity interner (value = key index), which
    /// saves a memory access per lookup.
    vals: Vec<u32>,
    identity: bool,
    len: usize,
    /// Keys, concatenated; `ends[i]` is where key `i` ends.
    arena: String,
    ends: Vec<u32>,
}

#[inline]
fn hash(key: &str) -> u32 {
    let mut h = FxHasher::default();
    h.write(key.as_bytes());
    h.finish() as u32
}

impl Interner {
    /// An interner whose values are the keys' indexes (0, 1, 2… in insertion order).
    pub(crate) fn identity() -> Interner {
        Interner {
            identity: true,
            ..Interner::default()
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn val(&self, k: usize) -> u32 {
        if self.identity {
            k as u32
        } else {
            self.vals[k]
        }
    }

    /// The key with index `i` (for an identity interner: the key whose value is `i`).
    pub(crate) fn key_of(&self, i: usize) -> &str {
        self.key(i)
    }

    fn key(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.arena[start..self.ends[i] as usize]
    }

    /// The slot where `key` is, or the empty slot where it would go.
    #[inline]
    fn find(&self, key: &str, h: u32) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let (sh, s) = self.slots[i];
            if s == 0 || (sh == h && self.key((s - 1) as usize) == key) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let (_, s) = self.slots[self.find(key, hash(key))];
        (s != 0).then(|| self.val((s - 1) as usize))
    }

    /// The value of `key`, inserting `make()` if it is new.
    pub(crate) fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> u32) -> u32 {
        if (self.len() + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let h = hash(key);
        let i = self.find(key, h);
        let (_, s) = self.slots[i];
        if s != 0 {
            return self.val((s - 1) as usize);
        }
        let v = make();
        debug_assert!(!self.identity || v as usize == self.len);
        self.arena.push_str(key);
        self.ends.push(self.arena.len() as u32);
        if !self.identity {
            self.vals.push(v);
        }
        self.len += 1;
        self.slots[i] = (h, self.len as u32);
        v
    }

    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(8);
        self.rehash(n);
    }

    fn rehash(&mut self, n: usize) {
        let old = std::mem::replace(&mut self.slots, vec![(0, 0); n]);
        let mask = n - 1;
        for (h, s) in old {
            if s != 0 {
                let mut i = h as usize & mask;
                while self.slots[i].1 != 0 {
                    i = (i + 1) & mask;
                }
                self.slots[i] = (h, s);
            }
        }
    }

    /// (key, value) pairs in insertion order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, u32)> {
        (0..self.len()).map(|i| (self.key(i), self.val(i)))
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        let mut n = 8;
        while (self.len() + 1) * 4 > n * 3 {
            n *= 2;
        }
        if n < self.slots.len() {
            self.rehash(n);
        }
        self.vals.shrink_to_fit();
        self.arena.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// Bytes of the index (slots and values).
    pub(crate) fn index_bytes(&self) -> u64 {
        (8 * self.slots.capacity() + 4 * self.vals.capacity()) as u64
    }

    /// Bytes of the keys (arena and ends).
    pub(crate) fn key_bytes(&self) -> u64 {
        (self.arena.capacity() + 4 * self.ends.capacity()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_and_finds() {
        let mut t = Interner::default();
        for i in 0..10_000u32 {
            assert_eq!(t.get_or_insert_with(&format!("c-{i:07}"), || i * 2), i * 2);
        }
        for i in 0..10_000u32 {
            assert_eq!(t.get(&format!("c-{i:07}")), Some(i * 2));
            assert_eq!(t.get_or_insert_with(&format!("c-{i:07}"), || 0), i * 2);
        }
        assert_eq!(t.get("nope"), None);
        assert_eq!(t.len(), 10_000);
        t.shrink_to_fit();
        assert_eq!(t.get("c-0000042"), Some(84));
        assert_eq!(t.iter().nth(3), Some(("c-0000003", 6)));
        assert_eq!(Interner::default().get("x"), None);
        let mut id = Interner::identity();
        assert_eq!(id.get_or_insert_with("a", || 0), 0);
        assert_eq!(id.get_or_insert_with("b", || 1), 1);
        assert_eq!(id.get_or_insert_with("a", || 9), 0);
        assert_eq!(id.get("b"), Some(1));
    }
}
