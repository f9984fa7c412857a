//! The sled database: cases, the mails and attachments they hold, the record of every processed mail (exactly once), indexes, and the outbox.
//!
//! Every write is one sled transaction over all trees, flushed to disk before the call returns,
//! so a crash leaves either everything a mail caused or nothing of it. Records are JSON in an
//! envelope carrying the schema number; blobs (raw mails, attachments, outgoing mails) are kept
//! by SHA-256 and never deleted, as files beside the database ([`BlobFiles`]), each written and
//! synced before the transaction that refers to it commits.
//!
//! While a transaction runs, sled holds a process-wide lock that every other read waits for:
//! the closures given to [`CaseStore::open_case`], [`CaseStore::add_mail`] and
//! [`CaseStore::update`] must not call the store themselves.

use std::convert::Infallible;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sled::transaction::{
    ConflictableTransactionError, TransactionError, Transactional, TransactionalTree,
};
use sled::{IVec, Tree};

use super::model::{
    Actor, Case, CaseId, EventKind, Purpose, SCHEMA_VERSION, StoredAttachment, StoredMail, WITA,
};
use crate::outbound::OutgoingMail;

/// Lowercase hex SHA-256, the name blobs are kept under.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Blobs as files, `<dir>/<first two hex digits>/<sha256>`. sled keeps every value it has
/// written in memory for as long as the database is open, so a daemon that stored every
/// attachment in it would grow by each mail's size; as files they cost memory only while read.
#[derive(Clone)]
struct BlobFiles {
    dir: PathBuf,
}

impl BlobFiles {
    fn open(dir: &Path) -> Result<BlobFiles, CaseError> {
        private_dir(dir).map_err(|e| blob_error(dir, e))?;
        Ok(BlobFiles {
            dir: dir.to_path_buf(),
        })
    }

    /// `None` for a name that is not a SHA-256: such a name can never have been stored, and
    /// must not reach the file system.
    fn path(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| self.dir.join(&sha256[..2]).join(sha256))
    }

    /// Written to a temporary name, synced, renamed into place and the directory synced: once
    /// this returns, the blob survives a crash, and a half-written one is never visible.
    fn put(&self, sha256: &str, bytes: &[u8]) -> Result<(), CaseError> {
        let path = self
            .path(sha256)
            .ok_or_else(|| CaseError::Misuse(format!("blob name {sha256:?} is not a sha256")))?;
        if path.exists() {
            return Ok(());
        }
        let parent = path.parent().expect("blob paths have a parent");
        let io = |e| blob_error(&path, e);
        private_dir(parent).map_err(io)?;
        let temp = parent.join(format!(".{sha256}.{}.tmp", std::process::id()));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)
            .map_err(io)?;
        file.write_all(bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&temp, &path).map_err(io)?;
        std::fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(io)
    }

    /// Deletes the blob; `true` when there was a file to delete.
    fn remove(&self, sha256: &str) -> Result<bool, CaseError> {
        let Some(path) = self.path(sha256) else {
            return Ok(false);
        };
        match std::fs::remove_file(&path) {
            Ok(()) => {
                let parent = path.parent().expect("blob paths have a parent");
                std::fs::File::open(parent)
                    .and_then(|d| d.sync_all())
                    .map_err(|e| blob_error(&path, e))?;
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(blob_error(&path, e)),
        }
    }

    fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, CaseError> {
        let Some(path) = self.path(sha256) else {
            return Ok(None);
        };
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(blob_error(&path, e)),
        }
    }
}

/// KTP images, raw mails and password hashes live below the data directory: only the daemon's
/// own user may read them (UU PDP 27/2022), whatever the process umask.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Makes every file below `dir` readable by its owner only, and every folder listable by its
/// owner only: a data directory from a release that wrote 0644 files is tightened on open.
fn tighten(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o700))?;
            tighten(&entry.path())?;
        } else if kind.is_file() {
            std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

fn blob_error(path: &Path, source: std::io::Error) -> CaseError {
    CaseError::Blob {
        path: path.display().to_string(),
        source,
    }
}

/// How a processed mail is recognised when it shows up again.
/// Where [`CaseStore::check_writable`] writes.
const WRITE_PROBE_KEY: &[u8] = b"write_probe";

/// sled's page cache.
const CACHE_BYTES: u64 = 16 * 1024 * 1024;

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

    fn message_id(&self) -> Option<&str> {
        self.message_id
            .as_deref()
            .map(bare_id)
            .filter(|id| !id.is_empty())
    }
}

/// What became of a mail already processed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Seen {
    Case(CaseId),
    Quarantined,
    Ignored,
}

impl std::fmt::Display for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Seen::Case(id) => write!(f, "case {id}"),
            Seen::Quarantined => f.write_str("quarantined"),
            Seen::Ignored => f.write_str("ignored"),
        }
    }
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

/// A mail that could not be processed; its raw bytes are in the blob tree under `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineRecord {
    pub at: DateTime<Utc>,
    pub key: MailKey,
    pub reason: String,
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("case database: {0}")]
    Sled(#[from] sled::Error),
    #[error("corrupt record {key}: {reason}")]
    Corrupt { key: String, reason: String },
    #[error("case {0} not found")]
    NotFound(CaseId),
    #[error("outbox entry {0} not found")]
    OutboxNotFound(u64),
    #[error(
        "{what} has schema {found}, newer than this release of sertel understands ({supported}); upgrade sertel"
    )]
    SchemaNewer {
        what: String,
        found: u32,
        supported: u32,
    },
    #[error("mail already recorded: {0}")]
    AlreadyRecorded(Seen),
    #[error("blob file {path}: {source}")]
    Blob {
        path: String,
        source: std::io::Error,
    },
    #[error("sha256 of {what} does not match its bytes")]
    Checksum { what: String },
    /// The caller broke the store's contract; a bug, not bad data.
    #[error("case store misuse: {0}")]
    Misuse(String),
}

fn corrupt(key: impl Into<String>, reason: impl ToString) -> CaseError {
    CaseError::Corrupt {
        key: key.into(),
        reason: reason.to_string(),
    }
}

/// Why a transaction stopped short: the store's own error, or the caller's refusal.
enum Stop<E> {
    Store(CaseError),
    Refused(E),
}

impl<E> From<CaseError> for ConflictableTransactionError<Stop<E>> {
    fn from(e: CaseError) -> Self {
        ConflictableTransactionError::Abort(Stop::Store(e))
    }
}

type TxResult<T, E> = Result<T, ConflictableTransactionError<Stop<E>>>;

const SCHEMA_KEY: &[u8] = b"schema";
const OUTBOX_COUNTER: &[u8] = b"outbox";
const QUARANTINE_COUNTER: &[u8] = b"quarantine";

#[derive(Serialize)]
struct Envelope<'a, T> {
    schema: u32,
    record: &'a T,
}

#[derive(Deserialize)]
struct Head {
    schema: u32,
}

#[derive(Deserialize)]
struct Body<T> {
    record: T,
}

fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    serde_json::to_vec(&Envelope {
        schema: SCHEMA_VERSION,
        record,
    })
    .expect("records are plain derive(Serialize) data with string map keys")
}

/// The schema is read first so that a record from a newer release is reported as such rather
/// than as damage.
fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, CaseError> {
    let head: Head = serde_json::from_slice(bytes).map_err(|e| corrupt(key, e))?;
    if head.schema > SCHEMA_VERSION {
        return Err(CaseError::SchemaNewer {
            what: format!("record {key}"),
            found: head.schema,
            supported: SCHEMA_VERSION,
        });
    }
    let body: Body<T> = serde_json::from_slice(bytes).map_err(|e| corrupt(key, e))?;
    Ok(body.record)
}

/// The outbox as kept on disk: the raw message is a blob, not a JSON array of numbers.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct OutboxRecord {
    case: Option<CaseId>,
    purpose: Purpose,
    from: String,
    to: Vec<String>,
    message_id: String,
    raw_sha256: String,
    attempts: u32,
    next_attempt: DateTime<Utc>,
    last_error: Option<String>,
}

/// Sorts by year, then number.
fn case_key(id: CaseId) -> [u8; 8] {
    let mut key = [0; 8];
    key[..4].copy_from_slice(&(id.year.cast_unsigned() ^ (1 << 31)).to_be_bytes());
    key[4..].copy_from_slice(&id.seq.to_be_bytes());
    key
}

fn case_id_of(key: &[u8]) -> Option<CaseId> {
    let year = u32::from_be_bytes(key.get(..4)?.try_into().ok()?) ^ (1 << 31);
    let seq = u32::from_be_bytes(key.get(4..8)?.try_into().ok()?);
    (key.len() == 8).then_some(CaseId {
        year: year.cast_signed(),
        seq,
    })
}

fn case_name(id: CaseId) -> String {
    format!("cases/{id}")
}

fn prefixed(prefix: &str, rest: &str) -> Vec<u8> {
    [prefix.as_bytes(), rest.as_bytes()].concat()
}

/// A Message-ID as it is compared: without whitespace and angle brackets.
fn bare_id(id: &str) -> &str {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
}

/// Keys under which `seen` looks for a mail, in order: where it was fetched, else its
/// Message-ID, else (only without one) its bytes.
fn seen_probes(key: &MailKey) -> Vec<Vec<u8>> {
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

/// The NIK index key: the digits only, so spacing typed by the applicant does not matter.
fn nik_digits(nik: &str) -> Option<String> {
    let digits: String = nik.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

fn nik_index_key(case: &Case) -> Option<Vec<u8>> {
    if case.state.ended_without_certificate() {
        return None;
    }
    let digits = nik_digits(case.applicant.nik.as_deref()?)?;
    Some(
        [
            prefixed("nik:", &digits),
            vec![0],
            case_key(case.id).to_vec(),
        ]
        .concat(),
    )
}

fn counter_value(name: &[u8], bytes: Option<IVec>) -> Result<u64, CaseError> {
    match bytes {
        None => Ok(0),
        Some(b) => b.as_ref().try_into().map(u64::from_be_bytes).map_err(|_| {
            corrupt(
                format!("meta/{}", String::from_utf8_lossy(name)),
                "counter is not 8 bytes",
            )
        }),
    }
}

/// Transient failures wait 15 s, 30 s, 1 min, … up to 30 min.
fn backoff(attempts: u32) -> TimeDelta {
    let exponent = attempts.saturating_sub(1).min(16);
    TimeDelta::seconds((15i64 << exponent).min(30 * 60))
}

/// The trees as one transaction sees them.
struct Tx<'a> {
    cases: &'a TransactionalTree,
    mails: &'a TransactionalTree,
    files: &'a BlobFiles,
    outbox: &'a TransactionalTree,
    dead: &'a TransactionalTree,
    quarantine: &'a TransactionalTree,
    meta: &'a TransactionalTree,
    idx: &'a TransactionalTree,
}

impl Tx<'_> {
    fn next_number<E>(&self, counter: &[u8]) -> TxResult<u64, E> {
        let next = counter_value(counter, self.meta.get(counter)?)? + 1;
        self.meta.insert(counter, &next.to_be_bytes())?;
        Ok(next)
    }

    fn case<E>(&self, id: CaseId) -> TxResult<Case, E> {
        match self.cases.get(case_key(id))? {
            Some(bytes) => Ok(decode(&case_name(id), &bytes)?),
            None => Err(CaseError::NotFound(id).into()),
        }
    }

    /// Writes `case` and brings the indexes from what `old` had to what it has.
    fn put_case<E>(&self, old: Option<&Case>, case: &Case) -> TxResult<(), E> {
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
                self.idx.insert(prefixed("mid:", bare_id(id)), &key)?;
            }
        }
        for id in old_thread {
            let index_key = prefixed("mid:", bare_id(id));
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
    fn put_blob<E>(&self, sha256: &str, bytes: &[u8]) -> TxResult<(), E> {
        Ok(self.files.put(sha256, bytes)?)
    }

    fn seen<E>(&self, key: &MailKey) -> TxResult<Option<Seen>, E> {
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
    fn record_seen<E>(&self, key: &MailKey, seen: &Seen) -> TxResult<(), E> {
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
    fn take_mail<E>(
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

    /// Puts `mails` in the outbox; with a case, records each in its history and thread.
    fn queue<E>(
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
            let message_id = bare_id(&mail.message_id).to_string();
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

    fn outbox_record<E>(&self, id: u64) -> TxResult<OutboxRecord, E> {
        match self.outbox.get(id.to_be_bytes())? {
            Some(bytes) => Ok(decode(&format!("outbox/{id}"), &bytes)?),
            None => Err(CaseError::OutboxNotFound(id).into()),
        }
    }

    /// Appends an event about outbox entry `record` to its case, if it has one.
    fn note_on_case<E>(
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

fn unchanged_id<E>(case: &Case, id: CaseId) -> TxResult<(), E> {
    if case.id == id {
        Ok(())
    } else {
        Err(CaseError::Misuse(format!("case {id} came back numbered {}", case.id)).into())
    }
}

fn check_sha(what: &str, sha256: &str, bytes: &[u8]) -> Result<(), CaseError> {
    if sha256_hex(bytes) == sha256 {
        Ok(())
    } else {
        Err(CaseError::Checksum {
            what: what.to_string(),
        })
    }
}

fn check_mail(
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

/// Cases, mails and the outbox in one sled database. Cloning shares it.
#[derive(Clone)]
pub struct CaseStore {
    db: sled::Db,
    cases: Tree,
    /// How each processed mail ended: `loc:`, `mid:` and `sha:` keys → [`Seen`].
    mails: Tree,
    /// Blobs written before they became files; read, never written.
    legacy_blobs: Tree,
    files: BlobFiles,
    outbox: Tree,
    dead: Tree,
    quarantine: Tree,
    /// The schema number and the counters (case numbers per year, outbox and quarantine ids).
    meta: Tree,
    /// `nik:<digits>\0<case>` for open cases, `mid:<message-id>` → case for every id in a thread.
    idx: Tree,
    /// Set at the first failed write. sled keeps failing after one (it latches the error until
    /// the database is reopened), so the daemon stops and its service manager restarts it.
    unwritable: Arc<AtomicBool>,
    /// Held shared by every transaction and exclusively by a backup's export, so that the
    /// export sees no half of a change.
    gate: Arc<std::sync::RwLock<()>>,
    dir: PathBuf,
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

impl CaseError {
    /// The disk refused a write (full, read-only, failing): nothing will be stored until that
    /// is fixed and the database reopened.
    pub fn is_write_failure(&self) -> bool {
        matches!(
            self,
            CaseError::Sled(sled::Error::Io(_)) | CaseError::Blob { .. }
        )
    }
}

impl CaseStore {
    /// Opens the database in `dir`, creating it when missing.
    pub fn open(dir: &Path) -> Result<CaseStore, CaseError> {
        private_dir(dir).map_err(|e| blob_error(dir, e))?;
        // sled caches up to 1 GiB by default; cases are read one at a time and attachments
        // rarely, so a small cache keeps the daemon's memory flat as the archive grows.
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(CACHE_BYTES)
            .open()?;
        let store = CaseStore {
            cases: db.open_tree("cases")?,
            mails: db.open_tree("mails")?,
            legacy_blobs: db.open_tree("blobs")?,
            files: BlobFiles::open(&dir.join("objects"))?,
            outbox: db.open_tree("outbox")?,
            dead: db.open_tree("dead")?,
            quarantine: db.open_tree("quarantine")?,
            meta: db.open_tree("meta")?,
            idx: db.open_tree("idx")?,
            db,
            unwritable: Arc::new(AtomicBool::new(false)),
            gate: Arc::new(std::sync::RwLock::new(())),
            dir: dir.to_path_buf(),
        };
        tighten(dir).map_err(|e| blob_error(dir, e))?;
        let found = match store.meta.get(SCHEMA_KEY)? {
            None => {
                store
                    .meta
                    .insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
                store.db.flush()?;
                SCHEMA_VERSION
            }
            Some(bytes) => bytes
                .as_ref()
                .try_into()
                .map(u32::from_be_bytes)
                .map_err(|_| corrupt("meta/schema", "not 4 bytes"))?,
        };
        if found > SCHEMA_VERSION {
            return Err(CaseError::SchemaNewer {
                what: format!("database {}", dir.display()),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found < 1 {
            return Err(corrupt(
                "meta/schema",
                format!("schema {found} never existed"),
            ));
        }
        super::migrate::run(&store, found, SCHEMA_VERSION)?;
        Ok(store)
    }

    /// Records that the database now follows schema `version`.
    pub(super) fn set_schema(&self, version: u32) -> Result<(), CaseError> {
        self.meta.insert(SCHEMA_KEY, &version.to_be_bytes())?;
        self.note_failure(self.db.flush().map(drop).map_err(CaseError::from))
    }

    /// Runs `f` as one transaction over every tree and flushes it to disk.
    fn transact<A, E>(
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

    fn note_failure<A>(&self, result: Result<A, CaseError>) -> Result<A, CaseError> {
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
    pub fn export_trees(&self) -> Result<Vec<(String, Vec<(Vec<u8>, Vec<u8>)>)>, CaseError> {
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

    fn write<A>(&self, f: impl Fn(&Tx<'_>) -> TxResult<A, Infallible>) -> Result<A, CaseError> {
        self.transact(f)?.map_err(|never| match never {})
    }

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

    /// A tree of this database for records that live beside the cases (the web desk's
    /// accounts and sessions), outside the case transactions.
    pub fn tree(&self, name: &str) -> Result<Tree, CaseError> {
        Ok(self.db.open_tree(name)?)
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
            let id = bare_id(id);
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

    /// Removes the record of case `id` and its index entries, for good.
    pub fn remove_case(&self, id: CaseId) -> Result<(), CaseError> {
        self.write(|tx| {
            let old = tx.case(id)?;
            tx.cases.remove(&case_key(id))?;
            if let Some(k) = nik_index_key(&old) {
                tx.idx.remove(k)?;
            }
            for mid in &old.thread {
                let index_key = prefixed("mid:", bare_id(mid));
                if tx.idx.get(&index_key)?.as_deref() == Some(case_key(id).as_slice()) {
                    tx.idx.remove(index_key)?;
                }
            }
            Ok(())
        })
    }

    fn blob_of(&self, sha256: &str, owner: &str) -> Result<Vec<u8>, CaseError> {
        self.blob(sha256)?.ok_or_else(|| {
            corrupt(
                format!("blobs/{sha256}"),
                format!("missing, needed by {owner}"),
            )
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
    fn raw_of_entry(&self, id: u64) -> Result<Option<Vec<u8>>, CaseError> {
        for (tree, name) in [(&self.outbox, "outbox"), (&self.dead, "dead")] {
            if let Some(bytes) = tree.get(id.to_be_bytes())? {
                let record: OutboxRecord = decode(&format!("{name}/{id}"), &bytes)?;
                return self.blob(&record.raw_sha256);
            }
        }
        Ok(None)
    }

    /// The records of an outbox-like tree (`outbox` or `dead`), by id.
    fn records(&self, tree: &Tree, name: &str) -> Result<Vec<(u64, OutboxRecord)>, CaseError> {
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
    fn entry(&self, id: u64, r: OutboxRecord, name: &str) -> Result<OutboxEntry, CaseError> {
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

    fn entries(&self, tree: &Tree, name: &str) -> Result<Vec<OutboxEntry>, CaseError> {
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use chrono::TimeZone;

    use super::*;
    use crate::case::model::{ApplicantRecord, MailRole, State};

    // Synthetic NIK, as in the NIK tests.
    const NIK: &str = "7502011203850001";

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn t0() -> DateTime<Utc> {
        at(2026, 11, 23, 1, 15)
    }

    fn raw_mail(n: &str, message_id: Option<&str>) -> Vec<u8> {
        let header = message_id
            .map(|id| format!("Message-ID: <{id}>\r\n"))
            .unwrap_or_default();
        format!("{header}From: pemohon{n}@gorontalokab.go.id\r\nSubject: Permohonan TTE {n}\r\n\r\nNIK: {NIK}\r\n").into_bytes()
    }

    fn key_of(locator: &str, message_id: Option<&str>, raw: &[u8]) -> MailKey {
        MailKey::new(
            Some(locator.to_string()),
            message_id.map(|id| format!("<{id}>")),
            raw,
        )
    }

    fn stored(key: &MailKey, role: MailRole, now: DateTime<Utc>) -> StoredMail {
        StoredMail {
            sha256: key.sha256.clone(),
            message_id: key.message_id.clone(),
            from: Some("pemohon@gorontalokab.go.id".into()),
            subject: Some("Permohonan TTE".into()),
            received_at: now,
            role,
        }
    }

    fn reply(purpose: Purpose, message_id: &str) -> OutgoingMail {
        OutgoingMail {
            purpose,
            from: "tte@gorontalokab.go.id".into(),
            to: vec![
                "pemohon@gorontalokab.go.id".into(),
                "arsip@gorontalokab.go.id".into(),
            ],
            message_id: message_id.into(),
            raw: format!("Message-ID: <{message_id}>\r\n\r\nbalasan").into_bytes(),
        }
    }

    fn attachment(name: &str, bytes: &[u8]) -> (StoredAttachment, Vec<u8>) {
        (
            StoredAttachment {
                filename: name.into(),
                kind: "ktp".into(),
                file_type: "jpeg".into(),
                size: bytes.len() as u64,
                sha256: sha256_hex(bytes),
                mail: None,
            },
            bytes.to_vec(),
        )
    }

    /// Opens a case for mail `n` with an acknowledgement queued.
    fn open(store: &CaseStore, n: &str, nik: &str, now: DateTime<Utc>) -> CaseId {
        let mid = format!("{n}@pemohon");
        let raw = raw_mail(n, Some(&mid));
        let key = key_of(&format!("maildir:{n}"), Some(&mid), &raw);
        let atts = [attachment("ktp.jpg", format!("jpeg {n}").as_bytes())];
        store
            .open_case(&key, &raw, &atts, now, |id| {
                let mut case = Case::new(
                    id,
                    now,
                    ApplicantRecord {
                        reply_to: "pemohon@gorontalokab.go.id".into(),
                        nik: Some(nik.into()),
                        ..ApplicantRecord::default()
                    },
                    Some("Permohonan TTE".into()),
                );
                case.mails.push(stored(&key, MailRole::Application, now));
                (
                    case,
                    vec![reply(Purpose::Acknowledgement, &format!("ack-{id}@tte"))],
                )
            })
            .unwrap()
    }

    fn seq_ids(ids: &[CaseId]) -> Vec<String> {
        ids.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn numbers_run_per_year_and_restart() {
        let dir = tempfile::tempdir().unwrap();
        let store = CaseStore::open(dir.path()).unwrap();
        let ids = [
            open(&store, "a", NIK, at(2026, 1, 5, 1, 0)),
            open(&store, "b", NIK, at(2026, 6, 1, 1, 0)),
            open(&store, "c", NIK, at(2026, 12, 31, 15, 59)),
            // 1 January 2027, 00:30 in Gorontalo: the office's new year.
            open(&store, "d", NIK, at(2026, 12, 31, 16, 30)),
            open(&store, "e", NIK, at(2027, 2, 1, 1, 0)),
        ];
        assert_eq!(
            seq_ids(&ids),
            [
                "TTE-2026-0001",
                "TTE-2026-0002",
                "TTE-2026-0003",
                "TTE-2027-0001",
                "TTE-2027-0002"
            ]
        );
        let listed: Vec<CaseId> = store.list().unwrap().iter().map(|c| c.id).collect();
        assert_eq!(listed, ids);
    }

    #[test]
    fn numbers_have_no_gaps_under_contention() {
        let dir = tempfile::tempdir().unwrap();
        let store = CaseStore::open(dir.path()).unwrap();
        let calls = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for t in 0..4 {
                let (store, calls) = (&store, &calls);
                s.spawn(move || {
                    for i in 0..8 {
                        calls.fetch_add(1, Ordering::Relaxed);
                        open(store, &format!("t{t}-{i}"), NIK, t0());
                    }
                });
            }
        });
        let mut seqs: Vec<u32> = store.list().unwrap().iter().map(|c| c.id.seq).collect();
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=32).collect::<Vec<u32>>());
        let outbox: Vec<u64> = store.outbox().unwrap().iter().map(|e| e.id).collect();
        assert_eq!(outbox, (1..=32).collect::<Vec<u64>>());
        assert_eq!(calls.load(Ordering::Relaxed), 32);
    }

    #[test]
    fn a_retried_transaction_takes_one_number() {
        let dir = tempfile::tempdir().unwrap();
        let store = CaseStore::open(dir.path()).unwrap();
        let calls = AtomicUsize::new(0);
        // sled reruns the closure on a conflict; the first run's counter write must vanish.
        let seq = store
            .write(|tx| {
                let seq = tx.next_number(b"seq:2026")?;
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    return Err(ConflictableTransactionError::Conflict);
                }
                Ok(seq)
            })
            .unwrap();
        assert_eq!((seq, calls.load(Ordering::SeqCst)), (1, 2));
        assert_eq!(open(&store, "a", NIK, t0()).seq, 2);
    }

    #[test]
    fn a_refused_open_takes_no_number() {
        let dir = tempfile::tempdir().unwrap();
        let store = CaseStore::open(dir.path()).unwrap();
        let raw = raw_mail("x", Some("x@p"));
        let key = key_of("maildir:x", Some("x@p"), &raw);
        let err = store
            .open_case(&key, &raw, &[], t0(), |_| {
                let mut case = Case::new(
                    CaseId { year: 1999, seq: 1 },
                    t0(),
                    ApplicantRecord::default(),
                    None,
                );
                case.mails.push(stored(&key, MailRole::Application, t0()));
                (case, Vec::new())
            })
            .unwrap_err();
        assert!(matches!(err, CaseError::Misuse(_)), "{err}");
        let err = store
            .open_case(&key, &raw, &[], t0(), |id| {
                (
                    Case::new(id, t0(), ApplicantRecord::default(), None),
                    Vec::new(),
                )
            })
            .unwrap_err();
        assert!(err.to_string().contains("does not list the mail"), "{err}");
        assert_eq!(store.seen(&key).unwrap(), None, "nothing recorded");
        assert_eq!(open(&store, "y", NIK, t0()).seq, 1);

        let bad = MailKey {
            sha256: "00".repeat(32),
            ..key.clone()
        };
        assert!(matches!(
            store.open_case(&bad, &raw, &[], t0(), |id| (
                Case::new(id, t0(), ApplicantRecord::default(), None),
                Vec::new()
            )),
            Err(CaseError::Checksum { .. })
        ));
    }

    #[test]
    fn each_mail_is_recorded_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = CaseStore::open(dir.path()).unwrap();
        let id = open(&store, "a", NIK, t0());
        let raw = raw_mail("a", Some("a@pemohon"));

        let same_place = key_of("maildir:a", None, b"other bytes");
        assert_eq!(
            store.seen(&same_place).unwrap(),
            Some(Seen::Case(id)),
            "by locator"
        );
        // UIDVALIDITY changed: new locator, same Message-ID.
        let moved = key_of("imap:9:1", Some("a@pemohon"), &raw);
        assert_eq!(
            store.seen(&moved).unwrap(),
            Some(Seen::Case(id)),
            "by message-id"
        );
        let other = key_of("imap:9:2", Some("other@pemohon"), &raw);
        assert_eq!(
            store.seen(&other).unwrap(),
            None,
            "the bytes count only without a message-id"
        );

        let again = store.open_case(&moved, &raw, &[], t0(), |id| {
            (
                Case::new(id, t0(), ApplicantRecord::default(), None),
                Vec::new(),
            )
        });
        assert!(matches!(again, Err(CaseError::AlreadyRecorded(Seen::Case(c))) if c == id));

        let bare = raw_mail("b", None);
        let quarantined = key_of("maildir:b", None, &bare);
        store
            .record_without_case(
                &quarantined,
                &bare,
                Seen::Quarantined,
                "bukan surel",
                t0(),
                vec![reply(Purpose::Quarantined, "q@tte")],
            )
            .unwrap();
        let elsewhere = MailKey {
            locator: Some("imap:9:3".into()),
            ..quarantined.clone()
        };
        assert_eq!(
            store.seen(&elsewhere).unwrap(),
            Some(Seen::Quarantined),
            "by sha256"
        );
        let q = store.quarantined().unwrap();
        assert_eq!(q.len(), 1);
        assert_eq!(
            (q[0].reason.as_str(), &q[0].key),
            ("bukan surel", &quarantined)
        );
        assert_eq!(
            store.blob(&q[0].sha256).unwrap().as_deref(),
            Some(bare.as_slice())
        );
        assert_eq!(store.outbox().unwrap().last().unwrap().case, None);

        let ignored_raw = raw_mail("c", Some("auto@reply"));
        let ignored = key_of("maildir:c", Some("auto@reply"), &ignored_raw);
        store
            .record_without_case(
                &ignored,
                &ignored_raw,
                Seen::Ignored,
                "balasan otomatis",
                t0(),
                Vec::new(),
            )
            .unwrap();
        assert_eq!(store.seen(&ignored).unwrap(), Some(Seen::Ignored));
        assert_eq!(
            store.blob(&ignored.sha256).unwrap(),
            None,
            "ignored mail is not kept"
        );
        assert!(matches!(
            store.record_without_case(
                &ignored,
                &ignored_raw,
                Seen::Ignored,
                "lagi",
                t0(),
                Vec::new()
            ),
            Err(CaseError::AlreadyRecorded(Seen::Ignored))
        ));
        assert!(matches!(
            store.record_without_case(&ignored, &ignored_raw, Seen::Case(id), "", t0(), Vec::new()),
            Err(CaseError::Misuse(_))
        ));
    }

    #[test]
    fn everything_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let (id, case, mails, outbox) = {
            let store = CaseStore::open(dir.path()).unwrap();
            let id = open(&store, "a", NIK, t0());
            let raw = raw_mail("a2", Some("a2@pemohon"));
            let key = key_of("maildir:a2", Some("a2@pemohon"), &raw);
            let atts = [
                attachment("sk.pdf", b"%PDF sk"),
                attachment("ktp.jpg", b"jpeg a"),
            ];
            store
                .add_mail(id, &key, &raw, &atts, t0(), |case| {
                    case.mails.push(stored(&key, MailRole::FollowUp, t0()));
                    vec![reply(Purpose::MissingItems, "missing@tte")]
                })
                .unwrap();
            let case = store.get(id).unwrap().unwrap();
            (
                id,
                case,
                store.case_mails(id).unwrap(),
                store.outbox().unwrap(),
            )
        };
        let store = CaseStore::open(dir.path()).unwrap();
        assert_eq!(store.get(id).unwrap().as_ref(), Some(&case));
        assert_eq!(store.case_mails(id).unwrap(), mails);
        assert_eq!(mails.len(), 2);
        assert_eq!(mails[1].1, raw_mail("a2", Some("a2@pemohon")));
        assert_eq!(store.outbox().unwrap(), outbox);
        assert_eq!(outbox.len(), 2);
        assert_eq!(
            outbox[1].mail.raw,
            reply(Purpose::MissingItems, "missing@tte").raw
        );
        assert_eq!(
            case.attachments.len(),
            2,
            "the same KTP twice is one attachment: {:?}",
            case.attachments
        );
        assert_eq!(
            store.blob(&sha256_hex(b"%PDF sk")).unwrap().as_deref(),
            Some(&b"%PDF sk"[..])
        );
        assert_eq!(
            case.thread,
            [
                "a@pemohon",
                "ack-TTE-2026-0001@tte",
                "a2@pemohon",
                "missing@tte"
            ]
        );
        let queued: Vec<&EventKind> = case
            .history
            .iter()
            .filter(|e| matches!(e.what, EventKind::MailQueued { .. }))
            .map(|e| &e.what)
            .collect();
        assert_eq!(
            queued[1],
            &EventKind::MailQueued {
                outbox: 2,
                to: "pemohon@gorontalokab.go.id, arsip@gorontalokab.go.id".into(),
                purpose: Purpose::MissingItems,
                sha256: Some(sha256_hex(&reply(Purpose::MissingItems, "missing@tte").raw)),
            }
        );
        assert_eq!(
            open(&store, "b", NIK, t0()).seq,
            2,
            "the counter survives too"
        );
    }

    #[test]
    fn a_refused_update_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = CaseStore::open(dir.path()).unwrap();
        let id = open(&store, "a", NIK, t0());
        let before = store.get(id).unwrap();
        let refused: Result<(), String> = store
            .update(id, t0(), |case| {
                case.transition(State::Disposisi, Actor::Kadis("k@x".into()), t0(), None)
                    .map_err(|e| e.keterangan())?;
                case.transition(
                    State::MenungguKelengkapan,
                    Actor::Kadis("k@x".into()),
                    t0(),
                    None,
                )
                .map_err(|e| e.keterangan())?;
                Ok(vec![reply(Purpose::MissingItems, "never@tte")])
            })
            .unwrap();
        assert!(refused.unwrap_err().contains("tidak dapat diubah"));
        assert_eq!(store.get(id).unwrap(), before);
        assert_eq!(store.outbox().unwrap().len(), 1);

        store
            .update(id, t0(), |case| {
                case.assign("rina@x", Actor::Kadis("k@x".into()), t0());
                Ok::<_, Infallible>(vec![reply(Purpose::VerifierAssigned, "assigned@tte")])
            })
            .unwrap()
            .unwrap();
        let ids: Vec<u64> = store.outbox().unwrap().iter().map(|e| e.id).collect();
        assert_eq!(ids, [1, 2], "the refused update took no outbox id");
        assert_eq!(store.get(id).unwrap().unwrap().state, State::Disposisi);
        assert!(matches!(
            store.update(
                CaseId {
                    year: 2026,
                    seq: 99
                },
                t0(),
                |_| Ok::<_, Infallible>(Vec::new())
            ),
            Err(CaseError::NotFound(_))
        ));
        assert_eq!(
            CaseError::NotFound(CaseId {
                year: 2026,
                seq: 99
            })
            .to_string(),
            "case TTE-2026-0099 not found"
        );
    }

    #[test]
    fn the_outbox_backs_off_and_keeps_dead_letters() {
        let dir = tempfile::tempdir().unwrap();
        let store = CaseStore::open(dir.path()).unwrap();
        let id = open(&store, "a", NIK, t0());
        store
            .update(id, t0(), |_| {
                Ok::<_, Infallible>(vec![reply(Purpose::DispositionRequest, "disp@tte")])
            })
            .unwrap()
            .unwrap();
        assert_eq!(store.next_due().unwrap(), Some(t0()));
        assert_eq!(store.due(t0(), 1).unwrap().len(), 1);
        let due = store.due(t0(), 10).unwrap();
        assert_eq!(due.iter().map(|e| e.id).collect::<Vec<_>>(), [1, 2]);

        let mut now = t0();
        let mut waits = Vec::new();
        for _ in 0..9 {
            store
                .mark_failed(1, now, "connection refused", false)
                .unwrap();
            let entry = store.outbox().unwrap().remove(0);
            waits.push((entry.next_attempt - now).num_seconds());
            assert!(
                store
                    .due(entry.next_attempt - TimeDelta::seconds(1), 10)
                    .unwrap()
                    .iter()
                    .all(|e| e.id != 1)
            );
            now = entry.next_attempt;
            assert_eq!(store.due(now, 10).unwrap()[0].id, 1);
        }
        assert_eq!(waits, [15, 30, 60, 120, 240, 480, 960, 1800, 1800]);
        let entry = store.outbox().unwrap().remove(0);
        assert_eq!(
            (entry.attempts, entry.last_error.as_deref()),
            (9, Some("connection refused"))
        );

        store.mark_sent(1, now).unwrap();
        assert!(matches!(
            store.mark_sent(1, now),
            Err(CaseError::OutboxNotFound(1))
        ));
        store.mark_failed(2, now, "550 no such user", true).unwrap();
        assert!(store.outbox().unwrap().is_empty());
        assert_eq!(store.next_due().unwrap(), None);
        let dead = store.dead_letters().unwrap();
        assert_eq!(
            (dead.len(), dead[0].id, dead[0].mail.message_id.as_str()),
            (1, 2, "disp@tte")
        );
        assert_eq!(dead[0].last_error.as_deref(), Some("550 no such user"));

        let history = store.get(id).unwrap().unwrap().history;
        let tail: Vec<&EventKind> = history.iter().rev().take(2).map(|e| &e.what).collect();
        assert_eq!(
            tail,
            [
                &EventKind::MailFailed {
                    outbox: 2,
                    error: "550 no such user".into()
                },
                &EventKind::MailSent { outbox: 1 }
            ]
        );

        // The case's outgoing mails: how each fared, with the bytes that were queued. A
        // history event written before events named the blob finds it through the outbox
        // while the mail waits there, and has no bytes once it is gone.
        store
            .update(id, now, |case| {
                for outbox in [3, 99] {
                    case.record(
                        Actor::System,
                        EventKind::MailQueued {
                            outbox,
                            to: "lama@gorontalokab.go.id".into(),
                            purpose: Purpose::BsreStep,
                            sha256: None,
                        },
                        None,
                        now,
                    );
                }
                Ok::<_, Infallible>(vec![reply(Purpose::BsreStep, "step@tte")])
            })
            .unwrap()
            .unwrap();
        let out = store.case_outgoing(id).unwrap();
        let fared: Vec<(u64, Option<&str>, &Delivery, bool)> = out
            .iter()
            .map(|OutgoingCopy { mail: m, raw }| {
                (
                    m.outbox,
                    m.message_id.as_deref(),
                    &m.delivery,
                    raw.is_some(),
                )
            })
            .collect();
        let failed = Delivery::Failed {
            at: now,
            error: "550 no such user".into(),
        };
        assert_eq!(
            fared,
            [
                (
                    1,
                    Some("ack-TTE-2026-0001@tte"),
                    &Delivery::Sent { at: now },
                    true
                ),
                (2, Some("disp@tte"), &failed, true),
                (3, None, &Delivery::Waiting, true),
                (99, None, &Delivery::Waiting, false),
                (3, Some("step@tte"), &Delivery::Waiting, true),
            ]
        );
        assert_eq!(
            out[1].raw.as_deref(),
            Some(
                reply(Purpose::DispositionRequest, "disp@tte")
                    .raw
                    .as_slice()
            )
        );
        assert_eq!(out[2].raw, out[4].raw, "found through the outbox entry");
        assert_eq!(out[1].mail.queued_at, t0());
        assert_eq!(
            out[1].mail.to,
            "pemohon@gorontalokab.go.id, arsip@gorontalokab.go.id"
        );
        assert!(matches!(
            store.case_outgoing(CaseId { year: 2026, seq: 9 }),
            Err(CaseError::NotFound(_))
        ));
    }

    #[test]
    fn mail_queued_records_without_a_blob_still_load() {
        let old = r#"{"kind":"mail_queued","outbox":4,"to":"a@x","purpose":"acknowledgement"}"#;
        assert_eq!(
            serde_json::from_str::<EventKind>(old).unwrap(),
            EventKind::MailQueued {
                outbox: 4,
                to: "a@x".into(),
                purpose: Purpose::Acknowledgement,
                sha256: None,
            }
        );
    }

    #[test]
    fn indexes_follow_nik_and_thread() {
        let dir = tempfile::tempdir().unwrap();
        let store = CaseStore::open(dir.path()).unwrap();
        let first = open(&store, "a", NIK, t0());
        let second = open(&store, "b", "7502 0112 0385 0001", t0());
        let other = open(&store, "c", "7571024511920133", t0());
        assert_eq!(store.find_by_nik(NIK).unwrap(), Some(second), "the newest");
        assert_eq!(store.find_by_nik("7571024511920133").unwrap(), Some(other));
        assert_eq!(store.find_by_nik("").unwrap(), None);

        let reject = |case: &mut Case| {
            case.transition(
                State::Ditolak,
                Actor::Kadis("k@x".into()),
                t0(),
                Some("ganda".into()),
            )
            .map(|()| Vec::new())
        };
        store.update(second, t0(), reject).unwrap().unwrap();
        assert_eq!(store.find_by_nik(NIK).unwrap(), Some(first));
        store.update(first, t0(), reject).unwrap().unwrap();
        assert_eq!(
            store.find_by_nik(NIK).unwrap(),
            None,
            "closed cases do not block"
        );

        let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            store
                .find_by_message_ids(&ids(&["<ack-TTE-2026-0003@tte>"]))
                .unwrap(),
            Some(other)
        );
        assert_eq!(
            store
                .find_by_message_ids(&ids(&["nope@x", "b@pemohon"]))
                .unwrap(),
            Some(second)
        );
        assert_eq!(
            store.find_by_message_ids(&ids(&["nope@x", ""])).unwrap(),
            None
        );

        store
            .update(other, t0(), |_| {
                Ok::<_, Infallible>(vec![reply(Purpose::MissingItems, "<kurang@tte>")])
            })
            .unwrap()
            .unwrap();
        assert_eq!(
            store.find_by_message_ids(&ids(&["kurang@tte"])).unwrap(),
            Some(other)
        );
    }

    #[test]
    fn a_corrupt_record_is_an_error_naming_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = CaseStore::open(dir.path()).unwrap();
        let id = open(&store, "a", NIK, t0());
        store
            .cases
            .insert(case_key(id), &b"{\"schema\":1,\"record\":{\"id\":"[..])
            .unwrap();
        let err = store.get(id).unwrap_err();
        assert!(
            matches!(&err, CaseError::Corrupt { key, .. } if key == "cases/TTE-2026-0001"),
            "{err}"
        );
        assert!(
            err.to_string()
                .starts_with("corrupt record cases/TTE-2026-0001: ")
        );
        assert!(store.list().is_err());
        assert!(
            store
                .update(id, t0(), |_| Ok::<_, Infallible>(Vec::new()))
                .is_err()
        );

        store
            .outbox
            .insert(1u64.to_be_bytes(), &b"\xff"[..])
            .unwrap();
        assert!(
            matches!(store.due(t0(), 5), Err(CaseError::Corrupt { key, .. }) if key == "outbox/1")
        );
        store.mails.insert(b"loc:maildir:a", &b"[]"[..]).unwrap();
        let key = key_of("maildir:a", None, b"");
        assert!(
            matches!(store.seen(&key), Err(CaseError::Corrupt { key, .. }) if key == "mails/loc:maildir:a")
        );

        store
            .cases
            .insert(case_key(id), &b"{\"schema\":7,\"record\":{}}"[..])
            .unwrap();
        assert!(matches!(
            store.get(id),
            Err(CaseError::SchemaNewer { found: 7, .. })
        ));
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = CaseStore::open(dir.path()).unwrap();
            assert_eq!(
                store.meta.get(SCHEMA_KEY).unwrap().as_deref(),
                Some(&SCHEMA_VERSION.to_be_bytes()[..])
            );
            store
                .meta
                .insert(SCHEMA_KEY, &(SCHEMA_VERSION + 1).to_be_bytes()[..])
                .unwrap();
            store.db.flush().unwrap();
        }
        let err = CaseStore::open(dir.path()).err().unwrap();
        assert!(
            matches!(
                err,
                CaseError::SchemaNewer {
                    found,
                    supported: SCHEMA_VERSION,
                    ..
                } if found == SCHEMA_VERSION + 1
            ),
            "{err}"
        );
        assert!(err.to_string().contains("upgrade sertel"));
    }

    #[test]
    fn keys_sort_by_year_then_number() {
        let a = CaseId {
            year: 2026,
            seq: 9999,
        };
        let b = CaseId {
            year: 2026,
            seq: 10000,
        };
        let c = CaseId { year: 2027, seq: 1 };
        assert!(case_key(a) < case_key(b) && case_key(b) < case_key(c));
        assert_eq!(case_id_of(&case_key(b)), Some(b));
        assert_eq!(case_id_of(b"short"), None);
    }
}
