//! Who may try a password now: growing delays per (account, client address), a cap per account
//! over all clients, and a bound on how many password checks run at once.
//!
//! An attempt is admitted (and counted) before its password is checked, under one lock, so a
//! burst of concurrent guesses gets no more checks than a slow series would. A person who typed
//! wrong a few times waits seconds, never a fixed lock-out: a stranger failing from another
//! address does not delay the Kadis at all, and only a flood from many addresses reaches the
//! per-account cap. The counts live in memory; a restart forgets them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::{Semaphore, SemaphorePermit};

/// The delay after the first failure beyond the free ones; it doubles with each further one.
const FIRST_DELAY: TimeDelta = TimeDelta::seconds(1);
/// The longest delay between two attempts of one (account, client).
const LONGEST_DELAY: TimeDelta = TimeDelta::minutes(15);
/// How long failures are remembered, per (account, client) and per account.
pub const WINDOW: TimeDelta = TimeDelta::minutes(15);
/// Failed attempts one account may get from all clients together within [`WINDOW`], as a
/// multiple of the free attempts of one client.
const ACCOUNT_CAP_FACTOR: u32 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Check the password, then report the result with [`Throttle::finish`].
    Check,
    /// Too soon: try again after this long.
    Wait(TimeDelta),
}

#[derive(Debug, Default)]
struct Track {
    /// Failed attempts within the window, and the time of the last one.
    failures: u32,
    last: Option<DateTime<Utc>>,
    /// Attempts admitted whose password check has not finished.
    pending: u32,
    /// No attempt before this.
    next: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
struct Counts {
    clients: HashMap<(String, IpAddr), Track>,
    /// Failures per account over all clients, oldest first.
    accounts: HashMap<String, Vec<DateTime<Utc>>>,
}

/// The login attempts of the whole desk.
#[derive(Debug)]
pub struct Throttle {
    free: u32,
    counts: Mutex<Counts>,
}

impl Throttle {
    /// `free` failures per (account, client) come without delay (the config's
    /// `login_attempts`).
    pub fn new(free: u32) -> Throttle {
        Throttle {
            free: free.max(1),
            counts: Mutex::new(Counts::default()),
        }
    }

    fn delay_after(&self, counted: u32) -> Option<TimeDelta> {
        let over = counted.checked_sub(self.free)?;
        let doubled = FIRST_DELAY
            .checked_mul(1i32.checked_shl(over.min(20)).unwrap_or(i32::MAX))
            .unwrap_or(LONGEST_DELAY);
        Some(doubled.min(LONGEST_DELAY))
    }

    /// Admits one attempt of `account` from `client` at `now`, counting it at once.
    pub fn admit(&self, account: &str, client: IpAddr, now: DateTime<Utc>) -> Admission {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let cap = self.free.saturating_mul(ACCOUNT_CAP_FACTOR) as usize;
        let account_failures = counts.accounts.entry(account.to_string()).or_default();
        account_failures.retain(|at| now - *at < WINDOW);
        if account_failures.len() >= cap {
            let oldest = account_failures[0];
            tracing::warn!("login refused: the account's cap of failed logins over all clients");
            return Admission::Wait(oldest + WINDOW - now);
        }
        let track = counts
            .clients
            .entry((account.to_string(), client))
            .or_default();
        if track.last.is_some_and(|last| now - last >= WINDOW) && track.pending == 0 {
            *track = Track::default();
        }
        if let Some(next) = track.next
            && now < next
        {
            return Admission::Wait(next - now);
        }
        track.pending += 1;
        if let Some(delay) = self.delay_after(track.failures + track.pending) {
            track.next = Some(now + delay);
        }
        Admission::Check
    }

    /// The result of an admitted attempt: a success forgets this client's failures for the
    /// account; a failure counts for both.
    pub fn finish(&self, account: &str, client: IpAddr, ok: bool, now: DateTime<Utc>) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let key = (account.to_string(), client);
        if ok {
            counts.clients.remove(&key);
            return;
        }
        let track = counts.clients.entry(key).or_default();
        track.pending = track.pending.saturating_sub(1);
        track.failures += 1;
        track.last = Some(now);
        counts
            .accounts
            .entry(account.to_string())
            .or_default()
            .push(now);
    }

    /// An admitted attempt that was never checked (the desk was busy): it no longer counts as
    /// pending, and leaves the failures and the delay as they were.
    pub fn cancel(&self, account: &str, client: IpAddr) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(track) = counts.clients.get_mut(&(account.to_string(), client)) {
            track.pending = track.pending.saturating_sub(1);
        }
    }

    /// Forgets what the window no longer counts, so that the maps do not grow with every
    /// stranger's address.
    pub fn sweep(&self, now: DateTime<Utc>) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.clients.retain(|_, t| {
            t.pending > 0
                || t.last.is_some_and(|last| now - last < WINDOW)
                || t.next.is_some_and(|next| now < next)
        });
        counts.accounts.retain(|_, failures| {
            failures.retain(|at| now - *at < WINDOW);
            !failures.is_empty()
        });
    }
}

/// At most `running` password checks at once (argon2 takes ~15 MB and tens of milliseconds of
/// a core each), and at most `queued` more waiting; beyond that the desk answers busy.
#[derive(Debug)]
pub struct CheckGate {
    running: Semaphore,
    /// Checking and waiting together.
    capacity: usize,
    inside: AtomicUsize,
}

/// A place in the gate; leaving it (drop) lets the next one in.
pub struct Place<'a> {
    gate: &'a CheckGate,
    _permit: SemaphorePermit<'a>,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.gate.inside.fetch_sub(1, Ordering::AcqRel);
    }
}

impl CheckGate {
    pub fn new(running: usize, queued: usize) -> CheckGate {
        CheckGate {
            running: Semaphore::new(running.max(1)),
            capacity: running.max(1) + queued,
            inside: AtomicUsize::new(0),
        }
    }

    /// Twice the cores checking, four times the cores waiting.
    pub fn for_this_machine() -> CheckGate {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        CheckGate::new(2 * cores, 4 * cores)
    }

    /// A place to check a password, waiting for one; `None` when the queue is full.
    pub async fn enter(&self) -> Option<Place<'_>> {
        if self.inside.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.inside.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        let place = self.running.acquire().await.ok().map(|permit| Place {
            gate: self,
            _permit: permit,
        });
        if place.is_none() {
            self.inside.fetch_sub(1, Ordering::AcqRel);
        }
        place
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));

    #[test]
    fn a_burst_gets_only_the_free_checks() {
        let throttle = Throttle::new(5);
        let admitted = (0..40)
            .filter(|_| throttle.admit("kadis", A, at(0)) == Admission::Check)
            .count();
        assert_eq!(admitted, 5);
    }

    #[test]
    fn delays_grow_and_a_success_forgets_them() {
        let throttle = Throttle::new(2);
        for _ in 0..2 {
            assert_eq!(throttle.admit("rina", A, at(0)), Admission::Check);
            throttle.finish("rina", A, false, at(0));
        }
        assert_eq!(
            throttle.admit("rina", A, at(0)),
            Admission::Wait(TimeDelta::seconds(1))
        );
        assert_eq!(throttle.admit("rina", A, at(1)), Admission::Check);
        throttle.finish("rina", A, false, at(1));
        assert_eq!(
            throttle.admit("rina", A, at(2)),
            Admission::Wait(TimeDelta::seconds(1))
        );
        assert_eq!(throttle.admit("rina", A, at(3)), Admission::Check);
        throttle.finish("rina", A, true, at(3));
        assert_eq!(throttle.admit("rina", A, at(3)), Admission::Check);
    }

    #[test]
    fn a_busy_answer_does_not_forget_failures() {
        let throttle = Throttle::new(1);
        assert_eq!(throttle.admit("rina", A, at(0)), Admission::Check);
        throttle.finish("rina", A, false, at(0));
        assert_eq!(throttle.admit("rina", A, at(2)), Admission::Check);
        throttle.cancel("rina", A);
        assert!(matches!(
            throttle.admit("rina", A, at(2)),
            Admission::Wait(_)
        ));
    }

    #[test]
    fn the_longest_delay_is_bounded() {
        let throttle = Throttle::new(1);
        assert_eq!(throttle.delay_after(1), Some(FIRST_DELAY));
        assert_eq!(throttle.delay_after(60), Some(LONGEST_DELAY));
        assert_eq!(throttle.delay_after(0), None);
    }

    #[test]
    fn a_stranger_does_not_delay_the_kadis_at_another_address() {
        let throttle = Throttle::new(5);
        for t in 0..30 {
            if throttle.admit("kadis", B, at(t * 60)) == Admission::Check {
                throttle.finish("kadis", B, false, at(t * 60));
            }
        }
        assert!(matches!(
            throttle.admit("kadis", B, at(1800)),
            Admission::Wait(_)
        ));
        assert_eq!(throttle.admit("kadis", A, at(1800)), Admission::Check);
    }

    #[test]
    fn many_clients_together_reach_the_account_cap() {
        let throttle = Throttle::new(1);
        for i in 0..ACCOUNT_CAP_FACTOR {
            let client = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, i as u8));
            assert_eq!(throttle.admit("kadis", client, at(0)), Admission::Check);
            throttle.finish("kadis", client, false, at(0));
        }
        assert_eq!(
            throttle.admit("kadis", A, at(1)),
            Admission::Wait(WINDOW - TimeDelta::seconds(1))
        );
        assert_eq!(throttle.admit("kadis", A, at(0) + WINDOW), Admission::Check);
    }

    #[test]
    fn old_failures_are_forgotten() {
        let throttle = Throttle::new(1);
        assert_eq!(throttle.admit("rina", A, at(0)), Admission::Check);
        throttle.finish("rina", A, false, at(0));
        throttle.sweep(at(0) + WINDOW);
        assert!(throttle.counts.lock().unwrap().clients.is_empty());
        assert_eq!(throttle.admit("rina", A, at(0) + WINDOW), Admission::Check);
    }

    #[tokio::test]
    async fn the_gate_answers_busy_beyond_its_queue() {
        let gate = CheckGate::new(1, 1);
        let first = gate.enter().await.expect("a free place");
        let second = gate.enter();
        tokio::pin!(second);
        assert!(
            futures::poll!(&mut second).is_pending(),
            "waits in the queue"
        );
        assert!(gate.enter().await.is_none(), "the queue is full");
        drop(first);
        assert!(second.await.is_some());
        assert!(gate.enter().await.is_some());
    }
}
