//! Verification of a PDF signed with BSrE eSign (PAdES / CMS detached): which bytes the
//! signatures cover, the CMS SignedData over them, and the signer's chain up to a trust anchor.
//!
//! The verdict is data ([`Verdict`]): a refusal carries an Indonesian `keterangan()` for the
//! reply to the Kadis. `Err` ([`SignatureError`]) only comes from loading the trust anchors.

use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedAttributes, SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::oid::AssociatedOid;
use der::{Decode, Encode, Tag, Tagged};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::time::Time;

/// Intermediates a chain may pass through before reaching an anchor; real PKIs use one or two.
const MAX_CHAIN: usize = 8;

const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const OID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_RSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const OID_RSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");

/// Why the trust anchors could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("cannot read trust anchor {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("trust anchor {origin} is not a PEM or DER certificate: {source}")]
    Certificate { origin: String, source: der::Error },
    #[error("trust anchor {origin} holds no certificate")]
    Empty { origin: String },
}

/// The CA certificates the office trusts: the BSrE root in production, a test CA in tests.
#[derive(Debug, Clone)]
pub struct TrustAnchors {
    certs: Vec<Certificate>,
}

impl TrustAnchors {
    /// Every certificate in the given files (PEM, possibly several per file, or one DER). No
    /// files give no anchors, and then every signature is refused as untrusted.
    pub fn from_pem_files(paths: &[PathBuf]) -> Result<TrustAnchors, SignatureError> {
        let mut certs = Vec::new();
        for path in paths {
            let bytes = std::fs::read(path).map_err(|source| SignatureError::Read {
                path: path.clone(),
                source,
            })?;
            certs.extend(parse_anchor_file(&bytes, &path.display().to_string())?);
        }
        Ok(TrustAnchors { certs })
    }

    /// Every certificate in one PEM (or DER) blob; `origin` names it in errors.
    pub fn from_pem(bytes: &[u8], origin: &str) -> Result<TrustAnchors, SignatureError> {
        Ok(TrustAnchors {
            certs: parse_anchor_file(bytes, origin)?,
        })
    }

    /// Subjects of the anchors, RFC 4514, for logs and `sertel` diagnostics.
    pub fn subjects(&self) -> Vec<String> {
        self.certs
            .iter()
            .map(|c| c.tbs_certificate.subject.to_string())
            .collect()
    }
}

fn parse_anchor_file(bytes: &[u8], origin: &str) -> Result<Vec<Certificate>, SignatureError> {
    // A .cer from a CA's website is often plain DER.
    let certs = if bytes.first() == Some(&0x30) {
        Certificate::from_der(bytes).map(|cert| vec![cert])
    } else {
        Certificate::load_pem_chain(bytes)
    }
    .map_err(|source| SignatureError::Certificate {
        origin: origin.to_string(),
        source,
    })?;
    if certs.is_empty() {
        return Err(SignatureError::Empty {
            origin: origin.to_string(),
        });
    }
    Ok(certs)
}

/// What a valid signed PDF tells about its (last) signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInfo {
    /// Common name of the signer certificate's subject.
    pub signer_name: String,
    /// Full subject of the signer certificate, RFC 4514.
    pub signer_subject: String,
    /// Subject of the certificate that issued the signer's.
    pub issuer_subject: String,
    /// Serial number of the signer certificate, hex.
    pub signer_serial: String,
    /// The signingTime signed attribute, or else the signature dictionary's /M (PAdES
    /// signers put the time there instead).
    pub signing_time: Option<DateTime<Utc>>,
    /// Digest algorithm of the signature, e.g. "SHA-256".
    pub digest: &'static str,
    /// Bytes of the file the last signature covers (its /Contents excepted).
    pub covered_len: usize,
    /// Signatures in the file, all verified.
    pub signatures: usize,
}

impl SignedInfo {
    /// The signed revision: what the signer signed, for reading its text.
    pub fn signed_revision<'a>(&self, pdf: &'a [u8]) -> &'a [u8] {
        &pdf[..self.covered_len.min(pdf.len())]
    }
}

/// When a certificate was checked against its validity period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// The signingTime the signer claims.
    Signing,
    /// The `now` the check ran at.
    Check,
}

impl Moment {
    fn kata(self) -> &'static str {
        match self {
            Moment::Signing => "saat penandatanganan",
            Moment::Check => "saat pemeriksaan",
        }
    }
}

/// Why a PDF is not accepted as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No signature at all.
    NotSigned,
    /// The last signature leaves part of the file out (bytes appended after signing, gaps,
    /// or an excluded part that is not the signature's own /Contents).
    NotWholeFile { covered: usize, len: usize },
    /// The messageDigest does not match the covered bytes: the file changed after signing.
    ContentChanged,
    /// The signature value does not verify with the signer's public key.
    SignatureInvalid,
    /// The signer certificate does not chain to a trust anchor.
    UntrustedSigner { issuer: String },
    /// A certificate of the chain had expired at the given moment.
    CertificateExpired {
        subject: String,
        not_after: DateTime<Utc>,
        moment: Moment,
    },
    /// A certificate of the chain was not yet valid at the given moment.
    CertificateNotYetValid {
        subject: String,
        not_before: DateTime<Utc>,
        moment: Moment,
    },
    /// A well-formed signature of a kind this desk does not check (what, in Indonesian).
    Unsupported { what: &'static str },
    /// The file or its signature cannot be read (what, in Indonesian).
    Malformed { what: &'static str },
}

impl Refusal {
    /// The reason, in Indonesian, for the reply to the Kadis or the verifier.
    pub fn keterangan(&self) -> String {
        match self {
            Refusal::NotSigned => "Berkas PDF tidak memuat tanda tangan elektronik. Mohon \
                tandatangani surat dengan BSrE eSign, lalu kirim kembali berkas hasil \
                penandatanganan."
                .to_string(),
            Refusal::NotWholeFile { covered, len } => format!(
                "Tanda tangan elektronik tidak mencakup seluruh berkas (yang ditandatangani \
                 {covered} dari {len} bita): ada bagian yang ditambahkan atau diubah di luar \
                 tanda tangan. Mohon kirim berkas persis seperti hasil BSrE eSign."
            ),
            Refusal::ContentChanged => "Isi berkas berubah setelah ditandatangani, sehingga \
                tidak lagi sama dengan yang ditandatangani. Mohon kirim berkas asli hasil \
                BSrE eSign."
                .to_string(),
            Refusal::SignatureInvalid => "Tanda tangan elektronik tidak sah: nilai tanda \
                tangan tidak cocok dengan sertifikat penandatangan."
                .to_string(),
            Refusal::UntrustedSigner { issuer } => format!(
                "Sertifikat penandatangan tidak diterbitkan oleh penyelenggara sertifikasi \
                 elektronik yang dipercaya (BSrE). Penerbitnya: {issuer}."
            ),
            Refusal::CertificateExpired {
                subject,
                not_after,
                moment,
            } => format!(
                "Sertifikat elektronik {subject} sudah tidak berlaku {} (berlaku sampai {}).",
                moment.kata(),
                not_after.format("%d-%m-%Y %H:%M UTC")
            ),
            Refusal::CertificateNotYetValid {
                subject,
                not_before,
                moment,
            } => format!(
                "Sertifikat elektronik {subject} belum berlaku {} (berlaku mulai {}).",
                moment.kata(),
                not_before.format("%d-%m-%Y %H:%M UTC")
            ),
            Refusal::Unsupported { what } => {
                format!("Jenis tanda tangan elektronik ini belum dapat diperiksa: {what}.")
            }
            Refusal::Malformed { what } => {
                format!("Tanda tangan elektronik pada berkas rusak atau tidak terbaca: {what}.")
            }
        }
    }
}

/// The outcome of checking a PDF's signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid(SignedInfo),
    Refused(Refusal),
}

impl Verdict {
    /// The sentence for the reply, in Indonesian.
    pub fn keterangan(&self) -> String {
        match self {
            Verdict::Valid(info) => format!(
                "Tanda tangan elektronik sah, ditandatangani oleh {}.",
                info.signer_name
            ),
            Verdict::Refused(refusal) => refusal.keterangan(),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.keterangan())
    }
}

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
    if last.end() != pdf.len() {
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

/// One signature as the file lays it out: `/ByteRange [0 b c d]`, the gap `b..c` being the
/// hex string of its /Contents.
#[derive(Debug, Clone, Copy)]
struct Located {
    range: [usize; 4],
    /// The /M of the signature dictionary: PAdES signers leave signingTime out of the CMS.
    claimed_time: Option<DateTime<Utc>>,
}

impl Located {
    fn end(&self) -> usize {
        self.range[2] + self.range[3]
    }

    fn covered(&self) -> usize {
        self.range[1] + self.range[3]
    }

    fn gap(&self) -> std::ops::Range<usize> {
        self.range[1]..self.range[2]
    }
}

/// Every `/ByteRange` in the file. A signature's /Contents cannot sit in a compressed
/// object stream (the ByteRange addresses raw file bytes), so a byte scan finds them all.
fn locate_signatures(pdf: &[u8]) -> Result<Vec<Located>, Refusal> {
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

fn check_layout(pdf: &[u8], [a, b, c, d]: [usize; 4]) -> Result<Located, Refusal> {
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
fn dictionary_time(pdf: &[u8], at: usize) -> Option<DateTime<Utc>> {
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
        if object.get(open) != Some(&b'(') {
            return None;
        }
        let close = object[open..].iter().position(|&b| b == b')')? + open;
        return parse_pdf_date(&object[open + 1..close]);
    }
    None
}

/// A PDF date string, `D:YYYYMMDDHHmmSSOHH'mm'`, every part after the year optional.
fn parse_pdf_date(text: &[u8]) -> Option<DateTime<Utc>> {
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

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !b"()<>[]{}/%".contains(&b)
}

fn skip_whitespace(pdf: &[u8], mut at: usize) -> usize {
    while pdf.get(at).is_some_and(|&b| is_whitespace(b)) {
        at += 1;
    }
    at
}

/// `[n n n n]` starting at `at` (after optional whitespace).
fn parse_byte_range(pdf: &[u8], at: usize) -> Option<[usize; 4]> {
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

fn is_hex_string(gap: &[u8]) -> bool {
    gap.len() >= 2
        && gap[0] == b'<'
        && gap[gap.len() - 1] == b'>'
        && gap[1..gap.len() - 1]
            .iter()
            .all(|&b| b.is_ascii_hexdigit() || is_whitespace(b))
}

fn preceded_by(pdf: &[u8], at: usize, key: &[u8]) -> bool {
    let mut end = at;
    while end > 0 && is_whitespace(pdf[end - 1]) {
        end -= 1;
    }
    pdf[..end].ends_with(key)
}

/// The DER bytes of the hex string `<…>`: trailing zero padding dropped, since signers
/// reserve more room than the CMS needs.
fn decode_contents(gap: &[u8]) -> Result<Vec<u8>, Refusal> {
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
fn der_extent(bytes: &[u8]) -> Option<usize> {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DigestAlg {
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlg {
    fn from_oid(oid: ObjectIdentifier) -> Option<DigestAlg> {
        match oid {
            OID_SHA256 => Some(DigestAlg::Sha256),
            OID_SHA384 => Some(DigestAlg::Sha384),
            OID_SHA512 => Some(DigestAlg::Sha512),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            DigestAlg::Sha256 => "SHA-256",
            DigestAlg::Sha384 => "SHA-384",
            DigestAlg::Sha512 => "SHA-512",
        }
    }

    fn hash(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut d = D::new();
            for part in parts {
                d.update(part);
            }
            d.finalize().to_vec()
        }
        match self {
            DigestAlg::Sha256 => run::<Sha256>(parts),
            DigestAlg::Sha384 => run::<Sha384>(parts),
            DigestAlg::Sha512 => run::<Sha512>(parts),
        }
    }

    fn pkcs1(self) -> Pkcs1v15Sign {
        match self {
            DigestAlg::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
            DigestAlg::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
            DigestAlg::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    Ecdsa,
}

/// The key kind and digest a signature algorithm names; the bare key algorithms (as CMS
/// signers often write them) take the digest from the SignerInfo.
fn signature_scheme(
    oid: ObjectIdentifier,
    digest: Option<DigestAlg>,
) -> Option<(KeyKind, DigestAlg)> {
    match oid {
        OID_RSA => digest.map(|d| (KeyKind::Rsa, d)),
        OID_RSA_SHA256 => Some((KeyKind::Rsa, DigestAlg::Sha256)),
        OID_RSA_SHA384 => Some((KeyKind::Rsa, DigestAlg::Sha384)),
        OID_RSA_SHA512 => Some((KeyKind::Rsa, DigestAlg::Sha512)),
        OID_EC_PUBLIC_KEY => digest.map(|d| (KeyKind::Ecdsa, d)),
        OID_ECDSA_SHA256 => Some((KeyKind::Ecdsa, DigestAlg::Sha256)),
        OID_ECDSA_SHA384 => Some((KeyKind::Ecdsa, DigestAlg::Sha384)),
        OID_ECDSA_SHA512 => Some((KeyKind::Ecdsa, DigestAlg::Sha512)),
        _ => None,
    }
}

/// Whether `signature` over `message` verifies with `key`; `None` when the key is of a kind
/// this module does not handle (RSA and P-256 only).
fn signature_verifies(
    key: &SubjectPublicKeyInfoOwned,
    kind: KeyKind,
    digest: DigestAlg,
    message: &[u8],
    signature: &[u8],
) -> Option<bool> {
    let key_der = key.to_der().ok()?;
    let hashed = digest.hash(&[message]);
    match kind {
        KeyKind::Rsa => {
            let key = RsaPublicKey::from_public_key_der(&key_der).ok()?;
            Some(key.verify(digest.pkcs1(), &hashed, signature).is_ok())
        }
        KeyKind::Ecdsa => {
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(&key_der).ok()?;
            let Ok(signature) = p256::ecdsa::Signature::from_der(signature) else {
                return Some(false);
            };
            Some(key.verify_prehash(&hashed, &signature).is_ok())
        }
    }
}

/// Whether `issuer`'s key signed `cert`.
fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return false;
    }
    let Some((kind, digest)) = signature_scheme(cert.signature_algorithm.oid, None) else {
        return false;
    };
    let (Ok(tbs), Some(signature)) = (cert.tbs_certificate.to_der(), cert.signature.as_bytes())
    else {
        return false;
    };
    signature_verifies(
        &issuer.tbs_certificate.subject_public_key_info,
        kind,
        digest,
        &tbs,
        signature,
    )
    .unwrap_or(false)
}

fn is_ca(cert: &Certificate) -> bool {
    extension::<BasicConstraints>(cert).is_some_and(|bc| bc.ca)
}

fn extension<'a, T: AssociatedOid + Decode<'a>>(cert: &'a Certificate) -> Option<T> {
    cert.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|ext| ext.extn_id == T::OID)
        .and_then(|ext| T::from_der(ext.extn_value.as_bytes()).ok())
}

fn common_name(name: &Name) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == OID_COMMON_NAME)
        .map(|atv| match atv.value.tag() {
            Tag::BmpString => {
                let units: Vec<u16> = atv
                    .value
                    .value()
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                String::from_utf16_lossy(&units)
            }
            _ => String::from_utf8_lossy(atv.value.value()).into_owned(),
        })
}

fn to_utc(time: Time) -> DateTime<Utc> {
    let secs = time.to_unix_duration().as_secs();
    DateTime::from_timestamp(i64::try_from(secs).unwrap_or(i64::MAX), 0)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn verify_one(
    pdf: &[u8],
    sig: &Located,
    anchors: &TrustAnchors,
    now: DateTime<Utc>,
) -> Result<SignedInfo, Refusal> {
    let der = decode_contents(&pdf[sig.gap()])?;
    let malformed = |what| Refusal::Malformed { what };
    let info = ContentInfo::from_der(&der).map_err(|_| malformed("isi /Contents bukan CMS"))?;
    if info.content_type != OID_SIGNED_DATA {
        return Err(malformed("CMS bukan SignedData"));
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|_| malformed("SignedData tidak terbaca"))?;
    if signed.encap_content_info.econtent.is_some() {
        return Err(Refusal::Unsupported {
            what: "tanda tangan tidak terpisah (bukan detached)",
        });
    }
    let mut signers = signed.signer_infos.0.iter();
    let signer = match (signers.next(), signers.next()) {
        (Some(signer), None) => signer,
        (None, _) => return Err(malformed("CMS tanpa SignerInfo")),
        (Some(_), Some(_)) => {
            return Err(Refusal::Unsupported {
                what: "lebih dari satu penanda tangan dalam satu tanda tangan",
            });
        }
    };
    let certs: Vec<&Certificate> = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(cert) => Some(cert),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    let signer_cert = certs
        .iter()
        .copied()
        .find(|cert| identifies(&signer.sid, cert))
        .ok_or(malformed("sertifikat penanda tangan tidak disertakan"))?;

    let digest = DigestAlg::from_oid(signer.digest_alg.oid).ok_or(Refusal::Unsupported {
        what: "algoritme digest selain SHA-256/384/512",
    })?;
    let signing_time = check_signed_attributes(pdf, sig, signer, digest)?.or(sig.claimed_time);

    let (kind, sig_digest) = signature_scheme(signer.signature_algorithm.oid, Some(digest)).ok_or(
        Refusal::Unsupported {
            what: "algoritme tanda tangan selain RSA PKCS#1 v1.5 atau ECDSA P-256",
        },
    )?;
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or(malformed("atribut bertanda tangan tidak terbaca"))?;
    let mut verified = None;
    for encoding in signed_attribute_encodings(&der, attrs) {
        verified = signature_verifies(
            &signer_cert.tbs_certificate.subject_public_key_info,
            kind,
            sig_digest,
            &encoding,
            signer.signature.as_bytes(),
        );
        if verified != Some(false) {
            break;
        }
    }
    match verified {
        Some(true) => {}
        Some(false) => return Err(Refusal::SignatureInvalid),
        None => {
            return Err(Refusal::Unsupported {
                what: "kunci publik selain RSA atau ECDSA P-256",
            });
        }
    }

    let chain = build_chain(signer_cert, &certs, anchors)?;
    let mut moments = vec![(now, Moment::Check)];
    if let Some(at) = signing_time {
        moments.insert(0, (at, Moment::Signing));
    }
    for cert in &chain {
        check_validity(cert, &moments)?;
    }

    let subject = &signer_cert.tbs_certificate.subject;
    Ok(SignedInfo {
        signer_name: common_name(subject).unwrap_or_else(|| subject.to_string()),
        signer_subject: subject.to_string(),
        issuer_subject: signer_cert.tbs_certificate.issuer.to_string(),
        signer_serial: hex::encode(signer_cert.tbs_certificate.serial_number.as_bytes()),
        signing_time,
        digest: digest.name(),
        covered_len: sig.end(),
        signatures: 1,
    })
}

/// The encodings of the signed attributes the signature may be over, as a SET OF: first the
/// DER re-encoding (sorted, what conforming signers sign), then the signer's own order when it
/// did not sort, found in the CMS as a `[0]` element holding exactly the same attributes.
fn signed_attribute_encodings(cms_der: &[u8], attrs: &SignedAttributes) -> Vec<Vec<u8>> {
    let Ok(sorted) = attrs.to_der() else {
        return Vec::new();
    };
    let header_len = match sorted.get(1) {
        Some(&first) if first < 0x80 => 2,
        Some(&first) => 2 + (first & 0x7f) as usize,
        None => return Vec::new(),
    };
    let mut header = sorted[..header_len.min(sorted.len())].to_vec();
    header[0] = 0xA0;
    let mut encodings = vec![sorted.clone()];
    let mut from = 0;
    while let Some(at) = find(&cms_der[from..], &header) {
        let start = from + at;
        from = start + 1;
        let Some(original) = cms_der.get(start..start + sorted.len()) else {
            break;
        };
        let mut candidate = original.to_vec();
        candidate[0] = 0x31;
        if candidate != sorted
            && SignedAttributes::from_der(&candidate).is_ok_and(|same| same == *attrs)
        {
            encodings.push(candidate);
        }
    }
    encodings
}

fn identifies(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            id.issuer == cert.tbs_certificate.issuer
                && id.serial_number == cert.tbs_certificate.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            extension::<SubjectKeyIdentifier>(cert).is_some_and(|own| own == *ski)
        }
    }
}

/// Checks contentType and messageDigest against the covered bytes; returns signingTime.
fn check_signed_attributes(
    pdf: &[u8],
    sig: &Located,
    signer: &SignerInfo,
    digest: DigestAlg,
) -> Result<Option<DateTime<Utc>>, Refusal> {
    let malformed = |what| Refusal::Malformed { what };
    let attrs = signer.signed_attrs.as_ref().ok_or(Refusal::Unsupported {
        what: "tanda tangan tanpa atribut bertanda tangan",
    })?;
    let single = |oid: ObjectIdentifier| {
        let mut found = attrs.iter().filter(|a| a.oid == oid);
        match (found.next(), found.next()) {
            (Some(attr), None) if attr.values.len() == 1 => Ok(attr.values.get(0)),
            (None, _) => Ok(None),
            _ => Err(malformed("atribut ganda dalam tanda tangan")),
        }
    };
    let content_type = single(OID_CONTENT_TYPE)?
        .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
        .ok_or(malformed("atribut contentType tidak ada"))?;
    if content_type != OID_DATA {
        return Err(malformed("atribut contentType bukan data"));
    }
    let claimed = single(OID_MESSAGE_DIGEST)?
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or(malformed("atribut messageDigest tidak ada"))?;
    let [a, b, c, d] = sig.range;
    let actual = digest.hash(&[&pdf[a..a + b], &pdf[c..c + d]]);
    if claimed.as_bytes() != actual.as_slice() {
        return Err(Refusal::ContentChanged);
    }
    match single(OID_SIGNING_TIME)? {
        None => Ok(None),
        Some(value) => value
            .to_der()
            .and_then(|der| Time::from_der(&der))
            .map(|t| Some(to_utc(t)))
            .map_err(|_| malformed("atribut signingTime tidak terbaca")),
    }
}

/// signer → intermediates from the CMS → an anchor, each link's signature checked.
fn build_chain<'a>(
    signer: &'a Certificate,
    pool: &[&'a Certificate],
    anchors: &'a TrustAnchors,
) -> Result<Vec<&'a Certificate>, Refusal> {
    let mut chain = vec![signer];
    let mut current = signer;
    for _ in 0..MAX_CHAIN {
        if anchors.certs.iter().any(|anchor| anchor == current) {
            return Ok(chain);
        }
        if let Some(anchor) = anchors.certs.iter().find(|a| issued_by(current, a)) {
            chain.push(anchor);
            return Ok(chain);
        }
        let next = pool
            .iter()
            .copied()
            .find(|cand| !chain.contains(cand) && is_ca(cand) && issued_by(current, cand));
        match next {
            Some(next) => {
                chain.push(next);
                current = next;
            }
            None => break,
        }
    }
    Err(Refusal::UntrustedSigner {
        issuer: current.tbs_certificate.issuer.to_string(),
    })
}

fn check_validity(cert: &Certificate, moments: &[(DateTime<Utc>, Moment)]) -> Result<(), Refusal> {
    let validity = &cert.tbs_certificate.validity;
    let (not_before, not_after) = (to_utc(validity.not_before), to_utc(validity.not_after));
    let subject = || {
        let name = &cert.tbs_certificate.subject;
        common_name(name).unwrap_or_else(|| name.to_string())
    };
    for &(at, moment) in moments {
        if at < not_before {
            return Err(Refusal::CertificateNotYetValid {
                subject: subject(),
                not_before,
                moment,
            });
        }
        if at > not_after {
            return Err(Refusal::CertificateExpired {
                subject: subject(),
                not_after,
                moment,
            });
        }
    }
    Ok(())
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
        let bare = b"7 0 obj << /Type /Sig /ByteRange [0 1 2 3] >> endobj";
        assert_eq!(dictionary_time(bare, 30), None);
    }
}
