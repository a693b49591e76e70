//! The small mistakes and differences that real case systems have, applied on purpose so that
//! linkage has honest work to do: keying errors in names, diacritics lost by systems that cannot
//! store them, day and month swapped in dates, and NHS numbers written with spaces.

use rand::Rng;
use time::Date;

/// Makes one keying error in a name: a character inserted, deleted, substituted, or two
/// neighbours transposed. The first letter is left alone, as people rarely get it wrong; names
/// too short to survive a deletion get a substitution instead.
pub fn typo(name: &str, rng: &mut impl Rng) -> String {
    const LETTERS: &[char] = &['a', 'e', 'i', 'o', 'u', 'n', 'r', 's', 't', 'l', 'm', 'h', 'k', 'y', 'c', 'd'];
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() < 2 {
        return name.to_owned();
    }
    let position = rng.random_range(1..chars.len());
    let letter = LETTERS[rng.random_range(0..LETTERS.len())];
    match rng.random_range(0..4) {
        0 => chars.insert(position, letter),
        1 if chars.len() > 3 => {
            chars.remove(position);
        }
        2 if position >= 2 && chars[position - 1] != chars[position] => chars.swap(position - 1, position),
        _ => {
            if chars[position] == letter {
                chars[position] = 'e';
            } else {
                chars[position] = letter;
            }
        }
    }
    chars.into_iter().collect()
}

/// The plain Latin letter a system without Unicode support would store instead.
fn plain_letter(letter: char) -> Option<&'static str> {
    Some(match letter {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ă' | 'ą' | 'ā' => "a",
        'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' | 'Ă' | 'Ą' | 'Ā' => "A",
        'ç' | 'ć' | 'č' => "c",
        'Ç' | 'Ć' | 'Č' => "C",
        'ď' => "d",
        'Ď' => "D",
        'é' | 'è' | 'ê' | 'ë' | 'ę' | 'ė' | 'ē' | 'ě' => "e",
        'É' | 'È' | 'Ê' | 'Ë' | 'Ę' | 'Ė' | 'Ē' | 'Ě' => "E",
        'ģ' => "g",
        'Ģ' => "G",
        'í' | 'ì' | 'î' | 'ï' | 'į' | 'ī' => "i",
        'Í' | 'Ì' | 'Î' | 'Ï' | 'Į' | 'Ī' => "I",
        'ķ' => "k",
        'Ķ' => "K",
        'ł' | 'ļ' => "l",
        'Ł' | 'Ļ' => "L",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'Ñ' | 'Ń' | 'Ņ' | 'Ň' => "N",
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ő' => "o",
        'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' | 'Ő' => "O",
        'ř' => "r",
        'Ř' => "R",
        'ś' | 'š' | 'ș' | 'ş' => "s",
        'Ś' | 'Š' | 'Ș' | 'Ş' => "S",
        'ț' | 'ţ' | 'ť' => "t",
        'Ț' | 'Ţ' | 'Ť' => "T",
        'ú' | 'ù' | 'û' | 'ü' | 'ų' | 'ū' | 'ű' | 'ů' => "u",
        'Ú' | 'Ù' | 'Û' | 'Ü' | 'Ų' | 'Ū' | 'Ű' | 'Ů' => "U",
        'ý' => "y",
        'Ý' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        'ß' => "ss",
        _ => return None,
    })
}

/// True when a name has a letter that [`strip_diacritics`] would change.
pub fn has_diacritics(name: &str) -> bool {
    name.chars().any(|letter| plain_letter(letter).is_some())
}

/// Replaces accented letters by their plain Latin letters (`Ștefan` becomes `Stefan`).
pub fn strip_diacritics(name: &str) -> String {
    let mut plain = String::with_capacity(name.len());
    for letter in name.chars() {
        match plain_letter(letter) {
            Some(replacement) => plain.push_str(replacement),
            None => plain.push(letter),
        }
    }
    plain
}

/// Checks a 10-digit NHS number's modulus-11 check digit.
pub fn is_valid_nhs_number(number: &str) -> bool {
    let digits: Vec<u32> = number
        .chars()
        .filter(|character| *character != ' ')
        .map(|character| character.to_digit(10))
        .collect::<Option<_>>()
        .unwrap_or_default();
    if digits.len() != 10 {
        return false;
    }
    nhs_check_digit(&digits[..9]) == Some(digits[9])
}

/// The check digit for the first nine digits of an NHS number, or `None` when those digits
/// cannot form a valid number (the remainder gives 10).
fn nhs_check_digit(first_nine: &[u32]) -> Option<u32> {
    let weighted_sum: u32 = first_nine.iter().zip((2..=10).rev()).map(|(digit, weight)| digit * weight).sum();
    match 11 - weighted_sum % 11 {
        11 => Some(0),
        10 => None,
        check => Some(check),
    }
}

/// Draws a valid 10-digit NHS number in the ranges issued in England (starting 4, 6 or 7).
pub fn random_nhs_number(rng: &mut impl Rng) -> String {
    loop {
        let first = [4, 4, 4, 6, 6, 7][rng.random_range(0..6)];
        let mut digits = vec![first];
        digits.extend((0..8).map(|_| rng.random_range(0..10u32)));
        if let Some(check) = nhs_check_digit(&digits) {
            digits.push(check);
            return digits.iter().map(|digit| char::from(b'0' + *digit as u8)).collect();
        }
    }
}

/// Writes an NHS number the way people often type it: `943 476 5919`.
pub fn spaced_nhs_number(number: &str) -> String {
    format!("{} {} {}", &number[..3], &number[3..6], &number[6..])
}

/// Swaps day and month when the result is a different valid date.
pub fn swap_day_and_month(date: Date) -> Option<Date> {
    let day = date.day();
    let month = u8::from(date.month());
    if day > 12 || day == month {
        return None;
    }
    let swapped_month = time::Month::try_from(day).ok()?;
    Date::from_calendar_date(date.year(), swapped_month, month).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn diacritics_are_stripped_letter_by_letter() {
        assert_eq!(strip_diacritics("Ștefan Țurcanu"), "Stefan Turcanu");
        assert_eq!(strip_diacritics("Łukasz Wójcik"), "Lukasz Wojcik");
        assert_eq!(strip_diacritics("Žukauskas Kazlauskienė"), "Zukauskas Kazlauskiene");
        assert!(!has_diacritics("O'Brien"));
    }

    #[test]
    fn a_known_nhs_number_passes_and_a_changed_one_fails() {
        assert!(is_valid_nhs_number("9434765919"));
        assert!(is_valid_nhs_number("943 476 5919"));
        assert!(!is_valid_nhs_number("9434765918"));
        assert!(!is_valid_nhs_number("943476591"));
    }

    #[test]
    fn random_nhs_numbers_are_valid() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..1000 {
            let number = random_nhs_number(&mut rng);
            assert!(is_valid_nhs_number(&number), "{number}");
        }
    }

    #[test]
    fn a_typo_changes_a_name_by_one_edit() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let changed = typo("Popescu", &mut rng);
            let length_difference = changed.chars().count().abs_diff(7);
            assert!(length_difference <= 1, "{changed}");
        }
    }
}
