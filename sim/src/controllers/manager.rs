//! The controller manager: runs each [`Reconciler`] with its own watch-fed view and
//! work queue, carries out the requests it returns, and retries failed keys with
//! back-off, as kube-controller-manager's workqueues do.

use std::collections::{BTreeMap, VecDeque};

use super::reconciler::{ApiRequest, Outcome, Reconciler};
use crate::api::ObjKey;
use crate::apiserver::Change;
use crate::cluster::{Cache, Ctx, Reporter, SimEvent};

/// First retry delay after a failed reconcile.
const RETRY_INITIAL_MS: u64 = 5;
/// Retry delays double up to this.
const RETRY_MAX_MS: u64 = 1_000_000;

/// A wake-up for one controller.
#[derive(Debug, Clone)]
pub enum Timer {
    /// Work through the queue.
    Process,
    /// Put `key` back on the queue.
    Requeue(ObjKey),
}

/// One running controller.
struct Running {
    reconciler: Box<dyn Reconciler>,
    view: Cache,
    /// Keys waiting, in arrival order, each with the trace id that queued it.
    queue: VecDeque<(ObjKey, u64)>,
    queued: BTreeMap<ObjKey, ()>,
    scheduled: bool,
    failures: BTreeMap<ObjKey, u32>,
}

/// The controllers, indexed in registration order.
#[derive(Default)]
pub struct ControllerManager {
    controllers: Vec<Running>,
}

impl ControllerManager {
    /// Adds a controller; returns its index.
    pub fn register(&mut self, reconciler: Box<dyn Reconciler>) -> usize {
        self.controllers.push(Running {
            reconciler,
            view: Cache::default(),
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

    /// A watch event for controller `index`.
    pub fn on_change(&mut self, ctx: &mut Ctx<'_>, index: usize, change: &Change) {
        let c = &mut self.controllers[index];
        c.view.apply(change);
        let keys = c.reconciler.keys_for(change, &c.view);
        for key in keys {
            enqueue(c, key, ctx.cause);
        }
        schedule(c, ctx, index);
    }

    /// A wake-up for controller `index`.
    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>, index: usize, timer: Timer) {
        let c = &mut self.controllers[index];
        match timer {
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
                    process(c, ctx, index, &key);
                }
            }
        }
    }
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

/// Reconciles one key and carries out what the reconciler asked for.
fn process(c: &mut Running, ctx: &mut Ctx<'_>, index: usize, key: &ObjKey) {
    let decision = c.reconciler.reconcile(key, &c.view, ctx.now);
    let chain = c.reconciler.chains_writes();
    let why = decision.why.as_deref().unwrap_or(c.reconciler.name());
    let outcomes = execute(ctx, c.reconciler.name(), why, &decision.requests, chain);
    let follow_up = c.reconciler.outcomes(key, &decision.requests, &outcomes);
    execute(ctx, c.reconciler.name(), c.reconciler.name(), &follow_up, false);
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
}

/// Sends requests to the apiserver as the controller `name`, in order; with `chain`, the
/// first successful write becomes the cause of the rest.
fn execute(ctx: &mut Ctx<'_>, name: &'static str, why: &str, requests: &[ApiRequest], chain: bool) -> Vec<Outcome> {
    let reporter = Reporter { component: name, host: None };
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(requests.len());
    for request in requests {
        let previous_failed = outcomes.last().is_some_and(Result::is_err);
        let outcome = match request {
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
        if chain
            && !outcomes.iter().any(|o: &Outcome| o.as_ref().is_ok_and(Option::is_some))
            && outcome.as_ref().is_ok_and(Option::is_some)
        {
            ctx.chain_from_last();
        }
        outcomes.push(outcome);
    }
    outcomes
}
