//! Documents in the shapes applicants send besides a plain photo or PDF, read with real
//! tesseract: a KTP photo pasted into a Word document.

use crate::common;

use std::io::{Cursor, Write};

use sertel::classify::DocKind;
use sertel::inspect::read_document;
use sertel::parse::{Attachment, FileType};
use sertel::rules::Rules;
use sertel::synth::{self, KtpVariant};

/// A DOCX holding `picture` under word/media/, as Word saves a pasted photo, and no text.
fn word_document(picture: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let parts: [(&str, &[u8]); 3] = [
        (
            "[Content_Types].xml",
            b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>",
        ),
        (
            "word/document.xml",
            b"<w:document><w:body><w:p><w:r><w:drawing/></w:r></w:p></w:body></w:document>",
        ),
        ("word/media/image1.png", picture),
    ];
    for (name, bytes) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn a_ktp_pasted_into_a_word_document_is_read_as_a_ktp() {
    let mut ocr = common::engine();
    let rules = Rules::builtin();
    let mut exact = 0;
    let seeds = 41..45;
    for seed in seeds.clone() {
        let person = synth::person(seed);
        let png = synth::render_ktp(&person, KtpVariant::Clean, seed).unwrap();
        assert_eq!(FileType::sniff(&png), FileType::Png);
        let data = word_document(&png);
        let att = Attachment {
            filename: "KTP saya.docx".into(),
            declared_type: None,
            file_type: FileType::sniff(&data),
            data,
            depth: 0,
        };
        assert_eq!(att.file_type, FileType::Zip);
        let doc = read_document(&att, &rules, &mut ocr, &Default::default()).unwrap();
        assert_eq!(doc.kind, DocKind::Ktp, "seed {seed}: {:?}", doc.unreadable);
        assert!(doc.unreadable.is_none());
        if doc.fields.get("nik") == Some(person.nik.as_str()) {
            exact += 1;
        }
    }
    // Clean cards read exactly; one slip in four would already be far below the target.
    assert_eq!(exact, seeds.count(), "NIK exact on {exact} cards");
}
