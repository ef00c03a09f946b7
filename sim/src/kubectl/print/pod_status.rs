//! The READY, STATUS and RESTARTS columns of `kubectl get pods`, computed exactly as
//! `printPod` in k/k `pkg/printers/internalversion/printers.go` (v1.32) does.

use crate::api::core::{ContainerStatus, Pod};
use crate::api::meta::find_condition;
use crate::api::or_empty;
use crate::engine::SimTime;

use super::age::{human_duration, signed_ms_between};

/// What `printPod` derives from a pod's status in one pass.
struct Summary {
    ready: usize,
    total: usize,
    reason: String,
    restarts: i64,
    last_restart: Option<SimTime>,
}

/// The STATUS column: the phase (or `status.reason`), refined by init containers
/// (`Init:0/2`, `Init:CrashLoopBackOff`), app containers (`ErrImagePull`, `Completed`,
/// `ExitCode:1`), and deletion (`Terminating`, `Unknown`).
pub fn pod_status(pod: &Pod) -> String {
    summarize(pod).reason
}

/// READY as (ready containers, total containers).
pub fn ready_count(pod: &Pod) -> (usize, usize) {
    let s = summarize(pod);
    (s.ready, s.total)
}

/// RESTARTS: `0`, or `3 (45s ago)` counting from the most recent `lastState.terminated`
/// finish among the counted containers.
pub fn restarts(pod: &Pod, now: SimTime) -> String {
    let s = summarize(pod);
    match s.last_restart {
        Some(t) if s.restarts != 0 => format!("{} ({} ago)", s.restarts, human_duration(signed_ms_between(t, now))),
        _ => s.restarts.to_string(),
    }
}

fn summarize(pod: &Pod) -> Summary {
    let status = &pod.status;
    let mut s = Summary {
        ready: 0,
        total: pod.spec.containers.len(),
        reason: initial_reason(pod),
        restarts: 0,
        last_restart: None,
    };
    let initializing = scan_init_containers(pod, &mut s);
    if !initializing || condition_is_true(pod, "Initialized") {
        s.restarts = 0;
        s.last_restart = None;
        scan_app_containers(pod, &mut s);
    }
    if pod.metadata.deletion_timestamp.is_some() {
        if status.reason.as_deref() == Some("NodeLost") {
            s.reason = "Unknown".into();
        } else if !matches!(status.phase.as_deref(), Some("Succeeded" | "Failed")) {
            s.reason = "Terminating".into();
        }
    }
    s
}

/// `status.reason` if set, else the phase; `SchedulingGated` when the scheduler says so.
fn initial_reason(pod: &Pod) -> String {
    let status = &pod.status;
    let mut reason = match status.reason.as_deref() {
        Some(r) if !r.is_empty() => r.to_string(),
        _ => or_empty(&status.phase).to_string(),
    };
    let gated =
        status.conditions.iter().any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"));
    if gated {
        reason = "SchedulingGated".into();
    }
    reason
}

/// Walks the init containers in order; returns whether the pod is still initializing.
fn scan_init_containers(pod: &Pod, s: &mut Summary) -> bool {
    let total_init = pod.spec.init_containers.len();
    for (i, c) in pod.status.init_container_statuses.iter().enumerate() {
        count_restarts(c, s);
        if let Some(t) = &c.state.terminated {
            if t.exit_code == 0 {
                continue;
            }
            s.reason = match t.reason.as_deref() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ => format!("Init:{}", exit_reason(t.signal, t.exit_code)),
            };
            return true;
        }
        s.reason = match waiting_reason(c) {
            Some(r) if r != "PodInitializing" => format!("Init:{r}"),
            _ => format!("Init:{i}/{total_init}"),
        };
        return true;
    }
    false
}

/// Walks the app containers last to first, so the first container with a reason wins.
fn scan_app_containers(pod: &Pod, s: &mut Summary) {
    let mut has_running = false;
    for c in pod.status.container_statuses.iter().rev() {
        count_restarts(c, s);
        let terminated = c.state.terminated.as_ref();
        if let Some(r) = waiting_reason(c) {
            s.reason = r.to_string();
        } else if let Some(t) = terminated {
            s.reason = match t.reason.as_deref() {
                Some(r) if !r.is_empty() => r.to_string(),
                _ => exit_reason(t.signal, t.exit_code),
            };
        } else if c.ready && c.state.running.is_some() {
            has_running = true;
            s.ready += 1;
        }
    }
    if s.reason == "Completed" && has_running {
        s.reason = if condition_is_true(pod, "Ready") { "Running".into() } else { "NotReady".into() };
    }
}

/// Adds a container's restarts and remembers its last termination time.
fn count_restarts(c: &ContainerStatus, s: &mut Summary) {
    s.restarts += i64::from(c.restart_count);
    let finished = c.last_state.terminated.as_ref().and_then(|t| t.finished_at).map(|t| t.moment());
    if finished > s.last_restart {
        s.last_restart = finished;
    }
}

/// A non-empty waiting reason.
fn waiting_reason(c: &ContainerStatus) -> Option<&str> {
    c.state.waiting.as_ref().and_then(|w| w.reason.as_deref()).filter(|r| !r.is_empty())
}

/// `Signal:N` or `ExitCode:N` for a termination without a reason.
fn exit_reason(signal: Option<i32>, exit_code: i32) -> String {
    match signal {
        Some(sig) if sig != 0 => format!("Signal:{sig}"),
        _ => format!("ExitCode:{exit_code}"),
    }
}

fn condition_is_true(pod: &Pod, type_: &str) -> bool {
    find_condition(&pod.status.conditions, type_).is_some_and(|c| c.status == "True")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core::{
        Container, ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
    };
    use crate::api::meta::{Condition, Time};

    fn pod(phase: &str, containers: usize) -> Pod {
        let mut p = Pod::default();
        p.metadata.name = "web".into();
        p.status.phase = Some(phase.into());
        p.spec.containers =
            (0..containers).map(|i| Container { name: format!("c{i}"), ..Default::default() }).collect();
        p
    }

    fn running(ready: bool) -> ContainerStatus {
        ContainerStatus {
            name: "c".into(),
            ready,
            state: ContainerState { running: Some(ContainerStateRunning::default()), ..Default::default() },
            ..Default::default()
        }
    }

    fn waiting(reason: &str) -> ContainerStatus {
        ContainerStatus {
            name: "c".into(),
            state: ContainerState {
                waiting: Some(Box::new(ContainerStateWaiting { reason: Some(reason.into()), message: None })),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn terminated(reason: Option<&str>, exit_code: i32, signal: Option<i32>) -> ContainerStatus {
        ContainerStatus {
            name: "c".into(),
            state: ContainerState {
                terminated: Some(Box::new(ContainerStateTerminated {
                    exit_code,
                    signal,
                    reason: reason.map(Into::into),
                    ..Default::default()
                })),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn condition(type_: &str, status: &str) -> Condition {
        Condition { type_: type_.into(), status: status.into(), ..Default::default() }
    }

    #[test]
    fn running_pod() {
        let mut p = pod("Running", 1);
        p.status.container_statuses = vec![running(true)];
        assert_eq!(pod_status(&p), "Running");
        assert_eq!(ready_count(&p), (1, 1));
        assert_eq!(restarts(&p, SimTime(0)), "0");
    }

    #[test]
    fn pending_without_statuses_shows_the_phase() {
        let p = pod("Pending", 2);
        assert_eq!(pod_status(&p), "Pending");
        assert_eq!(ready_count(&p), (0, 2));
    }

    #[test]
    fn status_reason_overrides_the_phase() {
        let mut p = pod("Failed", 1);
        p.status.reason = Some("Evicted".into());
        assert_eq!(pod_status(&p), "Evicted");
    }

    #[test]
    fn lowest_index_container_reason_wins() {
        let mut p = pod("Pending", 2);
        p.status.container_statuses = vec![waiting("ErrImagePull"), waiting("ContainerCreating")];
        assert_eq!(pod_status(&p), "ErrImagePull");
    }

    #[test]
    fn terminated_without_reason_prints_exit_code_or_signal() {
        let mut p = pod("Running", 1);
        p.status.container_statuses = vec![terminated(None, 2, None)];
        assert_eq!(pod_status(&p), "ExitCode:2");
        p.status.container_statuses = vec![terminated(None, 137, Some(9))];
        assert_eq!(pod_status(&p), "Signal:9");
        p.status.container_statuses = vec![terminated(Some("OOMKilled"), 137, None)];
        assert_eq!(pod_status(&p), "OOMKilled");
    }

    #[test]
    fn completed_with_a_running_container_is_running_or_not_ready() {
        let mut p = pod("Running", 2);
        p.status.container_statuses = vec![terminated(Some("Completed"), 0, None), running(true)];
        assert_eq!(pod_status(&p), "NotReady");
        p.status.conditions = vec![condition("Ready", "True")].into();
        assert_eq!(pod_status(&p), "Running");
        assert_eq!(ready_count(&p), (1, 2));
    }

    #[test]
    fn init_containers() {
        let mut p = pod("Pending", 1);
        p.spec.init_containers = vec![Container::default(), Container::default()].into();
        p.status.init_container_statuses = vec![terminated(Some("Completed"), 0, None), running(false)];
        assert_eq!(pod_status(&p), "Init:1/2");
        p.status.init_container_statuses[1] = waiting("CrashLoopBackOff");
        assert_eq!(pod_status(&p), "Init:CrashLoopBackOff");
        p.status.init_container_statuses[1] = waiting("PodInitializing");
        assert_eq!(pod_status(&p), "Init:1/2");
        p.status.init_container_statuses[1] = terminated(None, 1, None);
        assert_eq!(pod_status(&p), "Init:ExitCode:1");
        p.status.init_container_statuses[1] = terminated(None, 1, Some(15));
        assert_eq!(pod_status(&p), "Init:Signal:15");
        p.status.init_container_statuses[1] = terminated(Some("Error"), 1, None);
        assert_eq!(pod_status(&p), "Init:Error");
    }

    #[test]
    fn deletion() {
        let mut p = pod("Running", 1);
        p.status.container_statuses = vec![running(true)];
        p.metadata.deletion_timestamp = Some(Time::at(SimTime(1000)));
        assert_eq!(pod_status(&p), "Terminating");
        p.status.reason = Some("NodeLost".into());
        assert_eq!(pod_status(&p), "Unknown");
        let mut done = pod("Succeeded", 1);
        done.status.container_statuses = vec![terminated(Some("Completed"), 0, None)];
        done.metadata.deletion_timestamp = Some(Time::at(SimTime(1000)));
        assert_eq!(pod_status(&done), "Completed");
    }

    #[test]
    fn scheduling_gated() {
        let mut p = pod("Pending", 1);
        let mut c = condition("PodScheduled", "False");
        c.reason = Some("SchedulingGated".into());
        p.status.conditions = vec![c].into();
        assert_eq!(pod_status(&p), "SchedulingGated");
    }

    #[test]
    fn restarts_show_the_last_termination() {
        let mut p = pod("Running", 2);
        let mut a = running(true);
        a.restart_count = 2;
        a.last_state.terminated = Some(Box::new(ContainerStateTerminated {
            exit_code: 1,
            finished_at: Some(Time::at(SimTime(10_000))),
            ..Default::default()
        }));
        let mut b = running(true);
        b.restart_count = 1;
        b.last_state.terminated = Some(Box::new(ContainerStateTerminated {
            exit_code: 1,
            finished_at: Some(Time::at(SimTime(50_000))),
            ..Default::default()
        }));
        p.status.container_statuses = vec![a, b];
        assert_eq!(restarts(&p, SimTime(95_000)), "3 (45s ago)");
    }

    #[test]
    fn restart_counts_without_a_finish_time_print_plainly() {
        let mut p = pod("Running", 1);
        let mut a = running(true);
        a.restart_count = 4;
        p.status.container_statuses = vec![a];
        assert_eq!(restarts(&p, SimTime(95_000)), "4");
    }
}
