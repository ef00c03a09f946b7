//! A small CRI over Docker, shaped like cri-dockerd: pod sandboxes (a pause container
//! holding the pod's network namespace), containers that join them, their status and
//! events, and one workload image built locally, since no registry can be reached.
//! It knows nothing of kubesim's simulator: a caller asks for sandboxes and containers
//! by name, labels and address, and reads back what Docker did.
//!
//! Everything it creates carries `io.kubesim.managed=true` and `io.kubesim.run=<run>`;
//! [`clean`] removes by those labels and never touches anything else.

mod cri;
mod proxy;
mod tar;
mod workload;

pub use cri::{ContainerSpec, ContainerState, Cri, DockerEvent, Error, SandboxSpec, clean, clean_leftovers, unix_now};
pub use proxy::NodePorts;
pub use workload::{WORKLOAD_BINARY, workload_tag};

/// Label on everything kubesim creates.
pub const MANAGED: &str = "io.kubesim.managed";
/// Label naming the run (one replay, one test) an object belongs to.
pub const RUN: &str = "io.kubesim.run";
/// Label naming the simulated node a container belongs to.
pub const NODE: &str = "io.kubesim.node";
/// Label with the process id of the program that made it, to tell leftovers of ended
/// runs from live ones.
pub const OWNER: &str = "io.kubesim.pid";
