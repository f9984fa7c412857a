//! The IMAP intake against real Dovecot and Postfix (`scripts/mailservers`, needs root): mail
//! delivered over SMTP comes out oldest first and byte for byte, moves (or a keyword where the
//! server cannot move), IDLE, implicit TLS and STARTTLS, and the failures the daemon tells
//! apart: refused (settings) against unavailable (retry).

use crate::common;

use std::time::{Duration, Instant};

use common::mailservers::MailServers;
use sertel::config::Security;
use sertel::intake::imap::ImapMailbox;
use sertel::intake::{Fetched, IntakeError, Locator, Mailbox};

const DELIVERY: Duration = Duration::from_secs(10);

/// An application mail as a civil servant's client would send it (CRLF, its own Message-ID
/// and Date, so Postfix adds nothing but trace headers). `padding` bytes of base64 make it big.
fn application(n: usize, from: &str, to: &str, padding: usize) -> Vec<u8> {
    let mut raw = format!(
        "From: Pemohon {n} <{from}>\r\nTo: {to}\r\nSubject: Permohonan sertifikat elektronik {n}\r\n\
         Message-ID: <permohonan-{n}-{}@test.invalid>\r\nDate: Mon, 23 Nov 2026 08:0{n}:00 +0800\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Yth. Kepala Dinas,\r\nsaya mengajukan permohonan sertifikat elektronik ({n}).\r\n",
        std::process::id()
    );
    for line in 0..padding / 76 {
        raw.push_str(&"QUJD".repeat(19)[..(76 - line % 3)]);
        raw.push_str("\r\n");
    }
    raw.into_bytes()
}

fn uid(fetched: &Fetched) -> u32 {
    match fetched.locator {
        Locator::Imap { uid, .. } => uid,
        Locator::Maildir { .. } => panic!("an IMAP mailbox gave a Maildir locator"),
    }
}

/// Delivers three applications to `user` one after the other (so their order is known) and
/// returns them as sent and as stored.
async fn deliver_three(servers: &MailServers, user: &str) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let to = servers.address(user);
    let mut sent = Vec::new();
    for n in 1..=3 {
        let from = servers.address(&format!("pemohon{n}"));
        let raw = application(n, &from, &to, if n == 2 { 300_000 } else { 0 });
        servers.send(&raw, &from, &[&to]).await;
        servers.wait_for(user, "INBOX", n, DELIVERY).await;
        sent.push(raw);
    }
    let stored = servers.fetch_all(user, "INBOX").await;
    assert_eq!(stored.len(), 3);
    (sent, stored)
}

/// The whole intake cycle for `user`, who either has MOVE and IDLE (Dovecot's default) or
/// neither (`legacy`).
async fn intake_cycle(servers: &MailServers, user: &str, security: Security) {
    let modern = user != "legacy";
    let (sent, stored) = deliver_three(servers, user).await;
    let mut mailbox = ImapMailbox::connect(&servers.imap_config(user, security))
        .await
        .expect("connect");

    let fetched = mailbox.fetch_new(10).await.expect("fetch_new");
    assert_eq!(fetched.len(), 3);
    for (i, f) in fetched.iter().enumerate() {
        assert_eq!(
            f.raw, stored[i],
            "message {i} differs from what the server stored"
        );
        assert!(
            f.raw.ends_with(&sent[i]),
            "message {i} is not the one sent {i}th"
        );
    }
    assert!(uid(&fetched[0]) < uid(&fetched[1]) && uid(&fetched[1]) < uid(&fetched[2]));
    let limited = mailbox.fetch_new(2).await.expect("fetch_new");
    assert_eq!(
        limited.iter().map(uid).collect::<Vec<_>>(),
        [uid(&fetched[0]), uid(&fetched[1])]
    );
    // Fetching did not mark anything read: a person looking at the inbox still sees it new.
    assert_eq!(mailbox.fetch_new(10).await.expect("fetch_new").len(), 3);
    // Only the messages asked for are downloaded, in the order asked; a UID of an earlier
    // UIDVALIDITY names no message.
    let Locator::Imap {
        uidvalidity,
        uid: first,
    } = fetched[0].locator
    else {
        panic!("{:?}", fetched[0].locator)
    };
    let asked = [
        fetched[2].locator.clone(),
        Locator::Imap {
            uidvalidity: uidvalidity.wrapping_add(1),
            uid: first,
        },
        fetched[0].locator.clone(),
    ];
    let some = mailbox.fetch(&asked).await.expect("fetch");
    assert_eq!(
        some.iter().map(uid).collect::<Vec<_>>(),
        [uid(&fetched[2]), uid(&fetched[0])]
    );
    assert_eq!(some[0].raw, fetched[2].raw);

    mailbox
        .mark_processed(&fetched[0].locator)
        .await
        .expect("mark_processed");
    mailbox
        .mark_processed(&fetched[0].locator)
        .await
        .expect("mark_processed twice");
    let inbox_left = if modern { 2 } else { 3 };
    assert_eq!(servers.fetch_all(user, "INBOX").await.len(), inbox_left);
    assert_eq!(
        servers.fetch_all(user, "Processed").await,
        [stored[0].clone()]
    );

    mailbox
        .quarantine(&fetched[1].locator)
        .await
        .expect("quarantine");
    mailbox
        .quarantine(&fetched[1].locator)
        .await
        .expect("quarantine twice");
    let inbox_left = if modern { 1 } else { 3 };
    assert_eq!(servers.fetch_all(user, "INBOX").await.len(), inbox_left);
    assert_eq!(
        servers.fetch_all(user, "Quarantine").await,
        [stored[1].clone()]
    );
    assert_eq!(servers.fetch_all(user, "Processed").await.len(), 1);

    let left = mailbox.fetch_new(10).await.expect("fetch_new");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].locator, fetched[2].locator);

    // Nothing new: wait returns after `max`, and the session is still usable.
    let started = Instant::now();
    mailbox.wait(Duration::from_secs(1)).await.expect("wait");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "{waited:?}"
    );

    // New mail while waiting.
    let from = servers.address("pemohon4");
    let fourth = application(4, &from, &servers.address(user), 0);
    let max = if modern {
        Duration::from_secs(30)
    } else {
        Duration::from_secs(1)
    };
    let (sent_at, woke_at) = tokio::join!(
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            servers
                .send(&fourth, &from, &[&servers.address(user)])
                .await;
            Instant::now()
        },
        async {
            mailbox.wait(max).await.expect("wait");
            Instant::now()
        }
    );
    if modern {
        let latency = woke_at.saturating_duration_since(sent_at);
        println!("IDLE latency ({security:?}): {latency:?} from SMTP acceptance to wait returning");
        assert!(
            latency < Duration::from_secs(2),
            "IDLE woke {latency:?} after delivery"
        );
    } else {
        servers.wait_for(user, "INBOX", 4, DELIVERY).await;
    }
    let now = mailbox.fetch_new(10).await.expect("fetch_new");
    assert_eq!(now.len(), 2);
    assert_eq!(now[0].locator, fetched[2].locator);
    assert!(now[1].raw.ends_with(&fourth));
}

#[tokio::test]
async fn intake_over_implicit_tls() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    intake_cycle(&servers, "tte", Security::Tls).await;
}

#[tokio::test]
async fn intake_over_starttls() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    intake_cycle(&servers, "tte", Security::Starttls).await;
}

#[tokio::test]
async fn intake_without_move_or_idle_copies_and_flags() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    intake_cycle(&servers, "legacy", Security::Tls).await;
    // Nothing was deleted: every message is still in the inbox, flagged.
    assert_eq!(servers.fetch_all("legacy", "INBOX").await.len(), 4);
}

fn refused(result: Result<ImapMailbox, IntakeError>, what: &str) -> String {
    match result {
        Err(IntakeError::Refused(message)) => message,
        other => panic!("{what}: expected Refused, got {other:?}"),
    }
}

#[tokio::test]
async fn settings_errors_are_refused_and_outages_unavailable() {
    let Some(servers) = MailServers::start() else {
        return;
    };

    let mut wrong = servers.imap_config("tte", Security::Tls);
    wrong.password = Some("not-the-password".into());
    let started = Instant::now();
    let message = refused(ImapMailbox::connect(&wrong).await, "wrong password");
    let took = started.elapsed();
    println!("wrong password refused in {took:?}: {message}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(
        !message.contains("not-the-password"),
        "the password leaked: {message}"
    );

    let nobody = servers.imap_config("nobody", Security::Starttls);
    refused(ImapMailbox::connect(&nobody).await, "unknown user");

    let mut untrusted = servers.imap_config("tte", Security::Tls);
    untrusted.ca_file = None;
    let message = refused(ImapMailbox::connect(&untrusted).await, "unknown CA");
    println!("certificate from an unknown CA: {message}");

    let mut missing = servers.imap_config("tte", Security::Starttls);
    missing.mailbox = "Tidak-Ada".into();
    refused(ImapMailbox::connect(&missing).await, "missing mailbox");

    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut nowhere = servers.imap_config("tte", Security::Tls);
    nowhere.port = closed;
    let started = Instant::now();
    match ImapMailbox::connect(&nowhere).await {
        Err(IntakeError::Unavailable(message)) => println!("closed port: {message}"),
        other => panic!("closed port: expected Unavailable, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(3));

    // Dovecot takes plaintext logins from the same machine: Security::None works there.
    let mut plain = ImapMailbox::connect(&servers.imap_config("kadis", Security::None))
        .await
        .expect("plaintext connect on 127.0.0.1");
    assert!(plain.fetch_new(10).await.expect("fetch_new").is_empty());
}

#[tokio::test]
async fn server_restarts_make_the_session_unavailable_until_reconnect() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    let config = servers.imap_config("tte", Security::Starttls);
    let mut mailbox = ImapMailbox::connect(&config).await.expect("connect");
    assert!(mailbox.fetch_new(10).await.expect("fetch_new").is_empty());

    servers.restart_imap();
    let stale = Locator::Imap {
        uidvalidity: 1,
        uid: 1,
    };
    assert!(matches!(
        mailbox.fetch_new(10).await,
        Err(IntakeError::Unavailable(_))
    ));
    assert!(matches!(
        mailbox.mark_processed(&stale).await,
        Err(IntakeError::Unavailable(_))
    ));
    assert!(matches!(
        mailbox.wait(Duration::from_secs(1)).await,
        Err(IntakeError::Unavailable(_))
    ));

    let mut mailbox = ImapMailbox::connect(&config).await.expect("reconnect");
    assert!(mailbox.fetch_new(10).await.expect("fetch_new").is_empty());

    // Cut while idling: wait ends with Unavailable, long before its 30 s.
    let started = Instant::now();
    let (result, ()) = tokio::join!(mailbox.wait(Duration::from_secs(30)), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        servers.restart_imap();
    });
    assert!(
        matches!(result, Err(IntakeError::Unavailable(_))),
        "{result:?}"
    );
    println!(
        "idle cut by a restart, noticed after {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    // SMTP down and up again (the outbound tests use this): mail waits, then arrives.
    servers.stop_smtp();
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", servers.smtp_port))
            .await
            .is_err()
    );
    servers.start_smtp();
    let from = servers.address("pemohon5");
    servers
        .send(
            &application(5, &from, &servers.address("tte"), 0),
            &from,
            &[&servers.address("tte")],
        )
        .await;
    servers.wait_for("tte", "INBOX", 1, DELIVERY).await;
    let mut mailbox = ImapMailbox::connect(&config).await.expect("reconnect");
    assert_eq!(mailbox.fetch_new(10).await.expect("fetch_new").len(), 1);
}
