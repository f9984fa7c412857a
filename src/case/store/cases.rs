//! Cases: opened, added to and updated in one transaction each, found by NIK and thread.

use super::blobs::*;
use super::codec::*;
use super::db::*;
use super::outbox::*;
use super::seen::*;
use crate::case::model::{Actor, Case, CaseId, EventKind, StoredAttachment, StoredMail, WITA};
use crate::parse::bare_message_id;
use chrono::{DateTime, Datelike, Utc};
use sled::transaction::ConflictableTransactionError;

pub(super) fn unchanged_id<E>(case: &Case, id: CaseId) -> TxResult<(), E> {
    if case.id == id {
        Ok(())
    } else {
        Err(CaseError::Misuse(format!("case {id} came back numbered {}", case.id)).into())
    }
}

pub(super) fn check_mail(
    key: &MailKey,
    raw: &[u8],
    attachments: &[(StoredAttachment, Vec<u8>)],
) -> Result<(), CaseError> {
    check_sha("the mail", &key.sha256, raw)?;
    for (att, bytes) in attachments {
        check_sha(&format!("attachment {}", att.filename), &att.sha256, bytes)?;
    }
    Ok(())
}

impl Tx<'_> {
    /// Appends an event about outbox entry `record` to its case, if it has one.
    pub(super) fn note_on_case<E>(
        &self,
        record: &OutboxRecord,
        what: EventKind,
        now: DateTime<Utc>,
    ) -> TxResult<(), E> {
        if let Some(id) = record.case {
            let old = self.case(id)?;
            let mut case = old.clone();
            case.record(Actor::System, what, Some(record.message_id.clone()), now);
            self.put_case(Some(&old), &case)?;
        }
        Ok(())
    }
}

impl CaseStore {
    /// Opens a case for an application mail: takes the next number of `now`'s year (WITA) and
    /// stores what `build` makes of it, the mail (which the case must list in `mails`), its
    /// attachments and the mails `build` queues, all or nothing, on disk before returning.
    ///
    /// The store adds the attachments to `case.attachments` where `build` did not, and the
    /// mail's Message-ID and those of the queued mails to `case.thread`.
    pub fn open_case(
        &self,
        key: &MailKey,
        raw: &[u8],
        attachments: &[(StoredAttachment, Vec<u8>)],
        now: DateTime<Utc>,
        build: impl Fn(CaseId) -> (Case, Vec<OutgoingMail>),
    ) -> Result<CaseId, CaseError> {
        check_mail(key, raw, attachments)?;
        let year = now.with_timezone(&WITA).year();
        let counter = format!("seq:{year}").into_bytes();
        self.write(|tx| {
            // Before `build`, which need not run for a mail already recorded.
            if let Some(before) = tx.seen(key)? {
                return Err(CaseError::AlreadyRecorded(before).into());
            }
            let seq = u32::try_from(tx.next_number(&counter)?)
                .map_err(|_| corrupt(format!("meta/seq:{year}"), "past u32"))?;
            let id = CaseId { year, seq };
            if tx.cases.get(case_key(id))?.is_some() {
                return Err(corrupt(
                    format!("meta/seq:{year}"),
                    format!("behind existing case {id}"),
                )
                .into());
            }
            let (mut case, mails) = build(id);
            unchanged_id(&case, id)?;
            tx.take_mail(&mut case, key, raw, attachments)?;
            tx.queue(Some(&mut case), mails, now)?;
            tx.put_case(None, &case)?;
            Ok(id)
        })
    }

    /// Adds a mail (follow-up, duplicate, note, staff reply) to case `id`, which `update` brings
    /// up to date and must make list the mail; same guarantees as [`CaseStore::open_case`].
    pub fn add_mail(
        &self,
        id: CaseId,
        key: &MailKey,
        raw: &[u8],
        attachments: &[(StoredAttachment, Vec<u8>)],
        now: DateTime<Utc>,
        update: impl Fn(&mut Case) -> Vec<OutgoingMail>,
    ) -> Result<(), CaseError> {
        check_mail(key, raw, attachments)?;
        self.write(|tx| {
            let old = tx.case(id)?;
            let mut case = old.clone();
            let mails = update(&mut case);
            unchanged_id(&case, id)?;
            tx.take_mail(&mut case, key, raw, attachments)?;
            tx.queue(Some(&mut case), mails, now)?;
            tx.put_case(Some(&old), &case)
        })
    }

    /// A staff action on case `id`. When `update` refuses (returns `Err`), nothing is written
    /// and the refusal is returned inside `Ok`.
    pub fn update<E>(
        &self,
        id: CaseId,
        now: DateTime<Utc>,
        update: impl Fn(&mut Case) -> Result<Vec<OutgoingMail>, E>,
    ) -> Result<Result<(), E>, CaseError> {
        self.update_with_blobs(id, now, &[], update)
    }

    /// [`CaseStore::update`] that also keeps `blobs` (files the change refers to by SHA-256,
    /// such as letters) in the same transaction, and only when `update` accepts.
    pub fn update_with_blobs<E>(
        &self,
        id: CaseId,
        now: DateTime<Utc>,
        blobs: &[&[u8]],
        update: impl Fn(&mut Case) -> Result<Vec<OutgoingMail>, E>,
    ) -> Result<Result<(), E>, CaseError> {
        let keyed: Vec<(String, &[u8])> = blobs.iter().map(|b| (sha256_hex(b), *b)).collect();
        self.transact(|tx| {
            let old = tx.case(id)?;
            let mut case = old.clone();
            let mails = update(&mut case)
                .map_err(|e| ConflictableTransactionError::Abort(Stop::Refused(e)))?;
            unchanged_id(&case, id)?;
            for (sha256, bytes) in &keyed {
                tx.put_blob(sha256, bytes)?;
            }
            tx.queue(Some(&mut case), mails, now)?;
            tx.put_case(Some(&old), &case)
        })
    }

    pub fn get(&self, id: CaseId) -> Result<Option<Case>, CaseError> {
        self.cases
            .get(case_key(id))?
            .map(|bytes| decode(&case_name(id), &bytes))
            .transpose()
    }

    /// Every case, by number.
    pub fn list(&self) -> Result<Vec<Case>, CaseError> {
        self.cases
            .iter()
            .map(|entry| {
                let (key, bytes) = entry?;
                let name = case_id_of(&key)
                    .map(case_name)
                    .unwrap_or_else(|| format!("cases/{}", hex::encode(&key)));
                decode(&name, &bytes)
            })
            .collect()
    }

    /// The newest case that is not closed whose applicant has this NIK.
    pub fn find_by_nik(&self, nik: &str) -> Result<Option<CaseId>, CaseError> {
        let Some(digits) = nik_digits(nik) else {
            return Ok(None);
        };
        let prefix = [prefixed("nik:", &digits), vec![0]].concat();
        match self.idx.scan_prefix(&prefix).next_back() {
            None => Ok(None),
            Some(entry) => {
                let (key, _) = entry?;
                case_id_of(&key[prefix.len()..]).map(Some).ok_or_else(|| {
                    corrupt(
                        format!("idx/nik:…{}", hex::encode(&key[prefix.len()..])),
                        "not a case key",
                    )
                })
            }
        }
    }

    /// The case whose thread holds the first of `ids` (Message-IDs, brackets optional) that
    /// belongs to any: pass In-Reply-To before References.
    pub fn find_by_message_ids(&self, ids: &[String]) -> Result<Option<CaseId>, CaseError> {
        for id in ids {
            let id = bare_message_id(id);
            if id.is_empty() {
                continue;
            }
            if let Some(key) = self.idx.get(prefixed("mid:", id))? {
                return case_id_of(&key)
                    .map(Some)
                    .ok_or_else(|| corrupt(format!("idx/mid:{id}"), "not a case key"));
            }
        }
        Ok(None)
    }

    /// Removes the record of case `id` and its index entries, for good.
    pub fn remove_case(&self, id: CaseId) -> Result<(), CaseError> {
        self.write(|tx| {
            let old = tx.case(id)?;
            tx.cases.remove(&case_key(id))?;
            if let Some(k) = nik_index_key(&old) {
                tx.idx.remove(k)?;
            }
            for mid in &old.thread {
                let index_key = prefixed("mid:", bare_message_id(mid));
                if tx.idx.get(&index_key)?.as_deref() == Some(case_key(id).as_slice()) {
                    tx.idx.remove(index_key)?;
                }
            }
            Ok(())
        })
    }

    /// Every mail of case `id` with its raw bytes, in the order the case lists them.
    ///
    /// Once the case's personal data was erased, its mails come without their bytes (empty).
    pub fn case_mails(&self, id: CaseId) -> Result<Vec<(StoredMail, Vec<u8>)>, CaseError> {
        let case = self.get(id)?.ok_or(CaseError::NotFound(id))?;
        let erased = case.erased.is_some();
        case.mails
            .into_iter()
            .map(|mail| {
                let raw = if erased {
                    self.blob(&mail.sha256)?.unwrap_or_default()
                } else {
                    self.blob_of(&mail.sha256, &case_name(id))?
                };
                Ok((mail, raw))
            })
            .collect()
    }

    /// Every quarantined mail, oldest first.
    pub fn quarantined(&self) -> Result<Vec<QuarantineRecord>, CaseError> {
        self.quarantine
            .iter()
            .map(|entry| {
                let (key, bytes) = entry?;
                decode(&format!("quarantine/{}", hex::encode(&key)), &bytes)
            })
            .collect()
    }
}
