//! Every route of the desk and the middleware around them.

use super::actions::*;
use super::auth::*;
use super::case::*;
use super::esign::act_sign_bsre;
use super::shared::*;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::Redirect;
use axum::routing::{get, post};
use std::sync::Arc;

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
        .route("/kasus/{id}/tandatangani", post(act_sign_bsre))
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
