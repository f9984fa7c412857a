//! The sled database: cases, the mails and attachments they hold, the record of every processed mail (exactly once), indexes, and the outbox.
//!
//! Every write is one sled transaction over all trees, flushed to disk before the call returns,
//! so a crash leaves either everything a mail caused or nothing of it. Records are JSON in an
//! envelope carrying the schema number; blobs (raw mails, attachments, outgoing mails) are kept
//! by SHA-256 and never deleted, as files beside the database ((`blobs`)), each written and
//! synced before the transaction that refers to it commits.
//!
//! While a transaction runs, sled holds a process-wide lock that every other read waits for:
//! the closures given to [`CaseStore::open_case`], [`CaseStore::add_mail`] and
//! [`CaseStore::update`] must not call the store themselves.

mod blobs;
mod cases;
mod codec;
mod db;
mod open;
mod outbox;
mod seen;
#[cfg(test)]
mod tests;

pub use blobs::*;
pub use codec::*;
pub use db::*;
pub use outbox::*;
pub use seen::*;
