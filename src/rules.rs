//! Loading the office's rule files (`rules/*.toml`): parsed strictly, checked at start-up, and
//! every error names the file and the line.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::calendar::OfficeCalendar;
use crate::checklist::ChecklistRules;
use crate::classify::ClassifyRules;
use crate::letter::LetterTemplate;

/// Copies of the shipped rules, used when no rules folder is given or found.
const BUILTIN_CHECKLIST: &str = include_str!("../rules/checklist.toml");
const BUILTIN_CLASSIFY: &str = include_str!("../rules/classify.toml");
const BUILTIN_LETTER: &str = include_str!("../rules/letter.toml");

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

/// Every rule sertel runs on, loaded once at start-up.
#[derive(Debug, Clone)]
pub struct Rules {
    pub checklist: ChecklistRules,
    pub classify: ClassifyRules,
    pub letter: LetterTemplate,
    pub calendar: OfficeCalendar,
}

impl Rules {
    /// The rules shipped in the binary.
    pub fn builtin() -> Rules {
        Rules::from_texts(
            (Path::new("rules/checklist.toml"), BUILTIN_CHECKLIST),
            (Path::new("rules/classify.toml"), BUILTIN_CLASSIFY),
        )
        .expect("the shipped rules are valid (checked by tests)")
    }

    /// The rules in `dir` (`checklist.toml`, `classify.toml`, `letter.toml`).
    pub fn load(dir: &Path) -> Result<Rules, RulesError> {
        let read = |name: &str| {
            let file = dir.join(name);
            std::fs::read_to_string(&file)
                .map(|text| (file.clone(), text))
                .map_err(|source| RulesError::Read { file, source })
        };
        let (checklist_file, checklist) = read("checklist.toml")?;
        let (classify_file, classify) = read("classify.toml")?;
        let rules = Rules::from_texts((&checklist_file, &checklist), (&classify_file, &classify))?;
        let (letter_file, letter) = read("letter.toml")?;
        // A rules folder from before the calendar existed counts in the shipped one.
        let calendar_file = dir.join("calendar.toml");
        let calendar = match std::fs::read_to_string(&calendar_file) {
            Ok(text) => OfficeCalendar::parse(&calendar_file, &text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => OfficeCalendar::builtin(),
            Err(source) => {
                return Err(RulesError::Read {
                    file: calendar_file,
                    source,
                });
            }
        };
        Ok(Rules {
            letter: LetterTemplate::parse(&letter_file, &letter)?,
            calendar,
            ..rules
        })
    }

    /// Checklist and classification rules from their texts, with the shipped letter template.
    pub fn from_texts(
        checklist: (&Path, &str),
        classify: (&Path, &str),
    ) -> Result<Rules, RulesError> {
        let checklist_rules: ChecklistRules = parse_toml(checklist.0, checklist.1)?;
        checklist_rules
            .validate()
            .map_err(|(needle, message)| invalid_at(checklist.0, checklist.1, &needle, message))?;
        let classify_rules: ClassifyRules = parse_toml(classify.0, classify.1)?;
        classify_rules
            .validate()
            .map_err(|(needle, message)| invalid_at(classify.0, classify.1, &needle, message))?;
        Ok(Rules {
            checklist: checklist_rules,
            classify: classify_rules,
            letter: LetterTemplate::parse(Path::new("rules/letter.toml"), BUILTIN_LETTER)
                .expect("the shipped letter template is valid (checked by tests)"),
            calendar: OfficeCalendar::builtin(),
        })
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
pub(crate) fn invalid_at(file: &Path, text: &str, needle: &str, message: String) -> RulesError {
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
    fn shipped_rules_load() {
        let rules = Rules::builtin();
        assert!(!rules.checklist.item.is_empty());
        assert!(!rules.classify.kind.is_empty());
    }

    #[test]
    fn line_of_counts_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }
}
