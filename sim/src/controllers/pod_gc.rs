//! The pod garbage collector (PodGC): force-deletes pods bound to a node that no longer
//! exists, after a 40 s quarantine, so that their controllers can replace them.

use std::collections::BTreeMap;

use super::reconciler::{ApiRequest, Reconcile, Reconciler};
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::{Change, ChangeType, Propagation};
use crate::cluster::Cache;
use crate::engine::SimTime;

/// How long a pod's node must be missing before the pod goes (`quarantineTime`).
pub const QUARANTINE_MS: u64 = 40_000;

/// The controller.
#[derive(Default)]
pub struct PodGc {
    /// Pods seen bound to a missing node, and since when.
    orphaned_since: BTreeMap<ObjKey, SimTime>,
}

fn node_of(pod: &Object) -> Option<&str> {
    pod.as_pod().and_then(|p| p.spec.node_name.as_deref())
}

impl Reconciler for PodGc {
    fn name(&self) -> &'static str {
        "pod-garbage-collector"
    }

    fn watches(&self) -> &'static [Kind] {
        &[Kind::Pod, Kind::Node]
    }

    fn keys_for(&mut self, change: &Change, view: &Cache) -> Vec<ObjKey> {
        let obj = &change.object;
        match (obj.kind(), change.type_) {
            (Kind::Node, ChangeType::Deleted) => view.pods_on(&obj.meta().name).map(|p| p.key()).collect(),
            (Kind::Pod, ChangeType::Deleted) => {
                self.orphaned_since.remove(&obj.key());
                Vec::new()
            }
            (Kind::Pod, _) => {
                node_of(obj).filter(|n| view.node(n).is_none()).map(|_| vec![obj.key()]).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjKey, view: &Cache, now: SimTime) -> Reconcile {
        let orphaned = view.get(key).and_then(|pod| node_of(pod)).is_some_and(|node| view.node(node).is_none());
        if !orphaned {
            self.orphaned_since.remove(key);
            return Reconcile::done();
        }
        let since = *self.orphaned_since.entry(key.clone()).or_insert(now);
        let waited = now.since(since);
        if waited < QUARANTINE_MS {
            return Reconcile { requeue_after_ms: Some(QUARANTINE_MS - waited), ..Reconcile::done() };
        }
        self.orphaned_since.remove(key);
        let delete = ApiRequest::Delete { key: key.clone(), grace_s: Some(0), propagation: Propagation::Background };
        Reconcile { requests: vec![delete], why: Some("the pod's node no longer exists".into()), ..Reconcile::done() }
    }
}
