//! The Kadis signs on the desk through BSrE's eSign API, and the daemon sees certificates
//! issued: against a stand-in BSrE server on 127.0.0.1 (BSrE itself cannot be reached from
//! here) that follows the API's shapes, checks basic auth, the NIK and the passphrase, and signs
//! with the tests' CA into a real PAdES file.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use axum::extract::ConnectInfo;
use axum::http::HeaderMap as Headers;
use axum::response::IntoResponse;
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use sertel::bsre::http::HttpBsre;
use sertel::case::{EventKind, Purpose};
use sertel::desk::esign::check_statuses;

use super::*;
use crate::common::pdfsign::TestCa;

const KADIS_NIK: &str = "7502011203700001";
const PASSPHRASE: &str = "rahasia-kadis-2026";
const WRONG: &str = "salah-ketik-99";
const API_USER: &str = "kominfo";
const API_PASSWORD: &str = "gateway-sandi";

/// What the stand-in saw and what it answers.
#[derive(Default)]
struct Seen {
    sign_calls: usize,
    /// `signatureProperties[0]` of the last signing request.
    properties: Option<Value>,
    /// Status per NIK for `check/status` (NOT_REGISTERED when absent).
    statuses: HashMap<String, String>,
    status_calls: usize,
}

struct StandIn {
    addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
}

async fn stand_in(ca: Arc<TestCa>) -> StandIn {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let authorized = |headers: &Headers| {
        let want = format!("Basic {}", B64.encode(format!("{API_USER}:{API_PASSWORD}")));
        headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(want.as_str())
    };
    let sign = {
        let seen = seen.clone();
        move |headers: Headers, body: String| {
            let (seen, ca) = (seen.clone(), ca.clone());
            async move {
                if !authorized(&headers) {
                    return (StatusCode::UNAUTHORIZED, "{\"error\":\"unauthorized\"}")
                        .into_response();
                }
                let request: Value = serde_json::from_str(&body).unwrap();
                {
                    let mut seen = seen.lock().unwrap();
                    seen.sign_calls += 1;
                    seen.properties = request["signatureProperties"].get(0).cloned();
                }
                if request["nik"] != KADIS_NIK {
                    return (
                        StatusCode::BAD_REQUEST,
                        answer(json!({"status_code": 2021, "error": "User tidak terdaftar"})),
                    )
                        .into_response();
                }
                if request["passphrase"] != PASSPHRASE {
                    return (
                        StatusCode::BAD_REQUEST,
                        answer(json!({"status_code": 2031, "error": "Passphrase anda salah"})),
                    )
                        .into_response();
                }
                let pdf = B64.decode(request["file"][0].as_str().unwrap()).unwrap();
                let signed = tokio::task::spawn_blocking(move || ca.sign(&pdf))
                    .await
                    .unwrap();
                answer(json!({"file": [B64.encode(signed)], "id": "uji-1"})).into_response()
            }
        }
    };
    let status = {
        let seen = seen.clone();
        move |headers: Headers, body: String| {
            let seen = seen.clone();
            async move {
                if !authorized(&headers) {
                    return (StatusCode::UNAUTHORIZED, "{}").into_response();
                }
                let request: Value = serde_json::from_str(&body).unwrap();
                let nik = request["nik"].as_str().unwrap_or_default().to_string();
                let mut seen = seen.lock().unwrap();
                seen.status_calls += 1;
                let status = seen
                    .statuses
                    .get(&nik)
                    .cloned()
                    .unwrap_or_else(|| "NOT_REGISTERED".into());
                answer(json!({"status": status, "message": "ok"})).into_response()
            }
        }
    };
    let app = Router::new()
        .route("/gw/api/v2/sign/pdf", post(sign))
        .route("/gw/api/v2/user/check/status", post(status));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    StandIn { addr, seen }
}

fn answer(value: Value) -> axum::response::Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn bsre_section(base_url: &str) -> String {
    format!(
        "[bsre]\nbase_url = \"{base_url}\"\nuser = \"{API_USER}\"\npassword = \"{API_PASSWORD}\"\n\
         kadis_nik = \"{KADIS_NIK}\"\ntimeout_seconds = 20\n"
    )
}

/// A desk whose signatures come from `ca`, talking to BSrE at `base_url`, with its case's
/// letter drafted and sent to the Kadis.
async fn drafted(dir: tempfile::TempDir, ca: &TestCa, base_url: &str) -> Desk {
    let extra = format!(
        "[signing]\ntrust_anchors = [\"{}\"]\n[signing.signer]\ncommon_name = \"Kadis Uji\"\n{}",
        ca.cert_path().display(),
        bsre_section(base_url)
    );
    let desk = Desk::with(dir, &extra, Utc::now);
    super::ready_for_letter(&desk);
    let (rina, csrf) = desk.login("rina").await;
    let drafted = desk
        .post(
            &format!("/kasus/{}/surat", desk.id),
            Some(&rina),
            &[
                ("csrf", &csrf),
                ("reason", "NIP diperiksa manual di SIMPEG"),
            ],
        )
        .await;
    assert_eq!(drafted.status, StatusCode::OK, "{}", drafted.text());
    assert_eq!(desk.case().state, State::RekomendasiDikirim);
    desk
}

/// The Kadis's signing form posted from `from`.
async fn sign(desk: &Desk, cookie: &str, csrf: &str, passphrase: &str, from: [u8; 4]) -> Answer {
    let body = format!(
        "csrf={}&passphrase={}",
        form_encode(csrf),
        form_encode(passphrase)
    );
    let mut request = Request::post(format!("/kasus/{}/tandatangani", desk.id))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((from, 40000))));
    desk.send(request).await
}

const LOOPBACK: [u8; 4] = [127, 0, 0, 1];

fn bsre_calls(case: &Case, call: &str) -> Vec<(Option<u16>, String)> {
    case.history
        .iter()
        .filter_map(|e| match &e.what {
            EventKind::BsreCall {
                call: c,
                http_status,
                outcome,
            } if c == call => Some((*http_status, outcome.clone())),
            _ => None,
        })
        .collect()
}

/// Every file below `dir`, read whole.
fn files_below(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_below(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Logs written on this thread while the guard lives, for grepping.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    // Another test thread may have met a log line's callsite first, with no subscriber of
    // its own, and cached that nobody wants it; under load that lost this test's lines.
    tracing::callsite::rebuild_interest_cache();
    (logs, guard)
}

/// One round of status checks for `desk`, as the daemon's task runs it.
async fn status_round(desk: &Desk) -> sertel::desk::esign::StatusRound {
    let settings = desk.services.config.bsre.clone().unwrap();
    check_statuses(
        &desk.services.store,
        &desk.services.config.office,
        &HttpBsre::new(&settings).unwrap(),
        Utc::now(),
    )
    .await
    .unwrap()
}

/// Fails when any file below `data` holds one of `secrets`.
fn assert_nowhere(data: &Path, secrets: &[&str]) {
    for (path, bytes) in files_below(data) {
        for secret in secrets {
            assert!(!contains(&bytes, secret), "{secret} in {}", path.display());
        }
    }
}

/// The signing tests' start: a CA, the stand-in BSrE signing with it, and a desk with its
/// letter drafted.
async fn signing_desk(dir: tempfile::TempDir) -> (Arc<TestCa>, StandIn, Desk) {
    let ca = Arc::new(TestCa::new(&dir.path().join("ca"), "Uji Root", "Kadis Uji"));
    let bsre = stand_in(ca.clone()).await;
    let desk = drafted(dir, &ca, &format!("http://{}/gw", bsre.addr)).await;
    (ca, bsre, desk)
}

#[tokio::test]
async fn the_kadis_signs_on_the_desk_and_the_letter_is_checked_like_a_mailed_one() {
    let (logs, _guard) = capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (_ca, bsre, desk) = signing_desk(dir).await;
    let (kadis, csrf) = desk.login("kadis").await;
    let page = desk
        .get(&format!("/kasus/{}", desk.id), Some(&kadis))
        .await
        .text();
    assert!(
        page.contains(&format!("action=\"/kasus/{}/tandatangani\"", desk.id)),
        "{page}"
    );
    assert!(page.contains("type=\"password\" name=\"passphrase\""));
    // A verifier sees no signing form.
    let (rina, rina_csrf) = desk.login("rina").await;
    let verifier_page = desk
        .get(&format!("/kasus/{}", desk.id), Some(&rina))
        .await
        .text();
    assert!(!verifier_page.contains("/tandatangani"));

    // Not over HTTPS from another machine: refused before BSrE is called.
    let plain = sign(&desk, &kadis, &csrf, PASSPHRASE, [192, 0, 2, 7]).await;
    assert!(
        plain.text().contains("hanya dapat dikirim lewat HTTPS"),
        "{}",
        plain.text()
    );
    assert_eq!(bsre.seen.lock().unwrap().sign_calls, 0);
    // A verifier may not sign.
    let forbidden = sign(&desk, &rina, &rina_csrf, PASSPHRASE, LOOPBACK).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(desk.case().state, State::RekomendasiDikirim);

    let signed = sign(&desk, &kadis, &csrf, PASSPHRASE, LOOPBACK).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.text());
    assert!(
        signed.text().contains("Surat bertanda tangan kasus"),
        "{}",
        signed.text()
    );
    let case = desk.case();
    assert_eq!(case.state, State::Ditandatangani);
    assert_eq!(
        bsre_calls(&case, "sign/pdf"),
        [(Some(200), "surat ditandatangani BSrE".to_string())]
    );

    // BSrE was asked for a visible signature with a stamp, on the page of ${ttd_pengirim}.
    let properties = bsre.seen.lock().unwrap().properties.clone().unwrap();
    assert_eq!(properties["tampilan"], "VISIBLE");
    assert_eq!(properties["page"], 1);
    let stamp = B64
        .decode(properties["imageBase64"].as_str().unwrap())
        .unwrap();
    assert!(stamp.starts_with(b"\x89PNG"), "the stamp is a PNG");
    let (x, y) = (
        properties["originX"].as_f64().unwrap(),
        properties["originY"].as_f64().unwrap(),
    );
    assert!(
        (250.0..540.0).contains(&x) && (40.0..700.0).contains(&y),
        "{properties}"
    );

    // The kept letter is BSrE's answer, and poppler finds its signature valid.
    let sha = case.signed_letter().unwrap().to_string();
    let letter = desk.services.store.blob(&sha).unwrap().unwrap();
    let file = data.join("signed-check.pdf");
    std::fs::write(&file, &letter).unwrap();
    let out = std::process::Command::new("pdfsig")
        .arg(&file)
        .output()
        .expect("pdfsig (poppler-utils)");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("Signature is Valid"), "{report}");
    std::fs::remove_file(&file).unwrap();

    // The passphrase is nowhere: not in the store's files, the history, the logs.
    assert_nowhere(&data, &[PASSPHRASE]);
    let history = serde_json::to_string(&case.history).unwrap();
    assert!(!history.contains(PASSPHRASE));
    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(
        logged.contains("letter signed by BSrE on the desk"),
        "logs are captured: {logged}"
    );
    assert!(!logged.contains(PASSPHRASE), "{logged}");
}

#[tokio::test]
async fn wrong_passphrases_change_nothing_and_three_pause_the_form() {
    let (logs, _guard) = capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (_ca, bsre, desk) = signing_desk(dir).await;
    let (kadis, csrf) = desk.login("kadis").await;
    for n in 1..=3 {
        let wrong = sign(&desk, &kadis, &csrf, WRONG, LOOPBACK).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            wrong.text().contains("Passphrase salah"),
            "{}",
            wrong.text()
        );
        assert_eq!(bsre.seen.lock().unwrap().sign_calls, n);
        let case = desk.case();
        assert_eq!(case.state, State::RekomendasiDikirim);
        assert!(case.signed_letter().is_none());
    }
    assert_eq!(
        bsre_calls(&desk.case(), "sign/pdf"),
        vec![(Some(400), "passphrase salah".to_string()); 3]
    );
    // The fourth try, even with the right passphrase, waits: BSrE is not asked.
    let paused = sign(&desk, &kadis, &csrf, PASSPHRASE, LOOPBACK).await;
    assert!(
        paused.text().contains("dijeda sampai pukul"),
        "{}",
        paused.text()
    );
    assert_eq!(bsre.seen.lock().unwrap().sign_calls, 3);
    assert_eq!(desk.case().state, State::RekomendasiDikirim);

    assert_nowhere(&data, &[PASSPHRASE, WRONG]);
    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logged.contains("BSrE signing failed"), "{logged}");
    assert!(
        !logged.contains(WRONG) && !logged.contains(PASSPHRASE),
        "{logged}"
    );
}

#[tokio::test]
async fn bsre_down_is_said_plainly_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(&dir.path().join("ca"), "Uji Root", "Kadis Uji");
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let desk = drafted(dir, &ca, &format!("http://{closed}/gw")).await;
    let (kadis, csrf) = desk.login("kadis").await;
    let down = sign(&desk, &kadis, &csrf, PASSPHRASE, LOOPBACK).await;
    assert!(
        down.text().contains("Layanan BSrE tidak dapat dihubungi"),
        "{}",
        down.text()
    );
    let case = desk.case();
    assert_eq!(case.state, State::RekomendasiDikirim);
    assert_eq!(
        bsre_calls(&case, "sign/pdf"),
        [(None, "BSrE tidak dapat dihubungi".to_string())]
    );
    // With the letter signed another way (uploaded) and the applicant submitted, the status
    // checks find BSrE down: they stop at the first failure, note it, and move nothing.
    let draft = desk
        .services
        .store
        .blob(case.draft().unwrap().0)
        .unwrap()
        .unwrap();
    for command in [
        Command::Sign {
            id: desk.id.clone(),
            pdf: ca.sign(&draft),
            by: "rina".into(),
        },
        Command::Mark {
            id: desk.id.clone(),
            state: "diajukan".into(),
            by: "rina".into(),
        },
    ] {
        let reply = execute(&command, &desk.services.desk(), Utc::now());
        assert!(reply.ok, "{}", reply.text);
    }
    let round = status_round(&desk).await;
    assert!(
        round.failed && round.asked == 1 && round.issued == 0,
        "{round:?}"
    );
    let case = desk.case();
    assert_eq!(case.state, State::Diajukan);
    assert_eq!(
        bsre_calls(&case, "check/status"),
        [(None, "BSrE tidak dapat dihubungi".to_string())]
    );
}

#[tokio::test]
async fn a_status_check_sees_the_certificate_issued_and_moves_the_case_to_terbit() {
    let dir = tempfile::tempdir().unwrap();
    let (_ca, bsre, desk) = signing_desk(dir).await;
    let (kadis, csrf) = desk.login("kadis").await;
    let signed = sign(&desk, &kadis, &csrf, PASSPHRASE, LOOPBACK).await;
    assert_eq!(
        desk.case().state,
        State::Ditandatangani,
        "{}",
        signed.text()
    );
    let reply = execute(
        &Command::Mark {
            id: desk.id.clone(),
            state: "diajukan".into(),
            by: "rina".into(),
        },
        &desk.services.desk(),
        Utc::now(),
    );
    assert!(reply.ok, "{}", reply.text);

    // Not yet issued: asked, noted, the case stays.
    let round = status_round(&desk).await;
    assert_eq!((round.asked, round.issued, round.failed), (1, 0, false));
    assert_eq!(desk.case().state, State::Diajukan);
    assert_eq!(
        bsre_calls(&desk.case(), "check/status").last().unwrap().1,
        "belum terdaftar di BSrE (NOT_REGISTERED)"
    );

    bsre.seen
        .lock()
        .unwrap()
        .statuses
        .insert("7501034506900002".into(), "ISSUE".into());
    let round = status_round(&desk).await;
    assert_eq!((round.asked, round.issued), (1, 1));
    let case = desk.case();
    assert_eq!(case.state, State::Terbit);
    let outbox = desk.services.store.outbox().unwrap();
    assert!(
        outbox.iter().any(|e| e.mail.purpose == Purpose::BsreStep
            && e.mail.to.contains(&"abdul@pemohon.test".to_string())),
        "the applicant is congratulated: {:?}",
        outbox
            .iter()
            .map(|e| (&e.mail.purpose, &e.mail.to))
            .collect::<Vec<_>>()
    );
    // A closed case is not asked again.
    let calls = bsre.seen.lock().unwrap().status_calls;
    assert_eq!(status_round(&desk).await.asked, 0);
    assert_eq!(bsre.seen.lock().unwrap().status_calls, calls);
}

#[tokio::test]
async fn a_new_applicant_already_issued_is_noted_once_for_the_verifier() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Arc::new(TestCa::new(&dir.path().join("ca"), "Uji Root", "Kadis Uji"));
    let bsre = stand_in(ca).await;
    let desk = Desk::with(
        dir,
        &bsre_section(&format!("http://{}/gw", bsre.addr)),
        Utc::now,
    );
    assert_eq!(desk.case().state, State::Diterima);
    bsre.seen
        .lock()
        .unwrap()
        .statuses
        .insert(NIK.into(), "ISSUE".into());
    for _ in 0..2 {
        status_round(&desk).await;
    }
    let case = desk.case();
    let notes = bsre_calls(&case, "check/status");
    assert_eq!(notes.len(), 1, "asked once: {notes:?}");
    assert!(
        notes[0].1.contains("perpanjangan atau permohonan ganda"),
        "{notes:?}"
    );
    assert_eq!(case.state, State::Diterima, "the verifier decides");
    assert_eq!(bsre.seen.lock().unwrap().status_calls, 1);
}
