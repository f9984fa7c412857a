//! Blobs (raw mails, attachments, outgoing mails) as files beside the database, by SHA-256.

use super::codec::*;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Lowercase hex SHA-256, the name blobs are kept under.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Blobs as files, `<dir>/<first two hex digits>/<sha256>`. sled keeps every value it has
/// written in memory for as long as the database is open, so a daemon that stored every
/// attachment in it would grow by each mail's size; as files they cost memory only while read.
#[derive(Clone)]
pub(super) struct BlobFiles {
    dir: PathBuf,
}

impl BlobFiles {
    pub(super) fn open(dir: &Path) -> Result<BlobFiles, CaseError> {
        private_dir(dir).map_err(|e| blob_error(dir, e))?;
        Ok(BlobFiles {
            dir: dir.to_path_buf(),
        })
    }

    /// `None` for a name that is not a SHA-256: such a name can never have been stored, and
    /// must not reach the file system.
    pub(super) fn path(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| self.dir.join(&sha256[..2]).join(sha256))
    }

    /// Written to a temporary name, synced, renamed into place and the directory synced: once
    /// this returns, the blob survives a crash, and a half-written one is never visible.
    pub(super) fn put(&self, sha256: &str, bytes: &[u8]) -> Result<(), CaseError> {
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
    pub(super) fn remove(&self, sha256: &str) -> Result<bool, CaseError> {
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

    pub(super) fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, CaseError> {
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
pub(super) fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Makes every file below `dir` readable by its owner only, and every folder listable by its
/// owner only: a data directory from a release that wrote 0644 files is tightened on open.
pub(super) fn tighten(dir: &Path) -> std::io::Result<()> {
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

pub(super) fn blob_error(path: &Path, source: std::io::Error) -> CaseError {
    CaseError::Blob {
        path: path.display().to_string(),
        source,
    }
}
