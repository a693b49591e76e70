//! One fast, fixed hash for the keys and value tables of linkage: blocking
//! keys, interned values and level counts are hashed billions of times on a
//! million records, and a fixed hash keeps every run's order the same.

use std::hash::Hasher;

/// A fast, fixed hash for blocking keys and value tables (the
/// multiply-and-rotate of FxHash). Keys only group records: a collision
/// merely adds a pair to compare.
#[derive(Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

/// Hash maps keyed by small integers or interned values, hashed fast.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<KeyHasher>>;

/// The fixed hash of a text.
pub(crate) fn hash_str(text: &str) -> u64 {
    let mut hasher = KeyHasher::default();
    hasher.write(text.as_bytes());
    hasher.write_u8(0xff);
    hasher.finish()
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &byte in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(K);
        }
    }
    fn write_u8(&mut self, byte: u8) {
        self.write_u64(u64::from(byte));
    }
    fn write_u32(&mut self, word: u32) {
        self.write_u64(u64::from(word));
    }
    fn write_u64(&mut self, word: u64) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
    }
    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
    fn finish(&self) -> u64 {
        // A final mix (SplitMix64's), so the low bits depend on every input bit:
        // hash tables pick buckets by the low bits.
        let mut hash = self.0;
        hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        hash ^ (hash >> 31)
    }
}
