//! Label selector strings as `-l` takes them: `app=web`, `tier!=db`, `env in (a,b)`,
//! `env notin (c)`, `release`, `!release`.

use std::collections::BTreeMap;

use crate::api::meta::{LabelSelector, LabelSelectorRequirement};
use crate::api::{Kind, Object, or_empty};

/// Parses a selector string into a [`LabelSelector`].
pub fn parse(text: &str) -> Result<LabelSelector, String> {
    let mut sel = LabelSelector::default();
    for term in split_terms(text) {
        let term = term.trim();
        if term.is_empty() {
            continue;
        }
        let req = |key: &str, op: &str, values: Vec<String>| LabelSelectorRequirement {
            key: key.trim().to_string(),
            operator: op.to_string(),
            values,
        };
        let set_values = |rest: &str| -> Result<Vec<String>, String> {
            let inner = rest
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| format!("unable to parse requirement: found '{rest}', expected: '('"))?;
            Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
        };
        if let Some((k, v)) = term.split_once("!=") {
            sel.match_expressions.push(req(k, "NotIn", vec![v.trim().to_string()]));
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            sel.match_labels.insert(k.trim().to_string(), v.trim().to_string());
        } else if let Some((k, rest)) = term.split_once(" notin ") {
            sel.match_expressions.push(req(k, "NotIn", set_values(rest)?));
        } else if let Some((k, rest)) = term.split_once(" in ") {
            sel.match_expressions.push(req(k, "In", set_values(rest)?));
        } else if let Some(k) = term.strip_prefix('!') {
            sel.match_expressions.push(req(k, "DoesNotExist", vec![]));
        } else if term.contains(|c: char| c.is_whitespace() || "()<>".contains(c)) {
            return Err(format!(
                "unable to parse requirement: <nil>: Invalid value: \"{term}\": invalid label selector"
            ));
        } else {
            sel.match_expressions.push(req(term, "Exists", vec![]));
        }
    }
    Ok(sel)
}

/// Splits on commas that are not inside parentheses.
fn split_terms(text: &str) -> Vec<String> {
    let mut terms = vec![String::new()];
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                terms.push(String::new());
                continue;
            }
            _ => {}
        }
        terms.last_mut().expect("never empty").push(c);
    }
    terms
}

/// One `--field-selector` requirement: `field=value`, `field==value` or `field!=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRequirement {
    /// The field, e.g. `status.phase`.
    pub field: String,
    /// True for `!=`.
    pub negated: bool,
    /// The value compared with.
    pub value: String,
}

/// `fields.ParseSelector`: comma-separated `field=value`, `field==value`, `field!=value`.
pub fn parse_fields(text: &str) -> Result<Vec<FieldRequirement>, String> {
    let mut requirements = Vec::new();
    for term in text.split(',').filter(|t| !t.is_empty()) {
        let (field, negated, value) = if let Some((f, v)) = term.split_once("!=") {
            (f, true, v)
        } else if let Some((f, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            (f, false, v)
        } else {
            return Err(format!("invalid selector: '{text}'; can't understand '{term}'"));
        };
        requirements.push(FieldRequirement { field: field.to_string(), negated, value: value.to_string() });
    }
    Ok(requirements)
}

/// The fields the apiserver lets a list select on for `obj`'s kind, with their values
/// (`ToSelectableFields` of each registry strategy), or None for an unknown field.
pub fn field_value(obj: &Object, field: &str) -> Option<String> {
    let meta = obj.meta();
    fn text<S: std::ops::Deref<Target = str>>(s: &Option<S>) -> String {
        or_empty(s).to_string()
    }
    match (obj, field) {
        (_, "metadata.name") => Some(meta.name.to_string()),
        (o, "metadata.namespace") if o.kind().namespaced() => Some(meta.namespace.to_string()),
        (Object::Pod(p), _) => match field {
            "spec.nodeName" => Some(text(&p.spec.node_name)),
            "spec.restartPolicy" => Some(text(&p.spec.restart_policy)),
            "spec.schedulerName" => Some(text(&p.spec.scheduler_name)),
            "spec.serviceAccountName" => Some(text(&p.spec.service_account_name)),
            "spec.hostNetwork" => Some(p.spec.host_network.unwrap_or(false).to_string()),
            "status.phase" => Some(text(&p.status.phase)),
            "status.podIP" => Some(p.status.pod_ips.first().map(|ip| ip.ip.to_string()).unwrap_or_default()),
            "status.nominatedNodeName" => Some(text(&p.status.nominated_node_name)),
            _ => None,
        },
        (Object::Event(e), _) => {
            let o = &e.involved_object;
            match field {
                "involvedObject.kind" => Some(text(&o.kind)),
                "involvedObject.namespace" => Some(text(&o.namespace)),
                "involvedObject.name" => Some(text(&o.name)),
                "involvedObject.uid" => Some(text(&o.uid)),
                "involvedObject.apiVersion" => Some(text(&o.api_version)),
                "involvedObject.resourceVersion" => Some(text(&o.resource_version)),
                "involvedObject.fieldPath" => Some(text(&o.field_path)),
                "reason" => Some(text(&e.reason)),
                "reportingComponent" => Some(text(&e.reporting_component)),
                "source" => Some(
                    e.source
                        .component
                        .as_ref()
                        .filter(|c| !c.is_empty())
                        .map_or_else(|| text(&e.reporting_component), |c| c.to_string()),
                ),
                "type" => Some(text(&e.type_)),
                _ => None,
            }
        }
        (Object::Node(n), "spec.unschedulable") => Some(n.spec.unschedulable.unwrap_or(false).to_string()),
        (Object::Namespace(ns), "status.phase") => {
            Some(ns.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default())
        }
        (Object::ReplicaSet(rs), "status.replicas") => Some(rs.status.replicas.to_string()),
        _ => None,
    }
}

/// The apiserver's message for a field a kind cannot be selected on: core kinds with
/// their own conversion say `field label not supported`, the others list what they
/// support (`DefaultMetaV1FieldSelectorConversion`).
pub fn unsupported_field(kind: Kind, field: &str) -> String {
    match kind {
        Kind::Pod | Kind::Node | Kind::Event | Kind::Namespace => format!("field label not supported: {field}"),
        _ => format!("\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""),
    }
}

/// The fields [`field_value`] knows for `kind`.
fn selectable_fields(kind: Kind) -> Vec<&'static str> {
    let mut fields = vec!["metadata.name"];
    if kind.namespaced() {
        fields.push("metadata.namespace");
    }
    fields.extend_from_slice(match kind {
        Kind::Pod => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        Kind::Event => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        Kind::Node => &["spec.unschedulable"],
        Kind::Namespace => &["status.phase"],
        Kind::ReplicaSet => &["status.replicas"],
        _ => &[],
    });
    fields
}

/// Checks that `kind` can be selected on every field, as the apiserver does before it
/// lists; Err is the apiserver's message.
pub fn check_fields(kind: Kind, requirements: &[FieldRequirement]) -> Result<(), String> {
    let known = selectable_fields(kind);
    match requirements.iter().find(|r| !known.contains(&r.field.as_str())) {
        Some(r) => Err(unsupported_field(kind, &r.field)),
        None => Ok(()),
    }
}

/// Whether `obj` passes every requirement (fields already checked).
pub fn fields_match(obj: &Object, requirements: &[FieldRequirement]) -> bool {
    requirements.iter().all(|r| field_value(obj, &r.field).is_some_and(|v| (v == r.value) != r.negated))
}

/// Parses `k=v,k2=v2` (as `--labels` takes) into a map.
pub fn parse_labels(text: &str) -> Result<BTreeMap<String, String>, String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| format!("error: invalid label spec: {pair}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn all_operators() {
        let l = labels(&[("app", "web"), ("env", "prod")]);
        for (text, expect) in [
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("env in (prod,dev)", true),
            ("env notin (prod)", false),
            ("app", true),
            ("!app", false),
            ("app=web,env=dev", false),
            ("", true),
        ] {
            assert_eq!(parse(text).unwrap().matches(&l), expect, "{text}");
        }
        assert!(parse("env in prod").is_err());
    }
}
