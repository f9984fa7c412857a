//! The CMS side: the SignedData's signed attributes, digest and signature, the signer's
//! certificate chain to a trust anchor, and its validity at the signing time.

use super::pdf::*;
use super::verdict::*;
use chrono::{DateTime, Utc};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedAttributes, SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::oid::AssociatedOid;
use der::{Decode, Encode, Tag, Tagged};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs1::{DecodeRsaPublicKey, RsaPssParams};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, Pss, RsaPublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, KeyUsage, KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::time::Time;

/// Intermediates a chain may pass through before reaching an anchor; real PKIs use one or two.
pub(super) const MAX_CHAIN: usize = 8;

pub(super) const OID_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

pub(super) const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");

pub(super) const OID_CONTENT_TYPE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");

pub(super) const OID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");

pub(super) const OID_SIGNING_TIME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");

pub(super) const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

pub(super) const OID_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

pub(super) const OID_SHA384: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");

pub(super) const OID_SHA512: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

pub(super) const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

pub(super) const OID_RSA_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

pub(super) const OID_RSA_SHA384: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");

pub(super) const OID_RSA_SHA512: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");

pub(super) const OID_RSA_PSS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
pub(super) const OID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
pub(super) const OID_EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

pub(super) const OID_ECDSA_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

pub(super) const OID_ECDSA_SHA384: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");

pub(super) const OID_ECDSA_SHA512: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DigestAlg {
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlg {
    pub(super) fn from_oid(oid: ObjectIdentifier) -> Option<DigestAlg> {
        match oid {
            OID_SHA256 => Some(DigestAlg::Sha256),
            OID_SHA384 => Some(DigestAlg::Sha384),
            OID_SHA512 => Some(DigestAlg::Sha512),
            _ => None,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            DigestAlg::Sha256 => "SHA-256",
            DigestAlg::Sha384 => "SHA-384",
            DigestAlg::Sha512 => "SHA-512",
        }
    }

    pub(super) fn hash(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut d = D::new();
            for part in parts {
                d.update(part);
            }
            d.finalize().to_vec()
        }
        match self {
            DigestAlg::Sha256 => run::<Sha256>(parts),
            DigestAlg::Sha384 => run::<Sha384>(parts),
            DigestAlg::Sha512 => run::<Sha512>(parts),
        }
    }

    pub(super) fn pss(self, salt_len: usize) -> Pss {
        match self {
            DigestAlg::Sha256 => Pss::new_with_salt::<Sha256>(salt_len),
            DigestAlg::Sha384 => Pss::new_with_salt::<Sha384>(salt_len),
            DigestAlg::Sha512 => Pss::new_with_salt::<Sha512>(salt_len),
        }
    }

    pub(super) fn pkcs1(self) -> Pkcs1v15Sign {
        match self {
            DigestAlg::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
            DigestAlg::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
            DigestAlg::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    Rsa,
    /// RSASSA-PSS with MGF1 over the same digest and the salt length the parameters state.
    RsaPss {
        salt_len: usize,
    },
    Ecdsa,
}

/// The key kind and digest a signature algorithm names; the bare key algorithms (as CMS
/// signers often write them) take the digest from the SignerInfo.
pub(super) fn signature_scheme(
    algorithm: &AlgorithmIdentifierOwned,
    digest: Option<DigestAlg>,
) -> Option<(KeyKind, DigestAlg)> {
    match algorithm.oid {
        OID_RSA_PSS => pss_scheme(algorithm.parameters.as_ref()?),
        OID_RSA => digest.map(|d| (KeyKind::Rsa, d)),
        OID_RSA_SHA256 => Some((KeyKind::Rsa, DigestAlg::Sha256)),
        OID_RSA_SHA384 => Some((KeyKind::Rsa, DigestAlg::Sha384)),
        OID_RSA_SHA512 => Some((KeyKind::Rsa, DigestAlg::Sha512)),
        OID_EC_PUBLIC_KEY => digest.map(|d| (KeyKind::Ecdsa, d)),
        OID_ECDSA_SHA256 => Some((KeyKind::Ecdsa, DigestAlg::Sha256)),
        OID_ECDSA_SHA384 => Some((KeyKind::Ecdsa, DigestAlg::Sha384)),
        OID_ECDSA_SHA512 => Some((KeyKind::Ecdsa, DigestAlg::Sha512)),
        _ => None,
    }
}

/// The digest and salt length of RSASSA-PSS parameters (RFC 4055); a mask function other
/// than MGF1 over that same digest is not taken.
fn pss_scheme(parameters: &der::Any) -> Option<(KeyKind, DigestAlg)> {
    let der = parameters.to_der().ok()?;
    let params = RsaPssParams::from_der(&der).ok()?;
    let digest = DigestAlg::from_oid(params.hash.oid)?;
    let mgf_digest = params.mask_gen.parameters.map(|p| p.oid);
    if params.mask_gen.oid != OID_MGF1 || mgf_digest != Some(params.hash.oid) {
        return None;
    }
    let salt_len = usize::from(params.salt_len);
    Some((KeyKind::RsaPss { salt_len }, digest))
}

/// Whether `signature` over `message` verifies with `key`; `None` when the key is of a kind
/// this module does not handle (RSA, P-256 and P-384 only).
pub(super) fn signature_verifies(
    key: &SubjectPublicKeyInfoOwned,
    kind: KeyKind,
    digest: DigestAlg,
    message: &[u8],
    signature: &[u8],
) -> Option<bool> {
    let key_der = key.to_der().ok()?;
    let hashed = digest.hash(&[message]);
    match kind {
        KeyKind::Rsa => {
            let key = rsa_key(key, &key_der)?;
            Some(key.verify(digest.pkcs1(), &hashed, signature).is_ok())
        }
        KeyKind::RsaPss { salt_len } => {
            let key = rsa_key(key, &key_der)?;
            Some(key.verify(digest.pss(salt_len), &hashed, signature).is_ok())
        }
        // The curve is the key's: P-256 or P-384 (BSrE issues both).
        KeyKind::Ecdsa => {
            if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(&key_der) {
                let Ok(signature) = p256::ecdsa::Signature::from_der(signature) else {
                    return Some(false);
                };
                return Some(key.verify_prehash(&hashed, &signature).is_ok());
            }
            let key = p384::ecdsa::VerifyingKey::from_public_key_der(&key_der).ok()?;
            let Ok(signature) = p384::ecdsa::Signature::from_der(signature) else {
                return Some(false);
            };
            Some(key.verify_prehash(&hashed, &signature).is_ok())
        }
    }
}

/// The RSA key of a SubjectPublicKeyInfo, whether it names rsaEncryption or, as RSASSA-PSS
/// certificates may, id-RSASSA-PSS.
fn rsa_key(key: &SubjectPublicKeyInfoOwned, key_der: &[u8]) -> Option<RsaPublicKey> {
    RsaPublicKey::from_public_key_der(key_der)
        .ok()
        .or_else(|| RsaPublicKey::from_pkcs1_der(key.subject_public_key.as_bytes()?).ok())
}

/// Whether `issuer`'s key signed `cert`.
pub(super) fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    cert.tbs_certificate.issuer == issuer.tbs_certificate.subject
        && signed_by(
            &issuer.tbs_certificate.subject_public_key_info,
            &cert.signature_algorithm,
            cert.tbs_certificate.to_der().ok().as_deref(),
            cert.signature.as_bytes(),
        )
}

/// Whether `key` made `signature` over the DER `tbs` with `algorithm`: the one check behind a
/// certificate, a CRL and an OCSP answer.
pub(super) fn signed_by(
    key: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    tbs: Option<&[u8]>,
    signature: Option<&[u8]>,
) -> bool {
    let (Some(tbs), Some(signature)) = (tbs, signature) else {
        return false;
    };
    signature_scheme(algorithm, None).is_some_and(|(kind, digest)| {
        signature_verifies(key, kind, digest, tbs, signature) == Some(true)
    })
}

pub(super) fn is_ca(cert: &Certificate) -> bool {
    extension::<BasicConstraints>(cert).is_some_and(|bc| bc.ca)
}

/// Whether the certificate's key usage allows signing documents: digitalSignature or
/// nonRepudiation. A certificate without the extension is unrestricted (RFC 5280 §4.2.1.3).
pub(super) fn may_sign(cert: &Certificate) -> bool {
    extension::<KeyUsage>(cert).is_none_or(|usage| {
        usage.0.contains(KeyUsages::DigitalSignature) || usage.0.contains(KeyUsages::NonRepudiation)
    })
}

pub(super) fn extension<'a, T: AssociatedOid + Decode<'a>>(cert: &'a Certificate) -> Option<T> {
    cert.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|ext| ext.extn_id == T::OID)
        .and_then(|ext| T::from_der(ext.extn_value.as_bytes()).ok())
}

pub(super) fn common_name(name: &Name) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == OID_COMMON_NAME)
        .map(|atv| attribute_text(&atv.value))
}

fn attribute_text(value: &der::Any) -> String {
    match value.tag() {
        Tag::BmpString => {
            let units: Vec<u16> = value
                .value()
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(value.value()).into_owned(),
    }
}

pub(super) fn to_utc(time: Time) -> DateTime<Utc> {
    let secs = time.to_unix_duration().as_secs();
    DateTime::from_timestamp(i64::try_from(secs).unwrap_or(i64::MAX), 0)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A CMS SignedData whose one signature verifies over its signed attributes, and whose
/// messageDigest is the content's.
pub(super) struct Checked<'a> {
    pub(super) signer: &'a SignerInfo,
    pub(super) signer_cert: &'a Certificate,
    pub(super) certs: Vec<&'a Certificate>,
    pub(super) digest: DigestAlg,
    pub(super) signing_time: Option<DateTime<Utc>>,
}

pub(super) fn parse_signed_data(der: &[u8]) -> Result<SignedData, Refusal> {
    let malformed = |what| Refusal::Malformed { what };
    let info = ContentInfo::from_der(der).map_err(|_| malformed("isi /Contents bukan CMS"))?;
    if info.content_type != OID_SIGNED_DATA {
        return Err(malformed("CMS bukan SignedData"));
    }
    info.content
        .decode_as()
        .map_err(|_| malformed("SignedData tidak terbaca"))
}

/// Checks the one SignerInfo of `signed` (encoded as `der`): contentType is `content_type`,
/// messageDigest is `content_digest` of the content, and the signature verifies with the
/// certificate it names.
pub(super) fn check_cms<'a>(
    der: &[u8],
    signed: &'a SignedData,
    content_type: ObjectIdentifier,
    content_digest: &dyn Fn(DigestAlg) -> Vec<u8>,
) -> Result<Checked<'a>, Refusal> {
    let malformed = |what| Refusal::Malformed { what };
    let mut signers = signed.signer_infos.0.iter();
    let signer = match (signers.next(), signers.next()) {
        (Some(signer), None) => signer,
        (None, _) => return Err(malformed("CMS tanpa SignerInfo")),
        (Some(_), Some(_)) => {
            return Err(Refusal::Unsupported {
                what: "lebih dari satu penanda tangan dalam satu tanda tangan",
            });
        }
    };
    let certs: Vec<&Certificate> = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(cert) => Some(cert),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    let signer_cert = certs
        .iter()
        .copied()
        .find(|cert| identifies(&signer.sid, cert))
        .ok_or(malformed("sertifikat penanda tangan tidak disertakan"))?;

    let digest = DigestAlg::from_oid(signer.digest_alg.oid).ok_or(Refusal::Unsupported {
        what: "algoritme digest selain SHA-256/384/512",
    })?;
    let signing_time = check_signed_attributes(signer, content_type, &content_digest(digest))?;

    let (kind, sig_digest) = signature_scheme(&signer.signature_algorithm, Some(digest)).ok_or(
        Refusal::Unsupported {
            what: "algoritme tanda tangan selain RSA PKCS#1 v1.5, RSASSA-PSS atau ECDSA P-256/P-384",
        },
    )?;
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or(malformed("atribut bertanda tangan tidak terbaca"))?;
    let mut verified = None;
    for encoding in signed_attribute_encodings(der, attrs) {
        verified = signature_verifies(
            &signer_cert.tbs_certificate.subject_public_key_info,
            kind,
            sig_digest,
            &encoding,
            signer.signature.as_bytes(),
        );
        if verified != Some(false) {
            break;
        }
    }
    match verified {
        Some(true) => Ok(Checked {
            signer,
            signer_cert,
            certs,
            digest,
            signing_time,
        }),
        Some(false) => Err(Refusal::SignatureInvalid),
        None => Err(Refusal::Unsupported {
            what: "kunci publik selain RSA atau ECDSA P-256/P-384",
        }),
    }
}

/// Every string in the certificate's subject and its subject alternative names (emails), for
/// matching the configured signer.
pub(super) fn subject_strings(cert: &Certificate) -> Vec<String> {
    let mut out: Vec<String> = cert
        .tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .map(|atv| attribute_text(&atv.value))
        .collect();
    if let Some(san) = extension::<SubjectAltName>(cert) {
        for name in san.0 {
            if let GeneralName::Rfc822Name(email) = name {
                out.push(email.to_string());
            }
        }
    }
    out
}

/// The encodings of the signed attributes the signature may be over, as a SET OF: first the
/// DER re-encoding (sorted, what conforming signers sign), then the signer's own order when it
/// did not sort, found in the CMS as a `[0]` element holding exactly the same attributes.
pub(super) fn signed_attribute_encodings(cms_der: &[u8], attrs: &SignedAttributes) -> Vec<Vec<u8>> {
    let Ok(sorted) = attrs.to_der() else {
        return Vec::new();
    };
    let header_len = match sorted.get(1) {
        Some(&first) if first < 0x80 => 2,
        Some(&first) => 2 + (first & 0x7f) as usize,
        None => return Vec::new(),
    };
    let mut header = sorted[..header_len.min(sorted.len())].to_vec();
    header[0] = 0xA0;
    let mut encodings = vec![sorted.clone()];
    let mut from = 0;
    while let Some(at) = find(&cms_der[from..], &header) {
        let start = from + at;
        from = start + 1;
        let Some(original) = cms_der.get(start..start + sorted.len()) else {
            break;
        };
        let mut candidate = original.to_vec();
        candidate[0] = 0x31;
        if candidate != sorted
            && SignedAttributes::from_der(&candidate).is_ok_and(|same| same == *attrs)
        {
            encodings.push(candidate);
        }
    }
    encodings
}

pub(super) fn identifies(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            id.issuer == cert.tbs_certificate.issuer
                && id.serial_number == cert.tbs_certificate.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            extension::<SubjectKeyIdentifier>(cert).is_some_and(|own| own == *ski)
        }
    }
}

/// Checks contentType and messageDigest against the content's digest; returns signingTime.
pub(super) fn check_signed_attributes(
    signer: &SignerInfo,
    content_type: ObjectIdentifier,
    actual: &[u8],
) -> Result<Option<DateTime<Utc>>, Refusal> {
    let malformed = |what| Refusal::Malformed { what };
    let attrs = signer.signed_attrs.as_ref().ok_or(Refusal::Unsupported {
        what: "tanda tangan tanpa atribut bertanda tangan",
    })?;
    let single = |oid: ObjectIdentifier| {
        let mut found = attrs.iter().filter(|a| a.oid == oid);
        match (found.next(), found.next()) {
            (Some(attr), None) if attr.values.len() == 1 => Ok(attr.values.get(0)),
            (None, _) => Ok(None),
            _ => Err(malformed("atribut ganda dalam tanda tangan")),
        }
    };
    let claimed_type = single(OID_CONTENT_TYPE)?
        .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
        .ok_or(malformed("atribut contentType tidak ada"))?;
    if claimed_type != content_type {
        return Err(malformed("atribut contentType tidak sesuai isi"));
    }
    let claimed = single(OID_MESSAGE_DIGEST)?
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or(malformed("atribut messageDigest tidak ada"))?;
    if claimed.as_bytes() != actual {
        return Err(Refusal::ContentChanged);
    }
    match single(OID_SIGNING_TIME)? {
        None => Ok(None),
        Some(value) => value
            .to_der()
            .and_then(|der| Time::from_der(&der))
            .map(|t| Some(to_utc(t)))
            .map_err(|_| malformed("atribut signingTime tidak terbaca")),
    }
}

/// signer → intermediates (from the CMS, the DSS or the anchors' files) → an anchor, each link's signature checked.
pub(super) fn build_chain<'a>(
    signer: &'a Certificate,
    pool: &[&'a Certificate],
    anchors: &[&'a Certificate],
) -> Result<Vec<&'a Certificate>, Refusal> {
    let mut chain = vec![signer];
    let mut current = signer;
    for _ in 0..MAX_CHAIN {
        if anchors.contains(&current) {
            return Ok(chain);
        }
        if let Some(anchor) = anchors.iter().copied().find(|a| issued_by(current, a)) {
            chain.push(anchor);
            return Ok(chain);
        }
        let next = pool
            .iter()
            .copied()
            .find(|cand| !chain.contains(cand) && is_ca(cand) && issued_by(current, cand));
        match next {
            Some(next) => {
                chain.push(next);
                current = next;
            }
            None => break,
        }
    }
    Err(Refusal::UntrustedSigner {
        issuer: current.tbs_certificate.issuer.to_string(),
    })
}

pub(super) fn check_validity(
    cert: &Certificate,
    moments: &[(DateTime<Utc>, Moment)],
) -> Result<(), Refusal> {
    let validity = &cert.tbs_certificate.validity;
    let (not_before, not_after) = (to_utc(validity.not_before), to_utc(validity.not_after));
    let subject = || {
        let name = &cert.tbs_certificate.subject;
        common_name(name).unwrap_or_else(|| name.to_string())
    };
    for &(at, moment) in moments {
        if at < not_before {
            return Err(Refusal::CertificateNotYetValid {
                subject: subject(),
                not_before,
                moment,
            });
        }
        if at > not_after {
            return Err(Refusal::CertificateExpired {
                subject: subject(),
                not_after,
                moment,
            });
        }
    }
    Ok(())
}
