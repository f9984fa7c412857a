//! BSrE's use cases: the Kadis signs the drafted letter on the desk (step 5), and the daemon
//! sees the applicant's certificate issued (step 11) instead of a verifier typing it. Every
//! call is kept in the case's history, never a passphrase.

use chrono::{DateTime, Utc};

use crate::applicant::Nik;
use crate::bsre::{Bsre, BsreError, CertStatus, Passphrase, Placement, SignRequest};
use crate::case::store::{CaseError, CaseStore};
use crate::case::{Actor, CaseId, EventKind, State};
use crate::config::Office;
use crate::desk::Desk;
use crate::desk::reply::{CommandError, get_case};
use crate::letter::LetterData;
use crate::letter::layout::FontFiles;
use crate::letter::stamp::{signature_place, stamp_png};
use crate::outbound::compose;

/// What the Kadis's signing sends BSrE, made from the case before the passphrase is asked for.
pub struct SigningJob {
    pub id: CaseId,
    pub nik: Nik,
    pub pdf: Vec<u8>,
    pub stamp: Vec<u8>,
    pub place: Placement,
}

/// The latest draft of case `id`, its stamp and the stamp's place, for the Kadis to sign.
pub fn prepare_signing(desk: &Desk<'_>, id: &str) -> Result<SigningJob, CommandError> {
    let bsre = desk.config.bsre.as_ref().ok_or_else(|| {
        CommandError::refused("Penandatanganan lewat BSrE belum diatur ([bsre] pada konfigurasi).")
    })?;
    let nik = Nik::parse(&bsre.kadis_nik).map_err(|e| {
        CommandError::refused(format!(
            "NIK Kadis pada [bsre] tidak sah: {}",
            e.keterangan()
        ))
    })?;
    let case = get_case(desk.store, id)?;
    if case.state != State::RekomendasiDikirim {
        return Err(CommandError::refused(format!(
            "Kasus {} berstatus {}; surat hanya ditandatangani selama berstatus rekomendasi \
             dikirim.",
            case.id,
            case.state.label_id()
        )));
    }
    let (pdf_sha, _) = case.draft().ok_or_else(|| {
        CommandError::refused(format!("Kasus {} belum memiliki draf surat.", case.id))
    })?;
    let pdf = desk
        .store
        .blob(pdf_sha)?
        .ok_or_else(|| CommandError::refused(format!("Draf surat kasus {} hilang.", case.id)))?;
    let letter_error = |e: crate::letter::LetterError| {
        CommandError::refused(format!("Surat tidak dapat disiapkan: {e}"))
    };
    let data = LetterData::from_fields(&case.applicant.fields)
        .map_err(|e| CommandError::refused(e.keterangan()))?;
    // A template without `${ttd_pengirim}` still gets a visible signature, at the lower right.
    let fonts = FontFiles::load().map_err(letter_error)?;
    let place = match signature_place(&fonts, &desk.rules.letter, &data).map_err(letter_error)? {
        Some(p) => Placement {
            page: p.page,
            x: p.x,
            y: p.y,
            width: p.width,
            height: p.height,
        },
        None => Placement {
            page: 1,
            x: 330.0,
            y: 80.0,
            width: 190.0,
            height: 50.0,
        },
    };
    Ok(SigningJob {
        id: case.id,
        nik,
        pdf,
        stamp: stamp_png(&fonts, &desk.config.office.kadis.name).map_err(letter_error)?,
        place,
    })
}

/// Sends the job to BSrE with the Kadis's passphrase and returns the signed PDF as BSrE gave
/// it; the caller accepts it as a mailed letter is accepted (`Command::Sign`, the same
/// signature check). The passphrase is dropped, and so wiped, before this returns.
pub async fn request_signature(
    desk: &Desk<'_>,
    bsre: &dyn Bsre,
    job: &SigningJob,
    passphrase: Passphrase,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, CommandError> {
    let request = SignRequest {
        nik: &job.nik,
        passphrase: &passphrase,
        pdf: &job.pdf,
        stamp: Some((&job.stamp, job.place)),
        location: &desk.config.office.name,
        reason: "Rekomendasi penerbitan sertifikat elektronik",
    };
    let signed = bsre.sign_pdf(&request).await;
    // Wiped now, not when the caller is done with the letter.
    drop(passphrase);
    match signed {
        Ok(pdf) => {
            record_call(
                desk.store,
                job.id,
                "sign/pdf",
                Some(200),
                "surat ditandatangani BSrE",
                now,
            )?;
            Ok(pdf)
        }
        Err(e) => {
            tracing::warn!(case = %job.id, error = %e, "BSrE signing failed");
            record_call(
                desk.store,
                job.id,
                "sign/pdf",
                e.http_status(),
                &failure_words(&e),
                now,
            )?;
            Err(CommandError::Bsre(e))
        }
    }
}

fn failure_words(e: &BsreError) -> String {
    match e {
        BsreError::WrongPassphrase { .. } => "passphrase salah".into(),
        BsreError::Refused { message, .. } => format!("ditolak: {message}"),
        BsreError::Unreachable(_) => "BSrE tidak dapat dihubungi".into(),
        BsreError::Protocol { .. } => "jawaban BSrE tidak terbaca".into(),
        BsreError::Settings(_) => "pengaturan [bsre] tidak dapat dipakai".into(),
    }
}

/// Keeps one BSrE call in the case's history.
fn record_call(
    store: &CaseStore,
    id: CaseId,
    call: &str,
    http_status: Option<u16>,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    store
        .update(id, now, |case| {
            case.record(
                Actor::System,
                EventKind::BsreCall {
                    call: call.to_string(),
                    http_status,
                    outcome: outcome.to_string(),
                },
                None,
                now,
            );
            Ok::<_, std::convert::Infallible>(Vec::new())
        })
        .map(|_| ())
}

/// What one round of status checks did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StatusRound {
    pub asked: usize,
    pub issued: usize,
    /// BSrE could not be asked (down, refused): the round stopped there.
    pub failed: bool,
}

/// Asks BSrE how each applicant's certificate stands: every case at a BSrE step (moved to
/// `terbit`, with the applicant's congratulation, when BSrE says ISSUE), and once for each new
/// case (an applicant already ISSUE is renewing, or applying twice: the verifier decides).
pub async fn check_statuses(
    store: &CaseStore,
    office: &Office,
    bsre: &dyn Bsre,
    now: DateTime<Utc>,
) -> Result<StatusRound, CaseError> {
    let mut round = StatusRound::default();
    for case in store.list()? {
        let asked_before = case
            .history
            .iter()
            .any(|e| matches!(&e.what, EventKind::BsreCall { call, .. } if call == "check/status"));
        let due = case.state.awaits_bsre() || (case.state == State::Diterima && !asked_before);
        let Some(nik) = case
            .applicant
            .fields
            .nik
            .as_deref()
            .and_then(|n| Nik::parse(n).ok())
        else {
            continue;
        };
        if !due {
            continue;
        }
        round.asked += 1;
        let status = match bsre.check_status(&nik).await {
            Ok(status) => status,
            Err(e) => {
                tracing::warn!(case = %case.id, error = %e, "BSrE status check failed");
                record_call(
                    store,
                    case.id,
                    "check/status",
                    e.http_status(),
                    &failure_words(&e),
                    now,
                )?;
                round.failed = true;
                return Ok(round);
            }
        };
        let issued = status == CertStatus::Issue && case.state.awaits_bsre();
        let outcome = match (&status, case.state) {
            (CertStatus::Issue, State::Diterima) => format!(
                "{}: pemohon sudah memiliki sertifikat aktif (perpanjangan atau permohonan ganda; \
                 verifikator memutuskan)",
                status.keterangan()
            ),
            (s, _) if s.is_alarm() => format!("{}: perlu diperiksa verifikator", s.keterangan()),
            (s, _) => s.keterangan(),
        };
        let moved = store.update(case.id, now, |case| {
            case.record(
                Actor::System,
                EventKind::BsreCall {
                    call: "check/status".into(),
                    http_status: Some(200),
                    outcome: outcome.clone(),
                },
                None,
                now,
            );
            if issued {
                case.issued(now)?;
                return Ok(compose::bsre_step(office, case, now).into_iter().collect());
            }
            Ok::<_, crate::case::sop::SopError>(Vec::new())
        });
        // Someone moved the case meanwhile (cancelled, say): their word stands.
        if let Ok(Err(e)) = &moved {
            tracing::info!(case = %case.id, error = %e, "case not moved to terbit");
            continue;
        }
        let _ = moved?;
        if issued {
            tracing::info!(case = %case.id, "BSrE says ISSUE: case terbit");
            round.issued += 1;
        }
    }
    Ok(round)
}
