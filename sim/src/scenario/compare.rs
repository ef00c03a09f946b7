//! `kubesim compare`: the imperative and the declarative track of a scenario, each on its
//! own cluster with the same seed, setup and faults, measured side by side: what the
//! operator typed and had to look up, whether doing it again is safe, whether the
//! desired state is reached and survives faults and another operator's change.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::ControlFlow;

use serde::Serialize;

use super::expect::{Check, wait_all};
use super::format::{Scenario, Step};
use super::run::{RunOptions, Runner};
use crate::engine::SimTime;
use crate::engine::time::parse_duration_ms;
use crate::kubectl::print::tabwriter::kubectl_table;

/// How long the desired state may take, unless the scenario says (`converge:`).
const DEFAULT_CONVERGE_MS: u64 = 10 * 60_000;

/// kubectl verbs that only read.
const QUERIES: &[&str] = &["get", "describe", "logs", "api-resources", "explain", "version", "diff", "top"];

/// One track's measurements.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackResult {
    /// `imperative` or `declarative`.
    pub track: String,
    /// Commands the operator issued (kubectl lines and applied files).
    pub commands: usize,
    /// Of those, the ones that only read the cluster's state.
    pub state_queries: usize,
    /// Distinct objects the track's commands wrote.
    pub objects_changed: usize,
    /// Manifest lines written or changed (against the last applied version of the same objects).
    pub manifest_lines_edited: usize,
    /// Commands that failed on the first run.
    pub errors: Vec<String>,
    /// Simulated milliseconds from the track's first command to the desired state.
    pub converged_after_ms: Option<u64>,
    /// What kept the desired state from holding, if it never did.
    pub not_converged: Option<String>,
    /// Commands that failed when the track was run a second time.
    pub rerun_errors: Vec<String>,
    /// After each fault: how long until the desired state held again, or what was seen.
    pub faults: Vec<FaultResult>,
    /// After another operator's change and a re-run of the track: as for faults.
    pub drift: Option<FaultResult>,
    /// The track's narration.
    #[serde(skip)]
    pub transcript: String,
    /// The track's run, drawable (when the options log changes).
    #[serde(skip)]
    pub timeline: Option<crate::report::Timeline>,
}

/// The desired state through one disturbance, timed from its first step.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultResult {
    /// What happened, as typed.
    pub what: String,
    /// When the desired state first stopped holding (none: it held throughout).
    pub lost_after_ms: Option<u64>,
    /// When it held again for good (none: not within `converge`).
    pub back_after_ms: Option<u64>,
    /// What was seen instead, if it did not come back.
    pub seen: Option<String>,
}

/// Both tracks.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The scenario's title.
    pub title: String,
    /// The seed both ran with.
    pub seed: u64,
    /// The imperative track, then the declarative one.
    pub tracks: Vec<TrackResult>,
    /// The setup's narration (the same on both clusters).
    #[serde(skip)]
    pub setup: String,
}

/// Runs both tracks of `scenario` (which has them: see [`Scenario::has_tracks`]).
pub fn compare(scenario: &Scenario, options: &RunOptions) -> Comparison {
    let converge =
        scenario.header.converge.as_deref().and_then(|c| parse_duration_ms(c).ok()).unwrap_or(DEFAULT_CONVERGE_MS);
    let desired: Vec<Check> = scenario.desired.iter().map(|(_, c)| c.clone()).collect();
    let mut setup = String::new();
    let tracks = [("imperative", &scenario.imperative), ("declarative", &scenario.declarative)]
        .into_iter()
        .map(|(name, track)| {
            let mut t =
                TrackRun { runner: Runner::new(scenario, options), applied: BTreeMap::new(), desired: &desired };
            t.play(&scenario.steps);
            setup = std::mem::take(&mut t.runner.out);
            t.measure(name, track, scenario, converge)
        })
        .collect();
    Comparison {
        title: scenario.header.title.clone(),
        seed: options.seed.unwrap_or(scenario.header.seed),
        tracks,
        setup,
    }
}

/// One track being played and measured.
struct TrackRun<'a> {
    runner: Runner<'a>,
    /// The last manifest text applied for each set of objects.
    applied: BTreeMap<Vec<String>, String>,
    desired: &'a [Check],
}

/// What playing some steps did.
#[derive(Default)]
struct Played {
    commands: usize,
    queries: usize,
    lines_edited: usize,
    errors: Vec<String>,
}

impl TrackRun<'_> {
    fn measure(mut self, name: &str, track: &[(usize, Step)], scenario: &Scenario, converge: u64) -> TrackResult {
        let first_write = self.runner.shell.cluster().trace().last_id();
        let start = self.runner.shell.cluster().now();
        let played = self.play(track);
        let objects_changed = {
            let mut written = std::collections::BTreeSet::new();
            self.runner.shell.cluster().trace().visit_back(|e| {
                if e.id <= first_write {
                    return ControlFlow::Break(());
                }
                if e.component == "kubectl" && e.action != "rejected" {
                    written.insert(e.object.to_string());
                }
                ControlFlow::Continue(())
            });
            written.len()
        };
        let cluster = self.runner.shell.cluster_mut();
        let reached = wait_all(self.desired, cluster, converge);
        let transcript = std::mem::take(&mut self.runner.out);
        let (converged_after_ms, not_converged) = match reached {
            Ok(_) => (Some(cluster.now().0 - start.0), None),
            Err(seen) => (None, Some(seen)),
        };
        let rerun_errors = self.play(track).errors;
        let faults = fault_groups(&scenario.faults)
            .into_iter()
            .map(|group| {
                let what = group.iter().map(|(_, s)| describe(s)).collect::<Vec<_>>().join(", then ");
                self.disturb(what, group, &[], converge)
            })
            .collect();
        let drift = (!scenario.drift.is_empty()).then(|| {
            let what = scenario.drift.iter().map(|(_, s)| describe(s)).collect::<Vec<_>>().join("; ");
            self.disturb(what, &scenario.drift, track, converge)
        });
        let timeline = self.runner.shell.cluster().config().log_changes.then(|| {
            let changes = self.runner.shell.cluster_mut().take_changes();
            let cluster = self.runner.shell.cluster();
            let title = format!("{} — the {name} track", scenario.header.title);
            let subtitle = format!("kubesim compare {} · seed {}", scenario.file, cluster.config().seed);
            let mut timeline =
                crate::report::Timeline::new(&title, &subtitle, cluster.now().as_ms(), cluster.trace(), &changes);
            timeline.tell(&transcript, &self.runner.checks);
            timeline
        });
        TrackResult {
            track: name.to_string(),
            commands: played.commands,
            state_queries: played.queries,
            objects_changed,
            manifest_lines_edited: played.lines_edited,
            errors: played.errors,
            converged_after_ms,
            not_converged,
            rerun_errors,
            faults,
            drift,
            transcript,
            timeline,
        }
    }

    /// Plays a disturbance, watching the desired state through its `advance` steps (after
    /// every event; requests are not made while watching), then the operator's `response`
    /// (their track again, or nothing), then waits up to `converge` for the desired state.
    fn disturb(
        &mut self,
        what: String,
        steps: &[(usize, Step)],
        response: &[(usize, Step)],
        converge: u64,
    ) -> FaultResult {
        let start = self.runner.shell.cluster().now();
        let desired = self.desired;
        // When the desired state first broke, and since when it has held again.
        let mut lost: Option<SimTime> = None;
        let mut holds_since = Some(start);
        let mut watch = |c: &crate::cluster::Cluster| {
            let holds = desired.iter().filter(|d| d.curl.is_none()).all(|d| d.check_state(c).passed);
            match (holds, holds_since) {
                (false, Some(_)) => {
                    lost.get_or_insert(c.now());
                    holds_since = None;
                }
                (true, None) => holds_since = Some(c.now()),
                _ => {}
            }
            false
        };
        for (_, step) in steps {
            match step {
                Step::Advance(d) => {
                    let ms = parse_duration_ms(d).unwrap_or(0);
                    self.runner.shell.cluster_mut().run_while(ms, &mut watch);
                }
                _ => {
                    self.play(std::slice::from_ref(&(0, step.clone())));
                    watch(self.runner.shell.cluster());
                }
            }
        }
        self.play(response);
        watch(self.runner.shell.cluster());
        let cluster = self.runner.shell.cluster_mut();
        let settled = wait_all(desired, cluster, converge);
        let since = |t: SimTime| t.0 - start.0;
        let back = match (&settled, holds_since) {
            (Ok(0), Some(t)) => Some(since(t)),
            (Ok(_), _) => Some(since(cluster.now())),
            (Err(_), _) => None,
        };
        let lost_after_ms = match (lost, back) {
            (None, Some(0)) => None,
            // Broken only by the response, or between watched moments.
            (None, _) => Some(0),
            (Some(t), _) => Some(since(t)),
        };
        FaultResult { what, lost_after_ms, back_after_ms: back, seen: settled.err() }
    }

    fn play(&mut self, steps: &[(usize, Step)]) -> Played {
        let mut played = Played::default();
        for (_, step) in steps {
            if let Step::Apply(path) = step {
                let text = self.runner_manifest(path).unwrap_or_default();
                played.lines_edited += self.edit(&text);
            }
            let before = self.runner.out.len();
            let outcome = self.runner.step(step);
            if outcome.command {
                played.commands += 1;
                played.queries += usize::from(matches!(step, Step::Kubectl(args) if is_query(args)));
            }
            if outcome.failed {
                let output = &self.runner.out[before..];
                let error = output.lines().find(|l| l.starts_with("Error") || l.starts_with("error"));
                played.errors.push(error.unwrap_or(output.lines().last().unwrap_or_default()).to_string());
            }
        }
        played
    }

    fn runner_manifest(&self, path: &str) -> Option<String> {
        if path.contains('\n') { Some(path.to_string()) } else { self.runner.manifest(path).map(str::to_string) }
    }

    /// Lines of `text` written or changed against the last manifest applied for the
    /// same objects; records it as the last.
    fn edit(&mut self, text: &str) -> usize {
        let key = object_names(text);
        let edited = match self.applied.get(&key) {
            Some(old) => lines_changed(old, text),
            None => text.lines().filter(|l| !l.trim().is_empty()).count(),
        };
        self.applied.insert(key, text.to_string());
        edited
    }
}

/// Faults as groups: each step that is not `advance` or `say` starts one, and the time
/// that follows it belongs to it.
fn fault_groups(faults: &[(usize, Step)]) -> Vec<&[(usize, Step)]> {
    let mut starts: Vec<usize> =
        (0..faults.len()).filter(|&i| i == 0 || !matches!(faults[i].1, Step::Advance(_) | Step::Say(_))).collect();
    starts.push(faults.len());
    starts.windows(2).map(|w| &faults[w[0]..w[1]]).collect()
}

/// A step as the operator would type it.
fn describe(step: &Step) -> String {
    match step {
        Step::Kubectl(args) => format!("kubectl {args}"),
        Step::Apply(path) if !path.contains('\n') => format!("kubectl apply -f {path}"),
        Step::Apply(_) => "kubectl apply -f -".into(),
        Step::Advance(d) => format!("{d} later"),
        Step::Crash(n) => format!("crash node {n}"),
        Step::Recover(n) => format!("recover node {n}"),
        Step::Partition(n) => format!("partition node {n}"),
        Step::Heal(n) => format!("heal node {n}"),
        Step::ControllerFault(f) => format!("controller-fault {f}"),
        Step::Kill(p) => format!("kill pod {p}"),
        Step::Curl(t) => format!("curl {t}"),
        Step::Explain(o) => format!("explain-why {o}"),
        Step::Submit(_) => "kubectl apply -f <yours>".into(),
        Step::Say(_) | Step::Expect(_) | Step::WaitUntil(_) => String::new(),
    }
}

fn is_query(args: &str) -> bool {
    let mut words = args.split_whitespace();
    match words.next() {
        Some("rollout") => matches!(words.next(), Some("status" | "history")),
        Some(verb) => QUERIES.contains(&verb),
        None => false,
    }
}

/// `Kind/name` of every object in a manifest, sorted: what an apply of it configures.
fn object_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = serde_yaml::Deserializer::from_str(text)
        .filter_map(|doc| serde_yaml::Value::deserialize(doc).ok())
        .map(|v| format!("{}/{}", v["kind"].as_str().unwrap_or(""), v["metadata"]["name"].as_str().unwrap_or("")))
        .collect();
    names.sort();
    names
}

use serde::Deserialize as _;

/// Lines added or changed going from `old` to `new` (a changed line counts once).
fn lines_changed(old: &str, new: &str) -> usize {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    // Longest common subsequence, by rows.
    let mut row = vec![0usize; b.len() + 1];
    for x in &a {
        let mut diagonal = 0;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y { diagonal + 1 } else { above.max(row[j]) };
            diagonal = above;
        }
    }
    let common = row[b.len()];
    (a.len() - common).max(b.len() - common)
}

impl Comparison {
    /// The narrated runs and the table.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "== setup (the same on both clusters) ==");
        out.push_str(&self.setup);
        for t in &self.tracks {
            let _ = writeln!(out, "== {} track ==", t.track);
            out.push_str(&t.transcript);
        }
        let _ = writeln!(out, "== imperative vs declarative (seed {}; times are simulated) ==", self.seed);
        out.push_str(&self.table());
        if let Some(drift) = self.tracks.first().and_then(|t| t.drift.as_ref()) {
            let _ = writeln!(out, "(another operator's change: {})", drift.what);
        }
        out
    }

    /// The side-by-side table.
    pub fn table(&self) -> String {
        let cells = |f: &dyn Fn(&TrackResult) -> String| self.tracks.iter().map(f).collect::<Vec<_>>();
        let mut rows: Vec<Vec<String>> = vec![
            header_row(&["", "IMPERATIVE", "DECLARATIVE"]),
            row("commands issued", cells(&|t| t.commands.to_string())),
            row("state queries before acting", cells(&|t| t.state_queries.to_string())),
            row("objects changed", cells(&|t| t.objects_changed.to_string())),
            row("manifest lines edited", cells(&|t| t.manifest_lines_edited.to_string())),
            row("commands that failed", cells(&|t| errors_cell(&t.errors))),
            row(
                "desired state reached",
                cells(&|t| match (t.converged_after_ms, &t.not_converged) {
                    (Some(ms), _) => format!("yes, after {}", SimTime(ms)),
                    (None, seen) => format!("no: {}", seen.as_deref().unwrap_or("")),
                }),
            ),
            row(
                "run again: idempotent",
                cells(&|t| {
                    if t.rerun_errors.is_empty() {
                        "yes".into()
                    } else {
                        format!("no: {}", errors_cell(&t.rerun_errors))
                    }
                }),
            ),
        ];
        let faults = self.tracks.first().map_or(0, |t| t.faults.len());
        for i in 0..faults {
            let what = &self.tracks[0].faults[i].what;
            rows.push(row(&format!("after {what}"), cells(&|t| fault_cell(&t.faults[i]))));
        }
        if let Some(drift) = self.tracks.first().and_then(|t| t.drift.as_ref()) {
            let _ = drift;
            let label = "after another operator's change, run again";
            rows.push(row(label, cells(&|t| t.drift.as_ref().map(fault_cell).unwrap_or_default())));
        }
        kubectl_table(&rows)
    }
}

fn header_row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

fn row(label: &str, cells: Vec<String>) -> Vec<String> {
    std::iter::once(label.to_string()).chain(cells).collect()
}

/// How many failed, and why the first did: the reason kubectl puts in parentheses
/// (`Error from server (AlreadyExists): …`), else its first words.
fn errors_cell(errors: &[String]) -> String {
    let Some(first) = errors.first() else { return "0".into() };
    let reason = first
        .strip_prefix("Error from server (")
        .and_then(|r| r.split_once(')'))
        .map_or_else(|| first.chars().take(40).collect::<String>(), |(reason, _)| reason.to_string());
    let more = if errors.len() > 1 { ", …" } else { "" };
    format!("{} ({reason}{more})", errors.len())
}

fn fault_cell(f: &FaultResult) -> String {
    match (f.lost_after_ms, f.back_after_ms, &f.seen) {
        (None, _, _) => "held throughout".into(),
        (Some(lost), Some(back), _) => format!("lost at +{}, back at +{}", SimTime(lost), SimTime(back)),
        (Some(_), None, seen) => format!("NOT desired: {}", seen.as_deref().unwrap_or("")),
    }
}
