//! Containers, volumes and pod templates, shared by the Pod, Deployment and ReplicaSet
//! describers (`describeContainers`, `describeVolumes`, `DescribePodTemplate`).

use serde_json::Value;

use crate::api::apps::PodTemplateSpec;
use crate::api::core::{Container, ContainerPort, ContainerState, ContainerStatus, EnvVar, Pod, PodIp};
use crate::api::meta::parse_quantity_milli;
use crate::api::or_empty;

use super::{Writer, annotations_multiline, labels_multiline, rfc1123, tolerations_multiline};
use crate::kubectl::print::format::{Amount, canonical_quantity};

/// `DescribePodTemplate`: the `Pod Template:` block of Deployments and ReplicaSets.
pub(super) fn describe_pod_template(w: &mut Writer, template: &PodTemplateSpec) {
    let (meta, spec) = (&template.metadata, &template.spec);
    w.line(0, "Pod Template:");
    labels_multiline(w, "  Labels", &meta.labels);
    if !meta.annotations.is_empty() {
        annotations_multiline(w, "  Annotations", &meta.annotations);
    }
    if let Some(sa) = spec.service_account_name.as_deref().filter(|s| !s.is_empty()) {
        w.line(1, &format!("Service Account:\t{sa}"));
    }
    if !spec.init_containers.is_empty() {
        describe_containers(w, "Init Containers", &spec.init_containers, None, None, "  ");
    }
    describe_containers(w, "Containers", &spec.containers, None, None, "  ");
    describe_volumes(w, spec.volumes.as_deref(), "  ");
    if let Some(class) = spec.priority_class_name.as_deref().filter(|c| !c.is_empty()) {
        w.line(1, &format!("Priority Class Name:\t{class}"));
    }
    labels_multiline(w, "  Node-Selectors", &spec.node_selector);
    tolerations_multiline(w, "  Tolerations", &spec.tolerations);
}

/// `describeContainers`: one block per container. `statuses` is `None` for templates;
/// `pod` resolves `fieldRef` environment values.
pub(super) fn describe_containers(
    w: &mut Writer,
    label: &str,
    containers: &[Container],
    statuses: Option<&[ContainerStatus]>,
    pod: Option<&Pod>,
    space: &str,
) {
    let none = if containers.is_empty() { " <none>" } else { "" };
    w.line(0, &format!("{space}{label}:{none}"));
    for c in containers {
        let status = statuses.and_then(|s| s.iter().find(|s| s.name == c.name));
        container_basics(w, c, status, space);
        container_command(w, c);
        if let Some(status) = status {
            container_state(w, status);
        }
        container_resources(w, c);
        container_probes(w, c);
        container_env_from(w, c);
        container_env(w, c, pod);
        container_mounts(w, c);
    }
}

/// Name, IDs, image, ports.
fn container_basics(w: &mut Writer, c: &Container, status: Option<&ContainerStatus>, space: &str) {
    let name_indent = if space.is_empty() { "" } else { " " };
    w.line(1, &format!("{name_indent}{}:", c.name));
    if let Some(s) = status {
        let id = s.container_id.as_deref().unwrap_or("");
        w.line(2, &format!("Container ID:\t{id}"));
    }
    w.line(2, &format!("Image:\t{}", c.image.as_deref().unwrap_or("")));
    if let Some(s) = status {
        w.line(2, &format!("Image ID:\t{}", s.image_id));
    }
    let ports = port_list(c, |p| p.container_port);
    let host_ports = port_list(c, |p| p.host_port.unwrap_or(0));
    for (singular, plural, text) in [("Port", "Ports", ports), ("Host Port", "Host Ports", host_ports)] {
        if text.contains(',') {
            w.line(2, &format!("{plural}:\t{text}"));
        } else {
            let text = if text.is_empty() { "<none>".into() } else { text };
            w.line(2, &format!("{singular}:\t{text}"));
        }
    }
}

/// `80/TCP (http), 443/TCP` with the port number `number` picks.
fn port_list(c: &Container, number: impl Fn(&ContainerPort) -> i32) -> String {
    c.ports
        .iter()
        .map(|p| {
            let text = format!("{}/{}", number(p), p.protocol.as_deref().unwrap_or(""));
            match p.name.as_deref().filter(|n| !n.is_empty()) {
                Some(name) => format!("{text} ({name})"),
                None => text,
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn container_command(w: &mut Writer, c: &Container) {
    for (title, items) in [("Command", &c.command), ("Args", &c.args)] {
        if items.is_empty() {
            continue;
        }
        w.line(2, &format!("{title}:"));
        for line in items.iter().flat_map(|item| item.split('\n')) {
            w.line(3, line);
        }
    }
}

/// State, Last State, Ready, Restart Count.
fn container_state(w: &mut Writer, status: &ContainerStatus) {
    describe_state(w, "State", &status.state);
    if status.last_state.terminated.is_some() {
        describe_state(w, "Last State", &status.last_state);
    }
    let ready = if status.ready { "True" } else { "False" };
    w.line(2, &format!("Ready:\t{ready}"));
    w.line(2, &format!("Restart Count:\t{}", status.restart_count));
}

/// `describeStatus`.
fn describe_state(w: &mut Writer, title: &str, state: &ContainerState) {
    if let Some(running) = &state.running {
        w.line(2, &format!("{title}:\tRunning"));
        w.line(3, &format!("Started:\t{}", rfc1123(running.started_at)));
    } else if let Some(waiting) = &state.waiting {
        w.line(2, &format!("{title}:\tWaiting"));
        if let Some(reason) = waiting.reason.as_deref().filter(|r| !r.is_empty()) {
            w.line(3, &format!("Reason:\t{reason}"));
        }
    } else if let Some(t) = &state.terminated {
        w.line(2, &format!("{title}:\tTerminated"));
        if let Some(reason) = t.reason.as_deref().filter(|r| !r.is_empty()) {
            w.line(3, &format!("Reason:\t{reason}"));
        }
        if let Some(message) = t.message.as_deref().filter(|m| !m.is_empty()) {
            w.line(3, &format!("Message:\t{message}"));
        }
        w.line(3, &format!("Exit Code:\t{}", t.exit_code));
        if let Some(signal) = t.signal.filter(|s| *s > 0) {
            w.line(3, &format!("Signal:\t{signal}"));
        }
        w.line(3, &format!("Started:\t{}", rfc1123(t.started_at)));
        w.line(3, &format!("Finished:\t{}", rfc1123(t.finished_at)));
    } else {
        w.line(2, &format!("{title}:\tWaiting"));
    }
}

/// `Limits:` and `Requests:`, sorted by resource name.
fn container_resources(w: &mut Writer, c: &Container) {
    let Some(res) = &c.resources else {
        return;
    };
    for (title, list) in [("Limits", &res.limits), ("Requests", &res.requests)] {
        if list.is_empty() {
            continue;
        }
        w.line(2, &format!("{title}:"));
        for (name, q) in list {
            w.line(3, &format!("{name}:\t{}", canonical_quantity(&q.0)));
        }
    }
}

fn container_probes(w: &mut Writer, c: &Container) {
    let probes = [("Liveness", &c.liveness_probe), ("Readiness", &c.readiness_probe), ("Startup", &c.startup_probe)];
    for (title, probe) in probes {
        if let Some(probe) = probe {
            w.line(2, &format!("{title}:\t{}", describe_probe(probe)));
        }
    }
}

/// `DescribeProbe`, with the apiserver's probe defaults for fields left out.
fn describe_probe(probe: &Value) -> String {
    let num = |key: &str, default: i64| probe[key].as_i64().unwrap_or(default);
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        num("initialDelaySeconds", 0),
        num("timeoutSeconds", 1),
        num("periodSeconds", 10),
        num("successThreshold", 1),
        num("failureThreshold", 3),
    );
    let port = |action: &Value| match &action["port"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    if let Some(exec) = probe.get("exec") {
        let command: Vec<&str> =
            exec["command"].as_array().map(|c| c.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        return format!("exec [{}] {attrs}", command.join(" "));
    }
    if let Some(http) = probe.get("httpGet") {
        let scheme = http["scheme"].as_str().unwrap_or("HTTP").to_lowercase();
        let host = http["host"].as_str().unwrap_or("");
        let path = http["path"].as_str().unwrap_or("/");
        return format!("http-get {scheme}://{}{path} {attrs}", join_host_port(host, &port(http)));
    }
    if let Some(tcp) = probe.get("tcpSocket") {
        let host = tcp["host"].as_str().unwrap_or("");
        return format!("tcp-socket {host}:{} {attrs}", port(tcp));
    }
    if let Some(grpc) = probe.get("grpc") {
        let service = grpc["service"].as_str().unwrap_or("");
        return format!("grpc <pod>:{} {service} {attrs}", port(grpc));
    }
    format!("unknown {attrs}")
}

/// `net.JoinHostPort`: brackets IPv6 hosts.
fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

/// `Environment Variables from:` for `envFrom` sources.
fn container_env_from(w: &mut Writer, c: &Container) {
    let Some(sources) = c.env_from.as_ref().and_then(Value::as_array) else {
        return;
    };
    if sources.is_empty() {
        return;
    }
    w.line(2, "Environment Variables from:");
    for source in sources {
        let (from, reference) = if source.get("configMapRef").is_some() {
            ("ConfigMap", &source["configMapRef"])
        } else if source.get("secretRef").is_some() {
            ("Secret", &source["secretRef"])
        } else {
            ("", &Value::Null)
        };
        let name = reference["name"].as_str().unwrap_or("");
        let optional = reference["optional"].as_bool().unwrap_or(false);
        match source["prefix"].as_str().filter(|p| !p.is_empty()) {
            Some(prefix) => w.line(3, &format!("{name}\t{from} with prefix '{prefix}'\tOptional: {optional}")),
            None => w.line(3, &format!("{name}\t{from}\tOptional: {optional}")),
        }
    }
}

/// `Environment:` variables, resolving `fieldRef`s against the pod when there is one.
fn container_env(w: &mut Writer, c: &Container, pod: Option<&Pod>) {
    if c.env.is_empty() {
        w.line(2, "Environment:\t<none>");
        return;
    }
    w.line(2, "Environment:");
    for e in &c.env {
        let Some(from) = &e.value_from else {
            let value = e.value.as_deref().unwrap_or("");
            for (i, part) in value.split('\n').enumerate() {
                if i == 0 {
                    w.line(3, &format!("{}:\t{part}", e.name));
                } else {
                    w.line(3, &format!("\t{part}"));
                }
            }
            continue;
        };
        if let Some(text) = env_value_from(e, from, c, pod) {
            w.line(3, &text);
        }
    }
}

/// One `valueFrom` variable line.
fn env_value_from(e: &EnvVar, from: &Value, c: &Container, pod: Option<&Pod>) -> Option<String> {
    let name = &e.name;
    if let Some(field) = from.get("fieldRef") {
        let api_version = field["apiVersion"].as_str().unwrap_or("v1");
        let path = field["fieldPath"].as_str().unwrap_or("");
        let value = pod.map(|p| pod_field(p, path)).unwrap_or_default();
        return Some(format!("{name}:\t{value} ({api_version}:{path})"));
    }
    if let Some(field) = from.get("resourceFieldRef") {
        let resource = field["resource"].as_str().unwrap_or("");
        let mut value = container_resource_value(c, resource, field["divisor"].as_str());
        if value == "0" && matches!(resource, "limits.cpu" | "limits.memory") {
            value = "node allocatable".into();
        }
        return Some(format!("{name}:\t{value} ({resource})"));
    }
    let key_ref = |kind: &str, what: &str| {
        let r = &from[kind];
        let optional = r["optional"].as_bool().unwrap_or(false);
        format!(
            "{name}:\t<set to the key '{}' {what} '{}'>\tOptional: {optional}",
            r["key"].as_str().unwrap_or(""),
            r["name"].as_str().unwrap_or("")
        )
    };
    if from.get("secretKeyRef").is_some() {
        return Some(key_ref("secretKeyRef", "in secret"));
    }
    if from.get("configMapKeyRef").is_some() {
        return Some(key_ref("configMapKeyRef", "of config map"));
    }
    None
}

/// The downward-API value of `path` for `pod` (empty when unsupported).
fn pod_field(pod: &Pod, path: &str) -> String {
    let (meta, status) = (&pod.metadata, &pod.status);
    let keyed = |prefix: &str, map: &std::collections::BTreeMap<String, String>| {
        path.strip_prefix(prefix).and_then(|rest| rest.strip_suffix("']")).and_then(|key| map.get(key).cloned())
    };
    if let Some(v) = keyed("metadata.labels['", &meta.labels) {
        return v;
    }
    if let Some(v) = keyed("metadata.annotations['", &meta.annotations) {
        return v;
    }
    let join = |ips: &[PodIp]| ips.iter().map(|ip| ip.ip.as_str()).collect::<Vec<_>>().join(",");
    match path {
        "metadata.name" => meta.name.to_string(),
        "metadata.namespace" => meta.namespace.to_string(),
        "metadata.uid" => meta.uid.to_string(),
        "spec.nodeName" => or_empty(&pod.spec.node_name).to_string(),
        "spec.serviceAccountName" => or_empty(&pod.spec.service_account_name).to_string(),
        "status.hostIP" => or_empty(&status.host_ip).to_string(),
        "status.hostIPs" => join(&status.host_ips),
        "status.podIP" => or_empty(&status.pod_ip).to_string(),
        "status.podIPs" => join(&status.pod_ips),
        _ => String::new(),
    }
}

/// `ExtractContainerResourceValue`: the container's request or limit in units of
/// `divisor` (default 1), rounded up.
fn container_resource_value(c: &Container, resource: &str, divisor: Option<&str>) -> String {
    let Some((kind, name)) = resource.split_once('.') else {
        return String::new();
    };
    let res = c.resources.clone().unwrap_or_default();
    let list = match kind {
        "limits" => &res.limits,
        "requests" => &res.requests,
        _ => return String::new(),
    };
    if !matches!(name, "cpu" | "memory" | "ephemeral-storage") {
        return String::new();
    }
    let amount = list.get(name).and_then(|q| Amount::parse(&q.0));
    let divisor = divisor.and_then(parse_quantity_milli).filter(|d| *d != 0).unwrap_or(1000);
    let value = match (name, amount) {
        (_, None) => 0,
        ("cpu", Some(a)) => ceil_div(a.milli, divisor),
        (_, Some(a)) => ceil_div(a.value(), Amount { milli: divisor, format: a.format }.value()),
    };
    value.to_string()
}

fn ceil_div(a: i128, b: i128) -> i128 {
    if b == 0 {
        return 0;
    }
    a.div_euclid(b) + i128::from(a.rem_euclid(b) != 0)
}

/// `Mounts:`, sorted by mount path.
fn container_mounts(w: &mut Writer, c: &Container) {
    let mut mounts: Vec<&Value> =
        c.volume_mounts.as_ref().and_then(Value::as_array).map(|m| m.iter().collect()).unwrap_or_default();
    if mounts.is_empty() {
        w.line(2, "Mounts:\t<none>");
        return;
    }
    w.line(2, "Mounts:");
    mounts.sort_by_key(|m| m["mountPath"].as_str().unwrap_or("").to_string());
    for m in mounts {
        let mut flags = vec![if m["readOnly"].as_bool() == Some(true) { "ro".to_string() } else { "rw".to_string() }];
        if let Some(sub) = m["subPath"].as_str().filter(|s| !s.is_empty()) {
            flags.push(format!("path={sub:?}"));
        }
        w.line(
            3,
            &format!(
                "{} from {} ({})",
                m["mountPath"].as_str().unwrap_or(""),
                m["name"].as_str().unwrap_or(""),
                flags.join(",")
            ),
        );
    }
}

/// `describeVolumes` for the volume sources kubesim users write.
pub(super) fn describe_volumes(w: &mut Writer, volumes: Option<&Value>, space: &str) {
    let volumes: Vec<&Value> = volumes.and_then(Value::as_array).map(|v| v.iter().collect()).unwrap_or_default();
    if volumes.is_empty() {
        w.line(0, &format!("{space}Volumes:\t<none>"));
        return;
    }
    w.line(0, &format!("{space}Volumes:"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in volumes {
        w.line(1, &format!("{name_indent}{}:", v["name"].as_str().unwrap_or("")));
        match volume_source(v) {
            Some(text) => w.write(2, &text),
            None => w.line(1, "<unknown>"),
        }
    }
}

/// The `Type:` line and the fields of one volume source, each line ending in a newline;
/// `None` for a source kind this printer does not know.
fn volume_source(v: &Value) -> Option<String> {
    let s = |source: &Value, key: &str| match &source[key] {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let flag = |source: &Value, key: &str| source[key].as_bool().unwrap_or(false);
    if let Some(src) = v.get("emptyDir") {
        let limit = src["sizeLimit"].as_str().map_or("<unset>".into(), canonical_quantity);
        return Some(format!(
            "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{limit}\n",
            s(src, "medium")
        ));
    }
    if let Some(src) = v.get("hostPath") {
        let kind = src["type"].as_str().unwrap_or("<none>");
        return Some(format!(
            "Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{kind}\n",
            s(src, "path")
        ));
    }
    if let Some(src) = v.get("secret") {
        return Some(format!(
            "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
            s(src, "secretName"),
            flag(src, "optional")
        ));
    }
    if let Some(src) = v.get("configMap") {
        return Some(format!(
            "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
            s(src, "name"),
            flag(src, "optional")
        ));
    }
    if let Some(src) = v.get("persistentVolumeClaim") {
        return Some(format!(
            "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n",
            s(src, "claimName"),
            flag(src, "readOnly")
        ));
    }
    if let Some(src) = v.get("projected") {
        return Some(projected_source(src));
    }
    None
}

/// A projected volume: one entry per source. v1.32 prints the sources' `optional`
/// pointers as they are, so an unset one reads `<nil>`.
fn projected_source(src: &Value) -> String {
    let mut out = "Type:\tProjected (a volume that contains injected data from multiple sources)\n".to_string();
    let optional = |r: &Value| r["optional"].as_bool().map_or_else(|| "<nil>".to_string(), |b| b.to_string());
    for source in src["sources"].as_array().into_iter().flatten() {
        let name = |r: &Value| r["name"].as_str().unwrap_or("").to_string();
        if let Some(r) = source.get("secret") {
            out += &format!("    SecretName:\t{}\n    SecretOptionalName:\t{}\n", name(r), optional(r));
        } else if source.get("downwardAPI").is_some() {
            out += "    DownwardAPI:\ttrue\n";
        } else if let Some(r) = source.get("configMap") {
            out += &format!("    ConfigMapName:\t{}\n    ConfigMapOptional:\t{}\n", name(r), optional(r));
        } else if let Some(r) = source.get("serviceAccountToken") {
            let seconds = r["expirationSeconds"].as_i64().unwrap_or(3600);
            out += &format!("    TokenExpirationSeconds:\t{seconds}\n");
        }
    }
    out
}
