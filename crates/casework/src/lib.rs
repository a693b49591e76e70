//! byname's casework: who may see and do what, and what they do with a person. Each use case
//! takes the store and the current time as parameters; the web and command-line front ends are
//! thin layers over these functions. The data it works on comes in through `byname_pipeline`,
//! which this crate calls (a review decision relinks) and never the reverse.
//!
//! ## Where things are
//!
//! - `review` is the linkage review queue, decisions, merge, split, undo and a person's linkage.
//! - `access` applies `byname_domain::access::decide` to every read of a person, one batch of
//!   facts per page, and writes the audit entries; `by_name_list`, `casework` and `review` go
//!   through it. `by_name_list` is Built for Zero's active list (decided with
//!   `byname_stats::bfz_status`), filters that never leak, and the rows of a download, which
//!   `render` writes as CSV. `casework` is the person page, consent, break-glass, contacts,
//!   actions and lead; `person` is the page for casework (the summary, and the timeline by the
//!   page, month and kind).
//! - `search` finds people by name, date of birth or id among everyone held, through an index
//!   kept under the data's version and scored by `byname_linkage`; each result as `access`
//!   allows, in the list's entry shape (`by_name_list`), every search audited with its terms.
//! - `accounts` (Argon2id on a blocking pool of one thread fewer than the cores, sessions,
//!   resets, sign-in limits; the common passwords refused are in `data/`) and `totp` (the second
//!   factor); `agreements` (data-sharing agreements as records); `audit` (verify the chain,
//!   search, the subject access export); `privacy` (erasure, restriction and retention;
//!   `docs/privacy.md`; the tombstones an import skips are `byname_pipeline::tombstones`).
//! - `escalations` (raise, answer, comment, my escalations, notifications, the step, the case
//!   conference agenda); `mail` (optional notification email through an SMTP relay, with
//!   `lettre`, claimed from the notifications table so that no email goes twice); `resources`
//!   (shared beds and rooms offered to a person, with who decided and why); `settings` (the
//!   administrators' settings page: the list's window and the escalation deadlines together).
//! - `organisations` (the partnership's organisations and the team, provider and service names
//!   each goes by in imports, which the access rules match) and `data_status` (the data page:
//!   each source's last import and completeness, unclaimed names, pairs awaiting review, and the
//!   list's warning when an import is old).

//! - `registration`: someone new to the streets registered with their first contact, after the
//!   likely existing people (scored with `byname_linkage::likely_matches`) are offered.
//! - `demo` sets up the demo partnership's organisations and one user per role.

pub mod access;
pub mod accounts;
pub mod agreements;
pub mod audit;
pub mod by_name_list;
pub mod casework;
pub mod data_status;
pub mod demo;
pub mod escalations;
pub mod mail;
pub mod organisations;
pub mod person;
pub mod privacy;
pub mod registration;
pub mod render;
pub mod resources;
pub mod review;
pub mod search;
pub mod settings;
pub mod totp;
pub mod user;
