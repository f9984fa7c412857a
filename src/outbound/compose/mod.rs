//! The Indonesian mails sertel sends: acknowledgements, what is missing, duplicates, notices to
//! the Kadis and verifiers, each threaded into its case and marked as machine-sent.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::OutgoingMail;
use crate::calendar::wita_datetime;
use crate::case::{Case, ChecklistEntry, Purpose, State};
use crate::config::{Office, Person};
use crate::parse::bare_message_id;

mod mime;
mod words;

pub use mime::*;
use words::*;

/// Tells the applicant what sertel received and checked, and what to send if anything lacks.
pub fn acknowledgement(
    office: &Office,
    case: &Case,
    reply_to: Option<&str>,
    now: DateTime<Utc>,
) -> OutgoingMail {
    let mut b = String::new();
    greet(&mut b, case.applicant.fields.name.as_deref());
    let _ = writeln!(
        b,
        "Terima kasih. Permohonan sertifikat elektronik Bapak/Ibu telah kami terima pada {} \
         dan dicatat dengan nomor {}. Mohon cantumkan nomor tersebut setiap kali menghubungi \
         kami.\n",
        wita_datetime(case.opened_at),
        case.id
    );
    applicant_data(&mut b, case);
    attachments(
        &mut b,
        case.attachments.iter().collect(),
        "Lampiran yang kami terima:",
    );
    checklist(&mut b, &case.checklist, "Hasil pemeriksaan awal:");
    next_steps(&mut b, case);
    let _ = writeln!(
        b,
        "Pemeriksaan di atas dilakukan otomatis oleh sistem dan akan diperiksa ulang oleh \
         verifikator.\n"
    );
    close(&mut b, office, case.id);
    applicant_mail(
        office,
        case,
        Purpose::Acknowledgement,
        "Permohonan sertifikat elektronik diterima",
        b,
        reply_to,
        now,
    )
}

/// Sent by a verifier's decision: only the items that are not ok, with their own words.
pub fn missing_items(
    office: &Office,
    case: &Case,
    note: Option<&str>,
    reply_to: Option<&str>,
    now: DateTime<Utc>,
) -> OutgoingMail {
    let mut b = String::new();
    greet(&mut b, case.applicant.fields.name.as_deref());
    let problems: Vec<&ChecklistEntry> = case.checklist.iter().filter(|c| !is_ok(c)).collect();
    let _ = writeln!(
        b,
        "Berkas permohonan sertifikat elektronik Bapak/Ibu dengan nomor {} telah diperiksa oleh \
         verifikator kami.",
        case.id
    );
    if problems.is_empty() {
        let _ = writeln!(b);
    } else {
        let _ = writeln!(b, "Hal berikut masih perlu dilengkapi atau diperbaiki:\n");
        for item in &problems {
            item_line(&mut b, item);
        }
        let _ = writeln!(b);
    }
    if let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) {
        let _ = writeln!(b, "Catatan verifikator:");
        for line in note.lines() {
            let _ = writeln!(b, "  {line}");
        }
        let _ = writeln!(b);
    }
    reply_instructions(&mut b);
    close(&mut b, office, case.id);
    applicant_mail(
        office,
        case,
        Purpose::MissingItems,
        "Kelengkapan berkas permohonan sertifikat elektronik",
        b,
        reply_to,
        now,
    )
}

/// Answers a follow-up mail: what it brought (the attachments that came in `reply_to`), the
/// checklist as it stands now, and whether anything still lacks.
pub fn checklist_update(
    office: &Office,
    case: &Case,
    reply_to: Option<&str>,
    now: DateTime<Utc>,
) -> OutgoingMail {
    let mut b = String::new();
    greet(&mut b, case.applicant.fields.name.as_deref());
    let _ = writeln!(
        b,
        "Terima kasih. Tambahan berkas untuk permohonan nomor {} telah kami terima dan \
         diperiksa kembali.\n",
        case.id
    );
    let follow_up = reply_to.map(bare_message_id);
    let added = case
        .attachments
        .iter()
        .filter(|a| follow_up.is_some() && a.mail.as_deref().map(bare_message_id) == follow_up)
        .collect();
    attachments(&mut b, added, "Dokumen yang baru diterima:");
    checklist(&mut b, &case.checklist, "Hasil pemeriksaan terkini:");
    next_steps(&mut b, case);
    close(&mut b, office, case.id);
    let subject = if case.complete() {
        "Tambahan berkas diterima, berkas lengkap"
    } else {
        "Tambahan berkas diterima, masih ada kekurangan"
    };
    applicant_mail(
        office,
        case,
        Purpose::ChecklistUpdate,
        subject,
        b,
        reply_to,
        now,
    )
}

/// Answers a second application from the same NIK: it joined `existing`, no new case opened.
/// Goes to the sender of the mail being answered when the case holds it, since that may be
/// another address than the one the case was opened from.
pub fn duplicate_notice(
    office: &Office,
    existing: &Case,
    reply_to: Option<&str>,
    now: DateTime<Utc>,
) -> OutgoingMail {
    let mut b = String::new();
    greet(&mut b, existing.applicant.fields.name.as_deref());
    let _ = writeln!(
        b,
        "Permohonan sertifikat elektronik atas nama Bapak/Ibu sudah tercatat sebelumnya dengan \
         nomor {} sejak {}, dengan status saat ini: {}.\n",
        existing.id,
        wita_datetime(existing.opened_at),
        existing.state.label_id()
    );
    let _ = writeln!(
        b,
        "Surel ini kami gabungkan ke permohonan tersebut; tidak dibuat permohonan kedua. \
         Bila Bapak/Ibu ingin menambah atau memperbaiki dokumen, cukup balas surel ini dengan \
         tetap mencantumkan nomor [{}] pada subjek.\n",
        existing.id
    );
    close(&mut b, office, existing.id);
    let sender = reply_to.map(bare_message_id).and_then(|id| {
        existing
            .mails
            .iter()
            .find(|m| m.message_id.as_deref().map(bare_message_id) == Some(id))
            .and_then(|m| m.from.clone())
    });
    let to = sender.unwrap_or_else(|| existing.applicant.reply_to.clone());
    let name = existing.applicant.fields.name.clone();
    finish(Draft {
        office,
        kind: Purpose::DuplicateNotice,
        case: Some(existing),
        to: vec![(name, to)],
        subject: format!("[{}] Permohonan sudah tercatat", existing.id),
        body: b,
        reply_to,
        now,
        files: Vec::new(),
    })
}

/// Answers an application that carries the NIK of a case opened from another address: it was
/// received, and nothing about that case (no name, number or state), since a From address
/// proves nothing and the sender may not be the applicant.
pub fn received_neutral(
    office: &Office,
    to: &str,
    reply_to: Option<&str>,
    now: DateTime<Utc>,
) -> OutgoingMail {
    let mut b = String::new();
    greet(&mut b, None);
    let _ = writeln!(
        b,
        "Surel Bapak/Ibu telah kami terima. Petugas layanan sertifikat elektronik akan memeriksanya dan menghubungi Bapak/Ibu bila diperlukan.\n"
    );
    let _ = writeln!(b, "Hormat kami,\n{}", office.name);
    finish(Draft {
        office,
        kind: Purpose::ReceivedNeutral,
        case: None,
        to: vec![(None, to.to_string())],
        subject: "Surel Anda telah diterima".into(),
        body: b,
        reply_to,
        now,
        files: Vec::new(),
    })
}

/// Tells the case's applicant and its verifier (or every verifier, before disposition) that
/// an application with this case's NIK came from another address.
pub fn duplicate_alert(
    office: &Office,
    case: &Case,
    stranger: &str,
    now: DateTime<Utc>,
) -> OutgoingMail {
    let mut b = String::new();
    greet(&mut b, case.applicant.fields.name.as_deref());
    let _ = writeln!(
        b,
        "Kami menerima permohonan sertifikat elektronik dengan NIK yang sama dengan permohonan Bapak/Ibu ({}), tetapi dari alamat surel lain: {}, pada {}.\n",
        case.id,
        one_line(stranger),
        wita_datetime(now)
    );
    let _ = writeln!(
        b,
        "Surel tersebut dicatat pada kasus ini untuk diperiksa petugas dan tidak mengubah permohonan Bapak/Ibu. Pengirimnya tidak menerima data permohonan Bapak/Ibu. Bila Bapak/Ibu tidak mengenal alamat tersebut, mohon balas surel ini.\n"
    );
    close(&mut b, office, case.id);
    let mut to = vec![(
        case.applicant.fields.name.clone(),
        case.applicant.reply_to.clone(),
    )];
    to.extend(case_verifiers(office, case));
    finish(Draft {
        office,
        kind: Purpose::DuplicateAlert,
        case: Some(case),
        to,
        subject: format!("[{}] Permohonan dengan NIK Anda dari alamat lain", case.id),
        body: b,
        reply_to: None,
        now,
        files: Vec::new(),
    })
}

/// Tells the verifiers that a mail from a staff address was kept as a note and not acted on,
/// because the office's mail server did not vouch for its sender.
pub fn unverified_staff_mail(
    office: &Office,
    case: &Case,
    from: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> OutgoingMail {
    let mut b = String::new();
    let _ = writeln!(b, "Yth. Bapak/Ibu Verifikator,\n");
    let _ = writeln!(
        b,
        "Sebuah surel untuk kasus {} mengaku berasal dari {}, tetapi server surel kantor tidak menjamin pengirimnya. Surel itu hanya dicatat pada kasus; disposisi atau surat bertanda tangan di dalamnya tidak dijalankan.\n",
        case.id,
        one_line(from)
    );
    let _ = writeln!(b, "  {:<8}: {}", "Dicatat", wita_datetime(now));
    let _ = writeln!(b, "  {:<8}: {}\n", "Alasan", one_line(reason));
    let _ = writeln!(
        b,
        "Bila surel itu memang dari staf, mohon jalankan tindakannya melalui meja web atau perintah sertel. Bila bukan, surel itu kemungkinan palsu.\n"
    );
    close(&mut b, office, case.id);
    let to = case_verifiers(office, case);
    finish(Draft {
        office,
        kind: Purpose::UnverifiedStaffMail,
        case: Some(case),
        to,
        subject: format!("[{}] Surel atas nama staf tidak terautentikasi", case.id),
        body: b,
        reply_to: None,
        now,
        files: Vec::new(),
    })
}

/// Reminds whoever holds SOP step `t` of `case` that it passed its time standard in working
/// time; `second` is the reminder to the Kadis at twice the standard.
pub fn reminder(
    office: &Office,
    case: &Case,
    t: &crate::case::sop::StepTiming,
    second: bool,
    now: DateTime<Utc>,
) -> OutgoingMail {
    let taken = t.working_minutes.unwrap_or_default();
    let to = if second || t.step == 2 {
        vec![person(&office.kadis)]
    } else {
        case_verifiers(office, case)
    };
    let mut b = String::new();
    let _ = writeln!(b, "Yth. Bapak/Ibu,\n");
    let _ = writeln!(
        b,
        "Langkah {} ({}) kasus {} atas nama {} sudah berjalan {taken} menit kerja, melewati \
         standar {} menit{}.\n",
        t.step,
        t.label,
        case.id,
        applicant_name(case),
        t.standard_minutes,
        if second {
            " lebih dari dua kali lipat"
        } else {
            ""
        }
    );
    if let Some(started) = t.started {
        let _ = writeln!(b, "  {:<8}: {}", "Dimulai", wita_datetime(started));
    }
    let _ = writeln!(b, "  {:<8}: {}\n", "Status", case.state.label_id());
    let _ = writeln!(
        b,
        "Mohon tindak lanjuti melalui meja web atau perintah sertel. Pengingat ini dikirim sekali \
         untuk langkah ini{}.\n",
        if second {
            ""
        } else {
            "; bila dua kali standar terlewati, Kadis diberi tahu"
        }
    );
    close(&mut b, office, case.id);
    finish(Draft {
        office,
        kind: Purpose::Reminder,
        case: Some(case),
        to,
        subject: format!(
            "[{}] Pengingat: langkah {} melewati standar waktu",
            case.id, t.step
        ),
        body: b,
        reply_to: None,
        now,
        files: Vec::new(),
    })
}

/// Asks the Kadis to dispose the case to a verifier by replying.
pub fn disposition_request(office: &Office, case: &Case, now: DateTime<Utc>) -> OutgoingMail {
    let mut b = String::new();
    greet(&mut b, Some(&office.kadis.name));
    let _ = writeln!(
        b,
        "Permohonan sertifikat elektronik nomor {} diterima pada {} dan menunggu disposisi \
         Bapak/Ibu.\n",
        case.id,
        wita_datetime(case.opened_at)
    );
    applicant_data(&mut b, case);
    attachments(&mut b, case.attachments.iter().collect(), "Lampiran:");
    checklist_summary(&mut b, case);
    let _ = writeln!(
        b,
        "Cara mendisposisikan: balas surel ini dan tulis pada baris pertama balasan salah satu \
         dari berikut:\n\n  disposisi ke <nama atau email verifikator>\n  setuju\n\n\
         Dengan \"setuju\", sistem memilih verifikator secara bergiliran.\n"
    );
    let _ = writeln!(b, "Verifikator:");
    for v in &office.verifiers {
        let _ = writeln!(b, "  - {} <{}>", v.name, v.email);
    }
    let _ = writeln!(b);
    close(&mut b, office, case.id);
    finish(Draft {
        office,
        kind: Purpose::DispositionRequest,
        case: Some(case),
        to: vec![person(&office.kadis)],
        subject: format!(
            "[{}] Mohon disposisi: permohonan sertifikat elektronik a.n. {}",
            case.id,
            applicant_name(case)
        ),
        body: b,
        reply_to: None,
        now,
        files: Vec::new(),
    })
}

/// Tells a verifier a case is theirs, with what sertel found.
pub fn verifier_assigned(
    office: &Office,
    case: &Case,
    verifier: &Person,
    now: DateTime<Utc>,
) -> OutgoingMail {
    let mut b = String::new();
    greet(&mut b, Some(&verifier.name));
    let _ = writeln!(
        b,
        "Bapak/Ibu ditugaskan untuk memverifikasi permohonan sertifikat elektronik nomor {} \
         (diterima {}).\n",
        case.id,
        wita_datetime(case.opened_at)
    );
    applicant_data(&mut b, case);
    attachments(&mut b, case.attachments.iter().collect(), "Lampiran:");
    checklist(&mut b, &case.checklist, "Hasil pemeriksaan otomatis:");
    let _ = writeln!(
        b,
        "Dokumen lampiran tersimpan pada berkas kasus di sistem. Mohon periksa butir yang \
         bertanda [!] secara langsung.\n"
    );
    close(&mut b, office, case.id);
    finish(Draft {
        office,
        kind: Purpose::VerifierAssigned,
        case: Some(case),
        to: vec![person(verifier)],
        subject: format!(
            "[{}] Penugasan verifikasi permohonan a.n. {}",
            case.id,
            applicant_name(case)
        ),
        body: b,
        reply_to: None,
        now,
        files: Vec::new(),
    })
}

pub fn rejection(office: &Office, case: &Case, reason: &str, now: DateTime<Utc>) -> OutgoingMail {
    let mut b = String::new();
    greet(&mut b, case.applicant.fields.name.as_deref());
    let _ = writeln!(
        b,
        "Dengan hormat kami sampaikan bahwa permohonan sertifikat elektronik Bapak/Ibu dengan \
         nomor {} tidak dapat kami proses lebih lanjut, dengan alasan:\n",
        case.id
    );
    for line in reason.trim().lines() {
        let _ = writeln!(b, "  {line}");
    }
    let _ = writeln!(
        b,
        "\nBapak/Ibu dapat mengajukan permohonan baru dengan mengirim surel baru ke {}.\n",
        office.address.trim()
    );
    close(&mut b, office, case.id);
    applicant_mail(
        office,
        case,
        Purpose::Rejection,
        "Permohonan sertifikat elektronik tidak dapat diproses",
        b,
        None,
        now,
    )
}

/// Tells every verifier that a mail was set aside unanswered. The quarantined mail's subject
/// stays out of this subject: a case tag in it would route the verifiers' replies to that case.
pub fn quarantine_notice(
    office: &Office,
    from: Option<&str>,
    subject: Option<&str>,
    message_id: Option<&str>,
    reason: &str,
    now: DateTime<Utc>,
) -> OutgoingMail {
    let mut b = String::new();
    let _ = writeln!(b, "Yth. Bapak/Ibu Verifikator,\n");
    let _ = writeln!(
        b,
        "Sebuah surel yang masuk tidak dapat diproses oleh sistem dan telah dipindahkan ke \
         folder karantina. Surel tersebut tidak dibalas otomatis.\n"
    );
    let none = "-";
    for (label, value) in [
        ("Pengirim", from),
        ("Subjek", subject),
        ("Message-ID", message_id),
    ] {
        let value = value.map(one_line).filter(|v| !v.is_empty());
        let _ = writeln!(b, "  {label:<11}: {}", value.as_deref().unwrap_or(none));
    }
    let _ = writeln!(b, "  {:<11}: {}", "Dicatat", wita_datetime(now));
    let _ = writeln!(b, "  {:<11}: {}\n", "Alasan", one_line(reason));
    let _ = writeln!(
        b,
        "Mohon periksa surel tersebut di folder karantina dan tindak lanjuti secara manual.\n"
    );
    let _ = writeln!(b, "Hormat kami,\n{}", office.name);
    let to = if office.verifiers.is_empty() {
        vec![person(&office.kadis)]
    } else {
        office.verifiers.iter().map(person).collect()
    };
    finish(Draft {
        office,
        kind: Purpose::Quarantined,
        case: None,
        to,
        subject: "[sertel] Surel tidak dapat diproses (karantina)".into(),
        body: b,
        reply_to: None,
        now,
        files: Vec::new(),
    })
}

/// Sends the Kadis the recommendation letter to sign, PDF (BSrE eSign) and DOCX (SRIKANDI)
/// attached, and says how to return it.
pub fn letter_for_signing(
    office: &Office,
    case: &Case,
    pdf: MailFile,
    docx: MailFile,
    override_reason: Option<&str>,
    now: DateTime<Utc>,
) -> OutgoingMail {
    let mut b = String::new();
    greet(&mut b, Some(&office.kadis.name));
    let _ = writeln!(
        b,
        "Terlampir draf surat rekomendasi penerbitan sertifikat elektronik untuk permohonan \
         nomor {} yang telah diverifikasi{}. Mohon Bapak/Ibu menandatanganinya secara \
         elektronik.\n",
        case.id,
        case.verifier
            .as_deref()
            .map(|v| format!(" oleh {v}"))
            .unwrap_or_default()
    );
    applicant_data(&mut b, case);
    checklist_summary(&mut b, case);
    if let Some(reason) = override_reason {
        let _ = writeln!(
            b,
            "Catatan: daftar periksa belum seluruhnya sesuai; verifikator menyusun surat ini \
             dengan alasan: {}\n",
            one_line(reason)
        );
    }
    let _ = writeln!(
        b,
        "Lampiran:\n  - {} (untuk ditandatangani dengan BSrE eSign)\n  - {} (untuk SRIKANDI)\n",
        pdf.filename, docx.filename
    );
    let _ = writeln!(
        b,
        "Setelah ditandatangani, balas surel ini dengan melampirkan berkas PDF yang telah \
         bertanda tangan elektronik. Sistem akan memeriksa keabsahan tanda tangan sebelum \
         menerimanya.\n"
    );
    close(&mut b, office, case.id);
    finish(Draft {
        office,
        kind: Purpose::LetterForSigning,
        case: Some(case),
        to: vec![person(&office.kadis)],
        subject: format!(
            "[{}] Mohon tanda tangan: surat rekomendasi sertifikat elektronik a.n. {}",
            case.id,
            applicant_name(case)
        ),
        body: b,
        reply_to: None,
        now,
        files: vec![pdf, docx],
    })
}

/// Tells whoever sent a signed letter why it was not accepted.
pub fn signed_letter_refused(
    office: &Office,
    case: &Case,
    to: &str,
    reason: &str,
    reply_to: Option<&str>,
    now: DateTime<Utc>,
) -> OutgoingMail {
    let mut b = String::new();
    greet(&mut b, None);
    let _ = writeln!(
        b,
        "Surat bertanda tangan elektronik yang Bapak/Ibu kirim untuk kasus {} belum dapat kami \
         terima, dengan alasan:\n\n  {}\n",
        case.id,
        one_line(reason)
    );
    let _ = writeln!(
        b,
        "Status kasus tidak berubah. Mohon tandatangani kembali surat rekomendasi yang kami \
         kirim sebelumnya (tanpa mengubah isinya setelah ditandatangani) dan balas surel ini \
         dengan melampirkan berkas PDF bertanda tangan elektronik.\n"
    );
    close(&mut b, office, case.id);
    finish(Draft {
        office,
        kind: Purpose::SignedLetterRefused,
        case: Some(case),
        to: vec![(None, to.to_string())],
        subject: format!("[{}] Surat bertanda tangan belum dapat diterima", case.id),
        body: b,
        reply_to,
        now,
        files: Vec::new(),
    })
}

/// Tells the case's verifier that the letter is signed and what to do at BSrE.
pub fn letter_signed(
    office: &Office,
    case: &Case,
    verifier: &Person,
    signer: &str,
    now: DateTime<Utc>,
) -> OutgoingMail {
    let mut b = String::new();
    greet(&mut b, Some(&verifier.name));
    let _ = writeln!(
        b,
        "Surat rekomendasi untuk kasus {} telah ditandatangani secara elektronik oleh {} dan \
         tanda tangannya telah diperiksa sah.\n",
        case.id,
        one_line(signer)
    );
    applicant_data(&mut b, case);
    let _ = writeln!(
        b,
        "Langkah berikutnya:\n  1. Siapkan paket unggah: sertel case {id} package --out <folder>\n  \
         2. Daftarkan pemohon pada aplikasi manajemen sertifikat BSrE dan unggah surat yang \
         telah ditandatangani.\n  3. Catat: sertel case {id} mark diajukan\n",
        id = case.id
    );
    close(&mut b, office, case.id);
    finish(Draft {
        office,
        kind: Purpose::LetterSigned,
        case: Some(case),
        to: vec![person(verifier)],
        subject: format!(
            "[{}] Surat rekomendasi telah ditandatangani a.n. {}",
            case.id,
            applicant_name(case)
        ),
        body: b,
        reply_to: None,
        now,
        files: Vec::new(),
    })
}

/// Tells the applicant exactly what to do at the BSrE step the case just entered; `None` for a
/// state that is not one of them.
pub fn bsre_step(office: &Office, case: &Case, now: DateTime<Utc>) -> Option<OutgoingMail> {
    let official = case
        .applicant
        .fields
        .email
        .as_deref()
        .map(one_line)
        .unwrap_or_else(|| "surel dinas Bapak/Ibu".into());
    let (subject, text) = match case.state {
        State::Diajukan => (
            "Permohonan telah didaftarkan ke BSrE",
            format!(
                "Data Bapak/Ibu beserta surat rekomendasi yang telah ditandatangani Kepala Dinas \
                 telah kami daftarkan pada aplikasi manajemen sertifikat Balai Sertifikasi \
                 Elektronik (BSrE).\n\nLangkah Bapak/Ibu: dalam waktu dekat BSrE mengirim surel \
                 berisi tautan aktivasi ke alamat surel dinas {official}. Mohon periksa kotak \
                 masuk surel tersebut (termasuk folder spam) setiap hari. Jangan membalas surel \
                 ini dengan dokumen baru.\n"
            ),
        ),
        State::MenungguAktivasi => (
            "Mohon lakukan aktivasi akun BSrE",
            format!(
                "Langkah Bapak/Ibu sekarang:\n  1. Buka surel dari BSrE di {official} dan klik \
                 tautan aktivasinya (tautan hanya berlaku terbatas).\n  2. Ikuti verifikasi \
                 identitas: siapkan KTP asli dan lakukan swafoto (selfie) dengan wajah terlihat \
                 jelas, pencahayaan cukup, tanpa masker, kacamata gelap atau topi.\n  3. \
                 Pastikan data yang diisikan sama dengan data pada KTP.\n\nSetelah selesai, \
                 verifikator kami akan memeriksa dan menyetujui permohonan Bapak/Ibu.\n"
            ),
        ),
        State::Disetujui => (
            "Permohonan disetujui verifikator",
            "Verifikator kami telah menyetujui permohonan Bapak/Ibu pada aplikasi BSrE.\n\n\
             Langkah berikutnya: BSrE akan meminta Bapak/Ibu membuat passphrase. Tunggu surel \
             dari BSrE di surel dinas Bapak/Ibu.\n"
                .to_string(),
        ),
        State::MenungguPassphrase => (
            "Mohon buat passphrase sertifikat elektronik",
            "Langkah Bapak/Ibu sekarang: buat passphrase melalui tautan dari BSrE di surel \
             dinas Bapak/Ibu.\n\n  - Passphrase adalah kunci tanda tangan elektronik \
             Bapak/Ibu. Gunakan kalimat sandi yang panjang dan mudah diingat, bukan tanggal \
             lahir atau NIP.\n  - JANGAN PERNAH memberitahukan passphrase kepada siapa pun, \
             termasuk petugas kami, atasan, atau pihak yang mengaku dari BSrE. Petugas tidak \
             akan pernah memintanya.\n  - Jika passphrase lupa atau diketahui orang lain, \
             segera hubungi kami.\n"
                .to_string(),
        ),
        State::Terbit => (
            "Selamat, sertifikat elektronik telah terbit",
            "Selamat! Sertifikat elektronik Bapak/Ibu telah terbit dengan status ISSUE (aktif).\n\n\
             Dengan sertifikat ini Bapak/Ibu dapat menandatangani naskah dinas secara elektronik \
             (TTE) melalui SRIKANDI dan aplikasi lain yang terhubung dengan BSrE. Tanda tangan \
             elektronik tersertifikasi memiliki kekuatan hukum yang sah sesuai Undang-Undang \
             Informasi dan Transaksi Elektronik.\n\nTetap jaga kerahasiaan passphrase dan \
             jangan mewakilkan penandatanganan kepada orang lain.\n"
                .to_string(),
        ),
        _ => return None,
    };
    let mut b = String::new();
    greet(&mut b, case.applicant.fields.name.as_deref());
    let _ = writeln!(b, "Perkembangan permohonan nomor {}:\n", case.id);
    let _ = writeln!(b, "{text}");
    close(&mut b, office, case.id);
    Some(applicant_mail(
        office,
        case,
        Purpose::BsreStep,
        subject,
        b,
        None,
        now,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applicant::ApplicantFields;
    use crate::applicant::nik::mask_nik_like;
    use crate::applicant::nik::mask_niks_in;
    use crate::case::CaseId;
    use crate::case::{
        ApplicantRecord, MailRole, SCHEMA_VERSION, State, StoredAttachment, StoredMail,
    };
    use crate::checklist::Status;
    use chrono::TimeZone;
    use mail_parser::{Message as Parsed, MessageParser, MimeHeaders};

    const NIK: &str = "7502015203850001";
    const KTP_NIK: &str = "7502015203850007";
    const NAME: &str = "Renée Siti Nur'aini Pakaya, S.Kom.";
    const APPLICATION: &str = "CAFx1=abc@mail.gmail.com";
    const FOLLOW_UP: &str = "follow-up.2@mail.gmail.com";

    fn office() -> Office {
        Office {
            name: "Dinas Komunikasi dan Informatika Kabupaten Gorontalo".into(),
            address: "tte@gorontalokab.go.id".into(),
            kadis: Person {
                name: "Drs. Hamid Olii".into(),
                email: "kadis@gorontalokab.go.id".into(),
            },
            verifiers: vec![
                Person {
                    name: "Yusran Mooduto".into(),
                    email: "yusran@gorontalokab.go.id".into(),
                },
                Person {
                    name: "Fitriyani Ali".into(),
                    email: "fitri@gorontalokab.go.id".into(),
                },
            ],
            auto_assign: false,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 6, 5, 0).unwrap()
    }

    fn entry(id: &str, status: &str, label: &str, detail: &str) -> ChecklistEntry {
        ChecklistEntry {
            id: id.into(),
            status: serde_json::from_value(serde_json::Value::String(status.into())).unwrap(),
            label: label.into(),
            detail: detail.into(),
            checked_by: None,
        }
    }

    fn attachment(name: &str, kind: &str, mail: &str) -> StoredAttachment {
        StoredAttachment {
            filename: name.into(),
            kind: kind.into(),
            file_type: "jpeg".into(),
            size: 245_000,
            sha256: "00".repeat(32),
            mail: Some(mail.into()),
        }
    }

    fn case() -> Case {
        Case {
            schema: SCHEMA_VERSION,
            id: CaseId { year: 2026, seq: 7 },
            opened_at: now(),
            state: State::Diterima,
            applicant: ApplicantRecord {
                reply_to: "renee.pakaya@gmail.com".into(),
                fields: ApplicantFields {
                    name: Some(NAME.into()),
                    nik: Some(NIK.into()),
                    nip: Some("198503122010012003".into()),
                    position: Some("Pranata Komputer Ahli Pertama".into()),
                    rank: Some("Penata Muda (III/a)".into()),
                    unit: Some("Dinas Kesehatan".into()),
                    phone: Some("081234567890".into()),
                    email: Some("renee.pakaya@gmail.com".into()),
                },
            },
            mails: vec![StoredMail {
                sha256: "11".repeat(32),
                message_id: Some(APPLICATION.into()),
                from: Some("renee.pakaya@gmail.com".into()),
                subject: Some("Permohonan TTE".into()),
                received_at: now(),
                role: MailRole::Application,
            }],
            letters: Vec::new(),
            documents: Vec::new(),
            body: None,
            erased: None,
            attachments: vec![
                attachment("ktp.jpg", "ktp", APPLICATION),
                attachment("sk_cpns.pdf", "sk", FOLLOW_UP),
            ],
            checklist: vec![
                entry(
                    "ktp_present",
                    "ok",
                    "KTP terlampir",
                    "KTP terlampir: ktp.jpg",
                ),
                entry(
                    "nik_matches_ktp",
                    "mismatch",
                    "NIK sama dengan KTP",
                    &format!("NIK di surel ({NIK}) berbeda dengan NIK pada KTP ({KTP_NIK})"),
                ),
                entry(
                    "sk_present",
                    "missing",
                    "SK Jabatan terlampir",
                    "SK Jabatan belum dilampirkan; mohon kirim fotonya atau pindaiannya",
                ),
                entry(
                    "ktp_readable",
                    "review",
                    "KTP terbaca",
                    "NIK pada KTP tidak terbaca otomatis; cocokkan manual",
                ),
            ],
            thread: vec![format!("<{APPLICATION}>")],
            subject: Some("Permohonan TTE".into()),
            verifier: None,
            linked: vec![],
            history: vec![],
        }
    }

    fn complete_case() -> Case {
        let mut c = case();
        for item in &mut c.checklist {
            item.status = Status::Ok;
            item.detail = "sesuai".into();
        }
        c
    }

    fn parse(mail: &OutgoingMail) -> Parsed<'_> {
        MessageParser::default().parse(&mail.raw).expect("parses")
    }

    fn header<'a>(m: &'a Parsed<'a>, name: &'a str) -> Option<&'a str> {
        m.header_raw(name).map(str::trim)
    }

    fn body(m: &Parsed<'_>) -> String {
        m.body_text(0).expect("text body").replace("\r\n", "\n")
    }

    fn text_list(v: &mail_parser::HeaderValue<'_>) -> Vec<String> {
        match v.as_text_list() {
            Some(list) => list.iter().map(|s| s.to_string()).collect(),
            None => v.as_text().map(|s| vec![s.to_string()]).unwrap_or_default(),
        }
    }

    /// What every mail sertel sends must carry.
    fn assert_common(mail: &OutgoingMail, m: &Parsed<'_>, to: &[&str], auto: &str) {
        let from = m.from().and_then(|a| a.first()).expect("From");
        assert_eq!(from.address(), Some("tte@gorontalokab.go.id"));
        assert_eq!(from.name(), Some(office().name.as_str()));
        assert_eq!(mail.from, "tte@gorontalokab.go.id");
        let got: Vec<&str> = m
            .to()
            .expect("To")
            .iter()
            .filter_map(|a| a.address())
            .collect();
        assert_eq!(got, to);
        assert_eq!(mail.to, to);
        assert_eq!(header(m, "Auto-Submitted"), Some(auto));
        assert_eq!(m.message_id(), Some(mail.message_id.as_str()));
        assert!(!mail.message_id.contains(['<', '>']));
        assert!(mail.message_id.starts_with("sertel."));
        assert!(mail.message_id.ends_with("@gorontalokab.go.id"));
        assert_eq!(
            m.date().map(|d| d.to_timestamp()),
            Some(now().timestamp()),
            "Date is now"
        );
        let b = body(m);
        assert!(b.contains(&office().name), "closing names the office");
        for nik in [NIK, KTP_NIK] {
            assert!(!b.contains(nik), "full NIK in body:\n{b}");
            assert!(!String::from_utf8_lossy(&mail.raw).contains(nik));
        }
    }

    fn assert_case_mail(m: &Parsed<'_>, subject: &str) {
        let s = m.subject().expect("Subject");
        assert!(s.starts_with("[TTE-2026-0007] "), "{s}");
        assert!(s.contains(subject), "{s}");
        assert_eq!(case_tag(s), Some(CaseId { year: 2026, seq: 7 }));
        assert!(body(m).contains("TTE-2026-0007"));
    }

    #[test]
    fn letter_for_signing_attaches_both_files_to_the_kadis() {
        let pdf = MailFile {
            filename: "TTE-2026-0007_surat_rekomendasi.pdf".into(),
            content_type: "application/pdf",
            bytes: b"%PDF-1.7 letter".to_vec(),
        };
        let docx = MailFile {
            filename: "TTE-2026-0007_surat_rekomendasi.docx".into(),
            content_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            bytes: b"PK docx".to_vec(),
        };
        let mail = letter_for_signing(
            &office(),
            &complete_case(),
            pdf,
            docx,
            Some("SK menyusul"),
            now(),
        );
        assert_eq!(mail.purpose, Purpose::LetterForSigning);
        let m = parse(&mail);
        assert_common(&mail, &m, &["kadis@gorontalokab.go.id"], "auto-generated");
        assert_case_mail(&m, "Mohon tanda tangan");
        let names: Vec<&str> = m
            .attachments()
            .filter_map(|a| a.attachment_name())
            .collect();
        assert_eq!(
            names,
            [
                "TTE-2026-0007_surat_rekomendasi.pdf",
                "TTE-2026-0007_surat_rekomendasi.docx"
            ]
        );
        let first = m.attachments().next().unwrap();
        assert_eq!(first.contents(), b"%PDF-1.7 letter");
        let b = body(&m);
        assert!(b.contains("alasan: SK menyusul"), "{b}");
        assert!(
            b.contains("balas surel ini dengan melampirkan berkas PDF"),
            "{b}"
        );
    }

    #[test]
    fn each_bsre_step_tells_the_applicant_what_to_do() {
        let mut c = complete_case();
        let expect = [
            (State::Diajukan, "tautan aktivasi"),
            (State::MenungguAktivasi, "swafoto"),
            (State::Disetujui, "passphrase"),
            (State::MenungguPassphrase, "JANGAN PERNAH"),
            (State::Terbit, "ISSUE"),
        ];
        for (state, words) in expect {
            c.state = state;
            let mail = bsre_step(&office(), &c, now()).expect("a step mail");
            let m = parse(&mail);
            assert_common(&mail, &m, &["renee.pakaya@gmail.com"], "auto-generated");
            let b = body(&m);
            assert!(b.contains(words), "{state:?}: {b}");
        }
        c.state = State::Verifikasi;
        assert!(bsre_step(&office(), &c, now()).is_none());
    }

    #[test]
    fn acknowledgement_threads_lists_and_masks() {
        let c = case();
        let mail = acknowledgement(&office(), &c, Some(&format!("<{APPLICATION}>")), now());
        assert_eq!(mail.purpose, Purpose::Acknowledgement);
        let m = parse(&mail);
        assert_common(&mail, &m, &["renee.pakaya@gmail.com"], "auto-replied");
        assert_case_mail(&m, "Permohonan sertifikat elektronik diterima");
        assert_eq!(m.to().unwrap().first().unwrap().name(), Some(NAME));
        assert_eq!(text_list(m.in_reply_to()), vec![APPLICATION]);
        assert_eq!(text_list(m.references()), vec![APPLICATION]);
        assert!(
            mail.message_id
                .starts_with("sertel.TTE-2026-0007.acknowledgement.")
        );

        let b = body(&m);
        assert!(b.starts_with(&format!("Yth. Bapak/Ibu {NAME},")), "{b}");
        assert!(b.contains("24 November 2026 pukul 14.05 WITA"), "{b}");
        assert!(b.contains("7502********0001"), "{b}");
        assert!(b.contains("7502********0007"), "{b}");
        assert!(b.contains("198503122010012003"), "the NIP is not hidden");
        assert!(b.contains("ktp.jpg (KTP, 240 KB)"), "{b}");
        assert!(b.contains("sk_cpns.pdf (SK Jabatan"), "{b}");
        for item in &c.checklist {
            assert!(b.contains(&item.label), "{}", item.label);
        }
        assert!(
            b.contains("[v] KTP terlampir — sesuai — KTP terlampir: ktp.jpg"),
            "{b}"
        );
        assert!(
            b.contains("[!] SK Jabatan terlampir — belum ada — SK Jabatan belum"),
            "{b}"
        );
        assert!(b.contains("membalas surel ini"), "{b}");
        assert!(
            b.contains("akan diperiksa langsung oleh verifikator"),
            "{b}"
        );
    }

    #[test]
    fn complete_acknowledgement_asks_for_nothing() {
        let mail = acknowledgement(&office(), &complete_case(), None, now());
        let m = parse(&mail);
        // Nothing answered, so it is a notice; threading still follows the case.
        assert_common(&mail, &m, &["renee.pakaya@gmail.com"], "auto-generated");
        assert!(m.header("In-Reply-To").is_none());
        assert_eq!(text_list(m.references()), vec![APPLICATION]);
        let b = body(&m);
        assert!(b.contains("sudah lengkap"), "{b}");
        assert!(!b.contains("Mohon lengkapi"), "{b}");
    }

    #[test]
    fn missing_items_lists_only_problems_and_the_note() {
        let c = case();
        let note = "Mohon kirim ulang foto KTP yang lebih jelas.\nTerima kasih.";
        let mail = missing_items(&office(), &c, Some(note), Some(APPLICATION), now());
        assert_eq!(mail.purpose, Purpose::MissingItems);
        let m = parse(&mail);
        assert_common(&mail, &m, &["renee.pakaya@gmail.com"], "auto-replied");
        assert_case_mail(&m, "Kelengkapan berkas");
        let b = body(&m);
        for item in &c.checklist {
            assert_eq!(
                b.contains(&item.label),
                item.status != Status::Ok,
                "{}",
                item.label
            );
        }
        assert!(
            b.contains("Mohon kirim ulang foto KTP yang lebih jelas."),
            "{b}"
        );
        assert!(b.contains("  Terima kasih."), "{b}");
    }

    #[test]
    fn checklist_update_names_what_the_follow_up_brought() {
        let mut c = case();
        c.thread.push(
            "<sertel.TTE-2026-0007.acknowledgement.0011223344556677@gorontalokab.go.id>".into(),
        );
        let mail = checklist_update(&office(), &c, Some(FOLLOW_UP), now());
        let m = parse(&mail);
        assert_common(&mail, &m, &["renee.pakaya@gmail.com"], "auto-replied");
        assert_case_mail(&m, "masih ada kekurangan");
        assert!(mail.message_id.contains(".checklist_update."));
        assert_eq!(text_list(m.in_reply_to()), vec![FOLLOW_UP]);
        assert_eq!(
            text_list(m.references()),
            vec![
                APPLICATION,
                "sertel.TTE-2026-0007.acknowledgement.0011223344556677@gorontalokab.go.id",
                FOLLOW_UP
            ]
        );
        let b = body(&m);
        let added = b.split("Dokumen yang baru diterima:").nth(1).unwrap();
        let added = added.split("\n\n").next().unwrap();
        assert!(
            added.contains("sk_cpns.pdf") && !added.contains("ktp.jpg"),
            "{added}"
        );
        for item in &c.checklist {
            assert!(b.contains(&item.label), "{}", item.label);
        }

        let done = checklist_update(&office(), &complete_case(), Some(FOLLOW_UP), now());
        assert!(parse(&done).subject().unwrap().contains("berkas lengkap"));
    }

    #[test]
    fn duplicate_notice_answers_the_second_sender() {
        let mut c = case();
        c.state = State::Verifikasi;
        c.mails.push(StoredMail {
            sha256: "22".repeat(32),
            message_id: Some("<dup@mail.yahoo.com>".into()),
            from: Some("renee.lain@yahoo.com".into()),
            subject: None,
            received_at: now(),
            role: MailRole::Duplicate,
        });
        let mail = duplicate_notice(&office(), &c, Some("dup@mail.yahoo.com"), now());
        assert_eq!(mail.purpose, Purpose::DuplicateNotice);
        let m = parse(&mail);
        assert_common(&mail, &m, &["renee.lain@yahoo.com"], "auto-replied");
        assert_case_mail(&m, "sudah tercatat");
        assert_eq!(text_list(m.in_reply_to()), vec!["dup@mail.yahoo.com"]);
        assert!(body(&m).contains("sedang diverifikasi"));

        let unknown = duplicate_notice(&office(), &c, Some("other@x"), now());
        assert_eq!(unknown.to, vec!["renee.pakaya@gmail.com"]);
    }

    #[test]
    fn disposition_request_explains_how_to_dispose() {
        let mail = disposition_request(&office(), &case(), now());
        assert_eq!(mail.purpose, Purpose::DispositionRequest);
        let m = parse(&mail);
        assert_common(&mail, &m, &["kadis@gorontalokab.go.id"], "auto-generated");
        assert_case_mail(&m, "Mohon disposisi");
        assert!(m.subject().unwrap().contains(NAME));
        assert!(m.header("In-Reply-To").is_none());
        assert_eq!(text_list(m.references()), vec![APPLICATION]);
        let b = body(&m);
        assert!(b.starts_with("Yth. Bapak/Ibu Drs. Hamid Olii,"), "{b}");
        for needle in [
            "disposisi ke <nama atau email verifikator>",
            "setuju",
            "bergiliran",
            "Yusran Mooduto <yusran@gorontalokab.go.id>",
            "Fitriyani Ali <fitri@gorontalokab.go.id>",
            "1 dari 4 butir sesuai",
            "SK Jabatan terlampir",
            "Dinas Kesehatan",
            "198503122010012003",
            "7502********0001",
        ] {
            assert!(b.contains(needle), "{needle}:\n{b}");
        }
    }

    #[test]
    fn verifier_assignment_goes_to_the_verifier() {
        let c = case();
        let v = &office().verifiers[1];
        let mail = verifier_assigned(&office(), &c, v, now());
        assert_eq!(mail.purpose, Purpose::VerifierAssigned);
        let m = parse(&mail);
        assert_common(&mail, &m, &["fitri@gorontalokab.go.id"], "auto-generated");
        assert_case_mail(&m, "Penugasan verifikasi");
        let b = body(&m);
        assert!(b.starts_with("Yth. Bapak/Ibu Fitriyani Ali,"), "{b}");
        for item in &c.checklist {
            assert!(b.contains(&item.label), "{}", item.label);
        }
    }

    #[test]
    fn rejection_gives_the_reason() {
        let reason = format!("NIK {NIK} bukan milik pegawai Pemerintah Kabupaten Gorontalo.");
        let mail = rejection(&office(), &case(), &reason, now());
        assert_eq!(mail.purpose, Purpose::Rejection);
        let m = parse(&mail);
        assert_common(&mail, &m, &["renee.pakaya@gmail.com"], "auto-generated");
        assert_case_mail(&m, "tidak dapat diproses");
        assert!(body(&m).contains("NIK 7502********0001 bukan milik pegawai"));
    }

    #[test]
    fn quarantine_notice_reaches_every_verifier_without_a_case_tag() {
        let mail = quarantine_notice(
            &office(),
            Some("orang@contoh.id"),
            Some("Re: [TTE-2026-0007] berkas\r\nBcc: korban@x.com"),
            Some("<rusak@contoh.id>"),
            "lampiran terenkripsi",
            now(),
        );
        assert_eq!(mail.purpose, Purpose::Quarantined);
        let m = parse(&mail);
        assert_common(
            &mail,
            &m,
            &["yusran@gorontalokab.go.id", "fitri@gorontalokab.go.id"],
            "auto-generated",
        );
        assert_eq!(case_tag(m.subject().unwrap()), None);
        assert!(m.header("Bcc").is_none());
        assert!(m.header("References").is_none());
        let b = body(&m);
        for needle in [
            "orang@contoh.id",
            "[TTE-2026-0007] berkas Bcc: korban@x.com",
            "<rusak@contoh.id>",
            "lampiran terenkripsi",
            "karantina",
            "24 November 2026 pukul 14.05 WITA",
        ] {
            assert!(b.contains(needle), "{needle}:\n{b}");
        }
    }

    #[test]
    fn message_ids_are_stable_and_distinct() {
        let c = case();
        let a = acknowledgement(&office(), &c, None, now());
        assert_eq!(
            a.message_id,
            acknowledgement(&office(), &c, None, now()).message_id
        );
        let later = acknowledgement(&office(), &c, None, now() + chrono::Duration::seconds(1));
        assert_ne!(a.message_id, later.message_id);
        let m = missing_items(&office(), &c, None, None, now());
        assert_ne!(a.message_id, m.message_id);
        let hex = a
            .message_id
            .split('.')
            .nth(3)
            .unwrap()
            .split('@')
            .next()
            .unwrap();
        assert_eq!(hex.len(), 16);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn bad_addresses_and_ids_do_not_break_a_mail() {
        let mut c = case();
        c.applicant.reply_to = "bukan alamat".into();
        c.applicant.fields.name = None;
        c.thread = vec!["<ok@x>".into(), "dengan spasi@x".into(), "".into()];
        let mail = acknowledgement(&office(), &c, Some("<ok@x>"), now());
        assert_eq!(mail.to, vec!["bukan alamat"]);
        let m = parse(&mail);
        assert_eq!(text_list(m.references()), vec!["ok@x"]);
        assert!(body(&m).starts_with("Yth. Bapak/Ibu,"));

        let mut odd = office();
        odd.name = "Dinas \"Kominfo\" (Gorontalo), Ünit TTE; <Layanan>\r\nBcc: x@y.z".into();
        odd.address = "tte at gorontalokab".into();
        for v in &mut odd.verifiers {
            v.name = "Ñoël, S.T. (\"verifikator\")".into();
        }
        let mail = quarantine_notice(&odd, None, None, None, "x", now());
        assert_eq!(mail.from, "tte at gorontalokab");
        assert!(
            mail.message_id.ends_with("@localhost"),
            "{}",
            mail.message_id
        );
        let m = parse(&mail);
        assert!(m.header("Bcc").is_none());
        let from = m.from().unwrap().first().unwrap();
        assert_eq!(
            from.name(),
            Some("Dinas \"Kominfo\" (Gorontalo), Ünit TTE; <Layanan> Bcc: x@y.z")
        );
        assert_eq!(
            m.to().unwrap().first().unwrap().name(),
            Some("Ñoël, S.T. (\"verifikator\")")
        );
    }

    #[test]
    fn case_tags() {
        let id = |seq| Some(CaseId { year: 2026, seq });
        for (subject, want) in [
            ("[TTE-2026-0007] Permohonan diterima", id(7)),
            ("Re: [TTE-2026-0007] Permohonan diterima", id(7)),
            ("RE: Fwd: balasan [tte-2026-0012]", id(12)),
            ("[Tte-2026-0003]", id(3)),
            ("[ TTE-2026-0042 ] spasi", id(42)),
            ("[PENTING] [TTE-2026-0005]", id(5)),
            ("[TTE-2026-123456]", id(123_456)),
            ("TTE-2026-0007 tanpa kurung", None),
            ("[TTE-2026-0000]", None),
            ("[TTE-26-0007]", None),
            ("[TTE-2026-0007", None),
            ("[TTE-2026-0007x]", None),
            ("", None),
        ] {
            assert_eq!(case_tag(subject), want, "{subject}");
        }
    }

    #[test]
    fn niks_are_masked_wherever_they_appear() {
        for (text, want) in [
            ("NIK 7502015203850001.", "NIK 7502********0001."),
            ("(7502015203850001)", "(7502********0001)"),
            ("7502 0152 0385 0001", "7502 **** **** 0001"),
            ("7502.0152.0385.0001", "7502.****.****.0001"),
            ("2026 7502015203850001", "2026 7502********0001"),
            ("salah ketik 750201520385001", "salah ketik 7502*******5001"),
            ("NIP 198503122010012003", "NIP 198503122010012003"),
            ("NIP 19850312 201001 2 003", "NIP 19850312 201001 2 003"),
            (
                "HP 081234567890, 24 November 2026",
                "HP 081234567890, 24 November 2026",
            ),
            ("12345678901234567890", "12345678901234567890"),
        ] {
            assert_eq!(mask_niks_in(text), want, "{text}");
        }
        assert_eq!(mask_nik_like(NIK), "7502********0001");
        assert_eq!(mask_nik_like("7502-0152-0385-00"), "7502-****-**85-00");
        assert_eq!(mask_nik_like("99020152038500011"), "9902*********0011");
    }

    #[test]
    fn times_are_wita() {
        assert_eq!(wita_datetime(now()), "24 November 2026 pukul 14.05 WITA");
        let new_year = Utc.with_ymd_and_hms(2026, 12, 31, 17, 0, 0).unwrap();
        assert_eq!(wita_datetime(new_year), "1 Januari 2027 pukul 01.00 WITA");
    }
}
