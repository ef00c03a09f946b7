//! Node maintenance: `cordon`, `uncordon`, `drain`.

use super::args::flag;
use super::{CmdOutput, parse_flags};
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::ApiError;
use crate::cluster::Cluster;

fn node_names(words: &[String]) -> Vec<String> {
    words
        .iter()
        .map(|w| w.strip_prefix("node/").or_else(|| w.strip_prefix("nodes/")).unwrap_or(w).to_string())
        .collect()
}

/// Sets `spec.unschedulable`; prints `node/NAME cordoned` or `already cordoned`.
fn set_unschedulable(cluster: &mut Cluster, cause: u64, name: &str, on: bool, out: &mut CmdOutput) -> bool {
    let key = ObjKey::new(Kind::Node, "", name);
    let Some(Object::Node(node)) = cluster.api().get(&key).map(|o| (**o).clone()) else {
        out.fail_later(ApiError::NotFound { kind: Kind::Node, name: name.into() }.to_string());
        return false;
    };
    let word = if on { "cordoned" } else { "uncordoned" };
    if node.spec.unschedulable.unwrap_or(false) == on {
        out.out(format!("node/{name} already {word}"));
        return true;
    }
    let mut updated = node;
    updated.spec.unschedulable = on.then_some(true);
    match cluster.with_ctx("kubectl", cause, |ctx| ctx.update(Object::Node(updated), &format!("kubectl {word}"))) {
        Ok(_) => {
            out.wrote = true;
            out.out(format!("node/{name} {word}"));
            true
        }
        Err(e) => {
            out.fail(e.to_string());
            false
        }
    }
}

/// `kubectl cordon NODE...` and `kubectl uncordon NODE...`.
pub fn cordon(cluster: &mut Cluster, cause: u64, words: &[String], on: bool, out: &mut CmdOutput) {
    let verb = if on { "cordon" } else { "uncordon" };
    let Some(args) = parse_flags(verb, words, &[], out) else { return };
    if args.positional.is_empty() {
        return out.fail(format!("error: USAGE: {verb} NODE [flags]\nSee 'kubectl {verb} -h' for help and examples"));
    }
    for name in node_names(&args.positional) {
        set_unschedulable(cluster, cause, &name, on, out);
    }
}

/// `kubectl drain NODE [--force] [--ignore-daemonsets] [--grace-period=N]`: cordons the
/// node and evicts its pods, waiting for them to go. Pods without a controller are
/// refused unless `--force`: nothing would bring them back.
pub fn drain(cluster: &mut Cluster, cause: u64, words: &[String], out: &mut CmdOutput) {
    let specs = [
        flag("force", None, false),
        flag("ignore-daemonsets", None, false),
        flag("delete-emptydir-data", None, false),
        flag("grace-period", None, true),
    ];
    let Some(args) = parse_flags("drain", words, &specs, out) else { return };
    let names = node_names(&args.positional);
    let [name] = names.as_slice() else {
        return out.fail("error: USAGE: drain NODE [flags]\nSee 'kubectl drain -h' for help and examples");
    };
    let pods: Vec<(ObjKey, bool)> = cluster
        .api()
        .list(Kind::Pod, None)
        .filter_map(|o| o.as_pod())
        .filter(|p| p.spec.node_name.as_deref() == Some(name.as_str()))
        .filter(|p| !matches!(p.status.phase.as_deref(), Some("Succeeded" | "Failed")))
        .map(|p| {
            (ObjKey::new(Kind::Pod, &p.metadata.namespace, &p.metadata.name), p.metadata.controller_ref().is_some())
        })
        .collect();
    let bare: Vec<String> =
        pods.iter().filter(|(_, managed)| !managed).map(|(k, _)| format!("{}/{}", k.namespace, k.name)).collect();
    if !set_unschedulable(cluster, cause, name, true, out) {
        return;
    }
    if !bare.is_empty() && !args.is_set("force") {
        return out.fail(format!(
            "error: unable to drain node \"{name}\" due to error: cannot delete Pods that declare no controller (use --force to override): {}, continuing command...\nThere are pending nodes to be drained:\n {name}\nerror: cannot delete Pods that declare no controller (use --force to override): {}",
            bare.join(", "),
            bare.join(", ")
        ));
    }
    if !bare.is_empty() {
        out.note(format!("Warning: deleting Pods that declare no controller: {}", bare.join(", ")));
    }
    let grace = args.get("grace-period").and_then(|g| g.parse::<i64>().ok()).filter(|g| *g >= 0);
    let mut evicted = Vec::new();
    for (key, _) in &pods {
        out.out(format!("evicting pod {}/{}", key.namespace, key.name));
        match cluster.with_ctx("kubectl", cause, |ctx| ctx.delete(key, grace, "kubectl drain: eviction")) {
            Ok(_) => evicted.push(key.clone()),
            Err(e) => out.fail(e.to_string()),
        }
    }
    out.wrote = true;
    // kubectl waits for each evicted pod to be gone.
    let left = super::apply::wait_for_deletion(cluster, &evicted, out);
    for key in evicted.iter().filter(|k| !left.contains(k)) {
        out.out(format!("pod/{} evicted", key.name));
    }
    if left.is_empty() {
        out.out(format!("node/{name} drained"));
    } else {
        let pods: Vec<String> = left.iter().map(|k| format!("{}/{}", k.namespace, k.name)).collect();
        out.fail(format!(
            "error: unable to drain node \"{name}\": evicted pods still terminating: {}\nThere are pending nodes to be drained:\n {name}",
            pods.join(", ")
        ));
    }
}
