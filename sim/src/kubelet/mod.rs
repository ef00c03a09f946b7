//! The kubelet: one per node. It registers its Node, renews its Lease every 10s, and
//! drives the pods bound to its node through the container runtime, reporting their
//! status and events as a real kubelet does.
//!
//! Pods are synced as upstream's pod workers sync them: when the pod's spec (not its
//! status) changes, when the runtime reports a change (the PLEG), and, after a sync that
//! failed to start a container, again 10-15s later (`backOffPeriod` with 50% jitter, on
//! the sync loop's 1s ticker). What a failed start shows (`ErrImagePull`,
//! `ImagePullBackOff`) is what the previous sync found (upstream's `reasonCache`), so a
//! failed pull shows `ErrImagePull` for one such period, then `ImagePullBackOff`.
//! A sync posts the status as it starts. The sync that brings a pod up waits for the
//! sandbox, the pull and the start, which are not posted one by one; once the runtime
//! is done it posts what upstream's next sync would post as it starts, the sync that the
//! PLEG's report of the change triggers (kubesim does not wait for the generic PLEG's
//! 1s relist). So a new pod shows `ContainerCreating` with no IP, then `Running` with
//! its IP (two writes, as upstream), and a failed pull shows `ErrImagePull` as it fails.

pub mod backoff;
pub mod pod_worker;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::api::core::{ContainerStateTerminated, Lease, Node, NodeAddress, NodeSystemInfo, Pod, Taint};
use crate::api::meta::{Condition, MicroTime, Quantity, Time, set_condition};
use crate::api::{Kind, LastShared, ObjKey, Object, Shared, Str};
use crate::apiserver::{Change, ChangeType};
use crate::cluster::{Cache, Ctx, Reporter, SimEvent};
use crate::engine::time::{go_duration, secs_to_ms};
use crate::engine::{SimRng, SimTime};
use crate::runtime::{ContainerConfig, ContainerRuntime, RuntimeEvent, RuntimeTimer, SandboxConfig, Wakeups};
use pod_worker::{CState, ContainerWorker, Op, PodWorker, Sandbox, image_id};
use rand::RngExt;

/// Lease renewal period (`nodeLeaseRenewInterval`).
pub const LEASE_RENEW_MS: u64 = 10_000;
/// Lease duration.
pub const LEASE_DURATION_S: i32 = 40;
/// How often node status is re-posted when nothing changed (`nodeStatusReportFrequency`).
pub const NODE_STATUS_REPORT_MS: u64 = 300_000;
/// The pod worker's wait after a sync that failed (`backOffPeriod`)...
pub const SYNC_ERROR_BACKOFF_MS: u64 = 10_000;
/// ...plus up to half as much again (`workerBackOffPeriodJitterFactor` 0.5).
const SYNC_ERROR_JITTER_MS: u64 = SYNC_ERROR_BACKOFF_MS / 2;
/// The sync loop's ticker, which starts the pod workers whose wait is over, and the
/// PLEG's relist period: both run on this grid from the kubelet's start.
pub const SYNC_TICK_MS: u64 = 1_000;

/// A kubelet wake-up.
#[derive(Debug, Clone)]
pub enum Timer {
    /// Start (or restart after a crash): register the node.
    Boot,
    /// Renew the Lease.
    RenewLease,
    /// Re-post node status.
    NodeStatus,
    /// The runtime's own wake-up.
    Runtime(RuntimeTimer),
    /// Look at a pod again (a backoff ended).
    Sync(ObjKey),
    /// The pod worker's work queue hands the pod back after a failed sync; stale unless
    /// it is the pod's current entry.
    Requeue(ObjKey),
}

/// Static facts about the machine.
#[derive(Debug, Clone)]
pub struct Machine {
    /// Node name.
    pub name: Str,
    /// 1-based node index (for addresses).
    pub index: usize,
    /// The first three octets of its pod CIDR (`10.244.N`, see [`pod_subnet`]).
    pub pod_subnet: String,
    /// CPU capacity (`4`).
    pub cpu: String,
    /// Memory capacity (`8Gi`).
    pub memory: String,
    /// Max pods.
    pub max_pods: u32,
    /// Extra node labels.
    pub labels: BTreeMap<String, String>,
    /// Taints it registers with.
    pub taints: Vec<Taint>,
}

impl Machine {
    /// The node's InternalIP, kind-style `172.18.0.N`.
    pub fn internal_ip(&self) -> String {
        format!("172.18.{}.{}", (self.index + 1) / 256, (self.index + 1) % 256)
    }
    /// The node's pod CIDR, `10.244.N.0/24` (see [`pod_subnet`]).
    pub fn pod_cidr(&self) -> String {
        format!("{}.0/24", self.pod_subnet)
    }
}

/// The first three octets of node `index`'s /24 pod CIDR in a cluster of `nodes`:
/// `10.244.N`, in kind's cluster CIDR 10.244.0.0/16, which holds 255 nodes. Larger
/// clusters use 10.128.0.0/9 (`10.(128 + N / 256).(N % 256)`), clear of the Service
/// range 10.96.0.0/12.
pub fn pod_subnet(index: usize, nodes: usize) -> String {
    if nodes <= 255 { format!("10.244.{index}") } else { format!("10.{}.{}", 128 + index / 256, index % 256) }
}

/// The kubelet of one node.
pub struct Kubelet {
    machine: Machine,
    /// The node's InternalIP, shared by every status the kubelet posts.
    node_ip: Str,
    /// Its name in the trace, `kubelet/<node>`.
    component: Rc<str>,
    runtime: Box<dyn ContainerRuntime>,
    cache: Cache,
    /// Boxed: a B-tree's nodes hold room for 11 entries and are two-thirds full, so
    /// large entries in place cost more than the boxes (a worker is 170 bytes).
    workers: BTreeMap<ObjKey, Box<PodWorker>>,
    /// UIDs of pods whose deletion this kubelet confirmed; late watch events about them
    /// must not bring them back.
    confirmed_deleted: BTreeSet<Str>,
    /// Images being pulled, and the pods waiting for each.
    pulls_in_flight: BTreeMap<Str, BTreeSet<ObjKey>>,
    /// Boot generation: wake-ups from before a crash are ignored.
    boot: u32,
    down: bool,
    next_ip: u8,
    sandbox_attempts: u32,
    lease_holder: Option<Rc<Object>>,
    /// When this boot registered: the sync loop's ticker counts from here.
    booted_at: SimTime,
    /// `spec.unschedulable` as last seen by the node status sync (`lastNodeUnschedulable`).
    last_unschedulable: bool,
    /// Jitter for the pod workers' requeues.
    rng: SimRng,
    /// The conditions last posted: the pods it starts together post equal ones.
    recent_conditions: LastShared<Vec<Condition>>,
}

impl Kubelet {
    /// A kubelet for `machine` using `runtime`, drawing its jitter from `rng` (the run's
    /// `kubelet/<node>` stream). It does nothing until its `Boot` timer.
    pub fn new(machine: Machine, runtime: Box<dyn ContainerRuntime>, rng: SimRng) -> Kubelet {
        Kubelet {
            component: format!("kubelet/{}", machine.name).into(),
            node_ip: machine.internal_ip().into(),
            machine,
            runtime,
            cache: Cache::default(),
            workers: BTreeMap::new(),
            confirmed_deleted: BTreeSet::new(),
            pulls_in_flight: BTreeMap::new(),
            boot: 0,
            down: false,
            next_ip: 1,
            sandbox_attempts: 0,
            lease_holder: None,
            booted_at: SimTime::ZERO,
            last_unschedulable: false,
            rng,
            recent_conditions: LastShared::default(),
        }
    }

    /// Its name in the trace, `kubelet/<node>`.
    pub fn component(&self) -> Rc<str> {
        self.component.clone()
    }

    /// The node's name.
    pub fn node_name(&self) -> &str {
        &self.machine.name
    }

    /// The machine it runs on.
    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    /// The current boot generation.
    pub fn boot(&self) -> u32 {
        self.boot
    }

    /// True while crashed.
    pub fn is_down(&self) -> bool {
        self.down
    }

    fn reporter(&self) -> Reporter<'_> {
        Reporter::correlated("kubelet", Some(&self.machine.name))
    }

    fn schedule(&self, ctx: &mut Ctx<'_>, delay_ms: u64, timer: Timer) {
        ctx.schedule(delay_ms, SimEvent::Kubelet { node: self.machine.name.clone(), boot: self.boot, timer });
    }

    fn schedule_wakeups(&self, ctx: &mut Ctx<'_>, wake: Wakeups) {
        for (delay, t) in wake {
            self.schedule(ctx, delay, Timer::Runtime(t));
        }
    }

    /// The machine loses power: containers die, the kubelet stops, nothing is reported.
    pub fn crash(&mut self) {
        self.down = true;
        self.boot += 1;
        self.runtime.crash();
        self.workers.clear();
        self.confirmed_deleted.clear();
        self.pulls_in_flight.clear();
        self.cache.clear();
        self.lease_holder = None;
        self.last_unschedulable = false;
    }

    /// The node is cut off the network (or back on it): the runtime disconnects the pods'
    /// sandboxes where it has a network to cut; the kubelet itself runs on, its writes
    /// failing until the network heals.
    pub fn set_partitioned(&mut self, cut: bool) {
        self.runtime.set_partitioned(cut);
    }

    /// The pods with a live container process on this node (whatever the apiserver says).
    pub fn running_pods(&self) -> impl Iterator<Item = &ObjKey> {
        self.workers.iter().filter(|(_, w)| w.containers.iter().any(|c| c.is_live())).map(|(k, _)| k)
    }

    /// The pods this kubelet knows of, as its watch last told it (to relist against).
    pub fn cached_pods(&self) -> impl Iterator<Item = &Rc<Object>> {
        self.cache.list(Kind::Pod)
    }

    /// The machine is back: a fresh kubelet boots (the caller relists its watches).
    pub fn power_on(&mut self, ctx: &mut Ctx<'_>) {
        self.down = false;
        self.boot += 1;
        self.schedule(ctx, 0, Timer::Boot);
    }

    /// A watch event for this node or a pod bound to it.
    pub fn on_change(&mut self, ctx: &mut Ctx<'_>, change: &Change) {
        if self.down {
            return;
        }
        self.cache.apply(change);
        if change.object.kind() != Kind::Pod {
            return;
        }
        let key = change.object.key();
        let uid = &change.object.meta().uid;
        if self.confirmed_deleted.contains(uid) {
            if change.type_ == ChangeType::Deleted {
                self.confirmed_deleted.remove(uid);
            }
            return;
        }
        if change.type_ == ChangeType::Deleted {
            // Force-deleted (or confirmed by us): make sure nothing keeps running.
            if let Some(w) = self.workers.remove(&key)
                && let Sandbox::Ready(id) | Sandbox::Starting(id) = &w.sandbox
            {
                self.runtime.stop_pod_sandbox(id);
            }
            return;
        }
        match self.workers.get_mut(&key) {
            Some(w) => {
                // Only a meaningful change syncs the pod; a new status, even the one this
                // kubelet just wrote, is a mere reconcile (`checkAndUpdatePod`).
                let seen = w.seen.as_pod().expect("pod workers hold pods");
                let changed = differ_semantically(seen, change.object.as_pod().expect("pod"));
                w.pod = change.object.clone();
                w.seen = change.object.clone();
                if !changed {
                    // The status manager puts back a status the apiserver lacks: one it
                    // could not send (the node was cut off) or one someone else changed
                    // (the node controller marks pods not ready while the node is silent).
                    // A post that changes nothing makes no event, so this cannot loop.
                    // The stored status being the very one posted, and nothing newer
                    // waiting to be sent, nothing was lost.
                    let api_status = &change.object.as_pod().expect("pod").status;
                    let as_posted =
                        !w.unsent && w.posted.as_ref().is_some_and(|posted| Shared::ptr_eq(posted, api_status));
                    if !as_posted && w.status(&self.node_ip, ctx.now) != **api_status {
                        let mut w = self.workers.remove(&key).expect("matched above");
                        w.posted = None;
                        self.post_status(ctx, &mut w);
                        self.workers.insert(key, w);
                    }
                    return;
                }
                // The pod worker is busy in the sync that pulls; it takes the change
                // once that sync is over (a deletion cancels the sync instead).
                if w.pod.meta().deletion_timestamp.is_none() && w.containers.iter().any(|c| c.op == Op::Pulling) {
                    w.update_pending = true;
                    return;
                }
                self.replace_changed_containers(ctx, &key);
            }
            None => {
                let worker = new_worker(key.clone(), change.object.clone(), ctx.now);
                self.workers.insert(key.clone(), Box::new(worker));
            }
        }
        self.sync_pod(ctx, &key);
    }

    /// A wake-up.
    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>, boot: u32, timer: Timer) {
        if self.down || boot != self.boot {
            return;
        }
        match timer {
            Timer::Boot => self.register(ctx),
            Timer::RenewLease => {
                self.renew_lease(ctx);
                self.sync_node_spec(ctx);
                // Every 10 s the kubelet computes its node's status and posts it when it
                // differs from the apiserver's (`tryUpdateNodeStatus`), as after a
                // partition, when the node controller has marked it Unknown meanwhile.
                if self.node_status_stale(ctx) {
                    self.post_node_status(ctx);
                }
            }
            Timer::NodeStatus => {
                self.post_node_status(ctx);
                self.schedule(ctx, NODE_STATUS_REPORT_MS, Timer::NodeStatus);
            }
            Timer::Sync(key) => self.sync_pod(ctx, &key),
            Timer::Requeue(key) => {
                let Some(w) = self.workers.get_mut(&key) else { return };
                if w.requeue_at != Some(ctx.now) {
                    return; // Replaced by a later enqueue.
                }
                w.requeue_at = None;
                self.sync_pod(ctx, &key);
            }
            Timer::Runtime(t) => {
                let mut wake = Wakeups::new();
                let events = self.runtime.on_timer(&mut wake, t);
                self.schedule_wakeups(ctx, wake);
                for event in events {
                    self.on_runtime_event(ctx, event);
                }
            }
        }
    }

    fn register(&mut self, ctx: &mut Ctx<'_>) {
        self.booted_at = ctx.now;
        let key = ObjKey::new(Kind::Node, "", &self.machine.name);
        let rebooted = match ctx.get(&key) {
            None => {
                let node = self.node_object(ctx.now);
                let _ = ctx.create(Object::from(node), "kubelet registered the node");
                false
            }
            Some(_) => {
                self.post_node_status(ctx);
                true
            }
        };
        self.renew_lease(ctx);
        self.schedule(ctx, NODE_STATUS_REPORT_MS, Timer::NodeStatus);
        let node = ctx.get(&key);
        if let Some(node) = node {
            ctx.event(&node, self.reporter(), "Normal", "Starting", "Starting kubelet.");
            if rebooted {
                let message = format!("Node {} has been rebooted, boot id: boot-{}", self.machine.name, self.boot);
                ctx.event(&node, self.reporter(), "Warning", "Rebooted", &message);
            }
            ctx.event(
                &node,
                self.reporter(),
                "Normal",
                "NodeReady",
                &format!("Node {} status is now: NodeReady", self.machine.name),
            );
        }
        self.sync_node_spec(ctx);
    }

    /// The part of the node status sync that looks at the Node's spec
    /// (`recordNodeSchedulableEvent`): a cordon or uncordon since the last sync is
    /// reported as `NodeNotSchedulable` / `NodeSchedulable`. Upstream runs it with the
    /// other status setters every `nodeStatusUpdateFrequency` (10s), reading the Node
    /// from the apiserver; here it runs with the Lease renewal, on the same 10s grid.
    fn sync_node_spec(&mut self, ctx: &mut Ctx<'_>) {
        let key = ObjKey::new(Kind::Node, "", &self.machine.name);
        let Some(node) = ctx.get(&key) else { return };
        let unschedulable = node.as_node().is_some_and(|n| n.spec.unschedulable == Some(true));
        if unschedulable == self.last_unschedulable {
            return;
        }
        self.last_unschedulable = unschedulable;
        let reason = if unschedulable { "NodeNotSchedulable" } else { "NodeSchedulable" };
        let message = format!("Node {} status is now: {reason}", self.machine.name);
        ctx.event(&node, self.reporter(), "Normal", reason, &message);
    }

    fn node_object(&self, now: SimTime) -> Node {
        let m = &self.machine;
        let mut node = Node::default();
        node.metadata.name = m.name.as_str().into();
        let mut labels = BTreeMap::from([
            ("beta.kubernetes.io/arch".to_string(), "amd64".to_string()),
            ("beta.kubernetes.io/os".to_string(), "linux".to_string()),
            ("kubernetes.io/arch".to_string(), "amd64".to_string()),
            ("kubernetes.io/hostname".to_string(), m.name.to_string()),
            ("kubernetes.io/os".to_string(), "linux".to_string()),
        ]);
        labels.extend(m.labels.clone());
        node.metadata.labels = labels.into();
        node.metadata.annotations =
            BTreeMap::from([("node.alpha.kubernetes.io/ttl".to_string(), "0".to_string())]).into();
        node.spec.taints = m.taints.clone();
        node.spec.pod_cidr = Some(m.pod_cidr());
        node.spec.pod_cidrs = vec![m.pod_cidr()];
        node.spec.provider_id = Some(format!("kubesim://{}", m.name));
        let resources = BTreeMap::from([
            ("cpu".to_string(), Quantity(m.cpu.clone())),
            ("ephemeral-storage".to_string(), Quantity("100Gi".into())),
            ("memory".to_string(), Quantity(m.memory.clone())),
            ("pods".to_string(), Quantity(m.max_pods.to_string())),
        ]);
        node.status.capacity = resources.clone();
        node.status.allocatable = resources;
        node.status.addresses = vec![
            NodeAddress { type_: "InternalIP".into(), address: m.internal_ip() },
            NodeAddress { type_: "Hostname".into(), address: m.name.to_string() },
        ];
        node.status.node_info = Some(NodeSystemInfo {
            machine_id: format!("kubesim{:025}", m.index),
            system_uuid: format!("kubesim-{:04}", m.index),
            boot_id: format!("boot-{}", self.boot),
            kernel_version: "6.1.0-kubesim".into(),
            os_image: "Debian GNU/Linux 12 (bookworm)".into(),
            container_runtime_version: self.runtime.version(),
            kubelet_version: "v1.32.0".into(),
            kube_proxy_version: "v1.32.0".into(),
            operating_system: "linux".into(),
            architecture: "amd64".into(),
        });
        node.status.conditions = ready_conditions(now, &[]);
        node
    }

    /// Whether the apiserver shows this node other than Ready.
    fn node_status_stale(&self, ctx: &Ctx<'_>) -> bool {
        let key = ObjKey::new(Kind::Node, "", &self.machine.name);
        ctx.get(&key).and_then(|n| n.as_node().cloned()).is_some_and(|n| {
            crate::api::meta::find_condition(&n.status.conditions, "Ready").is_none_or(|c| c.status != "True")
        })
    }

    fn post_node_status(&mut self, ctx: &mut Ctx<'_>) {
        let key = ObjKey::new(Kind::Node, "", &self.machine.name);
        let Some(current) = ctx.get(&key) else { return };
        let Some(node) = current.as_node() else { return };
        let mut node = node.clone();
        node.status.conditions = ready_conditions(ctx.now, &node.status.conditions);
        if let Some(info) = node.status.node_info.as_mut() {
            info.boot_id = format!("boot-{}", self.boot);
        }
        node.metadata.resource_version = Str::default();
        let _ = ctx.update_status(Object::from(node), "kubelet posted node status");
    }

    fn renew_lease(&mut self, ctx: &mut Ctx<'_>) {
        let name = &self.machine.name;
        let mut lease = match &self.lease_holder {
            Some(obj) => match &**obj {
                Object::Lease(l) => l.clone(),
                _ => unreachable!("lease_holder holds a Lease"),
            },
            None => {
                let key = ObjKey::new(Kind::Lease, "kube-node-lease", name);
                match ctx.get(&key).as_deref() {
                    Some(Object::Lease(l)) => l.clone(),
                    _ => {
                        let mut l = Lease::default();
                        l.metadata.name = name.as_str().into();
                        l.metadata.namespace = "kube-node-lease".into();
                        l.spec.holder_identity = Some(name.to_string());
                        l.spec.lease_duration_seconds = Some(LEASE_DURATION_S);
                        l.spec.renew_time = Some(MicroTime::at(ctx.now));
                        self.lease_holder = ctx.create(Object::from(l), "kubelet created its lease").ok();
                        self.schedule(ctx, LEASE_RENEW_MS, Timer::RenewLease);
                        return;
                    }
                }
            }
        };
        lease.spec.renew_time = Some(MicroTime::at(ctx.now));
        // Renewals carry the resourceVersion of the last write: optimistic concurrency.
        match ctx.update(Object::Lease(lease), "kubelet renewed its lease") {
            Ok(Some(obj)) => self.lease_holder = Some(obj),
            Ok(None) => {}
            Err(_) => self.lease_holder = None,
        }
        self.schedule(ctx, LEASE_RENEW_MS, Timer::RenewLease);
    }

    /// Containers whose image changed in the pod spec are stopped and started again with
    /// the new image, as the kubelet does when a container's spec hash changes.
    fn replace_changed_containers(&mut self, ctx: &mut Ctx<'_>, key: &ObjKey) {
        let Some(w) = self.workers.get_mut(key) else { return };
        let spec = w.pod.as_pod().map(|p| p.spec.containers.clone()).unwrap_or_default();
        let mut wake = Vec::new();
        let mut killed = Vec::new();
        for (c, wanted) in w.containers.iter_mut().zip(&spec) {
            let image = wanted.image.as_deref().unwrap_or_default();
            if c.config.image == image {
                continue;
            }
            c.config.image = image.into();
            c.image_id = None;
            c.replacing = true;
            if let (true, Some(id)) = (c.is_live(), c.id.clone()) {
                let grace_ms =
                    secs_to_ms(w.pod.as_pod().and_then(|p| p.spec.termination_grace_period_seconds).unwrap_or(30));
                self.runtime.stop_container(&mut wake, &id, grace_ms);
                c.op = Op::Stopping;
                // Upstream kills and starts in one sync: the kill is news for the PLEG.
                c.pleg_pending = true;
                killed.push(c.config.name.clone());
            }
        }
        let pod = w.pod.clone();
        self.schedule_wakeups(ctx, wake);
        for name in killed {
            let message = format!("Container {name} definition changed, will be restarted");
            ctx.event(&pod, self.reporter(), "Normal", "Killing", &message);
        }
    }

    fn allocate_ip(&mut self) -> String {
        let used: Vec<&str> = self.workers.values().filter_map(|w| w.ip.as_deref()).collect();
        for _ in 0..254 {
            self.next_ip = if self.next_ip >= 254 { 2 } else { self.next_ip + 1 };
            let ip = format!("{}.{}", self.machine.pod_subnet, self.next_ip);
            if !used.contains(&ip.as_str()) {
                return ip;
            }
        }
        format!("{}.{}", self.machine.pod_subnet, self.next_ip)
    }

    /// Drives one pod towards its spec (or towards deletion) and reports its status.
    fn sync_pod(&mut self, ctx: &mut Ctx<'_>, key: &ObjKey) {
        self.sync(ctx, key, false);
    }

    /// Carries on with the sync that brings the pod up, now that the runtime has done
    /// a part of it (upstream's sync waits for each part): the status is reported once
    /// nothing is left to wait for.
    fn resume_sync(&mut self, ctx: &mut Ctx<'_>, key: &ObjKey) {
        self.sync(ctx, key, true);
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: &ObjKey, resumed: bool) {
        let Some(mut w) = self.workers.remove(key) else { return };
        let deleting = w.pod.meta().deletion_timestamp.is_some();
        if deleting {
            if self.terminate(ctx, &mut w) {
                return; // The pod is gone.
            }
        } else {
            self.advance_pod(ctx, &mut w);
            self.requeue_if_failed(ctx, &mut w);
            // What this sync changed in the runtime matters only to the pulls it started.
            for c in w.containers.iter_mut().filter(|c| c.op == Op::Idle) {
                c.pleg_pending = false;
            }
        }
        if resumed {
            self.post_status_once_up(ctx, &mut w);
        } else {
            self.post_status(ctx, &mut w);
        }
        self.workers.insert(key.clone(), w);
    }

    /// Hands the pod back to the pod worker after a sync that failed to start a
    /// container: at the PLEG's next relist if that sync changed the runtime (a new
    /// sandbox, a killed container), else after 10-15s, on the sync loop's ticker.
    fn requeue_if_failed(&mut self, ctx: &mut Ctx<'_>, w: &mut PodWorker) {
        let Some(pleg_pending) = w.failed_sync.take() else { return };
        let tick = |t: u64| {
            let since_boot = t.saturating_sub(self.booted_at.as_ms());
            self.booted_at.as_ms() + since_boot.div_ceil(SYNC_TICK_MS) * SYNC_TICK_MS
        };
        let now = ctx.now.as_ms();
        let at = if pleg_pending {
            // The relist after the sync ended (the cache must be newer than the sync).
            tick(now + 1)
        } else {
            tick(now + SYNC_ERROR_BACKOFF_MS + self.rng.random_range(0..SYNC_ERROR_JITTER_MS))
        };
        let at = SimTime(at);
        w.requeue_at = Some(at);
        self.schedule(ctx, at.since(ctx.now), Timer::Requeue(w.key.clone()));
    }

    /// Stops the pod's containers; once all have stopped, confirms the deletion.
    /// Returns true when the pod is gone.
    fn terminate(&mut self, ctx: &mut Ctx<'_>, w: &mut PodWorker) -> bool {
        let grace_ms = secs_to_ms(w.pod.meta().rare.deletion_grace_period_seconds.unwrap_or(30));
        // A second delete with a shorter grace period cuts the wait short.
        let shorter = w.stop_grace_ms.is_some_and(|applied| grace_ms < applied);
        if !w.terminating || shorter {
            let first = !w.terminating;
            w.terminating = true;
            w.stop_grace_ms = Some(grace_ms);
            let mut wake = Vec::new();
            for c in &mut w.containers {
                if let (true, Some(id)) = (c.is_live(), c.id.clone()) {
                    if !first {
                        self.runtime.stop_container(&mut wake, &id, grace_ms);
                        continue;
                    }
                    let msg = format!("Stopping container {}", c.config.name);
                    ctx.event(
                        &w.pod,
                        Reporter::correlated("kubelet", Some(&self.machine.name)),
                        "Normal",
                        "Killing",
                        &msg,
                    );
                    self.runtime.stop_container(&mut wake, &id, grace_ms);
                    c.op = Op::Stopping;
                }
            }
            self.schedule_wakeups(ctx, wake);
        }
        if w.containers.iter().any(|c| c.op == Op::Stopping) {
            return false;
        }
        if let Sandbox::Ready(id) | Sandbox::Starting(id) = &w.sandbox {
            self.runtime.stop_pod_sandbox(id);
        }
        self.post_status(ctx, w);
        self.confirmed_deleted.insert(w.pod.meta().uid.clone());
        let _ = ctx.delete(&w.key, Some(0), "kubelet confirmed the pod's containers stopped");
        true
    }

    fn advance_pod(&mut self, ctx: &mut Ctx<'_>, w: &mut PodWorker) {
        match &w.sandbox {
            Sandbox::None => {
                let ip = self.allocate_ip();
                let pod = w.pod();
                let config = SandboxConfig {
                    pod_uid: pod.metadata.uid.to_string(),
                    pod_name: pod.metadata.name.to_string(),
                    namespace: pod.metadata.namespace.to_string(),
                    attempt: self.sandbox_attempts,
                    ip: ip.clone(),
                };
                self.sandbox_attempts += 1;
                let mut wake = Vec::new();
                let id = self.runtime.run_pod_sandbox(&mut wake, &config);
                self.schedule_wakeups(ctx, wake);
                w.ip = Some(ip.into());
                w.sandbox = Sandbox::Starting(id);
                return;
            }
            Sandbox::Starting(_) => return,
            Sandbox::Ready(_) => {}
        }
        for i in 0..w.containers.len() {
            self.advance_container(ctx, w, i);
        }
    }

    fn advance_container(&mut self, ctx: &mut Ctx<'_>, w: &mut PodWorker, i: usize) {
        let reporter = Reporter::correlated("kubelet", Some(&self.machine.name));
        let c = &w.containers[i];
        if c.op != Op::Idle || matches!(c.state, CState::Running { .. }) {
            return;
        }
        let previous_end = match &c.state {
            CState::Terminated(_) if c.replacing => None,
            CState::Terminated(t) => {
                if !w.should_restart(t.exit_code) {
                    return;
                }
                Some(t.finished_at.map_or(ctx.now, |f| f.moment()))
            }
            CState::Waiting { .. } => c.last_terminated.as_ref().map(|t| t.finished_at.map_or(ctx.now, |f| f.moment())),
            CState::Running { .. } => None,
        };
        let image = c.config.image.clone();
        let name = c.config.name.clone();
        if let Some(finished) = previous_end
            && c.crash_backoff.in_backoff_since(finished, ctx.now)
        {
            let delay = c.crash_backoff.delay_ms;
            let pod = w.pod();
            let pod_ref = format!("{}_{}({})", pod.metadata.name, pod.metadata.namespace, pod.metadata.uid);
            let was_waiting = matches!(&c.state, CState::Waiting { reason, .. } if reason == "CrashLoopBackOff");
            let message = format!("back-off {} restarting failed container={name} pod={pod_ref}", go_duration(delay));
            w.containers[i].set_waiting(Str::lit("CrashLoopBackOff"), Some(message.into()));
            if !was_waiting {
                let msg = format!("Back-off restarting failed container {name} in pod {pod_ref}");
                ctx.event(&w.pod, reporter, "Warning", "BackOff", &msg);
            }
            let remaining = (finished.as_ms() + delay).saturating_sub(ctx.now.as_ms());
            self.schedule(ctx, remaining, Timer::Sync(w.key.clone()));
            return;
        }
        // The status shows why the last sync could not start it (`reasonCache`).
        if let Some((reason, message)) = w.containers[i].start_failure.clone() {
            w.containers[i].set_waiting(reason, message);
        }
        let policy = w.containers[i].pull_policy.clone();
        let present = self.runtime.image_present(&image);
        if policy == "Never" && !present {
            let msg = format!("Container image \"{image}\" is not present with pull policy of Never");
            ctx.event(&w.pod, reporter, "Warning", "ErrImageNeverPull", &msg);
            ctx.event(&w.pod, reporter, "Warning", "Failed", "Error: ErrImageNeverPull");
            w.containers[i].start_failure = Some((Str::lit("ErrImageNeverPull"), Some(msg.into())));
            w.sync_failed(i);
            return;
        }
        if policy == "Always" || !present {
            // Back-off is per pod and image: a new image is pulled at once (an image
            // that never failed to pull has no entry).
            if let Some(entry) = w.pull_backoff.get_mut(image.as_str()) {
                if entry.backoff.in_backoff_since_update(ctx.now) {
                    let mut msg = format!("Back-off pulling image \"{image}\"");
                    ctx.event(&w.pod, reporter, "Normal", "BackOff", &msg);
                    ctx.event(&w.pod, reporter, "Warning", "Failed", "Error: ImagePullBackOff");
                    if let Some(err) = &entry.last_error {
                        msg = format!("{msg}: {err}");
                    }
                    w.containers[i].start_failure = Some((Str::lit("ImagePullBackOff"), Some(msg.into())));
                    w.sync_failed(i);
                    return;
                }
                entry.last_error = None;
            }
            let c = &mut w.containers[i];
            c.op = Op::Pulling;
            c.pulling_image = Some(image.clone());
            // A pull shows what the last sync found (a retry keeps ImagePullBackOff).
            if !matches!(c.state, CState::Waiting { .. }) {
                c.set_waiting(Str::lit("ContainerCreating"), None);
            }
            ctx.event(&w.pod, reporter, "Normal", "Pulling", &format!("Pulling image \"{image}\""));
            // One pull per image at a time; pods wanting it wait for the same pull.
            let waiting = self.pulls_in_flight.entry(image.clone()).or_default();
            let first = waiting.is_empty();
            waiting.insert(w.key.clone());
            if first {
                let mut wake = Vec::new();
                self.runtime.pull_image(&mut wake, &image);
                self.schedule_wakeups(ctx, wake);
            }
            return;
        }
        let msg = format!("Container image \"{image}\" already present on machine");
        ctx.event(&w.pod, reporter, "Normal", "Pulled", &msg);
        self.start_container(ctx, w, i);
    }

    fn start_container(&mut self, ctx: &mut Ctx<'_>, w: &mut PodWorker, i: usize) {
        let Sandbox::Ready(sandbox) = w.sandbox.clone() else { return };
        let c = &mut w.containers[i];
        c.replacing = false;
        c.start_failure = None;
        c.pleg_pending = false;
        let restarting = c.last_terminated.is_some() || matches!(c.state, CState::Terminated(_));
        if restarting {
            c.crash_backoff.next(ctx.now);
            c.restart_count += 1;
        }
        c.image_id = Some(image_id(&c.config.image));
        let mut wake = Vec::new();
        let id = self.runtime.start_container(&mut wake, &sandbox, &c.config);
        c.id = Some(id);
        c.op = Op::Starting;
        c.serving = false;
        if !matches!(c.state, CState::Waiting { .. }) {
            c.set_waiting(Str::lit("ContainerCreating"), None);
        }
        let msg = format!("Created container: {}", c.config.name);
        self.schedule_wakeups(ctx, wake);
        ctx.event(&w.pod, self.reporter(), "Normal", "Created", &msg);
    }

    fn on_runtime_event(&mut self, ctx: &mut Ctx<'_>, event: RuntimeEvent) {
        match event {
            RuntimeEvent::SandboxReady { sandbox } => {
                let Some(key) = self
                    .workers
                    .iter()
                    .find(|(_, w)| matches!(&w.sandbox, Sandbox::Starting(id) if *id == sandbox))
                    .map(|(k, _)| k.clone())
                else {
                    return;
                };
                if let Some(w) = self.workers.get_mut(&key) {
                    w.sandbox = Sandbox::Ready(sandbox);
                    ctx.trace("sandbox-ready", &key, format_args!("{}", w.ip.as_deref().unwrap_or_default()));
                    // Upstream creates the sandbox and starts the containers in one sync;
                    // the new sandbox is news for the PLEG.
                    for c in &mut w.containers {
                        c.pleg_pending = true;
                    }
                }
                self.resume_sync(ctx, &key);
            }
            RuntimeEvent::ImagePulled { image, result } => {
                let keys = self.pulls_in_flight.remove(image.as_str()).unwrap_or_default();
                for key in keys {
                    let Some(mut w) = self.workers.remove(&key) else { continue };
                    for i in 0..w.containers.len() {
                        let c = &w.containers[i];
                        if c.op != Op::Pulling || c.pulling_image.as_deref() != Some(image.as_str()) {
                            continue;
                        }
                        self.on_pulled(ctx, &mut w, i, &image, &result);
                    }
                    self.requeue_if_failed(ctx, &mut w);
                    self.post_status_once_up(ctx, &mut w);
                    // The sync is over: the pod worker takes the change that waited.
                    let pending = w.update_pending && w.containers.iter().all(|c| c.op != Op::Pulling);
                    if pending {
                        w.update_pending = false;
                    }
                    self.workers.insert(key.clone(), w);
                    if pending {
                        self.replace_changed_containers(ctx, &key);
                        self.sync_pod(ctx, &key);
                    }
                }
            }
            RuntimeEvent::ContainerStarted { container } => {
                self.with_container(ctx, &container, |_, ctx, w, i| {
                    let c = &mut w.containers[i];
                    c.state = CState::Running { since: ctx.now };
                    c.op = Op::Idle;
                    let msg = format!("Started container {}", c.config.name);
                    ctx.trace("container-started", &w.key, format_args!("{}", c.config.name));
                    ctx.event(
                        &w.pod,
                        Reporter::correlated("kubelet", w.pod().spec.node_name.as_deref()),
                        "Normal",
                        "Started",
                        &msg,
                    );
                });
            }
            RuntimeEvent::ContainerServing { container } => {
                self.with_container(ctx, &container, |_, _, w, i| w.containers[i].serving = true);
            }
            RuntimeEvent::ContainerExited { container, exit_code, oom } => {
                self.with_container(ctx, &container, |_, ctx, w, i| {
                    let c = &mut w.containers[i];
                    let started_at = match c.state {
                        CState::Running { since } => Some(Time::at(since)),
                        _ => None,
                    };
                    let reason = if oom {
                        "OOMKilled"
                    } else if exit_code == 0 {
                        "Completed"
                    } else {
                        "Error"
                    };
                    c.state = CState::Terminated(Box::new(ContainerStateTerminated {
                        exit_code,
                        signal: None,
                        reason: Some(reason.into()),
                        message: None,
                        started_at,
                        finished_at: Some(Time::at(ctx.now)),
                        container_id: c.id.clone(),
                    }));
                    c.op = Op::Idle;
                    c.serving = false;
                    ctx.trace("container-exited", &w.key, format_args!("{} exit {exit_code} {reason}", c.config.name));
                });
                // Let the restart policy decide, now that the exit is known.
                if let Some(key) = self.key_of_container(&container) {
                    self.sync_pod(ctx, &key);
                }
            }
        }
    }

    fn on_pulled(
        &mut self,
        ctx: &mut Ctx<'_>,
        w: &mut PodWorker,
        i: usize,
        image: &str,
        result: &Result<crate::runtime::PulledImage, String>,
    ) {
        let reporter = Reporter::correlated("kubelet", Some(&self.machine.name));
        let c = &mut w.containers[i];
        c.op = Op::Idle;
        c.pulling_image = None;
        match result {
            Ok(pulled) => {
                let took = go_duration(pulled.took_ms);
                let msg = format!(
                    "Successfully pulled image \"{image}\" in {took} ({took} including waiting). Image size: {} bytes.",
                    pulled.size_bytes
                );
                ctx.event(&w.pod, reporter, "Normal", "Pulled", &msg);
                // The sync pulled for the spec it started with; a newer spec waits.
                if c.config.image == image {
                    self.start_container(ctx, w, i);
                }
            }
            Err(err) => {
                ctx.event(&w.pod, reporter, "Warning", "Failed", &format!("Failed to pull image \"{image}\": {err}"));
                ctx.event(&w.pod, reporter, "Warning", "Failed", "Error: ErrImagePull");
                let entry = w.pull_backoff.entry(image.to_string()).or_default();
                entry.backoff.next(ctx.now);
                entry.last_error = Some(format!("ErrImagePull: {err}"));
                // Shown from the next sync on, which comes at the next relist if this
                // sync also changed the runtime, else 10-15s later.
                w.containers[i].start_failure = Some((Str::lit("ErrImagePull"), Some(err.as_str().into())));
                w.sync_failed(i);
            }
        }
    }

    fn key_of_container(&self, container: &str) -> Option<ObjKey> {
        self.workers
            .iter()
            .find(|(_, w)| w.containers.iter().any(|c| c.id.as_deref() == Some(container)))
            .map(|(k, _)| k.clone())
    }

    /// Runs `f` on the worker and index of `container`, then reports the pod's status (once
    /// the pod is no longer starting up).
    fn with_container(
        &mut self,
        ctx: &mut Ctx<'_>,
        container: &str,
        f: impl FnOnce(&mut Self, &mut Ctx<'_>, &mut PodWorker, usize),
    ) {
        let Some(key) = self.key_of_container(container) else { return };
        let Some(mut w) = self.workers.remove(&key) else { return };
        let Some(i) = w.containers.iter().position(|c| c.id.as_deref() == Some(container)) else { return };
        f(self, ctx, &mut w, i);
        if w.terminating {
            self.workers.insert(key.clone(), w);
            self.sync_pod(ctx, &key);
            return;
        }
        self.post_status_once_up(ctx, &mut w);
        self.workers.insert(key, w);
    }

    /// Reports the status of a sync the runtime has carried on, once the pod is no longer
    /// starting up (see [`PodWorker::starting_up`]).
    fn post_status_once_up(&mut self, ctx: &mut Ctx<'_>, w: &mut PodWorker) {
        if !w.starting_up() {
            self.post_status(ctx, w);
        }
    }

    fn post_status(&mut self, ctx: &mut Ctx<'_>, w: &mut PodWorker) {
        let mut status = w.status(&self.node_ip, ctx.now);
        status.conditions = self.recent_conditions.share(status.conditions);
        // Shared by the worker's memory of what it posted and the stored pod.
        let status = Shared::from(status);
        if w.posted.as_ref() == Some(&status) {
            return;
        }
        // The status subresource reads only the key and the status: send just those.
        let mut pod = Pod::default();
        pod.metadata.name = w.key.name.clone();
        pod.metadata.namespace = w.key.namespace.clone();
        pod.status = status.clone();
        let summary = format!("phase={}", status.phase.as_deref().unwrap_or(""));
        match ctx.update_status(Object::from(pod), &summary) {
            Ok(stored) => {
                if let Some(obj) = stored {
                    w.pod = obj;
                }
                w.posted = Some(status);
                w.unsent = false;
            }
            // Not sent (the node is cut off): posted again once it can be.
            Err(_) => w.unsent = true,
        }
    }

    /// Kills a container of a pod on this node (a fault), as if its process died.
    pub fn kill_container(
        &mut self,
        ctx: &mut Ctx<'_>,
        pod: &ObjKey,
        container: Option<&str>,
    ) -> Result<String, String> {
        let w = self
            .workers
            .get(pod)
            .ok_or_else(|| format!("pod {} has no containers on {}", pod.name, self.machine.name))?;
        let target = w
            .containers
            .iter()
            .find(|c| container.is_none_or(|name| c.config.name == name))
            .ok_or_else(|| format!("container {:?} not found in pod {}", container.unwrap_or(""), pod.name))?;
        if !matches!(target.state, CState::Running { .. }) {
            return Err(format!("container {} in pod {} is not running", target.config.name, pod.name));
        }
        let id = target.id.clone().expect("running containers have ids");
        let name = target.config.name.to_string();
        let mut wake = Vec::new();
        self.runtime.kill_container(&mut wake, &id);
        self.schedule_wakeups(ctx, wake);
        Ok(name)
    }

    /// The log lines of a pod's container (`previous`: the instance before the last restart).
    pub fn logs(&self, pod: &ObjKey, container: &str, previous: bool) -> Option<Vec<String>> {
        let w = self.workers.get(pod)?;
        let c = w.containers.iter().find(|c| c.config.name == container)?;
        let id = if previous { c.last_terminated.as_ref()?.container_id.clone()? } else { c.id.clone()? };
        self.runtime.logs(&id)
    }

    /// The image of the pod's container that answers HTTP on `port`, if one does.
    pub fn listener(&self, pod: &ObjKey, port: i32) -> Option<String> {
        let w = self.workers.get(pod)?;
        w.containers
            .iter()
            .filter(|c| matches!(c.state, CState::Running { .. }))
            .find(|c| {
                c.id.as_deref().and_then(|id| self.runtime.listening_port(id)).is_some_and(|p| i32::from(p) == port)
            })
            .map(|c| c.config.image.to_string())
    }
}

/// A container's `imagePullPolicy` (defaulted by the apiserver, as here when missing),
/// the standard values shared by every container.
fn pull_policy(policy: Option<&str>, image: &str) -> Str {
    match policy.unwrap_or_else(|| crate::api::defaults::default_pull_policy(image)) {
        "Always" => Str::lit("Always"),
        "IfNotPresent" => Str::lit("IfNotPresent"),
        "Never" => Str::lit("Never"),
        other => other.into(),
    }
}

/// A worker for a pod this kubelet (re)discovers. After a reboot the pod's status still
/// names containers that ran before: they count as exited (`Unknown`, 255), so their
/// restart counts carry on and the pod keeps its start time.
fn new_worker(key: ObjKey, pod: Rc<Object>, now: SimTime) -> PodWorker {
    let typed = pod.as_pod().expect("pod");
    let spec = &typed.spec;
    let previous =
        |name: &str| typed.status.container_statuses.iter().find(|s| s.name == name && s.container_id.is_some());
    let containers = spec
        .containers
        .iter()
        .map(|c| ContainerWorker {
            config: ContainerConfig {
                name: c.name.as_str().into(),
                image: c.image.as_deref().unwrap_or_default().into(),
                command: c.command.clone(),
                args: c.args.clone(),
                memory_limit_mib: c
                    .resources
                    .as_ref()
                    .and_then(|r| r.limits.get("memory"))
                    .and_then(|q| q.milli_value())
                    .map(|milli| (milli / 1000 / (1 << 20)) as u64),
            },
            pull_policy: pull_policy(c.image_pull_policy.as_deref(), c.image.as_deref().unwrap_or_default()),
            has_readiness_probe: c.readiness_probe.is_some(),
            state: CState::Waiting { reason: "ContainerCreating".into(), message: None },
            last_terminated: previous(&c.name).map(|s| {
                Box::new(ContainerStateTerminated {
                    exit_code: 255,
                    signal: None,
                    reason: Some("Unknown".into()),
                    message: None,
                    started_at: s.state.running.as_ref().and_then(|r| r.started_at),
                    finished_at: Some(Time::at(now)),
                    container_id: s.container_id.clone(),
                })
            }),
            restart_count: previous(&c.name).map_or(0, |s| s.restart_count),
            id: None,
            image_id: None,
            serving: false,
            op: Op::Idle,
            crash_backoff: Default::default(),
            replacing: false,
            start_failure: None,
            pulling_image: None,
            pleg_pending: false,
        })
        .collect();
    let start_time = typed.status.start_time.map_or(now, |t| t.moment());
    PodWorker {
        key,
        seen: pod.clone(),
        pod,
        sandbox: Sandbox::None,
        ip: None,
        containers,
        start_time,
        posted: None,
        unsent: false,
        terminating: false,
        stop_grace_ms: None,
        pull_backoff: BTreeMap::new(),
        requeue_at: None,
        failed_sync: None,
        update_pending: false,
    }
}

/// Upstream `podsDifferSemantically`: the changes that reach the pod worker.
fn differ_semantically(old: &Pod, new: &Pod) -> bool {
    old.spec != new.spec
        || old.metadata.labels != new.metadata.labels
        || old.metadata.annotations != new.metadata.annotations
        || old.metadata.deletion_timestamp != new.metadata.deletion_timestamp
        || old.metadata.rare.deletion_grace_period_seconds != new.metadata.rare.deletion_grace_period_seconds
}

/// The node conditions a healthy kubelet reports, keeping transition times.
fn ready_conditions(now: SimTime, old: &[Condition]) -> Vec<Condition> {
    let mut conditions = old.to_vec();
    let table = [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ];
    for (type_, status, reason, message) in table {
        set_condition(
            &mut conditions,
            Condition {
                type_: type_.into(),
                status: status.into(),
                last_heartbeat_time: Some(Time::at(now)),
                last_transition_time: Some(Time::at(now)),
                reason: Some(reason.into()),
                message: Some(message.into()),
                ..Default::default()
            },
        );
    }
    conditions
}

/// Why the kubelet has no logs of `container` in `pod`, as the apiserver reports it: no
/// previous run to show, or the container has not started (with its waiting reason).
pub fn logs_unavailable(pod: &crate::api::core::Pod, container: &str, previous: bool) -> String {
    let name = &pod.metadata.name;
    if previous {
        return format!("previous terminated container \"{container}\" in pod \"{name}\" not found");
    }
    let reason = pod
        .status
        .container_statuses
        .iter()
        .chain(&pod.status.init_container_statuses)
        .find(|s| s.name == container)
        .and_then(|s| s.state.waiting.as_ref())
        .and_then(|w| w.reason.clone())
        .unwrap_or_else(|| "ContainerCreating".into());
    format!("container \"{container}\" in pod \"{name}\" is waiting to start: {reason}")
}
