//! Given names and the short or familiar forms people go by, as case
//! workers meet them: `William` recorded by one service, `Bill` by another.
//! Each group is a set of names one person may use; two names match when
//! they share a group. Names are folded (lower-case, no accents).

use std::collections::HashMap;
use std::sync::OnceLock;

/// Groups of interchangeable given names.
const GROUPS: &[&[&str]] = &[
    &["william", "bill", "billy", "will", "willie", "liam"],
    &["robert", "bob", "bobby", "rob", "robbie", "bert"],
    &["james", "jim", "jimmy", "jamie", "jimmie"],
    &["john", "jack", "johnny", "jon", "johnnie"],
    &["michael", "mick", "mike", "mickey", "micky", "mikey"],
    &["anthony", "tony", "ant"],
    &["thomas", "tom", "tommy"],
    &["daniel", "dan", "danny"],
    &["christopher", "chris", "kit"],
    &["stephen", "steven", "steve", "stevie"],
    &["patrick", "paddy", "pat"],
    &["joseph", "joe", "joey"],
    &["richard", "rick", "ricky", "dick", "rich", "richie"],
    &["edward", "ted", "eddie", "ed", "ned", "teddy"],
    &["david", "dave", "davey", "davie"],
    &["andrew", "andy", "drew"],
    &["alexander", "alex", "sandy", "alec", "aleksander", "olek", "sasha", "aleksandr"],
    &["margaret", "maggie", "peggy", "meg", "maggy"],
    &["elizabeth", "liz", "lizzie", "beth", "betty", "eliza", "libby"],
    &["katherine", "catherine", "kate", "katie", "cathy", "kathy", "kath", "cath"],
    &["mohammed", "mohamed", "muhammad", "mohammad", "mo", "moe"],
    &["francis", "frank", "frankie", "fran"],
    &["frederick", "fred", "freddie", "freddy"],
    &["henry", "harry", "hal"],
    &["charles", "charlie", "chas", "chuck"],
    &["samuel", "sam", "sammy"],
    &["benjamin", "ben", "benny"],
    &["nicholas", "nick", "nicky"],
    &["matthew", "matt", "matty"],
    &["peter", "pete"],
    &["gerald", "gerry", "jerry", "ger"],
    &["terence", "terry", "tel"],
    &["lawrence", "laurence", "larry", "laurie"],
    &["raymond", "ray"],
    &["ronald", "ron", "ronnie"],
    &["donald", "don", "donnie"],
    &["kenneth", "ken", "kenny"],
    &["leonard", "len", "lenny", "leo"],
    &["philip", "phillip", "phil", "pip"],
    &["timothy", "tim", "timmy"],
    &["gregory", "greg"],
    &["jonathan", "jon", "jonny", "johnny"],
    &["susan", "sue", "susie"],
    &["jennifer", "jenny", "jen"],
    &["rebecca", "becky", "becca"],
    &["deborah", "debbie", "deb"],
    &["patricia", "pat", "patsy", "trish", "tricia"],
    &["victoria", "vicky", "tori"],
    &["samantha", "sam", "sammy"],
    &["stanislaw", "stan", "stas"],
    &["wojciech", "wojtek"],
    &["lukasz", "luke", "lukas"],
    &["krzysztof", "chris", "krzys"],
    &["jozef", "jozek", "joseph", "joe"],
    &["ionut", "ion", "john"],
    &["gheorghe", "george", "gica"],
    &["vasile", "vasi", "basil"],
    &["mindaugas", "mindas"],
    &["sean", "shaun", "shawn"],
    &["siobhan", "shiv"],
    &["declan", "dec"],
    &["abdullahi", "abdi", "abdullah"],
    &["ibrahim", "ibra", "abraham"],
    &["yohannes", "johannes", "john", "yonas"],
];

/// For each name, the groups it belongs to as a bit set (there are fewer than 128 groups).
fn index() -> &'static HashMap<&'static str, u128> {
    static INDEX: OnceLock<HashMap<&'static str, u128>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: HashMap<&'static str, u128> = HashMap::new();
        for (g, group) in GROUPS.iter().enumerate() {
            for name in *group {
                *index.entry(name).or_default() |= 1 << g;
            }
        }
        index
    })
}

/// Whether two folded given names are forms of the same name.
pub fn same_person_by_nickname(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let index = index();
    match (index.get(a), index.get(b)) {
        (Some(x), Some(y)) => x & y != 0,
        _ => false,
    }
}

/// The usual form of a folded given name: the first name of the first group
/// it belongs to (`bill` and `will` give `william`), or the name itself when
/// it has no familiar forms. Forms of one name mostly share it, so it serves
/// as a blocking key.
pub fn usual_form(name: &str) -> &str {
    match index().get(name) {
        Some(groups) => GROUPS[groups.trailing_zeros() as usize][0],
        None => name,
    }
}

/// Whether a folded given name belongs to a group of familiar forms.
pub fn has_familiar_forms(name: &str) -> bool {
    index().contains_key(name)
}

/// The usual form of every group a folded given name belongs to (`john` is a form of `john`,
/// `jonathan`, `yohannes` and `ionut`), or the name itself when it has no familiar forms: two
/// names are forms of one name exactly when these share an entry, so a search can look names up
/// by them.
pub fn usual_forms(name: &str) -> Vec<&str> {
    match index().get(name) {
        Some(&groups) => (0..GROUPS.len()).filter(|g| groups & (1 << g) != 0).map(|g| GROUPS[g][0]).collect(),
        None => vec![name],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn familiar_forms_share_their_usual_form() {
        assert_eq!(usual_form("bill"), "william");
        assert_eq!(usual_form("cathy"), usual_form("catherine"));
        assert_eq!(usual_form("steve"), "stephen");
        assert_eq!(usual_form("tesfay"), "tesfay", "a name without familiar forms is its own");
    }

    #[test]
    fn familiar_forms_match_and_strangers_do_not() {
        assert!(same_person_by_nickname("william", "bill"));
        assert!(same_person_by_nickname("bill", "liam"));
        assert!(same_person_by_nickname("mohammed", "mo"));
        assert!(!same_person_by_nickname("william", "robert"));
        assert!(!same_person_by_nickname("bill", "bob"));
    }

    #[test]
    fn names_of_one_group_share_a_usual_form() {
        let shared = |a: &str, b: &str| usual_forms(a).iter().any(|f| usual_forms(b).contains(f));
        assert!(shared("jon", "jonathan") && shared("jon", "john") && shared("bill", "liam"));
        assert!(!shared("bill", "bob"));
        assert_eq!(usual_forms("tesfay"), ["tesfay"]);
    }

    #[test]
    fn there_are_fewer_groups_than_bits() {
        assert!(GROUPS.len() < 128);
    }

    #[test]
    fn every_name_is_folded() {
        for group in GROUPS {
            for name in *group {
                assert_eq!(*name, byname_domain::names::fold(name), "{name} is not folded");
            }
        }
    }
}
