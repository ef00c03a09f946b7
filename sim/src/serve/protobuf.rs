//! Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`) turned into
//! the JSON the rest of kubesim reads.
//!
//! kubectl's typed clients (`kubectl create deployment`, `create service`, `create
//! namespace`, the evictions of `kubectl drain`, ...) send their bodies as Kubernetes
//! protobuf: the magic `k8s\0`, then a `runtime.Unknown` message whose `raw` field holds the
//! object's own message. [`decode`] reads the wire format with a small reader of its own and
//! walks a table-driven schema (field number → JSON name and type) for the kinds kubesim
//! serves. Anything the schema does not know is an error, never silently dropped.
//!
//! Field numbers are those of Kubernetes' `generated.proto` files (k8s.io/api core/v1,
//! apps/v1, policy/v1; k8s.io/apimachinery meta/v1, runtime, util/intstr, api/resource).
//!
//! Kubernetes' generated marshallers are proto2 and write every non-pointer Go field, zero
//! or not (`imagePullPolicy: ""`, `hostPort: 0`, `stdin: false`), while pointer fields are
//! on the wire only when set, where a zero is meaningful (`replicas: 0`,
//! `gracePeriodSeconds: 0`). The JSON API marks most non-pointer fields `omitempty`, so the
//! schema says per field which kind it is: an `omitempty` scalar holding its zero value is
//! left out, exactly as the JSON encoding would; every other field is kept as it came. An
//! empty `metav1.Time` (a zero time) is left out too. Nothing absent from the wire is
//! invented.

use serde_json::{Map, Value};

/// The four bytes before the `runtime.Unknown` envelope.
const MAGIC: &[u8] = b"k8s\0";

/// The content type a nested raw object may declare.
const PROTOBUF: &str = "application/vnd.kubernetes.protobuf";

/// Decodes a `application/vnd.kubernetes.protobuf` body into the object's JSON.
pub fn decode(body: &[u8]) -> Result<Value, String> {
    let rest =
        body.strip_prefix(MAGIC).ok_or("protobuf: the body does not start with the Kubernetes magic \"k8s\\0\"")?;
    let envelope = Envelope::parse(rest)?;
    let message = KINDS
        .iter()
        .find(|(api_version, kind, _)| *api_version == envelope.api_version && *kind == envelope.kind)
        .map(|(_, _, message)| *message)
        .ok_or_else(|| {
            format!("protobuf: kind {} (apiVersion {}) is not known to kubesim", envelope.kind, envelope.api_version)
        })?;
    let mut object = Map::new();
    object.insert("apiVersion".into(), Value::String(envelope.api_version));
    object.insert("kind".into(), Value::String(envelope.kind));
    decode_into(message, envelope.raw, &mut object)?;
    Ok(Value::Object(object))
}

// ---------------------------------------------------------------------------------------
// The wire format.

/// One field's value as it appears on the wire.
#[derive(Debug, Clone, Copy)]
enum Wire<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1 (its eight bytes are consumed; no covered field is fixed-width).
    Fixed64,
    /// Wire type 2: strings, bytes, nested messages, packed repeated scalars.
    Bytes(&'a [u8]),
    /// Wire type 5 (its four bytes are consumed; no covered field is fixed-width).
    Fixed32,
}

impl Wire<'_> {
    /// The wire type's number, for messages.
    fn wire_type(&self) -> u8 {
        match self {
            Wire::Varint(_) => 0,
            Wire::Fixed64 => 1,
            Wire::Bytes(_) => 2,
            Wire::Fixed32 => 5,
        }
    }
}

/// Reads the fields of one message, front to back, never past its end.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// The message being read, for errors.
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], what: &'static str) -> Self {
        Reader { buf, pos: 0, what }
    }

    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// A base-128 varint of at most ten bytes.
    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for index in 0..10u32 {
            let byte = *self.buf.get(self.pos).ok_or_else(|| format!("protobuf: truncated varint in {}", self.what))?;
            self.pos += 1;
            if index == 9 && byte > 1 {
                return Err(format!("protobuf: varint overflows 64 bits in {}", self.what));
            }
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(format!("protobuf: varint longer than 10 bytes in {}", self.what))
    }

    /// The next `len` bytes.
    fn take(&mut self, len: usize) -> Result<&'a [u8], String> {
        let left = self.buf.len().saturating_sub(self.pos);
        let slice =
            self.pos.checked_add(len).and_then(|end| self.buf.get(self.pos..end)).ok_or_else(|| {
                format!("protobuf: length {len} runs past the end of {} ({left} bytes left)", self.what)
            })?;
        self.pos += len;
        Ok(slice)
    }

    /// The next field: its number and value.
    fn field(&mut self) -> Result<(u32, Wire<'a>), String> {
        let key = self.varint()?;
        let number = u32::try_from(key >> 3)
            .ok()
            .filter(|number| (1..(1 << 29)).contains(number))
            .ok_or_else(|| format!("protobuf: invalid field number {} in {}", key >> 3, self.what))?;
        let value = match key & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Wire::Fixed64
            }
            2 => {
                let len = self.varint()?;
                let len = usize::try_from(len)
                    .map_err(|_| format!("protobuf: length {len} is too large in {}", self.what))?;
                Wire::Bytes(self.take(len)?)
            }
            5 => {
                self.take(4)?;
                Wire::Fixed32
            }
            other => {
                return Err(format!("protobuf: unsupported wire type {other} (field {number} of {})", self.what));
            }
        };
        Ok((number, value))
    }
}

/// The error for a field a special message (Time, Quantity, ...) does not have, or has with
/// another wire type.
fn reject(what: &str, number: u32, wire: Wire<'_>, known: &[u32]) -> String {
    if known.contains(&number) {
        format!("protobuf: field {number} of {what} has wire type {}, which does not fit its type", wire.wire_type())
    } else {
        format!("protobuf: field {number} of {what} is not known to kubesim")
    }
}

fn utf8(bytes: &[u8], what: &str) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| format!("protobuf: a string in {what} is not UTF-8"))
}

/// `runtime.Unknown`: {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding,
/// 4 contentType}.
struct Envelope<'a> {
    api_version: String,
    kind: String,
    raw: &'a [u8],
}

impl<'a> Envelope<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, String> {
        let mut envelope = Envelope { api_version: String::new(), kind: String::new(), raw: &[] };
        let mut reader = Reader::new(bytes, "Unknown");
        while !reader.done() {
            match reader.field()? {
                (1, Wire::Bytes(type_meta)) => {
                    let mut meta = Reader::new(type_meta, "TypeMeta");
                    while !meta.done() {
                        match meta.field()? {
                            (1, Wire::Bytes(s)) => envelope.api_version = utf8(s, "TypeMeta")?,
                            (2, Wire::Bytes(s)) => envelope.kind = utf8(s, "TypeMeta")?,
                            (number, wire) => return Err(reject("TypeMeta", number, wire, &[1, 2])),
                        }
                    }
                }
                (2, Wire::Bytes(raw)) => envelope.raw = raw,
                (3, Wire::Bytes(encoding)) => {
                    if !encoding.is_empty() {
                        let encoding = utf8(encoding, "Unknown")?;
                        return Err(format!("protobuf: content encoding {encoding:?} is not supported by kubesim"));
                    }
                }
                (4, Wire::Bytes(content_type)) => {
                    let content_type = utf8(content_type, "Unknown")?;
                    if !content_type.is_empty() && content_type != PROTOBUF {
                        return Err(format!("protobuf: nested content type {content_type:?} is not supported"));
                    }
                }
                (number, wire) => return Err(reject("Unknown", number, wire, &[1, 2, 3, 4])),
            }
        }
        if envelope.kind.is_empty() || envelope.api_version.is_empty() {
            return Err("protobuf: the body does not name its apiVersion and kind".into());
        }
        Ok(envelope)
    }
}

// ---------------------------------------------------------------------------------------
// The schema.

/// What a field holds.
#[derive(Clone, Copy)]
enum Ty {
    /// `string`.
    Str,
    /// `bool`.
    Bool,
    /// `int32` (varint).
    I32,
    /// `int64` (varint); JSON numbers.
    I64,
    /// A nested message, its own JSON object.
    Msg(&'static Message),
    /// A nested message whose fields the JSON inlines into the parent (Go's embedded
    /// structs: `ProbeHandler` in `Probe`, `VolumeSource` in `Volume`,
    /// `LocalObjectReference` in the key selectors).
    Inline(&'static Message),
    /// `metav1.Time` {1 seconds, 2 nanos}: an RFC 3339 string.
    Time,
    /// `resource.Quantity` {1 string}: the string.
    Quantity,
    /// `intstr.IntOrString` {1 type, 2 intVal, 3 strVal}: a JSON number or string.
    IntOrString,
    /// `map<string, string>`: repeated entries {1 key, 2 value}.
    MapStr,
    /// `map<string, Quantity>`.
    MapQuantity,
    /// `metav1.FieldsV1` {1 raw JSON}.
    FieldsV1,
}

/// How a field's presence maps to JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Card {
    /// Kept as it came: a Go pointer (on the wire only when set, a zero included) or a
    /// field the JSON always writes.
    One,
    /// A non-pointer Go field tagged `omitempty`: its zero value is left out.
    OmitEmpty,
    /// `repeated`: a JSON array.
    Many,
}

/// One field of a message.
struct Field {
    number: u32,
    name: &'static str,
    ty: Ty,
    card: Card,
}

/// A message: its name (for errors) and its fields.
struct Message {
    name: &'static str,
    fields: &'static [Field],
}

const fn one(number: u32, name: &'static str, ty: Ty) -> Field {
    Field { number, name, ty, card: Card::One }
}

const fn opt(number: u32, name: &'static str, ty: Ty) -> Field {
    Field { number, name, ty, card: Card::OmitEmpty }
}

const fn many(number: u32, name: &'static str, ty: Ty) -> Field {
    Field { number, name, ty, card: Card::Many }
}

use Ty::{Bool, FieldsV1, I32, I64, Inline, IntOrString, MapQuantity, MapStr, Msg, Quantity, Str, Time};

/// The kinds kubesim accepts as protobuf, by apiVersion and kind.
static KINDS: &[(&str, &str, &Message)] = &[
    ("apps/v1", "Deployment", &DEPLOYMENT),
    ("apps/v1", "ReplicaSet", &REPLICA_SET),
    ("v1", "Pod", &POD),
    ("v1", "Service", &SERVICE),
    ("v1", "Namespace", &NAMESPACE),
    ("v1", "Binding", &BINDING),
    ("policy/v1", "Eviction", &EVICTION),
];

// k8s.io/apimachinery/pkg/apis/meta/v1

static OBJECT_META: Message = Message {
    name: "ObjectMeta",
    fields: &[
        opt(1, "name", Str),
        opt(2, "generateName", Str),
        opt(3, "namespace", Str),
        opt(4, "selfLink", Str),
        opt(5, "uid", Str),
        opt(6, "resourceVersion", Str),
        opt(7, "generation", I64),
        one(8, "creationTimestamp", Time),
        one(9, "deletionTimestamp", Time),
        one(10, "deletionGracePeriodSeconds", I64),
        one(11, "labels", MapStr),
        one(12, "annotations", MapStr),
        many(13, "ownerReferences", Msg(&OWNER_REFERENCE)),
        many(14, "finalizers", Str),
        // Removed from Kubernetes in 1.25, but older clients still write it (empty).
        opt(15, "clusterName", Str),
        many(17, "managedFields", Msg(&MANAGED_FIELDS_ENTRY)),
    ],
};

static OWNER_REFERENCE: Message = Message {
    name: "OwnerReference",
    fields: &[
        one(5, "apiVersion", Str),
        one(1, "kind", Str),
        one(3, "name", Str),
        one(4, "uid", Str),
        one(6, "controller", Bool),
        one(7, "blockOwnerDeletion", Bool),
    ],
};

static MANAGED_FIELDS_ENTRY: Message = Message {
    name: "ManagedFieldsEntry",
    fields: &[
        opt(1, "manager", Str),
        opt(2, "operation", Str),
        opt(3, "apiVersion", Str),
        one(4, "time", Time),
        opt(6, "fieldsType", Str),
        one(7, "fieldsV1", FieldsV1),
        opt(8, "subresource", Str),
    ],
};

static LABEL_SELECTOR: Message = Message {
    name: "LabelSelector",
    fields: &[one(1, "matchLabels", MapStr), many(2, "matchExpressions", Msg(&LABEL_SELECTOR_REQUIREMENT))],
};

static LABEL_SELECTOR_REQUIREMENT: Message = Message {
    name: "LabelSelectorRequirement",
    fields: &[one(1, "key", Str), one(2, "operator", Str), many(3, "values", Str)],
};

static DELETE_OPTIONS: Message = Message {
    name: "DeleteOptions",
    fields: &[
        one(1, "gracePeriodSeconds", I64),
        one(2, "preconditions", Msg(&PRECONDITIONS)),
        one(3, "orphanDependents", Bool),
        one(4, "propagationPolicy", Str),
        many(5, "dryRun", Str),
    ],
};

static PRECONDITIONS: Message =
    Message { name: "Preconditions", fields: &[one(1, "uid", Str), one(2, "resourceVersion", Str)] };

static CONDITION: Message = Message {
    name: "Condition",
    fields: &[
        one(1, "type", Str),
        one(2, "status", Str),
        opt(3, "observedGeneration", I64),
        one(4, "lastTransitionTime", Time),
        one(5, "reason", Str),
        one(6, "message", Str),
    ],
};

// k8s.io/api/apps/v1

static DEPLOYMENT: Message = Message {
    name: "Deployment",
    fields: &[
        one(1, "metadata", Msg(&OBJECT_META)),
        one(2, "spec", Msg(&DEPLOYMENT_SPEC)),
        one(3, "status", Msg(&DEPLOYMENT_STATUS)),
    ],
};

static DEPLOYMENT_SPEC: Message = Message {
    name: "DeploymentSpec",
    fields: &[
        one(1, "replicas", I32),
        one(2, "selector", Msg(&LABEL_SELECTOR)),
        one(3, "template", Msg(&POD_TEMPLATE_SPEC)),
        one(4, "strategy", Msg(&DEPLOYMENT_STRATEGY)),
        opt(5, "minReadySeconds", I32),
        one(6, "revisionHistoryLimit", I32),
        opt(7, "paused", Bool),
        one(9, "progressDeadlineSeconds", I32),
        one(10, "podReplacementPolicy", Str),
    ],
};

static DEPLOYMENT_STRATEGY: Message = Message {
    name: "DeploymentStrategy",
    fields: &[opt(1, "type", Str), one(2, "rollingUpdate", Msg(&ROLLING_UPDATE_DEPLOYMENT))],
};

static ROLLING_UPDATE_DEPLOYMENT: Message = Message {
    name: "RollingUpdateDeployment",
    fields: &[one(1, "maxUnavailable", IntOrString), one(2, "maxSurge", IntOrString)],
};

static DEPLOYMENT_STATUS: Message = Message {
    name: "DeploymentStatus",
    fields: &[
        opt(1, "observedGeneration", I64),
        opt(2, "replicas", I32),
        opt(3, "updatedReplicas", I32),
        opt(7, "readyReplicas", I32),
        opt(4, "availableReplicas", I32),
        opt(5, "unavailableReplicas", I32),
        one(9, "terminatingReplicas", I32),
        many(6, "conditions", Msg(&DEPLOYMENT_CONDITION)),
        one(8, "collisionCount", I32),
    ],
};

static DEPLOYMENT_CONDITION: Message = Message {
    name: "DeploymentCondition",
    fields: &[
        one(1, "type", Str),
        one(2, "status", Str),
        one(6, "lastUpdateTime", Time),
        one(7, "lastTransitionTime", Time),
        opt(4, "reason", Str),
        opt(5, "message", Str),
    ],
};

static REPLICA_SET: Message = Message {
    name: "ReplicaSet",
    fields: &[
        one(1, "metadata", Msg(&OBJECT_META)),
        one(2, "spec", Msg(&REPLICA_SET_SPEC)),
        one(3, "status", Msg(&REPLICA_SET_STATUS)),
    ],
};

static REPLICA_SET_SPEC: Message = Message {
    name: "ReplicaSetSpec",
    fields: &[
        one(1, "replicas", I32),
        opt(4, "minReadySeconds", I32),
        one(2, "selector", Msg(&LABEL_SELECTOR)),
        one(3, "template", Msg(&POD_TEMPLATE_SPEC)),
    ],
};

static REPLICA_SET_STATUS: Message = Message {
    name: "ReplicaSetStatus",
    fields: &[
        one(1, "replicas", I32),
        opt(2, "fullyLabeledReplicas", I32),
        opt(4, "readyReplicas", I32),
        opt(5, "availableReplicas", I32),
        one(7, "terminatingReplicas", I32),
        opt(3, "observedGeneration", I64),
        many(6, "conditions", Msg(&REPLICA_SET_CONDITION)),
    ],
};

static REPLICA_SET_CONDITION: Message = Message {
    name: "ReplicaSetCondition",
    fields: &[
        one(1, "type", Str),
        one(2, "status", Str),
        one(3, "lastTransitionTime", Time),
        opt(4, "reason", Str),
        opt(5, "message", Str),
    ],
};

// k8s.io/api/policy/v1 and core/v1 Binding

static EVICTION: Message = Message {
    name: "Eviction",
    fields: &[one(1, "metadata", Msg(&OBJECT_META)), one(2, "deleteOptions", Msg(&DELETE_OPTIONS))],
};

static BINDING: Message = Message {
    name: "Binding",
    fields: &[one(1, "metadata", Msg(&OBJECT_META)), one(2, "target", Msg(&OBJECT_REFERENCE))],
};

static OBJECT_REFERENCE: Message = Message {
    name: "ObjectReference",
    fields: &[
        opt(1, "kind", Str),
        opt(2, "namespace", Str),
        opt(3, "name", Str),
        opt(4, "uid", Str),
        opt(5, "apiVersion", Str),
        opt(6, "resourceVersion", Str),
        opt(7, "fieldPath", Str),
    ],
};

// k8s.io/api/core/v1: Namespace

static NAMESPACE: Message = Message {
    name: "Namespace",
    fields: &[
        one(1, "metadata", Msg(&OBJECT_META)),
        one(2, "spec", Msg(&NAMESPACE_SPEC)),
        one(3, "status", Msg(&NAMESPACE_STATUS)),
    ],
};

static NAMESPACE_SPEC: Message = Message { name: "NamespaceSpec", fields: &[many(1, "finalizers", Str)] };

static NAMESPACE_STATUS: Message = Message {
    name: "NamespaceStatus",
    fields: &[opt(1, "phase", Str), many(2, "conditions", Msg(&NAMESPACE_CONDITION))],
};

static NAMESPACE_CONDITION: Message = Message {
    name: "NamespaceCondition",
    fields: &[
        one(1, "type", Str),
        one(2, "status", Str),
        one(4, "lastTransitionTime", Time),
        opt(5, "reason", Str),
        opt(6, "message", Str),
    ],
};

// k8s.io/api/core/v1: Service

static SERVICE: Message = Message {
    name: "Service",
    fields: &[
        one(1, "metadata", Msg(&OBJECT_META)),
        one(2, "spec", Msg(&SERVICE_SPEC)),
        one(3, "status", Msg(&SERVICE_STATUS)),
    ],
};

static SERVICE_SPEC: Message = Message {
    name: "ServiceSpec",
    fields: &[
        many(1, "ports", Msg(&SERVICE_PORT)),
        one(2, "selector", MapStr),
        opt(3, "clusterIP", Str),
        many(18, "clusterIPs", Str),
        opt(4, "type", Str),
        many(5, "externalIPs", Str),
        opt(7, "sessionAffinity", Str),
        opt(8, "loadBalancerIP", Str),
        many(9, "loadBalancerSourceRanges", Str),
        opt(10, "externalName", Str),
        opt(11, "externalTrafficPolicy", Str),
        opt(12, "healthCheckNodePort", I32),
        opt(13, "publishNotReadyAddresses", Bool),
        one(14, "sessionAffinityConfig", Msg(&SESSION_AFFINITY_CONFIG)),
        many(19, "ipFamilies", Str),
        one(17, "ipFamilyPolicy", Str),
        one(20, "allocateLoadBalancerNodePorts", Bool),
        one(21, "loadBalancerClass", Str),
        one(22, "internalTrafficPolicy", Str),
        one(23, "trafficDistribution", Str),
    ],
};

static SERVICE_PORT: Message = Message {
    name: "ServicePort",
    fields: &[
        opt(1, "name", Str),
        opt(2, "protocol", Str),
        one(6, "appProtocol", Str),
        one(3, "port", I32),
        one(4, "targetPort", IntOrString),
        opt(5, "nodePort", I32),
    ],
};

static SESSION_AFFINITY_CONFIG: Message =
    Message { name: "SessionAffinityConfig", fields: &[one(1, "clientIP", Msg(&CLIENT_IP_CONFIG))] };

static CLIENT_IP_CONFIG: Message = Message { name: "ClientIPConfig", fields: &[one(1, "timeoutSeconds", I32)] };

static SERVICE_STATUS: Message = Message {
    name: "ServiceStatus",
    fields: &[one(1, "loadBalancer", Msg(&LOAD_BALANCER_STATUS)), many(2, "conditions", Msg(&CONDITION))],
};

static LOAD_BALANCER_STATUS: Message =
    Message { name: "LoadBalancerStatus", fields: &[many(1, "ingress", Msg(&LOAD_BALANCER_INGRESS))] };

static LOAD_BALANCER_INGRESS: Message = Message {
    name: "LoadBalancerIngress",
    fields: &[opt(1, "ip", Str), opt(2, "hostname", Str), one(3, "ipMode", Str), many(4, "ports", Msg(&PORT_STATUS))],
};

static PORT_STATUS: Message =
    Message { name: "PortStatus", fields: &[one(1, "port", I32), one(2, "protocol", Str), one(3, "error", Str)] };

// k8s.io/api/core/v1: Pod

static POD: Message = Message {
    name: "Pod",
    fields: &[
        one(1, "metadata", Msg(&OBJECT_META)),
        one(2, "spec", Msg(&POD_SPEC)),
        one(3, "status", Msg(&POD_STATUS)),
    ],
};

static POD_TEMPLATE_SPEC: Message = Message {
    name: "PodTemplateSpec",
    fields: &[one(1, "metadata", Msg(&OBJECT_META)), one(2, "spec", Msg(&POD_SPEC))],
};

// Not covered (an error if present): 34 ephemeralContainers (only ever set through the
// ephemeralcontainers subresource) and 42 workloadRef (alpha).
static POD_SPEC: Message = Message {
    name: "PodSpec",
    fields: &[
        many(1, "volumes", Msg(&VOLUME)),
        many(20, "initContainers", Msg(&CONTAINER)),
        many(2, "containers", Msg(&CONTAINER)),
        opt(3, "restartPolicy", Str),
        one(4, "terminationGracePeriodSeconds", I64),
        one(5, "activeDeadlineSeconds", I64),
        opt(6, "dnsPolicy", Str),
        one(7, "nodeSelector", MapStr),
        opt(8, "serviceAccountName", Str),
        opt(9, "serviceAccount", Str),
        one(21, "automountServiceAccountToken", Bool),
        opt(10, "nodeName", Str),
        opt(11, "hostNetwork", Bool),
        opt(12, "hostPID", Bool),
        opt(13, "hostIPC", Bool),
        one(27, "shareProcessNamespace", Bool),
        one(14, "securityContext", Msg(&POD_SECURITY_CONTEXT)),
        many(15, "imagePullSecrets", Msg(&LOCAL_OBJECT_REFERENCE)),
        opt(16, "hostname", Str),
        opt(17, "subdomain", Str),
        one(18, "affinity", Msg(&AFFINITY)),
        opt(19, "schedulerName", Str),
        many(22, "tolerations", Msg(&TOLERATION)),
        many(23, "hostAliases", Msg(&HOST_ALIAS)),
        opt(24, "priorityClassName", Str),
        one(25, "priority", I32),
        one(26, "dnsConfig", Msg(&POD_DNS_CONFIG)),
        many(28, "readinessGates", Msg(&POD_READINESS_GATE)),
        one(29, "runtimeClassName", Str),
        one(30, "enableServiceLinks", Bool),
        one(31, "preemptionPolicy", Str),
        one(32, "overhead", MapQuantity),
        many(33, "topologySpreadConstraints", Msg(&TOPOLOGY_SPREAD_CONSTRAINT)),
        one(35, "setHostnameAsFQDN", Bool),
        one(36, "os", Msg(&POD_OS)),
        one(37, "hostUsers", Bool),
        many(38, "schedulingGates", Msg(&POD_SCHEDULING_GATE)),
        many(39, "resourceClaims", Msg(&POD_RESOURCE_CLAIM)),
        one(40, "resources", Msg(&RESOURCE_REQUIREMENTS)),
        one(41, "hostnameOverride", Str),
    ],
};

static CONTAINER: Message = Message {
    name: "Container",
    fields: &[
        one(1, "name", Str),
        opt(2, "image", Str),
        many(3, "command", Str),
        many(4, "args", Str),
        opt(5, "workingDir", Str),
        many(6, "ports", Msg(&CONTAINER_PORT)),
        many(19, "envFrom", Msg(&ENV_FROM_SOURCE)),
        many(7, "env", Msg(&ENV_VAR)),
        one(8, "resources", Msg(&RESOURCE_REQUIREMENTS)),
        many(23, "resizePolicy", Msg(&CONTAINER_RESIZE_POLICY)),
        one(24, "restartPolicy", Str),
        many(25, "restartPolicyRules", Msg(&CONTAINER_RESTART_RULE)),
        many(9, "volumeMounts", Msg(&VOLUME_MOUNT)),
        many(21, "volumeDevices", Msg(&VOLUME_DEVICE)),
        one(10, "livenessProbe", Msg(&PROBE)),
        one(11, "readinessProbe", Msg(&PROBE)),
        one(22, "startupProbe", Msg(&PROBE)),
        one(12, "lifecycle", Msg(&LIFECYCLE)),
        opt(13, "terminationMessagePath", Str),
        opt(20, "terminationMessagePolicy", Str),
        opt(14, "imagePullPolicy", Str),
        one(15, "securityContext", Msg(&SECURITY_CONTEXT)),
        opt(16, "stdin", Bool),
        opt(17, "stdinOnce", Bool),
        opt(18, "tty", Bool),
    ],
};

static CONTAINER_PORT: Message = Message {
    name: "ContainerPort",
    fields: &[
        opt(1, "name", Str),
        opt(2, "hostPort", I32),
        one(3, "containerPort", I32),
        opt(4, "protocol", Str),
        opt(5, "hostIP", Str),
    ],
};

static CONTAINER_RESIZE_POLICY: Message =
    Message { name: "ContainerResizePolicy", fields: &[one(1, "resourceName", Str), one(2, "restartPolicy", Str)] };

static CONTAINER_RESTART_RULE: Message = Message {
    name: "ContainerRestartRule",
    fields: &[one(1, "action", Str), one(2, "exitCodes", Msg(&CONTAINER_RESTART_RULE_ON_EXIT_CODES))],
};

static CONTAINER_RESTART_RULE_ON_EXIT_CODES: Message =
    Message { name: "ContainerRestartRuleOnExitCodes", fields: &[one(1, "operator", Str), many(2, "values", I32)] };

static LOCAL_OBJECT_REFERENCE: Message = Message { name: "LocalObjectReference", fields: &[opt(1, "name", Str)] };

static ENV_FROM_SOURCE: Message = Message {
    name: "EnvFromSource",
    fields: &[
        opt(1, "prefix", Str),
        one(2, "configMapRef", Msg(&CONFIG_MAP_ENV_SOURCE)),
        one(3, "secretRef", Msg(&SECRET_ENV_SOURCE)),
    ],
};

static CONFIG_MAP_ENV_SOURCE: Message = Message {
    name: "ConfigMapEnvSource",
    fields: &[one(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE)), one(2, "optional", Bool)],
};

static SECRET_ENV_SOURCE: Message = Message {
    name: "SecretEnvSource",
    fields: &[one(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE)), one(2, "optional", Bool)],
};

static ENV_VAR: Message = Message {
    name: "EnvVar",
    fields: &[one(1, "name", Str), opt(2, "value", Str), one(3, "valueFrom", Msg(&ENV_VAR_SOURCE))],
};

static ENV_VAR_SOURCE: Message = Message {
    name: "EnvVarSource",
    fields: &[
        one(1, "fieldRef", Msg(&OBJECT_FIELD_SELECTOR)),
        one(2, "resourceFieldRef", Msg(&RESOURCE_FIELD_SELECTOR)),
        one(3, "configMapKeyRef", Msg(&CONFIG_MAP_KEY_SELECTOR)),
        one(4, "secretKeyRef", Msg(&SECRET_KEY_SELECTOR)),
        one(5, "fileKeyRef", Msg(&FILE_KEY_SELECTOR)),
    ],
};

static OBJECT_FIELD_SELECTOR: Message =
    Message { name: "ObjectFieldSelector", fields: &[opt(1, "apiVersion", Str), one(2, "fieldPath", Str)] };

static RESOURCE_FIELD_SELECTOR: Message = Message {
    name: "ResourceFieldSelector",
    fields: &[opt(1, "containerName", Str), one(2, "resource", Str), one(3, "divisor", Quantity)],
};

static CONFIG_MAP_KEY_SELECTOR: Message = Message {
    name: "ConfigMapKeySelector",
    fields: &[
        one(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE)),
        one(2, "key", Str),
        one(3, "optional", Bool),
    ],
};

static SECRET_KEY_SELECTOR: Message = Message {
    name: "SecretKeySelector",
    fields: &[
        one(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE)),
        one(2, "key", Str),
        one(3, "optional", Bool),
    ],
};

static FILE_KEY_SELECTOR: Message = Message {
    name: "FileKeySelector",
    fields: &[one(1, "volumeName", Str), one(2, "path", Str), one(3, "key", Str), one(4, "optional", Bool)],
};

static RESOURCE_REQUIREMENTS: Message = Message {
    name: "ResourceRequirements",
    fields: &[one(1, "limits", MapQuantity), one(2, "requests", MapQuantity), many(3, "claims", Msg(&RESOURCE_CLAIM))],
};

static RESOURCE_CLAIM: Message =
    Message { name: "ResourceClaim", fields: &[one(1, "name", Str), opt(2, "request", Str)] };

static VOLUME_MOUNT: Message = Message {
    name: "VolumeMount",
    fields: &[
        one(1, "name", Str),
        opt(2, "readOnly", Bool),
        one(7, "recursiveReadOnly", Str),
        one(3, "mountPath", Str),
        opt(4, "subPath", Str),
        one(5, "mountPropagation", Str),
        opt(6, "subPathExpr", Str),
    ],
};

static VOLUME_DEVICE: Message =
    Message { name: "VolumeDevice", fields: &[one(1, "name", Str), one(2, "devicePath", Str)] };

static PROBE: Message = Message {
    name: "Probe",
    fields: &[
        one(1, "handler", Inline(&PROBE_HANDLER)),
        opt(2, "initialDelaySeconds", I32),
        opt(3, "timeoutSeconds", I32),
        opt(4, "periodSeconds", I32),
        opt(5, "successThreshold", I32),
        opt(6, "failureThreshold", I32),
        one(7, "terminationGracePeriodSeconds", I64),
    ],
};

static PROBE_HANDLER: Message = Message {
    name: "ProbeHandler",
    fields: &[
        one(1, "exec", Msg(&EXEC_ACTION)),
        one(2, "httpGet", Msg(&HTTP_GET_ACTION)),
        one(3, "tcpSocket", Msg(&TCP_SOCKET_ACTION)),
        one(4, "grpc", Msg(&GRPC_ACTION)),
    ],
};

static EXEC_ACTION: Message = Message { name: "ExecAction", fields: &[many(1, "command", Str)] };

static HTTP_GET_ACTION: Message = Message {
    name: "HTTPGetAction",
    fields: &[
        opt(1, "path", Str),
        one(2, "port", IntOrString),
        opt(3, "host", Str),
        opt(4, "scheme", Str),
        many(5, "httpHeaders", Msg(&HTTP_HEADER)),
    ],
};

static HTTP_HEADER: Message = Message { name: "HTTPHeader", fields: &[one(1, "name", Str), one(2, "value", Str)] };

static TCP_SOCKET_ACTION: Message =
    Message { name: "TCPSocketAction", fields: &[one(1, "port", IntOrString), opt(2, "host", Str)] };

static GRPC_ACTION: Message = Message { name: "GRPCAction", fields: &[one(1, "port", I32), one(2, "service", Str)] };

static LIFECYCLE: Message = Message {
    name: "Lifecycle",
    fields: &[
        one(1, "postStart", Msg(&LIFECYCLE_HANDLER)),
        one(2, "preStop", Msg(&LIFECYCLE_HANDLER)),
        one(3, "stopSignal", Str),
    ],
};

static LIFECYCLE_HANDLER: Message = Message {
    name: "LifecycleHandler",
    fields: &[
        one(1, "exec", Msg(&EXEC_ACTION)),
        one(2, "httpGet", Msg(&HTTP_GET_ACTION)),
        one(3, "tcpSocket", Msg(&TCP_SOCKET_ACTION)),
        one(4, "sleep", Msg(&SLEEP_ACTION)),
    ],
};

static SLEEP_ACTION: Message = Message { name: "SleepAction", fields: &[one(1, "seconds", I64)] };

static SECURITY_CONTEXT: Message = Message {
    name: "SecurityContext",
    fields: &[
        one(1, "capabilities", Msg(&CAPABILITIES)),
        one(2, "privileged", Bool),
        one(3, "seLinuxOptions", Msg(&SE_LINUX_OPTIONS)),
        one(10, "windowsOptions", Msg(&WINDOWS_SECURITY_CONTEXT_OPTIONS)),
        one(4, "runAsUser", I64),
        one(8, "runAsGroup", I64),
        one(5, "runAsNonRoot", Bool),
        one(6, "readOnlyRootFilesystem", Bool),
        one(7, "allowPrivilegeEscalation", Bool),
        one(9, "procMount", Str),
        one(11, "seccompProfile", Msg(&SECCOMP_PROFILE)),
        one(12, "appArmorProfile", Msg(&APP_ARMOR_PROFILE)),
        many(13, "ulimits", Msg(&ULIMIT)),
    ],
};

static CAPABILITIES: Message = Message { name: "Capabilities", fields: &[many(1, "add", Str), many(2, "drop", Str)] };

static SE_LINUX_OPTIONS: Message = Message {
    name: "SELinuxOptions",
    fields: &[opt(1, "user", Str), opt(2, "role", Str), opt(3, "type", Str), opt(4, "level", Str)],
};

static WINDOWS_SECURITY_CONTEXT_OPTIONS: Message = Message {
    name: "WindowsSecurityContextOptions",
    fields: &[
        one(1, "gmsaCredentialSpecName", Str),
        one(2, "gmsaCredentialSpec", Str),
        one(3, "runAsUserName", Str),
        one(4, "hostProcess", Bool),
    ],
};

static SECCOMP_PROFILE: Message =
    Message { name: "SeccompProfile", fields: &[one(1, "type", Str), one(2, "localhostProfile", Str)] };

static APP_ARMOR_PROFILE: Message =
    Message { name: "AppArmorProfile", fields: &[one(1, "type", Str), one(2, "localhostProfile", Str)] };

static ULIMIT: Message =
    Message { name: "Ulimit", fields: &[one(1, "name", Str), one(2, "hard", I64), one(3, "soft", I64)] };

static POD_SECURITY_CONTEXT: Message = Message {
    name: "PodSecurityContext",
    fields: &[
        one(1, "seLinuxOptions", Msg(&SE_LINUX_OPTIONS)),
        one(8, "windowsOptions", Msg(&WINDOWS_SECURITY_CONTEXT_OPTIONS)),
        one(2, "runAsUser", I64),
        one(6, "runAsGroup", I64),
        one(3, "runAsNonRoot", Bool),
        many(4, "supplementalGroups", I64),
        one(12, "supplementalGroupsPolicy", Str),
        one(5, "fsGroup", I64),
        many(7, "sysctls", Msg(&SYSCTL)),
        one(9, "fsGroupChangePolicy", Str),
        one(10, "seccompProfile", Msg(&SECCOMP_PROFILE)),
        one(11, "appArmorProfile", Msg(&APP_ARMOR_PROFILE)),
        one(13, "seLinuxChangePolicy", Str),
    ],
};

static SYSCTL: Message = Message { name: "Sysctl", fields: &[one(1, "name", Str), one(2, "value", Str)] };

static TOLERATION: Message = Message {
    name: "Toleration",
    fields: &[
        opt(1, "key", Str),
        opt(2, "operator", Str),
        opt(3, "value", Str),
        opt(4, "effect", Str),
        one(5, "tolerationSeconds", I64),
    ],
};

static HOST_ALIAS: Message = Message { name: "HostAlias", fields: &[one(1, "ip", Str), many(2, "hostnames", Str)] };

static POD_DNS_CONFIG: Message = Message {
    name: "PodDNSConfig",
    fields: &[many(1, "nameservers", Str), many(2, "searches", Str), many(3, "options", Msg(&POD_DNS_CONFIG_OPTION))],
};

static POD_DNS_CONFIG_OPTION: Message =
    Message { name: "PodDNSConfigOption", fields: &[opt(1, "name", Str), one(2, "value", Str)] };

static POD_READINESS_GATE: Message = Message { name: "PodReadinessGate", fields: &[one(1, "conditionType", Str)] };

static POD_OS: Message = Message { name: "PodOS", fields: &[one(1, "name", Str)] };

static POD_SCHEDULING_GATE: Message = Message { name: "PodSchedulingGate", fields: &[one(1, "name", Str)] };

static POD_RESOURCE_CLAIM: Message = Message {
    name: "PodResourceClaim",
    fields: &[one(1, "name", Str), one(3, "resourceClaimName", Str), one(4, "resourceClaimTemplateName", Str)],
};

static TOPOLOGY_SPREAD_CONSTRAINT: Message = Message {
    name: "TopologySpreadConstraint",
    fields: &[
        one(1, "maxSkew", I32),
        one(2, "topologyKey", Str),
        one(3, "whenUnsatisfiable", Str),
        one(4, "labelSelector", Msg(&LABEL_SELECTOR)),
        one(5, "minDomains", I32),
        one(6, "nodeAffinityPolicy", Str),
        one(7, "nodeTaintsPolicy", Str),
        many(8, "matchLabelKeys", Str),
    ],
};

static AFFINITY: Message = Message {
    name: "Affinity",
    fields: &[
        one(1, "nodeAffinity", Msg(&NODE_AFFINITY)),
        one(2, "podAffinity", Msg(&POD_AFFINITY)),
        one(3, "podAntiAffinity", Msg(&POD_ANTI_AFFINITY)),
    ],
};

static NODE_AFFINITY: Message = Message {
    name: "NodeAffinity",
    fields: &[
        one(1, "requiredDuringSchedulingIgnoredDuringExecution", Msg(&NODE_SELECTOR)),
        many(2, "preferredDuringSchedulingIgnoredDuringExecution", Msg(&PREFERRED_SCHEDULING_TERM)),
    ],
};

static NODE_SELECTOR: Message =
    Message { name: "NodeSelector", fields: &[many(1, "nodeSelectorTerms", Msg(&NODE_SELECTOR_TERM))] };

static NODE_SELECTOR_TERM: Message = Message {
    name: "NodeSelectorTerm",
    fields: &[
        many(1, "matchExpressions", Msg(&NODE_SELECTOR_REQUIREMENT)),
        many(2, "matchFields", Msg(&NODE_SELECTOR_REQUIREMENT)),
    ],
};

static NODE_SELECTOR_REQUIREMENT: Message = Message {
    name: "NodeSelectorRequirement",
    fields: &[one(1, "key", Str), one(2, "operator", Str), many(3, "values", Str)],
};

static PREFERRED_SCHEDULING_TERM: Message = Message {
    name: "PreferredSchedulingTerm",
    fields: &[one(1, "weight", I32), one(2, "preference", Msg(&NODE_SELECTOR_TERM))],
};

static POD_AFFINITY: Message = Message {
    name: "PodAffinity",
    fields: &[
        many(1, "requiredDuringSchedulingIgnoredDuringExecution", Msg(&POD_AFFINITY_TERM)),
        many(2, "preferredDuringSchedulingIgnoredDuringExecution", Msg(&WEIGHTED_POD_AFFINITY_TERM)),
    ],
};

static POD_ANTI_AFFINITY: Message = Message {
    name: "PodAntiAffinity",
    fields: &[
        many(1, "requiredDuringSchedulingIgnoredDuringExecution", Msg(&POD_AFFINITY_TERM)),
        many(2, "preferredDuringSchedulingIgnoredDuringExecution", Msg(&WEIGHTED_POD_AFFINITY_TERM)),
    ],
};

static POD_AFFINITY_TERM: Message = Message {
    name: "PodAffinityTerm",
    fields: &[
        one(1, "labelSelector", Msg(&LABEL_SELECTOR)),
        many(2, "namespaces", Str),
        one(3, "topologyKey", Str),
        one(4, "namespaceSelector", Msg(&LABEL_SELECTOR)),
        many(5, "matchLabelKeys", Str),
        many(6, "mismatchLabelKeys", Str),
    ],
};

static WEIGHTED_POD_AFFINITY_TERM: Message = Message {
    name: "WeightedPodAffinityTerm",
    fields: &[one(1, "weight", I32), one(2, "podAffinityTerm", Msg(&POD_AFFINITY_TERM))],
};

static VOLUME: Message =
    Message { name: "Volume", fields: &[one(1, "name", Str), one(2, "volumeSource", Inline(&VOLUME_SOURCE))] };

// The volume types a teaching cluster uses; the in-tree cloud and storage-vendor types, and
// `ephemeral` (a whole PersistentVolumeClaim template), are errors.
static VOLUME_SOURCE: Message = Message {
    name: "VolumeSource",
    fields: &[
        one(1, "hostPath", Msg(&HOST_PATH_VOLUME_SOURCE)),
        one(2, "emptyDir", Msg(&EMPTY_DIR_VOLUME_SOURCE)),
        one(6, "secret", Msg(&SECRET_VOLUME_SOURCE)),
        one(7, "nfs", Msg(&NFS_VOLUME_SOURCE)),
        one(10, "persistentVolumeClaim", Msg(&PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE)),
        one(16, "downwardAPI", Msg(&DOWNWARD_API_VOLUME_SOURCE)),
        one(19, "configMap", Msg(&CONFIG_MAP_VOLUME_SOURCE)),
        one(26, "projected", Msg(&PROJECTED_VOLUME_SOURCE)),
        one(28, "csi", Msg(&CSI_VOLUME_SOURCE)),
        one(30, "image", Msg(&IMAGE_VOLUME_SOURCE)),
    ],
};

static HOST_PATH_VOLUME_SOURCE: Message =
    Message { name: "HostPathVolumeSource", fields: &[one(1, "path", Str), one(2, "type", Str)] };

static EMPTY_DIR_VOLUME_SOURCE: Message =
    Message { name: "EmptyDirVolumeSource", fields: &[opt(1, "medium", Str), one(2, "sizeLimit", Quantity)] };

static SECRET_VOLUME_SOURCE: Message = Message {
    name: "SecretVolumeSource",
    fields: &[
        opt(1, "secretName", Str),
        many(2, "items", Msg(&KEY_TO_PATH)),
        one(3, "defaultMode", I32),
        one(4, "optional", Bool),
    ],
};

static KEY_TO_PATH: Message =
    Message { name: "KeyToPath", fields: &[one(1, "key", Str), one(2, "path", Str), one(3, "mode", I32)] };

static NFS_VOLUME_SOURCE: Message = Message {
    name: "NFSVolumeSource",
    fields: &[one(1, "server", Str), one(2, "path", Str), opt(3, "readOnly", Bool)],
};

static PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE: Message = Message {
    name: "PersistentVolumeClaimVolumeSource",
    fields: &[one(1, "claimName", Str), opt(2, "readOnly", Bool)],
};

static DOWNWARD_API_VOLUME_SOURCE: Message = Message {
    name: "DownwardAPIVolumeSource",
    fields: &[many(1, "items", Msg(&DOWNWARD_API_VOLUME_FILE)), one(2, "defaultMode", I32)],
};

static DOWNWARD_API_VOLUME_FILE: Message = Message {
    name: "DownwardAPIVolumeFile",
    fields: &[
        one(1, "path", Str),
        one(2, "fieldRef", Msg(&OBJECT_FIELD_SELECTOR)),
        one(3, "resourceFieldRef", Msg(&RESOURCE_FIELD_SELECTOR)),
        one(4, "mode", I32),
    ],
};

static CONFIG_MAP_VOLUME_SOURCE: Message = Message {
    name: "ConfigMapVolumeSource",
    fields: &[
        one(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE)),
        many(2, "items", Msg(&KEY_TO_PATH)),
        one(3, "defaultMode", I32),
        one(4, "optional", Bool),
    ],
};

static PROJECTED_VOLUME_SOURCE: Message = Message {
    name: "ProjectedVolumeSource",
    fields: &[many(1, "sources", Msg(&VOLUME_PROJECTION)), one(2, "defaultMode", I32)],
};

// Not covered: 5 clusterTrustBundle and 6 podCertificate (feature-gated).
static VOLUME_PROJECTION: Message = Message {
    name: "VolumeProjection",
    fields: &[
        one(1, "secret", Msg(&SECRET_PROJECTION)),
        one(2, "downwardAPI", Msg(&DOWNWARD_API_PROJECTION)),
        one(3, "configMap", Msg(&CONFIG_MAP_PROJECTION)),
        one(4, "serviceAccountToken", Msg(&SERVICE_ACCOUNT_TOKEN_PROJECTION)),
    ],
};

static SECRET_PROJECTION: Message = Message {
    name: "SecretProjection",
    fields: &[
        one(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE)),
        many(2, "items", Msg(&KEY_TO_PATH)),
        one(4, "optional", Bool),
    ],
};

static CONFIG_MAP_PROJECTION: Message = Message {
    name: "ConfigMapProjection",
    fields: &[
        one(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE)),
        many(2, "items", Msg(&KEY_TO_PATH)),
        one(4, "optional", Bool),
    ],
};

static DOWNWARD_API_PROJECTION: Message =
    Message { name: "DownwardAPIProjection", fields: &[many(1, "items", Msg(&DOWNWARD_API_VOLUME_FILE))] };

static SERVICE_ACCOUNT_TOKEN_PROJECTION: Message = Message {
    name: "ServiceAccountTokenProjection",
    fields: &[opt(1, "audience", Str), one(2, "expirationSeconds", I64), one(3, "path", Str)],
};

static CSI_VOLUME_SOURCE: Message = Message {
    name: "CSIVolumeSource",
    fields: &[
        one(1, "driver", Str),
        one(2, "readOnly", Bool),
        one(3, "fsType", Str),
        one(4, "volumeAttributes", MapStr),
        one(5, "nodePublishSecretRef", Msg(&LOCAL_OBJECT_REFERENCE)),
    ],
};

static IMAGE_VOLUME_SOURCE: Message =
    Message { name: "ImageVolumeSource", fields: &[opt(1, "reference", Str), opt(2, "pullPolicy", Str)] };

// Not covered: 15 resourceClaimStatuses, 18 extendedResourceClaimStatus, 19
// allocatedResources, 20 resources (node-written, never sent by kubectl).
static POD_STATUS: Message = Message {
    name: "PodStatus",
    fields: &[
        opt(17, "observedGeneration", I64),
        opt(1, "phase", Str),
        many(2, "conditions", Msg(&POD_CONDITION)),
        opt(3, "message", Str),
        opt(4, "reason", Str),
        opt(11, "nominatedNodeName", Str),
        opt(5, "hostIP", Str),
        many(16, "hostIPs", Msg(&HOST_IP)),
        opt(6, "podIP", Str),
        many(12, "podIPs", Msg(&POD_IP)),
        one(7, "startTime", Time),
        many(10, "initContainerStatuses", Msg(&CONTAINER_STATUS)),
        many(8, "containerStatuses", Msg(&CONTAINER_STATUS)),
        opt(9, "qosClass", Str),
        many(13, "ephemeralContainerStatuses", Msg(&CONTAINER_STATUS)),
        opt(14, "resize", Str),
    ],
};

static POD_CONDITION: Message = Message {
    name: "PodCondition",
    fields: &[
        one(1, "type", Str),
        opt(7, "observedGeneration", I64),
        one(2, "status", Str),
        one(3, "lastProbeTime", Time),
        one(4, "lastTransitionTime", Time),
        opt(5, "reason", Str),
        opt(6, "message", Str),
    ],
};

static HOST_IP: Message = Message { name: "HostIP", fields: &[one(1, "ip", Str)] };

static POD_IP: Message = Message { name: "PodIP", fields: &[one(1, "ip", Str)] };

// Not covered: 12 volumeMounts, 13 user, 14 allocatedResourcesStatus (node-written).
static CONTAINER_STATUS: Message = Message {
    name: "ContainerStatus",
    fields: &[
        one(1, "name", Str),
        one(2, "state", Msg(&CONTAINER_STATE)),
        one(3, "lastState", Msg(&CONTAINER_STATE)),
        one(4, "ready", Bool),
        one(5, "restartCount", I32),
        one(6, "image", Str),
        one(7, "imageID", Str),
        opt(8, "containerID", Str),
        one(9, "started", Bool),
        one(10, "allocatedResources", MapQuantity),
        one(11, "resources", Msg(&RESOURCE_REQUIREMENTS)),
        one(15, "stopSignal", Str),
    ],
};

static CONTAINER_STATE: Message = Message {
    name: "ContainerState",
    fields: &[
        one(1, "waiting", Msg(&CONTAINER_STATE_WAITING)),
        one(2, "running", Msg(&CONTAINER_STATE_RUNNING)),
        one(3, "terminated", Msg(&CONTAINER_STATE_TERMINATED)),
    ],
};

static CONTAINER_STATE_WAITING: Message =
    Message { name: "ContainerStateWaiting", fields: &[opt(1, "reason", Str), opt(2, "message", Str)] };

static CONTAINER_STATE_RUNNING: Message =
    Message { name: "ContainerStateRunning", fields: &[one(1, "startedAt", Time)] };

static CONTAINER_STATE_TERMINATED: Message = Message {
    name: "ContainerStateTerminated",
    fields: &[
        one(1, "exitCode", I32),
        opt(2, "signal", I32),
        opt(3, "reason", Str),
        opt(4, "message", Str),
        one(5, "startedAt", Time),
        one(6, "finishedAt", Time),
        opt(7, "containerID", Str),
    ],
};

// ---------------------------------------------------------------------------------------
// Decoding against the schema.

/// Decodes the fields of `message` from `bytes` into `out` (which may already hold fields:
/// a repeated occurrence of a message merges, an inlined message fills its parent).
fn decode_into(message: &Message, bytes: &[u8], out: &mut Map<String, Value>) -> Result<(), String> {
    let mut reader = Reader::new(bytes, message.name);
    while !reader.done() {
        let (number, wire) = reader.field()?;
        let field = message
            .fields
            .iter()
            .find(|field| field.number == number)
            .ok_or_else(|| format!("protobuf: field {number} of {} is not known to kubesim", message.name))?;
        apply(message, field, wire, out)?;
    }
    Ok(())
}

/// Puts one occurrence of `field` into `out`.
fn apply(message: &Message, field: &Field, wire: Wire<'_>, out: &mut Map<String, Value>) -> Result<(), String> {
    match field.ty {
        Inline(inner) => return decode_into(inner, bytes_of(message, field, wire)?, out),
        MapStr | MapQuantity => {
            let (key, value) = map_entry(field.ty, bytes_of(message, field, wire)?)?;
            let entry = out.entry(field.name).or_insert_with(|| Value::Object(Map::new()));
            return match entry {
                Value::Object(map) => {
                    map.insert(key, value);
                    Ok(())
                }
                _ => Err(format!("protobuf: internal error: {} of {} is not an object", field.name, message.name)),
            };
        }
        _ => {}
    }
    match field.card {
        Card::Many => {
            let items = repeated(message, field, wire)?;
            let entry = out.entry(field.name).or_insert_with(|| Value::Array(Vec::new()));
            match entry {
                Value::Array(list) => {
                    list.extend(items);
                    Ok(())
                }
                _ => Err(format!("protobuf: internal error: {} of {} is not an array", field.name, message.name)),
            }
        }
        Card::One | Card::OmitEmpty => {
            // A message that occurs twice merges, as protobuf wants.
            if let (Msg(inner), Some(Value::Object(existing))) = (field.ty, out.get_mut(field.name)) {
                return decode_into(inner, bytes_of(message, field, wire)?, existing);
            }
            match single(message, field, wire)? {
                Some(value) if !(field.card == Card::OmitEmpty && is_zero(&value)) => {
                    out.insert(field.name.into(), value);
                }
                _ => {
                    out.remove(field.name);
                }
            }
            Ok(())
        }
    }
}

/// The elements one occurrence of a repeated field contributes: one, or several when a
/// scalar list is packed.
fn repeated(message: &Message, field: &Field, wire: Wire<'_>) -> Result<Vec<Value>, String> {
    match (field.ty, wire) {
        (Bool | I32 | I64, Wire::Bytes(packed)) => {
            let mut reader = Reader::new(packed, message.name);
            let mut items = Vec::new();
            while !reader.done() {
                items.push(from_varint(message, field, reader.varint()?)?);
            }
            Ok(items)
        }
        _ => Ok(single(message, field, wire)?.into_iter().collect()),
    }
}

/// The JSON value of one occurrence of a field; `None` for an empty `Time`.
fn single(message: &Message, field: &Field, wire: Wire<'_>) -> Result<Option<Value>, String> {
    Ok(match field.ty {
        Str => Some(Value::String(utf8(bytes_of(message, field, wire)?, message.name)?)),
        Bool | I32 | I64 => match wire {
            Wire::Varint(value) => Some(from_varint(message, field, value)?),
            _ => return Err(wire_mismatch(message, field, wire)),
        },
        Msg(inner) => {
            let mut object = Map::new();
            decode_into(inner, bytes_of(message, field, wire)?, &mut object)?;
            Some(Value::Object(object))
        }
        Time => time(bytes_of(message, field, wire)?)?.map(Value::String),
        Quantity => Some(Value::String(quantity(bytes_of(message, field, wire)?)?)),
        IntOrString => Some(int_or_string(bytes_of(message, field, wire)?)?),
        FieldsV1 => fields_v1(bytes_of(message, field, wire)?)?,
        Inline(_) | MapStr | MapQuantity => {
            return Err(format!("protobuf: internal error: {} of {} read as a single value", field.name, message.name));
        }
    })
}

fn from_varint(message: &Message, field: &Field, value: u64) -> Result<Value, String> {
    // Negative numbers travel as the 64-bit two's complement.
    let signed = value as i64;
    Ok(match field.ty {
        Bool => Value::Bool(value != 0),
        I32 => Value::from(i32::try_from(signed).map_err(|_| {
            format!("protobuf: {} of {} is out of range for int32: {signed}", field.name, message.name)
        })?),
        _ => Value::from(signed),
    })
}

fn bytes_of<'a>(message: &Message, field: &Field, wire: Wire<'a>) -> Result<&'a [u8], String> {
    match wire {
        Wire::Bytes(bytes) => Ok(bytes),
        _ => Err(wire_mismatch(message, field, wire)),
    }
}

fn wire_mismatch(message: &Message, field: &Field, wire: Wire<'_>) -> String {
    format!(
        "protobuf: field {} ({}) of {} has wire type {}, which does not fit its type",
        field.number,
        field.name,
        message.name,
        wire.wire_type()
    )
}

/// The zero value an `omitempty` JSON field leaves out.
fn is_zero(value: &Value) -> bool {
    match value {
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_i64() == Some(0),
        _ => false,
    }
}

/// A map entry {1 key, 2 value}; missing parts are their zero values.
fn map_entry(ty: Ty, bytes: &[u8]) -> Result<(String, Value), String> {
    let what = "map entry";
    let mut key = String::new();
    let mut value = match ty {
        MapQuantity => Value::String("0".into()),
        _ => Value::String(String::new()),
    };
    let mut reader = Reader::new(bytes, what);
    while !reader.done() {
        match (reader.field()?, ty) {
            ((1, Wire::Bytes(s)), _) => key = utf8(s, what)?,
            ((2, Wire::Bytes(s)), MapQuantity) => value = Value::String(quantity(s)?),
            ((2, Wire::Bytes(s)), _) => value = Value::String(utf8(s, what)?),
            ((number, wire), _) => return Err(reject(what, number, wire, &[1, 2])),
        }
    }
    Ok((key, value))
}

/// `metav1.Time` {1 seconds, 2 nanos} as RFC 3339 in UTC, to the second (as Kubernetes
/// writes `metav1.Time` in JSON). An empty message is the zero time: `None`.
fn time(bytes: &[u8]) -> Result<Option<String>, String> {
    let mut reader = Reader::new(bytes, "Time");
    let mut seconds = None;
    let mut any = false;
    while !reader.done() {
        any = true;
        match reader.field()? {
            (1, Wire::Varint(value)) => seconds = Some(value as i64),
            (2, Wire::Varint(value)) => {
                let nanos = value as i64;
                if !(0..1_000_000_000).contains(&nanos) {
                    return Err(format!("protobuf: nanos {nanos} of Time are out of range"));
                }
            }
            (number, wire) => return Err(reject("Time", number, wire, &[1, 2])),
        }
    }
    if !any {
        return Ok(None);
    }
    rfc3339(seconds.unwrap_or(0)).map(Some)
}

/// Seconds since the Unix epoch as `YYYY-MM-DDThh:mm:ssZ`, years 0001 to 9999.
fn rfc3339(seconds: i64) -> Result<String, String> {
    const MIN: i64 = -62_135_596_800; // 0001-01-01T00:00:00Z
    const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    if !(MIN..=MAX).contains(&seconds) {
        return Err(format!("protobuf: timestamp {seconds} is outside years 0001 to 9999"));
    }
    Ok(crate::engine::time::unix_rfc3339(seconds))
}

/// `resource.Quantity` {1 string}; an empty message is the zero quantity, "0".
fn quantity(bytes: &[u8]) -> Result<String, String> {
    let mut reader = Reader::new(bytes, "Quantity");
    let mut text = None;
    while !reader.done() {
        match reader.field()? {
            (1, Wire::Bytes(s)) => text = Some(utf8(s, "Quantity")?),
            (number, wire) => return Err(reject("Quantity", number, wire, &[1])),
        }
    }
    Ok(text.unwrap_or_else(|| "0".into()))
}

/// `intstr.IntOrString` {1 type (0 int, 1 string), 2 intVal, 3 strVal}.
fn int_or_string(bytes: &[u8]) -> Result<Value, String> {
    let what = "IntOrString";
    let mut reader = Reader::new(bytes, what);
    let (mut kind, mut int, mut string) = (0i64, 0i64, String::new());
    while !reader.done() {
        match reader.field()? {
            (1, Wire::Varint(value)) => kind = value as i64,
            (2, Wire::Varint(value)) => int = value as i64,
            (3, Wire::Bytes(s)) => string = utf8(s, what)?,
            (number, wire) => return Err(reject(what, number, wire, &[1, 2, 3])),
        }
    }
    match kind {
        0 => i32::try_from(int)
            .map(Value::from)
            .map_err(|_| format!("protobuf: intVal {int} of IntOrString is out of range for int32")),
        1 => Ok(Value::String(string)),
        other => Err(format!("protobuf: IntOrString type {other} is neither 0 (int) nor 1 (string)")),
    }
}

/// `metav1.FieldsV1` {1 raw JSON}: the JSON itself; `None` without it.
fn fields_v1(bytes: &[u8]) -> Result<Option<Value>, String> {
    let mut reader = Reader::new(bytes, "FieldsV1");
    let mut raw = None;
    while !reader.done() {
        match reader.field()? {
            (1, Wire::Bytes(json)) => {
                raw = Some(
                    serde_json::from_slice(json).map_err(|e| format!("protobuf: FieldsV1 holds invalid JSON: {e}"))?,
                );
            }
            (number, wire) => return Err(reject("FieldsV1", number, wire, &[1])),
        }
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A tiny protobuf encoder for building inputs: a message under construction.
    #[derive(Default, Clone)]
    struct Pb(Vec<u8>);

    fn varint(out: &mut Vec<u8>, mut value: u64) {
        while value >= 0x80 {
            out.push((value as u8) | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
    }

    impl Pb {
        fn new() -> Self {
            Pb::default()
        }

        fn key(mut self, number: u32, wire_type: u8) -> Self {
            varint(&mut self.0, (u64::from(number) << 3) | u64::from(wire_type));
            self
        }

        /// A varint field (negative numbers as 64-bit two's complement, as Go writes them).
        fn int(self, number: u32, value: i64) -> Self {
            let mut pb = self.key(number, 0);
            varint(&mut pb.0, value as u64);
            pb
        }

        fn bool(self, number: u32, value: bool) -> Self {
            self.int(number, i64::from(value))
        }

        fn bytes(self, number: u32, value: &[u8]) -> Self {
            let mut pb = self.key(number, 2);
            varint(&mut pb.0, value.len() as u64);
            pb.0.extend_from_slice(value);
            pb
        }

        fn str(self, number: u32, value: &str) -> Self {
            self.bytes(number, value.as_bytes())
        }

        fn msg(self, number: u32, value: Pb) -> Self {
            self.bytes(number, &value.0)
        }

        /// A `map<string, string>` entry.
        fn entry(self, number: u32, key: &str, value: &str) -> Self {
            self.msg(number, Pb::new().str(1, key).str(2, value))
        }

        fn time(self, number: u32, seconds: i64, nanos: i64) -> Self {
            let mut time = Pb::new().int(1, seconds);
            if nanos != 0 {
                time = time.int(2, nanos);
            }
            self.msg(number, time)
        }
    }

    /// The body kubectl sends: magic, then `runtime.Unknown`.
    fn body(api_version: &str, kind: &str, object: Pb) -> Vec<u8> {
        let unknown = Pb::new().msg(1, Pb::new().str(1, api_version).str(2, kind)).msg(2, object).str(3, "").str(4, "");
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&unknown.0);
        out
    }

    /// `ObjectMeta` as Go's generated marshaller writes it for a fresh object: every
    /// non-pointer field, the empty ones included, and a zero creationTimestamp.
    fn fresh_meta(name: &str, labels: &[(&str, &str)]) -> Pb {
        let mut meta =
            Pb::new().str(1, name).str(2, "").str(3, "").str(4, "").str(5, "").str(6, "").int(7, 0).msg(8, Pb::new());
        for (key, value) in labels {
            meta = meta.entry(11, key, value);
        }
        meta
    }

    #[test]
    fn deployment_from_kubectl_create() {
        // kubectl create deployment web --image=nginx:1.27 --replicas=2 --port=80
        let container = Pb::new()
            .str(1, "nginx")
            .str(2, "nginx:1.27")
            .str(5, "")
            .msg(6, Pb::new().str(1, "").int(2, 0).int(3, 80).str(4, "").str(5, ""))
            .msg(8, Pb::new())
            .str(13, "")
            .str(14, "")
            .bool(16, false)
            .bool(17, false)
            .bool(18, false)
            .str(20, "");
        let pod_spec = Pb::new()
            .msg(2, container)
            .str(3, "")
            .str(6, "")
            .str(8, "")
            .str(9, "")
            .str(10, "")
            .bool(11, false)
            .bool(12, false)
            .bool(13, false)
            .str(16, "")
            .str(17, "")
            .str(19, "")
            .str(24, "");
        let spec = Pb::new()
            .int(1, 2)
            .msg(2, Pb::new().entry(1, "app", "web"))
            .msg(3, Pb::new().msg(1, fresh_meta("", &[("app", "web")])).msg(2, pod_spec))
            .msg(4, Pb::new().str(1, ""))
            .int(5, 0)
            .bool(7, false);
        let status = Pb::new().int(1, 0).int(2, 0).int(3, 0).int(4, 0).int(5, 0).int(7, 0);
        let deployment = Pb::new().msg(1, fresh_meta("web", &[("app", "web")])).msg(2, spec).msg(3, status);

        let decoded = decode(&body("apps/v1", "Deployment", deployment)).unwrap();
        assert_eq!(
            decoded,
            json!({
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web", "labels": {"app": "web"}},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {
                            "containers": [{
                                "name": "nginx",
                                "image": "nginx:1.27",
                                "ports": [{"containerPort": 80}],
                                "resources": {},
                            }],
                        },
                    },
                    "strategy": {},
                },
                "status": {},
            })
        );
    }

    #[test]
    fn deployment_keeps_explicit_zeros_of_pointer_fields() {
        // `--replicas=0` is a set pointer: the zero stays. A rolling update with both
        // IntOrString forms.
        let spec = Pb::new().int(1, 0).int(6, 0).msg(
            4,
            Pb::new()
                .str(1, "RollingUpdate")
                .msg(2, Pb::new().msg(1, Pb::new().int(1, 1).str(3, "25%")).msg(2, Pb::new().int(1, 0).int(2, 1))),
        );
        let deployment = Pb::new().msg(1, Pb::new().str(1, "web")).msg(2, spec);
        let decoded = decode(&body("apps/v1", "Deployment", deployment)).unwrap();
        assert_eq!(
            decoded["spec"],
            json!({
                "replicas": 0,
                "revisionHistoryLimit": 0,
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}},
            })
        );
    }

    #[test]
    fn replica_set_with_owner() {
        let meta = Pb::new().str(1, "web-5d8").str(3, "default").msg(
            13,
            Pb::new().str(5, "apps/v1").str(1, "Deployment").str(3, "web").str(4, "u-1").bool(6, true).bool(7, true),
        );
        let spec = Pb::new()
            .int(1, 3)
            .msg(
                2,
                Pb::new().entry(1, "app", "web").msg(2, Pb::new().str(1, "tier").str(2, "In").str(3, "a").str(3, "b")),
            )
            .msg(3, Pb::new().msg(2, Pb::new().msg(2, Pb::new().str(1, "c").str(2, "busybox"))));
        let status = Pb::new().int(1, 0).int(2, 0);
        let decoded =
            decode(&body("apps/v1", "ReplicaSet", Pb::new().msg(1, meta).msg(2, spec).msg(3, status))).unwrap();
        assert_eq!(
            decoded,
            json!({
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": "web-5d8",
                    "namespace": "default",
                    "ownerReferences": [{
                        "apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u-1",
                        "controller": true, "blockOwnerDeletion": true,
                    }],
                },
                "spec": {
                    "replicas": 3,
                    "selector": {
                        "matchLabels": {"app": "web"},
                        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}],
                    },
                    "template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}},
                },
                "status": {"replicas": 0},
            })
        );
    }

    #[test]
    fn service_with_named_and_numeric_target_ports() {
        let spec = Pb::new()
            .msg(1, Pb::new().str(1, "http").str(2, "TCP").int(3, 80).msg(4, Pb::new().int(1, 1).str(3, "web")))
            .msg(
                1,
                Pb::new()
                    .str(1, "metrics")
                    .str(2, "TCP")
                    .int(3, 9090)
                    .msg(4, Pb::new().int(1, 0).int(2, 9091).str(3, ""))
                    .int(5, 30090),
            )
            .entry(2, "app", "web")
            .str(3, "10.96.0.10")
            .str(18, "10.96.0.10")
            .str(4, "NodePort")
            .str(7, "None")
            .str(11, "Local")
            .int(12, 0)
            .bool(13, false)
            .str(17, "SingleStack")
            .str(19, "IPv4");
        let service =
            Pb::new().msg(1, fresh_meta("web", &[("app", "web")])).msg(2, spec).msg(3, Pb::new().msg(1, Pb::new()));
        let decoded = decode(&body("v1", "Service", service)).unwrap();
        assert_eq!(
            decoded,
            json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "web", "labels": {"app": "web"}},
                "spec": {
                    "ports": [
                        {"name": "http", "protocol": "TCP", "port": 80, "targetPort": "web"},
                        {"name": "metrics", "protocol": "TCP", "port": 9090, "targetPort": 9091, "nodePort": 30090},
                    ],
                    "selector": {"app": "web"},
                    "clusterIP": "10.96.0.10",
                    "clusterIPs": ["10.96.0.10"],
                    "type": "NodePort",
                    "sessionAffinity": "None",
                    "externalTrafficPolicy": "Local",
                    "ipFamilyPolicy": "SingleStack",
                    "ipFamilies": ["IPv4"],
                },
                "status": {"loadBalancer": {}},
            })
        );
    }

    #[test]
    fn eviction_with_delete_options() {
        // kubectl drain --grace-period=0: an explicit zero, kept.
        let delete_options = Pb::new()
            .int(1, 0)
            .msg(2, Pb::new().str(1, "uid-1").str(2, "42"))
            .bool(3, false)
            .str(4, "Foreground")
            .str(5, "All");
        let eviction = Pb::new().msg(1, Pb::new().str(1, "web-1").str(3, "default")).msg(2, delete_options);
        let decoded = decode(&body("policy/v1", "Eviction", eviction)).unwrap();
        assert_eq!(
            decoded,
            json!({
                "apiVersion": "policy/v1",
                "kind": "Eviction",
                "metadata": {"name": "web-1", "namespace": "default"},
                "deleteOptions": {
                    "gracePeriodSeconds": 0,
                    "preconditions": {"uid": "uid-1", "resourceVersion": "42"},
                    "orphanDependents": false,
                    "propagationPolicy": "Foreground",
                    "dryRun": ["All"],
                },
            })
        );
    }

    #[test]
    fn object_meta_timestamps_and_the_rest() {
        let meta = Pb::new()
            .str(1, "p")
            .str(2, "p-")
            .str(3, "ns")
            .str(5, "uid-9")
            .str(6, "17")
            .int(7, 3)
            .time(8, 1_735_689_600, 0)
            .time(9, 1_735_689_630, 500)
            .int(10, 30)
            .entry(12, "note", "x")
            .entry(12, "empty", "")
            .str(14, "example.com/f")
            .msg(
                17,
                Pb::new()
                    .str(1, "kubectl")
                    .str(2, "Update")
                    .str(3, "v1")
                    .time(4, 951_782_400, 0)
                    .str(6, "FieldsV1")
                    .msg(7, Pb::new().str(1, r#"{"f:metadata":{}}"#)),
            );
        let decoded = decode(&body("v1", "Pod", Pb::new().msg(1, meta))).unwrap();
        assert_eq!(
            decoded,
            json!({
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": "p",
                    "generateName": "p-",
                    "namespace": "ns",
                    "uid": "uid-9",
                    "resourceVersion": "17",
                    "generation": 3,
                    "creationTimestamp": "2025-01-01T00:00:00Z",
                    "deletionTimestamp": "2025-01-01T00:00:30Z",
                    "deletionGracePeriodSeconds": 30,
                    "annotations": {"note": "x", "empty": ""},
                    "finalizers": ["example.com/f"],
                    "managedFields": [{
                        "manager": "kubectl",
                        "operation": "Update",
                        "apiVersion": "v1",
                        "time": "2000-02-29T00:00:00Z",
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {"f:metadata": {}},
                    }],
                },
            })
        );
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_735_689_600).unwrap(), "2025-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_210_096).unwrap(), "2024-02-29T12:34:56Z");
        assert_eq!(rfc3339(-1).unwrap(), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(-62_135_596_800).unwrap(), "0001-01-01T00:00:00Z");
        assert_eq!(rfc3339(253_402_300_799).unwrap(), "9999-12-31T23:59:59Z");
        assert!(rfc3339(253_402_300_800).is_err());
        assert!(rfc3339(i64::MIN).is_err());
        // An empty Time is the zero time: absent.
        assert_eq!(time(&[]).unwrap(), None);
    }

    #[test]
    fn pod_spec_with_probes_env_volumes_and_scheduling() {
        let container = Pb::new()
            .str(1, "app")
            .str(2, "app:1")
            .str(3, "sh")
            .str(3, "-c")
            .str(4, "sleep 1")
            .msg(7, Pb::new().str(1, "MODE").str(2, "fast"))
            .msg(7, Pb::new().str(1, "NODE").msg(3, Pb::new().msg(1, Pb::new().str(1, "v1").str(2, "spec.nodeName"))))
            .msg(
                7,
                Pb::new().str(1, "PASSWORD").msg(
                    3,
                    Pb::new().msg(4, Pb::new().msg(1, Pb::new().str(1, "db")).str(2, "password").bool(3, true)),
                ),
            )
            .msg(19, Pb::new().str(1, "CFG_").msg(2, Pb::new().msg(1, Pb::new().str(1, "settings"))))
            .msg(
                8,
                Pb::new()
                    .msg(1, Pb::new().str(1, "cpu").msg(2, Pb::new().str(1, "500m")))
                    .msg(2, Pb::new().str(1, "memory").msg(2, Pb::new().str(1, "64Mi"))),
            )
            .msg(9, Pb::new().str(1, "data").bool(2, true).str(3, "/data").str(4, ""))
            .msg(
                10,
                Pb::new()
                    .msg(1, Pb::new().msg(2, Pb::new().str(1, "/healthz").msg(2, Pb::new().int(1, 0).int(2, 8080))))
                    .int(2, 5)
                    .int(3, 0)
                    .int(4, 10),
            )
            .msg(11, Pb::new().msg(1, Pb::new().msg(3, Pb::new().msg(1, Pb::new().int(1, 1).str(3, "http")))))
            .str(14, "IfNotPresent")
            .msg(15, Pb::new().bool(2, false).int(4, 1000).msg(1, Pb::new().str(2, "ALL")));
        let spec = Pb::new()
            .msg(1, Pb::new().str(1, "data").msg(2, Pb::new().msg(2, Pb::new().str(1, ""))))
            .msg(1, Pb::new().str(1, "cfg").msg(2, Pb::new().msg(19, Pb::new().msg(1, Pb::new().str(1, "settings")))))
            .msg(20, Pb::new().str(1, "init").str(2, "busybox"))
            .msg(2, container)
            .str(3, "Always")
            .int(4, 0)
            .entry(7, "disk", "ssd")
            .str(8, "builder")
            .bool(21, false)
            .str(10, "node-1")
            .bool(11, true)
            .msg(14, Pb::new().int(2, 1000).bytes(4, &[1, 2, 0xe8, 0x07]))
            .str(19, "default-scheduler")
            .msg(22, Pb::new().str(1, "dedicated").str(2, "Equal").str(3, "gpu").str(4, "NoSchedule"))
            .msg(22, Pb::new().str(2, "Exists").str(4, "NoExecute").int(5, 300))
            .msg(
                18,
                Pb::new().msg(
                    1,
                    Pb::new()
                        .msg(1, Pb::new().msg(1, Pb::new().msg(1, Pb::new().str(1, "zone").str(2, "In").str(3, "a")))),
                ),
            );
        let decoded = decode(&body("v1", "Pod", Pb::new().msg(2, spec).msg(3, Pb::new().str(1, "Pending")))).unwrap();
        assert_eq!(
            decoded["spec"],
            json!({
                "volumes": [
                    {"name": "data", "emptyDir": {}},
                    {"name": "cfg", "configMap": {"name": "settings"}},
                ],
                "initContainers": [{"name": "init", "image": "busybox"}],
                "containers": [{
                    "name": "app",
                    "image": "app:1",
                    "command": ["sh", "-c"],
                    "args": ["sleep 1"],
                    "env": [
                        {"name": "MODE", "value": "fast"},
                        {"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
                        {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password", "optional": true}}},
                    ],
                    "envFrom": [{"prefix": "CFG_", "configMapRef": {"name": "settings"}}],
                    "resources": {"limits": {"cpu": "500m"}, "requests": {"memory": "64Mi"}},
                    "volumeMounts": [{"name": "data", "readOnly": true, "mountPath": "/data"}],
                    "livenessProbe": {
                        "httpGet": {"path": "/healthz", "port": 8080},
                        "initialDelaySeconds": 5,
                        "periodSeconds": 10,
                    },
                    "readinessProbe": {"tcpSocket": {"port": "http"}},
                    "imagePullPolicy": "IfNotPresent",
                    "securityContext": {"privileged": false, "runAsUser": 1000, "capabilities": {"drop": ["ALL"]}},
                }],
                "restartPolicy": "Always",
                "terminationGracePeriodSeconds": 0,
                "nodeSelector": {"disk": "ssd"},
                "serviceAccountName": "builder",
                "automountServiceAccountToken": false,
                "nodeName": "node-1",
                "hostNetwork": true,
                "securityContext": {"runAsUser": 1000, "supplementalGroups": [1, 2, 1000]},
                "schedulerName": "default-scheduler",
                "tolerations": [
                    {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"},
                    {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                ],
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}],
                }}},
            })
        );
        assert_eq!(decoded["status"], json!({"phase": "Pending"}));
    }

    #[test]
    fn namespace_and_binding() {
        let namespace = Pb::new().msg(1, fresh_meta("team-a", &[])).msg(2, Pb::new()).msg(3, Pb::new().str(1, ""));
        assert_eq!(
            decode(&body("v1", "Namespace", namespace)).unwrap(),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}, "spec": {}, "status": {}})
        );
        let binding = Pb::new()
            .msg(1, Pb::new().str(1, "web-1").str(3, "default"))
            .msg(2, Pb::new().str(1, "Node").str(2, "").str(3, "node-2").str(5, "v1"));
        assert_eq!(
            decode(&body("v1", "Binding", binding)).unwrap(),
            json!({
                "apiVersion": "v1",
                "kind": "Binding",
                "metadata": {"name": "web-1", "namespace": "default"},
                "target": {"kind": "Node", "name": "node-2", "apiVersion": "v1"},
            })
        );
    }

    #[test]
    fn malformed_inputs_are_errors() {
        let valid = body("v1", "Namespace", Pb::new().msg(1, Pb::new().str(1, "a")));

        // Bad magic.
        let mut bad_magic = valid.clone();
        bad_magic[0] = b'K';
        assert!(decode(&bad_magic).unwrap_err().contains("magic"));
        assert!(decode(b"").is_err());
        assert!(decode(b"{\"kind\":\"Pod\"}").is_err());

        // Only the magic: no kind.
        assert!(decode(MAGIC).unwrap_err().contains("apiVersion and kind"));

        // A truncated varint: a key whose continuation bit promises more.
        let mut truncated = MAGIC.to_vec();
        truncated.push(0x8a);
        assert!(decode(&truncated).unwrap_err().contains("truncated varint"), "{:?}", decode(&truncated));

        // A length past the end.
        let mut past_end = MAGIC.to_vec();
        past_end.extend_from_slice(&[0x12, 0x7f, 0x0a]);
        assert!(decode(&past_end).unwrap_err().contains("runs past the end"));

        // An unknown field in a covered message.
        let unknown_field = body("v1", "Namespace", Pb::new().msg(1, Pb::new().str(1, "a").str(99, "x")));
        assert_eq!(decode(&unknown_field).unwrap_err(), "protobuf: field 99 of ObjectMeta is not known to kubesim");
        let ephemeral = body("v1", "Pod", Pb::new().msg(2, Pb::new().msg(34, Pb::new())));
        assert_eq!(decode(&ephemeral).unwrap_err(), "protobuf: field 34 of PodSpec is not known to kubesim");

        // An unknown kind.
        let job = body("batch/v1", "Job", Pb::new());
        assert_eq!(decode(&job).unwrap_err(), "protobuf: kind Job (apiVersion batch/v1) is not known to kubesim");

        // A wire type that does not fit: a varint where a string belongs.
        let wrong_wire = body("v1", "Namespace", Pb::new().msg(1, Pb::new().int(1, 5)));
        assert!(decode(&wrong_wire).unwrap_err().contains("wire type 0"));

        // Not UTF-8, an IntOrString of no known type, a varint of eleven bytes.
        let not_utf8 = body("v1", "Namespace", Pb::new().msg(1, Pb::new().bytes(1, &[0xff, 0xfe])));
        assert!(decode(&not_utf8).unwrap_err().contains("UTF-8"));
        let bad_int_or_string =
            body("v1", "Service", Pb::new().msg(2, Pb::new().msg(1, Pb::new().msg(4, Pb::new().int(1, 7)))));
        assert!(decode(&bad_int_or_string).unwrap_err().contains("IntOrString type 7"));
        let mut long_varint = MAGIC.to_vec();
        long_varint.extend_from_slice(&[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        assert!(decode(&long_varint).is_err());

        // Fixed-width fields are read, but no covered field has them.
        let mut fixed_field = Pb::new().key(1, 5);
        fixed_field.0.extend_from_slice(&[0, 0, 0, 0]);
        let fixed = body("v1", "Namespace", fixed_field);
        assert!(decode(&fixed).is_err());
    }

    #[test]
    fn every_prefix_and_byte_flip_fails_cleanly() {
        let deployment = Pb::new().msg(1, fresh_meta("web", &[("app", "web")])).msg(
            2,
            Pb::new().int(1, 2).msg(
                3,
                Pb::new()
                    .msg(2, Pb::new().msg(2, Pb::new().str(1, "c").msg(6, Pb::new().int(3, 80)).msg(8, Pb::new()))),
            ),
        );
        let valid = body("apps/v1", "Deployment", deployment);
        assert!(decode(&valid).is_ok());
        for end in 0..valid.len() {
            // Never a panic; most prefixes are errors.
            let _ = decode(&valid[..end]);
        }
        for index in 0..valid.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut mutated = valid.clone();
                mutated[index] ^= flip;
                let _ = decode(&mutated);
            }
        }
    }
}
