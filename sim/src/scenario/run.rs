//! Plays a scenario on a fresh cluster and narrates it: each step stamped with the
//! simulated time, commands echoed as `$ …` with their output, each expectation passed
//! or failed, and for a failure what was seen, why, and how to reproduce it.

use std::fmt::Write as _;

use super::diagnose;
use super::expect::{Check, Checked};
use super::format::{Scenario, Step};
use crate::cluster::{Cluster, ClusterConfig};
use crate::engine::SimTime;
use crate::engine::time::parse_duration_ms;
use crate::runtime::images::ImageCatalog;
use crate::shell::{LineOutput, Shell};

/// Simulated time after each command that changes the cluster, as in the shell.
const THINK_TIME_MS: u64 = 1_000;

/// How to run a scenario.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The seed, instead of the file's.
    pub seed: Option<u64>,
    /// Print the causal chain behind every expectation, not only failed ones.
    pub explain: bool,
    /// The command that reproduces the run, minus `--seed`: `kubesim run FILE` unless set.
    pub reproduce: Option<String>,
    /// Keep every write, for drawing the run (`--html`) or a trace with states.
    pub log_changes: bool,
}

/// What a run printed and how its expectations went.
pub struct Report {
    /// The narrated transcript.
    pub transcript: String,
    /// Expectations that held.
    pub passed: usize,
    /// Expectations that did not (a run stopped early counts as one more).
    pub failed: usize,
    /// Every expectation and wait, as checked.
    pub checks: Vec<CheckRecord>,
}

/// Runs `scenario`; returns the report and the shell, whose cluster holds the trace.
pub fn run(scenario: &Scenario, options: &RunOptions) -> (Report, Shell) {
    let mut runner = Runner::new(scenario, options);
    runner.tell(|_| {});
    runner.finish()
}

/// The outcome of one step, for `kubesim compare`'s counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepOutcome {
    /// It was a command (kubectl, apply, submit, or a simulator verb).
    pub command: bool,
    /// The command failed.
    pub failed: bool,
}

/// Plays steps on one cluster and writes the narration.
pub struct Runner<'a> {
    scenario: &'a Scenario,
    /// The shell around the cluster.
    pub shell: Shell,
    /// The seed in use.
    pub seed: u64,
    options: RunOptions,
    /// The narration so far.
    pub out: String,
    /// Expectations that held.
    pub passed: usize,
    /// Expectations that did not.
    pub failed: usize,
    /// Why the run stopped before its end, once it has.
    pub stopped: Option<String>,
    time_limit: SimTime,
    /// What kubesim's diagnosis has already said, so it says it once.
    noticed: Vec<String>,
    /// Every expectation and wait, as checked.
    pub checks: Vec<CheckRecord>,
}

/// One expectation or wait as it went, for comparing runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord {
    /// The condition in words.
    pub condition: String,
    /// `expect` or `wait_until`.
    pub step: &'static str,
    /// Whether it held.
    pub passed: bool,
    /// When it was decided.
    pub at: SimTime,
    /// What was seen.
    pub seen: String,
}

/// The cluster a scenario starts from: its nodes, images, seed and event limit.
pub fn cluster_config(scenario: &Scenario, options: &RunOptions) -> ClusterConfig {
    let header = &scenario.header;
    let (nodes, shapes) = header.cluster.nodes.count_and_shapes();
    let mut catalog = ImageCatalog::default();
    // Checked when the scenario was read.
    let _ = catalog.add(&header.cluster.images);
    let seed = options.seed.unwrap_or(header.seed);
    ClusterConfig {
        nodes,
        shapes,
        seed,
        catalog,
        event_limit: header.limits.events,
        log_changes: options.log_changes,
        ..Default::default()
    }
}

impl<'a> Runner<'a> {
    /// A runner on a fresh cluster shaped as the scenario says.
    pub fn new(scenario: &'a Scenario, options: &RunOptions) -> Runner<'a> {
        Runner::with_cluster(scenario, options, Cluster::new(cluster_config(scenario, options)))
    }

    /// A runner on `cluster`, built from [`cluster_config`] (with other runtimes, say).
    pub fn with_cluster(scenario: &'a Scenario, options: &RunOptions, mut cluster: Cluster) -> Runner<'a> {
        let header = &scenario.header;
        let seed = cluster.config().seed;
        for (path, text) in scenario.manifests.iter().chain(scenario.submission.as_ref().map(|(p, t)| (p, t))) {
            cluster.add_file(path, text);
        }
        Runner {
            scenario,
            shell: Shell::new(cluster, THINK_TIME_MS),
            seed,
            options: options.clone(),
            out: String::new(),
            passed: 0,
            failed: 0,
            stopped: None,
            noticed: Vec::new(),
            checks: Vec::new(),
            time_limit: SimTime::ZERO.plus_ms(header.limits.time_ms()),
        }
    }

    /// Writes one line of narration.
    pub fn line(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn stamped(&mut self, text: &str) {
        let now = self.shell.cluster().now();
        let _ = writeln!(self.out, "[{now}] {text}");
    }

    /// Narrates the scenario's header, then plays its steps, handing `progress` each
    /// piece of narration as soon as it is written.
    pub fn tell(&mut self, progress: impl FnMut(&str)) {
        let header = &self.scenario.header;
        self.line(&format!("# {}", header.title));
        for goal in &header.goals {
            self.line(&format!("#   goal: {goal}"));
        }
        let nodes: Vec<&str> = self.shell.cluster().node_names().map(String::as_str).collect();
        let count = if nodes.len() == 1 { "1 node".to_string() } else { format!("{} nodes", nodes.len()) };
        let line = format!("# seed {}, {count}: {}", self.seed, nodes.join(", "));
        self.line(&line);
        if let Some(exercise) = &header.exercise {
            for (i, l) in exercise.task.trim_end().lines().enumerate() {
                let line = format!("#{} {l}", if i == 0 { " exercise:" } else { "          " });
                self.line(line.trim_end());
            }
        }
        let scenario = self.scenario;
        self.play_told(&scenario.steps, progress);
    }

    /// Plays `steps` in order, until the end or until the run stops.
    pub fn play(&mut self, steps: &[(usize, Step)]) {
        self.play_told(steps, |_| {});
    }

    /// Plays `steps`, handing `progress` the narration written so far, then each step's.
    fn play_told(&mut self, steps: &[(usize, Step)], mut progress: impl FnMut(&str)) {
        let mut told = 0;
        for (i, (_, step)) in steps.iter().enumerate() {
            progress(&self.out[told..]);
            told = self.out.len();
            if self.stopped.is_some() {
                let left = steps.len() - i;
                self.line(&format!("  ({left} step{} not run)", if left == 1 { "" } else { "s" }));
                break;
            }
            self.step(step);
        }
        progress(&self.out[told..]);
    }

    /// The report, once the steps are played.
    pub fn finish(mut self) -> (Report, Shell) {
        if self.stopped.is_some() {
            self.failed += 1;
        }
        let _ = writeln!(self.out, "expectations: {} passed, {} failed", self.passed, self.failed);
        (Report { transcript: self.out, passed: self.passed, failed: self.failed, checks: self.checks }, self.shell)
    }

    /// The text of a manifest file an `apply` step names (read when the scenario was).
    pub fn manifest(&self, path: &str) -> Option<&str> {
        self.scenario.manifests.get(path).map(String::as_str)
    }

    /// Simulated milliseconds left before the time limit.
    fn time_left(&self) -> u64 {
        self.time_limit.0.saturating_sub(self.shell.cluster().now().0)
    }

    /// Plays one step.
    pub fn step(&mut self, step: &Step) -> StepOutcome {
        let (line, stdin) = match step {
            Step::Say(text) => {
                for l in text.trim_end().lines() {
                    if l.trim().is_empty() {
                        self.line("");
                    } else {
                        self.stamped(l);
                    }
                }
                return StepOutcome::default();
            }
            Step::Expect(check) => {
                self.expect(check);
                return StepOutcome::default();
            }
            Step::WaitUntil(check) => {
                self.wait_until(check);
                return StepOutcome::default();
            }
            Step::Kubectl(args) => (format!("kubectl {args}"), None),
            Step::Apply(m) if m.contains('\n') => ("kubectl apply -f - <<EOF".to_string(), Some(m.clone())),
            Step::Apply(path) => (format!("kubectl apply -f {path}"), None),
            Step::Submit(what) => {
                self.stamped(&format!("your turn: {}", what.trim_end()));
                let name = self.scenario.submission.as_ref().map(|(name, _)| name.as_str()).unwrap_or_default();
                (format!("kubectl apply -f {name}"), None)
            }
            Step::Advance(d) => {
                let ms = parse_duration_ms(d).unwrap_or(0);
                if ms > self.time_left() {
                    self.stamped(&format!("$ advance {d}"));
                    let left = self.time_left();
                    self.shell.cluster_mut().advance_ms(left);
                    self.stop_at_limit();
                    return StepOutcome { command: true, failed: true };
                }
                (format!("advance {d}"), None)
            }
            Step::Crash(node) => (format!("crash node {node}"), None),
            Step::Recover(node) => (format!("recover node {node}"), None),
            Step::Partition(node) => (format!("partition node {node}"), None),
            Step::Heal(node) => (format!("heal node {node}"), None),
            Step::ControllerFault(fault) => (format!("controller-fault {fault}"), None),
            Step::Kill(pod) => (format!("kill pod {pod}"), None),
            Step::Curl(target) => (format!("curl {target}"), None),
            Step::Explain(object) => (format!("explain-why {object}"), None),
        };
        self.stamped(&format!("$ {line}"));
        if let Step::Apply(inline) = step
            && inline.contains('\n')
        {
            let _ = writeln!(self.out, "{inline}EOF");
        }
        let result: LineOutput = match stdin {
            Some(text) => self.shell.execute_with_stdin("kubectl apply -f -", Some(&text)),
            None => self.shell.execute(&line),
        };
        self.out.push_str(&result.text);
        self.stop_if_halted();
        StepOutcome { command: true, failed: result.failed }
    }

    fn stop_at_limit(&mut self) {
        let limit = &self.scenario.header.limits.time;
        let why = format!("the scenario reached its time limit of {limit} simulated (limits.time)");
        self.stamped(&format!("✗ stopped: {why}"));
        self.stopped = Some(why);
    }

    fn stop_if_halted(&mut self) {
        if self.stopped.is_none() && self.shell.cluster().halted() {
            let limit = self.scenario.header.limits.events;
            let why = format!(
                "the simulation processed its limit of {limit} events (limits.events) without settling; something keeps acting at this instant"
            );
            self.stamped(&format!("✗ stopped: {why}"));
            self.stopped = Some(why);
        }
    }

    /// Checks `check`, waiting as long as it allows but never past the time limit.
    fn wait(&mut self, check: &Check) -> Checked {
        let wait = check.wait_ms().min(self.time_left());
        let checked = check.wait(self.shell.cluster_mut(), wait);
        self.stop_if_halted();
        checked
    }

    fn record(&mut self, check: &Check, step: &'static str, checked: &Checked) {
        let at = self.shell.cluster().now();
        let (condition, passed, seen) = (check.describe(), checked.passed, checked.seen.clone());
        self.checks.push(CheckRecord { condition, step, passed, at, seen });
    }

    /// Checks an expectation and reports it.
    pub fn expect(&mut self, check: &Check) -> bool {
        let checked = self.wait(check);
        self.record(check, "expect", &checked);
        if checked.passed {
            self.passed += 1;
            self.stamped(&format!("✓ expect {}", check.describe()));
            if self.options.explain {
                self.explain(check);
            }
            return true;
        }
        self.failed += 1;
        let waited = check.within.as_deref().map(|w| format!(" (waited {w})")).unwrap_or_default();
        self.stamped(&format!("✗ expect {}: saw {}{waited}", check.describe(), checked.seen));
        self.why_not(check);
        false
    }

    fn wait_until(&mut self, check: &Check) {
        let since = self.shell.cluster().now();
        let checked = self.wait(check);
        self.record(check, "wait_until", &checked);
        let waited = SimTime(self.shell.cluster().now().0 - since.0);
        if checked.passed {
            self.stamped(&format!("… waited {waited} until {}", check.describe()));
            return;
        }
        let timeout = check.timeout.as_deref().unwrap_or_default();
        self.stamped(&format!("✗ gave up after {timeout} waiting until {}: saw {}", check.describe(), checked.seen));
        self.why_not(check);
        if self.stopped.is_none() {
            self.stopped = Some(format!("wait_until timed out after {timeout}"));
        }
    }

    /// After a failed check: the scenario's hint, kubesim's own diagnosis, the pods or
    /// the causal chain concerned, and the command that reproduces the run.
    fn why_not(&mut self, check: &Check) {
        if let Some(hint) = &check.hint {
            for (i, l) in hint.trim_end().lines().enumerate() {
                self.line(&format!("  {}{l}", if i == 0 { "hint: " } else { "      " }));
            }
        }
        for finding in diagnose::services(self.shell.cluster()) {
            if !self.noticed.contains(&finding) {
                self.line(&format!("  kubesim noticed: {finding}"));
                self.noticed.push(finding);
            }
        }
        if let Some((selector, namespace)) = check.pod_selector() {
            let selector = if selector.is_empty() { String::new() } else { format!(" -l {selector}") };
            let listing = self.shell.execute(&format!("kubectl get pods{selector} -n {namespace} -o wide")).text;
            self.line(&format!("  $ kubectl get pods{selector} -o wide"));
            for l in listing.lines() {
                self.line(&format!("  {l}"));
            }
        }
        self.explain(check);
        let reproduce = self.options.reproduce.clone().unwrap_or(format!("kubesim run {}", self.scenario.file));
        self.line(&format!("  reproduce with: {reproduce} --seed {}", self.seed));
    }

    /// The causal chain behind the object the check is about, if it names one.
    fn explain(&mut self, check: &Check) {
        if let Some(object) = check.object() {
            let chain = self.shell.execute(&format!("explain-why {object}")).text;
            self.out.push_str(&chain);
        }
    }
}
