//! What can go wrong making a synthetic application.

use std::path::PathBuf;

/// Why generating failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("font missing: {}", path.display())]
    FontMissing { path: PathBuf },
    #[error("font unreadable: {}", path.display())]
    FontInvalid { path: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("image encoding failed: {0}")]
    Image(#[from] image::ImageError),
    #[error("pdf building failed: {0}")]
    Pdf(#[from] lopdf::Error),
    #[error("{tool} is not installed (scripts/setup installs it)")]
    ToolMissing { tool: &'static str },
    #[error("{tool} failed")]
    ToolFailed { tool: &'static str },
    #[error("docx building failed: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("json encoding failed: {0}")]
    Json(#[from] serde_json::Error),
}
