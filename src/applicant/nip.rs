//! NIP (Nomor Induk Pegawai) of a PNS or a PPPK: parsing, the birth date, appointment and sex
//! it encodes, and the usual written grouping.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use super::sex::Sex;

/// Which scheme issued the NIP. Digit 13 tells them apart: a PNS has the first digit of the
/// appointment month there (0 or 1), a PPPK has 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NipKind {
    Pns,
    Pppk,
}

impl NipKind {
    fn scheme(self) -> &'static str {
        match self {
            NipKind::Pns => "pns",
            NipKind::Pppk => "pppk",
        }
    }
}

const BIRTH_YEARS: std::ops::RangeInclusive<i32> = 1940..=2015;
const PNS_APPOINTMENT_YEARS: std::ops::RangeInclusive<i32> = 1960..=2035;
const PPPK_APPOINTMENT_YEARS: std::ops::RangeInclusive<i32> = 2019..=2035;
/// Nobody is appointed ASN before 18; 17 leaves a year of slack for how the year is rounded.
const MIN_AGE_AT_APPOINTMENT: i32 = 17;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NipError {
    #[error("nip must be 18 digits, found {found}")]
    WrongLength { found: usize },
    #[error("nip contains a non-digit character {character:?}")]
    NotDigits { character: char },
    #[error("birth year {year} is outside 1940-2015")]
    BirthYearOutOfRange { year: i32 },
    #[error("birth date {year:04}-{month:02}-{day:02} does not exist")]
    BadBirthDate { year: i32, month: u32, day: u32 },
    #[error("digit 13 is {digit}, neither a pns appointment month (0, 1) nor pppk (2)")]
    UnknownShape { digit: u32 },
    #[error("appointment month {month:02} is not 01-12")]
    BadAppointmentMonth { month: u32 },
    #[error("{} appointment year {year} is out of range", .kind.scheme())]
    AppointmentYearOutOfRange { kind: NipKind, year: i32 },
    #[error("appointed in {appointment_year}, under 17 years after birth in {birth_year}")]
    AppointedTooYoung {
        birth_year: i32,
        appointment_year: i32,
    },
    #[error("sex digit {digit} is neither 1 nor 2")]
    BadSexDigit { digit: u32 },
}

impl NipError {
    /// Explanation for the verifier and the applicant, in Indonesian.
    pub fn keterangan(&self) -> String {
        match self {
            NipError::WrongLength { found } => {
                format!("NIP harus 18 digit angka, tertulis {found} digit")
            }
            NipError::NotDigits { character } => {
                format!("NIP hanya boleh berisi angka, tertulis karakter '{character}'")
            }
            NipError::BirthYearOutOfRange { year } => format!(
                "Tahun lahir pada NIP (digit ke-1 sampai ke-4) tertulis {year}, seharusnya antara 1940 dan 2015"
            ),
            NipError::BadBirthDate { year, month, day } => format!(
                "Tanggal lahir pada NIP ({day:02}-{month:02}-{year:04}) tidak ada di kalender"
            ),
            NipError::UnknownShape { digit } => format!(
                "Digit ke-13 NIP tertulis {digit}; pada NIP PNS digit itu awal bulan pengangkatan (0 atau 1), pada NIP PPPK angka 2"
            ),
            NipError::BadAppointmentMonth { month } => format!(
                "Bulan pengangkatan CPNS pada NIP (digit ke-13 dan ke-14) tertulis {month:02}, seharusnya 01 sampai 12"
            ),
            NipError::AppointmentYearOutOfRange { kind, year } => {
                let (label, range) = match kind {
                    NipKind::Pns => ("CPNS", PNS_APPOINTMENT_YEARS),
                    NipKind::Pppk => ("PPPK", PPPK_APPOINTMENT_YEARS),
                };
                format!(
                    "Tahun pengangkatan {label} pada NIP (digit ke-9 sampai ke-12) tertulis {year}, seharusnya antara {} dan {}",
                    range.start(),
                    range.end()
                )
            }
            NipError::AppointedTooYoung {
                birth_year,
                appointment_year,
            } => format!(
                "Tahun pengangkatan pada NIP ({appointment_year}) kurang dari 17 tahun setelah tahun lahir ({birth_year})"
            ),
            NipError::BadSexDigit { digit } => format!(
                "Kode jenis kelamin pada NIP (digit ke-15) tertulis {digit}, seharusnya 1 (laki-laki) atau 2 (perempuan)"
            ),
        }
    }
}

/// A structurally valid NIP. Display gives the grouped form of [`Nip::formatted`]; Serialize and
/// `as_str` the 18 bare digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nip {
    digits: String,
    kind: NipKind,
    birth: NaiveDate,
}

impl Nip {
    /// Parses a NIP written with or without spaces, dots or dashes between the digits.
    pub fn parse(s: &str) -> Result<Nip, NipError> {
        let mut digits = String::with_capacity(18);
        for c in s.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else if !(c.is_whitespace() || c == '.' || c == '-') {
                return Err(NipError::NotDigits { character: c });
            }
        }
        if digits.len() != 18 {
            return Err(NipError::WrongLength {
                found: digits.len(),
            });
        }
        let num = |from: usize, to: usize| number(&digits[from..to]);
        let (year, month, day) = (num(0, 4) as i32, num(4, 6), num(6, 8));
        if !BIRTH_YEARS.contains(&year) {
            return Err(NipError::BirthYearOutOfRange { year });
        }
        let birth = NaiveDate::from_ymd_opt(year, month, day).ok_or(NipError::BadBirthDate {
            year,
            month,
            day,
        })?;
        let kind = match num(12, 13) {
            0 | 1 => NipKind::Pns,
            2 => NipKind::Pppk,
            digit => return Err(NipError::UnknownShape { digit }),
        };
        let appointment_year = num(8, 12) as i32;
        let years = match kind {
            NipKind::Pns => {
                let month = num(12, 14);
                if !(1..=12).contains(&month) {
                    return Err(NipError::BadAppointmentMonth { month });
                }
                PNS_APPOINTMENT_YEARS
            }
            NipKind::Pppk => PPPK_APPOINTMENT_YEARS,
        };
        if !years.contains(&appointment_year) {
            return Err(NipError::AppointmentYearOutOfRange {
                kind,
                year: appointment_year,
            });
        }
        if appointment_year < year + MIN_AGE_AT_APPOINTMENT {
            return Err(NipError::AppointedTooYoung {
                birth_year: year,
                appointment_year,
            });
        }
        match num(14, 15) {
            1 | 2 => {}
            digit => return Err(NipError::BadSexDigit { digit }),
        }
        Ok(Nip {
            digits,
            kind,
            birth,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.digits
    }

    pub fn kind(&self) -> NipKind {
        self.kind
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    pub fn sex(&self) -> Sex {
        if self.digits.as_bytes()[14] == b'2' {
            Sex::Female
        } else {
            Sex::Male
        }
    }

    /// Year of the CPNS appointment (PNS) or of the PPPK contract.
    pub fn appointment_year(&self) -> i32 {
        number(&self.digits[8..12]) as i32
    }

    /// Month of the CPNS appointment; a PPPK NIP does not carry one.
    pub fn appointment_month(&self) -> Option<u32> {
        match self.kind {
            NipKind::Pns => Some(number(&self.digits[12..14])),
            NipKind::Pppk => None,
        }
    }

    /// Grouped 8-6-1-3 as on SK and ID cards: "19850312 201001 1 003". A PPPK NIP gets the same
    /// grouping ("19900101 202221 1 001") because that is how BKN prints it, so the six-digit
    /// group there is year + "2" + the PPPK digit rather than year + month.
    pub fn formatted(&self) -> String {
        let d = &self.digits;
        format!("{} {} {} {}", &d[0..8], &d[8..14], &d[14..15], &d[15..18])
    }
}

/// Value of a run of ASCII digits already checked by `parse`.
fn number(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
}

impl fmt::Display for Nip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

impl serde::Serialize for Nip {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.digits)
    }
}

impl FromStr for Nip {
    type Err = NipError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Nip::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use proptest::prelude::*;

    // Synthetic PNS: born 12-03-1985, CPNS January 2010, male, sequence 003.
    const PNS: &str = "198503122010011003";
    // Synthetic PPPK: born 01-01-1990, 2022, PPPK digit 1, female, sequence 001.
    const PPPK: &str = "199001012022212001";

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn parses_pns() {
        let nip = Nip::parse("19850312 201001 1 003").unwrap();
        assert_eq!(nip.as_str(), PNS);
        assert_eq!(nip.kind(), NipKind::Pns);
        assert_eq!(nip.birth_date(), date(1985, 3, 12));
        assert_eq!(nip.sex(), Sex::Male);
        assert_eq!(nip.appointment_year(), 2010);
        assert_eq!(nip.appointment_month(), Some(1));
        assert_eq!(nip.formatted(), "19850312 201001 1 003");
        assert_eq!(nip.to_string(), "19850312 201001 1 003");
    }

    #[test]
    fn parses_pppk() {
        let nip = Nip::parse(PPPK).unwrap();
        assert_eq!(nip.kind(), NipKind::Pppk);
        assert_eq!(nip.birth_date(), date(1990, 1, 1));
        assert_eq!(nip.sex(), Sex::Female);
        assert_eq!(nip.appointment_year(), 2022);
        assert_eq!(nip.appointment_month(), None);
        assert_eq!(nip.formatted(), "19900101 202221 2 001");
    }

    #[test]
    fn strips_separators_and_from_str() {
        for written in [
            "19850312.201001.1.003",
            "19850312-201001-1-003",
            "  198503122010011003 ",
        ] {
            assert_eq!(Nip::parse(written).unwrap().as_str(), PNS, "{written}");
        }
        let nip: Nip = PNS.parse().unwrap();
        assert_eq!(nip.as_str(), PNS);
    }

    #[test]
    fn serializes_digits() {
        let nip = Nip::parse(PNS).unwrap();
        assert_eq!(serde_json::to_string(&nip).unwrap(), format!("\"{PNS}\""));
        assert_eq!(serde_json::to_string(&NipKind::Pppk).unwrap(), "\"pppk\"");
    }

    fn err(s: &str) -> NipError {
        Nip::parse(s).unwrap_err()
    }

    #[test]
    fn wrong_length_and_not_digits() {
        assert_eq!(
            err("19850312 201001 1 03"),
            NipError::WrongLength { found: 17 }
        );
        assert_eq!(
            err("19850312 201001 1 03").keterangan(),
            "NIP harus 18 digit angka, tertulis 17 digit"
        );
        assert_eq!(
            err("19850312/201001/1/003"),
            NipError::NotDigits { character: '/' }
        );
        assert!(err("1985O312201001l003").keterangan().contains("'O'"));
    }

    #[test]
    fn birth_errors() {
        assert_eq!(
            err("193503122010011003"),
            NipError::BirthYearOutOfRange { year: 1935 }
        );
        assert_eq!(
            err("201603122036011003"),
            NipError::BirthYearOutOfRange { year: 2016 }
        );
        assert_eq!(
            err("198502302010011003"),
            NipError::BadBirthDate {
                year: 1985,
                month: 2,
                day: 30
            }
        );
        assert_eq!(
            err("198513012010011003"),
            NipError::BadBirthDate {
                year: 1985,
                month: 13,
                day: 1
            }
        );
        assert!(err("193503122010011003").keterangan().contains("1935"));
        assert!(
            err("198502302010011003")
                .keterangan()
                .contains("30-02-1985")
        );
    }

    #[test]
    fn unknown_shape() {
        assert_eq!(
            err("198503122010511003"),
            NipError::UnknownShape { digit: 5 }
        );
        assert!(
            err("198503122010511003")
                .keterangan()
                .contains("Digit ke-13")
        );
    }

    #[test]
    fn bad_appointment_month() {
        assert_eq!(
            err("198503122010131003"),
            NipError::BadAppointmentMonth { month: 13 }
        );
        assert_eq!(
            err("198503122010001003"),
            NipError::BadAppointmentMonth { month: 0 }
        );
        assert!(err("198503122010131003").keterangan().contains("13"));
    }

    #[test]
    fn appointment_year_ranges() {
        assert_eq!(
            err("195003121959011003"),
            NipError::AppointmentYearOutOfRange {
                kind: NipKind::Pns,
                year: 1959
            }
        );
        assert_eq!(
            err("198503122036011003"),
            NipError::AppointmentYearOutOfRange {
                kind: NipKind::Pns,
                year: 2036
            }
        );
        assert_eq!(
            err("198503122018211001"),
            NipError::AppointmentYearOutOfRange {
                kind: NipKind::Pppk,
                year: 2018
            }
        );
        assert!(err("198503122018211001").keterangan().contains("2019"));
        assert!(err("198503122036011003").keterangan().contains("CPNS"));
    }

    #[test]
    fn appointed_too_young() {
        assert_eq!(
            err("199503122010011003"),
            NipError::AppointedTooYoung {
                birth_year: 1995,
                appointment_year: 2010
            }
        );
        assert_eq!(
            err("201001012025211001"),
            NipError::AppointedTooYoung {
                birth_year: 2010,
                appointment_year: 2025
            }
        );
        assert!(err("199503122010011003").keterangan().contains("17 tahun"));
        // Exactly 17 years is accepted.
        assert!(Nip::parse("199301012010011003").is_ok());
    }

    #[test]
    fn bad_sex_digit() {
        assert_eq!(
            err("198503122010013003"),
            NipError::BadSexDigit { digit: 3 }
        );
        assert_eq!(
            err("199001012022210001"),
            NipError::BadSexDigit { digit: 0 }
        );
        assert!(
            err("198503122010013003")
                .keterangan()
                .contains("digit ke-15")
        );
    }

    #[test]
    fn error_messages_are_lowercase_english() {
        let samples = [
            "1",
            "1985x",
            "193503122010011003",
            "198502302010011003",
            "198503122010511003",
            "198503122010131003",
            "198503122036011003",
            "199503122010011003",
            "198503122010013003",
        ];
        for s in samples {
            let msg = err(s).to_string();
            assert!(msg.starts_with(|c: char| c.is_ascii_lowercase()), "{msg}");
        }
    }

    fn birth() -> impl Strategy<Value = NaiveDate> {
        (1940i32..=2015, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| date(y, m, d))
    }

    fn pns() -> impl Strategy<Value = (String, NaiveDate, i32, u32, Sex)> {
        birth()
            .prop_flat_map(|born| {
                let first = (born.year() + MIN_AGE_AT_APPOINTMENT).max(1960);
                (
                    Just(born),
                    first..=2035,
                    1u32..=12,
                    any::<bool>(),
                    0u32..=999,
                )
            })
            .prop_map(|(born, year, month, female, seq)| {
                let nip = format!(
                    "{}{year}{month:02}{}{seq:03}",
                    born.format("%Y%m%d"),
                    if female { 2 } else { 1 }
                );
                let sex = if female { Sex::Female } else { Sex::Male };
                (nip, born, year, month, sex)
            })
    }

    fn pppk() -> impl Strategy<Value = (String, NaiveDate, i32, Sex)> {
        birth()
            .prop_flat_map(|born| {
                let first = (born.year() + MIN_AGE_AT_APPOINTMENT).max(2019);
                (
                    Just(born),
                    first..=2035,
                    0u32..=9,
                    any::<bool>(),
                    0u32..=999,
                )
            })
            .prop_map(|(born, year, digit, female, seq)| {
                let nip = format!(
                    "{}{year}2{digit}{}{seq:03}",
                    born.format("%Y%m%d"),
                    if female { 2 } else { 1 }
                );
                let sex = if female { Sex::Female } else { Sex::Male };
                (nip, born, year, sex)
            })
    }

    fn written(nip: &str, style: usize) -> String {
        let groups = [&nip[0..8], &nip[8..14], &nip[14..15], &nip[15..18]];
        match style {
            0 => nip.to_string(),
            1 => groups.join(" "),
            2 => groups.join("."),
            _ => groups.join("-"),
        }
    }

    proptest! {
        #[test]
        fn pns_round_trips((nip, born, year, month, sex) in pns(), style in 0usize..4) {
            let parsed = Nip::parse(&written(&nip, style)).unwrap();
            prop_assert_eq!(parsed.as_str(), nip.as_str());
            prop_assert_eq!(parsed.kind(), NipKind::Pns);
            prop_assert_eq!(parsed.birth_date(), born);
            prop_assert_eq!(parsed.appointment_year(), year);
            prop_assert_eq!(parsed.appointment_month(), Some(month));
            prop_assert_eq!(parsed.sex(), sex);
            prop_assert_eq!(Nip::parse(&parsed.formatted()).unwrap(), parsed);
        }

        #[test]
        fn pppk_round_trips((nip, born, year, sex) in pppk(), style in 0usize..4) {
            let parsed = Nip::parse(&written(&nip, style)).unwrap();
            prop_assert_eq!(parsed.as_str(), nip.as_str());
            prop_assert_eq!(parsed.kind(), NipKind::Pppk);
            prop_assert_eq!(parsed.birth_date(), born);
            prop_assert_eq!(parsed.appointment_year(), year);
            prop_assert_eq!(parsed.appointment_month(), None);
            prop_assert_eq!(parsed.sex(), sex);
            prop_assert_eq!(Nip::parse(&parsed.formatted()).unwrap(), parsed);
        }
    }
}
