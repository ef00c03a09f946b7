//! The `kubesim shell`: kubectl lines plus the simulator's own verbs (advance time,
//! crash and recover nodes, kill containers, explain why an object is as it is).

use std::ops::ControlFlow;

use crate::api::decode::closest;
use crate::api::{Kind, ObjKey};
use crate::cluster::Cluster;
use crate::engine::SimTime;
use crate::engine::time::parse_duration_ms;

/// The longest single `advance`: a week of heartbeats is still quick to simulate.
const MAX_ADVANCE_MS: u64 = 7 * 24 * 3_600_000;

/// What one shell line produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineOutput {
    /// Everything printed (stdout and stderr in the order written), newline-terminated.
    pub text: String,
    /// True when the line failed.
    pub failed: bool,
    /// True for `exit` / `quit`.
    pub quit: bool,
}

impl LineOutput {
    fn ok(text: impl Into<String>) -> LineOutput {
        let mut text = text.into();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        LineOutput { text, ..Default::default() }
    }
    fn err(text: impl Into<String>) -> LineOutput {
        LineOutput { failed: true, ..LineOutput::ok(text) }
    }
}

/// The shell's verbs, for `help` and suggestions.
const VERBS: &[(&str, &str)] = &[
    ("kubectl ...", "any kubectl command kubesim serves (get, describe, apply, create, run, delete, label, logs, ...)"),
    ("advance DURATION", "let simulated time pass, e.g. `advance 90s`, `advance 5m`"),
    ("crash node NAME", "power a node off: its kubelet stops and its containers die"),
    ("recover node NAME", "power a crashed node back on"),
    (
        "partition node NAME",
        "cut a node off the network: no heartbeats reach the control plane, its pods go on running unreachable",
    ),
    ("heal node NAME", "reconnect a partitioned node; its kubelet relists and catches up"),
    (
        "controller-fault NAME FAULT",
        "a fault in one controller: watch-delay MS, drop-events N, crash-after-writes K, conflicts N, bookmark, time-travel, heal",
    ),
    (
        "kill pod NAME [--container C] [-n NS]",
        "kill a container's process (exit 137); the kubelet restarts it per restartPolicy",
    ),
    ("explain-why KIND/NAME", "the chain of events that led to the object's current state"),
    (
        "curl [--from POD] HOST:PORT[/PATH]",
        "an HTTP request from outside (a node IP and NodePort) or from a pod (a Service name, ClusterIP or pod IP)",
    ),
    ("time", "the simulated clock"),
    ("seed", "the seed this run derives every random choice from"),
    ("help", "this list"),
    ("exit", "leave the shell"),
];

/// A shell session around a cluster.
pub struct Shell {
    cluster: Cluster,
    think_time_ms: u64,
    pending: Option<Heredoc>,
}

/// A here-document being read.
struct Heredoc {
    command: String,
    marker: String,
    body: String,
}

/// Splits `kubectl apply -f - <<EOF` into the command and the end marker (quotes around
/// the marker are allowed, as in a shell).
fn heredoc(line: &str) -> Option<(&str, &str)> {
    let (command, marker) = line.rsplit_once("<<")?;
    let marker = marker.trim().trim_start_matches('-').trim_matches(|c| c == '\'' || c == '"');
    let valid = !marker.is_empty() && marker.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then_some((command.trim_end(), marker))
}

impl Shell {
    /// A shell on `cluster`; after each kubectl command that changes the cluster,
    /// `think_time_ms` of simulated time passes, as at a real terminal.
    pub fn new(cluster: Cluster, think_time_ms: u64) -> Shell {
        Shell { cluster, think_time_ms, pending: None }
    }

    /// The cluster.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// The cluster, to run it event by event between commands.
    pub fn cluster_mut(&mut self) -> &mut Cluster {
        &mut self.cluster
    }

    /// Runs a whole script and returns its transcript: each command echoed as
    /// `$ <command>` (with its here-document, if any), comments kept, then its output.
    /// The flag is true if any line failed.
    pub fn transcript(&mut self, script: &str) -> (String, bool) {
        let mut text = String::new();
        let mut failed = false;
        for line in script.lines() {
            let out = if self.pending.is_some() {
                text.push_str(line);
                text.push('\n');
                self.feed(line)
            } else {
                let trimmed = line.trim();
                if trimmed.is_empty() {
                    continue;
                }
                if trimmed.starts_with('#') {
                    text.push_str(trimmed);
                    text.push('\n');
                    continue;
                }
                text.push_str(&format!("$ {trimmed}\n"));
                self.feed(trimmed)
            };
            if let Some(out) = out {
                text.push_str(&out.text);
                failed |= out.failed;
                if out.quit {
                    break;
                }
            }
        }
        if let Some(pending) = self.pending.take() {
            text.push_str(&format!(
                "error: here-document not terminated: no line \"{}\" before the end\n",
                pending.marker
            ));
            failed = true;
        }
        (text, failed)
    }

    /// Takes one input line. A line ending in `<<EOF` starts a here-document: the lines
    /// up to `EOF` become the command's standard input (for `kubectl apply -f -`), and
    /// the command runs when the document ends. Returns the output of a command that ran.
    pub fn feed(&mut self, line: &str) -> Option<LineOutput> {
        if let Some(mut pending) = self.pending.take() {
            if line.trim() == pending.marker {
                return Some(self.execute_with_stdin(&pending.command, Some(&pending.body)));
            }
            pending.body.push_str(line);
            pending.body.push('\n');
            self.pending = Some(pending);
            return None;
        }
        match heredoc(line) {
            Some((command, marker)) => {
                self.pending =
                    Some(Heredoc { command: command.to_string(), marker: marker.to_string(), body: String::new() });
                None
            }
            None => Some(self.execute(line)),
        }
    }

    /// True while a here-document is being read.
    pub fn in_heredoc(&self) -> bool {
        self.pending.is_some()
    }

    /// Runs one line.
    pub fn execute(&mut self, line: &str) -> LineOutput {
        self.execute_with_stdin(line, None)
    }

    /// Runs one line with `stdin` as its standard input.
    pub fn execute_with_stdin(&mut self, line: &str, stdin: Option<&str>) -> LineOutput {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return LineOutput::default();
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["kubectl", ..] => {
                let out = self.cluster.kubectl_with_stdin(line, stdin);
                if out.wrote {
                    self.cluster.advance_ms(self.think_time_ms);
                }
                // Output that does not end its last line (`-o jsonpath`) gets a newline, so
                // the transcript's next command starts on a line of its own, as the prompt
                // would at a terminal.
                let mut text = out.combined().to_string();
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                LineOutput { text, failed: out.code != 0, quit: false }
            }
            ["advance", d] => match parse_duration_ms(d) {
                Ok(ms) if ms > MAX_ADVANCE_MS => LineOutput::err(format!(
                    "error: advance at most 7d at a time (kubesim plays every heartbeat in between); asked for {d}"
                )),
                Ok(ms) => {
                    self.cluster.record_input("advance", "", line);
                    self.cluster.advance_ms(ms);
                    LineOutput::default()
                }
                Err(e) => LineOutput::err(format!("error: {e}")),
            },
            ["advance"] => LineOutput::err("error: advance needs a duration, e.g. `advance 30s`"),
            ["crash", "node", name] => self.cluster.crash_node(name).map_or_else(
                |e| LineOutput::err(format!("error: {e}")),
                |_| LineOutput::ok(format!("node/{name} crashed (kubelet stopped, containers killed)")),
            ),
            ["recover", "node", name] => self.cluster.recover_node(name).map_or_else(
                |e| LineOutput::err(format!("error: {e}")),
                |_| LineOutput::ok(format!("node/{name} recovered (kubelet restarting)")),
            ),
            ["partition", "node", name] => self.cluster.partition_node(name).map_or_else(
                |e| LineOutput::err(format!("error: {e}")),
                |_| LineOutput::ok(format!("node/{name} partitioned (cut off the control plane and the other nodes)")),
            ),
            ["heal", "node", name] => self.cluster.heal_node(name).map_or_else(
                |e| LineOutput::err(format!("error: {e}")),
                |_| LineOutput::ok(format!("node/{name} healed (back on the network; its kubelet relists)")),
            ),
            ["controller-fault", name, fault @ ..] => self.controller_fault(name, fault),
            ["kill", "pod", rest @ ..] => self.kill(rest),
            ["explain-why", target] => self.explain_why(target),
            ["curl", target] => self.curl(None, target),
            ["curl", "--from", pod, target] | ["curl", target, "--from", pod] => self.curl(Some(pod), target),
            ["time"] => LineOutput::ok(format!("{} ({})", self.cluster.now(), self.cluster.now().rfc3339())),
            ["seed"] => LineOutput::ok(self.cluster.config().seed.to_string()),
            ["help"] => LineOutput::ok(help()),
            ["exit" | "quit"] => LineOutput { quit: true, ..Default::default() },
            [verb, ..] => {
                // A known verb with the wrong arguments: show how it is used.
                if let Some((usage, _)) = VERBS.iter().find(|(v, _)| v.split_whitespace().next() == Some(*verb)) {
                    return LineOutput::err(format!("error: usage: {usage}"));
                }
                let names: Vec<&str> = VERBS.iter().map(|(v, _)| v.split_whitespace().next().unwrap_or("")).collect();
                let hint = closest(verb, &names).map(|s| format!("; did you mean \"{s}\"?")).unwrap_or_default();
                LineOutput::err(format!("error: unknown command \"{verb}\"{hint} (type `help` for the list)"))
            }
            [] => LineOutput::default(),
        }
    }

    fn curl(&mut self, from: Option<&str>, target: &str) -> LineOutput {
        match self.cluster.curl(from, target) {
            Ok(body) => LineOutput::ok(body),
            Err(e) => LineOutput::err(e),
        }
    }

    fn controller_fault(&mut self, controller: &str, words: &[&str]) -> LineOutput {
        use crate::controllers::manager::ControllerFault;
        let number = |w: &str| w.parse::<u32>().map_err(|_| format!("error: {w:?} is not a number"));
        let fault = match words {
            ["watch-delay", ms] => {
                let result = ms.parse::<u64>().map_err(|_| format!("error: {ms:?} is not a number of ms"));
                return match result.and_then(|ms| self.cluster.set_watch_delay(controller, ms)) {
                    Ok(()) => LineOutput::ok(format!("{controller}: watch delay {ms} ms")),
                    Err(e) => LineOutput::err(e),
                };
            }
            ["drop-events", n] => number(n).map(ControllerFault::DropEvents),
            ["crash-after-writes", k] => number(k).map(ControllerFault::CrashAfterWrites),
            ["conflicts", n] => number(n).map(ControllerFault::Conflicts),
            ["bookmark"] => Ok(ControllerFault::Bookmark),
            ["time-travel"] => Ok(ControllerFault::TimeTravel),
            ["heal"] => Ok(ControllerFault::Heal),
            _ => Err("error: usage: controller-fault NAME watch-delay MS | drop-events N | crash-after-writes K | conflicts N | bookmark | time-travel | heal".to_string()),
        };
        match fault.and_then(|f| self.cluster.inject_controller_fault(controller, &f).map(|_| f)) {
            Ok(f) => LineOutput::ok(format!("{controller}: {f:?}")),
            Err(e) => LineOutput::err(if e.starts_with("error:") { e } else { format!("error: {e}") }),
        }
    }

    fn kill(&mut self, words: &[&str]) -> LineOutput {
        let mut pod = None;
        let mut container = None;
        let mut namespace = "default";
        let mut it = words.iter();
        while let Some(w) = it.next() {
            match *w {
                "--container" | "-c" => container = it.next().copied(),
                "-n" | "--namespace" => namespace = it.next().copied().unwrap_or("default"),
                w if w.starts_with("--container=") => container = w.strip_prefix("--container="),
                w if pod.is_none() => pod = Some(w),
                w => return LineOutput::err(format!("error: unexpected argument \"{w}\"")),
            }
        }
        let Some(pod) = pod else { return LineOutput::err("error: kill pod needs a pod name") };
        match self.cluster.kill_container(namespace, pod, container) {
            Ok(name) => LineOutput::ok(format!("container {name} in pod/{pod} killed (SIGKILL)")),
            Err(e) => LineOutput::err(format!("error: {e}")),
        }
    }

    /// Walks the trace back from the last write to the object.
    fn explain_why(&self, target: &str) -> LineOutput {
        let Some((kind_text, name)) = target.split_once('/') else {
            return LineOutput::err("error: explain-why takes KIND/NAME, e.g. explain-why pod/web");
        };
        let Some(kind) = Kind::from_resource_arg(kind_text) else {
            return LineOutput::err(format!("error: the server doesn't have a resource type \"{kind_text}\""));
        };
        let (namespace, name) = name.split_once('/').unwrap_or(("default", name));
        let key = ObjKey::new(kind, namespace, name).to_string();
        let trace = self.cluster.trace();
        let mut last = None;
        trace.visit_back(|e| {
            if e.object == key && e.component != "user" {
                last = Some(e.id);
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        let Some(last) = last else {
            return LineOutput::err(format!("error: nothing in this run touched {key}"));
        };
        let mut text = format!("Why {key} is as it is: the chain of causes behind its last change\n");
        for event in trace.chain(last) {
            let what = if event.component == "user" {
                format!("you: {}", event.detail)
            } else {
                format!("{} {} {} {}", event.component, event.action, event.object, event.detail)
            };
            text.push_str(&format!("  {:<14} {}\n", SimTime(event.t_ms).to_string(), what.trim_end()));
        }
        LineOutput::ok(text)
    }
}

/// Helpers for the crate's unit tests that drive a cluster through the shell.
#[cfg(test)]
impl Shell {
    /// Three nodes, seed 0, one second of think time.
    pub(crate) fn for_tests() -> Shell {
        use crate::cluster::ClusterConfig;
        Shell::new(Cluster::new(ClusterConfig { nodes: 3, seed: 0, ..Default::default() }), 1_000)
    }

    /// Runs a line that must succeed; returns its output.
    pub(crate) fn run_ok(&mut self, line: &str) -> String {
        let out = self.execute(line);
        assert!(!out.failed, "{line}: {}", out.text);
        out.text
    }
}

fn help() -> String {
    let width = VERBS.iter().map(|(v, _)| v.len()).max().unwrap_or(0);
    let mut text = String::from("kubesim shell: kubectl plus the simulator's own verbs\n\n");
    for (verb, what) in VERBS {
        text.push_str(&format!("  {verb:<width$}  {what}\n"));
    }
    text.push_str("\nLines starting with # are comments. Time only moves when you `advance` it, and by one\nsimulated second after each kubectl command that changes the cluster.\n");
    text
}
