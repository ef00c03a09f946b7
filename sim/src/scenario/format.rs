//! The scenario file format. A scenario is read in two passes so that every error is
//! reported at once: the header (title, goals, cluster…) as a whole, then each item of
//! the step lists (`steps`, `imperative`, `declarative`, `faults`, `drift`) and of
//! `desired` on its own, from the lines it occupies, so a bad step does not hide the next.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::expect::{Check, CheckStep};
use super::notes;
use crate::api::Kind;
use crate::api::decode::{YamlError, closest};
use crate::api::meta::parse_quantity_milli;
use crate::cluster::NodeShape;
use crate::engine::time::parse_duration_ms;
use crate::runtime::images::{ImageCatalog, ImageSpec};

/// A scenario's header, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Header {
    /// One line naming the lesson.
    pub title: String,
    /// What the learner should take away.
    #[serde(default)]
    pub goals: Vec<String>,
    /// The curriculum notes (ids of [`notes::NOTES`]) it covers.
    #[serde(default)]
    pub covers: Vec<String>,
    /// The seed every random choice derives from.
    #[serde(default)]
    pub seed: u64,
    /// The cluster to start from.
    #[serde(default)]
    pub cluster: ClusterShape,
    /// Bounds on the whole run, so a scenario that never settles still ends.
    #[serde(default)]
    pub limits: Limits,
    /// A graded exercise: the learner's manifest goes where a `submit` step is.
    pub exercise: Option<Exercise>,
    /// `kubesim compare`: how long the desired state may take to be reached.
    pub converge: Option<String>,
    // The lists below are read in the second pass, item by item.
    #[serde(default)]
    steps: serde_yaml::Value,
    #[serde(default)]
    desired: serde_yaml::Value,
    #[serde(default)]
    imperative: serde_yaml::Value,
    #[serde(default)]
    declarative: serde_yaml::Value,
    #[serde(default)]
    faults: serde_yaml::Value,
    #[serde(default)]
    drift: serde_yaml::Value,
}

/// The cluster a scenario starts from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterShape {
    /// Worker nodes: how many, or each one's shape.
    #[serde(default)]
    pub nodes: Nodes,
    /// Images to add to the catalog (as in `--images FILE`), by repository.
    #[serde(default)]
    pub images: BTreeMap<String, ImageSpec>,
}

/// `nodes: 3`, or `nodes: [{name: big, cpu: "8", labels: {disk: ssd}}, …]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Nodes {
    /// That many default nodes.
    Count(usize),
    /// One node per shape.
    Shaped(Vec<NodeShape>),
}

impl Default for Nodes {
    fn default() -> Nodes {
        Nodes::Count(3)
    }
}

impl<'de> Deserialize<'de> for Nodes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Nodes, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Nodes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of nodes, or a list of nodes ({name, cpu, memory, labels, taints})")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Nodes, E> {
                usize::try_from(n).map(Nodes::Count).map_err(E::custom)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Nodes, A::Error> {
                let mut shapes = Vec::new();
                while let Some(shape) = seq.next_element()? {
                    shapes.push(shape);
                }
                Ok(Nodes::Shaped(shapes))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl Nodes {
    /// How many nodes, and their shapes (none: all default).
    pub fn count_and_shapes(&self) -> (usize, Vec<NodeShape>) {
        match self {
            Nodes::Count(n) => (*n, Vec::new()),
            Nodes::Shaped(shapes) => (shapes.len(), shapes.clone()),
        }
    }
}

/// Bounds on a run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Limits {
    /// The most simulated time the whole scenario may take.
    #[serde(default = "one_day")]
    pub time: String,
    /// The most events the simulation may process.
    #[serde(default = "five_million")]
    pub events: u64,
}

fn one_day() -> String {
    "24h".into()
}

fn five_million() -> u64 {
    5_000_000
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { time: one_day(), events: five_million() }
    }
}

impl Limits {
    /// The time limit in simulated milliseconds.
    pub fn time_ms(&self) -> u64 {
        parse_duration_ms(&self.time).unwrap_or(u64::MAX)
    }
}

/// A graded exercise.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Exercise {
    /// What the learner has to write, printed before their manifest is applied.
    pub task: String,
    /// The reference answer, a manifest file relative to the scenario: `kubesim run`
    /// plays it, `kubesim check --with FILE` plays the learner's instead.
    pub solution: String,
}

/// One step as written: a mapping with exactly one of these keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    say: Option<String>,
    kubectl: Option<String>,
    apply: Option<String>,
    submit: Option<String>,
    advance: Option<String>,
    crash: Option<String>,
    recover: Option<String>,
    partition: Option<String>,
    heal: Option<String>,
    controller_fault: Option<String>,
    kill: Option<String>,
    curl: Option<String>,
    explain: Option<String>,
    wait_until: Option<Check>,
    expect: Option<Check>,
}

impl RawStep {
    /// The one step this mapping holds, or how many keys it has instead.
    fn into_step(self) -> Result<Step, usize> {
        let RawStep {
            say,
            kubectl,
            apply,
            submit,
            advance,
            crash,
            recover,
            partition,
            heal,
            controller_fault,
            kill,
            curl,
            explain,
            wait_until,
            expect,
        } = self;
        let mut steps: Vec<Step> = [
            say.map(Step::Say),
            kubectl.map(Step::Kubectl),
            apply.map(Step::Apply),
            submit.map(Step::Submit),
            advance.map(Step::Advance),
            crash.map(Step::Crash),
            recover.map(Step::Recover),
            partition.map(Step::Partition),
            heal.map(Step::Heal),
            controller_fault.map(Step::ControllerFault),
            kill.map(Step::Kill),
            curl.map(Step::Curl),
            explain.map(Step::Explain),
            wait_until.map(Step::WaitUntil),
            expect.map(Step::Expect),
        ]
        .into_iter()
        .flatten()
        .collect();
        if steps.len() == 1 { Ok(steps.remove(0)) } else { Err(steps.len()) }
    }
}

/// One step.
#[derive(Debug, Clone)]
pub enum Step {
    /// Narration, printed as is.
    Say(String),
    /// A kubectl command line, without the leading `kubectl`.
    Kubectl(String),
    /// `kubectl apply -f` of a manifest: a path relative to the scenario file, or the
    /// manifest itself when the text spans several lines.
    Apply(String),
    /// `kubectl apply -f` of the exercise's manifest (the learner's, or the solution);
    /// the text says what it should be.
    Submit(String),
    /// Let simulated time pass (`30s`, `5m`).
    Advance(String),
    /// Power a node off.
    Crash(String),
    /// Bring a crashed node back.
    Recover(String),
    /// Cut a node off the network.
    Partition(String),
    /// Reconnect a partitioned node.
    Heal(String),
    /// A fault in one controller (`replicaset-controller drop-events 3`), as the
    /// reconciler-testing harness writes them.
    ControllerFault(String),
    /// Kill a pod's container, as the shell's `kill pod` takes it.
    Kill(String),
    /// A request through the cluster network, as the shell's `curl` takes it.
    Curl(String),
    /// The chain of causes behind an object (`explain-why KIND/NAME`).
    Explain(String),
    /// Run until a condition holds; stop the scenario if it does not within its timeout.
    WaitUntil(Check),
    /// A graded check of the cluster's state.
    Expect(Check),
}

/// A scenario read and checked.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file name, for messages.
    pub file: String,
    /// Title, goals, seed, cluster.
    pub header: Header,
    /// The story, each step with the line it starts on.
    pub steps: Vec<(usize, Step)>,
    /// `kubesim compare`: the conditions that make up the desired state.
    pub desired: Vec<(usize, Check)>,
    /// `kubesim compare`: the imperative operator's procedure.
    pub imperative: Vec<(usize, Step)>,
    /// `kubesim compare`: the declarative operator's procedure.
    pub declarative: Vec<(usize, Step)>,
    /// `kubesim compare`: faults injected after each track, one at a time.
    pub faults: Vec<(usize, Step)>,
    /// `kubesim compare`: another operator's concurrent change.
    pub drift: Vec<(usize, Step)>,
    /// Manifests the `apply` steps name, read from disk, by path.
    pub manifests: BTreeMap<String, String>,
    /// The manifest `submit` applies: its name and text (the exercise's solution unless
    /// replaced by [`Scenario::with_submission`]).
    pub submission: Option<(String, String)>,
}

impl Scenario {
    /// The scenario with the learner's manifest in the exercise's slot.
    pub fn with_submission(mut self, name: &str, text: &str) -> Result<Scenario, String> {
        if !self.steps.iter().any(|(_, s)| matches!(s, Step::Submit(_))) {
            return Err(format!("{} is not an exercise: it has no `submit` step for your manifest", self.file));
        }
        self.submission = Some((name.to_string(), text.to_string()));
        Ok(self)
    }

    /// Whether it has tracks for `kubesim compare`.
    pub fn has_tracks(&self) -> bool {
        !self.imperative.is_empty()
    }
}

/// One error in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// Where: file:line:col.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong, with the field path.
    pub message: String,
    /// How to fix it, when kubesim can tell.
    pub hint: Option<String>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// The step names, for "did you mean".
const STEP_NAMES: &[&str] = &[
    "say",
    "kubectl",
    "apply",
    "submit",
    "advance",
    "crash",
    "recover",
    "partition",
    "heal",
    "controller_fault",
    "kill",
    "curl",
    "explain",
    "wait_until",
    "expect",
];

/// Collects errors with the file name.
struct Errors<'a> {
    file: &'a str,
    found: Vec<ScenarioError>,
}

impl Errors<'_> {
    fn push(&mut self, (line, column): (usize, usize), message: String, hint: Option<String>) {
        self.found.push(ScenarioError { file: self.file.to_string(), line, column, message, hint });
    }

    fn yaml(&mut self, e: &serde_path_to_error::Error<serde_yaml::Error>, start: usize, prefix: &str) {
        let YamlError { message, line, column, hint, .. } = YamlError::new(e, start);
        // Items are read as one-item lists; their paths start `[0].`.
        let message = message.replacen("\"[0].", "\"", 1);
        // The decoder's hints are for manifests; a scenario's fields are in its README.
        let hint = if message.contains("invalid type: map, expected a string") {
            Some("text containing \": \" reads as a mapping: quote it, or write it as a block with `|`".into())
        } else if hint.as_deref().is_some_and(|h| h.contains("kubectl explain")) {
            Some("scenarios/README.md gives every field's type".into())
        } else {
            hint
        };
        self.push((line, column), format!("{prefix}{message}"), hint);
    }
}

/// Reads `text` (the contents of `file`). `read` loads a manifest an `apply` step or the
/// exercise names, relative to the scenario. Every error is returned, in file order.
pub fn parse(
    file: &str,
    text: &str,
    read: impl Fn(&str) -> Result<String, String>,
) -> Result<Scenario, Vec<ScenarioError>> {
    let mut errors = Errors { file, found: Vec::new() };
    let header: Header = match serde_path_to_error::deserialize(serde_yaml::Deserializer::from_str(text)) {
        Ok(h) => h,
        Err(e) => {
            errors.yaml(&e, 1, "");
            return Err(errors.found);
        }
    };
    let mut manifests = BTreeMap::new();
    let submission = check_header(&header, text, &read, &mut errors);
    let mut steps_of = |key: &str, value: &serde_yaml::Value, errors: &mut Errors<'_>| {
        let steps: Vec<(usize, Step)> = items(text, key, value, errors, |i, line, raw: RawStep, errors| {
            let column = (line, 5);
            match raw.into_step() {
                Ok(step) => {
                    for problem in check_step(&step, &header, &mut manifests, &read) {
                        errors.push(column, format!("{key}[{i}]: {problem}"), None);
                    }
                    Some(step)
                }
                Err(_) => {
                    let hint = Some(format!("one of {}", STEP_NAMES.join(", ")));
                    errors.push(column, format!("{key}[{i}]: a step is a mapping with exactly one key"), hint);
                    None
                }
            }
        });
        steps
    };
    let steps = steps_of("steps", &header.steps, &mut errors);
    let imperative = steps_of("imperative", &header.imperative, &mut errors);
    let declarative = steps_of("declarative", &header.declarative, &mut errors);
    let faults = steps_of("faults", &header.faults, &mut errors);
    let drift = steps_of("drift", &header.drift, &mut errors);
    let desired = items(text, "desired", &header.desired, &mut errors, |i, line, check: Check, errors| {
        for problem in check.problems(CheckStep::Expect) {
            errors.push((line, 5), format!("desired[{i}]: {}", problem.replacen("expect", "condition", 1)), None);
        }
        Some(check)
    });
    // `desired` alone is the state `kubesim fuzz` checks; tracks need it and each other.
    let tracks = [imperative.is_empty(), declarative.is_empty(), desired.is_empty()];
    if (!imperative.is_empty() || !declarative.is_empty()) && tracks.contains(&true) {
        let at = line_of(text, "imperative:").or(line_of(text, "declarative:")).or(line_of(text, "desired:"));
        errors.push(
            at.unwrap_or((1, 1)),
            "a comparison needs all three of `imperative`, `declarative` and `desired`".into(),
            Some("`kubesim compare` runs both tracks and checks each against the desired state".into()),
        );
    }
    errors.found.sort_by_key(|e| (e.line, e.column));
    if !errors.found.is_empty() {
        return Err(errors.found);
    }
    let steps = steps.into_iter().collect();
    Ok(Scenario {
        file: file.into(),
        header,
        steps,
        desired,
        imperative,
        declarative,
        faults,
        drift,
        manifests,
        submission,
    })
}

/// Checks what serde cannot: node shapes, images, notes, limits, the exercise. Returns
/// the exercise's solution (name and text) when it can be read.
fn check_header(
    header: &Header,
    text: &str,
    read: &impl Fn(&str) -> Result<String, String>,
    errors: &mut Errors<'_>,
) -> Option<(String, String)> {
    let at = |key: &str| line_of(text, key).unwrap_or((1, 1));
    if let Nodes::Shaped(shapes) = &header.cluster.nodes {
        for (i, shape) in shapes.iter().enumerate() {
            for problem in shape_problems(shape) {
                errors.push(at("nodes:"), format!("cluster.nodes[{i}]: {problem}"), None);
            }
        }
        let mut names: Vec<String> =
            shapes.iter().enumerate().map(|(i, s)| s.name.clone().unwrap_or(format!("node-{}", i + 1))).collect();
        names.sort();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            errors.push(at("nodes:"), format!("cluster.nodes: two nodes are named {:?}", w[0]), None);
        }
    }
    if let Err(e) = ImageCatalog::default().add(&header.cluster.images) {
        errors.push(at("images:"), format!("cluster.{e}"), None);
    }
    let known: Vec<&str> = notes::ids().collect();
    for (i, note) in header.covers.iter().enumerate() {
        if !known.contains(&note.as_str()) {
            let hint = closest(note, &known).map(|k| format!("did you mean {k:?}? (the ids are in scenario/notes.rs)"));
            errors.push(at(note), format!("covers[{i}]: no curriculum note {note:?}"), hint);
        }
    }
    if let Err(e) = parse_duration_ms(&header.limits.time) {
        errors.push(at("limits:"), format!("limits.time: {e}"), None);
    }
    if let Some(Err(e)) = header.converge.as_deref().map(parse_duration_ms) {
        errors.push(at("converge:"), format!("converge: {e}"), None);
    }
    let exercise = header.exercise.as_ref()?;
    match read(&exercise.solution) {
        Ok(solution) => Some((exercise.solution.clone(), solution)),
        Err(e) => {
            let message = format!("exercise.solution: cannot read {}: {e}", exercise.solution);
            errors.push(at("solution:"), message, None);
            None
        }
    }
}

/// What is wrong with one node's shape.
fn shape_problems(shape: &NodeShape) -> Vec<String> {
    let mut problems = Vec::new();
    for (field, value) in [("cpu", &shape.cpu), ("memory", &shape.memory)] {
        if let Some(v) = value.as_deref().filter(|v| parse_quantity_milli(v).is_none_or(|q| q <= 0)) {
            problems.push(format!("{field}: {v:?} is not a positive quantity (e.g. \"2\", \"500m\", \"4Gi\")"));
        }
    }
    for (i, taint) in shape.taints.iter().enumerate() {
        if !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&taint.effect.as_str()) {
            problems.push(format!(
                "taints[{i}].effect: Unsupported value: {:?}: supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
                taint.effect
            ));
        }
    }
    problems
}

/// The 1-based line and column where `needle` first appears.
fn line_of(text: &str, needle: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(n, l)| l.find(needle).map(|c| (n + 1, c + 1)))
}

/// Reads each item of the top-level list `key` on its own (so one bad item does not
/// hide the next) and passes it to `take`, which may report more errors.
fn items<T: DeserializeOwned, U>(
    text: &str,
    key: &str,
    value: &serde_yaml::Value,
    errors: &mut Errors<'_>,
    mut take: impl FnMut(usize, usize, T, &mut Errors<'_>) -> Option<U>,
) -> Vec<(usize, U)> {
    let texts = item_texts(text, key);
    if !value.is_null() && texts.is_empty() {
        let at = line_of(text, &format!("{key}:")).unwrap_or((1, 1));
        errors.push(at, format!("{key}: write it as a block list, one `- item` per line"), None);
    }
    let mut taken = Vec::new();
    for (i, (line, item)) in texts.into_iter().enumerate() {
        let de = serde_yaml::Deserializer::from_str(&item);
        match serde_path_to_error::deserialize::<_, Vec<T>>(de) {
            Ok(mut parsed) => {
                if let Some(u) = parsed.pop().and_then(|t| take(i, line, t, errors)) {
                    taken.push((line, u));
                }
            }
            Err(e) => errors.yaml(&e, line, &format!("{key}[{i}]: ")),
        }
    }
    taken
}

/// Each item's text with the line it starts on: the items of the top-level `key:` block
/// sequence, each kept as a one-item sequence with its own indentation, so serde's
/// positions map back onto the file.
fn item_texts(text: &str, key: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let head = format!("{key}:");
    let Some(start) = lines.iter().position(|l| l.trim_end() == head) else { return Vec::new() };
    let mut items: Vec<(usize, String)> = Vec::new();
    let mut indent = None;
    for (n, line) in lines.iter().enumerate().skip(start + 1) {
        let width = line.len() - line.trim_start().len();
        let blank = line.trim().is_empty() || line.trim_start().starts_with('#');
        if !blank && width == 0 && !line.starts_with('-') {
            break; // the next top-level key
        }
        let item_start = line.trim_start().starts_with("- ") || line.trim() == "-";
        if !blank && item_start && indent.is_none_or(|i| i == width) {
            indent = Some(width);
            items.push((n + 1, String::new()));
        }
        if let Some((_, item)) = items.last_mut() {
            item.push_str(line);
            item.push('\n');
        }
    }
    items
}

/// What is wrong with a step that parsed: durations, kinds, files, checks.
fn check_step(
    step: &Step,
    header: &Header,
    manifests: &mut BTreeMap<String, String>,
    read: &impl Fn(&str) -> Result<String, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    match step {
        Step::Advance(d) => problems.extend(parse_duration_ms(d).err().map(|e| format!("advance: {e}"))),
        Step::Apply(path) if !path.contains('\n') => match read(path) {
            Ok(text) => {
                manifests.insert(path.clone(), text);
            }
            Err(e) => problems.push(format!("apply: cannot read manifest {path}: {e}")),
        },
        // Files a kubectl line names (`apply -f manifests/web.yaml`, `diff -f …`) are read
        // now too, so the line finds them wherever the scenario is run from. One that is
        // missing is left for kubectl to report, as it would at a terminal.
        Step::Kubectl(line) => {
            for path in filenames(line) {
                if let Ok(text) = read(path) {
                    manifests.insert(path.to_string(), text);
                }
            }
        }
        Step::Submit(_) if header.exercise.is_none() => problems.push(
            "submit: only an exercise has a slot for the learner's manifest; add `exercise: {task, solution}`".into(),
        ),
        Step::Explain(object) => problems.extend(kind_of(object).err().map(|e| format!("explain: {e}"))),
        Step::Expect(c) => problems.extend(c.problems(CheckStep::Expect)),
        Step::WaitUntil(c) => problems.extend(c.problems(CheckStep::WaitUntil)),
        _ => {}
    }
    problems
}

/// The files a kubectl line's `-f`/`--filename` flags name (not `-`, standard input).
fn filenames(line: &str) -> Vec<&str> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut files = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let path = match *word {
            "-f" | "--filename" => words.get(i + 1).copied(),
            w => w.strip_prefix("--filename=").or_else(|| w.strip_prefix("-f=")),
        };
        files.extend(path.filter(|p| *p != "-"));
    }
    files
}

/// The kind a `kind/name` reference names, as kubectl resolves it.
pub(super) fn kind_of(reference: &str) -> Result<(Kind, String), String> {
    let (kind, name) =
        reference.split_once('/').ok_or_else(|| format!("{reference:?}: expected KIND/NAME, e.g. deployment/web"))?;
    let kind = Kind::from_resource_arg(kind)
        .ok_or_else(|| format!("{reference:?}: the server doesn't have a resource type \"{kind}\""))?;
    Ok((kind, name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(path: &str) -> Result<String, String> {
        Err(format!("no such file: {path}"))
    }

    #[test]
    fn a_good_scenario_reads_with_each_steps_line() {
        let text = "title: t\nseed: 4\nsteps:\n  - say: hi\n  - advance: 5s\n  - expect:\n      pods: {count: 0}\n";
        let s = parse("s.yaml", text, no_files).expect("valid");
        assert_eq!(s.header.seed, 4);
        assert_eq!(s.header.cluster.nodes, Nodes::Count(3));
        let lines: Vec<usize> = s.steps.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [4, 5, 6]);
    }

    #[test]
    fn every_bad_step_is_reported_at_once_with_its_place() {
        let text = "\
title: t
steps:
  - say: fine
  - advnce: 5s
  - advance: soon
  - apply: missing.yaml
  - expect:
      field: {object: gizmo/x, path: a, equals: 1}
  - say: a
    kubectl: get pods
";
        let errors = parse("s.yaml", text, no_files).expect_err("invalid");
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(got.len(), 5, "{errors:#?}");
        assert_eq!(got[0].0, 4);
        assert!(got[0].1.contains("unknown field \"advnce\""), "{}", got[0].1);
        assert_eq!(errors[0].hint.as_deref(), Some("did you mean \"advance\"?"));
        assert_eq!(got[1].0, 5);
        assert!(got[1].1.starts_with("steps[2]: advance:"), "{}", got[1].1);
        assert_eq!(got[2], (6, "steps[3]: apply: cannot read manifest missing.yaml: no such file: missing.yaml"));
        assert_eq!(got[3].0, 7);
        assert!(got[3].1.contains("doesn't have a resource type \"gizmo\""), "{}", got[3].1);
        assert_eq!(got[4], (9, "steps[5]: a step is a mapping with exactly one key"));
    }

    #[test]
    fn header_errors_name_the_field() {
        let errors = parse("s.yaml", "title: t\nclustr: {nodes: 2}\n", no_files).expect_err("invalid");
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].message.as_str()), (2, "unknown field \"clustr\""));
        assert_eq!(errors[0].hint.as_deref(), Some("did you mean \"cluster\"?"));
        let errors = parse("s.yaml", "steps: []\n", no_files).expect_err("no title");
        assert!(errors[0].message.contains("title"), "{errors:?}");
    }

    #[test]
    fn expectations_need_exactly_one_condition() {
        let text = "title: t\nsteps:\n  - expect: {within: 5s}\n";
        let errors = parse("s.yaml", text, no_files).expect_err("invalid");
        assert_eq!(
            errors[0].message,
            "steps[0]: expect: give exactly one condition: pods, nodes, field, curl, event, invariant"
        );
    }

    #[test]
    fn nodes_are_a_count_or_a_list_of_shapes() {
        let text = "\
title: t
cluster:
  nodes:
    - {name: big, cpu: \"8\", memory: 16Gi, labels: {disk: ssd}}
    - taints: [{key: dedicated, value: db, effect: NoSchedule}]
";
        let s = parse("s.yaml", text, no_files).expect("valid");
        let (n, shapes) = s.header.cluster.nodes.count_and_shapes();
        assert_eq!(n, 2);
        assert_eq!(shapes[0].name.as_deref(), Some("big"));
        assert_eq!(shapes[1].taints[0].effect, "NoSchedule");
        let bad = "\
title: t
cluster:
  nodes:
    - {cpu: lots}
    - {labels: {a: b}, taint: []}
    - {taints: [{key: k, effect: NoScheduled}]}
";
        let errors = parse("s.yaml", bad, no_files).expect_err("invalid");
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        // serde stops at the first unknown field; the shape checks need a parsed header.
        assert_eq!(messages, ["unknown field \"cluster.nodes[1].taint\""], "{errors:#?}");
        assert_eq!((errors[0].line, errors[0].hint.as_deref()), (5, Some("did you mean \"taints\"?")));
        let errors = parse("s.yaml", &bad.replace(", taint: []", ""), no_files).expect_err("invalid");
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(messages[0].starts_with("cluster.nodes[0]: cpu: \"lots\" is not a positive quantity"), "{messages:?}");
        assert!(messages[1].starts_with("cluster.nodes[2]: taints[0].effect: Unsupported value"), "{messages:?}");
        let errors = parse("s.yaml", "title: t\ncluster: {nodes: many}\n", no_files).expect_err("invalid");
        assert!(errors[0].message.contains("a number of nodes, or a list of nodes"), "{errors:?}");
    }

    #[test]
    fn images_notes_limits_and_exercises_are_checked() {
        let text = "\
title: t
covers: [label-selector]
cluster:
  images:
    myorg/api: {pull: soon}
limits: {time: forever}
exercise: {task: write a Service, solution: svc.yaml}
steps:
  - submit: your Service
";
        let errors = parse("s.yaml", text, no_files).expect_err("invalid");
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(got[0], (2, "covers[0]: no curriculum note \"label-selector\""));
        assert!(errors[0].hint.as_deref().unwrap_or("").contains("\"label-selectors\""), "{errors:?}");
        assert_eq!(got[1].0, 4);
        assert!(got[1].1.starts_with("cluster.images.myorg/api.pull:"), "{got:?}");
        assert!(got[2].1.starts_with("limits.time:"), "{got:?}");
        assert_eq!(got[3], (7, "exercise.solution: cannot read svc.yaml: no such file: svc.yaml"));
        assert_eq!(got.len(), 4, "{got:?}");
        let errors = parse("s.yaml", "title: t\nsteps:\n  - submit: yours\n", no_files).expect_err("no exercise");
        assert!(errors[0].message.starts_with("steps[0]: submit: only an exercise"), "{errors:?}");
    }

    #[test]
    fn checks_are_validated_for_their_step() {
        let text = "\
title: t
steps:
  - wait_until: {pods: {count: 1}}
  - wait_until: {pods: {count: 1}, within: 5s}
  - expect: {nodes: {count: 1}, timeout: 5s}
  - expect: {invariant: one-controller-ownr}
  - expect: {curl: {target: 'web:99999'}}
  - expect: {event: {reason: Pulled, object: pods/web}, hint: look at the events}
  - kill: web
  - explain: deploy/web
";
        let errors = parse("s.yaml", text, no_files).expect_err("invalid");
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert!(got[0].1.contains("wait_until: needs a `timeout`"), "{got:?}");
        assert!(got[1].1.contains("give it a `timeout`, not `within`"), "{got:?}");
        assert!(got[2].1.contains("`timeout` belongs to wait_until"), "{got:?}");
        assert_eq!(got[3].0, 6);
        assert!(got[3].1.contains("did you mean \"one-controller-owner\"?"), "{got:?}");
        assert_eq!(got[4].0, 7);
        assert!(got[4].1.contains("curl.target"), "{got:?}");
        assert_eq!(got.len(), 5, "{got:?}");
    }

    #[test]
    fn comparisons_need_both_tracks_and_a_desired_state() {
        let text = "\
title: t
desired:
  - pods: {count: 1}
imperative:
  - kubectl: run web --image=nginx
";
        let errors = parse("s.yaml", text, no_files).expect_err("invalid");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.starts_with("a comparison needs all three"), "{errors:?}");
        let full = format!(
            "{text}declarative:\n  - kubectl: apply -f web.yaml\nfaults:\n  - crash: node-1\n  - advance: 6m\n"
        );
        let s = parse("s.yaml", &full, no_files).expect("valid");
        assert!(s.has_tracks());
        assert_eq!((s.desired.len(), s.imperative.len(), s.declarative.len(), s.faults.len()), (1, 1, 1, 2));
        assert_eq!(s.declarative[0].0, 7);
    }
}
