//! `--shard K/N`: a deterministic split of the selected hosts between N
//! independent runs of the same job (a Kubernetes Indexed Job, an Argo
//! fan-out, N terminals), so that every host is worked on by exactly one.
//!
//! The split is by position in the inventory's hosts sorted by name, not
//! by a hash: every shard reads the same inventory, so each computes the
//! same positions, and the shards differ in size by at most one host.
//! Hosts a play names that are not in the inventory (an implicit
//! `localhost`) belong to shard 1 only.

use super::Inventory;
use std::fmt;
use std::str::FromStr;

/// One shard of N: `index` is 0-based, `count` ≥ 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: usize,
    count: usize,
}

/// A `--shard` value that is not `K/N` with `1 <= K <= N`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid shard {given:?}: expected K/N with 1 <= K <= N (for example 2/5)")]
pub struct ShardError {
    given: String,
}

impl Shard {
    /// Shard `k` (1-based, as written on the command line) of `n`.
    ///
    /// # Errors
    /// [`ShardError`] unless `1 <= k <= n`.
    pub fn new(k: usize, n: usize) -> Result<Shard, ShardError> {
        if k == 0 || k > n {
            return Err(ShardError {
                given: format!("{k}/{n}"),
            });
        }
        Ok(Shard {
            index: k - 1,
            count: n,
        })
    }

    /// Keeps the hosts of `selected` that belong to this shard, in order.
    pub fn filter(&self, inventory: &Inventory, selected: Vec<String>) -> Vec<String> {
        let mut all: Vec<&str> = inventory.hosts().map(|h| h.name()).collect();
        all.sort_unstable();
        selected
            .into_iter()
            .filter(|h| {
                let pos = all.binary_search(&h.as_str()).unwrap_or(0);
                pos % self.count == self.index
            })
            .collect()
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let bad = || ShardError {
            given: s.to_owned(),
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k = k.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Shard::new(k, n).map_err(|_| bad())
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory(n: usize) -> Inventory {
        let text: String = (1..=n).map(|i| format!("node{i:02}\n")).collect();
        Inventory::from_ini_str(&text, "hosts").expect("inventory")
    }

    #[test]
    fn parses_k_of_n_and_refuses_the_rest() {
        assert_eq!(
            "2/5".parse::<Shard>().map(|s| s.to_string()),
            Ok("2/5".into())
        );
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "", "/"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_host_lands_in_exactly_one_shard_and_sizes_differ_by_at_most_one() {
        let inv = inventory(11);
        let all: Vec<String> = inv.hosts().map(|h| h.name().to_owned()).collect();
        let parts: Vec<Vec<String>> = (1..=3)
            .map(|k| Shard::new(k, 3).expect("shard").filter(&inv, all.clone()))
            .collect();
        let mut seen: Vec<&String> = parts.iter().flatten().collect();
        seen.sort();
        let mut want: Vec<&String> = all.iter().collect();
        want.sort();
        assert_eq!(seen, want);
        let sizes: Vec<usize> = parts.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![4, 4, 3]);
    }

    #[test]
    fn the_split_does_not_depend_on_the_selection() {
        let inv = inventory(6);
        let shard = Shard::new(2, 2).expect("shard");
        let subset = vec![
            "node04".to_owned(),
            "node01".to_owned(),
            "node02".to_owned(),
        ];
        assert_eq!(shard.filter(&inv, subset), vec!["node04", "node02"]);
    }
}
