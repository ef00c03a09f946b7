//! Rolling updates keep their bounds at every event: once a Deployment has been fully
//! available, no event leaves fewer than `replicas - maxUnavailable` available pods or
//! more than `replicas + maxSurge` pods not terminating, whatever sequence of image
//! changes, restarts and undos arrives, on any seed, without faults (a crashed node or a
//! `kubectl scale` legitimately breaks the lower bound for a while).

use std::collections::BTreeSet;

use kubesim::api::{Kind, Object};
use kubesim::cluster::{Cluster, ClusterConfig};
use kubesim::controllers::deployment::fenceposts;
use kubesim::controllers::pods::is_available;
use kubesim::shell::Shell;
use proptest::prelude::*;

fn step() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["1.27", "1.28", "1.29", "does-not-exist"])
            .prop_map(|v| format!("kubectl set image deployment/web *=nginx:{v}")),
        Just("kubectl rollout undo deployment/web".to_string()),
        Just("kubectl rollout restart deployment/web".to_string()),
        (1u64..60).prop_map(|s| format!("advance {s}s")),
        // Long enough to cross the 600 s progress deadline.
        (600u64..900).prop_map(|s| format!("advance {s}s")),
    ]
}

/// The bound broken at this instant, if any. `seen_available` remembers the
/// Deployments that have been fully available once.
fn broken_bound(cluster: &Cluster, seen_available: &mut BTreeSet<String>) -> Option<String> {
    let api = cluster.api();
    for obj in api.list(Kind::Deployment, Some("default")) {
        let Object::Deployment(d) = &**obj else { continue };
        let desired = d.spec.replicas.unwrap_or(1);
        let (surge, unavailable) = fenceposts(d);
        let sets: BTreeSet<&str> = api
            .list(Kind::ReplicaSet, Some("default"))
            .filter(|rs| rs.meta().controller_ref().is_some_and(|r| r.uid == d.metadata.uid))
            .map(|rs| rs.meta().uid.as_str())
            .collect();
        let pods: Vec<_> = api
            .list(Kind::Pod, Some("default"))
            .filter_map(|o| o.as_pod())
            .filter(|p| p.metadata.controller_ref().is_some_and(|r| sets.contains(r.uid.as_str())))
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .collect();
        let min_ready = d.spec.min_ready_seconds.unwrap_or(0);
        let available = pods.iter().filter(|p| is_available(p, min_ready, cluster.now())).count() as i32;
        if available >= desired {
            seen_available.insert(d.metadata.name.to_string());
        }
        if seen_available.contains(&*d.metadata.name) && available < desired - unavailable {
            return Some(format!("{}: {available} available, fewer than {desired} - {unavailable}", d.metadata.name));
        }
        if pods.len() as i32 > desired + surge {
            return Some(format!("{}: {} pods, more than {desired} + {surge}", d.metadata.name, pods.len()));
        }
    }
    None
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn rolling_updates_respect_surge_and_availability_at_every_event(
        seed in any::<u64>(),
        steps in prop::collection::vec(step(), 1..16),
    ) {
        // No think time: the clock moves only in `advance`, which runs here event by event.
        let mut shell = Shell::new(Cluster::new(ClusterConfig { nodes: 3, seed, ..Default::default() }), 0);
        shell.execute("kubectl create deployment web --image=nginx:1.27 --replicas=4");
        let mut seen = BTreeSet::new();
        let mut broken = None;
        // The last command's rollout gets time to play out, and to be checked.
        let script = std::iter::once("advance 30s").chain(steps.iter().map(String::as_str)).chain(["advance 120s"]);
        for line in script {
            match line.strip_prefix("advance ").and_then(|s| s.strip_suffix('s')) {
                Some(secs) => {
                    let ms = secs.parse::<u64>().expect("generated") * 1_000;
                    shell.cluster_mut().run_while(ms, |c| {
                        broken = broken.take().or_else(|| broken_bound(c, &mut seen));
                        false
                    });
                }
                None => {
                    let out = shell.execute(line);
                    prop_assert!(!out.failed || line.contains("undo"), "{line}: {}", out.text);
                }
            }
            prop_assert_eq!(&broken, &None, "steps: {:?}", steps);
        }
        prop_assert_eq!(shell.cluster().violations(), &[], "steps: {:?}", steps);
    }
}
