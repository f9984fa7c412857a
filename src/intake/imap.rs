//! IMAP intake (async-imap over rustls): IDLE or polling, MOVE or flags, reconnects.
use super::{Fetched, IntakeError, Locator, Mailbox};
pub struct ImapMailbox;
impl ImapMailbox {
    pub async fn connect(_cfg: &crate::config::ImapConfig) -> Result<ImapMailbox, IntakeError> {
        Err(IntakeError::Refused("TEMP".into()))
    }
}
impl Mailbox for ImapMailbox {
    async fn fetch_new(&mut self, _limit: usize) -> Result<Vec<Fetched>, IntakeError> {
        Ok(vec![])
    }
    async fn mark_processed(&mut self, _at: &Locator) -> Result<(), IntakeError> {
        Ok(())
    }
    async fn quarantine(&mut self, _at: &Locator) -> Result<(), IntakeError> {
        Ok(())
    }
    async fn wait(&mut self, _max: std::time::Duration) -> Result<(), IntakeError> {
        Ok(())
    }
}
