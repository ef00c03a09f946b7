//! The event queue, ordered by (time, sequence number), so events at the same instant
//! run in the order they were scheduled, on every run.

use std::collections::{BTreeMap, VecDeque};

use super::time::SimTime;

/// An event taken from the queue, with the trace id of what caused it.
#[derive(Debug)]
pub struct Scheduled<E> {
    /// When it fires.
    pub at: SimTime,
    /// The trace id of the event that scheduled this one (0 = none).
    pub cause: u64,
    /// The payload.
    pub event: E,
}

/// An event in its instant's FIFO: the instant is the FIFO's, and its place in the FIFO
/// is its order of scheduling, so neither is stored (millions wait at a burst's peak).
#[derive(Debug)]
struct Waiting<E> {
    cause: u64,
    event: E,
}

/// A deterministic discrete-event queue: one FIFO per instant. Events crowd onto few
/// instants (every write is watched 5 ms later), so popping takes the front of the
/// earliest FIFO instead of sifting a heap of every pending event; the order is the
/// heap's, (time, sequence number), since a FIFO keeps the order of scheduling.
#[derive(Debug)]
pub struct EventQueue<E> {
    instants: BTreeMap<SimTime, VecDeque<Waiting<E>>>,
    /// Emptied FIFOs, kept for reuse: a run passes through millions of instants.
    spare: Vec<VecDeque<Waiting<E>>>,
    /// Emptied FIFOs of bursts (a Deployment's thousands of pods are written at one
    /// instant), kept so that the next burst grows into memory already in use instead
    /// of copying itself over and over into fresh pages.
    spare_large: Vec<VecDeque<Waiting<E>>>,
    len: usize,
}

/// How many emptied FIFOs are kept, and the largest kept among them.
const SPARE_FIFOS: usize = 64;
const SPARE_CAPACITY: usize = 256;
/// How many emptied FIFOs larger than that are kept.
const SPARE_LARGE_FIFOS: usize = 2;

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { instants: BTreeMap::new(), spare: Vec::new(), spare_large: Vec::new(), len: 0 }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at`, caused by trace event `cause`.
    pub fn push(&mut self, at: SimTime, cause: u64, event: E) {
        let fifo = self.instants.entry(at).or_insert_with(|| self.spare.pop().unwrap_or_default());
        // A FIFO outgrowing the small ones moves into a burst's kept FIFO, if there is one.
        if fifo.len() == fifo.capacity()
            && fifo.len() >= SPARE_CAPACITY
            && let Some(mut large) = self.spare_large.pop()
        {
            large.extend(fifo.drain(..));
            let outgrown = std::mem::replace(fifo, large);
            keep(&mut self.spare, &mut self.spare_large, outgrown);
        }
        fifo.push_back(Waiting { cause, event });
        self.len += 1;
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.instants.first_key_value().map(|(at, _)| *at)
    }

    /// Removes and returns the earliest event if it is due at or before `until`.
    pub fn pop_due(&mut self, until: SimTime) -> Option<Scheduled<E>> {
        let mut earliest = self.instants.first_entry()?;
        if *earliest.key() > until {
            return None;
        }
        let at = *earliest.key();
        let Waiting { cause, event } = earliest.get_mut().pop_front().expect("an instant in the queue holds events");
        if earliest.get().is_empty() {
            keep(&mut self.spare, &mut self.spare_large, earliest.remove());
        }
        self.len -= 1;
        Some(Scheduled { at, cause, event })
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Keeps an emptied (or outgrown) FIFO for reuse, among the small or the large ones by
/// its capacity, if there is room.
fn keep<T>(spare: &mut Vec<VecDeque<T>>, spare_large: &mut Vec<VecDeque<T>>, fifo: VecDeque<T>) {
    if fifo.capacity() <= SPARE_CAPACITY {
        if spare.len() < SPARE_FIFOS {
            spare.push(fifo);
        }
    } else if spare_large.len() < SPARE_LARGE_FIFOS {
        spare_large.push(fifo);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_instant_keeps_insertion_order() {
        let mut q = EventQueue::default();
        q.push(SimTime(5), 0, "b");
        q.push(SimTime(1), 0, "a");
        q.push(SimTime(5), 0, "c");
        let order: Vec<_> = std::iter::from_fn(|| q.pop_due(SimTime(10))).map(|s| s.event).collect();
        assert_eq!(order, ["a", "b", "c"]);
        assert!(q.is_empty());
    }

    #[test]
    fn events_scheduled_while_popping_keep_time_then_sequence_order() {
        let mut q = EventQueue::default();
        q.push(SimTime(2), 0, 1);
        q.push(SimTime(1), 0, 2);
        let first = q.pop_due(SimTime(9)).unwrap();
        assert_eq!((first.at, first.event), (SimTime(1), 2));
        q.push(SimTime(2), 7, 3);
        q.push(SimTime(1), 0, 4);
        let rest: Vec<_> =
            std::iter::from_fn(|| q.pop_due(SimTime(9))).map(|s| (s.at.as_ms(), s.cause, s.event)).collect();
        assert_eq!(rest, [(1, 0, 4), (2, 0, 1), (2, 7, 3)]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn a_burst_moving_into_a_kept_fifo_keeps_its_order() {
        let mut q = EventQueue::default();
        for i in 0..1_000 {
            q.push(SimTime(1), 0, i);
        }
        assert_eq!(std::iter::from_fn(|| q.pop_due(SimTime(1))).count(), 1_000);
        assert_eq!(q.spare_large.len(), 1, "the burst's FIFO is kept");
        // The next burst outgrows a small FIFO and moves into the kept one mid-way.
        for i in 0..600 {
            q.push(SimTime(2), 0, i);
        }
        q.push(SimTime(3), 0, 600);
        assert!(q.spare_large.is_empty(), "the kept FIFO is in use");
        let order: Vec<i32> = std::iter::from_fn(|| q.pop_due(SimTime(3))).map(|s| s.event).collect();
        assert_eq!(order, (0..=600).collect::<Vec<_>>());
    }

    #[test]
    fn pop_due_respects_the_horizon() {
        let mut q = EventQueue::default();
        q.push(SimTime(5), 0, ());
        assert!(q.pop_due(SimTime(4)).is_none());
        assert!(q.pop_due(SimTime(5)).is_some());
    }
}
