//! Options Ansible has that a module here does not implement yet.
//!
//! They are accepted by the argument parser (so the static check does not
//! refuse a playbook that merely mentions them, maybe in a task a host
//! never reaches) and fail the task that a host actually runs, with a
//! message naming the option: never silently ignored.

use super::args::ArgMap;
use super::outcome::Outcome;

/// The not-implemented options a task set (non-null), in spec order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pending {
    module: &'static str,
    options: Vec<&'static str>,
}

impl Pending {
    /// Takes `names` out of `args`, remembering those set.
    pub(crate) fn take(args: &mut ArgMap, module: &'static str, names: &[&'static str]) -> Pending {
        let options = names
            .iter()
            .copied()
            .filter(|n| args.value(&[n]).is_some())
            .collect();
        Pending { module, options }
    }

    /// Also counts `option` as set when `set` (a value Ansible accepts that
    /// this module does not implement, such as one choice of several).
    pub(crate) fn also(mut self, option: &'static str, set: bool) -> Pending {
        if set && !self.options.contains(&option) {
            self.options.push(option);
        }
        self
    }

    /// The failed outcome for the first pending option, if any.
    pub(crate) fn outcome(&self) -> Option<Outcome> {
        self.options.first().map(|o| {
            Outcome::fail_json(format!(
                "option `{o}` of module `{}` is not implemented by konvoy-image",
                self.module
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn only_set_options_are_pending() {
        let mut a = ArgMap::new(
            [
                ("local".to_owned(), Value::Bool(true)),
                ("seuser".to_owned(), Value::Null),
            ]
            .into_iter()
            .collect(),
        );
        let p = Pending::take(&mut a, "user", &["seuser", "local"]);
        assert!(a.finish(&[]).is_ok(), "both keys were consumed");
        let o = p.outcome().expect("local is pending");
        assert!(o.failed);
        assert_eq!(
            o.result["msg"],
            Value::from("option `local` of module `user` is not implemented by konvoy-image")
        );
        assert_eq!(Pending::default().outcome(), None);
    }
}
