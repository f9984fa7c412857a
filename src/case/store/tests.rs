//! The store's tests: numbering, exactly-once, restarts, the outbox, indexes, damage.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::TimeZone;

use std::convert::Infallible;

use chrono::{DateTime, TimeDelta, Utc};
use sled::transaction::ConflictableTransactionError;

use super::*;
use crate::applicant::ApplicantFields;
use crate::case::model::{
    Actor, Case, CaseId, EventKind, Purpose, SCHEMA_VERSION, StoredAttachment, StoredMail,
};
use crate::case::model::{ApplicantRecord, MailRole, State};

// Synthetic NIK, as in the NIK tests.
const NIK: &str = "7502011203850001";

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn t0() -> DateTime<Utc> {
    at(2026, 11, 23, 1, 15)
}

fn raw_mail(n: &str, message_id: Option<&str>) -> Vec<u8> {
    let header = message_id
        .map(|id| format!("Message-ID: <{id}>\r\n"))
        .unwrap_or_default();
    format!("{header}From: pemohon{n}@gorontalokab.go.id\r\nSubject: Permohonan TTE {n}\r\n\r\nNIK: {NIK}\r\n").into_bytes()
}

fn key_of(locator: &str, message_id: Option<&str>, raw: &[u8]) -> MailKey {
    MailKey::new(
        Some(locator.to_string()),
        message_id.map(|id| format!("<{id}>")),
        raw,
    )
}

fn stored(key: &MailKey, role: MailRole, now: DateTime<Utc>) -> StoredMail {
    StoredMail {
        sha256: key.sha256.clone(),
        message_id: key.message_id.clone(),
        from: Some("pemohon@gorontalokab.go.id".into()),
        subject: Some("Permohonan TTE".into()),
        received_at: now,
        role,
    }
}

fn reply(purpose: Purpose, message_id: &str) -> OutgoingMail {
    OutgoingMail {
        purpose,
        from: "tte@gorontalokab.go.id".into(),
        to: vec![
            "pemohon@gorontalokab.go.id".into(),
            "arsip@gorontalokab.go.id".into(),
        ],
        message_id: message_id.into(),
        raw: format!("Message-ID: <{message_id}>\r\n\r\nbalasan").into_bytes(),
    }
}

fn attachment(name: &str, bytes: &[u8]) -> (StoredAttachment, Vec<u8>) {
    (
        StoredAttachment {
            filename: name.into(),
            kind: "ktp".into(),
            file_type: "jpeg".into(),
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
            mail: None,
        },
        bytes.to_vec(),
    )
}

/// Opens a case for mail `n` with an acknowledgement queued.
fn open(store: &CaseStore, n: &str, nik: &str, now: DateTime<Utc>) -> CaseId {
    let mid = format!("{n}@pemohon");
    let raw = raw_mail(n, Some(&mid));
    let key = key_of(&format!("maildir:{n}"), Some(&mid), &raw);
    let atts = [attachment("ktp.jpg", format!("jpeg {n}").as_bytes())];
    store
        .open_case(&key, &raw, &atts, now, |id| {
            let mut case = Case::new(
                id,
                now,
                ApplicantRecord {
                    reply_to: "pemohon@gorontalokab.go.id".into(),
                    fields: ApplicantFields {
                        nik: Some(nik.into()),
                        ..Default::default()
                    },
                },
                Some("Permohonan TTE".into()),
            );
            case.mails.push(stored(&key, MailRole::Application, now));
            (
                case,
                vec![reply(Purpose::Acknowledgement, &format!("ack-{id}@tte"))],
            )
        })
        .unwrap()
}

fn seq_ids(ids: &[CaseId]) -> Vec<String> {
    ids.iter().map(ToString::to_string).collect()
}

#[test]
fn numbers_run_per_year_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = CaseStore::open(dir.path()).unwrap();
    let ids = [
        open(&store, "a", NIK, at(2026, 1, 5, 1, 0)),
        open(&store, "b", NIK, at(2026, 6, 1, 1, 0)),
        open(&store, "c", NIK, at(2026, 12, 31, 15, 59)),
        // 1 January 2027, 00:30 in Gorontalo: the office's new year.
        open(&store, "d", NIK, at(2026, 12, 31, 16, 30)),
        open(&store, "e", NIK, at(2027, 2, 1, 1, 0)),
    ];
    assert_eq!(
        seq_ids(&ids),
        [
            "TTE-2026-0001",
            "TTE-2026-0002",
            "TTE-2026-0003",
            "TTE-2027-0001",
            "TTE-2027-0002"
        ]
    );
    let listed: Vec<CaseId> = store.list().unwrap().iter().map(|c| c.id).collect();
    assert_eq!(listed, ids);
}

#[test]
fn numbers_have_no_gaps_under_contention() {
    let dir = tempfile::tempdir().unwrap();
    let store = CaseStore::open(dir.path()).unwrap();
    let calls = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..4 {
            let (store, calls) = (&store, &calls);
            s.spawn(move || {
                for i in 0..8 {
                    calls.fetch_add(1, Ordering::Relaxed);
                    open(store, &format!("t{t}-{i}"), NIK, t0());
                }
            });
        }
    });
    let mut seqs: Vec<u32> = store.list().unwrap().iter().map(|c| c.id.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=32).collect::<Vec<u32>>());
    let outbox: Vec<u64> = store.outbox().unwrap().iter().map(|e| e.id).collect();
    assert_eq!(outbox, (1..=32).collect::<Vec<u64>>());
    assert_eq!(calls.load(Ordering::Relaxed), 32);
}

#[test]
fn a_retried_transaction_takes_one_number() {
    let dir = tempfile::tempdir().unwrap();
    let store = CaseStore::open(dir.path()).unwrap();
    let calls = AtomicUsize::new(0);
    // sled reruns the closure on a conflict; the first run's counter write must vanish.
    let seq = store
        .write(|tx| {
            let seq = tx.next_number(b"seq:2026")?;
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                return Err(ConflictableTransactionError::Conflict);
            }
            Ok(seq)
        })
        .unwrap();
    assert_eq!((seq, calls.load(Ordering::SeqCst)), (1, 2));
    assert_eq!(open(&store, "a", NIK, t0()).seq, 2);
}

#[test]
fn a_refused_open_takes_no_number() {
    let dir = tempfile::tempdir().unwrap();
    let store = CaseStore::open(dir.path()).unwrap();
    let raw = raw_mail("x", Some("x@p"));
    let key = key_of("maildir:x", Some("x@p"), &raw);
    let err = store
        .open_case(&key, &raw, &[], t0(), |_| {
            let mut case = Case::new(
                CaseId { year: 1999, seq: 1 },
                t0(),
                ApplicantRecord::default(),
                None,
            );
            case.mails.push(stored(&key, MailRole::Application, t0()));
            (case, Vec::new())
        })
        .unwrap_err();
    assert!(matches!(err, CaseError::Misuse(_)), "{err}");
    let err = store
        .open_case(&key, &raw, &[], t0(), |id| {
            (
                Case::new(id, t0(), ApplicantRecord::default(), None),
                Vec::new(),
            )
        })
        .unwrap_err();
    assert!(err.to_string().contains("does not list the mail"), "{err}");
    assert_eq!(store.seen(&key).unwrap(), None, "nothing recorded");
    assert_eq!(open(&store, "y", NIK, t0()).seq, 1);

    let bad = MailKey {
        sha256: "00".repeat(32),
        ..key.clone()
    };
    assert!(matches!(
        store.open_case(&bad, &raw, &[], t0(), |id| (
            Case::new(id, t0(), ApplicantRecord::default(), None),
            Vec::new()
        )),
        Err(CaseError::Checksum { .. })
    ));
}

#[test]
fn each_mail_is_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = CaseStore::open(dir.path()).unwrap();
    let id = open(&store, "a", NIK, t0());
    let raw = raw_mail("a", Some("a@pemohon"));

    let same_place = key_of("maildir:a", None, b"other bytes");
    assert_eq!(
        store.seen(&same_place).unwrap(),
        Some(Seen::Case(id)),
        "by locator"
    );
    // UIDVALIDITY changed: new locator, same Message-ID.
    let moved = key_of("imap:9:1", Some("a@pemohon"), &raw);
    assert_eq!(
        store.seen(&moved).unwrap(),
        Some(Seen::Case(id)),
        "by message-id"
    );
    let other = key_of("imap:9:2", Some("other@pemohon"), &raw);
    assert_eq!(
        store.seen(&other).unwrap(),
        None,
        "the bytes count only without a message-id"
    );

    let again = store.open_case(&moved, &raw, &[], t0(), |id| {
        (
            Case::new(id, t0(), ApplicantRecord::default(), None),
            Vec::new(),
        )
    });
    assert!(matches!(again, Err(CaseError::AlreadyRecorded(Seen::Case(c))) if c == id));

    let bare = raw_mail("b", None);
    let quarantined = key_of("maildir:b", None, &bare);
    store
        .record_without_case(
            &quarantined,
            &bare,
            Seen::Quarantined,
            "bukan surel",
            t0(),
            vec![reply(Purpose::Quarantined, "q@tte")],
        )
        .unwrap();
    let elsewhere = MailKey {
        locator: Some("imap:9:3".into()),
        ..quarantined.clone()
    };
    assert_eq!(
        store.seen(&elsewhere).unwrap(),
        Some(Seen::Quarantined),
        "by sha256"
    );
    let q = store.quarantined().unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(
        (q[0].reason.as_str(), &q[0].key),
        ("bukan surel", &quarantined)
    );
    assert_eq!(
        store.blob(&q[0].sha256).unwrap().as_deref(),
        Some(bare.as_slice())
    );
    assert_eq!(store.outbox().unwrap().last().unwrap().case, None);

    let ignored_raw = raw_mail("c", Some("auto@reply"));
    let ignored = key_of("maildir:c", Some("auto@reply"), &ignored_raw);
    store
        .record_without_case(
            &ignored,
            &ignored_raw,
            Seen::Ignored,
            "balasan otomatis",
            t0(),
            Vec::new(),
        )
        .unwrap();
    assert_eq!(store.seen(&ignored).unwrap(), Some(Seen::Ignored));
    assert_eq!(
        store.blob(&ignored.sha256).unwrap(),
        None,
        "ignored mail is not kept"
    );
    assert!(matches!(
        store.record_without_case(
            &ignored,
            &ignored_raw,
            Seen::Ignored,
            "lagi",
            t0(),
            Vec::new()
        ),
        Err(CaseError::AlreadyRecorded(Seen::Ignored))
    ));
    assert!(matches!(
        store.record_without_case(&ignored, &ignored_raw, Seen::Case(id), "", t0(), Vec::new()),
        Err(CaseError::Misuse(_))
    ));
}

#[test]
fn everything_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (id, case, mails, outbox) = {
        let store = CaseStore::open(dir.path()).unwrap();
        let id = open(&store, "a", NIK, t0());
        let raw = raw_mail("a2", Some("a2@pemohon"));
        let key = key_of("maildir:a2", Some("a2@pemohon"), &raw);
        let atts = [
            attachment("sk.pdf", b"%PDF sk"),
            attachment("ktp.jpg", b"jpeg a"),
        ];
        store
            .add_mail(id, &key, &raw, &atts, t0(), |case| {
                case.mails.push(stored(&key, MailRole::FollowUp, t0()));
                vec![reply(Purpose::MissingItems, "missing@tte")]
            })
            .unwrap();
        let case = store.get(id).unwrap().unwrap();
        (
            id,
            case,
            store.case_mails(id).unwrap(),
            store.outbox().unwrap(),
        )
    };
    let store = CaseStore::open(dir.path()).unwrap();
    assert_eq!(store.get(id).unwrap().as_ref(), Some(&case));
    assert_eq!(store.case_mails(id).unwrap(), mails);
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].1, raw_mail("a2", Some("a2@pemohon")));
    assert_eq!(store.outbox().unwrap(), outbox);
    assert_eq!(outbox.len(), 2);
    assert_eq!(
        outbox[1].mail.raw,
        reply(Purpose::MissingItems, "missing@tte").raw
    );
    assert_eq!(
        case.attachments.len(),
        2,
        "the same KTP twice is one attachment: {:?}",
        case.attachments
    );
    assert_eq!(
        store.blob(&sha256_hex(b"%PDF sk")).unwrap().as_deref(),
        Some(&b"%PDF sk"[..])
    );
    assert_eq!(
        case.thread,
        [
            "a@pemohon",
            "ack-TTE-2026-0001@tte",
            "a2@pemohon",
            "missing@tte"
        ]
    );
    let queued: Vec<&EventKind> = case
        .history
        .iter()
        .filter(|e| matches!(e.what, EventKind::MailQueued { .. }))
        .map(|e| &e.what)
        .collect();
    assert_eq!(
        queued[1],
        &EventKind::MailQueued {
            outbox: 2,
            to: "pemohon@gorontalokab.go.id, arsip@gorontalokab.go.id".into(),
            purpose: Purpose::MissingItems,
            sha256: Some(sha256_hex(&reply(Purpose::MissingItems, "missing@tte").raw)),
        }
    );
    assert_eq!(
        open(&store, "b", NIK, t0()).seq,
        2,
        "the counter survives too"
    );
}

#[test]
fn a_refused_update_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = CaseStore::open(dir.path()).unwrap();
    let id = open(&store, "a", NIK, t0());
    let before = store.get(id).unwrap();
    let refused: Result<(), String> = store
        .update(id, t0(), |case| {
            case.transition(State::Disposisi, Actor::Kadis("k@x".into()), t0(), None)
                .map_err(|e| e.keterangan())?;
            case.transition(
                State::MenungguKelengkapan,
                Actor::Kadis("k@x".into()),
                t0(),
                None,
            )
            .map_err(|e| e.keterangan())?;
            Ok(vec![reply(Purpose::MissingItems, "never@tte")])
        })
        .unwrap();
    assert!(refused.unwrap_err().contains("tidak dapat diubah"));
    assert_eq!(store.get(id).unwrap(), before);
    assert_eq!(store.outbox().unwrap().len(), 1);

    store
        .update(id, t0(), |case| {
            case.assign("rina@x", Actor::Kadis("k@x".into()), t0());
            Ok::<_, Infallible>(vec![reply(Purpose::VerifierAssigned, "assigned@tte")])
        })
        .unwrap()
        .unwrap();
    let ids: Vec<u64> = store.outbox().unwrap().iter().map(|e| e.id).collect();
    assert_eq!(ids, [1, 2], "the refused update took no outbox id");
    assert_eq!(store.get(id).unwrap().unwrap().state, State::Disposisi);
    assert!(matches!(
        store.update(
            CaseId {
                year: 2026,
                seq: 99
            },
            t0(),
            |_| Ok::<_, Infallible>(Vec::new())
        ),
        Err(CaseError::NotFound(_))
    ));
    assert_eq!(
        CaseError::NotFound(CaseId {
            year: 2026,
            seq: 99
        })
        .to_string(),
        "case TTE-2026-0099 not found"
    );
}

#[test]
fn the_outbox_backs_off_and_keeps_dead_letters() {
    let dir = tempfile::tempdir().unwrap();
    let store = CaseStore::open(dir.path()).unwrap();
    let id = open(&store, "a", NIK, t0());
    store
        .update(id, t0(), |_| {
            Ok::<_, Infallible>(vec![reply(Purpose::DispositionRequest, "disp@tte")])
        })
        .unwrap()
        .unwrap();
    assert_eq!(store.next_due().unwrap(), Some(t0()));
    assert_eq!(store.due(t0(), 1).unwrap().len(), 1);
    let due = store.due(t0(), 10).unwrap();
    assert_eq!(due.iter().map(|e| e.id).collect::<Vec<_>>(), [1, 2]);

    let mut now = t0();
    let mut waits = Vec::new();
    for _ in 0..9 {
        store
            .mark_failed(1, now, "connection refused", false)
            .unwrap();
        let entry = store.outbox().unwrap().remove(0);
        waits.push((entry.next_attempt - now).num_seconds());
        assert!(
            store
                .due(entry.next_attempt - TimeDelta::seconds(1), 10)
                .unwrap()
                .iter()
                .all(|e| e.id != 1)
        );
        now = entry.next_attempt;
        assert_eq!(store.due(now, 10).unwrap()[0].id, 1);
    }
    assert_eq!(waits, [15, 30, 60, 120, 240, 480, 960, 1800, 1800]);
    let entry = store.outbox().unwrap().remove(0);
    assert_eq!(
        (entry.attempts, entry.last_error.as_deref()),
        (9, Some("connection refused"))
    );

    store.mark_sent(1, now).unwrap();
    assert!(matches!(
        store.mark_sent(1, now),
        Err(CaseError::OutboxNotFound(1))
    ));
    store.mark_failed(2, now, "550 no such user", true).unwrap();
    assert!(store.outbox().unwrap().is_empty());
    assert_eq!(store.next_due().unwrap(), None);
    let dead = store.dead_letters().unwrap();
    assert_eq!(
        (dead.len(), dead[0].id, dead[0].mail.message_id.as_str()),
        (1, 2, "disp@tte")
    );
    assert_eq!(dead[0].last_error.as_deref(), Some("550 no such user"));

    let history = store.get(id).unwrap().unwrap().history;
    let tail: Vec<&EventKind> = history.iter().rev().take(2).map(|e| &e.what).collect();
    assert_eq!(
        tail,
        [
            &EventKind::MailFailed {
                outbox: 2,
                error: "550 no such user".into()
            },
            &EventKind::MailSent { outbox: 1 }
        ]
    );

    // The case's outgoing mails: how each fared, with the bytes that were queued. A
    // history event written before events named the blob finds it through the outbox
    // while the mail waits there, and has no bytes once it is gone.
    store
        .update(id, now, |case| {
            for outbox in [3, 99] {
                case.record(
                    Actor::System,
                    EventKind::MailQueued {
                        outbox,
                        to: "lama@gorontalokab.go.id".into(),
                        purpose: Purpose::BsreStep,
                        sha256: None,
                    },
                    None,
                    now,
                );
            }
            Ok::<_, Infallible>(vec![reply(Purpose::BsreStep, "step@tte")])
        })
        .unwrap()
        .unwrap();
    let out = store.case_outgoing(id).unwrap();
    let fared: Vec<(u64, Option<&str>, &Delivery, bool)> = out
        .iter()
        .map(|OutgoingCopy { mail: m, raw }| {
            (
                m.outbox,
                m.message_id.as_deref(),
                &m.delivery,
                raw.is_some(),
            )
        })
        .collect();
    let failed = Delivery::Failed {
        at: now,
        error: "550 no such user".into(),
    };
    assert_eq!(
        fared,
        [
            (
                1,
                Some("ack-TTE-2026-0001@tte"),
                &Delivery::Sent { at: now },
                true
            ),
            (2, Some("disp@tte"), &failed, true),
            (3, None, &Delivery::Waiting, true),
            (99, None, &Delivery::Waiting, false),
            (3, Some("step@tte"), &Delivery::Waiting, true),
        ]
    );
    assert_eq!(
        out[1].raw.as_deref(),
        Some(
            reply(Purpose::DispositionRequest, "disp@tte")
                .raw
                .as_slice()
        )
    );
    assert_eq!(out[2].raw, out[4].raw, "found through the outbox entry");
    assert_eq!(out[1].mail.queued_at, t0());
    assert_eq!(
        out[1].mail.to,
        "pemohon@gorontalokab.go.id, arsip@gorontalokab.go.id"
    );
    assert!(matches!(
        store.case_outgoing(CaseId { year: 2026, seq: 9 }),
        Err(CaseError::NotFound(_))
    ));
}

#[test]
fn mail_queued_records_without_a_blob_still_load() {
    let old = r#"{"kind":"mail_queued","outbox":4,"to":"a@x","purpose":"acknowledgement"}"#;
    assert_eq!(
        serde_json::from_str::<EventKind>(old).unwrap(),
        EventKind::MailQueued {
            outbox: 4,
            to: "a@x".into(),
            purpose: Purpose::Acknowledgement,
            sha256: None,
        }
    );
}

#[test]
fn indexes_follow_nik_and_thread() {
    let dir = tempfile::tempdir().unwrap();
    let store = CaseStore::open(dir.path()).unwrap();
    let first = open(&store, "a", NIK, t0());
    let second = open(&store, "b", "7502 0112 0385 0001", t0());
    let other = open(&store, "c", "7571024511920133", t0());
    assert_eq!(store.find_by_nik(NIK).unwrap(), Some(second), "the newest");
    assert_eq!(store.find_by_nik("7571024511920133").unwrap(), Some(other));
    assert_eq!(store.find_by_nik("").unwrap(), None);

    let reject = |case: &mut Case| {
        case.transition(
            State::Ditolak,
            Actor::Kadis("k@x".into()),
            t0(),
            Some("ganda".into()),
        )
        .map(|()| Vec::new())
    };
    store.update(second, t0(), reject).unwrap().unwrap();
    assert_eq!(store.find_by_nik(NIK).unwrap(), Some(first));
    store.update(first, t0(), reject).unwrap().unwrap();
    assert_eq!(
        store.find_by_nik(NIK).unwrap(),
        None,
        "closed cases do not block"
    );

    let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        store
            .find_by_message_ids(&ids(&["<ack-TTE-2026-0003@tte>"]))
            .unwrap(),
        Some(other)
    );
    assert_eq!(
        store
            .find_by_message_ids(&ids(&["nope@x", "b@pemohon"]))
            .unwrap(),
        Some(second)
    );
    assert_eq!(
        store.find_by_message_ids(&ids(&["nope@x", ""])).unwrap(),
        None
    );

    store
        .update(other, t0(), |_| {
            Ok::<_, Infallible>(vec![reply(Purpose::MissingItems, "<kurang@tte>")])
        })
        .unwrap()
        .unwrap();
    assert_eq!(
        store.find_by_message_ids(&ids(&["kurang@tte"])).unwrap(),
        Some(other)
    );
}

#[test]
fn a_corrupt_record_is_an_error_naming_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = CaseStore::open(dir.path()).unwrap();
    let id = open(&store, "a", NIK, t0());
    store
        .cases
        .insert(case_key(id), &b"{\"schema\":1,\"record\":{\"id\":"[..])
        .unwrap();
    let err = store.get(id).unwrap_err();
    assert!(
        matches!(&err, CaseError::Corrupt { key, .. } if key == "cases/TTE-2026-0001"),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("corrupt record cases/TTE-2026-0001: ")
    );
    assert!(store.list().is_err());
    assert!(
        store
            .update(id, t0(), |_| Ok::<_, Infallible>(Vec::new()))
            .is_err()
    );

    store
        .outbox
        .insert(1u64.to_be_bytes(), &b"\xff"[..])
        .unwrap();
    assert!(matches!(store.due(t0(), 5), Err(CaseError::Corrupt { key, .. }) if key == "outbox/1"));
    store.mails.insert(b"loc:maildir:a", &b"[]"[..]).unwrap();
    let key = key_of("maildir:a", None, b"");
    assert!(
        matches!(store.seen(&key), Err(CaseError::Corrupt { key, .. }) if key == "mails/loc:maildir:a")
    );

    store
        .cases
        .insert(case_key(id), &b"{\"schema\":7,\"record\":{}}"[..])
        .unwrap();
    assert!(matches!(
        store.get(id),
        Err(CaseError::SchemaNewer { found: 7, .. })
    ));
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = CaseStore::open(dir.path()).unwrap();
        assert_eq!(
            store.meta.get(SCHEMA_KEY).unwrap().as_deref(),
            Some(&SCHEMA_VERSION.to_be_bytes()[..])
        );
        store
            .meta
            .insert(SCHEMA_KEY, &(SCHEMA_VERSION + 1).to_be_bytes()[..])
            .unwrap();
        store.db.flush().unwrap();
    }
    let err = CaseStore::open(dir.path()).err().unwrap();
    assert!(
        matches!(
            err,
            CaseError::SchemaNewer {
                found,
                supported: SCHEMA_VERSION,
                ..
            } if found == SCHEMA_VERSION + 1
        ),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade sertel"));
}

#[test]
fn keys_sort_by_year_then_number() {
    let a = CaseId {
        year: 2026,
        seq: 9999,
    };
    let b = CaseId {
        year: 2026,
        seq: 10000,
    };
    let c = CaseId { year: 2027, seq: 1 };
    assert!(case_key(a) < case_key(b) && case_key(b) < case_key(c));
    assert_eq!(case_id_of(&case_key(b)), Some(b));
    assert_eq!(case_id_of(b"short"), None);
}
