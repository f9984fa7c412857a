//! Runs `sertel inspect --json` on every file under the given folders, one process each, and
//! reports crashes, hangs (over 10 s) and peak memory. A clean refusal ("not an email", exit 1)
//! is a correct answer, not a failure.
//!
//! cargo build --release && cargo run --release --example robustness -- ../shared/realmail/msgs

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, PartialEq)]
enum Outcome {
    Inspected,
    Refused,
    Error(i32),
    Panic,
    Signal(i32),
    Timeout,
}

struct Run {
    path: PathBuf,
    outcome: Outcome,
    secs: f64,
    max_rss_kib: i64,
}

fn files(path: &Path, out: &mut Vec<PathBuf>) {
    match std::fs::read_dir(path) {
        Ok(entries) => entries.flatten().for_each(|e| files(&e.path(), out)),
        Err(_) => out.push(path.to_path_buf()),
    }
}

// The child is reaped with wait4, which std cannot do, to get its peak RSS.
#[allow(clippy::zombie_processes)]
fn run_one(exe: &Path, path: &Path) -> Run {
    let start = Instant::now();
    let child = Command::new(exe)
        .args(["inspect", "--json"])
        .arg(path)
        .env("OMP_THREAD_LIMIT", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sertel");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid value; wait4 only writes to it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    // wait4 reports this child's own peak RSS, which std's Child::wait does not.
    loop {
        // SAFETY: pid is our child; status and usage point to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        if start.elapsed() > TIMEOUT && !timed_out {
            timed_out = true;
            // SAFETY: signalling our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let outcome = if timed_out {
        Outcome::Timeout
    } else if libc::WIFSIGNALED(status) {
        Outcome::Signal(libc::WTERMSIG(status))
    } else {
        match libc::WEXITSTATUS(status) {
            0 => Outcome::Inspected,
            1 => Outcome::Refused,
            101 => Outcome::Panic,
            c => Outcome::Error(c),
        }
    };
    Run {
        path: path.to_path_buf(),
        outcome,
        secs: start.elapsed().as_secs_f64(),
        max_rss_kib: usage.ru_maxrss,
    }
}

fn main() {
    let roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if roots.is_empty() {
        eprintln!("usage: robustness DIR_OR_FILE...");
        std::process::exit(2);
    }
    let exe = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("sertel");
    assert!(
        exe.exists(),
        "build the release binary first: {}",
        exe.display()
    );
    let mut paths = Vec::new();
    roots.iter().for_each(|r| files(r, &mut paths));
    paths.sort();
    let runs: Vec<Run> = paths.iter().map(|p| run_one(&exe, p)).collect();
    let count = |f: &dyn Fn(&Outcome) -> bool| runs.iter().filter(|r| f(&r.outcome)).count();
    let slowest = runs
        .iter()
        .max_by(|a, b| a.secs.total_cmp(&b.secs))
        .expect("no files");
    let hungriest = runs.iter().max_by_key(|r| r.max_rss_kib).expect("no files");
    let mut secs: Vec<f64> = runs.iter().map(|r| r.secs).collect();
    secs.sort_by(f64::total_cmp);
    println!("files: {}", runs.len());
    println!("inspected: {}", count(&|o| *o == Outcome::Inspected));
    println!(
        "refused as not an email: {}",
        count(&|o| *o == Outcome::Refused)
    );
    println!(
        "other errors: {}",
        count(&|o| matches!(o, Outcome::Error(_)))
    );
    println!("panics: {}", count(&|o| *o == Outcome::Panic));
    println!(
        "crashes (signals): {}",
        count(&|o| matches!(o, Outcome::Signal(_)))
    );
    println!(
        "hangs (> {} s): {}",
        TIMEOUT.as_secs(),
        count(&|o| *o == Outcome::Timeout)
    );
    println!(
        "time per file: median {:.3} s, slowest {:.2} s ({})",
        secs[secs.len() / 2],
        slowest.secs,
        slowest.path.display()
    );
    println!(
        "peak RSS: {:.1} MiB ({})",
        hungriest.max_rss_kib as f64 / 1024.0,
        hungriest.path.display()
    );
    for r in runs
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Inspected | Outcome::Refused))
    {
        println!("FAIL {:?} {}", r.outcome, r.path.display());
    }
    let bad = count(&|o| !matches!(o, Outcome::Inspected | Outcome::Refused));
    println!("{} passed, {} failed", runs.len() - bad, bad);
    std::process::exit(i32::from(bad > 0));
}
