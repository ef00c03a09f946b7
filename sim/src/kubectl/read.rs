//! `kubectl get` and `kubectl describe`.

use std::rc::Rc;

use super::args::flag;
use super::print::describe::describe as describe_object;
use super::print::get::{TableOptions, table};
use super::{CmdOutput, jsonpath, kind_and_names, namespace_of, parse_flags, resolve_kind, selector};
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::ApiError;
use crate::cluster::Cluster;

const GET_FLAGS: &[super::args::FlagSpec] = &[
    flag("output", Some('o'), true),
    flag("selector", Some('l'), true),
    flag("field-selector", None, true),
    flag("all-namespaces", Some('A'), false),
    flag("show-labels", None, false),
    flag("label-columns", Some('L'), true),
    flag("sort-by", None, true),
    flag("no-headers", None, false),
    flag("watch", Some('w'), false),
];

/// The output formats kubectl v1.32's `get` knows, for its error message.
const OUTPUT_FORMATS: &str = "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml";

/// The objects a get/describe names: by name, or all matching the selectors.
fn select(
    cluster: &Cluster,
    kind: Kind,
    names: &[String],
    namespace: Option<&str>,
    selector_text: Option<&str>,
    out: &mut CmdOutput,
) -> Option<Vec<Rc<Object>>> {
    select_fields(cluster, kind, names, namespace, selector_text, None, out)
}

/// [`select`] with a field selector too; an unsupported field fails as the apiserver's
/// BadRequest, worded as kubectl's resource builder rewrites it.
fn select_fields(
    cluster: &Cluster,
    kind: Kind,
    names: &[String],
    namespace: Option<&str>,
    selector_text: Option<&str>,
    field_text: Option<&str>,
    out: &mut CmdOutput,
) -> Option<Vec<Rc<Object>>> {
    let selector = match selector_text.map(selector::parse).transpose() {
        Ok(s) => s,
        Err(e) => {
            out.fail(format!("error: {e}"));
            return None;
        }
    };
    let fields = field_text.map(selector::parse_fields).transpose();
    let fields = match fields.and_then(|f| {
        if let Some(f) = &f {
            selector::check_fields(kind, f)?;
        }
        Ok(f)
    }) {
        Ok(f) => f.unwrap_or_default(),
        Err(e) => {
            let (group, version) = kind.api_version().rsplit_once('/').unwrap_or(("", kind.api_version()));
            out.fail(format!(
                "Error from server (BadRequest): Unable to find \"{group}/{version}, Resource={}\" that match label selector \"{}\", field selector \"{}\": {e}",
                kind.plural(),
                selector_text.unwrap_or_default(),
                field_text.unwrap_or_default()
            ));
            return None;
        }
    };
    let ns = namespace.unwrap_or("default");
    if names.is_empty() {
        return Some(
            cluster
                .api()
                .list(kind, namespace)
                .filter(|o| selector.as_ref().is_none_or(|s| s.matches(&o.meta().labels)))
                .filter(|o| selector::fields_match(o, &fields))
                .cloned()
                .collect(),
        );
    }
    let mut found = Vec::new();
    for name in names {
        match cluster.api().get(&ObjKey::new(kind, ns, name)) {
            Some(o) => found.push(o.clone()),
            None => out.fail_later(ApiError::NotFound { kind, name: name.clone() }.to_string()),
        }
    }
    Some(found)
}

fn no_resources(kind: Kind, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) if kind.namespaced() => format!("No resources found in {ns} namespace."),
        _ => "No resources found".into(),
    }
}

/// `--sort-by`'s comparison (`RuntimeSort.Less` and `isLess`): objects without the field
/// first; numbers by value, strings as quantities when both are, else in natural order.
fn sort_less(a: Option<&serde_json::Value>, b: Option<&serde_json::Value>) -> bool {
    use serde_json::Value;
    let (Some(a), Some(b)) = (a, b) else { return a.is_none() };
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() < y.as_f64(),
        (Value::Bool(x), Value::Bool(y)) => !x && *y,
        (Value::String(x), Value::String(y)) => {
            match (super::print::format::Amount::parse(x), super::print::format::Amount::parse(y)) {
                (Some(p), Some(q)) if looks_like_quantity(x) && looks_like_quantity(y) => p.milli < q.milli,
                _ => jsonpath::natural_less(x, y),
            }
        }
        _ => false,
    }
}

/// `resource.ParseQuantity` accepts only a number with an optional suffix.
fn looks_like_quantity(text: &str) -> bool {
    let digits = text.trim_start_matches(['+', '-']);
    digits.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && digits.trim_end_matches(|c: char| c.is_ascii_alphabetic()).chars().all(|c| c.is_ascii_digit() || c == '.')
        && ["", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
            .contains(&digits.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.'))
}

/// Sorts objects by a `--sort-by` JSONPath, stably.
fn sort_objects(objects: &mut [Rc<Object>], template: &jsonpath::Template) {
    let mut keyed: Vec<(Option<serde_json::Value>, Rc<Object>)> =
        objects.iter().map(|o| (template.find(&o.to_json()).into_iter().next(), o.clone())).collect();
    keyed.sort_by(|(a, _), (b, _)| {
        // Two objects without the field keep their order (upstream's Less says "less" both
        // ways, which leaves them in an order of its sort algorithm's making).
        if a.is_none() && b.is_none() {
            std::cmp::Ordering::Equal
        } else if sort_less(a.as_ref(), b.as_ref()) {
            std::cmp::Ordering::Less
        } else if sort_less(b.as_ref(), a.as_ref()) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
    for (slot, (_, o)) in objects.iter_mut().zip(keyed) {
        *slot = o;
    }
}

/// A parsed `-o` value.
enum Output {
    Table { wide: bool },
    Name,
    Document(&'static str),
    JsonPath(jsonpath::Template),
    CustomColumns(Vec<(String, jsonpath::Template)>),
}

/// Parses `-o`, or reports kubectl's error.
fn parse_output(format: &str, out: &mut CmdOutput) -> Option<Output> {
    let (name, value) = format.split_once('=').unwrap_or((format, ""));
    match name {
        "" => Some(Output::Table { wide: false }),
        "wide" => Some(Output::Table { wide: true }),
        "name" => Some(Output::Name),
        "yaml" => Some(Output::Document("yaml")),
        "json" => Some(Output::Document("json")),
        "jsonpath" | "template" | "go-template" | "jsonpath-as-json" if value.is_empty() => {
            out.fail("error: template format specified but no template given");
            None
        }
        "jsonpath" => match jsonpath::Template::parse(value) {
            Ok(t) => Some(Output::JsonPath(t)),
            Err(e) => {
                out.fail(format!("error: error parsing jsonpath {value}, {e}"));
                None
            }
        },
        "custom-columns" if value.is_empty() => {
            out.fail("error: custom-columns format specified but no custom columns given");
            None
        }
        "custom-columns" => {
            let mut columns = Vec::new();
            for part in value.split(',') {
                let Some((header, path)) = part.split_once(':') else {
                    out.fail(format!(
                        "error: unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
                    ));
                    return None;
                };
                let template = jsonpath::relaxed(path).and_then(|p| jsonpath::Template::parse(&p));
                match template {
                    Ok(t) => columns.push((header.to_string(), t)),
                    Err(e) => {
                        out.fail(format!("error: {e}"));
                        return None;
                    }
                }
            }
            Some(Output::CustomColumns(columns))
        }
        "custom-columns-file"
        | "go-template"
        | "go-template-file"
        | "jsonpath-as-json"
        | "jsonpath-file"
        | "template"
        | "templatefile" => {
            out.fail(format!(
                "error: kubesim does not support -o {name} yet (it is a real kubectl output format); jsonpath and custom-columns work"
            ));
            None
        }
        _ => {
            out.fail(format!(
                "error: unable to match a printer suitable for the output format \"{format}\", allowed formats are: {OUTPUT_FORMATS}"
            ));
            None
        }
    }
}

/// `kubectl get`.
pub fn get(cluster: &mut Cluster, words: &[String], out: &mut CmdOutput) {
    let Some(args) = parse_flags("get", words, GET_FLAGS, out) else { return };
    if args.is_set("watch") {
        out.fail("error: kubesim does not stream with --watch; use `advance` and get again");
        return;
    }
    if args.positional.is_empty() {
        out.fail("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples");
        return;
    }
    let Some(output) = parse_output(args.get("output").unwrap_or(""), out) else { return };
    let sort_by = match args.get("sort-by").map(|s| jsonpath::relaxed(s).and_then(|p| jsonpath::Template::parse(&p))) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => return out.fail(format!("error: {e}")),
    };
    let Some((kinds, names)) = kinds_and_names(&args.positional, out) else { return };
    if !names.is_empty() && (args.get("selector").is_some() || args.get("field-selector").is_some()) {
        return out.fail("error: name cannot be provided when a selector is specified");
    }
    let all_ns = args.is_set("all-namespaces");
    let ns = namespace_of(&args);
    let scope = (!all_ns).then_some(ns.as_str());
    let mut found: Vec<(Kind, Vec<Rc<Object>>)> = Vec::new();
    for &kind in &kinds {
        let Some(mut objects) =
            select_fields(cluster, kind, &names, scope, args.get("selector"), args.get("field-selector"), out)
        else {
            return;
        };
        if let Some(template) = &sort_by {
            sort_objects(&mut objects, template);
        }
        found.push((kind, objects));
    }
    let several = kinds.len() > 1;
    // One object asked for by name prints as itself; anything else as a List.
    let as_document = |found: &[(Kind, Vec<Rc<Object>>)]| {
        let items: Vec<&Rc<Object>> = found.iter().flat_map(|(_, objects)| objects).collect();
        if !several && names.len() == 1 && items.len() == 1 {
            items[0].to_json()
        } else {
            serde_json::json!({
                "apiVersion": "v1",
                "items": items.iter().map(|o| o.to_json()).collect::<Vec<_>>(),
                "kind": "List",
                "metadata": { "resourceVersion": "" },
            })
        }
    };
    match output {
        Output::Table { wide } => {
            let label_columns: Vec<String> = args
                .all("label-columns")
                .iter()
                .flat_map(|l| l.split(','))
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            let opts = TableOptions {
                wide,
                all_namespaces: all_ns,
                show_labels: args.is_set("show-labels"),
                no_headers: args.is_set("no-headers"),
                with_kind: several,
                label_columns,
            };
            let tables: Vec<String> = found
                .iter()
                .filter(|(_, objects)| !objects.is_empty())
                .map(|(kind, objects)| {
                    let refs: Vec<&Object> = objects.iter().map(|o| &**o).collect();
                    table(*kind, &refs, &opts, cluster.api(), cluster.now())
                })
                .collect();
            if tables.is_empty() && names.is_empty() {
                out.note(no_resources(kinds[0], scope));
            }
            out.print(tables.join("\n"));
        }
        Output::Name => {
            for (kind, objects) in &found {
                for o in objects {
                    out.out(format!("{}/{}", kind.kubectl_name(), o.meta().name));
                }
            }
        }
        Output::Document(format) => out.print(render(&as_document(&found), format)),
        // Like kubectl, no newline of its own after the template's text.
        Output::JsonPath(template) => out.print(template.execute(&as_document(&found))),
        Output::CustomColumns(columns) => {
            let mut rows = Vec::new();
            if !args.is_set("no-headers") {
                rows.push(columns.iter().map(|(h, _)| h.clone()).collect());
            }
            for o in found.iter().flat_map(|(_, objects)| objects) {
                let json = o.to_json();
                rows.push(
                    columns
                        .iter()
                        .map(|(_, t)| {
                            let values = t.find(&json);
                            if values.is_empty() {
                                "<none>".to_string()
                            } else {
                                values.iter().map(jsonpath::go_sprint).collect::<Vec<_>>().join(",")
                            }
                        })
                        .collect(),
                );
            }
            out.print(super::print::tabwriter::kubectl_table(&rows));
        }
    }
}

/// The kinds `kubectl get all` lists (those kubesim serves), in kubectl's order.
const ALL: &[Kind] = &[Kind::Pod, Kind::Service, Kind::Deployment, Kind::ReplicaSet];

/// Like [`kind_and_names`], but the type may be a comma-separated list or `all`.
fn kinds_and_names(positional: &[String], out: &mut CmdOutput) -> Option<(Vec<Kind>, Vec<String>)> {
    let first = positional.first()?;
    if first.contains('/') {
        return kind_and_names(positional, out).map(|(k, n)| (vec![k], n));
    }
    let mut kinds = Vec::new();
    for part in first.split(',') {
        if part == "all" {
            kinds.extend(ALL.iter().filter(|k| !kinds.contains(*k)).collect::<Vec<_>>());
            continue;
        }
        let kind = resolve_kind(part, out)?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Some((kinds, positional[1..].to_vec()))
}

/// Renders an object as kubectl's YAML or JSON.
pub fn render(value: &serde_json::Value, format: &str) -> String {
    if format == "json" {
        let mut buf = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
        serde::Serialize::serialize(value, &mut ser).expect("JSON values serialize");
        let mut text = String::from_utf8(buf).expect("serde_json writes UTF-8");
        text.push('\n');
        text
    } else {
        super::yaml::to_yaml(value)
    }
}

/// `kubectl describe`: exact name, else every object whose name starts with it.
pub fn describe(cluster: &mut Cluster, words: &[String], out: &mut CmdOutput) {
    let specs = [flag("selector", Some('l'), true), flag("all-namespaces", Some('A'), false)];
    let Some(args) = parse_flags("describe", words, &specs, out) else { return };
    if args.positional.is_empty() {
        out.fail("You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.");
        return;
    }
    let Some((kind, names)) = kind_and_names(&args.positional, out) else { return };
    let ns = namespace_of(&args);
    let scope = (!args.is_set("all-namespaces")).then_some(ns.as_str());
    let all: Vec<Rc<Object>> = match select(cluster, kind, &[], scope, args.get("selector"), out) {
        Some(all) => all,
        None => return,
    };
    let mut chosen: Vec<Rc<Object>> = Vec::new();
    if names.is_empty() {
        chosen = all;
    } else {
        for name in &names {
            let exact: Vec<_> = all.iter().filter(|o| &o.meta().name == name).cloned().collect();
            let matches = if exact.is_empty() {
                all.iter().filter(|o| o.meta().name.starts_with(name.as_str())).cloned().collect()
            } else {
                exact
            };
            if matches.is_empty() {
                out.fail_later(ApiError::NotFound { kind, name: name.clone() }.to_string());
            }
            chosen.extend(matches);
        }
    }
    if chosen.is_empty() && names.is_empty() {
        out.note(no_resources(kind, scope));
    }
    let texts: Vec<String> = chosen.iter().map(|o| describe_object(o, cluster.api(), cluster.now())).collect();
    out.print(texts.join("\n\n"));
}
