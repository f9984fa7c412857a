//! Signing in and out (with the throttle of [`super::login`]), health, metrics and the stylesheet.

use super::login::Admission;
use super::shared::*;
use crate::desk::accounts;
use accounts::{LoginOutcome, LoginRecord};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;

pub(super) async fn healthz(State(desk): State<Arc<WebDesk>>) -> Response {
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

pub(super) async fn metrics(State(desk): State<Arc<WebDesk>>) -> Response {
    let read = || -> Result<String, crate::case::store::CaseError> {
        let cases = desk.services.store.list()?;
        let outbox = desk.services.store.outbox()?.len();
        let dead = desk.services.store.dead_letters()?.len();
        let quarantined = desk.services.store.quarantined()?.len();
        Ok(super::pages::metrics_text(
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

pub(super) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        super::pages::STYLESHEET,
    )
        .into_response()
}

pub(super) fn login_response(
    desk: &WebDesk,
    status: StatusCode,
    message: Option<&str>,
) -> Response {
    let token = match accounts::random_token() {
        Ok(token) => token,
        Err(e) => return server_error("no random token for the login form", e),
    };
    let mut response = html(status, super::pages::login_page(&token, message));
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

pub(super) async fn login_form(State(desk): State<Arc<WebDesk>>, headers: HeaderMap) -> Response {
    if signed_in(&desk, &headers).is_ok() {
        return Redirect::to("/antrian").into_response();
    }
    login_response(&desk, StatusCode::OK, None)
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    pub(super) name: String,
    pub(super) password: String,
    pub(super) csrf: String,
}

pub(super) async fn login(
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

pub(super) async fn logout(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    headers: HeaderMap,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Response {
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
