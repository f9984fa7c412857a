//! The staff actions posted from the case page, each run as the same staff command the CLI
//! gives, and the letter's draft, preview and signed upload.

use super::case::*;
use super::pages::Banner;
use super::shared::*;
use crate::desk::accounts;
use crate::desk::command::{Command, execute};
use crate::desk::reply::Reply;
use accounts::{Role, Session};
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;

/// Where a done action sends the browser: a section of the case page, or the queue.
pub(super) enum Back {
    /// The id of a section or row of the case page (`periksa`, `isian-hp`, …).
    Case(String),
    Queue,
}

impl Back {
    /// A section a form names itself; only a plain id is taken, anything else is the
    /// next-step box.
    pub(super) fn section(named: &str) -> Back {
        let plain = !named.is_empty()
            && named.len() <= 40
            && named
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        Back::Case(if plain {
            named.to_string()
        } else {
            "langkah".to_string()
        })
    }
}

/// Runs one staff command for the signed-in person after the role and CSRF checks. Done, the
/// browser is sent back (Post/Redirect/Get: a reload sends nothing again) and the outcome is
/// shown there once; refused, the case page answers at once with the reason, nothing changed.
pub(super) async fn act(
    desk: &Arc<WebDesk>,
    session: Session,
    id: String,
    csrf: String,
    needs: Needs,
    back: Back,
    command: impl FnOnce(String) -> Command + Send + 'static,
) -> Response {
    blocking(desk, move |desk| {
        act_now(desk, &session, &id, &csrf, needs, back, command)
    })
    .await
}

pub(super) fn act_now(
    desk: &WebDesk,
    session: &Session,
    id: &str,
    csrf: &str,
    needs: Needs,
    back: Back,
    command: impl FnOnce(String) -> Command,
) -> Response {
    if !same_token(&session.csrf, csrf) {
        return csrf_refused(session);
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
        return forbidden(session, what);
    }
    if let Needs::Verify = needs
        && let Some(refusal) = not_their_case(desk, session, id)
    {
        return refusal;
    }
    let command = command(web_actor(session));
    let Reply { ok, text, .. } = execute(&command, &desk.services.desk(), desk.now());
    desk.mail_waiting.notify_one();
    if !ok {
        return render_case(desk, session, id, Some(Banner::Refused(text)));
    }
    desk.flash(session, Banner::Done(text));
    let to = match back {
        Back::Case(section) => format!("/kasus/{id}#{section}"),
        Back::Queue => "/antrian".to_string(),
    };
    Redirect::to(&to).into_response()
}

/// The refusal when the signed-in verifier is not the one the case was disposed to (an admin
/// may act on every case).
pub(super) fn not_their_case(desk: &WebDesk, session: &Session, id: &str) -> Option<Response> {
    let case = match load_case(desk, session, id) {
        Ok(case) => case,
        Err(refusal) => return Some(refusal.into_response()),
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
        super::pages::message_page(
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
pub(super) fn web_actor(session: &Session) -> String {
    let role = match session.role {
        Role::Verifikator => "verifikator",
        Role::Kadis => "Kadis",
        Role::Admin => "admin",
    };
    format!("{} ({role}, web)", session.name)
}

#[derive(Deserialize)]
pub(super) struct DisposeForm {
    pub(super) csrf: String,
    pub(super) verifier: String,
    /// `antrian` when the Kadis disposed from the queue.
    #[serde(default)]
    pub(super) dari: String,
}

pub(super) async fn act_dispose(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<DisposeForm>,
) -> Response {
    let case = id.clone();
    let back = if form.dari == "antrian" {
        Back::Queue
    } else {
        Back::section("langkah")
    };
    act(
        &desk,
        session,
        id,
        form.csrf,
        Needs::Dispose,
        back,
        move |by| Command::Dispose {
            id: case,
            verifier: form.verifier,
            by,
        },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct RequestForm {
    pub(super) csrf: String,
    pub(super) message: String,
    /// The section the form sits in (a checklist item's request sends the browser back there).
    #[serde(default)]
    pub(super) bagian: String,
}

pub(super) async fn act_request(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<RequestForm>,
) -> Response {
    let case = id.clone();
    let back = Back::section(&form.bagian);
    act(
        &desk,
        session,
        id,
        form.csrf,
        Needs::Verify,
        back,
        move |by| Command::Request {
            id: case,
            message: form.message,
            by,
        },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct CheckForm {
    pub(super) csrf: String,
    pub(super) item: String,
    #[serde(default)]
    pub(super) note: String,
}

pub(super) async fn act_check(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CheckForm>,
) -> Response {
    let case = id.clone();
    act(
        &desk,
        session,
        id,
        form.csrf,
        Needs::Verify,
        Back::section(&format!("butir-{}", form.item)),
        move |by| Command::Check {
            id: case,
            item: form.item,
            note: Some(form.note.trim().to_string()).filter(|n| !n.is_empty()),
            by,
        },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct RejectForm {
    pub(super) csrf: String,
    pub(super) reason: String,
}

pub(super) async fn act_reject(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<RejectForm>,
) -> Response {
    let case = id.clone();
    act(
        &desk,
        session,
        id,
        form.csrf,
        Needs::Verify,
        Back::section("langkah"),
        move |by| Command::Reject {
            id: case,
            reason: form.reason,
            by,
        },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct EditForm {
    pub(super) csrf: String,
    pub(super) field: String,
    pub(super) value: String,
}

pub(super) async fn act_edit(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<EditForm>,
) -> Response {
    let case = id.clone();
    act(
        &desk,
        session,
        id,
        form.csrf,
        Needs::Verify,
        Back::section(&format!("isian-{}", form.field)),
        move |by| Command::Edit {
            id: case,
            field: form.field,
            value: form.value,
            by,
        },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct MarkForm {
    pub(super) csrf: String,
    pub(super) state: String,
}

pub(super) async fn act_mark(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<MarkForm>,
) -> Response {
    let case = id.clone();
    act(
        &desk,
        session,
        id,
        form.csrf,
        Needs::Verify,
        Back::section("langkah"),
        move |by| Command::Mark {
            id: case,
            state: form.state,
            by,
        },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct DraftForm {
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) reason: String,
}

pub(super) async fn act_draft(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<DraftForm>,
) -> Response {
    let case = id.clone();
    act(
        &desk,
        session,
        id,
        form.csrf,
        Needs::Verify,
        Back::section("surat"),
        move |by| Command::Draft {
            id: case,
            reason: Some(form.reason.trim().to_string()).filter(|r| !r.is_empty()),
            by,
        },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct EraseForm {
    pub(super) csrf: String,
    pub(super) reason: String,
    #[serde(default)]
    pub(super) force: String,
}

pub(super) async fn act_erase(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<EraseForm>,
) -> Response {
    let case = id.clone();
    act(
        &desk,
        session,
        id,
        form.csrf,
        Needs::Admin,
        Back::section("tindakan"),
        move |by| Command::Erase {
            id: case,
            reason: form.reason,
            force: !form.force.is_empty(),
            by,
        },
    )
    .await
}

/// The latest drafted letter: `pdf` or `docx` as a download, `gambar` as its first page; `ttd`
/// the accepted signed letter.
pub(super) async fn letter(
    State(desk): State<Arc<WebDesk>>,
    SignedIn(session): SignedIn,
    Path((id, kind)): Path<(String, String)>,
) -> Response {
    let index = match kind.as_str() {
        "ttd" => None,
        "pdf" | "gambar" => Some(0),
        "docx" => Some(1),
        _ => return (StatusCode::NOT_FOUND, "tidak ada\n").into_response(),
    };
    // Drafting renders a PDF and a DOCX, and a preview rasterises a page: off the async threads.
    blocking(&desk, move |desk| {
        let Some(index) = index else {
            return signed_letter(desk, &session, &id);
        };
        let reply = execute(
            &Command::Letter { id: id.clone() },
            &desk.services.desk(),
            desk.now(),
        );
        let Some(file) = reply.files.into_iter().nth(index).filter(|_| reply.ok) else {
            return html(
                StatusCode::NOT_FOUND,
                super::pages::message_page(Some(&session), "Surat tidak tersedia", &reply.text),
            );
        };
        if kind != "gambar" {
            return super::files::letter_download(&file.name, file.bytes);
        }
        match super::files::letter_picture(&file.name, &file.bytes, &desk.pages) {
            Ok(response) => response,
            Err(e) => (StatusCode::NOT_FOUND, e.to_string()).into_response(),
        }
    })
    .await
}

/// The accepted signed letter, as it was uploaded, for download.
pub(super) fn signed_letter(desk: &WebDesk, session: &Session, id: &str) -> Response {
    let case = match load_case(desk, session, id) {
        Ok(case) => case,
        Err(refusal) => return refusal.into_response(),
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
                super::pages::message_page(
                    Some(session),
                    "Surat tidak tersedia",
                    &format!("Kasus {} belum memiliki surat bertanda tangan.", case.id),
                ),
            );
        }
    };
    super::files::letter_download(&format!("{}_surat_rekomendasi_ttd.pdf", case.id), bytes)
}

/// The signed letter upload: the form's fields are read first, then the checks and the
/// command are those of every other action.
pub(super) async fn act_sign(
    State(desk): State<Arc<WebDesk>>,
    // A stranger's upload is refused by the extractor, before its body is read.
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Response {
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
    act(
        &desk,
        session,
        id,
        csrf,
        Needs::Verify,
        Back::section("surat"),
        move |by| Command::Sign { id: case, pdf, by },
    )
    .await
}

pub(super) fn upload_refused(e: axum::extract::multipart::MultipartError) -> Response {
    tracing::warn!(error = %e, "signed letter upload unreadable");
    html(
        e.status(),
        super::pages::message_page(
            None,
            "Unggahan ditolak",
            &format!(
                "Berkas tidak dapat diterima (paling besar {} MB). Kembali lalu coba lagi.",
                crate::desk::letters::SIGNED_LETTER_LIMIT / (1024 * 1024)
            ),
        ),
    )
}
