//! The garbage collector: when an owner is deleted its dependents go too (background),
//! go first (foreground, the owner waits behind the `foregroundDeletion` finalizer), or
//! stay without the owner reference (orphan), as ownerReferences say.

use std::collections::BTreeMap;

use super::reconciler::{ApiRequest, Reconcile, Reconciler};
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::{Change, ChangeType, FOREGROUND_FINALIZER, ORPHAN_FINALIZER};
use crate::cluster::Cache;
use crate::engine::SimTime;

/// The controller.
#[derive(Default)]
pub struct GarbageCollector {
    /// Deleted owners not yet processed, with their uids.
    deleted: BTreeMap<ObjKey, String>,
}

fn deleting_with(obj: &Object, finalizer: &str) -> bool {
    obj.meta().deletion_timestamp.is_some() && obj.meta().finalizers.iter().any(|f| f == finalizer)
}

fn key_of_owner(dependent: &Object, owner: &crate::api::meta::OwnerReference) -> Option<ObjKey> {
    let kind = Kind::from_resource_arg(&owner.kind)?;
    Some(ObjKey::new(kind, &dependent.meta().namespace, &owner.name))
}

impl Reconciler for GarbageCollector {
    fn name(&self) -> &'static str {
        "garbage-collector"
    }

    fn watches(&self) -> &'static [Kind] {
        &[Kind::Deployment, Kind::ReplicaSet, Kind::Pod, Kind::Service, Kind::EndpointSlice]
    }

    fn keys_for(&mut self, change: &Change, view: &Cache) -> Vec<ObjKey> {
        let obj = &change.object;
        let mut keys = Vec::new();
        let has_dependents = view.dependents_of(&obj.meta().uid).next().is_some();
        if change.type_ == ChangeType::Deleted && has_dependents {
            self.deleted.insert(obj.key(), obj.meta().uid.clone());
            keys.push(obj.key());
        }
        if deleting_with(obj, FOREGROUND_FINALIZER) || deleting_with(obj, ORPHAN_FINALIZER) {
            keys.push(obj.key());
        }
        // A dependent that went may unblock an owner waiting in foreground deletion.
        if change.type_ == ChangeType::Deleted {
            for owner in &obj.meta().owner_references {
                if let Some(key) = key_of_owner(obj, owner)
                    && view.get(&key).is_some_and(|o| deleting_with(o, FOREGROUND_FINALIZER))
                {
                    keys.push(key);
                }
            }
        }
        keys
    }

    fn reconcile(&mut self, key: &ObjKey, view: &Cache, _now: SimTime) -> Reconcile {
        let mut requests = Vec::new();
        match view.get(key) {
            Some(owner) if deleting_with(owner, ORPHAN_FINALIZER) => {
                let uid = &owner.meta().uid;
                for dep in view.dependents_of(uid) {
                    requests.push(ApiRequest::Update(without_owner(dep, uid)));
                }
                requests.push(ApiRequest::Update(without_finalizer(owner, ORPHAN_FINALIZER)));
            }
            Some(owner) if deleting_with(owner, FOREGROUND_FINALIZER) => {
                let uid = &owner.meta().uid;
                let mut waiting = false;
                for dep in view.dependents_of(uid) {
                    waiting |= dep
                        .meta()
                        .owner_references
                        .iter()
                        .any(|r| r.uid == *uid && r.block_owner_deletion == Some(true));
                    if dep.meta().deletion_timestamp.is_none() {
                        requests.push(delete_or_disown(dep, uid));
                    }
                }
                if !waiting {
                    requests.push(ApiRequest::Update(without_finalizer(owner, FOREGROUND_FINALIZER)));
                }
            }
            Some(_) => {}
            None => {
                if let Some(uid) = self.deleted.remove(key) {
                    for dep in view.dependents_of(&uid) {
                        if dep.meta().deletion_timestamp.is_none() {
                            requests.push(delete_or_disown(dep, &uid));
                        }
                    }
                }
            }
        }
        Reconcile { requests, ..Reconcile::done() }
    }
}

/// Deletes a dependent whose only owner is going; one with other owners just loses
/// the reference.
fn delete_or_disown(dep: &Object, owner_uid: &str) -> ApiRequest {
    if dep.meta().owner_references.iter().all(|r| r.uid == owner_uid) {
        ApiRequest::delete(dep.key())
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
    o.meta_mut().finalizers.retain(|f| f != finalizer);
    o
}
