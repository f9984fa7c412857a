//! Sex as a NIK and a NIP encode it.

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
