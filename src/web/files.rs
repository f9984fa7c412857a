//! Attachments as the desk serves them: downloads always as files, pictures only as raster
//! images (PDF pages rendered by `pdftoppm`), never an HTML or SVG attachment inline; the
//! crop of the prepared picture a field was read from; and the text lines of PDF attachments,
//! shown beside the fields read from them.

use std::collections::VecDeque;
use std::io::Cursor;
use std::sync::{Arc, Mutex, OnceLock};

use image::GrayImage;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::case::Case;
use crate::case::store::{CaseError, CaseStore, sha256_hex};
use crate::parse::FileType;
use crate::text::{Bbox, Place};

/// A page being rendered or rendered: its PNG, or why it could not be.
type Rendering = Arc<OnceLock<Result<Arc<Vec<u8>>, String>>>;

/// The CSP of an attachment: nothing in it may run or load anything.
const ATTACHMENT_CSP: &str = "default-src 'none'; sandbox";
/// Resolution of rendered PDF pages: readable on a laptop, small enough for a phone.
const PDF_DPI: u32 = 110;
/// Pages shown per attachment on the case page; the rest are in the download.
pub const PAGES_SHOWN: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("no attachment {0}")]
    NoAttachment(usize),
    #[error("case database: {0}")]
    Store(#[from] CaseError),
    #[error("attachment {0} has no stored bytes")]
    Missing(String),
    #[error("attachment {0} is not shown as a picture")]
    NotPicture(String),
    #[error("cannot render {what}: {message}")]
    Render { what: String, message: String },
    #[error("field {field} of attachment {n} has no place on a picture")]
    NoCrop { n: usize, field: String },
}

/// Prepared pictures kept for the next crops: a case page asks for a crop per field, mostly
/// of the same one or two photos, and preparing a photo costs far more than cropping it.
const PREPARED_KEPT: usize = 4;

/// The last few prepared pictures, by attachment SHA-256 and picture number.
#[derive(Default)]
pub struct PreparedCache {
    kept: Mutex<VecDeque<(String, usize, Arc<GrayImage>)>>,
}

impl PreparedCache {
    /// The prepared picture, made at most once while it stays in the cache: the lock is held
    /// while preparing, so a page's crops of one photo, asked for together, wait for the
    /// first instead of each preparing it again.
    fn get(
        &self,
        sha256: &str,
        image: usize,
        make: impl FnOnce() -> Result<GrayImage, String>,
    ) -> Result<Arc<GrayImage>, String> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = kept.iter().position(|(s, i, _)| s == sha256 && *i == image) {
            let entry = kept.remove(at).expect("position is in range");
            let picture = entry.2.clone();
            kept.push_back(entry);
            return Ok(picture);
        }
        let picture = Arc::new(make()?);
        if kept.len() >= PREPARED_KEPT {
            kept.pop_front();
        }
        kept.push_back((sha256.to_string(), image, picture.clone()));
        Ok(picture)
    }
}

/// PDF pages rendered to PNG by `pdftoppm`, by the PDF's SHA-256 and the page: a page is
/// rendered once however many people view it at once (the others wait for the first), and
/// the last [`PAGES_KEPT`] stay.
#[derive(Default)]
pub struct PageCache {
    kept: Mutex<VecDeque<(String, u32, Rendering)>>,
}

/// Rendered pages kept; a page is 50–300 KB.
const PAGES_KEPT: usize = 64;

impl PageCache {
    fn page(&self, pdf: &[u8], page: u32) -> Result<Arc<Vec<u8>>, String> {
        let sha256 = sha256_hex(pdf);
        let page = page.max(1);
        let cell = {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            match kept.iter().position(|(s, p, _)| *s == sha256 && *p == page) {
                Some(at) => {
                    let entry = kept.remove(at).expect("position is in range");
                    let cell = entry.2.clone();
                    kept.push_back(entry);
                    cell
                }
                None => {
                    if kept.len() >= PAGES_KEPT {
                        kept.pop_front();
                    }
                    let cell = Arc::new(OnceLock::new());
                    kept.push_back((sha256, page, cell.clone()));
                    cell
                }
            }
        };
        cell.get_or_init(|| pdf_page_png(pdf, page).map(Arc::new))
            .clone()
    }
}

/// The part of the prepared picture of attachment `n` where `field` was read, with a margin,
/// as a PNG. The picture is prepared again as it was for OCR; when the preparation has changed
/// size since, the stored box is scaled to it.
pub fn crop(
    store: &CaseStore,
    case: &Case,
    n: usize,
    field: &str,
    cache: &PreparedCache,
) -> Result<Response, FileError> {
    let att = case.attachments.get(n).ok_or(FileError::NoAttachment(n))?;
    let no_crop = || FileError::NoCrop {
        n,
        field: field.to_string(),
    };
    let place = case
        .documents
        .iter()
        .find(|d| d.sha256 == att.sha256)
        .and_then(|d| d.sources.get(field))
        .and_then(|s| s.place)
        .ok_or_else(no_crop)?;
    let render = |message: String| FileError::Render {
        what: att.filename.clone(),
        message,
    };
    let picture = cache
        .get(&att.sha256, place.image, || {
            let bytes = store
                .blob(&att.sha256)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| "no stored bytes".to_string())?;
            crate::text::prepared_picture(&bytes, FileType::sniff(&bytes), place.image, place.turns)
                .map_err(|e| e.to_string())
        })
        .map_err(render)?;
    let part = crop_box(&place, picture.width(), picture.height()).ok_or_else(no_crop)?;
    let part = image::imageops::crop_imm(&*picture, part.left, part.top, part.width, part.height)
        .to_image();
    let mut png = Cursor::new(Vec::new());
    part.write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| render(e.to_string()))?;
    Ok(file_response(
        "image/png",
        format!(
            "inline; filename=\"{}-{}.png\"",
            header_filename(&att.filename),
            header_filename(field)
        ),
        png.into_inner(),
    ))
}

/// The part of a `width` × `height` prepared picture a field's crop shows: the place's box,
/// with a margin, within the picture. The case page sizes the crop with it before it loads.
pub fn crop_box(place: &Place, width: u32, height: u32) -> Option<Bbox> {
    let bbox = place.scaled_to(width, height);
    let margin = (bbox.height / 3).max(6);
    let left = bbox.left.saturating_sub(margin).min(width);
    let top = bbox.top.saturating_sub(margin).min(height);
    let right = (bbox.left + bbox.width + margin).min(width);
    let bottom = (bbox.top + bbox.height + margin).min(height);
    (right > left && bottom > top).then(|| Bbox {
        left,
        top,
        width: right - left,
        height: bottom - top,
    })
}

/// What the case page shows of one attachment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachmentView {
    /// The pictures it is shown as (a PDF's pages, up to `PAGES_SHOWN`), each with its size
    /// in pixels when known: the page keeps their room, so nothing moves as they load.
    pub pictures: Vec<Option<(u32, u32)>>,
    /// Non-empty lines of a PDF's text layer, trimmed, in reading order.
    pub lines: Vec<String>,
}

/// What the case page shows of each attachment, by index.
pub fn views(store: &CaseStore, case: &Case) -> Vec<AttachmentView> {
    case.attachments
        .iter()
        .map(|att| {
            if !viewable(&att.file_type) {
                return AttachmentView::default();
            }
            let Some(bytes) = store.blob(&att.sha256).ok().flatten() else {
                return AttachmentView {
                    pictures: vec![None],
                    lines: Vec::new(),
                };
            };
            if att.file_type != "pdf" {
                return AttachmentView {
                    pictures: vec![crate::text::image::seen_size(
                        &bytes,
                        FileType::sniff(&bytes),
                    )],
                    lines: Vec::new(),
                };
            }
            let mut pictures = lopdf::Document::load_mem(&bytes)
                .map(|doc| rendered_page_sizes(&doc))
                .unwrap_or_default();
            if pictures.is_empty() {
                pictures.push(None);
            }
            let lines = run_tool("pdftotext", &["-layout", "-", "-"], &bytes)
                .map(|out| {
                    String::from_utf8_lossy(&out)
                        .lines()
                        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                        .filter(|l| !l.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            AttachmentView { pictures, lines }
        })
        .collect()
}

/// The size `pdftoppm` renders each shown page at: the media box (the page tree's when the
/// page has none) at `PDF_DPI`, rounded up as `pdftoppm` does, turned by the page's /Rotate.
fn rendered_page_sizes(doc: &lopdf::Document) -> Vec<Option<(u32, u32)>> {
    doc.get_pages()
        .values()
        .take(PAGES_SHOWN)
        .map(|&page| {
            let corners = inherited(doc, page, b"MediaBox")?
                .as_array()
                .ok()?
                .iter()
                .map(|o| doc.dereference(o).ok()?.1.as_float().ok())
                .collect::<Option<Vec<f32>>>()?;
            let [x0, y0, x1, y1] = corners[..] else {
                return None;
            };
            let (w, h) = (rendered_pixels(x1 - x0)?, rendered_pixels(y1 - y0)?);
            let turns = inherited(doc, page, b"Rotate")
                .and_then(|o| o.as_i64().ok())
                .unwrap_or(0);
            Some(if turns.rem_euclid(180) == 90 {
                (h, w)
            } else {
                (w, h)
            })
        })
        .collect()
}

/// A length in points as `pdftoppm` renders it at `PDF_DPI`: rounded up.
fn rendered_pixels(points: f32) -> Option<u32> {
    let px = (points.abs() * PDF_DPI as f32 / 72.0).ceil();
    (px.is_finite() && (1.0..=20_000.0).contains(&px)).then_some(px as u32)
}

/// The size of a drafted letter's preview: its pages are A4.
pub fn letter_picture_size() -> Option<(u32, u32)> {
    Some((
        rendered_pixels(crate::letter::layout::PAGE_W)?,
        rendered_pixels(crate::letter::layout::PAGE_H)?,
    ))
}

/// A page attribute, looked up the page tree as PDF inheritance does.
fn inherited<'a>(
    doc: &'a lopdf::Document,
    page: lopdf::ObjectId,
    key: &[u8],
) -> Option<&'a lopdf::Object> {
    let mut node = doc.get_dictionary(page).ok()?;
    // A broken tree may loop; real ones are a few levels deep.
    for _ in 0..32 {
        if let Ok(value) = node.get_deref(key, doc) {
            return Some(value);
        }
        node = node.get_deref(b"Parent", doc).ok()?.as_dict().ok()?;
    }
    None
}

/// A web page waits for the tool; a sane PDF page renders in well under this.
const TOOL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

fn run_tool(tool: &str, args: &[&str], input: &[u8]) -> Result<Vec<u8>, String> {
    crate::text::tool::run(tool, args, input, TOOL_TIMEOUT).map_err(|e| e.to_string())
}

/// A filename safe inside a quoted header parameter.
fn header_filename(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "lampiran".into()
    } else {
        clean
    }
}

fn file_response(content_type: &str, disposition: String, body: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(ATTACHMENT_CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn bytes_of(store: &CaseStore, case: &Case, n: usize) -> Result<(String, Vec<u8>), FileError> {
    let att = case.attachments.get(n).ok_or(FileError::NoAttachment(n))?;
    let bytes = store
        .blob(&att.sha256)?
        .ok_or_else(|| FileError::Missing(att.filename.clone()))?;
    Ok((att.filename.clone(), bytes))
}

/// The attachment as a download, whatever it is.
pub fn download(store: &CaseStore, case: &Case, n: usize) -> Result<Response, FileError> {
    let (name, bytes) = bytes_of(store, case, n)?;
    Ok(file_response(
        "application/octet-stream",
        format!("attachment; filename=\"{}\"", header_filename(&name)),
        bytes,
    ))
}

/// Whether the case page shows this attachment as a picture.
pub fn viewable(file_type: &str) -> bool {
    matches!(
        file_type,
        "pdf" | "jpeg" | "png" | "gif" | "webp" | "tiff" | "bmp"
    )
}

/// The attachment as a raster image: images as they are (TIFF and BMP converted to PNG),
/// PDF page `page` (from 1) rendered to PNG. Anything else is refused.
pub fn picture(
    store: &CaseStore,
    case: &Case,
    n: usize,
    page: u32,
    pages: &PageCache,
) -> Result<Response, FileError> {
    let (name, bytes) = bytes_of(store, case, n)?;
    let inline = |ext: &str| format!("inline; filename=\"{}.{ext}\"", header_filename(&name));
    let render = |message: String| FileError::Render {
        what: name.clone(),
        message,
    };
    let (content_type, ext, body) = match FileType::sniff(&bytes) {
        FileType::Jpeg => ("image/jpeg", "jpg", bytes),
        FileType::Png => ("image/png", "png", bytes),
        FileType::Gif => ("image/gif", "gif", bytes),
        FileType::Webp => ("image/webp", "webp", bytes),
        kind @ (FileType::Tiff | FileType::Bmp) => {
            // Turned upright as for reading: a PNG carries no orientation of its own.
            let image =
                crate::text::image::decode(&bytes, kind).map_err(|e| render(e.to_string()))?;
            let mut png = Cursor::new(Vec::new());
            image
                .write_to(&mut png, image::ImageFormat::Png)
                .map_err(|e| render(e.to_string()))?;
            ("image/png", "png", png.into_inner())
        }
        FileType::Pdf => (
            "image/png",
            "png",
            pages.page(&bytes, page).map_err(render)?.to_vec(),
        ),
        _ => return Err(FileError::NotPicture(name)),
    };
    Ok(file_response(content_type, inline(ext), body))
}

/// Page `page` (from 1) of a PDF rendered to PNG by `pdftoppm`.
fn pdf_page_png(pdf: &[u8], page: u32) -> Result<Vec<u8>, String> {
    crate::text::pdf::page_png(pdf, page, PDF_DPI, false).map_err(|e| e.to_string())
}

/// A drafted letter file as a download, with the same headers as an attachment.
pub fn letter_download(name: &str, bytes: Vec<u8>) -> Response {
    file_response(
        "application/octet-stream",
        format!("attachment; filename=\"{}\"", header_filename(name)),
        bytes,
    )
}

/// The first page of a drafted letter PDF as a PNG, for the preview on the case page.
pub fn letter_picture(name: &str, pdf: &[u8], pages: &PageCache) -> Result<Response, FileError> {
    let png = pages.page(pdf, 1).map_err(|message| FileError::Render {
        what: name.to_string(),
        message,
    })?;
    Ok(file_response(
        "image/png",
        format!("inline; filename=\"{}.png\"", header_filename(name)),
        png.to_vec(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{Document, Object, dictionary};

    /// A page tree whose root holds the media box: a plain page, a page with its own box
    /// turned a quarter, and a page whose parent is itself and that has no box.
    fn tree() -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let pages = doc.new_object_id();
        let plain = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages });
        let turned = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(200.5), 400.into()],
            "Rotate" => 90,
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => vec![plain.into(), turned.into()],
                "Count" => 2,
                "MediaBox" => vec![0.into(), 0.into(), 300.into(), 200.into()],
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[test]
    fn page_sizes_are_what_pdftoppm_renders() {
        let pdf = tree();
        let sizes = rendered_page_sizes(&Document::load_mem(&pdf).unwrap());
        assert_eq!(sizes.len(), 2);
        for (page, size) in (1..).zip(&sizes) {
            let png = pdf_page_png(&pdf, page).unwrap();
            let rendered = image::load_from_memory(&png).unwrap();
            assert_eq!(
                *size,
                Some((rendered.width(), rendered.height())),
                "page {page}"
            );
        }
        assert_eq!(
            sizes[1],
            Some((612, 307)),
            "turned: 400 × 200.5 points at 110 dpi"
        );
    }

    #[test]
    fn a_page_tree_that_loops_without_a_box_has_no_size() {
        let mut doc = Document::with_version("1.5");
        let page = doc.new_object_id();
        doc.objects.insert(
            page,
            Object::Dictionary(dictionary! { "Type" => "Page", "Parent" => page }),
        );
        assert_eq!(inherited(&doc, page, b"MediaBox"), None);
    }

    #[test]
    fn the_crop_box_keeps_its_margin_inside_the_picture() {
        let place = Place {
            image: 0,
            turns: 0,
            bbox: Bbox {
                left: 4,
                top: 50,
                width: 100,
                height: 30,
            },
            image_width: 120,
            image_height: 400,
        };
        let margin = 10;
        assert_eq!(
            crop_box(&place, 120, 400),
            Some(Bbox {
                left: 0,
                top: 50 - margin,
                width: 4 + 100 + margin,
                height: 30 + 2 * margin,
            })
        );
        assert_eq!(
            crop_box(&place, 240, 800).map(|b| b.width),
            Some(8 + 200 + 20)
        );
        let outside = Place {
            bbox: Bbox {
                left: 130,
                ..place.bbox
            },
            ..place
        };
        assert_eq!(crop_box(&outside, 120, 400), None);
    }
}
