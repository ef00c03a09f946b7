//! `Object`: any stored Kubernetes object, and `ObjKey`, its address in the store.

use std::fmt;

use serde::Serialize;

use super::apps::{Deployment, ReplicaSet};
use super::core::{Event, Lease, Namespace, Node, Pod, Service};
use super::discovery::{EndpointSlice, Endpoints};
use super::kinds::Kind;
use super::meta::ObjectMeta;
use super::name::Str;

/// Any object kubesim stores, typed. Every kind is boxed, so an `Object` is two words:
/// stores, caches and watch events move it for free, and each `Rc<Object>` costs its
/// kind's size, not the largest kind's. Build one with `Object::from(pod)`.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // One variant per kind; the kind's own type documents it.
pub enum Object {
    Namespace(Box<Namespace>),
    Node(Box<Node>),
    Pod(Box<Pod>),
    Service(Box<Service>),
    Event(Box<Event>),
    Lease(Box<Lease>),
    Deployment(Box<Deployment>),
    ReplicaSet(Box<ReplicaSet>),
    Endpoints(Box<Endpoints>),
    EndpointSlice(Box<EndpointSlice>),
}

/// `Object::from(pod)`, `pod.into()`: the variant for each kind.
macro_rules! from_kind {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        $(impl From<$ty> for Object {
            fn from(o: $ty) -> Object {
                Object::$variant(Box::new(o))
            }
        })*
    };
}

from_kind! {
    Namespace(Namespace),
    Node(Node),
    Pod(Pod),
    Service(Service),
    Event(Event),
    Lease(Lease),
    Deployment(Deployment),
    ReplicaSet(ReplicaSet),
    Endpoints(Endpoints),
    EndpointSlice(EndpointSlice),
}

/// Runs `$body` with `$o` bound to the inner typed object of whichever variant.
macro_rules! each_kind {
    ($obj:expr, $o:ident => $body:expr) => {
        match $obj {
            Object::Namespace($o) => $body,
            Object::Node($o) => $body,
            Object::Pod($o) => $body,
            Object::Service($o) => $body,
            Object::Event($o) => $body,
            Object::Lease($o) => $body,
            Object::Deployment($o) => $body,
            Object::ReplicaSet($o) => $body,
            Object::Endpoints($o) => $body,
            Object::EndpointSlice($o) => $body,
        }
    };
}

/// Runs `$body` on the typed pair when both objects are the same kind with a status;
/// evaluates to `$otherwise` for kinds without one or mismatched kinds.
macro_rules! each_status_pair {
    ($x:expr, $y:expr, $a:ident, $b:ident => $body:expr, $otherwise:expr) => {
        match ($x, $y) {
            (Object::Namespace($a), Object::Namespace($b)) => $body,
            (Object::Node($a), Object::Node($b)) => $body,
            (Object::Pod($a), Object::Pod($b)) => $body,
            (Object::Service($a), Object::Service($b)) => $body,
            (Object::Deployment($a), Object::Deployment($b)) => $body,
            (Object::ReplicaSet($a), Object::ReplicaSet($b)) => $body,
            _ => $otherwise,
        }
    };
}

impl Object {
    /// The object's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Object::Namespace(_) => Kind::Namespace,
            Object::Node(_) => Kind::Node,
            Object::Pod(_) => Kind::Pod,
            Object::Service(_) => Kind::Service,
            Object::Event(_) => Kind::Event,
            Object::Lease(_) => Kind::Lease,
            Object::Deployment(_) => Kind::Deployment,
            Object::ReplicaSet(_) => Kind::ReplicaSet,
            Object::Endpoints(_) => Kind::Endpoints,
            Object::EndpointSlice(_) => Kind::EndpointSlice,
        }
    }

    /// Its metadata.
    pub fn meta(&self) -> &ObjectMeta {
        each_kind!(self, o => &o.metadata)
    }

    /// Its metadata, mutably.
    pub fn meta_mut(&mut self) -> &mut ObjectMeta {
        each_kind!(self, o => &mut o.metadata)
    }

    /// Where it lives in the store.
    pub fn key(&self) -> ObjKey {
        let (kind, meta) = (self.kind(), self.meta());
        // The key shares the object's names.
        let namespace = if kind.namespaced() { meta.namespace.clone() } else { Str::default() };
        ObjKey { kind, namespace, name: meta.name.clone() }
    }

    /// Sets `apiVersion` and `kind` to the served version, as the apiserver does on output.
    pub fn set_type_meta(&mut self) {
        let kind = self.kind();
        each_kind!(self, o => {
            o.api_version = Str::lit(kind.api_version());
            o.kind = Str::lit(kind.name());
        })
    }

    /// The object as Kubernetes JSON. Keys come out sorted, as kubectl prints them.
    pub fn to_json(&self) -> serde_json::Value {
        each_kind!(self, o => serde_json::to_value(o)).expect("API objects always serialize")
    }

    /// The object's spec as JSON (or `null`), for generation bookkeeping.
    pub fn spec_json(&self) -> serde_json::Value {
        match self {
            Object::Namespace(o) => serde_json::to_value(&o.spec),
            Object::Node(o) => serde_json::to_value(&o.spec),
            Object::Pod(o) => serde_json::to_value(&o.spec),
            Object::Service(o) => serde_json::to_value(&o.spec),
            Object::Deployment(o) => serde_json::to_value(&o.spec),
            Object::ReplicaSet(o) => serde_json::to_value(&o.spec),
            Object::Lease(o) => serde_json::to_value(&o.spec),
            Object::Event(_) | Object::Endpoints(_) | Object::EndpointSlice(_) => Ok(serde_json::Value::Null),
        }
        .expect("API objects always serialize")
    }

    /// Replaces this object's status with `other`'s (same kind), for the status subresource.
    pub fn copy_status_from(&mut self, other: &Object) {
        each_status_pair!(self, other, a, b => a.status = b.status.clone(), ())
    }

    /// Swaps statuses with `other` (same kind): moves a new status in without cloning.
    pub fn swap_status(&mut self, other: &mut Object) {
        each_status_pair!(self, other, a, b => std::mem::swap(&mut a.status, &mut b.status), ())
    }

    /// True when both objects (same kind) have equal statuses.
    pub fn status_eq(&self, other: &Object) -> bool {
        each_status_pair!(self, other, a, b => a.status == b.status, true)
    }

    /// The pod, if this is one.
    pub fn as_pod(&self) -> Option<&Pod> {
        if let Object::Pod(p) = self { Some(p) } else { None }
    }

    /// The node, if this is one.
    pub fn as_node(&self) -> Option<&Node> {
        if let Object::Node(n) = self { Some(n) } else { None }
    }

    /// The Service, if this is one.
    pub fn as_service(&self) -> Option<&Service> {
        if let Object::Service(s) = self { Some(s) } else { None }
    }

    /// The Deployment, if this is one.
    pub fn as_deployment(&self) -> Option<&Deployment> {
        if let Object::Deployment(d) = self { Some(d) } else { None }
    }

    /// The EndpointSlice, if this is one.
    pub fn as_endpoint_slice(&self) -> Option<&EndpointSlice> {
        if let Object::EndpointSlice(s) = self { Some(s) } else { None }
    }
}

impl Serialize for Object {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        each_kind!(self, o => o.serialize(s))
    }
}

/// The address of an object: kind, namespace (empty for cluster-scoped kinds) and name.
/// Ordered, so store iteration is deterministic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjKey {
    /// Kind.
    pub kind: Kind,
    /// Namespace, or empty.
    pub namespace: Str,
    /// Name.
    pub name: Str,
}

impl ObjKey {
    /// Builds a key; the namespace is dropped for cluster-scoped kinds.
    pub fn new(kind: Kind, namespace: &str, name: &str) -> ObjKey {
        let namespace = if kind.namespaced() { namespace } else { "" };
        ObjKey { kind, namespace: namespace.into(), name: name.into() }
    }

    /// `new`, sharing the names it is given: the key of an owner, from its dependent's
    /// namespace and the name in the owner reference, costs no allocation.
    pub fn shared(kind: Kind, namespace: &Str, name: &Str) -> ObjKey {
        let namespace = if kind.namespaced() { namespace.clone() } else { Str::default() };
        ObjKey { kind, namespace, name: name.clone() }
    }
}

/// `Pod default/web`, `Node node-1`: the form the trace and explain-why use.
impl fmt::Display for ObjKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind.name(), self.name)
        } else {
            write!(f, "{} {}/{}", self.kind.name(), self.namespace, self.name)
        }
    }
}
