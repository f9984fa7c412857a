//! MIME mechanics: a part tree rendered as RFC 5322 / MIME bytes with CRLF line ends, folded
//! headers, base64 attachments wrapped at 76 columns and quoted-printable text.

/// One MIME entity.
pub struct Part {
    headers: Vec<(String, String)>,
    body: Body,
}

enum Body {
    /// Already transfer-encoded, CRLF line ends.
    Encoded(String),
    Multi {
        boundary: String,
        parts: Vec<Part>,
    },
    /// A complete message carried as `message/rfc822`.
    Message(Vec<u8>),
}

/// How a text part is transfer-encoded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    SevenBit,
    QuotedPrintable,
}

/// How an attachment is presented.
pub enum Disposition<'a> {
    Attachment,
    /// Shown in the HTML body through `cid:`.
    Inline {
        content_id: &'a str,
    },
}

impl Part {
    pub fn text(subtype: &str, content: &str, encoding: TextEncoding) -> Part {
        let (cte, body) = match encoding {
            TextEncoding::SevenBit => ("7bit", crlf(content)),
            TextEncoding::QuotedPrintable => ("quoted-printable", quoted_printable(content)),
        };
        Part {
            headers: vec![
                (
                    "Content-Type".into(),
                    format!("text/{subtype}; charset=\"UTF-8\""),
                ),
                ("Content-Transfer-Encoding".into(), cte.into()),
            ],
            body: Body::Encoded(body),
        }
    }

    pub fn attachment(
        content_type: &str,
        filename: &str,
        data: &[u8],
        disposition: Disposition,
    ) -> Part {
        let mut headers = vec![
            (
                "Content-Type".into(),
                format!("{content_type}; name=\"{filename}\""),
            ),
            ("Content-Transfer-Encoding".into(), "base64".into()),
        ];
        match disposition {
            Disposition::Attachment => headers.push((
                "Content-Disposition".into(),
                format!("attachment; filename=\"{filename}\""),
            )),
            Disposition::Inline { content_id } => {
                headers.push((
                    "Content-Disposition".into(),
                    format!("inline; filename=\"{filename}\""),
                ));
                headers.push(("Content-ID".into(), format!("<{content_id}>")));
            }
        }
        Part {
            headers,
            body: Body::Encoded(base64(data)),
        }
    }

    pub fn multipart(subtype: &str, boundary: String, parts: Vec<Part>) -> Part {
        Part {
            headers: vec![(
                "Content-Type".into(),
                format!("multipart/{subtype}; boundary=\"{boundary}\""),
            )],
            body: Body::Multi { boundary, parts },
        }
    }

    /// A forwarded message as an attachment, the way mail clients' "forward as attachment" does.
    pub fn message(filename: &str, bytes: Vec<u8>) -> Part {
        Part {
            headers: vec![
                (
                    "Content-Type".into(),
                    format!("message/rfc822; name=\"{filename}\""),
                ),
                (
                    "Content-Disposition".into(),
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            body: Body::Message(bytes),
        }
    }

    fn render(&self, out: &mut Vec<u8>) {
        for (name, value) in &self.headers {
            out.extend_from_slice(fold(name, value).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        match &self.body {
            Body::Encoded(text) => out.extend_from_slice(text.as_bytes()),
            Body::Message(bytes) => out.extend_from_slice(bytes),
            Body::Multi { boundary, parts } => {
                for part in parts {
                    out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                    part.render(out);
                    if !out.ends_with(b"\r\n") {
                        out.extend_from_slice(b"\r\n");
                    }
                }
                out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            }
        }
    }
}

/// A whole message: the top-level `headers`, MIME-Version, then `root`'s own headers and body.
pub fn message(headers: &[(&str, String)], root: &Part) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in headers {
        out.extend_from_slice(fold(name, value).as_bytes());
    }
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    root.render(&mut out);
    out
}

/// `Name: value` CRLF, folded at spaces so no line exceeds 78 characters where possible.
fn fold(name: &str, value: &str) -> String {
    let mut out = String::new();
    let mut line = format!("{name}:");
    for word in value.split(' ') {
        if line.len() + 1 + word.len() > 78 && line.len() > name.len() + 1 {
            out.push_str(&line);
            out.push_str("\r\n");
            line = String::new();
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push_str("\r\n");
    out
}

fn crlf(text: &str) -> String {
    let mut out = text.replace("\r\n", "\n").replace('\n', "\r\n");
    if !out.ends_with("\r\n") {
        out.push_str("\r\n");
    }
    out
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with CRLF every 76 characters.
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 4 / 3 + data.len() / 38 + 4);
    let mut column = 0;
    for chunk in data.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            let c = if i <= chunk.len() {
                B64[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            };
            out.push(c);
        }
        column += 4;
        if column == 76 {
            out.push_str("\r\n");
            column = 0;
        }
    }
    if column > 0 {
        out.push_str("\r\n");
    }
    out
}

/// Quoted-printable (RFC 2045) with soft breaks before column 76.
pub fn quoted_printable(text: &str) -> String {
    let mut out = String::new();
    let normalized = text.replace("\r\n", "\n");
    for line in normalized.split('\n') {
        let mut column = 0;
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let literal =
                (b == b' ' || b == b'\t') && !last || (33..=126).contains(&b) && b != b'=';
            let piece = if literal {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            if column + piece.len() > 75 {
                out.push_str("=\r\n");
                column = 0;
            }
            out.push_str(&piece);
            column += piece.len();
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==\r\n");
        assert_eq!(base64(b"foob"), "Zm9vYg==\r\n");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy\r\n");
        let long = base64(&[0u8; 120]);
        assert!(long.split("\r\n").all(|l| l.len() <= 76));
    }

    #[test]
    fn qp_escapes_and_wraps() {
        let qp = quoted_printable("a=b \n<td border=\"1\">");
        assert_eq!(qp, "a=3Db=20\r\n<td border=3D\"1\">\r\n");
        let long = quoted_printable(&"x".repeat(200));
        assert!(long.split("\r\n").all(|l| l.len() <= 76));
    }

    #[test]
    fn headers_fold_at_spaces() {
        let folded = fold("Subject", &"kata ".repeat(30));
        assert!(folded.split("\r\n").all(|l| l.len() <= 78));
        assert_eq!(
            folded.replace("\r\n", "").trim_end(),
            format!("Subject: {}", "kata ".repeat(30)).trim_end()
        );
    }
}
