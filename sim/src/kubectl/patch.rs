//! `kubectl patch`: strategic merge (the default; lists of containers, ports, env and
//! volumes merge by their keys), JSON merge (RFC 7386) and JSON patch (RFC 6902).

use serde_json::Value;

use super::args::flag;
use super::{CmdOutput, kind_and_names, namespace_of, parse_flags};
use crate::api::ObjKey;
use crate::api::decode::from_json;
use crate::apiserver::ApiError;
use crate::cluster::Cluster;

/// List fields that strategic merge patch merges by a key, not replaces: (the field
/// holding the object, the list field, the merge key). An empty first entry matches any
/// holder. A Service's `spec.ports` merge by `port`, a container's by `containerPort`;
/// other `ports` lists (EndpointSlice, Endpoints) are replaced whole.
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
];

/// RFC 7386 merge patch; with `strategic`, keyed lists merge element by element.
fn merge(target: &mut Value, patch: &Value, strategic: bool) {
    merge_within(target, patch, strategic, "");
}

/// [`merge`] of an object that sits under the field `holder` (for a list element, the
/// list's field).
fn merge_within(target: &mut Value, patch: &Value, strategic: bool, holder: &str) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let target_map = target.as_object_mut().expect("just made an object");
    for (key, value) in patch_map {
        if value.is_null() {
            target_map.remove(key);
            continue;
        }
        let merge_key = MERGE_KEYS
            .iter()
            .find(|(within, field, _)| field == key && (within.is_empty() || *within == holder))
            .map(|(_, _, k)| *k);
        match (strategic, merge_key, target_map.get_mut(key), value) {
            (true, Some(merge_key), Some(Value::Array(current)), Value::Array(items)) => {
                merge_list(current, items, key, merge_key);
            }
            (_, _, Some(existing), Value::Object(_)) if existing.is_object() => {
                merge_within(existing, value, strategic, key)
            }
            _ => {
                let mut fresh = Value::Null;
                merge_within(&mut fresh, value, strategic, key);
                target_map.insert(key.clone(), fresh);
            }
        }
    }
}

/// Strategic merge of a keyed list: matching elements merge, new ones append, and
/// `$patch: delete` removes.
fn merge_list(current: &mut Vec<Value>, items: &[Value], field: &str, key: &str) {
    for item in items {
        let id = item.get(key).cloned();
        let position = id.as_ref().and_then(|id| current.iter().position(|c| c.get(key) == Some(id)));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(i), true) => {
                current.remove(i);
            }
            (Some(i), false) => merge_within(&mut current[i], item, true, field),
            (None, false) => current.push(item.clone()),
            (None, true) => {}
        }
    }
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
        .ok_or_else(|| format!("path {pointer:?} does not exist"))?;
    }
    Ok((node, last))
}

/// RFC 6902 JSON patch.
fn json_patch(doc: &mut Value, ops: &Value) -> Result<(), String> {
    let ops = ops.as_array().ok_or("a JSON patch is a list of operations")?;
    for op in ops {
        let field = |name: &str| op.get(name).and_then(Value::as_str).ok_or(format!("operation lacks {name:?}"));
        let path = field("path")?;
        match field("op")? {
            "add" | "replace" => {
                let value = op.get("value").cloned().ok_or("add and replace need a value")?;
                let replace = field("op")? == "replace";
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
                    _ => return Err(format!("path {path:?} does not exist")),
                }
            }
            "remove" => {
                let (node, last) = parent(doc, path)?;
                let removed = match node {
                    Value::Object(m) => m.remove(&last).is_some(),
                    Value::Array(a) => {
                        last.parse::<usize>().ok().filter(|i| *i < a.len()).map(|i| a.remove(i)).is_some()
                    }
                    _ => false,
                };
                if !removed {
                    return Err(format!("remove operation does not apply: doc is missing path: {path}"));
                }
            }
            "test" => {
                let expected = op.get("value").ok_or("test needs a value")?;
                let tokens = pointer_tokens(path)?;
                let pointer: String =
                    tokens.iter().map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1"))).collect();
                if doc.pointer(&pointer) != Some(expected) {
                    return Err(format!("testing value {path} failed"));
                }
            }
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    Ok(())
}

/// `kubectl patch TYPE NAME -p PATCH [--type strategic|merge|json]`.
pub fn patch(cluster: &mut Cluster, cause: u64, words: &[String], out: &mut CmdOutput) {
    let specs = [flag("patch", Some('p'), true), flag("type", None, true)];
    let Some(args) = parse_flags("patch", words, &specs, out) else { return };
    let Some(text) = args.get("patch") else {
        return out.fail("error: must specify -p to patch");
    };
    let patch: Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => return out.fail(format!("error: unable to parse \"{text}\": {e}")),
    };
    let Some((kind, names)) = kind_and_names(&args.positional, out) else {
        if args.positional.is_empty() {
            out.fail("error: resource(s) were provided, but no name was specified");
        }
        return;
    };
    let ns = namespace_of(&args);
    for name in names {
        let Some(live) = cluster.api().get(&ObjKey::new(kind, &ns, &name)).cloned() else {
            out.fail(ApiError::NotFound { kind, name }.to_string());
            continue;
        };
        let mut doc = live.to_json();
        let applied = match args.get("type").unwrap_or("strategic") {
            kind @ ("strategic" | "merge") => {
                merge(&mut doc, &patch, kind == "strategic");
                Ok(())
            }
            "json" => json_patch(&mut doc, &patch),
            other => {
                return out.fail(format!("error: --type must be one of [json merge strategic], not \"{other}\""));
            }
        };
        if let Err(e) = applied {
            out.fail(format!("The request is invalid: {e}"));
            continue;
        }
        let obj = match from_json(kind, doc) {
            Ok(o) => o,
            Err(e) => {
                out.fail(format!("Error from server (BadRequest): the patched {} is not valid: {e}", kind.name()));
                continue;
            }
        };
        let label = format!("{}/{}", kind.kubectl_name(), name);
        match cluster.with_ctx("kubectl", cause, |ctx| ctx.update(obj, "kubectl patch")) {
            Ok(Some(_)) => {
                out.wrote = true;
                out.out(format!("{label} patched"));
            }
            Ok(None) => out.out(format!("{label} patched (no change)")),
            Err(e) => out.fail(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let mut doc = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
        merge(&mut doc, &json!({"spec": {"containers": [{"name": "b", "image": "z"}]}}), true);
        assert_eq!(doc, json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "z"}]}}));
        let mut plain = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        merge(&mut plain, &json!({"spec": {"containers": [{"name": "b"}]}}), false);
        assert_eq!(plain, json!({"spec": {"containers": [{"name": "b"}]}}));
    }

    #[test]
    fn strategic_merge_keys_service_ports_by_port_and_container_ports_by_container_port() {
        let mut svc = json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}});
        merge(&mut svc, &json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}]}}), true);
        assert_eq!(svc, json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443}]}}));
        let mut pod = json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80}]}]}});
        let patch = json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "http"}]}]}});
        merge(&mut pod, &patch, true);
        assert_eq!(
            pod,
            json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "http"}]}]}})
        );
    }

    #[test]
    fn strategic_merge_deletes_with_the_directive_and_null() {
        let mut doc =
            json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"env": [{"name": "X"}, {"name": "Y"}]}});
        merge(
            &mut doc,
            &json!({"metadata": {"labels": {"a": null}}, "spec": {"env": [{"name": "X", "$patch": "delete"}]}}),
            true,
        );
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
}
