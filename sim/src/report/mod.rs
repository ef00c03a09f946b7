//! The HTML timeline of a run: one self-contained page (inline CSS, JavaScript and SVG,
//! nothing fetched) that draws the cluster at any simulated moment and lets the
//! learner scrub through time. [`Timeline`] holds what the page needs: the trace, the
//! states the writes left (`views.rs`: nodes, pods, Services, compacted) and the
//! scenario's narration and checks. A trace file written with the states
//! ([`Timeline::trace_jsonl`]) is enough to draw the page again (`kubesim report`).

mod views;

use serde::{Deserialize, Serialize};

use crate::apiserver::Change;
use crate::engine::Trace;

/// The page, with `/*KUBESIM-DATA*/` where the timeline's JSON goes.
const PAGE: &str = include_str!("page.html");

/// One event of the trace, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Sequential id.
    pub id: u64,
    /// Simulated ms.
    pub t_ms: u64,
    /// The id of its cause (0: none).
    pub cause: u64,
    /// Who.
    pub component: String,
    /// What.
    pub action: String,
    /// On what (`Pod default/web`).
    pub object: String,
    /// Details.
    pub detail: String,
    /// The state the write left, for the kinds the page draws.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<views::View>,
}

/// A line of the scenario's story, on the run's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Story {
    /// Simulated ms.
    pub t_ms: u64,
    /// `say` (narration), `cmd` (a command, with its output) or `check`.
    pub kind: String,
    /// The text.
    pub text: String,
    /// A command's output.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output: String,
    /// A check's outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
}

/// Everything the page draws.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// The page's title.
    pub title: String,
    /// A line under it (seed, nodes, where it came from).
    pub subtitle: String,
    /// When the run ended, simulated ms.
    pub end_ms: u64,
    /// The trace, with the states writes left.
    pub events: Vec<Event>,
    /// The story, if the run played a scenario.
    pub story: Vec<Story>,
}

impl Timeline {
    /// A timeline from a run's trace and the changes it logged (each with its trace
    /// event's id).
    pub fn new(title: &str, subtitle: &str, end_ms: u64, trace: &Trace, changes: &[(u64, Change)]) -> Timeline {
        let mut events: Vec<Event> = Vec::with_capacity(trace.len());
        trace.visit(|e| {
            events.push(Event {
                id: e.id,
                t_ms: e.t_ms,
                cause: e.cause,
                component: e.component.to_string(),
                action: e.action.to_string(),
                object: e.object.to_string(),
                detail: e.detail.to_string(),
                view: None,
            })
        });
        for (id, change) in changes {
            let view = views::view(change);
            if let (Some(view), Some(event)) = (view, id.checked_sub(1).and_then(|i| events.get_mut(i as usize))) {
                event.view = Some(view);
            }
        }
        Timeline { title: title.into(), subtitle: subtitle.into(), end_ms, events, story: Vec::new() }
    }

    /// The trace as JSON lines, each write with the state it left: what `kubesim report`
    /// reads back.
    pub fn trace_jsonl(&self) -> String {
        let mut text = String::new();
        for event in &self.events {
            text.push_str(&serde_json::to_string(event).expect("an event serializes"));
            text.push('\n');
        }
        text
    }

    /// Reads a trace file back (`name` for messages). A line that is not a trace event
    /// is an error naming it; a trace without states draws only its events.
    pub fn from_trace(name: &str, text: &str) -> Result<Timeline, String> {
        let mut events = Vec::new();
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let event: Event = serde_json::from_str(line).map_err(|e| {
                let what =
                    if e.is_eof() { "the line is cut short (a truncated file?)" } else { "not a kubesim trace event" };
                format!("{name}:{}: {what}: {e}; a trace is what `kubesim run FILE --trace T.jsonl` writes", i + 1)
            })?;
            if events.last().is_some_and(|last: &Event| event.id <= last.id || event.t_ms < last.t_ms) {
                return Err(format!("{name}:{}: event {} is out of order (ids and times only grow)", i + 1, event.id));
            }
            events.push(event);
        }
        let end_ms = events.last().map_or(0, |e| e.t_ms);
        Ok(Timeline {
            title: format!("Trace {name}"),
            subtitle: format!("{} events", events.len()),
            end_ms,
            events,
            story: Vec::new(),
        })
    }

    /// Adds the scenario's story from its narrated transcript (`[hh:mm:ss] text` lines,
    /// `$ command` lines followed by their output) and its checks.
    pub fn tell(&mut self, transcript: &str, checks: &[crate::scenario::run::CheckRecord]) {
        let mut story: Vec<Story> = Vec::new();
        let mut at = 0;
        for line in transcript.lines() {
            if line.starts_with('#') {
                continue;
            }
            match stamped(line) {
                Some((t_ms, text)) => {
                    at = t_ms;
                    if text.starts_with("✓ ") || text.starts_with("✗ ") || text.starts_with("  ") {
                        continue; // checks come from the records below
                    }
                    let (kind, text) = match text.strip_prefix("$ ") {
                        Some(command) => ("cmd", command),
                        None => ("say", text),
                    };
                    match story.last_mut() {
                        Some(last) if kind == "say" && last.kind == "say" && last.t_ms == t_ms => {
                            last.text.push(' ');
                            last.text.push_str(text);
                        }
                        _ => story.push(Story {
                            t_ms,
                            kind: kind.into(),
                            text: text.into(),
                            output: String::new(),
                            passed: None,
                        }),
                    }
                }
                None => {
                    if let Some(last) = story.last_mut().filter(|s| s.kind == "cmd" && s.t_ms == at) {
                        last.output.push_str(line);
                        last.output.push('\n');
                    }
                }
            }
        }
        for check in checks {
            story.push(Story {
                t_ms: check.at.as_ms(),
                kind: "check".into(),
                text: format!("{} {}", check.step, check.condition),
                output: if check.passed { String::new() } else { format!("saw {}", check.seen) },
                passed: Some(check.passed),
            });
        }
        story.sort_by_key(|s| s.t_ms);
        self.story = story;
    }

    /// The page.
    pub fn html(&self) -> String {
        // `</` would end the script element the data sits in.
        let data = serde_json::to_string(self).expect("a timeline serializes").replace("</", "<\\/");
        PAGE.replace("/*KUBESIM-DATA*/", &data).replace("<!--KUBESIM-TITLE-->", &escape(&self.title))
    }
}

/// One page showing several timelines side by side (`kubesim compare`'s tracks), each
/// in a frame of its own.
pub fn side_by_side(title: &str, timelines: &[&Timeline]) -> String {
    let frames: String = timelines
        .iter()
        .map(|t| {
            format!(
                "<iframe title=\"{}\" srcdoc=\"{}\"></iframe>\n",
                escape(&t.title),
                escape(&t.html()).replace('"', "&quot;")
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} · kubesim</title>\n<style>body {{ margin: 0; display: grid; grid-template-columns: repeat({}, 1fr); height: 100vh; }} iframe {{ width: 100%; height: 100%; border: 0; border-right: 2px solid #d5dbe1; }}</style>\n</head>\n<body>\n{frames}</body>\n</html>\n",
        escape(title),
        timelines.len().max(1)
    )
}

/// `[00:01:05.250] text` → (65250, "text").
fn stamped(line: &str) -> Option<(u64, &str)> {
    let rest = line.strip_prefix('[')?;
    let (clock, text) = rest.split_once("] ")?;
    let (hms, ms) = clock.split_once('.').unwrap_or((clock, "0"));
    let parts: Vec<u64> = hms.split(':').map(str::parse).collect::<Result<_, _>>().ok()?;
    let [h, m, s] = parts.as_slice() else { return None };
    let ms: u64 = format!("{ms:0<3}").get(..3)?.parse().ok()?;
    Some(((h * 3600 + m * 60 + s) * 1000 + ms, text))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_read_as_milliseconds() {
        assert_eq!(stamped("[00:01:05.25] hello"), Some((65_250, "hello")));
        assert_eq!(stamped("[00:00:10] $ kubectl get pods"), Some((10_000, "$ kubectl get pods")));
        assert_eq!(stamped("NAME READY"), None);
    }

    #[test]
    fn a_bad_trace_is_refused_with_its_line() {
        let good = r#"{"id":1,"t_ms":0,"cause":0,"component":"user","action":"kubectl","object":"","detail":"x"}"#;
        let truncated = format!("{good}\n{}", &good[..30]);
        let err = Timeline::from_trace("t.jsonl", &truncated).unwrap_err();
        assert!(err.starts_with("t.jsonl:2: the line is cut short"), "{err}");
        let err = Timeline::from_trace("t.jsonl", "apiVersion: v1\n").unwrap_err();
        assert!(err.starts_with("t.jsonl:1: not a kubesim trace event"), "{err}");
        let err = Timeline::from_trace("t.jsonl", &format!("{good}\n{good}")).unwrap_err();
        assert!(err.contains("out of order"), "{err}");
        assert_eq!(Timeline::from_trace("t.jsonl", "").unwrap().events.len(), 0);
    }
}
