//! The auditor's export (`sertel export-audit`): every case's history and every login attempt
//! on the web desk, in time order, never with a full NIK.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::applicant::nik::mask_niks_in;
use crate::calendar::WITA;
use crate::case::Case;
use crate::case::sop::event_words;
use crate::desk::accounts::LoginRecord;
use crate::report::csv_field;

/// One line of the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    pub at: DateTime<Utc>,
    /// `kasus` for a case event, `masuk` for a login attempt.
    pub kind: &'static str,
    pub case: Option<String>,
    pub actor: String,
    pub what: String,
}

/// Every event of `cases` and every login in `logins` whose WITA date falls within `from` and
/// `to` (both included, either open), oldest first.
pub fn rows(
    cases: &[Case],
    logins: &[LoginRecord],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Vec<AuditRow> {
    let within = |at: DateTime<Utc>| {
        let day = at.with_timezone(&WITA).date_naive();
        from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t)
    };
    let mut rows: Vec<AuditRow> = cases
        .iter()
        .flat_map(|case| {
            case.history.iter().map(move |event| AuditRow {
                at: event.at,
                kind: "kasus",
                case: Some(case.id.to_string()),
                actor: mask_niks_in(&event.actor.to_string()),
                what: mask_niks_in(&event_words(&event.what)),
            })
        })
        .chain(logins.iter().map(|login| AuditRow {
            at: login.at,
            kind: "masuk",
            case: None,
            actor: format!(
                "{} dari {}",
                login.account.as_deref().unwrap_or("(nama tak dikenal)"),
                login.client
            ),
            what: login.outcome.words().to_string(),
        }))
        .filter(|row| within(row.at))
        .collect();
    rows.sort_by_key(|row| row.at);
    rows
}

/// `waktu,jenis,kasus,pelaku,keterangan`, one line per row.
pub fn csv(rows: &[AuditRow]) -> String {
    let mut out = String::from("waktu,jenis,kasus,pelaku,keterangan\n");
    for row in rows {
        let line = [
            row.at
                .with_timezone(&WITA)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            row.kind.to_string(),
            row.case.clone().unwrap_or_default(),
            row.actor.clone(),
            row.what.clone(),
        ]
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// One readable line per row.
pub fn text(rows: &[AuditRow]) -> String {
    rows.iter()
        .map(|row| {
            format!(
                "{}  {:<5}  {:<13}  {}: {}\n",
                row.at.with_timezone(&WITA).format("%d-%m-%Y %H:%M"),
                row.kind,
                row.case.as_deref().unwrap_or("-"),
                row.actor,
                row.what
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Actor, ApplicantRecord, CaseId, EventKind};
    use crate::desk::accounts::LoginOutcome;
    use chrono::TimeZone;

    #[test]
    fn the_export_is_in_time_order_filtered_by_office_date_and_masks_niks() {
        let t = |d, h| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
        let mut case = Case::new(
            CaseId { year: 2026, seq: 1 },
            t(23, 1),
            ApplicantRecord::default(),
            None,
        );
        case.record(
            Actor::Staff("rina".into()),
            EventKind::FieldEdited {
                field: "nik".into(),
                from: Some("7502011203850001".into()),
                to: "7502011203850002".into(),
            },
            None,
            t(23, 3),
        );
        let logins = [LoginRecord {
            at: t(23, 2),
            account: Some("rina".into()),
            client: "127.0.0.1".into(),
            outcome: LoginOutcome::Gagal,
        }];
        let all = rows(&[case.clone()], &logins, None, None);
        let kinds: Vec<&str> = all.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, ["kasus", "masuk", "kasus"]);
        let out = csv(&all) + &text(&all);
        assert!(
            !out.contains("7502011203850001") && !out.contains("7502011203850002"),
            "{out}"
        );
        assert!(out.contains("7502********0002"), "{out}");
        // 17:00 UTC on the 23rd is already the 24th in Gorontalo.
        let late = LoginRecord {
            at: t(23, 17),
            ..logins[0].clone()
        };
        let day = NaiveDate::from_ymd_opt(2026, 11, 24);
        assert_eq!(rows(&[case], &[late], day, day).len(), 1);
    }
}
