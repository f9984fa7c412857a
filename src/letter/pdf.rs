//! The letter as a PDF for BSrE eSign: the laid-out pages drawn with DejaVu Serif embedded as a
//! CIDFontType2 (Identity-H) with a ToUnicode CMap, so every character — "Ṭ" and "Ḍ" included —
//! comes back exactly from `pdftotext` and from sertel's own text extraction.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lopdf::{Dictionary, Document, Object, Stream, StringFormat, dictionary};

use super::layout::{Face, FontFiles, Fonts, Item, PAGE_H, PAGE_W, Page, Weight, layout};
use super::subset::subset;
use super::template::{Emblem, LetterData, LetterError, LetterTemplate};

pub fn render_pdf(template: &LetterTemplate, data: &LetterData) -> Result<Vec<u8>, LetterError> {
    let files = FontFiles::load()?;
    let fonts = files.faces()?;
    let pages = layout(template, data, &fonts)?;
    write(&pages, &fonts, template.emblem.as_ref())
}

/// Glyphs a face draws, each with the character it stands for (the ToUnicode entry).
type Used = BTreeMap<u16, char>;

fn font_key(weight: Weight) -> &'static str {
    match weight {
        Weight::Regular => "F1",
        Weight::Bold => "F2",
    }
}

/// Draws the pages with the fonts embedded, subset to the glyphs drawn, and the emblem where the
/// layout placed it.
pub fn write(
    pages: &[Page],
    fonts: &Fonts<'_>,
    emblem: Option<&Emblem>,
) -> Result<Vec<u8>, LetterError> {
    let mut used: [Used; 2] = [Used::new(), Used::new()];
    let mut contents = Vec::new();
    for page in pages {
        let mut ops = String::new();
        for item in &page.items {
            match item {
                Item::Text {
                    x,
                    y,
                    size,
                    weight,
                    text,
                    word_spacing,
                } => {
                    let face = fonts.face(*weight);
                    let used = &mut used[usize::from(*weight == Weight::Bold)];
                    let _ = write!(
                        ops,
                        "BT /{} {size:.2} Tf 1 0 0 1 {x:.2} {y:.2} Tm [<",
                        font_key(*weight)
                    );
                    for ch in text.chars() {
                        let gid = face.glyph(ch)?.0;
                        used.entry(gid).or_insert(ch);
                        let _ = write!(ops, "{gid:04X}");
                        if ch == ' ' && *word_spacing > 0.0 {
                            let _ = write!(ops, "> {:.1} <", -word_spacing * 1000.0 / size);
                        }
                    }
                    ops.push_str(">] TJ ET\n");
                }
                Item::Emblem { x, y, w, h } => {
                    let _ = writeln!(ops, "q {w:.2} 0 0 {h:.2} {x:.2} {y:.2} cm /Im1 Do Q");
                }
                Item::Rule { from, to, width } => {
                    let _ = writeln!(
                        ops,
                        "{width:.2} w {:.2} {:.2} m {:.2} {:.2} l S",
                        from.0, from.1, to.0, to.1
                    );
                }
            }
        }
        contents.push(ops);
    }

    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let regular = embed(&mut doc, &fonts.regular, &used[0])?;
    let bold = embed(&mut doc, &fonts.bold, &used[1])?;
    let mut resources = dictionary! {
        "Font" => dictionary! { "F1" => regular, "F2" => bold },
    };
    if let Some(emblem) = emblem {
        let image = embed_image(&mut doc, emblem)?;
        resources.set("XObject", dictionary! { "Im1" => image });
    }
    let resources = doc.add_object(resources);
    let mut kids = Vec::new();
    for ops in contents {
        let mut stream = Stream::new(Dictionary::new(), ops.into_bytes());
        compress(&mut stream)?;
        let content = doc.add_object(stream);
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), PAGE_W.into(), PAGE_H.into()],
            "Resources" => resources,
            "Contents" => content,
        });
        kids.push(page.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info = doc.add_object(dictionary! {
        "Title" => Object::String(b"Surat Rekomendasi Penerbitan Sertifikat Elektronik".to_vec(), StringFormat::Literal),
        "Producer" => Object::String(b"sertel".to_vec(), StringFormat::Literal),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| LetterError::Pdf(e.to_string()))?;
    Ok(out)
}

/// The emblem as an RGB image XObject, its transparency (if any) as a soft mask so the shield
/// stands on the paper without a box around it.
fn embed_image(doc: &mut Document, emblem: &Emblem) -> Result<lopdf::ObjectId, LetterError> {
    let pixels = &emblem.pixels;
    let (width, height) = (i64::from(pixels.width()), i64::from(pixels.height()));
    let image_dict = |space: &str| {
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => width,
            "Height" => height,
            "ColorSpace" => space,
            "BitsPerComponent" => 8,
        }
    };
    let rgb: Vec<u8> = pixels.pixels().flat_map(|p| [p[0], p[1], p[2]]).collect();
    let mut dict = image_dict("DeviceRGB");
    if pixels.pixels().any(|p| p[3] < 255) {
        let alpha: Vec<u8> = pixels.pixels().map(|p| p[3]).collect();
        let mut mask = Stream::new(image_dict("DeviceGray"), alpha);
        compress(&mut mask)?;
        dict.set("SMask", doc.add_object(mask));
    }
    let mut stream = Stream::new(dict, rgb);
    compress(&mut stream)?;
    Ok(doc.add_object(stream))
}

fn compress(stream: &mut Stream) -> Result<(), LetterError> {
    stream
        .compress()
        .map_err(|e| LetterError::Pdf(e.to_string()))
}

/// The Type0 font dictionary with its CIDFontType2 descendant, the subset font file and the ToUnicode
/// CMap; returns the Type0 font's id.
fn embed(doc: &mut Document, face: &Face<'_>, used: &Used) -> Result<lopdf::ObjectId, LetterError> {
    let font = subset(face.bytes, used.keys().copied()).unwrap_or_else(|| face.bytes.to_vec());
    let mut file = Stream::new(dictionary! { "Length1" => font.len() as i64 }, font);
    compress(&mut file)?;
    let file_id = doc.add_object(file);
    let name = Object::Name(format!("{}+{}", subset_tag(used), face.name).into_bytes());
    let f = &face.face;
    let bbox = f.global_bounding_box();
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => name.clone(),
        // Serif, non-symbolic.
        "Flags" => 34,
        "FontBBox" => vec![
            face.per_mille(bbox.x_min).into(),
            face.per_mille(bbox.y_min).into(),
            face.per_mille(bbox.x_max).into(),
            face.per_mille(bbox.y_max).into(),
        ],
        "ItalicAngle" => 0,
        "Ascent" => face.per_mille(f.ascender()),
        "Descent" => face.per_mille(f.descender()),
        "CapHeight" => face.per_mille(f.capital_height().unwrap_or(f.ascender())),
        "StemV" => 80,
        "FontFile2" => file_id,
    });
    let widths: Vec<Object> = used
        .keys()
        .flat_map(|&gid| {
            let w = face.advance(ttf_parser::GlyphId(gid));
            [
                Object::Integer(i64::from(gid)),
                vec![Object::Real(w)].into(),
            ]
        })
        .collect();
    let cid_font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => name.clone(),
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::String(b"Adobe".to_vec(), StringFormat::Literal),
            "Ordering" => Object::String(b"Identity".to_vec(), StringFormat::Literal),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor,
        "DW" => 1000,
        "W" => widths,
        "CIDToGIDMap" => "Identity",
    });
    let mut cmap = Stream::new(Dictionary::new(), to_unicode(used).into_bytes());
    compress(&mut cmap)?;
    let cmap_id = doc.add_object(cmap);
    Ok(doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => name,
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![cid_font.into()],
        "ToUnicode" => cmap_id,
    }))
}

/// The six capital letters PDF prefixes a subset font's name with, derived from the glyphs kept
/// so that different subsets of one font get different names.
fn subset_tag(used: &Used) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for gid in used.keys() {
        for byte in gid.to_be_bytes() {
            hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + (hash / 26u32.pow(i) % 26) as u8))
        .collect()
}

/// The CMap mapping each glyph id back to its character, in blocks of at most 100 entries as the
/// CMap format requires.
fn to_unicode(used: &Used) -> String {
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(&u16, &char)> = used.iter().collect();
    for block in entries.chunks(100) {
        let _ = writeln!(out, "{} beginbfchar", block.len());
        for (gid, ch) in block {
            let utf16: String = ch
                .encode_utf16(&mut [0; 2])
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(out, "<{gid:04X}> <{utf16}>");
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out
}
