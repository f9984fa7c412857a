//! The daemon's step (`process_next`) and the staff actions over real parts without a mail
//! server: a Maildir inbox, a sled case store on disk, tesseract, and outgoing mail written as
//! `.eml` files.

use crate::common;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use common::mailservers::vouched;
use sertel::case::retention;
use sertel::case::store::CaseStore;
use sertel::case::{EventKind, Purpose, State};
use sertel::config::Config;
use sertel::config::{SignerSpec, Signing};
use sertel::daemon::{Outcome, process_next, send_due};
use sertel::desk::command::{Command, execute};
use sertel::desk::remind::remind;
use sertel::desk::{Desk, ReplyLimiter};
use sertel::intake::maildir::Maildir;
use sertel::intake::{Fetched, IntakeError, Locator, Mailbox};
use sertel::outbound::folder::FolderTransport;
use sertel::rules::Rules;
use sertel::signature::Policy;

fn config(root: &Path) -> Config {
    common::office_config(root, "")
}

/// A desk in a temporary directory: Maildir inbox, `.eml` outbox, sled store, built-in rules.
struct Office {
    dir: tempfile::TempDir,
    config: Config,
    rules: Rules,
    store: CaseStore,
    signing: Policy,
}

impl Office {
    fn new() -> Office {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path());
        let store = CaseStore::open(&config.storage.data_dir).unwrap();
        Office {
            dir,
            config,
            rules: Rules::builtin(),
            store,
            signing: Policy::untrusting(),
        }
    }

    fn desk(&self) -> Desk<'_> {
        Desk {
            config: &self.config,
            rules: &self.rules,
            store: &self.store,
            signing: &self.signing,
        }
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap()
}

fn deliver(root: &Path, name: &str, raw: &[u8]) {
    std::fs::write(root.join("inbox/new").join(name), raw).unwrap();
}

fn sample(n: &str) -> Vec<u8> {
    std::fs::read(format!("{}/samples/{n}.eml", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn outbox_files(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root.join("outbox"))
        .map(|d| {
            d.flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn header(raw: &str, name: &str) -> String {
    mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .and_then(|m| m.header_raw(name).map(|v| v.trim().to_string()))
        .unwrap_or_default()
}

#[tokio::test]
async fn one_mail_at_a_time_from_inbox_to_case_and_replies() {
    let office = Office::new();
    let (root, store) = (office.dir.path(), &office.store);
    let desk = office.desk();
    let mut inbox = Maildir::open(&root.join("inbox")).unwrap();
    let transport = FolderTransport::new(root.join("outbox")).unwrap();
    let mut ocr = common::engine();
    let mut limiter = ReplyLimiter::default();

    // Sample 004 lacks the KTP.
    deliver(root, "1.eml", &sample("004"));
    let outcome = process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
        .await
        .unwrap();
    let Outcome::Opened(id) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(id.to_string(), "TTE-2026-0001");
    let case = store.get(id).unwrap().unwrap();
    assert_eq!(case.state, State::Diterima);
    assert_eq!(case.problems(), ["missing_ktp"]);
    assert_eq!(send_due(store, &transport, now()).await.unwrap(), 2);
    let sent = outbox_files(root);
    let ack = sent
        .iter()
        .find(|m| header(m, "To").contains("fitri.dunggio"))
        .expect("ack");
    assert!(header(ack, "Subject").contains("[TTE-2026-0001]"));
    assert_eq!(
        header(ack, "In-Reply-To"),
        format!("<{}>", "synth-004-42@gorontalokab.go.id")
    );
    let to_kadis = sent
        .iter()
        .find(|m| header(m, "To").contains("kadis@"))
        .expect("to Kadis");
    assert!(store.outbox().unwrap().is_empty());

    // The same mail again (a client that sent twice): recorded, no second case, no reply.
    deliver(root, "2.eml", &sample("004"));
    let outcome = process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::AlreadyDone);
    assert_eq!(store.list().unwrap().len(), 1);

    // A vacation auto-reply is recorded and never answered.
    deliver(
        root,
        "3.eml",
        b"From: a@gorontalokab.go.id\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n\
          Message-ID: <ooo@x>\r\n\r\nSedang cuti.\r\n",
    );
    let outcome = process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
        .await
        .unwrap();
    assert!(matches!(outcome, Outcome::Ignored(_)), "{outcome:?}");
    assert!(store.outbox().unwrap().is_empty());

    // Not an email at all: quarantined, kept, and the verifiers are told.
    deliver(root, "4.eml", b"\x00\x01 this is not mail");
    let outcome = process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
        .await
        .unwrap();
    assert!(matches!(outcome, Outcome::Quarantined(_)), "{outcome:?}");
    assert_eq!(
        std::fs::read_dir(root.join("inbox/.Quarantine/cur"))
            .unwrap()
            .count(),
        1
    );
    assert_eq!(store.quarantined().unwrap().len(), 1);
    let notice = store.outbox().unwrap();
    assert_eq!(notice.len(), 1);
    assert!(
        notice[0]
            .mail
            .to
            .iter()
            .any(|t| t.starts_with("verifikator"))
    );
    send_due(store, &transport, now()).await.unwrap();

    // The Kadis answers the disposition request: "setuju" leaves the choice to round robin.
    let kadis_reply = format!(
        "{}From: Kepala Dinas <kadis@gorontalokab.go.id>\r\nSubject: Re: {}\r\nMessage-ID: <k1@x>\r\n\
         In-Reply-To: {}\r\n\r\nSetuju.\r\n\r\n> kutipan\r\n",
        vouched("gorontalokab.go.id"),
        header(to_kadis, "Subject"),
        header(to_kadis, "Message-ID"),
    );
    deliver(root, "5.eml", kadis_reply.as_bytes());
    let outcome = process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Staff(id));
    let case = store.get(id).unwrap().unwrap();
    assert_eq!(case.state, State::Disposisi);
    assert_eq!(
        case.verifier.as_deref(),
        Some("verifikator1@gorontalokab.go.id")
    );

    // Someone else writing with the case tag is kept as a note, not merged.
    deliver(
        root,
        "6.eml",
        b"From: orang.lain@example.com\r\nSubject: Re: [TTE-2026-0001] lampiran\r\nMessage-ID: <o1@x>\r\n\r\nIni KTP saya.\r\n",
    );
    let outcome = process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Note(id));

    // The verifier asks for the KTP; the applicant's follow-up brings the case back to them.
    let reply = execute(
        &Command::Request {
            id: id.to_string(),
            message: "Mohon lampirkan foto KTP.".into(),
            by: "verifikator1".into(),
        },
        &desk,
        now(),
    );
    assert!(reply.ok, "{}", reply.text);
    assert_eq!(
        store.get(id).unwrap().unwrap().state,
        State::MenungguKelengkapan
    );
    let follow_up =
        "From: fitri.dunggio@gorontalokab.go.id\r\nSubject: Re: [TTE-2026-0001] Permohonan\r\n\
         Message-ID: <f1@x>\r\n\r\nKTP menyusul, mohon maaf.\r\n"
            .to_string();
    deliver(root, "7.eml", follow_up.as_bytes());
    let outcome = process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::FollowUp(id));
    let case = store.get(id).unwrap().unwrap();
    assert_eq!(case.state, State::Verifikasi);
    assert_eq!(
        case.problems(),
        ["missing_ktp"],
        "the follow-up had no KTP either"
    );

    // Checked by hand, the item stays ok; a wrong id or a closed case gets a clear answer.
    let check = |item: &str| {
        execute(
            &Command::Check {
                id: id.to_string(),
                item: item.into(),
                note: Some("KTP asli diperlihatkan".into()),
                by: "verifikator1".into(),
            },
            &desk,
            now(),
        )
    };
    assert!(check("missing_ktp").ok);
    assert!(store.get(id).unwrap().unwrap().complete());
    assert!(!check("tidak_ada").ok);
    let bad = execute(
        &Command::Show {
            id: "TTE-26-1".into(),
            json: false,
        },
        &desk,
        now(),
    );
    assert!(
        !bad.ok && bad.text.contains("TTE-2026-0007"),
        "{}",
        bad.text
    );
    let reject = execute(
        &Command::Reject {
            id: id.to_string(),
            reason: "Bukan ASN".into(),
            by: "verifikator1".into(),
        },
        &desk,
        now(),
    );
    assert!(reject.ok, "{}", reject.text);
    let again = execute(
        &Command::Dispose {
            id: id.to_string(),
            verifier: "Verifikator Dua".into(),
            by: "kadis".into(),
        },
        &desk,
        now(),
    );
    assert!(
        !again.ok && again.text.contains("ditolak"),
        "{}",
        again.text
    );

    // The history names who did what, and the inbox is empty: nothing was dropped.
    let shown = execute(
        &Command::Show {
            id: id.to_string(),
            json: false,
        },
        &desk,
        now(),
    );
    assert!(shown.text.contains("verifikator1"), "{}", shown.text);
    assert_eq!(
        process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
            .await
            .unwrap(),
        Outcome::Idle
    );
    assert_eq!(
        std::fs::read_dir(root.join("inbox/.Processed/cur"))
            .unwrap()
            .count(),
        6
    );
}

#[tokio::test]
async fn a_second_application_from_the_same_nik_joins_the_open_case() {
    let office = Office::new();
    let (root, store) = (office.dir.path(), &office.store);
    let desk = office.desk();
    let mut inbox = Maildir::open(&root.join("inbox")).unwrap();
    let mut ocr = common::engine();
    let mut limiter = ReplyLimiter::default();
    let body = |from: &str, mid: &str| {
        format!(
            "From: {from}\r\nSubject: Permohonan TTE\r\nMessage-ID: <{mid}>\r\n\r\n\
             Nama : Rahmat Hasan Lamato\r\nNIK : 7502011203850001\r\nNo. HP : 081234567890\r\n"
        )
    };
    for (n, from) in [
        "rahmat@gorontalokab.go.id",
        "subbag.umum@gorontalokab.go.id",
        "rahmat@gorontalokab.go.id",
    ]
    .into_iter()
    .enumerate()
    {
        deliver(
            root,
            &format!("{n}.eml"),
            body(from, &format!("a{n}@x")).as_bytes(),
        );
    }
    let first = process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
        .await
        .unwrap();
    let Outcome::Opened(id) = first else {
        panic!("{first:?}")
    };
    let mail_to = |to: &str, purpose: Purpose| {
        store
            .outbox()
            .unwrap()
            .into_iter()
            .filter(|e| e.mail.to.iter().any(|t| t == to) && e.mail.purpose == purpose)
            .map(|e| {
                // Subject and decoded body: long lines are quoted-printable in the raw mail.
                let parsed = mail_parser::MessageParser::default()
                    .parse(&e.mail.raw[..])
                    .unwrap();
                format!(
                    "{}\n{}",
                    parsed.subject().unwrap_or_default(),
                    parsed.body_text(0).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
    };

    // Another address with the same NIK: joined, and told nothing of the case.
    let second = process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
        .await
        .unwrap();
    assert_eq!(second, Outcome::Duplicate(id));
    assert_eq!(store.list().unwrap().len(), 1);
    let neutral = mail_to("subbag.umum@gorontalokab.go.id", Purpose::ReceivedNeutral);
    assert_eq!(neutral.len(), 1);
    for secret in [
        id.to_string(),
        "Rahmat".into(),
        "Lamato".into(),
        "status".into(),
    ] {
        assert!(!neutral[0].contains(&secret), "{secret} in {}", neutral[0]);
    }
    assert!(mail_to("subbag.umum@gorontalokab.go.id", Purpose::DuplicateNotice).is_empty());
    // The applicant and the verifiers are told who tried.
    for to in [
        "rahmat@gorontalokab.go.id",
        "verifikator1@gorontalokab.go.id",
    ] {
        let alert = mail_to(to, Purpose::DuplicateAlert);
        assert_eq!(alert.len(), 1, "{to}");
        assert!(
            alert[0].contains("subbag.umum@gorontalokab.go.id"),
            "{}",
            alert[0]
        );
    }

    // The applicant's own second mail gets the case's notice.
    let third = process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
        .await
        .unwrap();
    assert_eq!(third, Outcome::Duplicate(id));
    let notice = mail_to("rahmat@gorontalokab.go.id", Purpose::DuplicateNotice);
    assert_eq!(notice.len(), 1);
    assert!(notice[0].contains(&id.to_string()));
}

#[tokio::test]
async fn a_forged_kadis_mail_is_kept_as_a_note_and_disposes_nothing() {
    let office = Office::new();
    let (root, store) = (office.dir.path(), &office.store);
    let desk = office.desk();
    let mut inbox = Maildir::open(&root.join("inbox")).unwrap();
    let mut ocr = common::engine();
    let mut limiter = ReplyLimiter::default();
    deliver(root, "1.eml", &sample("004"));
    let Outcome::Opened(id) = process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
        .await
        .unwrap()
    else {
        panic!("no case")
    };
    let disposition = |headers: &str, mid: &str| {
        format!(
            "{headers}From: Kepala Dinas <kadis@gorontalokab.go.id>\r\nSubject: Re: [{id}] disposisi\r\n\
             Message-ID: <{mid}>\r\n\r\ndisposisi ke verifikator2\r\n"
        )
    };
    let forgeries = [
        String::new(),
        "Authentication-Results: mx.evil.test; dkim=pass header.d=gorontalokab.go.id\r\n".into(),
        format!(
            "Authentication-Results: {}; dkim=fail header.d=gorontalokab.go.id; spf=fail smtp.mailfrom=evil.test\r\n{}",
            common::mailservers::AUTHSERV_ID,
            vouched("gorontalokab.go.id"),
        ),
    ];
    for (n, headers) in forgeries.iter().enumerate() {
        deliver(
            root,
            &format!("f{n}.eml"),
            disposition(headers, &format!("f{n}@x")).as_bytes(),
        );
        let outcome = process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
            .await
            .unwrap();
        assert_eq!(outcome, Outcome::Note(id), "forgery {n}");
        let case = store.get(id).unwrap().unwrap();
        assert_eq!(case.state, State::Diterima, "forgery {n}");
        assert_eq!(case.verifier, None);
    }
    let case = store.get(id).unwrap().unwrap();
    let kept = case
        .history
        .iter()
        .filter(|e| matches!(e.what, EventKind::StaffMailUnverified { .. }))
        .count();
    assert_eq!(kept, 3);
    let warned = store
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|e| e.mail.purpose == Purpose::UnverifiedStaffMail)
        .collect::<Vec<_>>();
    assert_eq!(warned.len(), 3);
    assert!(
        warned[0]
            .mail
            .to
            .iter()
            .all(|t| t.starts_with("verifikator"))
    );

    // The same words, vouched for by the office's mail server, dispose the case.
    deliver(
        root,
        "ok.eml",
        disposition(&vouched("gorontalokab.go.id"), "ok@x").as_bytes(),
    );
    let outcome = process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Staff(id));
    let case = store.get(id).unwrap().unwrap();
    assert_eq!(case.state, State::Disposisi);
    assert_eq!(
        case.verifier.as_deref(),
        Some("verifikator2@gorontalokab.go.id")
    );
}

/// The Maildir, counting how often each message is downloaded.
struct Counting {
    inner: Maildir,
    downloads: HashMap<Locator, usize>,
}

impl Mailbox for Counting {
    async fn list_new(&mut self, limit: usize) -> Result<Vec<Locator>, IntakeError> {
        self.inner.list_new(limit).await
    }

    async fn fetch(&mut self, at: &[Locator]) -> Result<Vec<Fetched>, IntakeError> {
        let fetched = self.inner.fetch(at).await?;
        for f in &fetched {
            *self.downloads.entry(f.locator.clone()).or_default() += 1;
        }
        Ok(fetched)
    }

    async fn mark_processed(&mut self, at: &Locator) -> Result<(), IntakeError> {
        self.inner.mark_processed(at).await
    }

    async fn quarantine(&mut self, at: &Locator) -> Result<(), IntakeError> {
        self.inner.quarantine(at).await
    }

    async fn wait(&mut self, max: Duration) -> Result<(), IntakeError> {
        self.inner.wait(max).await
    }
}

#[tokio::test]
async fn reading_ahead_on_a_second_engine_gives_the_same_cases() {
    let office = Office::new();
    let (root, rules, store) = (office.dir.path(), &office.rules, &office.store);
    let desk = office.desk();
    let mut inbox = Counting {
        inner: Maildir::open(&root.join("inbox")).unwrap(),
        downloads: HashMap::new(),
    };
    let mut ocr = common::engine();
    let mut limiter = ReplyLimiter::default();
    let mut lookahead = sertel::daemon::Lookahead::start(rules.clone(), 2, &|| {
        Ok(Box::new(sertel::text::ocr::TesseractOcr::new("ind")?)
            as Box<dyn sertel::text::ocr::Ocr + Send>)
    })
    .unwrap();
    let names = ["001", "002", "003", "004", "005"];
    for n in names {
        deliver(root, &format!("{n}.eml"), &sample(n));
    }
    let mut opened = Vec::new();
    loop {
        match process_next(
            &mut inbox,
            &desk,
            &mut ocr,
            &mut limiter,
            Some(&mut lookahead),
            now(),
        )
        .await
        .unwrap()
        {
            Outcome::Idle => break,
            Outcome::Opened(id) => opened.push(id),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(opened.len(), names.len());
    for (id, n) in opened.iter().zip(names) {
        let case = store.get(*id).unwrap().unwrap();
        let expected = common::expected_for(Path::new(&format!(
            "{}/samples/{n}.eml",
            env!("CARGO_MANIFEST_DIR")
        )));
        let mut want: Vec<String> = serde_json::from_value(expected["problems"].clone()).unwrap();
        let mut got: Vec<String> = case.problems().iter().map(|s| s.to_string()).collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "sample {n} as {id}");
    }
    // Mails waiting behind the one in hand are read ahead once, not downloaded at every turn.
    assert_eq!(inbox.downloads.len(), names.len());
    assert!(
        inbox.downloads.values().all(|n| *n == 1),
        "{:?}",
        inbox.downloads
    );
}

/// A text-only application with every field the letter needs.
fn full_application(from: &str, mid: &str, name: &str, nik: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nSubject: Permohonan TTE\r\nMessage-ID: <{mid}>\r\n\r\n\
         Nama : {name}\r\nNIK : {nik}\r\nNIP : 198503122010011003\r\n\
         Pangkat/Golongan : Penata Muda (III/a)\r\nJabatan : Pranata Komputer Ahli Pertama\r\n\
         Unit Kerja : Dinas Pendidikan\r\nEmail : {from}\r\nNo. HP : 081234567890\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn the_letter_is_drafted_signed_checked_and_followed_to_bsre() {
    let mut office = Office::new();
    let ca = common::pdfsign::TestCa::new(&office.dir.path().join("ca"), "Uji Root", "Kadis Uji");
    office.signing = Policy::from_config(&Signing {
        trust_anchors: vec![ca.cert_path()],
        tsa_anchors: Vec::new(),
        signer: Some(SignerSpec {
            common_name: Some("Kadis Uji".into()),
            ..SignerSpec::default()
        }),
    })
    .unwrap();
    let (root, store) = (office.dir.path(), &office.store);
    let desk = office.desk();
    let mut inbox = Maildir::open(&root.join("inbox")).unwrap();
    let mut ocr = common::engine();
    let mut limiter = ReplyLimiter::default();
    let people = [
        (
            "rahmat@gorontalokab.go.id",
            "Rahmat Hasan Lamato",
            "7502011203850001",
        ),
        (
            "siti@gorontalokab.go.id",
            "Siti Nur'aini Ḍamanhuri",
            "7502015506900002",
        ),
    ];
    let mut ids = Vec::new();
    for (n, (from, name, nik)) in people.iter().enumerate() {
        deliver(
            root,
            &format!("{n}.eml"),
            &full_application(from, &format!("l{n}@x"), name, nik),
        );
        match process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
            .await
            .unwrap()
        {
            Outcome::Opened(id) => ids.push(id.to_string()),
            other => panic!("{other:?}"),
        }
    }
    let run = |command: Command| execute(&command, &desk, now());
    let draft = |id: &str, reason: Option<&str>| {
        run(Command::Draft {
            id: id.into(),
            reason: reason.map(str::to_string),
            by: "verifikator1".into(),
        })
    };

    for id in &ids {
        let disposed = run(Command::Dispose {
            id: id.clone(),
            verifier: "Verifikator Satu".into(),
            by: "kadis".into(),
        });
        assert!(disposed.ok, "{}", disposed.text);
    }

    // No KTP or SK: the checklist is not complete, so a draft needs the verifier's reason.
    let refused = draft(&ids[0], None);
    assert!(
        !refused.ok && refused.text.contains("belum lengkap"),
        "{}",
        refused.text
    );
    assert_eq!(
        store.get(ids[0].parse().unwrap()).unwrap().unwrap().state,
        State::Disposisi
    );
    let mut letters = Vec::new();
    for id in &ids {
        let made = draft(id, Some("KTP diperiksa langsung di loket"));
        assert!(made.ok, "{}", made.text);
        assert_eq!(made.files.len(), 2);
        assert!(made.files[0].name.ends_with("_surat_rekomendasi.pdf"));
        assert!(made.files[1].name.ends_with("_surat_rekomendasi.docx"));
        letters.push(made.files[0].bytes.clone());
        let case = store.get(id.parse().unwrap()).unwrap().unwrap();
        assert_eq!(case.state, State::RekomendasiDikirim);
        assert!(case.draft().is_some());
    }
    let again = draft(&ids[0], Some("lagi"));
    assert!(
        !again.ok && again.text.contains("rekomendasi dikirim"),
        "{}",
        again.text
    );
    let to_kadis = store
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.mail.to == ["kadis@gorontalokab.go.id"]
                && e.mail.purpose == sertel::case::Purpose::LetterForSigning
        })
        .count();
    assert_eq!(to_kadis, 2);

    // The test CA's certificates start today, after the fixed clock of the rest of the test.
    let sign = |id: &str, pdf: Vec<u8>| {
        let command = Command::Sign {
            id: id.into(),
            pdf,
            by: "verifikator1".into(),
        };
        execute(&command, &desk, Utc::now())
    };
    let first = ids[0].parse().unwrap();
    let before = store.get(first).unwrap().unwrap();
    let signed = ca.sign(&letters[0]);
    let mut tampered = signed.clone();
    let at = tampered.len() / 4;
    tampered[at] ^= 0x20;
    for (pdf, words) in [
        (letters[0].clone(), "tidak memuat tanda tangan"),
        (tampered, "berubah setelah ditandatangani"),
        (
            ca.sign(&letters[1]),
            "bukan surat rekomendasi untuk kasus ini",
        ),
        (b"bukan pdf".to_vec(), "rusak"),
    ] {
        let reply = sign(&ids[0], pdf);
        assert!(
            !reply.ok && reply.text.contains(words),
            "{words}: {}",
            reply.text
        );
        assert_eq!(
            store.get(first).unwrap().unwrap(),
            before,
            "a refusal changes nothing"
        );
    }
    let accepted = sign(&ids[0], signed.clone());
    assert!(
        accepted.ok && accepted.text.contains("Kadis Uji"),
        "{}",
        accepted.text
    );
    let case = store.get(first).unwrap().unwrap();
    assert_eq!(case.state, State::Ditandatangani);
    assert_eq!(
        store.blob(case.signed_letter().unwrap()).unwrap().unwrap(),
        signed
    );

    let mark = |state: &str| {
        run(Command::Mark {
            id: ids[0].clone(),
            state: state.into(),
            by: "verifikator1".into(),
        })
    };
    let skip = mark("terbit");
    assert!(
        !skip.ok && skip.text.contains("hanya dapat diubah menjadi diajukan"),
        "{}",
        skip.text
    );
    let unknown = mark("selesai");
    assert!(
        !unknown.ok && unknown.text.contains("menunggu_passphrase"),
        "{}",
        unknown.text
    );
    assert!(mark("diajukan").ok);
    // Without KTP and SK there is nothing complete to upload.
    let package = run(Command::Package { id: ids[0].clone() });
    assert!(
        !package.ok && package.text.contains("lampiran KTP"),
        "{}",
        package.text
    );
}

/// Where the store keeps a blob on disk.
fn blob_file(root: &Path, sha256: &str) -> std::path::PathBuf {
    root.join("data/objects").join(&sha256[..2]).join(sha256)
}

#[tokio::test]
async fn retention_erases_closed_cases_and_keeps_what_an_open_case_shares() {
    let office = Office::new();
    let (root, store) = (office.dir.path(), &office.store);
    let desk = office.desk();
    let mut inbox = Maildir::open(&root.join("inbox")).unwrap();
    let mut ocr = common::engine();
    let mut limiter = ReplyLimiter::default();
    // Two applicants attach the very same file.
    let application = |n: usize, nik: &str| {
        format!(
            "From: pemohon{n}@gorontalokab.go.id\r\nSubject: Permohonan TTE\r\nMessage-ID: <r{n}@x>\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
             Content-Type: text/plain\r\n\r\nNama : Pemohon {n}\r\nNIK : {nik}\r\nNo. HP : 081234567890\r\n\
             --b\r\nContent-Type: text/plain; name=catatan.txt\r\nContent-Disposition: attachment; \
             filename=catatan.txt\r\n\r\ncatatan yang sama\r\n--b--\r\n"
        )
    };
    deliver(root, "1.eml", application(1, "7502011203850001").as_bytes());
    deliver(root, "2.eml", application(2, "7502014107850133").as_bytes());
    let mut ids = Vec::new();
    for _ in 0..2 {
        match process_next(&mut inbox, &desk, &mut ocr, &mut limiter, None, now())
            .await
            .unwrap()
        {
            Outcome::Opened(id) => ids.push(id),
            other => panic!("{other:?}"),
        }
    }
    let (closed, open) = (ids[0], ids[1]);
    let rejected = execute(
        &Command::Reject {
            id: closed.to_string(),
            reason: "Bukan ASN".into(),
            by: "verifikator1".into(),
        },
        &desk,
        now(),
    );
    assert!(rejected.ok, "{}", rejected.text);
    let before = store.get(closed).unwrap().unwrap();
    let shared = before.attachments[0].sha256.clone();
    let own = before.mails[0].sha256.clone();
    assert!(blob_file(root, &own).exists() && blob_file(root, &shared).exists());

    let retention = sertel::config::Retention {
        documents_days: 365,
        record_days: Some(3650),
    };
    let days = chrono::TimeDelta::days;
    let swept = retention::sweep(store, &retention, now() + days(364)).unwrap();
    assert_eq!(swept, retention::Swept::default());
    assert!(blob_file(root, &own).exists());

    let swept = retention::sweep(store, &retention, now() + days(366)).unwrap();
    assert_eq!(swept.erased, [closed]);
    let after = store.get(closed).unwrap().unwrap();
    assert!(
        !blob_file(root, &own).exists(),
        "the raw mail is gone from disk"
    );
    assert!(
        blob_file(root, &shared).exists(),
        "the attachment the open case shares stays"
    );
    assert_eq!(
        after.applicant.fields.nik.as_deref(),
        Some("7502********0001")
    );
    assert!(
        !serde_json::to_string(&after)
            .unwrap()
            .contains("7502011203850001")
    );
    assert!(after.documents.is_empty() && after.body.is_none());
    let erasure = after.erased.clone().unwrap();
    assert_eq!(
        (erasure.files_kept_shared, erasure.by.as_str()),
        (1, "sertel (retensi)")
    );
    assert!(erasure.files_removed >= 2, "{erasure:?}");
    // Still listed, and `sertel case` says what was erased.
    assert!(store.list().unwrap().iter().any(|c| c.id == closed));
    let shown = execute(
        &Command::Show {
            id: closed.to_string(),
            json: false,
        },
        &desk,
        now() + days(366),
    );
    assert!(
        shown
            .text
            .contains("data pribadi dihapus (dihapus sesuai retensi)"),
        "{}",
        shown.text
    );
    // The open case is whole, and an erased case is not erased twice.
    assert!(store.get(open).unwrap().unwrap().erased.is_none());
    assert_eq!(
        retention::sweep(store, &retention, now() + days(400)).unwrap(),
        retention::Swept::default()
    );

    // On request: an open case needs --force, and then its files go, the shared one too once
    // no other case keeps it.
    let erase = |force| {
        execute(
            &Command::Erase {
                id: open.to_string(),
                reason: "permintaan pemohon".into(),
                force,
                by: "admin".into(),
            },
            &desk,
            now(),
        )
    };
    let refused = erase(false);
    assert!(
        !refused.ok && refused.text.contains("--force"),
        "{}",
        refused.text
    );
    let done = erase(true);
    assert!(done.ok, "{}", done.text);
    assert!(!blob_file(root, &shared).exists());
    let erased = store.get(open).unwrap().unwrap();
    assert!(erased.history.iter().any(|e| matches!(
        &e.what,
        EventKind::DataErased { reason, .. } if reason == "permintaan pemohon"
    ) && e.actor.to_string().contains("admin")));
    // The record itself goes when its own retention passes.
    let swept = retention::sweep(store, &retention, now() + days(3651)).unwrap();
    assert_eq!(swept.removed, [closed]);
    assert!(store.get(closed).unwrap().is_none());
}

/// `tests/fixtures/schema-1`: a database the schema-1 release wrote (one synthetic case, and
/// one attachment kept in the database as releases before blob files did).
#[test]
fn a_schema_1_database_is_migrated_on_open_and_reads_whole() {
    let fixture = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/schema-1"
    ));
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("data");
    assert!(
        std::process::Command::new("cp")
            .arg("-a")
            .arg(fixture)
            .arg(&copy)
            .status()
            .unwrap()
            .success()
    );
    let raw_mail = "abaa0dabada8590db54b8979d11b63d7987dddf59aa45692926db2e00a5e32a5";
    let note_sha = {
        let store = CaseStore::open(&copy).unwrap();
        let cases = store.list().unwrap();
        assert_eq!(cases.len(), 1);
        let case = &cases[0];
        assert_eq!(
            case.applicant.fields.name.as_deref(),
            Some("Pemohon Sintetis")
        );
        let note = case.attachments[0].sha256.clone();
        // The attachment the old release kept in the database is a file now, and reads.
        assert!(blob_file(dir.path(), &note).exists());
        assert_eq!(
            store.blob(&note).unwrap().as_deref(),
            Some(&b"lampiran sintetis dari rilis lama"[..])
        );
        assert!(store.tree("blobs").unwrap().is_empty());
        assert_eq!(store.case_mails(case.id).unwrap().len(), 1);
        assert!(blob_file(dir.path(), raw_mail).exists());
        note
    };
    // Opening again finds schema 2 and changes nothing.
    let store = CaseStore::open(&copy).unwrap();
    assert!(store.blob(&note_sha).unwrap().is_some());
    let verified = sertel::case::backup::verify(&store).unwrap();
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
}

#[tokio::test]
async fn a_step_past_its_standard_in_working_time_is_reminded_once_then_escalated() {
    let office = Office::new();
    let (root, store) = (office.dir.path(), &office.store);
    let desk = office.desk();
    let mut inbox = Maildir::open(&root.join("inbox")).unwrap();
    let mut ocr = common::engine();
    let mut limiter = ReplyLimiter::default();
    let wita = |d: u32, h: u32, m: u32| {
        sertel::calendar::WITA
            .with_ymd_and_hms(2026, 12, d, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    };
    // Friday 4 December, 16:00 WITA: half an hour before the office closes for the weekend.
    deliver(root, "1.eml", &sample("004"));
    let Outcome::Opened(id) = process_next(
        &mut inbox,
        &desk,
        &mut ocr,
        &mut limiter,
        None,
        wita(4, 16, 0),
    )
    .await
    .unwrap() else {
        panic!("no case")
    };
    let reminders = || {
        store
            .outbox()
            .unwrap()
            .into_iter()
            .filter(|e| e.mail.purpose == Purpose::Reminder)
            .map(|e| e.mail.to.join(","))
            .collect::<Vec<_>>()
    };
    // 14 working minutes, then 20: the Kadis is reminded of the disposition, once.
    assert_eq!(remind(&desk, wita(4, 16, 14)).unwrap(), 0);
    assert_eq!(remind(&desk, wita(4, 16, 20)).unwrap(), 1);
    assert_eq!(reminders(), ["kadis@gorontalokab.go.id"]);
    assert_eq!(remind(&desk, wita(4, 16, 25)).unwrap(), 0);
    // The weekend does not count: on Monday at 07:30 the step has run 30 working minutes, which
    // is not more than twice the standard; at 07:31 it is, and the Kadis gets the second one.
    assert_eq!(remind(&desk, wita(7, 7, 30)).unwrap(), 0);
    assert_eq!(remind(&desk, wita(7, 7, 31)).unwrap(), 1);
    assert_eq!(remind(&desk, wita(7, 9, 0)).unwrap(), 0);
    assert_eq!(reminders().len(), 2);
    let case = store.get(id).unwrap().unwrap();
    let sent: Vec<bool> = case
        .history
        .iter()
        .filter_map(|e| match &e.what {
            EventKind::ReminderSent {
                step: 2, second, ..
            } => Some(*second),
            _ => None,
        })
        .collect();
    assert_eq!(sent, [false, true]);
    // `sertel case` counts the step in working minutes, with the wall clock beside.
    let shown = execute(
        &Command::Show {
            id: id.to_string(),
            json: false,
        },
        &desk,
        wita(7, 9, 0),
    );
    assert!(
        shown.text.contains("sudah melewati standar 15 menit"),
        "{}",
        shown.text
    );
}
