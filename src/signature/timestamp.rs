//! RFC 3161 timestamp tokens: the signature timestamp inside a CMS (an unsigned attribute
//! over the signature value) and the document timestamp (`/DocTimeStamp`) over a revision.

use super::revocation::{Evidence, check_revocation};
use super::signer::*;
use super::verdict::*;
use chrono::{DateTime, Utc};
use der::asn1::{Any, Int};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Encode, Reader, SliceReader, Tag, Tagged};
use x509_cert::Certificate;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_tsp::MessageImprint;

pub(super) const OID_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// id-aa-signatureTimeStampToken: the unsigned attribute a PAdES B-T signature carries.
pub(super) const OID_SIGNATURE_TIMESTAMP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

const OID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// Where a timestamp's authority may chain: the TSA anchors and the signers' anchors.
pub(super) struct TsaTrust<'a> {
    pub(super) anchors: Vec<&'a Certificate>,
    pub(super) evidence: &'a Evidence,
    pub(super) now: DateTime<Utc>,
}

/// Verifies a timestamp token over `imprinted` (the parts hashed in order) and returns the
/// time it certifies.
pub(super) fn verify_token(
    token: &[u8],
    imprinted: &[&[u8]],
    trust: &TsaTrust<'_>,
) -> Result<DateTime<Utc>, Refusal> {
    let bad = |what: &str| Refusal::Timestamp {
        what: what.to_string(),
    };
    let signed = parse_signed_data(token).map_err(|r| Refusal::Timestamp {
        what: r.keterangan(),
    })?;
    if signed.encap_content_info.econtent_type != OID_TST_INFO {
        return Err(bad("isinya bukan TSTInfo"));
    }
    let tst_der = signed
        .encap_content_info
        .econtent
        .as_ref()
        .and_then(|any| any.decode_as::<OctetString>().ok())
        .ok_or_else(|| bad("TSTInfo tidak ada"))?;
    let tst_bytes = tst_der.as_bytes();
    let checked = check_cms(token, &signed, OID_TST_INFO, &|d| d.hash(&[tst_bytes])).map_err(
        |r| match r {
            Refusal::ContentChanged => bad("tanda tangan TSA tidak mencakup TSTInfo ini"),
            other => Refusal::Timestamp {
                what: other.keterangan(),
            },
        },
    )?;
    let (imprint, gen_time) = tst_info(tst_bytes).ok_or_else(|| bad("TSTInfo tidak terbaca"))?;
    let imprint_alg = DigestAlg::from_oid(imprint.hash_algorithm.oid)
        .ok_or_else(|| bad("algoritme digest cap waktu tidak didukung"))?;
    if imprint.hashed_message.as_bytes() != imprint_alg.hash(imprinted) {
        return Err(bad("cap waktu bukan untuk tanda tangan atau revisi ini"));
    }
    let tsa = checked.signer_cert;
    let stamps =
        extension::<ExtendedKeyUsage>(tsa).is_some_and(|eku| eku.0.contains(&OID_KP_TIME_STAMPING));
    if !stamps {
        return Err(bad(
            "sertifikat penerbitnya tidak diperuntukkan bagi cap waktu (tanpa EKU timeStamping)",
        ));
    }
    let mut pool = checked.certs.clone();
    pool.extend(trust.evidence.certs.iter());
    let chain = build_chain(tsa, &pool, &trust.anchors).map_err(|r| Refusal::Timestamp {
        what: r.keterangan(),
    })?;
    let moments = [(gen_time, Moment::Signing), (trust.now, Moment::Check)];
    for cert in &chain {
        check_validity(cert, &moments).map_err(|r| Refusal::Timestamp {
            what: r.keterangan(),
        })?;
    }
    check_revocation(&chain, trust.evidence, gen_time)?;
    Ok(gen_time)
}

/// The message imprint and genTime of a TSTInfo. Read field by field because TSAs write
/// genTime with fractions of a second (RFC 3161 allows them), which DER's GeneralizedTime
/// type refuses.
fn tst_info(der: &[u8]) -> Option<(MessageImprint, DateTime<Utc>)> {
    let mut reader = SliceReader::new(der).ok()?;
    let (imprint, time) = reader
        .sequence(|r| {
            let _version: Int = r.decode()?;
            let _policy: ObjectIdentifier = r.decode()?;
            let imprint: MessageImprint = r.decode()?;
            let _serial: Int = r.decode()?;
            let time: Any = r.decode()?;
            let rest = r.remaining_len();
            r.read_slice(rest)?;
            Ok((imprint, time))
        })
        .ok()?;
    if time.tag() != Tag::GeneralizedTime {
        return None;
    }
    Some((imprint, generalized_time(time.value())?))
}

/// `YYYYMMDDHHMMSS[.fff]Z`, the fraction dropped.
fn generalized_time(text: &[u8]) -> Option<DateTime<Utc>> {
    let text = std::str::from_utf8(text).ok()?;
    let text = text.strip_suffix('Z')?;
    let whole = text.split('.').next()?;
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    chrono::NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S")
        .ok()
        .map(|t| t.and_utc())
}

/// The signature timestamp token among the SignerInfo's unsigned attributes, as DER.
pub(super) fn signature_timestamp(
    signer: &cms::signed_data::SignerInfo,
) -> Result<Option<Vec<u8>>, Refusal> {
    let Some(attrs) = &signer.unsigned_attrs else {
        return Ok(None);
    };
    let Some(attr) = attrs.iter().find(|a| a.oid == OID_SIGNATURE_TIMESTAMP) else {
        return Ok(None);
    };
    let value = attr.values.get(0).ok_or(Refusal::Timestamp {
        what: "atribut cap waktu kosong".to_string(),
    })?;
    value.to_der().map(Some).map_err(|_| Refusal::Timestamp {
        what: "atribut cap waktu tidak terbaca".to_string(),
    })
}
