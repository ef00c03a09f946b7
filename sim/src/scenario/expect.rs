//! Checks of the cluster's state: `expect` (at that moment, or `within` a simulated
//! duration) and `wait_until` (up to a `timeout`). Both hold exactly one condition.

use serde::Deserialize;

use super::format::kind_of;
use crate::api::{Kind, ObjKey, Object};
use crate::cluster::Cluster;
use crate::engine::time::parse_duration_ms;
use crate::invariants;
use crate::kubectl::print::get::node_status;
use crate::kubectl::print::pod_status::pod_status;
use crate::kubectl::selector;

/// The condition names, for messages.
pub const CONDITIONS: &[&str] = &["pods", "nodes", "field", "curl", "event", "invariant"];

/// One `expect` or `wait_until` step: exactly one condition, how long it may take, and
/// what to tell the learner when it does not hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Check {
    /// How many pods match a selector (and show a STATUS).
    pub pods: Option<PodCount>,
    /// How many nodes match a selector (and show a STATUS).
    pub nodes: Option<NodeCount>,
    /// The value of one field of one object.
    pub field: Option<FieldValue>,
    /// The answer to an HTTP request through the cluster network.
    pub curl: Option<CurlAnswer>,
    /// An Event the cluster recorded.
    pub event: Option<EventSeen>,
    /// A named invariant of `kubesim::invariants` holds.
    pub invariant: Option<String>,
    /// `expect` only: wait up to this long (simulated) for the condition to hold.
    pub within: Option<String>,
    /// `wait_until` only: give up (and stop the scenario) after this long.
    pub timeout: Option<String>,
    /// Printed when the condition does not hold.
    pub hint: Option<String>,
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
    /// Only the pods bound to this node (`spec.nodeName`, the NODE column of `-o wide`).
    pub node: Option<String>,
    /// How many.
    pub count: usize,
}

/// `nodes: {status: Ready, count: 2}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeCount {
    /// A label selector; empty selects every node.
    #[serde(default)]
    pub selector: String,
    /// The STATUS column `kubectl get nodes` shows (`Ready`, `NotReady`, `Ready,SchedulingDisabled`).
    pub status: Option<String>,
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
    pub equals: Option<serde_json::Value>,
    /// Or: how many items the list (or keys the map) there should have.
    pub length: Option<usize>,
    /// The namespace; `default` if unset.
    pub namespace: Option<String>,
}

/// `curl: {target: 172.18.0.2:30080, contains: Hello}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CurlAnswer {
    /// `HOST:PORT[/PATH]`, as the shell's `curl` takes it.
    pub target: String,
    /// Send it from this pod (`NAME` or `NAMESPACE/NAME`) instead of from outside.
    pub from: Option<String>,
    /// Whether the request should get an answer (default) or fail.
    #[serde(default = "yes")]
    pub succeeds: bool,
    /// Text the answer (or, for a failure, the error) must contain.
    pub contains: Option<String>,
}

fn yes() -> bool {
    true
}

/// `event: {reason: FailedScheduling, object: pod/big}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EventSeen {
    /// The Event's reason (`Pulled`, `BackOff`, `Killing`…).
    pub reason: String,
    /// `KIND/NAME` of the object it is about.
    pub object: Option<String>,
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// Text its message must contain.
    pub message: Option<String>,
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

/// Which step holds the check: the fields it may use differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStep {
    /// `expect`: `within` optional, no `timeout`.
    Expect,
    /// `wait_until`: `timeout` required, no `within`.
    WaitUntil,
}

impl Check {
    /// What is wrong with the check as written, for `step`.
    pub fn problems(&self, step: CheckStep) -> Vec<String> {
        let name = match step {
            CheckStep::Expect => "expect",
            CheckStep::WaitUntil => "wait_until",
        };
        let mut problems = Vec::new();
        let given = [
            self.pods.is_some(),
            self.nodes.is_some(),
            self.field.is_some(),
            self.curl.is_some(),
            self.event.is_some(),
            self.invariant.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            problems.push(format!("{name}: give exactly one condition: {}", CONDITIONS.join(", ")));
        }
        let selectors = [self.pods.as_ref().map(|p| &p.selector), self.nodes.as_ref().map(|n| &n.selector)];
        for s in selectors.into_iter().flatten() {
            problems.extend(selector::parse(s).err().map(|e| format!("{name}: selector: {e}")));
        }
        let objects = [self.field.as_ref().map(|f| &f.object), self.event.as_ref().and_then(|e| e.object.as_ref())];
        for o in objects.into_iter().flatten() {
            problems.extend(kind_of(o).err().map(|e| format!("{name}: object: {e}")));
        }
        if let Some(f) = &self.field
            && f.equals.is_some() == f.length.is_some()
        {
            problems.push(format!("{name}.field: give either `equals` or `length`"));
        }
        if let Some(curl) = &self.curl {
            problems
                .extend(crate::network::parse_target(&curl.target).err().map(|e| format!("{name}.curl.target: {e}")));
        }
        if let Some(name) = &self.invariant {
            let known: Vec<&str> = invariants::INVARIANTS.iter().chain(invariants::EVENTUAL).map(|(n, _)| *n).collect();
            if !known.contains(&name.as_str()) {
                let hint = crate::api::decode::closest(name, &known).map(|k| format!("did you mean {k:?}? "));
                problems.push(format!(
                    "invariant: no invariant named {name:?}; {}known: {}",
                    hint.unwrap_or_default(),
                    known.join(", ")
                ));
            }
        }
        let duration = |field: &str, text: &Option<String>| {
            text.as_deref().and_then(|t| parse_duration_ms(t).err()).map(|e| format!("{name}.{field}: {e}"))
        };
        problems.extend(duration("within", &self.within));
        problems.extend(duration("timeout", &self.timeout));
        match step {
            CheckStep::Expect if self.timeout.is_some() => {
                problems.push("expect: `timeout` belongs to wait_until; an expectation waits `within`".into())
            }
            CheckStep::WaitUntil if self.within.is_some() => {
                problems.push("wait_until: give it a `timeout`, not `within`".into())
            }
            CheckStep::WaitUntil if self.timeout.is_none() => {
                problems.push("wait_until: needs a `timeout` (e.g. `timeout: 2m`), so it cannot wait forever".into())
            }
            _ => {}
        }
        problems
    }

    /// How long it may wait, in simulated milliseconds (0: check once).
    pub fn wait_ms(&self) -> u64 {
        let text = self.within.as_deref().or(self.timeout.as_deref());
        text.and_then(|w| parse_duration_ms(w).ok()).unwrap_or(0)
    }

    /// The condition in words, for the report.
    pub fn describe(&self) -> String {
        let selector = |s: &str| if s.is_empty() { String::new() } else { format!(" -l {s}") };
        let status = |s: &Option<String>| s.as_deref().map(|s| format!(" {s}")).unwrap_or_default();
        let plural = |n: usize, what: &str| if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") };
        if let Some(p) = &self.pods {
            let node = p.node.as_deref().map(|n| format!(" on {n}")).unwrap_or_default();
            format!("{}{}{}{node}", plural(p.count, "pod"), selector(&p.selector), status(&p.status))
        } else if let Some(n) = &self.nodes {
            format!("{}{}{}", plural(n.count, "node"), selector(&n.selector), status(&n.status))
        } else if let Some(f) = &self.field {
            match (&f.equals, f.length) {
                (Some(value), _) => format!("{} {} = {value}", f.object, f.path),
                (None, length) => {
                    format!("{} {} has {}", f.object, f.path, plural(length.unwrap_or_default(), "item"))
                }
            }
        } else if let Some(c) = &self.curl {
            let from = c.from.as_deref().map(|f| format!(" --from {f}")).unwrap_or_default();
            let outcome = if c.succeeds { "answers" } else { "fails" };
            let contains = c.contains.as_deref().map(|t| format!(" with {t:?}")).unwrap_or_default();
            format!("curl{from} {} {outcome}{contains}", c.target)
        } else if let Some(e) = &self.event {
            let about = e.object.as_deref().map(|o| format!(" for {o}")).unwrap_or_default();
            let saying = e.message.as_deref().map(|m| format!(" saying {m:?}")).unwrap_or_default();
            let type_ = e.type_.as_deref().map(|t| format!("{t} ")).unwrap_or_default();
            format!("a {type_}{} event{about}{saying}", e.reason)
        } else if let Some(i) = &self.invariant {
            format!("invariant {i} holds")
        } else {
            String::new()
        }
    }

    /// The object the condition is about, for `explain-why` when it fails.
    pub fn object(&self) -> Option<&str> {
        self.field.as_ref().map(|f| f.object.as_str()).or(self.event.as_ref().and_then(|e| e.object.as_deref()))
    }

    /// The pods the condition counts, for showing them when it fails.
    pub fn pod_selector(&self) -> Option<(&str, &str)> {
        self.pods.as_ref().map(|p| (p.selector.as_str(), p.namespace.as_deref().unwrap_or("default")))
    }

    /// Checks the condition now. Only `curl` changes anything: the request is made.
    pub fn check(&self, cluster: &mut Cluster) -> Checked {
        match &self.curl {
            Some(c) => curl(c, cluster),
            None => self.check_state(cluster),
        }
    }

    /// Checks the condition, running the cluster until it holds or `wait` ms passed:
    /// after every event, or for a request, once per simulated second.
    pub fn wait(&self, cluster: &mut Cluster, wait: u64) -> Checked {
        if self.curl.is_none() {
            cluster.run_while(wait, |c| self.check_state(c).passed);
            return self.check_state(cluster);
        }
        let deadline = cluster.now().plus_ms(wait);
        loop {
            let checked = self.check(cluster);
            if checked.passed || cluster.now() >= deadline || cluster.halted() {
                return checked;
            }
            cluster.advance_ms(1_000.min(deadline.0 - cluster.now().0));
        }
    }

    /// Checks a condition that makes no request (every one but `curl`) without changing anything.
    pub fn check_state(&self, cluster: &Cluster) -> Checked {
        if let Some(p) = &self.pods {
            count_pods(p, cluster)
        } else if let Some(n) = &self.nodes {
            count_nodes(n, cluster)
        } else if let Some(f) = &self.field {
            field_value(f, cluster)
        } else if let Some(e) = &self.event {
            event_seen(e, cluster)
        } else if let Some(i) = &self.invariant {
            invariant_holds(i, cluster)
        } else {
            Checked { passed: false, seen: "no condition".into() }
        }
    }
}

fn counted(n: usize, want: usize) -> Checked {
    Checked { passed: n == want, seen: n.to_string() }
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
        .filter(|pod| p.node.as_deref().is_none_or(|n| pod.spec.node_name.as_deref() == Some(n)))
        .count();
    counted(n, p.count)
}

fn count_nodes(want: &NodeCount, cluster: &Cluster) -> Checked {
    let selector = selector::parse(&want.selector).unwrap_or_default();
    let n = cluster
        .api()
        .list(Kind::Node, None)
        .filter_map(|o| o.as_node())
        .filter(|node| selector.matches(&node.metadata.labels))
        .filter(|node| want.status.as_deref().is_none_or(|s| node_status(node) == s))
        .count();
    counted(n, want.count)
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
    let length = |v: &serde_json::Value| match v {
        serde_json::Value::Array(items) => Some(items.len()),
        serde_json::Value::Object(map) => Some(map.len()),
        _ => None,
    };
    match (value, f.length) {
        (Some(v), Some(want)) => {
            let n = length(v);
            let seen = n.map_or_else(|| format!("{v}, not a list"), |n| format!("{n} items"));
            Checked { passed: n == Some(want), seen }
        }
        (Some(v), None) => Checked { passed: Some(v) == f.equals.as_ref(), seen: v.to_string() },
        // An unset list is an empty one.
        (None, Some(want)) => Checked { passed: want == 0, seen: "<unset>".into() },
        (None, None) => Checked { passed: false, seen: "<unset>".into() },
    }
}

fn curl(c: &CurlAnswer, cluster: &mut Cluster) -> Checked {
    let answer = cluster.curl(c.from.as_deref(), &c.target);
    let text = match &answer {
        Ok(body) | Err(body) => body.lines().next().unwrap_or_default().to_string(),
    };
    let contains = c.contains.as_deref().is_none_or(|t| text.contains(t));
    Checked { passed: answer.is_ok() == c.succeeds && contains, seen: text }
}

fn event_seen(want: &EventSeen, cluster: &Cluster) -> Checked {
    let involved = want.object.as_deref().and_then(|o| kind_of(o).ok());
    let ns = want.namespace.as_deref().unwrap_or("default");
    let mut reasons = Vec::new();
    let found = cluster.api().list(Kind::Event, Some(ns)).any(|obj| {
        let Object::Event(e) = &**obj else { return false };
        let about = involved.as_ref().is_none_or(|(kind, name)| {
            e.involved_object.kind.as_deref() == Some(kind.name()) && e.involved_object.name.as_deref() == Some(name)
        });
        if about {
            reasons.extend(e.reason.clone());
        }
        about
            && e.reason.as_deref() == Some(want.reason.as_str())
            && want.type_.as_deref().is_none_or(|t| e.type_.as_deref() == Some(t))
            && want.message.as_deref().is_none_or(|m| e.message.as_deref().unwrap_or_default().contains(m))
    });
    reasons.sort();
    reasons.dedup();
    let seen = if found {
        format!("a {} event", want.reason)
    } else if reasons.is_empty() {
        "no such events".into()
    } else {
        format!("events with reasons {}", reasons.join(", "))
    };
    Checked { passed: found, seen }
}

fn invariant_holds(name: &str, cluster: &Cluster) -> Checked {
    let mut violations = invariants::check(cluster.api());
    violations.extend(invariants::check_settled(cluster.api()));
    match violations.into_iter().find(|v| v.invariant == name) {
        Some(v) => Checked { passed: false, seen: v.to_string() },
        None => Checked { passed: true, seen: "it holds".into() },
    }
}

/// Runs the cluster until every check holds at once, up to `max_ms`: after every event,
/// or once per simulated second when a check makes requests. Returns how long it took,
/// or what the first failing check saw.
pub fn wait_all(checks: &[Check], cluster: &mut Cluster, max_ms: u64) -> Result<u64, String> {
    let start = cluster.now();
    let deadline = start.plus_ms(max_ms);
    loop {
        let failing = checks.iter().map(|c| (c, c.check(cluster))).find(|(_, checked)| !checked.passed);
        let Some((check, checked)) = failing else { return Ok(cluster.now().0 - start.0) };
        if cluster.now() >= deadline || cluster.halted() {
            return Err(format!("{}: saw {}", check.describe(), checked.seen));
        }
        let left = deadline.0 - cluster.now().0;
        if checks.iter().any(|c| c.curl.is_some()) {
            cluster.advance_ms(1_000.min(left));
        } else {
            cluster.run_while(left, |c| checks.iter().all(|check| check.check_state(c).passed));
        }
    }
}
