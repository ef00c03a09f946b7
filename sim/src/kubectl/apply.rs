//! The declarative verbs: `apply -f` (client-side apply with the
//! `last-applied-configuration` annotation and a three-way merge), `create -f`, and
//! `delete` (by name, selector or file), which waits for objects to go as kubectl does.

use serde_json::Value;

use super::args::flag;
use super::{CmdOutput, kind_and_names, namespace_of, parse_flags, selector};
use crate::api::decode::{Decoded, decode_manifests, from_json};
use crate::api::{ObjKey, Object};
use crate::apiserver::ApiError;
use crate::apiserver::Propagation;
use crate::cluster::Cluster;

/// The annotation client-side apply keeps the last applied manifest in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Reads every `-f` file (from the cluster's [`Cluster::files`] first, then the disk)
/// and decodes its documents; decode errors are reported into `out` and skipped, so
/// good documents still apply (as kubectl does).
pub(super) fn load_files(
    cluster: &Cluster,
    files: &[String],
    namespace: Option<&str>,
    stdin: Option<&str>,
    out: &mut CmdOutput,
) -> Vec<(String, Decoded)> {
    let mut loaded = Vec::new();
    if files.is_empty() {
        out.fail("error: must specify one of -f and -k");
        return loaded;
    }
    for file in files {
        // `-f -` reads standard input, which kubectl calls STDIN in its messages.
        let (name, text) = match (file.as_str(), stdin) {
            ("-", Some(text)) => ("STDIN".to_string(), text.to_string()),
            ("-", None) => {
                out.fail_later("error: no objects passed to apply (-f - reads standard input, and there was none)");
                continue;
            }
            _ => match cluster.files().get(file).cloned().map_or_else(|| std::fs::read_to_string(file), Ok) {
                Ok(t) => (file.clone(), t),
                Err(_) => {
                    out.fail_later(format!("error: the path \"{file}\" does not exist"));
                    continue;
                }
            },
        };
        for doc in decode_manifests(&name, &text) {
            match doc {
                Ok(mut d) => {
                    let kind = d.object.kind();
                    let meta = d.object.meta_mut();
                    if kind.namespaced() {
                        match (namespace, meta.namespace.is_empty()) {
                            (Some(ns), true) => meta.namespace = ns.into(),
                            (Some(ns), false) if meta.namespace != ns => {
                                out.fail_later(format!("error: the namespace from the provided object \"{}\" does not match the namespace \"{ns}\". You must pass '--namespace={}' to perform this operation.", meta.namespace, meta.namespace));
                                continue;
                            }
                            (None, true) => meta.namespace = "default".into(),
                            _ => {}
                        }
                    }
                    loaded.push((name.clone(), d));
                }
                Err(e) => out.fail_later(e.to_string()),
            }
        }
    }
    loaded
}

/// How kubectl reports an apiserver error for an object from a file.
fn file_error(err: &ApiError, verb: &str, file: &str) -> String {
    match err {
        ApiError::Invalid { .. } => err.to_string(),
        other => {
            let text = other.to_string();
            match text.split_once("): ") {
                Some((head, tail)) => format!("{head}): error when {verb} \"{file}\": {tail}"),
                None => text,
            }
        }
    }
}

/// The manifest as kubectl stores it in the annotation: compact JSON, namespace filled
/// in, without the annotation itself.
fn last_applied_json(decoded: &Decoded) -> String {
    let mut source = decoded.source.clone();
    if let Some(meta) = source.get_mut("metadata").and_then(Value::as_object_mut) {
        if decoded.object.kind().namespaced() {
            meta.insert("namespace".into(), Value::String(decoded.object.meta().namespace.to_string()));
        }
        if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            ann.remove(LAST_APPLIED);
        }
    }
    format!("{}\n", serde_json::to_string(&source).expect("JSON values serialize"))
}

/// Client-side apply's three-way merge: set what the file says, delete what the last
/// applied file had and this one dropped, keep what others set. Lists are replaced
/// whole (kubesim does not model strategic merge keys).
fn three_way_merge(live: &mut Value, last: Option<&Value>, desired: &Value) {
    let (Some(live_map), Some(desired_map)) = (live.as_object_mut(), desired.as_object()) else {
        *live = desired.clone();
        return;
    };
    for (k, dv) in desired_map {
        let last_k = last.and_then(|l| l.get(k));
        // In an apply patch, null deletes the field.
        if dv.is_null() {
            live_map.remove(k);
            continue;
        }
        match live_map.get_mut(k) {
            Some(lv) if lv.is_object() && dv.is_object() => three_way_merge(lv, last_k, dv),
            _ => {
                live_map.insert(k.clone(), dv.clone());
            }
        }
    }
    if let Some(last_map) = last.and_then(Value::as_object) {
        for k in last_map.keys() {
            if !desired_map.contains_key(k) {
                live_map.remove(k);
            }
        }
    }
}

/// `kubectl apply -f FILE...`.
pub fn apply(cluster: &mut Cluster, cause: u64, words: &[String], stdin: Option<&str>, out: &mut CmdOutput) {
    let specs = [flag("filename", Some('f'), true), flag("validate", None, true), flag("dry-run", None, true)];
    let Some(args) = parse_flags("apply", words, &specs, out) else { return };
    let namespace = args.get("namespace").map(str::to_string);
    let dry_run = match args.get("dry-run") {
        None | Some("none") | Some("false") => false,
        Some("client") | Some("true") => true,
        Some(other) => {
            out.fail(format!("error: Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."));
            return;
        }
    };
    for (file, decoded) in load_files(cluster, args.all("filename"), namespace.as_deref(), stdin, out) {
        if dry_run {
            let key = decoded.object.key();
            let verb = if cluster.api().get(&key).is_some() { "configured" } else { "created" };
            out.out(format!("{}/{} {verb} (dry run)", key.kind.kubectl_name(), key.name));
            continue;
        }
        apply_one(cluster, cause, &file, decoded, out);
    }
}

/// What `apply` sends for one document: the new object with its annotation, or the live
/// object three-way-merged with the file (and whether the annotation was missing).
pub(super) fn desired_state(live: Option<&Object>, decoded: &Decoded) -> Result<(Object, bool), String> {
    let kind = decoded.object.kind();
    let key = decoded.object.key();
    let annotation = last_applied_json(decoded);
    let Some(live) = live else {
        let mut obj = decoded.object.clone();
        obj.meta_mut().annotations.insert(LAST_APPLIED.into(), annotation);
        return Ok((obj, false));
    };
    let last: Option<Value> =
        live.meta().annotations.get(LAST_APPLIED).and_then(|text| serde_json::from_str(text).ok());
    let mut merged = live.to_json();
    let mut desired = decoded.source.clone();
    if let Some(meta) = desired.get_mut("metadata").and_then(Value::as_object_mut)
        && kind.namespaced()
    {
        meta.insert("namespace".into(), Value::String(key.namespace.to_string()));
    }
    three_way_merge(&mut merged, last.as_ref(), &desired);
    if let Some(meta) = merged.get_mut("metadata").and_then(Value::as_object_mut) {
        let ann = meta.entry("annotations").or_insert_with(|| Value::Object(Default::default()));
        if let Some(ann) = ann.as_object_mut() {
            ann.insert(LAST_APPLIED.into(), Value::String(annotation));
        }
    }
    let missing_annotation = !live.meta().annotations.contains_key(LAST_APPLIED);
    from_json(kind, merged).map(|o| (o, missing_annotation)).map_err(|e| e.to_string())
}

fn apply_one(cluster: &mut Cluster, cause: u64, file: &str, decoded: Decoded, out: &mut CmdOutput) {
    let kind = decoded.object.kind();
    let key = decoded.object.key();
    let label = format!("{}/{}", kind.kubectl_name(), key.name);
    let live = cluster.api().get(&key).cloned();
    let (obj, missing_annotation) = match desired_state(live.as_deref(), &decoded) {
        Ok(found) => found,
        Err(e) => return out.fail_later(format!("error: {file}: {e}")),
    };
    if live.is_none() {
        match cluster.with_ctx("kubectl", cause, |ctx| ctx.create(obj, "kubectl apply")) {
            Ok(_) => {
                out.wrote = true;
                out.out(format!("{label} created"));
            }
            Err(e) => out.fail_later(file_error(&e, "creating", file)),
        }
        return;
    }
    if missing_annotation {
        out.note(format!("Warning: resource {}/{} is missing the {LAST_APPLIED} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.", super::super::apiserver::error::qualified_resource(kind), key.name));
    }
    match cluster.with_ctx("kubectl", cause, |ctx| ctx.update(obj, "kubectl apply")) {
        Ok(Some(_)) => {
            out.wrote = true;
            out.out(format!("{label} configured"));
        }
        Ok(None) => out.out(format!("{label} unchanged")),
        Err(e) => out.fail_later(file_error(&e, "applying patch to", file)),
    }
}

/// `kubectl create -f FILE...`.
pub(super) fn create_from_files(
    cluster: &mut Cluster,
    cause: u64,
    files: &[String],
    namespace: Option<&str>,
    stdin: Option<&str>,
    out: &mut CmdOutput,
) {
    for (file, decoded) in load_files(cluster, files, namespace, stdin, out) {
        let label = format!("{}/{}", decoded.object.kind().kubectl_name(), decoded.object.meta().name);
        match cluster.with_ctx("kubectl", cause, |ctx| ctx.create(decoded.object, "kubectl create")) {
            Ok(_) => {
                out.wrote = true;
                out.out(format!("{label} created"));
            }
            Err(e) => out.fail_later(file_error(&e, "creating", &file)),
        }
    }
}

/// How long `delete` waits for objects to disappear beyond their grace period before
/// giving up (kubectl waits forever; a simulator must not).
const DELETE_WAIT_EXTRA_MS: u64 = 60_000;

/// `kubectl delete`.
pub fn delete(cluster: &mut Cluster, cause: u64, words: &[String], stdin: Option<&str>, out: &mut CmdOutput) {
    let specs = [
        flag("filename", Some('f'), true),
        flag("selector", Some('l'), true),
        flag("all", None, false),
        flag("grace-period", None, true),
        flag("force", None, false),
        flag("now", None, false),
        flag("wait", None, false),
        flag("cascade", None, true),
        flag("ignore-not-found", None, false),
    ];
    let Some(args) = parse_flags("delete", words, &specs, out) else { return };
    let ns = namespace_of(&args);
    let mut targets: Vec<ObjKey> = Vec::new();
    if !args.all("filename").is_empty() {
        for (_, d) in load_files(cluster, args.all("filename"), args.get("namespace"), stdin, out) {
            targets.push(d.object.key());
        }
    } else {
        let Some((kind, names)) = kind_and_names(&args.positional, out).or_else(|| {
            if args.positional.is_empty() {
                out.fail("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'");
            }
            None
        }) else {
            return;
        };
        if names.is_empty() {
            if !args.is_set("all") && args.get("selector").is_none() {
                out.fail("error: resource(s) were provided, but no name was specified");
                return;
            }
            let sel = match args.get("selector").map(selector::parse).transpose() {
                Ok(s) => s,
                Err(e) => {
                    out.fail(format!("error: {e}"));
                    return;
                }
            };
            targets.extend(
                cluster
                    .api()
                    .list(kind, Some(&ns))
                    .filter(|o| sel.as_ref().is_none_or(|s| s.matches(&o.meta().labels)))
                    .map(|o| o.key()),
            );
            if targets.is_empty() {
                out.note(format!("No resources found in {ns} namespace."));
            }
        } else {
            targets.extend(names.iter().map(|n| ObjKey::new(kind, &ns, n)));
        }
    }
    // -1 means the object's own grace period.
    let grace: Option<i64> = match args.get("grace-period").map(str::parse::<i64>) {
        Some(Ok(-1)) | None if !args.is_set("now") => None,
        Some(Ok(g)) if g >= 0 => Some(g),
        None => Some(1),
        Some(_) => {
            out.fail(format!(
                "error: invalid argument \"{}\" for \"--grace-period\" flag: must be -1 (the default) or a non-negative number of seconds",
                args.get("grace-period").unwrap_or_default()
            ));
            return;
        }
    };
    let propagation = match args.get("cascade") {
        None | Some("background") | Some("true") => Propagation::Background,
        Some("foreground") => Propagation::Foreground,
        Some("orphan") | Some("false") => Propagation::Orphan,
        Some(other) => {
            out.fail(format!(
                "error: invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\""
            ));
            return;
        }
    };
    let force = args.is_set("force");
    // kubectl turns --grace-period=0 into 1 unless --force asks for immediate deletion.
    let grace = match (force, grace) {
        (true, None | Some(0)) => Some(0),
        (false, Some(0)) => Some(1),
        (_, g) => g,
    };
    if force && grace == Some(0) {
        out.note("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.");
    }
    let mut deleted: Vec<ObjKey> = Vec::new();
    for key in targets {
        let res = cluster.with_ctx("kubectl", cause, |ctx| ctx.delete_with(&key, grace, propagation, "kubectl delete"));
        let label = format!("{} \"{}\"", key.kind.kubectl_name(), key.name);
        match res {
            Ok(_) => {
                out.wrote = true;
                out.out(if force && grace == Some(0) {
                    format!("{label} force deleted")
                } else {
                    format!("{label} deleted")
                });
                deleted.push(key);
            }
            Err(ApiError::NotFound { .. }) if args.is_set("ignore-not-found") => {}
            Err(e) => out.fail_later(e.to_string()),
        }
    }
    if args.get("wait") != Some("false") && !deleted.is_empty() {
        wait_for_deletion(cluster, &deleted, out);
    }
}

/// Runs the simulation until the deleted objects are gone, as kubectl's `--wait` does, and
/// returns those still there when kubesim stops waiting.
pub(super) fn wait_for_deletion(cluster: &mut Cluster, keys: &[ObjKey], out: &mut CmdOutput) -> Vec<ObjKey> {
    let max_grace_s = keys
        .iter()
        .filter_map(|k| cluster.api().get(k))
        .filter_map(|o| o.meta().rare.deletion_grace_period_seconds)
        .max()
        .unwrap_or(0);
    let budget = crate::engine::time::secs_to_ms(max_grace_s).saturating_add(DELETE_WAIT_EXTRA_MS);
    cluster.run_while(budget, |c| keys.iter().all(|k| c.api().get(k).is_none()));
    let left: Vec<ObjKey> = keys.iter().filter(|k| cluster.api().get(k).is_some()).cloned().collect();
    if !left.is_empty() {
        let names: Vec<&str> = left.iter().map(|k| &*k.name).collect();
        out.note(format!(
            "kubesim: stopped waiting after {}s; still terminating: {} (its node is not confirming the deletion; real kubectl would keep waiting)",
            budget / 1000,
            names.join(", ")
        ));
    }
    left
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn three_way_merge_keeps_other_writers_fields() {
        let mut live = json!({"spec": {"replicas": 5, "template": {"x": 1}}, "status": {"a": 1}});
        let last = json!({"spec": {"template": {"x": 1}}});
        let desired = json!({"spec": {"template": {"x": 2}}});
        three_way_merge(&mut live, Some(&last), &desired);
        assert_eq!(live, json!({"spec": {"replicas": 5, "template": {"x": 2}}, "status": {"a": 1}}));
    }

    #[test]
    fn null_in_the_file_deletes_the_field() {
        let mut live = json!({"metadata": {"labels": {"a": "1", "b": "2"}}});
        let desired = json!({"metadata": {"labels": {"a": null}}});
        three_way_merge(&mut live, None, &desired);
        assert_eq!(live, json!({"metadata": {"labels": {"b": "2"}}}));
    }

    #[test]
    fn three_way_merge_deletes_dropped_fields() {
        let mut live = json!({"spec": {"replicas": 5, "paused": true}});
        let last = json!({"spec": {"replicas": 3, "paused": true}});
        let desired = json!({"spec": {"paused": true}});
        three_way_merge(&mut live, Some(&last), &desired);
        assert_eq!(live, json!({"spec": {"paused": true}}));
    }
}
