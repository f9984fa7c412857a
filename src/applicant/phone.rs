//! Indonesian mobile numbers: the many ways they are written, normalised to "+628…".

use std::fmt;
use std::str::FromStr;

/// Subscriber digits after "+62": 8, an operator digit, then the rest (local "08…" numbers are
/// 10 to 13 digits long).
const NATIONAL_DIGITS: std::ops::RangeInclusive<usize> = 9..=12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone number is empty")]
    Empty,
    #[error("phone number contains {character:?}")]
    InvalidCharacter { character: char },
    #[error("phone number is not indonesian")]
    Foreign,
    #[error("phone number is not a mobile number")]
    NotMobile,
    /// `found` counts the digits as written locally, leading 0 included.
    #[error("mobile number has {found} digits, expected 10-13")]
    WrongLength { found: usize },
}

impl PhoneError {
    /// Explanation for the verifier and the applicant, in Indonesian.
    pub fn keterangan(&self) -> String {
        match self {
            PhoneError::Empty => "Nomor HP tidak diisi".to_string(),
            PhoneError::InvalidCharacter { character } => {
                format!("Nomor HP mengandung karakter '{character}' yang bukan angka")
            }
            PhoneError::Foreign => {
                "Nomor HP bukan nomor Indonesia (kode negara harus +62)".to_string()
            }
            PhoneError::NotMobile => {
                "Nomor yang tertulis bukan nomor HP (seharusnya diawali 08 atau +628); nomor telepon kantor/rumah tidak dapat dipakai".to_string()
            }
            PhoneError::WrongLength { found } => format!(
                "Nomor HP harus 10 sampai 13 digit (diawali 08), tertulis {found} digit"
            ),
        }
    }
}

/// An Indonesian mobile number, stored as "+628…".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts 0812-3456-7890, 0812 3456 7890, (0812) 34567890, +62 812 3456 7890,
    /// +62-812-3456-7890, 62812…, 0062812…, and the common slip +62 0812… / +62 (0) 812….
    pub fn parse(s: &str) -> Result<Phone, PhoneError> {
        let mut digits = String::new();
        let mut plus = false;
        for c in s.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if digits.is_empty() && !plus => plus = true,
                '-' | '.' | '(' | ')' => {}
                c if c.is_whitespace() => {}
                character => return Err(PhoneError::InvalidCharacter { character }),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        let after_country = if plus {
            digits.strip_prefix("62").ok_or(PhoneError::Foreign)?
        } else if let Some(rest) = digits.strip_prefix("0062") {
            rest
        } else if digits.starts_with("00") {
            return Err(PhoneError::Foreign);
        } else if let Some(rest) = digits.strip_prefix("62") {
            rest
        } else {
            // A local number has the trunk 0; "812…" without it is still clearly a mobile.
            digits.strip_prefix('0').unwrap_or(&digits)
        };
        // "+62 0812…" keeps the trunk 0 after the country code.
        let national = after_country.strip_prefix('0').unwrap_or(after_country);
        let mut chars = national.chars();
        // 080x numbers are toll-free lines, not mobiles.
        if chars.next() != Some('8') || matches!(chars.next(), Some('0') | None) {
            return Err(PhoneError::NotMobile);
        }
        if !NATIONAL_DIGITS.contains(&national.len()) {
            return Err(PhoneError::WrongLength {
                found: national.len() + 1,
            });
        }
        Ok(Phone(format!("+62{national}")))
    }

    /// "+6281234567890".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "081234567890", as people dial and write it locally.
    pub fn local(&self) -> String {
        format!("0{}", &self.0[3..])
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Phone {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl FromStr for Phone {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Phone::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NORMAL: &str = "+6281234567890";

    #[test]
    fn accepts_every_written_form() {
        for written in [
            "0812-3456-7890",
            "0812 3456 7890",
            "(0812) 34567890",
            "+62 812 3456 7890",
            "+62-812-3456-7890",
            "6281234567890",
            "006281234567890",
            "+62 0812 3456 7890",
            "+62 (0) 812-3456-7890",
            "0812.3456.7890",
            "812 3456 7890",
            "\u{a0}081234567890 ",
        ] {
            let phone = Phone::parse(written).unwrap_or_else(|e| panic!("{written}: {e}"));
            assert_eq!(phone.as_str(), NORMAL, "{written}");
        }
    }

    #[test]
    fn local_form_and_traits() {
        let phone: Phone = "0812-3456-7890".parse().unwrap();
        assert_eq!(phone.local(), "081234567890");
        assert_eq!(phone.to_string(), NORMAL);
        assert_eq!(
            serde_json::to_string(&phone).unwrap(),
            format!("\"{NORMAL}\"")
        );
    }

    #[test]
    fn shortest_and_longest() {
        assert_eq!(Phone::parse("0812345678").unwrap().as_str(), "+62812345678");
        assert_eq!(
            Phone::parse("0812345678901").unwrap().as_str(),
            "+62812345678901"
        );
    }

    fn err(s: &str) -> PhoneError {
        Phone::parse(s).unwrap_err()
    }

    #[test]
    fn empty() {
        assert_eq!(err(""), PhoneError::Empty);
        assert_eq!(err(" - "), PhoneError::Empty);
        assert_eq!(err("").keterangan(), "Nomor HP tidak diisi");
    }

    #[test]
    fn invalid_character() {
        assert_eq!(
            err("0812-3456-7890 (WA)"),
            PhoneError::InvalidCharacter { character: 'W' }
        );
        assert_eq!(
            err("0812/3456/7890"),
            PhoneError::InvalidCharacter { character: '/' }
        );
        assert!(err("0812x").keterangan().contains("'x'"));
    }

    #[test]
    fn foreign() {
        assert_eq!(err("+60 12-345 6789"), PhoneError::Foreign);
        assert_eq!(err("0060123456789"), PhoneError::Foreign);
        assert!(err("+1 415 555 0100").keterangan().contains("+62"));
    }

    #[test]
    fn not_mobile() {
        // Gorontalo landline, area code 0435.
        assert_eq!(err("(0435) 881234"), PhoneError::NotMobile);
        assert_eq!(err("+62 435 881234"), PhoneError::NotMobile);
        assert_eq!(err("0800-1234-567"), PhoneError::NotMobile);
        assert_eq!(err("08"), PhoneError::NotMobile);
        assert!(err("(0435) 881234").keterangan().contains("bukan nomor HP"));
    }

    #[test]
    fn wrong_length() {
        assert_eq!(err("0812-3456"), PhoneError::WrongLength { found: 8 });
        assert_eq!(
            err("0812-3456-7890-12"),
            PhoneError::WrongLength { found: 14 }
        );
        assert_eq!(
            err("+62 812 3456").keterangan(),
            "Nomor HP harus 10 sampai 13 digit (diawali 08), tertulis 8 digit"
        );
    }

    #[test]
    fn error_messages_are_lowercase_english() {
        for s in ["", "0812x", "+1 415", "0435881234", "0812"] {
            let msg = err(s).to_string();
            assert!(msg.starts_with(|c: char| c.is_ascii_lowercase()), "{msg}");
        }
    }

    /// The digits after +62: 8, an operator digit 1-9, then 7 to 10 more.
    fn national() -> impl Strategy<Value = String> {
        (1u8..=9, proptest::collection::vec(0u8..=9, 7..=10)).prop_map(|(op, rest)| {
            let mut s = format!("8{op}");
            s.extend(rest.iter().map(|d| char::from(b'0' + d)));
            s
        })
    }

    /// `national` written the ways applicants write it.
    fn written(national: &str, style: usize) -> String {
        let local = format!("0{national}");
        let (head, tail) = local.split_at(4);
        let (mid, end) = tail.split_at(4);
        match style {
            0 => local.clone(),
            1 => format!("{head}-{mid}-{end}"),
            2 => format!("{head} {mid} {end}"),
            3 => format!("({head}) {tail}"),
            4 => format!("+62 {} {mid} {end}", &head[1..]),
            5 => format!("+62-{}-{mid}-{end}", &head[1..]),
            6 => format!("62{national}"),
            7 => format!("0062{national}"),
            8 => format!("+62{national}"),
            9 => format!("+62 {head} {mid} {end}"),
            _ => format!("{head}.{mid}.{end}"),
        }
    }

    proptest! {
        #[test]
        fn every_written_form_normalises_the_same(national in national(), style in 0usize..11) {
            let phone = Phone::parse(&written(&national, style)).unwrap();
            prop_assert_eq!(phone.as_str(), format!("+62{national}"));
            prop_assert_eq!(phone.local(), format!("0{national}"));
        }
    }
}
