//! The controller manager's controllers: [`Reconciler`]s run by the
//! [`ControllerManager`].

pub mod controlled_pods;
pub mod deployment;
pub mod endpoints;
pub mod garbage_collector;
pub mod manager;
pub mod node_lifecycle;
pub mod pod_gc;
pub mod pods;
pub mod reconciler;
pub mod replicaset;
pub mod taint_eviction;

pub use manager::ControllerManager;
pub use reconciler::{ApiRequest, Outcome, Reconcile, Reconciler};
