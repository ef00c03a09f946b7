//! Subresources: `status`, `scale` (autoscaling/v1 Scale of Deployments and
//! ReplicaSets), `log`, `binding` and `eviction` of pods. The streaming ones (`exec`,
//! `attach`, `portforward`, `proxy`) are refused with the reason.

use serde_json::{Value, json};

use super::objects::{apply_patch, key, live, record, writer};
use super::path::ResourcePath;
use super::status::{Failure, bad_request, failure, from_api_error, method_not_allowed};
use super::{Method, Outcome, Request, Response, body_json};
use crate::api::decode::from_json_strict;
use crate::api::{Kind, Object};
use crate::apiserver::field_manager::record_update;
use crate::apiserver::{ApiError, Propagation};
use crate::cluster::Cluster;

pub(super) fn handle(cluster: &mut Cluster, req: &Request, path: &ResourcePath, sub: &str) -> Outcome {
    let Some(name) = path.name.as_deref() else {
        return method_not_allowed("a subresource needs an object").into();
    };
    let result = match (sub, path.kind, req.method) {
        (
            "status",
            Kind::Pod | Kind::Deployment | Kind::ReplicaSet | Kind::Node | Kind::Namespace | Kind::Service,
            _,
        ) => status(cluster, req, path, name),
        ("scale", Kind::Deployment | Kind::ReplicaSet, _) => scale(cluster, req, path, name),
        ("log", Kind::Pod, Method::Get) => log(cluster, req, path, name),
        ("binding", Kind::Pod, Method::Post) => binding(cluster, req, path, name),
        ("eviction", Kind::Pod, Method::Post) => eviction(cluster, req, path, name),
        ("exec" | "attach" | "portforward" | "proxy", Kind::Pod, _) => Err(method_not_allowed(format!(
            "kubesim does not run a shell or forward ports: its containers are simulated, so `{sub}` has nothing to connect to (use `kubesim ctl curl` to send a request through the simulated network)"
        ))),
        _ => Err(failure(404, "NotFound", format!("the server could not find the requested resource ({sub})"), None)),
    };
    result.map_or_else(Outcome::from, Outcome::Done)
}

fn status(cluster: &mut Cluster, req: &Request, path: &ResourcePath, name: &str) -> Result<Response, Failure> {
    let current = live(cluster, path, name)?;
    let obj = match req.method {
        Method::Get => return Ok(Response::json(200, &current.to_json())),
        Method::Put => from_json_strict(path.kind, body_json(req)?).map_err(bad_request)?,
        Method::Patch => {
            let mut doc = current.to_json();
            apply_patch(req, &mut doc)?;
            from_json_strict(path.kind, doc).map_err(bad_request)?
        }
        _ => return Err(method_not_allowed("status takes get, update and patch")),
    };
    if req.dry_run() {
        return Ok(Response::json(200, &obj.to_json()));
    }
    let cause = record(cluster, req, &format!("{} {name}", path.kind.name()));
    let client = req.client();
    let written = cluster
        .with_ctx(&client, cause, |ctx| ctx.update_status(obj, "update status"))
        .map_err(|e| from_api_error(&e))?;
    Ok(Response::json(200, &written.unwrap_or(current).to_json()))
}

/// The autoscaling/v1 Scale of a Deployment or ReplicaSet.
fn scale_of(obj: &Object) -> Value {
    let (spec_replicas, status_replicas, selector) = match obj {
        Object::Deployment(d) => {
            (d.spec.replicas.unwrap_or(1), d.status.replicas.unwrap_or(0), d.spec.selector.as_ref())
        }
        Object::ReplicaSet(rs) => (rs.spec.replicas.unwrap_or(1), rs.status.replicas, rs.spec.selector.as_ref()),
        _ => unreachable!("only Deployments and ReplicaSets have a scale subresource"),
    };
    let meta = obj.meta();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta.name,
            "namespace": meta.namespace,
            "uid": meta.uid,
            "resourceVersion": meta.resource_version,
            "creationTimestamp": obj.to_json()["metadata"]["creationTimestamp"],
        },
        "spec": {"replicas": spec_replicas},
        "status": {
            "replicas": status_replicas,
            "selector": selector.map(|s| s.to_selector_string()).unwrap_or_default(),
        },
    })
}

fn scale(cluster: &mut Cluster, req: &Request, path: &ResourcePath, name: &str) -> Result<Response, Failure> {
    let current = live(cluster, path, name)?;
    let mut scale = scale_of(&current);
    match req.method {
        Method::Get => return Ok(Response::json(200, &scale)),
        Method::Put => scale = body_json(req)?,
        Method::Patch => apply_patch(req, &mut scale)?,
        _ => return Err(method_not_allowed("scale takes get, update and patch")),
    }
    let replicas = scale["spec"]["replicas"].as_i64().unwrap_or(0);
    let replicas =
        i32::try_from(replicas).map_err(|_| bad_request(format!("spec.replicas: {replicas} is out of range")))?;
    let mut obj = (*current).clone();
    match &mut obj {
        Object::Deployment(d) => d.spec.replicas = Some(replicas),
        Object::ReplicaSet(rs) => rs.spec.replicas = Some(replicas),
        _ => unreachable!("checked by the caller"),
    }
    // The scaler owns `spec.replicas` now, through the subresource.
    let mut after = obj.to_json();
    record_update(Some(&current.to_json()), &mut after, &writer(cluster, req, path.kind, "Update", Some("scale")));
    obj.meta_mut().rare.managed_fields = after["metadata"].get("managedFields").cloned().map(Box::new);
    // The Scale's resourceVersion is the object's: a stale one is a conflict.
    let rv = scale["metadata"]["resourceVersion"].as_str().unwrap_or("").into();
    obj.meta_mut().resource_version = rv;
    if req.dry_run() {
        return Ok(Response::json(200, &scale_of(&obj)));
    }
    let cause = record(cluster, req, &format!("{} {name}", path.kind.name()));
    let client = req.client();
    let written = cluster.with_ctx(&client, cause, |ctx| ctx.update(obj, "scale")).map_err(|e| from_api_error(&e))?;
    Ok(Response::json(200, &scale_of(&written.unwrap_or(current))))
}

fn log(cluster: &mut Cluster, req: &Request, path: &ResourcePath, name: &str) -> Result<Response, Failure> {
    let current = live(cluster, path, name)?;
    let Object::Pod(pod) = &*current else { unreachable!("the route checked the kind") };
    let container = match req.param("container") {
        Some(c) => c.to_string(),
        None => match pod.spec.containers.as_slice() {
            [one] => one.name.clone(),
            many => {
                let names: Vec<&str> = many.iter().map(|c| c.name.as_str()).collect();
                return Err(bad_request(format!(
                    "a container name must be specified for pod {name}, choose one of: [{}]",
                    names.join(" ")
                )));
            }
        },
    };
    if !pod.spec.containers.iter().chain(&pod.spec.init_containers).any(|c| c.name == container) {
        return Err(bad_request(format!("container {container} is not valid for pod {name}")));
    }
    let previous = req.flag("previous");
    let node = pod.spec.node_name.clone().unwrap_or_default();
    let Some(lines) = cluster.kubelet(&node).and_then(|k| k.logs(&key(path, name), &container, previous)) else {
        return Err(bad_request(crate::kubelet::logs_unavailable(pod, &container, previous)));
    };
    let tail = match req.param("tailLines") {
        Some(t) => Some(t.parse::<usize>().map_err(|_| bad_request(format!("invalid tailLines: {t:?}")))?),
        None => None,
    };
    let skip = tail.map_or(0, |t| lines.len().saturating_sub(t));
    let text: String = lines[skip..].iter().map(|l| format!("{l}\n")).collect();
    Ok(Response::text(text))
}

fn success(kind: Kind, name: &str) -> Response {
    Response::json(
        201,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201,
                "details": {"name": name, "kind": kind.plural()}}),
    )
}

fn binding(cluster: &mut Cluster, req: &Request, path: &ResourcePath, name: &str) -> Result<Response, Failure> {
    live(cluster, path, name)?;
    let body = body_json(req)?;
    let node = body["target"]["name"].as_str().unwrap_or("").to_string();
    if node.is_empty() {
        return Err(failure(422, "Invalid", "target.name: Required value", None));
    }
    let cause = record(cluster, req, &format!("{} {name}", path.kind.name()));
    let key = key(path, name);
    let client = req.client();
    cluster.with_ctx(&client, cause, |ctx| ctx.bind(&key, &node.as_str().into())).map_err(|e| from_api_error(&e))?;
    Ok(success(Kind::Pod, name))
}

/// An eviction deletes the pod (kubesim has no PodDisruptionBudgets to respect).
fn eviction(cluster: &mut Cluster, req: &Request, path: &ResourcePath, name: &str) -> Result<Response, Failure> {
    live(cluster, path, name)?;
    let body = body_json(req)?;
    let grace = body["deleteOptions"]["gracePeriodSeconds"].as_i64();
    if req.dry_run() || body["deleteOptions"]["dryRun"].as_array().is_some_and(|d| !d.is_empty()) {
        return Ok(success(Kind::Pod, name));
    }
    let cause = record(cluster, req, &format!("{} {name}", path.kind.name()));
    let key = key(path, name);
    let client = req.client();
    match cluster.with_ctx(&client, cause, |ctx| ctx.delete_with(&key, grace, Propagation::Background, "evict")) {
        Ok(_) | Err(ApiError::NotFound { .. }) => Ok(success(Kind::Pod, name)),
        Err(e) => Err(from_api_error(&e)),
    }
}
