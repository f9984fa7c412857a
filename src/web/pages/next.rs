//! Whose move a case waits for, and the "Langkah berikutnya" box at the top of the case page:
//! the one form the signed-in person needs now, or who the case waits on.

use super::common::*;
use crate::case::sop::allowed;
use crate::case::{Case, ChecklistEntry, State};
use crate::config::Config;
use crate::desk::accounts::{Role, Session};
use crate::desk::command::MARKABLE;
use maud::{Markup, html};

/// Who moves a case on from its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Kadis,
    Verifier,
    Applicant,
    Nobody,
}

/// Who moves a case on from `state` (SOP steps 1–11).
pub fn waits_for(state: State) -> Party {
    match state {
        State::Diterima | State::RekomendasiDikirim => Party::Kadis,
        // After signing, the verifier registers the applicant at BSrE (step 6); from there on
        // the applicant and BSrE move, and the verifier records each step.
        State::Disposisi | State::Verifikasi | State::Ditandatangani => Party::Verifier,
        State::MenungguKelengkapan
        | State::Diajukan
        | State::MenungguAktivasi
        | State::Disetujui
        | State::MenungguPassphrase => Party::Applicant,
        State::Terbit | State::Ditolak | State::Dibatalkan => Party::Nobody,
    }
}

/// The signed-in person, as the pages need them: their session and the office verifier their
/// account stands for.
#[derive(Clone, Copy)]
pub struct Viewer<'a> {
    pub session: &'a Session,
    /// The `[office] verifiers` email of a verifier's account.
    pub verifier: Option<&'a str>,
}

impl Viewer<'_> {
    /// Whether this person may act as the verifier on `case` (the one it was disposed to, or
    /// an admin).
    pub fn verifies(&self, case: &Case) -> bool {
        match (self.session.role, case.verifier.as_deref()) {
            (Role::Admin, _) | (Role::Verifikator, None) => true,
            (Role::Verifikator, Some(assigned)) => self
                .verifier
                .is_some_and(|mine| mine.eq_ignore_ascii_case(assigned)),
            (Role::Kadis, _) => false,
        }
    }

    /// Whether the case waits for this person's move.
    pub fn to_move(&self, case: &Case) -> bool {
        match waits_for(case.state) {
            Party::Kadis => self.session.role == Role::Kadis,
            Party::Verifier => {
                self.session.role != Role::Kadis && self.verifies(case) && case.verifier.is_some()
            }
            Party::Applicant | Party::Nobody => false,
        }
    }

    /// Whether the case is disposed to this verifier (any case, for the Kadis and the admin).
    pub fn owns(&self, case: &Case) -> bool {
        match self.session.role {
            Role::Verifikator => case.verifier.is_some() && self.verifies(case),
            Role::Kadis | Role::Admin => true,
        }
    }
}

/// The checklist's items that are not `ok`.
fn open_entries(case: &Case) -> impl Iterator<Item = &ChecklistEntry> {
    case.checklist
        .iter()
        .filter(|c| c.status != crate::checklist::Status::Ok)
}

/// The checklist's items that are not `ok`, as "label (status)".
pub fn open_items(case: &Case) -> Vec<String> {
    open_entries(case)
        .map(|c| format!("{} ({})", c.label, c.status.label_id()))
        .collect()
}

/// The Kadis's disposition form; from the queue it sends the browser back there.
pub(super) fn dispose_form(
    session: &Session,
    config: &Config,
    case: &Case,
    from_queue: bool,
) -> Markup {
    html! {
        form.tindakan method="post" action={ "/kasus/" (case.id) "/disposisi" } {
            (csrf_field(session))
            @if from_queue { input type="hidden" name="dari" value="antrian"; }
            label { "Disposisi ke verifikator"
                select name="verifier" {
                    @for v in &config.office.verifiers {
                        option value=(v.email) selected[case.verifier.as_deref() == Some(v.email.as_str())] { (v.name) }
                    }
                }
            }
            button type="submit" { "Disposisikan" }
        }
    }
}

/// The one BSrE step the SOP allows next, if any, as a button.
pub(super) fn mark_form(session: &Session, case: &Case) -> Markup {
    html! {
        @for state in MARKABLE.into_iter().filter(|s| allowed(case.state, *s)) {
            form.tindakan method="post" action={ "/kasus/" (case.id) "/tahap" } {
                (csrf_field(session))
                input type="hidden" name="state" value=(state.as_str());
                button type="submit" { "Catat: " (state.label_id()) }
            }
        }
    }
}

fn draft_form(session: &Session, case: &Case, problems: usize) -> Markup {
    html! {
        form.tindakan method="post" action={ "/kasus/" (case.id) "/surat" } {
            (csrf_field(session))
            @if problems > 0 {
                label { "Alasan bila daftar periksa belum lengkap"
                    textarea name="reason" rows="2" {}
                }
            }
            button type="submit" { "Susun surat rekomendasi" }
        }
    }
}

fn upload_form(session: &Session, case: &Case) -> Markup {
    html! {
        form.tindakan method="post" action={ "/kasus/" (case.id) "/ttd" } enctype="multipart/form-data" {
            (csrf_field(session))
            label { "Unggah surat bertanda tangan (PDF)"
                input type="file" name="file" accept="application/pdf" required;
            }
            button type="submit" { "Unggah surat bertanda tangan" }
        }
    }
}

fn bsre_sign_form(session: &Session, case: &Case) -> Markup {
    html! {
        form.tindakan #tandatangani method="post" action={ "/kasus/" (case.id) "/tandatangani" } autocomplete="off" {
            (csrf_field(session))
            p { "Surat ini ditandatangani dengan sertifikat elektronik BSrE Kepala Dinas. Passphrase hanya diteruskan ke BSrE, tidak disimpan." }
            label { "Passphrase sertifikat elektronik"
                input type="password" name="passphrase" autocomplete="off" required;
            }
            button type="submit" { "Tandatangani" }
        }
    }
}

/// The "Langkah berikutnya" box: by the person's role and the case's state, the form they
/// need now, or whom the case waits for.
pub(super) fn next_step(viewer: &Viewer<'_>, config: &Config, case: &Case) -> Markup {
    let session = viewer.session;
    let mine = viewer.to_move(case);
    let problems: Vec<_> = open_entries(case).collect();
    let verifier = case
        .verifier
        .as_deref()
        .map(|v| person_name(config, v))
        .unwrap_or_else(|| "verifikator".into());
    html! {
        section #langkah.langkah[mine] aria-labelledby="langkah-judul" {
            h2 #langkah-judul { "Langkah berikutnya" }
            @match (waits_for(case.state), mine) {
                (Party::Nobody, _) => p { "Kasus selesai: " (case.state.label_id()) "." },
                (Party::Kadis, true) if case.state == State::Diterima => {
                    p { strong { "Disposisikan kasus ini ke verifikator." } }
                    (dispose_form(session, config, case, false))
                },
                (Party::Kadis, true) => {
                    p { strong { "Tandatangani surat rekomendasi." } " " a href="#surat" { "Lihat surat" } }
                    @if config.bsre.is_some() {
                        (bsre_sign_form(session, case))
                    } @else {
                        p.catatan { "Tandatangani lewat SRIKANDI / BSrE eSign, lalu balas surel draf dengan berkas PDF bertanda tangan apa adanya." }
                    }
                },
                (Party::Kadis, false) => {
                    @if case.state == State::Diterima {
                        p { "Menunggu disposisi Kadis." }
                    } @else {
                        p { "Menunggu tanda tangan Kadis pada surat rekomendasi." }
                        @if viewer.verifies(case) && session.role != Role::Kadis {
                            p.catatan { "Bila surat bertanda tangan datang lewat SRIKANDI, unggah di sini:" }
                            (upload_form(session, case))
                        }
                    }
                },
                (Party::Verifier, true) => {
                    @match case.state {
                        State::Disposisi | State::Verifikasi => {
                            @if problems.is_empty() {
                                p { strong { "Berkas lengkap." } " Periksa isian dan lampiran, lalu susun surat rekomendasi." }
                            } @else {
                                p { strong { (problems.len()) " butir bermasalah" } " — periksa dengan lampiran, tandai sesuai, atau minta ke pemohon:" }
                                ul {
                                    @for item in &problems {
                                        li { a href={ "#butir-" (item.id) } { (item.label) } " (" (item.status.label_id()) ")" }
                                    }
                                }
                            }
                            (draft_form(session, case, problems.len()))
                        },
                        _ => {
                            p { strong { "Daftarkan pemohon di aplikasi manajemen sertifikat BSrE" } " dan unggah surat bertanda tangan di sana, lalu catat:" }
                            (mark_form(session, case))
                        },
                    }
                },
                (Party::Verifier, false) => {
                    @if case.verifier.is_none() {
                        p { "Menunggu disposisi Kadis." }
                    } @else {
                        p { "Menunggu " (verifier) ": " (case.state.label_id()) "." }
                    }
                },
                (Party::Applicant, _) => {
                    p { "Menunggu pemohon: " (case.state.label_id()) "." }
                    @if case.state == State::MenungguAktivasi {
                        p.catatan { "Setujui di aplikasi manajemen sertifikat BSrE setelah pemohon menyelesaikan aktivasi dan verifikasi identitas." }
                    }
                    @if case.state != State::MenungguKelengkapan && viewer.verifies(case) && session.role != Role::Kadis {
                        p.catatan { "Bila BSrE sudah memperbarui statusnya, catat:" }
                        (mark_form(session, case))
                    }
                },
            }
        }
    }
}
