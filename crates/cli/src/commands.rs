//! What each subcommand does: resolve settings, call the use cases, print.

use crate::{
    AuditCommand, Cli, Command, DemoArgs, EscalationsCommand, EvaluateFormat, ForecastArgs, ForecastCommand,
    GenerateArgs, ImportArgs, ImportCommand, KeyStatsFormat, LinkCommand, PersonsCommand, ReportCommand, ScenarioArgs,
    ServeArgs, SettingsCommand, TableFormat, UsersCommand,
};
use anyhow::{Context, Result, bail};
use byname_domain::date::parse_iso_date;
use byname_import::Mapping;
use byname_pipeline::import::{ImportKind, ImportOptions, ImportOutcome, Progress};
use byname_pipeline::link::{LinkMode, LinkSettings};
use byname_pipeline::{Clock, SystemClock};
use byname_store::{Accounts, Imports, Linkage};
use byname_store::{SqlStore, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The data directory, created readable by its owner only: it holds the SQLite database, the
/// secret key and the audit head.
fn data_dir(cli: &Cli) -> Result<&Path> {
    let dir = cli.data_dir.as_path();
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(dir)
}

fn database_url(cli: &Cli) -> Result<String> {
    if let Some(url) = &cli.database {
        return Ok(url.clone());
    }
    Ok(format!("sqlite://{}", data_dir(cli)?.join("byname.db").display()))
}

async fn open_store(cli: &Cli) -> Result<SqlStore> {
    let url = database_url(cli)?;
    // The secret key: BYNAME_SECRET_KEY, or the key file in the data directory.
    let key = std::env::var(byname_store::secrets::KEY_ENV).ok();
    let secrets = byname_store::Secrets::load(data_dir(cli)?, key.as_deref())
        .with_context(|| format!("reading the secret key in {}", cli.data_dir.display()))?;
    SqlStore::open(&url, secrets).await.with_context(|| format!("opening the database {}", redact(&url)))
}

/// A URL fit for messages: any password removed.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

pub async fn run(cli: Cli) -> Result<()> {
    let clock = SystemClock;
    match &cli.command {
        Command::Generate(args) => generate(args, clock.today()),
        Command::GenerateFebrl { records, seed, out } => generate_febrl(*records, *seed, out),
        Command::Import(ImportCommand::ExampleMapping) => {
            print!("{}", include_str!("../example-mapping.toml"));
            Ok(())
        }
        Command::Import(ImportCommand::History { limit, show }) => {
            let store = open_store(&cli).await?;
            history(&store, *limit, *show).await
        }
        Command::Import(command) => {
            let (kind, args) = match command {
                ImportCommand::Chain(args) => (ImportKind::Chain, args),
                ImportCommand::Inform(args) => (ImportKind::Inform, args),
                ImportCommand::StreetCount(args) => (ImportKind::StreetCount, args),
                ImportCommand::Health(args) => (ImportKind::Health, args),
                ImportCommand::History { .. } | ImportCommand::ExampleMapping => unreachable!("handled above"),
            };
            let store = open_store(&cli).await?;
            let outcome = import(&store, kind, args, &clock).await?;
            if !args.no_link && !outcome.dry_run {
                link(&store, &clock, &LinkSettings::default()).await?;
            }
            drop(outcome);
            Ok(())
        }
        Command::Link { command: None, full, recompare, auto_threshold, review_threshold } => {
            let store = open_store(&cli).await?;
            let settings = LinkSettings {
                // clap refuses --full with --recompare.
                mode: if *full {
                    LinkMode::Full
                } else if *recompare {
                    LinkMode::Recompare
                } else {
                    LinkMode::Incremental
                },
                auto_threshold: *auto_threshold,
                review_threshold: *review_threshold,
                ..LinkSettings::default()
            };
            link(&store, &clock, &settings).await
        }
        Command::Link {
            command:
                Some(LinkCommand::Csv { inputs, id_column, out, clusters, threshold, settings, candidates, explain }),
            ..
        } => link_csv(
            inputs,
            id_column,
            LinkCsvOutputs {
                pairs: out,
                clusters: clusters.as_deref(),
                candidates: candidates.clone(),
                explain: explain.clone(),
            },
            *threshold,
            settings.clone(),
        ),
        Command::Link { command: Some(LinkCommand::Explain { left, right, json }), .. } => {
            let store = open_store(&cli).await?;
            let explained = byname_casework::review::explain_records(&store, left, right, clock.now()).await?;
            let text = if *json {
                byname_casework::render::explanation_json(&explained)
            } else {
                byname_casework::render::explanation_waterfall(&explained)?
            };
            print!("{text}");
            Ok(())
        }
        Command::Users(UsersCommand::Add {
            username,
            role,
            organisation,
            display_name,
            service_area,
            data_protection_lead,
            email,
        }) => {
            let store = open_store(&cli).await?;
            let password = match std::env::var("BYNAME_NEW_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    eprintln!("Password for {username} (at least 12 characters), then end of input:");
                    let mut password = String::new();
                    std::io::stdin().read_to_string(&mut password)?;
                    password.trim_end_matches(['\n', '\r']).to_owned()
                }
            };
            let role = role.as_str();
            let organisation_id = byname_casework::organisations::find(&store, organisation).await?.id;
            let display_name = display_name.clone().unwrap_or_else(|| username.clone());
            let now = clock.now();
            let id = byname_casework::accounts::add_user(
                &store,
                username,
                &display_name,
                role,
                organisation_id,
                &password,
                now,
            )
            .await?;
            let username = &byname_casework::accounts::normalise_username(username);
            byname_casework::accounts::set_profile(&store, id, role, service_area.as_deref(), *data_protection_lead)
                .await?;
            if let Some(email) = email {
                byname_casework::accounts::set_email(&store, id, email).await?;
            }
            println!("User {username} ({role}, {organisation}) saved.");
            Ok(())
        }
        Command::Users(command) => users(&cli, &clock, command).await,
        Command::Organisations(command) => {
            crate::organisations::organisations(&open_store(&cli).await?, &clock, command).await
        }
        Command::Data(command) => crate::organisations::data(&open_store(&cli).await?, &clock, command).await,
        Command::Settings(SettingsCommand::StaleImportDays { days }) => {
            use byname_casework::data_status::{set_stale_after_as, stale_after_days};
            let store = open_store(&cli).await?;
            if let Some(days) = days {
                set_stale_after_as(&store, byname_casework::accounts::Actor::Operator, *days, clock.now()).await?;
            }
            println!(
                "The by-name list warns when a source was last imported more than {} days ago.",
                stale_after_days(&store).await?
            );
            Ok(())
        }
        Command::Settings(SettingsCommand::ListWindow { days }) => {
            use byname_casework::by_name_list::{set_window, window_days};
            let store = open_store(&cli).await?;
            if let Some(days) = days {
                set_window(&store, *days).await?;
            }
            println!(
                "The by-name list shows people active in Built for Zero's sense: seen in the last {} days.",
                window_days(&store).await?
            );
            Ok(())
        }
        Command::Settings(SettingsCommand::RetentionMonths { months }) => {
            use byname_casework::privacy::{retention_months, set_retention_months};
            let store = open_store(&cli).await?;
            if let Some(months) = months {
                set_retention_months(&store, *months).await?;
            }
            println!(
                "`byname retention` erases people not seen for {} months (no contact, stay, assessment or health event since).",
                retention_months(&store).await?
            );
            Ok(())
        }
        Command::Erase { person, reason } => {
            let store = open_store(&cli).await?;
            let counts = byname_casework::privacy::erase(&store, *person, reason, clock.now()).await?;
            println!("erased person {person}: removed {}", counts.summary());
            println!(
                "kept: only a keyed hash of the id of each of its {} records and of their NHS numbers, so that no import brings them back",
                counts.rows("source_records")
            );
            Ok(())
        }
        Command::Restrict { person, reason, lift } => {
            let store = open_store(&cli).await?;
            let now = clock.now();
            if *lift {
                let records = byname_casework::privacy::lift(&store, *person, now).await?;
                println!(
                    "lifted the restriction of person {person} ({records} records); `byname link` links them again"
                );
            } else {
                let reason = reason.as_deref().unwrap_or_default();
                let records = byname_casework::privacy::restrict(&store, *person, reason, now).await?;
                println!(
                    "restricted person {person} ({records} records): kept, but off the list, the pages, the statistics and linkage until `byname restrict {person} --lift`"
                );
            }
            Ok(())
        }
        Command::Retention { dry_run } => {
            let store = open_store(&cli).await?;
            let plan = byname_casework::privacy::retention_plan(&store, clock.today()).await?;
            println!(
                "retention: {} months; people last seen before {} are erased ({} restricted people are left alone)",
                plan.months, plan.cutoff, plan.restricted
            );
            if *dry_run {
                println!("{:>10}  {:<10}  {:>7}", "person", "last seen", "records");
                for person in &plan.people {
                    println!("{:>10}  {:<10}  {:>7}", person.person_id, person.last_seen, person.records);
                }
                println!("{} people would be erased (dry run: nothing was changed)", plan.people.len());
            } else {
                let erased = byname_casework::privacy::apply_retention(&store, &plan, clock.now()).await?;
                println!("{erased} people erased");
            }
            Ok(())
        }
        Command::Backup { file } => {
            let store = open_store(&cli).await?;
            let entry = byname_casework::accounts::Actor::Operator.entry(
                "backup",
                format!("a copy of the database written to {}", file.display()),
                clock.now(),
            );
            let backup = store.backup(file, &entry).await?;
            println!(
                "backed up the database to {} ({} bytes), as of audit entry {}",
                backup.file.display(),
                backup.bytes,
                backup.head.0
            );
            println!(
                "its audit head is in {}: keep it with the copy, and the secret key apart from both",
                backup.head_file.display()
            );
            Ok(())
        }
        Command::Check => check(&cli).await,
        Command::Audit(AuditCommand::Verify) => {
            let store = open_store(&cli).await?;
            let verification = byname_casework::audit::verify(&store).await?;
            println!("{}", verification.report());
            if verification.broken_at.is_some() {
                return Err(anyhow::anyhow!("the audit log has been altered"));
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Search { person, user, action, limit }) => {
            let store = open_store(&cli).await?;
            let user_id = match user {
                Some(name) => {
                    Some(store.user_by_username(name).await?.with_context(|| format!("no user {name:?}"))?.id)
                }
                None => None,
            };
            let query = byname_store::AuditQuery {
                person_id: *person,
                user_id,
                action: action.clone(),
                limit: *limit,
                ..Default::default()
            };
            for row in byname_store::Casework::search_audit(&store, &query).await? {
                let e = &row.entry;
                println!(
                    "{}\t{}\tuser {}\t{}\tperson {}\t{}\t{}\t{}",
                    row.id,
                    e.at,
                    e.user_id.map_or("-".into(), |u| u.to_string()),
                    e.action,
                    e.person_id.map_or("-".into(), |p| p.to_string()),
                    e.purpose.as_deref().unwrap_or("-"),
                    e.basis.as_deref().unwrap_or("-"),
                    e.detail.as_deref().unwrap_or("")
                );
            }
            Ok(())
        }
        Command::Sar { person, out } => {
            let store = open_store(&cli).await?;
            let Some(export) = byname_casework::audit::subject_access(&store, *person, clock.now()).await? else {
                bail!("no person {person}");
            };
            let value = byname_casework::render::subject_access_json(&export);
            let text = format!("{value:#}\n");
            match out {
                Some(path) => {
                    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
                    println!("wrote everything held on person {person} to {}: {}", path.display(), rows_held(&value));
                }
                None => print!("{text}"),
            }
            Ok(())
        }
        Command::Report(ReportCommand::KeyStats { period, format, public, settings, out }) => {
            key_stats(&cli, &clock, period, *format, *public, settings.as_deref(), out.as_deref()).await
        }
        Command::Report(ReportCommand::ExampleSettings) => {
            print!("{}", byname_stats::settings::EXAMPLE);
            Ok(())
        }
        Command::Persons(PersonsCommand::Export { out }) => {
            let store = open_store(&cli).await?;
            let membership = store.person_membership().await?;
            use byname_report::csv_out::{Cell, CsvWriter};
            let file =
                BufWriter::new(std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?);
            let mut writer = CsvWriter::new(file, &["source", "source_id", "person_id"])?;
            for (source, source_id, person_id) in &membership {
                writer.row(&[Cell::Text(source), Cell::Text(source_id), Cell::Number(&person_id.to_string())])?;
            }
            std::io::Write::flush(&mut writer.finish()?)?;
            println!("{} records written to {}", membership.len(), out.display());
            Ok(())
        }
        Command::Escalations(EscalationsCommand::Step { at }) => {
            let store = open_store(&cli).await?;
            let now = match at {
                Some(text) => time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                    .with_context(|| format!("--at {text:?}: not an ISO 8601 instant such as 2024-07-08T12:00:00Z"))?,
                None => clock.now(),
            };
            let changes = byname_casework::escalations::step(&store, now).await?;
            for applied in &changes {
                println!(
                    "escalation {} ({}): level {} to {}, deadline {}, {} notified",
                    applied.change.id,
                    applied.service_area,
                    applied.change.from.number(),
                    applied.change.to.number(),
                    byname_store::sql_instant(applied.change.deadline),
                    applied.notified.len()
                );
            }
            println!("{} escalation{} moved up", changes.len(), if changes.len() == 1 { "" } else { "s" });
            Ok(())
        }
        Command::Escalations(EscalationsCommand::Deadline { area, days }) => {
            let store = open_store(&cli).await?;
            byname_casework::escalations::set_deadline(&store, area, *days).await?;
            println!("{area}: {days} working days");
            Ok(())
        }
        Command::Escalations(EscalationsCommand::HeadOfService { username, off }) => {
            let store = open_store(&cli).await?;
            let user = store.user_by_username(username).await?.with_context(|| format!("no user {username:?}"))?;
            byname_casework::accounts::set_head_of_service(&store, user.id, !off).await?;
            println!("{username}: {}head of service", if *off { "not " } else { "" });
            Ok(())
        }
        Command::Serve(args) => {
            let store = open_store(&cli).await?;
            serve(store, args).await
        }
        Command::Demo(args) => demo(&cli, args).await,
        Command::Forecast(args) => forecast(&cli, &clock, args).await,
        Command::Scenario(args) => scenario(&cli, &clock, args).await,
    }
}

fn read_settings(settings: Option<&Path>) -> Result<byname_stats::Settings> {
    Ok(match settings {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            byname_stats::Settings::parse(&text).with_context(|| format!("{}", path.display()))?
        }
        None => byname_stats::Settings::default(),
    })
}

async fn forecast(cli: &Cli, clock: &dyn Clock, args: &ForecastArgs) -> Result<()> {
    use byname_pipeline::forecast::ForecastRequest;
    use byname_stats::series::PeriodUnit;
    if let Some(ForecastCommand::Evaluate { input, horizon, origins, step, format }) = &args.command {
        return forecast_evaluate(input, *horizon, *origins, *step, *format);
    }
    let metric = args.metric.clone().context("--metric is required")?;
    let unit = PeriodUnit::from(args.period_unit);
    if args.horizon == 0 {
        bail!("--horizon 0: forecast at least one {} ahead", unit.code());
    }
    let shared = &args.shared;
    let breaks = breaks(shared)?;
    let settings = read_settings(shared.settings.as_deref())?;
    let store = open_store(cli).await?;
    let request = ForecastRequest { metric, unit, horizon: args.horizon, area: shared.area.clone(), breaks };
    let result = byname_pipeline::forecast::forecast(&store, request, &settings, clock.today()).await?;
    print_formatted(shared.format, || format!("{:#}\n", result.to_json()), || result.to_csv(), || result.to_table())
}

async fn users(cli: &Cli, clock: &dyn Clock, command: &UsersCommand) -> Result<()> {
    use byname_store::Casework;
    let store = open_store(cli).await?;
    let find = async |name: &str| -> Result<byname_store::UserRow> {
        store.user_by_username(name).await?.with_context(|| format!("no user {name:?}"))
    };
    match command {
        UsersCommand::Add { .. } => unreachable!("handled above"),
        UsersCommand::List => {
            for u in store.users().await? {
                println!(
                    "{}\t{}\t{}\t{}{}{}{}",
                    u.username,
                    u.role,
                    u.organisation_name,
                    if u.disabled { "disabled" } else { "active" },
                    u.service_area.map(|a| format!("\tarea {a}")).unwrap_or_default(),
                    if u.data_protection_lead { "\tdata-protection lead" } else { "" },
                    if u.must_change_password { "\tmust change password" } else { "" },
                );
            }
        }
        UsersCommand::SetEmail { username, email } => {
            let user = find(username).await?;
            byname_casework::accounts::set_email(&store, user.id, email).await?;
            match email.trim() {
                "" => println!("{username}'s notifications are no longer emailed."),
                email => println!("{username}'s notifications are emailed to {email} when email is set up."),
            }
        }
        UsersCommand::Disable { username } | UsersCommand::Enable { username } => {
            let user = find(username).await?;
            let disable = matches!(command, UsersCommand::Disable { .. });
            let now = clock.now();
            byname_casework::accounts::set_disabled(
                &store,
                byname_casework::accounts::Actor::Operator,
                user.id,
                disable,
                now,
            )
            .await?;
            println!("{username} {}.", if disable { "disabled; their sessions are ended" } else { "enabled" });
        }
        UsersCommand::ResetPassword { username } => {
            let user = find(username).await?;
            let password = match std::env::var("BYNAME_NEW_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    let mut password = String::new();
                    std::io::stdin().read_to_string(&mut password)?;
                    password.trim_end_matches(['\n', '\r']).to_owned()
                }
            };
            byname_casework::accounts::reset_password(&store, user.id, &password).await?;
            println!("{username}'s password reset; they choose a new one at the next sign-in.");
        }
    }
    let _ = clock;
    Ok(())
}

fn print_formatted(
    format: TableFormat,
    json: impl FnOnce() -> String,
    csv: impl FnOnce() -> String,
    table: impl FnOnce() -> String,
) -> Result<()> {
    let text = match format {
        TableFormat::Json => json(),
        TableFormat::Csv => csv(),
        TableFormat::Table => table(),
    };
    std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes())?;
    Ok(())
}

/// The structural breaks of `--break` and `--no-breaks`: Everyone In by default.
fn breaks(args: &crate::ProjectionArgs) -> Result<Vec<byname_forecast::Break>> {
    byname_pipeline::projection::breaks(args.no_breaks, &args.breaks).map_err(anyhow::Error::msg)
}

async fn scenario(cli: &Cli, clock: &dyn Clock, args: &ScenarioArgs) -> Result<()> {
    use byname_pipeline::scenario::ScenarioRequest;
    let mut request = if args.validate {
        ScenarioRequest::validation()
    } else {
        let mut request = ScenarioRequest::new(args.changes.clone(), args.from.clone(), args.months);
        request.fit_to = args.fit_to.clone();
        request
    };
    let shared = &args.shared;
    request.area = shared.area.clone();
    request.window = args.window;
    request.paths = args.paths;
    request.seed = args.seed;
    request.metric = args.metric.clone();
    request.breaks = breaks(shared)?;
    let settings = read_settings(shared.settings.as_deref())?;
    let store = open_store(cli).await?;
    let result = byname_pipeline::scenario::scenario(&store, request, &settings, clock.today()).await?;
    print_formatted(shared.format, || format!("{:#}\n", result.to_json()), || result.to_csv(), || result.to_table())
}

fn forecast_evaluate(
    input: &Path,
    horizon: usize,
    origins: usize,
    step: Option<usize>,
    format: EvaluateFormat,
) -> Result<()> {
    use byname_forecast::evaluate::Plan;
    let plan = Plan { horizon, origins, step: step.unwrap_or(horizon) };
    let file = std::fs::File::open(input).with_context(|| format!("opening {}", input.display()))?;
    let evaluation =
        crate::forecast_evaluation::evaluate(std::io::BufReader::new(file), &input.display().to_string(), plan)?;
    let text = match format {
        EvaluateFormat::Json => format!("{}\n", evaluation.to_json()),
        EvaluateFormat::Table => evaluation.to_table(),
    };
    std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes())?;
    Ok(())
}

fn generate(args: &GenerateArgs, today: time::Date) -> Result<()> {
    let to = match &args.to {
        Some(to) => parse_iso_date(to).context("--to")?,
        None => today,
    };
    let from = match &args.from {
        Some(from) => parse_iso_date(from).context("--from")?,
        None => ten_years_before(to, 10),
    };
    if from >= to {
        bail!("--from {from} must be before --to {to}");
    }
    if !(args.scale > 0.0 && args.scale <= 100.0) {
        bail!("--scale must be above 0 and at most 100");
    }
    let started = Instant::now();
    let settings = byname_synth::Settings { seed: args.seed, from, to, scale: args.scale };
    let dataset = byname_synth::generate(&settings);
    write_dataset(&dataset, &args.out)?;
    println!(
        "Generated {} people and {} contacts from {from} to {to} (seed {}) into {} in {:.1}s",
        dataset.n_people(),
        dataset.n_contacts(),
        args.seed,
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn generate_febrl(n_records: usize, seed: u64, out: &Path) -> Result<()> {
    if n_records < 2 {
        bail!("--records must be at least 2");
    }
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "febrl".into());
    let truth_path = out.with_file_name(format!("{stem}_truth.csv"));
    let create = |path: &Path| -> Result<BufWriter<std::fs::File>> {
        Ok(BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        ))
    };
    let (mut records, mut truth) = (create(out)?, create(&truth_path)?);
    byname_synth::febrl::write_febrl_like(n_records, seed, &mut records, &mut truth)?;
    std::io::Write::flush(&mut records)?;
    std::io::Write::flush(&mut truth)?;
    println!("Wrote {n_records} records to {} and their true pairs to {}", out.display(), truth_path.display());
    Ok(())
}

fn ten_years_before(date: time::Date, years: i32) -> time::Date {
    date.replace_year(date.year() - years).unwrap_or_else(|_| date - time::Duration::days(365 * years as i64 + 2))
}

fn write_dataset(dataset: &byname_synth::Dataset, out: &Path) -> Result<()> {
    dataset
        .write_all(&mut |relative: &str| {
            let path = out.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            Ok(BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?))
        })
        .with_context(|| format!("writing the exports to {}", out.display()))
}

/// A progress bar over the bytes of each file, on a terminal only.
struct Bar {
    bar: ProgressBar,
}

impl Bar {
    fn new() -> Self {
        let bar = ProgressBar::hidden();
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        bar.set_style(
            ProgressStyle::with_template("{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        Self { bar }
    }
}

impl Progress for Bar {
    fn start_file(&self, file: &str, total_bytes: u64) {
        eprintln!("importing {file}");
        self.bar.reset();
        self.bar.set_length(total_bytes);
        self.bar.set_position(0);
        self.bar.set_message(Path::new(file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    }
    fn advance(&self, bytes_read: u64) {
        self.bar.set_position(bytes_read);
    }
    fn finish_file(&self) {
        self.bar.finish_and_clear();
    }
}

/// How many rows of each table a subject access export holds, for saying what was written.
fn rows_held(export: &serde_json::Value) -> String {
    let counts: Vec<String> = export["tables"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(table, rows)| {
            let n = rows.as_array().map_or(0, Vec::len);
            (n > 0).then(|| format!("{table} {n}"))
        })
        .collect();
    if counts.is_empty() { "no rows".to_owned() } else { format!("rows by table: {}", counts.join(", ")) }
}

async fn import<S: Store>(store: &S, kind: ImportKind, args: &ImportArgs, clock: &dyn Clock) -> Result<ImportOutcome> {
    let mapping = match &args.mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            Mapping::parse(&text, &path.display().to_string())?
        }
        None => Mapping::default(),
    };
    let options = ImportOptions {
        mapping,
        partial: args.partial,
        max_withdrawal: args.max_withdrawal / 100.0,
        confirm_withdrawals: args.confirm_withdrawals,
        dry_run: args.dry_run,
    };
    let started = Instant::now();
    let bar = Bar::new();
    let outcome = byname_pipeline::import::import(store, kind, &args.path, &options, &bar, clock).await?;
    print_outcome(&outcome, started.elapsed().as_secs_f64());
    Ok(outcome)
}

fn print_outcome(outcome: &ImportOutcome, seconds: f64) {
    for warning in &outcome.warnings {
        eprintln!("warning: {warning}");
    }
    for diagnostic in &outcome.rejected_sample {
        eprintln!("rejected: {diagnostic}");
    }
    let s = &outcome.summary;
    if s.rejected > outcome.rejected_sample.len() as i64 {
        if outcome.dry_run {
            eprintln!("... and {} more rejected rows", s.rejected - outcome.rejected_sample.len() as i64);
        } else {
            eprintln!("... see every rejected row with `byname import history --show {}`", s.id);
        }
    }
    println!(
        "{:<44} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "file", "read", "imported", "updated", "unchanged", "withdrawn", "rejected"
    );
    for f in &outcome.files {
        let name = Path::new(&f.file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        println!(
            "{name:<44} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            f.rows_read, f.counts.imported, f.counts.updated, f.counts.unchanged, f.counts.withdrawn, f.rejected
        );
    }
    let counts = format!(
        "{} rows read, {} imported, {} updated, {} unchanged, {} withdrawn, {} rejected, in {seconds:.1}s",
        s.rows_read, s.imported, s.updated, s.unchanged, s.withdrawn, s.rejected
    );
    if outcome.dry_run {
        println!("dry run ({}): {counts}", s.kind);
        for refusal in &outcome.refused_withdrawals {
            println!("a real import would be refused: {refusal}");
        }
        println!("dry run: nothing was stored");
    } else {
        println!("import {} ({}): {counts}", s.id, s.kind);
    }
    if s.erased > 0 {
        println!(
            "{} rows skipped because they belong to people erased on request (`byname erase`): not errors",
            s.erased
        );
    }
}

async fn history<S: Store>(store: &S, limit: i64, show: Option<i64>) -> Result<()> {
    if let Some(id) = show {
        let diagnostics = store.import_diagnostics(id).await?;
        if diagnostics.is_empty() {
            println!("import {id} has no diagnostics");
        }
        for d in diagnostics {
            let column = d.column.map(|c| format!(" [{c}]")).unwrap_or_default();
            println!("{}: {}:{}{column}: {}", d.severity, d.file, d.line, d.reason);
        }
        return Ok(());
    }
    println!(
        "{:>4}  {:<20}  {:<12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}  origin",
        "id", "finished", "kind", "read", "imported", "updated", "unchanged", "withdrawn", "rejected", "erased"
    );
    for s in store.import_history(limit).await? {
        println!(
            "{:>4}  {:<20}  {:<12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}  {}",
            s.id,
            byname_store::sql_instant(s.finished_at),
            s.kind,
            s.rows_read,
            s.imported,
            s.updated,
            s.unchanged,
            s.withdrawn,
            s.rejected,
            s.erased,
            s.origin
        );
    }
    Ok(())
}

/// `byname check`: one line per check, `ok` or `FIX` with what to do; an error when any fails.
async fn check(cli: &Cli) -> Result<()> {
    let url = cli.database.clone().unwrap_or_else(|| format!("sqlite://{}", cli.data_dir.join("byname.db").display()));
    let mut problems = 0;
    let mut report = |result: std::result::Result<String, String>| match result {
        Ok(text) => println!("ok   {text}"),
        Err(text) => {
            problems += 1;
            println!("FIX  {text}");
        }
    };
    let key = std::env::var(byname_store::secrets::KEY_ENV).ok();
    report(
        byname_store::secrets::inspect_key(&cli.data_dir, key.as_deref())
            .map(|from| format!("secret key: {from}"))
            .map_err(|e| format!("secret key: {e}")),
    );
    let skipped = |why: &str| {
        println!("--   organisations: not checked until {why}");
        println!("--   administrators: not checked until {why}");
    };
    match byname_store::check::inspect(&url).await {
        Err(error) => {
            report(Err(format!(
                "database: {} does not answer: {error}; `byname users add` makes a SQLite database, and a \
                 PostgreSQL one must exist and accept this URL",
                redact(&url)
            )));
            skipped("the database answers");
        }
        Ok(inspection) => {
            report(Ok(format!("database: {} answers", redact(&url))));
            let migrations = &inspection.migrations;
            report(if !migrations.unknown.is_empty() {
                let versions: Vec<String> = migrations.unknown.iter().map(i64::to_string).collect();
                Err(format!(
                    "migrations: the database has migration(s) {} that this byname does not know: a newer byname \
                     has used it; run that version",
                    versions.join(", ")
                ))
            } else if migrations.pending.len() == migrations.known {
                Err("migrations: the database is empty: byname makes its tables when a command first opens \
                     it, such as `byname users add` for the first administrator"
                    .to_owned())
            } else if !migrations.pending.is_empty() {
                let names: Vec<String> = migrations.pending.iter().map(|(v, n)| format!("{v} ({n})")).collect();
                Err(format!(
                    "migrations: {} pending ({}): byname applies them when it next opens the database, as \
                     `byname import history` does; back the database up first",
                    names.len(),
                    names.join(", ")
                ))
            } else {
                Ok(format!("migrations: all {} applied", migrations.known))
            });
            match &inspection.contents {
                None => skipped("the migrations are applied"),
                Some(contents) => {
                    report(if contents.unnamed_organisations.is_empty() {
                        Ok("organisations: each one whose records are told by name has its names".to_owned())
                    } else {
                        Err(format!(
                            "organisations: no names for {}, so their users see only initials of the people \
                             their teams meet: give each the team, provider or service names its records carry \
                             in imports, with `byname organisations add-name ORGANISATION NAME`",
                            contents
                                .unnamed_organisations
                                .iter()
                                .map(|n| format!("{n:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    });
                    report(if contents.enabled_administrators > 0 {
                        Ok(format!("administrators: {} enabled", contents.enabled_administrators))
                    } else {
                        Err("administrators: none enabled: add one with `byname users add --username NAME --role admin \
                             --organisation ORGANISATION`, or `byname users enable NAME`"
                            .to_owned())
                    });
                }
            }
        }
    }
    if problems > 0 {
        bail!("{problems} check(s) failed: fix what is marked FIX above");
    }
    println!("byname is ready");
    Ok(())
}

/// `byname report key-stats`: checks every argument before touching the store, and never
/// writes a report of zeros for a period without data.
async fn key_stats(
    cli: &Cli,
    clock: &dyn Clock,
    period: &str,
    format: KeyStatsFormat,
    public: bool,
    settings: Option<&Path>,
    out: Option<&Path>,
) -> Result<()> {
    let period = byname_domain::period::Period::parse(period)?;
    let format = byname_report::Format::from(format);
    if format == byname_report::Format::Xlsx && out.is_none() {
        bail!("--format xlsx writes a binary file: give --out FILE.xlsx");
    }
    let settings = match settings {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            byname_stats::Settings::parse(&text).with_context(|| format!("{}", path.display()))?
        }
        None => byname_stats::Settings::default(),
    };
    let store = open_store(cli).await?;
    let stats = byname_pipeline::statistics::key_statistics(&store, period, &settings, clock.today()).await?;
    let bytes = byname_report::render(&stats, public, &byname_store::sql_instant(clock.now()), format)?;
    match out {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("key statistics for {} written to {}", stats.figures.period, path.display());
        }
        None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
    }
    Ok(())
}

async fn link<S: Store>(store: &S, clock: &dyn Clock, settings: &LinkSettings) -> Result<()> {
    let started = Instant::now();
    let outcome = byname_pipeline::link::link(store, settings, clock.now()).await?;
    println!(
        "{} linkage: {} records compared anew, {} pairs scored; {} pairs linked automatically (probability >= {}), \
         {} waiting for review (>= {})",
        outcome.mode,
        outcome.compared_records,
        outcome.scored_pairs,
        outcome.auto_pairs,
        settings.auto_threshold,
        outcome.review_pairs,
        settings.review_threshold
    );
    for rule in &outcome.blocking_rules {
        println!("  blocking on {rule}");
    }
    println!(
        "linked {} records into {} persons ({} records changed person, {} persons new, {} gone) in {:.1}s",
        outcome.records,
        outcome.persons,
        outcome.changes.records_moved,
        outcome.changes.persons_created,
        outcome.changes.persons_removed,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Where `link csv` writes.
struct LinkCsvOutputs<'a> {
    pairs: &'a Path,
    clusters: Option<&'a Path>,
    candidates: Option<PathBuf>,
    explain: Vec<(String, String)>,
}

fn link_csv(
    inputs: &[PathBuf],
    id_column: &str,
    outputs: LinkCsvOutputs<'_>,
    threshold: f64,
    settings: Option<PathBuf>,
) -> Result<()> {
    let LinkCsvOutputs { pairs: out, clusters, candidates, explain } = outputs;
    if inputs.len() > 2 {
        bail!("give one --input to deduplicate or two to link, not {}", inputs.len());
    }
    if !(0.0..=1.0).contains(&threshold) {
        bail!("--threshold must be a probability between 0 and 1");
    }
    let options = crate::link_csv::LinkCsvOptions {
        inputs: inputs.to_vec(),
        id_column: id_column.to_owned(),
        threshold,
        settings,
        candidates,
        explain,
    };
    let report = crate::link_csv::link_csv(&options, out, clusters)?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    let mode = if inputs.len() == 2 { "linking two files" } else { "deduplicating" };
    println!("{} records, {mode}", report.n_records);
    println!("comparisons:");
    for (column, kind) in &report.comparisons {
        println!("  {column} ({kind})");
    }
    if !report.ignored_columns.is_empty() {
        println!("not compared (an id, empty, or one value for all): {}", report.ignored_columns.join(", "));
    }
    println!("blocking rules:");
    for (rule, estimated, pairs) in &report.rules {
        println!("  {rule} ({pairs} pairs; estimated {estimated})");
    }
    println!("candidate pairs: {}", report.n_candidates);
    let Some(model) = &report.model else {
        println!("fewer than two records: nothing to link");
        return Ok(());
    };
    println!("trained parameters (prior {:.3e}, weight {:+.2}):", model.prior, model.prior_weight());
    for comparison in &model.comparisons {
        let once: Vec<String> = comparison
            .depends_on
            .iter()
            .map(|&(parent, u)| format!("{} (u {u:.4} when that agrees)", model.comparisons[parent].spec.name))
            .collect();
        if once.is_empty() {
            println!("  {}:", comparison.spec.name);
        } else {
            println!(
                "  {} (exact agreement counted once with {}):",
                comparison.spec.name,
                once.join(", or where that is missing, ")
            );
        }
        for (level, label) in comparison.spec.kind.levels().iter().enumerate().skip(1) {
            let (m, u) = (comparison.m[level], comparison.u[level]);
            println!("    {label:<36} m {m:.4}  u {u:.6}  weight {:+.2}", (m / u).log2());
        }
    }
    println!(
        "groups: {} weighed ({} to {} records, pairs at {} or more); {} records in larger groups keep their pairs' own probabilities",
        report.n_groups,
        3,
        crate::link_csv::MAX_GROUP,
        crate::link_csv::GROUP_FLOOR,
        report.n_in_larger_groups
    );
    for (left, right, explanation) in &report.explanations {
        println!("why {left} and {right} score as they do:");
        print!("{}", explanation.text());
    }
    println!(
        "{} pairs at or above {threshold} written to {}; {} clusters",
        report.n_pairs_above_threshold,
        out.display(),
        report.n_clusters
    );
    let timings: Vec<String> = report.timings.iter().map(|(step, s)| format!("{step} {s:.2}s")).collect();
    println!("timings: {}", timings.join(", "));
    Ok(())
}

/// Stops a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn serve(store: SqlStore, args: &ServeArgs) -> Result<()> {
    let address = format!("{}:{}", args.bind, args.port);
    let listener = tokio::net::TcpListener::bind(&address).await.with_context(|| format!("listening on {address}"))?;
    let state = byname_web::AppState::new(
        store,
        Arc::new(SystemClock),
        byname_web::Config { secure_cookies: args.secure_cookies, trust_forwarded_for: args.trust_forwarded_for },
    );
    println!("byname is serving on http://{address}/ (Ctrl-C stops it)");
    let mail = match &args.smtp {
        Some(smtp) => {
            let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{address}"));
            let config = byname_casework::mail::MailConfig::new(smtp, &args.mail_from, &public_url)?;
            println!("Notifications are emailed through {} as {}", config.relay(), args.mail_from);
            Some(config)
        }
        None => None,
    };
    // The overdue step, every minute. Every server runs it; the store's lock makes each change
    // happen once.
    let step_state = state.clone();
    let stepper = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(error) = byname_casework::escalations::step(&step_state.store, step_state.clock.now()).await {
                tracing::error!(error = %error, "the overdue step failed");
            }
        }
    });
    let _stop_stepper = AbortOnDrop(stepper);
    // Email, every thirty seconds: each server claims what it sends, so none is sent twice.
    let _stop_mailer = mail.map(|config| {
        let mail_state = state.clone();
        AbortOnDrop(tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                match byname_casework::mail::send_pending(&mail_state.store, &config, mail_state.clock.now()).await {
                    Ok(run) if run.sent > 0 || !run.failed.is_empty() => {
                        tracing::info!(sent = run.sent, failed = run.failed.len(), "notification emails");
                    }
                    Ok(_) => {}
                    Err(error) => tracing::error!(error = %error, "emailing notifications failed"),
                }
            }
        }))
    });
    tokio::select! {
        result = byname_web::serve(state, listener) => result.context("serving")?,
        _ = stop_requested() => println!("stopped"),
    }
    Ok(())
}

/// Ctrl-C on a terminal, or SIGTERM from a service manager (systemd's `stop`, a container's end).
async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn demo(cli: &Cli, args: &DemoArgs) -> Result<()> {
    let started = Instant::now();
    let clock = SystemClock;
    let store = open_store(cli).await?;
    let has_data = !store.import_history(1).await?.is_empty();
    if has_data && !args.regenerate {
        println!("The database already holds data: serving it (use --regenerate to start again).");
    } else {
        let out: PathBuf = cli.data_dir.join("export");
        let to = clock.today();
        generate(
            &GenerateArgs {
                out: out.clone(),
                seed: args.seed,
                from: Some(byname_domain::date::iso(ten_years_before(to, args.years))),
                to: Some(byname_domain::date::iso(to)),
                scale: args.scale,
            },
            to,
        )?;
        for (kind, path) in [
            (ImportKind::Chain, out.join("chain")),
            (ImportKind::Inform, out.join("inform")),
            (ImportKind::StreetCount, out.join("street-count.csv")),
            (ImportKind::Health, out.join("health-events.csv")),
        ] {
            let import_args = ImportArgs {
                path,
                mapping: None,
                partial: false,
                no_link: true,
                max_withdrawal: 10.0,
                confirm_withdrawals: false,
                dry_run: false,
            };
            import(&store, kind, &import_args, &clock).await?;
        }
        link(&store, &clock, &LinkSettings::default()).await?;
    }
    let services = byname_synth::services_by_organisation();
    let users = byname_casework::demo::set_up(&store, &services, clock.now()).await?;
    println!();
    println!("Demo logins (new passwords each start):");
    println!("  {:<18} {:<22} {:<32} password", "username", "role", "organisation");
    for user in &users {
        println!("  {:<18} {:<22} {:<32} {}", user.username, user.role.code(), user.organisation, user.password);
    }
    println!();
    println!("Ready in {:.1}s.", started.elapsed().as_secs_f64());
    if args.no_serve {
        return Ok(());
    }
    serve(store, &args.serve).await
}
