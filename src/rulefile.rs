//! Reading one rule file: TOML parsed strictly, every error naming the file and the line. The
//! rule files' own modules (checklist, classify, letter, calendar) parse through it.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{file}: cannot read: {source}")]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
}

impl RulesError {
    pub fn line(&self) -> Option<usize> {
        match self {
            RulesError::Invalid { line, .. } => Some(*line),
            RulesError::Read { .. } => None,
        }
    }
}

/// Parses one rule file; syntax errors, unknown keys and wrong types come back with their line.
pub fn parse_toml<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, RulesError> {
    toml::from_str(text).map_err(|e| RulesError::Invalid {
        file: file.to_path_buf(),
        line: e.span().map_or(1, |span| line_of(text, span.start)),
        message: e.message().trim().to_string(),
    })
}

/// A semantic error found after parsing, placed on the first line holding `needle` (the
/// offending value as written), or line 1 when the text does not hold it.
pub fn invalid_at(file: &Path, text: &str, needle: &str, message: String) -> RulesError {
    let line = text
        .lines()
        .position(|l| !l.trim_start().starts_with('#') && l.contains(needle))
        .map_or(1, |i| i + 1);
    RulesError::Invalid {
        file: file.to_path_buf(),
        line,
        message,
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_counts_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }
}
