//! `Shared<T>`: a part of an object that many versions of it have in common (a pod's
//! spec does not change when its status does), shared until one of them writes to it.

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::rc::Rc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::core::{Container, PodIp, PodSpec, PodStatus, Toleration};
use super::meta::{Condition, OwnerReference, RareMeta};

/// A copy-on-write `T`: cloning shares it; the first write through `DerefMut` copies it
/// if someone else holds it. Reads and writes look like those of a plain `T`, and it
/// (de)serializes as `T` does.
#[derive(Debug, Eq, PartialOrd, Ord)]
pub struct Shared<T>(Rc<T>);

/// An empty part is one allocation per thread, shared by every object that has the
/// part empty (an Event's labels, a status write's spec): a default costs no allocation.
macro_rules! default_shares_one_empty {
    ($($t:ty),* $(,)?) => {$(
        impl Default for Shared<$t> {
            fn default() -> Self {
                thread_local! {
                    static EMPTY: Shared<$t> = Shared(Rc::new(<$t>::default()));
                }
                EMPTY.with(Shared::clone)
            }
        }
    )*};
}

default_shares_one_empty!(
    BTreeMap<String, String>,
    Vec<OwnerReference>,
    Vec<Container>,
    Vec<PodIp>,
    Vec<Condition>,
    Vec<Toleration>,
    Vec<String>,
    PodSpec,
    PodStatus,
    RareMeta,
);

/// Two versions that share the part are equal without a look inside: the common case
/// when a controller compares an object with the one it last saw.
impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Shared::ptr_eq(self, other) || *self.0 == *other.0
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> Shared<T> {
    /// Whether the two are one and the same, not merely equal.
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        Rc::ptr_eq(&a.0, &b.0)
    }
}

impl<T> Shared<Vec<T>> {
    /// Whether the list is empty (for `skip_serializing_if`).
    pub fn is_empty_list(&self) -> bool {
        self.0.is_empty()
    }
}

/// The value most recently shared: an equal one is stored as the same value. Parts that
/// many objects have equal at one time (the conditions of the pods a kubelet starts
/// together, which differ only in their transition times) are then held once.
#[derive(Debug, Clone, Default)]
pub struct LastShared<T>(Option<Shared<T>>);

impl<T: PartialEq> LastShared<T> {
    /// `value`, or the last value shared if it is equal.
    pub fn share(&mut self, value: Shared<T>) -> Shared<T> {
        match &self.0 {
            Some(last) if *last == value => last.clone(),
            _ => {
                self.0 = Some(value.clone());
                value
            }
        }
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Rc::make_mut(&mut self.0)
    }
}

impl<'a, T> IntoIterator for &'a Shared<Vec<T>> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T> FromIterator<T> for Shared<Vec<T>> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        Shared(Rc::new(items.into_iter().collect()))
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Shared(Rc::new(value))
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Shared::from)
    }
}

/// Its schema is `T`'s: the sharing is kubesim's, not the API's.
impl<T: schemars::JsonSchema> schemars::JsonSchema for Shared<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_until_one_writes() {
        let a: Shared<Vec<u8>> = vec![1, 2].into();
        let mut b = a.clone();
        assert!(Rc::ptr_eq(&a.0, &b.0));
        b.push(3);
        assert!(!Rc::ptr_eq(&a.0, &b.0));
        assert_eq!((&a[..], &b[..]), (&[1, 2][..], &[1, 2, 3][..]));
        assert_eq!(serde_json::to_string(&b).unwrap(), "[1,2,3]");
        let c: Shared<Vec<u8>> = serde_json::from_str("[4]").unwrap();
        assert_eq!(*c, [4]);
    }

    #[test]
    fn defaults_share_one_empty_until_written() {
        type Labels = Shared<BTreeMap<String, String>>;
        let (a, mut b) = (Labels::default(), Labels::default());
        assert!(Shared::ptr_eq(&a, &b));
        b.insert("app".into(), "web".into());
        assert!(!Shared::ptr_eq(&a, &b));
        assert!(a.is_empty() && Labels::default().is_empty());
    }

    #[test]
    fn an_equal_value_is_held_as_the_last_one_shared() {
        let mut recent = LastShared::default();
        let first = recent.share(Shared::from(vec![1]));
        let equal = recent.share(Shared::from(vec![1]));
        assert!(Shared::ptr_eq(&first, &equal));
        let other = recent.share(Shared::from(vec![2]));
        assert!(!Shared::ptr_eq(&first, &other) && *other == [2]);
        // Only the last one is remembered.
        assert!(!Shared::ptr_eq(&first, &recent.share(Shared::from(vec![1]))));
    }
}
