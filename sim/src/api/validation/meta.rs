//! `metadata` and label selectors: `ValidateObjectMeta`, `ValidateObjectMetaUpdate`,
//! `ValidateLabels`, `ValidateAnnotations` and `ValidateLabelSelector` upstream.

use std::collections::BTreeMap;

use super::field::{Errs, IMMUTABLE_MSG, NEGATIVE_MSG, NameFormat, Path, label_value, qualified_name};
use crate::api::meta::{LabelSelector, ObjectMeta, OwnerReference};

/// The total size allowed for all annotations of an object (256 KiB).
const TOTAL_ANNOTATION_SIZE: usize = 256 * 1024;

/// Finalizers that need no domain prefix (`IsStandardFinalizerName`).
const STANDARD_FINALIZERS: &[&str] = &["kubernetes", "orphan", "foregroundDeletion"];

/// `ValidateObjectMeta` (core flavour, which also checks finalizer names).
pub(super) fn object_meta(e: &mut Errs, meta: &ObjectMeta, namespaced: bool, names: NameFormat, path: &Path) {
    if let Some(prefix) = meta.rare.generate_name.as_deref().filter(|g| !g.is_empty()) {
        e.invalid_each(&path.child("generateName"), prefix, names.check(prefix, true));
    }
    if meta.name.is_empty() {
        e.required(&path.child("name"), "name or generateName is required");
    } else {
        e.invalid_each(&path.child("name"), &meta.name, names.check(&meta.name, false));
    }
    if namespaced {
        if meta.namespace.is_empty() {
            e.required(&path.child("namespace"), "");
        } else {
            e.invalid_each(&path.child("namespace"), &meta.namespace, NameFormat::Label.check(&meta.namespace, false));
        }
    } else if !meta.namespace.is_empty() {
        e.forbidden(&path.child("namespace"), "not allowed on this type");
    }
    if let Some(generation) = meta.generation.filter(|g| *g < 0) {
        e.invalid(&path.child("generation"), generation, NEGATIVE_MSG);
    }
    labels(e, &meta.labels, &path.child("labels"));
    annotations(e, &meta.annotations, &path.child("annotations"));
    owner_references(e, &meta.owner_references, &path.child("ownerReferences"));
    for finalizer in &meta.rare.finalizers {
        e.invalid_each(&path.child("finalizers"), finalizer, qualified_name(finalizer));
    }
    kube_finalizers(e, &meta.rare.finalizers, &path.child("finalizers"));
}

/// `ValidateObjectMetaUpdate` (core flavour). The apiserver copies uid, timestamps and
/// generation from the stored object, so only what a client can change is checked.
pub(super) fn object_meta_update(e: &mut Errs, new: &ObjectMeta, old: &ObjectMeta, path: &Path) {
    if new.name != old.name {
        e.invalid(&path.child("name"), &*new.name, IMMUTABLE_MSG);
    }
    if new.namespace != old.namespace {
        e.invalid(&path.child("namespace"), &*new.namespace, IMMUTABLE_MSG);
    }
    labels(e, &new.labels, &path.child("labels"));
    annotations(e, &new.annotations, &path.child("annotations"));
    owner_references(e, &new.owner_references, &path.child("ownerReferences"));
    kube_finalizers(e, &new.rare.finalizers, &path.child("finalizers"));
}

/// `validateKubeFinalizerName` for each finalizer, at its index.
fn kube_finalizers(e: &mut Errs, finalizers: &[String], path: &Path) {
    for (i, finalizer) in finalizers.iter().enumerate() {
        kube_finalizer(e, finalizer, &path.index(i));
    }
}

/// `validateKubeFinalizerName`: a name without a `/` must be a standard finalizer.
pub(super) fn kube_finalizer(e: &mut Errs, finalizer: &str, path: &Path) {
    if !finalizer.contains('/') && !STANDARD_FINALIZERS.contains(&finalizer) {
        e.invalid(path, finalizer, "name is neither a standard finalizer name nor is it fully qualified");
    }
}

/// `ValidateLabels`: keys are qualified names, values label values; all at `path`.
pub(super) fn labels(e: &mut Errs, labels: &BTreeMap<String, String>, path: &Path) {
    for (key, value) in labels {
        e.invalid_each(path, key, qualified_name(key));
        e.invalid_each(path, value, label_value(value));
    }
}

/// `ValidateAnnotations`: keys are case-insensitive qualified names; 256 KiB in total.
pub(super) fn annotations(e: &mut Errs, annotations: &BTreeMap<String, String>, path: &Path) {
    for key in annotations.keys() {
        e.invalid_each(path, key, qualified_name(&key.to_lowercase()));
    }
    let total: usize = annotations.iter().map(|(k, v)| k.len().saturating_add(v.len())).fold(0, usize::saturating_add);
    if total > TOTAL_ANNOTATION_SIZE {
        e.too_long(path, TOTAL_ANNOTATION_SIZE);
    }
}

/// `ValidateOwnerReferences` (each reference's checks; upstream reports them at the list path).
fn owner_references(e: &mut Errs, refs: &[OwnerReference], path: &Path) {
    for r in refs {
        // `schema.ParseGroupVersion`: more than one `/` is an error, which leaves no version.
        let version = match r.api_version.split('/').collect::<Vec<_>>().as_slice() {
            [version] | [_, version] => *version,
            _ => "",
        };
        if version.is_empty() {
            e.invalid(&path.child("apiVersion"), &r.api_version, "version must not be empty");
        }
        if r.kind.is_empty() {
            e.invalid(&path.child("kind"), &r.kind, "must not be empty");
        }
        if r.name.is_empty() {
            e.invalid(&path.child("name"), &r.name, "must not be empty");
        }
        if r.uid.is_empty() {
            e.invalid(&path.child("uid"), &r.uid, "must not be empty");
        }
    }
}

/// `ValidateLabelSelector` (strict label values, as apps/v1 uses it).
pub(super) fn label_selector(e: &mut Errs, sel: &LabelSelector, path: &Path) {
    labels(e, &sel.match_labels, &path.child("matchLabels"));
    for (i, req) in sel.match_expressions.iter().enumerate() {
        let expressions = path.child("matchExpressions");
        let p = expressions.index(i);
        match req.operator.as_str() {
            "In" | "NotIn" => {
                if req.values.is_empty() {
                    e.required(&p.child("values"), "must be specified when `operator` is 'In' or 'NotIn'");
                }
            }
            "Exists" | "DoesNotExist" => {
                if !req.values.is_empty() {
                    e.forbidden(
                        &p.child("values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    );
                }
            }
            other => e.invalid(&p.child("operator"), other, "not a valid selector operator"),
        }
        e.invalid_each(&p.child("key"), &req.key, qualified_name(&req.key));
        for (j, value) in req.values.iter().enumerate() {
            e.invalid_each(&p.child("values").index(j), value, label_value(value));
        }
    }
}

/// True when `metav1.LabelSelectorAsSelector` would fail on `sel`: a bad key, value or
/// operator, or a value count that does not suit the operator.
pub(super) fn selector_conversion_fails(sel: &LabelSelector) -> bool {
    let bad_labels = sel.match_labels.iter().any(|(k, v)| !qualified_name(k).is_empty() || !label_value(v).is_empty());
    let bad_exprs = sel.match_expressions.iter().any(|r| {
        let count_ok = match r.operator.as_str() {
            "In" | "NotIn" => !r.values.is_empty(),
            "Exists" | "DoesNotExist" => r.values.is_empty(),
            _ => false,
        };
        !count_ok || !qualified_name(&r.key).is_empty() || r.values.iter().any(|v| !label_value(v).is_empty())
    });
    bad_labels || bad_exprs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Str;
    use crate::api::meta::LabelSelectorRequirement;

    use super::super::field::Errs;

    fn run(f: impl FnOnce(&mut Errs)) -> Vec<String> {
        Errs::collect(f)
    }

    fn meta(name: &str, namespace: &str) -> ObjectMeta {
        ObjectMeta { name: name.into(), namespace: namespace.into(), ..Default::default() }
    }

    const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    #[test]
    fn names_and_namespaces() {
        let got =
            run(|e| object_meta(e, &meta("My_Pod", "Bad_NS"), true, NameFormat::Subdomain, &Path::new("metadata")));
        assert_eq!(got, [
            format!("metadata.name: Invalid value: \"My_Pod\": {SUBDOMAIN_MSG}"),
            "metadata.namespace: Invalid value: \"Bad_NS\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".to_string(),
        ]);
        let long = "a".repeat(254);
        let got = run(|e| object_meta(e, &meta(&long, "default"), true, NameFormat::Subdomain, &Path::new("metadata")));
        assert_eq!(got, [format!("metadata.name: Invalid value: \"{long}\": must be no more than 253 characters")]);
    }

    #[test]
    fn missing_name_and_namespace() {
        let got = run(|e| object_meta(e, &meta("", ""), true, NameFormat::Subdomain, &Path::new("metadata")));
        assert_eq!(
            got,
            ["metadata.name: Required value: name or generateName is required", "metadata.namespace: Required value"]
        );
    }

    #[test]
    fn cluster_scoped_kinds_take_no_namespace() {
        let got = run(|e| object_meta(e, &meta("n1", "default"), false, NameFormat::Subdomain, &Path::new("metadata")));
        assert_eq!(got, ["metadata.namespace: Forbidden: not allowed on this type"]);
    }

    #[test]
    fn generate_name_is_checked_as_a_prefix() {
        let mut m = meta("web-abcde", "default");
        m.rare.generate_name = Some("Web-".into());
        let got = run(|e| object_meta(e, &m, true, NameFormat::Subdomain, &Path::new("metadata")));
        assert_eq!(got, [format!("metadata.generateName: Invalid value: \"Web-\": {SUBDOMAIN_MSG}")]);
        m.rare.generate_name = Some("web-".into());
        assert!(run(|e| object_meta(e, &m, true, NameFormat::Subdomain, &Path::new("metadata"))).is_empty());
    }

    #[test]
    fn negative_generation() {
        let mut m = meta("a", "default");
        m.generation = Some(-1);
        let got = run(|e| object_meta(e, &m, true, NameFormat::Subdomain, &Path::new("metadata")));
        assert_eq!(got, ["metadata.generation: Invalid value: -1: must be greater than or equal to 0"]);
    }

    #[test]
    fn label_keys_and_values() {
        let mut l = BTreeMap::new();
        l.insert("app".to_string(), "bad value!".to_string());
        l.insert("bad key".to_string(), "".to_string());
        l.insert("ok".to_string(), "v".repeat(64));
        let got = run(|e| labels(e, &l, &Path::new("metadata").child("labels")));
        assert_eq!(got, [
            "metadata.labels: Invalid value: \"bad value!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".to_string(),
            "metadata.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')".to_string(),
            format!("metadata.labels: Invalid value: \"{}\": must be no more than 63 characters", "v".repeat(64)),
        ]);
    }

    #[test]
    fn annotation_keys_ignore_case_and_size_is_capped() {
        let mut a = BTreeMap::new();
        a.insert("Example.com/Key".to_string(), "x".to_string());
        assert!(run(|e| annotations(e, &a, &Path::new("metadata").child("annotations"))).is_empty());
        a.insert("a/b/c".to_string(), "x".to_string());
        a.insert("big".to_string(), "x".repeat(TOTAL_ANNOTATION_SIZE));
        let got = run(|e| annotations(e, &a, &Path::new("metadata").child("annotations")));
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with("metadata.annotations: Invalid value: \"a/b/c\": a qualified name must consist"));
        assert_eq!(got[1], "metadata.annotations: Too long: must have at most 262144 bytes");
    }

    #[test]
    fn owner_references_need_every_field() {
        let mut m = meta("a", "default");
        m.owner_references.push(OwnerReference {
            api_version: "apps/".into(),
            kind: Str::default(),
            name: Str::default(),
            uid: Str::default(),
            controller: Some(true),
            block_owner_deletion: None,
        });
        let got = run(|e| object_meta(e, &m, true, NameFormat::Subdomain, &Path::new("metadata")));
        assert_eq!(
            got,
            [
                "metadata.ownerReferences.apiVersion: Invalid value: \"apps/\": version must not be empty",
                "metadata.ownerReferences.kind: Invalid value: \"\": must not be empty",
                "metadata.ownerReferences.name: Invalid value: \"\": must not be empty",
                "metadata.ownerReferences.uid: Invalid value: \"\": must not be empty",
            ]
        );
    }

    #[test]
    fn finalizers_must_be_standard_or_qualified() {
        let mut m = meta("a", "default");
        m.rare.finalizers =
            vec!["kubernetes".into(), "example.com/cleanup".into(), "cleanup".into(), "bad name".into()].into();
        let got = run(|e| object_meta(e, &m, true, NameFormat::Subdomain, &Path::new("metadata")));
        assert_eq!(got.len(), 3);
        assert!(got[0].starts_with("metadata.finalizers: Invalid value: \"bad name\": name part must consist"));
        assert_eq!(
            got[1],
            "metadata.finalizers[2]: Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it fully qualified"
        );
        assert_eq!(
            got[2],
            "metadata.finalizers[3]: Invalid value: \"bad name\": name is neither a standard finalizer name nor is it fully qualified"
        );
    }

    #[test]
    fn updates_may_not_rename() {
        let old = meta("a", "default");
        let new = meta("b", "other");
        let got = run(|e| object_meta_update(e, &new, &old, &Path::new("metadata")));
        assert_eq!(
            got,
            [
                "metadata.name: Invalid value: \"b\": field is immutable",
                "metadata.namespace: Invalid value: \"other\": field is immutable",
            ]
        );
    }

    #[test]
    fn selectors() {
        let mut sel = LabelSelector::default();
        sel.match_labels.insert("app".into(), "web".into());
        assert!(run(|e| label_selector(e, &sel, &Path::new("spec").child("selector"))).is_empty());
        assert!(!selector_conversion_fails(&sel));
        sel.match_expressions = vec![
            LabelSelectorRequirement { key: "a".into(), operator: "In".into(), values: vec![] },
            LabelSelectorRequirement { key: "b".into(), operator: "Exists".into(), values: vec!["x".into()] },
            LabelSelectorRequirement { key: "c".into(), operator: "Near".into(), values: vec!["bad value".into()] },
        ];
        let got = run(|e| label_selector(e, &sel, &Path::new("spec").child("selector")));
        assert_eq!(got.len(), 4);
        assert_eq!(
            got[0],
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
        );
        assert_eq!(
            got[1],
            "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
        );
        assert_eq!(
            got[2],
            "spec.selector.matchExpressions[2].operator: Invalid value: \"Near\": not a valid selector operator"
        );
        assert!(
            got[3].starts_with(
                "spec.selector.matchExpressions[2].values[0]: Invalid value: \"bad value\": a valid label"
            )
        );
        assert!(selector_conversion_fails(&sel));
    }
}
