//! `Str`: an immutable string shared by every copy of it. An object's name and namespace
//! are copied into each of its versions, into the keys of the store and of every watch
//! cache: sharing them makes those copies a reference count.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A shared, immutable string; reads like a `&str`, (de)serializes as a string.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Str(Rc<str>);

impl Default for Str {
    fn default() -> Self {
        thread_local!(static EMPTY: Str = Str(Rc::from("")));
        EMPTY.with(Str::clone)
    }
}

impl Deref for Str {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Str {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str(Rc::from(s))
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        Str(Rc::from(s))
    }
}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Str {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Str> for String {
    fn eq(&self, other: &Str) -> bool {
        **self == *other.0
    }
}

impl Serialize for Str {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Str::from)
    }
}

/// Its schema is a string's.
impl schemars::JsonSchema for Str {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        String::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        String::schema_id()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_share_and_compare_with_any_string() {
        let a = Str::from("web");
        let b = a.clone();
        assert!(Rc::ptr_eq(&a.0, &b.0));
        let owned = String::from("web");
        assert_eq!(a, "web");
        assert_eq!(a, *"web");
        assert_eq!(a, owned);
        assert_eq!(owned, a);
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"web\"");
        assert_eq!(serde_json::from_str::<Str>("\"web\"").unwrap(), a);
        assert!(Str::default().is_empty());
    }
}
