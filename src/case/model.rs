//! What a case is: the applicant, the mails and attachments, the checklist, the SOP state, the
//! people involved and the history of every event, as stored (serde) in sled.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::applicant::{ApplicantFields, Field};
use crate::checklist::Status;
use crate::classify::{Basis, DocKind};
use crate::extract::Document;
use crate::extract::body::BodyForm;
use crate::extract::fields::FieldSource;
use crate::extract::{Fields, ktp, sk};
use crate::parse::FileType;
use crate::text::{Source, Unreadable};

/// The schema of [`Case`] records; a release that changes it migrates older records on open.
pub const SCHEMA_VERSION: u32 = 2;

pub use crate::calendar::WITA;

/// A case number people quote: `TTE-2026-0007` (year the case was opened, then a sequence that
/// restarts each year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseId {
    pub year: i32,
    pub seq: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a case number (expected TTE-YYYY-NNNN): {0}")]
pub struct CaseIdError(pub String);

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TTE-{}-{:04}", self.year, self.seq)
    }
}

impl FromStr for CaseId {
    type Err = CaseIdError;
    fn from_str(s: &str) -> Result<CaseId, CaseIdError> {
        let err = || CaseIdError(s.to_string());
        let rest = s
            .trim()
            .strip_prefix("TTE-")
            .or_else(|| s.trim().strip_prefix("tte-"))
            .ok_or_else(err)?;
        let (year, seq) = rest.split_once('-').ok_or_else(err)?;
        if year.len() != 4 || seq.is_empty() || seq.len() > 6 {
            return Err(err());
        }
        let year: i32 = year.parse().map_err(|_| err())?;
        let seq: u32 = seq.parse().map_err(|_| err())?;
        if seq == 0 {
            return Err(err());
        }
        Ok(CaseId { year, seq })
    }
}

impl TryFrom<String> for CaseId {
    type Error = CaseIdError;
    fn try_from(s: String) -> Result<CaseId, CaseIdError> {
        s.parse()
    }
}

impl From<CaseId> for String {
    fn from(id: CaseId) -> String {
        id.to_string()
    }
}

/// SOP states, in the order a case goes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Step 1: the application arrived and was read.
    Diterima,
    /// Step 2: the Kadis assigned a verifier.
    Disposisi,
    /// Step 3: the verifier is checking.
    Verifikasi,
    /// Step 3: the applicant was asked for what is missing.
    MenungguKelengkapan,
    /// Step 4: the recommendation letter went to the Kadis for signing.
    RekomendasiDikirim,
    /// Step 5: the Kadis's signed letter was verified and kept.
    Ditandatangani,
    /// Step 6: the verifier registered the applicant in BSrE's management app.
    Diajukan,
    /// Step 7: the applicant must follow BSrE's activation mail and identity check.
    MenungguAktivasi,
    /// Step 8: the verifier approved the request in the management app.
    Disetujui,
    /// Step 9: the applicant must set the certificate's passphrase.
    MenungguPassphrase,
    /// Steps 10–11: BSrE approved; the certificate's status is ISSUE.
    Terbit,
    Ditolak,
    Dibatalkan,
}

impl State {
    /// Steps 6–9: the applicant is with BSrE, and BSrE's status tells when it is done.
    pub fn awaits_bsre(self) -> bool {
        matches!(
            self,
            State::Diajukan
                | State::MenungguAktivasi
                | State::Disetujui
                | State::MenungguPassphrase
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Diterima => "diterima",
            State::Disposisi => "disposisi",
            State::Verifikasi => "verifikasi",
            State::MenungguKelengkapan => "menunggu_kelengkapan",
            State::RekomendasiDikirim => "rekomendasi_dikirim",
            State::Ditandatangani => "ditandatangani",
            State::Diajukan => "diajukan",
            State::MenungguAktivasi => "menunggu_aktivasi",
            State::Disetujui => "disetujui",
            State::MenungguPassphrase => "menunggu_passphrase",
            State::Terbit => "terbit",
            State::Ditolak => "ditolak",
            State::Dibatalkan => "dibatalkan",
        }
    }

    /// Words for people (Indonesian).
    pub fn label_id(self) -> &'static str {
        match self {
            State::Diterima => "diterima",
            State::Disposisi => "didisposisikan ke verifikator",
            State::Verifikasi => "sedang diverifikasi",
            State::MenungguKelengkapan => "menunggu kelengkapan dari pemohon",
            State::RekomendasiDikirim => "surat rekomendasi menunggu tanda tangan Kadis",
            State::Ditandatangani => "surat rekomendasi telah ditandatangani",
            State::Diajukan => "didaftarkan ke BSrE",
            State::MenungguAktivasi => "menunggu aktivasi akun oleh pemohon",
            State::Disetujui => "disetujui verifikator",
            State::MenungguPassphrase => "menunggu pemohon membuat passphrase",
            State::Terbit => "sertifikat terbit (ISSUE)",
            State::Ditolak => "ditolak",
            State::Dibatalkan => "dibatalkan",
        }
    }

    /// A closed case takes no more documents and moves no further.
    pub fn is_closed(self) -> bool {
        matches!(self, State::Terbit | State::Ditolak | State::Dibatalkan)
    }

    /// A rejected or cancelled application does not stand in the way of a new one from the same
    /// NIK; an issued certificate does.
    pub fn ended_without_certificate(self) -> bool {
        matches!(self, State::Ditolak | State::Dibatalkan)
    }

    /// Every state, in SOP order.
    pub const ALL: [State; 13] = [
        State::Diterima,
        State::Disposisi,
        State::Verifikasi,
        State::MenungguKelengkapan,
        State::RekomendasiDikirim,
        State::Ditandatangani,
        State::Diajukan,
        State::MenungguAktivasi,
        State::Disetujui,
        State::MenungguPassphrase,
        State::Terbit,
        State::Ditolak,
        State::Dibatalkan,
    ];
}

/// Who did something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", content = "who", rename_all = "snake_case")]
pub enum Actor {
    /// sertel itself.
    System,
    /// The applicant, by mail from this address.
    Applicant(String),
    Kadis(String),
    Verifier(String),
    /// Office staff acting through the CLI (the login name or the name they gave).
    Staff(String),
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::System => write!(f, "sertel"),
            Actor::Applicant(a) => write!(f, "pemohon <{a}>"),
            Actor::Kadis(a) => write!(f, "Kadis <{a}>"),
            Actor::Verifier(a) => write!(f, "verifikator <{a}>"),
            Actor::Staff(a) => write!(f, "staf {a}"),
        }
    }
}

/// One line of a case's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub what: EventKind,
    /// Message-ID of the mail that caused it, if a mail did.
    pub mail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The application mail opened the case.
    Opened,
    /// A follow-up mail added documents or fields; the checklist was re-run.
    MailAdded {
        attachments: usize,
    },
    /// A mail tagged with this case from someone who may not add to it, kept for review.
    NoteKept {
        from: String,
        subject: Option<String>,
    },
    /// A new application from the same NIK, linked here instead of opening a second case.
    DuplicateLinked {
        from: String,
    },
    StateChanged {
        from: State,
        to: State,
        reason: Option<String>,
    },
    VerifierAssigned {
        verifier: String,
    },
    /// A checklist item a person checked by hand, overriding sertel's verdict.
    ItemChecked {
        item: String,
        note: Option<String>,
    },
    DocumentsRequested {
        message: String,
    },
    /// A verifier corrected one of the applicant's fields (a `applicant::Field` key).
    FieldEdited {
        field: String,
        from: Option<String>,
        to: String,
    },
    /// The recommendation letter was drafted (PDF and DOCX), with the verifier's reason when the
    /// checklist was not complete.
    LetterDrafted {
        pdf_sha256: String,
        docx_sha256: String,
        override_reason: Option<String>,
    },
    /// A signed letter passed every check and was kept.
    LetterSigned {
        sha256: String,
        signer: String,
    },
    /// A signed letter was refused; nothing else changed.
    SignedLetterRefused {
        reason: String,
    },
    /// A mail from a staff address that the office's mail server did not vouch for: kept as a
    /// note, acted on not at all.
    StaffMailUnverified {
        from: String,
        reason: String,
    },
    /// A reminder that SOP step `step` passed its time standard went to `to`; `second` is the
    /// one to the Kadis at twice the standard.
    ReminderSent {
        step: u8,
        to: String,
        second: bool,
    },
    /// sertel called BSrE's API for this case: which call, the HTTP status when BSrE answered,
    /// and what came of it (never a passphrase).
    BsreCall {
        call: String,
        http_status: Option<u16>,
        outcome: String,
    },
    /// The case's personal data was erased: the KTP and SK images, raw mails and letters, and
    /// every NIK in the record masked.
    DataErased {
        reason: String,
        files_removed: usize,
        files_kept_shared: usize,
    },
    /// A mail was put in the outbox (not yet sent).
    MailQueued {
        outbox: u64,
        to: String,
        purpose: Purpose,
        /// The raw message's blob; records written before it was kept here have none.
        #[serde(default)]
        sha256: Option<String>,
    },
    MailSent {
        outbox: u64,
    },
    /// The transport refused the mail for good; it stays in the dead-letter list, unsent.
    MailFailed {
        outbox: u64,
        error: String,
    },
}

/// Why sertel sends a mail; also the key of its template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// To the applicant: case number and pre-filled checklist.
    Acknowledgement,
    /// To the applicant: what is missing or inconsistent.
    MissingItems,
    /// To the applicant: the checklist after their follow-up.
    ChecklistUpdate,
    /// To the applicant: this application joined an earlier case.
    DuplicateNotice,
    /// To the Kadis: a new case awaits disposition.
    DispositionRequest,
    /// To the verifier: a case was assigned to them.
    VerifierAssigned,
    /// To the applicant: the case was rejected, with the reason.
    Rejection,
    /// To the verifiers: a mail could not be processed and was quarantined.
    Quarantined,
    /// To the Kadis: the recommendation letter to sign, PDF and DOCX attached.
    LetterForSigning,
    /// To whoever sent a signed letter: why it was refused.
    SignedLetterRefused,
    /// To the verifier: the letter is signed; register the applicant at BSrE.
    LetterSigned,
    /// To the applicant: what to do next at a BSrE step (`diajukan` … `terbit`).
    BsreStep,
    /// To whoever sent an application with the NIK of another address's case: received,
    /// nothing more.
    ReceivedNeutral,
    /// To the applicant and the verifier: someone else sent an application with this NIK.
    DuplicateAlert,
    /// To the verifiers: a mail from a staff address that the office's mail server did not
    /// vouch for, kept as a note.
    UnverifiedStaffMail,
    /// To whoever holds a step past its time standard (in working time); the second, at twice
    /// the standard, to the Kadis.
    Reminder,
}

impl Purpose {
    /// The name used in stored records and in the Message-IDs of sertel's mails.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Acknowledgement => "acknowledgement",
            Purpose::MissingItems => "missing_items",
            Purpose::ChecklistUpdate => "checklist_update",
            Purpose::DuplicateNotice => "duplicate_notice",
            Purpose::DispositionRequest => "disposition_request",
            Purpose::VerifierAssigned => "verifier_assigned",
            Purpose::Rejection => "rejection",
            Purpose::Quarantined => "quarantined",
            Purpose::LetterForSigning => "letter_for_signing",
            Purpose::SignedLetterRefused => "signed_letter_refused",
            Purpose::LetterSigned => "letter_signed",
            Purpose::BsreStep => "bsre_step",
            Purpose::ReceivedNeutral => "received_neutral",
            Purpose::DuplicateAlert => "duplicate_alert",
            Purpose::UnverifiedStaffMail => "unverified_staff_mail",
            Purpose::Reminder => "reminder",
        }
    }

    /// Words for people (Indonesian).
    pub fn label_id(self) -> &'static str {
        match self {
            Purpose::Acknowledgement => "tanda terima",
            Purpose::MissingItems => "pemberitahuan kekurangan berkas",
            Purpose::ChecklistUpdate => "daftar periksa terbaru",
            Purpose::DuplicateNotice => "pemberitahuan permohonan ganda",
            Purpose::DispositionRequest => "permintaan disposisi",
            Purpose::VerifierAssigned => "pemberitahuan penugasan verifikator",
            Purpose::Rejection => "pemberitahuan penolakan",
            Purpose::Quarantined => "pemberitahuan karantina",
            Purpose::LetterForSigning => "surat rekomendasi untuk ditandatangani",
            Purpose::SignedLetterRefused => "penolakan surat bertanda tangan",
            Purpose::LetterSigned => "pemberitahuan surat telah ditandatangani",
            Purpose::BsreStep => "petunjuk tahap BSrE",
            Purpose::ReceivedNeutral => "tanda terima umum",
            Purpose::DuplicateAlert => "peringatan permohonan dari alamat lain",
            Purpose::UnverifiedStaffMail => "peringatan surel staf tak terautentikasi",
            Purpose::Reminder => "pengingat standar waktu",
        }
    }
}

/// An attachment kept with the case; its bytes are in the blob tree under `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAttachment {
    pub filename: String,
    /// `ktp`, `sk`, `letter` or `other`, as classified.
    pub kind: String,
    /// Sniffed type (`pdf`, `jpeg`, …).
    pub file_type: String,
    pub size: u64,
    pub sha256: String,
    /// Message-ID of the mail it came in.
    pub mail: Option<String>,
}

/// What the case knows of the applicant, from the latest inspection (null when unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantRecord {
    /// The address the application came from; replies go here.
    pub reply_to: String,
    #[serde(flatten)]
    pub fields: ApplicantFields,
}

impl ApplicantRecord {
    /// The applicant's fields as people read them, labelled in Indonesian, the NIK masked.
    pub fn rows(&self) -> [(&'static str, Option<String>); 8] {
        Field::ALL.map(|field| {
            let value = self.fields.get(field);
            let shown = match field {
                Field::Nik => value.map(crate::applicant::nik::mask_nik_like),
                _ => value.map(str::to_string),
            };
            (field.label(), shown)
        })
    }
}

/// One checklist line as stored: sertel's verdict, or a person's when checked by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistEntry {
    pub id: String,
    /// Stored as `ok`, `missing`, `mismatch`, `invalid` or `review`.
    pub status: Status,
    pub label: String,
    pub detail: String,
    /// Who checked it by hand, when someone did.
    pub checked_by: Option<String>,
}

/// How a mail joined the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailRole {
    Application,
    FollowUp,
    /// A second application from the same NIK.
    Duplicate,
    /// Tagged with the case by someone who may not add to it: kept, not merged.
    Note,
    /// A reply from the Kadis or a verifier (disposition and the like).
    Staff,
}

impl MailRole {
    /// Words for people (Indonesian).
    pub fn label_id(self) -> &'static str {
        match self {
            MailRole::Application => "permohonan",
            MailRole::FollowUp => "susulan",
            MailRole::Duplicate => "permohonan ganda",
            MailRole::Note => "catatan",
            MailRole::Staff => "dari staf",
        }
    }
}

/// A mail kept with the case; its raw bytes are in the blob tree under `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMail {
    pub sha256: String,
    pub message_id: Option<String>,
    pub from: Option<String>,
    pub subject: Option<String>,
    pub received_at: DateTime<Utc>,
    pub role: MailRole,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub schema: u32,
    pub id: CaseId,
    pub opened_at: DateTime<Utc>,
    pub state: State,
    pub applicant: ApplicantRecord,
    pub mails: Vec<StoredMail>,
    pub attachments: Vec<StoredAttachment>,
    pub checklist: Vec<ChecklistEntry>,
    /// Message-IDs of every mail in the case's thread (in and out), for threading replies and
    /// recognising follow-ups.
    pub thread: Vec<String>,
    /// Subject of the application mail.
    pub subject: Option<String>,
    pub verifier: Option<String>,
    /// Applications from the same NIK that were joined to this case.
    pub linked: Vec<String>,
    pub history: Vec<Event>,
    /// Recommendation letters, drafts and the signed one, newest last. Records written before
    /// letters existed have none.
    #[serde(default)]
    pub letters: Vec<LetterFile>,
    /// What was read from every attachment of the applicant's mails, for re-running the
    /// checklist without OCR and for showing each field's source. Records written before
    /// documents were kept have none.
    #[serde(default)]
    pub documents: Vec<StoredDocument>,
    /// The form the applicant's mail bodies gave, as the checklist last used it; `None` for
    /// records written before it was kept.
    #[serde(default)]
    pub body: Option<BodyForm>,
    /// Set once the case's personal data was erased (retention or a request): its documents
    /// are gone and every NIK in the record is masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased: Option<Erasure>,
}

/// When and why a case's personal data was erased, and what went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: String,
    /// Files removed from disk; files another case still needs are kept and not counted.
    pub files_removed: usize,
    pub files_kept_shared: usize,
}

/// One attachment as the pipeline read it, linked to its [`StoredAttachment`] by SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredDocument {
    pub sha256: String,
    pub filename: String,
    pub kind: DocKind,
    pub basis: Basis,
    pub file_type: FileType,
    /// OCR, PDF text or plain text; `None` when the file could not be read.
    pub source: Option<Source>,
    pub fields: BTreeMap<String, Option<String>>,
    pub confidence: BTreeMap<String, f32>,
    pub sources: BTreeMap<String, FieldSource>,
    pub unreadable: Option<Unreadable>,
}

/// The map with owned keys, as stored.
fn owned<V: Clone>(m: &BTreeMap<&'static str, V>) -> BTreeMap<String, V> {
    m.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

impl StoredDocument {
    pub fn of(doc: &Document, sha256: String) -> StoredDocument {
        StoredDocument {
            sha256,
            filename: doc.filename.clone(),
            kind: doc.kind,
            basis: doc.basis,
            file_type: doc.file_type,
            source: doc.source,
            fields: owned(&doc.fields.values),
            confidence: owned(&doc.fields.confidence),
            sources: owned(&doc.fields.sources),
            unreadable: doc.unreadable.clone(),
        }
    }

    /// The document again as the checklist takes it. Field names outside the KTP's and SK's
    /// keys (none are written) are dropped.
    pub fn document(&self) -> Document {
        let keys: &[&'static str] = match self.kind {
            DocKind::Ktp => ktp::KEYS,
            DocKind::Sk => sk::KEYS,
            DocKind::Letter | DocKind::Other => &[],
        };
        let key = |k: &String| keys.iter().copied().find(|s| s == k);
        let mut fields = Fields::with_keys(keys);
        for (k, v) in &self.fields {
            if let Some(k) = key(k) {
                fields.values.insert(k, v.clone());
            }
        }
        for (k, c) in &self.confidence {
            if let Some(k) = key(k) {
                fields.confidence.insert(k, *c);
            }
        }
        for (k, src) in &self.sources {
            if let Some(k) = key(k) {
                fields.sources.insert(k, src.clone());
            }
        }
        Document {
            filename: self.filename.clone(),
            kind: self.kind,
            basis: self.basis,
            file_type: self.file_type,
            source: self.source,
            fields,
            unreadable: self.unreadable.clone(),
        }
    }
}

/// A recommendation letter kept with the case; its bytes are in the blob tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LetterFile {
    Draft {
        at: DateTime<Utc>,
        pdf_sha256: String,
        docx_sha256: String,
    },
    Signed {
        at: DateTime<Utc>,
        sha256: String,
        signer: String,
    },
}

impl Case {
    /// Every blob the case refers to by SHA-256: raw mails in and out, attachments, letters.
    pub fn blob_names(&self) -> std::collections::BTreeSet<String> {
        let mut names: std::collections::BTreeSet<String> = self
            .mails
            .iter()
            .map(|m| m.sha256.clone())
            .chain(self.attachments.iter().map(|a| a.sha256.clone()))
            .chain(self.documents.iter().map(|d| d.sha256.clone()))
            .collect();
        for letter in &self.letters {
            match letter {
                LetterFile::Draft {
                    pdf_sha256,
                    docx_sha256,
                    ..
                } => {
                    names.insert(pdf_sha256.clone());
                    names.insert(docx_sha256.clone());
                }
                LetterFile::Signed { sha256, .. } => {
                    names.insert(sha256.clone());
                }
            }
        }
        // Letters are named by `letters` (their history events name the same files); sent
        // mails only by the history.
        for event in &self.history {
            if let EventKind::MailQueued {
                sha256: Some(sha256),
                ..
            } = &event.what
            {
                names.insert(sha256.clone());
            }
        }
        names
    }

    /// When the case reached the state it is closed in, if it is closed.
    pub fn closed_at(&self) -> Option<DateTime<Utc>> {
        if !self.state.is_closed() {
            return None;
        }
        self.history.iter().rev().find_map(|e| match &e.what {
            EventKind::StateChanged { to, .. } if *to == self.state => Some(e.at),
            _ => None,
        })
    }

    /// The latest drafted letter, if any.
    pub fn draft(&self) -> Option<(&str, &str)> {
        self.letters.iter().rev().find_map(|l| match l {
            LetterFile::Draft {
                pdf_sha256,
                docx_sha256,
                ..
            } => Some((pdf_sha256.as_str(), docx_sha256.as_str())),
            LetterFile::Signed { .. } => None,
        })
    }

    /// The accepted signed letter, if any.
    pub fn signed_letter(&self) -> Option<&str> {
        self.letters.iter().rev().find_map(|l| match l {
            LetterFile::Signed { sha256, .. } => Some(sha256.as_str()),
            LetterFile::Draft { .. } => None,
        })
    }
}

impl Case {
    /// The latest value a verifier gave each field (by `applicant::Field` key), oldest edit first.
    pub fn edits(&self) -> BTreeMap<&str, &str> {
        self.history
            .iter()
            .filter_map(|e| match &e.what {
                EventKind::FieldEdited { field, to, .. } => Some((field.as_str(), to.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Ids of the checklist items that are not ok.
    pub fn problems(&self) -> Vec<&str> {
        self.checklist
            .iter()
            .filter(|c| c.status != Status::Ok)
            .map(|c| c.id.as_str())
            .collect()
    }

    pub fn complete(&self) -> bool {
        self.problems().is_empty()
    }

    /// When the case entered `state` last, if it ever did.
    pub fn entered(&self, state: State) -> Option<DateTime<Utc>> {
        if state == State::Diterima {
            return Some(self.opened_at);
        }
        self.history.iter().rev().find_map(|e| match &e.what {
            EventKind::StateChanged { to, .. } if *to == state => Some(e.at),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_written_before_documents_were_kept_still_load() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 23, 1, 0, 0).unwrap();
        let case = Case::new(
            CaseId { year: 2026, seq: 3 },
            now,
            ApplicantRecord::default(),
            None,
        );
        let mut old = serde_json::to_value(&case).unwrap();
        let fields = old.as_object_mut().unwrap();
        assert!(fields.remove("documents").is_some() && fields.remove("body").is_some());
        let back: Case = serde_json::from_value(old).unwrap();
        assert_eq!(back, case);
        assert!(back.documents.is_empty() && back.body.is_none());
    }

    #[test]
    fn case_ids_print_and_parse() {
        let id = CaseId { year: 2026, seq: 7 };
        assert_eq!(id.to_string(), "TTE-2026-0007");
        assert_eq!("TTE-2026-0007".parse::<CaseId>(), Ok(id));
        assert_eq!(" tte-2026-12345 ".parse::<CaseId>().unwrap().seq, 12345);
        for bad in [
            "",
            "TTE-2026",
            "TTE-26-0001",
            "TTE-2026-0000",
            "ABC-2026-0001",
            "TTE-2026-x",
        ] {
            assert!(bad.parse::<CaseId>().is_err(), "{bad}");
        }
    }
}
