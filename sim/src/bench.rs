//! The benchmark workload: many pods on many nodes, run until all are Running. The
//! binary times it; the simulation itself never reads a clock.

use crate::api::core::{Container, Pod, ResourceRequirements};
use crate::api::meta::Quantity;
use crate::api::{Kind, Object};
use crate::cluster::{Cluster, ClusterConfig};
use crate::engine::SimTime;

/// A run and how long it took on the wall clock.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timed {
    /// Nodes in the run.
    pub nodes: usize,
    /// Pods created.
    pub pods: usize,
    /// What the simulation did.
    pub report: Report,
    /// Wall-clock seconds for the whole run (boot, creation, simulation).
    pub wall_s: f64,
    /// Wall-clock seconds for a bare event loop of as many events doing no work.
    pub baseline_s: f64,
    /// The process's peak resident memory, in KiB, as the OS reports it.
    pub peak_rss_kib: Option<u64>,
}

impl Timed {
    /// The figures, one per line.
    pub fn summary(&self) -> String {
        let r = &self.report;
        let per_s = |n: f64| if self.wall_s > 0.0 { n / self.wall_s } else { 0.0 };
        let rss = self.peak_rss_kib.map_or_else(|| "unknown".to_string(), |k| format!("{:.0} MiB", k as f64 / 1024.0));
        format!(
            "  pods running:       {}/{}\n  all running at:     {} simulated\n  wall time:          {:.3} s\n  events processed:   {}\n  events per second:  {:.0}\n  pods per second:    {:.0}\n  trace lines:        {}\n  trace hash:         {:016x}\n  peak RSS:           {rss}\n  bare event loop:    {:.3} s for as many events (kubesim/bare: {:.0}x)\n",
            r.running,
            self.pods,
            r.all_running_at,
            self.wall_s,
            r.events,
            per_s(r.events as f64),
            per_s(self.pods as f64),
            r.trace_lines,
            r.trace_hash,
            self.baseline_s,
            self.wall_s / self.baseline_s.max(1e-9)
        )
    }
}

/// Runs [`run`] and measures its wall time. The wall clock is read here, at the edge of
/// the simulation, and nowhere inside it.
#[allow(clippy::disallowed_types, reason = "the benchmark measures the run from outside")]
pub fn timed(nodes: usize, pods: usize, seed: u64, progress: impl FnMut(usize, usize)) -> Timed {
    let started = std::time::Instant::now();
    let report = run(nodes, pods, seed, progress);
    let wall_s = started.elapsed().as_secs_f64();
    let baseline_s = bare_event_loop(report.events);
    Timed { nodes, pods, report, wall_s, baseline_s, peak_rss_kib: peak_rss_kib() }
}

/// Wall seconds to push and pop `events` events through the same queue, doing no work:
/// the floor the simulator's overhead is measured against, in the same run.
#[allow(clippy::disallowed_types, reason = "the benchmark measures the run from outside")]
pub fn bare_event_loop(events: u64) -> f64 {
    let started = std::time::Instant::now();
    let mut queue = crate::engine::EventQueue::default();
    // Spread over a simulated minute, in a scrambled order, as real wake-ups are.
    for i in 0..events {
        queue.push(SimTime(i.wrapping_mul(7_919) % 60_000), i, i);
    }
    let mut sum = 0u64;
    while let Some(next) = queue.pop_due(SimTime(u64::MAX)) {
        sum = sum.wrapping_add(next.event);
    }
    std::hint::black_box(sum);
    started.elapsed().as_secs_f64()
}

/// The peak resident set size of this process (`VmHWM` in `/proc/self/status`), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A named size: (nodes, pods).
pub fn preset(name: &str) -> Option<(usize, usize)> {
    match name {
        "small" => Some((100, 3_000)),
        "medium" => Some((1_000, 30_000)),
        "full" => Some((5_000, 150_000)),
        _ => None,
    }
}

/// What a benchmark run did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Simulated time when the last pod became Running.
    #[serde(serialize_with = "as_ms", rename = "allRunningAtMs")]
    pub all_running_at: SimTime,
    /// Events the loop processed.
    pub events: u64,
    /// Trace lines written.
    pub trace_lines: usize,
    /// Pods Running at the end.
    pub running: usize,
    /// FNV-1a of the trace's lines: two runs with the same seed print the same.
    pub trace_hash: u64,
}

fn as_ms<S: serde::Serializer>(t: &SimTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(t.0)
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
        trace_hash: cluster.trace().events().iter().fold(0xcbf2_9ce4_8422_2325, |h, e| {
            e.line().bytes().chain([b'\n']).fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_trace_hash_and_another_seed_another() {
        let a = run(5, 60, 3, |_, _| {});
        let b = run(5, 60, 3, |_, _| {});
        assert_eq!(a, b);
        assert_eq!(a.running, 60);
        assert_ne!(run(5, 60, 4, |_, _| {}).trace_hash, a.trace_hash);
        assert_eq!(preset("full"), Some((5_000, 150_000)));
        assert_eq!(preset("huge"), None);
    }
}
