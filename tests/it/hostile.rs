//! Hostile inputs of our own: nothing here may panic, hang or take the memory, and every file
//! that cannot be read becomes a checklist finding, not an error.

use crate::common;

use std::io::Write;

use common::{engine, today};
use lopdf::{Dictionary, Document, Object, Stream, dictionary};
use sertel::checklist::Status;
use sertel::inspect::{InspectError, Report, inspect};
use sertel::parse::ParseError;
use sertel::rules::Rules;

fn mail_with(filename: &str, content_type: &str, data: &[u8]) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut m = String::from(
        "From: uji@gorontalokab.go.id\r\nSubject: Permohonan\r\nMessage-ID: <hostile@x>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\n\
         Nama: Budi Santoso\r\nNIK: 7502011203850001\r\nNo. HP: 081234567890\r\n--zz\r\n",
    );
    let _ = write!(
        m,
        "Content-Type: {content_type}; name=\"{filename}\"\r\nContent-Disposition: attachment; filename=\"{filename}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    );
    let encoded = b64(data);
    for chunk in encoded.as_bytes().chunks(76) {
        m.push_str(std::str::from_utf8(chunk).unwrap());
        m.push_str("\r\n");
    }
    m.push_str("--zz--\r\n");
    m.into_bytes()
}

fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            out.push(if i <= c.len() {
                T[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

fn run(raw: &[u8]) -> Result<Report, InspectError> {
    inspect(raw, &Rules::builtin(), &mut engine(), today())
}

fn item(report: &Report, id: &str) -> Status {
    report
        .checklist
        .iter()
        .find(|i| i.id == id)
        .unwrap_or_else(|| panic!("no {id}: {report:#?}"))
        .status
}

#[test]
fn zero_bytes_is_not_an_email() {
    assert!(matches!(
        run(b""),
        Err(InspectError::NotAnEmail(ParseError::Empty))
    ));
}

#[test]
fn png_claiming_60000_square_is_refused_unread() {
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&60000u32.to_be_bytes());
    chunk.extend_from_slice(&60000u32.to_be_bytes());
    chunk.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut crc = flate2::Crc::new();
    crc.update(&chunk);
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\r".to_vec();
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&crc.sum().to_be_bytes());
    png.extend_from_slice(&[0u8; 64]);
    let report = run(&mail_with("ktp.png", "image/png", &png)).unwrap();
    assert_eq!(report.documents[0].kind, sertel::classify::DocKind::Ktp);
    assert_eq!(item(&report, "unreadable_ktp"), Status::Invalid);
    assert!(
        report.documents[0]
            .unreadable
            .as_deref()
            .unwrap()
            .contains("terlalu besar")
    );
}

fn pdf_with_stream(dict: Dictionary, compressed: Vec<u8>) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let stream_id = doc.add_object(Stream::new(dict, compressed).with_compression(false));
    let image_id = doc.add_object(Stream::new(
        dictionary! {"Type" => "XObject", "Subtype" => "Image", "Width" => 30000, "Height" => 30000,
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8, "Filter" => "FlateDecode"},
        vec![0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ).with_compression(false));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => stream_id,
        "Resources" => dictionary! {"XObject" => dictionary! {"Im0" => image_id}},
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
        }),
    );
    let catalog = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn pdf_compression_bomb_is_bounded() {
    // 512 MiB of content stream inflated from about half a megabyte.
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![b' '; 1 << 20];
    for _ in 0..512 {
        enc.write_all(&block).unwrap();
    }
    let compressed = enc.finish().unwrap();
    assert!(compressed.len() < 2 << 20);
    let pdf = pdf_with_stream(dictionary! {"Filter" => "FlateDecode"}, compressed);
    let started = std::time::Instant::now();
    let report = run(&mail_with("sk jabatan.pdf", "application/pdf", &pdf)).unwrap();
    assert!(started.elapsed().as_secs() < 10);
    assert_eq!(report.documents[0].kind, sertel::classify::DocKind::Sk);
    assert_eq!(item(&report, "unreadable_sk"), Status::Invalid);
}

#[test]
fn forty_megabytes_of_noise_is_inspected() {
    let mut data = vec![0u8; 40 << 20];
    let mut x: u64 = 88172645463325252;
    for chunk in data.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    let report = run(&mail_with("KTP.jpg", "image/jpeg", &data)).unwrap();
    assert_eq!(report.documents.len(), 1);
    assert_eq!(item(&report, "unreadable_ktp"), Status::Invalid);
}

#[test]
fn deep_nesting_and_traversal_names_are_harmless() {
    let mut m = String::from("Content-Type: text/plain\r\n\r\nNama: X\r\n");
    for i in 0..3000 {
        m = format!("From: a{i}@x.id\r\nSubject: fwd\r\nContent-Type: message/rfc822\r\n\r\n{m}");
    }
    run(m.as_bytes()).unwrap();
    let report = run(&mail_with(
        "../../../etc/passwd",
        "text/plain",
        b"root:x:0:0",
    ))
    .unwrap();
    assert_eq!(report.documents[0].filename, "passwd");
}
