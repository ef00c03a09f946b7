//! `describeDeployment` and `describeReplicaSet`, which share the pod template block.

use crate::api::apps::{Deployment, PodTemplateSpec, ReplicaSet};
use crate::api::meta::LabelSelector;
use crate::api::{Kind, Object};

use super::containers::describe_pod_template;
use super::{
    Writer, annotations_multiline, controlled_by, events_section, labels_multiline, reason_conditions, rfc1123,
};
use crate::kubectl::print::format::{format_label_selector, int_or_string, selector_string};

/// The label every ReplicaSet and pod of a Deployment carries, ignored when comparing
/// templates.
const POD_TEMPLATE_HASH: &str = "pod-template-hash";

pub(super) fn describe_deployment(w: &mut Writer, d: &Deployment) {
    let (meta, spec, status) = (&d.metadata, &d.spec, &d.status);
    w.line(0, &format!("Name:\t{}", meta.name));
    w.line(0, &format!("Namespace:\t{}", meta.namespace));
    w.line(0, &format!("CreationTimestamp:\t{}", rfc1123(meta.creation_timestamp)));
    labels_multiline(w, "Labels", &meta.labels);
    annotations_multiline(w, "Annotations", &meta.annotations);
    w.line(0, &format!("Selector:\t{}", selector_string(spec.selector.as_ref())));
    w.line(
        0,
        &format!(
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable",
            spec.replicas.unwrap_or(1),
            status.updated_replicas.unwrap_or(0),
            status.replicas.unwrap_or(0),
            status.available_replicas.unwrap_or(0),
            status.unavailable_replicas.unwrap_or(0)
        ),
    );
    let strategy = spec.strategy.clone().unwrap_or_default();
    w.line(0, &format!("StrategyType:\t{}", strategy.type_.unwrap_or_default()));
    w.line(0, &format!("MinReadySeconds:\t{}", spec.min_ready_seconds.unwrap_or(0)));
    if let Some(ru) = &strategy.rolling_update {
        w.line(
            0,
            &format!(
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge",
                int_or_string(ru.max_unavailable.as_ref()),
                int_or_string(ru.max_surge.as_ref())
            ),
        );
    }
    describe_pod_template(w, &spec.template);
    reason_conditions(w, &status.conditions);
    let (old, new) = replica_sets_of(w, d);
    if !old.is_empty() || !new.is_empty() {
        w.line(0, &format!("OldReplicaSets:\t{}", replica_set_list(&old)));
        w.line(0, &format!("NewReplicaSet:\t{}", replica_set_list(&new)));
    }
    events_section(w, &[&meta.uid]);
}

/// The Deployment's ReplicaSets, oldest first, split into old ones and the one whose
/// template matches the Deployment's (`GetAllReplicaSets`).
fn replica_sets_of<'a>(w: &Writer<'a>, d: &Deployment) -> (Vec<&'a ReplicaSet>, Vec<&'a ReplicaSet>) {
    let mut owned: Vec<&ReplicaSet> = w
        .api
        .list(Kind::ReplicaSet, Some(&d.metadata.namespace))
        .filter_map(|o| match o.as_ref() {
            Object::ReplicaSet(rs) => Some(&**rs),
            _ => None,
        })
        .filter(|rs| rs.metadata.controller_ref().is_some_and(|r| r.uid == d.metadata.uid))
        .collect();
    owned.sort_by(|a, b| {
        (a.metadata.creation_timestamp, &a.metadata.name).cmp(&(b.metadata.creation_timestamp, &b.metadata.name))
    });
    let new = owned.iter().position(|rs| equal_ignore_hash(&rs.spec.template, &d.spec.template));
    match new {
        Some(i) => {
            let new = owned.remove(i);
            (owned, vec![new])
        }
        None => (owned, Vec::new()),
    }
}

/// Templates equal apart from the `pod-template-hash` label.
fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    let strip = |t: &PodTemplateSpec| {
        let mut t = t.clone();
        t.metadata.labels.remove(POD_TEMPLATE_HASH);
        t
    };
    strip(a) == strip(b)
}

/// `web-7c5ddbdf54 (3/3 replicas created)`, comma-separated, or `<none>`.
fn replica_set_list(sets: &[&ReplicaSet]) -> String {
    if sets.is_empty() {
        return "<none>".into();
    }
    sets.iter()
        .map(|rs| {
            format!("{} ({}/{} replicas created)", rs.metadata.name, rs.status.replicas, rs.spec.replicas.unwrap_or(1))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn describe_replica_set(w: &mut Writer, rs: &ReplicaSet) {
    let (meta, spec) = (&rs.metadata, &rs.spec);
    w.line(0, &format!("Name:\t{}", meta.name));
    w.line(0, &format!("Namespace:\t{}", meta.namespace));
    w.line(0, &format!("Selector:\t{}", format_label_selector(spec.selector.as_ref())));
    labels_multiline(w, "Labels", &meta.labels);
    annotations_multiline(w, "Annotations", &meta.annotations);
    if let Some(owner) = controlled_by(meta) {
        w.line(0, &format!("Controlled By:\t{owner}"));
    }
    w.line(0, &format!("Replicas:\t{} current / {} desired", rs.status.replicas, spec.replicas.unwrap_or(1)));
    let [running, waiting, succeeded, failed] = pod_phases(w, rs);
    w.line(
        0,
        &format!("Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed"),
    );
    describe_pod_template(w, &spec.template);
    reason_conditions(w, &rs.status.conditions);
    events_section(w, &[&meta.uid]);
}

/// Counts of the ReplicaSet's pods (selected and controlled by it) per phase:
/// Running, Pending, Succeeded, Failed (`getPodStatusForController`).
fn pod_phases(w: &Writer, rs: &ReplicaSet) -> [usize; 4] {
    let mut counts = [0; 4];
    let selects = |sel: Option<&LabelSelector>, labels| sel.is_some_and(|s| s.matches(labels));
    let pods = w
        .api
        .list(Kind::Pod, Some(&rs.metadata.namespace))
        .filter_map(|o| o.as_pod())
        .filter(|p| selects(rs.spec.selector.as_ref(), &p.metadata.labels))
        .filter(|p| p.metadata.controller_ref().is_some_and(|r| r.uid == rs.metadata.uid));
    for pod in pods {
        let slot = match pod.status.phase.as_deref() {
            Some("Running") => 0,
            Some("Pending") => 1,
            Some("Succeeded") => 2,
            Some("Failed") => 3,
            _ => continue,
        };
        counts[slot] += 1;
    }
    counts
}
