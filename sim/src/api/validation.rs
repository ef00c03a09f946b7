//! Validation of objects on create and update, with the apiserver's field error texts.
//! (Filled in by the validation work.)

use super::object::Object;

/// One field error, printed as kubectl does: `spec.containers[0].image: Required value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the field.
    pub path: String,
    /// The rest of the line after the path, e.g. `Required value`.
    pub detail: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.detail)
    }
}

/// Every problem with `obj` as a new object.
pub fn validate_create(obj: &Object) -> Vec<FieldError> {
    let _ = obj;
    Vec::new()
}

/// Every problem with changing `old` into `new`.
pub fn validate_update(old: &Object, new: &Object) -> Vec<FieldError> {
    let _ = old;
    validate_create(new)
}
