//! The curriculum built into the binary: the numbered scenarios of `scenarios/`, in
//! order, with the manifests they apply, for `kubesim tour`.

use crate::scenario::{self, Scenario, ScenarioError};

include!(concat!(env!("OUT_DIR"), "/curriculum_files.rs"));

/// The numbered scenarios (`01-….yaml` …) at the top of `scenarios/`, in order.
pub fn lessons() -> Result<Vec<Scenario>, Vec<ScenarioError>> {
    let mut lessons = Vec::new();
    let mut errors = Vec::new();
    let numbered =
        FILES.iter().filter(|(path, _)| !path.contains('/') && path.starts_with(|c: char| c.is_ascii_digit()));
    for (path, text) in numbered {
        match scenario::parse(&format!("scenarios/{path}"), text, read) {
            Ok(s) => lessons.push(s),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() { Ok(lessons) } else { Err(errors) }
}

/// A file a lesson names, relative to `scenarios/`.
fn read(path: &str) -> Result<String, String> {
    let path = path.trim_start_matches("./");
    FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| text.to_string())
        .ok_or_else(|| "not among the files built into kubesim (every .yaml under scenarios/)".to_string())
}
