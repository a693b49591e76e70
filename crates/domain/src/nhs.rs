//! NHS numbers: ten digits whose last is a modulus-11 check digit. Written
//! with or without spaces; stored as the bare ten digits.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber([u8; 10]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("NHS number {0:?} does not have 10 digits")]
    Length(String),
    #[error("NHS number {0:?} fails the modulus-11 check digit")]
    CheckDigit(String),
}

impl NhsNumber {
    /// Parses ten digits, ignoring spaces and hyphens (`943 476 5919`).
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let mut digits = [0u8; 10];
        let mut n_digits = 0;
        for c in input.trim().chars() {
            match c {
                ' ' | '-' => continue,
                '0'..='9' if n_digits < 10 => {
                    digits[n_digits] = c as u8 - b'0';
                    n_digits += 1;
                }
                _ => return Err(NhsNumberError::Length(input.to_owned())),
            }
        }
        if n_digits != 10 {
            return Err(NhsNumberError::Length(input.to_owned()));
        }
        if check_digit(&digits[..9]) != Some(digits[9]) {
            return Err(NhsNumberError::CheckDigit(input.to_owned()));
        }
        Ok(Self(digits))
    }

    pub fn as_digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

/// The check digit for nine digits, or `None` when the remainder makes the number invalid.
pub fn check_digit(first_nine: &[u8]) -> Option<u8> {
    let sum: u32 = first_nine.iter().zip((2..=10).rev()).map(|(&d, w)| u32::from(d) * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        digit => Some(digit as u8),
    }
}

impl fmt::Display for NhsNumber {
    /// Shown in the 3-3-4 grouping people read aloud.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.as_digits();
        write!(f, "{} {} {}", &s[..3], &s[3..6], &s[6..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_numbers_with_or_without_spaces() {
        let n = NhsNumber::parse("943 476 5919").unwrap();
        assert_eq!(n.as_digits(), "9434765919");
        assert_eq!(n, NhsNumber::parse("9434765919").unwrap());
        assert_eq!(n.to_string(), "943 476 5919");
    }

    #[test]
    fn rejects_a_wrong_check_digit_or_length() {
        assert_eq!(NhsNumber::parse("9434765918"), Err(NhsNumberError::CheckDigit("9434765918".into())));
        assert!(matches!(NhsNumber::parse("943476591"), Err(NhsNumberError::Length(_))));
        assert!(matches!(NhsNumber::parse("94347659190"), Err(NhsNumberError::Length(_))));
        assert!(matches!(NhsNumber::parse("94347A5919"), Err(NhsNumberError::Length(_))));
    }

    #[test]
    fn remainder_ten_has_no_valid_check_digit() {
        // 1,0,0,0,0,0,0,0,1 weighs 10 + 2 = 12; 11 - 12 % 11 = 10, which no digit can carry.
        assert_eq!(check_digit(&[1, 0, 0, 0, 0, 0, 0, 0, 1]), None);
        for last in 0..=9 {
            assert!(NhsNumber::parse(&format!("100000001{last}")).is_err());
        }
    }
}
