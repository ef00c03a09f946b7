//! Services: `ValidateService` and `ValidateServiceUpdate` upstream, plus the NodePort
//! range check of the registry's port allocator.

use std::collections::BTreeSet;

use super::field::{
    Bad, Errs, NameFormat, Path, dns1123_label, dns1123_subdomain, go_int_or_string, go_quote, port_name, port_num,
    qualified_name, text,
};
use super::meta::{labels, object_meta, object_meta_update};
use crate::api::core::{Service, ServicePort};
use crate::api::meta::IntOrString;

/// The NodePort range (`--service-node-port-range` default).
const NODE_PORTS: std::ops::RangeInclusive<i32> = 30000..=32767;

/// Creating a Service. Upstream allocates node ports before validating, so a requested
/// port outside the range is the only error reported.
pub(super) fn service_create(e: &mut Errs, svc: &Service) {
    if let Some(range_error) = node_port_out_of_range(svc) {
        range_error(e);
        return;
    }
    service(e, svc, None);
}

/// `ValidateServiceUpdate`. Here validation comes first and allocation after, so the
/// range check only speaks when everything else is fine.
pub(super) fn service_update(e: &mut Errs, new: &Service, old: &Service) {
    object_meta_update(e, &new.metadata, &old.metadata, &Path::new("metadata"));
    service(e, new, Some(old));
    if e.is_empty()
        && let Some(range_error) = node_port_out_of_range(new)
    {
        range_error(e);
    }
}

/// The allocator's error for the first requested nodePort outside the range.
fn node_port_out_of_range(svc: &Service) -> Option<impl FnOnce(&mut Errs)> {
    if !matches!(text(&svc.spec.type_), "NodePort" | "LoadBalancer") {
        return None;
    }
    let (i, port) = svc
        .spec
        .ports
        .iter()
        .enumerate()
        .find_map(|(i, p)| p.node_port.filter(|np| *np != 0 && !NODE_PORTS.contains(np)).map(|np| (i, np)))?;
    Some(move |e: &mut Errs| {
        let msg = format!(
            "provided port is not in the valid range. The range of valid ports is {}-{}",
            NODE_PORTS.start(),
            NODE_PORTS.end()
        );
        e.invalid(&Path::new("spec").child("ports").index(i).child("nodePort"), port, &msg);
    })
}

/// The Service's clusterIPs as the registry sees them (it fills `clusterIPs` from
/// `clusterIP` before validating).
fn cluster_ips(svc: &Service) -> Vec<String> {
    if !svc.spec.cluster_ips.is_empty() {
        return svc.spec.cluster_ips.clone();
    }
    svc.spec.cluster_ip.iter().filter(|ip| !ip.is_empty()).cloned().collect()
}

/// `isHeadlessService`.
fn is_headless(svc: &Service) -> bool {
    text(&svc.spec.type_) == "ClusterIP" && cluster_ips(svc).first().is_some_and(|ip| ip == "None")
}

/// `ValidateService`. On update, fields the registry would clear when the type changes
/// (clusterIPs, ipFamilies, ipFamilyPolicy for ExternalName) are not held against the user
/// while they are unchanged.
fn service(e: &mut Errs, svc: &Service, old: Option<&Service>) {
    let spec = Path::new("spec");
    let type_ = text(&svc.spec.type_);
    object_meta(e, &svc.metadata, true, NameFormat::Dns1035, &Path::new("metadata"));
    if svc.spec.ports.is_empty() && !is_headless(svc) && type_ != "ExternalName" {
        e.required(&spec.child("ports"), "");
    }
    let ips = cluster_ips(svc);
    match type_ {
        "LoadBalancer" | "NodePort" if ips.first().is_some_and(|ip| ip == "None") => {
            let msg = format!("may not be set to 'None' for {type_} services");
            e.invalid(&spec.child("clusterIPs").index(0), "None", &msg);
        }
        "ExternalName" => {
            if !ips.is_empty() && old.is_none_or(|o| cluster_ips(o) != ips) {
                e.forbidden(&spec.child("clusterIPs"), "may not be set for ExternalName services");
            }
            if !svc.spec.ip_families.is_empty() && old.is_none_or(|o| o.spec.ip_families != svc.spec.ip_families) {
                e.forbidden(&spec.child("ipFamilies"), "may not be set for ExternalName services");
            }
            if svc.spec.ip_family_policy.is_some()
                && old.is_none_or(|o| o.spec.ip_family_policy != svc.spec.ip_family_policy)
            {
                e.forbidden(&spec.child("ipFamilyPolicy"), "may not be set for ExternalName services");
            }
            let name = text(&svc.spec.external_name);
            let cname = name.strip_suffix('.').unwrap_or(name);
            if cname.is_empty() {
                e.required(&spec.child("externalName"), "");
            } else {
                e.invalid_each(&spec.child("externalName"), cname, dns1123_subdomain(cname));
            }
        }
        _ => {}
    }
    let require_names = svc.spec.ports.len() > 1;
    let mut names = BTreeSet::new();
    for (i, port) in svc.spec.ports.iter().enumerate() {
        service_port(e, port, require_names, &mut names, &spec.child("ports").index(i));
    }
    labels(e, &svc.spec.selector, &spec.child("selector"));
    match text(&svc.spec.session_affinity) {
        "" => e.required(&spec.child("sessionAffinity"), ""),
        "ClientIP" | "None" => {}
        other => e.not_supported(&spec.child("sessionAffinity"), other, &["ClientIP", "None"]),
    }
    match type_ {
        "" => e.required(&spec.child("type"), ""),
        "ClusterIP" | "ExternalName" | "LoadBalancer" | "NodePort" => {}
        other => {
            e.not_supported(&spec.child("type"), other, &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"])
        }
    }
    if type_ == "ClusterIP" {
        for (i, port) in svc.spec.ports.iter().enumerate() {
            if port.node_port.is_some_and(|np| np != 0) {
                e.forbidden(
                    &spec.child("ports").index(i).child("nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                );
            }
        }
    }
    let mut node_ports = BTreeSet::new();
    for (i, port) in svc.spec.ports.iter().enumerate() {
        if let Some(np) = port.node_port.filter(|np| *np != 0)
            && !node_ports.insert((text(&port.protocol), np))
        {
            e.duplicate(&spec.child("ports").index(i).child("nodePort"), np, "");
        }
    }
    let mut ports = BTreeSet::new();
    for (i, port) in svc.spec.ports.iter().enumerate() {
        let protocol = text(&port.protocol);
        if !ports.insert((protocol, port.port)) {
            e.duplicate(&spec.child("ports").index(i), Bad::Go(go_service_port_key(protocol, port.port)), "");
        }
    }
    traffic_policies(e, svc, &spec);
}

/// `%#v` of the `core.ServicePort{Protocol, Port}` key upstream uses to find repeats.
fn go_service_port_key(protocol: &str, port: i32) -> String {
    format!(
        "core.ServicePort{{Name:\"\", Protocol:{}, AppProtocol:(*string)(nil), Port:{port}, TargetPort:{}, NodePort:0}}",
        go_quote(protocol),
        go_int_or_string(&IntOrString::Int(0))
    )
}

/// `validateServicePort`.
fn service_port<'a>(
    e: &mut Errs,
    port: &'a ServicePort,
    require_name: bool,
    names: &mut BTreeSet<&'a str>,
    path: &Path,
) {
    let name = text(&port.name);
    if require_name && name.is_empty() {
        e.required(&path.child("name"), "");
    } else if !name.is_empty() {
        e.invalid_each(&path.child("name"), name, dns1123_label(name));
        if !names.insert(name) {
            e.duplicate(&path.child("name"), name, "");
        }
    }
    for msg in port_num(i64::from(port.port)) {
        e.invalid(&path.child("port"), port.port, &msg);
    }
    match text(&port.protocol) {
        "" => e.required(&path.child("protocol"), ""),
        "TCP" | "UDP" | "SCTP" => {}
        other => e.not_supported(&path.child("protocol"), other, &["SCTP", "TCP", "UDP"]),
    }
    // Upstream defaulting turns an unset, 0 or "" targetPort into the port itself.
    let target = match &port.target_port {
        None | Some(IntOrString::Int(0)) => IntOrString::Int(port.port),
        Some(IntOrString::String(s)) if s.is_empty() => IntOrString::Int(port.port),
        Some(t) => t.clone(),
    };
    let target_path = path.child("targetPort");
    match &target {
        IntOrString::Int(n) => {
            for msg in port_num(i64::from(*n)) {
                e.invalid(&target_path, *n, &msg);
            }
        }
        IntOrString::String(s) => e.invalid_each(&target_path, s, port_name(s)),
    }
    if let Some(app_protocol) = &port.app_protocol {
        e.invalid_each(&path.child("appProtocol"), app_protocol, qualified_name(app_protocol));
    }
}

/// The values of `externalTrafficPolicy` and `internalTrafficPolicy`.
fn traffic_policies(e: &mut Errs, svc: &Service, spec: &Path) {
    let type_ = text(&svc.spec.type_);
    let external = text(&svc.spec.external_traffic_policy);
    if matches!(type_, "NodePort" | "LoadBalancer") {
        match external {
            "" => e.required(&spec.child("externalTrafficPolicy"), ""),
            "Cluster" | "Local" => {}
            other => e.not_supported(&spec.child("externalTrafficPolicy"), other, &["Cluster", "Local"]),
        }
    }
    match &svc.spec.internal_traffic_policy {
        None if matches!(type_, "NodePort" | "LoadBalancer" | "ClusterIP") => {
            e.required(&spec.child("internalTrafficPolicy"), "");
        }
        Some(p) if p != "Cluster" && p != "Local" => {
            e.not_supported(&spec.child("internalTrafficPolicy"), p.as_str(), &["Cluster", "Local"]);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::defaults::apply_defaults;
    use crate::api::object::Object;

    fn port(name: &str, port: i32) -> ServicePort {
        ServicePort { name: (!name.is_empty()).then(|| name.into()), port, ..Default::default() }
    }

    fn svc(type_: &str, ports: Vec<ServicePort>) -> Service {
        let mut s = Service::default();
        s.metadata.name = "web".into();
        s.metadata.namespace = "default".into();
        s.spec.type_ = Some(type_.into());
        s.spec.ports = ports;
        s.spec.selector.insert("app".into(), "web".into());
        let mut obj = Object::from(s);
        apply_defaults(&mut obj);
        let Object::Service(s) = obj else { unreachable!() };
        *s
    }

    fn create(s: &Service) -> Vec<String> {
        let mut e = Errs::default();
        service_create(&mut e, s);
        e.into_vec().iter().map(ToString::to_string).collect()
    }

    fn update(new: &Service, old: &Service) -> Vec<String> {
        let mut e = Errs::default();
        service_update(&mut e, new, old);
        e.into_vec().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_plain_service_is_valid() {
        assert!(create(&svc("ClusterIP", vec![port("", 80)])).is_empty());
        assert!(create(&svc("NodePort", vec![ServicePort { node_port: Some(30080), ..port("", 80) }])).is_empty());
    }

    #[test]
    fn names_are_dns1035_labels() {
        let mut s = svc("ClusterIP", vec![port("", 80)]);
        s.metadata.name = "1web.x".into();
        assert_eq!(
            create(&s),
            [
                "metadata.name: Invalid value: \"1web.x\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
            ]
        );
    }

    #[test]
    fn ports_are_required_unless_headless_or_external() {
        assert_eq!(create(&svc("ClusterIP", vec![])), ["spec.ports: Required value"]);
        let mut headless = svc("ClusterIP", vec![]);
        headless.spec.cluster_ip = Some("None".into());
        assert!(create(&headless).is_empty());
        let mut external = svc("ExternalName", vec![]);
        external.spec.external_name = Some("db.example.com.".into());
        assert!(create(&external).is_empty());
    }

    #[test]
    fn port_rules() {
        let mut bad_target = port("b", 70000);
        bad_target.target_port = Some(IntOrString::String("8080".into()));
        bad_target.protocol = Some("HTTP".into());
        let mut p = vec![port("", 80), bad_target, port("c", 81), port("c", 82)];
        p[2].target_port = Some(IntOrString::Int(-1));
        p[3].protocol = Some(String::new());
        p[3].app_protocol = Some("bad proto".into());
        assert_eq!(
            create(&svc("ClusterIP", p)),
            [
                "spec.ports[0].name: Required value",
                "spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
                "spec.ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
                "spec.ports[1].targetPort: Invalid value: \"8080\": must contain at least one letter (a-z)",
                "spec.ports[2].targetPort: Invalid value: -1: must be between 1 and 65535, inclusive",
                "spec.ports[3].name: Duplicate value: \"c\"",
                "spec.ports[3].appProtocol: Invalid value: \"bad proto\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            ]
        );
    }

    #[test]
    fn port_names_are_dns_labels() {
        let got = create(&svc("ClusterIP", vec![port("TCP-8080", 80), port("b", 81)]));
        assert_eq!(
            got,
            [
                "spec.ports[0].name: Invalid value: \"TCP-8080\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            ]
        );
    }

    #[test]
    fn zero_target_ports_default_to_the_port() {
        let mut p = port("", 80);
        p.target_port = Some(IntOrString::Int(0));
        assert!(create(&svc("ClusterIP", vec![p])).is_empty());
    }

    #[test]
    fn duplicate_ports() {
        let mut s = svc("NodePort", vec![port("a", 80), port("b", 80)]);
        s.spec.ports[0].node_port = Some(30080);
        s.spec.ports[1].node_port = Some(30080);
        assert_eq!(
            create(&s),
            [
                "spec.ports[1].nodePort: Duplicate value: 30080",
                "spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}",
            ]
        );
    }

    #[test]
    fn node_ports_on_cluster_ip_services() {
        let s = svc("ClusterIP", vec![ServicePort { node_port: Some(30080), ..port("", 80) }]);
        assert_eq!(create(&s), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
    }

    #[test]
    fn node_port_range_is_the_allocators_only_error() {
        let mut s = svc("NodePort", vec![ServicePort { node_port: Some(80), ..port("a", 80) }, port("", 81)]);
        s.spec.session_affinity = Some("Sticky".into());
        assert_eq!(
            create(&s),
            [
                "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"
            ]
        );
        let old = svc("NodePort", vec![port("", 80)]);
        assert_eq!(
            update(&s, &old),
            [
                "spec.ports[1].name: Required value",
                "spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\"",
            ]
        );
        s.spec.session_affinity = Some("None".into());
        s.spec.ports.pop();
        assert_eq!(
            update(&s, &old),
            [
                "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"
            ]
        );
    }

    #[test]
    fn types_and_policies() {
        let mut s = svc("Magic", vec![port("", 80)]);
        s.spec.internal_traffic_policy = Some("Nearby".into());
        assert_eq!(
            create(&s),
            [
                "spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"",
                "spec.internalTrafficPolicy: Unsupported value: \"Nearby\": supported values: \"Cluster\", \"Local\"",
            ]
        );
        let mut s = svc("NodePort", vec![port("", 80)]);
        s.spec.external_traffic_policy = Some("Everywhere".into());
        s.spec.type_ = Some(String::new());
        assert_eq!(create(&s), ["spec.type: Required value"]);
        s.spec.type_ = Some("NodePort".into());
        assert_eq!(
            create(&s),
            ["spec.externalTrafficPolicy: Unsupported value: \"Everywhere\": supported values: \"Cluster\", \"Local\""]
        );
        s.spec.external_traffic_policy = None;
        s.spec.internal_traffic_policy = None;
        assert_eq!(
            create(&s),
            ["spec.externalTrafficPolicy: Required value", "spec.internalTrafficPolicy: Required value"]
        );
    }

    #[test]
    fn headless_node_ports_and_external_names() {
        let mut s = svc("NodePort", vec![port("", 80)]);
        s.spec.cluster_ip = Some("None".into());
        assert_eq!(
            create(&s),
            ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"]
        );
        let mut ext = svc("ExternalName", vec![]);
        assert_eq!(create(&ext), ["spec.externalName: Required value"]);
        ext.spec.external_name = Some("Bad_Name".into());
        ext.spec.cluster_ip = Some("10.96.0.10".into());
        ext.spec.ip_families = vec!["IPv4".into()];
        ext.spec.ip_family_policy = Some("SingleStack".into());
        let got = create(&ext);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], "spec.clusterIPs: Forbidden: may not be set for ExternalName services");
        assert_eq!(got[1], "spec.ipFamilies: Forbidden: may not be set for ExternalName services");
        assert_eq!(got[2], "spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services");
        assert!(got[3].starts_with("spec.externalName: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"));
    }

    #[test]
    fn switching_to_external_name_keeps_old_ip_fields() {
        let mut old = svc("ClusterIP", vec![port("", 80)]);
        old.spec.cluster_ip = Some("10.96.0.10".into());
        old.spec.cluster_ips = vec!["10.96.0.10".into()];
        let mut new = old.clone();
        new.spec.type_ = Some("ExternalName".into());
        new.spec.external_name = Some("db.example.com".into());
        assert!(update(&new, &old).is_empty());
    }
}
