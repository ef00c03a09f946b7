//! OpenAPI v3 documents, one per group version, as kubectl reads them: the paths and
//! their operations tell it which kinds take server-side field validation (so `kubectl
//! apply` validates on the server), the schemas what `kubectl explain` prints.

use serde_json::{Map, Value, json};

use super::discovery::SERVER_VERSION;
use crate::api::kinds::{KINDS, KindInfo};
use crate::engine::hash::fnv1a64;

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
pub fn schema_name(info: &KindInfo) -> String {
    let (group, version) = info.api_version.rsplit_once('/').unwrap_or(("core", info.api_version));
    let package = group.split('.').next().unwrap_or(group);
    format!("io.k8s.api.{package}.{version}.{}", info.name)
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
    let mut schemas = Map::new();
    for info in KINDS.iter().filter(|i| i.api_version == api_version) {
        kind_paths(info, &mut paths);
        schemas.insert(
            schema_name(info),
            json!({
                "description": info.description,
                "type": "object",
                "x-kubernetes-group-version-kind": [gvk(info)],
            }),
        );
    }
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
        assert!(
            index["paths"]["apis/apps/v1"]["serverRelativeURL"]
                .as_str()
                .unwrap()
                .starts_with("/openapi/v3/apis/apps/v1?hash=")
        );
        assert!(index["paths"]["api/v1"].is_object());
    }
}
