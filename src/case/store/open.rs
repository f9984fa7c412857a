//! Opening the database: its folders made private, its trees, the schema migrated.

use super::blobs::*;
use super::codec::*;
use super::db::*;
use crate::case::model::SCHEMA_VERSION;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

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
        crate::case::migrate::run(&store, found, SCHEMA_VERSION)?;
        Ok(store)
    }
}
