//! Stage 1: raw email bytes → headers, body text and every attachment, with safe names and
//! sniffed types.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

mod html;

pub use html::html_to_text;
use serde::Serialize;

/// Forwarded messages nest; applications are at most a forward of a forward. Deeper levels are
/// ignored so hostile nesting cannot exhaust the stack.
const MAX_DEPTH: usize = 4;
/// Attachments kept from one mail; beyond this a mail is not an application anyway.
const MAX_ATTACHMENTS: usize = 64;
const MAX_FILENAME_CHARS: usize = 120;
/// Header names that only appear in mail; a file with none of them is not an email.
const MAIL_HEADERS: &[&str] = &[
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "received",
    "return-path",
    "content-type",
    "sender",
    "reply-to",
    "cc",
    "delivered-to",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("the file is empty")]
    Empty,
    #[error("the file has no mail headers")]
    NotAnEmail,
}

impl ParseError {
    pub fn keterangan(&self) -> &'static str {
        match self {
            ParseError::Empty => "berkas kosong, bukan surel",
            ParseError::NotAnEmail => "berkas ini bukan surel (tidak ada header surel)",
        }
    }
}

/// File types told apart by their first bytes, whatever the name or Content-Type claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    Gif,
    Tiff,
    Bmp,
    Webp,
    Heic,
    /// ZIP container: DOCX, XLSX, ODT or a plain archive.
    Zip,
    /// OLE2 compound file: old Word/Excel, Outlook .msg.
    Ole,
    Tnef,
    Html,
    Text,
    Unknown,
}

impl FileType {
    pub fn sniff(data: &[u8]) -> FileType {
        let starts = |magic: &[u8]| data.starts_with(magic);
        if starts(b"%PDF-")
            || data
                .get(..1024)
                .is_some_and(|h| find(h, b"%PDF-").is_some())
        {
            FileType::Pdf
        } else if starts(&[0xFF, 0xD8, 0xFF]) {
            FileType::Jpeg
        } else if starts(b"\x89PNG\r\n\x1a\n") {
            FileType::Png
        } else if starts(b"GIF87a") || starts(b"GIF89a") {
            FileType::Gif
        } else if starts(b"II*\0") || starts(b"MM\0*") {
            FileType::Tiff
        } else if starts(b"BM") && data.len() > 26 {
            FileType::Bmp
        } else if starts(b"RIFF") && data.get(8..12) == Some(b"WEBP") {
            FileType::Webp
        } else if data.get(4..8) == Some(b"ftyp")
            && data.get(8..12).is_some_and(|b| {
                matches!(
                    b,
                    b"heic" | b"heix" | b"mif1" | b"msf1" | b"heim" | b"hevc" | b"avif"
                )
            })
        {
            FileType::Heic
        } else if starts(b"PK\x03\x04") {
            FileType::Zip
        } else if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            FileType::Ole
        } else if starts(&[0x78, 0x9F, 0x3E, 0x22]) {
            FileType::Tnef
        } else {
            let head = &data[..data.len().min(512)];
            let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
            if lower.contains("<html") || lower.contains("<!doctype html") || lower.contains("<svg")
            {
                FileType::Html
            } else if !head.is_empty() && std::str::from_utf8(head).is_ok() {
                FileType::Text
            } else {
                FileType::Unknown
            }
        }
    }

    pub fn is_image(self) -> bool {
        matches!(
            self,
            FileType::Jpeg
                | FileType::Png
                | FileType::Gif
                | FileType::Tiff
                | FileType::Bmp
                | FileType::Webp
        )
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Safe to show and to use as a file name: no path parts, no control characters.
    pub filename: String,
    /// What the mail claimed (`image/png`), kept only to tell people when it lied.
    pub declared_type: Option<String>,
    pub file_type: FileType,
    pub data: Vec<u8>,
    /// 0 for the mail itself, 1 inside a forwarded message, and so on.
    pub depth: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedMail {
    pub message_id: Option<String>,
    /// Bare address of the From header.
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub subject: Option<String>,
    pub date: Option<String>,
    /// Message-IDs this mail answers (In-Reply-To, then References), without brackets.
    pub replies_to: Vec<String>,
    /// Why this mail was written by a machine (auto-reply, bounce, list, no-reply sender), in
    /// English for logs; such mail is never answered.
    pub automated: Option<String>,
    /// The mail's own body followed by each forwarded message's body, HTML turned into text.
    pub body: String,
    pub attachments: Vec<Attachment>,
}

pub fn parse_mail(raw: &[u8]) -> Result<ParsedMail, ParseError> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ParseError::Empty);
    }
    let mut message = MessageParser::default()
        .parse(raw)
        .ok_or(ParseError::NotAnEmail)?;
    let has_mail_header = message
        .headers()
        .iter()
        .any(|h| MAIL_HEADERS.contains(&h.name().to_ascii_lowercase().as_str()));
    if !has_mail_header {
        return Err(ParseError::NotAnEmail);
    }
    let (from, from_name) = match message.from().and_then(|a| a.first()) {
        Some(addr) => (
            addr.address()
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty()),
            addr.name().map(clean_header_text).filter(|n| !n.is_empty()),
        ),
        None => (None, None),
    };
    let mut mail = ParsedMail {
        message_id: message
            .message_id()
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty()),
        from,
        from_name,
        subject: message
            .subject()
            .map(clean_header_text)
            .filter(|s| !s.is_empty()),
        date: message.date().map(|d| d.to_rfc3339()),
        replies_to: replies_to(&message),
        automated: None,
        body: String::new(),
        attachments: Vec::new(),
    };
    mail.automated = automated(&message, mail.from.as_deref());
    collect(&mut message, 0, &mut mail);
    Ok(mail)
}

/// A Message-ID as it is compared and written in threading headers: without whitespace and
/// angle brackets.
pub fn bare_message_id(id: &str) -> &str {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
}

fn replies_to(message: &Message<'_>) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for value in [message.in_reply_to(), message.references()] {
        for id in value.as_text_list().unwrap_or_default() {
            let id = id.trim().trim_matches(['<', '>']).to_string();
            if !id.is_empty() && !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

/// RFC 3834 and common practice: the headers and senders that mark mail no person wrote.
/// Answering them risks mail loops with vacation responders, bounces and lists.
fn automated(message: &Message<'_>, from: Option<&str>) -> Option<String> {
    let text = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    if let Some(v) = text("Auto-Submitted").filter(|v| !v.starts_with("no")) {
        return Some(format!("auto-submitted: {v}"));
    }
    if let Some(v) =
        text("Precedence").filter(|v| ["bulk", "list", "junk", "auto_reply"].contains(&v.as_str()))
    {
        return Some(format!("precedence: {v}"));
    }
    for header in [
        "List-Id",
        "List-Unsubscribe",
        "X-Autoreply",
        "X-Autorespond",
        "X-Auto-Response-Suppress",
    ] {
        if message.header_raw(header).is_some() {
            return Some(format!("{} header", header.to_ascii_lowercase()));
        }
    }
    if text("Return-Path").is_some_and(|v| v.trim_matches([' ', '<', '>']).is_empty()) {
        return Some("null return path".into());
    }
    if message.content_type().is_some_and(|ct| {
        ct.subtype()
            .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    }) {
        return Some("delivery report".into());
    }
    let local = from?
        .split('@')
        .next()?
        .to_ascii_lowercase()
        .replace(['-', '_', '.'], "");
    [
        "mailerdaemon",
        "postmaster",
        "noreply",
        "donotreply",
        "bounce",
        "bounces",
    ]
    .contains(&local.as_str())
    .then(|| format!("sender {local}"))
}

/// The first text body: text/plain as sent, or an HTML-only body converted with its block
/// structure kept (mail-parser's own conversion runs table cells and divs together).
fn body_text(message: &Message<'_>) -> Option<String> {
    let part = message.parts.get(*message.text_body.first()? as usize)?;
    match &part.body {
        PartType::Text(text) => Some(text.to_string()),
        PartType::Html(html) => Some(html_to_text(html)),
        _ => None,
    }
}

/// Moves every attachment's bytes out of the parsed message (a 40 MB scan is not copied), and
/// descends into forwarded messages.
fn collect(message: &mut Message<'_>, depth: usize, mail: &mut ParsedMail) {
    if let Some(body) = body_text(message) {
        if !mail.body.is_empty() {
            // The same marker mail clients put above an inline forward, so the body reader
            // knows where the forwarder's note ends and the applicant's own mail begins.
            mail.body
                .push_str("\n\n---------- Forwarded message ---------\n");
        }
        mail.body.push_str(body.trim_end());
    }
    for id in message.attachments.clone() {
        let Some(part) = message.parts.get_mut(id as usize) else {
            continue;
        };
        if let PartType::Message(nested) = &mut part.body {
            if depth + 1 < MAX_DEPTH {
                collect(nested, depth + 1, mail);
            }
            continue;
        }
        if mail.attachments.len() >= MAX_ATTACHMENTS {
            return;
        }
        let declared_type = part.content_type().map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        });
        let name = part.attachment_name().map(str::to_string);
        let data: Vec<u8> = match std::mem::take(&mut part.body) {
            PartType::Binary(b) | PartType::InlineBinary(b) => b.into_owned(),
            PartType::Text(t) | PartType::Html(t) => t.into_owned().into_bytes(),
            PartType::Message(_) | PartType::Multipart(_) => continue,
        };
        if data.is_empty() {
            continue;
        }
        let file_type = FileType::sniff(&data);
        let index = mail.attachments.len() + 1;
        mail.attachments.push(Attachment {
            filename: sanitize_filename(name.as_deref(), index, file_type),
            declared_type,
            file_type,
            data,
            depth,
        });
    }
}

fn clean_header_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A name from the mail becomes a plain file name: the last path component, no control
/// characters, no leading dots, bounded length; a part without a usable name gets
/// `lampiran-N.ext` from its sniffed type.
pub fn sanitize_filename(name: Option<&str>, index: usize, file_type: FileType) -> String {
    let base = name.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .take(MAX_FILENAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() || cleaned == ".." {
        format!("lampiran-{index}.{}", extension(file_type))
    } else {
        cleaned
    }
}

fn extension(file_type: FileType) -> &'static str {
    match file_type {
        FileType::Pdf => "pdf",
        FileType::Jpeg => "jpg",
        FileType::Png => "png",
        FileType::Gif => "gif",
        FileType::Tiff => "tif",
        FileType::Bmp => "bmp",
        FileType::Webp => "webp",
        FileType::Heic => "heic",
        FileType::Zip => "zip",
        FileType::Ole => "doc",
        FileType::Tnef => "dat",
        FileType::Html => "html",
        FileType::Text => "txt",
        FileType::Unknown => "bin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_ignores_names_and_claims() {
        assert_eq!(FileType::sniff(b"%PDF-1.7\n..."), FileType::Pdf);
        assert_eq!(
            FileType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            FileType::Jpeg
        );
        assert_eq!(FileType::sniff(b"\x89PNG\r\n\x1a\n0000"), FileType::Png);
        assert_eq!(
            FileType::sniff(b"\0\0\0\x18ftypheic\0\0\0\0"),
            FileType::Heic
        );
        assert_eq!(FileType::sniff(b"PK\x03\x04word/"), FileType::Zip);
        assert_eq!(FileType::sniff(b"<svg xmlns='x'></svg>"), FileType::Html);
        assert_eq!(
            FileType::sniff(&[0x00, 0x9F, 0x92, 0x96]),
            FileType::Unknown
        );
    }

    #[test]
    fn filenames_lose_paths_and_control_characters() {
        assert_eq!(
            sanitize_filename(Some("1234/../../1234.txt"), 1, FileType::Text),
            "1234.txt"
        );
        assert_eq!(
            sanitize_filename(Some("C:\\Windows\\evil.exe"), 1, FileType::Unknown),
            "evil.exe"
        );
        assert_eq!(
            sanitize_filename(Some("/etc/passwd"), 1, FileType::Text),
            "passwd"
        );
        assert_eq!(
            sanitize_filename(Some("ktp\r\nBcc: x.jpg"), 1, FileType::Jpeg),
            "ktpBcc x.jpg"
        );
        assert_eq!(
            sanitize_filename(Some(".."), 3, FileType::Pdf),
            "lampiran-3.pdf"
        );
        assert_eq!(sanitize_filename(None, 2, FileType::Jpeg), "lampiran-2.jpg");
        assert_eq!(
            sanitize_filename(Some(".bashrc"), 2, FileType::Text),
            "bashrc"
        );
        let long = "a".repeat(500);
        assert_eq!(
            sanitize_filename(Some(&long), 1, FileType::Text)
                .chars()
                .count(),
            MAX_FILENAME_CHARS
        );
    }

    #[test]
    fn non_mail_is_refused() {
        assert_eq!(parse_mail(b""), Err(ParseError::Empty));
        assert_eq!(parse_mail(b"  \r\n"), Err(ParseError::Empty));
        assert_eq!(
            parse_mail(b"%PDF-1.4 binary junk\n"),
            Err(ParseError::NotAnEmail)
        );
    }

    #[test]
    fn forwarded_message_attachments_are_found_with_depth() {
        let inner = "From: a@x.go.id\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\nContent-Type: text/plain\r\n\r\nNama: Budi\r\n--in\r\nContent-Type: image/png; name=\"../ktp.png\"\r\nContent-Disposition: attachment; filename=\"../ktp.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n--in--\r\n";
        let outer = format!(
            "From: Subbag <umum@x.go.id>\r\nSubject: Fwd\r\nMessage-ID: <m1@x>\r\nContent-Type: multipart/mixed; boundary=out\r\n\r\n--out\r\nContent-Type: text/plain\r\n\r\nkami teruskan\r\n--out\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--out--\r\n"
        );
        let mail = parse_mail(outer.as_bytes()).unwrap();
        assert_eq!(mail.message_id.as_deref(), Some("m1@x"));
        assert_eq!(mail.from.as_deref(), Some("umum@x.go.id"));
        assert!(mail.body.contains("kami teruskan") && mail.body.contains("Nama: Budi"));
        assert_eq!(mail.attachments.len(), 1);
        let att = &mail.attachments[0];
        assert_eq!(
            (att.filename.as_str(), att.file_type, att.depth),
            ("ktp.png", FileType::Jpeg, 1)
        );
        assert_eq!(att.declared_type.as_deref(), Some("image/png"));
    }

    fn mail_with(headers: &str) -> ParsedMail {
        let raw = format!("{headers}Subject: x\r\nMessage-ID: <a@b>\r\n\r\nisi\r\n");
        parse_mail(raw.as_bytes()).unwrap()
    }

    #[test]
    fn machine_written_mail_is_recognised() {
        let person = mail_with("From: Sitti <sitti@gorontalokab.go.id>\r\nAuto-Submitted: no\r\n");
        assert_eq!(person.automated, None);
        for headers in [
            "From: a@b.c\r\nAuto-Submitted: auto-replied\r\n",
            "From: a@b.c\r\nPrecedence: bulk\r\n",
            "From: a@b.c\r\nList-Id: <asn.gorontalokab.go.id>\r\n",
            "From: a@b.c\r\nReturn-Path: <>\r\n",
            "From: MAILER-DAEMON@mx.example\r\n",
            "From: no-reply@srikandi.go.id\r\n",
            "From: a@b.c\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\r\n",
        ] {
            assert!(mail_with(headers).automated.is_some(), "{headers}");
        }
    }

    #[test]
    fn reply_ids_come_from_in_reply_to_then_references() {
        let m = mail_with(
            "From: a@b.c\r\nIn-Reply-To: <ack-1@kominfo>\r\nReferences: <app-1@x> <ack-1@kominfo>\r\n",
        );
        assert_eq!(m.replies_to, ["ack-1@kominfo", "app-1@x"]);
    }
}
