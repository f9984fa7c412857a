//! Reading routes: the queue, the case page, attachment pages, crops and downloads, the report.

use super::pages::{Banner, QueueFilter};
use super::shared::*;
use crate::case::{Case, CaseId};
use crate::desk::accounts;
use accounts::Session;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

pub(super) async fn queue(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Query(filter): Query<QueueFilter>,
) -> Response {
    blocking(&desk, move |desk| {
        let cases = match desk.services.store.list() {
            Ok(cases) => cases,
            Err(e) => return server_error("queue could not read the cases", e),
        };
        let me = match office_verifier(desk, &session) {
            Ok(me) => me,
            Err(e) => return e.into_response(),
        };
        let banner = desk.take_flash(&session);
        let page = super::pages::QueuePage {
            session: &session,
            me: me.as_deref(),
            config: &desk.services.config,
            banner: banner.as_ref(),
            now: desk.now(),
        };
        html(StatusCode::OK, page.render(&cases, &filter))
    })
    .await
}

/// The case the signed-in person asked for, or the page that answers instead.
pub(super) fn load_case(desk: &WebDesk, session: &Session, id: &str) -> Result<Case, WebError> {
    let not_found = || {
        WebError::from(html(
            StatusCode::NOT_FOUND,
            super::pages::message_page(
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
        Err(e) => Err(WebError::Server("case could not be read", e.to_string())),
    }
}

pub(super) fn render_case(
    desk: &WebDesk,
    session: &Session,
    id: &str,
    banner: Option<Banner>,
) -> Response {
    let case = match load_case(desk, session, id) {
        Ok(case) => case,
        Err(refusal) => return refusal.into_response(),
    };
    let mails = match desk.services.store.case_mails(case.id) {
        Ok(mails) => mails,
        Err(e) => return server_error("case mails could not be read", e),
    };
    let outgoing = match desk.services.store.case_outgoing(case.id) {
        Ok(outgoing) => outgoing,
        Err(e) => return server_error("case outgoing mails could not be read", e),
    };
    let me = match office_verifier(desk, session) {
        Ok(me) => me,
        Err(e) => return e.into_response(),
    };
    let viewer = super::pages::Viewer {
        session,
        verifier: me.as_deref(),
    };
    let status = match &banner {
        Some(Banner::Refused(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    html(
        status,
        super::pages::case_page(
            &viewer,
            &desk.services.config,
            &case,
            super::pages::Thread {
                incoming: &mails,
                outgoing: &outgoing,
            },
            super::pages::Readings {
                attachments: &super::files::views(&desk.services.store, &case),
                rules: &desk.services.rules.checklist,
            },
            banner.as_ref(),
            desk.now(),
        ),
    )
}

/// The office verifier the signed-in account stands for, if any.
fn office_verifier(desk: &WebDesk, session: &Session) -> Result<Option<String>, WebError> {
    match desk.accounts.get(&session.name) {
        Ok(account) => Ok(account.and_then(|a| a.verifier)),
        Err(e) => Err(WebError::Server("account lookup failed", e.to_string())),
    }
}

pub(super) async fn case_page(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Response {
    blocking(&desk, move |desk| {
        let banner = desk.take_flash(&session);
        render_case(desk, &session, &id, banner)
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct PictureQuery {
    #[serde(default = "first_page")]
    pub(super) halaman: u32,
}

pub(super) fn first_page() -> u32 {
    1
}

pub(super) async fn picture(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path((id, n)): Path<(String, usize)>,
    Query(q): Query<PictureQuery>,
) -> Result<Response, WebError> {
    let case = load_case(&desk, &session, &id)?;
    let shared = desk.clone();
    let shown = tokio::task::spawn_blocking(move || {
        super::files::picture(&shared.services.store, &case, n, q.halaman, &shared.pages)
    })
    .await;
    Ok(match shown {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => (StatusCode::NOT_FOUND, e.to_string()).into_response(),
        Err(e) => server_error("rendering an attachment panicked", e),
    })
}

pub(super) async fn crop(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path((id, n, field)): Path<(String, usize, String)>,
) -> Result<Response, WebError> {
    let case = load_case(&desk, &session, &id)?;
    let shared = desk.clone();
    let cropped = tokio::task::spawn_blocking(move || {
        super::files::crop(&shared.services.store, &case, n, &field, &shared.prepared)
    })
    .await;
    Ok(match cropped {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => {
            tracing::info!(error = %e, "no crop to show");
            html(
                StatusCode::NOT_FOUND,
                super::pages::message_page(
                    Some(&session),
                    "Potongan tidak tersedia",
                    "Tidak ada potongan gambar untuk isian ini: isian tidak dikenal, tidak dibaca \
                     dari gambar, atau lampirannya tidak dapat dibuka.",
                ),
            )
        }
        Err(e) => server_error("cropping an attachment panicked", e),
    })
}

pub(super) async fn download(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path((id, n)): Path<(String, usize)>,
) -> Result<Response, WebError> {
    let case = load_case(&desk, &session, &id)?;
    Ok(
        match super::files::download(&desk.services.store, &case, n) {
            Ok(response) => response,
            Err(e) => (StatusCode::NOT_FOUND, e.to_string()).into_response(),
        },
    )
}

/// Attachment `n` of the mail sertel queued for the case as outbox entry `outbox`, as a
/// download (the letters it sent the Kadis, for one).
pub(super) async fn outgoing_attachment(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path((id, outbox, n)): Path<(String, u64, usize)>,
) -> Result<Response, WebError> {
    let case = load_case(&desk, &session, &id)?;
    let outgoing =
        desk.services.store.case_outgoing(case.id).map_err(|e| {
            WebError::Server("case outgoing mails could not be read", e.to_string())
        })?;
    let attachment = outgoing
        .into_iter()
        .find(|copy| copy.mail.outbox == outbox)
        .and_then(|copy| crate::parse::parse_mail(&copy.raw?).ok())
        .and_then(|parsed| parsed.attachments.into_iter().nth(n));
    Ok(match attachment {
        Some(a) => super::files::letter_download(&a.filename, a.data),
        None => html(
            StatusCode::NOT_FOUND,
            super::pages::message_page(
                Some(&session),
                "Lampiran tidak ditemukan",
                &format!(
                    "Surel keluar kasus {} tidak memiliki lampiran ini.",
                    case.id
                ),
            ),
        ),
    })
}

#[derive(Deserialize)]
pub(super) struct ReportQuery {
    #[serde(default)]
    pub(super) from: String,
    #[serde(default)]
    pub(super) to: String,
}

pub(super) async fn report_page(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Query(q): Query<ReportQuery>,
) -> Response {
    blocking(&desk, move |desk| {
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
            super::pages::report_page(&session, &report, q.from.trim(), q.to.trim()),
        )
    })
    .await
}
