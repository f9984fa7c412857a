//! The `sertel` command: staff-facing subcommands over the library, messages in Indonesian.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use sertel::case::store::CaseStore;
use sertel::classify::DocKind;
use sertel::config::Config;
use sertel::desk::accounts::{Role, hash_password};
use sertel::desk::command::Command;
use sertel::desk::letters::SIGNED_LETTER_LIMIT;
use sertel::desk::reply::Reply;
use sertel::desk::{Desk, Services};
use sertel::inspect::{self, fields_of, render_text};
use sertel::intake::imap::ImapMailbox;
use sertel::intake::maildir::Maildir;
use sertel::outbound::folder::FolderTransport;
use sertel::outbound::smtp::SmtpTransport;
use sertel::parse::FileType;
use sertel::rules::Rules;
use sertel::signature::TrustAnchors;
use sertel::text::ocr::{Ocr, OcrError, TesseractOcr};
use sertel::text::{ReadError, read_bytes};
use sertel::web::{self, WebDesk};
use sertel::{control, daemon};

#[derive(Parser)]
#[command(
    name = "sertel",
    version,
    about = "Meja sertifikat elektronik Dinas Kominfo Kabupaten Gorontalo"
)]
struct Cli {
    /// Folder with checklist.toml and classify.toml (default: ./rules if present, else the
    /// rules built into sertel).
    #[arg(long, global = true, env = "SERTEL_RULES")]
    rules: Option<PathBuf>,
    /// Berkas konfigurasi daemon (lihat samples/sertel.toml).
    #[arg(
        long,
        global = true,
        env = "SERTEL_CONFIG",
        default_value = "/etc/sertel/sertel.toml"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum CaseAction {
    /// Catat tahap BSrE: diajukan, menunggu_aktivasi, disetujui, menunggu_passphrase, terbit.
    Mark {
        state: String,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Susun surat rekomendasi (PDF dan DOCX) dan kirim ke Kadis untuk ditandatangani.
    Draft {
        /// Alasan bila daftar periksa belum lengkap.
        #[arg(long)]
        reason: Option<String>,
        /// Tulis juga salinan surat ke folder ini.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Tulis surat rekomendasi terakhir (PDF dan DOCX) ke folder.
    Letter {
        #[arg(long)]
        out: PathBuf,
    },
    /// Unggah surat yang sudah ditandatangani secara elektronik (PDF dari BSrE eSign).
    Sign {
        file: PathBuf,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Tulis paket unggah BSrE (surat bertanda tangan, KTP, SK, data pemohon) ke folder.
    Package {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum Cmd {
    /// Periksa surel permohonan (.eml) dan tampilkan daftar periksa yang sudah terisi.
    Inspect {
        /// Satu atau beberapa berkas .eml.
        #[arg(required = true)]
        messages: Vec<PathBuf>,
        /// Keluaran JSON (satu objek per berkas, satu baris per objek bila lebih dari satu).
        #[arg(long)]
        json: bool,
    },
    /// Baca satu gambar atau PDF (KTP atau SK) dan tampilkan isian yang terbaca.
    Extract {
        file: PathBuf,
        /// Jenis dokumen; bila tidak diisi, ditentukan dari isinya.
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        #[arg(long)]
        json: bool,
        /// Tampilkan juga teks mentah yang terbaca (teks PDF atau hasil OCR).
        #[arg(long)]
        text: bool,
    },
    /// Jalankan daemon: pantau kotak masuk, buka kasus, kirim balasan (hentikan dengan SIGTERM).
    Run,
    /// Tampilkan satu kasus lengkap dengan riwayatnya, atau jalankan tindakan atas kasus itu.
    Case {
        /// Nomor kasus, mis. TTE-2026-0007.
        id: String,
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: Option<CaseAction>,
    },
    /// Laporan layanan: kasus per status dan unit kerja, waktu per tahap SOP.
    Report {
        /// Tanggal awal (YYYY-MM-DD, WITA), termasuk.
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Tanggal akhir (YYYY-MM-DD, WITA), termasuk.
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Keluaran CSV.
        #[arg(long)]
        csv: bool,
    },
    /// Daftar semua kasus.
    Cases {
        #[arg(long)]
        json: bool,
    },
    /// Disposisikan kasus ke verifikator (langkah 2).
    Dispose {
        id: String,
        /// Nama atau email verifikator.
        verifier: String,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Minta kelengkapan dokumen kepada pemohon, dengan pesan (langkah 3).
    Request {
        id: String,
        #[arg(long)]
        message: String,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Tandai satu butir daftar periksa sudah diperiksa dan sesuai.
    Check {
        id: String,
        /// Id butir, mis. nik_mismatch.
        item: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Tolak permohonan dengan alasan; pemohon diberi tahu.
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Perbaiki satu isian data pemohon (nama, nik, nip, jabatan, pangkat, unit, hp, surel).
    Edit {
        id: String,
        /// Kunci isian: nama, nik, nip, jabatan, pangkat, unit, hp atau surel.
        field: String,
        value: String,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Cadangkan basis data dan berkas ke folder baru (boleh saat daemon berjalan).
    Backup { dir: PathBuf },
    /// Pulihkan cadangan ke folder data yang kosong (daemon harus berhenti).
    Restore { dir: PathBuf },
    /// Ekspor untuk auditor: riwayat setiap kasus dan setiap percobaan masuk meja web.
    ExportAudit {
        /// Tanggal awal (YYYY-MM-DD, WITA), termasuk.
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Tanggal akhir (YYYY-MM-DD, WITA), termasuk.
        #[arg(long)]
        to: Option<NaiveDate>,
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        #[arg(long)]
        json: bool,
    },
    /// Periksa folder data: setiap berkas yang dirujuk kasus ada dan sesuai SHA-256-nya.
    Verify,
    /// Hapus data pribadi kasus (KTP, SK, surel, surat; NIK disamarkan) atas permintaan.
    Erase {
        id: String,
        /// Alasan penghapusan, dicatat pada riwayat.
        #[arg(long)]
        reason: String,
        /// Hapus juga bila kasus masih berjalan.
        #[arg(long)]
        force: bool,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Kelola akun meja web.
    User {
        #[command(subcommand)]
        action: UserCmd,
    },
    /// Buat contoh permohonan sintetis (bukan data orang sungguhan) untuk uji dan tolok ukur.
    Synth {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 12)]
        count: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Buat akun (atau ganti peran dan kata sandinya); kata sandi dibaca dari masukan standar
    /// atau ditanyakan bila dijalankan di terminal.
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Untuk verifikator: nama atau email verifikator kantor ([office] verifiers) yang
        /// memakai akun ini; akun itu hanya menindaklanjuti kasus yang didisposisikan kepadanya.
        #[arg(long)]
        verifikator: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Verifikator,
    Kadis,
    Admin,
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Ktp,
    Sk,
}

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

fn load_rules(dir: Option<&Path>) -> Result<Rules> {
    match dir {
        Some(dir) => Rules::load(dir).context("aturan tidak dapat dimuat"),
        None if Path::new("rules/checklist.toml").exists() => {
            Rules::load(Path::new("rules")).context("aturan tidak dapat dimuat")
        }
        None => Ok(Rules::builtin()),
    }
}

const OCR_MISSING: &str =
    "OCR tesseract (bahasa ind) tidak dapat dijalankan; pasang paket tesseract-ocr-ind";

/// The read-ahead's engines: loaded once each, kept for the daemon's life.
fn tesseract() -> Result<Box<dyn Ocr + Send>, OcrError> {
    Ok(Box::new(TesseractOcr::new("ind")?))
}

fn ocr() -> Result<TesseractOcr> {
    TesseractOcr::new("ind").context(OCR_MISSING)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Cmd::Inspect { messages, json } => {
            let rules = load_rules(cli.rules.as_deref())?;
            let mut engine = ocr()?;
            let today = chrono::Local::now().date_naive();
            let many = messages.len() > 1;
            let mut failed = false;
            for path in &messages {
                let raw = match std::fs::read(path) {
                    Ok(raw) => raw,
                    Err(e) => {
                        eprintln!("sertel: {}: berkas tidak dapat dibaca: {e}", path.display());
                        failed = true;
                        continue;
                    }
                };
                match inspect::inspect(&raw, &rules, &mut engine, today) {
                    Ok(report) if json => println!("{}", serde_json::to_string(&report)?),
                    Ok(report) => {
                        if many {
                            println!("=== {}", path.display());
                        }
                        println!("{}", render_text(&report));
                    }
                    Err(inspect::InspectError::NotAnEmail(e)) => {
                        eprintln!("sertel: {}: {}", path.display(), e.keterangan());
                        failed = true;
                    }
                    Err(e) => bail!("{}: pemeriksaan gagal: {e}", path.display()),
                }
            }
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Cmd::Extract {
            file,
            kind,
            json,
            text,
        } => {
            let rules = load_rules(cli.rules.as_deref())?;
            let data = std::fs::read(&file)
                .with_context(|| format!("{}: berkas tidak dapat dibaca", file.display()))?;
            let file_type = FileType::sniff(&data);
            let mut engine = ocr()?;
            let read = match read_bytes(&data, file_type, &mut engine) {
                Ok(read) => read,
                Err(ReadError::Unreadable(u)) => {
                    eprintln!("sertel: {}: {}", file.display(), u.keterangan());
                    return Ok(ExitCode::from(1));
                }
                Err(ReadError::Ocr(e)) => return Err(e.into()),
            };
            let kind = match kind {
                Some(KindArg::Ktp) => DocKind::Ktp,
                Some(KindArg::Sk) => DocKind::Sk,
                None => {
                    let name = file
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    sertel::classify::classify(&rules.classify, &read.text(), &name).0
                }
            };
            let fields = fields_of(kind, &read);
            if text {
                for line in &read.lines {
                    eprintln!("{:>4.0}% | {}", line.conf * 100.0, line.text);
                }
                if let Some(d) = &read.nik_digits {
                    eprintln!("       NIK dibaca ulang (angka saja): {}", d.digits);
                    if let Some(e) = &d.enlarged {
                        eprintln!(
                            "       NIK dibaca ulang (diperbesar, semua huruf): {} ({:.0}%)",
                            e.digits,
                            e.conf * 100.0
                        );
                    }
                }
            }
            if json {
                let out = serde_json::json!({
                    "kind": kind,
                    "fields": fields.values,
                    "confidence": fields.confidence,
                });
                println!("{out}");
            } else {
                println!("Jenis dokumen: {}", kind.label_id());
                for (key, value) in &fields.values {
                    let v = value.as_deref().unwrap_or("-");
                    println!("  {key:<15} {v} ({:.0}%)", fields.conf(key) * 100.0);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Run => {
            let config = load_config(&cli.config)?;
            let rules = load_rules(cli.rules.as_deref())?;
            let mut engine = TesseractOcr::on_demand("ind").context(OCR_MISSING)?;
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?
                .block_on(daemon_main(config, rules, &mut engine))?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Case {
            id,
            json,
            action: None,
        } => staff(
            &cli.config,
            cli.rules.as_deref(),
            Command::Show { id, json },
        ),
        Cmd::Case {
            id,
            action: Some(CaseAction::Mark { state, by }),
            ..
        } => staff(
            &cli.config,
            cli.rules.as_deref(),
            Command::Mark { id, state, by },
        ),
        Cmd::Case {
            id,
            action: Some(CaseAction::Package { out }),
            ..
        } => staff_files(
            &cli.config,
            cli.rules.as_deref(),
            Command::Package { id },
            &out,
        ),
        Cmd::Case {
            id,
            action: Some(CaseAction::Draft { reason, out, by }),
            ..
        } => {
            let command = Command::Draft { id, reason, by };
            match out {
                Some(out) => staff_files(&cli.config, cli.rules.as_deref(), command, &out),
                None => staff(&cli.config, cli.rules.as_deref(), command),
            }
        }
        Cmd::Case {
            id,
            action: Some(CaseAction::Letter { out }),
            ..
        } => staff_files(
            &cli.config,
            cli.rules.as_deref(),
            Command::Letter { id },
            &out,
        ),
        Cmd::Case {
            id,
            action: Some(CaseAction::Sign { file, by }),
            ..
        } => {
            let size = std::fs::metadata(&file)
                .with_context(|| format!("{}: berkas tidak dapat dibaca", file.display()))?
                .len();
            if size > SIGNED_LETTER_LIMIT as u64 {
                bail!(
                    "{}: berkas lebih dari 20 MB, bukan surat rekomendasi",
                    file.display()
                );
            }
            let pdf = std::fs::read(&file)
                .with_context(|| format!("{}: berkas tidak dapat dibaca", file.display()))?;
            staff(
                &cli.config,
                cli.rules.as_deref(),
                Command::Sign { id, pdf, by },
            )
        }
        Cmd::Report { from, to, csv } => staff(
            &cli.config,
            cli.rules.as_deref(),
            Command::Report { from, to, csv },
        ),
        Cmd::Cases { json } => staff(&cli.config, cli.rules.as_deref(), Command::List { json }),
        Cmd::Dispose { id, verifier, by } => staff(
            &cli.config,
            cli.rules.as_deref(),
            Command::Dispose { id, verifier, by },
        ),
        Cmd::Request { id, message, by } => staff(
            &cli.config,
            cli.rules.as_deref(),
            Command::Request { id, message, by },
        ),
        Cmd::Check { id, item, note, by } => staff(
            &cli.config,
            cli.rules.as_deref(),
            Command::Check { id, item, note, by },
        ),
        Cmd::Backup { dir } => {
            let dir = std::path::absolute(&dir)
                .with_context(|| format!("{}: folder tidak dapat dipakai", dir.display()))?;
            staff(&cli.config, cli.rules.as_deref(), Command::Backup { dir })
        }
        Cmd::Verify => staff(&cli.config, cli.rules.as_deref(), Command::Verify),
        Cmd::ExportAudit {
            from,
            to,
            csv,
            json,
        } => {
            let format = if csv {
                "csv"
            } else if json {
                "json"
            } else {
                "text"
            };
            staff(
                &cli.config,
                cli.rules.as_deref(),
                Command::ExportAudit {
                    from,
                    to,
                    format: format.into(),
                },
            )
        }
        Cmd::Restore { dir } => {
            let config = load_config(&cli.config)?;
            let data = &config.storage.data_dir;
            if std::os::unix::net::UnixStream::connect(control::socket_path(data)).is_ok() {
                bail!("daemon sertel sedang berjalan; hentikan dulu sebelum memulihkan cadangan");
            }
            let m = sertel::case::backup::restore(&dir, data)
                .with_context(|| format!("cadangan {} tidak dipulihkan", dir.display()))?;
            println!(
                "Cadangan {} ({}) dipulihkan ke {}: {} kasus, {} surel di antrean, {} berkas.",
                dir.display(),
                m.created_at
                    .with_timezone(&sertel::calendar::WITA)
                    .format("%d-%m-%Y %H:%M WITA"),
                data.display(),
                m.cases,
                m.outbox,
                m.blobs
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Erase {
            id,
            reason,
            force,
            by,
        } => staff(
            &cli.config,
            cli.rules.as_deref(),
            Command::Erase {
                id,
                reason,
                force,
                by,
            },
        ),
        Cmd::Reject { id, reason, by } => staff(
            &cli.config,
            cli.rules.as_deref(),
            Command::Reject { id, reason, by },
        ),
        Cmd::Edit {
            id,
            field,
            value,
            by,
        } => staff(
            &cli.config,
            cli.rules.as_deref(),
            Command::Edit {
                id,
                field,
                value,
                by,
            },
        ),
        Cmd::User {
            action:
                UserCmd::Add {
                    name,
                    role,
                    verifikator,
                },
        } => {
            let password = read_password()?;
            if password.chars().count() < 10 {
                bail!("kata sandi terlalu pendek: paling sedikit 10 karakter");
            }
            let password_hash =
                hash_password(&password).context("kata sandi tidak dapat di-hash")?;
            let role = match role {
                RoleArg::Verifikator => Role::Verifikator,
                RoleArg::Kadis => Role::Kadis,
                RoleArg::Admin => Role::Admin,
            };
            staff(
                &cli.config,
                cli.rules.as_deref(),
                Command::UserAdd {
                    name,
                    role,
                    password_hash,
                    verifier: verifikator,
                },
            )
        }
        Cmd::Synth { out, count, seed } => {
            std::fs::create_dir_all(&out)
                .with_context(|| format!("{}: folder tidak dapat dibuat", out.display()))?;
            let samples =
                sertel::synth::generate(&out, &sertel::synth::SynthOptions { count, seed })
                    .context("contoh sintetis gagal dibuat")?;
            println!(
                "{} contoh permohonan sintetis dibuat di {}",
                samples.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The new password: asked twice without echo on a terminal, else the first line of stdin.
fn read_password() -> Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let ask = |prompt: &str| -> Result<String> {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        let _echo_off = EchoOff::new();
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        eprintln!();
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    };
    let first = ask("Kata sandi baru: ")?;
    if ask("Ulangi kata sandi: ")? != first {
        bail!("kedua kata sandi tidak sama");
    }
    Ok(first)
}

/// Terminal echo turned off on stdin until dropped.
struct EchoOff(Option<libc::termios>);

impl EchoOff {
    fn new() -> EchoOff {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a termios the call itself filled in.
        unsafe {
            let mut term: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut term) != 0 {
                return EchoOff(None);
            }
            let saved = term;
            term.c_lflag &= !libc::ECHO;
            libc::tcsetattr(0, libc::TCSANOW, &term);
            EchoOff(Some(saved))
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(saved) = &self.0 {
            // SAFETY: restores the settings read in `new`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, saved);
            }
        }
    }
}

fn load_config(path: &Path) -> Result<Config> {
    Config::load(path)
        .with_context(|| format!("konfigurasi {} tidak dapat dipakai", path.display()))
}

fn staff(config: &Path, rules: Option<&Path>, command: Command) -> Result<ExitCode> {
    let reply = submit(config, rules, &command)?;
    Ok(answer(&reply))
}

/// A staff command whose reply carries files, written into `out`.
fn staff_files(
    config: &Path,
    rules: Option<&Path>,
    command: Command,
    out: &Path,
) -> Result<ExitCode> {
    let reply = submit(config, rules, &command)?;
    if reply.ok {
        std::fs::create_dir_all(out)
            .with_context(|| format!("{}: folder tidak dapat dibuat", out.display()))?;
        for file in &reply.files {
            let path = out.join(&file.name);
            std::fs::write(&path, &file.bytes)
                .with_context(|| format!("{}: berkas tidak dapat ditulis", path.display()))?;
        }
    }
    Ok(answer(&reply))
}

fn submit(config: &Path, rules: Option<&Path>, command: &Command) -> Result<Reply> {
    let mut config = load_config(config)?;
    let rules = load_rules(rules)?;
    config.standards.calendar = rules.calendar.clone();
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(control::submit(command, &config, &rules)))
}

fn answer(reply: &Reply) -> ExitCode {
    if reply.ok {
        println!("{}", reply.text);
        ExitCode::SUCCESS
    } else {
        eprintln!("sertel: {}", reply.text);
        ExitCode::from(1)
    }
}

async fn daemon_main(mut config: Config, rules: Rules, engine: &mut TesseractOcr) -> Result<()> {
    // The standards count in the office hours of the rules folder's calendar.
    config.standards.calendar = rules.calendar.clone();
    std::fs::create_dir_all(&config.storage.data_dir).with_context(|| {
        format!(
            "folder data {} tidak dapat dibuat",
            config.storage.data_dir.display()
        )
    })?;
    let store =
        CaseStore::open(&config.storage.data_dir).context("basis data kasus tidak dapat dibuka")?;
    let anchors = TrustAnchors::from_pem_files(&config.signing.trust_anchors)
        .context("sertifikat CA tepercaya pada [signing] tidak dapat dibaca")?;
    let services = Arc::new(Services {
        config,
        rules,
        store,
        anchors,
    });
    let socket = control::socket_path(&services.config.storage.data_dir);
    // A socket left by a killed daemon would refuse the bind; the store's lock already
    // guarantees no other daemon uses this data directory.
    let _ = std::fs::remove_file(&socket);
    let listener = tokio::net::UnixListener::bind(&socket)
        .with_context(|| format!("soket kendali {} tidak dapat dibuat", socket.display()))?;
    let mail_waiting = Arc::new(tokio::sync::Notify::new());
    let control = tokio::spawn(control::serve(
        listener,
        services.clone(),
        mail_waiting.clone(),
    ));
    let web = match &services.config.web {
        Some(web_config) => {
            let listener = web::bind(web_config).await?;
            let desk = WebDesk::new(services.clone(), mail_waiting.clone(), chrono::Utc::now)
                .context("meja web tidak dapat disiapkan")?;
            tracing::info!(listen = %web_config.listen, "web desk listening");
            Some(tokio::spawn(web::serve(listener, Arc::new(desk))))
        }
        None => None,
    };

    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("stopping after the mail in hand");
        let _ = stop_tx.send(true);
    });

    let desk = services.desk();
    let config = desk.config;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        data = %config.storage.data_dir.display(),
        intake = if config.intake.imap.is_some() { "imap" } else { "maildir" },
        outbound = if config.outbound.smtp.is_some() { "smtp" } else { "folder" },
        verifiers = config.office.verifiers.len(),
        auto_assign = config.office.auto_assign,
        web = config.web.as_ref().map(|w| w.listen.to_string()).unwrap_or_default(),
        trust_anchors = desk.anchors.subjects().len(),
        "sertel daemon started"
    );
    let result = match (&config.intake.imap, &config.intake.maildir) {
        (Some(imap), _) => {
            let imap = imap.clone();
            let connect = async move || ImapMailbox::connect(&imap).await;
            with_transport(&desk, connect, engine, stop, mail_waiting).await
        }
        (None, Some(dir)) => {
            let dir = dir.clone();
            let connect = async move || Maildir::open(&dir);
            with_transport(&desk, connect, engine, stop, mail_waiting).await
        }
        (None, None) => bail!("[intake] tidak berisi imap maupun maildir"),
    };
    control.abort();
    if let Some(web) = web {
        web.abort();
    }
    let _ = std::fs::remove_file(&socket);
    result
}

async fn with_transport<M, C>(
    desk: &Desk<'_>,
    connect: C,
    engine: &mut TesseractOcr,
    stop: tokio::sync::watch::Receiver<bool>,
    mail_waiting: Arc<tokio::sync::Notify>,
) -> Result<()>
where
    M: sertel::intake::Mailbox,
    C: AsyncFnMut() -> Result<M, sertel::intake::IntakeError>,
{
    let outbound = &desk.config.outbound;
    match (&outbound.smtp, &outbound.folder) {
        (Some(smtp), _) => {
            let transport =
                SmtpTransport::new(smtp).context("pengaturan SMTP tidak dapat dipakai")?;
            daemon::run(
                desk,
                connect,
                transport,
                engine,
                &tesseract,
                stop,
                mail_waiting,
            )
            .await?
        }
        (None, Some(dir)) => {
            let transport = FolderTransport::new(dir).with_context(|| {
                format!("folder surat keluar {} tidak dapat dibuat", dir.display())
            })?;
            daemon::run(
                desk,
                connect,
                transport,
                engine,
                &tesseract,
                stop,
                mail_waiting,
            )
            .await?
        }
        (None, None) => bail!("[outbound] tidak berisi smtp maupun folder"),
    }
    Ok(())
}
