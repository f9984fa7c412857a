//! Web desk accounts (name, role, argon2id hash) and login sessions, kept in two trees of the
//! case database so that they live and are backed up with the cases.

use std::fmt;
use std::str::FromStr;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sled::Tree;

use crate::case::store::{CaseError, CaseStore};

/// How long a session lasts without being used.
pub const SESSION_IDLE: TimeDelta = TimeDelta::hours(8);
/// How long a session lasts however much it is used: a working day and a half.
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::hours(12);
/// Longest account name.
const NAME_LIMIT: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("case database: {0}")]
    Store(#[from] CaseError),
    #[error("account database: {0}")]
    Sled(#[from] sled::Error),
    #[error("stored account record {what} is damaged: {message}")]
    Corrupt { what: String, message: String },
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("no random bytes from the system: {0}")]
    Random(String),
    #[error("{0}")]
    Name(#[from] NameError),
}

/// Why an account name is refused; the message is for staff, in Indonesian.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("nama pengguna tidak boleh kosong")]
    Empty,
    #[error("nama pengguna paling panjang {NAME_LIMIT} karakter")]
    TooLong,
    #[error("nama pengguna hanya boleh berisi huruf, angka, titik, garis bawah dan tanda hubung")]
    Characters,
}

/// An account name is typed at a login form and shown in every case history: letters, digits,
/// `.`, `_` and `-` only, so that no control or bidirectional character can disguise one name
/// as another.
pub fn check_name(name: &str) -> Result<&str, NameError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().count() > NAME_LIMIT {
        return Err(NameError::TooLong);
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(NameError::Characters);
    }
    Ok(name)
}

/// What a person may do on the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Checks cases: edits fields, checks items, requests documents, rejects.
    Verifikator,
    /// Disposes cases to verifiers.
    Kadis,
    /// May do both.
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0} (expected verifikator, kadis or admin)")]
pub struct RoleError(pub String);

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Verifikator => "verifikator",
            Role::Kadis => "kadis",
            Role::Admin => "admin",
        }
    }

    pub fn may_dispose(self) -> bool {
        matches!(self, Role::Kadis | Role::Admin)
    }

    pub fn may_verify(self) -> bool {
        matches!(self, Role::Verifikator | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Role, RoleError> {
        match s.trim().to_lowercase().as_str() {
            "verifikator" => Ok(Role::Verifikator),
            "kadis" => Ok(Role::Kadis),
            "admin" => Ok(Role::Admin),
            _ => Err(RoleError(s.to_string())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// PHC string of the argon2id hash.
    pub hash: String,
    /// The email of the office verifier this account is (`[office] verifiers`): a verifikator
    /// acts on the cases disposed to that verifier, and on cases not yet disposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifier: Option<String>,
}

impl Account {
    /// Whether this account may act as a verifier on a case disposed to `assigned`.
    pub fn may_verify_case(&self, assigned: Option<&str>) -> bool {
        match (self.role, assigned) {
            (Role::Admin, _) | (Role::Verifikator, None) => true,
            (Role::Verifikator, Some(assigned)) => self
                .verifier
                .as_deref()
                .is_some_and(|mine| mine.eq_ignore_ascii_case(assigned)),
            (Role::Kadis, _) => false,
        }
    }
}

/// A logged-in person. The token itself is only in the cookie; the tree keys sessions by
/// its SHA-256, so a copy of the database opens no session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub name: String,
    pub role: Role,
    /// The token every form of this session carries.
    pub csrf: String,
    pub expires: DateTime<Utc>,
    /// When the person logged in; a session stored before this was recorded counts as
    /// started long ago, and so has ended.
    #[serde(default)]
    pub started: DateTime<Utc>,
}

impl Session {
    fn live(&self, now: DateTime<Utc>) -> bool {
        now < self.expires && now - self.started < SESSION_LIFETIME
    }
}

/// Argon2id with the crate's default (OWASP) parameters and a random salt.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| AccountError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// A fresh random token, hex, 256 bits.
pub fn random_token() -> Result<String, AccountError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| AccountError::Random(e.to_string()))?;
    Ok(hex::encode(bytes))
}

fn token_key(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The accounts and sessions trees, and the trail of login attempts; cloning shares them.
#[derive(Clone)]
pub struct Accounts {
    users: Tree,
    sessions: Tree,
    audit: Tree,
}

/// One login attempt as the auditor reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRecord {
    pub at: DateTime<Utc>,
    /// The account name typed, when it names an account; a stranger's guesses are not kept.
    pub account: Option<String>,
    pub client: String,
    pub outcome: LoginOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginOutcome {
    /// Logged in.
    Masuk,
    /// Wrong password or unknown name.
    Gagal,
    /// Refused unchecked: too soon after failed attempts.
    Ditunda,
    /// Refused unchecked: too many password checks waiting.
    Sibuk,
}

impl LoginOutcome {
    pub fn words(self) -> &'static str {
        match self {
            LoginOutcome::Masuk => "masuk",
            LoginOutcome::Gagal => "gagal (kata sandi atau nama salah)",
            LoginOutcome::Ditunda => "ditolak: terlalu cepat setelah percobaan gagal",
            LoginOutcome::Sibuk => "ditolak: server sibuk",
        }
    }
}

impl Accounts {
    pub fn open(store: &CaseStore) -> Result<Accounts, AccountError> {
        Ok(Accounts {
            users: store.tree("web_users")?,
            sessions: store.tree("web_sessions")?,
            audit: store.tree("web_audit")?,
        })
    }

    /// Keeps one login attempt for the auditor.
    pub fn record_login(&self, record: &LoginRecord) -> Result<(), AccountError> {
        let bytes = serde_json::to_vec(record).map_err(|e| AccountError::Corrupt {
            what: "web_audit".into(),
            message: e.to_string(),
        })?;
        let mut key = record
            .at
            .timestamp_nanos_opt()
            .unwrap_or_default()
            .to_be_bytes()
            .to_vec();
        // Two attempts in the same nanosecond keep both.
        key.extend_from_slice(&self.audit.len().to_be_bytes());
        self.audit.insert(key, bytes)?;
        Ok(())
    }

    /// Every login attempt kept, oldest first.
    pub fn logins(&self) -> Result<Vec<LoginRecord>, AccountError> {
        self.audit
            .iter()
            .map(|entry| {
                let (_, bytes) = entry?;
                serde_json::from_slice(&bytes).map_err(|e| AccountError::Corrupt {
                    what: "web_audit".into(),
                    message: e.to_string(),
                })
            })
            .collect()
    }

    /// Creates the account, or replaces its role and password when the name exists; a changed
    /// password or role ends every session of the account.
    pub fn put(&self, account: &Account) -> Result<(), AccountError> {
        check_name(&account.name)?;
        let before = self.get(&account.name)?;
        let bytes = serde_json::to_vec(account).map_err(|e| AccountError::Corrupt {
            what: account.name.clone(),
            message: e.to_string(),
        })?;
        self.users
            .insert(account.name.to_lowercase().as_bytes(), bytes)?;
        self.users.flush()?;
        if before.is_some_and(|b| {
            b.hash != account.hash || b.role != account.role || b.verifier != account.verifier
        }) {
            self.end_all(&account.name)?;
        }
        Ok(())
    }

    /// Ends every session of the account `name`.
    fn end_all(&self, name: &str) -> Result<usize, AccountError> {
        self.remove_sessions(|session| session.name.eq_ignore_ascii_case(name))
    }

    /// Removes every session that has ended by `now`; returns how many.
    pub fn sweep(&self, now: DateTime<Utc>) -> Result<usize, AccountError> {
        self.remove_sessions(|session| !session.live(now))
    }

    fn remove_sessions(&self, ends: impl Fn(&Session) -> bool) -> Result<usize, AccountError> {
        let mut removed = 0;
        for entry in self.sessions.iter() {
            let (key, bytes) = entry?;
            let gone = serde_json::from_slice::<Session>(&bytes).map_or(true, |s| ends(&s));
            if gone {
                self.sessions.remove(key)?;
                removed += 1;
            }
        }
        if removed > 0 {
            self.sessions.flush()?;
        }
        Ok(removed)
    }

    pub fn get(&self, name: &str) -> Result<Option<Account>, AccountError> {
        let Some(bytes) = self.users.get(name.trim().to_lowercase().as_bytes())? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| AccountError::Corrupt {
                what: format!("web_users/{name}"),
                message: e.to_string(),
            })
    }

    /// The account when the password is right; `None` for an unknown name or a wrong password
    /// alike. Slow on purpose (argon2): call it off the async workers.
    pub fn verify(&self, name: &str, password: &str) -> Result<Option<Account>, AccountError> {
        let Some(account) = self.get(name)? else {
            // Hash anyway so that a wrong name takes as long as a wrong password.
            let _ = hash_password(password);
            return Ok(None);
        };
        let parsed = PasswordHash::new(&account.hash).map_err(|e| AccountError::Corrupt {
            what: format!("web_users/{name}"),
            message: e.to_string(),
        })?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            .then_some(account))
    }

    /// Starts a session for `account`; returns the cookie token and the session.
    pub fn start(
        &self,
        account: &Account,
        now: DateTime<Utc>,
    ) -> Result<(String, Session), AccountError> {
        let token = random_token()?;
        let session = Session {
            name: account.name.clone(),
            role: account.role,
            csrf: random_token()?,
            expires: now + SESSION_IDLE,
            started: now,
        };
        self.write_session(&token, &session)?;
        Ok((token, session))
    }

    fn write_session(&self, token: &str, session: &Session) -> Result<(), AccountError> {
        let bytes = serde_json::to_vec(session).map_err(|e| AccountError::Corrupt {
            what: "web_sessions".into(),
            message: e.to_string(),
        })?;
        self.sessions.insert(token_key(token), bytes)?;
        Ok(())
    }

    /// The live session of `token`, its expiry pushed on. An expired one is removed, and a
    /// session whose account was removed or changed role ends too.
    pub fn session(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, AccountError> {
        let key = token_key(token);
        let Some(bytes) = self.sessions.get(&key)? else {
            return Ok(None);
        };
        let Ok(mut session) = serde_json::from_slice::<Session>(&bytes) else {
            self.sessions.remove(&key)?;
            return Ok(None);
        };
        let still = self
            .get(&session.name)?
            .is_some_and(|a| a.role == session.role);
        if !session.live(now) || !still {
            self.sessions.remove(&key)?;
            return Ok(None);
        }
        // Writing on every request would wear the disk for nothing; a minute's slack is fine.
        if session.expires - now < SESSION_IDLE - TimeDelta::minutes(1) {
            session.expires = (now + SESSION_IDLE).min(session.started + SESSION_LIFETIME);
            self.write_session(token, &session)?;
        }
        Ok(Some(session))
    }

    pub fn end(&self, token: &str) -> Result<(), AccountError> {
        self.sessions.remove(token_key(token))?;
        self.sessions.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_sessions_expire() {
        let dir = tempfile::tempdir().unwrap();
        let store = CaseStore::open(dir.path()).unwrap();
        let accounts = Accounts::open(&store).unwrap();
        let hash = hash_password("kata sandi panjang").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        accounts
            .put(&Account {
                name: "Rina".into(),
                role: Role::Verifikator,
                hash,
                verifier: None,
            })
            .unwrap();
        assert!(accounts.verify("rina", "salah").unwrap().is_none());
        assert!(accounts.verify("tidakada", "x").unwrap().is_none());
        let account = accounts
            .verify("RINA", "kata sandi panjang")
            .unwrap()
            .unwrap();
        assert_eq!(account.role, Role::Verifikator);

        let now = Utc::now();
        let (token, session) = accounts.start(&account, now).unwrap();
        assert_ne!(token, session.csrf);
        assert_eq!(accounts.session(&token, now).unwrap().unwrap().name, "Rina");
        assert!(accounts.session("bukan-token", now).unwrap().is_none());
        assert!(
            accounts
                .session(&token, now + SESSION_IDLE + TimeDelta::minutes(1))
                .unwrap()
                .is_none()
        );
        let (token, _) = accounts.start(&account, now).unwrap();
        accounts.end(&token).unwrap();
        assert!(accounts.session(&token, now).unwrap().is_none());
    }

    fn rina(accounts: &Accounts, password: &str) -> Account {
        let account = Account {
            name: "rina".into(),
            role: Role::Verifikator,
            hash: hash_password(password).unwrap(),
            verifier: None,
        };
        accounts.put(&account).unwrap();
        account
    }

    #[test]
    fn a_session_ends_after_its_lifetime_however_busy() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::open(&CaseStore::open(dir.path()).unwrap()).unwrap();
        let account = rina(&accounts, "kata sandi panjang");
        let start = Utc::now();
        let (token, _) = accounts.start(&account, start).unwrap();
        let mut now = start;
        while now - start < SESSION_LIFETIME - TimeDelta::hours(1) {
            now += TimeDelta::hours(1);
            assert!(accounts.session(&token, now).unwrap().is_some(), "{now}");
        }
        now += TimeDelta::hours(1);
        assert!(accounts.session(&token, now).unwrap().is_none());
    }

    #[test]
    fn a_password_change_ends_every_session_and_sweep_removes_expired_ones() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::open(&CaseStore::open(dir.path()).unwrap()).unwrap();
        let account = rina(&accounts, "kata sandi panjang");
        let now = Utc::now();
        let (laptop, _) = accounts.start(&account, now).unwrap();
        let (phone, _) = accounts.start(&account, now).unwrap();
        let other = Account {
            name: "kadis".into(),
            role: Role::Kadis,
            hash: account.hash.clone(),
            verifier: None,
        };
        accounts.put(&other).unwrap();
        let (kadis, _) = accounts.start(&other, now).unwrap();
        accounts.put(&account).unwrap();
        assert!(
            accounts.session(&laptop, now).unwrap().is_some(),
            "same password"
        );
        rina(&accounts, "kata sandi baru sekali");
        assert!(accounts.session(&laptop, now).unwrap().is_none());
        assert!(accounts.session(&phone, now).unwrap().is_none());
        assert!(accounts.session(&kadis, now).unwrap().is_some());
        assert_eq!(accounts.sweep(now).unwrap(), 0);
        assert_eq!(accounts.sweep(now + SESSION_IDLE).unwrap(), 1);
        assert!(accounts.session(&kadis, now).unwrap().is_none());
    }

    #[test]
    fn names_that_could_disguise_another_are_refused() {
        assert_eq!(check_name(" rina.s_2-b "), Ok("rina.s_2-b"));
        assert_eq!(check_name(""), Err(NameError::Empty));
        assert_eq!(check_name("ri\u{202e}na"), Err(NameError::Characters));
        assert_eq!(check_name("rina\u{200b}"), Err(NameError::Characters));
        assert_eq!(check_name("rïna"), Err(NameError::Characters));
        assert_eq!(check_name(&"a".repeat(65)), Err(NameError::TooLong));
    }
}
