//! Where the daemon is in handling a mail or sending one, told to an observer: the binary's
//! crash-test hook stops there, so a test can kill the daemon at exactly that point.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The mail is fetched; nothing is stored yet.
    AfterFetch,
    /// The case is durable; the mail is still in the inbox.
    AfterStore,
    /// About to move the mail out of the inbox.
    BeforeMove,
    /// About to hand an outbox mail to the transport.
    BeforeSend,
    /// The transport took the mail and the outbox recorded it as sent.
    AfterSent,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::AfterFetch => "after_fetch",
            Stage::AfterStore => "after_store",
            Stage::BeforeMove => "before_move",
            Stage::BeforeSend => "before_send",
            Stage::AfterSent => "after_sent",
        }
    }
}

impl FromStr for Stage {
    type Err = String;

    fn from_str(s: &str) -> Result<Stage, String> {
        [
            Stage::AfterFetch,
            Stage::AfterStore,
            Stage::BeforeMove,
            Stage::BeforeSend,
            Stage::AfterSent,
        ]
        .into_iter()
        .find(|stage| stage.as_str() == s)
        .ok_or_else(|| format!("unknown stage {s:?}"))
    }
}

/// Told each stage as the daemon reaches it.
pub trait Checkpoint: Send + Sync {
    fn reached(&self, stage: Stage);
}

/// The daemon's default: nobody watches.
pub struct Unobserved;

impl Checkpoint for Unobserved {
    fn reached(&self, _: Stage) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names_read_back() {
        for name in [
            "after_fetch",
            "after_store",
            "before_move",
            "before_send",
            "after_sent",
        ] {
            assert_eq!(name.parse::<Stage>().unwrap().as_str(), name);
        }
        assert!("later".parse::<Stage>().is_err());
    }
}
