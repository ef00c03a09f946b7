//! Guards against slowdowns without timing anything: the work the simulator does for a
//! fixed workload is counted (events, trace lines, nodes the scheduler examines), and
//! the counts do not depend on the machine. Speed itself is measured by `kubesim bench`.

use kubesim::bench::{self, Then, Workload};
use kubesim::scheduler::feasible_nodes_to_find;

#[test]
fn a_pod_costs_a_bounded_number_of_events_and_trace_lines() {
    let pods = 300;
    let report = bench::run(Workload::new(10, pods, Then::Nothing), 0);
    assert!(report.phases.iter().all(|p| p.done), "{report:?}");
    assert_eq!(report.running, pods);
    // Measured: 13.3 events and 11.3 trace lines per pod (create, bind, two status
    // writes, four Events of its own, watch deliveries, container wake-ups; the
    // ReplicaSet's SuccessfulCreate Events are combined, as client-go's recorder
    // does). A regression that adds a delivery or a write per pod crosses these.
    let events_per_pod = report.events as f64 / pods as f64;
    let lines_per_pod = report.trace_lines as f64 / pods as f64;
    assert!(events_per_pod < 14.5, "{events_per_pod} events per pod");
    assert!(lines_per_pod < 12.0, "{lines_per_pod} trace lines per pod");
}

#[test]
fn the_scheduler_examines_a_bounded_share_of_a_large_cluster() {
    // Upstream's adaptive percentageOfNodesToScore.
    assert_eq!(feasible_nodes_to_find(50), 50);
    assert_eq!(feasible_nodes_to_find(100), 100);
    assert_eq!(feasible_nodes_to_find(1_000), 420);
    assert_eq!(feasible_nodes_to_find(5_000), 500);
    assert_eq!(feasible_nodes_to_find(10_000), 500);

    let report = bench::run(Workload::new(5_000, 200, Then::Nothing), 0);
    assert_eq!(report.running, 200);
    assert_eq!(report.pods_scheduled, 200);
    // Every node has room, so each pod stops after 500 feasible nodes of 5,000.
    assert_eq!(report.nodes_filtered, 200 * 500);
}
