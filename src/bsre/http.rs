//! BSrE over HTTPS: one HTTP/1.1 request per call (`Connection: close`), basic auth, JSON. The
//! request is built in a buffer sertel owns and wipes after sending, because it holds the
//! Kadis's passphrase.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use zeroize::Zeroizing;

use super::{Bsre, BsreError, CertStatus, Pending, SignRequest};
use crate::applicant::Nik;
use crate::config::BsreConfig;

/// The longest answer read: a signed letter with its revocation data is well under this.
const ANSWER_LIMIT: usize = 64 * 1024 * 1024;

pub struct HttpBsre {
    tls: bool,
    host: String,
    port: u16,
    /// The gateway's path before `/api/v2/…`, without a trailing slash.
    prefix: String,
    /// `Basic …`, wiped on drop.
    authorization: Zeroizing<String>,
    connector: Option<tokio_rustls::TlsConnector>,
    timeout: Duration,
}

impl HttpBsre {
    pub fn new(config: &BsreConfig) -> Result<HttpBsre, BsreError> {
        let settings = |m: String| BsreError::Settings(m);
        let (tls, rest) = if let Some(rest) = config.base_url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = config.base_url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(settings("base_url must start with https://".into()));
        };
        let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (
                h.trim_matches(['[', ']']).to_string(),
                p.parse::<u16>()
                    .map_err(|_| settings(format!("bad port in base_url: {p}")))?,
            ),
            _ => (authority.to_string(), if tls { 443 } else { 80 }),
        };
        // The passphrase travels in the body: in clear only to this machine.
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if !tls && !loopback {
            return Err(settings(
                "base_url must be https:// unless BSrE's gateway is on this machine".into(),
            ));
        }
        let password = config
            .password()
            .map_err(|e| settings(format!("password: {e}")))?;
        let credentials = Zeroizing::new(format!("{}:{}", config.user, password.as_str()));
        let authorization = Zeroizing::new(format!("Basic {}", B64.encode(credentials.as_bytes())));
        drop(Zeroizing::new(password));
        let connector = if tls {
            Some(
                crate::intake::imap::tls_connector(config.ca_file.as_deref())
                    .map_err(|e| settings(format!("tls: {e}")))?,
            )
        } else {
            None
        };
        Ok(HttpBsre {
            tls,
            host,
            port,
            prefix: format!("/{}", prefix.trim_matches('/'))
                .trim_end_matches('/')
                .to_string(),
            authorization,
            connector,
            timeout: config.timeout(),
        })
    }

    /// POSTs `body` (JSON) to `path` and returns the HTTP status and the answer's body.
    async fn post(&self, path: &str, body: &[u8]) -> Result<(u16, Vec<u8>), BsreError> {
        let mut request = Zeroizing::new(Vec::with_capacity(body.len() + 512));
        request.extend_from_slice(
            format!(
                "POST {}{path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nContent-Type: \
                 application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\nUser-Agent: sertel/{}\r\n\r\n",
                self.prefix,
                self.host,
                self.authorization.as_str(),
                body.len(),
                env!("CARGO_PKG_VERSION"),
            )
            .as_bytes(),
        );
        request.extend_from_slice(body);
        let exchange = async {
            let tcp = TcpStream::connect((self.host.as_str(), self.port))
                .await
                .map_err(|e| BsreError::Unreachable(format!("connect: {e}")))?;
            match (&self.connector, self.tls) {
                (Some(connector), true) => {
                    let name = rustls_pki_types::ServerName::try_from(self.host.clone())
                        .map_err(|e| BsreError::Settings(format!("server name: {e}")))?;
                    let stream = connector
                        .connect(name, tcp)
                        .await
                        .map_err(|e| BsreError::Unreachable(format!("tls: {e}")))?;
                    exchange(stream, &request).await
                }
                _ => exchange(tcp, &request).await,
            }
        };
        let answer = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| BsreError::Unreachable("no answer in time".into()))??;
        parse_answer(&answer)
    }
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    request: &[u8],
) -> Result<Vec<u8>, BsreError> {
    stream
        .write_all(request)
        .await
        .map_err(|e| BsreError::Unreachable(format!("send: {e}")))?;
    stream
        .flush()
        .await
        .map_err(|e| BsreError::Unreachable(format!("send: {e}")))?;
    let mut answer = Vec::new();
    let mut limited = (&mut stream).take(ANSWER_LIMIT as u64 + 1);
    // A server that closes without TLS close_notify still gave its whole answer.
    if let Err(e) = limited.read_to_end(&mut answer).await
        && answer.is_empty()
    {
        return Err(BsreError::Unreachable(format!("read: {e}")));
    }
    if answer.len() > ANSWER_LIMIT {
        return Err(BsreError::Protocol {
            status: 0,
            message: "answer too large".into(),
        });
    }
    Ok(answer)
}

/// Status and body of a whole HTTP/1.1 answer (Content-Length, chunked, or to the end).
fn parse_answer(answer: &[u8]) -> Result<(u16, Vec<u8>), BsreError> {
    let protocol = |m: &str| BsreError::Protocol {
        status: 0,
        message: m.to_string(),
    };
    let head_end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| protocol("no complete http header"))?;
    let head = std::str::from_utf8(&answer[..head_end]).map_err(|_| protocol("header not text"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| protocol("no status line"))?;
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "transfer-encoding" && value.to_ascii_lowercase().contains("chunked") {
            chunked = true;
        } else if name == "content-length" {
            length = value.parse::<usize>().ok();
        }
    }
    let rest = &answer[head_end + 4..];
    let body = if chunked {
        dechunk(rest).ok_or_else(|| protocol("broken chunked body"))?
    } else if let Some(n) = length {
        rest.get(..n)
            .ok_or_else(|| protocol("body shorter than its length"))?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok((status, body))
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

/// BSrE's answer as JSON, or the error it stands for.
fn answer_json(status: u16, body: &[u8]) -> Result<serde_json::Value, BsreError> {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let message = json
        .as_ref()
        .and_then(|j| {
            ["message", "error", "error_description"]
                .iter()
                .find_map(|k| j.get(*k).and_then(|v| v.as_str()))
        })
        .unwrap_or("")
        .chars()
        .take(300)
        .collect::<String>();
    if !(200..300).contains(&status) {
        let lower = message.to_lowercase();
        if lower.contains("passphrase") {
            return Err(BsreError::WrongPassphrase { status, message });
        }
        return Err(BsreError::Refused {
            status,
            message: if message.is_empty() {
                format!("HTTP {status}")
            } else {
                message
            },
        });
    }
    json.ok_or(BsreError::Protocol {
        status,
        message: "answer is not json".into(),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignBody<'a> {
    nik: &'a str,
    passphrase: &'a str,
    signature_properties: [Properties<'a>; 1],
    file: [String; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Properties<'a> {
    tampilan: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_base64: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_x: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_y: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<f32>,
    location: &'a str,
    reason: &'a str,
    contact_info: &'a str,
}

impl Bsre for HttpBsre {
    fn sign_pdf<'a>(&'a self, request: &'a SignRequest<'a>) -> Pending<'a, Vec<u8>> {
        Box::pin(async move {
            let place = request.stamp.map(|(_, p)| p);
            let body = SignBody {
                nik: request.nik.as_str(),
                passphrase: request.passphrase.expose(),
                signature_properties: [Properties {
                    tampilan: if request.stamp.is_some() {
                        "VISIBLE"
                    } else {
                        "INVISIBLE"
                    },
                    image_base64: request.stamp.map(|(png, _)| B64.encode(png)),
                    page: place.map(|p| p.page),
                    origin_x: place.map(|p| p.x),
                    origin_y: place.map(|p| p.y),
                    width: place.map(|p| p.width),
                    height: place.map(|p| p.height),
                    location: request.location,
                    reason: request.reason,
                    contact_info: "",
                }],
                file: [B64.encode(request.pdf)],
            };
            // Room for all of it up front: a growing buffer would leave copies of the
            // passphrase behind in the memory it gave up.
            let mut json =
                Zeroizing::new(Vec::with_capacity(request.pdf.len() * 4 / 3 + 64 * 1024));
            serde_json::to_writer(&mut *json, &body).map_err(|e| BsreError::Protocol {
                status: 0,
                message: e.to_string(),
            })?;
            drop(body);
            let (status, answer) = self.post("/api/v2/sign/pdf", &json).await?;
            drop(json);
            let value = answer_json(status, &answer)?;
            let file = value
                .get("file")
                .and_then(|f| f.as_array())
                .and_then(|files| files.first())
                .and_then(|f| f.as_str())
                .ok_or(BsreError::Protocol {
                    status,
                    message: "no file in the answer".into(),
                })?;
            B64.decode(file.trim()).map_err(|e| BsreError::Protocol {
                status,
                message: format!("file is not base64: {e}"),
            })
        })
    }

    fn check_status<'a>(&'a self, nik: &'a Nik) -> Pending<'a, CertStatus> {
        Box::pin(async move {
            let body =
                serde_json::to_vec(&serde_json::json!({ "nik": nik.as_str() })).unwrap_or_default();
            let (status, answer) = self.post("/api/v2/user/check/status", &body).await?;
            let value = answer_json(status, &answer)?;
            let text = value
                .get("status")
                .and_then(|s| s.as_str())
                .ok_or(BsreError::Protocol {
                    status,
                    message: "no status in the answer".into(),
                })?;
            Ok(CertStatus::parse(text))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_in_every_framing() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}extra";
        assert_eq!(parse_answer(plain).unwrap(), (200, b"{}".to_vec()));
        let chunked =
            b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n2;x\r\n\"}\r\n0\r\n\r\n";
        assert_eq!(parse_answer(chunked).unwrap(), (400, b"{\"a\"}".to_vec()));
        let to_end = b"HTTP/1.0 200 OK\r\n\r\nbody";
        assert_eq!(parse_answer(to_end).unwrap().1, b"body");
        assert!(parse_answer(b"garbage").is_err());
    }

    #[test]
    fn errors_say_what_bsre_said() {
        let wrong = answer_json(
            400,
            br#"{"status_code":2031,"error":"Passphrase anda salah"}"#,
        );
        assert!(matches!(
            wrong,
            Err(BsreError::WrongPassphrase { status: 400, .. })
        ));
        let refused = answer_json(400, br#"{"message":"User tidak terdaftar"}"#);
        assert!(
            matches!(refused, Err(BsreError::Refused { status: 400, ref message }) if message == "User tidak terdaftar")
        );
        assert!(matches!(
            answer_json(200, b"not json"),
            Err(BsreError::Protocol { .. })
        ));
        assert_eq!(
            answer_json(200, br#"{"status":"ISSUE"}"#).unwrap()["status"],
            "ISSUE"
        );
    }

    fn config(url: &str) -> BsreConfig {
        BsreConfig {
            base_url: url.into(),
            user: "kominfo".into(),
            password: Some("api-secret".into()),
            password_env: None,
            password_file: None,
            ca_file: None,
            timeout_seconds: 5,
            kadis_nik: "7502011203850001".into(),
            status_every_minutes: 30,
        }
    }

    #[test]
    fn plain_http_only_to_this_machine() {
        assert!(HttpBsre::new(&config("http://127.0.0.1:8080/gw")).is_ok());
        assert!(matches!(
            HttpBsre::new(&config("http://esign.example.go.id")),
            Err(BsreError::Settings(_))
        ));
        let b = HttpBsre::new(&config("http://localhost:9/gateway/")).unwrap();
        assert_eq!(
            (b.host.as_str(), b.port, b.prefix.as_str()),
            ("localhost", 9, "/gateway")
        );
        let root = HttpBsre::new(&config("http://127.0.0.1:9")).unwrap();
        assert_eq!(root.prefix, "");
    }
}
