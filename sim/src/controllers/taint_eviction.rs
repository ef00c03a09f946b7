//! The taint-eviction controller: a pod on a node tainted
//! `node.kubernetes.io/unreachable:NoExecute` is deleted once its matching toleration
//! (300 s by default, the shortest if several match) has run out since the taint was
//! added.

use super::node_lifecycle::UNREACHABLE_TAINT;
use super::reconciler::{ApiRequest, Reconcile, Reconciler};
use crate::api::core::{Node, Pod, Taint};
use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::{Change, ChangeType};
use crate::cluster::Cache;
use crate::engine::SimTime;
use crate::engine::time::secs_to_ms;

/// The controller.
#[derive(Default)]
pub struct TaintEviction;

/// How long a pod tolerates its node being unreachable (`getMinTolerationTime`): the
/// shortest `tolerationSeconds` among the matching tolerations, none for "forever", and
/// zero when nothing tolerates the taint.
fn eviction_delay_ms(pod: &Pod) -> Option<u64> {
    let taint = Taint { key: UNREACHABLE_TAINT.into(), value: None, effect: "NoExecute".into(), time_added: None };
    let matching: Vec<_> = pod.spec.tolerations.iter().filter(|t| t.tolerates(&taint)).collect();
    if matching.is_empty() {
        return Some(0);
    }
    matching.iter().filter_map(|t| t.toleration_seconds).min().map(secs_to_ms)
}

/// When the unreachable NoExecute taint was put on `node`, if it has one.
fn tainted_since(node: &Node) -> Option<SimTime> {
    node.spec
        .taints
        .iter()
        .find(|t| t.key == UNREACHABLE_TAINT && t.effect == "NoExecute")
        .map(|t| t.time_added.map_or(SimTime::ZERO, |a| a.moment()))
}

fn node_of<'a>(pod: &Pod, view: &'a Cache) -> Option<&'a Node> {
    view.node(pod.spec.node_name.as_deref()?).and_then(|o| o.as_node())
}

impl Reconciler for TaintEviction {
    fn name(&self) -> &'static str {
        "taint-eviction-controller"
    }

    fn watches(&self) -> &'static [Kind] {
        &[Kind::Node, Kind::Pod]
    }

    fn keys_for(&mut self, change: &Change, view: &Cache) -> Vec<ObjKey> {
        let obj = &change.object;
        match (&**obj, change.type_) {
            (_, ChangeType::Deleted) => Vec::new(),
            // A tainted node: each of its pods starts its toleration clock.
            (Object::Node(node), _) if tainted_since(node).is_some() => {
                view.pods_on(&node.metadata.name).map(|p| p.key()).collect()
            }
            (Object::Pod(pod), _) if node_of(pod, view).and_then(tainted_since).is_some() => vec![obj.key()],
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjKey, view: &Cache, now: SimTime) -> Reconcile {
        let Some(pod) = view.get(key).and_then(|o| o.as_pod()) else { return Reconcile::done() };
        let Some(since) = node_of(pod, view).and_then(tainted_since) else { return Reconcile::done() };
        if pod.metadata.deletion_timestamp.is_some() {
            return Reconcile::done();
        }
        let Some(delay) = eviction_delay_ms(pod) else { return Reconcile::done() };
        let due = since.as_ms().saturating_add(delay);
        if now.as_ms() < due {
            return Reconcile { requests: Vec::new(), requeue_after_ms: Some(due - now.as_ms()), why: None };
        }
        let message = format!("Marking for deletion Pod {}/{}", key.namespace, key.name);
        Reconcile {
            requests: vec![
                ApiRequest::normal_event(key.clone(), "TaintManagerEviction", message),
                ApiRequest::delete(key.clone()),
            ],
            requeue_after_ms: None,
            why: Some("toleration of the unreachable node expired".into()),
        }
    }
}
