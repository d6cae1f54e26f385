//! Which keywords a compiled task or play carries, and which of them the
//! run has read: the check behind the keyword table's "honoured".
//!
//! The compiler marks every keyword it carries onto a [`super::TaskStep`]
//! or [`super::PlayPlan`] (from the task itself or from any play, role or
//! block around it). The executor marks a keyword read where it applies
//! its value. A test (`tests/run/keyword_use.rs`) runs every honoured
//! keyword of the table on every object it is honoured on and fails on
//! one that was carried but never read: a keyword parsed and then dropped.
//!
//! Keywords that shape the plan itself (`block`, `tasks`, `roles`,
//! `args`, ...) are read by the compiler, which marks them read as it
//! uses them.

use crate::playbook::keyword_table::Keyword;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

// One bit per keyword.
const _: () = assert!(Keyword::ALL.len() <= 64);

fn bit(k: Keyword) -> u64 {
    1 << (k as u32)
}

/// The keywords carried by one plan node, and those read so far.
#[derive(Default)]
pub struct KeywordUse {
    set: u64,
    read: AtomicU64,
}

impl KeywordUse {
    /// Records that `k` is carried (it has a value in force).
    pub fn mark_set(&mut self, k: Keyword) {
        self.set |= bit(k);
    }

    /// Also carries what `other` carries.
    pub fn extend(&mut self, other: &KeywordUse) {
        self.set |= other.set;
    }

    /// Whether `k` is carried.
    pub fn is_set(&self, k: Keyword) -> bool {
        self.set & bit(k) != 0
    }

    /// Records that `k`'s value was applied. Cheap: one atomic `or`.
    pub fn read(&self, k: Keyword) {
        self.read.fetch_or(bit(k), Ordering::Relaxed);
    }

    /// Records as read what `copy` (a per-host copy of the same node,
    /// such as a task whose templated module was resolved for one host)
    /// read.
    pub fn read_from(&self, copy: &KeywordUse) {
        self.read
            .fetch_or(copy.read.load(Ordering::Relaxed), Ordering::Relaxed);
    }

    /// Whether `k` was read.
    pub fn was_read(&self, k: Keyword) -> bool {
        self.read.load(Ordering::Relaxed) & bit(k) != 0
    }

    /// Keywords carried and never read.
    pub fn unread(&self) -> Vec<Keyword> {
        let unread = self.set & !self.read.load(Ordering::Relaxed);
        Keyword::ALL
            .iter()
            .copied()
            .filter(|k| unread & bit(*k) != 0)
            .collect()
    }

    /// Keywords carried.
    pub fn carried(&self) -> Vec<Keyword> {
        Keyword::ALL
            .iter()
            .copied()
            .filter(|k| self.is_set(*k))
            .collect()
    }
}

impl Clone for KeywordUse {
    fn clone(&self) -> KeywordUse {
        KeywordUse {
            set: self.set,
            read: AtomicU64::new(self.read.load(Ordering::Relaxed)),
        }
    }
}

impl fmt::Debug for KeywordUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.carried().iter().map(|k| k.name()).collect();
        f.debug_struct("KeywordUse")
            .field("carried", &names)
            .field(
                "unread",
                &self.unread().iter().map(|k| k.name()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_minus_read_is_unread() {
        let mut u = KeywordUse::default();
        u.mark_set(Keyword::Become);
        u.mark_set(Keyword::WithLookup);
        u.read(Keyword::Become);
        u.read(Keyword::Tags);
        assert_eq!(u.unread(), [Keyword::WithLookup]);
        assert!(u.clone().was_read(Keyword::Become));
    }
}
