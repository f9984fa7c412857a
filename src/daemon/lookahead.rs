//! Reading ahead: the applications waiting behind the current one are read on threads of
//! their own, one OCR engine each.

use crate::inspect::{Report, inspect_mails};
use crate::intake::{Fetched, Locator};
use crate::parse::parse_mail;
use crate::rules::Rules;
use crate::text::ocr::{OcrError, OcrFactory};
use std::collections::VecDeque;
use std::sync::Arc;

/// Mails read ahead at once: one per core, as each reading keeps a core busy; more would only
/// hold more images in memory.
pub(super) fn readers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4))
}

type ReadJob = (
    Arc<Fetched>,
    chrono::NaiveDate,
    tokio::sync::oneshot::Sender<Option<Report>>,
);

/// Reads waiting applications on threads of their own, one OCR engine each, while the daemon
/// handles the mails before them. Only the reading is done ahead: what a mail means for the
/// cases is decided when its turn comes.
pub struct Lookahead {
    jobs: std::sync::mpsc::Sender<ReadJob>,
    /// Mails being read or read, in inbox order, each kept until its turn so that it is not
    /// downloaded again meanwhile.
    pending: VecDeque<(Arc<Fetched>, tokio::sync::oneshot::Receiver<Option<Report>>)>,
    /// How many mails are read ahead at most: one per reader keeps them all busy.
    pub(super) depth: usize,
}

impl Lookahead {
    pub fn start(
        rules: Rules,
        readers: usize,
        new_engine: &OcrFactory,
    ) -> Result<Lookahead, OcrError> {
        let engines = (0..readers.max(1))
            .map(|_| new_engine())
            .collect::<Result<Vec<_>, _>>()?;
        let depth = engines.len();
        let (jobs, queue) = std::sync::mpsc::channel::<ReadJob>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for mut ocr in engines {
            let (queue, rules) = (queue.clone(), rules.clone());
            std::thread::spawn(move || {
                loop {
                    // The lock is held only to take a job, never while reading one.
                    let job = queue
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .recv();
                    let Ok((fetched, today, reply)) = job else {
                        return;
                    };
                    let report = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let mail = parse_mail(&fetched.raw).ok()?;
                        inspect_mails(&mail, &[], &rules, ocr.as_mut(), today).ok()
                    }))
                    .ok()
                    .flatten();
                    let _ = reply.send(report);
                }
            });
        }
        Ok(Lookahead {
            jobs,
            pending: VecDeque::new(),
            depth,
        })
    }

    pub(super) fn holds(&self, locator: &Locator) -> bool {
        self.pending.iter().any(|(f, _)| f.locator == *locator)
    }

    pub(super) fn submit(&mut self, fetched: Fetched, today: chrono::NaiveDate) {
        if self.holds(&fetched.locator) {
            return;
        }
        let fetched = Arc::new(fetched);
        let (reply, report) = tokio::sync::oneshot::channel();
        // With its readers gone the mail is still kept: `take` then gives it without a report,
        // and it is read in turn.
        let _ = self.jobs.send((fetched.clone(), today, reply));
        self.pending.push_back((fetched, report));
    }

    /// This mail and its report read ahead, waiting for the report if the reading is still
    /// going on. Mails before it are dropped: they left the inbox some other way.
    pub(super) async fn take(
        &mut self,
        locator: &Locator,
    ) -> Option<(Arc<Fetched>, Option<Report>)> {
        let at = self
            .pending
            .iter()
            .position(|(f, _)| f.locator == *locator)?;
        self.pending.drain(..at);
        let (fetched, report) = self.pending.pop_front()?;
        Some((fetched, report.await.ok().flatten()))
    }
}
