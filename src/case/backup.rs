//! Backups an office can restore: `sertel backup DIR` while the daemon runs, `sertel restore
//! DIR` into an empty data directory, `sertel verify` of a data directory.
//!
//! A backup is a folder: `objects/` (the blob files, named by SHA-256 and checked against it
//! as they are copied), `trees/NAME.kv` (every key and value of the database's trees, read
//! while no transaction runs), and `manifest.json`, written last, with the counts and the
//! SHA-256 of every tree file. The blobs are copied before the trees and once more after, so
//! every blob a copied record names is in the backup.

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::SCHEMA_VERSION;
use super::store::{BACKUP_TREES, CaseError, CaseStore, TreeDump, sha256_hex};

/// The layout of the backup folder; a newer one is refused.
const FORMAT: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("folder cadangan {0} sudah berisi berkas; pakai folder baru yang kosong")]
    NotEmpty(PathBuf),
    #[error(
        "folder data {0} tidak kosong; pulihkan hanya ke folder data yang kosong atau belum ada"
    )]
    DataNotEmpty(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cadangan {0} tidak memiliki manifest.json yang dapat dibaca: {1}")]
    Manifest(PathBuf, String),
    #[error(
        "cadangan dibuat dengan format {found}, lebih baru dari yang dipahami sertel ini ({FORMAT})"
    )]
    FormatNewer { found: u32 },
    #[error(
        "cadangan berisi skema {found}, lebih baru dari sertel ini ({SCHEMA_VERSION}); perbarui sertel"
    )]
    SchemaNewer { found: u32 },
    #[error("cadangan rusak: {0}")]
    Damaged(String),
    #[error("basis data kasus: {0}")]
    Store(#[from] CaseError),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeFile {
    pub name: String,
    pub entries: usize,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub sertel_version: String,
    pub schema: u32,
    pub created_at: DateTime<Utc>,
    pub cases: usize,
    pub outbox: usize,
    pub blobs: usize,
    pub blob_bytes: u64,
    pub trees: Vec<TreeFile>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn private_dir(dir: &Path) -> Result<(), BackupError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io(dir))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), BackupError> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

fn is_sha256(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Every blob file below `dir` (`xx/<sha256>`), by name.
fn blob_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, BackupError> {
    let mut found = Vec::new();
    let Ok(shards) = std::fs::read_dir(dir) else {
        return Ok(found);
    };
    for shard in shards {
        let shard = shard.map_err(io(dir))?.path();
        if !shard.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&shard).map_err(io(&shard))? {
            let path = file.map_err(io(&shard))?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if is_sha256(&name) {
                found.push((name, path));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Copies the blobs of `from` not yet in `copied` into `to`, each checked against its name.
fn copy_blobs(from: &Path, to: &Path, copied: &mut BTreeSet<String>) -> Result<u64, BackupError> {
    let mut bytes = 0;
    for (name, path) in blob_files(from)? {
        if copied.contains(&name) {
            continue;
        }
        let data = std::fs::read(&path).map_err(io(&path))?;
        if sha256_hex(&data) != name {
            return Err(BackupError::Damaged(format!(
                "berkas {} di folder data tidak sesuai dengan namanya (SHA-256); periksa dengan sertel verify",
                path.display()
            )));
        }
        let shard = to.join(&name[..2]);
        private_dir(&shard)?;
        write_private(&shard.join(&name), &data)?;
        bytes += data.len() as u64;
        copied.insert(name);
    }
    Ok(bytes)
}

/// `[u32 key length][key][u32 value length][value]`, big-endian, for every entry.
fn encode_tree(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in entries {
        for part in [k, v] {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part);
        }
    }
    out
}

fn decode_tree(bytes: &[u8]) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut entries = Vec::new();
    let mut rest = bytes;
    let take = |rest: &mut &[u8]| -> Option<Vec<u8>> {
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let part = rest.get(4..4 + len)?.to_vec();
        *rest = &rest[4 + len..];
        Some(part)
    };
    while !rest.is_empty() {
        let k = take(&mut rest)?;
        let v = take(&mut rest)?;
        entries.push((k, v));
    }
    Some(entries)
}

/// Writes a consistent backup of `store` into `dir`, which must be empty or not exist.
pub fn backup(store: &CaseStore, dir: &Path, now: DateTime<Utc>) -> Result<Manifest, BackupError> {
    if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(BackupError::NotEmpty(dir.to_path_buf()));
    }
    private_dir(&dir.join("trees"))?;
    let objects = dir.join("objects");
    private_dir(&objects)?;
    let mut copied = BTreeSet::new();
    let mut blob_bytes = copy_blobs(&store.blob_dir(), &objects, &mut copied)?;
    let trees = store.export_trees()?;
    // What was written while the first copy ran is named by the trees just read.
    blob_bytes += copy_blobs(&store.blob_dir(), &objects, &mut copied)?;
    let count = |name: &str| {
        trees
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, e)| e.len())
    };
    let mut files = Vec::new();
    for (name, entries) in &trees {
        let bytes = encode_tree(entries);
        write_private(&dir.join("trees").join(format!("{name}.kv")), &bytes)?;
        files.push(TreeFile {
            name: name.clone(),
            entries: entries.len(),
            sha256: sha256_hex(&bytes),
        });
    }
    let manifest = Manifest {
        format: FORMAT,
        sertel_version: env!("CARGO_PKG_VERSION").to_string(),
        schema: SCHEMA_VERSION,
        created_at: now,
        cases: count("cases"),
        outbox: count("outbox"),
        blobs: copied.len(),
        blob_bytes,
        trees: files,
    };
    let text = serde_json::to_vec_pretty(&manifest).expect("the manifest is plain data");
    write_private(&dir.join("manifest.json"), &text)?;
    tracing::info!(dir = %dir.display(), cases = manifest.cases, blobs = manifest.blobs, "backup written");
    Ok(manifest)
}

/// Reads and checks the backup in `dir`: its manifest, every tree file's hash, every blob
/// against its name. Nothing is written.
pub fn check(dir: &Path) -> Result<(Manifest, Vec<TreeDump>), BackupError> {
    let path = dir.join("manifest.json");
    let text = std::fs::read(&path)
        .map_err(|e| BackupError::Manifest(dir.to_path_buf(), e.to_string()))?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| BackupError::Manifest(dir.to_path_buf(), e.to_string()))?;
    if manifest.format > FORMAT {
        return Err(BackupError::FormatNewer {
            found: manifest.format,
        });
    }
    if manifest.schema > SCHEMA_VERSION {
        return Err(BackupError::SchemaNewer {
            found: manifest.schema,
        });
    }
    let mut trees = Vec::new();
    for tree in &manifest.trees {
        if !BACKUP_TREES.contains(&tree.name.as_str()) {
            return Err(BackupError::Damaged(format!(
                "pohon tak dikenal {}",
                tree.name
            )));
        }
        let path = dir.join("trees").join(format!("{}.kv", tree.name));
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        if sha256_hex(&bytes) != tree.sha256 {
            return Err(BackupError::Damaged(format!(
                "{} tidak sesuai dengan SHA-256 di manifest",
                path.display()
            )));
        }
        let entries = decode_tree(&bytes)
            .filter(|e| e.len() == tree.entries)
            .ok_or_else(|| {
                BackupError::Damaged(format!("{} tidak dapat dibaca", path.display()))
            })?;
        trees.push((tree.name.clone(), entries));
    }
    let blobs = blob_files(&dir.join("objects"))?;
    if blobs.len() != manifest.blobs {
        return Err(BackupError::Damaged(format!(
            "manifest mencatat {} berkas, folder objects berisi {}",
            manifest.blobs,
            blobs.len()
        )));
    }
    for (name, path) in &blobs {
        let data = std::fs::read(path).map_err(io(path))?;
        if sha256_hex(&data) != *name {
            return Err(BackupError::Damaged(format!(
                "{} tidak sesuai dengan namanya (SHA-256)",
                path.display()
            )));
        }
    }
    Ok((manifest, trees))
}

/// Restores the backup in `dir` into `data_dir`, which must be empty or not exist, and
/// verifies the result.
pub fn restore(dir: &Path, data_dir: &Path) -> Result<Manifest, BackupError> {
    let (manifest, trees) = check(dir)?;
    if std::fs::read_dir(data_dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(BackupError::DataNotEmpty(data_dir.to_path_buf()));
    }
    let store = CaseStore::open(data_dir)?;
    if !store.is_empty() {
        return Err(BackupError::DataNotEmpty(data_dir.to_path_buf()));
    }
    for (name, path) in blob_files(&dir.join("objects"))? {
        let data = std::fs::read(&path).map_err(io(&path))?;
        store.put_blob_file(&name, &data)?;
    }
    for (name, entries) in &trees {
        store.import_tree(name, entries)?;
    }
    let report = verify(&store)?;
    if !report.problems.is_empty() {
        return Err(BackupError::Damaged(report.problems.join("; ")));
    }
    tracing::info!(dir = %dir.display(), cases = manifest.cases, "backup restored");
    Ok(manifest)
}

/// What `sertel verify` found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verified {
    pub cases: usize,
    pub blobs_checked: usize,
    /// Blob files no record names (left by a crash during an erasure, for one): harmless.
    pub unnamed: usize,
    pub problems: Vec<String>,
}

/// Checks a data directory: every blob a case or the outbox names exists and matches its
/// hash.
pub fn verify(store: &CaseStore) -> Result<Verified, BackupError> {
    let mut report = Verified::default();
    let cases = store.list()?;
    report.cases = cases.len();
    let mut named = BTreeSet::new();
    for case in &cases {
        for sha256 in case.blob_names() {
            if !named.insert(sha256.clone()) {
                continue;
            }
            report.blobs_checked += 1;
            match store.blob(&sha256)? {
                Some(bytes) if sha256_hex(&bytes) == sha256 => {}
                Some(_) => report.problems.push(format!(
                    "kasus {}: berkas {sha256} rusak (SHA-256 berbeda)",
                    case.id
                )),
                None if case.erased.is_some() => {}
                None => report
                    .problems
                    .push(format!("kasus {}: berkas {sha256} tidak ada", case.id)),
            }
        }
    }
    for (what, entries) in [
        ("outbox", store.outbox()),
        ("dead letter", store.dead_letters()),
    ] {
        if let Err(e) = entries {
            report.problems.push(format!("{what}: {e}"));
        }
    }
    for record in store.quarantined()? {
        named.insert(record.sha256.clone());
        if store.blob(&record.sha256)?.is_none() {
            report
                .problems
                .push(format!("karantina: surel {} tidak ada", record.sha256));
        }
    }
    report.unnamed = blob_files(&store.blob_dir())?
        .iter()
        .filter(|(name, _)| !named.contains(name))
        .count();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_files_round_trip_and_a_cut_one_is_refused() {
        let entries = vec![
            (b"k1".to_vec(), b"v1".to_vec()),
            (Vec::new(), vec![0u8; 300]),
        ];
        let bytes = encode_tree(&entries);
        assert_eq!(decode_tree(&bytes), Some(entries));
        assert_eq!(decode_tree(&bytes[..bytes.len() - 1]), None);
    }
}
