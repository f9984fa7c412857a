//! The visible electronic signature: where on the letter it goes (the line the layout gives
//! `${ttd_pengirim}`), and the stamp image drawn there.

use ab_glyph::{FontRef, PxScale};
use image::{ImageFormat, Rgba, RgbaImage};
use imageproc::drawing::{draw_hollow_rect_mut, draw_text_mut};
use imageproc::rect::Rect;

use super::layout::{FontFiles, Item, LEADING_POINTS, RIGHT_COLUMN_W, RIGHT_COLUMN_X, layout};
use super::template::{LetterData, LetterError, LetterTemplate, Placeholder};

/// Where the signature goes, in PDF points from the page's lower left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignaturePlace {
    /// 1 for the first page.
    pub page: u32,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// The box SRIKANDI and BSrE put the signature image in: from the `${ttd_pengirim}` line's
/// baseline up two lines, across the signature column. `None` when the template has no such
/// placeholder.
pub fn signature_place(
    files: &FontFiles,
    template: &LetterTemplate,
    data: &LetterData,
) -> Result<Option<SignaturePlace>, LetterError> {
    let fonts = files.faces()?;
    let pages = layout(template, data, &fonts)?;
    let marker = Placeholder::TtdPengirim.written();
    for (n, page) in pages.iter().enumerate() {
        for item in &page.items {
            if let Item::Text { y, text, .. } = item
                && text.contains(&marker)
            {
                let height = 2.5 * LEADING_POINTS;
                return Ok(Some(SignaturePlace {
                    page: n as u32 + 1,
                    x: RIGHT_COLUMN_X,
                    y: (y - 0.5 * LEADING_POINTS).max(0.0),
                    width: RIGHT_COLUMN_W,
                    height,
                }));
            }
        }
    }
    Ok(None)
}

/// A plain stamp (PNG): a frame and the words of an electronic signature, with the signer's
/// name. Offices with a specimen of their own give it instead.
pub fn stamp_png(files: &FontFiles, signer: &str) -> Result<Vec<u8>, LetterError> {
    let regular = FontRef::try_from_slice(&files.regular.1)
        .map_err(|e| LetterError::Pdf(format!("font: {e}")))?;
    let bold = FontRef::try_from_slice(&files.bold.1)
        .map_err(|e| LetterError::Pdf(format!("font: {e}")))?;
    let (w, h) = (600u32, 160u32);
    let mut img = RgbaImage::from_pixel(w, h, Rgba([255, 255, 255, 0]));
    let ink = Rgba([20, 40, 110, 255]);
    for inset in 0..3 {
        draw_hollow_rect_mut(
            &mut img,
            Rect::at(inset, inset).of_size(w - 2 * inset as u32, h - 2 * inset as u32),
            ink,
        );
    }
    draw_text_mut(
        &mut img,
        ink,
        18,
        16,
        PxScale::from(30.0),
        &regular,
        "Ditandatangani secara elektronik oleh",
    );
    let name: String = signer.chars().take(36).collect();
    draw_text_mut(&mut img, ink, 18, 62, PxScale::from(36.0), &bold, &name);
    draw_text_mut(
        &mut img,
        ink,
        18,
        112,
        PxScale::from(26.0),
        &regular,
        "Balai Besar Sertifikasi Elektronik (BSrE)",
    );
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|e| LetterError::Pdf(format!("stamp: {e}")))?;
    Ok(png)
}
