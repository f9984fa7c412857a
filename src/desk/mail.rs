//! Mail use cases: an application opens a case, a follow-up adds to it, the Kadis's signed
//! letter or disposition acts on it, anything else is kept as a note or quarantined.

use crate::case::recheck;
use crate::case::store::{CaseError, MailKey, Seen, sha256_hex};
use crate::case::{
    Actor, ApplicantRecord, Case, CaseId, EventKind, MailRole, State, StoredAttachment,
    StoredDocument, StoredMail,
};
use crate::classify::DocKind;
use crate::config::{Config, Person};
use crate::desk::command::keep_edits;
use crate::desk::letters::{accept_signed_letter, check_signed_letter};
use crate::desk::{Desk, ReplyLimiter, today};
use crate::inspect::{Report, inspect_mails};
use crate::intake::Fetched;
use crate::intake::vouch::vouch;
use crate::outbound::compose;
use crate::parse::{FileType, ParsedMail, parse_mail};
use crate::text::ocr::Ocr;
use chrono::{DateTime, Utc};

/// What became of one mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The inbox is empty.
    Idle,
    Opened(CaseId),
    /// A second application from an NIK with an open case, joined to it.
    Duplicate(CaseId),
    /// The applicant sent more; the checklist was re-run.
    FollowUp(CaseId),
    /// Tagged with a case by someone who may not add to it; kept for review.
    Note(CaseId),
    /// The Kadis (or another staff member) answered about a case.
    Staff(CaseId),
    /// Written by a machine (auto-reply, bounce, list): recorded, not answered.
    Ignored(String),
    Quarantined(String),
    /// Recorded before (a restart after the store but before the move): only moved now.
    AlreadyDone,
}

/// Everything short of the mailbox: decides what the mail is and stores it with its effects.
pub fn handle(
    fetched: &Fetched,
    desk: &Desk<'_>,
    ocr: &mut dyn Ocr,
    limiter: &mut ReplyLimiter,
    read_ahead: Option<Report>,
    now: DateTime<Utc>,
) -> Result<Outcome, CaseError> {
    let raw = &fetched.raw;
    let mail = match parse_mail(raw) {
        Ok(mail) => mail,
        Err(e) => {
            let key = MailKey::new(Some(fetched.locator.key()), None, raw);
            return quarantine(
                desk,
                &key,
                raw,
                None,
                &format!("bukan surel: {}", e.keterangan()),
                now,
            );
        }
    };
    let key = MailKey::new(Some(fetched.locator.key()), mail.message_id.clone(), raw);
    if let Some(seen) = desk.store.seen(&key)? {
        tracing::info!(locator = %key.locator.as_deref().unwrap_or(""), ?seen, "already recorded");
        return Ok(match seen {
            Seen::Quarantined => Outcome::Quarantined("recorded before".into()),
            _ => Outcome::AlreadyDone,
        });
    }
    if let Some(reason) = &mail.automated {
        tracing::info!(reason, "machine-written mail, not answered");
        desk.store
            .record_without_case(&key, raw, Seen::Ignored, reason, now, Vec::new())?;
        return Ok(Outcome::Ignored(reason.clone()));
    }
    let existing = match mail.subject.as_deref().and_then(compose::case_tag) {
        Some(id) => desk.store.get(id)?.map(|c| c.id),
        None => desk.store.find_by_message_ids(&mail.replies_to)?,
    };
    let incoming = Incoming {
        mail: &mail,
        key: &key,
        raw,
    };
    let mut step = Step {
        desk,
        ocr,
        limiter,
        now,
    };
    // A stage that panics on some odd mail must not take the daemon down or lose the mail.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match existing {
        Some(id) => to_existing(id, &incoming, &mut step),
        None => application(&incoming, &mut step, read_ahead),
    }));
    match result {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(Failure::Store(e))) => Err(e),
        Ok(Err(Failure::Stage(reason))) => quarantine(desk, &key, raw, Some(&mail), &reason, now),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            quarantine(
                desk,
                &key,
                raw,
                Some(&mail),
                &format!("pemrosesan gagal karena kesalahan program ({what})"),
                now,
            )
        }
    }
}

/// The mail being handled, with the key it is recorded under.
#[derive(Clone, Copy)]
struct Incoming<'a> {
    mail: &'a ParsedMail,
    key: &'a MailKey,
    raw: &'a [u8],
}

/// What handling one mail works with besides the mail itself.
struct Step<'a, 'd> {
    desk: &'a Desk<'d>,
    ocr: &'a mut dyn Ocr,
    limiter: &'a mut ReplyLimiter,
    now: DateTime<Utc>,
}

enum Failure {
    /// The store failed: the mail stays in the inbox and is tried again.
    Store(CaseError),
    /// A stage could not handle this mail: it goes to quarantine, and the reason, in
    /// Indonesian, to the verifiers.
    Stage(String),
}

impl From<CaseError> for Failure {
    fn from(e: CaseError) -> Failure {
        Failure::Store(e)
    }
}

fn quarantine(
    desk: &Desk<'_>,
    key: &MailKey,
    raw: &[u8],
    mail: Option<&ParsedMail>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, CaseError> {
    tracing::warn!(reason, "mail quarantined");
    let notice = compose::quarantine_notice(
        &desk.config.office,
        mail.and_then(|m| m.from.as_deref()),
        mail.and_then(|m| m.subject.as_deref()),
        mail.and_then(|m| m.message_id.as_deref()),
        reason,
        now,
    );
    desk.store
        .record_without_case(key, raw, Seen::Quarantined, reason, now, vec![notice])?;
    Ok(Outcome::Quarantined(reason.to_string()))
}

fn stored_mail(mail: &ParsedMail, key: &MailKey, role: MailRole, now: DateTime<Utc>) -> StoredMail {
    StoredMail {
        sha256: key.sha256.clone(),
        message_id: mail.message_id.clone(),
        from: mail.from.clone(),
        subject: mail.subject.clone(),
        received_at: now,
        role,
    }
}

fn attachments_of(mail: &ParsedMail, report: Option<&Report>) -> Vec<(StoredAttachment, Vec<u8>)> {
    mail.attachments
        .iter()
        .map(|att| {
            let kind = report
                .and_then(|r| r.documents.iter().find(|d| d.filename == att.filename))
                .map(|d| d.kind.as_str())
                .unwrap_or("other");
            (
                StoredAttachment {
                    filename: att.filename.clone(),
                    kind: kind.to_string(),
                    file_type: serde_json::to_value(att.file_type)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    size: att.data.len() as u64,
                    sha256: sha256_hex(&att.data),
                    mail: mail.message_id.clone(),
                },
                att.data.clone(),
            )
        })
        .collect()
}

fn applicant_record(report: &Report, reply_to: &str) -> ApplicantRecord {
    ApplicantRecord {
        reply_to: reply_to.to_string(),
        fields: report.applicant.clone(),
    }
}

/// Every attachment of `mails` as the report read it, linked to its stored bytes by SHA-256;
/// the report read them in this order.
fn stored_documents(mails: &[&ParsedMail], report: &Report) -> Vec<StoredDocument> {
    mails
        .iter()
        .flat_map(|m| &m.attachments)
        .zip(&report.read)
        .map(|(att, doc)| StoredDocument::of(doc, sha256_hex(&att.data)))
        .collect()
}

/// Whom the new case goes to when the office assigns verifiers itself: round robin by number.
fn round_robin(config: &Config, id: CaseId) -> &Person {
    let verifiers = &config.office.verifiers;
    &verifiers[(id.seq as usize - 1) % verifiers.len()]
}

fn reply_allowed(
    desk: &Desk<'_>,
    limiter: &mut ReplyLimiter,
    to: &str,
    now: DateTime<Utc>,
) -> bool {
    let ok = limiter.allow(to, desk.config.replies.per_sender_per_hour, now);
    if !ok {
        tracing::warn!("reply limit reached for a sender; mail processed without a reply");
    }
    ok
}

fn application(
    incoming: &Incoming<'_>,
    step: &mut Step<'_, '_>,
    read_ahead: Option<Report>,
) -> Result<Outcome, Failure> {
    let Incoming { mail, key, raw } = *incoming;
    let (desk, now, ocr, limiter) = (step.desk, step.now, &mut *step.ocr, &mut *step.limiter);
    let Some(from) = mail.from.clone() else {
        return Err(Failure::Stage(
            "surel tidak memiliki alamat pengirim, sehingga tidak dapat dibalas".into(),
        ));
    };
    let report = match read_ahead {
        Some(report) => report,
        None => inspect_mails(mail, &[], desk.rules, ocr, today(now))
            .map_err(|e| Failure::Stage(format!("lampiran tidak dapat dibaca: {e}")))?,
    };
    let attachments = attachments_of(mail, Some(&report));
    let may_reply = reply_allowed(desk, limiter, &from, now);
    let office = &desk.config.office;

    if let Some(nik) = report.applicant.nik.as_deref()
        && let Some(id) = desk.store.find_by_nik(nik)?
    {
        desk.store
            .add_mail(id, key, raw, &attachments, now, |case: &mut Case| {
                case.mails
                    .push(stored_mail(mail, key, MailRole::Duplicate, now));
                case.linked.push(from.clone());
                case.record(
                    Actor::Applicant(from.clone()),
                    EventKind::DuplicateLinked { from: from.clone() },
                    mail.message_id.clone(),
                    now,
                );
                let mid = mail.message_id.as_deref();
                if from.eq_ignore_ascii_case(&case.applicant.reply_to) {
                    let notice = compose::duplicate_notice(office, case, mid, now);
                    return if may_reply { vec![notice] } else { Vec::new() };
                }
                // Anyone can type another person's NIK: the sender learns nothing of the case,
                // and its applicant and verifier learn that someone tried.
                let mut out = vec![compose::duplicate_alert(office, case, &from, now)];
                if may_reply {
                    out.push(compose::received_neutral(office, &from, mid, now));
                }
                out
            })?;
        tracing::info!(case = %id, "duplicate application linked");
        return Ok(Outcome::Duplicate(id));
    }

    let id = desk.store.open_case(key, raw, &attachments, now, |id| {
        let mut case = Case::new(
            id,
            now,
            applicant_record(&report, &from),
            mail.subject.clone(),
        );
        case.mails
            .push(stored_mail(mail, key, MailRole::Application, now));
        case.attachments = attachments.iter().map(|(a, _)| a.clone()).collect();
        case.checklist = recheck::merged(&report.checklist, &[]);
        case.documents = stored_documents(&[mail], &report);
        case.body = Some(report.body.clone());
        if let Some(mid) = &mail.message_id {
            case.thread.push(mid.clone());
        }
        let mut out = Vec::new();
        if may_reply {
            out.push(compose::acknowledgement(
                office,
                &case,
                mail.message_id.as_deref(),
                now,
            ));
        }
        if office.auto_assign {
            let verifier = round_robin(desk.config, id);
            case.assign(&verifier.email, Actor::System, now);
            out.push(compose::verifier_assigned(office, &case, verifier, now));
        } else {
            out.push(compose::disposition_request(office, &case, now));
        }
        (case, out)
    })?;
    tracing::info!(case = %id, problems = report.problems.len(), "case opened");
    Ok(Outcome::Opened(id))
}

fn to_existing(
    id: CaseId,
    incoming: &Incoming<'_>,
    step: &mut Step<'_, '_>,
) -> Result<Outcome, Failure> {
    let Incoming { mail, key, raw } = *incoming;
    let (desk, now, ocr, limiter) = (step.desk, step.now, &mut *step.ocr, &mut *step.limiter);
    let Some(case) = desk.store.get(id)? else {
        return Err(Failure::Store(CaseError::NotFound(id)));
    };
    let from = mail.from.clone().unwrap_or_default();
    let office = &desk.config.office;
    let mid = mail.message_id.clone();

    if desk.config.is_staff(&from) {
        let authserv_id = desk.config.intake.authserv_id.as_deref();
        if let Err(why) = vouch(raw, authserv_id, &from) {
            return unverified_staff_mail(&case, incoming, desk, now, &why.to_string());
        }
        if case.state == State::RekomendasiDikirim
            && mail
                .attachments
                .iter()
                .any(|a| a.file_type == FileType::Pdf)
        {
            return signed_letter(&case, incoming, desk, now);
        }
        let command = if from.eq_ignore_ascii_case(&office.kadis.email) {
            disposition_command(&mail.body, desk.config, id)
        } else {
            None
        };
        desk.store
            .add_mail(id, key, raw, &[], now, |case: &mut Case| {
                case.mails
                    .push(stored_mail(mail, key, MailRole::Staff, now));
                match command {
                    Some(verifier) if case.state == State::Diterima => {
                        case.assign(&verifier.email, Actor::Kadis(from.clone()), now);
                        vec![compose::verifier_assigned(office, case, verifier, now)]
                    }
                    _ => {
                        keep_note(case, mail, Actor::Staff(from.clone()), now);
                        Vec::new()
                    }
                }
            })?;
        return Ok(Outcome::Staff(id));
    }

    if !from.eq_ignore_ascii_case(&case.applicant.reply_to) || case.state.is_closed() {
        desk.store
            .add_mail(id, key, raw, &[], now, |case: &mut Case| {
                case.mails.push(stored_mail(mail, key, MailRole::Note, now));
                keep_note(case, mail, Actor::System, now);
                Vec::new()
            })?;
        tracing::info!(case = %id, "mail from another sender kept as a note");
        return Ok(Outcome::Note(id));
    }

    // The checklist is re-run over every mail the applicant sent for this case.
    let mut earlier = Vec::new();
    for (stored, bytes) in desk.store.case_mails(id)? {
        if matches!(stored.role, MailRole::Application | MailRole::FollowUp)
            && let Ok(parsed) = parse_mail(&bytes)
        {
            earlier.push(parsed);
        }
    }
    earlier.push(mail.clone());
    let (first, later) = earlier.split_first().expect("at least this mail");
    let report = inspect_mails(first, later, desk.rules, ocr, today(now))
        .map_err(|e| Failure::Stage(format!("lampiran tidak dapat dibaca: {e}")))?;
    let attachments = attachments_of(mail, Some(&report));
    let documents = stored_documents(&earlier.iter().collect::<Vec<_>>(), &report);
    let may_reply = reply_allowed(desk, limiter, &from, now);
    desk.store
        .add_mail(id, key, raw, &attachments, now, |case: &mut Case| {
            case.mails
                .push(stored_mail(mail, key, MailRole::FollowUp, now));
            case.attachments
                .extend(attachments.iter().map(|(a, _)| a.clone()));
            case.applicant = applicant_record(&report, &case.applicant.reply_to);
            keep_edits(case);
            case.documents = documents.clone();
            case.body = Some(report.body.clone());
            case.checklist = recheck::rerun(&desk.rules.checklist, case, today(now))
                .unwrap_or_else(|| recheck::merged(&report.checklist, &case.checklist));
            case.record(
                Actor::Applicant(from.clone()),
                EventKind::MailAdded {
                    attachments: attachments.len(),
                },
                mid.clone(),
                now,
            );
            if case.state == State::MenungguKelengkapan {
                // The applicant answered the request: back to the verifier.
                let _ =
                    case.transition(State::Verifikasi, Actor::Applicant(from.clone()), now, None);
            }
            if may_reply {
                vec![compose::checklist_update(office, case, mid.as_deref(), now)]
            } else {
                Vec::new()
            }
        })?;
    tracing::info!(case = %id, problems = report.problems.len(), "follow-up added");
    Ok(Outcome::FollowUp(id))
}

/// A mail from a staff address that the office's mail server did not vouch for: kept as a note
/// with the reason, acted on not at all, and the verifiers told.
fn unverified_staff_mail(
    case: &Case,
    incoming: &Incoming<'_>,
    desk: &Desk<'_>,
    now: DateTime<Utc>,
    reason: &str,
) -> Result<Outcome, Failure> {
    let Incoming { mail, key, raw } = *incoming;
    let from = mail.from.clone().unwrap_or_default();
    let office = &desk.config.office;
    let attachments = attachments_of(mail, None);
    desk.store
        .add_mail(case.id, key, raw, &attachments, now, |case: &mut Case| {
            case.mails.push(stored_mail(mail, key, MailRole::Note, now));
            case.attachments
                .extend(attachments.iter().map(|(a, _)| a.clone()));
            case.record(
                Actor::System,
                EventKind::StaffMailUnverified {
                    from: from.clone(),
                    reason: reason.to_string(),
                },
                mail.message_id.clone(),
                now,
            );
            vec![compose::unverified_staff_mail(
                office, case, &from, reason, now,
            )]
        })?;
    tracing::warn!(case = %case.id, %reason, "mail from a staff address not vouched for; kept as a note");
    Ok(Outcome::Note(case.id))
}

/// A staff mail with PDFs for a case whose letter awaits signing: the first PDF that is this
/// case's letter, validly signed, is kept and moves the case on; otherwise the sender is told
/// why and the case stays as it was (the mail itself is kept).
fn signed_letter(
    case: &Case,
    incoming: &Incoming<'_>,
    desk: &Desk<'_>,
    now: DateTime<Utc>,
) -> Result<Outcome, Failure> {
    let Incoming { mail, key, raw } = *incoming;
    let from = mail.from.clone().unwrap_or_default();
    let office = &desk.config.office;
    let actor = if from.eq_ignore_ascii_case(&office.kadis.email) {
        Actor::Kadis(from.clone())
    } else {
        Actor::Staff(from.clone())
    };
    let mut first_refusal = None;
    let accepted = mail
        .attachments
        .iter()
        .filter(|a| a.file_type == FileType::Pdf)
        .find_map(
            |att| match check_signed_letter(&att.data, case, desk.signing, now) {
                Ok(info) => Some((sha256_hex(&att.data), info)),
                Err(reason) => {
                    first_refusal.get_or_insert(reason);
                    None
                }
            },
        );
    let verdict = accepted.ok_or_else(|| first_refusal.unwrap_or_default());
    let mut attachments = attachments_of(mail, None);
    for (a, _) in &mut attachments {
        if a.file_type == "pdf" {
            a.kind = DocKind::Letter.as_str().to_string();
        }
    }
    let mid = mail.message_id.clone();
    let refuse = |case: &mut Case, reason: &str| {
        case.record(
            actor.clone(),
            EventKind::SignedLetterRefused {
                reason: reason.to_string(),
            },
            mid.clone(),
            now,
        );
        vec![compose::signed_letter_refused(
            office,
            case,
            &from,
            reason,
            mid.as_deref(),
            now,
        )]
    };
    desk.store
        .add_mail(case.id, key, raw, &attachments, now, |case: &mut Case| {
            case.mails
                .push(stored_mail(mail, key, MailRole::Staff, now));
            case.attachments
                .extend(attachments.iter().map(|(a, _)| a.clone()));
            match &verdict {
                Ok((sha256, info)) => {
                    let accepted =
                        accept_signed_letter(case, desk.config, info, sha256, actor.clone(), now);
                    accepted.unwrap_or_else(|e| refuse(case, &e.keterangan()))
                }
                Err(reason) => refuse(case, reason),
            }
        })?;
    match &verdict {
        Ok((_, info)) => {
            tracing::info!(case = %case.id, signer = %info.signer_name, "signed letter accepted")
        }
        Err(reason) => tracing::info!(case = %case.id, %reason, "signed letter refused"),
    }
    Ok(Outcome::Staff(case.id))
}

fn keep_note(case: &mut Case, mail: &ParsedMail, actor: Actor, now: DateTime<Utc>) {
    case.record(
        actor,
        EventKind::NoteKept {
            from: mail.from.clone().unwrap_or_default(),
            subject: mail.subject.clone(),
        },
        mail.message_id.clone(),
        now,
    );
}

/// The Kadis's answer to a disposition request: "disposisi ke <verifier>" names one (by name
/// or address), "setuju"/"ok" leaves the choice to round robin. Only the first lines the
/// Kadis wrote count, not the quoted request below them.
pub fn disposition_command<'a>(body: &str, config: &'a Config, id: CaseId) -> Option<&'a Person> {
    let mut lines = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take_while(|l| !l.starts_with('>') && !l.starts_with("On ") && !l.starts_with("Pada "));
    let first = lines.next()?.to_lowercase();
    let words = first.trim_end_matches(['.', '!']);
    if ["setuju", "ok", "oke", "lanjut", "lanjutkan", "disetujui"].contains(&words) {
        return Some(round_robin(config, id));
    }
    let rest = [
        "disposisi ke",
        "disposisikan ke",
        "didisposisikan ke",
        "disp ke",
        "disposisi kepada",
    ]
    .iter()
    .find_map(|p| words.strip_prefix(p))?
    .trim()
    .trim_matches(['<', '>', ' ', ':']);
    if rest.is_empty() {
        return None;
    }
    config.office.verifiers.iter().find(|v| {
        v.email.eq_ignore_ascii_case(rest)
            || v.name.to_lowercase() == rest
            || v.name.to_lowercase().contains(rest)
            || v.email
                .split('@')
                .next()
                .is_some_and(|local| local.eq_ignore_ascii_case(rest))
    })
}
