//! Typed applicant values parsed at the edge: NIK, NIP, phone, email address, names.

pub mod email;
pub mod fields;
pub mod name;
pub mod nik;
pub mod nip;
pub mod phone;

pub use email::{EmailAddress, EmailError};
pub use fields::{ApplicantFields, Field};
pub use name::{NameMatch, name_distance, names_match, normalize_name};
pub use nik::{Nik, NikError, province_name, regency_name};
pub use nip::{Nip, NipError, NipKind};
pub use phone::{Phone, PhoneError};

/// Sex as encoded in a NIK (day + 40) or a NIP (digit 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// The wording printed on a KTP ("Jenis Kelamin"), so KTP OCR text can be compared directly.
    pub fn label_id(self) -> &'static str {
        match self {
            Sex::Male => "LAKI-LAKI",
            Sex::Female => "PEREMPUAN",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Sex;

    #[test]
    fn label_id_matches_ktp_wording() {
        assert_eq!(Sex::Male.label_id(), "LAKI-LAKI");
        assert_eq!(Sex::Female.label_id(), "PEREMPUAN");
    }

    #[test]
    fn sex_serializes_snake_case() {
        let json = serde_json::to_string(&Sex::Female).unwrap();
        assert_eq!(json, "\"female\"");
        let back: Sex = serde_json::from_str("\"male\"").unwrap();
        assert_eq!(back, Sex::Male);
    }
}
