//! The container runtime boundary, shaped like the CRI: the kubelet asks for sandboxes,
//! images and containers; the runtime answers later with [`RuntimeEvent`]s. The virtual
//! runtime plays the image catalog in simulated time; nothing above the kubelet knows
//! which runtime is in use.

#[cfg(feature = "docker")]
pub mod docker;
#[cfg(feature = "docker")]
pub mod docker_bench;
pub mod images;
mod virtual_runtime;

use crate::api::Str;

pub use virtual_runtime::VirtualRuntime;

/// A pod sandbox to run (the pause container holding the pod's network namespace).
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Pod UID.
    pub pod_uid: String,
    /// Pod name.
    pub pod_name: String,
    /// Pod namespace.
    pub namespace: String,
    /// How many sandboxes this pod had before.
    pub attempt: u32,
    /// The IP the kubelet assigned from the node's podCIDR.
    pub ip: String,
}

/// A container to create in a sandbox.
#[derive(Debug, Clone)]
pub struct ContainerConfig {
    /// Container name within the pod.
    pub name: Str,
    /// Image reference.
    pub image: Str,
    /// Entrypoint override.
    pub command: Vec<String>,
    /// Arguments.
    pub args: Vec<String>,
    /// Memory limit in MiB, if any.
    pub memory_limit_mib: Option<u64>,
}

/// A pulled image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledImage {
    /// Bytes, as the Pulled event reports.
    pub size_bytes: u64,
    /// How long the pull took.
    pub took_ms: u64,
}

/// Something the runtime reports to its kubelet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeEvent {
    /// The sandbox is up and has its IP.
    SandboxReady {
        /// Sandbox id.
        sandbox: Str,
    },
    /// A pull finished.
    ImagePulled {
        /// The image as requested.
        image: String,
        /// Size and duration, or the registry's error.
        result: Result<PulledImage, String>,
    },
    /// A container is running.
    ContainerStarted {
        /// Container id.
        container: Str,
    },
    /// A container answers on its port (what a readiness probe would see).
    ContainerServing {
        /// Container id.
        container: Str,
    },
    /// A container ended.
    ContainerExited {
        /// Container id.
        container: Str,
        /// Exit code (137 for SIGKILL).
        exit_code: i32,
        /// `OOMKilled` when the kernel killed it for memory, else `None`.
        oom: bool,
    },
}

/// An opaque wake-up the runtime scheduled for itself; the engine hands it back after
/// the requested delay, and the runtime decides what (if anything) happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeTimer(pub u64);

/// Wake-ups requested during one call, as (delay in ms, timer).
pub type Wakeups = Vec<(u64, RuntimeTimer)>;

/// The CRI-shaped interface a kubelet drives.
pub trait ContainerRuntime {
    /// `containerd://1.7.22`, shown as the node's CONTAINER-RUNTIME.
    fn version(&self) -> String;
    /// Starts a sandbox; `SandboxReady` follows.
    fn run_pod_sandbox(&mut self, wake: &mut Wakeups, config: &SandboxConfig) -> Str;
    /// Stops a sandbox and everything in it, at once.
    fn stop_pod_sandbox(&mut self, sandbox: &str);
    /// Whether the node has the image.
    fn image_present(&self, image: &str) -> bool;
    /// Starts a pull; `ImagePulled` follows.
    fn pull_image(&mut self, wake: &mut Wakeups, image: &str);
    /// Creates and starts a container; `ContainerStarted` follows (and maybe more).
    fn start_container(&mut self, wake: &mut Wakeups, sandbox: &str, config: &ContainerConfig) -> Str;
    /// Sends SIGTERM, then SIGKILL after `grace_ms`; `ContainerExited` follows.
    fn stop_container(&mut self, wake: &mut Wakeups, container: &str, grace_ms: u64);
    /// SIGKILL now (a fault: the process died); `ContainerExited` follows at once.
    fn kill_container(&mut self, wake: &mut Wakeups, container: &str);
    /// The machine lost power: every container is gone, nothing is reported.
    fn crash(&mut self);
    /// The node is cut off the network (`true`) or back on it. The simulated network
    /// needs nothing here (the cluster's `curl` knows); a real one is cut.
    fn set_partitioned(&mut self, _cut: bool) {}
    /// A wake-up is due; returns what happened (what still matters), and may ask for
    /// more wake-ups (a runtime that polls a real engine does).
    fn on_timer(&mut self, wake: &mut Wakeups, timer: RuntimeTimer) -> Vec<RuntimeEvent>;
    /// What the container wrote to stdout.
    fn logs(&self, container: &str) -> Option<Vec<String>>;
    /// The TCP port a running container answers HTTP on, if it does.
    fn listening_port(&self, container: &str) -> Option<u16>;
}
