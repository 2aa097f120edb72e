//! Document ids seen so far in a corpus read in order: the one check that
//! warns of an id used twice (`scan`, `clean`, `check`, `dedup` and
//! `index add` all go through it).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::xxh3_64;

/// A map keyed by a `u64` that is a good hash already (xxh3 of an id, a
/// shingle set's key), hashed by passing it through.
pub type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// A set of such keys.
pub type KeySet = std::collections::HashSet<u64, BuildHasherDefault<KeyHasher>>;

/// The first document to use each id: the document's number, keyed by
/// the id's hash (no id is kept in memory).
#[derive(Debug, Default)]
pub struct FirstUse {
    first: KeyMap<u32>,
}

impl FirstUse {
    /// Notes that document `doc` is called `name`. Returns the earlier
    /// document with that name, if any: one with the same hash, for which
    /// `same_name` (given that document) confirms the name.
    pub fn earlier(
        &mut self,
        name: &str,
        doc: u32,
        same_name: impl FnOnce(u32) -> bool,
    ) -> Option<u32> {
        match self.first.entry(xxh3_64(name.as_bytes())) {
            Entry::Occupied(first) => same_name(*first.get()).then_some(*first.get()),
            Entry::Vacant(slot) => {
                slot.insert(doc);
                None
            }
        }
    }
}

/// Hashes a `u64` key that is a good hash already by passing it through.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = key;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_id_names_its_first_use_and_a_colliding_hash_does_not() {
        let mut ids = FirstUse::default();
        assert_eq!(ids.earlier("a", 0, |_| true), None);
        assert_eq!(ids.earlier("b", 1, |_| true), None);
        assert_eq!(ids.earlier("a", 2, |_| true), Some(0));
        // A hash shared with another name (confirmed not the same).
        assert_eq!(ids.earlier("a", 3, |_| false), None);
    }
}
