//! The letter template (`rules/letter.toml`) with its `{field}` and `${placeholder}` pieces, and
//! the applicant's data typed for filling it.

use crate::applicant::email::EmailAddress;
pub use crate::applicant::fields::{ApplicantFields, Field};
use crate::applicant::nik::Nik;
use crate::applicant::nip::Nip;
use crate::applicant::phone::Phone;
use crate::rulefile::{RulesError, invalid_at, parse_toml};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("font {path} cannot be read: {source}")]
    FontRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("font {path} is not a usable truetype font")]
    FontInvalid { path: PathBuf },
    #[error("the font has no glyph for {ch:?} (u+{:04x})", *ch as u32)]
    MissingGlyph { ch: char },
    #[error("pdf cannot be written: {0}")]
    Pdf(String),
    #[error("docx cannot be written: {0}")]
    Docx(String),
}

/// SRIKANDI's placeholders, written `${name}`; the e-office fills them at numbering and signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    NomorNaskah,
    TanggalNaskah,
    TtdPengirim,
    NamaPengirim,
    NipPengirim,
}

impl Placeholder {
    pub const ALL: [Placeholder; 5] = [
        Placeholder::NomorNaskah,
        Placeholder::TanggalNaskah,
        Placeholder::TtdPengirim,
        Placeholder::NamaPengirim,
        Placeholder::NipPengirim,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Placeholder::NomorNaskah => "nomor_naskah",
            Placeholder::TanggalNaskah => "tanggal_naskah",
            Placeholder::TtdPengirim => "ttd_pengirim",
            Placeholder::NamaPengirim => "nama_pengirim",
            Placeholder::NipPengirim => "nip_pengirim",
        }
    }

    /// The placeholder as SRIKANDI looks for it, e.g. `${nomor_naskah}`.
    pub fn written(self) -> String {
        format!("${{{}}}", self.key())
    }

    pub(super) fn from_key(key: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.key() == key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Field(Field),
    Placeholder(Placeholder),
}

/// One line or paragraph of the template, its slots parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(Vec<Piece>);

/// A stretch of filled text; placeholders come as runs of their own so the DOCX never splits one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub placeholder: bool,
}

impl Text {
    /// Parses `{field}` and `${placeholder}` slots; the error is (offending text, message).
    pub(super) fn parse(s: &str) -> Result<Text, (String, String)> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = s;
        while let Some(at) = rest.find(['$', '{', '}']) {
            literal.push_str(&rest[..at]);
            let tail = &rest[at..];
            let dollar = tail.starts_with('$');
            let open = if dollar { &tail[1..] } else { tail };
            if dollar && !open.starts_with('{') {
                return Err((
                    token_at(tail),
                    "a '$' must begin a placeholder written ${name}".to_string(),
                ));
            }
            if !open.starts_with('{') {
                return Err((token_at(tail), "'}' without a matching '{'".to_string()));
            }
            let Some(close) = open.find('}') else {
                return Err((token_at(tail), "'{' is not closed with '}'".to_string()));
            };
            let key = &open[1..close];
            let whole = &tail[..close + 1 + usize::from(dollar)];
            if !literal.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut literal)));
            }
            pieces.push(if dollar {
                Piece::Placeholder(Placeholder::from_key(key).ok_or_else(|| {
                    (
                        whole.to_string(),
                        format!(
                            "unknown placeholder {whole}; SRIKANDI fills {}",
                            list(Placeholder::ALL.map(Placeholder::written))
                        ),
                    )
                })?)
            } else {
                Piece::Field(Field::from_template_key(key).ok_or_else(|| {
                    let message = if Placeholder::from_key(key).is_some() {
                        format!("{whole} is SRIKANDI's placeholder and must be written ${whole}")
                    } else {
                        format!(
                            "unknown field {whole}; the fields are {}",
                            list(Field::ALL.map(|f| format!("{{{}}}", f.template_key())))
                        )
                    };
                    (whole.to_string(), message)
                })?)
            });
            rest = &tail[whole.len()..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Text(pieces))
    }

    pub fn has(&self, placeholder: Placeholder) -> bool {
        self.0.contains(&Piece::Placeholder(placeholder))
    }

    pub fn fill(&self, data: &LetterData) -> String {
        self.runs(data).into_iter().map(|r| r.text).collect()
    }

    pub fn runs(&self, data: &LetterData) -> Vec<Run> {
        let mut runs: Vec<Run> = Vec::new();
        for piece in &self.0 {
            let (text, placeholder) = match piece {
                Piece::Text(t) => (t.clone(), false),
                Piece::Field(f) => (data.value(*f), false),
                Piece::Placeholder(p) => (p.written(), true),
            };
            match runs.last_mut() {
                Some(last) if !last.placeholder && !placeholder => last.text.push_str(&text),
                _ => runs.push(Run { text, placeholder }),
            }
        }
        runs
    }
}

/// The start of an offending slot, enough to find its line.
pub(super) fn token_at(s: &str) -> String {
    s.chars()
        .take_while(|c| !c.is_whitespace())
        .take(30)
        .collect()
}

pub(super) fn list(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join(", ")
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplate {
    #[serde(default)]
    pub(super) emblem: Option<RawEmblem>,
    pub(super) letterhead: Vec<RawHeadLine>,
    pub(super) place_date: String,
    pub(super) heading: RawHeading,
    pub(super) signature: RawSignature,
    pub(super) body: RawBody,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBody {
    pub(super) addressee: Vec<String>,
    pub(super) before_table: Vec<String>,
    pub(super) after_table: Vec<String>,
    pub(super) row: Vec<RawRow>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHeadLine {
    pub(super) text: String,
    pub(super) size: f32,
    #[serde(default)]
    pub(super) bold: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEmblem {
    pub(super) file: String,
    pub(super) width_mm: f32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHeading {
    pub(super) number: String,
    pub(super) nature: String,
    pub(super) attachment: String,
    pub(super) subject: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRow {
    pub(super) label: String,
    pub(super) value: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSignature {
    pub(super) title: Vec<String>,
    pub(super) signer: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HeadLine {
    pub text: String,
    /// Font size in points.
    pub size: f32,
    pub bold: bool,
}

/// The shipped placeholder emblem: a neutral shield, since a regency's lambang daerah is not
/// ours to redistribute. An office names its own file in `letter.toml`.
pub const PLACEHOLDER_EMBLEM: &[u8] = include_bytes!("../../rules/lambang-contoh.png");
const PLACEHOLDER_EMBLEM_FILE: &str = "lambang-contoh.png";
const POINTS_PER_MM: f32 = 72.0 / 25.4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Jpeg,
}

/// The regency's emblem (lambang daerah) at the left of the letterhead.
#[derive(Debug, Clone, PartialEq)]
pub struct Emblem {
    /// The file as the office gave it, for the DOCX.
    pub bytes: Vec<u8>,
    pub format: ImageFormat,
    /// Decoded, for the PDF.
    pub pixels: image::RgbaImage,
    /// Printed width in points; the height follows the image's proportions.
    pub width: f32,
}

impl Emblem {
    pub fn height(&self) -> f32 {
        self.width * self.pixels.height() as f32 / self.pixels.width().max(1) as f32
    }

    fn decode(bytes: Vec<u8>, width_mm: f32) -> Result<Emblem, String> {
        let format = match image::guess_format(&bytes) {
            Ok(image::ImageFormat::Png) => ImageFormat::Png,
            Ok(image::ImageFormat::Jpeg) => ImageFormat::Jpeg,
            _ => return Err("emblem must be a png or jpeg file".to_string()),
        };
        let pixels = image::load_from_memory(&bytes)
            .map_err(|e| format!("emblem cannot be decoded: {e}"))?
            .to_rgba8();
        Ok(Emblem {
            bytes,
            format,
            pixels,
            width: width_mm * POINTS_PER_MM,
        })
    }
}

/// The letter's wording, letterhead and signature block, as the office wrote them.
#[derive(Debug, Clone, PartialEq)]
pub struct LetterTemplate {
    pub emblem: Option<Emblem>,
    pub letterhead: Vec<HeadLine>,
    /// Place and date line, e.g. "Limboto, ${tanggal_naskah}".
    pub place_date: Text,
    /// (label, value) lines: Nomor, Sifat, Lampiran, Hal.
    pub heading: Vec<(String, Text)>,
    pub addressee: Vec<Text>,
    pub before_table: Vec<Text>,
    /// The applicant's table: (label, value).
    pub rows: Vec<(String, Text)>,
    pub after_table: Vec<Text>,
    /// The signatory's title lines, above the signature.
    pub signature_title: Vec<Text>,
    /// The signature, name and NIP lines SRIKANDI fills.
    pub signer: Vec<Text>,
}

impl LetterTemplate {
    /// Parses `letter.toml`, reading its emblem beside it; every error names `file` and the line.
    pub fn parse(file: &Path, text: &str) -> Result<LetterTemplate, RulesError> {
        LetterTemplate::parse_with(file, text, &|path| std::fs::read(path))
    }

    /// The template shipped in the binary, with the placeholder emblem.
    pub fn builtin(text: &str) -> Result<LetterTemplate, RulesError> {
        LetterTemplate::parse_with(Path::new("rules/letter.toml"), text, &|path| {
            if path.file_name() == Some(std::ffi::OsStr::new(PLACEHOLDER_EMBLEM_FILE)) {
                Ok(PLACEHOLDER_EMBLEM.to_vec())
            } else {
                Err(std::io::ErrorKind::NotFound.into())
            }
        })
    }

    /// As [`LetterTemplate::parse`], with `read` fetching the emblem file (named relative to
    /// `file`'s folder).
    pub fn parse_with(
        file: &Path,
        text: &str,
        read: &dyn Fn(&Path) -> std::io::Result<Vec<u8>>,
    ) -> Result<LetterTemplate, RulesError> {
        let raw: RawTemplate = parse_toml(file, text)?;
        let at = |(needle, message): (String, String)| invalid_at(file, text, &needle, message);
        let one = |s: &str| Text::parse(s).map_err(at);
        let many = |v: &[String]| v.iter().map(|s| one(s)).collect::<Result<Vec<_>, _>>();
        let emblem = match &raw.emblem {
            None => None,
            Some(e) => {
                if !(10.0..=40.0).contains(&e.width_mm) {
                    return Err(invalid_at(
                        file,
                        text,
                        "width_mm",
                        format!("emblem width_mm {} must be between 10 and 40", e.width_mm),
                    ));
                }
                let path = file.parent().unwrap_or(Path::new(".")).join(&e.file);
                let bytes = read(&path).map_err(|err| {
                    invalid_at(
                        file,
                        text,
                        &e.file,
                        format!("emblem {} cannot be read: {err}", path.display()),
                    )
                })?;
                Some(
                    Emblem::decode(bytes, e.width_mm)
                        .map_err(|message| invalid_at(file, text, &e.file, message))?,
                )
            }
        };
        let template = LetterTemplate {
            emblem,
            letterhead: raw
                .letterhead
                .iter()
                .map(|l| HeadLine {
                    text: l.text.clone(),
                    size: l.size,
                    bold: l.bold,
                })
                .collect(),
            place_date: one(&raw.place_date)?,
            heading: vec![
                ("Nomor".to_string(), one(&raw.heading.number)?),
                ("Sifat".to_string(), one(&raw.heading.nature)?),
                ("Lampiran".to_string(), one(&raw.heading.attachment)?),
                ("Hal".to_string(), one(&raw.heading.subject)?),
            ],
            addressee: many(&raw.body.addressee)?,
            before_table: many(&raw.body.before_table)?,
            rows: raw
                .body
                .row
                .iter()
                .map(|r| Ok((r.label.clone(), one(&r.value)?)))
                .collect::<Result<_, RulesError>>()?,
            after_table: many(&raw.body.after_table)?,
            signature_title: many(&raw.signature.title)?,
            signer: many(&raw.signature.signer)?,
        };
        if let Some(bad) = raw
            .letterhead
            .iter()
            .find(|l| !(6.0..=24.0).contains(&l.size))
        {
            return Err(invalid_at(
                file,
                text,
                &bad.text,
                format!(
                    "letterhead size {} must be between 6 and 24 points",
                    bad.size
                ),
            ));
        }
        let required: [(Placeholder, bool, &str); 5] = [
            (
                Placeholder::NomorNaskah,
                template.heading[0].1.has(Placeholder::NomorNaskah),
                "number",
            ),
            (
                Placeholder::TanggalNaskah,
                template.place_date.has(Placeholder::TanggalNaskah),
                "place_date",
            ),
            (
                Placeholder::TtdPengirim,
                template
                    .signer
                    .iter()
                    .any(|t| t.has(Placeholder::TtdPengirim)),
                "signer",
            ),
            (
                Placeholder::NamaPengirim,
                template
                    .signer
                    .iter()
                    .any(|t| t.has(Placeholder::NamaPengirim)),
                "signer",
            ),
            (
                Placeholder::NipPengirim,
                template
                    .signer
                    .iter()
                    .any(|t| t.has(Placeholder::NipPengirim)),
                "signer",
            ),
        ];
        for (placeholder, present, key) in required {
            if !present {
                return Err(RulesError::Invalid {
                    file: file.to_path_buf(),
                    line: line_of_key(text, key),
                    message: format!(
                        "{key} must hold SRIKANDI's placeholder {} written exactly so",
                        placeholder.written()
                    ),
                });
            }
        }
        Ok(template)
    }
}

/// The line where `key = …` is set, or 1.
pub(super) fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 1)
}

/// The applicant's data the letter is filled with, typed where types exist.
#[derive(Debug, Clone, PartialEq)]
pub struct LetterData {
    pub name: String,
    pub nik: Nik,
    pub nip: Nip,
    pub rank: String,
    pub position: String,
    pub unit: String,
    pub email: EmailAddress,
    pub phone: Phone,
}

/// Why the case's data cannot fill a letter yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("applicant data incomplete: missing {missing:?}, invalid {invalid:?}")]
pub struct DataError {
    pub missing: Vec<Field>,
    /// The field and why its value is refused, in Indonesian.
    pub invalid: Vec<(Field, String)>,
}

impl DataError {
    /// For the verifier, in Indonesian.
    pub fn keterangan(&self) -> String {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!(
                "data berikut belum diisi: {}",
                list(self.missing.iter().map(|f| f.letter_label().to_string()))
            ));
        }
        for (field, why) in &self.invalid {
            parts.push(format!("{} tidak sah ({why})", field.letter_label()));
        }
        format!(
            "Surat rekomendasi belum dapat dibuat: {}.",
            parts.join("; ")
        )
    }
}

impl LetterData {
    /// Every field the letter needs, from the case; all problems are reported at once.
    pub fn from_fields(record: &ApplicantFields) -> Result<LetterData, DataError> {
        let mut missing = Vec::new();
        let mut invalid = Vec::new();
        let mut text = |field: Field, value: &Option<String>| -> Option<String> {
            match value.as_deref().map(str::trim) {
                Some(v) if !v.is_empty() => Some(v.to_string()),
                _ => {
                    missing.push(field);
                    None
                }
            }
        };
        let name = text(Field::Nama, &record.name);
        let nik = text(Field::Nik, &record.nik);
        let nip = text(Field::Nip, &record.nip);
        let rank = text(Field::Pangkat, &record.rank);
        let position = text(Field::Jabatan, &record.position);
        let unit = text(Field::Unit, &record.unit);
        let email = text(Field::Surel, &record.email);
        let phone = text(Field::Hp, &record.phone);
        let nik = nik.and_then(|v| {
            Nik::parse(&v)
                .map_err(|e| invalid.push((Field::Nik, e.keterangan())))
                .ok()
        });
        let nip = nip.and_then(|v| {
            Nip::parse(&v)
                .map_err(|e| invalid.push((Field::Nip, e.keterangan())))
                .ok()
        });
        let email = email.and_then(|v| {
            EmailAddress::parse(&v)
                .map_err(|e| invalid.push((Field::Surel, e.keterangan())))
                .ok()
        });
        let phone = phone.and_then(|v| {
            Phone::parse(&v)
                .map_err(|e| invalid.push((Field::Hp, e.keterangan())))
                .ok()
        });
        match (name, nik, nip, rank, position, unit, email, phone) {
            (
                Some(name),
                Some(nik),
                Some(nip),
                Some(rank),
                Some(position),
                Some(unit),
                Some(email),
                Some(phone),
            ) if invalid.is_empty() => Ok(LetterData {
                name,
                nik,
                nip,
                rank,
                position,
                unit,
                email,
                phone,
            }),
            _ => Err(DataError { missing, invalid }),
        }
    }

    /// The field as printed in the letter; the NIK in full, as BSrE needs it.
    pub fn value(&self, field: Field) -> String {
        match field {
            Field::Nama => self.name.clone(),
            Field::Nik => self.nik.as_str().to_string(),
            Field::Nip => self.nip.formatted(),
            Field::Pangkat => self.rank.clone(),
            Field::Jabatan => self.position.clone(),
            Field::Unit => self.unit.clone(),
            Field::Surel => self.email.as_str().to_string(),
            Field::Hp => self.phone.local(),
        }
    }
}
