//! The use cases, below every door: what happens when a mail arrives ([`mail`]), when staff
//! give a command ([`command`]), to letters ([`letters`]), to reminders ([`remind`]) and to the
//! desk's accounts ([`accounts`]). The daemon, the control socket and the web desk only call
//! these; what they share is the [`Desk`].

pub mod accounts;
pub mod command;
mod cx;
pub mod esign;
pub mod letters;
pub mod mail;
mod records;
pub mod remind;
pub mod reply;

use crate::case::store::CaseStore;
use crate::config::Config;
use crate::rules::Rules;
use crate::signature::Policy;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};

/// What every step needs besides the mail: the office, its rules, its cases.
pub struct Desk<'a> {
    pub config: &'a Config,
    pub rules: &'a Rules,
    pub store: &'a CaseStore,
    /// Whose signature on a recommendation letter gives it authority.
    pub signing: &'a Policy,
}

/// What a [`Desk`] borrows, owned, for tasks that outlive one call (the control socket, the
/// web desk).
pub struct Services {
    pub config: Config,
    pub rules: Rules,
    pub store: CaseStore,
    pub signing: Policy,
}

impl Services {
    pub fn desk(&self) -> Desk<'_> {
        Desk {
            config: &self.config,
            rules: &self.rules,
            store: &self.store,
            signing: &self.signing,
        }
    }
}

/// Replies per sender in the last hour, so a loop with a robot that slipped through, or one
/// person sending fifty mails, does not make sertel flood anybody.
#[derive(Default)]
pub struct ReplyLimiter {
    sent: HashMap<String, VecDeque<DateTime<Utc>>>,
}

impl ReplyLimiter {
    fn allow(&mut self, to: &str, limit: u32, now: DateTime<Utc>) -> bool {
        let times = self.sent.entry(to.to_ascii_lowercase()).or_default();
        while times
            .front()
            .is_some_and(|t| now - *t > chrono::Duration::hours(1))
        {
            times.pop_front();
        }
        if times.len() >= limit as usize {
            return false;
        }
        times.push_back(now);
        true
    }
}

pub fn today(now: DateTime<Utc>) -> chrono::NaiveDate {
    // A mail at 07:30 WITA is today's in the office, though still yesterday in UTC.
    now.with_timezone(&crate::calendar::WITA).date_naive()
}
