//! PDFs page by page: each page's text layer, and for a page without one its scanned images
//! (DCT, Flate at any bit depth, Indexed, CCITT G3/G4), or, when none of them decodes (JBIG2,
//! JPX, images inside forms), the page as `pdftoppm` renders it; bounded so a hostile PDF
//! cannot take the memory or the time.

use std::time::Duration;

use image::{DynamicImage, GrayImage, RgbImage};
use lopdf::{Dictionary, Document, Object};

use super::image::{ImageError, decode};
use super::tool;
use crate::parse::FileType;

/// Applications are a few pages; a longer PDF is read only this far.
const MAX_PAGES: usize = 12;
/// Pictures OCR'd from one PDF: an application's scans are a few pages.
const MAX_IMAGES: usize = 6;
/// Per page content stream after decompression: real pages are well under 1 MB.
const MAX_PAGE_CONTENT: usize = 16 * 1024 * 1024;
/// A raw (Flate) page image: an A4 scan at 300 dpi in RGB is ~26 MB.
const MAX_RAW_IMAGE: usize = 64 * 1024 * 1024;
/// A page rendered for OCR: 200 dpi reads body text as well as 300 and costs half the pixels.
const RENDER_DPI: u32 = 200;
/// One page rendered by `pdftoppm`; a sane page takes well under a second.
const RENDER_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PdfError {
    #[error("pdf is encrypted")]
    Encrypted,
    #[error("pdf cannot be parsed: {0}")]
    Broken(String),
    #[error("pdf content exceeds the size limit")]
    TooLarge,
}

pub struct PdfPage {
    /// The page's text layer, trimmed; empty for a scan.
    pub text: String,
    /// For a page without a meaningful text layer, what it shows: its scanned images, largest
    /// first, or the page rendered whole. Empty for a typed page.
    pub pictures: Vec<DynamicImage>,
}

pub struct PdfContent {
    pub pages: Vec<PdfPage>,
    /// Pages in the file, including those past [`MAX_PAGES`].
    pub page_count: usize,
}

impl PdfContent {
    /// The text layers of all pages read, in order.
    pub fn text(&self) -> String {
        let texts: Vec<&str> = self
            .pages
            .iter()
            .map(|p| p.text.as_str())
            .filter(|t| !t.is_empty())
            .collect();
        texts.join("\n")
    }

    /// The pictures to OCR, page by page: the scanned pages' images (a cover letter with a text
    /// layer and the KTP scanned on page 2 gives the scan of page 2).
    pub fn pictures(&self) -> impl Iterator<Item = &DynamicImage> {
        self.pages
            .iter()
            .flat_map(|p| p.pictures.iter())
            .take(MAX_IMAGES)
    }
}

pub fn read(data: &[u8]) -> Result<PdfContent, PdfError> {
    let doc = Document::load_mem(data).map_err(|e| {
        let message = e.to_string();
        let lower = message.to_ascii_lowercase();
        if lower.contains("encrypt") || lower.contains("password") || lower.contains("decrypt") {
            PdfError::Encrypted
        } else {
            PdfError::Broken(message)
        }
    })?;
    if doc.is_encrypted() {
        return Err(PdfError::Encrypted);
    }
    let page_ids = doc.get_pages();
    let mut pages = Vec::new();
    let mut pictured = 0;
    for (&number, &page_id) in page_ids.iter().take(MAX_PAGES) {
        let text = match doc
            .extract_text_chunks_with_limit(&[number], MAX_PAGE_CONTENT)
            .into_iter()
            .try_fold(String::new(), |mut acc, chunk| match chunk {
                Ok(t) => {
                    acc.push_str(&t);
                    Ok(acc)
                }
                Err(lopdf::Error::Decompress(_)) => Err(PdfError::TooLarge),
                Err(_) => Ok(acc),
            }) {
            Ok(t) => t.trim().to_string(),
            Err(e) => return Err(e),
        };
        let mut pictures = Vec::new();
        if !has_meaningful_text(&text) && pictured < MAX_IMAGES {
            pictures = page_pictures(&doc, page_id)?;
            if pictures.is_empty() && page_shows_something(&doc, page_id) {
                pictures.extend(render_page(data, number));
            }
            pictures.sort_by_key(|i| std::cmp::Reverse(i.width() as u64 * i.height() as u64));
            pictures.truncate(MAX_IMAGES - pictured);
            pictured += pictures.len();
        }
        pages.push(PdfPage { text, pictures });
    }
    Ok(PdfContent {
        pages,
        page_count: page_ids.len(),
    })
}

fn page_pictures(doc: &Document, page_id: lopdf::ObjectId) -> Result<Vec<DynamicImage>, PdfError> {
    let Ok(images) = doc.get_page_images(page_id) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for img in images.iter().take(MAX_IMAGES) {
        match page_image(doc, img) {
            Ok(Some(decoded)) => out.push(decoded),
            Ok(None) => {}
            Err(ImageError::TooLarge { .. }) => return Err(PdfError::TooLarge),
            Err(_) => {}
        }
    }
    Ok(out)
}

/// Whether a page without text or decodable images draws anything at all: a blank page is
/// not worth a render. Content lopdf cannot gather (it answers empty) is rendered to be sure.
fn page_shows_something(doc: &Document, page_id: lopdf::ObjectId) -> bool {
    let content = doc.get_page_content(page_id);
    content.is_empty() || content.iter().any(|b| !b.is_ascii_whitespace())
}

/// Page `number` (from 1) rendered in gray by `pdftoppm`; `None` when it fails, which leaves
/// the page unread rather than the whole PDF.
fn render_page(data: &[u8], number: u32) -> Option<DynamicImage> {
    let png = page_png(data, number, RENDER_DPI, true).ok()?;
    decode(&png, FileType::Png).ok()
}

/// Page `number` (from 1) of a PDF as `pdftoppm` renders it to PNG at `dpi`, in gray or colour.
pub fn page_png(
    data: &[u8],
    number: u32,
    dpi: u32,
    gray: bool,
) -> Result<Vec<u8>, tool::ToolError> {
    let page = number.max(1).to_string();
    let dpi = dpi.to_string();
    let mut args = vec!["-png", "-r", &dpi, "-f", &page, "-l", &page, "-singlefile"];
    if gray {
        args.push("-gray");
    }
    args.push("-");
    tool::run("pdftoppm", &args, data, RENDER_TIMEOUT)
}

/// One image XObject as pixels, or `None` for what is not a document (icons, logos) or what
/// this reader does not decode (JBIG2, JPX: the page is rendered instead).
fn page_image(
    doc: &Document,
    img: &lopdf::xobject::PdfImage<'_>,
) -> Result<Option<DynamicImage>, ImageError> {
    let filters = img.filters.clone().unwrap_or_default();
    let (w, h) = (img.width.max(0) as u32, img.height.max(0) as u32);
    if w < 64 || h < 64 {
        return Ok(None);
    }
    let dict = img.origin_dict;
    let decoded = match filters.as_slice() {
        [f] if f == "DCTDecode" => decode(img.content, FileType::Jpeg)?,
        [f] if f == "CCITTFaxDecode" => {
            let params = decode_parms(doc, dict);
            let Some(gray) = ccitt(doc, img.content, (w, h), params) else {
                return Ok(None);
            };
            DynamicImage::ImageLuma8(gray)
        }
        [] | [_] if filters.iter().all(|f| f == "FlateDecode") => {
            let Some(raw) = raster(doc, img, w, h)? else {
                return Ok(None);
            };
            raw
        }
        _ => return Ok(None),
    };
    Ok(Some(if inverted(doc, dict) {
        let mut d = decoded;
        d.invert();
        d
    } else {
        decoded
    }))
}

fn decode_parms<'a>(doc: &'a Document, dict: &'a Dictionary) -> Option<&'a Dictionary> {
    match dict.get_deref(b"DecodeParms", doc).ok()? {
        Object::Dictionary(d) => Some(d),
        Object::Array(a) => a
            .first()
            .and_then(|o| doc.dereference(o).ok()?.1.as_dict().ok()),
        _ => None,
    }
}

fn int(doc: &Document, dict: Option<&Dictionary>, key: &[u8], default: i64) -> i64 {
    dict.and_then(|d| d.get_deref(key, doc).ok())
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(default)
}

/// A `/Decode [1 0]` array: the samples mean the opposite of what the colour space says.
fn inverted(doc: &Document, dict: &Dictionary) -> bool {
    let Ok(Object::Array(decode)) = dict.get_deref(b"Decode", doc) else {
        return false;
    };
    let first: Vec<f32> = decode
        .iter()
        .take(2)
        .filter_map(|o| o.as_float().ok().or(o.as_i64().ok().map(|i| i as f32)))
        .collect();
    matches!(first.as_slice(), [a, b] if a > b)
}

/// A fax-coded scan: Group 4 (K < 0) or Group 3 one-dimensional (K = 0), the way bilevel
/// scanners and photocopiers write pages.
fn ccitt(
    doc: &Document,
    data: &[u8],
    (w, h): (u32, u32),
    params: Option<&Dictionary>,
) -> Option<GrayImage> {
    let k = int(doc, params, b"K", 0);
    let columns = u16::try_from(int(doc, params, b"Columns", 1728)).ok()?;
    let rows = int(doc, params, b"Rows", h as i64);
    let black_is_1 = params
        .and_then(|d| d.get_deref(b"BlackIs1", doc).ok())
        .and_then(|o| o.as_bool().ok())
        .unwrap_or(false);
    if columns as u32 != w || rows <= 0 || w as usize * h as usize > MAX_RAW_IMAGE {
        return None;
    }
    // The filter's samples: a black pel is 0 unless BlackIs1; /Decode may turn them over.
    let (white, black) = if black_is_1 { (0, 255) } else { (255, 0) };
    let mut pixels: Vec<u8> = Vec::with_capacity(w as usize * h as usize);
    let mut push_line = |transitions: &[u16]| {
        if pixels.len() < w as usize * h as usize {
            pixels.extend(fax::decoder::pels(transitions, columns).map(|c| match c {
                fax::Color::White => white,
                fax::Color::Black => black,
            }));
        }
    };
    if k < 0 {
        fax::decoder::decode_g4(
            data.iter().copied(),
            columns,
            Some(h as u16),
            &mut push_line,
        )?;
    } else if k == 0 {
        fax::decoder::decode_g3(data.iter().copied(), &mut push_line)?;
    } else {
        return None;
    }
    // A G3 stream may stop short; what is missing is blank paper.
    pixels.resize(w as usize * h as usize, white);
    GrayImage::from_raw(w, h, pixels)
}

/// A Flate-compressed (or uncompressed) raster at 1, 2, 4 or 8 bits: gray, RGB, or Indexed
/// over either.
fn raster(
    doc: &Document,
    img: &lopdf::xobject::PdfImage<'_>,
    w: u32,
    h: u32,
) -> Result<Option<DynamicImage>, ImageError> {
    let dict = img.origin_dict;
    let bits = img.bits_per_component.unwrap_or(8);
    if ![1, 2, 4, 8].contains(&bits) {
        return Ok(None);
    }
    let space = dict.get_deref(b"ColorSpace", doc).ok();
    // Indexed: [/Indexed base hival lookup].
    let (channels, palette): (usize, Option<(usize, Vec<u8>)>) = match space {
        Some(Object::Name(n)) if n == b"DeviceGray" || n == b"CalGray" => (1, None),
        Some(Object::Name(n)) if n == b"DeviceRGB" || n == b"CalRGB" => (3, None),
        None if img.filters.is_none() || bits == 1 => (1, None),
        Some(Object::Array(a)) if a.first().and_then(|o| o.as_name().ok()) == Some(b"Indexed") => {
            let base = a
                .get(1)
                .and_then(|o| doc.dereference(o).ok())
                .map(|(_, o)| o);
            let base_channels = match base {
                Some(Object::Name(n)) if n == b"DeviceGray" => 1,
                Some(Object::Name(n)) if n == b"DeviceRGB" => 3,
                _ => return Ok(None),
            };
            let lookup = match a
                .get(3)
                .and_then(|o| doc.dereference(o).ok())
                .map(|(_, o)| o)
            {
                Some(Object::String(s, _)) => s.clone(),
                Some(Object::Stream(s)) => s
                    .decompressed_content()
                    .unwrap_or_else(|_| s.content.clone()),
                _ => return Ok(None),
            };
            (1, Some((base_channels, lookup)))
        }
        Some(Object::Array(a)) => match a.first().and_then(|o| o.as_name().ok()) {
            Some(b"CalGray") => (1, None),
            Some(b"CalRGB") => (3, None),
            Some(b"ICCBased") => {
                let n = a
                    .get(1)
                    .and_then(|o| doc.dereference(o).ok())
                    .and_then(|(_, o)| o.as_stream().ok())
                    .map(|s| int(doc, Some(&s.dict), b"N", 3))
                    .unwrap_or(3);
                match n {
                    1 => (1, None),
                    3 => (3, None),
                    _ => return Ok(None),
                }
            }
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    let row_bytes = (w as usize * channels * bits as usize).div_ceil(8);
    let expected = row_bytes * h as usize;
    if expected > MAX_RAW_IMAGE || w as usize * h as usize * 3 > MAX_RAW_IMAGE {
        return Err(ImageError::TooLarge {
            width: w,
            height: h,
        });
    }
    let raw = if img.filters.is_some() {
        let stream = lopdf::Stream::new(dict.clone(), img.content.to_vec());
        stream
            .decompressed_content_with_limit(expected)
            .map_err(|e| ImageError::Broken(e.to_string()))?
    } else {
        img.content.to_vec()
    };
    if raw.len() < expected {
        return Ok(None);
    }
    let max = (1u32 << bits) - 1;
    let sample = |row: &[u8], i: usize| -> u8 {
        match bits {
            8 => row[i],
            _ => {
                let bit = i * bits as usize;
                let byte = row[bit / 8];
                let shift = 8 - bits as usize - bit % 8;
                (byte >> shift) & max as u8
            }
        }
    };
    let scale = |v: u8| (v as u32 * 255 / max) as u8;
    let rows = raw[..expected].chunks(row_bytes);
    Ok(match palette {
        Some((base, lookup)) => {
            let mut rgb = Vec::with_capacity(w as usize * h as usize * 3);
            for row in rows {
                for x in 0..w as usize {
                    let at = sample(row, x) as usize * base;
                    let entry = lookup
                        .get(at..at + base)
                        .unwrap_or(&[255, 255, 255][..base]);
                    match base {
                        1 => rgb.extend([entry[0]; 3]),
                        _ => rgb.extend_from_slice(entry),
                    }
                }
            }
            RgbImage::from_raw(w, h, rgb).map(DynamicImage::ImageRgb8)
        }
        None => {
            let mut px = Vec::with_capacity(w as usize * h as usize * channels);
            for row in rows {
                for i in 0..w as usize * channels {
                    px.push(scale(sample(row, i)));
                }
            }
            match channels {
                1 => GrayImage::from_raw(w, h, px).map(DynamicImage::ImageLuma8),
                _ => RgbImage::from_raw(w, h, px).map(DynamicImage::ImageRgb8),
            }
        }
    })
}

/// Whether the text layer says something (a scan often carries an empty or junk layer).
pub fn has_meaningful_text(text: &str) -> bool {
    text.chars().filter(|c| c.is_alphanumeric()).count() >= 40
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{Stream, dictionary};

    /// A one-page PDF drawing `image` full-page; with `in_form` the image sits inside a form
    /// XObject, where the page's own resources do not list it.
    fn pdf_with(image: Stream, in_form: bool) -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let image_id = doc.add_object(image);
        let (resources, content) = if in_form {
            let form = Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                    "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image_id } },
                },
                b"q 595 0 0 842 0 0 cm /Im0 Do Q".to_vec(),
            );
            let form_id = doc.add_object(form);
            (
                dictionary! { "XObject" => dictionary! { "Fm0" => form_id } },
                b"/Fm0 Do".to_vec(),
            )
        } else {
            (
                dictionary! { "XObject" => dictionary! { "Im0" => image_id } },
                b"q 595 0 0 842 0 0 cm /Im0 Do Q".to_vec(),
            )
        };
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Contents" => content_id, "Resources" => resources,
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
            ),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    /// A bilevel test page: a black bar across rows 40..60 and a black block at the left.
    fn ink(x: u32, y: u32) -> bool {
        (40..60).contains(&y) || (x < 30 && y > 100)
    }

    const W: u32 = 200;
    const H: u32 = 160;

    fn assert_page(img: &DynamicImage) {
        let gray = img.to_luma8();
        assert_eq!(gray.dimensions(), (W, H));
        for (x, y, p) in gray.enumerate_pixels() {
            assert_eq!(p.0[0] < 128, ink(x, y), "pixel {x},{y}");
        }
    }

    fn flate(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn a_fax_coded_scan_is_decoded() {
        let mut encoder = fax::encoder::Encoder::new(fax::VecWriter::new());
        for y in 0..H {
            let line = (0..W).map(|x| {
                if ink(x, y) {
                    fax::Color::Black
                } else {
                    fax::Color::White
                }
            });
            encoder.encode_line(line, W as u16).unwrap();
        }
        let data = encoder.finish().unwrap().finish();
        let stream = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => W as i64, "Height" => H as i64,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 1, "Filter" => "CCITTFaxDecode",
                "DecodeParms" => dictionary! { "K" => -1, "Columns" => W as i64, "Rows" => H as i64 },
            },
            data,
        );
        let content = read(&pdf_with(stream, false)).unwrap();
        let pictures: Vec<_> = content.pictures().collect();
        assert_eq!(pictures.len(), 1);
        assert_page(pictures[0]);
    }

    #[test]
    fn one_bit_and_indexed_rasters_are_decoded() {
        // 1 bit, 1 = white in DeviceGray.
        let row_bytes = W.div_ceil(8) as usize;
        let mut bits = vec![0u8; row_bytes * H as usize];
        for y in 0..H {
            for x in 0..W {
                if !ink(x, y) {
                    bits[y as usize * row_bytes + x as usize / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        let one_bit = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => W as i64, "Height" => H as i64,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 1, "Filter" => "FlateDecode",
            },
            flate(&bits),
        );
        assert_page(
            read(&pdf_with(one_bit, false))
                .unwrap()
                .pictures()
                .next()
                .unwrap(),
        );

        // 4-bit Indexed over RGB: index 0 is paper, 1 is ink; /Decode-free.
        let row_bytes = W.div_ceil(2) as usize;
        let mut nibbles = vec![0u8; row_bytes * H as usize];
        for y in 0..H {
            for x in 0..W {
                if ink(x, y) {
                    nibbles[y as usize * row_bytes + x as usize / 2] |=
                        if x % 2 == 0 { 0x10 } else { 0x01 };
                }
            }
        }
        let palette = Object::String(
            vec![250, 250, 245, 20, 20, 30],
            lopdf::StringFormat::Hexadecimal,
        );
        let indexed = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => W as i64, "Height" => H as i64,
                "ColorSpace" => vec![Object::Name(b"Indexed".to_vec()), Object::Name(b"DeviceRGB".to_vec()), 1.into(), palette],
                "BitsPerComponent" => 4, "Filter" => "FlateDecode",
            },
            flate(&nibbles),
        );
        assert_page(
            read(&pdf_with(indexed, false))
                .unwrap()
                .pictures()
                .next()
                .unwrap(),
        );
    }

    #[test]
    fn a_page_whose_image_cannot_be_found_is_rendered() {
        let gray: Vec<u8> = (0..H)
            .flat_map(|y| (0..W).map(move |x| if ink(x, y) { 0 } else { 255 }))
            .collect();
        let image = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => W as i64, "Height" => H as i64,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "FlateDecode",
            },
            flate(&gray),
        );
        let content = read(&pdf_with(image, true)).unwrap();
        let pictures: Vec<_> = content.pictures().collect();
        assert_eq!(pictures.len(), 1, "the page is rendered by pdftoppm");
        // 595 × 842 points at 200 dpi.
        let page = pictures[0].to_luma8();
        assert_eq!(page.dimensions(), (1653, 2339));
        // The bar across rows 40..60 of 160 sits at a quarter to three-eighths of the height.
        let at = |fx: f32, fy: f32| page.get_pixel((fx * 1653.0) as u32, (fy * 2339.0) as u32).0[0];
        assert!(at(0.5, 0.31) < 100, "the bar is drawn");
        assert!(at(0.5, 0.5) > 200, "paper stays white");
    }
}
