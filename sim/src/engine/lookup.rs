//! `LookupMap`: a hash table for the large maps that every event looks up and few
//! walk. A B-tree of 760,000 Event names compares a dozen of them per lookup, each in
//! memory of its own; a hash table touches about two places.
//!
//! Hash order must never reach output (its values depend on the platform's byte order,
//! and on nothing meaningful), so this is the one place a hashed collection is allowed:
//! it can be looked up, or walked in key order, which sorts.
#![allow(clippy::disallowed_types)]

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A map that is looked up by hash and walked in key order.
#[derive(Debug, Clone)]
pub struct LookupMap<K, V>(HashMap<K, V, BuildHasherDefault<WordHasher>>);

impl<K, V> Default for LookupMap<K, V> {
    fn default() -> Self {
        LookupMap(HashMap::default())
    }
}

impl<K: Hash + Eq + Ord, V> LookupMap<K, V> {
    /// The value at `key`.
    pub fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.0.get(key)
    }

    /// Whether there is a value at `key`.
    pub fn contains_key<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.0.contains_key(key)
    }

    /// The value at `key`, to change.
    pub fn get_mut<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.0.get_mut(key)
    }

    /// Puts `value` at `key`; returns what was there.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.0.insert(key, value)
    }

    /// Takes the value at `key` out.
    pub fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.0.remove(key)
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every entry, in key order (sorted on each call: for the rare walks).
    pub fn sorted(&self) -> impl Iterator<Item = (&K, &V)> {
        let mut entries: Vec<(&K, &V)> = self.0.iter().collect();
        entries.sort_unstable_by_key(|&(key, _)| key);
        entries.into_iter()
    }
}

impl<K: Hash + Eq, V> FromIterator<(K, V)> for LookupMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        LookupMap(entries.into_iter().collect())
    }
}

/// FxHash's step (rustc's hasher), eight bytes at a time where FNV takes one: a name is
/// hashed on every lookup, and this is enough to spread names and keys.
#[derive(Debug, Clone, Copy, Default)]
pub struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_ne_bytes(word.try_into().expect("eight bytes")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_ne_bytes(last));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn write_usize(&mut self, word: usize) {
        self.add(word as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply mixes upwards only; a table picks its bucket by the low bits, so
        // the well-mixed high ones are brought down.
        self.0.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash(s: &str) -> u64 {
        BuildHasherDefault::<WordHasher>::default().hash_one(s)
    }

    #[test]
    fn names_that_differ_in_one_byte_spread_over_the_low_bits() {
        // Pod names share all but their last characters; a table of 1,024 buckets picks
        // by the low ten bits, which must still tell them apart.
        let buckets: std::collections::BTreeSet<u64> =
            (0..256u32).map(|i| hash(&format!("web-7d4b9c5f8-abc{i:02x}")) & 1023).collect();
        assert!(buckets.len() > 200, "only {} of 256 names in distinct buckets", buckets.len());
        assert_eq!(hash("a"), hash("a"));
        assert_ne!(hash("ab"), hash("ba"));
    }

    #[test]
    fn walks_in_key_order_whatever_the_hash_order() {
        let mut map = LookupMap::default();
        // Inserted out of order: 7 is coprime to 500, so this visits every number once.
        for i in (0..500).map(|i| (i * 7) % 500) {
            assert!(map.insert(format!("web-{i:03}"), i).is_none());
        }
        let walked: Vec<i32> = map.sorted().map(|(_, v)| *v).collect();
        assert_eq!(walked, (0..500).collect::<Vec<_>>());
        assert_eq!((map.len(), map.get("web-123"), map.get("web-500")), (500, Some(&123), None));
        *map.get_mut("web-123").expect("there") = -1;
        assert_eq!(map.remove("web-123"), Some(-1));
        assert_eq!(map.len(), 499);
        assert!(map.contains_key("web-124") && !map.contains_key("web-123"));
        assert!(!map.is_empty());
    }
}
