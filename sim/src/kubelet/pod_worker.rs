//! What the kubelet knows about one pod on its node, and the PodStatus it reports
//! (`generateAPIPodStatus` and `getPhase` upstream).

use std::rc::Rc;

use crate::api::core::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus, Pod,
    PodIp, PodStatus,
};
use crate::api::meta::{Condition, Time, find_condition, set_condition};
use crate::api::{ObjKey, Object};
use crate::engine::SimTime;
use crate::runtime::ContainerConfig;

use super::backoff::Backoff;

/// What a container is doing, as the kubelet last learned from its runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum CState {
    /// Not running: `ContainerCreating`, `ErrImagePull`, `CrashLoopBackOff`...
    Waiting {
        /// Reason shown in STATUS.
        reason: String,
        /// Longer explanation.
        message: Option<String>,
    },
    /// Running since `since`.
    Running {
        /// Start time.
        since: SimTime,
    },
    /// Ended.
    Terminated(ContainerStateTerminated),
}

/// An operation in flight at the runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Nothing pending.
    Idle,
    /// Waiting for an image pull.
    Pulling,
    /// Waiting for the container to start.
    Starting,
    /// Waiting for the container to stop.
    Stopping,
}

/// One container of the pod.
#[derive(Debug, Clone)]
pub struct ContainerWorker {
    /// What to run.
    pub config: ContainerConfig,
    /// `Always`, `IfNotPresent` or `Never`.
    pub pull_policy: String,
    /// Has a readiness probe (ready once serving) or not (ready once running).
    pub has_readiness_probe: bool,
    /// Current state.
    pub state: CState,
    /// The previous instance's end, shown as lastState.
    pub last_terminated: Option<ContainerStateTerminated>,
    /// Restarts so far.
    pub restart_count: i32,
    /// Current runtime container id.
    pub id: Option<String>,
    /// Set once the image was pulled or found.
    pub image_id: Option<String>,
    /// Serving on its port (readiness).
    pub serving: bool,
    /// In-flight runtime operation.
    pub op: Op,
    /// Restart backoff.
    pub crash_backoff: Backoff,
    /// Pull backoff.
    pub pull_backoff: Backoff,
    /// The spec changed (a new image): the container is being replaced, and starts again
    /// whatever the restart policy, without back-off.
    pub replacing: bool,
}

impl ContainerWorker {
    /// Moves to a waiting state; a terminated instance becomes `lastState`.
    pub fn set_waiting(&mut self, reason: &str, message: Option<String>) {
        let waiting = CState::Waiting { reason: reason.into(), message };
        if let CState::Terminated(t) = std::mem::replace(&mut self.state, waiting) {
            self.last_terminated = Some(t);
        }
    }

    /// True when the container counts as ready.
    pub fn ready(&self) -> bool {
        matches!(self.state, CState::Running { .. }) && (!self.has_readiness_probe || self.serving)
    }

    /// True while the runtime has a live process for it.
    pub fn is_live(&self) -> bool {
        matches!(self.state, CState::Running { .. }) || matches!(self.op, Op::Starting | Op::Stopping)
    }
}

/// The pod sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sandbox {
    /// Not created.
    None,
    /// Being created.
    Starting(String),
    /// Up.
    Ready(String),
}

/// The kubelet's record of one pod.
#[derive(Debug, Clone)]
pub struct PodWorker {
    /// Store key.
    pub key: ObjKey,
    /// The pod as last seen.
    pub pod: Rc<Object>,
    /// Sandbox state.
    pub sandbox: Sandbox,
    /// Assigned pod IP.
    pub ip: Option<String>,
    /// Containers, in spec order.
    pub containers: Vec<ContainerWorker>,
    /// When the kubelet first saw the pod.
    pub start_time: SimTime,
    /// The status last written.
    pub posted: Option<PodStatus>,
    /// Stop requested (deletion).
    pub terminating: bool,
    /// The grace period the containers were stopped with (a later, shorter one re-stops).
    pub stop_grace_ms: Option<u64>,
}

/// A fake but stable image digest, as `imageID` shows it.
pub fn image_id(image: &str) -> String {
    let reference = crate::runtime::images::normalize(image);
    let repo = reference.rsplit_once(':').map_or(reference.as_str(), |(r, _)| r);
    let mut rng = crate::engine::rng::stream(0, &reference);
    let digest: [u8; 32] = rand::RngExt::random(&mut rng);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{repo}@sha256:{hex}")
}

impl PodWorker {
    /// The pod, typed.
    pub fn pod(&self) -> &Pod {
        self.pod.as_pod().expect("pod workers hold pods")
    }

    /// The restart policy.
    pub fn restart_policy(&self) -> &str {
        self.pod().spec.restart_policy.as_deref().unwrap_or("Always")
    }

    /// Whether a container that exited with `code` is started again.
    pub fn should_restart(&self, code: i32) -> bool {
        match self.restart_policy() {
            "Never" => false,
            "OnFailure" => code != 0,
            _ => true,
        }
    }

    /// Upstream `getPhase`.
    pub fn phase(&self) -> &'static str {
        let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
        for c in &self.containers {
            match &c.state {
                CState::Running { .. } => running += 1,
                CState::Terminated(t) => {
                    stopped += 1;
                    if t.exit_code == 0 {
                        succeeded += 1;
                    }
                }
                CState::Waiting { .. } if c.last_terminated.is_some() => stopped += 1,
                CState::Waiting { .. } => waiting += 1,
            }
        }
        if waiting > 0 {
            "Pending"
        } else if running > 0 {
            "Running"
        } else if stopped > 0 {
            // All containers have stopped; some may be about to restart.
            let will_restart = self.containers.iter().any(|c| match &c.state {
                CState::Terminated(t) => self.should_restart(t.exit_code),
                _ => true,
            });
            if will_restart {
                "Running"
            } else if stopped == succeeded {
                "Succeeded"
            } else {
                "Failed"
            }
        } else {
            "Pending"
        }
    }

    /// The PodStatus to report, given the pod's current status (whose scheduler- and
    /// controller-owned conditions are kept), the node's IP and the time.
    pub fn status(&self, host_ip: &str, now: SimTime) -> PodStatus {
        let current = &self.pod().status;
        let mut status = PodStatus {
            phase: Some(self.phase().into()),
            qos_class: current.qos_class.clone(),
            host_ip: Some(host_ip.into()),
            host_ips: vec![PodIp { ip: host_ip.into() }],
            pod_ip: self.ip.clone().filter(|_| matches!(self.sandbox, Sandbox::Ready(_))),
            start_time: Some(Time(self.start_time)),
            ..Default::default()
        };
        status.pod_ips = status.pod_ip.iter().map(|ip| PodIp { ip: ip.clone() }).collect();
        status.container_statuses = self.containers.iter().map(container_status).collect();
        let mut conditions = self.posted.as_ref().map(|p| p.conditions.clone()).unwrap_or_default();
        let condition = |type_: &str, ok: bool, reason: Option<&str>, message: Option<String>| Condition {
            type_: type_.into(),
            status: if ok { "True" } else { "False" }.into(),
            last_probe_time: None,
            last_transition_time: Some(Time(now)),
            reason: if ok { None } else { reason.map(Into::into) },
            message: if ok { None } else { message },
            ..Default::default()
        };
        let unready: Vec<&str> =
            self.containers.iter().filter(|c| !c.ready()).map(|c| c.config.name.as_str()).collect();
        let all_ready = unready.is_empty();
        let (reason, message) = if self.phase() == "Succeeded" {
            ("PodCompleted", None)
        } else {
            ("ContainersNotReady", Some(format!("containers with unready status: [{}]", unready.join(" "))))
        };
        set_condition(
            &mut conditions,
            condition("PodReadyToStartContainers", matches!(self.sandbox, Sandbox::Ready(_)), None, None),
        );
        set_condition(&mut conditions, condition("Initialized", true, None, None));
        set_condition(&mut conditions, condition("Ready", all_ready, Some(reason), message.clone()));
        set_condition(&mut conditions, condition("ContainersReady", all_ready, Some(reason), message));
        if let Some(scheduled) = find_condition(&current.conditions, "PodScheduled") {
            set_condition(&mut conditions, scheduled.clone());
        }
        status.conditions = conditions;
        status
    }
}

fn container_status(c: &ContainerWorker) -> ContainerStatus {
    let state = match &c.state {
        CState::Waiting { reason, message } => ContainerState {
            waiting: Some(ContainerStateWaiting { reason: Some(reason.clone()), message: message.clone() }),
            ..Default::default()
        },
        CState::Running { since } => ContainerState {
            running: Some(ContainerStateRunning { started_at: Some(Time(*since)) }),
            ..Default::default()
        },
        CState::Terminated(t) => ContainerState { terminated: Some(t.clone()), ..Default::default() },
    };
    ContainerStatus {
        name: c.config.name.clone(),
        state,
        last_state: ContainerState { terminated: c.last_terminated.clone(), ..Default::default() },
        ready: c.ready(),
        restart_count: c.restart_count,
        image: c.config.image.clone(),
        image_id: c.image_id.clone().unwrap_or_default(),
        container_id: c.id.clone(),
        started: Some(matches!(c.state, CState::Running { .. })),
    }
}
