//! Reminders: every case whose step passed its time standard in working time gets one.

use crate::case::escalate;
use crate::case::store::CaseError;
use crate::case::{Actor, EventKind};
use crate::desk::Desk;
use crate::outbound::compose;
use chrono::{DateTime, Utc};

/// Queues the reminders of every case whose step passed its time standard in working time,
/// each recorded in the case's history in the same transaction, so none goes twice.
pub fn remind(desk: &Desk<'_>, now: DateTime<Utc>) -> Result<usize, CaseError> {
    let standards = &desk.config.standards;
    let office = &desk.config.office;
    let mut queued = 0;
    for case in desk.store.list()? {
        let due = escalate::due(&case, standards, now).len();
        if due == 0 {
            continue;
        }
        desk.store
            .update(case.id, now, |case| {
                let mut mails = Vec::new();
                for (t, second) in escalate::due(case, standards, now) {
                    let mail = compose::reminder(office, case, &t, second, now);
                    case.record(
                        Actor::System,
                        EventKind::ReminderSent {
                            step: t.step,
                            to: mail.to.join(", "),
                            second,
                        },
                        None,
                        now,
                    );
                    mails.push(mail);
                }
                Ok::<_, std::convert::Infallible>(mails)
            })?
            .unwrap_or_else(|never| match never {});
        queued += due;
        tracing::info!(case = %case.id, reminders = due, "time-standard reminders queued");
    }
    Ok(queued)
}
