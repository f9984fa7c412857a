//! The office family's decrees as the BKPSDM types them: HTML laid out by LibreOffice Writer
//! into a PDF with embedded Liberation fonts; the subject either named on page 1 or one row
//! of a Lampiran table on page 2, among colleagues, with the signer's own block below.

use std::path::Path;
use std::process::{Command, Stdio};

use chrono::NaiveDate;

use crate::synth::error::SynthError;
use crate::synth::rng::Rng;

/// One row of a decree: the subject or a colleague.
pub struct Row {
    pub name: String,
    pub nip: String,
    pub rank: String,
    pub position: String,
    pub unit: String,
}

pub struct Decree<'a> {
    pub subject: &'a Row,
    /// Colleagues listed beside the subject in a Lampiran; empty: the subject alone on page 1.
    pub colleagues: &'a [Row],
    pub pppk: bool,
    pub number: u32,
    pub date: NaiveDate,
    /// Where in the Lampiran table the subject's row goes.
    pub position_in_table: usize,
    /// Name and NIP in one cell on two lines, as many BKPSDM tables print them.
    pub name_over_nip: bool,
    pub acting_signer: bool,
}

fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The decree as HTML for Writer.
pub fn decree_html(d: &Decree, rng: &mut Rng) -> String {
    use chrono::Datelike;
    let year = d.date.year();
    let number = format!("821.{}/BKPSDM/{}/{year}", rng.range(1, 4), d.number);
    let about = if d.pppk {
        "PENGANGKATAN PEGAWAI PEMERINTAH DENGAN PERJANJIAN KERJA"
    } else if d.colleagues.is_empty() {
        "PENGANGKATAN DALAM JABATAN FUNGSIONAL"
    } else {
        "PEMINDAHAN DAN PENGANGKATAN DALAM JABATAN"
    };
    let signer_title = if d.acting_signer {
        "Pj. BUPATI GORONTALO,"
    } else {
        "BUPATI GORONTALO,"
    };
    let signer_name = *rng.pick(&[
        "IR. HAMZAH SIDIK DJIBRAN",
        "DRS. SOFYAN PUHI, M.SI",
        "HENDRA HEMETO",
    ]);
    // An official's NIP: born 1965-1975, appointed in the 1990s, male, sequence 001-099.
    let signer_nip = format!(
        "19{}{:02}{:02}199{}{:02}1{:03}",
        rng.range(65, 75),
        rng.range(1, 12),
        rng.range(1, 28),
        rng.range(0, 9),
        rng.range(1, 12),
        rng.range(1, 99)
    );
    let signer = format!(
        "<table class=\"ttd\"><tr><td style=\"width:55%\"></td><td>Ditetapkan di Limboto<br>pada tanggal {}<br><br><b>{signer_title}</b><br><br><br><br><b><u>{signer_name}</u></b>{}</td></tr></table>",
        crate::calendar::indonesian_date(d.date),
        if d.acting_signer {
            format!("<br>NIP. {signer_nip}")
        } else {
            String::new()
        }
    );
    let s = d.subject;
    let kesatu = if d.colleagues.is_empty() {
        format!(
            "<p>KESATU : Mengangkat {} :</p><table class=\"who\">\
             <tr><td>Nama</td><td>:</td><td>{}</td></tr>\
             <tr><td>NIP</td><td>:</td><td>{}</td></tr>\
             <tr><td>Pangkat/Gol. Ruang</td><td>:</td><td>{}</td></tr>\
             <tr><td>Jabatan</td><td>:</td><td>{}</td></tr>\
             <tr><td>Unit Kerja</td><td>:</td><td>{}</td></tr></table>",
            if d.pppk {
                "Pegawai Pemerintah dengan Perjanjian Kerja"
            } else {
                "Pegawai Negeri Sipil"
            },
            esc(&s.name),
            esc(&s.nip),
            esc(&s.rank),
            esc(&s.position),
            esc(&s.unit)
        )
    } else {
        "<p>KESATU : Memindahkan dan mengangkat Pegawai Negeri Sipil yang namanya tercantum \
         dalam Lampiran Keputusan ini dari jabatan lama ke jabatan baru sebagaimana tersebut \
         di dalamnya.</p>"
            .to_string()
    };
    let mut html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>\
         body {{ font-family: 'Liberation Serif'; font-size: 12pt; }}\
         p {{ margin: 0 0 6pt 0; text-align: justify; }}\
         .c {{ text-align: center; font-weight: bold; }}\
         table.list {{ border-collapse: collapse; font-size: 10pt; }}\
         table.list td, table.list th {{ border: 1px solid black; padding: 2pt; vertical-align: top; }}\
         </style></head><body>\
         <p class=\"c\">BUPATI GORONTALO<br>PROVINSI GORONTALO</p>\
         <p class=\"c\">KEPUTUSAN BUPATI GORONTALO<br>NOMOR : {number}</p>\
         <p class=\"c\">TENTANG<br>{about}</p>\
         <p class=\"c\">BUPATI GORONTALO,</p>\
         <p>Menimbang : a. bahwa untuk kelancaran pelaksanaan tugas dan fungsi perangkat daerah di \
         lingkungan Pemerintah Kabupaten Gorontalo dipandang perlu menetapkan pegawai dalam jabatan;</p>\
         <p>b. bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a, perlu menetapkan \
         Keputusan Bupati Gorontalo;</p>\
         <p>Mengingat : 1. Undang-Undang Nomor 20 Tahun 2023 tentang Aparatur Sipil Negara; \
         2. Peraturan Pemerintah Nomor 11 Tahun 2017 tentang Manajemen Pegawai Negeri Sipil \
         sebagaimana telah diubah dengan Peraturan Pemerintah Nomor 17 Tahun 2020;</p>\
         <p class=\"c\">MEMUTUSKAN :</p>\
         <p>Menetapkan : KEPUTUSAN BUPATI GORONTALO TENTANG {about}.</p>\
         {kesatu}\
         <p>KEDUA : Kepada pegawai yang bersangkutan diberikan hak sesuai dengan ketentuan \
         peraturan perundang-undangan.</p>\
         <p>KETIGA : Keputusan ini mulai berlaku pada tanggal ditetapkan.</p>\
         {signer}"
    );
    if !d.colleagues.is_empty() {
        let mut rows: Vec<&Row> = d.colleagues.iter().collect();
        rows.insert(d.position_in_table.min(rows.len()), d.subject);
        html.push_str(&format!(
            "<p class=\"c\" style=\"page-break-before: always\">LAMPIRAN KEPUTUSAN BUPATI GORONTALO<br>\
             NOMOR : {number}<br>TANGGAL : {}</p>\
             <p class=\"c\">DAFTAR NAMA PEGAWAI NEGERI SIPIL YANG DIPINDAHKAN DAN DIANGKAT DALAM JABATAN</p>\
             <table class=\"list\"><tr><th>No</th>{}<th>Pangkat/Gol</th><th>Jabatan Lama</th>\
             <th>Jabatan Baru</th><th>Unit Kerja</th></tr>",
            crate::calendar::indonesian_date(d.date),
            if d.name_over_nip {
                "<th>Nama / NIP</th>"
            } else {
                "<th>Nama</th><th>NIP</th>"
            }
        ));
        for (i, r) in rows.iter().enumerate() {
            let who = if d.name_over_nip {
                format!("<td>{}<br>NIP. {}</td>", esc(&r.name), esc(&r.nip))
            } else {
                format!("<td>{}</td><td>{}</td>", esc(&r.name), esc(&r.nip))
            };
            html.push_str(&format!(
                "<tr><td>{}</td>{who}<td>{}</td><td>Pelaksana</td><td>{}</td><td>{}</td></tr>",
                i + 1,
                esc(&r.rank),
                esc(&r.position),
                esc(&r.unit)
            ));
        }
        html.push_str("</table>");
        html.push_str(&signer);
    }
    html.push_str("</body></html>");
    html
}

/// `html` converted to PDF by LibreOffice Writer, with the file's dates and ID taken out so
/// one seed gives one file.
pub fn writer_pdf(html: &str, work: &Path) -> Result<Vec<u8>, SynthError> {
    let io = |source, path: &Path| SynthError::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(work).map_err(|e| io(e, work))?;
    let input = work.join("sk.html");
    std::fs::write(&input, html).map_err(|e| io(e, &input))?;
    let profile = work.join("profile");
    let status = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
        ])
        .arg(work)
        .arg(&input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|_| SynthError::ToolMissing { tool: "soffice" })?;
    let output = work.join("sk.pdf");
    if !status.success() {
        return Err(SynthError::ToolFailed { tool: "soffice" });
    }
    let bytes = std::fs::read(&output).map_err(|e| io(e, &output))?;
    let mut doc = lopdf::Document::load_mem(&bytes)?;
    doc.trailer.remove(b"ID");
    // LibreOffice's checksum covers the dates, so it changes with them.
    doc.trailer.remove(b"DocChecksum");
    if let Ok(info) = doc.trailer.get(b"Info").and_then(|o| o.as_reference())
        && let Ok(dict) = doc.get_object_mut(info).and_then(|o| o.as_dict_mut())
    {
        dict.remove(b"CreationDate");
        dict.remove(b"ModDate");
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(lopdf::Error::IO)?;
    Ok(out)
}
