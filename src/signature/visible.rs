//! The text a viewer shows on a revision's pages: each text-showing operator is followed
//! through the graphics state, and text is dropped when it cannot be seen (render mode 3 or
//! 7, white fill, a size under 2 pt, outside the page, clipped away, or in optional content
//! that is off). Form XObjects are read as they are drawn.

use super::objects::deref_dict;
use lopdf::Encoding;
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::BTreeSet;

/// Form XObjects nest this deep at most; deeper ones are not drawn (and their text is lost).
const MAX_DEPTH: usize = 8;

/// A content stream inflates to this much at most: a letter's page is kilobytes, and a
/// compressed bomb must not take the daemon's memory.
const MAX_CONTENT: usize = 16 << 20;

/// Why the visible text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VisibleError {
    #[error("the pdf cannot be read: {0}")]
    Pdf(String),
}

/// The visible text of every page of `pdf`, pages in order, one line per text line.
pub fn visible_text(pdf: &[u8]) -> Result<String, VisibleError> {
    let doc = Document::load_mem(pdf).map_err(|e| VisibleError::Pdf(e.to_string()))?;
    let off = hidden_groups(&doc);
    let mut out = String::new();
    for page_id in doc.get_pages().into_values() {
        let bbox = page_box(&doc, page_id).unwrap_or([0.0, 0.0, 612.0, 792.0]);
        let content = doc
            .get_page_content_with_limit(page_id, MAX_CONTENT)
            .unwrap_or_default();
        let resources = inherited(&doc, page_id, b"Resources")
            .and_then(|r| deref_dict(&doc, Some(r)))
            .cloned()
            .unwrap_or_default();
        let mut reader = Reader {
            doc: &doc,
            off: &off,
            page: bbox,
            out: &mut out,
        };
        reader.run(&content, &resources, State::new(bbox), 0);
        out.push('\n');
    }
    Ok(out)
}

/// The optional-content groups the default configuration turns off.
fn hidden_groups(doc: &Document) -> BTreeSet<ObjectId> {
    let mut off = BTreeSet::new();
    let Some(props) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"OCProperties").ok())
        .and_then(|p| deref_dict(doc, Some(p)))
    else {
        return off;
    };
    let Some(config) = props.get(b"D").ok().and_then(|d| deref_dict(doc, Some(d))) else {
        return off;
    };
    let refs = |key: &[u8]| -> Vec<ObjectId> {
        match config.get(key).ok().and_then(|o| doc.dereference(o).ok()) {
            Some((_, Object::Array(items))) => {
                items.iter().filter_map(|i| i.as_reference().ok()).collect()
            }
            _ => Vec::new(),
        }
    };
    let base_off = config
        .get(b"BaseState")
        .ok()
        .and_then(|b| b.as_name().ok())
        .is_some_and(|n| n == b"OFF");
    if base_off {
        let on: BTreeSet<ObjectId> = refs(b"ON").into_iter().collect();
        if let Some((_, Object::Array(all))) = props
            .get(b"OCGs")
            .ok()
            .and_then(|o| doc.dereference(o).ok())
        {
            off.extend(
                all.iter()
                    .filter_map(|i| i.as_reference().ok())
                    .filter(|id| !on.contains(id)),
            );
        }
    }
    off.extend(refs(b"OFF"));
    off
}

/// A page attribute, from the page or the nearest /Parent that has it.
fn inherited<'a>(doc: &'a Document, page: ObjectId, key: &[u8]) -> Option<&'a Object> {
    let mut current = doc.get_dictionary(page).ok()?;
    for _ in 0..32 {
        if let Ok(value) = current.get(key) {
            return Some(value);
        }
        current = deref_dict(doc, current.get(b"Parent").ok())?;
    }
    None
}

/// The CropBox, else the MediaBox, as [x0 y0 x1 y1].
fn page_box(doc: &Document, page: ObjectId) -> Option<[f64; 4]> {
    let rect = |key: &[u8]| -> Option<[f64; 4]> {
        let (_, object) = doc.dereference(inherited(doc, page, key)?).ok()?;
        let values: Vec<f64> = object.as_array().ok()?.iter().filter_map(number).collect();
        let [a, b, c, d]: [f64; 4] = values.try_into().ok()?;
        Some([a.min(c), b.min(d), a.max(c), b.max(d)])
    };
    rect(b"CropBox").or_else(|| rect(b"MediaBox"))
}

fn number(object: &Object) -> Option<f64> {
    match object {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

type Matrix = [f64; 6];

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a` then `b`: the matrix that applies `a` first.
fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn apply(m: &Matrix, x: f64, y: f64) -> (f64, f64) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

#[derive(Debug, Clone)]
struct State {
    ctm: Matrix,
    fill_white: bool,
    stroke_white: bool,
    render: i64,
    font: Vec<u8>,
    size: f64,
    leading: f64,
    /// Device-space box text must fall in: the page, narrowed by each clip.
    clip: [f64; 4],
}

impl State {
    fn new(page: [f64; 4]) -> State {
        State {
            ctm: IDENTITY,
            fill_white: false,
            stroke_white: false,
            render: 0,
            font: Vec::new(),
            size: 0.0,
            leading: 0.0,
            clip: page,
        }
    }
}

struct Reader<'a> {
    doc: &'a Document,
    off: &'a BTreeSet<ObjectId>,
    page: [f64; 4],
    out: &'a mut String,
}

/// White in the colour operators' own terms: gray 1, RGB 1 1 1, CMYK 0 0 0 0.
fn is_white(operands: &[Object]) -> bool {
    let values: Vec<f64> = operands.iter().filter_map(number).collect();
    match values.len() {
        1 | 3 => values.iter().all(|&v| v >= 0.99),
        4 => values.iter().all(|&v| v <= 0.01),
        _ => false,
    }
}

impl Reader<'_> {
    fn run(&mut self, content: &[u8], resources: &Dictionary, start: State, depth: usize) {
        let Ok(content) = Content::decode(content) else {
            return;
        };
        let mut state = start;
        let mut saved: Vec<State> = Vec::new();
        let mut hidden: Vec<bool> = Vec::new();
        let mut path: Option<[f64; 4]> = None;
        let mut pending_clip = false;
        let (mut tm, mut tlm) = (IDENTITY, IDENTITY);
        let mut encoding: Option<Encoding<'_>> = None;
        for op in &content.operations {
            let args = &op.operands;
            let n = |i: usize| args.get(i).and_then(number).unwrap_or(0.0);
            match op.operator.as_str() {
                "q" => saved.push(state.clone()),
                "Q" => {
                    if let Some(s) = saved.pop() {
                        state = s;
                    }
                }
                "cm" => state.ctm = multiply(&[n(0), n(1), n(2), n(3), n(4), n(5)], &state.ctm),
                "g" | "rg" | "k" | "sc" | "scn" => state.fill_white = is_white(args),
                "G" | "RG" | "K" | "SC" | "SCN" => state.stroke_white = is_white(args),
                "cs" => state.fill_white = false,
                "CS" => state.stroke_white = false,
                "re" => {
                    let (x, y, w, h) = (n(0), n(1), n(2), n(3));
                    for (px, py) in [(x, y), (x + w, y), (x, y + h), (x + w, y + h)] {
                        path = Some(extend(path, apply(&state.ctm, px, py)));
                    }
                }
                "m" | "l" => path = Some(extend(path, apply(&state.ctm, n(0), n(1)))),
                "c" => {
                    for i in [0, 2, 4] {
                        path = Some(extend(path, apply(&state.ctm, n(i), n(i + 1))));
                    }
                }
                "v" | "y" => {
                    for i in [0, 2] {
                        path = Some(extend(path, apply(&state.ctm, n(i), n(i + 1))));
                    }
                }
                "W" | "W*" => pending_clip = true,
                "n" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "S" | "s" => {
                    if pending_clip {
                        // Everything outside the clipping path's bounding box is surely
                        // clipped away.
                        let b = path.unwrap_or([0.0; 4]);
                        state.clip = intersect(state.clip, b);
                    }
                    pending_clip = false;
                    path = None;
                }
                "BT" => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                "Tf" => {
                    state.font = args
                        .first()
                        .and_then(|f| f.as_name().ok())
                        .unwrap_or_default()
                        .to_vec();
                    state.size = n(1);
                    encoding = font_encoding(self.doc, resources, &state.font);
                }
                "TL" => state.leading = n(0),
                "Tr" => state.render = args.first().and_then(|a| a.as_i64().ok()).unwrap_or(0),
                "Td" | "TD" => {
                    if op.operator == "TD" {
                        state.leading = -n(1);
                    }
                    tlm = multiply(&[1.0, 0.0, 0.0, 1.0, n(0), n(1)], &tlm);
                    tm = tlm;
                }
                "Tm" => {
                    tlm = [n(0), n(1), n(2), n(3), n(4), n(5)];
                    tm = tlm;
                }
                "T*" | "'" | "\"" => {
                    tlm = multiply(&[1.0, 0.0, 0.0, 1.0, 0.0, -state.leading], &tlm);
                    tm = tlm;
                    self.out.push('\n');
                }
                "BDC" => {
                    let off = args.first().and_then(|t| t.as_name().ok()) == Some(b"OC")
                        && self.content_off(resources, args.get(1));
                    hidden.push(off);
                }
                "BMC" => hidden.push(false),
                "EMC" => {
                    hidden.pop();
                }
                "Do" if depth < MAX_DEPTH && !hidden.contains(&true) => {
                    let name = args
                        .first()
                        .and_then(|a| a.as_name().ok())
                        .unwrap_or_default();
                    self.form(resources, name, &state, depth);
                }
                _ => {}
            }
            if matches!(op.operator.as_str(), "Tj" | "TJ" | "'" | "\"") {
                let strings: Vec<&Object> = match op.operator.as_str() {
                    "\"" => args.get(2).into_iter().collect(),
                    _ => args.iter().collect(),
                };
                let trm = multiply(&tm, &state.ctm);
                let (x, y) = apply(&trm, 0.0, 0.0);
                let scale = (trm[0] * trm[0] + trm[1] * trm[1]).sqrt();
                // Modes 3 and 7 paint nothing; 1 and 5 only stroke; the rest fill.
                let no_ink = match state.render {
                    3 | 7 => true,
                    1 | 5 => state.stroke_white,
                    _ => state.fill_white,
                };
                let seen = !hidden.contains(&true)
                    && !no_ink
                    && state.size.abs() * scale >= 2.0
                    && inside(self.page, x, y)
                    && inside(state.clip, x, y);
                let mut shown = String::new();
                if let Some(encoding) = &encoding {
                    collect(encoding, &strings, &mut shown);
                }
                if seen {
                    self.out.push_str(&shown);
                }
                // Move on roughly one half em per character, so that the next show on the
                // line is placed near where a viewer puts it.
                let advance = shown.chars().count() as f64 * state.size * 0.5;
                tm = multiply(&[1.0, 0.0, 0.0, 1.0, advance, 0.0], &tm);
            }
        }
    }

    /// Whether the /OC properties named (or given inline) are off in the default view.
    fn content_off(&self, resources: &Dictionary, tag: Option<&Object>) -> bool {
        let group = match tag {
            Some(Object::Name(name)) => resources
                .get(b"Properties")
                .ok()
                .and_then(|p| deref_dict(self.doc, Some(p)))
                .and_then(|p| p.get(name).ok()),
            Some(other) => Some(other),
            None => None,
        };
        group.is_some_and(|g| self.group_off(g))
    }

    /// An OCG that is off, or an OCMD (visible when any of its groups is on) whose groups are
    /// all off.
    fn group_off(&self, group: &Object) -> bool {
        if let Ok(id) = group.as_reference()
            && self.off.contains(&id)
        {
            return true;
        }
        let Some(dict) = deref_dict(self.doc, Some(group)) else {
            return false;
        };
        if dict.get(b"Type").ok().and_then(|t| t.as_name().ok()) != Some(b"OCMD") {
            return false;
        }
        let groups: Vec<ObjectId> = match dict.get(b"OCGs").ok().map(|g| self.doc.dereference(g)) {
            Some(Ok((_, Object::Array(items)))) => {
                items.iter().filter_map(|i| i.as_reference().ok()).collect()
            }
            Some(Ok((Some(id), _))) => vec![id],
            _ => Vec::new(),
        };
        !groups.is_empty() && groups.iter().all(|id| self.off.contains(id))
    }

    fn form(&mut self, resources: &Dictionary, name: &[u8], state: &State, depth: usize) {
        let Some(xobject) = resources
            .get(b"XObject")
            .ok()
            .and_then(|x| deref_dict(self.doc, Some(x)))
            .and_then(|x| x.get(name).ok())
        else {
            return;
        };
        let Ok((_, Object::Stream(stream))) = self.doc.dereference(xobject) else {
            return;
        };
        let dict = &stream.dict;
        if dict.get(b"Subtype").ok().and_then(|s| s.as_name().ok()) != Some(b"Form") {
            return;
        }
        if dict.get(b"OC").ok().is_some_and(|g| self.group_off(g)) {
            return;
        }
        let matrix: Vec<f64> = match dict.get(b"Matrix") {
            Ok(Object::Array(m)) => m.iter().filter_map(number).collect(),
            _ => Vec::new(),
        };
        let matrix: Matrix = matrix.try_into().unwrap_or(IDENTITY);
        let mut inner = state.clone();
        inner.ctm = multiply(&matrix, &state.ctm);
        let own = dict
            .get(b"Resources")
            .ok()
            .and_then(|r| deref_dict(self.doc, Some(r)))
            .cloned();
        let content = match stream.decompressed_content_with_limit(MAX_CONTENT) {
            Ok(content) => content,
            Err(_) if stream.dict.get(b"Filter").is_err() => stream.content.clone(),
            Err(_) => return,
        };
        self.run(
            &content,
            own.as_ref().unwrap_or(resources),
            inner,
            depth + 1,
        );
    }
}

fn font_encoding<'a>(
    doc: &'a Document,
    resources: &Dictionary,
    font: &[u8],
) -> Option<Encoding<'a>> {
    let fonts = resources
        .get(b"Font")
        .ok()
        .and_then(|f| deref_dict(doc, Some(f)))?;
    let id = fonts.get(font).ok()?.as_reference().ok();
    let dict = match id {
        Some(id) => doc.get_dictionary(id).ok()?,
        None => return None,
    };
    dict.get_font_encoding(doc).ok()
}

fn collect(encoding: &Encoding<'_>, operands: &[&Object], out: &mut String) {
    for operand in operands {
        match operand {
            Object::String(bytes, _) => {
                let _ = encoding.write_to_string(bytes, out);
            }
            Object::Array(items) => {
                for item in items {
                    match item {
                        Object::String(bytes, _) => {
                            let _ = encoding.write_to_string(bytes, out);
                        }
                        Object::Integer(i) if *i < -100 => out.push(' '),
                        Object::Real(r) if *r < -100.0 => out.push(' '),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

fn extend(bbox: Option<[f64; 4]>, (x, y): (f64, f64)) -> [f64; 4] {
    match bbox {
        None => [x, y, x, y],
        Some([x0, y0, x1, y1]) => [x0.min(x), y0.min(y), x1.max(x), y1.max(y)],
    }
}

fn intersect(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [
        a[0].max(b[0]),
        a[1].max(b[1]),
        a[2].min(b[2]),
        a[3].min(b[3]),
    ]
}

fn inside(b: [f64; 4], x: f64, y: f64) -> bool {
    x >= b[0] - 0.5 && x <= b[2] + 0.5 && y >= b[1] - 0.5 && y <= b[3] + 0.5
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{Stream, dictionary};

    /// A one-page PDF with `content`, Helvetica as /F1, and an optional-content group /oc1
    /// that is off.
    fn page(content: &str) -> Vec<u8> {
        let mut doc = Document::with_version("1.7");
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        let ocg =
            doc.add_object(dictionary! { "Type" => "OCG", "Name" => Object::string_literal("x") });
        let form = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
            },
            b"BT /F1 11 Tf 72 400 Td (DALAM FORM) Tj ET".to_vec(),
        ));
        let content = doc.add_object(Stream::new(dictionary! {}, content.as_bytes().to_vec()));
        let pages = doc.new_object_id();
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages, "Contents" => content,
            "Resources" => dictionary! {
                "Font" => dictionary! { "F1" => font },
                "Properties" => dictionary! { "oc1" => ocg },
                "XObject" => dictionary! { "Fx" => form },
            },
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            }),
        );
        let catalog = doc.add_object(dictionary! {
            "Type" => "Catalog", "Pages" => pages,
            "OCProperties" => dictionary! {
                "OCGs" => vec![ocg.into()],
                "D" => dictionary! { "OFF" => vec![ocg.into()] },
            },
        });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    fn seen(content: &str) -> String {
        visible_text(&page(content)).unwrap()
    }

    #[test]
    fn only_what_a_viewer_shows_is_read() {
        let shown = "BT /F1 11 Tf 72 770 Td (TERLIHAT) Tj ET";
        assert!(seen(shown).contains("TERLIHAT"));
        let hidden = [
            "BT 3 Tr /F1 11 Tf 72 700 Td (RAHASIA) Tj ET",
            "1 1 1 rg BT /F1 11 Tf 72 700 Td (RAHASIA) Tj ET",
            "0 0 0 0 k BT /F1 11 Tf 72 700 Td (RAHASIA) Tj ET",
            "BT /F1 11 Tf 900 700 Td (RAHASIA) Tj ET",
            "BT /F1 11 Tf 72 -40 Td (RAHASIA) Tj ET",
            "BT /F1 0.5 Tf 72 700 Td (RAHASIA) Tj ET",
            "q 0 0 10 10 re W n BT /F1 11 Tf 72 700 Td (RAHASIA) Tj ET Q",
            "/OC /oc1 BDC BT /F1 11 Tf 72 700 Td (RAHASIA) Tj ET EMC",
            "q 0.01 0 0 0.01 0 0 cm BT /F1 11 Tf 72 700 Td (RAHASIA) Tj ET Q",
        ];
        for content in hidden {
            let text = seen(&format!("{shown} {content}"));
            assert!(text.contains("TERLIHAT"), "{content}: {text}");
            assert!(!text.contains("RAHASIA"), "{content}: {text}");
        }
        // After the hidden part the state is back: q/Q, EMC, and a clip that contains the text.
        let restored = seen(
            "q 1 1 1 rg Q /OC /oc1 BDC EMC q 0 0 595 842 re W n \
             BT /F1 11 Tf 72 700 Td (KEMBALI) Tj ET Q",
        );
        assert!(restored.contains("KEMBALI"), "{restored}");
        assert!(seen("/Fx Do").contains("DALAM FORM"));
        assert!(!seen("/OC /oc1 BDC /Fx Do EMC").contains("DALAM FORM"));
    }
}
