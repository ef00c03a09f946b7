//! kubesim: a deterministic Kubernetes cluster simulator for teaching.
//!
//! One single-threaded event loop plays every part of a cluster: the apiserver and its
//! store, the scheduler, the controllers, and a kubelet with a container runtime on every
//! node. The same seed and the same inputs always give byte-identical output.
//!
//! ```
//! use kubesim::cluster::{Cluster, ClusterConfig};
//!
//! let mut cluster = Cluster::new(ClusterConfig { nodes: 3, seed: 7, ..Default::default() });
//! let out = cluster.kubectl("kubectl run web --image=nginx:1.27");
//! assert_eq!(out.stdout, "pod/web created\n");
//! cluster.advance_ms(10_000);
//! let out = cluster.kubectl("kubectl get pods");
//! assert!(out.stdout.contains("Running"));
//! ```

pub mod api;
pub mod apiserver;
pub mod bench;
pub mod cluster;
pub mod controllers;
pub mod curriculum;
pub mod engine;
pub mod invariants;
pub mod kubectl;
pub mod kubelet;
pub mod network;
pub mod report;
pub mod runtime;
pub mod scenario;
pub mod scheduler;
#[cfg(feature = "serve")]
pub mod serve;
pub mod shell;
pub mod testing;
