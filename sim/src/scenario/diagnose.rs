//! What kubesim can tell a learner when a check fails: the usual Service mistakes, a
//! selector that matches no pod and a targetPort no container listens on, found by
//! looking at the cluster rather than written into each scenario.

use std::collections::BTreeSet;

use crate::api::Kind;
use crate::api::core::{Pod, Service};
use crate::api::meta::IntOrString;
use crate::cluster::Cluster;

/// One sentence per Service mistake found, in Service order.
pub fn services(cluster: &Cluster) -> Vec<String> {
    let api = cluster.api();
    let mut found = Vec::new();
    for obj in api.list(Kind::Service, None) {
        let Some(svc) = obj.as_service() else { continue };
        let selector = &svc.spec.selector;
        if selector.is_empty() {
            continue;
        }
        let ns = &svc.metadata.namespace;
        let pods: Vec<&Pod> = api.list(Kind::Pod, Some(ns)).filter_map(|o| o.as_pod()).collect();
        let selected: Vec<&Pod> = pods
            .iter()
            .copied()
            .filter(|p| selector.iter().all(|(k, v)| p.metadata.labels.get(k) == Some(v)))
            .collect();
        let wanted = labels_text(selector.iter());
        if selected.is_empty() {
            found.push(no_pods_selected(svc, &wanted, &pods));
            continue;
        }
        for port in &svc.spec.ports {
            if let Some(problem) = unreachable_target(cluster, svc, port, &selected) {
                found.push(problem);
            }
        }
    }
    found
}

fn labels_text<'a>(labels: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    labels.map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ")
}

/// "selects `app: web` but the pods are labelled `component: web`": the pods that share
/// a key or a value with the selector are the ones the learner probably meant.
fn no_pods_selected(svc: &Service, wanted: &str, pods: &[&Pod]) -> String {
    let selector = &svc.spec.selector;
    let near: BTreeSet<String> = pods
        .iter()
        .filter(|p| {
            p.metadata.labels.iter().any(|(k, v)| selector.contains_key(k) || selector.values().any(|sv| sv == v))
        })
        .map(|p| labels_text(p.metadata.labels.iter().filter(|(k, _)| !k.ends_with("pod-template-hash"))))
        .collect();
    let name = &svc.metadata.name;
    match near.into_iter().next() {
        Some(labels) => format!(
            "Service {name} selects `{wanted}` but no Pod has those labels; nearby Pods are labelled `{labels}`"
        ),
        None => format!(
            "Service {name} selects `{wanted}` but no Pod in namespace {} has those labels",
            svc.metadata.namespace
        ),
    }
}

/// A Service port whose targetPort none of the selected pods' containers listens on.
fn unreachable_target(
    cluster: &Cluster,
    svc: &Service,
    port: &crate::api::core::ServicePort,
    pods: &[&Pod],
) -> Option<String> {
    let mut listening = BTreeSet::new();
    let mut resolved = BTreeSet::new();
    for pod in pods {
        for c in &pod.spec.containers {
            let serves =
                cluster.config().catalog.lookup(c.image.as_deref().unwrap_or_default()).and_then(|b| b.http_port);
            listening.extend(serves.map(i32::from));
            match &port.target_port {
                Some(IntOrString::String(name)) => resolved
                    .extend(c.ports.iter().filter(|p| p.name.as_deref() == Some(name)).map(|p| p.container_port)),
                Some(IntOrString::Int(n)) => {
                    resolved.insert(*n);
                }
                None => {
                    resolved.insert(port.port);
                }
            }
        }
    }
    if listening.is_empty() || resolved.iter().any(|p| listening.contains(p)) {
        return None;
    }
    let target = crate::network::describe_target_port(port);
    let listens: Vec<String> = listening.iter().map(i32::to_string).collect();
    Some(format!(
        "Service {} sends port {} to targetPort {target}, but its Pods' containers listen on {}",
        svc.metadata.name,
        port.port,
        listens.join(", ")
    ))
}
