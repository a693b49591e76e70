//! `byname link csv`: probabilistic linkage of any CSV files, for
//! benchmarking and for other areas' data. One input is deduplicated, two
//! are linked. Comparisons are inferred from the columns unless a settings
//! file says otherwise; blocking rules are proposed from the data unless
//! given. Every step is timed for the report.

use byname_linkage::blocking::{BlockingRule, KeyPart};
use byname_linkage::comparison::Kind;
use byname_linkage::engine::{self, Dataset};
use byname_linkage::infer::{infer_comparisons, own_name};
use byname_linkage::model::{ComparisonSpec, Model};
use serde::Deserialize;
use std::collections::HashMap;
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
}

/// The settings file (`--settings link.toml`); every part optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSettings {
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
    pub timings: Vec<(&'static str, f64)>,
}

/// A hash of an id with its letters in lower case, to warn of ids that differ only in case.
fn folded_hash(id: &str) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut hash = 0u64;
    for c in id.chars().flat_map(char::to_lowercase) {
        hash = (hash.rotate_left(5) ^ u64::from(c)).wrapping_mul(K);
    }
    // A final mix (SplitMix64's), so that ids alike give unrelated hashes.
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// A hasher for keys that are hashes already.
#[derive(Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Reads the inputs. With `keep_id_values` false, the id column's values are
/// kept only as the records' ids, not a second time as a column.
fn read_inputs(options: &LinkCsvOptions, keep_id_values: bool) -> Result<(Dataset, Vec<String>), LinkCsvError> {
    let mut dataset = Dataset::default();
    let mut warnings = Vec::new();
    // Ids are remembered by hash (16 bytes each), not by their text.
    let mut seen = byname_import::IdRegister::default();
    let mut seen_folded: HashMap<u64, u32, std::hash::BuildHasherDefault<PassThrough>> = HashMap::default();
    for (source, path) in options.inputs.iter().enumerate() {
        let input_error = |message: String| LinkCsvError::Input { path: path.clone(), message };
        let mut reader =
            csv::ReaderBuilder::new().flexible(false).from_path(path).map_err(|e| input_error(e.to_string()))?;
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| input_error(e.to_string()))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
            .collect();
        if headers.iter().all(String::is_empty) {
            return Err(input_error("the file is empty (expected a header row)".into()));
        }
        let id = headers.iter().position(|h| *h == options.id_column).ok_or_else(|| {
            input_error(format!("no id column {:?}; the columns are {}", options.id_column, headers.join(", ")))
        })?;
        if source == 0 {
            dataset = Dataset::new(headers.clone());
        } else if headers != dataset.columns {
            return Err(input_error(format!(
                "the columns differ from {}: both inputs need the same header",
                options.inputs[0].display()
            )));
        }
        let file = path.display().to_string();
        // One record read into again and again: values are copied only when new to their column.
        let mut row = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut row) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    return Err(LinkCsvError::Row { path: path.clone(), line, message: e.to_string() });
                }
            }
            let line = row.position().map_or(0, |p| p.line());
            let record_id = row[id].trim();
            if record_id.is_empty() {
                return Err(LinkCsvError::Row {
                    path: path.clone(),
                    line,
                    message: format!("blank {}", options.id_column),
                });
            }
            if let Err(duplicate) = seen.register(&file, &options.id_column, record_id, line) {
                return Err(LinkCsvError::Row { path: path.clone(), line, message: duplicate.reason });
            }
            match seen_folded.entry(folded_hash(record_id)) {
                std::collections::hash_map::Entry::Occupied(other) => warnings.push(format!(
                    "{}:{line}: id {record_id:?} differs from {:?} only in case; they are kept as two records",
                    path.display(),
                    dataset.ids[*other.get() as usize]
                )),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(dataset.ids.len() as u32);
                }
            }
            let values = row.iter().enumerate().map(|(c, v)| (keep_id_values || c != id).then_some(v));
            dataset.push(record_id.to_owned(), source as u8, values);
        }
    }
    Ok((dataset, warnings))
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
    let settings: LinkSettings = match &options.settings {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| LinkCsvError::Settings { path: path.clone(), message: e.to_string() })?;
            toml::from_str(&text)
                .map_err(|e| LinkCsvError::Settings { path: path.clone(), message: e.to_string().trim().to_owned() })?
        }
        None => LinkSettings::default(),
    };
    let compares_id = settings.comparison.iter().any(|c| c.column == options.id_column);
    let (dataset, warnings) = read_inputs(options, compares_id)?;
    timings.push(("read", started.elapsed().as_secs_f64()));
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
    let budget = settings.max_pairs.unwrap_or(byname_linkage::blocking::default_budget(dataset.ids.len()));
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
    let clusters = engine::clusters(&data, &model, &scored, threshold);
    timings.push(("score and cluster", step.elapsed().as_secs_f64()));

    let step = Instant::now();
    let n_above = write_outputs(&dataset, &scored, &clusters.cluster_of, threshold, pairs_out, clusters_out)?;
    let n_clusters = {
        let mut roots: Vec<u32> = clusters.cluster_of.clone();
        roots.sort_unstable();
        roots.dedup();
        roots.len()
    };
    timings.push(("write", step.elapsed().as_secs_f64()));
    timings.push(("total", started.elapsed().as_secs_f64()));
    Ok(LinkCsvReport {
        n_records: dataset.ids.len(),
        comparisons,
        ignored_columns: ignored,
        warnings,
        rules: blocked.rules.iter().map(|r| (r.description.clone(), r.estimated_pairs, r.pairs)).collect(),
        n_candidates: blocked.candidates.len(),
        model: Some(model),
        n_pairs_above_threshold: n_above,
        n_clusters,
        timings,
    })
}

/// Writes every candidate pair, `left_id,right_id`.
fn write_candidates(dataset: &Dataset, candidates: &[u64], path: &Path) -> Result<(), LinkCsvError> {
    let failed = |e: csv::Error| LinkCsvError::Write { path: path.to_owned(), source: e.into() };
    let mut writer = csv::Writer::from_path(path).map_err(failed)?;
    writer.write_record(["left_id", "right_id"]).map_err(failed)?;
    for &pair in candidates {
        let (a, b) = byname_linkage::blocking::unpack(pair);
        writer.write_record([&dataset.ids[a as usize], &dataset.ids[b as usize]]).map_err(failed)?;
    }
    writer.flush().map_err(|e| LinkCsvError::Write { path: path.to_owned(), source: e })
}

/// Writes the pairs at or above the threshold and, if asked, every record's cluster.
fn write_outputs(
    dataset: &Dataset,
    scored: &[byname_linkage::cluster::ScoredPair],
    cluster_of: &[u32],
    threshold: f64,
    pairs_out: &Path,
    clusters_out: Option<&Path>,
) -> Result<usize, LinkCsvError> {
    // The two files are written side by side, one core each.
    std::thread::scope(|scope| {
        let clusters = clusters_out.map(|path| scope.spawn(move || write_clusters(dataset, cluster_of, path)));
        let n_above = write_pairs(dataset, scored, threshold, pairs_out)?;
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
    scored: &[byname_linkage::cluster::ScoredPair],
    threshold: f64,
    path: &Path,
) -> Result<usize, LinkCsvError> {
    let mut writer = csv::Writer::from_path(path).map_err(write_failed(path))?;
    writer.write_record(["left_id", "right_id", "match_probability", "match_weight"]).map_err(write_failed(path))?;
    let mut n_above = 0;
    for pair in scored.iter().filter(|p| p.probability() >= threshold) {
        n_above += 1;
        writer
            .write_record([
                dataset.ids[pair.left as usize].as_str(),
                dataset.ids[pair.right as usize].as_str(),
                &format!("{:.6}", pair.probability()),
                &format!("{:.4}", pair.weight),
            ])
            .map_err(write_failed(path))?;
    }
    writer.flush().map_err(|e| LinkCsvError::Write { path: path.to_owned(), source: e })?;
    Ok(n_above)
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
