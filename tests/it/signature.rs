//! PDF signature verification against files signed by a real signer (OpenSSL CMS over the
//! ByteRange, test CAs), cross-checked with poppler's `pdfsig`, and hostile mutations.

use crate::common;

use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use common::pdfsign::{Key, TestCa, Validity, text_pdf};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sertel::config::SignerSpec;
use sertel::signature::{Moment, Policy, Refusal, SignerRule, TrustAnchors, Verdict, verify_pdf};

pub mod pades;

const NIK: &str = "7501234506780001";
const KADIS: &str = "Dr. Ir. Hj. Fatmawati Äbdullah, M.Si.";

struct Fixture {
    _dir: tempfile::TempDir,
    ca: TestCa,
    other_ca: TestCa,
    anchors: TrustAnchors,
    policy: Policy,
    letter: Vec<u8>,
    signed: Vec<u8>,
}

static FIX: LazyLock<Fixture> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "CA Uji Sertel", KADIS);
    let other_ca = TestCa::new(dir.path(), "CA Tidak Dipercaya", KADIS);
    let anchors = TrustAnchors::from_pem_files(&[ca.cert_path()]).unwrap();
    let letter = text_pdf(&[
        "SURAT REKOMENDASI",
        "Nama: Siti Rahmawati Uji",
        &format!("NIK: {NIK}"),
    ]);
    let signed = ca.sign(&letter);
    Fixture {
        _dir: dir,
        ca,
        other_ca,
        policy: policy(anchors.clone(), KADIS),
        anchors,
        letter,
        signed,
    }
});

/// The Kadis's letters are checked against `anchors`, with `signer` named as the Kadis.
fn policy(anchors: TrustAnchors, signer: &str) -> Policy {
    Policy {
        anchors,
        tsa_anchors: TrustAnchors::from_pem_files(&[]).unwrap(),
        signer: Some(SignerRule::from_spec(&SignerSpec {
            common_name: Some(signer.into()),
            ..SignerSpec::default()
        })),
    }
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn refusal(pdf: &[u8]) -> Refusal {
    match verify_pdf(pdf, &FIX.policy, now()) {
        Verdict::Refused(r) => r,
        Verdict::Valid(info) => panic!("accepted: {info:?}"),
    }
}

fn pdfsig(dir: &Path, pdf: &[u8]) -> String {
    let path = dir.join("check.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdfsig")
        .arg(&path)
        .output()
        .expect("pdfsig (poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn signed_letter_is_valid_and_names_its_signer() {
    let Verdict::Valid(info) = verify_pdf(&FIX.signed, &FIX.policy, now()) else {
        panic!("{:?}", verify_pdf(&FIX.signed, &FIX.policy, now()));
    };
    assert_eq!(info.signer_name, KADIS);
    assert!(
        info.signer_subject
            .contains("Pemerintah Kabupaten Gorontalo"),
        "{info:?}"
    );
    assert!(info.issuer_subject.contains("CA Uji Sertel"), "{info:?}");
    assert_eq!(info.digest, "SHA-256");
    assert_eq!(info.signatures, 1);
    assert_eq!(info.covered_len, FIX.signed.len());
    let signed_at = info.signing_time.expect("openssl writes signingTime");
    assert!((now() - signed_at).num_minutes().abs() < 30, "{signed_at}");

    let dir = tempfile::tempdir().unwrap();
    let revision = dir.path().join("revision.pdf");
    std::fs::write(&revision, info.signed_revision(&FIX.signed)).unwrap();
    let text = Command::new("pdftotext")
        .arg(&revision)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("NIK: {NIK}")), "{text}");
    assert!(
        Verdict::Valid(info.clone()).keterangan().contains(KADIS),
        "{}",
        Verdict::Valid(info).keterangan()
    );
}

#[test]
fn pdfsig_agrees_the_signature_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let report = pdfsig(dir.path(), &FIX.signed);
    assert!(report.contains("Signature is Valid"), "{report}");
    assert!(report.contains("Total document signed"), "{report}");
    assert!(report.contains("adbe.pkcs7.detached"), "{report}");

    let mut tampered = FIX.signed.clone();
    let at = find(&tampered, NIK.as_bytes()) + 2;
    tampered[at] ^= 0x01;
    let report = pdfsig(dir.path(), &tampered);
    assert!(!report.contains("Signature is Valid"), "{report}");
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

#[test]
fn one_byte_changed_inside_the_signed_range_is_refused() {
    let mut tampered = FIX.signed.clone();
    let at = find(&tampered, NIK.as_bytes()) + 15;
    tampered[at] = b'9';
    assert_eq!(refusal(&tampered), Refusal::ContentChanged);
    assert!(
        refusal(&tampered)
            .keterangan()
            .contains("berubah setelah ditandatangani")
    );
}

#[test]
fn bytes_appended_after_signing_are_refused() {
    let mut appended = FIX.signed.clone();
    appended.extend_from_slice(b"\n% tambahan setelah tanda tangan\n");
    let r = refusal(&appended);
    assert_eq!(
        r,
        Refusal::NotWholeFile {
            covered: FIX.signed.len() - contents_len(),
            len: appended.len()
        }
    );
    assert!(
        r.keterangan().contains("tidak mencakup seluruh berkas"),
        "{}",
        r.keterangan()
    );
}

#[test]
fn a_certificate_for_encryption_only_cannot_sign_the_letter() {
    let encipher = FIX
        .ca
        .issue_for_encryption("encipher", "Kunci Enkripsi Uji");
    let signed = encipher.sign(&FIX.letter);
    let r = refusal(&signed);
    assert_eq!(
        r,
        Refusal::NotForSigning {
            subject: "Kunci Enkripsi Uji".into()
        }
    );
    assert!(
        r.keterangan()
            .contains("tidak diperuntukkan bagi tanda tangan"),
        "{}",
        r.keterangan()
    );
}

#[test]
fn a_line_end_after_the_final_eof_is_tolerated() {
    for tail in [&b"\r\n"[..], b"\n", b"\r\n\r\n  \t"] {
        let mut padded = FIX.signed.clone();
        padded.extend_from_slice(tail);
        let Verdict::Valid(info) = verify_pdf(&padded, &FIX.policy, now()) else {
            panic!("{tail:?}: {:?}", verify_pdf(&padded, &FIX.policy, now()));
        };
        assert_eq!(info.covered_len, FIX.signed.len(), "{tail:?}");
    }
    let mut marked = FIX.signed.clone();
    marked.extend_from_slice(b"\r\nx");
    assert!(matches!(refusal(&marked), Refusal::NotWholeFile { .. }));
}

/// The length of the signature's own hex string, the one part a signature never covers.
fn contents_len() -> usize {
    let start = find(&FIX.signed, b"/Contents <") + "/Contents ".len();
    let end = start + find(&FIX.signed[start..], b">") + 1;
    end - start
}

#[test]
fn a_second_revision_over_a_signed_file_is_refused() {
    // A new revision without an xref of its own that replaces the page's content stream,
    // object 2, while the signature stays intact: a viewer's repair shows it, so it is refused
    // as bytes outside the signature, before any reading of what it changes.
    let mut updated = FIX.signed.clone();
    updated.extend_from_slice(
        b"2 0 obj\n<< /Length 28 >>\nstream\nBT /F1 11 Tf (palsu) Tj ET\nendstream\nendobj\n%%EOF\n",
    );
    assert!(matches!(refusal(&updated), Refusal::NotWholeFile { .. }));
    // Bytes that are no revision at all.
    let mut junk = FIX.signed.clone();
    junk.extend_from_slice(b"%%EOF garbage\n%%EOF\n");
    assert!(matches!(refusal(&junk), Refusal::NotWholeFile { .. }));
}

#[test]
fn signature_wrapping_objects_inside_the_contents_gap_are_refused() {
    // The signature wrapping attack hides new objects in the excluded /Contents gap, where
    // the digest does not see them: the gap must be one hex string and nothing else.
    let mut wrapped = FIX.signed.clone();
    let start = find(&wrapped, b"/Contents <") + "/Contents <".len();
    let end = start + find(&wrapped[start..], b">");
    let payload = b">\n9 0 obj << /Type /Page >> endobj\n<";
    let at = end - payload.len() - 2;
    wrapped[at..at + payload.len()].copy_from_slice(payload);
    assert!(matches!(refusal(&wrapped), Refusal::NotWholeFile { .. }));
}

#[test]
fn a_signer_from_an_untrusted_ca_is_refused() {
    let signed = FIX.other_ca.sign(&FIX.letter);
    match refusal(&signed) {
        Refusal::UntrustedSigner { issuer } => assert!(issuer.contains("CA Tidak Dipercaya")),
        other => panic!("{other:?}"),
    }
    let anchors = TrustAnchors::from_pem_files(&[FIX.other_ca.cert_path()]).unwrap();
    assert!(matches!(
        verify_pdf(&signed, &policy(anchors.clone(), KADIS), now()),
        Verdict::Valid(_)
    ));
}

#[test]
fn an_unsigned_pdf_is_refused() {
    assert_eq!(refusal(&FIX.letter), Refusal::NotSigned);
    assert!(
        refusal(&FIX.letter)
            .keterangan()
            .contains("tidak memuat tanda tangan")
    );
    assert!(matches!(
        refusal(b"bukan pdf sama sekali"),
        Refusal::Malformed { .. }
    ));
}

#[test]
fn garbage_contents_is_refused() {
    let mut garbage = FIX.signed.clone();
    let start = find(&garbage, b"/Contents <") + "/Contents <".len();
    for (i, b) in garbage[start..start + 64].iter_mut().enumerate() {
        *b = b"0123456789ABCDEF"[i * 7 % 16];
    }
    assert!(
        matches!(refusal(&garbage), Refusal::Malformed { .. }),
        "{:?}",
        refusal(&garbage)
    );

    let mut zeroed = FIX.signed.clone();
    for b in &mut zeroed[start..start + 8] {
        *b = b'0';
    }
    assert!(matches!(refusal(&zeroed), Refusal::Malformed { .. }));
}

#[test]
fn a_wrong_signature_value_is_refused() {
    // Flip one bit of the RSA signature: the last bytes of the SignerInfo, just before the
    // zero padding of the placeholder.
    let mut bad = FIX.signed.clone();
    let start = find(&bad, b"/Contents <") + "/Contents <".len();
    let end = start + find(&bad[start..], b">");
    let last = start + bad[start..end].iter().rposition(|&b| b != b'0').unwrap();
    bad[last] = if bad[last] == b'1' { b'2' } else { b'1' };
    assert_eq!(refusal(&bad), Refusal::SignatureInvalid);
}

#[test]
fn an_expired_signer_certificate_is_refused() {
    let expired = FIX.ca.issue(
        "expired",
        "Pejabat Lama Uji",
        Validity::Between("20240101000000Z", "20250101000000Z"),
        Key::Rsa,
    );
    let signed = expired.sign(&FIX.letter);
    match refusal(&signed) {
        Refusal::CertificateExpired {
            subject, moment, ..
        } => {
            assert_eq!(subject, "Pejabat Lama Uji");
            assert_eq!(moment, Moment::Signing);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        refusal(&signed)
            .keterangan()
            .contains("sudah tidak berlaku")
    );
}

#[test]
fn a_certificate_expiring_before_the_check_is_refused() {
    let later = now() + chrono::Duration::days(4000);
    match verify_pdf(&FIX.signed, &FIX.policy, later) {
        Verdict::Refused(Refusal::CertificateExpired { moment, .. }) => {
            assert_eq!(moment, Moment::Check)
        }
        other => panic!("{other:?}"),
    }
    let earlier = now() - chrono::Duration::days(2);
    assert!(matches!(
        verify_pdf(&FIX.signed, &FIX.policy, earlier),
        Verdict::Refused(Refusal::CertificateNotYetValid { .. })
    ));
}

#[test]
fn two_signatures_both_verify_and_the_last_covers_all() {
    let twice = FIX.ca.sign(&FIX.signed);
    let Verdict::Valid(info) = verify_pdf(&twice, &FIX.policy, now()) else {
        panic!("{:?}", verify_pdf(&twice, &FIX.policy, now()));
    };
    assert_eq!(info.signatures, 2);
    assert_eq!(info.covered_len, twice.len());

    // The first signature broken inside its own range: the second still verifies, the file
    // is refused.
    let mut tampered = FIX.signed.clone();
    let at = find(&tampered, NIK.as_bytes()) + 15;
    tampered[at] = b'9';
    let twice = FIX.ca.sign(&tampered);
    assert_eq!(refusal(&twice), Refusal::ContentChanged);
}

#[test]
fn trust_anchors_load_errors_name_the_file() {
    let missing = Path::new("/nonexistent/bsre-root.pem").to_path_buf();
    let err = TrustAnchors::from_pem_files(&[missing])
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/bsre-root.pem"), "{err}");
    let err = TrustAnchors::from_pem(
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "uji.pem",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("uji.pem"), "{err}");
    // No anchors configured: sertel starts, and every signed letter is refused as untrusted.
    let none = TrustAnchors::from_pem_files(&[]).unwrap();
    let signed = FIX.ca.sign(&FIX.letter);
    assert!(matches!(
        verify_pdf(&signed, &policy(none, KADIS), now()),
        Verdict::Refused(Refusal::UntrustedSigner { .. })
    ));
}

#[test]
fn hostile_byte_ranges_never_panic() {
    let base = String::from_utf8_lossy(&FIX.letter).into_owned();
    for range in [
        "[0 99999999999 1 1]",
        "[0 10 5 1]",
        "[0 999999999999 999999999999 999999999999]",
        "[0 9999999999999999999999 1 1]",
        "[0 1 2",
        "[-1 2 3 4]",
        "[]",
        "[0 0 0 0]",
    ] {
        let pdf = format!("{base}\n<< /Type /Sig /ByteRange {range} /Contents <3080> >>\n");
        assert!(matches!(
            verify_pdf(pdf.as_bytes(), &FIX.policy, now()),
            Verdict::Refused(_)
        ));
    }
}

#[test]
fn mutated_signed_files_never_panic_nor_pass() {
    let signed = &FIX.signed;
    let start = find(signed, b"/Contents <") + "/Contents ".len();
    let end = start + find(&signed[start..], b">") + 1;
    let mut runner = TestRunner::new(Config::with_cases(400));
    let strategy = (0..signed.len(), any::<u8>(), 0..4u8, 0..64usize);
    runner
        .run(&strategy, |(at, byte, kind, len)| {
            let mut pdf = signed.clone();
            let touches_contents = at >= start && at < end;
            let changed = match kind {
                0 => {
                    let changed = pdf[at] != byte;
                    pdf[at] = byte;
                    changed
                }
                1 => {
                    pdf.truncate(at);
                    true
                }
                2 => {
                    pdf.insert(at, byte);
                    true
                }
                _ => {
                    let to = (at + len).min(pdf.len());
                    pdf.drain(at..to);
                    to > at
                }
            };
            let verdict = verify_pdf(&pdf, &FIX.policy, now());
            if changed && !(kind == 0 && touches_contents) {
                prop_assert!(matches!(verdict, Verdict::Refused(_)), "{kind} at {at}");
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_chain_through_an_intermediate_in_the_cms_is_valid() {
    let sub = FIX.ca.intermediate("Sub CA Uji", KADIS);
    let signed = sub.sign(&FIX.letter);
    match verify_pdf(&signed, &FIX.policy, now()) {
        Verdict::Valid(info) => assert!(info.issuer_subject.contains("Sub CA Uji"), "{info:?}"),
        other => panic!("{other:?}"),
    }
    // Without the intermediate in the CMS there is no path to the root.
    let bare = sub.signer().sign_with(&FIX.letter, "sha256", false);
    match refusal(&bare) {
        Refusal::UntrustedSigner { issuer } => assert!(issuer.contains("Sub CA Uji"), "{issuer}"),
        other => panic!("{other:?}"),
    }
    // The intermediate itself as the anchor is enough.
    let anchors = TrustAnchors::from_pem_files(&[sub.cert_path()]).unwrap();
    assert!(matches!(
        verify_pdf(&bare, &policy(anchors, KADIS), now()),
        Verdict::Valid(_)
    ));
}

#[test]
fn rsassa_pss_in_the_cms_and_the_certificate_is_valid() {
    let pss = FIX.ca.issue_pss("pss", "Kadis Kunci PSS");
    let signed = pss.sign(&FIX.letter);
    let cert = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(pss.cert_path())
        .output()
        .unwrap();
    let cert = String::from_utf8_lossy(&cert.stdout);
    assert!(cert.contains("Signature Algorithm: rsassaPss"), "{cert}");
    // The CMS (hex in /Contents) names id-RSASSA-PSS, 1.2.840.113549.1.1.10.
    let pss_oid = b"06092A864886F70D01010A";
    assert!(
        signed.windows(pss_oid.len()).any(|w| w == pss_oid),
        "the signature is not PSS"
    );
    valid_for_sertel_and_pdfsig(&signed, "Kadis Kunci PSS");
}

#[test]
fn an_ecdsa_p384_signer_is_valid() {
    ecdsa_signer_is_valid("ec384", Key::P384);
}

#[test]
fn an_ecdsa_p256_signer_is_valid() {
    ecdsa_signer_is_valid("ec", Key::P256);
}

fn ecdsa_signer_is_valid(label: &str, key: Key) {
    let ec = FIX
        .ca
        .issue(label, "Kadis Kunci EC", Validity::Current, key);
    valid_for_sertel_and_pdfsig(&ec.sign(&FIX.letter), "Kadis Kunci EC");
}

/// `signed` verifies for sertel, naming `signer`, and for pdfsig; one changed NIK digit is
/// `ContentChanged`.
fn valid_for_sertel_and_pdfsig(signed: &[u8], signer: &str) {
    match verify_pdf(signed, &policy(FIX.anchors.clone(), signer), now()) {
        Verdict::Valid(info) => assert_eq!(info.signer_name, signer),
        other => panic!("{other:?}"),
    }
    let dir = tempfile::tempdir().unwrap();
    let report = pdfsig(dir.path(), signed);
    assert!(report.contains("Signature is Valid"), "{report}");
    let mut tampered = signed.to_vec();
    let at = find(&tampered, NIK.as_bytes());
    tampered[at] = b'8';
    assert_eq!(refusal(&tampered), Refusal::ContentChanged);
}

#[test]
fn sha384_and_sha512_digests_are_checked() {
    for (md, name) in [("sha384", "SHA-384"), ("sha512", "SHA-512")] {
        let signed = FIX.ca.signer().sign_with(&FIX.letter, md, true);
        match verify_pdf(&signed, &FIX.policy, now()) {
            Verdict::Valid(info) => assert_eq!(info.digest, name),
            other => panic!("{md}: {other:?}"),
        }
    }
}

#[test]
fn a_byte_range_leaving_out_more_than_its_contents_is_refused() {
    let start = find(&FIX.signed, b"/ByteRange [0 ") + "/ByteRange [".len();
    let mut shifted = FIX.signed.clone();
    shifted[start] = b'1';
    assert!(
        matches!(refusal(&shifted), Refusal::NotWholeFile { .. }),
        "{:?}",
        refusal(&shifted)
    );

    // The gap widened by one byte before /Contents' hex string: the excluded part is no
    // longer only the signature.
    let mut widened = FIX.signed.clone();
    let numbers = String::from_utf8_lossy(&widened[start..start + 44]).into_owned();
    let b: usize = numbers.split_whitespace().nth(1).unwrap().parse().unwrap();
    let text = format!("{:<10}", b - 1);
    let at = start + numbers.find(&b.to_string()).unwrap();
    widened[at..at + 10].copy_from_slice(text.as_bytes());
    assert!(
        matches!(refusal(&widened), Refusal::NotWholeFile { .. }),
        "{:?}",
        refusal(&widened)
    );
}

#[test]
fn signed_attributes_in_the_signers_own_order_are_accepted() {
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    use der::{Decode, Encode};
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::{Pkcs1v15Sign, RsaPrivateKey};
    use sha2::{Digest, Sha256};

    let start = find(&FIX.signed, b"/Contents <") + "/Contents <".len();
    let end = start + find(&FIX.signed[start..], b">");
    let mut der = hex::decode(&FIX.signed[start..end]).unwrap();
    assert_eq!(der[1], 0x82, "openssl's CMS is a few kilobytes");
    der.truncate(4 + u16::from_be_bytes([der[2], der[3]]) as usize);

    let signed: SignedData = ContentInfo::from_der(&der)
        .unwrap()
        .content
        .decode_as()
        .unwrap();
    let signer = signed.signer_infos.0.get(0).unwrap();
    let attrs = signer.signed_attrs.as_ref().unwrap();
    let sorted = attrs.to_der().unwrap();
    let mut reversed: Vec<u8> = Vec::new();
    for attr in attrs.iter().rev() {
        reversed.extend(attr.to_der().unwrap());
    }
    let header = sorted.len() - reversed.len();
    let mut implicit = sorted.clone();
    implicit[0] = 0xA0;
    let at = find(&der, &implicit) + header;
    assert_ne!(der[at..at + reversed.len()], reversed[..]);
    der[at..at + reversed.len()].copy_from_slice(&reversed);

    // Sign the signer's own (unsorted) order, as a non-conforming signer would.
    let mut message = sorted[..header].to_vec();
    message.extend(&reversed);
    let pem = std::fs::read_to_string(FIX.ca.signer().key_path()).unwrap();
    let key = RsaPrivateKey::from_pkcs8_pem(&pem).unwrap();
    let signature = key
        .sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&message))
        .unwrap();
    let old = signer.signature.as_bytes();
    let sig_at = find(&der, old);
    der[sig_at..sig_at + old.len()].copy_from_slice(&signature);

    let mut pdf = FIX.signed.clone();
    let hex = hex::encode_upper(&der);
    pdf[start..start + hex.len()].copy_from_slice(hex.as_bytes());
    match verify_pdf(&pdf, &FIX.policy, now()) {
        Verdict::Valid(info) => assert_eq!(info.signer_name, KADIS),
        other => panic!("{other:?}"),
    }
}

#[test]
fn trust_anchors_load_from_der_and_from_a_pem_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let der = dir.path().join("root.cer");
    let status = Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(FIX.other_ca.cert_path())
        .arg("-out")
        .arg(&der)
        .status()
        .unwrap();
    assert!(status.success());
    let signed = FIX.other_ca.sign(&FIX.letter);
    let anchors = TrustAnchors::from_pem_files(&[der]).unwrap();
    assert!(matches!(
        verify_pdf(&signed, &policy(anchors.clone(), KADIS), now()),
        Verdict::Valid(_)
    ));

    let mut bundle = std::fs::read(FIX.ca.cert_path()).unwrap();
    bundle.extend(std::fs::read(FIX.other_ca.cert_path()).unwrap());
    let anchors = TrustAnchors::from_pem(&bundle, "bundle.pem").unwrap();
    assert_eq!(anchors.subjects().len(), 2);
    assert!(matches!(
        verify_pdf(&signed, &policy(anchors.clone(), KADIS), now()),
        Verdict::Valid(_)
    ));
    assert!(matches!(
        verify_pdf(&FIX.signed, &policy(anchors.clone(), KADIS), now()),
        Verdict::Valid(_)
    ));
}
