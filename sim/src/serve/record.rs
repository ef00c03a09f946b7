//! `--record FILE`: the seed, the cluster's shape and every input with its simulated
//! time, one JSON line each, so `kubesim replay FILE` plays the same run again.

use std::io::Write;

use serde::{Deserialize, Serialize};

use super::rest::Request;

/// The first line of a record: what the cluster was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Marks the file as a kubesim record, and its format's version.
    pub kubesim_record: u32,
    /// The seed.
    pub seed: u64,
    /// Worker nodes.
    pub nodes: usize,
    /// The watch latency, in ms.
    pub watch_latency_ms: u64,
    /// The calendar moment of simulated time zero, in Unix seconds (the server's start).
    pub epoch_unix_s: u64,
    /// Images added to the catalog (`--images`), as the file's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<String>,
    /// The scenario whose cluster is served (`--scenario`), with what it reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<RecordedScenario>,
}

impl Header {
    /// `the cluster of FILE` or `a 3-node cluster`, with the seed.
    pub fn describe(&self) -> String {
        match &self.scenario {
            Some(scenario) => format!("the cluster of {} (seed {})", scenario.name, self.seed),
            None => format!("a {}-node cluster (seed {})", self.nodes, self.seed),
        }
    }
}

/// A scenario file and the files it includes, so the record alone rebuilds its cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedScenario {
    /// The file name, as given.
    pub name: String,
    /// Its text.
    pub text: String,
    /// The files it read, by the path it names them with.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub files: std::collections::BTreeMap<String, String>,
}

/// One input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// An API request that may write.
    Request(Request),
    /// A line for the shell (`kubesim ctl`: advance, crash node, ...).
    Shell(String),
    /// The server stopped here.
    End,
}

/// A line after the header: when, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Simulated ms since the start.
    pub at_ms: u64,
    /// The input.
    #[serde(flatten)]
    pub input: Input,
}

/// Appends entries to a record file as they happen (flushed each time: a killed
/// server leaves a record of everything it accepted).
pub struct Recorder {
    file: std::fs::File,
}

impl Recorder {
    /// Creates the file and writes the header.
    pub fn create(path: &std::path::Path, header: &Header) -> Result<Recorder, String> {
        let file = std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let mut recorder = Recorder { file };
        recorder.line(&serde_json::to_string(header).expect("a header serializes"));
        Ok(recorder)
    }

    /// Appends one entry.
    pub fn push(&mut self, entry: &Entry) {
        self.line(&serde_json::to_string(entry).expect("an entry serializes"));
    }

    fn line(&mut self, text: &str) {
        // A record that cannot be written is reported once at the end by the replay's
        // mismatch; the server goes on serving.
        let _ = writeln!(self.file, "{text}").and_then(|()| self.file.flush());
    }
}

/// Reads a record: its header and entries, or the line that is not one.
pub fn read(path: &std::path::Path) -> Result<(Header, Vec<Entry>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&path.display().to_string(), &text)
}

/// Parses a record's text.
pub fn parse(name: &str, text: &str) -> Result<(Header, Vec<Entry>), String> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, first)) = lines.next() else {
        return Err(format!("{name}: the file is empty; a record starts with a header line"));
    };
    let header: Header = serde_json::from_str(first).map_err(|e| {
        format!("{name}:1: not a kubesim record header ({e}); records are written by `kubesim serve --record FILE`")
    })?;
    if header.kubesim_record != 1 {
        return Err(format!(
            "{name}:1: record format {} is not known to this kubesim (it reads 1)",
            header.kubesim_record
        ));
    }
    let mut entries = Vec::new();
    for (i, line) in lines {
        let entry: Entry = serde_json::from_str(line).map_err(|e| format!("{name}:{}: {e}", i + 1))?;
        entries.push(entry);
    }
    Ok((header, entries))
}

/// True when `text` starts like a record (to tell one from a scenario).
pub fn looks_like_record(text: &str) -> bool {
    text.trim_start().starts_with("{\"kubesim_record\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::rest::Method;

    #[test]
    fn a_record_reads_back_and_bad_lines_are_named() {
        let header = Header {
            kubesim_record: 1,
            seed: 7,
            nodes: 2,
            watch_latency_ms: 5,
            epoch_unix_s: 1_800_000_000,
            images: None,
            scenario: None,
        };
        let request = Request {
            method: Method::Post,
            path: "/api/v1/namespaces/default/pods".into(),
            query: vec![("fieldManager".into(), "kubectl-run".into())],
            accept: String::new(),
            content_type: "application/json".into(),
            user_agent: "kubectl/v1.32.4".into(),
            body: "{}".into(),
        };
        let entries = [
            Entry { at_ms: 1500, input: Input::Request(request) },
            Entry { at_ms: 2000, input: Input::Shell("crash node kind-worker".into()) },
            Entry { at_ms: 9000, input: Input::End },
        ];
        let mut text = serde_json::to_string(&header).unwrap() + "\n";
        for e in &entries {
            text += &(serde_json::to_string(e).unwrap() + "\n");
        }
        assert!(looks_like_record(&text));
        assert_eq!(parse("r.jsonl", &text), Ok((header, entries.to_vec())));
        let err = parse("r.jsonl", &(text + "{\"at_ms\": \"soon\"}\n")).unwrap_err();
        assert!(err.starts_with("r.jsonl:5: "), "{err}");
        assert!(parse("r.jsonl", "apiVersion: v1\n").unwrap_err().contains("not a kubesim record header"));
    }
}
