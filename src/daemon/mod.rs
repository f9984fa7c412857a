//! The daemon: one mail from intake to a durable case and queued replies ([`process_next`]),
//! the outbox sender ([`send_due`]), and the loops that run them with reconnects and a clean
//! stop on SIGTERM ([`run`]).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};

use crate::case::retention;
use crate::case::store::{CaseError, CaseStore};
use crate::desk::mail::handle;
use crate::desk::remind::remind;
use crate::desk::{Desk, ReplyLimiter, today};
use crate::intake::{IntakeError, Locator, Mailbox};
use crate::outbound::{SendError, Transport};
use crate::text::ocr::{Ocr, OcrFactory};

mod checkpoint;
mod lookahead;
mod statuses;

pub use checkpoint::{Checkpoint, Stage, Unobserved};

pub use crate::desk::mail::Outcome;
pub use lookahead::Lookahead;
use lookahead::readers;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Store(#[from] CaseError),
    #[error("the case store cannot write (disk full or failing)")]
    Unwritable,
    #[error(transparent)]
    Intake(#[from] IntakeError),
}

/// How often an idle daemon erases what its retention no longer keeps.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);
/// How often an idle daemon looks for steps past their time standard.
const REMINDERS_EVERY: Duration = Duration::from_secs(60);

/// Whether `every` has passed since `last` (or it never ran); if so, `last` becomes now.
fn time_for(last: &mut Option<std::time::Instant>, every: Duration) -> bool {
    let due = last.is_none_or(|at| at.elapsed() >= every);
    if due {
        *last = Some(std::time::Instant::now());
    }
    due
}

/// Takes the oldest waiting mail through the pipeline: stored durably first, then moved out
/// of the inbox. A crash between the two leaves it in the inbox, and the next run finds it
/// recorded and only moves it.
///
/// With a [`Lookahead`], this mail and the ones waiting behind it are read on the lookahead's
/// threads, so a queue of applications with KTP photos keeps every core busy; cases are still
/// stored one at a time, in inbox order. A mail the lookahead holds is not downloaded again.
pub async fn process_next<M: Mailbox>(
    mailbox: &mut M,
    desk: &Desk<'_>,
    ocr: &mut dyn Ocr,
    limiter: &mut ReplyLimiter,
    lookahead: Option<&mut Lookahead>,
    now: DateTime<Utc>,
) -> Result<Outcome, DaemonError> {
    step(mailbox, desk, ocr, limiter, lookahead, now, &Unobserved).await
}

/// [`process_next`], telling `checkpoint` each stage it reaches.
async fn step<M: Mailbox>(
    mailbox: &mut M,
    desk: &Desk<'_>,
    ocr: &mut dyn Ocr,
    limiter: &mut ReplyLimiter,
    lookahead: Option<&mut Lookahead>,
    now: DateTime<Utc>,
    checkpoint: &dyn Checkpoint,
) -> Result<Outcome, DaemonError> {
    let limit = lookahead.as_ref().map_or(1, |la| la.depth + 1);
    let waiting = mailbox.list_new(limit).await?;
    let (fetched, read_ahead) = match lookahead {
        Some(la) => {
            // This mail and the ones behind it go to the readers before the daemon waits for
            // this one's reading, so they never stand idle while it does.
            let new: Vec<Locator> = waiting.iter().filter(|at| !la.holds(at)).cloned().collect();
            for next in mailbox.fetch(&new).await? {
                la.submit(next, today(now));
            }
            // The oldest waiting mail that could be fetched; one taken away since the listing
            // is not waiting any more.
            let Some(oldest) = waiting.iter().find(|at| la.holds(at)) else {
                return Ok(Outcome::Idle);
            };
            let Some(taken) = la.take(oldest).await else {
                return Ok(Outcome::Idle);
            };
            taken
        }
        None => match mailbox.fetch(&waiting).await?.into_iter().next() {
            Some(fetched) => (Arc::new(fetched), None),
            None => return Ok(Outcome::Idle),
        },
    };
    checkpoint.reached(Stage::AfterFetch);
    let outcome = handle(&fetched, desk, ocr, limiter, read_ahead, now)?;
    checkpoint.reached(Stage::AfterStore);
    checkpoint.reached(Stage::BeforeMove);
    match &outcome {
        Outcome::Quarantined(_) => mailbox.quarantine(&fetched.locator).await?,
        _ => mailbox.mark_processed(&fetched.locator).await?,
    }
    Ok(outcome)
}

/// Sends every outbox mail that is due. A mail leaves the outbox once the server answered 250
/// to its data: the SMTP transport keeps its connections open, so that answer is the last
/// thing between the server taking the mail and sertel recording it. A crash in that window
/// sends it again on restart (the server sees the same Message-ID). Each mail is sent only
/// after a write to the store succeeded, so a full disk stops the sending instead of letting
/// a mail go out that could not then be recorded as sent.
pub async fn send_due<T: Transport>(
    store: &CaseStore,
    transport: &T,
    now: DateTime<Utc>,
) -> Result<usize, CaseError> {
    send(store, transport, now, &Unobserved).await
}

/// [`send_due`], telling `checkpoint` each stage it reaches.
async fn send<T: Transport>(
    store: &CaseStore,
    transport: &T,
    now: DateTime<Utc>,
    checkpoint: &dyn Checkpoint,
) -> Result<usize, CaseError> {
    let mut sent = 0;
    for entry in store.due(now, 50)? {
        checkpoint.reached(Stage::BeforeSend);
        store.check_writable(Utc::now())?;
        match transport.send(&entry.mail).await {
            Ok(()) => {
                store.mark_sent(entry.id, Utc::now())?;
                checkpoint.reached(Stage::AfterSent);
                sent += 1;
            }
            Err(SendError::Transient(e)) => {
                tracing::warn!(outbox = entry.id, error = %e, "send failed, will retry");
                store.mark_failed(entry.id, Utc::now(), &e, false)?;
                // The server is likely down for the rest too; try them after the backoff.
                break;
            }
            Err(SendError::Permanent(e)) => {
                tracing::error!(outbox = entry.id, error = %e, "mail refused for good");
                store.mark_failed(entry.id, Utc::now(), &e, true)?;
            }
        }
    }
    Ok(sent)
}

/// The daemon's OCR: its own engine for the mails read in turn, and how to make one for each
/// reader of the read-ahead.
pub struct Engines<'a> {
    pub own: &'a mut dyn Ocr,
    pub new: &'a OcrFactory,
}

/// Runs until `stop` turns true: the sender in its own task (woken early by `poke` when a
/// change queued mail), intake here.
pub async fn run<M, C, T>(
    desk: &Desk<'_>,
    connect: C,
    transport: T,
    engines: Engines<'_>,
    checkpoint: Arc<dyn Checkpoint>,
    mut stop: watch::Receiver<bool>,
    poke: Arc<Notify>,
) -> Result<(), DaemonError>
where
    M: Mailbox,
    C: AsyncFnMut() -> Result<M, IntakeError>,
    T: Transport + Send + Sync + 'static,
{
    let Engines {
        own: ocr,
        new: new_engine,
    } = engines;
    // Told when the sender stops because the store cannot write.
    let broken = Arc::new(Notify::new());
    let sender = {
        let store = desk.store.clone();
        let poke = poke.clone();
        let broken = broken.clone();
        let mut stop = stop.clone();
        let checkpoint = checkpoint.clone();
        tokio::spawn(async move {
            let mut failing: Option<Duration> = None;
            loop {
                let sent = send(&store, &transport, Utc::now(), checkpoint.as_ref()).await;
                if store.unwritable() {
                    tracing::error!("sender stopped: the case store cannot write");
                    broken.notify_one();
                    return;
                }
                match sent {
                    Ok(_) => failing = None,
                    Err(e) => {
                        let backoff = failing.map_or(Duration::from_secs(1), |b| {
                            (b * 2).min(Duration::from_secs(60))
                        });
                        tracing::error!(error = %e, retry_in = ?backoff, "outbox unreadable");
                        failing = Some(backoff);
                    }
                }
                let wait = match store.next_due() {
                    Ok(Some(at)) => (at - Utc::now())
                        .to_std()
                        .unwrap_or(Duration::ZERO)
                        .max(Duration::from_millis(50)),
                    _ => Duration::from_secs(30),
                }
                .min(Duration::from_secs(30))
                .max(failing.unwrap_or(Duration::ZERO));
                tokio::select! {
                    _ = poke.notified() => {}
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => return,
                }
                if *stop.borrow() {
                    return;
                }
            }
        })
    };

    let _status_checks =
        statuses::spawn(desk.config, desk.store.clone(), poke.clone(), stop.clone());

    let mut limiter = ReplyLimiter::default();
    let mut lookahead = match Lookahead::start(desk.rules.clone(), readers(), new_engine) {
        Ok(la) => Some(la),
        Err(e) => {
            tracing::warn!(error = %e, "no OCR engines to read ahead; reading one mail at a time");
            None
        }
    };
    let mut connect = connect;
    let mut backoff = Duration::from_secs(1);
    let poll = Duration::from_secs(30);
    let (mut last_reminders, mut last_retention) = (None, None);
    'outer: while !*stop.borrow() {
        let mut mailbox = match connect().await {
            Ok(m) => {
                backoff = Duration::from_secs(1);
                m
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "mailbox unavailable");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(60));
                continue;
            }
        };
        loop {
            if *stop.borrow() {
                break 'outer;
            }
            if desk.store.unwritable() {
                return Err(unwritable(&poke, sender).await);
            }
            match step(
                &mut mailbox,
                desk,
                ocr,
                &mut limiter,
                lookahead.as_mut(),
                Utc::now(),
                checkpoint.as_ref(),
            )
            .await
            {
                Ok(Outcome::Idle) => {
                    // Both read every case: once a minute, and once an hour, not at every wake.
                    if time_for(&mut last_reminders, REMINDERS_EVERY)
                        && let Err(e) = remind(desk, Utc::now())
                    {
                        tracing::error!(error = %e, "reminders could not be queued");
                    }
                    if time_for(&mut last_retention, RETENTION_EVERY) {
                        match retention::sweep(desk.store, &desk.config.retention, Utc::now()) {
                            Ok(swept) if swept == retention::Swept::default() => {}
                            Ok(swept) => tracing::info!(
                                erased = swept.erased.len(),
                                removed = swept.removed.len(),
                                "retention pass"
                            ),
                            Err(e) => tracing::error!(error = %e, "retention pass failed"),
                        }
                    }
                    let waited = tokio::select! {
                        r = mailbox.wait(poll) => r,
                        _ = stop.changed() => Ok(()),
                        _ = broken.notified() => Ok(()),
                    };
                    if let Err(e) = waited {
                        tracing::warn!(error = %e, "mailbox lost while waiting; reconnecting");
                        continue 'outer;
                    }
                }
                Ok(outcome) => {
                    tracing::info!(?outcome, "mail handled");
                    poke.notify_one();
                    // A mail's images and PDF pages are freed now, but glibc keeps the pages;
                    // hand them back so a burst of large attachments does not ratchet RSS up.
                    // SAFETY: malloc_trim has no preconditions.
                    unsafe { libc::malloc_trim(0) };
                    if lookahead.is_some() {
                        // The readers read the next mails; this engine only what they could not.
                        ocr.release();
                    }
                }
                Err(DaemonError::Intake(e)) => {
                    tracing::warn!(error = %e, "mailbox lost; reconnecting");
                    continue 'outer;
                }
                Err(e @ DaemonError::Unwritable) => return Err(e),
                Err(DaemonError::Store(e)) if e.is_write_failure() => {
                    // The mail stays in the inbox, unmarked; a restart reopens the store.
                    tracing::error!(error = %e, "case store cannot write");
                    return Err(unwritable(&poke, sender).await);
                }
                Err(DaemonError::Store(e)) => {
                    // The mail stays in the inbox; the store may be briefly failing.
                    tracing::error!(error = %e, retry_in = ?backoff, "case store failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stop.changed() => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                }
            }
        }
    }
    let _ = sender.await;
    Ok(())
}

/// Stops the sender and gives the error the daemon exits with, so that its service manager
/// restarts it with the database reopened once the disk takes writes again.
async fn unwritable(poke: &Notify, sender: tokio::task::JoinHandle<()>) -> DaemonError {
    // Woken, the sender sees the store's state and ends.
    poke.notify_one();
    let _ = sender.await;
    tracing::error!(
        "stopping: the case store cannot write (disk full or failing); free space and let the service manager restart sertel"
    );
    DaemonError::Unwritable
}
