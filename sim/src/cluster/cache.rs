//! A component's watch-fed view of the cluster. It lags the store by the watch latency:
//! components decide on what they have seen, never on the store itself.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::api::{Kind, ObjKey, Object};
use crate::apiserver::{Change, ChangeType};

/// Objects as last seen through a watch.
#[derive(Debug, Default)]
pub struct Cache {
    objects: BTreeMap<ObjKey, Rc<Object>>,
}

impl Cache {
    /// Applies a watch event; returns the previous version of the object, if any.
    pub fn apply(&mut self, change: &Change) -> Option<Rc<Object>> {
        let key = change.object.key();
        match change.type_ {
            ChangeType::Added | ChangeType::Modified => self.objects.insert(key, change.object.clone()),
            ChangeType::Deleted => self.objects.remove(&key),
        }
    }

    /// The object at `key`.
    pub fn get(&self, key: &ObjKey) -> Option<&Rc<Object>> {
        self.objects.get(key)
    }

    /// All cached objects of `kind`.
    pub fn list(&self, kind: Kind) -> impl Iterator<Item = &Rc<Object>> {
        let start = ObjKey { kind, namespace: String::new(), name: String::new() };
        self.objects.range(start..).take_while(move |(k, _)| k.kind == kind).map(|(_, v)| v)
    }

    /// Forgets everything (a restarted component starts empty and relists).
    pub fn clear(&mut self) {
        self.objects.clear();
    }
}
