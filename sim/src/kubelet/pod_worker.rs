//! What the kubelet knows about one pod on its node, and the PodStatus it reports
//! (`generateAPIPodStatus` and `getPhase` upstream).

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::api::core::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus, Pod,
    PodIp, PodStatus,
};
use crate::api::meta::{Condition, Time, find_condition, set_condition};
use crate::api::{ObjKey, Object, Shared, Str};
use crate::engine::SimTime;
use crate::runtime::ContainerConfig;

use super::backoff::Backoff;

/// What a container is doing, as the kubelet last learned from its runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum CState {
    /// Not running: `ContainerCreating`, `ErrImagePull`, `CrashLoopBackOff`...
    Waiting {
        /// Reason shown in STATUS.
        reason: Str,
        /// Longer explanation.
        message: Option<Str>,
    },
    /// Running since `since`.
    Running {
        /// Start time.
        since: SimTime,
    },
    /// Ended (boxed: most containers never end, and every one has a state).
    Terminated(Box<ContainerStateTerminated>),
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
    pub pull_policy: Str,
    /// Has a readiness probe (ready once serving) or not (ready once running).
    pub has_readiness_probe: bool,
    /// Current state.
    pub state: CState,
    /// The previous instance's end, shown as lastState.
    pub last_terminated: Option<Box<ContainerStateTerminated>>,
    /// Restarts so far.
    pub restart_count: i32,
    /// Current runtime container id.
    pub id: Option<Str>,
    /// Set once the image was pulled or found.
    pub image_id: Option<Str>,
    /// Serving on its port (readiness).
    pub serving: bool,
    /// In-flight runtime operation.
    pub op: Op,
    /// Restart backoff.
    pub crash_backoff: Backoff,
    /// The spec changed (a new image): the container is being replaced, and starts again
    /// whatever the restart policy, without back-off.
    pub replacing: bool,
    /// Why the last sync could not start it (`ErrImagePull`, `ImagePullBackOff`,
    /// `ErrImageNeverPull`) and the message: upstream's `reasonCache`. The status shows it
    /// from the next sync on, until a start succeeds.
    pub start_failure: Option<(Str, Option<Str>)>,
    /// The image being pulled for it, while `op` is `Pulling`.
    pub pulling_image: Option<Str>,
    /// The sync that is starting it also changed the runtime (created the pod's sandbox,
    /// or killed the container's old instance), so the PLEG has an event waiting: if the
    /// start fails, the pod is synced again at the next relist instead of after the
    /// pod worker's back-off.
    pub pleg_pending: bool,
}

impl ContainerWorker {
    /// Moves to a waiting state; a terminated instance becomes `lastState`.
    pub fn set_waiting(&mut self, reason: Str, message: Option<Str>) {
        let waiting = CState::Waiting { reason, message };
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

/// Image pull back-off of one image for one pod (upstream keys it `<pod uid>_<image>`),
/// with the error of the last failed pull, which the back-off message repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullBackoff {
    /// The back-off.
    pub backoff: Backoff,
    /// `ErrImagePull: <registry error>` of the last failed pull, if any.
    pub last_error: Option<String>,
}

/// The pod sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sandbox {
    /// Not created.
    None,
    /// Being created.
    Starting(Str),
    /// Up.
    Ready(Str),
}

/// The kubelet's record of one pod.
#[derive(Debug, Clone)]
pub struct PodWorker {
    /// Store key.
    pub key: ObjKey,
    /// The pod as last seen (from the watch, or as the last status write returned it).
    pub pod: Rc<Object>,
    /// The pod as the watch last delivered it (upstream's pod config): a change is
    /// judged against this, not against what a status write returned.
    pub seen: Rc<Object>,
    /// Sandbox state.
    pub sandbox: Sandbox,
    /// Assigned pod IP.
    pub ip: Option<Str>,
    /// Containers, in spec order: fixed for the worker's life (a boxed slice keeps the
    /// worker in the 160-byte size class).
    pub containers: Box<[ContainerWorker]>,
    /// When the kubelet first saw the pod.
    pub start_time: SimTime,
    /// The status last written.
    pub posted: Option<Shared<PodStatus>>,
    /// A status computed after `posted` could not be sent (the node was cut off).
    pub unsent: bool,
    /// Stop requested (deletion).
    pub terminating: bool,
    /// The grace period the containers were stopped with (a later, shorter one re-stops).
    pub stop_grace_ms: Option<u64>,
    /// Image pull back-off by image: a new image is pulled at once, whatever the old
    /// one's back-off.
    pub pull_backoff: BTreeMap<String, PullBackoff>,
    /// When the pod worker's work queue holds the pod for another sync (one entry per
    /// pod: a later enqueue replaces it).
    pub requeue_at: Option<SimTime>,
    /// The sync under way failed to start a container; `true` when it also changed the
    /// runtime (see [`ContainerWorker::pleg_pending`]).
    pub failed_sync: Option<bool>,
    /// A spec change arrived while a pull was in flight: the pod worker is busy in that
    /// sync and handles the change once the pull is over.
    pub update_pending: bool,
}

/// A fake but stable image digest, as `imageID` shows it: a function of the image
/// alone, worked out once per image and shared by every container that runs it.
pub fn image_id(image: &str) -> Str {
    thread_local! {
        static IDS: std::cell::RefCell<BTreeMap<String, Str>> = const { std::cell::RefCell::new(BTreeMap::new()) };
    }
    IDS.with_borrow_mut(|ids| {
        if let Some(id) = ids.get(image) {
            return id.clone();
        }
        let reference = crate::runtime::images::normalize(image);
        let repo = reference.rsplit_once(':').map_or(reference.as_str(), |(r, _)| r);
        let mut rng = crate::engine::rng::stream(0, &reference);
        let digest: [u8; 32] = rand::RngExt::random(&mut rng);
        let id = Str::from(format!("{repo}@sha256:{}", crate::engine::hash::to_hex(&digest)));
        ids.insert(image.to_string(), id.clone());
        id
    })
}

impl PodWorker {
    /// The pod, typed.
    pub fn pod(&self) -> &Pod {
        self.pod.as_pod().expect("pod workers hold pods")
    }

    /// True while the sync that brings the pod up waits on the runtime: the sandbox, a
    /// pull or a container start. Upstream does all of it in one sync and reports the
    /// status when a sync starts, so nothing in between is posted.
    pub fn starting_up(&self) -> bool {
        matches!(self.sandbox, Sandbox::Starting(_))
            || self.containers.iter().any(|c| matches!(c.op, Op::Pulling | Op::Starting))
    }

    /// Records that the sync under way could not start container `i`.
    pub fn sync_failed(&mut self, i: usize) {
        let pleg = std::mem::take(&mut self.containers[i].pleg_pending);
        self.failed_sync = Some(self.failed_sync.unwrap_or(false) || pleg);
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
    pub fn status(&self, host_ip: &Str, now: SimTime) -> PodStatus {
        let current = &self.pod().status;
        let mut status = PodStatus {
            phase: Some(Str::lit(self.phase())),
            qos_class: current.qos_class.clone(),
            host_ip: Some(host_ip.clone()),
            host_ips: ip_list(Some(host_ip), &current.host_ips),
            pod_ip: self.ip.clone().filter(|_| matches!(self.sandbox, Sandbox::Ready(_))),
            start_time: Some(Time::at(self.start_time)),
            ..Default::default()
        };
        status.pod_ips = ip_list(status.pod_ip.as_ref(), &current.pod_ips);
        status.container_statuses = self.containers.iter().map(container_status).collect();
        // Sorted by name, as the kubelet reports them (`kubetypes.SortedContainerStatuses`
        // in `convertToAPIContainerStatuses`), whatever the spec's order.
        status.container_statuses.sort_by(|a, b| a.name.cmp(&b.name));
        // The five conditions below, with room for no more: millions of statuses are kept.
        let mut conditions = Vec::with_capacity(5);
        conditions.extend(self.posted.iter().flat_map(|p| p.conditions.iter().cloned()));
        let condition = |type_: &'static str, ok: bool, reason: Option<&'static str>, message: Option<Str>| Condition {
            type_: Str::lit(type_),
            status: Str::lit(if ok { "True" } else { "False" }),
            last_probe_time: None,
            last_transition_time: Some(Time::at(now)),
            reason: if ok { None } else { reason.map(Str::lit) },
            message: if ok { None } else { message },
            ..Default::default()
        };
        let unready: Vec<&str> =
            self.containers.iter().filter(|c| !c.ready()).map(|c| c.config.name.as_str()).collect();
        let all_ready = unready.is_empty();
        let (reason, message) = if self.phase() == "Succeeded" {
            ("PodCompleted", None)
        } else {
            let message = || Str::from(format!("containers with unready status: [{}]", unready.join(" ")));
            ("ContainersNotReady", (!all_ready).then(message))
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
        status.conditions = conditions.into();
        status
    }
}

/// The list of `ip`, or none: `current` if it is that already (shared by the statuses
/// the pod's worker posts).
fn ip_list(ip: Option<&Str>, current: &Shared<Vec<PodIp>>) -> Shared<Vec<PodIp>> {
    match ip {
        Some(ip) if !matches!(&current[..], [only] if only.ip == *ip) => vec![PodIp { ip: ip.clone() }].into(),
        Some(_) => current.clone(),
        None => Shared::default(),
    }
}

fn container_status(c: &ContainerWorker) -> ContainerStatus {
    let state = match &c.state {
        CState::Waiting { reason, message } => ContainerState {
            waiting: Some(Box::new(ContainerStateWaiting { reason: Some(reason.clone()), message: message.clone() })),
            ..Default::default()
        },
        CState::Running { since } => ContainerState {
            running: Some(ContainerStateRunning { started_at: Some(Time::at(*since)) }),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// One per pod: a few bytes more cost the next size class, 192 bytes.
    #[test]
    fn a_worker_fits_its_size_class() {
        assert!(std::mem::size_of::<PodWorker>() <= 160, "{}", std::mem::size_of::<PodWorker>());
    }

    #[test]
    fn a_status_shares_the_ip_list_it_repeats() {
        let ip = Str::from("10.244.1.5");
        let fresh = ip_list(Some(&ip), &Shared::default());
        assert_eq!(fresh.iter().map(|p| p.ip.as_str()).collect::<Vec<_>>(), ["10.244.1.5"]);
        assert!(Shared::ptr_eq(&ip_list(Some(&ip), &fresh), &fresh));
        let moved = ip_list(Some(&Str::from("10.244.1.6")), &fresh);
        assert!(!Shared::ptr_eq(&moved, &fresh) && moved[0].ip == "10.244.1.6");
        assert!(ip_list(None, &fresh).is_empty());
    }
}
