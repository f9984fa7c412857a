//! The applicant's eight fields, as one struct and one enum: what the body form gives, what an
//! inspection reports, what a case keeps, what a verifier edits and what a letter fills.

use serde::{Deserialize, Serialize};

use crate::applicant::{EmailAddress, Nik, Nip, Phone};

/// The applicant's fields, each unknown until some source gives it (null when unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantFields {
    pub name: Option<String>,
    pub nik: Option<String>,
    pub nip: Option<String>,
    pub position: Option<String>,
    pub rank: Option<String>,
    pub unit: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl ApplicantFields {
    pub fn get(&self, field: Field) -> Option<&str> {
        self.slot_ref(field).as_deref()
    }

    fn slot_ref(&self, field: Field) -> &Option<String> {
        match field {
            Field::Nama => &self.name,
            Field::Nik => &self.nik,
            Field::Nip => &self.nip,
            Field::Jabatan => &self.position,
            Field::Pangkat => &self.rank,
            Field::Unit => &self.unit,
            Field::Hp => &self.phone,
            Field::Surel => &self.email,
        }
    }

    pub fn slot(&mut self, field: Field) -> &mut Option<String> {
        match field {
            Field::Nama => &mut self.name,
            Field::Nik => &mut self.nik,
            Field::Nip => &mut self.nip,
            Field::Jabatan => &mut self.position,
            Field::Pangkat => &mut self.rank,
            Field::Unit => &mut self.unit,
            Field::Hp => &mut self.phone,
            Field::Surel => &mut self.email,
        }
    }

    /// These fields with every field `later` gives replaced by it: a follow-up mail corrects or
    /// completes what the first one said, and says nothing about the rest.
    pub fn overlaid_by(mut self, later: ApplicantFields) -> ApplicantFields {
        let mut later = later;
        for field in Field::ALL {
            if let Some(value) = later.slot(field).take() {
                *self.slot(field) = Some(value);
            }
        }
        self
    }
}

/// One of the applicant's fields, by the key the CLI and the web use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Nama,
    Nik,
    Nip,
    Jabatan,
    Pangkat,
    Unit,
    Hp,
    Surel,
}

impl Field {
    pub const ALL: [Field; 8] = [
        Field::Nama,
        Field::Nik,
        Field::Nip,
        Field::Jabatan,
        Field::Pangkat,
        Field::Unit,
        Field::Hp,
        Field::Surel,
    ];

    /// The key staff type (`sertel ubah TTE-… nama …`) and history events keep.
    pub fn key(self) -> &'static str {
        match self {
            Field::Nama => "nama",
            Field::Nik => "nik",
            Field::Nip => "nip",
            Field::Jabatan => "jabatan",
            Field::Pangkat => "pangkat",
            Field::Unit => "unit",
            Field::Hp => "hp",
            Field::Surel => "surel",
        }
    }

    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key.trim())
    }

    /// Indonesian, as on the case page.
    pub fn label(self) -> &'static str {
        match self {
            Field::Nama => "Nama",
            Field::Nik => "NIK",
            Field::Nip => "NIP",
            Field::Jabatan => "Jabatan",
            Field::Pangkat => "Pangkat/Gol.",
            Field::Unit => "Unit Kerja",
            Field::Hp => "No. HP",
            Field::Surel => "Surel",
        }
    }

    /// The name written between braces in the letter template (`{unit_kerja}`).
    pub fn template_key(self) -> &'static str {
        match self {
            Field::Nama => "nama",
            Field::Nik => "nik",
            Field::Nip => "nip",
            Field::Jabatan => "jabatan",
            Field::Pangkat => "pangkat",
            Field::Unit => "unit_kerja",
            Field::Hp => "no_hp",
            Field::Surel => "email",
        }
    }

    pub fn from_template_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.template_key() == key)
    }

    /// The value in its canonical form, or why it is not one (Indonesian).
    pub fn normalize(self, value: &str) -> Result<String, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("{} tidak boleh kosong.", self.label()));
        }
        match self {
            Field::Nik => Nik::parse(value)
                .map(|n| n.as_str().to_string())
                .map_err(|e| e.keterangan()),
            Field::Nip => Nip::parse(value)
                .map(|n| n.as_str().to_string())
                .map_err(|e| e.keterangan()),
            Field::Hp => Phone::parse(value)
                .map(|p| p.as_str().to_string())
                .map_err(|e| e.keterangan()),
            Field::Surel => EmailAddress::parse(value)
                .map(|e| e.as_str().to_string())
                .map_err(|e| e.keterangan()),
            Field::Nama | Field::Jabatan | Field::Pangkat | Field::Unit => {
                if value.chars().count() > TEXT_FIELD_LIMIT {
                    return Err(format!(
                        "{} paling panjang {TEXT_FIELD_LIMIT} karakter.",
                        self.label()
                    ));
                }
                // Control and bidirectional characters would make a letter say one thing and
                // show another.
                if value.chars().any(|c| c.is_control() || is_bidi_control(c)) {
                    return Err(format!(
                        "{} memuat karakter kendali yang tidak diizinkan.",
                        self.label()
                    ));
                }
                Ok(value.split_whitespace().collect::<Vec<_>>().join(" "))
            }
        }
    }

    /// The field's name as a letter's data errors give it to staff.
    pub fn letter_label(self) -> &'static str {
        match self {
            Field::Pangkat => "Pangkat/Golongan",
            Field::Surel => "Email dinas",
            other => other.label(),
        }
    }
}

/// Longest name, position, rank or unit: the longest unit names of a Pemerintah Kabupaten
/// are under 120 characters.
const TEXT_FIELD_LIMIT: usize = 200;

/// Unicode's bidirectional embedding, override, isolate and mark characters.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct_and_read_back() {
        for f in Field::ALL {
            assert_eq!(Field::from_key(f.key()), Some(f));
            assert_eq!(Field::from_template_key(f.template_key()), Some(f));
        }
        assert_eq!(Field::from_key(" hp "), Some(Field::Hp));
        assert_eq!(Field::from_key("no_hp"), None);
    }

    #[test]
    fn overlay_keeps_what_the_later_form_leaves_out() {
        let first = ApplicantFields {
            name: Some("Rina".into()),
            phone: Some("0812".into()),
            ..Default::default()
        };
        let later = ApplicantFields {
            phone: Some("0813".into()),
            unit: Some("Diskominfo".into()),
            ..Default::default()
        };
        let both = first.overlaid_by(later);
        assert_eq!(both.name.as_deref(), Some("Rina"));
        assert_eq!(both.get(Field::Hp), Some("0813"));
        assert_eq!(both.get(Field::Unit), Some("Diskominfo"));
    }

    #[test]
    fn a_text_field_refuses_floods_and_disguises() {
        assert_eq!(
            Field::Unit.normalize("  Dinas   Kesehatan ").as_deref(),
            Ok("Dinas Kesehatan")
        );
        assert!(Field::Nama.normalize(&"a".repeat(1_500_000)).is_err());
        assert!(Field::Nama.normalize("Rina\u{202e}anіR").is_err());
        assert!(Field::Jabatan.normalize("Analis\u{0007}").is_err());
        assert!(Field::Nama.normalize(&"a".repeat(TEXT_FIELD_LIMIT)).is_ok());
    }
}
