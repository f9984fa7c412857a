//! The web desk under a crowd, served over real TCP on 127.0.0.1: the peak memory of 48
//! concurrent logins (argon2 takes ~15 MB each), how `/healthz` answers while 200 case pages
//! are viewed at once, and 50 concurrent views of one scanned PDF page. Prints figures;
//! `cargo bench --bench attack`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use sertel::applicant::ApplicantFields;
use sertel::case::store::{CaseStore, MailKey, sha256_hex};
use sertel::case::{ApplicantRecord, Case, MailRole, StoredAttachment, StoredMail};
use sertel::config::Config;
use sertel::desk::Services;
use sertel::desk::accounts::{Role, hash_password};
use sertel::desk::command::{Command, execute};
use sertel::parse::parse_mail;
use sertel::rules::Rules;
use sertel::signature::Policy;
use sertel::web::WebDesk;
use tokio::net::TcpListener;

#[path = "../tests/it/common/http.rs"]
mod http;
use http::{get, login};

const PASSWORD: &str = "sandi-uji-panjang";
const LOGINS: usize = 48;
const VIEWS: usize = 200;
const PREVIEWS: usize = 50;

fn config(root: &Path) -> Config {
    let text = format!(
        r#"
[office]
name = "Dinas Komunikasi dan Informatika Kabupaten Gorontalo"
address = "tte@gorontalokab.go.id"
kadis = {{ name = "Kepala Dinas", email = "kadis@gorontalokab.go.id" }}
verifiers = [{{ name = "Verifikator Satu", email = "verifikator1@gorontalokab.go.id" }}]
[storage]
data_dir = "{data}"
[intake]
maildir = "{root}/inbox"
[outbound]
folder = "{root}/outbox"
[web]
listen = "127.0.0.1:0"
login_attempts = 5
"#,
        data = root.join("data").display(),
        root = root.display(),
    );
    Config::parse(&text, Path::new("bench.toml")).unwrap()
}

/// The peak resident set of this process so far, in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// A case holding sample 002's scanned SK as its one attachment.
fn seed(store: &CaseStore) -> String {
    let raw = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/002.eml")).unwrap();
    let pdf = parse_mail(&raw)
        .unwrap()
        .attachments
        .into_iter()
        .find(|a| a.filename.ends_with(".pdf"))
        .unwrap()
        .data;
    let attachment = StoredAttachment {
        filename: "sk.pdf".into(),
        kind: "sk".into(),
        file_type: "pdf".into(),
        size: pdf.len() as u64,
        sha256: sha256_hex(&pdf),
        mail: Some("bench@x".into()),
    };
    let key = MailKey::new(None, Some("bench@x".into()), &raw);
    let now = Utc::now();
    let sha = key.sha256.clone();
    store
        .open_case(&key, &raw, &[(attachment.clone(), pdf)], now, |id| {
            let applicant = ApplicantRecord {
                reply_to: "pemohon@gorontalokab.go.id".into(),
                fields: ApplicantFields {
                    name: Some("Pemohon Sintetis".into()),
                    ..Default::default()
                },
            };
            let mut case = Case::new(id, now, applicant, None);
            case.mails.push(StoredMail {
                sha256: sha.clone(),
                message_id: Some("bench@x".into()),
                from: Some("pemohon@gorontalokab.go.id".into()),
                subject: None,
                received_at: now,
                role: MailRole::Application,
            });
            case.attachments = vec![attachment.clone()];
            (case, Vec::new())
        })
        .unwrap()
        .to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // The allocator settings of the sertel binary (see its main): without them glibc keeps
    // each thread's freed argon2 blocks in that thread's arena, and the figure would measure
    // this bench's allocator, not the daemon.
    // SAFETY: mallopt has no preconditions; no other thread allocates yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let store = CaseStore::open(&config.storage.data_dir).unwrap();
    let services = Arc::new(Services {
        config,
        rules: Rules::builtin(),
        store: store.clone(),
        signing: Policy::untrusting(),
    });
    let hash = hash_password(PASSWORD).unwrap();
    for n in 0..LOGINS {
        let reply = execute(
            &Command::UserAdd {
                name: format!("staf{n}"),
                role: Role::Admin,
                password_hash: hash.clone(),
                verifier: None,
            },
            &services.desk(),
            Utc::now(),
        );
        assert!(reply.ok, "{}", reply.text);
    }
    let id = seed(&store);
    let web = WebDesk::new(
        services.clone(),
        Arc::new(tokio::sync::Notify::new()),
        Utc::now,
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(sertel::web::serve(listener, Arc::new(web)));

    // 1. Concurrent logins, each of its own account, so that every one is checked.
    let before = peak_rss_mib();
    let started = Instant::now();
    let logins: Vec<_> = (0..LOGINS)
        .map(|n| tokio::spawn(async move { login(port, &format!("staf{n}"), PASSWORD).await }))
        .collect();
    let mut statuses = Vec::new();
    let mut cookie = String::new();
    for l in logins {
        let (status, c) = l.await.unwrap();
        if status == 303 && cookie.is_empty() {
            cookie = c;
        }
        statuses.push(status);
    }
    let ok = statuses.iter().filter(|s| **s == 303).count();
    let busy = statuses.iter().filter(|s| **s == 503).count();
    println!(
        "{LOGINS} concurrent logins: {ok} in, {busy} answered busy (503), {:.2} s; peak RSS {before:.0} -> {:.0} MiB",
        started.elapsed().as_secs_f64(),
        peak_rss_mib()
    );

    // 2. /healthz while 200 case pages are viewed at once.
    let path = format!("/kasus/{id}");
    let views: Vec<_> = (0..VIEWS)
        .map(|_| {
            let (path, cookie) = (path.clone(), cookie.clone());
            tokio::spawn(async move { get(port, &path, &cookie).await })
        })
        .collect();
    let mut health = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        assert_eq!(get(port, "/healthz", "").await, 200);
        health.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let started = Instant::now();
    for v in views {
        assert_eq!(v.await.unwrap(), 200);
    }
    health.sort();
    println!(
        "/healthz during {VIEWS} concurrent case pages: p50 {:.1} ms, max {:.1} ms (pages done {:.2} s after)",
        percentile(&health, 0.5).as_secs_f64() * 1000.0,
        health.last().unwrap().as_secs_f64() * 1000.0,
        started.elapsed().as_secs_f64()
    );

    // 3. One scanned PDF page viewed 50 times at once: rendered once, served from the cache.
    let page = format!("/kasus/{id}/lampiran/0/gambar");
    let started = Instant::now();
    let first = get(port, &page, &cookie).await;
    let one = started.elapsed();
    let started = Instant::now();
    let previews: Vec<_> = (0..PREVIEWS)
        .map(|_| {
            let (page, cookie) = (page.clone(), cookie.clone());
            tokio::spawn(async move { get(port, &page, &cookie).await })
        })
        .collect();
    for p in previews {
        assert_eq!(p.await.unwrap(), 200);
    }
    println!(
        "PDF page picture: first view {:.0} ms (status {first}), then {PREVIEWS} concurrent views in {:.0} ms",
        one.as_secs_f64() * 1000.0,
        started.elapsed().as_secs_f64() * 1000.0
    );
}
