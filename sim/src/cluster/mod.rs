//! The cluster: the event loop that plays every component, and the entry points the
//! front ends (kubectl, the shell, scenarios) drive it through.

mod cache;
mod ctx;
mod curl;
mod recorder;
mod shape;

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use rand::seq::SliceRandom;

pub use cache::Cache;
pub use ctx::{Ctx, Reporter};
pub use curl::Transport;
use recorder::EventRecorders;
pub use shape::NodeShape;

use crate::api::core::{Namespace, Service, ServicePort};
use crate::api::discovery::{
    Endpoint, EndpointAddress, EndpointConditions, EndpointPort, EndpointSlice, EndpointSubset, Endpoints,
};
use crate::api::meta::IntOrString;
use crate::api::{Kind, ObjKey, Object, Str};
use crate::apiserver::{ApiServer, Change};
use crate::controllers::deployment::DeploymentController;
use crate::controllers::endpoints::EndpointsController;
use crate::controllers::garbage_collector::GarbageCollector;
use crate::controllers::manager::{ControllerFault, Factory};
use crate::controllers::node_lifecycle::NodeLifecycle;
use crate::controllers::pod_gc::PodGc;
use crate::controllers::replicaset::ReplicaSetController;
use crate::controllers::taint_eviction::TaintEviction;
use crate::controllers::{self, ControllerManager};
use crate::engine::lookup::LookupMap;
use crate::engine::{EventQueue, SimRng, SimTime, Trace, rng};
use crate::kubelet::{self, Kubelet, Machine};
use crate::network::ProxyView;
use crate::runtime::images::ImageCatalog;
use crate::runtime::{ContainerRuntime, VirtualRuntime};
use crate::scheduler::{self, Scheduler};

/// The apiserver's address: the control plane runs off the worker nodes, on the nodes'
/// network (`172.18.0.1`, before `node-1`'s `172.18.0.2`).
pub const APISERVER_IP: &str = "172.18.0.1";
/// The apiserver's secure port.
pub const APISERVER_PORT: i32 = 6443;

/// How a cluster is built.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// Worker nodes (`node-1` ... `node-N`).
    pub nodes: usize,
    /// Per-node shapes, by position, overriding the defaults below (and `nodes` when longer).
    pub shapes: Vec<NodeShape>,
    /// The seed every random choice derives from.
    pub seed: u64,
    /// Delay between a write and its watch event reaching a component.
    pub watch_latency_ms: u64,
    /// CPU per node.
    pub node_cpu: String,
    /// Memory per node.
    pub node_memory: String,
    /// Max pods per node.
    pub max_pods: u32,
    /// Images and their behaviours.
    pub catalog: ImageCatalog,
    /// The most events a run may process: past it the clock stops (see [`Cluster::halted`]),
    /// so a run that never settles (events forever at one instant) cannot hang.
    pub event_limit: u64,
    /// Whether debug builds check the safety invariants after every event (each check
    /// reads the whole store; benchmarks turn it off). Release builds never do.
    pub check_invariants: bool,
    /// Keep every accepted write, from the boot on, for [`Cluster::take_changes`] (a
    /// front end that serves watches, or draws the run).
    pub log_changes: bool,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            nodes: 3,
            shapes: Vec::new(),
            seed: 0,
            watch_latency_ms: 5,
            node_cpu: "4".into(),
            node_memory: "8Gi".into(),
            max_pods: 110,
            catalog: ImageCatalog::default(),
            event_limit: u64::MAX,
            check_invariants: true,
            log_changes: false,
        }
    }
}

/// Who receives a watch event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watcher {
    /// kube-scheduler.
    Scheduler,
    /// The kubelet of a node.
    Kubelet(Str),
    /// A controller of the controller manager with a view of its own, by index.
    Controller(usize),
    /// The controllers that share the controller manager's view, in delivery order:
    /// the view is updated once, then each handles the event.
    Controllers(Rc<[usize]>),
    /// kube-proxy (one shared view for all nodes).
    KubeProxy,
}

/// Something due in the event queue.
#[derive(Debug, Clone)]
pub enum SimEvent {
    /// A watch event reaching a component.
    Deliver {
        /// The recipient.
        to: Watcher,
        /// The write.
        change: Change,
    },
    /// A scheduler wake-up.
    Scheduler(scheduler::Timer),
    /// A kubelet wake-up, valid only for the boot that scheduled it.
    Kubelet {
        /// Node.
        node: Str,
        /// Boot generation.
        boot: u32,
        /// What to do.
        timer: kubelet::Timer,
    },
    /// A wake-up for a controller of the controller manager.
    Controller {
        /// Which controller.
        index: usize,
        /// What to do.
        timer: controllers::manager::Timer,
    },
}

/// How many controller delivery orders are kept for sharing (under a megabyte): the
/// seven built-in controllers that watch pods make 5,040 (every order, shuffled), and
/// controllers a user adds could make factorially many.
const KEPT_DELIVERY_ORDERS: usize = 8192;

/// Called with each event's time before it runs (see [`Cluster::set_pacer`]).
pub type Pacer = Box<dyn FnMut(&Cluster, SimTime)>;

/// A simulated cluster.
pub struct Cluster {
    config: ClusterConfig,
    now: SimTime,
    queue: EventQueue<SimEvent>,
    api: ApiServer,
    trace: Trace,
    /// Each component's recently sent Events (see `Ctx::event`).
    events: EventRecorders,
    scheduler: Scheduler,
    controllers: ControllerManager,
    proxy: ProxyView,
    /// Orders the controllers' deliveries of one change, from the seed.
    controller_order: SimRng,
    /// Boxed: a hash table keeps room for more entries than it holds, and a kubelet is
    /// large.
    kubelets: LookupMap<String, Box<Kubelet>>,
    events_processed: u64,
    /// Crashed or partitioned nodes and the trace id of the fault, for causal links.
    silenced: BTreeMap<String, u64>,
    /// Nodes cut off from the control plane and the other nodes.
    partitioned: BTreeSet<String>,
    /// Invariant violations seen (checked in debug builds).
    violations: Vec<(u64, crate::invariants::Violation)>,
    /// Files kubectl reads before the disk, by path.
    files: BTreeMap<String, String>,
    /// Holds the loop back to a wall clock before each event (a replay on real
    /// containers); none in simulated time.
    pacer: Option<Pacer>,
    /// Where `curl` really sends requests (a replay on real containers).
    transport: Option<Box<dyn Transport>>,
    /// Extra watch latency for a controller (a stale cache), by index.
    watch_delays: BTreeMap<usize, u64>,
    /// When the last watch event to each controller is due, to keep them in order.
    last_delivery: BTreeMap<usize, SimTime>,
    /// The delivery orders of the controllers sharing a view seen so far (up to
    /// [`KEPT_DELIVERY_ORDERS`]), shared by the deliveries in that order: a burst's
    /// hundreds of thousands of watch events hold one of a few lists.
    delivery_orders: BTreeSet<Rc<[usize]>>,
    /// Set to stop the clock (see [`Cluster::stop_switch`]).
    stop: Rc<std::cell::Cell<bool>>,
    /// Every accepted write since the last [`Cluster::take_changes`], with the id of its
    /// trace event, when the configuration asks for them.
    change_log: Option<Vec<(u64, Change)>>,
}

impl Cluster {
    /// Boots a cluster: namespaces, the `kubernetes` Service, and a kubelet per node
    /// registering itself at time zero.
    pub fn new(config: ClusterConfig) -> Cluster {
        let seed = config.seed;
        let catalog = Rc::new(config.catalog.clone());
        Cluster::with_runtimes(config, |machine| {
            let stream = rng::stream(seed, &format!("runtime/{}", machine.name));
            Box::new(VirtualRuntime::new(catalog.clone(), stream))
        })
    }

    /// Boots a cluster whose nodes run the container runtimes `runtime` makes, one per
    /// machine (e.g. real containers instead of the catalog's simulated ones).
    pub fn with_runtimes(
        config: ClusterConfig,
        mut runtime: impl FnMut(&Machine) -> Box<dyn ContainerRuntime>,
    ) -> Cluster {
        let seed = config.seed;
        let kubelets = config
            .machines()
            .into_iter()
            .map(|machine| {
                let runtime = runtime(&machine);
                let rng = rng::stream(seed, &format!("kubelet/{}", machine.name));
                (machine.name.to_string(), Box::new(Kubelet::new(machine, runtime, rng)))
            })
            .collect();
        let mut cluster = Cluster {
            now: SimTime::ZERO,
            queue: EventQueue::default(),
            api: ApiServer::new(seed),
            trace: Trace::default(),
            events: EventRecorders::default(),
            scheduler: Scheduler::new(rng::stream(seed, "scheduler")),
            controllers: default_controllers(),
            proxy: ProxyView::new(rng::stream(seed, "kube-proxy")),
            controller_order: rng::stream(seed, "controller-manager"),
            kubelets,
            config,
            events_processed: 0,
            silenced: BTreeMap::new(),
            partitioned: BTreeSet::new(),
            violations: Vec::new(),
            files: BTreeMap::new(),
            pacer: None,
            transport: None,
            watch_delays: BTreeMap::new(),
            last_delivery: BTreeMap::new(),
            delivery_orders: BTreeSet::new(),
            stop: Rc::default(),
            change_log: None,
        };
        if cluster.config.log_changes {
            cluster.change_log = Some(Vec::new());
        }
        cluster.bootstrap();
        cluster
    }

    fn bootstrap(&mut self) {
        self.with_ctx("apiserver", 0, |ctx| {
            for name in ["default", "kube-node-lease", "kube-public", "kube-system"] {
                let mut ns = Namespace::default();
                ns.metadata.name = name.into();
                ctx.create(Object::from(ns), "bootstrap").expect("bootstrap namespaces are valid");
            }
            let mut svc = Service::default();
            svc.metadata.name = "kubernetes".into();
            svc.metadata.labels = BTreeMap::from([
                ("component".to_string(), "apiserver".to_string()),
                ("provider".to_string(), "kubernetes".to_string()),
            ])
            .into();
            svc.spec.cluster_ip = Some("10.96.0.1".into());
            svc.spec.ports = vec![ServicePort {
                name: Some("https".into()),
                protocol: Some("TCP".into()),
                port: 443,
                target_port: Some(IntOrString::Int(6443)),
                node_port: None,
                app_protocol: None,
            }];
            ctx.create(Object::from(svc), "bootstrap").expect("the kubernetes Service is valid");
            // The apiserver's endpoint reconciler points the Service at the apiserver
            // (`pkg/controlplane/reconcilers`): an Endpoints the EndpointSlice mirroring
            // controller skips, and its slice (`endpointsadapter.go`).
            let https = EndpointPort { name: Some("https".into()), port: APISERVER_PORT, protocol: Some("TCP".into()) };
            let mut endpoints = Endpoints::default();
            endpoints.metadata.name = "kubernetes".into();
            endpoints.metadata.labels =
                BTreeMap::from([("endpointslice.kubernetes.io/skip-mirror".to_string(), "true".to_string())]).into();
            endpoints.subsets = vec![EndpointSubset {
                addresses: vec![EndpointAddress { ip: APISERVER_IP.into(), node_name: None, target_ref: None }],
                not_ready_addresses: Vec::new(),
                ports: vec![https.clone()],
            }];
            ctx.create(Object::from(endpoints), "bootstrap").expect("the kubernetes Endpoints are valid");
            let mut slice = EndpointSlice::default();
            slice.metadata.name = "kubernetes".into();
            slice.metadata.labels = BTreeMap::from([(
                crate::controllers::endpoints::SERVICE_NAME_LABEL.to_string(),
                "kubernetes".to_string(),
            )])
            .into();
            slice.address_type = "IPv4".into();
            slice.endpoints = vec![Endpoint {
                addresses: vec![APISERVER_IP.into()],
                conditions: EndpointConditions { ready: Some(true), serving: None, terminating: None },
                node_name: None,
                target_ref: None,
            }];
            slice.ports = vec![https];
            ctx.create(Object::from(slice), "bootstrap").expect("the kubernetes EndpointSlice is valid");
        });
        let nodes: Vec<Str> = self.kubelets.sorted().map(|(_, k)| k.machine().name.clone()).collect();
        for node in nodes {
            self.queue.push(self.now, 0, SimEvent::Kubelet { node, boot: 0, timer: kubelet::Timer::Boot });
        }
        self.run_until(self.now);
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The apiserver's store, read-only.
    pub fn api(&self) -> &ApiServer {
        &self.api
    }

    /// Everything that happened so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Files `kubectl -f PATH` reads before looking on disk: a scenario's manifests, read
    /// when the scenario was, so a run does not depend on the working directory.
    pub fn files(&self) -> &BTreeMap<String, String> {
        &self.files
    }

    /// Adds a file for `kubectl -f PATH` (see [`Cluster::files`]).
    pub fn add_file(&mut self, path: &str, text: &str) {
        self.files.insert(path.to_string(), text.to_string());
    }

    /// Names of the nodes with kubelets.
    pub fn node_names(&self) -> impl Iterator<Item = &String> {
        self.kubelets.sorted().map(|(name, _)| name)
    }

    /// The kubelet of `node`.
    pub fn kubelet(&self, node: &str) -> Option<&Kubelet> {
        self.kubelets.get(node).map(|k| &**k)
    }

    /// Runs `f` as `component` with a write context, then delivers its writes' watch
    /// events. Front ends use it for user actions.
    pub fn with_ctx<R>(&mut self, component: &str, cause: u64, f: impl FnOnce(&mut Ctx<'_>) -> R) -> R {
        let mut changes = Vec::new();
        let result = {
            let mut ctx = Ctx {
                now: self.now,
                cause,
                component,
                api: &mut self.api,
                trace: &mut self.trace,
                queue: &mut self.queue,
                changes: &mut changes,
                events: &mut self.events,
                silenced: &self.silenced,
                partitioned: &self.partitioned,
            };
            f(&mut ctx)
        };
        self.route(changes);
        result
    }

    /// Records a user action in the trace and returns its id, the cause of what follows.
    /// `detail` is the action as the user typed it.
    pub fn record_input(&mut self, action: &str, object: &str, detail: &str) -> u64 {
        self.trace.record(self.now, 0, "user", action, object, detail)
    }

    /// Decides who watches each write and queues the deliveries.
    fn route(&mut self, changes: Vec<(Change, u64)>) {
        if let Some(log) = &mut self.change_log {
            log.extend(changes.iter().map(|(change, id)| (*id, change.clone())));
        }
        let at = self.now.plus_ms(self.config.watch_latency_ms);
        // Reused for every write: most batches hold many.
        let (mut to, mut interested, mut sharing) = (Vec::new(), Vec::new(), Vec::new());
        for (change, trace_id) in changes {
            match &*change.object {
                Object::Pod(pod) => {
                    to.push(Watcher::Scheduler);
                    if let Some(node) = pod.spec.node_name.as_ref().filter(|n| self.kubelets.contains_key(n.as_str())) {
                        to.push(Watcher::Kubelet(node.clone()));
                    }
                }
                Object::Node(node) => {
                    to.push(Watcher::Scheduler);
                    if self.kubelets.contains_key(&*node.metadata.name) {
                        to.push(Watcher::Kubelet(node.metadata.name.clone()));
                    }
                }
                Object::Service(_) | Object::EndpointSlice(_) => to.push(Watcher::KubeProxy),
                _ => {}
            }
            interested.extend(self.controllers.watchers_of(&change));
            interested.shuffle(&mut self.controller_order);
            // The controllers sharing the view get the event in one delivery, where the
            // first of them would have had it.
            sharing.clear();
            sharing.extend(interested.iter().copied().filter(|i| self.controllers.shares_view(*i)));
            let mut shared = (!sharing.is_empty()).then(|| match self.delivery_orders.get(&sharing[..]) {
                Some(order) => order.clone(),
                None => {
                    let order: Rc<[usize]> = sharing.as_slice().into();
                    if self.delivery_orders.len() < KEPT_DELIVERY_ORDERS {
                        self.delivery_orders.insert(order.clone());
                    }
                    order
                }
            });
            for i in interested.drain(..) {
                if !self.controllers.shares_view(i) {
                    to.push(Watcher::Controller(i));
                } else if let Some(batch) = shared.take() {
                    to.push(Watcher::Controllers(batch));
                }
            }
            for watcher in to.drain(..) {
                // A partitioned kubelet's watch is broken; it relists when the network heals.
                if matches!(&watcher, Watcher::Kubelet(node) if self.partitioned.contains(node.as_str())) {
                    continue;
                }
                let when = match &watcher {
                    // A watch delivers in order: when the delay shrinks, later events
                    // still wait for the earlier ones.
                    Watcher::Controller(i) => {
                        let lag = self.watch_delays.get(i).copied().unwrap_or(0);
                        let last = self.last_delivery.entry(*i).or_insert(SimTime::ZERO);
                        *last = at.plus_ms(lag).max(*last);
                        *last
                    }
                    _ => at,
                };
                self.queue.push(when, trace_id, SimEvent::Deliver { to: watcher, change: change.clone() });
            }
        }
    }

    /// Runs every event due up to and including `until`, then sets the clock there
    /// (unless the event limit stops it first).
    pub fn run_until(&mut self, until: SimTime) {
        while !self.halted()
            && let Some(next) = self.queue.pop_due(until)
        {
            self.pace(next.at);
            self.now = next.at;
            self.dispatch(next.cause, next.event);
        }
        if !self.halted() {
            self.pace(until);
            self.now = self.now.max(until);
        }
    }

    /// The writes accepted since the last call, in order, each with the id of its trace
    /// event (empty unless [`ClusterConfig::log_changes`] is set).
    pub fn take_changes(&mut self) -> Vec<(u64, Change)> {
        self.change_log.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Sets a pacer, called with each event's time before it runs: a replay on real
    /// containers waits there for the wall clock (and reads the cluster's state).
    pub fn set_pacer(&mut self, pacer: Pacer) {
        self.pacer = Some(pacer);
    }

    /// Sets where `curl` really sends requests.
    pub fn set_transport(&mut self, transport: Box<dyn Transport>) {
        self.transport = Some(transport);
    }

    fn pace(&mut self, at: SimTime) {
        if let Some(mut pacer) = self.pacer.take() {
            pacer(self, at);
            self.pacer = Some(pacer);
        }
    }

    /// True once the run has processed `event_limit` events: time no longer moves.
    pub fn halted(&self) -> bool {
        self.events_processed >= self.config.event_limit || self.stop.get()
    }

    /// A switch that stops the clock when set (an observer that has seen enough, such
    /// as a broken invariant, sets it); [`Cluster::halted`] then says so.
    pub fn stop_switch(&self) -> Rc<std::cell::Cell<bool>> {
        self.stop.clone()
    }

    /// Lets `ms` of simulated time pass.
    pub fn advance_ms(&mut self, ms: u64) {
        self.run_until(self.now.plus_ms(ms));
    }

    /// Runs until `done` holds (checked after each event) or `max_ms` passed; returns
    /// whether it held.
    pub fn run_while(&mut self, max_ms: u64, mut done: impl FnMut(&Cluster) -> bool) -> bool {
        let deadline = self.now.plus_ms(max_ms);
        loop {
            if done(self) {
                return true;
            }
            if self.halted() {
                return false;
            }
            match self.queue.pop_due(deadline) {
                Some(next) => {
                    self.pace(next.at);
                    self.now = next.at;
                    self.dispatch(next.cause, next.event);
                }
                None => {
                    self.pace(deadline);
                    self.now = deadline;
                    return done(self);
                }
            }
        }
    }

    /// The scheduler's work so far.
    pub fn scheduler_stats(&self) -> scheduler::Stats {
        self.scheduler.stats()
    }

    /// How many queued events the loop has processed.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    fn dispatch(&mut self, cause: u64, event: SimEvent) {
        self.events_processed += 1;
        let mut changes = Vec::new();
        let Cluster {
            api,
            trace,
            queue,
            events,
            scheduler,
            controllers,
            proxy,
            kubelets,
            now,
            silenced,
            partitioned,
            ..
        } = self;
        // A context for `component`, borrowing the shared machinery afresh each time.
        macro_rules! ctx {
            ($component:expr) => {
                Ctx {
                    now: *now,
                    cause,
                    component: $component,
                    api: &mut *api,
                    trace: &mut *trace,
                    queue: &mut *queue,
                    changes: &mut changes,
                    events: &mut *events,
                    silenced: &*silenced,
                    partitioned: &*partitioned,
                }
            };
        }
        match event {
            SimEvent::Deliver { to: Watcher::Scheduler, change } => {
                scheduler.on_change(&mut ctx!("default-scheduler"), &change)
            }
            SimEvent::Scheduler(timer) => scheduler.on_timer(&mut ctx!("default-scheduler"), timer),
            SimEvent::Deliver { to: Watcher::KubeProxy, change } => proxy.on_change(&change),
            SimEvent::Deliver { to: Watcher::Controller(index), change } => {
                let name = controllers.name(index);
                controllers.on_change(&mut ctx!(name), index, &change)
            }
            SimEvent::Deliver { to: Watcher::Controllers(indexes), change } => {
                controllers.observe(&change);
                for &index in indexes.iter() {
                    let name = controllers.name(index);
                    controllers.on_change(&mut ctx!(name), index, &change)
                }
            }
            SimEvent::Controller { index, timer } => {
                let name = controllers.name(index);
                controllers.on_timer(&mut ctx!(name), index, timer)
            }
            SimEvent::Deliver { to: Watcher::Kubelet(node), change } => {
                if let Some(k) = kubelets.get_mut(node.as_str()) {
                    let name = k.component();
                    k.on_change(&mut ctx!(&name), &change);
                }
            }
            SimEvent::Kubelet { node, boot, timer } => {
                if let Some(k) = kubelets.get_mut(node.as_str()) {
                    let name = k.component();
                    k.on_timer(&mut ctx!(&name), boot, timer);
                }
            }
        }
        self.route(changes);
        #[cfg(debug_assertions)]
        if self.config.check_invariants {
            self.check_invariants();
        }
    }

    /// Debug builds check every invariant after every event and record each new
    /// violation, with the trace event after which it appeared (tests assert there are
    /// none; a user can cause some on purpose, e.g. by scaling a Deployment's ReplicaSet).
    #[cfg(debug_assertions)]
    fn check_invariants(&mut self) {
        for v in crate::invariants::check(&self.api) {
            if !self.violations.iter().any(|(_, seen)| *seen == v) {
                let last = self.trace.last_id();
                self.violations.push((last, v));
            }
        }
    }

    /// Invariant violations seen so far (debug builds check after every event), each
    /// with the trace id of the event after which it appeared.
    pub fn violations(&self) -> &[(u64, crate::invariants::Violation)] {
        &self.violations
    }

    /// Powers a node off: its kubelet and containers stop, nothing is reported.
    pub fn crash_node(&mut self, node: &str) -> Result<u64, String> {
        if !self.kubelets.contains_key(node) {
            return Err(unknown_node(node, self.node_names()));
        }
        let kubelet = self.kubelets.get_mut(node).expect("checked above");
        if kubelet.is_down() {
            return Err(format!("node {node} is already down"));
        }
        kubelet.crash();
        // A restarted kubelet is a new process, with a new event recorder.
        self.events.forget(&kubelet.component());
        let id = self.record_input("crash-node", &format!("Node {node}"), &format!("crash node {node}"));
        self.silenced.insert(node.to_string(), id);
        Ok(id)
    }

    /// Powers a node back on: a fresh kubelet boots and relists its pods.
    pub fn recover_node(&mut self, node: &str) -> Result<u64, String> {
        if !self.kubelets.get(node).ok_or_else(|| unknown_node(node, self.node_names()))?.is_down() {
            return Err(format!("node {node} is not down"));
        }
        let id = self.record_input("recover-node", &format!("Node {node}"), &format!("recover node {node}"));
        self.silenced.remove(node);
        let component = format!("kubelet/{node}");
        let mut kubelet = self.kubelets.remove(node).expect("checked above");
        self.with_ctx(&component, id, |ctx| kubelet.power_on(ctx));
        self.kubelets.insert(node.to_string(), kubelet);
        // The fresh kubelet lists what it watches before watching again.
        let at = self.now.plus_ms(self.config.watch_latency_ms);
        let relist: Vec<Change> = self
            .kubelet_list(node)
            .map(|o| Change { type_: crate::apiserver::ChangeType::Added, object: o.clone() })
            .collect();
        for change in relist {
            // After the Boot timer (queued first at `now`), so the node registers first.
            self.queue.push(at, id, SimEvent::Deliver { to: Watcher::Kubelet(node.into()), change });
        }
        Ok(id)
    }

    /// What a kubelet lists before it watches: its Node, then the pods bound to it
    /// (found by the apiserver's index, as upstream's watch cache finds them: 500 nodes
    /// relisting at once must not each read the whole store).
    fn kubelet_list(&self, node: &str) -> impl Iterator<Item = &Rc<Object>> {
        self.api.get(&ObjKey::new(Kind::Node, "", node)).into_iter().chain(self.api.pods_on(node))
    }

    /// Cuts a node off the network: its kubelet can no longer reach the apiserver (no
    /// heartbeats, no status, no watch), its pods can no longer be reached, but it keeps
    /// running them.
    pub fn partition_node(&mut self, node: &str) -> Result<u64, String> {
        if self.kubelets.get(node).ok_or_else(|| unknown_node(node, self.node_names()))?.is_down() {
            return Err(format!("node {node} is down"));
        }
        if self.partitioned.contains(node) {
            return Err(format!("node {node} is already partitioned"));
        }
        self.kubelets.get_mut(node).expect("checked above").set_partitioned(true);
        let id = self.record_input("partition-node", &format!("Node {node}"), &format!("partition node {node}"));
        self.partitioned.insert(node.to_string());
        self.silenced.insert(node.to_string(), id);
        Ok(id)
    }

    /// Reconnects a partitioned node. Its kubelet relists what it watches, as a client's
    /// reflector does after a broken watch: it learns of the pods deleted meanwhile.
    pub fn heal_node(&mut self, node: &str) -> Result<u64, String> {
        if !self.kubelets.contains_key(node) {
            return Err(unknown_node(node, self.node_names()));
        }
        if !self.partitioned.remove(node) {
            return Err(format!("node {node} is not partitioned"));
        }
        self.kubelets.get_mut(node).expect("checked above").set_partitioned(false);
        let id = self.record_input("heal-node", &format!("Node {node}"), &format!("heal node {node}"));
        self.silenced.remove(node);
        let current: Vec<Rc<Object>> = self.kubelet_list(node).cloned().collect();
        let gone: Vec<Rc<Object>> = self
            .kubelets
            .get(node)
            .expect("checked above")
            .cached_pods()
            .filter(|cached| self.api.get(&cached.key()).is_none_or(|now| now.meta().uid != cached.meta().uid))
            .cloned()
            .collect();
        let at = self.now.plus_ms(self.config.watch_latency_ms);
        let deleted = gone.into_iter().map(|object| Change { type_: crate::apiserver::ChangeType::Deleted, object });
        let modified =
            current.into_iter().map(|object| Change { type_: crate::apiserver::ChangeType::Modified, object });
        for change in deleted.chain(modified) {
            self.queue.push(at, id, SimEvent::Deliver { to: Watcher::Kubelet(node.into()), change });
        }
        Ok(id)
    }

    /// Injects a fault into the controller named `controller` (reconciler testing).
    pub fn inject_controller_fault(&mut self, controller: &str, fault: &ControllerFault) -> Result<u64, String> {
        let index = self.controller_index(controller)?;
        let id = self.record_input("controller-fault", "", &format!("{controller}: {fault:?}"));
        // Played as the controller's next event, where it has its context.
        let timer = controllers::manager::Timer::Fault(fault.clone());
        self.queue.push(self.now, id, SimEvent::Controller { index, timer });
        Ok(id)
    }

    /// Delays every watch event to the controller named `controller` by `ms` more (its
    /// cache goes stale); 0 ends it.
    pub fn set_watch_delay(&mut self, controller: &str, ms: u64) -> Result<(), String> {
        let index = self.controller_index(controller)?;
        self.record_input("controller-fault", "", &format!("{controller}: watch delay {ms} ms"));
        // A lagging controller needs a view of its own.
        self.controllers.detach_view(index);
        if ms == 0 {
            self.watch_delays.remove(&index);
        } else {
            self.watch_delays.insert(index, ms);
        }
        Ok(())
    }

    /// Adds a controller beside the built-in ones (a user reconciler with its own name).
    pub fn add_controller(&mut self, make: Factory) {
        self.controllers.register(make);
    }

    /// Replaces the controller named `controller` with what `make` builds.
    pub fn replace_controller(&mut self, controller: &str, make: Factory) -> Result<(), String> {
        let index = self.controller_index(controller)?;
        self.controllers.replace(index, make);
        Ok(())
    }

    /// Updates controllers sent without a resourceVersion precondition: (controller, object).
    pub fn unconditional_updates(&self) -> &[(String, String)] {
        self.controllers.unconditional_updates()
    }

    /// Writes by controllers to objects owned by something else than what they were
    /// reconciling: (controller, object).
    pub fn foreign_writes(&self) -> &[(String, String)] {
        self.controllers.foreign_writes()
    }

    fn controller_index(&self, name: &str) -> Result<usize, String> {
        self.controllers.index_of(name).ok_or_else(|| format!("no controller named {name:?}"))
    }

    /// Whether requests can reach `node` (it runs and is not partitioned).
    pub fn reachable(&self, node: &str) -> bool {
        self.kubelets.get(node).is_some_and(|k| !k.is_down()) && !self.partitioned.contains(node)
    }

    /// Kills a pod's container process (a fault); the kubelet restarts it per policy.
    pub fn kill_container(&mut self, namespace: &str, pod: &str, container: Option<&str>) -> Result<String, String> {
        let key = ObjKey::new(Kind::Pod, namespace, pod);
        let obj = self.api.get(&key).ok_or_else(|| format!("pods \"{pod}\" not found"))?;
        let node = obj
            .as_pod()
            .and_then(|p| p.spec.node_name.as_ref().map(|n| n.to_string()))
            .ok_or_else(|| format!("pod {pod} is not scheduled to a node yet"))?;
        let id = self.record_input(
            "kill-container",
            &key.to_string(),
            &format!("kill pod {pod} {}", container.unwrap_or("")),
        );
        let component = format!("kubelet/{node}");
        let mut kubelet = self.kubelets.remove(&node).ok_or_else(|| format!("node {node} has no kubelet"))?;
        let result = if kubelet.is_down() {
            Err(format!("node {node} is down"))
        } else {
            self.with_ctx(&component, id, |ctx| kubelet.kill_container(ctx, &key, container))
        };
        self.kubelets.insert(node, kubelet);
        result
    }
}

/// The controller manager's reconcilers, in a fixed order (deliveries of one change are
/// then ordered from the seed).
fn default_controllers() -> ControllerManager {
    let mut manager = ControllerManager::default();
    manager.register(Box::new(|| Box::new(DeploymentController)));
    manager.register(Box::new(|| Box::new(ReplicaSetController::default())));
    manager.register(Box::new(|| Box::new(GarbageCollector::default())));
    manager.register(Box::new(|| Box::new(PodGc::default())));
    manager.register(Box::new(|| Box::<EndpointsController>::default()));
    manager.register(Box::new(|| Box::new(NodeLifecycle::default())));
    manager.register(Box::new(|| Box::new(TaintEviction)));
    manager
}

fn unknown_node<'a>(node: &str, known: impl Iterator<Item = &'a String>) -> String {
    let known: Vec<&str> = known.map(String::as_str).collect();
    let hint = crate::api::decode::closest(node, &known).map(|n| format!("; did you mean {n}?")).unwrap_or_default();
    format!("nodes \"{node}\" not found (nodes: {}){hint}", known.join(", "))
}
