//! The seen-mail ledger: every processed mail recorded exactly once, by where it was fetched, its
//! Message-ID or its bytes.

use super::blobs::*;
use super::codec::*;
use super::db::*;
use super::outbox::*;
use crate::case::model::{Case, StoredAttachment};
use crate::parse::bare_message_id;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a processed mail is recognised when it shows up again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailKey {
    /// [`crate::intake::Locator::key`] of where it was fetched.
    pub locator: Option<String>,
    /// Message-ID, with or without angle brackets.
    pub message_id: Option<String>,
    /// [`sha256_hex`] of the raw bytes.
    pub sha256: String,
}

impl MailKey {
    pub fn new(locator: Option<String>, message_id: Option<String>, raw: &[u8]) -> MailKey {
        MailKey {
            locator,
            message_id,
            sha256: sha256_hex(raw),
        }
    }

    pub(super) fn message_id(&self) -> Option<&str> {
        self.message_id
            .as_deref()
            .map(bare_message_id)
            .filter(|id| !id.is_empty())
    }
}

/// Keys under which `seen` looks for a mail, in order: where it was fetched, else its
/// Message-ID, else (only without one) its bytes.
pub(super) fn seen_probes(key: &MailKey) -> Vec<Vec<u8>> {
    let mut probes = Vec::with_capacity(2);
    if let Some(locator) = &key.locator {
        probes.push(prefixed("loc:", locator));
    }
    match key.message_id() {
        Some(id) => probes.push(prefixed("mid:", id)),
        None => probes.push(prefixed("sha:", &key.sha256)),
    }
    probes
}

impl Tx<'_> {
    pub(super) fn seen<E>(&self, key: &MailKey) -> TxResult<Option<Seen>, E> {
        for probe in seen_probes(key) {
            if let Some(bytes) = self.mails.get(&probe)? {
                let name = format!("mails/{}", String::from_utf8_lossy(&probe));
                return Ok(Some(decode(&name, &bytes)?));
            }
        }
        Ok(None)
    }

    /// Records the mail as `seen` under every key it may be looked up by, refusing a mail
    /// already recorded: two intake loops, or a retried call, cannot process it twice.
    pub(super) fn record_seen<E>(&self, key: &MailKey, seen: &Seen) -> TxResult<(), E> {
        if let Some(before) = self.seen(key)? {
            return Err(CaseError::AlreadyRecorded(before).into());
        }
        let value = encode(seen);
        if let Some(locator) = &key.locator {
            self.mails
                .insert(prefixed("loc:", locator), value.clone())?;
        }
        if let Some(id) = key.message_id() {
            self.mails.insert(prefixed("mid:", id), value.clone())?;
        }
        self.mails.insert(prefixed("sha:", &key.sha256), value)?;
        Ok(())
    }

    /// Stores a mail and its attachments as part of `case`, which must already list the mail.
    pub(super) fn take_mail<E>(
        &self,
        case: &mut Case,
        key: &MailKey,
        raw: &[u8],
        attachments: &[(StoredAttachment, Vec<u8>)],
    ) -> TxResult<(), E> {
        if !case.mails.iter().any(|m| m.sha256 == key.sha256) {
            return Err(CaseError::Misuse(format!(
                "case {} does not list the mail it was given (sha256 {})",
                case.id, key.sha256
            ))
            .into());
        }
        self.record_seen(key, &Seen::Case(case.id))?;
        self.put_blob(&key.sha256, raw)?;
        for (att, bytes) in attachments {
            self.put_blob(&att.sha256, bytes)?;
            if !case.attachments.contains(att) {
                case.attachments.push(att.clone());
            }
        }
        if let Some(id) = key.message_id()
            && !case.thread.iter().any(|t| t == id)
        {
            case.thread.push(id.to_string());
        }
        Ok(())
    }
}

impl CaseStore {
    /// What became of this mail, if it was processed before.
    pub fn seen(&self, key: &MailKey) -> Result<Option<Seen>, CaseError> {
        for probe in seen_probes(key) {
            if let Some(bytes) = self.mails.get(&probe)? {
                let name = format!("mails/{}", String::from_utf8_lossy(&probe));
                return decode(&name, &bytes).map(Some);
            }
        }
        Ok(None)
    }

    /// Records a mail that opens no case: quarantined (raw bytes and a [`QuarantineRecord`] kept)
    /// or ignored (only remembered as seen), with `outbox` queued (for instance to tell the
    /// verifiers).
    pub fn record_without_case(
        &self,
        key: &MailKey,
        raw: &[u8],
        seen: Seen,
        reason: &str,
        now: DateTime<Utc>,
        outbox: Vec<OutgoingMail>,
    ) -> Result<(), CaseError> {
        if let Seen::Case(id) = seen {
            return Err(CaseError::Misuse(format!(
                "record_without_case given case {id}; use open_case or add_mail"
            )));
        }
        check_sha("the mail", &key.sha256, raw)?;
        self.write(|tx| {
            tx.record_seen(key, &seen)?;
            if seen == Seen::Quarantined {
                tx.put_blob(&key.sha256, raw)?;
                let record = QuarantineRecord {
                    at: now,
                    key: key.clone(),
                    reason: reason.to_string(),
                    sha256: key.sha256.clone(),
                };
                let id = tx.next_number(QUARANTINE_COUNTER)?;
                tx.quarantine.insert(&id.to_be_bytes(), encode(&record))?;
            }
            tx.queue(None, outbox.clone(), now)
        })?;
        tracing::info!(sha256 = %key.sha256, %seen, "mail recorded without a case");
        Ok(())
    }
}

/// A mail that could not be processed; its raw bytes are in the blob tree under `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineRecord {
    pub at: DateTime<Utc>,
    pub key: MailKey,
    pub reason: String,
    pub sha256: String,
}

pub(super) const QUARANTINE_COUNTER: &[u8] = b"quarantine";
