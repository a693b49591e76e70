//! `byname`: the command line. Parses flags, chooses the store, calls the
//! use cases (`byname-pipeline`, `byname-casework`), and turns errors into
//! messages and exit codes. `link_csv` drives `byname link csv`, which reads and
//! writes files and never the store.

mod commands;
mod forecast_evaluation;
mod link_csv;
mod organisations;

/// The import path allocates and frees small strings millions of times; mimalloc
/// does that markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "byname",
    version,
    about = "The shared by-name list, linkage and statistics of a homelessness partnership"
)]
struct Cli {
    /// Database URL: sqlite://PATH (the default, under --data-dir) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "BYNAME_DATABASE_URL")]
    database: Option<String>,
    /// Folder for the SQLite database, the secret key (unless BYNAME_SECRET_KEY gives it), the audit
    /// log's recorded head and the demo's generated exports.
    #[arg(long, global = true, env = "BYNAME_DATA_DIR", default_value = "byname-data")]
    data_dir: PathBuf,
    /// Log more on standard error: -v the steps taken, -vv the details. Warnings and errors
    /// only by default, except for `serve` and `demo`; BYNAME_LOG, a tracing filter, wins when set.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a synthetic partnership, import and link it, create demo users, and serve the web app.
    Demo(DemoArgs),
    /// Serve the web app.
    Serve(ServeArgs),
    /// Write a synthetic partnership's exports (CHAIN, Inform, street count, health) and a truth file.
    Generate(GenerateArgs),
    /// Write a FEBRL-style deduplication set of any size with its truth, for linkage benchmarks.
    GenerateFebrl {
        #[arg(long, default_value_t = 1_000_000)]
        records: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The records file; the truth goes beside it as NAME_truth.csv.
        #[arg(long)]
        out: PathBuf,
    },
    /// Import an export, or list past imports.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Link the stored records of the same person (certain rules, then the probabilistic model,
    /// incrementally when a model is stored), or link CSV files.
    Link {
        #[command(subcommand)]
        command: Option<LinkCommand>,
        /// Train the model anew and compare every pair, instead of only new and changed records.
        #[arg(long)]
        full: bool,
        /// Compare every pair again with the stored model, without training.
        #[arg(long, conflicts_with = "full")]
        recompare: bool,
        /// At or above this match probability, records link by themselves.
        #[arg(long, default_value_t = 0.95)]
        auto_threshold: f64,
        /// From this probability up to the automatic threshold, pairs wait in the review queue.
        #[arg(long, default_value_t = 0.5)]
        review_threshold: f64,
    },
    /// Manage users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// The partnership's organisations and the team, provider and service names each goes by in
    /// imports (which decide whose users see whom).
    #[command(subcommand)]
    Organisations(organisations::OrganisationsCommand),
    /// What has been imported and how well.
    #[command(subcommand)]
    Data(organisations::DataCommand),
    /// Persons as linked.
    #[command(subcommand)]
    Persons(PersonsCommand),
    /// Reports on the stored data.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Forecast a metric's monthly or quarterly figures, with 80% and 95% intervals, the model
    /// chosen by backtest on the history and its measured accuracy.
    Forecast(ForecastArgs),
    /// Project rough sleeping and the by-name list under a change of capacity or rate, next to
    /// the baseline, with the stock-and-flow model fitted to the stored events.
    Scenario(ScenarioArgs),
    /// The partnership's settings kept in the store.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// The audit log: verify its hash chain, search it.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Escalations: run the overdue step, set an area's deadline, name a head of service.
    #[command(subcommand)]
    Escalations(EscalationsCommand),
    /// Everything held on a person, as JSON (a subject access request); the export is audited.
    Sar {
        person: i64,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Erase a person (a right to erasure): their records, events and everything derived from
    /// them are deleted, and a keyed hash of each record id and NHS number is kept so that no
    /// import brings them back. Audited. It cannot be undone.
    Erase {
        person: i64,
        /// Why, for the audit log (do not name the person in it).
        #[arg(long)]
        reason: String,
    },
    /// Restrict a person (a right to restriction): the data are kept but used for nothing (not on
    /// the list, no page, not in the statistics, not linked) except the audit log and `sar`.
    /// Audited. `--lift` ends it.
    Restrict {
        person: i64,
        /// Why, for the audit log (do not name the person in it).
        #[arg(long, required_unless_present = "lift", conflicts_with = "lift")]
        reason: Option<String>,
        /// Lift the restriction; the next `byname link` links the person again.
        #[arg(long)]
        lift: bool,
    },
    /// Write a consistent copy of the SQLite database to FILE, while servers go on serving, and
    /// the audit log's head it holds to FILE.audit-head (keep both; see docs/deployment.md for
    /// restoring). FILE must not exist. Audited. On PostgreSQL, use pg_dump.
    Backup { file: PathBuf },
    /// Check that byname is ready to serve: the database answers, its migrations are current, the
    /// secret key is there and private, organisations have the names their records carry, and an
    /// administrator can sign in. One line per check; exits 1 saying what to fix.
    Check,
    /// Erase the people not seen for the retention period (`byname settings retention-months`,
    /// 72 by default). Restricted people are left alone.
    Retention {
        /// List who would be erased, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// The options forecasts and scenarios share, last in each command's help: one area, the
/// output format, the structural breaks and the statistics settings. Each command words
/// `--break`'s help for what it does with a break.
#[derive(Args)]
struct ProjectionArgs {
    /// One area (borough); the partnership's areas when absent.
    #[arg(long)]
    area: Option<String>,
    /// How the result is printed.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    format: TableFormat,
    /// A structural break, YYYY-MM..YYYY-MM; repeatable. Default: 2020-04..2021-06 (Everyone In).
    #[arg(long = "break", value_name = "FROM..TO")]
    breaks: Vec<String>,
    /// Mark no structural break at all.
    #[arg(long, conflicts_with = "breaks")]
    no_breaks: bool,
    /// The statistics settings file (TOML); the defaults of DOMAIN.md otherwise.
    #[arg(long)]
    settings: Option<PathBuf>,
}

#[derive(Args)]
#[command(mut_arg("breaks", |a| a.help(
    "A structural break, YYYY-MM..YYYY-MM, left out of the arrivals' averages; repeatable. Default: 2020-04..2021-06 (Everyone In)"
)))]
struct ScenarioArgs {
    /// NAME=AMOUNT, repeatable: hotel_capacity, shelter_capacity, hub_capacity or
    /// longterm_capacity by places (-200) or percent (-50%); arrivals, move_on, placement or
    /// returns by percent (+20%). None: the baseline alone.
    #[arg(long = "change", value_name = "NAME=AMOUNT")]
    changes: Vec<String>,
    /// YYYY-MM: the month the changes apply from; the first projected month by default.
    #[arg(long)]
    from: Option<String>,
    /// Months projected.
    #[arg(long, default_value_t = 18)]
    months: usize,
    /// YYYY-MM: the last month the model learns from (the last month of data by default). With
    /// months of data after it, the projection is compared with what was recorded.
    #[arg(long)]
    fit_to: Option<String>,
    /// Run the model's validation on the generated history: fitted to 2021-03, hotel rooms
    /// closed to newcomers from 2021-04, 18 months compared with what was recorded.
    #[arg(long, conflicts_with_all = ["changes", "from", "fit_to"])]
    validate: bool,
    /// Months of moves the rates are counted over.
    #[arg(long, default_value_t = 12)]
    window: usize,
    /// Simulated paths.
    #[arg(long, default_value_t = 500)]
    paths: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The figure shown.
    #[arg(long, default_value = "chain.total", value_parser = names(&byname_forecast::scenario::TRACKED))]
    metric: String,
    #[command(flatten)]
    shared: ProjectionArgs,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
#[command(mut_arg("breaks", |a| a.help(
    "A structural break, YYYY-MM..YYYY-MM, whose months are drawn across and not scored; repeatable. Default: 2020-04..2021-06 (Everyone In)"
)))]
struct ForecastArgs {
    #[command(subcommand)]
    command: Option<ForecastCommand>,
    /// The figure forecast.
    #[arg(long, required = true, value_parser = names(&byname_stats::series::SERIES_METRICS))]
    metric: Option<String>,
    /// Months, or financial quarters (April to June first).
    #[arg(long, value_enum, default_value_t = PeriodUnitArg::Month)]
    period_unit: PeriodUnitArg,
    /// Periods ahead.
    #[arg(long, default_value_t = 12)]
    horizon: usize,
    #[command(flatten)]
    shared: ProjectionArgs,
}

#[derive(Subcommand)]
enum ForecastCommand {
    /// Judge the automatic forecast on series from a CSV file: each series is forecast from
    /// its last few origins, and MASE and interval coverage are measured on what followed.
    Evaluate {
        /// Long CSV: series_id,unit,period_index,value; unit month or quarter; an empty value
        /// is a period not observed (filled in for fitting, never scored).
        #[arg(long)]
        input: PathBuf,
        /// Periods ahead from each origin.
        #[arg(long, default_value_t = 12)]
        horizon: usize,
        /// Origins per series, the last leaving exactly the horizon.
        #[arg(long, default_value_t = 3)]
        origins: usize,
        /// Periods between two origins; the horizon when absent.
        #[arg(long)]
        step: Option<usize>,
        /// How the result is printed (json has every forecast).
        #[arg(long, value_enum, default_value_t = EvaluateFormat::Table)]
        format: EvaluateFormat,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The key statistics report of a period: flow, the framework's indicators, the by-name
    /// list's flows, breakdowns, outcomes, the monthly trend and data quality.
    KeyStats {
        /// FY2024, FY2024-Q1, 2024-06 or 2024-06-01..2024-06-30.
        #[arg(long)]
        period: String,
        /// The report's format.
        #[arg(long, value_enum, default_value_t = KeyStatsFormat::Html)]
        format: KeyStatsFormat,
        /// Apply disclosure control for publication: small numbers withheld, counts rounded.
        #[arg(long)]
        public: bool,
        /// The statistics settings file (TOML); the defaults of DOMAIN.md otherwise.
        #[arg(long)]
        settings: Option<PathBuf>,
        /// Where to write the report; standard output when absent (not for xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the statistics settings file with every default, to copy and edit.
    ExampleSettings,
}

#[derive(Args)]
struct ServeArgs {
    #[arg(long, default_value_t = 8080)]
    port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    /// Mark cookies Secure (set this when serving over TLS or behind a TLS proxy).
    #[arg(long, env = "BYNAME_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Take each client's address from the last hop of X-Forwarded-For, for the per-address
    /// sign-in limits: set this only behind a reverse proxy that appends it.
    #[arg(long, env = "BYNAME_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    /// Email notifications through this SMTP relay, smtp://HOST[:PORT] (a relay on this host or
    /// network, which does TLS outward). Without it, notifications are in the web app only.
    #[arg(long, env = "BYNAME_SMTP")]
    smtp: Option<String>,
    /// The sender of notification emails.
    #[arg(long, env = "BYNAME_MAIL_FROM", default_value = "byname <byname@localhost>")]
    mail_from: String,
    /// The address users reach the web app at, for the links in emails; http://BIND:PORT when absent.
    #[arg(long, env = "BYNAME_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(Args)]
struct DemoArgs {
    #[command(flatten)]
    serve: ServeArgs,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Multiplies the number of people (1.0 is Westminster scale).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Years of history to generate, ending today.
    #[arg(long, default_value_t = 10)]
    years: i32,
    /// Generate and import again even if the database already holds data.
    #[arg(long)]
    regenerate: bool,
    /// Prepare everything, print the logins, and exit without serving.
    #[arg(long)]
    no_serve: bool,
}

#[derive(Args)]
struct GenerateArgs {
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// First day (YYYY-MM-DD); default ten years before --to.
    #[arg(long)]
    from: Option<String>,
    /// Last day (YYYY-MM-DD); default today.
    #[arg(long)]
    to: Option<String>,
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
}

#[derive(Args)]
struct ImportArgs {
    /// The export folder (chain, inform) or file (street-count, health).
    path: PathBuf,
    /// Column mapping for an export whose headers or codes differ (see `byname import example-mapping`).
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// The export holds only new and changed rows: withdraw nothing.
    #[arg(long)]
    partial: bool,
    /// Do not relink persons after the import.
    #[arg(long)]
    no_link: bool,
    /// Refuse a full export that would withdraw more than this percentage of a table's live
    /// rows (a header-only or truncated export would otherwise empty the list).
    #[arg(long, value_name = "PERCENT", default_value_t = 10.0, value_parser = percentage)]
    max_withdrawal: f64,
    /// Withdraw whatever the full export leaves out, however much.
    #[arg(long)]
    confirm_withdrawals: bool,
    /// Read and check everything and report what the import would do, storing nothing.
    #[arg(long)]
    dry_run: bool,
}

fn percentage(text: &str) -> Result<f64, String> {
    let value: f64 = text.trim_end_matches('%').parse().map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=100.0).contains(&value) { Ok(value) } else { Err(format!("{text} is not between 0 and 100")) }
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A CHAIN-style folder: persons.csv, contacts.csv, stays.csv.
    Chain(ImportArgs),
    /// An Inform-style folder: clients.csv, placements.csv, assessments.csv.
    Inform(ImportArgs),
    /// A street-count file.
    StreetCount(ImportArgs),
    /// A health partner's events file.
    Health(ImportArgs),
    /// List past imports, or show one import's diagnostics.
    History {
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Show every diagnostic of this import.
        #[arg(long)]
        show: Option<i64>,
    },
    /// Print a commented example column mapping.
    ExampleMapping,
}

#[derive(Subcommand)]
enum LinkCommand {
    /// Deduplicate one CSV file or link two, writing scored pairs and clusters.
    Csv {
        /// One file to deduplicate, or two to link.
        #[arg(long = "input", required = true, num_args = 1)]
        inputs: Vec<PathBuf>,
        #[arg(long)]
        id_column: String,
        /// Pairs at or above the threshold: left_id,right_id,match_probability,match_weight.
        #[arg(long)]
        out: PathBuf,
        /// Clusters: id,cluster_id.
        #[arg(long)]
        clusters: Option<PathBuf>,
        #[arg(long, default_value_t = 0.5)]
        threshold: f64,
        /// Comparisons, blocking rules, threshold and seed (TOML); inferred when absent.
        #[arg(long)]
        settings: Option<PathBuf>,
        /// Also write every candidate pair blocking kept (left_id,right_id), to measure blocking recall.
        #[arg(long)]
        candidates: Option<PathBuf>,
        /// Print why two records score as they do (LEFT_ID,RIGHT_ID: the prior, each comparison's
        /// level and weight, the total), whether or not blocking paired them; may be repeated.
        #[arg(long = "explain", value_name = "LEFT_ID,RIGHT_ID", value_parser = parse_id_pair)]
        explain: Vec<(String, String)>,
    },
    /// Why two stored records score as they do: the prior, each comparison's level and weight,
    /// the total (as text, or JSON with --json). Written to the audit log.
    Explain {
        /// SOURCE:ID of one record (chain:C0001234, inform:INF-12).
        left: String,
        /// SOURCE:ID of the other.
        right: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PersonsCommand {
    /// Write one row per source record, `source,source_id,person_id`, to check linkage against a truth file.
    Export {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Add a user, or reset an existing user's role, organisation and password.
    /// The password is read from standard input (or BYNAME_NEW_PASSWORD).
    Add {
        #[arg(long)]
        username: String,
        /// The user's role, which decides what they see.
        #[arg(long, value_parser = roles())]
        role: String,
        /// The organisation's name, as `byname organisations list` shows it (add it first with
        /// `byname organisations add`).
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        display_name: Option<String>,
        /// For a service leader: the service area they answer for.
        #[arg(long, value_parser = service_areas(false))]
        service_area: Option<String>,
        /// The organisation's data-protection lead: sees its audit entries and break-glass.
        #[arg(long)]
        data_protection_lead: bool,
        /// Where notifications are emailed, when `byname serve` is given an SMTP relay.
        #[arg(long)]
        email: Option<String>,
    },
    /// Every user with role, organisation and state.
    List,
    /// Set where a user's notifications are emailed; an empty EMAIL ("") stops it.
    SetEmail {
        username: String,
        email: String,
    },
    /// Stop a user signing in, and end their sessions.
    Disable {
        username: String,
    },
    Enable {
        username: String,
    },
    /// Set a new password (from standard input or BYNAME_NEW_PASSWORD), to be changed at the
    /// next sign-in.
    ResetPassword {
        username: String,
    },
}

#[derive(Subcommand)]
enum EscalationsCommand {
    /// Run the overdue step once: every open escalation past its deadline moves up one level.
    /// `byname serve` runs it every minute; several servers may run it at once.
    Step {
        /// The instant to run it at (ISO 8601, such as 2024-07-08T12:00:00Z); now by default.
        #[arg(long)]
        at: Option<String>,
    },
    /// Set how many working days an area has to answer an escalation at each level (AREA is a
    /// service area code, or `default` for the areas without their own).
    Deadline {
        #[arg(value_parser = service_areas(true))]
        area: String,
        days: u32,
    },
    /// Make a service leader the head of service of their area (level 2), or stop with --off.
    HeadOfService {
        username: String,
        #[arg(long)]
        off: bool,
    },
}

#[derive(Subcommand)]
enum SettingsCommand {
    /// The by-name list's window: people seen bedded down within this many days (90 by default).
    ListWindow { days: Option<i64> },
    /// How many months after a person was last seen `byname retention` erases them (72 by default).
    RetentionMonths { months: Option<i64> },
    /// The by-name list warns when a source was last imported more than this many days ago (14
    /// by default).
    StaleImportDays { days: Option<i64> },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the audit log's hash chain: exit 0 when intact, 1 naming the first altered entry.
    Verify,
    /// Recent entries, narrowed by person, user or action.
    Search {
        #[arg(long)]
        person: Option<i64>,
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        action: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

/// `--format` of `forecast` and `scenario`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
enum TableFormat {
    /// A table to read.
    Table,
    Csv,
    Json,
}

/// `--format` of `forecast evaluate`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
enum EvaluateFormat {
    /// A table to read.
    Table,
    /// Every forecast, with the measures.
    Json,
}

/// `--format` of `report key-stats`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
enum KeyStatsFormat {
    /// A page to read or print.
    Html,
    Csv,
    Json,
    /// A spreadsheet (needs --out).
    Xlsx,
}

impl From<KeyStatsFormat> for byname_report::Format {
    fn from(format: KeyStatsFormat) -> Self {
        match format {
            KeyStatsFormat::Html => Self::Html,
            KeyStatsFormat::Csv => Self::Csv,
            KeyStatsFormat::Json => Self::Json,
            KeyStatsFormat::Xlsx => Self::Xlsx,
        }
    }
}

/// `--period-unit` of `forecast`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
enum PeriodUnitArg {
    Month,
    /// Financial quarters, April to June first.
    Quarter,
}

impl From<PeriodUnitArg> for byname_stats::series::PeriodUnit {
    fn from(unit: PeriodUnitArg) -> Self {
        match unit {
            PeriodUnitArg::Month => Self::Month,
            PeriodUnitArg::Quarter => Self::Quarter,
        }
    }
}

/// The role codes of `byname_domain::Role`, for `users add --role`.
fn roles() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(byname_domain::Role::ALL.map(byname_domain::Role::code))
}

/// The service area codes (`byname_domain::org::SERVICE_AREAS`), and `default` where an
/// escalation deadline takes it.
fn service_areas(with_default: bool) -> clap::builder::PossibleValuesParser {
    let default = with_default.then_some("default");
    clap::builder::PossibleValuesParser::new(
        default.into_iter().chain(byname_domain::org::SERVICE_AREAS.iter().map(|(code, _)| *code)),
    )
}

/// The first of each pair, such as the metric ids of `(id, description)`.
fn names(pairs: &[(&'static str, &'static str)]) -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(pairs.iter().map(|(name, _)| *name))
}

/// The commands that open no store, as paths of subcommand names: their help leaves out
/// `--database` and `--data-dir`, which do nothing there.
const WITHOUT_A_STORE: [&[&str]; 6] = [
    &["generate"],
    &["generate-febrl"],
    &["import", "example-mapping"],
    &["link", "csv"],
    &["report", "example-settings"],
    &["forecast", "evaluate"],
];

/// The global flags that only commands with a store use.
const STORE_FLAGS: [&str; 2] = ["database", "data_dir"];

/// The command line as clap parses it. `--database` and `--data-dir` stay global, so they
/// work before the subcommand as well as after it, as they always have; a command that opens
/// no store carries a hidden copy of each instead (clap propagates a global flag only to a
/// subcommand without one of that name), so its help lists only the flags that matter to it.
fn command() -> clap::Command {
    let mut command = Cli::command();
    let hidden: Vec<clap::Arg> = command
        .get_arguments()
        .filter(|a| STORE_FLAGS.contains(&a.get_id().as_str()))
        .map(|a| a.clone().hide(true))
        .collect();
    for path in WITHOUT_A_STORE {
        command = hide_in(command, path, &hidden);
    }
    command
}

fn hide_in(command: clap::Command, path: &[&str], hidden: &[clap::Arg]) -> clap::Command {
    match path {
        [] => hidden.iter().fold(command, |command, arg| command.arg(arg.clone())),
        [name, rest @ ..] => command.mut_subcommand(*name, |sub| hide_in(sub, rest, hidden)),
    }
}

/// The log filter when BYNAME_LOG is not set: warnings and errors for a one-shot command,
/// what the server does for `serve` and `demo`, and more with each `-v`.
fn log_filter(command: &Command, verbose: u8) -> &'static str {
    let serving = matches!(command, Command::Serve(_) | Command::Demo(_));
    match verbose.max(u8::from(serving)) {
        0 => "warn",
        1 => "info,sqlx=warn",
        2 => "debug",
        _ => "trace",
    }
}

/// Logs go to standard error, coloured only on a terminal (and not with NO_COLOR set).
fn start_logging(cli: &Cli) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("BYNAME_LOG")
        .unwrap_or_else(|_| log_filter(&cli.command, cli.verbose).into());
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(false)
        .init();
}

fn main() -> ExitCode {
    let cli = match Cli::from_arg_matches(&command().get_matches()) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    start_logging(&cli);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `LEFT_ID,RIGHT_ID` for `link csv --explain`.
fn parse_id_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once(',') {
        Some((left, right)) if !left.is_empty() && !right.is_empty() && !right.contains(',') => {
            Ok((left.to_owned(), right.to_owned()))
        }
        _ => Err(format!("expected two record ids separated by a comma (LEFT_ID,RIGHT_ID), not {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_values_are_the_domain_roles_spelt_as_their_codes() {
        let command = <Cli as clap::CommandFactory>::command();
        let add = command.find_subcommand("users").unwrap().find_subcommand("add").unwrap();
        let role = add.get_arguments().find(|a| a.get_id() == "role").unwrap();
        let names: Vec<String> = role.get_possible_values().iter().map(|v| v.get_name().to_owned()).collect();
        let codes: Vec<&str> = byname_domain::Role::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(names, codes);
        for code in codes {
            assert_eq!(byname_domain::Role::parse(code).map(byname_domain::Role::code), Some(code));
        }
    }

    #[test]
    fn the_other_values_keep_their_spellings() {
        let names = |values: &[clap::builder::PossibleValue]| -> Vec<String> {
            values.iter().map(|v| v.get_name().to_owned()).collect()
        };
        let of = |variants: Vec<Option<clap::builder::PossibleValue>>| {
            names(&variants.into_iter().flatten().collect::<Vec<_>>())
        };
        assert_eq!(
            of(TableFormat::value_variants().iter().map(|v| v.to_possible_value()).collect()),
            ["table", "csv", "json"]
        );
        assert_eq!(
            of(EvaluateFormat::value_variants().iter().map(|v| v.to_possible_value()).collect()),
            ["table", "json"]
        );
        assert_eq!(
            of(KeyStatsFormat::value_variants().iter().map(|v| v.to_possible_value()).collect()),
            ["html", "csv", "json", "xlsx"]
        );
        for unit in PeriodUnitArg::value_variants() {
            let name = unit.to_possible_value().unwrap().get_name().to_owned();
            assert_eq!(byname_stats::series::PeriodUnit::from(*unit).code(), name);
        }
        for format in KeyStatsFormat::value_variants() {
            let name = format.to_possible_value().unwrap().get_name().to_owned();
            assert_eq!(byname_report::Format::parse(&name), Some((*format).into()));
        }
    }

    #[test]
    fn one_shot_commands_log_warnings_only_and_each_v_logs_more() {
        let parse = |args: &[&str]| Cli::from_arg_matches(&command().get_matches_from(args)).unwrap();
        let filter = |args: &[&str]| {
            let cli = parse(args);
            log_filter(&cli.command, cli.verbose)
        };
        assert_eq!(filter(&["byname", "import", "history"]), "warn");
        assert_eq!(filter(&["byname", "-v", "import", "history"]), "info,sqlx=warn");
        assert_eq!(filter(&["byname", "import", "history", "--verbose"]), "info,sqlx=warn");
        assert_eq!(filter(&["byname", "import", "history", "-vv"]), "debug");
        assert_eq!(filter(&["byname", "serve"]), "info,sqlx=warn");
        assert_eq!(filter(&["byname", "demo", "--no-serve"]), "info,sqlx=warn");
        assert_eq!(filter(&["byname", "serve", "-vv"]), "debug");
    }

    #[test]
    fn the_command_line_is_consistent() {
        command().debug_assert();
    }
}
