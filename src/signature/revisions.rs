//! What changed after the Kadis signed: each later incremental update compared object by
//! object with the revision before it. Only what PAdES allows after a signature passes: new
//! signature fields and their widgets, further signatures and document timestamps, the DSS
//! with its VRI, and the metadata and bookkeeping they need.

use super::objects::*;
use super::pdf::is_whitespace;
use super::verdict::*;
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// What the Kadis's signature permits after it (its DocMDP /P, if it sets one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Permits {
    /// No DocMDP, or /P 2 or 3: further signatures and their fields.
    Signatures,
    /// DocMDP /P 1: no change at all but the DSS and document timestamps (PAdES).
    OnlyValidation,
}

/// Checks every revision after byte `signed_end` (where the Kadis's signed revision ends) and
/// returns how many there are; `whole` is `pdf` as already read, the last revision.
pub(super) fn check_after(
    pdf: &[u8],
    whole: &Document,
    signed_end: usize,
    covered: usize,
    permits: Permits,
) -> Result<usize, Refusal> {
    let not_whole = Refusal::NotWholeFile {
        covered,
        len: pdf.len(),
    };
    let rest = &pdf[signed_end..];
    if rest.iter().all(|&b| is_whitespace(b)) {
        return Ok(0);
    }
    let signed = trim_end(&pdf[..signed_end]);
    if !signed.ends_with(b"%%EOF") {
        return Err(not_whole);
    }
    let boundaries: Vec<usize> = rest
        .windows(5)
        .enumerate()
        .filter(|(_, w)| *w == b"%%EOF")
        .map(|(at, _)| signed_end + at + 5)
        .collect();
    match boundaries.last() {
        Some(&last) if pdf[last..].iter().all(|&b| is_whitespace(b)) => {}
        _ => return Err(not_whole),
    }
    let mut old = Cow::Owned(load(&pdf[..signed_end]).ok_or(Refusal::Malformed {
        what: "revisi yang ditandatangani tidak terbaca",
    })?);
    let mut revision = 0;
    let mut start = signed_end;
    for (i, &end) in boundaries.iter().enumerate() {
        // A "%%EOF" inside a stream is not a revision's end, and an update is one only with
        // its own cross-reference section: read on to the next "%%EOF".
        let own_xref = startxref(&pdf[start..end]).is_some_and(|at| at >= start && at < end);
        let last = i + 1 == boundaries.len();
        let loaded = match (own_xref, last) {
            (false, _) => None,
            (true, true) => Some(Cow::Borrowed(whole)),
            (true, false) => load(&pdf[..end]).map(Cow::Owned),
        };
        let Some(new) = loaded else {
            if last {
                return Err(not_whole);
            }
            continue;
        };
        revision += 1;
        start = end;
        compare(&old, &new, permits)
            .map_err(|what| Refusal::ChangedAfterSigning { revision, what })?;
        old = new;
    }
    Ok(revision)
}

/// The offset the last `startxref` of `segment` names.
fn startxref(segment: &[u8]) -> Option<usize> {
    let at = segment.windows(9).rposition(|w| w == b"startxref")?;
    let digits: String = segment[at + 9..]
        .iter()
        .skip_while(|&&b| is_whitespace(b))
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| b as char)
        .collect();
    digits.parse().ok()
}

fn load(bytes: &[u8]) -> Option<Document> {
    Document::load_mem(bytes).ok().filter(|d| !d.is_encrypted())
}

fn trim_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|&b| !is_whitespace(b))
        .map_or(0, |p| p + 1);
    &bytes[..end]
}

/// What an object of the earlier revision is, for the rules and for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Catalog,
    AcroForm,
    Fields,
    Page(usize),
    Annots(usize),
    Content(usize),
    Resources(usize),
    Annotation(usize),
    SigField,
    SigValue,
    FormField,
    Layers,
    Validation,
    Metadata,
}

fn roles(doc: &Document) -> BTreeMap<ObjectId, Role> {
    let mut roles = BTreeMap::new();
    let put = |roles: &mut BTreeMap<ObjectId, Role>, o: Option<&Object>, role| {
        if let Some(Object::Reference(id)) = o {
            roles.entry(*id).or_insert(role);
        }
    };
    if let Ok(Object::Reference(root)) = doc.trailer.get(b"Root") {
        roles.insert(*root, Role::Catalog);
    }
    put(&mut roles, doc.trailer.get(b"Info").ok(), Role::Metadata);
    for (&id, object) in &doc.objects {
        let Some(dict) = dict_of(object) else {
            continue;
        };
        match dict.get(b"Type").ok().and_then(|t| t.as_name().ok()) {
            Some(b"Sig" | b"DocTimeStamp") => {
                roles.insert(id, Role::SigValue);
            }
            Some(b"Metadata") => {
                roles.insert(id, Role::Metadata);
            }
            Some(b"OCG" | b"OCMD") => {
                roles.insert(id, Role::Layers);
            }
            _ => {}
        }
        if is_sig_field(doc, dict) {
            roles.entry(id).or_insert(Role::SigField);
        }
    }
    if let Ok(catalog) = doc.catalog() {
        put(&mut roles, catalog.get(b"Metadata").ok(), Role::Metadata);
        put(&mut roles, catalog.get(b"OCProperties").ok(), Role::Layers);
        put(&mut roles, catalog.get(b"DSS").ok(), Role::Validation);
        if let Some(dss) = deref_dict(doc, catalog.get(b"DSS").ok()) {
            for (_, value) in dss.iter() {
                put(&mut roles, Some(value), Role::Validation);
            }
        }
        put(&mut roles, catalog.get(b"AcroForm").ok(), Role::AcroForm);
        if let Some(form) = deref_dict(doc, catalog.get(b"AcroForm").ok()) {
            put(&mut roles, form.get(b"Fields").ok(), Role::Fields);
            for field in deref_array(doc, form.get(b"Fields").ok()) {
                put(&mut roles, Some(field), Role::FormField);
            }
        }
    }
    for (number, page_id) in doc.get_pages() {
        let n = number as usize;
        roles.insert(page_id, Role::Page(n));
        let Some(page) = doc.get_dictionary(page_id).ok() else {
            continue;
        };
        put(&mut roles, page.get(b"Contents").ok(), Role::Content(n));
        for content in deref_array(doc, page.get(b"Contents").ok()) {
            put(&mut roles, Some(content), Role::Content(n));
        }
        put(&mut roles, page.get(b"Resources").ok(), Role::Resources(n));
        if let Some(resources) = deref_dict(doc, page.get(b"Resources").ok()) {
            for (_, group) in resources.iter() {
                put(&mut roles, Some(group), Role::Resources(n));
                if let Some(group) = deref_dict(doc, Some(group)) {
                    for (_, item) in group.iter() {
                        put(&mut roles, Some(item), Role::Resources(n));
                    }
                }
            }
        }
        put(&mut roles, page.get(b"Annots").ok(), Role::Annots(n));
        for annot in deref_array(doc, page.get(b"Annots").ok()) {
            put(&mut roles, Some(annot), Role::Annotation(n));
        }
    }
    roles
}

fn describe(role: Option<Role>, id: ObjectId) -> String {
    match role {
        Some(Role::Catalog) => "katalog dokumen".into(),
        Some(Role::AcroForm | Role::Fields | Role::FormField) => "isian formulir".into(),
        Some(Role::Page(n)) => format!("halaman {n}"),
        Some(Role::Annots(n) | Role::Annotation(n)) => format!("anotasi pada halaman {n}"),
        Some(Role::Content(n)) => format!("isi halaman {n}"),
        Some(Role::Resources(n)) => format!("sumber daya (huruf, gambar) halaman {n}"),
        Some(Role::SigField) => "isian tanda tangan".into(),
        Some(Role::SigValue) => "nilai tanda tangan".into(),
        Some(Role::Layers) => "lapisan konten (optional content)".into(),
        Some(Role::Validation) => "data validasi (DSS)".into(),
        Some(Role::Metadata) => "metadata".into(),
        None => format!("objek {} {}", id.0, id.1),
    }
}

/// The change from `old` to `new` that is not allowed, in words; `Ok` when every change is.
fn compare(old: &Document, new: &Document, permits: Permits) -> Result<(), String> {
    if old.trailer.get(b"Root").ok() != new.trailer.get(b"Root").ok() {
        return Err("katalog dokumen (diganti)".into());
    }
    if new.trailer.get(b"Encrypt").is_ok() {
        return Err("enkripsi berkas".into());
    }
    let roles = roles(old);
    let dangling = references(old);
    for (&id, before) in &old.objects {
        let role = roles.get(&id).copied();
        let Some(after) = new.objects.get(&id) else {
            return Err(format!("{} (dihapus)", describe(role, id)));
        };
        if before == after {
            continue;
        }
        let allowed = match role {
            Some(Role::Catalog) => catalog_change(old, new, before, after, permits),
            Some(Role::AcroForm) => form_change(old, new, dict_of(before), dict_of(after), permits),
            Some(Role::Fields) => grows_by(new, before, after, |d, o| added_field(d, o, permits)),
            Some(Role::Page(_)) => page_change(old, new, before, after, permits),
            Some(Role::Annots(_)) => {
                grows_by(new, before, after, |d, o| added_widget(d, o, permits))
            }
            Some(Role::SigField) => sig_field_change(new, before, after, permits),
            Some(Role::Validation | Role::Metadata) => true,
            _ => false,
        };
        if !allowed {
            return Err(describe(role, id));
        }
    }
    for id in new.objects.keys() {
        if !old.objects.contains_key(id) && dangling.contains(id) {
            return Err(format!(
                "objek {} {} (dirujuk saat ditandatangani tetapi baru diisi sesudahnya)",
                id.0, id.1
            ));
        }
    }
    Ok(())
}

/// Every object id the document refers to, defined or not.
fn references(doc: &Document) -> BTreeSet<ObjectId> {
    fn walk(object: &Object, out: &mut BTreeSet<ObjectId>) {
        match object {
            Object::Reference(id) => {
                out.insert(*id);
            }
            Object::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Object::Dictionary(d) => d.iter().for_each(|(_, v)| walk(v, out)),
            Object::Stream(s) => s.dict.iter().for_each(|(_, v)| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    doc.objects.values().for_each(|o| walk(o, &mut out));
    doc.trailer.iter().for_each(|(_, v)| walk(v, &mut out));
    out
}

/// A signature field: /FT /Sig on the dictionary or, for a widget, on its parent.
fn is_sig_field(doc: &Document, dict: &Dictionary) -> bool {
    name_is(dict, b"FT", b"Sig")
        || deref_dict(doc, dict.get(b"Parent").ok()).is_some_and(|p| name_is(p, b"FT", b"Sig"))
}

/// The keys whose values differ between two dictionaries.
fn changed_keys<'a>(before: &'a Dictionary, after: &'a Dictionary) -> Vec<&'a [u8]> {
    let mut keys: Vec<&[u8]> = Vec::new();
    for (key, value) in before.iter() {
        if after.get(key).ok() != Some(value) {
            keys.push(key);
        }
    }
    for (key, _) in after.iter() {
        if before.get(key).is_err() {
            keys.push(key);
        }
    }
    keys
}

fn catalog_change(
    old: &Document,
    new: &Document,
    before: &Object,
    after: &Object,
    permits: Permits,
) -> bool {
    let (Some(b), Some(a)) = (dict_of(before), dict_of(after)) else {
        return false;
    };
    changed_keys(b, a).into_iter().all(|key| match key {
        // A later signer with newer algorithms raises the version and names the extension
        // (ISO 32002); neither changes what the pages show.
        b"DSS" | b"Extensions" | b"Metadata" | b"Version" => true,
        b"AcroForm" => form_change(
            old,
            new,
            deref_dict(old, b.get(key).ok()),
            deref_dict(new, a.get(key).ok()),
            permits,
        ),
        _ => false,
    })
}

/// The AcroForm may gain signature fields and the signature flags; nothing else.
fn form_change(
    old: &Document,
    new: &Document,
    before: Option<&Dictionary>,
    after: Option<&Dictionary>,
    permits: Permits,
) -> bool {
    let empty = Dictionary::new();
    let before = before.unwrap_or(&empty);
    let Some(after) = after else {
        return false;
    };
    let no_fields = Object::Array(Vec::new());
    let fields_before = deref(old, before.get(b"Fields").ok()).unwrap_or(&no_fields);
    let fields_after = deref(new, after.get(b"Fields").ok()).unwrap_or(&no_fields);
    changed_keys(before, after)
        .into_iter()
        .all(|key| match key {
            b"SigFlags" => true,
            // A form that did not exist gets the appearance defaults its new fields need.
            b"DR" | b"DA" => before.is_empty(),
            b"Fields" => grows_by(new, fields_before, fields_after, |d, o| {
                added_field(d, o, permits)
            }),
            _ => false,
        })
}

fn page_change(
    old: &Document,
    new: &Document,
    before: &Object,
    after: &Object,
    permits: Permits,
) -> bool {
    let (Some(b), Some(a)) = (dict_of(before), dict_of(after)) else {
        return false;
    };
    let none = Object::Array(Vec::new());
    changed_keys(b, a).into_iter().all(|key| {
        key == b"Annots"
            && grows_by(
                new,
                deref(old, b.get(key).ok()).unwrap_or(&none),
                deref(new, a.get(key).ok()).unwrap_or(&none),
                |d, o| added_widget(d, o, permits),
            )
    })
}

/// An array that keeps every element it had and gains only elements `ok` accepts.
fn grows_by(
    new: &Document,
    before: &Object,
    after: &Object,
    ok: impl Fn(&Document, &Object) -> bool,
) -> bool {
    let (Object::Array(b), Object::Array(a)) = (before, after) else {
        return false;
    };
    if a.len() < b.len() || a[..b.len()] != b[..] {
        return false;
    }
    a[b.len()..].iter().all(|item| ok(new, item))
}

fn added_field(doc: &Document, item: &Object, permits: Permits) -> bool {
    deref_dict(doc, Some(item))
        .is_some_and(|d| name_is(d, b"FT", b"Sig") && value_allowed(doc, d.get(b"V").ok(), permits))
}

fn added_widget(doc: &Document, item: &Object, permits: Permits) -> bool {
    deref_dict(doc, Some(item)).is_some_and(|d| {
        let value = d
            .get(b"V")
            .ok()
            .or_else(|| deref_dict(doc, d.get(b"Parent").ok()).and_then(|p| p.get(b"V").ok()));
        name_is(d, b"Subtype", b"Widget")
            && is_sig_field(doc, d)
            && value_allowed(doc, value, permits)
    })
}

/// Under DocMDP /P 1 only a document timestamp may fill a new signature field.
fn value_allowed(doc: &Document, value: Option<&Object>, permits: Permits) -> bool {
    match permits {
        Permits::Signatures => true,
        Permits::OnlyValidation => {
            deref_dict(doc, value).is_some_and(|v| name_is(v, b"Type", b"DocTimeStamp"))
        }
    }
}

/// An empty signature field that existed when the Kadis signed may be signed later: its value
/// and its appearance change, nothing else.
fn sig_field_change(new: &Document, before: &Object, after: &Object, permits: Permits) -> bool {
    let (Some(b), Some(a)) = (dict_of(before), dict_of(after)) else {
        return false;
    };
    b.get(b"V").is_err()
        && changed_keys(b, a)
            .into_iter()
            .all(|key| matches!(key, b"V" | b"AP"))
        && value_allowed(new, a.get(b"V").ok(), permits)
}
