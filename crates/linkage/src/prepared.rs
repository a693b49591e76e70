//! The records as the engine reads them: a `Dataset` keeps each column's
//! distinct values once, `PreparedData` prepares each distinct value once for
//! its comparison and holds a row of value indexes per record, and the levels
//! of pairs are read from those rows, in chunks and with caches of value
//! pairs met before. Every later step (blocking, training, scoring,
//! clustering) reads records only through here.

use crate::comparison::{
    BUSY, ComparisonSpec, Kind, MAX_COMPARISONS, Pattern, Prepared, close, compare, compare_present, prepare,
    prepare_names,
};
use crate::error::EngineError;
use crate::hashing::{FastMap, hash_str};
use crate::pairs::{for_each_in_union, pack, unpack};
use hashbrown::HashTable;

/// One column of a dataset: each distinct value stored once, in one buffer,
/// and each record's value as the index of its distinct value (0: missing).
/// A million records repeat the same names, places and dates; stored and
/// prepared once per distinct value, they cost a fraction of a string each.
#[derive(Debug, Clone)]
pub struct Column {
    text: String,
    /// Where each distinct value ends in `text`; value 0 is the missing value.
    ends: Vec<usize>,
    of_record: Vec<u32>,
    index: HashTable<Entry>,
}

/// A distinct value in a column's index: its hash, length and first eight
/// bytes, so most lookups are settled without reading the text itself.
#[derive(Debug, Clone, Copy)]
struct Entry {
    hash: u64,
    head: u64,
    len: u32,
    value: u32,
}

/// The first eight bytes of a text, zero-padded.
fn head(text: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = text.len().min(8);
    bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
    u64::from_le_bytes(bytes)
}

impl Default for Column {
    fn default() -> Self {
        Self { text: String::new(), ends: vec![0], of_record: Vec::new(), index: HashTable::new() }
    }
}

fn distinct_of<'a>(text: &'a str, ends: &[usize], value: u32) -> &'a str {
    let v = value as usize;
    let start = if v == 0 { 0 } else { ends[v - 1] };
    &text[start..ends[v]]
}

impl Column {
    /// Adds a record's value; blank (after trimming) is missing.
    pub fn push(&mut self, value: Option<&str>) {
        let value = match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => 0,
            Some(value) => self.intern(value),
        };
        self.of_record.push(value);
    }

    fn intern(&mut self, value: &str) -> u32 {
        let (hash, head, len) = (hash_str(value), head(value), value.len() as u32);
        let (text, ends) = (&self.text, &self.ends);
        let same = |e: &Entry| {
            e.hash == hash
                && e.head == head
                && e.len == len
                && (len <= 8 || distinct_of(text, ends, e.value).as_bytes()[8..] == value.as_bytes()[8..])
        };
        if let Some(entry) = self.index.find(hash, same) {
            return entry.value;
        }
        self.text.push_str(value);
        self.ends.push(self.text.len());
        let v = (self.ends.len() - 1) as u32;
        self.index.insert_unique(hash, Entry { hash, head, len, value: v }, |e| e.hash);
        v
    }

    /// Appends another column's records after these.
    fn append(&mut self, other: &Column) {
        let to_mine: Vec<u32> =
            (0..other.n_distinct() as u32).map(|v| if v == 0 { 0 } else { self.intern(other.distinct(v)) }).collect();
        self.of_record.extend(other.of_record.iter().map(|&v| to_mine[v as usize]));
    }

    /// Distinct values, the missing value (0) included.
    pub fn n_distinct(&self) -> usize {
        self.ends.len()
    }

    /// A distinct value by its index ("" for 0, the missing value).
    pub fn distinct(&self, value: u32) -> &str {
        distinct_of(&self.text, &self.ends, value)
    }

    /// Each record's distinct value.
    pub fn of_record(&self) -> &[u32] {
        &self.of_record
    }

    pub fn value(&self, record: usize) -> Option<&str> {
        let v = self.of_record[record];
        (v != 0).then(|| self.distinct(v))
    }
}

/// Records to link: an id and values per column, and which of two inputs
/// each came from (all 0 when deduplicating one input).
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub ids: Vec<String>,
    pub sources: Vec<u8>,
    pub columns: Vec<String>,
    /// One per column.
    pub values: Vec<Column>,
}

impl Dataset {
    pub fn new(columns: Vec<String>) -> Self {
        let values = vec![Column::default(); columns.len()];
        Self { ids: Vec::new(), sources: Vec::new(), columns, values }
    }

    /// Records given as rows of values, one per column.
    pub fn from_rows(ids: Vec<String>, sources: Vec<u8>, columns: Vec<String>, rows: &[Vec<Option<String>>]) -> Self {
        let mut dataset = Self::new(columns);
        for row in rows {
            for (column, value) in dataset.values.iter_mut().zip(row) {
                column.push(value.as_deref());
            }
        }
        dataset.ids = ids;
        dataset.sources = sources;
        dataset
    }

    /// Adds a record; `values` holds one value per column.
    pub fn push<'a>(&mut self, id: String, source: u8, values: impl IntoIterator<Item = Option<&'a str>>) {
        self.ids.push(id);
        self.sources.push(source);
        for (column, value) in self.values.iter_mut().zip(values) {
            column.push(value);
        }
    }

    /// Appends the records of another dataset with the same columns after these.
    pub fn append(&mut self, other: Dataset) {
        assert_eq!(self.columns, other.columns, "datasets appended have the same columns");
        for (column, theirs) in self.values.iter_mut().zip(&other.values) {
            column.append(theirs);
        }
        self.ids.extend(other.ids);
        self.sources.extend(other.sources);
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// A record's value of a column, trimmed; `None` when blank.
    pub fn value(&self, record: usize, column: usize) -> Option<&str> {
        self.values[column].value(record)
    }
}

/// One comparison's prepared values: each distinct prepared value once.
/// Index 0 is the missing value; two records have the same index exactly
/// when their prepared texts are equal.
#[derive(Debug, Clone)]
pub struct PreparedColumn {
    pub values: Vec<Prepared>,
}

/// Prepared values: the distinct values of each comparison, and each
/// record's value indexes side by side (a row per record), so that comparing
/// a pair reads one stretch of memory per record.
pub struct PreparedData {
    pub specs: Vec<ComparisonSpec>,
    pub columns: Vec<PreparedColumn>,
    ids: Vec<u32>,
    pub sources: Vec<u8>,
    pub link_only: bool,
}

/// Prepares each distinct value of a column once; equal prepared texts share an index.
fn prepare_column(kind: Kind, column: &Column) -> (PreparedColumn, Vec<u32>) {
    let raw: Vec<u32> = (1..column.n_distinct() as u32).collect();
    let prepared = crate::parallel::map(&raw, |&v| prepare(kind, Some(column.distinct(v))));
    let mut values = vec![Prepared::default()];
    let mut index: FastMap<Box<str>, u32> = FastMap::default();
    let mut of_raw = vec![0u32; column.n_distinct()];
    for (v, value) in raw.into_iter().zip(prepared) {
        if value.is_missing() {
            continue;
        }
        of_raw[v as usize] = *index.entry(value.text.clone()).or_insert_with(|| {
            values.push(value);
            (values.len() - 1) as u32
        });
    }
    let of_record = column.of_record().iter().map(|&v| of_raw[v as usize]).collect();
    (PreparedColumn { values }, of_record)
}

/// Other names with the record's own name: prepared once per distinct
/// combination of the list and the own name's values.
fn prepare_names_column(dataset: &Dataset, list: usize, own: &[usize]) -> (PreparedColumn, Vec<u32>) {
    let mut values = vec![Prepared::default()];
    let mut index: FastMap<Vec<u32>, u32> = FastMap::default();
    let mut of_record = Vec::with_capacity(dataset.len());
    for record in 0..dataset.len() {
        let key: Vec<u32> =
            std::iter::once(list).chain(own.iter().copied()).map(|c| dataset.values[c].of_record()[record]).collect();
        let v = *index.entry(key).or_insert_with(|| {
            let own: Vec<&str> = own.iter().filter_map(|&o| dataset.value(record, o)).collect();
            values.push(prepare_names(dataset.value(record, list), Some(&own.join(" "))));
            (values.len() - 1) as u32
        });
        of_record.push(v);
    }
    (PreparedColumn { values }, of_record)
}

/// Marks the stays that more than two records began at one place on one day
/// (a winter shelter's opening night, a hotel that took everybody in one
/// week): two records sharing one are less likely one person than two
/// sharing a stay nobody else had. One person's stay is in at most two
/// records, one per system, however many records the person has.
fn mark_busy_days(column: &mut PreparedColumn, of_record: &[u32]) {
    let mut records_of_value = vec![0u32; column.values.len()];
    for &v in of_record {
        records_of_value[v as usize] += 1;
    }
    let mut records_of_item: FastMap<&str, u32> = FastMap::default();
    for (value, &n) in column.values.iter().zip(&records_of_value).skip(1) {
        for item in value.text.split(';') {
            *records_of_item.entry(item).or_default() += n;
        }
    }
    let busy: Vec<Option<Box<str>>> = column
        .values
        .iter()
        .map(|value| {
            let items: Vec<&str> = value.text.split(';').collect();
            items.iter().any(|item| records_of_item.get(item).is_some_and(|&n| n > 2)).then(|| {
                let marked: Vec<String> = items
                    .iter()
                    .map(|&item| if records_of_item[item] > 2 { format!("{item}{BUSY}") } else { item.to_owned() })
                    .collect();
                marked.join(";").into()
            })
        })
        .collect();
    for (value, busy) in column.values.iter_mut().zip(busy) {
        if let Some(text) = busy {
            value.text = text;
        }
    }
}

/// `columns[c]` is the dataset column that comparison `c` reads.
pub fn prepare_all(
    dataset: &Dataset,
    specs: Vec<ComparisonSpec>,
    columns: &[usize],
    link_only: bool,
) -> Result<PreparedData, EngineError> {
    if specs.is_empty() {
        return Err(EngineError::NoComparisons);
    }
    if specs.len() > MAX_COMPARISONS {
        return Err(EngineError::TooManyComparisons(specs.len()));
    }
    let (columns_prepared, of_record): (Vec<PreparedColumn>, Vec<Vec<u32>>) = specs
        .iter()
        .zip(columns)
        .map(|(spec, &col)| {
            if spec.kind == Kind::Names {
                let own: Vec<usize> = spec.own_name.iter().map(|&o| columns[o]).collect();
                prepare_names_column(dataset, col, &own)
            } else if spec.kind == Kind::Stays {
                let (mut column, of_record) = prepare_column(spec.kind, &dataset.values[col]);
                mark_busy_days(&mut column, &of_record);
                (column, of_record)
            } else {
                prepare_column(spec.kind, &dataset.values[col])
            }
        })
        .unzip();
    let width = specs.len();
    let mut ids = vec![0u32; dataset.len() * width];
    for (c, column) in of_record.iter().enumerate() {
        for (record, &v) in column.iter().enumerate() {
            ids[record * width + c] = v;
        }
    }
    Ok(PreparedData { specs, columns: columns_prepared, ids, sources: dataset.sources.clone(), link_only })
}

impl PreparedData {
    /// The number of records.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// The index of a record's distinct value of comparison `c` (0: missing).
    pub fn id(&self, record: u32, c: usize) -> u32 {
        self.ids[record as usize * self.specs.len() + c]
    }

    /// Every record's value index of comparison `c`, in record order.
    pub fn column_ids(&self, c: usize) -> impl Iterator<Item = u32> + '_ {
        self.ids.iter().skip(c).step_by(self.specs.len()).copied()
    }

    /// A record's prepared value of comparison `c`.
    pub fn value(&self, record: u32, c: usize) -> &Prepared {
        &self.columns[c].values[self.id(record, c) as usize]
    }

    /// The levels of a pair. Equal prepared values are exact without looking at their text.
    pub fn pattern(&self, a: u32, b: u32) -> Pattern {
        let (row_a, row_b) = (self.row(a), self.row(b));
        (0..self.specs.len()).fold(0, |pattern, c| pattern | u64::from(self.level(c, row_a, row_b)) << (4 * c))
    }

    /// The levels of many pairs, on every core. Levels of value pairs met
    /// before come from a cache: pairs repeat the same pairs of names,
    /// streets and dates again and again.
    pub fn patterns(&self, pairs: &[(u32, u32)]) -> Vec<Pattern> {
        crate::parallel::map_chunks(pairs, |chunk| {
            let mut caches = Caches::new(&self.specs, chunk.len());
            let (mut rows, mut packed) = (Vec::new(), Vec::with_capacity(COMPARE_CHUNK));
            let mut patterns = vec![0; chunk.len()];
            for (pairs, out) in chunk.chunks(COMPARE_CHUNK).zip(patterns.chunks_mut(COMPARE_CHUNK)) {
                packed.clear();
                packed.extend(pairs.iter().map(|&(a, b)| pack(a, b)));
                self.chunk_patterns(&packed, out, &mut caches, &mut rows);
            }
            patterns
        })
    }

    /// The union of the rules' pairs (`lists[r]`: rule `r`'s pairs, sorted,
    /// without repeats), each pair's pattern, and how many pairs show each
    /// pattern with each set of rules finding them, keyed by (pattern, word
    /// of 64 rules, the word's rule bits).
    ///
    /// The pairs are split by their first record into stretches, several a
    /// core, taken by the cores as they come free (stretches of equal length
    /// do not take equal time); a core merges its stretch of every list and
    /// compares each pair as it comes out, so which rules found a pair is
    /// never stored.
    pub(crate) fn union_and_patterns(&self, lists: Vec<Vec<u64>>) -> (Vec<u64>, Vec<Pattern>, RuleSetCounts) {
        let all_listed: usize = lists.iter().map(Vec::len).sum();
        let n_parts = if all_listed < 1 << 16 { 1 } else { crate::parallel::n_threads() * STRETCHES_PER_CORE };
        let longest = lists.iter().max_by_key(|l| l.len()).map_or(&[][..], |l| l.as_slice());
        // Stretch k holds the pairs from bounds[k] up to bounds[k + 1], split
        // at even shares of the longest list (pairs of one first record stay together).
        let mut bounds: Vec<u64> = vec![0];
        bounds.extend((1..n_parts).filter_map(|k| longest.get(longest.len() * k / n_parts)).map(|&p| p & !0xFFFF_FFFF));
        bounds.push(u64::MAX);
        bounds.dedup();
        let stretches: Vec<(u64, u64)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
        let parts = crate::parallel::map_each(&stretches, |&(low, high)| {
            let slices: Vec<&[u64]> = lists
                .iter()
                .map(|list| {
                    let from = list.partition_point(|&p| p < low);
                    let to = list.partition_point(|&p| p < high);
                    &list[from..to]
                })
                .collect();
            let longest = slices.iter().map(|s| s.len()).max().unwrap_or(0);
            let mut caches = Caches::new(&self.specs, longest);
            // At most every listed pair: the first stretch's vectors can hold
            // them all, so the others are appended in place. Room never
            // written to costs address space, not memory.
            let room = if low == 0 { all_listed } else { slices.iter().map(|s| s.len()).sum() };
            let mut pairs = Vec::with_capacity(room);
            let mut patterns = Vec::with_capacity(room);
            let mut combined = RuleSetCounts::default();
            // Pairs wait in a chunk, with the rules that found them, until
            // the chunk is full and compared at once.
            let words = slices.len().div_ceil(64).max(1);
            let mut found = Vec::with_capacity(COMPARE_CHUNK * words);
            let mut rows = Vec::new();
            let mut compare_chunk = |pairs: &mut Vec<u64>, patterns: &mut Vec<Pattern>, found: &mut Vec<u64>| {
                let start = patterns.len();
                patterns.resize(pairs.len(), 0);
                self.chunk_patterns(&pairs[start..], &mut patterns[start..], &mut caches, &mut rows);
                for (&pattern, found_by) in patterns[start..].iter().zip(found.chunks_exact(words)) {
                    for (word, &mask) in found_by.iter().enumerate().filter(|(_, mask)| **mask != 0) {
                        *combined.entry((pattern, word, mask)).or_default() += 1.0;
                    }
                }
                found.clear();
            };
            for_each_in_union(&slices, |pair, found_by| {
                pairs.push(pair);
                found.extend_from_slice(found_by);
                if pairs.len() - patterns.len() == COMPARE_CHUNK {
                    compare_chunk(&mut pairs, &mut patterns, &mut found);
                }
            });
            compare_chunk(&mut pairs, &mut patterns, &mut found);
            (pairs, patterns, combined)
        });
        drop(lists);
        // Counts are whole numbers: summed in any order, they are the same.
        let mut parts = parts.into_iter();
        let (mut all_pairs, mut all_patterns, mut all) = parts.next().unwrap_or_default();
        for (pairs, patterns, combined) in parts {
            all_pairs.extend(pairs);
            all_patterns.extend(patterns);
            for (key, n) in combined {
                *all.entry(key).or_default() += n;
            }
        }
        (all_pairs, all_patterns, all)
    }

    pub(crate) fn row(&self, record: u32) -> &[u32] {
        let width = self.specs.len();
        &self.ids[record as usize * width..][..width]
    }

    /// The levels of a chunk of pairs (packed), written to `out`, one
    /// comparison at a time: while a comparison runs through the chunk, only
    /// its own values and level cache are in use, so they stay in the
    /// core's cache instead of taking turns with the other comparisons'.
    /// The records' rows are gathered once, side by side, first.
    fn chunk_patterns(&self, pairs: &[u64], out: &mut [Pattern], caches: &mut Caches, rows: &mut Vec<u32>) {
        let width = self.specs.len();
        rows.clear();
        for &pair in pairs {
            let (a, b) = unpack(pair);
            rows.extend_from_slice(self.row(a));
            rows.extend_from_slice(self.row(b));
        }
        out.fill(0);
        for c in 0..width {
            // The values the comparison will read, touched first in a loop of
            // independent loads, which the processor overlaps: read in turn by
            // the comparisons, each would wait for memory alone.
            let values = &self.columns[c].values;
            let touched = rows.chunks_exact(width).fold(0u8, |acc, row| {
                let text = values[row[c] as usize].text.as_bytes();
                acc ^ text.first().copied().unwrap_or(0)
            });
            let cache = caches.levels[c].as_ref();
            let touched = rows
                .chunks_exact(2 * width)
                .fold(touched, |acc, rows| acc ^ cache.map_or(0, |cache| cache.touch(rows[c], rows[width + c])));
            std::hint::black_box(touched);
            for (pattern, rows) in out.iter_mut().zip(rows.chunks_exact(2 * width)) {
                let (row_a, row_b) = rows.split_at(width);
                *pattern |= u64::from(self.level_cached(c, row_a, row_b, caches)) << (4 * c);
            }
        }
    }

    /// The level of comparison `c` between two records' rows of value indexes.
    fn level_cached(&self, c: usize, row_a: &[u32], row_b: &[u32], caches: &mut Caches) -> u8 {
        let (spec, column) = (&self.specs[c], &self.columns[c]);
        let (va, vb) = (row_a[c], row_b[c]);
        let exact = va == vb && va != 0 && is_exact_when_equal(spec.kind, &column.values[va as usize]);
        if let (Some(cache), false, true) = (&mut caches.levels[c], exact, va != 0 && vb != 0) {
            let values = &column.values;
            let level = cache.get_or(va, vb, || compare_present(spec.kind, &values[va as usize], &values[vb as usize]));
            match spec.swap_with {
                Some(other) if spec.kind == Kind::Name && level >= 5 => {
                    let others = &self.columns[other];
                    let (sa, sb) = (row_a[other], row_b[other]);
                    let cache = caches.swaps[c].as_mut().expect("a name has a swap cache");
                    let mut close_to = |v: u32, w: u32| {
                        cache.get_or(v, w, || u8::from(close(&values[v as usize], &others.values[w as usize]))) == 1
                    };
                    if sa != 0 && sb != 0 && close_to(va, sb) && close_to(vb, sa) { 4 } else { level }
                }
                _ => level,
            }
        } else {
            self.level(c, row_a, row_b)
        }
    }

    /// The level of comparison `c` between two records' rows of value indexes, without a cache.
    fn level(&self, c: usize, row_a: &[u32], row_b: &[u32]) -> u8 {
        let (spec, values) = (&self.specs[c], &self.columns[c].values);
        let (va, vb) = (row_a[c], row_b[c]);
        if va == vb && va != 0 && is_exact_when_equal(spec.kind, &values[va as usize]) {
            return 1;
        }
        let (swap_a, swap_b) = match spec.swap_with {
            Some(other) => {
                let others = &self.columns[other].values;
                (Some(&others[row_a[other] as usize]), Some(&others[row_b[other] as usize]))
            }
            None => (None, None),
        };
        compare(spec.kind, &values[va as usize], &values[vb as usize], swap_a, swap_b)
    }

    /// All pairs that could be compared.
    pub fn total_pairs(&self) -> f64 {
        let n = self.len() as f64;
        if self.link_only {
            let left = self.sources.iter().filter(|&&s| s == 0).count() as f64;
            left * (n - left)
        } else {
            n * (n - 1.0) / 2.0
        }
    }
}

/// Stretches of the candidate pairs a core: on the million records two
/// stretches of equal length took 2.6 s and 2.9 s, one core idle meanwhile.
const STRETCHES_PER_CORE: usize = 8;

/// Pairs compared together, one comparison at a time (see `chunk_patterns`):
/// enough that each comparison's values and cache are reused along the chunk,
/// few enough that the chunk's rows stay in the core's cache.
const COMPARE_CHUNK: usize = 4096;

/// How many pairs show each pattern with each set of rules finding them,
/// keyed by (pattern, word of 64 rules, the word's rule bits).
type RuleSetCounts = FastMap<(Pattern, usize, u64), f64>;

/// Whether two records with the same value index agree exactly: not for
/// lists (level 1 of other names is not equality of the lists), nor for two
/// dates known only by their year. Read only when the indexes are equal, so
/// that the common case, different values, never touches the value itself.
fn is_exact_when_equal(kind: Kind, value: &Prepared) -> bool {
    !(kind.is_list() || kind == Kind::Date && value.is_year_only())
}

/// Levels of value pairs already compared, in a table of fixed size: a pair
/// that lands on a taken slot replaces it. A level depends on nothing but the
/// two values, so the cache changes the time and never the result.
///
/// A lookup that misses costs a trip to main memory on a large table. On a
/// column whose value pairs seldom repeat (a social security number, a street
/// address) that trip is all the cache adds, so after its first
/// `CACHE_TRIAL` lookups a cache that found fewer than one in
/// `CACHE_MIN_HIT_SHARE` stops looking and only computes.
struct LevelCache {
    keys: Vec<u64>,
    levels: Vec<u8>,
    bits: u32,
    /// Lookups left before the cache judges whether it is worth keeping.
    trial: u32,
    hits: u32,
}

const CACHE_TRIAL: u32 = 1 << 15;
const CACHE_MIN_HIT_SHARE: u32 = 5;

impl LevelCache {
    /// A cache of `2^bits` slots.
    fn new(bits: u32) -> Self {
        Self { keys: vec![u64::MAX; 1 << bits], levels: vec![0; 1 << bits], bits, trial: CACHE_TRIAL, hits: 0 }
    }

    /// A pair of values' key and its slot.
    fn slot(&self, a: u32, b: u32) -> (u64, usize) {
        let key = (u64::from(a) << 32) | u64::from(b);
        (key, (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - self.bits)) as usize)
    }

    /// Reads the slot of a pair of values, so that a lookup soon after finds it at hand.
    fn touch(&self, a: u32, b: u32) -> u8 {
        self.keys.get(self.slot(a, b).1).map_or(0, |&k| k as u8)
    }

    fn get_or(&mut self, a: u32, b: u32, compute: impl FnOnce() -> u8) -> u8 {
        if self.keys.is_empty() {
            return compute();
        }
        if self.trial > 0 {
            self.trial -= 1;
            if self.trial == 0 && self.hits * CACHE_MIN_HIT_SHARE < CACHE_TRIAL {
                self.keys = Vec::new();
                self.levels = Vec::new();
                return compute();
            }
        }
        let (key, slot) = self.slot(a, b);
        if self.keys[slot] == key {
            self.hits = self.hits.saturating_add(1);
            return self.levels[slot];
        }
        let level = compute();
        self.keys[slot] = key;
        self.levels[slot] = level;
        level
    }
}

/// A level cache per comparison worth caching, and for names one for the
/// other half of the name.
struct Caches {
    levels: Vec<Option<LevelCache>>,
    swaps: Vec<Option<LevelCache>>,
}

impl Caches {
    /// Caches for comparing `n_pairs` pairs: from 1,024 slots up to 65,536
    /// (512 KiB of keys), so that the cache of the comparison at work stays
    /// in the core's own cache; on the million records a larger one found
    /// more levels but took as long, waiting for memory.
    fn new(specs: &[ComparisonSpec], n_pairs: usize) -> Self {
        let bits = (n_pairs / 4).max(1).ilog2().clamp(10, 16);
        let worth =
            |spec: &ComparisonSpec| !spec.kind.is_list() && !matches!(spec.kind, Kind::Category | Kind::Reference);
        let cache = || LevelCache::new(bits);
        Self {
            levels: specs.iter().map(|s| worth(s).then(cache)).collect(),
            swaps: specs.iter().map(|s| (s.kind == Kind::Name && s.swap_with.is_some()).then(cache)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::level_of;

    #[test]
    fn a_stay_that_many_began_the_same_night_counts_less_than_one_nobody_else_had() {
        // Three people began at a winter shelter on its opening night; one person's hostel
        // stay is in a CHAIN record and an Inform record.
        let rows: Vec<Vec<Option<String>>> = [
            "Winter Shelter|2023-12-10",
            "Winter Shelter|2023-12-10;Pimlico Hostel|2024-01-05",
            "Winter Shelter|2023-12-10",
            "Pimlico Hostel|05/01/2024",
        ]
        .iter()
        .map(|v| vec![Some((*v).to_owned())])
        .collect();
        let dataset =
            Dataset::from_rows((0..4).map(|i| i.to_string()).collect(), vec![0; 4], vec!["stays".into()], &rows);
        let spec = ComparisonSpec {
            name: "stays".into(),
            kind: Kind::Stays,
            swap_with: None,
            term_frequency: false,
            own_name: Vec::new(),
        };
        let data = prepare_all(&dataset, vec![spec], &[0], false).unwrap();
        let level = |a: u32, b: u32| Kind::Stays.levels()[level_of(data.pattern(a, b), 0) as usize];
        assert_eq!(level(1, 3), "a stay in both: same place, same first day");
        assert_eq!(level(0, 2), "same place and first day, as more records have (a busy night)");
        assert_eq!(level(0, 1), "same place and first day, as more records have (a busy night)");
        assert_eq!(level(0, 3), "no stay in common (no evidence either way)");
        assert_eq!(level(0, 3), Kind::Stays.levels()[level_of(data.patterns(&[(0, 3)])[0], 0) as usize]);
    }
}
