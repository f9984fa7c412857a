//! SMTP delivery with lettre: implicit TLS or required STARTTLS (system roots plus the office's
//! own CA), optional AUTH, and lettre's errors sorted into retry-later and refused-for-good.

use std::path::PathBuf;
use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::{OutgoingMail, SendError, Transport};
use crate::config::{ConfigError, Security, SmtpConfig};

/// Longest wait for the server at any step, so a hung relay only delays the outbox.
const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum SmtpSetupError {
    #[error(transparent)]
    Password(#[from] ConfigError),
    #[error("smtp user {0} has no password")]
    NoPassword(String),
    #[error("cannot read ca_file {path}: {source}")]
    CaRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("ca_file {0} holds no pem certificate")]
    CaEmpty(PathBuf),
    #[error("tls setup for {host}: {source}")]
    Tls {
        host: String,
        source: lettre::transport::smtp::Error,
    },
}

pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpTransport {
    /// Builds the client; nothing connects until the first send. Connections are pooled (and
    /// so reused, and a mail's 250 is its last reply: no QUIT follows each one); call it inside
    /// the tokio runtime, which runs the pool.
    pub fn new(cfg: &SmtpConfig) -> Result<SmtpTransport, SmtpSetupError> {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host)
            .port(cfg.port)
            .timeout(Some(TIMEOUT));
        builder = match cfg.security {
            Security::Tls => builder.tls(Tls::Wrapper(tls_parameters(cfg)?)),
            Security::Starttls => builder.tls(Tls::Required(tls_parameters(cfg)?)),
            Security::None => builder.tls(Tls::None),
        };
        if let Some(user) = &cfg.user {
            let password = cfg
                .password()?
                .ok_or_else(|| SmtpSetupError::NoPassword(user.clone()))?;
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(SmtpTransport {
            inner: builder.build(),
        })
    }
}

fn tls_parameters(cfg: &SmtpConfig) -> Result<TlsParameters, SmtpSetupError> {
    let tls_err = |source| SmtpSetupError::Tls {
        host: cfg.host.clone(),
        source,
    };
    let mut params = TlsParameters::builder(cfg.host.clone());
    if let Some(path) = &cfg.ca_file {
        let pem = std::fs::read(path).map_err(|source| SmtpSetupError::CaRead {
            path: path.clone(),
            source,
        })?;
        // lettre accepts a file without any certificate in it, which would leave the office's
        // CA silently untrusted.
        if CertificateDer::pem_slice_iter(&pem).next().is_none() {
            return Err(SmtpSetupError::CaEmpty(path.clone()));
        }
        params = params.add_root_certificate(Certificate::from_pem(&pem).map_err(tls_err)?);
    }
    params.build_rustls().map_err(tls_err)
}

impl Transport for SmtpTransport {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let envelope = envelope(mail)?;
        self.inner
            .send_raw(&envelope, &mail.raw)
            .await
            .map(drop)
            .map_err(classify)
    }
}

fn envelope(mail: &OutgoingMail) -> Result<Envelope, SendError> {
    let parse = |a: &str| {
        a.parse::<Address>()
            .map_err(|e| SendError::Permanent(format!("malformed address {a:?}: {e}")))
    };
    let from = parse(&mail.from)?;
    let to = mail
        .to
        .iter()
        .map(|a| parse(a))
        .collect::<Result<Vec<_>, _>>()?;
    Envelope::new(Some(from), to).map_err(|e| SendError::Permanent(e.to_string()))
}

/// Only a 5xx reply refuses the message itself; authentication refusals are 5xx too but come
/// from the desk's own configuration, and the mail must wait until it is fixed. Everything
/// that is not a reply (no connection, a timeout, a failed TLS handshake, a server without
/// STARTTLS) is likewise worth another try.
fn classify(e: lettre::transport::smtp::Error) -> SendError {
    let auth = e
        .status()
        .is_some_and(|code| matches!(code.to_string().as_str(), "530" | "534" | "535" | "538"));
    if e.is_permanent() && !auth {
        SendError::Permanent(e.to_string())
    } else {
        SendError::Transient(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Purpose;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    fn config(port: u16, security: Security) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            security,
            user: None,
            password: None,
            password_env: None,
            password_file: None,
            ca_file: None,
        }
    }

    fn mail() -> OutgoingMail {
        OutgoingMail {
            purpose: Purpose::Acknowledgement,
            from: "tte@gorontalokab.go.id".into(),
            to: vec!["budi@example.com".into()],
            message_id: "sertel.TTE-2026-0007.acknowledgement.0011223344556677@gorontalokab.go.id"
                .into(),
            raw: b"From: tte@gorontalokab.go.id\r\nTo: budi@example.com\r\nSubject: x\r\n\r\nhalo\r\n.titik\r\n"
                .to_vec(),
        }
    }

    /// A scripted SMTP server for one session, which never offers STARTTLS: `rcpt` answers
    /// RCPT TO, `auth` offers AUTH and refuses every login. Yields the message data it got.
    async fn fake_server(
        rcpt: &'static str,
        auth: bool,
    ) -> (u16, tokio::task::JoinHandle<Option<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
            let mut data = None;
            while let Ok(Some(line)) = lines.next_line().await {
                let verb = line.to_ascii_uppercase();
                let reply: &[u8] = if verb.starts_with("EHLO") {
                    if auth {
                        b"250-fake\r\n250 AUTH PLAIN LOGIN\r\n"
                    } else {
                        b"250 fake\r\n"
                    }
                } else if verb.starts_with("AUTH") {
                    b"535 5.7.8 authentication failed\r\n"
                } else if verb.starts_with("MAIL") {
                    b"250 ok\r\n"
                } else if verb.starts_with("RCPT") {
                    rcpt.as_bytes()
                } else if verb.starts_with("DATA") {
                    write.write_all(b"354 go\r\n").await.unwrap();
                    let mut body = String::new();
                    while let Ok(Some(l)) = lines.next_line().await {
                        if l == "." {
                            break;
                        }
                        body.push_str(&l);
                        body.push('\n');
                    }
                    // A pooled client keeps the connection and sends no QUIT: the session
                    // ends with the message's 250, as a kill at that moment ends it.
                    write.write_all(b"250 queued\r\n").await.unwrap();
                    data = Some(body);
                    break;
                } else if verb.starts_with("QUIT") {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                } else {
                    b"502 unknown\r\n"
                };
                write.write_all(reply).await.unwrap();
            }
            data
        });
        (port, task)
    }

    #[tokio::test]
    async fn sends_the_raw_bytes() {
        let (port, server) = fake_server("250 ok\r\n", false).await;
        let t = SmtpTransport::new(&config(port, Security::None)).unwrap();
        t.send(&mail()).await.unwrap();
        let data = server.await.unwrap().expect("server got DATA");
        assert!(data.contains("Subject: x\n\nhalo\n"), "{data}");
        // Dot-stuffed on the wire: the line starting with a dot arrives doubled.
        assert!(data.contains("\n..titik\n"), "{data}");
    }

    #[tokio::test]
    async fn refused_recipient_is_permanent() {
        let (port, _server) = fake_server("550 5.1.1 no such user\r\n", false).await;
        let t = SmtpTransport::new(&config(port, Security::None)).unwrap();
        let err = t.send(&mail()).await.unwrap_err();
        assert!(matches!(err, SendError::Permanent(_)), "{err}");
    }

    #[tokio::test]
    async fn greylisting_is_transient() {
        let (port, _server) = fake_server("451 4.7.1 greylisted, try later\r\n", false).await;
        let t = SmtpTransport::new(&config(port, Security::None)).unwrap();
        let err = t.send(&mail()).await.unwrap_err();
        assert!(matches!(err, SendError::Transient(_)), "{err}");
    }

    #[tokio::test]
    async fn refused_login_is_transient() {
        let (port, _server) = fake_server("250 ok\r\n", true).await;
        let mut cfg = config(port, Security::None);
        cfg.user = Some("tte".into());
        cfg.password = Some("salah".into());
        let t = SmtpTransport::new(&cfg).unwrap();
        let err = t.send(&mail()).await.unwrap_err();
        assert!(matches!(err, SendError::Transient(_)), "{err}");
    }

    #[tokio::test]
    async fn starttls_not_offered_is_refused_and_transient() {
        let (port, server) = fake_server("250 ok\r\n", false).await;
        let t = SmtpTransport::new(&config(port, Security::Starttls)).unwrap();
        let err = t.send(&mail()).await.unwrap_err();
        assert!(matches!(err, SendError::Transient(_)), "{err}");
        assert_eq!(
            server.await.unwrap(),
            None,
            "no data may go out in the clear"
        );
    }

    #[tokio::test]
    async fn tls_handshake_with_a_plain_server_is_transient() {
        let (port, server) = fake_server("250 ok\r\n", false).await;
        let t = SmtpTransport::new(&config(port, Security::Tls)).unwrap();
        let err = t.send(&mail()).await.unwrap_err();
        assert!(matches!(err, SendError::Transient(_)), "{err}");
        assert_eq!(server.await.unwrap(), None);
    }

    #[tokio::test]
    async fn closed_port_is_transient() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        for security in [Security::None, Security::Starttls, Security::Tls] {
            let t = SmtpTransport::new(&config(port, security)).unwrap();
            let err = t.send(&mail()).await.unwrap_err();
            assert!(
                matches!(err, SendError::Transient(_)),
                "{security:?}: {err}"
            );
        }
    }

    #[tokio::test]
    async fn malformed_recipient_is_permanent() {
        let t = SmtpTransport::new(&config(1, Security::None)).unwrap();
        let mut m = mail();
        m.to = vec!["bukan alamat".into()];
        let err = t.send(&m).await.unwrap_err();
        assert!(matches!(err, SendError::Permanent(_)), "{err}");
    }

    /// A throwaway self-signed CA (its key was discarded), standing in for the office's own.
    const OFFICE_CA: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIBiTCCAS+gAwIBAgIULfd1eeFa2uxky3ocwNHAMqTkPGEwCgYIKoZIzj0EAwIw\n\
GTEXMBUGA1UEAwwOc2VydGVsIHRlc3QgQ0EwIBcNMjYxMTI0MDE0OTQxWhgPMjEy\n\
NjEwMzEwMTQ5NDFaMBkxFzAVBgNVBAMMDnNlcnRlbCB0ZXN0IENBMFkwEwYHKoZI\n\
zj0CAQYIKoZIzj0DAQcDQgAE1g98iDSthiKRU6d0+1gseymm0X4NAJUfx6TN8ShH\n\
NaQ9rcyAXmgtqFbheYKlSOlqIyk+XVIqe5yT/jO19cDbWqNTMFEwHQYDVR0OBBYE\n\
FFd+IWsNrWMLralA+Ws0G5u/ecthMB8GA1UdIwQYMBaAFFd+IWsNrWMLralA+Ws0\n\
G5u/ecthMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgB4sTTc6p\n\
Wl9vb91ov6C5R97kkvK0y9yXmmNNAT0ppdgCIQDtaNT1qzMMWUniEsvnFaKwTCDs\n\
qqyMnPtsGRbmN0Fy7w==\n\
-----END CERTIFICATE-----\n\
";

    // Building the transport starts its connection pool, which needs a runtime.
    #[tokio::test]
    async fn setup_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(587, Security::Starttls);
        cfg.user = Some("tte".into());
        assert!(matches!(
            SmtpTransport::new(&cfg),
            Err(SmtpSetupError::NoPassword(_))
        ));

        let mut cfg = config(465, Security::Tls);
        cfg.ca_file = Some(dir.path().join("missing.pem"));
        assert!(matches!(
            SmtpTransport::new(&cfg),
            Err(SmtpSetupError::CaRead { .. })
        ));

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        cfg.ca_file = Some(empty);
        assert!(matches!(
            SmtpTransport::new(&cfg),
            Err(SmtpSetupError::CaEmpty(_))
        ));

        let mut cfg = config(587, Security::Starttls);
        cfg.user = Some("tte".into());
        cfg.password = Some("rahasia".into());
        assert!(SmtpTransport::new(&cfg).is_ok());

        let ca = dir.path().join("office-ca.pem");
        std::fs::write(&ca, OFFICE_CA).unwrap();
        for security in [Security::Tls, Security::Starttls] {
            let mut cfg = config(465, security);
            cfg.ca_file = Some(ca.clone());
            assert!(SmtpTransport::new(&cfg).is_ok(), "{security:?}");
        }
    }
}
