//! Fields read from a document, each with a confidence, and the label matching that KTP and SK
//! readers share.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::text::{Line, Place};

/// Field name → value (or null) and field name → confidence, as the report prints them, and
/// where each value was read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Fields {
    pub values: BTreeMap<&'static str, Option<String>>,
    pub confidence: BTreeMap<&'static str, f32>,
    /// Left out of the report, whose JSON the golden samples pin down.
    #[serde(skip)]
    pub sources: BTreeMap<&'static str, FieldSource>,
}

/// Where a field's value was read: the line's text, its confidence, and for OCR the place on
/// the picture (for a value spread over several lines, the box holding them all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSource {
    pub line: String,
    pub conf: f32,
    pub place: Option<Place>,
}

impl FieldSource {
    pub fn of(line: &Line) -> FieldSource {
        FieldSource {
            line: line.text.clone(),
            conf: line.conf,
            place: line.place,
        }
    }

    /// One source for a value read from several lines: their text joined, the least
    /// confidence, the box holding them all when they share one picture.
    pub fn joined<'a>(lines: impl IntoIterator<Item = &'a Line>) -> Option<FieldSource> {
        lines
            .into_iter()
            .map(FieldSource::of)
            .reduce(|a, b| FieldSource {
                line: format!("{} / {}", a.line, b.line),
                conf: a.conf.min(b.conf),
                place: a.place.zip(b.place).and_then(|(x, y)| x.union(y)),
            })
    }
}

impl Fields {
    /// Every field of a kind starts as null, so the report shows what was looked for.
    pub fn with_keys(keys: &[&'static str]) -> Fields {
        Fields {
            values: keys.iter().map(|k| (*k, None)).collect(),
            confidence: BTreeMap::new(),
            sources: BTreeMap::new(),
        }
    }

    /// [`Fields::set`] with the line the value was read from, at that line's confidence.
    pub fn set_from(&mut self, key: &'static str, value: String, line: &Line) {
        self.set_with(key, value, line.conf, FieldSource::of(line));
    }

    /// [`Fields::set`] with its source; `conf` may differ from the source line's (a NIK two
    /// readings disagree on is doubted more than its line).
    /// A value read from several lines (a table cell's): the least confident one counts.
    pub fn set_from_lines(&mut self, key: &'static str, value: String, lines: &[&Line]) {
        if let Some(source) = FieldSource::joined(lines.iter().copied()) {
            let conf = source.conf;
            self.set_with(key, value, conf, source);
        }
    }

    pub fn set_with(&mut self, key: &'static str, value: String, conf: f32, source: FieldSource) {
        if value.trim().is_empty() {
            return;
        }
        self.set(key, value, conf);
        self.sources.insert(key, source);
    }

    pub fn set(&mut self, key: &'static str, value: String, conf: f32) {
        let value = value.trim().to_string();
        if value.is_empty() {
            return;
        }
        self.values.insert(key, Some(value));
        self.confidence
            .insert(key, (conf.clamp(0.0, 1.0) * 100.0).round() / 100.0);
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(|v| v.as_deref())
    }

    pub fn conf(&self, key: &str) -> f32 {
        self.confidence.get(key).copied().unwrap_or(0.0)
    }
}

/// Letters and digits only, upper case: how labels are compared.
pub fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// If `line` starts with one of `labels` (ignoring case, spaces, punctuation, and up to one
/// OCR slip per 5 letters), the rest of the line after the label and its separator.
pub fn after_label<'a>(line: &'a str, labels: &[&str]) -> Option<&'a str> {
    label_rest(line, labels).map(|(rest, _)| rest)
}

/// Like [`after_label`], but only when a separator (":") follows the label: in running text a
/// label word ("Jabatan", "Nama") also starts ordinary sentences.
pub fn after_label_sep<'a>(line: &'a str, labels: &[&str]) -> Option<&'a str> {
    label_rest(line, labels)
        .filter(|(_, sep)| *sep)
        .map(|(rest, _)| rest)
}

fn label_rest<'a>(line: &'a str, labels: &[&str]) -> Option<(&'a str, bool)> {
    let line = line.trim_start_matches(|c: char| !c.is_alphanumeric());
    for label in labels {
        let want = squash(label);
        if want.is_empty() {
            continue;
        }
        // Walk the line until as many letters as the label has are consumed.
        let mut seen = String::new();
        let mut end = 0;
        for (i, c) in line.char_indices() {
            if c.is_alphanumeric() {
                seen.extend(c.to_uppercase());
            }
            end = i + c.len_utf8();
            if seen.chars().count() >= want.chars().count() {
                break;
            }
        }
        if seen.chars().count() < want.chars().count() {
            continue;
        }
        let slack = want.chars().count() / 5;
        if edit_distance(&seen, &want) > slack {
            continue;
        }
        let rest = &line[end..];
        // A label must end at a word boundary: "Agama" is not the start of "Agamawan".
        if rest.chars().next().is_some_and(char::is_alphanumeric)
            && !rest.trim_start().starts_with(':')
        {
            let next_is_sep = rest.starts_with(|c: char| c.is_whitespace());
            if !next_is_sep {
                continue;
            }
        }
        let rest = rest.trim_start();
        // Specks between a label and its colon on a scan ("Nama . : ...", "NIP ' : ...").
        let specks =
            |c: char| c.is_whitespace() || matches!(c, '.' | ',' | '\'' | '`' | '’' | '‘' | '"');
        let despecked = rest.trim_start_matches(specks);
        let rest = if despecked.starts_with(':') {
            despecked
        } else {
            rest
        };
        let value = rest
            .strip_prefix(':')
            .or_else(|| rest.strip_prefix(';'))
            .or_else(|| rest.strip_prefix('='));
        return Some(match value {
            Some(v) => (v.trim(), true),
            None => (rest.trim(), false),
        });
    }
    None
}

pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The first line carrying one of `labels`, with the value after it.
pub fn find_labelled<'a>(lines: &'a [Line], labels: &[&str]) -> Option<(&'a str, &'a Line)> {
    lines
        .iter()
        .find_map(|l| after_label(&l.text, labels).map(|v| (v, l)))
}

/// [`find_labelled`] for labels that must be followed by a separator.
pub fn find_labelled_sep<'a>(lines: &'a [Line], labels: &[&str]) -> Option<(&'a str, &'a Line)> {
    lines
        .iter()
        .find_map(|l| after_label_sep(&l.text, labels).map(|v| (v, l)))
}

/// Indonesian month names and their common abbreviations.
pub fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "JANUARI",
        "FEBRUARI",
        "MARET",
        "APRIL",
        "MEI",
        "JUNI",
        "JULI",
        "AGUSTUS",
        "SEPTEMBER",
        "OKTOBER",
        "NOVEMBER",
        "DESEMBER",
    ];
    let w = squash(word);
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| *m == w || (w.len() >= 3 && m.starts_with(&w) && w.len() <= m.len()))
        .map(|i| i as u32 + 1)
}

/// "12-03-1985", "12/03/1985", "12 Maret 1985" → "1985-03-12" when it is a real date.
pub fn parse_date(s: &str) -> Option<String> {
    let re_num = regex::Regex::new(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})").ok()?;
    let re_word = regex::Regex::new(r"(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})").ok()?;
    let (d, m, y) = if let Some(c) = re_num.captures(s) {
        (c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
    } else if let Some(c) = re_word.captures(s) {
        (c[1].parse().ok()?, month_number(&c[2])?, c[3].parse().ok()?)
    } else {
        return None;
    };
    chrono::NaiveDate::from_ymd_opt(y, m, d).map(|date| date.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_match_despite_spacing_case_and_slips() {
        assert_eq!(after_label("NIK : 7502", &["NIK"]), Some("7502"));
        assert_eq!(after_label("Nama: BUDI", &["Nama"]), Some("BUDI"));
        assert_eq!(
            after_label(
                "Tempat/Tgl Lahir : LIMBOTO, 12-03-1985",
                &["Tempat/Tgl Lahir"]
            ),
            Some("LIMBOTO, 12-03-1985")
        );
        assert_eq!(
            after_label("Tempat/Tql Lahir ; LIMBOTO", &["Tempat/Tgl Lahir"]),
            Some("LIMBOTO")
        );
        assert_eq!(after_label("Agamawan : X", &["Agama"]), None);
        assert_eq!(after_label("Jabatan : Guru", &["Nama"]), None);
        assert_eq!(
            after_label("Kewarganegaraan WNI", &["Kewarganegaraan"]),
            Some("WNI")
        );
    }

    #[test]
    fn dates_in_numbers_and_words() {
        assert_eq!(
            parse_date("LIMBOTO, 12-03-1985").as_deref(),
            Some("1985-03-12")
        );
        assert_eq!(
            parse_date("pada tanggal 5 Maret 2024").as_deref(),
            Some("2024-03-05")
        );
        assert_eq!(parse_date("31-02-1985"), None);
        assert_eq!(parse_date("tanpa tanggal"), None);
    }
}
