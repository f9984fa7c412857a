//! The recommendation letter's use cases: a signed letter checked and accepted, and the
//! package of files the verifier uploads to BSrE.

use crate::applicant::ApplicantFields;
use crate::case::sop::SopError;
use crate::case::store::CaseStore;
use crate::case::{Actor, Case, CaseId, EventKind, LetterFile, State};
use crate::config::{Config, Person};
use crate::desk::reply::{CommandError, ReplyFile};
use crate::outbound::compose::MailFile;
use crate::outbound::{OutgoingMail, compose};
use crate::signature::{Policy, SignedInfo, Verdict, verify_pdf};
use chrono::{DateTime, Utc};

/// The largest signed letter staff may upload (CLI or web); a signed one-page letter is far
/// smaller, and the command carries the bytes over the control socket.
pub const SIGNED_LETTER_LIMIT: usize = 20 * 1024 * 1024;

/// Whether `pdf` is this case's recommendation letter with a valid electronic signature: the
/// case waits for it, the Kadis named in `policy` signed it and nothing but signatures and validation data changed after, and the signed text
/// names the applicant's NIK. The reason, in Indonesian, when it is not.
pub fn check_signed_letter(
    pdf: &[u8],
    case: &Case,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<SignedInfo, String> {
    if case.state != State::RekomendasiDikirim {
        return Err(format!(
            "kasus {} berstatus {}; surat bertanda tangan hanya diterima selama surat \
             rekomendasi menunggu tanda tangan Kadis.",
            case.id,
            case.state.label_id()
        ));
    }
    let info = match verify_pdf(pdf, policy, now) {
        Verdict::Valid(info) => info,
        Verdict::Refused(refusal) => return Err(refusal.keterangan()),
    };
    // What a viewer shows, not the text layer: text drawn invisibly, white, off the page,
    // clipped away or in a hidden layer is not what the Kadis saw when he signed.
    let text = crate::signature::visible_text(info.signed_revision(pdf)).unwrap_or_default();
    names_the_applicant(&text, &case.applicant.fields)?;
    Ok(info)
}

/// Whether the text the Kadis saw and signed is this applicant's letter: the NIK, the NIP and the
/// name the draft was made from all appear (spacing and case aside), and no other NIK does.
pub fn names_the_applicant(text: &str, fields: &ApplicantFields) -> Result<(), String> {
    let squeeze = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let digits = |s: &str| -> String { s.chars().filter(char::is_ascii_digit).collect() };
    let signed = squeeze(text);
    let not_this = |what: &str| {
        format!(
            "surat yang ditandatangani bukan surat rekomendasi untuk kasus ini: {what} pemohon \
             tidak tercantum di dalamnya."
        )
    };
    let nik = fields.nik.as_deref().map(digits).unwrap_or_default();
    if nik.is_empty() || !signed.contains(&nik) {
        return Err(not_this("NIK"));
    }
    if let Some(nip) = fields.nip.as_deref().map(digits).filter(|n| !n.is_empty())
        && !signed.contains(&nip)
    {
        return Err(not_this("NIP"));
    }
    if let Some(name) = fields
        .name
        .as_deref()
        .map(squeeze)
        .filter(|n| !n.is_empty())
        && !signed.contains(&name)
    {
        return Err(not_this("nama"));
    }
    let other = text
        .split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 16 && *run != nik);
    if let Some(other) = other {
        return Err(format!(
            "surat yang ditandatangani memuat NIK lain (berakhiran {}) selain NIK pemohon; \
             surat rekomendasi hanya boleh memuat data pemohon kasus ini.",
            &other[12..]
        ));
    }
    Ok(())
}

/// Keeps a signed letter that passed [`check_signed_letter`] and tells the case's verifier
/// (every verifier when none is assigned).
pub fn accept_signed_letter(
    case: &mut Case,
    config: &Config,
    info: &SignedInfo,
    sha256: &str,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Vec<OutgoingMail>, SopError> {
    case.transition(State::Ditandatangani, actor.clone(), now, None)?;
    case.letters.push(LetterFile::Signed {
        at: now,
        sha256: sha256.to_string(),
        signer: info.signer_name.clone(),
    });
    case.record(
        actor,
        EventKind::LetterSigned {
            sha256: sha256.to_string(),
            signer: info.signer_name.clone(),
        },
        None,
        now,
    );
    let office = &config.office;
    let assigned: Vec<&Person> = office
        .verifiers
        .iter()
        .filter(|v| case.verifier.as_deref() == Some(v.email.as_str()))
        .collect();
    let to = if assigned.is_empty() {
        office.verifiers.iter().collect()
    } else {
        assigned
    };
    Ok(to
        .into_iter()
        .map(|v| compose::letter_signed(office, case, v, &info.signer_name, now))
        .collect())
}

pub(super) fn letter_files(id: CaseId, pdf: &[u8], docx: &[u8]) -> [MailFile; 2] {
    [
        MailFile {
            filename: format!("{id}_surat_rekomendasi.pdf"),
            content_type: "application/pdf",
            bytes: pdf.to_vec(),
        },
        MailFile {
            filename: format!("{id}_surat_rekomendasi.docx"),
            content_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            bytes: docx.to_vec(),
        },
    ]
}

/// The signed letter, the latest KTP and SK and a data sheet, named `TTE-…_1_…` so they sort in
/// the order BSrE's form asks for them and need no renaming.
pub(super) fn package(case: &Case, store: &CaseStore) -> Result<Vec<ReplyFile>, CommandError> {
    let Some(signed) = case.signed_letter() else {
        return Err(CommandError::refused(format!(
            "Kasus {} belum memiliki surat rekomendasi bertanda tangan elektronik yang sah; paket \
             belum dapat dibuat.",
            case.id
        )));
    };
    let blob = |sha256: &str| -> Result<Vec<u8>, CommandError> {
        store
            .blob(sha256)
            .map_err(CommandError::Store)?
            .ok_or_else(|| {
                CommandError::refused(format!("Berkas {sha256} kasus {} hilang.", case.id))
            })
    };
    let name_part = name_for_file(case.applicant.fields.name.as_deref().unwrap_or("pemohon"));
    let mut files = vec![ReplyFile {
        name: format!("{}_1_surat_rekomendasi_ttd.pdf", case.id),
        bytes: blob(signed)?,
    }];
    for (n, kind, label) in [(2, "ktp", "KTP"), (3, "sk", "SK_jabatan")] {
        match case.attachments.iter().rev().find(|a| a.kind == kind) {
            Some(a) => files.push(ReplyFile {
                name: format!("{}_{n}_{label}_{name_part}.{}", case.id, a.file_type),
                bytes: blob(&a.sha256)?,
            }),
            None => {
                return Err(CommandError::refused(format!(
                    "Kasus {} tidak memiliki lampiran {label}; paket belum dapat dibuat.",
                    case.id
                )));
            }
        }
    }
    let mut sheet = format!("Data pemohon sertifikat elektronik — kasus {}\n\n", case.id);
    let a = &case.applicant.fields;
    for (label, value) in [
        ("Nama", &a.name),
        ("NIK", &a.nik),
        ("NIP", &a.nip),
        ("Pangkat/Golongan", &a.rank),
        ("Jabatan", &a.position),
        ("Unit Kerja", &a.unit),
        ("Email dinas", &a.email),
        ("No. HP", &a.phone),
    ] {
        sheet.push_str(&format!(
            "{label:<17}: {}\n",
            value.as_deref().unwrap_or("-")
        ));
    }
    files.push(ReplyFile {
        name: format!("{}_4_data_pemohon.txt", case.id),
        bytes: sheet.into_bytes(),
    });
    Ok(files)
}

/// A name as part of a file name: letters and digits kept (non-ASCII too), the rest `_`.
pub(super) fn name_for_file(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_');
    if out.is_empty() {
        "pemohon".into()
    } else {
        out.chars().take(60).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ApplicantFields {
        ApplicantFields {
            name: Some("Siti Rahmawati Uji".into()),
            nik: Some("7502014506800001".into()),
            nip: Some("198006052005012001".into()),
            ..ApplicantFields::default()
        }
    }

    #[test]
    fn the_applicant_s_letter_passes_and_another_s_does_not() {
        let good = "SURAT REKOMENDASI\nNama : SITI RAHMAWATI  UJI\nNIK : 7502014506800001\n\
                    NIP : 19800605 200501 2 001\n";
        assert_eq!(names_the_applicant(good, &fields()), Ok(()));
        let other_name = good.replace("RAHMAWATI", "AMINAH");
        assert!(
            names_the_applicant(&other_name, &fields())
                .unwrap_err()
                .contains("nama")
        );
        let no_nip = good.replace("19800605 200501 2 001", "");
        assert!(
            names_the_applicant(&no_nip, &fields())
                .unwrap_err()
                .contains("NIP")
        );
        let two = format!("{good}NIK : 7502010101800002\n");
        let err = names_the_applicant(&two, &fields()).unwrap_err();
        assert!(
            err.contains("berakhiran 0002") && !err.contains("75020101"),
            "{err}"
        );
        assert!(
            names_the_applicant("", &fields())
                .unwrap_err()
                .contains("NIK")
        );
    }
}
