//! Intake: where application mail comes from (an IMAP mailbox, or a local Maildir when there
//! is no mail server) and where each message goes once its case is durably stored: the
//! processed folder, or quarantine. Never deletes mail.

pub mod imap;
pub mod maildir;
pub mod vouch;

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Where a message sits in its mailbox, stable across reconnects while UIDVALIDITY holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Locator {
    Imap {
        uidvalidity: u32,
        uid: u32,
    },
    /// The file's unique name (the part before `:2,`).
    Maildir {
        name: String,
    },
}

impl Locator {
    /// The key the case store records it under.
    pub fn key(&self) -> String {
        match self {
            Locator::Imap { uidvalidity, uid } => format!("imap:{uidvalidity}:{uid}"),
            Locator::Maildir { name } => format!("maildir:{name}"),
        }
    }
}

/// One message not yet processed.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub locator: Locator,
    pub raw: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The connection or the server failed; reconnecting later may help.
    #[error("mailbox unavailable: {0}")]
    Unavailable(String),
    /// Wrong settings or credentials; retrying will not help until someone fixes them.
    #[error("mailbox refused: {0}")]
    Refused(String),
}

/// A mailbox the daemon takes applications from.
#[allow(async_fn_in_trait)]
pub trait Mailbox {
    /// Where the messages not yet moved out (or flagged) as processed or quarantined sit,
    /// oldest first, at most `limit`.
    async fn list_new(&mut self, limit: usize) -> Result<Vec<Locator>, IntakeError>;
    /// The messages at these places, in the same order; one taken away since it was listed
    /// is left out.
    async fn fetch(&mut self, at: &[Locator]) -> Result<Vec<Fetched>, IntakeError>;
    /// The waiting messages themselves, oldest first, at most `limit`.
    async fn fetch_new(&mut self, limit: usize) -> Result<Vec<Fetched>, IntakeError> {
        let at = self.list_new(limit).await?;
        self.fetch(&at).await
    }
    /// Moves the message to the processed folder (or flags it, where the server cannot move).
    async fn mark_processed(&mut self, at: &Locator) -> Result<(), IntakeError>;
    /// Moves the message to the quarantine folder (or flags it so).
    async fn quarantine(&mut self, at: &Locator) -> Result<(), IntakeError>;
    /// Returns when new mail may have arrived (IMAP IDLE) or after `max`, whichever is first.
    async fn wait(&mut self, max: Duration) -> Result<(), IntakeError>;
}
