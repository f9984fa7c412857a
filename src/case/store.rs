//! The sled database: cases, the mails and attachments they hold, the record of every processed mail (exactly once), indexes, and the outbox.
