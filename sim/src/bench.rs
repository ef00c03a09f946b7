//! The benchmark workload: many pods on many nodes, run until all are Running. The
//! binary times it; the simulation itself never reads a clock.

use crate::api::core::{Container, Pod, ResourceRequirements};
use crate::api::meta::Quantity;
use crate::api::{Kind, Object};
use crate::cluster::{Cluster, ClusterConfig};
use crate::engine::SimTime;

/// A run and how long it took on the wall clock.
#[derive(Debug, Clone)]
pub struct Timed {
    /// Nodes in the run.
    pub nodes: usize,
    /// Pods created.
    pub pods: usize,
    /// What the simulation did.
    pub report: Report,
    /// Wall-clock seconds for the whole run (boot, creation, simulation).
    pub wall_s: f64,
}

impl Timed {
    /// The figures, one per line.
    pub fn summary(&self) -> String {
        let r = &self.report;
        let per_s = |n: f64| if self.wall_s > 0.0 { n / self.wall_s } else { 0.0 };
        format!(
            "  pods running:       {}/{}\n  all running at:     {} simulated\n  wall time:          {:.3} s\n  events processed:   {}\n  events per second:  {:.0}\n  pods per second:    {:.0}\n  trace lines:        {}\n",
            r.running,
            self.pods,
            r.all_running_at,
            self.wall_s,
            r.events,
            per_s(r.events as f64),
            per_s(self.pods as f64),
            r.trace_lines
        )
    }
}

/// Runs [`run`] and measures its wall time. The wall clock is read here, at the edge of
/// the simulation, and nowhere inside it.
#[allow(clippy::disallowed_types)]
pub fn timed(nodes: usize, pods: usize, seed: u64, progress: impl FnMut(usize, usize)) -> Timed {
    let started = std::time::Instant::now();
    let report = run(nodes, pods, seed, progress);
    Timed { nodes, pods, report, wall_s: started.elapsed().as_secs_f64() }
}

/// What a benchmark run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Simulated time when the last pod became Running.
    pub all_running_at: SimTime,
    /// Events the loop processed.
    pub events: u64,
    /// Trace lines written.
    pub trace_lines: usize,
    /// Pods Running at the end.
    pub running: usize,
}

fn running(cluster: &Cluster) -> usize {
    cluster
        .api()
        .list(Kind::Pod, Some("default"))
        .filter(|o| o.as_pod().is_some_and(|p| p.status.phase.as_deref() == Some("Running")))
        .count()
}

/// Creates `pods` pods (10m cpu, 10Mi memory each) on `nodes` nodes and advances time
/// until all run or 10 simulated minutes pass; `progress(done, total)` is called as
/// simulated seconds go by.
pub fn run(nodes: usize, pods: usize, seed: u64, mut progress: impl FnMut(usize, usize)) -> Report {
    let max_pods = (pods / nodes.max(1) + 10).max(110) as u32;
    let mut cluster = Cluster::new(ClusterConfig { nodes, seed, max_pods, ..Default::default() });
    let input = cluster.record_input("bench", "", &format!("{pods} pods"));
    cluster.with_ctx("bench", input, |ctx| {
        for i in 0..pods {
            let mut pod = Pod::default();
            pod.metadata.name = format!("bench-{i}");
            pod.spec.containers.push(Container {
                name: "app".into(),
                image: Some("kubesim/web:1".into()),
                resources: Some(ResourceRequirements {
                    requests: [
                        ("cpu".to_string(), Quantity("10m".into())),
                        ("memory".to_string(), Quantity("10Mi".into())),
                    ]
                    .into(),
                    limits: Default::default(),
                }),
                ..Default::default()
            });
            let _ = ctx.create(Object::Pod(pod), "bench");
        }
    });
    let mut done = 0;
    for _ in 0..600 {
        cluster.advance_ms(1_000);
        done = running(&cluster);
        progress(done, pods);
        if done == pods {
            break;
        }
    }
    let all_running_at = cluster
        .api()
        .list(Kind::Pod, Some("default"))
        .filter_map(|o| {
            o.as_pod()
                .and_then(|p| p.status.container_statuses.first())
                .and_then(|s| s.state.running.as_ref())
                .and_then(|r| r.started_at)
        })
        .map(|t| t.0)
        .max()
        .unwrap_or_default();
    Report {
        all_running_at,
        events: cluster.events_processed(),
        trace_lines: cluster.trace().events().len(),
        running: done,
    }
}
