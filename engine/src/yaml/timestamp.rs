//! YAML 1.1 timestamps as PyYAML 6 reads them and Python prints them.
//!
//! The resolver accepts `YYYY-MM-DD` (exactly two-digit month and day) or a
//! full date-time; the `!!timestamp` constructor is laxer (one-digit month
//! and day). A date becomes Python's `date`, a date-time a `datetime` (aware
//! when a zone is given, `Z` meaning UTC); we keep the `isoformat()` text,
//! which is what Ansible's JSON output shows.

/// The parts of a timestamp, as PyYAML's constructor regex captures them.
#[derive(Debug, Default, PartialEq, Eq)]
struct Parts<'a> {
    year: &'a str,
    month: &'a str,
    day: &'a str,
    time: Option<Time<'a>>,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Time<'a> {
    hour: &'a str,
    minute: &'a str,
    second: &'a str,
    fraction: &'a str,
    /// `None`: naive; `Some(None)`: `Z`; `Some(Some((sign, h, m)))`.
    zone: Option<Option<(u8, &'a str, &'a str)>>,
}

/// A tiny cursor over ASCII bytes.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Between `min` and `max` ASCII digits.
    fn digits(&mut self, min: usize, max: usize) -> Option<&'a str> {
        let start = self.pos;
        while self.pos - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        (self.pos - start >= min).then(|| &self.text[start..self.pos])
    }

    fn blanks(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn done(&self) -> bool {
        self.pos == self.text.len()
    }
}

/// PyYAML's `timestamp_regexp` (the constructor's, the lax one).
fn parse(text: &str) -> Option<Parts<'_>> {
    let mut c = Cursor { text, pos: 0 };
    let year = c.digits(4, 4)?;
    c.eat(b'-').then_some(())?;
    let month = c.digits(1, 2)?;
    c.eat(b'-').then_some(())?;
    let day = c.digits(1, 2)?;
    let mut parts = Parts {
        year,
        month,
        day,
        time: None,
    };
    if c.done() {
        return Some(parts);
    }
    if !(c.eat(b'T') || c.eat(b't') || c.blanks() > 0) {
        return None;
    }
    let hour = c.digits(1, 2)?;
    c.eat(b':').then_some(())?;
    let minute = c.digits(2, 2)?;
    c.eat(b':').then_some(())?;
    let second = c.digits(2, 2)?;
    let fraction = if c.eat(b'.') {
        c.digits(0, usize::MAX)?
    } else {
        ""
    };
    let mut time = Time {
        hour,
        minute,
        second,
        fraction,
        zone: None,
    };
    c.blanks();
    if c.eat(b'Z') {
        time.zone = Some(None);
    } else if let Some(sign @ (b'+' | b'-')) = c.peek() {
        c.pos += 1;
        let h = c.digits(1, 2)?;
        let m = if c.eat(b':') { c.digits(2, 2)? } else { "" };
        time.zone = Some(Some((sign, h, m)));
    }
    parts.time = Some(time);
    c.done().then_some(parts)
}

/// Whether PyYAML's resolver tags this plain scalar as a timestamp.
pub(crate) fn is_implicit(text: &str) -> bool {
    match parse(text) {
        Some(p) if p.time.is_none() => p.month.len() == 2 && p.day.len() == 2,
        Some(_) => true,
        None => false,
    }
}

/// Why a timestamp-looking scalar is not a valid date (Python's
/// `ValueError` text).
pub(crate) type TimestampError = &'static str;

/// Constructs the timestamp and returns its Python `isoformat()` text.
pub(crate) fn construct(text: &str) -> Result<String, TimestampError> {
    let p = parse(text).ok_or("does not match the timestamp format")?;
    let num = |s: &str| s.parse::<u32>().unwrap_or(0); // all digits, at most 4
    let (year, month, day) = (num(p.year), num(p.month), num(p.day));
    if year == 0 {
        return Err("year 0 is out of range");
    }
    if !(1..=12).contains(&month) {
        return Err("month must be in 1..12");
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err("day is out of range for month");
    }
    let mut out = format!("{year:04}-{month:02}-{day:02}");
    let Some(t) = p.time else {
        return Ok(out);
    };
    let (hour, minute, second) = (num(t.hour), num(t.minute), num(t.second));
    if hour > 23 {
        return Err("hour must be in 0..23");
    }
    if minute > 59 {
        return Err("minute must be in 0..59");
    }
    if second > 59 {
        return Err("second must be in 0..59");
    }
    out.push_str(&format!("T{hour:02}:{minute:02}:{second:02}"));
    let micro: String = t.fraction.chars().chain("000000".chars()).take(6).collect();
    if micro != "000000" {
        out.push('.');
        out.push_str(&micro);
    }
    match t.zone {
        None => {}
        Some(None) => out.push_str("+00:00"),
        Some(Some((sign, h, m))) => {
            let minutes = num(h) * 60 + if m.is_empty() { 0 } else { num(m) };
            if minutes >= 24 * 60 {
                return Err("offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)");
            }
            let sign = if sign == b'-' && minutes != 0 {
                '-'
            } else {
                '+'
            };
            out.push_str(&format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60));
        }
    }
    Ok(out)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_is_stricter_than_constructor() {
        assert!(is_implicit("2024-01-01"));
        assert!(!is_implicit("2024-1-1"));
        assert!(is_implicit("2024-1-1 1:00:00"));
        assert!(!is_implicit("2024-01-01 10:00"));
        assert_eq!(construct("2024-1-1").as_deref(), Ok("2024-01-01"));
    }

    #[test]
    fn isoformat_matches_python() {
        let cases = [
            (
                "2001-12-14t21:59:43.10-05:00",
                "2001-12-14T21:59:43.100000-05:00",
            ),
            ("2024-01-01 10:00:00Z", "2024-01-01T10:00:00+00:00"),
            (
                "2024-1-1T1:00:00.1234567 +5",
                "2024-01-01T01:00:00.123456+05:00",
            ),
            ("2024-01-01 10:00:00", "2024-01-01T10:00:00"),
            ("2024-01-01 10:00:00 -0", "2024-01-01T10:00:00+00:00"),
        ];
        for (text, want) in cases {
            assert_eq!(construct(text).as_deref(), Ok(want), "{text}");
        }
        assert!(construct("2023-02-29").is_err());
        assert!(construct("2024-02-29").is_ok());
    }
}
