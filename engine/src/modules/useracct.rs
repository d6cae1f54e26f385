//! Accounts and groups as `getent` prints them (the NSS view Python's
//! `pwd`, `grp` and `spwd` give Ansible's `user` and `group` modules).

use super::capture::Records;
use super::outcome::ModuleError;

/// A `passwd` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Account {
    pub(crate) name: String,
    pub(crate) passwd: String,
    pub(crate) uid: i64,
    pub(crate) gid: i64,
    pub(crate) comment: String,
    pub(crate) home: String,
    pub(crate) shell: String,
}

impl Account {
    /// Parses one `passwd` line.
    pub(crate) fn parse(line: &str) -> Option<Account> {
        let f: Vec<&str> = line.trim_end_matches('\n').split(':').collect();
        if f.len() < 7 {
            return None;
        }
        Some(Account {
            name: f[0].to_owned(),
            passwd: f[1].to_owned(),
            uid: f[2].parse().ok()?,
            gid: f[3].parse().ok()?,
            comment: f[4].to_owned(),
            home: f[5].to_owned(),
            shell: f[6..].join(":"),
        })
    }

    /// The account `name` from the `pw` record (`getent passwd NAME`):
    /// `None` when it does not exist.
    pub(crate) fn read(r: &Records, name: &str) -> Result<Option<Account>, ModuleError> {
        let Some(pw) = r.get("pw") else {
            return Err(ModuleError::Probe("no passwd record".into()));
        };
        if pw.rc == 2 || pw.out.trim().is_empty() {
            return Ok(None);
        }
        if !pw.ok() {
            return Err(ModuleError::Probe(format!(
                "getent passwd {name}: {}",
                pw.err.trim()
            )));
        }
        Ok(pw
            .out
            .lines()
            .filter_map(Account::parse)
            .find(|a| a.name == name))
    }
}

/// A `group` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Group {
    pub(crate) name: String,
    pub(crate) gid: i64,
    pub(crate) members: Vec<String>,
}

impl Group {
    /// Parses one `group` line.
    pub(crate) fn parse(line: &str) -> Option<Group> {
        let f: Vec<&str> = line.trim_end_matches('\n').split(':').collect();
        if f.len() < 4 {
            return None;
        }
        Some(Group {
            name: f[0].to_owned(),
            gid: f[2].parse().ok()?,
            members: f[3]
                .split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }

    /// Every group, from the `gr` record (`getent group`).
    pub(crate) fn all(r: &Records) -> Vec<Group> {
        r.get("gr")
            .map(|c| c.out.lines().filter_map(Group::parse).collect())
            .unwrap_or_default()
    }

    /// A group by number first, then by name, as `grp.getgrgid(int(g))`
    /// then `grp.getgrnam(g)`.
    pub(crate) fn find<'g>(groups: &'g [Group], g: &str) -> Option<&'g Group> {
        g.parse::<i64>()
            .ok()
            .and_then(|gid| groups.iter().find(|x| x.gid == gid))
            .or_else(|| groups.iter().find(|x| x.name == g))
    }
}

/// A `shadow` entry: `-1` where a field is empty (as `getspnam` gives).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Shadow {
    pub(crate) hash: String,
    pub(crate) min: i64,
    pub(crate) max: i64,
    pub(crate) warn: i64,
    pub(crate) expire: i64,
}

impl Shadow {
    /// The entry of `name` from the `sp` record (`getent shadow NAME`).
    pub(crate) fn read(r: &Records, name: &str) -> Option<Shadow> {
        let line = r
            .out_ok("sp")?
            .lines()
            .find(|l| l.split(':').next() == Some(name))?
            .to_owned();
        let f: Vec<&str> = line.split(':').collect();
        let num = |i: usize| {
            f.get(i)
                .and_then(|s| s.trim().parse::<i64>().ok())
                .unwrap_or(-1)
        };
        Some(Shadow {
            hash: f.get(1).copied().unwrap_or("").to_owned(),
            min: num(3),
            max: num(4),
            warn: num(5),
            expire: num(7),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_parse_like_getent_prints_them() {
        let a = Account::parse("u:x:1000:100:A B,,,:/home/u:/bin/sh\n").unwrap();
        assert_eq!((a.uid, a.gid, a.comment.as_str()), (1000, 100, "A B,,,"));
        let g = Group::parse("wheel:x:10:a,b").unwrap();
        assert_eq!(g.members, ["a", "b"]);
        let gs = vec![g, Group::parse("10x:x:11:").unwrap()];
        assert_eq!(Group::find(&gs, "10").unwrap().name, "wheel");
        assert_eq!(Group::find(&gs, "10x").unwrap().gid, 11);
        let line = "u:$6$h:19000::99999:7:::\n";
        let rec = format!("\x1esp 0 {} 0\n{line}", line.len());
        let s = Shadow::read(&Records::parse(rec.as_bytes()).unwrap(), "u").unwrap();
        assert_eq!((s.min, s.max, s.warn, s.expire), (-1, 99999, 7, -1));
    }
}
