//! Subsetting a TrueType font for embedding: glyphs the letter does not draw are emptied while
//! every glyph keeps its id, so the PDF's Identity CID-to-glyph map and /W array stay valid.
//! Tables a PDF reader does not use for an embedded CID font (layout, kerning, names of glyphs)
//! are left out.

use std::collections::BTreeSet;

/// Tables a TrueType rasteriser needs to draw the glyphs, with their hinting programs.
const KEEP: [&[u8; 4]; 10] = [
    b"OS/2", b"cmap", b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"maxp", b"prep",
];

/// Composite glyph flags (OpenType `glyf` table).
const ARG_1_AND_2_ARE_WORDS: u16 = 0x0001;
const WE_HAVE_A_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE: u16 = 0x0040;
const WE_HAVE_A_TWO_BY_TWO: u16 = 0x0080;

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    data.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The font with only `glyphs` (and the components they are built from, and .notdef) drawn;
/// None when the font is not a TrueType font this can read, so the caller embeds it whole.
pub fn subset(font: &[u8], glyphs: impl IntoIterator<Item = u16>) -> Option<Vec<u8>> {
    let count = usize::from(u16_at(font, 4)?);
    let mut tables: Vec<([u8; 4], &[u8])> = Vec::new();
    for i in 0..count {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = font.get(rec..rec + 4)?.try_into().ok()?;
        let offset = u32_at(font, rec + 8)? as usize;
        let length = u32_at(font, rec + 12)? as usize;
        tables.push((tag, font.get(offset..offset.checked_add(length)?)?));
    }
    let table = |tag: &[u8; 4]| tables.iter().find(|(t, _)| t == tag).map(|(_, d)| *d);
    let head = table(b"head")?;
    let glyf = table(b"glyf")?;
    let loca = table(b"loca")?;
    let glyph_count = usize::from(u16_at(table(b"maxp")?, 4)?);
    let long_loca = u16_at(head, 50)? == 1;
    let offset = |gid: usize| -> Option<usize> {
        if long_loca {
            u32_at(loca, 4 * gid).map(|o| o as usize)
        } else {
            u16_at(loca, 2 * gid).map(|o| 2 * usize::from(o))
        }
    };
    let outline = |gid: usize| -> Option<&[u8]> { glyf.get(offset(gid)?..offset(gid + 1)?) };

    let mut keep: BTreeSet<usize> = BTreeSet::new();
    let mut todo: Vec<usize> = vec![0];
    todo.extend(glyphs.into_iter().map(usize::from));
    while let Some(gid) = todo.pop() {
        if gid >= glyph_count || !keep.insert(gid) {
            continue;
        }
        todo.extend(components(outline(gid)?)?);
    }

    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity(4 * (glyph_count + 1));
    for gid in 0..glyph_count {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        if keep.contains(&gid) {
            new_glyf.extend_from_slice(outline(gid)?);
            while new_glyf.len() % 4 != 0 {
                new_glyf.push(0);
            }
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    let mut new_head = head.to_vec();
    // Long offsets in the new loca; the whole-font checksum is not recomputed, readers ignore it.
    new_head
        .get_mut(50..52)?
        .copy_from_slice(&1u16.to_be_bytes());
    new_head.get_mut(8..12)?.copy_from_slice(&[0; 4]);

    let mut out_tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    for (tag, data) in &tables {
        let data = match tag {
            b"glyf" => new_glyf.clone(),
            b"loca" => new_loca.clone(),
            b"head" => new_head.clone(),
            t if KEEP.contains(&t) => data.to_vec(),
            _ => continue,
        };
        out_tables.push((*tag, data));
    }
    Some(assemble(&out_tables))
}

/// Glyph ids a composite glyph is built from; empty for a simple or empty glyph.
fn components(outline: &[u8]) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    if outline.len() < 10 || (u16_at(outline, 0)? as i16) >= 0 {
        return Some(out);
    }
    let mut at = 10;
    loop {
        let flags = u16_at(outline, at)?;
        out.push(usize::from(u16_at(outline, at + 2)?));
        at += 4;
        at += if flags & ARG_1_AND_2_ARE_WORDS != 0 {
            4
        } else {
            2
        };
        at += if flags & WE_HAVE_A_SCALE != 0 {
            2
        } else if flags & WE_HAVE_AN_X_AND_Y_SCALE != 0 {
            4
        } else if flags & WE_HAVE_A_TWO_BY_TWO != 0 {
            8
        } else {
            0
        };
        if flags & MORE_COMPONENTS == 0 {
            return Some(out);
        }
    }
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// An sfnt file from its tables (sorted by tag as the format requires), each 4-byte aligned.
fn assemble(tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut tables: Vec<&([u8; 4], Vec<u8>)> = tables.iter().collect();
    tables.sort_by_key(|(tag, _)| *tag);
    let n = tables.len() as u16;
    let entry_selector = 15 - n.leading_zeros() as u16;
    let search_range = (1u16 << entry_selector) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [n, search_range, entry_selector, n * 16 - search_range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    for (tag, data) in &tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        offset += data.len().next_multiple_of(4);
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::letter::layout::FontFiles;

    #[test]
    fn subset_keeps_used_glyphs_and_their_ids() {
        let files = FontFiles::load().unwrap();
        let full = ttf_parser::Face::parse(&files.regular.1, 0).unwrap();
        let used: Vec<u16> = "NIK Ṭ Ḍ"
            .chars()
            .map(|c| full.glyph_index(c).unwrap().0)
            .collect();
        let small = subset(&files.regular.1, used.iter().copied()).unwrap();
        assert!(
            small.len() * 4 < files.regular.1.len(),
            "{} bytes",
            small.len()
        );
        let face = ttf_parser::Face::parse(&small, 0).unwrap();
        assert_eq!(face.number_of_glyphs(), full.number_of_glyphs());
        let mut sink = Bounds(0);
        for &gid in &used {
            let g = ttf_parser::GlyphId(gid);
            assert_eq!(face.glyph_hor_advance(g), full.glyph_hor_advance(g));
            assert_eq!(
                face.glyph_bounding_box(g),
                full.glyph_bounding_box(g),
                "glyph {gid}"
            );
        }
        let unused = full.glyph_index('Q').unwrap();
        assert!(face.outline_glyph(unused, &mut sink).is_none());
        assert!(full.outline_glyph(unused, &mut sink).is_some());
    }

    struct Bounds(usize);

    impl ttf_parser::OutlineBuilder for Bounds {
        fn move_to(&mut self, _: f32, _: f32) {
            self.0 += 1;
        }
        fn line_to(&mut self, _: f32, _: f32) {}
        fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {}
        fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {}
        fn close(&mut self) {}
    }
}
