//! `ObjectMap`: objects by key, kept per kind and per namespace, so that a lookup
//! compares names only (a store holds hundreds of thousands of Events beside the pods),
//! and iterated in key order (kind, namespace, name) like one sorted map.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::rc::Rc;

use super::name::Str;
use super::{Kind, ObjKey, Object};

type Names = BTreeMap<Str, Rc<Object>>;

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
        self.kinds.values().flat_map(|namespaces| namespaces.values()).flat_map(|names| names.values())
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
            .flat_map(|(_, names)| names.values())
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
}
