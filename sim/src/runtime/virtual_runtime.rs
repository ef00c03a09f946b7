//! The virtual runtime: containers that exist only as state and scheduled wake-ups, each
//! behaving as its image's catalog entry says.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use rand::RngExt;

use super::images::{ImageCatalog, Lifetime};
use super::{ContainerConfig, ContainerRuntime, PulledImage, RuntimeEvent, RuntimeTimer, SandboxConfig, Wakeups};
use crate::api::Str;
use crate::engine::SimRng;

/// How long a failing pull takes before the registry says no.
const PULL_FAILURE_MS: u64 = 800;
/// How long the pause container takes to come up.
const SANDBOX_START_MS: u64 = 200;
/// How long after start an over-limit container is OOM-killed.
const OOM_AFTER_MS: u64 = 1_500;

/// A wake-up's meaning. Ids are shared with the runtime's own tables.
#[derive(Debug)]
enum Pending {
    Sandbox(Str),
    Pull(String),
    Start(Str),
    Serving(Str),
    Exit { container: Str, code: i32, oom: bool },
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    Created,
    Running,
    Exited,
}

#[derive(Debug)]
struct VContainer {
    sandbox: Str,
    /// What of its image's catalog entry matters once it is started: how long a stop
    /// takes, the port it serves, and its logs (shared with the catalog's).
    stop_ms: Option<u64>,
    http_port: Option<u16>,
    logs: Rc<[String]>,
    state: State,
    /// A stop was requested; a container stopped before it started never starts.
    stopping: bool,
    /// Answering on its port.
    serving: bool,
}

/// A runtime that runs nothing, precisely on time.
pub struct VirtualRuntime {
    catalog: Rc<ImageCatalog>,
    images: BTreeSet<String>,
    sandboxes: BTreeSet<Str>,
    containers: BTreeMap<Str, VContainer>,
    pending: BTreeMap<u64, Pending>,
    next_token: u64,
    rng: SimRng,
}

impl VirtualRuntime {
    /// A runtime with no images yet, drawing container ids from `rng`.
    pub fn new(catalog: Rc<ImageCatalog>, rng: SimRng) -> VirtualRuntime {
        VirtualRuntime {
            catalog,
            images: BTreeSet::new(),
            sandboxes: BTreeSet::new(),
            containers: BTreeMap::new(),
            pending: BTreeMap::new(),
            next_token: 0,
            rng,
        }
    }

    fn wake(&mut self, wake: &mut Wakeups, delay_ms: u64, what: Pending) {
        self.next_token += 1;
        self.pending.insert(self.next_token, what);
        wake.push((delay_ms, RuntimeTimer(self.next_token)));
    }

    /// A known container's id, shared with its table entry.
    fn id(&self, container: &str) -> Option<Str> {
        self.containers.get_key_value(container).map(|(id, _)| id.clone())
    }

    fn new_id(&mut self) -> Str {
        let bytes: [u8; 32] = self.rng.random();
        Str::format(format_args!("containerd://{}", crate::engine::hash::to_hex(&bytes)))
    }
}

/// A busybox-style `sleep N` / `sleep infinity` / `exit N` in the command line changes
/// how long the container lives, so `busybox` pods can be told what to do.
fn lifetime_from_command(config: &ContainerConfig, default: &Lifetime) -> Lifetime {
    let words: Vec<&str> = config.command.iter().chain(config.args.iter()).flat_map(|s| s.split_whitespace()).collect();
    for pair in words.windows(2) {
        match pair {
            ["sleep", "infinity"] => return Lifetime::Forever,
            ["sleep", n] => {
                if let Ok(secs) = n.parse::<u64>() {
                    return Lifetime::Exits { after_ms: secs.saturating_mul(1000), code: 0 };
                }
            }
            ["exit", n] => {
                if let Ok(code) = n.parse::<i32>() {
                    return Lifetime::Exits { after_ms: 100, code };
                }
            }
            _ => {}
        }
    }
    default.clone()
}

impl ContainerRuntime for VirtualRuntime {
    fn version(&self) -> String {
        "containerd://1.7.22".into()
    }

    fn run_pod_sandbox(&mut self, wake: &mut Wakeups, config: &SandboxConfig) -> Str {
        let id = Str::format(format_args!("sandbox-{}-{}", config.pod_uid, config.attempt));
        self.sandboxes.insert(id.clone());
        self.wake(wake, SANDBOX_START_MS, Pending::Sandbox(id.clone()));
        id
    }

    fn stop_pod_sandbox(&mut self, sandbox: &str) {
        self.sandboxes.remove(sandbox);
        for c in self.containers.values_mut().filter(|c| c.sandbox == sandbox) {
            c.state = State::Exited;
        }
    }

    fn image_present(&self, image: &str) -> bool {
        self.images.contains(image)
    }

    fn pull_image(&mut self, wake: &mut Wakeups, image: &str) {
        let delay = self.catalog.lookup(image).map_or(PULL_FAILURE_MS, |b| b.pull_ms);
        self.wake(wake, delay, Pending::Pull(image.to_string()));
    }

    fn start_container(&mut self, wake: &mut Wakeups, sandbox: &str, config: &ContainerConfig) -> Str {
        let id = self.new_id();
        let mut behavior = self.catalog.lookup(&config.image).cloned().unwrap_or_else(|| {
            ImageCatalog::default().lookup("busybox").cloned().expect("busybox is in the default catalog")
        });
        behavior.lifetime = lifetime_from_command(config, &behavior.lifetime);
        let start = behavior.start_ms;
        self.wake(wake, start, Pending::Start(id.clone()));
        let over_limit = config.memory_limit_mib.is_some_and(|limit| behavior.memory_mib > limit);
        if over_limit {
            self.wake(wake, start + OOM_AFTER_MS, Pending::Exit { container: id.clone(), code: 137, oom: true });
        } else {
            if let Lifetime::Exits { after_ms, code } = behavior.lifetime {
                self.wake(wake, start + after_ms, Pending::Exit { container: id.clone(), code, oom: false });
            }
            if behavior.http_port.is_some() {
                self.wake(wake, start + behavior.ready_after_ms, Pending::Serving(id.clone()));
            }
        }
        let sandbox = self.sandboxes.get(sandbox).cloned().unwrap_or_else(|| sandbox.into());
        self.containers.insert(
            id.clone(),
            VContainer {
                sandbox,
                stop_ms: behavior.stop_ms,
                http_port: behavior.http_port,
                logs: behavior.logs,
                state: State::Created,
                stopping: false,
                serving: false,
            },
        );
        id
    }

    fn stop_container(&mut self, wake: &mut Wakeups, container: &str, grace_ms: u64) {
        let Some(id) = self.id(container) else { return };
        let c = self.containers.get_mut(container).expect("the id was found there");
        c.stopping = true;
        let (delay, code) = match c.stop_ms {
            Some(ms) if ms <= grace_ms => (ms, 0),
            _ => (grace_ms, 137),
        };
        self.wake(wake, delay, Pending::Exit { container: id, code, oom: false });
    }

    fn kill_container(&mut self, wake: &mut Wakeups, container: &str) {
        let id = self.id(container).unwrap_or_else(|| container.into());
        self.wake(wake, 0, Pending::Exit { container: id, code: 137, oom: false });
    }

    fn crash(&mut self) {
        self.sandboxes.clear();
        self.containers.clear();
        self.pending.clear();
    }

    fn on_timer(&mut self, _wake: &mut Wakeups, timer: RuntimeTimer) -> Vec<RuntimeEvent> {
        self.due(timer).into_iter().collect()
    }

    fn listening_port(&self, container: &str) -> Option<u16> {
        self.containers.get(container).filter(|c| c.state == State::Running && c.serving).and_then(|c| c.http_port)
    }

    fn logs(&self, container: &str) -> Option<Vec<String>> {
        self.containers.get(container).map(|c| c.logs.to_vec())
    }
}

impl VirtualRuntime {
    /// What a due wake-up means now, if it still matters.
    fn due(&mut self, timer: RuntimeTimer) -> Option<RuntimeEvent> {
        match self.pending.remove(&timer.0)? {
            Pending::Sandbox(id) => self.sandboxes.contains(&id).then(|| RuntimeEvent::SandboxReady { sandbox: id }),
            Pending::Pull(image) => {
                let result = match self.catalog.lookup(&image) {
                    Some(b) => {
                        self.images.insert(image.clone());
                        Ok(PulledImage { size_bytes: b.size_bytes, took_ms: b.pull_ms })
                    }
                    None => Err(super::images::pull_error(&image)),
                };
                Some(RuntimeEvent::ImagePulled { image, result })
            }
            Pending::Start(id) => {
                let c = self.containers.get_mut(&id)?;
                if c.stopping || c.state != State::Created || !self.sandboxes.contains(&c.sandbox) {
                    return None;
                }
                c.state = State::Running;
                Some(RuntimeEvent::ContainerStarted { container: id })
            }
            Pending::Serving(id) => {
                let c = self.containers.get_mut(&id).filter(|c| c.state == State::Running)?;
                c.serving = true;
                Some(RuntimeEvent::ContainerServing { container: id })
            }
            Pending::Exit { container, code, oom } => {
                let c = self.containers.get_mut(&container)?;
                // A container stopped before it ran still reports its end, once.
                if c.state == State::Exited || (c.state == State::Created && !c.stopping) {
                    return None;
                }
                c.state = State::Exited;
                Some(RuntimeEvent::ContainerExited { container, exit_code: code, oom })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng;

    fn config(image: &str, args: &[&str]) -> ContainerConfig {
        ContainerConfig {
            name: "c".into(),
            image: image.into(),
            command: vec![],
            args: args.iter().map(|s| s.to_string()).collect(),
            memory_limit_mib: None,
        }
    }

    fn fire(rt: &mut VirtualRuntime, wake: Wakeups) -> Vec<(u64, RuntimeEvent)> {
        let mut wake = wake;
        wake.sort_by_key(|(d, t)| (*d, t.0));
        wake.into_iter().filter_map(|(d, t)| rt.due(t).map(|e| (d, e))).collect()
    }

    /// A runtime with one sandbox started, and the wake-ups scheduled so far.
    fn runtime_with_sandbox() -> (VirtualRuntime, Wakeups, Str) {
        let mut rt = VirtualRuntime::new(Rc::new(ImageCatalog::default()), rng::stream(0, "t"));
        let mut wake = Vec::new();
        let config = SandboxConfig {
            pod_uid: "u".into(),
            pod_name: "p".into(),
            namespace: "default".into(),
            attempt: 0,
            ip: "10.244.0.2".into(),
        };
        let sb = rt.run_pod_sandbox(&mut wake, &config);
        (rt, wake, sb)
    }

    #[test]
    fn a_crashing_image_exits_non_zero_after_starting() {
        let (mut rt, mut wake, sb) = runtime_with_sandbox();
        let id = rt.start_container(&mut wake, &sb, &config("kubesim/crashloop", &[]));
        let events = fire(&mut rt, wake);
        assert!(matches!(events[1].1, RuntimeEvent::ContainerStarted { .. }));
        assert_eq!(events[2], (2_300, RuntimeEvent::ContainerExited { container: id, exit_code: 1, oom: false }));
    }

    #[test]
    fn busybox_obeys_sleep() {
        assert_eq!(
            lifetime_from_command(&config("busybox", &["sh", "-c", "sleep 30"]), &Lifetime::Forever),
            Lifetime::Exits { after_ms: 30_000, code: 0 }
        );
        assert_eq!(
            lifetime_from_command(&config("busybox", &["sleep", "infinity"]), &Lifetime::Forever),
            Lifetime::Forever
        );
    }

    #[test]
    fn a_stopped_container_does_not_exit_twice() {
        let (mut rt, mut wake, sb) = runtime_with_sandbox();
        let id = rt.start_container(&mut wake, &sb, &config("kubesim/complete", &[]));
        rt.stop_container(&mut wake, &id, 30_000);
        let exits =
            fire(&mut rt, wake).into_iter().filter(|(_, e)| matches!(e, RuntimeEvent::ContainerExited { .. })).count();
        assert_eq!(exits, 1);
    }

    #[test]
    fn unknown_images_fail_to_pull() {
        let mut rt = VirtualRuntime::new(Rc::new(ImageCatalog::default()), rng::stream(0, "t"));
        let mut wake = Vec::new();
        rt.pull_image(&mut wake, "ngnix:1.27");
        let events = fire(&mut rt, wake);
        assert!(
            matches!(&events[0].1, RuntimeEvent::ImagePulled { result: Err(msg), .. } if msg.contains("pull access denied"))
        );
        assert!(!rt.image_present("ngnix:1.27"));
    }
}
