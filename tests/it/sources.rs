//! Field sources on the web desk and the checklist re-run after an edit, over real parts: a
//! synthetic KTP read by tesseract through the daemon's step, the case in sled, the crop route
//! of the web desk, and a follow-up mail after the verifier's edit.

use crate::common;

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use sertel::case::store::CaseStore;
use sertel::case::{Case, CaseId, EventKind};
use sertel::classify::DocKind;
use sertel::daemon::{Outcome, process_next};
use sertel::desk::accounts::{Role, hash_password};
use sertel::desk::command::{Command, execute};
use sertel::desk::{ReplyLimiter, Services};
use sertel::intake::maildir::Maildir;
use sertel::rules::Rules;
use sertel::signature::Policy;
use sertel::synth::{KtpVariant, Person, person, render_ktp};
use sertel::text::ocr::{Ocr, OcrMode};
use sertel::web::{WebDesk, router};
use tower::ServiceExt;

const PASSWORD: &str = "sandi-uji-panjang";
const SENDER: &str = "pemohon.uji@gorontalokab.go.id";

fn clock() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()
}

/// An application mail: the form in the body with the phone number given wrong, and the
/// person's KTP as a PNG.
fn mail(p: &Person, subject: &str, message_id: &str, body: &str, ktp: Option<&[u8]>) -> Vec<u8> {
    let mut raw = format!(
        "From: {SENDER}\r\nTo: tte@gorontalokab.go.id\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0800\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"batas\"\r\n\r\n\
         --batas\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    );
    if let Some(png) = ktp {
        let encoded = base64::engine::general_purpose::STANDARD.encode(png);
        let lines: Vec<&str> = encoded
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        raw.push_str(&format!(
            "--batas\r\nContent-Type: image/png; name=\"ktp {name}.png\"\r\n\
             Content-Transfer-Encoding: base64\r\n\
             Content-Disposition: attachment; filename=\"ktp {name}.png\"\r\n\r\n{data}\r\n",
            name = p.name_on_ktp.to_lowercase(),
            data = lines.join("\r\n")
        ));
    }
    raw.push_str("--batas--\r\n");
    raw.into_bytes()
}

struct Desk {
    dir: tempfile::TempDir,
    services: Arc<Services>,
    app: Router,
    person: Person,
    id: CaseId,
}

impl Desk {
    /// One case opened by the daemon's own step from an application with a KTP and a phone
    /// number that is not one.
    async fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let config = common::office_config(dir.path(), "[web]\nlisten = \"127.0.0.1:0\"\n");
        let store = CaseStore::open(&config.storage.data_dir).unwrap();
        let services = Arc::new(Services {
            config,
            rules: Rules::builtin(),
            store,
            signing: Policy::untrusting(),
        });
        let reply = execute(
            &Command::UserAdd {
                name: "rina".into(),
                role: Role::Verifikator,
                password_hash: hash_password(PASSWORD).unwrap(),
                verifier: None,
            },
            &services.desk(),
            clock(),
        );
        assert!(reply.ok, "{}", reply.text);
        let p = person(7);
        let png = render_ktp(&p, KtpVariant::Clean, 7).unwrap();
        let body = format!(
            "Nama: {}\r\nNIK: {}\r\nNIP: {}\r\nJabatan: {}\r\nUnit Kerja: {}\r\nNo. HP: 0812\r\n",
            p.name, p.nik, p.nip, p.position, p.unit
        );
        let raw = mail(
            &p,
            "Permohonan sertifikat elektronik",
            "sumber-1@pemohon.test",
            &body,
            Some(&png),
        );
        let id = match deliver(&services, dir.path(), "1.eml", &raw).await {
            Outcome::Opened(id) => id,
            other => panic!("{other:?}"),
        };
        let web = WebDesk::new(
            services.clone(),
            Arc::new(tokio::sync::Notify::new()),
            clock,
        )
        .unwrap();
        Desk {
            dir,
            services,
            app: router(Arc::new(web)),
            person: p,
            id,
        }
    }

    fn case(&self) -> Case {
        self.services.store.get(self.id).unwrap().unwrap()
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> (StatusCode, Vec<u8>, String) {
        let mut request = Request::get(path);
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    async fn send(&self, request: Request<Body>) -> (StatusCode, Vec<u8>, String) {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), 1 << 26)
            .await
            .unwrap()
            .to_vec();
        let meta = format!(
            "{};{};{}",
            header_of(&headers, header::CONTENT_TYPE),
            header_of(&headers, header::LOCATION),
            header_of(&headers, header::SET_COOKIE),
        );
        (status, body, meta)
    }

    /// Logs in as the verifier; the session cookie and the CSRF token of the forms.
    async fn login(&self) -> (String, String) {
        let (_, form, meta) = self.get("/masuk", None).await;
        let token = cookie_value(&meta, "sertel_masuk");
        let csrf = csrf_of(&String::from_utf8_lossy(&form));
        let body = format!("name=rina&password={PASSWORD}&csrf={csrf}");
        let request = Request::post("/masuk")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("sertel_masuk={token}"))
            .body(Body::from(body))
            .unwrap();
        let (status, _, meta) = self.send(request).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{meta}");
        let cookie = format!("sertel_sesi={}", cookie_value(&meta, "sertel_sesi"));
        let (_, queue, _) = self.get("/antrian", Some(&cookie)).await;
        (cookie, csrf_of(&String::from_utf8_lossy(&queue)))
    }
}

async fn deliver(services: &Services, root: &Path, name: &str, raw: &[u8]) -> Outcome {
    let mut inbox = Maildir::open(&root.join("inbox")).unwrap();
    std::fs::write(root.join("inbox/new").join(name), raw).unwrap();
    let mut ocr = common::engine();
    process_next(
        &mut inbox,
        &services.desk(),
        &mut ocr,
        &mut ReplyLimiter::default(),
        None,
        clock(),
    )
    .await
    .unwrap()
}

fn header_of(headers: &axum::http::HeaderMap, name: header::HeaderName) -> String {
    headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn cookie_value(meta: &str, name: &str) -> String {
    let at = meta.find(&format!("{name}=")).expect("the cookie");
    let rest = &meta[at + name.len() + 1..];
    rest[..rest.find(';').unwrap()].to_string()
}

fn csrf_of(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token");
    let rest = &page[at + 19..];
    rest[..rest.find('"').unwrap()].to_string()
}

fn status_of(case: &Case, item: &str) -> String {
    case.checklist
        .iter()
        .find(|c| c.id == item)
        .map(|c| c.status.as_str().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_nik_crop_is_the_nik_line_and_the_route_guards_it() {
    let desk = Desk::new().await;
    let case = desk.case();
    let ktp = case
        .documents
        .iter()
        .find(|d| d.kind == DocKind::Ktp)
        .expect("the KTP's reading is kept with the case");
    assert_eq!(ktp.sha256, case.attachments[0].sha256);
    assert_eq!(
        ktp.fields.get("nik").cloned().flatten().as_deref(),
        Some(desk.person.nik.as_str())
    );
    let nik = &ktp.sources["nik"];
    assert!(nik.line.contains("NIK"), "{}", nik.line);
    let place = nik.place.expect("an OCR'd NIK has a box");
    assert!(place.bbox.height < place.image_height / 8, "{place:?}");
    let address = ktp.sources["address"].place.expect("the address has a box");
    assert!(
        address.bbox.height > 2 * place.bbox.height,
        "the address box holds its four lines: {address:?}"
    );
    assert!(
        case.body
            .as_ref()
            .is_some_and(|b| b.phone.as_deref() == Some("0812"))
    );

    let (cookie, _) = desk.login().await;
    let path = format!("/kasus/{}/lampiran/0/potongan/nik", desk.id);
    let started = std::time::Instant::now();
    let (status, png, meta) = desk.get(&path, Some(&cookie)).await;
    let first = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{meta}");
    // The second crop of the same photo comes from the prepared picture kept in the desk.
    let started = std::time::Instant::now();
    let (status, _, _) = desk
        .get(
            &format!("/kasus/{}/lampiran/0/potongan/address", desk.id),
            Some(&cookie),
        )
        .await;
    eprintln!(
        "crop with preparation {first:?}, from the kept picture {:?}",
        started.elapsed()
    );
    assert_eq!(status, StatusCode::OK);
    assert!(meta.starts_with("image/png;"), "{meta}");
    let crop = image::load_from_memory(&png).unwrap().to_luma8();
    assert!(crop.width() >= place.bbox.width && crop.width() < place.image_width);
    assert!(crop.height() > place.bbox.height && crop.height() < 3 * place.bbox.height);
    // The crop, read again on its own as digits, is the NIK: the box lies on the NIK line.
    let mut padded =
        image::GrayImage::from_pixel(crop.width() + 40, crop.height() + 40, image::Luma([255]));
    image::imageops::replace(&mut padded, &crop, 20, 20);
    let digits: String = common::engine()
        .read(&padded, OcrMode::Digits)
        .unwrap()
        .iter()
        .flat_map(|l| l.words.iter())
        .flat_map(|w| w.text.chars())
        .filter(char::is_ascii_digit)
        .collect();
    assert!(digits.contains(&desk.person.nik), "{digits}");

    let page = desk
        .get(&format!("/kasus/{}", desk.id), Some(&cookie))
        .await;
    let page = String::from_utf8_lossy(&page.1).into_owned();
    assert!(
        page.contains(&format!("src=\"{path}\"")),
        "the case page shows the crop"
    );
    assert!(page.contains("keyakinan "), "and the confidence");
    assert!(page.contains("Terbaca dari KTP"), "and the KTP's own table");
    assert!(!page.contains("tidak disimpan oleh pembacaan"));
    let crops = common::sized_pictures(&page, &format!("/kasus/{}/lampiran/0/potongan/", desk.id));
    assert!(crops.len() >= 4, "{crops:?}");
    for crop in &crops {
        let (status, png, meta) = desk.get(&crop.src, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{meta}");
        common::assert_is_its_size(crop, &png);
    }

    for field in ["golongan_darah", "hp"] {
        let (status, body, _) = desk
            .get(
                &format!("/kasus/{}/lampiran/0/potongan/{field}", desk.id),
                Some(&cookie),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{field}");
        assert!(String::from_utf8_lossy(&body).contains("Potongan tidak tersedia"));
    }
    let (status, _, _) = desk
        .get(
            &format!("/kasus/{}/lampiran/9/potongan/nik", desk.id),
            Some(&cookie),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, meta) = desk.get(&path, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(meta.contains(";/masuk;"), "{meta}");
}

#[tokio::test]
async fn an_edit_reruns_the_checklist_and_survives_a_follow_up() {
    let desk = Desk::new().await;
    assert_eq!(status_of(&desk.case(), "missing_phone"), "invalid");

    let (cookie, csrf) = desk.login().await;
    let body = format!("csrf={csrf}&field=hp&value=0812-3456-7890");
    let request = Request::post(format!("/kasus/{}/ubah", desk.id))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &cookie)
        .body(Body::from(body))
        .unwrap();
    let (status, _, meta) = desk.send(request).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{meta}");
    let back = format!("/kasus/{}#isian-hp", desk.id);
    assert!(meta.contains(&format!(";{back};")), "{meta}");
    let (status, page, _) = desk
        .get(&format!("/kasus/{}", desk.id), Some(&cookie))
        .await;
    let page = String::from_utf8_lossy(&page).into_owned();
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Butir &quot;Nomor HP dicantumkan&quot; kini sesuai"),
        "{page}"
    );
    assert!(page.contains("diubah verifikator"));
    let case = desk.case();
    assert_eq!(status_of(&case, "missing_phone"), "ok");
    assert_eq!(
        case.applicant.fields.phone.as_deref(),
        Some("+6281234567890")
    );
    assert!(case.history.iter().any(|e| matches!(
        &e.what,
        EventKind::FieldEdited { field, to, .. } if field == "hp" && to == "+6281234567890"
    )));

    // The applicant answers with the unit only; the phone they once gave wrong stays fixed.
    let follow_up = mail(
        &desk.person,
        &format!("Re: [{}] Permohonan sertifikat elektronik", desk.id),
        "sumber-2@pemohon.test",
        "Unit Kerja: Dinas Komunikasi dan Informatika\r\n",
        None,
    );
    let outcome = deliver(&desk.services, desk.dir.path(), "2.eml", &follow_up).await;
    assert_eq!(outcome, Outcome::FollowUp(desk.id));
    let case = desk.case();
    assert_eq!(
        case.applicant.fields.phone.as_deref(),
        Some("+6281234567890")
    );
    assert_eq!(
        case.applicant.fields.unit.as_deref(),
        Some("Dinas Komunikasi dan Informatika")
    );
    assert_eq!(status_of(&case, "missing_phone"), "ok");
    assert_eq!(
        case.documents.len(),
        1,
        "the KTP, read again with both mails"
    );
    assert!(case.documents[0].sources.contains_key("nik"));
}

#[tokio::test]
async fn a_case_stored_before_documents_were_kept_keeps_its_checklist() {
    let desk = Desk::new().await;
    let before = desk.case();
    desk.services
        .store
        .update(desk.id, clock(), |case: &mut Case| {
            case.documents.clear();
            case.body = None;
            Ok::<_, sertel::case::sop::SopError>(Vec::new())
        })
        .unwrap()
        .unwrap();
    let reply = execute(
        &Command::Edit {
            id: desk.id.to_string(),
            field: "hp".into(),
            value: "081234567890".into(),
            by: "rina".into(),
        },
        &desk.services.desk(),
        clock(),
    );
    assert!(reply.ok, "{}", reply.text);
    assert!(
        reply.text.contains("tidak dijalankan ulang"),
        "{}",
        reply.text
    );
    let case = desk.case();
    assert_eq!(case.checklist, before.checklist);
    assert_eq!(
        case.applicant.fields.phone.as_deref(),
        Some("+6281234567890")
    );
}
