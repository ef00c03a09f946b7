//! The benchmark workloads: Deployments of many pods on many nodes, run until every pod
//! runs, then optionally rolled out to a new image or put through the loss of a tenth of
//! the nodes. The binary times them; the simulation itself never reads a clock.

use serde::{Deserialize, Serialize};

use crate::api::apps::Deployment;
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::MAX_PODS;
use crate::cluster::{Cluster, ClusterConfig};
use crate::engine::SimTime;

/// Replicas per Deployment: the `full` preset is 50 Deployments of 3,000.
pub const REPLICAS_PER_DEPLOYMENT: usize = 3_000;
/// kube-scheduler's scheduler_perf threshold at 5,000 nodes, in pods per second.
pub const SCHEDULER_PERF_PODS_PER_S: f64 = 810.0;
/// Heap a run needs per pod and per node, measured on the `medium` preset with margin:
/// used to refuse sizes this machine cannot hold before allocating anything.
const BYTES_PER_POD: u64 = 40 << 10;
const BYTES_PER_NODE: u64 = 64 << 10;
/// The most simulated time a phase may take before the benchmark gives up on it.
const PHASE_LIMIT_MS: u64 = 4 * 3_600_000;

/// What a benchmark does once its pods run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Then {
    /// Nothing more.
    Nothing,
    /// A rolling update of every Deployment to a new image.
    Rollout,
    /// Every tenth node crashes; once the Deployments have their pods back elsewhere,
    /// the nodes recover.
    NodeFailure,
}

/// What a benchmark runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// Nodes.
    pub nodes: usize,
    /// Pods, in Deployments of at most [`REPLICAS_PER_DEPLOYMENT`].
    pub pods: usize,
    /// What follows once they run.
    pub then: Then,
    /// Whether each Deployment has a Service in front of it (whose endpoints follow
    /// every pod).
    pub services: bool,
}

impl Workload {
    /// `pods` pods on `nodes` nodes, then `then`, without Services.
    pub const fn new(nodes: usize, pods: usize, then: Then) -> Workload {
        Workload { nodes, pods, then, services: false }
    }
}

/// A named benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// Its name on the command line.
    pub name: &'static str,
    /// What it runs.
    pub workload: Workload,
}

/// The named benchmarks.
pub const PRESETS: [Preset; 5] = [
    Preset { name: "small", workload: Workload::new(100, 3_000, Then::Nothing) },
    Preset { name: "medium", workload: Workload::new(1_000, 30_000, Then::Nothing) },
    Preset { name: "full", workload: Workload::new(5_000, 150_000, Then::Nothing) },
    Preset { name: "full-rollout", workload: Workload::new(5_000, 150_000, Then::Rollout) },
    Preset { name: "full-node-failure", workload: Workload::new(5_000, 150_000, Then::NodeFailure) },
];

/// The preset called `name`.
pub fn preset(name: &str) -> Option<Preset> {
    PRESETS.iter().copied().find(|p| p.name == name)
}

/// Checks that a run of `pods` pods on `nodes` nodes makes sense and fits in
/// `available` bytes of memory (the OS's estimate, when known), before anything is
/// allocated.
pub fn check_size(nodes: usize, pods: usize, available: Option<u64>) -> Result<(), String> {
    if nodes == 0 {
        return Err("--nodes must be at least 1: pods need nodes to run on".into());
    }
    if pods == 0 {
        return Err("--pods must be at least 1".into());
    }
    if pods > MAX_PODS {
        return Err(format!(
            "--pods {pods} is more than kubesim holds ({MAX_PODS}; Kubernetes' tested limit is 150000)"
        ));
    }
    let needed =
        (pods as u64).saturating_mul(BYTES_PER_POD).saturating_add((nodes as u64).saturating_mul(BYTES_PER_NODE));
    if let Some(available) = available
        && needed > available
    {
        return Err(format!(
            "{pods} pods on {nodes} nodes would need about {} MiB of memory and {} MiB are available; try fewer",
            needed >> 20,
            available >> 20
        ));
    }
    Ok(())
}

/// Memory the OS says is available (`MemAvailable` in `/proc/meminfo`), in bytes.
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kib| kib << 10)
}

/// The peak resident set size of this process (`VmHWM` in `/proc/self/status`), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One phase of a run: what it waited for, and how long that took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Phase {
    /// `start`, `rollout`, `node-failure` or `recovery`.
    pub name: String,
    /// Whether what it waited for happened within the limit.
    pub done: bool,
    /// Simulated time it took.
    #[serde(rename = "simulatedMs", serialize_with = "as_ms", deserialize_with = "from_ms")]
    pub simulated: SimTime,
    /// Events the loop processed in it.
    pub events: u64,
    /// Wall-clock seconds it took (zero when not timed).
    pub wall_s: f64,
}

/// What a benchmark run did. Everything but the wall-clock figures is a function of
/// the seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Nodes in the run.
    pub nodes: usize,
    /// Pods asked for.
    pub pods: usize,
    /// Whether each Deployment had a Service.
    pub services: bool,
    /// The phases, in order.
    pub phases: Vec<Phase>,
    /// Pods Running at the end.
    pub running: usize,
    /// Events the loop processed in all.
    pub events: u64,
    /// Pods bound by the scheduler.
    pub pods_scheduled: u64,
    /// Nodes the scheduler ran through its filters, over all attempts.
    pub nodes_filtered: u64,
    /// Trace lines written.
    pub trace_lines: usize,
    /// FNV-1a of the trace's lines: two runs with the same seed print the same.
    pub trace_hash: String,
}

/// A run with the figures only the machine can give.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timed {
    /// What the simulation did.
    pub report: Report,
    /// Wall-clock seconds for a bare event loop of as many events doing no work.
    pub baseline_s: f64,
    /// The process's peak resident memory, in KiB, as the OS reports it.
    pub peak_rss_kib: Option<u64>,
}

impl Timed {
    /// The figures, a few lines per phase.
    pub fn summary(&self) -> String {
        let r = &self.report;
        let mut out = String::new();
        for p in &r.phases {
            let per_s = |n: f64| if p.wall_s > 0.0 { n / p.wall_s } else { 0.0 };
            out += &format!(
                "  {:<13} {} in {} simulated, {:.3} s wall, {} events ({:.0}/s)\n",
                format!("{}:", p.name),
                if p.done { "done" } else { "NOT DONE" },
                p.simulated,
                p.wall_s,
                p.events,
                per_s(p.events as f64)
            );
        }
        let wall: f64 = r.phases.iter().map(|p| p.wall_s).sum();
        let start = &r.phases[0];
        let scheduled_per_s = if start.wall_s > 0.0 { r.pods as f64 / start.wall_s } else { 0.0 };
        let rss = self.peak_rss_kib.map_or_else(|| "unknown".to_string(), |k| format!("{:.0} MiB", k as f64 / 1024.0));
        out += &format!(
            "  pods running:       {}/{}\n  wall time:          {wall:.3} s\n  events processed:   {}\n  pods scheduled/s:   {scheduled_per_s:.0} (wall; {:.0}x scheduler_perf's {SCHEDULER_PERF_PODS_PER_S:.0})\n  nodes filtered/pod: {:.1}\n  trace lines:        {}\n  trace hash:         {}\n  peak RSS:           {rss}\n  bare event loop:    {:.3} s for as many events (kubesim/bare: {:.0}x)\n",
            r.running,
            r.pods,
            r.events,
            scheduled_per_s / SCHEDULER_PERF_PODS_PER_S,
            r.nodes_filtered as f64 / r.pods_scheduled.max(1) as f64,
            r.trace_lines,
            r.trace_hash,
            self.baseline_s,
            wall / self.baseline_s.max(1e-9)
        );
        out
    }
}

/// Several runs of one benchmark, each in a process of its own (so that each peak RSS is
/// its run's): the median and the spread of each phase's wall time on a noisy machine,
/// and the proof that the simulation repeats itself across processes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Runs {
    /// Each phase's wall time over the runs.
    pub phases: Vec<Spread>,
    /// The highest peak RSS of any run, in KiB.
    pub peak_rss_kib: Option<u64>,
    /// The trace hash every run printed.
    pub trace_hash: String,
    /// The runs, in order.
    pub runs: Vec<Timed>,
}

/// A phase's wall time over several runs, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spread {
    /// The phase.
    pub name: String,
    /// The median (of an even number of runs, the mean of the middle two).
    pub median_s: f64,
    /// The fastest run.
    pub min_s: f64,
    /// The slowest run.
    pub max_s: f64,
}

impl Runs {
    /// Summarizes `runs`, which must have simulated the same thing: an error names the
    /// first run whose simulation (anything but its wall-clock figures) differs.
    pub fn of(runs: Vec<Timed>) -> Result<Runs, String> {
        let first = runs.first().ok_or("no runs to summarize")?;
        let simulated = |r: &Report| Report {
            phases: r.phases.iter().map(|p| Phase { wall_s: 0.0, ..p.clone() }).collect(),
            ..r.clone()
        };
        let expected = simulated(&first.report);
        if let Some((i, differs)) = runs.iter().enumerate().find(|(_, t)| simulated(&t.report) != expected) {
            return Err(format!(
                "run {} simulated something else than run 1 (trace hash {} against {}): the simulation is not deterministic",
                i + 1,
                differs.report.trace_hash,
                expected.trace_hash
            ));
        }
        let phases = expected
            .phases
            .iter()
            .enumerate()
            .map(|(at, phase)| {
                let mut walls: Vec<f64> = runs.iter().map(|t| t.report.phases[at].wall_s).collect();
                walls.sort_by(f64::total_cmp);
                let middle = walls.len() / 2;
                let median_s =
                    if walls.len() % 2 == 1 { walls[middle] } else { (walls[middle - 1] + walls[middle]) / 2.0 };
                Spread { name: phase.name.clone(), median_s, min_s: walls[0], max_s: walls[walls.len() - 1] }
            })
            .collect();
        let peak_rss_kib = runs.iter().filter_map(|t| t.peak_rss_kib).max();
        Ok(Runs { phases, peak_rss_kib, trace_hash: expected.trace_hash, runs })
    }

    /// The figures: a line per run, then each phase's spread.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for (i, t) in self.runs.iter().enumerate() {
            let walls: Vec<String> = t.report.phases.iter().map(|p| format!("{} {:.3} s", p.name, p.wall_s)).collect();
            let rss = t.peak_rss_kib.map_or_else(|| "unknown".to_string(), |k| format!("{} MiB", k >> 10));
            out += &format!("  run {}: {}, peak RSS {rss}\n", i + 1, walls.join(", "));
        }
        let n = self.runs.len();
        for p in &self.phases {
            out += &format!(
                "  {:<13} median {:.3} s wall over {n} runs (fastest {:.3} s, slowest {:.3} s)\n",
                format!("{}:", p.name),
                p.median_s,
                p.min_s,
                p.max_s
            );
        }
        let rss = self.peak_rss_kib.map_or_else(|| "unknown".to_string(), |k| format!("{} MiB", k >> 10));
        out += &format!("  peak RSS:     {rss} (the highest of the runs)\n");
        out += &format!("  trace hash:   {} in all {n} runs\n", self.trace_hash);
        out
    }
}

/// Measures what a loop does with no work: `events` events pushed into a binary heap
/// ordered by (time, sequence) and popped, spread over a simulated minute in a scrambled
/// order as real wake-ups are. The floor the simulator's overhead is measured against,
/// in the same run (the baseline: the simulator's own queue is one FIFO per
/// instant, see `engine::queue`).
#[allow(clippy::disallowed_types, reason = "the benchmark measures the run from outside")]
pub fn bare_event_loop(events: u64) -> f64 {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let started = std::time::Instant::now();
    let mut heap = BinaryHeap::new();
    for i in 0..events {
        heap.push(Reverse((i.wrapping_mul(7_919) % 60_000, i, i)));
    }
    let mut sum = 0u64;
    while let Some(Reverse((_, _, event))) = heap.pop() {
        sum = sum.wrapping_add(event);
    }
    std::hint::black_box(sum);
    started.elapsed().as_secs_f64()
}

/// Runs the benchmark and times each phase on the wall clock, which is read here, at the
/// edge of the simulation, and nowhere inside it. `progress(phase, done, total)` is
/// called as simulated seconds go by.
#[allow(clippy::disallowed_types, reason = "the benchmark measures the run from outside")]
pub fn timed(workload: Workload, seed: u64, progress: impl FnMut(&str, usize, usize)) -> Timed {
    let mut clock = || {
        let started = std::time::Instant::now();
        move || started.elapsed().as_secs_f64()
    };
    let (report, cluster) = run_with(workload, seed, progress, &mut clock);
    let peak_rss_kib = peak_rss_kib();
    // Tearing the cluster down is not part of any phase.
    drop(cluster);
    let baseline_s = bare_event_loop(report.events);
    Timed { report, baseline_s, peak_rss_kib }
}

/// Runs the benchmark without a clock (for tests: everything it reports is a function of
/// the seed).
pub fn run(workload: Workload, seed: u64) -> Report {
    run_with(workload, seed, |_, _, _| {}, &mut || || 0.0).0
}

fn run_with<S: FnOnce() -> f64>(
    workload: Workload,
    seed: u64,
    mut progress: impl FnMut(&str, usize, usize),
    clock: &mut impl FnMut() -> S,
) -> (Report, Cluster) {
    let Workload { nodes, pods, then, services } = workload;
    let max_pods = (pods / nodes.max(1) + 10).max(110) as u32;
    // The benchmark measures the simulator, not the debug build's invariant checks.
    let config = ClusterConfig { nodes, seed, max_pods, check_invariants: false, ..Default::default() };
    let mut cluster = Cluster::new(config);
    let deployments = deployments(pods);
    let mut phases = Vec::new();

    let stop = clock();
    let (start_events, started_at) = (cluster.events_processed(), cluster.now());
    let what = format!(
        "{pods} pods in {} Deployments{}",
        deployments.len(),
        if services { ", each with a Service" } else { "" }
    );
    let input = cluster.record_input("bench", "", &what);
    cluster.with_ctx("bench", input, |ctx| {
        for d in &deployments {
            ctx.create(Object::from(d.clone()), "bench").expect("the benchmark's Deployments are valid");
            if services {
                ctx.create(service_for(d), "bench").expect("the benchmark's Services are valid");
            }
        }
    });
    let done = settle(&mut cluster, "start", &mut progress, |c| rolled_out(c, &deployments, "kubesim/web:1"));
    phases.push(phase("start", done, &cluster, start_events, started_at, stop()));

    match then {
        Then::Nothing => {}
        Then::Rollout => {
            let stop = clock();
            let (events, at) = (cluster.events_processed(), cluster.now());
            let input = cluster.record_input("bench", "", "set image kubesim/web:2 on every Deployment");
            cluster.with_ctx("bench", input, |ctx| {
                for d in &deployments {
                    let key = ObjKey::new(Kind::Deployment, "default", &d.metadata.name);
                    let Some(Object::Deployment(mut current)) = ctx.get(&key).map(|o| (*o).clone()) else { continue };
                    current.spec.template.spec.containers[0].image = Some("kubesim/web:2".into());
                    ctx.update(Object::Deployment(current), "bench: set image").expect("the update is valid");
                }
            });
            let done = settle(&mut cluster, "rollout", &mut progress, |c| rolled_out(c, &deployments, "kubesim/web:2"));
            phases.push(phase("rollout", done, &cluster, events, at, stop()));
        }
        Then::NodeFailure => {
            let stop = clock();
            let (events, at) = (cluster.events_processed(), cluster.now());
            let crashed: Vec<String> = (1..=nodes).filter(|i| i % 10 == 0).map(|i| format!("node-{i}")).collect();
            for node in &crashed {
                cluster.crash_node(node).expect("the node exists and runs");
            }
            // First the Deployments lose pods (their nodes go NotReady and the pods are
            // evicted), then they get them back on the other nodes.
            let down =
                settle(&mut cluster, "node-failure", &mut progress, |c| !rolled_out(c, &deployments, "kubesim/web:1"));
            let back = down
                && settle(&mut cluster, "node-failure", &mut progress, |c| {
                    rolled_out(c, &deployments, "kubesim/web:1")
                });
            phases.push(phase("node-failure", back, &cluster, events, at, stop()));

            let stop = clock();
            let (events, at) = (cluster.events_processed(), cluster.now());
            for node in &crashed {
                cluster.recover_node(node).expect("the node is down");
            }
            // The recovered kubelets finish deleting the pods evicted while they were down.
            let clean = settle(&mut cluster, "recovery", &mut progress, |c| {
                c.api().list(Kind::Pod, Some("default")).all(|p| p.meta().deletion_timestamp.is_none())
            });
            phases.push(phase("recovery", clean, &cluster, events, at, stop()));
        }
    }

    let stats = cluster.scheduler_stats();
    let report = Report {
        nodes,
        pods,
        services,
        phases,
        running: running(&cluster),
        events: cluster.events_processed(),
        pods_scheduled: stats.bound,
        nodes_filtered: stats.nodes_filtered,
        trace_lines: cluster.trace().len(),
        trace_hash: cluster.trace().hash_hex(),
    };
    (report, cluster)
}

fn as_ms<S: serde::Serializer>(t: &SimTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(t.0)
}

fn from_ms<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SimTime, D::Error> {
    u64::deserialize(d).map(SimTime)
}

fn phase(name: &str, done: bool, cluster: &Cluster, events: u64, at: SimTime, wall_s: f64) -> Phase {
    Phase {
        name: name.to_string(),
        done,
        simulated: SimTime(cluster.now().0 - at.0),
        events: cluster.events_processed() - events,
        wall_s,
    }
}

/// A Service in front of the Deployment `d`'s pods, on port 80.
fn service_for(d: &Deployment) -> Object {
    let name = &d.metadata.name;
    let json = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}
    });
    crate::api::decode::from_json(Kind::Service, json).expect("the benchmark's Service decodes")
}

/// `pods` replicas of `kubesim/web:1` (10m cpu, 10Mi memory each) in Deployments of
/// at most [`REPLICAS_PER_DEPLOYMENT`].
fn deployments(pods: usize) -> Vec<Deployment> {
    let count = pods.div_ceil(REPLICAS_PER_DEPLOYMENT);
    (0..count)
        .map(|i| {
            // Split evenly: the first `pods % count` get one more.
            let replicas = pods / count + usize::from(i < pods % count);
            let name = format!("bench-{i}");
            let json = serde_json::json!({
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "namespace": "default"},
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": {"app": name}},
                    "template": {
                        "metadata": {"labels": {"app": name}},
                        "spec": {"containers": [{
                            "name": "app",
                            "image": "kubesim/web:1",
                            "resources": {"requests": {"cpu": "10m", "memory": "10Mi"}}
                        }]}
                    }
                }
            });
            match crate::api::decode::from_json(Kind::Deployment, json) {
                Ok(Object::Deployment(d)) => *d,
                other => unreachable!("the benchmark's Deployment decodes: {other:?}"),
            }
        })
        .collect()
}

/// Whether every Deployment has all its replicas updated to `image` and available, and
/// no others (the rollout is complete).
fn rolled_out(cluster: &Cluster, deployments: &[Deployment], image: &str) -> bool {
    deployments.iter().all(|d| {
        let key = ObjKey::new(Kind::Deployment, "default", &d.metadata.name);
        let Some(Object::Deployment(now)) = cluster.api().get(&key).map(|o| &**o) else { return false };
        let want = now.spec.replicas.unwrap_or(1);
        let s = &now.status;
        now.spec.template.spec.containers[0].image.as_deref() == Some(image)
            && s.observed_generation == now.metadata.generation
            && s.updated_replicas == Some(want)
            && s.available_replicas == Some(want)
            && s.replicas == Some(want)
    })
}

/// Advances a simulated second at a time until `done` holds or [`PHASE_LIMIT_MS`]
/// passes; says whether it held.
fn settle(
    cluster: &mut Cluster,
    name: &str,
    progress: &mut impl FnMut(&str, usize, usize),
    done: impl Fn(&Cluster) -> bool,
) -> bool {
    let deadline = cluster.now().plus_ms(PHASE_LIMIT_MS);
    while cluster.now() < deadline {
        cluster.advance_ms(1_000);
        let (available, wanted) = availability(cluster);
        progress(name, available, wanted);
        if done(cluster) {
            return true;
        }
    }
    false
}

/// Available and wanted replicas over all Deployments.
fn availability(cluster: &Cluster) -> (usize, usize) {
    cluster.api().list(Kind::Deployment, Some("default")).filter_map(|o| o.as_deployment()).fold((0, 0), |(a, w), d| {
        (a + d.status.available_replicas.unwrap_or(0) as usize, w + d.spec.replicas.unwrap_or(1) as usize)
    })
}

fn running(cluster: &Cluster) -> usize {
    cluster
        .api()
        .list(Kind::Pod, Some("default"))
        .filter(|o| o.as_pod().is_some_and(|p| p.status.phase.as_deref() == Some("Running")))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_report_and_another_seed_another_trace() {
        let a = run(Workload::new(5, 60, Then::Nothing), 3);
        assert_eq!(a, run(Workload::new(5, 60, Then::Nothing), 3));
        assert_eq!(a.running, 60);
        assert!(a.phases[0].done);
        assert_ne!(run(Workload::new(5, 60, Then::Nothing), 4).trace_hash, a.trace_hash);
    }

    #[test]
    fn services_put_each_deployment_behind_a_service() {
        let workload = Workload { services: true, ..Workload::new(5, 60, Then::Nothing) };
        let (report, mut cluster) = run_with(workload, 0, |_, _, _| {}, &mut || || 0.0);
        assert!(report.services && report.phases[0].done && report.running == 60, "{report:?}");
        let services: Vec<String> =
            cluster.api().list(Kind::Service, Some("default")).map(|s| s.meta().name.to_string()).collect();
        assert_eq!(services, ["bench-0", "kubernetes"]);
        // Once the last watch events are in, every pod is a ready endpoint.
        cluster.advance_ms(1_000);
        let key = ObjKey::new(Kind::Endpoints, "default", "bench-0");
        let Some(Object::Endpoints(endpoints)) = cluster.api().get(&key).map(|o| (**o).clone()) else {
            panic!("no Endpoints for bench-0")
        };
        assert_eq!(endpoints.subsets.iter().map(|s| s.addresses.len()).sum::<usize>(), 60);
        assert_ne!(report.trace_hash, run(Workload::new(5, 60, Then::Nothing), 0).trace_hash);
    }

    #[test]
    fn a_rollout_replaces_every_pod() {
        let report = run(Workload::new(10, 200, Then::Rollout), 0);
        let names: Vec<&str> = report.phases.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["start", "rollout"]);
        assert!(report.phases.iter().all(|p| p.done), "{report:?}");
        assert_eq!(report.running, 200);
        // 200 pods at the start, 200 more for the new image.
        assert_eq!(report.pods_scheduled, 400);
    }

    #[test]
    fn a_node_failure_is_healed_elsewhere_then_cleaned_up() {
        let report = run(Workload::new(20, 200, Then::NodeFailure), 0);
        let names: Vec<&str> = report.phases.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["start", "node-failure", "recovery"]);
        assert!(report.phases.iter().all(|p| p.done), "{report:?}");
        assert_eq!(report.running, 200);
        // The pods of the two crashed nodes were replaced on the others: not before the
        // nodes went NotReady (40 s) and their NoExecute taint's 300 s ran out.
        assert!(report.pods_scheduled > 200, "{report:?}");
        assert!(report.phases[1].simulated.as_ms() > 340_000, "{report:?}");
    }

    #[test]
    fn deployments_split_the_pods_evenly() {
        let replicas = |pods| deployments(pods).iter().map(|d| d.spec.replicas.unwrap()).collect::<Vec<_>>();
        assert_eq!(replicas(3_000), [3_000]);
        assert_eq!(replicas(150_000).len(), 50);
        assert_eq!(replicas(7_000), [2_334, 2_333, 2_333]);
    }

    #[test]
    fn runs_are_summarized_by_their_median_and_must_simulate_the_same() {
        let timed = |wall_s: f64, rss: u64| {
            let mut report = run(Workload::new(3, 30, Then::Nothing), 0);
            report.phases[0].wall_s = wall_s;
            Timed { report, baseline_s: 0.1, peak_rss_kib: Some(rss) }
        };
        let runs = Runs::of(vec![timed(3.0, 10), timed(1.0, 30), timed(2.0, 20)]).unwrap();
        assert_eq!(runs.phases, [Spread { name: "start".into(), median_s: 2.0, min_s: 1.0, max_s: 3.0 }]);
        assert_eq!(runs.peak_rss_kib, Some(30));
        let even = Runs::of(vec![timed(4.0, 1), timed(1.0, 1), timed(2.0, 1), timed(9.0, 1)]).unwrap();
        assert_eq!(even.phases[0].median_s, 3.0);
        assert!(even.summary().contains("median 3.000 s wall over 4 runs (fastest 1.000 s, slowest 9.000 s)"));
        // A run that simulated something else is named.
        let mut other = timed(1.0, 1);
        other.report.events += 1;
        let err = Runs::of(vec![timed(1.0, 1), timed(1.0, 1), other]).unwrap_err();
        assert!(err.starts_with("run 3 simulated something else than run 1"), "{err}");
        assert!(Runs::of(Vec::new()).is_err());
    }

    #[test]
    fn presets_and_sizes_are_checked_before_anything_runs() {
        assert_eq!(preset("full").map(|p| (p.workload.nodes, p.workload.pods)), Some((5_000, 150_000)));
        assert_eq!(preset("full-node-failure").map(|p| p.workload.then), Some(Then::NodeFailure));
        assert_eq!(preset("huge"), None);
        assert!(check_size(0, 10, None).unwrap_err().contains("--nodes must be at least 1"));
        assert!(check_size(10, 0, None).unwrap_err().contains("--pods"));
        assert!(check_size(10, 1_000_000, None).unwrap_err().contains("more than kubesim holds"));
        let err = check_size(5_000, 150_000, Some(1 << 30)).unwrap_err();
        assert!(err.contains("MiB of memory and 1024 MiB are available"), "{err}");
        assert_eq!(check_size(5_000, 150_000, Some(24 << 30)), Ok(()));
    }
}
