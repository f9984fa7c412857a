//! Whether the office's own mail server vouches for a mail's sender: the `Authentication-Results`
//! header (RFC 8601) that it adds, named by its `authserv-id`. A From address proves nothing;
//! staff commands by mail (a disposition, a signed letter) count only when this says yes.
//!
//! The office MTA prepends its header above everything the sender wrote, and removes any header
//! claiming its own `authserv-id` from incoming mail (OpenDKIM, OpenDMARC and rspamd do), so the
//! first header with that id is the MTA's. A mail with none is not vouched for.

use std::fmt;

/// How the MTA authenticated the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vouch {
    /// A DKIM signature of the From domain (or a parent or child of it) verified.
    Dkim(String),
    /// DMARC passed for the From domain.
    Dmarc(String),
    /// SPF passed for an envelope sender aligned with the From domain.
    Spf(String),
    /// The sender logged in to the office's own submission service.
    Submission(String),
}

impl fmt::Display for Vouch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Vouch::Dkim(d) => write!(f, "dkim=pass header.d={d}"),
            Vouch::Dmarc(d) => write!(f, "dmarc=pass header.from={d}"),
            Vouch::Spf(d) => write!(f, "spf=pass smtp.mailfrom={d}"),
            Vouch::Submission(u) => write!(f, "auth=pass smtp.auth={u}"),
        }
    }
}

/// Why a mail is not vouched for; the messages go to verifiers, in Indonesian.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unvouched {
    #[error(
        "server surel kantor tidak dikonfigurasi untuk menjamin pengirim ([intake] authserv_id)"
    )]
    NotConfigured,
    #[error("surel tidak memiliki hasil autentikasi dari server surel kantor ({0})")]
    NoResults(String),
    #[error("hasil autentikasi server surel kantor tidak menjamin alamat pengirim: {0}")]
    NotAligned(String),
    #[error("alamat pengirim tidak dapat dibaca")]
    NoSender,
}

/// The verdict on `raw` (a whole mail, or its header) from `from`: vouched for by the MTA named
/// `authserv_id`, or why not.
pub fn vouch(raw: &[u8], authserv_id: Option<&str>, from: &str) -> Result<Vouch, Unvouched> {
    let Some(id) = authserv_id.map(str::trim).filter(|id| !id.is_empty()) else {
        return Err(Unvouched::NotConfigured);
    };
    let Some((local, domain)) = from.trim().rsplit_once('@') else {
        return Err(Unvouched::NoSender);
    };
    let domain = domain.to_ascii_lowercase();
    let Some(results) = header_values(raw, "authentication-results")
        .into_iter()
        .map(|value| parse_results(&value))
        .find(|r| r.authserv_id.eq_ignore_ascii_case(id))
    else {
        return Err(Unvouched::NoResults(id.to_string()));
    };
    let address = format!("{local}@{domain}");
    let mut seen = Vec::new();
    for method in &results.methods {
        seen.push(format!("{}={}", method.name, method.result));
        if method.result != "pass" {
            continue;
        }
        let prop = |name: &str| method.prop(name).map(|v| v.to_ascii_lowercase());
        let aligned_domain = |value: Option<String>| {
            value
                .map(|v| v.rsplit_once('@').map_or(v.clone(), |(_, d)| d.to_string()))
                .filter(|d| aligned(d, &domain))
        };
        let vouched = match method.name.as_str() {
            "dkim" => {
                aligned_domain(prop("header.d").or_else(|| prop("header.i"))).map(Vouch::Dkim)
            }
            "dmarc" => aligned_domain(prop("header.from")).map(Vouch::Dmarc),
            "spf" => aligned_domain(prop("smtp.mailfrom")).map(Vouch::Spf),
            "auth" => prop("smtp.auth")
                .filter(|user| {
                    user.eq_ignore_ascii_case(&address) || user.eq_ignore_ascii_case(local)
                })
                .or_else(|| aligned_domain(prop("smtp.mailfrom")))
                .map(Vouch::Submission),
            _ => None,
        };
        if let Some(v) = vouched {
            return Ok(v);
        }
    }
    Err(Unvouched::NotAligned(if seen.is_empty() {
        "none".into()
    } else {
        seen.join(", ")
    }))
}

/// DMARC's relaxed alignment, without the public-suffix list: the same domain, or one a
/// subdomain of the other.
fn aligned(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_end_matches('.'), b.trim_end_matches('.'));
    a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}"))
}

/// Every value of the header `name` in `raw`, top to bottom, continuation lines joined.
fn header_values(raw: &[u8], name: &str) -> Vec<String> {
    let head = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|end| &raw[..end])
        .or_else(|| {
            raw.windows(2)
                .position(|w| w == b"\n\n")
                .map(|end| &raw[..end])
        })
        .unwrap_or(raw);
    let text = String::from_utf8_lossy(head);
    let mut fields: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with([' ', '\t']) {
            if let Some(last) = fields.last_mut() {
                last.push(' ');
                last.push_str(line.trim());
            }
        } else {
            fields.push(line.to_string());
        }
    }
    fields
        .into_iter()
        .filter_map(|field| {
            let (n, value) = field.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
        .collect()
}

struct Results {
    authserv_id: String,
    methods: Vec<Method>,
}

struct Method {
    name: String,
    result: String,
    props: Vec<(String, String)>,
}

impl Method {
    fn prop(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// RFC 8601's `authserv-id [version] *(";" resinfo)`, comments removed.
fn parse_results(value: &str) -> Results {
    let value = without_comments(value);
    let mut parts = value.split(';');
    let authserv_id = parts
        .next()
        .and_then(|id| id.split_whitespace().next())
        .unwrap_or("")
        .to_string();
    let methods = parts
        .filter_map(|resinfo| {
            let mut tokens = resinfo.split_whitespace();
            let (name, result) = tokens.next()?.split_once('=')?;
            let props = tokens
                .filter_map(|t| t.split_once('='))
                .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
                .collect();
            Some(Method {
                name: name.split('/').next().unwrap_or(name).to_ascii_lowercase(),
                result: result.to_ascii_lowercase(),
                props,
            })
        })
        .collect();
    Results {
        authserv_id,
        methods,
    }
}

/// `value` without its parenthesised comments (which may nest), and so without any ';' or
/// '=' a comment holds.
fn without_comments(value: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::with_capacity(value.len());
    let mut escaped = false;
    for c in value.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if depth > 0 => escaped = true,
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: Option<&str> = Some("mx.gorontalokab.go.id");
    const KADIS: &str = "kadis@gorontalokab.go.id";

    fn mail(headers: &str) -> Vec<u8> {
        format!("{headers}From: Kepala Dinas <{KADIS}>\r\nSubject: Re: x\r\n\r\nsetuju\r\n")
            .into_bytes()
    }

    #[test]
    fn the_office_mta_vouches_by_dkim_dmarc_spf_or_submission() {
        let cases = [
            (
                "Authentication-Results: mx.gorontalokab.go.id;\r\n dkim=pass (2048-bit key) header.d=gorontalokab.go.id header.s=s1\r\n",
                Vouch::Dkim("gorontalokab.go.id".into()),
            ),
            (
                "Authentication-Results: mx.gorontalokab.go.id; spf=fail smtp.mailfrom=x.test; dmarc=pass (p=reject) header.from=gorontalokab.go.id\r\n",
                Vouch::Dmarc("gorontalokab.go.id".into()),
            ),
            (
                "Authentication-Results: MX.Gorontalokab.go.id 1; spf=pass smtp.mailfrom=kadis@mail.gorontalokab.go.id\r\n",
                Vouch::Spf("mail.gorontalokab.go.id".into()),
            ),
            (
                "Authentication-Results: mx.gorontalokab.go.id; auth=pass (cram-md5) smtp.auth=kadis\r\n",
                Vouch::Submission("kadis".into()),
            ),
        ];
        for (header, expected) in cases {
            assert_eq!(vouch(&mail(header), ID, KADIS), Ok(expected), "{header}");
        }
    }

    #[test]
    fn a_forged_or_foreign_result_vouches_for_nothing() {
        // No result at all, as a forger sending straight to the office would have.
        assert_eq!(
            vouch(&mail(""), ID, KADIS),
            Err(Unvouched::NoResults("mx.gorontalokab.go.id".into()))
        );
        // Another server's claim.
        assert!(matches!(
            vouch(
                &mail(
                    "Authentication-Results: mx.evil.test; dkim=pass header.d=gorontalokab.go.id\r\n"
                ),
                ID,
                KADIS
            ),
            Err(Unvouched::NoResults(_))
        ));
        // The MTA's own verdict on top, the forger's "pass" below it.
        let forged = mail(
            "Authentication-Results: mx.gorontalokab.go.id; dkim=none; spf=softfail smtp.mailfrom=evil.test\r\n\
             Received: from evil.test by mx.gorontalokab.go.id\r\n\
             Authentication-Results: mx.gorontalokab.go.id; dkim=pass header.d=gorontalokab.go.id\r\n",
        );
        assert_eq!(
            vouch(&forged, ID, KADIS),
            Err(Unvouched::NotAligned("dkim=none, spf=softfail".into()))
        );
        // A valid signature, of another domain.
        assert!(matches!(
            vouch(
                &mail(
                    "Authentication-Results: mx.gorontalokab.go.id; dkim=pass header.d=gmail.com\r\n"
                ),
                ID,
                KADIS
            ),
            Err(Unvouched::NotAligned(_))
        ));
        // "pass" inside a comment is no pass; a look-alike domain is not aligned.
        assert!(matches!(
            vouch(
                &mail(
                    "Authentication-Results: mx.gorontalokab.go.id; dkim=fail (dkim=pass header.d=gorontalokab.go.id) header.d=xgorontalokab.go.id\r\n"
                ),
                ID,
                KADIS
            ),
            Err(Unvouched::NotAligned(_))
        ));
        assert_eq!(vouch(&mail(""), None, KADIS), Err(Unvouched::NotConfigured));
    }

    #[test]
    fn submission_by_another_user_vouches_for_nothing() {
        let raw =
            mail("Authentication-Results: mx.gorontalokab.go.id; auth=pass smtp.auth=pemohon\r\n");
        assert!(matches!(
            vouch(&raw, ID, KADIS),
            Err(Unvouched::NotAligned(_))
        ));
    }

    #[test]
    fn alignment_is_by_whole_labels() {
        assert!(aligned("gorontalokab.go.id", "gorontalokab.go.id"));
        assert!(aligned("mail.gorontalokab.go.id", "gorontalokab.go.id"));
        assert!(!aligned("xgorontalokab.go.id", "gorontalokab.go.id"));
    }
}
