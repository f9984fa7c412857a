//! Building the MIME message: addresses, Message-IDs and threading headers, the subject tag,
//! attachments, the finished bytes.

use crate::applicant::nik::mask_niks_in;
use crate::case::store::OutgoingMail;
use crate::case::{Case, CaseId, Purpose};
use crate::config::Office;
use crate::parse::bare_message_id;
use chrono::{DateTime, Utc};
use lettre::address::Envelope;
use lettre::message::header::{self, ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, Mailboxes, MultiPart, SinglePart};
use lettre::{Address, Message};
use sha2::{Digest, Sha256};
use std::time::SystemTime;

/// The case a subject names with a `[TTE-2026-0007]` tag, in any case and anywhere in it.
pub fn case_tag(subject: &str) -> Option<CaseId> {
    let mut rest = subject;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find(']') else { break };
        if let Ok(id) = rest[..close].to_ascii_uppercase().parse() {
            return Some(id);
        }
    }
    None
}

pub(super) struct Draft<'a> {
    pub(super) office: &'a Office,
    pub(super) kind: Purpose,
    pub(super) case: Option<&'a Case>,
    /// Display name and address of each recipient.
    pub(super) to: Vec<(Option<String>, String)>,
    pub(super) subject: String,
    pub(super) body: String,
    /// Message-ID of the mail this one answers.
    pub(super) reply_to: Option<&'a str>,
    pub(super) now: DateTime<Utc>,
    pub(super) files: Vec<MailFile>,
}

/// A file attached to a mail sertel sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFile {
    pub filename: String,
    /// MIME type, e.g. `application/pdf`.
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

pub(super) fn applicant_mail(
    office: &Office,
    case: &Case,
    kind: Purpose,
    subject: &str,
    body: String,
    reply_to: Option<&str>,
    now: DateTime<Utc>,
) -> OutgoingMail {
    finish(Draft {
        office,
        kind,
        case: Some(case),
        to: vec![(
            case.applicant.fields.name.clone(),
            case.applicant.reply_to.clone(),
        )],
        subject: format!("[{}] {subject}", case.id),
        body,
        reply_to,
        now,
        files: Vec::new(),
    })
}

pub(super) fn finish(d: Draft<'_>) -> OutgoingMail {
    let from_addr = bare_address(&d.office.address);
    let to_addrs: Vec<String> = d.to.iter().map(|(_, a)| bare_address(a)).collect();
    let case_key = d
        .case
        .map_or_else(|| "none".to_string(), |c| c.id.to_string());
    let message_id = format!(
        "sertel.{case_key}.{}.{}@{}",
        d.kind.as_str(),
        id_hash(&case_key, d.kind.as_str(), d.now, &to_addrs),
        domain_of(&from_addr)
    );

    let reply_to = d.reply_to.map(bare_message_id).filter(|id| valid_id(id));
    let mut references: Vec<&str> = Vec::new();
    for id in d
        .case
        .into_iter()
        .flat_map(|c| c.thread.iter().map(|t| bare_message_id(t)))
        .chain(reply_to)
    {
        if valid_id(id) && !references.contains(&id) {
            references.push(id);
        }
    }

    let from = lettre_address(&from_addr);
    let mut to = Mailboxes::new();
    for ((name, _), addr) in d.to.iter().zip(&to_addrs) {
        let name = name.as_deref().map(one_line).filter(|n| !n.is_empty());
        to.push(Mailbox::new(name, lettre_address(addr)));
    }
    // The envelope is given rather than derived so that lettre never re-parses the headers;
    // OutgoingMail carries the real envelope.
    let envelope = Envelope::new(
        Some(from.clone()),
        to.iter().map(|m| m.email.clone()).collect(),
    )
    .expect("every draft has a recipient");
    // RFC 3834: an answer to a mail is auto-replied, anything else auto-generated, so that
    // vacation responders and other robots do not answer back.
    let auto = if reply_to.is_some() {
        "auto-replied"
    } else {
        "auto-generated"
    };

    let mut builder = Message::builder()
        .from(Mailbox::new(Some(one_line(&d.office.name)), from))
        .header(header::To::from(to))
        .subject(mask_niks_in(&one_line(&d.subject)))
        .date(SystemTime::from(d.now))
        .message_id(Some(format!("<{message_id}>")))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            auto.into(),
        ))
        // Exchange ignores Auto-Submitted; this keeps its out-of-office replies away too.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
            "All".into(),
        ))
        .envelope(envelope);
    if let Some(id) = reply_to {
        builder = builder.in_reply_to(format!("<{id}>"));
    }
    if !references.is_empty() {
        let joined: Vec<String> = references.iter().map(|id| format!("<{id}>")).collect();
        builder = builder.references(joined.join(" "));
    }
    let text = mask_niks_in(&d.body);
    let message = if d.files.is_empty() {
        builder.header(ContentType::TEXT_PLAIN).body(text)
    } else {
        let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(text));
        for f in d.files {
            let content_type =
                ContentType::parse(f.content_type).unwrap_or(ContentType::TEXT_PLAIN);
            parts = parts
                .singlepart(Attachment::new(one_line(&f.filename)).body(f.bytes, content_type));
        }
        builder.multipart(parts)
    }
    .expect("From, To and the envelope are always set");

    OutgoingMail {
        purpose: d.kind,
        from: from_addr,
        to: to_addrs,
        message_id,
        raw: message.formatted(),
    }
}

pub(super) fn id_hash(case: &str, kind: &str, now: DateTime<Utc>, to: &[String]) -> String {
    let mut h = Sha256::new();
    for part in [case, kind, &now.to_rfc3339(), &to.join(",")] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

pub(super) fn bare_address(raw: &str) -> String {
    let t = raw.trim();
    t.strip_prefix('<')
        .and_then(|r| r.strip_suffix('>'))
        .unwrap_or(t)
        .trim()
        .to_string()
}

/// lettre takes only addresses it can parse; a bad one must not stop the mail from being
/// composed. The header then shows a placeholder while `OutgoingMail::to` keeps the original,
/// which the transport refuses for good, so the failure is seen in the outbox.
pub(super) fn lettre_address(addr: &str) -> Address {
    addr.parse().unwrap_or_else(|_| {
        tracing::warn!(
            address = addr,
            "unusable mail address, header shows a placeholder"
        );
        Address::new_dangerous("invalid", "invalid")
    })
}

pub(super) fn domain_of(addr: &str) -> String {
    addr.rsplit_once('@')
        .map(|(_, d)| d.trim().to_ascii_lowercase())
        .filter(|d| {
            !d.is_empty()
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
        .unwrap_or_else(|| "localhost".into())
}

/// A Message-ID as it may go into a header: printable ASCII without brackets or spaces.
pub(super) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
}

/// Text from outside (a subject, a name, a reason) on one line: no control characters to break
/// a header or the layout, and no more than a line's worth.
pub(super) fn one_line(s: &str) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match flat.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}
