//! Where a Service's traffic can go: `Endpoints` (v1) and `EndpointSlice`
//! (discovery.k8s.io/v1), written by the endpoint controllers from the pods a Service
//! selects.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::core::ObjectReference;
use super::meta::{ObjectMeta, null_as_default};
use super::name::Str;

/// Endpoints: the addresses behind a Service, ready and not ready. Named after the Service
/// and kept in step with its pods by the endpoints controller.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Endpoints {
    /// The API group and version this object is written in: v1. Clients send it; the server
    /// fills it in on what it returns.
    #[serde(default)]
    pub api_version: Str,
    /// The type of this object: Endpoints. Clients send it; the server fills it in on what
    /// it returns.
    #[serde(default)]
    pub kind: Str,
    /// Standard object metadata: name, namespace, labels and annotations, plus the identity
    /// and bookkeeping fields the apiserver sets.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ObjectMeta,
    /// Groups of addresses, each group with the ports all of its addresses offer.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub subsets: Vec<EndpointSubset>,
}

/// A set of addresses sharing ports.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointSubset {
    /// Addresses of ready pods, to which the Service sends traffic.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<EndpointAddress>,
    /// Addresses of pods that are not ready, such as ones still starting; the Service sends
    /// them no traffic.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub not_ready_addresses: Vec<EndpointAddress>,
    /// The ports offered at every address of this group.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<EndpointPort>,
}

/// One address behind a Service, usually a pod's IP.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointAddress {
    /// The IP address.
    pub ip: Str,
    /// The node the address is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<Str>,
    /// The object the address belongs to, usually a Pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<ObjectReference>,
}

/// One port offered by the endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointPort {
    /// The port's name, the same as the matching Service port's name; may be empty when the
    /// Service has one port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The port number.
    pub port: i32,
    /// The port's protocol: TCP, UDP or SCTP. Defaults to TCP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// An EndpointSlice (discovery.k8s.io/v1): some of a Service's endpoints, with their
/// conditions. Kubernetes puts up to 100 endpoints in each slice; kubesim keeps one slice
/// per Service.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointSlice {
    /// The API group and version this object is written in: discovery.k8s.io/v1. Clients
    /// send it; the server fills it in on what it returns.
    #[serde(default)]
    pub api_version: Str,
    /// The type of this object: EndpointSlice. Clients send it; the server fills it in on
    /// what it returns.
    #[serde(default)]
    pub kind: Str,
    /// Standard object metadata: name, namespace, labels and annotations, plus the identity
    /// and bookkeeping fields the apiserver sets.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ObjectMeta,
    /// What kind of addresses the slice holds: IPv4, IPv6 or FQDN. Cannot be changed after
    /// creation.
    #[serde(default)]
    pub address_type: String,
    /// The endpoints in the slice.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<Endpoint>,
    /// The ports every endpoint in the slice offers.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<EndpointPort>,
}

/// One endpoint in a slice, usually a pod.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Endpoint {
    /// The endpoint's addresses, all equivalent; usually the single IP of a pod.
    #[serde(default, deserialize_with = "null_as_default")]
    pub addresses: Vec<Str>,
    /// Whether the endpoint is ready, serving and terminating.
    #[serde(default, deserialize_with = "null_as_default")]
    pub conditions: EndpointConditions,
    /// The node the endpoint is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<Str>,
    /// The object behind the endpoint, usually a Pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<ObjectReference>,
}

/// What state an endpoint is in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointConditions {
    /// Whether the endpoint should receive traffic: it is serving and not terminating.
    /// Unset counts as ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
    /// Whether the endpoint's pod passes its readiness check, whether it is terminating or
    /// not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serving: Option<bool>,
    /// Whether the endpoint's pod is shutting down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminating: Option<bool>,
}

impl EndpointSlice {
    /// The port this slice gives for the Service port named `name` (a slice names an
    /// unnamed Service port `""`).
    pub fn port_for(&self, name: Option<&str>) -> Option<i32> {
        let name = name.unwrap_or_default();
        self.ports.iter().find(|p| p.name.as_deref().unwrap_or_default() == name).map(|p| p.port)
    }
}
