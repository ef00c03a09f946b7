//! The scenario file format. A scenario is read in two passes so that every error is
//! reported at once: the header (title, goals, cluster…) as a whole, then each step on
//! its own, from the lines it occupies, so a bad step does not hide the next one.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::api::Kind;
use crate::api::decode::YamlError;
use crate::engine::time::parse_duration_ms;

/// A scenario, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Header {
    /// One line naming the lesson.
    pub title: String,
    /// What the learner should take away.
    #[serde(default)]
    pub goals: Vec<String>,
    /// The curriculum notes (`seed-notes.md`) it covers.
    #[serde(default)]
    pub covers: Vec<String>,
    /// The seed every random choice derives from.
    #[serde(default)]
    pub seed: u64,
    /// The cluster to start from.
    #[serde(default)]
    pub cluster: ClusterShape,
    /// Read in the second pass, step by step.
    #[serde(default)]
    steps: serde_yaml::Value,
}

/// The cluster a scenario starts from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterShape {
    /// Worker nodes.
    #[serde(default = "three")]
    pub nodes: usize,
}

fn three() -> usize {
    3
}

impl Default for ClusterShape {
    fn default() -> ClusterShape {
        ClusterShape { nodes: three() }
    }
}

/// One step as written: a mapping with exactly one of these keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    say: Option<String>,
    kubectl: Option<String>,
    apply: Option<String>,
    advance: Option<String>,
    crash: Option<String>,
    recover: Option<String>,
    curl: Option<String>,
    expect: Option<super::expect::Expectation>,
}

impl RawStep {
    /// The one step this mapping holds, or how many keys it has instead.
    fn into_step(self) -> Result<Step, usize> {
        let RawStep { say, kubectl, apply, advance, crash, recover, curl, expect } = self;
        let mut steps: Vec<Step> = [
            say.map(Step::Say),
            kubectl.map(Step::Kubectl),
            apply.map(Step::Apply),
            advance.map(Step::Advance),
            crash.map(Step::Crash),
            recover.map(Step::Recover),
            curl.map(Step::Curl),
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
    /// Let simulated time pass (`30s`, `5m`).
    Advance(String),
    /// Power a node off.
    Crash(String),
    /// Bring a crashed node back.
    Recover(String),
    /// A request through the cluster network, as the shell's `curl` takes it.
    Curl(String),
    /// A check of the cluster's state.
    Expect(super::expect::Expectation),
}

/// A scenario read and checked: its header and its steps, each with the line it starts on.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file name, for messages.
    pub file: String,
    /// Title, goals, seed, cluster.
    pub header: Header,
    /// The steps and their lines.
    pub steps: Vec<(usize, Step)>,
    /// Manifests the `apply` steps name, read from disk, by path.
    pub manifests: BTreeMap<String, String>,
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
const STEP_NAMES: &[&str] = &["say", "kubectl", "apply", "advance", "crash", "recover", "curl", "expect"];

/// Reads `text` (the contents of `file`). `read` loads a manifest an `apply` step names,
/// relative to the scenario. Every error is returned, in file order.
pub fn parse(
    file: &str,
    text: &str,
    read: impl Fn(&str) -> Result<String, String>,
) -> Result<Scenario, Vec<ScenarioError>> {
    let error = |line, column, message: String, hint: Option<String>| ScenarioError {
        file: file.to_string(),
        line,
        column,
        message,
        hint,
    };
    let header: Header = match serde_path_to_error::deserialize(serde_yaml::Deserializer::from_str(text)) {
        Ok(h) => h,
        Err(e) => {
            let YamlError { message, line, column, hint, .. } = YamlError::new(&e, 1);
            return Err(vec![error(line, column, message, hint)]);
        }
    };
    let mut errors = Vec::new();
    let mut steps = Vec::new();
    let mut manifests = BTreeMap::new();
    for (i, (line, step_text)) in step_texts(text).into_iter().enumerate() {
        let de = serde_yaml::Deserializer::from_str(&step_text);
        let column = step_text.find('-').map_or(1, |c| c + 3);
        match serde_path_to_error::deserialize::<_, Vec<RawStep>>(de).map(|mut v| v.pop().map(RawStep::into_step)) {
            Ok(Some(Ok(step))) => {
                for problem in check_step(&step, &mut manifests, &read) {
                    errors.push(error(line, column, format!("steps[{i}]: {problem}"), None));
                }
                steps.push((line, step));
            }
            Ok(_) => errors.push(error(
                line,
                column,
                format!("steps[{i}]: a step is a mapping with exactly one key"),
                Some(format!("one of {}", STEP_NAMES.join(", "))),
            )),
            Err(e) => {
                let YamlError { message, line, column, hint, .. } = YamlError::new(&e, line);
                let message = message.replacen("unknown field \"[0].", "unknown field \"", 1);
                errors.push(error(line, column, format!("steps[{i}]: {message}"), hint));
            }
        }
    }
    if !header.steps.is_null() && steps.is_empty() && errors.is_empty() {
        errors.push(error(1, 1, "steps: write them as a block list, one `- step: …` per line".into(), None));
    }
    if errors.is_empty() { Ok(Scenario { file: file.into(), header, steps, manifests }) } else { Err(errors) }
}

/// Each step's text with the line it starts on: the items of the top-level `steps:`
/// block sequence, each kept as a one-item sequence with its own indentation, so
/// serde's positions map back onto the file.
fn step_texts(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| l.trim_end() == "steps:") else { return Vec::new() };
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

/// What is wrong with a step that parsed: durations, kinds, manifest files.
fn check_step(
    step: &Step,
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
        Step::Expect(e) => problems.extend(e.problems()),
        _ => {}
    }
    problems
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
        assert_eq!(s.header.cluster.nodes, 3);
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
        assert_eq!(errors[0].message, "steps[0]: expect: give exactly one condition: `pods` or `field`");
    }
}
