//! The controller manager: runs each [`Reconciler`] with a watch-fed view and its own
//! work queue, carries out the requests it returns, and retries failed keys with
//! back-off, as kube-controller-manager's workqueues do. It can also inject the faults a
//! controller meets in a real cluster ([`ControllerFault`]), for reconciler testing.
//!
//! Like kube-controller-manager's shared informers, the controllers share one view, fed
//! once per watch event; a controller that a fault touches (lost events, a stale or
//! time-travelled view, a crash) gets a view of its own from then on.

use std::collections::{BTreeMap, VecDeque};

use super::reconciler::{ApiRequest, Outcome, Reconciler};
use crate::api::ObjKey;
use crate::apiserver::{ApiError, Change, ChangeType};
use crate::cluster::{Cache, Ctx, Reporter, SimEvent};

/// Makes a fresh instance of a reconciler (at start, and after a crash).
pub type Factory = Box<dyn Fn() -> Box<dyn Reconciler>>;

/// A fault in one controller's world, as the reconciler-testing harness injects them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControllerFault {
    /// The next `n` watch events are lost; then the controller relists.
    DropEvents(u32),
    /// The process crashes after its next `k` successful writes (the rest of that
    /// reconcile's requests are never sent) and restarts with an empty cache.
    CrashAfterWrites(u32),
    /// The apiserver answers the next `n` updates with 409 Conflict.
    Conflicts(u32),
    /// Remember the view now; `TimeTravel` later puts it back.
    Bookmark,
    /// The view jumps back to the bookmark (as after reconnecting to a lagging
    /// apiserver), and the controller reconciles everything it sees there; a second
    /// later the apiserver has caught up and the controller relists.
    TimeTravel,
    /// Every pending fault ends: no more drops (a relist if some were due), crashes or
    /// conflicts.
    Heal,
}

/// First retry delay after a failed reconcile.
const RETRY_INITIAL_MS: u64 = 5;
/// Retry delays double up to this.
const RETRY_MAX_MS: u64 = 1_000_000;
/// How long a time-travelled view stays behind before the apiserver catches up.
const TIME_TRAVEL_CATCH_UP_MS: u64 = 1_000;

/// A wake-up for one controller.
#[derive(Debug, Clone)]
pub enum Timer {
    /// Work through the queue.
    Process,
    /// Put `key` back on the queue.
    Requeue(ObjKey),
    /// A fault strikes (reconciler testing).
    Fault(ControllerFault),
    /// Relist: after a time travel, the lagging apiserver has caught up.
    Relist,
}

/// One running controller.
struct Running {
    make: Factory,
    reconciler: Box<dyn Reconciler>,
    /// Its own view, once a fault has touched it; until then it reads the shared one.
    view: Option<Cache>,
    /// Watch events still to lose before a relist.
    drop_events: u32,
    /// Successful writes left before the process crashes.
    crash_after_writes: Option<u32>,
    /// Updates still to answer with a conflict.
    conflicts: u32,
    /// The view a `TimeTravel` goes back to.
    bookmark: Option<Cache>,
    /// Keys waiting, in arrival order, each with the trace id that queued it.
    queue: VecDeque<(ObjKey, u64)>,
    queued: BTreeMap<ObjKey, ()>,
    scheduled: bool,
    failures: BTreeMap<ObjKey, u32>,
}

/// The controllers, indexed in registration order.
pub struct ControllerManager {
    controllers: Vec<Running>,
    /// The view the controllers without one of their own read (the shared informers).
    shared: Cache,
    /// Updates sent without a resourceVersion precondition, by controller and object.
    unconditional_updates: Vec<(String, String)>,
    /// Writes to objects another controller owns, by controller and object.
    foreign_writes: Vec<(String, String)>,
}

impl Default for ControllerManager {
    fn default() -> Self {
        ControllerManager {
            controllers: Vec::new(),
            shared: Cache::indexed(),
            unconditional_updates: Vec::new(),
            foreign_writes: Vec::new(),
        }
    }
}

impl ControllerManager {
    /// Adds a controller that `make` builds (again after a crash); returns its index.
    pub fn register(&mut self, make: Factory) -> usize {
        self.controllers.push(Running {
            reconciler: make(),
            make,
            view: None,
            drop_events: 0,
            crash_after_writes: None,
            conflicts: 0,
            bookmark: None,
            queue: VecDeque::new(),
            queued: BTreeMap::new(),
            scheduled: false,
            failures: BTreeMap::new(),
        });
        self.controllers.len() - 1
    }

    /// Indexes of the controllers watching the kind of `change`.
    pub fn watchers_of(&self, change: &Change) -> impl Iterator<Item = usize> + '_ {
        let kind = change.object.kind();
        self.controllers.iter().enumerate().filter(move |(_, c)| c.reconciler.watches().contains(&kind)).map(|(i, _)| i)
    }

    /// The name of controller `index`.
    pub fn name(&self, index: usize) -> &'static str {
        self.controllers[index].reconciler.name()
    }

    /// The index of the controller named `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.controllers.iter().position(|c| c.reconciler.name() == name)
    }

    /// Replaces controller `index` with what `make` builds (a reconciler under test
    /// instead of a built-in one).
    pub fn replace(&mut self, index: usize, make: Factory) {
        let c = &mut self.controllers[index];
        c.reconciler = make();
        c.make = make;
    }

    /// Updates sent without a resourceVersion precondition: (controller, object).
    pub fn unconditional_updates(&self) -> &[(String, String)] {
        &self.unconditional_updates
    }

    /// Updates and deletes of objects that neither are the key being reconciled nor
    /// belong to it nor are unowned: (controller, object).
    pub fn foreign_writes(&self) -> &[(String, String)] {
        &self.foreign_writes
    }

    /// Whether controller `index` reads the shared view (and receives its watch events
    /// with the others, in one delivery).
    pub fn shares_view(&self, index: usize) -> bool {
        self.controllers[index].view.is_none()
    }

    /// A watch event for the shared view: applied once, before the controllers that
    /// read it handle it (see [`ControllerManager::on_change`]).
    pub fn observe(&mut self, change: &Change) {
        self.shared.apply(change);
    }

    /// Gives controller `index` a view of its own, a copy of the shared one restricted
    /// to what it watches, so a fault can make it lag, lose events or travel in time.
    pub fn detach_view(&mut self, index: usize) {
        let c = &mut self.controllers[index];
        if c.view.is_some() {
            return;
        }
        let watched = c.reconciler.watches();
        let mut own = Cache::indexed();
        for object in self.shared.all().filter(|o| watched.contains(&o.kind())) {
            own.apply(&Change { type_: ChangeType::Added, object: object.clone() });
        }
        c.view = Some(own);
    }

    /// Injects a fault into controller `index`.
    fn inject(&mut self, ctx: &mut Ctx<'_>, index: usize, fault: &ControllerFault) {
        if !matches!(fault, ControllerFault::Conflicts(_) | ControllerFault::Heal) {
            self.detach_view(index);
        }
        let c = &mut self.controllers[index];
        match fault {
            ControllerFault::DropEvents(n) => c.drop_events += n,
            ControllerFault::CrashAfterWrites(k) => c.crash_after_writes = Some(*k),
            ControllerFault::Conflicts(n) => c.conflicts += n,
            ControllerFault::Bookmark => c.bookmark = c.view.clone(),
            ControllerFault::Heal => {
                let relisting = c.drop_events > 0;
                c.drop_events = 0;
                c.crash_after_writes = None;
                c.conflicts = 0;
                c.bookmark = None;
                if relisting {
                    relist(c, ctx, index);
                }
            }
            ControllerFault::TimeTravel => {
                if let Some(old) = c.bookmark.take() {
                    let everything: Vec<_> = old.all().cloned().collect();
                    let view = c.view.insert(old);
                    let mut keys = Vec::new();
                    for object in everything {
                        let change = Change { type_: ChangeType::Modified, object };
                        keys.extend(c.reconciler.keys_for(&change, view));
                    }
                    for key in keys {
                        enqueue(c, key, ctx.cause);
                    }
                    schedule(c, ctx, index);
                    ctx.schedule(TIME_TRAVEL_CATCH_UP_MS, SimEvent::Controller { index, timer: Timer::Relist });
                }
            }
        }
    }

    /// A watch event for controller `index`. Its own view, if it has one, is updated
    /// here; the shared one was by [`ControllerManager::observe`].
    pub fn on_change(&mut self, ctx: &mut Ctx<'_>, index: usize, change: &Change) {
        let c = &mut self.controllers[index];
        if c.drop_events > 0 {
            c.drop_events -= 1;
            if c.drop_events == 0 {
                // The informer notices the gap and relists.
                relist(c, ctx, index);
            }
            return;
        }
        if let Some(own) = c.view.as_mut() {
            own.apply(change);
        }
        let keys = c.reconciler.keys_for(change, c.view.as_ref().unwrap_or(&self.shared));
        for key in keys {
            enqueue(c, key, ctx.cause);
        }
        schedule(c, ctx, index);
    }

    /// A wake-up for controller `index`.
    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>, index: usize, timer: Timer) {
        let c = &mut self.controllers[index];
        match timer {
            Timer::Fault(fault) => self.inject(ctx, index, &fault),
            Timer::Relist => relist(c, ctx, index),
            Timer::Requeue(key) => {
                enqueue(c, key, ctx.cause);
                schedule(c, ctx, index);
            }
            Timer::Process => {
                c.scheduled = false;
                while let Some((key, cause)) = c.queue.pop_front() {
                    c.queued.remove(&key);
                    ctx.cause = cause;
                    // What is decided about a silenced node happens because it went silent,
                    // unless it follows from this controller's own earlier decision.
                    let own = ctx.cause_component() == Some(c.reconciler.name());
                    if key.kind == crate::api::Kind::Node && !own {
                        ctx.blame_silence_of(&key.name);
                    }
                    let audit =
                        Audit { unconditional: &mut self.unconditional_updates, foreign: &mut self.foreign_writes };
                    if process(c, &self.shared, ctx, index, &key, audit) {
                        // The process crashed: it restarts with nothing in memory.
                        ctx.restart_event_recorder();
                        c.reconciler = (c.make)();
                        c.queue.clear();
                        c.queued.clear();
                        c.failures.clear();
                        c.crash_after_writes = None;
                        relist(c, ctx, index);
                        return;
                    }
                }
            }
        }
    }
}

/// Rebuilds a controller's view from the apiserver, as an informer's list does, and
/// queues every key the listed objects concern.
fn relist(c: &mut Running, ctx: &mut Ctx<'_>, index: usize) {
    let view = c.view.insert(Cache::indexed());
    // Kind by kind, in the store's order (not a pass over every Event of the store).
    let mut watched = c.reconciler.watches().to_vec();
    watched.sort();
    watched.dedup();
    let listed: Vec<_> = watched.iter().flat_map(|kind| ctx.api().list(*kind, None)).cloned().collect();
    let mut keys = Vec::new();
    for object in listed {
        let change = Change { type_: ChangeType::Added, object };
        view.apply(&change);
        keys.extend(c.reconciler.keys_for(&change, view));
    }
    for key in keys {
        enqueue(c, key, ctx.cause);
    }
    schedule(c, ctx, index);
}

fn enqueue(c: &mut Running, key: ObjKey, cause: u64) {
    if c.queued.insert(key.clone(), ()).is_none() {
        c.queue.push_back((key, cause));
    }
}

fn schedule(c: &mut Running, ctx: &mut Ctx<'_>, index: usize) {
    if !c.scheduled && !c.queue.is_empty() {
        c.scheduled = true;
        ctx.schedule(0, SimEvent::Controller { index, timer: Timer::Process });
    }
}

/// Where the manager records requests that break the rules controllers keep.
struct Audit<'a> {
    unconditional: &'a mut Vec<(String, String)>,
    foreign: &'a mut Vec<(String, String)>,
}

impl Audit<'_> {
    /// Records the requests of a reconcile of `key` that update without a
    /// resourceVersion, or write an object neither `key` nor owned by it nor unowned.
    fn check(&mut self, ctx: &Ctx<'_>, name: &str, key: &ObjKey, requests: &[ApiRequest]) {
        let reconciled = ctx.api().get(key).map(|o| o.meta().uid.clone());
        for request in requests {
            let target = match request {
                ApiRequest::Update(obj) | ApiRequest::UpdateStatus(obj) => {
                    if obj.meta().resource_version.is_empty() {
                        self.unconditional.push((name.to_string(), obj.key().to_string()));
                    }
                    obj.key()
                }
                ApiRequest::Delete { key, .. } => key.clone(),
                ApiRequest::Create(_) | ApiRequest::Event { .. } => continue,
            };
            let Some(stored) = ctx.api().get(&target) else { continue };
            let owner = stored.meta().controller_ref().map(|r| r.uid.clone());
            if target != *key && owner.is_some() && owner != reconciled {
                self.foreign.push((name.to_string(), target.to_string()));
            }
        }
    }
}

/// Reconciles one key and carries out what the reconciler asked for; true if the
/// process crashed while doing so.
fn process(
    c: &mut Running,
    shared: &Cache,
    ctx: &mut Ctx<'_>,
    index: usize,
    key: &ObjKey,
    mut audit: Audit<'_>,
) -> bool {
    let decision = c.reconciler.reconcile(key, c.view.as_ref().unwrap_or(shared), ctx.now);
    let chain = c.reconciler.chains_writes();
    let why = decision.why.as_deref().unwrap_or(c.reconciler.name());
    let name = c.reconciler.name();
    audit.check(ctx, name, key, &decision.requests);
    let outcomes = execute(ctx, c, why, &decision.requests, chain);
    if outcomes.len() < decision.requests.len() {
        return true;
    }
    let follow_up = c.reconciler.outcomes(key, &decision.requests, &outcomes);
    let followed = execute(ctx, c, name, &follow_up, false);
    if followed.len() < follow_up.len() {
        return true;
    }
    if outcomes.iter().any(Result::is_err) {
        // Conflicts and other failures: retry with exponential back-off, per key.
        let failures = c.failures.entry(key.clone()).or_insert(0);
        *failures += 1;
        let delay = (RETRY_INITIAL_MS << (*failures - 1).min(20)).min(RETRY_MAX_MS);
        ctx.schedule(delay, SimEvent::Controller { index, timer: Timer::Requeue(key.clone()) });
    } else {
        c.failures.remove(key);
        if let Some(after) = decision.requeue_after_ms {
            ctx.schedule(after, SimEvent::Controller { index, timer: Timer::Requeue(key.clone()) });
        }
    }
    false
}

/// Sends requests to the apiserver as controller `c`, in order; with `chain`, the first
/// successful write becomes the cause of the rest. Stops early (fewer outcomes than
/// requests) when the process crashes.
fn execute(ctx: &mut Ctx<'_>, c: &mut Running, why: &str, requests: &[ApiRequest], chain: bool) -> Vec<Outcome> {
    let reporter = Reporter::correlated(c.reconciler.name(), None);
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(requests.len());
    let mut wrote = false;
    for request in requests {
        if c.crash_after_writes == Some(0) {
            break;
        }
        let previous_failed = outcomes.last().is_some_and(Result::is_err);
        let conflict =
            |obj: &crate::api::Object| ApiError::Conflict { kind: obj.kind(), name: obj.meta().name.to_string() };
        let outcome = match request {
            ApiRequest::Update(obj) | ApiRequest::UpdateStatus(obj) if c.conflicts > 0 => {
                c.conflicts -= 1;
                Err(conflict(obj))
            }
            ApiRequest::Create(obj) => ctx.create(obj.clone(), why).map(Some),
            ApiRequest::Update(obj) => ctx.update(obj.clone(), why),
            ApiRequest::UpdateStatus(obj) => ctx.update_status(obj.clone(), why),
            ApiRequest::Delete { key, grace_s, propagation } => ctx.delete_with(key, *grace_s, *propagation, why),
            ApiRequest::Event { involved, type_, reason, message } => {
                if !previous_failed && let Some(obj) = ctx.get(involved) {
                    ctx.event(&obj, reporter, type_, reason, message);
                }
                Ok(None)
            }
        };
        let writes = outcome.as_ref().is_ok_and(Option::is_some);
        if chain && !wrote && writes {
            ctx.chain_from_last();
        }
        wrote |= writes;
        if writes && let Some(left) = c.crash_after_writes.as_mut() {
            *left = left.saturating_sub(1);
        }
        outcomes.push(outcome);
    }
    outcomes
}
