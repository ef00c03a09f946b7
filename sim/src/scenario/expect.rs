//! Expectations: checks of the cluster's state at a moment, or `within` a simulated
//! duration (checked after every event until it holds).

use serde::Deserialize;

use super::format::kind_of;
use crate::api::{Kind, ObjKey};
use crate::cluster::Cluster;
use crate::engine::time::parse_duration_ms;
use crate::kubectl::print::pod_status::pod_status;
use crate::kubectl::selector;

/// One `expect` step: exactly one condition, and optionally how long it may take.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Expectation {
    /// How many pods match a selector (and show a STATUS).
    pub pods: Option<PodCount>,
    /// The value of one field of one object.
    pub field: Option<FieldValue>,
    /// Wait up to this long (simulated) for the condition to hold.
    pub within: Option<String>,
}

/// `pods: {selector: app=web, status: Running, count: 3}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodCount {
    /// A label selector as `kubectl get -l` takes it; empty selects every pod.
    #[serde(default)]
    pub selector: String,
    /// The STATUS column `kubectl get pods` shows (`Running`, `Pending`, `CrashLoopBackOff`…).
    pub status: Option<String>,
    /// The namespace; `default` if unset.
    pub namespace: Option<String>,
    /// How many.
    pub count: usize,
}

/// `field: {object: deployment/web, path: status.availableReplicas, equals: 3}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldValue {
    /// `KIND/NAME`, as kubectl takes it.
    pub object: String,
    /// A dotted path into the object's JSON; list items by index (`spec.containers.0.image`).
    pub path: String,
    /// The value it should have.
    pub equals: serde_json::Value,
    /// The namespace; `default` if unset.
    pub namespace: Option<String>,
}

/// The result of one check.
pub struct Checked {
    /// Whether the condition held.
    pub passed: bool,
    /// What was seen.
    pub seen: String,
}

impl Expectation {
    /// What is wrong with the expectation as written.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match (&self.pods, &self.field) {
            (Some(_), Some(_)) | (None, None) => {
                problems.push("expect: give exactly one condition: `pods` or `field`".to_string());
            }
            (Some(p), None) => problems.extend(selector::parse(&p.selector).err().map(|e| format!("expect.pods: {e}"))),
            (None, Some(f)) => problems.extend(kind_of(&f.object).err().map(|e| format!("expect.field.object: {e}"))),
        }
        if let Some(within) = &self.within {
            problems.extend(parse_duration_ms(within).err().map(|e| format!("expect.within: {e}")));
        }
        problems
    }

    /// How long to wait for it, in simulated milliseconds (0: check once).
    pub fn within_ms(&self) -> u64 {
        self.within.as_deref().and_then(|w| parse_duration_ms(w).ok()).unwrap_or(0)
    }

    /// The condition in words, for the report.
    pub fn describe(&self) -> String {
        match (&self.pods, &self.field) {
            (Some(p), _) => {
                let status = p.status.as_deref().map(|s| format!(" {s}")).unwrap_or_default();
                let selector = if p.selector.is_empty() { String::new() } else { format!(" -l {}", p.selector) };
                format!("{} pods{selector}{status}", p.count)
            }
            (_, Some(f)) => format!("{} {} = {}", f.object, f.path, f.equals),
            _ => String::new(),
        }
    }

    /// The object the condition is about, for `explain-why` when it fails.
    pub fn object(&self) -> Option<&str> {
        self.field.as_ref().map(|f| f.object.as_str())
    }

    /// Checks the condition against the cluster as it is now.
    pub fn check(&self, cluster: &Cluster) -> Checked {
        match (&self.pods, &self.field) {
            (Some(p), _) => count_pods(p, cluster),
            (_, Some(f)) => field_value(f, cluster),
            _ => Checked { passed: false, seen: "no condition".into() },
        }
    }
}

fn count_pods(p: &PodCount, cluster: &Cluster) -> Checked {
    let selector = selector::parse(&p.selector).unwrap_or_default();
    let ns = p.namespace.as_deref().unwrap_or("default");
    let n = cluster
        .api()
        .list(Kind::Pod, Some(ns))
        .filter_map(|o| o.as_pod())
        .filter(|pod| selector.matches(&pod.metadata.labels))
        .filter(|pod| p.status.as_deref().is_none_or(|s| pod_status(pod) == s))
        .count();
    Checked { passed: n == p.count, seen: n.to_string() }
}

fn field_value(f: &FieldValue, cluster: &Cluster) -> Checked {
    let Ok((kind, name)) = kind_of(&f.object) else {
        return Checked { passed: false, seen: "no such kind".into() };
    };
    let ns = if kind.namespaced() { f.namespace.as_deref().unwrap_or("default") } else { "" };
    let Some(obj) = cluster.api().get(&ObjKey::new(kind, ns, &name)) else {
        return Checked { passed: false, seen: format!("{} not found", f.object) };
    };
    let json = obj.to_json();
    let value = f.path.split('.').filter(|s| !s.is_empty()).try_fold(&json, |v, step| match v {
        serde_json::Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => v.get(step),
    });
    match value {
        Some(v) => Checked { passed: *v == f.equals, seen: v.to_string() },
        None => Checked { passed: false, seen: "<unset>".into() },
    }
}
