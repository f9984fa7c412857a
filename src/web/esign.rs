//! The Kadis signs on the desk: the passphrase form's route. The passphrase goes to BSrE and
//! nowhere else, over HTTPS unless the desk is used on this machine, and three wrong ones in a
//! row pause the form for that account, since BSrE locks an account that keeps failing.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use zeroize::{Zeroize, Zeroizing};

use super::actions::{Back, act};
use super::case::render_case;
use super::pages::Banner;
use super::shared::*;
use crate::bsre::{BsreError, Passphrase};
use crate::desk::accounts::Session;
use crate::desk::command::Command;
use crate::desk::esign::{prepare_signing, request_signature};
use crate::desk::reply::CommandError;

/// Wrong passphrases in a row before the form pauses.
const WRONG_IN_A_ROW: u32 = 3;
/// How long it pauses.
const PAUSE_MINUTES: i64 = 15;

#[derive(Deserialize)]
pub(super) struct SignForm {
    csrf: String,
    passphrase: String,
}

impl Drop for SignForm {
    fn drop(&mut self) {
        self.passphrase.zeroize();
    }
}

pub(super) async fn act_sign_bsre(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(mut form): axum::Form<SignForm>,
) -> Response {
    let passphrase = Passphrase::new(Zeroizing::new(std::mem::take(&mut form.passphrase)));
    if !same_token(&session.csrf, &form.csrf) {
        return csrf_refused(&session);
    }
    if !session.role.may_dispose() {
        return forbidden(&session, "menandatangani surat (tugas Kadis)");
    }
    if !encrypted(&desk, client, &headers) {
        tracing::warn!(case = %id, "signing refused: passphrase form not over https");
        let text = "Passphrase hanya dapat dikirim lewat HTTPS. Buka meja web dengan alamat \
                    https:// lalu coba lagi."
            .to_string();
        return refuse(&desk, session, id, text).await;
    }
    let now = desk.now();
    if let Some(until) = paused_until(&desk, &session.name, now) {
        let text = format!(
            "Formulir tanda tangan dijeda sampai pukul {} WITA setelah {WRONG_IN_A_ROW} kali \
             passphrase salah berturut-turut (BSrE mengunci akun yang terus salah).",
            until.with_timezone(&crate::case::WITA).format("%H:%M")
        );
        return refuse(&desk, session, id, text).await;
    }
    let Some(bsre) = desk.bsre.clone() else {
        let text = "Penandatanganan lewat BSrE belum diatur ([bsre] pada konfigurasi).".to_string();
        return refuse(&desk, session, id, text).await;
    };
    // The draft is read and the stamp drawn off the async threads.
    let shared = desk.clone();
    let job_id = id.clone();
    let job = match tokio::task::spawn_blocking(move || {
        prepare_signing(&shared.services.desk(), &job_id)
    })
    .await
    {
        Ok(Ok(job)) => job,
        Ok(Err(e)) => return refuse(&desk, session, id, e.keterangan()).await,
        Err(e) => return server_error("preparing a signature panicked", e),
    };
    let services = desk.services.desk();
    let signed = request_signature(&services, bsre.as_ref(), &job, passphrase, now).await;
    note_outcome(&desk, &session.name, &signed, now);
    match signed {
        Ok(pdf) => {
            tracing::info!(case = %job.id, "letter signed by BSrE on the desk");
            let case = id.clone();
            act(
                &desk,
                session,
                id,
                form.csrf.clone(),
                Needs::Dispose,
                Back::section("surat"),
                move |by| Command::Sign { id: case, pdf, by },
            )
            .await
        }
        Err(e) => refuse(&desk, session, id, e.keterangan()).await,
    }
    .into_response()
}

/// The case page with the refusal on it; nothing changed.
async fn refuse(desk: &Arc<WebDesk>, session: Session, id: String, text: String) -> Response {
    blocking(desk, move |desk| {
        render_case(desk, &session, &id, Some(Banner::Refused(text)))
    })
    .await
}

/// Whether the passphrase reached sertel encrypted: from this machine, or through the office's
/// proxy that says it spoke HTTPS (trusted only with `behind_proxy`).
fn encrypted(desk: &WebDesk, client: IpAddr, headers: &HeaderMap) -> bool {
    if client.is_loopback() && !desk.web.behind_proxy {
        return true;
    }
    desk.web.behind_proxy
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

fn paused_until(desk: &WebDesk, account: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let failures = desk
        .sign_failures
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    failures
        .get(account)
        .and_then(|(_, until)| *until)
        .filter(|until| *until > now)
}

fn note_outcome(
    desk: &WebDesk,
    account: &str,
    signed: &Result<Vec<u8>, CommandError>,
    now: DateTime<Utc>,
) {
    let mut failures = desk
        .sign_failures
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match signed {
        Ok(_) => {
            failures.remove(account);
        }
        Err(CommandError::Bsre(BsreError::WrongPassphrase { .. })) => {
            let entry = failures.entry(account.to_string()).or_insert((0, None));
            entry.0 += 1;
            if entry.0 >= WRONG_IN_A_ROW {
                entry.0 = 0;
                entry.1 = Some(now + Duration::minutes(PAUSE_MINUTES));
                tracing::warn!(account, "signing form paused after wrong passphrases");
            }
        }
        Err(_) => {}
    }
}
