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

/// The accounts and sessions trees; cloning shares them.
#[derive(Clone)]
pub struct Accounts {
    users: Tree,
    sessions: Tree,
}

impl Accounts {
    pub fn open(store: &CaseStore) -> Result<Accounts, AccountError> {
        Ok(Accounts {
            users: store.tree("web_users")?,
            sessions: store.tree("web_sessions")?,
        })
    }

    /// Creates the account, or replaces its role and password when the name exists.
    pub fn put(&self, account: &Account) -> Result<(), AccountError> {
        let bytes = serde_json::to_vec(account).map_err(|e| AccountError::Corrupt {
            what: account.name.clone(),
            message: e.to_string(),
        })?;
        self.users
            .insert(account.name.to_lowercase().as_bytes(), bytes)?;
        self.users.flush()?;
        Ok(())
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
        if session.expires <= now || !still {
            self.sessions.remove(&key)?;
            return Ok(None);
        }
        // Writing on every request would wear the disk for nothing; a minute's slack is fine.
        if session.expires - now < SESSION_IDLE - TimeDelta::minutes(1) {
            session.expires = now + SESSION_IDLE;
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
}
