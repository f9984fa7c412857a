//! `sertel run`: the daemon with its control socket and web desk, on IMAP or a Maildir, SMTP or
//! a folder.

use anyhow::{Context, Result, bail};
use sertel::case::store::CaseStore;
use sertel::config::Config;
use sertel::desk::{Desk, Services};
use sertel::intake::imap::ImapMailbox;
use sertel::intake::maildir::Maildir;
use sertel::outbound::folder::FolderTransport;
use sertel::outbound::smtp::SmtpTransport;
use sertel::outbound::{OutgoingMail, SendError, Transport};
use sertel::rules::Rules;
use sertel::signature::Policy;
use sertel::text::ocr::{Ocr, OcrError, TesseractOcr};
use sertel::web::{self, WebDesk};
use sertel::{control, daemon};
use std::sync::Arc;

/// The read-ahead's engines: loaded once each, kept for the daemon's life.
/// The crash tests' hook: with `SERTEL_PAUSE_AT=<stage>` (`after_fetch`, `after_store`,
/// `before_move`, `before_send`, `after_sent`) the daemon writes `SERTEL_PAUSE_FILE` and stops
/// there until killed, so a test can `kill -9` it at exactly that point. Unset, nobody watches.
fn crash_test_hook() -> Arc<dyn daemon::Checkpoint> {
    match std::env::var("SERTEL_PAUSE_AT").map(|s| s.parse::<daemon::Stage>()) {
        Ok(Ok(stage)) => Arc::new(PauseAt {
            stage,
            file: std::env::var_os("SERTEL_PAUSE_FILE").map(std::path::PathBuf::from),
        }),
        _ => Arc::new(daemon::Unobserved),
    }
}

struct PauseAt {
    stage: daemon::Stage,
    file: Option<std::path::PathBuf>,
}

impl daemon::Checkpoint for PauseAt {
    fn reached(&self, stage: daemon::Stage) {
        if stage != self.stage {
            return;
        }
        if let Some(file) = &self.file {
            let _ = std::fs::write(file, stage.as_str());
        }
        tracing::warn!(stage = stage.as_str(), "paused for a crash test");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
}

pub(super) fn tesseract() -> Result<Box<dyn Ocr + Send>, OcrError> {
    Ok(Box::new(TesseractOcr::new("ind")?))
}

pub(super) async fn daemon_main(
    mut config: Config,
    rules: Rules,
    engine: &mut TesseractOcr,
) -> Result<()> {
    // The standards count in the office hours of the rules folder's calendar.
    config.standards.calendar = rules.calendar.clone();
    std::fs::create_dir_all(&config.storage.data_dir).with_context(|| {
        format!(
            "folder data {} tidak dapat dibuat",
            config.storage.data_dir.display()
        )
    })?;
    let store =
        CaseStore::open(&config.storage.data_dir).context("basis data kasus tidak dapat dibuka")?;
    let signing = Policy::from_config(&config.signing)
        .context("sertifikat CA tepercaya pada [signing] tidak dapat dibaca")?;
    let services = Arc::new(Services {
        config,
        rules,
        store,
        signing,
    });
    let socket = control::socket_path(&services.config.storage.data_dir);
    // A socket left by a killed daemon would refuse the bind; the store's lock already
    // guarantees no other daemon uses this data directory.
    let _ = std::fs::remove_file(&socket);
    let listener = tokio::net::UnixListener::bind(&socket)
        .with_context(|| format!("soket kendali {} tidak dapat dibuat", socket.display()))?;
    let mail_waiting = Arc::new(tokio::sync::Notify::new());
    let control = tokio::spawn(control::serve(
        listener,
        services.clone(),
        mail_waiting.clone(),
    ));
    let web = match &services.config.web {
        Some(web_config) => {
            let listener = web::bind(web_config).await?;
            let desk = WebDesk::new(services.clone(), mail_waiting.clone(), chrono::Utc::now)
                .context("meja web tidak dapat disiapkan")?;
            tracing::info!(listen = %web_config.listen, "web desk listening");
            Some(tokio::spawn(web::serve(listener, Arc::new(desk))))
        }
        None => None,
    };

    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("stopping after the mail in hand");
        let _ = stop_tx.send(true);
    });

    let desk = services.desk();
    let config = desk.config;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        data = %config.storage.data_dir.display(),
        intake = if config.intake.imap.is_some() { "imap" } else { "maildir" },
        outbound = if config.outbound.smtp.is_some() { "smtp" } else { "folder" },
        verifiers = config.office.verifiers.len(),
        auto_assign = config.office.auto_assign,
        web = config.web.as_ref().map(|w| w.listen.to_string()).unwrap_or_default(),
        trust_anchors = desk.signing.anchors.subjects().len(),
        signer_configured = desk.signing.signer.is_some(),
        "sertel daemon started"
    );
    let result = match (&config.intake.imap, &config.intake.maildir) {
        (Some(imap), _) => {
            let imap = imap.clone();
            let connect = async move || ImapMailbox::connect(&imap).await;
            with_transport(&desk, connect, engine, stop, mail_waiting).await
        }
        (None, Some(dir)) => {
            let dir = dir.clone();
            let connect = async move || Maildir::open(&dir);
            with_transport(&desk, connect, engine, stop, mail_waiting).await
        }
        (None, None) => bail!("[intake] tidak berisi imap maupun maildir"),
    };
    control.abort();
    if let Some(web) = web {
        web.abort();
    }
    let _ = std::fs::remove_file(&socket);
    result
}

pub(super) async fn with_transport<M, C>(
    desk: &Desk<'_>,
    connect: C,
    engine: &mut TesseractOcr,
    stop: tokio::sync::watch::Receiver<bool>,
    mail_waiting: Arc<tokio::sync::Notify>,
) -> Result<()>
where
    M: sertel::intake::Mailbox,
    C: AsyncFnMut() -> Result<M, sertel::intake::IntakeError>,
{
    let outbound = &desk.config.outbound;
    let transport = match (&outbound.smtp, &outbound.folder) {
        (Some(smtp), _) => {
            Outbound::Smtp(SmtpTransport::new(smtp).context("pengaturan SMTP tidak dapat dipakai")?)
        }
        (None, Some(dir)) => Outbound::Folder(FolderTransport::new(dir).with_context(|| {
            format!("folder surat keluar {} tidak dapat dibuat", dir.display())
        })?),
        (None, None) => bail!("[outbound] tidak berisi smtp maupun folder"),
    };
    daemon::run(
        desk,
        connect,
        transport,
        daemon::Engines {
            own: engine,
            new: &tesseract,
        },
        crash_test_hook(),
        stop,
        mail_waiting,
    )
    .await?;
    Ok(())
}

/// The transport the config names.
enum Outbound {
    Smtp(SmtpTransport),
    Folder(FolderTransport),
}

impl Transport for Outbound {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        match self {
            Outbound::Smtp(t) => t.send(mail).await,
            Outbound::Folder(t) => t.send(mail).await,
        }
    }
}
