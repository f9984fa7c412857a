//! The case page: the applicant's fields beside the crops they were read from, the checklist,
//! the attachments, the thread of mails, the letter and the actions the role may take.

use super::common::*;
use super::next::{Viewer, next_step};
use crate::applicant::Field;
use crate::case::sop::{self, event_words, wita_time};
use crate::case::store::{Delivery, OutgoingCopy};
use crate::case::{Case, LetterFile, State, StoredDocument, StoredMail};
use crate::checklist::{ChecklistRules, Status};
use crate::classify::DocKind;
use crate::config::Config;
use crate::desk::accounts::Role;
use crate::extract::body::BodyForm;
use crate::extract::{ktp, sk};
use crate::inspect::field_label;
use crate::text::Source;
use crate::web::files::{AttachmentView, PAGES_SHOWN, crop_box, letter_picture_size, viewable};
use chrono::{DateTime, Utc};
use maud::{Markup, html};

/// Where a field is read on the documents: the KTP for who the person is, the SK for the post
/// (document kind and the document's field key).
pub(super) fn read_from(field: Field) -> &'static [(DocKind, &'static str)] {
    match field {
        Field::Nama => &[(DocKind::Ktp, "name"), (DocKind::Sk, "name")],
        Field::Nik => &[(DocKind::Ktp, "nik")],
        Field::Nip => &[(DocKind::Sk, "nip")],
        Field::Jabatan => &[(DocKind::Sk, "position")],
        Field::Pangkat => &[(DocKind::Sk, "rank")],
        Field::Unit => &[(DocKind::Sk, "unit")],
        Field::Hp | Field::Surel => &[],
    }
}

/// The stored reading of each attachment that has one, with the attachment's index.
pub(super) fn read_documents(case: &Case) -> impl Iterator<Item = (usize, &StoredDocument)> {
    case.documents.iter().filter_map(|d| {
        let n = case.attachments.iter().position(|a| a.sha256 == d.sha256)?;
        Some((n, d))
    })
}

/// An OCR reading's confidence; below the rules' `min_confidence` (where the checklist sends
/// the item to review) it is shown as doubtful, for the verifier to compare with the picture.
pub(super) fn confidence_words(conf: f32, min_confidence: f32) -> Markup {
    let low = conf < min_confidence;
    html! {
        span class={ "keyakinan" @if low { " rendah" } } {
            "keyakinan " ((conf * 100.0).round() as u32) "%"
            @if low { " — periksa dengan gambar" }
        }
    }
}

/// Where one document field was read: the crop of the picture, or the text line, and the
/// confidence of an OCR reading.
pub(super) fn field_source(
    id: &str,
    n: usize,
    doc: &StoredDocument,
    key: &str,
    min_confidence: f32,
) -> Markup {
    let source = doc.sources.get(key);
    html! {
        @if let Some(place) = source.and_then(|s| s.place) {
            @let size = crop_box(&place, place.image_width, place.image_height);
            img.potongan src={ "/kasus/" (id) "/lampiran/" (n) "/potongan/" (key) }
                alt={ "Potongan " (field_label(key)) " pada " (doc.filename) }
                width=[size.map(|b| b.width)] height=[size.map(|b| b.height)]
                loading="lazy";
        } @else if let Some(s) = source {
            span.baris {
                @if doc.source == Some(Source::PdfText) { "baris teks PDF: " } @else { "baris terbaca: " }
                q { (s.line) }
            }
        }
        @if doc.source == Some(Source::Ocr) && let Some(conf) = doc.confidence.get(key) {
            " " (confidence_words(*conf, min_confidence))
        }
    }
}

/// The sources of one applicant field: the mail body, and every KTP or SK it is read on.
pub(super) fn field_sources(
    id: &str,
    case: &Case,
    body: &BodyForm,
    field: Field,
    min_confidence: f32,
) -> Markup {
    let from_body = body.get(field);
    html! {
        ul.sumber {
            @match (from_body, field) {
                (Some(v), _) => li { span.asal { "isi surel" } " " q { (v) } },
                (None, Field::Surel) => li { span.asal { "alamat pengirim" } " " q { (case.applicant.reply_to) } },
                (None, _) => li { span.asal { "isi surel" } " tidak mencantumkan" },
            }
            @for (kind, key) in read_from(field) {
                @for (n, doc) in read_documents(case).filter(|(_, d)| d.kind == *kind) {
                    li {
                        span.asal { (kind.label_id()) } " "
                        @match doc.fields.get(*key).and_then(|v| v.as_deref()) {
                            Some(v) => q { (v) },
                            None => "tidak terbaca",
                        }
                        " " a href={ "#lampiran-" (n) } { "(" (doc.filename) ")" }
                        br;
                        (field_source(id, n, doc, key, min_confidence))
                    }
                }
            }
        }
    }
}

/// Every field read from one KTP or SK, compactly, beside the attachment's picture.
pub(super) fn document_fields(
    id: &str,
    n: usize,
    doc: &StoredDocument,
    min_confidence: f32,
) -> Markup {
    let keys = match doc.kind {
        DocKind::Ktp => ktp::KEYS,
        DocKind::Sk => sk::KEYS,
        DocKind::Letter | DocKind::Other => &[],
    };
    html! {
        @if let Some(why) = &doc.unreadable {
            p.catatan { "Tidak terbaca: " (why.keterangan()) }
        } @else if !keys.is_empty() {
            // Focusable, so a keyboard can scroll a table wider than a phone.
            div.gulir tabindex="0" role="region" aria-label={ "Terbaca dari " (doc.kind.label_id()) } { table.bacaan {
                caption { "Terbaca dari " (doc.kind.label_id()) }
                tbody {
                    @for key in keys {
                        tr {
                            th { (field_label(key)) }
                            td {
                                @match doc.fields.get(*key).and_then(|v| v.as_deref()) {
                                    Some(v) => { (v) br; (field_source(id, n, doc, key, min_confidence)) },
                                    None => span.catatan { "tidak terbaca" },
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// Where a field is read from, for cases stored before readings were kept.
pub(super) fn source_kind(field: Field) -> Option<&'static str> {
    read_from(field).first().map(|(kind, _)| kind.as_str())
}

/// The sources of a case stored before readings were kept: a link to the KTP or SK and the
/// PDF text lines that contain the value.
pub(super) fn old_sources(
    case: &Case,
    sources: &[AttachmentView],
    field: Field,
    value: Option<&str>,
) -> Markup {
    html! {
        @match source_kind(field) {
            None => "isi surel",
            Some(kind) => {
                @let first = case.attachments.iter().position(|a| a.kind == kind);
                @match first {
                    Some(i) => a href={ "#lampiran-" (i) } { (DocKind::label_of(kind)) ": " (case.attachments[i].filename) },
                    None => { (DocKind::label_of(kind)) " tidak dilampirkan" },
                }
                @for (_, line) in matching_lines(case, sources, kind, value.unwrap_or("")) {
                    br; span.baris { "baris PDF: " q { (line) } }
                }
            },
        }
    }
}

/// The lines of the case's PDF text (by attachment) that contain `value`.
pub(super) fn matching_lines<'a>(
    case: &'a Case,
    sources: &'a [AttachmentView],
    kind: &str,
    value: &str,
) -> Vec<(usize, &'a str)> {
    let needle = value.to_lowercase();
    if needle.chars().count() < 3 {
        return Vec::new();
    }
    case.attachments
        .iter()
        .enumerate()
        .filter(|(_, a)| a.kind == kind)
        .filter_map(|(i, _)| Some((i, sources.get(i)?)))
        .flat_map(|(i, text)| {
            text.lines
                .iter()
                .filter(|l| l.to_lowercase().contains(&needle))
                .take(2)
                .map(move |l| (i, l.as_str()))
        })
        .collect()
}

/// A thread shows this many lines of a body; the rest is folded.
pub(super) const FOLD_LINES: usize = 12;

/// Shown lines longer than this in all are folded too (a body of few, very long lines).
pub(super) const FOLD_CHARS: usize = 1500;

/// A body's lines shown at once, and the rest, folded.
pub(super) fn fold(body: &str) -> (&str, &str) {
    let at = body
        .match_indices('\n')
        .nth(FOLD_LINES - 1)
        .map_or(body.len(), |(i, _)| i + 1);
    let (head, rest) = body.split_at(at);
    if head.chars().count() > FOLD_CHARS {
        ("", body)
    } else {
        (head, rest.trim_end())
    }
}

/// A case's mails as stored: those that came in, and those sertel queued.
#[derive(Clone, Copy)]
pub struct Thread<'a> {
    pub incoming: &'a [(StoredMail, Vec<u8>)],
    pub outgoing: &'a [OutgoingCopy],
}

/// Where an attachment of a mail in the thread can be fetched.
pub(super) enum AttachmentLink {
    /// Kept with the case: shown on the page at `#lampiran-N` and downloadable.
    Case(usize),
    /// Attached to a mail sertel sent: downloadable from that mail.
    Outgoing { outbox: u64, index: usize },
    /// Named in the mail but not kept on its own.
    None,
}

/// One mail of the case's thread, in or out, as the page shows it.
pub(super) struct ThreadMail {
    pub(super) at: DateTime<Utc>,
    pub(super) incoming: bool,
    /// The sender of a mail that came in, the recipients of one sertel sent.
    pub(super) party: String,
    pub(super) subject: Option<String>,
    /// The mail's role (in) or purpose (out), in Indonesian.
    pub(super) label: &'static str,
    /// Outgoing only: `terkirim`, `menunggu` or `gagal`, with the transport's error.
    pub(super) status: Option<(&'static str, Option<String>)>,
    pub(super) body: Option<String>,
    pub(super) attachments: Vec<(String, AttachmentLink)>,
}

/// The case's mails in and out, in time order (a mail that came in before one queued at the
/// same moment).
pub(super) fn thread_mails(case: &Case, stored: Thread<'_>) -> Vec<ThreadMail> {
    let mut thread = Vec::with_capacity(stored.incoming.len() + stored.outgoing.len());
    for (mail, raw) in stored.incoming {
        let parsed = crate::parse::parse_mail(raw).ok();
        let kept: Vec<(String, AttachmentLink)> = case
            .attachments
            .iter()
            .enumerate()
            .filter(|(_, a)| a.mail.is_some() && a.mail == mail.message_id)
            .map(|(i, a)| (a.filename.clone(), AttachmentLink::Case(i)))
            .collect();
        let attachments = if kept.is_empty() {
            parsed
                .iter()
                .flat_map(|p| &p.attachments)
                .map(|a| (a.filename.clone(), AttachmentLink::None))
                .collect()
        } else {
            kept
        };
        thread.push(ThreadMail {
            at: mail.received_at,
            incoming: true,
            party: mail.from.clone().unwrap_or_else(|| "-".into()),
            subject: mail.subject.clone(),
            label: mail.role.label_id(),
            status: None,
            body: parsed.map(|p| p.body),
            attachments,
        });
    }
    for OutgoingCopy { mail, raw } in stored.outgoing {
        let parsed = raw
            .as_deref()
            .and_then(|raw| crate::parse::parse_mail(raw).ok());
        let status = match &mail.delivery {
            Delivery::Sent { .. } => ("terkirim", None),
            Delivery::Waiting => ("menunggu", None),
            Delivery::Failed { error, .. } => ("gagal", Some(error.clone())),
        };
        thread.push(ThreadMail {
            at: mail.queued_at,
            incoming: false,
            party: mail.to.clone(),
            subject: parsed.as_ref().and_then(|p| p.subject.clone()),
            label: mail.purpose.label_id(),
            status: Some(status),
            attachments: parsed
                .iter()
                .flat_map(|p| &p.attachments)
                .enumerate()
                .map(|(index, a)| {
                    let link = AttachmentLink::Outgoing {
                        outbox: mail.outbox,
                        index,
                    };
                    (a.filename.clone(), link)
                })
                .collect(),
            body: parsed.map(|p| p.body),
        });
    }
    thread.sort_by_key(|m| (m.at, !m.incoming));
    thread
}

/// The thread: every mail in and out, its body as plain text (folded when long) and the names
/// of its attachments, linked where the desk keeps them.
pub(super) fn thread_section(case: &Case, stored: Thread<'_>) -> Markup {
    let id = case.id.to_string();
    let thread = thread_mails(case, stored);
    html! {
        section #surel {
            h2 { "Surel (" (thread.len()) ")" }
            p.catatan { (stored.incoming.len()) " masuk · " (stored.outgoing.len()) " keluar, urut waktu" }
            @for mail in &thread {
                article class={ "surel " (if mail.incoming { "masuk" } else { "keluar" }) } {
                    header {
                        span.lencana.arah { (if mail.incoming { "masuk" } else { "keluar" }) }
                        " " strong { (mail.subject.as_deref().unwrap_or("(tanpa subjek)")) }
                        br;
                        (if mail.incoming { "Dari " } else { "Kepada " }) (mail.party)
                        " · " (wita_time(mail.at)) " · " (mail.label)
                        @if let Some((word, error)) = &mail.status {
                            " · " span class={ "lencana kirim-" (word) } { (word) }
                            @if let Some(error) = error { " " span.catatan { (error) } }
                        }
                    }
                    @match mail.body.as_deref().map(fold) {
                        Some((head, rest)) => {
                            @if !head.is_empty() { pre { (head) } }
                            @if !rest.is_empty() {
                                details {
                                    summary { "Tampilkan selebihnya (" (rest.lines().count()) " baris)" }
                                    pre { (rest) }
                                }
                            }
                        },
                        None => p.catatan { "(isi surel tidak dapat dibaca)" },
                    }
                    @if !mail.attachments.is_empty() {
                        ul.lampiran-surel {
                            @for (name, link) in &mail.attachments {
                                li {
                                    "Lampiran: "
                                    @match link {
                                        AttachmentLink::Case(i) => {
                                            a href={ "#lampiran-" (i) } { (name) } " · "
                                            a href={ "/kasus/" (id) "/lampiran/" (i) "/unduh" } { "Unduh" }
                                        },
                                        AttachmentLink::Outgoing { outbox, index } => {
                                            (name) " · "
                                            a href={ "/kasus/" (id) "/keluar/" (outbox) "/" (index) } { "Unduh" }
                                        },
                                        AttachmentLink::None => (name),
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What the case page shows of the attachments beside the stored case.
pub struct Readings<'a> {
    /// Each attachment's pictures and text lines, by index.
    pub attachments: &'a [AttachmentView],
    /// The checklist's rules: which field each item judges, and the confidence below which
    /// an OCR reading goes to review.
    pub rules: &'a ChecklistRules,
}

/// The checklist items that judge `field` and are not `ok`, marked at the field with links
/// to the item.
fn field_problems(case: &Case, rules: &ChecklistRules, field: Field) -> Markup {
    html! {
        @for item in case.checklist.iter().filter(|c| c.status != Status::Ok && rules.fields_of(&c.id).contains(&field)) {
            div.masalah {
                span class={ "lencana st-" (item.status.as_str()) } { (item.status.label_id()) }
                " " a href={ "#butir-" (item.id) } { (item.label) }
            }
        }
    }
}

/// One case: fields beside their sources, the attachments, the checklist with its actions,
/// the actions of the person's role, the mail thread and the history.
pub fn case_page(
    viewer: &Viewer<'_>,
    config: &Config,
    case: &Case,
    thread: Thread<'_>,
    readings: Readings<'_>,
    banner: Option<&Banner>,
    now: DateTime<Utc>,
) -> Markup {
    let session = viewer.session;
    let id = case.id.to_string();
    let open = !case.state.is_closed();
    let verify = session.role.may_verify() && open && viewer.verifies(case);
    let min_confidence = readings.rules.settings.min_confidence;
    let timings = sop::timings(case, &config.standards, now);
    let edits = case.edits();
    layout(
        &id,
        Some(session),
        html! {
            h1 { "Kasus " (id) " " span class={ "lencana s-" (case.state.as_str()) } { (case.state.label_id()) } }
            p.ringkas {
                "Subjek: " q { (case.subject.as_deref().unwrap_or("-")) }
                " · dibuka " (wita_time(case.opened_at)) " (" (age_words(case.opened_at, now)) " lalu)"
                " · verifikator: " (case.verifier.as_deref().map(|v| person_name(config, v)).unwrap_or_else(|| "belum ada".into()))
            }
            @match banner {
                Some(Banner::Done(text)) => p.berhasil role="status" { (text) },
                Some(Banner::Refused(text)) => p.gagal role="alert" { (text) },
                None => {},
            }
            (next_step(viewer, config, case))
            section #data {
                h2 { "Data pemohon" }
                @if case.body.is_none() {
                    p.catatan {
                        "Kasus ini tersimpan sebelum hasil pembacaan dokumen disimpan: sumber tiap isian "
                        "adalah gambar lampiran di bawah dan, untuk PDF berteks, baris teks yang memuat isian."
                    }
                }
                table.isian {
                    tbody {
                        @for field in Field::ALL {
                            @let value = case.applicant.fields.get(field);
                            tr id={ "isian-" (field.key()) } {
                                th { (field.label()) }
                                td {
                                    span.nilai { (value.unwrap_or("-")) }
                                    @if edits.contains_key(field.key()) {
                                        span.diubah { "diubah verifikator" }
                                    }
                                    (field_problems(case, readings.rules, field))
                                    @if verify {
                                        details.ubah {
                                            summary { "Ubah " (field.label()) }
                                            form.ubah method="post" action={ "/kasus/" (id) "/ubah" } {
                                                (csrf_field(session))
                                                input type="hidden" name="field" value=(field.key());
                                                input name="value" value=[value] aria-label=(field.label()) required;
                                                button type="submit" { "Simpan" }
                                            }
                                        }
                                    }
                                    @if let Some(body) = &case.body {
                                        (field_sources(&id, case, body, field, min_confidence))
                                    } @else {
                                        div.sumber { (old_sources(case, readings.attachments, field, value)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section #lampiran {
                h2 { "Lampiran (" (case.attachments.len()) ")" }
                div.lampiran {
                    @for (i, att) in case.attachments.iter().enumerate() {
                        figure id={ "lampiran-" (i) } {
                            @if viewable(&att.file_type) {
                                @let pictures = readings.attachments.get(i).map_or(&[][..], |s| &s.pictures[..]);
                                @for (page, size) in (1..).zip(pictures.iter().take(PAGES_SHOWN)) {
                                    a href={ "/kasus/" (id) "/lampiran/" (i) "/gambar?halaman=" (page) } {
                                        img src={ "/kasus/" (id) "/lampiran/" (i) "/gambar?halaman=" (page) }
                                            alt={ (DocKind::label_of(&att.kind)) " " (att.filename) " halaman " (page) }
                                            width=[size.map(|s| s.0)] height=[size.map(|s| s.1)]
                                            loading="lazy";
                                    }
                                }
                            } @else {
                                p.catatan { "Berkas jenis " (att.file_type) " tidak ditampilkan di halaman; silakan unduh." }
                            }
                            figcaption {
                                strong { (DocKind::label_of(&att.kind)) } " · " (att.filename)
                                " · " (att.size / 1024) " KB · "
                                a href={ "/kasus/" (id) "/lampiran/" (i) "/unduh" } { "Unduh" }
                            }
                            @if let Some((_, doc)) = read_documents(case).find(|(n, _)| *n == i) {
                                (document_fields(&id, i, doc, min_confidence))
                            }
                        }
                    }
                }
            }
            @if case.draft().is_some() {
                section #surat {
                    h2 { "Surat rekomendasi" }
                    figure {
                        a href={ "/kasus/" (id) "/surat/gambar" } {
                            @let size = letter_picture_size();
                            img src={ "/kasus/" (id) "/surat/gambar" } alt="Halaman pertama surat rekomendasi"
                                width=[size.map(|s| s.0)] height=[size.map(|s| s.1)] loading="lazy";
                        }
                        figcaption {
                            "Draf terakhir · "
                            a href={ "/kasus/" (id) "/surat/pdf" } { "Unduh PDF" } " · "
                            a href={ "/kasus/" (id) "/surat/docx" } { "Unduh DOCX" }
                            br;
                            span.catatan {
                                "Nomor, tanggal dan tanda tangan (" code { "${nomor_naskah}" } ", "
                                code { "${tanggal_naskah}" } ", " code { "${ttd_pengirim}" }
                                ") diisi oleh SRIKANDI saat penandatanganan."
                            }
                        }
                    }
                    @for letter in &case.letters {
                        @if let LetterFile::Signed { at, signer, .. } = letter {
                            p.ttd {
                                "Surat bertanda tangan elektronik oleh " (signer) ", diterima "
                                (wita_time(*at)) " · "
                                a href={ "/kasus/" (id) "/surat/ttd" } { "Unduh PDF bertanda tangan" }
                            }
                        }
                    }
                }
            }
            section #periksa {
                h2 { "Daftar periksa" }
                ul.periksa {
                    @for item in &case.checklist {
                        li id={ "butir-" (item.id) } class={ "butir st-" (item.status.as_str()) } {
                            span class={ "lencana st-" (item.status.as_str()) } { (item.status.label_id()) }
                            " " strong { (item.label) }
                            @if !item.detail.is_empty() { " — " (item.detail) }
                            @if let Some(by) = &item.checked_by { " (diperiksa oleh " (by) ")" }
                            @if verify && item.status != Status::Ok {
                                div.aksi-butir {
                                    form method="post" action={ "/kasus/" (id) "/periksa" } {
                                        (csrf_field(session))
                                        input type="hidden" name="item" value=(item.id);
                                        input name="note" placeholder="Catatan (boleh kosong)" aria-label="Catatan";
                                        button type="submit" { "Tandai sesuai" }
                                    }
                                    form method="post" action={ "/kasus/" (id) "/minta" } {
                                        (csrf_field(session))
                                        input type="hidden" name="bagian" value={ "butir-" (item.id) };
                                        input name="message" value={ (item.label) ": " (item.detail) } aria-label="Pesan ke pemohon" required;
                                        button type="submit" { "Minta ke pemohon" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section #tindakan {
                h2 { "Tindakan lain" }
                @if !open { p { "Kasus sudah " (case.state.label_id()) "; tidak ada tindakan lagi." } }
                @if verify && matches!(case.state, State::Disposisi | State::Verifikasi | State::MenungguKelengkapan) {
                    form.tindakan method="post" action={ "/kasus/" (id) "/minta" } {
                        (csrf_field(session))
                        input type="hidden" name="bagian" value="tindakan";
                        label { "Minta kelengkapan dari pemohon"
                            textarea name="message" rows="3" required placeholder="Mis.: Mohon kirim ulang foto KTP yang lebih jelas." {}
                        }
                        button type="submit" { "Kirim permintaan" }
                    }
                }
                @if verify {
                    form.tindakan method="post" action={ "/kasus/" (id) "/tolak" } {
                        (csrf_field(session))
                        label { "Tolak permohonan dengan alasan"
                            textarea name="reason" rows="2" required {}
                        }
                        button.bahaya type="submit" { "Tolak" }
                    }
                }
                @if session.role == Role::Admin && case.erased.is_none() {
                    form.tindakan method="post" action={ "/kasus/" (id) "/hapus" } {
                        (csrf_field(session))
                        label { "Hapus data pribadi (KTP, SK, surel, surat; NIK disamarkan) atas permintaan, dengan alasan"
                            textarea name="reason" rows="2" required {}
                        }
                        @if !case.state.is_closed() {
                            label { input type="checkbox" name="force" value="1"; " Kasus masih berjalan: tetap hapus" }
                        }
                        button.bahaya type="submit" { "Hapus data pribadi" }
                    }
                }
                @if let Some(erased) = &case.erased {
                    p.catatan { "Data pribadi kasus ini dihapus pada " (wita_time(erased.at)) " oleh " (erased.by) " (" (erased.reason) ")." }
                }
            }
            section #waktu {
                h2 { "Waktu layanan" }
                ul {
                    @for t in &timings {
                        li.terlambat[t.met == Some(false)] {
                            "Langkah " (t.step) " · " (t.label) " · standar " (t.standard_minutes) " menit · "
                            @match (t.started, t.finished, t.met) {
                                (None, _, _) => "belum dimulai",
                                (Some(_), Some(_), Some(true)) => "selesai dalam standar",
                                (Some(_), Some(_), _) => strong.lewat { "selesai melewati standar" },
                                (Some(_), None, Some(false)) => strong.lewat { "⚠ berjalan, sudah lewat standar" },
                                (Some(_), None, _) => "berjalan, masih dalam standar",
                            }
                        }
                    }
                }
            }
            (thread_section(case, thread))
            section #riwayat {
                h2 { "Riwayat" }
                div.gulir tabindex="0" role="region" aria-label="Riwayat kasus" { table.riwayat {
                    thead { tr { th { "Waktu" } th { "Oleh" } th { "Kejadian" } } }
                    tbody {
                        @for event in &case.history {
                            tr {
                                td { (wita_time(event.at)) }
                                td { (event.actor.to_string()) }
                                td { (event_words(&event.what)) }
                            }
                        }
                    }
                } }
            }
        },
    )
}
