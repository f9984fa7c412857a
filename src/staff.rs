//! Staff actions of SOP steps 2–3 (show a case, dispose, request documents, check an item by
//! hand, reject) and the control socket that lets the CLI run them inside the daemon, which
//! holds the case database open. Every answer is in Indonesian.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Notify;

use crate::case::sop::{self, SopError};
use crate::case::store::{CaseError, CaseStore};
use crate::case::{Actor, Case, CaseId, EventKind, State};
use crate::config::{Config, Person};
use crate::outbound::{OutgoingMail, compose};

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub ok: bool,
    pub text: String,
}

impl Reply {
    fn ok(text: impl Into<String>) -> Reply {
        Reply {
            ok: true,
            text: text.into(),
        }
    }
    fn refused(text: impl Into<String>) -> Reply {
        Reply {
            ok: false,
            text: text.into(),
        }
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
pub fn execute(command: &Command, config: &Config, store: &CaseStore, now: DateTime<Utc>) -> Reply {
    match run(command, config, store, now) {
        Ok(reply) | Err(reply) => reply,
    }
}

fn run(
    command: &Command,
    config: &Config,
    store: &CaseStore,
    now: DateTime<Utc>,
) -> Result<Reply, Reply> {
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
            let id = parse_id(id)?;
            let case = store
                .get(id)
                .map_err(store_error)?
                .ok_or_else(|| Reply::refused(format!("Kasus {id} tidak ditemukan.")))?;
            if *json {
                let timings = sop::timings(&case, &config.standards, now);
                let value = serde_json::json!({ "case": case, "timings": timings_json(&timings) });
                Ok(Reply::ok(value.to_string()))
            } else {
                Ok(Reply::ok(sop::render(
                    &case,
                    &sop::timings(&case, &config.standards, now),
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
pub async fn serve(
    listener: UnixListener,
    config: Arc<Config>,
    store: CaseStore,
    mail_waiting: Arc<Notify>,
) {
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
                let reply = execute(&command, &config, &store, Utc::now());
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
pub async fn submit(command: &Command, config: &Config) -> Reply {
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
    match CaseStore::open(&config.storage.data_dir) {
        Ok(store) => execute(command, config, &store, Utc::now()),
        Err(e) => Reply::refused(format!(
            "Basis data kasus di {} tidak dapat dibuka: {e}",
            config.storage.data_dir.display()
        )),
    }
}
