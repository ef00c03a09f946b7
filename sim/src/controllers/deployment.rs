//! The Deployment controller: one ReplicaSet per pod template (named with the template's
//! hash), rolled from old to new within `maxSurge`/`maxUnavailable` (RollingUpdate) or
//! old-first (Recreate), with revisions, history clean-up, progress deadline and the
//! Available/Progressing conditions, as `pkg/controller/deployment` does.

use std::collections::BTreeMap;

use super::pods::{controller_of, controller_ref, is_active};
use super::reconciler::{ApiRequest, Reconcile, Reconciler};
use crate::api::apps::{Deployment, DeploymentStatus, PodTemplateSpec, ReplicaSet, ReplicaSetSpec};
use crate::api::meta::{Condition, IntOrString, LabelSelector, ObjectMeta, Time, find_condition, set_condition};
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::{Change, NAME_ALPHABET};
use crate::cluster::Cache;
use crate::engine::SimTime;
use crate::engine::time::secs_to_ms;

/// Label and selector key that ties a ReplicaSet's pods to its template.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
/// Annotation with a ReplicaSet's (and its Deployment's) revision.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// Annotation with the Deployment replica count a ReplicaSet was last scaled for.
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
/// Annotation with the revisions a re-used ReplicaSet had before (a rollback).
pub const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
/// Annotation recording why a revision was made; copied from the Deployment to its new
/// ReplicaSet, shown by `kubectl rollout history`.
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
/// The longest `revision-history` annotation (`maxRevHistoryLengthInChars`).
const MAX_REVISION_HISTORY_CHARS: usize = 2000;

/// Annotations never copied between a Deployment and its ReplicaSets (`annotationsToSkip`
/// of `deployment_util.go`, and kubectl's rollback).
pub const ANNOTATIONS_TO_SKIP: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    REVISION_HISTORY,
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    "deprecated.deployment.rollback.to",
];

/// `copyDeploymentAnnotationsToReplicaSet`: the Deployment's annotations (but the skipped
/// ones) onto the ReplicaSet; annotations the Deployment lost stay. True if any changed.
fn copy_annotations(d: &Deployment, rs: &mut ReplicaSet) -> bool {
    let mut changed = false;
    for (k, v) in d.metadata.annotations.iter() {
        if ANNOTATIONS_TO_SKIP.contains(&k.as_str()) || rs.metadata.annotations.get(k) == Some(v) {
            continue;
        }
        rs.metadata.annotations.insert(k.clone(), v.clone());
        changed = true;
    }
    changed
}

/// `SetNewReplicaSetAnnotations` for an existing new ReplicaSet: copies the Deployment's
/// annotations, raises the revision to `revision` if lower, and then (a rollback) records
/// the revision it had in `revision-history`.
fn set_new_replica_set_annotations(d: &Deployment, rs: &mut ReplicaSet, revision: i64) {
    copy_annotations(d, rs);
    let old = rs.metadata.annotations.get(REVISION).cloned();
    let old_number = old.as_deref().map_or(Some(0), |r| r.parse::<i64>().ok());
    let Some(old_number) = old_number else { return };
    if old_number >= revision {
        return;
    }
    rs.metadata.annotations.insert(REVISION.into(), revision.to_string());
    let Some(old) = old else { return };
    let history = rs.metadata.annotations.get(REVISION_HISTORY).cloned().unwrap_or_default();
    if history.is_empty() {
        rs.metadata.annotations.insert(REVISION_HISTORY.into(), old);
        return;
    }
    let mut revisions: Vec<&str> = history.split(',').collect();
    let mut total = history.len() + old.len() + 1;
    let mut start = 0;
    while total > MAX_REVISION_HISTORY_CHARS && start < revisions.len() {
        total -= revisions[start].len() + 1;
        start += 1;
    }
    if total <= MAX_REVISION_HISTORY_CHARS {
        revisions.drain(..start);
        revisions.push(&old);
        rs.metadata.annotations.insert(REVISION_HISTORY.into(), revisions.join(","));
    }
}

/// `ComputeHash`: FNV-32a of the pod template (and the collision count), its decimal
/// digits mapped onto Kubernetes' safe alphabet. kubesim hashes the template's JSON where
/// upstream hashes Go's printed struct, so hashes differ from a real cluster's but are
/// stable and change exactly when the template does.
pub fn pod_template_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u32::from(*b);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    };
    feed(serde_json::to_string(template).expect("templates serialize").as_bytes());
    if let Some(count) = collision_count {
        let mut bytes = [0u8; 8];
        bytes[..4].copy_from_slice(&(count as u32).to_le_bytes());
        feed(&bytes);
    }
    hash.to_string().bytes().map(|d| NAME_ALPHABET[usize::from(d) % NAME_ALPHABET.len()] as char).collect()
}

/// Resolves an int-or-percent against `total`, rounding up or down.
fn scaled(value: &Option<IntOrString>, total: i32, round_up: bool) -> i32 {
    match value {
        Some(IntOrString::Int(i)) => *i,
        Some(IntOrString::String(s)) => {
            let percent: i64 = s.trim_end_matches('%').parse().unwrap_or(0);
            let product = percent * i64::from(total);
            (if round_up { (product + 99) / 100 } else { product / 100 }) as i32
        }
        None => 0,
    }
}

/// `ResolveFenceposts`: (maxSurge rounded up, maxUnavailable rounded down); both zero
/// makes maxUnavailable one.
pub fn fenceposts(d: &Deployment) -> (i32, i32) {
    let desired = d.spec.replicas.unwrap_or(1);
    let strategy = d.spec.strategy.as_ref();
    if strategy.and_then(|s| s.type_.as_deref()) == Some("Recreate") {
        return (0, desired);
    }
    let ru = strategy.and_then(|s| s.rolling_update.clone()).unwrap_or_default();
    let surge = scaled(&ru.max_surge, desired, true);
    let unavailable = scaled(&ru.max_unavailable, desired, false);
    if surge == 0 && unavailable == 0 { (0, 1) } else { (surge, unavailable) }
}

/// The template without the hash label, for comparison (`EqualIgnoreHash`).
fn without_hash(template: &PodTemplateSpec) -> PodTemplateSpec {
    let mut t = template.clone();
    t.metadata.labels.remove(POD_TEMPLATE_HASH);
    t
}

fn revision_of(meta: &ObjectMeta) -> i64 {
    meta.annotations.get(REVISION).and_then(|r| r.parse().ok()).unwrap_or(0)
}

/// The controller.
#[derive(Default)]
pub struct DeploymentController;

/// A Deployment's ReplicaSets as the view shows them: the one matching the template
/// (if any) and the others, oldest first.
struct Sets {
    new: Option<ReplicaSet>,
    old: Vec<ReplicaSet>,
}

impl Sets {
    fn all(&self) -> impl Iterator<Item = &ReplicaSet> {
        self.new.iter().chain(self.old.iter())
    }
    fn spec_total(&self) -> i32 {
        self.all().map(|rs| rs.spec.replicas.unwrap_or(0)).sum()
    }
    fn available(&self) -> i32 {
        self.all().map(|rs| rs.status.available_replicas.unwrap_or(0)).sum()
    }
}

fn sets_of(d: &Deployment, view: &Cache) -> Sets {
    let template = without_hash(&d.spec.template);
    let mut owned: Vec<ReplicaSet> = view
        .dependents_of(&d.metadata.uid)
        .filter_map(|o| match &**o {
            Object::ReplicaSet(rs) if rs.metadata.controller_ref().is_some_and(|r| r.uid == d.metadata.uid) => {
                Some((**rs).clone())
            }
            _ => None,
        })
        .collect();
    owned.sort_by(|a, b| {
        (a.metadata.creation_timestamp, &a.metadata.name).cmp(&(b.metadata.creation_timestamp, &b.metadata.name))
    });
    let new_index = owned.iter().position(|rs| without_hash(&rs.spec.template) == template);
    let new = new_index.map(|i| owned.remove(i));
    Sets { new, old: owned }
}

/// A request that sets a ReplicaSet's replicas (and the Deployment's annotations on it),
/// with the event upstream records.
fn scale(d: &Deployment, rs: &ReplicaSet, to: i32, requests: &mut Vec<ApiRequest>) {
    let from = rs.spec.replicas.unwrap_or(0);
    let (surge, _) = fenceposts(d);
    let desired = d.spec.replicas.unwrap_or(1);
    let mut scaled_rs = rs.clone();
    scaled_rs.spec.replicas = Some(to);
    scaled_rs.metadata.annotations.insert(DESIRED_REPLICAS.into(), desired.to_string());
    scaled_rs.metadata.annotations.insert(MAX_REPLICAS.into(), (desired + surge).to_string());
    if scaled_rs == *rs {
        return;
    }
    requests.push(ApiRequest::Update(Object::from(scaled_rs)));
    if to != from {
        let direction = if to > from { "up" } else { "down" };
        requests.push(ApiRequest::normal_event(
            deployment_key(d),
            "ScalingReplicaSet",
            format!("Scaled {direction} replica set {} from {from} to {to}", rs.metadata.name),
        ));
    }
}

fn deployment_key(d: &Deployment) -> ObjKey {
    ObjKey::new(Kind::Deployment, &d.metadata.namespace, &d.metadata.name)
}

/// The ReplicaSet a Deployment's current template calls for.
fn new_replica_set(d: &Deployment, revision: i64, replicas: i32) -> ReplicaSet {
    let hash = pod_template_hash(&d.spec.template, d.status.collision_count);
    let mut template = d.spec.template.clone();
    template.metadata.labels.insert(POD_TEMPLATE_HASH.into(), hash.clone());
    let mut selector = d.spec.selector.clone().unwrap_or_default();
    selector.match_labels.insert(POD_TEMPLATE_HASH.into(), hash.clone());
    let (surge, _) = fenceposts(d);
    let desired = d.spec.replicas.unwrap_or(1);
    let owner = Object::from(d.clone());
    let mut rs = ReplicaSet {
        metadata: ObjectMeta {
            name: format!("{}-{hash}", d.metadata.name).into(),
            namespace: d.metadata.namespace.clone(),
            labels: template.metadata.labels.clone(),
            owner_references: vec![controller_ref(&owner)].into(),
            ..Default::default()
        },
        spec: ReplicaSetSpec {
            replicas: Some(replicas),
            min_ready_seconds: d.spec.min_ready_seconds,
            selector: Some(LabelSelector { ..selector }),
            template,
        },
        ..Default::default()
    };
    // `SetNewReplicaSetAnnotations` on a new ReplicaSet: the Deployment's annotations
    // (a change-cause among them), the revision, the replica counts.
    copy_annotations(d, &mut rs);
    rs.metadata.annotations.extend([
        (DESIRED_REPLICAS.to_string(), desired.to_string()),
        (MAX_REPLICAS.to_string(), (desired + surge).to_string()),
        (REVISION.to_string(), revision.to_string()),
    ]);
    rs
}

impl Reconciler for DeploymentController {
    fn name(&self) -> &'static str {
        "deployment-controller"
    }

    fn watches(&self) -> &'static [Kind] {
        &[Kind::Deployment, Kind::ReplicaSet, Kind::Pod]
    }

    fn keys_for(&mut self, change: &Change, view: &Cache) -> Vec<ObjKey> {
        let obj = &change.object;
        let ns = &obj.meta().namespace;
        match obj.kind() {
            Kind::Deployment => vec![obj.key()],
            Kind::ReplicaSet => controller_of(obj, Kind::Deployment)
                .map(|r| ObjKey::shared(Kind::Deployment, ns, &r.name))
                .into_iter()
                .collect(),
            // Recreate waits for old pods to be gone: their deletion matters.
            Kind::Pod if change.type_ == crate::apiserver::ChangeType::Deleted => controller_of(obj, Kind::ReplicaSet)
                .and_then(|r| view.get(&ObjKey::shared(Kind::ReplicaSet, ns, &r.name)))
                .and_then(|rs| controller_of(rs, Kind::Deployment))
                .map(|r| ObjKey::shared(Kind::Deployment, ns, &r.name))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjKey, view: &Cache, now: SimTime) -> Reconcile {
        let Some(Object::Deployment(d)) = view.get(key).map(|o| (**o).clone()) else { return Reconcile::done() };
        if d.metadata.deletion_timestamp.is_some() {
            return Reconcile::done();
        }
        // Orphaned ReplicaSets the selector matches are adopted first (`ClaimReplicaSets`).
        let selector = d.spec.selector.clone().unwrap_or_default();
        let owner = Object::Deployment(d.clone());
        let adopt: Vec<ApiRequest> = view
            .uncontrolled_in(Kind::ReplicaSet, &key.namespace)
            .filter_map(|o| match &**o {
                Object::ReplicaSet(rs)
                    if rs.metadata.deletion_timestamp.is_none() && selector.matches(&rs.metadata.labels) =>
                {
                    let mut adopted = rs.clone();
                    adopted.metadata.owner_references.push(controller_ref(&owner));
                    Some(ApiRequest::Update(Object::ReplicaSet(adopted)))
                }
                _ => None,
            })
            .collect();
        if !selector.match_labels.is_empty() && !adopt.is_empty() {
            return Reconcile { requests: adopt, ..Reconcile::done() };
        }
        let sets = sets_of(&d, view);
        let mut requests = Vec::new();
        let paused = d.spec.paused == Some(true);
        let max_revision = sets.all().map(|rs| revision_of(&rs.metadata)).max().unwrap_or(0);
        let recreate = d.spec.strategy.as_ref().and_then(|s| s.type_.as_deref()) == Some("Recreate");
        match &sets.new {
            // A paused Deployment still follows scale changes, but does not roll out.
            _ if is_scaling_event(&d, &sets) => proportional_scale(&d, &sets, &mut requests),
            _ if paused => {}
            None => {
                let old_running = sets.old.iter().any(|rs| rs.spec.replicas.unwrap_or(0) > 0);
                if recreate && old_running {
                    for rs in &sets.old {
                        scale(&d, rs, 0, &mut requests);
                    }
                } else if !recreate || !old_pods_running(&sets, view) {
                    let replicas = first_replicas(&d, &sets, recreate);
                    let rs = new_replica_set(&d, max_revision + 1, replicas);
                    let message = format!("Scaled up replica set {} from 0 to {replicas}", rs.metadata.name);
                    requests.push(ApiRequest::Create(Object::from(rs)));
                    if replicas > 0 {
                        requests.push(ApiRequest::normal_event(key.clone(), "ScalingReplicaSet", message));
                    }
                    // The revision goes on the Deployment in the same sync (`getNewReplicaSet`).
                    let mut annotated = d.clone();
                    annotated.metadata.annotations.insert(REVISION.into(), (max_revision + 1).to_string());
                    requests.push(ApiRequest::Update(Object::Deployment(annotated)));
                }
            }
            Some(new) if recreate => rollout_recreate(&d, new, &sets, view, &mut requests),
            Some(new) => rollout_rolling(&d, new, &sets, &mut requests),
        }
        if let (Some(new), false) = (&sets.new, paused) {
            // A re-used template (a rollback) takes the next revision; minReadySeconds
            // follows the Deployment.
            let revision = revision_of(&new.metadata);
            let target = if revision < max_revision { max_revision + 1 } else { revision };
            let mut synced = new.clone();
            set_new_replica_set_annotations(&d, &mut synced, target);
            synced.spec.min_ready_seconds = d.spec.min_ready_seconds;
            // The ReplicaSet first, as `getNewReplicaSet` does; the Deployment follows once
            // the ReplicaSet carries the revision, so a failed ReplicaSet write never
            // leaves the Deployment ahead of its history. A sync that already scales the
            // ReplicaSet leaves its revision to the next one.
            let rs_synced = synced == *new;
            if !rs_synced && requests.is_empty() {
                requests.push(ApiRequest::Update(Object::from(synced)));
            }
            if rs_synced && d.metadata.annotations.get(REVISION) != Some(&target.to_string()) {
                let mut annotated = d.clone();
                annotated.metadata.annotations.insert(REVISION.into(), target.to_string());
                requests.push(ApiRequest::Update(Object::Deployment(annotated)));
            }
        }
        if requests.is_empty() {
            cleanup_history(&d, &sets, &mut requests);
        }
        let (status, requeue_after_ms) = status_for(&d, &sets, now);
        // After a write to the Deployment itself our copy is stale; the watch brings the
        // next reconcile, which writes the status.
        let wrote_deployment = requests.iter().any(|r| matches!(r, ApiRequest::Update(Object::Deployment(_))));
        if status != d.status && !wrote_deployment {
            let mut updated = d.clone();
            updated.status = status;
            requests.push(ApiRequest::UpdateStatus(Object::Deployment(updated)));
        }
        Reconcile { requests, requeue_after_ms, why: None }
    }
}

/// The Deployment's replica count changed since its active ReplicaSets were last scaled
/// (`isScalingEvent`).
fn is_scaling_event(d: &Deployment, sets: &Sets) -> bool {
    let desired = d.spec.replicas.unwrap_or(1).to_string();
    sets.all()
        .filter(|rs| rs.spec.replicas.unwrap_or(0) > 0)
        .any(|rs| rs.metadata.annotations.get(DESIRED_REPLICAS).is_some_and(|r| *r != desired))
}

/// A scale during a rollout: spread the change over the active ReplicaSets in
/// proportion to their sizes, within replicas + maxSurge (`scale` upstream).
fn proportional_scale(d: &Deployment, sets: &Sets, requests: &mut Vec<ApiRequest>) {
    let desired = d.spec.replicas.unwrap_or(1);
    let active: Vec<&ReplicaSet> = sets.all().filter(|rs| rs.spec.replicas.unwrap_or(0) > 0).collect();
    // One active ReplicaSet (or none: the new one, else the latest) simply takes the
    // full count (`FindActiveOrLatest`); with a template changed while paused there is
    // no new ReplicaSet yet.
    if active.len() <= 1 {
        let latest = sets.new.as_ref().or_else(|| sets.old.iter().max_by_key(|rs| revision_of(&rs.metadata)));
        if let Some(target) = active.first().copied().or(latest) {
            scale(d, target, desired, requests);
        }
        return;
    }
    let saturated = sets
        .new
        .as_ref()
        .is_some_and(|new| new.spec.replicas == Some(desired) && new.status.available_replicas == Some(desired));
    if saturated {
        for rs in &sets.old {
            scale(d, rs, 0, requests);
        }
        return;
    }
    let (surge, _) = fenceposts(d);
    let allowed = if desired > 0 { desired + surge } else { 0 };
    let total: i32 = active.iter().map(|rs| rs.spec.replicas.unwrap_or(0)).sum();
    let to_add = allowed - total;
    // Larger first; on ties newer first when growing, older first when shrinking.
    let mut ordered = active.clone();
    ordered.sort_by(|a, b| {
        let by_size = b.spec.replicas.cmp(&a.spec.replicas);
        let by_age = a.metadata.creation_timestamp.cmp(&b.metadata.creation_timestamp);
        by_size.then(if to_add > 0 { by_age.reverse() } else { by_age })
    });
    let mut added = 0;
    let mut sizes: Vec<i32> = Vec::with_capacity(ordered.len());
    for rs in &ordered {
        let replicas = rs.spec.replicas.unwrap_or(0);
        let proportion = if to_add == 0 || to_add == added {
            0
        } else {
            let fraction = if desired == 0 {
                -replicas
            } else {
                let before: i32 = rs
                    .metadata
                    .annotations
                    .get(MAX_REPLICAS)
                    .and_then(|m| m.parse().ok())
                    .filter(|m| *m > 0)
                    .unwrap_or(total);
                ((f64::from(replicas) * f64::from(allowed)) / f64::from(before)).round() as i32 - replicas
            };
            let left = to_add - added;
            if to_add > 0 { fraction.min(left) } else { fraction.max(left) }
        };
        added += proportion;
        sizes.push(replicas + proportion);
    }
    // Leftovers go to the largest. Upstream clamps it at zero and lets the next sync
    // scale down what is left over, briefly asking for more than replicas + maxSurge;
    // kubesim passes what the largest cannot give up on to the next, so the bound holds
    // at every event.
    let mut leftover = to_add - added;
    for size in &mut sizes {
        let taken = (*size + leftover).max(0) - *size;
        *size += taken;
        leftover -= taken;
        if leftover >= 0 {
            break;
        }
    }
    for (rs, size) in ordered.iter().zip(sizes) {
        scale(d, rs, size, requests);
    }
}

/// Replicas for a freshly created ReplicaSet (`NewRSNewReplicas`).
fn first_replicas(d: &Deployment, sets: &Sets, recreate: bool) -> i32 {
    let desired = d.spec.replicas.unwrap_or(1);
    if recreate {
        return desired;
    }
    let (surge, _) = fenceposts(d);
    let room = desired + surge - sets.spec_total();
    room.clamp(0, desired)
}

fn old_pods_running(sets: &Sets, view: &Cache) -> bool {
    sets.old.iter().any(|rs| {
        view.dependents_of(&rs.metadata.uid)
            .any(|o| o.as_pod().is_some_and(|p| is_active(p) || p.metadata.deletion_timestamp.is_some()))
    })
}

/// One step of a rolling update: scale the new ReplicaSet up within the surge, else the
/// old ones down within the availability floor (`rolloutRolling`).
fn rollout_rolling(d: &Deployment, new: &ReplicaSet, sets: &Sets, requests: &mut Vec<ApiRequest>) {
    let desired = d.spec.replicas.unwrap_or(1);
    let (surge, max_unavailable) = fenceposts(d);
    let new_replicas = new.spec.replicas.unwrap_or(0);
    if new_replicas > desired {
        return scale(d, new, desired, requests);
    }
    if new_replicas < desired {
        let room = desired + surge - sets.spec_total();
        if room > 0 {
            return scale(d, new, new_replicas + room.min(desired - new_replicas), requests);
        }
    }
    // Scale down old ReplicaSets, never below the availability floor.
    let min_available = desired - max_unavailable;
    let new_unavailable = new_replicas - new.status.available_replicas.unwrap_or(0);
    let max_scaled_down = sets.spec_total() - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return;
    }
    // Unhealthy old pods go first: they do not count towards availability anyway.
    let mut budget = max_scaled_down;
    let mut planned: BTreeMap<String, i32> = BTreeMap::new();
    for rs in &sets.old {
        let replicas = rs.spec.replicas.unwrap_or(0);
        let unhealthy = (replicas - rs.status.available_replicas.unwrap_or(0)).clamp(0, replicas);
        let cut = unhealthy.min(budget);
        if cut > 0 {
            planned.insert(rs.metadata.name.to_string(), replicas - cut);
            budget -= cut;
        }
    }
    let available = sets.available();
    let mut scale_down = (available - min_available).min(budget);
    for rs in &sets.old {
        let current = planned.get(&*rs.metadata.name).copied().unwrap_or(rs.spec.replicas.unwrap_or(0));
        let cut = current.min(scale_down.max(0));
        if cut > 0 {
            planned.insert(rs.metadata.name.to_string(), current - cut);
            scale_down -= cut;
        }
    }
    for rs in &sets.old {
        if let Some(to) = planned.get(&*rs.metadata.name) {
            scale(d, rs, *to, requests);
        }
    }
}

/// Recreate: old ReplicaSets to zero, wait for their pods to go, then the new one up.
fn rollout_recreate(d: &Deployment, new: &ReplicaSet, sets: &Sets, view: &Cache, requests: &mut Vec<ApiRequest>) {
    if sets.old.iter().any(|rs| rs.spec.replicas.unwrap_or(0) > 0) {
        for rs in &sets.old {
            scale(d, rs, 0, requests);
        }
        return;
    }
    if !old_pods_running(sets, view) {
        scale(d, new, d.spec.replicas.unwrap_or(1), requests);
    }
}

/// Deletes the oldest empty ReplicaSets beyond `revisionHistoryLimit`.
fn cleanup_history(d: &Deployment, sets: &Sets, requests: &mut Vec<ApiRequest>) {
    // `cleanupDeployment`: of the live old ReplicaSets, the oldest beyond the limit go,
    // skipping any that still has (or is still settling) pods.
    let limit = d.spec.revision_history_limit.unwrap_or(10).max(0) as usize;
    let mut alive: Vec<&ReplicaSet> = sets.old.iter().filter(|rs| rs.metadata.deletion_timestamp.is_none()).collect();
    alive.sort_by_key(|rs| revision_of(&rs.metadata));
    let excess = alive.len().saturating_sub(limit);
    for rs in alive.into_iter().take(excess) {
        let settled = rs.status.observed_generation.unwrap_or(0) >= rs.metadata.generation.unwrap_or(0);
        if rs.spec.replicas.unwrap_or(0) == 0 && rs.status.replicas == 0 && settled {
            requests.push(ApiRequest::delete(ObjKey::new(Kind::ReplicaSet, &rs.metadata.namespace, &rs.metadata.name)));
        }
    }
}

fn condition(type_: &str, status: &str, reason: &str, message: String, now: SimTime) -> Condition {
    Condition {
        type_: type_.into(),
        status: status.into(),
        last_update_time: Some(Time::at(now)),
        last_transition_time: Some(Time::at(now)),
        reason: Some(reason.into()),
        message: Some(message.into()),
        ..Default::default()
    }
}

/// `MaxUnavailable`: zero for Recreate or zero replicas, at most the replica count.
fn max_unavailable(d: &Deployment) -> i32 {
    let desired = d.spec.replicas.unwrap_or(1);
    let recreate = d.spec.strategy.as_ref().and_then(|s| s.type_.as_deref()) == Some("Recreate");
    if recreate || desired == 0 { 0 } else { fenceposts(d).1.min(desired) }
}

/// Sets a condition; an unchanged one keeps its times (`SetDeploymentCondition`).
fn set_keeping_times(conditions: &mut Vec<Condition>, mut new: Condition) {
    if let Some(old) = find_condition(conditions, &new.type_)
        && old.status == new.status
        && old.reason == new.reason
    {
        new.last_update_time = old.last_update_time;
        new.last_transition_time = old.last_transition_time;
    }
    set_condition(conditions, new);
}

/// The status and conditions (`calculateStatus`, `checkPausedConditions`,
/// `syncRolloutStatus`), and when to look again for the progress deadline.
fn status_for(d: &Deployment, sets: &Sets, now: SimTime) -> (DeploymentStatus, Option<u64>) {
    let desired = d.spec.replicas.unwrap_or(1);
    let sum = |f: &dyn Fn(&ReplicaSet) -> i32| sets.all().map(f).sum::<i32>();
    let replicas = sum(&|rs| rs.status.replicas);
    let updated = sets.new.as_ref().map_or(0, |rs| rs.status.replicas);
    let ready = sum(&|rs| rs.status.ready_replicas.unwrap_or(0));
    let available = sum(&|rs| rs.status.available_replicas.unwrap_or(0));
    let total_spec = sets.spec_total();
    let nonzero = |n: i32| (n != 0).then_some(n);
    let mut status = DeploymentStatus {
        observed_generation: d.metadata.generation,
        replicas: nonzero(replicas),
        updated_replicas: nonzero(updated),
        ready_replicas: nonzero(ready),
        available_replicas: nonzero(available),
        unavailable_replicas: nonzero((total_spec - available).max(0)),
        conditions: d.status.conditions.clone(),
        collision_count: d.status.collision_count,
    };
    let (ok, reason, message) = if available >= desired - max_unavailable(d) {
        ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
    } else {
        ("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
    };
    set_keeping_times(&mut status.conditions, condition("Available", ok, reason, message.into(), now));
    let current = find_condition(&d.status.conditions, "Progressing").cloned();
    let reason_of = |c: &Option<Condition>| c.as_ref().and_then(|c| c.reason.clone()).unwrap_or_default();
    // Pausing and resuming are recorded as such; no progress is judged while paused.
    if d.spec.paused == Some(true) {
        if reason_of(&current) != "DeploymentPaused" {
            let paused = condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused".into(), now);
            set_condition(&mut status.conditions, paused);
        }
        return (status, None);
    }
    if reason_of(&current) == "DeploymentPaused" {
        let resumed = condition("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed".into(), now);
        set_condition(&mut status.conditions, resumed);
        return (status, None);
    }
    let Some(new) = &sets.new else { return (status, None) };
    let name = &new.metadata.name;
    let complete_before = replicas == updated && reason_of(&current) == "NewReplicaSetAvailable";
    if complete_before {
        return (status, None);
    }
    let complete = updated == desired && replicas == desired && available == desired;
    let old = |s: &DeploymentStatus| s.replicas.unwrap_or(0) - s.updated_replicas.unwrap_or(0);
    let progressing = status.updated_replicas.unwrap_or(0) > d.status.updated_replicas.unwrap_or(0)
        || old(&status) < old(&d.status)
        || status.ready_replicas.unwrap_or(0) > d.status.ready_replicas.unwrap_or(0)
        || status.available_replicas.unwrap_or(0) > d.status.available_replicas.unwrap_or(0);
    let deadline_ms = secs_to_ms(i64::from(d.spec.progress_deadline_seconds.unwrap_or(600)));
    let mut requeue = None;
    if complete {
        let done = condition(
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            format!("ReplicaSet \"{name}\" has successfully progressed."),
            now,
        );
        set_keeping_times(&mut status.conditions, done);
    } else if progressing || current.is_none() {
        let mut moving = condition(
            "Progressing",
            "True",
            "ReplicaSetUpdated",
            format!("ReplicaSet \"{name}\" is progressing."),
            now,
        );
        if let Some(c) = current.as_ref().filter(|c| c.status == "True") {
            moving.last_transition_time = c.last_transition_time;
        }
        set_condition(&mut status.conditions, moving);
        requeue = Some(deadline_ms);
    } else if !matches!(reason_of(&current).as_str(), "ProgressDeadlineExceeded" | "NewReplicaSetAvailable") {
        let since = current.as_ref().and_then(|c| c.last_update_time).map_or(now, |t| t.moment());
        let due = since.as_ms().saturating_add(deadline_ms);
        if now.as_ms() > due {
            let stuck = condition(
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                format!("ReplicaSet \"{name}\" has timed out progressing."),
                now,
            );
            set_keeping_times(&mut status.conditions, stuck);
        } else {
            requeue = Some(due - now.as_ms() + 1);
        }
    }
    (status, requeue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::apps::{DeploymentStrategy, RollingUpdateDeployment};

    fn deployment(replicas: i32, surge: &str, unavailable: &str) -> Deployment {
        let mut d = Deployment::default();
        d.spec.replicas = Some(replicas);
        d.spec.strategy = Some(DeploymentStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: Some(RollingUpdateDeployment {
                max_surge: Some(IntOrString::String(surge.into())),
                max_unavailable: Some(IntOrString::String(unavailable.into())),
            }),
        });
        d
    }

    #[test]
    fn new_replica_sets_take_the_deployments_annotations_but_kubectls_and_the_controllers() {
        let mut d = deployment(3, "25%", "25%");
        d.metadata.name = "web".into();
        d.metadata.annotations = BTreeMap::from([
            (CHANGE_CAUSE.to_string(), "upgrade to 1.28".to_string()),
            ("team".to_string(), "storefront".to_string()),
            (REVISION.to_string(), "7".to_string()),
            ("kubectl.kubernetes.io/last-applied-configuration".to_string(), "{}".to_string()),
        ])
        .into();
        let rs = new_replica_set(&d, 2, 1);
        let keys: Vec<&str> = rs.metadata.annotations.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "deployment.kubernetes.io/desired-replicas",
                "deployment.kubernetes.io/max-replicas",
                REVISION,
                CHANGE_CAUSE,
                "team"
            ]
        );
        assert_eq!(rs.metadata.annotations[REVISION], "2");
    }

    #[test]
    fn a_reused_replica_set_records_its_old_revisions() {
        let d = deployment(3, "25%", "25%");
        let mut rs = ReplicaSet::default();
        rs.metadata.annotations.insert(REVISION.into(), "1".into());
        set_new_replica_set_annotations(&d, &mut rs, 4);
        assert_eq!(rs.metadata.annotations[REVISION], "4");
        assert_eq!(rs.metadata.annotations[REVISION_HISTORY], "1");
        set_new_replica_set_annotations(&d, &mut rs, 6);
        assert_eq!(rs.metadata.annotations[REVISION_HISTORY], "1,4");
        // Never lowered, and no history without a change.
        set_new_replica_set_annotations(&d, &mut rs, 5);
        assert_eq!(rs.metadata.annotations[REVISION], "6");
        assert_eq!(rs.metadata.annotations[REVISION_HISTORY], "1,4");
    }

    #[test]
    fn fenceposts_round_like_upstream() {
        assert_eq!(fenceposts(&deployment(10, "25%", "25%")), (3, 2));
        assert_eq!(fenceposts(&deployment(3, "25%", "25%")), (1, 0));
        assert_eq!(fenceposts(&deployment(1, "0%", "0%")), (0, 1));
    }

    #[test]
    fn template_hash_is_stable_and_uses_the_safe_alphabet() {
        let t = PodTemplateSpec::default();
        let h = pod_template_hash(&t, None);
        assert_eq!(h, pod_template_hash(&t, None));
        assert!(h.len() >= 8 && h.bytes().all(|b| NAME_ALPHABET.contains(&b)), "{h}");
        assert_ne!(h, pod_template_hash(&t, Some(1)));
        let mut changed = t.clone();
        changed.metadata.labels.insert("app".into(), "web".into());
        assert_ne!(h, pod_template_hash(&changed, None));
    }
}
