//! SIGINT, SIGTERM and SIGHUP for a run: the first asks the run to stop
//! scheduling work, the second ends it at once.
//!
//! The signal handler only writes the signal number to a pipe (the one
//! thing that is safe in a handler); a thread reads the pipe and calls the
//! run's callback with the signal and how many have arrived, outside any
//! signal context, so the callback may lock, print and exit.

use std::io::Read;
use std::os::fd::FromRawFd;
use std::sync::atomic::{AtomicI32, Ordering};

/// Write end of the self-pipe, for the handler.
static PIPE: AtomicI32 = AtomicI32::new(-1);

/// The signals a run stops on.
pub(crate) const STOP_SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn on_signal(sig: libc::c_int) {
    let fd = PIPE.load(Ordering::Relaxed);
    if fd >= 0 {
        let byte = sig as u8;
        // SAFETY: write(2) is async-signal-safe; the buffer is one valid byte.
        unsafe {
            libc::write(fd, (&byte as *const u8).cast(), 1);
        }
    }
}

/// Installs the handlers; `callback(signal, count)` runs on a thread of
/// its own for each signal received (`count` starts at 1).
pub(crate) fn install(
    mut callback: impl FnMut(libc::c_int, u32) + Send + 'static,
) -> std::io::Result<()> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    PIPE.store(fds[1], Ordering::Relaxed);
    // SAFETY: fds[0] is a new descriptor owned by nothing else.
    let mut reader = unsafe { std::fs::File::from_raw_fd(fds[0]) };
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut count = 0;
            let mut byte = [0u8; 1];
            while reader.read_exact(&mut byte).is_ok() {
                count += 1;
                callback(libc::c_int::from(byte[0]), count);
            }
        })?;
    for sig in STOP_SIGNALS {
        // SAFETY: a zeroed sigaction with a plain handler and an empty
        // mask is valid; `on_signal` only calls write(2).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(sig, &action, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    Ok(())
}

/// Ends the process the way an unhandled `sig` would (after the caller has
/// cleaned up): SIGTERM and SIGHUP kill, as they kill ansible-playbook.
pub(crate) fn die_by(sig: libc::c_int) -> ! {
    // SAFETY: restoring the default disposition and raising a signal.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
    std::process::exit(128 + sig)
}
