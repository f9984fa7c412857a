//! Maildir intake: the embedded default that runs with no mail server.
