//! The workload image: one static binary (`workload/`, built by `build.rs`) as the whole
//! root filesystem, imported with `docker import` semantics and tagged by content hash,
//! so it is built once per machine and reused.

/// The static workload binary.
pub const WORKLOAD_BINARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kubesim-workload"));

/// The image's tag: `kubesim/workload:<content hash>`.
pub fn workload_tag() -> String {
    format!("kubesim/workload:{:016x}", fnv1a(WORKLOAD_BINARY))
}

/// The workload's root filesystem as a tar archive.
pub(crate) fn rootfs() -> Vec<u8> {
    crate::tar::archive(&[("kubesim-workload", 0o755, WORKLOAD_BINARY)])
}

/// FNV-1a, 64 bits: a stable content hash with no dependency.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}
