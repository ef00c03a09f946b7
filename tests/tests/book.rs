//! The book (`book/`) includes its outputs from `book/src/generated/`, which this test
//! keeps equal to the snapshots the other tests check (`KUBESIM_BLESS=1` rewrites them
//! after a reviewed snapshot change), and checks that every include and every internal
//! link of the book resolves, that every course chapter ends with a graded exercise,
//! and (standing in for `mdbook test`) that every Rust listing is a file cargo builds,
//! whose code the tests run.

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
    let pages = pages();
    for (name, text) in &pages {
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
    for (name, _) in &pages {
        if name != "SUMMARY.md" && !summary.contains(&format!("({name})")) {
            problems.push(format!("{name} is not in SUMMARY.md"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The book's pages, in file order, with their text.
fn pages() -> Vec<(String, String)> {
    let src = root().join("book/src");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&src).expect("book/src").flatten().map(|e| e.path()).collect();
    pages.retain(|p| p.extension().is_some_and(|e| e == "md"));
    pages.sort();
    pages
        .iter()
        .map(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
            (name, std::fs::read_to_string(p).expect("a page"))
        })
        .collect()
}

#[test]
fn every_course_chapter_ends_with_a_graded_exercise_and_every_exercise_is_in_the_book() {
    let summary = std::fs::read_to_string(root().join("book/src/SUMMARY.md")).expect("SUMMARY.md");
    let course = summary.split("# The cluster").nth(1).and_then(|s| s.split("\n# ").next()).expect("the course part");
    let chapters: Vec<&str> = course.split("](").skip(1).filter_map(|l| l.split(')').next()).collect();
    assert_eq!(chapters.len(), 10, "the ten chapters of the notes: {chapters:?}");
    let pages = pages();
    let mut problems = Vec::new();
    for chapter in &chapters {
        let text = &pages.iter().find(|(name, _)| name == chapter).expect("a chapter's page").1;
        let Some((_, exercise)) = text.rsplit_once("\n## Exercise\n") else {
            problems.push(format!("{chapter}: no `## Exercise` section"));
            continue;
        };
        if exercise.contains("\n## ") {
            problems.push(format!("{chapter}: the exercise is not the chapter's last section"));
        }
        if !exercise.contains("{{#include ../../scenarios/exercises/") || !exercise.contains("kubesim check ") {
            problems.push(format!("{chapter}: the exercise includes no graded scenario"));
        }
    }
    let exercises = root().join("scenarios/exercises");
    let mut files: Vec<String> = std::fs::read_dir(&exercises)
        .expect("scenarios/exercises")
        .flatten()
        .filter_map(|e| e.file_name().to_str().filter(|n| n.ends_with(".yaml")).map(String::from))
        .collect();
    files.sort();
    for file in files {
        let include = format!("{{{{#include ../../scenarios/exercises/{file}}}}}");
        let solution = format!("{{{{#include ../../scenarios/exercises/solutions/{file}}}}}");
        if !pages.iter().any(|(_, text)| text.contains(&include) && text.contains(&solution)) {
            problems.push(format!("the exercise {file} and its solution are in no chapter"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_rust_listing_is_a_file_cargo_builds() {
    let mut listings = Vec::new();
    for (name, text) in pages() {
        for block in text.split("```rust").skip(1) {
            let body = block.split_once('\n').map_or("", |(_, b)| b).split("```").next().unwrap_or("").trim();
            let path = body.strip_prefix("{{#include ../../").and_then(|p| p.strip_suffix("}}"));
            match path {
                Some(path) if path.starts_with("sim/examples/") || path.starts_with("tests/tests/") => {
                    listings.push(path.to_string())
                }
                _ => panic!("{name}: a Rust listing that is not an example or a test cargo builds: {body}"),
            }
        }
    }
    assert_eq!(listings, ["sim/examples/fuzz_builtin.rs", "tests/tests/reconcilers.rs"]);
}

/// The book's runnable example, compiled here as a module so that its code runs (the
/// tests of `reconcilers.rs`, the other listing, run on their own).
#[path = "../../sim/examples/fuzz_builtin.rs"]
#[allow(dead_code, reason = "the example's main is for `cargo run --example`")]
mod fuzz_builtin;

#[test]
fn the_books_runnable_example_runs_and_the_built_in_controllers_pass() {
    for controller in ["replicaset-controller", "deployment-controller"] {
        let figures = fuzz_builtin::fuzz(controller, 16, 1);
        assert_eq!(figures.failures, 0, "{controller}");
        assert!(figures.events > 0 && figures.faults > 0, "{controller}: the schedules ran and held faults");
    }
}
