//! The event queue: a min-heap ordered by (time, sequence number), so events at the same
//! instant run in the order they were scheduled, on every run.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::SimTime;

/// An event waiting in the queue, with the trace id of what caused it.
#[derive(Debug)]
pub struct Scheduled<E> {
    /// When it fires.
    pub at: SimTime,
    /// Tie-breaker: insertion order.
    pub seq: u64,
    /// The trace id of the event that scheduled this one (0 = none).
    pub cause: u64,
    /// The payload.
    pub event: E,
}

impl<E> PartialEq for Scheduled<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<E> Eq for Scheduled<E> {}
impl<E> PartialOrd for Scheduled<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Scheduled<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest first.
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// A deterministic discrete-event queue.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Scheduled<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { heap: BinaryHeap::new(), next_seq: 0 }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at`, caused by trace event `cause`.
    pub fn push(&mut self, at: SimTime, cause: u64, event: E) {
        self.next_seq += 1;
        self.heap.push(Scheduled { at, seq: self.next_seq, cause, event });
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|s| s.at)
    }

    /// Removes and returns the earliest event if it is due at or before `until`.
    pub fn pop_due(&mut self, until: SimTime) -> Option<Scheduled<E>> {
        if self.peek_time()? <= until { self.heap.pop() } else { None }
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
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
    }

    #[test]
    fn pop_due_respects_the_horizon() {
        let mut q = EventQueue::default();
        q.push(SimTime(5), 0, ());
        assert!(q.pop_due(SimTime(4)).is_none());
        assert!(q.pop_due(SimTime(5)).is_some());
    }
}
