//! The Kubernetes REST API over a simulated cluster, as plain functions: a request in,
//! a response (or a watch to open) out. No I/O here: the HTTP server hands requests over
//! and the driver runs them on the simulation's thread, so a recorded run replays
//! exactly.

mod discovery;
mod objects;
mod openapi;
mod openapi_v2;
pub mod path;
mod status;
mod subresources;
pub mod table;
pub mod watch;

use serde_json::Value;

use crate::cluster::Cluster;
use path::Target;
pub use status::{Failure, failure as status_failure, gone, no_such_path, too_large};
use status::{bad_request, method_not_allowed};

/// The largest request body the apiserver reads (its `MaxRequestBodyBytes`, 3 MiB).
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// An HTTP method of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[allow(missing_docs)] // The HTTP methods of the same names.
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Other,
}

impl Method {
    /// Parses an HTTP method name.
    pub fn parse(name: &str) -> Method {
        match name {
            "GET" | "HEAD" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => Method::Other,
        }
    }

    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Other => "OTHER",
        }
    }

    /// True when the request may change the cluster (and is recorded for replay).
    pub fn writes(self) -> bool {
        !matches!(self, Method::Get | Method::Other)
    }
}

/// One API request, as the driver receives (and records) it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The path, without the query.
    pub path: String,
    /// The query's parameters, decoded, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<(String, String)>,
    /// The `Accept` header.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub accept: String,
    /// The `Content-Type` header.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub content_type: String,
    /// The `User-Agent` header (names the writer in the trace).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_agent: String,
    /// The body, as text (the API's bodies are JSON or YAML).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
}

impl Request {
    /// The value of query parameter `name`, if given.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A boolean query parameter (`watch=1`, `watch=true`).
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.param(name), Some("1" | "true" | "True"))
    }

    /// `dryRun=All`.
    fn dry_run(&self) -> bool {
        self.param("dryRun") == Some("All")
    }

    /// The client's name from its user agent (`kubectl/v1.32.4 (linux/amd64) ...` →
    /// `kubectl`), which the trace names as the writer.
    pub fn client(&self) -> String {
        let name: String = self
            .user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        if name.is_empty() { "client".into() } else { name }
    }
}

/// A finished response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub code: u16,
    /// `Content-Type`.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON response.
    pub fn json(code: u16, value: &Value) -> Response {
        Response::typed(code, "application/json", value)
    }

    /// A JSON response with its own content type (aggregated discovery).
    pub fn typed(code: u16, content_type: &str, value: &Value) -> Response {
        let body = serde_json::to_vec(value).expect("a JSON value serializes");
        Response { code, content_type: content_type.into(), body }
    }

    /// A plain-text response (pod logs).
    pub fn text(text: String) -> Response {
        Response { code: 200, content_type: "text/plain".into(), body: text.into_bytes() }
    }
}

impl From<Failure> for Response {
    fn from(f: Failure) -> Response {
        Response::json(f.code, &f.status)
    }
}

/// What a request turned into.
#[derive(Debug)]
pub enum Outcome {
    /// A response to send now.
    Done(Response),
    /// A watch to open (the driver streams its events).
    Watch(watch::Watch),
}

impl From<Response> for Outcome {
    fn from(r: Response) -> Outcome {
        Outcome::Done(r)
    }
}

impl From<Failure> for Outcome {
    fn from(f: Failure) -> Outcome {
        Outcome::Done(f.into())
    }
}

/// Facts about the server that some answers include.
#[derive(Debug, Clone, Default)]
pub struct ServerInfo {
    /// `127.0.0.1:6443`: where clients reach the apiserver.
    pub address: String,
}

/// Answers one request against `cluster`.
pub fn handle(cluster: &mut Cluster, server: &ServerInfo, req: &Request) -> Outcome {
    let Some(target) = path::parse(&req.path) else {
        return no_such_path().into();
    };
    if req.method == Method::Other {
        return method_not_allowed("the server does not allow this method on the requested resource").into();
    }
    let read_only = |doc: Value| -> Outcome {
        if req.method == Method::Get { Response::json(200, &doc).into() } else { method_not_allowed_here().into() }
    };
    match target {
        Target::Version => read_only(discovery::version()),
        Target::LegacyVersions | Target::Groups => {
            let legacy = target == Target::LegacyVersions;
            match discovery::aggregated_version(&req.accept) {
                Some(v) => Response::typed(
                    200,
                    &format!("application/json;g=apidiscovery.k8s.io;v={v};as=APIGroupDiscoveryList"),
                    &discovery::aggregated(legacy, v),
                )
                .into(),
                None if legacy => read_only(discovery::legacy_versions(&server.address)),
                None => read_only(discovery::groups()),
            }
        }
        Target::Group(group) => read_only(discovery::group(group)),
        Target::GroupVersion(gv) => read_only(discovery::resource_list(gv)),
        Target::OpenApiV2 if req.method == Method::Get => {
            Response { code: 200, content_type: openapi_v2::CONTENT_TYPE.into(), body: openapi_v2::document_v2() }
                .into()
        }
        Target::OpenApiV2 => method_not_allowed_here().into(),
        Target::OpenApiV3 => read_only(openapi::index()),
        Target::OpenApiV3Doc(gv) => read_only(openapi::document(gv)),
        Target::Resource(path) => match path.subresource.as_deref() {
            None => objects::handle(cluster, req, &path),
            Some(sub) => subresources::handle(cluster, req, &path, sub),
        },
    }
}

/// 405 for a write to a read-only document.
fn method_not_allowed_here() -> Failure {
    method_not_allowed("the server does not allow this method on the requested resource")
}

/// The body as JSON (the API also takes YAML, which is what kubectl's `--server-side`
/// sends).
fn body_json(req: &Request) -> Result<Value, Failure> {
    if req.body.trim().is_empty() {
        return Err(bad_request("the request body is empty"));
    }
    let yaml = req.content_type.contains("yaml");
    let parsed: Result<Value, String> = if yaml {
        serde_yaml::from_str(&req.body).map_err(|e| e.to_string())
    } else {
        serde_json::from_str(&req.body).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| {
        let format = if yaml { "YAML" } else { "JSON" };
        bad_request(format!("the body of the request could not be decoded as {format}: {e}"))
    })
}
