//! Schema migrations, run by [`CaseStore::open`] on a database an older release wrote: each
//! step takes the database from one schema to the next. A step may be interrupted and run
//! again (each is idempotent), and the schema number moves on only once its step completed.

use super::store::{CaseError, CaseStore};

/// One migration step, run on the open store.
type Step = fn(&CaseStore) -> Result<(), CaseError>;

/// The step from schema `n` to `n + 1` is `STEPS[n - 1]`.
const STEPS: [(&str, Step); 1] = [("blobs kept in the database become files", blobs_to_files)];

/// Brings a database at schema `found` to `target`, one step at a time.
pub(super) fn run(store: &CaseStore, found: u32, target: u32) -> Result<(), CaseError> {
    for from in found..target {
        let Some((what, step)) = STEPS.get(from as usize - 1) else {
            return Err(CaseError::Misuse(format!(
                "no migration from schema {from} to {}",
                from + 1
            )));
        };
        tracing::info!(from, to = from + 1, what, "migrating the case database");
        step(store)?;
        store.set_schema(from + 1)?;
    }
    Ok(())
}

/// Schema 1 → 2: releases before blob files kept attachments and raw mails in the `blobs`
/// tree, which sled holds in memory for as long as the database is open. Each becomes a
/// file (checked against its name) and leaves the tree; one whose bytes do not match its name
/// stays where it is, for a person to look at.
fn blobs_to_files(store: &CaseStore) -> Result<(), CaseError> {
    let legacy = store.tree("blobs")?;
    let mut moved = 0;
    for entry in legacy.iter() {
        let (key, bytes) = entry?;
        let name = String::from_utf8_lossy(&key).into_owned();
        match store.put_blob_file(&name, &bytes) {
            Ok(()) => {
                legacy.remove(&key)?;
                moved += 1;
            }
            Err(CaseError::Checksum { .. }) | Err(CaseError::Misuse(_)) => {
                tracing::warn!(blob = %name, "a stored blob does not match its name; left in the database");
            }
            Err(e) => return Err(e),
        }
    }
    legacy.flush()?;
    tracing::info!(moved, "blobs moved from the database to files");
    Ok(())
}
