//! Stage 3: what an attachment is (KTP, SK Jabatan, surat permohonan, other), by content first
//! and file name second, with the keywords in `rules/classify.toml`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Ktp,
    Sk,
    Letter,
    Other,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Ktp => "ktp",
            DocKind::Sk => "sk",
            DocKind::Letter => "letter",
            DocKind::Other => "other",
        }
    }

    /// The words for a stored kind (`"sk"` → "SK Jabatan"); an unknown one is shown as stored.
    pub fn label_of(stored: &str) -> &str {
        [DocKind::Ktp, DocKind::Sk, DocKind::Letter, DocKind::Other]
            .into_iter()
            .find(|k| k.as_str() == stored)
            .map_or(stored, |k| k.label_id())
    }

    pub fn label_id(self) -> &'static str {
        match self {
            DocKind::Ktp => "KTP",
            DocKind::Sk => "SK Jabatan",
            DocKind::Letter => "Surat permohonan",
            DocKind::Other => "Lampiran lain",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRules {
    pub kind: Vec<KindRule>,
    /// Names of attachments that are never a document of the application (a passport
    /// photo): unread, such a file is not taken for a KTP or SK that could not be read.
    pub not_documents: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindRule {
    pub kind: DocKind,
    pub keywords: Vec<String>,
    pub min_hits: usize,
    pub filename_patterns: Vec<String>,
}

impl ClassifyRules {
    /// Semantic checks serde cannot make: (text to find the line by, message).
    pub(crate) fn validate(&self) -> Result<(), (String, String)> {
        for rule in &self.kind {
            if rule.kind == DocKind::Other {
                return Err((
                    "\"other\"".into(),
                    "kind \"other\" is what is left over; it takes no rule".into(),
                ));
            }
            if rule.min_hits == 0 || rule.min_hits > rule.keywords.len() {
                return Err((
                    format!("min_hits = {}", rule.min_hits),
                    format!(
                        "min_hits for {} must be between 1 and the number of keywords ({})",
                        rule.kind.as_str(),
                        rule.keywords.len()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// How the kind was decided, so the report can say why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Content,
    Filename,
    /// A picture with an ID card's proportions that carries a 16-digit number: a KTP whose
    /// printed words came out too weak to count.
    Shape,
    None,
}

pub fn classify(rules: &ClassifyRules, text: &str, filename: &str) -> (DocKind, Basis) {
    let haystack = fold(text);
    let best = rules
        .kind
        .iter()
        .map(|rule| {
            let hits = rule
                .keywords
                .iter()
                .filter(|k| haystack.contains(&fold(k)))
                .count();
            (rule, hits)
        })
        .filter(|(rule, hits)| *hits >= rule.min_hits)
        .fold(
            None::<(&KindRule, usize)>,
            |best, (rule, hits)| match best {
                Some((_, best_hits)) if best_hits >= hits => best,
                _ => Some((rule, hits)),
            },
        );
    if let Some((rule, _)) = best {
        return (rule.kind, Basis::Content);
    }
    let name_words = words(filename);
    let named = |patterns: &[String]| {
        patterns
            .iter()
            .any(|p| contains_run(&name_words, &words(p)))
    };
    if named(&rules.not_documents) {
        return (DocKind::Other, Basis::Filename);
    }
    for rule in &rules.kind {
        if named(&rule.filename_patterns) {
            return (rule.kind, Basis::Filename);
        }
    }
    (DocKind::Other, Basis::None)
}

/// Case and spacing differences do not matter to a keyword, and OCR often splits or joins spaces.
fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Lower-case alphanumeric words of a file name, the extension dropped; digits split from
/// letters so "SK123" reads as "sk 123".
fn words(name: &str) -> Vec<String> {
    let stem = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 5 => stem,
        _ => name,
    };
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut last_digit = None;
    for c in stem.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            let digit = c.is_ascii_digit();
            if last_digit.is_some_and(|d| d != digit) && !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            current.push(c);
            last_digit = Some(digit);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
            last_digit = None;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn contains_run(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;

    fn rules() -> ClassifyRules {
        Rules::builtin().classify
    }

    #[test]
    fn content_beats_filename() {
        let text = "PROVINSI GORONTALO\nNIK : 7502011203850001\nNama : BUDI\nTempat/Tgl Lahir : LIMBOTO\nAgama : ISLAM";
        assert_eq!(
            classify(&rules(), text, "sk jabatan.jpg"),
            (DocKind::Ktp, Basis::Content)
        );
    }

    #[test]
    fn sk_text_is_an_sk() {
        let text = "KEPUTUSAN BUPATI GORONTALO\nTENTANG PENGANGKATAN\nMenimbang: a.\nMengingat: 1.\nMEMUTUSKAN";
        assert_eq!(
            classify(&rules(), text, "dokumen.pdf"),
            (DocKind::Sk, Basis::Content)
        );
    }

    #[test]
    fn filename_decides_only_without_content() {
        assert_eq!(
            classify(&rules(), "", "KTP Rahmat.heic"),
            (DocKind::Ktp, Basis::Filename)
        );
        assert_eq!(
            classify(&rules(), "", "SK_Jabatan_2024.pdf"),
            (DocKind::Sk, Basis::Filename)
        );
        assert_eq!(
            classify(&rules(), "", "SK123.pdf"),
            (DocKind::Sk, Basis::Filename)
        );
        assert_eq!(
            classify(&rules(), "", "desk.pdf"),
            (DocKind::Other, Basis::None)
        );
        assert_eq!(
            classify(&rules(), "", "pas foto.jpg"),
            (DocKind::Other, Basis::Filename)
        );
        assert_eq!(
            classify(&rules(), "", "IMG_20261102_093012.jpg"),
            (DocKind::Other, Basis::None)
        );
    }

    #[test]
    fn broken_rule_is_refused_with_its_line() {
        let text = "not_documents = []\n[[kind]]\nkind = \"ktp\"\nkeywords = [\"NIK\"]\nmin_hits = 3\nfilename_patterns = []\n";
        let err = Rules::from_texts(
            (
                std::path::Path::new("rules/checklist.toml"),
                include_str!("../rules/checklist.toml"),
            ),
            (std::path::Path::new("rules/classify.toml"), text),
        )
        .unwrap_err();
        assert_eq!(err.line(), Some(5), "{err}");
        assert!(
            err.to_string().starts_with("rules/classify.toml:5:"),
            "{err}"
        );
    }
}
