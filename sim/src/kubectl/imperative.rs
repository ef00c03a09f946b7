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
                Some(fmt @ ("yaml" | "json")) => out.print(render(&client_side_json(&obj), fmt)),
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
            name: name.as_str().into(),
            namespace: args.get("namespace").unwrap_or_default().into(),
            labels: labels.into(),
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
            }]
            .into(),
            restart_policy: Some(restart.into()),
            dns_policy: Some("ClusterFirst".into()),
            ..Default::default()
        }
        .into(),
        ..Default::default()
    };
    create_or_print(cluster, cause, &args, Object::from(pod), out, "kubectl run");
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
        flag("tcp", None, true),
        flag("node-port", None, true),
        flag("clusterip", None, true),
        flag("external-name", None, true),
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
                    name: name.into(),
                    namespace: args.get("namespace").unwrap_or_default().into(),
                    labels: labels.clone().into(),
                    ..Default::default()
                },
                spec: DeploymentSpec {
                    replicas: Some(replicas),
                    selector: Some(LabelSelector { match_labels: labels.clone(), ..Default::default() }),
                    template: PodTemplateSpec {
                        metadata: ObjectMeta { labels: labels.into(), ..Default::default() },
                        spec: PodSpec { containers, ..Default::default() }.into(),
                    },
                    ..Default::default()
                },
                ..Default::default()
            };
            create_or_print(cluster, cause, &args, Object::from(d), out, "kubectl create deployment");
        }
        (Some("namespace" | "ns"), Some(name)) => {
            let mut ns = Namespace::default();
            ns.metadata.name = name.into();
            create_or_print(cluster, cause, &args, Object::from(ns), out, "kubectl create namespace");
        }
        (Some("service" | "svc"), _) => create_service(cluster, cause, &args, out),
        (Some(kind @ ("deployment" | "deploy" | "namespace" | "ns")), None) => out.fail(format!(
            "error: exactly one NAME is required, got 0\nSee 'kubectl create {kind} -h' for help and examples"
        )),
        (Some(other), _) => out.fail(format!(
            "error: kubesim's kubectl creates from files (-f) and these kinds: deployment, namespace, service (not \"{other}\")"
        )),
        (None, _) => out.fail("error: must specify one of -f and -k"),
    }
}

/// `parsePorts` of `create service`: `PORT` or `PORT:TARGET` (a number or a port name).
fn parse_service_port(text: &str) -> Result<(i32, IntOrString), String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("port string is empty".into());
    }
    let (port, target) = match text.split_once(':') {
        Some((p, t)) => (p, Some(t)),
        None => (text, None),
    };
    let port: u16 = port.parse().map_err(|_| format!("strconv.ParseUint: parsing \"{port}\": invalid syntax"))?;
    let target = match target {
        None => IntOrString::Int(i32::from(port)),
        Some(t) => match t.parse::<i64>() {
            Ok(n) if (1..=65535).contains(&n) => IntOrString::Int(n as i32),
            Ok(_) => return Err("must be between 1 and 65535, inclusive".into()),
            Err(_) => {
                let valid = !t.is_empty()
                    && t.len() <= 15
                    && t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && t.chars().any(|c| c.is_ascii_lowercase())
                    && !t.starts_with('-')
                    && !t.ends_with('-')
                    && !t.contains("--");
                if !valid {
                    return Err(format!(
                        "invalid port name {t:?}: must be an IANA_SVC_NAME (at most 15 characters, lower-case letters, digits and '-', at least one letter)"
                    ));
                }
                IntOrString::String(t.to_string())
            }
        },
    };
    Ok((i32::from(port), target))
}

/// `kubectl create service clusterip|nodeport|loadbalancer|externalname NAME
/// [--tcp=PORT[:TARGET]...] [--node-port=N] [--clusterip=IP] [--external-name=NAME]`:
/// a Service selecting `app=NAME`, each port named `PORT-TARGET` (`create_service.go`).
fn create_service(cluster: &mut Cluster, cause: u64, args: &Args, out: &mut CmdOutput) {
    const SUBCOMMANDS: &str = "clusterip, externalname, loadbalancer, nodeport";
    let Some(sub) = args.positional.get(1).map(String::as_str) else {
        return out.fail(format!("error: kubectl create service needs a type: one of {SUBCOMMANDS}\nSee 'kubectl create service -h' for help and examples"));
    };
    let type_ = match sub {
        "clusterip" => "ClusterIP",
        "nodeport" => "NodePort",
        "loadbalancer" => "LoadBalancer",
        "externalname" => "ExternalName",
        other => {
            return out.fail(format!(
                "error: unknown command \"{other}\" for \"kubectl create service\"\nSee 'kubectl create service -h' for help and examples"
            ));
        }
    };
    let names = &args.positional[2..];
    let [name] = names else {
        return out.fail(format!(
            "error: exactly one NAME is required, got {}\nSee 'kubectl create service {sub} -h' for help and examples",
            names.len()
        ));
    };
    // Flags only some subcommands have.
    for (flag_name, allowed) in
        [("node-port", "nodeport"), ("clusterip", "clusterip"), ("external-name", "externalname")]
    {
        if args.get(flag_name).is_some() && sub != allowed {
            return out.fail(format!(
                "error: unknown flag: --{flag_name}\nSee 'kubectl create service {sub} --help' for usage."
            ));
        }
    }
    let cluster_ip = args.get("clusterip").map(str::to_string);
    let tcp: Vec<String> = args.all("tcp").iter().flat_map(|t| t.split(',')).map(str::to_string).collect();
    if cluster_ip.as_deref() == Some("None") && type_ != "ClusterIP" {
        return out.fail("error: ClusterIP=None can only be used with ClusterIP service type");
    }
    if cluster_ip.as_deref() != Some("None") && tcp.is_empty() && type_ != "ExternalName" {
        return out.fail("error: at least one tcp port specifier must be provided");
    }
    let external_name = args.get("external-name").map(str::to_string);
    if type_ == "ExternalName" && external_name.as_deref().is_none_or(|n| n.is_empty()) {
        return out.fail(format!("error: invalid service external name {}", external_name.unwrap_or_default()));
    }
    let node_port = match args.get("node-port").map(str::parse::<i32>) {
        None | Some(Ok(0)) => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            let v = args.get("node-port").unwrap_or_default();
            return out.fail(format!(
                "error: invalid argument \"{v}\" for \"--node-port\" flag: strconv.ParseInt: parsing \"{v}\": invalid syntax\nSee 'kubectl create service nodeport --help' for usage."
            ));
        }
    };
    let mut ports = Vec::new();
    for spec in &tcp {
        match parse_service_port(spec) {
            Ok((port, target)) => ports.push(ServicePort {
                name: Some(spec.replace(':', "-")),
                protocol: Some("TCP".into()),
                port,
                target_port: Some(target),
                node_port,
                app_protocol: None,
            }),
            Err(e) => return out.fail(format!("error: {e}")),
        }
    }
    let app = BTreeMap::from([("app".to_string(), name.clone())]);
    let svc = Service {
        metadata: ObjectMeta {
            name: name.as_str().into(),
            namespace: args.get("namespace").unwrap_or_default().into(),
            labels: app.clone().into(),
            ..Default::default()
        },
        spec: ServiceSpec {
            type_: Some(type_.into()),
            selector: app,
            ports,
            cluster_ip,
            external_name,
            ..Default::default()
        },
        ..Default::default()
    };
    create_or_print(cluster, cause, args, Object::from(svc), out, "kubectl create service");
}

/// Container name kubectl derives from an image: `nginx:1.27` → `nginx`.
fn container_name_for(image: &str) -> String {
    let base = image.split('@').next().unwrap_or(image);
    let base = base.rsplit('/').next().unwrap_or(base);
    let base = base.split(':').next().unwrap_or(base);
    base.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

/// The length of a label map as JSON, which decides between "labeled" and "unlabeled".
fn json_len(map: &BTreeMap<String, String>) -> usize {
    serde_json::to_string(map).map_or(0, |s| s.len())
}

/// `cmdutil.GetResourcesAndPairs`: the resource words, then the `k=v` / `k-` pairs.
fn resources_and_pairs(words: &[String], pair_type: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let (mut resources, mut pairs) = (Vec::new(), Vec::new());
    for w in words {
        let pair = (w.contains('=') && !w.starts_with('=')) || (w.ends_with('-') && w != "-");
        match (pairs.is_empty(), pair) {
            (_, true) => pairs.push(w.clone()),
            (true, false) => resources.push(w.clone()),
            (false, false) => {
                return Err(format!("error: all resources must be specified before {pair_type} changes: {w}"));
            }
        }
    }
    Ok((resources, pairs))
}

/// The objects a verb names: `TYPE NAME...`, `TYPE/NAME...`, or `TYPE` with `-l`/`--all`
/// (resource.Builder's `ResourceTypeOrNameArgs`, `LabelSelectorParam`, `AllNamespaces`).
/// Names that do not exist are reported and skipped.
pub(super) fn builder_targets(
    cluster: &Cluster,
    resources: &[String],
    args: &Args,
    out: &mut CmdOutput,
) -> Option<Vec<std::rc::Rc<Object>>> {
    let all = args.is_set("all");
    let selector_text = args.get("selector");
    if all && selector_text.is_some() {
        out.fail("error: cannot set --all and --selector at the same time");
        return None;
    }
    let (kind, names) = kind_and_names(resources, out)?;
    let ns = namespace_of(args);
    let all_ns = args.is_set("all-namespaces");
    if !names.is_empty() {
        if selector_text.is_some() {
            out.fail("error: name cannot be provided when a selector is specified");
            return None;
        }
        let mut found = Vec::new();
        for name in names {
            match cluster.api().get(&ObjKey::new(kind, &ns, &name)) {
                Some(o) => found.push(o.clone()),
                None => out.fail_later(crate::apiserver::ApiError::NotFound { kind, name }.to_string()),
            }
        }
        return Some(found);
    }
    if selector_text.is_none() && !all {
        out.fail("error: resource(s) were provided, but no name was specified");
        return None;
    }
    let selector = match selector_text.map(selector::parse).transpose() {
        Ok(s) => s,
        Err(e) => {
            out.fail(format!("error: {e}"));
            return None;
        }
    };
    let scope = (!all_ns).then_some(ns.as_str());
    Some(
        cluster
            .api()
            .list(kind, scope)
            .filter(|o| selector.as_ref().is_none_or(|s| s.matches(&o.meta().labels)))
            .cloned()
            .collect(),
    )
}

/// `kubectl label|annotate (TYPE NAME | TYPE/NAME | TYPE -l SELECTOR | TYPE --all) k=v k2-
/// [--overwrite] [-A]`, with label.go's and annotate.go's checks and messages.
pub fn label(cluster: &mut Cluster, cause: u64, words: &[String], out: &mut CmdOutput, verb: &str) {
    let specs = [
        flag("overwrite", None, false),
        flag("all", None, false),
        flag("selector", Some('l'), true),
        flag("all-namespaces", Some('A'), false),
    ];
    let Some(args) = parse_flags(verb, words, &specs, out) else { return };
    let pair_type = if verb == "label" { "label" } else { "annotation" };
    let (targets, changes) = match resources_and_pairs(&args.positional, pair_type) {
        Ok(split) => split,
        Err(e) => return out.fail(e),
    };
    // `parseLabels` / `ParsePairs`: `k=v` (a label value holds no `=`) or `k-`.
    let mut set: BTreeMap<String, String> = BTreeMap::new();
    let mut remove: Vec<String> = Vec::new();
    for change in &changes {
        if let Some((k, v)) = change.split_once('=') {
            if verb == "label" && v.contains('=') {
                return out.fail(format!("error: invalid label spec: {change}"));
            }
            set.insert(k.to_string(), v.to_string());
        } else if let Some(k) = change.strip_suffix('-') {
            remove.push(k.to_string());
        }
    }
    if args.is_set("all") && args.get("selector").is_some() {
        return out.fail("error: cannot set --all and --selector at the same time");
    }
    if targets.is_empty() {
        return out.fail("error: one or more resources must be specified as <resource> <name> or <resource>/<name>");
    }
    if changes.is_empty() {
        return out.fail(format!("error: at least one {pair_type} update is required"));
    }
    let both: Vec<&str> = remove.iter().filter(|k| set.contains_key(*k)).map(String::as_str).collect();
    if !both.is_empty() {
        return out.fail(if verb == "label" {
            "error: can not both modify and remove a label in the same command".to_string()
        } else {
            format!(
                "error: can not both modify and remove the following annotation(s) in the same command: {}",
                both.join(", ")
            )
        });
    }
    let Some(objects) = builder_targets(cluster, &targets, &args, out) else { return };
    let mut errors = Vec::new();
    for live in objects {
        let kind = live.kind();
        let id = format!("{}/{}", kind.kubectl_name(), live.meta().name);
        let mut obj = (*live).clone();
        let is_label = verb == "label";
        let map = if is_label { &mut obj.meta_mut().labels } else { &mut obj.meta_mut().annotations };
        if is_label {
            for k in remove.iter().filter(|k| !map.contains_key(*k)) {
                out.out(format!("label \"{k}\" not found."));
            }
        }
        if !args.is_set("overwrite") {
            // Any value already there is refused, even an equal one; annotate always lets
            // the change-cause through.
            let taken: Vec<String> = set
                .keys()
                .filter(|k| is_label || k.as_str() != crate::controllers::deployment::CHANGE_CAUSE)
                .filter_map(|k| map.get(k).map(|old| format!("'{k}' already has a value ({old})")))
                .collect();
            if !taken.is_empty() {
                errors.push(if is_label {
                    let each: Vec<String> = taken.iter().map(|t| format!("{t}, and --overwrite is false")).collect();
                    if each.len() == 1 { each[0].clone() } else { format!("[{}]", each.join(", ")) }
                } else {
                    format!("--overwrite is false but found the following declared annotation(s): {}", taken.join("; "))
                });
                continue;
            }
        }
        let before = map.clone();
        map.extend(set.clone());
        for k in &remove {
            map.remove(k);
        }
        // `updateDataChangeMsg`: unchanged, changed, or (without --overwrite) smaller.
        let past = match (is_label, *map == before) {
            (false, _) => "annotated",
            (true, true) => "not labeled",
            (true, false) if !args.is_set("overwrite") && json_len(map) < json_len(&before) => "unlabeled",
            (true, false) => "labeled",
        };
        match cluster.with_ctx("kubectl", cause, |ctx| ctx.update(obj, &format!("kubectl {verb}"))) {
            Ok(written) => {
                out.wrote |= written.is_some();
                out.out(format!("{id} {past}"));
            }
            Err(e) => out.fail(e.to_string()),
        }
    }
    for e in errors {
        out.fail_later(format!("error: {e}"));
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
        Object::Pod(p) => Ok((*p.metadata.labels).clone()),
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
                name: args.get("name").map_or_else(|| name.clone(), str::to_string).into(),
                namespace: ns.as_str().into(),
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
            _ => match cluster.with_ctx("kubectl", cause, |ctx| ctx.create(Object::from(svc), "kubectl expose")) {
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
