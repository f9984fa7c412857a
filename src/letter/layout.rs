//! The letter set on A4 pages with measured glyph widths: letterhead, heading block, justified
//! paragraphs, the applicant's table and the signature block, as positioned lines of text and
//! rules that the PDF writer only has to draw.

use std::path::{Path, PathBuf};

use ttf_parser::GlyphId;

use super::template::{LetterData, LetterError, LetterTemplate, Placeholder, Text};

/// Debian's fonts-dejavu-core, read at run time like the synthetic documents' fonts.
pub const FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";
const REGULAR_FILE: &str = "DejaVuSerif.ttf";
const BOLD_FILE: &str = "DejaVuSerif-Bold.ttf";

/// A4 in points.
pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
/// Margins of an Indonesian official letter: 2.5 cm binding side, 2 cm elsewhere, 1.5 cm above
/// the letterhead.
pub const MARGIN_LEFT: f32 = 70.87;
pub const MARGIN_RIGHT: f32 = 56.69;
pub const MARGIN_TOP: f32 = 42.52;
pub const MARGIN_BOTTOM: f32 = 56.69;
const CONTENT_W: f32 = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;

const BODY_SIZE: f32 = 11.0;
const LEADING: f32 = 1.3;
/// First-line indent of a paragraph (1.25 cm).
const INDENT: f32 = 35.43;
const CELL_PAD_X: f32 = 5.0;
const CELL_PAD_Y: f32 = 3.0;
/// Where the place/date line and the signature block start, as a share of the text width.
const RIGHT_COLUMN: f32 = 0.45;
/// Where the signature column starts, and its width (the stamp goes there).
pub const RIGHT_COLUMN_X: f32 = MARGIN_LEFT + RIGHT_COLUMN * CONTENT_W;
pub const RIGHT_COLUMN_W: f32 = CONTENT_W * (1.0 - RIGHT_COLUMN);
/// One body line's height.
pub const LEADING_POINTS: f32 = BODY_SIZE * LEADING;
/// Space between the emblem and the letterhead text.
const EMBLEM_GAP: f32 = 8.0;
/// A justified line stretches its spaces at most this many ems; beyond that it stays ragged.
const MAX_STRETCH_EM: f32 = 0.8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// The two font files, owned; [`FontFiles::faces`] parses them for measuring.
pub struct FontFiles {
    pub regular: (PathBuf, Vec<u8>),
    pub bold: (PathBuf, Vec<u8>),
}

impl FontFiles {
    pub fn load() -> Result<FontFiles, LetterError> {
        FontFiles::load_from(Path::new(FONT_DIR))
    }

    pub fn load_from(dir: &Path) -> Result<FontFiles, LetterError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path)
                .map(|bytes| (path.clone(), bytes))
                .map_err(|source| LetterError::FontRead { path, source })
        };
        Ok(FontFiles {
            regular: read(REGULAR_FILE)?,
            bold: read(BOLD_FILE)?,
        })
    }

    pub fn faces(&self) -> Result<Fonts<'_>, LetterError> {
        Ok(Fonts {
            regular: Face::parse(&self.regular.0, &self.regular.1, "DejaVuSerif")?,
            bold: Face::parse(&self.bold.0, &self.bold.1, "DejaVuSerif-Bold")?,
        })
    }
}

pub struct Face<'a> {
    pub face: ttf_parser::Face<'a>,
    pub bytes: &'a [u8],
    /// PostScript name, for the PDF's BaseFont.
    pub name: &'static str,
}

impl<'a> Face<'a> {
    fn parse(path: &Path, bytes: &'a [u8], name: &'static str) -> Result<Face<'a>, LetterError> {
        let face = ttf_parser::Face::parse(bytes, 0).map_err(|_| LetterError::FontInvalid {
            path: path.to_path_buf(),
        })?;
        Ok(Face { face, bytes, name })
    }

    pub fn glyph(&self, ch: char) -> Result<GlyphId, LetterError> {
        self.face
            .glyph_index(ch)
            .ok_or(LetterError::MissingGlyph { ch })
    }

    /// Advance of a glyph in thousandths of an em, the unit of a PDF font's /W array.
    pub fn advance(&self, glyph: GlyphId) -> f32 {
        f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0)) * 1000.0
            / f32::from(self.face.units_per_em())
    }

    /// Scales font units to thousandths of an em.
    pub fn per_mille(&self, units: i16) -> f32 {
        f32::from(units) * 1000.0 / f32::from(self.face.units_per_em())
    }

    pub fn width(&self, text: &str, size: f32) -> Result<f32, LetterError> {
        let mut total = 0.0;
        for ch in text.chars() {
            total += self.advance(self.glyph(ch)?);
        }
        Ok(total * size / 1000.0)
    }
}

pub struct Fonts<'a> {
    pub regular: Face<'a>,
    pub bold: Face<'a>,
}

impl<'a> Fonts<'a> {
    pub fn face(&self, weight: Weight) -> &Face<'a> {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// One line of text; `x`, `y` is the start of its baseline. `word_spacing` is added to every
    /// space to justify the line.
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        text: String,
        word_spacing: f32,
    },
    /// The letter's emblem, its lower left corner at `x`, `y`.
    Emblem { x: f32, y: f32, w: f32, h: f32 },
    /// A straight stroke of `width` points.
    Rule {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
}

/// The line breaks of `text` within `width`, by words; a word wider than the line (an address,
/// a long unit name) is broken between letters.
pub fn wrap(
    face: &Face<'_>,
    size: f32,
    text: &str,
    width: f32,
) -> Result<Vec<String>, LetterError> {
    let space = face.width(" ", size)?;
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_w = 0.0;
    for word in text.split_whitespace() {
        let word_w = face.width(word, size)?;
        if !line.is_empty() && line_w + space + word_w <= width {
            line.push(' ');
            line.push_str(word);
            line_w += space + word_w;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if word_w <= width {
            line.push_str(word);
            line_w = word_w;
            continue;
        }
        line_w = 0.0;
        for ch in word.chars() {
            let ch_w = face.width(ch.encode_utf8(&mut [0; 4]), size)?;
            if !line.is_empty() && line_w + ch_w > width {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            line.push(ch);
            line_w += ch_w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

struct Cursor<'f, 'a> {
    fonts: &'f Fonts<'a>,
    pages: Vec<Page>,
    /// Top of the next line box, from the page's bottom edge.
    y: f32,
}

impl<'f, 'a> Cursor<'f, 'a> {
    fn new(fonts: &'f Fonts<'a>) -> Self {
        Cursor {
            fonts,
            pages: vec![Page::default()],
            y: PAGE_H - MARGIN_TOP,
        }
    }

    /// Starts a new page unless `height` more points fit above the bottom margin.
    fn need(&mut self, height: f32) {
        if self.y - height < MARGIN_BOTTOM && self.y < PAGE_H - MARGIN_TOP {
            self.pages.push(Page::default());
            self.y = PAGE_H - MARGIN_TOP;
        }
    }

    fn push(&mut self, item: Item) {
        self.pages
            .last_mut()
            .expect("the cursor always has a page")
            .items
            .push(item);
    }

    /// The baseline of a line whose box starts at `top`, the glyphs centred in the box.
    fn baseline(&self, top: f32, size: f32, weight: Weight) -> f32 {
        let face = &self.fonts.face(weight).face;
        let ascent = self.fonts.face(weight).per_mille(face.ascender()) / 1000.0 * size;
        let descent = -self.fonts.face(weight).per_mille(face.descender()) / 1000.0 * size;
        top - (size * LEADING - ascent - descent) / 2.0 - ascent
    }

    /// Sets one line at `x` in a box of its own and moves down.
    fn line(&mut self, x: f32, size: f32, weight: Weight, text: String, word_spacing: f32) {
        let height = size * LEADING;
        self.need(height);
        let y = self.baseline(self.y, size, weight);
        self.push(Item::Text {
            x,
            y,
            size,
            weight,
            text,
            word_spacing,
        });
        self.y -= height;
    }

    fn gap(&mut self, lines: f32) {
        self.y -= lines * BODY_SIZE * LEADING;
    }

    /// Left-aligned, wrapped text between `x` and the right margin.
    fn left(&mut self, x: f32, weight: Weight, text: &str) -> Result<(), LetterError> {
        let face = self.fonts.face(weight);
        for l in wrap(face, BODY_SIZE, text, MARGIN_LEFT + CONTENT_W - x)? {
            self.line(x, BODY_SIZE, weight, l, 0.0);
        }
        Ok(())
    }

    /// Wrapped lines centred between `left` and `left + width`.
    fn centred(
        &mut self,
        (left, width): (f32, f32),
        size: f32,
        weight: Weight,
        text: &str,
    ) -> Result<(), LetterError> {
        let face = self.fonts.face(weight);
        for l in wrap(face, size, text, width)? {
            let w = face.width(&l, size)?;
            self.line(left + (width - w) / 2.0, size, weight, l, 0.0);
        }
        Ok(())
    }

    /// A paragraph with its first line indented, every line but the last justified.
    fn paragraph(&mut self, text: &str) -> Result<(), LetterError> {
        let face = &self.fonts.regular;
        let flowing = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let first = wrap(face, BODY_SIZE, &flowing, CONTENT_W - INDENT)?;
        let first_line = first.first().cloned().unwrap_or_default();
        // The first line is a prefix of the flowing text, even when it broke inside a word.
        let rest_text = flowing[first_line.len()..].trim_start().to_string();
        let mut lines = vec![(INDENT, first_line)];
        if !rest_text.is_empty() {
            lines.extend(
                wrap(face, BODY_SIZE, &rest_text, CONTENT_W)?
                    .into_iter()
                    .map(|l| (0.0, l)),
            );
        }
        let count = lines.len();
        for (i, (indent, line)) in lines.into_iter().enumerate() {
            let spaces = line.matches(' ').count();
            let natural = face.width(&line, BODY_SIZE)?;
            let stretch = if i + 1 < count && spaces > 0 {
                (CONTENT_W - indent - natural) / spaces as f32
            } else {
                0.0
            };
            let stretch = if stretch <= MAX_STRETCH_EM * BODY_SIZE {
                stretch.max(0.0)
            } else {
                0.0
            };
            self.line(
                MARGIN_LEFT + indent,
                BODY_SIZE,
                Weight::Regular,
                line,
                stretch,
            );
        }
        self.gap(0.4);
        Ok(())
    }

    /// The "Nomor : …" block: labels, aligned colons, wrapped values.
    fn labelled(&mut self, rows: &[(String, String)]) -> Result<(), LetterError> {
        let face = &self.fonts.regular;
        let mut label_w: f32 = 0.0;
        for (label, _) in rows {
            label_w = label_w.max(face.width(label, BODY_SIZE)?);
        }
        let colon_x = MARGIN_LEFT + label_w + 8.0;
        let value_x = colon_x + face.width(": ", BODY_SIZE)?;
        for (label, value) in rows {
            let lines = wrap(face, BODY_SIZE, value, MARGIN_LEFT + CONTENT_W - value_x)?;
            self.need(lines.len() as f32 * BODY_SIZE * LEADING);
            let top = self.y;
            let y = self.baseline(top, BODY_SIZE, Weight::Regular);
            self.push(text_item(MARGIN_LEFT, y, label));
            self.push(text_item(colon_x, y, ":"));
            for l in lines {
                self.line(value_x, BODY_SIZE, Weight::Regular, l, 0.0);
            }
        }
        Ok(())
    }

    /// The applicant's table: label column as wide as its widest label, values wrapped in the
    /// rest, ruled all round; a row never splits across pages.
    fn table(&mut self, rows: &[(String, String)]) -> Result<(), LetterError> {
        let face = &self.fonts.regular;
        let mut label_w: f32 = 0.0;
        for (label, _) in rows {
            label_w = label_w.max(face.width(label, BODY_SIZE)?);
        }
        let left = MARGIN_LEFT;
        let split = left + label_w + 2.0 * CELL_PAD_X;
        let right = MARGIN_LEFT + CONTENT_W;
        let line_h = BODY_SIZE * LEADING;
        for (label, value) in rows {
            let labels = wrap(face, BODY_SIZE, label, label_w)?;
            let values = wrap(face, BODY_SIZE, value, right - split - 2.0 * CELL_PAD_X)?;
            let height = labels.len().max(values.len()) as f32 * line_h + 2.0 * CELL_PAD_Y;
            self.need(height);
            let top = self.y;
            let bottom = top - height;
            for (x1, y1, x2, y2) in [
                (left, top, right, top),
                (left, bottom, right, bottom),
                (left, top, left, bottom),
                (split, top, split, bottom),
                (right, top, right, bottom),
            ] {
                self.push(Item::Rule {
                    from: (x1, y1),
                    to: (x2, y2),
                    width: 0.6,
                });
            }
            for (x, lines) in [(left + CELL_PAD_X, labels), (split + CELL_PAD_X, values)] {
                let mut line_top = top - CELL_PAD_Y;
                for l in lines {
                    let y = self.baseline(line_top, BODY_SIZE, Weight::Regular);
                    self.push(text_item(x, y, &l));
                    line_top -= line_h;
                }
            }
            self.y = bottom;
        }
        Ok(())
    }
}

fn text_item(x: f32, y: f32, text: &str) -> Item {
    Item::Text {
        x,
        y,
        size: BODY_SIZE,
        weight: Weight::Regular,
        text: text.to_string(),
        word_spacing: 0.0,
    }
}

/// Sets the whole letter.
pub fn layout(
    template: &LetterTemplate,
    data: &LetterData,
    fonts: &Fonts<'_>,
) -> Result<Vec<Page>, LetterError> {
    let fill = |t: &Text| t.fill(data);
    let mut c = Cursor::new(fonts);
    let top = c.y;
    // With an emblem the letterhead is centred in the width right of it, as on a kop surat.
    let (region, emblem_bottom) = match &template.emblem {
        Some(emblem) => {
            let (w, h) = (emblem.width, emblem.height());
            c.push(Item::Emblem {
                x: MARGIN_LEFT,
                y: top - h,
                w,
                h,
            });
            let left = MARGIN_LEFT + w + EMBLEM_GAP;
            ((left, MARGIN_LEFT + CONTENT_W - left), top - h)
        }
        None => ((MARGIN_LEFT, CONTENT_W), top),
    };
    for head in &template.letterhead {
        let weight = if head.bold {
            Weight::Bold
        } else {
            Weight::Regular
        };
        c.centred(region, head.size, weight, &head.text)?;
    }
    let rule_y = c.y.min(emblem_bottom) - 3.0;
    for (y, width) in [(rule_y, 2.0), (rule_y - 3.0, 0.6)] {
        c.push(Item::Rule {
            from: (MARGIN_LEFT, y),
            to: (MARGIN_LEFT + CONTENT_W, y),
            width,
        });
    }
    c.y = rule_y - 3.0 - BODY_SIZE;

    c.left(
        MARGIN_LEFT + RIGHT_COLUMN * CONTENT_W,
        Weight::Regular,
        &fill(&template.place_date),
    )?;
    c.gap(0.5);
    let heading: Vec<(String, String)> = template
        .heading
        .iter()
        .map(|(label, value)| (label.clone(), fill(value)))
        .collect();
    c.labelled(&heading)?;
    c.gap(1.0);
    for line in &template.addressee {
        c.left(MARGIN_LEFT, Weight::Regular, &fill(line))?;
    }
    c.gap(1.0);
    for p in &template.before_table {
        c.paragraph(&fill(p))?;
    }
    let rows: Vec<(String, String)> = template
        .rows
        .iter()
        .map(|(label, value)| (label.clone(), fill(value)))
        .collect();
    c.table(&rows)?;
    c.gap(0.8);
    for p in &template.after_table {
        c.paragraph(&fill(p))?;
    }
    c.gap(0.6);

    let x = MARGIN_LEFT + RIGHT_COLUMN * CONTENT_W;
    let width = CONTENT_W * (1.0 - RIGHT_COLUMN);
    let mut block: Vec<(Weight, String, f32)> = Vec::new();
    for t in &template.signature_title {
        for l in wrap(&fonts.regular, BODY_SIZE, &fill(t), width)? {
            block.push((Weight::Regular, l, 0.0));
        }
    }
    for t in &template.signer {
        let weight = if t.has(Placeholder::NamaPengirim) {
            Weight::Bold
        } else {
            Weight::Regular
        };
        // SRIKANDI puts the signature image where ${ttd_pengirim} stands: room around it.
        let after = if t.has(Placeholder::TtdPengirim) {
            1.0
        } else {
            0.0
        };
        for l in wrap(fonts.face(weight), BODY_SIZE, &fill(t), width)? {
            block.push((weight, l, 0.0));
        }
        if let Some(last) = block.last_mut() {
            last.2 = after;
        }
    }
    let line_h = BODY_SIZE * LEADING;
    let height: f32 = block
        .iter()
        .map(|(_, _, after)| line_h * (1.0 + after))
        .sum();
    c.need(height);
    for (weight, l, after) in block {
        c.line(x, BODY_SIZE, weight, l, 0.0);
        c.y -= after * line_h;
    }
    Ok(c.pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_measures_lines_and_breaks_overlong_words() {
        let files = FontFiles::load().unwrap();
        let fonts = files.faces().unwrap();
        let face = &fonts.regular;
        let text =
            "Rahmat Hidayatullah Ḍamanhuri seksi.keamanan.informasi.persandian@gorontalokab.go.id";
        let width = 120.0;
        let lines = wrap(face, BODY_SIZE, text, width).unwrap();
        assert!(lines.len() >= 4, "{lines:?}");
        for l in &lines {
            assert!(face.width(l, BODY_SIZE).unwrap() <= width, "{l}");
        }
        assert_eq!(lines[..2].join(" "), "Rahmat Hidayatullah Ḍamanhuri");
        assert_eq!(
            lines[2..].concat(),
            "seksi.keamanan.informasi.persandian@gorontalokab.go.id"
        );
        assert!(face.width("Ḍ", BODY_SIZE).unwrap() > 0.0);
        assert!(matches!(
            face.width("\u{e000}", BODY_SIZE),
            Err(LetterError::MissingGlyph { ch: '\u{e000}' })
        ));
    }
}
