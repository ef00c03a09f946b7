//! Random sequences of apply, scale, set image, crash, recover and advance, on random seeds,
//! never break an invariant (debug builds check them after every event) and converge
//! once the faults stop: every Deployment ends with all replicas updated and available.

use kubesim::api::{Kind, Object};
use kubesim::cluster::{Cluster, ClusterConfig};
use kubesim::shell::Shell;
use proptest::prelude::*;

fn step() -> impl Strategy<Value = String> {
    let deploy = prop::sample::select(vec!["web", "api"]);
    let node = prop::sample::select(vec!["node-1", "node-2", "node-3"]);
    prop_oneof![
        (deploy.clone(), 0u32..6).prop_map(|(d, n)| format!("kubectl scale deployment {d} --replicas={n}")),
        (deploy.clone(), prop::sample::select(vec!["1.27", "1.28", "1.29"]))
            .prop_map(|(d, v)| format!("kubectl set image deployment/{d} *=nginx:{v}")),
        deploy.clone().prop_map(|d| format!("kubectl rollout undo deployment/{d}")),
        deploy.prop_map(|d| format!("kubectl rollout restart deployment/{d}")),
        node.clone().prop_map(|n| format!("crash node {n}")),
        node.prop_map(|n| format!("recover node {n}")),
        (1u64..120).prop_map(|s| format!("advance {s}s")),
        prop::sample::select(vec!["web-deploy.yaml", "web-deploy-2-replicas.yaml"]).prop_map(|f| format!("apply {f}")),
    ]
}

fn converged(cluster: &Cluster) -> Result<(), String> {
    for obj in cluster.api().list(Kind::Deployment, Some("default")) {
        let Object::Deployment(d) = &**obj else { continue };
        let desired = d.spec.replicas.unwrap_or(1);
        let s = &d.status;
        let counts = (s.updated_replicas.unwrap_or(0), s.available_replicas.unwrap_or(0), s.replicas.unwrap_or(0));
        if counts != (desired, desired, desired) {
            return Err(format!("{}: want {desired} updated/available/total, have {counts:?}", d.metadata.name));
        }
    }
    Ok(())
}

/// Runs the steps on a fresh cluster with `seed`, heals it, and says what went wrong, if
/// anything: an invariant broken at some event, an eventual property, or no convergence.
fn heals(seed: u64, steps: &[String]) -> Result<(), String> {
    let mut shell = Shell::new(Cluster::new(ClusterConfig { nodes: 3, seed, ..Default::default() }), 1_000);
    shell.execute("kubectl create deployment web --image=nginx:1.27 --replicas=3");
    shell.execute("kubectl create deployment api --image=nginx:1.27 --replicas=2");
    let created = shell.execute_with_stdin("kubectl create -f -", Some(include_str!("manifests/web-service.yaml")));
    if created.failed {
        return Err(created.text);
    }
    shell.execute("advance 20s");
    for line in steps {
        match line.strip_prefix("apply ") {
            Some("web-deploy.yaml") => {
                shell.execute_with_stdin("kubectl apply -f -", Some(include_str!("manifests/web-deploy.yaml")))
            }
            Some(_) => shell
                .execute_with_stdin("kubectl apply -f -", Some(include_str!("manifests/web-deploy-2-replicas.yaml"))),
            None => shell.execute(line),
        };
    }
    // Heal: every node back, then time for eviction, replacement and rollouts.
    for node in ["node-1", "node-2", "node-3"] {
        shell.execute(&format!("recover node {node}"));
    }
    shell.execute("advance 15m");
    if !shell.cluster().violations().is_empty() {
        return Err(format!("{:?}", shell.cluster().violations()));
    }
    let settled = kubesim::invariants::check_settled(shell.cluster().api());
    if !settled.is_empty() {
        return Err(format!("{settled:?}"));
    }
    converged(shell.cluster())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn deployments_converge_after_faults_stop(seed in any::<u64>(), steps in prop::collection::vec(step(), 1..20)) {
        prop_assert_eq!(heals(seed, &steps), Ok(()), "steps: {:?}", steps);
    }
}

/// Found by the property test: scaling 4 one-pod ReplicaSets down to 1 left a leftover
/// the largest could not absorb, and the ReplicaSets asked for more than 1 + maxSurge.
#[test]
fn scale_down_across_many_replica_sets_keeps_the_surge_bound() {
    let steps = [
        "crash node node-3",
        "advance 6s",
        "kubectl rollout restart deployment/web",
        "kubectl rollout restart deployment/web",
        "apply web-deploy.yaml",
        "kubectl scale deployment web --replicas=1",
        "kubectl set image deployment/api *=nginx:1.29",
        "crash node node-1",
        "recover node node-3",
        "recover node node-2",
        "recover node node-3",
        "kubectl scale deployment web --replicas=4",
        "recover node node-3",
    ];
    let steps: Vec<String> = steps.iter().map(|s| s.to_string()).collect();
    assert_eq!(heals(16639455303385197243, &steps), Ok(()));
}
