//! Watches: which changes a watch selects, and each as the JSON line the apiserver
//! streams (`{"type":"ADDED","object":{...}}`).

use serde_json::{Value, json};

use super::table::{self, IncludeObject};
use crate::api::meta::LabelSelector;
use crate::api::{Kind, Object};
use crate::apiserver::ChangeType;
use crate::engine::SimTime;
use crate::kubectl::selector::{FieldRequirement, fields_match};

/// An open watch's request.
#[derive(Debug, Clone)]
pub struct Watch {
    /// The kind watched.
    pub kind: Kind,
    /// In this namespace only, if given.
    pub namespace: Option<String>,
    /// Objects whose labels match.
    pub labels: LabelSelector,
    /// Objects whose fields match.
    pub fields: Vec<FieldRequirement>,
    /// Objects as table rows (`kubectl get -w`).
    pub table: Option<IncludeObject>,
    /// Changes after this resourceVersion; none: first the current objects, as ADDED.
    pub since: Option<u64>,
    /// `allowWatchBookmarks`.
    pub bookmarks: bool,
    /// `timeoutSeconds`: the server ends the watch after this long.
    pub timeout_s: Option<u64>,
}

impl Watch {
    /// Whether the watch selects `obj`.
    pub fn selects(&self, obj: &Object) -> bool {
        let meta = obj.meta();
        obj.kind() == self.kind
            && self.namespace.as_ref().is_none_or(|ns| *ns == meta.namespace)
            && self.labels.matches(&meta.labels)
            && fields_match(obj, &self.fields)
    }

    /// One event as a line of the stream. `columns`: the table carries its column
    /// definitions (the first event of a table watch).
    pub fn event(&self, type_: ChangeType, obj: &Object, now: SimTime, columns: bool) -> Vec<u8> {
        let type_ = match type_ {
            ChangeType::Added => "ADDED",
            ChangeType::Modified => "MODIFIED",
            ChangeType::Deleted => "DELETED",
        };
        let object = match self.table {
            Some(include) => {
                let rv = obj.meta().resource_version.parse().unwrap_or(0);
                table::table(self.kind, vec![table::row(obj, now, include)], rv, columns)
            }
            None => obj.to_json(),
        };
        line(&json!({"type": type_, "object": object}))
    }

    /// A BOOKMARK: the client may resume from `resource_version`.
    pub fn bookmark(&self, resource_version: u64) -> Vec<u8> {
        let object = json!({
            "kind": self.kind.name(),
            "apiVersion": self.kind.api_version(),
            "metadata": {"resourceVersion": resource_version.to_string()},
        });
        line(&json!({"type": "BOOKMARK", "object": object}))
    }
}

/// A watch event that ends the stream with an error (e.g. 410 Gone).
pub fn error_event(status: &Value) -> Vec<u8> {
    line(&json!({"type": "ERROR", "object": status}))
}

fn line(value: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(value).expect("a JSON value serializes");
    bytes.push(b'\n');
    bytes
}
