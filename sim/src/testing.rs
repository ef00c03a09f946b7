//! Property-test a reconciler: run it in a simulated cluster under generated fault
//! schedules, check named invariants after every event, and, when one breaks, get the
//! schedule shrunk by proptest to a minimal one, printed as a timeline with the causal
//! chain of the write that broke it, and as a scenario file.
//!
//! ```no_run
//! use kubesim::testing::{Harness, Invariant};
//! use proptest::prelude::*;
//!
//! let harness = Harness::new("replicaset-controller")
//!     .workload(&["create deployment web --image=nginx:1.27 --replicas=3"]);
//! proptest!(|(schedule in harness.schedules())| {
//!     if let Err(failure) = harness.run(&schedule) {
//!         prop_assert!(false, "{failure}");
//!     }
//! });
//! ```
//!
//! Faults are steps that shrinking can delete; the simulator's seed is fixed per
//! harness, not part of the input, so a shrunk schedule replays exactly.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::rc::Rc;

use proptest::prelude::*;

use crate::api::{Kind, ObjKey, Object};
use crate::cluster::{Cluster, ClusterConfig};
use crate::controllers::manager::ControllerFault;
use crate::controllers::reconciler::Reconciler;
use crate::engine::SimTime;

/// One step of a fault schedule. Nodes are numbered from 1; pods by their position among
/// the pods existing when the step runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Let time pass (ms).
    Advance(u64),
    /// Power a node off.
    CrashNode(usize),
    /// Power it back on.
    RecoverNode(usize),
    /// Kill the container of the n-th pod.
    KillContainer(usize),
    /// Cut a node off the network.
    Partition(usize),
    /// Reconnect it.
    Heal(usize),
    /// The controller's watch lags by this many ms (0 ends it): a stale cache.
    WatchDelay(u64),
    /// Its next n watch events are lost, then it relists.
    DropEvents(u32),
    /// It crashes after its next k writes and restarts with an empty cache.
    CrashAfterWrites(u32),
    /// Its next n updates meet 409 Conflict.
    Conflicts(u32),
    /// Remember its view now…
    Bookmark,
    /// …and later jump back to it.
    TimeTravel,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Advance(ms) => write!(f, "advance {}", SimTime(*ms)),
            Fault::CrashNode(n) => write!(f, "crash node node-{n}"),
            Fault::RecoverNode(n) => write!(f, "recover node node-{n}"),
            Fault::KillContainer(i) => write!(f, "kill the container of pod #{i}"),
            Fault::Partition(n) => write!(f, "partition node node-{n}"),
            Fault::Heal(n) => write!(f, "heal node node-{n}"),
            Fault::WatchDelay(ms) => write!(f, "controller watch delay {ms} ms"),
            Fault::DropEvents(n) => write!(f, "controller loses its next {n} watch events"),
            Fault::CrashAfterWrites(k) => write!(f, "controller crashes after {k} more writes"),
            Fault::Conflicts(n) => write!(f, "apiserver answers the controller's next {n} updates with 409"),
            Fault::Bookmark => write!(f, "controller view bookmarked"),
            Fault::TimeTravel => write!(f, "controller view travels back to the bookmark"),
        }
    }
}

/// When an invariant must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// After every event.
    Always,
    /// After the faults end and everything is healed, within this many ms.
    Eventually(u64),
    /// At least once in the run (proof that the run was not vacuous).
    Sometimes,
}

/// A check of the cluster: `Err` says what is wrong.
pub type Check = Rc<dyn Fn(&Cluster) -> Result<(), String>>;

/// A named property of a run.
#[derive(Clone)]
pub struct Invariant {
    /// Its name, as failures report it.
    pub name: String,
    /// When it must hold.
    pub when: When,
    check: Check,
}

impl Invariant {
    /// Holds after every event.
    pub fn always(name: &str, check: impl Fn(&Cluster) -> Result<(), String> + 'static) -> Invariant {
        Invariant { name: name.into(), when: When::Always, check: Rc::new(check) }
    }

    /// Holds within `within_ms` after the faults end and everything is healed.
    pub fn eventually(
        name: &str,
        within_ms: u64,
        check: impl Fn(&Cluster) -> Result<(), String> + 'static,
    ) -> Invariant {
        Invariant { name: name.into(), when: When::Eventually(within_ms), check: Rc::new(check) }
    }

    /// Holds at least once.
    pub fn sometimes(name: &str, check: impl Fn(&Cluster) -> Result<(), String> + 'static) -> Invariant {
        Invariant { name: name.into(), when: When::Sometimes, check: Rc::new(check) }
    }
}

/// Makes the reconciler under test (again after each simulated crash).
pub type Make = Rc<dyn Fn() -> Box<dyn Reconciler>>;

/// A reconciler, a workload, invariants, and the runs of fault schedules against them.
#[derive(Clone)]
pub struct Harness {
    controller: String,
    make: Option<Make>,
    /// Whether `make`'s reconciler runs beside the built-ins rather than in place of one.
    beside: bool,
    nodes: usize,
    seed: u64,
    workload: Vec<Setup>,
    invariants: Vec<Invariant>,
    /// Events one run may process: a reconciler that loops forever is reported, not hung.
    max_events: u64,
    max_faults: usize,
}

/// One step of the workload.
#[derive(Clone)]
enum Setup {
    /// A kubectl line, without `kubectl`.
    Kubectl(String),
    /// A manifest to apply.
    Manifest(String),
}

/// Why a run failed.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The invariant that broke (or `event limit`).
    pub invariant: String,
    /// What was wrong.
    pub detail: String,
    /// The schedule as it ran, with simulated times, and the causal chain of the write
    /// after which the invariant broke.
    pub timeline: String,
    /// The run as a scenario file (`kubesim run` replays it when the controller is a
    /// built-in one).
    pub scenario: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invariant {} broken: {}", self.invariant, self.detail)?;
        write!(f, "{}", self.timeline)
    }
}

/// What a passing run did, for figures.
#[derive(Debug, Clone, Copy)]
pub struct Passed {
    /// Events processed.
    pub events: u64,
}

impl Harness {
    /// A harness for the built-in controller `controller` (`replicaset-controller`,
    /// `deployment-controller`…), on 3 nodes with seed 0, with the built-in invariants.
    pub fn new(controller: &str) -> Harness {
        Harness {
            controller: controller.into(),
            make: None,
            beside: false,
            nodes: 3,
            seed: 0,
            workload: Vec::new(),
            invariants: builtin_invariants(controller),
            max_events: 300_000,
            max_faults: 8,
        }
    }

    /// Tests `make`'s reconciler in place of the built-in controller of the same name.
    pub fn replacing(mut self, make: impl Fn() -> Box<dyn Reconciler> + 'static) -> Harness {
        self.make = Some(Rc::new(make));
        self.beside = false;
        self
    }

    /// Tests `make`'s reconciler beside the built-in controllers; its name is the one
    /// this harness was made with, and the controller faults strike it.
    pub fn beside(mut self, make: impl Fn() -> Box<dyn Reconciler> + 'static) -> Harness {
        self.make = Some(Rc::new(make));
        self.beside = true;
        self
    }

    /// Puts the reconciler under test into `cluster`.
    fn install(&self, cluster: &mut Cluster) -> Result<(), String> {
        let Some(make) = self.make.clone() else { return Ok(()) };
        let factory: crate::controllers::manager::Factory = Box::new(move || make());
        if self.beside {
            cluster.add_controller(factory);
            Ok(())
        } else {
            cluster.replace_controller(&self.controller, factory)
        }
    }

    /// The kubectl lines (without `kubectl`) that set up the workload.
    pub fn workload(mut self, lines: &[&str]) -> Harness {
        self.workload.extend(lines.iter().map(|l| Setup::Kubectl(l.to_string())));
        self
    }

    /// A harness for `controller` whose workload is a scenario's commands (its `kubectl`
    /// and `apply` steps, in order) and whose desired state (`desired:`, if any) must
    /// hold once the faults are healed.
    pub fn from_scenario(scenario: &crate::scenario::Scenario, controller: &str) -> Harness {
        use crate::scenario::format::{Nodes, Step};
        let nodes = match &scenario.header.cluster.nodes {
            Nodes::Count(n) => *n,
            Nodes::Shaped(shapes) => shapes.len(),
        };
        let mut harness = Harness::new(controller).nodes(nodes).seed(scenario.header.seed);
        for (_, step) in &scenario.steps {
            harness = match step {
                Step::Kubectl(line) => harness.workload(&[line]),
                Step::Apply(inline) if inline.contains('\n') => harness.manifest(inline),
                Step::Apply(path) => match scenario.manifests.get(path) {
                    Some(text) => harness.manifest(text),
                    None => harness,
                },
                _ => harness,
            };
        }
        // Requests cannot be made from an invariant (it only looks): `curl` conditions wait.
        for (_, check) in scenario.desired.iter().filter(|(_, c)| c.curl.is_none()) {
            let check = check.clone();
            let invariant = Invariant::eventually(&format!("desired: {}", check.describe()), 600_000, move |c| {
                let checked = check.check_state(c);
                if checked.passed { Ok(()) } else { Err(format!("saw {}", checked.seen)) }
            });
            harness = harness.invariant(invariant);
        }
        harness
    }

    /// A manifest to `kubectl apply` as part of the workload (after the lines before it).
    pub fn manifest(mut self, yaml: &str) -> Harness {
        self.workload.push(Setup::Manifest(yaml.to_string()));
        self
    }

    /// Adds an invariant.
    pub fn invariant(mut self, invariant: Invariant) -> Harness {
        self.invariants.push(invariant);
        self
    }

    /// The number of nodes.
    pub fn nodes(mut self, nodes: usize) -> Harness {
        self.nodes = nodes;
        self
    }

    /// The seed (fixed for every schedule).
    pub fn seed(mut self, seed: u64) -> Harness {
        self.seed = seed;
        self
    }

    /// Generated fault schedules: up to 8 steps, each shrinkable (fewer steps, smaller
    /// numbers).
    pub fn schedules(&self) -> impl Strategy<Value = Vec<Fault>> + use<> {
        let nodes = self.nodes.max(1);
        let fault = prop_oneof![
            3 => (1u64..=600).prop_map(|s| Fault::Advance(s * 1_000)),
            1 => (1..=nodes).prop_map(Fault::CrashNode),
            1 => (1..=nodes).prop_map(Fault::RecoverNode),
            1 => (0usize..6).prop_map(Fault::KillContainer),
            1 => (1..=nodes).prop_map(Fault::Partition),
            1 => (1..=nodes).prop_map(Fault::Heal),
            1 => (0u64..=3_000).prop_map(Fault::WatchDelay),
            1 => (1u32..=5).prop_map(Fault::DropEvents),
            1 => (0u32..=3).prop_map(Fault::CrashAfterWrites),
            1 => (1u32..=3).prop_map(Fault::Conflicts),
            1 => Just(Fault::Bookmark),
            1 => Just(Fault::TimeTravel),
        ];
        proptest::collection::vec(fault, 0..=self.max_faults)
    }

    /// Runs the workload, then `schedule`, then heals everything and lets the cluster
    /// settle; checks every invariant as it should be. A reconciler that panics is a
    /// failure like any other, with the schedule that made it panic.
    pub fn run(&self, schedule: &[Fault]) -> Result<Passed, Failure> {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run_checked(schedule)));
        outcome.unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic without a message".into());
            let timeline: String = schedule.iter().map(|f| format!("  {f}\n")).collect();
            Err(Failure {
                invariant: "no panic".into(),
                detail: format!("the run panicked: {message}"),
                timeline,
                scenario: String::new(),
            })
        })
    }

    fn run_checked(&self, schedule: &[Fault]) -> Result<Passed, Failure> {
        let config =
            ClusterConfig { nodes: self.nodes, seed: self.seed, event_limit: self.max_events, ..Default::default() };
        let mut cluster = Cluster::new(config);
        self.install(&mut cluster).map_err(|e| self.setup_failure(e))?;
        let state = Rc::new(RefCell::new(Watch::default()));
        let watching: Vec<Invariant> =
            self.invariants.iter().filter(|i| !matches!(i.when, When::Eventually(_))).cloned().collect();
        let (observed, stop) = (state.clone(), cluster.stop_switch());
        cluster.set_pacer(Box::new(move |c: &Cluster, _at: SimTime| {
            let mut watch = observed.borrow_mut();
            watch.observe(c, &watching);
            // A broken invariant ends the run there: what follows cannot unbreak it.
            stop.set(watch.broken.is_some());
        }));
        let mut run = Run { timeline: String::new(), steps: Vec::new() };
        for setup in &self.workload {
            let (out, line, step) = match setup {
                Setup::Kubectl(line) => {
                    (cluster.kubectl(&format!("kubectl {line}")), format!("kubectl {line}"), format!("kubectl: {line}"))
                }
                Setup::Manifest(yaml) => {
                    let indented: String = yaml.lines().map(|l| format!("\n      {l}")).collect();
                    let out = cluster.kubectl_with_stdin("kubectl apply -f -", Some(yaml));
                    (out, "kubectl apply -f - (a manifest)".to_string(), format!("apply: |{indented}"))
                }
            };
            let _ = writeln!(run.timeline, "  {}  $ {line}", cluster.now());
            if out.code != 0 {
                return Err(self.setup_failure(format!("{line}: {}", out.stderr.trim())));
            }
            run.steps.push(step);
            cluster.advance_ms(1_000);
            run.steps.push("advance: 1s".into());
        }
        for fault in schedule {
            let _ = writeln!(run.timeline, "  {}  {fault}", cluster.now());
            run.steps.extend(self.apply(&mut cluster, fault));
            if let Some(failure) = self.failed(&cluster, &state, &run) {
                return Err(failure);
            }
        }
        // Quiescence: every fault healed, then time for the cluster to settle.
        let _ = writeln!(run.timeline, "  {}  heal everything", cluster.now());
        run.steps.extend(self.heal_everything(&mut cluster));
        let settle = self.invariants.iter().filter_map(|i| match i.when {
            When::Eventually(ms) => Some(ms),
            _ => None,
        });
        let settle = settle.max().unwrap_or(0);
        let eventually: Vec<&Invariant> =
            self.invariants.iter().filter(|i| matches!(i.when, When::Eventually(_))).collect();
        let since = cluster.now();
        cluster.run_while(settle, |c| eventually.iter().all(|i| (i.check)(c).is_ok()));
        run.steps.push(format!("advance: {}ms", cluster.now().0 - since.0));
        if let Some(failure) = self.failed(&cluster, &state, &run) {
            return Err(failure);
        }
        for invariant in eventually {
            if let Err(detail) = (invariant.check)(&cluster) {
                let _ = writeln!(run.timeline, "  {}  still broken after {}", cluster.now(), SimTime(settle));
                return Err(self.failure(&invariant.name, detail, &run, None, &cluster));
            }
        }
        let watch = state.borrow();
        for invariant in self.invariants.iter().filter(|i| i.when == When::Sometimes) {
            if !watch.held.contains_key(&invariant.name) {
                let detail = "never held: the run did not exercise what it should".to_string();
                return Err(self.failure(&invariant.name, detail, &run, None, &cluster));
            }
        }
        Ok(Passed { events: cluster.events_processed() })
    }

    /// Applies one fault; returns it as a scenario step, unless it did not apply (a
    /// node already down, say), which a fault injector would skip too.
    fn apply(&self, cluster: &mut Cluster, fault: &Fault) -> Option<String> {
        let node = |n: &usize| format!("node-{n}");
        let controller = self.controller.as_str();
        let step = match fault {
            Fault::Advance(ms) => {
                cluster.advance_ms(*ms);
                return Some(format!("advance: {ms}ms"));
            }
            Fault::CrashNode(n) => cluster.crash_node(&node(n)).map(|_| format!("crash: {}", node(n))),
            Fault::RecoverNode(n) => cluster.recover_node(&node(n)).map(|_| format!("recover: {}", node(n))),
            Fault::Partition(n) => cluster.partition_node(&node(n)).map(|_| format!("partition: {}", node(n))),
            Fault::Heal(n) => cluster.heal_node(&node(n)).map(|_| format!("heal: {}", node(n))),
            Fault::KillContainer(i) => {
                let pod = cluster.api().list(Kind::Pod, Some("default")).nth(*i).map(|p| p.meta().name.clone());
                let pod = pod.ok_or_else(|| "no such pod".to_string());
                pod.and_then(|pod| cluster.kill_container("default", &pod, None).map(|_| format!("kill: {pod}")))
            }
            Fault::WatchDelay(ms) => cluster
                .set_watch_delay(controller, *ms)
                .map(|_| format!("controller_fault: {controller} watch-delay {ms}")),
            other => {
                let (fault, word) = match other {
                    Fault::DropEvents(n) => (ControllerFault::DropEvents(*n), format!("drop-events {n}")),
                    Fault::CrashAfterWrites(k) => {
                        (ControllerFault::CrashAfterWrites(*k), format!("crash-after-writes {k}"))
                    }
                    Fault::Conflicts(n) => (ControllerFault::Conflicts(*n), format!("conflicts {n}")),
                    Fault::Bookmark => (ControllerFault::Bookmark, "bookmark".to_string()),
                    _ => (ControllerFault::TimeTravel, "time-travel".to_string()),
                };
                cluster
                    .inject_controller_fault(controller, &fault)
                    .map(|_| format!("controller_fault: {controller} {word}"))
            }
        };
        step.ok()
    }

    /// Ends every fault; returns the steps that did it.
    fn heal_everything(&self, cluster: &mut Cluster) -> Vec<String> {
        let mut steps = Vec::new();
        let names: Vec<String> = cluster.node_names().cloned().collect();
        for name in &names {
            if cluster.recover_node(name).is_ok() {
                steps.push(format!("recover: {name}"));
            }
            if cluster.heal_node(name).is_ok() {
                steps.push(format!("heal: {name}"));
            }
        }
        let controller = &self.controller;
        let _ = cluster.set_watch_delay(controller, 0);
        let _ = cluster.inject_controller_fault(controller, &ControllerFault::Heal);
        steps.push(format!("controller_fault: {controller} heal"));
        steps
    }

    /// The first always-invariant violation, or the event limit, as a failure.
    fn failed(&self, cluster: &Cluster, state: &Rc<RefCell<Watch>>, run: &Run) -> Option<Failure> {
        if cluster.halted() && state.borrow().broken.is_none() {
            let detail = format!(
                "the run processed {} events at {} without settling: the reconciler loops forever",
                cluster.events_processed(),
                cluster.now()
            );
            return Some(self.failure("event limit", detail, run, None, cluster));
        }
        let watch = state.borrow();
        let (name, detail, at, trace_id) = watch.broken.clone()?;
        let mut run = run.clone();
        let _ = writeln!(run.timeline, "  {at}  broken");
        Some(self.failure(&name, detail, &run, Some(trace_id), cluster))
    }

    fn failure(&self, invariant: &str, detail: String, run: &Run, trace_id: Option<u64>, cluster: &Cluster) -> Failure {
        let mut timeline = run.timeline.clone();
        if let Some(id) = trace_id {
            let _ = writeln!(timeline, "the write after which it broke, and its causes:");
            for event in cluster.trace().chain(id) {
                let _ = writeln!(timeline, "    {}", event.line());
            }
        }
        let mut steps = run.steps.clone();
        let said = format!("invariant {invariant} broke here: {detail}").replace('"', "'");
        steps.push(format!("say: \"{said}\""));
        Failure { invariant: invariant.into(), detail, timeline, scenario: self.scenario(&steps) }
    }

    fn setup_failure(&self, detail: String) -> Failure {
        Failure { invariant: "setup".into(), detail, timeline: String::new(), scenario: String::new() }
    }

    /// Plays a scenario file (a failure's, say) with this harness's reconciler in its
    /// controller's place, and returns the narrated run: what `kubesim run` does for
    /// built-in controllers, for a reconciler the binary cannot load.
    pub fn replay(&self, scenario: &str) -> Result<String, String> {
        use crate::scenario::run::{RunOptions, Runner, cluster_config};
        let scenario = crate::scenario::parse("counterexample.yaml", scenario, |p| Err(format!("no file {p}")))
            .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))?;
        let options = RunOptions::default();
        let mut cluster = Cluster::new(cluster_config(&scenario, &options));
        self.install(&mut cluster)?;
        let mut runner = Runner::with_cluster(&scenario, &options, cluster);
        runner.tell(|_| {});
        Ok(runner.finish().0.transcript)
    }

    /// A run's steps as a scenario file.
    fn scenario(&self, steps: &[String]) -> String {
        let mut text = format!(
            "title: \"A counterexample for {}\"\nseed: {}\ncluster: {{nodes: {}}}\nsteps:\n",
            self.controller, self.seed, self.nodes
        );
        for step in steps {
            let _ = writeln!(text, "  - {step}");
        }
        text
    }
}

/// A run so far: its timeline, and its steps as a scenario would say them.
#[derive(Clone)]
struct Run {
    timeline: String,
    steps: Vec<String>,
}

/// What the per-event observer has seen.
#[derive(Default)]
struct Watch {
    /// The first always-invariant broken: name, detail, when, the trace event after it.
    broken: Option<(String, String, SimTime, u64)>,
    /// Sometimes-invariants that held, and when first.
    held: BTreeMap<String, SimTime>,
}

impl Watch {
    fn observe(&mut self, cluster: &Cluster, invariants: &[Invariant]) {
        if self.broken.is_some() {
            return;
        }
        for invariant in invariants {
            match invariant.when {
                When::Always => {
                    if let Err(detail) = (invariant.check)(cluster) {
                        let last = cluster.trace().last_id();
                        self.broken = Some((invariant.name.clone(), detail, cluster.now(), last));
                        return;
                    }
                }
                When::Sometimes => {
                    if !self.held.contains_key(&invariant.name) && (invariant.check)(cluster).is_ok() {
                        self.held.insert(invariant.name.clone(), cluster.now());
                    }
                }
                When::Eventually(_) => {}
            }
        }
    }
}

/// The invariants every harness checks.
fn builtin_invariants(controller: &str) -> Vec<Invariant> {
    let controller = controller.to_string();
    let writer = controller.clone();
    let mut list = vec![
        Invariant::always("safety invariants", |c| match crate::invariants::check(c.api()).first() {
            Some(v) => Err(v.to_string()),
            None => Ok(()),
        }),
        Invariant::always("updates carry resourceVersion preconditions", move |c| {
            match c.unconditional_updates().iter().find(|(who, _)| *who == controller) {
                Some((_, object)) => Err(format!("{object} was updated without a resourceVersion")),
                None => Ok(()),
            }
        }),
        Invariant::always("writes to owned objects only", move |c| {
            match c.foreign_writes().iter().find(|(who, _)| *who == writer) {
                Some((_, object)) => Err(format!("{object} belongs to another owner than what was reconciled")),
                None => Ok(()),
            }
        }),
        Invariant::always("no pod runs twice", no_pod_runs_twice),
        Invariant::eventually("converges once healed", 600_000, converged),
        Invariant::eventually("settled invariants", 600_000, |c| {
            match crate::invariants::check_settled(c.api()).first() {
                Some(v) => Err(v.to_string()),
                None => Ok(()),
            }
        }),
    ];
    // Counted once the run settles: the count only grows, so the end tells.
    list.push(Invariant::eventually("bounded churn", 0, bounded_churn));
    list
}

/// No two nodes run a pod of the same namespace and name at once.
fn no_pod_runs_twice(cluster: &Cluster) -> Result<(), String> {
    let mut seen: BTreeMap<&ObjKey, &str> = BTreeMap::new();
    for node in cluster.node_names() {
        let Some(kubelet) = cluster.kubelet(node) else { continue };
        for pod in kubelet.running_pods() {
            if let Some(other) = seen.insert(pod, node) {
                return Err(format!("{pod} runs on both {other} and {node}"));
            }
        }
    }
    Ok(())
}

/// Desired equals actual: every ReplicaSet has its replicas ready, every Deployment its
/// replicas available and updated.
fn converged(cluster: &Cluster) -> Result<(), String> {
    for obj in cluster.api().list(Kind::ReplicaSet, None) {
        let Object::ReplicaSet(rs) = &**obj else { continue };
        let want = rs.spec.replicas.unwrap_or(1);
        let live = cluster
            .api()
            .list(Kind::Pod, Some(&rs.metadata.namespace))
            .filter(|p| p.meta().deletion_timestamp.is_none())
            .filter(|p| p.meta().controller_ref().is_some_and(|r| r.uid == rs.metadata.uid))
            .count();
        if live != want as usize || rs.status.ready_replicas.unwrap_or(0) != want {
            return Err(format!(
                "ReplicaSet {} wants {want} pods, has {live} ({} ready)",
                rs.metadata.name,
                rs.status.ready_replicas.unwrap_or(0)
            ));
        }
    }
    for obj in cluster.api().list(Kind::Deployment, None) {
        let Object::Deployment(d) = &**obj else { continue };
        let want = d.spec.replicas.unwrap_or(1);
        let s = &d.status;
        if s.available_replicas.unwrap_or(0) != want
            || s.updated_replicas.unwrap_or(0) != want
            || s.replicas.unwrap_or(0) != want
        {
            return Err(format!("Deployment {} wants {want} replicas: status {:?}", d.metadata.name, s));
        }
    }
    Ok(())
}

/// Pods created stay within a bound: a few times what the workload asks for, plus what
/// faults can destroy. A reconciler acting on a stale view creates far more.
fn bounded_churn(cluster: &Cluster) -> Result<(), String> {
    let mut created = 0;
    cluster.trace().visit(|e| created += usize::from(e.action == "create" && e.object.starts_with("Pod ")));
    let wanted: i32 = cluster
        .api()
        .list(Kind::ReplicaSet, None)
        .filter_map(|o| if let Object::ReplicaSet(rs) = &**o { rs.spec.replicas } else { None })
        .sum();
    let bound = 4 * wanted.max(1) as usize + 20;
    if created > bound {
        return Err(format!("{created} pods created for {wanted} wanted (bound {bound})"));
    }
    Ok(())
}
