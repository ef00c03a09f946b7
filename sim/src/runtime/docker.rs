//! The container runtime on real Docker, for `kubesim replay --runtime docker`: the
//! kubelet's CRI calls become `runtime-docker` requests run on a tokio runtime beside the
//! single-threaded simulation, and what Docker reports comes back as [`RuntimeEvent`]s,
//! collected by a poll wake-up. Every image runs the workload binary, told by its
//! environment to behave as the catalog says (durations divided by the replay's speed).
//!
//! Pod IPs are the simulator's (`10.244.N.x`) with the second octet swapped for the run's
//! own subnet (`10.X.N.x`), so two runs never collide and the host reaches every pod.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kubesim_runtime_docker::{ContainerSpec, Cri, SandboxSpec};
use tokio::sync::{OnceCell, watch};

use super::images::{ImageBehavior, ImageCatalog, Lifetime, pull_error};
use super::{ContainerConfig, ContainerRuntime, PulledImage, RuntimeEvent, RuntimeTimer, SandboxConfig, Wakeups};
use crate::api::Str;

/// How often (simulated) a runtime collects what Docker reported.
const POLL_MS: u64 = 100;
/// The poll's timer; ids of other timers start above it.
const POLL: RuntimeTimer = RuntimeTimer(0);

/// What the Docker side of a replay shares: the engine connection, the tokio runtime
/// the requests run on, the workload image, and the routes of container events.
pub struct DockerHost {
    tokio: tokio::runtime::Runtime,
    cri: Cri,
    speed: f64,
    /// The run's second address octet (`10.X.0.0/16`).
    octet: u8,
    image: Arc<OnceCell<Result<String, String>>>,
    routes: Routes,
    keep: bool,
    /// Requests still running, so the end can wait for them before cleaning up.
    in_flight: Arc<AtomicUsize>,
}

/// Docker container id → the runtime that owns it and its id there.
type Routes = Arc<Mutex<BTreeMap<String, (Sender<Done>, String)>>>;

/// Something a request finished with, for the runtime that made it.
#[derive(Debug)]
enum Done {
    SandboxReady(String),
    Pulled(String, Result<PulledImage, String>),
    Started(String),
    Serving(String),
    Exited { id: String, code: i32, oom: bool },
    Logs(String, Vec<String>),
}

impl DockerHost {
    /// Connects to the engine, creates the run's network on a free `10.X.0.0/16`, and
    /// starts forwarding container events. `speed` divides every real duration.
    pub fn start(run: &str, speed: f64, keep: bool) -> Result<Rc<DockerHost>, String> {
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start tokio: {e}"))?;
        let (cri, octet) = tokio.block_on(async {
            let cri = Cri::connect(run).await.map_err(|e| e.to_string())?;
            let used = cri.subnets_in_use().await.map_err(|e| e.to_string())?;
            // Another run may take a free subnet between the look and the create: try on.
            for octet in (200..=250u8).filter(|o| !used.iter().any(|s| s.starts_with(&format!("10.{o}.")))) {
                match cri.create_network(&format!("10.{octet}.0.0/16")).await {
                    Ok(()) => return Ok((cri, octet)),
                    Err(e) if e.to_string().contains("overlaps") => continue,
                    Err(e) => return Err(e.to_string()),
                }
            }
            Err("no free 10.X.0.0/16 subnet for the run's network (200 to 250 are taken)".to_string())
        })?;
        let host = DockerHost {
            tokio,
            cri,
            speed,
            octet,
            image: Arc::new(OnceCell::new()),
            routes: Arc::new(Mutex::new(BTreeMap::new())),
            keep,
            in_flight: Arc::new(AtomicUsize::new(0)),
        };
        host.forward_events();
        Ok(Rc::new(host))
    }

    /// The run id everything is labelled with.
    pub fn run(&self) -> &str {
        self.cri.run()
    }

    /// The real address of a simulated pod IP.
    pub fn real_ip(&self, simulated: &str) -> String {
        match simulated.split('.').collect::<Vec<_>>().as_slice() {
            ["10", _, c, d] => format!("10.{}.{c}.{d}", self.octet),
            _ => simulated.to_string(),
        }
    }

    /// Runs a future on the host's tokio runtime and waits for it (for the replay's
    /// own requests, outside the simulated runtimes).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.tokio.block_on(future)
    }

    /// Enters the host's tokio runtime, for code that spawns tasks (the NodePort proxies).
    pub fn enter(&self) -> tokio::runtime::EnterGuard<'_> {
        self.tokio.enter()
    }

    /// Spawns a future on the host's tokio runtime, counted as in flight until it ends.
    pub fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, future: F) {
        let in_flight = self.in_flight.clone();
        in_flight.fetch_add(1, Ordering::SeqCst);
        self.tokio.spawn(async move {
            future.await;
            in_flight.fetch_sub(1, Ordering::SeqCst);
        });
    }

    /// Turns each `die` of a routed container into `Exited` for its runtime.
    fn forward_events(&self) {
        let (cri, routes) = (self.cri.clone(), self.routes.clone());
        let since = kubesim_runtime_docker::unix_now();
        self.tokio.spawn(async move {
            use futures_util::StreamExt;
            let mut events = Box::pin(cri.events(since));
            while let Some(event) = events.next().await {
                if event.action != "die" {
                    continue;
                }
                let Some((to, id)) = routes.lock().ok().and_then(|mut r| r.remove(&event.id)) else { continue };
                let state = cri.container_state(&event.id).await.ok();
                let code = event.exit_code.or(state.as_ref().map(|s| s.exit_code)).unwrap_or(137);
                let oom = state.is_some_and(|s| s.oom_killed);
                let _ = to.send(Done::Exited { id, code: i32::try_from(code).unwrap_or(137), oom });
            }
        });
    }

    /// The engine connection.
    pub fn cri(&self) -> &Cri {
        &self.cri
    }

    /// Spawns a future whose result the caller awaits (with [`DockerHost::block_on`]).
    pub fn spawn_joinable<T: Send + 'static>(
        &self,
        future: impl std::future::Future<Output = T> + Send + 'static,
    ) -> tokio::task::JoinHandle<T> {
        self.tokio.spawn(future)
    }

    /// Scales a simulated duration to the wall clock.
    fn wall_ms(&self, sim_ms: u64) -> u64 {
        (sim_ms as f64 / self.speed).round() as u64
    }

    /// The workload image, imported once per run (and reused across runs by its tag).
    pub fn workload_image(&self) -> impl std::future::Future<Output = Result<String, String>> + Send + 'static {
        let (cell, cri) = (self.image.clone(), self.cri.clone());
        async move {
            cell.get_or_init(|| async { cri.ensure_workload_image().await.map_err(|e| e.to_string()) }).await.clone()
        }
    }
}

impl Drop for DockerHost {
    /// Removes the run's containers and network, after the requests still running
    /// (a create in flight would otherwise leave a container behind).
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        let (run, in_flight) = (self.run().to_string(), self.in_flight.clone());
        let _ = self.tokio.block_on(async move {
            for _ in 0..200 {
                if in_flight.load(Ordering::SeqCst) == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            kubesim_runtime_docker::clean(Some(&run)).await
        });
    }
}

/// A Docker id that requests made before it exists can wait for.
#[derive(Clone)]
struct DockerId(Arc<watch::Sender<Option<Option<String>>>>);

impl DockerId {
    fn new() -> DockerId {
        DockerId(Arc::new(watch::Sender::new(None)))
    }

    /// Records the id, or (`None`) that creating the object failed.
    fn set(&self, id: Option<String>) {
        self.0.send_replace(Some(id));
    }

    /// The id if the object exists now.
    fn get(&self) -> Option<String> {
        self.0.borrow().clone().flatten()
    }

    /// Waits until the object was created (or failed to be).
    async fn wait(&self) -> Option<String> {
        let mut rx = self.0.subscribe();
        rx.wait_for(Option::is_some).await.ok().and_then(|v| v.clone()).flatten()
    }
}

/// A sandbox: its Docker id once created, and what it was created as.
struct Sandbox {
    docker: DockerId,
    spec: SandboxSpec,
}

/// A container: its Docker id once created, and what the kubelet can ask of it.
struct Container {
    docker: DockerId,
    sandbox: String,
    http_port: Option<u16>,
    serving: bool,
    exited: bool,
    logs: Vec<String>,
}

/// One node's runtime on Docker.
pub struct DockerRuntime {
    host: Rc<DockerHost>,
    node: String,
    catalog: Rc<ImageCatalog>,
    tx: Sender<Done>,
    rx: Receiver<Done>,
    sandboxes: BTreeMap<String, Sandbox>,
    containers: BTreeMap<String, Container>,
    images: BTreeSet<String>,
    /// Pull failures to report at the next poll (no request is made for them).
    failed_pulls: Vec<String>,
    next_id: u64,
    polling: bool,
}

impl DockerRuntime {
    /// A runtime for `node`, playing `catalog`'s images on the host's engine.
    pub fn new(host: Rc<DockerHost>, node: &str, catalog: Rc<ImageCatalog>) -> DockerRuntime {
        let (tx, rx) = channel();
        DockerRuntime {
            host,
            node: node.to_string(),
            catalog,
            tx,
            rx,
            sandboxes: BTreeMap::new(),
            containers: BTreeMap::new(),
            images: BTreeSet::new(),
            failed_pulls: Vec::new(),
            next_id: 0,
            polling: false,
        }
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("docker://{prefix}-{}-{}", self.node, self.next_id)
    }

    /// Makes sure a poll is due, to collect what the requests report.
    fn poll_soon(&mut self, wake: &mut Wakeups) {
        if !self.polling {
            self.polling = true;
            wake.push((POLL_MS, POLL));
        }
    }

    /// The environment that makes the workload behave like `image` in the catalog.
    fn environment(&self, b: &ImageBehavior, pod: &str, image: &str) -> Vec<(String, String)> {
        let host = &self.host;
        let mut env = vec![
            ("KUBESIM_POD".to_string(), pod.to_string()),
            ("KUBESIM_NODE".to_string(), self.node.clone()),
            ("KUBESIM_IMAGE".to_string(), image.to_string()),
            ("KUBESIM_LOGS".to_string(), b.logs.join("\n")),
            ("KUBESIM_MEMORY_MIB".to_string(), b.memory_mib.to_string()),
            (
                "KUBESIM_STOP_MS".to_string(),
                b.stop_ms.map_or_else(|| "never".to_string(), |ms| host.wall_ms(ms).to_string()),
            ),
        ];
        if let Some(port) = b.http_port {
            env.push(("KUBESIM_HTTP_PORT".into(), port.to_string()));
            env.push(("KUBESIM_READY_AFTER_MS".into(), host.wall_ms(b.ready_after_ms).to_string()));
        }
        if let Lifetime::Exits { after_ms, code } = b.lifetime {
            env.push(("KUBESIM_EXIT_AFTER_MS".into(), host.wall_ms(after_ms).to_string()));
            env.push(("KUBESIM_EXIT_CODE".into(), code.to_string()));
        }
        env
    }

    fn collect(&mut self, done: Done) -> Option<RuntimeEvent> {
        match done {
            Done::SandboxReady(id) => {
                self.sandboxes.contains_key(&id).then(|| RuntimeEvent::SandboxReady { sandbox: id.into() })
            }
            Done::Pulled(image, result) => {
                if result.is_ok() {
                    self.images.insert(image.clone());
                }
                Some(RuntimeEvent::ImagePulled { image, result })
            }
            Done::Started(id) => {
                self.containers.get(&id).filter(|c| !c.exited)?;
                Some(RuntimeEvent::ContainerStarted { container: id.into() })
            }
            Done::Serving(id) => {
                let c = self.containers.get_mut(&id).filter(|c| !c.exited)?;
                c.serving = true;
                Some(RuntimeEvent::ContainerServing { container: id.into() })
            }
            Done::Exited { id, code, oom } => {
                let c = self.containers.get_mut(&id).filter(|c| !c.exited)?;
                c.exited = true;
                c.serving = false;
                Some(RuntimeEvent::ContainerExited { container: id.into(), exit_code: code, oom })
            }
            Done::Logs(id, logs) => {
                if let Some(c) = self.containers.get_mut(&id) {
                    c.logs = logs;
                }
                None
            }
        }
    }

    /// Removes containers (and sandboxes) without reporting their end.
    fn remove(&mut self, doomed: Vec<DockerId>) {
        if let Ok(mut routes) = self.host.routes.lock() {
            for id in doomed.iter().filter_map(DockerId::get) {
                routes.remove(&id);
            }
        }
        let (cri, routes) = (self.host.cri.clone(), self.host.routes.clone());
        self.host.spawn(async move {
            for docker in doomed {
                if let Some(id) = docker.wait().await {
                    if let Ok(mut r) = routes.lock() {
                        r.remove(&id);
                    }
                    let _ = cri.remove_container(&id).await;
                }
            }
        });
    }

    /// Whether anything may still report: then the polls go on.
    fn busy(&self) -> bool {
        !self.sandboxes.is_empty() || self.containers.values().any(|c| !c.exited)
    }
}

impl ContainerRuntime for DockerRuntime {
    fn version(&self) -> String {
        "docker://20.10 (kubesim replay)".into()
    }

    fn run_pod_sandbox(&mut self, wake: &mut Wakeups, config: &SandboxConfig) -> Str {
        let id = self.id("sandbox");
        let spec = SandboxSpec {
            pod: config.pod_name.clone(),
            namespace: config.namespace.clone(),
            uid: config.pod_uid.clone(),
            attempt: config.attempt,
            node: self.node.clone(),
            ip: self.host.real_ip(&config.ip),
        };
        let docker = DockerId::new();
        self.sandboxes.insert(id.clone(), Sandbox { docker: docker.clone(), spec: spec.clone() });
        let (cri, image, tx, ours) = (self.host.cri.clone(), self.host.workload_image(), self.tx.clone(), id.clone());
        self.host.spawn(async move {
            let created = match image.await {
                Ok(image) => cri.run_pod_sandbox(&spec, &image).await.map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            let created = created.inspect_err(|e| eprintln!("kubesim: sandbox of pod {}: {e}", spec.pod)).ok();
            let ready = created.is_some();
            docker.set(created);
            if ready {
                let _ = tx.send(Done::SandboxReady(ours));
            }
        });
        self.poll_soon(wake);
        id.into()
    }

    fn stop_pod_sandbox(&mut self, sandbox: &str) {
        let Some(s) = self.sandboxes.remove(sandbox) else { return };
        // Its containers go with it, unreported, as in the virtual runtime.
        let mut doomed = Vec::new();
        for c in self.containers.values_mut().filter(|c| c.sandbox == sandbox) {
            c.exited = true;
            doomed.push(c.docker.clone());
        }
        self.remove(doomed);
        let cri = self.host.cri.clone();
        self.host.spawn(async move {
            if let Some(id) = s.docker.wait().await {
                let _ = cri.remove_pod_sandbox(&id).await;
            }
        });
    }

    fn image_present(&self, image: &str) -> bool {
        self.images.contains(image)
    }

    fn pull_image(&mut self, wake: &mut Wakeups, image: &str) {
        self.poll_soon(wake);
        let Some(behavior) = self.catalog.lookup(image) else {
            self.failed_pulls.push(image.to_string());
            return;
        };
        let (size_bytes, speed) = (behavior.size_bytes, self.host.speed);
        let (ready, tx, image) = (self.host.workload_image(), self.tx.clone(), image.to_string());
        self.host.spawn(async move {
            #[allow(clippy::disallowed_types, reason = "a real pull's duration, outside the simulation")]
            let started = std::time::Instant::now();
            let result = ready
                .await
                .map(|_| PulledImage { size_bytes, took_ms: (started.elapsed().as_millis() as f64 * speed) as u64 });
            let _ = tx.send(Done::Pulled(image, result));
        });
    }

    fn start_container(&mut self, wake: &mut Wakeups, sandbox: &str, config: &ContainerConfig) -> Str {
        let id = self.id("container");
        let behavior = self
            .catalog
            .lookup(&config.image)
            .cloned()
            .unwrap_or_else(|| self.catalog.lookup("kubesim/web").cloned().expect("the catalog has kubesim/web"));
        let docker = DockerId::new();
        let container = Container {
            docker: docker.clone(),
            sandbox: sandbox.to_string(),
            http_port: behavior.http_port,
            serving: false,
            exited: false,
            logs: vec![],
        };
        self.containers.insert(id.clone(), container);
        self.poll_soon(wake);
        let Some(s) = self.sandboxes.get(sandbox) else { return id.into() };
        let spec = ContainerSpec {
            name: config.name.to_string(),
            image: String::new(),
            cmd: vec!["/kubesim-workload".into()],
            env: self.environment(&behavior, &s.spec.pod, &config.image),
            memory_limit_bytes: config.memory_limit_mib.map(|m| (m as i64) << 20),
            // cri-dockerd's name ends in the restart count; the runtime's counter is
            // unique per node, which Docker's names need across restarts.
            attempt: u32::try_from(self.next_id).unwrap_or(0),
        };
        let (pod, sandbox_docker) = (s.spec.clone(), s.docker.clone());
        let (cri, image, tx, routes, ours) =
            (self.host.cri.clone(), self.host.workload_image(), self.tx.clone(), self.host.routes.clone(), id.clone());
        let probe = behavior.http_port.map(|port| format!("{}:{port}", pod.ip));
        self.host.spawn(async move {
            // Without a sandbox (its creation failed, reported there) there is nothing to join.
            let created = match (image.await, sandbox_docker.wait().await) {
                (Ok(image), Some(sandbox)) => {
                    let name = spec.name.clone();
                    let created = cri.create_container(&sandbox, &pod, &ContainerSpec { image, ..spec }).await;
                    created.inspect_err(|e| eprintln!("kubesim: container {name} of pod {}: {e}", pod.pod)).ok()
                }
                _ => None,
            };
            docker.set(created.clone());
            let Some(container) = created else {
                let _ = tx.send(Done::Exited { id: ours, code: 128, oom: false });
                return;
            };
            if let Ok(mut r) = routes.lock() {
                r.insert(container.clone(), (tx.clone(), ours.clone()));
            }
            if let Err(e) = cri.start_container(&container).await {
                eprintln!("kubesim: starting a container of pod {}: {e}", pod.pod);
                let _ = tx.send(Done::Exited { id: ours, code: 128, oom: false });
                return;
            }
            let _ = tx.send(Done::Started(ours.clone()));
            tokio::time::sleep(Duration::from_millis(200)).await;
            if let Ok(logs) = cri.logs(&container).await {
                let _ = tx.send(Done::Logs(ours.clone(), logs));
            }
            // Readiness: the port answers (what an HTTP readiness probe would see). It
            // only reads, so it is not counted in flight: the end need not wait for it.
            let Some(address) = probe else { return };
            tokio::spawn(async move {
                loop {
                    if tokio::net::TcpStream::connect(&address).await.is_ok() {
                        let _ = tx.send(Done::Serving(ours));
                        return;
                    }
                    if cri.container_state(&container).await.map_or(true, |s| s.status != "running") {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
        });
        id.into()
    }

    fn stop_container(&mut self, wake: &mut Wakeups, container: &str, grace_ms: u64) {
        let Some(c) = self.containers.get(container) else { return };
        let timeout_s = i32::try_from(self.host.wall_ms(grace_ms).div_ceil(1000)).unwrap_or(i32::MAX);
        let (cri, docker) = (self.host.cri.clone(), c.docker.clone());
        self.host.spawn(async move {
            if let Some(id) = docker.wait().await {
                let _ = cri.stop_container(&id, timeout_s).await;
            }
        });
        self.poll_soon(wake);
    }

    fn kill_container(&mut self, wake: &mut Wakeups, container: &str) {
        let Some(c) = self.containers.get(container) else { return };
        let (cri, docker) = (self.host.cri.clone(), c.docker.clone());
        self.host.spawn(async move {
            if let Some(id) = docker.wait().await {
                let _ = cri.kill_container(&id).await;
            }
        });
        self.poll_soon(wake);
    }

    fn crash(&mut self) {
        // Power off: every container and sandbox dies, nothing is reported.
        let doomed = self
            .containers
            .values()
            .map(|c| c.docker.clone())
            .chain(self.sandboxes.values().map(|s| s.docker.clone()))
            .collect();
        self.remove(doomed);
        self.sandboxes.clear();
        self.containers.clear();
        self.failed_pulls.clear();
        while self.rx.try_recv().is_ok() {}
        self.polling = false;
    }

    fn set_partitioned(&mut self, cut: bool) {
        let sandboxes: Vec<(DockerId, String)> =
            self.sandboxes.values().map(|s| (s.docker.clone(), s.spec.ip.clone())).collect();
        // A partitioned kubelet learns of no new pods, so only these sandboxes matter.
        let cri = self.host.cri.clone();
        self.host.spawn(async move {
            for (docker, ip) in sandboxes {
                if let Some(id) = docker.wait().await {
                    let _ = if cut { cri.disconnect_sandbox(&id).await } else { cri.connect_sandbox(&id, &ip).await };
                }
            }
        });
    }

    fn on_timer(&mut self, wake: &mut Wakeups, timer: RuntimeTimer) -> Vec<RuntimeEvent> {
        if timer != POLL {
            return Vec::new();
        }
        self.polling = false;
        let mut events: Vec<RuntimeEvent> = self
            .failed_pulls
            .drain(..)
            .map(|image| RuntimeEvent::ImagePulled { result: Err(pull_error(&image)), image })
            .collect();
        while let Ok(done) = self.rx.try_recv() {
            events.extend(self.collect(done));
        }
        if self.busy() {
            self.poll_soon(wake);
        }
        events
    }

    fn logs(&self, container: &str) -> Option<Vec<String>> {
        self.containers.get(container).map(|c| c.logs.clone())
    }

    fn listening_port(&self, container: &str) -> Option<u16> {
        self.containers.get(container).filter(|c| c.serving).and_then(|c| c.http_port)
    }
}
