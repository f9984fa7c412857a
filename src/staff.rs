//! Staff actions of SOP steps 2–11 (show a case, dispose, request documents, check an item by
//! hand, correct a field, reject, draft and sign the letter, mark the BSrE steps, package,
//! report), web desk accounts, and the control socket that lets the CLI run them inside the
//! daemon, which holds the case database open. Every answer is in Indonesian.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Notify;

use crate::applicant::{EmailAddress, Nik, Nip, Phone};
use crate::case::sop::{self, SopError};
use crate::case::store::{CaseError, CaseStore};
use crate::case::{Actor, ApplicantRecord, Case, CaseId, EventKind, LetterFile, State};
use crate::checklist;
use crate::config::{Config, Person};
use crate::daemon::{Desk, Services};
use crate::extract::body::BodyForm;
use crate::letter::{LetterData, render_docx, render_pdf};
use crate::outbound::compose::MailFile;
use crate::outbound::{OutgoingMail, compose};
use crate::report;
use crate::rules::Rules;
use crate::signature::{SignedInfo, TrustAnchors, Verdict, verify_pdf};
use crate::web::accounts::{Account, Accounts, Role};

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

/// The applicant's fields a verifier may correct, by the key the CLI and the web use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Nama,
    Nik,
    Nip,
    Jabatan,
    Pangkat,
    Unit,
    Hp,
    Surel,
}

impl Field {
    pub const ALL: [Field; 8] = [
        Field::Nama,
        Field::Nik,
        Field::Nip,
        Field::Jabatan,
        Field::Pangkat,
        Field::Unit,
        Field::Hp,
        Field::Surel,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Field::Nama => "nama",
            Field::Nik => "nik",
            Field::Nip => "nip",
            Field::Jabatan => "jabatan",
            Field::Pangkat => "pangkat",
            Field::Unit => "unit",
            Field::Hp => "hp",
            Field::Surel => "surel",
        }
    }

    /// Indonesian, as on the case page.
    pub fn label(self) -> &'static str {
        match self {
            Field::Nama => "Nama",
            Field::Nik => "NIK",
            Field::Nip => "NIP",
            Field::Jabatan => "Jabatan",
            Field::Pangkat => "Pangkat/Gol.",
            Field::Unit => "Unit Kerja",
            Field::Hp => "No. HP",
            Field::Surel => "Surel",
        }
    }

    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key.trim())
    }

    pub fn get(self, a: &ApplicantRecord) -> Option<&str> {
        match self {
            Field::Nama => a.name.as_deref(),
            Field::Nik => a.nik.as_deref(),
            Field::Nip => a.nip.as_deref(),
            Field::Jabatan => a.position.as_deref(),
            Field::Pangkat => a.rank.as_deref(),
            Field::Unit => a.unit.as_deref(),
            Field::Hp => a.phone.as_deref(),
            Field::Surel => a.email.as_deref(),
        }
    }

    fn slot(self, a: &mut ApplicantRecord) -> &mut Option<String> {
        match self {
            Field::Nama => &mut a.name,
            Field::Nik => &mut a.nik,
            Field::Nip => &mut a.nip,
            Field::Jabatan => &mut a.position,
            Field::Pangkat => &mut a.rank,
            Field::Unit => &mut a.unit,
            Field::Hp => &mut a.phone,
            Field::Surel => &mut a.email,
        }
    }

    /// What the applicant typed for this field into the mail body, if anything.
    pub fn body_value(self, b: &BodyForm) -> Option<&str> {
        match self {
            Field::Nama => b.name.as_deref(),
            Field::Nik => b.nik.as_deref(),
            Field::Nip => b.nip.as_deref(),
            Field::Jabatan => b.position.as_deref(),
            Field::Pangkat => b.rank.as_deref(),
            Field::Unit => b.unit.as_deref(),
            Field::Hp => b.phone.as_deref(),
            Field::Surel => b.email.as_deref(),
        }
    }

    /// The same field in the form the applicant typed into the mail body.
    pub fn body_slot(self, b: &mut BodyForm) -> &mut Option<String> {
        match self {
            Field::Nama => &mut b.name,
            Field::Nik => &mut b.nik,
            Field::Nip => &mut b.nip,
            Field::Jabatan => &mut b.position,
            Field::Pangkat => &mut b.rank,
            Field::Unit => &mut b.unit,
            Field::Hp => &mut b.phone,
            Field::Surel => &mut b.email,
        }
    }

    /// The value in its canonical form, or why it is not one (Indonesian).
    pub fn normalize(self, value: &str) -> Result<String, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("{} tidak boleh kosong.", self.label()));
        }
        match self {
            Field::Nik => Nik::parse(value)
                .map(|n| n.as_str().to_string())
                .map_err(|e| e.keterangan()),
            Field::Nip => Nip::parse(value)
                .map(|n| n.as_str().to_string())
                .map_err(|e| e.keterangan()),
            Field::Hp => Phone::parse(value)
                .map(|p| p.as_str().to_string())
                .map_err(|e| e.keterangan()),
            Field::Surel => EmailAddress::parse(value)
                .map(|e| e.as_str().to_string())
                .map_err(|e| e.keterangan()),
            Field::Nama | Field::Jabatan | Field::Pangkat | Field::Unit => {
                if value.chars().count() > TEXT_FIELD_LIMIT {
                    return Err(format!(
                        "{} paling panjang {TEXT_FIELD_LIMIT} karakter.",
                        self.label()
                    ));
                }
                // Control and bidirectional characters would make a letter say one thing and
                // show another.
                if value.chars().any(|c| c.is_control() || is_bidi_control(c)) {
                    return Err(format!(
                        "{} memuat karakter kendali yang tidak diizinkan.",
                        self.label()
                    ));
                }
                Ok(value.split_whitespace().collect::<Vec<_>>().join(" "))
            }
        }
    }
}

/// Longest name, position, rank or unit: the longest unit names of a Pemerintah Kabupaten
/// are under 120 characters.
const TEXT_FIELD_LIMIT: usize = 200;

/// Unicode's bidirectional embedding, override, isolate and mark characters.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub ok: bool,
    pub text: String,
    /// Files the command produced, for the CLI to write where the user asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<ReplyFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The largest signed letter staff may upload (CLI or web); a signed one-page letter is far
/// smaller, and the command carries the bytes over the control socket.
pub const SIGNED_LETTER_LIMIT: usize = 20 * 1024 * 1024;

/// The states a verifier marks by hand after the letter is signed.
pub const MARKABLE: [State; 5] = [
    State::Diajukan,
    State::MenungguAktivasi,
    State::Disetujui,
    State::MenungguPassphrase,
    State::Terbit,
];

impl Reply {
    fn ok(text: impl Into<String>) -> Reply {
        Reply {
            ok: true,
            text: text.into(),
            files: Vec::new(),
        }
    }
    fn refused(text: impl Into<String>) -> Reply {
        Reply {
            ok: false,
            text: text.into(),
            files: Vec::new(),
        }
    }
}

/// Lays the verifiers' latest edits over an applicant record read again from the mails, so
/// that a follow-up does not undo a correction.
pub fn keep_edits(case: &mut Case) {
    let edits: Vec<(Field, String)> = case
        .edits()
        .into_iter()
        .filter_map(|(key, value)| Some((Field::from_key(key)?, value.to_string())))
        .collect();
    for (field, value) in edits {
        *field.slot(&mut case.applicant) = Some(value);
    }
}

/// The control socket of a daemon whose data lives in `data_dir`.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("sertel.sock")
}

fn parse_id(id: &str) -> Result<CaseId, Reply> {
    id.parse().map_err(|_| {
        Reply::refused(format!(
            "Nomor kasus tidak dikenal: \"{id}\". Tulis seperti TTE-2026-0007."
        ))
    })
}

fn find_verifier<'a>(config: &'a Config, who: &str) -> Result<&'a Person, Reply> {
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
            Reply::refused(format!(
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

fn store_error(e: CaseError) -> Reply {
    tracing::error!(error = %e, "case store failed during a staff action");
    Reply::refused(format!("Basis data kasus gagal dibaca atau ditulis: {e}"))
}

/// Runs one staff command against the store. Mails it causes go to the outbox in the same
/// transaction as the change.
pub fn execute(command: &Command, desk: &Desk<'_>, now: DateTime<Utc>) -> Reply {
    match run(command, desk, now) {
        Ok(reply) | Err(reply) => reply,
    }
}

fn run(command: &Command, desk: &Desk<'_>, now: DateTime<Utc>) -> Result<Reply, Reply> {
    let (config, store) = (desk.config, desk.store);
    let office = &config.office;
    let change = |id: &str,
                  done: String,
                  f: &dyn Fn(&mut Case) -> Result<Vec<OutgoingMail>, SopError>|
     -> Result<Reply, Reply> {
        let id = parse_id(id)?;
        match store.update(id, now, f) {
            Ok(Ok(())) => Ok(Reply::ok(done)),
            Ok(Err(e)) => Err(Reply::refused(e.keterangan())),
            Err(CaseError::NotFound(_)) => {
                Err(Reply::refused(format!("Kasus {id} tidak ditemukan.")))
            }
            Err(e) => Err(store_error(e)),
        }
    };
    match command {
        Command::Show { id, json } => {
            let case = get_case(store, id)?;
            if *json {
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
        Command::List { json } => {
            let cases = store.list().map_err(store_error)?;
            if *json {
                let rows: Vec<_> = cases
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "id": c.id, "state": c.state, "name": c.applicant.name,
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
                        c.applicant.name.as_deref().unwrap_or("-"),
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
        Command::Dispose { id, verifier, by } => {
            parse_id(id)?;
            let v = find_verifier(config, verifier)?;
            let actor = Actor::Staff(by.clone());
            change(
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
        Command::Request { id, message, by } => {
            let actor = Actor::Staff(by.clone());
            change(
                id,
                format!("Permintaan kelengkapan kasus {id} dikirim ke pemohon."),
                &|case| {
                    start_verifying(case, &actor, now)?;
                    case.transition(
                        State::MenungguKelengkapan,
                        actor.clone(),
                        now,
                        Some(message.clone()),
                    )?;
                    case.record(
                        actor.clone(),
                        EventKind::DocumentsRequested {
                            message: message.clone(),
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
        Command::Check { id, item, note, by } => {
            let actor = Actor::Staff(by.clone());
            change(
                id,
                format!("Butir \"{item}\" kasus {id} ditandai sesuai."),
                &|case| {
                    start_verifying(case, &actor, now)?;
                    case.check_item(item, actor.clone(), note.clone(), now)?;
                    Ok(Vec::new())
                },
            )
        }
        Command::Edit {
            id,
            field,
            value,
            by,
        } => {
            let Some(f) = Field::from_key(field) else {
                let keys: Vec<&str> = Field::ALL.iter().map(|f| f.key()).collect();
                return Err(Reply::refused(format!(
                    "Isian tidak dikenal: \"{field}\". Isian yang dapat diubah: {}.",
                    keys.join(", ")
                )));
            };
            let value = f.normalize(value).map_err(Reply::refused)?;
            let actor = Actor::Staff(by.clone());
            let rerun_words = std::cell::RefCell::new(String::new());
            let reply = change(id, format!("{} kasus {id} diubah.", f.label()), &|case| {
                if case.state.is_closed() {
                    return Err(SopError::Closed {
                        case: case.id,
                        state: case.state,
                    });
                }
                start_verifying(case, &actor, now)?;
                let from = f.slot(&mut case.applicant).replace(value.clone());
                case.record(
                    actor.clone(),
                    EventKind::FieldEdited {
                        field: f.key().to_string(),
                        from,
                        to: value.clone(),
                    },
                    None,
                    now,
                );
                *rerun_words.borrow_mut() = match checklist::rerun(
                    &desk.rules.checklist,
                    case,
                    crate::daemon::today(now),
                ) {
                    None => " Kasus ini tersimpan sebelum hasil pembacaan dokumen disimpan; \
                                 daftar periksa tidak dijalankan ulang."
                        .to_string(),
                    Some(new) => {
                        let changed = checklist::changes(&case.checklist, &new);
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
        Command::UserAdd {
            name,
            role,
            password_hash,
            verifier,
        } => {
            let name = crate::web::accounts::check_name(name)
                .map_err(|e| Reply::refused(format!("Akun tidak disimpan: {e}.")))?;
            let verifier = match (role, verifier) {
                (Role::Verifikator, Some(who)) => {
                    let wanted = who.trim().to_lowercase();
                    let found = office.verifiers.iter().find(|v| {
                        v.email.eq_ignore_ascii_case(&wanted) || v.name.to_lowercase() == wanted
                    });
                    let Some(found) = found else {
                        let names: Vec<&str> =
                            office.verifiers.iter().map(|v| v.email.as_str()).collect();
                        return Err(Reply::refused(format!(
                            "Verifikator \"{who}\" tidak ada pada [office]. Verifikator kantor: {}.",
                            names.join(", ")
                        )));
                    };
                    Some(found.email.clone())
                }
                (_, Some(_)) => {
                    return Err(Reply::refused(
                        "Hanya akun verifikator yang ditautkan ke verifikator kantor.",
                    ));
                }
                (_, None) => None,
            };
            let accounts = Accounts::open(store)
                .map_err(|e| Reply::refused(format!("Basis data akun gagal dibuka: {e}")))?;
            accounts
                .put(&Account {
                    name: name.to_string(),
                    role: *role,
                    hash: password_hash.clone(),
                    verifier: verifier.clone(),
                })
                .map_err(|e| Reply::refused(format!("Akun gagal disimpan: {e}")))?;
            Ok(Reply::ok(format!(
                "Pengguna {name} ({role}) disimpan; ia dapat masuk ke meja web."
            )))
        }
        Command::Reject { id, reason, by } => {
            let actor = Actor::Staff(by.clone());
            change(
                id,
                format!("Kasus {id} ditolak; pemohon diberi tahu."),
                &|case| {
                    case.transition(State::Ditolak, actor.clone(), now, Some(reason.clone()))?;
                    Ok(vec![compose::rejection(office, case, reason, now)])
                },
            )
        }
        Command::Mark { id, state, by } => {
            let to = MARKABLE
                .into_iter()
                .find(|s| s.as_str() == state.trim().to_lowercase())
                .ok_or_else(|| {
                    let names: Vec<&str> = MARKABLE.iter().map(|s| s.as_str()).collect();
                    Reply::refused(format!(
                        "Status \"{state}\" tidak dapat dicatat dengan perintah ini. Status \
                         tahap BSrE: {}.",
                        names.join(", ")
                    ))
                })?;
            let actor = Actor::Staff(by.clone());
            change(
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
        Command::Backup { dir } => {
            let m = crate::case::backup::backup(store, dir, now)
                .map_err(|e| Reply::refused(format!("Cadangan tidak dibuat: {e}.")))?;
            Ok(Reply::ok(format!(
                "Cadangan ditulis ke {}: {} kasus, {} surel di antrean, {} berkas ({} KB).",
                dir.display(),
                m.cases,
                m.outbox,
                m.blobs,
                m.blob_bytes.div_ceil(1024)
            )))
        }
        Command::ExportAudit { from, to, format } => {
            let cases = store.list().map_err(store_error)?;
            let logins = Accounts::open(store)
                .and_then(|a| a.logins())
                .map_err(|e| Reply::refused(format!("Catatan masuk tidak dapat dibaca: {e}")))?;
            let rows = crate::audit::rows(&cases, &logins, *from, *to);
            Ok(Reply::ok(match format.as_str() {
                "csv" => crate::audit::csv(&rows),
                "json" => serde_json::to_string_pretty(&rows).unwrap_or_default(),
                _ => crate::audit::text(&rows),
            }))
        }
        Command::Verify => {
            let v = crate::case::backup::verify(store)
                .map_err(|e| Reply::refused(format!("Pemeriksaan gagal: {e}.")))?;
            let summary = format!(
                "{} kasus, {} berkas diperiksa, {} berkas tanpa rujukan",
                v.cases, v.blobs_checked, v.unnamed
            );
            if v.problems.is_empty() {
                Ok(Reply::ok(format!("Folder data utuh: {summary}.")))
            } else {
                Err(Reply::refused(format!(
                    "Folder data bermasalah ({summary}):\n{}",
                    v.problems.join("\n")
                )))
            }
        }
        Command::Erase {
            id,
            reason,
            force,
            by,
        } => {
            let case_id = parse_id(id)?;
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(Reply::refused(
                    "Sebutkan alasan penghapusan (--reason), misalnya permintaan pemohon.",
                ));
            }
            let erased = crate::case::retention::erase(store, case_id, by, reason, *force, now)
                .map_err(|e| Reply::refused(format!("Data tidak dihapus: {e}.")))?;
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
        Command::Package { id } => {
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
        Command::Draft { id, reason, by } => {
            let case = get_case(store, id)?;
            let reason = reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
            if !case.complete() && reason.is_none() {
                return Err(Reply::refused(format!(
                    "Daftar periksa kasus {} belum lengkap ({}). Selesaikan dahulu, atau buat \
                     surat dengan alasan: sertel case {} draft --reason \"...\".",
                    case.id,
                    case.problems().join(", "),
                    case.id
                )));
            }
            let data = LetterData::from_record(&case.applicant)
                .map_err(|e| Reply::refused(format!("Kasus {}: {}", case.id, e.keterangan())))?;
            let template = &desk.rules.letter;
            let made = render_pdf(template, &data)
                .and_then(|pdf| render_docx(template, &data).map(|docx| (pdf, docx)));
            let (pdf, docx) = made.map_err(|e| {
                tracing::error!(error = %e, "letter could not be drafted");
                Reply::refused(format!("Surat rekomendasi gagal dibuat: {e}"))
            })?;
            let actor = Actor::Staff(by.clone());
            let (pdf_sha256, docx_sha256) = (
                crate::case::store::sha256_hex(&pdf),
                crate::case::store::sha256_hex(&docx),
            );
            let id = case.id;
            let files = letter_files(id, &pdf, &docx);
            let updated =
                store.update_with_blobs(id, now, &[&pdf, &docx], |case| -> Result<_, SopError> {
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
                Ok(Err(e)) => Err(Reply::refused(e.keterangan())),
                Err(e) => Err(store_error(e)),
            }
        }
        Command::Letter { id } => {
            let case = get_case(store, id)?;
            let Some((pdf, docx)) = case.draft() else {
                return Err(Reply::refused(format!(
                    "Kasus {} belum memiliki surat rekomendasi.",
                    case.id
                )));
            };
            let get = |sha256: &str| {
                store.blob(sha256).map_err(store_error)?.ok_or_else(|| {
                    Reply::refused(format!("Berkas surat kasus {} hilang.", case.id))
                })
            };
            let mut reply = Reply::ok(format!("Surat rekomendasi kasus {}.", case.id));
            reply.files = letter_files(case.id, &get(pdf)?, &get(docx)?)
                .into_iter()
                .map(ReplyFile::from)
                .collect();
            Ok(reply)
        }
        Command::Sign { id, pdf, by } => {
            let case = get_case(store, id)?;
            let info = check_signed_letter(pdf, &case, desk.anchors, now).map_err(|reason| {
                Reply::refused(format!(
                    "Surat bertanda tangan untuk kasus {} tidak diterima: {reason}",
                    case.id
                ))
            })?;
            let actor = Actor::Staff(by.clone());
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
                Ok(Err(e)) => Err(Reply::refused(e.keterangan())),
                Err(e) => Err(store_error(e)),
            }
        }
        Command::Report { from, to, csv } => {
            let cases = store.list().map_err(store_error)?;
            let r = report::compute(&cases, &config.standards, *from, *to, now);
            Ok(Reply::ok(if *csv {
                report::render_csv(&r)
            } else {
                report::render_text(&r)
            }))
        }
    }
}

/// Whether `pdf` is this case's recommendation letter with a valid electronic signature: the
/// case waits for it, every signature verifies and chains to `anchors`, and the signed text
/// names the applicant's NIK. The reason, in Indonesian, when it is not.
pub fn check_signed_letter(
    pdf: &[u8],
    case: &Case,
    anchors: &TrustAnchors,
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
    let info = match verify_pdf(pdf, anchors, now) {
        Verdict::Valid(info) => info,
        Verdict::Refused(refusal) => return Err(refusal.keterangan()),
    };
    let nik: Option<String> = case
        .applicant
        .nik
        .as_deref()
        .map(|n| n.chars().filter(char::is_ascii_digit).collect());
    let text: String = crate::text::pdf::read(info.signed_revision(pdf))
        .map(|c| c.text)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    match nik {
        Some(nik) if !nik.is_empty() && text.contains(&nik) => Ok(info),
        _ => Err(
            "surat yang ditandatangani bukan surat rekomendasi untuk kasus ini: NIK \
                  pemohon tidak tercantum di dalamnya."
                .to_string(),
        ),
    }
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

impl From<MailFile> for ReplyFile {
    fn from(f: MailFile) -> ReplyFile {
        ReplyFile {
            name: f.filename,
            bytes: f.bytes,
        }
    }
}

fn letter_files(id: CaseId, pdf: &[u8], docx: &[u8]) -> [MailFile; 2] {
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

fn get_case(store: &CaseStore, id: &str) -> Result<Case, Reply> {
    let id = parse_id(id)?;
    store
        .get(id)
        .map_err(store_error)?
        .ok_or_else(|| Reply::refused(format!("Kasus {id} tidak ditemukan.")))
}

/// The signed letter, the latest KTP and SK and a data sheet, named `TTE-…_1_…` so they sort in
/// the order BSrE's form asks for them and need no renaming.
fn package(case: &Case, store: &CaseStore) -> Result<Vec<ReplyFile>, Reply> {
    let Some(signed) = case.signed_letter() else {
        return Err(Reply::refused(format!(
            "Kasus {} belum memiliki surat rekomendasi bertanda tangan elektronik yang sah; paket \
             belum dapat dibuat.",
            case.id
        )));
    };
    let blob = |sha256: &str| -> Result<Vec<u8>, Reply> {
        store
            .blob(sha256)
            .map_err(store_error)?
            .ok_or_else(|| Reply::refused(format!("Berkas {sha256} kasus {} hilang.", case.id)))
    };
    let name_part = name_for_file(case.applicant.name.as_deref().unwrap_or("pemohon"));
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
                return Err(Reply::refused(format!(
                    "Kasus {} tidak memiliki lampiran {label}; paket belum dapat dibuat.",
                    case.id
                )));
            }
        }
    }
    let mut sheet = format!("Data pemohon sertifikat elektronik — kasus {}\n\n", case.id);
    let a = &case.applicant;
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
fn name_for_file(name: &str) -> String {
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

fn timings_json(timings: &[sop::StepTiming]) -> serde_json::Value {
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

/// Serves staff commands on the daemon's control socket until the task is dropped. Only
/// users who can open the socket file (the data directory's owner) can reach it.
pub async fn serve(listener: UnixListener, services: Arc<Services>, mail_waiting: Arc<Notify>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (read, mut write) = stream.into_split();
        let mut line = String::new();
        if BufReader::new(read).read_line(&mut line).await.is_err() {
            continue;
        }
        let reply = match serde_json::from_str::<Command>(&line) {
            Ok(command) => {
                let reply = execute(&command, &services.desk(), Utc::now());
                mail_waiting.notify_one();
                reply
            }
            Err(e) => Reply::refused(format!("Perintah tidak dikenal: {e}")),
        };
        let mut out = serde_json::to_string(&reply).unwrap_or_default();
        out.push('\n');
        let _ = write.write_all(out.as_bytes()).await;
    }
}

/// Sends a command to the running daemon, or runs it on the store directly when no daemon
/// is running.
pub async fn submit(command: &Command, config: &Config, rules: &Rules) -> Reply {
    let socket = socket_path(&config.storage.data_dir);
    if let Ok(stream) = UnixStream::connect(&socket).await {
        let (read, mut write) = stream.into_split();
        let mut line = serde_json::to_string(command).unwrap_or_default();
        line.push('\n');
        if write.write_all(line.as_bytes()).await.is_ok() {
            let mut answer = String::new();
            if BufReader::new(read).read_line(&mut answer).await.is_ok()
                && let Ok(reply) = serde_json::from_str(&answer)
            {
                return reply;
            }
        }
        return Reply::refused(
            "Daemon sertel sedang berjalan tetapi tidak menjawab; coba lagi sebentar lagi.",
        );
    }
    let anchors = match TrustAnchors::from_pem_files(&config.signing.trust_anchors) {
        Ok(anchors) => anchors,
        Err(e) => {
            return Reply::refused(format!(
                "Sertifikat CA tepercaya pada [signing] tidak dapat dibaca: {e}"
            ));
        }
    };
    match CaseStore::open(&config.storage.data_dir) {
        Ok(store) => {
            let desk = Desk {
                config,
                rules,
                store: &store,
                anchors: &anchors,
            };
            execute(command, &desk, Utc::now())
        }
        Err(e) => Reply::refused(format!(
            "Basis data kasus di {} tidak dapat dibuka: {e}",
            config.storage.data_dir.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_field_refuses_floods_and_disguises() {
        assert_eq!(
            Field::Unit.normalize("  Dinas   Kesehatan ").as_deref(),
            Ok("Dinas Kesehatan")
        );
        assert!(Field::Nama.normalize(&"a".repeat(1_500_000)).is_err());
        assert!(Field::Nama.normalize("Rina\u{202e}anіR").is_err());
        assert!(Field::Jabatan.normalize("Analis\u{0007}").is_err());
        assert!(Field::Nama.normalize(&"a".repeat(TEXT_FIELD_LIMIT)).is_ok());
    }
}
