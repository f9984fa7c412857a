//! Staff commands of SOP steps 2–11 (show a case, dispose, request documents, check an item by
//! hand, correct a field, reject, draft and sign the letter, mark the BSrE steps, package,
//! report), the same whether typed at the CLI, pressed on the web desk or mailed by the Kadis.
//! Every answer is in Indonesian.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::cx::Cx;
use super::records::{backup, erase, export_audit, report, timings_json, user_add, verify};
use crate::applicant::Field;
use crate::case::recheck;
use crate::case::sop::{self, SopError};
use crate::case::{Actor, Case, EventKind, LetterFile, State};
use crate::config::{Config, Person};
use crate::desk::Desk;
use crate::desk::accounts::Role;
use crate::desk::letters::{accept_signed_letter, check_signed_letter, letter_files, package};
use crate::desk::reply::{CommandError, Reply, ReplyFile, get_case, parse_id};
use crate::letter::{LetterData, render_docx, render_pdf};
use crate::outbound::compose;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Command {
    Show {
        id: String,
        json: bool,
    },
    List {
        json: bool,
    },
    Dispose {
        id: String,
        verifier: String,
        by: String,
    },
    Request {
        id: String,
        message: String,
        by: String,
    },
    Check {
        id: String,
        item: String,
        note: Option<String>,
        by: String,
    },
    Reject {
        id: String,
        reason: String,
        by: String,
    },
    /// A BSrE step (`diajukan` … `terbit`) the verifier did or saw in BSrE's app.
    Mark {
        id: String,
        state: String,
        by: String,
    },
    /// The files a verifier uploads to BSrE's certificate-management app.
    Package {
        id: String,
    },
    /// Writes a consistent backup of the data directory into `dir` (empty or new).
    Backup {
        dir: std::path::PathBuf,
    },
    /// Checks that every file the cases name exists and matches its SHA-256.
    Verify,
    /// Every case's history and every login attempt, for the auditor.
    ExportAudit {
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        /// `csv`, `json` or `text`.
        format: String,
    },
    /// Erases the case's personal data at once (an applicant's request under UU PDP); a case
    /// still in progress needs `force`.
    Erase {
        id: String,
        reason: String,
        force: bool,
        by: String,
    },
    /// Drafts the recommendation letter and sends it to the Kadis for signing; with a reason
    /// when the checklist is not complete.
    Draft {
        id: String,
        reason: Option<String>,
        by: String,
    },
    /// The latest drafted letter's files (PDF and DOCX), to read before or after sending.
    Letter {
        id: String,
    },
    /// A signed letter a verifier received otherwise than by the Kadis's reply.
    Sign {
        id: String,
        pdf: Vec<u8>,
        by: String,
    },
    Report {
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        csv: bool,
    },
    /// Corrects one of the applicant's fields (`field` is a [`Field`] key).
    Edit {
        id: String,
        field: String,
        value: String,
        by: String,
    },
    /// Creates or replaces a web desk account; the CLI hashes the password, so it never
    /// crosses the control socket.
    UserAdd {
        name: String,
        role: Role,
        password_hash: String,
        /// For a verifikator: which of the office's verifiers (name or email) the account is;
        /// it acts on the cases disposed to that verifier only.
        #[serde(default)]
        verifier: Option<String>,
    },
}

/// The states a verifier marks by hand after the letter is signed.
pub const MARKABLE: [State; 5] = [
    State::Diajukan,
    State::MenungguAktivasi,
    State::Disetujui,
    State::MenungguPassphrase,
    State::Terbit,
];

/// Lays the verifiers' latest edits over an applicant record read again from the mails, so
/// that a follow-up does not undo a correction.
pub fn keep_edits(case: &mut Case) {
    let edits: Vec<(Field, String)> = case
        .edits()
        .into_iter()
        .filter_map(|(key, value)| Some((Field::from_key(key)?, value.to_string())))
        .collect();
    for (field, value) in edits {
        *case.applicant.fields.slot(field) = Some(value);
    }
}

fn find_verifier<'a>(config: &'a Config, who: &str) -> Result<&'a Person, CommandError> {
    let w = who.trim().to_lowercase();
    config
        .office
        .verifiers
        .iter()
        .find(|v| v.email.to_lowercase() == w || v.name.to_lowercase() == w)
        .or_else(|| {
            let mut partial = config
                .office
                .verifiers
                .iter()
                .filter(|v| v.name.to_lowercase().contains(&w));
            match (partial.next(), partial.next()) {
                (Some(one), None) => Some(one),
                _ => None,
            }
        })
        .ok_or_else(|| {
            let names: Vec<String> = config
                .office
                .verifiers
                .iter()
                .map(|v| format!("{} <{}>", v.name, v.email))
                .collect();
            CommandError::refused(format!(
                "Verifikator tidak dikenal: \"{who}\". Verifikator yang terdaftar: {}.",
                names.join(", ")
            ))
        })
}

/// A verifier acting on a case still marked `disposisi` has started verifying it.
fn start_verifying(case: &mut Case, actor: &Actor, now: DateTime<Utc>) -> Result<(), SopError> {
    if case.state == State::Disposisi {
        case.transition(State::Verifikasi, actor.clone(), now, None)?;
    }
    Ok(())
}

/// Runs one staff command against the store. Mails it causes go to the outbox in the same
/// transaction as the change.
pub fn execute(command: &Command, desk: &Desk<'_>, now: DateTime<Utc>) -> Reply {
    run(command, desk, now).unwrap_or_else(Reply::from)
}

fn run(command: &Command, desk: &Desk<'_>, now: DateTime<Utc>) -> Result<Reply, CommandError> {
    let cx = &Cx {
        desk,
        config: desk.config,
        store: desk.store,
        office: &desk.config.office,
        now,
    };
    match command {
        Command::Show { id, json } => show(cx, id, *json),
        Command::List { json } => list(cx, *json),
        Command::Dispose { id, verifier, by } => dispose(cx, id, verifier, by),
        Command::Request { id, message, by } => request(cx, id, message, by),
        Command::Check { id, item, note, by } => check(cx, id, item, note.as_deref(), by),
        Command::Edit {
            id,
            field,
            value,
            by,
        } => edit(cx, id, field, value, by),
        Command::UserAdd {
            name,
            role,
            password_hash,
            verifier,
        } => user_add(cx, name, *role, password_hash, verifier.as_deref()),
        Command::Reject { id, reason, by } => reject(cx, id, reason, by),
        Command::Mark { id, state, by } => mark(cx, id, state, by),
        Command::Backup { dir } => backup(cx, dir),
        Command::ExportAudit { from, to, format } => export_audit(cx, *from, *to, format),
        Command::Verify => verify(cx),
        Command::Erase {
            id,
            reason,
            force,
            by,
        } => erase(cx, id, reason, *force, by),
        Command::Package { id } => package_case(cx, id),
        Command::Draft { id, reason, by } => draft(cx, id, reason.as_deref(), by),
        Command::Letter { id } => letter(cx, id),
        Command::Sign { id, pdf, by } => sign(cx, id, pdf, by),
        Command::Report { from, to, csv } => report(cx, *from, *to, *csv),
    }
}

fn show(cx: &Cx<'_>, id: &str, json: bool) -> Result<Reply, CommandError> {
    let Cx {
        config, store, now, ..
    } = *cx;

    let case = get_case(store, id)?;
    if json {
        let timings = sop::timings(&case, &config.standards, now);
        let value = serde_json::json!({ "case": case, "timings": timings_json(&timings) });
        Ok(Reply::ok(value.to_string()))
    } else {
        Ok(Reply::ok(sop::render(
            &case,
            &sop::timings(&case, &config.standards, now),
            now,
        )))
    }
}

fn list(cx: &Cx<'_>, json: bool) -> Result<Reply, CommandError> {
    let Cx { store, .. } = *cx;

    let cases = store.list().map_err(CommandError::Store)?;
    if json {
        let rows: Vec<_> = cases
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id, "state": c.state, "name": c.applicant.fields.name,
                    "verifier": c.verifier, "problems": c.problems(),
                    "opened_at": c.opened_at,
                })
            })
            .collect();
        return Ok(Reply::ok(serde_json::Value::from(rows).to_string()));
    }
    if cases.is_empty() {
        return Ok(Reply::ok("Belum ada kasus."));
    }
    let lines: Vec<String> = cases
        .iter()
        .map(|c| {
            format!(
                "{}  {:<22}  {:<30}  {}",
                c.id,
                c.state.as_str(),
                c.applicant.fields.name.as_deref().unwrap_or("-"),
                if c.complete() {
                    "lengkap".to_string()
                } else {
                    format!("kurang: {}", c.problems().join(", "))
                }
            )
        })
        .collect();
    Ok(Reply::ok(lines.join("\n")))
}

fn dispose(cx: &Cx<'_>, id: &str, verifier: &str, by: &str) -> Result<Reply, CommandError> {
    let Cx {
        config,
        office,
        now,
        ..
    } = *cx;

    parse_id(id)?;
    let v = find_verifier(config, verifier)?;
    let actor = Actor::Staff(by.to_string());
    cx.change(
        id,
        format!("Kasus {id} didisposisikan ke {} <{}>.", v.name, v.email),
        &|case| {
            if case.state.is_closed() {
                return Err(SopError::NotAllowed {
                    case: case.id,
                    from: case.state,
                    to: State::Disposisi,
                });
            }
            case.assign(&v.email, actor.clone(), now);
            Ok(vec![compose::verifier_assigned(office, case, v, now)])
        },
    )
}

fn request(cx: &Cx<'_>, id: &str, message: &str, by: &str) -> Result<Reply, CommandError> {
    let Cx { office, now, .. } = *cx;

    let actor = Actor::Staff(by.to_string());
    cx.change(
        id,
        format!("Permintaan kelengkapan kasus {id} dikirim ke pemohon."),
        &|case| {
            start_verifying(case, &actor, now)?;
            case.transition(
                State::MenungguKelengkapan,
                actor.clone(),
                now,
                Some(message.to_string()),
            )?;
            case.record(
                actor.clone(),
                EventKind::DocumentsRequested {
                    message: message.to_string(),
                },
                None,
                now,
            );
            let reply_to = case.thread.first().cloned();
            Ok(vec![compose::missing_items(
                office,
                case,
                Some(message),
                reply_to.as_deref(),
                now,
            )])
        },
    )
}

fn check(
    cx: &Cx<'_>,
    id: &str,
    item: &str,
    note: Option<&str>,
    by: &str,
) -> Result<Reply, CommandError> {
    let Cx { now, .. } = *cx;

    let actor = Actor::Staff(by.to_string());
    // People read the item's label; the id is what tools and the CLI's argument use.
    let label = cx
        .store
        .get(parse_id(id)?)
        .ok()
        .flatten()
        .and_then(|case| {
            let entry = case.checklist.iter().find(|c| c.id == item)?;
            Some(entry.label.clone())
        })
        .unwrap_or_else(|| item.to_string());
    cx.change(
        id,
        format!("Butir \"{label}\" kasus {id} ditandai sesuai."),
        &|case| {
            start_verifying(case, &actor, now)?;
            case.check_item(item, actor.clone(), note.map(str::to_string), now)?;
            Ok(Vec::new())
        },
    )
}

fn edit(cx: &Cx<'_>, id: &str, field: &str, value: &str, by: &str) -> Result<Reply, CommandError> {
    let Cx { desk, now, .. } = *cx;

    let Some(f) = Field::from_key(field) else {
        let keys: Vec<&str> = Field::ALL.iter().map(|f| f.key()).collect();
        return Err(CommandError::refused(format!(
            "Isian tidak dikenal: \"{field}\". Isian yang dapat diubah: {}.",
            keys.join(", ")
        )));
    };
    let value = f.normalize(value).map_err(CommandError::Refused)?;
    let actor = Actor::Staff(by.to_string());
    let rerun_words = std::cell::RefCell::new(String::new());
    let reply = cx.change(id, format!("{} kasus {id} diubah.", f.label()), &|case| {
        if case.state.is_closed() {
            return Err(SopError::Closed {
                case: case.id,
                state: case.state,
            });
        }
        start_verifying(case, &actor, now)?;
        let from = case.applicant.fields.slot(f).replace(value.to_string());
        case.record(
            actor.clone(),
            EventKind::FieldEdited {
                field: f.key().to_string(),
                from,
                to: value.to_string(),
            },
            None,
            now,
        );
        *rerun_words.borrow_mut() =
            match recheck::rerun(&desk.rules.checklist, case, crate::desk::today(now)) {
                None => " Kasus ini tersimpan sebelum hasil pembacaan dokumen disimpan; \
                         daftar periksa tidak dijalankan ulang."
                    .to_string(),
                Some(new) => {
                    let changed = recheck::changes(&case.checklist, &new);
                    case.checklist = new;
                    if changed.is_empty() {
                        " Daftar periksa dijalankan ulang; tidak ada butir yang berubah."
                            .to_string()
                    } else {
                        format!(" Daftar periksa dijalankan ulang: {}.", changed.join("; "))
                    }
                }
            };
        Ok(Vec::new())
    })?;
    Ok(Reply::ok(format!("{}{}", reply.text, rerun_words.take())))
}

fn reject(cx: &Cx<'_>, id: &str, reason: &str, by: &str) -> Result<Reply, CommandError> {
    let Cx { office, now, .. } = *cx;

    let actor = Actor::Staff(by.to_string());
    cx.change(
        id,
        format!("Kasus {id} ditolak; pemohon diberi tahu."),
        &|case| {
            case.transition(State::Ditolak, actor.clone(), now, Some(reason.to_string()))?;
            Ok(vec![compose::rejection(office, case, reason, now)])
        },
    )
}

fn mark(cx: &Cx<'_>, id: &str, state: &str, by: &str) -> Result<Reply, CommandError> {
    let Cx { office, now, .. } = *cx;

    let to = MARKABLE
        .into_iter()
        .find(|s| s.as_str() == state.trim().to_lowercase())
        .ok_or_else(|| {
            let names: Vec<&str> = MARKABLE.iter().map(|s| s.as_str()).collect();
            CommandError::refused(format!(
                "Status \"{state}\" tidak dapat dicatat dengan perintah ini. Status \
                 tahap BSrE: {}.",
                names.join(", ")
            ))
        })?;
    let actor = Actor::Staff(by.to_string());
    cx.change(
        id,
        format!(
            "Kasus {id} dicatat {}; pemohon diberi tahu langkah berikutnya.",
            to.label_id()
        ),
        &|case| {
            case.transition(to, actor.clone(), now, None)?;
            Ok(compose::bsre_step(office, case, now).into_iter().collect())
        },
    )
}

fn package_case(cx: &Cx<'_>, id: &str) -> Result<Reply, CommandError> {
    let Cx { store, .. } = *cx;

    let case = get_case(store, id)?;
    let files = package(&case, store)?;
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    let mut reply = Reply::ok(format!(
        "Paket unggah BSrE kasus {}: {}.",
        case.id,
        names.join(", ")
    ));
    reply.files = files;
    Ok(reply)
}

fn draft(cx: &Cx<'_>, id: &str, reason: Option<&str>, by: &str) -> Result<Reply, CommandError> {
    let Cx {
        store,
        office,
        desk,
        now,
        ..
    } = *cx;

    let case = get_case(store, id)?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if !case.complete() && reason.is_none() {
        return Err(CommandError::refused(format!(
            "Daftar periksa kasus {} belum lengkap ({}). Selesaikan dahulu, atau buat \
             surat dengan alasan: sertel case {} draft --reason \"...\".",
            case.id,
            case.problems().join(", "),
            case.id
        )));
    }
    let data = LetterData::from_fields(&case.applicant.fields)
        .map_err(|e| CommandError::refused(format!("Kasus {}: {}", case.id, e.keterangan())))?;
    let template = &desk.rules.letter;
    let made = render_pdf(template, &data)
        .and_then(|pdf| render_docx(template, &data).map(|docx| (pdf, docx)));
    let (pdf, docx) = made.map_err(|e| {
        tracing::error!(error = %e, "letter could not be drafted");
        CommandError::refused(format!("Surat rekomendasi gagal dibuat: {e}"))
    })?;
    let actor = Actor::Staff(by.to_string());
    let (pdf_sha256, docx_sha256) = (
        crate::case::store::sha256_hex(&pdf),
        crate::case::store::sha256_hex(&docx),
    );
    let id = case.id;
    let files = letter_files(id, &pdf, &docx);
    let updated = store.update_with_blobs(id, now, &[&pdf, &docx], |case| -> Result<_, SopError> {
        start_verifying(case, &actor, now)?;
        case.transition(
            State::RekomendasiDikirim,
            actor.clone(),
            now,
            reason.map(str::to_string),
        )?;
        case.letters.push(LetterFile::Draft {
            at: now,
            pdf_sha256: pdf_sha256.clone(),
            docx_sha256: docx_sha256.clone(),
        });
        case.record(
            actor.clone(),
            EventKind::LetterDrafted {
                pdf_sha256: pdf_sha256.clone(),
                docx_sha256: docx_sha256.clone(),
                override_reason: reason.map(str::to_string),
            },
            None,
            now,
        );
        let [pdf, docx] = files.clone();
        Ok(vec![compose::letter_for_signing(
            office, case, pdf, docx, reason, now,
        )])
    });
    match updated {
        Ok(Ok(())) => {
            let mut reply = Reply::ok(format!(
                "Surat rekomendasi kasus {id} dibuat dan dikirim ke Kadis untuk \
                 ditandatangani."
            ));
            reply.files = files.into_iter().map(ReplyFile::from).collect();
            Ok(reply)
        }
        Ok(Err(e)) => Err(CommandError::refused(e.keterangan())),
        Err(e) => Err(CommandError::Store(e)),
    }
}

fn letter(cx: &Cx<'_>, id: &str) -> Result<Reply, CommandError> {
    let Cx { store, .. } = *cx;

    let case = get_case(store, id)?;
    let Some((pdf, docx)) = case.draft() else {
        return Err(CommandError::refused(format!(
            "Kasus {} belum memiliki surat rekomendasi.",
            case.id
        )));
    };
    let get = |sha256: &str| {
        store
            .blob(sha256)
            .map_err(CommandError::Store)?
            .ok_or_else(|| CommandError::refused(format!("Berkas surat kasus {} hilang.", case.id)))
    };
    let mut reply = Reply::ok(format!("Surat rekomendasi kasus {}.", case.id));
    reply.files = letter_files(case.id, &get(pdf)?, &get(docx)?)
        .into_iter()
        .map(ReplyFile::from)
        .collect();
    Ok(reply)
}

fn sign(cx: &Cx<'_>, id: &str, pdf: &[u8], by: &str) -> Result<Reply, CommandError> {
    let Cx {
        config,
        store,
        desk,
        now,
        ..
    } = *cx;

    let case = get_case(store, id)?;
    let info = check_signed_letter(pdf, &case, desk.signing, now).map_err(|reason| {
        CommandError::refused(format!(
            "Surat bertanda tangan untuk kasus {} tidak diterima: {reason}",
            case.id
        ))
    })?;
    let actor = Actor::Staff(by.to_string());
    let sha256 = crate::case::store::sha256_hex(pdf);
    let id = case.id;
    match store.update_with_blobs(id, now, &[pdf], |case| {
        accept_signed_letter(case, config, &info, &sha256, actor.clone(), now)
    }) {
        Ok(Ok(())) => Ok(Reply::ok(format!(
            "Surat bertanda tangan kasus {id} diterima (penanda tangan: {}); \
             verifikator diberi tahu.",
            info.signer_name
        ))),
        Ok(Err(e)) => Err(CommandError::refused(e.keterangan())),
        Err(e) => Err(CommandError::Store(e)),
    }
}
