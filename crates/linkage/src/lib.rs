//! Identity resolution: which records are the same human being.
//!
//! This crate is pure: records in, pairs and clusters out, deterministic for
//! a seed. It holds the certain rules, used before any model exists, and the
//! probabilistic engine: comparisons of prepared columns, blocking, a
//! Fellegi-Sunter model trained by random sampling and expectation
//! maximisation, each pair's probability weighed with the other records of
//! its group, clustering with a guard against chains, and explanations of
//! every score.
//!
//! ## The public API
//!
//! Everything other crates use is re-exported here; the modules are private.
//!
//! - **The platform's run**: [`link_stored`] takes what the store holds ([`Stored`]: records,
//!   decisions, the last run's model, what it compared and the pairs it kept) and
//!   [`LinkSettings`] (thresholds, seed and one [`LinkMode`]: incremental, full, recompare or
//!   decisions only), and gives what to store ([`Linked`]): the model as JSON, the scored pairs
//!   with their explanations as JSON, the records compared and every record's person.
//! - **The engine's steps**, each callable on its own so a caller can time them (`link csv`
//!   does): a [`Dataset`] of records, [`infer_comparisons`] or [`ComparisonSpec`]s given by hand,
//!   [`prepare_all`], [`block`] (with [`BlockingRule`]s given or proposed within
//!   [`default_budget`]), [`train`], [`score`], [`weigh_groups`], [`clusters`], and the
//!   explanations ([`explain`], [`waterfall_text`]). [`EngineError`] says what stops them.
//! - [`parallel`]: scoped threads with results in input order, which `link csv` and the
//!   forecast evaluation use too.
//!
//! ## The parts
//!
//! - `certain`: the certain rules, a shared NHS number or a recorded CHAIN id whose name and full
//!   birth date agree. A person is named by its lowest record id.
//! - `similarity` and `phonetic`: hand-written Jaro-Winkler, optimal string alignment, bigram
//!   Jaccard and Double Metaphone. They are hand-written because they run tens of millions of
//!   times and must not allocate.
//! - `comparison`: what a comparison is (`ComparisonSpec`, at most 16, their levels packed four
//!   bits each in a `Pattern`) and levels per kind of column. Other names (aliases, known-as) are
//!   compared with the other record's names; reference ids count only when they agree; stays
//!   count only when both records have one (the same place, the same day or a week apart; a busy
//!   night, marked when the data are prepared, counts less); contacts say how long after one
//!   record's last contact the other's first came, whether the two were met over the same weeks,
//!   and whether a night puts them bedded down at two places.
//! - `prepared`: a `Dataset` keeps each column's distinct values once (`Column`, interned through
//!   `hashbrown`'s `HashTable`); `PreparedData` prepares each distinct value once and holds a row
//!   of value indexes per record, so equal indexes are exact agreement, and the levels of value
//!   pairs met again come from a fixed-size cache per comparison, which gives up on a column whose
//!   value pairs do not repeat. Pairs are compared in chunks, one comparison at a time, the values
//!   each will read touched first so that their loads overlap.
//! - `pairs`: a candidate pair packed in one `u64`, and the union of several rules' sorted lists.
//! - `hashing` and `random`: the fixed hash of keys and value tables, and the seeded generator.
//! - `blocking`: rules, pair counts made before any pair is produced, and automatic proposal.
//!   Each rule is budgeted by the pairs it adds, counted on a seeded random sample, and exactly
//!   near a rule's budget; when no rule fits a rule's share, the cheapest rule that fits the whole
//!   budget. Besides column keys, two name keys catch typos, swaps and nicknames: a name half with
//!   the other half's initial, in either order and in its usual form (`Bill` as `William`), and a
//!   lone name, which meets every record with that name as either half. Those two do not train
//!   EM, since their sessions are full of namesakes.
//! - `model`: Fellegi-Sunter, with `u` by sampling and value frequencies, `m` by EM per rule (a
//!   session teaches a comparison only through pairs with evidence on two others), the prior with
//!   the population's odds, term frequencies, and dependent comparisons counted once (with a
//!   second parent where the first is missing). Categories and stays are held out of the sessions
//!   and learn `m` from the other comparisons' verdicts.
//! - `group`: each pair's probability given the other records of its group. Pairs at 0.05 or more
//!   join records into groups; in a group of 3 to 6, every way of splitting it into persons (203
//!   for six) is weighed by 2 to the sum of the weights of the pairs it joins, and a pair's
//!   probability is the weighed share of the splits that keep it together. A group's pairs that
//!   blocking did not make are compared and added. `link csv` writes these probabilities;
//!   clustering keeps the pairs' own weights: clustering on the weights in groups (tried) split
//!   a badly typed copy of a FEBRL3 person off its person, since every pair in a group counts in
//!   full. Groups stop at 6 records: weighing groups of 7 and 8 changed no F1 of the bench sets
//!   at four decimals, and took 1.6 s among 100,000 records all named Mohamed Ali.
//! - `cluster`: guarded union-find. A merge is refused when two of its records score below
//!   probability 0.001 with more evidence against them than the joining pair has for it.
//! - `resolve`: persons from every kind of evidence at once. Decisions people made come first,
//!   then the certain rules, then scored pairs. A "different people" decision is a wall nothing
//!   crosses.
//! - `engine`: the steps, callable one by one, and explanations.
//! - `stored_model`: the trained model as stored with each run (JSON), so an incremental run
//!   scores new records exactly as a full comparison with that model would; explanations as JSON.
//! - `likely`: one record's likely matches among a few candidates, with the stored model (or fixed
//!   starting weights before any was trained), for registering someone new.
//! - `run`: the platform's run over everything stored: learning from reviewers' decisions,
//!   candidate pairs of the new and changed records, the 0.01 guard of persons, and persons.
//! - `search`: finding a person from one search box: the query read into name words, a date of
//!   birth, an NHS number and ids, each candidate scored with the name and date levels above, and
//!   the keys a name word is indexed under (itself, its forms one letter shorter, its sound, its
//!   nicknames' usual forms), so a caller's index compares only words that can be close.
//! - `parallel`: scoped threads, with results in input order. Random pairs are drawn in one
//!   seeded sequence before they are compared in parallel, so the same records, settings and
//!   seed give the same pairs and clusters on any number of cores.

mod blocking;
mod certain;
mod cluster;
mod comparison;
mod engine;
mod error;
mod group;
mod hashing;
mod infer;
mod likely;
mod model;
mod nicknames;
mod pairs;
pub mod parallel;
mod phonetic;
mod prepared;
mod random;
mod resolve;
mod run;
mod search;
mod similarity;
mod stored_model;

pub use blocking::{BlockingRule, KeyPart, default_budget};
pub use cluster::{Clusters, PairIndex, Reaches, ScoredPair};
pub use comparison::{ComparisonSpec, Kind};
pub use engine::{
    Blocked, Explanation, RuleReport, WaterfallLine, block, clusters, explain, score, train, waterfall_text,
    weigh_groups,
};
pub use error::EngineError;
pub use group::{GROUP_FLOOR, Groups, MAX_GROUP};
pub use infer::{infer_comparisons, own_name};
pub use likely::{LikelyMatch, likely_matches};
pub use model::Model;
pub use pairs::unpack;
pub use prepared::{Dataset, PreparedData, prepare_all};
pub use random::SplitMix;
pub use run::{
    ComparedRecord, LinkMode, LinkSettings, Linked, PairsReplaced, RecordPerson, ScoredRecordPair, Stored,
    StoredDecision, StoredPair, StoredRecord, link_stored,
};
pub use similarity::jaro_winkler;

pub use search::{
    BirthDate, Candidate, MAX_QUERY_CHARS, MIN_SCORE, NameWord, QueryError, RECORDED_CHAIN_ID, Scored, SearchQuery,
    id_digits, name_keys, name_words, normalise_id, parse_query, score_candidate, word_similarity,
};
