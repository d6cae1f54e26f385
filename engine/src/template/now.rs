//! `now(utc=False, fmt=None)`: ansible-core's global function giving the
//! controller's current time. With `fmt` it is Python's `strftime` text
//! (`%f`, microseconds, included); without, ansible-core gives a `datetime`
//! object, which konvoy-image has no value for: that call fails, saying so.

use minijinja::{Error, ErrorKind};
use std::time::{SystemTime, UNIX_EPOCH};

/// The global function: `utc` and `fmt` by position or by name, as
/// Python binds them (each at most once).
pub(crate) fn now(
    utc: Option<bool>,
    fmt: Option<String>,
    kwargs: minijinja::value::Kwargs,
) -> Result<String, Error> {
    let twice = |name: &str| {
        Error::new(
            ErrorKind::TooManyArguments,
            format!("now() got multiple values for argument '{name}'"),
        )
    };
    let utc = match (utc, kwargs.get::<Option<bool>>("utc")?) {
        (Some(_), Some(_)) => return Err(twice("utc")),
        (a, b) => a.or(b),
    };
    let fmt = match (fmt, kwargs.get::<Option<String>>("fmt")?) {
        (Some(_), Some(_)) => return Err(twice("fmt")),
        (a, b) => a.or(b),
    };
    kwargs.assert_all_used()?;
    let Some(fmt) = fmt else {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "now() without `fmt` gives a Python datetime, which konvoy-image does not \
             implement: pass `fmt` (a strftime format)",
        ));
    };
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    Ok(format(
        &fmt,
        d.as_secs() as i64,
        d.subsec_micros(),
        utc.unwrap_or(false),
    ))
}

/// `fmt` for the time `secs`.`micros` (local or UTC), as Python's strftime.
pub(crate) fn format(fmt: &str, secs: i64, micros: u32, utc: bool) -> String {
    // `%f` is Python's own: substituted first (`%%` kept for strftime).
    let mut pre = String::with_capacity(fmt.len());
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            pre.push(c);
            continue;
        }
        match chars.next() {
            Some('f') => pre.push_str(&format!("{micros:06}")),
            Some(n) => {
                pre.push('%');
                pre.push(n);
            }
            None => pre.push('%'),
        }
    }
    let t: libc::time_t = secs as libc::time_t;
    // SAFETY: `tm` is plain data the libc calls fill; the pointers are to
    // live locals; strftime writes at most `buf.len()` bytes.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if utc {
            libc::gmtime_r(&t, &mut tm);
        } else {
            libc::localtime_r(&t, &mut tm);
        }
        let Ok(cfmt) = std::ffi::CString::new(pre) else {
            return String::new();
        };
        let mut buf = vec![0u8; 256 + fmt.len() * 8];
        let n = libc::strftime(buf.as_mut_ptr().cast(), buf.len(), cfmt.as_ptr(), &tm);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_python_strftime_with_microseconds() {
        // 2001-09-09 01:46:40 UTC.
        assert!(format("%s.%f", 1_000_000_000, 5, true).ends_with(".000005"));
        assert_eq!(
            format("%Y-%m-%d %H:%M:%S %%f", 1_000_000_000, 7, true),
            "2001-09-09 01:46:40 %f"
        );
    }

    /// `utc` and `fmt` bind by position or by name, once each.
    #[test]
    fn arguments_bind_by_position_or_name() {
        let t = crate::template::Templar::new();
        let vars = crate::template::Vars::new(std::sync::Arc::new(crate::value::Map::new()));
        let year = |text: &str| t.render(text, &vars).map(|v| crate::report::python_str(&v));
        let by_name = year("{{ now(utc=true, fmt='%Y') }}").expect("renders");
        assert_eq!(by_name.len(), 4);
        assert_eq!(year("{{ now(true, '%Y') }}").expect("renders"), by_name);
        assert_eq!(year("{{ now(true, fmt='%Y') }}").expect("renders"), by_name);
        assert!(year("{{ now(true, '%Y', utc=false) }}").is_err());
        assert!(year("{{ now(fmt='%Y', color=1) }}").is_err());
    }
}
