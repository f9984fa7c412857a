//! What a signature check answers: the trust anchors it checks against, the signer it found,
//! and the verdict or the refusal in words for the verifier.

use chrono::{DateTime, Utc};
use der::Decode;
use std::fmt;
use std::path::PathBuf;
use x509_cert::Certificate;

/// Why the trust anchors could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("cannot read trust anchor {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("trust anchor {origin} is not a PEM or DER certificate: {source}")]
    Certificate { origin: String, source: der::Error },
    #[error("trust anchor {origin} holds no certificate")]
    Empty { origin: String },
}

/// The CA certificates the office trusts: the BSrE root in production, a test CA in tests.
#[derive(Debug, Clone)]
pub struct TrustAnchors {
    pub(super) certs: Vec<Certificate>,
}

impl TrustAnchors {
    /// Every certificate in the given files (PEM, possibly several per file, or one DER). No
    /// files give no anchors, and then every signature is refused as untrusted.
    pub fn from_pem_files(paths: &[PathBuf]) -> Result<TrustAnchors, SignatureError> {
        let mut certs = Vec::new();
        for path in paths {
            let bytes = std::fs::read(path).map_err(|source| SignatureError::Read {
                path: path.clone(),
                source,
            })?;
            certs.extend(parse_anchor_file(&bytes, &path.display().to_string())?);
        }
        Ok(TrustAnchors { certs })
    }

    /// Every certificate in one PEM (or DER) blob; `origin` names it in errors.
    pub fn from_pem(bytes: &[u8], origin: &str) -> Result<TrustAnchors, SignatureError> {
        Ok(TrustAnchors {
            certs: parse_anchor_file(bytes, origin)?,
        })
    }

    /// Subjects of the anchors, RFC 4514, for logs and `sertel` diagnostics.
    pub fn subjects(&self) -> Vec<String> {
        self.certs
            .iter()
            .map(|c| c.tbs_certificate.subject.to_string())
            .collect()
    }
}

pub(super) fn parse_anchor_file(
    bytes: &[u8],
    origin: &str,
) -> Result<Vec<Certificate>, SignatureError> {
    // A .cer from a CA's website is often plain DER.
    let certs = if bytes.first() == Some(&0x30) {
        Certificate::from_der(bytes).map(|cert| vec![cert])
    } else {
        Certificate::load_pem_chain(bytes)
    }
    .map_err(|source| SignatureError::Certificate {
        origin: origin.to_string(),
        source,
    })?;
    if certs.is_empty() {
        return Err(SignatureError::Empty {
            origin: origin.to_string(),
        });
    }
    Ok(certs)
}

/// What a valid signed PDF tells about the Kadis's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInfo {
    /// Common name of the signer certificate's subject.
    pub signer_name: String,
    /// Full subject of the signer certificate, RFC 4514.
    pub signer_subject: String,
    /// Subject of the certificate that issued the signer's.
    pub issuer_subject: String,
    /// Serial number of the signer certificate, hex.
    pub signer_serial: String,
    /// The signingTime signed attribute, or else the signature dictionary's /M (PAdES
    /// signers put the time there instead).
    pub signing_time: Option<DateTime<Utc>>,
    /// Digest algorithm of the signature, e.g. "SHA-256".
    pub digest: &'static str,
    /// The time a verified RFC 3161 signature timestamp certifies.
    pub timestamp: Option<DateTime<Utc>>,
    /// Where the Kadis's signed revision ends: the bytes the signature covers (its /Contents
    /// excepted).
    pub covered_len: usize,
    /// Signatures in the file (document timestamps apart), all verified.
    pub signatures: usize,
    /// Document timestamps in the file, all verified.
    pub document_timestamps: usize,
    /// Revisions after the Kadis's signature (signatures, timestamps, validation data only).
    pub later_revisions: usize,
    /// Other signers: information, never the letter's authority.
    pub other_signers: Vec<String>,
}

impl SignedInfo {
    /// The signed revision: what the signer signed, for reading its text.
    pub fn signed_revision<'a>(&self, pdf: &'a [u8]) -> &'a [u8] {
        &pdf[..self.covered_len.min(pdf.len())]
    }
}

/// When a certificate was checked against its validity period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// The signingTime the signer claims.
    Signing,
    /// The `now` the check ran at.
    Check,
}

impl Moment {
    pub(super) fn kata(self) -> &'static str {
        match self {
            Moment::Signing => "saat penandatanganan",
            Moment::Check => "saat pemeriksaan",
        }
    }
}

/// Why a PDF is not accepted as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No signature at all.
    NotSigned,
    /// The last signature leaves part of the file out (bytes appended after signing, gaps,
    /// or an excluded part that is not the signature's own /Contents).
    NotWholeFile { covered: usize, len: usize },
    /// The messageDigest does not match the covered bytes: the file changed after signing.
    ContentChanged,
    /// The signature value does not verify with the signer's public key.
    SignatureInvalid,
    /// The signer certificate does not chain to a trust anchor.
    UntrustedSigner { issuer: String },
    /// A certificate of the chain had expired at the given moment.
    CertificateExpired {
        subject: String,
        not_after: DateTime<Utc>,
        moment: Moment,
    },
    /// A certificate of the chain was not yet valid at the given moment.
    CertificateNotYetValid {
        subject: String,
        not_before: DateTime<Utc>,
        moment: Moment,
    },
    /// No `[signing] signer` is configured: nobody's signature gives a letter authority.
    NoSignerConfigured,
    /// No signature is by the configured signer; `found` names who did sign.
    WrongSigner { wanted: String, found: Vec<String> },
    /// A revision after the Kadis's signature changes something other than signatures,
    /// timestamps and validation data; `what` names it in Indonesian.
    ChangedAfterSigning { revision: usize, what: String },
    /// A certificate of the chain was revoked before the (trusted) signing time.
    Revoked {
        subject: String,
        revoked_at: DateTime<Utc>,
        source: &'static str,
    },
    /// A timestamp token does not verify (what, in Indonesian).
    Timestamp { what: String },
    /// The signer's certificate may not sign documents (its key usage is for other things).
    NotForSigning { subject: String },
    /// A well-formed signature of a kind this desk does not check (what, in Indonesian).
    Unsupported { what: &'static str },
    /// The file or its signature cannot be read (what, in Indonesian).
    Malformed { what: &'static str },
}

impl Refusal {
    /// The reason, in Indonesian, for the reply to the Kadis or the verifier.
    pub fn keterangan(&self) -> String {
        match self {
            Refusal::NotSigned => "Berkas PDF tidak memuat tanda tangan elektronik. Mohon \
                tandatangani surat dengan BSrE eSign, lalu kirim kembali berkas hasil \
                penandatanganan."
                .to_string(),
            Refusal::NotWholeFile { covered, len } => format!(
                "Tanda tangan elektronik tidak mencakup seluruh berkas (yang ditandatangani \
                 {covered} dari {len} bita): ada bagian yang ditambahkan atau diubah di luar \
                 tanda tangan. Mohon kirim berkas persis seperti hasil BSrE eSign."
            ),
            Refusal::ContentChanged => "Isi berkas berubah setelah ditandatangani, sehingga \
                tidak lagi sama dengan yang ditandatangani. Mohon kirim berkas asli hasil \
                BSrE eSign."
                .to_string(),
            Refusal::SignatureInvalid => "Tanda tangan elektronik tidak sah: nilai tanda \
                tangan tidak cocok dengan sertifikat penandatangan."
                .to_string(),
            Refusal::UntrustedSigner { issuer } => format!(
                "Sertifikat penandatangan tidak diterbitkan oleh penyelenggara sertifikasi \
                 elektronik yang dipercaya (BSrE). Penerbitnya: {issuer}."
            ),
            Refusal::CertificateExpired {
                subject,
                not_after,
                moment,
            } => format!(
                "Sertifikat elektronik {subject} sudah tidak berlaku {} (berlaku sampai {}).",
                moment.kata(),
                not_after.format("%d-%m-%Y %H:%M UTC")
            ),
            Refusal::CertificateNotYetValid {
                subject,
                not_before,
                moment,
            } => format!(
                "Sertifikat elektronik {subject} belum berlaku {} (berlaku mulai {}).",
                moment.kata(),
                not_before.format("%d-%m-%Y %H:%M UTC")
            ),
            Refusal::NoSignerConfigured => "Penandatangan surat rekomendasi belum ditetapkan \
                di konfigurasi sertel (bagian [signing.signer]: nama, surel, NIK atau sidik jari \
                sertifikat Kadis), sehingga tidak ada tanda tangan yang dapat diterima. Mohon \
                hubungi pengelola sertel."
                .to_string(),
            Refusal::WrongSigner { wanted, found } => format!(
                "Surat tidak ditandatangani oleh Kadis ({wanted}). Tanda tangan pada berkas \
                 dari: {}. Tanda tangan orang lain tidak dapat menggantikan tanda tangan Kadis.",
                if found.is_empty() {
                    "tidak ada".to_string()
                } else {
                    found.join(", ")
                }
            ),
            Refusal::ChangedAfterSigning { revision, what } => format!(
                "Berkas diubah setelah ditandatangani Kadis: revisi ke-{revision} sesudah tanda \
                 tangan mengubah {what}. Setelah penandatanganan hanya boleh ditambahkan tanda \
                 tangan, cap waktu dan data validasi. Mohon kirim berkas persis seperti hasil \
                 BSrE eSign."
            ),
            Refusal::Revoked {
                subject,
                revoked_at,
                source,
            } => format!(
                "Sertifikat elektronik {subject} telah dicabut pada {} (menurut data {source} \
                 dalam berkas), sebelum waktu penandatanganan yang dapat dipastikan.",
                revoked_at.format("%d-%m-%Y %H:%M UTC")
            ),
            Refusal::Timestamp { what } => {
                format!("Cap waktu (timestamp) pada berkas tidak sah: {what}")
            }
            Refusal::NotForSigning { subject } => format!(
                "Sertifikat elektronik {subject} tidak diperuntukkan bagi tanda tangan \
                 (penggunaan kuncinya bukan digitalSignature atau nonRepudiation)."
            ),
            Refusal::Unsupported { what } => {
                format!("Jenis tanda tangan elektronik ini belum dapat diperiksa: {what}.")
            }
            Refusal::Malformed { what } => {
                format!("Tanda tangan elektronik pada berkas rusak atau tidak terbaca: {what}.")
            }
        }
    }
}

/// The outcome of checking a PDF's signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid(SignedInfo),
    Refused(Refusal),
}

impl Verdict {
    /// The sentence for the reply, in Indonesian.
    pub fn keterangan(&self) -> String {
        match self {
            Verdict::Valid(info) => {
                let mut text = format!(
                    "Tanda tangan elektronik sah, ditandatangani oleh {}",
                    info.signer_name
                );
                if let Some(at) = info.timestamp {
                    text.push_str(&format!(" (cap waktu {})", at.format("%d-%m-%Y %H:%M UTC")));
                }
                text.push('.');
                if !info.other_signers.is_empty() {
                    text.push_str(&format!(
                        " Tanda tangan lain pada berkas (sebagai keterangan): {}.",
                        info.other_signers.join(", ")
                    ));
                }
                text
            }
            Verdict::Refused(refusal) => refusal.keterangan(),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.keterangan())
    }
}
