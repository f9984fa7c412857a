//! Revocation from what the file carries: OCSP answers and CRLs in the DSS or archived in the
//! CMS (`adbe-revocationInfoArchival`), each checked against its issuer. No network fetch: a
//! certificate without embedded data counts as not revoked (an office may add a fetch later).

use super::signer::*;
use super::verdict::*;
use chrono::{DateTime, Utc};
use cms::signed_data::{SignedData, SignerInfo};
use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_ocsp::{BasicOcspResponse, CertStatus, OcspResponse, OcspResponseStatus};

/// adbe-revocationInfoArchival: the signed attribute Adobe-style signers put OCSP and CRL in.
const OID_REVOCATION_ARCHIVAL: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113583.1.1.8");

const OID_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");

const OID_KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");

const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

#[derive(der::Sequence)]
struct RevocationInfoArchival {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    crl: Option<Vec<CertificateList>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    ocsp: Option<Vec<OcspResponse>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    other: Option<der::Any>,
}

/// Certificates, OCSP answers and CRLs the file carries for validation.
#[derive(Debug, Clone, Default)]
pub(super) struct Evidence {
    pub(super) certs: Vec<Certificate>,
    ocsps: Vec<BasicOcspResponse>,
    crls: Vec<CertificateList>,
}

impl Evidence {
    /// The catalog's /DSS: /Certs, /OCSPs and /CRLs, each an array of streams of DER.
    pub(super) fn from_dss(doc: &lopdf::Document) -> Evidence {
        let mut evidence = Evidence::default();
        let Some(dss) = doc
            .catalog()
            .ok()
            .and_then(|c| c.get(b"DSS").ok())
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok())
        else {
            return evidence;
        };
        let streams = |key: &[u8]| -> Vec<Vec<u8>> {
            let Some(items) = dss
                .get(key)
                .ok()
                .and_then(|o| doc.dereference(o).ok())
                .and_then(|(_, o)| o.as_array().ok())
            else {
                return Vec::new();
            };
            items
                .iter()
                .filter_map(|item| doc.dereference(item).ok())
                .filter_map(|(_, o)| o.as_stream().ok())
                .map(|s| {
                    s.decompressed_content()
                        .unwrap_or_else(|_| s.content.clone())
                })
                .collect()
        };
        evidence.certs = streams(b"Certs")
            .iter()
            .filter_map(|der| Certificate::from_der(der).ok())
            .collect();
        for der in streams(b"OCSPs") {
            evidence.add_ocsp(&der);
        }
        evidence.crls = streams(b"CRLs")
            .iter()
            .filter_map(|der| CertificateList::from_der(der).ok())
            .collect();
        evidence
    }

    fn add_ocsp(&mut self, der: &[u8]) {
        if let Ok(response) = OcspResponse::from_der(der) {
            self.add_ocsp_response(response);
        }
    }

    fn add_ocsp_response(&mut self, response: OcspResponse) {
        if response.response_status != OcspResponseStatus::Successful {
            return;
        }
        if let Some(bytes) = response.response_bytes
            && bytes.response_type == OID_OCSP_BASIC
            && let Ok(basic) = BasicOcspResponse::from_der(bytes.response.as_bytes())
        {
            self.ocsps.push(basic);
        }
    }

    /// This plus what one CMS carries: its CRLs and its archived revocation attribute.
    pub(super) fn with_cms(&self, signed: &SignedData, signer: &SignerInfo) -> Evidence {
        let mut evidence = self.clone();
        for choice in signed.crls.iter().flat_map(|set| set.0.iter()) {
            if let cms::revocation::RevocationInfoChoice::Crl(crl) = choice {
                evidence.crls.push(crl.clone());
            }
        }
        let archived = signer
            .signed_attrs
            .iter()
            .flat_map(|attrs| attrs.iter())
            .filter(|a| a.oid == OID_REVOCATION_ARCHIVAL)
            .flat_map(|a| a.values.iter())
            .filter_map(|v| v.decode_as::<RevocationInfoArchival>().ok());
        for archive in archived {
            evidence.crls.extend(archive.crl.unwrap_or_default());
            for response in archive.ocsp.unwrap_or_default() {
                evidence.add_ocsp_response(response);
            }
        }
        evidence
    }
}

/// Refuses when an answer signed by the issuer (or its OCSP responder) says a certificate of
/// `chain` was revoked at or before `at`. The anchor at the end is not checked.
pub(super) fn check_revocation(
    chain: &[&Certificate],
    evidence: &Evidence,
    at: DateTime<Utc>,
) -> Result<(), Refusal> {
    for pair in chain.windows(2) {
        let (cert, issuer) = (pair[0], pair[1]);
        let revoked = ocsp_revocation(cert, issuer, evidence)
            .into_iter()
            .map(|t| (t, "OCSP"))
            .chain(crl_revocation(cert, issuer, evidence).map(|t| (t, "CRL")))
            .filter(|(t, _)| *t <= at)
            .min_by_key(|(t, _)| *t);
        if let Some((revoked_at, source)) = revoked {
            let name = &cert.tbs_certificate.subject;
            return Err(Refusal::Revoked {
                subject: common_name(name).unwrap_or_else(|| name.to_string()),
                revoked_at,
                source,
            });
        }
    }
    Ok(())
}

fn ocsp_revocation(
    cert: &Certificate,
    issuer: &Certificate,
    evidence: &Evidence,
) -> Vec<DateTime<Utc>> {
    let mut found = Vec::new();
    for basic in &evidence.ocsps {
        if !ocsp_signed_for(basic, issuer) {
            continue;
        }
        for single in &basic.tbs_response_data.responses {
            if single.cert_id.serial_number != cert.tbs_certificate.serial_number
                || !names_issuer(&single.cert_id, issuer)
            {
                continue;
            }
            if let CertStatus::Revoked(info) = &single.cert_status {
                found.push(to_utc(x509_cert::time::Time::GeneralTime(
                    info.revocation_time.0,
                )));
            }
        }
    }
    found
}

/// Whether the response is signed by `issuer` itself or by a responder it delegated
/// (issued by it, with the OCSPSigning key purpose).
fn ocsp_signed_for(basic: &BasicOcspResponse, issuer: &Certificate) -> bool {
    let tbs = basic.tbs_response_data.to_der().ok();
    let delegated = basic.certs.iter().flatten().filter(|c| {
        issued_by(c, issuer)
            && extension::<ExtendedKeyUsage>(c)
                .is_some_and(|eku| eku.0.contains(&OID_KP_OCSP_SIGNING))
    });
    std::iter::once(issuer).chain(delegated).any(|signer| {
        signed_by(
            &signer.tbs_certificate.subject_public_key_info,
            &basic.signature_algorithm,
            tbs.as_deref(),
            basic.signature.as_bytes(),
        )
    })
}

fn names_issuer(id: &x509_ocsp::CertId, issuer: &Certificate) -> bool {
    let hash = |data: &[u8]| -> Option<Vec<u8>> {
        Some(match id.hash_algorithm.oid {
            OID_SHA1 => Sha1::digest(data).to_vec(),
            OID_SHA256 => Sha256::digest(data).to_vec(),
            OID_SHA384 => Sha384::digest(data).to_vec(),
            OID_SHA512 => Sha512::digest(data).to_vec(),
            _ => return None,
        })
    };
    let name = issuer.tbs_certificate.subject.to_der().unwrap_or_default();
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    hash(&name).is_some_and(|h| h == id.issuer_name_hash.as_bytes())
        && hash(key).is_some_and(|h| h == id.issuer_key_hash.as_bytes())
}

fn crl_revocation(
    cert: &Certificate,
    issuer: &Certificate,
    evidence: &Evidence,
) -> Option<DateTime<Utc>> {
    evidence
        .crls
        .iter()
        .filter(|crl| crl.tbs_cert_list.issuer == issuer.tbs_certificate.subject)
        .filter(|crl| crl_signed_by(crl, issuer))
        .flat_map(|crl| crl.tbs_cert_list.revoked_certificates.iter().flatten())
        .filter(|entry| entry.serial_number == cert.tbs_certificate.serial_number)
        .map(|entry| to_utc(entry.revocation_date))
        .min()
}

fn crl_signed_by(crl: &CertificateList, issuer: &Certificate) -> bool {
    signed_by(
        &issuer.tbs_certificate.subject_public_key_info,
        &crl.signature_algorithm,
        crl.tbs_cert_list.to_der().ok().as_deref(),
        crl.signature.as_bytes(),
    )
}
