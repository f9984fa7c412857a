//! The daemon: one mail from intake to a durable case and queued replies ([`process_next`]),
//! the outbox sender ([`send_due`]), and the loops that run them with reconnects and a clean
//! stop on SIGTERM ([`run`]).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, watch};

use crate::case::store::{CaseError, CaseStore, MailKey, Seen};
use crate::case::{
    Actor, ApplicantRecord, Case, CaseId, EventKind, MailRole, State, StoredAttachment,
    StoredDocument, StoredMail,
};
use crate::case::{escalate, retention};
use crate::checklist;
use crate::classify::DocKind;
use crate::config::{Config, Person};
use crate::inspect::{Report, inspect_mails};
use crate::intake::vouch::vouch;
use crate::intake::{Fetched, IntakeError, Locator, Mailbox};
use crate::outbound::{SendError, Transport, compose};
use crate::parse::{FileType, ParsedMail, parse_mail};
use crate::rules::Rules;
use crate::signature::TrustAnchors;
use crate::staff;
use crate::text::ocr::Ocr;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Store(#[from] CaseError),
    #[error("the case store cannot write (disk full or failing)")]
    Unwritable,
    #[error(transparent)]
    Intake(#[from] IntakeError),
}

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

/// What every step needs besides the mail: the office, its rules, its cases.
pub struct Desk<'a> {
    pub config: &'a Config,
    pub rules: &'a Rules,
    pub store: &'a CaseStore,
    /// Whose signatures on recommendation letters are accepted.
    pub anchors: &'a TrustAnchors,
}

/// What a [`Desk`] borrows, owned, for tasks that outlive one call (the control socket, the
/// web desk).
pub struct Services {
    pub config: Config,
    pub rules: Rules,
    pub store: CaseStore,
    pub anchors: TrustAnchors,
}

impl Services {
    pub fn desk(&self) -> Desk<'_> {
        Desk {
            config: &self.config,
            rules: &self.rules,
            store: &self.store,
            anchors: &self.anchors,
        }
    }
}

/// Replies per sender in the last hour, so a loop with a robot that slipped through, or one
/// person sending fifty mails, does not make sertel flood anybody.
#[derive(Default)]
pub struct ReplyLimiter {
    sent: HashMap<String, VecDeque<DateTime<Utc>>>,
}

impl ReplyLimiter {
    fn allow(&mut self, to: &str, limit: u32, now: DateTime<Utc>) -> bool {
        let times = self.sent.entry(to.to_ascii_lowercase()).or_default();
        while times
            .front()
            .is_some_and(|t| now - *t > chrono::Duration::hours(1))
        {
            times.pop_front();
        }
        if times.len() >= limit as usize {
            return false;
        }
        times.push_back(now);
        true
    }
}

/// Queues the reminders of every case whose step passed its time standard in working time,
/// each recorded in the case's history in the same transaction, so none goes twice.
pub fn remind(desk: &Desk<'_>, now: DateTime<Utc>) -> Result<usize, CaseError> {
    let standards = &desk.config.standards;
    let office = &desk.config.office;
    let mut queued = 0;
    for case in desk.store.list()? {
        let due = escalate::due(&case, standards, now).len();
        if due == 0 {
            continue;
        }
        desk.store
            .update(case.id, now, |case| {
                let mut mails = Vec::new();
                for (t, second) in escalate::due(case, standards, now) {
                    let mail = compose::reminder(office, case, &t, second, now);
                    case.record(
                        Actor::System,
                        EventKind::ReminderSent {
                            step: t.step,
                            to: mail.to.join(", "),
                            second,
                        },
                        None,
                        now,
                    );
                    mails.push(mail);
                }
                Ok::<_, std::convert::Infallible>(mails)
            })?
            .unwrap_or_else(|never| match never {});
        queued += due;
        tracing::info!(case = %case.id, reminders = due, "time-standard reminders queued");
    }
    Ok(queued)
}

/// How often an idle daemon erases what its retention no longer keeps.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);
/// How often an idle daemon looks for steps past their time standard.
const REMINDERS_EVERY: Duration = Duration::from_secs(60);

/// Whether `every` has passed since `last` (or it never ran); if so, `last` becomes now.
fn time_for(last: &mut Option<std::time::Instant>, every: Duration) -> bool {
    let due = last.is_none_or(|at| at.elapsed() >= every);
    if due {
        *last = Some(std::time::Instant::now());
    }
    due
}

/// Test hook for the crash tests: with `SERTEL_PAUSE_AT=<stage>` the daemon writes
/// `SERTEL_PAUSE_FILE` and stops there until killed, so a test can `kill -9` it at exactly
/// that point. Unset, it costs one environment lookup per stage.
fn pause_point(stage: &str) {
    if std::env::var("SERTEL_PAUSE_AT").is_ok_and(|s| s == stage) {
        if let Ok(file) = std::env::var("SERTEL_PAUSE_FILE") {
            let _ = std::fs::write(file, stage);
        }
        tracing::warn!(stage, "paused for a crash test");
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
}

/// Takes the oldest waiting mail through the pipeline: stored durably first, then moved out
/// of the inbox. A crash between the two leaves it in the inbox, and the next run finds it
/// recorded and only moves it.
///
/// With a [`Lookahead`], this mail and the ones waiting behind it are read on the lookahead's
/// threads, so a queue of applications with KTP photos keeps every core busy; cases are still
/// stored one at a time, in inbox order. A mail the lookahead holds is not downloaded again.
pub async fn process_next<M: Mailbox>(
    mailbox: &mut M,
    desk: &Desk<'_>,
    ocr: &mut dyn Ocr,
    limiter: &mut ReplyLimiter,
    lookahead: Option<&mut Lookahead>,
    now: DateTime<Utc>,
) -> Result<Outcome, DaemonError> {
    let limit = lookahead.as_ref().map_or(1, |la| la.depth + 1);
    let waiting = mailbox.list_new(limit).await?;
    let (fetched, read_ahead) = match lookahead {
        Some(la) => {
            // This mail and the ones behind it go to the readers before the daemon waits for
            // this one's reading, so they never stand idle while it does.
            let new: Vec<Locator> = waiting.iter().filter(|at| !la.holds(at)).cloned().collect();
            for next in mailbox.fetch(&new).await? {
                la.submit(next, today(now));
            }
            // The oldest waiting mail that could be fetched; one taken away since the listing
            // is not waiting any more.
            let Some(oldest) = waiting.iter().find(|at| la.holds(at)) else {
                return Ok(Outcome::Idle);
            };
            let Some(taken) = la.take(oldest).await else {
                return Ok(Outcome::Idle);
            };
            taken
        }
        None => match mailbox.fetch(&waiting).await?.into_iter().next() {
            Some(fetched) => (Arc::new(fetched), None),
            None => return Ok(Outcome::Idle),
        },
    };
    pause_point("after_fetch");
    let outcome = handle(&fetched, desk, ocr, limiter, read_ahead, now)?;
    pause_point("after_store");
    pause_point("before_move");
    match &outcome {
        Outcome::Quarantined(_) => mailbox.quarantine(&fetched.locator).await?,
        _ => mailbox.mark_processed(&fetched.locator).await?,
    }
    Ok(outcome)
}

/// Mails read ahead at once: one per core, as each reading keeps a core busy; more would only
/// hold more images in memory.
fn readers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4))
}

type ReadJob = (
    Arc<Fetched>,
    chrono::NaiveDate,
    tokio::sync::oneshot::Sender<Option<Report>>,
);

/// Reads waiting applications on threads of their own, one OCR engine each, while the daemon
/// handles the mails before them. Only the reading is done ahead: what a mail means for the
/// cases is decided when its turn comes.
pub struct Lookahead {
    jobs: std::sync::mpsc::Sender<ReadJob>,
    /// Mails being read or read, in inbox order, each kept until its turn so that it is not
    /// downloaded again meanwhile.
    pending: VecDeque<(Arc<Fetched>, tokio::sync::oneshot::Receiver<Option<Report>>)>,
    /// How many mails are read ahead at most: one per reader keeps them all busy.
    depth: usize,
}

impl Lookahead {
    pub fn start(rules: Rules, readers: usize) -> Result<Lookahead, crate::text::ocr::OcrError> {
        let engines = (0..readers.max(1))
            .map(|_| crate::text::ocr::TesseractOcr::new("ind"))
            .collect::<Result<Vec<_>, _>>()?;
        let depth = engines.len();
        let (jobs, queue) = std::sync::mpsc::channel::<ReadJob>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for mut ocr in engines {
            let (queue, rules) = (queue.clone(), rules.clone());
            std::thread::spawn(move || {
                loop {
                    // The lock is held only to take a job, never while reading one.
                    let job = queue
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .recv();
                    let Ok((fetched, today, reply)) = job else {
                        return;
                    };
                    let report = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let mail = parse_mail(&fetched.raw).ok()?;
                        inspect_mails(&mail, &[], &rules, &mut ocr, today).ok()
                    }))
                    .ok()
                    .flatten();
                    let _ = reply.send(report);
                }
            });
        }
        Ok(Lookahead {
            jobs,
            pending: VecDeque::new(),
            depth,
        })
    }

    fn holds(&self, locator: &Locator) -> bool {
        self.pending.iter().any(|(f, _)| f.locator == *locator)
    }

    fn submit(&mut self, fetched: Fetched, today: chrono::NaiveDate) {
        if self.holds(&fetched.locator) {
            return;
        }
        let fetched = Arc::new(fetched);
        let (reply, report) = tokio::sync::oneshot::channel();
        // With its readers gone the mail is still kept: `take` then gives it without a report,
        // and it is read in turn.
        let _ = self.jobs.send((fetched.clone(), today, reply));
        self.pending.push_back((fetched, report));
    }

    /// This mail and its report read ahead, waiting for the report if the reading is still
    /// going on. Mails before it are dropped: they left the inbox some other way.
    async fn take(&mut self, locator: &Locator) -> Option<(Arc<Fetched>, Option<Report>)> {
        let at = self
            .pending
            .iter()
            .position(|(f, _)| f.locator == *locator)?;
        self.pending.drain(..at);
        let (fetched, report) = self.pending.pop_front()?;
        Some((fetched, report.await.ok().flatten()))
    }
}

fn mail_key(locator: &Locator, message_id: Option<&str>, raw: &[u8]) -> MailKey {
    MailKey {
        locator: Some(locator.key()),
        message_id: message_id.map(str::to_string),
        sha256: hex::encode(Sha256::digest(raw)),
    }
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
            let key = mail_key(&fetched.locator, None, raw);
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
    let key = mail_key(&fetched.locator, mail.message_id.as_deref(), raw);
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

pub fn today(now: DateTime<Utc>) -> chrono::NaiveDate {
    // A mail at 07:30 WITA is today's in the office, though still yesterday in UTC.
    now.with_timezone(&crate::calendar::WITA).date_naive()
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
                    sha256: hex::encode(Sha256::digest(&att.data)),
                    mail: mail.message_id.clone(),
                },
                att.data.clone(),
            )
        })
        .collect()
}

fn applicant_record(report: &Report, reply_to: &str) -> ApplicantRecord {
    let a = &report.applicant;
    ApplicantRecord {
        reply_to: reply_to.to_string(),
        name: a.name.clone(),
        nik: a.nik.clone(),
        nip: a.nip.clone(),
        position: a.position.clone(),
        rank: a.rank.clone(),
        unit: a.unit.clone(),
        phone: a.phone.clone(),
        email: a.email.clone(),
    }
}

/// Every attachment of `mails` as the report read it, linked to its stored bytes by SHA-256;
/// the report read them in this order.
fn stored_documents(mails: &[&ParsedMail], report: &Report) -> Vec<StoredDocument> {
    mails
        .iter()
        .flat_map(|m| &m.attachments)
        .zip(&report.read)
        .map(|(att, doc)| StoredDocument::of(doc, hex::encode(Sha256::digest(&att.data))))
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
        case.checklist = checklist::merged(&report.checklist, &[]);
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
            staff::keep_edits(case);
            case.documents = documents.clone();
            case.body = Some(report.body.clone());
            case.checklist = checklist::rerun(&desk.rules.checklist, case, today(now))
                .unwrap_or_else(|| checklist::merged(&report.checklist, &case.checklist));
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
            |att| match staff::check_signed_letter(&att.data, case, desk.anchors, now) {
                Ok(info) => Some((hex::encode(Sha256::digest(&att.data)), info)),
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
                    let accepted = staff::accept_signed_letter(
                        case,
                        desk.config,
                        info,
                        sha256,
                        actor.clone(),
                        now,
                    );
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

/// Sends every outbox mail that is due. A mail leaves the outbox once the server answered 250
/// to its data: the SMTP transport keeps its connections open, so that answer is the last
/// thing between the server taking the mail and sertel recording it. A crash in that window
/// sends it again on restart (the server sees the same Message-ID). Each mail is sent only
/// after a write to the store succeeded, so a full disk stops the sending instead of letting
/// a mail go out that could not then be recorded as sent.
pub async fn send_due<T: Transport>(
    store: &CaseStore,
    transport: &T,
    now: DateTime<Utc>,
) -> Result<usize, CaseError> {
    let mut sent = 0;
    for entry in store.due(now, 50)? {
        pause_point("before_send");
        store.check_writable(Utc::now())?;
        match transport.send(&entry.mail).await {
            Ok(()) => {
                store.mark_sent(entry.id, Utc::now())?;
                pause_point("after_sent");
                sent += 1;
            }
            Err(SendError::Transient(e)) => {
                tracing::warn!(outbox = entry.id, error = %e, "send failed, will retry");
                store.mark_failed(entry.id, Utc::now(), &e, false)?;
                // The server is likely down for the rest too; try them after the backoff.
                break;
            }
            Err(SendError::Permanent(e)) => {
                tracing::error!(outbox = entry.id, error = %e, "mail refused for good");
                store.mark_failed(entry.id, Utc::now(), &e, true)?;
            }
        }
    }
    Ok(sent)
}

/// Runs until `stop` turns true: the sender in its own task (woken early by `poke` when a
/// change queued mail), intake here.
pub async fn run<M, C, T>(
    desk: &Desk<'_>,
    connect: C,
    transport: T,
    ocr: &mut dyn Ocr,
    mut stop: watch::Receiver<bool>,
    poke: Arc<Notify>,
) -> Result<(), DaemonError>
where
    M: Mailbox,
    C: AsyncFnMut() -> Result<M, IntakeError>,
    T: Transport + Send + Sync + 'static,
{
    // Told when the sender stops because the store cannot write.
    let broken = Arc::new(Notify::new());
    let sender = {
        let store = desk.store.clone();
        let poke = poke.clone();
        let broken = broken.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let mut failing: Option<Duration> = None;
            loop {
                let sent = send_due(&store, &transport, Utc::now()).await;
                if store.unwritable() {
                    tracing::error!("sender stopped: the case store cannot write");
                    broken.notify_one();
                    return;
                }
                match sent {
                    Ok(_) => failing = None,
                    Err(e) => {
                        let backoff = failing.map_or(Duration::from_secs(1), |b| {
                            (b * 2).min(Duration::from_secs(60))
                        });
                        tracing::error!(error = %e, retry_in = ?backoff, "outbox unreadable");
                        failing = Some(backoff);
                    }
                }
                let wait = match store.next_due() {
                    Ok(Some(at)) => (at - Utc::now())
                        .to_std()
                        .unwrap_or(Duration::ZERO)
                        .max(Duration::from_millis(50)),
                    _ => Duration::from_secs(30),
                }
                .min(Duration::from_secs(30))
                .max(failing.unwrap_or(Duration::ZERO));
                tokio::select! {
                    _ = poke.notified() => {}
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => return,
                }
                if *stop.borrow() {
                    return;
                }
            }
        })
    };

    let mut limiter = ReplyLimiter::default();
    let mut lookahead = match Lookahead::start(desk.rules.clone(), readers()) {
        Ok(la) => Some(la),
        Err(e) => {
            tracing::warn!(error = %e, "no OCR engines to read ahead; reading one mail at a time");
            None
        }
    };
    let mut connect = connect;
    let mut backoff = Duration::from_secs(1);
    let poll = Duration::from_secs(30);
    let (mut last_reminders, mut last_retention) = (None, None);
    'outer: while !*stop.borrow() {
        let mut mailbox = match connect().await {
            Ok(m) => {
                backoff = Duration::from_secs(1);
                m
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "mailbox unavailable");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(60));
                continue;
            }
        };
        loop {
            if *stop.borrow() {
                break 'outer;
            }
            if desk.store.unwritable() {
                return Err(unwritable(&poke, sender).await);
            }
            match process_next(
                &mut mailbox,
                desk,
                ocr,
                &mut limiter,
                lookahead.as_mut(),
                Utc::now(),
            )
            .await
            {
                Ok(Outcome::Idle) => {
                    // Both read every case: once a minute, and once an hour, not at every wake.
                    if time_for(&mut last_reminders, REMINDERS_EVERY)
                        && let Err(e) = remind(desk, Utc::now())
                    {
                        tracing::error!(error = %e, "reminders could not be queued");
                    }
                    if time_for(&mut last_retention, RETENTION_EVERY) {
                        match retention::sweep(desk.store, &desk.config.retention, Utc::now()) {
                            Ok(swept) if swept == retention::Swept::default() => {}
                            Ok(swept) => tracing::info!(
                                erased = swept.erased.len(),
                                removed = swept.removed.len(),
                                "retention pass"
                            ),
                            Err(e) => tracing::error!(error = %e, "retention pass failed"),
                        }
                    }
                    let waited = tokio::select! {
                        r = mailbox.wait(poll) => r,
                        _ = stop.changed() => Ok(()),
                        _ = broken.notified() => Ok(()),
                    };
                    if let Err(e) = waited {
                        tracing::warn!(error = %e, "mailbox lost while waiting; reconnecting");
                        continue 'outer;
                    }
                }
                Ok(outcome) => {
                    tracing::info!(?outcome, "mail handled");
                    poke.notify_one();
                    // A mail's images and PDF pages are freed now, but glibc keeps the pages;
                    // hand them back so a burst of large attachments does not ratchet RSS up.
                    // SAFETY: malloc_trim has no preconditions.
                    unsafe { libc::malloc_trim(0) };
                    if lookahead.is_some() {
                        // The readers read the next mails; this engine only what they could not.
                        ocr.release();
                    }
                }
                Err(DaemonError::Intake(e)) => {
                    tracing::warn!(error = %e, "mailbox lost; reconnecting");
                    continue 'outer;
                }
                Err(e @ DaemonError::Unwritable) => return Err(e),
                Err(DaemonError::Store(e)) if e.is_write_failure() => {
                    // The mail stays in the inbox, unmarked; a restart reopens the store.
                    tracing::error!(error = %e, "case store cannot write");
                    return Err(unwritable(&poke, sender).await);
                }
                Err(DaemonError::Store(e)) => {
                    // The mail stays in the inbox; the store may be briefly failing.
                    tracing::error!(error = %e, retry_in = ?backoff, "case store failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stop.changed() => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                }
            }
        }
    }
    let _ = sender.await;
    Ok(())
}

/// Stops the sender and gives the error the daemon exits with, so that its service manager
/// restarts it with the database reopened once the disk takes writes again.
async fn unwritable(poke: &Notify, sender: tokio::task::JoinHandle<()>) -> DaemonError {
    // Woken, the sender sees the store's state and ends.
    poke.notify_one();
    let _ = sender.await;
    tracing::error!(
        "stopping: the case store cannot write (disk full or failing); free space and let the service manager restart sertel"
    );
    DaemonError::Unwritable
}
