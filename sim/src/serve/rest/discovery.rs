//! Discovery: `/version`, the legacy documents (`/api`, `/apis`, `/api/v1`,
//! `/apis/GROUP/VERSION`) and the aggregated one (`apidiscovery.k8s.io/v2`) that kubectl
//! asks for first, all built from the kinds registry.

use serde_json::{Value, json};

use super::path::GROUPS;
use crate::api::Kind;
use crate::api::kinds::{KINDS, KindInfo};

/// The Kubernetes release kubesim plays (the kubelets report the same).
pub const SERVER_VERSION: (&str, &str) = ("1", "32");

/// `/version`.
pub fn version() -> Value {
    let (major, minor) = SERVER_VERSION;
    json!({
        "major": major,
        "minor": minor,
        "gitVersion": format!("v{major}.{minor}.0"),
        "gitCommit": "kubesim",
        "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z",
        "goVersion": "go1.23.4",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

const VERBS: &[&str] = &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/// A subresource: its name, the group version and kind it answers with, and its verbs.
struct Subresource {
    name: &'static str,
    api_version: &'static str,
    kind: &'static str,
    verbs: &'static [&'static str],
}

const STATUS_VERBS: &[&str] = &["get", "patch", "update"];

fn subresources(kind: Kind) -> Vec<Subresource> {
    let status =
        Subresource { name: "status", api_version: kind.api_version(), kind: kind.name(), verbs: STATUS_VERBS };
    let scale = || Subresource { name: "scale", api_version: "autoscaling/v1", kind: "Scale", verbs: STATUS_VERBS };
    match kind {
        Kind::Pod => vec![
            Subresource { name: "binding", api_version: "v1", kind: "Binding", verbs: &["create"] },
            Subresource { name: "eviction", api_version: "policy/v1", kind: "Eviction", verbs: &["create"] },
            Subresource { name: "log", api_version: "v1", kind: "Pod", verbs: &["get"] },
            status,
        ],
        Kind::Deployment | Kind::ReplicaSet => vec![scale(), status],
        Kind::Node | Kind::Namespace | Kind::Service => vec![status],
        _ => Vec::new(),
    }
}

/// `kubectl get all` lists the kinds in the `all` category.
fn categories(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Pod | Kind::Service | Kind::Deployment | Kind::ReplicaSet => &["all"],
        _ => &[],
    }
}

fn verbs(kind: Kind) -> &'static [&'static str] {
    // Namespaces are deleted one by one (no deletecollection), as upstream.
    if kind == Kind::Namespace { &["create", "delete", "get", "list", "patch", "update", "watch"] } else { VERBS }
}

fn kinds_in(api_version: &str) -> impl Iterator<Item = &'static KindInfo> {
    let api_version = api_version.to_string();
    KINDS.iter().filter(move |i| i.api_version == api_version)
}

fn split(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

/// `/api`.
pub fn legacy_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

fn group_json(group: &str, version: &str) -> Value {
    let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
    json!({"name": group, "versions": [gv.clone()], "preferredVersion": gv})
}

/// `/apis`.
pub fn groups() -> Value {
    let groups: Vec<Value> = GROUPS.iter().filter(|(g, _)| !g.is_empty()).map(|(g, v)| group_json(g, v)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/GROUP`.
pub fn group(name: &str) -> Value {
    let (_, version) = GROUPS.iter().find(|(g, _)| *g == name).expect("the path parser checked the group");
    let mut doc = group_json(name, version);
    doc["kind"] = "APIGroup".into();
    doc["apiVersion"] = "v1".into();
    doc
}

/// `/api/v1`, `/apis/GROUP/VERSION`.
pub fn resource_list(api_version: &str) -> Value {
    let mut resources = Vec::new();
    for info in kinds_in(api_version) {
        let mut main = json!({
            "name": info.plural,
            "singularName": info.name.to_lowercase(),
            "namespaced": info.namespaced,
            "kind": info.name,
            "verbs": verbs(info.kind),
        });
        if !info.short_names.is_empty() {
            main["shortNames"] = json!(info.short_names);
        }
        if !categories(info.kind).is_empty() {
            main["categories"] = json!(categories(info.kind));
        }
        resources.push(main);
        for sub in subresources(info.kind) {
            let (group, version) = split(sub.api_version);
            let mut entry = json!({
                "name": format!("{}/{}", info.plural, sub.name),
                "singularName": "",
                "namespaced": info.namespaced,
                "kind": sub.kind,
                "verbs": sub.verbs,
            });
            if sub.api_version != api_version {
                entry["group"] = group.into();
                entry["version"] = version.into();
            }
            resources.push(entry);
        }
    }
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": api_version, "resources": resources})
}

/// The aggregated discovery document's `apiVersion` for what the client accepts
/// (`v2`, or `v2beta1` from clients before 1.30), or None for the legacy documents.
pub fn aggregated_version(accept: &str) -> Option<&'static str> {
    let wanted = |v: &str| {
        accept.split(',').any(|media| {
            let params: Vec<&str> = media.split(';').map(str::trim).collect();
            params.contains(&"g=apidiscovery.k8s.io")
                && params.contains(&"as=APIGroupDiscoveryList")
                && params.contains(&format!("v={v}").as_str())
        })
    };
    ["v2", "v2beta1"].into_iter().find(|v| wanted(v))
}

/// The aggregated discovery of `/api` (legacy, `legacy` true) or `/apis`.
pub fn aggregated(legacy: bool, discovery_version: &str) -> Value {
    let items: Vec<Value> = GROUPS
        .iter()
        .filter(|(g, _)| g.is_empty() == legacy)
        .map(|(group, version)| {
            let api_version = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
            let resources: Vec<Value> =
                kinds_in(&api_version).map(|info| aggregated_resource(info, group, version)).collect();
            let mut item = json!({
                "metadata": {"creationTimestamp": null},
                "versions": [{"version": version, "resources": resources, "freshness": "Current"}],
            });
            if !group.is_empty() {
                item["metadata"]["name"] = (*group).into();
            }
            item
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": format!("apidiscovery.k8s.io/{discovery_version}"),
        "metadata": {},
        "items": items,
    })
}

fn aggregated_resource(info: &KindInfo, group: &str, version: &str) -> Value {
    let subresources: Vec<Value> = subresources(info.kind)
        .iter()
        .map(|sub| {
            let (g, v) = split(sub.api_version);
            json!({
                "subresource": sub.name,
                "responseKind": {"group": g, "version": v, "kind": sub.kind},
                "verbs": sub.verbs,
            })
        })
        .collect();
    let mut resource = json!({
        "resource": info.plural,
        "responseKind": {"group": group, "version": version, "kind": info.name},
        "scope": if info.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": info.name.to_lowercase(),
        "verbs": verbs(info.kind),
    });
    if !info.short_names.is_empty() {
        resource["shortNames"] = json!(info.short_names);
    }
    if !categories(info.kind).is_empty() {
        resource["categories"] = json!(categories(info.kind));
    }
    if !subresources.is_empty() {
        resource["subresources"] = subresources.into();
    }
    resource
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_discoverable_in_its_group_version() {
        for info in KINDS {
            let list = resource_list(info.api_version);
            let names: Vec<&str> =
                list["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
            assert!(names.contains(&info.plural), "{} missing from {names:?}", info.plural);
        }
        let apps = resource_list("apps/v1");
        let scale = apps["resources"].as_array().unwrap().iter().find(|r| r["name"] == "deployments/scale").unwrap();
        assert_eq!((scale["group"].as_str(), scale["kind"].as_str()), (Some("autoscaling"), Some("Scale")));
    }

    #[test]
    fn the_aggregated_document_is_chosen_from_the_accept_header() {
        let kubectl_1_32 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(aggregated_version(kubectl_1_32), Some("v2"));
        assert_eq!(
            aggregated_version("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"),
            Some("v2beta1")
        );
        assert_eq!(aggregated_version("application/json, */*"), None);
        let apis = aggregated(false, "v2");
        let groups: Vec<&str> =
            apis["items"].as_array().unwrap().iter().map(|i| i["metadata"]["name"].as_str().unwrap()).collect();
        assert_eq!(groups, ["apps", "coordination.k8s.io", "discovery.k8s.io"]);
        let core = aggregated(true, "v2");
        assert_eq!(core["items"][0]["metadata"].get("name"), None);
    }
}
