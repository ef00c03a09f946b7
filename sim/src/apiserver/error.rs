//! The apiserver's errors, displayed exactly as kubectl prints them.

use std::fmt;

use crate::api::Kind;
use crate::api::validation::FieldError;

/// A failed API request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The object does not exist (404).
    NotFound {
        /// Its kind.
        kind: Kind,
        /// Its name.
        name: String,
    },
    /// An object with this name exists already (409).
    AlreadyExists {
        /// Its kind.
        kind: Kind,
        /// Its name.
        name: String,
    },
    /// The request's resourceVersion is stale (409).
    Conflict {
        /// Its kind.
        kind: Kind,
        /// Its name.
        name: String,
    },
    /// Validation failed (422).
    Invalid {
        /// Its kind.
        kind: Kind,
        /// Its name.
        name: String,
        /// Every problem found.
        errors: Vec<FieldError>,
    },
    /// The request is refused for a reason stated in full (403).
    Forbidden(String),
    /// The request is malformed (400).
    BadRequest(String),
    /// The client cannot reach the apiserver (a network partition): no status code.
    Unreachable,
}

/// `pods`, `deployments.apps`: how the apiserver names a resource in messages.
pub fn qualified_resource(kind: Kind) -> String {
    match kind.group() {
        "" => kind.plural().to_string(),
        g => format!("{}.{g}", kind.plural()),
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::NotFound { kind, name } => {
                write!(f, "Error from server (NotFound): {} \"{name}\" not found", qualified_resource(*kind))
            }
            ApiError::AlreadyExists { kind, name } => {
                write!(f, "Error from server (AlreadyExists): {} \"{name}\" already exists", qualified_resource(*kind))
            }
            ApiError::Conflict { kind, name } => write!(
                f,
                "Error from server (Conflict): Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                qualified_resource(*kind)
            ),
            ApiError::Invalid { kind, name, errors } => {
                write!(f, "The {} \"{name}\" is invalid: ", kind.name())?;
                match errors.as_slice() {
                    [one] => write!(f, "{one}"),
                    many => {
                        for e in many {
                            write!(f, "\n* {e}")?;
                        }
                        Ok(())
                    }
                }
            }
            ApiError::Forbidden(message) => write!(f, "Error from server (Forbidden): {message}"),
            ApiError::BadRequest(message) => write!(f, "Error from server (BadRequest): {message}"),
            ApiError::Unreachable => {
                write!(f, "Unable to connect to the server: dial tcp 172.18.0.1:6443: i/o timeout")
            }
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_kubectl() {
        let e = ApiError::NotFound { kind: Kind::Deployment, name: "x".into() };
        assert_eq!(e.to_string(), "Error from server (NotFound): deployments.apps \"x\" not found");
        let e = ApiError::Invalid {
            kind: Kind::Deployment,
            name: "nginx".into(),
            errors: vec![
                FieldError { path: "spec.selector".into(), detail: "Required value".into() },
                FieldError {
                    path: "spec.replicas".into(),
                    detail: "Invalid value: -1: must be greater than or equal to 0".into(),
                },
            ],
        };
        assert_eq!(
            e.to_string(),
            "The Deployment \"nginx\" is invalid: \n* spec.selector: Required value\n* spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
    }
}
