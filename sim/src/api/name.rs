//! `Str`: an immutable string shared by every copy of it. An object's name and namespace
//! are copied into each of its versions, into the keys of the store and of every watch
//! cache: sharing them makes those copies a reference count. A literal (`Str::lit`) is
//! allocated once per thread: the reasons, types and defaults the components write into
//! millions of objects share it.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use arcstr::ArcStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A shared, immutable string; reads like a `&str`, (de)serializes as a string. One
/// word (its length is stored with the text), as objects hold dozens and the store
/// millions of objects.
#[derive(Clone)]
pub struct Str(ArcStr);

thread_local! {
    /// Each literal's one copy, by the literal's address and length: the program's
    /// literals are a small, fixed set.
    static LITERALS: RefCell<BTreeMap<(usize, usize), Str>> = const { RefCell::new(BTreeMap::new()) };
    /// Where `Str::format` writes before the string is allocated at its size.
    static SCRATCH: RefCell<String> = const { RefCell::new(String::new()) };
}

impl Str {
    /// A literal, shared with every other use of it.
    pub fn lit(s: &'static str) -> Str {
        LITERALS.with_borrow_mut(|literals| {
            literals
                .entry((s.as_ptr() as usize, s.len()))
                .or_insert_with(|| {
                    // Kept for the thread's life anyway: static, its clones and drops
                    // skip the reference count.
                    let shared = ArcStr::from(s);
                    shared.leak();
                    Str(shared)
                })
                .clone()
        })
    }

    /// `format!` straight into a `Str`: one allocation, where a `String` would grow and
    /// then be copied.
    pub fn format(args: fmt::Arguments<'_>) -> Str {
        // Taken out while formatting, so that an argument formatting a `Str` of its own
        // finds the buffer free (it then allocates one).
        let mut text = SCRATCH.take();
        text.clear();
        fmt::Write::write_fmt(&mut text, args).expect("writing to a String cannot fail");
        let formatted = Str::from(text.as_str());
        SCRATCH.set(text);
        formatted
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        self
    }

    /// Whether both are the very same string (a clone of one another, or one literal).
    pub fn ptr_eq(&self, other: &Str) -> bool {
        ArcStr::ptr_eq(&self.0, &other.0)
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
        // arcstr's static empty string: no lookup, no allocation (objects are built
        // from defaults by the million).
        Str(ArcStr::new())
    }
}

impl Deref for Str {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
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
        Str(ArcStr::from(s))
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        Str(ArcStr::from(s))
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
        static LITERAL: &str = "Running";
        assert!(Str::lit(LITERAL).ptr_eq(&Str::lit(LITERAL)));
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
