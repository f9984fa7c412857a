//! Office time: Gorontalo keeps WITA (UTC+8) all year, letters and mails write dates in
//! Indonesian words, and the SOP's standards count in the office's working hours
//! ([`OfficeCalendar`], `rules/calendar.toml`).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Timelike, Utc};
use serde::Deserialize;

use crate::rulefile::{RulesError, invalid_at, parse_toml};

/// Waktu Indonesia Tengah, UTC+8, without daylight saving.
pub const WITA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// "12 Maret 2024".
pub fn indonesian_date(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// "24 November 2026 pukul 14.05 WITA".
pub fn wita_datetime(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&WITA);
    format!(
        "{} pukul {:02}.{:02} WITA",
        indonesian_date(local.date_naive()),
        local.hour(),
        local.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_are_written_in_indonesian_office_time() {
        assert_eq!(
            indonesian_date(NaiveDate::from_ymd_opt(2024, 3, 12).unwrap()),
            "12 Maret 2024"
        );
        // 16:30 UTC on New Year's Eve is already 1 January in Gorontalo.
        let t = Utc.with_ymd_and_hms(2026, 12, 31, 16, 30, 0).unwrap();
        assert_eq!(wita_datetime(t), "1 Januari 2027 pukul 00.30 WITA");
    }
}

/// The office's working hours and closed days (`rules/calendar.toml`), in which the SOP's
/// time standards count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeCalendar {
    /// Monday first; `None` is a closed weekday.
    hours: [Option<(NaiveTime, NaiveTime)>; 7],
    closed: BTreeMap<NaiveDate, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    hours: WeekHours,
    #[serde(default)]
    closed: Vec<ClosedDay>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WeekHours {
    monday: Option<[String; 2]>,
    tuesday: Option<[String; 2]>,
    wednesday: Option<[String; 2]>,
    thursday: Option<[String; 2]>,
    friday: Option<[String; 2]>,
    saturday: Option<[String; 2]>,
    sunday: Option<[String; 2]>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClosedDay {
    date: toml::value::Datetime,
    name: String,
}

/// The shipped calendar.
const BUILTIN_CALENDAR: &str = include_str!("../rules/calendar.toml");

impl OfficeCalendar {
    /// The calendar shipped in the binary.
    pub fn builtin() -> OfficeCalendar {
        OfficeCalendar::parse(Path::new("rules/calendar.toml"), BUILTIN_CALENDAR)
            .expect("the shipped calendar is valid (checked by tests)")
    }

    /// Parses `rules/calendar.toml`; every error names the file and the line.
    pub fn parse(file: &Path, text: &str) -> Result<OfficeCalendar, RulesError> {
        let raw: CalendarFile = parse_toml(file, text)?;
        let h = raw.hours;
        let mut hours = [None; 7];
        let days = [
            ("monday", h.monday),
            ("tuesday", h.tuesday),
            ("wednesday", h.wednesday),
            ("thursday", h.thursday),
            ("friday", h.friday),
            ("saturday", h.saturday),
            ("sunday", h.sunday),
        ];
        for (slot, (name, day)) in hours.iter_mut().zip(days) {
            let Some([open, close]) = day else { continue };
            let time = |t: &str| {
                NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| {
                    invalid_at(
                        file,
                        text,
                        name,
                        format!("{t:?} is not a time of day (HH:MM)"),
                    )
                })
            };
            let (open_at, close_at) = (time(&open)?, time(&close)?);
            if close_at <= open_at {
                return Err(invalid_at(
                    file,
                    text,
                    name,
                    format!("{name}: closing time {close} is not after opening time {open}"),
                ));
            }
            *slot = Some((open_at, close_at));
        }
        let mut closed = BTreeMap::new();
        for day in raw.closed {
            let written = day.date.to_string();
            let date = NaiveDate::parse_from_str(&written, "%Y-%m-%d").map_err(|_| {
                invalid_at(
                    file,
                    text,
                    &written,
                    format!("{written} is not a date (YYYY-MM-DD)"),
                )
            })?;
            closed.insert(date, day.name);
        }
        Ok(OfficeCalendar { hours, closed })
    }

    /// The office's hours on `date` (WITA), or `None` when it is closed that day.
    pub fn hours_on(&self, date: NaiveDate) -> Option<(NaiveTime, NaiveTime)> {
        if self.closed.contains_key(&date) {
            return None;
        }
        self.hours[date.weekday().num_days_from_monday() as usize]
    }

    /// The name of the holiday or closed day `date` is, if it is one.
    pub fn closed_because(&self, date: NaiveDate) -> Option<&str> {
        self.closed.get(&date).map(String::as_str)
    }

    /// Working minutes between `start` and `end`, rounded up: only the time inside the office's
    /// hours counts, so a mail on Friday at 16:00 is 30 minutes old on Monday at 07:30.
    pub fn working_minutes(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> u64 {
        if end <= start {
            return 0;
        }
        let (from, to) = (start.with_timezone(&WITA), end.with_timezone(&WITA));
        let mut seconds = 0i64;
        let mut day = from.date_naive();
        // Ten years of days at the most: a standard is counted in minutes.
        for _ in 0..3660 {
            if day > to.date_naive() {
                break;
            }
            if let Some((open, close)) = self.hours_on(day) {
                let at = |t: NaiveTime| day.and_time(t);
                let lo = at(open).max(from.naive_local());
                let hi = at(close).min(to.naive_local());
                seconds += (hi - lo).num_seconds().max(0);
            }
            day = day.succ_opt().unwrap_or(day);
        }
        u64::try_from(seconds).unwrap_or(0).div_ceil(60)
    }
}

#[cfg(test)]
mod office_hours {
    use super::*;
    use chrono::TimeZone;

    /// A moment in WITA.
    fn wita(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        WITA.with_ymd_and_hms(2026, 12, d, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn minutes_count_inside_working_hours_only() {
        let cal = OfficeCalendar::builtin();
        // Friday 4 December 16:00 to Monday 7 December 07:45: 30 minutes on Friday (it closes
        // at 16:30), none at the weekend, 15 on Monday.
        assert_eq!(cal.working_minutes(wita(4, 16, 0), wita(7, 7, 45)), 45);
        // Within one morning.
        assert_eq!(cal.working_minutes(wita(7, 8, 0), wita(7, 8, 20)), 20);
        // After closing on Monday until Tuesday's opening: nothing.
        assert_eq!(cal.working_minutes(wita(7, 16, 5), wita(8, 7, 30)), 0);
        // Thursday 24 December (cuti bersama) and Friday 25 (Natal) are closed: from Wednesday
        // 15:50 to Monday 28 at 07:40 is 10 minutes + 10 minutes.
        assert_eq!(cal.working_minutes(wita(23, 15, 50), wita(28, 7, 40)), 20);
        assert_eq!(
            cal.closed_because(NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()),
            Some("Hari Raya Natal")
        );
        assert_eq!(cal.working_minutes(wita(8, 9, 0), wita(8, 9, 0)), 0);
    }

    #[test]
    fn a_broken_calendar_names_its_line() {
        let text = "[hours]\nmonday = [\"07:30\", \"16:00\"]\nfriday = [\"16:30\", \"07:30\"]\n";
        let err = OfficeCalendar::parse(Path::new("calendar.toml"), text).unwrap_err();
        assert_eq!(err.line(), Some(3), "{err}");
        let text = "[hours]\nmonday = [\"07:30\", \"16:00\"]\nsabtu = [\"08:00\", \"12:00\"]\n";
        let err = OfficeCalendar::parse(Path::new("calendar.toml"), text).unwrap_err();
        assert_eq!(err.line(), Some(3), "{err}");
        let text = "[hours]\n[[closed]]\ndate = 2026-13-01\nname = \"x\"\n";
        assert!(OfficeCalendar::parse(Path::new("calendar.toml"), text).is_err());
    }
}
