//! Labelled lines of the body form: the label words of each field, finding labels, and
//! cleaning the value that follows one.

use crate::applicant::Field;
use crate::applicant::name::is_title;
use regex::{Captures, Regex};
use std::sync::LazyLock;

/// How a value was found; within a block the strongest wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Strength {
    /// Inside a sentence ("… NIK 7502…, Jabatan Pranata Komputer pada …").
    Prose,
    /// A label at the start of a line without a colon ("NIK 7502…").
    Unpunctuated,
    /// A label with a colon, tab or table bar.
    Labelled,
}

#[derive(Debug)]
pub(super) struct Candidate {
    pub(super) field: Field,
    pub(super) value: String,
    pub(super) strength: Strength,
    pub(super) line: usize,
}

pub(super) const NAME_WORDS: &[&str] = &[
    r"nama(?:\s+(?:lengkap|pemohon|pegawai|asn))*(?:\s+(?:dan|&|\+)\s+gelar)?(?:\s+(?:sesuai|spt)\s+(?:ktp|sk))?",
];

pub(super) const NIK_WORDS: &[&str] = &[
    r"nomor\s+induk\s+kependudukan",
    r"no(?:mor|\.)?\s*(?:nik|(?:e-?)?ktp)",
    r"n\.?\s?i\.?\s?k\.?(?:\s+(?:e-?)?ktp)?",
    r"(?:e-?)?ktp",
];

pub(super) const NIP_WORDS: &[&str] = &[
    r"nomor\s+induk\s+(?:pegawai(?:\s+negeri\s+sipil)?|pppk)",
    r"no(?:mor|\.)?\s*(?:nip|induk\s+pegawai)",
    r"ni\s*pppk",
    r"n\.?\s?i\.?\s?p\.?(?:\s+(?:baru|pns|pppk))?",
];

pub(super) const POSITION_WORDS: &[&str] = &[
    r"nama\s+jabatan",
    r"jabatan(?:\s+(?:saat\s+ini|sekarang|fungsional|struktural|pemohon|terakhir))?",
];

pub(super) const RANK_WORDS: &[&str] = &[r"pangkat", r"gol(?:ongan|\.)?(?:\s*[/.]?\s*ruang)?"];

pub(super) const UNIT_WORDS: &[&str] = &[
    r"nama\s+(?:instansi|opd|unit\s+kerja|skpd|satuan\s+kerja|kantor|sekolah|perangkat\s+daerah)",
    r"(?:asal\s+)?(?:unit\s+kerja|instansi|opd|skpd|satker|satuan\s+kerja|perangkat\s+daerah|sekolah)(?:\s+(?:induk|pemohon))?",
    r"unit\s+organisasi",
    r"tempat\s+(?:bertugas|tugas|kerja)",
];

/// Too common inside other phrases ("Alamat Kantor:") to be trusted anywhere but a line start.
pub(super) const UNIT_WORDS_LINE_START: &[&str] = &[r"kantor", r"unit"];

pub(super) const PHONE_WORDS: &[&str] = &[
    r"nomor\s+(?:yang\s+)?(?:bisa|dapat)\s+dihubungi",
    r"(?:no(?:mor|\.)?\s*)?(?:hp|handphone|hand\s*phone|ponsel|telepon(?:\s+(?:seluler|genggam))?|telpon|telp\.?|tlp\.?|tlpn|wa|whatsapp|whats\s*app|kontak|cp)",
];

pub(super) const EMAIL_WORDS: &[&str] = &[
    r"(?:alamat\s+)?(?:e-?\s?mail|surel|surat\s+elektronik)(?:\s+(?:aktif|pribadi|dinas|pemohon))?",
];

/// Named group matching a field's label words, alone or "/"-combined.
pub(super) fn label_group(group: &str, words: &[&str]) -> String {
    let one = words.join("|");
    format!(r"(?P<{group}>(?:{one})(?:\s*(?:/|,|&|\bdan\b|\batau\b)\s*(?:{one}))*)")
}

pub(super) fn label_alternatives(unit_words: &[&str]) -> String {
    // Unit and position first: "Nama Instansi" and "Nama Jabatan" are not the name.
    [
        label_group("unit", unit_words),
        label_group("position", POSITION_WORDS),
        label_group("name", NAME_WORDS),
        label_group("nik", NIK_WORDS),
        label_group("nip", NIP_WORDS),
        label_group("rank", RANK_WORDS),
        label_group("phone", PHONE_WORDS),
        label_group("email", EMAIL_WORDS),
    ]
    .join("|")
}

pub(super) fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern {pattern:?}: {e}"))
}

/// A label with a colon or "=", at a line start or after a separator, so several fields on
/// one line ("Nama: …, NIK: …") are all found.
pub(super) static LABEL_COLON: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?i)(?:^|[\s,;|(/])(?P<label>{})(?:\s*\([^)]{{0,40}}\))?[\s._]*[:=]",
        label_alternatives(UNIT_WORDS)
    ))
});

/// A label opening a line, followed by a tab or table bar, by plain spaces, or by nothing.
pub(super) static LABEL_AT_START: LazyLock<Regex> = LazyLock::new(|| {
    let units = [UNIT_WORDS, UNIT_WORDS_LINE_START].concat();
    regex(&format!(
        r"(?i)^(?:{})(?:\s*\([^)]{{0,40}}\))?(?P<sep>[\s._]*[:=\t|]|\s+|$)",
        label_alternatives(&units)
    ))
});

/// Words that make a following label mean something else: "Alamat Instansi:", "Telepon
/// Kantor:".
pub(super) const LABEL_QUALIFIERS: &[&str] = &[
    "alamat", "telepon", "telp", "tlp", "fax", "faks", "kode", "website", "situs", "web", "email",
    "e-mail", "atasan",
];

pub(super) static BULLET: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"^\s*(?:\|\s*)?(?:(?:[-–•*·▪►○●◦+]|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)])\s+)?")
});

/// Letter bullets ("a. ") are left alone in prose, where "A. Rahman" is a name.
pub(super) static PROSE_BULLET: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^\s*(?:(?:[-–•*·▪►○●◦+]|\(?\d{1,2}[.)])\s+)?"));

pub(super) struct Hit {
    pub(super) field: Field,
    pub(super) value: String,
    pub(super) strength: Strength,
}

pub(super) fn field_of(caps: &Captures<'_>) -> Option<Field> {
    [
        ("unit", Field::Unit),
        ("position", Field::Jabatan),
        ("name", Field::Nama),
        ("nik", Field::Nik),
        ("nip", Field::Nip),
        ("rank", Field::Pangkat),
        ("phone", Field::Hp),
        ("email", Field::Surel),
    ]
    .into_iter()
    .find(|(group, _)| caps.name(group).is_some())
    .map(|(_, field)| field)
}

/// The labelled fields on one line, each with the text up to the next label.
pub(super) fn label_hits(text: &str) -> Vec<Hit> {
    let s = BULLET
        .find(text)
        .map_or(text, |m| &text[m.end()..])
        .trim_end();
    let mut found: Vec<(Field, usize, usize)> = Vec::new();
    for caps in LABEL_COLON.captures_iter(s) {
        let (Some(label), Some(whole), Some(field)) =
            (caps.name("label"), caps.get(0), field_of(&caps))
        else {
            continue;
        };
        let before = &s[..label.start()];
        if is_qualified(before) || crosses_id_fields(before, field) {
            continue;
        }
        found.push((field, label.start(), whole.end()));
    }
    if !found.is_empty() {
        return found
            .iter()
            .enumerate()
            .map(|(k, &(field, _, value_start))| {
                let value_end = found.get(k + 1).map_or(s.len(), |next| next.1);
                Hit {
                    field,
                    value: s[value_start..value_end].to_string(),
                    strength: Strength::Labelled,
                }
            })
            .collect();
    }
    let Some(caps) = LABEL_AT_START.captures(s) else {
        return Vec::new();
    };
    let (Some(whole), Some(field)) = (caps.get(0), field_of(&caps)) else {
        return Vec::new();
    };
    let sep = caps.name("sep").map_or("", |m| m.as_str());
    let strength = if sep.contains([':', '=', '\t', '|']) {
        Strength::Labelled
    } else if s.contains(':') {
        // "Nama Atasan : …": the words before the colon are not one of our labels.
        return Vec::new();
    } else {
        Strength::Unpunctuated
    };
    vec![Hit {
        field,
        value: s[whole.end()..].to_string(),
        strength,
    }]
}

/// Whether the word right before a label turns it into another label ("Alamat Instansi").
pub(super) fn is_qualified(before: &str) -> bool {
    if !before.ends_with(char::is_whitespace) {
        return false;
    }
    before
        .split_whitespace()
        .next_back()
        .is_some_and(|word| LABEL_QUALIFIERS.contains(&word.to_lowercase().as_str()))
}

/// "NIK / NIP : …" is one value for two fields; the NIP label there does not own it.
pub(super) fn crosses_id_fields(before: &str, field: Field) -> bool {
    let Some(prefix) = before.trim_end().strip_suffix('/') else {
        return false;
    };
    let other = match field {
        Field::Nik => Field::Nip,
        Field::Nip => Field::Nik,
        _ => return false,
    };
    prefix
        .split_whitespace()
        .next_back()
        .and_then(|word| LABEL_AT_START.captures(word))
        .is_some_and(|caps| field_of(&caps) == Some(other))
}

pub(super) fn is_blank_value(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_whitespace() || matches!(c, ':' | '=' | '|' | '.' | '_'))
}

pub(super) static DIGIT_RUN: LazyLock<Regex> = LazyLock::new(|| regex(r"\d(?:[ .\-]{0,3}\d)*"));

pub(super) static PHONE_SPAN: LazyLock<Regex> =
    LazyLock::new(|| regex(r"\+?\s?\(?\+?\d(?:[\d().\-]| {1,2})*\d"));

pub(super) static EMAIL_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| regex(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"));

pub(super) static LEADING_FILLER: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)^[\s:=|\-–—._]*(?:(?:saya|adalah|yaitu|yakni|ialah|nomor|no\.?)\b[\s:=.]*)*")
});

pub(super) static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)^[(\[]?\s*(?:-+|–|—|\.+|x+|belum\s+ada|tidak\s+ada|ga\s+ada|gak\s+ada|kosong|nihil|n/?a|none|null|belum|menyusul|belum\s+punya|tidak\s+punya)\s*[)\]]?$",
    )
});

pub(super) static TEXT_FILLER: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)^[\s:=|\-–—._]*(?:(?:saya|adalah|yaitu|yakni|ialah|sebagai|selaku)\b\s*)*")
});

/// "Nama saya Wahyuni", "Jabatan saya sebagai Guru": the words before the value.
pub(super) fn without_text_filler(value: &str) -> &str {
    TEXT_FILLER.find(value).map_or(value, |m| &value[m.end()..])
}

/// An HTML table flattened into one line runs on into the next paragraph ("Unit Kerja:Dinas
/// Pendidikan Terima kasih."); the value stops where such a closing sentence starts.
pub(super) static TRAILING_PROSE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\s(?:terima\s*kasih|demikian|hormat\s+(?:saya|kami)|atas\s+(?:perhatian|bantuan)|berkas|sebagai\s+kelengkapan|terlampir|mohon|salam|wassalam|regards|thanks)\b",
    )
});

pub(super) fn without_trailing_prose(value: &str) -> &str {
    TRAILING_PROSE
        .find(value)
        .map_or(value, |m| &value[..m.start()])
}

pub(super) fn without_filler(value: &str) -> &str {
    LEADING_FILLER
        .find(value)
        .map_or(value, |m| &value[m.end()..])
}

/// Digits of the NIK/NIP written at the start of the value (anywhere, if `strict` is off and
/// the run is long enough to be one), separators removed, wrong lengths kept.
pub(super) fn digits_value(value: &str, strict: bool) -> Option<String> {
    let rest = without_filler(value);
    let run = DIGIT_RUN.find(rest).filter(|m| {
        let digits = m.as_str().chars().filter(char::is_ascii_digit).count();
        m.start() == 0 || (!strict && digits >= 10)
    })?;
    Some(run.as_str().chars().filter(char::is_ascii_digit).collect())
}

/// The phone number as written, without the words around it ("(WA)", "a.n. saya").
pub(super) fn phone_value(value: &str, strict: bool) -> Option<String> {
    let rest = without_filler(value);
    let span = PHONE_SPAN
        .find(rest)
        .filter(|m| !strict || m.start() == 0)?;
    Some(span.as_str().trim().to_string())
}

/// The address in the value; without one, a labelled value that still looks like an attempt
/// at an address ("rahmat.gmail.com") so the checklist can say what is wrong with it.
pub(super) fn email_value(value: &str, keep_attempt: bool) -> Option<String> {
    if let Some(m) = EMAIL_TOKEN.find(value) {
        return Some(m.as_str().trim_end_matches(['.', '-']).to_string());
    }
    let cleaned = clean_value(value)?;
    (keep_attempt && !cleaned.contains(char::is_whitespace) && cleaned.contains('.'))
        .then_some(cleaned)
}

/// Trimmed, single-spaced, without leading separators and trailing punctuation; None for
/// placeholders such as "-" or "(belum ada)". A trailing dot that belongs to an abbreviation
/// ("S.Kom.", "Siti N.") stays.
pub(super) fn clean_value(value: &str) -> Option<String> {
    let collapsed = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s = collapsed
        .trim_start_matches(|c: char| c.is_whitespace() || ":=|-–—.,;_\"“”".contains(c))
        .to_string();
    loop {
        let before = s.len();
        s = s
            .trim_end_matches(|c: char| c.is_whitespace() || ":=|-–—,;_(\"“”!?".contains(c))
            .to_string();
        if let Some(stem) = s.strip_suffix('.') {
            if stem.ends_with('.') {
                s.truncate(stem.len());
                continue;
            }
            let last = stem
                .rsplit(|c: char| c.is_whitespace() || c == ',')
                .next()
                .unwrap_or(stem);
            let abbreviation =
                last.contains('.') || last.chars().count() <= 2 || is_title(&format!("{last}."));
            if !abbreviation {
                s.truncate(stem.len());
            }
        }
        if s.len() == before {
            break;
        }
    }
    (!s.is_empty() && !PLACEHOLDER.is_match(&s)).then_some(s)
}

pub(super) static TOKEN: LazyLock<Regex> = LazyLock::new(|| regex(r"\S+"));

/// Whitespace-separated tokens with their byte offsets.
pub(super) fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    TOKEN.find_iter(text).map(|m| (m.start(), m.as_str()))
}
