//! sertel: the electronic-certificate (sertifikat elektronik, BSrE) desk of Dinas Kominfo
//! Kabupaten Gorontalo, as a library.
//!
//! One application email goes through these stages, one module each:
//!
//! 1. [`parse`]: raw RFC 5322 bytes → sender, subject, date, Message-ID, body text and every
//!    attachment (forwarded `message/rfc822` and inline `multipart/related` parts too), with
//!    sanitised filenames and the real file type sniffed from magic bytes.
//! 2. [`extract::body`]: the form fields the applicant typed into the body (Nama, NIK, NIP, …).
//! 3. [`classify`]: each attachment as KTP, SK, surat permohonan or other, by content first and
//!    filename second, with the keywords in `rules/classify.toml`.
//! 4. [`text`]: text from a PDF's text layer, or OCR (tesseract, `ind`) of images and scanned
//!    pages after finding, straightening and cleaning the card.
//! 5. [`extract::ktp`], [`extract::sk`]: typed fields with a confidence each.
//! 6. [`checklist`]: the verifier's checklist from `rules/checklist.toml`, each item a verdict
//!    (`ok`, `missing`, `mismatch`, `invalid`, `review`).
//!
//! [`inspect`] runs the stages in order and builds the [`inspect::Report`] that `sertel inspect`
//! prints.
//!
//! The daemon (`sertel run`, [`daemon`]) wraps that pipeline:
//!
//! 7. [`intake`]: the official mailbox over IMAP (IDLE, MOVE) or a local Maildir; a message is
//!    moved out only after its case is durable. [`intake::vouch`] decides whether the office's
//!    mail server vouches for a staff mail's sender (a From address proves nothing).
//! 8. [`case`]: cases in sled, numbered `TTE-2026-0007`, with mails, attachments, checklist,
//!    SOP state ([`case::sop`]) and history; the store ([`case::store`]) keeps the records, the
//!    blobs, the exactly-once ledger of processed mails and the outbox.
//! 9. [`outbound`]: the Indonesian replies and notices, delivered from the outbox by SMTP (or
//!    written as `.eml` files) with retries.
//!
//! The use cases sit in [`desk`], below every door: what a mail means for the cases
//! ([`desk::mail`]), each staff command ([`desk::command`]), the letters ([`desk::letters`]),
//! reminders and the desk's accounts. The doors only call them: [`daemon`] (the loop and
//! [`daemon::process_next`], one mail from inbox to stored case and queued replies),
//! [`control`] (the socket the CLI reaches the running daemon through) and [`web`] (the
//! verifiers' and the Kadis's desk in the browser, with the login throttle of [`web::login`]).
//!
//! The typed values every stage shares (NIK, NIP, phone, email, names, and the applicant's
//! eight fields as one [`applicant::ApplicantFields`]) live in [`applicant`]; [`rulefile`] reads
//! one rule file and [`rules`] loads them all; [`config`] is the daemon's TOML file; [`letter`]
//! drafts the recommendation letter to BSrE (PDF and DOCX from `rules/letter.toml`);
//! [`signature`] verifies the Kadis's PAdES-signed letter (his signature, its timestamps, what
//! changed after it, revocation) against `[signing]`;
//! `synth` (cargo feature `synth`) makes synthetic applications for tests and benchmarks
//! (never real people's documents). `scripts/layers` keeps the modules on their floors.

pub mod applicant;
pub mod audit;
pub mod bsre;
pub mod calendar;
pub mod case;
pub mod checklist;
pub mod classify;
pub mod config;
pub mod control;
pub mod daemon;
pub mod desk;
pub mod extract;
pub mod inspect;
pub mod intake;
pub mod letter;
pub mod outbound;
pub mod parse;
pub mod report;
pub mod rulefile;
pub mod rules;
pub mod signature;
#[cfg(any(test, feature = "synth"))]
pub mod synth;
pub mod text;
pub mod web;
