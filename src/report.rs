//! `sertel report`: cases per state and per unit (OPD), lead time per SOP step (median, p90)
//! and the share of steps done within their time standard, over cases opened in a date range.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::calendar::WITA;
use crate::case::sop::{later_steps, timings};
use crate::case::{Case, State};
use crate::config::Standards;

/// The figures of one report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// First and last day (WITA) a counted case was opened on; open-ended when `None`.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub cases: usize,
    /// Every state in SOP order, with its count (zeros included).
    pub per_state: Vec<(State, usize)>,
    /// Units as applicants wrote them, most cases first; `-` for unknown.
    pub per_unit: Vec<(String, usize)>,
    pub steps: Vec<StepFigures>,
}

/// Lead time of one SOP step over the cases that finished it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepFigures {
    /// "2", "9–11".
    pub steps: String,
    /// Indonesian.
    pub label: String,
    /// Cases that finished the step.
    pub finished: usize,
    pub median_minutes: Option<u64>,
    pub p90_minutes: Option<u64>,
    pub standard_minutes: Option<u64>,
    /// Finished within the standard, of `finished`; `None` for steps without a standard.
    pub within_standard: Option<usize>,
}

impl StepFigures {
    /// Share within the standard, 0–100.
    pub fn within_percent(&self) -> Option<f64> {
        let within = self.within_standard?;
        (self.finished > 0).then(|| 100.0 * within as f64 / self.finished as f64)
    }
}

/// The report over the cases opened from `from` to `to` (office dates, inclusive).
pub fn compute(
    cases: &[Case],
    standards: &Standards,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Report {
    let counted: Vec<&Case> = cases
        .iter()
        .filter(|c| {
            let day = c.opened_at.with_timezone(&WITA).date_naive();
            from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t)
        })
        .collect();

    let per_state = State::ALL
        .iter()
        .map(|&s| (s, counted.iter().filter(|c| c.state == s).count()))
        .collect();

    let mut units: BTreeMap<String, usize> = BTreeMap::new();
    for c in &counted {
        let unit = c
            .applicant
            .fields
            .unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or("-");
        *units.entry(unit.to_string()).or_default() += 1;
    }
    let mut per_unit: Vec<(String, usize)> = units.into_iter().collect();
    per_unit.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    let mut standard_steps: BTreeMap<u8, (String, u64, Vec<u64>, usize)> = BTreeMap::new();
    let mut later: Vec<(String, String, Vec<u64>)> = Vec::new();
    for c in &counted {
        for t in timings(c, standards, now) {
            let entry = standard_steps
                .entry(t.step)
                .or_insert_with(|| (t.label.to_string(), t.standard_minutes, Vec::new(), 0));
            if let (Some(start), Some(end)) = (t.started, t.finished) {
                entry.2.push(minutes(start, end));
                entry.3 += usize::from(t.met == Some(true));
            }
        }
        for (i, span) in later_steps(c).into_iter().enumerate() {
            if later.len() <= i {
                later.push((span.steps.to_string(), span.label.to_string(), Vec::new()));
            }
            if let (Some(start), Some(end)) = (span.started, span.finished) {
                later[i].2.push(minutes(start, end));
            }
        }
    }
    let mut steps: Vec<StepFigures> = standard_steps
        .into_iter()
        .map(|(step, (label, standard, taken, within))| {
            figures(step.to_string(), label, taken, Some(standard), Some(within))
        })
        .collect();
    steps.extend(
        later
            .into_iter()
            .map(|(s, label, taken)| figures(s, label, taken, None, None)),
    );

    Report {
        from,
        to,
        cases: counted.len(),
        per_state,
        per_unit,
        steps,
    }
}

fn minutes(start: DateTime<Utc>, end: DateTime<Utc>) -> u64 {
    u64::try_from((end - start).num_seconds())
        .unwrap_or(0)
        .div_ceil(60)
}

fn figures(
    steps: String,
    label: String,
    mut taken: Vec<u64>,
    standard_minutes: Option<u64>,
    within_standard: Option<usize>,
) -> StepFigures {
    taken.sort_unstable();
    StepFigures {
        steps,
        label,
        finished: taken.len(),
        median_minutes: percentile(&taken, 50),
        p90_minutes: percentile(&taken, 90),
        standard_minutes,
        within_standard,
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: usize) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

/// "2 jam 5 menit", "40 menit", "3 hari 2 jam".
pub fn duration_words(minutes: u64) -> String {
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours, mins) {
        (0, 0, m) => format!("{m} menit"),
        (0, h, 0) => format!("{h} jam"),
        (0, h, m) => format!("{h} jam {m} menit"),
        (d, 0, _) => format!("{d} hari"),
        (d, h, _) => format!("{d} hari {h} jam"),
    }
}

/// The report as staff read it, in Indonesian.
pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    let day = |d: Option<NaiveDate>, open: &str| {
        d.map_or_else(|| open.to_string(), crate::calendar::indonesian_date)
    };
    let _ = writeln!(
        out,
        "Laporan layanan sertifikat elektronik\nPeriode: {} s.d. {} ({} kasus)\n",
        day(r.from, "awal"),
        day(r.to, "sekarang"),
        r.cases
    );
    let _ = writeln!(out, "Kasus per status:");
    for (state, n) in &r.per_state {
        let _ = writeln!(out, "  {:<22} {n:>5}", state.as_str());
    }
    let _ = writeln!(out, "\nKasus per unit kerja:");
    if r.per_unit.is_empty() {
        let _ = writeln!(out, "  (tidak ada)");
    }
    for (unit, n) in &r.per_unit {
        let _ = writeln!(out, "  {n:>5}  {unit}");
    }
    let _ = writeln!(
        out,
        "\nWaktu per tahap SOP (kasus yang menyelesaikan tahap):"
    );
    let none = "-".to_string();
    for s in &r.steps {
        let med = s
            .median_minutes
            .map_or_else(|| none.clone(), duration_words);
        let p90 = s.p90_minutes.map_or_else(|| none.clone(), duration_words);
        let standard = match (s.standard_minutes, s.within_percent()) {
            (Some(m), Some(pct)) => format!(
                "; standar {m} menit, {pct:.0}% memenuhi ({} dari {})",
                s.within_standard.unwrap_or(0),
                s.finished
            ),
            (Some(m), None) => format!("; standar {m} menit"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  Tahap {:<5} {}\n         {} kasus; median {med}; p90 {p90}{standard}",
            s.steps, s.label, s.finished
        );
    }
    out
}

/// The same figures as CSV (`bagian,kunci,nilai,...`), one table per section, for spreadsheets.
pub fn render_csv(r: &Report) -> String {
    let mut out =
        String::from("bagian,kunci,jumlah,median_menit,p90_menit,standar_menit,memenuhi_standar\n");
    let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    for (state, n) in &r.per_state {
        let _ = writeln!(out, "status,{},{n},,,,", state.as_str());
    }
    for (unit, n) in &r.per_unit {
        let _ = writeln!(out, "unit,{},{n},,,,", csv_field(unit));
    }
    for s in &r.steps {
        let _ = writeln!(
            out,
            "tahap,{},{},{},{},{},{}",
            csv_field(&format!("{} {}", s.steps, s.label)),
            s.finished,
            opt(s.median_minutes),
            opt(s.p90_minutes),
            opt(s.standard_minutes),
            s.within_standard.map(|w| w.to_string()).unwrap_or_default()
        );
    }
    out
}

/// A CSV field, quoted when it needs to be; a leading `=`, `+`, `-` or `@` is defused so a unit
/// name typed by an applicant cannot become a spreadsheet formula.
pub(crate) fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) && s != "-" {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applicant::ApplicantFields;
    use crate::case::{Actor, ApplicantRecord, CaseId};
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap()
    }

    fn case(seq: u32, unit: &str, opened: DateTime<Utc>, minutes_to_dispose: i64) -> Case {
        let mut c = Case::new(
            CaseId { year: 2026, seq },
            opened,
            ApplicantRecord {
                fields: ApplicantFields {
                    unit: Some(unit.into()),
                    ..Default::default()
                },
                ..ApplicantRecord::default()
            },
            None,
        );
        let kadis = Actor::Kadis("kadis@x".into());
        c.assign("v@x", kadis, opened + Duration::minutes(minutes_to_dispose));
        c
    }

    #[test]
    fn counts_median_p90_and_share_within_standard() {
        let cases: Vec<Case> = (1..=10)
            .map(|i| {
                case(
                    i,
                    if i <= 7 { "Dinas Kesehatan" } else { "Bappeda" },
                    t0(),
                    i as i64 * 3,
                )
            })
            .collect();
        let r = compute(
            &cases,
            &Standards::default(),
            None,
            None,
            t0() + Duration::hours(5),
        );
        assert_eq!(r.cases, 10);
        assert!(r.per_state.contains(&(State::Disposisi, 10)));
        assert_eq!(
            r.per_unit,
            vec![("Dinas Kesehatan".into(), 7), ("Bappeda".into(), 3)]
        );
        let step2 = &r.steps[0];
        assert_eq!(step2.steps, "2");
        assert_eq!(step2.finished, 10);
        // 3, 6, …, 30 minutes: median (nearest rank) 15, p90 27; within 15 minutes: 5 of 10.
        assert_eq!(
            (step2.median_minutes, step2.p90_minutes),
            (Some(15), Some(27))
        );
        assert_eq!(step2.within_standard, Some(5));
        assert_eq!(step2.within_percent(), Some(50.0));
        let text = render_text(&r);
        assert!(
            text.contains(
                "median 15 menit; p90 27 menit; standar 15 menit, 50% memenuhi (5 dari 10)"
            ),
            "{text}"
        );
    }

    #[test]
    fn date_range_is_office_days_inclusive() {
        // 23:30 WITA on the 23rd is 15:30 UTC; 00:30 WITA on the 24th is 16:30 UTC on the 23rd.
        let late = Utc.with_ymd_and_hms(2026, 11, 23, 15, 30, 0).unwrap();
        let next = Utc.with_ymd_and_hms(2026, 11, 23, 16, 30, 0).unwrap();
        let cases = vec![case(1, "A", late, 5), case(2, "B", next, 5)];
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d);
        let now = next + Duration::hours(1);
        let std = Standards::default();
        assert_eq!(compute(&cases, &std, day(23), day(23), now).cases, 1);
        assert_eq!(compute(&cases, &std, day(24), None, now).cases, 1);
        assert_eq!(compute(&cases, &std, None, None, now).cases, 2);
    }

    #[test]
    fn csv_defuses_formulas_and_quotes() {
        let cases = vec![case(1, "=HYPERLINK(\"x\"), Bagian", t0(), 5)];
        let csv = render_csv(&compute(&cases, &Standards::default(), None, None, t0()));
        assert!(
            csv.contains("unit,\"'=HYPERLINK(\"\"x\"\"), Bagian\",1,,,,"),
            "{csv}"
        );
        assert_eq!(duration_words(1505), "1 hari 1 jam");
        assert_eq!(duration_words(65), "1 jam 5 menit");
    }
}
