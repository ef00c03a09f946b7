//! Pod start latency on real Docker, through kubesim and bare, in one run: `kubesim
//! bench --runtime docker --pods N`. Through kubesim a pod is timed from its creation in
//! the apiserver to its Ready condition (scheduler, kubelet, a sandbox and a container
//! started; without a readiness probe a running container is ready), on a clock paced to
//! the wall at speed 1; bare, `docker create` + `docker start` of the same workload image
//! (as `docker run -d`). Both start their N at once; bare goes first, on an idle engine.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

use kubesim_runtime_docker::{ContainerSpec, SandboxSpec};

use super::docker::{DockerHost, DockerRuntime};
use crate::api::Kind;
use crate::api::meta::find_condition;
use crate::cluster::{Cluster, ClusterConfig};

/// Per-pod start latencies, in milliseconds, sorted.
pub struct Latencies {
    /// Through kubesim (create to Ready).
    pub kubesim: Vec<u64>,
    /// Bare `docker create` + `start` until the port answers.
    pub bare: Vec<u64>,
}

fn percentile(sorted: &[u64], p: usize) -> u64 {
    sorted.get((sorted.len().saturating_sub(1)) * p / 100).copied().unwrap_or(0)
}

impl Latencies {
    /// The figures, one line per path, and their ratio.
    pub fn summary(&self) -> String {
        let mut out = String::from("  path        pods   p50 ms   p90 ms   max ms\n");
        for (name, l) in [("kubesim", &self.kubesim), ("bare docker", &self.bare)] {
            let _ = writeln!(
                out,
                "  {name:<11} {:>4}   {:>6}   {:>6}   {:>6}",
                l.len(),
                percentile(l, 50),
                percentile(l, 90),
                l.last().copied().unwrap_or(0)
            );
        }
        let ratio = percentile(&self.kubesim, 50) as f64 / percentile(&self.bare, 50).max(1) as f64;
        let _ = writeln!(out, "  median ratio kubesim / bare: {ratio:.2}");
        out
    }
}

/// Runs both measurements with `pods` pods on `nodes` nodes.
pub fn measure(run: &str, nodes: usize, pods: usize) -> Result<Latencies, String> {
    let host = DockerHost::start(run, 1.0, false)?;
    // Bare first, so neither path shares the engine with the other's containers starting.
    let bare = bare(&host, pods)?;
    let kubesim = through_kubesim(&host, nodes, pods)?;
    Ok(Latencies { kubesim, bare })
}

fn through_kubesim(host: &Rc<DockerHost>, nodes: usize, pods: usize) -> Result<Vec<u64>, String> {
    let config = ClusterConfig { nodes, ..Default::default() };
    let catalog = Rc::new(config.catalog.clone());
    let mut cluster =
        Cluster::with_runtimes(config, |m| Box::new(DockerRuntime::new(host.clone(), &m.name, catalog.clone())));
    cluster.set_pacer(crate::scenario::replay::wall_clock(host.clone(), 1.0));
    let out = cluster.kubectl(&format!("kubectl create deployment bench --image=nginx:1.27 --replicas={pods}"));
    if out.code != 0 {
        return Err(out.stderr);
    }
    // Pod → (first seen, first seen Ready), in simulated ms (= wall ms at speed 1).
    let mut times: BTreeMap<String, (u64, Option<u64>)> = BTreeMap::new();
    cluster.run_while(120_000, |c| {
        let now = c.now().0;
        for obj in c.api().list(Kind::Pod, Some("default")) {
            let Some(pod) = obj.as_pod() else { continue };
            let entry = times.entry(pod.metadata.name.to_string()).or_insert((now, None));
            let ready = find_condition(&pod.status.conditions, "Ready").is_some_and(|r| r.status == "True");
            if ready && entry.1.is_none() {
                entry.1 = Some(now);
            }
        }
        times.len() == pods && times.values().all(|(_, ready)| ready.is_some())
    });
    let mut latencies: Vec<u64> = times.values().filter_map(|(seen, ready)| ready.map(|r| r - seen)).collect();
    latencies.sort_unstable();
    if latencies.len() < pods {
        return Err(format!("only {} of {pods} pods became Ready within 2 minutes", latencies.len()));
    }
    Ok(latencies)
}

fn bare(host: &Rc<DockerHost>, pods: usize) -> Result<Vec<u64>, String> {
    let image = host.block_on(host.workload_image())?;
    let tasks: Vec<_> = (0..pods)
        .map(|i| {
            let (cri, image) = (host.cri().clone(), image.clone());
            let ip = host.real_ip(&format!("10.244.99.{}", i + 2));
            host.spawn_joinable(async move {
                #[allow(clippy::disallowed_types, reason = "a benchmark of real containers measures wall time")]
                let started = std::time::Instant::now();
                let spec = SandboxSpec {
                    pod: format!("bare-{i}"),
                    namespace: "bench".into(),
                    uid: format!("bare-{i}"),
                    attempt: 0,
                    node: "bare".into(),
                    ip: ip.clone(),
                };
                let env = vec![("KUBESIM_HTTP_PORT".to_string(), "80".to_string())];
                // One container with the address, as `docker run --ip`: no sandbox.
                let container = ContainerSpec {
                    name: "bare".into(),
                    image: image.clone(),
                    cmd: vec!["/kubesim-workload".into()],
                    env,
                    memory_limit_bytes: None,
                    attempt: 0,
                };
                cri.run_standalone(&spec, &container).await.map_err(|e| e.to_string())?;
                Ok::<u64, String>(started.elapsed().as_millis() as u64)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.push(host.block_on(task).map_err(|e| e.to_string())??);
    }
    latencies.sort_unstable();
    Ok(latencies)
}
