//! The desk's HTML, rendered on the server with maud, which escapes every value it is given:
//! subjects, bodies, filenames and fields that came from a mail show as text, never as markup.
//! All words are Indonesian. Also the Prometheus text of `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use super::files::{AttachmentView, PAGES_SHOWN, crop_box, letter_picture_size, viewable};
use crate::applicant::Field;
use crate::applicant::nik::mask_nik_like;
use crate::case::sop::{self, event_words, wita_time};
use crate::case::store::{Delivery, OutgoingCopy};
use crate::case::{Case, LetterFile, State, StoredDocument, StoredMail};
use crate::checklist::Status;
use crate::classify::DocKind;
use crate::config::Config;
use crate::desk::accounts::{Role, Session};
use crate::desk::command::MARKABLE;
use crate::extract::body::BodyForm;
use crate::extract::{ktp, sk};
use crate::inspect::field_label;
use crate::report::Report;
use crate::text::Source;

/// The one stylesheet (served at `/gaya.css`; the CSP allows no inline style).
pub const STYLESHEET: &str = include_str!("gaya.css");

/// The outcome of an action, shown at the top of the case page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Banner {
    Done(String),
    Refused(String),
}

/// The queue's filters, from the query string; empty values mean "all".
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueFilter {
    pub state: Option<String>,
    pub unit: Option<String>,
    pub verifier: Option<String>,
    /// Part of the applicant's name or of the case number.
    pub q: Option<String>,
}

impl QueueFilter {
    fn get(value: &Option<String>) -> Option<&str> {
        value.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }

    pub fn admits(&self, case: &Case) -> bool {
        let lower = |s: &str| s.to_lowercase();
        if let Some(state) = Self::get(&self.state)
            && case.state.as_str() != state
        {
            return false;
        }
        if let Some(unit) = Self::get(&self.unit)
            && !case
                .applicant
                .fields
                .unit
                .as_deref()
                .is_some_and(|u| lower(u).contains(&lower(unit)))
        {
            return false;
        }
        if let Some(verifier) = Self::get(&self.verifier)
            && !case
                .verifier
                .as_deref()
                .is_some_and(|v| v.eq_ignore_ascii_case(verifier))
        {
            return false;
        }
        if let Some(q) = Self::get(&self.q) {
            let q = lower(q);
            let in_name = case
                .applicant
                .fields
                .name
                .as_deref()
                .is_some_and(|n| lower(n).contains(&q));
            if !in_name && !lower(&case.id.to_string()).contains(&q) {
                return false;
            }
        }
        true
    }
}

/// "2 hari 3 jam", "4 jam 10 menit", "7 menit".
pub fn age_words(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - since).num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if days > 0 {
        format!("{days} hari {hours} jam")
    } else if hours > 0 {
        format!("{hours} jam {mins} menit")
    } else {
        format!("{mins} menit")
    }
}

fn state_rank(state: State) -> usize {
    State::ALL
        .iter()
        .position(|s| *s == state)
        .unwrap_or(State::ALL.len())
}

fn state_word(state: State) -> String {
    state.as_str().replace('_', " ")
}

fn person_name(config: &Config, email: &str) -> String {
    std::iter::once(&config.office.kadis)
        .chain(&config.office.verifiers)
        .find(|p| p.email.eq_ignore_ascii_case(email))
        .map(|p| p.name.clone())
        .unwrap_or_else(|| email.to_string())
}

/// Steps of this case past their time standard, by label.
fn late_steps(case: &Case, config: &Config, now: DateTime<Utc>) -> Vec<&'static str> {
    sop::timings(case, &config.standards, now)
        .into_iter()
        .filter(|t| t.met == Some(false))
        .map(|t| t.label)
        .collect()
}

fn layout(title: &str, session: Option<&Session>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="id" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Meja TTE" }
                link rel="stylesheet" href="/gaya.css";
            }
            body {
                header.atas {
                    a.merek href="/antrian" { "Meja Sertifikat Elektronik" }
                    @if let Some(s) = session {
                        nav {
                            a href="/antrian" { "Antrean" }
                            a href="/laporan" { "Laporan" }
                            span.siapa { (s.name) " · " (s.role.as_str()) }
                            form.sebaris method="post" action="/keluar" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                button type="submit" { "Keluar" }
                            }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A page with one message (errors, refusals).
pub fn message_page(session: Option<&Session>, title: &str, text: &str) -> Markup {
    layout(
        title,
        session,
        html! {
            h1 { (title) }
            p.pesan { (text) }
            p { a href="/antrian" { "Kembali ke antrean" } }
        },
    )
}

pub fn login_page(csrf: &str, message: Option<&str>) -> Markup {
    layout(
        "Masuk",
        None,
        html! {
            section.masuk {
                h1 { "Masuk" }
                @if let Some(m) = message { p.gagal role="alert" { (m) } }
                form method="post" action="/masuk" {
                    input type="hidden" name="csrf" value=(csrf);
                    label { "Nama pengguna" input name="name" autocomplete="username" required; }
                    label {
                        "Kata sandi"
                        input type="password" name="password" autocomplete="current-password" required;
                    }
                    button type="submit" { "Masuk" }
                }
            }
        },
    )
}

fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn state_link(filter: &QueueFilter, state: Option<State>) -> String {
    let mut parts = Vec::new();
    if let Some(s) = state {
        parts.push(format!("state={}", s.as_str()));
    }
    for (key, value) in [
        ("unit", &filter.unit),
        ("verifier", &filter.verifier),
        ("q", &filter.q),
    ] {
        if let Some(v) = QueueFilter::get(value) {
            parts.push(format!("{key}={}", encode(v)));
        }
    }
    format!("/antrian?{}", parts.join("&"))
}

/// The queue: cases by state (oldest first within a state), filtered and searched.
pub fn queue_page(
    session: &Session,
    config: &Config,
    cases: &[Case],
    filter: &QueueFilter,
    now: DateTime<Utc>,
) -> Markup {
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for case in cases {
        *counts.entry(state_rank(case.state)).or_default() += 1;
    }
    let mut shown: Vec<&Case> = cases.iter().filter(|c| filter.admits(c)).collect();
    shown.sort_by_key(|c| (state_rank(c.state), c.opened_at, c.id));
    let chosen = QueueFilter::get(&filter.state);
    layout(
        "Antrean",
        Some(session),
        html! {
            h1 { "Antrean kasus" }
            nav.status {
                a href=(state_link(filter, None)) aria-current=[chosen.is_none().then_some("page")] {
                    "Semua (" (cases.len()) ")"
                }
                @for state in State::ALL {
                    @let n = counts.get(&state_rank(state)).copied().unwrap_or(0);
                    a href=(state_link(filter, Some(state)))
                        aria-current=[(chosen == Some(state.as_str())).then_some("page")] {
                        (state_word(state)) " (" (n) ")"
                    }
                }
            }
            form.saring method="get" action="/antrian" {
                @if let Some(s) = chosen { input type="hidden" name="state" value=(s); }
                label { "Cari nama / nomor" input type="search" name="q" value=[QueueFilter::get(&filter.q)]; }
                label { "Unit kerja" input name="unit" value=[QueueFilter::get(&filter.unit)]; }
                label {
                    "Verifikator"
                    select name="verifier" {
                        option value="" { "Semua" }
                        @for v in &config.office.verifiers {
                            option value=(v.email)
                                selected[QueueFilter::get(&filter.verifier)
                                    .is_some_and(|f| f.eq_ignore_ascii_case(&v.email))] { (v.name) }
                        }
                    }
                }
                button type="submit" { "Saring" }
            }
            @if shown.is_empty() {
                p.kosong { "Tidak ada kasus yang cocok." }
            } @else {
                div.gulir {
                    table.antrean {
                        thead { tr {
                            th { "Nomor" } th { "Pemohon" } th { "NIK" } th { "Unit kerja" }
                            th { "Status" } th { "Umur" } th { "Verifikator" } th { "Waktu layanan" }
                        } }
                        tbody {
                            @for case in &shown {
                                @let late = late_steps(case, config, now);
                                tr.terlambat[!late.is_empty()] {
                                    td { a href={ "/kasus/" (case.id) } { (case.id) } }
                                    td { (case.applicant.fields.name.as_deref().unwrap_or("-")) }
                                    td.nik { (case.applicant.fields.nik.as_deref().map(mask_nik_like).unwrap_or_else(|| "-".into())) }
                                    td { (case.applicant.fields.unit.as_deref().unwrap_or("-")) }
                                    td { span class={ "lencana s-" (case.state.as_str()) } { (state_word(case.state)) } }
                                    td { (age_words(case.opened_at, now)) }
                                    td { (case.verifier.as_deref().map(|v| person_name(config, v)).unwrap_or_else(|| "-".into())) }
                                    td {
                                        @if late.is_empty() { "sesuai standar" }
                                        @else { strong.lewat { "⚠ lewat standar: " (late.join(", ")) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// Where a field is read on the documents: the KTP for who the person is, the SK for the post
/// (document kind and the document's field key).
fn read_from(field: Field) -> &'static [(DocKind, &'static str)] {
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
fn read_documents(case: &Case) -> impl Iterator<Item = (usize, &StoredDocument)> {
    case.documents.iter().filter_map(|d| {
        let n = case.attachments.iter().position(|a| a.sha256 == d.sha256)?;
        Some((n, d))
    })
}

/// An OCR reading's confidence; below the rules' `min_confidence` (where the checklist sends
/// the item to review) it is shown as doubtful, for the verifier to compare with the picture.
fn confidence_words(conf: f32, min_confidence: f32) -> Markup {
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
fn field_source(
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
fn field_sources(
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
fn document_fields(id: &str, n: usize, doc: &StoredDocument, min_confidence: f32) -> Markup {
    let keys = match doc.kind {
        DocKind::Ktp => ktp::KEYS,
        DocKind::Sk => sk::KEYS,
        DocKind::Letter | DocKind::Other => &[],
    };
    html! {
        @if let Some(why) = &doc.unreadable {
            p.catatan { "Tidak terbaca: " (why.keterangan()) }
        } @else if !keys.is_empty() {
            div.gulir { table.bacaan {
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
fn source_kind(field: Field) -> Option<&'static str> {
    read_from(field).first().map(|(kind, _)| kind.as_str())
}

/// The sources of a case stored before readings were kept: a link to the KTP or SK and the
/// PDF text lines that contain the value.
fn old_sources(
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
fn matching_lines<'a>(
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

fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

/// A thread shows this many lines of a body; the rest is folded.
const FOLD_LINES: usize = 12;
/// Shown lines longer than this in all are folded too (a body of few, very long lines).
const FOLD_CHARS: usize = 1500;

/// A body's lines shown at once, and the rest, folded.
fn fold(body: &str) -> (&str, &str) {
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
enum AttachmentLink {
    /// Kept with the case: shown on the page at `#lampiran-N` and downloadable.
    Case(usize),
    /// Attached to a mail sertel sent: downloadable from that mail.
    Outgoing { outbox: u64, index: usize },
    /// Named in the mail but not kept on its own.
    None,
}

/// One mail of the case's thread, in or out, as the page shows it.
struct ThreadMail {
    at: DateTime<Utc>,
    incoming: bool,
    /// The sender of a mail that came in, the recipients of one sertel sent.
    party: String,
    subject: Option<String>,
    /// The mail's role (in) or purpose (out), in Indonesian.
    label: &'static str,
    /// Outgoing only: `terkirim`, `menunggu` or `gagal`, with the transport's error.
    status: Option<(&'static str, Option<String>)>,
    body: Option<String>,
    attachments: Vec<(String, AttachmentLink)>,
}

/// The case's mails in and out, in time order (a mail that came in before one queued at the
/// same moment).
fn thread_mails(case: &Case, stored: Thread<'_>) -> Vec<ThreadMail> {
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
fn thread_section(case: &Case, stored: Thread<'_>) -> Markup {
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
    /// The rules' confidence below which an OCR reading goes to review.
    pub min_confidence: f32,
}

/// One case: fields beside their sources, the attachments, the checklist with its actions,
/// the actions of the person's role, the mail thread and the history.
pub fn case_page(
    session: &Session,
    config: &Config,
    case: &Case,
    thread: Thread<'_>,
    readings: Readings<'_>,
    banner: Option<&Banner>,
    now: DateTime<Utc>,
) -> Markup {
    let id = case.id.to_string();
    let open = !case.state.is_closed();
    let verify = session.role.may_verify() && open;
    let dispose = session.role.may_dispose() && open;
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
                                    @if verify {
                                        form.ubah method="post" action={ "/kasus/" (id) "/ubah" } {
                                            (csrf_field(session))
                                            input type="hidden" name="field" value=(field.key());
                                            input name="value" value=[value] aria-label=(field.label()) required;
                                            button type="submit" { "Simpan" }
                                        }
                                    } @else {
                                        (value.unwrap_or("-"))
                                    }
                                    @if edits.contains_key(field.key()) {
                                        span.diubah { "diubah verifikator" }
                                    }
                                    @if let Some(body) = &case.body {
                                        (field_sources(&id, case, body, field, readings.min_confidence))
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
                                (document_fields(&id, i, doc, readings.min_confidence))
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
                        li class={ "butir st-" (item.status.as_str()) } {
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
                h2 { "Tindakan" }
                @if !open { p { "Kasus sudah " (state_word(case.state)) "; tidak ada tindakan lagi." } }
                @if dispose {
                    form.tindakan method="post" action={ "/kasus/" (id) "/disposisi" } {
                        (csrf_field(session))
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
                @if verify && matches!(case.state, State::Disposisi | State::Verifikasi) {
                    form.tindakan method="post" action={ "/kasus/" (id) "/surat" } {
                        (csrf_field(session))
                        label { "Alasan bila daftar periksa belum lengkap"
                            textarea name="reason" rows="2" {}
                        }
                        button type="submit" { "Susun surat rekomendasi" }
                    }
                }
                @if verify && case.state == State::RekomendasiDikirim {
                    form.tindakan method="post" action={ "/kasus/" (id) "/ttd" } enctype="multipart/form-data" {
                        (csrf_field(session))
                        label { "Unggah surat bertanda tangan (PDF)"
                            input type="file" name="file" accept="application/pdf" required;
                        }
                        button type="submit" { "Unggah surat bertanda tangan" }
                    }
                }
                @if verify {
                    form.tindakan method="post" action={ "/kasus/" (id) "/minta" } {
                        (csrf_field(session))
                        label { "Minta kelengkapan dari pemohon"
                            textarea name="message" rows="3" required placeholder="Mis.: Mohon kirim ulang foto KTP yang lebih jelas." {}
                        }
                        button type="submit" { "Kirim permintaan" }
                    }
                    form.tindakan method="post" action={ "/kasus/" (id) "/tahap" } {
                        (csrf_field(session))
                        label { "Catat tahap BSrE (setelah surat ditandatangani)"
                            select name="state" {
                                @for state in MARKABLE {
                                    option value=(state.as_str()) { (state_word(state)) }
                                }
                            }
                        }
                        button type="submit" { "Catat tahap" }
                    }
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
                div.gulir { table.riwayat {
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

/// One horizontal bar chart as inline SVG: a bar per row scaled to `max`, its value written
/// beside it, and an optional marker line per row (a time standard).
fn bar_chart(title: &str, rows: &[(String, f64, String, Option<f64>)], max: f64) -> Markup {
    const LABEL: f64 = 230.0;
    const WIDTH: f64 = 640.0;
    const BAR: f64 = 300.0;
    const ROW: f64 = 26.0;
    let height = ROW * rows.len().max(1) as f64 + 8.0;
    let scale = |v: f64| {
        if max > 0.0 {
            BAR * (v / max).min(1.0)
        } else {
            0.0
        }
    };
    html! {
        figure.grafik {
            figcaption { (title) }
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (height) }
                role="img" aria-label=(title) {
                @if rows.is_empty() {
                    text x="0" y="18" font-size="13" fill="#4a525c" { "Belum ada data." }
                }
                @for (i, (label, value, shown, marker)) in rows.iter().enumerate() {
                    @let y = ROW * i as f64 + 4.0;
                    text x=(LABEL - 6.0) y=(y + 15.0) font-size="13" text-anchor="end" fill="#1b1f24" { (label) }
                    rect x=(LABEL) y=(y) width=(format!("{:.1}", scale(*value))) height="18" fill="#0b4f8a" {}
                    text x=(format!("{:.1}", LABEL + scale(*value) + 6.0)) y=(y + 14.0) font-size="12" fill="#1b1f24" { (shown) }
                    @if let Some(m) = marker {
                        @let x = format!("{:.1}", LABEL + scale(*m));
                        line x1=(x) x2=(x) y1=(y - 2.0) y2=(y + 20.0) stroke="#a12a00" stroke-width="2" {}
                    }
                }
            }
        }
    }
}

/// The `sertel report` figures with three charts: lead time per step against its standard,
/// cases per unit, and the share of each step finished within its standard.
pub fn report_page(session: &Session, report: &Report, from: &str, to: &str) -> Markup {
    let lead: Vec<(String, f64, String, Option<f64>)> = report
        .steps
        .iter()
        .filter_map(|s| {
            let median = s.median_minutes? as f64;
            Some((
                format!("{} · {}", s.steps, s.label),
                median,
                format!("{median:.0} menit (n={})", s.finished),
                s.standard_minutes.map(|m| m as f64),
            ))
        })
        .collect();
    let lead_max = lead
        .iter()
        .map(|r| r.1.max(r.3.unwrap_or(0.0)))
        .fold(0.0, f64::max);
    let units: Vec<(String, f64, String, Option<f64>)> = report
        .per_unit
        .iter()
        .take(15)
        .map(|(unit, n)| (unit.clone(), *n as f64, n.to_string(), None))
        .collect();
    let units_max = units.iter().map(|r| r.1).fold(0.0, f64::max);
    let share: Vec<(String, f64, String, Option<f64>)> = report
        .steps
        .iter()
        .filter_map(|s| {
            let p = s.within_percent()?;
            Some((
                format!("{} · {}", s.steps, s.label),
                p,
                format!("{p:.0}%"),
                None,
            ))
        })
        .collect();
    layout(
        "Laporan",
        Some(session),
        html! {
            h1 { "Laporan layanan" }
            form.saring method="get" action="/laporan" {
                label { "Dari tanggal" input type="date" name="from" value=(from); }
                label { "Sampai tanggal" input type="date" name="to" value=(to); }
                button type="submit" { "Tampilkan" }
            }
            section {
                p { "Jumlah kasus: " strong { (report.cases) } }
                ul.status-ringkas {
                    @for (state, n) in &report.per_state {
                        @if *n > 0 { li { (state_word(*state)) ": " (n) } }
                    }
                }
            }
            section {
                (bar_chart("Waktu tunggu per langkah (median, menit; garis merah = standar)", &lead, lead_max))
                (bar_chart("Kasus per unit kerja", &units, units_max))
                (bar_chart("Bagian yang selesai dalam standar waktu", &share, 100.0))
            }
        },
    )
}

/// Prometheus text: counts only, no names or numbers of people.
pub fn metrics_text(
    cases: &[Case],
    outbox: usize,
    dead: usize,
    quarantined: usize,
    ocr_seconds: f64,
) -> String {
    let mails: usize = cases.iter().map(|c| c.mails.len()).sum::<usize>() + quarantined;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP sertel_mails_processed_total Mails stored with a case or quarantined.\n\
         # TYPE sertel_mails_processed_total counter\n\
         sertel_mails_processed_total {mails}\n\
         # HELP sertel_mails_quarantined_total Mails that could not be processed.\n\
         # TYPE sertel_mails_quarantined_total counter\n\
         sertel_mails_quarantined_total {quarantined}\n\
         # HELP sertel_ocr_seconds_total Seconds spent in tesseract since the daemon started.\n\
         # TYPE sertel_ocr_seconds_total counter\n\
         sertel_ocr_seconds_total {ocr_seconds:.3}\n\
         # HELP sertel_outbox_depth Mails waiting to be sent.\n\
         # TYPE sertel_outbox_depth gauge\n\
         sertel_outbox_depth {outbox}\n\
         # HELP sertel_dead_letters Mails the transport refused for good.\n\
         # TYPE sertel_dead_letters gauge\n\
         sertel_dead_letters {dead}\n\
         # HELP sertel_cases Cases by SOP state.\n\
         # TYPE sertel_cases gauge"
    );
    for state in State::ALL {
        let n = cases.iter().filter(|c| c.state == state).count();
        let _ = writeln!(out, "sertel_cases{{state=\"{}\"}} {n}", state.as_str());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_the_checklist_reviews_is_shown_as_doubtful() {
        let doubtful = "periksa dengan gambar";
        let shown = |conf| confidence_words(conf, 0.85).into_string();
        assert!(shown(0.82).contains(doubtful), "{}", shown(0.82));
        assert!(shown(0.82).contains("keyakinan 82%"));
        assert!(!shown(0.85).contains(doubtful));
        assert!(!shown(0.97).contains(doubtful));
        assert!(
            confidence_words(0.82, 0.8)
                .into_string()
                .contains("keyakinan 82%")
        );
        assert!(!confidence_words(0.82, 0.8).into_string().contains(doubtful));
    }
}
