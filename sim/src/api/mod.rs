//! Kubernetes API objects as real Kubernetes JSON/YAML: the typed kinds, the kinds
//! registry, decoding manifests with kubectl's errors, defaulting and validation.

pub mod apps;
pub mod core;
pub mod decode;
pub mod defaults;
pub mod discovery;
pub mod kinds;
pub mod meta;
pub mod name;
pub mod object;
pub mod object_map;
pub mod patch;
pub mod pods_by_node;
pub mod shared;
pub mod validation;

pub use kinds::Kind;
pub use name::{Str, or_empty};
pub use object::{ObjKey, Object};
pub use object_map::ObjectMap;
pub use pods_by_node::PodsByNode;
pub use shared::{LastShared, Shared};
