//! `kubesim replay FILE --runtime docker`: the scenario once in simulated time, then once
//! with every node's containers on the real Docker engine and the clock following the
//! wall clock (`speed` times faster), and a table of where the two agree: each
//! expectation and wait, its result and when it was decided, `same` or `differs`.
//!
//! On Docker, `curl` steps really go out: to a node's NodePort through the host-side
//! proxy on `127.0.10.<node>:<nodePort>`, or straight to a pod's real address.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::rc::Rc;
use std::time::Duration;

use kubesim_runtime_docker::NodePorts;

use super::format::Scenario;
use super::run::{CheckRecord, RunOptions, Runner, cluster_config};
use crate::api::{Kind, Object};
use crate::cluster::{Cluster, Transport};
use crate::engine::SimTime;
use crate::runtime::docker::{DockerHost, DockerRuntime};

/// How a replay runs.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// The seed, instead of the file's.
    pub seed: Option<u64>,
    /// Simulated seconds per wall second (1: real time).
    pub speed: f64,
    /// Leave the containers behind for inspection.
    pub keep: bool,
    /// Names this run's containers and networks (`io.kubesim.run`).
    pub run_id: String,
}

/// Both runs and their comparison.
pub struct Replay {
    /// The simulated run's checks.
    pub simulated: Vec<CheckRecord>,
    /// The Docker run's checks.
    pub real: Vec<CheckRecord>,
    /// The Docker run's narration.
    pub transcript: String,
}

impl Replay {
    /// Whether every check held on Docker.
    pub fn passed(&self) -> bool {
        self.real.iter().all(|c| c.passed)
    }

    /// Pairs of checks that agree (same result).
    pub fn same(&self) -> usize {
        self.simulated.iter().zip(&self.real).filter(|(s, r)| s.passed == r.passed).count()
    }

    /// The comparison table.
    pub fn table(&self) -> String {
        let mut rows = vec![vec![
            "CHECK".to_string(),
            "SIMULATED".into(),
            "AT".into(),
            "DOCKER".into(),
            "AT".into(),
            "VERDICT".into(),
        ]];
        let result = |c: &CheckRecord| if c.passed { "pass".to_string() } else { format!("FAIL ({})", c.seen) };
        for (i, s) in self.simulated.iter().enumerate() {
            let r = self.real.get(i);
            rows.push(vec![
                format!("{} {}", s.step, s.condition),
                result(s),
                s.at.to_string(),
                r.map_or_else(|| "not reached".into(), result),
                r.map_or_else(String::new, |r| r.at.to_string()),
                match r {
                    Some(r) if r.passed == s.passed => "same".into(),
                    _ => "differs".into(),
                },
            ]);
        }
        let mut out = crate::kubectl::print::tabwriter::kubectl_table(&rows);
        let _ = writeln!(
            out,
            "{} of {} checks agree; times are simulated (on Docker, wall time × speed)",
            self.same(),
            self.simulated.len()
        );
        out
    }
}

/// Plays `scenario` simulated, then on Docker, telling the Docker run's narration to
/// `progress` as it happens.
pub fn replay(scenario: &Scenario, options: &ReplayOptions, mut progress: impl FnMut(&str)) -> Result<Replay, String> {
    if options.speed.is_nan() || options.speed <= 0.0 {
        return Err(format!("--speed must be a positive number, not {}", options.speed));
    }
    let run_options = RunOptions { seed: options.seed, ..Default::default() };
    let mut simulated = Runner::new(scenario, &run_options);
    simulated.play(&scenario.steps);
    let simulated = simulated.checks;

    let host = DockerHost::start(&options.run_id, options.speed, options.keep)?;
    progress(&format!("replay: run {} on Docker at {}× speed\n", host.run(), options.speed));
    if !options.keep {
        // Ctrl-C ends the process without unwinding: clean up first.
        let run = host.run().to_string();
        let _runtime = host.enter();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let removed = kubesim_runtime_docker::clean(Some(&run)).await.unwrap_or(0);
                eprintln!("\ninterrupted: removed the {removed} container(s) of run {run}");
                std::process::exit(130);
            }
        });
    }
    let config = cluster_config(scenario, &run_options);
    let catalog = Rc::new(config.catalog.clone());
    let mut cluster =
        Cluster::with_runtimes(config, |m| Box::new(DockerRuntime::new(host.clone(), &m.name, catalog.clone())));
    cluster.set_pacer(wall_clock(host.clone(), options.speed));
    cluster.set_transport(Box::new(RealHttp { host: host.clone() }));
    let mut runner = Runner::with_cluster(scenario, &run_options, cluster);
    runner.tell(&mut progress);
    Ok(Replay { simulated, real: runner.checks, transcript: runner.out })
}

/// Holds each event back until the wall clock reaches its simulated time (divided by
/// `speed`), and keeps the host's NodePort listeners in step with the cluster.
pub fn wall_clock(host: Rc<DockerHost>, speed: f64) -> crate::cluster::Pacer {
    #[allow(clippy::disallowed_types, reason = "a replay on real containers follows the wall clock")]
    let start = std::time::Instant::now();
    let mut ports = NodePorts::default();
    let mut table = BTreeMap::new();
    let mut shown = Duration::ZERO;
    let mut synced: Option<Duration> = None;
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    Box::new(move |cluster: &Cluster, at: SimTime| {
        // The proxies follow the endpoints every 20 wall ms at most, as kube-proxy's
        // own sync lags; reading every Service at every event would be wasted work.
        if synced.is_none_or(|t| start.elapsed() >= t + Duration::from_millis(20)) {
            synced = Some(start.elapsed());
            let fresh = node_port_table(cluster, &host);
            if fresh != table {
                let _guard = host.enter();
                ports.set(&fresh);
                table = fresh;
            }
        }
        let due = Duration::from_secs_f64(at.0 as f64 / 1000.0 / speed);
        if let Some(wait) = due.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
        // Progress while containers start and time passes, once a wall second.
        if terminal && start.elapsed() >= shown + Duration::from_secs(1) {
            shown = start.elapsed();
            eprint!("\r\x1b[2K  [{}] {}", cluster.now(), progress(cluster));
        }
    })
}

/// Pods running and nodes ready, for the progress line.
fn progress(cluster: &Cluster) -> String {
    let pods: Vec<_> = cluster.api().list(Kind::Pod, None).filter_map(|o| o.as_pod()).collect();
    let running = pods.iter().filter(|p| p.status.phase.as_deref() == Some("Running")).count();
    let nodes = cluster.node_names().count();
    let ready = cluster.node_names().filter(|n| cluster.reachable(n)).count();
    format!("{running}/{} pods running on real containers, {ready}/{nodes} nodes up", pods.len())
}

/// Every NodePort on every node that is up and reachable, and the real addresses of its
/// ready endpoints.
fn node_port_table(cluster: &Cluster, host: &DockerHost) -> BTreeMap<SocketAddr, Vec<SocketAddr>> {
    let api = cluster.api();
    let mut table = BTreeMap::new();
    for obj in api.list(Kind::Service, None) {
        let Some(svc) = obj.as_service() else { continue };
        for port in svc.spec.ports.iter().filter(|p| p.node_port.is_some()) {
            let mut endpoints = Vec::new();
            for slice in api.list(Kind::EndpointSlice, Some(&svc.metadata.namespace)) {
                let Object::EndpointSlice(slice) = &**slice else { continue };
                let ours = slice.metadata.labels.get(crate::controllers::endpoints::SERVICE_NAME_LABEL);
                if ours.map(String::as_str) != Some(&*svc.metadata.name) {
                    continue;
                }
                let target = slice.port_for(port.name.as_deref());
                for endpoint in slice.endpoints.iter().filter(|e| e.conditions.ready == Some(true)) {
                    for ip in &endpoint.addresses {
                        if let (Some(target), Ok(address)) = (target, host.real_ip(ip).parse()) {
                            endpoints.push(SocketAddr::new(address, u16::try_from(target).unwrap_or(0)));
                        }
                    }
                }
            }
            for name in cluster.node_names() {
                let Some(kubelet) = cluster.kubelet(name).filter(|_| cluster.reachable(name)) else { continue };
                let listen = format!("127.0.10.{}:{}", kubelet.machine().index, port.node_port.unwrap_or(0));
                if let Ok(listen) = listen.parse() {
                    table.insert(listen, endpoints.clone());
                }
            }
        }
    }
    table
}

/// `curl` on real containers: plain HTTP/1.1 GETs from the host.
struct RealHttp {
    host: Rc<DockerHost>,
}

impl Transport for RealHttp {
    fn via_node(&mut self, node: usize, node_port: i32, path: &str) -> Result<String, String> {
        get(&format!("127.0.10.{node}:{node_port}"), path)
    }

    fn to_pod(&mut self, ip: &str, port: i32, path: &str) -> Result<String, String> {
        get(&format!("{}:{port}", self.host.real_ip(ip)), path)
    }
}

/// One GET; the body's first line, or curl's kind of error.
fn get(address: &str, path: &str) -> Result<String, String> {
    let (host, port) = address.split_once(':').unwrap_or((address, "80"));
    let refused = || format!("curl: (7) Failed to connect to {host} port {port}: Couldn't connect to server");
    let parsed: SocketAddr = address.parse().map_err(|_| refused())?;
    let mut stream = TcpStream::connect_timeout(&parsed, Duration::from_secs(2)).map_err(|_| refused())?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").map_err(|_| refused())?;
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    match response.split_once("\r\n\r\n") {
        Some((_, body)) => Ok(body.lines().next().unwrap_or_default().to_string()),
        None => Err(format!("curl: (52) Empty reply from server ({host} port {port})")),
    }
}
