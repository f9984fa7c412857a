//! The verifiers' and the Kadis's web desk, served by the daemon: login, the queue, the case
//! page with its actions (each one a [`staff::Command`], the CLI's own code path), attachments,
//! the report with its charts, `/healthz` and `/metrics`. Pages are rendered on the server by [`pages`]; everything that
//! came from a mail is escaped there.

pub mod files;
pub mod login;
pub mod pages;
mod serve;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRequestParts, Multipart, Path, Query, Request, State,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tokio::sync::Notify;

use crate::case::{Case, CaseId};
use crate::config::WebConfig;
use crate::desk::Services;
use crate::desk::accounts;
use crate::desk::command::{Command, execute};
use crate::desk::reply::Reply;
use accounts::{AccountError, Accounts, LoginOutcome, LoginRecord, Role, Session};
use login::{Admission, CheckGate, Throttle};
use pages::{Banner, QueueFilter};

pub use serve::{HEADER_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS, serve};

const SESSION_COOKIE: &str = "sertel_sesi";
/// Double-submit token of the login form, which has no session yet.
const LOGIN_COOKIE: &str = "sertel_masuk";
/// Every form of the desk is small; only the signed-letter upload has a larger limit of its own.
const FORM_LIMIT: usize = 64 * 1024;
/// Longest user name and password a login form may carry: argon2 is not fed megabytes.
const LOGIN_FIELD_LIMIT: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("accounts: {0}")]
    Accounts(#[from] AccountError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// What every handler shares.
pub struct WebDesk {
    /// The daemon's config, rules, store and trust anchors, shared with the control socket.
    pub services: Arc<Services>,
    accounts: Accounts,
    web: WebConfig,
    /// Login attempts per (account, client) and per account.
    throttle: Throttle,
    /// Password checks running and waiting.
    gate: CheckGate,
    /// Woken after every action, so that the mails it queued go out at once.
    mail_waiting: Arc<Notify>,
    clock: fn() -> DateTime<Utc>,
    /// Prepared pictures for field crops.
    prepared: files::PreparedCache,
    /// Rendered PDF pages: attachments and letter previews.
    pages: files::PageCache,
}

impl WebDesk {
    pub fn new(
        services: Arc<Services>,
        mail_waiting: Arc<Notify>,
        clock: fn() -> DateTime<Utc>,
    ) -> Result<WebDesk, WebError> {
        let accounts = Accounts::open(&services.store)?;
        let web = services.config.web.clone().unwrap_or_default();
        Ok(WebDesk {
            services,
            accounts,
            throttle: Throttle::new(web.login_attempts),
            web,
            gate: CheckGate::for_this_machine(),
            mail_waiting,
            clock,
            prepared: files::PreparedCache::default(),
            pages: files::PageCache::default(),
        })
    }

    fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Forgets expired sessions and old login failures.
    fn sweep(&self) {
        let now = self.now();
        self.throttle.sweep(now);
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
struct ClientAddr(IpAddr);

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
                .last()
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

/// Every route of the desk, with the security headers on every answer.
pub fn router(desk: Arc<WebDesk>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/antrian") }))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/gaya.css", get(stylesheet))
        .route("/masuk", get(login_form).post(login))
        .route("/keluar", post(logout))
        .route("/antrian", get(queue))
        .route("/kasus/{id}", get(case_page))
        .route("/kasus/{id}/lampiran/{n}/unduh", get(download))
        .route("/kasus/{id}/lampiran/{n}/gambar", get(picture))
        .route("/kasus/{id}/lampiran/{n}/potongan/{field}", get(crop))
        .route("/kasus/{id}/keluar/{outbox}/{n}", get(outgoing_attachment))
        .route("/kasus/{id}/disposisi", post(act_dispose))
        .route("/kasus/{id}/minta", post(act_request))
        .route("/kasus/{id}/periksa", post(act_check))
        .route("/kasus/{id}/tolak", post(act_reject))
        .route("/kasus/{id}/ubah", post(act_edit))
        .route("/kasus/{id}/tahap", post(act_mark))
        .route("/kasus/{id}/surat", post(act_draft))
        .route("/kasus/{id}/hapus", post(act_erase))
        .route("/kasus/{id}/surat/{kind}", get(letter))
        .route(
            "/kasus/{id}/ttd",
            post(act_sign).layer(DefaultBodyLimit::max(
                crate::desk::letters::SIGNED_LETTER_LIMIT,
            )),
        )
        .route("/laporan", get(report_page))
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(middleware::from_fn(security_headers))
        .with_state(desk)
}

/// Binds the configured address; the daemon refuses to start when it cannot.
pub async fn bind(web: &WebConfig) -> Result<tokio::net::TcpListener, WebError> {
    tokio::net::TcpListener::bind(web.listen)
        .await
        .map_err(|source| WebError::Listen {
            addr: web.listen,
            source,
        })
}

async fn security_headers(request: Request, next: Next) -> Response {
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

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
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
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn html(status: StatusCode, body: maud::Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.into_string(),
    )
        .into_response()
}

fn server_error(what: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "{what}");
    html(
        StatusCode::INTERNAL_SERVER_ERROR,
        pages::message_page(
            None,
            "Terjadi kesalahan",
            "Data tidak dapat dibaca saat ini. Coba lagi sebentar lagi atau hubungi admin.",
        ),
    )
}

/// The answer a handler gives instead of going on (boxed: a `Response` is large).
type Instead = Box<Response>;

/// The logged-in person, or the answer to give instead (the login page for a stranger).
fn signed_in(desk: &WebDesk, headers: &HeaderMap) -> Result<Session, Instead> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Err(Box::new(Redirect::to("/masuk").into_response()));
    };
    match desk.accounts.session(token, desk.now()) {
        Ok(Some(session)) => Ok(session),
        Ok(None) => Err(Box::new(Redirect::to("/masuk").into_response())),
        Err(e) => Err(Box::new(server_error("session lookup failed", e))),
    }
}

fn forbidden(session: &Session, what: &str) -> Response {
    html(
        StatusCode::FORBIDDEN,
        pages::message_page(
            Some(session),
            "Tidak berwenang",
            &format!(
                "Peran Anda ({}) tidak berwenang untuk {what}.",
                session.role.as_str()
            ),
        ),
    )
}

async fn healthz(State(desk): State<Arc<WebDesk>>) -> Response {
    if desk.services.store.unwritable() {
        return (StatusCode::SERVICE_UNAVAILABLE, "store cannot write\n").into_response();
    }
    match desk.services.store.next_due() {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check could not read the store");
            (StatusCode::SERVICE_UNAVAILABLE, "store unreadable\n").into_response()
        }
    }
}

async fn metrics(State(desk): State<Arc<WebDesk>>) -> Response {
    let read = || -> Result<String, crate::case::store::CaseError> {
        let cases = desk.services.store.list()?;
        let outbox = desk.services.store.outbox()?.len();
        let dead = desk.services.store.dead_letters()?.len();
        let quarantined = desk.services.store.quarantined()?.len();
        Ok(pages::metrics_text(
            &cases,
            outbox,
            dead,
            quarantined,
            crate::text::ocr::ocr_seconds(),
        ))
    };
    match read() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => server_error("metrics could not read the store", e),
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        pages::STYLESHEET,
    )
        .into_response()
}

fn login_response(desk: &WebDesk, status: StatusCode, message: Option<&str>) -> Response {
    let token = match accounts::random_token() {
        Ok(token) => token,
        Err(e) => return server_error("no random token for the login form", e),
    };
    let mut response = html(status, pages::login_page(&token, message));
    let cookie = format!(
        "{LOGIN_COOKIE}={token}; Path=/masuk; HttpOnly; SameSite=Strict{}",
        if desk.web.secure_cookie {
            "; Secure"
        } else {
            ""
        }
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn login_form(State(desk): State<Arc<WebDesk>>, headers: HeaderMap) -> Response {
    if signed_in(&desk, &headers).is_ok() {
        return Redirect::to("/antrian").into_response();
    }
    login_response(&desk, StatusCode::OK, None)
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    csrf: String,
}

async fn login(
    State(desk): State<Arc<WebDesk>>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !same_token(expected, &form.csrf) {
        return login_response(
            &desk,
            StatusCode::FORBIDDEN,
            Some("Formulir kedaluwarsa atau tidak sah. Silakan masuk lagi."),
        );
    }
    let wrong = || {
        login_response(
            &desk,
            StatusCode::UNAUTHORIZED,
            Some("Nama pengguna atau kata sandi salah."),
        )
    };
    if form.name.len() > LOGIN_FIELD_LIMIT || form.password.len() > LOGIN_FIELD_LIMIT {
        tracing::warn!(%client, "login refused: an oversized name or password");
        return wrong();
    }
    let now = desk.now();
    let who = form.name.trim().to_lowercase();
    // Counted before the password is checked, so that concurrent guesses cannot outrun it.
    let audit = |outcome: LoginOutcome| {
        let account = matches!(desk.accounts.get(&who), Ok(Some(_))).then(|| who.clone());
        let record = LoginRecord {
            at: now,
            account,
            client: client.to_string(),
            outcome,
        };
        if let Err(e) = desk.accounts.record_login(&record) {
            tracing::error!(error = %e, "login attempt could not be recorded");
        }
    };
    if let Admission::Wait(wait) = desk.throttle.admit(&who, client, now) {
        audit(LoginOutcome::Ditunda);
        let seconds = wait.num_seconds().max(1);
        tracing::warn!(%client, wait_seconds = seconds, "login refused: too soon after failed attempts");
        let mut response = login_response(
            &desk,
            StatusCode::TOO_MANY_REQUESTS,
            Some(&format!(
                "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {}.",
                wait_words(seconds)
            )),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return response;
    }
    let Some(place) = desk.gate.enter().await else {
        desk.throttle.cancel(&who, client);
        audit(LoginOutcome::Sibuk);
        tracing::warn!(%client, "login refused: too many password checks waiting");
        let mut response = login_response(
            &desk,
            StatusCode::SERVICE_UNAVAILABLE,
            Some("Server sedang sibuk. Coba lagi sebentar lagi."),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return response;
    };
    let accounts = desk.accounts.clone();
    let (name, password) = (form.name.clone(), form.password.clone());
    let verified = tokio::task::spawn_blocking(move || accounts.verify(&name, &password)).await;
    drop(place);
    let account = match verified {
        Ok(Ok(Some(account))) => account,
        Ok(Ok(None)) => {
            desk.throttle.finish(&who, client, false, now);
            audit(LoginOutcome::Gagal);
            let known = matches!(desk.accounts.get(&who), Ok(Some(_)));
            if known {
                tracing::warn!(user = %who, %client, "login refused: wrong password");
            } else {
                tracing::warn!(%client, "login refused: unknown user name");
            }
            return wrong();
        }
        Ok(Err(e)) => return server_error("login could not read the accounts", e),
        Err(e) => return server_error("login check panicked", e),
    };
    desk.throttle.finish(&who, client, true, now);
    audit(LoginOutcome::Masuk);
    let (token, _) = match desk.accounts.start(&account, now) {
        Ok(started) => started,
        Err(e) => return server_error("session could not be stored", e),
    };
    tracing::info!(user = %account.name, role = %account.role, %client, "web login");
    let mut response = Redirect::to("/antrian").into_response();
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        accounts::SESSION_IDLE.num_seconds(),
        if desk.web.secure_cookie {
            "; Secure"
        } else {
            ""
        }
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// "40 detik", "3 menit": how long a refused login must wait, rounded up.
fn wait_words(seconds: i64) -> String {
    if seconds < 60 {
        format!("{seconds} detik")
    } else {
        format!("{} menit", (seconds + 59) / 60)
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Response {
    let session = match signed_in(&desk, &headers) {
        Ok(session) => session,
        Err(response) => return *response,
    };
    if !same_token(&session.csrf, &form.csrf) {
        return csrf_refused(&session);
    }
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = desk.accounts.end(token)
    {
        return server_error("session could not be ended", e);
    }
    let mut response = Redirect::to("/masuk").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("sertel_sesi=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}

fn csrf_refused(session: &Session) -> Response {
    html(
        StatusCode::FORBIDDEN,
        pages::message_page(
            Some(session),
            "Formulir ditolak",
            "Token formulir tidak sah atau kedaluwarsa. Muat ulang halaman lalu coba lagi.",
        ),
    )
}

async fn queue(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Query(filter): Query<QueueFilter>,
) -> Response {
    blocking(&desk, move |desk| {
        let session = match signed_in(desk, &headers) {
            Ok(session) => session,
            Err(response) => return *response,
        };
        match desk.services.store.list() {
            Ok(cases) => html(
                StatusCode::OK,
                pages::queue_page(&session, &desk.services.config, &cases, &filter, desk.now()),
            ),
            Err(e) => server_error("queue could not read the cases", e),
        }
    })
    .await
}

/// The signed-in person and the case they asked for, or the page that answers instead.
fn session_and_case(
    desk: &WebDesk,
    headers: &HeaderMap,
    id: &str,
) -> Result<(Session, Case), Instead> {
    let session = signed_in(desk, headers)?;
    let case = load_case(desk, &session, id)?;
    Ok((session, case))
}

fn load_case(desk: &WebDesk, session: &Session, id: &str) -> Result<Case, Instead> {
    let not_found = || {
        Box::new(html(
            StatusCode::NOT_FOUND,
            pages::message_page(
                Some(session),
                "Kasus tidak ditemukan",
                &format!("Tidak ada kasus bernomor {id}."),
            ),
        ))
    };
    let id: CaseId = id.parse().map_err(|_| not_found())?;
    match desk.services.store.get(id) {
        Ok(Some(case)) => Ok(case),
        Ok(None) => Err(not_found()),
        Err(e) => Err(Box::new(server_error("case could not be read", e))),
    }
}

fn render_case(desk: &WebDesk, session: &Session, id: &str, banner: Option<Banner>) -> Response {
    let case = match load_case(desk, session, id) {
        Ok(case) => case,
        Err(response) => return *response,
    };
    let mails = match desk.services.store.case_mails(case.id) {
        Ok(mails) => mails,
        Err(e) => return server_error("case mails could not be read", e),
    };
    let outgoing = match desk.services.store.case_outgoing(case.id) {
        Ok(outgoing) => outgoing,
        Err(e) => return server_error("case outgoing mails could not be read", e),
    };
    let status = match &banner {
        Some(Banner::Refused(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    html(
        status,
        pages::case_page(
            session,
            &desk.services.config,
            &case,
            pages::Thread {
                incoming: &mails,
                outgoing: &outgoing,
            },
            pages::Readings {
                attachments: &files::views(&desk.services.store, &case),
                min_confidence: desk.services.rules.checklist.settings.min_confidence,
            },
            banner.as_ref(),
            desk.now(),
        ),
    )
}

async fn case_page(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    blocking(&desk, move |desk| match signed_in(desk, &headers) {
        Ok(session) => render_case(desk, &session, &id, None),
        Err(response) => *response,
    })
    .await
}

#[derive(Deserialize)]
struct PictureQuery {
    #[serde(default = "first_page")]
    halaman: u32,
}

fn first_page() -> u32 {
    1
}

async fn picture(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path((id, n)): Path<(String, usize)>,
    Query(q): Query<PictureQuery>,
) -> Response {
    let (_, case) = match session_and_case(&desk, &headers, &id) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let shared = desk.clone();
    let shown = tokio::task::spawn_blocking(move || {
        files::picture(&shared.services.store, &case, n, q.halaman, &shared.pages)
    })
    .await;
    match shown {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => (StatusCode::NOT_FOUND, e.to_string()).into_response(),
        Err(e) => server_error("rendering an attachment panicked", e),
    }
}

async fn crop(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path((id, n, field)): Path<(String, usize, String)>,
) -> Response {
    let (session, case) = match session_and_case(&desk, &headers, &id) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let shared = desk.clone();
    let cropped = tokio::task::spawn_blocking(move || {
        files::crop(&shared.services.store, &case, n, &field, &shared.prepared)
    })
    .await;
    match cropped {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => {
            tracing::info!(error = %e, "no crop to show");
            html(
                StatusCode::NOT_FOUND,
                pages::message_page(
                    Some(&session),
                    "Potongan tidak tersedia",
                    "Tidak ada potongan gambar untuk isian ini: isian tidak dikenal, tidak dibaca \
                     dari gambar, atau lampirannya tidak dapat dibuka.",
                ),
            )
        }
        Err(e) => server_error("cropping an attachment panicked", e),
    }
}

async fn download(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path((id, n)): Path<(String, usize)>,
) -> Response {
    let (_, case) = match session_and_case(&desk, &headers, &id) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    match files::download(&desk.services.store, &case, n) {
        Ok(response) => response,
        Err(e) => (StatusCode::NOT_FOUND, e.to_string()).into_response(),
    }
}

/// Attachment `n` of the mail sertel queued for the case as outbox entry `outbox`, as a
/// download (the letters it sent the Kadis, for one).
async fn outgoing_attachment(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path((id, outbox, n)): Path<(String, u64, usize)>,
) -> Response {
    let (session, case) = match session_and_case(&desk, &headers, &id) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let outgoing = match desk.services.store.case_outgoing(case.id) {
        Ok(outgoing) => outgoing,
        Err(e) => return server_error("case outgoing mails could not be read", e),
    };
    let attachment = outgoing
        .into_iter()
        .find(|copy| copy.mail.outbox == outbox)
        .and_then(|copy| crate::parse::parse_mail(&copy.raw?).ok())
        .and_then(|parsed| parsed.attachments.into_iter().nth(n));
    match attachment {
        Some(a) => files::letter_download(&a.filename, a.data),
        None => html(
            StatusCode::NOT_FOUND,
            pages::message_page(
                Some(&session),
                "Lampiran tidak ditemukan",
                &format!(
                    "Surel keluar kasus {} tidak memiliki lampiran ini.",
                    case.id
                ),
            ),
        ),
    }
}

/// Who may do an action.
#[derive(Clone, Copy)]
enum Needs {
    Dispose,
    Verify,
    Admin,
}

/// `work` on a thread that may block (sled reads, PDF parsing, `pdftotext`, drafting), so that
/// a crowd on the case pages never stalls the workers that answer everyone else.
async fn blocking(
    desk: &Arc<WebDesk>,
    work: impl FnOnce(&WebDesk) -> Response + Send + 'static,
) -> Response {
    let desk = desk.clone();
    tokio::task::spawn_blocking(move || work(&desk))
        .await
        .unwrap_or_else(|e| server_error("a desk page panicked", e))
}

/// Runs one staff command for the signed-in person after the role and CSRF checks, and
/// answers with the case page and the command's reply on it.
async fn act(
    desk: &Arc<WebDesk>,
    headers: HeaderMap,
    id: String,
    csrf: String,
    needs: Needs,
    command: impl FnOnce(String) -> Command + Send + 'static,
) -> Response {
    blocking(desk, move |desk| {
        act_now(desk, &headers, &id, &csrf, needs, command)
    })
    .await
}

fn act_now(
    desk: &WebDesk,
    headers: &HeaderMap,
    id: &str,
    csrf: &str,
    needs: Needs,
    command: impl FnOnce(String) -> Command,
) -> Response {
    let session = match signed_in(desk, headers) {
        Ok(session) => session,
        Err(response) => return *response,
    };
    if !same_token(&session.csrf, csrf) {
        return csrf_refused(&session);
    }
    let allowed = match needs {
        Needs::Dispose => session.role.may_dispose(),
        Needs::Verify => session.role.may_verify(),
        Needs::Admin => session.role == Role::Admin,
    };
    if !allowed {
        let what = match needs {
            Needs::Dispose => "mendisposisikan kasus (tugas Kadis)",
            Needs::Verify => "memverifikasi kasus (tugas verifikator)",
            Needs::Admin => "menghapus data pribadi (tugas admin)",
        };
        return forbidden(&session, what);
    }
    if let Needs::Verify = needs
        && let Some(refusal) = not_their_case(desk, &session, id)
    {
        return refusal;
    }
    let command = command(web_actor(&session));
    let Reply { ok, text, .. } = execute(&command, &desk.services.desk(), desk.now());
    desk.mail_waiting.notify_one();
    let banner = if ok {
        Banner::Done(text)
    } else {
        Banner::Refused(text)
    };
    render_case(desk, &session, id, Some(banner))
}

/// The refusal when the signed-in verifier is not the one the case was disposed to (an admin
/// may act on every case).
fn not_their_case(desk: &WebDesk, session: &Session, id: &str) -> Option<Response> {
    let case = match load_case(desk, session, id) {
        Ok(case) => case,
        Err(response) => return Some(*response),
    };
    let account = match desk.accounts.get(&session.name) {
        Ok(Some(account)) => account,
        Ok(None) => return Some(Redirect::to("/masuk").into_response()),
        Err(e) => return Some(server_error("account lookup failed", e)),
    };
    if account.may_verify_case(case.verifier.as_deref()) {
        return None;
    }
    tracing::warn!(case = %case.id, user = %session.name, "web action refused: the case is disposed to another verifier");
    let assigned = case.verifier.as_deref().unwrap_or("-");
    let whose = desk
        .services
        .config
        .office
        .verifiers
        .iter()
        .find(|v| v.email.eq_ignore_ascii_case(assigned))
        .map_or(assigned.to_string(), |v| v.name.clone());
    let hint = if account.verifier.is_none() {
        " Akun Anda belum ditautkan ke verifikator kantor; minta admin menautkannya \
         (sertel user add NAMA --role verifikator --verifikator EMAIL)."
    } else {
        ""
    };
    Some(html(
        StatusCode::FORBIDDEN,
        pages::message_page(
            Some(session),
            "Bukan kasus Anda",
            &format!(
                "Kasus {} didisposisikan kepada {whose}; hanya verifikator tersebut atau admin \
                 yang dapat menindaklanjutinya.{hint}",
                case.id
            ),
        ),
    ))
}

/// The name an action is recorded under in the case history.
fn web_actor(session: &Session) -> String {
    let role = match session.role {
        Role::Verifikator => "verifikator",
        Role::Kadis => "Kadis",
        Role::Admin => "admin",
    };
    format!("{} ({role}, web)", session.name)
}

#[derive(Deserialize)]
struct DisposeForm {
    csrf: String,
    verifier: String,
}

async fn act_dispose(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<DisposeForm>,
) -> Response {
    let case = id.clone();
    act(&desk, headers, id, form.csrf, Needs::Dispose, move |by| {
        Command::Dispose {
            id: case,
            verifier: form.verifier,
            by,
        }
    })
    .await
}

#[derive(Deserialize)]
struct RequestForm {
    csrf: String,
    message: String,
}

async fn act_request(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<RequestForm>,
) -> Response {
    let case = id.clone();
    act(&desk, headers, id, form.csrf, Needs::Verify, move |by| {
        Command::Request {
            id: case,
            message: form.message,
            by,
        }
    })
    .await
}

#[derive(Deserialize)]
struct CheckForm {
    csrf: String,
    item: String,
    #[serde(default)]
    note: String,
}

async fn act_check(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CheckForm>,
) -> Response {
    let case = id.clone();
    act(&desk, headers, id, form.csrf, Needs::Verify, move |by| {
        Command::Check {
            id: case,
            item: form.item,
            note: Some(form.note.trim().to_string()).filter(|n| !n.is_empty()),
            by,
        }
    })
    .await
}

#[derive(Deserialize)]
struct RejectForm {
    csrf: String,
    reason: String,
}

async fn act_reject(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<RejectForm>,
) -> Response {
    let case = id.clone();
    act(&desk, headers, id, form.csrf, Needs::Verify, move |by| {
        Command::Reject {
            id: case,
            reason: form.reason,
            by,
        }
    })
    .await
}

#[derive(Deserialize)]
struct EditForm {
    csrf: String,
    field: String,
    value: String,
}

async fn act_edit(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<EditForm>,
) -> Response {
    let case = id.clone();
    act(&desk, headers, id, form.csrf, Needs::Verify, move |by| {
        Command::Edit {
            id: case,
            field: form.field,
            value: form.value,
            by,
        }
    })
    .await
}

#[derive(Deserialize)]
struct MarkForm {
    csrf: String,
    state: String,
}

async fn act_mark(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<MarkForm>,
) -> Response {
    let case = id.clone();
    act(&desk, headers, id, form.csrf, Needs::Verify, move |by| {
        Command::Mark {
            id: case,
            state: form.state,
            by,
        }
    })
    .await
}

#[derive(Deserialize)]
struct DraftForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn act_draft(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<DraftForm>,
) -> Response {
    let case = id.clone();
    act(&desk, headers, id, form.csrf, Needs::Verify, move |by| {
        Command::Draft {
            id: case,
            reason: Some(form.reason.trim().to_string()).filter(|r| !r.is_empty()),
            by,
        }
    })
    .await
}

#[derive(Deserialize)]
struct EraseForm {
    csrf: String,
    reason: String,
    #[serde(default)]
    force: String,
}

async fn act_erase(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<EraseForm>,
) -> Response {
    let case = id.clone();
    act(&desk, headers, id, form.csrf, Needs::Admin, move |by| {
        Command::Erase {
            id: case,
            reason: form.reason,
            force: !form.force.is_empty(),
            by,
        }
    })
    .await
}

/// The latest drafted letter: `pdf` or `docx` as a download, `gambar` as its first page; `ttd`
/// the accepted signed letter.
async fn letter(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path((id, kind)): Path<(String, String)>,
) -> Response {
    let session = match signed_in(&desk, &headers) {
        Ok(session) => session,
        Err(response) => return *response,
    };
    if kind == "ttd" {
        return signed_letter(&desk, &session, &id);
    }
    let index = match kind.as_str() {
        "pdf" | "gambar" => 0,
        "docx" => 1,
        _ => return (StatusCode::NOT_FOUND, "tidak ada\n").into_response(),
    };
    let reply = execute(
        &Command::Letter { id: id.clone() },
        &desk.services.desk(),
        desk.now(),
    );
    let Some(file) = reply.files.into_iter().nth(index).filter(|_| reply.ok) else {
        return html(
            StatusCode::NOT_FOUND,
            pages::message_page(Some(&session), "Surat tidak tersedia", &reply.text),
        );
    };
    if kind != "gambar" {
        return files::letter_download(&file.name, file.bytes);
    }
    let shared = desk.clone();
    let shown = tokio::task::spawn_blocking(move || {
        files::letter_picture(&file.name, &file.bytes, &shared.pages)
    })
    .await;
    match shown {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => (StatusCode::NOT_FOUND, e.to_string()).into_response(),
        Err(e) => server_error("rendering the letter panicked", e),
    }
}

/// The accepted signed letter, as it was uploaded, for download.
fn signed_letter(desk: &WebDesk, session: &Session, id: &str) -> Response {
    let case = match load_case(desk, session, id) {
        Ok(case) => case,
        Err(response) => return *response,
    };
    let bytes = match case
        .signed_letter()
        .map(|sha| desk.services.store.blob(sha))
    {
        Some(Ok(Some(bytes))) => bytes,
        Some(Err(e)) => return server_error("signed letter could not be read", e),
        None | Some(Ok(None)) => {
            return html(
                StatusCode::NOT_FOUND,
                pages::message_page(
                    Some(session),
                    "Surat tidak tersedia",
                    &format!("Kasus {} belum memiliki surat bertanda tangan.", case.id),
                ),
            );
        }
    };
    files::letter_download(&format!("{}_surat_rekomendasi_ttd.pdf", case.id), bytes)
}

/// The signed letter upload: the form's fields are read first, then the checks and the
/// command are those of every other action.
async fn act_sign(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Response {
    // A stranger's upload is refused before its body is read.
    if let Err(response) = signed_in(&desk, &headers) {
        return *response;
    }
    let (mut csrf, mut pdf) = (String::new(), Vec::new());
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return upload_refused(e),
        };
        let name = field.name().unwrap_or_default().to_string();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return upload_refused(e),
        };
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => pdf = bytes.to_vec(),
            _ => {}
        }
    }
    let case = id.clone();
    act(&desk, headers, id, csrf, Needs::Verify, move |by| {
        Command::Sign { id: case, pdf, by }
    })
    .await
}

fn upload_refused(e: axum::extract::multipart::MultipartError) -> Response {
    tracing::warn!(error = %e, "signed letter upload unreadable");
    html(
        e.status(),
        pages::message_page(
            None,
            "Unggahan ditolak",
            &format!(
                "Berkas tidak dapat diterima (paling besar {} MB). Kembali lalu coba lagi.",
                crate::desk::letters::SIGNED_LETTER_LIMIT / (1024 * 1024)
            ),
        ),
    )
}

#[derive(Deserialize)]
struct ReportQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

async fn report_page(
    State(desk): State<Arc<WebDesk>>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Response {
    blocking(&desk, move |desk| {
        let session = match signed_in(desk, &headers) {
            Ok(session) => session,
            Err(response) => return *response,
        };
        let date = |s: &str| chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let cases = match desk.services.store.list() {
            Ok(cases) => cases,
            Err(e) => return server_error("report could not read the cases", e),
        };
        let report = crate::report::compute(
            &cases,
            &desk.services.config.standards,
            date(&q.from),
            date(&q.to),
            desk.now(),
        );
        html(
            StatusCode::OK,
            pages::report_page(&session, &report, q.from.trim(), q.to.trim()),
        )
    })
    .await
}
