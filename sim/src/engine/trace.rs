//! The trace: one stable line per simulation event, with the id of the event that
//! caused it. It is the run's ground truth: determinism tests compare it byte for byte,
//! and `explain-why` walks its causal links.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::ControlFlow;

use serde::Serialize;

use super::time::SimTime;
use crate::api::Str;

/// One thing that happened in the cluster, as the trace hands it out (it stores lines
/// more compactly: a run can have millions).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct TraceEvent<'a> {
    /// Sequential id, starting at 1.
    pub id: u64,
    /// Simulated time in milliseconds.
    pub t_ms: u64,
    /// Id of the event that caused this one; 0 for user input and timers with no cause.
    pub cause: u64,
    /// Who did it: `user`, `apiserver`, `default-scheduler`, `kubelet/node-1`, ...
    pub component: &'a str,
    /// What was done: `create`, `update`, `delete`, `bind`, `container-started`, ...
    pub action: &'a str,
    /// The object it concerns, as `Kind namespace/name` or `Kind name`.
    pub object: &'a str,
    /// Free text with the details.
    pub detail: &'a str,
}

/// The stable human-readable line (`00:00:01.005 #12 <#7 kubelet/node-2 ...`).
impl fmt::Display for TraceEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (t, id, cause) = (SimTime(self.t_ms), self.id, self.cause);
        write!(f, "{t} #{id} <#{cause} {} {} {} {}", self.component, self.action, self.object, self.detail)
    }
}

impl TraceEvent<'_> {
    /// The stable human-readable line (see the `Display` impl).
    pub fn line(&self) -> String {
        self.to_string()
    }

    /// The JSON Lines form written by `--trace FILE.jsonl`.
    pub fn json(&self) -> String {
        serde_json::to_string(self).expect("trace events always serialize")
    }
}

/// A stored line: 32 bytes, its text in its chunk's text. The component and action are
/// indexes into the trace's names; the object and the detail are one string there.
#[derive(Debug)]
struct Line {
    t_ms: u64,
    cause: u64,
    component: u32,
    action: u32,
    /// Where the text ends in the chunk's text (it starts where the line before ends),
    /// and how long its object part is.
    text_end: u32,
    object_len: u32,
}

/// Lines are kept in chunks of this many, so that the trace grows without copying
/// itself (a doubling vector of millions of lines would briefly hold two copies).
const CHUNK: usize = 1 << 14;

/// Room for a chunk's text, reserved at once (pages the text never reaches are never
/// touched): lines average about 100 bytes.
const CHUNK_TEXT: usize = CHUNK * 128;

/// `CHUNK` lines and their texts, one after another: a line costs no allocation of its
/// own.
#[derive(Debug)]
struct Chunk {
    lines: Vec<Line>,
    text: Text,
}

/// A chunk's text: one string while lines are written into it, then packed with LZ4. The
/// text is most of a large run's trace and repeats itself (names, verbs, field names):
/// packed, it takes about a sixth of the memory.
#[derive(Debug)]
enum Text {
    Open(String),
    Packed {
        lz4: Box<[u8]>,
        /// The text, once `Trace::get` read a line of the chunk (the few chunks a
        /// causal chain runs through).
        unpacked: OnceCell<Box<str>>,
    },
}

impl Chunk {
    /// The chunk's whole text: its length is where its last line ends.
    fn text_len(&self) -> usize {
        self.lines.last().map_or(0, |line| line.text_end as usize)
    }

    /// The text of the last chunk, which lines are written into.
    fn open(&mut self) -> &mut String {
        match &mut self.text {
            Text::Open(text) => text,
            Text::Packed { .. } => unreachable!("a chunk is packed only once another follows it"),
        }
    }

    /// The chunk's text, unpacked (and kept) if it is packed.
    fn text(&self) -> &str {
        match &self.text {
            Text::Open(text) => text,
            Text::Packed { lz4, unpacked } => unpacked.get_or_init(|| {
                let mut text = String::new();
                unpack(lz4, self.text_len(), &mut text);
                text.into_boxed_str()
            }),
        }
    }

    /// The chunk's text, unpacked into `scratch` (and not kept) if it is packed and was
    /// not unpacked before.
    fn text_in<'a>(&'a self, scratch: &'a mut String) -> &'a str {
        match &self.text {
            Text::Packed { lz4, unpacked } if unpacked.get().is_none() => {
                unpack(lz4, self.text_len(), scratch);
                scratch
            }
            _ => self.text(),
        }
    }

    /// Line `i`, whose id is `id`, with `names` for its component and action and `text`
    /// the chunk's.
    fn view<'a>(&'a self, names: &'a [Str], text: &'a str, id: u64, i: usize) -> TraceEvent<'a> {
        let line = &self.lines[i];
        let at = i.checked_sub(1).map_or(0, |before| self.lines[before].text_end as usize);
        let (object, detail) = text[at..line.text_end as usize].split_at(line.object_len as usize);
        TraceEvent {
            id,
            t_ms: line.t_ms,
            cause: line.cause,
            component: &names[line.component as usize],
            action: &names[line.action as usize],
            object,
            detail,
        }
    }
}

/// Unpacks `len` bytes of text packed by `Trace::text` into `text`.
fn unpack(lz4: &[u8], len: usize, text: &mut String) {
    let mut bytes = std::mem::take(text).into_bytes();
    bytes.resize(len, 0);
    let unpacked = lz4_flex::block::decompress_into(lz4, &mut bytes).expect("the trace packed this text itself");
    assert_eq!(unpacked, len, "a packed chunk unpacks to the text it was");
    *text = String::from_utf8(bytes).expect("the trace packed a string");
}

/// All events of a run, in order.
#[derive(Debug, Default)]
pub struct Trace {
    chunks: Vec<Chunk>,
    len: usize,
    /// Every component and action name seen, by index (and the other few-valued strings
    /// of a run: event reasons, node names), shared by the lines that carry them.
    names: Vec<Str>,
    /// Each name's index in `names`.
    index: BTreeMap<Str, u32>,
    /// The last component named: one component usually records several lines in a row.
    last_component: Option<u32>,
}

impl Trace {
    /// Records an event and returns its id.
    pub fn record(
        &mut self,
        now: SimTime,
        cause: u64,
        component: &str,
        action: &str,
        object: &str,
        detail: &str,
    ) -> u64 {
        let text = self.text();
        text.push_str(object);
        text.push_str(detail);
        self.push(now, cause, component, action, object.len())
    }

    /// `record`, formatting the object and the detail (whose trailing spaces are
    /// trimmed) straight into the trace's text.
    pub fn record_fmt(
        &mut self,
        now: SimTime,
        cause: u64,
        component: &str,
        action: &str,
        object: &dyn fmt::Display,
        detail: fmt::Arguments<'_>,
    ) -> u64 {
        use fmt::Write;
        let text = self.text();
        let at = text.len();
        write!(text, "{object}").expect("writing to a String cannot fail");
        let object_len = text.len() - at;
        text.write_fmt(detail).expect("writing to a String cannot fail");
        // An empty detail leaves no trailing space; the object itself is never cut.
        text.truncate(text.trim_end().len().max(at + object_len));
        self.push(now, cause, component, action, object_len)
    }

    /// The text of the chunk the next line goes into (a new one when the last is full,
    /// which is then packed).
    fn text(&mut self) -> &mut String {
        if self.chunks.last().is_none_or(|c| c.lines.len() == CHUNK) {
            if let Some(full) = self.chunks.last_mut()
                && let Text::Open(text) = &full.text
            {
                let lz4 = lz4_flex::block::compress(text.as_bytes()).into_boxed_slice();
                full.text = Text::Packed { lz4, unpacked: OnceCell::new() };
            }
            let text = Text::Open(String::with_capacity(CHUNK_TEXT));
            self.chunks.push(Chunk { lines: Vec::with_capacity(CHUNK), text });
        }
        self.chunks.last_mut().expect("a chunk with room was just ensured").open()
    }

    /// Stores the line whose text was just written at the end of the last chunk's text,
    /// the object its first `object_len` bytes, and returns its id.
    fn push(&mut self, now: SimTime, cause: u64, component: &str, action: &str, object_len: usize) -> u64 {
        let component = match self.last_component {
            Some(last) if self.names[last as usize] == component => last,
            _ => {
                let index = self.index_of(component);
                self.last_component = Some(index);
                index
            }
        };
        let action = self.index_of(action);
        let chunk = self.chunks.last_mut().expect("the line's text was written into the last chunk");
        let offset = |n: usize| u32::try_from(n).expect("a chunk's text stays under 4 GiB");
        let text_end = offset(chunk.open().len());
        chunk.lines.push(Line {
            t_ms: now.as_ms(),
            cause,
            component,
            action,
            text_end,
            object_len: offset(object_len),
        });
        self.len += 1;
        self.len as u64
    }

    fn index_of(&mut self, name: &str) -> u32 {
        if let Some(index) = self.index.get(name) {
            return *index;
        }
        let index = self.names.len() as u32;
        let shared = Str::from(name);
        self.names.push(shared.clone());
        self.index.insert(shared, index);
        index
    }

    /// `name` as a `Str` shared with every other use of the same name in this run: for
    /// strings with few values and many uses.
    pub fn intern(&mut self, name: &str) -> Str {
        let index = self.index_of(name);
        self.names[index as usize].clone()
    }

    /// How many events there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing happened yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Calls `f` with every event so far, in order, unpacking one chunk at a time into
    /// the same buffer: reading a large run's trace costs no more memory than a chunk.
    pub fn visit(&self, mut f: impl FnMut(TraceEvent<'_>)) {
        let mut scratch = String::new();
        for (c, chunk) in self.chunks.iter().enumerate() {
            let text = chunk.text_in(&mut scratch);
            for i in 0..chunk.lines.len() {
                f(chunk.view(&self.names, text, (c * CHUNK + i + 1) as u64, i));
            }
        }
    }

    /// Calls `f` with the events so far, newest first, until it breaks; unpacks as
    /// `visit` does.
    pub fn visit_back(&self, mut f: impl FnMut(TraceEvent<'_>) -> ControlFlow<()>) {
        let mut scratch = String::new();
        for (c, chunk) in self.chunks.iter().enumerate().rev() {
            let text = chunk.text_in(&mut scratch);
            for i in (0..chunk.lines.len()).rev() {
                if f(chunk.view(&self.names, text, (c * CHUNK + i + 1) as u64, i)).is_break() {
                    return;
                }
            }
        }
    }

    /// Who did event `id`, without reading its text.
    pub fn component(&self, id: u64) -> Option<&str> {
        let i = usize::try_from(id.checked_sub(1)?).ok()?;
        let line = self.chunks.get(i / CHUNK)?.lines.get(i % CHUNK)?;
        Some(&self.names[line.component as usize])
    }

    /// The last event's id; 0 before the first.
    pub fn last_id(&self) -> u64 {
        self.len as u64
    }

    /// A fingerprint of the whole trace (FNV-1a over its lines): equal for runs whose
    /// traces are byte-identical, printed in hex by the benchmark and the replays.
    pub fn hash_hex(&self) -> String {
        use std::fmt::Write;
        let mut hash = super::hash::Fnv64::default();
        self.visit(|e| writeln!(hash, "{e}").expect("hashing cannot fail"));
        format!("{:016x}", hash.finish())
    }

    /// The event with this id. A packed chunk read here is kept unpacked.
    pub fn get(&self, id: u64) -> Option<TraceEvent<'_>> {
        let i = usize::try_from(id.checked_sub(1)?).ok()?;
        let chunk = self.chunks.get(i / CHUNK)?;
        (i % CHUNK < chunk.lines.len()).then(|| chunk.view(&self.names, chunk.text(), id, i % CHUNK))
    }

    /// The causal chain ending at `id`, oldest first.
    pub fn chain(&self, id: u64) -> Vec<TraceEvent<'_>> {
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
        let a = trace.record(SimTime(0), 0, "user", "crash", "Node node-1", "");
        let _noise = trace.record(SimTime(1), 0, "user", "noop", "", "");
        let b = trace.record(SimTime(2), a, "node-controller", "update", "Node node-1", "");
        let ids: Vec<u64> = trace.chain(b).iter().map(|e| e.id).collect();
        assert_eq!(ids, [a, b]);
        assert!(trace.get(1).unwrap().line().starts_with("00:00:00 #1 <#0 user crash Node node-1"));
        assert_eq!(trace.get(b).unwrap().object, "Node node-1");
        let mut newest_first = Vec::new();
        trace.visit_back(|e| {
            newest_first.push(e.id);
            if e.id == 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        });
        assert_eq!(newest_first, [3, 2]);
    }

    #[test]
    fn lines_past_a_chunk_keep_their_ids_and_text() {
        let mut trace = Trace::default();
        for i in 0..CHUNK + 2 {
            trace.record(SimTime(i as u64), 0, "user", "noop", &format!("Pod {i}"), " detail");
        }
        let id = CHUNK as u64 + 1;
        let e = trace.get(id).unwrap();
        assert_eq!((e.id, e.object, e.detail), (id, format!("Pod {CHUNK}").as_str(), " detail"));
        let mut count = 0;
        trace.visit(|v| {
            if v.id == id {
                assert_eq!(v, e);
            }
            count += 1;
        });
        assert_eq!(count, trace.len());
    }

    #[test]
    fn full_chunks_are_packed_and_read_back_the_same_every_way() {
        let mut trace = Trace::default();
        let component = |i: usize| if i.is_multiple_of(2) { "user" } else { "kubelet/node-1" };
        for i in 0..2 * CHUNK + 3 {
            trace.record(
                SimTime(i as u64),
                i as u64,
                component(i),
                "noop",
                &format!("Pod a/web-{i}"),
                &format!(" rv={i}"),
            );
        }
        let packed = |trace: &Trace| -> Vec<bool> {
            trace
                .chunks
                .iter()
                .map(|c| matches!(&c.text, Text::Packed { unpacked, .. } if unpacked.get().is_none()))
                .collect()
        };
        assert_eq!(packed(&trace), [true, true, false]);
        let mut visited = Vec::new();
        trace.visit(|e| visited.push(e.line()));
        // Visiting keeps nothing unpacked; who did what needs no text at all.
        assert_eq!(packed(&trace), [true, true, false]);
        assert_eq!((trace.component(1), trace.component(CHUNK as u64 + 2)), (Some("user"), Some("kubelet/node-1")));
        for (i, line) in visited.iter().enumerate() {
            let (t, id, who) = (SimTime(i as u64), i + 1, component(i));
            assert_eq!(line, &format!("{t} #{id} <#{i} {who} noop Pod a/web-{i}  rv={i}"));
        }
        let mut back = Vec::new();
        trace.visit_back(|e| {
            back.push(e.line());
            ControlFlow::Continue(())
        });
        back.reverse();
        assert_eq!(back, visited);
        assert_eq!(packed(&trace), [true, true, false]);
        let last_of_first = trace.get(CHUNK as u64).unwrap();
        assert_eq!(
            (last_of_first.object, last_of_first.detail),
            (format!("Pod a/web-{}", CHUNK - 1).as_str(), format!(" rv={}", CHUNK - 1).as_str())
        );
    }

    #[test]
    fn a_formatted_line_trims_only_its_own_trailing_spaces() {
        let mut trace = Trace::default();
        trace.record(SimTime(0), 0, "user", "noop", "Pod a", " kept ");
        trace.record_fmt(SimTime(0), 1, "user", "noop", &"", format_args!("   "));
        trace.record_fmt(SimTime(0), 2, "user", "noop", &"Pod b ", format_args!(" {} ", "x"));
        let mut lines = Vec::new();
        trace.visit(|e| lines.push((e.object.to_string(), e.detail.to_string())));
        assert_eq!(
            lines,
            [("Pod a", " kept "), ("", ""), ("Pod b ", " x")].map(|(o, d)| (o.to_string(), d.to_string()))
        );
    }
}
