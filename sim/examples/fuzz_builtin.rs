//! The built-in controllers under many generated fault schedules, with figures: the
//! longer run behind the 256 schedules `cargo test` plays.
//!
//! `cargo run --release --example fuzz_builtin -- replicaset-controller 10000 [seed]`

use kubesim::testing::Harness;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestRunner};

fn main() {
    let mut args = std::env::args().skip(1);
    let controller = args.next().unwrap_or_else(|| "replicaset-controller".into());
    let cases: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1_000);
    let seed: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    #[allow(clippy::disallowed_types, reason = "a benchmark reads the wall clock")]
    let started = std::time::Instant::now();
    let figures = fuzz(&controller, cases, seed);
    let wall = started.elapsed().as_secs_f64();
    println!(
        "{controller}: {cases} schedules ({} faults), {} failures, {} events, {wall:.1} s wall, {:.0} schedules/s",
        figures.faults,
        figures.failures,
        figures.events,
        cases as f64 / wall
    );
}

/// What a run of many schedules found.
pub struct Figures {
    /// Faults injected, over all schedules.
    pub faults: usize,
    /// Schedules under which an invariant broke.
    pub failures: u32,
    /// Simulation events processed by the schedules that passed.
    pub events: u64,
}

/// Runs `controller` under `cases` schedules generated from `seed`, printing each failure
/// with the schedule that caused it.
pub fn fuzz(controller: &str, cases: u32, seed: u64) -> Figures {
    let harness = Harness::new(controller).workload(&[
        "create deployment web --image=nginx:1.27 --replicas=4",
        "set image deployment/web nginx=nginx:1.28",
    ]);
    let mut runner = TestRunner::new(Config { cases, rng_seed: RngSeed::Fixed(seed), ..Config::default() });
    let strategy = harness.schedules();
    let mut figures = Figures { faults: 0, failures: 0, events: 0 };
    for case in 1..=cases {
        let schedule = strategy.new_tree(&mut runner).expect("a schedule").current();
        figures.faults += schedule.len();
        match harness.run(&schedule) {
            Ok(passed) => figures.events += passed.events,
            Err(failure) => {
                figures.failures += 1;
                println!("case {case}: {schedule:?}\n{failure}");
            }
        }
        if case % 500 == 0 {
            eprint!("\r  {case}/{cases} schedules");
        }
    }
    if cases >= 500 {
        eprintln!();
    }
    figures
}
