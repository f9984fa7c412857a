//! Whose signature gives a letter its authority: the trust anchors, the timestamp
//! authorities' anchors, and the Kadis's certificate as `[signing] signer` names it.

use super::signer::{common_name, subject_strings};
use super::verdict::*;
use crate::config::{SignerSpec, Signing};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

/// What a signed letter is checked against, loaded once from `[signing]`.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The CAs the Kadis's certificate (and every other signer's) must chain to.
    pub anchors: TrustAnchors,
    /// Further CAs a timestamp authority may chain to (besides `anchors`).
    pub tsa_anchors: TrustAnchors,
    /// The Kadis's certificate; none refuses every signed letter.
    pub signer: Option<SignerRule>,
}

impl Policy {
    /// Loads the anchors' files and takes the signer as configured.
    pub fn from_config(signing: &Signing) -> Result<Policy, SignatureError> {
        Ok(Policy {
            anchors: TrustAnchors::from_pem_files(&signing.trust_anchors)?,
            tsa_anchors: TrustAnchors::from_pem_files(&signing.tsa_anchors)?,
            signer: signing.signer.as_ref().map(SignerRule::from_spec),
        })
    }

    /// Anchors only, with no signer named: every letter is refused until one is.
    pub fn untrusting() -> Policy {
        Policy {
            anchors: TrustAnchors { certs: Vec::new() },
            tsa_anchors: TrustAnchors { certs: Vec::new() },
            signer: None,
        }
    }
}

/// The Kadis's certificate: every attribute given must match (a common name alone can be
/// shared by two people; the office should name the fingerprint or the NIK as well).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerRule {
    common_name: Option<String>,
    email: Option<String>,
    nik: Option<String>,
    sha256: Vec<String>,
}

impl SignerRule {
    pub fn from_spec(spec: &SignerSpec) -> SignerRule {
        let folded = |s: &Option<String>| s.as_ref().map(|s| fold(s));
        SignerRule {
            common_name: folded(&spec.common_name),
            email: folded(&spec.email),
            nik: spec
                .nik
                .as_ref()
                .map(|n| n.chars().filter(char::is_ascii_digit).collect()),
            sha256: spec
                .sha256
                .iter()
                .map(|f| {
                    f.chars()
                        .filter(char::is_ascii_hexdigit)
                        .collect::<String>()
                        .to_ascii_lowercase()
                })
                .collect(),
        }
    }

    /// How the office names the signer, for the refusal ("Kadis (CN …)").
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(cn) = &self.common_name {
            parts.push(format!("nama {cn}"));
        }
        if let Some(email) = &self.email {
            parts.push(format!("surel {email}"));
        }
        if let Some(nik) = &self.nik {
            parts.push(format!("NIK berakhiran {}", tail(nik)));
        }
        if !self.sha256.is_empty() {
            parts.push("sidik jari sertifikat yang ditetapkan".to_string());
        }
        parts.join(", ")
    }

    pub(super) fn matches(&self, cert: &Certificate) -> bool {
        let strings = subject_strings(cert);
        let has = |wanted: &str| strings.iter().any(|s| fold(s) == wanted);
        let cn_ok = self.common_name.as_deref().is_none_or(|wanted| {
            common_name(&cert.tbs_certificate.subject).is_some_and(|cn| fold(&cn) == wanted)
        });
        let email_ok = self.email.as_deref().is_none_or(has);
        let nik_ok = self.nik.as_deref().is_none_or(|nik| {
            strings.iter().any(|s| {
                let digits: String = s.chars().filter(char::is_ascii_digit).collect();
                digits == nik
            })
        });
        let fingerprint_ok = self.sha256.is_empty() || {
            use der::Encode;
            let der = cert.to_der().unwrap_or_default();
            let own = hex::encode(Sha256::digest(&der));
            self.sha256.contains(&own)
        };
        let anything = self.common_name.is_some()
            || self.email.is_some()
            || self.nik.is_some()
            || !self.sha256.is_empty();
        anything && cn_ok && email_ok && nik_ok && fingerprint_ok
    }
}

/// Case and spacing do not tell two certificates apart; BSrE writes names in capitals.
fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The last four characters: enough for staff to tell which NIK, never the whole (UU PDP).
fn tail(nik: &str) -> String {
    let n = nik.chars().count();
    nik.chars().skip(n.saturating_sub(4)).collect()
}
