//! What every staff command sees: the desk, the time it runs at, and one transaction on a case.

use crate::case::Case;
use crate::case::sop::SopError;
use crate::case::store::CaseError;
use crate::config::Config;
use crate::desk::Desk;
use crate::desk::reply::{CommandError, Reply, parse_id};
use crate::outbound::OutgoingMail;
use chrono::{DateTime, Utc};

/// What every command sees: the desk and the time it runs at.
#[derive(Clone, Copy)]
pub(super) struct Cx<'a> {
    pub(super) desk: &'a Desk<'a>,
    pub(super) config: &'a Config,
    pub(super) store: &'a crate::case::store::CaseStore,
    pub(super) office: &'a crate::config::Office,
    pub(super) now: DateTime<Utc>,
}

impl Cx<'_> {
    /// Runs `f` on case `id` in one transaction; `done` is the answer when it succeeds.
    pub(super) fn change(
        &self,
        id: &str,
        done: String,
        f: &dyn Fn(&mut Case) -> Result<Vec<OutgoingMail>, SopError>,
    ) -> Result<Reply, CommandError> {
        let id = parse_id(id)?;
        match self.store.update(id, self.now, f) {
            Ok(Ok(())) => Ok(Reply::ok(done)),
            Ok(Err(e)) => Err(CommandError::refused(e.keterangan())),
            Err(CaseError::NotFound(_)) => Err(CommandError::refused(format!(
                "Kasus {id} tidak ditemukan."
            ))),
            Err(e) => Err(CommandError::Store(e)),
        }
    }
}
