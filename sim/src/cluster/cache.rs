//! A component's watch-fed view of the cluster. It lags the store by the watch latency:
//! components decide on what they have seen, never on the store itself.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::api::{Kind, ObjKey, Object, ObjectMap, PodsByNode, Str};
use crate::apiserver::{Change, ChangeType};
use crate::controllers::controlled_pods::{ControlledPods, ControlledPodsIndex};

/// Objects as last seen through a watch; the controllers' views are also indexed by
/// owner and by node, and tally the pods each owner controls (the scheduler, the
/// kubelets and kube-proxy never ask, and skip the upkeep).
#[derive(Debug, Default, Clone)]
pub struct Cache {
    objects: ObjectMap,
    /// Whether `dependents`, `uncontrolled`, `on_node` and `controlled` are kept.
    indexed: bool,
    /// Owner uid → the objects that name it in their ownerReferences (held here too, so
    /// a controller walking its 3,000 pods does not look each one up).
    dependents: BTreeMap<Str, BTreeMap<ObjKey, Rc<Object>>>,
    /// Objects without a controller owner (candidates for adoption).
    uncontrolled: BTreeSet<ObjKey>,
    /// The pods by node, as upstream's controllers index their pod informer.
    on_node: PodsByNode,
    /// A tally of the pods each owner controls.
    controlled: ControlledPodsIndex,
}

impl Cache {
    /// An empty view that also indexes its objects by owner and its pods by node, for
    /// [`dependents_of`](Cache::dependents_of), [`uncontrolled_in`](Cache::uncontrolled_in),
    /// [`pods_on`](Cache::pods_on) and [`controlled_pods`](Cache::controlled_pods).
    pub fn indexed() -> Cache {
        Cache { indexed: true, ..Cache::default() }
    }

    /// Applies a watch event; returns the previous version of the object, if any.
    pub fn apply(&mut self, change: &Change) -> Option<Rc<Object>> {
        let key = change.object.key();
        let previous = match change.type_ {
            ChangeType::Added | ChangeType::Modified => self.objects.insert(key.clone(), change.object.clone()),
            ChangeType::Deleted => self.objects.remove(&key),
        };
        if !self.indexed {
            return previous;
        }
        let now = (change.type_ != ChangeType::Deleted).then_some(&*change.object);
        self.on_node.update(&key, previous.as_deref(), now);
        self.controlled.update(previous.as_deref(), now);
        // Most updates (status) keep the owners: only the held versions change.
        let same_owners = change.type_ != ChangeType::Deleted
            && previous
                .as_ref()
                .is_some_and(|old| old.meta().owner_references == change.object.meta().owner_references);
        if same_owners {
            for owner in change.object.meta().owner_references.iter() {
                if let Some(held) = self.dependents.get_mut(&owner.uid).and_then(|d| d.get_mut(&key)) {
                    *held = change.object.clone();
                }
            }
            return previous;
        }
        self.uncontrolled.remove(&key);
        if let Some(old) = &previous {
            for owner in old.meta().owner_references.iter() {
                if let Some(set) = self.dependents.get_mut(&owner.uid) {
                    set.remove(&key);
                    if set.is_empty() {
                        self.dependents.remove(&owner.uid);
                    }
                }
            }
        }
        if change.type_ != ChangeType::Deleted {
            if change.object.meta().controller_ref().is_none() {
                self.uncontrolled.insert(key.clone());
            }
            for owner in change.object.meta().owner_references.iter() {
                self.dependents.entry(owner.uid.clone()).or_default().insert(key.clone(), change.object.clone());
            }
        }
        previous
    }

    /// Drops the object at `key`, for a component that keeps only some of what it
    /// watches (in a view without the indexes).
    pub fn forget(&mut self, key: &ObjKey) {
        debug_assert!(!self.indexed, "forgetting would leave the indexes stale");
        self.objects.remove(key);
    }

    /// The object at `key`.
    pub fn get(&self, key: &ObjKey) -> Option<&Rc<Object>> {
        self.objects.get(key)
    }

    /// The cached node named `name` (a lookup made for every pod event: no key is made).
    pub fn node(&self, name: &str) -> Option<&Rc<Object>> {
        self.objects.find(Kind::Node, "", name)
    }

    /// Every cached object.
    pub fn all(&self) -> impl Iterator<Item = &Rc<Object>> {
        self.objects.values()
    }

    /// All cached objects of `kind`.
    pub fn list(&self, kind: Kind) -> impl Iterator<Item = &Rc<Object>> {
        self.objects.list(kind, None)
    }

    /// Cached objects of `kind` in `namespace`.
    pub fn list_in(&self, kind: Kind, namespace: &str) -> impl Iterator<Item = &Rc<Object>> {
        self.objects.list(kind, Some(namespace))
    }

    /// Objects whose ownerReferences name the owner with `uid`.
    pub fn dependents_of(&self, uid: &str) -> impl Iterator<Item = &Rc<Object>> {
        debug_assert!(self.indexed, "a view without the owner index");
        self.dependents.get(uid).into_iter().flat_map(|d| d.values())
    }

    /// Objects of `kind` in `namespace` that have no controller owner.
    pub fn uncontrolled_in(&self, kind: Kind, namespace: &str) -> impl Iterator<Item = &Rc<Object>> {
        debug_assert!(self.indexed, "a view without the owner index");
        let start = ObjKey { kind, namespace: namespace.into(), name: "".into() };
        self.uncontrolled
            .range(start..)
            .take_while(move |k| k.kind == kind && &*k.namespace == namespace)
            .filter_map(|k| self.objects.get(k))
    }

    /// The pods bound to `node`, in key order.
    pub fn pods_on(&self, node: &str) -> impl Iterator<Item = &Rc<Object>> {
        debug_assert!(self.indexed, "a view without the node index");
        self.on_node.on(node).filter_map(|(namespace, name)| self.objects.find(Kind::Pod, namespace, name))
    }

    /// The tally of the pods in `namespace` whose controller is the owner with `uid`, if
    /// it has any.
    pub fn controlled_pods(&self, namespace: &str, uid: &str) -> Option<&ControlledPods> {
        debug_assert!(self.indexed, "a view without the owner index");
        self.controlled.of(namespace, uid)
    }

    /// The pods in `namespace` whose labels `selects` accepts, in no particular order:
    /// found among the pods of the controllers that have pods so labelled, and the pods
    /// without a controller, rather than among all the namespace's.
    pub fn pods_selected(
        &self,
        namespace: &str,
        selects: impl Fn(&BTreeMap<String, String>) -> bool,
    ) -> Vec<&Rc<Object>> {
        debug_assert!(self.indexed, "a view without the owner index");
        let mut pods: Vec<&Rc<Object>> = Vec::new();
        for (owner, tally) in self.controlled.in_namespace(namespace) {
            if !tally.groups().iter().any(|g| selects(&g.labels)) {
                continue;
            }
            pods.extend(self.dependents_of(owner).filter(|o| {
                let meta = o.meta();
                o.kind() == Kind::Pod
                    && *meta.namespace == *namespace
                    && meta.controller_ref().is_some_and(|r| r.uid == *owner)
                    && selects(&meta.labels)
            }));
        }
        pods.extend(self.uncontrolled_in(Kind::Pod, namespace).filter(|o| selects(&o.meta().labels)));
        debug_assert_eq!(
            {
                let mut found: Vec<ObjKey> = pods.iter().map(|o| o.key()).collect();
                found.sort();
                found
            },
            self.list_in(Kind::Pod, namespace)
                .filter(|o| selects(&o.meta().labels))
                .map(|o| o.key())
                .collect::<Vec<_>>(),
            "the pods selected in {namespace} through their controllers"
        );
        pods
    }

    /// Forgets everything (a restarted component starts empty and relists).
    pub fn clear(&mut self) {
        self.objects.clear();
        self.dependents.clear();
        self.uncontrolled.clear();
        self.on_node.clear();
        self.controlled.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core::Pod;

    fn change(type_: ChangeType, name: &str, node: Option<&str>) -> Change {
        let mut pod = Pod::default();
        pod.metadata.namespace = "default".into();
        pod.metadata.name = name.into();
        pod.spec.node_name = node.map(Str::from);
        Change { type_, object: Rc::new(Object::from(pod)) }
    }

    fn on(view: &Cache, node: &str) -> Vec<String> {
        view.pods_on(node).map(|p| p.meta().name.to_string()).collect()
    }

    /// A pod in `namespace` labelled app=web, controlled by `controller` (if any) and
    /// also naming `also` as a plain owner.
    fn owned(namespace: &str, name: &str, controller: Option<&str>, also: Option<&str>) -> Rc<Object> {
        use crate::api::meta::OwnerReference;
        let reference = |uid: &str, controller: bool| OwnerReference {
            api_version: Str::lit("apps/v1"),
            kind: Str::lit("ReplicaSet"),
            name: uid.into(),
            uid: uid.into(),
            controller: Some(controller),
            block_owner_deletion: None,
        };
        let mut pod = Pod::default();
        pod.metadata.namespace = namespace.into();
        pod.metadata.name = name.into();
        pod.metadata.labels.insert("app".into(), "web".into());
        let refs = controller.map(|uid| reference(uid, true)).into_iter().chain(also.map(|uid| reference(uid, false)));
        pod.metadata.owner_references = refs.collect::<Vec<_>>().into();
        Rc::new(Object::from(pod))
    }

    fn tallied(view: &Cache, uid: &str) -> u32 {
        view.controlled_pods("default", uid).map_or(0, |t| t.groups().iter().map(|g| g.pods).sum())
    }

    #[test]
    fn the_tally_follows_each_pod_to_its_current_controller() {
        let mut view = Cache::indexed();
        view.apply(&Change { type_: ChangeType::Added, object: owned("default", "a", Some("rs-1"), None) });
        assert_eq!((tallied(&view, "rs-1"), tallied(&view, "rs-2")), (1, 0));
        // Adopted by another controller.
        view.apply(&Change { type_: ChangeType::Modified, object: owned("default", "a", Some("rs-2"), None) });
        assert_eq!((tallied(&view, "rs-1"), tallied(&view, "rs-2")), (0, 1));
        let copy = view.clone();
        // A deletion carrying an older version: the view's own version is taken back.
        view.apply(&Change { type_: ChangeType::Deleted, object: owned("default", "a", Some("rs-1"), None) });
        assert_eq!((tallied(&view, "rs-1"), tallied(&view, "rs-2")), (0, 0));
        assert_eq!(tallied(&copy, "rs-2"), 1);
        let mut copy = copy;
        copy.clear();
        assert_eq!(tallied(&copy, "rs-2"), 0);
    }

    #[test]
    fn a_services_pods_are_found_in_their_namespace_with_or_without_a_controller() {
        let mut view = Cache::indexed();
        for pod in [
            owned("default", "controlled", Some("rs-1"), None),
            owned("default", "merely-owned", None, Some("rs-1")),
            owned("other", "elsewhere", Some("rs-1"), None),
        ] {
            view.apply(&Change { type_: ChangeType::Added, object: pod });
        }
        let web = |labels: &std::collections::BTreeMap<String, String>| labels.get("app").is_some_and(|a| a == "web");
        let mut found: Vec<String> =
            view.pods_selected("default", web).iter().map(|p| p.meta().name.to_string()).collect();
        found.sort();
        assert_eq!(found, ["controlled", "merely-owned"]);
        assert!(view.pods_selected("default", |labels| labels.contains_key("tier")).is_empty());
    }

    #[test]
    fn the_node_index_follows_binding_and_deletion() {
        let mut view = Cache::indexed();
        view.apply(&change(ChangeType::Added, "b", None));
        view.apply(&change(ChangeType::Added, "a", Some("node-1")));
        assert_eq!(on(&view, "node-1"), ["a"]);
        // Bound by the scheduler: an update that sets spec.nodeName.
        view.apply(&change(ChangeType::Modified, "b", Some("node-1")));
        assert_eq!(on(&view, "node-1"), ["a", "b"]);
        // A status update keeps the node; the index holds keys, so the pod is the new one.
        let mut updated = change(ChangeType::Modified, "b", Some("node-1"));
        Rc::get_mut(&mut updated.object).expect("not shared").meta_mut().labels.insert("v".into(), "2".into());
        view.apply(&updated);
        assert_eq!(view.pods_on("node-1").nth(1).expect("b").meta().labels.get("v").map(|v| &**v), Some("2"));
        view.apply(&change(ChangeType::Deleted, "a", Some("node-1")));
        assert_eq!(on(&view, "node-1"), ["b"]);
        view.apply(&change(ChangeType::Deleted, "b", Some("node-1")));
        assert!(on(&view, "node-1").is_empty() && view.on_node.is_empty());
        assert!(on(&view, "node-2").is_empty());
    }
}
