//! The e-KTP card and the ways applicants send it: a clean render, a phone photo on a table, a
//! low-resolution copy, a scanned PDF, an unreadable photo, a HEIC file; plus the pas foto,
//! which shares the card's silhouette.

use chrono::{Datelike, NaiveDate};
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};

use super::error::SynthError;
use super::pdf;
use super::person::{self, Person};
use super::raster::{self, Fonts, Placement, Style};
use super::rng::{self, Rng};

/// How the KTP reaches the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KtpVariant {
    /// The card alone, about 1000 px wide, PNG.
    Clean,
    /// A JPEG phone photo of the card lying on a table.
    PhonePhoto,
    /// The card at about 450 px wide, JPEG.
    LowRes,
    /// The card on a scanned A4 page: a PDF holding one grayscale JPEG and no text.
    ScannedPdf,
    /// A photo nobody can read: far too blurred or far too dark.
    Unreadable,
}

impl KtpVariant {
    /// The name used in `expected.json`.
    pub fn label(self) -> &'static str {
        match self {
            KtpVariant::Clean => "clean",
            KtpVariant::PhonePhoto => "phone_photo",
            KtpVariant::LowRes => "low_res",
            KtpVariant::ScannedPdf => "scanned_pdf",
            KtpVariant::Unreadable => "unreadable",
        }
    }

    /// File extension of what [`render_ktp`] returns.
    pub fn extension(self) -> &'static str {
        match self {
            KtpVariant::Clean => "png",
            KtpVariant::ScannedPdf => "pdf",
            KtpVariant::PhonePhoto | KtpVariant::LowRes | KtpVariant::Unreadable => "jpg",
        }
    }
}

/// Renders `person`'s KTP as `variant`: PNG, JPEG or (for [`KtpVariant::ScannedPdf`]) PDF bytes.
/// The card's own details (blood type, issue date, signature) follow from the person; `seed`
/// only varies how it was photographed or scanned.
pub fn render_ktp(person: &Person, variant: KtpVariant, seed: u64) -> Result<Vec<u8>, SynthError> {
    render_with(&Fonts::load()?, person, variant, seed)
}

pub fn render_with(
    fonts: &Fonts,
    person: &Person,
    variant: KtpVariant,
    seed: u64,
) -> Result<Vec<u8>, SynthError> {
    let mut rng = Rng::new(rng::derive(seed, 0x004B_5450));
    match variant {
        KtpVariant::Clean => raster::png(&card(fonts, person, rng.range(980, 1020) as u32)),
        KtpVariant::PhonePhoto => {
            let photo = phone_photo(fonts, person, &mut rng, (1600, 1200))?;
            raster::jpeg(&photo, rng.range(60, 75) as u8)
        }
        KtpVariant::LowRes => {
            let big = card(fonts, person, 1000);
            let w = rng.range(420, 480) as u32;
            let h = (w as f32 * CARD_RATIO).round() as u32;
            raster::jpeg(&imageops::resize(&big, w, h, FilterType::Triangle), 70)
        }
        KtpVariant::ScannedPdf => scanned_pdf(fonts, person, &mut rng),
        KtpVariant::Unreadable => {
            let mut photo = phone_photo(fonts, person, &mut rng, (800, 600))?;
            if rng.chance(0.5) {
                raster::blur_rgb(&mut photo, rng.float(9.0, 13.0) as f32);
            } else {
                // Taken in a dark room with the flash off and a shaking hand: a grey level or
                // two of smeared signal under noise. Darkness alone is not enough, since OCR
                // stretches contrast and would still read crisp text.
                raster::blur_rgb(&mut photo, rng.float(3.5, 5.0) as f32);
                let gain = rng.float(0.025, 0.04) as f32;
                raster::light(&mut photo, |_, _| gain);
                raster::add_noise(&mut photo, &mut rng, 3.0);
            }
            raster::jpeg(&photo, 60)
        }
    }
}

/// Height over width of an ID-1 card (85.6 × 54 mm).
const CARD_RATIO: f32 = 54.0 / 85.6;

const INK: [u8; 3] = [22, 22, 26];

/// Details printed on the card that are not part of [`Person`], fixed per person.
struct CardFacts {
    blood: &'static str,
    issued: NaiveDate,
    red_backdrop: bool,
    signature_seed: u64,
}

fn card_facts(person: &Person) -> CardFacts {
    // FNV-1a of the NIK: the same person gets the same card whatever the variant seed.
    let hash = person.nik.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    let mut rng = Rng::new(hash);
    let blood = *rng.pick(&["-", "-", "-", "O", "A", "B", "AB"]);
    let seventeen = person.birth_date.year() + 17;
    let first = seventeen.max(2012);
    let year = rng.range(first as i64, 2025) as i32;
    let month = rng.range(1, 12) as u32;
    let day = rng.range(1, person::days_in_month(year, month) as i64) as u32;
    CardFacts {
        blood,
        issued: NaiveDate::from_ymd_opt(year, month, day).expect("valid day"),
        red_backdrop: rng.chance(0.5),
        signature_seed: rng.next_u64(),
    }
}

/// The card itself, `width` pixels wide, laid out on a 1000-unit grid.
pub fn card(fonts: &Fonts, person: &Person, width: u32) -> RgbImage {
    let height = (width as f32 * CARD_RATIO).round() as u32;
    let u = width as f32 / 1000.0;
    let facts = card_facts(person);
    let regency = person::regency(&person.ktp_regency_code);
    let mut img = RgbImage::new(width, height);
    background(&mut img, u);

    let centered = |img: &mut RgbImage, text: &str, size: f32, y: f32| {
        let w = raster::text_width(&fonts.sans_bold, size * u, text);
        raster::draw_text(
            img,
            Style::new(&fonts.sans_bold, size * u, INK),
            (1000.0 * u - w) / 2.0,
            y * u,
            text,
        );
    };
    centered(&mut img, regency.province, 30.0, 48.0);
    centered(&mut img, regency.name, 30.0, 88.0);

    raster::draw_text(
        &mut img,
        Style::new(&fonts.sans_bold, 34.0 * u, INK),
        40.0 * u,
        150.0 * u,
        "NIK",
    );
    raster::draw_text(
        &mut img,
        Style::new(&fonts.sans_bold, 34.0 * u, INK),
        232.0 * u,
        150.0 * u,
        ":",
    );
    // Larger than the rows but regular weight: tesseract's `ind` model misreads bold 8s as 3s.
    raster::draw_text(
        &mut img,
        Style::new(&fonts.sans, 38.0 * u, INK),
        252.0 * u,
        150.0 * u,
        &person.nik,
    );
    let birth = format!(
        "{}, {}",
        person.birth_place,
        person.birth_date.format("%d-%m-%Y")
    );
    let rows: [(&str, &str); 12] = [
        ("Nama", &person.name_on_ktp),
        ("Tempat/Tgl Lahir", &birth),
        ("Jenis Kelamin", &person.sex),
        ("Alamat", &person.address),
        ("RT/RW", &person.rt_rw),
        ("Kel/Desa", &person.kel_desa),
        ("Kecamatan", &person.kecamatan),
        ("Agama", &person.religion),
        ("Status Perkawinan", &person.marital_status),
        ("Pekerjaan", &person.occupation),
        ("Kewarganegaraan", "WNI"),
        ("Berlaku Hingga", "SEUMUR HIDUP"),
    ];
    let size = 25.0 * u;
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = (200.0 + 34.0 * i as f32) * u;
        // Labels are set smaller than values, as on the real card.
        let label_style = Style::new(&fonts.sans, 21.0 * u, INK);
        raster::draw_text(&mut img, label_style, 40.0 * u, y, label);
        raster::draw_text(&mut img, label_style, 243.0 * u, y, ":");
        // Long values shrink to fit before the photo, as the card printer does.
        let room = if i == 2 { 190.0 } else { 460.0 } * u;
        let natural = raster::text_width(&fonts.sans, size, value);
        let fitted = if natural > room {
            size * room / natural
        } else {
            size
        };
        raster::draw_text(
            &mut img,
            Style::new(&fonts.sans, fitted, INK),
            258.0 * u,
            y,
            value,
        );
        if i == 2 {
            raster::draw_text(&mut img, label_style, 470.0 * u, y, "Gol. Darah");
            raster::draw_text(&mut img, label_style, 580.0 * u, y, ":");
            raster::draw_text(
                &mut img,
                Style::new(&fonts.sans, size, INK),
                596.0 * u,
                y,
                facts.blood,
            );
        }
    }

    let backdrop = if facts.red_backdrop {
        [196, 42, 40]
    } else {
        [38, 88, 186]
    };
    let photo = raster::silhouette((200.0 * u) as u32, (255.0 * u) as u32, backdrop);
    imageops::replace(&mut img, &photo, (745.0 * u) as i64, (125.0 * u) as i64);
    let under = |img: &mut RgbImage, text: &str, y: f32| {
        let w = raster::text_width(&fonts.sans, 19.0 * u, text);
        raster::draw_text(
            img,
            Style::new(&fonts.sans, 19.0 * u, INK),
            845.0 * u - w / 2.0,
            y * u,
            text,
        );
    };
    under(&mut img, regency.issue_place, 412.0);
    under(
        &mut img,
        &facts.issued.format("%d-%m-%Y").to_string(),
        438.0,
    );
    let mut sig = Rng::new(facts.signature_seed);
    raster::signature(
        &mut img,
        &mut sig,
        (770.0 * u, 455.0 * u, 150.0 * u, 70.0 * u),
        2.6 * u,
        [30, 30, 60],
    );
    img
}

/// Light cyan with a diagonal gradient and faint guilloche waves, like the printed security
/// background; kept faint so it never competes with the text.
fn background(img: &mut RgbImage, u: f32) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let (fx, fy) = (x as f32 / u, y as f32 / u);
        let t = (x as f32 / w * 0.6 + y as f32 / h * 0.4).clamp(0.0, 1.0);
        let mut rgb = [190.0 - 32.0 * t, 228.0 - 20.0 * t, 240.0 - 10.0 * t];
        let wave = (fx * 0.045 + 5.0 * (fy * 0.012).sin()).sin()
            * (fy * 0.05 + 4.0 * (fx * 0.01).cos()).sin();
        if wave.abs() < 0.06 {
            for c in &mut rgb {
                *c -= 12.0;
            }
        }
        // A pale seal behind the data, where the real card has the Garuda watermark.
        let d = ((fx - 520.0).powi(2) + (fy - 360.0).powi(2)).sqrt();
        if (d - 150.0).abs() < 3.0 || (d - 120.0).abs() < 1.5 {
            for c in &mut rgb {
                *c -= 10.0;
            }
        }
        *p = Rgb(rgb.map(|c| c.round().clamp(0.0, 255.0) as u8));
    }
    let edge = [120, 170, 195];
    raster::fill_rect(img, 0.0, 0.0, w, 2.0 * u, edge);
    raster::fill_rect(img, 0.0, h - 2.0 * u, w, h, edge);
}

/// The card lying on a table, photographed by hand: tilted, a little off-perpendicular,
/// unevenly lit, softened, noisy.
fn phone_photo(
    fonts: &Fonts,
    person: &Person,
    rng: &mut Rng,
    frame: (u32, u32),
) -> Result<RgbImage, SynthError> {
    let (fw, fh) = (frame.0 as f32, frame.1 as f32);
    let mut img = table(rng, frame);
    let card_w = (fw * rng.float(0.55, 0.8) as f32).round();
    let mut card_img = card(fonts, person, card_w as u32);
    // Focus and shake soften the card; the table behind it is soft already, so only the card
    // needs blurring (and blurring it alone is much cheaper).
    raster::blur_rgb(&mut card_img, rng.float(0.7, 1.2) as f32);
    let card_h = card_img.height() as f32;
    let angle = rng.float(-8.0, 8.0) as f32;
    let slack_x = ((fw - card_w * 1.12) / 2.0).max(0.0);
    let slack_y = ((fh - card_h * 1.25) / 2.0).max(0.0);
    let center = (
        fw / 2.0 + rng.float(-1.0, 1.0) as f32 * slack_x,
        fh / 2.0 + rng.float(-1.0, 1.0) as f32 * slack_y,
    );
    let mut quad = raster::rotated_quad(center, card_w, card_h, angle);
    // Perspective: the phone is never held quite parallel to the table.
    for corner in &mut quad {
        corner.0 += rng.float(-0.04, 0.04) as f32 * card_w;
        corner.1 += rng.float(-0.04, 0.04) as f32 * card_w;
    }
    let place = Placement {
        quad,
        corner: 0.035,
        shadow: (
            rng.float(4.0, 12.0) as f32,
            rng.float(6.0, 16.0) as f32,
            0.35,
        ),
    };
    raster::composite(&mut img, &card_img, &place);

    let (lx, ly) = (rng.float(-1.0, 1.0) as f32, rng.float(-1.0, 1.0) as f32);
    let strength = rng.float(0.12, 0.25) as f32;
    raster::light(&mut img, |x, y| {
        let (nx, ny) = (x / fw - 0.5, y / fh - 0.5);
        let gradient = 1.0 + strength * (nx * lx + ny * ly) * 2.0;
        let vignette = 1.0 - 0.45 * (nx * nx + ny * ny);
        gradient * vignette
    });
    raster::add_noise(&mut img, rng, 3.0);
    Ok(img)
}

/// A table top filling the frame: wood grain or dark cloth.
fn table(rng: &mut Rng, (w, h): (u32, u32)) -> RgbImage {
    let wood = rng.chance(0.6);
    let base: [f32; 3] = if wood {
        *rng.pick(&[
            [128.0, 84.0, 48.0],
            [150.0, 104.0, 62.0],
            [98.0, 64.0, 38.0],
        ])
    } else {
        *rng.pick(&[[46.0, 48.0, 56.0], [34.0, 40.0, 62.0], [58.0, 52.0, 50.0]])
    };
    let plank = rng.float(260.0, 420.0) as f32;
    let coarse = raster::Noise::new(rng, w, h, if wood { 180.0 } else { 90.0 });
    let fine = raster::Noise::new(rng, w, h, 60.0);
    RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let shade = if wood {
            let warp = coarse.at(fx, fy) * 30.0;
            let grain = ((fy + warp + 8.0 * (fx * 0.01).sin()) * 0.22).sin() * 0.5 + 0.5;
            let seam = if (fx % plank) < 3.0 { 0.7 } else { 1.0 };
            (0.85 + 0.2 * grain + 0.15 * fine.at(fx, fy)) * seam
        } else {
            let weave = if ((x / 3) + (y / 3)) % 2 == 0 {
                1.04
            } else {
                0.96
            };
            weave * (0.9 + 0.2 * coarse.at(fx, fy))
        };
        Rgb(base.map(|c| (c * shade).round().clamp(0.0, 255.0) as u8))
    })
}

/// The card photocopied onto A4 at 200 dpi, scanned to a grayscale JPEG inside a PDF.
fn scanned_pdf(fonts: &Fonts, person: &Person, rng: &mut Rng) -> Result<Vec<u8>, SynthError> {
    const DPI: f32 = 200.0;
    let (pw, ph) = (
        (210.0 / 25.4 * DPI).round() as u32,
        (297.0 / 25.4 * DPI).round() as u32,
    );
    let paper = rng.range(244, 252) as u8;
    let mut page = RgbImage::from_pixel(pw, ph, Rgb([paper; 3]));
    let card_w = 85.6 / 25.4 * DPI;
    let mut card_img = card(fonts, person, card_w.round() as u32);
    // Scanner optics soften the card; the blank paper around it needs no blurring.
    raster::blur_rgb(&mut card_img, 0.6);
    let card_h = card_img.height() as f32;
    let center = (
        rng.float(140.0, 360.0) as f32 + card_w / 2.0,
        rng.float(140.0, 380.0) as f32 + card_h / 2.0,
    );
    let place = Placement {
        quad: raster::rotated_quad(center, card_w, card_h, rng.float(-2.0, 2.0) as f32),
        corner: 0.035,
        shadow: (0.0, 0.0, 0.0),
    };
    raster::composite(&mut page, &card_img, &place);
    let gray = scan_finish(raster::to_gray(&page), rng);
    let jpeg = raster::jpeg_gray(&gray, 75)?;
    pdf::image_pdf(&jpeg, pw, ph, true, "Canon iR-ADV C3525 PDF")
}

/// Scanner artefacts on a grayscale page: lamp shading across the width, dust specks and a
/// little sensor noise; sparse on purpose so white paper still compresses.
pub fn scan_finish(mut gray: image::GrayImage, rng: &mut Rng) -> image::GrayImage {
    let (w, h) = gray.dimensions();
    let tilt = rng.float(-0.03, 0.03) as f32;
    let gains: Vec<f32> = (0..w)
        .map(|x| {
            let nx = x as f32 / w as f32;
            1.0 + tilt * (nx - 0.5) - 0.03 * (2.0 * nx - 1.0).powi(4)
        })
        .collect();
    let data: &mut [u8] = &mut gray;
    let mut bits = 0u64;
    for (i, v) in data.iter_mut().enumerate() {
        // One random byte per pixel: one pixel in eight gets up to ±5 levels of sensor noise.
        if i % 8 == 0 {
            bits = rng.next_u64();
        }
        let byte = (bits >> (8 * (i % 8)) & 0xFF) as f32;
        let noise = if byte < 32.0 {
            (byte / 32.0 - 0.5) * 10.0
        } else {
            0.0
        };
        *v = (*v as f32 * gains[i % w as usize] + noise)
            .round()
            .clamp(0.0, 255.0) as u8;
    }
    for _ in 0..rng.range(40, 120) {
        let (x, y) = (rng.below(w as u64) as u32, rng.below(h as u64) as u32);
        let dark = rng.range(60, 180) as u8;
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            if x + dx < w && y + dy < h && rng.chance(0.7) {
                gray.put_pixel(x + dx, y + dy, image::Luma([dark]));
            }
        }
    }
    gray
}

/// A small passport-style photo: the same silhouette as on the card, JPEG.
pub fn pas_foto(rng: &mut Rng) -> Result<Vec<u8>, SynthError> {
    let backdrop = if rng.chance(0.5) {
        [196, 42, 40]
    } else {
        [38, 88, 186]
    };
    let mut img = raster::silhouette(240, 320, backdrop);
    raster::add_noise(&mut img, rng, 2.0);
    raster::jpeg(&img, 80)
}

/// Bytes of a phone's HEIC photo: a valid ISO-BMFF `ftyp` box naming the `heic` brand, then
/// boxes of opaque data no image library here can decode.
pub fn heic_bytes(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&24u32.to_be_bytes());
    out.extend_from_slice(b"ftypheic");
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(b"mif1heic");
    let meta_len = rng.range(300, 600) as u32;
    out.extend_from_slice(&meta_len.to_be_bytes());
    out.extend_from_slice(b"meta");
    out.extend((8..meta_len).map(|_| rng.below(256) as u8));
    let mdat_len = rng.range(40_000, 70_000) as u32;
    out.extend_from_slice(&mdat_len.to_be_bytes());
    out.extend_from_slice(b"mdat");
    out.extend((8..mdat_len).map(|_| rng.below(256) as u8));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_decodes() {
        let fonts = Fonts::load().expect("dejavu fonts installed");
        let p = person::person(11);
        for variant in [
            KtpVariant::Clean,
            KtpVariant::PhonePhoto,
            KtpVariant::LowRes,
            KtpVariant::Unreadable,
        ] {
            let bytes = render_with(&fonts, &p, variant, 3).unwrap();
            let format = image::guess_format(&bytes).unwrap();
            let expected = if variant == KtpVariant::Clean {
                image::ImageFormat::Png
            } else {
                image::ImageFormat::Jpeg
            };
            assert_eq!(format, expected, "{variant:?}");
            let img = image::load_from_memory(&bytes).unwrap();
            match variant {
                KtpVariant::Clean => assert!((980..=1020).contains(&img.width())),
                KtpVariant::LowRes => assert!((420..=480).contains(&img.width())),
                _ => assert!(img.width() >= 800),
            }
        }
        let bytes = render_with(&fonts, &p, KtpVariant::ScannedPdf, 3).unwrap();
        let doc = lopdf::Document::load_mem(&bytes).unwrap();
        let image_stream = doc
            .objects
            .values()
            .filter_map(|o| o.as_stream().ok())
            .find(|s| {
                s.dict.get(b"Subtype").and_then(|v| v.as_name()).ok() == Some(b"Image".as_slice())
            })
            .expect("an image xobject");
        let img =
            image::load_from_memory_with_format(&image_stream.content, image::ImageFormat::Jpeg)
                .unwrap();
        assert_eq!((img.width(), img.height()), (1654, 2339));
        assert!(doc.extract_text(&[1]).unwrap_or_default().trim().is_empty());
    }

    #[test]
    fn heic_has_the_brand() {
        let bytes = heic_bytes(&mut Rng::new(5));
        assert_eq!(&bytes[4..12], b"ftypheic");
        assert!(image::load_from_memory(&bytes).is_err());
    }

    #[test]
    fn same_seed_same_bytes() {
        let fonts = Fonts::load().expect("dejavu fonts installed");
        let p = person::person(2);
        let a = render_with(&fonts, &p, KtpVariant::LowRes, 9).unwrap();
        let b = render_with(&fonts, &p, KtpVariant::LowRes, 9).unwrap();
        assert_eq!(a, b);
    }
}
