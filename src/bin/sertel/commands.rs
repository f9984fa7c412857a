//! Every subcommand but `run`: what it reads, which staff command it sends, how the answer is
//! shown.

use super::cli::*;
use super::password::*;
use super::serve::*;
use anyhow::{Context, Result, bail};
use sertel::classify::DocKind;
use sertel::config::Config;
use sertel::control;
use sertel::desk::accounts::{Role, hash_password};
use sertel::desk::command::Command;
use sertel::desk::letters::SIGNED_LETTER_LIMIT;
use sertel::desk::reply::Reply;
use sertel::inspect::{self, fields_of, render_text};
use sertel::parse::FileType;
use sertel::rules::Rules;
use sertel::text::ocr::TesseractOcr;
use sertel::text::{ReadError, read_bytes};
use std::path::Path;
use std::process::ExitCode;

pub(super) fn load_rules(dir: Option<&Path>) -> Result<Rules> {
    match dir {
        Some(dir) => Rules::load(dir).context("aturan tidak dapat dimuat"),
        None if Path::new("rules/checklist.toml").exists() => {
            Rules::load(Path::new("rules")).context("aturan tidak dapat dimuat")
        }
        None => Ok(Rules::builtin()),
    }
}

pub(super) const OCR_MISSING: &str =
    "OCR tesseract (bahasa ind) tidak dapat dijalankan; pasang paket tesseract-ocr-ind";

pub(super) fn ocr() -> Result<TesseractOcr> {
    TesseractOcr::new("ind").context(OCR_MISSING)
}

pub(super) fn run(cli: Cli) -> Result<ExitCode> {
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
        #[cfg(feature = "synth")]
        Cmd::Synth {
            out,
            count,
            seed,
            family,
        } => {
            std::fs::create_dir_all(&out)
                .with_context(|| format!("{}: folder tidak dapat dibuat", out.display()))?;
            let family = sertel::synth::Family::parse(&family)
                .context("keluarga gaya harus desk atau office")?;
            let options = sertel::synth::SynthOptions {
                count,
                seed,
                family,
            };
            let samples =
                sertel::synth::generate(&out, &options).context("contoh sintetis gagal dibuat")?;
            println!(
                "{} contoh permohonan sintetis dibuat di {}",
                samples.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(super) fn load_config(path: &Path) -> Result<Config> {
    Config::load(path)
        .with_context(|| format!("konfigurasi {} tidak dapat dipakai", path.display()))
}

pub(super) fn staff(config: &Path, rules: Option<&Path>, command: Command) -> Result<ExitCode> {
    let reply = submit(config, rules, &command)?;
    Ok(answer(&reply))
}

/// A staff command whose reply carries files, written into `out`.
pub(super) fn staff_files(
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

pub(super) fn submit(config: &Path, rules: Option<&Path>, command: &Command) -> Result<Reply> {
    let mut config = load_config(config)?;
    let rules = load_rules(rules)?;
    config.standards.calendar = rules.calendar.clone();
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(control::submit(command, &config, &rules)))
}

pub(super) fn answer(reply: &Reply) -> ExitCode {
    if reply.ok {
        println!("{}", reply.text);
        ExitCode::SUCCESS
    } else {
        eprintln!("sertel: {}", reply.text);
        ExitCode::from(1)
    }
}
