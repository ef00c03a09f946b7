//! The generic describer kubectl falls back to for kinds without their own (Events,
//! Leases): metadata, then every other field of the object's JSON with "smart" labels
//! (`printUnstructuredContent`, `smartLabelFor`).

use serde_json::{Map, Value};

use crate::api::Object;

use super::{Writer, annotations_multiline, events_section, labels_multiline};

/// Fields already shown at the top, or never shown.
const SKIPPED: &[&str] =
    &[".metadata.managedFields", ".metadata.name", ".metadata.namespace", ".metadata.labels", ".metadata.annotations"];

/// Field-name parts printed in capitals.
const ACRONYMS: &[&str] = &["API", "URL", "UID", "OSB", "GUID"];

pub(super) fn describe_generic(w: &mut Writer, obj: &Object) {
    let meta = obj.meta();
    w.line(0, &format!("Name:\t{}", meta.name));
    w.line(0, &format!("Namespace:\t{}", meta.namespace));
    labels_multiline(w, "Labels", &meta.labels);
    annotations_multiline(w, "Annotations", &meta.annotations);
    if let Value::Object(content) = obj.to_json() {
        unstructured(w, 0, &content, "");
    }
    events_section(w, &[&meta.uid]);
}

/// `printUnstructuredContent`: fields in key order; maps and lists nest one level deeper.
fn unstructured(w: &mut Writer, level: usize, content: &Map<String, Value>, prefix: &str) {
    for (field, value) in content {
        let path = format!("{prefix}.{field}");
        if SKIPPED.contains(&path.as_str()) {
            continue;
        }
        let label = smart_label(field);
        match value {
            Value::Object(map) => {
                w.line(level, &format!("{label}:"));
                unstructured(w, level + 1, map, &path);
            }
            Value::Array(items) => {
                w.line(level, &format!("{label}:"));
                for item in items {
                    match item {
                        Value::Object(map) => unstructured(w, level + 1, map, &path),
                        other => w.line(level + 1, &scalar(other)),
                    }
                }
            }
            other => w.line(level, &format!("{label}:\t{}", scalar(other))),
        }
    }
}

/// A scalar as Go's `%v` prints it.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

/// `smartLabelFor`: `apiVersion` → `API Version`, `ownerReferences` → `Owner References`.
/// Names with characters other than letters and `-` print as they are.
fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    camel_case_split(field)
        .into_iter()
        .filter(|part| part != "_")
        .map(|part| {
            let upper = part.to_uppercase();
            if ACRONYMS.contains(&upper.as_str()) { upper } else { title(&part) }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first letter in upper case.
fn title(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// `github.com/fatih/camelcase.Split`: runs of lower case, upper case, digits and other
/// characters, with the last capital of an upper-case run moved to a following
/// lower-case run (`PDFLoader` → `PDF`, `Loader`).
fn camel_case_split(src: &str) -> Vec<String> {
    let class = |c: char| {
        if c.is_lowercase() {
            1
        } else if c.is_uppercase() {
            2
        } else if c.is_numeric() {
            3
        } else {
            4
        }
    };
    let mut runs: Vec<Vec<char>> = Vec::new();
    let mut last = 0;
    for c in src.chars() {
        let this = class(c);
        match runs.last_mut() {
            Some(run) if this == last => run.push(c),
            _ => runs.push(vec![c]),
        }
        last = this;
    }
    for i in 0..runs.len().saturating_sub(1) {
        let upper_then_lower =
            runs[i].first().is_some_and(|c| c.is_uppercase()) && runs[i + 1].first().is_some_and(|c| c.is_lowercase());
        if upper_then_lower && let Some(moved) = runs[i].pop() {
            runs[i + 1].insert(0, moved);
        }
    }
    runs.into_iter().filter(|r| !r.is_empty()).map(|r| r.into_iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_labels() {
        assert_eq!(smart_label("apiVersion"), "API Version");
        assert_eq!(smart_label("uid"), "UID");
        assert_eq!(smart_label("ownerReferences"), "Owner References");
        assert_eq!(smart_label("leaseDurationSeconds"), "Lease Duration Seconds");
        assert_eq!(smart_label("PDFLoader"), "PDF Loader");
        assert_eq!(smart_label("kind"), "Kind");
        assert_eq!(smart_label("foo.bar/baz"), "foo.bar/baz");
    }
}
