//! Maildir intake: the embedded default that runs with no mail server. Messages wait in
//! `new/` or `cur/`; handled ones move to the Maildir++ folders `.Processed` and `.Quarantine`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::{Fetched, IntakeError, Locator, Mailbox};

pub struct Maildir {
    root: PathBuf,
}

const PROCESSED: &str = ".Processed";
const QUARANTINE: &str = ".Quarantine";
/// How often `wait` looks for new files: a Maildir has no push, and a look is one readdir.
const LOOK_EVERY: Duration = Duration::from_millis(200);

impl Maildir {
    /// Opens (creating when missing) the Maildir at `root` and its two folders.
    pub fn open(root: &Path) -> Result<Maildir, IntakeError> {
        for dir in [
            root.to_path_buf(),
            root.join(PROCESSED),
            root.join(QUARANTINE),
        ] {
            for sub in ["new", "cur", "tmp"] {
                std::fs::create_dir_all(dir.join(sub)).map_err(|e| {
                    IntakeError::Refused(format!("cannot create {}: {e}", dir.join(sub).display()))
                })?;
            }
        }
        Ok(Maildir {
            root: root.to_path_buf(),
        })
    }

    /// Waiting messages with their modification time, oldest first.
    fn waiting(&self) -> Result<Vec<(SystemTime, String, PathBuf)>, IntakeError> {
        let mut found = Vec::new();
        for sub in ["new", "cur"] {
            let dir = self.root.join(sub);
            let entries = std::fs::read_dir(&dir).map_err(|e| {
                IntakeError::Unavailable(format!("cannot list {}: {e}", dir.display()))
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(meta) = entry.metadata() else { continue };
                if !meta.is_file() {
                    continue;
                }
                let file = entry.file_name().to_string_lossy().into_owned();
                let name = unique_name(&file).to_string();
                found.push((
                    meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    name,
                    path,
                ));
            }
        }
        found.sort();
        Ok(found)
    }

    fn find(&self, name: &str) -> Result<Option<PathBuf>, IntakeError> {
        Ok(self
            .waiting()?
            .into_iter()
            .find(|(_, n, _)| n == name)
            .map(|(_, _, p)| p))
    }

    /// Moves a message into `folder`'s `cur/`. A message already gone was moved before (a
    /// restart after the move but before the caller knew): nothing to do.
    fn move_to(&self, at: &Locator, folder: &str) -> Result<(), IntakeError> {
        let Locator::Maildir { name } = at else {
            return Err(IntakeError::Refused(format!(
                "not a Maildir message: {}",
                at.key()
            )));
        };
        let Some(from) = self.find(name)? else {
            return Ok(());
        };
        let file = from.file_name().map(|f| f.to_owned()).unwrap_or_default();
        let to = self.root.join(folder).join("cur").join(file);
        std::fs::rename(&from, &to)
            .map_err(|e| IntakeError::Unavailable(format!("cannot move {}: {e}", from.display())))
    }
}

/// The unique part of a Maildir file name: flags (`:2,S`) change as clients read the mail.
fn unique_name(file: &str) -> &str {
    file.split_once(':').map_or(file, |(name, _)| name)
}

impl Mailbox for Maildir {
    async fn list_new(&mut self, limit: usize) -> Result<Vec<Locator>, IntakeError> {
        Ok(self
            .waiting()?
            .into_iter()
            .take(limit)
            .map(|(_, name, _)| Locator::Maildir { name })
            .collect())
    }

    async fn fetch(&mut self, at: &[Locator]) -> Result<Vec<Fetched>, IntakeError> {
        let waiting = self.waiting()?;
        let mut out = Vec::new();
        for locator in at {
            let Locator::Maildir { name } = locator else {
                continue;
            };
            let Some((_, _, path)) = waiting.iter().find(|(_, n, _)| n == name) else {
                continue;
            };
            match std::fs::read(path) {
                Ok(raw) => out.push(Fetched {
                    locator: locator.clone(),
                    raw,
                }),
                // Taken away between the listing and the read: it is no longer waiting.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(IntakeError::Unavailable(format!(
                        "cannot read {}: {e}",
                        path.display()
                    )));
                }
            }
        }
        Ok(out)
    }

    async fn mark_processed(&mut self, at: &Locator) -> Result<(), IntakeError> {
        self.move_to(at, PROCESSED)
    }

    async fn quarantine(&mut self, at: &Locator) -> Result<(), IntakeError> {
        self.move_to(at, QUARANTINE)
    }

    async fn wait(&mut self, max: Duration) -> Result<(), IntakeError> {
        let until = Instant::now() + max;
        while Instant::now() < until {
            if !self.waiting()?.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(LOOK_EVERY.min(until - Instant::now())).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deliver(root: &Path, name: &str, body: &str) {
        std::fs::write(root.join("new").join(name), body).unwrap();
    }

    #[tokio::test]
    async fn messages_wait_until_moved_and_are_never_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let mut md = Maildir::open(dir.path()).unwrap();
        deliver(dir.path(), "1.a", "first");
        std::fs::write(dir.path().join("cur").join("2.b:2,S"), "second").unwrap();
        let got = md.fetch_new(10).await.unwrap();
        assert_eq!(got.len(), 2);
        let names: Vec<_> = got.iter().map(|f| f.locator.key()).collect();
        assert!(names.contains(&"maildir:2.b".to_string()), "{names:?}");

        md.mark_processed(&got[0].locator).await.unwrap();
        // Moving again (a restart that did not know the move happened) is harmless.
        md.mark_processed(&got[0].locator).await.unwrap();
        md.quarantine(&got[1].locator).await.unwrap();
        assert!(md.fetch_new(10).await.unwrap().is_empty());
        let kept = |folder: &str| {
            std::fs::read_dir(dir.path().join(folder).join("cur"))
                .unwrap()
                .count()
        };
        assert_eq!((kept(PROCESSED), kept(QUARANTINE)), (1, 1));
    }

    #[tokio::test]
    async fn wait_returns_early_when_mail_arrives() {
        let dir = tempfile::tempdir().unwrap();
        let mut md = Maildir::open(dir.path()).unwrap();
        let root = dir.path().to_path_buf();
        let writer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            deliver(&root, "3.c", "third");
        });
        let started = Instant::now();
        md.wait(Duration::from_secs(20)).await.unwrap();
        writer.await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(md.fetch_new(10).await.unwrap().len(), 1);
    }
}
