//! What the by-name list reads on every request, kept in memory until the data change: the
//! people seen in a window, and for each organisation which of them it works with. The key is
//! the data's version (`SqlStore::data_version`): the latest import, linkage run and contact, and
//! a counter that lead changes bump, all read from the database, so several servers sharing one
//! database each see every change at their next request. Hand-written: a map behind a lock.
//! Memos are few (the list's views and orders); when there are many they are dropped. A value
//! that does not depend on everything the data's version covers (the search's index of names,
//! dates of birth and ids, which costs seconds to build at London scale and which a contact or
//! a lead change leaves as it was) is kept under a version of its own instead.

use crate::types::SeenPerson;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A value kept with the version it was derived under.
type Versioned = (String, Arc<dyn std::any::Any + Send + Sync>);

#[derive(Debug, Default)]
pub struct ListCache(Mutex<Entries>, Mutex<HashMap<String, Versioned>>);

#[derive(Debug, Default)]
struct Entries {
    version: String,
    seen: HashMap<(String, String), Arc<Vec<SeenPerson>>>,
    /// Per organisation, per person: whether the organisation works with them.
    works: HashMap<i64, HashMap<i64, bool>>,
    /// Values the service derives from the data, by key.
    memos: HashMap<String, Arc<dyn std::any::Any + Send + Sync>>,
}

impl ListCache {
    fn entries(&self, version: &str) -> std::sync::MutexGuard<'_, Entries> {
        let mut entries = self.0.lock().expect("the list cache's lock is never poisoned");
        if entries.version != version {
            *entries = Entries { version: version.to_owned(), ..Entries::default() };
        }
        entries
    }

    pub fn seen(&self, version: &str, since: &str, until: &str) -> Option<Arc<Vec<SeenPerson>>> {
        self.entries(version).seen.get(&(since.to_owned(), until.to_owned())).cloned()
    }

    pub fn keep_seen(&self, version: &str, since: &str, until: &str, seen: Arc<Vec<SeenPerson>>) {
        let mut entries = self.entries(version);
        // One window is asked for in practice (today's); keep a few.
        if entries.seen.len() > 4 {
            entries.seen.clear();
        }
        entries.seen.insert((since.to_owned(), until.to_owned()), seen);
    }

    /// The known answers for `organisation`, and the persons not yet known.
    pub fn works_with(&self, version: &str, organisation: i64, persons: &[i64]) -> (Vec<i64>, Vec<i64>) {
        let mut entries = self.entries(version);
        let known = entries.works.entry(organisation).or_default();
        let (mut yes, mut unknown) = (Vec::new(), Vec::new());
        for p in persons {
            match known.get(p) {
                Some(true) => yes.push(*p),
                Some(false) => {}
                None => unknown.push(*p),
            }
        }
        (yes, unknown)
    }

    pub fn keep_works_with(&self, version: &str, organisation: i64, asked: &[i64], yes: &[i64]) {
        let mut entries = self.entries(version);
        let known = entries.works.entry(organisation).or_default();
        for p in asked {
            known.insert(*p, false);
        }
        for p in yes {
            known.insert(*p, true);
        }
    }

    pub fn memo<T: Send + Sync + 'static>(&self, version: &str, key: &str) -> Option<Arc<T>> {
        self.entries(version).memos.get(key).cloned().and_then(|v| v.downcast::<T>().ok())
    }

    pub fn keep_memo<T: Send + Sync + 'static>(&self, version: &str, key: &str, value: Arc<T>) {
        let mut entries = self.entries(version);
        if entries.memos.len() > 16 {
            entries.memos.clear();
        }
        entries.memos.insert(key.to_owned(), value);
    }

    /// A value kept under its own `version`, whatever the data's version is now.
    pub fn memo_under<T: Send + Sync + 'static>(&self, version: &str, key: &str) -> Option<Arc<T>> {
        let kept = self.1.lock().expect("the list cache's lock is never poisoned");
        kept.get(key).filter(|(v, _)| v == version).and_then(|(_, value)| value.clone().downcast::<T>().ok())
    }

    /// Keeps a value under its own `version`, in place of the one kept before under `key`.
    pub fn keep_memo_under<T: Send + Sync + 'static>(&self, version: &str, key: &str, value: Arc<T>) {
        let mut kept = self.1.lock().expect("the list cache's lock is never poisoned");
        kept.insert(key.to_owned(), (version.to_owned(), value));
    }
}
