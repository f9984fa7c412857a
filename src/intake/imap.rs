//! IMAP intake (async-imap over rustls): IDLE or polling, MOVE or flags, reconnects.
