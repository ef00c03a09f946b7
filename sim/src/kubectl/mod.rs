//! The in-process kubectl: the same verbs, flags, output and error texts as kubectl
//! v1.32, writing through the simulated apiserver as the user.

mod apply;
pub mod args;
mod diff;
mod imperative;
mod info;
mod jsonpath;
mod nodes;
mod patch;
pub mod print;
mod read;
pub mod selector;
mod workloads;
mod yaml;

use crate::api::Kind;
use crate::cluster::Cluster;
use args::{Args, FlagSpec};

/// What a kubectl command printed and its exit status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CmdOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status: 0 on success.
    pub code: i32,
    /// Whether the command changed the cluster.
    pub wrote: bool,
    /// Both streams as a terminal shows them: in the order they were written.
    combined: String,
    /// Errors kubectl collects while it visits objects and prints when it is done.
    deferred: Vec<String>,
}

impl CmdOutput {
    /// Appends a line to stdout.
    pub fn out(&mut self, line: impl AsRef<str>) {
        let mut text = line.as_ref().to_string();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        self.print(text);
    }

    /// Appends text to stdout as it is.
    pub fn print(&mut self, text: impl AsRef<str>) {
        self.stdout.push_str(text.as_ref());
        self.combined.push_str(text.as_ref());
    }

    /// Appends a line to stderr without failing (warnings, notes).
    pub fn note(&mut self, line: impl AsRef<str>) {
        let mut text = line.as_ref().to_string();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        self.stderr.push_str(&text);
        self.combined.push_str(&text);
    }

    /// Appends an error line to stderr and marks the command failed.
    pub fn fail(&mut self, line: impl AsRef<str>) {
        self.note(line);
        self.code = 1;
    }

    /// Marks the command failed now, and prints the error when the command ends, after
    /// everything else: kubectl's resource builder visits every object with
    /// `ContinueOnError` and reports the aggregated errors last.
    pub fn fail_later(&mut self, line: impl AsRef<str>) {
        self.deferred.push(line.as_ref().to_string());
        self.code = 1;
    }

    /// Prints the errors [`CmdOutput::fail_later`] kept. One error prints as itself;
    /// several are an aggregate, which kubectl prints one per line without the `error: `
    /// prefix (`cmdutil.MultipleErrors`).
    fn flush_deferred(&mut self) {
        let deferred = std::mem::take(&mut self.deferred);
        let several = deferred.len() > 1;
        for line in deferred {
            self.note(if several { line.strip_prefix("error: ").unwrap_or(&line) } else { &line });
        }
    }

    /// Standard output and standard error interleaved in the order they were written,
    /// as a terminal shows them (kubectl writes notes such as "Defaulted container" to
    /// stderr before the output they are about).
    pub fn combined(&self) -> &str {
        &self.combined
    }

    fn failed(line: impl AsRef<str>) -> CmdOutput {
        let mut out = CmdOutput::default();
        out.fail(line);
        out
    }
}

/// The verbs kubectl has that kubesim serves, for suggestions.
const VERBS: &[&str] = &[
    "annotate",
    "api-resources",
    "api-versions",
    "apply",
    "cluster-info",
    "cordon",
    "create",
    "delete",
    "describe",
    "diff",
    "drain",
    "explain",
    "expose",
    "get",
    "label",
    "logs",
    "patch",
    "rollout",
    "run",
    "scale",
    "set",
    "uncordon",
    "version",
];

/// Real kubectl verbs that kubesim does not simulate yet.
const NOT_YET: &[&str] = &[
    "attach",
    "auth",
    "autoscale",
    "certificate",
    "cp",
    "debug",
    "edit",
    "exec",
    "port-forward",
    "proxy",
    "replace",
    "taint",
    "top",
    "wait",
];

impl Cluster {
    /// Runs one kubectl command line (with or without the leading `kubectl`).
    pub fn kubectl(&mut self, line: &str) -> CmdOutput {
        self.kubectl_with_stdin(line, None)
    }

    /// Runs one kubectl command line whose standard input is `stdin` (for `-f -`).
    pub fn kubectl_with_stdin(&mut self, line: &str, stdin: Option<&str>) -> CmdOutput {
        let words = match args::split_words(line) {
            Ok(w) => w,
            Err(e) => return CmdOutput::failed(format!("error: {e}")),
        };
        let mut words: Vec<String> = match words.first() {
            Some(first) if first == "kubectl" => words[1..].to_vec(),
            _ => words,
        };
        // Global flags may come before the verb (`kubectl -n kube-system get pods`).
        let mut globals = Vec::new();
        while words.first().is_some_and(|w| w.starts_with('-')) {
            let flag = words.remove(0);
            let takes_value = flag == "-n" || flag == "--namespace";
            globals.push(flag);
            if takes_value && !words.is_empty() {
                globals.push(words.remove(0));
            }
        }
        words.extend(globals);
        let Some((verb, rest)) = words.split_first() else {
            return CmdOutput::failed("error: no command given\nRun 'kubectl --help' for usage.");
        };
        let cause = self.record_input("kubectl", "", line.trim());
        let mut out = CmdOutput::default();
        match verb.as_str() {
            "get" => read::get(self, rest, &mut out),
            "describe" => read::describe(self, rest, &mut out),
            "apply" => apply::apply(self, cause, rest, stdin, &mut out),
            "create" => imperative::create(self, cause, rest, stdin, &mut out),
            "delete" => apply::delete(self, cause, rest, stdin, &mut out),
            "run" => imperative::run(self, cause, rest, &mut out),
            "label" => imperative::label(self, cause, rest, &mut out, "label"),
            "annotate" => imperative::label(self, cause, rest, &mut out, "annotate"),
            "logs" => info::logs(self, rest, &mut out),
            "api-resources" => info::api_resources(rest, &mut out),
            "api-versions" => info::api_versions(rest, &mut out),
            "cluster-info" => info::cluster_info(self, rest, &mut out),
            "explain" => info::explain(rest, &mut out),
            "version" => info::version(&mut out),
            "scale" => workloads::scale(self, cause, rest, &mut out),
            "set" => workloads::set(self, cause, rest, &mut out),
            "rollout" => workloads::rollout(self, cause, rest, &mut out),
            "cordon" => nodes::cordon(self, cause, rest, true, &mut out),
            "uncordon" => nodes::cordon(self, cause, rest, false, &mut out),
            "drain" => nodes::drain(self, cause, rest, &mut out),
            "expose" => imperative::expose(self, cause, rest, &mut out),
            "diff" => diff::diff(self, rest, stdin, &mut out),
            "patch" => patch::patch(self, cause, rest, &mut out),
            v if NOT_YET.contains(&v) => {
                out.fail(format!("error: kubesim does not simulate \"kubectl {v}\" yet (it is a real kubectl command)"))
            }
            v => {
                let mut msg = format!("error: unknown command \"{v}\" for \"kubectl\"");
                if let Some(s) = crate::api::decode::closest(v, VERBS) {
                    msg.push_str(&format!("\n\nDid you mean this?\n\t{s}\n"));
                }
                msg.push_str("\nRun 'kubectl --help' for usage.");
                out.fail(msg)
            }
        }
        out.flush_deferred();
        out
    }
}

/// Parses flags for `verb`, or reports the error into `out`.
fn parse_flags(verb: &str, words: &[String], specs: &[FlagSpec], out: &mut CmdOutput) -> Option<Args> {
    match args::parse(verb, words, specs) {
        Ok(a) => Some(a),
        Err(e) => {
            out.fail(e);
            None
        }
    }
}

/// Resolves a resource type argument or reports kubectl's error.
fn resolve_kind(arg: &str, out: &mut CmdOutput) -> Option<Kind> {
    let kind = Kind::from_resource_arg(arg);
    if kind.is_none() {
        out.fail(format!("error: the server doesn't have a resource type \"{arg}\""));
    }
    kind
}

/// The namespace a command works in.
fn namespace_of(args: &Args) -> String {
    args.get("namespace").unwrap_or("default").to_string()
}

/// Splits `TYPE NAME...` or `TYPE/NAME...` into (kind, names).
fn kind_and_names(positional: &[String], out: &mut CmdOutput) -> Option<(Kind, Vec<String>)> {
    let first = positional.first()?;
    if first.contains('/') {
        let mut kind = None;
        let mut names = Vec::new();
        for p in positional {
            let Some((k, n)) = p.split_once('/') else {
                out.fail("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'");
                return None;
            };
            let k = resolve_kind(k, out)?;
            if kind.is_some_and(|prev| prev != k) {
                out.fail("error: kubesim supports one resource type per command");
                return None;
            }
            kind = Some(k);
            names.push(n.to_string());
        }
        return kind.map(|k| (k, names));
    }
    let kind = resolve_kind(first, out)?;
    Some((kind, positional[1..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_interleaves_streams_in_write_order_and_reports_aggregated_errors_last() {
        let mut out = CmdOutput::default();
        out.note("Defaulted container \"web\" out of: web, cache");
        out.out("line 1");
        out.fail_later("error: pods \"a\" not found");
        out.out("line 2");
        out.flush_deferred();
        assert_eq!(
            out.combined(),
            "Defaulted container \"web\" out of: web, cache\nline 1\nline 2\nerror: pods \"a\" not found\n"
        );
        assert_eq!(out.stdout, "line 1\nline 2\n");
        assert_eq!(out.code, 1);
        // Several collected errors print one per line without the `error: ` prefix.
        let mut out = CmdOutput::default();
        out.fail_later("error: one");
        out.fail_later("error: two");
        out.flush_deferred();
        assert_eq!(out.combined(), "one\ntwo\n");
    }
}
