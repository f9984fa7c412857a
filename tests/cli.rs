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
