//! Defaulting, as the apiserver does on every write (`SetDefaults_*` upstream), plus the
//! DefaultTolerationSeconds admission plugin for pods.

use super::apps::{DeploymentStrategy, PodTemplateSpec, RollingUpdateDeployment};
use super::core::{PodSpec, Toleration};
use super::meta::IntOrString;
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
            pod.spec.service_account_name.get_or_insert_with(|| "default".into());
            add_default_tolerations(&mut pod.spec);
        }
        Object::Service(svc) => {
            let spec = &mut svc.spec;
            let type_ = spec.type_.get_or_insert_with(|| "ClusterIP".into()).clone();
            spec.session_affinity.get_or_insert_with(|| "None".into());
            if type_ != "ExternalName" {
                spec.internal_traffic_policy.get_or_insert_with(|| "Cluster".into());
                if spec.ip_families.is_empty() {
                    spec.ip_families.push("IPv4".into());
                }
                spec.ip_family_policy.get_or_insert_with(|| "SingleStack".into());
            }
            if type_ == "NodePort" || type_ == "LoadBalancer" {
                spec.external_traffic_policy.get_or_insert_with(|| "Cluster".into());
            }
            for port in &mut spec.ports {
                port.protocol.get_or_insert_with(|| "TCP".into());
                port.target_port.get_or_insert(IntOrString::Int(port.port));
            }
        }
        Object::Deployment(d) => {
            let spec = &mut d.spec;
            spec.replicas.get_or_insert(1);
            let strategy = spec.strategy.get_or_insert_with(DeploymentStrategy::default);
            let type_ = strategy.type_.get_or_insert_with(|| "RollingUpdate".into());
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
            ns.spec.get_or_insert_with(Default::default).finalizers = vec!["kubernetes".into()];
            ns.status.get_or_insert_with(Default::default).phase.get_or_insert_with(|| "Active".into());
        }
        Object::Node(_) | Object::Event(_) | Object::Lease(_) => {}
    }
}

fn default_template(template: &mut PodTemplateSpec) {
    default_pod_spec(&mut template.spec);
}

/// `SetDefaults_PodSpec` and `SetDefaults_Container`.
pub fn default_pod_spec(spec: &mut PodSpec) {
    spec.restart_policy.get_or_insert_with(|| "Always".into());
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
    spec.scheduler_name.get_or_insert_with(|| "default-scheduler".into());
    spec.enable_service_links.get_or_insert(true);
    spec.preemption_policy.get_or_insert_with(|| "PreemptLowerPriority".into());
    spec.priority.get_or_insert(0);
    for c in spec.containers.iter_mut().chain(spec.init_containers.iter_mut()) {
        if c.image_pull_policy.is_none() {
            let image = c.image.as_deref().unwrap_or("");
            c.image_pull_policy = Some(default_pull_policy(image).into());
        }
        c.termination_message_path.get_or_insert_with(|| "/dev/termination-log".into());
        c.termination_message_policy.get_or_insert_with(|| "File".into());
        for p in &mut c.ports {
            p.protocol.get_or_insert_with(|| "TCP".into());
        }
    }
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
                key: Some(key.into()),
                operator: Some("Exists".into()),
                value: None,
                effect: Some("NoExecute".into()),
                toleration_seconds: Some(DEFAULT_TOLERATION_SECONDS),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
