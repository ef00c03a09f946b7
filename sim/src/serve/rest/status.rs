//! Failures as the apiserver reports them: a `metav1.Status` with the HTTP code, the
//! reason and the message kubectl prints after `Error from server (REASON): `.

use serde_json::{Value, json};

use crate::api::Kind;
use crate::apiserver::ApiError;
use crate::apiserver::error::qualified_resource;

/// A failed request: its HTTP code and Status body.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// HTTP status code.
    pub code: u16,
    /// The `metav1.Status` object.
    pub status: Value,
}

/// A Status with `reason` and `message`, and `details` if given.
pub fn failure(code: u16, reason: &str, message: impl Into<String>, details: Option<Value>) -> Failure {
    let mut status = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message.into(),
        "reason": reason,
        "code": code,
    });
    if let Some(details) = details {
        status["details"] = details;
    }
    Failure { code, status }
}

/// 400 BadRequest.
pub fn bad_request(message: impl Into<String>) -> Failure {
    failure(400, "BadRequest", message, None)
}

/// 404 for a path kubesim serves nothing at: the apiserver's bare `404 page not found`
/// becomes a Status so every client can read it.
pub fn no_such_path() -> Failure {
    failure(404, "NotFound", "the server could not find the requested resource", Some(json!({})))
}

/// 405 for a verb a resource does not take.
pub fn method_not_allowed(message: impl Into<String>) -> Failure {
    failure(405, "MethodNotAllowed", message, Some(json!({})))
}

/// 410 Gone: a watch from a resourceVersion older than the watch cache holds.
pub fn gone(rv: u64) -> Failure {
    failure(410, "Expired", format!("too old resource version: {rv}"), None)
}

/// 415 for a body in a format the endpoint does not read.
pub fn unsupported_media_type(content_type: &str) -> Failure {
    failure(
        415,
        "UnsupportedMediaType",
        format!(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/strategic-merge-patch+json, application/merge-patch+json, application/json-patch+json, application/apply-patch+yaml (got {content_type:?})"
        ),
        None,
    )
}

/// 413 for a body over the limit.
pub fn too_large(limit: usize) -> Failure {
    failure(413, "RequestEntityTooLarge", format!("the request body is larger than the limit of {limit} bytes"), None)
}

/// `details` naming one object.
fn details(kind: Kind, name: &str) -> Value {
    json!({"name": name, "group": kind.group(), "kind": kind.plural()})
}

/// An `ApiError` from the store as the apiserver answers it.
pub fn from_api_error(err: &ApiError) -> Failure {
    match err {
        ApiError::NotFound { kind, name } => failure(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", qualified_resource(*kind)),
            Some(details(*kind, name)),
        ),
        ApiError::AlreadyExists { kind, name } => failure(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", qualified_resource(*kind)),
            Some(details(*kind, name)),
        ),
        ApiError::Conflict { kind, name } => failure(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                qualified_resource(*kind)
            ),
            Some(details(*kind, name)),
        ),
        ApiError::Invalid { kind, name, errors } => {
            let causes: Vec<Value> = errors
                .iter()
                .map(|e| json!({"reason": cause_reason(&e.detail), "message": e.detail, "field": e.path}))
                .collect();
            let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
            let listed = match listed.as_slice() {
                [one] => one.clone(),
                many => format!("[{}]", many.join(", ")),
            };
            let kind_name = match kind.group() {
                "" => kind.name().to_string(),
                g => format!("{}.{g}", kind.name()),
            };
            failure(
                422,
                "Invalid",
                format!("{kind_name} \"{name}\" is invalid: {listed}"),
                Some(json!({"name": name, "group": kind.group(), "kind": kind.name(), "causes": causes})),
            )
        }
        ApiError::Forbidden(message) => failure(403, "Forbidden", message.clone(), Some(json!({}))),
        ApiError::BadRequest(message) => bad_request(message.clone()),
        ApiError::Unreachable => failure(503, "ServiceUnavailable", "the apiserver cannot be reached", None),
    }
}

/// The `CauseType` of a field error, from the start of its text (`field.Error`'s types).
fn cause_reason(detail: &str) -> &'static str {
    const TYPES: &[(&str, &str)] = &[
        ("Required value", "FieldValueRequired"),
        ("Invalid value", "FieldValueInvalid"),
        ("Unsupported value", "FieldValueNotSupported"),
        ("Duplicate value", "FieldValueDuplicate"),
        ("Forbidden", "FieldValueForbidden"),
        ("Too many", "FieldValueTooMany"),
        ("Too long", "FieldValueTooLong"),
        ("Not found", "FieldValueNotFound"),
    ];
    TYPES.iter().find(|(prefix, _)| detail.starts_with(prefix)).map_or("FieldValueInvalid", |(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::validation::FieldError;

    #[test]
    fn store_errors_become_statuses_with_the_apiservers_reasons() {
        let nf = from_api_error(&ApiError::NotFound { kind: Kind::Deployment, name: "web".into() });
        assert_eq!(nf.code, 404);
        assert_eq!(nf.status["message"], "deployments.apps \"web\" not found");
        assert_eq!(nf.status["details"]["kind"], "deployments");
        let invalid = from_api_error(&ApiError::Invalid {
            kind: Kind::Deployment,
            name: "web".into(),
            errors: vec![FieldError {
                path: "spec.replicas".into(),
                detail: "Invalid value: -1: must be greater than or equal to 0".into(),
            }],
        });
        assert_eq!(invalid.code, 422);
        assert_eq!(
            invalid.status["message"],
            "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
        assert_eq!(invalid.status["details"]["causes"][0]["reason"], "FieldValueInvalid");
        assert_eq!(invalid.status["details"]["kind"], "Deployment");
    }
}
