//! kube-scheduler: binds each unscheduled pod to a node. Filters (NodeUnschedulable,
//! TaintToleration, NodeAffinity via nodeSelector, NodeResourcesFit) then scores
//! (LeastAllocated, BalancedAllocation, TaintToleration) and breaks ties at random from
//! its seeded stream, as upstream's `selectHost` does.
//!
//! Like upstream, it stops filtering once it has found enough feasible nodes
//! (`percentageOfNodesToScore`, adaptive by default) and starts the next pod where this
//! one stopped, so a pod costs the same at 100 nodes as at 5,000.

use std::collections::BTreeMap;
use std::rc::Rc;

use rand::RngExt;

use crate::api::core::{Node, Pod, Taint};
use crate::api::meta::find_condition;
use crate::api::{ObjKey, Object, Str};
use crate::apiserver::{Change, ChangeType};
use crate::cluster::{Cache, Ctx, Reporter, SimEvent};
use crate::controllers::node_lifecycle::UNSCHEDULABLE_TAINT;
use crate::engine::SimRng;

/// Upstream's defaults for pods without requests, used only for scoring.
const DEFAULT_MILLI_CPU: i64 = 100;
const DEFAULT_MEMORY: i64 = 200 * 1024 * 1024;
/// Backoff for a pod that failed to schedule: 1s doubling to 10s.
const BACKOFF_INITIAL_MS: u64 = 1_000;
const BACKOFF_MAX_MS: u64 = 10_000;
/// Unschedulable pods are retried at least this often (`podMaxInUnschedulablePodsDuration`).
const UNSCHEDULABLE_FLUSH_MS: u64 = 300_000;
/// Upstream's `minFeasibleNodesToFind`: below this many nodes, all are examined.
const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
/// Upstream's `minFeasibleNodesPercentageToFind`.
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: usize = 5;

/// How many feasible nodes the scheduler looks for before it stops filtering: upstream's
/// `numFeasibleNodesToFind` with the default, adaptive `percentageOfNodesToScore`
/// (50% minus 1% per 125 nodes, at least 5%, and at least 100 nodes).
pub fn feasible_nodes_to_find(all_nodes: usize) -> usize {
    if all_nodes < MIN_FEASIBLE_NODES_TO_FIND {
        return all_nodes;
    }
    let percentage = 50usize.saturating_sub(all_nodes / 125).max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
    (all_nodes * percentage / 100).max(MIN_FEASIBLE_NODES_TO_FIND)
}

const REPORTER: Reporter<'static> = Reporter::uncorrelated("default-scheduler");

/// A scheduler wake-up.
#[derive(Debug, Clone)]
pub enum Timer {
    /// Try this pod again; `attempt` guards against stale timers.
    Retry {
        /// The pod.
        pod: ObjKey,
        /// Which failed attempt scheduled this retry.
        attempt: u32,
    },
}

/// Resources in scheduler units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Resources {
    milli_cpu: i64,
    memory: i64,
    pods: i64,
}

impl Resources {
    fn add(&mut self, other: Resources, sign: i64) {
        self.milli_cpu += sign * other.milli_cpu;
        self.memory += sign * other.memory;
        self.pods += sign * other.pods;
    }
}

/// Sums container requests (init containers ignored: kubesim does not run them).
fn pod_requests(pod: &Pod, non_zero: bool) -> Resources {
    let mut r = Resources { pods: 1, ..Default::default() };
    for c in &pod.spec.containers {
        let req = c.resources.as_ref().map(|res| &res.requests);
        let get = |name: &str| req.and_then(|m| m.get(name)).and_then(|q| q.milli_value());
        let cpu = get("cpu").map(|m| m as i64);
        let mem = get("memory").map(|m| (m / 1000) as i64);
        r.milli_cpu += cpu.unwrap_or(if non_zero { DEFAULT_MILLI_CPU } else { 0 });
        r.memory += mem.unwrap_or(if non_zero { DEFAULT_MEMORY } else { 0 });
    }
    r
}

fn allocatable(node: &Node) -> Resources {
    let get = |name: &str| node.status.allocatable.get(name).and_then(|q| q.milli_value()).unwrap_or(0);
    Resources { milli_cpu: get("cpu") as i64, memory: (get("memory") / 1000) as i64, pods: (get("pods") / 1000) as i64 }
}

/// A pod's requests as the filters count them and as the scores count them.
struct Requests {
    exact: Resources,
    non_zero: Resources,
}

/// What the scheduler knows of a node: upstream's `NodeInfo`. The fields the filters and
/// scores read for every candidate are copied out of the Node, so a pass over hundreds
/// of nodes reads this table only.
struct NodeInfo {
    /// The node's name, kept beside the table's other figures for the binary search.
    name: Str,
    node: Rc<Object>,
    /// `spec.unschedulable`.
    cordoned: bool,
    /// `spec.taints`.
    taints: Vec<Taint>,
    allocatable: Resources,
    /// Requests of the pods assigned to it, as the filters count them.
    requested: Resources,
    /// The same with upstream's defaults for missing requests, as the scores count them.
    non_zero_requested: Resources,
    /// The resource scores last worked out, and the pod requests they were for: a
    /// node's figures change with each pod placed on it, while hundreds of pods of one
    /// template score it in between.
    resource_score: Option<(Resources, i64)>,
}

impl NodeInfo {
    fn new(node: Rc<Object>, requested: Resources, non_zero_requested: Resources) -> NodeInfo {
        let n = node.as_node().expect("the node table holds nodes");
        NodeInfo {
            name: n.metadata.name.clone(),
            cordoned: n.spec.unschedulable == Some(true),
            taints: n.spec.taints.clone(),
            allocatable: allocatable(n),
            node,
            requested,
            non_zero_requested,
            resource_score: None,
        }
    }

    fn node(&self) -> &Node {
        self.node.as_node().expect("the node table holds nodes")
    }
}

/// Counters that do not depend on the machine, for regression tests of the work done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Scheduling attempts.
    pub attempts: u64,
    /// Pods bound to a node.
    pub bound: u64,
    /// Nodes run through the filters, over all attempts.
    pub nodes_filtered: u64,
    /// Nodes scored, over all attempts.
    pub nodes_scored: u64,
}

struct Unschedulable {
    attempt: u32,
    backoff_ms: u64,
}

/// The scheduler and its watch-fed cache.
pub struct Scheduler {
    /// The pods waiting for a node, as last seen.
    cache: Cache,
    /// What each assigned, non-terminal pod uses, by node: (requests, non-zero requests).
    placed: BTreeMap<ObjKey, (Str, Resources, Resources)>,
    /// Requests of pods placed on nodes not (or no longer) in the table.
    unknown_nodes: BTreeMap<String, (Resources, Resources)>,
    unschedulable: BTreeMap<ObjKey, Unschedulable>,
    /// The nodes, in name order (found by binary search).
    nodes: Vec<NodeInfo>,
    /// Where the next pod's filtering starts (upstream's `nextStartNodeIndex`).
    next_start: usize,
    /// The feasible nodes of the pod being scheduled (kept to be reused).
    feasible: Vec<usize>,
    stats: Stats,
    rng: SimRng,
}

impl Scheduler {
    /// A scheduler drawing tie-breaks from `rng`.
    pub fn new(rng: SimRng) -> Scheduler {
        Scheduler {
            cache: Cache::default(),
            placed: BTreeMap::new(),
            unknown_nodes: BTreeMap::new(),
            unschedulable: BTreeMap::new(),
            nodes: Vec::new(),
            next_start: 0,
            feasible: Vec::new(),
            stats: Stats::default(),
            rng,
        }
    }

    /// The work done so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Where the node named `name` is in the table, or would be.
    fn position(&self, name: &str) -> Result<usize, usize> {
        self.nodes.binary_search_by(|n| n.name.as_str().cmp(name))
    }

    /// The requests counted against `node`, in the table or set aside until it appears.
    fn requested_mut(&mut self, node: &str) -> (&mut Resources, &mut Resources) {
        match self.position(node) {
            Ok(i) => {
                let info = &mut self.nodes[i];
                info.resource_score = None;
                (&mut info.requested, &mut info.non_zero_requested)
            }
            Err(_) => {
                let (exact, non_zero) = self.unknown_nodes.entry(node.to_string()).or_default();
                (exact, non_zero)
            }
        }
    }

    fn account(&mut self, key: &ObjKey, placement: Option<(Str, Resources, Resources)>) {
        if self.placed.get(key) == placement.as_ref() {
            return; // most pod updates (status) change nothing the scheduler counts
        }
        if let Some((node, req, nz)) = self.placed.remove(key) {
            let (exact, non_zero) = self.requested_mut(&node);
            exact.add(req, -1);
            non_zero.add(nz, -1);
        }
        if let Some((node, req, nz)) = placement {
            let (exact, non_zero) = self.requested_mut(&node);
            exact.add(req, 1);
            non_zero.add(nz, 1);
            self.placed.insert(key.clone(), (node, req, nz));
        }
    }

    /// A node was added, changed or deleted: update the table.
    fn update_node(&mut self, object: &Rc<Object>, deleted: bool) {
        let Object::Node(node) = &**object else { return };
        let name: &str = &node.metadata.name;
        match (self.position(name), deleted) {
            (Ok(i), false) => {
                let (requested, non_zero_requested) = (self.nodes[i].requested, self.nodes[i].non_zero_requested);
                self.nodes[i] = NodeInfo::new(object.clone(), requested, non_zero_requested);
            }
            (Ok(i), true) => {
                let info = self.nodes.remove(i);
                // Its pods' requests wait for the node to come back (or the pods to go).
                self.unknown_nodes.insert(name.to_string(), (info.requested, info.non_zero_requested));
                if self.next_start >= self.nodes.len() {
                    self.next_start = 0;
                }
            }
            (Err(at), false) => {
                let (requested, non_zero_requested) = self.unknown_nodes.remove(name).unwrap_or_default();
                self.nodes.insert(at, NodeInfo::new(object.clone(), requested, non_zero_requested));
            }
            (Err(_), true) => {}
        }
    }

    /// A watch event (pods and nodes).
    pub fn on_change(&mut self, ctx: &mut Ctx<'_>, change: &Change) {
        let key = change.object.key();
        // The cache holds the pods waiting for a node, the only ones looked up again:
        // bound pods are counted in `placed`, nodes in the node table.
        match &*change.object {
            Object::Pod(pod) if pod.spec.node_name.is_none() => {
                self.cache.apply(change);
            }
            _ => self.cache.forget(&key),
        }
        match &*change.object {
            Object::Node(_) => {
                self.update_node(&change.object, change.type_ == ChangeType::Deleted);
                self.retry_all(ctx)
            }
            Object::Pod(pod) => {
                let terminal = matches!(pod.status.phase.as_deref(), Some("Succeeded" | "Failed"));
                let gone = change.type_ == ChangeType::Deleted;
                let placement = match (&pod.spec.node_name, gone || terminal) {
                    // A pod's requests do not change: those counted already still hold,
                    // and most pod updates (status) change nothing the scheduler counts.
                    (Some(node), false) => match self.placed.get(&key) {
                        Some(placed) if placed.0 == *node => return,
                        _ => Some((node.clone(), pod_requests(pod, false), pod_requests(pod, true))),
                    },
                    _ => None,
                };
                let freed = placement.is_none() && self.placed.contains_key(&key);
                // A binding we made may not have reached our cache yet: keep our assumption.
                if placement.is_some() || pod.spec.node_name.is_some() || gone {
                    self.account(&key, placement);
                }
                if gone {
                    self.unschedulable.remove(&key);
                }
                if freed {
                    self.retry_all(ctx);
                }
                let wants_scheduling = !gone
                    && pod.spec.node_name.is_none()
                    && pod.metadata.deletion_timestamp.is_none()
                    && pod.spec.scheduler_name.as_deref().unwrap_or("default-scheduler") == "default-scheduler"
                    && !self.placed.contains_key(&key)
                    && !self.unschedulable.contains_key(&key);
                if wants_scheduling {
                    self.schedule_one(ctx, &key);
                }
            }
            _ => {}
        }
    }

    /// A wake-up.
    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        let Timer::Retry { pod, attempt } = timer;
        if self.unschedulable.get(&pod).is_some_and(|u| u.attempt == attempt) {
            self.schedule_one(ctx, &pod);
        }
    }

    /// Something changed that may make unschedulable pods fit: retry them after
    /// their backoff.
    fn retry_all(&mut self, ctx: &mut Ctx<'_>) {
        for (key, u) in &self.unschedulable {
            ctx.schedule(u.backoff_ms, SimEvent::Scheduler(Timer::Retry { pod: key.clone(), attempt: u.attempt }));
        }
    }

    fn schedule_one(&mut self, ctx: &mut Ctx<'_>, key: &ObjKey) {
        let Some(obj) = self.cache.get(key).cloned() else {
            self.unschedulable.remove(key);
            return;
        };
        let Object::Pod(pod) = &*obj else { return };
        if pod.spec.node_name.is_some() || self.placed.contains_key(key) {
            self.unschedulable.remove(key);
            return;
        }
        let requests = Requests { exact: pod_requests(pod, false), non_zero: pod_requests(pod, true) };
        let all = self.nodes.len();
        let wanted = feasible_nodes_to_find(all);
        let mut feasible = std::mem::take(&mut self.feasible);
        feasible.clear();
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        let mut resource_only_failures = 0;
        let mut processed = 0;
        let mut i = self.next_start;
        while processed < all && feasible.len() < wanted {
            if i >= all {
                i = 0;
            }
            let node = i;
            i += 1;
            processed += 1;
            match filter(pod, &self.nodes[node], &requests) {
                Ok(()) => feasible.push(node),
                Err((node_reasons, resources_only)) => {
                    for r in node_reasons {
                        *reasons.entry(r).or_default() += 1;
                    }
                    resource_only_failures += usize::from(resources_only);
                }
            }
        }
        self.stats.attempts += 1;
        self.stats.nodes_filtered += processed as u64;
        if all > 0 {
            self.next_start = (self.next_start + processed) % all;
        }
        if feasible.is_empty() {
            self.feasible = feasible;
            let message = fit_error(all, &reasons, resource_only_failures);
            self.mark_unschedulable(ctx, key, &obj, pod, &message);
            return;
        }
        self.stats.nodes_scored += feasible.len() as u64;
        // Ties are broken among the best in name order, whatever node the search
        // started from, so the choice depends only on the seed and the nodes' state.
        // The search found two ascending runs (from the start, then from the table's
        // head after wrapping around): putting the second first sorts them.
        let wrapped = feasible.windows(2).position(|w| w[1] < w[0]).map_or(0, |at| at + 1);
        feasible.rotate_left(wrapped);
        // The best score, and the feasible nodes that have it (in place, in order).
        let mut best = i64::MIN;
        let mut ties = 0;
        for at in 0..feasible.len() {
            let node = feasible[at];
            let s = score(pod, &mut self.nodes[node], &requests);
            if s > best {
                (best, ties) = (s, 0);
            }
            if s == best {
                feasible[ties] = node;
                ties += 1;
            }
        }
        let chosen = self.nodes[feasible[self.rng.random_range(0..ties)]].name.clone();
        self.feasible = feasible;
        match ctx.bind(key, &chosen) {
            Ok(bound) => {
                self.stats.bound += 1;
                self.unschedulable.remove(key);
                self.account(key, Some((chosen.clone(), requests.exact, requests.non_zero)));
                let msg = format!("Successfully assigned {}/{} to {chosen}", key.namespace, key.name);
                ctx.event(&bound, REPORTER, "Normal", "Scheduled", &msg);
            }
            Err(_) => {
                self.unschedulable.remove(key);
            }
        }
    }

    fn mark_unschedulable(&mut self, ctx: &mut Ctx<'_>, key: &ObjKey, obj: &Object, pod: &Pod, message: &str) {
        let entry = self.unschedulable.entry(key.clone()).or_insert(Unschedulable { attempt: 0, backoff_ms: 0 });
        entry.attempt += 1;
        entry.backoff_ms =
            if entry.backoff_ms == 0 { BACKOFF_INITIAL_MS } else { (entry.backoff_ms * 2).min(BACKOFF_MAX_MS) };
        let attempt = entry.attempt;
        ctx.schedule(UNSCHEDULABLE_FLUSH_MS, SimEvent::Scheduler(Timer::Retry { pod: key.clone(), attempt }));
        ctx.event(obj, REPORTER, "Warning", "FailedScheduling", message);
        let already = find_condition(&pod.status.conditions, "PodScheduled")
            .is_some_and(|c| c.status == "False" && c.message.as_deref() == Some(message));
        if !already {
            let _ = ctx.set_pod_unschedulable(key, message);
        }
    }
}

/// Runs the filter plugins in upstream order; on failure returns the reasons and
/// whether resources alone were short (so preemption could in principle help).
fn filter(pod: &Pod, info: &NodeInfo, requests: &Requests) -> Result<(), (Vec<String>, bool)> {
    let fail = |r: &str| Err((vec![r.to_string()], false));
    // NodeUnschedulable: a cordoned node takes only pods that tolerate the taint the
    // node controller gives it (checked against the spec, so before the taint lands).
    if info.cordoned {
        let taint =
            Taint { key: UNSCHEDULABLE_TAINT.into(), value: None, effect: "NoSchedule".into(), time_added: None };
        if !pod.spec.tolerations.iter().any(|t| t.tolerates(&taint)) {
            return fail("node(s) were unschedulable");
        }
    }
    if let Some(taint) = info.taints.iter().find(|t| {
        (t.effect == "NoSchedule" || t.effect == "NoExecute")
            && !pod.spec.tolerations.iter().any(|tol| tol.tolerates(t))
    }) {
        return fail(&format!(
            "node(s) had untolerated taint {{{}: {}}}",
            taint.key,
            taint.value.as_deref().unwrap_or("")
        ));
    }
    if !pod.spec.node_selector.iter().all(|(k, v)| info.node().metadata.labels.get(k) == Some(v)) {
        return fail("node(s) didn't match Pod's node affinity/selector");
    }
    let (alloc, used) = (info.allocatable, info.requested);
    let req = requests.exact;
    let mut reasons = Vec::new();
    if used.pods + 1 > alloc.pods {
        reasons.push("Too many pods".to_string());
    }
    if req.milli_cpu > 0 && used.milli_cpu + req.milli_cpu > alloc.milli_cpu {
        reasons.push("Insufficient cpu".to_string());
    }
    if req.memory > 0 && used.memory + req.memory > alloc.memory {
        reasons.push("Insufficient memory".to_string());
    }
    if reasons.is_empty() { Ok(()) } else { Err((reasons, true)) }
}

/// Weighted sum of the score plugins, each 0-100.
fn score(pod: &Pod, info: &mut NodeInfo, requests: &Requests) -> i64 {
    let req = requests.non_zero;
    let resources = match info.resource_score {
        Some((for_requests, score)) if for_requests == req => score,
        _ => {
            let score = resource_score(info.allocatable, info.non_zero_requested, req);
            info.resource_score = Some((req, score));
            score
        }
    };
    // TaintToleration: fewer intolerable PreferNoSchedule taints is better.
    let prefer_no = info
        .taints
        .iter()
        .filter(|t| t.effect == "PreferNoSchedule" && !pod.spec.tolerations.iter().any(|tol| tol.tolerates(t)))
        .count() as i64;
    let taint = 100 - (prefer_no * 100).min(100);
    resources + 3 * taint
}

/// NodeResourcesFit (LeastAllocated) plus NodeResourcesBalancedAllocation, for a pod
/// requesting `req` on a node with `used` of `alloc` taken.
fn resource_score(alloc: Resources, used: Resources, req: Resources) -> i64 {
    let frac = |used: i64, req: i64, cap: i64| if cap <= 0 { 1.0 } else { ((used + req) as f64 / cap as f64).min(1.0) };
    let cpu = frac(used.milli_cpu, req.milli_cpu, alloc.milli_cpu);
    let mem = frac(used.memory, req.memory, alloc.memory);
    // LeastAllocated: free share, averaged over cpu and memory.
    let least = (((1.0 - cpu) * 100.0) as i64 + ((1.0 - mem) * 100.0) as i64) / 2;
    // BalancedAllocation: 1 - standard deviation of the two fractions.
    let balanced = ((1.0 - (cpu - mem).abs() / 2.0) * 100.0) as i64;
    least + balanced
}

/// Upstream `FitError.Error()`: reasons as a histogram sorted as strings, then the
/// preemption post-filter's verdict.
fn fit_error(num_nodes: usize, reasons: &BTreeMap<String, usize>, resource_only: usize) -> String {
    if num_nodes == 0 {
        return "no nodes available to schedule pods".into();
    }
    let mut parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
    parts.sort();
    let mut preemption = Vec::new();
    if resource_only > 0 {
        preemption.push(format!("{resource_only} No preemption victims found for incoming pod"));
    }
    if num_nodes > resource_only {
        preemption.push(format!("{} Preemption is not helpful for scheduling", num_nodes - resource_only));
    }
    preemption.sort();
    format!(
        "0/{num_nodes} nodes are available: {}. preemption: 0/{num_nodes} nodes are available: {}.",
        parts.join(", "),
        preemption.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_scores_afresh_once_a_pod_is_placed_on_it() {
        let mut node = Node::default();
        node.metadata.name = "node-1".into();
        node.status.allocatable = [("cpu", "4"), ("memory", "8Gi"), ("pods", "110")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), crate::api::meta::Quantity(v.to_string())))
            .collect();
        let mut scheduler = Scheduler::new(crate::engine::rng::stream(1, "test"));
        scheduler.update_node(&Rc::new(Object::from(node)), false);
        let pod = Pod::default();
        let requests = Requests { exact: pod_requests(&pod, false), non_zero: pod_requests(&pod, true) };
        let fresh = |s: &Scheduler| {
            let info = &s.nodes[0];
            resource_score(info.allocatable, info.non_zero_requested, requests.non_zero) + 300
        };
        let empty = score(&pod, &mut scheduler.nodes[0], &requests);
        assert_eq!((empty, score(&pod, &mut scheduler.nodes[0], &requests)), (fresh(&scheduler), fresh(&scheduler)));
        let key = ObjKey::new(crate::api::Kind::Pod, "default", "big");
        let big = Resources { milli_cpu: 2000, memory: 4 << 30, pods: 1 };
        scheduler.account(&key, Some(("node-1".into(), big, big)));
        let busy = score(&pod, &mut scheduler.nodes[0], &requests);
        assert_eq!(busy, fresh(&scheduler));
        assert!(busy < empty, "a node half taken scores lower: {busy} vs {empty}");
    }

    #[test]
    fn fit_errors_read_like_upstream() {
        let reasons = BTreeMap::from([("Insufficient cpu".to_string(), 3)]);
        assert_eq!(
            fit_error(3, &reasons, 3),
            "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
        );
        let reasons = BTreeMap::from([
            ("node(s) had untolerated taint {node.kubernetes.io/unreachable: }".to_string(), 1),
            ("Insufficient memory".to_string(), 2),
        ]);
        assert_eq!(
            fit_error(3, &reasons, 2),
            "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
        );
        assert_eq!(fit_error(0, &BTreeMap::new(), 0), "no nodes available to schedule pods");
    }
}
