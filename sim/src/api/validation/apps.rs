//! Deployments and ReplicaSets (`pkg/apis/apps/validation` upstream, plus the selector
//! immutability their registry strategies add on update).

use std::num::IntErrorKind;

use super::field::{
    Bad, Errs, IMMUTABLE_MSG, NEGATIVE_MSG, NameFormat, Path, go_int_or_string, go_label_selector, go_pointer,
    go_quote, go_string_map, percent, text,
};
use super::meta::{label_selector, object_meta, object_meta_update, selector_conversion_fails};
use super::pod::replica_set_template;
use crate::api::apps::{Deployment, DeploymentStrategy, PodTemplateSpec, ReplicaSet, RollingUpdateDeployment};
use crate::api::meta::{IntOrString, LabelSelector};

/// `ValidateDeployment`.
pub(super) fn deployment(e: &mut Errs, d: &Deployment) {
    object_meta(e, &d.metadata, true, NameFormat::Subdomain, &Path::new("metadata"));
    deployment_spec(e, d);
}

/// `ValidateDeploymentUpdate` and the strategy's selector immutability.
pub(super) fn deployment_update(e: &mut Errs, new: &Deployment, old: &Deployment) {
    object_meta_update(e, &new.metadata, &old.metadata, &Path::new("metadata"));
    deployment_spec(e, new);
    selector_immutable(e, &new.spec.selector, &old.spec.selector);
}

/// `ValidateReplicaSet`.
pub(super) fn replica_set(e: &mut Errs, rs: &ReplicaSet) {
    object_meta(e, &rs.metadata, true, NameFormat::Subdomain, &Path::new("metadata"));
    replica_set_spec(e, rs);
}

/// The ReplicaSet strategy's update validation: `ValidateReplicaSet`, then
/// `ValidateReplicaSetUpdate`, then selector immutability (repeats are dropped later).
pub(super) fn replica_set_update(e: &mut Errs, new: &ReplicaSet, old: &ReplicaSet) {
    replica_set(e, new);
    object_meta_update(e, &new.metadata, &old.metadata, &Path::new("metadata"));
    replica_set_spec(e, new);
    selector_immutable(e, &new.spec.selector, &old.spec.selector);
}

/// `ValidateDeploymentSpec`.
fn deployment_spec(e: &mut Errs, d: &Deployment) {
    let spec = Path::new("spec");
    nonnegative(e, d.spec.replicas, &spec.child("replicas"));
    selector_and_template(e, &d.spec.selector, &d.spec.template, &spec);
    if let Some(strategy) = &d.spec.strategy {
        deployment_strategy(e, strategy, &spec.child("strategy"));
    }
    nonnegative(e, d.spec.min_ready_seconds, &spec.child("minReadySeconds"));
    nonnegative(e, d.spec.revision_history_limit, &spec.child("revisionHistoryLimit"));
    if let Some(deadline) = d.spec.progress_deadline_seconds {
        nonnegative(e, Some(deadline), &spec.child("progressDeadlineSeconds"));
        if deadline <= d.spec.min_ready_seconds.unwrap_or(0) {
            e.invalid(&spec.child("progressDeadlineSeconds"), deadline, "must be greater than minReadySeconds");
        }
    }
}

/// `ValidateReplicaSetSpec`.
fn replica_set_spec(e: &mut Errs, rs: &ReplicaSet) {
    let spec = Path::new("spec");
    nonnegative(e, rs.spec.replicas, &spec.child("replicas"));
    nonnegative(e, rs.spec.min_ready_seconds, &spec.child("minReadySeconds"));
    selector_and_template(e, &rs.spec.selector, &rs.spec.template, &spec);
}

/// `ValidateNonnegativeField` for an optional field (unset means defaulted).
fn nonnegative(e: &mut Errs, value: Option<i32>, path: &Path) {
    if let Some(v) = value.filter(|v| *v < 0) {
        e.invalid(path, v, NEGATIVE_MSG);
    }
}

/// The selector checks shared by Deployments and ReplicaSets (the message says
/// "deployment" for both upstream), then `ValidatePodTemplateSpecForReplicaSet`.
fn selector_and_template(e: &mut Errs, selector: &Option<LabelSelector>, template: &PodTemplateSpec, spec: &Path) {
    let sel_path = spec.child("selector");
    match selector {
        None => e.required(&sel_path, ""),
        Some(sel) => {
            label_selector(e, sel, &sel_path);
            if sel.match_labels.is_empty() && sel.match_expressions.is_empty() {
                e.invalid(&sel_path, Bad::Go(go_label_selector(sel)), "empty selector is invalid for deployment");
            }
        }
    }
    if let Some(sel) = selector.as_ref().filter(|s| selector_conversion_fails(s)) {
        e.invalid(&sel_path, Bad::Go(go_label_selector(sel)), "invalid label selector");
        return;
    }
    let tpl_path = spec.child("template");
    // A missing selector selects nothing; an empty one everything (no check then).
    let matches = match selector {
        None => false,
        Some(sel) if sel.match_labels.is_empty() && sel.match_expressions.is_empty() => true,
        Some(sel) => sel.matches(&template.metadata.labels),
    };
    if !matches {
        e.invalid(
            &tpl_path.child("metadata").child("labels"),
            Bad::Go(go_string_map(&template.metadata.labels)),
            "`selector` does not match template `labels`",
        );
    }
    replica_set_template(e, template, &tpl_path);
}

/// `ValidateDeploymentStrategy`.
fn deployment_strategy(e: &mut Errs, strategy: &DeploymentStrategy, path: &Path) {
    match text(&strategy.type_) {
        "Recreate" => {
            if strategy.rolling_update.is_some() {
                e.forbidden(&path.child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'");
            }
        }
        "RollingUpdate" => match &strategy.rolling_update {
            None => e.required(&path.child("rollingUpdate"), "this should be defaulted and never be nil"),
            Some(ru) => rolling_update(e, ru, &path.child("rollingUpdate")),
        },
        other => {
            let value = format!(
                "apps.DeploymentStrategy{{Type:{}, RollingUpdate:{}}}",
                go_quote(other),
                go_pointer("apps.RollingUpdateDeployment", strategy.rolling_update.is_some())
            );
            e.not_supported(path, Bad::Go(value), &["Recreate", "RollingUpdate"]);
        }
    }
}

/// `ValidateRollingUpdateDeployment`.
fn rolling_update(e: &mut Errs, ru: &RollingUpdateDeployment, path: &Path) {
    let unavailable = ru.max_unavailable.clone().unwrap_or(IntOrString::Int(0));
    let surge = ru.max_surge.clone().unwrap_or(IntOrString::Int(0));
    positive_int_or_percent(e, &unavailable, &path.child("maxUnavailable"));
    positive_int_or_percent(e, &surge, &path.child("maxSurge"));
    if int_or_percent_value(&unavailable) == 0 && int_or_percent_value(&surge) == 0 {
        e.invalid(
            &path.child("maxUnavailable"),
            Bad::Go(go_int_or_string(&unavailable)),
            "may not be 0 when `maxSurge` is 0",
        );
    }
    if percent_value(&unavailable).is_some_and(|p| p > 100) {
        e.invalid(
            &path.child("maxUnavailable"),
            Bad::Go(go_int_or_string(&unavailable)),
            "must not be greater than 100%",
        );
    }
}

/// `ValidatePositiveIntOrPercent`.
fn positive_int_or_percent(e: &mut Errs, value: &IntOrString, path: &Path) {
    match value {
        IntOrString::String(s) => {
            for msg in percent(s) {
                e.invalid(path, Bad::Go(go_int_or_string(value)), &msg);
            }
        }
        IntOrString::Int(i) => {
            if *i < 0 {
                e.invalid(path, *i, NEGATIVE_MSG);
            }
        }
    }
}

/// Go's `strconv.Atoi` as upstream uses it: errors give 0, overflow clamps.
fn atoi(s: &str) -> i64 {
    match s.parse::<i64>() {
        Ok(v) => v,
        Err(err) => match err.kind() {
            IntErrorKind::PosOverflow => i64::MAX,
            IntErrorKind::NegOverflow => i64::MIN,
            _ => 0,
        },
    }
}

/// `getPercentValue`: the number of a valid percentage.
fn percent_value(value: &IntOrString) -> Option<i64> {
    match value {
        IntOrString::String(s) if percent(s).is_empty() => Some(atoi(s.trim_end_matches('%'))),
        _ => None,
    }
}

/// `getIntOrPercentValue`.
fn int_or_percent_value(value: &IntOrString) -> i64 {
    match (percent_value(value), value) {
        (Some(p), _) => p,
        (None, IntOrString::Int(i)) => i64::from(*i),
        (None, IntOrString::String(s)) => atoi(s),
    }
}

/// `spec.selector` may not change (apps/v1 strategies).
fn selector_immutable(e: &mut Errs, new: &Option<LabelSelector>, old: &Option<LabelSelector>) {
    if new != old {
        let value = new.as_ref().map_or_else(Bad::null, |s| Bad::Go(go_label_selector(s)));
        e.invalid(&Path::new("spec").child("selector"), value, IMMUTABLE_MSG);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core::Container;
    use crate::api::defaults::apply_defaults;
    use crate::api::object::Object;

    fn template(labels: &[(&str, &str)]) -> PodTemplateSpec {
        let mut t = PodTemplateSpec::default();
        t.metadata.labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<std::collections::BTreeMap<_, _>>()
            .into();
        t.spec.containers.push(Container {
            name: "app".into(),
            image: Some("nginx:1.27".into()),
            ..Default::default()
        });
        t
    }

    fn selector(labels: &[(&str, &str)]) -> LabelSelector {
        LabelSelector {
            match_labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            match_expressions: vec![],
        }
    }

    fn deploy(sel: Option<LabelSelector>, labels: &[(&str, &str)]) -> Deployment {
        let mut d = Deployment::default();
        d.metadata.name = "web".into();
        d.metadata.namespace = "default".into();
        d.spec.selector = sel;
        d.spec.template = template(labels);
        let mut obj = Object::from(d);
        apply_defaults(&mut obj);
        let Object::Deployment(d) = obj else { unreachable!() };
        *d
    }

    fn rs(sel: Option<LabelSelector>, labels: &[(&str, &str)]) -> ReplicaSet {
        let mut r = ReplicaSet::default();
        r.metadata.name = "web-abc".into();
        r.metadata.namespace = "default".into();
        r.spec.selector = sel;
        r.spec.template = template(labels);
        let mut obj = Object::from(r);
        apply_defaults(&mut obj);
        let Object::ReplicaSet(r) = obj else { unreachable!() };
        *r
    }

    fn check(d: &Deployment) -> Vec<String> {
        let mut e = Errs::default();
        deployment(&mut e, d);
        e.into_vec().iter().map(ToString::to_string).collect()
    }

    fn check_rs(r: &ReplicaSet) -> Vec<String> {
        let mut e = Errs::default();
        replica_set(&mut e, r);
        e.into_vec().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_plain_deployment_is_valid() {
        assert!(check(&deploy(Some(selector(&[("app", "web")])), &[("app", "web"), ("tier", "x")])).is_empty());
    }

    #[test]
    fn missing_selector() {
        assert_eq!(
            check(&deploy(None, &[("run", "app")])),
            [
                "spec.selector: Required value",
                "spec.template.metadata.labels: Invalid value: map[string]string{\"run\":\"app\"}: `selector` does not match template `labels`",
            ]
        );
    }

    #[test]
    fn empty_selector() {
        assert_eq!(
            check(&deploy(Some(LabelSelector::default()), &[("run", "app")])),
            [
                "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment",
            ]
        );
    }

    #[test]
    fn selector_must_match_template() {
        assert_eq!(
            check(&deploy(Some(selector(&[("app", "web")])), &[])),
            [
                "spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`",
            ]
        );
    }

    #[test]
    fn invalid_selectors_skip_the_template() {
        let mut d = deploy(Some(selector(&[("app", "bad value")])), &[("app", "web")]);
        d.spec.template.spec.containers.clear();
        let got = check(&d);
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with("spec.selector.matchLabels: Invalid value: \"bad value\": a valid label"));
        assert_eq!(
            got[1],
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"bad value\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: invalid label selector"
        );
    }

    #[test]
    fn numbers_must_not_be_negative() {
        let mut d = deploy(Some(selector(&[("app", "web")])), &[("app", "web")]);
        d.spec.replicas = Some(-1);
        d.spec.min_ready_seconds = Some(-2);
        d.spec.revision_history_limit = Some(-3);
        d.spec.progress_deadline_seconds = Some(-4);
        assert_eq!(
            check(&d),
            [
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                "spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0",
                "spec.revisionHistoryLimit: Invalid value: -3: must be greater than or equal to 0",
                "spec.progressDeadlineSeconds: Invalid value: -4: must be greater than or equal to 0",
                "spec.progressDeadlineSeconds: Invalid value: -4: must be greater than minReadySeconds",
            ]
        );
        d.spec.replicas = Some(0);
        d.spec.revision_history_limit = Some(0);
        d.spec.min_ready_seconds = Some(600);
        d.spec.progress_deadline_seconds = Some(600);
        assert_eq!(
            check(&d),
            ["spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"]
        );
    }

    #[test]
    fn template_restart_policy_and_deadline() {
        let mut d = deploy(Some(selector(&[("app", "web")])), &[("app", "web")]);
        d.spec.template.spec.restart_policy = Some("Never".into());
        d.spec.template.spec.active_deadline_seconds = Some(10);
        assert_eq!(
            check(&d),
            [
                "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
                "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported",
            ]
        );
    }

    #[test]
    fn template_pod_spec_uses_the_template_path() {
        let mut d = deploy(Some(selector(&[("app", "web")])), &[("app", "web"), ("bad key", "x")]);
        d.spec.template.spec.containers[0].image = Some(String::new());
        let got = check(&d);
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with("spec.template.labels: Invalid value: \"bad key\": name part must consist"));
        assert_eq!(got[1], "spec.template.spec.containers[0].image: Required value");
    }

    #[test]
    fn strategies() {
        let mut d = deploy(Some(selector(&[("app", "web")])), &[("app", "web")]);
        let ru =
            |u: IntOrString, s: IntOrString| RollingUpdateDeployment { max_unavailable: Some(u), max_surge: Some(s) };
        d.spec.strategy = Some(DeploymentStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: Some(ru(IntOrString::Int(0), IntOrString::String("0%".into()))),
        });
        assert_eq!(
            check(&d),
            [
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}: may not be 0 when `maxSurge` is 0"
            ]
        );
        d.spec.strategy = Some(DeploymentStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: Some(ru(IntOrString::String("150%".into()), IntOrString::Int(-1))),
        });
        assert_eq!(
            check(&d),
            [
                "spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0",
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"150%\"}: must not be greater than 100%",
            ]
        );
        d.spec.strategy = Some(DeploymentStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: Some(ru(IntOrString::String("25".into()), IntOrString::String("abc".into()))),
        });
        assert_eq!(
            check(&d),
            [
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"25\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
                "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"abc\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
            ]
        );
        d.spec.strategy = Some(DeploymentStrategy {
            type_: Some("Recreate".into()),
            rolling_update: Some(ru(IntOrString::Int(1), IntOrString::Int(1))),
        });
        assert_eq!(
            check(&d),
            ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]
        );
        d.spec.strategy = Some(DeploymentStrategy { type_: Some("BlueGreen".into()), rolling_update: None });
        assert_eq!(
            check(&d),
            [
                "spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:\"BlueGreen\", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: \"Recreate\", \"RollingUpdate\""
            ]
        );
        d.spec.strategy = Some(DeploymentStrategy { type_: Some("RollingUpdate".into()), rolling_update: None });
        assert_eq!(
            check(&d),
            ["spec.strategy.rollingUpdate: Required value: this should be defaulted and never be nil"]
        );
    }

    #[test]
    fn atoi_matches_go() {
        assert_eq!(atoi("12"), 12);
        assert_eq!(atoi("+3"), 3);
        assert_eq!(atoi("x"), 0);
        assert_eq!(atoi(&"9".repeat(30)), i64::MAX);
        assert_eq!(int_or_percent_value(&IntOrString::String("99999999999999999999999%".into())), i64::MAX);
    }

    #[test]
    fn selectors_are_immutable() {
        let old = deploy(Some(selector(&[("app", "web")])), &[("app", "web"), ("v", "2")]);
        let mut new = old.clone();
        new.spec.selector = Some(selector(&[("app", "web"), ("v", "2")]));
        let mut e = Errs::default();
        deployment_update(&mut e, &new, &old);
        let got: Vec<String> = e.into_vec().iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"v\":\"2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
            ]
        );
        let mut unchanged = old.clone();
        unchanged.spec.replicas = Some(5);
        let mut e = Errs::default();
        deployment_update(&mut e, &unchanged, &old);
        assert!(e.is_empty());
    }

    #[test]
    fn replica_sets() {
        assert!(check_rs(&rs(Some(selector(&[("app", "web")])), &[("app", "web")])).is_empty());
        let mut r = rs(Some(LabelSelector::default()), &[]);
        r.spec.replicas = Some(-1);
        r.spec.min_ready_seconds = Some(-1);
        assert_eq!(
            check_rs(&r),
            [
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
                "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment",
            ]
        );
        let old = rs(Some(selector(&[("app", "web")])), &[("app", "web")]);
        let mut new = old.clone();
        new.spec.selector = None;
        let mut e = Errs::default();
        replica_set_update(&mut e, &new, &old);
        let got: Vec<String> = e.into_vec().iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "spec.selector: Required value",
                "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`",
                "spec.selector: Invalid value: \"null\": field is immutable",
            ]
        );
    }
}
