//! `Str`: an immutable string shared by every copy of it. An object's name and namespace
//! are copied into each of its versions, into the keys of the store and of every watch
//! cache: sharing them makes those copies a reference count. A literal (`Str::lit`) is
//! not allocated at all: the reasons, types and defaults the components write into
//! millions of objects cost nothing.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::rc::Rc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A shared, immutable string; reads like a `&str`, (de)serializes as a string.
#[derive(Clone)]
pub struct Str(Repr);

#[derive(Clone)]
enum Repr {
    Literal(&'static str),
    Shared(Rc<str>),
}

impl Str {
    /// A literal, shared without an allocation.
    pub const fn lit(s: &'static str) -> Str {
        Str(Repr::Literal(s))
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        self
    }

    /// Whether both are the very same string (a clone of one another, or one literal).
    pub fn ptr_eq(&self, other: &Str) -> bool {
        std::ptr::eq(self.as_ptr(), other.as_ptr()) && self.len() == other.len()
    }
}

/// An optional string's text: `None` and `Some("")` alike, as the Go types hold an empty
/// string for both.
pub fn or_empty<S: Deref<Target = str>>(value: &Option<S>) -> &str {
    value.as_deref().unwrap_or("")
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self
    }
}

impl Default for Str {
    fn default() -> Self {
        Str::lit("")
    }
}

impl Deref for Str {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            Repr::Literal(s) => s,
            Repr::Shared(s) => s,
        }
    }
}

impl PartialEq for Str {
    fn eq(&self, other: &Str) -> bool {
        self.ptr_eq(other) || **self == **other
    }
}

impl Eq for Str {}

impl PartialOrd for Str {
    fn partial_cmp(&self, other: &Str) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Str {
    fn cmp(&self, other: &Str) -> Ordering {
        if self.ptr_eq(other) { Ordering::Equal } else { (**self).cmp(&**other) }
    }
}

impl Hash for Str {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}

impl Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str(Repr::Shared(Rc::from(s)))
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        Str(Repr::Shared(Rc::from(s)))
    }
}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        **self == *other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        **self == **other
    }
}

impl PartialEq<String> for Str {
    fn eq(&self, other: &String) -> bool {
        **self == **other
    }
}

impl PartialEq<Str> for String {
    fn eq(&self, other: &Str) -> bool {
        **self == **other
    }
}

impl Serialize for Str {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
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
        assert!(a.ptr_eq(&b));
        assert!(!a.ptr_eq(&Str::from("web")));
        assert_eq!(Str::lit("web"), a);
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
