//! Email addresses as applicants write them: trimmed, unbracketed, lowercased, checked for
//! shape, and told apart as government (.go.id) or not.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("email address is empty")]
    Empty,
    #[error("email address has no @")]
    MissingAt,
    #[error("email address has more than one @")]
    MultipleAt,
    #[error("email local part is empty")]
    EmptyLocalPart,
    #[error("email local part contains a space")]
    LocalPartHasSpace,
    #[error("email local part contains {character:?}")]
    BadLocalCharacter { character: char },
    #[error("email local part has a misplaced dot")]
    BadLocalDots,
    #[error("email domain {domain:?} has no dot")]
    DomainWithoutDot { domain: String },
    #[error("email domain label {label:?} is invalid")]
    BadDomainLabel { label: String },
}

impl EmailError {
    /// Explanation for the verifier and the applicant, in Indonesian.
    pub fn keterangan(&self) -> String {
        match self {
            EmailError::Empty => "Alamat email tidak diisi".to_string(),
            EmailError::MissingAt => "Alamat email tidak memuat tanda @".to_string(),
            EmailError::MultipleAt => "Alamat email memuat lebih dari satu tanda @".to_string(),
            EmailError::EmptyLocalPart => "Alamat email tidak memuat nama sebelum @".to_string(),
            EmailError::LocalPartHasSpace => {
                "Alamat email tidak boleh mengandung spasi".to_string()
            }
            EmailError::BadLocalCharacter { character } => {
                format!("Alamat email mengandung karakter '{character}' yang tidak diperbolehkan")
            }
            EmailError::BadLocalDots => {
                "Titik pada alamat email tidak boleh di awal, di akhir, atau berurutan sebelum @"
                    .to_string()
            }
            EmailError::DomainWithoutDot { domain } => format!(
                "Domain email \"{domain}\" tidak lengkap (contoh yang benar: gmail.com atau gorontalokab.go.id)"
            ),
            EmailError::BadDomainLabel { label } => {
                format!("Domain email memuat bagian \"{label}\" yang tidak valid")
            }
        }
    }
}

/// A lowercased email address of plausible shape (not checked for deliverability).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress {
    address: String,
    at: usize,
}

impl EmailAddress {
    pub fn parse(s: &str) -> Result<EmailAddress, EmailError> {
        let trimmed = s.trim();
        let unbracketed = trimmed
            .strip_prefix('<')
            .and_then(|rest| rest.strip_suffix('>'))
            .unwrap_or(trimmed)
            .trim();
        let address = unbracketed.to_lowercase();
        if address.is_empty() {
            return Err(EmailError::Empty);
        }
        let at = address.find('@').ok_or(EmailError::MissingAt)?;
        let (local, domain) = (&address[..at], &address[at + 1..]);
        if domain.contains('@') {
            return Err(EmailError::MultipleAt);
        }
        check_local(local)?;
        check_domain(domain)?;
        Ok(EmailAddress { address, at })
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }

    pub fn domain(&self) -> &str {
        &self.address[self.at + 1..]
    }

    /// Government mail (e.g. gorontalokab.go.id), which BSrE prefers for official use.
    pub fn is_government(&self) -> bool {
        self.domain().ends_with(".go.id")
    }
}

fn check_local(local: &str) -> Result<(), EmailError> {
    if local.is_empty() {
        return Err(EmailError::EmptyLocalPart);
    }
    if local.chars().any(char::is_whitespace) {
        return Err(EmailError::LocalPartHasSpace);
    }
    if let Some(character) = local
        .chars()
        .find(|c| c.is_control() || "<>()[]\\,;:\"".contains(*c))
    {
        return Err(EmailError::BadLocalCharacter { character });
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailError::BadLocalDots);
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), EmailError> {
    if !domain.contains('.') {
        return Err(EmailError::DomainWithoutDot {
            domain: domain.to_string(),
        });
    }
    let labels: Vec<&str> = domain.split('.').collect();
    for label in &labels {
        let valid = (1..=63).contains(&label.len())
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !valid {
            return Err(EmailError::BadDomainLabel {
                label: label.to_string(),
            });
        }
    }
    // A top-level domain is never numeric and never one letter ("gmail.c", "mail.123").
    let tld = labels.last().copied().unwrap_or_default();
    if tld.len() < 2 || tld.chars().all(|c| c.is_ascii_digit()) {
        return Err(EmailError::BadDomainLabel {
            label: tld.to_string(),
        });
    }
    Ok(())
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

impl serde::Serialize for EmailAddress {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.address)
    }
}

impl FromStr for EmailAddress {
    type Err = EmailError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EmailAddress::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        for written in [
            "rahmat.lamato@gorontalokab.go.id",
            "  Rahmat.Lamato@GorontaloKab.go.id ",
            "<rahmat.lamato@gorontalokab.go.id>",
            " < rahmat.lamato@gorontalokab.go.id > ",
        ] {
            let email = EmailAddress::parse(written).unwrap();
            assert_eq!(
                email.as_str(),
                "rahmat.lamato@gorontalokab.go.id",
                "{written}"
            );
            assert_eq!(email.domain(), "gorontalokab.go.id");
            assert!(email.is_government());
        }
    }

    #[test]
    fn private_mail_is_not_government() {
        let email: EmailAddress = "siti_abas+tte@gmail.com".parse().unwrap();
        assert_eq!(email.domain(), "gmail.com");
        assert!(!email.is_government());
        assert_eq!(email.to_string(), "siti_abas+tte@gmail.com");
        assert_eq!(
            serde_json::to_string(&email).unwrap(),
            "\"siti_abas+tte@gmail.com\""
        );
        // "go.id" somewhere else in the name is not enough.
        assert!(
            !EmailAddress::parse("a@go.id.example.com")
                .unwrap()
                .is_government()
        );
    }

    fn err(s: &str) -> EmailError {
        EmailAddress::parse(s).unwrap_err()
    }

    #[test]
    fn every_error() {
        assert_eq!(err("  "), EmailError::Empty);
        assert_eq!(err("<>"), EmailError::Empty);
        assert_eq!(err("rahmat.gmail.com"), EmailError::MissingAt);
        assert_eq!(err("rahmat@@gmail.com"), EmailError::MultipleAt);
        assert_eq!(err("a@b@gmail.com"), EmailError::MultipleAt);
        assert_eq!(err("@gmail.com"), EmailError::EmptyLocalPart);
        assert_eq!(
            err("rahmat lamato@gmail.com"),
            EmailError::LocalPartHasSpace
        );
        assert_eq!(
            err("rahmat,lamato@gmail.com"),
            EmailError::BadLocalCharacter { character: ',' }
        );
        assert_eq!(err(".rahmat@gmail.com"), EmailError::BadLocalDots);
        assert_eq!(err("rahmat.@gmail.com"), EmailError::BadLocalDots);
        assert_eq!(err("rahmat..lamato@gmail.com"), EmailError::BadLocalDots);
        assert_eq!(
            err("rahmat@gmail"),
            EmailError::DomainWithoutDot {
                domain: "gmail".into()
            }
        );
        assert_eq!(
            err("rahmat@gmail..com"),
            EmailError::BadDomainLabel {
                label: String::new()
            }
        );
        assert_eq!(
            err("rahmat@-gmail.com"),
            EmailError::BadDomainLabel {
                label: "-gmail".into()
            }
        );
        assert_eq!(
            err("rahmat@gmail.c"),
            EmailError::BadDomainLabel { label: "c".into() }
        );
        assert_eq!(
            err("rahmat@10.0.0.1"),
            EmailError::BadDomainLabel { label: "1".into() }
        );
        assert_eq!(
            err("rahmat@gmail .com"),
            EmailError::BadDomainLabel {
                label: "gmail ".into()
            }
        );
    }

    #[test]
    fn keterangan_is_indonesian_and_messages_lowercase() {
        assert_eq!(
            err("rahmat.gmail.com").keterangan(),
            "Alamat email tidak memuat tanda @"
        );
        assert!(err("rahmat@gmail").keterangan().contains("\"gmail\""));
        for s in [
            "", "x", "a@@b.c", "@b.co", "a b@c.co", "a,b@c.co", ".a@b.co", "a@b", "a@b..co",
        ] {
            let e = err(s);
            assert!(e.to_string().starts_with(|c: char| c.is_ascii_lowercase()));
            assert!(!e.keterangan().is_empty());
        }
    }
}
