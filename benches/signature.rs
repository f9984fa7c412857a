//! Checking the Kadis's signed letter: a 2 MB PAdES B-LTA letter (signature timestamp, DSS
//! with OCSP and CRL, document timestamp) signed by pyHanko (tests/it/signature/pades.py),
//! verified end to end. Prints figures; `cargo bench --bench signature`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use lopdf::{Document, Object, Stream, dictionary};
use sertel::config::{SignerSpec, Signing};
use sertel::signature::{Policy, Verdict, verify_pdf};

const NIK: &str = "7502014506800001";
const RUNS: usize = 50;

/// A one-page letter carrying a 2 MB photograph-like (incompressible) image, as a scanned
/// attachment page would.
fn letter(nik: &str, name: &str) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let (w, h) = (836u32, 836u32);
    let mut state = 0x2545_f491_u32;
    let pixels: Vec<u8> = (0..w * h * 3)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    let image = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => w, "Height" => h,
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8,
        },
        pixels,
    ));
    let text = format!(
        "q 200 0 0 200 300 500 cm /Im1 Do Q BT /F1 11 Tf 72 770 Td 16 TL \
         (SURAT REKOMENDASI) Tj T* (Nama: {name}) Tj T* (NIK: {nik}) Tj ET"
    );
    let content = doc.add_object(Stream::new(dictionary! {}, text.into_bytes()));
    let pages = doc.new_object_id();
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content,
        "Resources" => dictionary! {
            "Font" => dictionary! { "F1" => font },
            "XObject" => dictionary! { "Im1" => image },
        },
    });
    doc.objects.insert(
        pages,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("target/pyhanko-venv/bin/python");
    assert!(python.exists(), "run scripts/setup first (pyHanko venv)");
    let dir = tempfile::tempdir().unwrap();
    let (own, other) = (dir.path().join("letter.pdf"), dir.path().join("other.pdf"));
    std::fs::write(&own, letter(NIK, "Siti Rahmawati Uji")).unwrap();
    std::fs::write(&other, letter("7502010101800002", "Budi Lain Uji")).unwrap();
    let status = Command::new(&python)
        .arg(root.join("tests/it/signature/pades.py"))
        .args([dir.path(), &own, &other])
        .arg(NIK)
        .status()
        .unwrap();
    assert!(status.success());
    let pdf = std::fs::read(dir.path().join("b-lta.pdf")).unwrap();
    let policy = Policy::from_config(&Signing {
        trust_anchors: vec![dir.path().join("root.pem")],
        tsa_anchors: vec![dir.path().join("tsa-root.pem")],
        signer: Some(SignerSpec {
            common_name: Some("Kepala Dinas Uji PAdES".into()),
            ..SignerSpec::default()
        }),
    })
    .unwrap();
    let now = chrono::Utc::now();
    let Verdict::Valid(info) = verify_pdf(&pdf, &policy, now) else {
        panic!("{:?}", verify_pdf(&pdf, &policy, now));
    };
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let verdict = verify_pdf(&pdf, &policy, now);
        times.push(start.elapsed());
        assert!(matches!(verdict, Verdict::Valid(_)));
    }
    times.sort();
    println!(
        "B-LTA letter {} bytes, {} revisions after the signature, {} document timestamp(s): \
         verify median {:.1} ms, max {:.1} ms over {RUNS} runs",
        pdf.len(),
        info.later_revisions,
        info.document_timestamps,
        times[RUNS / 2].as_secs_f64() * 1e3,
        times[RUNS - 1].as_secs_f64() * 1e3,
    );
}
