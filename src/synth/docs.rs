//! The paper documents: the SK Jabatan (Keputusan Bupati) and the surat permohonan, laid out
//! once as a [`Page`] and output either as a text PDF or as a scanned, text-less PDF.

use chrono::{Datelike, NaiveDate};
use image::{Rgb, RgbImage};

use super::error::SynthError;
use super::ktp;
use super::pdf::{self, PAGE_H, PAGE_W, Page, PdfFont, TextItem};
use super::raster::{self, Fonts, Style};
use super::rng::Rng;

pub use crate::calendar::indonesian_date;

/// An 18-digit NIP grouped the official way, "19850312 201001 1 003"; anything else as is.
pub fn spaced_nip(nip: &str) -> String {
    if nip.len() == 18 && nip.bytes().all(|b| b.is_ascii_digit()) {
        format!(
            "{} {} {} {}",
            &nip[..8],
            &nip[8..14],
            &nip[14..15],
            &nip[15..]
        )
    } else {
        nip.to_string()
    }
}

/// The OPD's full name, as letterheads and decrees write it.
pub fn unit_full(unit: &str) -> String {
    if ["Dinas", "Badan", "Sekretariat", "Inspektorat"]
        .iter()
        .any(|p| unit.starts_with(p))
    {
        format!("{unit} Kabupaten Gorontalo")
    } else {
        unit.to_string()
    }
}

/// What an SK states about its subject; the strings are printed as given.
pub struct SkFacts<'a> {
    pub name: &'a str,
    pub nip: &'a str,
    pub rank: &'a str,
    pub position: &'a str,
    pub unit: &'a str,
    pub pppk: bool,
    pub number: u32,
    pub date: NaiveDate,
}

/// What a surat permohonan states about its writer.
pub struct LetterFacts<'a> {
    pub name: &'a str,
    pub nip: &'a str,
    pub rank: &'a str,
    pub position: &'a str,
    pub unit: &'a str,
    pub date: NaiveDate,
}

/// Where the ink goes on a printed, signed and stamped copy (points from the top-left).
pub struct Decor {
    pub signature: (f32, f32, f32, f32),
    pub stamp: (f32, f32),
}

/// Builds a page top to bottom; `y` is the next baseline.
struct Layout {
    page: Page,
    y: f32,
    size: f32,
    right: f32,
}

impl Layout {
    fn new(size: f32) -> Layout {
        Layout {
            page: Page::default(),
            y: 72.0,
            size,
            right: PAGE_W - 72.0,
        }
    }

    fn leading(&self) -> f32 {
        self.size * 1.3
    }

    fn put(&mut self, x: f32, font: PdfFont, size: f32, text: &str, word_spacing: f32) {
        self.page.items.push(TextItem {
            x,
            y: self.y,
            font,
            size,
            text: text.to_string(),
            word_spacing,
        });
    }

    fn centered(&mut self, font: PdfFont, size: f32, text: &str) {
        for line in wrap(font, size, text, PAGE_W - 160.0) {
            let w = pdf::text_width(font, size, &line);
            self.put((PAGE_W - w) / 2.0, font, size, &line, 0.0);
            self.y += size * 1.3;
        }
    }

    fn text(&mut self, x: f32, font: PdfFont, text: &str) {
        self.put(x, font, self.size, text, 0.0);
        self.y += self.leading();
    }

    fn gap(&mut self, lines: f32) {
        self.y += self.leading() * lines;
    }

    /// A justified paragraph between `x` and the right margin, with optional hanging pieces
    /// (label, colon, item marker) on its first line.
    fn paragraph(&mut self, hang: &[(f32, &str)], x: f32, font: PdfFont, text: &str) {
        for &(hx, piece) in hang {
            self.put(hx, font, self.size, piece, 0.0);
        }
        let lines = wrap(font, self.size, text, self.right - x);
        let last = lines.len().saturating_sub(1);
        for (i, line) in lines.iter().enumerate() {
            let spaces = line.matches(' ').count();
            let spare = self.right - x - pdf::text_width(font, self.size, line);
            let ws = if i < last && spaces > 0 {
                spare / spaces as f32
            } else {
                0.0
            };
            self.put(x, font, self.size, line, ws);
            self.y += self.leading();
        }
    }

    /// "Label : text" set tight, with an optional item marker ("a.") after the colon; the
    /// text wraps with a hanging indent. Returns where the marker and the text start, for the
    /// items that follow. Tight on purpose: a tab-wide gap after the label makes pdftotext split
    /// the labels off into a column of their own and print them out of order.
    fn labelled(
        &mut self,
        x: f32,
        label: &str,
        marker: Option<&str>,
        font: PdfFont,
        text: &str,
    ) -> (f32, f32) {
        let colon = x + pdf::text_width(font, self.size, label) + 3.0;
        let after = colon + pdf::text_width(font, self.size, ":") + 4.0;
        let (marker_x, text_x) = match marker {
            Some(m) => (after, after + pdf::text_width(font, self.size, m) + 5.0),
            None => (after, after),
        };
        let mut hang = vec![(x, label), (colon, ":")];
        if let Some(m) = marker {
            hang.push((marker_x, m));
        }
        self.paragraph(&hang, text_x, font, text);
        (marker_x, text_x)
    }

    /// "Label : value" without justification, for the decree's data block and the letter.
    fn field(&mut self, x: f32, font: PdfFont, label: &str, value: &str) {
        let colon = x + pdf::text_width(font, self.size, label) + 3.0;
        let value_x = colon + pdf::text_width(font, self.size, ":") + 4.0;
        self.put(x, font, self.size, label, 0.0);
        self.put(colon, font, self.size, ":", 0.0);
        for line in wrap(font, self.size, value, self.right - value_x) {
            self.put(value_x, font, self.size, &line, 0.0);
            self.y += self.leading();
        }
    }
}

/// Greedy word wrap by AFM widths.
fn wrap(font: PdfFont, size: f32, text: &str, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if pdf::text_width(font, size, &candidate) > width && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Fictional regent: decrees need a signatory, and no real official's name is used.
const BUPATI: &str = "Dr. H. ARSYAD TANGAHU, M.Si.";

/// The decree's subject line.
fn sk_subject(f: &SkFacts) -> String {
    if f.pppk {
        return "PENGANGKATAN PEGAWAI PEMERINTAH DENGAN PERJANJIAN KERJA DI LINGKUNGAN PEMERINTAH KABUPATEN GORONTALO"
            .to_string();
    }
    if f.position.starts_with("Bendahara") {
        return format!(
            "PENUNJUKAN BENDAHARA PENGELUARAN PADA {} TAHUN ANGGARAN {}",
            unit_full(f.unit).to_uppercase(),
            f.date.year()
        );
    }
    let functional = ["Ahli Pertama", "Ahli Muda", "Terampil"]
        .iter()
        .find_map(|level| f.position.strip_suffix(level))
        .map(str::trim);
    match functional {
        Some(base) => format!(
            "PENGANGKATAN DALAM JABATAN FUNGSIONAL {}",
            base.to_uppercase()
        ),
        None => "PENGANGKATAN DALAM JABATAN ADMINISTRASI".to_string(),
    }
}

/// The Keputusan Bupati appointing the applicant, on one A4 page.
pub fn sk_page(f: &SkFacts) -> (Page, Decor) {
    // Shrink the type until the decree fits the page, as a clerk would.
    let mut size = 11.0;
    loop {
        let (page, decor, bottom) = sk_layout(f, size);
        if bottom < PAGE_H - 40.0 || size <= 9.0 {
            return (page, decor);
        }
        size -= 0.5;
    }
}

fn sk_layout(f: &SkFacts, size: f32) -> (Page, Decor, f32) {
    let mut l = Layout::new(size);
    l.y = 60.0;
    let subject = sk_subject(f);
    let employee = if f.pppk {
        "Pegawai Pemerintah dengan Perjanjian Kerja"
    } else {
        "Pegawai Negeri Sipil"
    };
    l.centered(PdfFont::TimesBold, 13.0, "BUPATI GORONTALO");
    l.centered(PdfFont::TimesBold, 12.0, "PROVINSI GORONTALO");
    l.gap(0.6);
    l.centered(PdfFont::TimesBold, 12.0, "KEPUTUSAN BUPATI GORONTALO");
    let code = if f.pppk { "800.1.13.2" } else { "821.2" };
    l.centered(
        PdfFont::TimesBold,
        12.0,
        &format!("NOMOR: {code}/BKPSDM/{}/{}", f.number, f.date.year()),
    );
    l.gap(0.3);
    l.centered(PdfFont::TimesBold, 12.0, "TENTANG");
    l.gap(0.3);
    l.centered(PdfFont::TimesBold, 12.0, &subject);
    l.gap(0.6);
    l.centered(
        PdfFont::TimesBold,
        11.0,
        "DENGAN RAHMAT TUHAN YANG MAHA ESA",
    );
    l.gap(0.3);
    l.centered(PdfFont::TimesBold, 12.0, "BUPATI GORONTALO,");
    l.gap(0.6);

    let lx = 72.0;
    let unit = unit_full(f.unit);
    let considerations = [
        format!(
            "bahwa untuk menunjang kelancaran pelaksanaan tugas dan fungsi pada {unit}, dipandang perlu \
             mengangkat {employee} dalam jabatan sebagaimana tersebut dalam Keputusan ini;"
        ),
        format!(
            "bahwa {employee} yang namanya tercantum dalam Diktum KESATU Keputusan ini telah memenuhi \
             syarat untuk diangkat dalam jabatan tersebut;"
        ),
        format!(
            "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a dan huruf b, perlu \
             menetapkan Keputusan Bupati Gorontalo tentang {};",
            title_case(&subject)
        ),
    ];
    let laws = [
        "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah sebagaimana telah beberapa kali \
         diubah, terakhir dengan Undang-Undang Nomor 6 Tahun 2023;",
        "Undang-Undang Nomor 20 Tahun 2023 tentang Aparatur Sipil Negara;",
        "Peraturan Pemerintah Nomor 11 Tahun 2017 tentang Manajemen Pegawai Negeri Sipil sebagaimana \
         telah diubah dengan Peraturan Pemerintah Nomor 17 Tahun 2020;",
        "Peraturan Daerah Kabupaten Gorontalo Nomor 2 Tahun 2016 tentang Pembentukan dan Susunan \
         Perangkat Daerah;",
    ];
    for (label, items, letters) in [
        ("Menimbang", considerations.to_vec(), true),
        ("Mengingat", laws.map(String::from).to_vec(), false),
    ] {
        let markers: Vec<String> = (0..items.len())
            .map(|i| {
                if letters {
                    format!("{}.", (b'a' + i as u8) as char)
                } else {
                    format!("{}.", i + 1)
                }
            })
            .collect();
        let (mx, tx) = l.labelled(lx, label, Some(&markers[0]), PdfFont::Times, &items[0]);
        for (marker, text) in markers.iter().zip(&items).skip(1) {
            l.paragraph(&[(mx, marker)], tx, PdfFont::Times, text);
        }
        l.gap(0.3);
    }
    l.gap(0.2);
    l.centered(PdfFont::TimesBold, 12.0, "MEMUTUSKAN:");
    l.gap(0.3);
    l.labelled(
        lx,
        "Menetapkan",
        None,
        PdfFont::Times,
        &format!("KEPUTUSAN BUPATI GORONTALO TENTANG {subject}."),
    );
    let verb = if f.position.starts_with("Bendahara") {
        "Menunjuk"
    } else {
        "Mengangkat"
    };
    let (_, tx) = l.labelled(
        lx,
        "KESATU",
        None,
        PdfFont::Times,
        &format!("{verb} {employee}:"),
    );
    l.field(tx, PdfFont::Times, "Nama", f.name);
    l.field(
        tx,
        PdfFont::Times,
        if f.pppk { "NI PPPK" } else { "NIP" },
        &spaced_nip(f.nip),
    );
    l.field(
        tx,
        PdfFont::Times,
        if f.pppk {
            "Golongan"
        } else {
            "Pangkat/Gol. Ruang"
        },
        f.rank.trim_start_matches("Golongan "),
    );
    l.field(tx, PdfFont::Times, "Jabatan", f.position);
    l.field(tx, PdfFont::Times, "Unit Kerja", &unit);
    if f.pppk {
        l.field(
            tx,
            PdfFont::Times,
            "Masa Perjanjian Kerja",
            "5 (lima) tahun",
        );
    }
    l.labelled(
        lx,
        "KEDUA",
        None,
        PdfFont::Times,
        &format!(
            "Kepada {employee} sebagaimana dimaksud dalam Diktum KESATU diberikan hak keuangan dan \
             fasilitas sesuai dengan ketentuan peraturan perundang-undangan."
        ),
    );
    l.labelled(
        lx,
        "KETIGA",
        None,
        PdfFont::Times,
        "Keputusan ini mulai berlaku pada tanggal ditetapkan, dengan ketentuan apabila di kemudian \
         hari terdapat kekeliruan dalam penetapannya akan diadakan perbaikan sebagaimana mestinya.",
    );
    l.gap(0.8);
    let sx = 330.0;
    l.text(sx, PdfFont::Times, "Ditetapkan di Limboto");
    l.text(
        sx,
        PdfFont::Times,
        &format!("pada tanggal {}", indonesian_date(f.date)),
    );
    l.text(sx, PdfFont::TimesBold, "BUPATI GORONTALO,");
    let sign_top = l.y - l.size;
    l.gap(3.2);
    l.text(sx, PdfFont::TimesBold, BUPATI);
    let decor = Decor {
        signature: (sx + 10.0, sign_top + 8.0, 130.0, 32.0),
        stamp: (sx - 8.0, sign_top + 24.0),
    };
    l.gap(0.6);
    l.size = 9.0;
    l.text(lx, PdfFont::Times, "Tembusan Yth.:");
    for (i, to) in [
        "Gubernur Gorontalo;",
        "Kepala Badan Kepegawaian Negara di Jakarta;",
        "Yang bersangkutan.",
    ]
    .iter()
    .enumerate()
    {
        l.text(lx, PdfFont::Times, &format!("{}. {to}", i + 1));
    }
    let bottom = l.y;
    (l.page, decor, bottom)
}

/// "PENGANGKATAN DALAM JABATAN" → "Pengangkatan Dalam Jabatan", for running text.
fn title_case(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let lower = w.to_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(c) => c.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The applicant's own letter asking for a certificate, on the unit's letterhead.
pub fn letter_page(f: &LetterFacts) -> Page {
    let mut l = Layout::new(11.0);
    l.y = 58.0;
    l.centered(
        PdfFont::HelveticaBold,
        13.0,
        "PEMERINTAH KABUPATEN GORONTALO",
    );
    l.centered(PdfFont::HelveticaBold, 14.0, &f.unit.to_uppercase());
    l.centered(
        PdfFont::Helvetica,
        9.0,
        "Jl. Ahmad A. Wahab No. 1, Limboto, Kabupaten Gorontalo 96211",
    );
    l.page.rules.push((60.0, PAGE_W - 60.0, l.y - 4.0, 2.0));
    l.page.rules.push((60.0, PAGE_W - 60.0, l.y - 1.0, 0.5));
    l.gap(1.2);
    let x = 72.0;
    let body = PdfFont::Helvetica;
    l.text(
        350.0,
        body,
        &format!("Limboto, {}", indonesian_date(f.date)),
    );
    l.gap(0.5);
    for (label, value) in [
        ("Lampiran", "1 (satu) berkas"),
        ("Perihal", "Permohonan Penerbitan Sertifikat Elektronik"),
    ] {
        l.field(x, body, label, value);
    }
    l.gap(0.8);
    for line in [
        "Kepada Yth.",
        "Kepala Dinas Komunikasi dan Informatika",
        "Kabupaten Gorontalo",
        "di -",
    ] {
        l.text(x, body, line);
    }
    l.text(x + 20.0, body, "Limboto");
    l.gap(0.8);
    l.text(x, body, "Dengan hormat,");
    l.text(x, body, "Yang bertanda tangan di bawah ini:");
    let nip = spaced_nip(f.nip);
    let unit = unit_full(f.unit);
    for (label, value) in [
        ("Nama", f.name),
        ("NIP", &nip),
        ("Pangkat/Gol.", f.rank),
        ("Jabatan", f.position),
        ("Unit Kerja", &unit),
    ] {
        l.field(x + 20.0, body, label, value);
    }
    l.gap(0.3);
    l.paragraph(
        &[],
        x,
        body,
        "dengan ini mengajukan permohonan penerbitan Sertifikat Elektronik dari Balai Besar \
         Sertifikasi Elektronik (BSrE) Badan Siber dan Sandi Negara untuk keperluan penandatanganan \
         dokumen elektronik dalam pelaksanaan tugas kedinasan. Sebagai kelengkapan, bersama ini saya \
         lampirkan fotokopi KTP dan SK Jabatan terakhir.",
    );
    l.gap(0.3);
    l.paragraph(
        &[],
        x,
        body,
        "Demikian permohonan ini saya sampaikan. Atas perhatian dan kerja samanya diucapkan terima kasih.",
    );
    l.gap(0.8);
    l.text(340.0, body, "Hormat saya,");
    l.gap(3.0);
    l.text(340.0, PdfFont::HelveticaBold, f.name);
    l.text(340.0, body, &format!("NIP. {nip}"));
    l.page
}

/// The page printed, signed, stamped and scanned: grayscale JPEG at 150-200 dpi, slightly
/// rotated, in a PDF without text.
pub fn scanned_pdf(
    fonts: &Fonts,
    page: &Page,
    decor: &Decor,
    rng: &mut Rng,
) -> Result<Vec<u8>, SynthError> {
    let dpi = rng.range(150, 200) as f32;
    let k = dpi / 72.0;
    let (w, h) = ((PAGE_W * k).round() as u32, (PAGE_H * k).round() as u32);
    let mut img = RgbImage::from_pixel(w, h, Rgb([255; 3]));
    for item in &page.items {
        let font = match (item.font.is_serif(), item.font.is_bold()) {
            (true, false) => &fonts.serif,
            (true, true) => &fonts.serif_bold,
            (false, false) => &fonts.sans,
            (false, true) => &fonts.sans_bold,
        };
        let em = item.size * k;
        // Stretch DejaVu to the base-14 widths the layout was computed with.
        let natural = raster::text_width(font, em, &item.text);
        let wanted = pdf::text_width(item.font, item.size, &item.text) * k;
        let style = Style {
            font,
            em_px: em,
            color: [20, 20, 20],
            stretch: if natural > 0.0 { wanted / natural } else { 1.0 },
            word_spacing: item.word_spacing * k,
        };
        raster::draw_text(&mut img, style, item.x * k, item.y * k, &item.text);
    }
    for &(x0, x1, y, t) in &page.rules {
        raster::fill_rect(
            &mut img,
            x0 * k,
            y * k - t * k / 2.0,
            x1 * k,
            y * k + t * k / 2.0,
            [20, 20, 20],
        );
    }
    let (sx, sy, sw, sh) = decor.signature;
    raster::signature(
        &mut img,
        rng,
        (sx * k, sy * k, sw * k, sh * k),
        1.6 * k,
        [25, 35, 110],
    );
    let (cx, cy) = decor.stamp;
    for (r, width) in [(34.0, 1.6), (29.0, 0.8), (14.0, 0.8)] {
        let ring: Vec<(f32, f32)> = (0..=120)
            .map(|i| {
                let a = i as f32 / 120.0 * std::f32::consts::TAU;
                ((cx + r * a.cos()) * k, (cy + r * a.sin()) * k)
            })
            .collect();
        raster::stroke(&mut img, &ring, width * k, [90, 60, 150], 0.8);
    }

    let mut gray = raster::rotate_gray(&raster::to_gray(&img), rng.float(-1.2, 1.2) as f32, 252);
    let (gw, gh) = (gray.width() as usize, gray.height() as usize);
    raster::blur(&mut gray, gw, gh, 1, 0.55);
    let gray = ktp::scan_finish(gray, rng);
    let jpeg = raster::jpeg_gray(&gray, 50)?;
    pdf::image_pdf(&jpeg, w, h, true, "HP Scan")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(pppk: bool) -> SkFacts<'static> {
        SkFacts {
            name: "Rahmat Hasan Lamato, S.Kom.",
            nip: "198503122010011003",
            rank: "Penata Muda Tk. I (III/b)",
            position: "Pranata Komputer Ahli Pertama",
            unit: "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
            pppk,
            number: 123,
            date: NaiveDate::from_ymd_opt(2024, 3, 12).unwrap(),
        }
    }

    #[test]
    fn formats() {
        assert_eq!(spaced_nip("198503122010011003"), "19850312 201001 1 003");
        assert_eq!(spaced_nip("19850312201001103"), "19850312201001103");
        assert_eq!(
            indonesian_date(NaiveDate::from_ymd_opt(2024, 3, 12).unwrap()),
            "12 Maret 2024"
        );
        assert_eq!(unit_full("Kecamatan Limboto"), "Kecamatan Limboto");
    }

    #[test]
    fn sk_fits_one_page_and_names_the_subject() {
        for pppk in [false, true] {
            let (page, _) = sk_page(&facts(pppk));
            assert!(
                page.items
                    .iter()
                    .all(|i| i.y < PAGE_H - 30.0 && i.x >= 60.0)
            );
            let all: String = page
                .items
                .iter()
                .map(|i| i.text.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            assert!(all.contains("Rahmat Hasan Lamato, S.Kom."));
            assert!(all.contains("19850312 201001 1 003"));
            assert!(all.contains(if pppk {
                "PERJANJIAN KERJA"
            } else {
                "JABATAN FUNGSIONAL PRANATA KOMPUTER"
            }));
        }
    }
}
