//! Duplicate ids within one file. An export may hold millions of rows, so
//! ids are remembered as 128-bit hashes (two independent 64-bit hashes) with
//! the line they were first seen on: about 24 bytes an id, never the text.
//! Two different ids colliding has a probability near 1e-26 at a million rows.

use crate::Diagnostic;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hasher};

#[derive(Default)]
pub struct IdRegister {
    first_line: HashMap<u128, u64, BuildHasherDefault<PassThrough>>,
}

impl IdRegister {
    /// Records `id` as seen on `line`, or says where it was seen first.
    pub fn register(&mut self, file: &str, column: &str, id: &str, line: u64) -> Result<(), Diagnostic> {
        match self.first_line.entry(hash128(id)) {
            std::collections::hash_map::Entry::Occupied(first) => Err(Diagnostic::new(
                file,
                line,
                Some(column),
                format!("duplicate {column} {id:?}, first seen on line {}", first.get()),
            )),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(line);
                Ok(())
            }
        }
    }

    pub fn len(&self) -> usize {
        self.first_line.len()
    }

    pub fn is_empty(&self) -> bool {
        self.first_line.is_empty()
    }
}

fn hash128(id: &str) -> u128 {
    // SipHash-1-3 with fixed zero keys, then FNV-1a: both deterministic and unrelated.
    let mut sip = DefaultHasher::new();
    sip.write(id.as_bytes());
    let fnv = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    (u128::from(sip.finish()) << 64) | u128::from(fnv)
}

/// The keys are already hashes, so the map need not hash them again.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64 ^ (value >> 64) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_use_of_an_id_names_the_first() {
        let mut ids = IdRegister::default();
        assert!(ids.register("c.csv", "contact_id", "CT1", 2).is_ok());
        assert!(ids.register("c.csv", "contact_id", "CT2", 3).is_ok());
        let dup = ids.register("c.csv", "contact_id", "CT1", 9).unwrap_err();
        assert_eq!(dup.to_string(), "c.csv:9 [contact_id]: duplicate contact_id \"CT1\", first seen on line 2");
        assert_eq!(ids.len(), 2);
    }
}
