//! The kinds registry: which apiVersion serves which kind, their resource names and
//! short names, and kubectl's errors for a kind or version the cluster does not serve.

use std::fmt;

/// A kind kubesim serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)] // The variants are the Kubernetes kinds of the same name.
pub enum Kind {
    Namespace,
    Node,
    Pod,
    Service,
    Event,
    Lease,
    Deployment,
    ReplicaSet,
    Endpoints,
    EndpointSlice,
}

/// Static facts about one kind, as `kubectl api-resources` lists them.
pub struct KindInfo {
    /// The kind.
    pub kind: Kind,
    /// `Pod`.
    pub name: &'static str,
    /// `pods`.
    pub plural: &'static str,
    /// `po`.
    pub short_names: &'static [&'static str],
    /// `v1`, `apps/v1`.
    pub api_version: &'static str,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
    /// Versions that once served this kind and were removed (kubectl reports
    /// "no matches for kind" for them), with the release that removed them.
    pub removed_versions: &'static [(&'static str, &'static str)],
    /// One-line description for `kubectl explain`.
    pub description: &'static str,
}

const APPS_REMOVED: &[(&str, &str)] =
    &[("extensions/v1beta1", "v1.16"), ("apps/v1beta1", "v1.16"), ("apps/v1beta2", "v1.16")];

/// Every kind, in `kubectl api-resources` order (core group first, then by group).
pub const KINDS: &[KindInfo] = &[
    KindInfo {
        kind: Kind::Endpoints,
        name: "Endpoints",
        plural: "endpoints",
        short_names: &["ep"],
        api_version: "v1",
        namespaced: true,
        removed_versions: &[],
        description: "Endpoints is a collection of endpoints that implement the actual service.",
    },
    KindInfo {
        kind: Kind::Event,
        name: "Event",
        plural: "events",
        short_names: &["ev"],
        api_version: "v1",
        namespaced: true,
        removed_versions: &[],
        description: "Event is a report of an event somewhere in the cluster.",
    },
    KindInfo {
        kind: Kind::Namespace,
        name: "Namespace",
        plural: "namespaces",
        short_names: &["ns"],
        api_version: "v1",
        namespaced: false,
        removed_versions: &[],
        description: "Namespace provides a scope for Names. Use of multiple namespaces is optional.",
    },
    KindInfo {
        kind: Kind::Node,
        name: "Node",
        plural: "nodes",
        short_names: &["no"],
        api_version: "v1",
        namespaced: false,
        removed_versions: &[],
        description: "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).",
    },
    KindInfo {
        kind: Kind::Pod,
        name: "Pod",
        plural: "pods",
        short_names: &["po"],
        api_version: "v1",
        namespaced: true,
        removed_versions: &[],
        description: "Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.",
    },
    KindInfo {
        kind: Kind::Service,
        name: "Service",
        plural: "services",
        short_names: &["svc"],
        api_version: "v1",
        namespaced: true,
        removed_versions: &[],
        description: "Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.",
    },
    KindInfo {
        kind: Kind::Deployment,
        name: "Deployment",
        plural: "deployments",
        short_names: &["deploy"],
        api_version: "apps/v1",
        namespaced: true,
        removed_versions: APPS_REMOVED,
        description: "Deployment enables declarative updates for Pods and ReplicaSets.",
    },
    KindInfo {
        kind: Kind::ReplicaSet,
        name: "ReplicaSet",
        plural: "replicasets",
        short_names: &["rs"],
        api_version: "apps/v1",
        namespaced: true,
        removed_versions: APPS_REMOVED,
        description: "ReplicaSet ensures that a specified number of pod replicas are running at any given time.",
    },
    KindInfo {
        kind: Kind::EndpointSlice,
        name: "EndpointSlice",
        plural: "endpointslices",
        short_names: &[],
        api_version: "discovery.k8s.io/v1",
        namespaced: true,
        removed_versions: &[("discovery.k8s.io/v1beta1", "v1.25")],
        description: "EndpointSlice represents a subset of the endpoints that implement a service.",
    },
    KindInfo {
        kind: Kind::Lease,
        name: "Lease",
        plural: "leases",
        short_names: &[],
        api_version: "coordination.k8s.io/v1",
        namespaced: true,
        removed_versions: &[("coordination.k8s.io/v1beta1", "v1.22")],
        description: "Lease defines a lease concept.",
    },
];

/// Kinds that exist in Kubernetes but that kubesim does not simulate yet, so that the
/// error can say so instead of pretending the kind does not exist.
const NOT_SIMULATED: &[(&str, &str)] = &[
    ("DaemonSet", "apps/v1"),
    ("StatefulSet", "apps/v1"),
    ("Job", "batch/v1"),
    ("CronJob", "batch/v1"),
    ("ConfigMap", "v1"),
    ("Secret", "v1"),
    ("Ingress", "networking.k8s.io/v1"),
    ("PersistentVolumeClaim", "v1"),
    ("ServiceAccount", "v1"),
    ("HorizontalPodAutoscaler", "autoscaling/v2"),
];

impl Kind {
    /// The registry entry.
    pub fn info(self) -> &'static KindInfo {
        KINDS.iter().find(|i| i.kind == self).expect("every kind is registered")
    }
    /// `Pod`.
    pub fn name(self) -> &'static str {
        self.info().name
    }
    /// `pods`.
    pub fn plural(self) -> &'static str {
        self.info().plural
    }
    /// `v1`, `apps/v1`.
    pub fn api_version(self) -> &'static str {
        self.info().api_version
    }
    /// API group (`""` for core, `apps`).
    pub fn group(self) -> &'static str {
        self.api_version().rsplit_once('/').map_or("", |(g, _)| g)
    }
    /// Namespaced or cluster-scoped.
    pub fn namespaced(self) -> bool {
        self.info().namespaced
    }
    /// The name kubectl prints in `kind/name` output: `pod`, `deployment.apps`.
    pub fn kubectl_name(self) -> String {
        let lower = self.name().to_lowercase();
        match self.group() {
            "" => lower,
            g => format!("{lower}.{g}"),
        }
    }

    /// The kind named exactly `name` (`ReplicaSet`), as an ownerReference names it.
    pub fn named(name: &str) -> Option<Kind> {
        info_named(name).map(|i| i.kind)
    }

    /// Resolves a kubectl resource argument: `pods`, `pod`, `po`, `Pod`,
    /// `deployments.apps`, `deploy`.
    pub fn from_resource_arg(arg: &str) -> Option<Kind> {
        let lower = arg.to_lowercase();
        let (base, group) = match lower.split_once('.') {
            Some((b, g)) => (b.to_string(), Some(g.to_string())),
            None => (lower.clone(), None),
        };
        KINDS
            .iter()
            .find(|i| {
                let name_matches =
                    base == i.plural || base == i.name.to_lowercase() || i.short_names.contains(&base.as_str());
                let group_matches = group
                    .as_deref()
                    .is_none_or(|g| g == i.kind.group() || i.kind.group().starts_with(&format!("{g}.")));
                name_matches && group_matches
            })
            .map(|i| i.kind)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an apiVersion/kind pair cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoKindMatch {
    /// kind as written.
    pub kind: String,
    /// apiVersion as written.
    pub api_version: String,
    /// A hint: the version to use instead, or that kubesim does not simulate the kind.
    pub hint: Option<String>,
}

/// The kind named exactly `name`, with what is known of it.
fn info_named(name: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|i| i.name == name)
}

/// Resolves `apiVersion` + `kind` from a manifest, or explains why it does not exist.
pub fn resolve(api_version: &str, kind: &str) -> Result<Kind, NoKindMatch> {
    if let Some(info) = info_named(kind) {
        if info.api_version == api_version {
            return Ok(info.kind);
        }
        let hint = match info.removed_versions.iter().find(|(v, _)| *v == api_version) {
            Some((_, release)) => format!(
                "{kind} in {api_version} was removed in Kubernetes {release}; use apiVersion: {}",
                info.api_version
            ),
            None => format!("{kind} is served as apiVersion: {}", info.api_version),
        };
        return Err(NoKindMatch { kind: kind.into(), api_version: api_version.into(), hint: Some(hint) });
    }
    let hint = if let Some((_, v)) = NOT_SIMULATED.iter().find(|(k, _)| *k == kind) {
        Some(format!("{kind} ({v}) is a real Kubernetes kind that kubesim does not simulate yet"))
    } else {
        KINDS
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(kind))
            .map(|i| format!("kinds are case-sensitive: did you mean kind: {}?", i.name))
    };
    Err(NoKindMatch { kind: kind.into(), api_version: api_version.into(), hint })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_args_resolve_like_kubectl() {
        assert_eq!(Kind::from_resource_arg("po"), Some(Kind::Pod));
        assert_eq!(Kind::from_resource_arg("pods"), Some(Kind::Pod));
        assert_eq!(Kind::from_resource_arg("Pod"), Some(Kind::Pod));
        assert_eq!(Kind::from_resource_arg("deploy"), Some(Kind::Deployment));
        assert_eq!(Kind::from_resource_arg("deployments.apps"), Some(Kind::Deployment));
        assert_eq!(Kind::from_resource_arg("svc"), Some(Kind::Service));
        assert_eq!(Kind::from_resource_arg("no"), Some(Kind::Node));
        assert_eq!(Kind::from_resource_arg("ns"), Some(Kind::Namespace));
        assert_eq!(Kind::from_resource_arg("rs"), Some(Kind::ReplicaSet));
        assert_eq!(Kind::from_resource_arg("pods.apps"), None);
        assert_eq!(Kind::from_resource_arg("widgets"), None);
    }

    #[test]
    fn removed_versions_name_the_replacement() {
        assert_eq!(resolve("apps/v1", "Deployment"), Ok(Kind::Deployment));
        let err = resolve("apps/v1beta2", "Deployment").unwrap_err();
        assert!(err.hint.unwrap().contains("removed in Kubernetes v1.16"));
        let err = resolve("apps/v1", "DaemonSet").unwrap_err();
        assert!(err.hint.unwrap().contains("does not simulate"));
        assert!(resolve("v1", "pod").unwrap_err().hint.unwrap().contains("kind: Pod"));
    }

    #[test]
    fn kubectl_names_carry_the_group() {
        assert_eq!(Kind::Deployment.kubectl_name(), "deployment.apps");
        assert_eq!(Kind::Pod.kubectl_name(), "pod");
    }
}
