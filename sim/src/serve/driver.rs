//! The simulation's side of `kubesim serve`: one thread owns the cluster, takes requests
//! from the HTTP server through a channel, paces simulated time to the wall clock (or
//! not, in manual mode), records every input, and feeds the open watches.

// The driver is the wall-clock side of serving: it paces simulated time to the wall
// clock on purpose (the record keeps each input's simulated time, so a replay needs no
// clock). The simulation itself never reads it.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::collections::{BTreeSet, VecDeque};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::record::{Entry, Input, Recorder};
use super::rest::{self, Outcome, Request, Response, ServerInfo, watch::Watch};
use crate::api::{ObjKey, Object};
use crate::apiserver::{Change, ChangeType};
use crate::engine::SimTime;
use crate::shell::{LineOutput, Shell};

/// How simulated time follows the wall clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// This many simulated seconds per wall second (1: real time).
    Factor(f64),
    /// Time moves only when asked (`kubesim ctl advance 30s`).
    Manual,
}

/// What the HTTP side sends.
pub enum Message {
    /// An API request and where its answer goes.
    Api(Request, oneshot::Sender<Reply>),
    /// A shell line (`kubesim ctl ...`) and where its output goes.
    Shell(String, oneshot::Sender<LineOutput>),
    /// Stop serving.
    Stop,
}

/// The answer to an API request.
pub enum Reply {
    /// A whole response.
    Done(Response),
    /// A watch: lines as they come, until the receiver is dropped or `timeout_s` passes.
    Stream(mpsc::UnboundedReceiver<Vec<u8>>, Option<u64>),
}

/// Changes kept for watches that resume from a resourceVersion (the watch cache).
const WATCH_CACHE: usize = 100_000;
/// How often a paced clock catches up with the wall clock.
const TICK: Duration = Duration::from_millis(20);
/// Bookmarks go to watches that allow them this often, in the cluster's (simulated)
/// time, as the apiserver sends them about once a minute of its own.
const BOOKMARK_EVERY_MS: u64 = 60_000;

struct Subscriber {
    watch: Watch,
    tx: mpsc::UnboundedSender<Vec<u8>>,
    columns_sent: bool,
    /// The objects the watch has shown and not yet deleted: one that stops matching the
    /// selectors is DELETED from the watch, one that starts matching is ADDED.
    members: BTreeSet<ObjKey>,
    last_bookmark: SimTime,
}

/// The simulation's thread.
pub struct Driver {
    shell: Shell,
    info: ServerInfo,
    speed: Speed,
    recorder: Option<Recorder>,
    subscribers: Vec<Subscriber>,
    /// Recent changes with their resourceVersions, oldest first.
    cache: VecDeque<(u64, Change)>,
    /// The cache holds every change after this resourceVersion.
    cache_floor: u64,
    /// Simulated and wall time when pacing last started from (after a manual advance).
    base: (SimTime, Instant),
}

impl Driver {
    /// A driver for `shell`'s cluster.
    pub fn new(shell: Shell, info: ServerInfo, speed: Speed, recorder: Option<Recorder>) -> Driver {
        let floor = shell.cluster().api().resource_version();
        let base = (shell.cluster().now(), Instant::now());
        Driver {
            shell,
            info,
            speed,
            recorder,
            subscribers: Vec::new(),
            cache: VecDeque::new(),
            cache_floor: floor,
            base,
        }
    }

    /// Serves messages until told to stop or the HTTP side is gone; returns the shell.
    pub fn run(mut self, messages: Receiver<Message>) -> Shell {
        loop {
            let wait = match self.speed {
                Speed::Factor(_) => TICK,
                Speed::Manual => Duration::from_secs(1),
            };
            let message = messages.recv_timeout(wait);
            self.catch_up();
            match message {
                Ok(Message::Api(req, reply)) => {
                    let answer = self.api(req);
                    let _ = reply.send(answer);
                }
                Ok(Message::Shell(line, reply)) => {
                    let out = self.shell_line(&line);
                    let _ = reply.send(out);
                }
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            self.publish();
            self.bookmarks();
        }
        let at_ms = self.shell.cluster().now().as_ms();
        if let Some(recorder) = &mut self.recorder {
            recorder.push(&Entry { at_ms, input: Input::End });
        }
        self.shell
    }

    /// Runs the cluster up to where the wall clock says simulated time is.
    fn catch_up(&mut self) {
        let Speed::Factor(factor) = self.speed else { return };
        let (sim, wall) = self.base;
        let elapsed_ms = (wall.elapsed().as_secs_f64() * 1000.0 * factor) as u64;
        let target = sim.plus_ms(elapsed_ms);
        if target > self.shell.cluster().now() {
            self.shell.cluster_mut().run_until(target);
        }
    }

    fn api(&mut self, req: Request) -> Reply {
        let at_ms = self.shell.cluster().now().as_ms();
        if req.method.writes()
            && let Some(recorder) = &mut self.recorder
        {
            recorder.push(&Entry { at_ms, input: Input::Request(req.clone()) });
        }
        match rest::handle(self.shell.cluster_mut(), &self.info, &req) {
            Outcome::Done(response) => Reply::Done(response),
            Outcome::Watch(watch) => self.open_watch(watch),
        }
    }
    fn shell_line(&mut self, line: &str) -> LineOutput {
        let at_ms = self.shell.cluster().now().as_ms();
        if let Some(recorder) = &mut self.recorder {
            recorder.push(&Entry { at_ms, input: Input::Shell(line.to_string()) });
        }
        let out = self.shell.execute(line);
        // An `advance` moved the clock ahead of the wall: pace on from there.
        self.base = (self.shell.cluster().now(), Instant::now());
        out
    }

    /// Starts a watch: the current objects or the cached changes since its
    /// resourceVersion, then every change as it happens.
    fn open_watch(&mut self, watch: Watch) -> Reply {
        let (tx, rx) = mpsc::unbounded_channel();
        let timeout = watch.timeout_s;
        self.publish();
        let now = self.shell.cluster().now();
        let mut sub = Subscriber { watch, tx, columns_sent: false, members: BTreeSet::new(), last_bookmark: now };
        match sub.watch.since {
            None => {
                let api = self.shell.cluster().api();
                let objects: Vec<_> = api
                    .list(sub.watch.kind, sub.watch.namespace.as_deref())
                    .filter(|o| sub.watch.selects(o))
                    .cloned()
                    .collect();
                for obj in &objects {
                    deliver(&mut sub, ChangeType::Added, obj, now);
                }
            }
            Some(rv) if rv < self.cache_floor => {
                let status = rest::gone(rv).status;
                let _ = sub.tx.send(rest::watch::error_event(&status));
                return Reply::Stream(rx, timeout);
            }
            Some(rv) => {
                // What the watch showed as of `rv`: what matches now, adjusted by each
                // object's first change since (new objects were not there; changed ones
                // were, and are taken to have matched as they do after the change).
                let api = self.shell.cluster().api();
                sub.members = api
                    .list(sub.watch.kind, sub.watch.namespace.as_deref())
                    .filter(|o| sub.watch.selects(o))
                    .map(|o| o.key())
                    .collect();
                let since: Vec<&Change> = self.cache.iter().filter(|(c, _)| *c > rv).map(|(_, c)| c).collect();
                let mut seen = BTreeSet::new();
                for change in &since {
                    let key = change.object.key();
                    if seen.insert(key.clone()) {
                        let was_there = change.type_ != ChangeType::Added && sub.watch.selects(&change.object);
                        if was_there {
                            sub.members.insert(key);
                        } else {
                            sub.members.remove(&key);
                        }
                    }
                }
                for change in since {
                    deliver(&mut sub, change.type_, &change.object, now);
                }
            }
        }
        self.subscribers.push(sub);
        Reply::Stream(rx, timeout)
    }

    /// Sends the cluster's new changes to the watches that select them.
    fn publish(&mut self) {
        let changes = self.shell.cluster_mut().take_changes();
        if changes.is_empty() {
            return;
        }
        let now = self.shell.cluster().now();
        self.subscribers.retain(|s| !s.tx.is_closed());
        for (_, change) in changes {
            for sub in &mut self.subscribers {
                deliver(sub, change.type_, &change.object, now);
            }
            let rv = change.object.meta().resource_version.parse().unwrap_or(0);
            self.cache.push_back((rv, change));
            if self.cache.len() > WATCH_CACHE
                && let Some((oldest, _)) = self.cache.pop_front()
            {
                self.cache_floor = oldest;
            }
        }
    }

    /// A BOOKMARK to each watch that allows them, once a simulated minute.
    fn bookmarks(&mut self) {
        let rv = self.shell.cluster().api().resource_version();
        let now = self.shell.cluster().now();
        for sub in self.subscribers.iter_mut().filter(|s| s.watch.bookmarks) {
            if now.since(sub.last_bookmark) >= BOOKMARK_EVERY_MS {
                sub.last_bookmark = now;
                let _ = sub.tx.send(sub.watch.bookmark(rv));
            }
        }
    }
}

/// Shows a change to a watch as the watch sees it: by whether the object was and is
/// among those it selects.
fn deliver(sub: &mut Subscriber, type_: ChangeType, obj: &Object, now: SimTime) {
    let key = obj.key();
    let selected = type_ != ChangeType::Deleted && sub.watch.selects(obj);
    let shown = match (sub.members.contains(&key), selected) {
        (false, true) => ChangeType::Added,
        (true, true) => ChangeType::Modified,
        (true, false) => ChangeType::Deleted,
        (false, false) => return,
    };
    if selected {
        sub.members.insert(key);
    } else {
        sub.members.remove(&key);
    }
    let line = sub.watch.event(shown, obj, now, !sub.columns_sent);
    sub.columns_sent = true;
    // A closed stream is dropped at the next publish.
    let _ = sub.tx.send(line);
}

/// Replays a record's inputs on `shell`'s cluster: the same requests and shell lines at
/// the same simulated times, up to the time the server stopped.
pub fn replay(shell: &mut Shell, info: &ServerInfo, entries: &[Entry]) {
    for entry in entries {
        shell.cluster_mut().run_until(SimTime(entry.at_ms));
        match &entry.input {
            Input::Request(req) => {
                rest::handle(shell.cluster_mut(), info, req);
            }
            Input::Shell(line) => {
                shell.execute(line);
            }
            Input::End => {}
        }
    }
}
