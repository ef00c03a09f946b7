//! The ReplicaSet controller: keeps `spec.replicas` pods matching the selector alive,
//! creating from the template (`generateName`, owner reference) and deleting the pods
//! upstream would delete first; tracks what it asked for until it sees it happen
//! (expectations), so a lagging view does not make it create twice.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use super::pods::{controller_ref, deletion_order, is_active, is_available, ready_since, typed, until_available};
use super::reconciler::{ApiRequest, Outcome, Reconcile, Reconciler};
use crate::api::Str;
use crate::api::apps::{ReplicaSet, ReplicaSetStatus};
use crate::api::core::Pod;
use crate::api::meta::{ObjectMeta, RareMeta};
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::{Change, ChangeType};
use crate::cluster::Cache;
use crate::engine::SimTime;

/// Most pods created or deleted in one sync (`burstReplicas`).
const BURST: usize = 500;
/// Unmet expectations are forgotten after this long (`ExpectationsTimeout`).
const EXPECTATIONS_TIMEOUT_MS: u64 = 300_000;

/// What a ReplicaSet's last sync asked for and has not seen yet.
#[derive(Debug, Default)]
struct Expectations {
    creates: usize,
    deletes: BTreeSet<ObjKey>,
    since: SimTime,
}

impl Expectations {
    fn satisfied(&self, now: SimTime) -> bool {
        (self.creates == 0 && self.deletes.is_empty()) || now.since(self.since) > EXPECTATIONS_TIMEOUT_MS
    }
}

/// The controller.
#[derive(Default)]
pub struct ReplicaSetController {
    expectations: BTreeMap<ObjKey, Expectations>,
}

fn rs_key_of(pod: &Object) -> Option<ObjKey> {
    let owner = super::pods::controller_of(pod, Kind::ReplicaSet)?;
    Some(ObjKey::shared(Kind::ReplicaSet, &pod.meta().namespace, &owner.name))
}

/// A new pod from the ReplicaSet's template.
fn pod_from_template(rs: &Object, template: &crate::api::apps::PodTemplateSpec) -> Object {
    let meta = rs.meta();
    Object::from(Pod {
        metadata: ObjectMeta {
            rare: RareMeta { generate_name: Some(Str::format(format_args!("{}-", meta.name))), ..Default::default() }
                .into(),
            namespace: meta.namespace.clone(),
            labels: template.metadata.labels.clone(),
            annotations: template.metadata.annotations.clone(),
            owner_references: vec![controller_ref(rs)].into(),
            ..Default::default()
        },
        spec: template.spec.clone(),
        ..Default::default()
    })
}

/// The status a ReplicaSet should show for `pods` (its active pods).
fn status_for(rs: &ReplicaSet, pods: &[&Pod], now: SimTime) -> ReplicaSetStatus {
    let min_ready = rs.spec.min_ready_seconds.unwrap_or(0);
    let template_labels = &rs.spec.template.metadata.labels;
    let count = |f: &dyn Fn(&Pod) -> bool| pods.iter().filter(|p| f(p)).count() as i32;
    ReplicaSetStatus {
        replicas: pods.len() as i32,
        fully_labeled_replicas: Some(count(&|p| {
            template_labels.iter().all(|(k, v)| p.metadata.labels.get(k) == Some(v))
        })),
        ready_replicas: Some(count(&|p| ready_since(p).is_some())),
        available_replicas: Some(count(&|p| is_available(p, min_ready, now))),
        observed_generation: rs.metadata.generation,
        conditions: rs.status.conditions.clone(),
    }
}

/// The pods of every ReplicaSet with the same controller as `rs` (its Deployment's
/// ReplicaSets; none for a ReplicaSet without a controller), as `getIndirectlyRelatedPods`
/// finds them: scale-down prefers nodes crowded with them.
fn related_pods(rs: &ReplicaSet, view: &Cache) -> Vec<Rc<Object>> {
    let Some(owner) = rs.metadata.controller_ref() else { return Vec::new() };
    let siblings: Vec<Str> =
        view.dependents_of(&owner.uid).filter(|o| o.kind() == Kind::ReplicaSet).map(|o| o.meta().uid.clone()).collect();
    siblings.iter().flat_map(|uid| view.dependents_of(uid).filter(|o| o.kind() == Kind::Pod).cloned()).collect()
}

impl Reconciler for ReplicaSetController {
    fn name(&self) -> &'static str {
        "replicaset-controller"
    }

    fn watches(&self) -> &'static [Kind] {
        &[Kind::ReplicaSet, Kind::Pod]
    }

    fn keys_for(&mut self, change: &Change, view: &Cache) -> Vec<ObjKey> {
        let obj = &change.object;
        match obj.kind() {
            Kind::ReplicaSet => vec![obj.key()],
            Kind::Pod => {
                let Some(rs) = rs_key_of(obj) else {
                    // An orphan: any ReplicaSet whose selector matches may adopt it.
                    return matching_sets(obj, view);
                };
                if let Some(exp) = self.expectations.get_mut(&rs) {
                    let gone = change.type_ == ChangeType::Deleted || obj.meta().deletion_timestamp.is_some();
                    if change.type_ == ChangeType::Added && exp.creates > 0 {
                        exp.creates -= 1;
                    }
                    if gone {
                        exp.deletes.remove(&obj.key());
                    }
                }
                vec![rs]
            }
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjKey, view: &Cache, now: SimTime) -> Reconcile {
        let Some(obj) = view.get(key).cloned() else {
            self.expectations.remove(key);
            return Reconcile::done();
        };
        let Object::ReplicaSet(rs) = &*obj else { return Reconcile::done() };
        if rs.metadata.deletion_timestamp.is_some() {
            return Reconcile::done();
        }
        let selector = rs.spec.selector.clone().unwrap_or_default();
        let mut requests = Vec::new();
        // Adopt orphans the selector matches; release owned pods it no longer matches.
        let mut owned: Vec<&Rc<Object>> = Vec::new();
        for pod in view.dependents_of(&rs.metadata.uid).filter(|o| o.kind() == Kind::Pod) {
            let p = pod.as_pod().expect("pods");
            let mine = p.metadata.controller_ref().is_some_and(|r| r.uid == rs.metadata.uid);
            if mine && selector.matches(&p.metadata.labels) {
                owned.push(pod);
            } else if mine {
                let mut released = p.clone();
                released.metadata.owner_references.retain(|r| r.uid != rs.metadata.uid);
                requests.push(ApiRequest::Update(Object::from(released)));
            }
        }
        for pod in view.uncontrolled_in(Kind::Pod, &key.namespace) {
            let p = pod.as_pod().expect("pods");
            if is_active(p) && selector.matches(&p.metadata.labels) {
                let mut adopted = p.clone();
                adopted.metadata.owner_references.push(controller_ref(&obj));
                requests.push(ApiRequest::Update(Object::from(adopted)));
                owned.push(pod);
            }
        }
        let active: Vec<&Pod> = owned.iter().filter_map(|o| o.as_pod()).filter(|p| is_active(p)).collect();
        let desired = rs.spec.replicas.unwrap_or(1).max(0) as usize;
        let exp = self.expectations.entry(key.clone()).or_default();
        if exp.satisfied(now) {
            *exp = Expectations { since: now, ..Default::default() };
            if active.len() < desired {
                let n = (desired - active.len()).min(BURST);
                exp.creates = n;
                // One pod, copied: the copies share its generateName, labels, owner
                // reference and spec until the apiserver writes to them.
                let pod = pod_from_template(&obj, &rs.spec.template);
                requests.extend((0..n).map(|_| ApiRequest::Create(pod.clone())));
            } else if active.len() > desired {
                let n = (active.len() - desired).min(BURST);
                let related = related_pods(rs, view);
                for victim in deletion_order(&active, &typed(&related), now).into_iter().take(n) {
                    let victim_key = ObjKey::new(Kind::Pod, &victim.metadata.namespace, &victim.metadata.name);
                    exp.deletes.insert(victim_key.clone());
                    requests.push(ApiRequest::delete(victim_key));
                }
            }
        }
        let status = status_for(rs, &active, now);
        if status != rs.status {
            let mut updated = rs.clone();
            updated.status = status;
            requests.push(ApiRequest::UpdateStatus(Object::ReplicaSet(updated)));
        }
        let min_ready = rs.spec.min_ready_seconds.unwrap_or(0);
        let requeue_after_ms = active.iter().filter_map(|p| until_available(p, min_ready, now)).min();
        Reconcile { requests, requeue_after_ms, why: None }
    }

    fn outcomes(&mut self, key: &ObjKey, requests: &[ApiRequest], outcomes: &[Outcome]) -> Vec<ApiRequest> {
        let mut events = Vec::with_capacity(requests.len());
        for (request, outcome) in requests.iter().zip(outcomes) {
            match (request, outcome) {
                (ApiRequest::Create(_), Ok(Some(pod))) => {
                    let message = format!("Created pod: {}", pod.meta().name);
                    events.push(ApiRequest::normal_event(key.clone(), "SuccessfulCreate", message));
                }
                (ApiRequest::Create(_), Err(e)) => {
                    if let Some(exp) = self.expectations.get_mut(key) {
                        exp.creates = exp.creates.saturating_sub(1);
                    }
                    events.push(ApiRequest::Event {
                        involved: key.clone(),
                        type_: "Warning".into(),
                        reason: "FailedCreate".into(),
                        message: format!("Error creating: {e}"),
                    });
                }
                (ApiRequest::Delete { key: pod, .. }, Ok(_)) => {
                    let message = format!("Deleted pod: {}", pod.name);
                    events.push(ApiRequest::normal_event(key.clone(), "SuccessfulDelete", message));
                }
                (ApiRequest::Delete { key: pod, .. }, Err(_)) => {
                    if let Some(exp) = self.expectations.get_mut(key) {
                        exp.deletes.remove(pod);
                    }
                }
                _ => {}
            }
        }
        events
    }
}

/// ReplicaSets in the pod's namespace whose selector matches its labels.
fn matching_sets(pod: &Object, view: &Cache) -> Vec<ObjKey> {
    view.list_in(Kind::ReplicaSet, &pod.meta().namespace)
        .filter(|o| match &***o {
            Object::ReplicaSet(rs) => {
                rs.spec.selector.as_ref().is_some_and(|s| !s.match_labels.is_empty() || !s.match_expressions.is_empty())
                    && rs.spec.selector.as_ref().is_some_and(|s| s.matches(&pod.meta().labels))
            }
            _ => false,
        })
        .map(|o| o.key())
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::api::{Kind, Object};
    use crate::shell::Shell;

    #[test]
    fn creating_many_pods_combines_their_events_and_the_spam_filter_caps_them() {
        let mut shell = Shell::for_tests();
        shell.run_ok("kubectl create deployment web --image=nginx --replicas=30");
        shell.run_ok("advance 1m");
        let created: Vec<(String, i32)> = shell
            .cluster()
            .api()
            .list(Kind::Event, None)
            .filter_map(|obj| match &**obj {
                Object::Event(e) if e.reason.as_deref() == Some("SuccessfulCreate") => {
                    Some((e.message.as_deref().unwrap_or("").to_owned(), e.count.unwrap_or(1)))
                }
                _ => None,
            })
            .collect();
        // Nine messages of their own; from the tenth on, one Event under the group's key.
        // 25 Events got through at once: the nine, the combined one and 15 bumps of it.
        let (combined, single): (Vec<_>, Vec<_>) = created
            .iter()
            .partition(|(message, _)| message.starts_with("(combined from similar events): Created pod: web-"));
        assert_eq!(single.len(), 9, "{created:?}");
        assert!(single.iter().all(|(message, count)| message.starts_with("Created pod: web-") && *count == 1));
        assert_eq!(combined.iter().map(|(_, count)| *count).collect::<Vec<_>>(), [16], "{created:?}");
    }
}
