//! Typed applicant values parsed at the edge: NIK, NIP, phone, email address, names.

pub mod email;
pub mod fields;
pub mod name;
pub mod nik;
pub mod nip;
pub mod phone;
pub mod sex;

pub use email::{EmailAddress, EmailError};
pub use fields::{ApplicantFields, Field};
pub use name::{NameMatch, is_cut_short, name_distance, names_match, normalize_name};
pub use nik::{Nik, NikError, printed_region, province_name, regency_name};
pub use nip::{Nip, NipError, NipKind};
pub use phone::{Phone, PhoneError};
pub use sex::Sex;

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
