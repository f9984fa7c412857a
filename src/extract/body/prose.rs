//! Fields written as prose ("… NIK 7502…, Jabatan Pranata Komputer pada …"), one paragraph
//! at a time.

use super::labels::*;
use crate::applicant::Field;
use crate::applicant::name::is_title;
use regex::Regex;
use std::sync::LazyLock;

/// Consecutive non-empty lines of one block joined with spaces, so sentences (and numbers)
/// wrapped by the mail client read whole.
#[derive(Default)]
pub(super) struct Paragraph {
    pub(super) text: String,
    pub(super) starts: Vec<(usize, usize)>,
}

pub(super) static PROSE_ID: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?i)\b(?:(?P<nik>{})|(?P<nip>{}))[\s:.=\-]*(?:(?:saya|adalah|yaitu|nomor|no\.?)[\s:.]*)*(?P<digits>\d(?:[ .\-]{{0,3}}\d)*)",
        NIK_WORDS.join("|"),
        NIP_WORDS.join("|")
    ))
});

pub(super) static PROSE_PHONE: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?i)\b(?:{}|(?:dapat|bisa)\s+dihubungi)\b",
        PHONE_WORDS.join("|")
    ))
});

pub(super) static PROSE_EMAIL: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\b(?:e-?\s?mail|surel)\b"));

/// Words between a phone label and a number that mean the number is someone else's.
/// Words between an email label and an address that mean the address is the office's.
pub(super) static EMAIL_GAP_BLOCK: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)kantor|instansi|\bopd\b|skpd|atasan|sekolah|@"));

pub(super) static PHONE_GAP_BLOCK: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)kantor|fax|faks|e-?mail|\bnik\b|\bnip\b|@|\d"));

pub(super) static NAME_TRIGGER: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)bertanda\s*tangan\s+di\s*bawah\s+ini\b|\ba\.\s?n(?:\.|\b)|\ba\s?/\s?n\b|\batas\s+nama\b|\bnama\s+saya\b",
    )
});

pub(super) static NAME_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)^[\s:,]*(?:nama(?:\s+lengkap)?[\s:]*)?(?:saya\s+)?(?:adalah\s+|yaitu\s+|:\s*)?")
});

pub(super) static PROSE_POSITION: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\bjabatan\b(?:\s+saya)?(?:\s+(?:adalah|sebagai|selaku))?[\s:]*"));

pub(super) static POSITION_STOP: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)[,;(]|(?:^|\s)(?:pada|di|dengan|yang|untuk|dan\s+(?:pangkat|golongan|unit)|pangkat|golongan|gol\.|nip|nik|mengajukan|memohon|bermaksud|unit\s+kerja|no\.?\s*hp|nomor|mohon)\b",
    )
});

pub(super) static POSITION_TO_UNIT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)^\s(?:pada|di\s+lingkungan|di)\s+"));

pub(super) static PROSE_RANK: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\b(?:pangkat(?:\s*/\s*gol(?:ongan|\.)?(?:\s*ruang)?)?|golongan(?:\s+ruang)?|gol\.)(?:\s+saya)?(?:\s+adalah)?[\s:]*",
    )
});

pub(super) static RANK_STOP: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)[,;]|(?:^|\s)(?:pada|di|dengan|yang|untuk|jabatan|nip|nik|mengajukan|memohon|bermaksud|unit\s+kerja|nomor|no\.?\s*hp|mohon)\b",
    )
});

pub(super) static PROSE_UNIT: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\b(?P<how>di\s+lingkungan|(?:bekerja|bertugas|berdinas)\s+(?:di|pada)|pada|dari|di)\s+",
    )
});

pub(super) static UNIT_STOP: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)[,;(]|(?:^|\s)(?:mengajukan|memohon|bermaksud|dengan|untuk|yang|guna|sebagai|selaku|nip|nik|jabatan|pangkat|golongan|no\.?\s*hp|nomor|e-?mail|mohon|dan\s+(?:mengajukan|memohon|bermaksud|ingin))\b",
    )
});

/// Words an office name starts with, so "pada tanggal …" is not taken for a unit.
pub(super) static UNIT_START: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)^(?:dinas|badan|kantor|sekretariat|setda|setwan|bagian|bidang|inspektorat|kecamatan|kelurahan|desa|rsud|rumah\s+sakit|puskesmas|sdn?|smpn?|sman?|smkn?|slb|tk|paud|mi|mts|man|uptd?|satuan|satpol|lembaga|biro|sekolah|dprd|pemerintah|pemkab|pemda|bkpsdm|bkd|bpbd|bappeda|bapelitbang|bpkad|bapenda|dukcapil|disdik|dikbud|diskominfo|kominfo|kesbangpol|subbag|sub\s+bagian|seksi|unit|kementerian|kemenag|direktorat)\b",
    )
});

/// A "pada" in the same clause as these words names where the request goes, not where the
/// applicant works ("mengajukan permohonan sertifikat elektronik pada Dinas Kominfo").
pub(super) static REQUEST_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)permohonan|mengajukan|memohon|sertifikat|\btte\b|tanda\s+tangan|penerbitan|pembuatan|diajukan|ditujukan",
    )
});

/// "tinggal di Desa …" is an address.
pub(super) static ADDRESS_WORDS: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)tinggal|beralamat|berdomisili|alamat|lahir"));

/// Head words of job titles, for a post written without the word "jabatan".
pub(super) const POSITION_HEADS: &[&str] = &[
    "administrator",
    "ahli",
    "analis",
    "apoteker",
    "arsiparis",
    "asisten",
    "auditor",
    "bendahara",
    "bidan",
    "camat",
    "dokter",
    "epidemiolog",
    "fisioterapis",
    "guru",
    "instruktur",
    "juru",
    "kabag",
    "kabid",
    "kasi",
    "kasie",
    "kasubag",
    "kasubbag",
    "kepala",
    "lurah",
    "nutrisionis",
    "operator",
    "pamong",
    "pelaksana",
    "pemeriksa",
    "penata",
    "pengadministrasi",
    "pengawas",
    "pengelola",
    "pengemudi",
    "penilik",
    "penyuluh",
    "perancang",
    "perawat",
    "perencana",
    "plh",
    "plt",
    "pranata",
    "pustakawan",
    "radiografer",
    "sandiman",
    "sanitarian",
    "sekcam",
    "sekretaris",
    "staf",
    "staff",
    "statistisi",
    "teknik",
    "teknisi",
    "terapis",
    "verifikator",
    "widyaiswara",
];

/// Words after "jabatan" showing it is not followed by a post ("jabatan saya lampirkan").
pub(super) const NOT_A_POSITION: &[&str] = &[
    "lampirkan",
    "terlampir",
    "dilampirkan",
    "yang",
    "ini",
    "tersebut",
    "kami",
    "dan",
    "atau",
    "untuk",
    "dengan",
    "sebagai",
    "berikut",
    "sesuai",
    "anda",
    "bapak",
    "ibu",
];

/// Words that end a name written in prose.
pub(super) const NAME_STOPS: &[&str] = &[
    "dengan",
    "untuk",
    "dari",
    "yang",
    "selaku",
    "sebagai",
    "pada",
    "di",
    "nik",
    "nip",
    "n.i.p",
    "no",
    "nomor",
    "jabatan",
    "pangkat",
    "golongan",
    "gol",
    "unit",
    "mengajukan",
    "memohon",
    "bermaksud",
    "beralamat",
    "tempat",
    "lahir",
    "tanggal",
    "ttl",
    "bekerja",
    "bertugas",
    "asn",
    "pns",
    "pppk",
    "guru",
    "pegawai",
    "staf",
    "staff",
    "kepala",
    "kasubag",
    "kasubbag",
    "kabid",
    "kasi",
    "sekretaris",
    "pranata",
    "analis",
    "pengelola",
    "perawat",
    "bidan",
    "dokter",
    "penyuluh",
    "operator",
    "bendahara",
    "dan",
    "serta",
    "beserta",
    "mohon",
    "agar",
    "sesuai",
    "berikut",
    "terlampir",
    "ybs",
    "tersebut",
    "yth",
    "sebagaimana",
    "telah",
    "akan",
    "sudah",
    "ingin",
    "hendak",
    "bersama",
    "karena",
    "nama",
    "saya",
    "kami",
    "beliau",
    "ini",
    "itu",
];

impl Paragraph {
    pub(super) fn push(&mut self, line: &str, index: usize) {
        self.starts.push((self.text.len(), index));
        let body = PROSE_BULLET.find(line).map_or(line, |m| &line[m.end()..]);
        self.text.push_str(body.trim());
        self.text.push(' ');
    }

    pub(super) fn line_at(&self, offset: usize) -> usize {
        self.starts
            .iter()
            .take_while(|(start, _)| *start <= offset)
            .last()
            .map_or(0, |(_, line)| *line)
    }

    pub(super) fn scan(&self, out: &mut Vec<Candidate>) {
        let text = self.text.as_str();
        let mut add = |field: Field, value: String, offset: usize| {
            out.push(Candidate {
                field,
                value,
                strength: Strength::Prose,
                line: self.line_at(offset),
            });
        };
        for caps in PROSE_ID.captures_iter(text) {
            let (Some(whole), Some(run)) = (caps.get(0), caps.name("digits")) else {
                continue;
            };
            // "NIK / NIP : 7502…" gives the NIK's digits, not a NIP.
            if text[..whole.start()].trim_end().ends_with('/') {
                continue;
            }
            let digits: String = run.as_str().chars().filter(char::is_ascii_digit).collect();
            let field = if caps.name("nik").is_some() {
                Field::Nik
            } else {
                Field::Nip
            };
            if digits.len() >= 10 {
                add(field, digits, whole.start());
            }
        }
        for m in PROSE_PHONE.find_iter(text) {
            let window = head(&text[m.end()..], 60);
            // "Wa'alaikumsalam" opens with the letters of "WA".
            if window.starts_with(['\'', '’']) {
                continue;
            }
            if let Some(span) = PHONE_SPAN.find(window) {
                let gap = &window[..span.start()];
                let digits = span.as_str().chars().filter(char::is_ascii_digit).count();
                if !PHONE_GAP_BLOCK.is_match(gap) && digits >= 8 {
                    add(Field::Hp, span.as_str().trim().to_string(), m.start());
                }
            }
        }
        for m in PROSE_EMAIL.find_iter(text) {
            let window = head(&text[m.end()..], 60);
            let token = EMAIL_TOKEN
                .find(window)
                .filter(|t| !EMAIL_GAP_BLOCK.is_match(&window[..t.start()]));
            if let Some(token) = token {
                add(
                    Field::Surel,
                    token.as_str().trim_end_matches(['.', '-']).to_string(),
                    m.start(),
                );
            }
        }
        for m in NAME_TRIGGER.find_iter(text) {
            if let Some(name) = prose_name(&text[m.end()..]) {
                add(Field::Nama, name, m.start());
            }
        }
        let mut covered = 0;
        for m in PROSE_POSITION.find_iter(text) {
            if m.start() < covered || names_a_document(&text[..m.start()]) {
                continue;
            }
            let rest = &text[m.end()..];
            let end = clause_end(rest, &POSITION_STOP);
            covered = m.end() + end;
            let position = prose_value(&rest[..end], 12).filter(|p| {
                let first = p.split_whitespace().next().unwrap_or_default();
                !NOT_A_POSITION.contains(&first.to_lowercase().as_str())
            });
            if let Some(position) = position {
                add(Field::Jabatan, position, m.start());
            }
            if let Some(link) = POSITION_TO_UNIT.find(&rest[end..]) {
                let unit_text = &rest[end + link.end()..];
                let unit_end = clause_end(unit_text, &UNIT_STOP);
                if let Some(unit) = prose_value(&unit_text[..unit_end], 14) {
                    add(Field::Unit, unit, m.start());
                }
            }
        }
        let mut covered = 0;
        for m in PROSE_RANK.find_iter(text) {
            // "pangkat Golongan IX" is one rank, not a second one starting at "Golongan".
            if m.start() < covered || names_a_document(&text[..m.start()]) {
                continue;
            }
            let rest = &text[m.end()..];
            let end = clause_end(rest, &RANK_STOP);
            covered = m.end() + end;
            if let Some(rank) = prose_value(&rest[..end], 8) {
                add(Field::Pangkat, rank, m.start());
            }
        }
        for caps in PROSE_UNIT.captures_iter(text) {
            let (Some(whole), Some(how)) = (caps.get(0), caps.name("how")) else {
                continue;
            };
            let rest = &text[whole.end()..];
            if !UNIT_START.is_match(rest) {
                continue;
            }
            let before = &text[..whole.start()];
            let clause = &before[before.rfind([',', ';', ':', '(', ')']).map_or(0, |p| p + 1)..];
            let how = how.as_str().to_lowercase();
            let elsewhere = match how.as_str() {
                "dari" => false,
                "di" => REQUEST_WORDS.is_match(clause) || ADDRESS_WORDS.is_match(clause),
                _ => REQUEST_WORDS.is_match(clause),
            };
            if elsewhere {
                continue;
            }
            if let Some(unit) = prose_value(&rest[..clause_end(rest, &UNIT_STOP)], 14) {
                add(Field::Unit, unit, whole.start());
            }
            // ", Pranata Komputer Ahli Muda di Dinas …": the post named just before the office.
            if matches!(how.as_str(), "di" | "pada")
                && let Some(position) = position_before_unit(clause)
            {
                add(Field::Jabatan, position, whole.start());
            }
        }
    }
}

/// Whether the text ends with a word that makes the next one name a document ("SK Jabatan",
/// "SK Pangkat terakhir") rather than the applicant's own post or rank.
pub(super) fn names_a_document(before: &str) -> bool {
    before.split_whitespace().next_back().is_some_and(|word| {
        let word = word
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        matches!(word.as_str(), "sk" | "surat" | "keputusan" | "kenaikan")
    })
}

/// A clause of one to ten words opening with a job title's head word.
pub(super) fn position_before_unit(clause: &str) -> Option<String> {
    let words: Vec<&str> = clause.split_whitespace().collect();
    let first = words.first()?.to_lowercase();
    let plausible = (1..=10).contains(&words.len())
        && POSITION_HEADS.contains(&first.as_str())
        && !clause.contains(|c: char| c.is_ascii_digit());
    plausible.then(|| clean_value(clause)).flatten()
}

/// At most `chars` characters of `text`, cut on a character boundary.
pub(super) fn head(text: &str, chars: usize) -> &str {
    text.char_indices()
        .nth(chars)
        .map_or(text, |(cut, _)| &text[..cut])
}

/// Where a phrase in prose ends: the first stop word or punctuation, or the end of the
/// sentence.
pub(super) fn clause_end(text: &str, stop: &Regex) -> usize {
    let stop_at = stop.find(text).map_or(text.len(), |m| m.start());
    stop_at.min(sentence_end(text))
}

/// The first full stop that ends a sentence; dots after short words ("Kab.", "Tk.") and inside
/// abbreviations ("S.Kom.") do not.
pub(super) fn sentence_end(text: &str) -> usize {
    for (i, c) in text.char_indices() {
        let next_is_space = text[i + c.len_utf8()..]
            .chars()
            .next()
            .is_none_or(char::is_whitespace);
        match c {
            '!' | '?' => return i,
            '.' if next_is_space => {
                let word = text[..i].rsplit(char::is_whitespace).next().unwrap_or("");
                if !word.contains('.') && word.chars().count() > 3 {
                    return i;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// A prose phrase as a value: cleaned, starting with a letter or digit, at most `max_words`.
pub(super) fn prose_value(text: &str, max_words: usize) -> Option<String> {
    let value = clean_value(text)?;
    let starts_well = value.chars().next().is_some_and(char::is_alphanumeric);
    (starts_well && value.split_whitespace().count() <= max_words).then_some(value)
}

/// The name after "bertanda tangan di bawah ini", "a.n." or "nama saya": its words up to a stop
/// word or the end of the sentence, plus any degrees after commas ("Rahmat Lamato, S.Kom.").
pub(super) fn prose_name(rest: &str) -> Option<String> {
    let lead = NAME_LEAD.find(rest).map_or(0, |m| m.end());
    let text = &rest[lead..];
    let mut end = 0;
    let mut words = 0;
    let mut open = true;
    for (start, token) in tokens(text) {
        if token.starts_with(',') {
            break;
        }
        let bare = token.trim_end_matches(['.', ',', ':', ';', '!', '?', ')']);
        let lower = bare.to_lowercase();
        let stops = token.starts_with(['(', '"', '\''])
            || token.starts_with(|c: char| c.is_ascii_digit())
            || NAME_STOPS.contains(&lower.as_str())
            || bare.is_empty();
        if stops {
            open = false;
            break;
        }
        words += 1;
        if let Some(cut) = token.find([',', ':', ';']) {
            end = start + cut;
            open = token[cut..].starts_with(',');
            break;
        }
        end = start + token.len();
        let sentence_over = token.ends_with('.')
            && !bare.contains('.')
            && bare.chars().count() > 4
            && !is_title(token);
        if sentence_over {
            end -= 1;
            open = false;
            break;
        }
    }
    if words == 0 || words > 8 {
        return None;
    }
    if open {
        end = extend_with_degrees(text, end);
    }
    clean_value(&text[..end])
}

/// Extends a name ending at `end` over the degrees that follow it after commas, up to the
/// first word that is not one ("…, S.E. untuk diproses").
pub(super) fn extend_with_degrees(text: &str, mut end: usize) -> usize {
    loop {
        let rest = &text[end..];
        let Some(after_comma) = rest.trim_start().strip_prefix(',') else {
            return end;
        };
        let part_start = text.len() - after_comma.len();
        let part_end = after_comma.find(',').map_or(text.len(), |p| part_start + p);
        let part = &text[part_start..part_end];
        let glued: String = part.split_whitespace().collect();
        if !glued.is_empty() && is_title(&glued) {
            end = part_start + part.trim_end().len();
            continue;
        }
        let mut degree_end = None;
        for (start, token) in tokens(part) {
            if !is_title(token) {
                break;
            }
            degree_end = Some(part_start + start + token.len());
        }
        match degree_end {
            Some(e) => return e,
            None => return end,
        }
    }
}
