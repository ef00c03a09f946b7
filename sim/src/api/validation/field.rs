//! The machinery shared by every validator: field paths (`field.Path`), the error list with
//! upstream's error bodies (`field.Error.ErrorBody`), Go's value formatting (`%q`, `%#v`),
//! and the value formats of apimachinery's `util/validation` (`IsDNS1123Label`,
//! `IsQualifiedName`, ...) with their exact messages.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt;

use super::FieldError;
use crate::api::meta::{IntOrString, LabelSelector};

/// A JSON path as upstream prints it: `spec.containers[0].resources.limits[cpu]`. Each
/// step borrows its parent: a path is written out only for an error, so validating a
/// valid object builds no string.
#[derive(Debug, Clone, Copy)]
pub(super) enum Path<'a> {
    /// `metadata`, `spec` (or empty: the children start the path).
    Root(&'a str),
    /// `a.b`
    Child(&'a Path<'a>, &'a str),
    /// `a[0]`
    Index(&'a Path<'a>, usize),
    /// `a[key]` (map keys are not quoted upstream).
    Key(&'a Path<'a>, &'a str),
}

impl<'a> Path<'a> {
    /// A root path such as `metadata` or `spec`.
    pub(super) fn new(root: &'a str) -> Path<'a> {
        Path::Root(root)
    }

    /// `a.b`
    pub(super) fn child(&'a self, name: &'a str) -> Path<'a> {
        Path::Child(self, name)
    }

    /// `a[0]`
    pub(super) fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }

    /// `a[key]`
    pub(super) fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(root) => f.write_str(root),
            Path::Child(Path::Root(""), name) => f.write_str(name),
            Path::Child(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
            Path::Key(parent, key) => write!(f, "{parent}[{key}]"),
        }
    }
}

/// A bad value, printed as `field.Error.ErrorBody` prints it: strings with `%q`, numbers
/// plainly, everything else in Go syntax (`%#v`), which callers pre-render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Bad {
    /// A string (also a named string type: `%#v` and `%q` agree on those).
    Str(String),
    /// Any integer.
    Int(i64),
    /// A value already rendered in Go syntax.
    Go(String),
}

impl Bad {
    /// A nil pointer, which upstream prints as the string `"null"`.
    pub(super) fn null() -> Bad {
        Bad::Str("null".into())
    }

    fn render(&self) -> String {
        match self {
            Bad::Str(s) => go_quote(s),
            Bad::Int(i) => i.to_string(),
            Bad::Go(g) => g.clone(),
        }
    }
}

impl From<&str> for Bad {
    fn from(s: &str) -> Bad {
        Bad::Str(s.to_string())
    }
}

impl From<&String> for Bad {
    fn from(s: &String) -> Bad {
        Bad::Str(s.clone())
    }
}

impl From<&crate::api::Str> for Bad {
    fn from(s: &crate::api::Str) -> Bad {
        Bad::Str(s.to_string())
    }
}

impl From<String> for Bad {
    fn from(s: String) -> Bad {
        Bad::Str(s)
    }
}

impl From<i64> for Bad {
    fn from(i: i64) -> Bad {
        Bad::Int(i)
    }
}

impl From<i32> for Bad {
    fn from(i: i32) -> Bad {
        Bad::Int(i64::from(i))
    }
}

/// The errors found so far, in the order upstream finds them (`field.ErrorList`).
#[derive(Debug, Default)]
pub(super) struct Errs(Vec<FieldError>);

impl Errs {
    fn push(&mut self, path: &Path, detail: String) {
        self.0.push(FieldError { path: path.to_string(), detail });
    }

    /// `field.Required`: `Required value` or `Required value: <detail>`.
    pub(super) fn required(&mut self, path: &Path, detail: &str) {
        self.push(path, with_detail("Required value".into(), detail));
    }

    /// `field.Forbidden`: `Forbidden: <detail>`.
    pub(super) fn forbidden(&mut self, path: &Path, detail: &str) {
        self.push(path, with_detail("Forbidden".into(), detail));
    }

    /// `field.Invalid`: `Invalid value: <value>: <detail>`.
    pub(super) fn invalid(&mut self, path: &Path, value: impl Into<Bad>, detail: &str) {
        let body = format!("Invalid value: {}", value.into().render());
        self.push(path, with_detail(body, detail));
    }

    /// One `field.Invalid` per message, as upstream does for the `Is*` format checks.
    pub(super) fn invalid_each(&mut self, path: &Path, value: &str, msgs: Vec<String>) {
        for msg in msgs {
            self.invalid(path, value, &msg);
        }
    }

    /// `field.NotSupported`: `Unsupported value: <value>: supported values: "a", "b"`.
    pub(super) fn not_supported(&mut self, path: &Path, value: impl Into<Bad>, valid: &[&str]) {
        let body = format!("Unsupported value: {}", value.into().render());
        let quoted: Vec<String> = valid.iter().map(|v| go_quote(v)).collect();
        let detail = if quoted.is_empty() { String::new() } else { format!("supported values: {}", quoted.join(", ")) };
        self.push(path, with_detail(body, &detail));
    }

    /// `field.Duplicate`: `Duplicate value: <value>`, optionally with a detail.
    pub(super) fn duplicate(&mut self, path: &Path, value: impl Into<Bad>, detail: &str) {
        let body = format!("Duplicate value: {}", value.into().render());
        self.push(path, with_detail(body, detail));
    }

    /// `field.TooLong`: `Too long: must have at most <n> bytes`.
    pub(super) fn too_long(&mut self, path: &Path, max_bytes: usize) {
        self.push(path, format!("Too long: must have at most {max_bytes} bytes"));
    }

    /// True when nothing was found.
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The errors, without repeats: the apiserver prints the list through
    /// `ErrorList.ToAggregate`, which drops an error whose text was already seen.
    pub(super) fn into_vec(self) -> Vec<FieldError> {
        let mut seen = BTreeSet::new();
        self.0.into_iter().filter(|e| seen.insert(e.to_string())).collect()
    }

    /// Test helper: runs one validator and returns its messages.
    #[cfg(test)]
    pub(super) fn collect(f: impl FnOnce(&mut Errs)) -> Vec<String> {
        let mut e = Errs::default();
        f(&mut e);
        e.into_vec().iter().map(ToString::to_string).collect()
    }
}

fn with_detail(body: String, detail: &str) -> String {
    if detail.is_empty() { body } else { format!("{body}: {detail}") }
}

pub(super) use crate::api::or_empty as text;

// ---------------------------------------------------------------------------------------
// Go value formatting.

/// Go's `strconv.Quote` (`%q`, and `%#v` of a string).
pub(super) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if go_is_print(c) => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint`: graphic characters and the ASCII space.
fn go_is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    // Format characters, private use and noncharacters are not graphic in Go.
    !matches!(c as u32,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E
        | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF
        | 0xFFFE | 0xFFFF)
}

/// `%#v` of a `map[string]string` (keys sorted, as fmt prints maps).
pub(super) fn go_string_map(map: &BTreeMap<String, String>) -> String {
    if map.is_empty() {
        return "map[string]string(nil)".into();
    }
    let entries: Vec<String> = map.iter().map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v))).collect();
    format!("map[string]string{{{}}}", entries.join(", "))
}

/// `%#v` of a `[]string`.
fn go_string_slice(items: &[String]) -> String {
    if items.is_empty() {
        return "[]string(nil)".into();
    }
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// `%#v` of a `metav1.LabelSelector`.
pub(super) fn go_label_selector(sel: &LabelSelector) -> String {
    let exprs = if sel.match_expressions.is_empty() {
        "[]v1.LabelSelectorRequirement(nil)".to_string()
    } else {
        let items: Vec<String> = sel
            .match_expressions
            .iter()
            .map(|r| {
                format!(
                    "v1.LabelSelectorRequirement{{Key:{}, Operator:{}, Values:{}}}",
                    go_quote(&r.key),
                    go_quote(&r.operator),
                    go_string_slice(&r.values)
                )
            })
            .collect();
        format!("[]v1.LabelSelectorRequirement{{{}}}", items.join(", "))
    };
    format!("v1.LabelSelector{{MatchLabels:{}, MatchExpressions:{exprs}}}", go_string_map(&sel.match_labels))
}

/// `%#v` of an `intstr.IntOrString`.
pub(super) fn go_int_or_string(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => format!("intstr.IntOrString{{Type:0, IntVal:{i}, StrVal:\"\"}}"),
        IntOrString::String(s) => format!("intstr.IntOrString{{Type:1, IntVal:0, StrVal:{}}}", go_quote(s)),
    }
}

/// `%#v` of a non-nil pointer field inside a struct. Upstream prints the address, which is
/// not reproducible; kubesim prints a fixed one.
pub(super) fn go_pointer(type_name: &str, set: bool) -> String {
    if set { format!("(*{type_name})(0xc000010000)") } else { format!("(*{type_name})(nil)") }
}

// ---------------------------------------------------------------------------------------
// Formats of `k8s.io/apimachinery/pkg/util/validation`.

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_ERR: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_ERR: &str =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const PERCENT_FMT: &str = "[0-9]+%";
const PERCENT_ERR: &str = "a valid percent string must be a numeric string followed by an ending '%'";

/// `RegexError`: note the two spaces before each `or` that upstream's loop produces.
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let shown: Vec<String> = examples.iter().map(|e| format!("'{e}', ")).collect();
    format!("{msg} (e.g. {}regex used for validation is '{fmt}')", shown.join(" or "))
}

/// `MaxLenError`.
fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

/// `InclusiveRangeError`.
pub(super) fn inclusive_range_error(lo: i64, hi: i64) -> String {
    format!("must be between {lo} and {hi}, inclusive")
}

/// `IsNegativeErrorMsg`.
pub(super) const NEGATIVE_MSG: &str = "must be greater than or equal to 0";

/// `FieldImmutableErrorMsg`.
pub(super) const IMMUTABLE_MSG: &str = "field is immutable";

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
fn matches_dns1123_label(b: &[u8]) -> bool {
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => {
            is_lower_alnum(first) && is_lower_alnum(last) && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
        }
        _ => false,
    }
}

/// `^<label>(\.<label>)*$`
fn matches_dns1123_subdomain(b: &[u8]) -> bool {
    !b.is_empty() && b.split(|&c| c == b'.').all(matches_dns1123_label)
}

/// `^[a-z]([-a-z0-9]*[a-z0-9])?$`
fn matches_dns1035_label(b: &[u8]) -> bool {
    matches!(b.first(), Some(c) if c.is_ascii_lowercase()) && matches_dns1123_label(b)
}

/// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`
fn matches_qualified_name(b: &[u8]) -> bool {
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

fn dns1123_label_bytes(b: &[u8]) -> Vec<String> {
    let mut errs = Vec::new();
    if b.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !matches_dns1123_label(b) {
        if matches_dns1123_subdomain(b) {
            // A valid subdomain but not a label: with the length checked, it must be dots.
            errs.push("must not contain dots".into());
        } else {
            errs.push(regex_error(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, &["my-name", "123-abc"]));
        }
    }
    errs
}

fn dns1123_subdomain_bytes(b: &[u8]) -> Vec<String> {
    let mut errs = Vec::new();
    if b.len() > 253 {
        errs.push(max_len_error(253));
    }
    if !matches_dns1123_subdomain(b) {
        errs.push(regex_error(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, &["example.com"]));
    }
    errs
}

fn dns1035_label_bytes(b: &[u8]) -> Vec<String> {
    let mut errs = Vec::new();
    if b.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !matches_dns1035_label(b) {
        errs.push(regex_error(DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, &["my-name", "abc-123"]));
    }
    errs
}

/// `IsDNS1123Label`.
pub(super) fn dns1123_label(value: &str) -> Vec<String> {
    dns1123_label_bytes(value.as_bytes())
}

/// `IsDNS1123Subdomain`.
pub(super) fn dns1123_subdomain(value: &str) -> Vec<String> {
    dns1123_subdomain_bytes(value.as_bytes())
}

/// `IsQualifiedName`: label keys, annotation keys, finalizers, resource names...
pub(super) fn qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".into());
            } else {
                errs.extend(dns1123_subdomain(prefix).into_iter().map(|m| format!("prefix part {m}")));
            }
            *name
        }
        _ => {
            return vec![format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, &["MyName", "my.name", "123-abc"])
            )];
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".into());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len_error(63)));
    }
    if !matches_qualified_name(name.as_bytes()) {
        errs.push(format!(
            "name part {}",
            regex_error(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, &["MyName", "my.name", "123-abc"])
        ));
    }
    errs
}

/// `IsValidLabelValue`.
pub(super) fn label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !value.is_empty() && !matches_qualified_name(value.as_bytes()) {
        errs.push(regex_error(LABEL_VALUE_ERR, LABEL_VALUE_FMT, &["MyValue", "my_value", "12345"]));
    }
    errs
}

/// `IsValidPortName`: an IANA service name.
pub(super) fn port_name(port: &str) -> Vec<String> {
    let b = port.as_bytes();
    let mut errs = Vec::new();
    if b.len() > 15 {
        errs.push(max_len_error(15));
    }
    if b.is_empty() || !b.iter().all(|&c| is_lower_alnum(c) || c == b'-') {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into());
    }
    if !b.iter().any(|c| c.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".into());
    }
    if port.contains("--") {
        errs.push("must not contain consecutive hyphens".into());
    }
    if b.first() == Some(&b'-') || b.last() == Some(&b'-') {
        errs.push("must not begin or end with a hyphen".into());
    }
    errs
}

/// `IsValidPortNum`.
pub(super) fn port_num(port: i64) -> Vec<String> {
    if (1..=65535).contains(&port) { Vec::new() } else { vec![inclusive_range_error(1, 65535)] }
}

/// `IsValidPercent`.
pub(super) fn percent(value: &str) -> Vec<String> {
    let valid = value.strip_suffix('%').is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()));
    if valid { Vec::new() } else { vec![regex_error(PERCENT_ERR, PERCENT_FMT, &["1%", "93%"])] }
}

/// The name rules of `apimachinery/pkg/api/validation` (`NameIsDNSSubdomain`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameFormat {
    /// RFC 1123 subdomain: most kinds.
    Subdomain,
    /// RFC 1123 label: Namespaces.
    Label,
    /// RFC 1035 label: Services.
    Dns1035,
}

impl NameFormat {
    /// The problems with `name`; `prefix` for a `generateName`, whose trailing dash is fine.
    pub(super) fn check(self, name: &str, prefix: bool) -> Vec<String> {
        let masked = if prefix { mask_trailing_dash(name.as_bytes()) } else { name.as_bytes().to_vec() };
        match self {
            NameFormat::Subdomain => dns1123_subdomain_bytes(&masked),
            NameFormat::Label => dns1123_label_bytes(&masked),
            NameFormat::Dns1035 => dns1035_label_bytes(&masked),
        }
    }
}

/// `maskTrailingDash`: upstream replaces the last two bytes by `a`.
fn mask_trailing_dash(name: &[u8]) -> Vec<u8> {
    match name {
        [rest @ .., _, b'-'] => {
            let mut masked = rest.to_vec();
            masked.push(b'a');
            masked
        }
        _ => name.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::meta::LabelSelectorRequirement;

    const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    const DNS1035_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    const QNAME_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    #[test]
    fn paths_print_like_field_path() {
        let spec = Path::new("spec");
        let containers = spec.child("containers");
        let first = containers.index(0);
        let resources = first.child("resources");
        let limits = resources.child("limits");
        assert_eq!(limits.key("cpu").to_string(), "spec.containers[0].resources.limits[cpu]");
        assert_eq!(Path::new("").child("a").to_string(), "a");
    }

    #[test]
    fn error_bodies_match_upstream() {
        let mut e = Errs::default();
        let p = Path::new("x");
        e.required(&p, "");
        e.required(&p, "name or generateName is required");
        e.forbidden(&p, "nope");
        e.invalid(&p, 0, "bad");
        e.invalid(&p, "v", "");
        e.invalid(&p, Bad::null(), "gone");
        e.not_supported(&p, "Sometimes", &["Always", "Never"]);
        e.duplicate(&p, "web", "");
        e.too_long(&p, 262144);
        let got: Vec<String> = e.into_vec().iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "x: Required value",
                "x: Required value: name or generateName is required",
                "x: Forbidden: nope",
                "x: Invalid value: 0: bad",
                "x: Invalid value: \"v\"",
                "x: Invalid value: \"null\": gone",
                "x: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\"",
                "x: Duplicate value: \"web\"",
                "x: Too long: must have at most 262144 bytes",
            ]
        );
    }

    #[test]
    fn repeated_errors_are_reported_once() {
        let mut e = Errs::default();
        e.required(&Path::new("a"), "");
        e.required(&Path::new("b"), "");
        e.required(&Path::new("a"), "");
        assert_eq!(e.0.len(), 3);
        assert_eq!(e.into_vec().len(), 2);
    }

    #[test]
    fn strings_are_quoted_like_go() {
        assert_eq!(go_quote("My_Pod"), "\"My_Pod\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("tab\there\n"), "\"tab\\there\\n\"");
        assert_eq!(go_quote("\u{1}\u{7f}"), "\"\\x01\\x7f\"");
        assert_eq!(go_quote("ünïcødé ✓"), "\"ünïcødé ✓\"");
        assert_eq!(go_quote("\u{a0}\u{200b}"), "\"\\u00a0\\u200b\"");
        assert_eq!(go_quote("\u{f0000}"), "\"\\U000f0000\"");
    }

    #[test]
    fn go_syntax_of_maps_selectors_and_intstr() {
        let mut m = BTreeMap::new();
        assert_eq!(go_string_map(&m), "map[string]string(nil)");
        m.insert("tier".to_string(), "web".to_string());
        m.insert("app".to_string(), "x".to_string());
        assert_eq!(go_string_map(&m), "map[string]string{\"app\":\"x\", \"tier\":\"web\"}");
        let mut sel = LabelSelector::default();
        assert_eq!(
            go_label_selector(&sel),
            "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"
        );
        sel.match_expressions.push(LabelSelectorRequirement {
            key: "k".into(),
            operator: "In".into(),
            values: vec!["a".into(), "b".into()],
        });
        sel.match_expressions.push(LabelSelectorRequirement {
            key: "e".into(),
            operator: "Exists".into(),
            values: vec![],
        });
        assert_eq!(
            go_label_selector(&sel),
            "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:\"k\", Operator:\"In\", Values:[]string{\"a\", \"b\"}}, v1.LabelSelectorRequirement{Key:\"e\", Operator:\"Exists\", Values:[]string(nil)}}}"
        );
        assert_eq!(go_int_or_string(&IntOrString::Int(0)), "intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}");
        assert_eq!(
            go_int_or_string(&IntOrString::String("25%".into())),
            "intstr.IntOrString{Type:1, IntVal:0, StrVal:\"25%\"}"
        );
        assert_eq!(go_pointer("int64", false), "(*int64)(nil)");
    }

    #[test]
    fn subdomain_names() {
        assert!(NameFormat::Subdomain.check("web-1.example.com", false).is_empty());
        assert!(NameFormat::Subdomain.check("0", false).is_empty());
        assert_eq!(NameFormat::Subdomain.check("My_Pod", false), [SUBDOMAIN_MSG]);
        assert_eq!(NameFormat::Subdomain.check("", false), [SUBDOMAIN_MSG]);
        assert_eq!(NameFormat::Subdomain.check("a..b", false), [SUBDOMAIN_MSG]);
        assert_eq!(NameFormat::Subdomain.check("-a", false), [SUBDOMAIN_MSG]);
        assert_eq!(NameFormat::Subdomain.check("pöd", false), [SUBDOMAIN_MSG]);
        assert!(NameFormat::Subdomain.check(&"a".repeat(253), false).is_empty());
        assert_eq!(NameFormat::Subdomain.check(&"a".repeat(254), false), ["must be no more than 253 characters"]);
        assert_eq!(
            NameFormat::Subdomain.check(&"A".repeat(254), false),
            ["must be no more than 253 characters", SUBDOMAIN_MSG]
        );
    }

    #[test]
    fn generate_name_prefixes_may_end_in_a_dash() {
        assert!(NameFormat::Subdomain.check("web-7d4b9c-", true).is_empty());
        assert!(!NameFormat::Subdomain.check("-", true).is_empty());
        assert_eq!(NameFormat::Subdomain.check("web-7d4b9c-", false), [SUBDOMAIN_MSG]);
        // Upstream masks the last two bytes, so a multi-byte character before the dash
        // must not make us panic.
        assert_eq!(NameFormat::Subdomain.check("é-", true), [SUBDOMAIN_MSG]);
    }

    #[test]
    fn label_names() {
        assert!(NameFormat::Label.check("kube-system", false).is_empty());
        assert_eq!(NameFormat::Label.check("Seattle", false), [LABEL_MSG]);
        assert_eq!(NameFormat::Label.check("my.ns", false), ["must not contain dots"]);
        assert_eq!(NameFormat::Label.check(&"a".repeat(64), false), ["must be no more than 63 characters"]);
        assert_eq!(dns1123_label(""), [LABEL_MSG]);
    }

    #[test]
    fn dns1035_names() {
        assert!(NameFormat::Dns1035.check("web", false).is_empty());
        assert_eq!(NameFormat::Dns1035.check("1web", false), [DNS1035_MSG]);
        assert_eq!(NameFormat::Dns1035.check("no-domain.com", false), [DNS1035_MSG]);
        assert_eq!(NameFormat::Dns1035.check(&"a".repeat(64), false), ["must be no more than 63 characters"]);
    }

    #[test]
    fn qualified_names() {
        assert!(qualified_name("app").is_empty());
        assert!(qualified_name("app.kubernetes.io/name").is_empty());
        assert_eq!(qualified_name("bad key"), [QNAME_MSG]);
        assert_eq!(qualified_name(""), ["name part must be non-empty", QNAME_MSG]);
        assert_eq!(qualified_name("/a"), ["prefix part must be non-empty"]);
        assert_eq!(qualified_name("Example.com/a"), [format!("prefix part {SUBDOMAIN_MSG}")]);
        assert_eq!(qualified_name(&"a".repeat(64)), ["name part must be no more than 63 characters"]);
        assert_eq!(
            qualified_name("a/b/c"),
            [
                "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ]
        );
    }

    #[test]
    fn label_values() {
        assert!(label_value("").is_empty());
        assert!(label_value("My_value-1.2").is_empty());
        assert_eq!(
            label_value("bad value!"),
            [
                "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
            ]
        );
        assert_eq!(label_value(&"v".repeat(64)), ["must be no more than 63 characters"]);
    }

    #[test]
    fn port_names() {
        assert!(port_name("http").is_empty());
        assert!(port_name("web-8080").is_empty());
        assert_eq!(port_name("8080"), ["must contain at least one letter (a-z)"]);
        assert_eq!(
            port_name("HTTP"),
            [
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "must contain at least one letter (a-z)"
            ]
        );
        assert_eq!(port_name("a--b"), ["must not contain consecutive hyphens"]);
        assert_eq!(port_name("-a"), ["must not begin or end with a hyphen"]);
        assert_eq!(port_name("abcdefghijklmnop"), ["must be no more than 15 characters"]);
        assert_eq!(
            port_name(""),
            [
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "must contain at least one letter (a-z)"
            ]
        );
    }

    #[test]
    fn port_numbers_and_percentages() {
        assert!(port_num(1).is_empty() && port_num(65535).is_empty());
        assert_eq!(port_num(0), ["must be between 1 and 65535, inclusive"]);
        assert_eq!(port_num(-80), ["must be between 1 and 65535, inclusive"]);
        assert!(percent("25%").is_empty());
        assert_eq!(
            percent("25"),
            [
                "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
            ]
        );
        assert_eq!(percent("%").len(), 1);
        assert_eq!(percent("-5%").len(), 1);
    }
}
