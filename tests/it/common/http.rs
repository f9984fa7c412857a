//! A bare HTTP/1.1 client on loopback TCP, one request per connection, for the tests and
//! benches that reach the web desk as a browser or an attacker would, past the router.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `request` on a new connection to 127.0.0.1:`port`; the status and the whole answer.
pub async fn exchange(port: u16, request: String) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

/// What follows `marker` in `text`, up to `end`.
pub fn value_after<'a>(text: &'a str, marker: &str, end: char) -> &'a str {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {text}"))
        + marker.len();
    let rest = &text[at..];
    &rest[..rest.find(end).unwrap()]
}

/// `application/x-www-form-urlencoded` for one value.
pub fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A GET with `cookie`; its status.
pub async fn get(port: u16, path: &str, cookie: &str) -> u16 {
    exchange(
        port,
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"),
    )
    .await
    .0
}

/// A login attempt with a fresh login form; the status, and the session cookie when it
/// logged in (empty otherwise).
pub async fn login(port: u16, name: &str, password: &str) -> (u16, String) {
    let (_, form) = exchange(
        port,
        "GET /masuk HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".into(),
    )
    .await;
    let token = value_after(&form, "sertel_masuk=", ';').to_string();
    let csrf = value_after(&form, "name=\"csrf\" value=\"", '"').to_string();
    let body = format!(
        "name={}&password={}&csrf={csrf}",
        form_encode(name),
        form_encode(password)
    );
    let (status, answer) = exchange(
        port,
        format!(
            "POST /masuk HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: sertel_masuk={token}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    let cookie = answer
        .find("sertel_sesi=")
        .map(|_| format!("sertel_sesi={}", value_after(&answer, "sertel_sesi=", ';')))
        .unwrap_or_default();
    (status, cookie)
}
