//! PDFs: the text layer when there is one, the embedded page images when it is a scan; bounded
//! so a hostile PDF cannot take the memory.

use image::{DynamicImage, GrayImage, RgbImage};
use lopdf::Document;

use super::image::{ImageError, decode};
use crate::parse::FileType;

/// Applications are a few pages; a longer PDF is read only this far.
const MAX_PAGES: usize = 12;
const MAX_IMAGES: usize = 6;
/// Per page content stream after decompression: real pages are well under 1 MB.
const MAX_PAGE_CONTENT: usize = 16 * 1024 * 1024;
/// A raw (Flate) page image: an A4 scan at 300 dpi in RGB is ~26 MB.
const MAX_RAW_IMAGE: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PdfError {
    #[error("pdf is encrypted")]
    Encrypted,
    #[error("pdf cannot be parsed: {0}")]
    Broken(String),
    #[error("pdf content exceeds the size limit")]
    TooLarge,
}

pub struct PdfContent {
    /// The text layer, trimmed; empty for a scan.
    pub text: String,
    /// Page images a scan is made of, largest first.
    pub images: Vec<DynamicImage>,
    pub pages: usize,
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
    let pages = doc.get_pages();
    let numbers: Vec<u32> = pages.keys().copied().take(MAX_PAGES).collect();
    let mut text = String::new();
    for chunk in doc.extract_text_chunks_with_limit(&numbers, MAX_PAGE_CONTENT) {
        match chunk {
            Ok(t) => text.push_str(&t),
            Err(lopdf::Error::Decompress(_)) => return Err(PdfError::TooLarge),
            Err(_) => {}
        }
    }
    let text = text.trim().to_string();
    let mut images = Vec::new();
    for page_id in pages.values().take(MAX_PAGES) {
        let Ok(page_images) = doc.get_page_images(*page_id) else {
            continue;
        };
        for img in page_images {
            if images.len() >= MAX_IMAGES {
                break;
            }
            match page_image(&img) {
                Ok(Some(decoded)) => images.push(decoded),
                Ok(None) => {}
                Err(ImageError::TooLarge { .. }) => return Err(PdfError::TooLarge),
                Err(_) => {}
            }
        }
    }
    images.sort_by_key(|i| std::cmp::Reverse(i.width() as u64 * i.height() as u64));
    Ok(PdfContent {
        text,
        images,
        pages: pages.len(),
    })
}

/// Decodes the image formats scanners and phones put in PDFs: JPEG as is, and Flate-compressed
/// 8-bit gray or RGB. Others (JPEG 2000, CCITT fax) are skipped.
fn page_image(img: &lopdf::xobject::PdfImage<'_>) -> Result<Option<DynamicImage>, ImageError> {
    let filters = img.filters.clone().unwrap_or_default();
    let (w, h) = (img.width.max(0) as u32, img.height.max(0) as u32);
    // Icons and logos are not documents.
    if w < 64 || h < 64 {
        return Ok(None);
    }
    match filters.as_slice() {
        [f] if f == "DCTDecode" => decode(img.content, FileType::Jpeg).map(Some),
        [f] if f == "FlateDecode" => {
            let channels = match img.color_space.as_deref() {
                Some("DeviceGray") => 1,
                Some("DeviceRGB") => 3,
                _ => return Ok(None),
            };
            if img.bits_per_component != Some(8) {
                return Ok(None);
            }
            let expected = w as usize * h as usize * channels;
            if expected > MAX_RAW_IMAGE {
                return Err(ImageError::TooLarge {
                    width: w,
                    height: h,
                });
            }
            let stream = lopdf::Stream::new(img.origin_dict.clone(), img.content.to_vec());
            let raw = stream
                .decompressed_content_with_limit(expected)
                .map_err(|e| ImageError::Broken(e.to_string()))?;
            if raw.len() < expected {
                return Ok(None);
            }
            let raw = raw[..expected].to_vec();
            Ok(match channels {
                1 => GrayImage::from_raw(w, h, raw).map(DynamicImage::ImageLuma8),
                _ => RgbImage::from_raw(w, h, raw).map(DynamicImage::ImageRgb8),
            })
        }
        _ => Ok(None),
    }
}

/// Whether the text layer says something (a scan often carries an empty or junk layer).
pub fn has_meaningful_text(text: &str) -> bool {
    text.chars().filter(|c| c.is_alphanumeric()).count() >= 40
}
