//! The control socket: the CLI's staff commands reach the running daemon (which holds the
//! case database open) through it, or run on the store directly when no daemon runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Notify;

use crate::case::store::CaseStore;
use crate::config::Config;
use crate::desk::command::{Command, execute};
use crate::desk::reply::Reply;
use crate::desk::{Desk, Services};
use crate::rules::Rules;
use crate::signature::Policy;

/// The control socket of a daemon whose data lives in `data_dir`.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("sertel.sock")
}

/// How long a client may take to send its command line; a silent one is dropped, and it
/// never holds up another client.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest command line taken: a signed letter travels base64-encoded, up to its limit.
const LINE_LIMIT: u64 = 64 * 1024 * 1024;

/// Serves staff commands on the daemon's control socket until the task is dropped, one task
/// per connection. Only users who can open the socket file (the data directory's owner) can
/// reach it.
pub async fn serve(listener: UnixListener, services: Arc<Services>, mail_waiting: Arc<Notify>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(answer(stream, services.clone(), mail_waiting.clone()));
    }
}

async fn answer(stream: UnixStream, services: Arc<Services>, mail_waiting: Arc<Notify>) {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut reader = BufReader::new(read.take(LINE_LIMIT));
    match tokio::time::timeout(READ_TIMEOUT, reader.read_line(&mut line)).await {
        Ok(Ok(n)) if n > 0 => {}
        _ => return,
    }
    let reply = match serde_json::from_str::<Command>(&line) {
        Ok(command) => {
            // Commands touch sled and may draft PDFs: off the runtime's threads.
            let done = tokio::task::spawn_blocking(move || {
                execute(&command, &services.desk(), Utc::now())
            })
            .await;
            mail_waiting.notify_one();
            done.unwrap_or_else(|_| Reply::refused("Perintah gagal dijalankan di daemon."))
        }
        Err(e) => Reply::refused(format!("Perintah tidak dikenal: {e}")),
    };
    let mut out = serde_json::to_string(&reply).unwrap_or_default();
    out.push('\n');
    let _ = write.write_all(out.as_bytes()).await;
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
    let signing = match Policy::from_config(&config.signing) {
        Ok(signing) => signing,
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
                signing: &signing,
            };
            execute(command, &desk, Utc::now())
        }
        Err(e) => Reply::refused(format!(
            "Basis data kasus di {} tidak dapat dibuka: {e}",
            config.storage.data_dir.display()
        )),
    }
}
