//! The web desk's queue page with 1,000 cases: time to render it (the median of 20 renders,
//! with the filters off and with a search) and its weight in bytes. `cargo bench --bench web`.

use std::path::Path;
use std::time::Instant;

use chrono::{TimeDelta, TimeZone, Utc};
use sertel::applicant::ApplicantFields;
use sertel::case::{Actor, ApplicantRecord, Case, CaseId, State};
use sertel::config::Config;
use sertel::desk::accounts::{Role, Session};
use sertel::web::pages::{QueueFilter, QueuePage};

const CASES: u32 = 1000;

fn config() -> Config {
    let text = r#"
[office]
name = "Dinas Komunikasi dan Informatika Kabupaten Gorontalo"
address = "tte@gorontalokab.go.id"
kadis = { name = "Kepala Dinas", email = "kadis@gorontalokab.go.id" }
verifiers = [
  { name = "Verifikator Satu", email = "verifikator1@gorontalokab.go.id" },
  { name = "Verifikator Dua", email = "verifikator2@gorontalokab.go.id" },
]
[storage]
data_dir = "/nonexistent"
[intake]
maildir = "/nonexistent/inbox"
[outbound]
folder = "/nonexistent/outbox"
"#;
    Config::parse(text, Path::new("bench.toml")).unwrap()
}

/// Synthetic cases spread over the states, every third one past its time standard.
fn cases() -> Vec<Case> {
    let start = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
    let units = [
        "Dinas Kesehatan",
        "Dinas Pendidikan",
        "BKPSDM",
        "Bappeda",
        "Sekretariat Daerah",
    ];
    (1..=CASES)
        .map(|seq| {
            let opened = start + TimeDelta::minutes(i64::from(seq) * 29);
            let applicant = ApplicantRecord {
                reply_to: format!("pemohon{seq}@gorontalokab.go.id"),
                fields: ApplicantFields {
                    name: Some(format!("Pemohon Sintetis Nomor {seq}")),
                    nik: Some(format!("7502{:012}", u64::from(seq) * 7_919)),
                    unit: Some(units[seq as usize % units.len()].to_string()),
                    ..Default::default()
                },
            };
            let mut case = Case::new(CaseId { year: 2026, seq }, opened, applicant, None);
            let staff = Actor::Staff("kadis".into());
            if seq % 4 != 0 {
                let verifier = format!("verifikator{}@gorontalokab.go.id", seq % 2 + 1);
                case.assign(&verifier, staff.clone(), opened + TimeDelta::minutes(10));
            }
            if seq % 4 == 2 {
                let _ = case.transition(
                    State::Verifikasi,
                    staff.clone(),
                    opened + TimeDelta::minutes(20),
                    None,
                );
            }
            if seq % 8 == 3 {
                let _ = case.transition(
                    State::Ditolak,
                    staff,
                    opened + TimeDelta::minutes(30),
                    Some("uji".into()),
                );
            }
            case
        })
        .collect()
}

fn median_ms(filter: &QueueFilter, cases: &[Case], config: &Config) -> (f64, usize) {
    let session = Session {
        name: "rina".into(),
        role: Role::Verifikator,
        csrf: "0".repeat(64),
        expires: Utc::now(),
        started: Utc::now(),
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap();
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..20 {
        let started = Instant::now();
        let page = QueuePage {
            session: &session,
            me: None,
            config,
            banner: None,
            now,
        }
        .render(cases, filter)
        .into_string();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        bytes = page.len();
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], bytes)
}

fn main() {
    let config = config();
    let cases = cases();
    let all = QueueFilter {
        lihat: Some("semua".into()),
        ..QueueFilter::default()
    };
    let (ms, bytes) = median_ms(&all, &cases, &config);
    println!("queue, {CASES} cases, all shown: {ms:.2} ms median render, {bytes} bytes");
    let search = QueueFilter {
        q: Some("nomor 99".into()),
        ..QueueFilter::default()
    };
    let (ms, bytes) = median_ms(&search, &cases, &config);
    println!("queue, {CASES} cases, searched: {ms:.2} ms median render, {bytes} bytes");
}
