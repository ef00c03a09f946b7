//! `ObjectMap`: objects by key, kept per kind and per namespace, so that a lookup
//! hashes the name only, and iterated in key order (kind, namespace, name) like one
//! sorted map.
//!
//! A namespace's names are in a [`LookupMap`]: a store holds hundreds of thousands of
//! Events beside the pods, looked up on every write. Listing sorts what it lists: the
//! hot paths look up, or use an index (pods by node, dependents by owner); what lists a
//! namespace's pods (the endpoints controller, per Service) pays a sort on top of the
//! walk upstream's pays too.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::rc::Rc;

use super::name::Str;
use super::{Kind, ObjKey, Object};
use crate::engine::lookup::LookupMap;

type Names = LookupMap<Str, Rc<Object>>;

/// Objects by key, in key order.
#[derive(Debug, Clone, Default)]
pub struct ObjectMap {
    kinds: BTreeMap<Kind, BTreeMap<Str, Names>>,
}

impl ObjectMap {
    /// The object at `key`.
    pub fn get(&self, key: &ObjKey) -> Option<&Rc<Object>> {
        self.find(key.kind, &key.namespace, &key.name)
    }

    /// The object of `kind` named `name` in `namespace` (`""` for cluster-scoped kinds),
    /// looked up without making a key.
    pub fn find(&self, kind: Kind, namespace: &str, name: &str) -> Option<&Rc<Object>> {
        self.kinds.get(&kind)?.get(namespace)?.get(name)
    }

    /// Whether there is an object at `key`.
    pub fn contains_key(&self, key: &ObjKey) -> bool {
        self.get(key).is_some()
    }

    /// Puts `object` at `key`; returns what was there.
    pub fn insert(&mut self, key: ObjKey, object: Rc<Object>) -> Option<Rc<Object>> {
        self.kinds.entry(key.kind).or_default().entry(key.namespace).or_default().insert(key.name, object)
    }

    /// Takes the object at `key` out.
    pub fn remove(&mut self, key: &ObjKey) -> Option<Rc<Object>> {
        let namespaces = self.kinds.get_mut(&key.kind)?;
        let names = namespaces.get_mut(&*key.namespace)?;
        let removed = names.remove(&*key.name);
        if names.is_empty() {
            namespaces.remove(&*key.namespace);
        }
        removed
    }

    /// Every object, in key order.
    pub fn values(&self) -> impl Iterator<Item = &Rc<Object>> {
        self.kinds
            .values()
            .flat_map(|namespaces| namespaces.values())
            .flat_map(|names| names.sorted().map(|(_, object)| object))
    }

    /// Every object in no meaningful order, without the sort: for counts and checks
    /// whose findings are sorted (see [`LookupMap::values_unordered`]).
    pub fn values_unordered(&self) -> impl Iterator<Item = &Rc<Object>> {
        self.kinds.values().flat_map(|namespaces| namespaces.values()).flat_map(|names| names.values_unordered())
    }

    /// The objects of `kind`, in `namespace` if given, in key order.
    pub fn list(&self, kind: Kind, namespace: Option<&str>) -> impl Iterator<Item = &Rc<Object>> {
        // One namespace is the range from it to itself; none bounds the range at all.
        let bounds = match namespace {
            Some(ns) => (Bound::Included(ns), Bound::Included(ns)),
            None => (Bound::Unbounded, Bound::Unbounded),
        };
        self.kinds
            .get(&kind)
            .into_iter()
            .flat_map(move |namespaces| namespaces.range::<str, _>(bounds))
            .flat_map(|(_, names)| names.sorted().map(|(_, object)| object))
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.kinds.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core::{Namespace, Pod};

    fn pod(ns: &str, name: &str) -> (ObjKey, Rc<Object>) {
        let mut p = Pod::default();
        p.metadata.namespace = ns.into();
        p.metadata.name = name.into();
        (ObjKey::new(Kind::Pod, ns, name), Rc::new(Object::from(p)))
    }

    #[test]
    fn iterates_in_key_order_and_lists_by_kind_and_namespace() {
        let mut map = ObjectMap::default();
        for (ns, name) in [("b", "x"), ("a", "z"), ("a", "y")] {
            let (key, obj) = pod(ns, name);
            assert!(map.insert(key, obj).is_none());
        }
        let mut ns = Namespace::default();
        ns.metadata.name = "a".into();
        map.insert(ObjKey::new(Kind::Namespace, "", "a"), Rc::new(Object::from(ns)));
        let mut sorted: Vec<ObjKey> = map.values().map(|o| o.key()).collect();
        let in_order = sorted.clone();
        sorted.sort();
        assert_eq!(in_order, sorted);
        let names = |it: &mut dyn Iterator<Item = &Rc<Object>>| it.map(|o| o.meta().name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&mut map.list(Kind::Pod, None)), ["y", "z", "x"]);
        assert_eq!(names(&mut map.list(Kind::Pod, Some("a"))), ["y", "z"]);
        assert_eq!(names(&mut map.list(Kind::Pod, Some("c"))), Vec::<String>::new());
        assert_eq!(names(&mut map.list(Kind::Service, None)), Vec::<String>::new());

        let (key, _) = pod("b", "x");
        assert!(map.contains_key(&key));
        assert!(map.remove(&key).is_some());
        assert!(map.get(&key).is_none() && map.remove(&key).is_none());
        assert_eq!(names(&mut map.list(Kind::Pod, None)), ["y", "z"]);
    }

    #[test]
    fn lists_a_large_namespace_in_name_order_whatever_the_hash_order() {
        let mut map = ObjectMap::default();
        // Inserted out of order: 7 is coprime to 500, so this visits every number once.
        for i in (0..500).map(|i| (i * 7) % 500) {
            let (key, obj) = pod("default", &format!("web-{i:03}"));
            map.insert(key, obj);
        }
        let listed: Vec<String> = map.list(Kind::Pod, Some("default")).map(|o| o.meta().name.to_string()).collect();
        let expected: Vec<String> = (0..500).map(|i| format!("web-{i:03}")).collect();
        assert_eq!(listed, expected);
        assert_eq!(map.values().count(), 500);
        assert!(map.find(Kind::Pod, "default", "web-123").is_some());
        assert!(map.find(Kind::Pod, "default", "web-500").is_none());
    }
}
