//! Attachments as the desk serves them: downloads always as files, pictures only as raster
//! images (PDF pages rendered by `pdftoppm`), never an HTML or SVG attachment inline; the
//! crop of the prepared picture a field was read from; and the text lines of PDF attachments,
//! shown beside the fields read from them.

use std::collections::VecDeque;
use std::io::{Cursor, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use image::GrayImage;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::case::Case;
use crate::case::store::{CaseError, CaseStore};
use crate::parse::FileType;

/// The CSP of an attachment: nothing in it may run or load anything.
const ATTACHMENT_CSP: &str = "default-src 'none'; sandbox";
/// Resolution of rendered PDF pages: readable on a laptop, small enough for a phone.
const PDF_DPI: &str = "110";

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
            crate::text::prepared_picture(&bytes, FileType::sniff(&bytes), place.image)
                .map_err(|e| e.to_string())
        })
        .map_err(render)?;
    let bbox = place.scaled_to(picture.width(), picture.height());
    let margin = (bbox.height / 3).max(6);
    let left = bbox.left.saturating_sub(margin).min(picture.width());
    let top = bbox.top.saturating_sub(margin).min(picture.height());
    let right = (bbox.left + bbox.width + margin).min(picture.width());
    let bottom = (bbox.top + bbox.height + margin).min(picture.height());
    if right <= left || bottom <= top {
        return Err(no_crop());
    }
    let part =
        image::imageops::crop_imm(&*picture, left, top, right - left, bottom - top).to_image();
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

/// Text of one PDF attachment, when it has a text layer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PdfText {
    pub pages: usize,
    /// Non-empty lines, trimmed, in reading order.
    pub lines: Vec<String>,
}

/// What the case page shows of each attachment, by index: pages and text lines for PDFs,
/// `None` for everything else.
pub fn text_lines(store: &CaseStore, case: &Case) -> Vec<Option<PdfText>> {
    case.attachments
        .iter()
        .map(|att| {
            if att.file_type != "pdf" {
                return None;
            }
            let bytes = store.blob(&att.sha256).ok().flatten()?;
            let pages = lopdf::Document::load_mem(&bytes)
                .map(|d| d.get_pages().len())
                .unwrap_or(1);
            let lines = run_tool("pdftotext", &["-layout", "-", "-"], &bytes)
                .map(|out| {
                    String::from_utf8_lossy(&out)
                        .lines()
                        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                        .filter(|l| !l.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            Some(PdfText { pages, lines })
        })
        .collect()
}

fn run_tool(tool: &str, args: &[&str], input: &[u8]) -> Result<Vec<u8>, String> {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{tool}: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = input.to_vec();
    // Written from another thread: a big PDF fills the pipe before the tool answers.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{tool}: {e}"))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(format!("{tool} exited with {}", out.status));
    }
    Ok(out.stdout)
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
pub fn picture(store: &CaseStore, case: &Case, n: usize, page: u32) -> Result<Response, FileError> {
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
        FileType::Tiff | FileType::Bmp => {
            let image = image::load_from_memory(&bytes).map_err(|e| render(e.to_string()))?;
            let mut png = Cursor::new(Vec::new());
            image
                .write_to(&mut png, image::ImageFormat::Png)
                .map_err(|e| render(e.to_string()))?;
            ("image/png", "png", png.into_inner())
        }
        FileType::Pdf => (
            "image/png",
            "png",
            pdf_page_png(&bytes, page).map_err(render)?,
        ),
        _ => return Err(FileError::NotPicture(name)),
    };
    Ok(file_response(content_type, inline(ext), body))
}

/// Page `page` (from 1) of a PDF rendered to PNG by `pdftoppm`.
fn pdf_page_png(pdf: &[u8], page: u32) -> Result<Vec<u8>, String> {
    let page = page.max(1).to_string();
    run_tool(
        "pdftoppm",
        &[
            "-png",
            "-r",
            PDF_DPI,
            "-f",
            &page,
            "-l",
            &page,
            "-singlefile",
            "-",
        ],
        pdf,
    )
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
pub fn letter_picture(name: &str, pdf: &[u8]) -> Result<Response, FileError> {
    let png = pdf_page_png(pdf, 1).map_err(|message| FileError::Render {
        what: name.to_string(),
        message,
    })?;
    Ok(file_response(
        "image/png",
        format!("inline; filename=\"{}.png\"", header_filename(name)),
        png,
    ))
}
