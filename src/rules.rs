//! Loading the office's rule files (`rules/*.toml`): parsed strictly, checked at start-up, and
//! every error names the file and the line.

use std::path::Path;

use crate::calendar::OfficeCalendar;
use crate::checklist::ChecklistRules;
use crate::classify::ClassifyRules;
use crate::letter::LetterTemplate;
pub use crate::rulefile::{RulesError, invalid_at, parse_toml};

/// Copies of the shipped rules, used when no rules folder is given or found.
const BUILTIN_CHECKLIST: &str = include_str!("../rules/checklist.toml");
const BUILTIN_CLASSIFY: &str = include_str!("../rules/classify.toml");
const BUILTIN_LETTER: &str = include_str!("../rules/letter.toml");

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
            letter: LetterTemplate::builtin(BUILTIN_LETTER)
                .expect("the shipped letter template is valid (checked by tests)"),
            calendar: OfficeCalendar::builtin(),
        })
    }
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
}
