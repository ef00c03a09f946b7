//! Field ownership and server-side apply: which manager set which field of an object
//! (`metadata.managedFields`, in the `FieldsV1` format), and the apply that merges a
//! manager's configuration, removes what it no longer sets and refuses to take fields
//! other managers set to other values unless forced.
//!
//! Tracked: `spec` (and the data fields of kinds without one), labels, annotations,
//! finalizers and owner references. Not tracked: status, which only the simulation's
//! components write, and writes of the components themselves (kubesim's controllers
//! do not appear as managers).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::api::patch::{merge_key, merges_scalars, strategic_merge};

/// One step of a field path: `f:spec`, `k:{"name":"web"}` (a keyed list's element),
/// `v:"x"` (a set's value) or `.` (the element itself).
type Path = Vec<String>;

/// The metadata fields a manager can own.
const OWNED_METADATA: &[&str] = &["labels", "annotations", "finalizers", "ownerReferences"];
/// Top-level fields never owned: the type, the status, and metadata handled above.
const UNTRACKED: &[&str] = &["apiVersion", "kind", "metadata", "status"];

/// One manager's fields, as an entry of `managedFields`.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    manager: String,
    operation: String,
    subresource: Option<String>,
    api_version: String,
    time: String,
    fields: BTreeSet<Path>,
}

impl Entry {
    fn from_json(value: &Value) -> Option<Entry> {
        let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
        let mut fields = BTreeSet::new();
        if let Some(v1) = value.get("fieldsV1") {
            collect_paths(v1, &mut Vec::new(), &mut fields);
        }
        Some(Entry {
            manager: text("manager")?,
            operation: text("operation").unwrap_or_else(|| "Update".into()),
            subresource: text("subresource"),
            api_version: text("apiVersion").unwrap_or_default(),
            time: text("time").unwrap_or_default(),
            fields,
        })
    }

    fn to_json(&self) -> Value {
        let mut entry = json!({
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": fields_v1(&self.fields),
        });
        if let Some(sub) = &self.subresource {
            entry["subresource"] = sub.clone().into();
        }
        entry
    }

    fn same_manager(&self, who: &Writer) -> bool {
        self.manager == who.manager && self.operation == who.operation && self.subresource == who.subresource
    }

    /// `"kubectl" with subresource "scale" using apps/v1`, as conflicts name managers.
    fn describe(&self) -> String {
        match &self.subresource {
            Some(sub) => format!("\"{}\" with subresource \"{sub}\" using {}", self.manager, self.api_version),
            None => format!("\"{}\" using {}", self.manager, self.api_version),
        }
    }
}

/// Who writes: the field manager, `Apply` or `Update`, and the subresource if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    /// The `fieldManager` (or the client's name).
    pub manager: String,
    /// `Apply` (server-side apply) or `Update` (every other write).
    pub operation: String,
    /// `scale`, `status`, or none for the main resource.
    pub subresource: Option<String>,
    /// The object's apiVersion.
    pub api_version: String,
    /// When, RFC 3339.
    pub time: String,
}

/// The fields of a FieldsV1 tree, as paths to its leaves.
fn collect_paths(tree: &Value, prefix: &mut Path, out: &mut BTreeSet<Path>) {
    match tree.as_object() {
        Some(children) if !children.is_empty() => {
            for (step, child) in children {
                prefix.push(step.clone());
                collect_paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ if !prefix.is_empty() => {
            out.insert(prefix.clone());
        }
        _ => {}
    }
}

/// Paths as a FieldsV1 tree.
fn fields_v1(paths: &BTreeSet<Path>) -> Value {
    let mut root = Map::new();
    for path in paths {
        let mut node = &mut root;
        for step in path {
            let child = node.entry(step.clone()).or_insert_with(|| json!({}));
            node = child.as_object_mut().expect("every node of the tree is an object");
        }
    }
    Value::Object(root)
}

/// The `k:` step of a keyed list's element.
fn key_step(element: &Value, key: &str) -> Option<String> {
    let id = element.get(key)?;
    Some(format!("k:{}", json!({ key: id })))
}

/// The fields `value` sets under `prefix`: leaves, keyed-list elements with theirs,
/// set members; atomic lists and empty maps are leaves.
fn leaves(value: &Value, holder: &str, prefix: &mut Path, out: &mut BTreeSet<Path>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (field, child) in map {
                prefix.push(format!("f:{field}"));
                match child {
                    Value::Array(items) if merge_key(holder, field).is_some() => {
                        let key = merge_key(holder, field).expect("checked");
                        for item in items {
                            let Some(step) = key_step(item, key) else { continue };
                            prefix.push(step);
                            prefix.push(".".into());
                            out.insert(prefix.clone());
                            prefix.pop();
                            leaves(item, field, prefix, out);
                            prefix.pop();
                        }
                    }
                    Value::Array(items) if merges_scalars(holder, field) => {
                        for item in items {
                            prefix.push(format!("v:{item}"));
                            out.insert(prefix.clone());
                            prefix.pop();
                        }
                    }
                    _ => leaves(child, field, prefix, out),
                }
                prefix.pop();
            }
        }
        _ => {
            out.insert(prefix.clone());
        }
    }
}

/// The tracked fields of an object's JSON.
fn tracked(object: &Value) -> BTreeSet<Path> {
    let mut out = BTreeSet::new();
    let Some(map) = object.as_object() else { return out };
    let mut prefix = Vec::new();
    for (field, value) in map.iter().filter(|(f, _)| !UNTRACKED.contains(&f.as_str())) {
        prefix.push(format!("f:{field}"));
        leaves(value, field, &mut prefix, &mut out);
        prefix.pop();
    }
    if let Some(meta) = map.get("metadata").and_then(Value::as_object) {
        let owned: Map<String, Value> = meta
            .iter()
            .filter(|(f, _)| OWNED_METADATA.contains(&f.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !owned.is_empty() {
            prefix.push("f:metadata".into());
            leaves(&Value::Object(owned), "metadata", &mut prefix, &mut out);
        }
    }
    out
}

/// The value at a path (for `.`: the element itself).
fn value_at<'a>(object: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut node = object;
    for step in path {
        node = if let Some(field) = step.strip_prefix("f:") {
            node.get(field)?
        } else if let Some(key) = step.strip_prefix("k:") {
            let key: Value = serde_json::from_str(key).ok()?;
            let (k, id) = key.as_object()?.iter().next()?;
            node.as_array()?.iter().find(|e| e.get(k) == Some(id))?
        } else if let Some(member) = step.strip_prefix("v:") {
            let member: Value = serde_json::from_str(member).ok()?;
            node.as_array()?.iter().find(|e| **e == member)?
        } else {
            node
        };
    }
    Some(node)
}

/// Removes the field at `path` (for `.`: the element; for `v:`: the member).
fn remove_at(object: &mut Value, path: &[String]) {
    let (last, parent_path) = match path {
        [parent @ .., element, dot] if dot == "." => (element, parent),
        [parent @ .., last] => (last, parent),
        [] => return,
    };
    let mut node = object;
    for step in parent_path {
        let next = if let Some(field) = step.strip_prefix("f:") {
            node.get_mut(field)
        } else if let Some(key) = step.strip_prefix("k:") {
            let Ok(key) = serde_json::from_str::<Value>(key) else { return };
            let Some((k, id)) = key.as_object().and_then(|m| m.iter().next()) else { return };
            node.as_array_mut().and_then(|a| a.iter_mut().find(|e| e.get(k) == Some(id)))
        } else {
            None
        };
        let Some(next) = next else { return };
        node = next;
    }
    if let Some(field) = last.strip_prefix("f:") {
        if let Some(map) = node.as_object_mut() {
            map.remove(field);
        }
    } else if let Some(key) = last.strip_prefix("k:") {
        let Ok(key) = serde_json::from_str::<Value>(key) else { return };
        let Some((k, id)) = key.as_object().and_then(|m| m.iter().next()) else { return };
        if let Some(items) = node.as_array_mut() {
            items.retain(|e| e.get(k) != Some(id));
        }
    } else if let Some(member) = last.strip_prefix("v:") {
        let Ok(member) = serde_json::from_str::<Value>(member) else { return };
        if let Some(items) = node.as_array_mut() {
            items.retain(|e| *e != member);
        }
    }
}

/// `.spec.template.spec.containers[name="web"].image`: a path as conflicts print it.
fn display(path: &[String]) -> String {
    let mut text = String::new();
    for step in path {
        if let Some(field) = step.strip_prefix("f:") {
            text.push('.');
            text.push_str(field);
        } else if let Some(key) = step.strip_prefix("k:") {
            let key: Value = serde_json::from_str(key).unwrap_or(Value::Null);
            if let Some((k, v)) = key.as_object().and_then(|m| m.iter().next()) {
                text.push_str(&format!("[{k}={v}]"));
            }
        } else if let Some(member) = step.strip_prefix("v:") {
            text.push_str(&format!("[{member}]"));
        }
    }
    text
}

fn entries_of(object: Option<&Value>) -> Vec<Entry> {
    object
        .and_then(|o| o.pointer("/metadata/managedFields"))
        .and_then(Value::as_array)
        .map(|entries| entries.iter().filter_map(Entry::from_json).collect())
        .unwrap_or_default()
}

/// Writes the entries into the object's metadata (none: no `managedFields`).
fn store(object: &mut Value, entries: &[Entry]) {
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else { return };
    let kept: Vec<Value> = entries.iter().filter(|e| !e.fields.is_empty()).map(Entry::to_json).collect();
    if kept.is_empty() {
        meta.remove("managedFields");
    } else {
        meta.insert("managedFields".into(), Value::Array(kept));
    }
}

/// Records a write other than an apply: `writer` now owns the fields it changed (or
/// all of them, for a create), and the other managers lose those. `new` gets the
/// result in its `metadata.managedFields`.
pub fn record_update(old: Option<&Value>, new: &mut Value, writer: &Writer) {
    let mut entries = entries_of(old);
    let after = tracked(new);
    // Changed: a new value, or (for a keyed list's element) a new element.
    let changed: BTreeSet<Path> = after
        .iter()
        .filter(|p| {
            let before = old.and_then(|o| value_at(o, p));
            if p.last().is_some_and(|s| s == ".") { before.is_none() } else { before != value_at(new, p) }
        })
        .cloned()
        .collect();
    for entry in &mut entries {
        entry.fields.retain(|p| after.contains(p) && !changed.contains(p));
    }
    owner(&mut entries, writer).fields.extend(changed);
    store(new, &entries);
}

/// The entry of `writer`, made if it has none.
fn owner<'a>(entries: &'a mut Vec<Entry>, writer: &Writer) -> &'a mut Entry {
    let position = match entries.iter().position(|e| e.same_manager(writer)) {
        Some(i) => i,
        None => {
            entries.push(Entry {
                manager: writer.manager.clone(),
                operation: writer.operation.clone(),
                subresource: writer.subresource.clone(),
                api_version: writer.api_version.clone(),
                time: String::new(),
                fields: BTreeSet::new(),
            });
            entries.len() - 1
        }
    };
    let entry = &mut entries[position];
    entry.time = writer.time.clone();
    entry.api_version = writer.api_version.clone();
    entry
}

/// Fields an apply would take from other managers that set them to other values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflicts {
    /// The apiserver's message.
    pub message: String,
    /// Each conflict: the manager's description and the field.
    pub causes: Vec<(String, String)>,
}

/// Server-side apply of `applied` (the manager's whole configuration) over `live` (none:
/// the object is new). Returns the object to store, with its `managedFields`.
pub fn apply(live: Option<&Value>, applied: &Value, writer: &Writer, force: bool) -> Result<Value, Conflicts> {
    let mut entries = entries_of(live);
    let wanted = tracked(applied);
    let mut conflicts: BTreeMap<String, Vec<Path>> = BTreeMap::new();
    if let Some(live) = live {
        for entry in entries.iter_mut().filter(|e| !e.same_manager(writer)) {
            let contested: Vec<Path> = entry
                .fields
                .intersection(&wanted)
                .filter(|p| p.last().is_none_or(|s| s != "."))
                .filter(|p| value_at(live, p) != value_at(applied, p))
                .cloned()
                .collect();
            if force {
                entry.fields.retain(|p| !contested.contains(p));
            } else if !contested.is_empty() {
                conflicts.entry(entry.describe()).or_default().extend(contested);
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(conflict_error(&conflicts));
    }
    let mut result = live.cloned().unwrap_or_else(|| json!({}));
    // What this manager applied before and no longer does goes, unless another owns it.
    let before = entries.iter().find(|e| e.same_manager(writer)).map(|e| e.fields.clone()).unwrap_or_default();
    for path in before.difference(&wanted) {
        let owned_elsewhere = entries.iter().any(|e| !e.same_manager(writer) && e.fields.contains(path));
        if !owned_elsewhere {
            remove_at(&mut result, path);
        }
    }
    strategic_merge(&mut result, applied).map_err(|e| Conflicts { message: e, causes: Vec::new() })?;
    owner(&mut entries, writer).fields = wanted;
    store(&mut result, &entries);
    Ok(result)
}

/// `Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas`.
fn conflict_error(conflicts: &BTreeMap<String, Vec<Path>>) -> Conflicts {
    let total: usize = conflicts.values().map(Vec::len).sum();
    let plural = if total == 1 { "" } else { "s" };
    let mut message = format!("Apply failed with {total} conflict{plural}: ");
    let mut causes = Vec::new();
    let mut parts = Vec::new();
    for (manager, paths) in conflicts {
        let fields: Vec<String> = paths.iter().map(|p| display(p)).collect();
        causes.extend(fields.iter().map(|f| (format!("conflict with {manager}"), f.clone())));
        parts.push(match fields.as_slice() {
            [one] if total == 1 => format!("conflict with {manager}: {one}"),
            many => format!("conflicts with {manager}:\n- {}", many.join("\n- ")),
        });
    }
    message.push_str(&parts.join("\n"));
    Conflicts { message, causes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer(manager: &str, operation: &str) -> Writer {
        Writer {
            manager: manager.into(),
            operation: operation.into(),
            subresource: None,
            api_version: "apps/v1".into(),
            time: "2025-01-01T00:00:00Z".into(),
        }
    }

    fn deployment(replicas: i64, image: &str) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "web", "image": image}]}}},
        })
    }

    #[test]
    fn a_create_owns_every_field_in_fields_v1() {
        let mut obj = deployment(3, "nginx:1.27");
        record_update(None, &mut obj, &writer("kubectl-create", "Update"));
        let entry = &obj["metadata"]["managedFields"][0];
        assert_eq!(entry["manager"], "kubectl-create");
        assert_eq!(
            entry["fieldsV1"],
            json!({
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}
                }}}},
            })
        );
    }

    #[test]
    fn apply_conflicts_with_another_managers_different_value_unless_forced() {
        let mut live = deployment(3, "nginx:1.27");
        record_update(None, &mut live, &writer("kubectl-create", "Update"));
        let mut scaled = live.clone();
        scaled["spec"]["replicas"] = 5.into();
        let mut scale = writer("kubectl", "Update");
        scale.subresource = Some("scale".into());
        record_update(Some(&live), &mut scaled, &scale);
        // The same values: no conflict.
        let applier = writer("kubectl", "Apply");
        let same = apply(Some(&scaled), &deployment(5, "nginx:1.27"), &applier, false).unwrap();
        assert_eq!(same["spec"]["replicas"], 5);
        let err = apply(Some(&scaled), &deployment(3, "nginx:1.27"), &applier, false).unwrap_err();
        assert_eq!(
            err.message,
            "Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas"
        );
        let forced = apply(Some(&scaled), &deployment(3, "nginx:1.28"), &applier, true).unwrap();
        assert_eq!(forced["spec"]["replicas"], 3);
        let two = apply(Some(&scaled), &deployment(4, "nginx:1.29"), &writer("other", "Apply"), false).unwrap_err();
        assert!(two.message.starts_with("Apply failed with 2 conflicts: "), "{}", two.message);
        assert!(two.message.contains("\n- .spec.template.spec.containers[name=\"web\"].image"), "{}", two.message);
    }

    #[test]
    fn apply_removes_what_the_manager_no_longer_sets() {
        let applier = writer("kubectl", "Apply");
        let mut config = deployment(3, "nginx:1.27");
        config["metadata"]["labels"]["tier"] = "front".into();
        let first = apply(None, &config, &applier, false).unwrap();
        assert_eq!(first["metadata"]["labels"]["tier"], "front");
        let second = apply(Some(&first), &deployment(3, "nginx:1.27"), &applier, false).unwrap();
        assert_eq!(second["metadata"]["labels"], json!({"app": "web"}), "the dropped label goes");
        assert_eq!(second["metadata"]["managedFields"].as_array().map(Vec::len), Some(1));
    }
}
