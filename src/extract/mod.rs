//! Field extraction: the body's form fields, and typed fields read from KTP and SK text.

pub mod body;
pub mod fields;
pub mod ktp;
pub mod sk;

pub use fields::Fields;
