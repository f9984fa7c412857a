//! Pixel work shared by the card, photo and scan renderers: fonts, anti-aliased text and shapes,
//! projective compositing, lighting, noise, textures and image encoding.

use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontVec, PxScale, ScaleFont, point};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::{GrayImage, ImageEncoder, Rgb, RgbImage};
use imageproc::geometric_transformations::Projection;

use super::error::SynthError;
use super::rng::Rng;

/// Debian's fonts-dejavu-core; read at run time, never vendored.
pub const FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";

/// The faces the renderers use: Sans for the card (its printed face is Arial-like), condensed
/// Serif for scanned letters set in Times.
pub struct Fonts {
    pub sans: FontVec,
    pub sans_bold: FontVec,
    pub serif: FontVec,
    pub serif_bold: FontVec,
}

impl Fonts {
    pub fn load() -> Result<Fonts, SynthError> {
        Fonts::load_from(Path::new(FONT_DIR))
    }

    pub fn load_from(dir: &Path) -> Result<Fonts, SynthError> {
        let load = |file: &str| -> Result<FontVec, SynthError> {
            let path: PathBuf = dir.join(file);
            let bytes =
                std::fs::read(&path).map_err(|_| SynthError::FontMissing { path: path.clone() })?;
            FontVec::try_from_vec(bytes).map_err(|_| SynthError::FontInvalid { path })
        };
        Ok(Fonts {
            sans: load("DejaVuSans.ttf")?,
            sans_bold: load("DejaVuSans-Bold.ttf")?,
            serif: load("DejaVuSerifCondensed.ttf")?,
            serif_bold: load("DejaVuSerifCondensed-Bold.ttf")?,
        })
    }
}

/// Pixel scale for a font size given as the em square in pixels, as PDF and CSS sizes are.
fn em_scale(font: &FontVec, em_px: f32, stretch: f32) -> PxScale {
    let units = font.units_per_em().unwrap_or(2048.0);
    let y = em_px * font.height_unscaled() / units;
    PxScale { x: y * stretch, y }
}

/// Advance width of `text` in pixels.
pub fn text_width(font: &FontVec, em_px: f32, text: &str) -> f32 {
    let scaled = font.as_scaled(em_scale(font, em_px, 1.0));
    let mut width = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        prev = Some(id);
    }
    width
}

/// How one run of text is set: face, em size, ink, horizontal stretch and extra space width
/// (for justified lines).
#[derive(Clone, Copy)]
pub struct Style<'a> {
    pub font: &'a FontVec,
    pub em_px: f32,
    pub color: [u8; 3],
    pub stretch: f32,
    pub word_spacing: f32,
}

impl<'a> Style<'a> {
    pub fn new(font: &'a FontVec, em_px: f32, color: [u8; 3]) -> Style<'a> {
        Style {
            font,
            em_px,
            color,
            stretch: 1.0,
            word_spacing: 0.0,
        }
    }
}

/// Draws `text` with its baseline at `baseline`, starting at `x`; returns the advance.
pub fn draw_text(img: &mut RgbImage, style: Style, x: f32, baseline: f32, text: &str) -> f32 {
    let scale = em_scale(style.font, style.em_px, style.stretch);
    let scaled = style.font.as_scaled(scale);
    let mut caret = x;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scale, point(caret, baseline));
        caret += scaled.h_advance(id);
        if c == ' ' {
            caret += style.word_spacing;
        }
        prev = Some(id);
        if let Some(outlined) = style.font.outline_glyph(glyph) {
            let bounds = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + gx as i64;
                let py = bounds.min.y as i64 + gy as i64;
                blend(img, px, py, style.color, coverage);
            });
        }
    }
    caret - x
}

/// Mixes `color` into one pixel with opacity `alpha`; ignores pixels off the image.
pub fn blend(img: &mut RgbImage, x: i64, y: i64, color: [u8; 3], alpha: f32) {
    if x < 0 || y < 0 || x >= img.width() as i64 || y >= img.height() as i64 {
        return;
    }
    let a = alpha.clamp(0.0, 1.0);
    let p = img.get_pixel_mut(x as u32, y as u32);
    for (channel, ink) in p.0.iter_mut().zip(color) {
        *channel = (*channel as f32 * (1.0 - a) + ink as f32 * a).round() as u8;
    }
}

/// Filled ellipse with a one-pixel soft edge.
pub fn fill_ellipse(
    img: &mut RgbImage,
    center: (f32, f32),
    radii: (f32, f32),
    color: [u8; 3],
    alpha: f32,
) {
    let (cx, cy) = center;
    let (rx, ry) = radii;
    let x0 = (cx - rx - 1.0).floor() as i64;
    let x1 = (cx + rx + 1.0).ceil() as i64;
    let y0 = (cy - ry - 1.0).floor() as i64;
    let y1 = (cy + ry + 1.0).ceil() as i64;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let dx = (x as f32 + 0.5 - cx) / rx;
            let dy = (y as f32 + 0.5 - cy) / ry;
            // Distance to the rim in pixels, approximately, for anti-aliasing.
            let edge = (1.0 - (dx * dx + dy * dy).sqrt()) * rx.min(ry) + 0.5;
            if edge > 0.0 {
                blend(img, x, y, color, alpha * edge.min(1.0));
            }
        }
    }
}

/// Axis-aligned filled rectangle (rules, boxes).
pub fn fill_rect(img: &mut RgbImage, x0: f32, y0: f32, x1: f32, y1: f32, color: [u8; 3]) {
    for y in y0.round() as i64..y1.round().max(y0.round() + 1.0) as i64 {
        for x in x0.round() as i64..x1.round() as i64 {
            blend(img, x, y, color, 1.0);
        }
    }
}

/// A pen stroke through `points`, stamped as overlapping soft discs.
pub fn stroke(img: &mut RgbImage, points: &[(f32, f32)], width: f32, color: [u8; 3], alpha: f32) {
    let r = width / 2.0;
    for pair in points.windows(2) {
        let (ax, ay) = pair[0];
        let (bx, by) = pair[1];
        let steps = ((bx - ax).hypot(by - ay) / (r * 0.5).max(0.5))
            .ceil()
            .max(1.0) as usize;
        for s in 0..steps {
            let t = s as f32 / steps as f32;
            let (x, y) = (ax + (bx - ax) * t, ay + (by - ay) * t);
            for py in (y - r - 1.0).floor() as i64..=(y + r + 1.0).ceil() as i64 {
                for px in (x - r - 1.0).floor() as i64..=(x + r + 1.0).ceil() as i64 {
                    let d = (px as f32 + 0.5 - x).hypot(py as f32 + 0.5 - y);
                    let cover = (r + 0.5 - d).clamp(0.0, 1.0);
                    if cover > 0.0 {
                        // Light per stamp so overlapping stamps build up like ink, not a blob.
                        blend(img, px, py, color, alpha * cover * 0.35);
                    }
                }
            }
        }
    }
}

/// A handwritten-looking scribble inside the box `(x, y, w, h)`: a smooth curve through random
/// points drifting rightwards, with a loop or two and an underline flourish.
pub fn signature(
    img: &mut RgbImage,
    rng: &mut Rng,
    rect: (f32, f32, f32, f32),
    width: f32,
    color: [u8; 3],
) {
    let (x, y, w, h) = rect;
    let count = rng.range(6, 10) as usize;
    let mut knots: Vec<(f32, f32)> = (0..count)
        .map(|i| {
            let t = i as f32 / (count - 1) as f32;
            let px = x + w * (0.05 + 0.8 * t) + rng.float(-0.05, 0.05) as f32 * w;
            (px, y + h * rng.float(0.1, 0.8) as f32)
        })
        .collect();
    // A loop: go back left and up before carrying on.
    let at = rng.range(1, count as i64 - 2) as usize;
    let (lx, ly) = knots[at];
    knots.insert(at + 1, (lx - w * 0.08, ly - h * 0.3));
    knots.insert(at + 2, (lx + w * 0.02, ly + h * 0.1));
    knots.push((x + w * rng.float(0.1, 0.3) as f32, y + h * 0.9));
    let mut points = Vec::new();
    for i in 0..knots.len() - 1 {
        let p0 = knots[i.saturating_sub(1)];
        let (p1, p2) = (knots[i], knots[i + 1]);
        let p3 = knots[(i + 2).min(knots.len() - 1)];
        for s in 0..12 {
            let t = s as f32 / 12.0;
            let (t2, t3) = (t * t, t * t * t);
            // Catmull-Rom through the knots.
            let c = |a: f32, b: f32, c: f32, d: f32| {
                0.5 * (2.0 * b
                    + (c - a) * t
                    + (2.0 * a - 5.0 * b + 4.0 * c - d) * t2
                    + (3.0 * b - a - 3.0 * c + d) * t3)
            };
            points.push((c(p0.0, p1.0, p2.0, p3.0), c(p0.1, p1.1, p2.1, p3.1)));
        }
    }
    points.push(*knots.last().unwrap_or(&(x, y)));
    stroke(img, &points, width, color, 1.0);
}

/// A head-and-shoulders silhouette on a coloured backdrop, standing in for a passport photo
/// (never a face).
pub fn silhouette(w: u32, h: u32, backdrop: [u8; 3]) -> RgbImage {
    let mut img = RgbImage::from_pixel(w, h, Rgb(backdrop));
    let (w, h) = (w as f32, h as f32);
    let grey = [88, 90, 96];
    fill_ellipse(
        &mut img,
        (w * 0.5, h * 1.02),
        (w * 0.48, h * 0.36),
        grey,
        1.0,
    );
    fill_rect(&mut img, w * 0.42, h * 0.5, w * 0.58, h * 0.72, grey);
    fill_ellipse(&mut img, (w * 0.5, h * 0.38), (w * 0.2, h * 0.2), grey, 1.0);
    img
}

/// Smooth value noise in `[0, 1]`: random values on a grid of `cell`-pixel squares,
/// interpolated; drawn once so sampling a whole frame stays cheap.
pub struct Noise {
    values: Vec<f32>,
    cols: usize,
    cell: f32,
}

impl Noise {
    pub fn new(rng: &mut Rng, width: u32, height: u32, cell: f32) -> Noise {
        let cols = (width as f32 / cell).ceil() as usize + 2;
        let rows = (height as f32 / cell).ceil() as usize + 2;
        let values = (0..cols * rows).map(|_| rng.unit() as f32).collect();
        Noise { values, cols, cell }
    }

    pub fn at(&self, x: f32, y: f32) -> f32 {
        let (gx, gy) = (x.max(0.0) / self.cell, y.max(0.0) / self.cell);
        let (ix, iy) = (gx as usize, gy as usize);
        let smooth = |t: f32| t * t * (3.0 - 2.0 * t);
        let (sx, sy) = (smooth(gx - ix as f32), smooth(gy - iy as f32));
        let v = |cx: usize, cy: usize| self.values.get(cy * self.cols + cx).copied().unwrap_or(0.5);
        let top = v(ix, iy) + (v(ix + 1, iy) - v(ix, iy)) * sx;
        let bottom = v(ix, iy + 1) + (v(ix + 1, iy + 1) - v(ix, iy + 1)) * sx;
        top + (bottom - top) * sy
    }
}

/// Blurs an interleaved 8-bit image in place: a true Gaussian for small `sigma` (lens and
/// scanner softness), three running-sum box passes for large ones (a defocused photo), so the
/// cost does not grow with `sigma`. Hand-written over the raw buffer because imageproc's generic
/// filters are compiled at the caller's optimisation level, which is nil in tests.
pub fn blur(data: &mut [u8], width: usize, height: usize, channels: usize, sigma: f32) {
    if sigma <= 0.0 || width == 0 || height == 0 {
        return;
    }
    let mut work: Vec<f32> = data.iter().map(|&v| v as f32).collect();
    let mut line: Vec<f32> = Vec::new();
    let mut out: Vec<f32> = Vec::new();
    let row = width * channels;
    let gaussian = sigma < 2.5;
    let radius = if gaussian {
        // 2.5 sigma holds 99% of the weight; the rest is invisible in 8 bits after JPEG.
        (sigma * 2.5).ceil() as usize
    } else {
        (((4.0 * sigma * sigma + 1.0).sqrt() - 1.0) / 2.0)
            .round()
            .max(1.0) as usize
    };
    let kernel: Vec<f32> = {
        let raw: Vec<f32> = (0..=2 * radius)
            .map(|i| i as f32 - radius as f32)
            .map(|d| (-d * d / (2.0 * sigma * sigma)).exp())
            .collect();
        let sum: f32 = raw.iter().sum();
        raw.iter().map(|k| k / sum).collect()
    };
    let taps = kernel.len();
    line.resize(width.max(height), 0.0);
    out.resize(width.max(height), 0.0);
    // Plain index loops: iterator adapters cost a call per element in unoptimised builds.
    for _ in 0..if gaussian { 1 } else { 3 } {
        // Along x (neighbours `channels` apart), then along y (neighbours a row apart).
        for (len, stride, lines, line_step) in [
            (width, channels, height, row),
            (height, row, width, channels),
        ] {
            for l in 0..lines {
                for c in 0..channels {
                    let base = l * line_step + c;
                    for i in 0..len {
                        line[i] = work[base + i * stride];
                    }
                    if gaussian {
                        for i in 0..len {
                            let mut acc = 0.0;
                            if i >= radius && i + radius < len {
                                let start = i - radius;
                                for k in 0..taps {
                                    acc += line[start + k] * kernel[k];
                                }
                            } else {
                                for k in 0..taps {
                                    acc += line[(i + k).saturating_sub(radius).min(len - 1)]
                                        * kernel[k];
                                }
                            }
                            out[i] = acc;
                        }
                    } else {
                        let last = len as i64 - 1;
                        let r = radius as i64;
                        let mut acc = 0.0;
                        for j in -r..=r {
                            acc += line[j.clamp(0, last) as usize];
                        }
                        let n = (2 * r + 1) as f32;
                        for i in 0..len as i64 {
                            out[i as usize] = acc / n;
                            acc += line[(i + r + 1).clamp(0, last) as usize]
                                - line[(i - r).clamp(0, last) as usize];
                        }
                    }
                    for i in 0..len {
                        work[base + i * stride] = out[i];
                    }
                }
            }
        }
    }
    for (px, v) in data.iter_mut().zip(&work) {
        *px = v.round().clamp(0.0, 255.0) as u8;
    }
}

/// [`blur`] for a colour image.
pub fn blur_rgb(img: &mut RgbImage, sigma: f32) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    blur(img, w, h, 3, sigma);
}

/// Rotates a grayscale page about its centre by `degrees`, filling the corners with `paper`;
/// a straight raw-buffer loop for the same reason as [`blur`].
pub fn rotate_gray(src: &GrayImage, degrees: f32, paper: u8) -> GrayImage {
    let (w, h) = (src.width() as usize, src.height() as usize);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let data = src.as_raw();
    let mut out = vec![paper; w * h];
    for y in 0..h {
        let dy = y as f32 + 0.5 - cy;
        for x in 0..w {
            let dx = x as f32 + 0.5 - cx;
            // Inverse rotation: where in the source this output pixel comes from.
            let u = cos * dx + sin * dy + cx - 0.5;
            let v = -sin * dx + cos * dy + cy - 0.5;
            if u < 0.0 || v < 0.0 || u >= (w - 1) as f32 || v >= (h - 1) as f32 {
                continue;
            }
            let (x0, y0) = (u as usize, v as usize);
            let (fx, fy) = (u - x0 as f32, v - y0 as f32);
            let i = y0 * w + x0;
            let top = data[i] as f32 + (data[i + 1] as f32 - data[i] as f32) * fx;
            let bottom = data[i + w] as f32 + (data[i + w + 1] as f32 - data[i + w] as f32) * fx;
            out[y * w + x] = (top + (bottom - top) * fy).round() as u8;
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).expect("buffer sized to the image")
}

/// Adds zero-mean noise of standard deviation about `sigma` to every channel: triangular
/// noise from two random bytes per channel, one draw per pixel, which is cheap and looks the same
/// as Gaussian sensor noise after JPEG.
pub fn add_noise(img: &mut RgbImage, rng: &mut Rng, sigma: f32) {
    // The sum of two uniform bytes minus 255 has a standard deviation of about 104.
    let scale = sigma / 104.0;
    let data: &mut [u8] = img;
    for px in data.chunks_exact_mut(3) {
        let bits = rng.next_u64();
        for (c, v) in px.iter_mut().enumerate() {
            let a = (bits >> (16 * c)) & 0xFF;
            let b = (bits >> (16 * c + 8)) & 0xFF;
            let noise = (a + b) as f32 - 255.0;
            *v = (*v as f32 + noise * scale).round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// Multiplies every pixel by `gain(x, y)`: uneven lighting, vignettes, scanner shading.
pub fn light(img: &mut RgbImage, gain: impl Fn(f32, f32) -> f32) {
    let width = img.width() as usize;
    let data: &mut [u8] = img;
    for (i, px) in data.chunks_exact_mut(3).enumerate() {
        let g = gain((i % width) as f32, (i / width) as f32);
        for v in px.iter_mut() {
            *v = (*v as f32 * g).round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// A card-shaped image placed onto `dst` so that its corners land on `quad` (top-left,
/// top-right, bottom-right, bottom-left), with rounded corners and an optional soft shadow.
pub struct Placement {
    pub quad: [(f32, f32); 4],
    /// Corner radius as a fraction of the card width.
    pub corner: f32,
    /// Shadow offset in destination pixels, and its darkness (0 = none).
    pub shadow: (f32, f32, f32),
}

pub fn composite(dst: &mut RgbImage, card: &RgbImage, place: &Placement) {
    let (w, h) = (card.width() as f32, card.height() as f32);
    let src = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    let Some(forward) = Projection::from_control_points(src, place.quad) else {
        return;
    };
    let inverse = forward.invert();
    // Destination pixels per card pixel, for anti-aliasing the card's outline.
    let dst_w = (place.quad[1].0 - place.quad[0].0).hypot(place.quad[1].1 - place.quad[0].1);
    let density = dst_w / w;
    let radius = place.corner * w;
    let inside = |u: f32, v: f32| -> f32 {
        // Signed distance (card pixels) from the rounded-rectangle outline, positive inside.
        let qx = (u - w / 2.0).abs() - (w / 2.0 - radius);
        let qy = (v - h / 2.0).abs() - (h / 2.0 - radius);
        radius - qx.max(0.0).hypot(qy.max(0.0)) - qx.max(qy).min(0.0)
    };
    let xs = place.quad.iter().map(|p| p.0);
    let ys = place.quad.iter().map(|p| p.1);
    let (sx, sy, sd) = place.shadow;
    let margin = sx.abs().max(sy.abs()) + 20.0;
    let x0 = (xs.clone().fold(f32::MAX, f32::min) - margin).max(0.0) as u32;
    let x1 = (xs.fold(f32::MIN, f32::max) + margin).min(dst.width() as f32 - 1.0) as u32;
    let y0 = (ys.clone().fold(f32::MAX, f32::min) - margin).max(0.0) as u32;
    let y1 = (ys.fold(f32::MIN, f32::max) + margin).min(dst.height() as f32 - 1.0) as u32;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            if sd > 0.0 {
                let (u, v) = inverse * (fx - sx, fy - sy);
                let soft = 14.0 / density.max(0.1);
                let a = ((inside(u, v) + soft) / (2.0 * soft)).clamp(0.0, 1.0);
                if a > 0.0 {
                    blend(dst, x as i64, y as i64, [0, 0, 0], a * sd);
                }
            }
            let (u, v) = inverse * (fx, fy);
            let a = (inside(u, v) * density + 0.5).clamp(0.0, 1.0);
            if a > 0.0 {
                let color = bilinear(card, u - 0.5, v - 0.5);
                blend(dst, x as i64, y as i64, color, a);
            }
        }
    }
}

fn bilinear(img: &RgbImage, x: f32, y: f32) -> [u8; 3] {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let get = |px: i64, py: i64| {
        img.get_pixel(px.clamp(0, w - 1) as u32, py.clamp(0, h - 1) as u32)
            .0
    };
    let (a, b, c, d) = (
        get(x0, y0),
        get(x0 + 1, y0),
        get(x0, y0 + 1),
        get(x0 + 1, y0 + 1),
    );
    let mut out = [0u8; 3];
    for i in 0..3 {
        let top = a[i] as f32 + (b[i] as f32 - a[i] as f32) * fx;
        let bottom = c[i] as f32 + (d[i] as f32 - c[i] as f32) * fx;
        out[i] = (top + (bottom - top) * fy).round().clamp(0.0, 255.0) as u8;
    }
    out
}

/// The four corners of a `w`×`h` card centred at `center`, rotated by `degrees`.
pub fn rotated_quad(center: (f32, f32), w: f32, h: f32, degrees: f32) -> [(f32, f32); 4] {
    let (s, c) = degrees.to_radians().sin_cos();
    let corner = |dx: f32, dy: f32| (center.0 + dx * c - dy * s, center.1 + dx * s + dy * c);
    [
        corner(-w / 2.0, -h / 2.0),
        corner(w / 2.0, -h / 2.0),
        corner(w / 2.0, h / 2.0),
        corner(-w / 2.0, h / 2.0),
    ]
}

pub fn to_gray(img: &RgbImage) -> GrayImage {
    image::DynamicImage::ImageRgb8(img.clone()).into_luma8()
}

pub fn png(img: &RgbImage) -> Result<Vec<u8>, SynthError> {
    let mut out = Vec::new();
    // The default level is "fast"; samples are committed, so spend the time on size.
    PngEncoder::new_with_quality(&mut out, CompressionType::Best, PngFilter::Adaptive)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )?;
    Ok(out)
}

pub fn jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>, SynthError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality).encode_image(img)?;
    Ok(out)
}

pub fn jpeg_gray(img: &GrayImage, quality: u8) -> Result<Vec<u8>, SynthError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality).encode_image(img)?;
    Ok(out)
}
