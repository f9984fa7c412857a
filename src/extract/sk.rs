//! Stage 5 for SK Jabatan: the decree's number, date and subject, and the person it names.

use super::fields::{
    FieldSource, Fields, after_label, after_label_sep, edit_distance, find_labelled_sep,
    parse_date, squash,
};
use super::ktp::{digits_of, number_of};
use crate::applicant::Nip;
use crate::applicant::name::{NameMatch, name_distance, names_match};
use crate::text::{Line, ReadText};

/// Who the application says the SK is about (the body's NIP and name), to find their row
/// when the decree lists several people.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    pub nip: Option<&'a str>,
    pub name: Option<&'a str>,
}

/// One person a decree lists: in a Lampiran table row (name and NIP in one cell on two lines,
/// or side by side), or a signer's block.
#[derive(Debug, Clone, PartialEq)]
struct Listed<'a> {
    nip: String,
    name: String,
    /// The name cell with the leading words of the row's lines above and below the NIP's: on
    /// a scan a wrapped cell ("Roni Fajar" / "Bumulo, 1998…" / "S.T.") comes out as the
    /// starts of three lines that the next columns run on.
    cell: String,
    lines: Vec<&'a Line>,
}

/// Words of the next columns (rank, grade, position) that end a name cell's line on a scan.
const COLUMN_WORDS: &[&str] = &[
    "PENATA",
    "PEMBINA",
    "PENGATUR",
    "JURU",
    "MUDA",
    "TK",
    "TK.",
    "PELAKSANA",
    "AHLI",
    "PERTAMA",
    "GOLONGAN",
];

/// The words a line of a scanned table row begins with that can be part of a name: up to a
/// lone mark, a ':', a grade in brackets or a word of the next columns.
fn leading_name_words(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .skip_while(|w| {
            w.chars()
                .all(|c| c.is_ascii_digit() || !c.is_alphanumeric())
        })
        .take_while(|w| {
            w.chars().any(char::is_alphabetic)
                && !w.contains(':')
                && !w.starts_with('(')
                && !COLUMN_WORDS.contains(&w.to_uppercase().as_str())
        })
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != ','))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Words that open a signer's block ("Pj. BUPATI GORONTALO,", squashed): the NIP under them
/// is the official's, never the subject's.
const SIGNER_WORDS: [&str; 7] = [
    "BUPATI",
    "WALIKOTA",
    "GUBERNUR",
    "SEKRETARISDAERAH",
    "PJ",
    "PLT",
    "KEPALA",
];

/// An 18-digit NIP in a line ("NIP. 19880100 201102 1 007", "1988010020110210 07"), with
/// where it starts; after an "NIP" label a number a digit short or long counts too (a typo
/// in the decree or a slip of the scan), for the checks to judge.
fn nip_in(text: &str, labelled: bool) -> Option<(usize, String)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_digit()) {
            let mut digits = String::new();
            let mut j = i;
            while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b' ') {
                if bytes[j].is_ascii_digit() {
                    digits.push(bytes[j] as char);
                }
                j += 1;
            }
            let labelled = labelled || squash(&text[..i]).ends_with("NIP");
            let digits = without_speck(digits);
            if digits.len() == 18 || (labelled && (17..=19).contains(&digits.len())) {
                return Some((i, digits));
            }
            i = j;
        }
        i += 1;
    }
    None
}

/// A scanned NIP with a speck before or after it read as one more digit: where only one of
/// its two 18-digit stretches is a NIP, that is the number printed.
fn without_speck(digits: String) -> String {
    if digits.len() != 19 {
        return digits;
    }
    match [&digits[1..], &digits[..18]].map(|d| Nip::parse(d).is_ok()) {
        [true, false] => digits[1..].to_string(),
        [false, true] => digits[..18].to_string(),
        _ => digits,
    }
}

/// The NIP after its label: the run of digits as long as a NIP, where specks before it read
/// as a short number of their own ("NIP 0 . “3 197505131999012003"); else the first run.
fn labelled_nip(value: &str) -> String {
    let words: Vec<&str> = value.split_whitespace().collect();
    words
        .split(|w| !w.chars().any(|c| c.is_ascii_digit()))
        .map(|run| without_speck(run.iter().map(|w| digits_of(w)).collect()))
        .find(|d| (17..=19).contains(&d.len()))
        .unwrap_or_else(|| without_speck(number_of(value)))
}

/// A line that holds a name: letters, not a label, a heading or a row number.
fn name_part(text: &str) -> Option<String> {
    let t = text
        .trim()
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
        .trim();
    let upper = squash(t);
    let letters = t.chars().filter(|c| c.is_alphabetic()).count();
    // A degree wrapped onto its own line ("S.H.", "ST") belongs to the name above it.
    let degree = letters >= 2 && t.contains('.');
    let heading = ["NAMA", "NIP", "NO", "PANGKAT", "JABATAN", "UNIT"]
        .iter()
        .any(|h| upper.starts_with(h) && upper.len() <= h.len() + 6);
    ((letters >= 3 || degree) && !heading)
        .then(|| t.trim_end_matches([',', ';', '/']).trim().to_string())
}

/// Everyone the decree lists with an NIP: the name on the NIP's line before it, else the
/// lines above it back to the row number or the previous row. Signers' blocks are left out.
fn listed(lines: &[Line]) -> Vec<Listed<'_>> {
    let mut out: Vec<(usize, usize, Listed<'_>)> = Vec::new();
    let mut previous_end = 0;
    for (i, line) in lines.iter().enumerate() {
        let label_above = i > 0 && squash(&lines[i - 1].text) == "NIP";
        let Some((at, nip)) = nip_in(&line.text, label_above) else {
            continue;
        };
        let above = &lines[previous_end.max(i.saturating_sub(4))..i];
        previous_end = i + 1;
        let signer = above.iter().rev().take(3).any(|l| {
            let s = squash(&l.text);
            SIGNER_WORDS.iter().any(|w| s.starts_with(w))
        });
        if signer {
            continue;
        }
        // "NIR :" or "NIP . :" before the number is its label, read badly.
        let labelled = line.text[..at].contains(':');
        let before = line.text[..at].trim_end().trim_end_matches([':', ' ']);
        let before = before
            .strip_suffix("NIP.")
            .or_else(|| before.strip_suffix("NIP"))
            .unwrap_or(before)
            .trim();
        let (name, name_lines) = match name_part(before).filter(|_| !labelled) {
            Some(n) => (n, vec![line]),
            None => {
                // Back up over the cell's lines to the row number, the table heading, or the
                // "Nama :" of a person block, whose value is the name.
                let mut parts = Vec::new();
                let mut used = vec![line];
                for l in above.iter().rev() {
                    let t = l.text.trim();
                    if t.chars().all(|c| c.is_ascii_digit() || c == '.') {
                        break;
                    }
                    // The number's own label, on a line of its own in a narrow cell, with
                    // whatever the next columns put beside it on a scan.
                    if squash(t).starts_with("NIP") {
                        continue;
                    }
                    if let Some(value) = after_label_sep(t, &["Nama"])
                        .or_else(|| after_label(t, &["Nama"]).filter(|v| name_part(v).is_some()))
                    {
                        parts.push(
                            value
                                .trim()
                                .trim_end_matches([',', ';', '.', ' '])
                                .to_string(),
                        );
                        used.push(l);
                        break;
                    }
                    // A cell holds no "label : value"; such a line is the decree's text.
                    if t.contains(':') {
                        break;
                    }
                    match name_part(t) {
                        Some(p) => {
                            parts.push(p);
                            used.push(l);
                        }
                        None => break,
                    }
                }
                parts.reverse();
                (parts.join(" "), used)
            }
        };
        // A row whose name was not read still holds the subject's NIP.
        out.push((
            i,
            at,
            Listed {
                nip,
                name,
                cell: String::new(),
                lines: name_lines,
            },
        ));
    }
    let nip_lines: Vec<usize> = out.iter().map(|(i, _, _)| *i).collect();
    out.into_iter()
        .enumerate()
        .map(|(k, (i, at, mut row))| {
            let from = if k == 0 { 0 } else { nip_lines[k - 1] + 1 };
            let to = nip_lines.get(k + 1).copied().unwrap_or(lines.len());
            let above = &lines[from.max(i.saturating_sub(ROW_LINES))..i];
            let below = &lines[i + 1..to.min(i + 1 + ROW_LINES)];
            row.cell = above
                .iter()
                .map(|l| l.text.as_str())
                .chain([&lines[i].text[..at]])
                .chain(below.iter().map(|l| l.text.as_str()))
                .flat_map(leading_name_words)
                .collect::<Vec<_>>()
                .join(" ");
            row
        })
        .collect()
}

/// Lines of one table row above or below its NIP's line that may hold the rest of its name.
const ROW_LINES: usize = 2;

/// A scanned table row's name cell holds what the next columns put beside it ("Irfan
/// Lamato, S.IP., M.Si. Pembina Tk. Pelaksana"): the run of its words that is the subject's
/// name, when there is one, else the cell as read.
fn narrowed(cell: &str, subject: Option<&str>) -> Option<String> {
    let name = subject?;
    let words: Vec<&str> = cell.split_whitespace().collect();
    let wanted = name.split_whitespace().count();
    // Of the runs that match, the one closest to the name as typed: a run may take in a
    // neighbour's degree, which the name comparison forgives.
    let typed = name.to_lowercase();
    (wanted.saturating_sub(2).max(1)..=(wanted + 1).min(words.len()))
        .flat_map(|len| (0..=words.len() - len).map(move |start| (start, len)))
        .map(|(start, len)| words[start..start + len].join(" "))
        .filter(|run| names_match(run, name) != NameMatch::Different)
        .min_by_key(|run| edit_distance(&run.to_lowercase(), &typed))
}

/// The listed row's name as the subject's name narrows it: from the whole wrapped cell, else
/// from the NIP's line, else the name as read.
fn row_name(row: &Listed<'_>, subject: Option<&str>) -> String {
    narrowed(&row.cell, subject)
        .or_else(|| narrowed(&row.name, subject))
        .unwrap_or_else(|| row.name.clone())
}

/// The listed person this application is about: by NIP, else by name, else by an NIP one
/// digit off; `None` when the decree does not list them.
fn row_of<'a>(rows: &'a [Listed<'a>], subject: &Subject) -> Option<&'a Listed<'a>> {
    if let Some(nip) = subject.nip
        && let Some(row) = rows.iter().find(|r| r.nip == nip)
    {
        return Some(row);
    }
    if let Some(name) = subject.name
        && let Some(row) = rows
            .iter()
            .filter(|r| !r.name.is_empty())
            .filter(|r| {
                names_match(&r.name, name) != NameMatch::Different
                    || name_distance(&r.name, name) <= 2
            })
            .min_by_key(|r| name_distance(&r.name, name))
    {
        return Some(row);
    }
    // A scan's slip in one digit (or the applicant's): still their row, and the checks then
    // show the two numbers side by side.
    let nip = subject.nip?;
    let mut near = rows.iter().filter(|r| edit_distance(&r.nip, nip) <= 1);
    match (near.next(), near.next()) {
        (Some(row), None) => Some(row),
        _ => None,
    }
}

pub const KEYS: &[&str] = &[
    "number", "date", "about", "name", "nip", "rank", "position", "unit",
];

/// [`extract_for`] with nobody in mind: a decree naming one person.
pub fn extract(read: &ReadText) -> Fields {
    extract_for(read, &Subject::default())
}

pub fn extract_for(read: &ReadText, subject: &Subject) -> Fields {
    let lines = &read.lines;
    let mut f = Fields::with_keys(KEYS);
    if let Some((v, line)) = find_labelled_sep(lines, &["NOMOR", "Nomor"]) {
        let v = v.trim_start_matches(':').trim();
        if v.chars().any(|c| c.is_ascii_digit()) {
            f.set_from("number", v.to_string(), line);
        }
    }
    // "Ditetapkan di Limboto / pada tanggal 2 Maret 2026"; "berlaku pada tanggal ditetapkan"
    // in the diktum has no date, so the first such line that holds one wins.
    let dated = |l: &&crate::text::Line| parse_date(&l.text).is_some();
    if let Some(line) = lines
        .iter()
        .filter(|l| squash(&l.text).contains("PADATANGGAL"))
        .find(dated)
        .or_else(|| lines.iter().rev().find(dated))
        && let Some(d) = parse_date(&line.text)
    {
        f.set_from("date", d, line);
    }
    if let Some(i) = lines.iter().position(|l| squash(&l.text) == "TENTANG") {
        let mut about = Vec::new();
        let mut about_lines = Vec::new();
        for l in lines.iter().skip(i + 1) {
            let s = squash(&l.text);
            if s.starts_with("BUPATI")
                || s.starts_with("DENGANRAHMAT")
                || s.starts_with("MENIMBANG")
                || s.starts_with("WALIKOTA")
            {
                break;
            }
            about.push(l.text.trim().to_string());
            about_lines.push(l);
            if about.len() >= 4 {
                break;
            }
        }
        if let Some(source) = FieldSource::joined(about_lines) {
            let conf = source.conf;
            f.set_with("about", about.join(" "), conf, source);
        }
    }
    // The person appointed is named after MEMUTUSKAN; labels before it belong to the preamble.
    let start = lines
        .iter()
        .position(|l| squash(&l.text).starts_with("MEMUTUSKAN"))
        .unwrap_or(0);
    let body = &lines[start..];
    let rows = listed(lines);
    if rows.len() > 1
        && let Some(row) = row_of(&rows, subject)
    {
        f.set_from_lines("name", row_name(row, subject.name), &row.lines);
        f.set_from_lines("nip", row.nip.clone(), &row.lines);
        return f;
    }
    if let Some((v, line)) = find_labelled_sep(body, &["Nama"]) {
        f.set_from("name", v.trim_end_matches(';').trim().to_string(), line);
    }
    if let Some((v, line)) = find_labelled_sep(body, &["NIP", "N.I.P", "NI PPPK", "NI-PPPK"]) {
        let digits = labelled_nip(v);
        if digits.len() >= 8 {
            f.set_from("nip", digits, line);
        }
    }
    // A PPPK decree has no pangkat, only "Golongan : IX"; the rank is then "Golongan IX".
    if let Some((v, line)) = find_labelled_sep(body, &["Golongan"])
        && find_labelled_sep(body, &["Pangkat"]).is_none()
    {
        f.set_from(
            "rank",
            format!("Golongan {}", v.trim_end_matches(';').trim()),
            line,
        );
    }
    for (key, labels) in [
        (
            "rank",
            &[
                "Pangkat/Gol. Ruang",
                "Pangkat/Golongan",
                "Pangkat/Gol",
                "Pangkat",
            ][..],
        ),
        ("position", &["Jabatan"][..]),
        (
            "unit",
            &["Unit Kerja", "Unit Organisasi", "Satuan Kerja"][..],
        ),
    ] {
        if let Some((v, line)) = find_labelled_sep(body, labels) {
            f.set_from(key, v.trim_end_matches([';']).trim().to_string(), line);
        }
    }
    // A person block the labels did not give (an OCR slip in "NIP . :"): the one person the
    // decree lists with an NIP is its subject.
    if let [row] = rows.as_slice() {
        if f.get("name").is_none() {
            f.set_from_lines("name", row_name(row, subject.name), &row.lines);
        }
        if f.get("nip").is_none() {
            f.set_from_lines("nip", row.nip.clone(), &row.lines);
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::ktp::lines_of;
    use crate::text::Source;

    #[test]
    fn decree_fields() {
        let text = "KEPUTUSAN BUPATI GORONTALO\nNOMOR: 821.2/BKPSDM/123/2024\nTENTANG\nPENGANGKATAN DALAM JABATAN FUNGSIONAL\nPRANATA KOMPUTER\nBUPATI GORONTALO,\nMenimbang : a. bahwa ...\nMEMUTUSKAN:\nMenetapkan :\nKESATU : Mengangkat Pegawai Negeri Sipil:\nNama : Rahmat Hasan Lamato, S.Kom.\nNIP : 19850312 201001 1 003\nPangkat/Gol. Ruang : Penata Muda Tk. I (III/b)\nJabatan : Pranata Komputer Ahli Pertama\nUnit Kerja : Dinas Pendidikan\nDitetapkan di Limboto\npada tanggal 12 Maret 2024\nBUPATI GORONTALO,";
        let f = extract(&ReadText {
            source: Source::PdfText,
            lines: lines_of(text, 1.0),
            shape: None,
            nik_digits: None,
        });
        assert_eq!(f.get("number"), Some("821.2/BKPSDM/123/2024"));
        assert_eq!(f.get("date"), Some("2024-03-12"));
        assert_eq!(
            f.get("about"),
            Some("PENGANGKATAN DALAM JABATAN FUNGSIONAL PRANATA KOMPUTER")
        );
        assert_eq!(f.get("name"), Some("Rahmat Hasan Lamato, S.Kom."));
        assert_eq!(f.get("nip"), Some("198503122010011003"));
        assert_eq!(f.get("rank"), Some("Penata Muda Tk. I (III/b)"));
        assert_eq!(f.get("position"), Some("Pranata Komputer Ahli Pertama"));
        assert_eq!(f.get("unit"), Some("Dinas Pendidikan"));
    }
    fn decree(text: &str) -> ReadText {
        ReadText {
            source: Source::PdfText,
            lines: lines_of(text, 1.0),
            shape: None,
            nik_digits: None,
        }
    }

    /// A Lampiran as a text layer gives it: each cell's lines in turn, "NIP." on a line of its
    /// own, a degree wrapped below the name; an acting Bupati with their own NIP signs.
    const LAMPIRAN: &str = "KEPUTUSAN BUPATI GORONTALO\nNOMOR : 821.3/BKPSDM/625/2022\nTENTANG\nPEMINDAHAN DAN PENGANGKATAN DALAM JABATAN\nMEMUTUSKAN :\nKESATU : Memindahkan pegawai yang namanya tercantum dalam Lampiran.\nDitetapkan di Limboto\npada tanggal 23 Desember 2022\nPj. BUPATI GORONTALO,\nDRS. SOFYAN PUHI, M.SI\nNIP. 197211161992081004\nLAMPIRAN KEPUTUSAN BUPATI GORONTALO\nNo\nNama / NIP\nPangkat/\nGol\n1\nMarlina Tangahu, S.T.\nNIP.\n197705062009122020\nPenata Muda\n2\nDewi\nBumulo,\nS.H.\n197707292006102014\nGolongan IX\n3\nRusli Saputra Tangahu, S.T. 199412142021211001 Penata";

    #[test]
    fn the_subject_is_found_in_a_lampiran_by_nip_then_name() {
        let read = decree(LAMPIRAN);
        let by_nip = extract_for(
            &read,
            &Subject {
                nip: Some("197707292006102014"),
                name: None,
            },
        );
        assert_eq!(by_nip.get("nip"), Some("197707292006102014"));
        assert_eq!(by_nip.get("name"), Some("Dewi Bumulo S.H."));
        let by_name = extract_for(
            &read,
            &Subject {
                nip: Some("19941214202121100"),
                name: Some("Rusli Saputra Tangahu, S.T."),
            },
        );
        assert_eq!(by_name.get("nip"), Some("199412142021211001"));
        assert_eq!(by_name.get("name"), Some("Rusli Saputra Tangahu, S.T."));
        // One digit off (a scan's slip): still the row, its number as printed.
        let near = extract_for(
            &read,
            &Subject {
                nip: Some("197705062009122028"),
                name: None,
            },
        );
        assert_eq!(near.get("name"), Some("Marlina Tangahu, S.T."));
        assert_eq!(near.get("nip"), Some("197705062009122020"));
        // Nobody of that name or number: the signer is never taken for the subject.
        let stranger = extract_for(
            &read,
            &Subject {
                nip: Some("199001012015031001"),
                name: Some("Sofyan Puhi"),
            },
        );
        assert_eq!(stranger.get("nip"), None);
        assert_eq!(stranger.get("name"), None);
    }

    #[test]
    fn a_wrapped_name_cell_of_a_scanned_table_is_read_whole() {
        // Page mode on a 300-dpi scan: each cell's lines interleave with the next columns'.
        let text = "LAMPIRAN KEPUTUSAN BUPATI GORONTALO\nNo Nama NIP Pangkat/ Jabatan\nGol Lama\nAbdul : Penata\n1 Katili, 198801082011021007 Muda Tk. I Pelaksana\n'S.Ak. . (HI/b)\nRoni Fajar . | Penata\n2 Bumulo, 199801122023031001 Muda Pelaksana\nS.T. Ita)\nJabatan Baru Unit Kerja";
        let subject = Subject {
            nip: Some("199801122023031001"),
            name: Some("Roni Fajar Bumulo, S.T."),
        };
        let f = extract_for(&decree(text), &subject);
        assert_eq!(f.get("name"), Some("Roni Fajar Bumulo, S.T."));
        let other = Subject {
            nip: Some("198801082011021007"),
            name: Some("Abdul Katili, S.Ak."),
        };
        assert_eq!(
            extract_for(&decree(text), &other).get("name"),
            Some("Abdul Katili, S.Ak.")
        );
    }

    #[test]
    fn a_scanned_person_block_reads_through_specks_and_skips_the_signer() {
        let text = "MEMUTUSKAN :\nKESATU : Mengangkat Pegawai Negeri Sipil :\nNama . : Anwar Dunggio, S.Pd.\nNIP . : \u{201d}199806172024031019\nJabatan : Guru Ahli Pertama\nDitetapkan di Limboto\npada tanggal 9 September 2024\nPj. BUPATI GORONTALO,\nNIP. 196806061993091031";
        let f = extract(&decree(text));
        assert_eq!(f.get("name"), Some("Anwar Dunggio, S.Pd."));
        assert_eq!(f.get("nip"), Some("199806172024031019"));
        // A speck before the number read as a digit; the 18 digits after it are the NIP.
        let speck = text.replace("\u{201d}1998", "51998");
        assert_eq!(
            extract(&decree(&speck)).get("nip"),
            Some("199806172024031019")
        );
        let specks = text.replace("\u{201d}1998", "0 . \u{201c}3 1998");
        assert_eq!(
            extract(&decree(&specks)).get("nip"),
            Some("199806172024031019")
        );
        // A scanned row whose name cell caught the next columns' words.
        assert_eq!(
            narrowed(
                "Irfan Syahputra Lamato, S.IP., M.Si. Pembina Tk. Pelaksana",
                Some("Irfan Syahputra Lamato, S.IP., M.Si.")
            )
            .as_deref(),
            Some("Irfan Syahputra Lamato, S.IP., M.Si.")
        );
    }
}
