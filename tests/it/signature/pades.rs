//! Letters signed by an independent stack (pyHanko, with a PKI made by `cryptography` in
//! `pades.py`): what real signers return is accepted, each forgery refused with its reason.

use super::{NIK, pdfsig};
use crate::common::mailservers::skip;
use crate::common::pdfsign::text_pdf;
use sertel::config::{SignerSpec, Signing};
use sertel::signature::{Policy, Refusal, SignedInfo, Verdict, verify_pdf};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;

const KADIS: &str = "Kepala Dinas Uji PAdES";
const OTHER_NIK: &str = "7502010101800002";

struct Signed {
    dir: tempfile::TempDir,
    policy: Policy,
}

fn python() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyhanko-venv/bin/python")
}

/// Whether pyHanko's venv is there; a test without it fails unless skipping is allowed.
pub fn available() -> bool {
    let there = python().exists();
    if !there {
        skip("pyHanko venv missing (scripts/setup makes target/pyhanko-venv)");
    }
    there
}

/// Runs pades.py in `mode` (all, daemon, pki) into `dir`, the Kadis named `kadis`; root.pem
/// and tsa-root.pem land in `dir`.
pub fn run(dir: &Path, [letter, other]: [&Path; 2], nik: &str, mode: &str, kadis: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/signature/pades.py");
    let out = Command::new(python())
        .arg(script)
        .args([dir, letter, other])
        .args([nik, mode])
        .env("PADES_KADIS_CN", kadis)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pades.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The letters pades.py signs, made once; `None` when pyHanko is missing and skipping is
/// allowed.
static SIGNED: LazyLock<Option<Signed>> = LazyLock::new(|| {
    if !available() {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let letter = dir.path().join("letter.pdf");
    let other = dir.path().join("other.pdf");
    let lines = |name: &str, nik: &str| {
        text_pdf(&[
            "SURAT REKOMENDASI",
            &format!("Nama: {name}"),
            &format!("NIK: {nik}"),
        ])
    };
    std::fs::write(&letter, lines("Siti Rahmawati Uji", NIK)).unwrap();
    std::fs::write(&other, lines("Budi Lain Uji", OTHER_NIK)).unwrap();
    run(dir.path(), [&letter, &other], NIK, "all", KADIS);
    let policy = Policy::from_config(&Signing {
        trust_anchors: vec![dir.path().join("root.pem")],
        tsa_anchors: vec![dir.path().join("tsa-root.pem")],
        signer: Some(SignerSpec {
            common_name: Some(KADIS.into()),
            ..SignerSpec::default()
        }),
    })
    .unwrap();
    Some(Signed { dir, policy })
});

fn file(label: &str) -> Option<(Vec<u8>, &'static Signed)> {
    let signed = SIGNED.as_ref()?;
    let bytes = std::fs::read(signed.dir.path().join(format!("{label}.pdf"))).unwrap();
    Some((bytes, signed))
}

fn accepted(label: &str) -> Option<SignedInfo> {
    let (pdf, signed) = file(label)?;
    match verify_pdf(&pdf, &signed.policy, chrono::Utc::now()) {
        Verdict::Valid(info) => {
            assert_eq!(info.signer_name, KADIS, "{label}");
            let scratch = tempfile::tempdir().unwrap();
            let report = pdfsig(scratch.path(), &pdf);
            assert!(
                report.contains("Signature is Valid") && !report.contains("Invalid"),
                "{label}: {report}"
            );
            assert!(
                pyhanko_verdict(signed, label).starts_with("Signature1 True"),
                "{label}: pyHanko disagrees"
            );
            Some(info)
        }
        Verdict::Refused(r) => panic!("{label} refused: {r:?}: {}", r.keterangan()),
    }
}

/// What pyHanko's own validator said of each signature (pades.py writes it): field name,
/// bottom line, modification level after it.
fn pyhanko_verdict(signed: &Signed, label: &str) -> String {
    std::fs::read_to_string(signed.dir.path().join(format!("{label}.pyhanko"))).unwrap()
}

fn refused(label: &str) -> Option<Refusal> {
    let (pdf, signed) = file(label)?;
    match verify_pdf(&pdf, &signed.policy, chrono::Utc::now()) {
        Verdict::Refused(r) => Some(r),
        Verdict::Valid(info) => panic!("{label} accepted: {info:?}"),
    }
}

#[test]
fn pades_baseline_b_and_b_t_are_accepted_with_the_timestamp_time() {
    let Some(b) = accepted("b-b") else { return };
    assert_eq!((b.timestamp, b.later_revisions), (None, 0));
    let t = accepted("b-t").unwrap();
    let at = t.timestamp.expect("B-T carries a signature timestamp");
    assert!((chrono::Utc::now() - at).num_minutes().abs() < 10, "{at}");
}

#[test]
fn b_lt_with_the_dss_in_a_later_revision_is_accepted() {
    let Some(lt) = accepted("b-lt") else { return };
    assert!(lt.later_revisions >= 1, "{lt:?}");
    assert!(lt.timestamp.is_some());
    let qpdf = accepted("qpdf-b-lt").unwrap();
    assert!(qpdf.later_revisions >= 1, "{qpdf:?}");
}

#[test]
fn b_lta_in_both_layouts_is_accepted() {
    let Some(lta) = accepted("b-lta") else { return };
    assert_eq!(lta.document_timestamps, 1, "{lta:?}");
    assert!(
        lta.later_revisions >= 2,
        "DSS and the document timestamp: {lta:?}"
    );
    let t_then_ts = accepted("b-t-then-doc-timestamp").unwrap();
    assert_eq!(t_then_ts.document_timestamps, 1);
    assert_eq!(t_then_ts.later_revisions, 1);
}

#[test]
fn rsassa_pss_ecdsa_p384_and_a_qr_stamp_from_pyhanko_are_accepted() {
    let Some(pss) = accepted("b-lt-pss") else {
        return;
    };
    assert!(pss.later_revisions >= 1);
    let (pdf, _) = file("b-lt-pss").unwrap();
    // The CMS names id-RSASSA-PSS (1.2.840.113549.1.1.10), as hex in /Contents.
    assert!(
        pdf.windows(22)
            .any(|w| w.eq_ignore_ascii_case(b"06092A864886F70D01010A"))
    );
    let p384 = accepted("b-lt-p384").unwrap();
    assert_eq!(p384.digest, "SHA-256");
    let qr = accepted("b-lt-qr").unwrap();
    assert!(qr.later_revisions >= 1);
}

#[test]
fn an_intermediate_only_the_dss_carries_completes_the_chain() {
    let Some(info) = accepted("intermediate-in-dss-only") else {
        return;
    };
    assert!(info.issuer_subject.contains("BSrE Uji"), "{info:?}");
}

#[test]
fn an_issuing_ca_the_embedded_crl_revokes_is_refused() {
    let Some(r) = refused("forgery-revoked-intermediate") else {
        return;
    };
    match &r {
        Refusal::Revoked {
            subject, source, ..
        } => {
            assert_eq!((subject.as_str(), *source), ("BSrE Lama Uji", "CRL"));
        }
        other => panic!("{other:?}"),
    }
    assert!(r.keterangan().contains("dicabut"), "{}", r.keterangan());
}

#[test]
fn two_signers_each_b_lt_name_the_kadis_as_the_authority() {
    let Some(two) = accepted("two-signers-lt") else {
        return;
    };
    assert_eq!(two.signatures, 2);
    assert_eq!(two.other_signers, vec!["Sekretaris Dinas Uji".to_string()]);
    let said = Verdict::Valid(two).keterangan();
    assert!(
        said.contains(KADIS) && said.contains("cap waktu") && said.contains("Sekretaris"),
        "{said}"
    );
}

#[test]
fn a_letter_changed_and_re_signed_by_another_holder_is_refused() {
    let Some(r) = refused("forgery-resigned") else {
        return;
    };
    match &r {
        Refusal::ChangedAfterSigning { revision: 1, what } => {
            assert!(what.contains("halaman 1"), "{what}")
        }
        other => panic!("{other:?}"),
    }
    assert!(r.keterangan().contains("revisi ke-1"), "{}", r.keterangan());
    let (_, signed) = file("forgery-resigned").unwrap();
    let pyhanko = pyhanko_verdict(signed, "forgery-resigned");
    assert!(pyhanko.starts_with("Signature1 False"), "{pyhanko}");
}

#[test]
fn a_hidden_layer_switched_on_after_signing_is_refused() {
    let Some(r) = refused("forgery-shadow") else {
        return;
    };
    match &r {
        Refusal::ChangedAfterSigning { what, .. } => assert!(what.contains("lapisan"), "{what}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_kadis_letter_changed_in_an_unsigned_revision_is_refused() {
    let Some(r) = refused("forgery-incremental") else {
        return;
    };
    match &r {
        Refusal::ChangedAfterSigning { what, .. } => assert!(what.contains("halaman 1"), "{what}"),
        other => panic!("{other:?}"),
    }
    let (_, signed) = file("forgery-incremental").unwrap();
    let pyhanko = pyhanko_verdict(signed, "forgery-incremental");
    assert!(pyhanko.starts_with("Signature1 False"), "{pyhanko}");
}

#[test]
fn a_letter_signed_by_someone_not_the_kadis_is_refused() {
    let Some(r) = refused("forgery-stranger") else {
        return;
    };
    match &r {
        Refusal::WrongSigner { found, .. } => assert_eq!(found, &["Pegawai Lain Uji"]),
        other => panic!("{other:?}"),
    }
    assert!(r.keterangan().contains("Pegawai Lain Uji"));
}

#[test]
fn a_signer_its_own_ocsp_answer_calls_revoked_is_refused() {
    let Some(r) = refused("forgery-revoked") else {
        return;
    };
    match &r {
        Refusal::Revoked {
            subject, source, ..
        } => {
            assert_eq!(subject, KADIS);
            assert_eq!(*source, "OCSP");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn with_no_signer_configured_every_letter_is_refused() {
    let Some((pdf, signed)) = file("b-lt") else {
        return;
    };
    let mut policy = signed.policy.clone();
    policy.signer = None;
    let Verdict::Refused(r) = verify_pdf(&pdf, &policy, chrono::Utc::now()) else {
        panic!("accepted without a signer");
    };
    assert_eq!(r, Refusal::NoSignerConfigured);
    assert!(r.keterangan().contains("[signing.signer]"));
}

#[test]
fn a_timestamp_authority_outside_the_anchors_is_refused() {
    let Some((pdf, signed)) = file("b-t") else {
        return;
    };
    let mut policy = signed.policy.clone();
    policy.tsa_anchors = sertel::signature::TrustAnchors::from_pem_files(&[]).unwrap();
    match verify_pdf(&pdf, &policy, chrono::Utc::now()) {
        Verdict::Refused(Refusal::Timestamp { what }) => {
            assert!(what.contains("TSA Root Uji"), "{what}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn another_case_s_letter_carrying_this_nik_as_invisible_text_is_not_this_case_s() {
    // The signature itself is the Kadis's and sound; what he signed is another applicant's
    // letter, with this NIK hidden in render mode 3.
    let Some((pdf, signed)) = file("forgery-invisible") else {
        return;
    };
    let Verdict::Valid(info) = verify_pdf(&pdf, &signed.policy, chrono::Utc::now()) else {
        panic!("the Kadis's signature should verify");
    };
    let layer = sertel::text::pdf::read(info.signed_revision(&pdf))
        .unwrap()
        .text();
    assert!(layer.contains(NIK), "the hidden NIK is in the text layer");
    let text = sertel::signature::visible_text(info.signed_revision(&pdf)).unwrap();
    assert!(!text.contains(NIK), "the hidden NIK is not shown: {text}");
    assert!(text.contains(OTHER_NIK), "{text}");
    let fields = sertel::applicant::ApplicantFields {
        name: Some("Siti Rahmawati Uji".into()),
        nik: Some(NIK.into()),
        ..Default::default()
    };
    let err = sertel::desk::letters::names_the_applicant(&text, &fields).unwrap_err();
    assert!(err.contains("NIK pemohon tidak tercantum"), "{err}");
    // This case's own letter, as signed, passes.
    let (own, _) = file("b-lta").unwrap();
    let Verdict::Valid(info) = verify_pdf(&own, &signed.policy, chrono::Utc::now()) else {
        panic!("b-lta");
    };
    let text = sertel::signature::visible_text(info.signed_revision(&own)).unwrap();
    assert_eq!(
        sertel::desk::letters::names_the_applicant(&text, &fields),
        Ok(())
    );
}
