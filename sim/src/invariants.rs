//! Named invariants of a healthy cluster, checked against the apiserver's store. Debug
//! builds check them after every event; tests and the property harness call
//! [`check`] directly. A violation names the invariant and the object that broke it.

use std::collections::BTreeMap;
use std::fmt;

use crate::api::{Kind, ObjKey, Object, Str};
use crate::apiserver::ApiServer;
use crate::controllers::deployment::{DESIRED_REPLICAS, fenceposts};

/// A broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The invariant's name, e.g. `one-controller-owner`.
    pub invariant: &'static str,
    /// The object concerned (`Pod default/web`).
    pub object: String,
    /// What is wrong.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invariant {} broken by {}: {}", self.invariant, self.object, self.detail)
    }
}

/// Every invariant, by name, with what it promises.
pub const INVARIANTS: &[(&str, &str)] = &[
    ("one-controller-owner", "no object has more than one ownerReference with controller: true"),
    (
        "rollout-surge-bound",
        "a settled RollingUpdate Deployment's ReplicaSets ask for at most replicas + maxSurge pods",
    ),
    ("status-counts-consistent", "status counts nest: replicas >= ready >= available, for ReplicaSets and Deployments"),
];

/// Checks every invariant; returns the violations (empty when all hold).
pub fn check(api: &ApiServer) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut violation = |invariant: &'static str, obj: &Object, detail: String| {
        found.push(Violation { invariant, object: obj.key().to_string(), detail });
    };
    // Checked after every event of a debug run: the store is walked unsorted, and what
    // it finds is sorted by key.
    let mut owned_twice: Vec<(ObjKey, &Object, usize)> = api
        .all_unordered()
        .filter_map(|obj| {
            let controllers = obj.meta().owner_references.iter().filter(|r| r.controller == Some(true)).count();
            (controllers > 1).then(|| (obj.key(), &**obj, controllers))
        })
        .collect();
    owned_twice.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, obj, controllers) in owned_twice {
        violation("one-controller-owner", obj, format!("{controllers} controller owners"));
    }
    // Per owning Deployment: the pods its ReplicaSets ask for, and the replica counts
    // they were last scaled for.
    let mut spec_total: BTreeMap<Str, (i32, Vec<String>)> = BTreeMap::new();
    for obj in api.list(Kind::ReplicaSet, None) {
        let Object::ReplicaSet(rs) = &**obj else { continue };
        let s = &rs.status;
        let (ready, available) = (s.ready_replicas.unwrap_or(0), s.available_replicas.unwrap_or(0));
        if !(s.replicas >= ready && ready >= available) {
            violation(
                "status-counts-consistent",
                obj,
                format!("replicas {} ready {ready} available {available}", s.replicas),
            );
        }
        if let Some(owner) = rs.metadata.controller_ref() {
            let entry = spec_total.entry(owner.uid.clone()).or_default();
            entry.0 += rs.spec.replicas.unwrap_or(0);
            entry.1.push(rs.metadata.annotations.get(DESIRED_REPLICAS).cloned().unwrap_or_default());
        }
    }
    for obj in api.list(Kind::Deployment, None) {
        let Object::Deployment(d) = &**obj else { continue };
        let s = &d.status;
        let (replicas, ready, available) =
            (s.replicas.unwrap_or(0), s.ready_replicas.unwrap_or(0), s.available_replicas.unwrap_or(0));
        if !(replicas >= ready && ready >= available) {
            violation(
                "status-counts-consistent",
                obj,
                format!("replicas {replicas} ready {ready} available {available}"),
            );
        }
        let desired = d.spec.replicas.unwrap_or(1);
        let (surge, _) = fenceposts(d);
        let settled = s.observed_generation == d.metadata.generation && d.spec.paused != Some(true);
        // A scale of the Deployment is carried out before the bound applies again.
        if let Some((total, scaled_for)) = spec_total.get(&d.metadata.uid)
            && settled
            && scaled_for.iter().all(|r| *r == desired.to_string())
            && *total > desired + surge
        {
            violation(
                "rollout-surge-bound",
                obj,
                format!("ReplicaSets ask for {total} pods, more than {desired} + {surge}"),
            );
        }
    }
    found
}

/// Properties that hold once the cluster has been left alone long enough (PodGC needs
/// 40 s to collect the pods of a deleted node, say), for tests after quiescence.
pub const EVENTUAL: &[(&str, &str)] = &[
    ("pods-on-existing-nodes", "every pod bound to a node names a node that exists"),
    ("endpoints-are-ready-pods", "a Service's ready endpoints are ready pods its selector matches"),
    (
        "ready-pods-are-endpoints",
        "every ready pod a Service selects is among its ready endpoints (up to the 1,000 an Endpoints object holds)",
    ),
    ("one-slice-per-service", "a Service with a selector has exactly one EndpointSlice (kubesim never splits)"),
];

/// Checks the [`EVENTUAL`] properties.
pub fn check_settled(api: &ApiServer) -> Vec<Violation> {
    let mut found = endpoint_violations(api);
    found.extend(service_membership_violations(api));
    found.extend(pods_on_missing_nodes(api));
    found
}

/// `ready-pods-are-endpoints` and `one-slice-per-service`, Service by Service.
fn service_membership_violations(api: &ApiServer) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut slices: BTreeMap<(String, String), usize> = BTreeMap::new();
    for obj in api.list(Kind::EndpointSlice, None) {
        if let Some(svc) = obj.meta().labels.get(crate::controllers::endpoints::SERVICE_NAME_LABEL) {
            *slices.entry((obj.meta().namespace.to_string(), svc.clone())).or_default() += 1;
        }
    }
    for obj in api.list(Kind::Service, None) {
        let Object::Service(svc) = &**obj else { continue };
        if svc.spec.selector.is_empty() {
            continue;
        }
        let ns = &svc.metadata.namespace;
        let count = slices.get(&(ns.to_string(), svc.metadata.name.to_string())).copied().unwrap_or(0);
        if count != 1 {
            found.push(Violation {
                invariant: "one-slice-per-service",
                object: obj.key().to_string(),
                detail: format!("{count} EndpointSlices"),
            });
        }
        let ep_key = crate::api::ObjKey::new(Kind::Endpoints, ns, &svc.metadata.name);
        let endpoints = match api.get(&ep_key).map(|o| &**o) {
            Some(Object::Endpoints(ep)) => Some(ep),
            _ => None,
        };
        // Truncated, as the object says: some ready pods are left out.
        if endpoints
            .is_some_and(|ep| ep.metadata.annotations.contains_key(crate::controllers::endpoints::OVER_CAPACITY))
        {
            continue;
        }
        let listed: std::collections::BTreeSet<&str> =
            endpoints.iter().flat_map(|ep| &ep.subsets).flat_map(|s| &s.addresses).map(|a| a.ip.as_str()).collect();
        for pod in api.list(Kind::Pod, Some(ns)).filter_map(|o| o.as_pod()) {
            let selected = svc.spec.selector.iter().all(|(k, v)| pod.metadata.labels.get(k) == Some(v));
            let reachable = svc.spec.ports.iter().all(|p| crate::controllers::endpoints::target_port(p, pod).is_some());
            let ready =
                crate::controllers::pods::ready_since(pod).is_some() && pod.metadata.deletion_timestamp.is_none();
            if let (true, true, true, Some(ip)) = (selected, reachable, ready, pod.status.pod_ip.as_deref())
                && !listed.contains(ip)
            {
                found.push(Violation {
                    invariant: "ready-pods-are-endpoints",
                    object: obj.key().to_string(),
                    detail: format!("ready pod {} ({ip}) is not among the endpoints", pod.metadata.name),
                });
            }
        }
    }
    found
}

fn endpoint_violations(api: &ApiServer) -> Vec<Violation> {
    let mut found = Vec::new();
    for obj in api.list(Kind::Endpoints, None) {
        let Object::Endpoints(ep) = &**obj else { continue };
        let svc_key = crate::api::ObjKey::new(Kind::Service, &ep.metadata.namespace, &ep.metadata.name);
        let Some(Object::Service(svc)) = api.get(&svc_key).map(|o| &**o) else { continue };
        // A Service without a selector has Endpoints someone else keeps (the apiserver's
        // own, for `kubernetes`): they need not be pods.
        if svc.spec.selector.is_empty() {
            continue;
        }
        for address in ep.subsets.iter().flat_map(|s| &s.addresses) {
            let pod = address
                .target_ref
                .as_ref()
                .and_then(|r| r.name.as_ref())
                .and_then(|name| api.get(&crate::api::ObjKey::new(Kind::Pod, &ep.metadata.namespace, name)));
            let ok = pod.and_then(|p| p.as_pod()).is_some_and(|p| {
                crate::controllers::pods::ready_since(p).is_some()
                    && p.metadata.deletion_timestamp.is_none()
                    && svc.spec.selector.iter().all(|(k, v)| p.metadata.labels.get(k) == Some(v))
            });
            if !ok {
                found.push(Violation {
                    invariant: "endpoints-are-ready-pods",
                    object: obj.key().to_string(),
                    detail: format!("address {} is not a ready pod the Service selects", address.ip),
                });
            }
        }
    }
    found
}

fn pods_on_missing_nodes(api: &ApiServer) -> Vec<Violation> {
    // Unsorted, as the owner check above, and sorted by key once found.
    let mut found: Vec<(ObjKey, Violation)> = api
        .all_unordered()
        .filter_map(|obj| {
            let node = obj.as_pod()?.spec.node_name.as_ref()?;
            api.get(&ObjKey::new(Kind::Node, "", node)).is_none().then(|| {
                let violation = Violation {
                    invariant: "pods-on-existing-nodes",
                    object: obj.key().to_string(),
                    detail: format!("bound to node {node}, which does not exist"),
                };
                (obj.key(), violation)
            })
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.into_iter().map(|(_, violation)| violation).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{Cluster, ClusterConfig};

    #[test]
    fn a_rolling_update_keeps_every_invariant() {
        let mut cluster = Cluster::new(ClusterConfig::default());
        cluster.kubectl("kubectl create deployment web --image=nginx:1.27 --replicas=4");
        cluster.advance_ms(20_000);
        cluster.kubectl("kubectl set image deployment/web nginx=nginx:1.28");
        let mut checked = 0;
        cluster.run_while(60_000, |c| {
            checked += 1;
            let broken = check(c.api());
            assert!(broken.is_empty(), "{broken:?}");
            // Without faults, a rollout also keeps its pods within both bounds.
            let pods: Vec<_> = c
                .api()
                .list(Kind::Pod, Some("default"))
                .filter_map(|o| o.as_pod())
                .filter(|p| crate::controllers::pods::is_active(p))
                .collect();
            let ready = pods.iter().filter(|p| crate::controllers::pods::ready_since(p).is_some()).count();
            assert!(pods.len() <= 4 + 1, "{} pods exist", pods.len());
            assert!(ready >= 4 - 1, "only {ready} pods are ready");
            false
        });
        assert!(checked > 50, "the rollout produced only {checked} events");
    }

    #[test]
    fn violations_name_the_invariant() {
        let v = Violation {
            invariant: "one-controller-owner",
            object: "Pod default/x".into(),
            detail: "2 controller owners".into(),
        };
        assert_eq!(v.to_string(), "invariant one-controller-owner broken by Pod default/x: 2 controller owners");
    }
}
