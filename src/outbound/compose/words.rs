//! The Indonesian phrases every notice shares: greeting, closing, the applicant's data, the
//! checklist and what to do next.

use super::mime::*;
use crate::case::{Case, CaseId, ChecklistEntry};
use crate::checklist::Status;
use crate::classify::DocKind;
use crate::config::{Office, Person};
use std::fmt::Write as _;

/// The case's verifier, or every verifier (the Kadis when there are none) before disposition.
pub(super) fn case_verifiers(office: &Office, case: &Case) -> Vec<(Option<String>, String)> {
    let assigned = case.verifier.as_deref().and_then(|email| {
        office
            .verifiers
            .iter()
            .find(|v| v.email.eq_ignore_ascii_case(email))
    });
    match assigned {
        Some(v) => vec![person(v)],
        None if office.verifiers.is_empty() => vec![person(&office.kadis)],
        None => office.verifiers.iter().map(person).collect(),
    }
}

pub(super) fn greet(b: &mut String, name: Option<&str>) {
    match name.map(one_line).filter(|n| !n.is_empty()) {
        Some(name) => {
            let _ = writeln!(b, "Yth. Bapak/Ibu {name},\n");
        }
        None => {
            let _ = writeln!(b, "Yth. Bapak/Ibu,\n");
        }
    }
}

pub(super) fn close(b: &mut String, office: &Office, case: CaseId) {
    let _ = writeln!(b, "Hormat kami,\n{}\n", office.name);
    let _ = writeln!(
        b,
        "-- \nSurel ini dikirim otomatis oleh layanan sertifikat elektronik. Untuk menanggapi, \
         balas surel ini dengan tetap mencantumkan nomor [{case}] pada subjek."
    );
}

pub(super) fn applicant_name(case: &Case) -> String {
    case.applicant
        .fields
        .name
        .as_deref()
        .map(one_line)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "(nama belum diketahui)".into())
}

pub(super) fn person(p: &Person) -> (Option<String>, String) {
    (Some(p.name.clone()), p.email.clone())
}

pub(super) fn applicant_data(b: &mut String, case: &Case) {
    let _ = writeln!(b, "Data pemohon:");
    for (label, value) in case.applicant.rows() {
        let value = value.as_deref().map(one_line).filter(|v| !v.is_empty());
        let _ = writeln!(b, "  {label:<13}: {}", value.as_deref().unwrap_or("-"));
    }
    let _ = writeln!(b);
}

pub(super) fn attachments(
    b: &mut String,
    list: Vec<&crate::case::StoredAttachment>,
    heading: &str,
) {
    let _ = writeln!(b, "{heading}");
    if list.is_empty() {
        let _ = writeln!(b, "  (tidak ada lampiran)");
    }
    for a in list {
        let kind = DocKind::label_of(&a.kind);
        let _ = writeln!(
            b,
            "  - {} ({kind}, {})",
            one_line(&a.filename),
            size_text(a.size)
        );
    }
    let _ = writeln!(b);
}

pub(super) fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

pub(super) fn is_ok(item: &ChecklistEntry) -> bool {
    item.status == Status::Ok
}

/// Statuses the applicant can fix; `review` waits on a verifier, not on them.
pub(super) fn applicant_can_fix(item: &ChecklistEntry) -> bool {
    matches!(
        item.status,
        Status::Missing | Status::Mismatch | Status::Invalid
    )
}

pub(super) fn checklist(b: &mut String, items: &[ChecklistEntry], heading: &str) {
    let _ = writeln!(b, "{heading}");
    if items.is_empty() {
        let _ = writeln!(b, "  (belum ada hasil pemeriksaan)");
    }
    for item in items {
        let mark = if is_ok(item) { "[v]" } else { "[!]" };
        let by = item
            .checked_by
            .as_deref()
            .map(|who| format!(" (diperiksa oleh {})", one_line(who)))
            .unwrap_or_default();
        let _ = writeln!(
            b,
            "  {mark} {} — {} — {}{by}",
            one_line(&item.label),
            item.status.label_id(),
            one_line(&item.detail)
        );
    }
    let _ = writeln!(b);
}

pub(super) fn item_line(b: &mut String, item: &ChecklistEntry) {
    let _ = writeln!(
        b,
        "  - {} ({}): {}",
        one_line(&item.label),
        item.status.label_id(),
        one_line(&item.detail)
    );
}

pub(super) fn reply_instructions(b: &mut String) {
    let _ = writeln!(
        b,
        "Mohon kirimkan kelengkapan tersebut dengan membalas surel ini: lampirkan dokumen yang \
         diminta atau tuliskan data yang diperbaiki pada isi balasan, tanpa mengubah nomor \
         permohonan pada subjek.\n"
    );
}

/// After a checklist: complete, or what the applicant should send and what waits on a verifier.
pub(super) fn next_steps(b: &mut String, case: &Case) {
    if case.complete() {
        let _ = writeln!(
            b,
            "Berkas Bapak/Ibu sudah lengkap. Permohonan diteruskan untuk diproses lebih lanjut, \
             dan kami akan mengabari Bapak/Ibu pada langkah berikutnya.\n"
        );
        return;
    }
    let fix: Vec<&ChecklistEntry> = case
        .checklist
        .iter()
        .filter(|c| applicant_can_fix(c))
        .collect();
    let review: Vec<&ChecklistEntry> = case
        .checklist
        .iter()
        .filter(|c| !is_ok(c) && !applicant_can_fix(c))
        .collect();
    if !fix.is_empty() {
        let _ = writeln!(
            b,
            "Berkas belum lengkap. Mohon lengkapi atau perbaiki hal berikut:\n"
        );
        for item in &fix {
            item_line(b, item);
        }
        let _ = writeln!(b);
        reply_instructions(b);
    }
    if !review.is_empty() {
        let _ = writeln!(
            b,
            "Hal berikut akan diperiksa langsung oleh verifikator; Bapak/Ibu belum perlu \
             mengirim apa pun untuk hal ini:\n"
        );
        for item in &review {
            item_line(b, item);
        }
        let _ = writeln!(b);
    }
}

pub(super) fn checklist_summary(b: &mut String, case: &Case) {
    let ok = case.checklist.iter().filter(|c| is_ok(c)).count();
    let _ = writeln!(
        b,
        "Hasil pemeriksaan otomatis: {ok} dari {} butir sesuai.",
        case.checklist.len()
    );
    let problems: Vec<&ChecklistEntry> = case.checklist.iter().filter(|c| !is_ok(c)).collect();
    if problems.is_empty() {
        let _ = writeln!(b, "Berkas lengkap.\n");
    } else {
        let _ = writeln!(b, "Yang perlu ditindaklanjuti:");
        for item in problems {
            item_line(b, item);
        }
        let _ = writeln!(b);
    }
}
