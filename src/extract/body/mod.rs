//! Form fields an applicant typed into the email body: Nama, NIK, NIP, Jabatan, Pangkat, Unit
//! Kerja, No. HP and Email, from labelled lines or free prose, taken from the applicant's own
//! block of a forwarded or replied message.
//!
//! Values are kept as written (trimmed, trailing punctuation removed) so the checklist can
//! explain what is wrong with them; NIK and NIP are the digit run with separators removed.

use std::cmp::Reverse;
use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::applicant::Field;

mod labels;
mod prose;

use labels::*;
use prose::*;

/// The fields as the applicant typed them into the mail body.
pub type BodyForm = crate::applicant::ApplicantFields;

/// Reads the applicant's form fields from a plain-text body (HTML already converted).
///
/// Quoted lines ("> …") are read only when the rest of the body yields nothing.
pub fn form_from_body(text: &str) -> BodyForm {
    let cleaned = clean_text(text);
    let lines: Vec<&str> = cleaned.split('\n').collect();
    form_from_lines(&lines)
}

fn form_from_lines(lines: &[&str]) -> BodyForm {
    let mut own = Vec::with_capacity(lines.len());
    let mut quoted = Vec::new();
    for line in lines {
        match line.trim_start().strip_prefix('>') {
            Some(rest) => {
                quoted.push(rest.strip_prefix(' ').unwrap_or(rest));
                // Keeps the text around a quotation in separate paragraphs.
                own.push("");
            }
            None => own.push(*line),
        }
    }
    let form = Message::read(&own).form();
    if form == BodyForm::default() && !quoted.is_empty() {
        form_from_lines(&quoted)
    } else {
        form
    }
}

#[derive(Debug)]
struct Line {
    text: String,
    block: usize,
    /// Below a closing ("Hormat kami", "Terima kasih"): the writer's signature.
    after_closing: bool,
}

/// One message of a forward or reply chain.
#[derive(Debug, Default)]
struct Block {
    /// Written by someone passing the application on ("kami teruskan", "a.n."), so its
    /// signature is theirs, not the applicant's.
    forwarding: bool,
}

struct Message {
    lines: Vec<Line>,
    blocks: Vec<Block>,
}

// ---------------------------------------------------------------------------------------------
// Labels. Each field's label words; "/"-joined combinations ("No. HP/WA", "Pangkat/Gol.") of a
// field's own words are accepted too.

// ---------------------------------------------------------------------------------------------
// Message structure.

static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)^(?:-{2,}\s*(?:forwarded\s+message|pesan\s+terusan|pesan\s+yang\s+diteruskan|original\s+message|pesan\s+asli)\s*-{2,}|begin\s+forwarded\s+message\s*:?|_{10,}|(?:on|pada)\s.{0,300}\s(?:wrote|menulis)\s*:)$",
    )
});
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)^(?:from|dari|date|tanggal|sent|dikirim|subject|subjek|perihal|to|kepada|cc|bcc|reply-to)\s*:",
    )
});
static FROM_HEADER: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i)^(?:from|dari)\s*:"));
static CLOSING: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)^(?:(?P<thanks>terima\s*kasih|makasih|thanks|thank\s+you)|hormat\s+(?:saya|kami)|salam(?:\s+hormat)?|wassalam\S*|regards|best\s+regards|tertanda|ttd\.?)\b(?P<rest>.*)$",
    )
});
static FORWARDING: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\b(?:teruskan|diteruskan|meneruskan|kami\s+sampaikan)\b"));
/// "a.n. Siti …", "atas nama Siti …": on someone's behalf, unless it is "atas nama saya".
static ON_BEHALF: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)(?:\ba\.\s?n(?:\.|\b)|\ba\s?/\s?n\b|\batas\s+nama\b)[\s:]*(?P<next>\w*)")
});

impl Message {
    /// Splits the lines into blocks at forward/reply markers and header runs, dropping those
    /// headers and anything below a "-- " signature delimiter.
    fn read(raw: &[&str]) -> Message {
        let texts: Vec<String> = raw.iter().map(|l| strip_markdown(l.trim())).collect();
        let header_like: Vec<bool> = texts.iter().map(|t| HEADER.is_match(t)).collect();
        let unmarked_headers = header_runs(&texts, &header_like);

        let mut lines = Vec::with_capacity(raw.len());
        let mut blocks = vec![Block::default()];
        let (mut header_zone, mut signature, mut after_closing) = (false, false, false);
        for (i, text) in texts.iter().enumerate() {
            let marker = MARKER.is_match(raw[i].trim()) || MARKER.is_match(text);
            if marker || (unmarked_headers[i] && !header_zone) {
                blocks.push(Block::default());
                (header_zone, signature, after_closing) = (true, false, false);
                if marker {
                    continue;
                }
            }
            if header_zone {
                if header_like[i] || text.is_empty() {
                    continue;
                }
                header_zone = false;
            }
            if text == "--" {
                signature = true;
            }
            if signature {
                continue;
            }
            if is_closing(text) {
                after_closing = true;
            }
            let block = blocks.len() - 1;
            if !after_closing && is_forwarding(text) {
                blocks[block].forwarding = true;
            }
            lines.push(Line {
                text: text.clone(),
                block,
                after_closing,
            });
        }
        Message { lines, blocks }
    }

    fn form(&self) -> BodyForm {
        let mut candidates = Vec::new();
        self.line_candidates(&mut candidates);
        self.prose_candidates(&mut candidates);
        let Some((anchor_block, anchor_line)) = self.anchor(&candidates) else {
            return BodyForm::default();
        };
        let pick = |field: Field| -> Option<&Candidate> {
            let eligible = candidates.iter().filter(|c| {
                let line = &self.lines[c.line];
                c.field == field
                    && !(line.after_closing
                        && (line.block != anchor_block || self.blocks[line.block].forwarding))
            });
            let (own, other): (Vec<&Candidate>, Vec<&Candidate>) =
                eligible.partition(|c| self.lines[c.line].block == anchor_block);
            own.into_iter()
                .max_by_key(|c| {
                    (
                        c.strength,
                        Reverse(c.line.abs_diff(anchor_line)),
                        Reverse(c.line),
                    )
                })
                .or_else(|| {
                    other.into_iter().max_by_key(|c| {
                        let block = self.lines[c.line].block;
                        (
                            c.strength,
                            Reverse(block.abs_diff(anchor_block)),
                            Reverse(c.line),
                        )
                    })
                })
        };
        let mut form = BodyForm::default();
        for field in Field::ALL {
            *form.slot(field) = pick(field).map(|chosen| match field {
                Field::Pangkat => joined_rank(&candidates, chosen),
                _ => chosen.value.clone(),
            });
        }
        form
    }

    /// The applicant's block and line: the block holding a NIK (the one with most fields if
    /// several do), else the block with most fields; the NIK's line within it.
    fn anchor(&self, candidates: &[Candidate]) -> Option<(usize, usize)> {
        let mut fields: Vec<HashSet<Field>> = vec![HashSet::new(); self.blocks.len()];
        for c in candidates {
            let line = &self.lines[c.line];
            if !line.after_closing {
                fields[line.block].insert(c.field);
            }
        }
        let block = (0..self.blocks.len())
            .filter(|b| !fields[*b].is_empty())
            .max_by_key(|b| {
                (
                    fields[*b].contains(&Field::Nik),
                    fields[*b].len(),
                    Reverse(*b),
                )
            })
            .or_else(|| candidates.first().map(|c| self.lines[c.line].block))?;
        let in_block = || {
            candidates
                .iter()
                .filter(move |c| self.lines[c.line].block == block)
        };
        let line = in_block()
            .filter(|c| c.field == Field::Nik)
            .max_by_key(|c| (c.strength, Reverse(c.line)))
            .or_else(|| in_block().min_by_key(|c| c.line))
            .map(|c| c.line)?;
        Some((block, line))
    }

    fn line_candidates(&self, out: &mut Vec<Candidate>) {
        let mut found = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            for hit in label_hits(&line.text) {
                let value = if is_blank_value(&hit.value) {
                    match self.value_below(i) {
                        Some(v) => v,
                        None => continue,
                    }
                } else {
                    hit.value
                };
                let strict = hit.strength == Strength::Unpunctuated;
                let value = match hit.field {
                    Field::Nik | Field::Nip => digits_value(&value, strict),
                    Field::Hp => phone_value(&value, strict),
                    Field::Surel => email_value(&value, !strict),
                    Field::Nama | Field::Jabatan | Field::Pangkat | Field::Unit => {
                        clean_value(without_trailing_prose(without_text_filler(&value)))
                    }
                };
                if let Some(value) = value {
                    found.push(Candidate {
                        field: hit.field,
                        value,
                        strength: hit.strength,
                        line: i,
                    });
                }
            }
        }
        // A label word opening a line without a colon ("Jabatan yang saya emban …") only
        // counts inside a form: a field whose value has a shape of its own (or a colon) must
        // be close by.
        let unproven = |c: &Candidate| {
            c.strength == Strength::Unpunctuated
                && matches!(
                    c.field,
                    Field::Nama | Field::Jabatan | Field::Pangkat | Field::Unit
                )
        };
        let supported = |c: &Candidate| {
            found.iter().any(|other| {
                !unproven(other)
                    && self.lines[other.line].block == self.lines[c.line].block
                    && other.line.abs_diff(c.line) <= 3
            })
        };
        let keep: Vec<bool> = found.iter().map(|c| !unproven(c) || supported(c)).collect();
        out.extend(
            found
                .into_iter()
                .zip(keep)
                .filter_map(|(c, keep)| keep.then_some(c)),
        );
    }

    /// The value of a label standing alone ("Nama :" then "Rahmat …" on the next line, as
    /// tables come out of HTML).
    fn value_below(&self, i: usize) -> Option<String> {
        let block = self.lines[i].block;
        self.lines[i + 1..]
            .iter()
            .take_while(|l| l.block == block && !l.text.trim().is_empty())
            .find(|l| !is_blank_value(&l.text))
            .filter(|l| label_hits(&l.text).is_empty())
            .map(|l| l.text.trim().to_string())
    }

    fn prose_candidates(&self, out: &mut Vec<Candidate>) {
        let mut i = 0;
        while i < self.lines.len() {
            if self.lines[i].text.trim().is_empty() {
                i += 1;
                continue;
            }
            let block = self.lines[i].block;
            let mut paragraph = Paragraph::default();
            while i < self.lines.len()
                && self.lines[i].block == block
                && !self.lines[i].text.trim().is_empty()
            {
                paragraph.push(&self.lines[i].text, i);
                i += 1;
            }
            paragraph.scan(out);
        }
    }
}

/// "Pangkat : Penata" and "Gol : III/c" on neighbouring lines (or one line) are one rank:
/// their values joined, in the order written.
fn joined_rank(candidates: &[Candidate], chosen: &Candidate) -> String {
    if chosen.strength == Strength::Prose {
        return chosen.value.clone();
    }
    let mut parts: Vec<&str> = Vec::new();
    for c in candidates {
        let neighbour = c.field == Field::Pangkat
            && c.strength == chosen.strength
            && c.line.abs_diff(chosen.line) <= 1;
        if neighbour && !parts.contains(&c.value.as_str()) {
            parts.push(&c.value);
        }
    }
    parts.join(", ")
}

/// Runs of two or more header lines, one of them From/Dari: a forwarded or replied message's
/// header without a marker line above it (Outlook).
fn header_runs(texts: &[String], header_like: &[bool]) -> Vec<bool> {
    let mut runs = vec![false; texts.len()];
    let mut i = 0;
    while i < texts.len() {
        let start = i;
        while i < texts.len() && header_like[i] {
            i += 1;
        }
        if i - start >= 2 && texts[start..i].iter().any(|t| FROM_HEADER.is_match(t)) {
            runs[start..i].fill(true);
        }
        if i == start {
            i += 1;
        }
    }
    runs
}

/// "Hormat kami," or "Terima kasih atas perhatiannya." on a line of its own; "Salam sejahtera
/// …" opening a letter is a greeting, not a closing.
fn is_closing(text: &str) -> bool {
    CLOSING.captures(text).is_some_and(|caps| {
        let rest = caps.name("rest").map_or("", |m| m.as_str());
        if caps.name("thanks").is_some() {
            rest.chars().count() <= 30
                && !rest.contains(':')
                && !rest.to_lowercase().contains("berikut")
        } else {
            rest.chars()
                .all(|c| c.is_whitespace() || c.is_ascii_punctuation())
        }
    })
}

fn is_forwarding(text: &str) -> bool {
    FORWARDING.is_match(text)
        || ON_BEHALF.captures_iter(text).any(|caps| {
            caps.name("next")
                .is_some_and(|m| !m.as_str().is_empty() && !m.as_str().eq_ignore_ascii_case("saya"))
        })
}

// ---------------------------------------------------------------------------------------------
// Labelled lines.

// ---------------------------------------------------------------------------------------------
// Values.

// ---------------------------------------------------------------------------------------------
// Prose.

// ---------------------------------------------------------------------------------------------
// Text clean-up.

/// Line ends unified, zero-width characters removed, other spaces (U+00A0 …) made plain.
fn clean_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\r' => Some('\n'),
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => None,
            '\n' | '\t' => Some(c),
            c if c.is_whitespace() => Some(' '),
            c => Some(c),
        })
        .collect()
}

/// Removes markdown-ish emphasis: every '*', and '_' unless it sits inside a word or address
/// ("siti_abas@…").
fn strip_markdown(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    for (i, &c) in chars.iter().enumerate() {
        let inside_word = || {
            i > 0
                && chars[i - 1].is_alphanumeric()
                && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())
        };
        match c {
            '*' => {}
            '_' if !inside_word() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Name, NIK, NIP, position, rank, unit, phone, email.
    fn form(values: [Option<&str>; 8]) -> BodyForm {
        let [name, nik, nip, position, rank, unit, phone, email] =
            values.map(|v| v.map(str::to_string));
        BodyForm {
            name,
            nik,
            nip,
            position,
            rank,
            unit,
            phone,
            email,
        }
    }

    // All people, numbers and addresses below are invented.

    #[test]
    fn labelled_form_with_colons() {
        let body = "Yth. Admin TTE,\n\nNama : Rahmat Hasan Lamato, S.Kom.\nNIK : 7502011203850001\n\
                    NIP : 19850312 201001 1 003\nJabatan : Pranata Komputer Ahli Muda\n\
                    Pangkat/Golongan : Penata / III.c\nUnit Kerja : Dinas Pendidikan\n\
                    No. HP : 0812-3456-7890\nEmail : rahmat.lamato@gorontalokab.go.id\n\nTerima kasih.";
        assert_eq!(
            form_from_body(body),
            form([
                Some("Rahmat Hasan Lamato, S.Kom."),
                Some("7502011203850001"),
                Some("198503122010011003"),
                Some("Pranata Komputer Ahli Muda"),
                Some("Penata / III.c"),
                Some("Dinas Pendidikan"),
                Some("0812-3456-7890"),
                Some("rahmat.lamato@gorontalokab.go.id")
            ])
        );
    }

    #[test]
    fn numbered_bullets_and_odd_spacing() {
        let body = "Berikut data saya:\n1. Nama Lengkap   :   Siti Nurhaliza Abas, S.Pd.\n\
                    2. N I K : 7571 0245 1192 0133\n3. N.I.P : 19921105 201903 2 004\n\
                    4. Jabatan : Guru Ahli Pertama\n5. Pangkat/Gol. Ruang : Penata Muda, III/a\n\
                    6. Satuan Kerja : SDN 1 Limboto\n7. No. HP/WA : +62 852-1111-2222\n\
                    8. E-mail : siti.abas@gmail.com";
        assert_eq!(
            form_from_body(body),
            form([
                Some("Siti Nurhaliza Abas, S.Pd."),
                Some("7571024511920133"),
                Some("199211052019032004"),
                Some("Guru Ahli Pertama"),
                Some("Penata Muda, III/a"),
                Some("SDN 1 Limboto"),
                Some("+62 852-1111-2222"),
                Some("siti.abas@gmail.com")
            ])
        );
    }

    #[test]
    fn labels_without_colons() {
        let body = "Nama Yusuf Mohamad\nNIK 7502011506900002\nNIP 199006152015031001\n\
                    Jabatan Analis Kepegawaian\nGolongan III/b\nOPD Badan Kepegawaian Daerah\n\
                    HP 081355556666";
        assert_eq!(
            form_from_body(body),
            form([
                Some("Yusuf Mohamad"),
                Some("7502011506900002"),
                Some("199006152015031001"),
                Some("Analis Kepegawaian"),
                Some("III/b"),
                Some("Badan Kepegawaian Daerah"),
                Some("081355556666"),
                None
            ])
        );
    }

    #[test]
    fn tabs_and_tables() {
        let body = "Nama\t\tFatma Dali\nNIK\t:\t7504034508880005\n| NIP | 19880805 201101 2 007 |\n\
                    | Unit Kerja | Kecamatan Tapa |\nTelepon\t0813-2222-3333";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Fatma Dali"));
        assert_eq!(got.nik.as_deref(), Some("7504034508880005"));
        assert_eq!(got.nip.as_deref(), Some("198808052011012007"));
        assert_eq!(got.unit.as_deref(), Some("Kecamatan Tapa"));
        assert_eq!(got.phone.as_deref(), Some("0813-2222-3333"));
    }

    #[test]
    fn label_and_value_on_separate_lines() {
        let body = "Nama\nArif Bone\nNIK\n7502021010800007\nJabatan :\nKepala Seksi Data\n\
                    Instansi\nDinas Kominfo";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Arif Bone"));
        assert_eq!(got.nik.as_deref(), Some("7502021010800007"));
        assert_eq!(got.position.as_deref(), Some("Kepala Seksi Data"));
        assert_eq!(got.unit.as_deref(), Some("Dinas Kominfo"));
    }

    #[test]
    fn several_fields_on_one_line() {
        let body = "Mohon dibuatkan TTE. Nama: Dewi Sartika Hulu, S.Tr.Kes., NIK: 7503015507950001, \
                    NIP: 19950715 202012 2 001, Jabatan: Perawat Ahli Pertama, Unit Kerja: RSUD Tani dan Nelayan";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Dewi Sartika Hulu, S.Tr.Kes."));
        assert_eq!(got.nik.as_deref(), Some("7503015507950001"));
        assert_eq!(got.nip.as_deref(), Some("199507152020122001"));
        assert_eq!(got.position.as_deref(), Some("Perawat Ahli Pertama"));
        assert_eq!(got.unit.as_deref(), Some("RSUD Tani dan Nelayan"));
    }

    #[test]
    fn free_prose_application() {
        let body = "Yth. Kepala Dinas Kominfo\n\nSaya yang bertanda tangan di bawah ini, Rahmat Hasan Lamato, S.Kom., \
                    NIK 7502011203850001, NIP 19850312 201001 1 003, Jabatan Pranata Komputer Ahli Muda pada \
                    Dinas Pendidikan, mengajukan permohonan penerbitan sertifikat elektronik. Nomor HP yang dapat \
                    dihubungi 0812-3456-7890.\n\nHormat saya,\nRahmat";
        assert_eq!(
            form_from_body(body),
            form([
                Some("Rahmat Hasan Lamato, S.Kom."),
                Some("7502011203850001"),
                Some("198503122010011003"),
                Some("Pranata Komputer Ahli Muda"),
                None,
                Some("Dinas Pendidikan"),
                Some("0812-3456-7890"),
                None
            ])
        );
    }

    #[test]
    fn prose_wrapped_by_the_mail_client() {
        let body = "Saya yang bertanda tangan dibawah ini Nur Hayati Daud, A.Md.Kep., NIK\n\
                    7571024407930002, NIP 19930704 201902 2\n003, pangkat Pengatur / II.c, jabatan\n\
                    Perawat Terampil di Puskesmas Kota Tengah, mengajukan permohonan TTE.\n\
                    WA saya 0853 4444 5555";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Nur Hayati Daud, A.Md.Kep."));
        assert_eq!(got.nik.as_deref(), Some("7571024407930002"));
        assert_eq!(got.nip.as_deref(), Some("199307042019022003"));
        assert_eq!(got.rank.as_deref(), Some("Pengatur / II.c"));
        assert_eq!(got.position.as_deref(), Some("Perawat Terampil"));
        assert_eq!(got.unit.as_deref(), Some("Puskesmas Kota Tengah"));
        assert_eq!(got.phone.as_deref(), Some("0853 4444 5555"));
    }

    #[test]
    fn prose_unit_after_di_lingkungan() {
        let body = "Dengan hormat, saya Ikbal Lasena, NIP 198701102010011002, staf di lingkungan \
                    Sekretariat Daerah Kabupaten Gorontalo, memohon dibuatkan sertifikat elektronik.";
        let got = form_from_body(body);
        assert_eq!(got.nip.as_deref(), Some("198701102010011002"));
        assert_eq!(
            got.unit.as_deref(),
            Some("Sekretariat Daerah Kabupaten Gorontalo")
        );
        assert_eq!(got.name, None);
    }

    #[test]
    fn pada_the_desk_is_not_the_unit() {
        let body = "Saya mengajukan permohonan sertifikat elektronik pada Dinas Kominfo. NIK 7502011203850001.";
        let got = form_from_body(body);
        assert_eq!(got.unit, None);
        assert_eq!(got.nik.as_deref(), Some("7502011203850001"));
    }

    #[test]
    fn gmail_forward_by_subbag_umum() {
        let body = "Yth. Admin TTE Diskominfo,\n\nBersama ini kami teruskan permohonan a.n. Siti Nurhaliza Abas \
                    untuk diproses.\n\nTerima kasih.\nSalam,\nSubbag Umum dan Kepegawaian\n\
                    Dinas Pendidikan Kab. Gorontalo\nTelp. (0435) 881234\nEmail: umum.dikbud@gorontalokab.go.id\n\n\
                    ---------- Forwarded message ---------\nFrom: Siti Nurhaliza Abas <siti.abas@gmail.com>\n\
                    Date: Sen, 3 Mar 2025 pukul 09.12\nSubject: Permohonan TTE a.n. Siti\n\
                    To: <umum.dikbud@gorontalokab.go.id>\n\nSelamat pagi, mohon dibantu pengajuan TTE.\n\
                    Nama : Siti Nurhaliza Abas, S.Pd.\nNIK : 7571024511920133\nNIP : 19921105 201903 2 004\n\
                    Jabatan : Guru Ahli Pertama\nUnit Kerja : SDN 1 Limboto\n";
        assert_eq!(
            form_from_body(body),
            form([
                Some("Siti Nurhaliza Abas, S.Pd."),
                Some("7571024511920133"),
                Some("199211052019032004"),
                Some("Guru Ahli Pertama"),
                None,
                Some("SDN 1 Limboto"),
                None,
                None
            ])
        );
    }

    #[test]
    fn forwarder_name_only_with_fields_below() {
        let body = "Bersama ini kami teruskan permohonan a.n. Moh. Ikbal Biki, S.E. untuk diproses.\n\n\
                    -----Original Message-----\nFrom: ikbal <ikbal.biki@yahoo.co.id>\nSent: Monday, March 3, 2025 8:00 AM\n\
                    To: umum@gorontalokab.go.id\nSubject: TTE\n\nNIK 7502020203890004\nNIP 198903022014021001\n\
                    No HP 0821-7777-8888";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Moh. Ikbal Biki, S.E."));
        assert_eq!(got.nik.as_deref(), Some("7502020203890004"));
        assert_eq!(got.nip.as_deref(), Some("198903022014021001"));
        assert_eq!(got.phone.as_deref(), Some("0821-7777-8888"));
        assert_eq!(got.email, None);
    }

    #[test]
    fn outlook_headers_without_marker() {
        let body = "Mohon diproses.\n\nFrom: Fatma Dali\nSent: Selasa, 4 Maret 2025\nTo: tte@example.go.id\n\
                    Subject: Nama: Bukan Pemohon\n\nNama: Fatma Dali, S.E., M.M.\nNIK: 7504034508880005";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Fatma Dali, S.E., M.M."));
        assert_eq!(got.nik.as_deref(), Some("7504034508880005"));
    }

    #[test]
    fn label_twice_prefers_the_nik_block() {
        let body = "Nama : Budi Santoso (admin)\nNo HP : 0811-0000-1111\n\n\
                    ---------- Pesan terusan ---------\nDari: Wahyuni Kadir <wahyuni@gmail.com>\n\
                    Tanggal: 5 Mar 2025\nSubjek: TTE\nKepada: admin\n\n\
                    Nama : Wahyuni Kadir, SE\nNIK : 7505016609870003\nNo HP : 0852-9999-0000";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Wahyuni Kadir, SE"));
        assert_eq!(got.phone.as_deref(), Some("0852-9999-0000"));
        assert_eq!(got.nik.as_deref(), Some("7505016609870003"));
    }

    #[test]
    fn forwarder_signature_in_the_same_block_is_ignored() {
        let body = "Kami teruskan permohonan berikut:\nNama: Ayu Lestari Pakaya\nNIK: 7502015203960002\n\n\
                    Hormat kami,\nAdmin Subbag Umum\nHP: 0813-1212-3434\nEmail: admin.umum@gmail.com";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Ayu Lestari Pakaya"));
        assert_eq!(got.phone, None);
        assert_eq!(got.email, None);
    }

    #[test]
    fn applicant_signature_counts_in_a_self_application() {
        let body = "Mohon dibuatkan sertifikat elektronik.\nNIK: 7502011203850001\n\nHormat saya,\n\
                    Rahmat Hasan Lamato\nNIP. 19850312 201001 1 003\nHP 0812-3456-7890";
        let got = form_from_body(body);
        assert_eq!(got.nip.as_deref(), Some("198503122010011003"));
        assert_eq!(got.phone.as_deref(), Some("0812-3456-7890"));
    }

    #[test]
    fn quoted_reply_ignored_when_new_text_has_fields() {
        let body = "NIP saya 198503122010011003\n\nPada tanggal 3 Mar 2025, Admin <tte@example.go.id> menulis:\n\
                    > Nama : Contoh Nama\n> NIK : 7502010101900001\n> NIP : isi di sini";
        let got = form_from_body(body);
        assert_eq!(got.nip.as_deref(), Some("198503122010011003"));
        assert_eq!(got.nik, None);
        assert_eq!(got.name, None);
    }

    #[test]
    fn quoted_reply_used_when_nothing_else() {
        let body = "Mohon dicek.\n\n> Nama : Arif Bone\n> NIK : 7502021010800007\n>> No. HP : 0812 1111 2222";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Arif Bone"));
        assert_eq!(got.nik.as_deref(), Some("7502021010800007"));
        assert_eq!(got.phone, None);
    }

    #[test]
    fn nested_quotes_as_last_resort() {
        let body = ">> NIK : 7502021010800007";
        assert_eq!(
            form_from_body(body).nik.as_deref(),
            Some("7502021010800007")
        );
    }

    #[test]
    fn signature_after_dash_dash_is_ignored() {
        let body = "Nama: Arif Bone\nNIK: 7502021010800007\n-- \nArif Bone\nHP: 0812-0000-9999\nJabatan: Kepala Bidang";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Arif Bone"));
        assert_eq!(got.phone, None);
        assert_eq!(got.position, None);
    }

    #[test]
    fn placeholders_are_none() {
        let body = "Nama: Yusuf Mohamad\nNIK: -\nNIP : (belum ada)\nJabatan : -\nPangkat: belum ada\n\
                    No HP: ...\nEmail : -";
        assert_eq!(
            form_from_body(body),
            form([
                Some("Yusuf Mohamad"),
                None,
                None,
                None,
                None,
                None,
                None,
                None
            ])
        );
    }

    #[test]
    fn wrong_lengths_are_kept() {
        let body = "NIK : 7502 0112 0385 001\nNIP: 19850312 201001 1 03";
        let got = form_from_body(body);
        assert_eq!(got.nik.as_deref(), Some("750201120385001"));
        assert_eq!(got.nip.as_deref(), Some("19850312201001103"));
    }

    #[test]
    fn html_leftovers() {
        let body = "**Nama**\u{a0}:\u{a0}Siti\u{200b} Nurhaliza Abas\r\n__NIK__ : 7571\u{a0}0245\u{a0}1192\u{a0}0133\r\n\
                    *Email* : siti_abas@gmail.com\r\n\u{feff}Unit Kerja : _SDN 1 Limboto_\r\n";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Siti Nurhaliza Abas"));
        assert_eq!(got.nik.as_deref(), Some("7571024511920133"));
        assert_eq!(got.email.as_deref(), Some("siti_abas@gmail.com"));
        assert_eq!(got.unit.as_deref(), Some("SDN 1 Limboto"));
    }

    #[test]
    fn label_synonyms() {
        let body = "Nama Pemohon : Fatma Dali\nNo. KTP : 7504034508880005\nNomor Induk Pegawai : 198808052011012007\n\
                    Gol : III/d\nSKPD : Badan Keuangan\nWhatsApp : 0812 5555 6666\nSurel : fatma.dali@gmail.com";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Fatma Dali"));
        assert_eq!(got.nik.as_deref(), Some("7504034508880005"));
        assert_eq!(got.nip.as_deref(), Some("198808052011012007"));
        assert_eq!(got.rank.as_deref(), Some("III/d"));
        assert_eq!(got.unit.as_deref(), Some("Badan Keuangan"));
        assert_eq!(got.phone.as_deref(), Some("0812 5555 6666"));
        assert_eq!(got.email.as_deref(), Some("fatma.dali@gmail.com"));
    }

    #[test]
    fn more_label_synonyms() {
        let body = "Nama Lengkap dan Gelar: Ir. Yusuf Mohamad, M.T.\nNIK KTP: 7502011506900002\n\
                    NI PPPK : 199001012022212001\nPangkat/Gol : IX\nInstansi : Dinas PUPR\n\
                    Telp : 0811 4321 8765\nAlamat Email : yusuf.m@gorontalokab.go.id";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Ir. Yusuf Mohamad, M.T."));
        assert_eq!(got.nik.as_deref(), Some("7502011506900002"));
        assert_eq!(got.nip.as_deref(), Some("199001012022212001"));
        assert_eq!(got.rank.as_deref(), Some("IX"));
        assert_eq!(got.unit.as_deref(), Some("Dinas PUPR"));
        assert_eq!(got.phone.as_deref(), Some("0811 4321 8765"));
        assert_eq!(got.email.as_deref(), Some("yusuf.m@gorontalokab.go.id"));
    }

    #[test]
    fn nama_instansi_and_nama_jabatan_are_not_the_name() {
        let body = "Nama : Arif Bone\nNama Jabatan : Kepala Seksi\nNama Instansi : Dinas Kesehatan\n\
                    Nama Atasan : Drs. Abd. Karim\nAlamat Kantor : Jl. Merdeka No. 1";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Arif Bone"));
        assert_eq!(got.position.as_deref(), Some("Kepala Seksi"));
        assert_eq!(got.unit.as_deref(), Some("Dinas Kesehatan"));
    }

    #[test]
    fn phone_and_email_with_trailing_words() {
        let body = "Nama: Ayu Lestari Pakaya\nNo. HP : 0813-1212-3434 (WA aktif)\n\
                    Email : ayu.pakaya@gmail.com <mailto:ayu.pakaya@gmail.com>";
        let got = form_from_body(body);
        assert_eq!(got.phone.as_deref(), Some("0813-1212-3434"));
        assert_eq!(got.email.as_deref(), Some("ayu.pakaya@gmail.com"));
    }

    #[test]
    fn email_attempt_without_at_is_kept() {
        let got = form_from_body("Nama: Ayu\nEmail: ayu.pakaya.gmail.com\n");
        assert_eq!(got.email.as_deref(), Some("ayu.pakaya.gmail.com"));
        let got = form_from_body("Nama: Ayu\nEmail: sama dengan pengirim\n");
        assert_eq!(got.email, None);
    }

    #[test]
    fn prose_email_and_nama_saya() {
        let body = "Assalamualaikum, nama saya Wahyuni Kadir, SE, NIP 198710262010012005 pada Bagian Umum. \
                    Mohon dibuatkan TTE, email saya wahyuni.kadir@gmail.com, kontak 0852 9999 0000.";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Wahyuni Kadir, SE"));
        assert_eq!(got.nip.as_deref(), Some("198710262010012005"));
        assert_eq!(got.unit.as_deref(), Some("Bagian Umum"));
        assert_eq!(got.email.as_deref(), Some("wahyuni.kadir@gmail.com"));
        assert_eq!(got.phone.as_deref(), Some("0852 9999 0000"));
    }

    #[test]
    fn office_landline_in_prose_is_not_the_phone() {
        let body = "NIK 7502011203850001. Telepon kantor (0435) 881234.";
        assert_eq!(form_from_body(body).phone, None);
    }

    #[test]
    fn nik_slash_nip_label_does_not_cross_fields() {
        let got =
            form_from_body("Mohon dibuatkan. NIK / NIP : 7502011203850001 / 198503122010011003");
        assert_eq!(got.nip, None);
    }

    #[test]
    fn prose_words_are_not_labels() {
        let body = "Jabatan yang saya emban membutuhkan tanda tangan elektronik.\nTerima kasih.";
        let got = form_from_body(body);
        assert_eq!(got.position, None);
        assert_eq!(got, BodyForm::default());
    }

    #[test]
    fn empty_and_irrelevant_bodies() {
        assert_eq!(form_from_body(""), BodyForm::default());
        assert_eq!(
            form_from_body("Selamat pagi, terlampir berkas permohonan.\n\nSalam"),
            BodyForm::default()
        );
    }

    #[test]
    fn atas_nama_saya_is_not_a_name() {
        let got =
            form_from_body("Mohon diterbitkan sertifikat atas nama saya. NIK 7502011203850001");
        assert_eq!(got.name, None);
    }

    #[test]
    fn a_slash_n_form() {
        let got = form_from_body("Permohonan TTE a/n Ayu Lestari Pakaya (Guru SDN 2 Telaga)");
        assert_eq!(got.name.as_deref(), Some("Ayu Lestari Pakaya"));
    }

    #[test]
    fn prose_with_ids_in_brackets_and_post_before_office() {
        let body = "Perkenalkan, nama saya Ayu Lestari Pakaya, S.Kep., Ns. (NIK 7502015203960002, NIP \
                    199603122020122001), pangkat Penata Muda (III/a), Perawat Ahli Pertama di RSUD Dr. M.M. \
                    Dunda Limboto. Saya ingin mengajukan permohonan sertifikat elektronik.";
        assert_eq!(
            form_from_body(body),
            form([
                Some("Ayu Lestari Pakaya, S.Kep., Ns."),
                Some("7502015203960002"),
                Some("199603122020122001"),
                Some("Perawat Ahli Pertama"),
                Some("Penata Muda (III/a)"),
                Some("RSUD Dr. M.M. Dunda Limboto"),
                None,
                None,
            ])
        );
    }

    #[test]
    fn html_table_flattened_into_one_line() {
        // How mail-parser renders <tr><td>Nama</td><td>:</td><td>…</td></tr> rows.
        let body = "Dengan hormat,\nBerikut data saya:\n Nama:Yusuf Mohamad, S.T. NIK (KTP):7502011506900002 \
                    NIP:199006152015031001 Pangkat/Gol. Ruang:Penata (III/c) Jabatan:Penata Ruang Ahli Muda \
                    Email Dinas:yusuf.m@gorontalokab.go.id Unit Kerja:Dinas Pekerjaan Umum dan Penataan Ruang \
                    Terima kasih atas bantuannya.\nHormat saya,\n\nYusuf Mohamad, S.T.\n";
        assert_eq!(
            form_from_body(body),
            form([
                Some("Yusuf Mohamad, S.T."),
                Some("7502011506900002"),
                Some("199006152015031001"),
                Some("Penata Ruang Ahli Muda"),
                Some("Penata (III/c)"),
                Some("Dinas Pekerjaan Umum dan Penataan Ruang"),
                None,
                Some("yusuf.m@gorontalokab.go.id"),
            ])
        );
    }

    #[test]
    fn forward_note_names_applicant_with_degree() {
        let body = "Bersama ini kami teruskan permohonan a.n. Rahmat Hasan Lamato, S.Kom.. Berkas kelengkapan \
                    terlampir pada email di bawah.\n\nTerima kasih.\n\nSalam,\nBudi\nSubbag Umum\n\n\
                    ---------- Forwarded message ---------\nFrom: Rahmat <rahmat@gmail.com>\nSubject: TTE\n\n\
                    NIK: 7502011203850001\nNIP: 198503122010011003\n";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Rahmat Hasan Lamato, S.Kom."));
        assert_eq!(got.nik.as_deref(), Some("7502011203850001"));
        assert_eq!(got.unit, None);
    }

    #[test]
    fn documents_named_in_prose_are_not_fields() {
        let body = "Nama: Arif Bone\nNIK: 7502021010800007\n\nBerkas KTP dan SK Jabatan saya lampirkan. \
                    SK Pangkat terakhir juga terlampir.";
        let got = form_from_body(body);
        assert_eq!(got.position, None);
        assert_eq!(got.rank, None);
    }

    #[test]
    fn pppk_rank_in_prose() {
        let body = "Saya yang bertanda tangan di bawah ini, Fatma Dali, NIK 7504034508880005, NIP \
                    198808052022212007, pangkat Golongan IX, jabatan Guru Ahli Pertama pada Dinas Pendidikan.";
        let got = form_from_body(body);
        assert_eq!(got.rank.as_deref(), Some("Golongan IX"));
        assert_eq!(got.position.as_deref(), Some("Guru Ahli Pertama"));
        assert_eq!(got.unit.as_deref(), Some("Dinas Pendidikan"));
    }

    #[test]
    fn greeting_is_not_a_closing() {
        let body = "Salam sejahtera,\nKami teruskan permohonan pegawai kami:\nNama: Ayu Lestari Pakaya\n\
                    NIK: 7502015203960002\nNo HP: 0812 1234 5678\n\nHormat kami,\nAdmin\nHP: 0813 0000 1111";
        assert_eq!(
            form_from_body(body).phone.as_deref(),
            Some("0812 1234 5678")
        );
    }

    #[test]
    fn address_is_not_the_unit() {
        let body = "Nama saya Arif Bone, NIK 7502021010800007, tinggal di Desa Bongomeme.";
        let got = form_from_body(body);
        assert_eq!(got.name.as_deref(), Some("Arif Bone"));
        assert_eq!(got.unit, None);
    }

    #[test]
    fn formal_letter_with_signature_block() {
        let body = "Dengan hormat,\n\nYang bertanda tangan di bawah ini:\n\nNama\t: Dra. Hj. Fatma Dali, M.Pd.\n\
                    NIP\t: 19700101 199503 2 001\nPangkat/Gol\t: Pembina Tk. I / IV.b\nJabatan\t: Kepala Sekolah\n\
                    Unit Kerja\t: SMP Negeri 1 Limboto\n\nDengan ini mengajukan permohonan pembuatan sertifikat \
                    elektronik.\n\nHormat saya,\n\nDra. Hj. Fatma Dali, M.Pd.\nNIP. 19700101 199503 2 001";
        assert_eq!(
            form_from_body(body),
            form([
                Some("Dra. Hj. Fatma Dali, M.Pd."),
                None,
                Some("197001011995032001"),
                Some("Kepala Sekolah"),
                Some("Pembina Tk. I / IV.b"),
                Some("SMP Negeri 1 Limboto"),
                None,
                None,
            ])
        );
    }

    #[test]
    fn pangkat_and_golongan_lines_are_joined() {
        let body =
            "Nama : Moh. Yusuf\nNIK : 7502011506900002\nPangkat : Penata Tk. I\nGol : III/d\n";
        assert_eq!(
            form_from_body(body).rank.as_deref(),
            Some("Penata Tk. I, III/d")
        );
    }

    #[test]
    fn wa_greeting_is_not_a_phone_label() {
        let body = "Wa'alaikumsalam, 0812 9999 8888 adalah nomor kantor.\nNIK: 7502021010800007";
        assert_eq!(form_from_body(body).phone, None);
    }

    #[test]
    fn clean_value_rules() {
        assert_eq!(
            clean_value(" : Dinas Pendidikan. ").as_deref(),
            Some("Dinas Pendidikan")
        );
        assert_eq!(
            clean_value("Siti Abas, S.Pd.").as_deref(),
            Some("Siti Abas, S.Pd.")
        );
        assert_eq!(clean_value("Siti N.").as_deref(), Some("Siti N."));
        assert_eq!(clean_value("Rahmat, SE.").as_deref(), Some("Rahmat, SE."));
        assert_eq!(
            clean_value("Penata Muda (III/a)").as_deref(),
            Some("Penata Muda (III/a)")
        );
        assert_eq!(
            clean_value("- Pranata Komputer ;").as_deref(),
            Some("Pranata Komputer")
        );
        for placeholder in [
            "-",
            "(belum ada)",
            "belum ada",
            "---",
            "...",
            "n/a",
            "[kosong]",
            "  ",
        ] {
            assert_eq!(clean_value(placeholder), None, "{placeholder:?}");
        }
    }

    #[test]
    fn strip_markdown_keeps_word_underscores() {
        assert_eq!(strip_markdown("**Nama**: _Siti_"), "Nama: Siti");
        assert_eq!(strip_markdown("siti_abas@gmail.com"), "siti_abas@gmail.com");
    }

    proptest! {
        #[test]
        fn labelled_values_survive_any_layout(
            nik in "75[0-9]{14}",
            phone in "08[1-9][0-9]{7,10}",
            label_style in 0usize..4,
            bullet in prop::sample::select(vec!["", "1. ", "- ", "• ", "a) "]),
            spaces in " {0,3}",
        ) {
            let sep = match label_style {
                0 => format!("{spaces}:{spaces}"),
                1 => format!("{spaces}\t"),
                2 => " ".to_string(),
                _ => format!(" ....{spaces}: "),
            };
            let body = format!(
                "Selamat pagi.\n{bullet}Nama{sep}Ayu Lestari Pakaya\n{bullet}NIK{sep}{nik}\n{bullet}No. HP{sep}{phone}\n"
            );
            let got = form_from_body(&body);
            prop_assert_eq!(got.name.as_deref(), Some("Ayu Lestari Pakaya"));
            prop_assert_eq!(got.nik.as_deref(), Some(nik.as_str()));
            prop_assert_eq!(got.phone.as_deref(), Some(phone.as_str()));
        }

        #[test]
        fn never_returns_empty_strings(body in "(?s).{0,300}") {
            let got = form_from_body(&body);
            for value in [got.name, got.nik, got.nip, got.position, got.rank, got.unit, got.phone, got.email]
                .into_iter()
                .flatten()
            {
                prop_assert!(!value.trim().is_empty());
            }
        }
    }
}

#[cfg(test)]
mod html_clients {
    //! Forms as mail clients send them when the body is HTML only: the fields come back whole
    //! whatever the markup, because [`crate::parse`] keeps the blocks.
    use crate::parse::html_to_text;

    use super::form_from_body;

    const NAME: &str = "Rusni Akuba, S.Sos";
    const NIK: &str = "7502046207880003";
    const NIP: &str = "198807222011012003";

    fn clients() -> Vec<(&'static str, String)> {
        let rows = [
            ("Nama", NAME),
            ("Nomor Induk Kependudukan (NIK)", NIK),
            ("Nomor Induk Pegawai (NIP)", NIP),
            ("Jabatan", "Analis Kebijakan Ahli Muda"),
            ("Unit Kerja", "Bagian Organisasi Setda"),
            ("No. HP", "0812-4455-7788"),
        ];
        let join = |f: &dyn Fn(&str, &str) -> String| -> String {
            rows.iter()
                .map(|(l, v)| f(l, v))
                .collect::<Vec<_>>()
                .concat()
        };
        vec![
            (
                "gmail divs",
                format!(
                    "<div dir=\"ltr\">Yth. Kadis,<div><br></div>{}<div>Terima kasih</div></div>",
                    join(&|l, v| format!("<div>{l}: {v}</div>"))
                ),
            ),
            (
                "outlook table",
                format!(
                    "<html><body><p class=MsoNormal>Dengan hormat,</p><table class=MsoTableGrid>{}</table></body></html>",
                    join(&|l, v| format!(
                        "<tr><td width=200><p class=MsoNormal>{l}<o:p></o:p></p></td><td><p class=MsoNormal>:&nbsp;{v}<o:p></o:p></p></td></tr>"
                    ))
                ),
            ),
            (
                "apple breaks",
                format!(
                    "<html><body style=\"word-wrap: break-word;\">Dengan hormat,<br>{}<br>Salam</body></html>",
                    join(&|l, v| format!("{l}&nbsp;:&nbsp;{v}<br>"))
                ),
            ),
            (
                "list",
                format!("<ol>{}</ol>", join(&|l, v| format!("<li>{l} : {v}</li>"))),
            ),
        ]
    }

    #[test]
    fn every_client_s_html_form_gives_every_field_whole() {
        for (client, html) in clients() {
            let form = form_from_body(&html_to_text(&html));
            assert_eq!(form.name.as_deref(), Some(NAME), "{client}");
            assert_eq!(
                form.nik.as_deref().map(|n| n.replace(' ', "")).as_deref(),
                Some(NIK),
                "{client}"
            );
            assert_eq!(
                form.nip.as_deref().map(|n| n.replace(' ', "")).as_deref(),
                Some(NIP),
                "{client}"
            );
            assert_eq!(
                form.position.as_deref(),
                Some("Analis Kebijakan Ahli Muda"),
                "{client}"
            );
            assert_eq!(
                form.unit.as_deref(),
                Some("Bagian Organisasi Setda"),
                "{client}"
            );
        }
    }
}
