//! The `Reconciler` trait: the one interface every controller implements, built-in or
//! yours. A reconciler reads its watch-fed view and answers with API requests and a
//! requeue decision; it never touches the store. The controller manager carries the
//! requests out through the apiserver, in order, and reports their outcomes back.

use std::rc::Rc;

use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::{ApiError, Change, Propagation};
use crate::cluster::Cache;
use crate::engine::SimTime;

/// A request to the apiserver, as a controller would send it through client-go.
#[derive(Debug, Clone)]
pub enum ApiRequest {
    /// Create an object (`generateName` gets a seeded suffix).
    Create(Object),
    /// Replace an object; its resourceVersion is the precondition (409 when stale).
    Update(Object),
    /// Replace an object's status.
    UpdateStatus(Object),
    /// Delete an object.
    Delete {
        /// What to delete.
        key: ObjKey,
        /// Override of the grace period (`Some(0)`: at once).
        grace_s: Option<i64>,
        /// What happens to its dependents.
        propagation: Propagation,
    },
    /// Record a core/v1 Event about an object. An event right after a write reports
    /// that write: it is recorded only if the write succeeded.
    Event {
        /// The object the event is about.
        involved: ObjKey,
        /// `Normal` or `Warning`.
        type_: String,
        /// `SuccessfulCreate`, `ScalingReplicaSet`, ...
        reason: String,
        /// Human-readable text.
        message: String,
    },
}

impl ApiRequest {
    /// A plain delete: the object's own grace period, dependents collected after.
    pub fn delete(key: ObjKey) -> ApiRequest {
        ApiRequest::Delete { key, grace_s: None, propagation: Propagation::Background }
    }

    /// A Normal event about `involved`.
    pub fn normal_event(involved: ObjKey, reason: &str, message: String) -> ApiRequest {
        ApiRequest::Event { involved, type_: "Normal".into(), reason: reason.into(), message }
    }
}

/// What one reconcile decided.
#[derive(Debug, Clone, Default)]
pub struct Reconcile {
    /// Requests to send, in order.
    pub requests: Vec<ApiRequest>,
    /// Look at the key again after this many milliseconds (a deadline, a wait).
    pub requeue_after_ms: Option<u64>,
    /// Why, in a few words, for the trace (`explain-why`); the controller's name if unset.
    pub why: Option<String>,
}

impl Reconcile {
    /// Nothing to do.
    pub fn done() -> Reconcile {
        Reconcile::default()
    }
}

/// The outcome of one request: the object as written (`None` for events and no-ops),
/// or the apiserver's error.
pub type Outcome = Result<Option<Rc<Object>>, ApiError>;

/// A controller.
pub trait Reconciler {
    /// Its name: the trace's component and the events' `source.component`
    /// (`replicaset-controller`).
    fn name(&self) -> &'static str;

    /// The kinds whose watch events it receives.
    fn watches(&self) -> &'static [Kind];

    /// The keys to reconcile because of `change` (its object's owner, say), given the
    /// view after the change was applied.
    fn keys_for(&mut self, change: &Change, view: &Cache) -> Vec<ObjKey>;

    /// Whether the first write of a reconcile is the cause of the rest in the trace (a
    /// decision and its consequences, as "node NotReady" and its pods), rather than all
    /// sharing the reconcile's cause.
    fn chains_writes(&self) -> bool {
        false
    }

    /// Moves `key` towards its desired state, as far as `view` shows it.
    fn reconcile(&mut self, key: &ObjKey, view: &Cache, now: SimTime) -> Reconcile;

    /// The outcomes of the requests the last `reconcile` of `key` returned, in order.
    /// May answer with more requests (events naming what was created, say).
    fn outcomes(&mut self, key: &ObjKey, requests: &[ApiRequest], outcomes: &[Outcome]) -> Vec<ApiRequest> {
        let _ = (key, requests, outcomes);
        Vec::new()
    }
}
