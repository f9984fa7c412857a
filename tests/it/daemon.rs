//! The daemon end to end against real Dovecot and Postfix on 127.0.0.1 (started by
//! `scripts/mailservers`): applications in by SMTP, cases in sled, replies read back over IMAP;
//! crashes (`kill -9`) at every stage, a Dovecot restart and an SMTP outage lose nothing and
//! duplicate nothing.

use crate::common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::mailservers::{MailServers, vouched};
use common::pdfsign::TestCa;
use lettre::message::{Attachment, Mailbox as Addr, MultiPart, SinglePart, header::ContentType};
use mail_parser::MimeHeaders;
use serde_json::Value;

struct Daemon {
    child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `sertel run` with the operator's default log level; its log is appended to
/// `daemon.log` beside the config.
fn start_daemon(config: &Path, pause_at: Option<&str>, pause_file: &Path) -> Daemon {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path(config))
        .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sertel"));
    cmd.arg("--config")
        .arg(config)
        .arg("run")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(log);
    if let Some(stage) = pause_at {
        cmd.env("SERTEL_PAUSE_AT", stage)
            .env("SERTEL_PAUSE_FILE", pause_file);
    }
    Daemon {
        child: cmd.spawn().expect("sertel run"),
    }
}

fn log_path(config: &Path) -> std::path::PathBuf {
    config.with_file_name("daemon.log")
}

fn sertel(config: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sertel"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn cases(config: &Path) -> Vec<Value> {
    let (ok, out, err) = sertel(config, &["cases", "--json"]);
    assert!(ok, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn text_application(servers: &MailServers, user: &str, nik: &str, tag: &str) -> Vec<u8> {
    format!(
        "From: Pemohon Uji <{from}>\r\nTo: tte@{d}\r\nSubject: Permohonan Sertifikat Elektronik\r\n\
         Message-ID: <{tag}@test.sertel>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0800\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Yth. Kepala Dinas Kominfo\r\n\r\nNama : Rahmat Hasan Lamato, S.Kom.\r\nNIK : {nik}\r\n\
         NIP : 19850312 201001 1 003\r\nJabatan : Pranata Komputer Ahli Pertama\r\n\
         Unit Kerja : Dinas Pendidikan\r\nNo. HP : 0812-3456-7890\r\n",
        from = servers.address(user),
        d = servers.domain,
    )
    .into_bytes()
}

fn subject_of(raw: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse(raw)
        .and_then(|m| m.subject().map(str::to_string))
        .unwrap_or_default()
}

/// Subject, Message-ID and Date of each mail, for an assertion message that shows which mail
/// came twice.
fn headers_of(mails: &[Vec<u8>]) -> String {
    mails
        .iter()
        .map(|raw| {
            let m = mail_parser::MessageParser::default().parse(raw);
            let m = m.as_ref();
            format!(
                "{:?} <{:?}> {:?}",
                m.and_then(|m| m.subject()),
                m.and_then(|m| m.message_id()),
                m.and_then(|m| m.date()).map(|d| d.to_rfc3339())
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn body_of(raw: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse(raw)
        .and_then(|m| m.body_text(0).map(|b| b.into_owned()))
        .unwrap_or_default()
}

fn message_id_of(raw: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse(raw)
        .and_then(|m| m.message_id().map(str::to_string))
        .unwrap_or_default()
}

async fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_goes_from_first_mail_to_terbit() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let config = servers.write_sertel_config(work.path(), 50);
    let ca = TestCa::new(
        &work.path().join("ca"),
        "BSrE Uji Root CA",
        "Kepala Dinas Uji",
    );
    let stranger = TestCa::new(
        &work.path().join("other"),
        "CA Tidak Dikenal",
        "Kepala Dinas Uji",
    );
    // A second, independent signing stack (pyHanko) with its own root and TSA: its B-LT letter
    // is what BSrE returns with LTV on.
    let pades_dir = work.path().join("pades");
    std::fs::create_dir_all(&pades_dir).unwrap();
    if !crate::signature::pades::available() {
        return;
    }
    let none = Path::new("-");
    crate::signature::pades::run(&pades_dir, [none, none], "-", "pki", "Kepala Dinas Uji");
    trust(
        &config,
        &[ca.cert_path(), pades_dir.join("root.pem")],
        &pades_dir.join("tsa-root.pem"),
    );
    let _daemon = start_daemon(&config, None, &work.path().join("pause"));
    let d = servers.domain.clone();

    // Step 1: an application without KTP or SK.
    let raw = text_application(&servers, "pemohon1", "7502011203850001", "app-1");
    let sent = Instant::now();
    servers
        .send(&raw, &servers.address("pemohon1"), &[&format!("tte@{d}")])
        .await;
    let acks = servers
        .wait_for("pemohon1", "INBOX", 1, Duration::from_secs(60))
        .await;
    eprintln!("ack after {:?}", sent.elapsed());
    let subject = subject_of(&acks[0]);
    assert!(subject.starts_with("[TTE-"), "{subject}");
    let id = subject[1..].split(']').next().unwrap().to_string();
    let body = body_of(&acks[0]);
    assert!(body.contains(&id), "{body}");
    assert!(
        !body.contains("7502011203850001"),
        "the full NIK must not be mailed"
    );
    assert!(body.contains("KTP"), "{body}");

    // The original is moved out of the inbox once its case is stored.
    assert!(servers.fetch_all("tte", "INBOX").await.is_empty());
    assert_eq!(servers.fetch_all("tte", "Processed").await.len(), 1);

    // Step 2: the Kadis gets the case and disposes by replying.
    let to_kadis = servers
        .wait_for("kadis", "INBOX", 1, Duration::from_secs(30))
        .await;
    assert!(subject_of(&to_kadis[0]).contains(&id));
    let disposition = format!(
        "{}From: Kepala Dinas <kadis@{d}>\r\nTo: tte@{d}\r\nSubject: Re: {}\r\n\
         Message-ID: <disp-1@test.sertel>\r\nIn-Reply-To: <{}>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\ndisposisi ke verifikator2\r\n\r\n> ringkasan\r\n",
        vouched(&d),
        subject_of(&to_kadis[0]),
        message_id_of(&to_kadis[0]),
    );
    servers
        .send(
            disposition.as_bytes(),
            &format!("kadis@{d}"),
            &[&format!("tte@{d}")],
        )
        .await;
    let to_verifier = servers
        .wait_for("verifikator2", "INBOX", 1, Duration::from_secs(30))
        .await;
    assert!(subject_of(&to_verifier[0]).contains(&id));
    let (ok, shown, err) = sertel(&config, &["case", &id, "--json"]);
    assert!(ok, "{err}");
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["case"]["state"], "disposisi");
    assert_eq!(shown["case"]["verifier"], format!("verifikator2@{d}"));

    // Step 3: the verifier asks for the documents through the CLI (the daemon runs it).
    let (ok, said, err) = sertel(
        &config,
        &[
            "request",
            &id,
            "--message",
            "Mohon kirim KTP dan SK terakhir.",
            "--by",
            "verifikator2",
        ],
    );
    assert!(ok, "{err}");
    assert!(said.contains(&id));
    let mails = servers
        .wait_for("pemohon1", "INBOX", 2, Duration::from_secs(30))
        .await;
    let request = mails
        .iter()
        .find(|m| body_of(m).contains("Mohon kirim KTP"))
        .expect("request mail");
    assert!(subject_of(request).contains(&id));

    // The applicant replies with the sample's KTP and SK attached.
    let sample = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/001.eml")).unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse(&sample[..])
        .unwrap();
    let mut parts =
        MultiPart::mixed().singlepart(SinglePart::plain("Berikut KTP dan SK saya.".to_string()));
    for att in parsed.attachments() {
        let name = att.attachment_name().unwrap_or("lampiran").to_string();
        let ct = ContentType::parse("application/octet-stream").unwrap();
        parts = parts.singlepart(Attachment::new(name).body(att.contents().to_vec(), ct));
    }
    let follow_up = lettre::Message::builder()
        .from(servers.address("pemohon1").parse::<Addr>().unwrap())
        .to(format!("tte@{d}").parse::<Addr>().unwrap())
        .subject(format!("Re: {}", subject_of(request)))
        .in_reply_to(message_id_of(request))
        .multipart(parts)
        .unwrap()
        .formatted();
    servers
        .send(
            &follow_up,
            &servers.address("pemohon1"),
            &[&format!("tte@{d}")],
        )
        .await;
    servers
        .wait_for("pemohon1", "INBOX", 3, Duration::from_secs(90))
        .await;
    let (_, shown, _) = sertel(&config, &["case", &id, "--json"]);
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["case"]["state"], "verifikasi", "{shown}");
    let problems: Vec<String> = shown["case"]["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] != "ok")
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !problems.contains(&"missing_ktp".to_string()),
        "{problems:?}"
    );
    assert!(
        !problems.contains(&"missing_sk".to_string()),
        "{problems:?}"
    );
    // The sample's letter, KTP, SK and pas foto.
    assert_eq!(shown["case"]["attachments"].as_array().unwrap().len(), 4);

    // A second application from the same NIK joins the case instead of opening another.
    let again = text_application(&servers, "pemohon2", "7502011203850001", "app-1-again");
    servers
        .send(&again, &servers.address("pemohon2"), &[&format!("tte@{d}")])
        .await;
    // Its sender is another address: told it arrived, and nothing of the case.
    let notice = servers
        .wait_for("pemohon2", "INBOX", 1, Duration::from_secs(60))
        .await;
    assert_eq!(subject_of(&notice[0]), "Surel Anda telah diterima");
    let told = body_of(&notice[0]);
    assert!(!told.contains(&id) && !told.contains("Rahmat"), "{told}");
    assert_eq!(cases(&config).len(), 1);

    letter_to_terbit(&servers, &config, &id, [&ca, &stranger], &pades_dir).await;

    // What an operator reads: the run, by case number, and no personal data or secret.
    let log = std::fs::read_to_string(log_path(&config)).unwrap();
    for expected in [
        "sertel daemon started",
        "case opened",
        "follow-up added",
        "duplicate application linked",
        "signed letter accepted",
        &id,
    ] {
        assert!(log.contains(expected), "no {expected:?} in the log:\n{log}");
    }
    for secret in [
        "7502011203850001",
        "7502026604752421",
        "201001 1 003",
        "198503122010011003",
        servers.password.as_str(),
    ] {
        assert!(!log.contains(secret), "{secret:?} in the log");
    }
    // Only the daemon's user may read what it keeps.
    assert_private(&work.path().join("data"));
}

/// Every folder below `dir` is 0700 and every file 0600 or stricter.
fn assert_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "{}", dir.display());
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            assert_private(&entry.path());
        } else {
            let mode = meta.permissions().mode() & 0o777;
            assert_eq!(mode & 0o077, 0, "{} is {mode:o}", entry.path().display());
        }
    }
}

/// Adds the test CAs as the trust anchors for signed letters, `tsa` for timestamps, and the
/// Kadis by name.
fn trust(config: &Path, cas: &[std::path::PathBuf], tsa: &Path) {
    let mut text = std::fs::read_to_string(config).unwrap();
    let anchors: Vec<String> = cas.iter().map(|c| format!("\"{}\"", c.display())).collect();
    text.push_str(&format!(
        "[signing]\ntrust_anchors = [{}]\ntsa_anchors = [\"{}\"]\n\
         [signing.signer]\ncommon_name = \"Kepala Dinas Uji\"\n",
        anchors.join(", "),
        tsa.display()
    ));
    std::fs::write(config, text).unwrap();
}

fn state_of(config: &Path, id: &str) -> Value {
    let (ok, shown, err) = sertel(config, &["case", id, "--json"]);
    assert!(ok, "{err}");
    let shown: Value = serde_json::from_str(&shown).unwrap();
    shown["case"]["state"].clone()
}

fn pdf_attachment(raw: &[u8]) -> Vec<u8> {
    let parsed = mail_parser::MessageParser::default().parse(raw).unwrap();
    parsed
        .attachments()
        .find(|a| a.attachment_name().is_some_and(|n| n.ends_with(".pdf")))
        .expect("a PDF attachment")
        .contents()
        .to_vec()
}

/// The Kadis answers `request` with `pdf` attached, from the Kadis's own account.
async fn kadis_replies(servers: &MailServers, request: &[u8], pdf: Vec<u8>, tag: &str) {
    let d = &servers.domain;
    let reply = lettre::Message::builder()
        .from(format!("Kepala Dinas <kadis@{d}>").parse::<Addr>().unwrap())
        .to(format!("tte@{d}").parse::<Addr>().unwrap())
        .subject(format!("Re: {}", subject_of(request)))
        .in_reply_to(message_id_of(request))
        .message_id(Some(format!("<{tag}@test.sertel>")))
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain("Sudah saya tandatangani.".to_string()))
                .singlepart(
                    Attachment::new("surat_rekomendasi_signed.pdf".into())
                        .body(pdf, ContentType::parse("application/pdf").unwrap()),
                ),
        )
        .unwrap()
        .formatted();
    let reply = [vouched(d).as_bytes(), &reply].concat();
    servers
        .send(&reply, &format!("kadis@{d}"), &[&format!("tte@{d}")])
        .await;
}

/// Steps 4–11: the letter to the Kadis, refused and accepted signed letters, the BSrE steps
/// marked by the verifier with a mail to the applicant at each, the upload package, the report.
async fn letter_to_terbit(
    servers: &MailServers,
    config: &Path,
    id: &str,
    [ca, stranger]: [&TestCa; 2],
    pades_dir: &Path,
) {
    // The text application's NIK differs from the sample KTP's: the verifier overrides.
    let (ok, said, err) = sertel(
        config,
        &[
            "case",
            id,
            "draft",
            "--by",
            "verifikator2",
            "--reason",
            "NIK dicek langsung ke Disdukcapil",
        ],
    );
    assert!(ok, "{err}");
    assert!(said.contains(id), "{said}");
    assert_eq!(state_of(config, id), "rekomendasi_dikirim");
    let to_kadis = servers
        .wait_for("kadis", "INBOX", 2, Duration::from_secs(30))
        .await;
    let request = to_kadis
        .iter()
        .find(|m| subject_of(m).contains("Mohon tanda tangan"))
        .expect("the letter for signing")
        .clone();
    let parsed = mail_parser::MessageParser::default()
        .parse(&request[..])
        .unwrap();
    let names: Vec<String> = parsed
        .attachments()
        .filter_map(|a| a.attachment_name().map(str::to_string))
        .collect();
    assert!(names.iter().any(|n| n.ends_with(".pdf")), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with(".docx")), "{names:?}");
    let draft = pdf_attachment(&request);

    // Refused, each with a reply to the Kadis and no change: unsigned, tampered, untrusted,
    // signed by someone who is not the Kadis. Accepted: the pyHanko B-LT letter (its DSS in a
    // revision after the signature).
    let draft_path = pades_dir.join("draft.pdf");
    std::fs::write(&draft_path, &draft).unwrap();
    crate::signature::pades::run(
        pades_dir,
        [&draft_path, &draft_path],
        "-",
        "daemon",
        "Kepala Dinas Uji",
    );
    let signed = std::fs::read(pades_dir.join("b-lt.pdf")).unwrap();
    let not_kadis = std::fs::read(pades_dir.join("forgery-stranger.pdf")).unwrap();
    let mut tampered = ca.sign(&draft);
    let at = tampered.len() / 3;
    tampered[at] ^= 0x01;
    let refusals = [
        (draft.clone(), "tidak memuat tanda tangan"),
        (tampered, "berubah"),
        (
            stranger.sign(&draft),
            "tidak diterbitkan oleh penyelenggara",
        ),
        (not_kadis, "Pegawai Lain Uji"),
    ];
    for (n, (pdf, words)) in refusals.into_iter().enumerate() {
        kadis_replies(servers, &request, pdf, &format!("refused-{n}")).await;
        let answers = servers
            .wait_for("kadis", "INBOX", 3 + n, Duration::from_secs(30))
            .await;
        let answer = answers
            .iter()
            .rev()
            .find(|m| subject_of(m).contains("belum dapat diterima"))
            .expect("a refusal");
        assert!(
            body_of(answer).contains(words),
            "{words}: {}",
            body_of(answer)
        );
        assert_eq!(state_of(config, id), "rekomendasi_dikirim");
    }

    // The real thing: B-LT, signed by the Kadis under the trusted root, from his account.
    kadis_replies(servers, &request, signed.clone(), "signed").await;
    // The verifier had the assignment and the alert about the second sender of this NIK.
    let told = servers
        .wait_for("verifikator2", "INBOX", 3, Duration::from_secs(30))
        .await;
    assert!(
        told.iter()
            .any(|m| subject_of(m).contains("telah ditandatangani"))
    );
    assert_eq!(state_of(config, id), "ditandatangani");

    let out = tempfile::tempdir().unwrap();
    let (ok, _, err) = sertel(
        config,
        &["case", id, "package", "--out", out.path().to_str().unwrap()],
    );
    assert!(ok, "{err}");
    let mut files: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(
        files[0].ends_with("_1_surat_rekomendasi_ttd.pdf"),
        "{files:?}"
    );
    assert_eq!(std::fs::read(out.path().join(&files[0])).unwrap(), signed);
    assert!(files[1].contains("_2_KTP_"), "{files:?}");
    assert!(files[2].contains("_3_SK_jabatan_"), "{files:?}");
    assert!(files[3].ends_with("_4_data_pemohon.txt"), "{files:?}");

    let before = servers.fetch_all("pemohon1", "INBOX").await.len();
    let steps = [
        ("diajukan", "tautan aktivasi"),
        ("menunggu_aktivasi", "swafoto"),
        ("disetujui", "passphrase"),
        ("menunggu_passphrase", "JANGAN PERNAH"),
        ("terbit", "ISSUE"),
    ];
    for (n, (state, words)) in steps.into_iter().enumerate() {
        let (ok, _, err) = sertel(config, &["case", id, "mark", state, "--by", "verifikator2"]);
        assert!(ok, "{state}: {err}");
        assert_eq!(state_of(config, id), state);
        let mails = servers
            .wait_for("pemohon1", "INBOX", before + n + 1, Duration::from_secs(30))
            .await;
        assert!(
            mails.iter().any(|m| body_of(m).contains(words)),
            "{state}: no mail saying {words}"
        );
    }
    let (ok, _, err) = sertel(config, &["case", id, "mark", "diajukan"]);
    assert!(!ok && err.contains("terbit"), "{err}");

    let (ok, report, err) = sertel(config, &["report"]);
    assert!(ok, "{err}");
    assert!(
        report
            .lines()
            .any(|l| l.trim_start().starts_with("terbit ") && l.trim_end().ends_with(" 1")),
        "{report}"
    );
    assert!(report.contains("Tahap 5"), "{report}");
}

/// Kills the daemon with SIGKILL at `stage`, restarts it, and checks the application ends up
/// as exactly one case with exactly one acknowledgement.
async fn crash_at(stage: &str, n: usize) {
    let Some(servers) = MailServers::start() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let config = servers.write_sertel_config(work.path(), 50);
    let pause = work.path().join("pause");
    let user = format!("pemohon{}", n % 5 + 1);
    let d = servers.domain.clone();
    let mut daemon = start_daemon(&config, Some(stage), &pause);
    let raw = text_application(
        &servers,
        &user,
        "7502011203850001",
        &format!("crash-{stage}"),
    );
    servers
        .send(&raw, &servers.address(&user), &[&format!("tte@{d}")])
        .await;
    wait_until(
        &format!("pause at {stage}"),
        Duration::from_secs(60),
        || pause.exists(),
    )
    .await;
    // SIGKILL: no destructor, no flush, exactly what a power cut or OOM kill does.
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();
    drop(daemon);

    let _daemon = start_daemon(&config, None, &pause);
    servers
        .wait_for(&user, "INBOX", 1, Duration::from_secs(90))
        .await;
    // Give a second acknowledgement, if one were coming, time to arrive.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let acks = servers.fetch_all(&user, "INBOX").await;
    assert_eq!(acks.len(), 1, "{stage}: {} acknowledgements", acks.len());
    assert_eq!(cases(&config).len(), 1, "{stage}");
    assert!(
        servers.fetch_all("tte", "INBOX").await.is_empty(),
        "{stage}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_every_stage_loses_nothing_and_duplicates_nothing() {
    // after_sent: the server's 250 arrived and was recorded, the connection is still open (no
    // QUIT yet), as a kill right after a mail was accepted finds it.
    for (n, stage) in [
        "after_fetch",
        "after_store",
        "before_move",
        "before_send",
        "after_sent",
    ]
    .iter()
    .enumerate()
    {
        crash_at(stage, n).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dovecot_restart_and_smtp_outage_are_ridden_out() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let config = servers.write_sertel_config(work.path(), 50);
    let _daemon = start_daemon(&config, None, &work.path().join("pause"));
    let d = servers.domain.clone();

    servers.restart_imap();
    let raw = text_application(&servers, "pemohon3", "7502011203850002", "after-restart");
    servers
        .send(&raw, &servers.address("pemohon3"), &[&format!("tte@{d}")])
        .await;
    servers
        .wait_for("pemohon3", "INBOX", 1, Duration::from_secs(90))
        .await;

    // SMTP down: the case opens (IMAP still works), the acknowledgement waits in the outbox.
    let raw = text_application(&servers, "pemohon4", "7502011203850003", "smtp-down");
    servers
        .send(&raw, &servers.address("pemohon4"), &[&format!("tte@{d}")])
        .await;
    servers
        .wait_for("tte", "Processed", 2, Duration::from_secs(30))
        .await;
    servers.stop_smtp();
    let raw = text_application(&servers, "pemohon5", "7502011203850004", "while-down");
    // Postfix is down, so this one is put straight into the inbox over IMAP by the harness.
    servers.append("tte", "INBOX", &raw).await;
    wait_until("the third case", Duration::from_secs(60), || {
        cases(&config).len() == 3
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    servers.start_smtp();
    let acks = servers
        .wait_for("pemohon5", "INBOX", 1, Duration::from_secs(120))
        .await;
    // pemohon4's acknowledgement may have been caught by the outage too, and then waits for
    // its own retry.
    servers
        .wait_for("pemohon4", "INBOX", 1, Duration::from_secs(120))
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(acks.len(), 1);
    let mails = servers.fetch_all("pemohon5", "INBOX").await;
    assert_eq!(mails.len(), 1, "{}", headers_of(&mails));
    // pemohon4's acknowledgement may be in flight when Postfix is stopped: Postfix can have
    // queued it and been killed before its 250 reached sertel, which then sends it again. No
    // SMTP client can tell that case from a lost mail (RFC 1047). The copies carry the same
    // Message-ID, which lets mail clients fold them into one: what must hold is one
    // acknowledgement, not one copy.
    let mails = servers.fetch_all("pemohon4", "INBOX").await;
    let mut ids: Vec<String> = mails.iter().map(|raw| message_id_of(raw)).collect();
    ids.dedup();
    assert!(
        (1..=2).contains(&mails.len()) && ids.len() == 1 && !ids[0].is_empty(),
        "{}",
        headers_of(&mails)
    );
}

/// A config for the daemon binary with a Maildir inbox and a folder outbox in `work`, and its
/// database in `data`.
fn embedded_config(work: &Path, data: &Path) -> std::path::PathBuf {
    let text = format!(
        "{office}\n[storage]\ndata_dir = \"{data}\"\n[intake]\nmaildir = \"{inbox}\"\n\
         [outbound]\nfolder = \"{outbox}\"\n",
        office = common::mailservers::office_section("gorontalokab.go.id"),
        data = data.display(),
        inbox = work.join("inbox").display(),
        outbox = work.join("outbox").display(),
    );
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(work.join("inbox").join(sub)).unwrap();
    }
    let path = work.join("sertel.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn plain_application(n: usize) -> Vec<u8> {
    format!(
        "From: pemohon{n}@gorontalokab.go.id\r\nTo: tte@gorontalokab.go.id\r\n\
         Subject: Permohonan TTE {n}\r\nMessage-ID: <disk-{n}@test.sertel>\r\n\r\n\
         Nama : Pemohon Uji {n}\r\nNIK : 750201120385{n:04}\r\nNo. HP : 08123456789{n}\r\n"
    )
    .into_bytes()
}

/// Recipients of the mails the folder outbox holds, one entry per mail written.
fn written_to(outbox: &Path) -> Vec<String> {
    std::fs::read_dir(outbox)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .map(|e| {
                    let raw = std::fs::read(e.path()).unwrap();
                    let parsed = mail_parser::MessageParser::default()
                        .parse(&raw[..])
                        .unwrap();
                    let to = parsed
                        .to()
                        .and_then(|t| t.first())
                        .and_then(|a| a.address())
                        .unwrap_or_default()
                        .to_string();
                    format!("{to} {}", parsed.subject().unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_stops_the_daemon_and_a_restart_resumes_without_resending() {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        common::skip("mounting a small tmpfs for the data directory needs root");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs"])
        .arg(&data)
        .status()
        .unwrap();
    assert!(mounted.success(), "mount tmpfs");
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(data.clone());
    let config = embedded_config(work.path(), &data);
    let inbox = work.path().join("inbox/new");
    let outbox = work.path().join("outbox");

    let mut daemon = start_daemon(&config, None, &work.path().join("pause"));
    std::fs::write(inbox.join("1.eml"), plain_application(1)).unwrap();
    wait_until("the first case", Duration::from_secs(60), || {
        written_to(&outbox)
            .iter()
            .any(|m| m.starts_with("pemohon1@"))
    })
    .await;

    // Fill the disk to the last byte, then three more applications arrive.
    let filler = data.join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    let block = vec![0u8; 1 << 20];
    while std::io::Write::write_all(&mut file, &block).is_ok() {}
    while std::io::Write::write_all(&mut file, &block[..4096]).is_ok() {}
    while std::io::Write::write_all(&mut file, &block[..1]).is_ok() {}
    drop(file);
    for n in 2..=4 {
        std::fs::write(inbox.join(format!("{n}.eml")), plain_application(n)).unwrap();
    }
    // The daemon stops by itself, non-zero, for its service manager to restart it.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = daemon.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the daemon kept running on a full disk"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(!status.success(), "{status:?}");
    drop(daemon);
    let log = std::fs::read_to_string(log_path(&config)).unwrap();
    assert!(log.contains("cannot write"), "{log}");
    let before = written_to(&outbox);

    // Space again: the restarted daemon takes every waiting application, and nothing that
    // went out before goes out twice.
    std::fs::remove_file(&filler).unwrap();
    let _daemon = start_daemon(&config, None, &work.path().join("pause"));
    wait_until("all four applications", Duration::from_secs(90), || {
        let written = written_to(&outbox);
        (1..=4).all(|n| {
            written
                .iter()
                .any(|m| m.starts_with(&format!("pemohon{n}@")))
        })
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut written = written_to(&outbox);
    written.sort();
    let mut unique = written.clone();
    unique.dedup();
    assert_eq!(
        written, unique,
        "a mail went out twice (before the restart: {before:?})"
    );
    assert_eq!(cases(&config).len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_during_a_burst_restores_whole_and_the_daemon_resumes_without_resending() {
    let work = tempfile::tempdir().unwrap();
    let config = embedded_config(work.path(), &work.path().join("data"));
    let inbox = work.path().join("inbox/new");
    let outbox = work.path().join("outbox");
    let acked = |n: usize| {
        let written = written_to(&outbox);
        (1..=n).all(|i| {
            written
                .iter()
                .any(|m| m.starts_with(&format!("pemohon{i}@")))
        })
    };
    let daemon = start_daemon(&config, None, &work.path().join("pause"));
    for n in 1..=3 {
        std::fs::write(inbox.join(format!("{n}.eml")), plain_application(n)).unwrap();
    }
    wait_until("three acknowledgements", Duration::from_secs(60), || {
        acked(3)
    })
    .await;
    // A burst arrives, and the nightly backup runs in the middle of it.
    for n in 4..=9 {
        std::fs::write(inbox.join(format!("{n}.eml")), plain_application(n)).unwrap();
    }
    let backup = work.path().join("cadangan");
    let (ok, said, err) = sertel(&config, &["backup", backup.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(said.contains("Cadangan ditulis"), "{said}");
    wait_until("every acknowledgement", Duration::from_secs(90), || {
        acked(9)
    })
    .await;
    drop(daemon);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    let backed_up = manifest["cases"].as_u64().unwrap() as usize;
    let pending = manifest["outbox"].as_u64().unwrap() as usize;
    assert!((3..=9).contains(&backed_up), "{manifest}");

    // Into a fresh data directory on another machine: whole, and checked.
    let other = tempfile::tempdir().unwrap();
    let restored = embedded_config(other.path(), &other.path().join("data"));
    let (ok, said, err) = sertel(&restored, &["restore", backup.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(said.contains("dipulihkan"), "{said}");
    let (ok, said, err) = sertel(&restored, &["verify"]);
    assert!(ok && said.contains("utuh"), "{said}{err}");
    let cases_back = cases(&restored);
    assert_eq!(cases_back.len(), backed_up);
    for case in &cases_back {
        let id = case["id"].as_str().unwrap();
        let (ok, shown, err) = sertel(&restored, &["case", id, "--json"]);
        assert!(ok, "{id}: {err}");
        assert!(shown.contains("Pemohon Uji"), "{id}");
    }
    // Not over a restored database, and not from a damaged backup.
    let (ok, _, err) = sertel(&restored, &["restore", backup.to_str().unwrap()]);
    assert!(!ok && err.contains("tidak kosong"), "{err}");
    let damaged = tempfile::tempdir().unwrap();
    let copy = damaged.path().join("cadangan");
    assert!(
        Command::new("cp")
            .arg("-a")
            .arg(&backup)
            .arg(&copy)
            .status()
            .unwrap()
            .success()
    );
    let tree = copy.join("trees/cases.kv");
    let mut bytes = std::fs::read(&tree).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(&tree, bytes).unwrap();
    let elsewhere = embedded_config(damaged.path(), &damaged.path().join("data"));
    let (ok, _, err) = sertel(&elsewhere, &["restore", copy.to_str().unwrap()]);
    assert!(!ok && err.contains("rusak"), "{err}");

    // The restored daemon sends what was waiting at the backup, and nothing sent before it.
    let _daemon = start_daemon(&restored, None, &other.path().join("pause"));
    let resent = other.path().join("outbox");
    wait_until("the waiting mails", Duration::from_secs(60), || {
        written_to(&resent).len() >= pending
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(written_to(&resent).len(), pending);
}
