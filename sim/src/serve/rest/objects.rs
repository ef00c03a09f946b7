//! Collections and objects: list, watch, get, create, update, patch, delete and
//! deletecollection, with label and field selectors, dry runs and tables.

use std::rc::Rc;

use base64::Engine;
use serde_json::{Map, Value, json};

use super::path::ResourcePath;
use super::status::{Failure, bad_request, failure, from_api_error, method_not_allowed, unsupported_media_type};
use super::table;
use super::watch::Watch;
use super::{Method, Outcome, Request, Response, body_json};
use crate::api::decode::from_json_strict;
use crate::api::defaults::apply_defaults;
use crate::api::meta::LabelSelector;
use crate::api::patch::{json_patch, merge_patch, strategic_merge};
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::field_manager::{self, Writer, record_update};
use crate::apiserver::{ApiError, Propagation};
use crate::cluster::Cluster;
use crate::kubectl::selector::{self, FieldRequirement, check_fields, fields_match};

pub(super) fn handle(cluster: &mut Cluster, req: &Request, path: &ResourcePath) -> Outcome {
    let result = match (req.method, path.name.as_deref()) {
        (Method::Get, None) if req.flag("watch") => return watch(req, path).map_or_else(Outcome::from, Outcome::Watch),
        (Method::Get, None) => list(cluster, req, path),
        (Method::Get, Some(name)) => get(cluster, req, path, name),
        (Method::Post, None) => create(cluster, req, path),
        (Method::Put, Some(name)) => update(cluster, req, path, name),
        (Method::Patch, Some(name)) => patch(cluster, req, path, name),
        (Method::Delete, Some(name)) => delete(cluster, req, path, name),
        (Method::Delete, None) => delete_collection(cluster, req, path),
        _ => Err(method_not_allowed("the server does not allow this method on the requested resource")),
    };
    result.map_or_else(Outcome::from, Outcome::Done)
}

/// The key of the object a path names.
pub(super) fn key(path: &ResourcePath, name: &str) -> ObjKey {
    ObjKey::new(path.kind, path.namespace.as_deref().unwrap_or(""), name)
}

/// The label and field selectors of a list or watch.
fn selectors(req: &Request, kind: Kind) -> Result<(LabelSelector, Vec<FieldRequirement>), Failure> {
    let labels = selector::parse(req.param("labelSelector").unwrap_or("")).map_err(bad_request)?;
    let fields = selector::parse_fields(req.param("fieldSelector").unwrap_or("")).map_err(bad_request)?;
    check_fields(kind, &fields).map_err(bad_request)?;
    Ok((labels, fields))
}

fn selected(cluster: &Cluster, req: &Request, path: &ResourcePath) -> Result<Vec<Rc<Object>>, Failure> {
    let (labels, fields) = selectors(req, path.kind)?;
    Ok(cluster
        .api()
        .list(path.kind, path.namespace.as_deref())
        .filter(|o| labels.matches(&o.meta().labels) && fields_match(o, &fields))
        .cloned()
        .collect())
}

/// An object as the API returns it, or as a one-row table if the client asked for one.
fn object_response(cluster: &Cluster, req: &Request, code: u16, obj: &Object) -> Result<Response, Failure> {
    Ok(match table::requested(req)? {
        Some(include) => {
            let rows = vec![table::row(obj, cluster.now(), include)];
            Response::json(code, &table::table(obj.kind(), rows, cluster.api().resource_version(), true))
        }
        None => Response::json(code, &obj.to_json()),
    })
}

/// A page of a list: its objects and the list metadata saying what remains.
type Page = (Vec<Rc<Object>>, Map<String, Value>);

/// One page of a list (`limit`, `continue`): the objects after the continue token's,
/// at most `limit` of them, and the token and count of what remains.
fn page(req: &Request, objects: Vec<Rc<Object>>) -> Result<Page, Failure> {
    let mut metadata = Map::new();
    let after = match req.param("continue").filter(|c| !c.is_empty()) {
        None => None,
        Some(token) => {
            Some(decode_continue(token).ok_or_else(|| bad_request(format!("continue key is not valid: {token:?}")))?)
        }
    };
    let limit = match req.param("limit") {
        None | Some("0") => None,
        Some(n) => Some(n.parse::<usize>().map_err(|_| bad_request(format!("invalid limit: {n:?}")))?),
    };
    let rest: Vec<Rc<Object>> = objects
        .into_iter()
        .filter(|o| after.as_ref().is_none_or(|a| (o.meta().namespace.to_string(), o.meta().name.to_string()) > *a))
        .collect();
    let Some(limit) = limit.filter(|l| *l < rest.len()) else { return Ok((rest, metadata)) };
    let last = rest[limit - 1].meta();
    let token = serde_json::to_vec(&json!([last.namespace, last.name])).expect("a JSON value serializes");
    metadata.insert("continue".into(), base64::engine::general_purpose::STANDARD.encode(token).into());
    metadata.insert("remainingItemCount".into(), (rest.len() - limit).into());
    Ok((rest.into_iter().take(limit).collect(), metadata))
}

/// The (namespace, name) a continue token resumes after.
fn decode_continue(token: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(token).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn list(cluster: &Cluster, req: &Request, path: &ResourcePath) -> Result<Response, Failure> {
    let (objects, mut metadata) = page(req, selected(cluster, req, path)?)?;
    let rv = cluster.api().resource_version();
    metadata.insert("resourceVersion".into(), rv.to_string().into());
    if let Some(include) = table::requested(req)? {
        let rows = objects.iter().map(|o| table::row(o, cluster.now(), include)).collect();
        let mut table = table::table(path.kind, rows, rv, true);
        table["metadata"] = Value::Object(metadata);
        return Ok(Response::json(200, &table));
    }
    let items: Vec<Value> = objects
        .iter()
        .map(|o| {
            let mut item = o.to_json();
            // A list's items carry no type (the list's kind says it).
            if let Some(map) = item.as_object_mut() {
                map.remove("apiVersion");
                map.remove("kind");
            }
            item
        })
        .collect();
    Ok(Response::json(
        200,
        &json!({
            "kind": format!("{}List", path.kind.name()),
            "apiVersion": path.kind.api_version(),
            "metadata": metadata,
            "items": items,
        }),
    ))
}

fn watch(req: &Request, path: &ResourcePath) -> Result<Watch, Failure> {
    let (labels, fields) = selectors(req, path.kind)?;
    let since = match req.param("resourceVersion") {
        None | Some("" | "0") => None,
        Some(rv) => Some(rv.parse::<u64>().map_err(|_| bad_request(format!("invalid resource version: {rv:?}")))?),
    };
    let timeout_s = match req.param("timeoutSeconds") {
        None => None,
        Some(t) => Some(t.parse::<u64>().map_err(|_| bad_request(format!("invalid timeoutSeconds: {t:?}")))?),
    };
    Ok(Watch {
        kind: path.kind,
        namespace: path.namespace.clone(),
        labels,
        fields,
        table: table::requested(req)?,
        since,
        bookmarks: req.flag("allowWatchBookmarks"),
        timeout_s,
    })
}

fn get(cluster: &Cluster, req: &Request, path: &ResourcePath, name: &str) -> Result<Response, Failure> {
    let obj = live(cluster, path, name)?;
    object_response(cluster, req, 200, &obj)
}

/// The stored object, or 404.
pub(super) fn live(cluster: &Cluster, path: &ResourcePath, name: &str) -> Result<Rc<Object>, Failure> {
    cluster
        .api()
        .get(&key(path, name))
        .cloned()
        .ok_or_else(|| from_api_error(&ApiError::NotFound { kind: path.kind, name: name.into() }))
}

/// The body checked against the path: its type (filled in when absent) and namespace.
fn prepare(value: Value, path: &ResourcePath) -> Result<Value, Failure> {
    let kind = path.kind;
    let mut value = value;
    let Some(map) = value.as_object_mut() else {
        return Err(bad_request(format!("the body of the request is not a {} object", kind.name())));
    };
    let api_version = map.get("apiVersion").and_then(Value::as_str).unwrap_or(kind.api_version()).to_string();
    if api_version != kind.api_version() {
        return Err(bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            kind.api_version()
        )));
    }
    let body_kind = map.get("kind").and_then(Value::as_str).unwrap_or(kind.name()).to_string();
    if body_kind != kind.name() {
        return Err(bad_request(format!(
            "the kind in the data ({body_kind}) does not match the expected kind ({})",
            kind.name()
        )));
    }
    map.insert("apiVersion".into(), kind.api_version().into());
    map.insert("kind".into(), kind.name().into());
    if let Some(ns) = path.namespace.as_deref() {
        let meta = map.entry("metadata").or_insert_with(|| json!({}));
        match meta.get("namespace").and_then(Value::as_str) {
            None | Some("") => meta["namespace"] = ns.into(),
            Some(given) if given == ns => {}
            Some(_) => {
                return Err(bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
        }
    }
    Ok(value)
}

/// The object a checked body describes; unknown fields are refused
/// (`fieldValidation=Strict`, what kubectl sends).
fn decode(value: Value, kind: Kind) -> Result<Object, Failure> {
    from_json_strict(kind, value).map_err(bad_request)
}

/// The object as the apiserver will store it, defaults filled in: field management
/// records the defaults as the writer's, as upstream does.
fn defaulted(value: Value, kind: Kind) -> Result<Value, Failure> {
    let mut obj = decode(value, kind)?;
    apply_defaults(&mut obj);
    Ok(obj.to_json())
}

/// Who writes, for field management: the `fieldManager` the client names, else the
/// client's name, as the apiserver defaults it.
pub(super) fn writer(
    cluster: &Cluster,
    req: &Request,
    kind: Kind,
    operation: &str,
    subresource: Option<&str>,
) -> Writer {
    Writer {
        manager: req.param("fieldManager").map_or_else(|| req.client(), str::to_string),
        operation: operation.into(),
        subresource: subresource.map(str::to_string),
        api_version: kind.api_version().into(),
        time: cluster.now().rfc3339(),
    }
}

/// Records the request in the trace as the user's input and returns its id.
pub(super) fn record(cluster: &mut Cluster, req: &Request, object: &str) -> u64 {
    let detail = format!("{} {}", req.method.as_str(), req.path);
    cluster.record_input(&req.client(), object, &detail)
}

fn create(cluster: &mut Cluster, req: &Request, path: &ResourcePath) -> Result<Response, Failure> {
    let mut value = defaulted(prepare(body_json(req)?, path)?, path.kind)?;
    record_update(None, &mut value, &writer(cluster, req, path.kind, "Update", None));
    create_value(cluster, req, path, value)
}

/// Creates the object `value` describes (its managed fields already recorded).
fn create_value(cluster: &mut Cluster, req: &Request, path: &ResourcePath, value: Value) -> Result<Response, Failure> {
    if path.kind.namespaced() && path.namespace.is_none() {
        return Err(method_not_allowed("POST is not supported on a namespaced collection across namespaces"));
    }
    let obj = decode(value, path.kind)?;
    if req.dry_run() {
        let mut scratch = cluster.api().clone();
        let change = scratch.create(cluster.now(), obj).map_err(|e| from_api_error(&e))?;
        return object_response(cluster, req, 201, &change.object);
    }
    let label = format!("{} {}", path.kind.name(), obj.meta().name);
    let cause = record(cluster, req, &label);
    let client = req.client();
    let created = cluster.with_ctx(&client, cause, |ctx| ctx.create(obj, "create")).map_err(|e| from_api_error(&e))?;
    object_response(cluster, req, 201, &created)
}

/// Stores the object `value` describes in place of the object `name` (the main
/// resource: status is kept), its managed fields already recorded.
fn write(
    cluster: &mut Cluster,
    req: &Request,
    path: &ResourcePath,
    name: &str,
    value: Value,
) -> Result<Response, Failure> {
    let obj = decode(value, path.kind)?;
    if obj.meta().name != name {
        return Err(bad_request(format!(
            "the name of the object ({}) does not match the name on the URL ({name})",
            obj.meta().name
        )));
    }
    if req.dry_run() {
        let mut scratch = cluster.api().clone();
        let written = scratch.update(obj).map_err(|e| from_api_error(&e))?;
        let current = live(cluster, path, name)?;
        let mut result = written.map_or_else(|| (*current).clone(), |change| (*change.object).clone());
        // Nothing was stored: the resourceVersion stays the live one.
        result.meta_mut().resource_version = current.meta().resource_version.clone();
        return object_response(cluster, req, 200, &result);
    }
    let cause = record(cluster, req, &format!("{} {name}", path.kind.name()));
    let client = req.client();
    let note = if req.method == Method::Put { "update" } else { "patch" };
    let written = cluster.with_ctx(&client, cause, |ctx| ctx.update(obj, note)).map_err(|e| from_api_error(&e))?;
    let result = match written {
        Some(obj) => obj,
        None => live(cluster, path, name)?,
    };
    object_response(cluster, req, 200, &result)
}

fn update(cluster: &mut Cluster, req: &Request, path: &ResourcePath, name: &str) -> Result<Response, Failure> {
    let current = live(cluster, path, name)?.to_json();
    let mut value = defaulted(prepare(body_json(req)?, path)?, path.kind)?;
    record_update(Some(&current), &mut value, &writer(cluster, req, path.kind, "Update", None));
    write(cluster, req, path, name, value)
}

/// Applies the request's patch to `doc`, by its content type.
pub(super) fn apply_patch(req: &Request, doc: &mut Value) -> Result<(), Failure> {
    let media = req.content_type.split(';').next().unwrap_or("").trim();
    let patch = body_json(req)?;
    let invalid = |e: String| failure(422, "Invalid", e, None);
    match media {
        "application/strategic-merge-patch+json" => strategic_merge(doc, &patch).map_err(invalid),
        "application/merge-patch+json" => {
            merge_patch(doc, &patch);
            Ok(())
        }
        "application/json-patch+json" => json_patch(doc, &patch).map_err(invalid),
        other => Err(unsupported_media_type(other)),
    }
}

fn patch(cluster: &mut Cluster, req: &Request, path: &ResourcePath, name: &str) -> Result<Response, Failure> {
    if req.content_type.starts_with("application/apply-patch+yaml") {
        return server_side_apply(cluster, req, path, name);
    }
    let current = live(cluster, path, name)?.to_json();
    let mut doc = current.clone();
    apply_patch(req, &mut doc)?;
    let mut value = defaulted(prepare(doc, path)?, path.kind)?;
    record_update(Some(&current), &mut value, &writer(cluster, req, path.kind, "Update", None));
    write(cluster, req, path, name, value)
}

/// `application/apply-patch+yaml`: the manager's configuration, merged with field
/// ownership; creates the object if it does not exist.
fn server_side_apply(
    cluster: &mut Cluster,
    req: &Request,
    path: &ResourcePath,
    name: &str,
) -> Result<Response, Failure> {
    if req.param("fieldManager").is_none_or(str::is_empty) {
        return Err(failure(
            422,
            "Invalid",
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
            None,
        ));
    }
    let applied = prepare(body_json(req)?, path)?;
    let current = live(cluster, path, name).ok().map(|o| o.to_json());
    let writer = writer(cluster, req, path.kind, "Apply", None);
    let value = field_manager::apply(current.as_ref(), &applied, &writer, req.flag("force")).map_err(|c| {
        let causes: Vec<Value> = c
            .causes
            .iter()
            .map(|(message, field)| json!({"reason": "FieldManagerConflict", "message": message, "field": field}))
            .collect();
        failure(409, "Conflict", c.message, Some(json!({"causes": causes})))
    })?;
    match current {
        Some(_) => write(cluster, req, path, name, value),
        None => create_value(cluster, req, path, value),
    }
}

/// `DeleteOptions` from the body or the query.
fn delete_options(req: &Request) -> Result<(Option<i64>, Propagation), Failure> {
    let body = if req.body.trim().is_empty() { json!({}) } else { body_json(req)? };
    let grace = match (body.get("gracePeriodSeconds").and_then(Value::as_i64), req.param("gracePeriodSeconds")) {
        (Some(g), _) => Some(g),
        (None, Some(text)) => {
            Some(text.parse().map_err(|_| bad_request(format!("invalid gracePeriodSeconds: {text:?}")))?)
        }
        (None, None) => None,
    };
    let policy = body.get("propagationPolicy").and_then(Value::as_str).or(req.param("propagationPolicy"));
    let propagation = match policy {
        None | Some("Background") => Propagation::Background,
        Some("Foreground") => Propagation::Foreground,
        Some("Orphan") => Propagation::Orphan,
        Some(other) => {
            return Err(failure(
                422,
                "Invalid",
                format!(
                    "propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
                ),
                None,
            ));
        }
    };
    Ok((grace, propagation))
}

fn delete(cluster: &mut Cluster, req: &Request, path: &ResourcePath, name: &str) -> Result<Response, Failure> {
    let (grace, propagation) = delete_options(req)?;
    let current = live(cluster, path, name)?;
    if req.dry_run() {
        return deleted_response(path.kind, &current, 200);
    }
    let key = key(path, name);
    let cause = record(cluster, req, &format!("{} {name}", path.kind.name()));
    let client = req.client();
    let result = cluster
        .with_ctx(&client, cause, |ctx| ctx.delete_with(&key, grace, propagation, "delete"))
        .map_err(|e| from_api_error(&e))?;
    match cluster.api().get(&key) {
        // Still there: being deleted gracefully or behind finalizers.
        Some(pending) => {
            let pending = pending.clone();
            deleted_response(path.kind, &pending, 202)
        }
        None => deleted_response(path.kind, result.as_deref().unwrap_or(&current), 200),
    }
}

/// What a delete answers: the object for pods (the apiserver returns deleted pods),
/// a success Status for the other kinds.
fn deleted_response(kind: Kind, obj: &Object, code: u16) -> Result<Response, Failure> {
    if kind == Kind::Pod || code == 202 {
        return Ok(Response::json(code, &obj.to_json()));
    }
    let meta = obj.meta();
    Ok(Response::json(
        code,
        &json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": {"name": meta.name, "group": kind.group(), "kind": kind.plural(), "uid": meta.uid},
        }),
    ))
}

fn delete_collection(cluster: &mut Cluster, req: &Request, path: &ResourcePath) -> Result<Response, Failure> {
    if path.kind == Kind::Namespace {
        return Err(method_not_allowed("the server does not allow this method on the requested resource"));
    }
    let (grace, propagation) = delete_options(req)?;
    let doomed = selected(cluster, req, path)?;
    let mut items = Vec::new();
    if !req.dry_run() && !doomed.is_empty() {
        let cause = record(cluster, req, &format!("{} collection", path.kind.name()));
        let client = req.client();
        for obj in &doomed {
            let key = obj.key();
            let result = cluster.with_ctx(&client, cause, |ctx| ctx.delete_with(&key, grace, propagation, "delete"));
            if let Err(e) = result
                && !matches!(e, ApiError::NotFound { .. })
            {
                return Err(from_api_error(&e));
            }
        }
    }
    items.extend(doomed.iter().map(|o| o.to_json()));
    Ok(Response::json(
        200,
        &json!({
            "kind": format!("{}List", path.kind.name()),
            "apiVersion": path.kind.api_version(),
            "metadata": {"resourceVersion": cluster.api().resource_version().to_string()},
            "items": items,
        }),
    ))
}
