//! `byname organisations` (the partnership's organisations and the names each goes by in
//! imports) and `byname data status` (what has been imported and how well): the subcommands and
//! what they print.

use anyhow::Result;
use byname_casework::accounts::Actor;
use byname_casework::{data_status, organisations};
use byname_pipeline::Clock;
use byname_store::{NameCoverage, SqlStore};
use clap::Subcommand;

#[derive(Subcommand)]
pub(crate) enum OrganisationsCommand {
    /// Add an organisation of the partnership.
    Add {
        name: String,
        /// What kind of organisation it is.
        #[arg(long, default_value = "other", value_parser = kinds())]
        kind: String,
    },
    /// The organisation goes by NAME in imports: a CHAIN team, an Inform provider or service,
    /// exactly as the exports write it. Its users then see the people recorded under it.
    AddName { organisation: String, name: String },
    /// The organisation no longer goes by NAME.
    RemoveName { organisation: String, name: String },
    /// Each organisation with its names and what each covers, then the names seen in imports
    /// that no organisation claims yet.
    List,
}

#[derive(Subcommand)]
pub(crate) enum DataCommand {
    /// Each source's last import, its age, rows rejected and how complete its records are; the
    /// names no organisation claims; the pairs awaiting review.
    Status,
}

/// The organisation kinds' codes (`byname_domain::org::ORGANISATION_KINDS`).
fn kinds() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(byname_domain::org::ORGANISATION_KINDS.iter().map(|(code, _)| *code))
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn coverage(name: &NameCoverage) -> String {
    format!(
        "{}: {}, {}, {}",
        name.name,
        plural(name.records, "record", "records"),
        plural(name.contacts, "contact", "contacts"),
        plural(name.stays, "stay", "stays")
    )
}

fn print_unclaimed(unclaimed: &[NameCoverage]) {
    if unclaimed.is_empty() {
        println!("Every name seen in imports is claimed by an organisation.");
    } else {
        println!("Names seen in imports that no organisation claims yet (most common first):");
        for name in unclaimed {
            println!("  {}", coverage(name));
        }
    }
}

pub(crate) async fn organisations(store: &SqlStore, clock: &dyn Clock, command: &OrganisationsCommand) -> Result<()> {
    match command {
        OrganisationsCommand::Add { name, kind } => {
            organisations::add(store, Actor::Operator, name, kind, clock.now()).await?;
            println!("Organisation {:?} ({kind}) added.", name.trim());
        }
        OrganisationsCommand::AddName { organisation, name } => {
            organisations::add_name(store, Actor::Operator, organisation, name, clock.now()).await?;
            println!(
                "{} goes by {:?} in imports; its users see the people recorded under it.",
                organisation.trim(),
                name.trim()
            );
        }
        OrganisationsCommand::RemoveName { organisation, name } => {
            organisations::remove_name(store, Actor::Operator, organisation, name, clock.now()).await?;
            println!("{} no longer goes by {:?}.", organisation.trim(), name.trim());
        }
        OrganisationsCommand::List => {
            let overview = organisations::overview_of(store).await?;
            for entry in &overview.organisations {
                let o = &entry.organisation;
                println!("{} ({})", o.name, byname_domain::org::organisation_kind_label(&o.kind));
                if entry.names.is_empty() {
                    println!("  no names yet");
                }
                for name in &entry.names {
                    println!("  {}", coverage(name));
                }
            }
            println!();
            print_unclaimed(&overview.unclaimed);
        }
    }
    Ok(())
}

pub(crate) async fn data(store: &SqlStore, clock: &dyn Clock, command: &DataCommand) -> Result<()> {
    match command {
        DataCommand::Status => {
            let status = data_status::status_of(store, clock.today()).await?;
            println!(
                "{:<14} {:<20} {:>5} {:>9} {:>8} {:>8} {:>6} {:>12} {:>5}",
                "source", "last import", "days", "rows read", "rejected", "records", "dob", "nationality", "NHS"
            );
            for s in &status.sources {
                let percent = |with: i64| s.percent(with).map_or_else(|| "-".to_owned(), |p| format!("{p}%"));
                let (last, days, read, rejected) = match &s.last_import {
                    Some(i) => (
                        byname_store::sql_instant(i.finished_at),
                        s.age_days.map_or_else(|| "-".to_owned(), |d| d.to_string()),
                        i.rows_read.to_string(),
                        i.rejected.to_string(),
                    ),
                    None => ("never".to_owned(), "-".to_owned(), "-".to_owned(), "-".to_owned()),
                };
                println!(
                    "{:<14} {:<20} {:>5} {:>9} {:>8} {:>8} {:>6} {:>12} {:>5}",
                    s.source.label(),
                    last,
                    days,
                    read,
                    rejected,
                    s.records.records,
                    percent(s.records.with_date_of_birth),
                    percent(s.records.with_nationality),
                    percent(s.records.with_nhs_number)
                );
            }
            println!();
            println!("Pairs awaiting review: {}", status.awaiting_review);
            println!(
                "The by-name list warns when a source was last imported more than {} days ago (`byname settings stale-import-days`).",
                status.stale_after_days
            );
            println!();
            print_unclaimed(&status.unclaimed);
            println!();
            println!("Organisations and their names: `byname organisations list`.");
        }
    }
    Ok(())
}
