//! Plays a scenario on a fresh cluster and narrates it: each step stamped with the
//! simulated time, commands echoed as `$ …` with their output, each expectation passed
//! or failed, and for a failure what was seen, why, and how to reproduce it.

use std::fmt::Write as _;

use super::format::{Scenario, Step};
use crate::cluster::{Cluster, ClusterConfig};
use crate::shell::Shell;

/// Simulated time after each command that changes the cluster, as in the shell.
const THINK_TIME_MS: u64 = 1_000;

/// What a run printed and how its expectations went.
pub struct Report {
    /// The narrated transcript.
    pub transcript: String,
    /// Expectations that held.
    pub passed: usize,
    /// Expectations that did not.
    pub failed: usize,
}

/// Runs `scenario` with `seed` (the file's own when `None`); returns the report and the
/// shell, whose cluster holds the trace.
pub fn run(scenario: &Scenario, seed: Option<u64>) -> (Report, Shell) {
    let header = &scenario.header;
    let seed = seed.unwrap_or(header.seed);
    let cluster = Cluster::new(ClusterConfig { nodes: header.cluster.nodes, seed, ..Default::default() });
    let mut shell = Shell::new(cluster, THINK_TIME_MS);
    let mut report = Report { transcript: String::new(), passed: 0, failed: 0 };
    let out = &mut report.transcript;
    let _ = writeln!(out, "# {}", header.title);
    for goal in &header.goals {
        let _ = writeln!(out, "#   goal: {goal}");
    }
    for (_, step) in &scenario.steps {
        let now = shell.cluster().now();
        let (line, stdin) = match step {
            Step::Say(text) => {
                for l in text.trim_end().lines() {
                    let _ = writeln!(out, "[{now}] {l}");
                }
                continue;
            }
            Step::Expect(e) => {
                let within = e.within_ms();
                let mut checked = e.check(shell.cluster());
                if !checked.passed && within > 0 {
                    shell.cluster_mut().run_while(within, |c| e.check(c).passed);
                    checked = e.check(shell.cluster());
                }
                let now = shell.cluster().now();
                if checked.passed {
                    report.passed += 1;
                    let _ = writeln!(out, "[{now}] ✓ expect {}", e.describe());
                } else {
                    report.failed += 1;
                    let waited = e.within.as_deref().map(|w| format!(" (waited {w})")).unwrap_or_default();
                    let _ = writeln!(out, "[{now}] ✗ expect {}: saw {}{waited}", e.describe(), checked.seen);
                    if let Some(object) = e.object() {
                        out.push_str(&shell.execute(&format!("explain-why {object}")).text);
                    }
                    let _ = writeln!(out, "  reproduce with: kubesim run {} --seed {seed}", scenario.file);
                }
                continue;
            }
            Step::Kubectl(args) => (format!("kubectl {args}"), None),
            Step::Apply(m) if m.contains('\n') => ("kubectl apply -f - <<EOF".to_string(), Some(m.as_str())),
            Step::Apply(path) => (format!("kubectl apply -f {path}"), scenario.manifests.get(path).map(String::as_str)),
            Step::Advance(d) => (format!("advance {d}"), None),
            Step::Crash(node) => (format!("crash node {node}"), None),
            Step::Recover(node) => (format!("recover node {node}"), None),
            Step::Curl(target) => (format!("curl {target}"), None),
        };
        let _ = writeln!(out, "[{now}] $ {line}");
        if let Step::Apply(inline) = step
            && inline.contains('\n')
        {
            let _ = writeln!(out, "{inline}EOF");
        }
        // A manifest read from a file goes in on stdin (it was read when the scenario
        // was checked), so the run does not depend on the working directory.
        let result = match stdin {
            Some(text) => shell.execute_with_stdin("kubectl apply -f -", Some(text)),
            None => shell.execute(&line),
        };
        out.push_str(&result.text);
    }
    let _ = writeln!(out, "{} expectations passed, {} failed", report.passed, report.failed);
    (report, shell)
}
