//! The ReplicaSet controller: keeps `spec.replicas` pods matching the selector alive,
//! creating from the template (`generateName`, owner reference) and deleting the pods
//! upstream would delete first; tracks what it asked for until it sees it happen
//! (expectations), so a lagging view does not make it create twice.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use super::controlled_pods::{ControlledPods, LabelGroup};
use super::pods::{controller_ref, deletion_order, is_active, is_available, ready_since, typed, until_available};
use super::reconciler::{ApiRequest, Outcome, Reconcile, Reconciler};
use crate::api::Str;
use crate::api::apps::{ReplicaSet, ReplicaSetStatus};
use crate::api::core::Pod;
use crate::api::meta::{LabelSelector, ObjectMeta, RareMeta};
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::{Change, ChangeType};
use crate::cluster::Cache;
use crate::engine::SimTime;
use crate::engine::time::secs_to_ms;

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

/// What a ReplicaSet's status shows of its active pods, and when the next one becomes
/// available.
#[derive(Debug, Default, PartialEq)]
struct Census {
    replicas: usize,
    fully_labeled: i32,
    ready: i32,
    available: i32,
    requeue_after_ms: Option<u64>,
}

impl Census {
    /// Counted pod by pod.
    fn of(rs: &ReplicaSet, active: &[&Pod], now: SimTime) -> Census {
        let min_ready = rs.spec.min_ready_seconds.unwrap_or(0);
        let count = |f: &dyn Fn(&Pod) -> bool| active.iter().filter(|p| f(p)).count() as i32;
        Census {
            replicas: active.len(),
            fully_labeled: count(&|p| fully_labeled(rs, &p.metadata.labels)),
            ready: count(&|p| ready_since(p).is_some()),
            available: count(&|p| is_available(p, min_ready, now)),
            requeue_after_ms: active.iter().filter_map(|p| until_available(p, min_ready, now)).min(),
        }
    }

    /// From the view's tally of the pods `rs` controls, unless its selector no longer
    /// matches some of them (they are to be released: the sync walks them).
    fn tallied(
        rs: &ReplicaSet,
        selector: &LabelSelector,
        tally: Option<&ControlledPods>,
        now: SimTime,
    ) -> Option<Census> {
        let Some(tally) = tally else { return Some(Census::default()) };
        let groups = tally.groups();
        if groups.iter().any(|g| !selector.matches(&g.labels)) {
            return None;
        }
        let min_ready_ms = secs_to_ms(i64::from(rs.spec.min_ready_seconds.unwrap_or(0)));
        let sum = |f: &dyn Fn(&LabelGroup) -> u32| groups.iter().map(f).sum::<u32>();
        Some(Census {
            replicas: sum(&|g| g.active) as usize,
            fully_labeled: sum(&|g| if fully_labeled(rs, &g.labels) { g.active } else { 0 }) as i32,
            ready: sum(&|g| g.ready) as i32,
            available: tally.available(min_ready_ms, now) as i32,
            requeue_after_ms: tally.until_next_available(min_ready_ms, now),
        })
    }

    /// The status a ReplicaSet should show.
    fn status(&self, rs: &ReplicaSet) -> ReplicaSetStatus {
        ReplicaSetStatus {
            replicas: self.replicas as i32,
            fully_labeled_replicas: Some(self.fully_labeled),
            ready_replicas: Some(self.ready),
            available_replicas: Some(self.available),
            observed_generation: rs.metadata.generation,
            conditions: rs.status.conditions.clone(),
        }
    }
}

/// Whether `labels` carry every label of the ReplicaSet's template.
fn fully_labeled(rs: &ReplicaSet, labels: &BTreeMap<String, String>) -> bool {
    rs.spec.template.metadata.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// The active pods `rs` controls or adopts. Adds the requests that release the pods
/// its selector no longer matches and adopt the `orphans`.
fn claim<'v>(
    rs: &Rc<Object>,
    selector: &LabelSelector,
    orphans: &[&'v Rc<Object>],
    view: &'v Cache,
    requests: &mut Vec<ApiRequest>,
) -> Vec<&'v Pod> {
    let (uid, namespace) = (&rs.meta().uid, &rs.meta().namespace);
    let mut owned: Vec<&Pod> = Vec::new();
    // Upstream lists the namespace's pods: a reference from another namespace is no claim.
    for p in view.dependents_of(uid).filter_map(|o| o.as_pod()).filter(|p| p.metadata.namespace == *namespace) {
        let mine = p.metadata.controller_ref().is_some_and(|r| r.uid == *uid);
        if mine && selector.matches(&p.metadata.labels) {
            owned.push(p);
        } else if mine {
            let mut released = p.clone();
            released.metadata.owner_references.retain(|r| r.uid != *uid);
            requests.push(ApiRequest::Update(Object::from(released)));
        }
    }
    for p in orphans.iter().filter_map(|o| o.as_pod()) {
        let mut adopted = p.clone();
        adopted.metadata.owner_references.push(controller_ref(rs));
        requests.push(ApiRequest::Update(Object::from(adopted)));
        owned.push(p);
    }
    owned.retain(|p| is_active(p));
    owned
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
        // Orphans the selector matches are adopted.
        let orphans: Vec<&Rc<Object>> = view
            .uncontrolled_in(Kind::Pod, &key.namespace)
            .filter(|o| o.as_pod().is_some_and(|p| is_active(p) && selector.matches(&p.metadata.labels)))
            .collect();
        // The pods are counted from the view's tally unless some are to be adopted or
        // released; they are walked then, and to choose which to delete.
        let tally = view.controlled_pods(&key.namespace, &rs.metadata.uid);
        let tallied = if orphans.is_empty() { Census::tallied(rs, &selector, tally, now) } else { None };
        let mut walked = None;
        let census = match tallied {
            Some(census) => {
                debug_assert_eq!(
                    census,
                    Census::of(rs, &claim(&obj, &selector, &orphans, view, &mut Vec::new()), now),
                    "the tally of {key}'s pods"
                );
                census
            }
            None => {
                let active = claim(&obj, &selector, &orphans, view, &mut requests);
                let census = Census::of(rs, &active, now);
                walked = Some(active);
                census
            }
        };
        let desired = rs.spec.replicas.unwrap_or(1).max(0) as usize;
        let exp = self.expectations.entry(key.clone()).or_default();
        if exp.satisfied(now) {
            *exp = Expectations { since: now, ..Default::default() };
            if census.replicas < desired {
                let n = (desired - census.replicas).min(BURST);
                exp.creates = n;
                // One pod, copied: the copies share its generateName, labels, owner
                // reference and spec until the apiserver writes to them.
                let pod = pod_from_template(&obj, &rs.spec.template);
                requests.extend((0..n).map(|_| ApiRequest::Create(pod.clone())));
            } else if census.replicas > desired {
                let n = (census.replicas - desired).min(BURST);
                // Counted, none was to be adopted or released: the walk asks for nothing.
                let active = walked.unwrap_or_else(|| claim(&obj, &selector, &orphans, view, &mut requests));
                let related = related_pods(rs, view);
                for victim in deletion_order(&active, &typed(&related), now).into_iter().take(n) {
                    let victim_key = ObjKey::new(Kind::Pod, &victim.metadata.namespace, &victim.metadata.name);
                    exp.deletes.insert(victim_key.clone());
                    requests.push(ApiRequest::delete(victim_key));
                }
            }
        }
        let status = census.status(rs);
        if status != rs.status {
            let mut updated = rs.clone();
            updated.status = status;
            requests.push(ApiRequest::UpdateStatus(Object::ReplicaSet(updated)));
        }
        let requeue_after_ms = census.requeue_after_ms;
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

    /// The pods of the ReplicaSet `rs` (by controller) and those labelled `app=web`
    /// without a controller, each sorted.
    fn owned_and_orphans(shell: &Shell, rs: &str) -> (Vec<String>, Vec<String>) {
        let pods: Vec<_> = shell.cluster().api().list(Kind::Pod, Some("default")).cloned().collect();
        let owner = |p: &Object| p.meta().controller_ref().map(|r| r.name.to_string());
        let owned = pods.iter().filter(|p| owner(p).as_deref() == Some(rs));
        let orphans =
            pods.iter().filter(|p| owner(p).is_none() && p.meta().labels.get("app").is_some_and(|a| a == "web"));
        let names =
            |it: &mut dyn Iterator<Item = &std::rc::Rc<Object>>| it.map(|p| p.meta().name.to_string()).collect();
        (names(&mut owned.filter(|p| p.meta().deletion_timestamp.is_none())), names(&mut orphans.into_iter()))
    }

    #[test]
    fn a_pod_of_another_namespace_naming_the_replicaset_is_not_its_own() {
        use std::rc::Rc;

        use crate::apiserver::{Change, ChangeType};
        use crate::cluster::Cache;
        use crate::controllers::Reconciler;
        use crate::engine::SimTime;

        let rs = serde_json::json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web", "namespace": "a", "uid": "rs-uid"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}}
            }
        });
        let pod = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "stray", "namespace": "b", "labels": {"app": "web"}, "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": "rs-uid", "controller": true}
            ]},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]},
            "status": {"phase": "Running"}
        });
        let mut view = Cache::indexed();
        for (kind, json) in [(Kind::ReplicaSet, rs), (Kind::Pod, pod)] {
            let object = crate::api::decode::from_json(kind, json).expect("valid");
            view.apply(&Change { type_: ChangeType::Added, object: Rc::new(object) });
        }
        let key = crate::api::ObjKey::new(Kind::ReplicaSet, "a", "web");
        let done = super::ReplicaSetController::default().reconcile(&key, &view, SimTime::ZERO);
        let creates = done.requests.iter().filter(|r| matches!(r, super::ApiRequest::Create(_))).count();
        assert_eq!(creates, 1, "{:?}", done.requests);
        assert!(!done.requests.iter().any(|r| matches!(r, super::ApiRequest::Update(_))), "{:?}", done.requests);
    }

    #[test]
    fn a_pod_relabelled_out_is_released_and_replaced_and_relabelled_back_is_adopted() {
        let mut shell = Shell::for_tests();
        shell.run_ok("kubectl create deployment web --image=nginx --replicas=3");
        shell.run_ok("advance 1m");
        let rs = shell
            .cluster()
            .api()
            .list(Kind::ReplicaSet, Some("default"))
            .next()
            .expect("a ReplicaSet")
            .meta()
            .name
            .to_string();
        let (before, _) = owned_and_orphans(&shell, &rs);
        assert_eq!(before.len(), 3, "{before:?}");
        let victim = before[0].clone();
        shell.run_ok(&format!("kubectl label pod {victim} app=debug --overwrite"));
        shell.run_ok("advance 30s");
        let (owned, _) = owned_and_orphans(&shell, &rs);
        assert_eq!(owned.len(), 3, "a replacement: {owned:?}");
        assert!(!owned.contains(&victim), "released: {owned:?}");
        // Back under the selector: adopted, one too many, so one is deleted.
        shell.run_ok(&format!("kubectl label pod {victim} app=web --overwrite"));
        shell.run_ok("advance 1m");
        let (owned, orphans) = owned_and_orphans(&shell, &rs);
        assert_eq!((owned.len(), orphans), (3, vec![]), "{owned:?}");
        let status = shell.run_ok(&format!("kubectl get rs {rs} --no-headers"));
        assert!(status.split_whitespace().skip(1).take(3).all(|n| n == "3"), "{status}");
        let events = shell.run_ok("kubectl get events --no-headers");
        assert!(events.contains("SuccessfulDelete"), "{events}");
    }

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
