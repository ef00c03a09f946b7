//! Runs the built-in ReplicaSet controller under generated fault schedules.
//! `cargo run --example fuzz_replicaset -- 200`

use kubesim::testing::Harness;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, TestRunner};

fn main() {
    let cases: u32 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(100);
    let harness =
        Harness::new("replicaset-controller").workload(&["create deployment web --image=nginx:1.27 --replicas=3"]);
    let mut runner = TestRunner::new(Config { cases, ..Config::default() });
    let strategy = harness.schedules();
    let mut failures = 0;
    for case in 0..cases {
        let schedule = strategy.new_tree(&mut runner).expect("a schedule").current();
        if let Err(f) = harness.run(&schedule) {
            failures += 1;
            println!("case {case}: {:?}\n{f}", schedule);
            if failures > 3 {
                break;
            }
        }
    }
    println!("{failures} failures in {cases} cases");
}
