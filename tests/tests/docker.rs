//! Conformance on real containers: the same scenario body, played in simulated time and
//! replayed on the Docker engine, must pass every check in both and agree check by
//! check. Covers pod start and logs, crash-loop restart counts, a node crash and the
//! replacement of its pods, and NodePort traffic from the host and from a pod.
//!
//! Without an engine these tests print why and return; with `KUBESIM_REQUIRE_DOCKER=1`
//! (set by `.ci/run` when `docker info` works) a missing engine fails them instead.

use kubesim::scenario::parse;
use kubesim::scenario::replay::{ReplayOptions, replay};

/// Plays `steps` (a scenario's `steps:` block) both ways at `speed`; returns the Docker
/// run's narration, or `None` when there is no engine and none is required.
fn both_arms(run: &str, nodes: usize, speed: f64, steps: &str) -> Option<String> {
    let text = format!("title: {run}\ncluster: {{nodes: {nodes}}}\nsteps:\n{steps}");
    let scenario = parse(&format!("{run}.yaml"), &text, |_| Err("no files".into())).expect("valid scenario");
    let options = ReplayOptions { seed: None, speed, keep: false, run_id: format!("test-{run}") };
    // A killed earlier run of this test may have left its containers behind.
    let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio");
    let _ = tokio.block_on(kubesim_runtime_docker::clean(Some(&options.run_id)));
    match replay(&scenario, &options, |_| {}) {
        Ok(result) => {
            let table = result.table();
            assert!(result.simulated.iter().all(|c| c.passed), "simulated:\n{table}");
            assert!(result.passed(), "on Docker:\n{table}\n{}", result.transcript);
            assert_eq!(result.same(), result.simulated.len(), "{table}");
            assert!(!result.simulated.is_empty());
            let left = tokio.block_on(kubesim_runtime_docker::clean(Some(&options.run_id))).expect("engine");
            assert_eq!(left, 0, "the replay removed its containers");
            Some(result.transcript)
        }
        Err(e) if e.starts_with("no Docker engine") && std::env::var_os("KUBESIM_REQUIRE_DOCKER").is_none() => {
            eprintln!("SKIPPED: {e}");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn pods_start_serve_and_log_on_docker_as_simulated() {
    let steps = r#"
  - kubectl: create deployment web --image=nginx:1.27 --replicas=2
  - kubectl: run solo --image=nginx:1.27
  - expect:
      pods: {selector: app=web, status: Running, count: 2}
      within: 30s
  - expect:
      field: {object: deployment/web, path: status.availableReplicas, equals: 2}
      within: 30s
  - expect:
      pods: {selector: run=solo, status: Running, count: 1}
      within: 30s
  - advance: 5s
  - kubectl: logs solo
"#;
    let Some(transcript) = both_arms("start", 2, 10.0, steps) else { return };
    assert!(transcript.contains("Configuration complete; ready for start up"), "{transcript}");
}

#[test]
fn a_crash_loop_restarts_with_back_off_on_docker_as_simulated() {
    let steps = r#"
  - kubectl: run crashy --image=kubesim/crashloop
  - wait_until:
      field: {object: pod/crashy, path: status.containerStatuses.0.restartCount, equals: 2}
      timeout: 2m
  - expect:
      pods: {selector: run=crashy, status: CrashLoopBackOff, count: 1}
      within: 30s
  - expect:
      field: {object: pod/crashy, path: status.containerStatuses.0.lastState.terminated.exitCode, equals: 1}
"#;
    both_arms("crashloop", 1, 10.0, steps);
}

#[test]
fn a_crashed_nodes_pods_are_replaced_on_docker_as_simulated() {
    let steps = r#"
  - kubectl: create deployment web --image=nginx:1.27 --replicas=2
  - kubectl: create deployment spare --image=nginx:1.27 --replicas=2
  # At 20× speed each second Docker takes to start a container counts 20 simulated ones.
  - expect:
      pods: {status: Running, count: 4}
      within: 3m
  - crash: node-1
  - wait_until:
      nodes: {status: NotReady, count: 1}
      timeout: 2m
  # Four pods on two nodes: the scheduler spreads them, so node-1 ran some.
  - wait_until:
      event: {reason: TaintManagerEviction}
      timeout: 7m
  - expect:
      field: {object: deployment/web, path: status.availableReplicas, equals: 2}
      within: 1m
  - expect:
      field: {object: deployment/spare, path: status.availableReplicas, equals: 2}
      within: 1m
  - expect:
      pods: {status: Running, count: 4}
  - recover: node-1
  - expect:
      nodes: {status: Ready, count: 2}
      within: 1m
"#;
    both_arms("node-crash", 2, 20.0, steps);
}

#[test]
fn a_partitioned_node_is_unreachable_on_docker_as_simulated() {
    let steps = r#"
  - apply: |
      apiVersion: v1
      kind: Pod
      metadata: {name: solo, labels: {run: solo}}
      spec:
        nodeName: node-1
        containers: [{name: nginx, image: "nginx:1.27"}]
  - apply: |
      apiVersion: v1
      kind: Service
      metadata: {name: solo}
      spec:
        type: NodePort
        selector: {run: solo}
        ports: [{port: 80, targetPort: 80, nodePort: 30090}]
  - expect:
      curl: {target: "172.18.0.3:30090", contains: Hello from solo}
      within: 1m
  - partition: node-1
  - expect:
      curl: {target: "172.18.0.2:30090", succeeds: false}
  - wait_until:
      nodes: {status: NotReady, count: 1}
      timeout: 2m
  - heal: node-1
  - expect:
      nodes: {status: Ready, count: 2}
      within: 1m
  - expect:
      curl: {target: "172.18.0.3:30090", contains: Hello from solo}
      within: 1m
"#;
    both_arms("partition", 2, 10.0, steps);
}

#[test]
fn nodeport_traffic_reaches_real_containers_as_simulated() {
    let steps = r#"
  - kubectl: create deployment web --image=nginx:1.27 --replicas=2
  - kubectl: run client --image=kubesim/web
  - apply: |
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        type: NodePort
        selector: {app: web}
        ports: [{port: 80, targetPort: 80, nodePort: 30080}]
  - expect:
      curl: {target: "172.18.0.2:30080", contains: Hello from web-}
      within: 30s
  - expect:
      curl: {target: "172.18.0.3:30080", contains: "(nginx:1.27), you asked for /"}
      within: 10s
  - expect:
      curl: {from: client, target: "web:80/healthz", contains: you asked for /healthz}
      within: 10s
  - expect:
      curl: {target: "172.18.0.2:30081", succeeds: false}
"#;
    both_arms("nodeport", 2, 10.0, steps);
}
