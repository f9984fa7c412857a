//! What a Word document (DOCX) an applicant attached holds: the typed text of
//! `word/document.xml` (an SK typed in Word) and the pictures under `word/media/` (a KTP or
//! SK scan pasted into Word), each bounded so a zip bomb reads as too large.

use std::io::{Cursor, Read};

use crate::parse::FileType;

/// One part is read up to this many bytes; a letter's XML is kilobytes, a pasted photo a few
/// megabytes.
const MAX_PART: u64 = 24 << 20;

/// The pictures kept, largest first.
const MAX_PICTURES: usize = 4;

/// Why a ZIP attachment yielded no document.
#[derive(Debug, PartialEq, Eq)]
pub enum DocxError {
    /// A ZIP that is not a Word document (an archive, XLSX, ODT).
    NotDocx,
    Broken(String),
    TooLarge,
}

/// The text and the pictures of a DOCX.
#[derive(Debug, Default)]
pub struct DocxContent {
    pub text: String,
    /// Bytes of each picture with the type its bytes show, largest first.
    pub pictures: Vec<(Vec<u8>, FileType)>,
}

pub fn read(data: &[u8]) -> Result<DocxContent, DocxError> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(data)).map_err(|e| DocxError::Broken(e.to_string()))?;
    let xml = part(&mut zip, "word/document.xml")?.ok_or(DocxError::NotDocx)?;
    let mut content = DocxContent {
        text: document_text(&String::from_utf8_lossy(&xml)),
        pictures: Vec::new(),
    };
    let media: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("word/media/"))
        .map(|n| n.into_owned())
        .collect();
    for name in media {
        let Some(bytes) = part(&mut zip, &name)? else {
            continue;
        };
        let kind = FileType::sniff(&bytes);
        if kind.is_image() {
            content.pictures.push((bytes, kind));
        }
    }
    content
        .pictures
        .sort_by_key(|(b, _)| std::cmp::Reverse(b.len()));
    content.pictures.truncate(MAX_PICTURES);
    Ok(content)
}

fn part(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<Vec<u8>>, DocxError> {
    let file = match zip.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(DocxError::Broken(e.to_string())),
    };
    let mut bytes = Vec::new();
    file.take(MAX_PART + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| DocxError::Broken(e.to_string()))?;
    if bytes.len() as u64 > MAX_PART {
        return Err(DocxError::TooLarge);
    }
    Ok(Some(bytes))
}

/// The runs' text (`<w:t>`), a tab for `<w:tab/>`, a line per paragraph and per table row
/// (a Lampiran's row of Nama/NIP/Jabatan stays one line), a tab between cells.
fn document_text(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    let mut cells = 0usize;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open + 1..open + close];
        rest = &rest[open + close + 1..];
        if let Some(closing) = tag.strip_prefix('/') {
            match closing.trim() {
                // A paragraph inside a table cell stays on the row's line.
                "w:p" if cells > 0 => out.push(' '),
                "w:p" | "w:tr" => out.push('\n'),
                "w:tc" => {
                    cells = cells.saturating_sub(1);
                    out.push('\t');
                }
                _ => {}
            }
            continue;
        }
        match tag.split([' ', '/']).next().unwrap_or_default() {
            "w:tc" if !tag.ends_with('/') => cells += 1,
            "w:t" if !tag.ends_with('/') => {
                let end = rest.find("</w:t>").unwrap_or(rest.len());
                out.push_str(&unescape(&rest[..end]));
                rest = &rest[end..];
            }
            "w:tab" => out.push('\t'),
            "w:br" | "w:cr" => out.push('\n'),
            _ => {}
        }
    }
    out.lines()
        .map(|l| l.trim_matches(['\t', ' ']))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn docx(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in parts {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn text_and_pictures_of_a_word_document() {
        let xml = br#"<w:document><w:body><w:p><w:r><w:t>KEPUTUSAN BUPATI</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>Nama</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r>
            <w:t xml:space="preserve">Rusni &amp; Akuba</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            <w:p><w:r><w:t>NIP</w:t><w:tab/><w:t>198807222011012003</w:t></w:r></w:p></w:body></w:document>"#;
        let png: &[u8] = b"\x89PNG\r\n\x1a\n0000";
        let read = read(&docx(&[
            ("word/document.xml", xml),
            ("word/media/image1.png", png),
            ("word/media/notes.txt", b"x"),
        ]))
        .unwrap();
        assert_eq!(
            read.text,
            "KEPUTUSAN BUPATI\nNama \tRusni & Akuba\nNIP\t198807222011012003"
        );
        assert_eq!(read.pictures.len(), 1);
        assert_eq!(read.pictures[0].1, FileType::Png);
        assert_eq!(
            super::read(&docx(&[("xl/workbook.xml", b"<x/>")])).unwrap_err(),
            DocxError::NotDocx
        );
        assert!(matches!(
            super::read(b"PK\x03\x04broken"),
            Err(DocxError::Broken(_))
        ));
    }
}
