//! The trace: one stable line per simulation event, with the id of the event that
//! caused it. It is the run's ground truth: determinism tests compare it byte for byte,
//! and `explain-why` walks its causal links.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use super::time::SimTime;
use crate::api::Str;

/// One thing that happened in the cluster.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TraceEvent {
    /// Sequential id, starting at 1.
    pub id: u64,
    /// Simulated time in milliseconds.
    pub t_ms: u64,
    /// Id of the event that caused this one; 0 for user input and timers with no cause.
    pub cause: u64,
    /// Who did it: `user`, `apiserver`, `default-scheduler`, `kubelet/node-1`, ...
    pub component: Str,
    /// What was done: `create`, `update`, `delete`, `bind`, `container-started`, ...
    pub action: Str,
    /// The object it concerns, as `Kind namespace/name` or `Kind name`.
    pub object: String,
    /// Free text with the details.
    pub detail: String,
}

/// The stable human-readable line (`00:00:01.005 #12 <#7 kubelet/node-2 ...`).
impl fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (t, id, cause) = (SimTime(self.t_ms), self.id, self.cause);
        write!(f, "{t} #{id} <#{cause} {} {} {} {}", self.component, self.action, self.object, self.detail)
    }
}

impl TraceEvent {
    /// The stable human-readable line (see the `Display` impl).
    pub fn line(&self) -> String {
        self.to_string()
    }

    /// The JSON Lines form written by `--trace FILE.jsonl`.
    pub fn json(&self) -> String {
        serde_json::to_string(self).expect("trace events always serialize")
    }
}

/// All events of a run, in order.
#[derive(Debug, Default)]
pub struct Trace {
    events: Vec<TraceEvent>,
    /// Every component and action name seen, shared by the lines that carry it (and the
    /// other few-valued strings of a run: event reasons, node names).
    names: BTreeSet<Str>,
    /// The last component named: one component usually records several lines in a row.
    last_component: Option<Str>,
}

impl Trace {
    /// Records an event and returns its id.
    pub fn record(
        &mut self,
        now: SimTime,
        cause: u64,
        component: &str,
        action: &str,
        object: String,
        detail: String,
    ) -> u64 {
        let id = self.events.len() as u64 + 1;
        let component = match &self.last_component {
            Some(last) if *last == component => last.clone(),
            _ => {
                let name = self.intern(component);
                self.last_component = Some(name.clone());
                name
            }
        };
        let action = self.intern(action);
        self.events.push(TraceEvent { id, t_ms: now.as_ms(), cause, component, action, object, detail });
        id
    }

    /// `name` as a `Str` shared with every other use of the same name in this run: for
    /// strings with few values and many uses.
    pub fn intern(&mut self, name: &str) -> Str {
        if let Some(shared) = self.names.get(name) {
            return shared.clone();
        }
        let shared = Str::from(name);
        self.names.insert(shared.clone());
        shared
    }

    /// Every event so far.
    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }

    /// A fingerprint of the whole trace (FNV-1a over its lines): equal for runs whose
    /// traces are byte-identical, printed in hex by the benchmark and the replays.
    pub fn hash_hex(&self) -> String {
        use std::fmt::Write;
        let mut hash = super::hash::Fnv64::default();
        for e in &self.events {
            writeln!(hash, "{e}").expect("hashing cannot fail");
        }
        format!("{:016x}", hash.finish())
    }

    /// The event with this id.
    pub fn get(&self, id: u64) -> Option<&TraceEvent> {
        id.checked_sub(1).and_then(|i| self.events.get(i as usize))
    }

    /// The causal chain ending at `id`, oldest first.
    pub fn chain(&self, id: u64) -> Vec<&TraceEvent> {
        let mut chain = Vec::new();
        let mut next = id;
        while let Some(event) = self.get(next) {
            chain.push(event);
            // Causes always precede their effects, so this terminates.
            if event.cause >= event.id {
                break;
            }
            next = event.cause;
        }
        chain.reverse();
        chain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_walks_causes_back_to_the_root() {
        let mut trace = Trace::default();
        let a = trace.record(SimTime(0), 0, "user", "crash", "Node node-1".into(), String::new());
        let _noise = trace.record(SimTime(1), 0, "user", "noop", String::new(), String::new());
        let b = trace.record(SimTime(2), a, "node-controller", "update", "Node node-1".into(), String::new());
        let ids: Vec<u64> = trace.chain(b).iter().map(|e| e.id).collect();
        assert_eq!(ids, [a, b]);
        assert!(trace.events()[0].line().starts_with("00:00:00 #1 <#0 user crash Node node-1"));
    }
}
