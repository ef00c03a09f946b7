//! The garbage collector: when an owner is deleted its dependents go too (background),
//! go first (foreground, the owner waits behind the `foregroundDeletion` finalizer), or
//! stay without the owner reference (orphan), as ownerReferences say.

use std::collections::BTreeSet;

use super::reconciler::{ApiRequest, Reconcile, Reconciler};
use crate::api::{Kind, ObjKey, Object, Str};
use crate::apiserver::{Change, ChangeType, FOREGROUND_FINALIZER, ORPHAN_FINALIZER, Propagation};
use crate::cluster::Cache;
use crate::engine::SimTime;

/// The controller.
#[derive(Default)]
pub struct GarbageCollector {
    /// Deleted owners whose dependents are not yet processed, by uid.
    deleted: BTreeSet<Str>,
}

/// The work item for a deleted owner: its uid, in a namespace no real object can have
/// (a colon is not allowed in a namespace name). Other work items are live objects: one
/// in foreground or orphan deletion, or a dependent whose owner has gone.
fn owner_key(uid: &str) -> ObjKey {
    ObjKey::new(Kind::Pod, GONE_NAMESPACE, uid)
}

const GONE_NAMESPACE: &str = "kubesim:deleted-owner";

fn deleting_with(obj: &Object, finalizer: &str) -> bool {
    obj.meta().deletion_timestamp.is_some() && obj.meta().rare.finalizers.iter().any(|f| f == finalizer)
}

/// The owner a reference names, if its kind is one kubesim serves. The kind must be
/// spelt exactly (`ReplicaSet`, not `replicaset`), as upstream's REST mapping requires:
/// a reference it cannot resolve is left alone.
fn key_of_owner(dependent: &Object, owner: &crate::api::meta::OwnerReference) -> Option<ObjKey> {
    let kind = Kind::named(&owner.kind)?;
    Some(ObjKey::shared(kind, &dependent.meta().namespace, &owner.name))
}

/// The kinds the collector watches, so the only owners whose absence it can see.
const WATCHED: &[Kind] = &[Kind::Deployment, Kind::ReplicaSet, Kind::Pod, Kind::Service, Kind::EndpointSlice];

/// How soon to look again at an owner whose dependents are being orphaned.
const ORPHAN_RECHECK_MS: u64 = 100;

impl Reconciler for GarbageCollector {
    fn name(&self) -> &'static str {
        "garbage-collector"
    }

    fn watches(&self) -> &'static [Kind] {
        WATCHED
    }

    fn keys_for(&mut self, change: &Change, view: &Cache) -> Vec<ObjKey> {
        let obj = &change.object;
        let mut keys = Vec::new();
        let uid = &obj.meta().uid;
        if change.type_ == ChangeType::Deleted && view.dependents_of(uid).next().is_some() {
            self.deleted.insert(uid.clone());
            keys.push(owner_key(uid));
        }
        if deleting_with(obj, FOREGROUND_FINALIZER) || deleting_with(obj, ORPHAN_FINALIZER) {
            keys.push(obj.key());
        }
        if change.type_ == ChangeType::Deleted {
            // A dependent that went may unblock an owner waiting in foreground deletion.
            for owner in obj.meta().owner_references.iter() {
                if let Some(key) = key_of_owner(obj, owner)
                    && view.get(&key).is_some_and(|o| deleting_with(o, FOREGROUND_FINALIZER))
                {
                    keys.push(key);
                }
            }
        } else if obj.meta().owner_references.iter().any(|r| !owner_exists(obj, r, view)) {
            // A dependent created from a stale view after its owner went
            // (`attemptToDeleteItem`): collect it.
            keys.push(obj.key());
        }
        keys
    }

    fn reconcile(&mut self, key: &ObjKey, view: &Cache, _now: SimTime) -> Reconcile {
        let mut requests = Vec::new();
        if &*key.namespace == GONE_NAMESPACE {
            if self.deleted.remove(&*key.name) {
                for dep in view.dependents_of(&key.name) {
                    if dep.meta().deletion_timestamp.is_none() {
                        requests.push(delete_or_disown(dep, &key.name, Propagation::Background));
                    }
                }
            }
            return Reconcile { requests, ..Reconcile::done() };
        }
        let Some(obj) = view.get(key) else { return Reconcile::done() };
        if deleting_with(obj, ORPHAN_FINALIZER) {
            // The finalizer goes only once no dependent refers to the owner any more: an
            // update that lost a conflict is retried, never skipped (`attemptToOrphan`).
            let uid = &obj.meta().uid;
            for dep in view.dependents_of(uid) {
                requests.push(ApiRequest::Update(without_owner(dep, uid)));
            }
            if !requests.is_empty() {
                return Reconcile { requests, requeue_after_ms: Some(ORPHAN_RECHECK_MS), ..Reconcile::done() };
            }
            requests.push(ApiRequest::Update(without_finalizer(obj, ORPHAN_FINALIZER)));
        } else if deleting_with(obj, FOREGROUND_FINALIZER) {
            let uid = &obj.meta().uid;
            let mut waiting = false;
            for dep in view.dependents_of(uid) {
                waiting |=
                    dep.meta().owner_references.iter().any(|r| r.uid == *uid && r.block_owner_deletion == Some(true));
                if dep.meta().deletion_timestamp.is_none() {
                    // Foreground deletion propagates to dependents that have dependents of
                    // their own; the others simply go (`attemptToDeleteItem`).
                    let has_dependents = view.dependents_of(&dep.meta().uid).next().is_some();
                    let propagation = if has_dependents { Propagation::Foreground } else { Propagation::Background };
                    requests.push(delete_or_disown(dep, uid, propagation));
                }
            }
            if !waiting {
                requests.push(ApiRequest::Update(without_finalizer(obj, FOREGROUND_FINALIZER)));
            }
        } else if obj.meta().deletion_timestamp.is_none() {
            // Owners gone: delete when all are, else drop the references to the missing.
            let missing: Vec<Str> = obj
                .meta()
                .owner_references
                .iter()
                .filter(|r| !owner_exists(obj, r, view))
                .map(|r| r.uid.clone())
                .collect();
            if !missing.is_empty() {
                if missing.len() == obj.meta().owner_references.len() {
                    requests.push(ApiRequest::delete(obj.key()));
                } else {
                    let mut kept = obj.as_ref().clone();
                    kept.meta_mut().owner_references.retain(|r| !missing.contains(&r.uid));
                    requests.push(ApiRequest::Update(kept));
                }
            }
        }
        Reconcile { requests, ..Reconcile::done() }
    }
}

/// Whether the owner a reference names is in the view, with that uid. A reference to a
/// kind the simulator does not serve is left alone, as the real collector leaves one it
/// cannot resolve, and so is one to a kind the collector does not watch (it cannot see
/// whether such an owner exists).
fn owner_exists(dependent: &Object, owner: &crate::api::meta::OwnerReference, view: &Cache) -> bool {
    key_of_owner(dependent, owner)
        .filter(|k| WATCHED.contains(&k.kind))
        .is_none_or(|k| view.get(&k).is_some_and(|o| o.meta().uid == owner.uid))
}

/// Deletes a dependent whose only owner is going; one with other owners just loses
/// the reference.
fn delete_or_disown(dep: &Object, owner_uid: &str, propagation: Propagation) -> ApiRequest {
    if dep.meta().owner_references.iter().all(|r| r.uid == owner_uid) {
        ApiRequest::Delete { key: dep.key(), grace_s: None, propagation }
    } else {
        ApiRequest::Update(without_owner(dep, owner_uid))
    }
}

fn without_owner(dep: &Object, uid: &str) -> Object {
    let mut o = dep.clone();
    o.meta_mut().owner_references.retain(|r| r.uid != uid);
    o
}

fn without_finalizer(obj: &Object, finalizer: &str) -> Object {
    let mut o = obj.clone();
    o.meta_mut().rare.finalizers.retain(|f| f != finalizer);
    o
}
