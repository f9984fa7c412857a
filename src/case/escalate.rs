//! Reminders when an SOP step passes its time standard in working time: one to whoever holds
//! the step (the Kadis for the disposition, the assigned verifier for the check and the
//! letter), and one to the Kadis at twice the standard. Never more than one of each per step.

use chrono::{DateTime, Utc};

use super::sop::{StepTiming, timings};
use super::{Case, EventKind};
use crate::config::Standards;

/// The reminders `case` is due at `now`: each running step past its standard, with `true`
/// for the second one (twice the standard), that the history does not yet record.
pub fn due(case: &Case, standards: &Standards, now: DateTime<Utc>) -> Vec<(StepTiming, bool)> {
    if case.state.is_closed() {
        return Vec::new();
    }
    let sent = |step: u8, second: bool| {
        case.history.iter().any(|e| {
            matches!(e.what, EventKind::ReminderSent { step: s, second: n, .. } if s == step && n == second)
        })
    };
    let mut out = Vec::new();
    for t in timings(case, standards, now) {
        let (Some(_), None, Some(taken)) = (t.started, t.finished, t.working_minutes) else {
            continue;
        };
        if taken > t.standard_minutes && !sent(t.step, false) {
            out.push((t.clone(), false));
        }
        if taken > 2 * t.standard_minutes && !sent(t.step, true) {
            out.push((t, true));
        }
    }
    out
}
