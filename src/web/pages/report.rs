//! The report page with its bar charts, and `/metrics` for Prometheus.

use super::common::*;
use crate::case::{Case, State};
use crate::desk::accounts::Session;
use crate::report::Report;
use maud::{Markup, html};
use std::fmt::Write;

/// One horizontal bar chart: a row per entry with its label (cut short with the whole name on
/// hover where it is long), a bar scaled to `max` drawn as a small SVG that stretches with the
/// page, its value in text, and an optional marker line (a time standard).
pub(super) fn bar_chart(
    title: &str,
    rows: &[(String, f64, String, Option<f64>)],
    max: f64,
) -> Markup {
    let percent = |v: f64| {
        if max > 0.0 {
            format!("{:.1}", 100.0 * (v / max).clamp(0.0, 1.0))
        } else {
            "0".to_string()
        }
    };
    html! {
        figure.grafik {
            figcaption { strong { (title) } }
            @if rows.is_empty() {
                p.catatan { "Belum ada data." }
            } @else {
                ul.grafik {
                    @for (label, value, shown, marker) in rows {
                        li {
                            span.label title=(label) { (label) }
                            span.batang {
                                svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 10"
                                    preserveAspectRatio="none" aria-hidden="true" focusable="false" {
                                    rect x="0" y="1" width=(percent(*value)) height="8" fill="#0b4f8a" {}
                                    @if let Some(m) = marker {
                                        line x1=(percent(*m)) x2=(percent(*m)) y1="0" y2="10"
                                            stroke="#a12a00" stroke-width="1.2" vector-effect="non-scaling-stroke" {}
                                    }
                                }
                                span { (shown) }
                            }
                        }
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
                        @if *n > 0 { li { (state.label_id()) ": " (n) } }
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
