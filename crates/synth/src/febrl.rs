//! A FEBRL-style deduplication set of any size: original person records
//! (names drawn with realistic skew, addresses, dates of birth, identity
//! numbers) and duplicates with the corruptions FEBRL's generator makes
//! (typos, missing values, swapped names, altered digits), plus the truth.
//! Used to measure linkage at a million records. Deterministic for a seed.

use crate::noise::typo;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::{self, Write};

const GIVEN: &[&str] = &[
    "james",
    "john",
    "robert",
    "michael",
    "william",
    "david",
    "richard",
    "joseph",
    "thomas",
    "charles",
    "daniel",
    "matthew",
    "anthony",
    "mark",
    "paul",
    "steven",
    "andrew",
    "joshua",
    "kenneth",
    "kevin",
    "brian",
    "george",
    "timothy",
    "ronald",
    "jason",
    "edward",
    "jeffrey",
    "ryan",
    "jacob",
    "gary",
    "nicholas",
    "eric",
    "jonathan",
    "stephen",
    "larry",
    "justin",
    "scott",
    "brandon",
    "benjamin",
    "samuel",
    "gregory",
    "alexander",
    "patrick",
    "frank",
    "raymond",
    "jack",
    "dennis",
    "jerry",
    "tyler",
    "aaron",
    "jose",
    "adam",
    "nathan",
    "henry",
    "zachary",
    "douglas",
    "peter",
    "kyle",
    "noah",
    "ethan",
    "jeremy",
    "walter",
    "christian",
    "keith",
    "roger",
    "terry",
    "austin",
    "sean",
    "gerald",
    "carl",
    "harold",
    "dylan",
    "arthur",
    "lawrence",
    "jordan",
    "jesse",
    "bryan",
    "billy",
    "bruce",
    "gabriel",
    "joe",
    "logan",
    "alan",
    "juan",
    "albert",
    "willie",
    "elijah",
    "wayne",
    "randy",
    "vincent",
    "mary",
    "patricia",
    "jennifer",
    "linda",
    "elizabeth",
    "barbara",
    "susan",
    "jessica",
    "sarah",
    "karen",
    "lisa",
    "nancy",
    "betty",
    "sandra",
    "margaret",
    "ashley",
    "kimberly",
    "emily",
    "donna",
    "michelle",
    "carol",
    "amanda",
    "melissa",
    "deborah",
    "stephanie",
    "dorothy",
    "rebecca",
    "sharon",
    "laura",
    "cynthia",
    "amy",
    "kathleen",
    "angela",
    "shirley",
    "brenda",
    "emma",
    "anna",
    "pamela",
    "nicole",
    "samantha",
    "katherine",
    "christine",
    "helen",
    "debra",
    "rachel",
    "carolyn",
    "janet",
    "maria",
    "catherine",
    "heather",
    "diane",
    "olivia",
    "julie",
    "joyce",
    "victoria",
    "ruth",
    "virginia",
    "lauren",
    "kelly",
    "christina",
    "joan",
    "evelyn",
    "judith",
    "andrea",
    "hannah",
    "megan",
    "cheryl",
    "jacqueline",
    "martha",
    "madison",
    "teresa",
    "gloria",
    "sara",
    "janice",
    "ann",
    "kathryn",
    "abigail",
    "sophia",
    "frances",
    "jean",
    "alice",
    "judy",
    "isabella",
    "julia",
    "grace",
    "amber",
    "denise",
    "danielle",
    "marilyn",
    "beverly",
    "charlotte",
    "natalie",
    "theresa",
    "diana",
    "brittany",
    "doris",
    "kayla",
    "alexis",
    "lori",
    "marie",
    "chloe",
    "jade",
    "lily",
    "zoe",
    "mia",
];

const SURNAME: &[&str] = &[
    "smith",
    "jones",
    "williams",
    "brown",
    "wilson",
    "taylor",
    "johnson",
    "white",
    "martin",
    "anderson",
    "thompson",
    "nguyen",
    "thomas",
    "walker",
    "harris",
    "lee",
    "ryan",
    "robinson",
    "kelly",
    "king",
    "davis",
    "wright",
    "evans",
    "roberts",
    "green",
    "hall",
    "wood",
    "jackson",
    "clarke",
    "patel",
    "khan",
    "lewis",
    "james",
    "phillips",
    "mason",
    "mitchell",
    "rose",
    "davies",
    "rodriguez",
    "cox",
    "alexander",
    "garden",
    "campbell",
    "johnston",
    "moore",
    "smyth",
    "oneill",
    "doherty",
    "stewart",
    "quinn",
    "murphy",
    "graham",
    "mclaughlin",
    "hamilton",
    "murray",
    "hughes",
    "robertson",
    "thomson",
    "scott",
    "macdonald",
    "reid",
    "clark",
    "ross",
    "young",
    "watson",
    "paterson",
    "morrison",
    "miller",
    "fraser",
    "henderson",
    "allen",
    "turner",
    "parker",
    "collins",
    "edwards",
    "morgan",
    "bell",
    "cooper",
    "ward",
    "cook",
    "bailey",
    "harrison",
    "baker",
    "morris",
    "carter",
    "price",
    "bennett",
    "gray",
    "shaw",
    "lloyd",
    "russell",
    "hill",
    "lane",
    "marsh",
    "ellis",
    "webb",
    "hunt",
    "palmer",
    "mills",
    "barnes",
    "knight",
    "matthews",
    "lowe",
    "owen",
    "butler",
    "fisher",
    "stevens",
    "harvey",
    "holmes",
    "foster",
    "powell",
    "gibson",
    "simpson",
    "marshall",
    "jenkins",
    "dixon",
    "porter",
    "chapman",
    "hunter",
    "wells",
    "hart",
    "berry",
    "kennedy",
    "wallace",
    "dean",
    "riley",
    "fox",
    "payne",
    "woods",
    "gardner",
    "lawrence",
    "gordon",
    "ferguson",
    "black",
    "little",
    "burns",
    "spencer",
    "wong",
    "chen",
    "tran",
    "pham",
    "le",
    "huynh",
    "hoang",
    "vu",
    "dang",
    "bui",
    "do",
    "ngo",
    "duong",
    "ly",
    "zhang",
    "wang",
    "li",
    "liu",
    "yang",
    "huang",
    "zhao",
    "wu",
    "zhou",
    "xu",
    "sun",
    "ma",
    "zhu",
    "hu",
    "guo",
    "he",
    "lin",
    "luo",
    "zheng",
    "liang",
    "papadopoulos",
    "nikolaidis",
    "georgiou",
    "rossi",
    "russo",
    "ferrari",
    "esposito",
    "bianchi",
    "romano",
    "colombo",
    "ricci",
    "marino",
    "greco",
    "bruno",
    "gallo",
    "conti",
    "deluca",
    "costa",
    "giordano",
    "mancini",
    "rizzo",
    "lombardi",
    "moretti",
    "kowalski",
    "nowak",
    "wisniewski",
    "wojcik",
    "kaminski",
    "lewandowski",
    "zielinski",
    "szymanski",
    "schmidt",
    "schneider",
    "fischer",
    "weber",
    "meyer",
    "wagner",
    "becker",
    "schulz",
    "hoffmann",
    "koch",
    "richter",
    "klein",
    "wolf",
    "schroeder",
    "neumann",
    "schwarz",
    "zimmermann",
    "braun",
];

const STREETS: &[&str] = &[
    "main",
    "high",
    "church",
    "station",
    "park",
    "victoria",
    "george",
    "king",
    "queen",
    "william",
    "elizabeth",
    "albert",
    "mary",
    "market",
    "bridge",
    "mill",
    "river",
    "hill",
    "north",
    "south",
    "east",
    "west",
    "pacific",
    "ocean",
    "bay",
    "beach",
    "lake",
    "forest",
    "garden",
    "railway",
    "wattle",
    "banksia",
    "acacia",
    "waratah",
    "jacaranda",
    "eucalyptus",
    "bottlebrush",
    "grevillea",
    "kurrajong",
    "boronia",
    "currawong",
    "kookaburra",
    "macquarie",
    "phillip",
    "hunter",
    "darling",
    "murray",
    "flinders",
    "bourke",
    "collins",
    "swanston",
    "oxford",
    "cambridge",
    "windsor",
    "york",
    "lancaster",
    "durham",
    "canterbury",
    "chester",
    "exeter",
    "lincoln",
];

const KINDS: &[&str] = &["street", "road", "avenue", "place", "crescent", "close", "drive", "parade", "lane", "court"];

const STATES: &[(&str, u32)] =
    &[("nsw", 32), ("vic", 26), ("qld", 20), ("wa", 10), ("sa", 7), ("tas", 2), ("act", 2), ("nt", 1)];

/// A skewed pick: low indexes are much more common, as real names are.
fn zipf_pick<'a>(pool: &[&'a str], rng: &mut impl Rng) -> &'a str {
    let x: f64 = rng.random();
    pool[((x * x * x) * pool.len() as f64) as usize % pool.len()]
}

#[derive(Clone)]
struct Row {
    given_name: String,
    surname: String,
    street_number: String,
    address_1: String,
    address_2: String,
    suburb: String,
    postcode: String,
    state: String,
    date_of_birth: String,
    soc_sec_id: String,
}

fn original(rng: &mut impl Rng, suburbs: &[(String, String, &'static str)]) -> Row {
    let (suburb, postcode, state) = suburbs[rng.random_range(0..suburbs.len())].clone();
    let year = rng.random_range(1920..=2005);
    let month = rng.random_range(1..=12);
    let day = rng.random_range(1..=28);
    Row {
        given_name: zipf_pick(GIVEN, rng).to_owned(),
        surname: zipf_pick(SURNAME, rng).to_owned(),
        street_number: rng.random_range(1..=400).to_string(),
        address_1: format!(
            "{} {}",
            STREETS[rng.random_range(0..STREETS.len())],
            KINDS[rng.random_range(0..KINDS.len())]
        ),
        address_2: if rng.random_bool(0.35) { format!("unit {}", rng.random_range(1..=60)) } else { String::new() },
        suburb,
        postcode,
        state: state.to_owned(),
        date_of_birth: format!("{year:04}{month:02}{day:02}"),
        soc_sec_id: rng.random_range(1_000_000..=9_999_999).to_string(),
    }
}

/// One digit replaced by another (perhaps the same) digit.
fn digit_typo(value: &str, rng: &mut impl Rng) -> String {
    let mut chars: Vec<char> = value.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let i = rng.random_range(0..chars.len());
    chars[i] = char::from(b'0' + rng.random_range(0..10u8));
    chars.into_iter().collect()
}

/// One corruption of a duplicate, as FEBRL makes them.
fn corrupt(row: &mut Row, rng: &mut impl Rng) {
    match rng.random_range(0..12) {
        0 | 1 => row.given_name = typo(&row.given_name, rng),
        2 | 3 => row.surname = typo(&row.surname, rng),
        4 => std::mem::swap(&mut row.given_name, &mut row.surname),
        5 => row.date_of_birth = digit_typo(&row.date_of_birth, rng),
        6 => row.soc_sec_id = digit_typo(&row.soc_sec_id, rng),
        7 => row.address_1 = typo(&row.address_1, rng),
        8 => row.suburb = typo(&row.suburb, rng),
        9 => row.postcode = digit_typo(&row.postcode, rng),
        10 => {
            // A value lost.
            match rng.random_range(0..5) {
                0 => row.given_name.clear(),
                1 => row.date_of_birth.clear(),
                2 => row.soc_sec_id.clear(),
                3 => row.address_1.clear(),
                _ => row.postcode.clear(),
            }
        }
        _ => row.street_number = digit_typo(&row.street_number, rng),
    }
}

/// Writes `n_records` FEBRL-style records (about 60% originals, the rest
/// duplicates of them, one to three each) to `records`, and every true pair to `truth`.
pub fn write_febrl_like(
    n_records: usize,
    seed: u64,
    records: &mut impl Write,
    truth: &mut impl Write,
) -> io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let suburbs: Vec<(String, String, &'static str)> = (0..2_000)
        .map(|i| {
            let name = format!(
                "{}{}",
                STREETS[i % STREETS.len()],
                ["ton", "ville", "field", " park", " heights", " vale", "wood", " downs"][i % 8]
            );
            let postcode = format!("{:04}", 2000 + (i * 37) % 7000);
            let mut pick = rng.random_range(0..100);
            let state = STATES
                .iter()
                .find(|(_, w)| {
                    let hit = pick < *w;
                    pick = pick.saturating_sub(*w);
                    hit
                })
                .map_or("nsw", |(s, _)| s);
            (name, postcode, state)
        })
        .collect();
    writeln!(
        records,
        "rec_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,date_of_birth,soc_sec_id"
    )?;
    writeln!(truth, "rec_id_l,rec_id_r")?;
    let mut written = 0;
    let mut person = 0;
    while written < n_records {
        let org = original(&mut rng, &suburbs);
        let n_duplicates = if rng.random_bool(0.4) { rng.random_range(1..=3) } else { 0 };
        let n_duplicates = n_duplicates.min(n_records - written - 1);
        let mut ids = vec![format!("rec-{person}-org")];
        let mut rows = vec![org.clone()];
        for k in 0..n_duplicates {
            let mut dup = org.clone();
            for _ in 0..rng.random_range(1..=3) {
                corrupt(&mut dup, &mut rng);
            }
            ids.push(format!("rec-{person}-dup-{k}"));
            rows.push(dup);
        }
        for (id, r) in ids.iter().zip(&rows) {
            writeln!(
                records,
                "{id},{},{},{},{},{},{},{},{},{},{}",
                r.given_name,
                r.surname,
                r.street_number,
                r.address_1,
                r.address_2,
                r.suburb,
                r.postcode,
                r.state,
                r.date_of_birth,
                r.soc_sec_id
            )?;
        }
        for i in 0..ids.len() {
            for j in i + 1..ids.len() {
                let (l, r) = if ids[i] < ids[j] { (&ids[i], &ids[j]) } else { (&ids[j], &ids[i]) };
                writeln!(truth, "{l},{r}")?;
            }
        }
        written += ids.len();
        person += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_has_the_size_asked_and_a_truth_for_every_duplicate() {
        let (mut records, mut truth) = (Vec::new(), Vec::new());
        write_febrl_like(1_000, 3, &mut records, &mut truth).unwrap();
        let records = String::from_utf8(records).unwrap();
        assert_eq!(records.lines().count(), 1_001);
        assert!(records.lines().all(|l| l.split(',').count() == 11), "no value holds a comma");
        let truth = String::from_utf8(truth).unwrap();
        let duplicates = records.lines().filter(|l| l.contains("-dup-")).count();
        assert!(truth.lines().count() > duplicates, "every duplicate pairs with its original");
        let (mut again, mut truth_again) = (Vec::new(), Vec::new());
        write_febrl_like(1_000, 3, &mut again, &mut truth_again).unwrap();
        assert_eq!(records.as_bytes(), &again[..], "the same seed gives the same records");
    }
}
