//! The web desk's handlers, one request at a time through the `Router` (no server): login,
//! sessions, CSRF, rate limit, every page and action for every role, attachments and their
//! headers, escaping of what came from a mail, `/healthz` and `/metrics`. The case data is
//! stored through the real case store; the attachments are a real PDF from the samples, a real
//! PNG, and hostile HTML and SVG files.

use crate::common;

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use common::http::form_encode;
use sertel::applicant::ApplicantFields;
use sertel::case::store::{CaseStore, MailKey, sha256_hex};
use sertel::case::{
    Actor, ApplicantRecord, Case, ChecklistEntry, EventKind, MailRole, Purpose, State,
    StoredAttachment, StoredMail,
};
use sertel::config::Config;
use sertel::desk::Services;
use sertel::desk::accounts::{Role, hash_password};
use sertel::desk::command::{Command, execute};
use sertel::parse::parse_mail;
use sertel::rules::Rules;
use sertel::signature::Policy;
use sertel::web::{WebDesk, router};
use tower::ServiceExt;

const PASSWORD: &str = "sandi-uji-panjang";
const NIK: &str = "7502014107850133";

fn clock() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()
}

/// The desk's config; `extra` adds sections (`[signing]`).
fn config(root: &Path, extra: &str) -> Config {
    common::office_config(
        root,
        &format!("[web]\nlisten = \"127.0.0.1:0\"\nlogin_attempts = 3\n{extra}"),
    )
}

/// The PDF attached to sample 002 (a scanned SK).
fn sample_pdf() -> Vec<u8> {
    let raw = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/002.eml")).unwrap();
    parse_mail(&raw)
        .unwrap()
        .attachments
        .into_iter()
        .find(|a| a.filename.ends_with(".pdf"))
        .unwrap()
        .data
}

fn png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 40, |x, y| image::Rgb([x as u8 * 3, y as u8 * 5, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

struct Desk {
    _dir: tempfile::TempDir,
    services: Arc<Services>,
    app: Router,
    id: String,
}

fn attachment(filename: &str, kind: &str, file_type: &str, bytes: &[u8]) -> StoredAttachment {
    StoredAttachment {
        filename: filename.into(),
        kind: kind.into(),
        file_type: file_type.into(),
        size: bytes.len() as u64,
        sha256: sha256_hex(bytes),
        mail: Some("xss-1@pemohon.test".into()),
    }
}

impl Desk {
    /// A desk with one case in `diterima` whose mail has a script for a subject, and one
    /// account per role.
    fn new() -> Desk {
        Desk::with(tempfile::tempdir().unwrap(), "", clock)
    }

    /// [`Desk::new`] in `dir`, with `extra` config sections and the web desk's clock.
    fn with(dir: tempfile::TempDir, extra: &str, web_clock: fn() -> DateTime<Utc>) -> Desk {
        let config = config(dir.path(), extra);
        let store = CaseStore::open(&config.storage.data_dir).unwrap();
        let signing = Policy::from_config(&config.signing).unwrap();
        let services = Arc::new(Services {
            config,
            rules: Rules::builtin(),
            store: store.clone(),
            signing,
        });
        for (name, role, verifier) in [
            (
                "rina",
                Role::Verifikator,
                Some("verifikator1@gorontalokab.go.id"),
            ),
            ("dua", Role::Verifikator, Some("Verifikator Dua")),
            ("kadis", Role::Kadis, None),
            ("admin", Role::Admin, None),
        ] {
            let reply = execute(
                &Command::UserAdd {
                    name: name.into(),
                    role,
                    password_hash: hash_password(PASSWORD).unwrap(),
                    verifier: verifier.map(str::to_string),
                },
                &services.desk(),
                clock(),
            );
            assert!(reply.ok, "{}", reply.text);
        }
        let raw = format!(
            "From: abdul@pemohon.test\r\nTo: tte@gorontalokab.go.id\r\n\
             Subject: <script>alert(1)</script>\r\nMessage-ID: <xss-1@pemohon.test>\r\n\
             Date: Mon, 23 Nov 2026 08:00:00 +0800\r\n\r\n\
             Nama: Abdul <b>Rahman</b>\r\nNIK: {NIK}\r\n<img src=x onerror=alert(2)>\r\n"
        )
        .into_bytes();
        let files: Vec<(StoredAttachment, Vec<u8>)> = [
            ("ktp abdul.png", "ktp", "png", png()),
            ("sk jabatan.pdf", "sk", "pdf", sample_pdf()),
            (
                "halaman.html",
                "other",
                "html",
                b"<html><script>alert(3)</script></html>".to_vec(),
            ),
            (
                "gambar.svg",
                "other",
                "text",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(4)\"/>".to_vec(),
            ),
        ]
        .into_iter()
        .map(|(name, kind, ty, bytes)| (attachment(name, kind, ty, &bytes), bytes))
        .collect();
        let key = MailKey::new(None, Some("xss-1@pemohon.test".into()), &raw);
        let opened = clock() - chrono::TimeDelta::hours(2);
        let sha = key.sha256.clone();
        let id = store
            .open_case(&key, &raw, &files, opened, |id| {
                let applicant = ApplicantRecord {
                    reply_to: "abdul@pemohon.test".into(),
                    fields: ApplicantFields {
                        name: Some("Abdul <b>Rahman</b>".into()),
                        nik: Some(NIK.into()),
                        unit: Some("Dinas Kesehatan".into()),
                        ..Default::default()
                    },
                };
                let mut case = Case::new(
                    id,
                    opened,
                    applicant,
                    Some("<script>alert(1)</script>".into()),
                );
                case.mails.push(StoredMail {
                    sha256: sha.clone(),
                    message_id: Some("xss-1@pemohon.test".into()),
                    from: Some("abdul@pemohon.test".into()),
                    subject: Some("<script>alert(1)</script>".into()),
                    received_at: opened,
                    role: MailRole::Application,
                });
                case.checklist = vec![
                    ChecklistEntry {
                        id: "ktp_attached".into(),
                        status: sertel::checklist::Status::Ok,
                        label: "KTP dilampirkan".into(),
                        detail: String::new(),
                        checked_by: None,
                    },
                    ChecklistEntry {
                        id: "nip_valid".into(),
                        status: sertel::checklist::Status::Missing,
                        label: "NIP tercantum".into(),
                        detail: "NIP tidak ditemukan".into(),
                        checked_by: None,
                    },
                ];
                (case, Vec::new())
            })
            .unwrap();
        let web = WebDesk::new(
            services.clone(),
            Arc::new(tokio::sync::Notify::new()),
            web_clock,
        )
        .unwrap();
        Desk {
            _dir: dir,
            services,
            app: router(Arc::new(web)),
            id: id.to_string(),
        }
    }

    /// Sends a request and, as a browser does, follows an action's redirect back to the desk
    /// (the login's own redirect stays visible for the tests of signing in).
    async fn send(&self, request: Request<Body>) -> Answer {
        let action = request.method() == Method::POST && request.uri().path() != "/masuk";
        let cookie = request.headers().get(header::COOKIE).cloned();
        let answer = self.send_raw(request).await;
        let location = answer
            .location()
            .split('#')
            .next()
            .unwrap_or("")
            .to_string();
        let back = location.starts_with("/kasus/") || location.starts_with("/antrian");
        if !(action && answer.status == StatusCode::SEE_OTHER && back) {
            return answer;
        }
        let mut request = Request::get(location);
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        self.send_raw(request.body(Body::empty()).unwrap()).await
    }

    async fn send_raw(&self, request: Request<Body>) -> Answer {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), 1 << 26)
            .await
            .unwrap()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::get(path);
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Answer {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect();
        let mut request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        self.send(request.body(Body::from(body.join("&"))).unwrap())
            .await
    }

    async fn try_login(&self, name: &str, password: &str) -> Answer {
        let form = self.get("/masuk", None).await;
        assert_eq!(form.status, StatusCode::OK);
        let token = form.cookie("sertel_masuk");
        let csrf = form.csrf();
        self.post(
            "/masuk",
            Some(&format!("sertel_masuk={token}")),
            &[("name", name), ("password", password), ("csrf", &csrf)],
        )
        .await
    }

    /// Logs in; returns the session cookie and the CSRF token of its forms.
    async fn login(&self, name: &str) -> (String, String) {
        let answer = self.try_login(name, PASSWORD).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
        assert_eq!(answer.location(), "/antrian");
        let set = answer.set_cookie("sertel_sesi");
        for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(set.contains(attr), "{set}");
        }
        let cookie = format!("sertel_sesi={}", answer.cookie("sertel_sesi"));
        let queue = self.get("/antrian", Some(&cookie)).await;
        assert_eq!(queue.status, StatusCode::OK);
        (cookie, queue.csrf())
    }

    fn case(&self) -> Case {
        self.services
            .store
            .get(self.id.parse().unwrap())
            .unwrap()
            .unwrap()
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    fn location(&self) -> &str {
        self.header(header::LOCATION)
    }

    fn set_cookie(&self, name: &str) -> String {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|v| v.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no cookie {name}"))
    }

    fn cookie(&self, name: &str) -> String {
        let set = self.set_cookie(name);
        set[name.len() + 1..].split(';').next().unwrap().to_string()
    }

    fn csrf(&self) -> String {
        let text = self.text();
        let at = text
            .find("name=\"csrf\" value=\"")
            .expect("a form with a CSRF token");
        let rest = &text[at + 19..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

#[tokio::test]
async fn logged_out_requests_get_the_login_page() {
    let desk = Desk::new();
    let id = &desk.id;
    for path in [
        "/antrian".to_string(),
        format!("/kasus/{id}"),
        format!("/kasus/{id}/lampiran/0/gambar"),
        format!("/kasus/{id}/lampiran/0/unduh"),
    ] {
        let answer = desk.get(&path, None).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(answer.location(), "/masuk", "{path}");
        let forged = desk.get(&path, Some("sertel_sesi=0123abcd")).await;
        assert_eq!(forged.location(), "/masuk", "{path}");
    }
    for action in ["disposisi", "minta", "periksa", "tolak", "ubah"] {
        let answer = desk
            .post(
                &format!("/kasus/{id}/{action}"),
                None,
                &[
                    ("csrf", "x"),
                    ("verifier", "verifikator1@gorontalokab.go.id"),
                    ("message", "m"),
                    ("item", "nip_valid"),
                    ("reason", "r"),
                    ("field", "nama"),
                    ("value", "v"),
                ],
            )
            .await;
        assert_eq!(answer.location(), "/masuk", "{action}");
    }
    assert_eq!(desk.case().state, State::Diterima);
    assert_eq!(desk.case().history.len(), 1);
    let login = desk.get("/masuk", None).await;
    assert!(login.text().contains("Kata sandi"));
    assert_eq!(desk.get("/", None).await.location(), "/antrian");
}

#[tokio::test]
async fn login_needs_its_form_token_and_is_rate_limited() {
    let desk = Desk::new();
    // No login cookie: a forged cross-site login form.
    let forged = desk
        .post(
            "/masuk",
            None,
            &[("name", "rina"), ("password", PASSWORD), ("csrf", "abc")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        forged
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .all(|c| !c.to_str().unwrap().starts_with("sertel_sesi="))
    );

    for _ in 0..3 {
        let wrong = desk.try_login("rina", "salah sekali").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.text().contains("Nama pengguna atau kata sandi salah"));
    }
    // The right password no longer helps inside the window; another account still logs in.
    let blocked = desk.try_login("RINA", PASSWORD).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.text().contains("Terlalu banyak percobaan"));
    desk.login("kadis").await;

    // The auditor sees every attempt, and the case's history, with no full NIK.
    let export = execute(
        &Command::ExportAudit {
            from: None,
            to: None,
            format: "csv".into(),
        },
        &desk.services.desk(),
        clock(),
    );
    assert!(export.ok, "{}", export.text);
    let lines: Vec<&str> = export.text.lines().collect();
    assert_eq!(lines[0], "waktu,jenis,kasus,pelaku,keterangan");
    let logins = |account: &str, outcome: &str| {
        lines
            .iter()
            .filter(|l| l.contains(",masuk,,") && l.contains(account) && l.contains(outcome))
            .count()
    };
    assert_eq!(logins("rina", "gagal (kata sandi"), 3);
    assert_eq!(logins("rina", "terlalu cepat"), 1);
    let kadis_in = lines
        .iter()
        .filter(|l| l.contains("kadis dari") && l.ends_with(",masuk"))
        .count();
    assert_eq!(kadis_in, 1, "{}", export.text);
    assert!(
        lines.iter().any(|l| l.contains(&desk.id)),
        "{}",
        export.text
    );
    assert!(!export.text.contains(NIK));
}

#[tokio::test]
async fn queue_lists_masks_the_nik_filters_and_escapes() {
    let desk = Desk::new();
    let (cookie, _) = desk.login("rina").await;
    // The case waits for the Kadis's disposition: not the verifier's move, so her default view
    // leaves it out and says where to look; the Kadis's default view lists it.
    let mine = desk.get("/antrian", Some(&cookie)).await.text();
    assert!(!mine.contains(&format!("/kasus/{}", desk.id)), "{mine}");
    assert!(
        mine.contains("Tidak ada kasus yang menunggu tindakan Anda"),
        "{mine}"
    );
    assert!(mine.contains("Semua kasus (1)"), "{mine}");
    let (kadis, _) = desk.login("kadis").await;
    let kadis_queue = desk.get("/antrian", Some(&kadis)).await.text();
    assert!(
        kadis_queue.contains("Menunggu tindakan saya (1)"),
        "{kadis_queue}"
    );
    assert!(
        kadis_queue.contains(&format!("/kasus/{}", desk.id)),
        "{kadis_queue}"
    );

    let queue = desk.get("/antrian?lihat=semua", Some(&cookie)).await;
    let text = queue.text();
    assert!(text.contains(&desk.id), "{text}");
    // Zero-count status chips are left out; the completeness column names what is open.
    assert!(text.contains(">diterima (1)<"), "{text}");
    assert!(!text.contains("ditolak (0)"), "{text}");
    assert!(text.contains("data-label=\"Kelengkapan\""), "{text}");
    let open = desk
        .case()
        .checklist
        .iter()
        .filter(|i| i.status != sertel::checklist::Status::Ok)
        .count();
    if open == 0 {
        assert!(text.contains(">lengkap<"), "{text}");
    } else {
        assert!(text.contains(&format!("kurang {open}")), "{text}");
    }
    assert!(text.contains("7502********0133"), "{text}");
    assert!(!text.contains(NIK));
    assert!(text.contains("Abdul &lt;b&gt;Rahman&lt;/b&gt;"));
    assert!(!text.contains("<b>Rahman"));
    // Opened two hours ago and still waiting for the Kadis: past the 15-minute standard.
    assert!(text.contains("2 jam 0 menit"));
    assert!(
        text.contains("lewat standar: Disposisi oleh Kadis"),
        "{text}"
    );

    let checks = [
        ("/antrian?state=diterima", true),
        ("/antrian?state=ditolak", false),
        ("/antrian?q=abdul", true),
        ("/antrian?q=siti", false),
        ("/antrian?q=tte-2026-0001", true),
        ("/antrian?unit=kesehatan", true),
        ("/antrian?unit=pendidikan", false),
        ("/antrian?verifier=verifikator1%40gorontalokab.go.id", false),
    ];
    for (path, listed) in checks {
        let text = desk
            .get(&format!("{path}&lihat=semua"), Some(&cookie))
            .await
            .text();
        assert_eq!(
            text.contains(&format!("/kasus/{}", desk.id)),
            listed,
            "{path}"
        );
    }
}

#[tokio::test]
async fn case_page_escapes_mail_content_and_sends_security_headers() {
    let desk = Desk::new();
    let (cookie, _) = desk.login("rina").await;
    let page = desk
        .get(&format!("/kasus/{}", desk.id), Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(
        text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{text}"
    );
    assert!(!text.contains("<script"));
    assert!(!text.contains("<img src=x"));
    assert!(text.contains("&lt;img src=x onerror=alert(2)&gt;"));
    // The full NIK is on the case page only.
    assert!(text.contains(NIK));
    for part in [
        "Data pemohon",
        "Lampiran (4)",
        "Daftar periksa",
        "Surel (1)",
        "Riwayat",
    ] {
        assert!(text.contains(part), "{part}");
    }
    let csp = page.header(header::CONTENT_SECURITY_POLICY);
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(page.header(header::X_FRAME_OPTIONS), "DENY");
    assert_eq!(page.header(header::CACHE_CONTROL), "no-store");

    let missing = desk.get("/kasus/TTE-2026-0099", Some(&cookie)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let nonsense = desk.get("/kasus/%3Cscript%3E", Some(&cookie)).await;
    assert_eq!(nonsense.status, StatusCode::NOT_FOUND);
    assert!(!nonsense.text().contains("<script>"));
}

#[tokio::test]
async fn attachments_are_pictures_or_downloads_never_inline_markup() {
    let desk = Desk::new();
    let (cookie, _) = desk.login("kadis").await;
    let base = format!("/kasus/{}/lampiran", desk.id);

    let image = desk.get(&format!("{base}/0/gambar"), Some(&cookie)).await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.header(header::CONTENT_TYPE), "image/png");
    assert_eq!(image.body, png());
    assert!(
        image
            .header(header::CONTENT_DISPOSITION)
            .starts_with("inline;")
    );
    assert_eq!(image.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert!(
        image
            .header(header::CONTENT_SECURITY_POLICY)
            .contains("sandbox")
    );

    let page = desk
        .get(&format!("{base}/1/gambar?halaman=1"), Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.starts_with(b"\x89PNG\r\n\x1a\n"));
    let decoded = image::load_from_memory(&page.body).unwrap();
    assert!(decoded.width() > 400 && decoded.height() > 400);

    for n in [2, 3] {
        let shown = desk.get(&format!("{base}/{n}/gambar"), Some(&cookie)).await;
        assert_eq!(shown.status, StatusCode::NOT_FOUND, "{n}");
        assert!(!shown.text().contains("alert"));
        let file = desk.get(&format!("{base}/{n}/unduh"), Some(&cookie)).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(
            file.header(header::CONTENT_TYPE),
            "application/octet-stream"
        );
        assert!(
            file.header(header::CONTENT_DISPOSITION)
                .starts_with("attachment; filename=")
        );
        assert_eq!(file.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    }
    let pdf = desk.get(&format!("{base}/1/unduh"), Some(&cookie)).await;
    assert_eq!(pdf.body, sample_pdf());
    assert_eq!(
        pdf.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"sk_jabatan.pdf\""
    );
    let none = desk.get(&format!("{base}/9/unduh"), Some(&cookie)).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);

    // The case page keeps each picture's room before it loads: the attachments above the
    // checklist's buttons must not push them down under a click.
    let page = desk
        .get(&format!("/kasus/{}", desk.id), Some(&cookie))
        .await
        .text();
    let pictures = common::sized_pictures(&page, &base);
    let shown: Vec<&str> = pictures.iter().map(|p| p.src.as_str()).collect();
    assert_eq!(
        shown,
        [
            format!("{base}/0/gambar?halaman=1"),
            format!("{base}/1/gambar?halaman=1")
        ]
    );
    assert_pictures_are_their_size(&desk, &cookie, &pictures).await;
}

/// Each picture, fetched, has the size the page gave it.
async fn assert_pictures_are_their_size(
    desk: &Desk,
    cookie: &str,
    pictures: &[common::SizedPicture],
) {
    for picture in pictures {
        let got = desk.get(&picture.src, Some(cookie)).await;
        assert_eq!(got.status, StatusCode::OK, "{}", picture.src);
        common::assert_is_its_size(picture, &got.body);
    }
}

#[tokio::test]
async fn each_role_may_do_its_own_actions_only() {
    let desk = Desk::new();
    let id = desk.id.clone();
    let (rina, rina_csrf) = desk.login("rina").await;
    let (kadis, kadis_csrf) = desk.login("kadis").await;

    // A verifier cannot record a disposition; the Kadis cannot verify.
    let refused = desk
        .post(
            &format!("/kasus/{id}/disposisi"),
            Some(&rina),
            &[
                ("csrf", &rina_csrf),
                ("verifier", "verifikator1@gorontalokab.go.id"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text().contains("tidak berwenang"));
    for (action, field) in [("minta", "message"), ("tolak", "reason")] {
        let refused = desk
            .post(
                &format!("/kasus/{id}/{action}"),
                Some(&kadis),
                &[("csrf", &kadis_csrf), (field, "x")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(desk.case().state, State::Diterima);
    assert!(desk.case().verifier.is_none());

    // The Kadis's page offers the disposition, the verifier's does not.
    let kadis_page = desk.get(&format!("/kasus/{id}"), Some(&kadis)).await.text();
    assert!(kadis_page.contains("/disposisi\""));
    assert!(!kadis_page.contains("/tolak\""));
    let rina_page = desk.get(&format!("/kasus/{id}"), Some(&rina)).await.text();
    assert!(!rina_page.contains("/disposisi\""));
    assert!(rina_page.contains("/tolak\""));

    let done = desk
        .post(
            &format!("/kasus/{id}/disposisi"),
            Some(&kadis),
            &[
                ("csrf", &kadis_csrf),
                ("verifier", "verifikator1@gorontalokab.go.id"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert!(done.text().contains("didisposisikan ke Verifikator Satu"));
    let case = desk.case();
    assert_eq!(case.state, State::Disposisi);
    assert_eq!(
        case.verifier.as_deref(),
        Some("verifikator1@gorontalokab.go.id")
    );
    let assigned = case
        .history
        .iter()
        .find(|e| matches!(e.what, EventKind::VerifierAssigned { .. }))
        .unwrap();
    assert_eq!(assigned.actor.to_string(), "staf kadis (Kadis, web)");
    // The same mail the CLI's disposition queues.
    assert_eq!(desk.services.store.outbox().unwrap().len(), 1);
}

#[tokio::test]
async fn a_verifier_acts_only_on_the_cases_disposed_to_them() {
    let desk = Desk::new();
    let id = desk.id.clone();
    let (kadis, kadis_csrf) = desk.login("kadis").await;
    let done = desk
        .post(
            &format!("/kasus/{id}/disposisi"),
            Some(&kadis),
            &[("csrf", &kadis_csrf), ("verifier", "Verifikator Dua")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let edit = |value: &'static str| [("field", "unit"), ("value", value)];

    // Rina is Verifikator Satu: the case is Verifikator Dua's.
    let (rina, rina_csrf) = desk.login("rina").await;
    let mut form = edit("Dinas Pendidikan").to_vec();
    form.push(("csrf", &rina_csrf));
    let refused = desk
        .post(&format!("/kasus/{id}/ubah"), Some(&rina), &form)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.text().contains("Bukan kasus Anda"),
        "{}",
        refused.text()
    );
    assert!(refused.text().contains("Verifikator Dua"));
    assert_eq!(
        desk.case().applicant.fields.unit.as_deref(),
        Some("Dinas Kesehatan")
    );

    // Verifikator Dua and the admin may.
    for (who, value) in [("dua", "Dinas Pendidikan"), ("admin", "Dinas Sosial")] {
        let (cookie, csrf) = desk.login(who).await;
        let mut form = edit(value).to_vec();
        form.push(("csrf", &csrf));
        let done = desk
            .post(&format!("/kasus/{id}/ubah"), Some(&cookie), &form)
            .await;
        assert_eq!(done.status, StatusCode::OK, "{who}: {}", done.text());
        assert_eq!(
            desk.case().applicant.fields.unit.as_deref(),
            Some(value),
            "{who}"
        );
    }
    let edited_by: Vec<String> = desk
        .case()
        .history
        .iter()
        .filter(|e| matches!(e.what, EventKind::FieldEdited { .. }))
        .map(|e| e.actor.to_string())
        .collect();
    assert_eq!(
        edited_by,
        ["staf dua (verifikator, web)", "staf admin (admin, web)"]
    );

    // An account can only be linked to one of the office's verifiers.
    let reply = execute(
        &Command::UserAdd {
            name: "tiga".into(),
            role: Role::Verifikator,
            password_hash: hash_password(PASSWORD).unwrap(),
            verifier: Some("orang@luar.test".into()),
        },
        &desk.services.desk(),
        clock(),
    );
    assert!(!reply.ok);
    assert!(
        reply.text.contains("tidak ada pada [office]"),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn only_the_admin_erases_a_cases_personal_data() {
    let desk = Desk::new();
    let id = desk.id.clone();
    let path = format!("/kasus/{id}/hapus");
    let (rina, rina_csrf) = desk.login("rina").await;
    let refused = desk
        .post(
            &path,
            Some(&rina),
            &[("csrf", &rina_csrf), ("reason", "x"), ("force", "1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(desk.case().erased.is_none());
    let (admin, csrf) = desk.login("admin").await;
    let page = desk.get(&format!("/kasus/{id}"), Some(&admin)).await.text();
    assert!(page.contains(&path), "the admin's page offers the erasure");
    // In progress: refused without the confirmation, done with it.
    let without = desk
        .post(
            &path,
            Some(&admin),
            &[("csrf", &csrf), ("reason", "permintaan pemohon")],
        )
        .await;
    assert!(without.text().contains("--force"), "{}", without.text());
    assert!(desk.case().erased.is_none());
    let done = desk
        .post(
            &path,
            Some(&admin),
            &[
                ("csrf", &csrf),
                ("reason", "permintaan pemohon"),
                ("force", "1"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let case = desk.case();
    let erased = case.erased.expect("erased");
    assert_eq!(erased.reason, "permintaan pemohon");
    assert!(erased.by.contains("admin"));
    assert_eq!(
        case.applicant.fields.nik.as_deref(),
        Some("7502********0133")
    );
    let sk = desk
        .get(&format!("/kasus/{id}/lampiran/1/unduh"), Some(&admin))
        .await;
    assert_eq!(sk.status, StatusCode::NOT_FOUND, "the SK's bytes are gone");
    assert!(done.text().contains("Data pribadi kasus ini dihapus"));
}

#[tokio::test]
async fn a_form_without_the_session_token_is_refused() {
    let desk = Desk::new();
    let id = desk.id.clone();
    let (rina, csrf) = desk.login("rina").await;
    let (_, other_csrf) = desk.login("admin").await;
    for token in ["", "0000", other_csrf.as_str()] {
        let answer = desk
            .post(
                &format!("/kasus/{id}/minta"),
                Some(&rina),
                &[("csrf", token), ("message", "Kirim KTP")],
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{token}");
        assert!(answer.text().contains("Token formulir tidak sah"));
    }
    assert_eq!(desk.case().state, State::Diterima);
    assert!(desk.services.store.outbox().unwrap().is_empty());
    let logout = desk
        .post("/keluar", Some(&rina), &[("csrf", "salah")])
        .await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    let logout = desk.post("/keluar", Some(&rina), &[("csrf", &csrf)]).await;
    assert_eq!(logout.location(), "/masuk");
    assert_eq!(desk.get("/antrian", Some(&rina)).await.location(), "/masuk");
}

#[tokio::test]
async fn a_verifier_corrects_checks_requests_and_rejects() {
    let desk = Desk::new();
    let id = desk.id.clone();
    let disposed = execute(
        &Command::Dispose {
            id: id.clone(),
            verifier: "Verifikator Satu".into(),
            by: "kadis".into(),
        },
        &desk.services.desk(),
        clock(),
    );
    assert!(disposed.ok, "{}", disposed.text);
    let (rina, csrf) = desk.login("rina").await;
    let post = |action: &'static str, form: Vec<(&'static str, String)>| {
        let desk = &desk;
        let rina = rina.clone();
        let csrf = csrf.clone();
        let id = id.clone();
        async move {
            let mut all = vec![("csrf", csrf)];
            all.extend(form);
            let form: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            desk.post(&format!("/kasus/{id}/{action}"), Some(&rina), &form)
                .await
        }
    };

    let bad = post(
        "ubah",
        vec![("field", "nik".into()), ("value", "1234".into())],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(desk.case().applicant.fields.nik.as_deref(), Some(NIK));

    let fixed = post(
        "ubah",
        vec![
            ("field", "nama".into()),
            ("value", "  Abdul   Rahman ".into()),
        ],
    )
    .await;
    assert_eq!(fixed.status, StatusCode::OK, "{}", fixed.text());
    assert!(fixed.text().contains("Nama kasus"));
    let case = desk.case();
    assert_eq!(case.applicant.fields.name.as_deref(), Some("Abdul Rahman"));
    assert!(matches!(
        &case.history.last().unwrap().what,
        EventKind::FieldEdited { field, from: Some(from), to }
            if field == "nama" && from == "Abdul <b>Rahman</b>" && to == "Abdul Rahman"
    ));
    assert!(fixed.text().contains("isian nama diubah dari"));

    let checked = post(
        "periksa",
        vec![("item", "nip_valid".into()), ("note", "dicek di SK".into())],
    )
    .await;
    assert_eq!(checked.status, StatusCode::OK);
    assert!(desk.case().complete());

    let requested = post(
        "minta",
        vec![("message", "Mohon kirim SK yang jelas".into())],
    )
    .await;
    assert_eq!(requested.status, StatusCode::OK, "{}", requested.text());
    assert_eq!(desk.case().state, State::MenungguKelengkapan);
    let queued = desk.services.store.outbox().unwrap();
    // The disposition's mail to the verifier, then the request to the applicant.
    assert_eq!(queued.len(), 2);
    assert!(String::from_utf8_lossy(&queued[1].mail.raw).contains("Mohon kirim SK yang jelas"));

    let rejected = post("tolak", vec![("reason", "SK bukan milik pemohon".into())]).await;
    assert_eq!(rejected.status, StatusCode::OK);
    assert_eq!(desk.case().state, State::Ditolak);
    // Closed: no more edits, and the refusal is shown, not an error.
    let late = post(
        "ubah",
        vec![("field", "nama".into()), ("value", "X".into())],
    )
    .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.text().contains("tidak dapat diubah lagi"));
}

#[tokio::test]
async fn the_cli_edit_is_the_same_command() {
    let desk = Desk::new();
    let reply = execute(
        &Command::Edit {
            id: desk.id.clone(),
            field: "hp".into(),
            value: "0812-3456-7890".into(),
            by: "operator".into(),
        },
        &desk.services.desk(),
        clock(),
    );
    assert!(reply.ok, "{}", reply.text);
    assert_eq!(
        desk.case().applicant.fields.phone.as_deref(),
        Some("+6281234567890")
    );
    let unknown = execute(
        &Command::Edit {
            id: desk.id.clone(),
            field: "alamat".into(),
            value: "x".into(),
            by: "operator".into(),
        },
        &desk.services.desk(),
        clock(),
    );
    assert!(
        !unknown.ok && unknown.text.contains("nama, nik, nip"),
        "{}",
        unknown.text
    );
}

#[tokio::test]
async fn report_charts_and_bsre_steps() {
    let desk = Desk::new();
    let (kadis, kadis_csrf) = desk.login("kadis").await;
    let report = desk.get("/laporan", Some(&kadis)).await;
    assert_eq!(report.status, StatusCode::OK);
    let text = report.text();
    assert!(text.contains("Jumlah kasus: <strong>1</strong>"), "{text}");
    assert_eq!(text.matches("<figure class=\"grafik\"").count(), 3);
    assert!(text.contains("Kasus per unit kerja") && text.contains(">Dinas Kesehatan<"));
    let later = desk.get("/laporan?from=2026-12-01&to=", Some(&kadis)).await;
    assert!(later.text().contains("Jumlah kasus: <strong>0</strong>"));
    assert_eq!(desk.get("/laporan", None).await.location(), "/masuk");

    // Marking a BSrE step is a verifier's action, and the SOP refuses it before the letter.
    let id = &desk.id;
    let refused = desk
        .post(
            &format!("/kasus/{id}/tahap"),
            Some(&kadis),
            &[("csrf", &kadis_csrf), ("state", "diajukan")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let (rina, csrf) = desk.login("rina").await;
    let early = desk
        .post(
            &format!("/kasus/{id}/tahap"),
            Some(&rina),
            &[("csrf", &csrf), ("state", "diajukan")],
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.text().contains("class=\"gagal\""));
    assert_eq!(desk.case().state, State::Diterima);
}

#[tokio::test]
async fn health_and_metrics_carry_no_personal_data() {
    let desk = Desk::new();
    let health = desk.get("/healthz", None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.text(), "ok\n");
    let metrics = desk.get("/metrics", None).await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = metrics.text();
    for line in [
        "sertel_mails_processed_total 1",
        "sertel_outbox_depth 0",
        "sertel_cases{state=\"diterima\"} 1",
        "sertel_cases{state=\"ditolak\"} 0",
        "# TYPE sertel_ocr_seconds_total counter",
    ] {
        assert!(
            text.lines().any(|l| l == line || l.starts_with(line)),
            "{line}\n{text}"
        );
    }
    assert!(!text.contains("Abdul") && !text.contains("7502") && !text.contains("TTE-"));
    let css = desk.get("/gaya.css", None).await;
    assert_eq!(css.header(header::CONTENT_TYPE), "text/css; charset=utf-8");
}

/// Real headless Chromium driven over WebDriver (chromedriver), against the desk served on a
/// loopback port; screenshots go to `target/web-screenshots/`.
mod browser {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command as Process, Stdio};
    use std::time::{Duration, Instant};

    use base64::Engine;
    use serde_json::{Value, json};
    use sertel::daemon::{Outcome, process_next};
    use sertel::desk::ReplyLimiter;
    use sertel::intake::maildir::Maildir;
    use sertel::text::ocr::TesseractOcr;

    use super::*;

    const CHROMIUM: &str = "/usr/bin/chromium";
    const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
    /// The W3C key of a WebElement in JSON.
    const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
    /// Installed by scripts/setup.
    const AXE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/axe/node_modules/axe-core/axe.min.js"
    );

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// One HTTP/1.1 exchange with chromedriver, JSON both ways.
    fn call(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let body = body.map(Value::to_string).unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        // chromedriver may keep the connection open, so read until the response is whole.
        let mut raw = Vec::new();
        let mut buf = [0u8; 65536];
        loop {
            let n = stream.read(&mut buf).unwrap();
            raw.extend_from_slice(&buf[..n]);
            if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
                let rest = &raw[end + 4..];
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok());
                let whole = match length {
                    Some(length) => rest.len() >= length,
                    None => rest.ends_with(b"0\r\n\r\n"),
                };
                if whole || n == 0 {
                    let rest = String::from_utf8_lossy(rest);
                    let payload = if length.is_none() {
                        dechunk(&rest)
                    } else {
                        rest.into_owned()
                    };
                    return serde_json::from_str(&payload).unwrap_or(Value::Null);
                }
            }
            assert!(n > 0, "chromedriver closed the connection early");
        }
    }

    fn dechunk(mut rest: &str) -> String {
        let mut out = String::new();
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        out
    }

    struct Browser {
        driver: Child,
        port: u16,
        session: String,
        base: String,
        shots: PathBuf,
        _profile: tempfile::TempDir,
    }

    impl Drop for Browser {
        fn drop(&mut self) {
            call(
                self.port,
                "DELETE",
                &format!("/session/{}", self.session),
                None,
            );
            let _ = self.driver.kill();
            let _ = self.driver.wait();
        }
    }

    impl Browser {
        fn start(base: String) -> Browser {
            let port = free_port();
            let driver = Process::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(30);
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(Instant::now() < deadline, "chromedriver did not start");
                std::thread::sleep(Duration::from_millis(100));
            }
            let profile = tempfile::tempdir().unwrap();
            let args = [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,1600",
            ]
            .map(String::from)
            .into_iter()
            .chain([format!("--user-data-dir={}", profile.path().display())])
            .collect::<Vec<_>>();
            let caps = json!({"capabilities": {"alwaysMatch": {
                "goog:chromeOptions": {"binary": CHROMIUM, "args": args}
            }}});
            let answer = call(port, "POST", "/session", Some(&caps));
            let session = answer["value"]["sessionId"]
                .as_str()
                .unwrap_or_else(|| panic!("no WebDriver session: {answer}"))
                .to_string();
            let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/web-screenshots");
            std::fs::create_dir_all(&shots).unwrap();
            Browser {
                driver,
                port,
                session,
                base,
                shots,
                _profile: profile,
            }
        }

        fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
            let answer = call(
                self.port,
                method,
                &format!("/session/{}{path}", self.session),
                body.as_ref(),
            );
            answer["value"].clone()
        }

        fn open(&self, path: &str) {
            self.cmd(
                "POST",
                "/url",
                Some(json!({"url": format!("{}{path}", self.base)})),
            );
        }

        fn find(&self, css: &str) -> String {
            let v = self.cmd(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            );
            v[ELEMENT]
                .as_str()
                .unwrap_or_else(|| panic!("no element {css}: {v}"))
                .to_string()
        }

        fn fill(&self, css: &str, text: &str) {
            let el = self.find(css);
            self.cmd("POST", &format!("/element/{el}/clear"), Some(json!({})));
            self.cmd(
                "POST",
                &format!("/element/{el}/value"),
                Some(json!({"text": text})),
            );
        }

        /// Clicks once the element is shown. A click WebDriver refuses fails the test here,
        /// not ten seconds on.
        fn click(&self, css: &str) {
            let el = self.show(css);
            let answer = self.cmd("POST", &format!("/element/{el}/click"), Some(json!({})));
            assert!(answer.is_null(), "clicking {css}: {answer}");
        }

        /// Scrolls the element to the middle of the window and waits until the lazy pictures
        /// around it have loaded and it stands still; gives its WebDriver reference.
        fn show(&self, css: &str) -> String {
            let el = self.find(css);
            let target = json!([{ ELEMENT: el }]);
            self.script_with(
                "arguments[0].scrollIntoView({block: 'center'})",
                target.clone(),
            );
            // Pictures within Chrome's smallest lazy-load margin (1250 px) are loading or done.
            let place = "const near = i => { const r = i.getBoundingClientRect();\
                           return r.bottom > -1000 && r.top < innerHeight + 1000; };\
                         const busy = Array.from(document.images).some(i => near(i) && !i.complete);\
                         return busy ? null : arguments[0].getBoundingClientRect().top;";
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut last = Value::Null;
            loop {
                let now = self.script_with(place, target.clone());
                if !now.is_null() && now == last {
                    break;
                }
                assert!(Instant::now() < deadline, "{css} never stood still: {now}");
                last = now;
                std::thread::sleep(Duration::from_millis(150));
            }
            el
        }

        /// The element's text, empty when there is no such element.
        fn text(&self, css: &str) -> String {
            let v = self.cmd(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            );
            let Some(el) = v[ELEMENT].as_str() else {
                return String::new();
            };
            self.cmd("GET", &format!("/element/{el}/text"), None)
                .as_str()
                .unwrap_or("")
                .to_string()
        }

        /// Waits up to ten seconds for `css` to hold `needle` (a click returns before the page
        /// it leads to has loaded); panics with the page's text otherwise.
        fn expect(&self, css: &str, needle: &str) {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if self.text(css).contains(needle) {
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "{css} never showed {needle:?} on {}:\n{}",
                    self.url(),
                    self.text("body")
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }

        fn script(&self, js: &str) -> Value {
            self.script_with(js, json!([]))
        }

        /// Runs `js` with `args` as its `arguments` (an element as `{ELEMENT: id}`).
        fn script_with(&self, js: &str, args: Value) -> Value {
            self.cmd(
                "POST",
                "/execute/sync",
                Some(json!({"script": js, "args": args})),
            )
        }

        fn url(&self) -> String {
            self.cmd("GET", "/url", None)
                .as_str()
                .unwrap_or("")
                .to_string()
        }

        /// No `alert()` ran: WebDriver answers "no such alert".
        fn no_alert(&self) -> bool {
            let v = self.cmd("GET", "/alert/text", None);
            v["error"] == "no such alert"
        }

        fn screenshot(&self, name: &str) -> usize {
            let v = self.cmd("GET", "/screenshot", None);
            let png = base64::engine::general_purpose::STANDARD
                .decode(v.as_str().unwrap())
                .unwrap();
            assert!(png.starts_with(b"\x89PNG"));
            std::fs::write(self.shots.join(format!("{name}.png")), &png).unwrap();
            png.len()
        }

        /// axe-core's serious and critical WCAG 2 A/AA violations on the page, one line each.
        fn axe(&self) -> Vec<String> {
            let source = std::fs::read_to_string(AXE).unwrap_or_else(|e| {
                panic!("{AXE}: {e} (scripts/setup installs axe-core with npm)")
            });
            self.script(&source);
            let run = "const done = arguments[arguments.length - 1];\
                       axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})\
                         .then(r => done(r.violations\
                           .filter(v => v.impact === 'serious' || v.impact === 'critical')\
                           .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)))\
                         .catch(e => done([`axe failed: ${e}`]));";
            let found = self.cmd(
                "POST",
                "/execute/async",
                Some(json!({"script": run, "args": []})),
            );
            found
                .as_array()
                .unwrap_or_else(|| panic!("axe answered {found}"))
                .iter()
                .map(|v| v.as_str().unwrap_or("").to_string())
                .collect()
        }

        /// Checks the open page at a laptop's and a phone's width: axe finds nothing serious,
        /// the phone needs no sideways scrolling, and both are saved as screenshots.
        fn check_page(&self, name: &str) {
            let path = self.url();
            for (width, height, tag) in [(1366, 768, "laptop"), (390, 844, "ponsel")] {
                self.cmd(
                    "POST",
                    "/window/rect",
                    Some(json!({"width": width, "height": height})),
                );
                self.cmd("POST", "/url", Some(json!({ "url": path })));
                let violations = self.axe();
                assert!(violations.is_empty(), "{name} at {tag}: {violations:#?}");
                let wide = self.script(
                    "const d = document.documentElement;\
                     return d.scrollWidth > d.clientWidth\
                       ? `${d.scrollWidth} > ${d.clientWidth}: ` + Array.from(document.querySelectorAll('body *'))\
                           .filter(e => e.getBoundingClientRect().right > d.clientWidth + 1)\
                           .slice(0, 5).map(e => e.tagName + '.' + e.className).join(', ')\
                       : null",
                );
                assert!(wide.is_null(), "{name} scrolls sideways at {tag}: {wide}");
                self.screenshot(&format!("{name}-{tag}"));
            }
            self.cmd(
                "POST",
                "/window/rect",
                Some(json!({"width": 1280, "height": 1600})),
            );
            self.cmd("POST", "/url", Some(json!({ "url": path })));
        }

        fn login(&self, name: &str) {
            self.open("/masuk");
            self.fill("input[name=name]", name);
            self.fill("input[name=password]", PASSWORD);
            self.click("button[type=submit]");
            self.expect("h1", "Antrean kasus");
        }

        fn logout(&self) {
            self.click("form[action='/keluar'] button");
            self.expect("h1", "Masuk");
        }
    }

    /// Serves the desk on a loopback port; its base URL.
    async fn serve(desk: &Desk) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = desk.app.clone();
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    }

    /// Whether Chromium and its driver are there; absent, the test fails unless skipping was
    /// asked for.
    fn browser_installed() -> bool {
        let there = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
        if !there {
            crate::common::skip(&format!(
                "browser test: {CHROMIUM} or {CHROMEDRIVER} is absent \
                 (scripts/setup installs chromium and chromium-driver)"
            ));
        }
        there
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_verifier_works_a_sample_case_in_chromium() {
        if !browser_installed() {
            return;
        }
        let desk = Desk::new();
        // A pre-filled case from the samples, through the daemon's own pipeline.
        let inbox_dir = desk.services.config.intake.maildir.clone().unwrap();
        let mut inbox = Maildir::open(&inbox_dir).unwrap();
        let sample =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/001.eml")).unwrap();
        std::fs::write(inbox_dir.join("new/001.eml"), sample).unwrap();
        let pipeline = desk.services.desk();
        let mut ocr = TesseractOcr::new("ind").unwrap();
        let mut limiter = ReplyLimiter::default();
        let outcome = process_next(&mut inbox, &pipeline, &mut ocr, &mut limiter, None, clock())
            .await
            .unwrap();
        let Outcome::Opened(sample_id) = outcome else {
            panic!("{outcome:?}")
        };

        let base = serve(&desk).await;

        let xss_id = desk.id.clone();
        let browser_base = base.clone();
        let (weights, store_case) = tokio::task::spawn_blocking(move || {
            let b = Browser::start(browser_base);
            // The Kadis disposes the sample case, and cannot reject (a verifier's action),
            // even with a hand-made form.
            // From the queue, which sends him back there.
            b.login("kadis");
            b.click(&format!("table.antrean form[action='/kasus/{sample_id}/disposisi'] button"));
            b.expect("p.berhasil", "didisposisikan");
            assert!(b.url().ends_with("/antrian"), "{}", b.url());
            b.open(&format!("/kasus/{xss_id}"));
            b.script(
                "const f = document.createElement('form'); f.method = 'post';\
                 f.action = location.pathname + '/tolak';\
                 const c = document.querySelector('input[name=csrf]').cloneNode();\
                 const r = document.createElement('input'); r.name = 'reason'; r.value = 'x';\
                 f.append(c, r); document.body.append(f); f.submit();",
            );
            b.expect("h1", "Tidak berwenang");
            b.screenshot("0-peran-ditolak");
            b.logout();

            b.login("rina");
            let queue = b.screenshot("1-antrean");
            eprintln!(
                "page weight: queue of 2 cases {} bytes of HTML",
                b.script("return new Blob([document.documentElement.outerHTML]).size")
            );
            assert!(b.text("table.antrean").contains("Dewi Hulukati"));

            // The pre-filled sample case: KTP and SK beside the fields.
            b.click(&format!("a[href='/kasus/{sample_id}']"));
            b.expect("h1", &sample_id.to_string());
            b.show("#lampiran");
            let case = b.screenshot("2-kasus");
            let weight = "return new Blob([document.documentElement.outerHTML]).size";
            eprintln!("page weight: sample case page {} bytes of HTML", b.script(weight));
            let images = b.script(
                "return Array.from(document.images).filter(i => i.complete && i.naturalWidth > 100).length",
            );
            assert!(images.as_u64().unwrap() >= 2, "{images}");
            // Each picture's room, kept before it loads, is the size it arrives at.
            b.script("Array.from(document.images).forEach(i => { i.loading = 'eager'; })");
            let deadline = Instant::now() + Duration::from_secs(20);
            while b.script("return Array.from(document.images).every(i => i.complete)") != json!(true) {
                assert!(Instant::now() < deadline, "pictures never loaded");
                std::thread::sleep(Duration::from_millis(100));
            }
            let unlike = b.script(
                "return Array.from(document.images)\
                   .filter(i => i.getAttribute('width') != i.naturalWidth || i.getAttribute('height') != i.naturalHeight)\
                   .map(i => `${i.src} ${i.getAttribute('width')}x${i.getAttribute('height')} ${i.naturalWidth}x${i.naturalHeight}`)",
            );
            assert_eq!(unlike, json!([]));
            b.check_page("kasus-contoh");

            // Correct a field.
            b.click("details.ubah:has(input[aria-label='Unit Kerja']) > summary");
            b.fill("form.ubah input[name=value][aria-label='Unit Kerja']", "Dinas Kesehatan Kabupaten Gorontalo");
            b.click("form.ubah:has(input[aria-label='Unit Kerja']) button");
            b.expect("p.berhasil", "Unit Kerja kasus");
            assert!(b.text("#riwayat").contains("isian unit diubah"));
            b.screenshot("3-isian-diubah");

            // Request a document.
            b.fill("#tindakan textarea[name=message]", "Mohon kirim ulang foto KTP yang lebih jelas.");
            b.click("#tindakan form[action$='/minta'] button");
            b.expect("p.berhasil", "Permintaan kelengkapan");
            assert!(b.text("h1").contains("menunggu kelengkapan"));
            b.screenshot("4-kelengkapan-diminta");

            // A forged form token is refused.
            b.script("document.querySelector('#tindakan form[action$=\"/tolak\"] input[name=csrf]').value = 'palsu';");
            b.fill("#tindakan form[action$='/tolak'] textarea[name=reason]", "uji");
            b.click("#tindakan form[action$='/tolak'] button");
            b.expect("h1", "Formulir ditolak");

            // The script subject shows as text and never runs.
            b.open(&format!("/kasus/{xss_id}"));
            b.expect("p.ringkas", "<script>alert(1)</script>");
            assert!(b.no_alert());
            b.screenshot("5-subjek-xss");

            // On a phone screen.
            b.cmd("POST", "/window/rect", Some(json!({"width": 390, "height": 844})));
            b.open(&format!("/kasus/{sample_id}"));
            b.screenshot("6-kasus-ponsel");
            b.cmd("POST", "/window/rect", Some(json!({"width": 1280, "height": 1600})));
            b.logout();
            ((queue, case), sample_id)
        })
        .await
        .unwrap();
        let case = desk.services.store.get(store_case).unwrap().unwrap();
        assert_eq!(case.state, State::MenungguKelengkapan);
        assert_eq!(
            case.applicant.fields.unit.as_deref(),
            Some("Dinas Kesehatan Kabupaten Gorontalo")
        );
        assert_eq!(
            case.verifier.as_deref(),
            Some("verifikator1@gorontalokab.go.id")
        );
        assert_eq!(desk.case().state, State::Diterima);
        eprintln!(
            "screenshots: queue {} bytes, case {} bytes",
            weights.0, weights.1
        );

        // The verifier drafts the letter of the other case and sees its first page.
        super::ready_for_letter(&desk);
        let xss_id = desk.id.clone();
        tokio::task::spawn_blocking(move || {
            let b = Browser::start(base);
            b.login("rina");
            b.open(&format!("/kasus/{xss_id}"));
            b.fill(
                "form.tindakan[action$='/surat'] textarea[name=reason]",
                "NIP diperiksa manual di SIMPEG",
            );
            b.click("form.tindakan[action$='/surat'] button");
            b.expect("p.berhasil", "dikirim ke Kadis");
            let deadline = Instant::now() + Duration::from_secs(20);
            let loaded = "const i = document.querySelector('#surat img');\
                          return i.complete && i.naturalWidth > 100";
            while b.script(loaded) != json!(true) {
                assert!(Instant::now() < deadline, "letter preview never loaded");
                std::thread::sleep(Duration::from_millis(100));
            }
            b.screenshot("7-surat-pratinjau");
        })
        .await
        .unwrap();
        assert_eq!(desk.case().state, State::RekomendasiDikirim);
    }

    /// Letters to the Kadis in the outbox.
    fn letters_out(desk: &Desk) -> usize {
        desk.services
            .store
            .outbox()
            .unwrap()
            .iter()
            .filter(|e| e.mail.purpose == Purpose::LetterForSigning)
            .count()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_role_sees_its_next_step_and_every_page_reads_on_a_laptop_and_a_phone() {
        if !browser_installed() {
            return;
        }
        let desk = Desk::new();
        let base = serve(&desk).await;
        let id = desk.id.clone();
        let case_path = format!("/kasus/{id}");

        // `diterima`: the Kadis's move.
        let (b, path) = (base.clone(), case_path.clone());
        let browser = tokio::task::spawn_blocking(move || {
            let b = Browser::start(b);
            b.open("/masuk");
            b.check_page("masuk");
            b.login("kadis");
            let queue = b.text("table.antrean");
            assert!(queue.contains(&id), "{queue}");
            assert!(b.text("nav.lihat [aria-current=page]").contains("Menunggu tindakan saya"));
            assert!(b.text("table.antrean").contains("kurang") || queue.contains("lengkap"));
            b.check_page("antrean-kadis");
            b.open(&path);
            b.expect("#langkah", "Disposisikan kasus ini ke verifikator");
            b.check_page("kasus-diterima-kadis");
            b.logout();
            b.login("rina");
            assert!(b.text("main").contains("Tidak ada kasus yang menunggu tindakan Anda"));
            b.open(&path);
            b.expect("#langkah", "Menunggu disposisi Kadis");
            // No draft before disposition, no BSrE step before signing.
            let early = b.script(
                "return document.querySelectorAll(\"form[action$='/surat'], form[action$='/tahap'], form[action$='/disposisi']\").length",
            );
            assert_eq!(early, json!(0));
            b.open("/laporan");
            b.check_page("laporan");
            b
        })
        .await
        .unwrap();

        // `verifikasi`: the verifier's move, with the problems linked; the draft is sent once
        // however often the page is reloaded.
        super::ready_for_letter(&desk);
        assert_eq!(desk.case().state, State::Verifikasi);
        let path = case_path.clone();
        let b = tokio::task::spawn_blocking(move || {
            let b = browser;
            b.open(&path);
            b.expect("#langkah", "Susun surat rekomendasi");
            let links = b.script(
                "return Array.from(document.querySelectorAll('#langkah a[href^=\"#butir-\"]'))\
                   .every(a => document.getElementById(a.getAttribute('href').slice(1)))",
            );
            assert_eq!(links, json!(true), "each problem link leads to its item");
            b.check_page("kasus-verifikasi-verifikator");
            if b.script("return !!document.querySelector(\"#langkah textarea[name=reason]\")")
                == json!(true)
            {
                b.fill(
                    "#langkah textarea[name=reason]",
                    "NIP diperiksa manual di SIMPEG",
                );
            }
            b.click("#langkah form[action$='/surat'] button");
            b.expect("p.berhasil", "dikirim ke Kadis");
            assert!(b.url().ends_with(&format!("{path}#surat")), "{}", b.url());
            b
        })
        .await
        .unwrap();
        assert_eq!(letters_out(&desk), 1);
        let path = case_path.clone();
        let b = tokio::task::spawn_blocking(move || {
            b.script("location.reload()");
            b.expect("#langkah", "Menunggu tanda tangan Kadis");
            assert_eq!(b.text("p.berhasil"), "", "the banner shows once");
            b.check_page("kasus-rekomendasi-verifikator");
            b.logout();
            // `rekomendasi_dikirim`: the Kadis's move again.
            b.login("kadis");
            b.open(&path);
            b.expect("#langkah", "Tandatangani surat rekomendasi");
            b.check_page("kasus-rekomendasi-kadis");
            b
        })
        .await
        .unwrap();
        drop(b);
        assert_eq!(letters_out(&desk), 1, "a reload sent the letter again");
        assert_eq!(desk.case().state, State::RekomendasiDikirim);
    }
}

/// The case disposed to Rina, with a record complete enough for a letter.
fn ready_for_letter(desk: &Desk) {
    let run = |command: Command| {
        let reply = execute(&command, &desk.services.desk(), clock());
        assert!(reply.ok, "{}", reply.text);
    };
    run(Command::Dispose {
        id: desk.id.clone(),
        verifier: "Verifikator Satu".into(),
        by: "kadis".into(),
    });
    for (field, value) in [
        ("nama", "Siti Nuraini"),
        ("nik", "7501034506900002"),
        ("nip", "199006052015032002"),
        ("jabatan", "Analis Kebijakan Ahli Muda"),
        ("pangkat", "Penata Tingkat I (III/d)"),
        ("unit", "Badan Perencanaan Pembangunan Daerah"),
        ("hp", "0812-3456-7890"),
        ("surel", "siti.nuraini@gorontalokab.go.id"),
    ] {
        run(Command::Edit {
            id: desk.id.clone(),
            field: field.into(),
            value: value.into(),
            by: "rina".into(),
        });
    }
}

fn pdftotext(pdf: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("pdftotext")
        .args(["-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
}

#[tokio::test]
async fn a_verifier_drafts_the_letter_and_the_page_previews_it() {
    let desk = Desk::new();
    let id = desk.id.clone();
    ready_for_letter(&desk);
    let (rina, csrf) = desk.login("rina").await;
    let (kadis, kadis_csrf) = desk.login("kadis").await;
    // The corrections started the verification.
    assert_eq!(desk.case().state, State::Verifikasi);
    let page = desk.get(&format!("/kasus/{id}"), Some(&rina)).await.text();
    assert!(page.contains("Susun surat rekomendasi"));
    assert!(!page.contains("/surat/gambar"));

    // The Kadis may not draft, a foreign token is refused, and an incomplete checklist
    // without a reason is refused with the reason why.
    let path = format!("/kasus/{id}/surat");
    let refused = desk
        .post(
            &path,
            Some(&kadis),
            &[("csrf", &kadis_csrf), ("reason", "x")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = desk
        .post(
            &path,
            Some(&rina),
            &[("csrf", &kadis_csrf), ("reason", "x")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text().contains("Token formulir tidak sah"));
    let refused = desk
        .post(&path, Some(&rina), &[("csrf", &csrf), ("reason", " ")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("belum lengkap"),
        "{}",
        refused.text()
    );
    assert_eq!(desk.case().state, State::Verifikasi);
    assert!(desk.case().draft().is_none());

    let done = desk
        .post(
            &path,
            Some(&rina),
            &[
                ("csrf", &csrf),
                ("reason", "NIP diperiksa manual di SIMPEG"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert!(done.text().contains("dikirim ke Kadis"));
    assert_eq!(desk.case().state, State::RekomendasiDikirim);
    let page = done.text();
    for link in ["/surat/gambar\"", "/surat/pdf\"", "/surat/docx\"", "/ttd\""] {
        assert!(page.contains(link), "{link}");
    }
    assert!(!page.contains("Susun surat rekomendasi"));

    let pdf = desk
        .get(&format!("/kasus/{id}/surat/pdf"), Some(&kadis))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with(b"%PDF"));
    assert!(
        pdf.header(header::CONTENT_DISPOSITION)
            .starts_with("attachment; filename=\"")
    );
    assert_eq!(pdf.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert!(pdftotext(&pdf.body).contains("Siti Nuraini"));
    let docx = desk
        .get(&format!("/kasus/{id}/surat/docx"), Some(&rina))
        .await;
    assert_eq!(docx.status, StatusCode::OK);
    assert!(docx.body.starts_with(b"PK"));
    assert!(docx.header(header::CONTENT_DISPOSITION).contains(".docx"));
    let picture = desk
        .get(&format!("/kasus/{id}/surat/gambar"), Some(&rina))
        .await;
    assert_eq!(picture.status, StatusCode::OK);
    assert_eq!(picture.header(header::CONTENT_TYPE), "image/png");
    assert!(picture.body.starts_with(b"\x89PNG"));
    let preview = common::sized_pictures(&page, &format!("/kasus/{id}/surat/"));
    assert_eq!(preview.len(), 1);
    assert_pictures_are_their_size(&desk, &rina, &preview).await;
    assert_eq!(
        desk.get(&format!("/kasus/{id}/surat/gambar"), None)
            .await
            .location(),
        "/masuk"
    );
}

/// A multipart upload of `pdf` as the signed letter, with `csrf`.
fn signed_upload(path: &str, cookie: Option<&str>, csrf: &str, pdf: &[u8]) -> Request<Body> {
    let boundary = "batas-uji-7d1f";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"surat.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(pdf);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut request = Request::post(path).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={boundary}"),
    );
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn an_unsigned_letter_upload_is_refused_with_the_reason() {
    let desk = Desk::new();
    let id = desk.id.clone();
    ready_for_letter(&desk);
    let (rina, csrf) = desk.login("rina").await;
    let (kadis, kadis_csrf) = desk.login("kadis").await;
    let done = desk
        .post(
            &format!("/kasus/{id}/surat"),
            Some(&rina),
            &[("csrf", &csrf), ("reason", "NIP diperiksa manual")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let unsigned = desk
        .get(&format!("/kasus/{id}/surat/pdf"), Some(&rina))
        .await
        .body;
    let path = format!("/kasus/{id}/ttd");

    let refused = desk
        .send(signed_upload(&path, Some(&kadis), &kadis_csrf, &unsigned))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = desk
        .send(signed_upload(&path, Some(&rina), &kadis_csrf, &unsigned))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text().contains("Token formulir tidak sah"));

    let refused = desk
        .send(signed_upload(&path, Some(&rina), &csrf, &unsigned))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("tidak diterima"),
        "{}",
        refused.text()
    );
    assert_eq!(desk.case().state, State::RekomendasiDikirim);
    assert!(desk.case().signed_letter().is_none());

    let too_big = vec![b'x'; 21 * 1024 * 1024];
    let refused = desk
        .send(signed_upload(&path, Some(&rina), &csrf, &too_big))
        .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(desk.case().state, State::RekomendasiDikirim);
}

/// `s` as maud writes it into a page.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The thread section of a case page.
fn thread_of(page: &str) -> &str {
    let start = page.find("id=\"surel\"").expect("a thread section");
    let end = page.find("id=\"riwayat\"").expect("a history section");
    &page[start..end]
}

/// The direction class of each mail in a thread section, in page order.
fn directions(thread: &str) -> Vec<&str> {
    thread
        .split("<article class=\"surel ")
        .skip(1)
        .map(|a| &a[..a.find('"').unwrap()])
        .collect()
}

/// The article of the thread's mail whose header holds `needle`.
fn article<'a>(thread: &'a str, needle: &str) -> &'a str {
    thread
        .split("<article ")
        .find(|a| a.contains(needle))
        .unwrap_or_else(|| panic!("no mail with {needle} in {thread}"))
}

#[tokio::test]
async fn the_thread_shows_mails_in_and_out_with_their_status() {
    use sertel::daemon::{Outcome, process_next, send_due};
    use sertel::desk::ReplyLimiter;
    use sertel::intake::maildir::Maildir;
    use sertel::outbound::folder::FolderTransport;
    use sertel::text::ocr::TesseractOcr;

    let desk = Desk::new();
    // A text-only application with markup in its subject and body, through the daemon's own
    // pipeline, which opens the case and queues the acknowledgement.
    let inbox_dir = desk.services.config.intake.maildir.clone().unwrap();
    let mut inbox = Maildir::open(&inbox_dir).unwrap();
    let filler: String = (1..=20)
        .map(|n| format!("Baris keterangan tambahan nomor {n}.\r\n"))
        .collect();
    let raw = format!(
        "From: Andi Pakaya <andi.pakaya@gorontalokab.go.id>\r\nTo: tte@gorontalokab.go.id\r\n\
         Subject: Permohonan TTE <script>alert(7)</script>\r\n\
         Message-ID: <thread-1@gorontalokab.go.id>\r\n\
         Date: Mon, 23 Nov 2026 09:00:00 +0800\r\n\r\n\
         Nama : Andi Pakaya\r\nNIK : 7502011203850001\r\nNIP : 198503122010011003\r\n\
         Jabatan : Pranata Komputer Ahli Pertama\r\nUnit Kerja : Dinas Pendidikan\r\n\
         No. HP : 081234567890\r\n<iframe src=\"javascript:alert(8)\"></iframe>\r\n{filler}"
    );
    std::fs::write(inbox_dir.join("new/thread-1.eml"), raw).unwrap();
    let mut ocr = TesseractOcr::new("ind").unwrap();
    let outcome = process_next(
        &mut inbox,
        &desk.services.desk(),
        &mut ocr,
        &mut ReplyLimiter::default(),
        None,
        clock(),
    )
    .await
    .unwrap();
    let Outcome::Opened(id) = outcome else {
        panic!("{outcome:?}")
    };
    let ack = desk
        .services
        .store
        .outbox()
        .unwrap()
        .into_iter()
        .find(|e| e.case == Some(id) && e.mail.purpose == Purpose::Acknowledgement)
        .expect("an acknowledgement in the outbox");
    let ack_subject = parse_mail(&ack.mail.raw).unwrap().subject.unwrap();
    assert!(ack_subject.contains(&id.to_string()), "{ack_subject}");

    let (rina, _) = desk.login("rina").await;
    let page = desk.get(&format!("/kasus/{id}"), Some(&rina)).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    let thread = thread_of(&text);
    // The application, then the acknowledgement and the request to the Kadis to dispose.
    assert!(thread.contains("Surel (3)"), "{thread}");
    assert_eq!(
        directions(thread),
        ["masuk", "keluar", "keluar"],
        "in time order"
    );
    let incoming = article(thread, "alert(7)");
    assert!(incoming.contains("Dari andi.pakaya@gorontalokab.go.id"));
    assert!(incoming.contains("permohonan"));
    assert!(incoming.contains("23-11-2026 11:00 WITA"), "{incoming}");
    assert!(incoming.contains("&lt;script&gt;alert(7)&lt;/script&gt;"));
    assert!(incoming.contains("&lt;iframe src=&quot;javascript:alert(8)&quot;&gt;&lt;/iframe&gt;"));
    let folded = &incoming[incoming
        .find("<details><summary>Tampilkan selebihnya (")
        .expect("a long body is folded")..];
    assert!(folded.contains("Baris keterangan tambahan nomor 20."));
    assert!(
        !folded.contains("NIK : 7502011203850001"),
        "the first lines show at once"
    );
    let outgoing = article(thread, &escaped(&ack_subject));
    assert!(outgoing.contains("class=\"surel keluar\""));
    assert!(outgoing.contains("Kepada andi.pakaya@gorontalokab.go.id"));
    assert!(outgoing.contains("tanda terima"));
    assert!(outgoing.contains(">menunggu<"), "{outgoing}");
    assert!(outgoing.contains(&id.to_string()));
    for hostile in ["<script", "<iframe"] {
        assert!(!text.contains(hostile), "{hostile} rendered as markup");
    }

    // The transport refuses the acknowledgement for good: the thread says so, with the reason.
    desk.services
        .store
        .mark_failed(ack.id, clock(), "550 kotak surat tidak dikenal", true)
        .unwrap();
    let text = desk.get(&format!("/kasus/{id}"), Some(&rina)).await.text();
    let outgoing = article(thread_of(&text), &escaped(&ack_subject));
    assert!(outgoing.contains(">gagal<"), "{outgoing}");
    assert!(outgoing.contains("550 kotak surat tidak dikenal"));

    // The Kadis disposes the other case on the web; its mails go out through the outbox
    // folder and the thread shows them sent, after the hostile application, still escaped.
    let (kadis, kadis_csrf) = desk.login("kadis").await;
    let disposed = desk
        .post(
            &format!("/kasus/{}/disposisi", desk.id),
            Some(&kadis),
            &[
                ("csrf", &kadis_csrf),
                ("verifier", "verifikator1@gorontalokab.go.id"),
            ],
        )
        .await;
    assert_eq!(disposed.status, StatusCode::OK, "{}", disposed.text());
    let folder =
        FolderTransport::new(desk.services.config.outbound.folder.as_ref().unwrap()).unwrap();
    assert!(
        send_due(&desk.services.store, &folder, clock())
            .await
            .unwrap()
            >= 1
    );
    let text = desk
        .get(&format!("/kasus/{}", desk.id), Some(&kadis))
        .await
        .text();
    let thread = thread_of(&text);
    let dirs = directions(thread);
    assert_eq!(dirs[0], "masuk");
    assert!(dirs[1..].iter().all(|d| *d == "keluar"), "{dirs:?}");
    let assigned = article(thread, "pemberitahuan penugasan verifikator");
    assert!(
        assigned.contains("Kepada verifikator1@gorontalokab.go.id"),
        "{assigned}"
    );
    assert!(assigned.contains(">terkirim<"), "{assigned}");
    let application = article(thread, "&lt;script&gt;alert(1)&lt;/script&gt;");
    assert!(application.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(application.contains("Abdul &lt;b&gt;Rahman&lt;/b&gt;"));
    // Its attachments are named, linked to the picture on the page and to the download.
    let id = &desk.id;
    for (n, name) in [
        "ktp abdul.png",
        "sk jabatan.pdf",
        "halaman.html",
        "gambar.svg",
    ]
    .iter()
    .enumerate()
    {
        assert!(
            application.contains(&format!("<a href=\"#lampiran-{n}\">{name}</a>")),
            "{name}: {application}"
        );
        assert!(application.contains(&format!("/kasus/{id}/lampiran/{n}/unduh")));
    }
    for hostile in ["<script", "<img src=x", "<b>"] {
        assert!(!text.contains(hostile), "{hostile} rendered as markup");
    }
}

#[tokio::test]
async fn an_accepted_signed_letter_moves_the_case_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let ca = common::pdfsign::TestCa::new(&dir.path().join("ca"), "Uji Root", "Kadis Uji");
    let signing = format!(
        "[signing]\ntrust_anchors = [\"{}\"]\n[signing.signer]\ncommon_name = \"Kadis Uji\"\n",
        ca.cert_path().display()
    );
    // The signer's certificate is valid from the moment it was made, so the desk checks the
    // signature at the real time.
    let desk = Desk::with(dir, &signing, Utc::now);
    let id = desk.id.clone();
    ready_for_letter(&desk);
    let (rina, csrf) = desk.login("rina").await;
    let (kadis, kadis_csrf) = desk.login("kadis").await;
    let drafted = desk
        .post(
            &format!("/kasus/{id}/surat"),
            Some(&rina),
            &[
                ("csrf", &csrf),
                ("reason", "NIP diperiksa manual di SIMPEG"),
            ],
        )
        .await;
    assert_eq!(drafted.status, StatusCode::OK, "{}", drafted.text());
    assert_eq!(desk.case().state, State::RekomendasiDikirim);
    let draft = desk
        .get(&format!("/kasus/{id}/surat/pdf"), Some(&rina))
        .await
        .body;
    let letter_text: String = pdftotext(&draft)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(
        letter_text.contains("7501034506900002"),
        "the letter names the NIK"
    );

    // The letter to the Kadis is in the thread with its PDF and DOCX, both downloadable.
    let page = desk.get(&format!("/kasus/{id}"), Some(&kadis)).await.text();
    let to_kadis = article(thread_of(&page), "surat rekomendasi untuk ditandatangani");
    for name in [
        format!("{id}_surat_rekomendasi.pdf"),
        format!("{id}_surat_rekomendasi.docx"),
    ] {
        assert!(to_kadis.contains(&name), "{name}: {to_kadis}");
    }
    let at = to_kadis.find(&format!("/kasus/{id}/keluar/")).unwrap();
    let link = &to_kadis[at..];
    let link = &link[..link.find('"').unwrap()];
    assert!(link.ends_with("/0"), "{link}");
    let attached = desk.get(link, Some(&kadis)).await;
    assert_eq!(attached.status, StatusCode::OK);
    assert_eq!(attached.body, draft, "the PDF that was sent is the draft");
    assert!(
        attached
            .header(header::CONTENT_DISPOSITION)
            .starts_with("attachment; filename=\"")
    );
    assert_eq!(attached.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    let docx = desk
        .get(&format!("{}1", &link[..link.len() - 1]), Some(&rina))
        .await;
    assert!(docx.body.starts_with(b"PK"));
    let missing = desk
        .get(&format!("{}9", &link[..link.len() - 1]), Some(&rina))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(desk.get(link, None).await.location(), "/masuk");

    let signed = ca.sign(&draft);
    let path = format!("/kasus/{id}/ttd");
    // Uploading a signed letter is a verifier's action: a stranger is sent to the login page
    // and the Kadis is refused, and neither changes the case.
    let stranger = desk.send(signed_upload(&path, None, &csrf, &signed)).await;
    assert_eq!(stranger.status, StatusCode::SEE_OTHER);
    assert_eq!(stranger.location(), "/masuk");
    let refused = desk
        .send(signed_upload(&path, Some(&kadis), &kadis_csrf, &signed))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text().contains("Tidak berwenang"));
    assert_eq!(desk.case().state, State::RekomendasiDikirim);
    assert!(desk.case().signed_letter().is_none());
    assert_eq!(
        desk.get(&format!("/kasus/{id}/surat/ttd"), Some(&rina))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let accepted = desk
        .send(signed_upload(&path, Some(&rina), &csrf, &signed))
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
    let text = accepted.text();
    assert!(text.contains("class=\"berhasil\""), "{text}");
    assert!(
        text.contains("diterima (penanda tangan: Kadis Uji)"),
        "{text}"
    );
    let case = desk.case();
    assert_eq!(case.state, State::Ditandatangani);
    assert_eq!(case.signed_letter(), Some(sha256_hex(&signed).as_str()));
    let signed_event = case
        .history
        .iter()
        .find(|e| matches!(e.what, EventKind::LetterSigned { .. }))
        .expect("a LetterSigned event");
    assert_eq!(
        signed_event.actor,
        Actor::Staff("rina (verifikator, web)".into())
    );
    assert_eq!(
        signed_event.what,
        EventKind::LetterSigned {
            sha256: sha256_hex(&signed),
            signer: "Kadis Uji".into()
        }
    );
    let history = &text[text.find("id=\"riwayat\"").unwrap()..];
    assert!(
        history.contains("staf rina (verifikator, web)"),
        "{history}"
    );
    assert!(text.contains("Surat bertanda tangan elektronik oleh Kadis Uji"));
    assert!(text.contains(&format!("href=\"/kasus/{id}/surat/ttd\"")));
    let notice = article(thread_of(&text), "pemberitahuan surat telah ditandatangani");
    assert!(notice.contains(">menunggu<"), "{notice}");

    // The kept letter is the uploaded one, byte for byte, for every role.
    let kept = desk
        .get(&format!("/kasus/{id}/surat/ttd"), Some(&kadis))
        .await;
    assert_eq!(kept.status, StatusCode::OK);
    assert_eq!(kept.body, signed);
    assert!(kept.header(header::CONTENT_DISPOSITION).contains("ttd.pdf"));
    assert!(pdftotext(&kept.body).contains("Siti Nuraini"));
    assert_eq!(
        desk.get(&format!("/kasus/{id}/surat/ttd"), None)
            .await
            .location(),
        "/masuk"
    );

    // The case no longer waits for a signature: a second upload is refused and changes nothing.
    let again = desk
        .send(signed_upload(&path, Some(&rina), &csrf, &signed))
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().contains("tidak diterima"));
    assert_eq!(desk.case().letters.len(), case.letters.len());
}

/// The desk served over real TCP on 127.0.0.1, as a browser or an attacker reaches it.
mod served {
    use super::*;
    use crate::common::http::{self, exchange};
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    async fn start(desk: &Desk) -> u16 {
        let web = WebDesk::new(
            desk.services.clone(),
            Arc::new(tokio::sync::Notify::new()),
            clock,
        )
        .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(sertel::web::serve(listener, Arc::new(web)));
        port
    }

    /// A login attempt with a fresh form: its status.
    async fn attempt(port: u16, name: &'static str, password: &'static str) -> u16 {
        http::login(port, name, password).await.0
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_of_guesses_gets_no_more_checks_than_a_series() {
        let desk = Desk::new();
        let port = start(&desk).await;
        // login_attempts = 3 in this config.
        let burst: Vec<_> = (0..40)
            .map(|_| tokio::spawn(attempt(port, "rina", "tebakan salah")))
            .collect();
        let mut statuses = Vec::new();
        for b in burst {
            statuses.push(b.await.unwrap());
        }
        let checked = statuses.iter().filter(|s| **s == 401).count();
        let refused = statuses.iter().filter(|s| matches!(**s, 429 | 503)).count();
        assert_eq!(checked, 3, "{statuses:?}");
        assert_eq!(refused, 37, "{statuses:?}");
        // The right password in the middle of a second burst does not get in either.
        let burst: Vec<_> = (0..30)
            .map(|i| {
                let password = if i == 29 { PASSWORD } else { "tebakan salah" };
                tokio::spawn(attempt(port, "rina", password))
            })
            .collect();
        for b in burst {
            assert_ne!(b.await.unwrap(), 303);
        }
        // Another account, and so the Kadis, logs in at once.
        assert_eq!(attempt(port, "kadis", PASSWORD).await, 303);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_that_sends_headers_slowly_is_cut_off() {
        let desk = Desk::new();
        let port = start(&desk).await;
        let mut slow = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(30), slow.read_to_end(&mut rest)).await;
        assert!(read.is_ok(), "the connection was still open after 30 s");
        let waited = started.elapsed();
        assert!(
            waited < sertel::web::HEADER_TIMEOUT + Duration::from_secs(5),
            "closed after {waited:?}"
        );
        // A connection that sends nothing at all is closed too.
        let mut silent = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let read = tokio::time::timeout(
            sertel::web::IDLE_TIMEOUT + Duration::from_secs(10),
            silent.read_to_end(&mut rest),
        )
        .await;
        assert!(read.is_ok(), "a silent connection stayed open");
        // The desk still answers.
        let (status, _) = exchange(
            port,
            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".into(),
        )
        .await;
        assert_eq!(status, 200);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_strangers_upload_is_refused_before_it_is_read() {
        let desk = Desk::new();
        let port = start(&desk).await;
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let head = format!(
            "POST /kasus/{}/ttd HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; \
             boundary=b\r\nContent-Length: 19000000\r\n\r\n",
            desk.id
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&[b'a'; 4096]).await.unwrap();
        // The answer comes with 19 MB still unsent.
        let mut answer = vec![0u8; 512];
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
            .await
            .expect("an answer before the upload finished")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
        assert!(answer.contains("location: /masuk"), "{answer}");
    }
}

mod bsre;
