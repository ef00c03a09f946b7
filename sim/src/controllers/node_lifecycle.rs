//! The node lifecycle controller and taint-based eviction: a node whose kubelet stops
//! renewing its Lease for the grace period (50s in v1.32) becomes `Unknown`, is tainted
//! `node.kubernetes.io/unreachable`, its pods become not ready, and pods are evicted
//! when their toleration (300s by default) runs out.

use std::rc::Rc;

use crate::api::core::{Node, Taint};
use crate::api::meta::{Condition, Time, find_condition, set_condition};
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::Change;
use crate::cluster::{Cache, Ctx, Reporter, SimEvent};
use crate::engine::SimTime;
use crate::engine::time::secs_to_ms;

/// `--node-monitor-period`.
pub const MONITOR_PERIOD_MS: u64 = 5_000;
/// `--node-monitor-grace-period` (v1.32).
pub const GRACE_PERIOD_MS: u64 = 50_000;
/// Nodes tainted NoExecute per second at most (`--node-eviction-rate`): one every 10 s.
pub const EVICTION_INTERVAL_MS: u64 = 10_000;
/// Above this share of unhealthy nodes a zone is partially disrupted.
pub const UNHEALTHY_ZONE_THRESHOLD: f64 = 0.55;
/// Clusters this small stop evicting when partially disrupted (`--large-cluster-size-threshold`).
pub const LARGE_CLUSTER_THRESHOLD: usize = 50;
/// The taint for a node whose kubelet is silent.
pub const UNREACHABLE_TAINT: &str = "node.kubernetes.io/unreachable";

const NODE_CONTROLLER: Reporter<'static> = Reporter { component: "node-controller", host: None };
const TAINT_EVICTION: Reporter<'static> = Reporter { component: "taint-eviction-controller", host: None };

/// A wake-up.
#[derive(Debug, Clone)]
pub enum Timer {
    /// Check every node's heartbeat.
    Monitor,
    /// Apply the next queued NoExecute taint (rate-limited).
    Taint,
    /// A pod's toleration of a NoExecute taint ran out.
    Evict {
        /// The pod.
        pod: ObjKey,
        /// Its uid: a pod re-created under the same name is another pod.
        uid: String,
        /// The node it was on.
        node: String,
        /// When its node was found unreachable.
        since: SimTime,
    },
}

/// The controller and its watch-fed view of nodes, leases and pods.
#[derive(Default)]
pub struct NodeLifecycle {
    cache: Cache,
    /// Nodes waiting for their NoExecute taint, with the trace id that queued each.
    to_taint: std::collections::VecDeque<(String, u64)>,
    taint_scheduled: bool,
}

impl NodeLifecycle {
    /// A watch event.
    pub fn on_change(&mut self, ctx: &mut Ctx<'_>, change: &Change) {
        self.cache.apply(change);
        if let Object::Node(node) = &*change.object {
            let ready = find_condition(&node.status.conditions, "Ready").is_some_and(|c| c.status == "True");
            let tainted = node.spec.taints.iter().any(|t| t.key == UNREACHABLE_TAINT);
            if ready {
                self.to_taint.retain(|(n, _)| *n != node.metadata.name);
            }
            if ready && tainted {
                let mut healed = node.clone();
                healed.spec.taints.retain(|t| t.key != UNREACHABLE_TAINT);
                let _ = ctx.update(Object::Node(healed), "node-controller removed the unreachable taints");
            }
        }
    }

    /// A wake-up.
    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        match timer {
            Timer::Monitor => {
                let nodes: Vec<Rc<Object>> = self.cache.list(Kind::Node).cloned().collect();
                let cause = ctx.cause;
                for node in nodes {
                    if let Some(n) = node.as_node() {
                        self.monitor(ctx, n);
                    }
                    ctx.cause = cause;
                }
                ctx.schedule(MONITOR_PERIOD_MS, SimEvent::NodeLifecycle(Timer::Monitor));
            }
            Timer::Evict { pod, uid, node, since } => self.evict(ctx, &pod, &uid, &node, since),
            Timer::Taint => self.taint_next(ctx),
        }
    }

    fn last_heartbeat(&self, node: &Node) -> SimTime {
        let lease_key = ObjKey::new(Kind::Lease, "kube-node-lease", &node.metadata.name);
        let renewed = match self.cache.get(&lease_key).map(|o| &**o) {
            Some(Object::Lease(l)) => l.spec.renew_time.map(|t| t.0),
            _ => None,
        };
        let posted = find_condition(&node.status.conditions, "Ready").and_then(|c| c.last_heartbeat_time).map(|t| t.0);
        renewed.max(posted).or(node.metadata.creation_timestamp.map(|t| t.0)).unwrap_or_default()
    }

    fn monitor(&mut self, ctx: &mut Ctx<'_>, node: &Node) {
        let ready = find_condition(&node.status.conditions, "Ready");
        if ready.is_some_and(|c| c.status == "Unknown") {
            return;
        }
        if ctx.now.since(self.last_heartbeat(node)) <= GRACE_PERIOD_MS {
            return;
        }
        let name = node.metadata.name.clone();
        ctx.blame_silence_of(&name);
        let mut unknown = node.clone();
        for type_ in ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"] {
            let old = find_condition(&node.status.conditions, type_).cloned().unwrap_or_default();
            set_condition(
                &mut unknown.status.conditions,
                Condition {
                    type_: type_.into(),
                    status: "Unknown".into(),
                    last_heartbeat_time: old.last_heartbeat_time,
                    last_transition_time: Some(Time(ctx.now)),
                    reason: Some("NodeStatusUnknown".into()),
                    message: Some("Kubelet stopped posting node status.".into()),
                    ..Default::default()
                },
            );
        }
        unknown.metadata.resource_version.clear();
        let Ok(Some(updated)) =
            ctx.update_status(Object::Node(unknown), "node-controller: kubelet stopped posting node status")
        else {
            return;
        };
        ctx.chain_from_last();
        ctx.event(
            &updated,
            NODE_CONTROLLER,
            "Normal",
            "NodeNotReady",
            &format!("Node {name} status is now: NodeNotReady"),
        );
        let status_write = ctx.cause;
        self.taint(ctx, &name, "NoSchedule");
        self.mark_pods_not_ready(ctx, &name);
        // The NoExecute taint, which evicts, goes through the rate-limited queue.
        if !self.to_taint.iter().any(|(n, _)| *n == name) {
            self.to_taint.push_back((name, status_write));
        }
        if !self.taint_scheduled {
            self.taint_scheduled = true;
            ctx.schedule(0, SimEvent::NodeLifecycle(Timer::Taint));
        }
    }

    /// Adds the unreachable taint with `effect` to `node`, if it lacks it.
    fn taint(&mut self, ctx: &mut Ctx<'_>, node: &str, effect: &str) -> bool {
        let Some(Object::Node(n)) = ctx.get(&ObjKey::new(Kind::Node, "", node)).as_deref().cloned() else {
            return false;
        };
        if n.spec.taints.iter().any(|t| t.key == UNREACHABLE_TAINT && t.effect == effect) {
            return false;
        }
        let mut tainted = n;
        tainted.spec.taints.push(Taint {
            key: UNREACHABLE_TAINT.into(),
            value: None,
            effect: effect.into(),
            time_added: (effect == "NoExecute").then_some(Time(ctx.now)),
        });
        tainted.metadata.resource_version.clear();
        let note = format!("node-controller tainted the unreachable node {effect}");
        ctx.update(Object::Node(tainted), &note).is_ok_and(|o| o.is_some())
    }

    /// Applies the next queued NoExecute taint, at most one node per 10 s
    /// (`--node-eviction-rate` 0.1), and none while the zone is fully disrupted or, in a
    /// cluster of 50 nodes or fewer, more than 55% unhealthy: then the problem is more
    /// likely the network than the nodes, and evicting would only make it worse.
    fn taint_next(&mut self, ctx: &mut Ctx<'_>) {
        // Zone health as of this monitor pass, including the NotReady writes just made
        // (upstream computes it from the statuses it has just updated).
        let listed = ctx.list(Kind::Node, None);
        let nodes: Vec<&crate::api::core::Node> = listed.iter().filter_map(|o| o.as_node()).collect();
        let unhealthy = nodes
            .iter()
            .filter(|n| find_condition(&n.status.conditions, "Ready").is_none_or(|c| c.status != "True"))
            .count();
        let fraction = unhealthy as f64 / nodes.len().max(1) as f64;
        let paused =
            unhealthy == nodes.len() || (fraction > UNHEALTHY_ZONE_THRESHOLD && nodes.len() <= LARGE_CLUSTER_THRESHOLD);
        if paused {
            ctx.trace("eviction-paused", String::new(), format!("{unhealthy} of {} nodes unhealthy", nodes.len()));
        } else if let Some((node, cause)) = self.to_taint.pop_front() {
            ctx.cause = cause;
            // Read the node from the apiserver: our own NotReady write may not have
            // reached the cache yet.
            let still_down = ctx
                .get(&ObjKey::new(Kind::Node, "", &node))
                .and_then(|o| o.as_node().cloned())
                .is_some_and(|n| find_condition(&n.status.conditions, "Ready").is_some_and(|c| c.status == "Unknown"));
            if still_down && self.taint(ctx, &node, "NoExecute") {
                ctx.chain_from_last();
                self.schedule_evictions(ctx, &node);
            }
        }
        self.taint_scheduled = !self.to_taint.is_empty();
        if self.taint_scheduled {
            let delay = if paused { MONITOR_PERIOD_MS } else { EVICTION_INTERVAL_MS };
            ctx.schedule(delay, SimEvent::NodeLifecycle(Timer::Taint));
        }
    }

    fn pods_on(&self, node: &str) -> Vec<Rc<Object>> {
        self.cache
            .list(Kind::Pod)
            .filter(|o| o.as_pod().is_some_and(|p| p.spec.node_name.as_deref() == Some(node)))
            .cloned()
            .collect()
    }

    fn mark_pods_not_ready(&mut self, ctx: &mut Ctx<'_>, node: &str) {
        for obj in self.pods_on(node) {
            let Some(pod) = obj.as_pod() else { continue };
            let mut not_ready = pod.clone();
            if let Some(c) = not_ready.status.conditions.iter_mut().find(|c| c.type_ == "Ready")
                && c.status != "False"
            {
                c.status = "False".into();
                c.last_transition_time = Some(Time(ctx.now));
            }
            // Only the Ready condition changes (`MarkPodsNotReady`): the containers' own
            // readiness is whatever the silent kubelet last reported.
            not_ready.metadata.resource_version.clear();
            if let Ok(Some(updated)) =
                ctx.update_status(Object::Pod(not_ready), "node-controller marked the pod not ready")
            {
                ctx.event(&updated, NODE_CONTROLLER, "Warning", "NodeNotReady", "Node is not ready");
            }
        }
    }

    /// Taint-based eviction: each pod on the node leaves when its toleration runs out.
    fn schedule_evictions(&mut self, ctx: &mut Ctx<'_>, node: &str) {
        for obj in self.pods_on(node) {
            let Some(pod) = obj.as_pod() else { continue };
            if let Some(after_ms) = eviction_delay_ms(pod) {
                let evict =
                    Timer::Evict { pod: obj.key(), uid: pod.metadata.uid.clone(), node: node.into(), since: ctx.now };
                ctx.schedule(after_ms, SimEvent::NodeLifecycle(evict));
            }
        }
    }

    /// Evicts the pod if it is still the same pod, on the same node, and the node has
    /// been unreachable since the outage that scheduled this eviction.
    fn evict(&mut self, ctx: &mut Ctx<'_>, pod: &ObjKey, uid: &str, node: &str, since: SimTime) {
        let node_key = ObjKey::new(Kind::Node, "", node);
        let same_outage = self.cache.get(&node_key).and_then(|o| o.as_node()).is_some_and(|n| {
            n.spec.taints.iter().any(|t| {
                t.key == UNREACHABLE_TAINT
                    && t.effect == "NoExecute"
                    && t.time_added.is_none_or(|added| added.0 <= since)
            })
        });
        let Some(obj) = self.cache.get(pod).cloned() else { return };
        let same_pod = obj.meta().uid == uid && obj.as_pod().and_then(|p| p.spec.node_name.as_deref()) == Some(node);
        if !same_outage || !same_pod || obj.meta().deletion_timestamp.is_some() {
            return;
        }
        let message = format!("Marking for deletion Pod {}/{}", pod.namespace, pod.name);
        ctx.event(&obj, TAINT_EVICTION, "Normal", "TaintManagerEviction", &message);
        let _ = ctx.delete(pod, None, "taint-eviction-controller: toleration expired");
    }
}

/// How long a pod tolerates its node being unreachable (`getMinTolerationTime`): the
/// shortest `tolerationSeconds` among the matching tolerations, none for "forever", and
/// zero when nothing tolerates the taint.
fn eviction_delay_ms(pod: &crate::api::core::Pod) -> Option<u64> {
    let taint = Taint { key: UNREACHABLE_TAINT.into(), value: None, effect: "NoExecute".into(), time_added: None };
    let matching: Vec<_> = pod.spec.tolerations.iter().filter(|t| t.tolerates(&taint)).collect();
    if matching.is_empty() {
        return Some(0);
    }
    matching.iter().filter_map(|t| t.toleration_seconds).min().map(secs_to_ms)
}
