//! BSrE's eSign API v2, as the office's gateway serves it: signing a PDF with the Kadis's
//! certificate (step 5) and asking how an applicant's certificate stands (step 11). Behind the
//! [`Bsre`] trait; [`http::HttpBsre`] talks to the real thing.

pub mod http;

use std::future::Future;
use std::pin::Pin;

use zeroize::Zeroizing;

use crate::applicant::Nik;

/// A BSrE call in flight.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T, BsreError>> + Send + 'a>>;

pub trait Bsre: Send + Sync {
    /// `POST /api/v2/sign/pdf`: the signed PDF as BSrE returns it.
    fn sign_pdf<'a>(&'a self, request: &'a SignRequest<'a>) -> Pending<'a, Vec<u8>>;

    /// `POST /api/v2/user/check/status` for one NIK.
    fn check_status<'a>(&'a self, nik: &'a Nik) -> Pending<'a, CertStatus>;
}

/// The Kadis's passphrase for one signing: wiped from memory when dropped, never printed.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    pub fn new(text: Zeroizing<String>) -> Passphrase {
        Passphrase(text)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(***)")
    }
}

/// Where on the letter the visible signature goes, in PDF points from the page's lower left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// 1 for the first page.
    pub page: u32,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

pub struct SignRequest<'a> {
    pub nik: &'a Nik,
    pub passphrase: &'a Passphrase,
    pub pdf: &'a [u8],
    /// The visible stamp (PNG) and its place; `None` signs invisibly.
    pub stamp: Option<(&'a [u8], Placement)>,
    pub location: &'a str,
    pub reason: &'a str,
}

/// How BSrE says an applicant's certificate stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertStatus {
    /// Issued and active.
    Issue,
    NotRegistered,
    Expired,
    Revoke,
    Suspend,
    /// Any other status BSrE gives (registration under way, waiting for a passphrase, …).
    Other(String),
}

impl CertStatus {
    pub fn parse(status: &str) -> CertStatus {
        match status.trim().to_ascii_uppercase().as_str() {
            "ISSUE" => CertStatus::Issue,
            "NOT_REGISTERED" => CertStatus::NotRegistered,
            "EXPIRED" => CertStatus::Expired,
            "REVOKE" | "REVOKED" => CertStatus::Revoke,
            "SUSPEND" | "SUSPENDED" => CertStatus::Suspend,
            other => CertStatus::Other(other.to_string()),
        }
    }

    /// What it means for the verifier, in Indonesian.
    pub fn keterangan(&self) -> String {
        match self {
            CertStatus::Issue => "sertifikat aktif (ISSUE)".into(),
            CertStatus::NotRegistered => "belum terdaftar di BSrE (NOT_REGISTERED)".into(),
            CertStatus::Expired => "sertifikat kedaluwarsa (EXPIRED)".into(),
            CertStatus::Revoke => "sertifikat dicabut (REVOKE)".into(),
            CertStatus::Suspend => "sertifikat dibekukan (SUSPEND)".into(),
            CertStatus::Other(s) => format!("status BSrE {s}"),
        }
    }

    /// A status the verifier must look at: the certificate cannot be used.
    pub fn is_alarm(&self) -> bool {
        matches!(
            self,
            CertStatus::Expired | CertStatus::Revoke | CertStatus::Suspend
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BsreError {
    /// BSrE says the passphrase is wrong.
    #[error("wrong passphrase (http {status})")]
    WrongPassphrase { status: u16, message: String },
    /// BSrE answered and refused (user not registered, certificate not active, …).
    #[error("refused (http {status}): {message}")]
    Refused { status: u16, message: String },
    /// BSrE could not be reached, or did not answer in time.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// BSrE answered something that is not its API's shape.
    #[error("unexpected answer (http {status}): {message}")]
    Protocol { status: u16, message: String },
    #[error("settings: {0}")]
    Settings(String),
}

impl BsreError {
    /// The HTTP status BSrE answered with, when it answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            BsreError::WrongPassphrase { status, .. }
            | BsreError::Refused { status, .. }
            | BsreError::Protocol { status, .. } => Some(*status),
            BsreError::Unreachable(_) | BsreError::Settings(_) => None,
        }
    }

    /// For the Kadis and the verifier, in Indonesian.
    pub fn keterangan(&self) -> String {
        match self {
            BsreError::WrongPassphrase { .. } => {
                "Passphrase salah. Surat belum ditandatangani; periksa passphrase lalu coba lagi \
                 (BSrE mengunci akun setelah beberapa kali salah)."
                    .into()
            }
            BsreError::Refused { message, .. } => {
                format!("BSrE menolak permintaan: {message}")
            }
            BsreError::Unreachable(_) => {
                "Layanan BSrE tidak dapat dihubungi saat ini; tidak ada yang berubah. Coba lagi \
                 nanti."
                    .into()
            }
            BsreError::Protocol { .. } => {
                "Jawaban BSrE tidak dapat dibaca; tidak ada yang berubah. Hubungi admin.".into()
            }
            BsreError::Settings(_) => {
                "Pengaturan [bsre] tidak dapat dipakai; hubungi admin.".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_as_bsre_writes_them() {
        assert_eq!(CertStatus::parse("ISSUE"), CertStatus::Issue);
        assert_eq!(CertStatus::parse(" issue "), CertStatus::Issue);
        assert_eq!(CertStatus::parse("REVOKE"), CertStatus::Revoke);
        assert!(CertStatus::parse("SUSPEND").is_alarm());
        assert!(!CertStatus::parse("NOT_REGISTERED").is_alarm());
        assert_eq!(
            CertStatus::parse("WAITING_FOR_VERIFICATION"),
            CertStatus::Other("WAITING_FOR_VERIFICATION".into())
        );
    }

    #[test]
    fn a_passphrase_never_prints() {
        let p = Passphrase::new(Zeroizing::new("rahasia".to_string()));
        assert_eq!(format!("{p:?}"), "Passphrase(***)");
        assert_eq!(p.expose(), "rahasia");
    }
}
