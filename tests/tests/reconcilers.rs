//! The reconciler-testing harness (`kubesim::testing`) on the built-in controllers, which
//! must survive generated fault schedules, and on three deliberately buggy ReplicaSet
//! controllers written as a user would, which it must catch and shrink to a few steps.
//!
//! `PROPTEST_CASES` sets the number of schedules (256 by default, as in CI) and
//! `KUBESIM_FUZZ_SEED` which ones (fixed by default, so CI is repeatable; a longer run
//! picks another seed to explore further).

use std::collections::BTreeMap;

use kubesim::api::Str;
use kubesim::api::apps::ReplicaSet;
use kubesim::api::core::Pod;
use kubesim::api::meta::{OwnerReference, find_condition};
use kubesim::api::{Kind, ObjKey, Object};
use kubesim::apiserver::Change;
use kubesim::cluster::Cache;
use kubesim::controllers::reconciler::{ApiRequest, Reconcile, Reconciler};
use kubesim::engine::SimTime;
use kubesim::testing::{Fault, Harness};
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestError, TestRunner};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
}

/// Runs `cases()` schedules; returns the shrunk failing schedule and its report, if any.
fn search(harness: &Harness) -> Option<(Vec<Fault>, String)> {
    let seed = std::env::var("KUBESIM_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    // A schedule that ever failed is kept and tried first on every later run.
    let persistence = FileFailurePersistence::Direct("proptest-regressions/reconcilers.txt");
    let config = Config {
        cases: cases(),
        failure_persistence: Some(Box::new(persistence)),
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&harness.schedules(), |schedule| {
        harness.run(&schedule).map(drop).map_err(|f| proptest::test_runner::TestCaseError::fail(f.to_string()))
    });
    match result {
        Ok(()) => None,
        Err(TestError::Fail(why, schedule)) => Some((schedule, why.to_string())),
        Err(e) => panic!("{e}"),
    }
}

/// Figures of a run of the built-in controllers, for the record.
fn survives(controller: &str, workload: &[&str]) {
    let harness = Harness::new(controller).workload(workload);
    if let Some((schedule, report)) = search(&harness) {
        panic!("{controller} failed on {schedule:?}:\n{report}");
    }
}

#[test]
fn the_builtin_replicaset_controller_survives_generated_fault_schedules() {
    survives("replicaset-controller", &["create deployment web --image=nginx:1.27 --replicas=3"]);
}

#[test]
fn the_builtin_deployment_controller_survives_generated_fault_schedules() {
    survives(
        "deployment-controller",
        &["create deployment web --image=nginx:1.27 --replicas=4", "set image deployment/web nginx=nginx:1.28"],
    );
}

/// The bug a test ReplicaSet controller carries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bug {
    /// Writes status without the object's resourceVersion: a blind overwrite.
    BlindStatusWrites,
    /// Remembers how many pods it created instead of counting what it sees; a crash
    /// between two creates (or a lost pod) leaves it wrong for good.
    TrustsItsMemory,
    /// Adopts every pod its selector matches, even one another controller owns.
    IgnoresOwners,
}

/// A small ReplicaSet controller, as a user would write one, with one bug.
struct UserReplicaSets {
    bug: Bug,
    /// Pods created, per ReplicaSet uid (used by `TrustsItsMemory` only).
    created: BTreeMap<Str, usize>,
}

impl UserReplicaSets {
    fn new(bug: Bug) -> UserReplicaSets {
        UserReplicaSets { bug, created: BTreeMap::new() }
    }
}

fn owner_ref(rs: &ReplicaSet) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".into(),
        kind: "ReplicaSet".into(),
        name: rs.metadata.name.clone(),
        uid: rs.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

impl Reconciler for UserReplicaSets {
    fn name(&self) -> &'static str {
        "replicaset-controller"
    }

    fn watches(&self) -> &'static [Kind] {
        &[Kind::ReplicaSet, Kind::Pod]
    }

    fn keys_for(&mut self, change: &Change, view: &Cache) -> Vec<ObjKey> {
        let meta = change.object.meta();
        match change.object.kind() {
            Kind::ReplicaSet => vec![change.object.key()],
            _ => view
                .list_in(Kind::ReplicaSet, &meta.namespace)
                .filter(|rs| match &***rs {
                    Object::ReplicaSet(rs) => rs.spec.selector.as_ref().is_some_and(|s| s.matches(&meta.labels)),
                    _ => false,
                })
                .map(|rs| rs.key())
                .collect(),
        }
    }

    fn reconcile(&mut self, key: &ObjKey, view: &Cache, _now: SimTime) -> Reconcile {
        let Some(Object::ReplicaSet(rs)) = view.get(key).map(|o| (**o).clone()) else { return Reconcile::done() };
        let want = rs.spec.replicas.unwrap_or(1).max(0) as usize;
        let selector = rs.spec.selector.clone().unwrap_or_default();
        let mut requests = Vec::new();
        let mut mine: Vec<Pod> = Vec::new();
        for obj in view.list_in(Kind::Pod, &rs.metadata.namespace) {
            let Some(pod) = obj.as_pod() else { continue };
            if !selector.matches(&pod.metadata.labels) || pod.metadata.deletion_timestamp.is_some() {
                continue;
            }
            match pod.metadata.controller_ref() {
                Some(r) if r.uid == rs.metadata.uid => mine.push(pod.clone()),
                Some(_) if self.bug != Bug::IgnoresOwners => {}
                _ => {
                    // Adopt: add ourselves as the controller (the bug: even over another).
                    let mut adopted = pod.clone();
                    adopted.metadata.owner_references.push(owner_ref(&rs));
                    requests.push(ApiRequest::Update(Object::from(adopted.clone())));
                    mine.push(adopted);
                }
            }
        }
        let have = if self.bug == Bug::TrustsItsMemory {
            *self.created.get(&rs.metadata.uid).unwrap_or(&0)
        } else {
            mine.len()
        };
        for _ in have..want {
            let mut pod = Pod::default();
            pod.metadata.rare.generate_name = Some(format!("{}-", rs.metadata.name).into());
            pod.metadata.namespace = rs.metadata.namespace.clone();
            pod.metadata.labels = rs.spec.template.metadata.labels.clone();
            pod.metadata.owner_references = vec![owner_ref(&rs)].into();
            pod.spec = rs.spec.template.spec.clone();
            requests.push(ApiRequest::Create(Object::from(pod)));
            *self.created.entry(rs.metadata.uid.clone()).or_insert(0) += 1;
        }
        if have > want {
            for pod in mine.iter().skip(want) {
                requests.push(ApiRequest::delete(ObjKey::new(Kind::Pod, &pod.metadata.namespace, &pod.metadata.name)));
            }
            self.created.insert(rs.metadata.uid.clone(), want);
        }
        let ready = mine
            .iter()
            .filter(|p| find_condition(&p.status.conditions, "Ready").is_some_and(|c| c.status == "True"))
            .count() as i32;
        let mut status = rs.clone();
        status.status.replicas = mine.len() as i32;
        status.status.ready_replicas = Some(ready);
        status.status.available_replicas = Some(ready);
        status.status.observed_generation = rs.metadata.generation;
        if self.bug == Bug::BlindStatusWrites {
            status.metadata.resource_version = Default::default();
        }
        if status.status != rs.status {
            requests.push(ApiRequest::UpdateStatus(Object::ReplicaSet(status)));
        }
        Reconcile { requests, requeue_after_ms: None, why: None }
    }
}

/// The harness must catch `bug`, shrink the schedule to at most five steps, and name
/// `invariant`.
fn caught(bug: Bug, harness: Harness, invariant: &str) -> Vec<Fault> {
    let harness = harness.replacing(move || Box::new(UserReplicaSets::new(bug)));
    let (schedule, report) = search(&harness).expect("the harness finds the bug");
    assert!(schedule.len() <= 5, "shrunk to a handful of steps: {schedule:?}\n{report}");
    assert!(report.contains(&format!("invariant {invariant} broken")), "{report}");
    // The failure replays exactly: the same schedule fails the same way.
    let again = harness.run(&schedule).expect_err("it fails again");
    assert!(report.contains(&again.to_string()), "{report}\n---\n{again}");
    assert!(again.scenario.starts_with("title: \"A counterexample for replicaset-controller\""), "{}", again.scenario);
    // The scenario replays with the same reconciler, byte for byte.
    let replayed = harness.replay(&again.scenario).expect("the scenario is valid");
    assert_eq!(replayed, harness.replay(&again.scenario).expect("again"));
    assert!(replayed.contains(&format!("invariant {invariant} broke here")), "{replayed}");
    schedule
}

#[test]
fn blind_status_writes_are_caught() {
    let harness =
        Harness::new("replicaset-controller").workload(&["create deployment web --image=nginx:1.27 --replicas=2"]);
    caught(Bug::BlindStatusWrites, harness, "updates carry resourceVersion preconditions");
}

#[test]
fn a_controller_that_trusts_its_memory_is_caught_after_a_crash_or_a_lost_pod() {
    let harness =
        Harness::new("replicaset-controller").workload(&["create deployment web --image=nginx:1.27 --replicas=3"]);
    let schedule = caught(Bug::TrustsItsMemory, harness, "converges once healed");
    assert!(!schedule.is_empty(), "without a fault the bug does not show");
}

#[test]
fn adopting_pods_another_controller_owns_is_caught() {
    let owned = |name: &str, tier: &str| {
        format!(
            "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: {name}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: web{tier}}}\n  template:\n    metadata:\n      labels: {{app: web, tier: t}}\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.27\n"
        )
    };
    // `broad` selects app=web, and so matches the pods `narrow` owns.
    let harness =
        Harness::new("replicaset-controller").manifest(&owned("narrow", ", tier: t")).manifest(&owned("broad", ""));
    caught(Bug::IgnoresOwners, harness, "safety invariants");
}

#[test]
fn a_panicking_reconciler_and_a_vacuous_run_are_failures_not_crashes() {
    struct Panics;
    impl Reconciler for Panics {
        fn name(&self) -> &'static str {
            "replicaset-controller"
        }
        fn watches(&self) -> &'static [Kind] {
            &[Kind::ReplicaSet]
        }
        fn keys_for(&mut self, change: &Change, _: &Cache) -> Vec<ObjKey> {
            vec![change.object.key()]
        }
        fn reconcile(&mut self, _: &ObjKey, _: &Cache, _: SimTime) -> Reconcile {
            panic!("reconcile is not implemented")
        }
    }
    let workload = ["create deployment web --image=nginx:1.27 --replicas=1"];
    let harness = Harness::new("replicaset-controller").workload(&workload).replacing(|| Box::new(Panics));
    let failure = harness.run(&[Fault::Advance(1_000)]).expect_err("a panic is a failure");
    assert_eq!(failure.invariant, "no panic");
    assert!(failure.detail.contains("reconcile is not implemented"), "{failure}");
    assert!(failure.timeline.contains("advance 00:00:01"), "{failure}");
    // A `sometimes` invariant proves the run did what it meant to: here it cannot.
    let vacuous = Harness::new("replicaset-controller").workload(&workload).invariant(
        kubesim::testing::Invariant::sometimes("more than 10 pods at once", |c| {
            if c.api().list(Kind::Pod, None).count() > 10 { Ok(()) } else { Err("few pods".into()) }
        }),
    );
    let failure = vacuous.run(&[]).expect_err("never held");
    assert_eq!(failure.invariant, "more than 10 pods at once");
    assert!(failure.detail.starts_with("never held"), "{failure}");
    assert!(failure.scenario.contains("say: \"invariant more than 10 pods at once broke here"), "{}", failure.scenario);
}

/// A controller of its own, beside the built-ins: on each Deployment it labels the
/// Deployment itself (its own object), and, with the bug, the Deployment's pods too,
/// which belong to a ReplicaSet, not to it.
struct Labeler {
    touches_pods: bool,
}

impl Reconciler for Labeler {
    fn name(&self) -> &'static str {
        "labeler"
    }

    fn watches(&self) -> &'static [Kind] {
        &[Kind::Deployment, Kind::Pod]
    }

    fn keys_for(&mut self, change: &Change, _: &Cache) -> Vec<ObjKey> {
        if change.object.kind() == Kind::Deployment { vec![change.object.key()] } else { Vec::new() }
    }

    fn reconcile(&mut self, key: &ObjKey, view: &Cache, _: SimTime) -> Reconcile {
        let Some(deployment) = view.get(key) else { return Reconcile::done() };
        let mut requests = Vec::new();
        let mut targets = vec![deployment.clone()];
        if self.touches_pods {
            targets.extend(view.list_in(Kind::Pod, &key.namespace).cloned());
        }
        for target in targets {
            if target.meta().labels.get("labeled-by") != Some(&"labeler".to_string()) {
                let mut labeled = (*target).clone();
                labeled.meta_mut().labels.insert("labeled-by".into(), "labeler".into());
                requests.push(ApiRequest::Update(labeled));
            }
        }
        Reconcile { requests, requeue_after_ms: None, why: None }
    }
}

#[test]
fn a_controller_beside_the_builtins_is_tested_and_its_foreign_writes_caught() {
    let harness = |touches_pods: bool| {
        Harness::new("labeler")
            .workload(&["create deployment web --image=nginx:1.27 --replicas=2"])
            .beside(move || Box::new(Labeler { touches_pods }))
    };
    assert!(search(&harness(false)).is_none(), "labeling its own objects is fine under every schedule");
    let (schedule, report) = search(&harness(true)).expect("writing pods a ReplicaSet owns is caught");
    assert!(report.contains("invariant writes to owned objects only broken"), "{report}");
    assert!(schedule.len() <= 5, "{schedule:?}");
}
