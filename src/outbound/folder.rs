//! Delivery into a folder of `.eml` files, for running without a mail server: one file per
//! Message-ID, written atomically so a reader never sees half a mail.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::case::store::sha256_hex;

use super::{OutgoingMail, SendError, Transport};

pub struct FolderTransport {
    dir: PathBuf,
}

impl FolderTransport {
    /// Creates `dir` when missing.
    pub fn new(dir: impl AsRef<Path>) -> io::Result<FolderTransport> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir)?;
        Ok(FolderTransport { dir })
    }
}

impl Transport for FolderTransport {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let dir = self.dir.clone();
        let name = file_name(&mail.message_id, &mail.raw);
        let raw = mail.raw.clone();
        tokio::task::spawn_blocking(move || write_atomically(&dir, &name, &raw))
            .await
            .map_err(|e| SendError::Transient(format!("writer task failed: {e}")))?
            // A full disk or a permission problem is the operator's to fix; the mail waits.
            .map_err(|e| {
                SendError::Transient(format!("cannot write to {}: {e}", self.dir.display()))
            })
    }
}

/// The Message-ID made safe as a file name. When anything had to be replaced or cut, a hash of
/// the original is appended so that two ids never share a file.
fn file_name(message_id: &str, raw: &[u8]) -> String {
    let safe: String = message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@' | '+' | '=') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // A leading dot would hide the file, and is how temporary files are told apart.
    let safe = safe.trim_start_matches('.');
    if safe.is_empty() {
        return format!("{}.eml", &sha256_hex(raw)[..32]);
    }
    if safe == message_id && safe.len() <= 180 {
        return format!("{safe}.eml");
    }
    let hash = &sha256_hex(message_id.as_bytes())[..16];
    let cut = safe.char_indices().nth(180).map_or(safe.len(), |(i, _)| i);
    format!("{}.{hash}.eml", &safe[..cut])
}

fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    // Unique per process and call, so two sends of the same mail never share a temporary file;
    // the rename then leaves exactly one copy.
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, dir.join(name))?;
        // The rename is durable only once the directory itself is synced.
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Purpose;

    fn mail(id: &str, raw: &str) -> OutgoingMail {
        OutgoingMail {
            purpose: Purpose::Acknowledgement,
            from: "tte@gorontalokab.go.id".into(),
            to: vec!["budi@example.com".into()],
            message_id: id.into(),
            raw: raw.as_bytes().to_vec(),
        }
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn writes_one_file_per_message_id() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("outbox/eml");
        let t = FolderTransport::new(&dir).unwrap();
        let id = "sertel.TTE-2026-0007.acknowledgement.0011223344556677@gorontalokab.go.id";
        t.send(&mail(id, "Subject: a\r\n\r\nsatu\r\n"))
            .await
            .unwrap();
        t.send(&mail(id, "Subject: a\r\n\r\nsatu\r\n"))
            .await
            .unwrap();
        assert_eq!(listing(&dir), vec![format!("{id}.eml")]);
        assert_eq!(
            fs::read(dir.join(format!("{id}.eml"))).unwrap(),
            b"Subject: a\r\n\r\nsatu\r\n"
        );

        t.send(&mail("lain@x", "Subject: b\r\n\r\ndua\r\n"))
            .await
            .unwrap();
        assert_eq!(listing(&dir).len(), 2);
    }

    #[tokio::test]
    async fn concurrent_sends_of_one_mail_leave_one_file() {
        let tmp = tempfile::tempdir().unwrap();
        let t = FolderTransport::new(tmp.path()).unwrap();
        let m = mail("sama@x", "Subject: c\r\n\r\ntiga\r\n");
        let sends: Vec<_> = (0..8).map(|_| t.send(&m)).collect();
        for r in futures::future::join_all(sends).await {
            r.unwrap();
        }
        assert_eq!(listing(tmp.path()), vec!["sama@x.eml".to_string()]);
    }

    #[test]
    fn file_names_are_safe_and_distinct() {
        assert_eq!(file_name("a.b@c", b""), "a.b@c.eml");
        let slash = file_name("../../etc/passwd", b"");
        assert!(!slash.contains('/') && !slash.starts_with('.'), "{slash}");
        assert_ne!(file_name("a/b@c", b""), file_name("a_b@c", b""));
        assert_ne!(file_name("a/b@c", b""), file_name("a:b@c", b""));
        assert!(file_name(&"x".repeat(400), b"").len() < 240);
        assert_ne!(file_name("", b"one"), file_name("", b"two"));
        assert!(file_name("", b"one").ends_with(".eml"));
    }

    #[tokio::test]
    async fn unwritable_folder_is_transient() {
        let tmp = tempfile::tempdir().unwrap();
        let t = FolderTransport::new(tmp.path().join("gone")).unwrap();
        fs::remove_dir(tmp.path().join("gone")).unwrap();
        let err = t.send(&mail("a@b", "x")).await.unwrap_err();
        assert!(matches!(err, SendError::Transient(_)), "{err}");
    }
}
