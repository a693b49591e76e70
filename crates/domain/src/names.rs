//! Name folding: case, accents and punctuation removed so that `Ștefan` and
//! `STEFAN` compare equal. Used by the certain-link rules and by linkage.

use unicode_normalization::UnicodeNormalization;

/// Folds a name to lower-case ASCII-like letters: diacritics stripped, hyphens
/// and repeated spaces turned into one space, apostrophes and dots removed.
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.nfd() {
        match c {
            '\u{300}'..='\u{36f}' | '\'' | '’' | '.' => {}
            'ł' | 'Ł' => out.push('l'),
            'ø' | 'Ø' => out.push('o'),
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ı' => out.push('i'),
            '-' | ' ' | '\t' | ',' => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.extend(c.to_lowercase()),
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Initials of a name for the minimal entry shown without consent (`J. S.`).
pub fn initials(first: Option<&str>, last: Option<&str>) -> String {
    let initial = |n: Option<&str>| n.and_then(|n| n.trim().chars().next()).map(|c| format!("{}.", c.to_uppercase()));
    match (initial(first), initial(last)) {
        (Some(f), Some(l)) => format!("{f} {l}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => "?".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_case_accents_and_punctuation() {
        assert_eq!(fold("Ștefan"), "stefan");
        assert_eq!(fold("  ŁUKASZ  "), "lukasz");
        assert_eq!(fold("O'Brien"), "obrien");
        assert_eq!(fold("Kazlauskienė"), "kazlauskiene");
        assert_eq!(fold("Mary-Jane  Smith"), "mary jane smith");
        assert_eq!(fold("Conceição"), "conceicao");
    }

    #[test]
    fn initials_cope_with_missing_names() {
        assert_eq!(initials(Some("ștefan"), Some("Popescu")), "Ș. P.");
        assert_eq!(initials(None, Some("Popescu")), "P.");
        assert_eq!(initials(None, None), "?");
    }
}
