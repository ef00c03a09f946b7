//! Validation of objects on create and update, with the apiserver's field error texts
//! (`pkg/apis/*/validation` and `apimachinery/pkg/util/validation` in Kubernetes v1.32).
//!
//! Every problem is collected, in the order upstream finds them, and each `detail` is
//! exactly what kubectl prints after the path. Objects arrive defaulted
//! (`defaults::apply_defaults`), as upstream validates internal, defaulted objects.
//!
//! - `field`: paths, error bodies, Go value formatting and the name/label formats.
//! - `meta`: metadata, labels, annotations, label selectors.
//! - `pod`, `resources`: pods and pod templates (one validator for both).
//! - `service`, `apps`, `cluster`: the other kinds.

mod apps;
mod cluster;
mod field;
mod meta;
mod pod;
mod resources;
mod service;

use super::object::Object;

/// One field error, printed as kubectl does: `spec.containers[0].image: Required value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the field.
    pub path: String,
    /// The rest of the line after the path, e.g. `Required value`.
    pub detail: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.detail)
    }
}

/// Every problem with `obj` as a new object (empty when it may be created).
pub fn validate_create(obj: &Object) -> Vec<FieldError> {
    let mut e = field::Errs::default();
    match obj {
        Object::Pod(p) => pod::pod_create(&mut e, p),
        Object::Service(s) => service::service_create(&mut e, s),
        Object::Deployment(d) => apps::deployment(&mut e, d),
        Object::ReplicaSet(rs) => apps::replica_set(&mut e, rs),
        Object::Namespace(ns) => cluster::namespace(&mut e, ns),
        Object::Node(n) => cluster::node(&mut e, n),
        Object::Lease(l) => cluster::lease(&mut e, l, None),
        Object::Event(ev) => cluster::event(&mut e, ev),
        // Written by the endpoint controllers; kubesim checks only their names.
        Object::Endpoints(_) | Object::EndpointSlice(_) => {}
    }
    e.into_vec()
}

/// Every problem with changing `old` into `new`: the create rules on `new` plus what may
/// not change (a pod's spec beyond images, deadlines, added tolerations and its first
/// binding to a node; a Deployment's or ReplicaSet's selector; names).
pub fn validate_update(old: &Object, new: &Object) -> Vec<FieldError> {
    let mut e = field::Errs::default();
    match (new, old) {
        (Object::Pod(n), Object::Pod(o)) => pod::pod_update(&mut e, n, o),
        (Object::Service(n), Object::Service(o)) => service::service_update(&mut e, n, o),
        (Object::Deployment(n), Object::Deployment(o)) => apps::deployment_update(&mut e, n, o),
        (Object::ReplicaSet(n), Object::ReplicaSet(o)) => apps::replica_set_update(&mut e, n, o),
        (Object::Namespace(n), Object::Namespace(o)) => cluster::namespace_update(&mut e, n, o),
        (Object::Node(n), Object::Node(o)) => cluster::node_update(&mut e, n, o),
        (Object::Lease(n), Object::Lease(o)) => cluster::lease(&mut e, n, Some(o)),
        (Object::Event(n), Object::Event(_)) => cluster::event(&mut e, n),
        // Different kinds never share a key; validate the new object on its own.
        _ => return validate_create(new),
    }
    e.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core::{Container, Namespace, Node, Pod, Service, ServicePort};
    use crate::api::defaults::apply_defaults;
    use crate::api::meta::IntOrString;

    fn defaulted(mut obj: Object) -> Object {
        apply_defaults(&mut obj);
        obj
    }

    fn pod(name: &str, image: &str) -> Object {
        let mut p = Pod::default();
        p.metadata.name = name.into();
        p.metadata.namespace = "default".into();
        p.spec.containers.push(Container { name: "web".into(), image: Some(image.into()), ..Default::default() });
        defaulted(Object::from(p))
    }

    fn lines(errors: &[FieldError]) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn display_is_path_then_detail() {
        let e = FieldError { path: "spec.containers[0].image".into(), detail: "Required value".into() };
        assert_eq!(e.to_string(), "spec.containers[0].image: Required value");
    }

    #[test]
    fn the_my_pod_example() {
        assert_eq!(
            lines(&validate_create(&pod("My_Pod", "nginx"))),
            [
                "metadata.name: Invalid value: \"My_Pod\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            ]
        );
    }

    #[test]
    fn every_problem_is_reported_in_order() {
        let mut obj = pod("web", "");
        if let Object::Pod(p) = &mut obj {
            p.metadata.labels.insert("app".into(), "bad value!".into());
            p.spec.restart_policy = Some("Sometimes".into());
        }
        let got = lines(&validate_create(&obj));
        assert_eq!(got.len(), 3);
        assert!(got[0].starts_with("metadata.labels: Invalid value: \"bad value!\""));
        assert_eq!(got[1], "spec.containers[0].image: Required value");
        assert_eq!(
            got[2],
            "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\""
        );
    }

    #[test]
    fn kinds_pick_their_name_format() {
        let mut ns = Namespace::default();
        ns.metadata.name = "a.b".into();
        assert_eq!(
            lines(&validate_create(&defaulted(Object::from(ns)))),
            ["metadata.name: Invalid value: \"a.b\": must not contain dots"]
        );
        let mut node = Node::default();
        node.metadata.name = "a.b".into();
        assert!(validate_create(&Object::from(node)).is_empty());
        let mut svc = Service::default();
        svc.metadata.name = "a.b".into();
        svc.metadata.namespace = "default".into();
        svc.spec.ports.push(ServicePort { port: 80, target_port: Some(IntOrString::Int(8080)), ..Default::default() });
        let got = lines(&validate_create(&defaulted(Object::from(svc))));
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("metadata.name: Invalid value: \"a.b\": a DNS-1035 label"));
    }

    #[test]
    fn updates_check_the_new_object_and_what_may_not_change() {
        let old = pod("web", "nginx:1.26");
        assert!(validate_update(&old, &pod("web", "nginx:1.27")).is_empty());
        let mut blank = old.clone();
        if let Object::Pod(p) = &mut blank {
            p.spec.containers[0].image = Some(String::new());
        }
        assert_eq!(lines(&validate_update(&old, &blank)), ["spec.containers[0].image: Required value"]);
        let mut moved = old.clone();
        if let Object::Pod(p) = &mut moved {
            p.spec.restart_policy = Some("Never".into());
        }
        let got = lines(&validate_update(&old, &moved));
        assert_eq!(got.len(), 1);
        assert!(
            got[0].starts_with(
                "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`"
            )
        );
    }

    #[test]
    fn mismatched_kinds_validate_the_new_object() {
        let mut ns = Namespace::default();
        ns.metadata.name = "Bad".into();
        assert_eq!(validate_update(&pod("web", "nginx"), &Object::from(ns)).len(), 1);
    }

    #[test]
    fn hostile_input_never_panics() {
        let weird = [
            "",
            "-",
            "é-",
            "\u{0}",
            "a/b/c/d",
            "/",
            "%",
            "-1",
            "99999999999999999999999999999999999999999",
            "1.5.5",
            "+-1",
            "🙂🙂🙂",
        ];
        for w in weird {
            let mut p = Pod::default();
            p.metadata.name = w.into();
            p.metadata.namespace = w.into();
            p.metadata.rare.generate_name = Some(w.into());
            p.metadata.labels.insert(w.into(), w.into());
            p.metadata.annotations.insert(w.into(), w.into());
            p.metadata.rare.finalizers.push(w.into());
            let mut c = Container { name: w.into(), image: Some(w.into()), ..Default::default() };
            c.resources = Some(crate::api::core::ResourceRequirements {
                requests: [(w.to_string(), crate::api::meta::Quantity(w.into()))].into(),
                limits: [(w.to_string(), crate::api::meta::Quantity(w.into()))].into(),
            });
            p.spec.containers.push(c);
            p.spec.node_name = Some(w.into());
            p.spec.restart_policy = Some(w.into());
            let obj = Object::from(p);
            let _ = validate_create(&obj);
            let _ = validate_update(&obj, &obj);
            let _ = validate_update(&pod("web", "nginx"), &obj);
        }
    }
}
