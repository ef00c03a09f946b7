//! `describeNode`: metadata, taints, the node's Lease, conditions, addresses, resources,
//! system info, the pods on the node and what they request.

use std::collections::BTreeMap;

use crate::api::core::{Container, Lease, Node, Pod, ResourceRequirements};
use crate::api::meta::{MicroTime, Quantity};
use crate::api::{Kind, ObjKey, Object};

use super::{
    Writer, annotations_multiline, conditions_table, events_section, labels_multiline, rfc1123, taints_multiline,
};
use crate::kubectl::print::format::{Amount, add_amounts, canonical_quantity, format_amount};
use crate::kubectl::print::get::node_roles;

/// Where kubelets keep their heartbeat Leases.
const NODE_LEASE_NAMESPACE: &str = "kube-node-lease";

/// Resource amounts by resource name.
type Resources = BTreeMap<String, Amount>;

pub(super) fn describe_node(w: &mut Writer, node: &Node) {
    let meta = &node.metadata;
    w.line(0, &format!("Name:\t{}", meta.name));
    let roles = node_roles(node).join(",");
    let roles = if roles.is_empty() { "<none>".into() } else { roles };
    w.line(0, &format!("Roles:\t{roles}"));
    labels_multiline(w, "Labels", &meta.labels);
    annotations_multiline(w, "Annotations", &meta.annotations);
    w.line(0, &format!("CreationTimestamp:\t{}", rfc1123(meta.creation_timestamp)));
    taints_multiline(w, "Taints", &node.spec.taints);
    let unschedulable = node.spec.unschedulable.unwrap_or(false);
    w.line(0, &format!("Unschedulable:\t{unschedulable}"));
    node_lease(w, &meta.name);
    conditions_table(
        w,
        &["Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message"],
        &node.status.conditions,
        |c| {
            format!(
                "{} \t{} \t{} \t{} \t{} \t{}",
                c.type_,
                c.status,
                rfc1123(c.last_heartbeat_time),
                rfc1123(c.last_transition_time),
                c.reason.as_deref().unwrap_or(""),
                c.message.as_deref().unwrap_or("")
            )
        },
    );
    w.line(0, "Addresses:");
    for a in &node.status.addresses {
        w.line(1, &format!("{}:\t{}", a.type_, a.address));
    }
    resource_list(w, "Capacity", &node.status.capacity);
    resource_list(w, "Allocatable", &node.status.allocatable);
    system_info(w, node);
    pod_cidrs(w, node);
    let pods = non_terminated_pods(w, &meta.name);
    pods_table(w, node, &pods);
    allocated_resources(w, node, &pods);
    events_section(w, &[&meta.uid, &meta.name]);
}

/// The `Lease:` block from the node's Lease in `kube-node-lease`.
fn node_lease(w: &mut Writer, name: &str) {
    let key = ObjKey::new(Kind::Lease, NODE_LEASE_NAMESPACE, name);
    let lease: Option<&Lease> = match w.api.get(&key).map(|o| o.as_ref()) {
        Some(Object::Lease(l)) => Some(l),
        _ => None,
    };
    let Some(lease) = lease else {
        w.line(0, &format!("Lease:\tFailed to get lease: leases.coordination.k8s.io \"{name}\" not found"));
        return;
    };
    let unset = |t: Option<MicroTime>| t.map_or_else(|| "<unset>".into(), |t| t.moment().rfc1123z());
    let holder = lease.spec.holder_identity.as_deref().unwrap_or("<unset>");
    w.line(0, "Lease:");
    w.line(1, &format!("HolderIdentity:\t{holder}"));
    w.line(1, &format!("AcquireTime:\t{}", unset(lease.spec.acquire_time)));
    w.line(1, &format!("RenewTime:\t{}", unset(lease.spec.renew_time)));
}

/// `Capacity:` / `Allocatable:`, sorted by resource name.
fn resource_list(w: &mut Writer, title: &str, list: &BTreeMap<String, Quantity>) {
    if list.is_empty() {
        return;
    }
    w.line(0, &format!("{title}:"));
    for (name, q) in list {
        w.line(0, &format!("  {name}:\t{}", canonical_quantity(&q.0)));
    }
}

fn system_info(w: &mut Writer, node: &Node) {
    let info = node.status.node_info.clone().unwrap_or_default();
    w.line(0, "System Info:");
    let fields = [
        ("Machine ID", info.machine_id),
        ("System UUID", info.system_uuid),
        ("Boot ID", info.boot_id),
        ("Kernel Version", info.kernel_version),
        ("OS Image", info.os_image),
        ("Operating System", info.operating_system),
        ("Architecture", info.architecture),
        ("Container Runtime Version", info.container_runtime_version),
        ("Kubelet Version", info.kubelet_version),
        // Still printed by v1.32 (removed from describe later), even when empty.
        ("Kube-Proxy Version", info.kube_proxy_version),
    ];
    for (label, value) in fields {
        w.line(0, &format!("  {label}:\t{value}"));
    }
}

fn pod_cidrs(w: &mut Writer, node: &Node) {
    let spec = &node.spec;
    if let Some(cidr) = spec.pod_cidr.as_deref().filter(|c| !c.is_empty()) {
        w.line(0, &format!("PodCIDR:\t{cidr}"));
    }
    if !spec.pod_cidrs.is_empty() {
        w.line(0, &format!("PodCIDRs:\t{}", spec.pod_cidrs.join(",")));
    }
    if let Some(id) = spec.provider_id.as_deref().filter(|p| !p.is_empty()) {
        w.line(0, &format!("ProviderID:\t{id}"));
    }
}

/// Pods bound to the node that are neither Succeeded nor Failed.
fn non_terminated_pods<'a>(w: &Writer<'a>, node: &str) -> Vec<&'a Pod> {
    w.api
        .list(Kind::Pod, None)
        .filter_map(|o| o.as_pod())
        .filter(|p| p.spec.node_name.as_deref() == Some(node))
        .filter(|p| !matches!(p.status.phase.as_deref(), Some("Succeeded" | "Failed")))
        .collect()
}

/// Allocatable, or capacity when the node reports no allocatable.
fn allocatable(node: &Node) -> Resources {
    let list = if node.status.allocatable.is_empty() { &node.status.capacity } else { &node.status.allocatable };
    list.iter().filter_map(|(k, q)| Amount::parse(&q.0).map(|a| (k.clone(), a))).collect()
}

/// `amount (NN%)` of `total`; cpu compares millicores, everything else whole units.
fn with_percent(resource: &str, amount: Option<Amount>, total: Option<Amount>) -> String {
    let units = |a: Option<Amount>| match a {
        Some(a) if resource == "cpu" => a.milli,
        Some(a) => a.value(),
        None => 0,
    };
    let (part, whole) = (units(amount), units(total));
    let percent = if whole == 0 { 0 } else { (part as f64 / whole as f64 * 100.0) as i64 };
    format!("{} ({percent}%)", format_amount(amount))
}

/// `Non-terminated Pods:` and its table.
fn pods_table(w: &mut Writer, node: &Node, pods: &[&Pod]) {
    w.line(0, &format!("Non-terminated Pods:\t({} in total)", pods.len()));
    w.line(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge");
    w.line(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---");
    let alloc = allocatable(node);
    for pod in pods {
        let (reqs, limits) = (pod_requests(pod), pod_limits(pod));
        let cell = |list: &Resources, r: &str| with_percent(r, list.get(r).copied(), alloc.get(r).copied());
        let age = w.since(pod.metadata.creation_timestamp.map(|t| t.moment()));
        w.line(
            1,
            &format!(
                "{}\t{}\t\t{}\t{}\t{}\t{}\t{age}",
                pod.metadata.namespace,
                pod.metadata.name,
                cell(&reqs, "cpu"),
                cell(&limits, "cpu"),
                cell(&reqs, "memory"),
                cell(&limits, "memory"),
            ),
        );
    }
}

/// `Allocated resources:`: the sums over the node's pods.
fn allocated_resources(w: &mut Writer, node: &Node, pods: &[&Pod]) {
    w.line(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)");
    w.line(1, "Resource\tRequests\tLimits");
    w.line(1, "--------\t--------\t------");
    let (reqs, limits) = total_requests_and_limits(pods);
    let alloc = allocatable(node);
    let hugepages = alloc.keys().map(String::as_str).filter(|r| r.starts_with("hugepages-"));
    for r in ["cpu", "memory", "ephemeral-storage"].into_iter().chain(hugepages) {
        let total = alloc.get(r).copied();
        let (req, limit) = (reqs.get(r).copied(), limits.get(r).copied());
        w.line(1, &format!("{r}\t{}\t{}", with_percent(r, req, total), with_percent(r, limit, total)));
    }
    let standard = ["cpu", "memory", "ephemeral-storage", "pods"];
    for r in alloc.keys().filter(|r| !standard.contains(&r.as_str()) && !r.starts_with("hugepages-")) {
        w.line(1, &format!("{r}\t{}\t{}", format_amount(reqs.get(r).copied()), format_amount(limits.get(r).copied())));
    }
}

/// `getPodsTotalRequestsAndLimits`.
fn total_requests_and_limits(pods: &[&Pod]) -> (Resources, Resources) {
    let (mut reqs, mut limits) = (Resources::new(), Resources::new());
    for pod in pods {
        add_all(&mut reqs, &pod_requests(pod));
        add_all(&mut limits, &pod_limits(pod));
    }
    (reqs, limits)
}

fn add_all(into: &mut Resources, from: &Resources) {
    for (name, amount) in from {
        let sum = add_amounts(into.get(name).copied(), *amount);
        into.insert(name.clone(), sum);
    }
}

/// `resourcehelper.PodRequests`: the containers' sum, or the largest init container
/// when that is larger.
fn pod_requests(pod: &Pod) -> Resources {
    pod_resources(pod, |r| &r.requests)
}

/// `resourcehelper.PodLimits`, computed like [`pod_requests`].
fn pod_limits(pod: &Pod) -> Resources {
    pod_resources(pod, |r| &r.limits)
}

fn pod_resources(pod: &Pod, pick: impl Fn(&ResourceRequirements) -> &BTreeMap<String, Quantity>) -> Resources {
    let amounts = |c: &Container| -> Resources {
        c.resources
            .as_ref()
            .map(|r| pick(r).iter().filter_map(|(k, q)| Amount::parse(&q.0).map(|a| (k.clone(), a))).collect())
            .unwrap_or_default()
    };
    let mut total = Resources::new();
    for c in &pod.spec.containers {
        add_all(&mut total, &amounts(c));
    }
    for c in &pod.spec.init_containers {
        for (name, amount) in amounts(c) {
            if total.get(&name).is_none_or(|t| t.milli < amount.milli) {
                total.insert(name, amount);
            }
        }
    }
    total
}
