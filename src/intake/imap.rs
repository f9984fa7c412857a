//! IMAP intake (async-imap over rustls): IDLE or polling, MOVE or a keyword, never a deletion.
//!
//! One authenticated session with the intake mailbox selected. Any failure drops the session
//! and reports `Unavailable`; the daemon then connects anew with backoff, so nothing here
//! retries by itself.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{MailboxDatum, Response, Status};
use async_imap::types::{Flag, UnsolicitedResponse};
use futures::TryStreamExt;
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};
use tokio_rustls::TlsConnector;

use super::{Fetched, IntakeError, Locator, Mailbox};
use crate::config::{ImapConfig, Security};

/// From the TCP connect to the selected mailbox.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// One command and its whole answer (a fetch of up to `limit` full messages included).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// RFC 2177: servers may drop a client that idles for 30 minutes; end the IDLE before.
const IDLE_LIMIT: Duration = Duration::from_secs(25 * 60);
/// Marks a message handled where the server cannot MOVE it out of the mailbox.
const DONE_KEYWORD: &str = "$SertelDone";

trait Io: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Io for T {}

type Session = async_imap::Session<Box<dyn Io>>;

pub struct ImapMailbox {
    /// None once a failure left the connection in an unknown state.
    session: Option<Session>,
    /// `host:port`, to name the server in logs and errors.
    server: String,
    mailbox: String,
    processed: String,
    quarantine: String,
    uidvalidity: u32,
    can_move: bool,
    can_idle: bool,
}

impl fmt::Debug for ImapMailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapMailbox")
            .field("server", &self.server)
            .field("mailbox", &self.mailbox)
            .field("uidvalidity", &self.uidvalidity)
            .field("connected", &self.session.is_some())
            .finish()
    }
}

impl ImapMailbox {
    /// Connects, logs in, creates the processed and quarantine folders when missing and
    /// selects the mailbox: all within 20 s.
    pub async fn connect(cfg: &ImapConfig) -> Result<ImapMailbox, IntakeError> {
        let password = cfg
            .password()
            .map_err(|e| IntakeError::Refused(e.to_string()))?;
        let server = format!("{}:{}", cfg.host, cfg.port);
        match timeout(CONNECT_TIMEOUT, open(cfg, &password, &server)).await {
            Ok(result) => result,
            Err(_) => Err(IntakeError::Unavailable(format!(
                "{server}: no login within {} s",
                CONNECT_TIMEOUT.as_secs()
            ))),
        }
    }

    /// Runs one exchange with the server; a failure or a timeout ends the session.
    async fn call<T>(
        &mut self,
        what: &str,
        exchange: impl AsyncFnOnce(&mut Session) -> async_imap::error::Result<T>,
    ) -> Result<T, IntakeError> {
        let Some(session) = self.session.as_mut() else {
            return Err(self.lost());
        };
        let outcome = timeout(COMMAND_TIMEOUT, exchange(session)).await;
        let message = match outcome {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) => format!("{}: {what}: {e}", self.server),
            Err(_) => format!(
                "{}: {what}: no answer within {} s",
                self.server,
                COMMAND_TIMEOUT.as_secs()
            ),
        };
        tracing::warn!(server = %self.server, "{message}");
        self.session = None;
        Err(IntakeError::Unavailable(message))
    }

    fn lost(&self) -> IntakeError {
        IntakeError::Unavailable(format!("{}: connection lost earlier", self.server))
    }

    /// Whether responses to earlier commands announced new messages: the server says so once,
    /// and an IDLE started after that would wait for the next one. (RECENT is no sign: Dovecot
    /// sends it after every move too.)
    fn mail_announced(&mut self) -> bool {
        let Some(session) = self.session.as_mut() else {
            return false;
        };
        let mut announced = false;
        while let Ok(response) = session.unsolicited_responses.try_recv() {
            announced |= matches!(response, UnsolicitedResponse::Exists(_));
        }
        announced
    }

    async fn dispose(&mut self, at: &Locator, folder: String) -> Result<(), IntakeError> {
        if self.session.is_none() {
            return Err(self.lost());
        }
        let &Locator::Imap { uidvalidity, uid } = at else {
            return Err(IntakeError::Refused(format!(
                "{}: not an IMAP message: {}",
                self.server,
                at.key()
            )));
        };
        if uidvalidity != self.uidvalidity {
            // The UID names another message now, or none: leave the mailbox alone. The message
            // is fetched again under its new UID.
            tracing::warn!(
                server = %self.server, mailbox = %self.mailbox, uid, uidvalidity,
                current = self.uidvalidity, "uidvalidity changed; not moving"
            );
            return Ok(());
        }
        if self.can_move {
            self.call("uid move", async |s| {
                s.uid_mv(uid.to_string(), &folder).await
            })
            .await?;
        } else {
            let query = format!("UID {uid} UNDELETED UNKEYWORD {DONE_KEYWORD}");
            let pending = self
                .call("uid search", async |s| s.uid_search(&query).await)
                .await?;
            // Already copied and flagged by an earlier call: a second copy would duplicate it.
            if pending.contains(&uid) {
                self.call("uid copy", async |s| {
                    s.uid_copy(uid.to_string(), &folder).await
                })
                .await?;
                let flags = format!("+FLAGS.SILENT ({DONE_KEYWORD})");
                self.call("uid store", async |s| {
                    s.uid_store(uid.to_string(), &flags)
                        .await?
                        .try_collect::<Vec<_>>()
                        .await
                })
                .await?;
            }
        }
        tracing::info!(server = %self.server, mailbox = %self.mailbox, uid, to = %folder, "message filed");
        Ok(())
    }
}

impl Mailbox for ImapMailbox {
    async fn list_new(&mut self, limit: usize) -> Result<Vec<Locator>, IntakeError> {
        let query = if self.can_move {
            "UNDELETED".to_string()
        } else {
            format!("UNDELETED UNKEYWORD {DONE_KEYWORD}")
        };
        // Servers take in new arrivals when a command ends, so a SEARCH alone may miss what
        // came since the last one. Everything this NOOP announces, the SEARCH will see.
        self.call("noop", async |s| s.noop().await).await?;
        self.mail_announced();
        let found = self
            .call("uid search", async |s| s.uid_search(&query).await)
            .await?;
        // UIDs grow with arrival: ascending is oldest first.
        let mut uids: Vec<u32> = found.into_iter().collect();
        uids.sort_unstable();
        let waiting = uids.len();
        uids.truncate(limit);
        tracing::debug!(
            server = %self.server, mailbox = %self.mailbox, waiting, uids = ?uids,
            "listed new messages"
        );
        let uidvalidity = self.uidvalidity;
        Ok(uids
            .into_iter()
            .map(|uid| Locator::Imap { uidvalidity, uid })
            .collect())
    }

    async fn fetch(&mut self, at: &[Locator]) -> Result<Vec<Fetched>, IntakeError> {
        // A UID from before a UIDVALIDITY change names some other message now.
        let uids: Vec<u32> = at
            .iter()
            .filter_map(|l| match l {
                Locator::Imap { uidvalidity, uid } if *uidvalidity == self.uidvalidity => {
                    Some(*uid)
                }
                _ => None,
            })
            .collect();
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let fetches = self
            .call("uid fetch", async |s| {
                s.uid_fetch(&set, "(UID BODY.PEEK[])")
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await?;
        // A message another client moved away since the search is simply not in the answer.
        let fetched: Vec<Fetched> = uids
            .iter()
            .filter_map(|&uid| {
                let f = fetches.iter().find(|f| f.uid == Some(uid))?;
                Some(Fetched {
                    locator: Locator::Imap {
                        uidvalidity: self.uidvalidity,
                        uid,
                    },
                    raw: f.body()?.to_vec(),
                })
            })
            .collect();
        tracing::info!(
            server = %self.server, mailbox = %self.mailbox, fetched = fetched.len(),
            uids = ?uids, "fetched new messages"
        );
        Ok(fetched)
    }

    async fn mark_processed(&mut self, at: &Locator) -> Result<(), IntakeError> {
        self.dispose(at, self.processed.clone()).await
    }

    async fn quarantine(&mut self, at: &Locator) -> Result<(), IntakeError> {
        self.dispose(at, self.quarantine.clone()).await
    }

    async fn wait(&mut self, max: Duration) -> Result<(), IntakeError> {
        if self.session.is_none() {
            return Err(self.lost());
        }
        if self.mail_announced() {
            return Ok(());
        }
        if !self.can_idle {
            tokio::time::sleep(max).await;
            return Ok(());
        }
        let session = self.session.take().ok_or_else(|| self.lost())?;
        let started = Instant::now();
        let (session, woken) = idle(session, max.min(IDLE_LIMIT))
            .await
            .map_err(|message| {
                IntakeError::Unavailable(format!("{}: idle: {message}", self.server))
            })
            .inspect_err(|e| tracing::warn!(server = %self.server, "{e}"))?;
        self.session = Some(session);
        tracing::debug!(
            server = %self.server, mailbox = %self.mailbox, new_mail = woken,
            waited_ms = started.elapsed().as_millis() as u64, "idle ended"
        );
        Ok(())
    }
}

/// IDLE until the server announces a new message or `max` passes, then DONE. Returns the
/// session and whether mail was announced; an error leaves no usable session.
async fn idle(session: Session, max: Duration) -> Result<(Session, bool), String> {
    // Shares the queue the session files unrelated responses in, which the IDLE handle hides.
    let notices = session.unsolicited_responses.clone();
    let mut handle = session.idle();
    match timeout(COMMAND_TIMEOUT, handle.init()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e.to_string()),
        Err(_) => return Err("no answer to IDLE".into()),
    }
    // Mail announced while the server was still answering the IDLE command.
    let mut woken = false;
    while let Ok(notice) = notices.try_recv() {
        woken |= matches!(notice, UnsolicitedResponse::Exists(_));
    }
    let deadline = Instant::now() + max;
    while !woken {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let (response, _stop) = handle.wait_with_timeout(left);
        // The server's keepalives restart async-imap's own timer: the deadline is ours.
        let response = match timeout(left, response).await {
            Err(_) | Ok(Ok(IdleResponse::Timeout)) => break,
            Ok(Ok(IdleResponse::NewData(data))) => data,
            // Nothing here interrupts the IDLE: the stream ended, the server closed it.
            Ok(Ok(IdleResponse::ManualInterrupt)) => return Err("connection closed".into()),
            Ok(Err(e)) => return Err(e.to_string()),
        };
        match response.parsed() {
            Response::MailboxData(MailboxDatum::Exists(_)) => {
                woken = true;
                break;
            }
            Response::Data {
                status: Status::Bye,
                information,
                ..
            } => {
                return Err(format!(
                    "server said bye: {}",
                    information.as_deref().unwrap_or("")
                ));
            }
            // Expunges and flag changes by other clients: no new mail, keep waiting.
            _ => {}
        }
    }
    match timeout(COMMAND_TIMEOUT, handle.done()).await {
        Ok(Ok(session)) => Ok((session, woken)),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer to DONE".into()),
    }
}

async fn open(cfg: &ImapConfig, password: &str, server: &str) -> Result<ImapMailbox, IntakeError> {
    let unavailable = |what: &str, e: &dyn fmt::Display| {
        IntakeError::Unavailable(format!("{server}: {what}: {e}"))
    };
    let refused =
        |what: &str, e: &dyn fmt::Display| IntakeError::Refused(format!("{server}: {what}: {e}"));

    let tcp = TcpStream::connect((cfg.host.as_str(), cfg.port))
        .await
        .map_err(|e| unavailable("connect", &e))?;
    tcp.set_nodelay(true).ok();
    let stream: Box<dyn Io> = match cfg.security {
        Security::Tls => Box::new(tls_handshake(cfg, tcp, server).await?),
        Security::Starttls => {
            let mut tcp = tcp;
            starttls(&mut tcp, server).await?;
            Box::new(tls_handshake(cfg, tcp, server).await?)
        }
        Security::None => Box::new(tcp),
    };
    let mut client = async_imap::Client::new(stream);
    if cfg.security != Security::Starttls {
        // After STARTTLS there is no second greeting; otherwise it comes first.
        let greeting = client
            .read_response()
            .await
            .map_err(|e| unavailable("greeting", &e))?
            .ok_or_else(|| unavailable("greeting", &"connection closed"))?;
        if !matches!(
            greeting.parsed(),
            Response::Data {
                status: Status::Ok,
                ..
            }
        ) {
            return Err(unavailable("greeting", &format!("{:?}", greeting.parsed())));
        }
    }

    let mut session = match client.login(&cfg.user, password).await {
        Ok(session) => session,
        Err((e, _)) => {
            let text = e.to_string();
            // Dovecot and others say UNAVAILABLE when their own user database is down.
            return Err(match e {
                async_imap::error::Error::No(_) | async_imap::error::Error::Validate(_)
                    if !text.to_ascii_uppercase().contains("UNAVAILABLE") =>
                {
                    refused(&format!("login as {}", cfg.user), &text)
                }
                _ => unavailable(&format!("login as {}", cfg.user), &text),
            });
        }
    };

    let capabilities = session
        .capabilities()
        .await
        .map_err(|e| unavailable("capability", &e))?;
    let can_move = capabilities.has_str("MOVE");
    let can_idle = capabilities.has_str("IDLE");

    for folder in [&cfg.processed, &cfg.quarantine] {
        let listed: Vec<_> = session
            .list(Some(""), Some(folder))
            .await
            .map_err(|e| unavailable("list", &e))?
            .try_collect()
            .await
            .map_err(|e| unavailable("list", &e))?;
        if !listed.iter().any(|name| name.name() == folder.as_str()) {
            session
                .create(folder)
                .await
                .map_err(|e| refused(&format!("create {folder}"), &e))?;
            tracing::info!(server, folder = %folder, "created folder");
        }
    }

    let selected = session.select(&cfg.mailbox).await.map_err(|e| match e {
        async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_) => {
            refused(&format!("select {}", cfg.mailbox), &e)
        }
        _ => unavailable(&format!("select {}", cfg.mailbox), &e),
    })?;
    let uidvalidity = selected
        .uid_validity
        .ok_or_else(|| refused(&format!("select {}", cfg.mailbox), &"no UIDVALIDITY"))?;
    let keywords_stick = selected
        .permanent_flags
        .iter()
        .any(|f| matches!(f, Flag::MayCreate) || matches!(f, Flag::Custom(k) if k == DONE_KEYWORD));
    if !can_move && !keywords_stick {
        return Err(refused(
            &cfg.mailbox,
            &"the server can neither move messages nor keep a keyword on them",
        ));
    }
    tracing::info!(
        server, user = %cfg.user, mailbox = %cfg.mailbox, uidvalidity, messages = selected.exists,
        can_move, can_idle, "imap mailbox selected"
    );
    Ok(ImapMailbox {
        session: Some(session),
        server: server.to_string(),
        mailbox: cfg.mailbox.clone(),
        processed: cfg.processed.clone(),
        quarantine: cfg.quarantine.clone(),
        uidvalidity,
        can_move,
        can_idle,
    })
}

/// The plaintext half of STARTTLS: greeting, command, tagged OK. Reads byte by byte so that
/// nothing the server sent after its OK is taken for plaintext (an injection would be).
async fn starttls(tcp: &mut TcpStream, server: &str) -> Result<(), IntakeError> {
    let unavailable =
        |e: &dyn fmt::Display| IntakeError::Unavailable(format!("{server}: starttls: {e}"));
    let greeting = read_line(tcp).await.map_err(|e| unavailable(&e))?;
    if !greeting.starts_with("* OK") {
        return Err(unavailable(&format!("greeting: {}", greeting.trim_end())));
    }
    tcp.write_all(b"s1 STARTTLS\r\n")
        .await
        .map_err(|e| unavailable(&e))?;
    loop {
        let line = read_line(tcp).await.map_err(|e| unavailable(&e))?;
        if line.starts_with("* ") {
            continue;
        }
        if line.starts_with("s1 OK") {
            return Ok(());
        }
        return Err(IntakeError::Refused(format!(
            "{server}: the server refuses STARTTLS: {}",
            line.trim_end()
        )));
    }
}

async fn read_line(tcp: &mut TcpStream) -> std::io::Result<String> {
    let mut line = Vec::new();
    while !line.ends_with(b"\r\n") {
        if line.len() > 8192 {
            return Err(std::io::Error::other("line too long"));
        }
        line.push(tcp.read_u8().await?);
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

async fn tls_handshake(
    cfg: &ImapConfig,
    tcp: TcpStream,
    server: &str,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, IntakeError> {
    let connector = tls_connector(cfg.ca_file.as_deref())
        .map_err(|e| IntakeError::Refused(format!("{server}: tls settings: {e}")))?;
    let name = ServerName::try_from(cfg.host.clone())
        .map_err(|e| IntakeError::Refused(format!("{server}: tls server name: {e}")))?;
    connector.connect(name, tcp).await.map_err(|e| {
        let message = format!("{server}: tls: {e}");
        // A certificate that does not verify stays so until someone changes a setting.
        match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented) => {
                IntakeError::Refused(message)
            }
            _ => IntakeError::Unavailable(message),
        }
    })
}

/// The system's trusted authorities plus the office's own `ca_file`.
pub fn tls_connector(ca_file: Option<&Path>) -> Result<TlsConnector, String> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    if !native.errors.is_empty() {
        tracing::debug!(errors = ?native.errors, "some system certificates not loaded");
    }
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = ca_file {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!("{}: no certificate in it", path.display()));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    if roots.is_empty() {
        return Err("no trusted certificate authorities (give ca_file)".into());
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}
