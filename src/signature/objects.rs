//! Reading lopdf objects the signature checks share: following references to dictionaries
//! and arrays, and comparing names.

use lopdf::{Dictionary, Document, Object};

/// A dictionary, or a stream's own dictionary.
pub(super) fn dict_of(object: &Object) -> Option<&Dictionary> {
    match object {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// `object` with its reference followed.
pub(super) fn deref<'a>(doc: &'a Document, object: Option<&'a Object>) -> Option<&'a Object> {
    doc.dereference(object?).ok().map(|(_, o)| o)
}

/// `object` followed to a dictionary (a stream's counts).
pub(super) fn deref_dict<'a>(
    doc: &'a Document,
    object: Option<&'a Object>,
) -> Option<&'a Dictionary> {
    deref(doc, object).and_then(dict_of)
}

/// `object` followed to an array; anything else is empty.
pub(super) fn deref_array<'a>(doc: &'a Document, object: Option<&'a Object>) -> &'a [Object] {
    match deref(doc, object) {
        Some(Object::Array(items)) => items,
        _ => &[],
    }
}

/// Whether `dict`'s `key` is the name `name`.
pub(super) fn name_is(dict: &Dictionary, key: &[u8], name: &[u8]) -> bool {
    dict.get(key)
        .ok()
        .and_then(|o| o.as_name().ok())
        .is_some_and(|n| n == name)
}
