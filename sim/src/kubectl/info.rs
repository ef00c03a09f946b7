//! Read-only helpers: `logs`, `api-resources`, `explain`, `version`.

use super::args::flag;
use super::print::tabwriter::kubectl_table;
use super::{CmdOutput, namespace_of, parse_flags, resolve_kind};
use crate::api::kinds::KINDS;
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::ApiError;
use crate::cluster::Cluster;

/// `kubectl logs POD [-c CONTAINER] [-p]`.
pub fn logs(cluster: &mut Cluster, words: &[String], out: &mut CmdOutput) {
    let specs =
        [flag("container", Some('c'), true), flag("previous", Some('p'), false), flag("follow", Some('f'), false)];
    let Some(args) = parse_flags("logs", words, &specs, out) else { return };
    let Some(target) = args.positional.first() else {
        return out.fail("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples");
    };
    let name = target.strip_prefix("pod/").or_else(|| target.strip_prefix("pods/")).unwrap_or(target);
    let key = ObjKey::new(Kind::Pod, &namespace_of(&args), name);
    let Some(obj) = cluster.api().get(&key).cloned() else {
        return out.fail(ApiError::NotFound { kind: Kind::Pod, name: name.into() }.to_string());
    };
    let Object::Pod(pod) = &*obj else { return };
    let names: Vec<&str> = pod.spec.containers.iter().map(|c| c.name.as_str()).collect();
    let container = match args.get("container") {
        Some(c) if names.contains(&c) => c.to_string(),
        Some(c) => {
            return out.fail(format!("error: container {c} is not valid for pod {name}"));
        }
        None => {
            if names.len() > 1 {
                out.note(format!("Defaulted container \"{}\" out of: {}", names[0], names.join(", ")));
            }
            names.first().map(|s| s.to_string()).unwrap_or_default()
        }
    };
    let previous = args.is_set("previous");
    let node = pod.spec.node_name.clone().unwrap_or_default();
    let lines = cluster.kubelet(&node).and_then(|k| k.logs(&key, &container, previous));
    match lines {
        Some(lines) => {
            for l in lines {
                out.out(l);
            }
        }
        None if previous => out.fail(format!(
            "Error from server (BadRequest): previous terminated container \"{container}\" in pod \"{name}\" not found"
        )),
        None => {
            let reason = pod
                .status
                .container_statuses
                .iter()
                .find(|s| s.name == container)
                .and_then(|s| s.state.waiting.as_ref())
                .and_then(|w| w.reason.clone())
                .unwrap_or_else(|| "ContainerCreating".into());
            out.fail(format!(
                "Error from server (BadRequest): container \"{container}\" in pod \"{name}\" is waiting to start: {reason}"
            ))
        }
    }
}

/// `kubectl api-resources`.
pub fn api_resources(words: &[String], out: &mut CmdOutput) {
    let specs = [flag("namespaced", None, true), flag("output", Some('o'), true)];
    let Some(args) = parse_flags("api-resources", words, &specs, out) else { return };
    let filter = args.get("namespaced").map(|v| v == "true");
    let mut rows =
        vec![vec!["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"].into_iter().map(String::from).collect()];
    for info in KINDS.iter().filter(|i| filter.is_none_or(|n| n == i.namespaced)) {
        rows.push(vec![
            info.plural.to_string(),
            info.short_names.join(","),
            info.api_version.to_string(),
            info.namespaced.to_string(),
            info.name.to_string(),
        ]);
    }
    out.stdout.push_str(&kubectl_table(&rows));
}

/// `kubectl explain KIND` (kinds and their top-level fields only).
pub fn explain(words: &[String], out: &mut CmdOutput) {
    let Some(args) = parse_flags("explain", words, &[flag("recursive", None, false)], out) else { return };
    let Some(target) = args.positional.first() else {
        return out.fail("error: You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of supported resources.");
    };
    let (resource, field) = target.split_once('.').unwrap_or((target, ""));
    let Some(kind) = resolve_kind(resource, out) else { return };
    let info = kind.info();
    let group_version = info.api_version;
    let (group, version) = group_version.rsplit_once('/').unwrap_or(("", group_version));
    let mut text = format!("GROUP:      {group}\nKIND:       {}\nVERSION:    {version}\n\n", info.name);
    if group.is_empty() {
        text = format!("KIND:       {}\nVERSION:    {version}\n\n", info.name);
    }
    if !field.is_empty() {
        out.fail(format!("error: kubesim explains kinds and their top-level fields only (asked for \"{field}\"); see https://kubernetes.io/docs/reference/kubernetes-api/"));
        return;
    }
    text.push_str(&format!("DESCRIPTION:\n    {}\n    \nFIELDS:\n", info.description));
    let fields: &[(&str, &str, &str)] = &[
        ("apiVersion", "<string>", "APIVersion defines the versioned schema of this representation of an object."),
        ("kind", "<string>", "Kind is a string value representing the REST resource this object represents."),
        ("metadata", "<ObjectMeta>", "Standard object's metadata."),
        ("spec", "<Object>", "Specification of the desired behavior of the object."),
        ("status", "<Object>", "Most recently observed status of the object. Read-only."),
    ];
    for (name, ty, desc) in fields {
        if kind == Kind::Event && (*name == "spec" || *name == "status") {
            continue;
        }
        text.push_str(&format!("  {name}\t{ty}\n    {desc}\n\n"));
    }
    out.stdout.push_str(&text);
}

/// `kubectl version`.
pub fn version(out: &mut CmdOutput) {
    out.out("Client Version: v1.32.0-kubesim\nKustomize Version: v5.5.0\nServer Version: v1.32.0-kubesim");
}
