//! Manifests to objects: multi-document YAML, kind resolution and strict decoding, with
//! kubectl's error messages plus the file, line and column of the problem.

use std::fmt;

use serde::de::DeserializeOwned;

use super::kinds::{self, Kind, NoKindMatch};
use super::object::Object;

/// One decoded document of a manifest file.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The object.
    pub object: Object,
    /// The document's text, as written (kept for `last-applied-configuration`).
    pub source: serde_json::Value,
    /// 1-based line where the document starts in its file.
    pub line: usize,
}

/// Why a document could not become an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The YAML itself is malformed.
    Syntax {
        /// File name as given.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// `apiVersion` or `kind` is missing.
    MissingTypeMeta {
        /// File name.
        file: String,
        /// What is missing: `apiVersion not set`, `kind not set`.
        missing: Vec<&'static str>,
        /// 1-based line of the document start.
        line: usize,
    },
    /// The cluster serves no such kind in that version.
    NoMatch {
        /// File name.
        file: String,
        /// `metadata.name` as written.
        name: String,
        /// `metadata.namespace` as written.
        namespace: String,
        /// What failed to resolve.
        mismatch: NoKindMatch,
        /// 1-based line of the `kind:` key.
        line: usize,
    },
    /// Unknown field or wrong type for a field (the apiserver's strict decoding).
    Strict {
        /// File name.
        file: String,
        /// The kind.
        kind: Kind,
        /// JSON path of the field, e.g. `spec.replicass`.
        path: String,
        /// What went wrong with it.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// A suggestion, e.g. `did you mean "replicas"?`.
        hint: Option<String>,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Syntax { file, line, column, message } => {
                write!(f, "error: error parsing {file}: line {line}, column {column}: {message}")
            }
            DecodeError::MissingTypeMeta { file, missing, line } => {
                // kubectl brackets the list only when there is more than one problem.
                let list = match missing.as_slice() {
                    [one] => one.to_string(),
                    many => format!("[{}]", many.join(", ")),
                };
                write!(
                    f,
                    "error: error validating \"{file}\": error validating data: {list}; if you choose to ignore these errors, turn validation off with --validate=false\n  at {file}:{line}: every manifest needs `apiVersion:` and `kind:` (e.g. apiVersion: v1, kind: Pod)"
                )
            }
            DecodeError::NoMatch { file, name, namespace, mismatch, line } => {
                write!(
                    f,
                    "error: resource mapping not found for name: \"{name}\" namespace: \"{namespace}\" from \"{file}\": no matches for kind \"{}\" in version \"{}\"\nensure CRDs are installed first",
                    mismatch.kind, mismatch.api_version
                )?;
                if let Some(hint) = &mismatch.hint {
                    write!(f, "\n  at {file}:{line}: {hint}")?;
                }
                Ok(())
            }
            DecodeError::Strict { file, kind, path, message, line, column, hint } => {
                let version = kind.api_version().rsplit('/').next().unwrap_or("v1");
                write!(
                    f,
                    "Error from server (BadRequest): error when creating \"{file}\": {k} in version \"{version}\" cannot be handled as a {k}: strict decoding error: {message}\n  at {file}:{line}:{column}",
                    k = kind.name()
                )?;
                if !path.is_empty() && !message.contains(path.as_str()) {
                    write!(f, " ({path})")?;
                }
                if let Some(hint) = hint {
                    write!(f, ": {hint}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Splits a multi-document YAML text into (1-based start line, text) pieces.
fn split_documents(text: &str) -> Vec<(usize, String)> {
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut start = 1;
    for (i, line) in text.lines().enumerate() {
        let is_separator = line == "---" || line.starts_with("--- ") || line.starts_with("---\t");
        if is_separator {
            docs.push((start, std::mem::take(&mut current)));
            start = i + 2;
            // Content after `--- ` on the same line belongs to the next document.
            if let Some(rest) = line.get(4..).filter(|r| !r.trim().is_empty()) {
                current.push_str(rest);
                current.push('\n');
                start = i + 1;
            }
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    docs.push((start, current));
    docs
}

/// Decodes every document of a manifest. Each document succeeds or fails on its own,
/// so the caller can apply the good ones and report the bad ones, as kubectl does.
pub fn decode_manifests(file: &str, text: &str) -> Vec<Result<Decoded, DecodeError>> {
    let mut out = Vec::new();
    for (start, doc) in split_documents(text) {
        if let Some(result) = decode_document(file, start, &doc) {
            out.push(result);
        }
    }
    out
}

/// Decodes one document that starts at line `start`; `None` for an empty document.
fn decode_document(file: &str, start: usize, doc: &str) -> Option<Result<Decoded, DecodeError>> {
    let syntax = |e: &serde_yaml::Error| {
        // libyaml names where it gave up and, for unclosed constructs, where the construct
        // began ("while parsing a flow sequence at line 5 column 11"); the beginning is
        // where the mistake is, and where go-yaml (so kubectl) points.
        let text = e.to_string();
        let (line, column) = last_location(&text)
            .or_else(|| e.location().map(|l| (l.line(), l.column())))
            .map_or((start, 1), |(l, c)| (l + start - 1, c));
        DecodeError::Syntax { file: file.into(), line, column, message: strip_location(&text) }
    };
    let value: serde_yaml::Value = match serde_yaml::from_str(doc) {
        Ok(v) => v,
        Err(e) => return Some(Err(syntax(&e))),
    };
    if value.is_null() {
        return None;
    }
    let Some(map) = value.as_mapping() else {
        return Some(Err(DecodeError::Syntax {
            file: file.into(),
            line: start,
            column: 1,
            message: "expected a mapping with apiVersion, kind and metadata, found a scalar or a list".into(),
        }));
    };
    let field = |name: &str| map.get(name).and_then(|v| v.as_str()).map(str::to_string);
    let (api_version, kind) = (field("apiVersion"), field("kind"));
    let mut missing = Vec::new();
    if api_version.is_none() {
        missing.push("apiVersion not set");
    }
    if kind.is_none() {
        missing.push("kind not set");
    }
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        return Some(Err(DecodeError::MissingTypeMeta { file: file.into(), missing, line: start }));
    };
    let resolved = match kinds::resolve(&api_version, &kind) {
        Ok(k) => k,
        Err(mismatch) => {
            let meta = map.get("metadata");
            let meta_str = |k: &str| meta.and_then(|m| m.get(k)).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let line = line_of_key(doc, "kind").map_or(start, |l| l + start - 1);
            return Some(Err(DecodeError::NoMatch {
                file: file.into(),
                name: meta_str("name"),
                namespace: meta_str("namespace"),
                mismatch,
                line,
            }));
        }
    };
    let source = serde_json::to_value(&value).unwrap_or(serde_json::Value::Null);
    let typed = match resolved {
        Kind::Namespace => strict(file, start, doc, resolved).map(Object::Namespace),
        Kind::Node => strict(file, start, doc, resolved).map(Object::Node),
        Kind::Pod => strict(file, start, doc, resolved).map(Object::Pod),
        Kind::Service => strict(file, start, doc, resolved).map(Object::Service),
        Kind::Event => strict(file, start, doc, resolved).map(Object::Event),
        Kind::Lease => strict(file, start, doc, resolved).map(Object::Lease),
        Kind::Deployment => strict(file, start, doc, resolved).map(Object::Deployment),
        Kind::ReplicaSet => strict(file, start, doc, resolved).map(Object::ReplicaSet),
        Kind::Endpoints => strict(file, start, doc, resolved).map(Object::Endpoints),
        Kind::EndpointSlice => strict(file, start, doc, resolved).map(Object::EndpointSlice),
    };
    Some(typed.map(|object| Decoded { object, source, line: start }).map_err(|e| *e))
}

/// Rebuilds a typed object from JSON (after a merge), rejecting unknown fields.
pub fn from_json(kind: Kind, value: serde_json::Value) -> Result<Object, serde_json::Error> {
    Ok(match kind {
        Kind::Namespace => Object::Namespace(serde_json::from_value(value)?),
        Kind::Node => Object::Node(serde_json::from_value(value)?),
        Kind::Pod => Object::Pod(serde_json::from_value(value)?),
        Kind::Service => Object::Service(serde_json::from_value(value)?),
        Kind::Event => Object::Event(serde_json::from_value(value)?),
        Kind::Lease => Object::Lease(serde_json::from_value(value)?),
        Kind::Deployment => Object::Deployment(serde_json::from_value(value)?),
        Kind::ReplicaSet => Object::ReplicaSet(serde_json::from_value(value)?),
        Kind::Endpoints => Object::Endpoints(serde_json::from_value(value)?),
        Kind::EndpointSlice => Object::EndpointSlice(serde_json::from_value(value)?),
    })
}

/// Decodes a request body's JSON as the apiserver does with `fieldValidation=Strict`:
/// unknown fields and wrong types are refused with the path of the field, in the
/// apiserver's words (`Deployment in version "v1" cannot be handled as a Deployment:
/// strict decoding error: unknown field "spec.replicass"`).
pub fn from_json_strict(kind: Kind, value: serde_json::Value) -> Result<Object, String> {
    fn typed<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let (message, hint) = describe_serde_error(&e.inner().to_string(), &path);
            match hint {
                Some(hint) if message.starts_with("unknown field") => format!("{message} ({hint})"),
                _ => message,
            }
        })
    }
    let object = match kind {
        Kind::Namespace => typed(value).map(Object::Namespace),
        Kind::Node => typed(value).map(Object::Node),
        Kind::Pod => typed(value).map(Object::Pod),
        Kind::Service => typed(value).map(Object::Service),
        Kind::Event => typed(value).map(Object::Event),
        Kind::Lease => typed(value).map(Object::Lease),
        Kind::Deployment => typed(value).map(Object::Deployment),
        Kind::ReplicaSet => typed(value).map(Object::ReplicaSet),
        Kind::Endpoints => typed(value).map(Object::Endpoints),
        Kind::EndpointSlice => typed(value).map(Object::EndpointSlice),
    };
    object.map_err(|message| {
        let version = kind.api_version().rsplit('/').next().unwrap_or("v1");
        format!(
            "{k} in version \"{version}\" cannot be handled as a {k}: strict decoding error: {message}",
            k = kind.name()
        )
    })
}

/// Deserializes with unknown fields rejected, reporting the JSON path of the culprit.
fn strict<T: DeserializeOwned>(file: &str, start: usize, doc: &str, kind: Kind) -> Result<T, Box<DecodeError>> {
    let de = serde_yaml::Deserializer::from_str(doc);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let YamlError { path, message, line, column, hint } = YamlError::new(&e, start);
        Box::new(DecodeError::Strict { file: file.into(), kind, path, message, line, column, hint })
    })
}

/// A typed-deserialization error from YAML, in the apiserver's words, with its place.
pub struct YamlError {
    /// JSON path of the field.
    pub path: String,
    /// What is wrong, e.g. `unknown field "spec.replicass"`.
    pub message: String,
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// A suggestion, if one is close.
    pub hint: Option<String>,
}

impl YamlError {
    /// Describes `e` for a document that starts at line `start` of its file.
    pub fn new(e: &serde_path_to_error::Error<serde_yaml::Error>, start: usize) -> YamlError {
        let inner = e.inner();
        let (line, column) = inner.location().map_or((start, 1), |l| (l.line() + start - 1, l.column()));
        let raw = strip_location(&inner.to_string());
        // serde_yaml prefixes the message with the path of the containing mapping.
        let raw = raw.split_once(": ").filter(|(p, _)| !p.contains(' ')).map_or(raw.as_str(), |(_, m)| m);
        let path = e.path().to_string();
        let (message, hint) = describe_serde_error(raw, &path);
        YamlError { path, message, line, column, hint }
    }
}

/// Turns serde's wording into the apiserver's, and finds a suggestion.
fn describe_serde_error(raw: &str, path: &str) -> (String, Option<String>) {
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or("");
        let expected: Vec<&str> = rest
            .split('`')
            .skip(1)
            .filter(|s| s.chars().all(|c| c.is_ascii_alphanumeric()))
            .filter(|s| !s.is_empty())
            .collect();
        let full = if path.ends_with(field) { path.to_string() } else { join_path(path, field) };
        let hint = closest(field, &expected).map(|s| format!("did you mean \"{s}\"?"));
        return (format!("unknown field \"{full}\""), hint);
    }
    if let Some(rest) = raw.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        return (format!("{}: Required value", join_path(path, field)), None);
    }
    (format!("{path}: {raw}"), Some("check the field's type with `kubectl explain`".into()))
}

fn join_path(path: &str, field: &str) -> String {
    if path.is_empty() || path == "." { field.to_string() } else { format!("{path}.{field}") }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The last ` at line L column C` in a serde_yaml message.
fn last_location(message: &str) -> Option<(usize, usize)> {
    let rest = &message[message.rfind(" at line ")? + " at line ".len()..];
    let (line, rest) = rest.split_once(" column ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.parse().ok()?, column.parse().ok()?))
}

/// serde_yaml puts ` at line L column C` in its messages; we report the location
/// ourselves, once.
fn strip_location(message: &str) -> String {
    let mut out = message.to_string();
    while let Some(i) = out.find(" at line ") {
        let rest = &out[i + " at line ".len()..];
        let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let line_len = digits(rest);
        let Some(after_col) = rest[line_len..].strip_prefix(" column ") else { break };
        let col_len = digits(after_col);
        let end = i + " at line ".len() + line_len + " column ".len() + col_len;
        out.replace_range(i..end, "");
    }
    out
}

/// 1-based line of the first top-level `key:` in `doc`.
fn line_of_key(doc: &str, key: &str) -> Option<usize> {
    doc.lines().position(|l| l.starts_with(&format!("{key}:"))).map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::result_large_err)] // Test-only: the tests match on the error.
    fn one(text: &str) -> Result<Decoded, DecodeError> {
        let mut all = decode_manifests("web.yaml", text);
        assert_eq!(all.len(), 1, "expected one document");
        all.remove(0)
    }

    #[test]
    fn decodes_a_pod() {
        let d = one("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n").unwrap();
        assert_eq!(d.object.kind(), Kind::Pod);
        assert_eq!(d.object.meta().name, "web");
    }

    #[test]
    fn multi_document_files_keep_line_numbers() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containerz: []\n";
        let all = decode_manifests("f.yaml", text);
        assert_eq!(all.len(), 2);
        assert!(all[0].is_ok());
        match &all[1] {
            Err(DecodeError::Strict { path, line, hint, .. }) => {
                assert_eq!(path, "spec.containerz");
                assert_eq!(*line, 11);
                assert_eq!(hint.as_deref(), Some("did you mean \"containers\"?"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn unknown_field_message_matches_the_apiserver() {
        let err = one("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\nspec:\n  replicass: 3\n")
            .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("Error from server (BadRequest): error when creating \"web.yaml\": Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.replicass\""), "{text}");
        assert!(text.contains("web.yaml:6:3"), "{text}");
        assert!(text.contains("did you mean \"replicas\"?"), "{text}");
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let err = one("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [web\n").unwrap_err();
        match err {
            DecodeError::Syntax { line, .. } => assert!(line >= 4, "line {line}"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(one("a: b: c\n").unwrap_err().to_string().starts_with("error: error parsing web.yaml: line 1, column"));
    }

    #[test]
    fn removed_versions_get_kubectls_message() {
        let err = one("apiVersion: apps/v1beta2\nkind: Deployment\nmetadata:\n  name: nginx\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("error: resource mapping not found for name: \"nginx\" namespace: \"\" from \"web.yaml\": no matches for kind \"Deployment\" in version \"apps/v1beta2\"\nensure CRDs are installed first"), "{text}");
    }

    #[test]
    fn missing_type_meta_is_reported() {
        let err = one("metadata:\n  name: x\n").unwrap_err();
        assert!(err.to_string().contains("[apiVersion not set, kind not set]"));
    }

    #[test]
    fn empty_documents_are_skipped() {
        assert!(decode_manifests("f.yaml", "---\n---\n").is_empty());
    }

    #[test]
    fn wrong_types_are_reported_with_the_path() {
        let err =
            one("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: n\nspec:\n  replicas: three\n").unwrap_err();
        assert!(err.to_string().contains("spec.replicas"), "{err}");
    }
}
