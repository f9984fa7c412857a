//! Office time and dates for people: Gorontalo keeps WITA (UTC+8) all year, and letters and
//! mails write dates in Indonesian words.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike, Utc};

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
