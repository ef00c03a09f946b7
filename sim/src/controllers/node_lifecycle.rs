//! The node lifecycle controller: a node whose kubelet stops renewing its Lease for the
//! grace period (50 s in v1.32) becomes `Unknown`, is tainted
//! `node.kubernetes.io/unreachable` (NoSchedule at once, NoExecute through a rate-limited
//! queue), and its pods become not ready. The taint-eviction controller
//! ([`super::taint_eviction`]) then evicts pods whose tolerations run out. A cordoned
//! node (`spec.unschedulable`) gets the taint `node.kubernetes.io/unschedulable:NoSchedule`
//! and loses it when uncordoned (`doNoScheduleTaintingPass`, TaintNodesByCondition).

use std::collections::{BTreeSet, VecDeque};

use super::reconciler::{ApiRequest, Reconcile, Reconciler};
use crate::api::core::{Node, Taint};
use crate::api::meta::{Condition, Time, find_condition, set_condition};
use crate::api::{Kind, ObjKey, Object, Str};
use crate::apiserver::Change;
use crate::cluster::Cache;
use crate::engine::SimTime;

/// `--node-monitor-period`: nodes are checked on this grid.
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
/// The taint for a cordoned node.
pub const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";
/// Where kubelets keep their heartbeat Leases.
const LEASE_NAMESPACE: &str = "kube-node-lease";

/// The controller.
#[derive(Default)]
pub struct NodeLifecycle {
    /// Nodes this controller marked Unknown (its view may not show it yet).
    marked: BTreeSet<String>,
    /// Nodes waiting for their NoExecute taint, oldest first.
    to_taint: VecDeque<String>,
    /// When the next NoExecute taint may be applied.
    next_taint_at: SimTime,
}

/// The latest sign of life: the Lease's renewal or the Ready condition's heartbeat.
fn last_heartbeat(node: &Node, view: &Cache) -> SimTime {
    let lease = view.get(&ObjKey::new(Kind::Lease, LEASE_NAMESPACE, &node.metadata.name));
    let renewed = match lease.map(|o| &**o) {
        Some(Object::Lease(l)) => l.spec.renew_time.map(|t| t.moment()),
        _ => None,
    };
    let posted =
        find_condition(&node.status.conditions, "Ready").and_then(|c| c.last_heartbeat_time).map(|t| t.moment());
    renewed.max(posted).or(node.metadata.creation_timestamp.map(|t| t.moment())).unwrap_or_default()
}

/// The first monitor tick strictly after `t`.
fn next_tick(t: u64) -> u64 {
    (t / MONITOR_PERIOD_MS + 1) * MONITOR_PERIOD_MS
}

fn has_taint(node: &Node, effect: &str) -> bool {
    node.spec.taints.iter().any(|t| t.key == UNREACHABLE_TAINT && t.effect == effect)
}

/// Gives a cordoned node the unschedulable NoSchedule taint, stamped with the time it
/// was added as `SwapNodeControllerTaint` does, and takes it off an uncordoned one.
/// Returns whether the taints changed.
fn sync_unschedulable_taint(node: &mut Node, now: SimTime) -> bool {
    let is_taint = |t: &Taint| t.key == UNSCHEDULABLE_TAINT && t.effect == "NoSchedule";
    let wanted = node.spec.unschedulable == Some(true);
    let has = node.spec.taints.iter().any(is_taint);
    if wanted && !has {
        node.spec.taints.push(Taint {
            key: UNSCHEDULABLE_TAINT.into(),
            value: None,
            effect: "NoSchedule".into(),
            time_added: Some(Time::at(now)),
        });
    } else if !wanted && has {
        node.spec.taints.retain(|t| !is_taint(t));
    }
    wanted != has
}

/// The node with the unreachable taints for `effects` added (and its unschedulable
/// taint in step with its spec); no precondition, since the node controller owns these
/// taints.
fn with_taints(node: &Node, effects: &[&str], now: SimTime) -> Object {
    let mut tainted = node.clone();
    sync_unschedulable_taint(&mut tainted, now);
    for effect in effects {
        if !has_taint(&tainted, effect) {
            tainted.spec.taints.push(Taint {
                key: UNREACHABLE_TAINT.into(),
                value: None,
                effect: (*effect).into(),
                time_added: (*effect == "NoExecute").then_some(Time::at(now)),
            });
        }
    }
    tainted.metadata.resource_version = Str::default();
    Object::from(tainted)
}

impl NodeLifecycle {
    /// Marks a silent node Unknown, taints it NoSchedule, and marks its pods not ready.
    fn mark_unknown(&mut self, node: &Node, view: &Cache, now: SimTime, requests: &mut Vec<ApiRequest>) {
        let name = &node.metadata.name;
        let mut unknown = node.clone();
        for type_ in ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"] {
            let old = find_condition(&node.status.conditions, type_).cloned().unwrap_or_default();
            set_condition(
                &mut unknown.status.conditions,
                Condition {
                    type_: type_.into(),
                    status: "Unknown".into(),
                    last_heartbeat_time: old.last_heartbeat_time,
                    last_transition_time: Some(Time::at(now)),
                    reason: Some("NodeStatusUnknown".into()),
                    message: Some("Kubelet stopped posting node status.".into()),
                    ..Default::default()
                },
            );
        }
        unknown.metadata.resource_version = Str::default();
        let key = ObjKey::new(Kind::Node, "", name);
        requests.push(ApiRequest::UpdateStatus(Object::from(unknown)));
        requests.push(ApiRequest::normal_event(
            key,
            "NodeNotReady",
            format!("Node {name} status is now: NodeNotReady"),
        ));
        requests.push(ApiRequest::Update(with_taints(node, &["NoSchedule"], now)));
        // Only the pods' Ready condition changes (`MarkPodsNotReady`): their containers'
        // readiness stays what the silent kubelet last reported.
        for pod in view.pods_on(name).filter_map(|o| o.as_pod()) {
            let mut not_ready = pod.clone();
            if let Some(c) = not_ready.status.conditions.iter_mut().find(|c| c.type_ == "Ready")
                && c.status != "False"
            {
                c.status = "False".into();
                c.last_transition_time = Some(Time::to_second(now));
            }
            not_ready.metadata.resource_version = Str::default();
            let pod_key = ObjKey::new(Kind::Pod, &pod.metadata.namespace, &pod.metadata.name);
            requests.push(ApiRequest::UpdateStatus(Object::from(not_ready)));
            requests.push(ApiRequest::Event {
                involved: pod_key,
                type_: "Warning".into(),
                reason: "NodeNotReady".into(),
                message: "Node is not ready".into(),
            });
        }
        self.marked.insert(name.to_string());
        self.to_taint.push_back(name.to_string());
    }

    /// Applies the next queued NoExecute taint, at most one node per 10 s
    /// (`--node-eviction-rate` 0.1), and none while the zone is fully disrupted or, in a
    /// cluster of 50 nodes or fewer, more than 55% unhealthy: then the problem is more
    /// likely the network than the nodes, and evicting would only make it worse.
    fn taint_next(&mut self, view: &Cache, now: SimTime, requests: &mut Vec<ApiRequest>) {
        if now < self.next_taint_at {
            return;
        }
        let nodes: Vec<&Node> = view.list(Kind::Node).filter_map(|o| o.as_node()).collect();
        let unhealthy = nodes
            .iter()
            .filter(|n| {
                self.marked.contains(&*n.metadata.name)
                    || find_condition(&n.status.conditions, "Ready").is_none_or(|c| c.status != "True")
            })
            .count();
        let fraction = unhealthy as f64 / nodes.len().max(1) as f64;
        let small = nodes.len() <= LARGE_CLUSTER_THRESHOLD;
        if unhealthy == nodes.len() || (small && fraction > UNHEALTHY_ZONE_THRESHOLD) {
            return;
        }
        while let Some(name) = self.to_taint.pop_front() {
            let node = view.node(&name).and_then(|o| o.as_node());
            if let Some(node) = node.filter(|_| self.marked.contains(&name)) {
                requests.push(ApiRequest::Update(with_taints(node, &["NoSchedule", "NoExecute"], now)));
                self.next_taint_at = now.plus_ms(EVICTION_INTERVAL_MS);
                return;
            }
        }
    }
}

impl Reconciler for NodeLifecycle {
    fn name(&self) -> &'static str {
        "node-controller"
    }

    fn watches(&self) -> &'static [Kind] {
        &[Kind::Node, Kind::Lease, Kind::Pod]
    }

    fn chains_writes(&self) -> bool {
        true
    }

    fn keys_for(&mut self, change: &Change, _view: &Cache) -> Vec<ObjKey> {
        let obj = &change.object;
        match obj.kind() {
            Kind::Node => vec![obj.key()],
            Kind::Lease if obj.meta().namespace == LEASE_NAMESPACE => {
                vec![ObjKey::new(Kind::Node, "", &obj.meta().name)]
            }
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjKey, view: &Cache, now: SimTime) -> Reconcile {
        let name = &key.name;
        let Some(mut node) = view.get(key).and_then(|o| o.as_node()).cloned() else {
            self.marked.remove(&**name);
            self.to_taint.retain(|n| **n != **name);
            return Reconcile::done();
        };
        // Every update below starts from this node, so each carries the right taint.
        let cordon_changed = sync_unschedulable_taint(&mut node, now);
        let mut reconcile = self.reconcile_health(&node, view, now);
        let updated = reconcile
            .requests
            .iter()
            .any(|r| matches!(r, ApiRequest::Update(Object::Node(n)) if *n.metadata.name == **name));
        if cordon_changed && !updated {
            let mut cordoned = node.clone();
            cordoned.metadata.resource_version = Str::default();
            reconcile.requests.push(ApiRequest::Update(Object::from(cordoned)));
            let verb = if node.spec.unschedulable == Some(true) { "added" } else { "removed" };
            reconcile.why.get_or_insert_with(|| format!("spec.unschedulable: taint {UNSCHEDULABLE_TAINT} {verb}"));
        }
        reconcile
    }
}

impl NodeLifecycle {
    /// Heartbeats: marks a silent node Unknown and taints it, or heals a node that is back.
    fn reconcile_health(&mut self, node: &Node, view: &Cache, now: SimTime) -> Reconcile {
        let name = &node.metadata.name;
        let node = node.clone();
        let mut requests = Vec::new();
        let heartbeat = last_heartbeat(&node, view);
        let silent = now.since(heartbeat) > GRACE_PERIOD_MS;
        if !silent {
            self.marked.remove(&**name);
            self.to_taint.retain(|n| n != name);
            let ready = find_condition(&node.status.conditions, "Ready").is_some_and(|c| c.status == "True");
            if ready && node.spec.taints.iter().any(|t| t.key == UNREACHABLE_TAINT) {
                let mut healed = node.clone();
                healed.spec.taints.retain(|t| t.key != UNREACHABLE_TAINT);
                requests.push(ApiRequest::Update(Object::from(healed)));
            }
            // Look again when the heartbeat would be too old.
            let due = next_tick(heartbeat.as_ms() + GRACE_PERIOD_MS);
            let why = (!requests.is_empty()).then(|| "the kubelet is back: unreachable taints removed".to_string());
            return Reconcile { requests, requeue_after_ms: Some(due.saturating_sub(now.as_ms())), why };
        }
        let already = self.marked.contains(&**name)
            || find_condition(&node.status.conditions, "Ready").is_some_and(|c| c.status == "Unknown");
        if !already {
            self.mark_unknown(&node, view, now, &mut requests);
            // Taint after every node of this monitor tick was looked at, so the zone's
            // health counts them all.
            let why = Some("kubelet stopped posting node status".to_string());
            return Reconcile { requests, requeue_after_ms: Some(0), why };
        }
        self.taint_next(view, now, &mut requests);
        let waiting = self.to_taint.iter().any(|n| n == name);
        let retry = self.next_taint_at.since(now).max(MONITOR_PERIOD_MS.min(EVICTION_INTERVAL_MS));
        let why = (!requests.is_empty()).then(|| "node unreachable: tainted NoExecute".to_string());
        Reconcile { requests, requeue_after_ms: waiting.then_some(retry), why }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Shell;

    fn taints(shell: &Shell, node: &str) -> Vec<Taint> {
        let obj = shell.cluster().api().get(&ObjKey::new(Kind::Node, "", node)).expect("node exists").clone();
        obj.as_node().expect("a node").spec.taints.clone()
    }

    #[test]
    fn a_cordoned_node_is_tainted_unschedulable_until_uncordoned() {
        let mut shell = Shell::for_tests();
        shell.run_ok("advance 2s");
        // The shell's think time (1s) lets the controller see the cordon.
        shell.run_ok("kubectl cordon node-2");
        let t = taints(&shell, "node-2");
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(
            (t[0].key.as_str(), t[0].effect.as_str(), t[0].value.as_deref()),
            (UNSCHEDULABLE_TAINT, "NoSchedule", None)
        );
        assert!(t[0].time_added.is_some(), "SwapNodeControllerTaint stamps the taints it adds");
        assert!(taints(&shell, "node-1").is_empty());
        let out = shell.run_ok("kubectl describe node node-2");
        assert!(out.contains("Taints:             node.kubernetes.io/unschedulable:NoSchedule"), "{out}");
        assert!(out.contains("Unschedulable:      true"), "{out}");
        shell.run_ok("kubectl uncordon node-2");
        assert_eq!(taints(&shell, "node-2"), []);
        let out = shell.run_ok("kubectl describe node node-2");
        assert!(out.contains("Taints:             <none>"), "{out}");
        assert_eq!(shell.cluster().violations(), &[]);
    }

    #[test]
    fn the_taint_survives_the_node_going_silent_and_coming_back() {
        let mut shell = Shell::for_tests();
        shell.run_ok("kubectl cordon node-1");
        shell.run_ok("crash node node-1");
        shell.run_ok("advance 70s");
        let keys: Vec<String> = taints(&shell, "node-1").iter().map(|t| format!("{}:{}", t.key, t.effect)).collect();
        assert!(keys.contains(&format!("{UNSCHEDULABLE_TAINT}:NoSchedule")), "{keys:?}");
        assert!(keys.contains(&format!("{UNREACHABLE_TAINT}:NoSchedule")), "{keys:?}");
        shell.run_ok("recover node node-1");
        shell.run_ok("advance 10s");
        let keys: Vec<String> = taints(&shell, "node-1").iter().map(|t| format!("{}:{}", t.key, t.effect)).collect();
        assert_eq!(keys, [format!("{UNSCHEDULABLE_TAINT}:NoSchedule")]);
    }

    #[test]
    fn the_scheduler_skips_cordoned_nodes_unless_the_pod_tolerates_the_taint() {
        let mut shell = Shell::for_tests();
        shell.run_ok("kubectl cordon node-1");
        shell.run_ok("kubectl cordon node-2");
        shell.run_ok("kubectl cordon node-3");
        shell.run_ok("kubectl run plain --image=nginx");
        shell.run_ok("advance 2s");
        let out = shell.run_ok("kubectl describe pod plain");
        assert!(out.contains("0/3 nodes are available: 3 node(s) were unschedulable."), "{out}");
        // Tolerating every taint (`operator: Exists`, no key), as DaemonSet-like pods
        // do, tolerates the unschedulable taint too.
        let manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: tolerant\nspec:\n  tolerations:\n  - operator: Exists\n  containers:\n  - name: c\n    image: nginx\n";
        let out = shell.execute_with_stdin("kubectl apply -f -", Some(manifest));
        assert!(!out.failed, "{}", out.text);
        shell.run_ok("advance 5s");
        let out = shell.run_ok("kubectl get pods --no-headers");
        assert!(out.lines().any(|l| l.starts_with("tolerant") && l.contains("Running")), "{out}");
        assert!(out.lines().any(|l| l.starts_with("plain") && l.contains("Pending")), "{out}");
    }
}
