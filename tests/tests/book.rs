//! The book (`book/`) includes its outputs from `book/src/generated/`, which this test
//! keeps equal to the snapshots the other tests check (`KUBESIM_BLESS=1` rewrites them
//! after a reviewed snapshot change), and checks that every include and every internal
//! link of the book resolves.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A snapshot's content, without insta's header.
fn body(snapshot: &str) -> &str {
    let after_first = snapshot.strip_prefix("---\n").unwrap_or(snapshot);
    after_first.split_once("\n---\n").map_or(after_first, |(_, body)| body)
}

#[test]
fn the_books_outputs_are_the_checked_snapshots() {
    let snapshots = root().join("tests/tests/snapshots");
    let generated = root().join("book/src/generated");
    let bless = std::env::var_os("KUBESIM_BLESS").is_some();
    let mut stale = Vec::new();
    let mut entries: Vec<_> =
        std::fs::read_dir(&snapshots).expect("the snapshots").flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        let target = if let Some(stem) = name.strip_prefix("scenarios__every_scenario_passes_with_its_seed@") {
            stem.strip_suffix(".yaml.snap").filter(|s| !s.starts_with("exercises__")).map(|s| format!("{s}.txt"))
        } else if let Some(stem) = name.strip_prefix("scenarios__comparisons_measure_both_tracks@") {
            stem.strip_suffix(".yaml.snap").map(|s| format!("{s}.compare.txt"))
        } else {
            None
        };
        let Some(target) = target else { continue };
        let wanted = body(&std::fs::read_to_string(&path).expect("a snapshot")).to_string();
        let file = generated.join(&target);
        if bless {
            std::fs::write(&file, &wanted).expect("the book's copy is written");
        } else if std::fs::read_to_string(&file).ok().as_deref() != Some(wanted.as_str()) {
            stale.push(target);
        }
    }
    assert!(
        stale.is_empty(),
        "the book's copies differ from the snapshots: {stale:?}; after reviewing the snapshots, run KUBESIM_BLESS=1 cargo test -p kubesim-tests --test book"
    );
}

#[test]
fn every_include_link_and_chapter_of_the_book_resolves() {
    let src = root().join("book/src");
    let mut problems = Vec::new();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&src).expect("book/src").flatten().map(|e| e.path()).collect();
    pages.retain(|p| p.extension().is_some_and(|e| e == "md"));
    pages.sort();
    for page in &pages {
        let text = std::fs::read_to_string(page).expect("a page");
        let name = page.file_name().and_then(|n| n.to_str()).unwrap_or("");
        for include in text.split("{{#include ").skip(1) {
            let target = include.split("}}").next().unwrap_or("");
            let path = target.split(':').next().unwrap_or("");
            if !src.join(path).is_file() {
                problems.push(format!("{name}: include {path} does not exist"));
            }
        }
        for link in text.split("](").skip(1) {
            let target = link.split(')').next().unwrap_or("");
            let file = target.split('#').next().unwrap_or("");
            if file.ends_with(".md") && !file.contains("://") && !src.join(file).is_file() {
                problems.push(format!("{name}: link {target} leads nowhere"));
            }
        }
    }
    let summary = std::fs::read_to_string(src.join("SUMMARY.md")).expect("SUMMARY.md");
    for page in &pages {
        let name = page.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name != "SUMMARY.md" && !summary.contains(&format!("({name})")) {
            problems.push(format!("{name} is not in SUMMARY.md"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
