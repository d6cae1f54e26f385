//! Passwords for `-k`/`-K` and the password files, as ansible-playbook
//! gets them: asked on the terminal (`/dev/tty`, echo off), or read from a
//! file (`-` is stdin; an executable file is run and its output used).
//! Passwords never reach argv, the environment or a file of ours.

use anyhow::{anyhow, bail, Context};
use engine::shell::Secret;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Asks `prompt` on the controlling terminal with echo off; the line typed
/// (without its newline).
///
/// # Errors
/// No terminal to ask on.
pub(crate) fn ask(prompt: &str) -> anyhow::Result<Secret> {
    let mut tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| anyhow!("cannot ask for a password: no terminal (/dev/tty: {e})"))?;
    use std::os::fd::AsRawFd;
    let fd = tty.as_raw_fd();
    // SAFETY: termios is plain data; fd is the open terminal.
    let saved = unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        (libc::tcgetattr(fd, &mut t) == 0).then_some(t)
    };
    if let Some(mut t) = saved {
        t.c_lflag &= !libc::ECHO;
        t.c_lflag |= libc::ECHONL;
        // SAFETY: as above.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &t) };
    }
    tty.write_all(prompt.as_bytes())?;
    tty.flush()?;
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    let read = loop {
        match tty.read(&mut byte) {
            Ok(0) => break Ok(()),
            Ok(_) if byte[0] == b'\n' => break Ok(()),
            Ok(_) => line.push(byte[0]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(e),
        }
    };
    if let Some(t) = saved {
        // SAFETY: restores the settings read above.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &t) };
    }
    read.context("reading the password")?;
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Secret::new(String::from_utf8_lossy(&line).into_owned()))
}

/// ansible-core's `get_password_from_file`.
///
/// # Errors
/// A missing file, a script that fails, an empty password.
pub(crate) fn from_file(path: &Path) -> anyhow::Result<Secret> {
    let shown = path.display();
    let secret: Vec<u8> = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf)?;
        buf
    } else if !path.exists() {
        bail!("The password file {shown} was not found");
    } else if std::fs::metadata(path)?.permissions().mode() & 0o111 != 0 {
        // Ansible takes the flag's path as an absolute one (`unfrack_path`).
        let program = std::env::current_dir()?.join(path);
        let out = std::process::Command::new(program)
            .stdin(std::process::Stdio::null())
            .output()
            .with_context(|| {
                format!(
                    "Problem occurred when trying to run the password script {shown}. If this is \
                     not a script, remove the executable bit from the file."
                )
            })?;
        if !out.status.success() {
            bail!(
                "The password script {shown} returned an error (rc={}): {}",
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        out.stdout
    } else {
        let text = std::fs::read(path)
            .with_context(|| format!("Could not read password file {shown:?}."))?;
        String::from_utf8_lossy(&text).trim().as_bytes().to_vec()
    };
    let text = String::from_utf8_lossy(&secret);
    let text = text.trim_matches(['\r', '\n']);
    if text.is_empty() {
        bail!("Empty password was provided from file ({shown})");
    }
    Ok(Secret::new(text.to_owned()))
}
