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
    instants: BTreeMap<SimTime, Fifo<E>>,
    /// Emptied small FIFOs, kept for reuse: a run passes through millions of instants.
    spare: Vec<VecDeque<Waiting<E>>>,
    /// Emptied blocks, kept so that the next burst fills memory already in use instead
    /// of fresh pages.
    spare_blocks: Vec<VecDeque<Waiting<E>>>,
    len: usize,
}

/// An instant's events: one FIFO that grows as usual up to a block, then further
/// blocks of [`BLOCK`]. A burst (a Deployment's thousands of pods are written at one
/// instant, and each write is delivered to several watchers) then costs its events and
/// at most one partly filled block, not a doubling vector's spare half, and each block
/// is given back as soon as it has been popped.
#[derive(Debug)]
struct Fifo<E> {
    head: VecDeque<Waiting<E>>,
    /// Full blocks and the last one being filled, after `head`.
    rest: VecDeque<VecDeque<Waiting<E>>>,
}

/// Events in a block of a burst.
const BLOCK: usize = 4096;
/// How many emptied small FIFOs are kept, and the largest kept among them.
const SPARE_FIFOS: usize = 64;
const SPARE_CAPACITY: usize = 256;
/// How many emptied blocks are kept.
const SPARE_BLOCKS: usize = 8;

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { instants: BTreeMap::new(), spare: Vec::new(), spare_blocks: Vec::new(), len: 0 }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at`, caused by trace event `cause`.
    pub fn push(&mut self, at: SimTime, cause: u64, event: E) {
        let fifo = self
            .instants
            .entry(at)
            .or_insert_with(|| Fifo { head: self.spare.pop().unwrap_or_default(), rest: VecDeque::new() });
        let last = fifo.rest.back_mut().unwrap_or(&mut fifo.head);
        if last.len() >= BLOCK {
            let block = self.spare_blocks.pop().unwrap_or_else(|| VecDeque::with_capacity(BLOCK));
            fifo.rest.push_back(block);
        }
        fifo.rest.back_mut().unwrap_or(&mut fifo.head).push_back(Waiting { cause, event });
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
        let fifo = earliest.get_mut();
        let Waiting { cause, event } = fifo.head.pop_front().expect("an instant in the queue holds events");
        if fifo.head.is_empty() {
            match fifo.rest.pop_front() {
                Some(next) => {
                    let popped = std::mem::replace(&mut fifo.head, next);
                    self.keep(popped);
                }
                None => {
                    let emptied = earliest.remove().head;
                    self.keep(emptied);
                }
            }
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

    /// Keeps an emptied FIFO or block for reuse, among the small ones or the blocks by
    /// its capacity, if there is room; frees it otherwise.
    fn keep(&mut self, emptied: VecDeque<Waiting<E>>) {
        if emptied.capacity() <= SPARE_CAPACITY {
            if self.spare.len() < SPARE_FIFOS {
                self.spare.push(emptied);
            }
        } else if emptied.capacity() == BLOCK && self.spare_blocks.len() < SPARE_BLOCKS {
            self.spare_blocks.push(emptied);
        }
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
    fn a_burst_spans_blocks_in_order_and_gives_them_back() {
        let mut q = EventQueue::default();
        let burst = 2 * BLOCK + BLOCK / 2;
        for i in 0..burst {
            q.push(SimTime(1), 0, i);
        }
        q.push(SimTime(0), 0, usize::MAX);
        let fifo = &q.instants[&SimTime(1)];
        assert_eq!(fifo.rest.len(), 2, "two blocks after a head grown to one");
        assert!(fifo.rest.iter().all(|block| block.capacity() == BLOCK));
        assert_eq!(q.pop_due(SimTime(1)).unwrap().event, usize::MAX);
        let order: Vec<usize> = std::iter::from_fn(|| q.pop_due(SimTime(1))).map(|s| s.event).collect();
        assert_eq!(order, (0..burst).collect::<Vec<_>>());
        assert!(q.is_empty() && q.instants.is_empty());
        // The full blocks are kept for the next burst (and the head too, if it grew to
        // a block's size), which fills them again, in order.
        let kept = q.spare_blocks.len();
        assert!(kept >= 2, "{kept} blocks kept");
        for i in 0..burst {
            q.push(SimTime(2), 0, i);
        }
        assert_eq!(q.spare_blocks.len(), kept - 2);
        let order: Vec<usize> = std::iter::from_fn(|| q.pop_due(SimTime(2))).map(|s| s.event).collect();
        assert_eq!(order, (0..burst).collect::<Vec<_>>());
    }

    #[test]
    fn pop_due_respects_the_horizon() {
        let mut q = EventQueue::default();
        q.push(SimTime(5), 0, ());
        assert!(q.pop_due(SimTime(4)).is_none());
        assert!(q.pop_due(SimTime(5)).is_some());
    }
}
