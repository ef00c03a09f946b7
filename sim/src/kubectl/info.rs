//! Read-only helpers: `logs`, `api-resources`, `explain`, `version`.

use super::args::flag;
use super::print::tabwriter::kubectl_table;
use super::{CmdOutput, namespace_of, parse_flags, resolve_kind, selector};
use crate::api::core::Pod;
use crate::api::kinds::KINDS;
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::ApiError;
use crate::cluster::Cluster;
use crate::controllers::pods::ready_since;

const LOGS_USAGE: &str = "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples";

/// How long `kubectl logs TYPE/NAME` waits for a pod to appear (`--pod-running-timeout`).
const POD_RUNNING_TIMEOUT_MS: u64 = 20_000;

/// The annotation naming the container `logs` and `exec` default to.
const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";

/// `podutils.ByLogging`: the pod `kubectl logs TYPE/NAME` reads first: assigned before
/// unassigned, Running < Unknown < Pending (others count as Running), ready before not,
/// ready longer first, more restarts first, older first.
fn by_logging(a: &Pod, b: &Pod) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let assigned = |p: &Pod| p.spec.node_name.as_deref().is_some_and(|n| !n.is_empty());
    let phase = |p: &Pod| match p.status.phase.as_deref() {
        Some("Unknown") => 1,
        Some("Pending") => 2,
        _ => 0,
    };
    let ready = |p: &Pod| ready_since(p);
    let restarts = |p: &Pod| p.status.container_statuses.iter().map(|c| c.restart_count).max().unwrap_or(0);
    if a.spec.node_name != b.spec.node_name && (!assigned(a) || !assigned(b)) {
        return assigned(b).cmp(&assigned(a));
    }
    if phase(a) != phase(b) {
        return phase(a).cmp(&phase(b));
    }
    match (ready(a), ready(b)) {
        (Some(_), None) => return Ordering::Less,
        (None, Some(_)) => return Ordering::Greater,
        (Some(x), Some(y)) if x != y => return x.cmp(&y),
        _ => {}
    }
    if restarts(a) != restarts(b) {
        return restarts(b).cmp(&restarts(a));
    }
    let created = |p: &Pod| p.metadata.creation_timestamp.map(|t| t.moment());
    match (created(a), created(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The label selector of an object `kubectl logs TYPE/NAME` reads a pod of
/// (`SelectorsForObject`).
fn pods_selector(obj: &Object) -> Result<crate::api::meta::LabelSelector, String> {
    use crate::api::meta::LabelSelector;
    match obj {
        Object::Deployment(d) => Ok(d.spec.selector.clone().unwrap_or_default()),
        Object::ReplicaSet(rs) => Ok(rs.spec.selector.clone().unwrap_or_default()),
        Object::Service(svc) if svc.spec.selector.is_empty() => {
            Err("invalid service: Service is defined without a selector".into())
        }
        Object::Service(svc) => Ok(LabelSelector { match_labels: svc.spec.selector.clone(), ..Default::default() }),
        other => Err(format!("selector for *v1.{} not implemented", other.kind().name())),
    }
}

/// `kubectl logs (POD | TYPE/NAME) [CONTAINER] [-c CONTAINER] [-l SELECTOR] [-p]
/// [--all-containers] [--prefix] [--tail=N]`.
pub fn logs(cluster: &mut Cluster, words: &[String], out: &mut CmdOutput) {
    let specs = [
        flag("container", Some('c'), true),
        flag("previous", Some('p'), false),
        flag("follow", Some('f'), false),
        flag("selector", Some('l'), true),
        flag("all-containers", None, false),
        flag("prefix", None, false),
        flag("tail", None, true),
        flag("max-log-requests", None, true),
        flag("ignore-errors", None, false),
        flag("pod-running-timeout", None, true),
    ];
    let Some(args) = parse_flags("logs", words, &specs, out) else { return };
    let selector_text = args.get("selector");
    let (target, inline_container) = match (args.positional.as_slice(), selector_text) {
        ([], None) => return out.fail(LOGS_USAGE),
        ([], Some(_)) => (None, None),
        ([_], Some(_)) => {
            return out.fail(
                "error: only a selector (-l) or a POD name is allowed\nSee 'kubectl logs -h' for help and examples",
            );
        }
        ([t], None) => (Some(t.clone()), None),
        ([t, c], _) => (Some(t.clone()), Some(c.clone())),
        _ => return out.fail(LOGS_USAGE),
    };
    let all_containers = args.is_set("all-containers");
    let container_flag = args.get("container").map(str::to_string);
    if container_flag.is_some() && inline_container.is_some() {
        return out.fail("error: only one of -c or an inline [CONTAINER] arg is allowed");
    }
    let container = container_flag.or(inline_container);
    if let (true, Some(c)) = (all_containers, container.as_deref()) {
        return out.fail(format!("error: --all-containers=true should not be specified with container name {c}"));
    }
    // With a selector kubectl shows the last 10 lines of each container unless told.
    let tail = match args.get("tail").map(str::parse::<i64>) {
        None if selector_text.is_some() => Some(10),
        None | Some(Ok(-1)) => None,
        Some(Ok(n)) if n >= 0 => Some(n as usize),
        Some(Ok(_)) => return out.fail("error: --tail must be greater than or equal to -1"),
        Some(Err(_)) => {
            let value = args.get("tail").unwrap_or_default();
            return out.fail(format!(
                "error: invalid argument \"{value}\" for \"--tail\" flag: strconv.ParseInt: parsing \"{value}\": invalid syntax\nSee 'kubectl logs --help' for usage."
            ));
        }
    };
    let ns = namespace_of(&args);
    let pods: Vec<Pod> = match target {
        None => {
            let selector = match selector::parse(selector_text.unwrap_or_default()) {
                Ok(s) => s,
                Err(e) => return out.fail(format!("error: {e}")),
            };
            let pods: Vec<Pod> = cluster
                .api()
                .list(Kind::Pod, Some(&ns))
                .filter_map(|o| o.as_pod())
                .filter(|p| selector.matches(&p.metadata.labels))
                .cloned()
                .collect();
            if pods.is_empty() {
                return out.note(format!("No resources found in {ns} namespace."));
            }
            pods
        }
        Some(target) => match pod_for(cluster, &target, &ns, out) {
            Some(pod) => vec![pod],
            None => return,
        },
    };
    // kubectl reads the streams one after the other (in a Go map's order; kubesim: name
    // order) and stops at the first error.
    for pod in &pods {
        let Some(containers) = containers_to_read(pod, container.as_deref(), all_containers, cluster, out) else {
            return;
        };
        for name in containers {
            if !print_container_logs(cluster, pod, &name, args.is_set("previous"), tail, args.is_set("prefix"), out)
                && !args.is_set("ignore-errors")
            {
                return;
            }
        }
    }
}

/// The pod `kubectl logs POD` or `kubectl logs TYPE/NAME` reads: the named pod, or the
/// first of the object's pods in [`by_logging`] order (saying so when there are several),
/// waiting up to the pod-running timeout for one to appear.
fn pod_for(cluster: &mut Cluster, target: &str, ns: &str, out: &mut CmdOutput) -> Option<Pod> {
    let (kind, name) = match target.split_once('/') {
        Some((k, n)) => (resolve_kind(k, out)?, n.to_string()),
        None => (Kind::Pod, target.to_string()),
    };
    let Some(obj) = cluster.api().get(&ObjKey::new(kind, ns, &name)).cloned() else {
        out.fail(ApiError::NotFound { kind, name }.to_string());
        return None;
    };
    if let Object::Pod(pod) = &*obj {
        return Some((**pod).clone());
    }
    let selector = match pods_selector(&obj) {
        Ok(s) => s,
        Err(e) => {
            out.fail(format!("error: {e}"));
            return None;
        }
    };
    let matching = |c: &Cluster| -> Vec<Pod> {
        let mut pods: Vec<Pod> = c
            .api()
            .list(Kind::Pod, Some(ns))
            .filter_map(|o| o.as_pod())
            .filter(|p| selector.matches(&p.metadata.labels))
            .cloned()
            .collect();
        pods.sort_by(by_logging);
        pods
    };
    if matching(cluster).is_empty() {
        cluster.run_while(POD_RUNNING_TIMEOUT_MS, |c| !matching(c).is_empty());
    }
    let pods = matching(cluster);
    let Some(first) = pods.first().cloned() else {
        out.fail("error: timed out waiting for the condition");
        return None;
    };
    if pods.len() > 1 {
        out.note(format!("Found {} pods, using pod/{}", pods.len(), first.metadata.name));
    }
    Some(first)
}

/// The containers whose logs to read: all of them (init containers first), or the one
/// asked for, or the default one, saying so when the pod has others
/// (`logsForObjectWithClient`).
fn containers_to_read(
    pod: &Pod,
    asked: Option<&str>,
    all: bool,
    cluster: &Cluster,
    out: &mut CmdOutput,
) -> Option<Vec<String>> {
    let spec = &pod.spec;
    if all {
        // kubesim does not run init containers: only those with logs are read.
        let key = ObjKey::new(Kind::Pod, &pod.metadata.namespace, &pod.metadata.name);
        let node = pod.spec.node_name.clone().unwrap_or_default();
        let has_logs = |c: &str| cluster.kubelet(&node).and_then(|k| k.logs(&key, c, false)).is_some();
        let mut names: Vec<String> =
            spec.init_containers.iter().map(|c| c.name.clone()).filter(|c| has_logs(c)).collect();
        names.extend(spec.containers.iter().map(|c| c.name.clone()));
        return Some(names);
    }
    let exists = |c: &str| spec.containers.iter().chain(&spec.init_containers).any(|x| x.name == c);
    let mut chosen = asked.map(str::to_string);
    if chosen.is_none()
        && let Some(default) = pod.metadata.annotations.get(DEFAULT_CONTAINER).filter(|d| !d.is_empty())
    {
        if exists(default) {
            chosen = Some(default.clone());
        } else {
            out.note(format!("Default container name \"{default}\" not found in pod {}", pod.metadata.name));
        }
    }
    let chosen = match chosen {
        Some(c) => c,
        None => {
            let first = spec.containers.first().map(|c| c.name.clone()).unwrap_or_default();
            if spec.containers.len() > 1 || !spec.init_containers.is_empty() {
                let mut all: Vec<String> = spec.init_containers.iter().map(|c| format!("{} (init)", c.name)).collect();
                all.extend(spec.containers.iter().map(|c| c.name.clone()));
                out.note(format!("Defaulted container \"{first}\" out of: {}", all.join(", ")));
            }
            first
        }
    };
    if !exists(&chosen) {
        out.fail(format!("error: container {chosen} is not valid for pod {}", pod.metadata.name));
        return None;
    }
    Some(vec![chosen])
}

/// Prints one container's log lines (the last `tail`, each after `[pod/P/C] ` with
/// `prefix`), or the apiserver's error; false on error.
fn print_container_logs(
    cluster: &Cluster,
    pod: &Pod,
    container: &str,
    previous: bool,
    tail: Option<usize>,
    prefix: bool,
    out: &mut CmdOutput,
) -> bool {
    let name = &pod.metadata.name;
    let key = ObjKey::new(Kind::Pod, &pod.metadata.namespace, name);
    let node = pod.spec.node_name.clone().unwrap_or_default();
    let Some(lines) = cluster.kubelet(&node).and_then(|k| k.logs(&key, container, previous)) else {
        out.fail(format!(
            "Error from server (BadRequest): {}",
            crate::kubelet::logs_unavailable(pod, container, previous)
        ));
        return false;
    };
    let skip = tail.map_or(0, |t| lines.len().saturating_sub(t));
    for line in &lines[skip..] {
        if prefix {
            out.out(format!("[pod/{name}/{container}] {line}"));
        } else {
            out.out(line);
        }
    }
    true
}

/// `kubectl api-resources`.
pub fn api_resources(words: &[String], out: &mut CmdOutput) {
    let specs = [flag("namespaced", None, true), flag("api-group", None, true), flag("output", Some('o'), true)];
    let Some(args) = parse_flags("api-resources", words, &specs, out) else { return };
    let filter = args.get("namespaced").map(|v| v == "true");
    // The core group is the empty string: `--api-group=''` lists Pods, Services, Nodes.
    let group = args.get("api-group");
    let in_group = |api_version: &str| group.is_none_or(|g| api_version.rsplit_once('/').map_or("", |(g, _)| g) == g);
    let mut rows =
        vec![vec!["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"].into_iter().map(String::from).collect()];
    for info in KINDS.iter().filter(|i| filter.is_none_or(|n| n == i.namespaced) && in_group(i.api_version)) {
        rows.push(vec![
            info.plural.to_string(),
            info.short_names.join(","),
            info.api_version.to_string(),
            info.namespaced.to_string(),
            info.name.to_string(),
        ]);
    }
    out.print(kubectl_table(&rows));
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
    out.print(&text);
}

/// `kubectl api-versions`: the group/versions the server serves, sorted as Go sorts
/// strings (kubesim's: those of the kinds it simulates, as `api-resources` lists them).
pub fn api_versions(words: &[String], out: &mut CmdOutput) {
    let Some(args) = parse_flags("api-versions", words, &[], out) else { return };
    if let Some(extra) = args.positional.first() {
        return out.fail(format!(
            "error: unexpected arguments: [{extra}]\nSee 'kubectl api-versions -h' for help and examples"
        ));
    }
    let mut versions: Vec<&str> = KINDS.iter().map(|i| i.api_version).collect();
    versions.sort_unstable();
    versions.dedup();
    for v in versions {
        out.out(v);
    }
}

/// `kubectl cluster-info`: the control plane's address and each cluster service
/// (`kubernetes.io/cluster-service=true` in kube-system) with its proxy link
/// (`cluster-info.go`; kubectl colours the names on a terminal).
pub fn cluster_info(cluster: &Cluster, words: &[String], out: &mut CmdOutput) {
    let Some(args) = parse_flags("cluster-info", words, &[], out) else { return };
    match args.positional.first().map(String::as_str) {
        None => {}
        Some("dump") => {
            return out.fail(
                "error: kubesim does not simulate \"kubectl cluster-info dump\" yet (it is a real kubectl command)",
            );
        }
        Some(other) => {
            return out.fail(format!(
                "error: unknown command \"{other}\" for \"kubectl cluster-info\"\nSee 'kubectl cluster-info -h' for help and examples"
            ));
        }
    }
    let host = format!("https://{}:{}", crate::cluster::APISERVER_IP, crate::cluster::APISERVER_PORT);
    out.out(format!("Kubernetes control plane is running at {host}"));
    let ns = args.get("namespace").unwrap_or("kube-system");
    for obj in cluster.api().list(Kind::Service, Some(ns)) {
        let Object::Service(svc) = &**obj else { continue };
        if svc.metadata.labels.get("kubernetes.io/cluster-service").map(String::as_str) != Some("true") {
            continue;
        }
        let ingress: Vec<&str> = svc
            .status
            .load_balancer
            .ingress
            .iter()
            .filter_map(|i| i["ip"].as_str().filter(|s| !s.is_empty()).or_else(|| i["hostname"].as_str()))
            .collect();
        let link = match ingress.first() {
            Some(ip) => svc.spec.ports.iter().map(|p| format!("http://{ip}:{} ", p.port)).collect::<String>(),
            None => {
                let mut name = svc.metadata.name.to_string();
                if let Some(port) = svc.spec.ports.first() {
                    let port_name = port.name.clone().unwrap_or_default();
                    let scheme = if port_name == "https" || port.port == 443 { "https" } else { "" };
                    // `JoinSchemeNamePort`.
                    name = match (scheme, port_name.as_str()) {
                        ("", "") => name,
                        ("", p) => format!("{name}:{p}"),
                        (s, p) => format!("{s}:{name}:{p}"),
                    };
                }
                format!("{host}/api/v1/namespaces/{ns}/services/{name}/proxy")
            }
        };
        let title = svc
            .metadata
            .labels
            .get("kubernetes.io/name")
            .map(String::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or(&svc.metadata.name);
        out.out(format!("{title} is running at {link}"));
    }
    out.out("\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.");
}

/// `kubectl version`.
pub fn version(out: &mut CmdOutput) {
    out.out("Client Version: v1.32.0-kubesim\nKustomize Version: v5.5.0\nServer Version: v1.32.0-kubesim");
}
