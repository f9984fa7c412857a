//! The `sertel` command: staff-facing subcommands over the library, messages in Indonesian.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use sertel::classify::DocKind;
use sertel::inspect::{self, fields_of, render_text};
use sertel::parse::FileType;
use sertel::rules::Rules;
use sertel::text::ocr::TesseractOcr;
use sertel::text::{ReadError, read_bytes};

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
    #[command(subcommand)]
    command: Cmd,
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

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Ktp,
    Sk,
}

fn main() -> ExitCode {
    ensure_single_threaded_openmp();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sertel: {e:#}");
            ExitCode::from(2)
        }
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
    let err = Command::new(exe)
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

fn ocr() -> Result<TesseractOcr> {
    TesseractOcr::new("ind").context(
        "OCR tesseract (bahasa ind) tidak dapat dijalankan; pasang paket tesseract-ocr-ind",
    )
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
