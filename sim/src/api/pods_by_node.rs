//! `PodsByNode`: the pods bound to each node (`spec.nodeName`), as upstream's watch
//! cache indexes them for a kubelet's list and its controllers index their pod
//! informers: a node's pods without a walk over all 150,000.

use std::collections::BTreeMap;

use super::{ObjKey, Object, Str};

/// Node name → the namespace and name of each pod bound to it, sorted. (A sorted list:
/// a node holds at most 110 pods, and a B-tree set per node costs twice the memory.)
#[derive(Debug, Clone, Default)]
pub struct PodsByNode(BTreeMap<Str, Vec<(Str, Str)>>);

impl PodsByNode {
    /// Follows a write of the object at `key`, from `old` (what was there) to `new`
    /// (what is there now; `None` once it is gone).
    pub fn update(&mut self, key: &ObjKey, old: Option<&Object>, new: Option<&Object>) {
        let (was, now) = (old.and_then(node_of), new.and_then(node_of));
        if was == now {
            return;
        }
        let pod = (key.namespace.clone(), key.name.clone());
        if let Some(was) = was
            && let Some(pods) = self.0.get_mut(was)
        {
            if let Ok(at) = pods.binary_search(&pod) {
                pods.remove(at);
            }
            if pods.is_empty() {
                self.0.remove(was);
            }
        }
        if let Some(now) = now {
            let pods = self.0.entry(now.clone()).or_default();
            if let Err(at) = pods.binary_search(&pod) {
                pods.insert(at, pod);
            }
        }
    }

    /// The namespace and name of each pod bound to `node`, in order.
    pub fn on(&self, node: &str) -> impl Iterator<Item = (&str, &str)> {
        self.0.get(node).into_iter().flatten().map(|(namespace, name)| (&**namespace, &**name))
    }

    /// Whether no pod is bound to any node (tests check no empty list is left behind).
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Forgets every pod.
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// The node a pod is bound to.
fn node_of(object: &Object) -> Option<&Str> {
    object.as_pod().and_then(|pod| pod.spec.node_name.as_ref())
}
