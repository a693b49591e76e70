//! Structural breaks: spans of months when the figures followed other rules (the hotels of
//! "Everyone In", April 2020 to June 2021), marked so that they do not shape a forecast.

use std::fmt;

/// An inclusive span of months, as month indexes (year * 12 + month - 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Break {
    pub from: i32,
    pub to: i32,
}

impl Break {
    /// "Everyone In": 2020-04..2021-06, the default.
    pub const EVERYONE_IN: Break = Break { from: 2020 * 12 + 3, to: 2021 * 12 + 5 };

    /// `2020-04..2021-06`, or one month `2020-04`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (a, b) = text.split_once("..").unwrap_or((text, text));
        let month = |s: &str| -> Option<i32> {
            let (y, m) = s.trim().split_once('-')?;
            let (y, m): (i32, i32) = (y.parse().ok()?, m.parse().ok()?);
            (y.to_string().len() == 4 && (1..=12).contains(&m)).then_some(y * 12 + m - 1)
        };
        match (month(a), month(b)) {
            (Some(from), Some(to)) if from <= to => Ok(Self { from, to }),
            (Some(_), Some(_)) => Err(format!("the break {text:?} ends before it starts")),
            _ => Err(format!("{text:?} is not a break: expected YYYY-MM..YYYY-MM, such as 2020-04..2021-06")),
        }
    }

    /// Whether a period of months `first..=last` overlaps the break.
    pub fn covers(&self, first: i32, last: i32) -> bool {
        first <= self.to && last >= self.from
    }
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = |m: i32| format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1);
        write!(f, "{}..{}", code(self.from), code(self.to))
    }
}
