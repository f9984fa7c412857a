//! Reading a password from the terminal without echoing it.

use anyhow::{Result, bail};

/// The new password: asked twice without echo on a terminal, else the first line of stdin.
pub(super) fn read_password() -> Result<String> {
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
pub(super) struct EchoOff(Option<libc::termios>);

impl EchoOff {
    pub(super) fn new() -> EchoOff {
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
