//! The pipeline for one application email: parse → body form → read and classify each
//! attachment → extract fields → checklist, and the report `sertel inspect` prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;

use crate::applicant::{Nik, Phone};
use crate::checklist::{self, Evidence, Item, Status};
use crate::classify::{Basis, DocKind, classify};
use crate::extract::body::{BodyForm, form_from_body};
use crate::extract::{Fields, ktp, sk};
use crate::parse::{Attachment, FileType, ParseError, ParsedMail, parse_mail};
use crate::rules::Rules;
use crate::text::image::Shape;
use crate::text::ocr::{Ocr, OcrError};
use crate::text::{ReadError, ReadText, Unreadable, read_attachment};

#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("not an email: {0}")]
    NotAnEmail(#[from] ParseError),
    #[error(transparent)]
    Ocr(#[from] OcrError),
}

pub use crate::extract::Document;

/// The applicant as an inspection reports them.
pub type Applicant = crate::applicant::ApplicantFields;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentReport {
    pub filename: String,
    pub kind: DocKind,
    pub file_type: FileType,
    pub fields: BTreeMap<&'static str, Option<String>>,
    pub confidence: BTreeMap<&'static str, f32>,
    /// Why the document could not be read, for people; null when it was read.
    pub unreadable: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub message_id: Option<String>,
    pub from: Option<String>,
    pub subject: Option<String>,
    pub date: Option<String>,
    pub applicant: Applicant,
    pub documents: Vec<DocumentReport>,
    pub checklist: Vec<Item>,
    pub problems: Vec<String>,
    pub complete: bool,
    /// The body form the checklist used, every mail's overlaid; kept with the case.
    #[serde(skip)]
    pub body: BodyForm,
    /// Every attachment as read, in mail order, with each field's source; kept with the case.
    #[serde(skip)]
    pub read: Vec<Document>,
}

pub fn inspect(
    raw: &[u8],
    rules: &Rules,
    ocr: &mut dyn Ocr,
    today: NaiveDate,
) -> Result<Report, InspectError> {
    let mail = parse_mail(raw)?;
    Ok(inspect_mails(&mail, &[], rules, ocr, today)?)
}

/// One application told over several mails (the first, then follow-ups with what was
/// missing): every mail's documents count, and a field typed in a later mail replaces the
/// earlier one. Sender, subject and date are the first mail's.
pub fn inspect_mails(
    first: &ParsedMail,
    later: &[ParsedMail],
    rules: &Rules,
    ocr: &mut dyn Ocr,
    today: NaiveDate,
) -> Result<Report, OcrError> {
    let mails = || std::iter::once(first).chain(later);
    let body = mails()
        .map(|m| form_from_body(&m.body))
        .reduce(BodyForm::overlaid_by)
        .unwrap_or_default();
    let nip: Option<String> = body
        .nip
        .as_deref()
        .map(|n| n.chars().filter(char::is_ascii_digit).collect());
    let subject = sk::Subject {
        nip: nip.as_deref(),
        name: body.name.as_deref(),
    };
    let documents = mails()
        .flat_map(|m| &m.attachments)
        .map(|att| read_document(att, rules, ocr, &subject))
        .collect::<Result<Vec<_>, _>>()?;
    let evidence = Evidence {
        body: &body,
        sender: first.from.as_deref(),
        documents: &documents,
        today,
    };
    let checklist = checklist::evaluate(&rules.checklist, &evidence);
    let problems: Vec<String> = checklist
        .iter()
        .filter(|i| i.status != Status::Ok)
        .map(|i| i.id.clone())
        .collect();
    Ok(Report {
        message_id: first.message_id.clone(),
        applicant: applicant(
            &body,
            first.from.as_deref(),
            &documents,
            rules.checklist.settings.min_confidence,
        ),
        from: first.from.clone(),
        subject: first.subject.clone(),
        date: first.date.clone(),
        documents: documents.iter().map(document_report).collect(),
        complete: problems.is_empty(),
        problems,
        checklist,
        body,
        read: documents,
    })
}

/// Reads, classifies and extracts one attachment. Unreadable is a finding, not an error.
/// `subject` is who the application is about, to find them in a decree that lists several.
pub fn read_document(
    att: &Attachment,
    rules: &Rules,
    ocr: &mut dyn Ocr,
    subject: &sk::Subject,
) -> Result<Document, OcrError> {
    let (read, unreadable) = match read_attachment(att, ocr) {
        Ok(read) => (Some(read), None),
        Err(ReadError::Unreadable(u)) => (None, Some(u)),
        Err(ReadError::Ocr(e)) => return Err(e),
    };
    let text = read.as_ref().map(ReadText::text).unwrap_or_default();
    let (kind, basis) = match classify(&rules.classify, &text, &att.filename) {
        (DocKind::Other, _) if read.as_ref().is_some_and(card_by_shape) => {
            (DocKind::Ktp, Basis::Shape)
        }
        found => found,
    };
    Ok(Document {
        filename: att.filename.clone(),
        kind,
        basis,
        file_type: att.file_type,
        source: read.as_ref().map(|r| r.source),
        fields: read
            .as_ref()
            .map(|r| fields_for(kind, r, subject))
            .unwrap_or_else(|| empty_fields(kind)),
        unreadable,
    })
}

/// A picture read as a card (by its outline or its print on a page) that holds a NIK's
/// sixteen digits in one line.
fn card_by_shape(read: &ReadText) -> bool {
    read.shape == Some(Shape::Card)
        && read.lines.iter().any(|l| {
            l.text
                .split_whitespace()
                .any(|w| w.chars().filter(char::is_ascii_digit).count() >= Nik::LEN)
        })
}

pub fn fields_of(kind: DocKind, read: &ReadText) -> Fields {
    fields_for(kind, read, &sk::Subject::default())
}

fn fields_for(kind: DocKind, read: &ReadText, subject: &sk::Subject) -> Fields {
    match kind {
        DocKind::Ktp => ktp::extract(read),
        DocKind::Sk => sk::extract_for(read, subject),
        DocKind::Letter | DocKind::Other => Fields::default(),
    }
}

fn empty_fields(kind: DocKind) -> Fields {
    match kind {
        DocKind::Ktp => Fields::with_keys(ktp::KEYS),
        DocKind::Sk => Fields::with_keys(sk::KEYS),
        DocKind::Letter | DocKind::Other => Fields::default(),
    }
}

fn document_report(d: &Document) -> DocumentReport {
    DocumentReport {
        filename: d.filename.clone(),
        kind: d.kind,
        file_type: d.file_type,
        fields: d.fields.values.clone(),
        confidence: d.fields.confidence.clone(),
        unreadable: d.unreadable.as_ref().map(Unreadable::keterangan),
    }
}

/// The applicant as the verifier would type it: what the body says, and where the body is
/// silent, what a document says with confidence. Unknown stays null.
fn applicant(body: &BodyForm, sender: Option<&str>, docs: &[Document], min_conf: f32) -> Applicant {
    let from_doc = |kind: DocKind, key: &str| {
        docs.iter()
            .filter(|d| d.kind == kind && d.unreadable.is_none())
            .find_map(|d| d.fields.get(key).filter(|_| d.fields.conf(key) >= min_conf))
            .map(str::to_string)
    };
    Applicant {
        name: body
            .name
            .clone()
            .or_else(|| from_doc(DocKind::Ktp, "name"))
            .or_else(|| from_doc(DocKind::Sk, "name")),
        nik: body
            .nik
            .clone()
            .or_else(|| from_doc(DocKind::Ktp, "nik").filter(|n| Nik::parse(n).is_ok())),
        nip: body.nip.clone().or_else(|| from_doc(DocKind::Sk, "nip")),
        position: body
            .position
            .clone()
            .or_else(|| from_doc(DocKind::Sk, "position")),
        rank: body.rank.clone().or_else(|| from_doc(DocKind::Sk, "rank")),
        unit: body.unit.clone().or_else(|| from_doc(DocKind::Sk, "unit")),
        phone: body.phone.as_deref().map(|raw| {
            Phone::parse(raw).map_or_else(|_| raw.to_string(), |p| p.as_str().to_string())
        }),
        email: body.email.clone().or_else(|| sender.map(str::to_string)),
    }
}

/// The report as a verifier reads it, in Indonesian.
pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    let none = "-";
    let _ = writeln!(
        out,
        "Surel      : {}",
        r.subject.as_deref().unwrap_or("(tanpa subjek)")
    );
    let _ = writeln!(out, "Pengirim   : {}", r.from.as_deref().unwrap_or(none));
    let _ = writeln!(
        out,
        "Message-ID : {}",
        r.message_id.as_deref().unwrap_or(none)
    );
    let _ = writeln!(out, "\nData pemohon:");
    let a = &r.applicant;
    for (label, value) in [
        ("Nama", &a.name),
        ("NIK", &a.nik),
        ("NIP", &a.nip),
        ("Jabatan", &a.position),
        ("Pangkat/Gol.", &a.rank),
        ("Unit Kerja", &a.unit),
        ("No. HP", &a.phone),
        ("Surel", &a.email),
    ] {
        let _ = writeln!(out, "  {label:<13}: {}", value.as_deref().unwrap_or(none));
    }
    let _ = writeln!(out, "\nLampiran:");
    if r.documents.is_empty() {
        let _ = writeln!(out, "  (tidak ada lampiran)");
    }
    for d in &r.documents {
        let _ = writeln!(out, "  - {} [{}]", d.filename, d.kind.label_id());
        if let Some(why) = &d.unreadable {
            let _ = writeln!(out, "      tidak terbaca: {why}");
        }
        for (key, value) in &d.fields {
            if let Some(v) = value {
                let conf = d
                    .confidence
                    .get(key)
                    .map(|c| format!(" ({:.0}%)", c * 100.0))
                    .unwrap_or_default();
                let _ = writeln!(out, "      {:<14} {v}{conf}", field_label(key));
            }
        }
    }
    let _ = writeln!(out, "\nDaftar periksa:");
    for item in &r.checklist {
        let mark = if item.status == Status::Ok {
            "[v]"
        } else {
            "[!]"
        };
        let _ = writeln!(
            out,
            "  {mark} {} — {}: {}",
            item.label,
            item.status.label_id(),
            item.detail
        );
    }
    let _ = writeln!(
        out,
        "\nKesimpulan : {}",
        if r.complete {
            "LENGKAP — siap dibuatkan surat rekomendasi".to_string()
        } else {
            format!(
                "BELUM LENGKAP — {} hal perlu ditindaklanjuti ({})",
                r.problems.len(),
                r.problems.join(", ")
            )
        }
    );
    out
}

/// A document field's name for people (Indonesian).
pub fn field_label(key: &str) -> &str {
    match key {
        "nik" => "NIK",
        "name" => "Nama",
        "birth_place" => "Tempat lahir",
        "birth_date" => "Tgl lahir",
        "sex" => "Jenis kelamin",
        "address" => "Alamat",
        "religion" => "Agama",
        "marital_status" => "Status kawin",
        "occupation" => "Pekerjaan",
        "valid_until" => "Berlaku hingga",
        "regency" => "Kab/Kota",
        "province" => "Provinsi",
        "number" => "Nomor",
        "date" => "Tanggal",
        "about" => "Tentang",
        "nip" => "NIP",
        "rank" => "Pangkat/Gol.",
        "position" => "Jabatan",
        "unit" => "Unit kerja",
        other => other,
    }
}
