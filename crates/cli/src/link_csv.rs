//! `byname link csv`: probabilistic linkage of any CSV files, for
//! benchmarking and for other areas' data. One input is deduplicated, two
//! are linked. Comparisons are inferred from the columns unless a settings
//! file says otherwise; blocking rules are proposed from the data unless
//! given. Every step is timed for the report. It reads and writes files, so
//! it lives beside the command it drives rather than in the pure engine.

use byname_linkage::{
    self as engine, BlockingRule, ComparisonSpec, Dataset, Groups, KeyPart, Kind, Model, PairIndex, infer_comparisons,
    own_name, parallel,
};
pub use byname_linkage::{GROUP_FLOOR, MAX_GROUP};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum LinkCsvError {
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
    #[error("{path}:{line}: {message}")]
    Row { path: PathBuf, line: u64, message: String },
    #[error("{path}: {message}")]
    Settings { path: PathBuf, message: String },
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
    #[error("{path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("--explain {left},{right}: {message}")]
    Explain { left: String, right: String, message: String },
}

/// The settings file (`--settings link.toml`); every part optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsFile {
    pub threshold: Option<f64>,
    pub seed: Option<u64>,
    /// Most candidate pairs the automatic blocking may plan.
    pub max_pairs: Option<u64>,
    #[serde(default)]
    pub comparison: Vec<ComparisonSetting>,
    #[serde(default)]
    pub blocking: Vec<BlockingSetting>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonSetting {
    pub column: String,
    /// `name`, `date`, `identifier`, `postcode`, `category`, `text`, `names`
    /// (aliases or known-as, compared with the other record's names) or
    /// `reference` (another system's record id: only agreement counts).
    pub kind: String,
    #[serde(default)]
    pub term_frequency: Option<bool>,
    /// For a name column: the column with the other half of the name.
    pub swap_with: Option<String>,
}

/// One rule: keys written `exact:COLUMN`, `prefix3:COLUMN`, `sound:COLUMN` or `year:COLUMN`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockingSetting {
    pub keys: Vec<String>,
}

pub struct LinkCsvOptions {
    pub inputs: Vec<PathBuf>,
    pub id_column: String,
    pub threshold: f64,
    pub settings: Option<PathBuf>,
    /// Where to write every candidate pair after blocking (`left_id,right_id`),
    /// to measure how many true pairs blocking keeps.
    pub candidates: Option<PathBuf>,
    /// Pairs of ids whose score to explain (the prior, each comparison's level and
    /// weight, the total), whether or not blocking made them candidates.
    pub explain: Vec<(String, String)>,
}

pub struct LinkCsvReport {
    pub n_records: usize,
    pub comparisons: Vec<(String, &'static str)>,
    pub ignored_columns: Vec<String>,
    pub warnings: Vec<String>,
    /// Each blocking rule: what it says, the pairs estimated before it ran, the pairs it found.
    pub rules: Vec<(String, u64, u64)>,
    pub n_candidates: usize,
    /// `None` when there was nothing to link (fewer than two records).
    pub model: Option<Model>,
    pub n_pairs_above_threshold: usize,
    pub n_clusters: usize,
    /// The waterfall of each pair asked for with `explain`, in the order asked.
    pub explanations: Vec<(String, String, engine::Explanation)>,
    /// Groups whose pairs were weighed together, and the records in groups
    /// too large to weigh (their pairs keep their own weights).
    pub n_groups: usize,
    pub n_in_larger_groups: usize,
    pub timings: Vec<(&'static str, f64)>,
}

/// A hash of an id with its letters in lower case, to warn of ids that differ only in case.
fn folded_hash(id: &str) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut hash = 0u64;
    for c in id.chars().flat_map(char::to_lowercase) {
        hash = (hash.rotate_left(5) ^ u64::from(c)).wrapping_mul(K);
    }
    mix(hash)
}

/// A hash of an id as it is written, to find ids used twice.
fn id_hash(id: &str) -> u64 {
    mix(id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)))
}

/// A final mix (SplitMix64's), so that ids alike give unrelated hashes.
fn mix(mut hash: u64) -> u64 {
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// Rows read from one input, or from a stretch of it: the records, the line
/// each began on, and the first row that could not be read (none after it are).
struct Rows {
    dataset: Dataset,
    lines: Vec<u64>,
    error: Option<LinkCsvError>,
}

impl Rows {
    /// Rows read after these (from the next stretch), unless these stopped at an error.
    fn append(&mut self, next: Rows) {
        if self.error.is_none() {
            self.dataset.append(next.dataset);
            self.lines.extend(next.lines);
            self.error = next.error;
        }
    }
}

/// What reading one input's rows needs to know.
struct Layout<'a> {
    path: &'a Path,
    headers: &'a [String],
    id: usize,
    id_column: &'a str,
    keep_id_values: bool,
    source: u8,
}

/// Line numbers of records, counted from the bytes: the csv reader's own
/// count runs one line behind in a file whose lines end in `\r\n` (it reads
/// a record's `\n` with the next record), and it would differ between a file
/// read whole and read in stretches.
struct Lines<'a> {
    bytes: &'a [u8],
    /// The line `bytes` begins on.
    first_line: u64,
    counted_to: usize,
    breaks: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8], first_line: u64) -> Self {
        Self { bytes, first_line, counted_to: 0, breaks: 0 }
    }

    /// The line of the record the reader placed at `byte` (never before the
    /// last one asked for): past any line breaks it begins with.
    fn of_record_at(&mut self, byte: u64) -> u64 {
        let byte = (byte as usize).clamp(self.counted_to, self.bytes.len());
        self.breaks += memchr::memchr_iter(b'\n', &self.bytes[self.counted_to..byte]).count() as u64;
        self.counted_to = byte;
        let leading =
            self.bytes[byte..].iter().take_while(|&&b| b == b'\r' || b == b'\n').filter(|&&b| b == b'\n').count();
        self.first_line + self.breaks + leading as u64
    }
}

/// Reads rows from `bytes` (no header), which begin on line `first_line`.
fn read_rows(bytes: &[u8], first_line: u64, layout: &Layout<'_>) -> Rows {
    let mut rows = Rows { dataset: Dataset::new(layout.headers.to_vec()), lines: Vec::new(), error: None };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let row_error = |line: u64, message: String| LinkCsvError::Row { path: layout.path.to_owned(), line, message };
    let mut lines = Lines::new(bytes, first_line);
    // One record read into again and again: values are copied only when new to their column.
    let mut row = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = lines.of_record_at(e.position().map_or(0, csv::Position::byte));
                // Not the reader's own message: its record and line numbers count from the stretch.
                let message = match e.kind() {
                    csv::ErrorKind::Utf8 { err, .. } => format!("field {} is not valid UTF-8", err.field() + 1),
                    _ => e.to_string(),
                };
                rows.error = Some(row_error(line, message));
                break;
            }
        }
        let line = lines.of_record_at(row.position().map_or(0, csv::Position::byte));
        if row.len() != layout.headers.len() {
            let message = format!("found {} fields, but the header has {}", row.len(), layout.headers.len());
            rows.error = Some(row_error(line, message));
            break;
        }
        let record_id = row[layout.id].trim();
        if record_id.is_empty() {
            rows.error = Some(row_error(line, format!("blank {}", layout.id_column)));
            break;
        }
        let values = row.iter().enumerate().map(|(c, v)| (layout.keep_id_values || c != layout.id).then_some(v));
        rows.dataset.push(record_id.to_owned(), layout.source, values);
        rows.lines.push(line);
    }
    rows
}

/// Inputs at least this large, without a quote character, are read in one
/// stretch per core: a line break then always ends a row, so the stretches
/// can be cut at line breaks without parsing what comes before.
const READ_IN_STRETCHES_FROM: usize = 4 << 20;

/// Reads one input's rows, in up to `n_parts` stretches side by side when it is large and unquoted.
fn read_input(bytes: &[u8], first_line: u64, layout: &Layout<'_>, n_parts: usize) -> Rows {
    if n_parts < 2 || bytes.len() < READ_IN_STRETCHES_FROM || memchr::memchr(b'"', bytes).is_some() {
        return read_rows(bytes, first_line, layout);
    }
    // Each stretch from just after a line break, with the line it begins on.
    let mut starts = vec![(0, first_line)];
    for k in 1..n_parts {
        let (from, line) = *starts.last().expect("one start at least");
        let share = (bytes.len() * k / n_parts).max(from);
        let Some(cut) = memchr::memchr(b'\n', &bytes[share..]) else { break };
        let cut = share + cut + 1;
        starts.push((cut, line + memchr::memchr_iter(b'\n', &bytes[from..cut]).count() as u64));
    }
    starts.push((bytes.len(), 0));
    let stretches: Vec<(usize, usize, u64)> = starts.windows(2).map(|w| (w[0].0, w[1].0, w[0].1)).collect();
    let parts = parallel::map_each(&stretches, |&(from, to, line)| read_rows(&bytes[from..to], line, layout));
    let mut parts = parts.into_iter();
    let mut rows = parts.next().expect("one stretch at least");
    for part in parts {
        rows.append(part);
    }
    rows
}

/// Reads the inputs. With `keep_id_values` false, the id column's values are
/// kept only as the records' ids, not a second time as a column.
fn read_inputs(options: &LinkCsvOptions, keep_id_values: bool) -> Result<(Dataset, Vec<String>), LinkCsvError> {
    read_inputs_in(options, keep_id_values, parallel::n_threads())
}

/// Reads the inputs, a large one in up to `n_parts` stretches side by side.
fn read_inputs_in(
    options: &LinkCsvOptions,
    keep_id_values: bool,
    n_parts: usize,
) -> Result<(Dataset, Vec<String>), LinkCsvError> {
    let mut all: Option<Rows> = None;
    // A problem with a later input, reported unless an earlier one had an id used twice.
    let mut later_problem: Option<LinkCsvError> = None;
    for (source, path) in options.inputs.iter().enumerate() {
        let (bytes, headers, start) =
            match read_header(path, all.as_ref().map(|a| a.dataset.columns.as_slice()), options) {
                Ok(read) => read,
                Err(problem) if all.is_some() => {
                    later_problem = Some(problem);
                    break;
                }
                Err(problem) => return Err(problem),
            };
        let id = headers.iter().position(|h| *h == options.id_column).expect("checked by read_header");
        // The whole file is in memory while it is read (88 MiB for the million records).
        let first_line = 1 + memchr::memchr_iter(b'\n', &bytes[..start]).count() as u64;
        let layout =
            Layout { path, headers: &headers, id, id_column: &options.id_column, keep_id_values, source: source as u8 };
        let rows = read_input(&bytes[start..], first_line, &layout, n_parts);
        let stop = rows.error.is_some();
        match &mut all {
            None => all = Some(rows),
            Some(all) => all.append(rows),
        }
        if stop {
            break;
        }
    }
    let Some(Rows { dataset, lines, error }) = all else { return Ok((Dataset::default(), Vec::new())) };
    // An id used twice is the first error, if it comes before a row that could
    // not be read: rows after that one were not read.
    if let Some(error) = first_duplicate(&dataset, &lines, options).or(error).or(later_problem) {
        return Err(error);
    }
    let warnings = case_warnings(&dataset, &lines, options);
    Ok((dataset, warnings))
}

/// Reads an input whole and its header: the bytes, the header's names and
/// where the rows begin. `columns`: the first input's header, which a second
/// input must repeat.
fn read_header(
    path: &Path,
    columns: Option<&[String]>,
    options: &LinkCsvOptions,
) -> Result<(Vec<u8>, Vec<String>, usize), LinkCsvError> {
    let input_error = |message: String| LinkCsvError::Input { path: path.to_owned(), message };
    let bytes = std::fs::read(path).map_err(|e| input_error(e.to_string()))?;
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| input_error(e.to_string()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(input_error("the file is empty (expected a header row)".into()));
    }
    if !headers.contains(&options.id_column) {
        return Err(input_error(format!(
            "no id column {:?}; the columns are {}",
            options.id_column,
            headers.join(", ")
        )));
    }
    if columns.is_some_and(|columns| headers != columns) {
        return Err(input_error(format!(
            "the columns differ from {}: both inputs need the same header",
            options.inputs[0].display()
        )));
    }
    let start = reader.position().byte() as usize;
    Ok((bytes, headers, start))
}

/// Records' indexes grouped by a hash of their id (computed on every core),
/// each group in record order; groups of one are left out.
fn groups_by_hash(dataset: &Dataset, hash: impl Fn(&str) -> u64 + Sync) -> Vec<Vec<u32>> {
    let mut keyed: Vec<(u64, u32)> = parallel::map(&dataset.ids, |id| hash(id)).into_iter().zip(0..).collect();
    keyed.sort_unstable();
    keyed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|group| group.len() > 1)
        .map(|group| group.iter().map(|&(_, i)| i).collect())
        .collect()
}

/// The first record, in reading order, whose id an earlier record has.
fn first_duplicate(dataset: &Dataset, lines: &[u64], options: &LinkCsvOptions) -> Option<LinkCsvError> {
    let mut first: Option<(u32, u32)> = None;
    for group in groups_by_hash(dataset, id_hash) {
        for (k, &later) in group.iter().enumerate().skip(1) {
            let id = &dataset.ids[later as usize];
            if let Some(&earlier) = group[..k].iter().find(|&&e| dataset.ids[e as usize] == *id)
                && first.is_none_or(|(l, _)| later < l)
            {
                first = Some((later, earlier));
            }
        }
    }
    let (later, earlier) = first?;
    let (later_source, earlier_source) = (dataset.sources[later as usize], dataset.sources[earlier as usize]);
    let of_file = if later_source == earlier_source {
        String::new()
    } else {
        format!(" of {}", options.inputs[earlier_source as usize].display())
    };
    Some(LinkCsvError::Row {
        path: options.inputs[later_source as usize].clone(),
        line: lines[later as usize],
        message: format!(
            "duplicate {} {:?}, first seen on line {}{of_file}",
            options.id_column, dataset.ids[later as usize], lines[earlier as usize]
        ),
    })
}

/// A warning for each id that differs from an earlier one only in case, in reading order.
fn case_warnings(dataset: &Dataset, lines: &[u64], options: &LinkCsvOptions) -> Vec<String> {
    let mut warned: Vec<(u32, u32)> = groups_by_hash(dataset, folded_hash)
        .into_iter()
        .flat_map(|group| group[1..].iter().map(|&later| (later, group[0])).collect::<Vec<_>>())
        .collect();
    warned.sort_unstable();
    warned
        .into_iter()
        .map(|(later, first)| {
            format!(
                "{}:{}: id {:?} differs from {:?} only in case; they are kept as two records",
                options.inputs[dataset.sources[later as usize] as usize].display(),
                lines[later as usize],
                dataset.ids[later as usize],
                dataset.ids[first as usize]
            )
        })
        .collect()
}

fn parse_key(key: &str, names: &[String], path: &Path) -> Result<KeyPart, LinkCsvError> {
    let error = |message: String| LinkCsvError::Settings { path: path.to_owned(), message };
    let (how, column) = key.split_once(':').ok_or_else(|| error(format!("blocking key {key:?} is not HOW:COLUMN")))?;
    let c = names
        .iter()
        .position(|n| n == column)
        .ok_or_else(|| error(format!("blocking key {key:?}: {column:?} is not a compared column")))?;
    match how {
        "exact" => Ok(KeyPart::Exact(c)),
        "sound" => Ok(KeyPart::Phonetic(c)),
        "year" => Ok(KeyPart::Year(c)),
        prefix if prefix.starts_with("prefix") => {
            let n: u8 =
                prefix[6..].parse().map_err(|_| error(format!("blocking key {key:?}: write prefix3:COLUMN")))?;
            Ok(KeyPart::Prefix(c, n))
        }
        other => Err(error(format!("blocking key {key:?}: {other:?} is not exact, prefixN, sound or year"))),
    }
}

/// Runs the whole linkage and writes `pairs.csv` and, if asked, `clusters.csv`.
pub fn link_csv(
    options: &LinkCsvOptions,
    pairs_out: &Path,
    clusters_out: Option<&Path>,
) -> Result<LinkCsvReport, LinkCsvError> {
    let mut timings = Vec::new();
    let started = Instant::now();
    let settings: SettingsFile = match &options.settings {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| LinkCsvError::Settings { path: path.clone(), message: e.to_string() })?;
            toml::from_str(&text)
                .map_err(|e| LinkCsvError::Settings { path: path.clone(), message: e.to_string().trim().to_owned() })?
        }
        None => SettingsFile::default(),
    };
    let compares_id = settings.comparison.iter().any(|c| c.column == options.id_column);
    let (dataset, warnings) = read_inputs(options, compares_id)?;
    timings.push(("read", started.elapsed().as_secs_f64()));
    // Ids to explain are checked before the work, so a mistyped one costs nothing.
    let explain = records_to_explain(&dataset, &options.explain)?;
    let link_only = options.inputs.len() > 1;
    if dataset.ids.len() < 2 {
        // Nothing to pair: every record is its own cluster.
        write_outputs(&dataset, &[], &(0..dataset.ids.len() as u32).collect::<Vec<_>>(), 1.0, pairs_out, clusters_out)?;
        timings.push(("total", started.elapsed().as_secs_f64()));
        return Ok(LinkCsvReport {
            n_records: dataset.ids.len(),
            comparisons: Vec::new(),
            ignored_columns: Vec::new(),
            warnings,
            rules: Vec::new(),
            n_candidates: 0,
            model: None,
            n_pairs_above_threshold: 0,
            n_clusters: dataset.ids.len(),
            explanations: Vec::new(),
            n_groups: 0,
            n_in_larger_groups: 0,
            timings,
        });
    }
    let id_index = dataset.columns.iter().position(|c| *c == options.id_column).expect("checked on reading");

    let (mut specs, mut columns, mut ignored) = (Vec::new(), Vec::new(), Vec::new());
    if settings.comparison.is_empty() {
        (specs, columns, ignored) = infer_comparisons(&dataset, id_index);
    } else {
        let path = options.settings.clone().unwrap_or_default();
        let error = |message: String| LinkCsvError::Settings { path: path.clone(), message };
        for setting in &settings.comparison {
            let c = dataset.columns.iter().position(|n| *n == setting.column).ok_or_else(|| {
                error(format!(
                    "comparison column {:?} is not in the input; its columns are {}",
                    setting.column,
                    dataset.columns.join(", ")
                ))
            })?;
            let kind = Kind::parse(&setting.kind).ok_or_else(|| {
                let kinds = "name, date, identifier, postcode, category, text, names, reference, stays or contacts";
                error(format!("comparison kind {:?}: expected {kinds}", setting.kind))
            })?;
            specs.push(ComparisonSpec {
                name: setting.column.clone(),
                kind,
                swap_with: None,
                term_frequency: setting.term_frequency.unwrap_or(kind == Kind::Name),
                own_name: Vec::new(),
            });
            columns.push(c);
        }
        for (i, setting) in settings.comparison.iter().enumerate() {
            if let Some(other) = &setting.swap_with {
                specs[i].swap_with = Some(
                    settings
                        .comparison
                        .iter()
                        .position(|s| s.column == *other)
                        .ok_or_else(|| error(format!("swap_with {other:?} is not a compared column")))?,
                );
            }
        }
    }
    let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    let kinds: Vec<Kind> = specs.iter().map(|s| s.kind).collect();
    for c in 0..specs.len() {
        if specs[c].kind == Kind::Names && specs[c].own_name.is_empty() {
            let values: Vec<Option<&str>> = (0..dataset.len()).map(|r| dataset.value(r, columns[c])).collect();
            specs[c].own_name = own_name(&names, &kinds, &values);
        }
    }
    let comparisons = specs.iter().map(|s| (s.name.clone(), s.kind.code())).collect();
    let rules = if settings.blocking.is_empty() {
        None
    } else {
        let path = options.settings.clone().unwrap_or_default();
        let mut rules = Vec::new();
        for rule in &settings.blocking {
            let parts = rule.keys.iter().map(|k| parse_key(k, &names, &path)).collect::<Result<Vec<_>, _>>()?;
            rules.push(BlockingRule::new(parts));
        }
        Some(rules)
    };

    let step = Instant::now();
    let data = engine::prepare_all(&dataset, specs, &columns, link_only)?;
    timings.push(("prepare", step.elapsed().as_secs_f64()));
    let step = Instant::now();
    let budget = settings.max_pairs.unwrap_or(byname_linkage::default_budget(dataset.ids.len()));
    let blocked = engine::block(&data, rules, budget)?;
    timings.push(("block and compare", step.elapsed().as_secs_f64()));
    if let Some(path) = &options.candidates {
        let step = Instant::now();
        write_candidates(&dataset, &blocked.candidates, path)?;
        timings.push(("write candidates", step.elapsed().as_secs_f64()));
    }
    let step = Instant::now();
    let model = engine::train(&data, &blocked, settings.seed.unwrap_or(42));
    timings.push(("train", step.elapsed().as_secs_f64()));
    let step = Instant::now();
    let threshold = settings.threshold.unwrap_or(options.threshold);
    let scored = engine::score(&blocked, &model);
    timings.push(("score", step.elapsed().as_secs_f64()));
    let step = Instant::now();
    // One index of the scored pairs, for the groups and the clusters' guard.
    let index = PairIndex::new(data.len(), &scored).expect("scoring leaves the pairs sorted");
    let groups = engine::weigh_groups(&data, &model, &scored, &index);
    timings.push(("weigh groups", step.elapsed().as_secs_f64()));
    let explanations = explain_pairs(&dataset, &columns, &data, &model, (&scored, &groups), &explain);

    // The pairs are written while the records are clustered: writing them needs only the scores.
    let step = Instant::now();
    let (clusters, n_above) = std::thread::scope(|scope| {
        // Each pair as weighed in its group, where it is in one.
        let pairs_written = scope.spawn(|| write_pairs(&dataset, groups.weighed(&scored), threshold, pairs_out));
        let clusters = engine::clusters(&data, &model, &scored, Some(&index), threshold);
        let clusters_written = clusters_out.map(|path| write_clusters(&dataset, &clusters.cluster_of, path));
        let n_above = pairs_written.join().expect("the pairs' writer did not panic");
        clusters_written.transpose().and(n_above).map(|n_above| (clusters, n_above))
    })?;
    let n_clusters = {
        let mut roots: Vec<u32> = clusters.cluster_of.clone();
        roots.sort_unstable();
        roots.dedup();
        roots.len()
    };
    timings.push(("cluster and write", step.elapsed().as_secs_f64()));
    let report = LinkCsvReport {
        n_records: dataset.ids.len(),
        comparisons,
        ignored_columns: ignored,
        warnings,
        rules: blocked.rules.iter().map(|r| (r.description.clone(), r.estimated_pairs, r.pairs)).collect(),
        n_candidates: blocked.candidates.len(),
        model: Some(model),
        n_pairs_above_threshold: n_above,
        n_clusters,
        explanations,
        n_groups: groups.len(),
        n_in_larger_groups: groups.n_in_larger_groups,
        timings,
    };
    // A million records' data take a few tenths of a second to give back,
    // piece by piece: that happens on a thread of its own, so the report is
    // not kept waiting (and a process that ends with it leaves it to the
    // operating system).
    std::thread::spawn(move || drop((dataset, data, blocked, scored, clusters, groups, index)));
    let mut report = report;
    report.timings.push(("total", started.elapsed().as_secs_f64()));
    Ok(report)
}

/// The two records of each pair of ids asked for, in the order asked; an id
/// not in the inputs, or a record paired with itself, is an error naming them.
fn records_to_explain(
    dataset: &Dataset,
    asked: &[(String, String)],
) -> Result<Vec<(String, String, u32, u32)>, LinkCsvError> {
    if asked.is_empty() {
        return Ok(Vec::new());
    }
    let record: std::collections::HashMap<&str, u32> =
        dataset.ids.iter().enumerate().map(|(r, id)| (id.as_str(), r as u32)).collect();
    asked
        .iter()
        .map(|(left, right)| {
            let error = |message: String| LinkCsvError::Explain { left: left.clone(), right: right.clone(), message };
            let find = |id: &str| record.get(id).copied().ok_or_else(|| error(format!("no record has the id {id:?}")));
            let (a, b) = (find(left)?, find(right)?);
            if a == b {
                return Err(error("a record is not compared with itself".into()));
            }
            Ok((left.clone(), right.clone(), a, b))
        })
        .collect()
}

/// The waterfall of each pair asked for, with its group's line where the two
/// are in one (`scored` are the pairs the groups were found among).
fn explain_pairs(
    dataset: &Dataset,
    columns: &[usize],
    data: &engine::PreparedData,
    model: &Model,
    (scored, groups): (&[byname_linkage::ScoredPair], &Groups),
    asked: &[(String, String, u32, u32)],
) -> Vec<(String, String, engine::Explanation)> {
    asked
        .iter()
        .map(|(left, right, a, b)| {
            let (a, b) = (*a, *b);
            let explanation = engine::explain(dataset, columns, data, model, a, b);
            let explanation = match (groups.of(a), groups.weight(scored, a, b)) {
                (Some(members), Some(weight)) => {
                    let others = members.iter().filter(|&&m| m != a && m != b);
                    explanation.in_group(others.map(|&m| dataset.ids[m as usize].clone()).collect(), weight)
                }
                _ => explanation,
            };
            (left.clone(), right.clone(), explanation)
        })
        .collect()
}

/// Writes every candidate pair, `left_id,right_id`.
fn write_candidates(dataset: &Dataset, candidates: &[u64], path: &Path) -> Result<(), LinkCsvError> {
    let failed = |e: csv::Error| LinkCsvError::Write { path: path.to_owned(), source: e.into() };
    let mut writer = csv::Writer::from_path(path).map_err(failed)?;
    writer.write_record(["left_id", "right_id"]).map_err(failed)?;
    for &pair in candidates {
        let (a, b) = byname_linkage::unpack(pair);
        writer.write_record([&dataset.ids[a as usize], &dataset.ids[b as usize]]).map_err(failed)?;
    }
    writer.flush().map_err(|e| LinkCsvError::Write { path: path.to_owned(), source: e })
}

/// Writes the pairs at or above the threshold and, if asked, every record's cluster.
fn write_outputs(
    dataset: &Dataset,
    scored: &[byname_linkage::ScoredPair],
    cluster_of: &[u32],
    threshold: f64,
    pairs_out: &Path,
    clusters_out: Option<&Path>,
) -> Result<usize, LinkCsvError> {
    // The two files are written side by side, one core each.
    std::thread::scope(|scope| {
        let clusters = clusters_out.map(|path| scope.spawn(move || write_clusters(dataset, cluster_of, path)));
        let n_above = write_pairs(dataset, scored.iter().copied(), threshold, pairs_out)?;
        if let Some(clusters) = clusters {
            clusters.join().expect("the clusters' writer did not panic")?;
        }
        Ok(n_above)
    })
}

fn write_failed(path: &Path) -> impl Fn(csv::Error) -> LinkCsvError + use<> {
    let path = path.to_owned();
    move |e: csv::Error| LinkCsvError::Write { path: path.clone(), source: e.into() }
}

/// Writes the pairs at or above the threshold; returns how many there are.
fn write_pairs(
    dataset: &Dataset,
    pairs: impl Iterator<Item = byname_linkage::ScoredPair>,
    threshold: f64,
    path: &Path,
) -> Result<usize, LinkCsvError> {
    let mut writer = csv::Writer::from_path(path).map_err(write_failed(path))?;
    writer.write_record(["left_id", "right_id", "match_probability", "match_weight"]).map_err(write_failed(path))?;
    let mut n_above = 0;
    let reaches = byname_linkage::Reaches::new(threshold);
    let (mut probability, mut weight) = (String::new(), String::new());
    for pair in pairs.filter(|p| reaches.pair(p)) {
        n_above += 1;
        fixed(&mut probability, pair.probability(), 6);
        fixed(&mut weight, pair.weight, 4);
        writer
            .write_record([
                dataset.ids[pair.left as usize].as_str(),
                dataset.ids[pair.right as usize].as_str(),
                &probability,
                &weight,
            ])
            .map_err(write_failed(path))?;
    }
    writer.flush().map_err(|e| LinkCsvError::Write { path: path.to_owned(), source: e })?;
    Ok(n_above)
}

/// `value` with `decimals` decimals into `out`, as `format!("{value:.decimals$}")`
/// writes it. The standard formatting reads the exact binary value digit by
/// digit, a few hundred nanoseconds a number; a million pairs' two numbers
/// took a fifth of a second. Rounding the value scaled by a power of ten
/// gives the same digits except within rounding error of a tie (half a unit
/// in the last place), where the standard formatting decides.
fn fixed(out: &mut String, value: f64, decimals: u32) {
    use std::fmt::Write;
    out.clear();
    let scaled = value.abs() * 10f64.powi(decimals as i32);
    let near_tie = (scaled.fract() - 0.5).abs() < 1e-6;
    if near_tie || !scaled.is_finite() || scaled >= 1e15 {
        write!(out, "{value:.*}", decimals as usize).expect("a String takes any text");
        return;
    }
    let scaled = scaled.round() as u64;
    let unit = 10u64.pow(decimals);
    if value.is_sign_negative() {
        out.push('-');
    }
    write!(out, "{}.{:0width$}", scaled / unit, scaled % unit, width = decimals as usize)
        .expect("a String takes any text");
}

/// Writes each record's cluster, named by its first record's id.
fn write_clusters(dataset: &Dataset, cluster_of: &[u32], path: &Path) -> Result<(), LinkCsvError> {
    let mut writer = csv::Writer::from_path(path).map_err(write_failed(path))?;
    writer.write_record(["id", "cluster_id"]).map_err(write_failed(path))?;
    for (record, &root) in cluster_of.iter().enumerate() {
        writer.write_record([&dataset.ids[record], &dataset.ids[root as usize]]).map_err(write_failed(path))?;
    }
    writer.flush().map_err(|e| LinkCsvError::Write { path: path.to_owned(), source: e })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of 80,000 rows (about 5 MiB), the id column second.
    fn large_file(rows: impl Fn(usize) -> String) -> String {
        let mut text = String::from("given_name,rec_id,surname,date_of_birth,postcode,address\n");
        for i in 0..80_000 {
            text.push_str(&rows(i));
            text.push('\n');
        }
        assert!(text.len() >= READ_IN_STRETCHES_FROM, "large enough to be read in stretches");
        text
    }

    fn row(i: usize) -> String {
        let surname = ["Popescu", "Berhane", "Shevchenko", "Hassan", "Murphy"][i % 5];
        let (year, month, day) = (40 + i % 50, 1 + i % 9, i % 10);
        let (district, street) = (i % 20, i % 300);
        format!(
            "Name{},r{i},{surname},19{year:02}-0{month}-1{day},W{district} 1AB,{street} Harrow Road London",
            i % 997
        )
    }

    fn read(dir: &tempfile::TempDir, text: &str, n_parts: usize) -> Result<(Dataset, Vec<String>), LinkCsvError> {
        let path = dir.path().join("input.csv");
        std::fs::write(&path, text).unwrap();
        let options = LinkCsvOptions {
            inputs: vec![path],
            id_column: "rec_id".into(),
            threshold: 0.5,
            settings: None,
            candidates: None,
            explain: Vec::new(),
        };
        read_inputs_in(&options, false, n_parts)
    }

    #[test]
    fn numbers_are_written_as_the_standard_formatting_writes_them() {
        let mut random = byname_linkage::SplitMix::new(7);
        let mut out = String::new();
        let mut values: Vec<f64> =
            vec![0.0, -0.0, 0.5, 1.0, 0.9999995, 0.0000005, 0.00000049, -12.34565, 1e20, -3.5e-5];
        values.extend((0..200_000).map(|_| (random.next_u64() as f64 / u64::MAX as f64 - 0.5) * 80.0));
        values.extend((0..200_000).map(|_| random.next_u64() as f64 / u64::MAX as f64));
        values.extend((0..20_000).map(|i| f64::from(i) / 20_000.0 + 0.5e-6));
        for value in values {
            for decimals in [4, 6] {
                fixed(&mut out, value, decimals);
                assert_eq!(out, format!("{value:.*}", decimals as usize), "{value:e} with {decimals} decimals");
            }
        }
    }

    fn error_of(result: Result<(Dataset, Vec<String>), LinkCsvError>) -> String {
        match result {
            Err(e) => e.to_string(),
            Ok(_) => panic!("expected an error"),
        }
    }

    #[test]
    fn a_large_file_read_in_stretches_gives_what_reading_it_whole_gives() {
        let dir = tempfile::tempdir().unwrap();
        let text = large_file(|i| if i == 45_000 { "Tesfay,R3,Berhane,1975-01-20,,".into() } else { row(i) });
        let (whole, whole_warnings) = read(&dir, &text, 1).unwrap();
        let (stretches, stretch_warnings) = read(&dir, &text, 3).unwrap();
        assert_eq!(whole.ids, stretches.ids);
        assert_eq!(whole.len(), 80_000);
        for record in (0..80_000).step_by(7) {
            for column in 0..whole.columns.len() {
                assert_eq!(whole.value(record, column), stretches.value(record, column), "record {record}");
            }
        }
        assert_eq!(whole_warnings, stretch_warnings);
        // r3 is on line 5 and R3 on line 45,002: the warning names the later line.
        assert_eq!(stretch_warnings.len(), 1);
        assert!(
            stretch_warnings[0]
                .ends_with("input.csv:45002: id \"R3\" differs from \"r3\" only in case; they are kept as two records"),
            "{stretch_warnings:?}"
        );
    }

    #[test]
    fn lines_ending_in_carriage_returns_are_numbered_as_lines_ending_in_line_feeds() {
        let dir = tempfile::tempdir().unwrap();
        let text = large_file(|i| if i == 45_000 { "Tesfay,R3,Berhane,1975-01-20,,".into() } else { row(i) });
        let crlf = text.replace('\n', "\r\n");
        let (_, warnings) = read(&dir, &text, 1).unwrap();
        for n_parts in [1, 3] {
            assert_eq!(read(&dir, &crlf, n_parts).unwrap().1, warnings, "{n_parts} stretches");
        }
        let duplicate = error_of(read(&dir, "rec_id,given_name\r\na1,Ann\r\n\r\na1,Bob\r\n", 1));
        assert!(duplicate.ends_with("input.csv:4: duplicate rec_id \"a1\", first seen on line 2"), "{duplicate}");
    }

    #[test]
    fn an_id_used_twice_is_named_before_a_problem_with_a_later_input() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.csv");
        std::fs::write(&first, "rec_id,given_name\na1,Ann\na1,Bob\n").unwrap();
        let options = |second: &str| LinkCsvOptions {
            inputs: vec![first.clone(), dir.path().join(second)],
            id_column: "rec_id".into(),
            threshold: 0.5,
            settings: None,
            candidates: None,
            explain: Vec::new(),
        };
        let error = error_of(read_inputs_in(&options("missing.csv"), false, 2));
        assert!(error.ends_with("first.csv:3: duplicate rec_id \"a1\", first seen on line 2"), "{error}");
        std::fs::write(&first, "rec_id,given_name\na1,Ann\n").unwrap();
        let error = error_of(read_inputs_in(&options("missing.csv"), false, 2));
        assert!(error.contains("missing.csv"), "{error}");
    }

    #[test]
    fn an_id_used_twice_in_two_stretches_is_found_on_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let text = large_file(|i| if i == 50_000 { row(10).replace("r10", "r7") } else { row(i) });
        for n_parts in [1, 3] {
            assert!(
                error_of(read(&dir, &text, n_parts))
                    .ends_with("input.csv:50002: duplicate rec_id \"r7\", first seen on line 9"),
                "{n_parts} stretches"
            );
        }
    }

    #[test]
    fn the_first_bad_row_is_the_one_named_whatever_stretch_it_is_in() {
        let dir = tempfile::tempdir().unwrap();
        // A row short of a field on line 40,002, and an id used twice after it: the short
        // row is the first problem, and nothing after it is read.
        let text = large_file(|i| match i {
            40_000 => "Ann,r40000,Smith".into(),
            55_000 => row(3).replace("r3,", "r5,"),
            _ => row(i),
        });
        for n_parts in [1, 2, 3] {
            assert!(
                error_of(read(&dir, &text, n_parts)).ends_with("input.csv:40002: found 3 fields, but the header has 6"),
                "{n_parts} stretches"
            );
        }
        // An id used twice before a blank id: the id used twice is named.
        let text = large_file(|i| match i {
            20_000 => row(3).replace("r3,", "r5,"),
            58_000 => "Ann,,Smith,1980-01-01,,".into(),
            _ => row(i),
        });
        for n_parts in [1, 3] {
            assert!(
                error_of(read(&dir, &text, n_parts))
                    .ends_with("input.csv:20002: duplicate rec_id \"r5\", first seen on line 7"),
                "{n_parts} stretches"
            );
        }
        let text = large_file(|i| if i == 58_000 { "Ann,,Smith,1980-01-01,,".into() } else { row(i) });
        assert!(error_of(read(&dir, &text, 3)).ends_with("input.csv:58002: blank rec_id"));
    }
}
