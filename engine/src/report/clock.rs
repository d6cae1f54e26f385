//! RFC 3339 timestamps (UTC, milliseconds) without a date-time crate: the
//! event log needs one format, and `SystemTime` plus the civil-from-days
//! algorithm (H. Hinnant) gives it exactly.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `2025-01-31T23:59:59.123Z` for `t`.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let (date, secs_of_day) = civil(d.as_secs());
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        secs_of_day / 3600,
        secs_of_day / 60 % 60,
        secs_of_day % 60,
        d.subsec_millis()
    )
}

/// `20250131T235959Z`: a timestamp that sorts and fits in a file name.
pub fn compact(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let (date, s) = civil(d.as_secs());
    format!(
        "{}T{:02}{:02}{:02}Z",
        date.replace('-', ""),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// (`YYYY-MM-DD`, seconds into the day) of a Unix time.
fn civil(secs: u64) -> (String, u64) {
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (format!("{year:04}-{month:02}-{day:02}"), secs % 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        let t = |s: u64, ms: u64| UNIX_EPOCH + Duration::from_millis(s * 1000 + ms);
        assert_eq!(rfc3339(t(0, 0)), "1970-01-01T00:00:00.000Z");
        // `date -u -d @951827696` = Tue Feb 29 12:34:56 UTC 2000
        assert_eq!(rfc3339(t(951_827_696, 7)), "2000-02-29T12:34:56.007Z");
        assert_eq!(rfc3339(t(1_767_225_599, 999)), "2025-12-31T23:59:59.999Z");
        assert_eq!(compact(t(951_827_696, 0)), "20000229T123456Z");
    }
}
