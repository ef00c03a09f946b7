//! The trace: one stable line per simulation event, with the id of the event that
//! caused it. It is the run's ground truth: determinism tests compare it byte for byte,
//! and `explain-why` walks its causal links.

use super::lookup::LookupMap;
use std::cell::OnceCell;
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

/// A line as the open chunk holds it: 32 bytes, its text in the chunk's text. The
/// component and action are indexes into the trace's names; the object and the detail
/// are one string there.
#[derive(Debug, Clone, Copy)]
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
/// own. The last chunk is open for writing; a full one is packed.
#[derive(Debug)]
enum Chunk {
    Open(Lines),
    Packed(Packed),
}

/// A chunk's lines and their text, unpacked.
#[derive(Debug, Default)]
struct Lines {
    lines: Vec<Line>,
    text: String,
}

/// A full chunk, packed with LZ4: its text, then its lines as varints of what changes
/// from one line to the next. Text and lines repeat themselves (names, verbs, field
/// names, times, causes a few lines back): packed, a chunk takes about a sixth of the
/// memory.
#[derive(Debug)]
struct Packed {
    lz4: Box<[u8]>,
    /// Unpacked sizes: the text's, and the text's and the lines' together.
    text_len: u32,
    raw_len: u32,
    /// Each line's component, kept unpacked: a controller asks who caused what it
    /// reconciles, without reading the text (see [`Trace::component`]).
    components: Box<[u32]>,
    /// The chunk, once `Trace::get` read a line of it (the few chunks a causal chain
    /// runs through).
    unpacked: OnceCell<Lines>,
}

impl Lines {
    /// Line `i`, whose id is `id`, with `names` for its component and action.
    fn view<'a>(&'a self, names: &'a [Str], id: u64, i: usize) -> TraceEvent<'a> {
        let line = &self.lines[i];
        let at = i.checked_sub(1).map_or(0, |before| self.lines[before].text_end as usize);
        let (object, detail) = self.text[at..line.text_end as usize].split_at(line.object_len as usize);
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

    /// Packs a full chunk, whose first line's id is `first_id`.
    fn pack(&self, first_id: u64) -> Packed {
        let mut raw = self.text.as_bytes().to_vec();
        let (mut t_ms, mut text_end) = (0, 0);
        for (id, line) in (first_id..).zip(&self.lines) {
            // Wrapping differences keep any value exactly; the usual ones are small.
            for value in [
                line.t_ms.wrapping_sub(t_ms),
                id.wrapping_sub(line.cause),
                u64::from(line.action),
                u64::from(line.text_end - text_end),
                u64::from(line.object_len),
            ] {
                put_varint(&mut raw, value);
            }
            (t_ms, text_end) = (line.t_ms, line.text_end);
        }
        let size = |n: usize| u32::try_from(n).expect("a chunk stays under 4 GiB");
        Packed {
            lz4: lz4_flex::block::compress(&raw).into_boxed_slice(),
            text_len: size(self.text.len()),
            raw_len: size(raw.len()),
            components: self.lines.iter().map(|line| line.component).collect(),
            unpacked: OnceCell::new(),
        }
    }
}

impl Packed {
    /// Unpacks the chunk, whose first line's id is `first_id`, into `into`'s buffers.
    fn unpack(&self, first_id: u64, into: &mut Lines) {
        let mut raw = std::mem::take(&mut into.text).into_bytes();
        raw.resize(self.raw_len as usize, 0);
        let unpacked =
            lz4_flex::block::decompress_into(&self.lz4, &mut raw).expect("the trace packed this chunk itself");
        assert_eq!(unpacked, raw.len(), "a packed chunk unpacks to what it was");
        let mut varints = &raw[self.text_len as usize..];
        let mut next = || take_varint(&mut varints);
        let narrow = |n: u64| u32::try_from(n).expect("the trace packed a u32 here");
        into.lines.clear();
        let (mut t_ms, mut text_end) = (0u64, 0u32);
        for (id, component) in (first_id..).zip(&self.components) {
            t_ms = t_ms.wrapping_add(next());
            let cause = id.wrapping_sub(next());
            let action = narrow(next());
            text_end += narrow(next());
            let object_len = narrow(next());
            into.lines.push(Line { t_ms, cause, component: *component, action, text_end, object_len });
        }
        raw.truncate(self.text_len as usize);
        into.text = String::from_utf8(raw).expect("the trace packed a string");
    }
}

/// Appends `value` as a LEB128 varint: seven bits a byte, low bits first.
fn put_varint(bytes: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        bytes.push(value as u8 | 0x80);
        value >>= 7;
    }
    bytes.push(value as u8);
}

/// Takes a varint written by `put_varint` off the front of `bytes`.
fn take_varint(bytes: &mut &[u8]) -> u64 {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first().expect("the trace packed a whole varint");
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            break;
        }
    }
    value
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
    index: LookupMap<Str, u32>,
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
        &mut self.open().text
    }

    /// The open chunk, the last (a new one when the last is full, which is then packed).
    fn open(&mut self) -> &mut Lines {
        let first_id = (self.chunks.len().saturating_sub(1) * CHUNK + 1) as u64;
        if let Some(Chunk::Open(full)) = self.chunks.last_mut()
            && full.lines.len() == CHUNK
        {
            let packed = full.pack(first_id);
            *self.chunks.last_mut().expect("just seen") = Chunk::Packed(packed);
        }
        if !matches!(self.chunks.last(), Some(Chunk::Open(_))) {
            let lines = Lines { lines: Vec::with_capacity(CHUNK), text: String::with_capacity(CHUNK_TEXT) };
            self.chunks.push(Chunk::Open(lines));
        }
        match self.chunks.last_mut() {
            Some(Chunk::Open(open)) => open,
            _ => unreachable!("an open chunk was just ensured"),
        }
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
        let chunk = self.open();
        let offset = |n: usize| u32::try_from(n).expect("a chunk's text stays under 4 GiB");
        let text_end = offset(chunk.text.len());
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
    /// the same buffers: reading a large run's trace costs no more memory than a chunk.
    pub fn visit(&self, mut f: impl FnMut(TraceEvent<'_>)) {
        let mut scratch = Lines::default();
        for c in 0..self.chunks.len() {
            let lines = self.lines_in(c, &mut scratch);
            for i in 0..lines.lines.len() {
                f(lines.view(&self.names, (c * CHUNK + i + 1) as u64, i));
            }
        }
    }

    /// Calls `f` with the events so far, newest first, until it breaks; unpacks as
    /// `visit` does.
    pub fn visit_back(&self, mut f: impl FnMut(TraceEvent<'_>) -> ControlFlow<()>) {
        let mut scratch = Lines::default();
        for c in (0..self.chunks.len()).rev() {
            let lines = self.lines_in(c, &mut scratch);
            for i in (0..lines.lines.len()).rev() {
                if f(lines.view(&self.names, (c * CHUNK + i + 1) as u64, i)).is_break() {
                    return;
                }
            }
        }
    }

    /// Chunk `c`'s lines, unpacked into `scratch` (and not kept) if it is packed and was
    /// not unpacked before.
    fn lines_in<'a>(&'a self, c: usize, scratch: &'a mut Lines) -> &'a Lines {
        match &self.chunks[c] {
            Chunk::Open(lines) => lines,
            Chunk::Packed(packed) => match packed.unpacked.get() {
                Some(lines) => lines,
                None => {
                    packed.unpack((c * CHUNK + 1) as u64, scratch);
                    scratch
                }
            },
        }
    }

    /// Who did event `id`, without reading its text.
    pub fn component(&self, id: u64) -> Option<&str> {
        let i = usize::try_from(id.checked_sub(1)?).ok()?;
        let component = match self.chunks.get(i / CHUNK)? {
            Chunk::Open(open) => open.lines.get(i % CHUNK)?.component,
            Chunk::Packed(packed) => *packed.components.get(i % CHUNK)?,
        };
        Some(&self.names[component as usize])
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
        let c = i / CHUNK;
        let lines = match self.chunks.get(c)? {
            Chunk::Open(lines) => lines,
            Chunk::Packed(packed) => packed.unpacked.get_or_init(|| {
                let mut lines = Lines::default();
                packed.unpack((c * CHUNK + 1) as u64, &mut lines);
                lines
            }),
        };
        (i % CHUNK < lines.lines.len()).then(|| lines.view(&self.names, id, i % CHUNK))
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
        // Packed lines keep what is unusual exactly: no cause, a cause after the line,
        // time going back or leaping ahead.
        let cause = |i: usize| [0, i as u64, u64::MAX - i as u64][i % 3];
        let time = |i: usize| SimTime(if i % 5 == 4 { (1 << 40) - i as u64 } else { i as u64 });
        let action = |i: usize| if i.is_multiple_of(7) { "create" } else { "noop" };
        for i in 0..2 * CHUNK + 3 {
            trace.record(time(i), cause(i), component(i), action(i), &format!("Pod a/web-{i}"), &format!(" rv={i}"));
        }
        let packed = |trace: &Trace| -> Vec<bool> {
            trace
                .chunks
                .iter()
                .map(|c| matches!(c, Chunk::Packed(Packed { unpacked, .. }) if unpacked.get().is_none()))
                .collect()
        };
        assert_eq!(packed(&trace), [true, true, false]);
        let mut visited = Vec::new();
        trace.visit(|e| visited.push(e.line()));
        // Visiting keeps nothing unpacked; who did what needs no text at all.
        assert_eq!(packed(&trace), [true, true, false]);
        assert_eq!((trace.component(1), trace.component(CHUNK as u64 + 2)), (Some("user"), Some("kubelet/node-1")));
        for (i, line) in visited.iter().enumerate() {
            let (t, id, cause, who, action) = (time(i), i + 1, cause(i), component(i), action(i));
            assert_eq!(line, &format!("{t} #{id} <#{cause} {who} {action} Pod a/web-{i}  rv={i}"));
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
