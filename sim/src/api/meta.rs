//! Shared object metadata and small value types (`metav1`), serialized exactly as
//! Kubernetes does: camelCase keys, RFC 3339 times, absent fields omitted.

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU64;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::name::Str;
use super::shared::Shared;
use crate::engine::SimTime;

/// Reads `null` as the empty value, as Go's JSON decoding leaves a nil map or slice:
/// `labels: null` and a missing `labels:` mean the same.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An instant stored as its milliseconds plus one, so that an `Option` of it takes no
/// room of its own: objects hold several optional times, and the store millions of
/// objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Stamp(NonZeroU64);

impl Stamp {
    fn at(moment: SimTime) -> Stamp {
        // A moment at the very end of u64 (half a billion years) is kept one millisecond early.
        Stamp(NonZeroU64::new(moment.as_ms().saturating_add(1)).expect("one more than any u64 is not zero"))
    }

    fn moment(self) -> SimTime {
        SimTime(self.0.get() - 1)
    }
}

/// A `metav1.Time`: serialized as RFC 3339 with second precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(Stamp);

impl Time {
    /// The `metav1.Time` of a moment of kubesim's simulated time.
    pub fn at(moment: SimTime) -> Time {
        Time(Stamp::at(moment))
    }

    /// The moment, in kubesim's simulated time.
    pub fn moment(self) -> SimTime {
        self.0.moment()
    }

    /// `at` as the apiserver keeps a `metav1.Time`: to the whole second, the precision
    /// it is serialized with.
    pub fn to_second(at: SimTime) -> Time {
        Time::at(SimTime(at.as_ms() / 1000 * 1000))
    }
}

impl Default for Time {
    fn default() -> Self {
        Time::at(SimTime::ZERO)
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.moment().rfc3339())
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        SimTime::parse_rfc3339(&text).map(Time::at).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "parsing time {text:?} as RFC 3339 (\"2006-01-02T15:04:05Z07:00\") failed"
            ))
        })
    }
}

/// A `metav1.MicroTime`: RFC 3339 with microseconds (Lease renewals, event times).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MicroTime(Stamp);

impl MicroTime {
    /// The `metav1.MicroTime` of a moment of kubesim's simulated time.
    pub fn at(moment: SimTime) -> MicroTime {
        MicroTime(Stamp::at(moment))
    }

    /// The moment, in kubesim's simulated time.
    pub fn moment(self) -> SimTime {
        self.0.moment()
    }
}

impl Default for MicroTime {
    fn default() -> Self {
        MicroTime::at(SimTime::ZERO)
    }
}

impl Serialize for MicroTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.moment().rfc3339_micro())
    }
}

impl<'de> Deserialize<'de> for MicroTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Time::deserialize(d).map(|t| MicroTime(t.0))
    }
}

/// `intstr.IntOrString`: a port number or a port name, a count or a percentage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// A whole number, such as a port number or a count.
    Int(i32),
    /// A string, such as a port name or a percentage like 25%.
    String(String),
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::String(s) => f.write_str(s),
        }
    }
}

/// A resource quantity (`100m`, `128Mi`, `2`), kept as written and parsed on demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quantity(
    /// The quantity exactly as written, such as 500m or 1Gi.
    pub String,
);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // YAML authors write `cpu: 1` as often as `cpu: "1"`; Kubernetes accepts both.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Float(f64),
            Text(String),
        }
        Ok(Quantity(match Raw::deserialize(d)? {
            Raw::Int(i) => i.to_string(),
            Raw::Float(f) => f.to_string(),
            Raw::Text(s) => s,
        }))
    }
}

impl Quantity {
    /// The value in thousandths of a unit (millicores for cpu; milli-bytes for memory),
    /// or `None` when the text is not a valid quantity.
    pub fn milli_value(&self) -> Option<i128> {
        parse_quantity_milli(&self.0)
    }
}

/// Parses a Kubernetes quantity into thousandths of the base unit.
pub fn parse_quantity_milli(text: &str) -> Option<i128> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    if number.is_empty() || number == "-" || number == "+" {
        return None;
    }
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    let negative = int_part.starts_with('-');
    let int_digits = int_part.trim_start_matches(['-', '+']);
    if !int_digits.chars().all(|c| c.is_ascii_digit()) || !frac_part.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // Work in units of 10^-9 to keep fractions like 0.5 and 100m exact.
    let int: i128 = if int_digits.is_empty() { 0 } else { int_digits.parse().ok()? };
    // The first nine fractional digits, padded with zeros: 0.5 is 500,000,000 nanos.
    let frac =
        frac_part.bytes().chain(std::iter::repeat(b'0')).take(9).fold(0i128, |n, d| n * 10 + i128::from(d - b'0'));
    let nanos = int.checked_mul(1_000_000_000)?.checked_add(frac)?;
    let (mul, div): (i128, i128) = match suffix {
        "" => (1, 1),
        "m" => (1, 1000),
        "u" => (1, 1_000_000),
        "n" => (1, 1_000_000_000),
        "k" => (1000, 1),
        "M" => (1_000_000, 1),
        "G" => (1_000_000_000, 1),
        "T" => (1_000_000_000_000, 1),
        "Ki" => (1 << 10, 1),
        "Mi" => (1 << 20, 1),
        "Gi" => (1 << 30, 1),
        "Ti" => (1 << 40, 1),
        "Pi" => (1 << 50, 1),
        "Ei" => (1 << 60, 1),
        "P" => (1_000_000_000_000_000, 1),
        "E" => (1_000_000_000_000_000_000, 1),
        exponent => {
            // Decimal exponent: `1e3`, `5E-1`.
            let digits = exponent.strip_prefix(['e', 'E'])?;
            let power: i32 = digits.parse().ok().filter(|p: &i32| p.abs() <= 18)?;
            let scale = 10i128.pow(power.unsigned_abs());
            if power >= 0 { (scale, 1) } else { (1, scale) }
        }
    };
    let milli = nanos.checked_mul(mul)? / div / 1_000_000;
    Some(if negative { -milli } else { milli })
}

/// A link from an object to an object that owns it. Once every owner is gone, the garbage
/// collector deletes the object too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OwnerReference {
    /// The API group and version of the owner.
    pub api_version: Str,
    /// The kind of the owner, such as ReplicaSet.
    pub kind: Str,
    /// The owner's name.
    pub name: Str,
    /// The owner's UID; the reference holds only for the object with this UID.
    pub uid: Str,
    /// True when the owner is the controller that manages this object; an object has at
    /// most one such owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    /// When true, a foreground deletion of the owner waits until this object is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
}

/// Metadata every object has: its name, namespace, labels and annotations, and the identity
/// and bookkeeping fields the apiserver manages. It reads and writes as Kubernetes'
/// `ObjectMeta` (each field's meaning is there: see `kubectl explain pod.metadata`); the
/// fields few objects set are kept apart, in [`RareMeta`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "ObjectMetaJson", into = "ObjectMetaJson")]
#[allow(missing_docs)] // The fields are `ObjectMetaJson`'s, documented there for the schema.
pub struct ObjectMeta {
    pub name: Str,
    pub namespace: Str,
    pub uid: Str,
    pub resource_version: Str,
    pub generation: Option<i64>,
    pub creation_timestamp: Option<Time>,
    pub deletion_timestamp: Option<Time>,
    // Shared by the object's versions (a status write does not copy them).
    pub labels: Shared<BTreeMap<String, String>>,
    pub annotations: Shared<BTreeMap<String, String>>,
    pub owner_references: Shared<Vec<OwnerReference>>,
    /// The fields few objects set, shared by the objects without them: an Event or a
    /// Pod is then a size smaller in memory (the store holds hundreds of thousands).
    pub rare: Shared<RareMeta>,
}

/// The metadata fields few objects set (see [`ObjectMeta`]).
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)] // As in `ObjectMetaJson`.
pub struct RareMeta {
    pub generate_name: Option<Str>,
    pub deletion_grace_period_seconds: Option<i64>,
    pub finalizers: Shared<Vec<String>>,
    pub managed_fields: Option<Box<serde_json::Value>>,
}

impl From<ObjectMetaJson> for ObjectMeta {
    fn from(json: ObjectMetaJson) -> ObjectMeta {
        let rare = RareMeta {
            generate_name: json.generate_name,
            deletion_grace_period_seconds: json.deletion_grace_period_seconds,
            finalizers: json.finalizers,
            managed_fields: json.managed_fields,
        };
        ObjectMeta {
            name: json.name,
            namespace: json.namespace,
            uid: json.uid,
            resource_version: json.resource_version,
            generation: json.generation,
            creation_timestamp: json.creation_timestamp,
            deletion_timestamp: json.deletion_timestamp,
            labels: json.labels,
            annotations: json.annotations,
            owner_references: json.owner_references,
            rare: if rare == RareMeta::default() { Shared::default() } else { Shared::from(rare) },
        }
    }
}

impl From<ObjectMeta> for ObjectMetaJson {
    fn from(meta: ObjectMeta) -> ObjectMetaJson {
        let RareMeta { generate_name, deletion_grace_period_seconds, finalizers, managed_fields } =
            (*meta.rare).clone();
        ObjectMetaJson {
            name: meta.name,
            generate_name,
            namespace: meta.namespace,
            uid: meta.uid,
            resource_version: meta.resource_version,
            generation: meta.generation,
            creation_timestamp: meta.creation_timestamp,
            deletion_timestamp: meta.deletion_timestamp,
            deletion_grace_period_seconds,
            labels: meta.labels,
            annotations: meta.annotations,
            owner_references: meta.owner_references,
            finalizers,
            managed_fields,
        }
    }
}

/// Its schema is the one it is written in.
impl JsonSchema for ObjectMeta {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        ObjectMetaJson::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        ObjectMetaJson::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        ObjectMetaJson::json_schema(generator)
    }
}

/// Metadata every object has: its name, namespace, labels and annotations, and the identity
/// and bookkeeping fields the apiserver manages.
// `ObjectMeta` as it is written and read, field for field; held as an `ObjectMeta`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "ObjectMeta")]
struct ObjectMetaJson {
    /// The object's name, unique among objects of its kind in its namespace. Cannot be
    /// changed later.
    #[serde(default, skip_serializing_if = "str::is_empty")]
    name: Str,
    /// When name is empty, a prefix to which the apiserver appends random characters to
    /// make a unique name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    generate_name: Option<Str>,
    /// The namespace the object lives in; empty for cluster-wide kinds such as Node.
    /// Defaults to the client's current namespace, usually default.
    #[serde(default, skip_serializing_if = "str::is_empty")]
    namespace: Str,
    /// An ID the apiserver gives the object when it is created, unique across time and
    /// never reused. Set by the system.
    #[serde(default, skip_serializing_if = "str::is_empty")]
    uid: Str,
    /// An opaque version string that changes whenever the object changes; clients use it to
    /// detect conflicting updates and to resume watches. Set by the system.
    #[serde(default, skip_serializing_if = "str::is_empty")]
    resource_version: Str,
    /// A counter the apiserver increments whenever the object's desired state changes. Set
    /// by the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    generation: Option<i64>,
    /// When the object was created. Set by the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    creation_timestamp: Option<Time>,
    /// When the object's deletion was requested. Once set, the object goes away as soon as
    /// its finalizers are done and, for a pod, its grace period has passed. Set by the
    /// system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deletion_timestamp: Option<Time>,
    /// How many seconds the object was given to shut down when its deletion was requested.
    /// Set by the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deletion_grace_period_seconds: Option<i64>,
    /// Key/value pairs for grouping objects, which selectors (in Services, ReplicaSets,
    /// kubectl -l) match on.
    // Shared by the object's versions (a status write does not copy them).
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "is_empty_map")]
    labels: Shared<BTreeMap<String, String>>,
    /// Key/value pairs for arbitrary extra information read by tools and people; unlike
    /// labels, they cannot be selected on.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "is_empty_map")]
    annotations: Shared<BTreeMap<String, String>>,
    /// The objects this one belongs to. When all of them have been deleted, the garbage
    /// collector deletes this one too.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Shared::is_empty_list")]
    owner_references: Shared<Vec<OwnerReference>>,
    /// Cleanup steps that must finish before the object is removed; a deleted object stays,
    /// marked for deletion, until this list is empty.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Shared::is_empty_list")]
    finalizers: Shared<Vec<String>>,
    /// Server-side apply bookkeeping: which manager set which fields. Accepted and kept,
    /// not interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    managed_fields: Option<Box<serde_json::Value>>,
}

fn is_empty_map(map: &Shared<BTreeMap<String, String>>) -> bool {
    map.is_empty()
}

impl ObjectMeta {
    /// The controller owner reference, if any.
    pub fn controller_ref(&self) -> Option<&OwnerReference> {
        self.owner_references.iter().find(|r| r.controller == Some(true))
    }
}

/// A label query: an object matches when it meets every matchLabels entry and every
/// matchExpressions entry. An empty selector matches every object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelector {
    /// Labels the object must carry with exactly these values.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    /// Further requirements on the object's labels, each a key, an operator and values.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One requirement on a label, as used in matchExpressions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelectorRequirement {
    /// The label key the requirement tests.
    pub key: String,
    /// How the label is tested: In, NotIn, Exists or DoesNotExist.
    pub operator: String,
    /// The values to compare with: at least one for In and NotIn, none for Exists and
    /// DoesNotExist.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// True when `labels` satisfy every requirement. An empty selector matches everything.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|req| {
                let value = labels.get(&req.key);
                match req.operator.as_str() {
                    "In" => value.is_some_and(|v| req.values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !req.values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
    }

    /// The selector as kubectl prints it: `app=web,tier in (a,b)`.
    pub fn to_selector_string(&self) -> String {
        let mut parts: Vec<String> = self.match_labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for req in &self.match_expressions {
            parts.push(match req.operator.as_str() {
                "In" => format!("{} in ({})", req.key, req.values.join(",")),
                "NotIn" => format!("{} notin ({})", req.key, req.values.join(",")),
                "Exists" => req.key.clone(),
                _ => format!("!{}", req.key),
            });
        }
        parts.join(",")
    }
}

/// One condition of an object: an aspect of its state (type), whether it holds (status),
/// and since when and why.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    /// The aspect of the object's state the condition is about, such as Ready or Available.
    #[serde(rename = "type")]
    pub type_: Str,
    /// Whether the condition holds: True, False or Unknown.
    pub status: Str,
    /// When the condition was last checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_probe_time: Option<Time>,
    /// When the reporter last confirmed the condition; used by node conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_heartbeat_time: Option<Time>,
    /// When the condition was last updated, even if its status stayed the same; used by
    /// Deployment conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<Time>,
    /// When the status last changed from one value to another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    /// Why the condition has its status, as one short CamelCase word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Str>,
    /// A human-readable explanation of the condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Str>,
}

/// Finds the condition of `type_` in `conditions`.
pub fn find_condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Sets a condition, keeping `lastTransitionTime` when the status did not change. Its
/// times are kept to the second, as the apiserver keeps a `metav1.Time`: conditions
/// set within one second are then equal, and pods that share them hold them once.
pub fn set_condition(conditions: &mut Vec<Condition>, mut new: Condition) {
    for time in [
        &mut new.last_probe_time,
        &mut new.last_heartbeat_time,
        &mut new.last_update_time,
        &mut new.last_transition_time,
    ] {
        *time = time.map(|t| Time::to_second(t.moment()));
    }
    if let Some(old) = conditions.iter_mut().find(|c| c.type_ == new.type_) {
        if old.status == new.status {
            new.last_transition_time = old.last_transition_time.or(new.last_transition_time);
        }
        *old = new;
    } else {
        conditions.push(new);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rare_fields_read_and_write_in_place_and_are_shared_when_absent() {
        let json = serde_json::json!({
            "name": "web-abcde", "generateName": "web-", "namespace": "default",
            "deletionGracePeriodSeconds": 0, "finalizers": ["example.com/keep"],
            "managedFields": [{"manager": "kubectl"}],
        });
        let meta: ObjectMeta = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(meta.rare.generate_name.as_deref(), Some("web-"));
        assert_eq!(meta.rare.deletion_grace_period_seconds, Some(0));
        assert_eq!(serde_json::to_value(&meta).unwrap(), json);
        let plain: ObjectMeta = serde_json::from_value(serde_json::json!({"name": "a"})).unwrap();
        assert!(Shared::ptr_eq(&plain.rare, &ObjectMeta::default().rare));
        assert_eq!(serde_json::to_value(&plain).unwrap(), serde_json::json!({"name": "a"}));
        let unknown = serde_json::from_value::<ObjectMeta>(serde_json::json!({"nmae": "a"})).unwrap_err();
        assert!(unknown.to_string().contains("unknown field `nmae`"), "{unknown}");
    }

    /// The allocator's size classes near them are 112, 128, 160, 256 and 320 bytes: a
    /// part a few bytes larger costs a class more, for each of hundreds of thousands of
    /// Events and pod versions. A spec and a status are shared (16 bytes of counts more).
    #[test]
    fn events_and_pods_fit_their_size_classes() {
        use crate::api::core::{ContainerStatus, Event, Pod, PodSpec, PodStatus};
        use std::mem::size_of;
        let sizes = [
            ("Event", size_of::<Event>(), 256),
            ("Pod", size_of::<Pod>(), 128),
            ("PodSpec", 16 + size_of::<PodSpec>(), 256),
            ("PodStatus", 16 + size_of::<PodStatus>(), 160),
            ("ContainerStatus", size_of::<ContainerStatus>(), 112),
        ];
        for (part, size, class) in sizes {
            assert!(size <= class, "{part}: {size} bytes, over the {class}-byte class");
        }
    }

    #[test]
    fn an_optional_time_is_one_word_and_keeps_its_moment_and_order() {
        assert_eq!(std::mem::size_of::<Option<Time>>(), 8);
        assert_eq!(std::mem::size_of::<Option<MicroTime>>(), 8);
        let (early, late) = (Time::at(SimTime::ZERO), Time::at(SimTime(1500)));
        assert_eq!((early.moment(), late.moment()), (SimTime::ZERO, SimTime(1500)));
        assert!(early < late && Time::default() == early);
        assert_eq!(Time::at(SimTime(u64::MAX)).moment(), SimTime(u64::MAX - 1));
        assert_eq!(MicroTime::at(SimTime(7)).moment(), SimTime(7));
    }

    #[test]
    fn a_condition_keeps_its_times_to_the_second_as_the_apiserver_stores_them() {
        let mut conditions = Vec::new();
        let at = |ms| Some(Time::at(SimTime(ms)));
        let ready = |status: &str, ms| Condition {
            type_: "Ready".into(),
            status: status.into(),
            last_transition_time: at(ms),
            last_heartbeat_time: at(ms),
            ..Default::default()
        };
        set_condition(&mut conditions, ready("False", 1_250));
        assert_eq!((conditions[0].last_transition_time, conditions[0].last_heartbeat_time), (at(1_000), at(1_000)));
        // The same status keeps its transition time; a new one moves it.
        set_condition(&mut conditions, ready("False", 2_999));
        assert_eq!((conditions[0].last_transition_time, conditions[0].last_heartbeat_time), (at(1_000), at(2_000)));
        set_condition(&mut conditions, ready("True", 3_001));
        assert_eq!(conditions[0].last_transition_time, at(3_000));
    }

    #[test]
    fn quantities_parse_to_milli_units() {
        assert_eq!(parse_quantity_milli("100m"), Some(100));
        assert_eq!(parse_quantity_milli("2"), Some(2000));
        assert_eq!(parse_quantity_milli("0.5"), Some(500));
        assert_eq!(parse_quantity_milli("128Mi"), Some(128 * 1024 * 1024 * 1000));
        assert_eq!(parse_quantity_milli("1G"), Some(1_000_000_000_000));
        assert_eq!(parse_quantity_milli("-1"), Some(-1000));
        assert_eq!(parse_quantity_milli("abc"), None);
        assert_eq!(parse_quantity_milli("1Zi"), None);
        assert_eq!(parse_quantity_milli("1e3"), Some(1_000_000));
        assert_eq!(parse_quantity_milli("5E-1"), Some(500));
        assert_eq!(parse_quantity_milli("2E"), Some(2_000_000_000_000_000_000_000));
        assert_eq!(parse_quantity_milli("1Ei"), Some((1i128 << 60) * 1000));
        assert_eq!(parse_quantity_milli("1e99"), None);
        assert_eq!(parse_quantity_milli(""), None);
    }

    #[test]
    fn selectors_match_labels_and_expressions() {
        let labels: BTreeMap<String, String> = [("app".to_string(), "web".to_string())].into();
        let mut sel = LabelSelector::default();
        assert!(sel.matches(&labels));
        sel.match_labels.insert("app".into(), "web".into());
        assert!(sel.matches(&labels));
        sel.match_expressions.push(LabelSelectorRequirement {
            key: "tier".into(),
            operator: "DoesNotExist".into(),
            values: vec![],
        });
        assert!(sel.matches(&labels));
        assert_eq!(sel.to_selector_string(), "app=web,!tier");
        sel.match_labels.insert("app".into(), "db".into());
        assert!(!sel.matches(&labels));
    }
}

/// The OpenAPI schemas of the types serialized by hand: named as Kubernetes names them,
/// described as its OpenAPI document describes them (type and format).
macro_rules! named_schema {
    ($type:ty, $name:literal, $schema:tt) => {
        impl JsonSchema for $type {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    };
}

named_schema!(Time, "Time", {
    "type": "string",
    "format": "date-time",
    "description": "A moment in time, written as RFC 3339 to the second (2025-01-01T00:00:00Z)."
});
named_schema!(MicroTime, "MicroTime", {
    "type": "string",
    "format": "date-time",
    "description": "A moment in time, written as RFC 3339 with microseconds."
});
named_schema!(Quantity, "Quantity", {
    "type": "string",
    "description": "An amount of a resource: a number with an optional suffix, such as 500m (half a CPU), 128Mi or 1Gi."
});
named_schema!(IntOrString, "IntOrString", {
    "type": "string",
    "format": "int-or-string",
    "description": "Either a whole number or a string: a port number or a port name, a count or a percentage."
});
