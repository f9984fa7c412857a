//! The status checks' own task: BSrE asked in office hours, on the configured interval, backing
//! off while it fails, so a slow or absent BSrE never holds up intake or the outbox.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Notify, watch};

use crate::bsre::http::HttpBsre;
use crate::case::store::CaseStore;
use crate::config::Config;
use crate::desk::esign::check_statuses;

/// The longest wait after failures: BSrE is asked at least this often.
const BACKOFF_CAP: Duration = Duration::from_secs(4 * 3600);

/// The running checks; they stop when this is dropped (the daemon's loop ended).
pub(super) struct StatusChecks(Option<tokio::task::JoinHandle<()>>);

impl Drop for StatusChecks {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

/// Starts the checks when `[bsre]` is configured; `poke` wakes the sender for the mails an
/// issued certificate queues.
pub(super) fn spawn(
    config: &Config,
    store: CaseStore,
    poke: Arc<Notify>,
    stop: watch::Receiver<bool>,
) -> StatusChecks {
    StatusChecks(start(config, store, poke, stop))
}

fn start(
    config: &Config,
    store: CaseStore,
    poke: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    let settings = config.bsre.as_ref()?;
    let bsre = match HttpBsre::new(settings) {
        Ok(bsre) => bsre,
        Err(e) => {
            tracing::error!(error = %e, "BSrE status checks off: [bsre] cannot be used");
            return None;
        }
    };
    let every = settings.status_every();
    let office = config.office.clone();
    let calendar = config.standards.calendar.clone();
    Some(tokio::spawn(async move {
        let mut wait = Duration::from_secs(5);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
            let now = Utc::now();
            // BSrE's staff approve in office hours; asking at night only adds load.
            if calendar.working_minutes(now - chrono::Duration::minutes(1), now) == 0 {
                wait = Duration::from_secs(600).min(every);
                continue;
            }
            wait = match check_statuses(&store, &office, &bsre, now).await {
                Ok(round) => {
                    if round.issued > 0 {
                        poke.notify_one();
                    }
                    if round.failed {
                        (wait * 2).clamp(every, BACKOFF_CAP)
                    } else {
                        every
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "BSrE status checks could not read the cases");
                    every
                }
            };
        }
    }))
}
