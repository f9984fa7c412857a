//! The SOP as rules: which state may follow which, what staff do to a case, the time standard each
//! step is held to, and the case as staff read it.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::model::{
    Actor, ApplicantRecord, Case, CaseId, Event, EventKind, LetterFile, SCHEMA_VERSION, State, WITA,
};
use crate::applicant::nik::mask_niks_in;
use crate::calendar::OfficeCalendar;
use crate::checklist::Status;
use crate::classify::DocKind;
use crate::config::Standards;

/// Whether the SOP lets a case move from `from` to `to`.
pub fn allowed(from: State, to: State) -> bool {
    if from == to || from.is_closed() {
        return false;
    }
    match to {
        State::Ditolak | State::Dibatalkan => true,
        State::Disposisi => from == State::Diterima,
        // From `rekomendasi_dikirim` when the Kadis sends the draft back for changes.
        State::Verifikasi => matches!(
            from,
            State::Disposisi | State::MenungguKelengkapan | State::RekomendasiDikirim
        ),
        State::MenungguKelengkapan => from == State::Verifikasi,
        State::RekomendasiDikirim => from == State::Verifikasi,
        State::Ditandatangani => from == State::RekomendasiDikirim,
        State::Diajukan => from == State::Ditandatangani,
        State::MenungguAktivasi => from == State::Diajukan,
        State::Disetujui => from == State::MenungguAktivasi,
        State::MenungguPassphrase => from == State::Disetujui,
        State::Terbit => from == State::MenungguPassphrase,
        State::Diterima => false,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SopError {
    #[error("case {case} is {}, it cannot move to {}", .from.as_str(), .to.as_str())]
    NotAllowed {
        case: CaseId,
        from: State,
        to: State,
    },
    #[error("case {case} has no checklist item {item:?}")]
    UnknownItem {
        case: CaseId,
        item: String,
        /// The item ids the case does have, to tell staff what they may have meant.
        known: Vec<String>,
    },
    #[error("case {case} is {}, closed to changes", .state.as_str())]
    Closed { case: CaseId, state: State },
}

impl SopError {
    /// Explanation for staff, in Indonesian.
    pub fn keterangan(&self) -> String {
        match self {
            SopError::NotAllowed { case, from, to } if from == to => {
                format!("Kasus {case} sudah berstatus {}.", word(*to))
            }
            SopError::NotAllowed { case, from, to } if from.is_closed() => format!(
                "Kasus {case} berstatus {}; status tidak dapat diubah menjadi {}.",
                word(*from),
                word(*to)
            ),
            SopError::NotAllowed { case, from, to } => {
                let next: Vec<String> = State::ALL
                    .iter()
                    .filter(|&&s| allowed(*from, s))
                    .map(|&s| word(s))
                    .collect();
                format!(
                    "Kasus {case} berstatus {}; status tidak dapat diubah menjadi {}. Dari {} status hanya dapat diubah menjadi {}.",
                    word(*from),
                    word(*to),
                    word(*from),
                    either(&next)
                )
            }
            SopError::UnknownItem { case, item, known } if known.is_empty() => format!(
                "Kasus {case} belum memiliki daftar periksa, jadi butir \"{item}\" tidak dapat diperiksa."
            ),
            SopError::UnknownItem { case, item, known } => format!(
                "Kasus {case} tidak memiliki butir daftar periksa \"{item}\". Butir yang ada: {}.",
                known.join(", ")
            ),
            SopError::Closed { case, state } => {
                format!(
                    "Kasus {case} sudah {} dan tidak dapat diubah lagi.",
                    word(*state)
                )
            }
        }
    }
}

/// A state as a word in an Indonesian sentence ("menunggu kelengkapan").
fn word(state: State) -> String {
    state.as_str().replace('_', " ")
}

/// "a", "a atau b", "a, b atau c".
fn either(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} atau {last}", init.join(", ")),
    }
}

impl Case {
    /// A case for an application that just arrived: `diterima`, opened by sertel.
    pub fn new(
        id: CaseId,
        now: DateTime<Utc>,
        applicant: ApplicantRecord,
        subject: Option<String>,
    ) -> Case {
        Case {
            schema: SCHEMA_VERSION,
            id,
            opened_at: now,
            state: State::Diterima,
            applicant,
            mails: Vec::new(),
            attachments: Vec::new(),
            checklist: Vec::new(),
            thread: Vec::new(),
            subject,
            verifier: None,
            linked: Vec::new(),
            letters: Vec::new(),
            documents: Vec::new(),
            body: None,
            erased: None,
            history: vec![Event {
                at: now,
                actor: Actor::System,
                what: EventKind::Opened,
                mail: None,
            }],
        }
    }

    /// Moves the case to `to` when the SOP allows it, and records who did and why.
    pub fn transition(
        &mut self,
        to: State,
        actor: Actor,
        now: DateTime<Utc>,
        reason: Option<String>,
    ) -> Result<(), SopError> {
        if !allowed(self.state, to) {
            return Err(SopError::NotAllowed {
                case: self.id,
                from: self.state,
                to,
            });
        }
        self.enter(to, actor, now, reason);
        Ok(())
    }

    /// BSrE says the applicant's certificate is issued: the case is `terbit` from whichever
    /// BSrE step it was marked at, since BSrE has seen every step it needs.
    pub fn issued(&mut self, now: DateTime<Utc>) -> Result<(), SopError> {
        if !self.state.awaits_bsre() {
            return Err(SopError::NotAllowed {
                case: self.id,
                from: self.state,
                to: State::Terbit,
            });
        }
        self.enter(
            State::Terbit,
            Actor::System,
            now,
            Some("BSrE: status sertifikat ISSUE".into()),
        );
        Ok(())
    }

    /// Assigns (or reassigns) the verifier; a case still waiting for disposition is thereby
    /// disposed.
    pub fn assign(&mut self, verifier: &str, actor: Actor, now: DateTime<Utc>) {
        self.verifier = Some(verifier.to_string());
        self.record(
            actor.clone(),
            EventKind::VerifierAssigned {
                verifier: verifier.to_string(),
            },
            None,
            now,
        );
        if self.state == State::Diterima {
            self.enter(State::Disposisi, actor, now, None);
        }
    }

    /// A person checked `item` by hand and found it in order, overriding sertel's verdict.
    pub fn check_item(
        &mut self,
        item: &str,
        actor: Actor,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), SopError> {
        let Some(entry) = self.checklist.iter_mut().find(|c| c.id == item) else {
            return Err(SopError::UnknownItem {
                case: self.id,
                item: item.to_string(),
                known: self.checklist.iter().map(|c| c.id.clone()).collect(),
            });
        };
        entry.status = Status::Ok;
        entry.checked_by = Some(actor.to_string());
        self.record(
            actor,
            EventKind::ItemChecked {
                item: item.to_string(),
                note,
            },
            None,
            now,
        );
        Ok(())
    }

    /// Appends one event to the history.
    pub fn record(
        &mut self,
        actor: Actor,
        what: EventKind,
        mail: Option<String>,
        now: DateTime<Utc>,
    ) {
        self.history.push(Event {
            at: now,
            actor,
            what,
            mail,
        });
    }

    fn enter(&mut self, to: State, actor: Actor, now: DateTime<Utc>, reason: Option<String>) {
        let from = self.state;
        self.state = to;
        self.record(
            actor,
            EventKind::StateChanged { from, to, reason },
            None,
            now,
        );
    }
}

/// How long one SOP step took, or has taken so far, against its standard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTiming {
    /// The step's number in the SOP.
    pub step: u8,
    /// Indonesian.
    pub label: &'static str,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
    pub standard_minutes: u64,
    /// Working minutes taken so far (the office calendar's hours only), and wall-clock ones.
    pub working_minutes: Option<u64>,
    pub wall_minutes: Option<u64>,
    /// None while the step has not started, or runs and is still within its standard.
    pub met: Option<bool>,
}

/// Steps 2 to 4 of the SOP for this case. A step ends when the case leaves the step's state
/// by any transition (a rejection ends it too); the first round counts, so a verification
/// resumed after the applicant sent what was missing is not timed again.
pub fn timings(case: &Case, standards: &Standards, now: DateTime<Utc>) -> Vec<StepTiming> {
    let changes: Vec<(DateTime<Utc>, State, State)> = case
        .history
        .iter()
        .filter_map(|e| match e.what {
            EventKind::StateChanged { from, to, .. } => Some((e.at, from, to)),
            _ => None,
        })
        .collect();
    let leaves = |state: State, after: usize| {
        changes[after..]
            .iter()
            .find(|(_, from, _)| *from == state)
            .map(|(at, _, _)| *at)
    };
    let verification = changes
        .iter()
        .position(|(_, _, to)| *to == State::Verifikasi);
    let sent = changes
        .iter()
        .position(|(_, _, to)| *to == State::RekomendasiDikirim);
    vec![
        step(
            2,
            "Disposisi oleh Kadis",
            Some(case.opened_at),
            leaves(State::Diterima, 0),
            standards.disposition_minutes,
            &standards.calendar,
            now,
        ),
        step(
            3,
            "Verifikasi berkas",
            verification.map(|i| changes[i].0),
            verification.and_then(|i| leaves(State::Verifikasi, i + 1)),
            standards.verification_minutes,
            &standards.calendar,
            now,
        ),
        // sertel drafts the letter in no time, so step 4 is the verifier's last round: from the
        // case's last return to verification to the letter going to the Kadis.
        step(
            4,
            "Pembuatan surat rekomendasi",
            sent.and_then(|i| {
                changes[..i]
                    .iter()
                    .rev()
                    .find(|(_, _, to)| *to == State::Verifikasi)
                    .map(|(at, _, _)| *at)
            })
            .or_else(|| {
                (case.state == State::Verifikasi)
                    .then(|| case.entered(State::Verifikasi))
                    .flatten()
            }),
            sent.map(|i| changes[i].0),
            standards.letter_minutes,
            &standards.calendar,
            now,
        ),
    ]
}

fn step(
    step: u8,
    label: &'static str,
    started: Option<DateTime<Utc>>,
    finished: Option<DateTime<Utc>>,
    standard_minutes: u64,
    calendar: &OfficeCalendar,
    now: DateTime<Utc>,
) -> StepTiming {
    let end = finished.unwrap_or(now);
    let working_minutes = started.map(|start| calendar.working_minutes(start, end));
    let met = working_minutes
        .map(|taken| taken <= standard_minutes)
        .and_then(|within| match finished {
            Some(_) => Some(within),
            None => (!within).then_some(false),
        });
    StepTiming {
        step,
        label,
        started,
        finished,
        standard_minutes,
        working_minutes,
        wall_minutes: started.map(|start| minutes_taken(start, end)),
        met,
    }
}

/// A step after the letter, which the SOP gives no time standard: how long it took, or has
/// taken so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepSpan {
    /// The SOP steps it covers, as people write them ("5", "9–11").
    pub steps: &'static str,
    /// Indonesian.
    pub label: &'static str,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
}

impl StepSpan {
    pub fn minutes(&self, now: DateTime<Utc>) -> Option<u64> {
        self.started
            .map(|s| minutes_taken(s, self.finished.unwrap_or(now)))
    }
}

/// Steps 5 to 11: from the letter sent to the Kadis until the certificate is issued. Each span
/// runs from the first entry into its state to the first entry into the state that ends it.
pub fn later_steps(case: &Case) -> Vec<StepSpan> {
    let first_entry = |state: State| {
        case.history.iter().find_map(|e| match e.what {
            EventKind::StateChanged { to, .. } if to == state => Some(e.at),
            _ => None,
        })
    };
    let span = |steps, label, from: State, to: State| StepSpan {
        steps,
        label,
        started: first_entry(from),
        finished: first_entry(to),
    };
    vec![
        span(
            "5",
            "Penandatanganan elektronik oleh Kadis",
            State::RekomendasiDikirim,
            State::Ditandatangani,
        ),
        span(
            "6",
            "Pendaftaran pemohon di aplikasi BSrE",
            State::Ditandatangani,
            State::Diajukan,
        ),
        span(
            "7–8",
            "Aktivasi akun dan verifikasi identitas pemohon, persetujuan verifikator",
            State::Diajukan,
            State::Disetujui,
        ),
        span(
            "9–11",
            "Passphrase, persetujuan BSrE dan penerbitan sertifikat",
            State::Disetujui,
            State::Terbit,
        ),
    ]
}

/// Whole minutes, rounded up, so "15 menit dari 15" always means the standard was met.
fn minutes_taken(start: DateTime<Utc>, end: DateTime<Utc>) -> u64 {
    u64::try_from((end - start).num_seconds())
        .unwrap_or(0)
        .div_ceil(60)
}

/// A time as staff read it: `23-11-2026 09:15 WITA`.
pub fn wita_time(at: DateTime<Utc>) -> String {
    format!("{} WITA", at.with_timezone(&WITA).format("%d-%m-%Y %H:%M"))
}

/// The case as staff read it, in Indonesian. NIKs are masked everywhere, also where a checklist
/// detail or a note quotes one.
pub fn render(case: &Case, timings: &[StepTiming], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let none = "-";
    let _ = writeln!(out, "Kasus      : {}", case.id);
    // The stored name beside the words, unless they are the same word.
    let state = match (case.state.label_id(), case.state.as_str()) {
        (words, name) if words == name => words.to_string(),
        (words, name) => format!("{words} ({name})"),
    };
    let _ = writeln!(out, "Status     : {state}");
    let _ = writeln!(out, "Dibuka     : {}", wita_time(case.opened_at));
    let _ = writeln!(
        out,
        "Surel      : {}",
        case.subject.as_deref().unwrap_or("(tanpa subjek)")
    );
    let _ = writeln!(
        out,
        "Verifikator: {}",
        case.verifier.as_deref().unwrap_or("(belum ditunjuk)")
    );

    let _ = writeln!(out, "\nData pemohon:");
    let a = &case.applicant;
    let reply_to = Some(a.reply_to.clone());
    for (label, value) in a.rows().iter().chain([&("Balasan ke", reply_to)]) {
        let value = value.as_deref();
        let _ = writeln!(out, "  {label:<13}: {}", value.unwrap_or(none));
    }

    let _ = writeln!(out, "\nDaftar periksa:");
    if case.checklist.is_empty() {
        let _ = writeln!(out, "  (belum ada)");
    }
    for item in &case.checklist {
        let mark = if item.status == Status::Ok {
            "[v]"
        } else {
            "[!]"
        };
        let by = item
            .checked_by
            .as_deref()
            .map(|who| format!(" (diperiksa manual oleh {who})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {mark} {} — {}: {}{by}",
            item.label,
            item.status.label_id(),
            item.detail
        );
    }

    let _ = writeln!(out, "\nLampiran:");
    if case.attachments.is_empty() {
        let _ = writeln!(out, "  (tidak ada lampiran)");
    }
    for att in &case.attachments {
        let _ = writeln!(
            out,
            "  - {} [{}, {}, {}]",
            att.filename,
            DocKind::label_of(&att.kind),
            att.file_type,
            size_words(att.size)
        );
    }

    if !case.letters.is_empty() {
        let _ = writeln!(out, "\nSurat rekomendasi:");
    }
    for letter in &case.letters {
        let _ = match letter {
            LetterFile::Draft { at, .. } => writeln!(
                out,
                "  - {}  draf (PDF dan DOCX; tulis dengan: sertel case {} letter --out <folder>)",
                wita_time(*at),
                case.id
            ),
            LetterFile::Signed { at, signer, .. } => writeln!(
                out,
                "  - {}  bertanda tangan elektronik sah, oleh {signer}",
                wita_time(*at)
            ),
        };
    }

    let _ = writeln!(out, "\nSurel dalam kasus:");
    if case.mails.is_empty() {
        let _ = writeln!(out, "  (tidak ada)");
    }
    for mail in &case.mails {
        let _ = writeln!(
            out,
            "  - {}  {} dari {}: {}",
            wita_time(mail.received_at),
            mail.role.label_id(),
            mail.from.as_deref().unwrap_or(none),
            mail.subject.as_deref().unwrap_or("(tanpa subjek)")
        );
    }

    let _ = writeln!(
        out,
        "\nPermohonan tertaut: {}",
        if case.linked.is_empty() {
            none.to_string()
        } else {
            case.linked.join(", ")
        }
    );

    let _ = writeln!(out, "\nWaktu layanan (standar SOP):");
    for t in timings {
        let _ = writeln!(out, "  {}. {}: {}", t.step, t.label, timing_words(t));
    }
    for span in later_steps(case).iter().filter(|s| s.started.is_some()) {
        let taken = match (span.finished, span.minutes(now)) {
            (Some(f), Some(m)) => format!("selesai {} ({m} menit)", wita_time(f)),
            _ => "sedang berjalan".to_string(),
        };
        let _ = writeln!(out, "  {}. {}: {taken}", span.steps, span.label);
    }

    let _ = writeln!(out, "\nRiwayat:");
    for e in &case.history {
        let _ = writeln!(
            out,
            "  {}  {} — {}",
            wita_time(e.at),
            e.actor,
            event_words(&e.what)
        );
    }
    mask_niks_in(&out)
}

fn timing_words(t: &StepTiming) -> String {
    let Some(started) = t.started else {
        return format!("belum dimulai (standar {} menit)", t.standard_minutes);
    };
    let verdict = |taken: u64| {
        let words = if taken <= t.standard_minutes {
            "memenuhi standar"
        } else {
            "melewati standar"
        };
        let wall = t
            .wall_minutes
            .filter(|w| *w != taken)
            .map_or(String::new(), |w| {
                format!("; {w} menit menurut jam dinding")
            });
        format!(
            "{words} ({taken} menit kerja dari {}{wall})",
            t.standard_minutes
        )
    };
    match (t.finished, t.met) {
        (Some(finished), _) => format!(
            "selesai {} — {}",
            wita_time(finished),
            verdict(
                t.working_minutes
                    .unwrap_or_else(|| minutes_taken(started, finished))
            )
        ),
        (None, Some(false)) => format!(
            "berjalan sejak {} — sudah melewati standar {} menit",
            wita_time(started),
            t.standard_minutes
        ),
        (None, _) => format!(
            "berjalan sejak {} — masih dalam standar {} menit",
            wita_time(started),
            t.standard_minutes
        ),
    }
}

/// One history event in words for staff (Indonesian), the NIK masked.
pub fn event_words(what: &EventKind) -> String {
    match what {
        EventKind::Opened => "permohonan diterima, kasus dibuka".to_string(),
        EventKind::MailAdded { attachments } => {
            format!("surel susulan ditambahkan ({attachments} lampiran); daftar periksa diperbarui")
        }
        EventKind::NoteKept { from, subject } => format!(
            "surel dari {from} disimpan sebagai catatan, tidak digabungkan (subjek: {})",
            subject.as_deref().unwrap_or("-")
        ),
        EventKind::DuplicateLinked { from } => {
            format!("permohonan baru dengan NIK yang sama dari {from} digabungkan ke kasus ini")
        }
        EventKind::StateChanged { from, to, reason } => {
            let why = reason
                .as_deref()
                .map(|r| format!("; alasan: {r}"))
                .unwrap_or_default();
            format!("status {} → {}{why}", from.label_id(), to.label_id())
        }
        EventKind::VerifierAssigned { verifier } => format!("verifikator ditunjuk: {verifier}"),
        EventKind::ItemChecked { item, note } => {
            let note = note
                .as_deref()
                .map(|n| format!("; catatan: {n}"))
                .unwrap_or_default();
            format!("butir \"{item}\" diperiksa manual dan dinyatakan sesuai{note}")
        }
        EventKind::DocumentsRequested { message } => {
            format!("kelengkapan diminta dari pemohon: {message}")
        }
        EventKind::FieldEdited { field, from, to } => {
            let shown = |v: &str| {
                if field == "nik" {
                    crate::applicant::nik::mask_nik_like(v)
                } else {
                    v.to_string()
                }
            };
            format!(
                "isian {field} diubah dari \"{}\" menjadi \"{}\"",
                from.as_deref().map(shown).unwrap_or_else(|| "-".into()),
                shown(to)
            )
        }
        EventKind::MailQueued {
            outbox,
            to,
            purpose,
            ..
        } => format!(
            "surel {} masuk antrean kirim ke {to} (antrean #{outbox})",
            purpose.label_id()
        ),
        EventKind::MailSent { outbox } => format!("surel antrean #{outbox} terkirim"),
        EventKind::MailFailed { outbox, error } => {
            format!("surel antrean #{outbox} gagal dikirim dan tidak akan dicoba lagi: {error}")
        }
        EventKind::LetterDrafted {
            override_reason, ..
        } => match override_reason {
            None => "surat rekomendasi disusun (PDF dan DOCX)".to_string(),
            Some(r) => format!(
                "surat rekomendasi disusun (PDF dan DOCX) walau daftar periksa belum lengkap; alasan: {r}"
            ),
        },
        EventKind::LetterSigned { signer, .. } => {
            format!(
                "surat rekomendasi bertanda tangan elektronik diterima dan sah (penanda tangan: {signer})"
            )
        }
        EventKind::SignedLetterRefused { reason } => {
            format!("surat bertanda tangan ditolak: {reason}")
        }
        EventKind::StaffMailUnverified { from, reason } => {
            format!("surel atas nama staf {from} tidak dijalankan, hanya dicatat: {reason}")
        }
        EventKind::ReminderSent { step, to, second } => format!(
            "pengingat{} langkah {step} melewati standar waktu dikirim ke {to}",
            if *second {
                " kedua (dua kali standar)"
            } else {
                ""
            }
        ),
        EventKind::BsreCall {
            call,
            http_status,
            outcome,
        } => match http_status {
            Some(status) => format!("BSrE {call}: {outcome} (HTTP {status})"),
            None => format!("BSrE {call}: {outcome}"),
        },
        EventKind::DataErased {
            reason,
            files_removed,
            files_kept_shared,
        } => {
            let shared = if *files_kept_shared > 0 {
                format!(", {files_kept_shared} berkas dipakai kasus lain tetap disimpan")
            } else {
                String::new()
            };
            format!(
                "data pribadi dihapus ({reason}): {files_removed} berkas (KTP, SK, surel, surat) \
                 dihapus dari disk, NIK disamarkan{shared}"
            )
        }
    }
}

fn size_words(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} bita")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applicant::ApplicantFields;
    use crate::case::model::{ChecklistEntry, MailRole, Purpose, StoredAttachment, StoredMail};
    use chrono::{Duration, TimeZone};

    // Synthetic NIK (Kab. Gorontalo, man born 12-03-85, sequence 0001), as in the NIK tests.
    const NIK: &str = "7502011203850001";
    const ID: CaseId = CaseId { year: 2026, seq: 7 };

    fn t0() -> DateTime<Utc> {
        // 23-11-2026 09:15 WITA.
        Utc.with_ymd_and_hms(2026, 11, 23, 1, 15, 0).unwrap()
    }

    fn case() -> Case {
        let mut case = Case::new(
            ID,
            t0(),
            ApplicantRecord {
                reply_to: "pemohon@gorontalokab.go.id".into(),
                fields: ApplicantFields {
                    name: Some("Siti Rahmawati".into()),
                    nik: Some(NIK.into()),
                    ..Default::default()
                },
            },
            Some("Permohonan TTE".into()),
        );
        case.checklist = vec![
            ChecklistEntry {
                id: "ktp_attached".into(),
                status: Status::Ok,
                label: "KTP terlampir".into(),
                detail: "ada".into(),
                checked_by: None,
            },
            ChecklistEntry {
                id: "nik_matches_ktp".into(),
                status: Status::Mismatch,
                label: "NIK sama dengan KTP".into(),
                detail: format!(
                    "NIK di surel ({NIK}) berbeda dengan NIK pada KTP (7502011203850002)"
                ),
                checked_by: None,
            },
        ];
        case
    }

    fn verifier() -> Actor {
        Actor::Verifier("rina@gorontalokab.go.id".into())
    }

    #[test]
    fn the_sop_table() {
        use State::*;
        let allowed_pairs = [
            (Diterima, Disposisi),
            (Disposisi, Verifikasi),
            (Verifikasi, MenungguKelengkapan),
            (MenungguKelengkapan, Verifikasi),
            (Diterima, Ditolak),
            (Diterima, Dibatalkan),
            (Disposisi, Ditolak),
            (Disposisi, Dibatalkan),
            (Verifikasi, Ditolak),
            (Verifikasi, Dibatalkan),
            (MenungguKelengkapan, Ditolak),
            (MenungguKelengkapan, Dibatalkan),
            (Verifikasi, RekomendasiDikirim),
            (RekomendasiDikirim, Verifikasi),
            (RekomendasiDikirim, Ditandatangani),
            (Ditandatangani, Diajukan),
            (Diajukan, MenungguAktivasi),
            (MenungguAktivasi, Disetujui),
            (Disetujui, MenungguPassphrase),
            (MenungguPassphrase, Terbit),
        ];
        let open_after_letter = [
            RekomendasiDikirim,
            Ditandatangani,
            Diajukan,
            MenungguAktivasi,
            Disetujui,
            MenungguPassphrase,
        ];
        for from in State::ALL {
            for to in State::ALL {
                let ends = matches!(to, Ditolak | Dibatalkan) && open_after_letter.contains(&from);
                assert_eq!(
                    allowed(from, to),
                    ends || allowed_pairs.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
    }

    #[test]
    fn refused_transitions_explain_themselves_in_indonesian() {
        use State::*;
        let cases = [
            (
                Ditolak,
                Verifikasi,
                "Kasus TTE-2026-0007 berstatus ditolak; status tidak dapat diubah menjadi verifikasi.",
            ),
            (
                Dibatalkan,
                Ditolak,
                "Kasus TTE-2026-0007 berstatus dibatalkan; status tidak dapat diubah menjadi ditolak.",
            ),
            (
                Disposisi,
                MenungguKelengkapan,
                "Kasus TTE-2026-0007 berstatus disposisi; status tidak dapat diubah menjadi menunggu kelengkapan. Dari disposisi status hanya dapat diubah menjadi verifikasi, ditolak atau dibatalkan.",
            ),
            (
                Diterima,
                Verifikasi,
                "Kasus TTE-2026-0007 berstatus diterima; status tidak dapat diubah menjadi verifikasi. Dari diterima status hanya dapat diubah menjadi disposisi, ditolak atau dibatalkan.",
            ),
            (
                Verifikasi,
                Verifikasi,
                "Kasus TTE-2026-0007 sudah berstatus verifikasi.",
            ),
            (
                Verifikasi,
                Diterima,
                "Kasus TTE-2026-0007 berstatus verifikasi; status tidak dapat diubah menjadi diterima. Dari verifikasi status hanya dapat diubah menjadi menunggu kelengkapan, rekomendasi dikirim, ditolak atau dibatalkan.",
            ),
        ];
        for (from, to, message) in cases {
            let mut c = case();
            c.state = from;
            let before = c.clone();
            let err = c.transition(to, verifier(), t0(), None).unwrap_err();
            assert_eq!(err.keterangan(), message);
            assert_eq!(c, before, "a refused transition changes nothing");
        }
        let err = SopError::NotAllowed {
            case: ID,
            from: Ditolak,
            to: Verifikasi,
        };
        assert_eq!(
            err.to_string(),
            "case TTE-2026-0007 is ditolak, it cannot move to verifikasi"
        );
    }

    #[test]
    fn transitions_record_who_and_why() {
        let mut c = case();
        assert_eq!(c.history.len(), 1);
        assert_eq!(c.history[0].what, EventKind::Opened);
        c.assign(
            "rina@gorontalokab.go.id",
            Actor::Kadis("kadis@x".into()),
            t0(),
        );
        assert_eq!(c.state, State::Disposisi);
        c.transition(State::Verifikasi, verifier(), t0(), None)
            .unwrap();
        c.assign(
            "budi@gorontalokab.go.id",
            Actor::Kadis("kadis@x".into()),
            t0(),
        );
        assert_eq!(
            c.state,
            State::Verifikasi,
            "reassigning does not move the case"
        );
        assert_eq!(c.verifier.as_deref(), Some("budi@gorontalokab.go.id"));
        c.transition(
            State::Ditolak,
            verifier(),
            t0(),
            Some("SK tidak sah".into()),
        )
        .unwrap();
        let kinds: Vec<&EventKind> = c.history.iter().map(|e| &e.what).collect();
        assert!(
            matches!(kinds[1], EventKind::VerifierAssigned { verifier } if verifier == "rina@gorontalokab.go.id")
        );
        assert!(matches!(
            kinds[2],
            EventKind::StateChanged {
                from: State::Diterima,
                to: State::Disposisi,
                ..
            }
        ));
        assert!(matches!(
            kinds.last().unwrap(),
            EventKind::StateChanged { to: State::Ditolak, reason: Some(r), .. } if r == "SK tidak sah"
        ));
        assert_eq!(c.history.last().unwrap().actor, verifier());
    }

    #[test]
    fn checking_items_by_hand() {
        let mut c = case();
        c.check_item(
            "nik_matches_ktp",
            verifier(),
            Some("dicocokkan dengan KTP asli".into()),
            t0(),
        )
        .unwrap();
        assert_eq!(c.checklist[1].status, Status::Ok);
        assert_eq!(
            c.checklist[1].checked_by.as_deref(),
            Some("verifikator <rina@gorontalokab.go.id>")
        );
        assert!(c.complete());
        assert!(matches!(
            &c.history.last().unwrap().what,
            EventKind::ItemChecked { item, note: Some(_) } if item == "nik_matches_ktp"
        ));

        let err = c.check_item("foto", verifier(), None, t0()).unwrap_err();
        assert_eq!(
            err.keterangan(),
            "Kasus TTE-2026-0007 tidak memiliki butir daftar periksa \"foto\". Butir yang ada: ktp_attached, nik_matches_ktp."
        );
        c.checklist.clear();
        let err = c.check_item("foto", verifier(), None, t0()).unwrap_err();
        assert!(err.keterangan().contains("belum memiliki daftar periksa"));
    }

    /// The SOP's standards in an office open all day, every day: these tests are about the
    /// steps, `calendar`'s about the hours.
    fn standards() -> Standards {
        let all_day = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ]
        .map(|d| format!("{d} = [\"00:00\", \"23:59\"]\n"))
        .concat();
        Standards {
            disposition_minutes: 15,
            verification_minutes: 20,
            letter_minutes: 20,
            calendar: OfficeCalendar::parse(
                std::path::Path::new("all-day.toml"),
                &format!("[hours]\n{all_day}"),
            )
            .unwrap(),
        }
    }

    #[test]
    fn timings_met_exceeded_and_running() {
        let mut c = case();
        let m = |n: i64| t0() + Duration::minutes(n);

        let ts = timings(&c, &standards(), m(10));
        assert_eq!(ts.len(), 3);
        assert_eq!(
            (ts[0].step, ts[0].started, ts[0].finished),
            (2, Some(t0()), None)
        );
        assert_eq!(ts[0].met, None, "running, within the standard");
        assert_eq!(
            timings(&c, &standards(), m(16))[0].met,
            Some(false),
            "running, past it"
        );

        c.assign("rina@x", Actor::Kadis("kadis@x".into()), m(15));
        c.transition(State::Verifikasi, verifier(), m(20), None)
            .unwrap();
        let ts = timings(&c, &standards(), m(30));
        assert_eq!((ts[0].finished, ts[0].met), (Some(m(15)), Some(true)));
        assert_eq!(
            (ts[1].started, ts[1].finished, ts[1].met),
            (Some(m(20)), None, None)
        );

        c.transition(State::MenungguKelengkapan, verifier(), m(55), None)
            .unwrap();
        c.transition(State::Verifikasi, Actor::System, m(90), None)
            .unwrap();
        c.transition(State::MenungguKelengkapan, verifier(), m(95), None)
            .unwrap();
        let ts = timings(&c, &standards(), m(200));
        assert_eq!(
            (ts[1].finished, ts[1].met),
            (Some(m(55)), Some(false)),
            "first round counts"
        );
        assert_eq!(
            (ts[2].step, ts[2].started, ts[2].finished, ts[2].met),
            (4, None, None, None)
        );

        let mut quick = case();
        quick
            .transition(State::Ditolak, Actor::Kadis("kadis@x".into()), m(3), None)
            .unwrap();
        let ts = timings(&quick, &standards(), m(500));
        assert_eq!(
            (ts[0].finished, ts[0].met),
            (Some(m(3)), Some(true)),
            "a rejection ends the step"
        );
        assert_eq!(ts[1].started, None);
    }

    #[test]
    fn render_masks_the_nik_everywhere() {
        let mut c = case();
        c.attachments.push(StoredAttachment {
            filename: "ktp.jpg".into(),
            kind: "ktp".into(),
            file_type: "jpeg".into(),
            size: 250_000,
            sha256: "ab".repeat(32),
            mail: None,
        });
        c.mails.push(StoredMail {
            sha256: "cd".repeat(32),
            message_id: Some("a@b".into()),
            from: Some("pemohon@gorontalokab.go.id".into()),
            subject: Some("Permohonan TTE".into()),
            received_at: t0(),
            role: MailRole::Application,
        });
        c.assign(
            "rina@x",
            Actor::Kadis("kadis@x".into()),
            t0() + Duration::minutes(40),
        );
        c.record(
            Actor::System,
            EventKind::MailQueued {
                outbox: 3,
                to: "pemohon@gorontalokab.go.id".into(),
                purpose: Purpose::Acknowledgement,
                sha256: None,
            },
            Some("out@x".into()),
            t0(),
        );
        let at = t0() + Duration::minutes(50);
        let text = render(&c, &timings(&c, &standards(), at), at);
        assert!(text.contains("7502********0001"), "{text}");
        assert!(text.contains("7502********0002"), "{text}");
        assert!(!text.contains(NIK), "{text}");
        assert!(!text.contains("7502011203850002"), "{text}");
        assert!(text.contains("Kasus      : TTE-2026-0007"));
        assert!(text.contains("23-11-2026 09:15 WITA"));
        assert!(text.contains("[!] NIK sama dengan KTP — tidak cocok"));
        assert!(text.contains("ktp.jpg [KTP, jpeg, 245 KB]"));
        assert!(
            text.contains("melewati standar (40 menit kerja dari 15)"),
            "{text}"
        );
        assert!(text.contains("3. Verifikasi berkas: belum dimulai (standar 20 menit)"));
        c.transition(
            State::Verifikasi,
            verifier(),
            t0() + Duration::minutes(60),
            None,
        )
        .unwrap();
        let running = |minutes| {
            let at = t0() + Duration::minutes(minutes);
            render(&c, &timings(&c, &standards(), at), at)
        };
        assert!(running(70).contains(
            "3. Verifikasi berkas: berjalan sejak 23-11-2026 10:15 WITA — masih dalam standar 20 menit"
        ));
        assert!(running(81).contains(
            "3. Verifikasi berkas: berjalan sejak 23-11-2026 10:15 WITA — sudah melewati standar 20 menit"
        ));
        assert!(text.contains("WITA  Kadis <kadis@x> — verifikator ditunjuk: rina@x"));
        assert!(
            text.contains("surel tanda terima masuk antrean kirim ke pemohon@gorontalokab.go.id")
        );
    }
}
