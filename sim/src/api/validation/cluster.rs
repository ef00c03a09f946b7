//! Namespaces, Nodes, Leases and Events.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use super::field::{
    Bad, Errs, NEGATIVE_MSG, NameFormat, Path, dns1123_subdomain, go_pointer, go_quote, label_value, qualified_name,
    text,
};
use super::meta::{kube_finalizer, object_meta, object_meta_update};
use super::pod::taint_effect;
use super::resources::Qty;
use crate::api::core::{Event, Lease, Namespace, Node, Taint};
use crate::api::meta::Quantity;

/// `ValidateNamespace`.
pub(super) fn namespace(e: &mut Errs, ns: &Namespace) {
    object_meta(e, &ns.metadata, false, NameFormat::Label, &Path::new("metadata"));
    let spec = Path::new("spec");
    let path = spec.child("finalizers");
    for finalizer in ns.spec.iter().flat_map(|s| &s.finalizers) {
        e.invalid_each(&path, finalizer, qualified_name(finalizer));
        kube_finalizer(e, finalizer, &path);
    }
}

/// `ValidateNamespaceUpdate`.
pub(super) fn namespace_update(e: &mut Errs, new: &Namespace, old: &Namespace) {
    object_meta_update(e, &new.metadata, &old.metadata, &Path::new("metadata"));
}

/// `ValidateNode`.
pub(super) fn node(e: &mut Errs, node: &Node) {
    let meta = Path::new("metadata");
    object_meta(e, &node.metadata, false, NameFormat::Subdomain, &meta);
    taints(e, &node.spec.taints, &meta.child("taints"));
    node_resources(e, node);
}

/// `ValidateNodeUpdate`.
pub(super) fn node_update(e: &mut Errs, new: &Node, old: &Node) {
    let meta = Path::new("metadata");
    object_meta_update(e, &new.metadata, &old.metadata, &meta);
    node_resources(e, new);
    // The pod CIDRs and provider ID may be set once, then never changed.
    let spec = Path::new("spec");
    let cidrs = spec.child("podCIDRs");
    let cidr_msg = "node updates may not change podCIDR except from \"\" to valid";
    if !old.spec.pod_cidrs.is_empty() {
        if old.spec.pod_cidrs.len() != new.spec.pod_cidrs.len() {
            e.forbidden(&cidrs, cidr_msg);
        } else {
            for (o, n) in old.spec.pod_cidrs.iter().zip(&new.spec.pod_cidrs) {
                if o != n {
                    e.forbidden(&cidrs, cidr_msg);
                }
            }
        }
    }
    let old_provider = text(&old.spec.provider_id);
    if !old_provider.is_empty() && old_provider != text(&new.spec.provider_id) {
        e.forbidden(
            &Path::new("spec").child("providerID"),
            "node updates may not change providerID except from \"\" to valid",
        );
    }
    taints(e, &new.spec.taints, &meta.child("taints"));
}

/// `ValidateNodeResources`: capacity and allocatable may not be negative.
fn node_resources(e: &mut Errs, node: &Node) {
    let lists: [(&str, &BTreeMap<String, Quantity>); 2] =
        [("capacity", &node.status.capacity), ("allocatable", &node.status.allocatable)];
    for (list, quantities) in lists {
        for (name, q) in quantities {
            let status = Path::new("status");
            let list_path = status.child(list);
            let path = list_path.child(name);
            if let Some(parsed) = Qty::parse(q).filter(Qty::is_negative) {
                e.invalid(&path, parsed.canonical(), NEGATIVE_MSG);
            }
        }
    }
}

/// `%#v` of a `core.Taint`.
fn go_taint(t: &Taint) -> String {
    format!(
        "core.Taint{{Key:{}, Value:{}, Effect:{}, TimeAdded:{}}}",
        go_quote(&t.key),
        go_quote(text(&t.value)),
        go_quote(&t.effect),
        go_pointer("v1.Time", t.time_added.is_some())
    )
}

/// `validateNodeTaints` (upstream reports them under `metadata.taints`).
fn taints(e: &mut Errs, taints: &[Taint], path: &Path) {
    let mut seen = BTreeSet::new();
    for (i, t) in taints.iter().enumerate() {
        let p = path.index(i);
        e.invalid_each(&p.child("key"), &t.key, qualified_name(&t.key));
        let value = text(&t.value);
        let msgs = label_value(value);
        if !msgs.is_empty() {
            e.invalid(&p.child("value"), value, &msgs.join(";"));
        }
        taint_effect(e, &t.effect, false, &p.child("effect"));
        if !seen.insert((t.effect.as_str(), t.key.as_str())) {
            e.duplicate(&p, Bad::Go(go_taint(t)), "taints must be unique by key and effect pair");
        }
    }
}

/// `ValidateLease`, on create and update alike.
pub(super) fn lease(e: &mut Errs, lease: &Lease, old: Option<&Lease>) {
    let meta = Path::new("metadata");
    match old {
        Some(old) => object_meta_update(e, &lease.metadata, &old.metadata, &meta),
        None => object_meta(e, &lease.metadata, true, NameFormat::Subdomain, &meta),
    }
    let spec = Path::new("spec");
    if let Some(d) = lease.spec.lease_duration_seconds.filter(|d| *d <= 0) {
        e.invalid(&spec.child("leaseDurationSeconds"), d, "must be greater than 0");
    }
    if let Some(t) = lease.spec.lease_transitions.filter(|t| *t < 0) {
        e.invalid(&spec.child("leaseTransitions"), t, NEGATIVE_MSG);
    }
}

/// The legacy (core/v1) event checks: the event lives in its object's namespace.
pub(super) fn event(e: &mut Errs, ev: &Event) {
    let namespace = &ev.metadata.namespace;
    let involved = text(&ev.involved_object.namespace);
    let mismatch =
        if involved.is_empty() { !namespace.is_empty() && namespace != "default" } else { namespace != involved };
    if mismatch {
        e.invalid(&Path::new("involvedObject").child("namespace"), involved, "does not match event.namespace");
    }
    e.invalid_each(&Path::new("namespace"), namespace, dns1123_subdomain(namespace));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core::{LeaseSpec, NamespaceSpec, ObjectReference};
    use crate::api::meta::Time;
    use crate::engine::SimTime;

    use super::super::field::Errs;

    fn run(f: impl FnOnce(&mut Errs)) -> Vec<String> {
        Errs::collect(f)
    }

    fn ns(name: &str) -> Namespace {
        let mut n = Namespace::default();
        n.metadata.name = name.into();
        n.spec = Some(NamespaceSpec { finalizers: vec!["kubernetes".into()] });
        n
    }

    fn node(name: &str) -> Node {
        let mut n = Node::default();
        n.metadata.name = name.into();
        n
    }

    #[test]
    fn namespaces() {
        assert!(run(|e| namespace(e, &ns("kube-system"))).is_empty());
        assert_eq!(
            run(|e| namespace(e, &ns("my.team"))),
            ["metadata.name: Invalid value: \"my.team\": must not contain dots"]
        );
        let mut n = ns("team");
        n.spec = Some(NamespaceSpec { finalizers: vec!["cleanup".into()] });
        assert_eq!(
            run(|e| namespace(e, &n)),
            [
                "spec.finalizers: Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it fully qualified"
            ]
        );
        assert_eq!(
            run(|e| namespace_update(e, &ns("b"), &ns("a"))),
            ["metadata.name: Invalid value: \"b\": field is immutable"]
        );
    }

    #[test]
    fn nodes() {
        assert!(run(|e| super::node(e, &node("node-1.example.com"))).is_empty());
        let mut n = node("Node_1");
        n.spec.taints = vec![
            Taint { key: "bad key".into(), value: Some("x y".into()), effect: "Sometimes".into(), time_added: None },
            Taint { key: "k".into(), value: None, effect: String::new(), time_added: None },
            Taint { key: "k".into(), value: Some("v".into()), effect: "NoExecute".into(), time_added: None },
            Taint {
                key: "k".into(),
                value: None,
                effect: "NoExecute".into(),
                time_added: Some(Time::at(SimTime::ZERO)),
            },
        ];
        n.status.capacity.insert("cpu".into(), Quantity("-2".into()));
        let got = run(|e| super::node(e, &n));
        assert_eq!(got.len(), 7);
        assert!(got[0].starts_with("metadata.name: Invalid value: \"Node_1\": a lowercase RFC 1123 subdomain"));
        assert!(got[1].starts_with("metadata.taints[0].key: Invalid value: \"bad key\": name part must consist"));
        assert!(got[2].starts_with("metadata.taints[0].value: Invalid value: \"x y\": a valid label must be"));
        assert_eq!(
            got[3],
            "metadata.taints[0].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""
        );
        assert_eq!(got[4], "metadata.taints[1].effect: Required value");
        assert_eq!(
            got[5],
            "metadata.taints[3]: Duplicate value: core.Taint{Key:\"k\", Value:\"\", Effect:\"NoExecute\", TimeAdded:(*v1.Time)(0xc000010000)}: taints must be unique by key and effect pair"
        );
        assert_eq!(got[6], "status.capacity.cpu: Invalid value: \"-2\": must be greater than or equal to 0");
    }

    #[test]
    fn node_updates() {
        let mut old = node("n1");
        old.spec.pod_cidrs = vec!["10.244.1.0/24".into()];
        old.spec.provider_id = Some("sim://n1".into());
        let mut new = old.clone();
        new.spec.unschedulable = Some(true);
        assert!(run(|e| node_update(e, &new, &old)).is_empty());
        new.spec.pod_cidrs = vec!["10.244.2.0/24".into()];
        new.spec.provider_id = Some("sim://n2".into());
        assert_eq!(
            run(|e| node_update(e, &new, &old)),
            [
                "spec.podCIDRs: Forbidden: node updates may not change podCIDR except from \"\" to valid",
                "spec.providerID: Forbidden: node updates may not change providerID except from \"\" to valid",
            ]
        );
        let mut fresh = node("n1");
        fresh.spec.pod_cidrs.clear();
        assert!(run(|e| node_update(e, &old, &fresh)).is_empty());
    }

    #[test]
    fn leases() {
        let mut l = Lease::default();
        l.metadata.name = "node-1".into();
        l.metadata.namespace = "kube-node-lease".into();
        l.spec = LeaseSpec { lease_duration_seconds: Some(40), lease_transitions: Some(0), ..Default::default() };
        assert!(run(|e| lease(e, &l, None)).is_empty());
        let mut bad = l.clone();
        bad.spec.lease_duration_seconds = Some(0);
        bad.spec.lease_transitions = Some(-1);
        assert_eq!(
            run(|e| lease(e, &bad, Some(&l))),
            [
                "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
                "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
            ]
        );
    }

    #[test]
    fn events_live_with_their_object() {
        let mut ev = Event::default();
        ev.metadata.namespace = "default".into();
        ev.involved_object = ObjectReference { namespace: None, ..Default::default() };
        assert!(run(|e| event(e, &ev)).is_empty());
        ev.involved_object.namespace = Some("shop".into());
        assert_eq!(
            run(|e| event(e, &ev)),
            ["involvedObject.namespace: Invalid value: \"shop\": does not match event.namespace"]
        );
        ev.metadata.namespace = "Shop".into();
        ev.involved_object.namespace = Some("Shop".into());
        let got = run(|e| event(e, &ev));
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("namespace: Invalid value: \"Shop\": a lowercase RFC 1123 subdomain"));
    }
}
