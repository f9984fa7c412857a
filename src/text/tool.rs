//! Running a helper program (`pdftoppm`, `pdftotext`) on bytes: input on stdin from its own
//! thread, output from stdout, killed when it runs past its time.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{tool} cannot be started: {source}")]
    Start {
        tool: String,
        source: std::io::Error,
    },
    #[error("{tool} exited with {status}")]
    Failed { tool: String, status: String },
    #[error("{tool} took longer than {secs} s and was stopped")]
    Timeout { tool: String, secs: u64 },
}

pub fn run(tool: &str, args: &[&str], input: &[u8], limit: Duration) -> Result<Vec<u8>, ToolError> {
    let start_err = |source| ToolError::Start {
        tool: tool.to_string(),
        source,
    };
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(start_err)?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    // Written and read from other threads: a big PDF fills the pipe before the tool answers,
    // and a big page fills the other pipe before it exits.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).map(|_| out)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(start_err)? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ToolError::Timeout {
                tool: tool.to_string(),
                secs: limit.as_secs(),
            });
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = writer.join();
    let out = reader
        .join()
        .map_err(|_| ToolError::Failed {
            tool: tool.to_string(),
            status: "a lost output".into(),
        })?
        .map_err(start_err)?;
    if !status.success() {
        return Err(ToolError::Failed {
            tool: tool.to_string(),
            status: status.to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_comes_back_and_a_hang_is_stopped() {
        let out = run("cat", &[], b"halaman", Duration::from_secs(5)).unwrap();
        assert_eq!(out, b"halaman");
        let t = Instant::now();
        let err = run("sleep", &["30"], b"", Duration::from_millis(300)).unwrap_err();
        assert!(matches!(err, ToolError::Timeout { .. }), "{err}");
        assert!(t.elapsed() < Duration::from_secs(5));
        assert!(matches!(
            run("false", &[], b"", Duration::from_secs(5)),
            Err(ToolError::Failed { .. })
        ));
        assert!(matches!(
            run("/nonexistent/tool", &[], b"", Duration::from_secs(5)),
            Err(ToolError::Start { .. })
        ));
    }
}
