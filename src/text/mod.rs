//! Stage 4: text from an attachment — a PDF's text layer, or OCR of images and scanned pages
//! after the card or page has been found and straightened.

pub mod docx;
pub mod image;
pub mod ocr;
pub mod pdf;
pub mod tool;

use ::image::{DynamicImage, GrayImage, Luma};
use serde::{Deserialize, Serialize};

use self::image::{ImageError, Prepared, Shape, decode, full_size_crop, prepare, without_photo};
use self::ocr::{Ocr, OcrError, OcrLine, OcrMode};
use self::pdf::PdfError;
use crate::applicant::Nik;
use crate::parse::{Attachment, FileType};

/// Scanned pages OCR'd from one PDF; application scans are one or two pages.
const MAX_OCR_IMAGES: usize = 3;
/// Words of one value sit a space apart; the card's columns, three letter heights and more.
const WIDE_GAP_HEIGHTS: u32 = 3;
/// Below this the card's reading of the NIK is read a third time, enlarged, for a surer one.
/// The default rules take a NIK read at 0.85 or more as certain; above that a surer reading
/// would change nothing and cost a read on most cards.
const SURE_NIK: f32 = 0.85;
/// A card's reading that finds this many of its printed labels is the right way up.
const CARD_LABELS_SURE: usize = 4;
/// A page whose reading holds the card's number and this many of its labels may show a card
/// (a photocopy's small labels may all be lost on the page); the crop must then read as a card.
const CARD_LABELS_ON_PAGE: usize = 1;
/// A card found on a page is enlarged to about this width before it is read as a card.
const CARD_READ_WIDTH: u32 = 1150;
/// Line heights between two lines of one card read on a page: a page read loses the card's
/// small labels and some values with them, four lines running.
const CARD_LINE_GAP: u32 = 6;
/// Below this the card's name line is read again on its own.
const UNSURE_NAME: f32 = 0.5;
/// White around a line cut from the card, in pixels.
const MARGIN: u32 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    PdfText,
    Ocr,
    PlainText,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    /// 0.0 ..= 1.0: the least confident word for OCR, 1.0 for a text layer.
    pub conf: f32,
    /// Where OCR found the line; a text layer has no picture to point into.
    pub place: Option<Place>,
}

impl Line {
    /// A line of a text layer (or typed by hand): fully confident, nowhere on a picture.
    pub fn text_only(text: impl Into<String>, conf: f32) -> Line {
        Line {
            text: text.into(),
            conf,
            place: None,
        }
    }
}

/// A rectangle in pixels of the prepared image tesseract saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bbox {
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

impl Bbox {
    fn from_tuple((left, top, width, height): (u32, u32, u32, u32)) -> Bbox {
        Bbox {
            left,
            top,
            width,
            height,
        }
    }

    /// The smallest box holding both.
    pub fn union(self, other: Bbox) -> Bbox {
        let left = self.left.min(other.left);
        let top = self.top.min(other.top);
        let right = (self.left + self.width).max(other.left + other.width);
        let bottom = (self.top + self.height).max(other.top + other.height);
        Bbox {
            left,
            top,
            width: right - left,
            height: bottom - top,
        }
    }
}

/// Where on which picture a line was read. The prepared image's size is kept with the box:
/// the preparation may change between the reading and a later crop, and the box is then
/// scaled to the new size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// 0 for an image file; the index of the embedded image for a scanned PDF.
    pub image: usize,
    /// Quarter turns clockwise the prepared picture was given after preparation
    /// (2: a card found upside down).
    #[serde(default)]
    pub turns: u8,
    pub bbox: Bbox,
    pub image_width: u32,
    pub image_height: u32,
}

impl Place {
    /// Both places as one, when they are on the same picture.
    pub fn union(self, other: Place) -> Option<Place> {
        (self.image == other.image
            && self.turns == other.turns
            && (self.image_width, self.image_height) == (other.image_width, other.image_height))
            .then(|| Place {
                bbox: self.bbox.union(other.bbox),
                ..self
            })
    }

    /// The box in an image of `width` × `height` prepared from the same picture.
    pub fn scaled_to(&self, width: u32, height: u32) -> Bbox {
        if (width, height) == (self.image_width, self.image_height)
            || self.image_width == 0
            || self.image_height == 0
        {
            return self.bbox;
        }
        let sx = |v: u32| (u64::from(v) * u64::from(width) / u64::from(self.image_width)) as u32;
        let sy = |v: u32| (u64::from(v) * u64::from(height) / u64::from(self.image_height)) as u32;
        Bbox {
            left: sx(self.bbox.left),
            top: sy(self.bbox.top),
            width: sx(self.bbox.width).max(1),
            height: sy(self.bbox.height).max(1),
        }
    }
}

/// The NIK line read again on its own. Tesseract gives no usable confidence for a reading
/// restricted to digits (it reports 0), so these readings only vote.
#[derive(Debug, Clone, PartialEq)]
pub struct DigitsRead {
    /// The line's crop read as digits only.
    pub digits: String,
    /// The crop enlarged and read a third time with the full alphabet, made only when `digits`
    /// disagrees with the card's line, or the card's reading of the number is unsure: the
    /// deciding vote. On scanned cards the digits-only model reads this font's 7 as 1 again
    /// and again, whatever the crop or scale; the full model on the lone, enlarged line does
    /// not, and it is often surer of the number than the reading of the whole card.
    pub enlarged: Option<Enlarged>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Enlarged {
    pub digits: String,
    /// 0.0 ..= 1.0, the least confident word holding digits.
    pub conf: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReadText {
    pub source: Source,
    pub lines: Vec<Line>,
    pub shape: Option<Shape>,
    pub nik_digits: Option<DigitsRead>,
}

impl ReadText {
    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn from_plain(text: &str, source: Source) -> ReadText {
        ReadText {
            source,
            lines: join_separators(text.lines().map(str::trim).filter(|l| !l.is_empty()))
                .into_iter()
                .map(|text| Line::text_only(text, 1.0))
                .collect(),
            shape: None,
            nik_digits: None,
        }
    }
}

/// A PDF made by a word processor places "Nama", ":" and the value as separate runs, which
/// come out as three lines; they are one labelled line again.
fn join_separators<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut lines = lines.peekable();
    while let Some(line) = lines.next() {
        if line == ":"
            && let Some(label) = out.pop()
        {
            let value = lines.next().unwrap_or_default();
            out.push(format!("{label} : {value}").trim_end().to_string());
        } else {
            out.push(line.to_string());
        }
    }
    out
}

/// Why a document could not be read; shown to people, so each has an Indonesian explanation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum Unreadable {
    #[error("format {0:?} is not supported")]
    Format(FileType),
    #[error("pdf is encrypted")]
    Encrypted,
    #[error("file is broken: {0}")]
    Broken(String),
    #[error("file is too large to read safely")]
    TooLarge,
    #[error("no legible text")]
    NoText,
}

impl Unreadable {
    pub fn keterangan(&self) -> String {
        match self {
            Unreadable::Format(t) => format!(
                "format berkas {} tidak dapat dibaca; mohon kirim ulang sebagai JPG, PNG atau PDF",
                format_name(*t)
            ),
            Unreadable::Encrypted => {
                "PDF dikunci kata sandi; mohon kirim ulang tanpa kata sandi".to_string()
            }
            Unreadable::Broken(_) => "berkas rusak dan tidak dapat dibuka".to_string(),
            Unreadable::TooLarge => "berkas terlalu besar untuk dibaca dengan aman".to_string(),
            Unreadable::NoText => {
                "tulisan pada berkas tidak terbaca (buram, gelap, atau terpotong); mohon kirim foto/pindaian yang lebih jelas".to_string()
            }
        }
    }
}

fn format_name(t: FileType) -> &'static str {
    match t {
        FileType::Heic => "HEIC (foto iPhone)",
        FileType::Zip => "ZIP/DOCX",
        FileType::Ole => "DOC/MSG",
        FileType::Tnef => "winmail.dat",
        FileType::Html => "HTML",
        FileType::Tiff => "TIFF",
        _ => "ini",
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("unreadable: {0}")]
    Unreadable(#[from] Unreadable),
    #[error(transparent)]
    Ocr(#[from] OcrError),
}

pub fn read_attachment(att: &Attachment, ocr: &mut dyn Ocr) -> Result<ReadText, ReadError> {
    read_bytes(&att.data, att.file_type, ocr)
}

pub fn read_bytes(
    data: &[u8],
    file_type: FileType,
    ocr: &mut dyn Ocr,
) -> Result<ReadText, ReadError> {
    match file_type {
        FileType::Pdf => read_pdf(data, ocr),
        FileType::Text => Ok(ReadText::from_plain(
            &String::from_utf8_lossy(data),
            Source::PlainText,
        )),
        t if t.is_image() => {
            let img = decode(data, t).map_err(image_unreadable)?;
            read_image(&img, ocr)
        }
        FileType::Zip => read_docx(data, ocr),
        other => Err(Unreadable::Format(other).into()),
    }
}

/// A Word document: its typed text when it has some (an SK typed in Word), else its pasted
/// pictures read as scans are.
fn read_docx(data: &[u8], ocr: &mut dyn Ocr) -> Result<ReadText, ReadError> {
    let content = docx::read(data).map_err(docx_unreadable)?;
    if pdf::has_meaningful_text(&content.text) {
        return Ok(ReadText::from_plain(&content.text, Source::PlainText));
    }
    let pictures: Vec<DynamicImage> = content
        .pictures
        .iter()
        .filter_map(|(bytes, kind)| decode(bytes, *kind).ok())
        .collect();
    read_pictures(&pictures.iter().collect::<Vec<_>>(), ocr)
}

fn docx_unreadable(e: docx::DocxError) -> Unreadable {
    match e {
        docx::DocxError::NotDocx => Unreadable::Format(FileType::Zip),
        docx::DocxError::Broken(m) => Unreadable::Broken(m),
        docx::DocxError::TooLarge => Unreadable::TooLarge,
    }
}

fn image_unreadable(e: ImageError) -> Unreadable {
    match e {
        ImageError::Unsupported(t) => Unreadable::Format(t),
        ImageError::TooLarge { .. } => Unreadable::TooLarge,
        ImageError::Broken(m) => Unreadable::Broken(m),
    }
}

fn read_pdf(data: &[u8], ocr: &mut dyn Ocr) -> Result<ReadText, ReadError> {
    let content = pdf::read(data).map_err(|e| match e {
        PdfError::Encrypted => Unreadable::Encrypted,
        PdfError::Broken(m) => Unreadable::Broken(m),
        PdfError::TooLarge => Unreadable::TooLarge,
    })?;
    let text = content.text();
    let pictures: Vec<&DynamicImage> = content.pictures().collect();
    let scanned = match read_pictures(&pictures, ocr) {
        Ok(read) => Some(read),
        Err(ReadError::Unreadable(_)) => None,
        Err(e) => return Err(e),
    };
    match (pdf::has_meaningful_text(&text), scanned) {
        (false, Some(read)) => Ok(read),
        (false, None) => Err(ReadError::Unreadable(Unreadable::NoText)),
        (true, None) => Ok(ReadText::from_plain(&text, Source::PdfText)),
        // A typed cover letter with the KTP scanned behind it: both are the attachment's.
        (true, Some(read)) => {
            let mut typed = ReadText::from_plain(&text, Source::PdfText);
            typed.lines.extend(read.lines);
            typed.shape = read.shape;
            typed.nik_digits = read.nik_digits;
            Ok(typed)
        }
    }
}

/// The pictures of one attachment (a PDF's scanned pages, a DOCX's pasted photos) read one
/// by one, their lines merged; the first NIK re-read found is kept.
fn read_pictures(images: &[&DynamicImage], ocr: &mut dyn Ocr) -> Result<ReadText, ReadError> {
    let mut merged: Option<ReadText> = None;
    for (index, img) in images.iter().enumerate().take(MAX_OCR_IMAGES) {
        let read = match read_image_at(img, index, ocr) {
            Ok(read) => read,
            Err(ReadError::Unreadable(_)) => continue,
            Err(e) => return Err(e),
        };
        match merged.as_mut() {
            None => merged = Some(read),
            Some(m) => {
                m.lines.extend(read.lines);
                m.nik_digits = m.nik_digits.take().or(read.nik_digits);
            }
        }
    }
    merged.ok_or(ReadError::Unreadable(Unreadable::NoText))
}

/// The prepared picture number `image` of an attachment (see [`Place::image`]), made again
/// the way [`read_bytes`] made it for OCR (turned as the reading turned it), so that a stored
/// [`Place`] points into it.
pub fn prepared_picture(
    data: &[u8],
    file_type: FileType,
    image: usize,
    turns: u8,
) -> Result<GrayImage, Unreadable> {
    let img = match file_type {
        FileType::Pdf => pdf::read(data)
            .map_err(|e| Unreadable::Broken(e.to_string()))?
            .pictures()
            .nth(image)
            .cloned()
            .ok_or(Unreadable::NoText)?,
        FileType::Zip => {
            let content = docx::read(data).map_err(docx_unreadable)?;
            let (bytes, kind) = content.pictures.get(image).ok_or(Unreadable::NoText)?;
            decode(bytes, *kind).map_err(image_unreadable)?
        }
        t if t.is_image() && image == 0 => decode(data, t).map_err(image_unreadable)?,
        other => return Err(Unreadable::Format(other)),
    };
    let gray = prepare(&img).gray;
    Ok(match turns % 4 {
        1 => ::image::imageops::rotate90(&gray),
        2 => ::image::imageops::rotate180(&gray),
        3 => ::image::imageops::rotate270(&gray),
        _ => gray,
    })
}

pub fn read_image(img: &DynamicImage, ocr: &mut dyn Ocr) -> Result<ReadText, ReadError> {
    read_image_at(img, 0, ocr)
}

/// [`read_image`] of the attachment's picture number `image` (see [`Place::image`]).
fn read_image_at(
    img: &DynamicImage,
    image: usize,
    ocr: &mut dyn Ocr,
) -> Result<ReadText, ReadError> {
    let mut prepared = prepare(img);
    let mut turns = 0;
    // Where the lines' boxes sit on the prepared picture: a card found on a page by its text
    // is read from its crop, enlarged, and its boxes are put back onto the page.
    let mut crop_at: Option<(Bbox, f32)> = None;
    let mut shape = prepared.shape;
    let page_size = (prepared.gray.width(), prepared.gray.height());
    let (ocr_lines, nik_digits) = match prepared.shape {
        Shape::Card => {
            let (lines, digits, t) = read_card(&mut prepared, true, ocr)?;
            turns = t;
            (lines, digits)
        }
        Shape::Page => {
            let lines = ocr.read(&prepared.gray, OcrMode::Page)?;
            match card_on_page(&lines, page_size) {
                Some(area) => {
                    let (crop, scale) = full_size_crop(
                        img,
                        &prepared,
                        (area.left, area.top, area.width, area.height),
                    )
                    .unwrap_or_else(|| {
                        let crop = ::image::imageops::crop_imm(
                            &prepared.gray,
                            area.left,
                            area.top,
                            area.width,
                            area.height,
                        );
                        (crop.to_image(), 1.0)
                    });
                    let k = (CARD_READ_WIDTH as f32 / crop.width() as f32).min(3.0);
                    let scaled = ::image::imageops::resize(
                        &crop,
                        (crop.width() as f32 * k) as u32,
                        (crop.height() as f32 * k) as u32,
                        ::image::imageops::FilterType::CatmullRom,
                    );
                    // Page pixels to the card's: the crop's scale, then the enlargement.
                    let k = k * scale;
                    let (cw, ch) = (scaled.width() as f32, scaled.height() as f32);
                    let mut card = Prepared {
                        quad: [(0.0, 0.0), (cw, 0.0), (cw, ch), (0.0, ch)],
                        gray: scaled,
                        shape: Shape::Card,
                        outlined: true,
                    };
                    let (card_lines, digits, _) = read_card(&mut card, false, ocr)?;
                    // Kept unless the page read as more of a card than the crop: read alone, at
                    // the original's resolution, the card gets its NIK and name read again.
                    if card_labels(&card_lines) >= card_labels(&lines) {
                        shape = Shape::Card;
                        crop_at = Some((area, k));
                        (card_lines, digits)
                    } else {
                        (lines, None)
                    }
                }
                None => (lines, None),
            }
        }
    };
    let (width, height) = match crop_at {
        None => (prepared.gray.width(), prepared.gray.height()),
        Some(_) => page_size,
    };
    let from_crop = |b: Bbox| match crop_at {
        None => b,
        Some((area, k)) => Bbox {
            left: area.left + (b.left as f32 / k) as u32,
            top: area.top + (b.top as f32 / k) as u32,
            width: (b.width as f32 / k) as u32,
            height: (b.height as f32 / k) as u32,
        },
    };
    let lines: Vec<Line> = ocr_lines
        .iter()
        .map(|l| Line {
            text: l.text(),
            conf: word_confidence(l.words.iter()),
            place: Some(Place {
                image,
                turns,
                bbox: from_crop(Bbox::from_tuple(l.bbox())),
                image_width: width,
                image_height: height,
            }),
        })
        .collect();
    let legible: usize = lines
        .iter()
        .filter(|l| l.conf >= 0.5)
        .map(|l| l.text.chars().filter(|c| c.is_alphanumeric()).count())
        .sum();
    if legible < 12 {
        return Err(Unreadable::NoText.into());
    }
    Ok(ReadText {
        source: Source::Ocr,
        lines,
        shape: Some(shape),
        nik_digits,
    })
}

/// A card prepared for reading, read: its lines in block mode, the name and NIK lines again
/// where unsure, and (with `may_turn`) turned over when upside down. Returns the quarter turns
/// given to `prepared.gray`.
fn read_card(
    prepared: &mut Prepared,
    may_turn: bool,
    ocr: &mut dyn Ocr,
) -> Result<(Vec<OcrLine>, Option<DigitsRead>, u8), OcrError> {
    let mut read = |gray: &GrayImage| -> Result<Vec<OcrLine>, OcrError> {
        Ok(ocr
            .read(&without_photo(gray), OcrMode::Block)?
            .into_iter()
            .flat_map(card_lines)
            .collect())
    };
    let mut lines = read(&prepared.gray)?;
    let mut turns = 0;
    // A card upside down (or turned the other way than `prepare` guessed) reads as noise;
    // turned over, its labels appear. Only a weak reading pays for the retry.
    if may_turn && card_labels(&lines) < CARD_LABELS_SURE {
        let over = ::image::imageops::rotate180(&prepared.gray);
        let again = read(&over)?;
        if card_labels(&again) > card_labels(&lines) {
            lines = again;
            prepared.gray = over;
            turns = 2;
        }
    }
    reread_name(prepared, &mut lines, ocr)?;
    let digits = reread_nik(prepared, &lines, ocr)?;
    Ok((lines, digits, turns))
}

/// The box of a KTP on a page, found by the card's own print when its edge was not (a
/// bilevel photocopy loses the card's pale ground): the block of lines that begins with its
/// header or NIK line, each line within [`CARD_LINE_GAP`] line heights of the one above, to
/// the card's proportions.
/// Only a page showing the NIK and most of the card's labels has one; a decree names a few.
fn card_on_page(lines: &[OcrLine], (w, h): (u32, u32)) -> Option<Bbox> {
    let upper = |l: &OcrLine| l.text().to_uppercase();
    // The card's number, by its label or by its sixteen digits where the label was lost.
    let nik_line = |l: &OcrLine| {
        let digits: String = l.text().chars().filter(char::is_ascii_digit).collect();
        upper(l).contains("NIK") || digits.len() == 16
    };
    if card_labels(lines) < CARD_LABELS_ON_PAGE || !lines.iter().any(nik_line) {
        return None;
    }
    let mut boxes: Vec<(Bbox, bool)> = lines
        .iter()
        .filter(|l| !l.words.is_empty())
        .map(|l| {
            let u = upper(l);
            (
                Bbox::from_tuple(l.bbox()),
                u.contains("PROVINSI") || u.contains("NIK"),
            )
        })
        .collect();
    boxes.sort_by_key(|(b, _)| b.top);
    let start = boxes.iter().position(|(_, head)| *head)?;
    let mut heights: Vec<u32> = boxes.iter().map(|(b, _)| b.height).collect();
    heights.sort_unstable();
    let line_height = heights[heights.len() / 2].max(8);
    let mut area = boxes[start].0;
    for (b, _) in &boxes[start + 1..] {
        if b.top > area.top + area.height + CARD_LINE_GAP * line_height {
            break;
        }
        area = area.union(*b);
    }
    // The photo and the issue place sit right of the print; the margin keeps the edges' letters.
    let margin = line_height;
    let right = (area.left + area.width + margin * 6).min(w);
    // The labels' column, printed small, may not have been read on the page at all. The
    // header is printed across the card's middle, so the card reaches as far left of it as
    // the print does right of it.
    let header_middle = lines
        .iter()
        .find(|l| upper(l).contains("PROVINSI"))
        .map(|l| l.bbox())
        .map(|(left, _, width, _)| left + width / 2);
    let left = area
        .left
        .saturating_sub(margin + area.width / 3)
        .min(header_middle.map_or(u32::MAX, |middle| (2 * middle).saturating_sub(right)));
    let top = area.top.saturating_sub(margin);
    // Lines the page reading lost break the run of lines early; the card reaches down as far
    // as its proportions say.
    let card_height = ((right - left) as f32 / image::CARD_ASPECT) as u32;
    let bottom = (area.top + area.height + margin)
        .max(top + card_height)
        .min(h);
    (right > left + 64 && bottom > top + 64).then(|| Bbox {
        left,
        top,
        width: right - left,
        height: bottom - top,
    })
}

/// How many of the card's printed labels a reading found: the upright card shows a dozen.
fn card_labels(lines: &[OcrLine]) -> usize {
    const LABELS: [&str; 12] = [
        "PROVINSI",
        "NIK",
        "NAMA",
        "LAHIR",
        "KELAMIN",
        "ALAMAT",
        "AGAMA",
        "PERKAWINAN",
        "PEKERJAAN",
        "KEWARGANEGARAAN",
        "BERLAKU",
        "KECAMATAN",
    ];
    let text = lines
        .iter()
        .map(|l| l.text().to_uppercase())
        .collect::<Vec<_>>()
        .join(" ");
    LABELS.iter().filter(|label| text.contains(*label)).count()
}

/// A card's line as its label and value, cut loose from the marks around it. Specks at the
/// card's edge read as "-" or "|" before the label ("- NIK :7502..."), and none is printed
/// there. On the right the photo sits beside the values, and tesseract strings what it makes
/// of the photo's edge onto the value's line ("YUSUF FAJAR NUSI ta"). A value never holds a
/// gap of several letter heights, so once the value has begun such a gap ends the line and
/// what follows is a line of its own. The value begins after the ':' or, where OCR lost the
/// ':', after the wide gap between the label and its value.
fn card_lines(mut line: OcrLine) -> Vec<OcrLine> {
    let marks = line
        .words
        .iter()
        .take_while(|w| !w.text.chars().any(char::is_alphanumeric))
        .count();
    line.words.drain(..marks);
    let mut heights: Vec<u32> = line.words.iter().map(|w| w.bbox.3).collect();
    heights.sort_unstable();
    let Some(median) = heights.get(heights.len() / 2) else {
        return Vec::new();
    };
    let widest_gap = median * WIDE_GAP_HEIGHTS;
    let gap_before = |i: usize| {
        let (left, right) = (&line.words[i - 1].bbox, &line.words[i].bbox);
        right.0.saturating_sub(left.0 + left.2)
    };
    let value_start = match line.words.iter().position(|w| w.text.contains(':')) {
        Some(c) if line.words[c].text.chars().any(char::is_alphanumeric) => Some(c),
        Some(c) => Some(c + 1),
        None => (1..line.words.len()).find(|&i| gap_before(i) > widest_gap),
    };
    let Some(value_start) = value_start else {
        return vec![line];
    };
    let cuts: Vec<usize> = (value_start + 1..line.words.len())
        .filter(|&i| gap_before(i) > widest_gap)
        .collect();
    let mut lines = vec![OcrLine::default()];
    for (i, word) in line.words.into_iter().enumerate() {
        if cuts.contains(&i) {
            lines.push(OcrLine::default());
        }
        lines
            .last_mut()
            .expect("starts with one line")
            .words
            .push(word);
    }
    lines
}

/// The least confident real word: specks and lone punctuation, which tesseract rightly doubts,
/// do not make a clearly read line doubtful.
fn word_confidence<'a>(words: impl Iterator<Item = &'a ocr::OcrWord>) -> f32 {
    words
        .filter(|w| w.text.chars().filter(|c| c.is_alphanumeric()).count() >= 2)
        .map(|w| w.conf)
        .fold(None, |acc: Option<f32>, c| {
            Some(acc.map_or(c, |a| a.min(c)))
        })
        .unwrap_or(0.0)
}

/// The name is compared letter by letter with the body and the SK, and tesseract reading the
/// whole card now and then gives up on one of its words ("RAMADHAN!" at 0%, where the line
/// read on its own says "RAMADHANI" at 90%). An unsure name line is read again from a crop
/// tight around it, and the surer of the two readings stands.
fn reread_name(
    prepared: &Prepared,
    lines: &mut [OcrLine],
    ocr: &mut dyn Ocr,
) -> Result<(), OcrError> {
    let is_name_line = |l: &OcrLine| {
        l.words
            .first()
            .is_some_and(|w| w.text.trim_end_matches(':').eq_ignore_ascii_case("nama"))
    };
    let Some(line) = lines.iter_mut().find(|l| is_name_line(l)) else {
        return Ok(());
    };
    let before = word_confidence(line.words.iter());
    if before >= UNSURE_NAME {
        return Ok(());
    }
    let gray = &prepared.gray;
    let (left, top, width, height) = line.bbox();
    // Lines on a card are close: a quarter of a line's height above and below keeps the
    // neighbours out.
    let left = left.saturating_sub(height);
    let top = top.saturating_sub(height / 4);
    let Some(crop) = crop_line(
        gray,
        (left, top),
        (left + width + 2 * height, top + height + height / 2),
    ) else {
        return Ok(());
    };
    let again = ocr
        .read(&padded(&crop), OcrMode::Block)?
        .into_iter()
        .flat_map(card_lines)
        .find(is_name_line);
    if let Some(again) = again
        && word_confidence(again.words.iter()) > before
    {
        line.words = again
            .words
            .into_iter()
            .map(|mut w| {
                w.bbox.0 = (w.bbox.0 + left).saturating_sub(MARGIN);
                w.bbox.1 = (w.bbox.1 + top).saturating_sub(MARGIN);
                w
            })
            .collect();
    }
    Ok(())
}

/// Reads the digits to the right of the "NIK" label again with a digits-only alphabet: a
/// second, independent reading that has to agree with the first before a NIK is trusted.
fn reread_nik(
    prepared: &Prepared,
    lines: &[OcrLine],
    ocr: &mut dyn Ocr,
) -> Result<Option<DigitsRead>, OcrError> {
    // By its label, else (the label misread) by the card's one long number.
    let Some((line, skip)) = lines
        .iter()
        .find(|l| l.words.first().is_some_and(|w| is_nik_label(&w.text)))
        .map(|l| (l, 1))
        .or_else(|| {
            lines.iter().find_map(|l| {
                let at = l.words.iter().position(|w| is_nik_number(&w.text))?;
                Some((l, at))
            })
        })
    else {
        return Ok(None);
    };
    // The number is the run of words holding digits after the label; the crop ends where it
    // ends, so nothing printed further right (the photo, a stamp) is read as digits.
    let number: Vec<_> = line
        .words
        .iter()
        .skip(skip)
        .skip_while(|w| !w.text.chars().any(|c| c.is_ascii_digit()))
        .take_while(|w| w.text.chars().any(|c| c.is_ascii_digit()))
        .collect();
    let (Some(first), Some(last)) = (number.first(), number.last()) else {
        return Ok(None);
    };
    let (_, top, _, height) = line.bbox();
    let gray = &prepared.gray;
    let pad = height / 2 + 4;
    let top = top.saturating_sub(pad);
    let Some(crop) = crop_line(
        gray,
        (first.bbox.0.saturating_sub(pad / 2), top),
        (last.bbox.0 + last.bbox.2 + pad, top + height + 2 * pad),
    ) else {
        return Ok(None);
    };
    let crop = image::without_inner_marks(&crop);
    let (digits, _) = read_digits(&crop, OcrMode::Digits, ocr)?;
    if digits.is_empty() {
        return Ok(None);
    }
    let printed: String = number
        .iter()
        .flat_map(|w| w.text.chars())
        .filter(char::is_ascii_digit)
        .collect();
    // The ':' before the number often reads as one more digit; that is no disagreement.
    let holds = |longer: &str, nik: &str| nik.len() >= Nik::LEN && longer.contains(nik);
    let sure = word_confidence(number.iter().copied()) >= SURE_NIK;
    let enlarged = if sure && (holds(&digits, &printed) || holds(&printed, &digits)) {
        None
    } else {
        let (w, h) = (crop.width(), crop.height());
        let larger = ::image::imageops::resize(
            &crop,
            w * 3 / 2,
            h * 3 / 2,
            ::image::imageops::FilterType::Triangle,
        );
        let (digits, conf) = read_digits(&larger, OcrMode::Block, ocr)?;
        Some(Enlarged { digits, conf }).filter(|e| !e.digits.is_empty())
    };
    Ok(Some(DigitsRead { digits, enlarged }))
}

/// The part of the card from `(left, top)` to `(right, bottom)`, clipped to the card; `None`
/// when too little is left to hold a line of print.
fn crop_line(
    gray: &GrayImage,
    (left, top): (u32, u32),
    (right, bottom): (u32, u32),
) -> Option<GrayImage> {
    let (right, bottom) = (right.min(gray.width()), bottom.min(gray.height()));
    if right <= left + 16 || bottom <= top + 8 {
        return None;
    }
    Some(::image::imageops::crop_imm(gray, left, top, right - left, bottom - top).to_image())
}

/// A line cut from the card with a white margin around it: tesseract misses letters that
/// touch the image's edge.
fn padded(crop: &GrayImage) -> GrayImage {
    let mut padded = GrayImage::from_pixel(
        crop.width() + 2 * MARGIN,
        crop.height() + 2 * MARGIN,
        Luma([255]),
    );
    ::image::imageops::replace(&mut padded, crop, MARGIN.into(), MARGIN.into());
    padded
}

/// The digits tesseract reads on one line cut from the card, and its confidence in the least
/// sure word holding them (0 in [`OcrMode::Digits`], where tesseract gives none).
fn read_digits(
    crop: &GrayImage,
    mode: OcrMode,
    ocr: &mut dyn Ocr,
) -> Result<(String, f32), OcrError> {
    let lines = ocr.read(&padded(crop), mode)?;
    let words: Vec<_> = lines
        .iter()
        .flat_map(|l| l.words.iter())
        .filter(|w| w.text.chars().any(|c| c.is_ascii_digit()))
        .collect();
    let digits = words
        .iter()
        .flat_map(|w| w.text.chars())
        .filter(char::is_ascii_digit)
        .collect();
    let conf = words.iter().map(|w| w.conf).reduce(f32::min).unwrap_or(0.0);
    Ok((digits, conf))
}

/// Digits in one word that make it a card's NIK, whatever its label came out as: a NIK's
/// sixteen, less the one or two a weak print loses. No other line of a card holds as many.
const NIK_WORD_DIGITS: usize = 14;

/// A word holding the card's number (":7502095701892407").
pub fn is_nik_number(word: &str) -> bool {
    word.chars().filter(char::is_ascii_digit).count() >= NIK_WORD_DIGITS
}

/// "NIK", also as OCR often misreads it ("NlK", "N1K", "NIK:").
pub fn is_nik_label(word: &str) -> bool {
    let w: String = word
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '|')
        .map(|c| match c {
            '1' | 'l' | '|' | 'i' | 'L' => 'I',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    w == "NIK"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(at: &[(&str, u32)]) -> OcrLine {
        OcrLine {
            words: at
                .iter()
                .map(|(text, left)| ocr::OcrWord {
                    text: (*text).into(),
                    conf: 0.9,
                    bbox: (*left, 100, 10 * text.len() as u32, 20),
                })
                .collect(),
        }
    }

    #[test]
    fn a_card_line_sheds_edge_specks_and_what_lies_beside_its_value() {
        let texts = |lines: Vec<OcrLine>| lines.iter().map(OcrLine::text).collect::<Vec<_>>();
        // The label's gap to its ':' stays; the photo's edge after the name is cut off.
        let name = words(&[
            ("Nama", 30),
            (":", 260),
            ("YUSUF", 280),
            ("NUSI", 340),
            ("ta", 630),
        ]);
        assert_eq!(texts(card_lines(name)), ["Nama : YUSUF NUSI", "ta"]);
        let nik = words(&[("NIK", 30), (":7502015203850001", 250), ("-", 560)]);
        assert_eq!(texts(card_lines(nik)), ["NIK :7502015203850001", "-"]);
        let close = words(&[("Nama", 30), (":", 260), ("SITI", 280), ("ABAS", 335)]);
        assert_eq!(texts(card_lines(close)), ["Nama : SITI ABAS"]);
        let lost_colon = words(&[("Nama", 30), ("SARINA", 290), ("ISMAIL", 360), ("N", 1030)]);
        assert_eq!(texts(card_lines(lost_colon)), ["Nama SARINA ISMAIL", "N"]);
        let heading = words(&[("PROVINSI", 300), ("GORONTALO", 390)]);
        assert_eq!(texts(card_lines(heading)), ["PROVINSI GORONTALO"]);
        let speck = words(&[("-", 5), ("NIK", 30), (":7502015203850001", 250)]);
        assert_eq!(texts(card_lines(speck)), ["NIK :7502015203850001"]);
        assert!(card_lines(words(&[("|", 5), ("-", 20)])).is_empty());
    }

    #[test]
    fn separated_labels_are_joined() {
        let read = ReadText::from_plain(
            "KESATU\n:\nMengangkat:\nNama\n:\nDewi, S.Sos.\nNIP\n:\n1975",
            Source::PdfText,
        );
        let lines: Vec<&str> = read.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            lines,
            ["KESATU : Mengangkat:", "Nama : Dewi, S.Sos.", "NIP : 1975"]
        );
    }

    #[test]
    fn places_join_and_scale() {
        let place = |left, top, width, height| Place {
            image: 0,
            turns: 0,
            bbox: Bbox {
                left,
                top,
                width,
                height,
            },
            image_width: 1000,
            image_height: 600,
        };
        let both = place(100, 300, 200, 30)
            .union(place(80, 340, 400, 30))
            .unwrap();
        assert_eq!(both.bbox, place(80, 300, 400, 70).bbox);
        assert_eq!(
            place(0, 0, 1, 1).union(Place {
                image: 1,
                ..place(0, 0, 1, 1)
            }),
            None
        );
        assert_eq!(both.scaled_to(1000, 600), both.bbox);
        assert_eq!(
            both.scaled_to(500, 300),
            Bbox {
                left: 40,
                top: 150,
                width: 200,
                height: 35
            }
        );
    }

    #[test]
    fn nik_label_survives_common_misreads() {
        for w in ["NIK", "NIK:", "NlK", "N1K", "nik", "N|K"] {
            assert!(is_nik_label(w), "{w}");
        }
        for w in ["NAMA", "NIKAH", "NK", "7502"] {
            assert!(!is_nik_label(w), "{w}");
        }
    }

    #[test]
    fn unsupported_formats_are_unreadable_not_errors() {
        struct NoOcr;
        impl Ocr for NoOcr {
            fn read(&mut self, _: &GrayImage, _: OcrMode) -> Result<Vec<OcrLine>, OcrError> {
                panic!("must not be called")
            }
        }
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0";
        assert!(matches!(
            read_bytes(heic, FileType::Heic, &mut NoOcr),
            Err(ReadError::Unreadable(Unreadable::Format(FileType::Heic)))
        ));
        assert!(matches!(
            read_bytes(b"%PDF-1.4\nbroken", FileType::Pdf, &mut NoOcr),
            Err(ReadError::Unreadable(Unreadable::Broken(_)))
        ));
    }
}
