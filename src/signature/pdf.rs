//! The PDF side of a signature: finding each signature dictionary, its byte range and its
//! `/Contents`, the signing time it states, and whether the ranges cover the file as they must.

use super::verdict::*;
use chrono::{DateTime, Utc};

/// One signature as the file lays it out: `/ByteRange [0 b c d]`, the gap `b..c` being the
/// hex string of its /Contents.
#[derive(Debug, Clone, Copy)]
pub(super) struct Located {
    pub(super) range: [usize; 4],
    /// The /M of the signature dictionary: PAdES signers leave signingTime out of the CMS.
    pub(super) claimed_time: Option<DateTime<Utc>>,
}

impl Located {
    pub(super) fn end(&self) -> usize {
        self.range[2] + self.range[3]
    }

    pub(super) fn covered(&self) -> usize {
        self.range[1] + self.range[3]
    }

    pub(super) fn gap(&self) -> std::ops::Range<usize> {
        self.range[1]..self.range[2]
    }
}

/// Every `/ByteRange` in the file. A signature's /Contents cannot sit in a compressed
/// object stream (the ByteRange addresses raw file bytes), so a byte scan finds them all.
pub(super) fn locate_signatures(pdf: &[u8]) -> Result<Vec<Located>, Refusal> {
    const KEY: &[u8] = b"/ByteRange";
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = find(&pdf[from..], KEY) {
        let after = from + at + KEY.len();
        from = after;
        if pdf.get(after).is_some_and(|&b| is_regular(b)) {
            continue;
        }
        let range = parse_byte_range(pdf, after).ok_or(Refusal::Malformed {
            what: "/ByteRange tidak terbaca",
        })?;
        let mut sig = check_layout(pdf, range)?;
        sig.claimed_time = dictionary_time(pdf, after);
        found.push(sig);
    }
    Ok(found)
}

pub(super) fn check_layout(pdf: &[u8], [a, b, c, d]: [usize; 4]) -> Result<Located, Refusal> {
    if c.checked_add(d).is_none_or(|end| end > pdf.len()) || b > c {
        return Err(Refusal::Malformed {
            what: "/ByteRange di luar ukuran berkas",
        });
    }
    let not_whole = Refusal::NotWholeFile {
        covered: b.saturating_sub(a).saturating_add(d),
        len: pdf.len(),
    };
    if a != 0 || !is_hex_string(&pdf[b..c]) || !preceded_by(pdf, b, b"/Contents") {
        return Err(not_whole);
    }
    Ok(Located {
        range: [a, b, c, d],
        claimed_time: None,
    })
}

/// The /M date of the object holding the /ByteRange at `at`: from its `obj` keyword to its
/// `endobj`.
pub(super) fn dictionary_time(pdf: &[u8], at: usize) -> Option<DateTime<Utc>> {
    let start = pdf[..at].windows(3).rposition(|w| w == b"obj")?;
    let end = find(&pdf[at..], b"endobj").map_or(pdf.len(), |e| at + e);
    let object = &pdf[start..end];
    let mut from = 0;
    while let Some(m) = find(&object[from..], b"/M") {
        let after = from + m + 2;
        from = after;
        if object.get(after).is_some_and(|&b| is_regular(b)) {
            continue;
        }
        let open = skip_whitespace(object, after);
        return parse_pdf_date(&string_at(object, open)?);
    }
    None
}

/// The PDF string starting at `open`, escapes undone: a literal `(…)` with balanced parentheses,
/// `\n`-style and octal `\ddd` escapes and escaped line ends, or a hex string `<…>`.
pub(super) fn string_at(bytes: &[u8], open: usize) -> Option<Vec<u8>> {
    match bytes.get(open)? {
        b'(' => literal_string(&bytes[open + 1..]),
        b'<' => {
            let close = bytes[open..].iter().position(|&b| b == b'>')? + open;
            let mut digits: Vec<u8> = bytes[open + 1..close]
                .iter()
                .filter(|b| !is_whitespace(**b))
                .copied()
                .collect();
            if digits.len() % 2 == 1 {
                digits.push(b'0');
            }
            hex::decode(digits).ok()
        }
        _ => None,
    }
}

fn literal_string(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        i += 1;
        match b {
            b'(' => {
                depth += 1;
                out.push(b);
            }
            b')' if depth == 0 => return Some(out),
            b')' => {
                depth -= 1;
                out.push(b);
            }
            b'\\' => {
                let e = *body.get(i)?;
                i += 1;
                match e {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0c),
                    b'0'..=b'7' => {
                        let mut value = u32::from(e - b'0');
                        for _ in 0..2 {
                            match body.get(i) {
                                Some(&d @ b'0'..=b'7') => {
                                    value = value * 8 + u32::from(d - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        // High-order overflow is ignored, as the PDF reference says.
                        out.push((value & 0xff) as u8);
                    }
                    // A backslash before a line end continues the string on the next line.
                    b'\r' => {
                        if body.get(i) == Some(&b'\n') {
                            i += 1;
                        }
                    }
                    b'\n' => {}
                    other => out.push(other),
                }
            }
            other => out.push(other),
        }
    }
    None
}

/// A PDF date string, `D:YYYYMMDDHHmmSSOHH'mm'`, every part after the year optional.
pub(super) fn parse_pdf_date(text: &[u8]) -> Option<DateTime<Utc>> {
    let text = text.strip_prefix(b"D:").unwrap_or(text);
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits < 4 || digits % 2 == 1 || digits > 14 {
        return None;
    }
    let field = |i: usize, default: u32| -> u32 {
        if i + 2 <= digits {
            (text[i] - b'0') as u32 * 10 + (text[i + 1] - b'0') as u32
        } else {
            default
        }
    };
    let year = (field(0, 0) * 100 + field(2, 0)) as i32;
    let local = chrono::NaiveDate::from_ymd_opt(year, field(4, 1), field(6, 1))?.and_hms_opt(
        field(8, 0),
        field(10, 0),
        field(12, 0),
    )?;
    let zone = &text[digits..];
    let offset_minutes = match zone.first() {
        None | Some(b'Z') => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let nums: Vec<u32> = zone[1..]
                .split(|&b| b == b'\'')
                .filter(|part| !part.is_empty())
                .map(|part| std::str::from_utf8(part).ok()?.parse().ok())
                .collect::<Option<_>>()?;
            let minutes = match nums.as_slice() {
                [h] => h * 60,
                [h, m] => h * 60 + m,
                _ => return None,
            } as i64;
            if sign == b'+' { minutes } else { -minutes }
        }
        Some(_) => return None,
    };
    Some(local.and_utc() - chrono::Duration::minutes(offset_minutes))
}

pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub(super) fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

pub(super) fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !b"()<>[]{}/%".contains(&b)
}

pub(super) fn skip_whitespace(pdf: &[u8], mut at: usize) -> usize {
    while pdf.get(at).is_some_and(|&b| is_whitespace(b)) {
        at += 1;
    }
    at
}

/// `[n n n n]` starting at `at` (after optional whitespace).
pub(super) fn parse_byte_range(pdf: &[u8], at: usize) -> Option<[usize; 4]> {
    let mut at = skip_whitespace(pdf, at);
    if pdf.get(at) != Some(&b'[') {
        return None;
    }
    at += 1;
    let mut values = [0usize; 4];
    for value in &mut values {
        at = skip_whitespace(pdf, at);
        let digits = pdf[at.min(pdf.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        // Twelve digits is a terabyte; longer is hostile, not a PDF.
        if digits == 0 || digits > 12 {
            return None;
        }
        *value = std::str::from_utf8(&pdf[at..at + digits])
            .ok()?
            .parse()
            .ok()?;
        at += digits;
    }
    at = skip_whitespace(pdf, at);
    (pdf.get(at) == Some(&b']')).then_some(values)
}

pub(super) fn is_hex_string(gap: &[u8]) -> bool {
    gap.len() >= 2
        && gap[0] == b'<'
        && gap[gap.len() - 1] == b'>'
        && gap[1..gap.len() - 1]
            .iter()
            .all(|&b| b.is_ascii_hexdigit() || is_whitespace(b))
}

pub(super) fn preceded_by(pdf: &[u8], at: usize, key: &[u8]) -> bool {
    let mut end = at;
    while end > 0 && is_whitespace(pdf[end - 1]) {
        end -= 1;
    }
    pdf[..end].ends_with(key)
}

/// The DER bytes of the hex string `<…>`: trailing zero padding dropped, since signers
/// reserve more room than the CMS needs.
pub(super) fn decode_contents(gap: &[u8]) -> Result<Vec<u8>, Refusal> {
    let malformed = Refusal::Malformed {
        what: "isi /Contents bukan CMS",
    };
    let mut digits: Vec<u8> = gap[1..gap.len() - 1]
        .iter()
        .filter(|b| b.is_ascii_hexdigit())
        .copied()
        .collect();
    if digits.len() % 2 == 1 {
        digits.push(b'0');
    }
    let bytes = hex::decode(&digits).map_err(|_| malformed.clone())?;
    let len = der_extent(&bytes).ok_or(malformed.clone())?;
    if bytes[len..].iter().any(|&b| b != 0) {
        return Err(malformed);
    }
    Ok(bytes[..len].to_vec())
}

/// Length of the outer DER SEQUENCE at the start of `bytes`, header included.
pub(super) fn der_extent(bytes: &[u8]) -> Option<usize> {
    if bytes.len() < 2 || bytes[0] != 0x30 {
        return None;
    }
    let first = bytes[1] as usize;
    let (header, len) = if first < 0x80 {
        (2, first)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 || bytes.len() < 2 + n {
            return None;
        }
        let len = bytes[2..2 + n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | b as usize);
        (2 + n, len)
    };
    header
        .checked_add(len)
        .filter(|&total| total <= bytes.len())
}
