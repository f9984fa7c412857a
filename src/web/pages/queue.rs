//! The queue: every case with its state, completeness, age and lateness; first what waits for
//! the signed-in person, filtered by state, unit and verifier.

use super::common::*;
use super::next::{Viewer, dispose_form, open_items};
use crate::applicant::nik::mask_nik_like;
use crate::case::{Case, State};
use crate::config::Config;
use crate::desk::accounts::{Role, Session};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Which cases the queue shows before the other filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Cases that wait for the signed-in person's move.
    MyMove,
    /// Cases disposed to the signed-in verifier.
    Mine,
    All,
}

impl View {
    const ALL: [View; 3] = [View::MyMove, View::Mine, View::All];

    fn key(self) -> &'static str {
        match self {
            View::MyMove => "saya",
            View::Mine => "milik",
            View::All => "semua",
        }
    }

    fn words(self) -> &'static str {
        match self {
            View::MyMove => "Menunggu tindakan saya",
            View::Mine => "Kasus saya",
            View::All => "Semua kasus",
        }
    }
}

/// The queue's filters, from the query string; empty values mean "all".
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueFilter {
    /// `saya`, `milik` or `semua`; without it (and without other filters) a verifier and the
    /// Kadis first see what waits for them.
    pub lihat: Option<String>,
    pub state: Option<String>,
    pub unit: Option<String>,
    pub verifier: Option<String>,
    /// Part of the applicant's name or of the case number.
    pub q: Option<String>,
}

impl QueueFilter {
    pub(super) fn get(value: &Option<String>) -> Option<&str> {
        value.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }

    /// The view asked for, or the person's default.
    pub fn view(&self, viewer: &Viewer<'_>) -> View {
        if let Some(asked) = Self::get(&self.lihat) {
            return View::ALL
                .into_iter()
                .find(|v| v.key() == asked)
                .unwrap_or(View::All);
        }
        let filtered = [&self.state, &self.unit, &self.verifier, &self.q]
            .into_iter()
            .any(|v| Self::get(v).is_some());
        if filtered || viewer.session.role == Role::Admin {
            View::All
        } else {
            View::MyMove
        }
    }

    pub fn admits(&self, viewer: &Viewer<'_>, case: &Case) -> bool {
        let lower = |s: &str| s.to_lowercase();
        match self.view(viewer) {
            View::MyMove if !viewer.to_move(case) => return false,
            View::Mine if !viewer.owns(case) => return false,
            _ => {}
        }
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

pub(super) fn state_link(filter: &QueueFilter, view: View, state: Option<State>) -> String {
    let mut parts = vec![format!("lihat={}", view.key())];
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

/// What the queue page is drawn for: the person, the office and the one-time banner.
pub struct QueuePage<'a> {
    pub session: &'a Session,
    /// The `[office] verifiers` email of a verifier's account.
    pub me: Option<&'a str>,
    pub config: &'a Config,
    pub banner: Option<&'a Banner>,
    pub now: DateTime<Utc>,
}

/// "lengkap", or the items not yet in order.
fn completeness(case: &Case) -> Markup {
    let open = open_items(case);
    html! {
        @if case.checklist.is_empty() {
            span.catatan { "belum diperiksa" }
        } @else if open.is_empty() {
            span.lencana.st-ok { "lengkap" }
        } @else {
            span.lencana.st-missing { "kurang " (open.len()) }
            ul.kurang { @for item in &open { li { (item) } } }
        }
    }
}

impl QueuePage<'_> {
    /// The queue: cases by state (oldest first within a state), filtered and searched.
    pub fn render(&self, cases: &[Case], filter: &QueueFilter) -> Markup {
        let QueuePage {
            session,
            me,
            config,
            banner,
            now,
            ..
        } = *self;
        let viewer = Viewer {
            session,
            verifier: me,
        };
        let view = filter.view(&viewer);
        let in_view = |c: &&Case| {
            let all = QueueFilter {
                lihat: Some(view.key().to_string()),
                ..Default::default()
            };
            all.admits(&viewer, c)
        };
        let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
        for case in cases.iter().filter(in_view) {
            *counts.entry(state_rank(case.state)).or_default() += 1;
        }
        let mut shown: Vec<&Case> = cases.iter().filter(|c| filter.admits(&viewer, c)).collect();
        shown.sort_by_key(|c| (state_rank(c.state), c.opened_at, c.id));
        let chosen = QueueFilter::get(&filter.state);
        let kadis = session.role.may_dispose();
        let views: &[View] = match session.role {
            Role::Verifikator => &View::ALL,
            Role::Kadis => &[View::MyMove, View::All],
            Role::Admin => &[View::All],
        };
        let own = |v: View| {
            let only = QueueFilter {
                lihat: Some(v.key().to_string()),
                ..Default::default()
            };
            cases.iter().filter(|c| only.admits(&viewer, c)).count()
        };
        layout(
            "Antrean",
            Some(session),
            html! {
                h1 { "Antrean kasus" }
                @match banner {
                    Some(Banner::Done(text)) => p.berhasil role="status" { (text) },
                    Some(Banner::Refused(text)) => p.gagal role="alert" { (text) },
                    None => {},
                }
                @if views.len() > 1 {
                    nav.lihat aria-label="Tampilan antrean" {
                        @for v in views {
                            a href={ "/antrian?lihat=" (v.key()) } aria-current=[(*v == view).then_some("page")] {
                                (v.words()) " (" (own(*v)) ")"
                            }
                        }
                    }
                }
                nav.status aria-label="Saring menurut status" {
                    a href=(state_link(filter, view, None)) aria-current=[chosen.is_none().then_some("page")] {
                        "Semua status (" (counts.values().sum::<usize>()) ")"
                    }
                    @for state in State::ALL {
                        @let n = counts.get(&state_rank(state)).copied().unwrap_or(0);
                        @let current = chosen == Some(state.as_str());
                        @if n > 0 || current {
                            a href=(state_link(filter, view, Some(state))) aria-current=[current.then_some("page")] {
                                (state.label_id()) " (" (n) ")"
                            }
                        }
                    }
                }
                form.saring method="get" action="/antrian" {
                    input type="hidden" name="lihat" value=(view.key());
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
                    p.kosong {
                        @if view == View::MyMove {
                            "Tidak ada kasus yang menunggu tindakan Anda. "
                            a href="/antrian?lihat=semua" { "Lihat semua kasus" }
                        } @else {
                            "Tidak ada kasus yang cocok."
                        }
                    }
                } @else {
                    table.antrean {
                        thead { tr {
                            th scope="col" { "Nomor" } th scope="col" { "Pemohon" } th scope="col" { "NIK" }
                            th scope="col" { "Unit kerja" } th scope="col" { "Status" } th scope="col" { "Kelengkapan" }
                            th scope="col" { "Umur" } th scope="col" { "Verifikator" } th scope="col" { "Waktu layanan" }
                            @if kadis { th scope="col" { "Tindakan" } }
                        } }
                        tbody {
                            @for case in &shown {
                                @let late = late_steps(case, config, now);
                                tr.terlambat[!late.is_empty()] {
                                    td data-label="Nomor" { a.nomor href={ "/kasus/" (case.id) } { (case.id) } }
                                    td data-label="Pemohon" { (case.applicant.fields.name.as_deref().unwrap_or("-")) }
                                    td.nik data-label="NIK" { (case.applicant.fields.nik.as_deref().map(mask_nik_like).unwrap_or_else(|| "-".into())) }
                                    td data-label="Unit kerja" { (case.applicant.fields.unit.as_deref().unwrap_or("-")) }
                                    td data-label="Status" { span class={ "lencana s-" (case.state.as_str()) } { (case.state.label_id()) } }
                                    td.kelengkapan data-label="Kelengkapan" { (completeness(case)) }
                                    td data-label="Umur" { (age_words(case.opened_at, now)) }
                                    td data-label="Verifikator" { (case.verifier.as_deref().map(|v| person_name(config, v)).unwrap_or_else(|| "-".into())) }
                                    td data-label="Waktu layanan" {
                                        @if late.is_empty() { "sesuai standar" }
                                        @else { strong.lewat { "⚠ lewat standar: " (late.join(", ")) } }
                                    }
                                    @if kadis {
                                        td data-label="Tindakan" {
                                            @if case.state == State::Diterima {
                                                (dispose_form(session, config, case, true))
                                            }
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
}
