//! The sample's attachments: KTP, SK and letter rendered as the plan says, and the defects
//! applied to the applicant's numbers and names.

use super::plan::*;
use crate::synth::body::Fields;
use crate::synth::docs::{self, LetterFacts, SkFacts};
use crate::synth::error::SynthError;
use crate::synth::ktp::{self, KtpVariant};
use crate::synth::mail::{Disposition, Part};
use crate::synth::office;
use crate::synth::pdf;
use crate::synth::person::{self, Person};
use crate::synth::raster::Fonts;
use crate::synth::rng::Rng;
use KtpPlan::{Absent as NoKtp, Heic, Image};
use KtpVariant as K;
use SkPlan::{Absent as NoSk, Broken, Scanned, Text};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use std::collections::BTreeMap;

/// An attachment with what it should be recognised as.
pub(super) struct Doc {
    pub(super) filename: String,
    pub(super) content_type: String,
    pub(super) data: Vec<u8>,
    pub(super) kind: &'static str,
    pub(super) fields: BTreeMap<&'static str, String>,
}

impl Doc {
    pub(super) fn part(&self, disposition: Disposition) -> Part {
        Part::attachment(&self.content_type, &self.filename, &self.data, disposition)
    }

    pub(super) fn truth(&self) -> DocTruth {
        DocTruth {
            filename: self.filename.clone(),
            kind: self.kind,
            fields: self.fields.clone(),
        }
    }
}

/// A finished sample.
pub struct Built {
    pub eml: Vec<u8>,
    pub expected: Expected,
}

/// The attachments, in the order the applicant attached them.
pub(super) fn documents(
    fonts: &Fonts,
    plan: &Plan,
    person: &Person,
    fields: &Fields,
    nip: &str,
    sent: NaiveDateTime,
    rng: &mut Rng,
) -> Result<Vec<Doc>, SynthError> {
    let first = first_name(person);
    let shot = sent - Duration::minutes(rng.range(5, 240));
    let camera = shot.format("IMG_%Y%m%d_%H%M%S.jpg").to_string();
    let mut docs = Vec::new();

    let ktp = match plan.ktp {
        NoKtp => None,
        Heic => Some(Doc {
            filename: "ktp.heic".into(),
            content_type: "image/heic".into(),
            data: ktp::heic_bytes(rng),
            kind: "ktp",
            fields: BTreeMap::new(),
        }),
        Image(variant) => {
            let data = ktp::render_with(fonts, person, variant, rng.next_u64())?;
            let filename = match variant {
                K::Clean => rng
                    .pick(&[
                        "KTP.png".to_string(),
                        format!("ktp_{}.png", first.to_lowercase()),
                        shot.format("Screenshot_%Y%m%d-%H%M%S.png").to_string(),
                        format!("scan ktp {first}.png"),
                    ])
                    .clone(),
                K::PhonePhoto => rng
                    .pick(&[
                        camera.clone(),
                        shot.format("WhatsApp Image %Y-%m-%d at %H.%M.%S.jpeg")
                            .to_string(),
                        format!("KTP {first}.jpg"),
                        "foto ktp.jpg".to_string(),
                    ])
                    .clone(),
                K::LowRes => rng
                    .pick(&[
                        "KTP.jpg".to_string(),
                        "ktp.jpeg".to_string(),
                        shot.format("IMG-%Y%m%d-WA0012.jpg").to_string(),
                    ])
                    .clone(),
                K::ScannedPdf => rng
                    .pick(&[
                        "scan0001.pdf".to_string(),
                        "KTP.pdf".to_string(),
                        "dokumen.pdf".to_string(),
                    ])
                    .clone(),
                // Nothing in the picture says KTP, so the name has to.
                K::Unreadable => rng
                    .pick(&[
                        "KTP.jpg".to_string(),
                        "foto ktp.jpg".to_string(),
                        format!("KTP {first}.jpg"),
                    ])
                    .clone(),
            };
            let mut truth = BTreeMap::new();
            if variant != K::Unreadable {
                truth.insert("nik", person.nik.clone());
                truth.insert("name", person.name_on_ktp.clone());
            }
            let mime = match variant {
                K::Clean => "image/png",
                K::ScannedPdf => "application/pdf",
                _ => "image/jpeg",
            };
            Some(Doc {
                content_type: mislabel(rng, mime),
                filename,
                data,
                kind: "ktp",
                fields: truth,
            })
        }
        KtpPlan::Office(way) => {
            let made = office::ktp(office::OfficeFonts::shared()?, person, way, shot, rng)?;
            let mut truth = BTreeMap::new();
            if way != office::OfficeKtp::Unreadable {
                truth.insert("nik", person.nik.clone());
                truth.insert("name", person.name_on_ktp.clone());
            }
            Some(Doc {
                filename: made.filename,
                content_type: made.content_type.to_string(),
                data: made.data,
                kind: "ktp",
                fields: truth,
            })
        }
    };

    let pppk = is_pppk(&person.nip);
    let sk_name = sk_name(plan.defect, person, rng);
    let sk_date = sk_date(person, pppk, rng);
    let facts = SkFacts {
        name: &sk_name,
        nip,
        rank: &person.rank,
        position: &person.position,
        unit: &person.unit,
        pppk,
        number: rng.range(11, 980) as u32,
        date: sk_date,
    };
    let sk = match plan.sk {
        NoSk | SkPlan::Office(_) => None,
        Broken => Some(Doc {
            filename: "sk.pdf".into(),
            content_type: "application/pdf".into(),
            data: pdf::broken_pdf(rng),
            kind: "sk",
            fields: BTreeMap::new(),
        }),
        Text => {
            let (page, _) = docs::sk_page(&facts);
            let filename = rng
                .pick(&[
                    "SK Jabatan.pdf".to_string(),
                    "sk jabatan.pdf".to_string(),
                    format!("SK_{nip}.pdf"),
                    format!("SK {first}.pdf"),
                    "Surat Keputusan.pdf".to_string(),
                    "dokumen.pdf".to_string(),
                ])
                .clone();
            let truth = BTreeMap::from([("nip", nip.to_string()), ("name", sk_name.clone())]);
            let data = pdf::text_pdf(&page, "Microsoft Word 2016")?;
            Some(Doc {
                content_type: mislabel(rng, "application/pdf"),
                filename,
                data,
                kind: "sk",
                fields: truth,
            })
        }
        Scanned => {
            let (page, decor) = docs::sk_page(&facts);
            let data = docs::scanned_pdf(fonts, &page, &decor, &mut Rng::new(rng.next_u64()))?;
            let filename = rng
                .pick(&[
                    "scan0002.pdf".to_string(),
                    "SK.pdf".to_string(),
                    "sk jabatan scan.pdf".to_string(),
                    "dokumen.pdf".to_string(),
                ])
                .clone();
            let truth = BTreeMap::from([("nip", nip.to_string())]);
            Some(Doc {
                content_type: mislabel(rng, "application/pdf"),
                filename,
                data,
                kind: "sk",
                fields: truth,
            })
        }
    };

    if let SkPlan::Office(way) = plan.sk {
        let made = office::sk(
            &office::SkSubject {
                name: &sk_name,
                nip,
                person,
                pppk,
                number: facts.number,
                date: sk_date,
            },
            way,
            rng,
        )?;
        let truth = if way == office::OfficeSk::Truncated {
            BTreeMap::new()
        } else {
            BTreeMap::from([("nip", nip.to_string())])
        };
        docs.push(Doc {
            filename: made.filename,
            content_type: made.content_type.to_string(),
            data: made.data,
            kind: "sk",
            fields: truth,
        });
    }
    if rng.chance(0.3) {
        let letter = docs::letter_page(&LetterFacts {
            name: &fields.name,
            nip,
            rank: &person.rank,
            position: &person.position,
            unit: &person.unit,
            date: sent.date() - Duration::days(rng.range(0, 3)),
        });
        docs.push(Doc {
            filename: rng
                .pick(&[
                    "Surat Permohonan.pdf",
                    "surat permohonan TTE.pdf",
                    "permohonan.pdf",
                ])
                .to_string(),
            content_type: "application/pdf".into(),
            data: pdf::text_pdf(&letter, "Microsoft Word 2016")?,
            kind: "letter",
            fields: BTreeMap::new(),
        });
    }
    let ktp_first = rng.chance(0.7);
    let (a, b) = if ktp_first { (ktp, sk) } else { (sk, ktp) };
    docs.extend(a);
    docs.extend(b);
    if rng.chance(0.15) {
        docs.push(Doc {
            filename: rng
                .pick(&[
                    "pas foto.jpg".to_string(),
                    "foto 3x4.jpg".to_string(),
                    camera,
                ])
                .clone(),
            content_type: "image/jpeg".into(),
            data: ktp::pas_foto(rng)?,
            kind: "other",
            fields: BTreeMap::new(),
        });
    }
    // Two attachments with one name get the suffix mail clients add.
    for i in 1..docs.len() {
        if docs[..i].iter().any(|d| d.filename == docs[i].filename) {
            let name = &docs[i].filename;
            let dot = name.rfind('.').unwrap_or(name.len());
            docs[i].filename = format!("{} (1){}", &name[..dot], &name[dot..]);
        }
    }
    Ok(docs)
}

/// PPPK numbers carry "2" where a PNS number has its appointment month (01-12).
pub(super) fn is_pppk(nip: &str) -> bool {
    nip.as_bytes().get(12) == Some(&b'2')
}

/// Sometimes the sender's client labels a file wrongly.
pub(super) fn mislabel(rng: &mut Rng, mime: &str) -> String {
    if !rng.chance(0.15) {
        return mime.to_string();
    }
    match mime {
        "image/jpeg" if rng.chance(0.5) => "image/png".to_string(),
        _ => "application/octet-stream".to_string(),
    }
}

/// The name the SK prints: the person's, spelled out in full where the body abbreviates
/// "Moh.", or somebody else's entirely for a name mismatch.
pub(super) fn sk_name(defect: Defect, person: &Person, rng: &mut Rng) -> String {
    if defect == Defect::NameMismatch {
        let words: Vec<&str> = person
            .name_on_ktp
            .split(' ')
            .filter(|w| *w != "MOH")
            .collect();
        let (given, family) = loop {
            let (g, f) = person::given_and_family(rng, person.sex == "LAKI-LAKI");
            let clash = words
                .iter()
                .any(|w| w.eq_ignore_ascii_case(&g) || w.eq_ignore_ascii_case(&f));
            if !clash {
                break (g, f);
            }
        };
        let (front, back) = person::degree_of(&person.name);
        let other = person::with_degree(&format!("{given} {family}"), back);
        return if front.is_empty() {
            other
        } else {
            format!("{front} {other}")
        };
    }
    if person.name.starts_with("Moh. ") && rng.chance(0.7) {
        let full = rng.pick(&["Mohammad", "Mohamad", "Muhammad"]);
        return person.name.replacen("Moh.", full, 1);
    }
    person.name.clone()
}

pub(super) fn sk_date(person: &Person, pppk: bool, rng: &mut Rng) -> NaiveDate {
    let appointed: i32 = person.nip[8..12].parse().unwrap_or(2021);
    let year = if pppk {
        appointed
    } else {
        rng.range(2021.max(appointed as i64), 2026) as i32
    };
    let month = rng.range(
        if year == 2026 { 1 } else { 2 },
        if year == 2026 { 9 } else { 12 },
    ) as u32;
    let mut date =
        NaiveDate::from_ymd_opt(year, month, rng.range(1, 28) as u32).expect("valid day");
    while matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        date = date.succ_opt().expect("next day");
    }
    date
}

/// The given name people use (not the "Moh." abbreviation), title case.
pub(super) fn first_name(person: &Person) -> String {
    let word = person
        .name_on_ktp
        .split(' ')
        .find(|w| *w != "MOH")
        .unwrap_or("PEMOHON");
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_string() + &chars.as_str().to_lowercase())
        .unwrap_or_default()
}

/// Initials of an OPD for a shared mailbox name: "Dinas Kesehatan" -> "dk".
pub(super) fn unit_slug(unit: &str) -> String {
    unit.split(' ')
        .filter(|w| *w != "dan" && !w.contains('.'))
        .filter_map(|w| w.chars().next())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Moves the NIP's birth year 1-3 years away from the truth (keeping a valid date).
pub(super) fn shift_nip_year(nip: &str, rng: &mut Rng) -> String {
    let year: i32 = nip[..4].parse().unwrap_or(1985);
    let delta = *rng.pick(&[-3, -2, -1, 1, 2, 3]);
    let new_year = year + delta;
    let mut mmdd = nip[4..8].to_string();
    if mmdd == "0229" && NaiveDate::from_ymd_opt(new_year, 2, 29).is_none() {
        mmdd = "0228".into();
    }
    format!("{new_year:04}{mmdd}{}", &nip[8..])
}

/// The NIK with one digit of its 4-digit sequence changed: a typo the checksum-free NIK
/// cannot catch, only a comparison with the card.
pub(super) fn tweak_sequence(nik: &str, rng: &mut Rng) -> String {
    loop {
        let mut digits: Vec<u8> = nik.bytes().collect();
        let at = 12 + rng.below(4) as usize;
        digits[at] = b'0' + ((digits[at] - b'0') as u64 + 1 + rng.below(9)) as u8 % 10;
        let out = String::from_utf8(digits).expect("ascii digits");
        if &out[12..] != "0000" {
            return out;
        }
    }
}

/// A NIK no valid card carries: a digit short, or born in month 13.
pub(super) fn invalidate_nik(nik: &str, rng: &mut Rng) -> String {
    if rng.chance(0.5) {
        let at = 12 + rng.below(4) as usize;
        format!("{}{}", &nik[..at], &nik[at + 1..])
    } else {
        format!("{}13{}", &nik[..8], &nik[10..])
    }
}

/// The NIP with one digit left out.
pub(super) fn drop_digit(nip: &str, rng: &mut Rng) -> String {
    let at = rng.below(nip.len() as u64) as usize;
    format!("{}{}", &nip[..at], &nip[at + 1..])
}
