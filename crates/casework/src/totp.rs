//! Time-based one-time passwords (RFC 6238, HMAC-SHA1, 30-second steps, six digits), the
//! optional second factor at sign-in, as every authenticator app computes them. Hand-written over
//! the `hmac` and `sha1` crates: the algorithm is a dozen lines, base32 a few more, and the
//! crates that wrap them bring QR-code and clock features byname does not need.

use hmac::{Hmac, Mac};
use sha1::Sha1;

const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps take a secret.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The bytes of a base32 secret (spaces and case ignored), or `None`.
pub fn unbase32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = ALPHABET.iter().position(|a| *a as char == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// The code for `secret` at a Unix time, `digits` long (RFC 4226 dynamic truncation).
pub fn code_at(secret: &[u8], unix_seconds: i64, digits: u32) -> String {
    let counter = (unix_seconds.div_euclid(STEP_SECONDS)) as u64;
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let value = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    format!("{:0width$}", value % 10u32.pow(digits), width = digits as usize)
}

/// Whether `code` is right for the base32 `secret` at `now`, allowing one step either way for a
/// phone's clock.
pub fn verify(secret: &str, code: &str, now: time::OffsetDateTime) -> bool {
    verified_step(secret, code, now).is_some()
}

/// The time step `code` is right for, for the base32 `secret` at `now` (one step either way for a
/// phone's clock), or `None`. A step is spent once: the caller records it.
pub fn verified_step(secret: &str, code: &str, now: time::OffsetDateTime) -> Option<i64> {
    let key = unbase32(secret).filter(|k| !k.is_empty())?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize {
        return None;
    }
    let t = now.unix_timestamp();
    [-STEP_SECONDS, 0, STEP_SECONDS]
        .iter()
        .find(|d| code_at(&key, t + *d, DIGITS) == code)
        .map(|d| (t + d).div_euclid(STEP_SECONDS))
}

/// A new random secret, base32.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    base32(&bytes)
}

/// The `otpauth://` address an authenticator app reads (typed in, or from a QR code).
pub fn otpauth_uri(secret: &str, username: &str) -> String {
    let label: String =
        username.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    format!("otpauth://totp/byname:{label}?secret={secret}&issuer=byname&digits={DIGITS}&period={STEP_SECONDS}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_of_rfc_6238_appendix_b_for_sha1() {
        let key = b"12345678901234567890";
        for (time, code) in
            [(59, "94287082"), (1_111_111_109, "07081804"), (1_234_567_890, "89005924"), (2_000_000_000, "69279037")]
        {
            assert_eq!(code_at(key, time, 8), code, "at {time}");
        }
    }

    #[test]
    fn base32_goes_both_ways_and_refuses_other_letters() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(unbase32("mzxw 6ytb oi").unwrap(), b"foobar");
        assert!(unbase32("MZXW1").is_none(), "1 is not base32");
        let secret = new_secret();
        assert_eq!(unbase32(&secret).unwrap().len(), 20);
    }

    #[test]
    fn a_code_is_right_for_its_step_and_the_ones_beside_it_only() {
        let secret = base32(b"12345678901234567890");
        let now = time::OffsetDateTime::from_unix_timestamp(1_234_567_890).unwrap();
        let code = code_at(b"12345678901234567890", 1_234_567_890, 6);
        assert!(verify(&secret, &code, now));
        assert!(verify(&secret, &code, now + time::Duration::seconds(30)), "a phone a step behind");
        assert!(!verify(&secret, &code, now + time::Duration::seconds(90)), "three steps later");
        assert!(!verify(&secret, "12345", now) && !verify("not base32!", &code, now));
    }
}
