//! The verifiers' and the Kadis's web desk, served by the daemon: login, the queue, the case
//! page with its actions (each one a [`crate::desk::command::Command`], the CLI's own code path), attachments,
//! the report with its charts, `/healthz` and `/metrics`. Pages are rendered on the server by [`pages`]; everything that
//! came from a mail is escaped there.

pub mod files;
pub mod login;
pub mod pages;
mod serve;

use crate::config::WebConfig;

pub use serve::{HEADER_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS, serve};

mod actions;
mod auth;
mod case;
mod esign;
mod shared;

pub use shared::*;

mod routes;

pub use routes::*;

/// Binds the configured address; the daemon refuses to start when it cannot.
pub async fn bind(web: &WebConfig) -> Result<tokio::net::TcpListener, SetupError> {
    tokio::net::TcpListener::bind(web.listen)
        .await
        .map_err(|source| SetupError::Listen {
            addr: web.listen,
            source,
        })
}
