//! Every integration test in one binary (one link instead of ten): a module per area, sharing
//! the helpers in `common` (real Dovecot and Postfix, the signing stack, the HTTP client).

mod common;

mod cli;
mod daemon;
mod desk;
mod golden;
mod hostile;
mod imap;
mod letter;
mod reading;
mod signature;
mod sources;
mod web;
