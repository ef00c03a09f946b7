//! The `v1` kinds kubesim serves: Namespace, Node, Pod, Service, Event, and the Lease
//! (`coordination.k8s.io/v1`) that carries node heartbeats.
//!
//! Fields kubesim does not simulate but real manifests commonly carry (probes, volumes,
//! security contexts, affinity...) are accepted as opaque JSON so that a real manifest
//! applies; `unsimulated_fields` names them so kubectl can warn.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::meta::{Condition, IntOrString, MicroTime, ObjectMeta, Quantity, Time, null_as_default};
use super::name::Str;
use super::shared::Shared;

/// A Namespace: a named scope for objects. Names need only be unique within a namespace,
/// and deleting it deletes everything in it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Namespace {
    /// The API group and version this object is written in: v1. Clients send it; the server
    /// fills it in on what it returns.
    #[serde(default)]
    pub api_version: Str,
    /// The type of this object: Namespace. Clients send it; the server fills it in on what
    /// it returns.
    #[serde(default)]
    pub kind: Str,
    /// Standard object metadata: name, namespace, labels and annotations, plus the identity
    /// and bookkeeping fields the apiserver sets.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ObjectMeta,
    /// What is wanted of the Namespace; it holds only the finalizers that must finish
    /// before it is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<NamespaceSpec>,
    /// The observed state of the Namespace, that is its phase. Written by the system, not
    /// by users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NamespaceStatus>,
}

/// The desired state of a Namespace.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespaceSpec {
    /// Cleanup steps that must finish before the Namespace is finally removed. Kubernetes
    /// adds kubernetes, which is cleared once every object in the namespace has been
    /// deleted.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub finalizers: Vec<String>,
}

/// The observed state of a Namespace. Written by the system, not by users.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespaceStatus {
    /// Where the Namespace is in its life: Active, or Terminating once it has been deleted
    /// and its contents are being removed. Set by the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
}

/// A Node: one machine, here simulated, that runs pods under the control of its kubelet.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Node {
    /// The API group and version this object is written in: v1. Clients send it; the server
    /// fills it in on what it returns.
    #[serde(default)]
    pub api_version: Str,
    /// The type of this object: Node. Clients send it; the server fills it in on what it
    /// returns.
    #[serde(default)]
    pub kind: Str,
    /// Standard object metadata: name, namespace, labels and annotations, plus the identity
    /// and bookkeeping fields the apiserver sets.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ObjectMeta,
    /// How the node may be used: its pod address range, its taints, and whether new pods
    /// may be placed on it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub spec: NodeSpec,
    /// What is known about the node: its resources, conditions, addresses and software
    /// versions. Written by the kubelet and the node lifecycle controller, not by users.
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: NodeStatus,
}

/// The desired state of a Node.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSpec {
    /// The IP range, in CIDR notation, from which this node's pods get their addresses.
    /// kubesim assigns a /24 when the node registers.
    #[serde(rename = "podCIDR", default, skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    /// All of the node's pod IP ranges, at most one per IP family; the first is the same as
    /// podCIDR.
    #[serde(rename = "podCIDRs", default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub pod_cidrs: Vec<String>,
    /// The ID the cloud provider uses for the machine behind this node, written as the
    /// provider's name, ://, and the machine's ID, for example aws:///us-east-1a/i-0abc.
    #[serde(rename = "providerID", default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// When true, the scheduler places no new pods on the node, while pods already there
    /// keep running. kubectl cordon sets it and kubectl uncordon clears it. Defaults to
    /// false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unschedulable: Option<bool>,
    /// Taints that keep away every pod without a matching toleration; see Taint.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
}

/// A taint on a node: a key, an optional value and an effect that repels pods which do not
/// tolerate it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Taint {
    /// The taint's key, written like a label key, for example
    /// node.kubernetes.io/unreachable.
    pub key: String,
    /// An optional value paired with the key; a toleration with operator Equal must give
    /// the same value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What the taint does to pods that do not tolerate it: NoSchedule (no new pods are
    /// placed here), PreferNoSchedule (the scheduler avoids the node when it can) or
    /// NoExecute (pods already running are evicted too).
    pub effect: String,
    /// When the taint was added; recorded for NoExecute taints, whose evictions are timed
    /// from it. Set by the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_added: Option<Time>,
}

/// The observed state of a Node. Written by the kubelet and the node lifecycle controller,
/// not by users.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeStatus {
    /// How much of each resource (cpu, memory, pods and so on) the node has in total.
    /// Reported by the kubelet.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub capacity: BTreeMap<String, Quantity>,
    /// How much of each resource is left for pods once the system's reservations are taken
    /// out of the capacity. The scheduler fits pods' requests against it. Reported by the
    /// kubelet.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub allocatable: BTreeMap<String, Quantity>,
    /// The node's health signals, such as Ready, MemoryPressure, DiskPressure and
    /// PIDPressure. Kept up to date by the kubelet; the node lifecycle controller marks
    /// them Unknown when the kubelet stops reporting.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// The addresses at which the node can be reached, such as its InternalIP and Hostname.
    /// Reported by the kubelet.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<NodeAddress>,
    /// Identity and version details of the machine and its software: kernel, operating
    /// system, container runtime and kubelet. Reported by the kubelet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_info: Option<NodeSystemInfo>,
    /// The ports on which the node's daemons, such as the kubelet, listen. Reported by the
    /// kubelet. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daemon_endpoints: Option<Value>,
    /// The container images already present on the node, with their sizes. Reported by the
    /// kubelet. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Value>,
}

/// One address at which a node can be reached, and what kind of address it is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeAddress {
    /// What kind of address this is: Hostname, InternalIP, ExternalIP, InternalDNS or
    /// ExternalDNS.
    #[serde(rename = "type")]
    pub type_: String,
    /// The address itself: an IP address or a host name, depending on the type.
    pub address: String,
}

/// Facts about a node's machine and the software on it, as the kubelet reports them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSystemInfo {
    /// The machine's unique ID, as found in /etc/machine-id.
    #[serde(rename = "machineID")]
    pub machine_id: String,
    /// The hardware UUID reported by the machine's firmware.
    #[serde(rename = "systemUUID")]
    pub system_uuid: String,
    /// An ID that changes each time the machine boots.
    #[serde(rename = "bootID")]
    pub boot_id: String,
    /// The kernel's version, as uname -r prints it.
    pub kernel_version: String,
    /// The operating system distribution and its version, as /etc/os-release names it.
    pub os_image: String,
    /// The container runtime and its version, written as runtime://version, for example
    /// containerd://1.7.0.
    pub container_runtime_version: String,
    /// The version of the node's kubelet.
    pub kubelet_version: String,
    /// The version of kube-proxy the node reports. Deprecated upstream, which no longer
    /// fills it in reliably.
    pub kube_proxy_version: String,
    /// The operating system family, such as linux or windows.
    pub operating_system: String,
    /// The processor architecture, such as amd64 or arm64.
    pub architecture: String,
}

/// A Pod: one or more containers that are placed on the same node together and share one
/// network address.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pod {
    /// The API group and version this object is written in: v1. Clients send it; the server
    /// fills it in on what it returns.
    #[serde(default)]
    pub api_version: Str,
    /// The type of this object: Pod. Clients send it; the server fills it in on what it
    /// returns.
    #[serde(default)]
    pub kind: Str,
    /// Standard object metadata: name, namespace, labels and annotations, plus the identity
    /// and bookkeeping fields the apiserver sets.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ObjectMeta,
    // Shared among the pod's versions (status updates do not copy it).
    /// What the pod should run: its containers, and how they are scheduled, restarted and
    /// stopped.
    #[serde(default, deserialize_with = "null_as_default")]
    pub spec: Shared<PodSpec>,
    /// What is happening to the pod now: its phase, conditions, IP addresses and container
    /// states. Written by the scheduler and the kubelet, not by users.
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: Shared<PodStatus>,
}

/// The desired state of a Pod: its containers and how to run them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodSpec {
    /// The containers to run in the pod, each from its own image. A pod needs at least one.
    #[serde(default)]
    pub containers: Shared<Vec<Container>>,
    /// Containers that run one at a time, each until it exits successfully, before the
    /// regular containers start. Stored; kubesim does not simulate it.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Shared::is_empty_list")]
    pub init_containers: Shared<Vec<Container>>,
    /// What the kubelet does when a container exits: Always (restart it), OnFailure
    /// (restart it only after a non-zero exit) or Never. Defaults to Always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<Str>,
    /// How many seconds the containers get to shut down after being sent SIGTERM before
    /// they are killed with SIGKILL. Defaults to 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_grace_period_seconds: Option<i64>,
    /// How many seconds the pod may run, counted from its start, before it is stopped and
    /// marked Failed. Unset means no limit. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<i64>,
    /// How the pod's DNS resolution is set up: ClusterFirst (use the cluster's DNS),
    /// ClusterFirstWithHostNet (the same, for pods on the host network), Default (inherit
    /// the node's settings) or None (use only dnsConfig). Defaults to ClusterFirst.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_policy: Option<Str>,
    /// Labels a node must carry, every one of them with the given value, for the pod to be
    /// placed on it.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// The ServiceAccount whose identity the pod's processes use when they call the API.
    /// Defaults to default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<Str>,
    /// Deprecated older spelling of serviceAccountName.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<Str>,
    /// The node the pod runs on. The scheduler sets it when it binds the pod; setting it
    /// yourself bypasses the scheduler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<Str>,
    /// When true, the pod uses the node's own network and IP address instead of getting its
    /// own. Defaults to false. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_network: Option<bool>,
    /// The pod's host name as its containers see it. Defaults to the pod's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<Str>,
    /// With a headless Service of this name, gives the pod a DNS name of the form
    /// hostname.subdomain.namespace.svc.cluster.local. Stored; kubesim does not simulate
    /// it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<Str>,
    /// Which scheduler places the pod. Defaults to default-scheduler, the only one kubesim
    /// runs; pods naming another stay Pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler_name: Option<Str>,
    /// The taints this pod accepts: it may be placed on, or stay on, nodes that carry them.
    /// See Toleration.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Shared::is_empty_list")]
    pub tolerations: Shared<Vec<Toleration>>,
    /// The pod's priority, a number where higher means more important. Filled in from
    /// priorityClassName at admission rather than set by hand. Defaults to 0. Stored;
    /// kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// The PriorityClass that decides the pod's priority. Unset means the cluster's default
    /// class, or priority 0 when there is none. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<Str>,
    /// Whether the kubelet adds environment variables describing the namespace's Services
    /// to each container. Defaults to true. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_service_links: Option<bool>,
    /// Whether the pod may push out lower-priority pods to make room for itself:
    /// PreemptLowerPriority or Never. Defaults to PreemptLowerPriority. Stored; kubesim
    /// does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemption_policy: Option<Str>,
    /// Whether the service account's API token is mounted into the pod automatically.
    /// Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
    // Accepted but not simulated; boxed, as most pods have none and every bound pod has
    // a spec of its own.
    /// Storage the containers can mount: empty directories, ConfigMaps, Secrets, persistent
    /// volumes and more. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<Box<Value>>,
    /// Rules that draw the pod to, or keep it away from, particular nodes or other pods.
    /// Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Box<Value>>,
    /// Security settings for the whole pod, such as the user and group its processes run
    /// as. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<Box<Value>>,
    /// Secrets with registry credentials the kubelet uses when pulling the pod's images.
    /// Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_secrets: Option<Box<Value>>,
    /// Rules for spreading matching pods evenly across zones, nodes or other topology
    /// domains. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology_spread_constraints: Option<Box<Value>>,
    /// Extra host name entries to add to the pod's /etc/hosts. Stored; kubesim does not
    /// simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_aliases: Option<Box<Value>>,
    /// Extra DNS settings (name servers, search domains, resolver options) merged with what
    /// dnsPolicy produces. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_config: Option<Box<Value>>,
    /// Extra conditions, set by other components, that must be True before the pod counts
    /// as ready. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness_gates: Option<Box<Value>>,
}

impl PodSpec {
    /// JSON paths (relative to the pod spec) of fields that were given but are not
    /// simulated, for a warning.
    pub fn unsimulated_fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        let spec_fields = [
            ("volumes", self.volumes.is_some()),
            ("affinity", self.affinity.is_some()),
            ("securityContext", self.security_context.is_some()),
            ("topologySpreadConstraints", self.topology_spread_constraints.is_some()),
            ("readinessGates", self.readiness_gates.is_some()),
            ("initContainers", !self.init_containers.is_empty()),
        ];
        out.extend(spec_fields.iter().filter(|(_, set)| *set).map(|(f, _)| f.to_string()));
        for (i, c) in self.containers.iter().enumerate() {
            let fields = [
                ("livenessProbe", c.liveness_probe.is_some()),
                ("startupProbe", c.startup_probe.is_some()),
                ("volumeMounts", c.volume_mounts.is_some()),
                ("securityContext", c.security_context.is_some()),
                ("lifecycle", c.lifecycle.is_some()),
            ];
            out.extend(fields.iter().filter(|(_, set)| *set).map(|(f, _)| format!("containers[{i}].{f}")));
        }
        out
    }
}

/// One container in a pod: the image to run and how to run it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Container {
    /// The container's name, which must be a DNS label and unique within the pod.
    #[serde(default)]
    pub name: String,
    /// The container image to run, for example nginx:1.27.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The program to run, in place of the image's ENTRYPOINT. Unset means the image's own
    /// entrypoint.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Arguments for the program, in place of the image's CMD. Unset means the image's own
    /// CMD.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// The directory the process starts in. Unset means the image's default. Stored;
    /// kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Ports the container listens on. Listing them is mostly informational: an unlisted
    /// port can still be reached.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
    /// Environment variables to set in the container.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// How much CPU and memory the container asks for (requests) and may use at most
    /// (limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// When the kubelet pulls the image: Always, IfNotPresent or Never. Defaults to Always
    /// for images tagged latest or untagged, and to IfNotPresent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<String>,
    /// The file in the container whose contents become its termination message when it
    /// exits. Defaults to /dev/termination-log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_message_path: Option<String>,
    /// Where the termination message comes from: File (only the file) or
    /// FallbackToLogsOnError (the end of the log when the file is empty and the container
    /// failed). Defaults to File.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_message_policy: Option<String>,
    /// A check that tells when the container is ready to receive traffic. kubesim does not
    /// run it: a container with one becomes ready once its image has had its start-up time
    /// (see the image catalog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Value>,
    /// Whether the container keeps a standard input stream open, for example for kubectl
    /// attach. Defaults to false. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<bool>,
    /// Whether the container gets a terminal; usually set together with stdin. Defaults to
    /// false. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tty: Option<bool>,
    // Accepted but not simulated.
    /// A check whose repeated failure makes the kubelet restart the container. Stored;
    /// kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Value>,
    /// A check that must pass before the other probes begin; if it keeps failing, the
    /// container is restarted. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_probe: Option<Value>,
    /// Where the pod's volumes appear in the container's file system. Stored; kubesim does
    /// not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_mounts: Option<Value>,
    /// Sources, such as ConfigMaps and Secrets, whose every key becomes an environment
    /// variable. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_from: Option<Value>,
    /// Security settings for this container, such as its user, capabilities and whether it
    /// is privileged. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<Value>,
    /// Actions to run just after the container starts (postStart) or just before it is
    /// stopped (preStop). Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Value>,
}

/// A port a container listens on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerPort {
    /// A name for the port, unique within the pod, that a Service's targetPort can use
    /// instead of the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The port number the container listens on, from 1 to 65535.
    pub container_port: i32,
    /// The port's protocol: TCP, UDP or SCTP. Defaults to TCP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// A port on the node that forwards to this container port. Few pods need it, and it
    /// limits how many such pods fit on one node. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<i32>,
    /// The node IP address on which to open the hostPort. Stored; kubesim does not simulate
    /// it.
    #[serde(rename = "hostIP", default, skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
}

/// An environment variable to set in a container.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvVar {
    /// The variable's name.
    pub name: String,
    /// The variable's value; references like $(OTHER) to variables defined earlier in the
    /// list are expanded. Defaults to the empty string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Where to take the value from instead: a ConfigMap or Secret key, a field of the pod,
    /// or a container's resource settings. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<Value>,
}

/// The compute resources a container requests, and the limits it may not exceed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceRequirements {
    /// How much of each resource (cpu, memory) the container needs. The scheduler only
    /// places the pod on a node with that much allocatable capacity left unrequested.
    /// Kubernetes copies the limits here when only limits are given; kubesim does not.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<String, Quantity>,
    /// The most of each resource the container may use: above its CPU limit it is slowed
    /// down, above its memory limit it is killed (OOMKilled).
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, Quantity>,
}

/// A toleration: lets a pod be placed on, or stay on, a node that carries a matching taint.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Toleration {
    /// The taint key this toleration matches. Empty matches every key, which is allowed
    /// only with operator Exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Str>,
    /// How the taint is matched: Equal (the values must be equal) or Exists (any value
    /// matches). Defaults to Equal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Str>,
    /// The taint value to match when the operator is Equal; must be empty with Exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Str>,
    /// The taint effect this matches: NoSchedule, PreferNoSchedule or NoExecute. Empty
    /// matches every effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<Str>,
    /// For NoExecute taints: how many seconds the pod may stay on the node once the taint
    /// appears, before it is evicted. Unset means it may stay for good.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

impl Toleration {
    /// True when this toleration tolerates `taint` (upstream `ToleratesTaint`).
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if self.effect.as_deref().is_some_and(|e| !e.is_empty() && e != taint.effect) {
            return false;
        }
        let key = self.key.as_deref().unwrap_or("");
        if !key.is_empty() && key != taint.key {
            return false;
        }
        match self.operator.as_deref().unwrap_or("Equal") {
            "Exists" => true,
            _ => self.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""),
        }
    }
}

/// The observed state of a Pod. Written by the scheduler and the kubelet, not by users.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodStatus {
    /// Where the pod is in its life: Pending, Running, Succeeded, Failed or Unknown. Set by
    /// the kubelet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Str>,
    /// The pod's conditions, such as PodScheduled, Initialized, ContainersReady and Ready.
    /// Set by the scheduler and the kubelet.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Shared::is_empty_list")]
    pub conditions: Shared<Vec<Condition>>,
    /// A human-readable explanation of why the pod is in its current state. Set by the
    /// system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Str>,
    /// A short CamelCase word for why the pod is in its current state, such as Evicted. Set
    /// by the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Str>,
    /// The node the scheduler intends to place the pod on once preemption has freed room
    /// there. Set by the scheduler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominated_node_name: Option<Str>,
    /// The IP address of the node the pod was placed on. Set by the kubelet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "hostIP")]
    pub host_ip: Option<Str>,
    /// All IP addresses of the pod's node, the first being hostIP. Set by the kubelet.
    #[serde(
        rename = "hostIPs",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Shared::is_empty_list"
    )]
    pub host_ips: Shared<Vec<PodIp>>,
    /// The pod's own IP address, taken from its node's pod range. Set by the kubelet.
    #[serde(rename = "podIP", default, skip_serializing_if = "Option::is_none")]
    pub pod_ip: Option<Str>,
    /// All of the pod's IP addresses, at most one per IP family, the first being podIP. Set
    /// by the kubelet.
    #[serde(
        rename = "podIPs",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Shared::is_empty_list"
    )]
    pub pod_ips: Shared<Vec<PodIp>>,
    /// When the kubelet accepted the pod, before any image was pulled. Set by the kubelet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
    /// The state of each init container. Set by the kubelet.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub init_container_statuses: Vec<ContainerStatus>,
    /// The state of each regular container: waiting, running or terminated, whether it is
    /// ready, and how often it restarted. Set by the kubelet.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub container_statuses: Vec<ContainerStatus>,
    /// The pod's quality-of-service class, derived from its containers' requests and
    /// limits: Guaranteed, Burstable or BestEffort. Set by the apiserver when the pod is
    /// created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qos_class: Option<Str>,
}

/// One IP address, of a pod (podIPs) or of its node (hostIPs).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodIp {
    /// The IP address.
    pub ip: Str,
}

/// The observed state of one container. Written by the kubelet, not by users.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerStatus {
    /// The container's name, as given in the pod spec.
    pub name: Str,
    /// What the container is doing now: waiting, running or terminated.
    #[serde(default, deserialize_with = "null_as_default")]
    pub state: ContainerState,
    /// The container's previous state, usually how it terminated before its latest restart.
    #[serde(default, deserialize_with = "null_as_default")]
    pub last_state: ContainerState,
    /// Whether the container is ready to receive traffic.
    pub ready: bool,
    /// How many times the kubelet has restarted the container.
    pub restart_count: i32,
    /// The image the container runs, as named in the spec.
    pub image: Str,
    /// The exact image the container runs, usually identified by its digest.
    #[serde(rename = "imageID", default)]
    pub image_id: Str,
    /// The container's ID in the container runtime, written as runtime://id, for example
    /// containerd://3f9e0c7a.
    #[serde(rename = "containerID", default, skip_serializing_if = "Option::is_none")]
    pub container_id: Option<Str>,
    /// Whether the container has finished starting, that is whether its startup probe, if
    /// any, has passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<bool>,
}

/// What a container is doing: at most one of waiting, running and terminated is set, and
/// none set means waiting.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerState {
    /// Set while the container has not started yet, or is between restarts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<Box<ContainerStateWaiting>>,
    /// Set while the container is running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<ContainerStateRunning>,
    /// Set once the container has exited. (Boxed in kubesim: most containers never
    /// exit, and every pod status holds two states.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated: Option<Box<ContainerStateTerminated>>,
}

/// Details of a container that is not running yet.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerStateWaiting {
    /// Why the container is waiting, as one CamelCase word, such as ContainerCreating,
    /// ErrImagePull, ImagePullBackOff or CrashLoopBackOff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Str>,
    /// More detail on why the container is waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Str>,
}

/// Details of a running container.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerStateRunning {
    /// When the container last started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
}

/// Details of a container that has exited.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerStateTerminated {
    /// The exit status of the container's process; 0 means it succeeded.
    pub exit_code: i32,
    /// The number of the signal that ended the process, if a signal did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// Why the container ended, as one CamelCase word, such as Completed, Error or
    /// OOMKilled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Str>,
    /// More detail on why the container ended, such as its termination message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Str>,
    /// When the container started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
    /// When the container exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Time>,
    /// The container runtime's ID of the container that exited, written as runtime://id,
    /// for example containerd://3f9e0c7a.
    #[serde(rename = "containerID", default, skip_serializing_if = "Option::is_none")]
    pub container_id: Option<Str>,
}

/// A Service: a stable virtual IP address and DNS name in front of a changing set of pods,
/// picked by a label selector, with traffic spread among them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Service {
    /// The API group and version this object is written in: v1. Clients send it; the server
    /// fills it in on what it returns.
    #[serde(default)]
    pub api_version: Str,
    /// The type of this object: Service. Clients send it; the server fills it in on what it
    /// returns.
    #[serde(default)]
    pub kind: Str,
    /// Standard object metadata: name, namespace, labels and annotations, plus the identity
    /// and bookkeeping fields the apiserver sets.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ObjectMeta,
    /// What the Service exposes: which pods, on which ports, and in which way.
    #[serde(default, deserialize_with = "null_as_default")]
    pub spec: ServiceSpec,
    /// The observed state of the Service, that is its load balancer if it has one. Written
    /// by the system, not by users.
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: ServiceStatus,
}

/// The desired state of a Service.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceSpec {
    /// How the Service is exposed: ClusterIP (a virtual IP reachable inside the cluster),
    /// NodePort (additionally a port on every node), LoadBalancer (additionally an external
    /// load balancer) or ExternalName (a DNS alias for another name). Defaults to
    /// ClusterIP. kubesim provisions no external load balancers.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Labels that pick the pods the Service sends traffic to. When empty, the Service's
    /// endpoints are not managed automatically.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub selector: BTreeMap<String, String>,
    /// The ports the Service listens on, and where each one forwards traffic.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ServicePort>,
    /// The Service's virtual IP address inside the cluster. Usually allocated by the
    /// apiserver; None makes a headless Service, which has no virtual IP.
    #[serde(rename = "clusterIP", default, skip_serializing_if = "Option::is_none")]
    pub cluster_ip: Option<String>,
    /// All of the Service's virtual IP addresses, at most one per IP family, the first
    /// being clusterIP.
    #[serde(
        rename = "clusterIPs",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cluster_ips: Vec<String>,
    /// Whether requests from one client keep going to the same pod: ClientIP, or None for
    /// no stickiness. Defaults to None. Stored; kubesim does not simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_affinity: Option<String>,
    /// How traffic arriving from outside the cluster (through node ports or load balancers)
    /// is routed: Cluster (to any ready pod) or Local (only to pods on the receiving node,
    /// which keeps the client's source IP). Defaults to Cluster. Stored; kubesim does not
    /// simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_traffic_policy: Option<String>,
    /// How traffic from inside the cluster is routed: Cluster (to any ready pod) or Local
    /// (only to pods on the sender's node). Defaults to Cluster. Stored; kubesim does not
    /// simulate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_traffic_policy: Option<String>,
    /// The IP families the Service uses, IPv4 and/or IPv6, in order. Filled in by the
    /// apiserver; kubesim's clusters are IPv4 only.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub ip_families: Vec<String>,
    /// Whether the Service has addresses of one IP family or of both: SingleStack,
    /// PreferDualStack or RequireDualStack. Defaults to SingleStack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_family_policy: Option<String>,
    /// Extra IP addresses, routed to the nodes by something outside Kubernetes, on which
    /// the Service also accepts traffic. Stored; kubesim does not simulate it.
    #[serde(
        rename = "externalIPs",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub external_ips: Vec<String>,
    /// For type LoadBalancer: the IP address to request from the load balancer. Deprecated
    /// upstream. Stored; kubesim does not simulate it.
    #[serde(rename = "loadBalancerIP", default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_ip: Option<String>,
    /// For type ExternalName: the DNS name the Service's own name stands for (returned as a
    /// CNAME record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_name: Option<String>,
}

/// One port a Service listens on, and where it forwards the traffic.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServicePort {
    /// A name for the port, unique within the Service; required when the Service has more
    /// than one port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The port's protocol: TCP, UDP or SCTP. Defaults to TCP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The port number the Service listens on at its cluster IP.
    pub port: i32,
    /// The port on the pods that traffic is sent to: a number, or the name of a container
    /// port. Defaults to the value of port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<IntOrString>,
    /// For NodePort and LoadBalancer Services: the port opened on every node, in
    /// 30000-32767 by default. Allocated by the apiserver when left unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_port: Option<i32>,
    /// A hint naming the application protocol spoken on this port, such as http or
    /// kubernetes.io/h2c.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
}

/// The observed state of a Service. Written by the system, not by users.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceStatus {
    /// The Service's external load balancer, once one has been provisioned for a
    /// LoadBalancer Service.
    #[serde(default, deserialize_with = "null_as_default")]
    pub load_balancer: LoadBalancerStatus,
}

/// What is known about a Service's external load balancer. Written by the cloud provider's
/// controller, not by users.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadBalancerStatus {
    /// The IP addresses or host names at which the load balancer receives traffic. Stored;
    /// kubesim does not simulate it.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<Value>,
}

/// A core/v1 Event: something a component wants people to know about an object. Written by
/// the component that noticed it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Event {
    /// The API group and version this object is written in: v1. Clients send it; the server
    /// fills it in on what it returns.
    #[serde(default)]
    pub api_version: Str,
    /// The type of this object: Event. Clients send it; the server fills it in on what it
    /// returns.
    #[serde(default)]
    pub kind: Str,
    /// Standard object metadata: name, namespace, labels and annotations, plus the identity
    /// and bookkeeping fields the apiserver sets.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ObjectMeta,
    /// The object the event is about.
    #[serde(default, deserialize_with = "null_as_default")]
    pub involved_object: ObjectReference,
    /// What happened, as one short CamelCase word, such as Scheduled, Pulled or BackOff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Str>,
    /// A human-readable description of what happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Str>,
    /// The component, and the host, that reported the event.
    #[serde(default, deserialize_with = "null_as_default")]
    pub source: EventSource,
    /// When the event was first seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_timestamp: Option<Time>,
    /// When the event was most recently seen; repeats of an event are folded into one,
    /// whose count goes up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_timestamp: Option<Time>,
    /// How many times the event has happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i32>,
    /// How serious the event is: Normal or Warning.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<Str>,
    /// When the event happened, to the microsecond; used by the newer events.k8s.io API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<MicroTime>,
    /// The component that reported the event, such as kubelet or default-scheduler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_component: Option<Str>,
    /// Which instance of that component reported the event, such as the node of a kubelet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_instance: Option<Str>,
}

/// A reference to another object, by kind, namespace and name, and optionally its UID.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectReference {
    /// The API group and version of the object referred to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<Str>,
    /// The kind of the object referred to, such as Pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Str>,
    /// The namespace of the object referred to; empty for objects that have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Str>,
    /// The name of the object referred to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    /// The UID of the object referred to, which tells it apart from earlier objects of the
    /// same name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// The resource version of the object that the reference was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<Str>,
    /// Which part of the object is meant, when not the whole of it, such as
    /// spec.containers{web} for one container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_path: Option<Str>,
}

/// The component that reported an event, and where it runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventSource {
    /// The component that reported the event, such as kubelet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<Str>,
    /// The node the reporting component runs on, for components that run on every node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Str>,
}

/// A coordination.k8s.io/v1 Lease: a lock that one holder keeps renewing. Each kubelet
/// renews one in kube-node-lease as its heartbeat.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lease {
    /// The API group and version this object is written in: coordination.k8s.io/v1. Clients
    /// send it; the server fills it in on what it returns.
    #[serde(default)]
    pub api_version: Str,
    /// The type of this object: Lease. Clients send it; the server fills it in on what it
    /// returns.
    #[serde(default)]
    pub kind: Str,
    /// Standard object metadata: name, namespace, labels and annotations, plus the identity
    /// and bookkeeping fields the apiserver sets.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ObjectMeta,
    /// Who holds the lease, and the times at which it was taken and renewed.
    #[serde(default, deserialize_with = "null_as_default")]
    pub spec: LeaseSpec,
}

/// The holder of a Lease and its timing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LeaseSpec {
    /// Who holds the lease now; for a node's heartbeat, the node's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_identity: Option<String>,
    /// How many seconds after the last renewal others should wait before treating the lease
    /// as abandoned. Node leases use 40.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_duration_seconds: Option<i32>,
    /// When the current holder took the lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquire_time: Option<MicroTime>,
    /// When the holder last renewed the lease; a kubelet renews its node's lease every 10
    /// seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_time: Option<MicroTime>,
    /// How many times the lease has passed from one holder to another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_transitions: Option<i32>,
}
