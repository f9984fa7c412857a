//! Verification of a PDF signed with BSrE eSign (PAdES B-B to B-LTA): which bytes each
//! signature covers (`pdf`), the CMS over them and the chain to an anchor (`signer`), RFC 3161
//! timestamps (`timestamp`), embedded OCSP and CRLs (`revocation`), whose signature counts
//! (`policy`), what the revisions after the Kadis's signature changed (`revisions`), and
//! the text a viewer shows on the revision he signed (`visible`).
//!
//! The verdict is data ([`Verdict`]): a refusal carries an Indonesian `keterangan()` for the
//! reply to the Kadis. `Err` ([`SignatureError`]) only comes from loading the trust anchors.

use chrono::{DateTime, Utc};
use lopdf::{Document, Object};
use x509_cert::Certificate;

mod objects;
mod pdf;
mod policy;
mod revisions;
mod revocation;
mod signer;
mod timestamp;
mod verdict;
mod visible;

use objects::name_is;
use pdf::*;
pub use policy::*;
use revisions::Permits;
use revocation::{Evidence, check_revocation};
use signer::*;
use timestamp::TsaTrust;
pub use verdict::*;
pub use visible::{VisibleError, visible_text};

/// Checks `pdf` as the Kadis's signed letter: every signature and document timestamp verifies
/// and chains to its anchors, unrevoked by what the file carries; the Kadis (the policy's
/// signer) signed; and every revision after that signature only adds signatures, timestamps
/// and validation data.
pub fn verify_pdf(pdf: &[u8], policy: &Policy, now: DateTime<Utc>) -> Verdict {
    match verify(pdf, policy, now) {
        Ok(info) => Verdict::Valid(info),
        Err(refusal) => Verdict::Refused(refusal),
    }
}

/// One signature that verified: who made it and what it covers.
struct Verified {
    info: SignedInfo,
    cert: Certificate,
    permits: Permits,
    located: Located,
}

fn verify(pdf: &[u8], policy: &Policy, now: DateTime<Utc>) -> Result<SignedInfo, Refusal> {
    if !pdf.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return Err(Refusal::Malformed {
            what: "berkas bukan PDF",
        });
    }
    let rule = policy.signer.as_ref().ok_or(Refusal::NoSignerConfigured)?;
    let mut located = locate_signatures(pdf)?;
    located.sort_by_key(|s| (s.end(), s.range));
    located.dedup_by_key(|s| s.range);
    let last = located.last().ok_or(Refusal::NotSigned)?;
    let whole = Refusal::NotWholeFile {
        covered: last.covered(),
        len: pdf.len(),
    };
    if last.end() > pdf.len() {
        return Err(whole);
    }
    // The file as a viewer reads it, for the signature dictionaries and the DSS; a file that
    // does not parse was not made by a signer.
    let doc = Document::load_mem(pdf).map_err(|_| whole.clone())?;
    let evidence = Evidence::from_dss(&doc);
    let dictionaries = signature_dictionaries(&doc);
    let mut signatures = Vec::new();
    let mut stamps = 0;
    for sig in &located {
        let dict = dictionaries.iter().find(|(range, _)| *range == sig.range);
        let is_stamp = dict.is_some_and(|(_, d)| {
            name_is(d, b"Type", b"DocTimeStamp") || name_is(d, b"SubFilter", b"ETSI.RFC3161")
        });
        if is_stamp {
            let token = decode_contents(&pdf[sig.gap()])?;
            let [a, b, c, d] = sig.range;
            let trust = tsa_trust(policy, &evidence, now);
            timestamp::verify_token(&token, &[&pdf[a..a + b], &pdf[c..c + d]], &trust)?;
            stamps += 1;
            continue;
        }
        let permits = dict.map_or(Permits::Signatures, |(_, d)| doc_mdp(&doc, d));
        signatures.push(verify_one(pdf, sig, policy, &evidence, permits, now)?);
    }
    let names: Vec<String> = signatures
        .iter()
        .map(|s| s.info.signer_name.clone())
        .collect();
    let kadis = signatures
        .iter()
        .rposition(|s| rule.matches(&s.cert))
        .ok_or_else(|| Refusal::WrongSigner {
            wanted: rule.describe(),
            found: names.clone(),
        })?;
    let Verified {
        mut info,
        permits,
        located: signed,
        ..
    } = signatures.swap_remove(kadis);
    info.later_revisions =
        revisions::check_after(pdf, &doc, signed.end(), signed.covered(), permits)?;
    info.signatures = located.len() - stamps;
    info.document_timestamps = stamps;
    info.other_signers = names
        .into_iter()
        .enumerate()
        .filter(|&(i, _)| i != kadis)
        .map(|(_, n)| n)
        .collect();
    Ok(info)
}

fn tsa_trust<'a>(policy: &'a Policy, evidence: &'a Evidence, now: DateTime<Utc>) -> TsaTrust<'a> {
    TsaTrust {
        anchors: policy
            .tsa_anchors
            .certs
            .iter()
            .chain(&policy.anchors.certs)
            .collect(),
        evidence,
        now,
    }
}

/// Every signature dictionary of the document (signatures and document timestamps) with its
/// /ByteRange.
fn signature_dictionaries(doc: &Document) -> Vec<([usize; 4], &lopdf::Dictionary)> {
    doc.objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter_map(|d| {
            let range = d.get(b"ByteRange").ok()?.as_array().ok()?;
            let values: Vec<usize> = range
                .iter()
                .filter_map(|v| v.as_i64().ok())
                .filter_map(|v| usize::try_from(v).ok())
                .collect();
            let range: [usize; 4] = values.try_into().ok()?;
            Some((range, d))
        })
        .collect()
}

/// The DocMDP permission a certification signature sets (/Reference, /TransformMethod
/// /DocMDP, /TransformParams /P; 2 when /P is absent).
fn doc_mdp(doc: &Document, sig: &lopdf::Dictionary) -> Permits {
    let references = match sig.get(b"Reference").ok().map(|r| doc.dereference(r)) {
        Some(Ok((_, Object::Array(items)))) => items.clone(),
        _ => Vec::new(),
    };
    let p1 = references.iter().any(|r| {
        let Ok((_, Object::Dictionary(r))) = doc.dereference(r) else {
            return false;
        };
        name_is(r, b"TransformMethod", b"DocMDP")
            && r.get(b"TransformParams")
                .ok()
                .and_then(|p| doc.dereference(p).ok())
                .and_then(|(_, p)| p.as_dict().ok())
                .and_then(|p| p.get(b"P").ok())
                .and_then(|p| p.as_i64().ok())
                == Some(1)
    });
    if p1 {
        Permits::OnlyValidation
    } else {
        Permits::Signatures
    }
}

fn verify_one(
    pdf: &[u8],
    sig: &Located,
    policy: &Policy,
    dss: &Evidence,
    permits: Permits,
    now: DateTime<Utc>,
) -> Result<Verified, Refusal> {
    let der = decode_contents(&pdf[sig.gap()])?;
    let signed = parse_signed_data(&der)?;
    if signed.encap_content_info.econtent.is_some() {
        return Err(Refusal::Unsupported {
            what: "tanda tangan tidak terpisah (bukan detached)",
        });
    }
    let [a, b, c, d] = sig.range;
    let covered: [&[u8]; 2] = [&pdf[a..a + b], &pdf[c..c + d]];
    let checked = check_cms(&der, &signed, OID_DATA, &|alg| alg.hash(&covered))?;
    let cert = checked.signer_cert;
    if !may_sign(cert) {
        return Err(Refusal::NotForSigning {
            subject: common_name(&cert.tbs_certificate.subject)
                .unwrap_or_else(|| cert.tbs_certificate.subject.to_string()),
        });
    }
    let evidence = dss.with_cms(&signed, checked.signer);
    let stamped = match timestamp::signature_timestamp(checked.signer)? {
        Some(token) => Some(timestamp::verify_token(
            &token,
            &[checked.signer.signature.as_bytes()],
            &tsa_trust(policy, &evidence, now),
        )?),
        None => None,
    };
    let mut pool = checked.certs.clone();
    pool.extend(evidence.certs.iter());
    let anchors: Vec<&Certificate> = policy.anchors.certs.iter().collect();
    let chain = build_chain(cert, &pool, &anchors)?;
    let signing_time = checked.signing_time.or(sig.claimed_time);
    let mut moments = vec![(now, Moment::Check)];
    if let Some(at) = stamped.or(signing_time) {
        moments.insert(0, (at, Moment::Signing));
    }
    for link in &chain {
        check_validity(link, &moments)?;
    }
    // Without a trusted time the signer's own claim proves nothing: any revocation up to now
    // counts.
    check_revocation(&chain, &evidence, stamped.unwrap_or(now))?;
    let subject = &cert.tbs_certificate.subject;
    Ok(Verified {
        info: SignedInfo {
            signer_name: common_name(subject).unwrap_or_else(|| subject.to_string()),
            signer_subject: subject.to_string(),
            issuer_subject: cert.tbs_certificate.issuer.to_string(),
            signer_serial: hex::encode(cert.tbs_certificate.serial_number.as_bytes()),
            signing_time,
            timestamp: stamped,
            digest: checked.digest.name(),
            covered_len: sig.end(),
            signatures: 1,
            document_timestamps: 0,
            later_revisions: 0,
            other_signers: Vec::new(),
        },
        cert: cert.clone(),
        permits,
        located: *sig,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn pdf_dates_in_every_form_bsre_and_others_write() {
        let cases: [(&[u8], &str); 5] = [
            (b"D:20261124103000+07'00'", "2026-11-24T03:30:00Z"),
            (b"D:20261124103000+07'00", "2026-11-24T03:30:00Z"),
            (b"D:20261124033000Z", "2026-11-24T03:30:00Z"),
            (b"D:202611240330-01'30'", "2026-11-24T05:00:00Z"),
            (b"D:2026", "2026-01-01T00:00:00Z"),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_pdf_date(text), Some(utc(expected)), "{text:?}");
        }
        for bad in [
            &b"D:20261"[..],
            b"D:20261324",
            b"D:20261124+7x",
            b"",
            b"D:20261124103000Q",
        ] {
            assert_eq!(parse_pdf_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_m_of_the_signature_object_not_its_neighbours() {
        let pdf = b"4 0 obj << /M (D:20200101000000Z) >> endobj\n\
            7 0 obj << /Type /Sig /MDP 1 /M (D:20261124103000+07'00') /ByteRange [0 1 2 3] >> endobj\n\
            8 0 obj << /M (D:20300101000000Z) >> endobj";
        let at = find(pdf, b"/ByteRange").unwrap() + "/ByteRange".len();
        assert_eq!(dictionary_time(pdf, at), Some(utc("2026-11-24T03:30:00Z")));
        // Escapes as some signers write them: `\072` is the colon, `\(` a parenthesis.
        let escaped = b"7 0 obj << /Type /Sig /M (D\\0722026112410\\\r\n3000+07'00') /ByteRange [0 1 2 3] >> endobj";
        let at = find(escaped, b"/ByteRange").unwrap() + "/ByteRange".len();
        assert_eq!(
            dictionary_time(escaped, at),
            Some(utc("2026-11-24T03:30:00Z"))
        );
        let hex = b"7 0 obj << /Type /Sig /M <443A3230323631313234303333303030 5A> /ByteRange [0 1 2 3] >> endobj";
        let at = find(hex, b"/ByteRange").unwrap() + "/ByteRange".len();
        assert_eq!(dictionary_time(hex, at), Some(utc("2026-11-24T03:30:00Z")));
        assert_eq!(
            string_at(b"(a (b) \\) \\\\ \\101\\7 \\q)", 0).as_deref(),
            Some(&b"a (b) ) \\ A\x07 q"[..])
        );
        assert_eq!(string_at(b"(unclosed", 0), None);
        let bare = b"7 0 obj << /Type /Sig /ByteRange [0 1 2 3] >> endobj";
        assert_eq!(dictionary_time(bare, 30), None);
    }
}
