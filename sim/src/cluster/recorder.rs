//! client-go's event correlator, one per component: a recorder remembers the Events it
//! sent in an LRU cache of 4,096 entries (`maxLruCacheEntries`), and an Event identical
//! to one found there bumps that one's count instead of making a new one. Each
//! component's cache is its own, as each process has its own, so a lookup searches a few
//! hundred entries of one kubelet, not every Event of the cluster.

use std::collections::{BTreeMap, VecDeque};

use crate::api::Str;

/// Events a recorder remembers (client-go's `maxLruCacheEntries`).
pub const REMEMBERED_EVENTS: usize = 4096;

/// Every component's recorder, by the component's trace name, and the sequence that
/// keeps Event names apart.
#[derive(Debug, Default)]
pub struct EventRecorders {
    recorders: BTreeMap<Str, Recorder>,
    /// Events created so far (the last digits of a new Event's name).
    pub(super) created: u64,
    /// The last message sent with each reason, shared by the Events that repeat it
    /// (every kubelet's `Created container: app`).
    messages: BTreeMap<Str, Str>,
}

/// One component's cache: Events by dedup key, least recently used first out.
#[derive(Debug, Default)]
struct Recorder {
    /// The name of the Event sent under each key (its namespace is its involved
    /// object's), and the tick of its last use.
    events: BTreeMap<u64, (Str, u64)>,
    /// Every use as (tick, key), oldest first. A key used again appears again later:
    /// an entry whose tick is not its key's last use is stale, and skipped.
    uses: VecDeque<(u64, u64)>,
    tick: u64,
}

impl Recorder {
    fn used(&mut self, key: u64) -> u64 {
        self.tick += 1;
        self.uses.push_back((self.tick, key));
        // Stale entries pile up only as Events repeat; sweep them once they outnumber
        // the live ones, so the log stays within twice the cache.
        if self.uses.len() > 2 * self.events.len() + 16 {
            let (events, now) = (&self.events, self.tick);
            // The use just logged stays: its key may not be stored or stamped yet.
            self.uses.retain(|(tick, key)| *tick == now || events.get(key).is_some_and(|(_, last)| last == tick));
        }
        self.tick
    }
}

impl EventRecorders {
    /// The name of the Event `component` sent under `key`, if its recorder still
    /// remembers it.
    pub fn recall(&mut self, component: &str, key: u64) -> Option<Str> {
        let recorder = self.recorders.get_mut(component)?;
        recorder.events.get(&key)?;
        let tick = recorder.used(key);
        let (name, last) = recorder.events.get_mut(&key).expect("found above");
        *last = tick;
        Some(name.clone())
    }

    /// Remembers that `component` sent the Event named `name` under `key`, forgetting
    /// its least recently used Event beyond [`REMEMBERED_EVENTS`].
    pub fn remember(&mut self, component: &str, key: u64, name: Str) {
        if !self.recorders.contains_key(component) {
            self.recorders.insert(component.into(), Recorder::default());
        }
        let recorder = self.recorders.get_mut(component).expect("inserted above");
        let tick = recorder.used(key);
        recorder.events.insert(key, (name, tick));
        while recorder.events.len() > REMEMBERED_EVENTS
            && let Some((tick, oldest)) = recorder.uses.pop_front()
        {
            if recorder.events.get(&oldest).is_some_and(|(_, last)| *last == tick) {
                recorder.events.remove(&oldest);
            }
        }
    }

    /// `message` as a shared string: the last one sent with `reason` if it is the same.
    pub fn message(&mut self, reason: &Str, message: &str) -> Str {
        match self.messages.get(reason) {
            Some(last) if **last == *message => last.clone(),
            _ => {
                let shared = Str::from(message);
                self.messages.insert(reason.clone(), shared.clone());
                shared
            }
        }
    }

    /// The component's process restarted: its recorder starts with an empty cache.
    pub fn forget(&mut self, component: &str) {
        self.recorders.remove(component);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(i: u64) -> Str {
        Str::format(format_args!("e{i}"))
    }

    #[test]
    fn a_recorder_forgets_its_least_recently_used_event_first() {
        let mut recorders = EventRecorders::default();
        for i in 0..REMEMBERED_EVENTS as u64 {
            recorders.remember("kubelet/node-1", i, event(i));
        }
        // Using the oldest keeps it; the next new one pushes out the second oldest.
        assert_eq!(recorders.recall("kubelet/node-1", 0), Some(event(0)));
        recorders.remember("kubelet/node-1", 9_999, event(9_999));
        assert_eq!(recorders.recall("kubelet/node-1", 1), None);
        assert_eq!(recorders.recall("kubelet/node-1", 0), Some(event(0)));
        assert_eq!(recorders.recall("kubelet/node-1", 9_999), Some(event(9_999)));
        // Another component's cache is its own, and a restart empties one.
        assert_eq!(recorders.recall("kubelet/node-2", 0), None);
        recorders.forget("kubelet/node-1");
        assert_eq!(recorders.recall("kubelet/node-1", 0), None);
    }

    #[test]
    fn an_event_repeated_many_times_keeps_the_use_log_short_and_its_place() {
        let mut recorders = EventRecorders::default();
        recorders.remember("kubelet/node-1", 1, event(1));
        recorders.remember("kubelet/node-1", 2, event(2));
        for _ in 0..1_000 {
            assert_eq!(recorders.recall("kubelet/node-1", 1), Some(event(1)));
        }
        let uses = recorders.recorders["kubelet/node-1"].uses.len();
        assert!(uses <= 2 * 2 + 17, "{uses} uses logged for 2 Events");
        // Event 2 is the least recently used: new Events push it out, not event 1.
        for i in 3..=REMEMBERED_EVENTS as u64 + 1 {
            recorders.remember("kubelet/node-1", i, event(i));
        }
        assert_eq!(recorders.recall("kubelet/node-1", 2), None);
        assert_eq!(recorders.recall("kubelet/node-1", 1), Some(event(1)));
        assert_eq!(recorders.recorders["kubelet/node-1"].events.len(), REMEMBERED_EVENTS);
    }

    #[test]
    fn a_message_repeated_with_its_reason_is_one_string() {
        let mut recorders = EventRecorders::default();
        let (created, started) = (Str::from("Created"), Str::from("Started"));
        let first = recorders.message(&created, "Created container: app");
        let again = recorders.message(&created, "Created container: app");
        assert!(first.ptr_eq(&again));
        // Another reason, or another message, is a string of its own.
        assert!(!first.ptr_eq(&recorders.message(&started, "Created container: app")));
        let other = recorders.message(&created, "Created container: db");
        assert_eq!((&*other, first.ptr_eq(&other)), ("Created container: db", false));
    }
}
