//! The states the page draws, compacted from the objects a write left: a node's status,
//! a pod's node, phase, kubectl STATUS, readiness and restarts, a Service's type,
//! selector and ports.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api::Object;
use crate::apiserver::{Change, ChangeType};
use crate::engine::SimTime;
use crate::kubectl::print::get::cells;
use crate::kubectl::print::pod_status::{pod_status, ready_count};

/// What one write left of an object the page draws.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// `Node`, `Pod` or `Service`.
    pub kind: String,
    /// `namespace/name`, or the name of a cluster-scoped object.
    pub key: String,
    /// The state; none once the object is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Value>,
}

/// The view of a change, for the kinds the page draws.
pub fn view(change: &Change) -> Option<View> {
    let obj = &*change.object;
    let meta = obj.meta();
    let key =
        if meta.namespace.is_empty() { meta.name.to_string() } else { format!("{}/{}", meta.namespace, meta.name) };
    let state = match obj {
        Object::Node(node) => json!({
            // kubectl's STATUS column: Ready, NotReady, Ready,SchedulingDisabled.
            "status": cells(obj, false, SimTime::ZERO).get(1).cloned().unwrap_or_default(),
            "ip": node.status.addresses.iter().find(|a| a.type_ == "InternalIP").map(|a| a.address.clone()),
        }),
        Object::Pod(pod) => {
            let (ready, total) = ready_count(pod);
            let restarts: i32 = pod.status.container_statuses.iter().map(|c| c.restart_count).sum();
            json!({
                "node": pod.spec.node_name,
                "phase": pod.status.phase,
                "status": pod_status(pod),
                "ready": format!("{ready}/{total}"),
                "restarts": restarts,
                "labels": meta.labels,
                "owner": meta.controller_ref().map(|o| o.name.clone()),
                "ip": pod.status.pod_ip,
            })
        }
        Object::Service(svc) => json!({
            "type": svc.spec.type_.clone().unwrap_or_else(|| "ClusterIP".into()),
            "clusterIP": svc.spec.cluster_ip,
            "selector": svc.spec.selector,
            "ports": svc.spec.ports.iter().map(|p| json!({
                "port": p.port,
                "targetPort": p.target_port.as_ref().map(ToString::to_string),
                "nodePort": p.node_port,
            })).collect::<Vec<_>>(),
        }),
        _ => return None,
    };
    let gone = change.type_ == ChangeType::Deleted;
    Some(View { kind: obj.kind().name().into(), key, state: (!gone).then_some(state) })
}
