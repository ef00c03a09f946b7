//! `LookupMap`: a hash table for the large maps that every event looks up and few
//! walk. A B-tree of 760,000 Event names compares a dozen of them per lookup, each in
//! memory of its own; a hash table touches about two places.
//!
//! Hash order must never reach output (its values depend on the platform's byte order,
//! and on nothing meaningful), so this is the one place a hashed collection is allowed:
//! it can be looked up, or walked in key order, which sorts (its `Debug` too).

use std::borrow::Borrow;
#[expect(clippy::disallowed_types, reason = "wrapped: only lookups and sorted walks are offered")]
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A map that is looked up by hash and walked in key order.
#[derive(Clone)]
#[expect(clippy::disallowed_types, reason = "wrapped: only lookups and sorted walks are offered")]
pub struct LookupMap<K, V>(HashMap<K, V, BuildHasherDefault<WordHasher>>);

impl<K: Hash + Eq + Ord + fmt::Debug, V: fmt::Debug> fmt::Debug for LookupMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.sorted()).finish()
    }
}

impl<K, V> Default for LookupMap<K, V> {
    fn default() -> Self {
        LookupMap(Default::default())
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

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every value in no meaningful order (hash order, which depends on the platform):
    /// only for what does not depend on order, such as a count, or a check whose
    /// findings are sorted before they are shown.
    pub fn values_unordered(&self) -> impl Iterator<Item = &V> {
        self.0.values()
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

/// A folded multiply per eight bytes (foldhash's and rustc-hash 2's step: the high half
/// of the product folded into the low one, so every input bit reaches every output bit),
/// and MurmurHash3's finalizer: names that differ in one character, wherever it is,
/// land in different buckets. A name is hashed on every lookup; FNV takes a byte a step.
#[derive(Debug, Clone, Copy, Default)]
pub struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        let product = u128::from(self.0 ^ word) * 0x9e37_79b9_7f4a_7c15;
        self.0 = (product as u64) ^ ((product >> 64) as u64);
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
        let mut h = self.0;
        h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h = (h ^ (h >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash(s: &str) -> u64 {
        BuildHasherDefault::<WordHasher>::default().hash_one(s)
    }

    /// How many of `names` fall in distinct buckets of a table of 1,024 (picked by the
    /// low bits), and how many distinct 7-bit tags (the top bits) they carry.
    fn spread(names: &[String]) -> (usize, usize) {
        let hashes: Vec<u64> = names.iter().map(|n| hash(n)).collect();
        let buckets: std::collections::BTreeSet<u64> = hashes.iter().map(|h| h & 1023).collect();
        let tags: std::collections::BTreeSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        (buckets.len(), tags.len())
    }

    #[test]
    fn names_that_differ_in_a_character_or_two_spread_over_buckets_and_tags() {
        // 512 names fill about 400 of 1,024 buckets at random, and all 128 tags.
        let families: [&dyn Fn(u32) -> String; 4] = [
            // Pods: alike but for their last characters, at any length.
            &|i| format!("web-7d4b9c5f8-abc{i:02x}"),
            &|i| format!("mysql-{i:02}"),
            &|i| format!("0123456789abc{i:03}"),
            // Nodes and Events.
            &|i| format!("node-{i}"),
        ];
        for family in families {
            let names: Vec<String> = (0..512).map(family).collect();
            let (buckets, tags) = spread(&names);
            assert!(buckets > 350 && tags > 120, "{}…: {buckets} buckets, {tags} tags", names[0]);
        }
        let collisions = (0..20_000).map(|i| hash(&format!("xxx-{i}"))).collect::<std::collections::BTreeSet<_>>();
        assert_eq!(collisions.len(), 20_000, "no two of 20,000 names share a hash");
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
        assert_eq!((map.sorted().count(), map.get("web-123"), map.get("web-500")), (500, Some(&123), None));
        *map.get_mut("web-123").expect("there") = -1;
        assert_eq!(map.remove("web-123"), Some(-1));
        assert_eq!(map.sorted().count(), 499);
        assert!(map.contains_key("web-124") && !map.contains_key("web-123"));
        assert_eq!(map.values_unordered().map(|v| i64::from(*v)).sum::<i64>(), (0..500).sum::<i64>() - 123);
        assert!(!map.is_empty());
        let small: LookupMap<&str, i32> = [("b", 2), ("a", 1)].into_iter().collect();
        assert_eq!(format!("{small:?}"), r#"{"a": 1, "b": 2}"#);
    }
}
