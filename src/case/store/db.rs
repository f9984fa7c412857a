//! The database itself: its trees, opening and migrating it, and the transaction every write is.

use super::blobs::*;
use super::codec::*;
use crate::case::model::{Case, CaseId};
use crate::parse::bare_message_id;
use chrono::{DateTime, Utc};
use sled::Tree;
use sled::transaction::{TransactionError, Transactional, TransactionalTree};
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where [`CaseStore::check_writable`] writes.
pub(super) const WRITE_PROBE_KEY: &[u8] = b"write_probe";

/// sled's page cache.
pub(super) const CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// The NIK index key: the digits only, so spacing typed by the applicant does not matter.
pub(super) fn nik_digits(nik: &str) -> Option<String> {
    let digits: String = nik.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

pub(super) fn nik_index_key(case: &Case) -> Option<Vec<u8>> {
    if case.state.ended_without_certificate() {
        return None;
    }
    let digits = nik_digits(case.applicant.fields.nik.as_deref()?)?;
    Some(
        [
            prefixed("nik:", &digits),
            vec![0],
            case_key(case.id).to_vec(),
        ]
        .concat(),
    )
}

/// The trees as one transaction sees them.
pub(super) struct Tx<'a> {
    pub(super) cases: &'a TransactionalTree,
    pub(super) mails: &'a TransactionalTree,
    pub(super) files: &'a BlobFiles,
    pub(super) outbox: &'a TransactionalTree,
    pub(super) dead: &'a TransactionalTree,
    pub(super) quarantine: &'a TransactionalTree,
    pub(super) meta: &'a TransactionalTree,
    pub(super) idx: &'a TransactionalTree,
}

impl Tx<'_> {
    pub(super) fn next_number<E>(&self, counter: &[u8]) -> TxResult<u64, E> {
        let next = counter_value(counter, self.meta.get(counter)?)? + 1;
        self.meta.insert(counter, &next.to_be_bytes())?;
        Ok(next)
    }

    pub(super) fn case<E>(&self, id: CaseId) -> TxResult<Case, E> {
        match self.cases.get(case_key(id))? {
            Some(bytes) => Ok(decode(&case_name(id), &bytes)?),
            None => Err(CaseError::NotFound(id).into()),
        }
    }

    /// Writes `case` and brings the indexes from what `old` had to what it has.
    pub(super) fn put_case<E>(&self, old: Option<&Case>, case: &Case) -> TxResult<(), E> {
        let key = case_key(case.id);
        self.cases.insert(&key, encode(case))?;
        let old_nik = old.and_then(nik_index_key);
        let new_nik = nik_index_key(case);
        if old_nik != new_nik {
            if let Some(k) = old_nik {
                self.idx.remove(k)?;
            }
            if let Some(k) = new_nik {
                self.idx.insert(k, &[])?;
            }
        }
        let old_thread = old.map(|c| c.thread.as_slice()).unwrap_or_default();
        for id in &case.thread {
            if !old_thread.contains(id) {
                self.idx
                    .insert(prefixed("mid:", bare_message_id(id)), &key)?;
            }
        }
        for id in old_thread {
            let index_key = prefixed("mid:", bare_message_id(id));
            if !case.thread.contains(id)
                && self.idx.get(&index_key)?.as_deref() == Some(key.as_slice())
            {
                self.idx.remove(index_key)?;
            }
        }
        Ok(())
    }

    /// Blob files are named by their content, so writing one again when sled retries the
    /// transaction, or after a crash left it without a record, is harmless.
    pub(super) fn put_blob<E>(&self, sha256: &str, bytes: &[u8]) -> TxResult<(), E> {
        Ok(self.files.put(sha256, bytes)?)
    }
}

pub(super) fn check_sha(what: &str, sha256: &str, bytes: &[u8]) -> Result<(), CaseError> {
    if sha256_hex(bytes) == sha256 {
        Ok(())
    } else {
        Err(CaseError::Checksum {
            what: what.to_string(),
        })
    }
}

/// Cases, mails and the outbox in one sled database. Cloning shares it.
#[derive(Clone)]
pub struct CaseStore {
    pub(super) db: sled::Db,
    pub(super) cases: Tree,
    /// How each processed mail ended: `loc:`, `mid:` and `sha:` keys → [`Seen`].
    pub(super) mails: Tree,
    /// Blobs written before they became files; read, never written.
    pub(super) legacy_blobs: Tree,
    pub(super) files: BlobFiles,
    pub(super) outbox: Tree,
    pub(super) dead: Tree,
    pub(super) quarantine: Tree,
    /// The schema number and the counters (case numbers per year, outbox and quarantine ids).
    pub(super) meta: Tree,
    /// `nik:<digits>\0<case>` for open cases, `mid:<message-id>` → case for every id in a thread.
    pub(super) idx: Tree,
    /// Set at the first failed write. sled keeps failing after one (it latches the error until
    /// the database is reopened), so the daemon stops and its service manager restarts it.
    pub(super) unwritable: Arc<AtomicBool>,
    /// Held shared by every transaction and exclusively by a backup's export, so that the
    /// export sees no half of a change.
    pub(super) gate: Arc<std::sync::RwLock<()>>,
    pub(super) dir: PathBuf,
}

/// The trees a backup carries: the cases and everything beside them, but not the web
/// sessions (a restored desk logs everyone in again).
pub const BACKUP_TREES: [&str; 10] = [
    "cases",
    "mails",
    "blobs",
    "outbox",
    "dead",
    "quarantine",
    "meta",
    "idx",
    "web_users",
    "web_audit",
];

/// One tree as a backup carries it: its name and every key with its value.
pub type TreeDump = (String, Vec<(Vec<u8>, Vec<u8>)>);

impl CaseStore {
    /// Records that the database now follows schema `version`.
    pub(crate) fn set_schema(&self, version: u32) -> Result<(), CaseError> {
        self.meta.insert(SCHEMA_KEY, &version.to_be_bytes())?;
        self.note_failure(self.db.flush().map(drop).map_err(CaseError::from))
    }

    /// Runs `f` as one transaction over every tree and flushes it to disk.
    pub(super) fn transact<A, E>(
        &self,
        f: impl Fn(&Tx<'_>) -> TxResult<A, E>,
    ) -> Result<Result<A, E>, CaseError> {
        let _shared = self.gate.read().unwrap_or_else(|e| e.into_inner());
        let trees = (
            &self.cases,
            &self.mails,
            &self.outbox,
            &self.dead,
            &self.quarantine,
            &self.meta,
            &self.idx,
        );
        let result = trees.transaction(|(cases, mails, outbox, dead, quarantine, meta, idx)| {
            f(&Tx {
                cases,
                mails,
                files: &self.files,
                outbox,
                dead,
                quarantine,
                meta,
                idx,
            })
        });
        let stored = match result {
            Ok(a) => self.db.flush().map(|_| Ok(a)).map_err(CaseError::from),
            Err(TransactionError::Abort(Stop::Refused(e))) => Ok(Err(e)),
            Err(TransactionError::Abort(Stop::Store(e))) => Err(e),
            Err(TransactionError::Storage(e)) => Err(e.into()),
        };
        self.note_failure(stored)
    }

    pub(super) fn note_failure<A>(&self, result: Result<A, CaseError>) -> Result<A, CaseError> {
        if let Err(e) = &result
            && e.is_write_failure()
            && !self.unwritable.swap(true, Ordering::AcqRel)
        {
            tracing::error!(error = %e, "the case store cannot write; nothing more is stored or sent");
        }
        result
    }

    /// The folder of the blob files.
    pub fn blob_dir(&self) -> PathBuf {
        self.dir.join("objects")
    }

    /// Every key and value of the [`BACKUP_TREES`], read while no transaction runs.
    pub fn export_trees(&self) -> Result<Vec<TreeDump>, CaseError> {
        let _exclusive = self.gate.write().unwrap_or_else(|e| e.into_inner());
        BACKUP_TREES
            .iter()
            .map(|name| {
                let tree = self.db.open_tree(name)?;
                let entries = tree
                    .iter()
                    .map(|entry| entry.map(|(k, v)| (k.to_vec(), v.to_vec())))
                    .collect::<Result<Vec<_>, sled::Error>>()?;
                Ok((name.to_string(), entries))
            })
            .collect()
    }

    /// Writes `entries` into the tree `name` of a database being restored, and flushes.
    pub fn import_tree(&self, name: &str, entries: &[(Vec<u8>, Vec<u8>)]) -> Result<(), CaseError> {
        if !BACKUP_TREES.contains(&name) {
            return Err(CaseError::Misuse(format!(
                "{name} is not a tree a backup carries"
            )));
        }
        let tree = self.db.open_tree(name)?;
        for (k, v) in entries {
            tree.insert(k.as_slice(), v.as_slice())?;
        }
        self.note_failure(self.db.flush().map(drop).map_err(CaseError::from))
    }

    /// Whether the database holds no case, mail record or outbox entry: what a restore needs.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty() && self.mails.is_empty() && self.outbox.is_empty()
    }

    /// Keeps a blob file (a restore's copy), checked against its name.
    pub fn put_blob_file(&self, sha256: &str, bytes: &[u8]) -> Result<(), CaseError> {
        check_sha(&format!("blob {sha256}"), sha256, bytes)?;
        self.note_failure(self.files.put(sha256, bytes))
    }

    /// Whether a write has failed since the database was opened.
    pub fn unwritable(&self) -> bool {
        self.unwritable.load(Ordering::Acquire)
    }

    /// Writes and flushes a probe: `Ok` only when the disk takes writes now. The sender asks
    /// before every mail, so that a full disk stops it before it sends what it could not then
    /// record as sent.
    pub fn check_writable(&self, now: DateTime<Utc>) -> Result<(), CaseError> {
        if self.unwritable() {
            return Err(CaseError::Sled(sled::Error::Io(std::io::Error::other(
                "an earlier write failed; reopen the database",
            ))));
        }
        let probe = self
            .meta
            .insert(WRITE_PROBE_KEY, now.timestamp().to_be_bytes().to_vec())
            .and_then(|_| self.db.flush())
            .map(drop)
            .map_err(CaseError::from);
        self.note_failure(probe)
    }

    pub(super) fn write<A>(
        &self,
        f: impl Fn(&Tx<'_>) -> TxResult<A, Infallible>,
    ) -> Result<A, CaseError> {
        self.transact(f)?.map_err(|never| match never {})
    }

    /// A tree of this database for records that live beside the cases (the web desk's
    /// accounts and sessions), outside the case transactions.
    pub fn tree(&self, name: &str) -> Result<Tree, CaseError> {
        Ok(self.db.open_tree(name)?)
    }

    pub fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, CaseError> {
        if let Some(bytes) = self.files.get(sha256)? {
            return Ok(Some(bytes));
        }
        Ok(self.legacy_blobs.get(sha256)?.map(|b| b.to_vec()))
    }

    /// Deletes a blob for good, from disk and from the database of older releases; `true` when
    /// there was one. The caller makes sure no record still needs it.
    pub fn remove_blob(&self, sha256: &str) -> Result<bool, CaseError> {
        let file = self.note_failure(self.files.remove(sha256))?;
        let legacy = self.legacy_blobs.remove(sha256)?.is_some();
        Ok(file || legacy)
    }

    pub(super) fn blob_of(&self, sha256: &str, owner: &str) -> Result<Vec<u8>, CaseError> {
        self.blob(sha256)?.ok_or_else(|| {
            corrupt(
                format!("blobs/{sha256}"),
                format!("missing, needed by {owner}"),
            )
        })
    }
}
