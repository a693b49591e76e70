//! Story tests: what a partnership does with byname, step by step, run
//! against both stores. SQLite always; PostgreSQL when a server answers at
//! `BYNAME_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/postgres).
//! Without one the PostgreSQL half is skipped with a loud message, except
//! under `CI=true`, where a missing server fails the run.

mod access;
mod accounts;
mod audit;
mod backup;
mod by_name_list;
mod casework;
mod escalations;
mod import;
mod linking;
mod organisations;
mod person_page;
mod privacy;
mod registration;
mod review;
mod schema;
mod search;
mod subject_access;
mod support;
mod workbooks;
