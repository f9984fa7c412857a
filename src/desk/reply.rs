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

pub(super) fn parse_id(id: &str) -> Result<CaseId, Reply> {
    id.parse().map_err(|_| {
        Reply::refused(format!(
            "Nomor kasus tidak dikenal: \"{id}\". Tulis seperti TTE-2026-0007."
        ))
    })
}

pub(super) fn store_error(e: CaseError) -> Reply {
    tracing::error!(error = %e, "case store failed during a staff action");
    Reply::refused(format!("Basis data kasus gagal dibaca atau ditulis: {e}"))
}

impl From<MailFile> for ReplyFile {
    fn from(f: MailFile) -> ReplyFile {
        ReplyFile {
            name: f.filename,
            bytes: f.bytes,
        }
    }
}

pub(super) fn get_case(store: &CaseStore, id: &str) -> Result<Case, Reply> {
    let id = parse_id(id)?;
    store
        .get(id)
        .map_err(store_error)?
        .ok_or_else(|| Reply::refused(format!("Kasus {id} tidak ditemukan.")))
}
