//! kubectl's JSONPath templates (client-go `util/jsonpath`), for `-o jsonpath=`,
//! `-o custom-columns=` and `--sort-by`: text with `{actions}`, fields (`.a.b`,
//! `['a.b']`), array indexes and slices (`[0]`, `[-1]`, `[1:3]`), wildcards (`[*]`,
//! `.*`), recursive descent (`..name`), filters (`[?(@.type=="Ready")]`), string literals
//! (`{"\n"}`) and `{range ...}{end}` blocks. Missing keys print nothing, as kubectl allows
//! them.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// `.name` or `['name']`.
    Field(String),
    /// `..name`: every `name` at any depth.
    Recursive(String),
    /// `[*]` or `.*`: every element or value.
    Wildcard,
    /// `[n]`.
    Index(i64),
    /// `[start:end]`.
    Slice(Option<i64>, Option<i64>),
    /// `[?(@.path OP value)]` or `[?(@.path)]`.
    Filter(Box<Filter>),
}

#[derive(Debug, Clone, PartialEq)]
struct Filter {
    left: Operand,
    op: Option<(String, Operand)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Path(Vec<Step>),
    Literal(Value),
}

/// A parsed template piece.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    /// A path from the root (`$`, `.`) or the current object (`@`).
    Path(Vec<Step>),
    Range(Vec<Step>, Vec<Node>),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    nodes: Vec<Node>,
}

impl Template {
    /// Parses a template as `-o jsonpath=` takes it.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find('{') {
                None => {
                    pieces.push(Piece::Text(rest.to_string()));
                    break;
                }
                Some(open) => {
                    if open > 0 {
                        pieces.push(Piece::Text(rest[..open].to_string()));
                    }
                    let body_start = open + 1;
                    let close = find_close(&rest[body_start..]).ok_or_else(|| "unclosed action".to_string())?;
                    let body = rest[body_start..body_start + close].trim();
                    pieces.push(parse_action(body)?);
                    rest = &rest[body_start + close + 1..];
                }
            }
        }
        let mut iter = pieces.into_iter();
        let nodes = nest(&mut iter, false)?;
        Ok(Template { nodes })
    }

    /// Runs the template on `data`: each action's results separated by spaces, strings
    /// as text, objects and arrays as compact JSON.
    pub fn execute(&self, data: &Value) -> String {
        let mut out = String::new();
        run(&self.nodes, data, data, &mut out);
        out
    }

    /// The values the template's first action finds (custom columns and `--sort-by` use
    /// templates of one path).
    pub fn find(&self, data: &Value) -> Vec<Value> {
        match self.nodes.iter().find(|n| !matches!(n, Node::Text(_))) {
            Some(Node::Path(steps)) => eval(steps, data, data),
            _ => Vec::new(),
        }
    }
}

/// `RelaxedJSONPathExpression`: `a.b`, `.a.b`, `{a.b}` and `{.a.b}` all mean `{.a.b}`.
pub fn relaxed(expression: &str) -> Result<String, String> {
    if expression.is_empty() {
        return Ok(String::new());
    }
    let inner = match expression.strip_prefix('{').and_then(|e| e.strip_suffix('}')) {
        Some(inner) => inner,
        None => expression,
    };
    let inner = inner.strip_prefix('.').unwrap_or(inner);
    if inner.is_empty() || inner.contains(['{', '}']) {
        return Err(
            "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'"
                .into(),
        );
    }
    Ok(format!("{{.{inner}}}"))
}

/// Go's `fmt.Sprint` of a decoded JSON value, as custom columns print it: `map[k:v]`,
/// `[a b]`, `<nil>`.
pub fn go_sprint(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => format!("[{}]", items.iter().map(go_sprint).collect::<Vec<_>>().join(" ")),
        Value::Object(map) => {
            format!("map[{}]", map.iter().map(|(k, v)| format!("{k}:{}", go_sprint(v))).collect::<Vec<_>>().join(" "))
        }
    }
}

/// A template piece before `range`/`end` are nested.
enum Piece {
    Text(String),
    Path(Vec<Step>),
    Range(Vec<Step>),
    End,
}

fn nest(pieces: &mut impl Iterator<Item = Piece>, in_range: bool) -> Result<Vec<Node>, String> {
    let mut nodes = Vec::new();
    while let Some(piece) = pieces.next() {
        match piece {
            Piece::Text(t) => nodes.push(Node::Text(t)),
            Piece::Path(p) => nodes.push(Node::Path(p)),
            Piece::Range(p) => {
                let body = nest(pieces, true)?;
                nodes.push(Node::Range(p, body));
            }
            Piece::End if in_range => return Ok(nodes),
            Piece::End => return Err("not in range, nothing to end".into()),
        }
    }
    if in_range {
        return Err("range without end".into());
    }
    Ok(nodes)
}

/// The index of the `}` closing an action, skipping quoted strings.
fn find_close(text: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '}' => return Some(i),
                _ => {}
            },
        }
    }
    None
}

fn parse_action(body: &str) -> Result<Piece, String> {
    if body == "end" {
        return Ok(Piece::End);
    }
    if let Some(path) = body.strip_prefix("range ") {
        return Ok(Piece::Range(parse_path(path.trim())?));
    }
    if let Some(literal) = string_literal(body) {
        return Ok(Piece::Text(literal));
    }
    Ok(Piece::Path(parse_path(body)?))
}

/// A quoted string with Go's escapes (`"\n"`, `"\t"`), or None.
fn string_literal(text: &str) -> Option<String> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = text.strip_prefix(quote)?.strip_suffix(quote)?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Some(out)
}

/// Parses `.a.b[0]['c.d'][*]..e[?(@.x=="y")]` (a leading `$` or `@` is the root or the
/// current object; kubesim treats both as the object the path applies to).
fn parse_path(text: &str) -> Result<Vec<Step>, String> {
    let text = text.strip_prefix('$').or_else(|| text.strip_prefix('@')).unwrap_or(text);
    let chars: Vec<char> = text.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    // A name runs to the next terminator; `\.` keeps a dot in it (`deployment\.kubernetes\.io/revision`).
    let name_end = |from: usize| {
        let mut j = from;
        while j < chars.len() && !matches!(chars[j], '.' | '[' | ' ' | ')' | '=' | '!' | '<' | '>') {
            j += if chars[j] == '\\' { 2 } else { 1 };
        }
        j.min(chars.len())
    };
    let unescape = |from: usize, to: usize| -> String { chars[from..to].iter().filter(|c| **c != '\\').collect() };
    while i < chars.len() {
        match chars[i] {
            '.' if chars.get(i + 1) == Some(&'.') => {
                let end = name_end(i + 2);
                steps.push(Step::Recursive(unescape(i + 2, end)));
                i = end;
            }
            '.' => {
                let end = name_end(i + 1);
                let name = unescape(i + 1, end);
                match name.as_str() {
                    "" => {}
                    "*" => steps.push(Step::Wildcard),
                    _ => steps.push(Step::Field(name)),
                }
                i = end;
            }
            '[' => {
                let close = matching_bracket(&chars, i).ok_or_else(|| format!("unterminated array in {text}"))?;
                let inner: String = chars[i + 1..close].iter().collect();
                steps.push(parse_bracket(inner.trim())?);
                i = close + 1;
            }
            c if c.is_whitespace() => i += 1,
            _ => {
                // A bare name (as after `{` in a relaxed expression).
                let end = name_end(i);
                steps.push(Step::Field(unescape(i, end)));
                i = end.max(i + 1);
            }
        }
    }
    Ok(steps)
}

fn matching_bracket(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (j, c) in chars.iter().enumerate().skip(open) {
        match quote {
            Some(q) if *c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(*c),
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(j);
                    }
                }
                _ => {}
            },
        }
    }
    None
}

fn parse_bracket(inner: &str) -> Result<Step, String> {
    if inner == "*" {
        return Ok(Step::Wildcard);
    }
    if let Some(name) = string_literal(inner) {
        return Ok(Step::Field(name));
    }
    if let Some(filter) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
        return parse_filter(filter.trim()).map(|f| Step::Filter(Box::new(f)));
    }
    if let Some((start, end)) = inner.split_once(':') {
        let bound = |s: &str| -> Result<Option<i64>, String> {
            let s = s.split(':').next().unwrap_or("").trim();
            if s.is_empty() { Ok(None) } else { s.parse().map(Some).map_err(|_| format!("invalid array index {s}")) }
        };
        return Ok(Step::Slice(bound(start)?, bound(end)?));
    }
    inner.parse::<i64>().map(Step::Index).map_err(|_| format!("invalid array index {inner}"))
}

fn parse_filter(text: &str) -> Result<Filter, String> {
    for op in ["==", "!=", "<=", ">=", "<", ">"] {
        if let Some((left, right)) = text.split_once(op) {
            return Ok(Filter {
                left: parse_operand(left.trim())?,
                op: Some((op.to_string(), parse_operand(right.trim())?)),
            });
        }
    }
    Ok(Filter { left: parse_operand(text)?, op: None })
}

fn parse_operand(text: &str) -> Result<Operand, String> {
    if text.starts_with('@') || text.starts_with('$') || text.starts_with('.') {
        return parse_path(text).map(Operand::Path);
    }
    if let Some(s) = string_literal(text) {
        return Ok(Operand::Literal(Value::String(s)));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok(Operand::Literal(v)),
        Err(_) => Ok(Operand::Literal(Value::String(text.to_string()))),
    }
}

/// The values `steps` reach from `current`.
fn eval(steps: &[Step], _root: &Value, current: &Value) -> Vec<Value> {
    let mut values = vec![current.clone()];
    for step in steps {
        let mut next = Vec::new();
        for value in &values {
            apply(step, value, &mut next);
        }
        values = next;
    }
    values
}

fn apply(step: &Step, value: &Value, next: &mut Vec<Value>) {
    match step {
        Step::Field(name) => {
            if let Some(v) = value.as_object().and_then(|m| m.get(name)) {
                next.push(v.clone());
            }
        }
        Step::Recursive(name) => recurse(name, value, next),
        Step::Wildcard => match value {
            Value::Array(items) => next.extend(items.iter().cloned()),
            Value::Object(map) => next.extend(map.values().cloned()),
            _ => {}
        },
        Step::Index(i) => {
            if let Some(items) = value.as_array() {
                let len = items.len() as i64;
                let at = if *i < 0 { len + i } else { *i };
                if (0..len).contains(&at) {
                    next.push(items[at as usize].clone());
                }
            }
        }
        Step::Slice(start, end) => {
            if let Some(items) = value.as_array() {
                let len = items.len() as i64;
                let clamp = |b: i64| (if b < 0 { len + b } else { b }).clamp(0, len) as usize;
                let (s, e) = (clamp(start.unwrap_or(0)), clamp(end.unwrap_or(len)));
                if s < e {
                    next.extend(items[s..e].iter().cloned());
                }
            }
        }
        Step::Filter(filter) => {
            let candidates: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            next.extend(candidates.into_iter().filter(|c| filter_matches(filter, c)).cloned());
        }
    }
}

fn recurse(name: &str, value: &Value, next: &mut Vec<Value>) {
    match value {
        Value::Object(map) => {
            if let Some(v) = map.get(name) {
                next.push(v.clone());
            }
            for v in map.values() {
                recurse(name, v, next);
            }
        }
        Value::Array(items) => {
            for v in items {
                recurse(name, v, next);
            }
        }
        _ => {}
    }
}

fn operand_values(operand: &Operand, current: &Value) -> Vec<Value> {
    match operand {
        Operand::Path(steps) => eval(steps, current, current),
        Operand::Literal(v) => vec![v.clone()],
    }
}

fn filter_matches(filter: &Filter, current: &Value) -> bool {
    let left = operand_values(&filter.left, current);
    let Some((op, right)) = &filter.op else { return !left.is_empty() };
    let right = operand_values(right, current);
    left.iter().any(|l| right.iter().any(|r| compare(l, op, r)))
}

fn compare(left: &Value, op: &str, right: &Value) -> bool {
    let ordering = match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (a, b) => (a == b).then_some(std::cmp::Ordering::Equal),
    };
    match op {
        "==" => ordering == Some(std::cmp::Ordering::Equal),
        "!=" => ordering != Some(std::cmp::Ordering::Equal),
        "<" => ordering == Some(std::cmp::Ordering::Less),
        ">" => ordering == Some(std::cmp::Ordering::Greater),
        "<=" => matches!(ordering, Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)),
        ">=" => matches!(ordering, Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)),
        _ => false,
    }
}

/// `evalToText`: strings as they are, `null` for null, other scalars as Go prints them;
/// maps and lists as compact JSON (`PrintResults`).
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(_) | Value::Object(_) => go_json(value),
    }
}

/// `json.Marshal`: compact, keys sorted, and `<`, `>`, `&` escaped as Go does.
fn go_json(value: &Value) -> String {
    serde_json::to_string(value)
        .expect("JSON values serialize")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn run(nodes: &[Node], root: &Value, current: &Value, out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Path(steps) => {
                let values = eval(steps, root, current);
                out.push_str(&values.iter().map(text_of).collect::<Vec<_>>().join(" "));
            }
            Node::Range(steps, body) => {
                for value in eval(steps, root, current) {
                    run(body, root, &value, out);
                }
            }
        }
    }
}

/// `sortorder.NaturalLess`: runs of digits compare as numbers, the rest as bytes.
pub fn natural_less(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (da, db) = (a[i].is_ascii_digit(), b[j].is_ascii_digit());
        match (da, db) {
            (true, true) => {
                // Skip leading zeros, then compare by length and digits.
                let (si, sj) = (i, j);
                while i < a.len() && a[i] == b'0' {
                    i += 1;
                }
                while j < b.len() && b[j] == b'0' {
                    j += 1;
                }
                let (ni, nj) = (i, j);
                while i < a.len() && a[i].is_ascii_digit() {
                    i += 1;
                }
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                let (ra, rb) = (&a[ni..i], &b[nj..j]);
                if ra.len() != rb.len() {
                    return ra.len() < rb.len();
                }
                if ra != rb {
                    return ra < rb;
                }
                // Equal numbers: fewer leading zeros first.
                if ni - si != nj - sj {
                    return ni - si < nj - sj;
                }
            }
            _ => {
                if a[i] != b[j] {
                    return a[i] < b[j];
                }
                i += 1;
                j += 1;
            }
        }
    }
    a.len() - i < b.len() - j
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(template: &str, data: &Value) -> String {
        Template::parse(template).unwrap().execute(data)
    }

    fn list() -> Value {
        json!({"kind": "List", "items": [
            {"metadata": {"name": "web", "labels": {"app": "web"}},
             "spec": {"ports": [{"port": 80, "nodePort": 30080}], "containers": [{"image": "nginx"}, {"image": "redis"}]},
             "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}},
            {"metadata": {"name": "db"}, "spec": {}, "status": {"phase": "Pending", "conditions": [{"type": "Ready", "status": "False"}]}}
        ]})
    }

    #[test]
    fn fields_indexes_and_wildcards() {
        let data = list();
        assert_eq!(run("{.items[*].metadata.name}", &data), "web db");
        assert_eq!(run("{.items[0].spec.ports[0].nodePort}", &data), "30080");
        assert_eq!(run("{.items[-1].metadata.name}", &data), "db");
        assert_eq!(run("{.items[0:1].metadata.name}", &data), "web");
        assert_eq!(run("{.items[0].spec.containers[*].image}", &data), "nginx redis");
        assert_eq!(run("{.items[0].metadata.labels}", &data), "{\"app\":\"web\"}");
        assert_eq!(run("{.items[0].metadata['name']}", &data), "web");
        assert_eq!(run("{..phase}", &data), "Running Pending");
        assert_eq!(run("{.items[5].metadata.name}", &data), "");
        assert_eq!(run("{.missing}", &data), "");
        assert_eq!(run("name: {.items[1].metadata.name}!", &data), "name: db!");
        let annotated = json!({"metadata": {"annotations": {"example.com/owner": "team-a"}}});
        assert_eq!(run("{.metadata.annotations.example\\.com/owner}", &annotated), "team-a");
    }

    #[test]
    fn ranges_literals_and_filters() {
        let data = list();
        assert_eq!(run("{range .items[*]}{.metadata.name}{\"\\n\"}{end}", &data), "web\ndb\n");
        assert_eq!(
            run("{range .items[*]}{.metadata.name}{\"\\t\"}{.status.phase}{\"\\n\"}{end}", &data),
            "web\tRunning\ndb\tPending\n"
        );
        assert_eq!(run("{.items[?(@.status.phase==\"Running\")].metadata.name}", &data), "web");
        assert_eq!(run("{.items[*].status.conditions[?(@.type=='Ready')].status}", &data), "True False");
        assert_eq!(run("{.items[?(@.metadata.labels)].metadata.name}", &data), "web");
        assert!(Template::parse("{range .items[*]}{.x}").is_err());
        assert!(Template::parse("{.items").is_err());
    }

    #[test]
    fn relaxed_expressions_and_go_printing() {
        assert_eq!(relaxed(".metadata.name").unwrap(), "{.metadata.name}");
        assert_eq!(relaxed("metadata.name").unwrap(), "{.metadata.name}");
        assert_eq!(relaxed("{.metadata.name}").unwrap(), "{.metadata.name}");
        assert!(relaxed("{.a}{.b}").is_err());
        assert_eq!(go_sprint(&json!({"b": [1, "x"], "a": null})), "map[a:<nil> b:[1 x]]");
    }

    #[test]
    fn natural_order() {
        assert!(natural_less("web-2", "web-10"));
        assert!(!natural_less("web-10", "web-2"));
        assert!(natural_less("a", "b"));
        assert!(natural_less("a", "a1"));
        assert!(!natural_less("a", "a"));
    }
}
