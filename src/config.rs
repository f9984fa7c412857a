//! The daemon's one TOML configuration file: the office and its people, where mail comes in and
//! goes out, where cases are kept, and the SOP's time standards. Every key is documented in
//! `samples/sertel.toml`.

use crate::calendar::OfficeCalendar;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("secret for {what}: {message}")]
    Secret { what: String, message: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub office: Office,
    pub storage: Storage,
    pub intake: Intake,
    pub outbound: Outbound,
    #[serde(default)]
    pub standards: Standards,
    #[serde(default)]
    pub replies: Replies,
    /// The web desk; without a `[web]` section the daemon serves no web pages.
    pub web: Option<WebConfig>,
    #[serde(default)]
    pub signing: Signing,
    #[serde(default)]
    pub retention: Retention,
    /// BSrE's eSign API v2 (usually through the office's gateway); without it sertel never
    /// talks to BSrE, and steps 5 and 11 are marked by hand.
    pub bsre: Option<BsreConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BsreConfig {
    /// `https://esign.example.go.id` (plain `http` only on loopback).
    pub base_url: String,
    /// HTTP basic auth: the office's API user and password (as for IMAP: inline, env or file).
    pub user: String,
    pub password: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    /// PEM file of the gateway's certificate authority, beside the system's.
    pub ca_file: Option<PathBuf>,
    /// How long one call may take.
    #[serde(default = "default_bsre_timeout")]
    pub timeout_seconds: u64,
    /// The Kadis's NIK, whose certificate signs the letters on the desk.
    pub kadis_nik: String,
    /// How often the daemon asks BSrE how each submitted applicant's certificate stands, in
    /// office hours; it backs off while BSrE fails.
    #[serde(default = "default_status_every")]
    pub status_every_minutes: u64,
}

fn default_bsre_timeout() -> u64 {
    30
}

fn default_status_every() -> u64 {
    30
}

impl BsreConfig {
    pub fn password(&self) -> Result<String, ConfigError> {
        required_secret(
            format!("BSrE user {}", self.user),
            &self.password,
            &self.password_env,
            &self.password_file,
        )
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds.clamp(1, 600))
    }

    pub fn status_every(&self) -> Duration {
        Duration::from_secs(self.status_every_minutes.max(1) * 60)
    }
}

/// How long a closed case (`terbit`, `ditolak`, `dibatalkan`) keeps its personal data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Days after the case closed until its KTP and SK images, raw mails and letters are
    /// erased and its NIK masked.
    #[serde(default = "default_documents_days")]
    pub documents_days: u32,
    /// Days after the case closed until its record (with the masked history) is removed too;
    /// unset keeps records for good.
    #[serde(default)]
    pub record_days: Option<u32>,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention {
            documents_days: default_documents_days(),
            record_days: None,
        }
    }
}

fn default_documents_days() -> u32 {
    365
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signing {
    /// PEM files of the certificate authorities whose signatures on the Kadis's letters are
    /// accepted (the BSrE root); empty refuses every signed letter.
    #[serde(default)]
    pub trust_anchors: Vec<PathBuf>,
    /// PEM files of further CAs a timestamp authority may chain to (besides `trust_anchors`).
    #[serde(default)]
    pub tsa_anchors: Vec<PathBuf>,
    /// The Kadis's certificate: only a signature by it gives the letter its authority.
    /// Without it every signed letter is refused.
    pub signer: Option<SignerSpec>,
}

/// The Kadis's certificate as the office names it; every attribute given must match.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignerSpec {
    /// The certificate subject's common name, as BSrE writes it (case and spacing aside).
    pub common_name: Option<String>,
    /// The email in the subject or the subject alternative name.
    pub email: Option<String>,
    /// The NIK, where the certificate carries it (BSrE puts it in the subject).
    pub nik: Option<String>,
    /// SHA-256 fingerprints of the certificate's DER (hex, colons allowed); one matches.
    #[serde(default)]
    pub sha256: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// Address and port to listen on; loopback by default, with nginx in front for TLS.
    #[serde(default = "default_listen")]
    pub listen: std::net::SocketAddr,
    /// Mark the session cookie `Secure` (sent over HTTPS only). Browsers also send it to
    /// http://127.0.0.1 and http://localhost, so only turn it off for another plain-HTTP host.
    #[serde(default = "default_true")]
    pub secure_cookie: bool,
    /// Failed logins one account name may get from one client address before each further
    /// attempt waits, 1 s doubling to 15 minutes; a success, or 15 minutes without a failure,
    /// starts the count again.
    #[serde(default = "default_login_attempts")]
    pub login_attempts: u32,
    /// nginx (or another proxy on loopback) in front: take the client address of a request
    /// from the last `X-Forwarded-For` entry when the peer is a loopback address.
    #[serde(default)]
    pub behind_proxy: bool,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            listen: default_listen(),
            secure_cookie: true,
            login_attempts: default_login_attempts(),
            behind_proxy: false,
        }
    }
}

fn default_listen() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_true() -> bool {
    true
}
fn default_login_attempts() -> u32 {
    5
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// Full name as it heads letters and mails.
    pub name: String,
    /// The desk's own address: From of every mail sertel sends, and the inbox applicants write to.
    pub address: String,
    pub kadis: Person,
    pub verifiers: Vec<Person>,
    /// Assign verifiers round robin when a case opens instead of waiting for the Kadis.
    #[serde(default)]
    pub auto_assign: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// Directory of the sled database (created when missing).
    pub data_dir: PathBuf,
}

/// Exactly one of `imap` or `maildir`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Intake {
    pub imap: Option<ImapConfig>,
    /// A local Maildir (`new/`, `cur/`) for running without a mail server.
    pub maildir: Option<PathBuf>,
    /// The `authserv-id` with which the office's own mail server writes
    /// `Authentication-Results` (RFC 8601). A mail from a staff address is acted on (a
    /// disposition, a signed letter) only when that header vouches for its sender; without
    /// this setting no staff mail is acted on.
    #[serde(default)]
    pub authserv_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// Plain connection upgraded with STARTTLS, refused if the server does not offer it.
    Starttls,
    /// No TLS at all: only for a relay on the same machine.
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    /// The password inline, or the name of an environment variable holding it, or a file
    /// whose first line is it: exactly one.
    pub password: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    /// PEM file of an extra certificate authority (the office's own), beside the system's.
    pub ca_file: Option<PathBuf>,
    #[serde(default = "default_inbox")]
    pub mailbox: String,
    #[serde(default = "default_processed")]
    pub processed: String,
    #[serde(default = "default_quarantine")]
    pub quarantine: String,
    /// Poll interval when the server has no IDLE, and the longest IDLE before re-checking.
    #[serde(default = "default_poll")]
    pub poll_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outbound {
    pub smtp: Option<SmtpConfig>,
    /// Write every outgoing mail as an `.eml` file here instead of sending it.
    pub folder: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Without a user, mail is sent unauthenticated (a relay that trusts this host).
    pub user: Option<String>,
    /// As for IMAP; needed only with `user`.
    pub password: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
}

/// A password that must be given, one of the three ways.
fn required_secret(
    what: String,
    password: &Option<String>,
    password_env: &Option<String>,
    password_file: &Option<PathBuf>,
) -> Result<String, ConfigError> {
    resolve_secret(&what, password, password_env, password_file)?.ok_or(ConfigError::Secret {
        what,
        message: "no password given".into(),
    })
}

/// A password given inline, by environment variable, or in a file (first line); at most one.
fn resolve_secret(
    what: &str,
    password: &Option<String>,
    password_env: &Option<String>,
    password_file: &Option<PathBuf>,
) -> Result<Option<String>, ConfigError> {
    let err = |message: String| ConfigError::Secret {
        what: what.to_string(),
        message,
    };
    match (password, password_env, password_file) {
        (None, None, None) => Ok(None),
        (Some(p), None, None) => Ok(Some(p.clone())),
        (None, Some(var), None) => std::env::var(var)
            .map(Some)
            .map_err(|_| err(format!("environment variable {var} is not set"))),
        (None, None, Some(file)) => std::fs::read_to_string(file)
            .map(|s| Some(s.lines().next().unwrap_or("").to_string()))
            .map_err(|e| err(format!("cannot read {}: {e}", file.display()))),
        _ => Err(err(
            "give only one of password, password_env, password_file".into(),
        )),
    }
}

/// The SOP's time standard per step, in minutes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standards {
    /// Step 2: Kadis's disposition after the case opened.
    pub disposition_minutes: u64,
    /// Step 3: the verifier's check after disposition.
    pub verification_minutes: u64,
    /// Step 4: the letter drafted after verification.
    pub letter_minutes: u64,
    /// The working hours the minutes count in: `rules/calendar.toml`, set from the loaded
    /// rules at start-up (the shipped calendar until then).
    #[serde(skip, default = "OfficeCalendar::builtin")]
    pub calendar: OfficeCalendar,
}

impl Default for Standards {
    fn default() -> Standards {
        Standards {
            disposition_minutes: 15,
            verification_minutes: 20,
            letter_minutes: 20,
            calendar: OfficeCalendar::builtin(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replies {
    /// Most replies one sender gets in an hour; beyond it, mail is still processed, not answered.
    pub per_sender_per_hour: u32,
}

impl Default for Replies {
    fn default() -> Replies {
        Replies {
            per_sender_per_hour: 10,
        }
    }
}

fn default_inbox() -> String {
    "INBOX".into()
}
fn default_processed() -> String {
    "Processed".into()
}
fn default_quarantine() -> String {
    "Quarantine".into()
}
fn default_poll() -> u64 {
    60
}

impl ImapConfig {
    pub fn poll(&self) -> Duration {
        Duration::from_secs(self.poll_seconds.max(1))
    }

    pub fn password(&self) -> Result<String, ConfigError> {
        required_secret(
            format!("IMAP user {}", self.user),
            &self.password,
            &self.password_env,
            &self.password_file,
        )
    }
}

impl SmtpConfig {
    pub fn password(&self) -> Result<Option<String>, ConfigError> {
        resolve_secret(
            "SMTP",
            &self.password,
            &self.password_env,
            &self.password_file,
        )
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and checks the relations between keys; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(0),
            message: e.message().to_string(),
        })?;
        let invalid = |message: &str| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: message.to_string(),
        };
        if config.intake.imap.is_some() == config.intake.maildir.is_some() {
            return Err(invalid("[intake] needs exactly one of imap or maildir"));
        }
        if config.outbound.smtp.is_some() == config.outbound.folder.is_some() {
            return Err(invalid("[outbound] needs exactly one of smtp or folder"));
        }
        if config.office.verifiers.is_empty() {
            return Err(invalid("[office] lists no verifiers"));
        }
        for person in std::iter::once(&config.office.kadis).chain(&config.office.verifiers) {
            if crate::applicant::EmailAddress::parse(&person.email).is_err() {
                return Err(invalid(&format!("not an email address: {}", person.email)));
            }
        }
        if let Some(signer) = &config.signing.signer {
            if signer.common_name.is_none()
                && signer.email.is_none()
                && signer.nik.is_none()
                && signer.sha256.is_empty()
            {
                return Err(invalid(
                    "[signing.signer] names nothing: give common_name, email, nik or sha256",
                ));
            }
            if signer
                .sha256
                .iter()
                .any(|f| f.chars().filter(char::is_ascii_hexdigit).count() != 64)
            {
                return Err(invalid(
                    "[signing.signer] sha256 must be 64 hex digits (colons allowed)",
                ));
            }
        }
        if let Some(bsre) = &config.bsre {
            if crate::applicant::Nik::parse(&bsre.kadis_nik).is_err() {
                return Err(invalid("[bsre] kadis_nik is not a NIK (16 digits)"));
            }
            if !(bsre.base_url.starts_with("https://") || bsre.base_url.starts_with("http://")) {
                return Err(invalid("[bsre] base_url must start with https://"));
            }
        }
        Ok(config)
    }

    /// Whether `address` belongs to the Kadis or a verifier (case-insensitive).
    pub fn is_staff(&self, address: &str) -> bool {
        std::iter::once(&self.office.kadis)
            .chain(&self.office.verifiers)
            .any(|p| p.email.eq_ignore_ascii_case(address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_sample_loads() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/sertel.toml"));
        let config = Config::load(path).unwrap();
        assert_eq!(config.standards.disposition_minutes, 15);
        assert!(config.intake.imap.is_some() && config.outbound.smtp.is_some());
        assert!(config.is_staff("KADIS@gorontalokab.go.id"));
        assert!(!config.is_staff("pemohon@gorontalokab.go.id"));
        let web = config.web.unwrap();
        assert_eq!(web.listen.to_string(), "127.0.0.1:8080");
        assert!(web.secure_cookie);
        assert_eq!(web.login_attempts, 5);
    }

    #[test]
    fn errors_name_the_line_and_the_rule() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/sertel.toml"));
        let good = std::fs::read_to_string(path).unwrap();
        let typo = good.replace("poll_seconds = 60", "pol_seconds = 60");
        let line = typo
            .lines()
            .position(|l| l.starts_with("pol_seconds"))
            .unwrap()
            + 1;
        match Config::parse(&typo, path) {
            Err(ConfigError::Syntax {
                line: l, message, ..
            }) => {
                assert_eq!(l, line);
                assert!(message.contains("pol_seconds"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let both = good.replace("# maildir = ", "maildir = ");
        assert!(matches!(
            Config::parse(&both, path),
            Err(ConfigError::Invalid { .. })
        ));
    }

    #[test]
    fn a_secret_comes_from_one_place_only() {
        let file = Some(PathBuf::from("/nonexistent/sertel-secret"));
        let inline = Some("rahasia".to_string());
        assert_eq!(
            resolve_secret("x", &inline, &None, &None)
                .unwrap()
                .as_deref(),
            Some("rahasia")
        );
        assert!(resolve_secret("x", &inline, &None, &file).is_err());
        assert!(resolve_secret("x", &None, &None, &file).is_err());
        assert_eq!(resolve_secret("x", &None, &None, &None).unwrap(), None);
    }
}
