//! NIK (Nomor Induk Kependudukan): parsing, the region and birth data it encodes, masking, and
//! the province and Gorontalo regency code tables.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use super::sex::Sex;

/// Province codes as Dukcapil (Kemendagri) assigns them, which is what a NIK carries. BPS
/// numbers the Papua provinces differently (e.g. 94 for Papua); those codes never appear in a
/// NIK.
const PROVINCES: &[(&str, &str)] = &[
    ("11", "Aceh"),
    ("12", "Sumatera Utara"),
    ("13", "Sumatera Barat"),
    ("14", "Riau"),
    ("15", "Jambi"),
    ("16", "Sumatera Selatan"),
    ("17", "Bengkulu"),
    ("18", "Lampung"),
    ("19", "Kepulauan Bangka Belitung"),
    ("21", "Kepulauan Riau"),
    ("31", "DKI Jakarta"),
    ("32", "Jawa Barat"),
    ("33", "Jawa Tengah"),
    ("34", "DI Yogyakarta"),
    ("35", "Jawa Timur"),
    ("36", "Banten"),
    ("51", "Bali"),
    ("52", "Nusa Tenggara Barat"),
    ("53", "Nusa Tenggara Timur"),
    ("61", "Kalimantan Barat"),
    ("62", "Kalimantan Tengah"),
    ("63", "Kalimantan Selatan"),
    ("64", "Kalimantan Timur"),
    ("65", "Kalimantan Utara"),
    ("71", "Sulawesi Utara"),
    ("72", "Sulawesi Tengah"),
    ("73", "Sulawesi Selatan"),
    ("74", "Sulawesi Tenggara"),
    ("75", "Gorontalo"),
    ("76", "Sulawesi Barat"),
    ("81", "Maluku"),
    ("82", "Maluku Utara"),
    ("91", "Papua"),
    ("92", "Papua Barat"),
    ("93", "Papua Selatan"),
    ("94", "Papua Tengah"),
    ("95", "Papua Pegunungan"),
    ("96", "Papua Barat Daya"),
];

/// The desk serves Gorontalo; other regencies are reported by province only.
const REGENCIES: &[(&str, &str)] = &[
    ("7501", "Kabupaten Boalemo"),
    ("7502", "Kabupaten Gorontalo"),
    ("7503", "Kabupaten Pohuwato"),
    ("7504", "Kabupaten Bone Bolango"),
    ("7505", "Kabupaten Gorontalo Utara"),
    ("7571", "Kota Gorontalo"),
];

/// Name of the province with this two-digit Dukcapil code.
pub fn province_name(code2: &str) -> Option<&'static str> {
    PROVINCES
        .iter()
        .find(|(code, _)| *code == code2)
        .map(|(_, name)| *name)
}

/// Name of the regency or city with this four-digit code; only Gorontalo province is tabled.
pub fn regency_name(code4: &str) -> Option<&'static str> {
    REGENCIES
        .iter()
        .find(|(code, _)| *code == code4)
        .map(|(_, name)| *name)
}

/// The region code a KTP's header prints: "PROVINSI GORONTALO" gives "75", with
/// "KABUPATEN GORONTALO" under it "7502". Letters only are compared, so OCR's spacing and
/// punctuation do not matter; a header that names no tabled region gives `None`.
pub fn printed_region(province: Option<&str>, regency: Option<&str>) -> Option<String> {
    let letters = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphabetic())
            .flat_map(char::to_uppercase)
            .collect()
    };
    let named = letters(province?.trim_start_matches(|c: char| !c.is_alphabetic()));
    let named = named.strip_prefix("PROVINSI").unwrap_or(&named).to_string();
    let (code2, _) = PROVINCES.iter().find(|(_, name)| letters(name) == named)?;
    let regency = regency.map(letters);
    let code4 = REGENCIES
        .iter()
        .filter(|(code, _)| code.starts_with(code2))
        .find(|(_, name)| regency.as_deref() == Some(letters(name).as_str()))
        .map(|(code, _)| code.to_string());
    Some(code4.unwrap_or_else(|| code2.to_string()))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    #[error("nik must be 16 digits, found {found}")]
    WrongLength { found: usize },
    #[error("nik contains a non-digit character {character:?}")]
    NotDigits { character: char },
    #[error("unknown province code {code}")]
    UnknownProvince { code: String },
    #[error("regency code is 00")]
    ZeroRegency,
    #[error("district code is 00")]
    ZeroDistrict,
    #[error("birth month {month:02} is not 01-12")]
    BadMonth { month: u32 },
    #[error("birth day {day:02} is not 01-31 or 41-71")]
    BadDay { day: u32 },
    #[error("birth date {day:02}-{month:02}-{year2:02} does not exist")]
    ImpossibleDate { day: u32, month: u32, year2: u32 },
    #[error("sequence number is 0000")]
    ZeroSequence,
}

impl NikError {
    /// Explanation for the verifier and the applicant, in Indonesian.
    pub fn keterangan(&self) -> String {
        match self {
            NikError::WrongLength { found } => {
                format!("NIK harus 16 digit angka, tertulis {found} digit")
            }
            NikError::NotDigits { character } => {
                format!("NIK hanya boleh berisi angka, tertulis karakter '{character}'")
            }
            NikError::UnknownProvince { code } => {
                format!("Kode provinsi {code} (dua digit pertama NIK) tidak dikenal")
            }
            NikError::ZeroRegency => {
                "Kode kabupaten/kota pada NIK (digit ke-3 dan ke-4) tidak boleh 00".to_string()
            }
            NikError::ZeroDistrict => {
                "Kode kecamatan pada NIK (digit ke-5 dan ke-6) tidak boleh 00".to_string()
            }
            NikError::BadMonth { month } => format!(
                "Bulan lahir pada NIK (digit ke-9 dan ke-10) tertulis {month:02}, seharusnya 01 sampai 12"
            ),
            NikError::BadDay { day } => format!(
                "Tanggal lahir pada NIK (digit ke-7 dan ke-8) tertulis {day:02}, seharusnya 01–31 untuk laki-laki atau 41–71 untuk perempuan"
            ),
            NikError::ImpossibleDate { day, month, year2 } => format!(
                "Tanggal lahir pada NIK ({day:02}-{month:02}-{year2:02}) tidak ada di kalender"
            ),
            NikError::ZeroSequence => {
                "Nomor urut pada NIK (empat digit terakhir) tidak boleh 0000".to_string()
            }
        }
    }
}

/// A structurally valid NIK. Debug and Display print the masked form so a NIK never reaches a
/// log in full; `as_str` and Serialize give the full value for the report.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nik(String);

impl Nik {
    /// Digits in a NIK.
    pub const LEN: usize = 16;

    /// Parses a NIK written with or without spaces, dots or dashes between the digits.
    pub fn parse(s: &str) -> Result<Nik, NikError> {
        let mut digits = String::with_capacity(Self::LEN);
        for c in s.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else if !(c.is_whitespace() || c == '.' || c == '-') {
                return Err(NikError::NotDigits { character: c });
            }
        }
        if digits.len() != Self::LEN {
            return Err(NikError::WrongLength {
                found: digits.len(),
            });
        }
        let nik = Nik(digits);
        if province_name(nik.province_code()).is_none() {
            return Err(NikError::UnknownProvince {
                code: nik.province_code().to_string(),
            });
        }
        if &nik.0[2..4] == "00" {
            return Err(NikError::ZeroRegency);
        }
        if &nik.0[4..6] == "00" {
            return Err(NikError::ZeroDistrict);
        }
        let month = nik.birth_month();
        if !(1..=12).contains(&month) {
            return Err(NikError::BadMonth { month });
        }
        let raw_day = nik.two(6);
        if !(1..=31).contains(&raw_day) && !(41..=71).contains(&raw_day) {
            return Err(NikError::BadDay { day: raw_day });
        }
        let (day, year2) = (nik.birth_day(), nik.birth_year_2d());
        let exists = [1900, 2000]
            .iter()
            .any(|century| NaiveDate::from_ymd_opt(century + year2 as i32, month, day).is_some());
        if !exists {
            return Err(NikError::ImpossibleDate { day, month, year2 });
        }
        if &nik.0[12..16] == "0000" {
            return Err(NikError::ZeroSequence);
        }
        Ok(nik)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn province_code(&self) -> &str {
        &self.0[0..2]
    }

    /// Province and regency/city, four digits.
    pub fn regency_code(&self) -> &str {
        &self.0[0..4]
    }

    /// Province, regency/city and district (kecamatan), six digits.
    pub fn district_code(&self) -> &str {
        &self.0[0..6]
    }

    pub fn sex(&self) -> Sex {
        if self.two(6) > 40 {
            Sex::Female
        } else {
            Sex::Male
        }
    }

    /// Day of birth with the +40 for women removed.
    pub fn birth_day(&self) -> u32 {
        let raw = self.two(6);
        if raw > 40 { raw - 40 } else { raw }
    }

    pub fn birth_month(&self) -> u32 {
        self.two(8)
    }

    pub fn birth_year_2d(&self) -> u32 {
        self.two(10)
    }

    /// The NIK holds only two year digits: the 2000s are taken when that date is not after
    /// `today`, else the 1900s. None when the chosen date does not exist (29 Feb in 1900).
    pub fn birth_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        let (day, month, year2) = (self.birth_day(), self.birth_month(), self.birth_year_2d());
        match NaiveDate::from_ymd_opt(2000 + year2 as i32, month, day) {
            Some(date) if date <= today => Some(date),
            _ => NaiveDate::from_ymd_opt(1900 + year2 as i32, month, day),
        }
    }

    /// First four and last four digits, e.g. "7502********0133": enough to tell applications
    /// apart in a log without identifying the person.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[0..4], &self.0[12..16])
    }

    fn two(&self, at: usize) -> u32 {
        let b = self.0.as_bytes();
        u32::from(b[at] - b'0') * 10 + u32::from(b[at + 1] - b'0')
    }
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

impl fmt::Display for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl serde::Serialize for Nik {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl FromStr for Nik {
    type Err = NikError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Nik::parse(s)
    }
}

/// The NIK as a mail may show it: masked by [`Nik`] when it parses, else every digit but the
/// first and last four hidden.
pub fn mask_nik_like(raw: &str) -> String {
    if let Ok(nik) = Nik::parse(raw) {
        return nik.to_string();
    }
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    raw.trim()
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen > 4 && seen + 4 <= digits {
                '*'
            } else {
                c
            }
        })
        .collect()
}

/// Checklist details and people's notes quote NIKs in full (the one typed and the one read
/// from the KTP), so everything that goes into a mail passes through here: any sixteen digits
/// in a row, also when grouped by single spaces, dots or dashes, and any 15 or 17 digits
/// standing alone (a mistyped NIK identifies a person just as well) keep only their first and
/// last four digits. An 18-digit NIP is left alone.
pub fn mask_niks_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    // Runs of digits as [start, end) char indices, and whether a single separator joins each
    // run to the next.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    let joined = |a: (usize, usize), b: (usize, usize)| {
        b.0 == a.1 + 1 && matches!(chars[a.1], ' ' | '.' | '-')
    };
    let mut hide = vec![false; chars.len()];
    let mut mask_span = |spans: &[(usize, usize)]| {
        let total: usize = spans.iter().map(|(s, e)| e - s).sum();
        let mut n = 0;
        for &(s, e) in spans {
            for slot in hide.iter_mut().take(e).skip(s) {
                n += 1;
                if n > 4 && n + 4 <= total {
                    *slot = true;
                }
            }
        }
    };
    for (k, &run) in runs.iter().enumerate() {
        let len = run.1 - run.0;
        let alone = (k == 0 || !joined(runs[k - 1], run))
            && (k + 1 == runs.len() || !joined(run, runs[k + 1]));
        if alone && (15..=17).contains(&len) {
            mask_span(&[run]);
            continue;
        }
        let mut total = 0;
        for end in k..runs.len() {
            if end > k && !joined(runs[end - 1], runs[end]) {
                break;
            }
            total += runs[end].1 - runs[end].0;
            if total == 16 {
                mask_span(&runs[k..=end]);
            }
            if total >= 16 {
                break;
            }
        }
    }
    chars
        .iter()
        .zip(hide)
        .map(|(&c, h)| if h { '*' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use proptest::prelude::*;

    // Synthetic: Kab. Gorontalo, district 01, man born 12-03-85, sequence 0001.
    const MAN: &str = "7502011203850001";
    // Synthetic: Kota Gorontalo, district 02, woman born 05-11-92 (45 = 5 + 40).
    const WOMAN: &str = "7571024511920133";

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn parses_a_man() {
        let nik = Nik::parse(MAN).unwrap();
        assert_eq!(nik.as_str(), MAN);
        assert_eq!(nik.province_code(), "75");
        assert_eq!(nik.regency_code(), "7502");
        assert_eq!(nik.district_code(), "750201");
        assert_eq!(nik.sex(), Sex::Male);
        assert_eq!(nik.birth_day(), 12);
        assert_eq!(nik.birth_month(), 3);
        assert_eq!(nik.birth_year_2d(), 85);
        assert_eq!(nik.birth_date(date(2025, 6, 1)), Some(date(1985, 3, 12)));
    }

    #[test]
    fn parses_a_woman() {
        let nik = Nik::parse(WOMAN).unwrap();
        assert_eq!(nik.sex(), Sex::Female);
        assert_eq!(nik.birth_day(), 5);
        assert_eq!(nik.birth_month(), 11);
        assert_eq!(nik.birth_date(date(2025, 6, 1)), Some(date(1992, 11, 5)));
        assert_eq!(regency_name(nik.regency_code()), Some("Kota Gorontalo"));
    }

    #[test]
    fn strips_separators() {
        for written in [
            "7502 0112 0385 0001",
            "7502.01.120385.0001",
            "7502-0112-0385-0001",
            " 7502011203850001 ",
            "7502\u{a0}0112\u{a0}0385\u{a0}0001",
        ] {
            assert_eq!(Nik::parse(written).unwrap().as_str(), MAN, "{written}");
        }
    }

    #[test]
    fn from_str_matches_parse() {
        let nik: Nik = MAN.parse().unwrap();
        assert_eq!(nik, Nik::parse(MAN).unwrap());
    }

    #[test]
    fn century_follows_today() {
        // Synthetic: born 01-01-05.
        let nik = Nik::parse("7502010101050002").unwrap();
        assert_eq!(nik.birth_date(date(2025, 1, 1)), Some(date(2005, 1, 1)));
        assert_eq!(nik.birth_date(date(2004, 12, 31)), Some(date(1905, 1, 1)));
    }

    #[test]
    fn leap_day_in_year_00() {
        // 29-02-00 exists in 2000 but not in 1900.
        let nik = Nik::parse("7502012902000003").unwrap();
        assert_eq!(nik.birth_date(date(2025, 1, 1)), Some(date(2000, 2, 29)));
        assert_eq!(nik.birth_date(date(1999, 1, 1)), None);
    }

    #[test]
    fn other_regions_are_fine() {
        let nik = Nik::parse("3174054407900004").unwrap();
        assert_eq!(province_name(nik.province_code()), Some("DKI Jakarta"));
        assert_eq!(regency_name(nik.regency_code()), None);
        assert_eq!(nik.sex(), Sex::Female);
        assert_eq!(nik.birth_day(), 4);
    }

    #[test]
    fn debug_and_display_mask() {
        let nik = Nik::parse(WOMAN).unwrap();
        assert_eq!(nik.masked(), "7571********0133");
        assert_eq!(format!("{nik}"), "7571********0133");
        let debug = format!("{nik:?}");
        assert_eq!(debug, "Nik(7571********0133)");
        assert!(!debug.contains(WOMAN));
    }

    #[test]
    fn serialize_gives_full_value() {
        let nik = Nik::parse(MAN).unwrap();
        assert_eq!(serde_json::to_string(&nik).unwrap(), format!("\"{MAN}\""));
    }

    #[test]
    fn province_and_regency_tables() {
        assert_eq!(province_name("11"), Some("Aceh"));
        assert_eq!(province_name("75"), Some("Gorontalo"));
        let header = |p, r| printed_region(Some(p), r);
        assert_eq!(
            header("PROVINSI GORONTALO", Some("KABUPATEN GORONTALO")).as_deref(),
            Some("7502")
        );
        assert_eq!(
            header("PROVINSI GORONTALO", Some("KABUPATEN GORONTALO UTARA")).as_deref(),
            Some("7505")
        );
        assert_eq!(
            header("PROVINSI GORONTALO", Some("KOTA GORONTALO")).as_deref(),
            Some("7571")
        );
        assert_eq!(header("PROVINSI  GORONTALO", None).as_deref(), Some("75"));
        assert_eq!(
            header("PROVINSI SULAWESI SELATAN", Some("KOTA MAKASSAR")).as_deref(),
            Some("73")
        );
        assert_eq!(header("PROVINSI ATLANTIS", None), None);
        assert_eq!(province_name("96"), Some("Papua Barat Daya"));
        assert_eq!(province_name("20"), None);
        assert_eq!(regency_name("7501"), Some("Kabupaten Boalemo"));
        assert_eq!(regency_name("7502"), Some("Kabupaten Gorontalo"));
        assert_eq!(regency_name("7503"), Some("Kabupaten Pohuwato"));
        assert_eq!(regency_name("7504"), Some("Kabupaten Bone Bolango"));
        assert_eq!(regency_name("7505"), Some("Kabupaten Gorontalo Utara"));
        assert_eq!(regency_name("7571"), Some("Kota Gorontalo"));
    }

    fn err(s: &str) -> NikError {
        Nik::parse(s).unwrap_err()
    }

    #[test]
    fn wrong_length() {
        assert_eq!(err("750201120385001"), NikError::WrongLength { found: 15 });
        assert_eq!(err(""), NikError::WrongLength { found: 0 });
        assert_eq!(
            err("750201120385001").keterangan(),
            "NIK harus 16 digit angka, tertulis 15 digit"
        );
    }

    #[test]
    fn not_digits() {
        assert_eq!(
            err("75020112O3850001"),
            NikError::NotDigits { character: 'O' }
        );
        assert!(err("75020112O3850001").keterangan().contains("'O'"));
    }

    #[test]
    fn unknown_province() {
        let e = err("2002011203850001");
        assert_eq!(e, NikError::UnknownProvince { code: "20".into() });
        assert!(e.keterangan().contains("20"));
    }

    #[test]
    fn zero_regency_and_district() {
        assert_eq!(err("7500011203850001"), NikError::ZeroRegency);
        assert_eq!(err("7502001203850001"), NikError::ZeroDistrict);
        assert!(NikError::ZeroDistrict.keterangan().contains("kecamatan"));
        assert!(NikError::ZeroRegency.keterangan().contains("kabupaten"));
    }

    #[test]
    fn bad_month() {
        assert_eq!(err("7502011213850001"), NikError::BadMonth { month: 13 });
        assert_eq!(err("7502011200850001"), NikError::BadMonth { month: 0 });
        assert!(err("7502011213850001").keterangan().contains("13"));
    }

    #[test]
    fn bad_day() {
        for (s, day) in [
            ("7502010003850001", 0),
            ("7502013203850001", 32),
            ("7502014003850001", 40),
            ("7502017203850001", 72),
        ] {
            assert_eq!(err(s), NikError::BadDay { day }, "{s}");
        }
        assert!(NikError::BadDay { day: 35 }.keterangan().contains("41–71"));
    }

    #[test]
    fn impossible_date() {
        assert_eq!(
            err("7502013102850001"),
            NikError::ImpossibleDate {
                day: 31,
                month: 2,
                year2: 85
            }
        );
        // Women's 31 April = 71.
        assert_eq!(
            err("7502017104850001"),
            NikError::ImpossibleDate {
                day: 31,
                month: 4,
                year2: 85
            }
        );
        // 29 Feb in a non-leap year in both centuries.
        assert_eq!(
            err("7502012902850001"),
            NikError::ImpossibleDate {
                day: 29,
                month: 2,
                year2: 85
            }
        );
        assert!(Nik::parse("7502012902840001").is_ok());
        assert_eq!(
            NikError::ImpossibleDate {
                day: 31,
                month: 2,
                year2: 85
            }
            .keterangan(),
            "Tanggal lahir pada NIK (31-02-85) tidak ada di kalender"
        );
    }

    #[test]
    fn zero_sequence() {
        assert_eq!(err("7502011203850000"), NikError::ZeroSequence);
        assert!(NikError::ZeroSequence.keterangan().contains("0000"));
    }

    #[test]
    fn error_messages_are_lowercase_english() {
        let all = [
            NikError::WrongLength { found: 3 },
            NikError::NotDigits { character: 'x' },
            NikError::UnknownProvince { code: "20".into() },
            NikError::ZeroRegency,
            NikError::ZeroDistrict,
            NikError::BadMonth { month: 13 },
            NikError::BadDay { day: 32 },
            NikError::ImpossibleDate {
                day: 31,
                month: 2,
                year2: 85,
            },
            NikError::ZeroSequence,
        ];
        for e in all {
            let msg = e.to_string();
            assert!(msg.starts_with(|c: char| c.is_ascii_lowercase()), "{msg}");
            assert!(!e.keterangan().is_empty());
        }
    }

    /// A valid NIK with its expected birth date and sex; years 1927..=2026 so that the
    /// century rule with today = 2026-12-31 recovers the generated year.
    fn valid_nik() -> impl Strategy<Value = (String, NaiveDate, Sex)> {
        (
            0..PROVINCES.len(),
            1u32..=99,
            1u32..=99,
            1927i32..=2026,
            1u32..=12,
            0u32..31,
            any::<bool>(),
            1u32..=9999,
        )
            .prop_map(|(p, regency, district, year, month, day0, female, seq)| {
                let days_in_month = (28..=31)
                    .rev()
                    .find(|d| NaiveDate::from_ymd_opt(year, month, *d).is_some())
                    .unwrap();
                let day = day0 % days_in_month + 1;
                let coded_day = if female { day + 40 } else { day };
                let nik = format!(
                    "{}{regency:02}{district:02}{coded_day:02}{month:02}{:02}{seq:04}",
                    PROVINCES[p].0,
                    year % 100
                );
                let sex = if female { Sex::Female } else { Sex::Male };
                (nik, date(year, month, day), sex)
            })
    }

    fn written(nik: &str, style: usize) -> String {
        match style {
            0 => nik.to_string(),
            1 => format!(
                "{} {} {} {}",
                &nik[0..4],
                &nik[4..8],
                &nik[8..12],
                &nik[12..]
            ),
            2 => format!(
                "{}.{}.{}.{}",
                &nik[0..2],
                &nik[2..6],
                &nik[6..12],
                &nik[12..]
            ),
            _ => format!("{}-{}-{}", &nik[0..6], &nik[6..12], &nik[12..]),
        }
    }

    proptest! {
        #[test]
        fn valid_nik_round_trips((nik, born, sex) in valid_nik(), style in 0usize..4) {
            let parsed = Nik::parse(&written(&nik, style)).unwrap();
            prop_assert_eq!(parsed.as_str(), nik.as_str());
            prop_assert_eq!(parsed.sex(), sex);
            prop_assert_eq!(parsed.birth_day(), born.day());
            prop_assert_eq!(parsed.birth_month(), born.month());
            prop_assert_eq!(parsed.birth_date(date(2026, 12, 31)), Some(born));
            let debug = format!("{parsed:?}");
            prop_assert!(!debug.contains(nik.as_str()));
        }

        #[test]
        fn one_changed_digit_fails_or_differs(
            (nik, _, _) in valid_nik(),
            at in 0usize..16,
            bump in 1u8..=9,
        ) {
            let mut bytes = nik.clone().into_bytes();
            bytes[at] = b'0' + (bytes[at] - b'0' + bump) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            if let Ok(other) = Nik::parse(&changed) {
                prop_assert_ne!(other.as_str(), nik.as_str());
            }
        }
    }

    #[test]
    fn a_nik_that_does_not_parse_is_masked_by_hand() {
        assert_eq!(mask_nik_like("7502011203850000"), "7502********0000");
        assert_eq!(mask_nik_like("75020112038500"), "7502******8500");
        assert_eq!(mask_nik_like("7502.0112.0385.0001"), "7502********0001");
        assert_eq!(
            mask_niks_in("NIP 198503122010011002, NIK 7502011203850001."),
            "NIP 198503122010011002, NIK 7502********0001."
        );
    }
}
