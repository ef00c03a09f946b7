//! Sandboxes and containers on Docker, named and labelled as cri-dockerd does
//! (`k8s_POD_<pod>_<ns>_<uid>_<attempt>`, `k8s_<container>_<pod>_<ns>_<uid>_<attempt>`),
//! on one bridge network per run with static addresses.

use bollard::Docker;
use bollard::models::{
    ContainerCreateBody, EndpointIpamConfig, EndpointSettings, HostConfig, Ipam, IpamConfig, NetworkConnectRequest,
    NetworkCreateRequest, NetworkDisconnectRequest, NetworkingConfig, RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, EventsOptionsBuilder, KillContainerOptionsBuilder,
    ListContainersOptionsBuilder, ListNetworksOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
    StopContainerOptionsBuilder,
};
use futures_util::{Stream, StreamExt, TryStreamExt};

use crate::{MANAGED, NODE, OWNER, RUN, workload};

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// No engine answers on the socket.
    NoEngine(String),
    /// The engine refused or failed a request.
    Docker(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NoEngine(socket) => {
                write!(f, "no Docker engine answers on {socket} (is dockerd running? DOCKER_HOST?)")
            }
            Error::Docker(e) => write!(f, "docker: {e}"),
        }
    }
}

impl std::error::Error for Error {}

fn docker_error(e: bollard::errors::Error) -> Error {
    Error::Docker(e.to_string())
}

/// The socket bollard's local defaults use.
fn socket() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into())
}

/// A pod sandbox to run.
#[derive(Debug, Clone)]
pub struct SandboxSpec {
    /// Pod name.
    pub pod: String,
    /// Pod namespace.
    pub namespace: String,
    /// Pod UID.
    pub uid: String,
    /// How many sandboxes the pod had before.
    pub attempt: u32,
    /// The node it runs on (a label: every node shares the host).
    pub node: String,
    /// Its static address on the run's network.
    pub ip: String,
}

/// A container to run in a sandbox.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    /// Container name within the pod.
    pub name: String,
    /// The image to run.
    pub image: String,
    /// The command.
    pub cmd: Vec<String>,
    /// Environment variables.
    pub env: Vec<(String, String)>,
    /// Memory limit in bytes, if any (no swap beyond it, so the kernel OOM-kills).
    pub memory_limit_bytes: Option<i64>,
    /// Restart count, the name's last part.
    pub attempt: u32,
}

/// A container's state as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerState {
    /// `created`, `running`, `exited`…
    pub status: String,
    /// Exit code, once it exited.
    pub exit_code: i64,
    /// Whether the kernel killed it for memory.
    pub oom_killed: bool,
}

/// A container event of this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerEvent {
    /// Container id.
    pub id: String,
    /// `start`, `die`, `oom`, `kill`…
    pub action: String,
    /// For `die`, the exit code.
    pub exit_code: Option<i64>,
}

/// A connection to the engine for one run.
#[derive(Clone)]
pub struct Cri {
    docker: Docker,
    run: String,
    network: String,
}

impl Cri {
    /// Connects (and checks the engine answers); `run` labels and names everything.
    pub async fn connect(run: &str) -> Result<Cri, Error> {
        let docker = Docker::connect_with_local_defaults().map_err(|_| Error::NoEngine(socket()))?;
        let docker = docker.negotiate_version().await.map_err(|_| Error::NoEngine(socket()))?;
        docker.ping().await.map_err(|_| Error::NoEngine(socket()))?;
        Ok(Cri { docker, run: run.to_string(), network: format!("kubesim-{run}") })
    }

    /// The run this connection labels objects with.
    pub fn run(&self) -> &str {
        &self.run
    }

    #[allow(clippy::disallowed_types, reason = "bollard's label type; labels have no order")]
    fn labels(&self, node: &str, pairs: &[(&str, &str)]) -> Option<std::collections::HashMap<String, String>> {
        let mut labels: Vec<(String, String)> = vec![
            (MANAGED.into(), "true".into()),
            (RUN.into(), self.run.clone()),
            (NODE.into(), node.into()),
            (OWNER.into(), std::process::id().to_string()),
        ];
        labels.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Some(labels.into_iter().collect())
    }

    /// Creates the run's bridge network with `subnet` (e.g. `10.201.0.0/16`).
    pub async fn create_network(&self, subnet: &str) -> Result<(), Error> {
        let request = NetworkCreateRequest {
            name: self.network.clone(),
            driver: Some("bridge".into()),
            ipam: Some(Ipam {
                config: Some(vec![IpamConfig { subnet: Some(subnet.into()), ..Default::default() }]),
                ..Default::default()
            }),
            labels: self.labels("", &[]),
            ..Default::default()
        };
        self.docker.create_network(request).await.map(|_| ()).map_err(docker_error)
    }

    /// Subnets of every network on the engine, to pick one that does not overlap.
    pub async fn subnets_in_use(&self) -> Result<Vec<String>, Error> {
        let networks = self.docker.list_networks(None::<bollard::query_parameters::ListNetworksOptions>);
        let networks = networks.await.map_err(docker_error)?;
        Ok(networks
            .into_iter()
            .flat_map(|n| n.ipam.and_then(|i| i.config).unwrap_or_default())
            .filter_map(|c| c.subnet)
            .collect())
    }

    /// Imports the workload image unless the engine has it; returns its tag.
    pub async fn ensure_workload_image(&self) -> Result<String, Error> {
        let tag = workload::workload_tag();
        if self.image_present(&tag).await {
            return Ok(tag);
        }
        let (repo, version) = tag.split_once(':').expect("the tag has a version");
        let options = CreateImageOptionsBuilder::default().from_src("-").repo(repo).tag(version).build();
        let body = bollard::body_full(workload::rootfs().into());
        self.docker
            .create_image(Some(options), Some(body), None)
            .try_collect::<Vec<_>>()
            .await
            .map_err(docker_error)?;
        Ok(tag)
    }

    /// Whether the engine has `image`.
    pub async fn image_present(&self, image: &str) -> bool {
        self.docker.inspect_image(image).await.is_ok()
    }

    /// Starts a pod sandbox (a pause container: the workload with nothing to do) holding
    /// the network namespace at `spec.ip`; returns its id.
    pub async fn run_pod_sandbox(&self, spec: &SandboxSpec, image: &str) -> Result<String, Error> {
        let name = format!("k8s_POD_{}_{}_{}_{}_{}", spec.pod, spec.namespace, spec.uid, spec.attempt, self.run);
        let endpoint = EndpointSettings {
            ipam_config: Some(EndpointIpamConfig { ipv4_address: Some(spec.ip.clone()), ..Default::default() }),
            ..Default::default()
        };
        let body = ContainerCreateBody {
            image: Some(image.into()),
            cmd: Some(vec!["/kubesim-workload".into()]),
            hostname: Some(spec.pod.clone()),
            labels: self.labels(
                &spec.node,
                &[
                    ("io.kubernetes.pod.name", &spec.pod),
                    ("io.kubernetes.pod.namespace", &spec.namespace),
                    ("io.kubernetes.pod.uid", &spec.uid),
                    ("io.kubernetes.docker.type", "podsandbox"),
                ],
            ),
            host_config: Some(HostConfig {
                network_mode: Some(self.network.clone()),
                ipc_mode: Some("shareable".into()),
                restart_policy: Some(RestartPolicy { name: Some(RestartPolicyNameEnum::NO), ..Default::default() }),
                ..Default::default()
            }),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some([(self.network.clone(), endpoint)].into_iter().collect()),
            }),
            ..Default::default()
        };
        let id = self.create(&name, body).await?;
        self.docker
            .start_container(&id, None::<bollard::query_parameters::StartContainerOptions>)
            .await
            .map_err(docker_error)?;
        Ok(id)
    }

    /// Runs one container with its own address, as `docker run --ip` would (no sandbox):
    /// the baseline a pod's start is measured against. Returns its id.
    pub async fn run_standalone(&self, at: &SandboxSpec, spec: &ContainerSpec) -> Result<String, Error> {
        let name = format!("bare_{}_{}_{}", spec.name, at.pod, self.run);
        let endpoint = EndpointSettings {
            ipam_config: Some(EndpointIpamConfig { ipv4_address: Some(at.ip.clone()), ..Default::default() }),
            ..Default::default()
        };
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: Some(spec.cmd.clone()),
            env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            labels: self.labels(&at.node, &[]),
            host_config: Some(HostConfig { network_mode: Some(self.network.clone()), ..Default::default() }),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some([(self.network.clone(), endpoint)].into_iter().collect()),
            }),
            ..Default::default()
        };
        let id = self.create(&name, body).await?;
        self.start_container(&id).await?;
        Ok(id)
    }

    /// Stops a pod sandbox (its pause container; the containers joined to it lose their
    /// network with it).
    pub async fn stop_pod_sandbox(&self, id: &str, timeout_s: i32) -> Result<(), Error> {
        self.stop_container(id, timeout_s).await
    }

    /// Removes a pod sandbox.
    pub async fn remove_pod_sandbox(&self, id: &str) -> Result<(), Error> {
        self.remove_container(id).await
    }

    /// Creates a container in `sandbox`'s namespaces; returns its id.
    pub async fn create_container(
        &self,
        sandbox: &str,
        pod: &SandboxSpec,
        spec: &ContainerSpec,
    ) -> Result<String, Error> {
        let name = format!("k8s_{}_{}_{}_{}_{}_{}", spec.name, pod.pod, pod.namespace, pod.uid, spec.attempt, self.run);
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: Some(spec.cmd.clone()),
            env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            labels: self.labels(
                &pod.node,
                &[
                    ("io.kubernetes.pod.name", &pod.pod),
                    ("io.kubernetes.pod.namespace", &pod.namespace),
                    ("io.kubernetes.pod.uid", &pod.uid),
                    ("io.kubernetes.container.name", &spec.name),
                    ("io.kubernetes.docker.type", "container"),
                ],
            ),
            host_config: Some(HostConfig {
                network_mode: Some(format!("container:{sandbox}")),
                ipc_mode: Some(format!("container:{sandbox}")),
                memory: spec.memory_limit_bytes,
                memory_swap: spec.memory_limit_bytes,
                restart_policy: Some(RestartPolicy { name: Some(RestartPolicyNameEnum::NO), ..Default::default() }),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.create(&name, body).await
    }

    async fn create(&self, name: &str, body: ContainerCreateBody) -> Result<String, Error> {
        let options = CreateContainerOptionsBuilder::default().name(name).build();
        Ok(self.docker.create_container(Some(options), body).await.map_err(docker_error)?.id)
    }

    /// Starts a created container.
    pub async fn start_container(&self, id: &str) -> Result<(), Error> {
        self.docker
            .start_container(id, None::<bollard::query_parameters::StartContainerOptions>)
            .await
            .map_err(docker_error)
    }

    /// SIGTERM, then SIGKILL after `timeout_s`.
    pub async fn stop_container(&self, id: &str, timeout_s: i32) -> Result<(), Error> {
        let options = StopContainerOptionsBuilder::default().t(timeout_s).build();
        self.docker.stop_container(id, Some(options)).await.map_err(docker_error)
    }

    /// SIGKILL now.
    pub async fn kill_container(&self, id: &str) -> Result<(), Error> {
        let options = KillContainerOptionsBuilder::default().signal("SIGKILL").build();
        self.docker.kill_container(id, Some(options)).await.map_err(docker_error)
    }

    /// Removes a container (killing it if it runs).
    pub async fn remove_container(&self, id: &str) -> Result<(), Error> {
        let options = RemoveContainerOptionsBuilder::default().force(true).v(true).build();
        match self.docker.remove_container(id, Some(options)).await {
            Ok(()) => Ok(()),
            // Already gone.
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(()),
            Err(e) => Err(docker_error(e)),
        }
    }

    /// The container's state.
    pub async fn container_state(&self, id: &str) -> Result<ContainerState, Error> {
        let inspect = self.docker.inspect_container(id, None::<bollard::query_parameters::InspectContainerOptions>);
        let state = inspect.await.map_err(docker_error)?.state.unwrap_or_default();
        Ok(ContainerState {
            status: state.status.map(|s| s.to_string()).unwrap_or_default(),
            exit_code: state.exit_code.unwrap_or(0),
            oom_killed: state.oom_killed.unwrap_or(false),
        })
    }

    /// What the container wrote to stdout, line by line.
    pub async fn logs(&self, id: &str) -> Result<Vec<String>, Error> {
        let options = LogsOptionsBuilder::default().stdout(true).build();
        let chunks: Vec<_> = self.docker.logs(id, Some(options)).try_collect().await.map_err(docker_error)?;
        let text: String = chunks.iter().map(ToString::to_string).collect();
        Ok(text.lines().map(str::to_string).collect())
    }

    /// Cuts a sandbox off the network (a partition).
    pub async fn disconnect_sandbox(&self, id: &str) -> Result<(), Error> {
        let request = NetworkDisconnectRequest { container: id.into(), force: Some(true) };
        self.docker.disconnect_network(&self.network, request).await.map_err(docker_error)
    }

    /// Reconnects a sandbox with its address.
    pub async fn connect_sandbox(&self, id: &str, ip: &str) -> Result<(), Error> {
        let request = NetworkConnectRequest {
            container: id.into(),
            endpoint_config: Some(EndpointSettings {
                ipam_config: Some(EndpointIpamConfig { ipv4_address: Some(ip.into()), ..Default::default() }),
                ..Default::default()
            }),
        };
        self.docker.connect_network(&self.network, request).await.map_err(docker_error)
    }

    /// This run's container events since `since` (seconds since the Unix epoch, e.g.
    /// [`unix_now`] taken before acting: the stream is lazy, and the engine replays
    /// what happened since then, so nothing is missed).
    #[allow(clippy::disallowed_types, reason = "bollard's filter type; the order of filters does not matter")]
    pub fn events(&self, since: i64) -> impl Stream<Item = DockerEvent> + use<> {
        let label = format!("{RUN}={}", self.run);
        let filters: std::collections::HashMap<&str, Vec<&str>> =
            [("type", vec!["container"]), ("label", vec![label.as_str()])].into_iter().collect();
        let options = EventsOptionsBuilder::default().since(&since.to_string()).filters(&filters).build();
        self.docker.events(Some(options)).filter_map(|event| async move {
            let event = event.ok()?;
            let actor = event.actor?;
            let exit_code = actor.attributes.as_ref().and_then(|a| a.get("exitCode")).and_then(|c| c.parse().ok());
            Some(DockerEvent { id: actor.id?, action: event.action?, exit_code })
        })
    }
}

/// Seconds since the Unix epoch, for [`Cri::events`]. The adapter talks to a real engine
/// on the wall clock; nothing here is simulated.
#[allow(clippy::disallowed_types, reason = "Docker's event API is keyed by wall-clock time")]
pub fn unix_now() -> i64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX)
}

/// Removes what runs whose process has ended left behind (a replay killed before it
/// could clean up); returns each such run and how many containers it had.
#[allow(clippy::disallowed_types, reason = "bollard's filter type; the order of filters does not matter")]
pub async fn clean_leftovers() -> Result<Vec<(String, usize)>, Error> {
    let docker = Docker::connect_with_local_defaults().map_err(|_| Error::NoEngine(socket()))?;
    docker.ping().await.map_err(|_| Error::NoEngine(socket()))?;
    let label = format!("{MANAGED}=true");
    let filters: std::collections::HashMap<&str, Vec<&str>> = [("label", vec![label.as_str()])].into_iter().collect();
    let options = ListContainersOptionsBuilder::default().all(true).filters(&filters).build();
    let mut runs: std::collections::BTreeMap<String, (String, usize)> = std::collections::BTreeMap::new();
    for c in docker.list_containers(Some(options)).await.map_err(docker_error)? {
        let labels = c.labels.unwrap_or_default();
        if let Some(run) = labels.get(RUN) {
            let owner = labels.get(OWNER).cloned().unwrap_or_default();
            runs.entry(run.clone()).or_insert((owner, 0)).1 += 1;
        }
    }
    let mut removed = Vec::new();
    for (run, (owner, count)) in runs {
        let alive = !owner.is_empty() && std::path::Path::new(&format!("/proc/{owner}")).exists();
        if !alive {
            clean(Some(&run)).await?;
            removed.push((run, count));
        }
    }
    Ok(removed)
}

/// Removes every container and network kubesim made (of one run, or of every run), and
/// nothing else; returns how many containers went.
#[allow(clippy::disallowed_types, reason = "bollard's filter type; the order of filters does not matter")]
pub async fn clean(run: Option<&str>) -> Result<usize, Error> {
    let docker = Docker::connect_with_local_defaults().map_err(|_| Error::NoEngine(socket()))?;
    docker.ping().await.map_err(|_| Error::NoEngine(socket()))?;
    let label = match run {
        Some(run) => format!("{RUN}={run}"),
        None => format!("{MANAGED}=true"),
    };
    let filters: std::collections::HashMap<&str, Vec<&str>> = [("label", vec![label.as_str()])].into_iter().collect();
    let options = ListContainersOptionsBuilder::default().all(true).filters(&filters).build();
    let containers = docker.list_containers(Some(options)).await.map_err(docker_error)?;
    let remove = RemoveContainerOptionsBuilder::default().force(true).v(true).build();
    for c in &containers {
        if let Some(id) = &c.id {
            match docker.remove_container(id, Some(remove.clone())).await {
                Ok(()) | Err(bollard::errors::Error::DockerResponseServerError { status_code: 404 | 409, .. }) => {}
                Err(e) => return Err(docker_error(e)),
            }
        }
    }
    let options = ListNetworksOptionsBuilder::default().filters(&filters).build();
    for network in docker.list_networks(Some(options)).await.map_err(docker_error)? {
        if let Some(id) = network.id {
            let _ = docker.remove_network(&id).await;
        }
    }
    Ok(containers.len())
}
