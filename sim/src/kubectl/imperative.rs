//! The imperative verbs: `run`, `create deployment|namespace|-f`, `label`, `annotate`.

use std::collections::BTreeMap;

use super::args::{Args, flag};
use super::read::render;
use super::{CmdOutput, kind_and_names, namespace_of, parse_flags, selector};
use crate::api::apps::{Deployment, DeploymentSpec, PodTemplateSpec};
use crate::api::core::{Container, ContainerPort, EnvVar, Namespace, Pod, PodSpec, Service, ServicePort, ServiceSpec};
use crate::api::meta::{IntOrString, LabelSelector, ObjectMeta};
use crate::api::{ObjKey, Object};
use crate::cluster::Cluster;

/// Creates `obj` as the user, or prints it for `--dry-run=client -o yaml|json`.
fn create_or_print(cluster: &mut Cluster, cause: u64, args: &Args, obj: Object, out: &mut CmdOutput, verb_note: &str) {
    let label = format!("{}/{}", obj.kind().kubectl_name(), obj.meta().name);
    match args.get("dry-run") {
        Some("client") | Some("true") => {
            let mut obj = obj;
            obj.set_type_meta();
            match args.get("output") {
                Some(fmt @ ("yaml" | "json")) => out.stdout.push_str(&render(&client_side_json(&obj), fmt)),
                _ => out.out(format!("{label} created (dry run)")),
            }
        }
        Some("server") => out.fail("error: kubesim supports --dry-run=client only"),
        Some("none") | Some("false") | None => {
            match cluster.with_ctx("kubectl", cause, |ctx| ctx.create(obj, verb_note)) {
                Ok(_) => {
                    out.wrote = true;
                    out.out(format!("{label} created"));
                }
                Err(e) => out.fail(e.to_string()),
            }
        }
        Some(other) => {
            out.fail(format!("error: Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."))
        }
    }
}

/// The object as kubectl prints it before sending: Go's zero values show up as
/// `creationTimestamp: null`, `resources: {}` and `strategy: {}`.
fn client_side_json(obj: &Object) -> serde_json::Value {
    use serde_json::{Value, json};
    let mut value = obj.to_json();
    let set_null_timestamp = |meta: Option<&mut Value>| {
        if let Some(Value::Object(m)) = meta {
            m.insert("creationTimestamp".into(), Value::Null);
        }
    };
    let fill_resources = |spec: Option<&mut Value>| {
        if let Some(Value::Array(containers)) = spec.and_then(|s| s.get_mut("containers")) {
            for c in containers.iter_mut().filter_map(Value::as_object_mut) {
                c.entry("resources").or_insert_with(|| json!({}));
            }
        }
    };
    set_null_timestamp(value.get_mut("metadata"));
    if value.get("spec").and_then(|s| s.get("template")).is_some() {
        let spec = &mut value["spec"];
        if let Some(s) = spec.as_object_mut() {
            s.entry("strategy").or_insert_with(|| json!({}));
        }
        set_null_timestamp(spec["template"].get_mut("metadata"));
        fill_resources(spec["template"].get_mut("spec"));
    } else {
        fill_resources(value.get_mut("spec"));
    }
    value
}

fn container_ports(args: &Args, out: &mut CmdOutput) -> Option<Vec<ContainerPort>> {
    match args.get("port") {
        None => Some(vec![]),
        Some(p) => match p.parse::<i32>() {
            Ok(port) => Some(vec![ContainerPort { container_port: port, ..Default::default() }]),
            Err(_) => {
                out.fail(format!("error: invalid argument \"{p}\" for \"--port\" flag: strconv.ParseInt: parsing \"{p}\": invalid syntax"));
                None
            }
        },
    }
}

/// `kubectl run NAME --image=IMAGE [--restart=...] [--labels=...] [--port=N] [--env=K=V] [-- ARGS]`.
pub fn run(cluster: &mut Cluster, cause: u64, words: &[String], out: &mut CmdOutput) {
    let specs = [
        flag("image", None, true),
        flag("restart", None, true),
        flag("labels", Some('l'), true),
        flag("port", None, true),
        flag("env", None, true),
        flag("command", None, false),
        flag("dry-run", None, true),
        flag("output", Some('o'), true),
        flag("image-pull-policy", None, true),
    ];
    let Some(args) = parse_flags("run", words, &specs, out) else { return };
    let Some(name) = args.positional.first().cloned() else {
        out.fail("error: NAME is required for run\nSee 'kubectl run -h' for help and examples");
        return;
    };
    let Some(image) = args.get("image").map(str::to_string) else {
        out.fail("error: required flag(s) \"image\" not set");
        return;
    };
    let restart = args.get("restart").unwrap_or("Always").to_string();
    if !["Always", "OnFailure", "Never"].contains(&restart.as_str()) {
        out.fail(format!("error: invalid restart policy: {restart}"));
        return;
    }
    let labels = match args.get("labels") {
        Some(text) => match selector::parse_labels(text) {
            Ok(l) => l,
            Err(e) => return out.fail(e),
        },
        None => BTreeMap::from([("run".to_string(), name.clone())]),
    };
    let Some(ports) = container_ports(&args, out) else { return };
    let mut env = Vec::new();
    for pair in args.all("env") {
        match pair.split_once('=') {
            Some((k, v)) => env.push(EnvVar { name: k.into(), value: Some(v.into()), value_from: None }),
            None => return out.fail(format!("error: invalid env: {pair}")),
        }
    }
    let (command, container_args) =
        if args.is_set("command") { (args.rest.clone(), vec![]) } else { (vec![], args.rest.clone()) };
    let pod = Pod {
        metadata: ObjectMeta {
            name: name.clone(),
            namespace: args.get("namespace").unwrap_or_default().to_string(),
            labels,
            ..Default::default()
        },
        spec: PodSpec {
            containers: vec![Container {
                name,
                image: Some(image),
                command,
                args: container_args,
                ports,
                env,
                image_pull_policy: args.get("image-pull-policy").map(str::to_string),
                ..Default::default()
            }],
            restart_policy: Some(restart),
            dns_policy: Some("ClusterFirst".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    create_or_print(cluster, cause, &args, Object::Pod(pod), out, "kubectl run");
}

/// `kubectl create deployment|namespace|-f`.
pub fn create(cluster: &mut Cluster, cause: u64, words: &[String], stdin: Option<&str>, out: &mut CmdOutput) {
    let specs = [
        flag("filename", Some('f'), true),
        flag("image", None, true),
        flag("replicas", Some('r'), true),
        flag("port", None, true),
        flag("dry-run", None, true),
        flag("output", Some('o'), true),
    ];
    let Some(args) = parse_flags("create", words, &specs, out) else { return };
    if !args.all("filename").is_empty() {
        super::apply::create_from_files(cluster, cause, args.all("filename"), args.get("namespace"), stdin, out);
        return;
    }
    let what = args.positional.first().map(String::as_str);
    let name = args.positional.get(1).cloned();
    match (what, name) {
        (Some("deployment" | "deploy"), Some(name)) => {
            let images = args.all("image");
            if images.is_empty() {
                return out.fail("error: required flag(s) \"image\" not set");
            }
            let replicas = match args.get("replicas").map(str::parse::<i32>) {
                None => 1,
                Some(Ok(r)) => r,
                Some(Err(_)) => return out.fail("error: invalid argument for \"--replicas\" flag"),
            };
            let Some(ports) = container_ports(&args, out) else { return };
            let labels = BTreeMap::from([("app".to_string(), name.clone())]);
            let containers = images
                .iter()
                .map(|image| Container {
                    name: container_name_for(image),
                    image: Some(image.clone()),
                    ports: ports.clone(),
                    ..Default::default()
                })
                .collect();
            let d = Deployment {
                metadata: ObjectMeta {
                    name,
                    namespace: args.get("namespace").unwrap_or_default().to_string(),
                    labels: labels.clone(),
                    ..Default::default()
                },
                spec: DeploymentSpec {
                    replicas: Some(replicas),
                    selector: Some(LabelSelector { match_labels: labels.clone(), ..Default::default() }),
                    template: PodTemplateSpec {
                        metadata: ObjectMeta { labels, ..Default::default() },
                        spec: PodSpec { containers, ..Default::default() },
                    },
                    ..Default::default()
                },
                ..Default::default()
            };
            create_or_print(cluster, cause, &args, Object::Deployment(d), out, "kubectl create deployment");
        }
        (Some("namespace" | "ns"), Some(name)) => {
            let mut ns = Namespace::default();
            ns.metadata.name = name;
            create_or_print(cluster, cause, &args, Object::Namespace(ns), out, "kubectl create namespace");
        }
        (Some(kind @ ("deployment" | "deploy" | "namespace" | "ns")), None) => out.fail(format!(
            "error: exactly one NAME is required, got 0\nSee 'kubectl create {kind} -h' for help and examples"
        )),
        (Some(other), _) => out.fail(format!(
            "error: kubesim's kubectl creates from files (-f) and these kinds: deployment, namespace (not \"{other}\")"
        )),
        (None, _) => out.fail("error: must specify one of -f and -k"),
    }
}

/// Container name kubectl derives from an image: `nginx:1.27` → `nginx`.
fn container_name_for(image: &str) -> String {
    let base = image.split('@').next().unwrap_or(image);
    let base = base.rsplit('/').next().unwrap_or(base);
    let base = base.split(':').next().unwrap_or(base);
    base.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

/// `kubectl label|annotate TYPE NAME k=v k2- [--overwrite]`.
pub fn label(cluster: &mut Cluster, cause: u64, words: &[String], out: &mut CmdOutput, verb: &str) {
    let specs = [flag("overwrite", None, false), flag("all", None, false)];
    let Some(args) = parse_flags(verb, words, &specs, out) else { return };
    let (targets, changes): (Vec<String>, Vec<String>) =
        args.positional.iter().cloned().partition(|w| !w.contains('=') && !w.ends_with('-'));
    let Some((kind, names)) = kind_and_names(&targets, out) else {
        if targets.is_empty() {
            out.fail("error: one or more resources must be specified as <resource> <name> or <resource>/<name>");
        }
        return;
    };
    if changes.is_empty() {
        return out.fail(format!("error: at least one {verb} update is required"));
    }
    let ns = namespace_of(&args);
    for name in names {
        let key = ObjKey::new(kind, &ns, &name);
        let Some(live) = cluster.api().get(&key).cloned() else {
            out.fail(crate::apiserver::ApiError::NotFound { kind, name }.to_string());
            continue;
        };
        let mut obj = (*live).clone();
        let map = if verb == "label" { &mut obj.meta_mut().labels } else { &mut obj.meta_mut().annotations };
        for change in &changes {
            if let Some(k) = change.strip_suffix('-').filter(|_| !change.contains('=')) {
                map.remove(k);
            } else if let Some((k, v)) = change.split_once('=') {
                match map.get(k) {
                    Some(old) if old != v && !args.is_set("overwrite") => {
                        return out.fail(format!("error: '{k}' already has a value ({old}), and --overwrite is false"));
                    }
                    _ => {
                        map.insert(k.into(), v.into());
                    }
                }
            }
        }
        let past = if verb == "label" { "labeled" } else { "annotated" };
        let id = format!("{}/{}", kind.kubectl_name(), key.name);
        match cluster.with_ctx("kubectl", cause, |ctx| ctx.update(obj, &format!("kubectl {verb}"))) {
            Ok(Some(_)) => {
                out.wrote = true;
                out.out(format!("{id} {past}"));
            }
            Ok(None) => out.out(format!("{id} not {past}")),
            Err(e) => out.fail(e.to_string()),
        }
    }
}

/// The pods an exposed object selects, as a label map (`MapBasedSelectorForObject`).
fn introspected_selector(obj: &Object) -> Result<BTreeMap<String, String>, String> {
    // apps/v1: no matchLabels is "no selectors", whatever matchExpressions say.
    let from_selector = |selector: Option<&LabelSelector>, kind: &str| match selector
        .filter(|s| !s.match_labels.is_empty())
    {
        None => Err(format!("invalid {kind}: no selectors, therefore cannot be exposed")),
        Some(s) if !s.match_expressions.is_empty() => {
            let requirements: Vec<String> = s
                .match_expressions
                .iter()
                .map(|r| format!("{{Key:{} Operator:{} Values:[{}]}}", r.key, r.operator, r.values.join(" ")))
                .collect();
            Err(format!("couldn't convert expressions - \"[{}]\" to map-based selector format", requirements.join(" ")))
        }
        Some(s) => Ok(s.match_labels.clone()),
    };
    match obj {
        Object::Pod(p) if p.metadata.labels.is_empty() => Err("the pod has no labels and cannot be exposed".into()),
        Object::Pod(p) => Ok(p.metadata.labels.clone()),
        Object::Service(s) if s.spec.selector.is_empty() => Err("the service has no pod selector set".into()),
        Object::Service(s) => Ok(s.spec.selector.clone()),
        Object::Deployment(d) => from_selector(d.spec.selector.as_ref(), "deployment"),
        Object::ReplicaSet(rs) => from_selector(rs.spec.selector.as_ref(), "replicaset"),
        _ => Err(format!("cannot extract pod selector from {}", obj.kind().name())),
    }
}

/// `kubectl expose (deployment|replicaset|pod|service) NAME [--port=P] [--target-port=T]
/// [--type=T] [--name=N] [--protocol=TCP]`: a Service selecting the object's pods.
pub fn expose(cluster: &mut Cluster, cause: u64, words: &[String], out: &mut CmdOutput) {
    let specs = [
        flag("port", None, true),
        flag("target-port", None, true),
        flag("type", None, true),
        flag("name", None, true),
        flag("protocol", None, true),
        flag("selector", None, true),
        flag("dry-run", None, true),
        flag("output", Some('o'), true),
    ];
    let Some(args) = parse_flags("expose", words, &specs, out) else { return };
    let Some((kind, names)) = kind_and_names(&args.positional, out) else {
        if args.positional.is_empty() {
            out.fail("error: You must provide one or more resources by argument or filename.");
        }
        return;
    };
    let ns = namespace_of(&args);
    for name in names {
        let Some(obj) = cluster.api().get(&ObjKey::new(kind, &ns, &name)).cloned() else {
            out.fail(crate::apiserver::ApiError::NotFound { kind, name: name.clone() }.to_string());
            continue;
        };
        let pod_spec = match &*obj {
            Object::Pod(p) => Some(&p.spec),
            Object::Deployment(d) => Some(&d.spec.template.spec),
            Object::ReplicaSet(rs) => Some(&rs.spec.template.spec),
            Object::Service(_) => None,
            _ => {
                out.fail(format!("error: cannot expose a {}", kind.name()));
                continue;
            }
        };
        let selector = match args.get("selector") {
            Some(text) => match selector::parse_labels(text) {
                Ok(s) => s,
                Err(e) => return out.fail(e),
            },
            None => match introspected_selector(&obj) {
                Ok(s) => s,
                Err(why) => {
                    out.fail(format!(
                        "error: couldn't retrieve selectors via --selector flag or introspection: {why}\n\
                         See 'kubectl expose -h' for help and examples"
                    ));
                    continue;
                }
            },
        };
        let introspected =
            pod_spec.and_then(|s| s.containers.iter().flat_map(|c| &c.ports).next().map(|p| p.container_port));
        let port = match args.get("port").map(str::parse::<i32>) {
            Some(Ok(p)) => p,
            Some(Err(_)) => {
                return out.fail(format!("error: invalid --port {:?}", args.get("port").unwrap_or_default()));
            }
            None => match introspected {
                Some(p) => p,
                None => {
                    out.fail("error: couldn't find port via --port flag or introspection\nSee 'kubectl expose -h' for help and examples");
                    continue;
                }
            },
        };
        let target_port = args.get("target-port").map(|t| match t.parse::<i32>() {
            Ok(n) => IntOrString::Int(n),
            Err(_) => IntOrString::String(t.to_string()),
        });
        let svc = Service {
            metadata: ObjectMeta {
                name: args.get("name").map_or_else(|| name.clone(), str::to_string),
                namespace: ns.clone(),
                labels: obj.meta().labels.clone(),
                ..Default::default()
            },
            spec: ServiceSpec {
                type_: args.get("type").map(str::to_string),
                selector,
                ports: vec![ServicePort {
                    port,
                    target_port: target_port.or(Some(IntOrString::Int(port))),
                    protocol: Some(args.get("protocol").unwrap_or("TCP").to_string()),
                    ..Default::default()
                }],
                ..Default::default()
            },
            ..Default::default()
        };
        let label = format!("service/{}", svc.metadata.name);
        match args.get("dry-run") {
            Some("client") => out.out(format!("{label} exposed (dry run)")),
            _ => match cluster.with_ctx("kubectl", cause, |ctx| ctx.create(Object::Service(svc), "kubectl expose")) {
                Ok(_) => {
                    out.wrote = true;
                    out.out(format!("{label} exposed"));
                }
                Err(e) => out.fail(e.to_string()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_names_come_from_images() {
        assert_eq!(container_name_for("nginx:1.27"), "nginx");
        assert_eq!(container_name_for("docker.io/kubesim/web:1"), "web");
    }
}
