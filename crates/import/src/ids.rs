//! Duplicate ids within one file. An export may hold millions of rows, so
//! ids are remembered as 96-bit hashes (64 bits of SipHash and 32 of FNV-1a)
//! with the line they were first seen on: 16 bytes an id, never the text.
//! Two different ids colliding has a probability near 1e-17 at a million rows.

use crate::Diagnostic;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hasher};

#[derive(Default)]
pub struct IdRegister {
    first_line: HashMap<u64, (u32, u32), BuildHasherDefault<PassThrough>>,
}

impl IdRegister {
    /// Records `id` as seen on `line`, or says where it was seen first.
    pub fn register(&mut self, file: &str, column: &str, id: &str, line: u64) -> Result<(), Diagnostic> {
        let (key, check) = hash96(id);
        match self.first_line.entry(key) {
            std::collections::hash_map::Entry::Occupied(first) if first.get().0 == check => Err(Diagnostic::new(
                file,
                line,
                Some(column),
                format!("duplicate {column} {id:?}, first seen on line {}", first.get().1),
            )),
            // Same 64-bit key, different id: vanishingly rare; both ids are kept
            // distinct by remembering the newer under a perturbed key.
            std::collections::hash_map::Entry::Occupied(_) => {
                self.first_line.insert(key ^ u64::from(check).rotate_left(32) ^ 1, (check, line as u32));
                Ok(())
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert((check, line as u32));
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

fn hash96(id: &str) -> (u64, u32) {
    // SipHash-1-3 with fixed zero keys, and FNV-1a: both deterministic and unrelated.
    let mut sip = DefaultHasher::new();
    sip.write(id.as_bytes());
    let fnv = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    (sip.finish(), (fnv ^ (fnv >> 32)) as u32)
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
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
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
