//! String comparators for probabilistic record linkage.
//!
//! The Fellegi-Sunter engine turns each pair of candidate records into a
//! comparison vector, and each element of that vector comes from one of these
//! functions: Jaro-Winkler for names, edit distances for names and identifiers
//! with typing slips, bigram Jaccard for free text such as addresses. They run
//! tens of millions of times in one linkage pass, so they avoid allocation:
//! strings made only of ASCII are compared as bytes, other strings are decoded
//! to Unicode scalar values, and short strings keep their working rows on the
//! stack. Every function is pure, deterministic and total: any input, including
//! empty strings, any script and very long strings, yields a value.

/// Strings and working rows up to this length live on the stack; longer ones
/// take one heap allocation.
const INLINE_CAPACITY: usize = 64;

/// The Jaro-Winkler prefix scale, as Winkler defined it.
const WINKLER_PREFIX_SCALE: f64 = 0.1;

/// The longest common prefix that Jaro-Winkler rewards.
const WINKLER_MAX_PREFIX: usize = 4;

/// Evaluates `$body` with `$a` and `$b` bound to the two strings as slices of
/// symbols: bytes when both are ASCII (where one byte is one character), chars
/// otherwise. A closure cannot be generic over its argument type, so the body
/// is written once and expanded for both.
macro_rules! over_symbols {
    ($a:expr, $b:expr, |$x:ident, $y:ident| $body:expr) => {{
        let (text_a, text_b): (&str, &str) = ($a, $b);
        if text_a.is_ascii() && text_b.is_ascii() {
            let ($x, $y) = (text_a.as_bytes(), text_b.as_bytes());
            $body
        } else {
            with_chars(text_a, |$x| with_chars(text_b, |$y| $body))
        }
    }};
}

/// Jaro similarity in [0, 1] over Unicode scalar values.
///
/// Two empty strings are identical and score 1; an empty string against a
/// non-empty one scores 0.
#[cfg(test)]
pub fn jaro(a: &str, b: &str) -> f64 {
    over_symbols!(a, b, |a, b| jaro_of_symbols(a, b))
}

/// Jaro-Winkler with prefix scale 0.1 and max prefix 4 (the standard).
///
/// The prefix bonus is applied at every Jaro score; there is no boost
/// threshold (some implementations add the bonus only above 0.7).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    over_symbols!(a, b, |a, b| {
        let prefix = a.iter().zip(b).take(WINKLER_MAX_PREFIX).take_while(|(x, y)| x == y).count();
        winkler(jaro_of_symbols(a, b), prefix)
    })
}

/// Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions, each substring edited once), over chars.
///
/// Insertions, deletions, substitutions and swaps of two adjacent characters
/// each cost 1, but no substring is edited twice, so `ca` to `abc` costs 3 and
/// not 2 as in the unrestricted Damerau-Levenshtein distance.
#[cfg(test)]
pub fn damerau_levenshtein(a: &str, b: &str) -> usize {
    over_symbols!(a, b, |a, b| {
        let (a, b) = strip_common_ends(a, b);
        optimal_string_alignment(a, b, None).unwrap_or(usize::MAX)
    })
}

/// Plain Levenshtein distance over chars.
#[cfg(test)]
pub fn levenshtein(a: &str, b: &str) -> usize {
    over_symbols!(a, b, |a, b| {
        let (a, b) = strip_common_ends(a, b);
        levenshtein_of_symbols(a, b)
    })
}

/// Same as damerau_levenshtein but stops early and returns None when the distance exceeds `max` (banded, O(n*max)).
///
/// Only the cells within `max` of the diagonal are computed, and the scan stops
/// as soon as a whole band row exceeds `max`, so rejecting a distant pair costs
/// little. Whenever the true distance is at most `max`, the result is exactly
/// `Some(damerau_levenshtein(a, b))`.
pub fn damerau_levenshtein_within(a: &str, b: &str, max: usize) -> Option<usize> {
    // A string of n bytes holds between n / 4 and n characters, so the byte
    // lengths alone can show that the character lengths differ by more than
    // `max`, before any decoding.
    if a.len().max(b.len()).div_ceil(4) > a.len().min(b.len()).saturating_add(max) {
        return None;
    }
    over_symbols!(a, b, |a, b| {
        let (a, b) = strip_common_ends(a, b);
        optimal_string_alignment(a, b, Some(max))
    })
}

/// Jaccard similarity of the sets of character bigrams (for free text / addresses); 1.0 for two empty strings.
///
/// A string shorter than two characters has no bigrams. When neither string
/// has any, the score is 1 if they are equal (both empty, or the same single
/// character) and 0 otherwise. No case folding or whitespace clean-up happens
/// here: callers fold their text first.
pub fn bigram_jaccard(a: &str, b: &str) -> f64 {
    over_symbols!(a, b, |a, b| bigram_jaccard_of_symbols(a, b))
}

/// A text's characters counted in 16 classes (a char's code modulo 16), four
/// bits a class, with 15 standing for "15 or more". Made once per distinct
/// value, it bounds Jaro-Winkler from above (`jaro_winkler_bound`) without
/// comparing the texts.
pub fn char_profile(text: &str) -> u64 {
    let mut profile = 0u64;
    for character in text.chars() {
        let shift = (u32::from(character) % 16) * 4;
        if (profile >> shift) & 0xF < 0xF {
            profile += 1 << shift;
        }
    }
    profile
}

/// An upper bound on `jaro_winkler(a, b)`, given the texts' `char_profile`s.
///
/// Jaro's matches are pairs of equal characters, so there are no more of
/// them than the characters the two texts share by class, `m`; the score is
/// then at most `(m/|a| + m/|b| + 1) / 3`, and the common prefix adds its
/// bonus to that. Most pairs of different names or addresses share too few
/// characters to reach a band, and are told so here without the quadratic
/// comparison. A class counted 15 or more times gives no bound (1.0).
pub fn jaro_winkler_bound(a: &str, profile_a: u64, b: &str, profile_b: u64) -> f64 {
    let (mut shared, mut length_a, mut length_b) = (0u64, 0u64, 0u64);
    for class in 0..16 {
        let (x, y) = ((profile_a >> (4 * class)) & 0xF, (profile_b >> (4 * class)) & 0xF);
        if x == 0xF || y == 0xF {
            return 1.0;
        }
        shared += x.min(y);
        length_a += x;
        length_b += y;
    }
    if length_a == 0 || length_b == 0 {
        return 1.0;
    }
    if shared == 0 {
        return 0.0;
    }
    // The same expression as `jaro_of_symbols` with every match counted and
    // no transposition (whose third term is then exactly 1), so the bound is
    // never below the exact score.
    let matches = shared as f64;
    let jaro = (matches / length_a as f64 + matches / length_b as f64 + 1.0) / 3.0;
    let prefix = a.chars().zip(b.chars()).take(WINKLER_MAX_PREFIX).take_while(|(x, y)| x == y).count();
    winkler(jaro, prefix)
}

/// Winkler's boost of a Jaro score for a common prefix of `prefix` symbols
/// (at most `WINKLER_MAX_PREFIX`): one formula for the score and its bound.
fn winkler(jaro: f64, prefix: usize) -> f64 {
    jaro + prefix as f64 * WINKLER_PREFIX_SCALE * (1.0 - jaro)
}

/// The distinct bigrams of an ASCII text, sorted, each as its two bytes; None
/// for a text with other characters. Made once per distinct value, so that
/// `bigram_jaccard_of_sets` only merges.
pub fn ascii_bigram_set(text: &str) -> Option<Box<[u16]>> {
    if !text.is_ascii() {
        return None;
    }
    let mut bigrams: Vec<u16> = text.as_bytes().windows(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect();
    bigrams.sort_unstable();
    bigrams.dedup();
    Some(bigrams.into())
}

/// `bigram_jaccard(text_a, text_b)`, from the texts' `ascii_bigram_set`s.
pub fn bigram_jaccard_of_sets(a: &[u16], b: &[u16], text_a: &str, text_b: &str) -> f64 {
    if a.is_empty() && b.is_empty() {
        return if text_a == text_b { 1.0 } else { 0.0 };
    }
    let shared = shared_of_sorted_sets(a, b);
    shared as f64 / (a.len() + b.len() - shared) as f64
}

/// How many values two sorted sets share, by merging them.
fn shared_of_sorted_sets<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// A unit of comparison: a byte of an ASCII string or a char of any string.
trait Symbol: Copy + Eq + Into<u64> {}

impl Symbol for u8 {}

impl Symbol for char {}

/// Decodes a string to its chars, on the stack when it is short.
fn with_chars<R>(text: &str, use_chars: impl FnOnce(&[char]) -> R) -> R {
    // A string of at most INLINE_CAPACITY bytes has at most that many chars.
    if text.len() <= INLINE_CAPACITY {
        let mut inline = ['\0'; INLINE_CAPACITY];
        let mut count = 0;
        for (slot, character) in inline.iter_mut().zip(text.chars()) {
            *slot = character;
            count += 1;
        }
        use_chars(&inline[..count])
    } else {
        let chars: Vec<char> = text.chars().collect();
        use_chars(&chars)
    }
}

/// Lends a scratch slice of `length` copies of `fill`, on the stack when short.
fn with_scratch<T: Copy, R>(length: usize, fill: T, use_scratch: impl FnOnce(&mut [T]) -> R) -> R {
    if length <= INLINE_CAPACITY {
        let mut inline = [fill; INLINE_CAPACITY];
        use_scratch(&mut inline[..length])
    } else {
        let mut heap = vec![fill; length];
        use_scratch(&mut heap)
    }
}

/// Removes the common prefix and suffix, which never change an edit distance.
///
/// For Levenshtein this is the classic observation; for optimal string
/// alignment a transposition across the boundary would swap a symbol with an
/// identical one, which is the same as matching it, and the distance is
/// unchanged by reversing both strings, so the suffix goes the same way.
fn strip_common_ends<'s, T: Symbol>(a: &'s [T], b: &'s [T]) -> (&'s [T], &'s [T]) {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count();
    (&a[..a.len() - suffix], &b[..b.len() - suffix])
}

fn jaro_of_symbols<T: Symbol>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return if a.len() == b.len() { 1.0 } else { 0.0 };
    }
    // Two symbols match when equal and no further apart than this window.
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    with_scratch(a.len() + b.len(), false, |matched| {
        let (a_matched, b_matched) = matched.split_at_mut(a.len());
        let mut matches = 0usize;
        for (i, symbol) in a.iter().enumerate() {
            let start = i.saturating_sub(window);
            let end = (i + window + 1).min(b.len());
            for j in start..end {
                if !b_matched[j] && b[j] == *symbol {
                    a_matched[i] = true;
                    b_matched[j] = true;
                    matches += 1;
                    break;
                }
            }
        }
        if matches == 0 {
            return 0.0;
        }
        // Walk both matched sequences in order; each disagreement is half a transposition.
        let mut b_position = 0;
        let mut half_transpositions = 0usize;
        for (symbol, _) in a.iter().zip(a_matched.iter()).filter(|(_, matched)| **matched) {
            while !b_matched[b_position] {
                b_position += 1;
            }
            if b[b_position] != *symbol {
                half_transpositions += 1;
            }
            b_position += 1;
        }
        let matches = matches as f64;
        let transpositions = (half_transpositions / 2) as f64;
        (matches / a.len() as f64 + matches / b.len() as f64 + (matches - transpositions) / matches) / 3.0
    })
}

#[cfg(test)]
fn levenshtein_of_symbols<T: Symbol>(a: &[T], b: &[T]) -> usize {
    // Keep the row along the shorter string.
    let (a, b) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    if b.is_empty() {
        return a.len();
    }
    with_scratch(b.len() + 1, 0usize, |row| {
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = j;
        }
        for (i, a_symbol) in a.iter().enumerate() {
            // `diagonal` holds the previous row's value at j - 1.
            let mut diagonal = row[0];
            row[0] = i + 1;
            for (j, b_symbol) in b.iter().enumerate() {
                let substitution = diagonal + usize::from(a_symbol != b_symbol);
                diagonal = row[j + 1];
                row[j + 1] = substitution.min(diagonal + 1).min(row[j] + 1);
            }
        }
        row[b.len()]
    })
}

/// Optimal string alignment distance, banded to `max` when one is given.
///
/// Returns None only when a bound was given and the distance exceeds it.
fn optimal_string_alignment<T: Symbol>(a: &[T], b: &[T], max: Option<usize>) -> Option<usize> {
    // Keep the rows along the shorter string.
    let (a, b) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    if a.len() - b.len() > max.unwrap_or(usize::MAX) {
        return None;
    }
    if b.is_empty() {
        return Some(a.len());
    }
    // A distance never exceeds the longer length, so a bound that large changes nothing.
    let band = match max {
        Some(max) if max < a.len() => max,
        _ => a.len(),
    };
    // Any value above the band counts as "too far"; it stands for every cell outside the band.
    let too_far = band + 1;
    let columns = b.len() + 1;
    with_scratch(3 * columns, too_far, |rows| {
        let (mut before_previous, rest) = rows.split_at_mut(columns);
        let (mut previous, mut current) = rest.split_at_mut(columns);
        for (j, cell) in previous.iter_mut().enumerate().take(band + 1) {
            *cell = j;
        }
        for i in 1..=a.len() {
            let first = if i > band { i - band } else { 1 };
            let last = (i + band).min(b.len());
            current[first - 1] = if first == 1 { i } else { too_far };
            let mut row_minimum = current[first - 1];
            for j in first..=last {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut value = (previous[j - 1] + cost).min(previous[j] + 1).min(current[j - 1] + 1);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    value = value.min(before_previous[j - 2] + 1);
                }
                let value = value.min(too_far);
                current[j] = value;
                row_minimum = row_minimum.min(value);
            }
            if last < b.len() {
                current[last + 1] = too_far;
            }
            if row_minimum > band {
                return None;
            }
            // Rotate the rows: the current row becomes the previous one.
            std::mem::swap(&mut before_previous, &mut previous);
            std::mem::swap(&mut previous, &mut current);
        }
        let distance = previous[b.len()];
        (distance <= band).then_some(distance)
    })
}

fn bigram_jaccard_of_symbols<T: Symbol>(a: &[T], b: &[T]) -> f64 {
    let a_count = a.len().saturating_sub(1);
    let b_count = b.len().saturating_sub(1);
    if a_count == 0 && b_count == 0 {
        return if a == b { 1.0 } else { 0.0 };
    }
    // Each bigram packs into one u64: a char needs 21 bits, a byte 8.
    let pack = |pair: &[T]| -> u64 {
        let (first, second): (u64, u64) = (pair[0].into(), pair[1].into());
        (first << 32) | second
    };
    with_scratch(a_count + b_count, 0u64, |bigrams| {
        let (a_bigrams, b_bigrams) = bigrams.split_at_mut(a_count);
        for (slot, pair) in a_bigrams.iter_mut().zip(a.windows(2)) {
            *slot = pack(pair);
        }
        for (slot, pair) in b_bigrams.iter_mut().zip(b.windows(2)) {
            *slot = pack(pair);
        }
        let a_set = sorted_set(a_bigrams);
        let b_set = sorted_set(b_bigrams);
        let shared = shared_of_sorted_sets(a_set, b_set);
        let union = a_set.len() + b_set.len() - shared;
        shared as f64 / union as f64
    })
}

/// Sorts the slice in place and returns its prefix of distinct values.
fn sorted_set(values: &mut [u64]) -> &[u64] {
    values.sort_unstable();
    let mut distinct = 0;
    for i in 0..values.len() {
        if distinct == 0 || values[i] != values[distinct - 1] {
            values[distinct] = values[i];
            distinct += 1;
        }
    }
    &values[..distinct]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-4, "expected {expected}, got {actual}");
    }

    #[test]
    fn jaro_and_jaro_winkler_match_textbook_values() {
        let table: &[(&str, &str, f64, f64)] = &[
            ("MARTHA", "MARHTA", 0.9444, 0.9611),
            ("DWAYNE", "DUANE", 0.8222, 0.84),
            ("DIXON", "DICKSONX", 0.7667, 0.8133),
            ("JELLYFISH", "SMELLYFISH", 0.8963, 0.8963),
            ("CRATE", "TRACE", 0.7333, 0.7333),
            ("abc", "xyz", 0.0, 0.0),
        ];
        for &(a, b, expected_jaro, expected_winkler) in table {
            assert_close(jaro(a, b), expected_jaro);
            assert_close(jaro_winkler(a, b), expected_winkler);
            assert_close(jaro(b, a), expected_jaro);
            assert_close(jaro_winkler(b, a), expected_winkler);
        }
    }

    #[test]
    fn jaro_handles_empty_and_single_characters() {
        assert_eq!(jaro("", ""), 1.0);
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro("", "a"), 0.0);
        assert_eq!(jaro("a", ""), 0.0);
        assert_eq!(jaro_winkler("abc", ""), 0.0);
        assert_eq!(jaro("a", "a"), 1.0);
        assert_eq!(jaro("a", "b"), 0.0);
    }

    #[test]
    fn edit_distances_match_textbook_values() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("flaw", "lawn"), 2);
        assert_eq!(levenshtein("saturday", "sunday"), 3);
        assert_eq!(damerau_levenshtein("ca", "abc"), 3);
        assert_eq!(damerau_levenshtein("abcd", "acbd"), 1);
        assert_eq!(damerau_levenshtein("abcd", "badc"), 2);
        assert_eq!(damerau_levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("abcd", "acbd"), 2);
        assert_eq!(damerau_levenshtein("smith", "smiht"), 1);
        assert_eq!(damerau_levenshtein("1980-03-12", "1980-12-03"), 4);
    }

    #[test]
    fn edit_distances_handle_empty_strings() {
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(damerau_levenshtein("", ""), 0);
        assert_eq!(damerau_levenshtein("", "abc"), 3);
        assert_eq!(damerau_levenshtein_within("", "", 0), Some(0));
        assert_eq!(damerau_levenshtein_within("", "abc", 3), Some(3));
        assert_eq!(damerau_levenshtein_within("", "abc", 2), None);
        assert_eq!(damerau_levenshtein_within("abc", "", 2), None);
    }

    #[test]
    fn banded_distance_stops_at_its_bound() {
        assert_eq!(damerau_levenshtein_within("kitten", "sitting", 3), Some(3));
        assert_eq!(damerau_levenshtein_within("kitten", "sitting", 2), None);
        assert_eq!(damerau_levenshtein_within("kitten", "sitting", 100), Some(3));
        assert_eq!(damerau_levenshtein_within("kitten", "sitting", usize::MAX), Some(3));
        assert_eq!(damerau_levenshtein_within("abcd", "acbd", 1), Some(1));
        assert_eq!(damerau_levenshtein_within("abcd", "acbd", 0), None);
        assert_eq!(damerau_levenshtein_within("same", "same", 0), Some(0));
        assert_eq!(damerau_levenshtein_within("ca", "abc", 2), None);
        assert_eq!(damerau_levenshtein_within("ca", "abc", 3), Some(3));
        assert_eq!(damerau_levenshtein_within("a", "abcdefgh", 3), None);
        let long = "x".repeat(10_000);
        let long_with_slip = format!("{}y{}", "x".repeat(5_000), "x".repeat(4_999));
        assert_eq!(damerau_levenshtein_within(&long, &long_with_slip, 2), Some(1));
        assert_eq!(damerau_levenshtein_within(&long, "", 5), None);
        assert_eq!(damerau_levenshtein_within("Андрій", &"я".repeat(1_000), 5), None);
    }

    #[test]
    fn multibyte_strings_are_counted_by_character() {
        // Cyrillic: one substitution (а for о), each letter two bytes.
        assert_eq!(levenshtein("Олександр", "Александр"), 1);
        assert_eq!(damerau_levenshtein("Олександр", "Александр"), 1);
        assert_eq!(damerau_levenshtein_within("Олександр", "Александр", 1), Some(1));
        // Amharic: a swap of two adjacent syllables, each letter three bytes.
        assert_eq!(damerau_levenshtein("ተስፋዬ", "ተፋስዬ"), 1);
        assert_eq!(levenshtein("ተስፋዬ", "ተፋስዬ"), 2);
        assert_eq!(levenshtein("ብርሃነ", ""), 4);
        // Arabic: Muhammad with and without the final letter doubled by a slip.
        assert_eq!(levenshtein("محمد", "محمدد"), 1);
        assert_eq!(damerau_levenshtein("محمد", "مجمد"), 1);
        // Mixed scripts: every character differs.
        assert_eq!(levenshtein("abc", "абв"), 3);
        assert_close(jaro("ተስፋዬ", "ተስፋዬ"), 1.0);
        assert_close(jaro("Олег", "Олеґ"), 5.0 / 6.0);
        assert_close(jaro_winkler("Олег", "Олеґ"), 5.0 / 6.0 + 3.0 * 0.1 / 6.0);
        assert_close(bigram_jaccard("محمد", "محمود"), 2.0 / 5.0);
    }

    #[test]
    fn bigram_jaccard_compares_sets_of_pairs() {
        assert_eq!(bigram_jaccard("", ""), 1.0);
        assert_eq!(bigram_jaccard("a", "a"), 1.0);
        assert_eq!(bigram_jaccard("a", "b"), 0.0);
        assert_eq!(bigram_jaccard("", "ab"), 0.0);
        assert_eq!(bigram_jaccard("ab", "ab"), 1.0);
        // {ni, ig, gh, ht} against {na, ac, ch, ht}: one shared of seven.
        assert_close(bigram_jaccard("night", "nacht"), 1.0 / 7.0);
        // Repeated bigrams count once: {aa} against {aa}.
        assert_eq!(bigram_jaccard("aaaa", "aa"), 1.0);
        // Nine bigrams each ("12", "2 ", " h", "hi", "ig", "gh", "h ", then " s", "st"
        // against " r", "rd"): seven shared of eleven.
        assert_close(bigram_jaccard("12 high st", "12 high rd"), 7.0 / 11.0);
        assert_close(bigram_jaccard("flat 3", "flat 3a"), 5.0 / 6.0);
    }

    /// A tiny xorshift generator, so the property tests need no crate and repeat exactly.
    struct Xorshift(u64);

    impl Xorshift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, bound: usize) -> usize {
            (self.next() % bound as u64) as usize
        }

        /// A short string over a small alphabet, so that matches, repeats and swaps are common.
        fn string(&mut self, alphabet: &[char]) -> String {
            let length = self.below(12);
            (0..length).map(|_| alphabet[self.below(alphabet.len())]).collect()
        }
    }

    /// The textbook full-matrix optimal string alignment, as an independent reference.
    fn reference_optimal_string_alignment(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }

    /// The textbook full-matrix Levenshtein distance, as an independent reference.
    fn reference_levenshtein(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            }
        }
        d[a.len()][b.len()]
    }

    #[test]
    fn comparators_keep_their_properties_on_pseudo_random_strings() {
        let alphabets: [&[char]; 3] =
            [&['a', 'b', 'c'], &['a', 'b', 'c', 'd', 'e', 'f', 'g'], &['a', 'б', 'ተ', 'م', ' ']];
        let mut generator = Xorshift(0x9e37_79b9_7f4a_7c15);
        for round in 0..6_000 {
            let alphabet = alphabets[round % alphabets.len()];
            let a = generator.string(alphabet);
            let b = generator.string(alphabet);
            let c = generator.string(alphabet);

            let distance = damerau_levenshtein(&a, &b);
            assert_eq!(distance, reference_optimal_string_alignment(&a, &b), "osa {a:?} {b:?}");
            assert_eq!(distance, damerau_levenshtein(&b, &a), "osa symmetry {a:?} {b:?}");
            let plain = levenshtein(&a, &b);
            assert_eq!(plain, reference_levenshtein(&a, &b), "levenshtein {a:?} {b:?}");
            assert_eq!(plain, levenshtein(&b, &a), "levenshtein symmetry {a:?} {b:?}");
            assert!(distance <= plain, "transpositions never cost more {a:?} {b:?}");
            assert!(plain <= levenshtein(&a, &c) + levenshtein(&c, &b), "triangle inequality {a:?} {b:?} {c:?}");

            for max in 0..8 {
                let banded = damerau_levenshtein_within(&a, &b, max);
                if distance <= max {
                    assert_eq!(banded, Some(distance), "banded {a:?} {b:?} within {max}");
                } else {
                    assert_eq!(banded, None, "banded {a:?} {b:?} within {max}");
                }
            }

            assert_eq!(levenshtein(&a, &a), 0);
            assert_eq!(damerau_levenshtein(&a, &a), 0);
            assert_eq!(damerau_levenshtein_within(&a, &a, 0), Some(0));
            assert_eq!(jaro(&a, &a), 1.0);
            assert_eq!(jaro_winkler(&a, &a), 1.0);
            assert_eq!(bigram_jaccard(&a, &a), 1.0);

            for score in [jaro(&a, &b), jaro_winkler(&a, &b), bigram_jaccard(&a, &b)] {
                assert!((0.0..=1.0).contains(&score), "score {score} out of range for {a:?} {b:?}");
            }
            assert_eq!(jaro(&a, &b), jaro(&b, &a), "jaro symmetry {a:?} {b:?}");
            assert_eq!(jaro_winkler(&a, &b), jaro_winkler(&b, &a), "jaro-winkler symmetry {a:?} {b:?}");
            assert!(jaro_winkler(&a, &b) >= jaro(&a, &b));
            assert_eq!(bigram_jaccard(&a, &b), bigram_jaccard(&b, &a), "jaccard symmetry {a:?} {b:?}");

            // The profile bound is never below the score it stands in for.
            let bound = jaro_winkler_bound(&a, char_profile(&a), &b, char_profile(&b));
            assert!(bound >= jaro_winkler(&a, &b), "bound {bound} below jaro-winkler {a:?} {b:?}");
            // Prepared bigram sets give the same Jaccard as the texts.
            if let (Some(set_a), Some(set_b)) = (ascii_bigram_set(&a), ascii_bigram_set(&b)) {
                assert_eq!(bigram_jaccard_of_sets(&set_a, &set_b, &a, &b), bigram_jaccard(&a, &b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn the_profile_bound_rules_out_different_words_and_keeps_close_ones() {
        let bound = |a: &str, b: &str| jaro_winkler_bound(a, char_profile(a), b, char_profile(b));
        // Few shared characters: far below any band, without comparing.
        assert!(bound("KOWALSKI", "SMITH") < 0.8);
        assert!(bound("ROSELLA STREET", "BUNDAMBA PLACE") < 0.9);
        // Close words keep a bound above the band they reach.
        assert!(bound("MARTHA", "MARHTA") >= jaro_winkler("MARTHA", "MARHTA"));
        assert!(bound("MARTHA", "MARHTA") > 0.92);
        // A class seen 15 times or more gives no bound.
        assert_eq!(bound(&"a".repeat(20), "b"), 1.0);
    }

    #[test]
    fn long_strings_use_the_heap_path_correctly() {
        let a = "abcdefghij".repeat(30);
        let mut b = a.clone();
        b.replace_range(100..102, "ba");
        b.push('z');
        assert_eq!(levenshtein(&a, &b), 3);
        assert_eq!(damerau_levenshtein(&a, &b), 2);
        assert_eq!(damerau_levenshtein_within(&a, &b, 2), Some(2));
        assert_eq!(damerau_levenshtein_within(&a, &b, 1), None);
        assert!(jaro_winkler(&a, &b) > 0.99);
        // The ten bigrams of the cycle, against those ten plus "jb", "ba", "ac" and "jz".
        assert_close(bigram_jaccard(&a, &b), 10.0 / 14.0);
        let cyrillic = "Олександр".repeat(20);
        assert_eq!(levenshtein(&cyrillic, &cyrillic), 0);
        assert_eq!(jaro(&cyrillic, &cyrillic), 1.0);
    }
}
