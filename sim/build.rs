//! Embeds the curriculum: every `.yaml` file under `scenarios/` (scenarios and the
//! manifests they apply), so `kubesim tour` works from any directory.

use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    println!("cargo::rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut code = String::from(
        "/// Every `.yaml` file under `scenarios/`: (path relative to it, contents).\npub const FILES: &[(&str, &str)] = &[\n",
    );
    for (relative, absolute) in &files {
        println!("cargo::rerun-if-changed={}", absolute.display());
        code.push_str(&format!("    ({relative:?}, include_str!({:?})),\n", absolute.display().to_string()));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("curriculum_files.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo::rerun-if-changed={}", path.display());
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            let relative = path.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
            files.push((relative, path.canonicalize().expect("exists")));
        }
    }
}
