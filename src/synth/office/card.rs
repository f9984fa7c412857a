//! The office family's KTP: Liberation and FreeFont faces, a bold monospaced NIK, header and
//! ground variants, a layout grid of its own; nothing shared with `ktp::card` but the pixels.

use image::imageops;
use image::{Rgb, RgbImage};

use std::path::{Path, PathBuf};

use ab_glyph::FontVec;

use crate::synth::error::SynthError;
use crate::synth::person::{self, Person};
use crate::synth::raster::{self, Style};
use crate::synth::rng::Rng;

/// The family's faces: Liberation Sans for the card's print (Arial's metrics), and three bold
/// monospaced faces for the NIK.
pub struct OfficeFonts {
    pub sans: FontVec,
    pub sans_bold: FontVec,
    pub nik: [FontVec; 3],
}

const LIBERATION: &str = "/usr/share/fonts/truetype/liberation2";
const FREEFONT: &str = "/usr/share/fonts/truetype/freefont";

impl OfficeFonts {
    /// The faces, read from disk once per process: every office sample draws a card.
    pub fn shared() -> Result<&'static OfficeFonts, SynthError> {
        static FONTS: std::sync::OnceLock<OfficeFonts> = std::sync::OnceLock::new();
        if let Some(fonts) = FONTS.get() {
            return Ok(fonts);
        }
        let fonts = OfficeFonts::load()?;
        Ok(FONTS.get_or_init(|| fonts))
    }

    fn load() -> Result<OfficeFonts, SynthError> {
        let load = |dir: &str, file: &str| -> Result<FontVec, SynthError> {
            let path: PathBuf = Path::new(dir).join(file);
            let bytes =
                std::fs::read(&path).map_err(|_| SynthError::FontMissing { path: path.clone() })?;
            FontVec::try_from_vec(bytes).map_err(|_| SynthError::FontInvalid { path })
        };
        Ok(OfficeFonts {
            sans: load(LIBERATION, "LiberationSans-Regular.ttf")?,
            sans_bold: load(LIBERATION, "LiberationSans-Bold.ttf")?,
            nik: [
                load(LIBERATION, "LiberationMono-Bold.ttf")?,
                load(raster::FONT_DIR, "DejaVuSansMono-Bold.ttf")?,
                load(FREEFONT, "FreeMonoBold.ttf")?,
            ],
        })
    }
}

const INK: [u8; 3] = [14, 16, 20];

/// How this card was printed: faces, sizes and the ground, drawn once per sample.
pub struct CardStyle {
    nik_font: usize,
    nik_size: f32,
    header_size: f32,
    header_bold: bool,
    label_x: f32,
    colon_x: f32,
    pitch: f32,
    value_size: f32,
    ground: [f32; 3],
    ground_end: [f32; 3],
    rings: bool,
    backdrop: [u8; 3],
}

impl CardStyle {
    pub fn draw(rng: &mut Rng) -> CardStyle {
        let grounds: [([f32; 3], [f32; 3]); 4] = [
            ([205.0, 230.0, 246.0], [168.0, 206.0, 232.0]),
            ([190.0, 222.0, 238.0], [200.0, 214.0, 236.0]),
            ([214.0, 236.0, 244.0], [186.0, 226.0, 214.0]),
            ([196.0, 218.0, 242.0], [226.0, 214.0, 226.0]),
        ];
        let (ground, ground_end) = *rng.pick(&grounds);
        CardStyle {
            nik_font: rng.below(3) as usize,
            nik_size: rng.float(34.0, 42.0) as f32,
            header_size: rng.float(26.0, 33.0) as f32,
            header_bold: rng.chance(0.8),
            label_x: rng.float(28.0, 50.0) as f32,
            colon_x: rng.float(215.0, 250.0) as f32,
            pitch: rng.float(31.0, 35.0) as f32,
            value_size: rng.float(22.0, 26.0) as f32,
            ground,
            ground_end,
            rings: rng.chance(0.5),
            backdrop: if rng.chance(0.5) {
                [200, 36, 44]
            } else {
                [30, 80, 176]
            },
        }
    }
}

/// The card, `width` pixels wide, on a 1000-unit grid.
pub fn card(fonts: &OfficeFonts, person: &Person, style: &CardStyle, width: u32) -> RgbImage {
    let height = (width as f32 * 54.0 / 85.6).round() as u32;
    let u = width as f32 / 1000.0;
    let mut img = ground(width, height, u, style);
    let regency = person::regency(&person.ktp_regency_code);
    let header_font = if style.header_bold {
        &fonts.sans_bold
    } else {
        &fonts.sans
    };
    for (text, y) in [
        (regency.province, 46.0),
        (regency.name, 46.0 + style.header_size * 1.3),
    ] {
        let w = raster::text_width(header_font, style.header_size * u, text);
        raster::draw_text(
            &mut img,
            Style::new(header_font, style.header_size * u, INK),
            (1000.0 * u - w) / 2.0,
            y * u,
            text,
        );
    }
    let nik_y = 100.0 + style.header_size * 1.5;
    let label = Style::new(&fonts.sans_bold, 32.0 * u, INK);
    raster::draw_text(&mut img, label, style.label_x * u, nik_y * u, "NIK");
    raster::draw_text(&mut img, label, (style.colon_x - 8.0) * u, nik_y * u, ":");
    raster::draw_text(
        &mut img,
        Style::new(&fonts.nik[style.nik_font], style.nik_size * u, INK),
        (style.colon_x + 8.0) * u,
        nik_y * u,
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
        ("Jenis kelamin", &person.sex),
        ("Alamat", &person.address),
        ("    RT/RW", &person.rt_rw),
        ("    Kel/Desa", &person.kel_desa),
        ("    Kecamatan", &person.kecamatan),
        ("Agama", &person.religion),
        ("Status Perkawinan", &person.marital_status),
        ("Pekerjaan", &person.occupation),
        ("Kewarganegaraan", "WNI"),
        ("Berlaku Hingga", "SEUMUR HIDUP"),
    ];
    let top = nik_y + 44.0;
    let label = Style::new(&fonts.sans, 20.0 * u, INK);
    for (i, (name, value)) in rows.iter().enumerate() {
        let y = (top + style.pitch * i as f32) * u;
        raster::draw_text(&mut img, label, style.label_x * u, y, name);
        raster::draw_text(&mut img, label, style.colon_x * u, y, ":");
        let room = if i == 2 { 170.0 } else { 690.0 - style.colon_x } * u;
        let size = style.value_size * u;
        let natural = raster::text_width(&fonts.sans, size, value);
        let fitted = if natural > room {
            size * room / natural
        } else {
            size
        };
        raster::draw_text(
            &mut img,
            Style::new(&fonts.sans, fitted, INK),
            (style.colon_x + 14.0) * u,
            y,
            value,
        );
        if i == 2 {
            raster::draw_text(&mut img, label, 455.0 * u, y, "Gol Darah :");
            raster::draw_text(
                &mut img,
                Style::new(&fonts.sans, size, INK),
                565.0 * u,
                y,
                "-",
            );
        }
    }
    let photo = raster::silhouette((195.0 * u) as u32, (250.0 * u) as u32, style.backdrop);
    imageops::replace(&mut img, &photo, (760.0 * u) as i64, (135.0 * u) as i64);
    let small = Style::new(&fonts.sans, 18.0 * u, INK);
    for (text, y) in [(regency.issue_place, 420.0), ("12-06-2019", 444.0)] {
        let w = raster::text_width(&fonts.sans, 18.0 * u, text);
        raster::draw_text(&mut img, small, 857.0 * u - w / 2.0, y * u, text);
    }
    img
}

/// A two-colour gradient with either concentric rings or a fine diagonal hatch.
fn ground(width: u32, height: u32, u: f32, style: &CardStyle) -> RgbImage {
    let (w, h) = (width as f32, height as f32);
    RgbImage::from_fn(width, height, |x, y| {
        let t = ((x as f32 / w) * 0.5 + (y as f32 / h) * 0.5).clamp(0.0, 1.0);
        let mut rgb: [f32; 3] =
            std::array::from_fn(|i| style.ground[i] + (style.ground_end[i] - style.ground[i]) * t);
        let (fx, fy) = (x as f32 / u, y as f32 / u);
        let mark = if style.rings {
            let d = ((fx - 300.0).powi(2) + (fy - 420.0).powi(2)).sqrt();
            (d * 0.08).sin() > 0.93
        } else {
            ((fx + fy) * 0.11).sin() > 0.96
        };
        if mark {
            for c in &mut rgb {
                *c -= 9.0;
            }
        }
        Rgb(rgb.map(|c| c.round().clamp(0.0, 255.0) as u8))
    })
}
