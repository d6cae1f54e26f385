//! The variables ansible-core's `template` action (and `lookup('template')`)
//! gives a template besides the task's: where it is, who owns it, when it
//! changed and was rendered, and `ansible_managed`.

use crate::value::Value;

/// The variables ansible-core's `template` action and lookup add for the
/// template at `full` (`src` as written; `dest`, the action's only): `template_host` (the controller's node
/// name), `template_path`, `template_fullpath`, `template_destpath`,
/// `template_uid` (the file's owner), `template_mtime` and
/// `template_run_date` (Python `datetime`s, here as the text `str()` gives
/// them), and `ansible_managed` (the default `Ansible managed`; a value
/// the play sets is kept).
pub(crate) fn template_vars(
    src: &str,
    full: &std::path::Path,
    dest: Option<&str>,
) -> Vec<(&'static str, Value)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(full).ok();
    let when = |secs: i64, nanos: i64| {
        let micros = (nanos / 1000) as u32;
        let base = crate::template::strftime("%Y-%m-%d %H:%M:%S", secs, micros, false);
        Value::Str(match micros {
            0 => base,
            m => format!("{base}.{m:06}"),
        })
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let host = node_name();
    let mut out = vec![
        ("template_host", Value::Str(host)),
        ("template_path", Value::Str(src.to_owned())),
        ("template_fullpath", Value::Str(full.display().to_string())),
        (
            "template_destpath",
            dest.map_or(Value::Null, |d| Value::Str(d.to_owned())),
        ),
        (
            "template_run_date",
            when(now.as_secs() as i64, i64::from(now.subsec_nanos())),
        ),
        ("ansible_managed", Value::Str("Ansible managed".into())),
    ];
    if let Some(m) = meta {
        out.push(("template_mtime", when(m.mtime(), m.mtime_nsec())));
        let uid = m.uid();
        out.push((
            "template_uid",
            match user_name(uid) {
                Some(name) => Value::Str(name),
                None => Value::Int(i64::from(uid)),
            },
        ));
    }
    out
}

/// `os.uname()[1]`.
fn node_name() -> String {
    // SAFETY: `uname` fills the plain-data struct it is given.
    unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut u) != 0 {
            return String::new();
        }
        std::ffi::CStr::from_ptr(u.nodename.as_ptr())
            .to_string_lossy()
            .into_owned()
    }
}

/// The name of user `uid` in the password database.
fn user_name(uid: u32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: `pw` and `buf` outlive the call, which writes at most
    // `buf.len()` bytes into `buf` and points `found` at `pw` or null.
    unsafe {
        let mut pw: libc::passwd = std::mem::zeroed();
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut found);
        if rc != 0 || found.is_null() || pw.pw_name.is_null() {
            return None;
        }
        Some(
            std::ffi::CStr::from_ptr(pw.pw_name)
                .to_string_lossy()
                .into_owned(),
        )
    }
}
