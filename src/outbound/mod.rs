//! Mail out: composing the Indonesian replies and notices ([`compose`]), and the transports
//! that deliver what the case store's outbox holds: SMTP ([`smtp`]) or a folder of `.eml`
//! files ([`folder`]) when there is no mail server.

pub mod compose;
pub mod folder;
pub mod smtp;

pub use crate::case::store::OutgoingMail;

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Try again later (connection refused, 4xx, timeout).
    #[error("temporary failure: {0}")]
    Transient(String),
    /// The server refused this message for good (5xx on a recipient, malformed address).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// Implement with `async fn send`; the future must be `Send` because the outbox sender runs
/// in its own task beside intake.
pub trait Transport {
    fn send(
        &self,
        mail: &OutgoingMail,
    ) -> impl std::future::Future<Output = Result<(), SendError>> + Send;
}
