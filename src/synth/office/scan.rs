//! How the office family's papers reach the desk: pages rendered by `pdftoppm` and scanned as
//! bilevel CCITT G4 or grey JPEG at 150-300 dpi with skew and speckle, a card photographed on a
//! desk (turned, or squeezed by WhatsApp), a card photocopied, a card pasted into Word.

use std::io::{Cursor, Write};

use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage, Luma, Rgb, RgbImage};
use lopdf::{Document, Object, Stream, dictionary};

use crate::synth::error::SynthError;
use crate::synth::raster::{self, Placement};
use crate::synth::rng::Rng;

/// A4 in points.
const PAGE: (f32, f32) = (595.28, 841.89);

/// How a scanned page is stored in the PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Bilevel, CCITT Group 4: what office copiers' "scan to PDF" writes for black and white.
    FaxG4,
    /// 8-bit grey JPEG.
    GreyJpeg,
}

/// Page images of a PDF as `pdftoppm` renders them in grey at `dpi`.
pub fn render_pages(pdf: &[u8], pages: usize, dpi: u32) -> Result<Vec<GrayImage>, SynthError> {
    let mut out = Vec::new();
    for page in 1..=pages {
        let png = crate::text::pdf::page_png(pdf, page as u32, dpi, true)
            .map_err(|_| SynthError::ToolFailed { tool: "pdftoppm" })?;
        out.push(image::load_from_memory(&png)?.into_luma8());
    }
    Ok(out)
}

/// A page put through a sheet-fed scanner: turned a little, its print softened, dust and
/// toner specks over it.
pub fn scanner(page: &GrayImage, rng: &mut Rng) -> GrayImage {
    let mut turned = raster::rotate_gray(page, rng.float(-1.5, 1.5) as f32, 255);
    let (w, h) = (turned.width() as usize, turned.height() as usize);
    raster::blur(&mut turned, w, h, 1, rng.float(0.4, 0.8) as f32);
    for _ in 0..rng.range(150, 600) {
        let (x, y) = (rng.below(w as u64) as u32, rng.below(h as u64) as u32);
        let r = rng.range(0, 2) as u32;
        for dy in 0..=r {
            for dx in 0..=r {
                if x + dx < w as u32 && y + dy < h as u32 {
                    turned.put_pixel(x + dx, y + dy, Luma([rng.range(0, 90) as u8]));
                }
            }
        }
    }
    turned
}

/// Scanned pages as one PDF, each page an image of its own filling A4.
pub fn scan_pdf(
    pages: &[GrayImage],
    encoding: Encoding,
    producer: &str,
    rng: &mut Rng,
) -> Result<Vec<u8>, SynthError> {
    let mut doc = Document::with_version("1.4");
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    for page in pages {
        let (w, h) = page.dimensions();
        let image = match encoding {
            Encoding::FaxG4 => {
                let threshold = rng.range(150, 185) as u8;
                let mut encoder = fax::encoder::Encoder::new(fax::VecWriter::new());
                for y in 0..h {
                    let line = (0..w).map(|x| {
                        if page.get_pixel(x, y).0[0] < threshold {
                            fax::Color::Black
                        } else {
                            fax::Color::White
                        }
                    });
                    encoder
                        .encode_line(line, w as u16)
                        .map_err(|_| SynthError::ToolFailed {
                            tool: "fax encoder",
                        })?;
                }
                let data = encoder
                    .finish()
                    .map_err(|_| SynthError::ToolFailed {
                        tool: "fax encoder",
                    })?
                    .finish();
                Stream::new(
                    dictionary! {
                        "Type" => "XObject", "Subtype" => "Image",
                        "Width" => w as i64, "Height" => h as i64,
                        "ColorSpace" => "DeviceGray", "BitsPerComponent" => 1,
                        "Filter" => "CCITTFaxDecode",
                        "DecodeParms" => dictionary! { "K" => -1, "Columns" => w as i64, "Rows" => h as i64, "BlackIs1" => false },
                    },
                    data,
                )
            }
            Encoding::GreyJpeg => Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Image",
                    "Width" => w as i64, "Height" => h as i64,
                    "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "DCTDecode",
                },
                raster::jpeg_gray(page, rng.range(55, 75) as u8)?,
            ),
        };
        let image_id = doc.add_object(image.with_compression(false));
        let content = format!("q {} 0 0 {} 0 0 cm /Scan Do Q", PAGE.0, PAGE.1).into_bytes();
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), PAGE.0.into(), PAGE.1.into()],
            "Contents" => content_id,
            "Resources" => dictionary! { "XObject" => dictionary! { "Scan" => image_id } },
        });
        kids.push(Object::from(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info = doc.add_object(dictionary! { "Producer" => Object::string_literal(producer) });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(lopdf::Error::IO)?;
    Ok(out)
}

/// The card resized to `width` pixels, keeping ID-1's proportions.
fn card_at_width(card: &RgbImage, width: f32) -> RgbImage {
    let height = width * 54.0 / 85.6;
    imageops::resize(card, width as u32, height as u32, FilterType::Triangle)
}

/// The card laid on A4 at `dpi` and copied: a grey page.
pub fn card_on_page(card: &RgbImage, dpi: f32, rng: &mut Rng) -> GrayImage {
    let (pw, ph) = ((210.0 / 25.4 * dpi) as u32, (297.0 / 25.4 * dpi) as u32);
    let mut page = RgbImage::from_pixel(pw, ph, Rgb([255, 255, 255]));
    let card_w = 85.6 / 25.4 * dpi;
    let scaled = card_at_width(card, card_w);
    let (cw, ch) = (scaled.width() as f32, scaled.height() as f32);
    let center = (
        rng.float(0.3, 0.7) as f32 * pw as f32,
        rng.float(0.12, 0.3) as f32 * ph as f32 + ch / 2.0,
    );
    let place = Placement {
        quad: raster::rotated_quad(center, cw, ch, rng.float(-3.0, 3.0) as f32),
        corner: 0.04,
        shadow: (0.0, 0.0, 0.0),
    };
    raster::composite(&mut page, &scaled, &place);
    scanner(&raster::to_gray(&page), rng)
}

/// The card photographed on a desk by a phone held by hand: up to 15° turned, in
/// perspective, lit from one side, the frame 2000 × 1500.
pub fn desk_photo(card: &RgbImage, rng: &mut Rng) -> RgbImage {
    let (fw, fh) = (2000u32, 1500u32);
    let surfaces: [[f32; 3]; 4] = [
        [214.0, 210.0, 204.0],
        [70.0, 72.0, 78.0],
        [150.0, 118.0, 86.0],
        [180.0, 188.0, 196.0],
    ];
    let base = *rng.pick(&surfaces);
    let grain = raster::Noise::new(rng, fw, fh, 40.0);
    let mut frame = RgbImage::from_fn(fw, fh, |x, y| {
        let shade = 0.92 + 0.16 * grain.at(x as f32, y as f32);
        Rgb(base.map(|c| (c * shade).clamp(0.0, 255.0) as u8))
    });
    let card_w = fw as f32 * rng.float(0.5, 0.75) as f32;
    let scaled = card_at_width(card, card_w);
    let (cw, ch) = (scaled.width() as f32, scaled.height() as f32);
    let center = (
        fw as f32 / 2.0 + rng.float(-150.0, 150.0) as f32,
        fh as f32 / 2.0 + rng.float(-100.0, 100.0) as f32,
    );
    let mut quad = raster::rotated_quad(center, cw, ch, rng.float(-15.0, 15.0) as f32);
    for corner in &mut quad {
        corner.0 += rng.float(-0.05, 0.05) as f32 * cw;
        corner.1 += rng.float(-0.05, 0.05) as f32 * cw;
    }
    let place = Placement {
        quad,
        corner: 0.04,
        shadow: (
            rng.float(3.0, 10.0) as f32,
            rng.float(5.0, 14.0) as f32,
            0.3,
        ),
    };
    raster::composite(&mut frame, &scaled, &place);
    let side = rng.float(-1.0, 1.0) as f32;
    let strength = rng.float(0.1, 0.3) as f32;
    raster::light(&mut frame, |x, _| {
        1.0 + strength * side * (x / fw as f32 - 0.5) * 2.0
    });
    raster::add_noise(&mut frame, rng, 2.5);
    frame
}

/// A photo turned a quarter, a half or three quarters with no EXIF to say so.
pub fn turned(photo: &RgbImage, quarters: u32) -> RgbImage {
    match quarters % 4 {
        1 => imageops::rotate90(photo),
        2 => imageops::rotate180(photo),
        3 => imageops::rotate270(photo),
        _ => photo.clone(),
    }
}

/// What WhatsApp sends of a photo: the long side cut to 1600 and recompressed hard.
pub fn whatsapp(photo: &RgbImage) -> Result<Vec<u8>, SynthError> {
    let (w, h) = photo.dimensions();
    let k = 1600.0 / w.max(h) as f32;
    let small = DynamicImage::ImageRgb8(photo.clone()).resize(
        (w as f32 * k) as u32,
        (h as f32 * k) as u32,
        FilterType::Triangle,
    );
    raster::jpeg(&small.into_rgb8(), 62)
}

/// A Word document holding one pasted PNG and a one-word caption, as an applicant makes in
/// Word to "attach" a photo; fixed timestamps, so one seed gives one file.
pub fn docx_with_picture(png: &[u8], caption: &str) -> Result<Vec<u8>, SynthError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().last_modified_time(zip::DateTime::default());
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" \
         xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" \
         xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
         xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><w:body>\
         <w:p><w:r><w:t>{caption}</w:t></w:r></w:p>\
         <w:p><w:r><w:drawing><wp:inline><wp:extent cx=\"5400000\" cy=\"3400000\"/><wp:docPr id=\"1\" name=\"Picture 1\"/>\
         <a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\">\
         <pic:pic><pic:nvPicPr><pic:cNvPr id=\"0\" name=\"image1.png\"/><pic:cNvPicPr/></pic:nvPicPr>\
         <pic:blipFill><a:blip r:embed=\"rId5\"/></pic:blipFill><pic:spPr/></pic:pic>\
         </a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p></w:body></w:document>"
    );
    let parts: [(&str, &[u8]); 5] = [
        ("[Content_Types].xml", b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Default Extension=\"png\" ContentType=\"image/png\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"),
        ("_rels/.rels", b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>"),
        ("word/_rels/document.xml.rels", b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId5\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/image1.png\"/></Relationships>"),
        ("word/document.xml", document.as_bytes()),
        ("word/media/image1.png", png),
    ];
    for (name, bytes) in parts {
        zip.start_file(name, options)?;
        zip.write_all(bytes).map_err(|source| SynthError::Io {
            path: name.into(),
            source,
        })?;
    }
    Ok(zip.finish()?.into_inner())
}
