//! The queue: every case with its state, age and lateness, filtered by state and by verifier.

use super::common::*;
use crate::applicant::nik::mask_nik_like;
use crate::case::{Case, State};
use crate::config::Config;
use crate::desk::accounts::Session;
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;

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
    pub(super) fn get(value: &Option<String>) -> Option<&str> {
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

pub(super) fn state_link(filter: &QueueFilter, state: Option<State>) -> String {
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
