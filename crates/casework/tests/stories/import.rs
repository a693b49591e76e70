//! Importing exports: counts, idempotence, withdrawal, diagnostics, mappings.

use crate::support::*;
use byname_import::{FileError, Mapping};
use byname_pipeline::ImportError;
use byname_pipeline::import::{ImportKind, ImportOptions};
use byname_store::{Imports, Linkage};

#[tokio::test]
async fn a_chain_export_imports_and_importing_it_again_changes_nothing() {
    each_store(async |store, label| {
        let export = chain_export();
        let first = import(store, ImportKind::Chain, export.path()).await.unwrap();
        let s = &first.summary;
        assert_eq!(
            (s.rows_read, s.imported, s.updated, s.unchanged, s.withdrawn, s.rejected),
            (10, 10, 0, 0, 0, 0),
            "{label}"
        );
        let before = snapshot(store).await;

        let second = import(store, ImportKind::Chain, export.path()).await.unwrap();
        let s = &second.summary;
        assert_eq!((s.rows_read, s.imported, s.updated, s.unchanged, s.withdrawn), (10, 0, 0, 10, 0), "{label}");
        let after = snapshot(store).await;
        // Only the history of imports grows.
        let without_history = |snap: &byname_store::Snapshot| {
            snap.tables.iter().filter(|(t, _, _)| t != "imports").cloned().collect::<Vec<_>>()
        };
        assert_eq!(without_history(&before), without_history(&after), "{label}");
        let history = store.import_history(10).await.unwrap();
        assert_eq!(history.len(), 2, "{label}");
        assert_eq!((history[0].kind.as_str(), history[0].unchanged), ("chain", 10), "{label}");
    })
    .await;
}

#[tokio::test]
async fn a_newer_export_updates_changed_rows_and_withdraws_missing_ones() {
    each_store(async |store, label| {
        let export = chain_export();
        import(store, ImportKind::Chain, export.path()).await.unwrap();
        // Amina's surname corrected, contact CT5 and stay S2 gone from the newer export.
        export.write("persons.csv", PERSONS.replace("C003,Amina,Yusuf", "C003,Amina,Yousuf").as_bytes());
        let contacts: String = CONTACTS.lines().filter(|l| !l.starts_with("CT5")).map(|l| format!("{l}\n")).collect();
        export.write("contacts.csv", contacts.as_bytes());
        let stays: String = STAYS.lines().filter(|l| !l.starts_with("S2")).map(|l| format!("{l}\n")).collect();
        export.write("stays.csv", stays.as_bytes());
        // Small as the export is, that is more than the share a full export may withdraw unconfirmed.
        let confirmed = ImportOptions { confirm_withdrawals: true, ..ImportOptions::default() };
        let outcome = import_with(store, ImportKind::Chain, export.path(), &confirmed).await.unwrap();
        let s = &outcome.summary;
        assert_eq!((s.rows_read, s.imported, s.updated, s.unchanged, s.withdrawn), (8, 0, 1, 7, 2), "{label}");

        // The contact comes back in a later export: it is restored, not duplicated.
        export.write("contacts.csv", CONTACTS.as_bytes());
        let outcome = import(store, ImportKind::Chain, export.path()).await.unwrap();
        let contacts = outcome.files.iter().find(|f| f.file.ends_with("contacts.csv")).unwrap();
        assert_eq!(
            (contacts.counts.imported, contacts.counts.updated, contacts.counts.unchanged),
            (0, 1, 4),
            "{label}"
        );

        // A partial export withdraws nothing and may refer to people imported before.
        let partial = Export::new(&[
            ("persons.csv", "chain_id,first_name,last_name,date_of_birth\nC004,New,Person,1999-09-09\n"),
            ("contacts.csv", "contact_id,chain_id,contact_date,bedded_down\nCT6,C001,2024-06-28,Y\n"),
        ]);
        let options = ImportOptions { partial: true, ..ImportOptions::default() };
        let outcome = import_with(store, ImportKind::Chain, partial.path(), &options).await.unwrap();
        let s = &outcome.summary;
        assert_eq!((s.imported, s.withdrawn, s.rejected), (2, 0, 0), "{label}");
    })
    .await;
}

fn has(
    outcome: &byname_pipeline::ImportOutcome,
    file: &str,
    line: u64,
    column: Option<&str>,
    reason_part: &str,
) -> bool {
    outcome.rejected_sample.iter().any(|d| {
        d.file.ends_with(file) && d.line == line && d.column.as_deref() == column && d.reason.contains(reason_part)
    })
}

#[tokio::test]
async fn bad_rows_are_reported_by_file_line_and_column_and_good_rows_are_kept() {
    each_store(async |store, label| {
        let export = chain_export();
        let mut persons = PERSONS.replace("nhs_number\n", "nhs_number,favourite_colour\n").replace('\n', ",\n");
        persons = persons.replacen(",\n", "\n", 1);
        persons.push_str("C004,Mary,Jones,,1980-02-30,female,,,,,,,,\n"); // line 5: no 30 February
        persons.push_str("C001,Jon,Smith,,,,,,,,,,,\n"); // line 6: duplicate id
        persons.push_str("C005,Bad,Number,,,,,,,,,,9434765918,\n"); // line 7: check digit
        persons.push_str("C006,Ann,Lee,,,unknown,Atlantis,,,gambling,,,,\n"); // line 8: three bad codes
        let mut bytes = persons.into_bytes();
        bytes.extend_from_slice(b"C007,Jos\xe9,Garcia,,,,,,,,,,,\n"); // line 9: Latin-1, not UTF-8
        export.write("persons.csv", &bytes);
        let mut contacts = CONTACTS.to_owned();
        contacts.push_str("CT6,C999,2024-06-01,,,,,,,Y,outreach\n"); // line 7: unknown person
        contacts.push_str(&format!("CT7,C001,2024-06-02,,,,{},,,Y,outreach\n", "x".repeat(10 * 1024 * 1024))); // line 8
        contacts.push_str("CT8,C001,2024-06-03,25:00,,,,91,,maybe,outreach\n"); // line 9: time, latitude, flag
        contacts.push_str("CT9,C001,2024-0"); // line 10: cut off mid-row
        export.write("contacts.csv", contacts.as_bytes());

        let outcome = import(store, ImportKind::Chain, export.path()).await.unwrap();
        let s = &outcome.summary;
        assert_eq!((s.imported, s.rejected, s.warnings), (10, 9, 1), "{label}: {:#?}", outcome.rejected_sample);
        assert_eq!(outcome.warnings[0].column.as_deref(), Some("favourite_colour"));
        assert!(has(&outcome, "persons.csv", 5, Some("date_of_birth"), "not a real calendar date"), "{label}");
        assert!(has(&outcome, "persons.csv", 6, Some("chain_id"), "duplicate chain_id \"C001\", first seen on line 2"));
        assert!(has(&outcome, "persons.csv", 7, Some("nhs_number"), "modulus-11"));
        assert!(has(&outcome, "persons.csv", 8, Some("gender"), "unknown code \"unknown\""));
        assert!(has(&outcome, "persons.csv", 8, Some("nationality"), "Atlantis"));
        assert!(has(&outcome, "persons.csv", 8, Some("support_needs"), "\"gambling\""));
        assert!(has(&outcome, "persons.csv", 9, Some("first_name"), "not valid UTF-8"));
        assert!(has(&outcome, "contacts.csv", 7, Some("chain_id"), "\"C999\" is not in persons.csv"));
        assert!(has(&outcome, "contacts.csv", 8, Some("location"), "over the limit"));
        assert!(has(&outcome, "contacts.csv", 9, Some("contact_time"), "HH:MM"));
        assert!(has(&outcome, "contacts.csv", 9, Some("latitude"), "outside"));
        assert!(has(&outcome, "contacts.csv", 9, Some("bedded_down"), "neither Y nor N"));
        assert!(has(&outcome, "contacts.csv", 10, None, "truncated"));

        // The report is stored with the import and can be read back.
        let stored = store.import_diagnostics(s.id).await.unwrap();
        assert_eq!(stored.iter().filter(|d| d.severity == "error").count(), outcome.rejected_sample.len(), "{label}");
        assert_eq!(stored.iter().filter(|d| d.severity == "warning").count(), 1);
        assert!(
            stored
                .iter()
                .any(|d| d.file.ends_with("contacts.csv") && d.line == 7 && d.column.as_deref() == Some("chain_id"))
        );
    })
    .await;
}

#[tokio::test]
async fn a_file_that_cannot_be_read_as_a_table_stores_nothing() {
    each_store(async |store, label| {
        let good = chain_export();
        import(store, ImportKind::Chain, good.path()).await.unwrap();
        let before = snapshot(store).await;

        let empty_contacts = Export::new(&[("persons.csv", PERSONS), ("contacts.csv", "")]);
        let error = import(store, ImportKind::Chain, empty_contacts.path()).await.unwrap_err();
        assert!(
            matches!(&error, ImportError::File(FileError::Empty { file }) if file.ends_with("contacts.csv")),
            "{label}: {error}"
        );
        assert_eq!(snapshot(store).await, before, "{label}");

        let wrong_header = Export::new(&[("persons.csv", "id,first,last\nC1,A,B\n"), ("contacts.csv", CONTACTS)]);
        let error = import(store, ImportKind::Chain, wrong_header.path()).await.unwrap_err().to_string();
        assert!(
            error.contains(
                "persons.csv: the header lacks required column(s) chain_id, first_name, last_name, date_of_birth"
            ),
            "{error}"
        );
        assert_eq!(snapshot(store).await, before, "{label}");

        let missing_file = Export::new(&[("persons.csv", PERSONS)]);
        let error = import(store, ImportKind::Chain, missing_file.path()).await.unwrap_err().to_string();
        assert!(error.contains("contacts.csv: file not found"), "{error}");

        let duplicate_column = Export::new(&[("persons.csv", PERSONS), ("contacts.csv", "contact_id,contact_id\n")]);
        let error = import(store, ImportKind::Chain, duplicate_column.path()).await.unwrap_err().to_string();
        assert!(error.contains("column \"contact_id\" appears twice"), "{error}");
        assert_eq!(snapshot(store).await, before, "{label}");
        assert_eq!(store.import_history(10).await.unwrap().len(), 1, "{label}: failed imports leave no history");
    })
    .await;
}

#[tokio::test]
async fn a_mapping_lets_an_export_with_other_headers_and_codes_import() {
    each_store(async |store, label| {
        let export = Export::new(&[
            ("People.csv", "Person Ref,Forename,Surname,DOB,Sex,Shoe size\nX1,Anna,Kowalska,05/06/1985,F,38\nX2,Tomasz,Nowak,,M,\n"),
            ("contacts.csv", "Contact Ref,Person Ref,Date,Rough sleeping\nK1,X1,01/06/2024,Yes\nK2,X2,02/06/2024,No\n"),
        ]);
        let mapping = Mapping::parse(
            r#"
            [persons]
            file = "People.csv"
            date_format = "DD/MM/YYYY"
            [persons.columns]
            chain_id = "Person Ref"
            first_name = "Forename"
            last_name = "Surname"
            date_of_birth = "DOB"
            gender = "Sex"
            [persons.values.gender]
            "F" = "female"
            "M" = "male"
            [contacts]
            date_format = "DD/MM/YYYY"
            [contacts.columns]
            contact_id = "Contact Ref"
            chain_id = "Person Ref"
            contact_date = "Date"
            bedded_down = "Rough sleeping"
            [contacts.values.bedded_down]
            "Yes" = "Y"
            "No" = "N"
            "#,
            "mapping.toml",
        )
        .unwrap();
        let options = ImportOptions { mapping, ..ImportOptions::default() };
        let outcome = import_with(store, ImportKind::Chain, export.path(), &options).await.unwrap();
        let s = &outcome.summary;
        assert_eq!((s.imported, s.rejected, s.warnings), (4, 0, 1), "{label}: {:?}", outcome.rejected_sample);
        assert_eq!(outcome.warnings[0].column.as_deref(), Some("Shoe size"));
        let inputs = store.link_inputs(false).await.unwrap();
        let anna = inputs.iter().find(|r| r.source_id == "X1").unwrap();
        assert_eq!(anna.date_of_birth.as_deref(), Some("1985-06-05"), "{label}");
    })
    .await;
}

#[tokio::test]
async fn inform_street_count_and_health_files_import() {
    each_store(async |store, label| {
        let inform = inform_export();
        let outcome = import(store, ImportKind::Inform, inform.path()).await.unwrap();
        assert_eq!(
            (outcome.summary.imported, outcome.summary.rejected),
            (8, 0),
            "{label}: {:?}",
            outcome.rejected_sample
        );

        let chain = chain_export();
        import(store, ImportKind::Chain, chain.path()).await.unwrap();
        let count = Export::new(&[(
            "street-count.csv",
            "count_date,team,borough,location,latitude,longitude,gender,age_band,name,chain_id\n\
             2024-11-14,Night Outreach,Westminster,Strand,51.51,-0.12,male,36-45,,C001\n\
             2024-11-14,Night Outreach,Westminster,Haymarket,,,female,26-35,Jane Doe,\n\
             2024-11-14,Night Outreach,Westminster,Soho Square,,,male,over_55,,\n\
             2024-11-14,Night Outreach,Westminster,Soho Square,,,male,ninety,,\n",
        )]);
        let file = count.file("street-count.csv");
        let outcome = import(store, ImportKind::StreetCount, &file).await.unwrap();
        assert_eq!((outcome.summary.imported, outcome.summary.rejected), (3, 1), "{label}");
        assert!(outcome.rejected_sample[0].column.as_deref() == Some("age_band"));
        let again = import(store, ImportKind::StreetCount, &file).await.unwrap();
        assert_eq!((again.summary.imported, again.summary.unchanged), (0, 3), "{label}");
        let named = store.link_inputs(false).await.unwrap().into_iter().find(|r| r.source == "street_count").unwrap();
        assert_eq!((named.first_name.as_deref(), named.last_name.as_deref()), (Some("Jane"), Some("Doe")));

        let health = Export::new(&[(
            "health-events.csv",
            "event_id,nhs_number,name,date_of_birth,event_type,event_date,provider\n\
             HE1,943 476 5919,John Smith,1975-03-02,flu_vaccination,2023-10-10,Joint Homelessness Team\n\
             HE2,,Amina Yusuf,,gp_registration,2024-01-05,Great Chapel Street Medical Centre\n\
             HE3,,Someone,,x_ray,2024-01-05,\n",
        )]);
        let outcome = import(store, ImportKind::Health, &health.file("health-events.csv")).await.unwrap();
        assert_eq!((outcome.summary.imported, outcome.summary.rejected), (2, 1), "{label}");
        assert!(outcome.rejected_sample[0].reason.contains("covid_vaccination"), "the reason lists the valid codes");
    })
    .await;
}

#[tokio::test]
async fn coordinates_after_a_batch_without_them_import_on_both_stores() {
    // PostgreSQL receives contacts 500 rows to a statement: the second statement has numbers
    // where the first had only empty cells.
    each_store(async |store, label| {
        let mut persons = String::from("chain_id,first_name,last_name,date_of_birth\n");
        let mut contacts = String::from("contact_id,chain_id,contact_date,latitude,longitude,bedded_down\n");
        for i in 0..1000 {
            persons.push_str(&format!("C{i:04},Person,{},\n", letters(i)));
            let (lat, lon) =
                if i < 500 { (String::new(), String::new()) } else { ("51.5074".into(), "-0.1278".into()) };
            contacts.push_str(&format!("K{i:04},C{i:04},2024-06-{:02},{lat},{lon},Y\n", 1 + i % 28));
        }
        let export = Export::new(&[("persons.csv", &persons), ("contacts.csv", &contacts)]);
        let outcome = import(store, ImportKind::Chain, export.path()).await.unwrap();
        assert_eq!(
            (outcome.summary.imported, outcome.summary.rejected),
            (2000, 0),
            "{label}: {:?}",
            outcome.rejected_sample
        );
    })
    .await;
}

/// A surname from a number: Aaa, Aab, ...
fn letters(i: usize) -> String {
    let letter = |n: usize| char::from(b'a' + (n % 26) as u8);
    format!("A{}{}{}", letter(i / 676), letter(i / 26), letter(i))
}

#[tokio::test]
async fn a_header_only_export_is_refused_and_changes_nothing_until_confirmed() {
    each_store(async |store, label| {
        let export = chain_export();
        import(store, ImportKind::Chain, export.path()).await.unwrap();
        let before = snapshot(store).await;

        // The persons file came through with its header only.
        export.write("persons.csv", PERSONS.lines().next().unwrap().as_bytes());
        let error = import(store, ImportKind::Chain, export.path()).await.unwrap_err();
        match &error {
            ImportError::TooManyWithdrawals { file, what, withdrawn, live, allowed } => {
                assert!(file.ends_with("persons.csv"), "{label}: {file}");
                assert_eq!((what.as_str(), *withdrawn, *live, *allowed), ("CHAIN person records", 3, 3, 0.10), "{label}");
            }
            other => panic!("{label}: {other}"),
        }
        let message = error.to_string();
        assert!(
            message.ends_with(
                "persons.csv: this full export would withdraw 3 of 3 live CHAIN person records (100%), more than the 10% \
                 allowed; if the export really is complete, import it again with --confirm-withdrawals (or --partial \
                 if it holds only new and changed rows)"
            ),
            "{label}: {message}"
        );
        // Nothing stored, not even the import's history.
        assert_eq!(snapshot(store).await, before, "{label}");
        assert_eq!(store.import_history(10).await.unwrap().len(), 1, "{label}");

        // Confirmed, it goes through: every record and, with them, every event is withdrawn.
        let options = ImportOptions { confirm_withdrawals: true, ..ImportOptions::default() };
        let outcome = import_with(store, ImportKind::Chain, export.path(), &options).await.unwrap();
        let s = &outcome.summary;
        assert_eq!((s.imported, s.withdrawn, s.rejected), (0, 3 + 5 + 2, 5 + 2), "{label}");
        assert_eq!(store.import_history(10).await.unwrap().len(), 2, "{label}");
    })
    .await;
}

/// One CHAIN person with `n` contacts, CT1 to CTn.
fn one_person_with_contacts(n: usize) -> Export {
    let persons = "chain_id,first_name,last_name,date_of_birth\nC001,John,Smith,1975-03-02\n";
    let mut contacts = String::from("contact_id,chain_id,contact_date,bedded_down\n");
    for i in 1..=n {
        contacts.push_str(&format!("CT{i},C001,2024-06-{:02},Y\n", 1 + i % 28));
    }
    Export::new(&[("persons.csv", persons), ("contacts.csv", &contacts)])
}

#[tokio::test]
async fn a_full_export_may_withdraw_up_to_the_allowed_share_of_a_table() {
    each_store(async |store, label| {
        let export = one_person_with_contacts(20);
        import(store, ImportKind::Chain, export.path()).await.unwrap();

        // One contact of 20 (5%) missing: withdrawn.
        let fewer = one_person_with_contacts(19);
        let outcome = import(store, ImportKind::Chain, fewer.path()).await.unwrap();
        assert_eq!((outcome.summary.withdrawn, outcome.summary.unchanged), (1, 20), "{label}");

        // Three more of the 19 live (16%): refused, naming the contacts file.
        let before = snapshot(store).await;
        let fewer = one_person_with_contacts(16);
        let error = import(store, ImportKind::Chain, fewer.path()).await.unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("contacts.csv: this full export would withdraw 3 of 19 live CHAIN contacts (16%)"),
            "{label}: {message}"
        );
        assert_eq!(snapshot(store).await, before, "{label}");

        // A larger allowance lets it through.
        let options = ImportOptions { max_withdrawal: 0.2, ..ImportOptions::default() };
        let outcome = import_with(store, ImportKind::Chain, fewer.path(), &options).await.unwrap();
        assert_eq!(outcome.summary.withdrawn, 3, "{label}");
    })
    .await;
}

#[tokio::test]
async fn every_kind_of_withdrawal_is_guarded() {
    each_store(async |store, label| {
        // Inform: the placements and assessments files emptied.
        let export = inform_export();
        import(store, ImportKind::Inform, export.path()).await.unwrap();
        export.write("placements.csv", PLACEMENTS.lines().next().unwrap().as_bytes());
        let message = import(store, ImportKind::Inform, export.path()).await.unwrap_err().to_string();
        assert!(message.contains("placements.csv: this full export would withdraw 2 of 2 live Inform placements"), "{label}: {message}");
        export.write("placements.csv", PLACEMENTS.as_bytes());
        export.write("assessments.csv", ASSESSMENTS.lines().next().unwrap().as_bytes());
        let message = import(store, ImportKind::Inform, export.path()).await.unwrap_err().to_string();
        assert!(message.contains("assessments.csv: this full export would withdraw 2 of 2 live Inform assessments"), "{label}: {message}");

        // A street count withdraws within its nights, guarded on them.
        let count = Export::new(&[(
            "street-count.csv",
            "count_date,team,borough,location,gender,age_band,name,chain_id\n\
             2024-06-27,North,Westminster,Strand,male,26-35,,\n\
             2024-06-27,North,Westminster,Mall,female,36-45,,\n",
        )]);
        import(store, ImportKind::StreetCount, &count.file("street-count.csv")).await.unwrap();
        count.write("street-count.csv", b"count_date,team,borough,location,gender,age_band,name,chain_id\n2024-06-27,North,Westminster,Strand,male,26-35,,\n");
        let message = import(store, ImportKind::StreetCount, &count.file("street-count.csv")).await.unwrap_err().to_string();
        assert!(message.contains("would withdraw 1 of 2 live street-count sightings on the nights it covers (50%)"), "{label}: {message}");

        // Health events.
        let health = Export::new(&[(
            "health-events.csv",
            "event_id,nhs_number,name,date_of_birth,event_type,event_date,provider\n\
             E1,,A Person,1970-01-01,flu_vaccination,2024-01-01,GP\n\
             E2,,B Person,1971-01-01,flu_vaccination,2024-01-02,GP\n",
        )]);
        import(store, ImportKind::Health, &health.file("health-events.csv")).await.unwrap();
        health.write("health-events.csv", b"event_id,nhs_number,name,date_of_birth,event_type,event_date,provider\n");
        let message = import(store, ImportKind::Health, &health.file("health-events.csv")).await.unwrap_err().to_string();
        assert!(message.contains("would withdraw 2 of 2 live health events (100%)"), "{label}: {message}");
    })
    .await;
}

#[tokio::test]
async fn a_dry_run_stores_nothing_and_reports_what_the_import_then_does() {
    each_store(async |store, label| {
        let dry = ImportOptions { dry_run: true, ..ImportOptions::default() };
        let counts = |o: &byname_pipeline::ImportOutcome| {
            let s = &o.summary;
            let files: Vec<_> = o.files.iter().map(|f| (f.rows_read, f.rejected, f.counts)).collect();
            (s.rows_read, s.imported, s.updated, s.unchanged, s.withdrawn, s.rejected, s.warnings, files)
        };
        // Into an empty store, and then a newer export with a change, a withdrawal and a bad row.
        let export = chain_export();
        for round in 0..2 {
            if round == 1 {
                export.write("persons.csv", PERSONS.replace("C003,Amina,Yusuf", "C003,Amina,Yousuf").as_bytes());
                let contacts: String =
                    CONTACTS.lines().filter(|l| !l.starts_with("CT5")).map(|l| format!("{l}\n")).collect();
                export.write("contacts.csv", format!("{contacts}CT9,C999,2024-06-30,,,,,,,Y,outreach\n").as_bytes());
            }
            let before = snapshot(store).await;
            let history = store.import_history(10).await.unwrap().len();
            let options = ImportOptions { confirm_withdrawals: round == 1, ..dry.clone() };
            let dry_run = import_with(store, ImportKind::Chain, export.path(), &options).await.unwrap();
            assert!(dry_run.dry_run, "{label}");
            assert_eq!(snapshot(store).await, before, "{label}: a dry run stores nothing");
            assert_eq!(store.import_history(10).await.unwrap().len(), history, "{label}");
            let options = ImportOptions { dry_run: false, ..options };
            let real = import_with(store, ImportKind::Chain, export.path(), &options).await.unwrap();
            assert!(!real.dry_run, "{label}");
            assert_eq!(counts(&dry_run), counts(&real), "{label}: round {round}");
            if round == 1 {
                assert_eq!((real.summary.updated, real.summary.withdrawn, real.summary.rejected), (1, 1, 1), "{label}");
            }
            assert_ne!(snapshot(store).await, before, "{label}");
        }

        // A dry run of a header-only export says a real import would be refused, and stores nothing.
        let before = snapshot(store).await;
        export.write("persons.csv", PERSONS.lines().next().unwrap().as_bytes());
        let outcome = import_with(store, ImportKind::Chain, export.path(), &dry).await.unwrap();
        // The persons, and with them every contact and stay, whose rows are rejected.
        let refused = &outcome.refused_withdrawals;
        assert_eq!(refused.len(), 3, "{label}: {refused:?}");
        assert!(
            refused[0].contains("persons.csv: this full export would withdraw 3 of 3 live CHAIN person records"),
            "{label}"
        );
        assert!(
            refused[1].contains("contacts.csv: this full export would withdraw 4 of 4 live CHAIN contacts"),
            "{label}"
        );
        assert_eq!(snapshot(store).await, before, "{label}");
    })
    .await;
}
