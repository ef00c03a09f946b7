//! The controller manager's controllers.

pub mod node_lifecycle;
