//! What each node is: the machines a cluster boots with, by default `node-1` … `node-N`
//! of one size, or shaped one by one (a scenario's `cluster.nodes` list).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ClusterConfig;
use crate::api::core::Taint;
use crate::kubelet::Machine;

/// One node as a scenario describes it; unset fields take the cluster's defaults.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeShape {
    /// The node's name (default `node-<position>`).
    pub name: Option<String>,
    /// CPU capacity, a quantity (`2`, `1500m`).
    pub cpu: Option<String>,
    /// Memory capacity, a quantity (`4Gi`).
    pub memory: Option<String>,
    /// Labels added to the kubelet's own (`kubernetes.io/hostname`…).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Taints the node registers with, as kubelet's `--register-with-taints`.
    #[serde(default)]
    pub taints: Vec<Taint>,
}

impl ClusterConfig {
    /// The machines to boot: `nodes` of them, the first ones shaped by `shapes`.
    pub fn machines(&self) -> Vec<Machine> {
        let nodes = self.nodes.max(self.shapes.len());
        (1..=nodes)
            .map(|index| {
                let shape = self.shapes.get(index - 1).cloned().unwrap_or_default();
                Machine {
                    name: shape.name.unwrap_or_else(|| format!("node-{index}")).into(),
                    index,
                    pod_subnet: crate::kubelet::pod_subnet(index, nodes),
                    cpu: shape.cpu.unwrap_or_else(|| self.node_cpu.clone()),
                    memory: shape.memory.unwrap_or_else(|| self.node_memory.clone()),
                    max_pods: self.max_pods,
                    labels: shape.labels,
                    taints: shape.taints,
                }
            })
            .collect()
    }
}
