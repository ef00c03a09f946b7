//! `kubectl describe`, laid out like k/k `staging/src/k8s.io/kubectl/pkg/describe/describe.go`
//! (v1.32): the whole text goes through one tabwriter (minwidth 0, tabwidth 8, padding 2),
//! so `Label:\tvalue` lines align within each run of consecutive tabbed lines, and the
//! Events table is flushed on its own.

mod containers;
mod generic;
mod node;
mod service;
mod workloads;

use std::collections::BTreeMap;

use crate::api::core::{Event, Namespace, Pod, Taint, Toleration};
use crate::api::meta::{Condition, ObjectMeta, Time};
use crate::api::{Object, or_empty};
use crate::apiserver::{ApiServer, qos_class};
use crate::engine::SimTime;

use super::age::age;
use super::tabwriter::TabWriter;

/// The annotation `kubectl describe` never shows.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// Annotations longer than this print on their own lines, shortened.
const MAX_ANNOTATION_LEN: usize = 140;
/// `time.Time{}.Format(time.RFC1123Z)`: how Go prints a missing timestamp.
const ZERO_TIME: &str = "Mon, 01 Jan 0001 00:00:00 +0000";

/// The text `kubectl describe` prints for `obj`, reading related objects (events, pods,
/// ReplicaSets, the node's Lease) from `api`.
pub fn describe(obj: &Object, api: &ApiServer, now: SimTime) -> String {
    let mut w = Writer::new(api, now);
    match obj {
        Object::Pod(p) => describe_pod(&mut w, p),
        Object::Node(n) => node::describe_node(&mut w, n),
        Object::Service(s) => service::describe_service(&mut w, s),
        Object::Deployment(d) => workloads::describe_deployment(&mut w, d),
        Object::ReplicaSet(rs) => workloads::describe_replica_set(&mut w, rs),
        Object::Namespace(ns) => describe_namespace(&mut w, ns),
        Object::Event(_) | Object::Lease(_) | Object::Endpoints(_) | Object::EndpointSlice(_) => {
            generic::describe_generic(&mut w, obj)
        }
    }
    w.finish()
}

/// `DescribePodTemplate` on its own, as `kubectl rollout history --revision=N` prints it.
pub fn describe_pod_template(template: &crate::api::apps::PodTemplateSpec, api: &ApiServer, now: SimTime) -> String {
    let mut w = Writer::new(api, now);
    containers::describe_pod_template(&mut w, template);
    w.finish()
}

/// describe.go's `PrefixWriter` over the tabwriter, plus what every describer reads.
struct Writer<'a> {
    out: TabWriter,
    api: &'a ApiServer,
    now: SimTime,
}

impl<'a> Writer<'a> {
    fn new(api: &'a ApiServer, now: SimTime) -> Writer<'a> {
        Writer { out: TabWriter::new(0, 8, 2, ' '), api, now }
    }

    /// `Write(level, ...)`: `text` indented by two spaces per level.
    fn write(&mut self, level: usize, text: &str) {
        self.out.write_str(&"  ".repeat(level));
        self.out.write_str(text);
    }

    /// [`Writer::write`] plus a newline.
    fn line(&mut self, level: usize, text: &str) {
        self.write(level, text);
        self.out.write_str("\n");
    }

    /// Lays out everything so far; later lines align on their own.
    fn flush(&mut self) {
        self.out.flush();
    }

    /// The AGE of a timestamp, as of now.
    fn since(&self, t: Option<SimTime>) -> String {
        age(t, self.now)
    }

    fn finish(self) -> String {
        self.out.finish()
    }
}

/// A timestamp as `describe` prints it (RFC 1123 with numeric zone).
fn rfc1123(t: Option<Time>) -> String {
    t.map_or_else(|| ZERO_TIME.into(), |t| t.moment().rfc1123z())
}

/// `Kind/name` of the controlling owner, if any.
fn controlled_by(meta: &ObjectMeta) -> Option<String> {
    meta.controller_ref().map(|r| format!("{}/{}", r.kind, r.name))
}

/// `printLabelsMultiline`: `Title:\tk=v` then `\tk2=v2` lines, or `<none>`.
fn labels_multiline(w: &mut Writer, title: &str, labels: &BTreeMap<String, String>) {
    let lines: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    multiline(w, title, &lines);
}

/// `Title:\tfirst` and `\tnext` lines, or `Title:\t<none>`.
fn multiline(w: &mut Writer, title: &str, lines: &[String]) {
    w.write(0, &format!("{title}:\t"));
    if lines.is_empty() {
        w.line(0, "<none>");
        return;
    }
    for (i, text) in lines.iter().enumerate() {
        if i != 0 {
            w.write(0, "\t");
        }
        w.line(0, text);
    }
}

/// `printAnnotationsMultiline`: sorted `key: value` lines without the last-applied
/// configuration; long or multi-line values go on their own lines, shortened.
fn annotations_multiline(w: &mut Writer, title: &str, annotations: &BTreeMap<String, String>) {
    w.write(0, &format!("{title}:\t"));
    let shown: Vec<(&String, &String)> = annotations.iter().filter(|(k, _)| k.as_str() != LAST_APPLIED).collect();
    if shown.is_empty() {
        w.line(0, "<none>");
        return;
    }
    for (i, (key, value)) in shown.into_iter().enumerate() {
        if i != 0 {
            w.write(0, "\t");
        }
        let value = value.strip_suffix('\n').unwrap_or(value);
        if value.len() + key.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            w.line(0, &format!("{key}:"));
            for part in value.split('\n') {
                w.line(0, &format!("\t  {}", shorten(part, MAX_ANNOTATION_LEN - 2)));
            }
        } else {
            w.line(0, &format!("{key}: {value}"));
        }
    }
}

/// The first `max` bytes of `s` plus `...` when longer.
fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// `printTolerationsMultilineWithIndent`: sorted by key, `key=value:Effect op=Exists for 300s`.
fn tolerations_multiline(w: &mut Writer, title: &str, tolerations: &[Toleration]) {
    let mut sorted: Vec<&Toleration> = tolerations.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let lines: Vec<String> = sorted.into_iter().map(toleration_text).collect();
    multiline(w, title, &lines);
}

fn toleration_text(t: &Toleration) -> String {
    let key = t.key.as_deref().unwrap_or("");
    let value = t.value.as_deref().unwrap_or("");
    let effect = t.effect.as_deref().unwrap_or("");
    let mut text = key.to_string();
    if !value.is_empty() {
        text += &format!("={value}");
    }
    if !effect.is_empty() {
        text += &format!(":{effect}");
    }
    if t.operator.as_deref() == Some("Exists") && value.is_empty() {
        let space = if key.is_empty() && effect.is_empty() { "" } else { " " };
        text += &format!("{space}op=Exists");
    }
    if let Some(seconds) = t.toleration_seconds {
        text += &format!(" for {seconds}s");
    }
    text
}

/// `printNodeTaintsMultiline`: sorted by effect then key, `key=value:Effect`.
fn taints_multiline(w: &mut Writer, title: &str, taints: &[Taint]) {
    let mut sorted: Vec<&Taint> = taints.iter().collect();
    sorted.sort_by_key(|t| format!("{},{}", t.effect, t.key));
    let lines: Vec<String> = sorted.into_iter().map(taint_text).collect();
    multiline(w, title, &lines);
}

/// `Taint.ToString()`.
fn taint_text(t: &Taint) -> String {
    let value = t.value.as_deref().unwrap_or("");
    match (t.effect.is_empty(), value.is_empty()) {
        (true, true) => t.key.clone(),
        (true, false) => format!("{}={value}:", t.key),
        (false, true) => format!("{}:{}", t.key, t.effect),
        (false, false) => format!("{}={value}:{}", t.key, t.effect),
    }
}

/// A `Conditions:` table with a dash row: `header` names the columns, `row` renders one
/// condition as its tab-separated cells.
fn conditions_table(w: &mut Writer, header: &[&str], conditions: &[Condition], row: impl Fn(&Condition) -> String) {
    if conditions.is_empty() {
        return;
    }
    w.line(0, "Conditions:");
    w.line(1, &header.join("\t"));
    let dashes: Vec<String> = header.iter().map(|h| "-".repeat(h.len())).collect();
    w.line(1, &dashes.join("\t"));
    for c in conditions {
        w.line(1, &row(c));
    }
}

/// The Type/Status/Reason conditions table of Deployments and ReplicaSets.
fn reason_conditions(w: &mut Writer, conditions: &[Condition]) {
    conditions_table(w, &["Type", "Status", "Reason"], conditions, |c| {
        format!("{} \t{}\t{}", c.type_, c.status, c.reason.as_deref().unwrap_or(""))
    });
}

/// The Events section: the events about any of `uids`, oldest last-seen first.
fn events_section(w: &mut Writer, uids: &[&str]) {
    let mut events: Vec<&Event> = Vec::new();
    for uid in uids {
        events.extend(w.api.list(crate::api::Kind::Event, None).filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.uid.as_deref() == Some(*uid) => Some(&**e),
            _ => None,
        }));
    }
    if events.is_empty() {
        w.line(0, "Events:\t<none>");
        return;
    }
    w.flush();
    events.sort_by_key(|e| e.last_timestamp);
    w.line(0, "Events:");
    w.line(1, "Type\tReason\tAge\tFrom\tMessage");
    w.line(1, "----\t------\t----\t----\t-------");
    for e in events {
        let row = event_row(w, e);
        w.line(1, &row);
    }
}

/// One Events row: type, reason, age (`5s`, or `5s (x3 over 2m)`), source, message.
fn event_row(w: &Writer, e: &Event) -> String {
    let first = match e.event_time {
        Some(t) => w.since(Some(t.moment())),
        None => w.since(e.first_timestamp.map(|t| t.moment())),
    };
    let interval = match e.count {
        Some(n) if n > 1 => format!("{} (x{n} over {first})", w.since(e.last_timestamp.map(|t| t.moment()))),
        _ => first,
    };
    let source = e
        .source
        .component
        .clone()
        .filter(|c| !c.is_empty())
        .or_else(|| e.reporting_component.clone())
        .unwrap_or_default();
    format!("{}\t{}\t{interval}\t{source}\t{}", or_empty(&e.type_), or_empty(&e.reason), or_empty(&e.message).trim())
}

fn describe_pod(w: &mut Writer, pod: &Pod) {
    pod_header(w, pod);
    pod_status_lines(w, pod);
    pod_ips(w, pod);
    if let Some(owner) = controlled_by(&pod.metadata) {
        w.line(0, &format!("Controlled By:\t{owner}"));
    }
    if let Some(nominated) = pod.status.nominated_node_name.as_deref().filter(|n| !n.is_empty()) {
        w.line(0, &format!("NominatedNodeName:\t{nominated}"));
    }
    let spec = &pod.spec;
    let status = &pod.status;
    if !spec.init_containers.is_empty() {
        let statuses = Some(status.init_container_statuses.as_slice());
        containers::describe_containers(w, "Init Containers", &spec.init_containers, statuses, Some(pod), "");
    }
    let statuses = Some(status.container_statuses.as_slice());
    containers::describe_containers(w, "Containers", &spec.containers, statuses, Some(pod), "");
    pod_readiness_gates(w, pod);
    if !status.conditions.is_empty() {
        w.line(0, "Conditions:");
        w.line(1, "Type\tStatus");
        for c in &status.conditions {
            w.line(1, &format!("{} \t{} ", c.type_, c.status));
        }
    }
    containers::describe_volumes(w, spec.volumes.as_deref(), "");
    let qos = status.qos_class.clone().unwrap_or_else(|| qos_class(spec).into());
    w.line(0, &format!("QoS Class:\t{qos}"));
    labels_multiline(w, "Node-Selectors", &spec.node_selector);
    tolerations_multiline(w, "Tolerations", &spec.tolerations);
    events_section(w, &[&pod.metadata.uid]);
}

/// Name through Annotations.
fn pod_header(w: &mut Writer, pod: &Pod) {
    let (meta, spec) = (&pod.metadata, &pod.spec);
    w.line(0, &format!("Name:\t{}", meta.name));
    w.line(0, &format!("Namespace:\t{}", meta.namespace));
    if let Some(priority) = spec.priority {
        w.line(0, &format!("Priority:\t{priority}"));
    }
    if let Some(class) = spec.priority_class_name.as_deref().filter(|c| !c.is_empty()) {
        w.line(0, &format!("Priority Class Name:\t{class}"));
    }
    if let Some(sa) = spec.service_account_name.as_deref().filter(|s| !s.is_empty()) {
        w.line(0, &format!("Service Account:\t{sa}"));
    }
    match spec.node_name.as_deref().filter(|n| !n.is_empty()) {
        Some(node) => {
            let host_ip = pod.status.host_ip.as_deref().unwrap_or("");
            w.line(0, &format!("Node:\t{node}/{host_ip}"));
        }
        None => w.line(0, "Node:\t<none>"),
    }
    if let Some(start) = pod.status.start_time {
        w.line(0, &format!("Start Time:\t{}", rfc1123(Some(start))));
    }
    labels_multiline(w, "Labels", &meta.labels);
    annotations_multiline(w, "Annotations", &meta.annotations);
}

/// Status (or `Terminating (lasts ...)` with the grace period), Reason, Message.
fn pod_status_lines(w: &mut Writer, pod: &Pod) {
    let phase = pod.status.phase.as_deref().unwrap_or("");
    let terminal = matches!(phase, "Succeeded" | "Failed");
    match pod.metadata.deletion_timestamp {
        Some(deleted) if !terminal => {
            let lasts = w.since(Some(deleted.moment()));
            w.line(0, &format!("Status:\tTerminating (lasts {lasts})"));
            let grace = pod.metadata.rare.deletion_grace_period_seconds.unwrap_or(0);
            w.line(0, &format!("Termination Grace Period:\t{grace}s"));
        }
        _ => w.line(0, &format!("Status:\t{phase}")),
    }
    if let Some(reason) = pod.status.reason.as_deref().filter(|r| !r.is_empty()) {
        w.line(0, &format!("Reason:\t{reason}"));
    }
    if let Some(message) = pod.status.message.as_deref().filter(|m| !m.is_empty()) {
        w.line(0, &format!("Message:\t{message}"));
    }
}

/// `IP:` and the `IPs:` list.
fn pod_ips(w: &mut Writer, pod: &Pod) {
    let mut ips: Vec<&str> = pod.status.pod_ips.iter().map(|ip| ip.ip.as_str()).collect();
    let ip = pod.status.pod_ip.as_deref().or(ips.first().copied()).unwrap_or("");
    if ips.is_empty() && !ip.is_empty() {
        ips.push(ip);
    }
    w.line(0, &format!("IP:\t{ip}"));
    if ips.is_empty() {
        w.line(0, "IPs:\t<none>");
        return;
    }
    w.line(0, "IPs:");
    for ip in ips {
        w.line(1, &format!("IP:\t{ip}"));
    }
}

/// The `Readiness Gates:` table, when the pod has gates.
fn pod_readiness_gates(w: &mut Writer, pod: &Pod) {
    let gates: Vec<String> = pod
        .spec
        .readiness_gates
        .as_deref()
        .and_then(serde_json::Value::as_array)
        .map(|g| g.iter().map(|g| g["conditionType"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default();
    if gates.is_empty() {
        return;
    }
    w.line(0, "Readiness Gates:");
    w.line(1, "Type\tStatus");
    for gate in gates {
        let status = pod.status.conditions.iter().find(|c| c.type_ == gate).map_or("<none>", |c| c.status.as_str());
        w.line(1, &format!("{gate} \t{status} "));
    }
}

fn describe_namespace(w: &mut Writer, ns: &Namespace) {
    w.line(0, &format!("Name:\t{}", ns.metadata.name));
    labels_multiline(w, "Labels", &ns.metadata.labels);
    annotations_multiline(w, "Annotations", &ns.metadata.annotations);
    let phase = ns.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("");
    w.line(0, &format!("Status:\t{phase}"));
    w.line(0, "");
    w.line(0, "No resource quota.");
    w.line(0, "");
    w.line(0, "No LimitRange resource.");
}

#[cfg(test)]
mod tests;
