//! client-go's event correlator (`tools/record/events_cache.go`), one per component, as
//! each process has its own. Three caches of 4,096 entries (`maxLruCacheEntries`), each
//! least recently used out, decide what becomes of an Event:
//! - the aggregator: Events that differ only in their message (same source, object, type
//!   and reason) are similar; from the 10th distinct message within 10 minutes of the
//!   last, an Event becomes one Event under the group's key, whose message says it is
//!   `(combined from similar events)`;
//! - the logger: an Event identical to one sent before bumps that one's count;
//! - the spam filter: a token bucket per source and object lets 25 Events through at
//!   once, then one every 5 minutes; an Event beyond that is dropped, but the logger
//!   has counted it, so a repeat sent later carries the count of those dropped.
//!
//! client-go's sender also logs each Event the server returns under that Event's own
//! key (`UpdateState`), a second entry for a combined Event; kubesim does not, so its
//! logger holds a little more before it forgets.
//!
//! The scheduler records through `tools/events` (events.k8s.io), which neither
//! aggregates nor filters: its recorder only counts repeats.

use std::collections::{BTreeMap, VecDeque};

use crate::api::Str;
use crate::engine::SimTime;

/// Entries each cache keeps (client-go's `maxLruCacheEntries`).
pub const REMEMBERED_EVENTS: usize = 4096;

/// Distinct messages of similar Events before they are combined
/// (`defaultAggregateMaxEvents`).
const SIMILAR_BEFORE_COMBINED: usize = 10;

/// How long similar Events stay grouped after the last of them
/// (`defaultAggregateIntervalInSeconds`).
const SIMILAR_WINDOW_MS: u64 = 600_000;

/// Events a source may send about one object at once (`defaultSpamBurst`).
const SPAM_BURST: u64 = 25;

/// And then one every 5 minutes (`defaultSpamQPS` = 1/300).
const SPAM_REFILL_MS: u64 = 300_000;

/// The prefix of a combined Event's message (`EventAggregatorByReasonMessageFunc`).
pub const COMBINED: &str = "(combined from similar events): ";

/// Every component's recorder, by the component's trace name, and the sequence that
/// keeps Event names apart.
#[derive(Debug, Default)]
pub struct EventRecorders {
    /// By a hash of the name, then the name: a large cluster has thousands of kubelets,
    /// whose names differ only in their last characters.
    recorders: BTreeMap<u64, Vec<(Str, Recorder)>>,
    /// Events named so far (the last digits of a new Event's name).
    pub(super) named: u64,
    /// The last message sent with each reason, shared by the Events that repeat it
    /// (every kubelet's `Created container: app`).
    messages: BTreeMap<Str, Str>,
}

/// What identifies an Event to the correlator, as hashes of its fields.
#[derive(Debug, Clone, Copy)]
pub struct EventKeys {
    /// Every field the logger compares (`getEventKey`).
    pub event: u64,
    /// The fields similar Events share: all but the message (`EventAggregatorByReasonFunc`).
    pub similar: u64,
    /// The message alone.
    pub message: u64,
    /// The source and the object (`getSpamKey`).
    pub source_object: u64,
}

/// What the correlator made of an Event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correlated {
    /// Send it: create the Event `name`, or bump it to `count` if it exists.
    Send {
        /// The Event's name: new, or the one the logger remembers.
        name: Str,
        /// Occurrences so far, dropped ones included.
        count: i32,
        /// When it was first seen.
        first: SimTime,
        /// Whether it stands for similar Events (its message is prefixed with [`COMBINED`]).
        combined: bool,
    },
    /// The spam filter drops it.
    Dropped,
}

/// One component's correlator.
#[derive(Debug, Default)]
struct Recorder {
    logged: Lru<Logged>,
    similar: Lru<Similar>,
    buckets: Lru<Bucket>,
}

/// The logger's memory of an Event sent (`eventLog`).
#[derive(Debug)]
struct Logged {
    name: Str,
    count: i32,
    first: SimTime,
}

/// The aggregator's memory of a group of similar Events (`aggregateRecord`).
#[derive(Debug)]
struct Similar {
    messages: Messages,
    last: SimTime,
}

/// A group's distinct messages, as hashes (never more than the threshold less one).
/// Almost every group has one (a kubelet's Pulled, Created or Started about a pod): it
/// is kept in place, and more spill into a sorted slice (rebuilt on a new message:
/// at most nine, and rare).
#[derive(Debug)]
enum Messages {
    One(u64),
    Many(Box<[u64]>),
}

impl Messages {
    /// Adds `message` if it is new; returns how many distinct messages there are.
    fn add(&mut self, message: u64) -> usize {
        let (mut all, at) = match self {
            Messages::One(only) if *only == message => return 1,
            Messages::One(only) => (vec![*only], usize::from(*only < message)),
            Messages::Many(all) => match all.binary_search(&message) {
                Ok(_) => return all.len(),
                Err(at) => (all.to_vec(), at),
            },
        };
        all.insert(at, message);
        let len = all.len();
        *self = Messages::Many(all.into_boxed_slice());
        len
    }

    /// Forgets the first message in order.
    fn pop_first(&mut self) {
        if let Messages::Many(all) = self {
            *all = all[1..].into();
        }
    }
}

/// A spam filter's token bucket, its tokens counted in milliseconds of refill.
#[derive(Debug)]
struct Bucket {
    credit_ms: u64,
    at: SimTime,
}

impl Bucket {
    const FULL_MS: u64 = SPAM_BURST * SPAM_REFILL_MS;

    /// Takes a token if one has been earned by `now`.
    fn try_take(&mut self, now: SimTime) -> bool {
        let earned = now.as_ms().saturating_sub(self.at.as_ms());
        self.credit_ms = self.credit_ms.saturating_add(earned).min(Self::FULL_MS);
        self.at = now;
        let allowed = self.credit_ms >= SPAM_REFILL_MS;
        if allowed {
            self.credit_ms -= SPAM_REFILL_MS;
        }
        allowed
    }
}

impl Recorder {
    /// The aggregator: the logger's key for this Event, and whether it is combined.
    fn aggregate(&mut self, now: SimTime, keys: EventKeys) -> (u64, bool) {
        let fresh = Similar { messages: Messages::One(keys.message), last: now };
        let group = match self.similar.get_mut(keys.similar) {
            Some(group) if now.as_ms().saturating_sub(group.last.as_ms()) <= SIMILAR_WINDOW_MS => group,
            _ => self.similar.insert(keys.similar, fresh),
        };
        group.last = now;
        if group.messages.add(keys.message) < SIMILAR_BEFORE_COMBINED {
            return (keys.event, false);
        }
        // client-go pops an arbitrary message to stay under the threshold; the first in
        // order here, so that runs repeat.
        group.messages.pop_first();
        (keys.similar, true)
    }

    /// The spam filter: whether the source may send another Event about the object.
    fn allows(&mut self, now: SimTime, source_object: u64) -> bool {
        let bucket = match self.buckets.get_mut(source_object) {
            Some(bucket) => bucket,
            None => self.buckets.insert(source_object, Bucket { credit_ms: Bucket::FULL_MS, at: now }),
        };
        bucket.try_take(now)
    }
}

impl EventRecorders {
    /// Runs an Event of `component` through its correlator (the logger alone unless
    /// `correlated`). `name` names a new Event.
    pub fn correlate(
        &mut self,
        component: &str,
        correlated: bool,
        now: SimTime,
        keys: EventKeys,
        name: impl FnOnce(&mut u64) -> Str,
    ) -> Correlated {
        let named_alike = self.recorders.entry(name_hash(component)).or_default();
        let at = match named_alike.iter().position(|(name, _)| **name == *component) {
            Some(at) => at,
            None => {
                named_alike.push((component.into(), Recorder::default()));
                named_alike.len() - 1
            }
        };
        let recorder = &mut named_alike[at].1;
        let (key, combined) = if correlated { recorder.aggregate(now, keys) } else { (keys.event, false) };
        let (name, count, first) = match recorder.logged.get_mut(key) {
            Some(logged) => {
                logged.count = logged.count.saturating_add(1);
                (logged.name.clone(), logged.count, logged.first)
            }
            None => {
                let logged = Logged { name: name(&mut self.named), count: 1, first: now };
                let logged = recorder.logged.insert(key, logged);
                (logged.name.clone(), 1, now)
            }
        };
        if correlated && !recorder.allows(now, keys.source_object) {
            return Correlated::Dropped;
        }
        Correlated::Send { name, count, first, combined }
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

    /// The component's process restarted: its recorder starts with empty caches.
    pub fn forget(&mut self, component: &str) {
        let hash = name_hash(component);
        if let Some(named_alike) = self.recorders.get_mut(&hash) {
            named_alike.retain(|(name, _)| **name != *component);
            if named_alike.is_empty() {
                self.recorders.remove(&hash);
            }
        }
    }
}

fn name_hash(component: &str) -> u64 {
    crate::engine::hash::Fnv64::default().write(component.as_bytes()).finish()
}

/// A cache of [`REMEMBERED_EVENTS`] entries by key, least recently used out first.
#[derive(Debug)]
struct Lru<V> {
    /// Each entry, and the tick of its last use.
    entries: BTreeMap<u64, (V, u64)>,
    /// Every use as (tick, key), oldest first, kept from the first time the cache
    /// overflows (most never do: a kubelet's hold its pods' few Events). A key used again
    /// appears again later: an entry whose tick is not its key's last use is stale, and
    /// skipped.
    uses: Option<VecDeque<(u64, u64)>>,
    tick: u64,
}

impl<V> Default for Lru<V> {
    fn default() -> Self {
        Self { entries: BTreeMap::new(), uses: None, tick: 0 }
    }
}

impl<V> Lru<V> {
    /// The entry under `key`, now the most recently used.
    fn get_mut(&mut self, key: u64) -> Option<&mut V> {
        let (_, last) = self.entries.get_mut(&key)?;
        self.tick += 1;
        *last = self.tick;
        if let Some(uses) = &mut self.uses {
            log(uses, &self.entries, self.tick, key);
        }
        Some(&mut self.entries.get_mut(&key).expect("found above").0)
    }

    /// Stores `value` under `key`, forgetting the least recently used entry beyond
    /// [`REMEMBERED_EVENTS`].
    fn insert(&mut self, key: u64, value: V) -> &mut V {
        self.tick += 1;
        self.entries.insert(key, (value, self.tick));
        if let Some(uses) = &mut self.uses {
            log(uses, &self.entries, self.tick, key);
        } else if self.entries.len() > REMEMBERED_EVENTS {
            let mut uses: Vec<(u64, u64)> = self.entries.iter().map(|(key, (_, tick))| (*tick, *key)).collect();
            uses.sort_unstable();
            self.uses = Some(uses.into());
        }
        if let Some(uses) = &mut self.uses {
            while self.entries.len() > REMEMBERED_EVENTS
                && let Some((tick, oldest)) = uses.pop_front()
            {
                if self.entries.get(&oldest).is_some_and(|(_, last)| *last == tick) {
                    self.entries.remove(&oldest);
                }
            }
        }
        &mut self.entries.get_mut(&key).expect("the newest entry stays").0
    }
}

/// Logs a use of `key` at `tick`. Stale uses pile up only as keys are used again; they
/// are swept once they outnumber the live ones, so the log stays within twice the cache.
fn log<V>(uses: &mut VecDeque<(u64, u64)>, entries: &BTreeMap<u64, (V, u64)>, tick: u64, key: u64) {
    uses.push_back((tick, key));
    if uses.len() > 2 * entries.len() + 16 {
        uses.retain(|(tick, key)| entries.get(key).is_some_and(|(_, last)| last == tick));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(event: u64, similar: u64, message: u64, source_object: u64) -> EventKeys {
        EventKeys { event, similar, message, source_object }
    }

    fn name(n: &mut u64) -> Str {
        *n += 1;
        Str::format(format_args!("e{n}"))
    }

    fn sent(name: &str, count: i32, first_ms: u64, combined: bool) -> Correlated {
        Correlated::Send { name: name.into(), count, first: SimTime(first_ms), combined }
    }

    #[test]
    fn a_cache_forgets_its_least_recently_used_entry_first() {
        let mut lru = Lru::default();
        for i in 0..REMEMBERED_EVENTS as u64 {
            lru.insert(i, i);
        }
        // Using the oldest keeps it; the next new one pushes out the second oldest.
        assert_eq!(lru.get_mut(0), Some(&mut 0));
        lru.insert(9_999, 9_999);
        assert_eq!(lru.get_mut(1), None);
        assert_eq!(lru.get_mut(0), Some(&mut 0));
        assert_eq!(lru.get_mut(9_999), Some(&mut 9_999));
    }

    #[test]
    fn an_entry_used_many_times_keeps_the_use_log_short_and_its_place() {
        let mut lru = Lru::default();
        lru.insert(1, 1);
        lru.insert(2, 2);
        for _ in 0..1_000 {
            assert_eq!(lru.get_mut(1), Some(&mut 1));
        }
        // Nothing is logged before the cache overflows.
        assert!(lru.uses.is_none());
        // Entry 2 is the least recently used: new entries push it out, not entry 1.
        for i in 3..=REMEMBERED_EVENTS as u64 + 1 {
            lru.insert(i, i);
        }
        assert_eq!(lru.get_mut(2), None);
        assert_eq!(lru.get_mut(1), Some(&mut 1));
        assert_eq!(lru.entries.len(), REMEMBERED_EVENTS);
        for _ in 0..10_000 {
            assert_eq!(lru.get_mut(1), Some(&mut 1));
        }
        let logged = lru.uses.as_ref().expect("logged since the overflow").len();
        assert!(logged <= 2 * REMEMBERED_EVENTS + 17, "{logged} uses logged for {REMEMBERED_EVENTS} entries");
        // Entry 3 is now the least recently used.
        lru.insert(0, 0);
        assert_eq!(lru.get_mut(3), None);
        assert_eq!(lru.get_mut(1), Some(&mut 1));
    }

    #[test]
    fn an_identical_event_is_counted_and_a_restart_forgets_it() {
        let mut recorders = EventRecorders::default();
        let at = |ms| SimTime(ms);
        assert_eq!(recorders.correlate("kubelet/node-1", true, at(0), keys(1, 2, 3, 4), name), sent("e1", 1, 0, false));
        assert_eq!(recorders.correlate("kubelet/node-1", true, at(5), keys(1, 2, 3, 4), name), sent("e1", 2, 0, false));
        // Another component's cache is its own, and a restart empties one.
        assert_eq!(recorders.correlate("kubelet/node-2", true, at(5), keys(1, 2, 3, 4), name), sent("e2", 1, 5, false));
        recorders.forget("kubelet/node-1");
        assert_eq!(recorders.correlate("kubelet/node-1", true, at(9), keys(1, 2, 3, 4), name), sent("e3", 1, 9, false));
    }

    #[test]
    fn the_tenth_distinct_message_of_similar_events_is_combined_and_counted_on() {
        let mut recorders = EventRecorders::default();
        let mut send = |message: u64, ms: u64| {
            recorders.correlate("replicaset-controller", true, SimTime(ms), keys(100 + message, 7, message, 8), name)
        };
        for m in 1..=9 {
            assert_eq!(send(m, m), sent(&format!("e{m}"), 1, m, false), "message {m}");
        }
        assert_eq!(send(10, 10), sent("e10", 1, 10, true));
        assert_eq!(send(11, 11), sent("e10", 2, 10, true));
        // A message still among the nine remembered is its own Event again.
        assert_eq!(send(5, 12), sent("e5", 2, 5, false));
        // Ten minutes after the last similar Event, the group starts afresh.
        assert_eq!(send(12, 12 + SIMILAR_WINDOW_MS + 1), sent("e11", 1, 12 + SIMILAR_WINDOW_MS + 1, false));
    }

    #[test]
    fn a_group_keeps_one_message_in_place_and_more_in_order() {
        assert_eq!(std::mem::size_of::<Messages>(), 16);
        let mut messages = Messages::One(5);
        assert_eq!(messages.add(5), 1);
        assert!(matches!(messages, Messages::One(5)));
        assert_eq!((messages.add(3), messages.add(9), messages.add(3)), (2, 3, 3));
        messages.pop_first();
        assert!(matches!(&messages, Messages::Many(all) if **all == [5, 9]));
    }

    #[test]
    fn a_source_sends_25_events_about_an_object_then_one_every_5_minutes() {
        let mut recorders = EventRecorders::default();
        let mut send = |event: u64, ms: u64| {
            recorders.correlate("kubelet/node-1", true, SimTime(ms), keys(event, event, event, 9), name)
        };
        for i in 0..SPAM_BURST {
            assert!(matches!(send(i, 0), Correlated::Send { .. }), "event {i}");
        }
        assert_eq!(send(0, 1_000), Correlated::Dropped);
        assert_eq!(send(0, SPAM_REFILL_MS - 1), Correlated::Dropped);
        // The count of the next one sent includes the dropped ones.
        assert_eq!(send(0, SPAM_REFILL_MS), sent("e1", 4, 0, false));
        assert_eq!(send(0, SPAM_REFILL_MS + 1), Correlated::Dropped);
        // The scheduler's recorder only counts.
        for i in 0..2 * SPAM_BURST {
            let correlated = recorders.correlate("default-scheduler", false, SimTime(0), keys(i % 3, 1, i, 9), name);
            assert!(matches!(correlated, Correlated::Send { combined: false, .. }));
        }
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
