//! `kubectl get` and `kubectl describe`.

use std::rc::Rc;

use super::args::flag;
use super::print::describe::describe as describe_object;
use super::print::get::{TableOptions, table};
use super::{CmdOutput, kind_and_names, namespace_of, parse_flags, resolve_kind, selector};
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::ApiError;
use crate::cluster::Cluster;

const GET_FLAGS: &[super::args::FlagSpec] = &[
    flag("output", Some('o'), true),
    flag("selector", Some('l'), true),
    flag("all-namespaces", Some('A'), false),
    flag("show-labels", None, false),
    flag("no-headers", None, false),
    flag("watch", Some('w'), false),
];

/// The objects a get/describe names: by name, or all matching the selector.
fn select(
    cluster: &Cluster,
    kind: Kind,
    names: &[String],
    namespace: Option<&str>,
    selector_text: Option<&str>,
    out: &mut CmdOutput,
) -> Option<Vec<Rc<Object>>> {
    let selector = match selector_text.map(selector::parse).transpose() {
        Ok(s) => s,
        Err(e) => {
            out.fail(format!("error: {e}"));
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
                .cloned()
                .collect(),
        );
    }
    let mut found = Vec::new();
    for name in names {
        match cluster.api().get(&ObjKey::new(kind, ns, name)) {
            Some(o) => found.push(o.clone()),
            None => out.fail(ApiError::NotFound { kind, name: name.clone() }.to_string()),
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
    let Some((kinds, names)) = kinds_and_names(&args.positional, out) else { return };
    let all_ns = args.is_set("all-namespaces");
    let ns = namespace_of(&args);
    let scope = (!all_ns).then_some(ns.as_str());
    let mut found: Vec<(Kind, Vec<Rc<Object>>)> = Vec::new();
    for &kind in &kinds {
        let Some(objects) = select(cluster, kind, &names, scope, args.get("selector"), out) else { return };
        found.push((kind, objects));
    }
    let output = args.get("output").unwrap_or("");
    let several = kinds.len() > 1;
    match output {
        "" | "wide" => {
            let opts = TableOptions {
                wide: output == "wide",
                all_namespaces: all_ns,
                show_labels: args.is_set("show-labels"),
                no_headers: args.is_set("no-headers"),
                with_kind: several,
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
            out.stdout.push_str(&tables.join("\n"));
        }
        "name" => {
            for (kind, objects) in &found {
                for o in objects {
                    out.out(format!("{}/{}", kind.kubectl_name(), o.meta().name));
                }
            }
        }
        "yaml" | "json" => {
            let items: Vec<&Rc<Object>> = found.iter().flat_map(|(_, objects)| objects).collect();
            let value = if !several && names.len() == 1 && items.len() == 1 {
                items[0].to_json()
            } else {
                serde_json::json!({
                    "apiVersion": "v1",
                    "items": items.iter().map(|o| o.to_json()).collect::<Vec<_>>(),
                    "kind": "List",
                    "metadata": { "resourceVersion": "" },
                })
            };
            out.stdout.push_str(&render(&value, output));
        }
        other => out.fail(format!(
            "error: unable to match a printer suitable for the output format \"{other}\", allowed formats are: json,name,wide,yaml"
        )),
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
                out.fail(ApiError::NotFound { kind, name: name.clone() }.to_string());
            }
            chosen.extend(matches);
        }
    }
    if chosen.is_empty() && names.is_empty() {
        out.note(no_resources(kind, scope));
    }
    let texts: Vec<String> = chosen.iter().map(|o| describe_object(o, cluster.api(), cluster.now())).collect();
    out.stdout.push_str(&texts.join("\n\n"));
}
