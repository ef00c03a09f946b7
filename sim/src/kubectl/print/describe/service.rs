//! `describeService`, with the Endpoints line from the Service's Endpoints object.

use serde_json::Value;

use crate::api::core::{Service, ServicePort};
use crate::api::{Kind, ObjKey, Object};

use super::{Writer, annotations_multiline, events_section, labels_multiline};
use crate::kubectl::print::format::{first_three, format_labels};

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
    for port in &spec.ports {
        service_port(w, svc, port);
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
fn service_port(w: &mut Writer, svc: &Service, port: &ServicePort) {
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
    let endpoints = endpoints(w, svc, port);
    w.line(0, &format!("Endpoints:\t{endpoints}"));
}

/// `formatEndpoints` for one port: the ready addresses of the Service's Endpoints
/// object for that port, at most three, then `+ N more...`; `<none>` without any.
fn endpoints(w: &Writer, svc: &Service, port: &ServicePort) -> String {
    let key = ObjKey::new(Kind::Endpoints, &svc.metadata.namespace, &svc.metadata.name);
    let Some(Object::Endpoints(ep)) = w.api.get(&key).map(|o| &**o) else { return "<none>".into() };
    let items: Vec<String> = ep
        .subsets
        .iter()
        .flat_map(|subset| {
            let ports = subset.ports.iter().filter(|p| p.name == port.name);
            ports.flat_map(move |p| subset.addresses.iter().map(move |a| join_host_port(&a.ip, p.port)))
        })
        .collect();
    first_three(&items, "<none>")
}

fn join_host_port(ip: &str, port: i32) -> String {
    if ip.contains(':') { format!("[{ip}]:{port}") } else { format!("{ip}:{port}") }
}
