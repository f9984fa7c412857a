//! The `sertel` binary as other tools call it: JSON shape, exit codes, one clear line on error.

use std::process::Command;

fn sertel() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sertel"))
}

#[test]
fn inspect_json_has_the_promised_shape() {
    let out = sertel()
        .args(["inspect", "--json", "samples/001.eml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "message_id",
        "from",
        "subject",
        "applicant",
        "documents",
        "checklist",
        "problems",
        "complete",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    for key in [
        "name", "nik", "nip", "position", "rank", "unit", "phone", "email",
    ] {
        assert!(v["applicant"].get(key).is_some(), "missing applicant.{key}");
    }
    for item in v["checklist"].as_array().unwrap() {
        let status = item["status"].as_str().unwrap();
        assert!(
            ["ok", "missing", "mismatch", "invalid", "review"].contains(&status),
            "{status}"
        );
        assert!(item["label"].as_str().is_some_and(|l| !l.is_empty()));
    }
    let problems: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(v["complete"].as_bool().unwrap(), problems.is_empty());
    // Unknown values are null, never empty strings.
    fn no_empty_strings(v: &serde_json::Value) {
        match v {
            serde_json::Value::String(s) => assert!(!s.is_empty()),
            serde_json::Value::Array(a) => a.iter().for_each(no_empty_strings),
            serde_json::Value::Object(o) => o.values().for_each(no_empty_strings),
            _ => {}
        }
    }
    no_empty_strings(&v);
}

#[test]
fn inspect_text_is_indonesian() {
    let out = sertel()
        .args(["inspect", "samples/001.eml"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Data pemohon")
            && text.contains("Daftar periksa")
            && text.contains("Kesimpulan")
    );
}

#[test]
fn not_an_email_exits_nonzero_with_one_line() {
    let dir = std::env::temp_dir().join(format!("sertel-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("kosong.eml");
    std::fs::write(&empty, b"").unwrap();
    let pdf = dir.join("bukan.eml");
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n").unwrap();
    for (path, words) in [(&empty, "kosong"), (&pdf, "bukan surel")] {
        let out = sertel().arg("inspect").arg(path).output().unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(words), "{err}");
    }
    let out = sertel()
        .args(["inspect", "/nonexistent/x.eml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tidak dapat dibaca"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn broken_rules_stop_the_command_naming_file_and_line() {
    let dir = std::env::temp_dir().join(format!("sertel-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy("rules/classify.toml", dir.join("classify.toml")).unwrap();
    let broken = std::fs::read_to_string("rules/checklist.toml")
        .unwrap()
        .replace("check = \"phone_given\"", "check = \"phone_givn\"");
    std::fs::write(dir.join("checklist.toml"), &broken).unwrap();
    let line = broken
        .lines()
        .position(|l| l.contains("phone_givn"))
        .unwrap()
        + 1;
    let out = sertel()
        .arg("--rules")
        .arg(&dir)
        .args(["inspect", "samples/001.eml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(&format!("checklist.toml:{line}:")), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn maildir_config(root: &std::path::Path) -> std::path::PathBuf {
    let text = format!(
        r#"
[office]
name = "Dinas Komunikasi dan Informatika Kabupaten Gorontalo"
address = "tte@gorontalokab.go.id"
kadis = {{ name = "Kepala Dinas", email = "kadis@gorontalokab.go.id" }}
verifiers = [{{ name = "Verifikator Satu", email = "verifikator1@gorontalokab.go.id" }}]
[storage]
data_dir = "{root}/data"
[intake]
maildir = "{root}/inbox"
[outbound]
folder = "{root}/outbox"
"#,
        root = root.display()
    );
    let path = root.join("sertel.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_daemon_stops_cleanly_on_sigterm_and_staff_commands_reach_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = maildir_config(dir.path());
    let mut daemon = sertel()
        .arg("--config")
        .arg(&config)
        .arg("run")
        .spawn()
        .unwrap();
    let socket = dir.path().join("data/sertel.sock");
    let start = std::time::Instant::now();
    while !socket.exists() {
        assert!(start.elapsed().as_secs() < 30, "the daemon did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // While the daemon holds the database, staff commands go through its socket.
    let out = sertel()
        .arg("--config")
        .arg(&config)
        .arg("cases")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Belum ada kasus."
    );
    let out = sertel()
        .arg("--config")
        .arg(&config)
        .args(["case", "TTE-2026-0099"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "sertel: Kasus TTE-2026-0099 tidak ditemukan."
    );

    // SAFETY: kill has no memory-safety preconditions; the pid is our own child's.
    assert_eq!(unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) }, 0);
    let stopped = std::time::Instant::now();
    let status = daemon.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(stopped.elapsed().as_secs() < 10);
    assert!(!socket.exists(), "the control socket is removed on exit");

    // With no daemon running, the CLI opens the database itself.
    let out = sertel()
        .arg("--config")
        .arg(&config)
        .args(["dispose", "bukan-nomor", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Nomor kasus tidak dikenal"));
}
