//! OpenAPI v3 documents, one per group version, as kubectl reads them: the paths and
//! their operations tell it which kinds take server-side field validation (so `kubectl
//! apply` validates on the server), the schemas what `kubectl explain` prints.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::discovery::SERVER_VERSION;
use crate::api::Kind;
use crate::api::kinds::{KINDS, KindInfo};
use crate::engine::hash::fnv1a64;

/// The types of `metav1` (apimachinery's meta/v1 package), by their names.
const META_TYPES: &[&str] =
    &["ObjectMeta", "OwnerReference", "LabelSelector", "LabelSelectorRequirement", "Condition", "Time", "MicroTime"];

/// The group versions that have a document, as their paths under `/openapi/v3/`.
fn document_paths() -> Vec<(&'static str, String)> {
    let mut seen: Vec<(&'static str, String)> = Vec::new();
    for info in KINDS {
        if !seen.iter().any(|(gv, _)| *gv == info.api_version) {
            let path = if info.api_version.contains('/') {
                format!("apis/{}", info.api_version)
            } else {
                format!("api/{}", info.api_version)
            };
            seen.push((info.api_version, path));
        }
    }
    seen
}

/// The schema of `kind` in `generator` (which collects the definitions it reaches).
fn kind_schema(kind: Kind, generator: &mut SchemaGenerator) {
    fn add<T: JsonSchema>(generator: &mut SchemaGenerator) {
        generator.subschema_for::<T>();
    }
    use crate::api::{apps, core, discovery};
    match kind {
        Kind::Namespace => add::<core::Namespace>(generator),
        Kind::Node => add::<core::Node>(generator),
        Kind::Pod => add::<core::Pod>(generator),
        Kind::Service => add::<core::Service>(generator),
        Kind::Event => add::<core::Event>(generator),
        Kind::Lease => add::<core::Lease>(generator),
        Kind::Deployment => add::<apps::Deployment>(generator),
        Kind::ReplicaSet => add::<apps::ReplicaSet>(generator),
        Kind::Endpoints => add::<discovery::Endpoints>(generator),
        Kind::EndpointSlice => add::<discovery::EndpointSlice>(generator),
    }
}

/// The Kubernetes name of a definition that `info`'s kind reaches first: meta/v1 and
/// the two utility types by their packages, the rest in the kind's group version.
fn full_name(short: &str, info: &KindInfo) -> String {
    match short {
        "IntOrString" => "io.k8s.apimachinery.pkg.util.intstr.IntOrString".into(),
        "Quantity" => "io.k8s.apimachinery.pkg.api.resource.Quantity".into(),
        meta if META_TYPES.contains(&meta) => format!("io.k8s.apimachinery.pkg.apis.meta.v1.{meta}"),
        other => {
            let (group, version) = info.api_version.rsplit_once('/').unwrap_or(("core", info.api_version));
            format!("io.k8s.api.{}.{version}.{other}", group.split('.').next().unwrap_or(group))
        }
    }
}

/// Every definition, by its Kubernetes name, from kubesim's own types: the doc comments
/// of their fields are the descriptions `kubectl explain` prints.
fn all_schemas() -> &'static BTreeMap<String, Value> {
    static SCHEMAS: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut schemas: BTreeMap<String, Value> = BTreeMap::new();
        for info in KINDS {
            let mut generator = SchemaSettings::openapi3().for_serialize().into_generator();
            kind_schema(info.kind, &mut generator);
            for (short, schema) in generator.take_definitions(true) {
                if let std::collections::btree_map::Entry::Vacant(entry) = names.entry(short) {
                    let full = full_name(entry.key(), info);
                    entry.insert(full.clone());
                    schemas.insert(full, schema);
                }
            }
            let kind_schema = schemas.get_mut(&names[info.name]).expect("the kind's own definition");
            kind_schema["x-kubernetes-group-version-kind"] = json!([gvk(info)]);
        }
        for schema in schemas.values_mut() {
            rewrite(schema, &names);
        }
        schemas
    })
}

/// Points references at the Kubernetes names, and turns the "anything" schemas of the
/// fields kubesim keeps as opaque JSON into objects that keep unknown fields.
fn rewrite(schema: &mut Value, names: &BTreeMap<String, String>) {
    if *schema == Value::Bool(true) {
        *schema = json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true});
        return;
    }
    let Value::Object(map) = schema else { return };
    // Doc comments wrap at the source's width; descriptions are paragraphs that the
    // client wraps.
    if let Some(Value::String(description)) = map.get_mut("description") {
        *description = description.split("\n\n").map(|p| p.replace('\n', " ")).collect::<Vec<_>>().join("\n\n");
    }
    if let Some(Value::String(reference)) = map.get_mut("$ref")
        && let Some(short) = reference.strip_prefix("#/components/schemas/")
        && let Some(full) = names.get(short)
    {
        *reference = format!("#/components/schemas/{full}");
    }
    // Only the keywords that hold schemas: `nullable: true` and the like are flags.
    for (key, value) in map.iter_mut() {
        match (key.as_str(), value) {
            ("properties", Value::Object(properties)) => properties.values_mut().for_each(|v| rewrite(v, names)),
            ("items" | "not", value) => rewrite(value, names),
            ("additionalProperties", value) if value.is_object() => rewrite(value, names),
            ("allOf" | "anyOf" | "oneOf", Value::Array(schemas)) => schemas.iter_mut().for_each(|v| rewrite(v, names)),
            _ => {}
        }
    }
}

/// The definitions `roots` reach through their references.
fn reachable(roots: &[String]) -> Map<String, Value> {
    let all = all_schemas();
    let mut found = Map::new();
    let mut todo: Vec<String> = roots.to_vec();
    while let Some(name) = todo.pop() {
        if found.contains_key(&name) {
            continue;
        }
        let Some(schema) = all.get(&name) else { continue };
        let mut refs = Vec::new();
        collect_refs(schema, &mut refs);
        todo.extend(refs);
        found.insert(name, schema.clone());
    }
    found
}

fn collect_refs(schema: &Value, refs: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(name) =
                map.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                refs.push(name.to_string());
            }
            map.values().for_each(|v| collect_refs(v, refs));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

/// `/openapi/v3`: where each group version's document is, with a hash of its content
/// (clients cache by it).
pub fn index() -> Value {
    let paths: Map<String, Value> = document_paths()
        .into_iter()
        .map(|(gv, path)| {
            let hash = format!("{:016X}", fnv1a64(document(gv).to_string().as_bytes()));
            (path.clone(), json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={hash}")}))
        })
        .collect();
    json!({"paths": paths})
}

fn gvk(info: &KindInfo) -> Value {
    let (group, version) = info.api_version.rsplit_once('/').unwrap_or(("", info.api_version));
    json!({"group": group, "version": version, "kind": info.name})
}

/// The schema name of a kind, as Kubernetes names its definitions.
fn schema_name(info: &KindInfo) -> String {
    full_name(info.name, info)
}

fn query_param(name: &str, type_: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": type_, "uniqueItems": true}})
}

/// One operation on `info`'s resources.
fn operation(info: &KindInfo, action: &str, verb: &str, scope: &str, params: &[(&str, &str)]) -> Value {
    let reference = json!({"$ref": format!("#/components/schemas/{}", schema_name(info))});
    let (group, version) = info.api_version.rsplit_once('/').unwrap_or(("core", info.api_version));
    let capitalized = |s: &str| {
        let mut s = s.to_string();
        if let Some(first) = s.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        s
    };
    let group = capitalized(group.split('.').next().unwrap_or(group));
    let mut op = json!({
        // `patchAppsV1NamespacedDeployment`, as upstream names operations.
        "operationId": format!("{verb}{group}{}{scope}{}", capitalized(version), info.name),
        "parameters": params.iter().map(|(n, t)| query_param(n, t)).collect::<Vec<_>>(),
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": reference}}}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk(info),
    });
    if matches!(action, "post" | "put") {
        op["requestBody"] = json!({"content": {"*/*": {"schema": reference}}, "required": true});
    }
    if action == "patch" {
        // Strategic merge is left out on purpose: kubectl then computes apply's patches
        // from its own compiled-in types, with their merge keys, instead of from
        // kubesim's schemas.
        let patch = json!({"schema": {"type": "object"}});
        op["requestBody"] = json!({
            "content": {
                "application/apply-patch+yaml": patch,
                "application/json-patch+json": patch,
                "application/merge-patch+json": patch,
            },
            "required": true,
        });
    }
    op
}

const WRITE_PARAMS: &[(&str, &str)] =
    &[("dryRun", "string"), ("fieldManager", "string"), ("fieldValidation", "string")];
const LIST_PARAMS: &[(&str, &str)] = &[
    ("labelSelector", "string"),
    ("fieldSelector", "string"),
    ("resourceVersion", "string"),
    ("timeoutSeconds", "integer"),
    ("watch", "boolean"),
    ("allowWatchBookmarks", "boolean"),
];

/// The paths of one kind: its collection and its objects.
fn kind_paths(info: &KindInfo, paths: &mut Map<String, Value>) {
    let prefix = if info.api_version.contains('/') { format!("/apis/{}", info.api_version) } else { "/api/v1".into() };
    let (collection, object, scope) = if info.namespaced {
        let base = format!("{prefix}/namespaces/{{namespace}}/{}", info.plural);
        (base.clone(), format!("{base}/{{name}}"), "Namespaced")
    } else {
        let base = format!("{prefix}/{}", info.plural);
        (base.clone(), format!("{base}/{{name}}"), "")
    };
    paths.insert(
        collection,
        json!({
            "get": operation(info, "list", "list", scope, LIST_PARAMS),
            "post": operation(info, "post", "create", scope, WRITE_PARAMS),
            "delete": operation(info, "deletecollection", "deleteCollection", scope, LIST_PARAMS),
        }),
    );
    paths.insert(
        object,
        json!({
            "get": operation(info, "get", "read", scope, &[]),
            "put": operation(info, "put", "replace", scope, WRITE_PARAMS),
            "patch": operation(info, "patch", "patch", scope, &[WRITE_PARAMS, &[("force", "boolean")]].concat()),
            "delete": operation(info, "delete", "delete", scope, &[("dryRun", "string"), ("gracePeriodSeconds", "integer"), ("propagationPolicy", "string")]),
        }),
    );
}

/// The document of one group version (`v1`, `apps/v1`).
pub fn document(api_version: &str) -> Value {
    let mut paths = Map::new();
    let mut roots = Vec::new();
    for info in KINDS.iter().filter(|i| i.api_version == api_version) {
        kind_paths(info, &mut paths);
        roots.push(schema_name(info));
    }
    let schemas = reachable(&roots);
    let (major, minor) = SERVER_VERSION;
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes (kubesim)", "version": format!("v{major}.{minor}.0")},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_carry_kubernetes_names_and_the_field_docs() {
        let apps = document("apps/v1");
        let schemas = &apps["components"]["schemas"];
        let deployment = &schemas["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(deployment["x-kubernetes-group-version-kind"][0]["kind"], "Deployment");
        let spec = &schemas["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["replicas"];
        assert_eq!(spec["type"], "integer");
        assert!(spec["description"].as_str().is_some_and(|d| !d.is_empty()), "{spec}");
        assert!(schemas.get("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").is_some());
        assert!(schemas.get("io.k8s.api.core.v1.PodSpec").is_some(), "PodSpec belongs to core/v1");
        let core = document("v1");
        let names: Vec<&String> = core["components"]["schemas"].as_object().unwrap().keys().collect();
        assert!(names.iter().all(|n| n.starts_with("io.k8s.")), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("Deployment")), "{names:?}");
    }

    #[test]
    fn every_kinds_patch_takes_field_validation() {
        for info in KINDS {
            let doc = document(info.api_version);
            let patch = doc["paths"]
                .as_object()
                .unwrap()
                .values()
                .filter_map(|p| p.get("patch"))
                .find(|op| op["x-kubernetes-group-version-kind"]["kind"] == info.name)
                .unwrap_or_else(|| panic!("no patch for {}", info.name));
            let params: Vec<&str> =
                patch["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
            assert!(params.contains(&"fieldValidation"), "{}: {params:?}", info.name);
        }
        let index = index();
        // Every definition a document refers to is in it.
        for info in KINDS {
            let doc = document(info.api_version);
            let mut refs = Vec::new();
            collect_refs(&doc["components"], &mut refs);
            for name in refs {
                assert!(doc["components"]["schemas"].get(&name).is_some(), "{name} missing from {}", info.api_version);
            }
        }
        assert!(
            index["paths"]["apis/apps/v1"]["serverRelativeURL"]
                .as_str()
                .unwrap()
                .starts_with("/openapi/v3/apis/apps/v1?hash=")
        );
        assert!(index["paths"]["api/v1"].is_object());
    }
}
