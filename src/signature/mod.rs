//! Verification of a PDF signed with BSrE eSign (PAdES / CMS detached): which bytes the
//! signatures cover, the CMS SignedData over them, and the signer's chain up to a trust anchor.
//!
//! The verdict is data ([`Verdict`]): a refusal carries an Indonesian `keterangan()` for the
//! reply to the Kadis. `Err` ([`SignatureError`]) only comes from loading the trust anchors.

use chrono::{DateTime, Utc};

mod pdf;
mod signer;
mod verdict;

use pdf::*;
use signer::*;
pub use verdict::*;

/// Checks every signature of `pdf`: the last one must cover the whole file but its own
/// /Contents, and each must verify and chain to `anchors`, with every certificate valid at the
/// signing time and at `now`.
pub fn verify_pdf(pdf: &[u8], anchors: &TrustAnchors, now: DateTime<Utc>) -> Verdict {
    match verify(pdf, anchors, now) {
        Ok(info) => Verdict::Valid(info),
        Err(refusal) => Verdict::Refused(refusal),
    }
}

fn verify(pdf: &[u8], anchors: &TrustAnchors, now: DateTime<Utc>) -> Result<SignedInfo, Refusal> {
    if !pdf.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return Err(Refusal::Malformed {
            what: "berkas bukan PDF",
        });
    }
    let mut located = locate_signatures(pdf)?;
    located.sort_by_key(|s| (s.end(), s.range));
    located.dedup_by_key(|s| s.range);
    let last = located.last().ok_or(Refusal::NotSigned)?;
    // Writers and mail clients may leave a line end after the final %%EOF; it carries nothing.
    let tail = pdf.get(last.end()..).unwrap_or_default();
    if last.end() > pdf.len() || !tail.iter().all(|&b| is_whitespace(b)) {
        return Err(Refusal::NotWholeFile {
            covered: last.covered(),
            len: pdf.len(),
        });
    }
    let count = located.len();
    let mut info = None;
    for sig in &located {
        info = Some(verify_one(pdf, sig, anchors, now)?);
    }
    let mut info = info.ok_or(Refusal::NotSigned)?;
    info.signatures = count;
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn pdf_dates_in_every_form_bsre_and_others_write() {
        let cases: [(&[u8], &str); 5] = [
            (b"D:20261124103000+07'00'", "2026-11-24T03:30:00Z"),
            (b"D:20261124103000+07'00", "2026-11-24T03:30:00Z"),
            (b"D:20261124033000Z", "2026-11-24T03:30:00Z"),
            (b"D:202611240330-01'30'", "2026-11-24T05:00:00Z"),
            (b"D:2026", "2026-01-01T00:00:00Z"),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_pdf_date(text), Some(utc(expected)), "{text:?}");
        }
        for bad in [
            &b"D:20261"[..],
            b"D:20261324",
            b"D:20261124+7x",
            b"",
            b"D:20261124103000Q",
        ] {
            assert_eq!(parse_pdf_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_m_of_the_signature_object_not_its_neighbours() {
        let pdf = b"4 0 obj << /M (D:20200101000000Z) >> endobj\n\
            7 0 obj << /Type /Sig /MDP 1 /M (D:20261124103000+07'00') /ByteRange [0 1 2 3] >> endobj\n\
            8 0 obj << /M (D:20300101000000Z) >> endobj";
        let at = find(pdf, b"/ByteRange").unwrap() + "/ByteRange".len();
        assert_eq!(dictionary_time(pdf, at), Some(utc("2026-11-24T03:30:00Z")));
        // Escapes as some signers write them: `\072` is the colon, `\(` a parenthesis.
        let escaped = b"7 0 obj << /Type /Sig /M (D\\0722026112410\\\r\n3000+07'00') /ByteRange [0 1 2 3] >> endobj";
        let at = find(escaped, b"/ByteRange").unwrap() + "/ByteRange".len();
        assert_eq!(
            dictionary_time(escaped, at),
            Some(utc("2026-11-24T03:30:00Z"))
        );
        let hex = b"7 0 obj << /Type /Sig /M <443A3230323631313234303333303030 5A> /ByteRange [0 1 2 3] >> endobj";
        let at = find(hex, b"/ByteRange").unwrap() + "/ByteRange".len();
        assert_eq!(dictionary_time(hex, at), Some(utc("2026-11-24T03:30:00Z")));
        assert_eq!(
            string_at(b"(a (b) \\) \\\\ \\101\\7 \\q)", 0).as_deref(),
            Some(&b"a (b) ) \\ A\x07 q"[..])
        );
        assert_eq!(string_at(b"(unclosed", 0), None);
        let bare = b"7 0 obj << /Type /Sig /ByteRange [0 1 2 3] >> endobj";
        assert_eq!(dictionary_time(bare, 30), None);
    }
}
