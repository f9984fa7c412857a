//! Stage 5 for KTP: typed fields from the card's text, the NIK from two independent readings.

use super::fields::{FieldSource, Fields, after_label, find_labelled, parse_date, squash};
use crate::applicant::Nik;
use crate::text::{Line, ReadText};

pub const KEYS: &[&str] = &[
    "nik",
    "name",
    "birth_place",
    "birth_date",
    "sex",
    "address",
    "religion",
    "marital_status",
    "occupation",
    "valid_until",
    "regency",
    "province",
];

/// Below this a reading is a guess, and a guessed NIK must never pass as certain.
const DISAGREEMENT_PENALTY: f32 = 0.5;

pub fn extract(read: &ReadText) -> Fields {
    let lines = &read.lines;
    let mut f = Fields::with_keys(KEYS);
    for line in lines {
        let t = squash(&line.text);
        if let Some(rest) = t.strip_prefix("PROVINSI") {
            if !rest.is_empty() && f.get("province").is_none() {
                f.set_from(
                    "province",
                    format!("PROVINSI {}", words_after(&line.text, 1)),
                    line,
                );
            }
        } else if (t.starts_with("KABUPATEN") || t.starts_with("KOTA"))
            && f.get("regency").is_none()
        {
            f.set_from("regency", clean_upper(&line.text), line);
        }
    }
    if let Some((v, line)) = find_labelled(lines, &["Nama"]) {
        f.set_from("name", clean_name(v), line);
    }
    if let Some((v, line)) = find_labelled(
        lines,
        &[
            "Tempat/Tgl Lahir",
            "Tempat Tgl Lahir",
            "Tempat/Tanggal Lahir",
        ],
    ) {
        let (place, date) = match v.split_once(',') {
            Some((p, d)) => (p, d),
            None => (
                v.trim_end_matches(|ch: char| ch.is_ascii_digit() || ch == '-' || ch == ' '),
                v,
            ),
        };
        f.set_from("birth_place", clean_upper(place), line);
        if let Some(d) = parse_date(date) {
            f.set_from("birth_date", d, line);
        }
    }
    if let Some((v, line)) = find_labelled(lines, &["Jenis Kelamin", "Jenis Kel"]) {
        let s = squash(v);
        if s.starts_with("LAKI") || s.starts_with("LAK") {
            f.set_from("sex", "LAKI-LAKI".into(), line);
        } else if s.starts_with("PEREM") || s.starts_with("PRM") || s.starts_with("PEREN") {
            f.set_from("sex", "PEREMPUAN".into(), line);
        }
    }
    let mut address = Vec::new();
    let mut address_lines = Vec::new();
    for (labels, prefix) in [
        (&["Alamat"][..], ""),
        (&["RT/RW"][..], "RT/RW "),
        (&["Kel/Desa", "KelDesa"][..], "KEL/DESA "),
        (&["Kecamatan"][..], "KEC. "),
    ] {
        if let Some((v, line)) = find_labelled(lines, labels) {
            let v = clean_upper(v);
            if !v.is_empty() {
                address.push(format!("{prefix}{v}"));
                address_lines.push(line);
            }
        }
    }
    if let Some(source) = FieldSource::joined(address_lines) {
        let conf = source.conf;
        f.set_with("address", address.join(", "), conf, source);
    }
    for (key, labels) in [
        ("religion", &["Agama"][..]),
        ("marital_status", &["Status Perkawinan", "Status"][..]),
        ("occupation", &["Pekerjaan"][..]),
        ("valid_until", &["Berlaku Hingga"][..]),
    ] {
        if let Some((v, line)) = find_labelled(lines, labels) {
            f.set_from(key, clean_upper(v), line);
        }
    }
    if let Some((nik, conf)) = read_nik(read, &f) {
        match nik_line(lines) {
            Some(line) => f.set_with("nik", nik, conf, FieldSource::of(line)),
            None => f.set("nik", nik, conf),
        }
    }
    f
}

/// The line labelled NIK, where the number is printed; where the label came out as some
/// other word ("Hoax :7502…"), the line holding the card's one long number.
fn nik_line(lines: &[Line]) -> Option<&Line> {
    let labelled = |l: &&Line| {
        l.text
            .split_whitespace()
            .next()
            .is_some_and(crate::text::is_nik_label)
    };
    lines.iter().find(labelled).or_else(|| {
        lines
            .iter()
            .find(|l| l.text.split_whitespace().any(crate::text::is_nik_number))
    })
}

/// The NIK from the card's text line and from the re-reads of its crop
/// ([`crate::text::DigitsRead`]). Only two readings that agree, parse as a NIK and agree with
/// the printed birth date and sex keep their confidence.
fn read_nik(read: &ReadText, f: &Fields) -> Option<(String, f32)> {
    let block = nik_line(&read.lines).map(|l| {
        let first = l.text.split_whitespace().next().unwrap_or_default();
        let label = if crate::text::is_nik_number(first) {
            ""
        } else {
            first
        };
        let value = after_label(&l.text, &["NIK"]).unwrap_or(&l.text[label.len()..]);
        (number_of(value), l.conf)
    });
    let reread = read.nik_digits.as_ref().map(|d| d.digits.as_str());
    // The card's header prints the region the NIK's first digits must name; a bold "7" read
    // as "1" is put back where the header says so (a NIK from elsewhere keeps its digits).
    let region = crate::applicant::printed_region(f.get("province"), f.get("regency"));
    let windows = |digits: &str| -> Vec<String> {
        let mut found: Vec<String> = nik_windows(digits)
            .into_iter()
            .chain((digits.len() == Nik::LEN).then(|| digits.to_string()))
            .map(|w| region_fixed(&w, region.as_deref()).unwrap_or(w))
            .filter(|w| Nik::parse(w).is_ok())
            .collect();
        found.dedup();
        found
    };
    let from_block = block.as_ref().map_or_else(Vec::new, |(d, _)| windows(d));
    let from_reread = reread.map_or_else(Vec::new, windows);
    let enlarged = read.nik_digits.as_ref().and_then(|d| d.enlarged.as_ref());
    let from_enlarged = enlarged.map_or_else(Vec::new, |e| windows(&e.digits));
    let as_read = [
        block.as_ref().map(|(d, _)| d.as_str()),
        reread,
        enlarged.map(|e| e.digits.as_str()),
    ];
    let cb = block.as_ref().map_or(0.0, |(_, c)| *c);
    // Of the two readings with a confidence, the surer one that holds the value speaks for it.
    let ce = enlarged.map_or(0.0, |e| e.conf);
    let conf_of = |value: &String| match (from_block.contains(value), from_enlarged.contains(value))
    {
        (true, true) => cb.max(ce),
        (false, true) => ce,
        _ => cb,
    };
    // The card's printed birth date and sex, read on lines of their own, are a third witness.
    let printed = f
        .get("birth_date")
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let agrees_with_card = |nik: &Nik| {
        use chrono::Datelike;
        printed.is_none_or(|d| {
            d.day() == nik.birth_day()
                && d.month() == nik.birth_month()
                && (d.year() % 100) as u32 == nik.birth_year_2d()
        }) && f.get("sex").is_none_or(|s| s == nik.sex().label_id())
    };
    let mut consistent: Vec<&String> = from_block
        .iter()
        .chain(&from_reread)
        .chain(&from_enlarged)
        .filter(|w| Nik::parse(w).is_ok_and(|n| agrees_with_card(&n)))
        .collect();
    consistent.sort();
    consistent.dedup();
    // Two of the three readings agreeing is agreement.
    let mut agreed: Vec<&String> = from_block
        .iter()
        .filter(|w| from_reread.contains(w))
        .chain(
            from_enlarged
                .iter()
                .filter(|w| from_block.contains(w) || from_reread.contains(w)),
        )
        .collect();
    agreed.sort();
    agreed.dedup();
    // A stray digit before or after the number gives each reading two 16-digit windows that
    // both parse; the printed birth date tells which is the NIK.
    let agreed_by_card: Vec<&String> = agreed
        .iter()
        .copied()
        .filter(|w| consistent.contains(w))
        .collect();
    let (value, mut conf) =
        if let ([one], _) | ([], [one]) = (agreed_by_card.as_slice(), agreed.as_slice()) {
            ((*one).clone(), conf_of(one))
        } else if let Some(first) = agreed.first() {
            ((*first).clone(), conf_of(first) * DISAGREEMENT_PENALTY)
        } else if let Some(voted) = digit_vote(&as_read)
            .map(|v| region_fixed(&v, region.as_deref()).unwrap_or(v))
            .filter(|v| Nik::parse(v).is_ok_and(|n| agrees_with_card(&n)))
        {
            // No two readings agree on all sixteen digits, but on each digit two of the three
            // do: each slip is one reading's own.
            let conf = cb.min(ce) * DISAGREEMENT_PENALTY;
            (voted, conf)
        } else if let ([only], true) = (consistent.as_slice(), printed.is_some()) {
            // The readings disagree, but only one agrees with the printed birth date.
            ((*only).clone(), conf_of(only) * DISAGREEMENT_PENALTY)
        } else if let [only] = from_reread.as_slice() {
            (only.clone(), cb * DISAGREEMENT_PENALTY)
        } else if let [only] = from_block.as_slice() {
            (only.clone(), cb * DISAGREEMENT_PENALTY)
        } else {
            // No reading holds a valid NIK: report the longest as read, with no confidence.
            let raw = [
                block.as_ref().map(|(d, _)| d.clone()),
                reread.map(str::to_string),
            ]
            .into_iter()
            .flatten()
            .max_by_key(String::len)?;
            (raw, 0.0)
        };
    if value.len() < 8 {
        return None;
    }
    if !as_read.iter().flatten().any(|r| r.contains(value.as_str())) {
        // Digits the header changed are not a reading: certain only if the typed NIK agrees.
        conf = conf.min(REGION_FIXED_CONF);
    }
    match Nik::parse(&value) {
        Ok(nik) if !agrees_with_card(&nik) => conf = conf.min(0.4),
        Ok(_) => {}
        Err(_) => conf = conf.min(0.3),
    }
    Some((value, conf))
}

/// The confidence at most of a NIK whose region digits the card's header corrected: below the
/// rules' `min_confidence`, so it is never taken as certain on its own.
const REGION_FIXED_CONF: f32 = 0.8;

/// Digits OCR confuses in the bold NIK fonts, each way round.
const CONFUSED: &[(u8, u8)] = &[
    (b'1', b'7'),
    (b'1', b'4'),
    (b'2', b'7'),
    (b'5', b'6'),
    (b'5', b'3'),
    (b'8', b'0'),
    (b'8', b'3'),
    (b'8', b'6'),
    (b'0', b'6'),
];

/// The 16-digit window with its first digits replaced by the printed region's code, when
/// every digit that disagrees is one OCR confuses with the printed one.
fn region_fixed(digits: &str, region: Option<&str>) -> Option<String> {
    let region = region?;
    if digits.len() != Nik::LEN || digits.starts_with(region) {
        return None;
    }
    let confusable = digits.bytes().zip(region.bytes()).all(|(read, printed)| {
        read == printed
            || CONFUSED
                .iter()
                .any(|&(a, b)| (a, b) == (read, printed) || (b, a) == (read, printed))
    });
    let fixed = format!("{region}{}", &digits[region.len()..]);
    (confusable && Nik::parse(&fixed).is_ok()).then_some(fixed)
}

/// Most digits a reading may hold beyond a NIK's sixteen to be aligned with the others: one
/// stray mark (the colon read as "1", a zero's dot as a digit of its own) or two.
const MAX_EXTRA_DIGITS: usize = 2;

/// The NIK three readings make digit by digit: each reading is cut to sixteen digits (its
/// stray digits dropped where that brings it closest to the others) and every digit is the
/// one at least two readings hold there. `None` unless all three readings are there and each
/// of the sixteen digits has a majority.
fn digit_vote(readings: &[Option<&str>; 3]) -> Option<String> {
    let options: Vec<Vec<Vec<u8>>> = readings
        .iter()
        .map(|r| {
            let r = r.filter(|r| (Nik::LEN..=Nik::LEN + MAX_EXTRA_DIGITS).contains(&r.len()))?;
            Some(sixteen_of(r.as_bytes()))
        })
        .collect::<Option<_>>()?;
    let apart = |a: &[u8], b: &[u8]| a.iter().zip(b).filter(|(x, y)| x != y).count();
    let mut best: Option<(usize, [&[u8]; 3])> = None;
    for a in &options[0] {
        for b in &options[1] {
            for c in &options[2] {
                let d = apart(a, b) + apart(b, c) + apart(a, c);
                if best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, [a, b, c]));
                }
            }
        }
    }
    let (_, [a, b, c]) = best?;
    (0..Nik::LEN)
        .map(|i| {
            let (x, y, z) = (a[i], b[i], c[i]);
            (x == y || x == z)
                .then_some(x)
                .or((y == z).then_some(y))
                .map(char::from)
        })
        .collect()
}

/// Every way of dropping digits from a reading to leave sixteen, in order.
fn sixteen_of(digits: &[u8]) -> Vec<Vec<u8>> {
    if digits.len() <= Nik::LEN {
        return vec![digits.to_vec()];
    }
    let mut out: Vec<Vec<u8>> = (0..digits.len())
        .flat_map(|i| {
            let mut shorter = digits.to_vec();
            shorter.remove(i);
            sixteen_of(&shorter)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The 16-digit stretches of a reading that parse as a NIK: a stray mark beside the number
/// (the colon read as "1", a speck read as a digit) makes the reading longer than a NIK.
fn nik_windows(digits: &str) -> Vec<String> {
    if digits.len() <= Nik::LEN {
        return if Nik::parse(digits).is_ok() {
            vec![digits.to_string()]
        } else {
            Vec::new()
        };
    }
    (0..=digits.len() - Nik::LEN)
        .map(|i| &digits[i..i + Nik::LEN])
        .filter(|w| Nik::parse(w).is_ok())
        .map(str::to_string)
        .collect()
}

/// The number at the start of a value: the first run of words holding real digits, with the
/// letters OCR mistakes for digits put back; specks after it ("| |") are not part of it.
pub fn number_of(value: &str) -> String {
    value
        .split_whitespace()
        .skip_while(|w| !w.chars().any(|c| c.is_ascii_digit()))
        .take_while(|w| w.chars().any(|c| c.is_ascii_digit()))
        .map(digits_of)
        .collect()
}

/// Digits of an OCR'd number, with the letters OCR mistakes for digits put back.
pub fn digits_of(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            'O' | 'o' | 'D' | 'Q' => Some('0'),
            'I' | 'l' | '|' | 'i' | '!' => Some('1'),
            'Z' | 'z' => Some('2'),
            'S' | 's' => Some('5'),
            'B' => Some('8'),
            'G' | 'b' => Some('6'),
            'T' => Some('7'),
            'g' | 'q' => Some('9'),
            _ => None,
        })
        .collect()
}

fn words_after(s: &str, n: usize) -> String {
    clean_upper(&s.split_whitespace().skip(n).collect::<Vec<_>>().join(" "))
}

/// Upper case, OCR specks and stray punctuation at the ends removed.
fn clean_upper(s: &str) -> String {
    let s: String = s
        .chars()
        .filter(|c| c.is_alphanumeric() || " .,-/'()".contains(*c))
        .collect();
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| !c.is_alphanumeric() && c != ')' && c != '.')
        .to_uppercase()
}

fn clean_name(s: &str) -> String {
    // A name holds no digits or marks: in a word of letters, OCR's '!', '|' or '1' is an I.
    let s: String = s
        .split_whitespace()
        .map(|w| {
            let letters = w.chars().any(char::is_alphabetic);
            w.chars()
                .map(|c| match c {
                    '!' | '|' | '1' if letters => 'I',
                    c => c,
                })
                .filter(|c| c.is_alphabetic() || ".,'-".contains(*c))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ");
    // A speck before the name reads as "." or "'"; a name starts with a letter.
    clean_upper(s.trim_start_matches(|c: char| !c.is_alphabetic()))
}

/// Lines of a KTP for tests and callers that build them by hand.
pub fn lines_of(text: &str, conf: f32) -> Vec<Line> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Line::text_only(l.trim(), conf))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{DigitsRead, Enlarged, Source};

    const CARD: &str = "PROVINSI GORONTALO\nKABUPATEN GORONTALO\nNIK : 7502015203850001\nNama : SITI NURHALIZA ABAS\nTempat/Tgl Lahir : LIMBOTO, 12-03-1985\nJenis Kelamin : PEREMPUAN Gol. Darah : O\nAlamat : JL. AHMAD YANI NO. 5\nRT/RW : 001/002\nKel/Desa : KAYUBULAN\nKecamatan : LIMBOTO\nAgama : ISLAM\nStatus Perkawinan : KAWIN\nPekerjaan : PEGAWAI NEGERI SIPIL\nKewarganegaraan : WNI\nBerlaku Hingga : SEUMUR HIDUP";

    fn read(text: &str, conf: f32, reread: Option<&str>) -> ReadText {
        ReadText {
            source: Source::Ocr,
            lines: lines_of(text, conf),
            shape: Some(crate::text::image::Shape::Card),
            nik_digits: reread.map(|d| DigitsRead {
                digits: d.into(),
                enlarged: None,
            }),
        }
    }

    fn enlarged(digits: &str, conf: f32) -> Enlarged {
        Enlarged {
            digits: digits.into(),
            conf,
        }
    }

    #[test]
    fn all_fields_from_a_clean_card() {
        let f = extract(&read(CARD, 0.95, Some("7502015203850001")));
        assert_eq!(f.get("nik"), Some("7502015203850001"));
        assert!(f.conf("nik") >= 0.95);
        assert_eq!(f.get("name"), Some("SITI NURHALIZA ABAS"));
        assert_eq!(clean_name(". ISMET HASAN DAUD"), "ISMET HASAN DAUD");
        assert_eq!(f.get("birth_place"), Some("LIMBOTO"));
        assert_eq!(f.get("birth_date"), Some("1985-03-12"));
        assert_eq!(f.get("sex"), Some("PEREMPUAN"));
        assert_eq!(f.get("religion"), Some("ISLAM"));
        assert_eq!(f.get("marital_status"), Some("KAWIN"));
        assert_eq!(f.get("occupation"), Some("PEGAWAI NEGERI SIPIL"));
        assert_eq!(f.get("valid_until"), Some("SEUMUR HIDUP"));
        assert_eq!(f.get("regency"), Some("KABUPATEN GORONTALO"));
        assert_eq!(f.get("province"), Some("PROVINSI GORONTALO"));
        assert_eq!(
            f.get("address"),
            Some("JL. AHMAD YANI NO. 5, RT/RW 001/002, KEL/DESA KAYUBULAN, KEC. LIMBOTO")
        );
        assert_eq!(f.sources["nik"].line, "NIK : 7502015203850001");
        assert_eq!(
            f.sources["sex"].line,
            "Jenis Kelamin : PEREMPUAN Gol. Darah : O"
        );
        assert!(
            f.sources["address"]
                .line
                .starts_with("Alamat : JL. AHMAD YANI NO. 5 / RT/RW")
        );
        assert_eq!(f.sources.len(), KEYS.len());
    }

    #[test]
    fn an_i_read_as_a_mark_stays_a_letter_of_the_name() {
        let card = CARD.replace("SITI NURHALIZA ABAS", "S1TI NURHAL|ZA ABAS!");
        let f = extract(&read(&card, 0.95, None));
        assert_eq!(f.get("name"), Some("SITI NURHALIZA ABASI"));
        let f = extract(&read(&CARD.replace("ABAS", "ABAS 17"), 0.95, None));
        assert_eq!(f.get("name"), Some("SITI NURHALIZA ABAS"));
    }

    #[test]
    fn the_printed_birth_date_picks_the_nik_out_of_a_reading_with_a_stray_digit() {
        // The ':' read as "1": both 16-digit windows parse, only one is born 01-05-1993.
        let card = CARD
            .replace("7502015203850001", ":17502144105930001")
            .replace("12-03-1985", "01-05-1993");
        let f = extract(&read(&card, 0.95, Some("17502144105930001")));
        assert_eq!(f.get("nik"), Some("7502144105930001"));
        assert!(f.conf("nik") >= 0.95);
        // Without the birth date nothing tells the windows apart.
        let f = extract(&read(
            &card.replace("LIMBOTO, 01-05-1993", "LIMBOTO"),
            0.95,
            Some("17502144105930001"),
        ));
        assert!(f.conf("nik") < 0.5);
    }

    #[test]
    fn disagreeing_readings_lose_confidence() {
        let f = extract(&read(CARD, 0.95, Some("7502015203850007")));
        assert_eq!(f.get("nik"), Some("7502015203850007"));
        assert!(f.conf("nik") < 0.5);
    }

    #[test]
    fn the_enlarged_reading_decides_between_two_that_disagree() {
        // A slanted 7 read as 1 by the first digits-only reading; both are valid NIKs with the
        // printed birth date, so without the card's header only a third reading can tell them
        // apart.
        let headless = CARD.replace("PROVINSI GORONTALO\nKABUPATEN GORONTALO\n", "");
        let mut r = read(&headless, 0.95, Some("1502015203850001"));
        let unsure = extract(&r);
        assert!(unsure.conf("nik") < 0.5);
        r.nik_digits.as_mut().unwrap().enlarged = Some(enlarged("7502015203850001", 0.9));
        let f = extract(&r);
        assert_eq!(f.get("nik"), Some("7502015203850001"));
        assert!(f.conf("nik") >= 0.95);
        r.nik_digits.as_mut().unwrap().enlarged = Some(enlarged("1502015203850001", 0.9));
        assert_eq!(extract(&r).get("nik"), Some("1502015203850001"));
        r.nik_digits.as_mut().unwrap().enlarged = Some(enlarged("7502015203850007", 0.9));
        assert!(extract(&r).conf("nik") < 0.5);
    }

    #[test]
    fn a_misread_label_still_leaves_the_number_its_line() {
        let card = CARD.replace("NIK : 7502015203850001", "Hoax :7502015203850001");
        assert_ne!(card, CARD);
        let f = extract(&read(&card, 0.9, Some("7502015203850001")));
        assert_eq!(f.get("nik"), Some("7502015203850001"));
        let bare = CARD.replace("NIK : 7502015203850001", ":7502015203850001");
        let f = extract(&read(&bare, 0.9, Some("7502015203850001")));
        assert_eq!(f.get("nik"), Some("7502015203850001"));
    }

    #[test]
    fn three_readings_each_with_its_own_slip_vote_digit_by_digit() {
        // A photocopied card's dotted zeros read as 6, 8 or 9, in each reading somewhere else;
        // the text line also took a zero's dot for a digit of its own.
        let v = |a: &str, b: &str, c: &str| digit_vote(&[Some(a), Some(b), Some(c)]);
        assert_eq!(
            v("75020443048109003", "7502044304810003", "7502044304816003").as_deref(),
            Some("7502044304810003")
        );
        // Two readings disagreeing with the third at the same digit, each its own way: no vote.
        assert_eq!(
            v("7502044304810003", "7502044304816003", "7502044304819003"),
            None
        );
        assert_eq!(v("7502044304810003", "7502044304816003", "75020"), None);
        let card = CARD.replace("7502015203850001", "7502015203850601");
        let mut r = read(&card, 0.9, Some("7562015203850001"));
        r.nik_digits.as_mut().unwrap().enlarged = Some(enlarged("7502015203858001", 0.9));
        let f = extract(&r);
        assert_eq!(f.get("nik"), Some("7502015203850001"));
        assert!(f.conf("nik") < 0.5, "a vote is never certain");
    }

    #[test]
    fn the_card_header_puts_back_a_seven_read_as_one() {
        // The header says Kabupaten Gorontalo (7502): "1502" from the digits-only reading is
        // the bold 7 read as 1, and agrees with the text line.
        let f = extract(&read(CARD, 0.95, Some("1502015203850001")));
        assert_eq!(f.get("nik"), Some("7502015203850001"));
        assert!(f.conf("nik") >= 0.95);
        // Every reading says 1502: the header's digits are evidence, not a reading, so the
        // NIK stays below certain (the typed NIK decides).
        let card = CARD.replace("7502015203850001", "1502015203850001");
        let f = extract(&read(&card, 0.95, Some("1502015203850001")));
        assert_eq!(f.get("nik"), Some("7502015203850001"));
        assert!(f.conf("nik") <= REGION_FIXED_CONF);
        // A NIK from elsewhere on a Gorontalo card is kept as printed (people move).
        let card = CARD.replace("7502015203850001", "7371015203850001");
        let f = extract(&read(&card, 0.95, Some("7371015203850001")));
        assert_eq!(f.get("nik"), Some("7371015203850001"));
        assert!(f.conf("nik") >= 0.95);
    }

    #[test]
    fn the_surer_of_the_full_readings_speaks_for_an_agreed_nik() {
        let mut r = read(CARD, 0.45, Some("17502015203850001"));
        assert!(extract(&r).conf("nik") < 0.5);
        r.nik_digits.as_mut().unwrap().enlarged = Some(enlarged("7502015203850001", 0.88));
        let f = extract(&r);
        assert_eq!(f.get("nik"), Some("7502015203850001"));
        assert!((f.conf("nik") - 0.88).abs() < 1e-6);
        // A sure third reading of another number lends the agreed one nothing.
        r.nik_digits.as_mut().unwrap().enlarged = Some(enlarged("7502015203850007", 0.99));
        assert!(extract(&r).conf("nik") < 0.5);
    }

    #[test]
    fn a_nik_that_contradicts_the_printed_birth_date_is_doubted() {
        // Both readings agree, but 13-03 is not the printed 12-03: one digit was misread twice.
        let text = CARD.replace("7502015203850001", "7502015303850001");
        let f = extract(&read(&text, 0.97, Some("7502015303850001")));
        assert!(f.conf("nik") <= 0.4);
    }

    #[test]
    fn stray_marks_around_the_number_are_dropped() {
        assert_eq!(number_of(":7502102206690007 | |"), "7502102206690007");
        assert_eq!(number_of(":7502161109910146 Tg 5"), "7502161109910146");
        let text = CARD.replace(": 7502015203850001", ":7502015203850001 | |");
        let f = extract(&read(&text, 0.95, Some("17502015203850001")));
        assert_eq!(f.get("nik"), Some("7502015203850001"));
        assert!(f.conf("nik") >= 0.95);
    }

    #[test]
    fn letters_mistaken_for_digits_are_put_back() {
        assert_eq!(digits_of("75O2 0l52 O385 OOO1"), "7502015203850001");
    }
}
