//! A stable 64-bit fingerprint (FNV-1a) of a record's content, so a re-import
//! can tell an unchanged row from an updated one without reading it back.
//! `std`'s hasher is randomly seeded per process and so cannot be stored.

#[derive(Debug, Clone, Copy)]
pub struct Fingerprint(u64);

impl Default for Fingerprint {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fingerprint {
    pub fn add(&mut self, bytes: &[u8]) -> &mut Self {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator so that ("ab", "c") and ("a", "bc") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        self
    }

    pub fn add_opt(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.add(b"\x01").add(v.as_bytes()),
            None => self.add(b"\x00"),
        }
    }

    /// The fingerprint as a signed integer, the type both SQL backends store natively.
    pub fn finish(&self) -> i64 {
        self.0 as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_field_boundaries_matter() {
        let a = Fingerprint::default().add(b"ab").add(b"c").finish();
        let b = Fingerprint::default().add(b"a").add(b"bc").finish();
        assert_ne!(a, b);
        assert_eq!(a, Fingerprint::default().add(b"ab").add(b"c").finish());
        assert_ne!(Fingerprint::default().add_opt(None).finish(), Fingerprint::default().add_opt(Some("")).finish());
    }
}
