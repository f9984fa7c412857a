//! The outbox: mails queued in a case's transaction, sent with retries, dead letters kept.

use super::blobs::*;
use super::codec::*;
use super::db::*;
use crate::case::model::{Actor, Case, CaseId, EventKind, Purpose};
use crate::parse::bare_message_id;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sled::Tree;

/// A finished message, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutgoingMail {
    pub purpose: Purpose,
    /// Envelope sender (the desk's address).
    pub from: String,
    /// Envelope recipients.
    pub to: Vec<String>,
    /// Message-ID of this mail (without angle brackets), also in `raw`.
    pub message_id: String,
    /// The whole RFC 5322 message.
    pub raw: Vec<u8>,
}

/// A mail waiting to be sent (or, in the dead-letter list, one that never will be).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: u64,
    pub case: Option<CaseId>,
    pub mail: OutgoingMail,
    /// Failed attempts so far.
    pub attempts: u32,
    pub next_attempt: DateTime<Utc>,
    pub last_error: Option<String>,
}

/// Where a mail sertel queued for a case stands, as the case's history tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// In the outbox, also after failures that will be retried.
    Waiting,
    Sent {
        at: DateTime<Utc>,
    },
    /// Refused for good; it stays in the dead-letter list.
    Failed {
        at: DateTime<Utc>,
        error: String,
    },
}

/// A mail sertel queued for a case, from the case's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    pub outbox: u64,
    /// The raw message's blob; `None` for mails queued before the history kept it.
    pub sha256: Option<String>,
    pub message_id: Option<String>,
    /// The recipients, comma-separated.
    pub to: String,
    pub purpose: Purpose,
    pub queued_at: DateTime<Utc>,
    pub delivery: Delivery,
}

/// A queued mail with the raw message it was queued with; `raw` is `None` only for a mail
/// queued before its history event named its blob and no longer in the outbox or the
/// dead-letter list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingCopy {
    pub mail: QueuedMail,
    pub raw: Option<Vec<u8>>,
}

/// Every mail queued for `case`, in the order it was queued, with how each one fared.
pub fn queued_mails(case: &Case) -> Vec<QueuedMail> {
    let mut mails: Vec<QueuedMail> = Vec::new();
    for event in &case.history {
        match &event.what {
            EventKind::MailQueued {
                outbox,
                to,
                purpose,
                sha256,
            } => mails.push(QueuedMail {
                outbox: *outbox,
                sha256: sha256.clone(),
                message_id: event.mail.clone(),
                to: to.clone(),
                purpose: *purpose,
                queued_at: event.at,
                delivery: Delivery::Waiting,
            }),
            EventKind::MailSent { outbox } => {
                if let Some(mail) = mails.iter_mut().find(|m| m.outbox == *outbox) {
                    mail.delivery = Delivery::Sent { at: event.at };
                }
            }
            EventKind::MailFailed { outbox, error } => {
                if let Some(mail) = mails.iter_mut().find(|m| m.outbox == *outbox) {
                    mail.delivery = Delivery::Failed {
                        at: event.at,
                        error: error.clone(),
                    };
                }
            }
            _ => {}
        }
    }
    mails
}

pub(super) const OUTBOX_COUNTER: &[u8] = b"outbox";

/// The outbox as kept on disk: the raw message is a blob, not a JSON array of numbers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct OutboxRecord {
    pub(super) case: Option<CaseId>,
    pub(super) purpose: Purpose,
    pub(super) from: String,
    pub(super) to: Vec<String>,
    pub(super) message_id: String,
    pub(super) raw_sha256: String,
    pub(super) attempts: u32,
    pub(super) next_attempt: DateTime<Utc>,
    pub(super) last_error: Option<String>,
}

/// Transient failures wait 15 s, 30 s, 1 min, … up to 30 min.
pub(super) fn backoff(attempts: u32) -> TimeDelta {
    let exponent = attempts.saturating_sub(1).min(16);
    TimeDelta::seconds((15i64 << exponent).min(30 * 60))
}

impl Tx<'_> {
    /// Puts `mails` in the outbox; with a case, records each in its history and thread.
    pub(super) fn queue<E>(
        &self,
        mut case: Option<&mut Case>,
        mails: Vec<OutgoingMail>,
        now: DateTime<Utc>,
    ) -> TxResult<(), E> {
        for mail in mails {
            let id = self.next_number(OUTBOX_COUNTER)?;
            let raw_sha256 = sha256_hex(&mail.raw);
            self.put_blob(&raw_sha256, &mail.raw)?;
            let sha256 = Some(raw_sha256.clone());
            let message_id = bare_message_id(&mail.message_id).to_string();
            let record = OutboxRecord {
                case: case.as_ref().map(|c| c.id),
                purpose: mail.purpose,
                from: mail.from,
                to: mail.to,
                message_id: message_id.clone(),
                raw_sha256,
                attempts: 0,
                next_attempt: now,
                last_error: None,
            };
            self.outbox.insert(&id.to_be_bytes(), encode(&record))?;
            if let Some(case) = case.as_deref_mut() {
                case.record(
                    Actor::System,
                    EventKind::MailQueued {
                        outbox: id,
                        to: record.to.join(", "),
                        purpose: record.purpose,
                        sha256,
                    },
                    Some(message_id.clone()),
                    now,
                );
                if !case.thread.contains(&message_id) {
                    case.thread.push(message_id);
                }
            }
        }
        Ok(())
    }

    pub(super) fn outbox_record<E>(&self, id: u64) -> TxResult<OutboxRecord, E> {
        match self.outbox.get(id.to_be_bytes())? {
            Some(bytes) => Ok(decode(&format!("outbox/{id}"), &bytes)?),
            None => Err(CaseError::OutboxNotFound(id).into()),
        }
    }
}

impl CaseStore {
    /// Forgets the dead letters of case `id`, whose raw mails are about to be erased.
    pub fn forget_dead_letters_of(&self, id: CaseId) -> Result<usize, CaseError> {
        let mut forgotten = 0;
        for (key, record) in self.records(&self.dead, "dead")? {
            if record.case == Some(id) {
                self.dead.remove(key.to_be_bytes())?;
                forgotten += 1;
            }
        }
        self.note_failure(self.db.flush().map_err(CaseError::from))?;
        Ok(forgotten)
    }

    /// Every mail sertel queued for case `id`, oldest first, with its raw bytes.
    pub fn case_outgoing(&self, id: CaseId) -> Result<Vec<OutgoingCopy>, CaseError> {
        let case = self.get(id)?.ok_or(CaseError::NotFound(id))?;
        queued_mails(&case)
            .into_iter()
            .map(|mail| {
                let raw = match &mail.sha256 {
                    Some(sha256) if case.erased.is_some() => self.blob(sha256)?,
                    Some(sha256) => Some(self.blob_of(sha256, &case_name(id))?),
                    None => self.raw_of_entry(mail.outbox)?,
                };
                Ok(OutgoingCopy { mail, raw })
            })
            .collect()
    }

    /// The raw message of outbox entry `id` while the outbox or the dead-letter list holds it.
    pub(super) fn raw_of_entry(&self, id: u64) -> Result<Option<Vec<u8>>, CaseError> {
        for (tree, name) in [(&self.outbox, "outbox"), (&self.dead, "dead")] {
            if let Some(bytes) = tree.get(id.to_be_bytes())? {
                let record: OutboxRecord = decode(&format!("{name}/{id}"), &bytes)?;
                return self.blob(&record.raw_sha256);
            }
        }
        Ok(None)
    }

    /// The records of an outbox-like tree (`outbox` or `dead`), by id.
    pub(super) fn records(
        &self,
        tree: &Tree,
        name: &str,
    ) -> Result<Vec<(u64, OutboxRecord)>, CaseError> {
        tree.iter()
            .map(|entry| {
                let (key, bytes) = entry?;
                let id = key
                    .as_ref()
                    .try_into()
                    .map(u64::from_be_bytes)
                    .map_err(|_| {
                        corrupt(
                            format!("{name}/{}", hex::encode(&key)),
                            "key is not 8 bytes",
                        )
                    })?;
                Ok((id, decode(&format!("{name}/{id}"), &bytes)?))
            })
            .collect()
    }

    /// The entry with its raw message, from the blob tree.
    pub(super) fn entry(
        &self,
        id: u64,
        r: OutboxRecord,
        name: &str,
    ) -> Result<OutboxEntry, CaseError> {
        let raw = self.blob_of(&r.raw_sha256, &format!("{name}/{id}"))?;
        Ok(OutboxEntry {
            id,
            case: r.case,
            mail: OutgoingMail {
                purpose: r.purpose,
                from: r.from,
                to: r.to,
                message_id: r.message_id,
                raw,
            },
            attempts: r.attempts,
            next_attempt: r.next_attempt,
            last_error: r.last_error,
        })
    }

    pub(super) fn entries(&self, tree: &Tree, name: &str) -> Result<Vec<OutboxEntry>, CaseError> {
        self.records(tree, name)?
            .into_iter()
            .map(|(id, record)| self.entry(id, record, name))
            .collect()
    }

    /// Mails due by `now`, in the order they were queued, at most `limit`.
    pub fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<OutboxEntry>, CaseError> {
        self.records(&self.outbox, "outbox")?
            .into_iter()
            .filter(|(_, record)| record.next_attempt <= now)
            .take(limit)
            .map(|(id, record)| self.entry(id, record, "outbox"))
            .collect()
    }

    /// When the next mail falls due, if any is waiting.
    pub fn next_due(&self) -> Result<Option<DateTime<Utc>>, CaseError> {
        Ok(self
            .records(&self.outbox, "outbox")?
            .into_iter()
            .map(|(_, record)| record.next_attempt)
            .min())
    }

    /// The mail went out: off the outbox, and `MailSent` in its case's history.
    pub fn mark_sent(&self, id: u64, now: DateTime<Utc>) -> Result<(), CaseError> {
        self.write(|tx| {
            let record = tx.outbox_record(id)?;
            tx.outbox.remove(&id.to_be_bytes())?;
            tx.note_on_case(&record, EventKind::MailSent { outbox: id }, now)
        })
    }

    /// Sending failed. A transient failure is retried after a backoff; a permanent one moves the
    /// mail to the dead-letter list ([`CaseStore::dead_letters`]) and into its case's history.
    pub fn mark_failed(
        &self,
        id: u64,
        now: DateTime<Utc>,
        error: &str,
        permanent: bool,
    ) -> Result<(), CaseError> {
        let attempts = self.write(|tx| {
            let mut record = tx.outbox_record(id)?;
            record.attempts = record.attempts.saturating_add(1);
            record.last_error = Some(error.to_string());
            if permanent {
                tx.outbox.remove(&id.to_be_bytes())?;
                tx.dead.insert(&id.to_be_bytes(), encode(&record))?;
                tx.note_on_case(
                    &record,
                    EventKind::MailFailed {
                        outbox: id,
                        error: error.to_string(),
                    },
                    now,
                )?;
            } else {
                record.next_attempt = now + backoff(record.attempts);
                tx.outbox.insert(&id.to_be_bytes(), encode(&record))?;
            }
            Ok(record.attempts)
        })?;
        if permanent {
            tracing::warn!(outbox = id, attempts, "mail moved to the dead-letter list");
        } else {
            tracing::info!(outbox = id, attempts, "mail will be retried");
        }
        Ok(())
    }

    /// Everything waiting to be sent, in the order it was queued.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, CaseError> {
        self.entries(&self.outbox, "outbox")
    }

    /// Mails that failed for good, kept for staff to see and resend by hand.
    pub fn dead_letters(&self) -> Result<Vec<OutboxEntry>, CaseError> {
        self.entries(&self.dead, "dead")
    }
}
