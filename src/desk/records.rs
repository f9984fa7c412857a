//! The office's record commands: accounts, backups and their check, the audit export, erasure
//! on request, the report.

use super::cx::Cx;
use crate::case::sop;
use crate::desk::accounts::{Account, Accounts, Role};
use crate::desk::reply::{CommandError, Reply, parse_id};
use crate::report;
use chrono::NaiveDate;

pub(super) fn user_add(
    cx: &Cx<'_>,
    name: &str,
    role: Role,
    password_hash: &str,
    verifier: Option<&str>,
) -> Result<Reply, CommandError> {
    let Cx { store, office, .. } = *cx;

    let name = crate::desk::accounts::check_name(name)
        .map_err(|e| CommandError::refused(format!("Akun tidak disimpan: {e}.")))?;
    let verifier = match (role, verifier) {
        (Role::Verifikator, Some(who)) => {
            let wanted = who.trim().to_lowercase();
            let found = office
                .verifiers
                .iter()
                .find(|v| v.email.eq_ignore_ascii_case(&wanted) || v.name.to_lowercase() == wanted);
            let Some(found) = found else {
                let names: Vec<&str> = office.verifiers.iter().map(|v| v.email.as_str()).collect();
                return Err(CommandError::refused(format!(
                    "Verifikator \"{who}\" tidak ada pada [office]. Verifikator kantor: {}.",
                    names.join(", ")
                )));
            };
            Some(found.email.clone())
        }
        (_, Some(_)) => {
            return Err(CommandError::refused(
                "Hanya akun verifikator yang ditautkan ke verifikator kantor.",
            ));
        }
        (_, None) => None,
    };
    let accounts = Accounts::open(store)
        .map_err(|e| CommandError::refused(format!("Basis data akun gagal dibuka: {e}")))?;
    accounts
        .put(&Account {
            name: name.to_string(),
            role,
            hash: password_hash.to_string(),
            verifier,
        })
        .map_err(|e| CommandError::refused(format!("Akun gagal disimpan: {e}")))?;
    Ok(Reply::ok(format!(
        "Pengguna {name} ({role}) disimpan; ia dapat masuk ke meja web."
    )))
}

pub(super) fn backup(cx: &Cx<'_>, dir: &std::path::Path) -> Result<Reply, CommandError> {
    let Cx { store, now, .. } = *cx;

    let m = crate::case::backup::backup(store, dir, now)
        .map_err(|e| CommandError::refused(format!("Cadangan tidak dibuat: {e}.")))?;
    Ok(Reply::ok(format!(
        "Cadangan ditulis ke {}: {} kasus, {} surel di antrean, {} berkas ({} KB).",
        dir.display(),
        m.cases,
        m.outbox,
        m.blobs,
        m.blob_bytes.div_ceil(1024)
    )))
}

pub(super) fn export_audit(
    cx: &Cx<'_>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    format: &str,
) -> Result<Reply, CommandError> {
    let Cx { store, .. } = *cx;

    let cases = store.list().map_err(CommandError::Store)?;
    let logins = Accounts::open(store)
        .and_then(|a| a.logins())
        .map_err(|e| CommandError::refused(format!("Catatan masuk tidak dapat dibaca: {e}")))?;
    let rows = crate::audit::rows(&cases, &logins, from, to);
    Ok(Reply::ok(match format {
        "csv" => crate::audit::csv(&rows),
        "json" => serde_json::to_string_pretty(&rows).unwrap_or_default(),
        _ => crate::audit::text(&rows),
    }))
}

pub(super) fn verify(cx: &Cx<'_>) -> Result<Reply, CommandError> {
    let Cx { store, .. } = *cx;

    let v = crate::case::backup::verify(store)
        .map_err(|e| CommandError::refused(format!("Pemeriksaan gagal: {e}.")))?;
    let summary = format!(
        "{} kasus, {} berkas diperiksa, {} berkas tanpa rujukan",
        v.cases, v.blobs_checked, v.unnamed
    );
    if v.problems.is_empty() {
        Ok(Reply::ok(format!("Folder data utuh: {summary}.")))
    } else {
        Err(CommandError::refused(format!(
            "Folder data bermasalah ({summary}):\n{}",
            v.problems.join("\n")
        )))
    }
}

pub(super) fn erase(
    cx: &Cx<'_>,
    id: &str,
    reason: &str,
    force: bool,
    by: &str,
) -> Result<Reply, CommandError> {
    let Cx { store, now, .. } = *cx;

    let case_id = parse_id(id)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CommandError::refused(
            "Sebutkan alasan penghapusan (--reason), misalnya permintaan pemohon.",
        ));
    }
    let erased = crate::case::retention::erase(store, case_id, by, reason, force, now)
        .map_err(|e| CommandError::refused(format!("Data tidak dihapus: {e}.")))?;
    Ok(Reply::ok(format!(
        "Data pribadi kasus {case_id} dihapus: {} berkas dihapus dari disk{}; NIK \
         disamarkan; riwayat mencatat {by} dan alasannya.",
        erased.files_removed,
        if erased.files_kept_shared > 0 {
            format!(
                ", {} berkas yang juga dipakai kasus lain tetap disimpan",
                erased.files_kept_shared
            )
        } else {
            String::new()
        }
    )))
}

pub(super) fn report(
    cx: &Cx<'_>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    csv: bool,
) -> Result<Reply, CommandError> {
    let Cx {
        config, store, now, ..
    } = *cx;

    let cases = store.list().map_err(CommandError::Store)?;
    let r = report::compute(&cases, &config.standards, from, to, now);
    Ok(Reply::ok(if csv {
        report::render_csv(&r)
    } else {
        report::render_text(&r)
    }))
}

pub(super) fn timings_json(timings: &[sop::StepTiming]) -> serde_json::Value {
    timings
        .iter()
        .map(|t| {
            serde_json::json!({
                "step": t.step, "label": t.label, "started": t.started, "finished": t.finished,
                "standard_minutes": t.standard_minutes, "met": t.met,
            })
        })
        .collect()
}
