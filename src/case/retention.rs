//! How long personal data is kept (UU PDP 27/2022): erasing a case's documents when its
//! retention passes or on request, and removing old case records altogether.
//!
//! Erasing deletes the files a case names (KTP and SK images, raw mails in and out, letters)
//! unless another case that still keeps its documents needs the same file, clears what was read
//! from them, masks every NIK left in the record, and records who erased what and why. The case
//! itself stays listed, with its history, until the record's own retention passes.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use super::store::{CaseError, CaseStore};
use super::{Actor, Case, CaseId, Erasure, EventKind};
use crate::applicant::nik::{mask_nik_like, mask_niks_in};
use crate::config::Retention;

/// Why a case's data was not erased; messages for staff, in Indonesian.
#[derive(Debug, thiserror::Error)]
pub enum EraseError {
    #[error("kasus {0} tidak ditemukan")]
    NotFound(CaseId),
    #[error("data pribadi kasus {0} sudah dihapus sebelumnya")]
    AlreadyErased(CaseId),
    #[error(
        "kasus {0} masih berjalan ({1}); hapus data pribadinya hanya bila memang diminta, dengan --force"
    )]
    InProgress(CaseId, &'static str),
    #[error("basis data kasus: {0}")]
    Store(#[from] CaseError),
}

/// The reason recorded when the retention period erases a case's data.
pub const RETENTION_REASON: &str = "dihapus sesuai retensi";

/// Erases the personal data of case `id` at once. A case still in progress needs `force`.
pub fn erase(
    store: &CaseStore,
    id: CaseId,
    by: &str,
    reason: &str,
    force: bool,
    now: DateTime<Utc>,
) -> Result<Erasure, EraseError> {
    let case = store.get(id)?.ok_or(EraseError::NotFound(id))?;
    if case.erased.is_some() {
        return Err(EraseError::AlreadyErased(id));
    }
    if !case.state.is_closed() && !force {
        return Err(EraseError::InProgress(id, case.state.label_id()));
    }
    let needed_elsewhere: BTreeSet<String> = store
        .list()?
        .iter()
        .filter(|other| other.id != id && other.erased.is_none())
        .flat_map(Case::blob_names)
        .collect();
    let names = case.blob_names();
    let (kept, gone): (Vec<&String>, Vec<&String>) = names
        .iter()
        .partition(|sha| needed_elsewhere.contains(*sha));
    let erasure = Erasure {
        at: now,
        by: by.to_string(),
        reason: reason.to_string(),
        files_removed: gone.len(),
        files_kept_shared: kept.len(),
    };
    let recorded = erasure.clone();
    let actor = if by == RETENTION_ACTOR {
        Actor::System
    } else {
        Actor::Staff(by.to_string())
    };
    store
        .update(id, now, |case| {
            mask(case);
            case.erased = Some(recorded.clone());
            case.record(
                actor.clone(),
                EventKind::DataErased {
                    reason: recorded.reason.clone(),
                    files_removed: recorded.files_removed,
                    files_kept_shared: recorded.files_kept_shared,
                },
                None,
                now,
            );
            Ok::<_, std::convert::Infallible>(Vec::new())
        })?
        .unwrap_or_else(|never| match never {});
    // The record no longer names them: a crash from here on leaves only unnamed files, which
    // `sertel verify` reports.
    store.forget_dead_letters_of(id)?;
    for sha256 in gone {
        store.remove_blob(sha256)?;
    }
    tracing::info!(case = %id, files = erasure.files_removed, shared = erasure.files_kept_shared, "personal data erased");
    Ok(erasure)
}

/// Who the history names when retention erases.
pub const RETENTION_ACTOR: &str = "sertel (retensi)";

/// What one retention pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub erased: Vec<CaseId>,
    pub removed: Vec<CaseId>,
}

/// Erases the data of every closed case whose documents' retention has passed, and removes
/// the records whose own retention has passed.
pub fn sweep(
    store: &CaseStore,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<Swept, CaseError> {
    let mut swept = Swept::default();
    let documents = TimeDelta::days(i64::from(retention.documents_days));
    let record = retention.record_days.map(|d| TimeDelta::days(i64::from(d)));
    for case in store.list()? {
        let Some(closed) = case.closed_at() else {
            continue;
        };
        if case.erased.is_none() && closed + documents <= now {
            match erase(
                store,
                case.id,
                RETENTION_ACTOR,
                RETENTION_REASON,
                false,
                now,
            ) {
                Ok(_) => swept.erased.push(case.id),
                Err(EraseError::Store(e)) => return Err(e),
                Err(e) => tracing::warn!(case = %case.id, error = %e, "retention skipped a case"),
            }
        }
        if record.is_some_and(|keep| closed + keep.max(documents) <= now) {
            store.remove_case(case.id)?;
            tracing::info!(case = %case.id, "case record removed at the end of its retention");
            swept.removed.push(case.id);
        }
    }
    Ok(swept)
}

/// Drops what was read from the documents and masks every NIK the record still holds: the
/// applicant's, and any quoted in the checklist, the notes and the history. Identifiers of
/// files and mails are left as they are, since their hex digits are no NIK.
fn mask(case: &mut Case) {
    case.documents.clear();
    case.body = None;
    if let Some(nik) = case.applicant.fields.nik.as_mut() {
        *nik = mask_nik_like(nik);
    }
    let Ok(mut value) = serde_json::to_value(&*case) else {
        return;
    };
    mask_value(&mut value, "");
    if let Ok(masked) = serde_json::from_value(value) {
        *case = masked;
    }
}

fn mask_value(value: &mut Value, key: &str) {
    let identifier = key.ends_with("sha256")
        || matches!(key, "message_id" | "thread" | "mail" | "id" | "reply_to");
    match value {
        Value::String(s) if !identifier => *s = mask_niks_in(s),
        Value::Array(items) if !identifier => {
            for item in items {
                mask_value(item, key);
            }
        }
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                mask_value(v, k);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applicant::ApplicantFields;
    use crate::case::{ApplicantRecord, ChecklistEntry, State};
    use crate::checklist::Status;

    const NIK: &str = "7502011203850001";

    #[test]
    fn masking_leaves_no_nik_and_keeps_identifiers() {
        let now = Utc::now();
        let mut case = Case::new(
            CaseId { year: 2026, seq: 1 },
            now,
            ApplicantRecord {
                reply_to: "a@b.test".into(),
                fields: ApplicantFields {
                    nik: Some(NIK.into()),
                    name: Some("Rahmat".into()),
                    ..Default::default()
                },
            },
            None,
        );
        case.checklist.push(ChecklistEntry {
            id: "nik_matches_ktp".into(),
            status: Status::Mismatch,
            label: "NIK".into(),
            detail: format!("surel {NIK}, KTP 7502 0112 0385 0002"),
            checked_by: None,
        });
        case.thread.push("1234567890123456@x".into());
        let _ = case.transition(
            State::Ditolak,
            Actor::System,
            now,
            Some(format!("NIK {NIK} salah")),
        );
        mask(&mut case);
        let text = serde_json::to_string(&case).unwrap();
        assert!(!text.contains(NIK), "{text}");
        assert!(!text.contains("7502 0112 0385 0002"), "{text}");
        assert_eq!(
            case.applicant.fields.nik.as_deref(),
            Some("7502********0001")
        );
        assert_eq!(case.applicant.fields.name.as_deref(), Some("Rahmat"));
        assert_eq!(case.thread, ["1234567890123456@x"]);
    }
}
