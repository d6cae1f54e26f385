//! RPM version comparison, so `yum` can tell that a pinned
//! `name-version` is older than what is installed (Ansible's dnf module
//! then leaves the package alone unless `allow_downgrade` is set).

use std::cmp::Ordering;

/// rpm's `rpmvercmp`: versions split into runs of digits and of letters
/// (other characters separate runs); numbers compare numerically and are
/// newer than letters; `~` sorts before everything, even the end; when
/// one side runs out, the side with runs left is newer.
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    let sep = |c: &u8| !c.is_ascii_alphanumeric() && *c != b'~';
    loop {
        while a.first().is_some_and(sep) {
            a = &a[1..];
        }
        while b.first().is_some_and(sep) {
            b = &b[1..];
        }
        match (a.first() == Some(&b'~'), b.first() == Some(&b'~')) {
            (true, true) => {
                a = &a[1..];
                b = &b[1..];
                continue;
            }
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        if a.is_empty() || b.is_empty() {
            break;
        }
        let numeric = a[0].is_ascii_digit();
        let run = |s: &[u8]| -> usize {
            s.iter()
                .take_while(|c| {
                    if numeric {
                        c.is_ascii_digit()
                    } else {
                        c.is_ascii_alphabetic()
                    }
                })
                .count()
        };
        let (la, lb) = (run(a), run(b));
        if lb == 0 {
            // b's run is of the other kind: numbers are newer.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (sa, sb) = (&a[..la], &b[..lb]);
        let ord = if numeric {
            let trim = |s: &[u8]| -> usize { s.iter().take_while(|c| **c == b'0').count() };
            let (sa, sb) = (&sa[trim(sa)..], &sb[trim(sb)..]);
            sa.len().cmp(&sb.len()).then_with(|| sa.cmp(sb))
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
        a = &a[la..];
        b = &b[lb..];
    }
    a.len().cmp(&b.len())
}

/// Compares an installed `epoch:version-release` with the part of a spec
/// after the name (`version`, `version-release`, `epoch:version-release`,
/// maybe with `.arch`); parts the spec leaves out are not compared.
pub(crate) fn cmp_installed(installed: &str, wanted: &str) -> Ordering {
    let split_epoch = |s: &str| -> (u64, String) {
        match s.split_once(':') {
            Some((e, rest)) if e.chars().all(|c| c.is_ascii_digit()) => {
                (e.parse().unwrap_or(0), rest.to_owned())
            }
            _ => (0, s.to_owned()),
        }
    };
    let (ie, ivr) = split_epoch(installed);
    let (we, wvr) = split_epoch(wanted);
    let wvr = ["noarch", "x86_64", "aarch64", "i686", "ppc64le", "s390x"]
        .iter()
        .find_map(|arch| wvr.strip_suffix(&format!(".{arch}")))
        .map(str::to_owned)
        .unwrap_or(wvr);
    let (iv, ir) = ivr.rsplit_once('-').unwrap_or((&ivr, ""));
    let (wv, wr) = match wvr.rsplit_once('-') {
        Some((v, r)) => (v, Some(r)),
        None => (wvr.as_str(), None),
    };
    ie.cmp(&we)
        .then_with(|| rpmvercmp(iv, wv))
        .then_with(|| wr.map_or(Ordering::Equal, |wr| rpmvercmp(ir, wr)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn orders_like_rpm() {
        // Cases from rpm's documented rules (`rpmdev-vercmp` agrees).
        assert_eq!(rpmvercmp("1.0", "1.0"), Equal);
        assert_eq!(rpmvercmp("2.0", "1.0"), Greater);
        assert_eq!(rpmvercmp("1.10", "1.9"), Greater);
        assert_eq!(rpmvercmp("1.0a", "1.0"), Greater);
        assert_eq!(rpmvercmp("1.0~rc1", "1.0"), Less);
        assert_eq!(rpmvercmp("1.a", "1.1"), Less);
        assert_eq!(rpmvercmp("1.001", "1.1"), Equal);
        assert_eq!(rpmvercmp("1.21.6", "1.21.10"), Less);
    }

    #[test]
    fn installed_against_spec_parts() {
        assert_eq!(cmp_installed("0:2.0-1", "1.0"), Greater);
        assert_eq!(cmp_installed("0:1.0-3", "1.0-1"), Greater);
        assert_eq!(cmp_installed("0:1.0-3", "1.0"), Equal);
        assert_eq!(cmp_installed("0:1.0-1", "1:0.5-1"), Less);
        assert_eq!(cmp_installed("0:2.0-1", "2.0-1.noarch"), Equal);
    }
}
