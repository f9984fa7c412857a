//! The OCR edge: a small trait the pipeline calls, and its tesseract implementation.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use image::GrayImage;
use tesseract::{PageSegMode, Tesseract};

/// Microseconds tesseract has spent reading since the process started, for `/metrics`.
static OCR_MICROS: AtomicU64 = AtomicU64::new(0);

/// Seconds tesseract has spent reading in this process.
pub fn ocr_seconds() -> f64 {
    OCR_MICROS.load(Ordering::Relaxed) as f64 / 1e6
}

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("tesseract could not start with language {lang:?}: {message}")]
    Init { lang: String, message: String },
    #[error("tesseract failed: {0}")]
    Engine(String),
}

/// How the image is laid out, which is also what tesseract is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcrMode {
    /// A block of text lines: a card, whose label and value columns must stay one line.
    Block,
    /// A page with headings, paragraphs and a signature block laid out around it.
    Page,
    /// One line of digits only (the NIK line).
    Digits,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OcrWord {
    pub text: String,
    /// 0.0 ..= 1.0
    pub conf: f32,
    /// left, top, width, height in the image given to OCR.
    pub bbox: (u32, u32, u32, u32),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct OcrLine {
    pub words: Vec<OcrWord>,
}

impl OcrLine {
    pub fn text(&self) -> String {
        self.words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn bbox(&self) -> (u32, u32, u32, u32) {
        let left = self.words.iter().map(|w| w.bbox.0).min().unwrap_or(0);
        let top = self.words.iter().map(|w| w.bbox.1).min().unwrap_or(0);
        let right = self
            .words
            .iter()
            .map(|w| w.bbox.0 + w.bbox.2)
            .max()
            .unwrap_or(0);
        let bottom = self
            .words
            .iter()
            .map(|w| w.bbox.1 + w.bbox.3)
            .max()
            .unwrap_or(0);
        (left, top, right - left, bottom - top)
    }
}

/// Anything that turns a grayscale image into lines of words with confidences.
/// Makes a fresh OCR engine, one per reading thread.
pub type OcrFactory = dyn Fn() -> Result<Box<dyn Ocr + Send>, OcrError> + Send + Sync;

pub trait Ocr {
    fn read(&mut self, image: &GrayImage, mode: OcrMode) -> Result<Vec<OcrLine>, OcrError>;

    /// Lets go of what the engine holds while it waits; the next read loads it again.
    fn release(&mut self) {}
}

/// Tesseract through its C API, loaded once and reused for every image.
pub struct TesseractOcr {
    lang: String,
    api: Option<Tesseract>,
}

impl TesseractOcr {
    pub fn new(lang: &str) -> Result<TesseractOcr, OcrError> {
        let api = Self::init(lang)?;
        Ok(TesseractOcr {
            lang: lang.to_string(),
            api: Some(api),
        })
    }

    /// An engine for occasional reads: loaded once here, so a missing language fails now, then
    /// let go until the first read. A loaded engine holds about 10 MB; the daemon's own engine
    /// reads only what its read-ahead engines could not, and is released after each mail.
    pub fn on_demand(lang: &str) -> Result<TesseractOcr, OcrError> {
        Self::init(lang)?;
        Ok(TesseractOcr {
            lang: lang.to_string(),
            api: None,
        })
    }

    fn init(lang: &str) -> Result<Tesseract, OcrError> {
        let api = Tesseract::new(None, Some(lang)).map_err(|e| OcrError::Init {
            lang: lang.to_string(),
            message: e.to_string(),
        })?;
        // Debug output of tesseract would otherwise go to stderr for every image.
        api.set_variable("debug_file", "/dev/null")
            .map_err(|e| OcrError::Engine(e.to_string()))
    }

    fn run(
        api: Tesseract,
        image: &GrayImage,
        mode: OcrMode,
    ) -> Result<(Tesseract, String), OcrError> {
        let engine = |e: &dyn std::fmt::Display| OcrError::Engine(e.to_string());
        let whitelist = match mode {
            OcrMode::Block | OcrMode::Page => "",
            OcrMode::Digits => "0123456789",
        };
        let mut api = api
            .set_variable("tessedit_char_whitelist", whitelist)
            .map_err(|e| engine(&e))?
            .set_frame(
                image.as_raw(),
                image.width() as i32,
                image.height() as i32,
                1,
                image.width() as i32,
            )
            .map_err(|e| engine(&e))?
            .set_source_resolution(300);
        api.set_page_seg_mode(match mode {
            OcrMode::Block => PageSegMode::PsmSingleBlock,
            OcrMode::Page => PageSegMode::PsmAuto,
            OcrMode::Digits => PageSegMode::PsmSingleLine,
        });
        let tsv = api.get_tsv_text(0).map_err(|e| engine(&e))?;
        Ok((api, tsv))
    }
}

impl Ocr for TesseractOcr {
    fn read(&mut self, image: &GrayImage, mode: OcrMode) -> Result<Vec<OcrLine>, OcrError> {
        if image.width() < 8 || image.height() < 8 {
            return Ok(Vec::new());
        }
        let api = match self.api.take() {
            Some(api) => api,
            None => Self::init(&self.lang)?,
        };
        // The bindings consume the handle on every call; a failed call loses it, and the next
        // call starts a fresh one.
        let started = Instant::now();
        let ran = Self::run(api, image, mode);
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        OCR_MICROS.fetch_add(micros, Ordering::Relaxed);
        let (api, tsv) = ran?;
        self.api = Some(api);
        Ok(parse_tsv(&tsv))
    }

    fn release(&mut self) {
        self.api = None;
    }
}

/// Tesseract's TSV: one row per element; level 5 rows are words, grouped into lines by
/// (block, paragraph, line).
pub fn parse_tsv(tsv: &str) -> Vec<OcrLine> {
    let mut lines: Vec<((u32, u32, u32), OcrLine)> = Vec::new();
    for row in tsv.lines() {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let num = |i: usize| cols[i].trim().parse::<i64>().unwrap_or(0).max(0) as u32;
        let text = cols[11].trim();
        if text.is_empty() {
            continue;
        }
        let conf = cols[10]
            .trim()
            .parse::<f32>()
            .unwrap_or(0.0)
            .clamp(0.0, 100.0)
            / 100.0;
        let key = (num(2), num(3), num(4));
        let word = OcrWord {
            text: text.to_string(),
            conf,
            bbox: (num(6), num(7), num(8), num(9)),
        };
        match lines.last_mut() {
            Some((k, line)) if *k == key => line.words.push(word),
            _ => lines.push((key, OcrLine { words: vec![word] })),
        }
    }
    lines.into_iter().map(|(_, line)| line).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_group_into_lines() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t96.5\tNIK\n\
                   5\t1\t1\t1\t1\t2\t50\t20\t5\t12\t90\t:\n\
                   5\t1\t1\t1\t2\t1\t10\t40\t60\t12\t71\tNama\n\
                   4\t1\t1\t1\t3\t0\t0\t0\t0\t0\t-1\t\n";
        let lines = parse_tsv(tsv);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text(), "NIK :");
        assert!((lines[0].words[0].conf - 0.965).abs() < 1e-6);
        assert_eq!(lines[0].bbox(), (10, 20, 45, 12));
        assert_eq!(lines[1].text(), "Nama");
    }
}
