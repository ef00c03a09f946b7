//! Defaulting, as the apiserver does on every write (`SetDefaults_*` upstream), plus the
//! DefaultTolerationSeconds admission plugin for pods.

use super::apps::{DeploymentStrategy, PodTemplateSpec, RollingUpdateDeployment};
use super::core::{Container, PodSpec, Toleration};
use super::meta::IntOrString;
use super::name::Str;
use super::object::Object;

/// How long pods tolerate a not-ready or unreachable node before eviction (seconds).
pub const DEFAULT_TOLERATION_SECONDS: i64 = 300;

/// Applies the apiserver's defaults to `obj` in place.
pub fn apply_defaults(obj: &mut Object) {
    match obj {
        Object::Pod(pod) => {
            default_pod_spec(&mut pod.spec);
            // Admission, not defaulting: the ServiceAccount plugin names the account and
            // DefaultTolerationSeconds adds tolerations, to pods only (not templates).
            or_literal(&mut pod.spec.service_account_name, "default");
            add_default_tolerations(&mut pod.spec);
        }
        Object::Service(svc) => {
            let spec = &mut svc.spec;
            let type_ = or_default(&mut spec.type_, "ClusterIP").clone();
            or_default(&mut spec.session_affinity, "None");
            if type_ != "ExternalName" {
                or_default(&mut spec.internal_traffic_policy, "Cluster");
                if spec.ip_families.is_empty() {
                    spec.ip_families.push("IPv4".into());
                }
                or_default(&mut spec.ip_family_policy, "SingleStack");
            }
            if type_ == "NodePort" || type_ == "LoadBalancer" {
                or_default(&mut spec.external_traffic_policy, "Cluster");
            }
            for port in &mut spec.ports {
                or_default(&mut port.protocol, "TCP");
                port.target_port.get_or_insert(IntOrString::Int(port.port));
            }
        }
        Object::Deployment(d) => {
            let spec = &mut d.spec;
            spec.replicas.get_or_insert(1);
            let strategy = spec.strategy.get_or_insert_with(DeploymentStrategy::default);
            let type_ = or_default(&mut strategy.type_, "RollingUpdate");
            if type_ == "RollingUpdate" {
                let ru = strategy.rolling_update.get_or_insert_with(RollingUpdateDeployment::default);
                ru.max_unavailable.get_or_insert_with(|| IntOrString::String("25%".into()));
                ru.max_surge.get_or_insert_with(|| IntOrString::String("25%".into()));
            }
            spec.revision_history_limit.get_or_insert(10);
            spec.progress_deadline_seconds.get_or_insert(600);
            default_template(&mut spec.template);
        }
        Object::ReplicaSet(rs) => {
            rs.spec.replicas.get_or_insert(1);
            default_template(&mut rs.spec.template);
        }
        Object::Namespace(ns) => {
            // The NamespaceDefaultLabelName feature: every namespace is selectable by name.
            ns.metadata.labels.insert("kubernetes.io/metadata.name".into(), ns.metadata.name.to_string());
            ns.spec.get_or_insert_with(Default::default).finalizers = vec!["kubernetes".into()];
            or_default(&mut ns.status.get_or_insert_with(Default::default).phase, "Active");
        }
        Object::Node(_) | Object::Event(_) | Object::Lease(_) | Object::Endpoints(_) | Object::EndpointSlice(_) => {}
    }
}

fn default_template(template: &mut PodTemplateSpec) {
    default_pod_spec(&mut template.spec);
}

/// `SetDefaults_PodSpec` and `SetDefaults_Container`.
pub fn default_pod_spec(spec: &mut PodSpec) {
    or_literal(&mut spec.restart_policy, "Always");
    spec.termination_grace_period_seconds.get_or_insert(30);
    or_literal(&mut spec.dns_policy, "ClusterFirst");
    or_literal(&mut spec.scheduler_name, "default-scheduler");
    spec.enable_service_links.get_or_insert(true);
    or_literal(&mut spec.preemption_policy, "PreemptLowerPriority");
    spec.priority.get_or_insert(0);
    // Containers are shared with the template a pod was made from: copy them only if
    // one lacks a default.
    for containers in [&mut spec.containers, &mut spec.init_containers] {
        if containers.iter().any(lacks_defaults) {
            containers.iter_mut().for_each(default_container);
        }
    }
}

/// Whether `default_container` would change `c`.
fn lacks_defaults(c: &Container) -> bool {
    c.image_pull_policy.is_none()
        || unset(&c.termination_message_path)
        || unset(&c.termination_message_policy)
        || c.ports.iter().any(|p| unset(&p.protocol))
}

/// `SetDefaults_Container` and `SetDefaults_ContainerPort`.
fn default_container(c: &mut Container) {
    if c.image_pull_policy.is_none() {
        let image = c.image.as_deref().unwrap_or("");
        c.image_pull_policy = Some(default_pull_policy(image).into());
    }
    or_default(&mut c.termination_message_path, "/dev/termination-log");
    or_default(&mut c.termination_message_policy, "File");
    for p in &mut c.ports {
        or_default(&mut p.protocol, "TCP");
    }
}

/// Sets a string field that is missing or empty, as upstream's `if x == ""` defaulting
/// does, and returns it.
fn or_default<'a>(field: &'a mut Option<String>, value: &str) -> &'a mut String {
    if unset(field) {
        *field = Some(value.to_string());
    }
    field.as_mut().expect("just set")
}

/// `or_default` for the fields that share their text (`Str`): the default is a literal,
/// so millions of pods hold it without a copy.
fn or_literal(field: &mut Option<Str>, value: &'static str) {
    if unset(field) {
        *field = Some(Str::lit(value));
    }
}

/// Missing or empty: what upstream's `if x == ""` defaulting fills in.
fn unset<S: std::ops::Deref<Target = str>>(field: &Option<S>) -> bool {
    field.as_deref().is_none_or(str::is_empty)
}

/// `Always` for `:latest` or untagged images, otherwise `IfNotPresent`.
pub fn default_pull_policy(image: &str) -> &'static str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last_segment = without_digest.rsplit('/').next().unwrap_or(without_digest);
    match last_segment.split_once(':') {
        Some((_, "latest")) | None if !image.contains('@') => "Always",
        _ => "IfNotPresent",
    }
}

/// The DefaultTolerationSeconds admission plugin: 300s NoExecute tolerations for
/// not-ready and unreachable nodes, unless the pod already tolerates them.
fn add_default_tolerations(spec: &mut PodSpec) {
    for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
        let has = spec.tolerations.iter().any(|t| {
            (t.key.as_deref() == Some(key) || t.key.is_none())
                && (t.effect.as_deref().is_none_or(|e| e.is_empty() || e == "NoExecute"))
        });
        if !has {
            spec.tolerations.push(Toleration {
                key: Some(Str::lit(key)),
                operator: Some(Str::lit("Exists")),
                value: None,
                effect: Some(Str::lit("NoExecute")),
                toleration_seconds: Some(DEFAULT_TOLERATION_SECONDS),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_shares_the_defaulted_containers_of_its_template() {
        use crate::api::core::ContainerPort;
        let port = ContainerPort { container_port: 80, ..Default::default() };
        let raw =
            Container { name: "web".into(), image: Some("nginx".into()), ports: vec![port], ..Default::default() };
        let mut template = PodSpec { containers: vec![raw.clone()].into(), ..Default::default() };
        default_pod_spec(&mut template);
        // `lacks_defaults` tells exactly when `default_container` changes something.
        let mut defaulted = raw.clone();
        default_container(&mut defaulted);
        assert!(lacks_defaults(&raw) && defaulted != raw);
        assert!(!lacks_defaults(&defaulted));
        assert_eq!(template.containers[0], defaulted);
        let mut pod = template.clone();
        default_pod_spec(&mut pod);
        assert!(crate::api::Shared::ptr_eq(&pod.containers, &template.containers));
    }

    #[test]
    fn pull_policy_follows_the_tag() {
        assert_eq!(default_pull_policy("nginx"), "Always");
        assert_eq!(default_pull_policy("nginx:latest"), "Always");
        assert_eq!(default_pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(default_pull_policy("localhost:5000/app"), "Always");
        assert_eq!(default_pull_policy("nginx@sha256:abc"), "IfNotPresent");
    }

    #[test]
    fn pods_get_default_tolerations_once() {
        let mut obj = Object::Pod(Default::default());
        apply_defaults(&mut obj);
        apply_defaults(&mut obj);
        let Object::Pod(pod) = obj else { unreachable!() };
        assert_eq!(pod.spec.tolerations.len(), 2);
        assert_eq!(pod.spec.restart_policy.as_deref(), Some("Always"));
        assert_eq!(pod.spec.termination_grace_period_seconds, Some(30));
    }
}
