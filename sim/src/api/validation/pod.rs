//! Pods and pod templates: `ValidatePodCreate`, `ValidatePodUpdate`, `ValidatePodSpec`
//! and `ValidatePodTemplateSpec` upstream. The template of a Deployment or ReplicaSet is
//! validated by the same [`pod_spec`] under `spec.template.spec`.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use super::field::{
    Bad, Errs, NameFormat, Path, dns1123_label, go_pointer, go_quote, inclusive_range_error, label_value, port_name,
    port_num, qualified_name, text,
};
use super::meta::{annotations, labels, object_meta, object_meta_update};
use super::resources;
use crate::api::Str;
use crate::api::apps::PodTemplateSpec;
use crate::api::core::{Container, Pod, PodSpec, Toleration};

/// `spec` of a pod may change only in these ways (`updatablePodSpecFields`, v1.32 with the
/// InPlacePodVerticalScaling gate off).
const UPDATABLE_POD_SPEC_FIELDS: &str = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

const DELETION_COST_ANNOTATION: &str = "controller.kubernetes.io/pod-deletion-cost";

const MAX_INT32: i64 = i32::MAX as i64;

/// `ValidatePodCreate`.
pub(super) fn pod_create(e: &mut Errs, pod: &Pod) {
    pod_metadata_and_spec(e, pod);
}

/// `validatePodMetadataAndSpec`: everything a stored pod must satisfy.
fn pod_metadata_and_spec(e: &mut Errs, pod: &Pod) {
    let meta = Path::new("metadata");
    let spec = Path::new("spec");
    object_meta(e, &pod.metadata, true, NameFormat::Subdomain, &meta);
    pod_specific_annotations(e, &pod.metadata.annotations, &meta.child("annotations"));
    pod_spec(e, &pod.spec, &spec);
    // Checks only for pods, not for templates (kept out of templates for compatibility).
    for (list, name) in [(&pod.spec.containers[..], "containers"), (&pod.spec.init_containers[..], "initContainers")] {
        for (i, c) in list.iter().enumerate() {
            image_whitespace(e, c, &spec.child(name).index(i));
        }
    }
}

/// `validateContainerOnlyForPod`.
fn image_whitespace(e: &mut Errs, c: &Container, path: &Path) {
    let image = text(&c.image);
    if image.trim() != image {
        e.invalid(&path.child("image"), image, "must not have leading or trailing whitespace");
    }
}

/// `ValidatePodSpecificAnnotations`: the deletion cost must be a 32-bit integer.
fn pod_specific_annotations(e: &mut Errs, annotations: &BTreeMap<String, String>, path: &Path) {
    if let Some(cost) = annotations.get(DELETION_COST_ANNOTATION) {
        // No `+` sign and no leading zeros, then a 32-bit integer.
        let first_ok = match cost.as_bytes() {
            [] => false,
            [b'0'] => true,
            [first, ..] => *first == b'-' || (b'1'..=b'9').contains(first),
        };
        if !first_ok || cost.parse::<i32>().is_err() {
            e.invalid(&path.key(DELETION_COST_ANNOTATION), cost, "must be a 32bit integer");
        }
    }
}

/// `ValidatePodTemplateSpec` plus the checks every ReplicaSet template gets
/// (`ValidatePodTemplateSpecForReplicaSet`, less the selector match done by the caller).
pub(super) fn replica_set_template(e: &mut Errs, template: &PodTemplateSpec, path: &Path) {
    // Upstream reports template labels and annotations at `<path>.labels`, without `metadata`.
    labels(e, &template.metadata.labels, &path.child("labels"));
    annotations(e, &template.metadata.annotations, &path.child("annotations"));
    pod_specific_annotations(e, &template.metadata.annotations, &path.child("annotations"));
    let spec = path.child("spec");
    pod_spec(e, &template.spec, &spec);
    let restart = text(&template.spec.restart_policy);
    if restart != "Always" {
        e.not_supported(&spec.child("restartPolicy"), restart, &["Always"]);
    }
    if template.spec.active_deadline_seconds.is_some() {
        e.forbidden(&spec.child("activeDeadlineSeconds"), "activeDeadlineSeconds in ReplicaSet is not Supported");
    }
}

/// `ValidatePodSpec`, for a pod (`spec`) or a template (`spec.template.spec`).
pub(super) fn pod_spec(e: &mut Errs, spec: &PodSpec, path: &Path) {
    if spec.termination_grace_period_seconds.is_none() {
        e.required(&path.child("terminationGracePeriodSeconds"), "");
    }
    containers(e, &spec.containers, &path.child("containers"));
    init_containers(e, &spec.init_containers, &spec.containers, &path.child("initContainers"));
    host_network_ports(e, spec, path);
    match text(&spec.restart_policy) {
        "Always" | "OnFailure" | "Never" => {}
        "" => e.required(&path.child("restartPolicy"), ""),
        other => e.not_supported(&path.child("restartPolicy"), other, &["Always", "OnFailure", "Never"]),
    }
    match text(&spec.dns_policy) {
        "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" | "None" => {}
        "" => e.required(&path.child("dnsPolicy"), ""),
        other => e.not_supported(
            &path.child("dnsPolicy"),
            other,
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        ),
    }
    labels(e, &spec.node_selector, &path.child("nodeSelector"));
    if text(&spec.dns_policy) == "None" && spec.dns_config.is_none() {
        e.required(&path.child("dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None");
    }
    subdomain_field(e, &spec.service_account_name, &path.child("serviceAccountName"));
    subdomain_field(e, &spec.node_name, &path.child("nodeName"));
    if let Some(seconds) = spec.active_deadline_seconds
        && !(1..=MAX_INT32).contains(&seconds)
    {
        e.invalid(&path.child("activeDeadlineSeconds"), seconds, &inclusive_range_error(1, MAX_INT32));
    }
    for (value, name) in [(&spec.hostname, "hostname"), (&spec.subdomain, "subdomain")] {
        let value = text(value);
        if !value.is_empty() {
            e.invalid_each(&path.child(name), value, dns1123_label(value));
        }
    }
    tolerations(e, &spec.tolerations, &path.child("tolerations"));
    subdomain_field(e, &spec.priority_class_name, &path.child("priorityClassName"));
    if let Some(policy) = &spec.preemption_policy {
        match policy.as_str() {
            "PreemptLowerPriority" | "Never" => {}
            "" => e.required(&path.child("preemptionPolicy"), ""),
            other => e.not_supported(&path.child("preemptionPolicy"), other, &["PreemptLowerPriority", "Never"]),
        }
    }
}

/// A name field checked as a DNS subdomain when it is set.
fn subdomain_field(e: &mut Errs, value: &Option<Str>, path: &Path) {
    let value = text(value);
    if !value.is_empty() {
        e.invalid_each(path, value, NameFormat::Subdomain.check(value, false));
    }
}

/// `validateContainers`.
fn containers(e: &mut Errs, list: &[Container], path: &Path) {
    if list.is_empty() {
        e.required(path, "");
        return;
    }
    let mut names = BTreeSet::new();
    for (i, c) in list.iter().enumerate() {
        let p = path.index(i);
        container_common(e, c, &p);
        if !names.insert(c.name.as_str()) {
            e.duplicate(&p.child("name"), &c.name, "");
        }
    }
    host_port_conflicts(e, list.iter().enumerate(), path);
}

/// `validateInitContainers` (kubesim's containers have no `restartPolicy`, so no init
/// container is a sidecar).
fn init_containers(e: &mut Errs, list: &[Container], regular: &[Container], path: &Path) {
    let mut names: BTreeSet<&str> = regular.iter().map(|c| c.name.as_str()).collect();
    for (i, c) in list.iter().enumerate() {
        let p = path.index(i);
        container_common(e, c, &p);
        if names.contains(c.name.as_str()) {
            e.duplicate(&p.child("name"), &c.name, "");
        } else if !c.name.is_empty() {
            names.insert(c.name.as_str());
        }
        // Init containers run one by one, so their host ports are checked one by one.
        host_port_conflicts(e, std::iter::once((i, c)), path);
        let handlers = [
            ("lifecycle", c.lifecycle.is_some()),
            ("livenessProbe", c.liveness_probe.is_some()),
            ("readinessProbe", c.readiness_probe.is_some()),
            ("startupProbe", c.startup_probe.is_some()),
        ];
        for (field, set) in handlers {
            if set {
                e.forbidden(&p.child(field), "may not be set for init containers without restartPolicy=Always");
            }
        }
    }
}

/// `validateContainerCommon`: what every container needs.
fn container_common(e: &mut Errs, c: &Container, path: &Path) {
    let name = path.child("name");
    if c.name.is_empty() {
        e.required(&name, "");
    } else {
        e.invalid_each(&name, &c.name, dns1123_label(&c.name));
    }
    if text(&c.image).is_empty() {
        e.required(&path.child("image"), "");
    }
    match text(&c.termination_message_policy) {
        "File" | "FallbackToLogsOnError" => {}
        "" => e.required(&path.child("terminationMessagePolicy"), ""),
        other => e.not_supported(&path.child("terminationMessagePolicy"), other, &["File", "FallbackToLogsOnError"]),
    }
    container_ports(e, c, &path.child("ports"));
    env(e, c, &path.child("env"));
    match text(&c.image_pull_policy) {
        "Always" | "IfNotPresent" | "Never" => {}
        "" => e.required(&path.child("imagePullPolicy"), ""),
        other => e.not_supported(&path.child("imagePullPolicy"), other, &["Always", "IfNotPresent", "Never"]),
    }
    if let Some(res) = &c.resources {
        resources::requirements(e, res, &path.child("resources"));
    }
}

/// `validateContainerPorts`.
fn container_ports(e: &mut Errs, c: &Container, path: &Path) {
    let mut names = BTreeSet::new();
    for (i, port) in c.ports.iter().enumerate() {
        let p = path.index(i);
        let name = text(&port.name);
        if !name.is_empty() {
            let msgs = port_name(name);
            if !msgs.is_empty() {
                e.invalid_each(&p.child("name"), name, msgs);
            } else if !names.insert(name) {
                e.duplicate(&p.child("name"), name, "");
            }
        }
        if port.container_port == 0 {
            e.required(&p.child("containerPort"), "");
        } else {
            for msg in port_num(i64::from(port.container_port)) {
                e.invalid(&p.child("containerPort"), port.container_port, &msg);
            }
        }
        if let Some(host_port) = port.host_port.filter(|h| *h != 0) {
            for msg in port_num(i64::from(host_port)) {
                e.invalid(&p.child("hostPort"), host_port, &msg);
            }
        }
        match text(&port.protocol) {
            "TCP" | "UDP" | "SCTP" => {}
            "" => e.required(&p.child("protocol"), ""),
            other => e.not_supported(&p.child("protocol"), other, &["SCTP", "TCP", "UDP"]),
        }
    }
}

/// `ValidateEnv` with relaxed names (RelaxedEnvironmentVariableValidation, beta in v1.32).
fn env(e: &mut Errs, c: &Container, path: &Path) {
    for (i, var) in c.env.iter().enumerate() {
        let item = path.index(i);
        let p = item.child("name");
        if var.name.is_empty() {
            e.required(&p, "");
        } else if var.name.chars().any(|ch| !(' '..='~').contains(&ch) || ch == '=') {
            e.invalid(
                &p,
                &var.name,
                "a valid environment variable name must consist only of printable ASCII characters other than '='",
            );
        }
    }
}

/// `AccumulateUniqueHostPorts`: the same protocol, host IP and host port twice.
fn host_port_conflicts<'a>(e: &mut Errs, list: impl Iterator<Item = (usize, &'a Container)>, path: &Path) {
    let mut seen = BTreeSet::new();
    for (ci, c) in list {
        for (pi, port) in c.ports.iter().enumerate() {
            let Some(host_port) = port.host_port.filter(|h| *h != 0) else { continue };
            let key = format!("{}/{}/{host_port}", text(&port.protocol), text(&port.host_ip));
            if seen.contains(&key) {
                e.duplicate(&path.index(ci).child("ports").index(pi).child("hostPort"), key, "");
            } else {
                seen.insert(key);
            }
        }
    }
}

/// `validatePodHostNetworkDeps`: with the host's network a host port must be the container
/// port. An unset host port is fine (upstream defaults it to the container port).
fn host_network_ports(e: &mut Errs, spec: &PodSpec, path: &Path) {
    if spec.host_network != Some(true) {
        return;
    }
    for (i, c) in spec.containers.iter().enumerate() {
        for (j, port) in c.ports.iter().enumerate() {
            if let Some(host_port) = port.host_port.filter(|h| *h != 0 && *h != port.container_port) {
                let containers = path.child("containers");
                let container = containers.index(i);
                let ports = container.child("ports");
                let port = ports.index(j);
                let p = port.child("hostPort");
                e.invalid(&p, host_port, "must match `containerPort` when `hostNetwork` is true");
            }
        }
    }
}

/// `%#v` of a `core.Toleration`.
fn go_toleration(t: &Toleration) -> String {
    format!(
        "core.Toleration{{Key:{}, Operator:{}, Value:{}, Effect:{}, TolerationSeconds:{}}}",
        go_quote(text(&t.key)),
        go_quote(text(&t.operator)),
        go_quote(text(&t.value)),
        go_quote(text(&t.effect)),
        go_pointer("int64", t.toleration_seconds.is_some())
    )
}

/// `validateTaintEffect`.
pub(super) fn taint_effect(e: &mut Errs, effect: &str, allow_empty: bool, path: &Path) {
    match effect {
        "NoSchedule" | "PreferNoSchedule" | "NoExecute" => {}
        "" if !allow_empty => e.required(path, ""),
        other => e.not_supported(path, other, &["NoSchedule", "PreferNoSchedule", "NoExecute"]),
    }
}

/// `ValidateTolerations`.
fn tolerations(e: &mut Errs, list: &[Toleration], path: &Path) {
    for (i, t) in list.iter().enumerate() {
        let p = path.index(i);
        let (key, operator, value, effect) = (text(&t.key), text(&t.operator), text(&t.value), text(&t.effect));
        if !key.is_empty() {
            e.invalid_each(&p.child("key"), key, qualified_name(key));
        }
        if key.is_empty() && operator != "Exists" {
            e.invalid(
                &p.child("operator"),
                operator,
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            );
        }
        if t.toleration_seconds.is_some() && effect != "NoExecute" {
            e.invalid(&p.child("effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set");
        }
        match operator {
            "Equal" | "" => {
                let msgs = label_value(value);
                if !msgs.is_empty() {
                    e.invalid(&p.child("operator"), value, &msgs.join(";"));
                }
            }
            "Exists" => {
                if !value.is_empty() {
                    e.invalid(
                        &p.child("operator"),
                        Bad::Go(go_toleration(t)),
                        "value must be empty when `operator` is 'Exists'",
                    );
                }
            }
            other => e.not_supported(&p.child("operator"), other, &["Equal", "Exists"]),
        }
        if !effect.is_empty() {
            taint_effect(e, effect, true, &p.child("effect"));
        }
    }
}

/// `ValidatePodUpdate`.
pub(super) fn pod_update(e: &mut Errs, new: &Pod, old: &Pod) {
    let spec = Path::new("spec");
    object_meta_update(e, &new.metadata, &old.metadata, &Path::new("metadata"));
    pod_metadata_and_spec(e, new);
    if !container_updates(e, &new.spec.containers, &old.spec.containers, &spec.child("containers"))
        || !container_updates(e, &new.spec.init_containers, &old.spec.init_containers, &spec.child("initContainers"))
    {
        return;
    }
    let deadline = spec.child("activeDeadlineSeconds");
    match (new.spec.active_deadline_seconds, old.spec.active_deadline_seconds) {
        (Some(n), old_deadline) => {
            if !(0..=MAX_INT32).contains(&n) {
                e.invalid(&deadline, n, &inclusive_range_error(0, MAX_INT32));
                return;
            }
            if old_deadline.is_some_and(|o| o < n) {
                e.invalid(&deadline, n, "must be less than or equal to previous value");
                return;
            }
        }
        (None, Some(_)) => e.invalid(&deadline, Bad::null(), "must not update from a positive integer to nil value"),
        (None, None) => {}
    }
    only_added_tolerations(e, &new.spec.tolerations, &old.spec.tolerations, &spec.child("tolerations"));
    if new.spec == old.spec {
        return;
    }
    // Put back what may change, then anything left over is a forbidden change.
    let mut munged = new.spec.clone();
    for (c, o) in munged.containers.iter_mut().zip(&old.spec.containers) {
        c.image.clone_from(&o.image);
    }
    for (c, o) in munged.init_containers.iter_mut().zip(&old.spec.init_containers) {
        c.image.clone_from(&o.image);
    }
    munged.active_deadline_seconds = old.spec.active_deadline_seconds;
    munged.tolerations.clone_from(&old.spec.tolerations);
    if old.spec.termination_grace_period_seconds.is_some_and(|g| g < 0)
        && munged.termination_grace_period_seconds == Some(1)
    {
        munged.termination_grace_period_seconds = old.spec.termination_grace_period_seconds;
    }
    // Binding a pod (the `pods/binding` subresource upstream) sets nodeName once.
    if old.spec.node_name.is_none() {
        munged.node_name = None;
    }
    if munged != old.spec {
        e.forbidden(&spec, &format!("pod updates may not change fields other than {UPDATABLE_POD_SPEC_FIELDS}"));
    }
}

/// `ValidateContainerUpdates`; false when the container count changed (upstream stops there).
fn container_updates(e: &mut Errs, new: &[Container], old: &[Container], path: &Path) -> bool {
    if new.len() != old.len() {
        e.forbidden(path, "pod updates may not add or remove containers");
        return false;
    }
    for (i, c) in new.iter().enumerate() {
        let image = text(&c.image);
        if image.is_empty() {
            e.required(&path.index(i).child("image"), "");
        }
        if image.trim() != image {
            e.invalid(&path.index(i).child("image"), image, "must not have leading or trailing whitespace");
        }
    }
    true
}

/// `validateOnlyAddedTolerations`: existing tolerations stay, except for their seconds.
fn only_added_tolerations(e: &mut Errs, new: &[Toleration], old: &[Toleration], path: &Path) {
    let kept = old
        .iter()
        .all(|o| new.iter().any(|n| Toleration { toleration_seconds: n.toleration_seconds, ..o.clone() } == *n));
    if !kept {
        e.forbidden(path, "existing toleration can not be modified except its tolerationSeconds");
        return;
    }
    tolerations(e, new, path);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core::{ContainerPort, EnvVar, ResourceRequirements};
    use crate::api::defaults::apply_defaults;
    use crate::api::meta::Quantity;
    use crate::api::object::Object;

    const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    fn container(name: &str, image: &str) -> Container {
        Container { name: name.into(), image: Some(image.into()), ..Default::default() }
    }

    /// A defaulted pod, as the apiserver validates it.
    fn pod(containers: Vec<Container>) -> Pod {
        let mut p = Pod::default();
        p.metadata.name = "web".into();
        p.metadata.namespace = "default".into();
        p.spec.containers = containers.into();
        let mut obj = Object::from(p);
        apply_defaults(&mut obj);
        let Object::Pod(p) = obj else { unreachable!() };
        *p
    }

    fn create(p: &Pod) -> Vec<String> {
        let mut e = Errs::default();
        pod_create(&mut e, p);
        e.into_vec().iter().map(ToString::to_string).collect()
    }

    fn update(new: &Pod, old: &Pod) -> Vec<String> {
        let mut e = Errs::default();
        pod_update(&mut e, new, old);
        e.into_vec().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_plain_pod_is_valid() {
        assert!(create(&pod(vec![container("web", "nginx:1.27")])).is_empty());
    }

    #[test]
    fn containers_are_required() {
        assert_eq!(create(&pod(vec![])), ["spec.containers: Required value"]);
    }

    #[test]
    fn container_names_and_images() {
        let mut nameless = container("", "nginx");
        nameless.image = None;
        let got = create(&pod(vec![nameless, container("Web_1", ""), container("web", "x"), container("web", "y")]));
        assert_eq!(
            got,
            [
                "spec.containers[0].name: Required value".to_string(),
                "spec.containers[0].image: Required value".to_string(),
                format!("spec.containers[1].name: Invalid value: \"Web_1\": {LABEL_MSG}"),
                "spec.containers[1].image: Required value".to_string(),
                "spec.containers[3].name: Duplicate value: \"web\"".to_string(),
            ]
        );
    }

    #[test]
    fn image_whitespace_is_refused_for_pods() {
        assert_eq!(
            create(&pod(vec![container("web", " nginx")])),
            ["spec.containers[0].image: Invalid value: \" nginx\": must not have leading or trailing whitespace"]
        );
    }

    #[test]
    fn restart_pull_and_dns_policies() {
        let mut c = container("web", "nginx");
        c.image_pull_policy = Some("Sometimes".into());
        c.termination_message_policy = Some("Log".into());
        let mut p = pod(vec![c]);
        p.spec.restart_policy = Some("Sometimes".into());
        p.spec.dns_policy = Some("Google".into());
        p.spec.preemption_policy = Some("Always".into());
        assert_eq!(
            create(&p),
            [
                "spec.containers[0].terminationMessagePolicy: Unsupported value: \"Log\": supported values: \"File\", \"FallbackToLogsOnError\"",
                "spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"",
                "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
                "spec.dnsPolicy: Unsupported value: \"Google\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"",
                "spec.preemptionPolicy: Unsupported value: \"Always\": supported values: \"PreemptLowerPriority\", \"Never\"",
            ]
        );
        p.spec.restart_policy = Some(Str::default());
        p.spec.dns_policy = Some("None".into());
        p.spec.preemption_policy = None;
        p.spec.containers[0].image_pull_policy = None;
        p.spec.containers[0].termination_message_policy = None;
        p.spec.termination_grace_period_seconds = None;
        assert_eq!(
            create(&p),
            [
                "spec.terminationGracePeriodSeconds: Required value",
                "spec.containers[0].terminationMessagePolicy: Required value",
                "spec.containers[0].imagePullPolicy: Required value",
                "spec.restartPolicy: Required value",
                "spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None",
            ]
        );
    }

    #[test]
    fn container_ports() {
        let mut c = container("web", "nginx");
        let port = |n: i32| ContainerPort { container_port: n, protocol: Some("TCP".into()), ..Default::default() };
        c.ports = vec![
            port(0),
            port(70000),
            ContainerPort { name: Some("http".into()), ..port(80) },
            ContainerPort { name: Some("http".into()), ..port(81) },
            ContainerPort { name: Some("8080".into()), protocol: Some("HTTP".into()), ..port(-1) },
            ContainerPort { host_port: Some(70000), protocol: Some(String::new()), ..port(82) },
        ];
        assert_eq!(
            create(&pod(vec![c])),
            [
                "spec.containers[0].ports[0].containerPort: Required value",
                "spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
                "spec.containers[0].ports[3].name: Duplicate value: \"http\"",
                "spec.containers[0].ports[4].name: Invalid value: \"8080\": must contain at least one letter (a-z)",
                "spec.containers[0].ports[4].containerPort: Invalid value: -1: must be between 1 and 65535, inclusive",
                "spec.containers[0].ports[4].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
                "spec.containers[0].ports[5].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
            ]
        );
    }

    #[test]
    fn host_ports_may_not_collide() {
        let mut a = container("a", "nginx");
        let mut b = container("b", "nginx");
        let hp = ContainerPort {
            container_port: 80,
            host_port: Some(8080),
            protocol: Some("TCP".into()),
            ..Default::default()
        };
        a.ports = vec![hp.clone()];
        b.ports = vec![hp];
        assert_eq!(create(&pod(vec![a, b])), ["spec.containers[1].ports[0].hostPort: Duplicate value: \"TCP//8080\""]);
    }

    #[test]
    fn host_network_needs_matching_host_ports() {
        let mut c = container("web", "nginx");
        c.ports = vec![
            ContainerPort {
                container_port: 80,
                host_port: Some(81),
                protocol: Some("TCP".into()),
                ..Default::default()
            },
            ContainerPort { container_port: 90, protocol: Some("TCP".into()), ..Default::default() },
        ];
        let mut p = pod(vec![c]);
        p.spec.host_network = Some(true);
        assert_eq!(
            create(&p),
            [
                "spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true"
            ]
        );
    }

    #[test]
    fn env_names() {
        let mut c = container("web", "nginx");
        c.env = vec![
            EnvVar { name: String::new(), value: None, value_from: None },
            EnvVar { name: "A=B".into(), value: None, value_from: None },
            EnvVar { name: "ünï".into(), value: None, value_from: None },
            EnvVar { name: "1 fine.name-OK".into(), value: None, value_from: None },
        ];
        assert_eq!(
            create(&pod(vec![c])),
            [
                "spec.containers[0].env[0].name: Required value",
                "spec.containers[0].env[1].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
                "spec.containers[0].env[2].name: Invalid value: \"ünï\": a valid environment variable name must consist only of printable ASCII characters other than '='",
            ]
        );
    }

    #[test]
    fn resources_are_checked_per_container() {
        let mut c = container("web", "nginx");
        c.resources = Some(ResourceRequirements {
            requests: [("cpu".to_string(), Quantity("2".into()))].into(),
            limits: [("cpu".to_string(), Quantity("1".into()))].into(),
        });
        assert_eq!(
            create(&pod(vec![c])),
            [
                "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1"
            ]
        );
    }

    #[test]
    fn init_containers() {
        let mut init = container("web", "busybox");
        init.liveness_probe = Some(serde_json::json!({}));
        let mut p = pod(vec![container("web", "nginx")]);
        p.spec.init_containers = vec![init, container("", "busybox")].into();
        let mut obj = Object::from(p);
        apply_defaults(&mut obj);
        let Object::Pod(p) = obj else { unreachable!() };
        assert_eq!(
            create(&p),
            [
                "spec.initContainers[0].name: Duplicate value: \"web\"",
                "spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always",
                "spec.initContainers[1].name: Required value",
            ]
        );
    }

    #[test]
    fn spec_names_and_deadlines() {
        let mut p = pod(vec![container("web", "nginx")]);
        p.spec.node_name = Some("Node_1".into());
        p.spec.service_account_name = Some("SA".into());
        p.spec.hostname = Some("my.host".into());
        p.spec.active_deadline_seconds = Some(0);
        p.spec.node_selector.insert("disk".into(), "fast ssd".into());
        assert_eq!(create(&p), [
            "spec.nodeSelector: Invalid value: \"fast ssd\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".to_string(),
            format!("spec.serviceAccountName: Invalid value: \"SA\": {SUBDOMAIN_MSG}"),
            format!("spec.nodeName: Invalid value: \"Node_1\": {SUBDOMAIN_MSG}"),
            "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive".to_string(),
            "spec.hostname: Invalid value: \"my.host\": must not contain dots".to_string(),
        ]);
    }

    #[test]
    fn deletion_cost_annotation() {
        let mut p = pod(vec![container("web", "nginx")]);
        for ok in ["0", "-5", "2147483647"] {
            p.metadata.annotations.insert(DELETION_COST_ANNOTATION.into(), ok.into());
            assert!(create(&p).is_empty(), "{ok}");
        }
        for bad in ["+1", "007", "", "2147483648", "one"] {
            p.metadata.annotations.insert(DELETION_COST_ANNOTATION.into(), bad.into());
            assert_eq!(
                create(&p),
                [format!(
                    "metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid value: \"{bad}\": must be a 32bit integer"
                )]
            );
        }
    }

    #[test]
    fn tolerations() {
        let mut p = pod(vec![container("web", "nginx")]);
        let t = |key: &str, op: &str, value: &str, effect: &str, secs: Option<i64>| Toleration {
            key: (!key.is_empty()).then(|| key.into()),
            operator: (!op.is_empty()).then(|| op.into()),
            value: (!value.is_empty()).then(|| value.into()),
            effect: (!effect.is_empty()).then(|| effect.into()),
            toleration_seconds: secs,
        };
        p.spec.tolerations = vec![
            t("", "Equal", "", "", None),
            t("k", "Equal", "", "NoSchedule", Some(10)),
            t("k", "Exists", "v", "", None),
            t("k", "Like", "", "Sometimes", None),
            t("bad key", "", "bad value", "", None),
        ]
        .into();
        assert_eq!(
            create(&p),
            [
                "spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
                "spec.tolerations[1].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
                "spec.tolerations[2].operator: Invalid value: core.Toleration{Key:\"k\", Operator:\"Exists\", Value:\"v\", Effect:\"\", TolerationSeconds:(*int64)(nil)}: value must be empty when `operator` is 'Exists'",
                "spec.tolerations[3].operator: Unsupported value: \"Like\": supported values: \"Equal\", \"Exists\"",
                "spec.tolerations[3].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
                "spec.tolerations[4].key: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                "spec.tolerations[4].operator: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
            ]
        );
    }

    #[test]
    fn updates_may_change_images_deadlines_and_add_tolerations() {
        let old = pod(vec![container("web", "nginx:1.26")]);
        let mut new = old.clone();
        new.spec.containers[0].image = Some("nginx:1.27".into());
        new.spec.active_deadline_seconds = Some(60);
        new.spec.tolerations.push(Toleration {
            key: Some("k".into()),
            operator: Some("Exists".into()),
            ..Default::default()
        });
        assert!(update(&new, &old).is_empty());
    }

    #[test]
    fn binding_sets_the_node_once() {
        let old = pod(vec![container("web", "nginx")]);
        let mut bound = old.clone();
        bound.spec.node_name = Some("node-1".into());
        assert!(update(&bound, &old).is_empty());
        let mut moved = bound.clone();
        moved.spec.node_name = Some("node-2".into());
        assert_eq!(
            update(&moved, &bound),
            [format!("spec: Forbidden: pod updates may not change fields other than {UPDATABLE_POD_SPEC_FIELDS}")]
        );
    }

    #[test]
    fn other_spec_changes_are_forbidden() {
        let old = pod(vec![container("web", "nginx")]);
        let mut new = old.clone();
        new.spec.containers[0].ports.push(ContainerPort {
            container_port: 80,
            protocol: Some("TCP".into()),
            ..Default::default()
        });
        assert_eq!(
            update(&new, &old),
            [
                "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
            ]
        );
    }

    #[test]
    fn grace_period_may_go_from_negative_to_one() {
        let mut old = pod(vec![container("web", "nginx")]);
        old.spec.termination_grace_period_seconds = Some(-1);
        let mut new = old.clone();
        new.spec.termination_grace_period_seconds = Some(1);
        assert!(update(&new, &old).is_empty());
        new.spec.termination_grace_period_seconds = Some(2);
        assert_eq!(update(&new, &old).len(), 1);
    }

    #[test]
    fn containers_may_not_be_added_or_removed() {
        let old = pod(vec![container("web", "nginx")]);
        let new = pod(vec![container("web", "nginx"), container("side", "busybox")]);
        assert_eq!(update(&new, &old), ["spec.containers: Forbidden: pod updates may not add or remove containers"]);
        let mut blank = old.clone();
        blank.spec.containers[0].image = Some(" ".into());
        assert_eq!(
            update(&blank, &old),
            ["spec.containers[0].image: Invalid value: \" \": must not have leading or trailing whitespace"]
        );
    }

    #[test]
    fn active_deadline_updates() {
        let mut old = pod(vec![container("web", "nginx")]);
        old.spec.active_deadline_seconds = Some(30);
        let mut new = old.clone();
        new.spec.active_deadline_seconds = Some(60);
        assert_eq!(
            update(&new, &old),
            ["spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value"]
        );
        new.spec.active_deadline_seconds = None;
        assert_eq!(
            update(&new, &old),
            [
                "spec.activeDeadlineSeconds: Invalid value: \"null\": must not update from a positive integer to nil value"
            ]
        );
        new.spec.active_deadline_seconds = Some(-1);
        assert_eq!(
            update(&new, &old),
            [
                "spec.activeDeadlineSeconds: Invalid value: -1: must be between 1 and 2147483647, inclusive",
                "spec.activeDeadlineSeconds: Invalid value: -1: must be between 0 and 2147483647, inclusive",
            ]
        );
    }

    #[test]
    fn tolerations_may_only_be_added() {
        let old = pod(vec![container("web", "nginx")]);
        let mut new = old.clone();
        new.spec.tolerations.pop();
        assert_eq!(
            update(&new, &old),
            ["spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"]
        );
        let mut longer = old.clone();
        longer.spec.tolerations[0].toleration_seconds = Some(600);
        assert!(update(&longer, &old).is_empty());
    }
}
