//! Stage 5 for SK Jabatan: the decree's number, date and subject, and the person it names.

use super::fields::{FieldSource, Fields, find_labelled_sep, parse_date, squash};
use super::ktp::number_of;
use crate::text::ReadText;

pub const KEYS: &[&str] = &[
    "number", "date", "about", "name", "nip", "rank", "position", "unit",
];

pub fn extract(read: &ReadText) -> Fields {
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
    if let Some((v, line)) = find_labelled_sep(body, &["Nama"]) {
        f.set_from("name", v.trim_end_matches(';').trim().to_string(), line);
    }
    if let Some((v, line)) = find_labelled_sep(body, &["NIP", "N.I.P", "NI PPPK", "NI-PPPK"]) {
        let digits = number_of(v);
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
}
