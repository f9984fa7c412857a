//! What every route shares: the desk's state, the signed-in session, cookies, CSRF, security
//! headers, errors, and running heavy work off the async threads.

use super::login::{CheckGate, Throttle};
use super::pages::Banner;
use crate::config::WebConfig;
use crate::desk::Services;
use crate::desk::accounts;
use accounts::{AccountError, Accounts, Session};
use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::sync::Notify;

pub(super) const SESSION_COOKIE: &str = "sertel_sesi";

/// Double-submit token of the login form, which has no session yet.
pub(super) const LOGIN_COOKIE: &str = "sertel_masuk";

/// Every form of the desk is small; only the signed-letter upload has a larger limit of its own.
pub(super) const FORM_LIMIT: usize = 64 * 1024;

/// Longest user name and password a login form may carry: argon2 is not fed megabytes.
pub(super) const LOGIN_FIELD_LIMIT: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("accounts: {0}")]
    Accounts(#[from] AccountError),
    #[error("bsre: {0}")]
    Bsre(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// Wrong passphrases in a row, and until when the account's signing form is paused.
pub(super) type SignFailures = (u32, Option<DateTime<Utc>>);

/// What every handler shares.
pub struct WebDesk {
    /// The daemon's config, rules, store and trust anchors, shared with the control socket.
    pub services: Arc<Services>,
    pub(super) accounts: Accounts,
    pub(super) web: WebConfig,
    /// Login attempts per (account, client) and per account.
    pub(super) throttle: Throttle,
    /// Password checks running and waiting.
    pub(super) gate: CheckGate,
    /// Woken after every action, so that the mails it queued go out at once.
    pub(super) mail_waiting: Arc<Notify>,
    pub(super) clock: fn() -> DateTime<Utc>,
    /// Prepared pictures for field crops.
    pub(super) prepared: super::files::PreparedCache,
    /// Rendered PDF pages: attachments and letter previews.
    pub(super) pages: super::files::PageCache,
    /// BSrE's eSign API, when `[bsre]` is configured: the Kadis signs on the desk.
    pub(super) bsre: Option<Arc<dyn crate::bsre::Bsre>>,
    /// Wrong passphrases in a row per account, and until when its signing form is paused.
    pub(super) sign_failures: std::sync::Mutex<std::collections::HashMap<String, SignFailures>>,
    /// The outcome of each session's last action, shown once on the page it was sent back to
    /// (keyed by the session's form token, which only the server and that session know).
    pub(super) flashes:
        std::sync::Mutex<std::collections::HashMap<String, (Banner, DateTime<Utc>)>>,
}

impl WebDesk {
    pub fn new(
        services: Arc<Services>,
        mail_waiting: Arc<Notify>,
        clock: fn() -> DateTime<Utc>,
    ) -> Result<WebDesk, SetupError> {
        let accounts = Accounts::open(&services.store)?;
        let web = services.config.web.clone().unwrap_or_default();
        let bsre = match &services.config.bsre {
            Some(settings) => Some(Arc::new(
                crate::bsre::http::HttpBsre::new(settings)
                    .map_err(|e| SetupError::Bsre(e.to_string()))?,
            ) as Arc<dyn crate::bsre::Bsre>),
            None => None,
        };
        Ok(WebDesk {
            services,
            accounts,
            throttle: Throttle::new(web.login_attempts),
            web,
            gate: CheckGate::for_this_machine(),
            mail_waiting,
            clock,
            prepared: super::files::PreparedCache::default(),
            pages: super::files::PageCache::default(),
            bsre,
            sign_failures: Default::default(),
            flashes: Default::default(),
        })
    }

    pub(super) fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Keeps an action's outcome for the page the browser is sent back to.
    pub(super) fn flash(&self, session: &Session, banner: Banner) {
        let mut flashes = self.flashes.lock().unwrap_or_else(|e| e.into_inner());
        flashes.insert(session.csrf.clone(), (banner, self.now()));
    }

    /// The outcome of the session's last action, once.
    pub(super) fn take_flash(&self, session: &Session) -> Option<Banner> {
        let mut flashes = self.flashes.lock().unwrap_or_else(|e| e.into_inner());
        flashes.remove(&session.csrf).map(|(banner, _)| banner)
    }

    /// Forgets expired sessions, old login failures and outcomes no page came to show.
    pub(super) fn sweep(&self) {
        let now = self.now();
        self.throttle.sweep(now);
        self.flashes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, (_, at)| now - *at < chrono::TimeDelta::minutes(10));
        match self.accounts.sweep(now) {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "expired web sessions removed"),
            Err(e) => tracing::error!(error = %e, "expired web sessions could not be removed"),
        }
    }
}

/// The address a request came from: the peer's, or with `behind_proxy` the one nginx put last
/// in `X-Forwarded-For`. Unspecified when the request came without a connection (tests that
/// call the router directly).
pub(super) struct ClientAddr(pub(super) IpAddr);

pub(super) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let defaults = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

pub(super) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// Equal strings, compared in time that does not depend on where they differ.
pub(super) fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub(super) fn html(status: StatusCode, body: maud::Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.into_string(),
    )
        .into_response()
}

pub(super) fn server_error(what: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "{what}");
    html(
        StatusCode::INTERNAL_SERVER_ERROR,
        super::pages::message_page(
            None,
            "Terjadi kesalahan",
            "Data tidak dapat dibaca saat ini. Coba lagi sebentar lagi atau hubungi admin.",
        ),
    )
}

/// Why a route answers with something other than what was asked for. Every route returns
/// `Result<Response, WebError>`, and this is the one place each refusal becomes an answer.
pub(super) enum WebError {
    /// Nobody is signed in (or the session ended): the login page.
    SignIn,
    /// A page of its own, already rendered: not found, forbidden, refused.
    Page(Box<Response>),
    /// The store or the session table failed: logged, and a plain error page.
    Server(&'static str, String),
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::SignIn => Redirect::to("/masuk").into_response(),
            WebError::Page(response) => *response,
            WebError::Server(what, error) => server_error(what, error),
        }
    }
}

impl From<Response> for WebError {
    fn from(response: Response) -> WebError {
        WebError::Page(Box::new(response))
    }
}

/// The logged-in person, or why not.
pub(super) fn signed_in(desk: &WebDesk, headers: &HeaderMap) -> Result<Session, WebError> {
    let token = cookie(headers, SESSION_COOKIE).ok_or(WebError::SignIn)?;
    match desk.accounts.session(token, desk.now()) {
        Ok(Some(session)) => Ok(session),
        Ok(None) => Err(WebError::SignIn),
        Err(e) => Err(WebError::Server("session lookup failed", e.to_string())),
    }
}

/// The signed-in person, as a route's argument: a stranger gets the login page before the
/// route runs (and before an upload's body is read).
pub(super) struct SignedIn(pub(super) Session);

impl FromRequestParts<Arc<WebDesk>> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        desk: &Arc<WebDesk>,
    ) -> Result<SignedIn, WebError> {
        signed_in(desk, &parts.headers).map(SignedIn)
    }
}

pub(super) fn forbidden(session: &Session, what: &str) -> Response {
    html(
        StatusCode::FORBIDDEN,
        super::pages::message_page(
            Some(session),
            "Tidak berwenang",
            &format!(
                "Peran Anda ({}) tidak berwenang untuk {what}.",
                session.role.as_str()
            ),
        ),
    )
}

/// "40 detik", "3 menit": how long a refused login must wait, rounded up.
pub(super) fn wait_words(seconds: i64) -> String {
    if seconds < 60 {
        format!("{seconds} detik")
    } else {
        format!("{} menit", (seconds + 59) / 60)
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfForm {
    pub(super) csrf: String,
}

pub(super) fn csrf_refused(session: &Session) -> Response {
    html(
        StatusCode::FORBIDDEN,
        super::pages::message_page(
            Some(session),
            "Formulir ditolak",
            "Token formulir tidak sah atau kedaluwarsa. Muat ulang halaman lalu coba lagi.",
        ),
    )
}

/// Who may do an action.
#[derive(Clone, Copy)]
pub(super) enum Needs {
    Dispose,
    Verify,
    Admin,
}

/// `work` on a thread that may block (sled reads, PDF parsing, `pdftotext`, drafting), so that
/// a crowd on the case pages never stalls the workers that answer everyone else.
pub(super) async fn blocking(
    desk: &Arc<WebDesk>,
    work: impl FnOnce(&WebDesk) -> Response + Send + 'static,
) -> Response {
    let desk = desk.clone();
    tokio::task::spawn_blocking(move || work(&desk))
        .await
        .unwrap_or_else(|e| server_error("a desk page panicked", e))
}

impl FromRequestParts<Arc<WebDesk>> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        desk: &Arc<WebDesk>,
    ) -> Result<ClientAddr, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = || {
            parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| a.trim().parse::<IpAddr>().ok())
                .next_back()
        };
        let addr = match peer {
            Some(peer) if desk.web.behind_proxy && peer.is_loopback() => {
                forwarded().unwrap_or(peer)
            }
            Some(peer) => peer,
            None => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        };
        Ok(ClientAddr(addr))
    }
}
