//! `cargo bench -p kubesim --bench interactive`: how long a learner waits. Prints the
//! time until `kubesim shell` is ready for input (booting the default cluster in
//! process, and the whole process with its input closed) and the time each curriculum
//! scenario takes, against the targets (20 ms and 50 ms). Figures, not assertions.

use std::process::{Command, Stdio};
#[allow(clippy::disallowed_types, reason = "a benchmark reads the wall clock")]
use std::time::Instant;

use kubesim::cluster::{Cluster, ClusterConfig};
use kubesim::scenario::{self, RunOptions};
use kubesim::shell::Shell;

const SHELL_TARGET_MS: f64 = 20.0;
const SCENARIO_TARGET_MS: f64 = 50.0;

/// The median wall time of `runs` calls of `f`, in milliseconds.
#[allow(clippy::disallowed_types, reason = "a benchmark reads the wall clock")]
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn verdict(ms: f64, target: f64) -> &'static str {
    if ms <= target { "ok" } else { "OVER" }
}

fn main() {
    let boot = median_ms(21, || {
        std::hint::black_box(Shell::new(Cluster::new(ClusterConfig::default()), 1_000));
    });
    println!("shell ready (cluster boot, in process): {boot:.2} ms [{}]", verdict(boot, SHELL_TARGET_MS));
    let process = median_ms(11, || {
        let status = Command::new(env!("CARGO_BIN_EXE_kubesim"))
            .arg("shell")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .expect("kubesim runs");
        assert!(status.success());
    });
    println!(
        "shell ready (whole process, start to end of input): {process:.2} ms [{}]",
        verdict(process, SHELL_TARGET_MS)
    );
    let lessons = kubesim::curriculum::lessons().unwrap_or_else(|_| panic!("the curriculum parses"));
    let mut worst: f64 = 0.0;
    for lesson in &lessons {
        let ms = median_ms(5, || {
            std::hint::black_box(scenario::run(lesson, &RunOptions::default()));
        });
        worst = worst.max(ms);
        println!("{:>8.2} ms [{}]  {}", ms, verdict(ms, SCENARIO_TARGET_MS), lesson.file);
    }
    println!("slowest scenario: {worst:.2} ms (target {SCENARIO_TARGET_MS} ms)");
}
