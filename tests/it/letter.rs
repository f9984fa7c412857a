//! The recommendation letter end to end: PDFs read back with poppler (`pdftotext`, `pdftoppm`)
//! and sertel's own text extraction, the DOCX unzipped and converted by LibreOffice.
//!
//! The layout golden file is `tests/golden/letter-layout.txt`; after an intended layout change,
//! refresh it with `SERTEL_BLESS=1 cargo test --release --test it letter::golden` and review the diff.

use crate::common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use sertel::applicant::ApplicantFields;
use sertel::case::model::ApplicantRecord;
use sertel::letter::layout::{
    FontFiles, Item, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, PAGE_H, PAGE_W, layout,
};
use sertel::letter::{LetterData, LetterTemplate, Placeholder, render_docx, render_pdf};
use sertel::rules::Rules;

const NAMES: [&str; 3] = [
    "Ngurah Ayu Wiryaningsih Ṭ",
    "Siti Nur'aini",
    "Rahmat Hidayatullah Ḍamanhuri",
];

fn template() -> LetterTemplate {
    Rules::load(Path::new("rules")).unwrap().letter
}

fn record(name: &str) -> ApplicantRecord {
    ApplicantRecord {
        reply_to: "pemohon@gorontalokab.go.id".into(),
        fields: ApplicantFields {
            name: Some(name.into()),
            nik: Some("7501034506900002".into()),
            nip: Some("199006052015032002".into()),
            position: Some("Analis Kebijakan Ahli Muda".into()),
            rank: Some("Penata Tingkat I (III/d)".into()),
            unit: Some("Badan Perencanaan Pembangunan Daerah".into()),
            phone: Some("0812-3456-7890".into()),
            email: Some("siti.nuraini@gorontalokab.go.id".into()),
        },
    }
}

fn data(name: &str) -> LetterData {
    LetterData::from_fields(&record(name).fields).unwrap()
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn pdftotext(pdf: &Path, layout: bool) -> String {
    let mut cmd = Command::new("pdftotext");
    if layout {
        cmd.arg("-layout");
    }
    run(cmd.args(["-enc", "UTF-8"]).arg(pdf).arg("-"))
}

fn row_labels() -> Vec<String> {
    template()
        .rows
        .into_iter()
        .map(|(label, _)| label)
        .collect()
}

fn field_values(d: &LetterData) -> Vec<String> {
    use sertel::letter::Field;
    // The shipped template's rows, in order.
    [
        Field::Nama,
        Field::Nik,
        Field::Nip,
        Field::Pangkat,
        Field::Jabatan,
        Field::Unit,
        Field::Surel,
        Field::Hp,
    ]
    .into_iter()
    .map(|f| d.value(f))
    .collect()
}

#[test]
fn pdf_text_returns_every_field_and_placeholder_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let t = template();
    for name in NAMES {
        let d = data(name);
        let pdf = write_temp(dir.path(), "surat.pdf", &render_pdf(&t, &d).unwrap());
        let text = pdftotext(&pdf, false);
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        // A value is a line of its own, or follows its label when poppler joins the two cells.
        for (label, value) in row_labels().into_iter().zip(field_values(&d)) {
            assert!(
                lines.contains(&value.as_str())
                    || lines.contains(&format!("{label} {value}").as_str()),
                "{value:?} not a line of:\n{text}"
            );
        }
        for p in Placeholder::ALL {
            assert!(
                text.contains(&p.written()),
                "{} missing:\n{text}",
                p.written()
            );
        }
        for expected in [
            "PEMERINTAH KABUPATEN GORONTALO",
            "DINAS KOMUNIKASI DAN INFORMATIKA",
            "Kepala Balai Sertifikasi Elektronik (BSrE) BSSN",
            "Rekomendasi Penerbitan Sertifikat Elektronik",
            "NIP. ${nip_pengirim}",
            "Limboto, ${tanggal_naskah}",
        ] {
            assert!(text.contains(expected), "{expected:?} missing:\n{text}");
        }
        let flowing = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flowing.contains(&format!("atas nama {name} akan")),
            "the {{nama}} field in the paragraph is not filled:\n{text}"
        );
    }
}

#[test]
fn sertel_text_extraction_finds_the_nik() {
    let d = data(NAMES[0]);
    let pdf = render_pdf(&template(), &d).unwrap();
    let content = sertel::text::pdf::read(&pdf).unwrap();
    assert_eq!(content.page_count, 1);
    assert!(
        content.text().contains(d.nik.as_str()),
        "sertel's extraction lacks the NIK:\n{}",
        content.text()
    );
    assert!(content.text().contains(NAMES[0]), "{}", content.text());
    assert!(
        content.text().contains("${nomor_naskah}"),
        "{}",
        content.text()
    );
}

#[test]
fn golden_layout() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = write_temp(
        dir.path(),
        "surat.pdf",
        &render_pdf(&template(), &data(NAMES[2])).unwrap(),
    );
    let actual = pdftotext(&pdf, true);
    let golden = Path::new("tests/golden/letter-layout.txt");
    if std::env::var_os("SERTEL_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(golden, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(golden).expect(
        "golden file missing: run SERTEL_BLESS=1 cargo test --release --test it letter::golden",
    );
    if actual != expected {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .map(|(i, (e, a))| format!("line {}:\n  golden: {e}\n  actual: {a}", i + 1))
            .collect();
        panic!(
            "layout differs from {} ({} vs {} lines):\n{}",
            golden.display(),
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

/// Renders every page at 1 pixel per point and returns, per page, the bounding box of the ink
/// (x0, y0, x1, y1 from the top-left) or None for a blank page.
fn ink_boxes(pdf: &Path) -> Vec<Option<(u32, u32, u32, u32)>> {
    let dir = pdf.parent().unwrap();
    let out = run(Command::new("pdftoppm")
        .args(["-r", "72", "-gray", "-png"])
        .arg(pdf)
        .arg(dir.join("page")));
    assert!(out.is_empty());
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    assert!(!pages.is_empty());
    pages
        .iter()
        .map(|p| {
            let img = image::open(p).unwrap().to_luma8();
            assert_eq!(img.width(), PAGE_W.ceil() as u32);
            let mut bbox: Option<(u32, u32, u32, u32)> = None;
            for (x, y, px) in img.enumerate_pixels() {
                if px.0[0] < 200 {
                    bbox = Some(match bbox {
                        None => (x, y, x, y),
                        Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x), d.max(y)),
                    });
                }
            }
            bbox
        })
        .collect()
}

fn assert_inside_margins(pdf: &Path) {
    for (i, bbox) in ink_boxes(pdf).into_iter().enumerate() {
        let (x0, y0, x1, y1) = bbox.unwrap_or_else(|| panic!("page {} is blank", i + 1));
        // One pixel of slack for anti-aliasing at the edges.
        assert!(
            x0 as f32 >= MARGIN_LEFT - 1.0,
            "page {}: ink at x={x0}",
            i + 1
        );
        assert!(
            x1 as f32 <= PAGE_W - MARGIN_RIGHT + 1.0,
            "page {}: ink at x={x1}",
            i + 1
        );
        assert!(
            y0 as f32 >= MARGIN_TOP - 1.0,
            "page {}: ink at y={y0}",
            i + 1
        );
        assert!(
            y1 as f32 <= PAGE_H - MARGIN_BOTTOM + 1.0,
            "page {}: ink at y={y1}",
            i + 1
        );
    }
}

#[test]
fn page_renders_cleanly_inside_the_margins() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = render_pdf(&template(), &data(NAMES[0])).unwrap();
    // Subset fonts: the whole DejaVu Serif pair would be ~420 kB.
    assert!(bytes.len() < 80_000, "{} bytes", bytes.len());
    let pdf = write_temp(dir.path(), "surat.pdf", &bytes);
    let fonts = run(Command::new("pdffonts").arg(&pdf));
    let embedded: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(embedded.len(), 2, "{fonts}");
    for line in embedded {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            cols[1..7],
            ["CID", "TrueType", "Identity-H", "yes", "yes", "yes"],
            "{fonts}"
        );
    }
    let out = Command::new("pdftoppm")
        .args(["-r", "72", "-png"])
        .arg(&pdf)
        .arg(dir.path().join("check"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "pdftoppm complained: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_file(dir.path().join("check-1.png")).unwrap();
    let boxes = ink_boxes(&pdf);
    assert_eq!(boxes.len(), 1, "the letter fits one page");
    let (x0, _, x1, _) = boxes[0].unwrap();
    // The justified paragraphs reach both margins.
    assert!((x0 as f32) < MARGIN_LEFT + 2.0 && (x1 as f32) > PAGE_W - MARGIN_RIGHT - 3.0);
    assert_inside_margins(&pdf);
}

#[test]
fn long_values_wrap_inside_their_cell() {
    let mut r = record("Siti Nur'aini");
    let unit = "Bidang Persandian dan Statistik Sektoral pada Dinas Komunikasi dan Informatika \
                Kabupaten Gorontalo yang Membawahi Seksi Keamanan Informasi dan Seksi \
                Pengelolaan Sertifikat Elektronik Perangkat Daerah";
    r.fields.unit = Some(unit.into());
    r.fields.email =
        Some("seksi.keamanan.informasi.dan.persandian.kominfo@gorontalokab.go.id".into());
    let d = LetterData::from_fields(&r.fields).unwrap();
    let t = template();
    let files = FontFiles::load().unwrap();
    let fonts = files.faces().unwrap();
    let pages = layout(&t, &d, &fonts).unwrap();
    let texts: Vec<(f32, f32, String)> = pages
        .iter()
        .flat_map(|p| &p.items)
        .filter_map(|i| match i {
            Item::Text {
                x,
                size,
                weight,
                text,
                ..
            } => Some((
                *x,
                *x + fonts.face(*weight).width(text, *size).unwrap(),
                text.clone(),
            )),
            Item::Rule { .. } | Item::Emblem { .. } => None,
        })
        .collect();
    let unit_lines: Vec<&(f32, f32, String)> = texts
        .iter()
        .filter(|(_, _, t)| unit.contains(t.as_str()) && t.split(' ').count() > 2)
        .collect();
    assert!(
        unit_lines.len() >= 2,
        "the unit did not wrap: {unit_lines:?}"
    );
    let cell_left = unit_lines[0].0;
    for (x0, x1, text) in &unit_lines {
        assert_eq!(*x0, cell_left, "{text}");
        assert!(*x1 <= PAGE_W - MARGIN_RIGHT, "{text} runs out of its cell");
    }
    assert_eq!(
        unit_lines
            .iter()
            .map(|(_, _, t)| t.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        unit.split_whitespace().collect::<Vec<_>>().join(" ")
    );

    let dir = tempfile::tempdir().unwrap();
    let pdf = write_temp(dir.path(), "surat.pdf", &render_pdf(&t, &d).unwrap());
    assert_inside_margins(&pdf);
    let text = pdftotext(&pdf, false);
    let email: String = text
        .lines()
        .skip_while(|l| !l.starts_with("seksi."))
        .take_while(|l| !l.is_empty() && !l.starts_with("No. HP"))
        .collect();
    assert!(email.starts_with(d.email.as_str()), "{text}");
}

fn docx_part(docx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn docx_holds_placeholders_as_whole_runs_and_escapes_text() {
    let mut r = record(NAMES[1]);
    r.fields.unit = Some("Bagian Hukum & Organisasi <Setda>".into());
    let d = LetterData::from_fields(&r.fields).unwrap();
    let docx = render_docx(&template(), &d).unwrap();
    for part in ["[Content_Types].xml", "_rels/.rels", "word/styles.xml"] {
        assert!(!docx_part(&docx, part).is_empty());
    }
    let xml = docx_part(&docx, "word/document.xml");
    for p in Placeholder::ALL {
        let whole = format!(r#"<w:t xml:space="preserve">{}</w:t>"#, p.written());
        assert!(xml.contains(&whole), "{} is not one run", p.written());
    }
    assert!(xml.contains("Bagian Hukum &amp; Organisasi &lt;Setda&gt;"));
    assert!(xml.contains("Siti Nur&apos;aini"));
    assert!(xml.contains(d.nik.as_str()));
}

fn words(text: &str) -> Vec<String> {
    let mut w: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    w.sort();
    w
}

#[test]
fn docx_converted_by_libreoffice_gives_the_same_text() {
    if Command::new("soffice").arg("--version").output().is_err() {
        common::skip(
            "soffice not installed; DOCX conversion not checked (scripts/setup installs it)",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = template();
    let d = data(NAMES[0]);
    let docx = write_temp(dir.path(), "surat.docx", &render_docx(&t, &d).unwrap());
    let pdf = write_temp(dir.path(), "ours.pdf", &render_pdf(&t, &d).unwrap());
    let profile = dir.path().join("profile");
    let out = dir.path().join("out");
    run(Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&out)
        .arg(&docx));
    let converted = pdftotext(&out.join("surat.pdf"), false);
    for value in field_values(&d) {
        assert!(
            converted.contains(&value),
            "{value:?} missing:\n{converted}"
        );
    }
    for p in Placeholder::ALL {
        assert!(
            converted.contains(&p.written()),
            "{}:\n{converted}",
            p.written()
        );
    }
    assert_eq!(words(&converted), words(&pdftotext(&pdf, false)));
    assert_eq!(
        images(&out.join("surat.pdf")),
        1,
        "LibreOffice dropped the emblem"
    );

    // The office signs what LibreOffice made (SRIKANDI's path): pyHanko B-LT over it is
    // accepted, and the text the Kadis saw names this applicant.
    if !crate::signature::pades::available() {
        return;
    }
    let converted = out.join("surat.pdf");
    let signer = "Kepala Dinas Uji";
    crate::signature::pades::run(dir.path(), [&converted, &converted], "-", "daemon", signer);
    let signed = std::fs::read(dir.path().join("b-lt.pdf")).unwrap();
    let policy = sertel::signature::Policy::from_config(&sertel::config::Signing {
        trust_anchors: vec![dir.path().join("root.pem")],
        tsa_anchors: vec![dir.path().join("tsa-root.pem")],
        signer: Some(sertel::config::SignerSpec {
            common_name: Some(signer.into()),
            ..Default::default()
        }),
    })
    .unwrap();
    let sertel::signature::Verdict::Valid(info) =
        sertel::signature::verify_pdf(&signed, &policy, chrono::Utc::now())
    else {
        panic!("the LibreOffice letter signed B-LT is refused");
    };
    let seen = sertel::signature::visible_text(info.signed_revision(&signed)).unwrap();
    assert_eq!(
        sertel::desk::letters::names_the_applicant(&seen, &record(NAMES[0]).fields),
        Ok(()),
        "{seen}"
    );
}

/// How many images `pdfimages -list` finds (soft masks not counted).
fn images(pdf: &Path) -> usize {
    run(Command::new("pdfimages").arg("-list").arg(pdf))
        .lines()
        .skip(2)
        .filter(|l| l.split_whitespace().nth(2) == Some("image"))
        .count()
}

#[test]
fn emblem_stands_left_of_the_letterhead_in_pdf_and_docx() {
    let t = template();
    let emblem = t
        .emblem
        .as_ref()
        .expect("the shipped template has an emblem");
    assert_eq!(emblem.pixels.dimensions(), (240, 280));
    let d = data(NAMES[1]);
    let files = FontFiles::load().unwrap();
    let fonts = files.faces().unwrap();
    let pages = layout(&t, &d, &fonts).unwrap();
    let first = &pages[0].items;
    let (ex, ey, ew, eh) = first
        .iter()
        .find_map(|i| match i {
            Item::Emblem { x, y, w, h } => Some((*x, *y, *w, *h)),
            _ => None,
        })
        .expect("an emblem on page 1");
    assert!((ew - 20.0 * 72.0 / 25.4).abs() < 0.01, "{ew}");
    assert!((ex - MARGIN_LEFT).abs() < 0.01 && ey + eh <= PAGE_H - MARGIN_TOP + 0.01);
    let rule_y = first
        .iter()
        .find_map(|i| match i {
            Item::Rule { from, .. } => Some(from.1),
            _ => None,
        })
        .unwrap();
    assert!(
        rule_y < ey,
        "the rule {rule_y} crosses the emblem (bottom {ey})"
    );
    for item in first {
        if let Item::Text { x, y, text, .. } = item
            && *y > rule_y
        {
            assert!(*x >= ex + ew, "{text:?} at {x} overlaps the emblem");
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let pdf = write_temp(dir.path(), "surat.pdf", &render_pdf(&t, &d).unwrap());
    assert_eq!(images(&pdf), 1);
    let list = run(Command::new("pdfimages").arg("-list").arg(&pdf));
    assert!(list.contains(" smask "), "no soft mask:\n{list}");

    let docx = render_docx(&t, &d).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&docx)).unwrap();
    let mut media = Vec::new();
    zip.by_name("word/media/lambang.png")
        .unwrap()
        .read_to_end(&mut media)
        .unwrap();
    assert_eq!(media, std::fs::read("rules/lambang-contoh.png").unwrap());
    assert!(docx_part(&docx, "word/_rels/document.xml.rels").contains("media/lambang.png"));
    let xml = docx_part(&docx, "word/document.xml");
    assert!(xml.contains(r#"r:embed="rId2""#));
    assert!(docx_part(&docx, "[Content_Types].xml").contains(r#"Extension="png""#));
}

#[test]
fn broken_letter_template_stops_loading_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["checklist.toml", "classify.toml", "lambang-contoh.png"] {
        std::fs::copy(Path::new("rules").join(name), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("bukan-gambar.png"), b"bukan gambar").unwrap();
    let shipped = std::fs::read_to_string("rules/letter.toml").unwrap();
    let file = dir.path().join("letter.toml");
    for (from, to) in [
        ("value = \"{jabatan}\"", "value = \"{jabatn}\""),
        ("\"lambang-contoh.png\"", "\"lambang-hilang.png\""),
        ("\"lambang-contoh.png\"", "\"bukan-gambar.png\""),
        ("width_mm = 20", "width_mm = 90"),
        ("\"NIP. ${nip_pengirim}\"", "\"NIP. ${nip_pengirm}\""),
        ("\"${ttd_pengirim}\", ", ""),
    ] {
        assert!(shipped.contains(from), "{from}");
        let broken = shipped.replacen(from, to, 1);
        std::fs::write(&file, &broken).unwrap();
        let err = Rules::load(dir.path()).unwrap_err().to_string();
        let needle = if to.is_empty() { "signer =" } else { to };
        let line = broken
            .lines()
            .position(|l| !l.starts_with('#') && l.contains(needle))
            .unwrap()
            + 1;
        assert!(
            err.starts_with(&format!("{}:{line}: ", file.display())),
            "{err}"
        );
    }
    std::fs::remove_file(&file).unwrap();
    let err = Rules::load(dir.path()).unwrap_err().to_string();
    assert!(err.contains("letter.toml: cannot read"), "{err}");
}
