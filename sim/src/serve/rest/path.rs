//! Request paths of the Kubernetes API: what `/apis/apps/v1/namespaces/default/deployments/web/scale`
//! names.

use crate::api::Kind;
use crate::api::kinds::KINDS;

/// The groups kubesim serves, in discovery order, each with its one version.
pub const GROUPS: &[(&str, &str)] =
    &[("", "v1"), ("apps", "v1"), ("coordination.k8s.io", "v1"), ("discovery.k8s.io", "v1")];

/// What a request path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `/version`.
    Version,
    /// `/api`: the legacy group's versions.
    LegacyVersions,
    /// `/apis`: the named groups.
    Groups,
    /// `/apis/GROUP`.
    Group(&'static str),
    /// `/api/v1`, `/apis/GROUP/VERSION`: the resources of one group version.
    GroupVersion(&'static str),
    /// `/openapi/v2`.
    OpenApiV2,
    /// `/openapi/v3`: the index of group versions.
    OpenApiV3,
    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/apps/v1`: one group version's document.
    OpenApiV3Doc(&'static str),
    /// A collection or an object of a kind.
    Resource(ResourcePath),
}

/// A path into a kind's resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    /// The kind served there.
    pub kind: Kind,
    /// The namespace in the path, if any (a namespaced kind listed across namespaces has none).
    pub namespace: Option<String>,
    /// The object's name; none for the collection.
    pub name: Option<String>,
    /// `status`, `scale`, `log`, ...
    pub subresource: Option<String>,
}

/// `v1`, `apps/v1`: the group version a path prefix serves, if kubesim serves it.
fn group_version(group: &str, version: &str) -> Option<&'static str> {
    KINDS.iter().map(|i| i.api_version).find(|gv| match gv.rsplit_once('/') {
        Some((g, v)) => g == group && v == version,
        None => group.is_empty() && *gv == version,
    })
}

/// The kind whose resource is `plural` in `api_version`.
fn kind_of(api_version: &str, plural: &str) -> Option<Kind> {
    KINDS.iter().find(|i| i.api_version == api_version && i.plural == plural).map(|i| i.kind)
}

/// Parses a request path (without the query); None when kubesim serves nothing there.
pub fn parse(path: &str) -> Option<Target> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["version"] => Some(Target::Version),
        ["api"] => Some(Target::LegacyVersions),
        ["apis"] => Some(Target::Groups),
        ["openapi", "v2"] => Some(Target::OpenApiV2),
        ["openapi", "v3"] => Some(Target::OpenApiV3),
        ["openapi", "v3", "api", version] => group_version("", version).map(Target::OpenApiV3Doc),
        ["openapi", "v3", "apis", group, version] => group_version(group, version).map(Target::OpenApiV3Doc),
        ["apis", group] => GROUPS.iter().find(|(g, _)| g == group && !g.is_empty()).map(|(g, _)| Target::Group(g)),
        ["api", version, rest @ ..] => resource(group_version("", version)?, rest),
        ["apis", group, version, rest @ ..] => resource(group_version(group, version)?, rest),
        _ => None,
    }
}

/// The part of a path after the group version.
fn resource(api_version: &'static str, rest: &[&str]) -> Option<Target> {
    let path = |kind, namespace: Option<&str>, name: Option<&str>, sub: Option<&str>| {
        Some(Target::Resource(ResourcePath {
            kind,
            namespace: namespace.map(str::to_string),
            name: name.map(str::to_string),
            subresource: sub.map(str::to_string),
        }))
    };
    match rest {
        [] => Some(Target::GroupVersion(api_version)),
        // `namespaces/NAME/status` is the Namespace's own subresource, `namespaces/NAME/pods`
        // a collection in it.
        ["namespaces", ns, plural, tail @ ..] if kind_of(api_version, plural).is_some_and(Kind::namespaced) => {
            let kind = kind_of(api_version, plural)?;
            match tail {
                [] => path(kind, Some(ns), None, None),
                [name] => path(kind, Some(ns), Some(name), None),
                [name, sub] => path(kind, Some(ns), Some(name), Some(sub)),
                _ => None,
            }
        }
        [plural, tail @ ..] => {
            let kind = kind_of(api_version, plural)?;
            match tail {
                [] => path(kind, None, None, None),
                [name] if !kind.namespaced() => path(kind, None, Some(name), None),
                // A Namespace's own subresources; any other word is a kind not served.
                [name, sub]
                    if !kind.namespaced() && (kind != Kind::Namespace || matches!(*sub, "status" | "finalize")) =>
                {
                    path(kind, None, Some(name), Some(sub))
                }
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(kind: Kind, ns: Option<&str>, name: Option<&str>, sub: Option<&str>) -> Option<Target> {
        Some(Target::Resource(ResourcePath {
            kind,
            namespace: ns.map(Into::into),
            name: name.map(Into::into),
            subresource: sub.map(Into::into),
        }))
    }

    #[test]
    fn paths_name_what_the_apiserver_serves_there() {
        assert_eq!(parse("/api"), Some(Target::LegacyVersions));
        assert_eq!(parse("/api/v1"), Some(Target::GroupVersion("v1")));
        assert_eq!(parse("/apis/apps/v1"), Some(Target::GroupVersion("apps/v1")));
        assert_eq!(parse("/apis/apps"), Some(Target::Group("apps")));
        assert_eq!(parse("/api/v1/pods"), res(Kind::Pod, None, None, None));
        assert_eq!(parse("/api/v1/namespaces/default/pods"), res(Kind::Pod, Some("default"), None, None));
        assert_eq!(
            parse("/api/v1/namespaces/default/pods/web/log"),
            res(Kind::Pod, Some("default"), Some("web"), Some("log"))
        );
        assert_eq!(parse("/api/v1/namespaces/dev"), res(Kind::Namespace, None, Some("dev"), None));
        assert_eq!(parse("/api/v1/namespaces/dev/status"), res(Kind::Namespace, None, Some("dev"), Some("status")));
        assert_eq!(parse("/api/v1/nodes/kind-worker"), res(Kind::Node, None, Some("kind-worker"), None));
        assert_eq!(
            parse("/apis/apps/v1/namespaces/default/deployments/web/scale"),
            res(Kind::Deployment, Some("default"), Some("web"), Some("scale"))
        );
        assert_eq!(parse("/openapi/v3/apis/apps/v1"), Some(Target::OpenApiV3Doc("apps/v1")));
    }

    #[test]
    fn paths_kubesim_does_not_serve_are_none() {
        assert_eq!(parse("/apis/apps/v1beta1/deployments"), None);
        assert_eq!(parse("/api/v1/configmaps"), None);
        assert_eq!(parse("/api/v1/namespaces/default/deployments"), None);
        assert_eq!(parse("/api/v1/pods/web"), None);
        assert_eq!(parse("/apis/batch"), None);
        assert_eq!(parse("/healthz/x"), None);
    }
}
