//! Real Dovecot and Postfix on 127.0.0.1 (`scripts/mailservers`) for integration tests: start
//! them in a temporary directory, deliver mail over SMTP, read mailboxes over IMAP, break them
//! on purpose. Stopped again on drop.
//!
//! ```ignore
//! mod common;
//! use common::mailservers::MailServers;
//! let Some(servers) = MailServers::start() else { return };
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use lettre::address::Envelope;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use sertel::config::{ImapConfig, Security};
use tempfile::TempDir;
use tokio::net::TcpStream;

/// A test whose server or program is missing fails, unless `SERTEL_ALLOW_SKIP=1` says that
/// skipping is wanted; then it notes why on stderr and the caller returns early.
pub fn skip(why: &str) {
    if std::env::var("SERTEL_ALLOW_SKIP").as_deref() == Ok("1") {
        eprintln!("SKIPPED (SERTEL_ALLOW_SKIP=1): {why}");
    } else {
        panic!("{why}; set SERTEL_ALLOW_SKIP=1 to skip instead of failing");
    }
}

/// The `authserv-id` of the office's mail server in the tests' configs.
pub const AUTHSERV_ID: &str = "mx.sertel.test";

/// The header the office's mail server puts on a staff member's mail that it authenticated
/// (DKIM of `domain`): what lets a disposition or signed letter by mail count.
pub fn vouched(domain: &str) -> String {
    format!("Authentication-Results: {AUTHSERV_ID}; dkim=pass header.d={domain} header.s=uji\r\n")
}

/// The servers' certificate names `localhost` and 127.0.0.1.
const HOST: &str = "127.0.0.1";

#[derive(Debug)]
pub struct MailServers {
    pub dir: TempDir,
    pub smtp_port: u16,
    pub imap_port: u16,
    pub imaps_port: u16,
    pub ca_file: PathBuf,
    pub password: String,
    pub domain: String,
}

impl MailServers {
    /// Starts both servers in a new temporary directory and waits until they accept
    /// connections. When not root (installing the packages and running Postfix need it) the
    /// test fails, or gets `None` with `SERTEL_ALLOW_SKIP=1`. Panics when root and they do not
    /// start.
    pub fn start() -> Option<MailServers> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            skip("the mail servers need root (scripts/mailservers); not root here");
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("sertel-mail")
            .tempdir()
            .expect("temporary directory");
        run_script("start", dir.path());
        let env = std::fs::read_to_string(dir.path().join("env")).expect("mailservers env");
        let value = |key: &str| {
            env.lines()
                .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
                .unwrap_or_else(|| panic!("{key} missing in mailservers env"))
                .to_string()
        };
        let port = |key: &str| value(key).parse::<u16>().expect("a port number");
        Some(MailServers {
            smtp_port: port("SMTP_PORT"),
            imap_port: port("IMAP_PORT"),
            imaps_port: port("IMAPS_PORT"),
            ca_file: PathBuf::from(value("CA_FILE")),
            password: value("PASSWORD"),
            domain: value("DOMAIN"),
            dir,
        })
    }

    /// Stops and starts Dovecot: every IMAP connection is cut, the ports stay.
    pub fn restart_imap(&self) {
        run_script("restart-imap", self.dir.path());
    }

    pub fn stop_smtp(&self) {
        run_script("stop-smtp", self.dir.path());
    }

    pub fn start_smtp(&self) {
        run_script("start-smtp", self.dir.path());
    }

    pub fn address(&self, user: &str) -> String {
        format!("{user}@{}", self.domain)
    }

    /// Settings for sertel's IMAP intake as `user`, over implicit TLS or STARTTLS (or none).
    pub fn imap_config(&self, user: &str, security: Security) -> ImapConfig {
        ImapConfig {
            host: HOST.into(),
            port: match security {
                Security::Tls => self.imaps_port,
                Security::Starttls | Security::None => self.imap_port,
            },
            security,
            user: user.into(),
            password: Some(self.password.clone()),
            password_env: None,
            password_file: None,
            ca_file: Some(self.ca_file.clone()),
            mailbox: "INBOX".into(),
            processed: "Processed".into(),
            quarantine: "Quarantine".into(),
            poll_seconds: 60,
        }
    }

    /// Submits `raw` unchanged over SMTP with STARTTLS (no AUTH: 127.0.0.1 may relay). Panics
    /// when the server does not accept it.
    pub async fn send(&self, raw: &[u8], from: &str, to: &[&str]) {
        let pem = std::fs::read(&self.ca_file).expect("CA file");
        let tls = TlsParameters::builder("localhost".into())
            .add_root_certificate(Certificate::from_pem(&pem).expect("CA certificate"))
            .build_rustls()
            .expect("TLS parameters");
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(HOST)
            .port(self.smtp_port)
            .tls(Tls::Required(tls))
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let envelope = Envelope::new(
            Some(from.parse().expect("sender address")),
            to.iter()
                .map(|a| a.parse().expect("recipient address"))
                .collect(),
        )
        .expect("envelope");
        // lettre ends DATA with CRLF . CRLF after whatever it is given: without this, a message
        // that ends in CRLF (as it must) would gain an empty last line.
        let raw = raw.strip_suffix(b"\r\n").unwrap_or(raw);
        transport
            .send_raw(&envelope, raw)
            .await
            .unwrap_or_else(|e| panic!("SMTP to 127.0.0.1:{}: {e}", self.smtp_port));
    }

    /// A sertel config in `work` that reads the `tte` inbox over IMAPS and sends through this
    /// Postfix, with the Kadis and two verifiers as test users.
    pub fn write_sertel_config(&self, work: &Path, per_sender_per_hour: u32) -> PathBuf {
        let d = &self.domain;
        let config = format!(
            r#"{office}
[storage]
data_dir = "{data}"
[intake]
authserv_id = "{authserv}"
[intake.imap]
host = "127.0.0.1"
port = {imaps}
security = "tls"
user = "tte"
password = "{pw}"
ca_file = "{ca}"
poll_seconds = 10
[outbound.smtp]
host = "127.0.0.1"
port = {smtp}
security = "starttls"
ca_file = "{ca}"
[replies]
per_sender_per_hour = {per_sender_per_hour}
"#,
            office = office_section(d),
            authserv = AUTHSERV_ID,
            data = work.join("data").display(),
            imaps = self.imaps_port,
            pw = self.password,
            ca = self.ca_file.display(),
            smtp = self.smtp_port,
        );
        let path = work.join("sertel.toml");
        std::fs::write(&path, config).unwrap();
        path
    }

    /// Puts a message straight into `user`'s `mailbox` over IMAP, as if delivered, for when
    /// Postfix is down on purpose.
    pub async fn append(&self, user: &str, mailbox: &str, raw: &[u8]) {
        let mut session = self.imap_session(user).await;
        session
            .append(mailbox, None, None, raw)
            .await
            .unwrap_or_else(|e| panic!("append to {user}/{mailbox}: {e}"));
        session.logout().await.ok();
    }

    /// How many messages `user`'s `mailbox` holds (0 when it does not exist), without fetching
    /// them: safe while another client moves messages out.
    pub async fn count(&self, user: &str, mailbox: &str) -> usize {
        let mut session = self.imap_session(user).await;
        let n = match session.examine(mailbox).await {
            Err(async_imap::error::Error::No(_)) => 0,
            Err(e) => panic!("examine {user}/{mailbox}: {e}"),
            Ok(selected) => selected.exists as usize,
        };
        session.logout().await.ok();
        n
    }

    /// Every message in `user`'s `mailbox`, in mailbox order, read over implicit TLS without
    /// changing any flag. Empty when the mailbox does not exist.
    pub async fn fetch_all(&self, user: &str, mailbox: &str) -> Vec<Vec<u8>> {
        let mut session = self.imap_session(user).await;
        let messages = match session.examine(mailbox).await {
            Err(async_imap::error::Error::No(_)) => Vec::new(),
            Err(e) => panic!("examine {user}/{mailbox}: {e}"),
            Ok(selected) if selected.exists == 0 => Vec::new(),
            Ok(_) => {
                let mut fetches: Vec<_> = session
                    .fetch("1:*", "BODY.PEEK[]")
                    .await
                    .expect("fetch")
                    .try_collect()
                    .await
                    .expect("fetch");
                fetches.sort_by_key(|f| f.message);
                fetches
                    .iter()
                    .map(|f| f.body().expect("message body").to_vec())
                    .collect()
            }
        };
        session.logout().await.ok();
        messages
    }

    /// Polls until `user`'s `mailbox` holds at least `count` messages and returns them; panics
    /// after `timeout`.
    pub async fn wait_for(
        &self,
        user: &str,
        mailbox: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.fetch_all(user, mailbox).await;
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "{user}/{mailbox}: {} messages after {timeout:?}, expected {count}; see {}",
                messages.len(),
                self.dir.path().join("postfix.log").display()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn imap_session(
        &self,
        user: &str,
    ) -> async_imap::Session<tokio_rustls::client::TlsStream<TcpStream>> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(&self.ca_file).expect("CA file") {
            roots
                .add(cert.expect("CA certificate"))
                .expect("CA certificate");
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        let tcp = TcpStream::connect((HOST, self.imaps_port))
            .await
            .expect("connect to IMAPS");
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .expect("TLS handshake");
        let mut client = async_imap::Client::new(tls);
        client
            .read_response()
            .await
            .expect("greeting")
            .expect("greeting");
        client
            .login(user, &self.password)
            .await
            .map_err(|(e, _)| e)
            .unwrap_or_else(|e| panic!("login as {user}: {e}"))
    }
}

impl Drop for MailServers {
    fn drop(&mut self) {
        let status = Command::new(script())
            .arg("stop")
            .arg(self.dir.path())
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("mailservers stop {}: {status:?}", self.dir.path().display());
        }
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mailservers")
}

fn run_script(command: &str, dir: &Path) {
    let status = Command::new(script())
        .arg(command)
        .arg(dir)
        .status()
        .unwrap_or_else(|e| panic!("cannot run scripts/mailservers: {e}"));
    assert!(
        status.success(),
        "scripts/mailservers {command} {} failed: {status}",
        dir.display()
    );
}

/// The `[office]` section every test desk shares: the desk's inbox, the Kadis and two
/// verifiers, all at `domain`.
pub fn office_section(domain: &str) -> String {
    format!(
        r#"
[office]
name = "Dinas Komunikasi dan Informatika Kabupaten Gorontalo"
address = "tte@{domain}"
kadis = {{ name = "Kepala Dinas", email = "kadis@{domain}" }}
verifiers = [
  {{ name = "Verifikator Satu", email = "verifikator1@{domain}" }},
  {{ name = "Verifikator Dua", email = "verifikator2@{domain}" }},
]"#
    )
}
