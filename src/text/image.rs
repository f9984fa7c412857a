//! Images before OCR: safe decoding, then finding the card or page in a photo, straightening
//! it, scaling it to a size tesseract reads well, evening out the light and leaving a card's
//! photo out.

use std::borrow::Cow;
use std::io::Cursor;

use image::imageops::{self, FilterType};
use image::metadata::Orientation;
use image::{
    DynamicImage, GrayImage, ImageBuffer, ImageDecoder, ImageFormat, ImageReader, Limits, Luma,
    RgbImage,
};
use imageproc::distance_transform::Norm;
use imageproc::geometric_transformations::Projection;
use imageproc::morphology;
use imageproc::region_labelling::{Connectivity, connected_components};

use crate::parse::FileType;

/// A phone photo is ~12 MP; a header claiming far more is hostile or broken.
const MAX_SIDE: u32 = 12_000;
const MAX_DECODE_BYTES: u64 = 192 * 1024 * 1024;
/// Side of the thumbnail the card is searched on: enough for a card's outline, cheap to scan.
const DETECT_SIDE: u32 = 400;
/// Widths tesseract reads best at: card text then has an x-height of about 20 px, page text
/// (A4 at ~150 dpi) about 16 px.
const CARD_WIDTH: u32 = 1150;
/// A small card is enlarged at most this much: blowing a 450 px card up to the full width adds
/// no detail, only pixels for tesseract to work through. On ten generated low-resolution
/// cards 1.4 read every NIK and name, as 1.8 did, with about 15% less OCR time; at 1.2 one
/// card in ten lost its NIK or name, at 1.0 six.
const MAX_CARD_UPSCALE: f32 = 1.4;
const PAGE_WIDTH: u32 = 1400;
/// ID-1 card: 85.6 × 54 mm.
pub const CARD_ASPECT: f32 = 85.6 / 54.0;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("image format {0:?} cannot be decoded")]
    Unsupported(FileType),
    #[error("image is too large ({width}x{height})")]
    TooLarge { width: u32, height: u32 },
    #[error("image data is broken: {0}")]
    Broken(String),
}

fn format_of(file_type: FileType) -> Result<ImageFormat, ImageError> {
    Ok(match file_type {
        FileType::Jpeg => ImageFormat::Jpeg,
        FileType::Png => ImageFormat::Png,
        FileType::Gif => ImageFormat::Gif,
        FileType::Tiff => ImageFormat::Tiff,
        FileType::Bmp => ImageFormat::Bmp,
        FileType::Webp => ImageFormat::WebP,
        other => return Err(ImageError::Unsupported(other)),
    })
}

/// The size a picture is seen at, width first: turned a quarter when its EXIF orientation
/// says so, as `decode` and browsers turn it. Only the header is read.
pub fn seen_size(data: &[u8], file_type: FileType) -> Option<(u32, u32)> {
    let reader = ImageReader::with_format(Cursor::new(data), format_of(file_type).ok()?);
    let mut decoder = reader.into_decoder().ok()?;
    let (width, height) = decoder.dimensions();
    let quarter = matches!(
        decoder.orientation().ok()?,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    Some(if quarter {
        (height, width)
    } else {
        (width, height)
    })
}

pub fn decode(data: &[u8], file_type: FileType) -> Result<DynamicImage, ImageError> {
    let mut reader = ImageReader::with_format(Cursor::new(data), format_of(file_type)?);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let broken = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => ImageError::TooLarge {
            width: 0,
            height: 0,
        },
        other => ImageError::Broken(other.to_string()),
    };
    let mut decoder = reader.into_decoder().map_err(broken)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::TooLarge { width, height });
    }
    if width == 0 || height == 0 {
        return Err(ImageError::Broken("zero-sized image".into()));
    }
    // Phones store the camera's rotation as EXIF; a KTP read sideways reads as nothing.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => ImageError::TooLarge { width, height },
        other => ImageError::Broken(other.to_string()),
    })?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// What the subject of a picture looks like after preparation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Landscape with an ID card's proportions.
    Card,
    /// Anything else: a page, a screenshot, a photo of a document.
    Page,
}

pub struct Prepared {
    pub gray: GrayImage,
    pub shape: Shape,
    /// Whether a card or page outline was found and straightened (false: the whole frame).
    pub outlined: bool,
    /// Where `gray`'s corners lie on the original picture (top-left, top-right,
    /// bottom-right, bottom-left).
    pub quad: [(f32, f32); 4],
}

/// Finds the document in the frame, straightens it, scales it and evens the light.
pub fn prepare(img: &DynamicImage) -> Prepared {
    let (quad, outlined) = match find_outline(img) {
        Some(quad) => (quad, true),
        None => {
            let (w, h) = (img.width() as f32, img.height() as f32);
            ([(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)], false)
        }
    };
    let sideways = |q: [(f32, f32); 4]| {
        let top = dist(q[0], q[1]).max(dist(q[3], q[2]));
        let side = dist(q[0], q[3]).max(dist(q[1], q[2]));
        outlined && (1.35..=1.95).contains(&(side / top.max(1.0)))
    };
    // A card photographed sideways (no EXIF to say so) stands on its short edge: its
    // left-hand edge is taken as its top, a quarter turn clockwise. Turned the other way it
    // comes out upside down, which the reader undoes by the text it finds.
    let quad = if sideways(quad) {
        [quad[3], quad[0], quad[1], quad[2]]
    } else {
        quad
    };
    let top = dist(quad[0], quad[1]).max(dist(quad[3], quad[2]));
    let side = dist(quad[0], quad[3]).max(dist(quad[1], quad[2]));
    let aspect = top / side.max(1.0);
    // A card is 1.59 wide to its height; photographed at a slant its far edge shrinks, and a
    // card on a table seen from the applicant's seat measured 1.854 (bench seed 10).
    let shape = if (1.35..=1.95).contains(&aspect) {
        Shape::Card
    } else {
        Shape::Page
    };
    let out_w = match shape {
        Shape::Card => CARD_WIDTH.min((top * MAX_CARD_UPSCALE) as u32),
        Shape::Page => PAGE_WIDTH.min(top.max(PAGE_WIDTH as f32 / 2.0) as u32 * 2),
    };
    let out_h = ((out_w as f32 / aspect).round() as u32).clamp(16, MAX_SIDE);
    let value = value_channel(img);
    let gray = flatten_light(&straighten(&value, quad, out_w, out_h));
    // The print may still slant: a page fed askew, a card laid crooked on the glass (whose
    // outline is then found as the box around it). It is read along its lines.
    let skew = skew_of(&gray);
    if skew == 0.0 {
        return Prepared {
            gray,
            shape,
            outlined,
            quad,
        };
    }
    let quad = tilted(quad, skew);
    Prepared {
        gray: flatten_light(&straighten(&value, quad, out_w, out_h)),
        shape,
        outlined,
        quad,
    }
}

/// The steepest slant of a scan's lines looked for: scanners feed pages up to a couple of
/// degrees askew, a card laid on the glass by hand a few more.
const MAX_SKEW_DEG: f32 = 5.0;
const SKEW_STEP_DEG: f32 = 0.25;
/// Below this the page is taken as straight: tesseract reads a slight slant unaided.
const MIN_SKEW_DEG: f32 = 0.4;
/// The skew is measured on a copy this wide: the lines' slope shows as well as at full size.
const SKEW_SIDE: u32 = 700;

/// The angle (radians, positive where the lines descend to the right) at which the ink's
/// rows are sharpest: along the lines of print each row of the profile holds a whole line's
/// ink or none, across them it blurs.
fn skew_of(gray: &GrayImage) -> f32 {
    let k = (SKEW_SIDE as f32 / gray.width() as f32).min(1.0);
    let small = imageops::thumbnail(
        gray,
        ((gray.width() as f32 * k) as u32).max(1),
        ((gray.height() as f32 * k) as u32).max(1),
    );
    let level = imageproc::contrast::otsu_level(&small).min(160);
    let ink: Vec<(f32, f32)> = small
        .enumerate_pixels()
        .filter(|(_, _, p)| p[0] < level)
        .map(|(x, y, _)| (x as f32, y as f32))
        .collect();
    // A page with almost no print has no lines to measure.
    if ink.len() < 200 || ink.len() * 3 > (small.width() * small.height()) as usize {
        return 0.0;
    }
    let (w, h) = (small.width() as f32, small.height() as f32);
    let steps = (MAX_SKEW_DEG / SKEW_STEP_DEG) as i32;
    let sharpness = |angle: f32| {
        let t = angle.tan();
        let shift = w * t.abs();
        let mut rows = vec![0u32; (h + 2.0 * shift) as usize + 2];
        for &(x, y) in &ink {
            rows[(y - x * t + shift) as usize] += 1;
        }
        rows.iter()
            .map(|&c| u64::from(c) * u64::from(c))
            .sum::<u64>()
    };
    let (best, _) = (-steps..=steps)
        .map(|i| (i as f32 * SKEW_STEP_DEG).to_radians())
        .map(|a| (a, sharpness(a)))
        .fold(
            (0.0, 0),
            |best, (a, s)| if s > best.1 { (a, s) } else { best },
        );
    if best.abs() < MIN_SKEW_DEG.to_radians() {
        0.0
    } else {
        best
    }
}

/// The quadrilateral turned by `angle` (radians, clockwise on screen) about its centre.
fn tilted(quad: [(f32, f32); 4], angle: f32) -> [(f32, f32); 4] {
    if angle == 0.0 {
        return quad;
    }
    let (cx, cy) = (
        quad.iter().map(|p| p.0).sum::<f32>() / 4.0,
        quad.iter().map(|p| p.1).sum::<f32>() / 4.0,
    );
    let (sin, cos) = angle.sin_cos();
    quad.map(|(x, y)| {
        let (dx, dy) = (x - cx, y - cy);
        (cx + dx * cos - dy * sin, cy + dx * sin + dy * cos)
    })
}

/// Max of R, G, B: black print stays black while the KTP's blue or cyan background turns
/// light, which a plain luma conversion would darken. A gray scan is its own value channel.
fn value_channel(img: &DynamicImage) -> Cow<'_, GrayImage> {
    let of_rgb = |rgb: &RgbImage| {
        GrayImage::from_fn(rgb.width(), rgb.height(), |x, y| {
            let p = rgb.get_pixel(x, y).0;
            Luma([p[0].max(p[1]).max(p[2])])
        })
    };
    match img {
        DynamicImage::ImageLuma8(gray) => Cow::Borrowed(gray),
        DynamicImage::ImageRgb8(rgb) => Cow::Owned(of_rgb(rgb)),
        other => Cow::Owned(of_rgb(&other.to_rgb8())),
    }
}

fn dist(a: (f32, f32), b: (f32, f32)) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// The card's quadrilateral in `gray` mapped onto an `out_w` × `out_h` rectangle, sampled
/// bilinearly; outside the frame counts as white paper. Written out rather than through
/// imageproc's generic `warp_into`, which took a fifth of a card's whole reading time.
fn straighten(gray: &GrayImage, quad: [(f32, f32); 4], out_w: u32, out_h: u32) -> GrayImage {
    let (w, h) = (out_w as f32, out_h as f32);
    let target = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    let Some(to_source) = Projection::from_control_points(target, quad) else {
        return imageops::resize(gray, out_w, out_h, FilterType::Triangle);
    };
    let (sw, sh) = (gray.width() as i64, gray.height() as i64);
    let src = gray.as_raw();
    let at = |x: i64, y: i64| -> f32 {
        if x < 0 || y < 0 || x >= sw || y >= sh {
            255.0
        } else {
            src[(y * sw + x) as usize] as f32
        }
    };
    let mut out = GrayImage::new(out_w, out_h);
    for (y, row) in out.chunks_mut(out_w as usize).enumerate() {
        for (x, px) in row.iter_mut().enumerate() {
            let (fx, fy) = to_source * (x as f32, y as f32);
            if !(fx.is_finite() && fy.is_finite()) {
                *px = 255;
                continue;
            }
            let (x0, y0) = (floor(fx), floor(fy));
            let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
            let corners = [
                [at(x0, y0), at(x0 + 1, y0)],
                [at(x0, y0 + 1), at(x0 + 1, y0 + 1)],
            ];
            *px = (bilinear(corners, ax, ay) + 0.5).min(255.0) as u8;
        }
    }
    out
}

/// The four corners (top-left, top-right, bottom-right, bottom-left, in full-size pixels) of
/// the largest region that differs from the frame's border colour, when that region looks like
/// a document lying in the frame rather than filling it.
fn find_outline(img: &DynamicImage) -> Option<[(f32, f32); 4]> {
    let scale = (DETECT_SIDE as f32 / img.width().max(img.height()) as f32).min(1.0);
    let (sw, sh) = (
        ((img.width() as f32 * scale) as u32).max(1),
        ((img.height() as f32 * scale) as u32).max(1),
    );
    if sw < 32 || sh < 32 {
        return None;
    }
    // Only the thumbnail is made RGB: a full-size RGB copy of a scanned page is three times
    // the page. Shrinking a gray image and then making it RGB gives the same pixels.
    let small = match img {
        DynamicImage::ImageRgb8(rgb) => imageops::thumbnail(rgb, sw, sh),
        DynamicImage::ImageLuma8(gray) => {
            DynamicImage::ImageLuma8(imageops::thumbnail(gray, sw, sh)).to_rgb8()
        }
        other => imageops::thumbnail(&other.to_rgb8(), sw, sh),
    };
    // A light blur keeps scanner noise and JPEG blocks from joining the background to the card.
    let small = imageproc::filter::gaussian_blur_f32(&small, 1.0);
    let background = border_median(&small);
    let distance = GrayImage::from_fn(sw, sh, |x, y| {
        let p = small.get_pixel(x, y).0;
        let d = (0..3)
            .map(|c| (p[c] as i32 - background[c] as i32).abs())
            .max()
            .unwrap_or(0);
        Luma([d.min(255) as u8])
    });
    // On a table the card stands out strongly and Otsu's level separates the two; on a white
    // scanner bed the card's pale background is only a little darker than the page, and Otsu
    // splits ink from paper instead, so a low fixed level is tried next.
    let otsu = imageproc::contrast::otsu_level(&distance).max(10);
    let paper = background.iter().all(|&c| c >= 200);
    let corners = if paper {
        // A scanner bed or white page: Otsu's level outlines the block of ink, and only a low
        // level reaches the card's pale background, still missing its palest corners. Scans lie
        // nearly straight, so the larger outline's bounding box with a margin is the card.
        // Only a card-shaped blob is a card lying on the page; a portrait blob is the card's
        // photo when the card fills the frame, and one covering most of the frame is the card
        // itself: both leave the frame whole.
        let (x0, x1, y0, y1) = [
            outline_at(&distance, otsu, 0.03),
            outline_at(&distance, CARD_TINT, 0.03),
        ]
        .into_iter()
        .flatten()
        .map(bounds)
        .filter(|&(x0, x1, y0, y1)| {
            let (w, h) = (x1 - x0, y1 - y0);
            (1.3..=1.9).contains(&(w / h.max(1.0)))
                && w * h < 0.6 * (sw * sh) as f32
                && tinted_share(&distance, (x0, x1, y0, y1), CARD_TINT) >= 0.85
        })
        .max_by(|a, b| ((a.1 - a.0) * (a.3 - a.2)).total_cmp(&((b.1 - b.0) * (b.3 - b.2))))?;
        let (mx, my) = ((x1 - x0) * 0.05, (y1 - y0) * 0.08);
        let (x0, x1) = ((x0 - mx).max(0.0), (x1 + mx).min(sw as f32));
        let (y0, y1) = ((y0 - my).max(0.0), (y1 + my).min(sh as f32));
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    } else {
        // A card on a table stands out whole; its corners also undo the photo's perspective.
        // People fill the frame with what they photograph, so a small blob is a detail (the
        // photo on a card that fills the frame), not the document.
        let quad = outline_at(&distance, otsu, 0.15)?;
        // A paragraph of print closes into a blob too; only a document differs from what it
        // lies on all over.
        if tinted_share(&distance, bounds(quad), 6) < 0.6 {
            return None;
        }
        quad
    };
    Some(corners.map(|(x, y)| (x / scale, y / scale)))
}

/// (left, right, top, bottom) of a quadrilateral.
fn bounds(q: [(f32, f32); 4]) -> (f32, f32, f32, f32) {
    let (xs, ys) = (q.map(|p| p.0), q.map(|p| p.1));
    (
        xs.iter().copied().fold(f32::MAX, f32::min),
        xs.iter().copied().fold(0.0, f32::max),
        ys.iter().copied().fold(f32::MAX, f32::min),
        ys.iter().copied().fold(0.0, f32::max),
    )
}

/// How far (0–255, in the most different channel) a KTP's pale background lies from white
/// paper at least: in a scan, dense print blurred at detection size comes close to it over
/// half a page of text, but never over nearly all of a box the way a card's tint does.
const CARD_TINT: u8 = 12;

/// Share of a box's pixels that differ from the paper by more than `level`: a card's tinted
/// background fills its box, a paragraph of print on white paper leaves much of its box white.
fn tinted_share(distance: &GrayImage, (x0, x1, y0, y1): (f32, f32, f32, f32), level: u8) -> f32 {
    let (w, h) = distance.dimensions();
    let (x0, x1) = (x0.max(0.0) as u32, (x1 as u32).min(w));
    let (y0, y1) = (y0.max(0.0) as u32, (y1 as u32).min(h));
    let total = (x1.saturating_sub(x0) * y1.saturating_sub(y0)).max(1);
    let tinted = (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .filter(|&(x, y)| distance.get_pixel(x, y).0[0] > level)
        .count();
    tinted as f32 / total as f32
}

fn outline_at(distance: &GrayImage, level: u8, min_fraction: f32) -> Option<[(f32, f32); 4]> {
    let (sw, sh) = distance.dimensions();
    let mut mask = GrayImage::from_fn(sw, sh, |x, y| {
        Luma([if distance.get_pixel(x, y).0[0] > level {
            255
        } else {
            0
        }])
    });
    // Text and photo inside the card differ from the card itself; closing fills them in.
    mask = morphology::close(&mask, Norm::LInf, 3);
    let labels = connected_components(&mask, Connectivity::Eight, Luma([0u8]));
    let mut sizes: Vec<u32> = Vec::new();
    for p in labels.pixels() {
        let l = p.0[0] as usize;
        if l == 0 {
            continue;
        }
        if sizes.len() <= l {
            sizes.resize(l + 1, 0);
        }
        sizes[l] += 1;
    }
    let (label, &size) = sizes.iter().enumerate().max_by_key(|(_, s)| **s)?;
    let area = (sw * sh) as f32;
    if (size as f32) < area * min_fraction || (size as f32) > area * 0.97 {
        return None;
    }
    let mut corners = [(0.0f32, 0.0f32); 4];
    let mut best = [f32::MAX, f32::MIN, f32::MIN, f32::MAX];
    for (x, y, p) in labels.enumerate_pixels() {
        if p.0[0] as usize != label {
            continue;
        }
        let (fx, fy) = (x as f32, y as f32);
        let (sum, diff) = (fx + fy, fx - fy);
        if sum < best[0] {
            best[0] = sum;
            corners[0] = (fx, fy);
        }
        if diff > best[1] {
            best[1] = diff;
            corners[1] = (fx + 1.0, fy);
        }
        if sum > best[2] {
            best[2] = sum;
            corners[2] = (fx + 1.0, fy + 1.0);
        }
        if diff < best[3] {
            best[3] = diff;
            corners[3] = (fx, fy + 1.0);
        }
    }
    let quad_area = polygon_area(&corners);
    // A blob that fills its corner quadrilateral is a document; a ragged one (a shadow, a
    // patterned table) is not, and straightening it would only distort the text.
    if quad_area <= 0.0 || (size as f32) / quad_area < 0.85 {
        return None;
    }
    let touches = corners
        .iter()
        .filter(|(x, y)| *x <= 1.0 || *y <= 1.0 || *x >= sw as f32 - 1.0 || *y >= sh as f32 - 1.0)
        .count();
    if touches >= 3 {
        return None;
    }
    Some(corners)
}

fn border_median(img: &RgbImage) -> [u8; 3] {
    let (w, h) = img.dimensions();
    let mut channels: [Vec<u8>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut push = |x: u32, y: u32| {
        let p = img.get_pixel(x, y).0;
        for c in 0..3 {
            channels[c].push(p[c]);
        }
    };
    for x in 0..w {
        push(x, 0);
        push(x, h - 1);
    }
    for y in 0..h {
        push(0, y);
        push(w - 1, y);
    }
    channels.map(|mut v| {
        v.sort_unstable();
        v[v.len() / 2]
    })
}

fn polygon_area(p: &[(f32, f32); 4]) -> f32 {
    let mut twice = 0.0;
    for i in 0..4 {
        let (a, b) = (p[i], p[(i + 1) % 4]);
        twice += a.0 * b.1 - b.0 * a.1;
    }
    twice.abs() / 2.0
}

/// Divides by a smooth estimate of the paper's brightness, so a shadow or a vignette does not
/// push text below or above tesseract's threshold. The estimate is made at an eighth of the
/// size and interpolated back pixel by pixel, never built at full size.
fn flatten_light(gray: &GrayImage) -> GrayImage {
    let (w, h) = gray.dimensions();
    let (sw, sh) = ((w / 8).max(1), (h / 8).max(1));
    let small = imageops::thumbnail(gray, sw, sh);
    // The brightest paper near each point, ink ignored. imageproc's plain `dilate` is binary
    // (every non-zero pixel is foreground) and would make the estimate all white.
    let paper = morphology::grayscale_dilate(&small, &morphology::Mask::square(3));
    let paper = imageproc::filter::gaussian_blur_f32(&paper, 2.0);
    let columns = sample_points(w, sw);
    let rows = sample_points(h, sh);
    let paper = paper.as_raw();
    let mut out = GrayImage::new(w, h);
    for ((row, src), &(y0, y1, ay)) in out
        .chunks_mut(w as usize)
        .zip(gray.chunks(w as usize))
        .zip(&rows)
    {
        let (upper, lower) = (&paper[y0 * sw as usize..], &paper[y1 * sw as usize..]);
        for ((px, &v), &(x0, x1, ax)) in row.iter_mut().zip(src).zip(&columns) {
            let corners = [
                [upper[x0] as f32, upper[x1] as f32],
                [lower[x0] as f32, lower[x1] as f32],
            ];
            let bg = bilinear(corners, ax, ay).max(1.0);
            *px = (v as f32 * 255.0 / bg).min(255.0) as u8;
        }
    }
    out
}

/// A KTP's photo lies right of this share of the card's width; the NIK, the longest print
/// that reaches towards it, ends at about 0.64.
const PHOTO_LEFT: f32 = 0.66;
/// The right column is left alone above this share of the height, where the header runs on.
const PHOTO_TOP: f32 = 0.15;
/// Below the paper's white after [`flatten_light`]: print, and the parts of a photo that
/// shading leaves. A run of such pixels down one column this long (a share of the card's
/// height) is no print: the card's tallest letters, the NIK's, are about 6% of it, a photo's
/// hair and shoulders several times that.
const INKED: u8 = 180;
const PHOTO_RUN: f32 = 0.12;
/// Columns holding such runs that make a photo, as a share of the card's width: a photo is
/// about a fifth of it, a sliver of table at the edge a few pixels.
const PHOTO_COLUMNS: f32 = 0.03;

/// The card with its right-hand column whitened from the photo down: the photo, the place and
/// date of issue and the signature, none of which sertel reads. Told the card is one block of
/// text, tesseract otherwise spends about a tenth of its time making letters of the photo,
/// and strings them onto the values' lines. Where no photo is found the card is left as it is.
pub fn without_photo(card: &GrayImage) -> Cow<'_, GrayImage> {
    let (w, h) = card.dimensions();
    let from = (w as f32 * PHOTO_LEFT) as u32;
    let below = (h as f32 * PHOTO_TOP) as u32;
    let run_needed = ((h as f32 * PHOTO_RUN) as u32).max(2);
    let runs = (from..w).filter_map(|x| {
        let mut run = 0;
        (below..h).find_map(|y| {
            run = if card.get_pixel(x, y)[0] < INKED {
                run + 1
            } else {
                0
            };
            (run == run_needed).then_some((x, y + 1 - run))
        })
    });
    let (columns, left, top) = runs.fold((0, w, h), |(n, left, top), (x, y)| {
        (n + 1, left.min(x), top.min(y))
    });
    if (columns as f32) < w as f32 * PHOTO_COLUMNS {
        return Cow::Borrowed(card);
    }
    // The photo's frame and background reach a little beyond its dark mass.
    let left = left.saturating_sub(w / 25).max(from);
    let top = top.saturating_sub(h / 20).max(below);
    let mut whitened = card.clone();
    for row in whitened.chunks_mut(w as usize).skip(top as usize) {
        row[left as usize..].fill(255);
    }
    Cow::Owned(whitened)
}

/// A mark inside another is at most this share of its ink: a zero's dot is a few percent of
/// the zero.
const INNER_MARK_SHARE: f32 = 0.25;

/// One line of print (a card's NIK) with the marks inside other marks whitened: the bold
/// monospaced faces printing NIKs (DejaVu Sans Mono, Liberation Mono) dot or slash their
/// zeros, and tesseract reads a dotted zero as 6, 8 or 9. No digit has a mark of its own
/// inside its outline, so only such dots go; a dot a blurred copy ran into both sides, a bar
/// across the zero, is cut out of it (see `zero_bar`). The ends of the lines above and below, cut by the
/// crop's top or bottom edge, go too: tesseract strings digits out of them.
pub fn without_inner_marks(line: &GrayImage) -> GrayImage {
    let (w, h) = line.dimensions();
    let level = imageproc::contrast::otsu_level(line);
    let ink = GrayImage::from_fn(w, h, |x, y| {
        Luma([u8::from(line.get_pixel(x, y)[0] <= level) * 255])
    });
    let labels = connected_components(&ink, Connectivity::Eight, Luma([0u8]));
    let marks = marks_of(&labels);
    let inside = |inner: &Mark, outer: &Mark| {
        outer.left < inner.left
            && inner.right < outer.right
            && outer.top < inner.top
            && inner.bottom < outer.bottom
            && (inner.pixels as f32) < outer.pixels as f32 * INNER_MARK_SHARE
    };
    let cut_off = |m: &Mark| (m.top == 0 || m.bottom + 1 == h) && (m.bottom - m.top) * 5 < h * 2;
    let erased: Vec<bool> = marks
        .iter()
        .map(|m| {
            m.is_some_and(|m| cut_off(&m) || marks.iter().flatten().any(|outer| inside(&m, outer)))
        })
        .collect();
    // Given in black and white: the grey rim of an erased mark would read as a ghost of it.
    let mut out = GrayImage::from_fn(w, h, |x, y| {
        let id = labels.get_pixel(x, y)[0] as usize;
        let kept = id != 0 && !erased.get(id).copied().unwrap_or(false);
        Luma([if kept { 0 } else { 255 }])
    });
    for (id, m) in marks.iter().enumerate() {
        if let Some(m) = m
            && !erased[id]
            && let Some(bar) = zero_bar(&labels, id as u32, m)
        {
            unbar(&mut out, &labels, id as u32, m, bar);
        }
    }
    out
}

/// One connected mark of a line of print: its box and its ink.
#[derive(Clone, Copy)]
struct Mark {
    left: u32,
    top: u32,
    right: u32,
    bottom: u32,
    pixels: u32,
}

/// Each label's mark (index: the label; 0, the background, has none).
fn marks_of(labels: &ImageBuffer<Luma<u32>, Vec<u32>>) -> Vec<Option<Mark>> {
    let mut marks: Vec<Option<Mark>> = Vec::new();
    for (x, y, label) in labels.enumerate_pixels() {
        let id = label[0] as usize;
        if id == 0 {
            continue;
        }
        if marks.len() <= id {
            marks.resize(id + 1, None);
        }
        let m = marks[id].get_or_insert(Mark {
            left: x,
            top: y,
            right: x,
            bottom: y,
            pixels: 0,
        });
        m.left = m.left.min(x);
        m.top = m.top.min(y);
        m.right = m.right.max(x);
        m.bottom = m.bottom.max(y);
        m.pixels += 1;
    }
    marks
}

/// A digit's waist against its widest row, above which two counters one over the other make a
/// zero whose dot ran into both sides (a bar across it, as a blurred copy prints it), not an
/// eight, which is pinched between its loops.
const ZERO_WAIST: f32 = 0.92;

/// The rows of a barred zero's two counters (top and bottom of each, in the mark's box), when
/// the mark `id` is one: two counters one above the other, and no pinch between them.
fn zero_bar(
    labels: &ImageBuffer<Luma<u32>, Vec<u32>>,
    id: u32,
    m: &Mark,
) -> Option<((u32, u32), (u32, u32))> {
    let (w, h) = (m.right - m.left + 1, m.bottom - m.top + 1);
    if h < 12 || w < 6 || w > h {
        return None;
    }
    let is_ink = |x: u32, y: u32| labels.get_pixel(m.left + x, m.top + y)[0] == id;
    let paper = GrayImage::from_fn(w, h, |x, y| Luma([if is_ink(x, y) { 0 } else { 255 }]));
    let counters = connected_components(&paper, Connectivity::Four, Luma([0u8]));
    let mut holes: Vec<(u32, u32)> = marks_of(&counters)
        .iter()
        .flatten()
        .filter(|c| c.left > 0 && c.top > 0 && c.right + 1 < w && c.bottom + 1 < h)
        .filter(|c| c.pixels >= 3)
        .map(|c| (c.top, c.bottom))
        .collect();
    let [upper, lower] = holes.as_mut_slice() else {
        return None;
    };
    if upper.0 > lower.0 {
        std::mem::swap(upper, lower);
    }
    let (upper, lower) = (*upper, *lower);
    if upper.1 >= lower.0 {
        return None;
    }
    let width_at = |y: u32| {
        let xs: Vec<u32> = (0..w).filter(|&x| is_ink(x, y)).collect();
        xs.last().map_or(0, |r| r - xs[0] + 1)
    };
    let widest = (0..h).map(width_at).max()?;
    let waist = (upper.1 + 1..lower.0).map(width_at).min()?;
    ((waist as f32) >= widest as f32 * ZERO_WAIST).then_some((upper, lower))
}

/// The bar across a zero whitened: in the rows between its two counters only strokes as
/// thick as the outline's sides beside the counters stay.
fn unbar(
    out: &mut GrayImage,
    labels: &ImageBuffer<Luma<u32>, Vec<u32>>,
    id: u32,
    m: &Mark,
    bar: ((u32, u32), (u32, u32)),
) {
    let ((upper_top, upper_bottom), (lower_top, lower_bottom)) = bar;
    let row = |y: u32| -> Vec<bool> {
        (m.left..=m.right)
            .map(|x| labels.get_pixel(x, m.top + y)[0] == id)
            .collect()
    };
    // The sides' thickness where the counters show them.
    let (mut left, mut right) = (0, 0);
    for y in (upper_top..=upper_bottom).chain(lower_top..=lower_bottom) {
        let ink = row(y);
        let Some(first) = ink.iter().position(|&i| i) else {
            continue;
        };
        let last = ink.iter().rposition(|&i| i).unwrap_or(first);
        left = left.max(ink[first..].iter().take_while(|&&i| i).count());
        right = right.max(ink[..=last].iter().rev().take_while(|&&i| i).count());
    }
    for y in upper_bottom + 1..lower_top {
        let ink = row(y);
        let (Some(first), Some(last)) = (ink.iter().position(|&i| i), ink.iter().rposition(|&i| i))
        else {
            continue;
        };
        for x in first + left..(last + 1).saturating_sub(right) {
            out.put_pixel(m.left + x as u32, m.top + y, Luma([255]));
        }
    }
}

/// The part of the original picture behind `area` of its prepared picture, at the
/// original's resolution and with the light evened: a card photocopied on an A4 page at
/// 300 dpi is about 1000 px wide there, and less than half that on the page scaled for
/// reading, where its NIK's strokes merge. `None` when the original is no larger; else the
/// crop and its scale to `area`.
pub fn full_size_crop(
    img: &DynamicImage,
    prepared: &Prepared,
    (left, top, width, height): (u32, u32, u32, u32),
) -> Option<(GrayImage, f32)> {
    let (pw, ph) = (prepared.gray.width() as f32, prepared.gray.height() as f32);
    let frame = [(0.0, 0.0), (pw, 0.0), (pw, ph), (0.0, ph)];
    let to_source = Projection::from_control_points(frame, prepared.quad)?;
    let scale = dist(prepared.quad[0], prepared.quad[1]) / pw;
    if scale < 1.2 {
        return None;
    }
    let (l, t) = (left as f32, top as f32);
    let (r, b) = ((left + width) as f32, (top + height) as f32);
    let area = [(l, t), (r, t), (r, b), (l, b)].map(|p| to_source * p);
    let (out_w, out_h) = (
        (width as f32 * scale) as u32,
        (height as f32 * scale) as u32,
    );
    if out_w < 16 || out_h < 16 {
        return None;
    }
    let value = value_channel(img);
    Some((
        flatten_light(&straighten(&value, area, out_w, out_h)),
        scale,
    ))
}

/// The value at (`ax`, `ay`) within the square of `[[top left, top right], [bottom left,
/// bottom right]]`, each weight 0 ..= 1.
fn bilinear([[tl, tr], [bl, br]]: [[f32; 2]; 2], ax: f32, ay: f32) -> f32 {
    let top = tl * (1.0 - ax) + tr * ax;
    let bottom = bl * (1.0 - ax) + br * ax;
    top * (1.0 - ay) + bottom * ay
}

/// `f32::floor` is a libm call on baseline x86-64, and this runs once per pixel.
fn floor(v: f32) -> i64 {
    let t = v as i64;
    if (t as f32) > v { t - 1 } else { t }
}

/// For each of `full` pixels, the two of `small` pixels around its centre and the weight of
/// the second: bilinear sampling with pixel centres aligned.
fn sample_points(full: u32, small: u32) -> Vec<(usize, usize, f32)> {
    let ratio = small as f32 / full as f32;
    let last = small as usize - 1;
    (0..full)
        .map(|i| {
            let s = ((i as f32 + 0.5) * ratio - 0.5).max(0.0);
            let lo = (s as usize).min(last);
            (lo, (lo + 1).min(last), s - lo as f32)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn broken_and_unsupported_images_are_refused() {
        // The 60000×60000 PNG header is tested end to end in tests/it/hostile.rs.
        assert!(matches!(
            decode(b"\xFF\xD8\xFF garbage", FileType::Jpeg),
            Err(ImageError::Broken(_))
        ));
        assert_eq!(
            decode(b"x", FileType::Heic).unwrap_err(),
            ImageError::Unsupported(FileType::Heic)
        );
    }

    /// A JPEG of `width` × `height` whose EXIF says the camera was turned: orientation 6, a
    /// quarter clockwise.
    fn turned_jpeg(width: u32, height: u32) -> Vec<u8> {
        let picture = RgbImage::from_fn(width, height, |x, _| Rgb([(x * 4) as u8, 80, 160]));
        let mut jpeg = Cursor::new(Vec::new());
        picture.write_to(&mut jpeg, ImageFormat::Jpeg).unwrap();
        let jpeg = jpeg.into_inner();
        // Big-endian TIFF header, one IFD entry: tag 0x0112 (orientation), SHORT, 1, value 6.
        let exif: &[u8] =
            b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0";
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&(exif.len() as u16 + 2).to_be_bytes());
        out.extend_from_slice(exif);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn a_turned_phone_photo_is_seen_and_read_upright() {
        let jpeg = turned_jpeg(64, 40);
        assert_eq!(seen_size(&jpeg, FileType::Jpeg), Some((40, 64)));
        let upright = decode(&jpeg, FileType::Jpeg).unwrap();
        assert_eq!((upright.width(), upright.height()), (40, 64));
        // The picture's left edge, dark in the file, is its top once turned.
        let upright = upright.to_rgb8();
        assert!(upright.get_pixel(20, 0)[0] < 40 && upright.get_pixel(20, 63)[0] > 200);
        let headless = turned_jpeg(64, 40)[20..].to_vec();
        assert_eq!(seen_size(&headless, FileType::Jpeg), None);
        assert_eq!(seen_size(b"x", FileType::Heic), None);
    }

    /// A white page of `w` × `h` with lines of "print" (dashes) descending `angle` degrees to
    /// the right.
    fn slanted_page(w: u32, h: u32, angle: f32) -> GrayImage {
        let t = angle.to_radians().tan();
        GrayImage::from_fn(w, h, |x, y| {
            let along = y as f32 - x as f32 * t;
            let inked = along.rem_euclid(40.0) < 8.0 && (x / 12) % 3 != 2 && along > 40.0;
            Luma([if inked { 20 } else { 250 }])
        })
    }

    #[test]
    fn a_page_fed_askew_is_read_along_its_lines() {
        for angle in [-2.0f32, 1.5, 3.0] {
            let page = slanted_page(1000, 1400, angle);
            let found = skew_of(&page).to_degrees();
            assert!(
                (found - angle).abs() <= 0.3,
                "{angle}° measured as {found}°"
            );
            let prepared = prepare(&DynamicImage::ImageLuma8(page));
            assert!(!prepared.outlined);
            assert_eq!(skew_of(&prepared.gray), 0.0, "{angle}° left a slant");
        }
        // Straight print and a blank page are left as they are.
        assert_eq!(skew_of(&slanted_page(1000, 1400, 0.0)), 0.0);
        assert_eq!(skew_of(&GrayImage::from_pixel(500, 700, Luma([250]))), 0.0);
    }

    #[test]
    fn a_crop_is_taken_from_the_original_at_its_resolution() {
        let page = slanted_page(2400, 3400, 1.5);
        let original = DynamicImage::ImageLuma8(page.clone());
        let prepared = prepare(&original);
        let (crop, scale) = full_size_crop(&original, &prepared, (100, 200, 400, 300)).unwrap();
        assert!((scale - 2400.0 / prepared.gray.width() as f32).abs() < 0.01);
        assert_eq!(crop.width(), (400.0 * scale) as u32);
        // Straightened like the prepared page: its lines run level.
        assert_eq!(skew_of(&crop), 0.0);
        // A picture already at reading size has nothing more to give.
        let small = DynamicImage::ImageLuma8(slanted_page(900, 1300, 0.0));
        assert!(full_size_crop(&small, &prepare(&small), (10, 10, 200, 200)).is_none());
    }

    #[test]
    fn a_zeros_dot_and_the_neighbours_cut_edges_are_whitened() {
        let mut line = GrayImage::from_pixel(120, 60, Luma([255]));
        let ring = |x: u32, y: u32| {
            let (dx, dy) = (x as f32 - 40.0, (y as f32 - 30.0) * 0.7);
            (9.0..14.0).contains(&(dx * dx + dy * dy).sqrt())
        };
        for (x, y, p) in line.enumerate_pixels_mut() {
            let dot = (38..43).contains(&x) && (28..33).contains(&y);
            // The foot of the line above, cut by the crop's top edge.
            let above = y < 5 && (70..110).contains(&x);
            let bar = (80..86).contains(&x) && (15..45).contains(&y);
            if ring(x, y) || dot || above || bar {
                p[0] = 0;
            }
        }
        let clean = without_inner_marks(&line);
        assert_eq!(clean.get_pixel(40, 30)[0], 255, "the dot inside the zero");
        assert_eq!(clean.get_pixel(90, 2)[0], 255, "the cut-off line above");
        assert_eq!(clean.get_pixel(40, 30 - 16)[0], 0, "the zero itself");
        assert_eq!(clean.get_pixel(82, 30)[0], 0, "a one beside it");
    }

    /// A bold digit drawn from rows of '#': a zero whose dot ran into both sides, and an eight.
    fn glyphs(rows: &[&str]) -> GrayImage {
        let (w, h) = (rows[0].len() as u32 + 8, rows.len() as u32 + 8);
        GrayImage::from_fn(w, h, |x, y| {
            let inked = x >= 4
                && y >= 4
                && rows
                    .get((y - 4) as usize)
                    .and_then(|r| r.as_bytes().get((x - 4) as usize))
                    == Some(&b'#');
            Luma([if inked { 0 } else { 255 }])
        })
    }

    #[test]
    fn a_barred_zero_loses_its_bar_and_an_eight_keeps_its_waist() {
        let zero = [
            "....######....",
            "..##########..",
            ".####....####.",
            "####......####",
            "####......####",
            "####......####",
            "####......####",
            "##############",
            "##############",
            "####......####",
            "####......####",
            "####......####",
            "####......####",
            ".####....####.",
            "..##########..",
            "....######....",
        ];
        let clean = without_inner_marks(&glyphs(&zero));
        assert_eq!(clean.get_pixel(4 + 7, 4 + 7)[0], 255, "the bar is gone");
        assert_eq!(clean.get_pixel(4 + 1, 4 + 7)[0], 0, "the left side stays");
        assert_eq!(clean.get_pixel(4 + 12, 4 + 8)[0], 0, "the right side stays");
        let eight = [
            "....######....",
            "..##########..",
            ".####....####.",
            "####......####",
            "####......####",
            ".####....####.",
            "..##########..",
            "....######....",
            "..##########..",
            ".####....####.",
            "####......####",
            "####......####",
            "####......####",
            ".####....####.",
            "..##########..",
            "....######....",
        ];
        let kept = without_inner_marks(&glyphs(&eight));
        assert_eq!(kept.get_pixel(4 + 7, 4 + 7)[0], 0, "an eight's waist stays");
    }

    #[test]
    fn a_card_on_a_table_is_found_and_straightened() {
        // A light card, rotated, on a dark table.
        let mut img = RgbImage::from_pixel(800, 600, Rgb([90, 60, 40]));
        let quad = [
            (150.0, 140.0),
            (640.0, 110.0),
            (660.0, 420.0),
            (170.0, 450.0),
        ];
        let inside = |x: f32, y: f32| {
            (0..4).all(|i| {
                let (a, b) = (quad[i], quad[(i + 1) % 4]);
                (b.0 - a.0) * (y - a.1) - (b.1 - a.1) * (x - a.0) >= 0.0
            })
        };
        for (x, y, p) in img.enumerate_pixels_mut() {
            if inside(x as f32, y as f32) {
                *p = Rgb([200, 225, 240]);
            }
        }
        let img = DynamicImage::ImageRgb8(img);
        let found = find_outline(&img).expect("card found");
        for (f, q) in found.iter().zip(quad.iter()) {
            assert!(dist(*f, *q) < 8.0, "{found:?} vs {quad:?}");
        }
        let prepared = prepare(&img);
        assert!(prepared.outlined);
        assert_eq!(prepared.shape, Shape::Card);
        // A 490 px card is enlarged by MAX_CARD_UPSCALE, not blown up to CARD_WIDTH.
        let width = prepared.gray.width() as f32;
        assert!((width - 490.0 * MAX_CARD_UPSCALE).abs() < 20.0, "{width}");
    }

    #[test]
    fn a_gray_scan_is_prepared_as_its_rgb_copy_would_be() {
        // A pale card-shaped block with print, on a white page: outline, straightening and
        // light all take part.
        let gray = GrayImage::from_fn(900, 1200, |x, y| {
            let on_card = (150..750).contains(&x) && (200..580).contains(&y);
            let print = on_card && y % 40 < 6 && x % 30 < 20;
            Luma([if print {
                20
            } else if on_card {
                215
            } else {
                250
            }])
        });
        let rgb = DynamicImage::ImageLuma8(gray.clone()).to_rgb8();
        let (a, b) = (
            prepare(&DynamicImage::ImageLuma8(gray)),
            prepare(&DynamicImage::ImageRgb8(rgb)),
        );
        assert_eq!((a.shape, a.outlined), (b.shape, b.outlined));
        assert!(a.gray == b.gray, "the two preparations differ");
    }

    #[test]
    fn a_full_frame_scan_is_left_whole() {
        let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(600, 800, Rgb([250, 250, 250])));
        assert!(find_outline(&img).is_none());
        let prepared = prepare(&img);
        assert!(!prepared.outlined);
        assert_eq!(prepared.shape, Shape::Page);
    }

    #[test]
    fn a_block_of_print_on_a_scanned_page_is_not_a_card() {
        // Sample 002: lines of dark print filling a landscape block of a white page closed
        // into a card-shaped blob, and the SK page was read as a card.
        let mut img = RgbImage::from_pixel(700, 990, Rgb([250, 250, 250]));
        for (x, y, p) in img.enumerate_pixels_mut() {
            let in_block = (70..630).contains(&x) && (140..480).contains(&y);
            let on_line = y % 20 < 9;
            let in_letter = (x / 4 + y / 3) % 3 != 0 && x % 37 > 3;
            if in_block && on_line && in_letter {
                *p = Rgb([40, 40, 40]);
            }
        }
        let prepared = prepare(&DynamicImage::ImageRgb8(img));
        assert_eq!(prepared.shape, Shape::Page);
    }

    #[test]
    fn floor_agrees_with_the_library() {
        for v in [-2.5f32, -1.0, -0.25, 0.0, 0.25, 1.0, 1.999, 412.5, -412.5] {
            assert_eq!(floor(v), v.floor() as i64, "{v}");
        }
    }

    #[test]
    fn a_shadow_is_evened_out_and_print_stays_dark() {
        // Paper from 250 at the left to 120 in a shadow at the right, with a dark stroke every
        // 40 px whose ink is a third of the paper's brightness wherever it lies.
        let paper = |x: u32| 250.0 - 130.0 * x as f32 / 799.0;
        let gray = GrayImage::from_fn(800, 300, |x, y| {
            let ink = x % 40 < 3 && (100..200).contains(&y);
            Luma([(paper(x) / if ink { 3.0 } else { 1.0 }) as u8])
        });
        let flat = flatten_light(&gray);
        assert_eq!(flat.dimensions(), gray.dimensions());
        for (x, y, p) in flat.enumerate_pixels() {
            let ink = x % 40 < 3 && (100..200).contains(&y);
            let v = p.0[0];
            if ink {
                assert!(v < 110, "ink at ({x},{y}) became {v}");
            } else if x % 40 > 12 && x % 40 < 30 {
                assert!(v > 225, "paper at ({x},{y}) stayed {v}");
            }
        }
    }

    /// A 1000 × 630 card: print lines of letter-sized strokes, and where `photo` says so a
    /// head and shoulders on the right.
    fn card(photo: bool, print_to: u32) -> GrayImage {
        GrayImage::from_fn(1000, 630, |x, y| {
            let head = (x as f32 - 850.0).powi(2) / 45f32.powi(2)
                + (y as f32 - 220.0).powi(2) / 60f32.powi(2)
                <= 1.0;
            let shoulders = (760..940).contains(&x) && (290..400).contains(&y);
            let print = y % 40 < 24 && x % 14 < 3 && (40..print_to).contains(&x);
            Luma(if photo && (head || shoulders) {
                [90]
            } else if print {
                [30]
            } else {
                [250]
            })
        })
    }

    #[test]
    fn the_photo_column_is_whitened_and_the_print_kept() {
        let gray = card(true, 640);
        let out = without_photo(&gray);
        assert!(matches!(out, Cow::Owned(_)), "no photo found");
        for (x, y, p) in out.enumerate_pixels() {
            let was = gray.get_pixel(x, y)[0];
            if was == 90 {
                assert_eq!(p[0], 255, "photo left at ({x},{y})");
            } else if x < 640 || y < 94 {
                assert_eq!(p[0], was, "print or header changed at ({x},{y})");
            }
        }
    }

    #[test]
    fn a_card_without_a_photo_is_left_alone() {
        // Print across the whole width, the right column included: no run down a column is
        // longer than a letter.
        let gray = card(false, 980);
        assert!(matches!(without_photo(&gray), Cow::Borrowed(_)));
    }

    #[test]
    fn straightening_samples_where_the_projection_points() {
        // A horizontal ramp seen through a tilted quadrilateral: each output pixel must take
        // the source value at the point the projection maps it to, white outside the frame.
        let src = GrayImage::from_fn(400, 300, |x, _| Luma([(x * 255 / 399) as u8]));
        let quad = [(30.0, 20.0), (370.0, 40.0), (360.0, 290.0), (20.0, 260.0)];
        let (w, h) = (200, 130);
        let out = straighten(&src, quad, w, h);
        let target = [
            (0.0, 0.0),
            (w as f32, 0.0),
            (w as f32, h as f32),
            (0.0, h as f32),
        ];
        let to_source = Projection::from_control_points(target, quad).unwrap();
        for (x, y, p) in out.enumerate_pixels() {
            let (sx, sy) = to_source * (x as f32, y as f32);
            let want = if (0.0..399.0).contains(&sx) && (0.0..299.0).contains(&sy) {
                sx * 255.0 / 399.0
            } else {
                continue;
            };
            assert!(
                (p.0[0] as f32 - want).abs() <= 1.5,
                "({x},{y}): {} vs {want}",
                p.0[0]
            );
        }
        let outside = straighten(
            &src,
            [(-50.0, 0.0), (-10.0, 0.0), (-10.0, 30.0), (-50.0, 30.0)],
            8,
            8,
        );
        assert!(outside.pixels().all(|p| p.0[0] == 255));
    }
}
