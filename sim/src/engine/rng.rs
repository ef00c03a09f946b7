//! Named random streams: one ChaCha8 generator per component, derived from the run's seed
//! and the component's name, so a new draw in one component never reshuffles another's.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator every random draw in the simulation comes from. Pinned to ChaCha8 so
/// output never changes with the `rand` crate's choice of default generator.
pub type SimRng = ChaCha8Rng;

/// Derives the stream called `name` from `seed`.
pub fn stream(seed: u64, name: &str) -> SimRng {
    // FNV-1a over the name, mixed with the seed through SplitMix64: stable across
    // platforms and Rust versions, unlike `std::hash`.
    let hash = super::hash::fnv1a64(name.as_bytes());
    SimRng::seed_from_u64(splitmix64(seed ^ splitmix64(hash)))
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_are_stable_and_independent() {
        let draw = |seed, name| stream(seed, name).random_range(0..1_000_000u32);
        assert_eq!(draw(0, "scheduler"), draw(0, "scheduler"));
        assert_ne!(draw(0, "scheduler"), draw(0, "kubelet/node-1"));
        assert_ne!(draw(0, "scheduler"), draw(1, "scheduler"));
    }
}
