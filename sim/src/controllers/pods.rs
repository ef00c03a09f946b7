//! Facts about pods that several controllers need: activity, readiness, availability,
//! controller references, and upstream's ranking of which pods to delete first.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::api::core::Pod;
use crate::api::meta::{OwnerReference, find_condition};
use crate::api::{Kind, Object, Str};
use crate::engine::SimTime;
use crate::engine::time::secs_to_ms;

/// Not finished and not being deleted (`FilterActivePods` upstream).
pub fn is_active(pod: &Pod) -> bool {
    !matches!(pod.status.phase.as_deref(), Some("Succeeded" | "Failed")) && pod.metadata.deletion_timestamp.is_none()
}

/// When the pod last became Ready, if it is Ready now.
pub fn ready_since(pod: &Pod) -> Option<SimTime> {
    find_condition(&pod.status.conditions, "Ready")
        .filter(|c| c.status == "True")
        .map(|c| c.last_transition_time.map_or(SimTime::ZERO, |t| t.moment()))
}

/// Ready for at least `min_ready_s` (`IsPodAvailable`).
pub fn is_available(pod: &Pod, min_ready_s: i32, now: SimTime) -> bool {
    ready_since(pod).is_some_and(|since| now.since(since) >= secs_to_ms(i64::from(min_ready_s)))
}

/// Milliseconds until a ready pod becomes available, if it is ready but not yet available.
pub fn until_available(pod: &Pod, min_ready_s: i32, now: SimTime) -> Option<u64> {
    let since = ready_since(pod)?;
    let due = since.as_ms().saturating_add(secs_to_ms(i64::from(min_ready_s)));
    (due > now.as_ms()).then(|| due - now.as_ms())
}

/// An owner reference that makes `owner` the controller of its dependent.
pub fn controller_ref(owner: &Object) -> OwnerReference {
    let kind = owner.kind();
    OwnerReference {
        api_version: Str::lit(kind.api_version()),
        kind: Str::lit(kind.name()),
        name: owner.meta().name.clone(),
        uid: owner.meta().uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The pods in `pods`, as typed references.
pub fn typed(pods: &[Rc<Object>]) -> Vec<&Pod> {
    pods.iter().filter_map(|o| o.as_pod()).collect()
}

fn phase_rank(pod: &Pod) -> u8 {
    match pod.status.phase.as_deref() {
        Some("Pending") => 0,
        Some("Unknown") => 1,
        Some("Running") => 2,
        _ => 3,
    }
}

fn deletion_cost(pod: &Pod) -> i64 {
    pod.metadata.annotations.get("controller.kubernetes.io/pod-deletion-cost").and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// The most restarts of any one container (`compareMaxContainerRestarts`).
fn max_restarts(pod: &Pod) -> i32 {
    pod.status.container_statuses.iter().map(|c| c.restart_count).max().unwrap_or(0)
}

/// How long ago `t` was, on upstream's logarithmic scale (`LogarithmicScaleDown`):
/// `floor(log2(nanoseconds))`, so pods of similar age rank alike and the uid decides.
fn age_bucket(t: SimTime, now: SimTime) -> i32 {
    let ns = now.since(t).saturating_mul(1_000_000);
    if ns == 0 { -1 } else { 63 - ns.leading_zeros() as i32 }
}

/// Orders pods so the first are the best to delete (`ActivePodsWithRanks.Less`):
/// unscheduled, then pending before unknown before running, not ready before ready,
/// lower deletion cost, more `related` pods (those of the same Deployment's ReplicaSets)
/// on the same node; then, among ready pods, ready more recently on the logarithmic
/// scale, among others more restarts and created more recently on that scale; the uid
/// breaks ties. Upstream compares restarts and creation when two pods became ready at
/// the very same instant; kubesim goes to the uid, which keeps the order total.
pub fn deletion_order<'a>(pods: &[&'a Pod], related: &[&Pod], now: SimTime) -> Vec<&'a Pod> {
    let mut per_node: BTreeMap<&str, usize> = BTreeMap::new();
    for p in related.iter().filter(|p| is_active(p)) {
        if let Some(node) = p.spec.node_name.as_deref() {
            *per_node.entry(node).or_default() += 1;
        }
    }
    let crowding = |p: &Pod| p.spec.node_name.as_deref().map_or(0, |n| per_node.get(n).copied().unwrap_or(0));
    let created = |p: &Pod| age_bucket(p.metadata.creation_timestamp.map_or(SimTime::ZERO, |t| t.moment()), now);
    let mut ordered = pods.to_vec();
    ordered.sort_by(|a, b| {
        let assigned = |p: &Pod| p.spec.node_name.is_some();
        assigned(a)
            .cmp(&assigned(b))
            .then_with(|| phase_rank(a).cmp(&phase_rank(b)))
            .then_with(|| ready_since(a).is_some().cmp(&ready_since(b).is_some()))
            .then_with(|| deletion_cost(a).cmp(&deletion_cost(b)))
            .then_with(|| crowding(b).cmp(&crowding(a)))
            .then_with(|| match (ready_since(a), ready_since(b)) {
                (Some(x), Some(y)) => age_bucket(x, now).cmp(&age_bucket(y, now)),
                _ => max_restarts(b).cmp(&max_restarts(a)).then_with(|| created(a).cmp(&created(b))),
            })
            .then_with(|| a.metadata.uid.cmp(&b.metadata.uid))
    });
    ordered
}

/// The kind and name of the object's controller, if it has one of `kind`.
pub fn controller_of(obj: &Object, kind: Kind) -> Option<&OwnerReference> {
    obj.meta().controller_ref().filter(|r| r.kind == kind.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::meta::{Condition, Time};

    fn pod(name: &str, node: Option<&str>, phase: &str, ready: bool) -> Pod {
        let mut p = Pod::default();
        p.metadata.name = name.into();
        p.spec.node_name = node.map(Into::into);
        p.status.phase = Some(phase.into());
        if ready {
            p.status.conditions.push(Condition {
                type_: Str::lit("Ready"),
                status: Str::lit("True"),
                last_transition_time: Some(Time::at(SimTime(1000))),
                ..Default::default()
            });
        }
        p
    }

    #[test]
    fn deletion_prefers_unscheduled_pending_and_unready_pods() {
        let running = pod("running", Some("n1"), "Running", true);
        let unready = pod("unready", Some("n2"), "Running", false);
        let pending = pod("pending", Some("n3"), "Pending", false);
        let unscheduled = pod("unscheduled", None, "Pending", false);
        let pods = [&running, &unready, &pending, &unscheduled];
        let order: Vec<&str> = deletion_order(&pods, &pods, SimTime(2000)).iter().map(|p| &*p.metadata.name).collect();
        assert_eq!(order, ["unscheduled", "pending", "unready", "running"]);
    }

    #[test]
    fn deletion_prefers_crowded_nodes() {
        let a = pod("a", Some("n1"), "Running", true);
        let b = pod("b", Some("n1"), "Running", true);
        let c = pod("c", Some("n2"), "Running", true);
        let first = deletion_order(&[&c, &a, &b], &[&c, &a, &b], SimTime(2000))[0].metadata.name.clone();
        assert_ne!(first, "c");
        // The sibling ReplicaSets' pods count too: here n2 is the crowded node.
        let (d, e) = (pod("d", Some("n2"), "Running", true), pod("e", Some("n2"), "Running", true));
        let first = deletion_order(&[&c, &a], &[&c, &a, &d, &e], SimTime(2000))[0].metadata.name.clone();
        assert_eq!(first, "c");
    }

    #[test]
    fn deletion_ranks_ready_age_logarithmically_then_by_uid() {
        let ready_at = |name: &str, uid: &str, ms: u64| {
            let mut p = pod(name, Some("n1"), "Running", true);
            p.status.conditions[0].last_transition_time = Some(Time::at(SimTime(ms)));
            p.metadata.uid = uid.into();
            p
        };
        let now = SimTime(100_000);
        // Ready 10 s and 20 s ago: different buckets, the more recent goes first.
        let (young, old) = (ready_at("young", "b", 90_000), ready_at("old", "a", 80_000));
        assert_eq!(deletion_order(&[&old, &young], &[], now)[0].metadata.name, "young");
        // Ready 60 s and 58 s ago: the same bucket (2^35 ns ≈ 34 s to 2^36 ns ≈ 69 s), so the uid decides.
        let (x, y) = (ready_at("x", "b", 40_000), ready_at("y", "a", 42_000));
        assert_eq!(deletion_order(&[&x, &y], &[], now)[0].metadata.name, "y");
        assert_eq!(deletion_order(&[&y, &x], &[], now)[0].metadata.name, "y");
    }

    #[test]
    fn availability_waits_for_min_ready_seconds() {
        let p = pod("p", Some("n1"), "Running", true);
        assert!(is_available(&p, 0, SimTime(1000)));
        assert!(!is_available(&p, 10, SimTime(5000)));
        assert_eq!(until_available(&p, 10, SimTime(5000)), Some(6000));
        assert!(is_available(&p, 10, SimTime(11_000)));
    }
}
