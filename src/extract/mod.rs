//! Field extraction: the body's form fields, and typed fields read from KTP and SK text.

pub mod body;
pub mod fields;
pub mod ktp;
pub mod sk;

pub use fields::Fields;

use crate::classify::{Basis, DocKind};
use crate::parse::FileType;
use crate::text::{Source, Unreadable};

/// One attachment as the pipeline saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub filename: String,
    pub kind: DocKind,
    pub basis: Basis,
    pub file_type: FileType,
    pub source: Option<Source>,
    pub fields: Fields,
    pub unreadable: Option<Unreadable>,
}
