//! The apiserver's three patch formats over an object's JSON: strategic merge patch
//! (keyed lists merge element by element, with the `$patch`, `$setElementOrder`,
//! `$retainKeys` and `$deleteFromPrimitiveList` directives kubectl sends), JSON merge
//! patch (RFC 7386) and JSON patch (RFC 6902).

use serde_json::{Map, Value};

/// List fields that strategic merge patch merges by a key instead of replacing them:
/// (the field holding the list, the list field, the merge key), the
/// `patchMergeKey`s of the Kubernetes types kubesim serves. An empty first entry matches
/// any holder. A Service's `spec.ports` merge by `port`, a container's by
/// `containerPort`; other `ports` lists (EndpointSlice, Endpoints) are replaced whole.
const MERGE_KEYS: &[(&str, &str, &str)] = &[
    ("", "containers", "name"),
    ("", "initContainers", "name"),
    ("spec", "ports", "port"),
    ("containers", "ports", "containerPort"),
    ("initContainers", "ports", "containerPort"),
    ("", "env", "name"),
    ("", "volumes", "name"),
    ("", "volumeMounts", "mountPath"),
    ("", "imagePullSecrets", "name"),
    ("", "hostAliases", "ip"),
    ("metadata", "ownerReferences", "uid"),
    ("status", "conditions", "type"),
    ("status", "addresses", "type"),
];

/// Lists of scalars that strategic merge patch unions instead of replacing
/// (`patchStrategy: merge` on a `[]string`).
const MERGED_SCALAR_LISTS: &[(&str, &str)] = &[("metadata", "finalizers")];

/// The merge key of the list `field` held by the field `holder`, if strategic merge
/// merges it by key.
pub fn merge_key(holder: &str, field: &str) -> Option<&'static str> {
    MERGE_KEYS.iter().find(|(within, f, _)| *f == field && (within.is_empty() || *within == holder)).map(|(_, _, k)| *k)
}

/// Whether the list of scalars `field` held by `holder` is a set that merges.
pub fn merges_scalars(holder: &str, field: &str) -> bool {
    MERGED_SCALAR_LISTS.iter().any(|(within, f)| *f == field && *within == holder)
}

const SET_ELEMENT_ORDER: &str = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList/";

/// RFC 7386 JSON merge patch: objects merge, `null` deletes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let target_map = target.as_object_mut().expect("just made an object");
    for (key, value) in patch_map {
        if value.is_null() {
            target_map.remove(key);
        } else {
            merge_patch(target_map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// Strategic merge patch of `target`, or why the patch is malformed.
pub fn strategic_merge(target: &mut Value, patch: &Value) -> Result<(), String> {
    merge_map(target, patch, "")
}

/// Merges the patch map `patch` into `target`, which sits under the field `holder`.
fn merge_map(target: &mut Value, patch: &Value, holder: &str) -> Result<(), String> {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return Ok(());
    };
    match patch_map.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut replaced = patch_map.clone();
            replaced.remove("$patch");
            *target = Value::Object(replaced);
            return Ok(());
        }
        Some("delete") => {
            *target = Value::Null;
            return Ok(());
        }
        Some("merge") | None => {}
        Some(other) => return Err(format!("Unknown patch type: {other}")),
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let target_map = target.as_object_mut().expect("just made an object");
    let mut orders = Vec::new();
    for (key, value) in patch_map {
        if key == "$patch" || key == "$retainKeys" {
            continue;
        }
        if let Some(field) = key.strip_prefix(SET_ELEMENT_ORDER) {
            orders.push((field.to_string(), value));
            continue;
        }
        if let Some(field) = key.strip_prefix(DELETE_FROM_PRIMITIVE_LIST) {
            let doomed = value.as_array().ok_or_else(|| format!("{key} must be a list"))?;
            if let Some(Value::Array(list)) = target_map.get_mut(field) {
                list.retain(|v| !doomed.contains(v));
            }
            continue;
        }
        if value.is_null() {
            target_map.remove(key);
            continue;
        }
        let merge_key = merge_key(holder, key);
        let merged_scalars = merges_scalars(holder, key);
        match (target_map.get_mut(key), value) {
            (Some(Value::Array(current)), Value::Array(items)) if merge_key.is_some() => {
                merge_keyed_list(current, items, key, merge_key.expect("checked"))?;
            }
            (Some(Value::Array(current)), Value::Array(items)) if merged_scalars => {
                for item in items {
                    if !current.contains(item) {
                        current.push(item.clone());
                    }
                }
            }
            (Some(existing), Value::Object(_)) if existing.is_object() => {
                merge_map(existing, value, key)?;
                if existing.is_null() {
                    target_map.remove(key);
                }
            }
            _ => {
                let mut fresh = Value::Null;
                merge_map(&mut fresh, &strip_directives(value), key)?;
                target_map.insert(key.clone(), fresh);
            }
        }
    }
    if let Some(retain) = patch_map.get("$retainKeys") {
        let keep: Vec<&str> =
            retain.as_array().ok_or("$retainKeys must be a list")?.iter().filter_map(Value::as_str).collect();
        target_map.retain(|k, _| keep.contains(&k.as_str()));
    }
    for (field, order) in orders {
        if let Some(Value::Array(list)) = target_map.get_mut(&field) {
            let key = MERGE_KEYS.iter().find(|(_, f, _)| *f == field).map(|(_, _, k)| *k);
            apply_element_order(list, order, key);
        }
    }
    Ok(())
}

/// A patch value that becomes a new field: keyed-list elements lose their `$patch`
/// markers (deleting from a list that does not exist deletes nothing).
fn strip_directives(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|i| i.get("$patch").and_then(Value::as_str) != Some("delete"))
                .map(strip_directives)
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !k.starts_with(SET_ELEMENT_ORDER) && !k.starts_with(DELETE_FROM_PRIMITIVE_LIST))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Strategic merge of a keyed list: matching elements merge, new ones append, and
/// `$patch: delete` removes. A `$patch: replace` element replaces the whole list.
fn merge_keyed_list(current: &mut Vec<Value>, items: &[Value], field: &str, key: &str) -> Result<(), String> {
    if items.iter().any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace")) {
        *current = items.iter().filter(|i| i.get("$patch").is_none()).cloned().collect();
        return Ok(());
    }
    for item in items {
        let id = item.get(key).cloned();
        let position = id.as_ref().and_then(|id| current.iter().position(|c| c.get(key) == Some(id)));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(i), true) => {
                current.remove(i);
            }
            (Some(i), false) => merge_map(&mut current[i], item, field)?,
            (None, false) => {
                let mut fresh = Value::Null;
                merge_map(&mut fresh, &strip_directives(item), field)?;
                current.push(fresh);
            }
            (None, true) => {}
        }
    }
    Ok(())
}

/// `$setElementOrder`: the elements it names come in its order; the others keep their
/// places after them, in their own order.
fn apply_element_order(list: &mut [Value], order: &Value, key: Option<&str>) {
    let Some(order) = order.as_array() else { return };
    let id = |v: &Value| match key {
        Some(k) => v.get(k).cloned(),
        None => Some(v.clone()),
    };
    let wanted: Vec<Value> = order.iter().filter_map(id).collect();
    let rank = |v: &Value| id(v).and_then(|i| wanted.iter().position(|w| *w == i)).unwrap_or(usize::MAX);
    list.sort_by_key(rank);
}

/// RFC 6901 pointer tokens.
fn pointer_tokens(pointer: &str) -> Result<Vec<String>, String> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let rest = pointer.strip_prefix('/').ok_or_else(|| format!("invalid JSON pointer {pointer:?}"))?;
    Ok(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

/// The parent container of `pointer` and its last token.
fn parent<'a>(doc: &'a mut Value, pointer: &str) -> Result<(&'a mut Value, String), String> {
    let mut tokens = pointer_tokens(pointer)?;
    let last = tokens.pop().ok_or("the whole document cannot be the target")?;
    let mut node = doc;
    for t in tokens {
        node = match node {
            Value::Object(m) => m.get_mut(&t),
            Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| format!("doc is missing path: {pointer}"))?;
    }
    Ok((node, last))
}

/// The value at `pointer`, for `copy`, `move` and `test`.
fn value_at<'a>(doc: &'a Value, pointer: &str) -> Result<&'a Value, String> {
    let tokens = pointer_tokens(pointer)?;
    let escaped: String = tokens.iter().map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1"))).collect();
    doc.pointer(&escaped).ok_or_else(|| format!("doc is missing path: {pointer}"))
}

fn add(doc: &mut Value, path: &str, value: Value, replace: bool) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (node, last) = parent(doc, path)?;
    match node {
        Value::Object(m) => {
            if replace && !m.contains_key(&last) {
                return Err(format!("replace operation does not apply: doc is missing key: {path}"));
            }
            m.insert(last, value);
        }
        Value::Array(a) if last == "-" && !replace => a.push(value),
        Value::Array(a) => {
            let i: usize = last.parse().map_err(|_| format!("invalid index in {path:?}"))?;
            match (replace, i <= a.len(), i < a.len()) {
                (true, _, true) => a[i] = value,
                (false, true, _) => a.insert(i, value),
                _ => return Err(format!("index out of range in {path:?}")),
            }
        }
        _ => return Err(format!("doc is missing path: {path}")),
    }
    Ok(())
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (node, last) = parent(doc, path)?;
    let removed = match node {
        Value::Object(m) => m.remove(&last),
        Value::Array(a) => last.parse::<usize>().ok().filter(|i| *i < a.len()).map(|i| a.remove(i)),
        _ => None,
    };
    removed.ok_or_else(|| format!("remove operation does not apply: doc is missing path: {path}"))
}

/// RFC 6902 JSON patch: every operation applies, or the document is left as it was.
pub fn json_patch(doc: &mut Value, ops: &Value) -> Result<(), String> {
    let ops = ops.as_array().ok_or("a JSON patch is a list of operations")?;
    let mut work = doc.clone();
    for op in ops {
        let field = |name: &str| op.get(name).and_then(Value::as_str).ok_or(format!("operation lacks {name:?}"));
        let path = field("path")?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or_else(|| format!("{} operation needs a value", field("op").unwrap_or_default()))
        };
        match field("op")? {
            "add" => add(&mut work, path, value()?, false)?,
            "replace" => add(&mut work, path, value()?, true)?,
            "remove" => {
                remove(&mut work, path)?;
            }
            "move" => {
                let moved = remove(&mut work, field("from")?)?;
                add(&mut work, path, moved, false)?;
            }
            "copy" => {
                let copied = value_at(&work, field("from")?)?.clone();
                add(&mut work, path, copied, false)?;
            }
            "test" => {
                if *value_at(&work, path)? != value()? {
                    return Err(format!("testing value {path} failed"));
                }
            }
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    *doc = work;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let mut doc = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
        strategic_merge(&mut doc, &json!({"spec": {"containers": [{"name": "b", "image": "z"}]}})).unwrap();
        assert_eq!(doc, json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "z"}]}}));
        let mut plain = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        merge_patch(&mut plain, &json!({"spec": {"containers": [{"name": "b"}]}}));
        assert_eq!(plain, json!({"spec": {"containers": [{"name": "b"}]}}));
    }

    #[test]
    fn strategic_merge_keys_service_ports_by_port_and_container_ports_by_container_port() {
        let mut svc = json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}});
        strategic_merge(&mut svc, &json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}]}})).unwrap();
        assert_eq!(svc, json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443}]}}));
        let mut pod = json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80}]}]}});
        let patch = json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "http"}]}]}});
        strategic_merge(&mut pod, &patch).unwrap();
        assert_eq!(
            pod,
            json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "http"}]}]}})
        );
    }

    #[test]
    fn strategic_merge_deletes_with_the_directive_and_null() {
        let mut doc =
            json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"env": [{"name": "X"}, {"name": "Y"}]}});
        strategic_merge(
            &mut doc,
            &json!({"metadata": {"labels": {"a": null}}, "spec": {"env": [{"name": "X", "$patch": "delete"}]}}),
        )
        .unwrap();
        assert_eq!(doc, json!({"metadata": {"labels": {"b": "2"}}, "spec": {"env": [{"name": "Y"}]}}));
    }

    #[test]
    fn json_patch_follows_rfc_6902() {
        let mut doc = json!({"spec": {"replicas": 1, "list": [1, 2]}});
        let ops = json!([
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "add", "path": "/spec/list/-", "value": 9},
            {"op": "remove", "path": "/spec/list/0"},
            {"op": "test", "path": "/spec/replicas", "value": 3},
        ]);
        json_patch(&mut doc, &ops).unwrap();
        assert_eq!(doc, json!({"spec": {"replicas": 3, "list": [2, 9]}}));
        assert!(json_patch(&mut doc, &json!([{"op": "test", "path": "/spec/replicas", "value": 4}])).is_err());
        assert!(json_patch(&mut doc, &json!([{"op": "remove", "path": "/nope"}])).is_err());
        assert!(json_patch(&mut doc, &json!({"op": "remove"})).is_err());
    }

    #[test]
    fn kubectl_apply_directives_order_retain_and_delete() {
        // What kubectl apply sends when a file drops a container's env entry and reorders
        // the containers.
        let mut doc = json!({"spec": {"containers": [
        {"name": "a", "image": "x", "env": [{"name": "K", "value": "1"}]},
        {"name": "b", "image": "y"},
    ], "finalizers": ["f1"]}});
        let patch = json!({"spec": {
            "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
            "containers": [{"name": "a", "env": [{"name": "K", "$patch": "delete"}]}],
        }});
        strategic_merge(&mut doc, &patch).unwrap();
        assert_eq!(
            doc["spec"]["containers"],
            json!([{"name": "b", "image": "y"}, {"name": "a", "image": "x", "env": []}])
        );
        let mut strategy = json!({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}});
        strategic_merge(
            &mut strategy,
            &json!({"strategy": {"$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": null}}),
        )
        .unwrap();
        assert_eq!(strategy, json!({"strategy": {"type": "Recreate"}}));
        let mut meta = json!({"metadata": {"finalizers": ["a", "b"]}});
        strategic_merge(
            &mut meta,
            &json!({"metadata": {"finalizers": ["c"], "$deleteFromPrimitiveList/finalizers": ["a"]}}),
        )
        .unwrap();
        assert_eq!(meta, json!({"metadata": {"finalizers": ["b", "c"]}}));
        let mut replaced = json!({"spec": {"selector": {"a": "1", "b": "2"}}});
        strategic_merge(&mut replaced, &json!({"spec": {"selector": {"$patch": "replace", "c": "3"}}})).unwrap();
        assert_eq!(replaced, json!({"spec": {"selector": {"c": "3"}}}));
    }

    #[test]
    fn json_patch_moves_copies_and_is_all_or_nothing() {
        let mut doc = json!({"a": {"b": 1}, "l": [1]});
        json_patch(
            &mut doc,
            &json!([{"op": "copy", "from": "/a/b", "path": "/c"}, {"op": "move", "from": "/a", "path": "/d"}]),
        )
        .unwrap();
        assert_eq!(doc, json!({"c": 1, "d": {"b": 1}, "l": [1]}));
        let before = doc.clone();
        assert!(
            json_patch(&mut doc, &json!([{"op": "remove", "path": "/c"}, {"op": "remove", "path": "/nope"}])).is_err()
        );
        assert_eq!(doc, before, "a failed patch changes nothing");
    }
}
