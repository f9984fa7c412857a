//! The daemon's figures against real Dovecot and Postfix on 127.0.0.1: acknowledgement latency
//! (SMTP accept to the ack in the applicant's mailbox, IDLE on, one at a time), and a burst of
//! generated applications with KTP images (time until every case and ack exists, peak RSS).
//! `cargo bench --bench daemon`; SERTEL_BENCH_ACKS and SERTEL_BENCH_BURST set the sizes
//! (default 30 and 200). Needs root, like the mail servers.

// The bench uses only part of the test harness.
#[allow(dead_code)]
#[path = "../tests/it/common/mailservers.rs"]
mod mailservers;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mailservers::MailServers;
use sertel::synth::{self, SynthOptions};

/// The burst's mails come from these test mailboxes in turn, so their acks can be counted.
const APPLICANTS: usize = 5;

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn start(config: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sertel"))
        .arg("--config")
        .arg(config)
        .arg("run")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// User plus system CPU seconds the process has used so far.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces; the fields after it are plain numbers.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn case_count(config: &Path) -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_sertel"))
        .arg("--config")
        .arg(config)
        .args(["cases", "--json"])
        .output()
        .unwrap();
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).map_or(0, |v| v.len())
}

/// The sample with its sender replaced by one of the test server's applicants.
fn as_sent_by(raw: &[u8], from: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    let mut in_headers = true;
    let mut in_from = false;
    for line in text.split_inclusive('\n') {
        if in_headers && line.trim_end().is_empty() {
            in_headers = false;
        }
        // A long From header is folded over several lines; all of them are replaced.
        let continued = line.starts_with([' ', '\t']);
        if in_headers && (line.to_ascii_lowercase().starts_with("from:") || in_from && continued) {
            if !in_from {
                out.push_str(&format!("From: {from}\r\n"));
            }
            in_from = true;
        } else {
            in_from = false;
            out.push_str(line);
        }
    }
    out.into_bytes()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let config = servers.write_sertel_config(work.path(), 100_000);
    let d = servers.domain.clone();
    let inbox = format!("tte@{d}");

    println!("== Acknowledgement latency (text-only application, IDLE on, one at a time)");
    let mut daemon = start(&config);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let n = env_usize("SERTEL_BENCH_ACKS", 30);
    let applicant = servers.address("pemohon1");
    let mut latencies = Vec::new();
    for i in 0..n {
        let raw = format!(
            "From: {applicant}\r\nTo: {inbox}\r\nSubject: Permohonan TTE\r\nMessage-ID: <lat-{i}@bench>\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nNama : Rahmat Hasan Lamato\r\n\
             NIK : 75020112038{:05}\r\nNIP : 19850312 201001 1 003\r\nNo. HP : 081234567890\r\n",
            i + 1
        );
        let t = Instant::now();
        servers.send(raw.as_bytes(), &applicant, &[&inbox]).await;
        servers
            .wait_for("pemohon1", "INBOX", i + 1, Duration::from_secs(60))
            .await;
        latencies.push(t.elapsed().as_secs_f64());
    }
    println!(
        "{n} applications: p50 {:.2} s, p95 {:.2} s, max {:.2} s",
        percentile(&mut latencies, 0.5),
        percentile(&mut latencies, 0.95),
        percentile(&mut latencies, 1.0)
    );
    daemon.kill().unwrap();
    daemon.wait().unwrap();

    let burst = env_usize("SERTEL_BENCH_BURST", 200);
    println!("\n== Burst: {burst} generated applications with KTP images waiting in the inbox");
    let samples = work.path().join("burst");
    std::fs::create_dir_all(&samples).unwrap();
    synth::generate(
        &samples,
        &SynthOptions {
            count: burst,
            seed: 2026,
            family: synth::Family::Desk,
        },
    )
    .unwrap();
    let mut emls: Vec<_> = std::fs::read_dir(&samples)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    emls.sort();
    let mut already = 0;
    for k in 1..=APPLICANTS {
        already += servers
            .fetch_all(&format!("pemohon{k}"), "INBOX")
            .await
            .len();
    }
    for (i, path) in emls.iter().enumerate() {
        let from = servers.address(&format!("pemohon{}", i % APPLICANTS + 1));
        let raw = as_sent_by(&std::fs::read(path).unwrap(), &from);
        servers.send(&raw, &from, &[&inbox]).await;
    }
    servers
        .wait_for("tte", "INBOX", burst, Duration::from_secs(300))
        .await;
    let t = Instant::now();
    let daemon = start(&config);
    let pid = daemon.id();
    let mut daemon = daemon;
    let mut peak = 0.0f64;
    loop {
        peak = peak.max(peak_rss_mib(pid));
        let waiting = servers.count("tte", "INBOX").await;
        if waiting == 0 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(900),
            "{waiting} still waiting after 15 min"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let all_cases = t.elapsed().as_secs_f64();
    loop {
        peak = peak.max(peak_rss_mib(pid));
        let mut acks = 0;
        for k in 1..=APPLICANTS {
            acks += servers
                .fetch_all(&format!("pemohon{k}"), "INBOX")
                .await
                .len();
        }
        if acks >= already + burst {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(900),
            "only {} acks",
            acks - already
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let all_acks = t.elapsed().as_secs_f64();
    peak = peak.max(peak_rss_mib(pid));
    let cpu = cpu_seconds(pid);
    println!(
        "inbox empty (every case stored) after {all_cases:.1} s, every ack delivered after \
         {all_acks:.1} s ({:.2} s per application); {} cases; daemon peak RSS {peak:.1} MiB; \
         daemon CPU {cpu:.1} s ({:.2} s per application)",
        all_acks / burst as f64,
        case_count(&config),
        cpu / burst as f64
    );
    daemon.kill().unwrap();
    daemon.wait().unwrap();
}
