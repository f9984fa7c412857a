//! What a staff command answers: Indonesian words for the person, and the files it made.

use crate::case::store::{CaseError, CaseStore};
use crate::case::{Case, CaseId};
use crate::outbound::compose::MailFile;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub ok: bool,
    pub text: String,
    /// Files the command produced, for the CLI to write where the user asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<ReplyFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub(crate) fn ok(text: impl Into<String>) -> Reply {
        Reply {
            ok: true,
            text: text.into(),
            files: Vec::new(),
        }
    }
    pub(crate) fn refused(text: impl Into<String>) -> Reply {
        Reply {
            ok: false,
            text: text.into(),
            files: Vec::new(),
        }
    }
}

pub(super) fn parse_id(id: &str) -> Result<CaseId, CommandError> {
    id.parse().map_err(|_| {
        CommandError::refused(format!(
            "Nomor kasus tidak dikenal: \"{id}\". Tulis seperti TTE-2026-0007."
        ))
    })
}

/// Why a staff command was not carried out. Each door renders it: the CLI prints it and exits
/// non-zero, the web desk shows it in the case page's banner, the control socket answers with
/// it, a mailed disposition is kept with it as a note.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Refused for a reason the person can act on, in Indonesian.
    #[error("{0}")]
    Refused(String),
    /// The case store failed while the command ran.
    #[error("case store failed: {0}")]
    Store(#[from] CaseError),
    /// BSrE's API failed or refused.
    #[error("bsre: {0}")]
    Bsre(crate::bsre::BsreError),
}

impl CommandError {
    pub fn refused(why: impl Into<String>) -> CommandError {
        CommandError::Refused(why.into())
    }

    /// The error for people, in Indonesian.
    pub fn keterangan(&self) -> String {
        match self {
            CommandError::Refused(why) => why.clone(),
            CommandError::Store(e) => format!("Basis data kasus gagal dibaca atau ditulis: {e}"),
            CommandError::Bsre(e) => e.keterangan(),
        }
    }
}

impl From<CommandError> for Reply {
    fn from(e: CommandError) -> Reply {
        if let CommandError::Store(e) = &e {
            tracing::error!(error = %e, "case store failed during a staff action");
        }
        Reply::refused(e.keterangan())
    }
}

impl From<MailFile> for ReplyFile {
    fn from(f: MailFile) -> ReplyFile {
        ReplyFile {
            name: f.filename,
            bytes: f.bytes,
        }
    }
}

pub(super) fn get_case(store: &CaseStore, id: &str) -> Result<Case, CommandError> {
    let id = parse_id(id)?;
    store
        .get(id)
        .map_err(CommandError::Store)?
        .ok_or_else(|| CommandError::refused(format!("Kasus {id} tidak ditemukan.")))
}
