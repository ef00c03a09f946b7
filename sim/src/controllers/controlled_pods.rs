//! `ControlledPods`: a tally of the pods each owner controls, kept by the controllers'
//! view as pods change, so a ReplicaSet's sync counts its 3,000 pods without walking
//! them. Upstream's sync walks them every time; its work queue folds the events of a
//! few milliseconds into one sync, where a simulated instant folds far fewer.
//!
//! The tally knows nothing of the owner's spec: pods are grouped by their labels (a
//! template's pods share theirs), and the owner asks of each group whether its
//! selector and template labels match. The groups also find a Service's pods: those of
//! the few controllers with pods so labelled, rather than every pod of the namespace.

use std::collections::BTreeMap;
use std::ops::Bound;

use super::pods::{is_active, ready_since};
use crate::api::{Object, Shared, Str};
use crate::engine::SimTime;

type Labels = Shared<BTreeMap<String, String>>;

/// Namespace → owner uid → the tally of the pods there whose controller it is.
#[derive(Debug, Clone, Default)]
pub struct ControlledPodsIndex(BTreeMap<Str, BTreeMap<Str, ControlledPods>>);

/// The pods one owner controls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ControlledPods {
    /// The pods by their labels, in the order the label sets first appeared (a list: an
    /// owner's pods carry one or two label sets, during a relabelling more).
    groups: Vec<LabelGroup>,
    /// When each active, Ready pod became Ready: how many at each moment.
    ready_since: BTreeMap<SimTime, u32>,
}

/// The pods of one owner that carry the same labels.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelGroup {
    /// Their labels.
    pub labels: Labels,
    /// How many pods.
    pub pods: u32,
    /// How many of them are active (`is_active`).
    pub active: u32,
    /// How many of the active ones are Ready.
    pub ready: u32,
}

/// What the tally takes from one pod.
struct Facts<'a> {
    namespace: &'a Str,
    owner: &'a Str,
    labels: &'a Labels,
    active: bool,
    /// When it became Ready, if it is active and Ready.
    ready_since: Option<SimTime>,
}

fn facts(object: &Object) -> Option<Facts<'_>> {
    let pod = object.as_pod()?;
    let owner = &pod.metadata.controller_ref()?.uid;
    let active = is_active(pod);
    let ready_since = if active { ready_since(pod) } else { None };
    Some(Facts { namespace: &pod.metadata.namespace, owner, labels: &pod.metadata.labels, active, ready_since })
}

impl ControlledPodsIndex {
    /// Follows a write of one object, from `old` (what was there) to `new` (what is
    /// there now; `None` once it is gone).
    pub fn update(&mut self, old: Option<&Object>, new: Option<&Object>) {
        if let Some(was) = old.and_then(facts) {
            // Every version the view held was counted when it was applied.
            let owners = self.0.get_mut(was.namespace);
            debug_assert!(owners.as_ref().is_some_and(|o| o.contains_key(was.owner)), "an uncounted pod leaves");
            if let Some(owners) = owners
                && let Some(tally) = owners.get_mut(was.owner)
            {
                tally.count(&was, -1);
                if tally.groups.is_empty() {
                    owners.remove(was.owner);
                    if owners.is_empty() {
                        self.0.remove(was.namespace);
                    }
                }
            }
        }
        if let Some(now) = new.and_then(facts) {
            let owners = self.0.entry(now.namespace.clone()).or_default();
            owners.entry(now.owner.clone()).or_default().count(&now, 1);
        }
    }

    /// The tally of the pods in `namespace` that the owner with `uid` controls.
    pub fn of(&self, namespace: &str, uid: &str) -> Option<&ControlledPods> {
        self.0.get(namespace)?.get(uid)
    }

    /// The owners of pods in `namespace`, each with its tally, by uid.
    pub fn in_namespace(&self, namespace: &str) -> impl Iterator<Item = (&Str, &ControlledPods)> {
        self.0.get(namespace).into_iter().flatten()
    }

    /// Forgets every pod.
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

impl ControlledPods {
    fn count(&mut self, pod: &Facts<'_>, sign: i32) {
        let at = match self.groups.iter().position(|g| g.labels == *pod.labels) {
            Some(at) => at,
            None if sign < 0 => {
                debug_assert!(false, "a pod leaves a group it was never counted in");
                return;
            }
            None => {
                self.groups.push(LabelGroup { labels: pod.labels.clone(), pods: 0, active: 0, ready: 0 });
                self.groups.len() - 1
            }
        };
        let group = &mut self.groups[at];
        let add = |n: &mut u32, yes: bool| *n = n.wrapping_add_signed(sign * i32::from(yes));
        add(&mut group.pods, true);
        add(&mut group.active, pod.active);
        add(&mut group.ready, pod.ready_since.is_some());
        if group.pods == 0 {
            self.groups.remove(at);
        }
        if let Some(since) = pod.ready_since {
            let n = self.ready_since.entry(since).or_default();
            add(n, true);
            if *n == 0 {
                self.ready_since.remove(&since);
            }
        }
    }

    /// The pods by their labels.
    pub fn groups(&self) -> &[LabelGroup] {
        &self.groups
    }

    /// The active, Ready pods that are not yet available (Ready for less than
    /// `min_ready_ms`), each as when it became Ready, earliest first.
    fn not_yet_available(&self, min_ready_ms: u64, now: SimTime) -> impl Iterator<Item = (SimTime, u32)> + '_ {
        // Ready at `since`, available once `since + min_ready_ms <= now`.
        let after = match now.as_ms().checked_sub(min_ready_ms) {
            Some(t) => Bound::Excluded(SimTime(t)),
            None => Bound::Unbounded,
        };
        self.ready_since.range((after, Bound::Unbounded)).map(|(since, n)| (*since, *n))
    }

    /// How many active pods have been Ready for at least `min_ready_ms` (`IsPodAvailable`).
    pub fn available(&self, min_ready_ms: u64, now: SimTime) -> u32 {
        let ready: u32 = self.groups.iter().map(|g| g.ready).sum();
        if min_ready_ms == 0 {
            // Ready is available, even for a pod whose Ready time is yet to come.
            return ready;
        }
        ready - self.not_yet_available(min_ready_ms, now).map(|(_, n)| n).sum::<u32>()
    }

    /// Milliseconds until the next active, Ready pod becomes available, if one is
    /// waiting to (`until_available`'s least).
    pub fn until_next_available(&self, min_ready_ms: u64, now: SimTime) -> Option<u64> {
        let (since, _) = self.not_yet_available(min_ready_ms, now).next()?;
        Some(since.as_ms() + min_ready_ms - now.as_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core::Pod;
    use crate::api::meta::{Condition, OwnerReference, Time};

    fn pod(owner: &str, app: &str, ready_at: Option<u64>) -> Object {
        let mut p = Pod::default();
        p.metadata.owner_references = vec![OwnerReference {
            api_version: Str::lit("apps/v1"),
            kind: Str::lit("ReplicaSet"),
            name: owner.into(),
            uid: owner.into(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        }]
        .into();
        p.metadata.labels = BTreeMap::from([("app".to_string(), app.to_string())]).into();
        p.status.phase = Some("Running".into());
        if let Some(ms) = ready_at {
            p.status.conditions.push(Condition {
                type_: Str::lit("Ready"),
                status: Str::lit("True"),
                last_transition_time: Some(Time::at(SimTime(ms))),
                ..Default::default()
            });
        }
        Object::from(p)
    }

    fn counts(index: &ControlledPodsIndex, owner: &str) -> Vec<(String, u32, u32, u32)> {
        let groups = index.of("", owner).map_or(&[][..], |t| t.groups());
        groups.iter().map(|g| (g.labels["app"].clone(), g.pods, g.active, g.ready)).collect()
    }

    #[test]
    fn the_tally_follows_a_pod_through_readiness_relabelling_and_deletion() {
        let mut index = ControlledPodsIndex::default();
        let (a, b) = (pod("rs-1", "web", None), pod("rs-1", "web", None));
        index.update(None, Some(&a));
        index.update(None, Some(&b));
        assert_eq!(counts(&index, "rs-1"), [("web".into(), 2, 2, 0)]);
        let ready = pod("rs-1", "web", Some(1_000));
        index.update(Some(&a), Some(&ready));
        assert_eq!(counts(&index, "rs-1"), [("web".into(), 2, 2, 1)]);
        // Relabelled: a group of its own.
        let relabelled = pod("rs-1", "debug", Some(1_000));
        index.update(Some(&ready), Some(&relabelled));
        assert_eq!(counts(&index, "rs-1"), [("web".into(), 1, 1, 0), ("debug".into(), 1, 1, 1)]);
        // Being deleted: no longer active, so no longer counted as Ready.
        let mut deleting = relabelled.clone();
        deleting.meta_mut().deletion_timestamp = Some(Time::at(SimTime(2_000)));
        index.update(Some(&relabelled), Some(&deleting));
        assert_eq!(counts(&index, "rs-1"), [("web".into(), 1, 1, 0), ("debug".into(), 1, 0, 0)]);
        assert_eq!(index.of("", "rs-1").map(|t| t.available(0, SimTime(3_000))), Some(0));
        index.update(Some(&deleting), None);
        // Released to another owner, then gone: nothing is left behind.
        let adopted = pod("rs-2", "web", None);
        index.update(Some(&b), Some(&adopted));
        assert!(index.of("", "rs-1").is_none());
        assert_eq!(counts(&index, "rs-2"), [("web".into(), 1, 1, 0)]);
        index.update(Some(&adopted), None);
        assert!(index.0.is_empty());
        // A pod without a controller is not counted.
        let mut orphan = pod("rs-1", "web", None);
        orphan.meta_mut().owner_references = Vec::new().into();
        index.update(None, Some(&orphan));
        assert!(index.0.is_empty());
    }

    #[test]
    fn availability_counts_pods_ready_for_min_ready_seconds() {
        let mut index = ControlledPodsIndex::default();
        for ms in [1_000, 1_000, 4_000, 9_000] {
            index.update(None, Some(&pod("rs-1", "web", Some(ms))));
        }
        let tally = index.of("", "rs-1").expect("counted");
        let now = SimTime(10_000);
        assert_eq!(tally.available(0, now), 4);
        assert_eq!(tally.until_next_available(0, now), None);
        // Ready for at least 5 s: the two of 1 s and the one of 4 s (6 s ago, not 9 s).
        assert_eq!(tally.available(5_000, now), 3);
        assert_eq!(tally.until_next_available(5_000, now), Some(4_000));
        assert_eq!(tally.available(6_000, now), 3);
        assert_eq!(tally.available(6_001, now), 2);
        assert_eq!(tally.until_next_available(6_001, now), Some(1));
        // Longer than the run so far: none yet.
        assert_eq!(tally.available(60_000, now), 0);
        assert_eq!(tally.until_next_available(60_000, now), Some(51_000));
    }
}
