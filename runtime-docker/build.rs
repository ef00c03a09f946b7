//! Builds the workload binary statically (so the image needs nothing but it) for the
//! image `workload.rs` imports; no registry is involved. A nested cargo with its own
//! target directory, since the flags (`+crt-static`, an explicit target) apply to this
//! one binary only.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let workload = manifest.join("workload");
    println!("cargo::rerun-if-changed={}", workload.join("src").display());
    println!("cargo::rerun-if-changed={}", workload.join("Cargo.toml").display());
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    let target_dir = out.join("workload-target");
    let triple = "x86_64-unknown-linux-gnu";
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--locked", "--target", triple, "--manifest-path"])
        .arg(workload.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_MAKEFLAGS")
        .env("CARGO_ENCODED_RUSTFLAGS", "-Ctarget-feature=+crt-static")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true")
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the static workload binary failed");
    let binary = target_dir.join(triple).join("release").join("kubesim-workload");
    std::fs::copy(&binary, out.join("kubesim-workload")).expect("the workload binary was built");
}
