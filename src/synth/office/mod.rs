//! The second, independent family of applications ("office"): other faces (Liberation,
//! FreeFont), a card layout of its own, decrees typed in LibreOffice with Lampiran tables,
//! CCITT G4 and 150-dpi grey scans, desk photos turned without EXIF, WhatsApp copies, cards
//! pasted into Word, and the HTML of Outlook and Gmail. The reader was never tuned on it;
//! it measures how sertel does on what it has not seen. Needs `soffice` and `pdftoppm`.

mod card;
mod scan;
mod writer;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;

use super::error::SynthError;
use super::person::{self, Origin, Person, Spec};
use super::raster;
use super::rng::{self, Rng};
use scan::Encoding;

pub use card::OfficeFonts;

/// How an office-family KTP reaches the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeKtp {
    /// The card alone, PNG, 1000-1300 px.
    Clean,
    /// Photographed on a desk, a camera's file name.
    DeskPhoto,
    /// The same photo turned 90°, 180° or 270° with no EXIF.
    Turned,
    /// The photo as WhatsApp forwards it.
    WhatsApp,
    /// Photocopied on A4 and scanned bilevel (CCITT G4) at 300 dpi.
    Photocopy,
    /// Scanned grey at 150 dpi.
    Grey150,
    /// Pasted into a Word document.
    Docx,
    /// A desk photo blurred past reading.
    Unreadable,
}

impl OfficeKtp {
    pub fn label(self) -> &'static str {
        match self {
            OfficeKtp::Clean => "office_clean",
            OfficeKtp::DeskPhoto => "office_desk_photo",
            OfficeKtp::Turned => "office_turned",
            OfficeKtp::WhatsApp => "office_whatsapp",
            OfficeKtp::Photocopy => "office_photocopy_g4",
            OfficeKtp::Grey150 => "office_grey_150",
            OfficeKtp::Docx => "office_docx",
            OfficeKtp::Unreadable => "office_unreadable",
        }
    }

    /// Readable ways, for a sample whose KTP must be read.
    pub const READABLE: [OfficeKtp; 7] = [
        OfficeKtp::Clean,
        OfficeKtp::DeskPhoto,
        OfficeKtp::Turned,
        OfficeKtp::WhatsApp,
        OfficeKtp::Photocopy,
        OfficeKtp::Grey150,
        OfficeKtp::Docx,
    ];
}

/// How an office-family SK reaches the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeSk {
    /// Typed, the subject named on page 1.
    Typed,
    /// Typed, the subject one row of a Lampiran table on page 2.
    Lampiran,
    /// Printed, signed and scanned bilevel (CCITT G4) at 200 or 300 dpi.
    ScanG4 { lampiran: bool },
    /// Scanned grey at 150 dpi.
    Grey150 { lampiran: bool },
    /// The typed PDF cut short in transit.
    Truncated,
}

impl OfficeSk {
    pub fn label(self) -> &'static str {
        match self {
            OfficeSk::Typed => "office_typed",
            OfficeSk::Lampiran => "office_lampiran",
            OfficeSk::ScanG4 { lampiran: false } => "office_scan_g4",
            OfficeSk::ScanG4 { lampiran: true } => "office_scan_g4_lampiran",
            OfficeSk::Grey150 { lampiran: false } => "office_grey_150",
            OfficeSk::Grey150 { lampiran: true } => "office_grey_150_lampiran",
            OfficeSk::Truncated => "office_truncated",
        }
    }

    pub fn is_text(self) -> bool {
        matches!(self, OfficeSk::Typed | OfficeSk::Lampiran)
    }
}

/// LibreOffice's folder (profile and input) for this thread: two runs at once (tests in
/// parallel) must not share one, and one thread's runs reuse its profile, which is slow to make.
fn work_dir() -> PathBuf {
    static THREADS: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static THREAD: usize = THREADS.fetch_add(1, Ordering::Relaxed);
    }
    let thread = THREAD.with(|t| *t);
    std::env::temp_dir().join(format!(
        "sertel-synth-office-{}-{thread}",
        std::process::id()
    ))
}

/// One made attachment: its name, MIME type and bytes.
pub struct Made {
    pub filename: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

pub fn ktp(
    fonts: &OfficeFonts,
    person: &Person,
    way: OfficeKtp,
    shot: chrono::NaiveDateTime,
    rng: &mut Rng,
) -> Result<Made, SynthError> {
    let style = card::CardStyle::draw(rng);
    let first = person
        .name_on_ktp
        .split(' ')
        .next()
        .unwrap_or("ktp")
        .to_lowercase();
    let big = || card::card(fonts, person, &style, 1300);
    let made = |filename: String, content_type, data| Made {
        filename,
        content_type,
        data,
    };
    Ok(match way {
        OfficeKtp::Clean => {
            let width = rng.range(1000, 1300) as u32;
            made(
                format!("KTP {first}.png"),
                "image/png",
                raster::png(&card::card(fonts, person, &style, width))?,
            )
        }
        OfficeKtp::DeskPhoto | OfficeKtp::Turned | OfficeKtp::Unreadable => {
            let mut photo = scan::desk_photo(&big(), rng);
            if way == OfficeKtp::Turned {
                photo = scan::turned(&photo, rng.range(1, 3) as u32);
            }
            if way == OfficeKtp::Unreadable {
                raster::blur_rgb(&mut photo, rng.float(12.0, 16.0) as f32);
            }
            let name = if rng.chance(0.5) {
                shot.format("IMG_%Y%m%d_%H%M%S.jpg")
            } else {
                shot.format("%Y%m%d_%H%M%S.jpg")
            };
            made(
                name.to_string(),
                "image/jpeg",
                raster::jpeg(&photo, rng.range(80, 92) as u8)?,
            )
        }
        OfficeKtp::WhatsApp => {
            let photo = scan::desk_photo(&big(), rng);
            made(
                shot.format("WhatsApp Image %Y-%m-%d at %H.%M.%S.jpeg")
                    .to_string(),
                "image/jpeg",
                scan::whatsapp(&photo)?,
            )
        }
        OfficeKtp::Photocopy => {
            let page = scan::card_on_page(&big(), 300.0, rng);
            made(
                rng.pick(&["Scan_0001.pdf", "scan ktp.pdf", "KTP.pdf"])
                    .to_string(),
                "application/pdf",
                scan::scan_pdf(&[page], Encoding::FaxG4, "KONICA MINOLTA bizhub C224e", rng)?,
            )
        }
        OfficeKtp::Grey150 => {
            let page = scan::card_on_page(&big(), 150.0, rng);
            made(
                rng.pick(&["doc00123.pdf", "KTP scan.pdf", "ktp.pdf"])
                    .to_string(),
                "application/pdf",
                scan::scan_pdf(&[page], Encoding::GreyJpeg, "EPSON Scan", rng)?,
            )
        }
        OfficeKtp::Docx => {
            let png = raster::png(&card::card(
                fonts,
                person,
                &style,
                rng.range(900, 1200) as u32,
            ))?;
            made(
                format!("KTP {first}.docx"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                scan::docx_with_picture(&png, "KTP")?,
            )
        }
    })
}

/// What the SK says of its subject.
pub struct SkSubject<'a> {
    pub name: &'a str,
    pub nip: &'a str,
    pub person: &'a Person,
    pub pppk: bool,
    pub number: u32,
    pub date: NaiveDate,
}

pub fn sk(subject: &SkSubject, way: OfficeSk, rng: &mut Rng) -> Result<Made, SynthError> {
    let lampiran = matches!(
        way,
        OfficeSk::Lampiran
            | OfficeSk::ScanG4 { lampiran: true }
            | OfficeSk::Grey150 { lampiran: true }
    );
    let row = writer::Row {
        name: subject.name.to_string(),
        nip: subject.nip.to_string(),
        rank: subject.person.rank.clone(),
        position: subject.person.position.clone(),
        unit: subject.person.unit.clone(),
    };
    let colleagues: Vec<writer::Row> = if lampiran {
        (0..rng.range(3, 7))
            .map(|i| {
                let other = person::generate(
                    rng::derive(rng.next_u64(), i as u64),
                    Spec {
                        origin: Origin::Natural,
                        moh: None,
                    },
                );
                writer::Row {
                    name: other.name,
                    nip: other.nip,
                    rank: other.rank,
                    position: other.position,
                    unit: other.unit,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let decree = writer::Decree {
        subject: &row,
        colleagues: &colleagues,
        pppk: subject.pppk,
        number: subject.number,
        date: subject.date,
        position_in_table: rng.below(colleagues.len() as u64 + 1) as usize,
        name_over_nip: rng.chance(0.5),
        acting_signer: rng.chance(0.5),
    };
    let html = writer::decree_html(&decree, rng);
    let typed = writer::writer_pdf(&html, &work_dir())?;
    let pages = lopdf::Document::load_mem(&typed)?.get_pages().len().min(3);
    let first = subject.name.split(' ').next().unwrap_or("sk");
    Ok(match way {
        OfficeSk::Typed | OfficeSk::Lampiran => Made {
            filename: rng
                .pick(&[
                    format!("SK {first}.pdf"),
                    "SK Jabatan Terakhir.pdf".into(),
                    "SK_BUPATI.pdf".into(),
                ])
                .clone(),
            content_type: "application/pdf",
            data: typed,
        },
        OfficeSk::ScanG4 { .. } => {
            let dpi = *rng.pick(&[200, 300]);
            let pages: Vec<_> = scan::render_pages(&typed, pages, dpi)?
                .iter()
                .map(|p| scan::scanner(p, rng))
                .collect();
            Made {
                filename: rng
                    .pick(&["Scan_0002.pdf", "SK.pdf", "20241104093011.pdf"])
                    .to_string(),
                content_type: "application/pdf",
                data: scan::scan_pdf(&pages, Encoding::FaxG4, "RICOH MP 2014", rng)?,
            }
        }
        OfficeSk::Grey150 { .. } => {
            let pages: Vec<_> = scan::render_pages(&typed, pages, 150)?
                .iter()
                .map(|p| scan::scanner(p, rng))
                .collect();
            Made {
                filename: rng
                    .pick(&["sk scan.pdf", "doc00124.pdf", "SK Jabatan.pdf"])
                    .to_string(),
                content_type: "application/pdf",
                data: scan::scan_pdf(&pages, Encoding::GreyJpeg, "EPSON Scan", rng)?,
            }
        }
        OfficeSk::Truncated => {
            let cut = typed.len() * rng.range(35, 65) as usize / 100;
            Made {
                filename: format!("SK {first}.pdf"),
                content_type: "application/pdf",
                data: typed[..cut].to_vec(),
            }
        }
    })
}

/// A decree whose Lampiran lists `rows` people, printed and scanned bilevel (CCITT G4) at
/// 300 dpi: the long scanned SK the reading-time bench reads (22 rows fill three pages).
pub fn scanned_decree(seed: u64, rows: usize) -> Result<Vec<u8>, SynthError> {
    let mut rng = Rng::new(rng::derive(seed, 0x5343_414E));
    let people: Vec<writer::Row> = (0..rows as u64)
        .map(|i| {
            let p = person::generate(
                rng::derive(seed, i),
                Spec {
                    origin: Origin::Natural,
                    moh: None,
                },
            );
            writer::Row {
                name: p.name,
                nip: p.nip,
                rank: p.rank,
                position: p.position,
                unit: p.unit,
            }
        })
        .collect();
    let (subject, colleagues) = people.split_first().ok_or(SynthError::ToolFailed {
        tool: "an empty decree",
    })?;
    let decree = writer::Decree {
        subject,
        colleagues,
        pppk: false,
        number: 123,
        date: NaiveDate::from_ymd_opt(2026, 3, 2).expect("valid day"),
        position_in_table: 0,
        name_over_nip: true,
        acting_signer: true,
    };
    let html = writer::decree_html(&decree, &mut rng);
    let typed = writer::writer_pdf(&html, &work_dir())?;
    let pages = lopdf::Document::load_mem(&typed)?.get_pages().len();
    let scanned: Vec<_> = scan::render_pages(&typed, pages, 300)?
        .iter()
        .map(|p| scan::scanner(p, &mut rng))
        .collect();
    scan::scan_pdf(&scanned, Encoding::FaxG4, "RICOH MP 2014", &mut rng)
}
