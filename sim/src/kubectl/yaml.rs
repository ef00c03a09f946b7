//! YAML rendering byte-for-byte like `kubectl get -o yaml` (v1.32).
//!
//! kubectl marshals an object to JSON, then `sigs.k8s.io/yaml` (v1.4.0) decodes that JSON with
//! its go-yaml v2.4.0 fork into `interface{}` values and encodes them again with the same fork.
//! This module reproduces that pipeline for a [`serde_json::Value`]:
//!
//! * the decode step: JSON numbers become Go `int`/`uint64`/`float64` values, JSON strings stay
//!   strings, objects become `map[interface{}]interface{}` (so keys are re-sorted with go-yaml's
//!   "natural" key order from `sorter.go`, not byte order);
//! * the encoder (`encode.go`): strings that would resolve to another type when plain
//!   (`resolve.go`: YAML 1.1 bools, nulls, ints, floats, timestamps, base-60 floats) are
//!   requested double-quoted, strings containing `\n` are requested as literal blocks, the rest
//!   plain; floats use Go's `strconv.FormatFloat(f, 'g', -1, 64)`;
//! * the emitter (`emitterc.go`), ported state by state: scalar analysis and style fallback
//!   (plain → single-quoted → double-quoted, literal → double-quoted), indentless block sequences
//!   under mapping keys, `{}`/`[]` for empty collections, double-quote escapes, literal block
//!   hints (`|`, `|-`, `|+`, `|2`) and line folding of plain and quoted scalars past column 80
//!   (kubectl never calls `yaml.FutureLineWrap()`, so the default width of 80 applies).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};

/// go-yaml's default indentation step.
const BEST_INDENT: isize = 2;
/// go-yaml v2's default preferred line width (`best_width` 0 becomes 80 at stream start).
const BEST_WIDTH: usize = 80;

/// Renders `value` exactly as `kubectl get -o yaml` prints it: block style, 2-space indentation,
/// go-yaml v2 quoting, folding and key order, ending with a newline and without a leading `---`.
pub fn to_yaml(value: &Value) -> String {
    let mut emitter = Emitter::new();
    emitter.emit_node(value, false, false);
    // DOCUMENT-END (implicit): the indentation is back to -1 here.
    emitter.write_indent();
    emitter.out
}

/// The scalar styles the encoder requests or the emitter settles on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// The result of `yaml_emitter_analyze_scalar` (less `flow_plain_allowed`: no scalar is ever
/// written in flow context here).
#[derive(Debug, Clone, Copy)]
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// A port of the parts of go-yaml's `yaml_emitter_t` that the encoder's events reach.
struct Emitter {
    out: String,
    column: usize,
    indent: isize,
    indents: Vec<isize>,
    whitespace: bool,
    indention: bool,
    mapping_context: bool,
    simple_key_context: bool,
}

impl Emitter {
    fn new() -> Self {
        // yaml_emitter_emit_stream_start: indent -1, whitespace and indention set.
        Emitter {
            out: String::new(),
            column: 0,
            indent: -1,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
            mapping_context: false,
            simple_key_context: false,
        }
    }

    /// `yaml_emitter_emit_node` followed by the node's events.
    fn emit_node(&mut self, value: &Value, mapping: bool, simple_key: bool) {
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match value {
            Value::Array(items) if !items.is_empty() => self.emit_block_sequence(items),
            Value::Array(_) => self.emit_empty_flow(b"[", b"]"),
            Value::Object(map) if !map.is_empty() => self.emit_block_mapping(map),
            Value::Object(_) => self.emit_empty_flow(b"{", b"}"),
            Value::Null => self.emit_scalar("null", Style::Plain),
            Value::Bool(true) => self.emit_scalar("true", Style::Plain),
            Value::Bool(false) => self.emit_scalar("false", Style::Plain),
            Value::Number(n) => self.emit_scalar(&format_number(n), Style::Plain),
            Value::String(s) => {
                let s = json_decoded(s);
                self.emit_scalar(&s, string_style(&s));
            }
        }
    }

    /// An empty sequence or mapping: `yaml_emitter_check_empty_*` selects the flow style, and
    /// the end event follows at once (the flow level and indentation go up and straight back).
    /// Non-empty collections are always block style, so the flow level stays 0 for scalars.
    fn emit_empty_flow(&mut self, open: &[u8], close: &[u8]) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    /// `yaml_emitter_emit_block_sequence_item` for every item and the SEQUENCE-END.
    fn emit_block_sequence(&mut self, items: &[Value]) {
        let indentless = self.mapping_context && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator(b"-", true, false, true);
            self.emit_node(item, false, false);
        }
        self.pop_indent();
    }

    /// `yaml_emitter_emit_block_mapping_key`/`_value` for every pair and the MAPPING-END.
    fn emit_block_mapping(&mut self, map: &Map<String, Value>) {
        self.increase_indent(false, false);
        for (key, value) in sorted_entries(map) {
            let key: &str = &key;
            self.write_indent();
            let key_style = string_style(key);
            let analysis = analyze_scalar(key.as_bytes());
            // yaml_emitter_check_simple_key
            if !analysis.multiline && key.len() <= 128 {
                self.mapping_context = true;
                self.simple_key_context = true;
                self.emit_scalar_analyzed(key, key_style, analysis);
                self.write_indicator(b":", false, false, false);
            } else {
                self.write_indicator(b"?", true, false, true);
                self.mapping_context = true;
                self.simple_key_context = false;
                self.emit_scalar_analyzed(key, key_style, analysis);
                self.write_indent();
                self.write_indicator(b":", true, false, true);
            }
            self.emit_node(value, true, false);
        }
        self.pop_indent();
    }

    fn emit_scalar(&mut self, value: &str, requested: Style) {
        let analysis = analyze_scalar(value.as_bytes());
        self.emit_scalar_analyzed(value, requested, analysis);
    }

    /// `yaml_emitter_emit_scalar`: select the style, then write with the indentation raised.
    fn emit_scalar_analyzed(&mut self, value: &str, requested: Style, analysis: Analysis) {
        let style = self.select_scalar_style(value, requested, analysis);
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        let bytes = value.as_bytes();
        match style {
            Style::Plain => self.write_plain_scalar(bytes, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted_scalar(bytes, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted_scalar(bytes, allow_breaks),
            Style::Literal => self.write_literal_scalar(bytes),
        }
        self.pop_indent();
    }

    /// `yaml_emitter_select_scalar_style` for untagged, implicit scalars. Scalars are never in a
    /// flow collection here (only empty collections are flow style), so the flow level is 0.
    fn select_scalar_style(&self, value: &str, requested: Style, analysis: Analysis) -> Style {
        let mut style = requested;
        if self.simple_key_context && analysis.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain {
            if !analysis.block_plain_allowed {
                style = Style::SingleQuoted;
            }
            if value.is_empty() && self.simple_key_context {
                style = Style::SingleQuoted;
            }
        }
        if style == Style::SingleQuoted && !analysis.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!analysis.block_allowed || self.simple_key_context) {
            style = Style::DoubleQuoted;
        }
        style
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn put(&mut self, byte: u8) {
        self.out.push(char::from(byte));
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// Copies one character from `value` at `*i` (go-yaml's `write`).
    fn write(&mut self, value: &[u8], i: &mut usize) {
        let w = width(at(value, *i)).max(1);
        let end = (*i + w).min(value.len());
        match value.get(*i..end).and_then(|b| std::str::from_utf8(b).ok()) {
            Some(s) => self.out.push_str(s),
            None => self.out.push(char::REPLACEMENT_CHARACTER),
        }
        self.column += 1;
        *i = end.max(*i + 1);
    }

    /// Copies one line break from `value` at `*i` (go-yaml's `write_break`).
    fn write_break(&mut self, value: &[u8], i: &mut usize) {
        if at(value, *i) == b'\n' {
            self.put_break();
            *i += 1;
        } else {
            self.write(value, i);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(b' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, indicator: &[u8], need_whitespace: bool, is_whitespace: bool, is_indention: bool) {
        if need_whitespace && !self.whitespace {
            self.put(b' ');
        }
        let mut i = 0;
        while i < indicator.len() {
            self.write(indicator, &mut i);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn write_plain_scalar(&mut self, value: &[u8], allow_breaks: bool) {
        if !self.whitespace {
            self.put(b' ');
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < value.len() {
            if is_space(value, i) {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !is_space(value, i + 1) {
                    self.write_indent();
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else if is_break(value, i) {
                if !breaks && value[i] == b'\n' {
                    self.put_break();
                }
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(value, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted_scalar(&mut self, value: &[u8], allow_breaks: bool) {
        self.write_indicator(b"'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < value.len() {
            if is_space(value, i) {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < value.len() - 1
                    && !is_space(value, i + 1)
                {
                    self.write_indent();
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else if is_break(value, i) {
                if !breaks && value[i] == b'\n' {
                    self.put_break();
                }
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if value[i] == b'\'' {
                    self.put(b'\'');
                }
                self.write(value, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator(b"'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted_scalar(&mut self, value: &[u8], allow_breaks: bool) {
        let mut spaces = false;
        self.write_indicator(b"\"", true, false, false);
        // go-yaml's is_bom looks at the start of the value whatever the position.
        let starts_with_bom = value.starts_with(&[0xEF, 0xBB, 0xBF]);
        let mut i = 0;
        while i < value.len() {
            if !is_printable(value, i) || starts_with_bom || is_break(value, i) || value[i] == b'"' || value[i] == b'\\'
            {
                let (v, w) = decode_char(value, i);
                i += w;
                self.put(b'\\');
                match v {
                    0x00 => self.put(b'0'),
                    0x07 => self.put(b'a'),
                    0x08 => self.put(b'b'),
                    0x09 => self.put(b't'),
                    0x0A => self.put(b'n'),
                    0x0B => self.put(b'v'),
                    0x0C => self.put(b'f'),
                    0x0D => self.put(b'r'),
                    0x1B => self.put(b'e'),
                    0x22 => self.put(b'"'),
                    0x5C => self.put(b'\\'),
                    0x85 => self.put(b'N'),
                    0xA0 => self.put(b'_'),
                    0x2028 => self.put(b'L'),
                    0x2029 => self.put(b'P'),
                    _ => {
                        let digits: u32 = if v <= 0xFF {
                            self.put(b'x');
                            2
                        } else if v <= 0xFFFF {
                            self.put(b'u');
                            4
                        } else {
                            self.put(b'U');
                            8
                        };
                        for k in (0..digits).rev() {
                            let digit = ((v >> (k * 4)) & 0x0F) as u8;
                            self.put(if digit < 10 { b'0' + digit } else { b'A' + digit - 10 });
                        }
                    }
                }
                spaces = false;
            } else if is_space(value, i) {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i < value.len() - 1 {
                    self.write_indent();
                    if is_space(value, i + 1) {
                        self.put(b'\\');
                    }
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else {
                self.write(value, &mut i);
                spaces = false;
            }
        }
        self.write_indicator(b"\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_block_scalar_hints(&mut self, value: &[u8]) {
        if is_space(value, 0) || is_break(value, 0) {
            self.write_indicator(&[b'0' + BEST_INDENT as u8], false, false, false);
        }
        let mut chomp: Option<u8> = None;
        if value.is_empty() {
            chomp = Some(b'-');
        } else {
            let mut i = value.len() - 1;
            while i > 0 && value[i] & 0xC0 == 0x80 {
                i -= 1;
            }
            if !is_break(value, i) {
                chomp = Some(b'-');
            } else if i == 0 {
                chomp = Some(b'+');
            } else {
                i -= 1;
                while i > 0 && value[i] & 0xC0 == 0x80 {
                    i -= 1;
                }
                if is_break(value, i) {
                    chomp = Some(b'+');
                }
            }
        }
        if let Some(c) = chomp {
            self.write_indicator(&[c], false, false, false);
        }
    }

    fn write_literal_scalar(&mut self, value: &[u8]) {
        self.write_indicator(b"|", true, false, false);
        self.write_block_scalar_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut i = 0;
        while i < value.len() {
            if is_break(value, i) {
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(value, &mut i);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Character classes (yamlprivateh.go). Reads past the end see NUL, as go-yaml's buffers do.

fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

fn width(b: u8) -> usize {
    if b & 0x80 == 0x00 {
        1
    } else if b & 0xE0 == 0xC0 {
        2
    } else if b & 0xF0 == 0xE0 {
        3
    } else if b & 0xF8 == 0xF0 {
        4
    } else {
        0
    }
}

fn is_printable(b: &[u8], i: usize) -> bool {
    let c = at(b, i);
    let c1 = at(b, i + 1);
    let c2 = at(b, i + 2);
    c == 0x0A
        || (0x20..=0x7E).contains(&c)
        || (c == 0xC2 && c1 >= 0xA0)
        || (c > 0xC2 && c < 0xED)
        || (c == 0xED && c1 < 0xA0)
        || c == 0xEE
        || (c == 0xEF && !(c1 == 0xBB && c2 == 0xBF) && !(c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF)))
}

fn is_space(b: &[u8], i: usize) -> bool {
    at(b, i) == b' '
}

fn is_blank(b: &[u8], i: usize) -> bool {
    matches!(at(b, i), b' ' | b'\t')
}

fn is_break(b: &[u8], i: usize) -> bool {
    let c = at(b, i);
    c == b'\r'
        || c == b'\n'
        || (c == 0xC2 && at(b, i + 1) == 0x85)
        || (c == 0xE2 && at(b, i + 1) == 0x80 && (at(b, i + 2) == 0xA8 || at(b, i + 2) == 0xA9))
}

fn is_blankz(b: &[u8], i: usize) -> bool {
    is_blank(b, i) || is_break(b, i) || at(b, i) == 0
}

/// Decodes the UTF-8 character at `i` the way the double-quoted writer does.
fn decode_char(b: &[u8], i: usize) -> (u32, usize) {
    let octet = at(b, i);
    let (w, mut v) = if octet & 0x80 == 0x00 {
        (1, u32::from(octet & 0x7F))
    } else if octet & 0xE0 == 0xC0 {
        (2, u32::from(octet & 0x1F))
    } else if octet & 0xF0 == 0xE0 {
        (3, u32::from(octet & 0x0F))
    } else if octet & 0xF8 == 0xF0 {
        (4, u32::from(octet & 0x07))
    } else {
        (1, u32::from(octet))
    };
    for k in 1..w {
        v = (v << 6) + (u32::from(at(b, i + k)) & 0x3F);
    }
    (v, w)
}

/// `yaml_emitter_analyze_scalar`.
fn analyze_scalar(value: &[u8]) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    // Only block context matters here, so go-yaml's flow_indicators are not tracked.
    let mut block_indicators = value.starts_with(b"---") || value.starts_with(b"...");
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;

    let mut preceded_by_whitespace = true;
    let mut i = 0;
    while i < value.len() {
        let w = width(value[i]).max(1);
        let followed_by_whitespace = i + w >= value.len() || is_blank(value, i + w);
        let indicator = if i == 0 {
            match value[i] {
                b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%'
                | b'@' | b'`' => true,
                b'?' | b':' | b'-' => followed_by_whitespace,
                _ => false,
            }
        } else {
            match value[i] {
                b':' => followed_by_whitespace,
                b'#' => preceded_by_whitespace,
                _ => false,
            }
        };
        if indicator {
            block_indicators = true;
        }

        // The emitter is in unicode mode, so only unprintable characters are special.
        if !is_printable(value, i) {
            special_characters = true;
        }
        if is_space(value, i) {
            if i == 0 {
                leading_space = true;
            }
            if i + w == value.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(value, i) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + w == value.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }

        preceded_by_whitespace = is_blankz(value, i);
        i += w;
    }

    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.block_plain_allowed = false;
    }
    if block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

// ---------------------------------------------------------------------------------------------
// The encoder side (encode.go, resolve.go, sorter.go).

/// The style `encoder.stringv` requests for a string.
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if !resolves_to_non_string(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    }
}

/// The strings `resolve.go`'s `resolveMap` knows.
const RESOLVE_MAP: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No", "NO", "false",
    "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf",
    ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<",
];

/// Whether go-yaml's `resolve("", s)` gives a tag other than `!!str`.
fn resolves_to_non_string(s: &str) -> bool {
    let b = s.as_bytes();
    // The hint from resolveTable; 'N' for the empty string.
    let hint = match b.first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return false,
    };
    if RESOLVE_MAP.contains(&s) {
        return true;
    }
    match hint {
        b'.' => is_dot_float(b),
        b'D' | b'S' => {
            if parse_timestamp(b) {
                return true;
            }
            let plain: Vec<u8> = b.iter().copied().filter(|&c| c != b'_').collect();
            if go_parse_int(&plain, 0).is_ok() || go_parse_uint(&plain, 0).is_ok() {
                return true;
            }
            if is_yaml_style_float(&plain) && float_in_range(&plain) {
                return true;
            }
            if let Some(rest) = plain.strip_prefix(b"0b") {
                if go_parse_int(rest, 2).is_ok() || go_parse_uint(rest, 2).is_ok() {
                    return true;
                }
            } else if let Some(rest) = plain.strip_prefix(b"-0b") {
                let mut negated = vec![b'-'];
                negated.extend_from_slice(rest);
                if go_parse_int(&negated, 2).is_ok() {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

/// Whether Go's `strconv.ParseFloat` accepts a string starting with `.`:
/// `\.[0-9]+([eE][-+]?[0-9]+)?` that does not overflow.
fn is_dot_float(b: &[u8]) -> bool {
    let mut i = 1;
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == start {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len() && float_in_range(b)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(b: &[u8]) -> bool {
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    } else {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// Go's `ParseFloat` fails with ErrRange when the value overflows to infinity.
fn float_in_range(b: &[u8]) -> bool {
    std::str::from_utf8(b).ok().and_then(|s| s.parse::<f64>().ok()).is_some_and(f64::is_finite)
}

/// Why a Go integer parse failed.
#[derive(Debug, PartialEq, Eq)]
enum ParseIntError {
    Syntax,
    Range,
}

/// Go's `strconv.ParseUint(s, base, 64)` (base 0 or 2..=36), reduced to success or failure.
fn go_parse_uint(s: &[u8], base: u32) -> Result<u64, ParseIntError> {
    if s.is_empty() {
        return Err(ParseIntError::Syntax);
    }
    let base0 = base == 0;
    let mut digits = s;
    let mut base = base;
    if base0 {
        base = 10;
        if s[0] == b'0' {
            let second = s.get(1).map(u8::to_ascii_lowercase);
            if s.len() >= 3 && second == Some(b'b') {
                base = 2;
                digits = &s[2..];
            } else if s.len() >= 3 && second == Some(b'o') {
                base = 8;
                digits = &s[2..];
            } else if s.len() >= 3 && second == Some(b'x') {
                base = 16;
                digits = &s[2..];
            } else {
                base = 8;
                digits = &s[1..];
            }
        }
    }
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in digits {
        let lower = c | 0x20;
        let d = if c == b'_' && base0 {
            underscores = true;
            continue;
        } else if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else if lower.is_ascii_lowercase() {
            u32::from(lower - b'a') + 10
        } else {
            return Err(ParseIntError::Syntax);
        };
        if d >= base {
            return Err(ParseIntError::Syntax);
        }
        n = n.checked_mul(u64::from(base)).ok_or(ParseIntError::Range)?;
        n = n.checked_add(u64::from(d)).ok_or(ParseIntError::Range)?;
    }
    if underscores {
        // The callers strip underscores first; Go's underscoreOK would decide otherwise.
        return Err(ParseIntError::Syntax);
    }
    Ok(n)
}

/// Go's `strconv.ParseInt(s, base, 64)`, reduced to success or failure.
fn go_parse_int(s: &[u8], base: u32) -> Result<i64, ParseIntError> {
    if s.is_empty() {
        return Err(ParseIntError::Syntax);
    }
    let (neg, rest) = match s[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let un = go_parse_uint(rest, base)?;
    let cutoff = 1u64 << 63;
    if !neg && un >= cutoff {
        return Err(ParseIntError::Range);
    }
    if neg && un > cutoff {
        return Err(ParseIntError::Range);
    }
    Ok(if neg { 0i64.wrapping_sub_unsigned(un) } else { un as i64 })
}

/// `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else { return false };
    if !(first == b'+' || first == b'-' || first.is_ascii_digit()) || !b.contains(&b':') {
        return false;
    }
    let mut i = 0;
    if b[i] == b'+' || b[i] == b'-' {
        i += 1;
    }
    if !at(b, i).is_ascii_digit() {
        return false;
    }
    i += 1;
    while at(b, i).is_ascii_digit() || at(b, i) == b'_' {
        i += 1;
    }
    let mut groups = 0;
    while at(b, i) == b':' {
        i += 1;
        let c0 = at(b, i);
        let c1 = at(b, i + 1);
        if (b'0'..=b'5').contains(&c0) && c1.is_ascii_digit() {
            i += 2;
        } else if c0.is_ascii_digit() {
            i += 1;
        } else {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if at(b, i) == b'.' {
        i += 1;
        while at(b, i).is_ascii_digit() || at(b, i) == b'_' {
            i += 1;
        }
    }
    i == b.len()
}

/// Go's `getnum(s, fixed)`: one or two leading digits.
fn getnum(s: &[u8], fixed: bool) -> Option<(u32, &[u8])> {
    let d0 = *s.first().filter(|c| c.is_ascii_digit())?;
    match s.get(1).filter(|c| c.is_ascii_digit()) {
        Some(&d1) => Some((u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'), &s[2..])),
        None if fixed => None,
        None => Some((u32::from(d0 - b'0'), &s[1..])),
    }
}

/// `parseTimestamp`: whether `time.Parse` accepts `s` with one of go-yaml's layouts
/// `2006-1-2T15:4:5.999999999Z07:00`, the same with `t`, `2006-1-2 15:4:5.999999999`, `2006-1-2`.
fn parse_timestamp(s: &[u8]) -> bool {
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits != 4 || s.len() == 4 || s[4] != b'-' {
        return false;
    }
    let year = s[..4].iter().fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'));
    // Month and day, shared by every layout.
    let Some((month, rest)) = getnum(&s[5..], false) else { return false };
    if !(1..=12).contains(&month) {
        return false;
    }
    let Some(rest) = rest.strip_prefix(b"-") else { return false };
    let Some((day, rest)) = getnum(rest, false) else { return false };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > days_in_month {
        return false;
    }
    if rest.is_empty() {
        return true; // 2006-1-2
    }
    // RFC 3339 with `T` or `t` and a mandatory zone.
    if let Some(rest) = rest.strip_prefix(b"T").or_else(|| rest.strip_prefix(b"t")) {
        return match parse_clock(rest) {
            Some(rest) => parse_zone(rest),
            None => false,
        };
    }
    // Space-separated, without a zone: a run of spaces matches the layout's one space.
    if rest.first() == Some(&b' ') {
        let rest = &rest[rest.iter().take_while(|&&c| c == b' ').count()..];
        return parse_clock(rest).is_some_and(<[u8]>::is_empty);
    }
    false
}

/// `15:4:5.999999999`: returns what follows.
fn parse_clock(s: &[u8]) -> Option<&[u8]> {
    let (hour, rest) = getnum(s, false)?;
    if hour >= 24 {
        return None;
    }
    let rest = rest.strip_prefix(b":")?;
    let (minute, rest) = getnum(rest, false)?;
    if minute >= 60 {
        return None;
    }
    let rest = rest.strip_prefix(b":")?;
    let (second, mut rest) = getnum(rest, false)?;
    if second >= 60 {
        return None;
    }
    // An optional fraction: `.` or `,` and any number of digits.
    if rest.len() >= 2 && (rest[0] == b'.' || rest[0] == b',') && rest[1].is_ascii_digit() {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        rest = &rest[1 + n..];
    }
    Some(rest)
}

/// `Z07:00`: `Z` or `±hh:mm`, and nothing after it.
fn parse_zone(s: &[u8]) -> bool {
    if s == b"Z" {
        return true;
    }
    if s.len() != 6 || s[3] != b':' || !(s[0] == b'+' || s[0] == b'-') {
        return false;
    }
    match (getnum(&s[1..3], true), getnum(&s[4..6], true)) {
        (Some((hh, _)), Some((mm, _))) => hh <= 24 && mm <= 60,
        _ => false,
    }
}

/// A JSON number as it comes out of Go's `json.Marshal` then go-yaml's decode and encode.
fn format_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let Some(f) = n.as_f64() else { return n.to_string() };
    if !f.is_finite() {
        return if f.is_nan() {
            ".nan".to_string()
        } else if f > 0.0 {
            ".inf".to_string()
        } else {
            "-.inf".to_string()
        };
    }
    // json.Marshal writes a float64 below 1e21 with strconv's 'f' format (shortest digits,
    // padded with zeros); when that text is an integer, go-yaml decodes it as an int (or a
    // uint64) if it fits, and prints it back as such.
    if f.fract() == 0.0 && f.abs() < 1e21 {
        let text = format_go_fixed(f);
        if let Ok(i) = text.parse::<i64>() {
            return i.to_string();
        }
        if let Ok(u) = text.parse::<u64>() {
            return u.to_string();
        }
    }
    format_go_float(f)
}

/// The shortest decimal digits that round-trip `f.abs()`, as Go's strconv computes them, and
/// the decimal exponent of the first digit. Rust finds the same shortest digits, but when the
/// value lies exactly halfway between two shortest candidates Go's Ryū rounds half to even.
fn shortest_digits(f: f64) -> (Vec<u8>, i64) {
    let f = f.abs();
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let Some(&last) = digits.last() else { return (digits, exp) };
    if (last - b'0') % 2 == 1 && digits.len() <= 18 {
        let unit_exp = exp - digits.len() as i64 + 1; // the last digit's decimal exponent
        let d: u128 = digits.iter().fold(0, |acc, &c| acc * 10 + u128::from(c - b'0'));
        for neighbour in [d - 1, d + 1] {
            // The midpoint between d and its neighbour, as k * 10^(unit_exp - 1).
            let k = (d + neighbour) * 5;
            let candidate = neighbour.to_string();
            if candidate.len() == digits.len()
                && !candidate.ends_with('0')
                && equals_decimal(f, k, unit_exp - 1)
                && format!("{candidate}e{unit_exp}").parse::<f64>().ok() == Some(f)
            {
                digits = candidate.into_bytes();
                break;
            }
        }
    }
    (digits, exp)
}

/// Whether the finite, positive `f` is exactly `k * 10^t` for an odd `k`.
fn equals_decimal(f: f64, k: u128, t: i64) -> bool {
    let bits = f.to_bits();
    let biased = ((bits >> 52) & 0x7FF) as i64;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mut m, mut e) = if biased == 0 { (fraction, -1074) } else { (fraction | (1u64 << 52), biased - 1075) };
    if m == 0 || k.is_multiple_of(2) {
        return false;
    }
    let zeros = m.trailing_zeros();
    m >>= zeros;
    e += i64::from(zeros);
    // f = m * 2^e with m odd; k * 10^t = k * 5^t * 2^t with k odd.
    if e != t {
        return false;
    }
    let Ok(power) = u32::try_from(t.unsigned_abs()) else { return false };
    let Some(five) = 5u128.checked_pow(power) else { return false };
    if t >= 0 { k.checked_mul(five) == Some(u128::from(m)) } else { u128::from(m).checked_mul(five) == Some(k) }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)` for a finite, integral `f`.
fn format_go_fixed(f: f64) -> String {
    let (digits, exp) = shortest_digits(f);
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    if exp < 0 {
        out.push('0');
        return out;
    }
    for i in 0..=exp {
        out.push(char::from(digits.get(i as usize).copied().unwrap_or(b'0')));
    }
    out
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` for a finite `f`.
fn format_go_float(f: f64) -> String {
    let (digits, exp) = shortest_digits(f);
    let nd = digits.len() as i64;
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    // %e when the exponent is below -4 or at least the shortest-format precision of 6.
    if !(-4..6).contains(&exp) {
        out.push(char::from(digits.first().copied().unwrap_or(b'0')));
        if digits.len() > 1 {
            out.push('.');
            out.extend(digits[1..].iter().map(|&d| char::from(d)));
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    } else {
        let dp = exp + 1; // digits before the decimal point
        let digit = |i: i64| -> char { if i >= 0 && i < nd { char::from(digits[i as usize]) } else { '0' } };
        if dp > 0 {
            for i in 0..dp {
                out.push(digit(i));
            }
        } else {
            out.push('0');
        }
        let frac = (nd - dp).max(0);
        if frac > 0 {
            out.push('.');
            for i in 0..frac {
                out.push(digit(dp + i));
            }
        }
    }
    out
}

/// The map's entries as go-yaml decodes and re-encodes them: keys pass through the JSON
/// decoding step (keys that become equal keep the last value, as the decoder overwrites), then
/// come in go-yaml's key order (`keyList.Less` in sorter.go, for string keys).
fn sorted_entries(map: &Map<String, Value>) -> Vec<(Cow<'_, str>, &Value)> {
    let mut entries: Vec<(Cow<'_, str>, &Value)> = Vec::with_capacity(map.len());
    let mut seen: BTreeMap<Cow<'_, str>, usize> = BTreeMap::new();
    for (key, value) in map {
        let key = json_decoded(key);
        match seen.get(&key) {
            Some(&index) => entries[index].1 = value,
            None => {
                seen.insert(key.clone(), entries.len());
                entries.push((key, value));
            }
        }
    }
    let keys: Vec<Vec<char>> = entries.iter().map(|(k, _)| k.chars().collect()).collect();
    let mut order: Vec<usize> = (0..entries.len()).collect();
    let less = |a: usize, b: usize| key_less(&keys[a], &keys[b]);
    if order.len() <= 12 {
        // What Go's sort.Sort (pdqsort) does for up to 12 elements, so that even keys whose
        // digit runs overflow (making Less inconsistent) come out in Go's order.
        insertion_sort(&mut order, &less);
    } else {
        merge_sort(&mut order, &less);
    }
    let mut slots: Vec<Option<(Cow<'_, str>, &Value)>> = entries.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots.get_mut(i).and_then(Option::take)).collect()
}

/// A string as go-yaml reads it back from Go's JSON text, where it is a double-quoted scalar.
/// `json.Marshal` escapes every line break but NEL (U+0085), so a raw NEL is folded the way
/// YAML folds line breaks in double-quoted scalars (`yaml_parser_scan_flow_scalar`): the
/// spaces around it are dropped, and a lone break becomes a space while a run of n breaks
/// becomes n-1 newlines.
fn json_decoded(s: &str) -> Cow<'_, str> {
    if !s.contains('\u{85}') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    loop {
        while let Some(&c) = chars.peek() {
            if c == ' ' || c == '\u{85}' {
                break;
            }
            out.push(c);
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut whitespaces = String::new();
        let mut leading_blanks = false;
        let mut trailing_breaks = 0;
        while let Some(&c) = chars.peek() {
            if c == ' ' {
                if !leading_blanks {
                    whitespaces.push(' ');
                }
            } else if c == '\u{85}' {
                if leading_blanks {
                    trailing_breaks += 1;
                } else {
                    whitespaces.clear();
                    leading_blanks = true;
                }
            } else {
                break;
            }
            chars.next();
        }
        if !leading_blanks {
            out.push_str(&whitespaces);
        } else if trailing_breaks == 0 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', trailing_breaks));
        }
    }
    Cow::Owned(out)
}

/// Go's `insertionSort`.
fn insertion_sort(v: &mut [usize], less: &dyn Fn(usize, usize) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less(v[j], v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// A stable merge sort driven by a "less" function; it cannot panic whatever the function does.
/// For a consistent order it gives the same result as Go's sort.Sort.
fn merge_sort(v: &mut [usize], less: &dyn Fn(usize, usize) -> bool) {
    if v.len() <= 1 {
        return;
    }
    let mid = v.len() / 2;
    merge_sort(&mut v[..mid], less);
    merge_sort(&mut v[mid..], less);
    let mut merged = Vec::with_capacity(v.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < v.len() {
        if less(v[j], v[i]) {
            merged.push(v[j]);
            j += 1;
        } else {
            merged.push(v[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&v[i..mid]);
    merged.extend_from_slice(&v[j..]);
    v.copy_from_slice(&merged);
}

/// Go's `unicode.IsLetter` (exact for ASCII; `is_alphabetic` beyond).
fn is_letter(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_alphabetic() } else { c.is_alphabetic() }
}

/// Go's `unicode.IsDigit` (exact for ASCII; `is_numeric` beyond).
fn is_digit(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_digit() } else { c.is_numeric() }
}

/// go-yaml's `keyList.Less` for two string keys: letters by code point, non-letters before
/// letters, runs of digits by numeric value.
fn key_less(a: &[char], b: &[char]) -> bool {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] == b[i] {
            i += 1;
            continue;
        }
        let al = is_letter(a[i]);
        let bl = is_letter(b[i]);
        if al && bl {
            return a[i] < b[i];
        }
        if al || bl {
            return bl;
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if a[i] == '0' || b[i] == '0' {
            let mut j = i;
            while j > 0 && is_digit(a[j - 1]) {
                j -= 1;
                if a[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < a.len() && is_digit(a[ai]) {
            an = an.wrapping_mul(10).wrapping_add(i64::from(u32::from(a[ai])) - i64::from(b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < b.len() && is_digit(b[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(i64::from(u32::from(b[bi])) - i64::from(b'0'));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return a[i] < b[i];
    }
    a.len() < b.len()
}

#[cfg(test)]
mod tests {
    use super::to_yaml;
    use serde_json::{Value, json};

    #[track_caller]
    fn check(value: Value, expected: &str) {
        assert_eq!(to_yaml(&value), expected);
    }

    #[test]
    fn pod_as_kubectl_prints_it() {
        let last_applied = concat!(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"labels":{"app":"web"},"#,
            r#""name":"web","namespace":"default"},"spec":{"containers":[{"image":"nginx","name":"web","#,
            r#""ports":[{"containerPort":80}]}]}}"#,
            "\n"
        );
        let pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_applied},
                "creationTimestamp": "2025-01-01T00:00:01Z",
                "labels": {"app": "web"},
                "name": "web",
                "namespace": "default",
                "resourceVersion": "39",
                "uid": "6b1f2a4e-3c1d-4f5e-9a7b-1c2d3e4f5a6b"
            },
            "spec": {
                "containers": [{
                    "image": "nginx",
                    "imagePullPolicy": "Always",
                    "name": "web",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "resources": {},
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "volumeMounts": [{
                        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                        "name": "kube-api-access-x7k2p",
                        "readOnly": true
                    }]
                }],
                "dnsPolicy": "ClusterFirst",
                "enableServiceLinks": true,
                "nodeName": "node-1",
                "preemptionPolicy": "PreemptLowerPriority",
                "priority": 0,
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "securityContext": {},
                "serviceAccount": "default",
                "serviceAccountName": "default",
                "terminationGracePeriodSeconds": 30,
                "tolerations": [
                    {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists",
                     "tolerationSeconds": 300},
                    {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists",
                     "tolerationSeconds": 300}
                ],
                "volumes": [{
                    "name": "kube-api-access-x7k2p",
                    "projected": {
                        "defaultMode": 420,
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                            {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
                            {"downwardAPI": {"items": [{
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                "path": "namespace"
                            }]}}
                        ]
                    }
                }]
            },
            "status": {
                "conditions": [
                    {"lastProbeTime": null, "lastTransitionTime": "2025-01-01T00:00:03Z", "status": "True",
                     "type": "PodReadyToStartContainers"},
                    {"lastProbeTime": null, "lastTransitionTime": "2025-01-01T00:00:01Z", "status": "True",
                     "type": "Initialized"},
                    {"lastProbeTime": null, "lastTransitionTime": "2025-01-01T00:00:01Z",
                     "message": "containers with unready status: [web]", "reason": "ContainersNotReady",
                     "status": "False", "type": "Ready"}
                ],
                "containerStatuses": [{
                    "image": "nginx",
                    "imageID": "",
                    "lastState": {},
                    "name": "web",
                    "ready": false,
                    "restartCount": 0,
                    "started": false,
                    "state": {"waiting": {"reason": "ContainerCreating"}}
                }],
                "hostIP": "10.0.0.2",
                "hostIPs": [{"ip": "10.0.0.2"}],
                "phase": "Pending",
                "qosClass": "BestEffort",
                "startTime": "2025-01-01T00:00:01Z"
            }
        });
        let expected = r#"apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"labels":{"app":"web"},"name":"web","namespace":"default"},"spec":{"containers":[{"image":"nginx","name":"web","ports":[{"containerPort":80}]}]}}
  creationTimestamp: "2025-01-01T00:00:01Z"
  labels:
    app: web
  name: web
  namespace: default
  resourceVersion: "39"
  uid: 6b1f2a4e-3c1d-4f5e-9a7b-1c2d3e4f5a6b
spec:
  containers:
  - image: nginx
    imagePullPolicy: Always
    name: web
    ports:
    - containerPort: 80
      protocol: TCP
    resources: {}
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
    volumeMounts:
    - mountPath: /var/run/secrets/kubernetes.io/serviceaccount
      name: kube-api-access-x7k2p
      readOnly: true
  dnsPolicy: ClusterFirst
  enableServiceLinks: true
  nodeName: node-1
  preemptionPolicy: PreemptLowerPriority
  priority: 0
  restartPolicy: Always
  schedulerName: default-scheduler
  securityContext: {}
  serviceAccount: default
  serviceAccountName: default
  terminationGracePeriodSeconds: 30
  tolerations:
  - effect: NoExecute
    key: node.kubernetes.io/not-ready
    operator: Exists
    tolerationSeconds: 300
  - effect: NoExecute
    key: node.kubernetes.io/unreachable
    operator: Exists
    tolerationSeconds: 300
  volumes:
  - name: kube-api-access-x7k2p
    projected:
      defaultMode: 420
      sources:
      - serviceAccountToken:
          expirationSeconds: 3607
          path: token
      - configMap:
          items:
          - key: ca.crt
            path: ca.crt
          name: kube-root-ca.crt
      - downwardAPI:
          items:
          - fieldRef:
              apiVersion: v1
              fieldPath: metadata.namespace
            path: namespace
status:
  conditions:
  - lastProbeTime: null
    lastTransitionTime: "2025-01-01T00:00:03Z"
    status: "True"
    type: PodReadyToStartContainers
  - lastProbeTime: null
    lastTransitionTime: "2025-01-01T00:00:01Z"
    status: "True"
    type: Initialized
  - lastProbeTime: null
    lastTransitionTime: "2025-01-01T00:00:01Z"
    message: 'containers with unready status: [web]'
    reason: ContainersNotReady
    status: "False"
    type: Ready
  containerStatuses:
  - image: nginx
    imageID: ""
    lastState: {}
    name: web
    ready: false
    restartCount: 0
    started: false
    state:
      waiting:
        reason: ContainerCreating
  hostIP: 10.0.0.2
  hostIPs:
  - ip: 10.0.0.2
  phase: Pending
  qosClass: BestEffort
  startTime: "2025-01-01T00:00:01Z"
"#;
        check(pod, expected);
    }

    #[test]
    fn strings_that_resolve_to_other_types_are_double_quoted() {
        let value = json!({
            "a": "True", "b": "39", "c": "", "d": "2025-01-01T00:00:01Z", "e": "null", "f": "yes", "g": "N",
            "h": "off", "i": "~", "j": "1.5", "k": "0x1F", "l": "1e3", "m": ".inf", "n": "-.5", "o": "1_000",
            "p": "2025-01-01", "q": "2025-01-01 10:00:00", "r": "1:20", "s": "0o17", "t": "+12", "u": "09",
            "v": "2025-01-01T00:00:00.123456789123Z"
        });
        let expected = r#"a: "True"
b: "39"
c: ""
d: "2025-01-01T00:00:01Z"
e: "null"
f: "yes"
g: "N"
h: "off"
i: "~"
j: "1.5"
k: "0x1F"
l: "1e3"
m: ".inf"
"n": "-.5"
o: "1_000"
p: "2025-01-01"
q: "2025-01-01 10:00:00"
r: "1:20"
s: "0o17"
t: "+12"
u: "09"
v: "2025-01-01T00:00:00.123456789123Z"
"#;
        check(value, expected);
    }

    #[test]
    fn look_alikes_that_stay_strings_are_plain() {
        let value = json!([
            "yess",
            "Nope",
            "truE",
            "0x",
            "1e",
            "10:60",
            "2025-13-01",
            "2025-02-29",
            "v1.2.3",
            "<<",
            "1.2.3",
            "-x",
            "a:b",
            "a#b",
            "x-",
            "_",
            "a-b_c",
            "2025-01-01T25:00:00Z",
            "12h"
        ]);
        let expected = "- yess\n- Nope\n- truE\n- 0x\n- 1e\n- 10:60\n- 2025-13-01\n- 2025-02-29\n- v1.2.3\n- <<\n\
                        - 1.2.3\n- -x\n- a:b\n- a#b\n- x-\n- _\n- a-b_c\n- 2025-01-01T25:00:00Z\n- 12h\n";
        check(value, expected);
    }

    #[test]
    fn strings_unsafe_as_plain_scalars_are_single_quoted() {
        let value = json!({
            "a": "- x", "b": "a: b", "c": "#x", "d": " x", "e": "x ", "f": "a #b", "g": "it's: here", "h": "[web]",
            "i": "{x}", "j": "*x", "k": "&x", "l": "!x", "m": "|x", "n": ">x", "o": "%x", "p": "@x", "q": "`x",
            "r": "'x'", "s": "\"x\"", "t": ",x", "u": "-", "v": "---", "w": "...", "x": "? x", "y": "a:", "z": ": x"
        });
        let expected = r#"a: '- x'
b: 'a: b'
c: '#x'
d: ' x'
e: 'x '
f: 'a #b'
g: 'it''s: here'
h: '[web]'
i: '{x}'
j: '*x'
k: '&x'
l: '!x'
m: '|x'
"n": '>x'
o: '%x'
p: '@x'
q: '`x'
r: '''x'''
s: '"x"'
t: ',x'
u: '-'
v: '---'
w: '...'
x: '? x'
"y": 'a:'
z: ': x'
"#;
        check(value, expected);
    }

    #[test]
    fn unprintable_characters_force_double_quotes_with_escapes() {
        let value = json!({
            "tab": "a\tb",
            "cr": "a\rb",
            "bell": "\u{7}",
            "escape": "\u{1b}[0m",
            "quote_and_tab": "say \"hi\"\t\\",
            "emoji": "ship it 🚀",
            "bom": "\u{feff}ab",
            "nul": "\u{0}"
        });
        let expected = r#"bell: "\a"
bom: "\uFEFF\x61\x62"
cr: "a\rb"
emoji: "ship it \U0001F680"
escape: "\e[0m"
nul: "\0"
quote_and_tab: "say \"hi\"\t\\"
tab: "a\tb"
"#;
        check(value, expected);
    }

    #[test]
    fn unicode_is_written_as_is() {
        let value = json!({"name": "héllo wörld", "日本": "東京", "msg": "café: ouvert", "nbsp": "a\u{a0}b", "ls": "a\u{2028}b"});
        let expected = "ls: 'a\u{2028}  b'\nmsg: 'café: ouvert'\nname: héllo wörld\nnbsp: a\u{a0}b\n日本: 東京\n";
        check(value, expected);
    }

    #[test]
    fn nested_sequences_and_mappings() {
        let value = json!({
            "items": [
                {"name": "a", "ports": [{"containerPort": 80, "protocol": "TCP"}], "args": ["--v=2", "-x"]},
                [1, [2, 3], {"k": "v"}],
                [],
                {},
                null,
                [[]],
                [{}]
            ],
            "matrix": [[{"a": 1, "b": [true, false]}]]
        });
        let expected = r#"items:
- args:
  - --v=2
  - -x
  name: a
  ports:
  - containerPort: 80
    protocol: TCP
- - 1
  - - 2
    - 3
  - k: v
- []
- {}
- null
- - []
- - {}
matrix:
- - a: 1
    b:
    - true
    - false
"#;
        check(value, expected);
    }

    #[test]
    fn empty_collections_and_top_level_scalars() {
        check(json!({}), "{}\n");
        check(json!([]), "[]\n");
        check(json!(null), "null\n");
        check(json!("True"), "\"True\"\n");
        check(json!("x"), "x\n");
        check(json!(7), "7\n");
        check(json!(["a", "b"]), "- a\n- b\n");
        check(
            json!({"status": {}, "lastState": {}, "list": [], "nil": null}),
            "lastState: {}\nlist: []\nnil: null\nstatus: {}\n",
        );
    }

    #[test]
    fn multi_line_strings_use_literal_blocks() {
        let value = json!({
            "clip": "line1\nline2\n",
            "strip": "line1\nline2",
            "keep": "line1\n\n",
            "only_break": "\n",
            "indented": "  x\ny",
            "blank_lines": "a\n\n\nb\n",
            "trailing_space": "a\nb ",
            "space_before_break": "a \nb",
            "tab": "a\n\tb",
            "nested": [{"script": "set -e\necho hi\n"}]
        });
        let expected = r#"blank_lines: |
  a


  b
clip: |
  line1
  line2
indented: |2-
    x
  y
keep: |+
  line1

nested:
- script: |
    set -e
    echo hi
only_break: |2+

space_before_break: "a \nb"
strip: |-
  line1
  line2
tab: "a\n\tb"
trailing_space: "a\nb "
"#;
        check(value, expected);
    }

    #[test]
    fn long_strings_fold_at_eighty_columns() {
        let message = "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, \
                       2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for \
                       scheduling, 2 No preemption victims found for incoming pod.";
        let plain = "The quick brown fox jumps over the lazy dog and keeps running far beyond the eightieth column of \
                     the terminal window";
        let value =
            json!({"status": {"conditions": [{"message": message, "plain": plain, "tab": format!("{plain}\t")}]}});
        let expected = r#"status:
  conditions:
  - message: '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane:
      }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is
      not helpful for scheduling, 2 No preemption victims found for incoming pod.'
    plain: The quick brown fox jumps over the lazy dog and keeps running far beyond
      the eightieth column of the terminal window
    tab: "The quick brown fox jumps over the lazy dog and keeps running far beyond
      the eightieth column of the terminal window\t"
"#;
        check(value, expected);
    }

    #[test]
    fn keys_follow_go_yaml_order_and_quoting() {
        let value = json!({
            "a10": 1, "a9": 2, "a_b": 3, "aB": 4, "B": 5, "b": 6, "a.b": 7, "a-b": 8, "a/b": 9, "x02": 10, "x1": 11,
            "true": 12, "39": 13, "": 14, "a: b": 15
        });
        let expected = r#""": 14
"39": 13
B: 5
a-b: 8
a.b: 7
a/b: 9
'a: b': 15
a_b: 3
a9: 2
a10: 1
aB: 4
b: 6
"true": 12
x1: 11
x02: 10
"#;
        check(value, expected);
    }

    #[test]
    fn long_and_multi_line_keys_are_complex_keys() {
        let long = "k".repeat(129);
        let value = json!({ long.clone(): "v", "a\nb": {"c": 1}, "short": "v" });
        let expected = format!("? |-\n  a\n  b\n: c: 1\n? {long}\n: v\nshort: v\n");
        check(value, &expected);
    }

    #[test]
    fn numbers_match_go_formatting() {
        let value = json!([
            0,
            -1,
            42,
            9_223_372_036_854_775_807_i64,
            -9_223_372_036_854_775_808_i64,
            18_446_744_073_709_551_615_u64,
            0.5,
            -0.25,
            1.5,
            3.0,
            -0.0,
            1_000_000.0,
            1_234_567.5,
            123_456.5,
            1e21,
            1e20,
            1e-7,
            0.0001,
            0.00001,
            6.0e17,
            600_727_260_504_481_300.0,
            1_606_028_176_652_636.2, // exactly 1606028176652636.25
            1e300,
            5e-324,
            true,
            false
        ]);
        let expected = "- 0\n- -1\n- 42\n- 9223372036854775807\n- -9223372036854775808\n- 18446744073709551615\n\
                        - 0.5\n- -0.25\n- 1.5\n- 3\n- 0\n- 1000000\n- 1.2345675e+06\n- 123456.5\n- 1e+21\n\
                        - 1e+20\n- 1e-07\n- 0.0001\n- 1e-05\n- 600000000000000000\n\
                        - 600727260504481300\n- 1.6060281766526362e+15\n- 1e+300\n- 5e-324\n- true\n- false\n";
        check(value, expected);
    }

    #[test]
    fn next_line_characters_fold_like_the_json_round_trip() {
        // (In a key, a raw NEL makes kubectl's YAML decoding fail outright; it is folded here too.)
        let value = json!({"a": "x\u{85}y", "b": "x \u{85} y", "c": "x\u{85}\u{85}\u{85}y", "d": "\u{85}x\u{85}"});
        check(value, "a: x y\nb: x y\nc: |-\n  x\n\n  y\nd: ' x '\n");
    }

    #[test]
    fn never_panics_on_odd_input() {
        let pieces = [
            "", " ", "\n", "\r", "\t", "\u{85}", "\u{2028}", "\u{feff}", "\u{0}", "\u{7f}", "\u{9f}", "\u{fffe}", "é",
            "😀", "'", "\"", "\\", "-", ":", "#", "?", "0", "9", "_", ".", "e", "x", "---", "...",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let s = format!("{a}{b}{c}");
                    let long = format!("{} {s}", "word ".repeat(20));
                    let value = json!({ s.clone(): [s.clone(), {"k": long}], "n": [1.5e300, -1e-300] });
                    let out = to_yaml(&value);
                    // A value ending in U+2028 legitimately ends the document without a newline.
                    assert!(!out.is_empty(), "{value:?}");
                }
            }
        }
    }
}
