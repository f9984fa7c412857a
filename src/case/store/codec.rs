//! The store's records: keys, the JSON envelope with its schema number, and the store's error.

use crate::case::model::{CaseId, SCHEMA_VERSION};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sled::IVec;
use sled::transaction::ConflictableTransactionError;

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

pub(super) fn corrupt(key: impl Into<String>, reason: impl ToString) -> CaseError {
    CaseError::Corrupt {
        key: key.into(),
        reason: reason.to_string(),
    }
}

/// Why a transaction stopped short: the store's own error, or the caller's refusal.
pub(super) enum Stop<E> {
    Store(CaseError),
    Refused(E),
}

impl<E> From<CaseError> for ConflictableTransactionError<Stop<E>> {
    fn from(e: CaseError) -> Self {
        ConflictableTransactionError::Abort(Stop::Store(e))
    }
}

pub(super) type TxResult<T, E> = Result<T, ConflictableTransactionError<Stop<E>>>;

pub(super) const SCHEMA_KEY: &[u8] = b"schema";

#[derive(Serialize)]
pub(super) struct Envelope<'a, T> {
    schema: u32,
    record: &'a T,
}

#[derive(Deserialize)]
pub(super) struct Head {
    schema: u32,
}

#[derive(Deserialize)]
pub(super) struct Body<T> {
    record: T,
}

pub(super) fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    serde_json::to_vec(&Envelope {
        schema: SCHEMA_VERSION,
        record,
    })
    .expect("records are plain derive(Serialize) data with string map keys")
}

/// The schema is read first so that a record from a newer release is reported as such rather
/// than as damage.
pub(super) fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, CaseError> {
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

/// Sorts by year, then number.
pub(super) fn case_key(id: CaseId) -> [u8; 8] {
    let mut key = [0; 8];
    key[..4].copy_from_slice(&(id.year.cast_unsigned() ^ (1 << 31)).to_be_bytes());
    key[4..].copy_from_slice(&id.seq.to_be_bytes());
    key
}

pub(super) fn case_id_of(key: &[u8]) -> Option<CaseId> {
    let year = u32::from_be_bytes(key.get(..4)?.try_into().ok()?) ^ (1 << 31);
    let seq = u32::from_be_bytes(key.get(4..8)?.try_into().ok()?);
    (key.len() == 8).then_some(CaseId {
        year: year.cast_signed(),
        seq,
    })
}

pub(super) fn case_name(id: CaseId) -> String {
    format!("cases/{id}")
}

pub(super) fn prefixed(prefix: &str, rest: &str) -> Vec<u8> {
    [prefix.as_bytes(), rest.as_bytes()].concat()
}

pub(super) fn counter_value(name: &[u8], bytes: Option<IVec>) -> Result<u64, CaseError> {
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
