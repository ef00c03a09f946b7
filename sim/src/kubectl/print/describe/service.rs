//! `describeService`, with the Endpoints line computed from the store the way the
//! endpoints controller would fill the Service's Endpoints object.

use serde_json::Value;

use crate::api::Kind;
use crate::api::core::{Pod, Service, ServicePort};
use crate::api::meta::{IntOrString, find_condition};

use super::{Writer, annotations_multiline, events_section, labels_multiline};
use crate::kubectl::print::format::format_labels;

/// `formatEndpoints` shows at most this many addresses.
const MAX_ENDPOINTS: usize = 3;

pub(super) fn describe_service(w: &mut Writer, svc: &Service) {
    let (meta, spec) = (&svc.metadata, &svc.spec);
    w.line(0, &format!("Name:\t{}", meta.name));
    w.line(0, &format!("Namespace:\t{}", meta.namespace));
    labels_multiline(w, "Labels", &meta.labels);
    annotations_multiline(w, "Annotations", &meta.annotations);
    w.line(0, &format!("Selector:\t{}", format_labels(&spec.selector)));
    w.line(0, &format!("Type:\t{}", spec.type_.as_deref().unwrap_or("")));
    if let Some(policy) = &spec.ip_family_policy {
        w.line(0, &format!("IP Family Policy:\t{policy}"));
    }
    w.line(0, &format!("IP Families:\t{}", joined_or_none(&spec.ip_families)));
    w.line(0, &format!("IP:\t{}", spec.cluster_ip.as_deref().unwrap_or("")));
    w.line(0, &format!("IPs:\t{}", joined_or_none(&spec.cluster_ips)));
    external_addresses(w, svc);
    let pods: Vec<&Pod> = w.api.list(Kind::Pod, Some(&meta.namespace)).filter_map(|o| o.as_pod()).collect();
    for port in &spec.ports {
        service_port(w, svc, port, &pods);
    }
    let affinity = spec.session_affinity.as_deref().unwrap_or("");
    w.line(0, &format!("Session Affinity:\t{affinity}"));
    if let Some(policy) = spec.external_traffic_policy.as_deref().filter(|p| !p.is_empty()) {
        w.line(0, &format!("External Traffic Policy:\t{policy}"));
    }
    if let Some(policy) = &spec.internal_traffic_policy {
        w.line(0, &format!("Internal Traffic Policy:\t{policy}"));
    }
    events_section(w, &[&meta.uid]);
}

fn joined_or_none(items: &[String]) -> String {
    if items.is_empty() { "<none>".into() } else { items.join(",") }
}

/// External IPs, the requested load balancer IP, the external name, and the load
/// balancer's ingress points, each only when set.
fn external_addresses(w: &mut Writer, svc: &Service) {
    let spec = &svc.spec;
    if !spec.external_ips.is_empty() {
        w.line(0, &format!("External IPs:\t{}", spec.external_ips.join(",")));
    }
    if let Some(ip) = spec.load_balancer_ip.as_deref().filter(|ip| !ip.is_empty()) {
        w.line(0, &format!("Desired LoadBalancer IP:\t{ip}"));
    }
    if let Some(name) = spec.external_name.as_deref().filter(|n| !n.is_empty()) {
        w.line(0, &format!("External Name:\t{name}"));
    }
    let ingress = &svc.status.load_balancer.ingress;
    if !ingress.is_empty() {
        let list: Vec<String> = ingress.iter().map(ingress_text).collect();
        w.line(0, &format!("LoadBalancer Ingress:\t{}", list.join(", ")));
    }
}

/// One load balancer ingress point: `ip (mode)` or the hostname.
fn ingress_text(ingress: &Value) -> String {
    match ingress["ip"].as_str().filter(|ip| !ip.is_empty()) {
        Some(ip) => match ingress["ipMode"].as_str() {
            Some(mode) => format!("{ip} ({mode})"),
            None => ip.to_string(),
        },
        None => ingress["hostname"].as_str().unwrap_or("").to_string(),
    }
}

/// Port, TargetPort, NodePort and Endpoints for one service port.
fn service_port(w: &mut Writer, svc: &Service, port: &ServicePort, pods: &[&Pod]) {
    let name = port.name.as_deref().filter(|n| !n.is_empty()).unwrap_or("<unset>");
    let protocol = port.protocol.as_deref().unwrap_or("");
    w.line(0, &format!("Port:\t{name}\t{}/{protocol}", port.port));
    let target = port.target_port.as_ref().map_or_else(|| "0".to_string(), ToString::to_string);
    w.line(0, &format!("TargetPort:\t{target}/{protocol}"));
    if let Some(app) = &port.app_protocol {
        w.line(0, &format!("AppProtocol:\t{app}"));
    }
    if let Some(node_port) = port.node_port.filter(|p| *p != 0) {
        w.line(0, &format!("NodePort:\t{name}\t{node_port}/{protocol}"));
    }
    w.line(0, &format!("Endpoints:\t{}", endpoints(svc, port, pods)));
}

/// `formatEndpoints` for one port: up to three `ip:port` of the ready pods the selector
/// matches, sorted by IP, then `+ N more...`; `<none>` without any.
fn endpoints(svc: &Service, port: &ServicePort, pods: &[&Pod]) -> String {
    if svc.spec.selector.is_empty() {
        return "<none>".into();
    }
    let mut addresses: Vec<(String, i32)> = pods
        .iter()
        .filter(|p| svc.spec.selector.iter().all(|(k, v)| p.metadata.labels.get(k) == Some(v)))
        .filter(|p| p.metadata.deletion_timestamp.is_none() && is_ready(p))
        .filter_map(|p| Some((pod_ip(p)?, target_port(p, port)?)))
        .collect();
    if addresses.is_empty() {
        return "<none>".into();
    }
    addresses.sort();
    let shown: Vec<String> = addresses.iter().take(MAX_ENDPOINTS).map(|(ip, port)| join_host_port(ip, *port)).collect();
    let mut text = shown.join(",");
    if addresses.len() > MAX_ENDPOINTS {
        text += &format!(" + {} more...", addresses.len() - MAX_ENDPOINTS);
    }
    text
}

fn is_ready(pod: &Pod) -> bool {
    find_condition(&pod.status.conditions, "Ready").is_some_and(|c| c.status == "True")
}

fn pod_ip(pod: &Pod) -> Option<String> {
    pod.status.pod_ip.clone().or_else(|| pod.status.pod_ips.first().map(|ip| ip.ip.clone())).filter(|ip| !ip.is_empty())
}

/// `podutil.FindPort`: a numeric target port as is, a named one looked up among the
/// pod's container ports.
fn target_port(pod: &Pod, port: &ServicePort) -> Option<i32> {
    match &port.target_port {
        None => Some(port.port),
        Some(IntOrString::Int(n)) => Some(*n),
        Some(IntOrString::String(name)) => pod
            .spec
            .containers
            .iter()
            .flat_map(|c| &c.ports)
            .find(|p| p.name.as_deref() == Some(name) && p.protocol == port.protocol)
            .map(|p| p.container_port),
    }
}

fn join_host_port(ip: &str, port: i32) -> String {
    if ip.contains(':') { format!("[{ip}]:{port}") } else { format!("{ip}:{port}") }
}
