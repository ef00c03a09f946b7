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

/// Where an event waits: its time, its sequence number and the slot of its payload.
/// The heap moves only these 24 bytes as it sifts; the payloads stay put in the slab.
#[derive(Debug, PartialEq, Eq)]
struct Entry {
    at: SimTime,
    seq: u64,
    slot: u32,
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest first.
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// A deterministic discrete-event queue.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry>,
    /// Payloads with their causes, by slot; a popped event's slot is reused.
    slab: Vec<Option<(u64, E)>>,
    free: Vec<u32>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { heap: BinaryHeap::new(), slab: Vec::new(), free: Vec::new(), next_seq: 0 }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at`, caused by trace event `cause`.
    pub fn push(&mut self, at: SimTime, cause: u64, event: E) {
        self.next_seq += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = Some((cause, event));
                slot
            }
            None => {
                self.slab.push(Some((cause, event)));
                u32::try_from(self.slab.len() - 1).expect("fewer than 4 billion pending events")
            }
        };
        self.heap.push(Entry { at, seq: self.next_seq, slot });
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.at)
    }

    /// Removes and returns the earliest event if it is due at or before `until`.
    pub fn pop_due(&mut self, until: SimTime) -> Option<Scheduled<E>> {
        if self.peek_time()? > until {
            return None;
        }
        let Entry { at, seq, slot } = self.heap.pop()?;
        let (cause, event) = self.slab[slot as usize].take().expect("a queued slot holds its event");
        self.free.push(slot);
        Some(Scheduled { at, seq, cause, event })
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
