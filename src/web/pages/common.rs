//! What every page shares: the layout with its navigation and banner, the login and message
//! pages, state words, the CSRF field.

use crate::case::sop;
use crate::case::{Case, State};
use crate::config::Config;
use crate::desk::accounts::Session;
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};
use std::fmt::Write;

/// The one stylesheet (served at `/gaya.css`; the CSP allows no inline style).
pub const STYLESHEET: &str = include_str!("../gaya.css");

/// The outcome of an action, shown at the top of the case page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Banner {
    Done(String),
    Refused(String),
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

pub(super) fn state_rank(state: State) -> usize {
    State::ALL
        .iter()
        .position(|s| *s == state)
        .unwrap_or(State::ALL.len())
}

pub(super) fn person_name(config: &Config, email: &str) -> String {
    std::iter::once(&config.office.kadis)
        .chain(&config.office.verifiers)
        .find(|p| p.email.eq_ignore_ascii_case(email))
        .map(|p| p.name.clone())
        .unwrap_or_else(|| email.to_string())
}

/// Steps of this case past their time standard, by label.
pub(super) fn late_steps(case: &Case, config: &Config, now: DateTime<Utc>) -> Vec<&'static str> {
    sop::timings(case, &config.standards, now)
        .into_iter()
        .filter(|t| t.met == Some(false))
        .map(|t| t.label)
        .collect()
}

pub(super) fn layout(title: &str, session: Option<&Session>, body: Markup) -> Markup {
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

pub(super) fn encode(value: &str) -> String {
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

pub(super) fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}
