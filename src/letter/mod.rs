//! The recommendation letter (surat rekomendasi, SOP step 4): its template from
//! `rules/letter.toml`, the applicant's data it is filled with, and the two files made from them —
//! a PDF for BSrE eSign ([`render_pdf`]) and a DOCX for SRIKANDI ([`render_docx`]).
//!
//! Template text holds two kinds of slots. `{nama}`-style fields are filled by sertel from the
//! case; `${nomor_naskah}`-style placeholders belong to SRIKANDI, which fills them when the letter
//! is numbered and signed, so sertel writes them out verbatim.

pub mod docx;
pub mod layout;
pub mod pdf;
pub mod stamp;
mod subset;
mod template;

pub use template::*;

pub use crate::applicant::fields::{ApplicantFields, Field};

pub use docx::render_docx;
pub use pdf::render_pdf;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rulefile::RulesError;

    fn parse(text: &str) -> Result<LetterTemplate, RulesError> {
        LetterTemplate::builtin(text)
    }

    const SHIPPED: &str = include_str!("../../rules/letter.toml");

    #[test]
    fn shipped_template_parses_with_every_placeholder() {
        let t = parse(SHIPPED).unwrap();
        assert!(t.heading[0].1.has(Placeholder::NomorNaskah));
        assert_eq!(t.rows.len(), 8);
    }

    /// The shipped template with the first `from` outside the comments replaced by `to`.
    fn edit(from: &str, to: &str) -> String {
        let mut done = false;
        let mut out: Vec<String> = Vec::new();
        for line in SHIPPED.lines() {
            if !done && !line.trim_start().starts_with('#') && line.contains(from) {
                out.push(line.replacen(from, to, 1));
                done = true;
            } else {
                out.push(line.to_string());
            }
        }
        assert!(done, "{from} not in the template");
        out.join("\n")
    }

    fn line_containing(text: &str, needle: &str) -> usize {
        text.lines().position(|l| l.contains(needle)).unwrap() + 1
    }

    #[test]
    fn unknown_field_names_file_and_line() {
        let broken = edit("{nama}", "{nama_lengkap}");
        let err = parse(&broken).unwrap_err();
        let line = line_containing(&broken, "{nama_lengkap}");
        assert_eq!(err.line(), Some(line), "{err}");
        assert!(
            err.to_string().starts_with(&format!(
                "rules/letter.toml:{line}: unknown field {{nama_lengkap}}"
            )),
            "{err}"
        );
    }

    #[test]
    fn misspelled_placeholder_names_its_line() {
        let broken = edit("${nomor_naskah}", "${nomer_naskah}");
        let err = parse(&broken).unwrap_err();
        assert_eq!(
            err.line(),
            Some(line_containing(&broken, "${nomer_naskah}")),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("unknown placeholder ${nomer_naskah}"),
            "{err}"
        );

        let hash = edit("${ttd_pengirim}", "#{ttd_pengirim}");
        let err = parse(&hash).unwrap_err();
        assert_eq!(
            err.line(),
            Some(line_containing(&hash, "#{ttd_pengirim}")),
            "{err}"
        );
        assert!(err.to_string().contains("must be written $"), "{err}");

        let unclosed = edit("${nip_pengirim}", "${nip_pengirim");
        let err = parse(&unclosed).unwrap_err();
        assert_eq!(
            err.line(),
            Some(line_containing(&unclosed, "${nip_pengirim\"")),
            "{err}"
        );
    }

    #[test]
    fn missing_placeholder_names_the_key_line() {
        let broken = edit("${nama_pengirim}", "Nama Kepala Dinas");
        let err = parse(&broken).unwrap_err();
        assert_eq!(err.line(), Some(line_of_key(&broken, "signer")), "{err}");
        assert!(err.to_string().contains("${nama_pengirim}"), "{err}");
        assert!(line_of_key(&broken, "signer") > 1);

        let no_number = edit("${nomor_naskah}", "");
        let err = parse(&no_number).unwrap_err();
        assert_eq!(err.line(), Some(line_of_key(&no_number, "number")), "{err}");
    }

    #[test]
    fn unknown_key_is_refused() {
        let broken = SHIPPED.replacen("[heading]", "[heading]\ncolour = \"red\"", 1);
        let err = parse(&broken).unwrap_err();
        assert_eq!(
            err.line(),
            Some(line_containing(&broken, "colour")),
            "{err}"
        );
    }

    #[test]
    fn runs_keep_placeholders_whole() {
        let t = Text::parse("NIP. ${nip_pengirim} {nama}").unwrap();
        let data = sample();
        let runs = t.runs(&data);
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[1].text, "${nip_pengirim}");
        assert!(runs[1].placeholder);
        assert_eq!(
            t.fill(&data),
            format!("NIP. ${{nip_pengirim}} {}", data.name)
        );
    }

    fn record() -> ApplicantFields {
        ApplicantFields {
            name: Some("Siti Nur'aini".into()),
            nik: Some("7501034506900002".into()),
            nip: Some("199006052015032002".into()),
            position: Some("Analis Kebijakan".into()),
            rank: Some("Penata (III/c)".into()),
            unit: Some("Bappeda".into()),
            phone: Some("0812-3456-7890".into()),
            email: Some("siti@gorontalokab.go.id".into()),
        }
    }

    fn sample() -> LetterData {
        LetterData::from_fields(&record()).unwrap()
    }

    #[test]
    fn data_from_record_types_the_fields() {
        let d = sample();
        assert_eq!(d.value(Field::Nik), "7501034506900002");
        assert_eq!(d.value(Field::Nip), "19900605 201503 2 002");
        assert_eq!(d.value(Field::Hp), "081234567890");
    }

    #[test]
    fn missing_and_invalid_fields_are_listed_in_indonesian() {
        let mut r = record();
        r.rank = None;
        r.unit = Some("  ".into());
        r.nik = Some("123".into());
        let err = LetterData::from_fields(&r).unwrap_err();
        assert_eq!(err.missing, vec![Field::Pangkat, Field::Unit]);
        assert_eq!(err.invalid.len(), 1);
        let k = err.keterangan();
        assert!(k.contains("Pangkat/Golongan, Unit Kerja"), "{k}");
        assert!(k.contains("NIK tidak sah (NIK harus 16 digit"), "{k}");
    }
}
