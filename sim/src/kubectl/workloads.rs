//! Verbs on workloads: `scale`, `set image`, and `rollout status|history|undo|restart|
//! pause|resume`.

use std::rc::Rc;

use super::args::flag;
use super::{CmdOutput, kind_and_names, namespace_of, parse_flags};
use crate::api::apps::{Deployment, ReplicaSet};
use crate::api::meta::find_condition;
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::ApiError;
use crate::cluster::Cluster;
use crate::controllers::deployment::{ANNOTATIONS_TO_SKIP, CHANGE_CAUSE, POD_TEMPLATE_HASH, REVISION};

/// Looks up each named object of a kind the verb accepts.
fn targets(
    cluster: &Cluster,
    verb: &str,
    positional: &[String],
    namespace: &str,
    allowed: &[Kind],
    out: &mut CmdOutput,
) -> Vec<Rc<Object>> {
    let Some((kind, names)) = kind_and_names(positional, out) else {
        if positional.is_empty() {
            out.fail(format!("error: required resource not specified\nSee 'kubectl {verb} -h' for help and examples"));
        }
        return Vec::new();
    };
    if !allowed.contains(&kind) {
        out.fail(format!(
            "error: kubesim's kubectl {verb} works on {}",
            allowed.iter().map(|k| k.plural()).collect::<Vec<_>>().join(", ")
        ));
        return Vec::new();
    }
    if names.is_empty() {
        out.fail("error: resource(s) were provided, but no name was specified");
        return Vec::new();
    }
    names
        .iter()
        .filter_map(|name| match cluster.api().get(&ObjKey::new(kind, namespace, name)) {
            Some(o) => Some(o.clone()),
            None => {
                out.fail_later(ApiError::NotFound { kind, name: name.clone() }.to_string());
                None
            }
        })
        .collect()
}

/// Writes `obj` as the user and prints `<kind>/<name> <past>` (or the error).
fn write(cluster: &mut Cluster, cause: u64, obj: Object, past: &str, note: &str, out: &mut CmdOutput) {
    let label = format!("{}/{}", obj.kind().kubectl_name(), obj.meta().name);
    match cluster.with_ctx("kubectl", cause, |ctx| ctx.update(obj, note)) {
        Ok(changed) => {
            out.wrote |= changed.is_some();
            out.out(format!("{label} {past}"));
        }
        Err(e) => out.fail(e.to_string()),
    }
}

/// `kubectl scale (deployment|replicaset) NAME --replicas=N`.
pub fn scale(cluster: &mut Cluster, cause: u64, words: &[String], out: &mut CmdOutput) {
    let specs = [flag("replicas", None, true), flag("current-replicas", None, true)];
    let Some(args) = parse_flags("scale", words, &specs, out) else { return };
    let replicas = match args.get("replicas").map(str::parse::<i32>) {
        Some(Ok(n)) if n >= 0 => n,
        _ => {
            return out
                .fail("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
        }
    };
    let ns = namespace_of(&args);
    for obj in targets(cluster, "scale", &args.positional, &ns, &[Kind::Deployment, Kind::ReplicaSet], out) {
        let current = match &*obj {
            Object::Deployment(d) => d.spec.replicas,
            Object::ReplicaSet(rs) => rs.spec.replicas,
            _ => None,
        };
        if let Some(expected) = args.get("current-replicas").and_then(|c| c.parse::<i32>().ok())
            && Some(expected) != current
        {
            out.fail(format!("error: Expected replicas to be {expected}, was {}", current.unwrap_or(0)));
            continue;
        }
        let mut scaled = (*obj).clone();
        match &mut scaled {
            Object::Deployment(d) => d.spec.replicas = Some(replicas),
            Object::ReplicaSet(rs) => rs.spec.replicas = Some(replicas),
            _ => {}
        }
        write(cluster, cause, scaled, "scaled", "kubectl scale", out);
    }
}

/// `kubectl set image (deployment|replicaset|pod) NAME CONTAINER=IMAGE...` (`*=IMAGE` for all).
pub fn set(cluster: &mut Cluster, cause: u64, words: &[String], out: &mut CmdOutput) {
    let Some(args) = parse_flags("set", words, &[], out) else { return };
    if args.positional.first().map(String::as_str) != Some("image") {
        return out.fail("error: kubesim's kubectl set supports: image");
    }
    let (targets_words, pairs): (Vec<String>, Vec<String>) =
        args.positional[1..].iter().cloned().partition(|w| !w.contains('='));
    if pairs.is_empty() {
        return out.fail("error: at least one image update is required");
    }
    let ns = namespace_of(&args);
    let kinds = [Kind::Deployment, Kind::ReplicaSet, Kind::Pod];
    for obj in targets(cluster, "set image", &targets_words, &ns, &kinds, out) {
        let mut updated = (*obj).clone();
        let containers = match &mut updated {
            Object::Deployment(d) => &mut d.spec.template.spec.containers,
            Object::ReplicaSet(rs) => &mut rs.spec.template.spec.containers,
            Object::Pod(p) => &mut p.spec.containers,
            _ => continue,
        };
        let mut missing = None;
        for pair in &pairs {
            let (name, image) = pair.split_once('=').expect("partitioned on '='");
            let mut found = false;
            for c in containers.iter_mut().filter(|c| name == "*" || c.name == name) {
                c.image = Some(image.to_string());
                found = true;
            }
            if !found {
                missing = Some(name.to_string());
            }
        }
        match missing {
            Some(name) => out.fail(format!("error: unable to find container named \"{name}\"")),
            None => write(cluster, cause, updated, "image updated", "kubectl set image", out),
        }
    }
}

/// `kubectl rollout SUBCOMMAND deployment/NAME`.
pub fn rollout(cluster: &mut Cluster, cause: u64, words: &[String], out: &mut CmdOutput) {
    let specs = [
        flag("to-revision", None, true),
        flag("revision", None, true),
        flag("timeout", None, true),
        flag("watch", Some('w'), false),
    ];
    let Some(args) = parse_flags("rollout", words, &specs, out) else { return };
    let Some((sub, rest)) = args.positional.split_first() else {
        return out.fail("error: Required subcommand: one of history, pause, restart, resume, status, undo");
    };
    let ns = namespace_of(&args);
    // `--timeout` is a Go duration; 0 (the default) waits as long as it takes.
    let timeout_ms = match args.get("timeout") {
        None | Some("0") => None,
        Some(t) if t.chars().all(|c| c.is_ascii_digit()) => {
            return out.fail(format!(
                "error: invalid argument \"{t}\" for \"--timeout\" flag: time: missing unit in duration \"{t}\"\nSee 'kubectl rollout status --help' for usage."
            ));
        }
        Some(t) => match crate::engine::time::parse_duration_ms(t) {
            Ok(ms) => Some(ms),
            Err(_) => {
                return out.fail(format!(
                    "error: invalid argument \"{t}\" for \"--timeout\" flag: time: invalid duration \"{t}\"\nSee 'kubectl rollout status --help' for usage."
                ));
            }
        },
    };
    let watch = args.get("watch") != Some("false");
    for obj in targets(cluster, &format!("rollout {sub}"), rest, &ns, &[Kind::Deployment], out) {
        let Object::Deployment(d) = &*obj else { continue };
        match sub.as_str() {
            "status" if !watch => {
                // `--watch=false`: the status as it is now, and success unless it is an error.
                let (line, _) = status_line(d);
                if line.starts_with("error:") { out.fail(line) } else { out.out(line) }
            }
            "status" => status(cluster, d, timeout_ms, out),
            "history" => history(cluster, d, args.get("revision"), out),
            "restart" if d.spec.paused == Some(true) => {
                out.fail("error: can't restart paused deployment (run rollout resume first)")
            }
            "undo" => undo(cluster, cause, d, args.get("to-revision"), out),
            "restart" => {
                let mut restarted = d.clone();
                let now = cluster.now().rfc3339();
                restarted.spec.template.metadata.annotations.insert("kubectl.kubernetes.io/restartedAt".into(), now);
                write(cluster, cause, Object::Deployment(restarted), "restarted", "kubectl rollout restart", out);
            }
            "pause" | "resume" => {
                let pause = sub == "pause";
                if d.spec.paused.unwrap_or(false) == pause {
                    out.fail(format!(
                        "error: deployments.apps \"{}\" is {}",
                        d.metadata.name,
                        if pause { "already paused" } else { "not paused" }
                    ));
                    continue;
                }
                let mut toggled = d.clone();
                toggled.spec.paused = pause.then_some(true);
                let past = if pause { "paused" } else { "resumed" };
                write(cluster, cause, Object::Deployment(toggled), past, "kubectl rollout", out);
            }
            other => out.fail(format!("error: unknown command \"{other}\" for \"kubectl rollout\"")),
        }
    }
}

/// The ReplicaSets a Deployment controls, as the store has them.
fn replica_sets(cluster: &Cluster, d: &Deployment) -> Vec<ReplicaSet> {
    cluster
        .api()
        .list(Kind::ReplicaSet, Some(&d.metadata.namespace))
        .filter_map(|o| match &**o {
            Object::ReplicaSet(rs) if rs.metadata.controller_ref().is_some_and(|r| r.uid == d.metadata.uid) => {
                Some((**rs).clone())
            }
            _ => None,
        })
        .collect()
}

fn revision(rs: &ReplicaSet) -> i64 {
    rs.metadata.annotations.get(REVISION).and_then(|r| r.parse().ok()).unwrap_or(0)
}

/// What `rollout status` would print now, and whether the rollout is over.
fn status_line(d: &Deployment) -> (String, bool) {
    let name = &d.metadata.name;
    let desired = d.spec.replicas.unwrap_or(1);
    let s = &d.status;
    let (updated, replicas, available) =
        (s.updated_replicas.unwrap_or(0), s.replicas.unwrap_or(0), s.available_replicas.unwrap_or(0));
    if d.metadata.generation > s.observed_generation {
        return ("Waiting for deployment spec update to be observed...".to_string(), false);
    }
    if find_condition(&s.conditions, "Progressing").and_then(|c| c.reason.as_deref())
        == Some("ProgressDeadlineExceeded")
    {
        return (format!("error: deployment \"{name}\" exceeded its progress deadline"), true);
    }
    if updated < desired {
        return (
            format!(
                "Waiting for deployment \"{name}\" rollout to finish: {updated} out of {desired} new replicas have been updated..."
            ),
            false,
        );
    }
    if replicas > updated {
        return (
            format!(
                "Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...",
                replicas - updated
            ),
            false,
        );
    }
    if available < updated {
        return (
            format!(
                "Waiting for deployment \"{name}\" rollout to finish: {available} of {updated} updated replicas are available..."
            ),
            false,
        );
    }
    (format!("deployment \"{name}\" successfully rolled out"), true)
}

/// How long `rollout status` watches without `--timeout` before kubesim gives up (kubectl
/// watches until the progress deadline passes).
const STATUS_WATCH_MAX_MS: u64 = 15 * 60 * 1000;

/// `kubectl rollout status [--timeout=D]`: watches (runs the simulation) until the
/// rollout ends or the timeout passes, printing each new state.
fn status(cluster: &mut Cluster, d: &Deployment, timeout_ms: Option<u64>, out: &mut CmdOutput) {
    let key = ObjKey::new(Kind::Deployment, &d.metadata.namespace, &d.metadata.name);
    let mut last = String::new();
    let mut finished = false;
    cluster.run_while(timeout_ms.unwrap_or(STATUS_WATCH_MAX_MS), |c| {
        let Some(Object::Deployment(d)) = c.api().get(&key).map(|o| (**o).clone()) else {
            finished = true;
            return true;
        };
        let (line, done) = status_line(&d);
        if line != last {
            if line.starts_with("error:") {
                out.fail(&line);
            } else {
                out.out(&line);
            }
            last = line;
        }
        finished = done;
        done
    });
    if !finished {
        out.fail("error: timed out waiting for the condition");
    }
}

/// `kubectl rollout history [--revision=N]`: the revisions and their change causes, or
/// one revision's pod template. Like kubectl, the name line is followed by the text and
/// a blank line.
fn history(cluster: &Cluster, d: &Deployment, wanted: Option<&str>, out: &mut CmdOutput) {
    let mut sets = replica_sets(cluster, d);
    sets.sort_by_key(revision);
    let (heading, text) = match wanted.map(str::parse::<i64>) {
        None | Some(Ok(0)) => {
            let mut rows = vec![vec!["REVISION".to_string(), "CHANGE-CAUSE".to_string()]];
            for rs in &sets {
                let cause = rs.metadata.annotations.get(CHANGE_CAUSE).filter(|c| !c.is_empty()).cloned();
                rows.push(vec![revision(rs).to_string(), cause.unwrap_or_else(|| "<none>".into())]);
            }
            (String::new(), super::print::tabwriter::describe_table(&rows))
        }
        Some(Ok(n)) => {
            let Some(rs) = sets.iter().find(|rs| revision(rs) == n) else {
                return out.fail("error: unable to find the specified revision");
            };
            // The template shows the revision's change-cause among its annotations.
            let mut template = rs.spec.template.clone();
            if let Some(cause) = rs.metadata.annotations.get(CHANGE_CAUSE).filter(|c| !c.is_empty()) {
                template.metadata.annotations.insert(CHANGE_CAUSE.into(), cause.clone());
            }
            let text = super::print::describe::describe_pod_template(&template, cluster.api(), cluster.now());
            (format!("with revision #{n}"), text)
        }
        Some(Err(_)) => {
            return out.fail(format!("error: invalid argument \"{}\" for \"--revision\" flag", wanted.unwrap_or("")));
        }
    };
    out.out(format!("deployment.apps/{} {heading}", d.metadata.name));
    out.print(&text);
    out.print("\n");
}

/// `kubectl rollout undo [--to-revision=N]`: the Deployment gets that revision's template.
fn undo(cluster: &mut Cluster, cause: u64, d: &Deployment, to: Option<&str>, out: &mut CmdOutput) {
    let sets = replica_sets(cluster, d);
    // As kubectl: the history is the ReplicaSets' revisions; "previous" is the second
    // highest of them.
    let mut revisions: Vec<i64> = sets.iter().map(revision).collect();
    revisions.sort_unstable();
    let target = match to.map(str::parse::<i64>) {
        Some(Ok(0)) | None => revisions.len().checked_sub(2).map(|i| revisions[i]),
        Some(Ok(n)) => sets.iter().map(revision).find(|r| *r == n),
        Some(Err(_)) => {
            return out.fail(format!("error: invalid argument \"{}\" for \"--to-revision\" flag", to.unwrap_or("")));
        }
    };
    let Some(rs) = target.and_then(|t| sets.iter().find(|rs| revision(rs) == t)) else {
        return match to {
            Some(n) if n != "0" => out.fail(format!("error: unable to find specified revision {n} in history")),
            _ => out.fail("error: no rollout history found for deployment \"".to_string() + &d.metadata.name + "\""),
        };
    };
    // Upstream finds the revision first, then refuses a paused Deployment.
    if d.spec.paused == Some(true) {
        return out.fail(format!(
            "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume \
             deployment/{}' and try again",
            d.metadata.name
        ));
    }
    let mut template = rs.spec.template.clone();
    template.metadata.labels.remove(POD_TEMPLATE_HASH);
    if template == d.spec.template {
        out.out(format!(
            "deployment.apps/{} skipped rollback (current template already matches revision {})",
            d.metadata.name,
            revision(rs)
        ));
        return;
    }
    // The Deployment takes the revision's annotations (its change-cause among them), but
    // keeps its own of those the controller manages (`rollback.go`).
    let mut annotations: std::collections::BTreeMap<String, String> = d
        .metadata
        .annotations
        .iter()
        .filter(|(k, _)| ANNOTATIONS_TO_SKIP.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    annotations.extend(
        rs.metadata
            .annotations
            .iter()
            .filter(|(k, _)| !ANNOTATIONS_TO_SKIP.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    let mut rolled = d.clone();
    rolled.spec.template = template;
    rolled.metadata.annotations = annotations.into();
    write(cluster, cause, Object::from(rolled), "rolled back", "kubectl rollout undo", out);
}
