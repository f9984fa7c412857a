//! PDF output: one-page documents with a real text layer (base-14 fonts, WinAnsiEncoding),
//! scanned pages (a JPEG and no text), and deliberately broken files.

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, Stream, StringFormat, dictionary};

use super::error::SynthError;
use super::rng::Rng;

/// A4 in points.
pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;

/// The base-14 faces the documents are set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfFont {
    Times,
    TimesBold,
    Helvetica,
    HelveticaBold,
}

impl PdfFont {
    const ALL: [PdfFont; 4] = [
        PdfFont::Times,
        PdfFont::TimesBold,
        PdfFont::Helvetica,
        PdfFont::HelveticaBold,
    ];

    fn resource(self) -> &'static str {
        match self {
            PdfFont::Times => "F1",
            PdfFont::TimesBold => "F2",
            PdfFont::Helvetica => "F3",
            PdfFont::HelveticaBold => "F4",
        }
    }

    fn base_font(self) -> &'static str {
        match self {
            PdfFont::Times => "Times-Roman",
            PdfFont::TimesBold => "Times-Bold",
            PdfFont::Helvetica => "Helvetica",
            PdfFont::HelveticaBold => "Helvetica-Bold",
        }
    }

    pub fn is_bold(self) -> bool {
        matches!(self, PdfFont::TimesBold | PdfFont::HelveticaBold)
    }

    pub fn is_serif(self) -> bool {
        matches!(self, PdfFont::Times | PdfFont::TimesBold)
    }

    /// Adobe's AFM advance widths (1/1000 em) for ASCII 32..=126.
    fn widths(self) -> &'static [u16; 95] {
        match self {
            PdfFont::Times => &TIMES_ROMAN,
            PdfFont::TimesBold => &TIMES_BOLD,
            PdfFont::Helvetica => &HELVETICA,
            PdfFont::HelveticaBold => &HELVETICA_BOLD,
        }
    }
}

#[rustfmt::skip]
const TIMES_ROMAN: [u16; 95] = [
    250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278, 500, 500, 500,
    500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, 921, 722, 667, 667, 722, 611,
    556, 722, 722, 333, 389, 722, 611, 889, 722, 722, 556, 722, 667, 556, 611, 722, 722, 944, 722,
    722, 611, 333, 278, 333, 469, 500, 333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500,
    278, 778, 500, 500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,
];
#[rustfmt::skip]
const TIMES_BOLD: [u16; 95] = [
    250, 333, 555, 500, 500, 1000, 833, 278, 333, 333, 500, 570, 250, 333, 250, 278, 500, 500, 500,
    500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500, 930, 722, 667, 722, 722, 667,
    611, 778, 778, 389, 500, 778, 667, 944, 722, 778, 611, 778, 722, 556, 667, 722, 722, 1000, 722,
    722, 667, 333, 278, 333, 581, 500, 333, 500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556,
    278, 833, 556, 500, 556, 556, 444, 389, 333, 556, 500, 722, 500, 500, 444, 394, 220, 394, 520,
];
#[rustfmt::skip]
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/// Width of `text` in points; characters outside ASCII count as an "n".
pub fn text_width(font: PdfFont, size: f32, text: &str) -> f32 {
    let widths = font.widths();
    let units: u32 = text
        .chars()
        .map(|c| match c as u32 {
            32..=126 => widths[c as usize - 32] as u32,
            _ => widths[b'n' as usize - 32] as u32,
        })
        .sum();
    units as f32 * size / 1000.0
}

/// One run of text at an absolute position; `y` is the baseline in points from the top.
#[derive(Debug, Clone)]
pub struct TextItem {
    pub x: f32,
    pub y: f32,
    pub font: PdfFont,
    pub size: f32,
    pub text: String,
    /// Extra points per space, for justified lines.
    pub word_spacing: f32,
}

/// A laid-out page, rendered either as a text PDF or as pixels for a scan.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<TextItem>,
    /// Horizontal rules: x0, x1, y (from the top), thickness, all in points.
    pub rules: Vec<(f32, f32, f32, f32)>,
}

/// WinAnsi (cp1252) bytes; every character the generator writes is ASCII or Latin-1.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| if (c as u32) < 256 { c as u8 } else { b'?' })
        .collect()
}

/// A one-page A4 PDF whose text pdftotext reads back line by line, top to bottom.
pub fn text_pdf(page: &Page, producer: &str) -> Result<Vec<u8>, SynthError> {
    let mut ops = Vec::new();
    for &(x0, x1, y, thickness) in &page.rules {
        ops.push(Operation::new("w", vec![thickness.into()]));
        ops.push(Operation::new("m", vec![x0.into(), (PAGE_H - y).into()]));
        ops.push(Operation::new("l", vec![x1.into(), (PAGE_H - y).into()]));
        ops.push(Operation::new("S", vec![]));
    }
    // Items are emitted in reading order (the layout builds them that way), each as its own
    // text object with an absolute matrix, like word processors' PDF export.
    for item in &page.items {
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new(
            "Tf",
            vec![Object::Name(item.font.resource().into()), item.size.into()],
        ));
        ops.push(Operation::new("Tw", vec![item.word_spacing.into()]));
        ops.push(Operation::new(
            "Tm",
            vec![
                1.into(),
                0.into(),
                0.into(),
                1.into(),
                item.x.into(),
                (PAGE_H - item.y).into(),
            ],
        ));
        ops.push(Operation::new(
            "Tj",
            vec![Object::String(win_ansi(&item.text), StringFormat::Literal)],
        ));
        ops.push(Operation::new("ET", vec![]));
    }
    let content = Content { operations: ops }.encode()?;

    let mut doc = Document::with_version("1.5");
    let mut fonts = Dictionary::new();
    for font in PdfFont::ALL {
        let id = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => font.base_font(),
            "Encoding" => "WinAnsiEncoding",
        });
        fonts.set(font.resource(), id);
    }
    let mut stream = Stream::new(dictionary! {}, content);
    stream.compress()?;
    let content_id = doc.add_object(stream);
    let resources = dictionary! { "Font" => fonts };
    finish(doc, content_id, resources, producer)
}

/// A one-page A4 PDF showing a JPEG over the whole page and nothing else: what a scanner
/// or a phone "scan to PDF" app produces.
pub fn image_pdf(
    jpeg: &[u8],
    width: u32,
    height: u32,
    gray: bool,
    producer: &str,
) -> Result<Vec<u8>, SynthError> {
    let mut doc = Document::with_version("1.4");
    let image = Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => width as i64,
            "Height" => height as i64,
            "ColorSpace" => if gray { "DeviceGray" } else { "DeviceRGB" },
            "BitsPerComponent" => 8,
            "Filter" => "DCTDecode",
        },
        jpeg.to_vec(),
    )
    .with_compression(false);
    let image_id = doc.add_object(image);
    let content = format!("q {PAGE_W} 0 0 {PAGE_H} 0 0 cm /Im1 Do Q").into_bytes();
    let content_id = doc.add_object(Stream::new(dictionary! {}, content));
    let resources = dictionary! { "XObject" => dictionary! { "Im1" => image_id } };
    finish(doc, content_id, resources, producer)
}

fn finish(
    mut doc: Document,
    content_id: lopdf::ObjectId,
    resources: Dictionary,
    producer: &str,
) -> Result<Vec<u8>, SynthError> {
    let pages_id = doc.new_object_id();
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), PAGE_W.into(), PAGE_H.into()],
        "Contents" => content_id,
        "Resources" => resources,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info_id = doc.add_object(dictionary! {
        "Producer" => Object::string_literal(producer),
    });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(lopdf::Error::IO)?;
    Ok(out)
}

/// Bytes that start like a PDF and then fall apart: an encryption dictionary nobody can
/// satisfy, a stream of noise, and no cross-reference table or trailer.
pub fn broken_pdf(rng: &mut Rng) -> Vec<u8> {
    let hex = |rng: &mut Rng, n: usize| -> String {
        (0..n).map(|_| format!("{:02X}", rng.below(256))).collect()
    };
    let mut out = b"%PDF-1.6\n%\xE2\xE3\xCF\xD3\n".to_vec();
    out.extend_from_slice(
        format!(
            "1 0 obj\n<< /Filter /Standard /V 4 /R 4 /Length 128 /P -1068 /O <{}> /U <{}> >>\nendobj\n",
            hex(rng, 32),
            hex(rng, 32)
        )
        .as_bytes(),
    );
    let length = rng.range(20_000, 40_000) as usize;
    out.extend_from_slice(
        format!(
            "2 0 obj\n<< /Length {} /Filter /FlateDecode >>\nstream\n",
            length * 2
        )
        .as_bytes(),
    );
    out.extend((0..length).map(|_| rng.below(256) as u8));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_match_afm() {
        assert_eq!(text_width(PdfFont::Times, 1000.0, "A"), 722.0);
        assert_eq!(
            text_width(PdfFont::HelveticaBold, 10.0, "NIP"),
            10.0 * (722.0 + 278.0 + 667.0) / 1000.0
        );
    }

    #[test]
    fn text_pdf_round_trips_through_lopdf() {
        let page = Page {
            items: vec![TextItem {
                x: 72.0,
                y: 100.0,
                font: PdfFont::Times,
                size: 12.0,
                text: "KEPUTUSAN BUPATI GORONTALO (uji)".into(),
                word_spacing: 0.0,
            }],
            rules: vec![(72.0, 520.0, 110.0, 1.0)],
        };
        let bytes = text_pdf(&page, "test").unwrap();
        let doc = Document::load_mem(&bytes).unwrap();
        assert_eq!(doc.get_pages().len(), 1);
        let text = doc.extract_text(&[1]).unwrap();
        assert!(text.contains("KEPUTUSAN BUPATI GORONTALO"), "{text}");
    }

    #[test]
    fn broken_pdf_does_not_load() {
        let bytes = broken_pdf(&mut Rng::new(1));
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(Document::load_mem(&bytes).is_err());
    }
}
