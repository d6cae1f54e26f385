//! `random` and `shuffle`, as Ansible's filters: with a `seed` they give
//! exactly what Python's `random.Random(seed)` gives (Mersenne Twister,
//! Python's seeding of strings and ints, `randrange`/`choice`/`shuffle`),
//! so `60 | random(seed=inventory_hostname)` picks the same minute as
//! ansible-core on every host; without one they are random.

use super::failed;
use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, Value};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("random", random);
    env.add_filter("shuffle", shuffle);
}

/// Python's `_random.Random` (MT19937 with `init_by_array` seeding).
pub(crate) struct PyRandom {
    mt: [u32; 624],
    index: usize,
}

impl PyRandom {
    fn from_key(key: &[u32]) -> PyRandom {
        let mut mt = [0u32; 624];
        mt[0] = 19_650_218;
        for i in 1..624 {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..624.max(key.len()) {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= 624 {
                mt[0] = mt[623];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..623 {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= 624 {
                mt[0] = mt[623];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        PyRandom { mt, index: 624 }
    }

    /// `random.Random(seed)` for a string or an integer seed.
    pub(crate) fn seeded(seed: &Value) -> Result<PyRandom, Error> {
        let big_endian: Vec<u8> = match seed.kind() {
            ValueKind::String => {
                use sha2::Digest;
                let text = seed.as_str().unwrap_or_default().as_bytes();
                let mut bytes = text.to_vec();
                bytes.extend_from_slice(&sha2::Sha512::digest(text));
                bytes
            }
            ValueKind::Number if seed.is_integer() => {
                let n = i128::try_from(seed.clone())
                    .map_err(|_| failed("random", "seed out of range"))?;
                n.unsigned_abs().to_be_bytes().to_vec()
            }
            ValueKind::Bool => u128::from(seed.is_true()).to_be_bytes().to_vec(),
            kind => {
                return Err(failed(
                    "random",
                    format_args!("a seed must be a string or an integer, not {kind}"),
                ))
            }
        };
        // The integer's 32-bit words, least significant first (at least one).
        let mut key: Vec<u32> = big_endian
            .rchunks(4)
            .map(|c| c.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
            .collect();
        while key.len() > 1 && key.last() == Some(&0) {
            key.pop();
        }
        if key.is_empty() {
            key.push(0);
        }
        Ok(PyRandom::from_key(&key))
    }

    /// Seeded from the process's hash keys (fresh per call): no `seed`.
    fn unseeded() -> PyRandom {
        use std::hash::{BuildHasher, Hasher};
        let mut key = Vec::with_capacity(8);
        for i in 0..4u64 {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(i);
            let v = h.finish();
            key.push(v as u32);
            key.push((v >> 32) as u32);
        }
        PyRandom::from_key(&key)
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for k in 0..624 {
                let y = (self.mt[k] & 0x8000_0000) | (self.mt[(k + 1) % 624] & 0x7fff_ffff);
                let mut v = self.mt[(k + 397) % 624] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                self.mt[k] = v;
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `getrandbits(k)` for `k` ≤ 64.
    fn bits(&mut self, k: u32) -> u64 {
        if k <= 32 {
            return u64::from(self.next_u32() >> (32 - k));
        }
        let low = u64::from(self.next_u32());
        let high = u64::from(self.next_u32() >> (64 - k));
        low | (high << 32)
    }

    /// `_randbelow(n)`: rejection sampling on `n.bit_length()` bits.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.bits(k);
            if r < n {
                return r;
            }
        }
    }

    /// `randrange(start, stop, step)`.
    fn range(&mut self, start: i64, stop: i64, step: i64) -> Result<i64, Error> {
        let width = i128::from(stop) - i128::from(start);
        let step128 = i128::from(step);
        let n = match step.signum() {
            1 => (width + step128 - 1).div_euclid(step128),
            -1 => (width + step128 + 1).div_euclid(step128),
            _ => return Err(failed("random", "zero step for randrange()")),
        };
        if n <= 0 {
            return Err(failed(
                "random",
                format_args!("empty range for randrange() ({start}, {stop}, {step})"),
            ));
        }
        let pick = i128::from(self.below(n as u64));
        Ok((i128::from(start) + step128 * pick) as i64)
    }
}

/// `end | random(start=0, step=1, seed=None)`: an integer of
/// `range(start, end, step)`, or an element of a list or string.
fn random(end: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let start = kwargs.get::<Option<Value>>("start")?;
    let step = kwargs.get::<Option<Value>>("step")?;
    let seed = kwargs.get::<Option<Value>>("seed")?;
    kwargs.assert_all_used()?;
    let mut rng = match &seed {
        Some(s) if !s.is_none() => PyRandom::seeded(s)?,
        _ => PyRandom::unseeded(),
    };
    // Python's falsy start/step (None, 0) fall back to the defaults.
    let int_of = |v: &Option<Value>, default: i64| -> Result<i64, Error> {
        match v {
            Some(v) if v.is_true() => i64::try_from(v.clone())
                .map_err(|_| failed("random", "start and step must be integers")),
            _ => Ok(default),
        }
    };
    if end.is_integer() {
        let stop = i64::try_from(end).map_err(|_| failed("random", "end out of range"))?;
        return Ok(Value::from(rng.range(
            int_of(&start, 0)?,
            stop,
            int_of(&step, 1)?,
        )?));
    }
    if matches!(
        end.kind(),
        ValueKind::Seq | ValueKind::String | ValueKind::Map | ValueKind::Iterable
    ) {
        if start.as_ref().is_some_and(Value::is_true) || step.as_ref().is_some_and(Value::is_true) {
            return Err(failed(
                "random",
                "start and step can only be used with integer values",
            ));
        }
        let items: Vec<Value> = end.try_iter()?.collect();
        if items.is_empty() {
            return Err(failed("random", "Cannot choose from an empty sequence"));
        }
        return Ok(items[rng.below(items.len() as u64) as usize].clone());
    }
    Err(failed(
        "random",
        format_args!(
            "random can only be used on sequences and integers, not {}",
            end.kind()
        ),
    ))
}

/// `list | shuffle(seed=None)`: a shuffled copy (Python's `shuffle`); a
/// value that is not a sequence comes back as it is, as Ansible's does.
fn shuffle(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let seed = kwargs.get::<Option<Value>>("seed")?;
    kwargs.assert_all_used()?;
    let Ok(iter) = value.try_iter() else {
        return Ok(value);
    };
    let mut items: Vec<Value> = iter.collect();
    let mut rng = match &seed {
        Some(s) if s.is_true() => PyRandom::seeded(s)?,
        _ => PyRandom::unseeded(),
    };
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
    Ok(Value::from(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(src: &str) -> String {
        let mut env = Environment::new();
        register(&mut env);
        env.render_str(src, ()).unwrap()
    }

    /// Expected values computed by CPython 3.11's `random.Random`.
    #[test]
    fn seeded_results_match_python() {
        assert_eq!(render("{{ 60 | random(seed='node1') }}"), "36");
        assert_eq!(
            render("{{ 100 | random(start=5, step=7, seed='node1') }}"),
            "68"
        );
        assert_eq!(
            render("{{ 1000000000000 | random(seed=42) }}"),
            "123005401501"
        );
        assert_eq!(render("{{ ['a','b','c','d'] | random(seed='web') }}"), "b");
        assert_eq!(render("{{ 60 | random(seed='') }}"), "29");
        assert_eq!(
            render("{{ range(10) | list | shuffle(seed='x') }}"),
            "[0, 8, 2, 9, 4, 3, 6, 1, 7, 5]"
        );
        assert_eq!(
            render("{{ range(10) | list | shuffle(seed=7) }}"),
            "[8, 3, 1, 4, 7, 0, 9, 6, 2, 5]"
        );
    }

    #[test]
    fn unseeded_stays_in_range_and_keeps_elements() {
        for _ in 0..50 {
            let n: i64 = render("{{ 10 | random(start=3) }}").parse().unwrap();
            assert!((3..10).contains(&n));
        }
        let mut s: Vec<char> = render("{{ 'abcdef' | list | shuffle | join }}")
            .chars()
            .collect();
        s.sort_unstable();
        assert_eq!(s.into_iter().collect::<String>(), "abcdef");
        let mut env = Environment::new();
        register(&mut env);
        assert!(env.render_str("{{ [] | random }}", ()).is_err());
        assert!(env
            .render_str("{{ 5 | random(step=0, start=1) }}", ())
            .is_ok());
        assert!(env.render_str("{{ [1] | random(start=1) }}", ()).is_err());
    }
}
