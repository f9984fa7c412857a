//! The `sertel` command: staff-facing subcommands over the library, messages in Indonesian.

use std::os::unix::process::CommandExt;
use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod password;
mod serve;

use cli::{Cli, Cmd};
use commands::run;

fn main() -> ExitCode {
    // Everything sertel writes (the database, KTP images, letters, the control socket) is
    // personal data or a key to it: its owner only, whatever umask the caller had.
    // SAFETY: umask has no preconditions and cannot fail.
    unsafe { libc::umask(0o077) };
    let cli = Cli::parse();
    init_logging(matches!(cli.command, Cmd::Run));
    ensure_single_threaded_openmp();
    // glibc gives every thread that allocates its own arena; with OCR on two threads and tokio's
    // workers, freed image buffers then sit in several arenas at once. Two arenas are plenty.
    // SAFETY: mallopt has no preconditions and is called before any other thread exists.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, 2) };
    // Whole images are megabytes each. glibc raises its mmap threshold to the size of every
    // large block freed, after which such blocks are carved from the arenas and stay there; a
    // fixed threshold keeps every whole image in its own mapping, returned when it is freed.
    // Over 100 generated applications: peak RSS 140 → 127 MiB for 2.5% more CPU (at 256 KiB:
    // 112 MiB, but 12% more CPU).
    // SAFETY: as above.
    unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20) };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sertel: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr, which journald keeps under systemd. `RUST_LOG` filters them (default:
/// `info` for the daemon; `warn` for the staff commands, whose answer is their output), and
/// `SERTEL_LOG_FORMAT=json` writes one JSON object per line. Under journald (`JOURNAL_STREAM`)
/// the text has no timestamp of its own.
fn init_logging(daemon: bool) {
    let default = if daemon { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false);
    let json = std::env::var("SERTEL_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    if json {
        builder.json().flatten_event(true).init();
    } else if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().init();
    } else {
        builder.init();
    }
}

/// Debian's libtesseract runs OpenMP threads that make each page about five times slower on a
/// busy machine. libgomp reads OMP_THREAD_LIMIT once, when it is loaded, before `main`; so
/// when it is unset, sertel starts itself again with it set.
fn ensure_single_threaded_openmp() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("OMP_THREAD_LIMIT", "1")
        .exec();
    tracing::warn!(error = %err, "could not re-execute with OMP_THREAD_LIMIT=1; OCR will be slower");
}
