//! Server-side tables (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`): what
//! `kubectl get` asks for and prints. The columns and cells are the in-process kubectl's
//! (`kubectl::print::get`), so both print the same.

use serde_json::{Value, json};

use super::Request;
use super::status::{Failure, bad_request};
use crate::api::{Kind, Object};
use crate::engine::SimTime;
use crate::kubectl::print::get::{cells, column_definitions};

/// What each row carries besides its cells (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    /// Nothing.
    None,
    /// The object's metadata, as a `PartialObjectMetadata` (the default; kubectl reads
    /// the namespace and labels from it).
    Metadata,
    /// The whole object.
    Object,
}

/// The table the request asks for, if it asks for one.
pub fn requested(req: &Request) -> Result<Option<IncludeObject>, Failure> {
    let wants_table = req.accept.split(',').any(|media| media.split(';').any(|p| p.trim() == "as=Table"));
    if !wants_table {
        return Ok(None);
    }
    match req.param("includeObject") {
        None | Some("Metadata") => Ok(Some(IncludeObject::Metadata)),
        Some("None") => Ok(Some(IncludeObject::None)),
        Some("Object") => Ok(Some(IncludeObject::Object)),
        Some(other) => Err(bad_request(format!(
            "Unsupported value: \"{other}\": supported values: \"Metadata\", \"None\", \"Object\""
        ))),
    }
}

/// The row of one object.
pub fn row(obj: &Object, now: SimTime, include: IncludeObject) -> Value {
    let cells: Vec<Value> = cells(obj, true, now)
        .into_iter()
        .zip(column_definitions(obj.kind()))
        .map(|(cell, column)| match (column.type_, cell.parse::<i64>()) {
            ("integer", Ok(n)) => n.into(),
            _ => cell.into(),
        })
        .collect();
    let mut row = json!({"cells": cells});
    match include {
        IncludeObject::None => {}
        IncludeObject::Metadata => {
            row["object"] = json!({
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": obj.to_json()["metadata"],
            });
        }
        IncludeObject::Object => row["object"] = obj.to_json(),
    }
    row
}

/// A table of `objects` of `kind`; `columns` false leaves out the column definitions
/// (watch events after the first, as the apiserver does to save bandwidth).
pub fn table(kind: Kind, rows: Vec<Value>, resource_version: u64, columns: bool) -> Value {
    let definitions: Vec<Value> = if columns {
        column_definitions(kind)
            .iter()
            .map(|c| {
                let mut def =
                    json!({"name": c.name, "type": c.type_, "format": "", "description": "", "priority": c.priority});
                if c.name == "Name" {
                    def["format"] = "name".into();
                }
                def
            })
            .collect()
    } else {
        Vec::new()
    };
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version.to_string()},
        "columnDefinitions": definitions,
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::rest::Method;

    fn request(accept: &str) -> Request {
        Request {
            method: Method::Get,
            path: "/api/v1/pods".into(),
            query: Vec::new(),
            accept: accept.into(),
            content_type: String::new(),
            user_agent: String::new(),
            body: String::new(),
        }
    }

    #[test]
    fn kubectl_get_asks_for_a_table() {
        let kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(requested(&request(kubectl)), Ok(Some(IncludeObject::Metadata)));
        assert_eq!(requested(&request("application/json")), Ok(None));
    }
}
